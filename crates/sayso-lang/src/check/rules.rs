//! Lowering rules: options, the match, emitted fields, links and examples.

use super::*;

/// Priorities are bounded so that rule writers keep to a readable scale.
pub(crate) const PRIORITY_RANGE: Range<i64> = -1000..1001;

impl Checker<'_> {
    pub(super) fn lower_rules(&mut self) -> Vec<LoweredRule> {
        let mut lowered = Vec::with_capacity(self.rules.len());
        for index in 0..self.rules.len() {
            if let Some(rule) = self.lower_rule(index) {
                lowered.push(rule);
            }
        }
        lowered
    }

    pub(super) fn lower_rule(&mut self, index: usize) -> Option<LoweredRule> {
        let file = self.rules[index].file;
        let decl = self.rules[index].node;
        let label = *self.label_ids.get(&decl.label.name)?;
        if self.program.labels[label.0 as usize].builtin.is_some() {
            return None;
        }

        let priority = self.rule_priority(file, decl);
        let scope = self.rule_scope(file, decl);

        let mut context = PatternContext::new();
        let pattern = match decl.matches.as_slice() {
            [] => {
                self.reporter.error(
                    codes::MATCH_COUNT,
                    format!("rule `{}` has no `match` clause", decl.name.name),
                    file,
                    decl.name.span.clone(),
                    "this rule matches nothing",
                    Some("add `match PATTERN` inside the braces".into()),
                );
                Pattern::Token(TokenTest::Any)
            }
            [first, rest @ ..] => {
                for extra in rest {
                    let d = self.reporter.error(
                        codes::MATCH_COUNT,
                        format!("rule `{}` has more than one `match` clause", decl.name.name),
                        file,
                        extra.span.clone(),
                        "second pattern",
                        Some("join the patterns with `|`, or split the rule in two".into()),
                    );
                    also(d, file, first.span.clone(), "first pattern");
                }
                let (pattern, _) = self.lower_pattern(
                    &mut context,
                    file,
                    first,
                    &CaptureMode::Keep(String::new()),
                    false,
                    0,
                );
                if min_tokens(&pattern) == 0 && !context.size_reported {
                    self.reporter.error(
                        codes::EMPTY_MATCH,
                        format!(
                            "the pattern of rule `{}` can match zero tokens",
                            decl.name.name
                        ),
                        file,
                        first.span.clone(),
                        "this can match nothing at all",
                        Some(
                            "every match must cover at least one token; make some element required"
                                .into(),
                        ),
                    );
                }
                pattern
            }
        };

        let mut used_captures: HashSet<CaptureId> = HashSet::new();
        let mut field_names: Vec<(String, ByteSpan)> = Vec::new();
        let mut emit = Vec::new();
        for field in &decl.emits {
            if let Some((_, first)) = field_names.iter().find(|(n, _)| *n == field.name.name) {
                let first = first.clone();
                let d = self.reporter.error(
                    codes::DUPLICATE_FIELD,
                    format!("field `{}` is emitted twice", field.name.name),
                    file,
                    field.name.span.clone(),
                    "emitted again here",
                    None,
                );
                also(d, file, first, "first emitted here");
                continue;
            }
            field_names.push((field.name.name.clone(), field.name.span.clone()));
            let value = match &field.value {
                ast::EmitValue::Constant(text) => ir::EmitValue::Constant(text.value.clone()),
                ast::EmitValue::Path(path) => {
                    // The capture counts as used even when the rest of the path is wrong, so
                    // one mistake does not also draw an "unused capture" warning.
                    if let Some(id) = longest_capture(&context, path) {
                        used_captures.insert(id.0);
                    }
                    match self.resolve_path(&context, file, path) {
                        Some(value) => {
                            match &value {
                                ir::EmitValue::Capture(id)
                                | ir::EmitValue::CaptureField { capture: id, .. } => {
                                    used_captures.insert(*id);
                                }
                                ir::EmitValue::Constant(_) => {}
                            }
                            value
                        }
                        None => continue,
                    }
                }
            };
            emit.push(ir::EmitField {
                name: field.name.name.clone(),
                value,
            });
        }

        let mut needs = context.labels.clone();
        let mut links = Vec::new();
        for link in &decl.links {
            if let Some((_, first)) = field_names.iter().find(|(n, _)| *n == link.field.name) {
                let first = first.clone();
                let d = self.reporter.error(
                    codes::DUPLICATE_FIELD,
                    format!("field `{}` is both emitted and linked", link.field.name),
                    file,
                    link.field.span.clone(),
                    "linked here",
                    Some("a link fills a field of its own; give it another name".into()),
                );
                also(d, file, first, "first set here");
                continue;
            }
            field_names.push((link.field.name.clone(), link.field.span.clone()));
            if let Some((lowered, link_needs)) =
                self.lower_link(&context, file, label, link, &mut used_captures)
            {
                for need in link_needs {
                    if !needs.iter().any(|(l, _, _)| *l == need.0) {
                        needs.push(need);
                    }
                }
                links.push(lowered);
            }
        }

        let mut examples = Vec::new();
        for example in &decl.examples {
            if let Some(expect) = &example.expect {
                for (name, _) in expect {
                    if !field_names.iter().any(|(n, _)| *n == name.name) {
                        let known: Vec<&str> =
                            field_names.iter().map(|(n, _)| n.as_str()).collect();
                        let help = did_you_mean(&name.name, known.iter().copied()).or(Some(
                            if known.is_empty() {
                                "the rule emits no fields".to_string()
                            } else {
                                format!("the rule's fields are {}", backticked(&known))
                            },
                        ));
                        self.reporter.error(
                            codes::EXAMPLE_FIELD,
                            format!(
                                "rule `{}` never produces the field `{}`",
                                decl.name.name, name.name
                            ),
                            file,
                            name.span.clone(),
                            "expected by this example",
                            help,
                        );
                    }
                }
            }
            examples.push(ir::Example {
                text: example.text.value.clone(),
                expect: example.expect.as_ref().map(|fields| {
                    fields
                        .iter()
                        .map(|(name, value)| (name.name.clone(), value.value.clone()))
                        .collect()
                }),
                origin: self.reporter.origin(file, example.span.start),
            });
        }

        for (n, name) in context.captures.iter().enumerate() {
            let id = CaptureId(n as u32);
            let info = &context.capture_info[n];
            // Sub-captures of a captured pattern are optional to use.
            let used_below = context.captures.iter().enumerate().any(|(m, other)| {
                used_captures.contains(&CaptureId(m as u32))
                    && other.starts_with(&format!("{name}."))
            });
            if !name.contains('.') && !used_captures.contains(&id) && !used_below {
                if let Some(capture_file) = info.file {
                    self.reporter.warning(
                        codes::UNUSED_CAPTURE,
                        format!("capture `{name}` is never used"),
                        capture_file,
                        info.span.clone(),
                        "bound here",
                        Some(format!(
                            "emit it (`emit {name}: {name}`) or remove the name"
                        )),
                    );
                }
            }
        }

        let origin = self.reporter.origin(file, decl.name.span.start);
        Some(LoweredRule {
            rule: ir::Rule {
                name: decl.name.name.clone(),
                label,
                priority,
                scope,
                pattern,
                captures: context.captures,
                emit,
                links,
                examples,
                origin,
            },
            needs,
        })
    }

    pub(super) fn rule_priority(&mut self, file: FileId, decl: &ast::RuleDecl) -> i32 {
        let mut priority = 0;
        for (n, literal) in decl.priorities.iter().enumerate() {
            if n > 0 {
                let d = self.reporter.error(
                    codes::DUPLICATE_OPTION,
                    format!("rule `{}` gives `priority` twice", decl.name.name),
                    file,
                    literal.span.clone(),
                    "second priority",
                    None,
                );
                also(d, file, decl.priorities[0].span.clone(), "first priority");
                continue;
            }
            match literal.text.parse::<i64>() {
                Ok(value) if PRIORITY_RANGE.contains(&value) => priority = value as i32,
                _ => {
                    self.reporter.error(
                        codes::OUT_OF_RANGE,
                        format!("priority `{}` is out of range", literal.text),
                        file,
                        literal.span.clone(),
                        "priorities go from -1000 to 1000",
                        Some("priorities only order rules; small steps such as 10, 20, 30 leave room".into()),
                    );
                }
            }
        }
        priority
    }

    pub(super) fn rule_scope(&mut self, file: FileId, decl: &ast::RuleDecl) -> ir::Scope {
        let mut scope = ir::Scope::default();
        for (n, name) in decl.scopes.iter().enumerate() {
            if n > 0 {
                let d = self.reporter.error(
                    codes::DUPLICATE_OPTION,
                    format!("rule `{}` gives `within` twice", decl.name.name),
                    file,
                    name.span.clone(),
                    "second scope",
                    None,
                );
                also(d, file, decl.scopes[0].span.clone(), "first scope");
                continue;
            }
            scope = match name.name.as_str() {
                "sentence" => ir::Scope::Sentence,
                "paragraph" => ir::Scope::Paragraph,
                "document" => ir::Scope::Document,
                other => {
                    let help = did_you_mean(other, ["sentence", "paragraph", "document"]).or(Some(
                        "the scopes are `sentence`, `paragraph` and `document`".into(),
                    ));
                    self.reporter.error(
                        codes::UNKNOWN_OPTION,
                        format!("unknown scope `{other}`"),
                        file,
                        name.span.clone(),
                        "not a scope",
                        help,
                    );
                    ir::Scope::default()
                }
            };
        }
        scope
    }

    /// Resolves `s`, `q.inner` or `s.who` against the captures of a rule.
    pub(super) fn resolve_path(
        &mut self,
        context: &PatternContext,
        file: FileId,
        path: &[Ident],
    ) -> Option<ir::EmitValue> {
        let first = path.first()?;
        let Some((capture, used)) = longest_capture(context, path) else {
            self.unknown_capture(context, file, first);
            return None;
        };
        let rest = &path[used..];
        match rest {
            [] => Some(ir::EmitValue::Capture(capture)),
            [field] => {
                let capture_name = &context.captures[capture.0 as usize];
                let Some(labels) = context.capture_info[capture.0 as usize].labels.clone() else {
                    let subs: Vec<&str> = context
                        .captures
                        .iter()
                        .filter_map(|c| c.strip_prefix(&format!("{capture_name}.")))
                        .collect();
                    let help = closest(&field.name, subs.iter().copied())
                        .map(|sub| format!("did you mean `{capture_name}.{sub}`?"))
                        .or(Some(format!(
                            "fields come from annotations: capture one with `{capture_name}:@Label`"
                        )));
                    self.reporter.error(
                        codes::NOT_AN_ANNOTATION,
                        format!(
                            "capture `{capture_name}` has no field or sub-capture `{}`",
                            field.name
                        ),
                        file,
                        field.span.clone(),
                        format!("`{capture_name}` does not capture an annotation"),
                        help,
                    );
                    return None;
                };
                for label in &labels {
                    let fields = &self.program.labels[label.0 as usize].fields;
                    if !fields.contains(&field.name) {
                        let label_name = self.program.labels[label.0 as usize].name.clone();
                        let help = did_you_mean(&field.name, fields.iter().map(String::as_str)).or(
                            Some(if fields.is_empty() {
                                format!("`{label_name}` has no fields")
                            } else {
                                format!("the fields of `{label_name}` are {}", backticked(fields))
                            }),
                        );
                        self.reporter.error(
                            codes::UNKNOWN_FIELD,
                            format!("label `{label_name}` has no field `{}`", field.name),
                            file,
                            field.span.clone(),
                            "unknown field",
                            help,
                        );
                        return None;
                    }
                }
                Some(ir::EmitValue::CaptureField {
                    capture,
                    field: field.name.clone(),
                })
            }
            [_, extra, ..] => {
                self.reporter.error(
                    codes::UNKNOWN_FIELD,
                    format!(
                        "`{}` goes deeper than a field",
                        path.iter()
                            .map(|i| i.name.as_str())
                            .collect::<Vec<_>>()
                            .join(".")
                    ),
                    file,
                    extra.span.clone(),
                    "a field has no fields",
                    Some("write `capture.field`".into()),
                );
                None
            }
        }
    }

    pub(super) fn unknown_capture(&mut self, context: &PatternContext, file: FileId, name: &Ident) {
        if context.look_captures.contains(&name.name) {
            return;
        }
        let help = did_you_mean(&name.name, context.captures.iter().map(String::as_str)).or(Some(
            if context.captures.is_empty() {
                "the pattern binds no captures; bind one with `name:element`".to_string()
            } else {
                format!("the captures are {}", backticked(&context.captures))
            },
        ));
        self.reporter.error(
            codes::UNKNOWN_CAPTURE,
            format!("capture `{}` is not bound in `match`", name.name),
            file,
            name.span.clone(),
            "unknown capture",
            help,
        );
    }

    pub(super) fn lower_link(
        &mut self,
        context: &PatternContext,
        file: FileId,
        own_label: LabelId,
        link: &ast::LinkClause,
        used_captures: &mut HashSet<CaptureId>,
    ) -> Option<(ir::Link, Vec<LabelNeed>)> {
        let mut ok = true;
        let mut needs = Vec::new();
        let anchor = match context.captures.iter().position(|c| *c == link.anchor.name) {
            Some(n) => {
                used_captures.insert(CaptureId(n as u32));
                Some(CaptureId(n as u32))
            }
            None => {
                self.unknown_capture(context, file, &link.anchor);
                None
            }
        };
        let target = self.label(file, &link.label, false);
        if let Some(target) = target {
            let fields = self.program.labels[target.0 as usize].fields.clone();
            if !fields.contains(&link.label_field.name) {
                let label_name = &link.label.name;
                let help = did_you_mean(&link.label_field.name, fields.iter().map(String::as_str))
                    .or(Some(format!(
                        "the fields of `{label_name}` are {}",
                        backticked(&fields)
                    )));
                self.reporter.error(
                    codes::UNKNOWN_FIELD,
                    format!(
                        "label `{label_name}` has no field `{}`",
                        link.label_field.name
                    ),
                    file,
                    link.label_field.span.clone(),
                    "unknown field",
                    help,
                );
                ok = false;
            }
            if target != own_label {
                needs.push((target, file, link.label.span.clone()));
            }
        }
        let window = match &link.window {
            None => ir::Window::Document,
            Some((count, unit)) => {
                let count_value = match count {
                    None => 0,
                    Some(literal) => match literal.text.parse::<u32>() {
                        Ok(n) => n,
                        Err(_) => {
                            self.reporter.error(
                                codes::OUT_OF_RANGE,
                                format!("window `{}` is out of range", literal.text),
                                file,
                                literal.span.clone(),
                                "not a count",
                                Some("write a count from 0 up, or `within document`".into()),
                            );
                            ok = false;
                            0
                        }
                    },
                };
                match unit.name.as_str() {
                    "sentence" | "sentences" => ir::Window::Sentences(count_value),
                    "paragraph" | "paragraphs" => ir::Window::Paragraphs(count_value),
                    "document" => ir::Window::Document,
                    other => {
                        let help = did_you_mean(other, ["sentences", "paragraphs", "document"]).or(
                            Some("windows are `N sentences`, `N paragraphs` and `document`".into()),
                        );
                        self.reporter.error(
                            codes::UNKNOWN_OPTION,
                            format!("unknown window unit `{other}`"),
                            file,
                            unit.span.clone(),
                            "not a unit",
                            help,
                        );
                        ok = false;
                        ir::Window::Document
                    }
                }
            }
        };
        let when = link.when.as_ref().map(|pattern| {
            let mut when_context = PatternContext::new();
            let (lowered, _) = self.lower_pattern(
                &mut when_context,
                file,
                pattern,
                &CaptureMode::Drop,
                false,
                0,
            );
            needs.extend(when_context.labels);
            lowered
        });
        let agree = self.link_features(file, &link.agree, &mut ok);
        let same = self.link_features(file, &link.same, &mut ok);
        let shares = link
            .shares
            .iter()
            .map(|group| self.link_lexicons(file, group, &mut ok))
            .collect();
        self.warn_repeated_conditions(file, link);
        let (Some(anchor), Some(target), true) = (anchor, target, ok) else {
            return None;
        };
        Some((
            ir::Link {
                field: link.field.name.clone(),
                anchor,
                target,
                target_field: link.label_field.name.clone(),
                window,
                skip_unresolved: when.is_some(),
                when,
                agree,
                same,
                shares,
                required: link.required,
                origin: self.reporter.origin(file, link.span.start),
            },
            needs,
        ))
    }

    /// Resolves the features of `agree(...)` or `same(...)`, reporting names that are not one.
    fn link_features(
        &mut self,
        file: FileId,
        names: &[Ident],
        ok: &mut bool,
    ) -> Vec<ir::FeatureId> {
        let mut features = Vec::new();
        for name in names {
            match self.symbols.get(&name.name).map(|s| s.0) {
                Some(Symbol::Feature(index)) => {
                    self.used_features[index] = true;
                    features.push(ir::FeatureId(index as u32));
                }
                found => {
                    let declared: Vec<&str> = self
                        .features
                        .iter()
                        .map(|f| f.node.name.name.as_str())
                        .collect();
                    let help = did_you_mean(&name.name, declared).or(Some(
                        "declare one: `feature gender { feminine = [...] masculine = [...] }`"
                            .into(),
                    ));
                    let message = match found {
                        Some(other) => {
                            format!("`{}` is a {}, not a feature", name.name, other.kind_name())
                        }
                        None => format!("unknown feature `{}`", name.name),
                    };
                    self.reporter.error(
                        if found.is_some() {
                            codes::WRONG_KIND
                        } else {
                            codes::UNKNOWN_FEATURE
                        },
                        message,
                        file,
                        name.span.clone(),
                        "not a feature",
                        help,
                    );
                    *ok = false;
                }
            }
        }
        features
    }

    /// Resolves the lexicons of `shares(...)`, reporting names that are not one and lexicons
    /// whose entries all have several words (only one-word entries are compared).
    fn link_lexicons(&mut self, file: FileId, names: &[Ident], ok: &mut bool) -> Vec<LexiconId> {
        let mut lexicons = Vec::new();
        for name in names {
            match self.symbols.get(&name.name).map(|s| s.0) {
                Some(Symbol::Lexicon(index)) => {
                    let only_multiword = self.lexicons[index]
                        .entries
                        .as_ref()
                        .is_some_and(|e| !e.is_empty() && e.iter().all(|e| e.contains(' ')));
                    if only_multiword {
                        self.reporter.warning(
                            codes::MULTIWORD_IN_TEST,
                            format!(
                                "every entry of lexicon `{}` has several words, so `shares` never holds",
                                name.name
                            ),
                            file,
                            name.span.clone(),
                            "compares one-word entries",
                            Some("`shares` compares the one-word entries of a lexicon".into()),
                        );
                    }
                    lexicons.push(self.use_lexicon(index));
                }
                found => {
                    let declared: Vec<&str> = self
                        .symbols
                        .iter()
                        .filter(|(_, s)| matches!(s.0, Symbol::Lexicon(_)))
                        .map(|(n, _)| n.as_str())
                        .collect();
                    let help = did_you_mean(&name.name, declared).or(Some(
                        "declare one: `lexicon ROLE = {diplomat minister spokesman}`".into(),
                    ));
                    let message = match found {
                        Some(other) => {
                            format!("`{}` is a {}, not a lexicon", name.name, other.kind_name())
                        }
                        None => format!("unknown lexicon `{}`", name.name),
                    };
                    self.reporter.error(
                        if found.is_some() {
                            codes::WRONG_KIND
                        } else {
                            codes::UNKNOWN_NAME
                        },
                        message,
                        file,
                        name.span.clone(),
                        "not a lexicon",
                        help,
                    );
                    *ok = false;
                }
            }
        }
        lexicons
    }

    /// Warns about a name listed twice in the conditions of one link: once is enough, and
    /// `same(f)` already implies `agree(f)`.
    fn warn_repeated_conditions(&mut self, file: FileId, link: &ast::LinkClause) {
        let mut seen: Vec<(&str, &str)> = Vec::new();
        let listed = link
            .agree
            .iter()
            .map(|n| ("agree", n))
            .chain(link.same.iter().map(|n| ("same", n)))
            .chain(link.shares.iter().flatten().map(|n| ("shares", n)));
        for (kind, name) in listed {
            let feature_kind = |k: &str| if k == "shares" { "shares" } else { "feature" };
            if let Some((first, _)) = seen
                .iter()
                .find(|(k, n)| *n == name.name && feature_kind(k) == feature_kind(kind))
            {
                let help = if *first != kind {
                    format!(
                        "`same({0})` implies `agree({0})`; keep `same({0})`",
                        name.name
                    )
                } else {
                    format!("list `{}` once", name.name)
                };
                self.reporter.warning(
                    codes::REPEATED_CONDITION,
                    format!(
                        "`{}` is listed twice in the conditions of this link",
                        name.name
                    ),
                    file,
                    name.span.clone(),
                    "listed again",
                    Some(help),
                );
            } else {
                seen.push((kind, name.name.as_str()));
            }
        }
    }
}

/// Names in backticks, separated by commas, for help lines (`a`, `b`, `c`).
fn backticked<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|name| format!("`{}`", name.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
