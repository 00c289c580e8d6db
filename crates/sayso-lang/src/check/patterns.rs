//! Lowering patterns: named patterns inlined, captures bound and checked, sizes bounded.

use super::*;

impl Checker<'_> {
    /// Checks every named pattern once on its own, so problems inside it are reported once
    /// however often it is used.
    pub(super) fn check_pattern_declarations(&mut self) {
        for index in 0..self.patterns.len() {
            let file = self.patterns[index].file;
            let decl = self.patterns[index].node;
            let mut context = PatternContext::new();
            context.inlining.push(index);
            let _ = self.lower_pattern(
                &mut context,
                file,
                &decl.pattern,
                &CaptureMode::Keep(String::new()),
                false,
                0,
            );
        }
    }

    /// Reports unless muted; returns the diagnostic to add labels to.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn report(
        &mut self,
        muted: bool,
        code: &'static str,
        message: String,
        file: FileId,
        span: ByteSpan,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Option<&mut Diagnostic> {
        if muted {
            None
        } else {
            Some(self.reporter.error(code, message, file, span, label, help))
        }
    }

    /// Counts a node against the size limits; false once a limit is reached.
    pub(super) fn grow(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        span: &ByteSpan,
    ) -> bool {
        context.size += 1;
        if context.size <= self.options.max_pattern_size && self.budget_left > 0 {
            self.budget_left -= 1;
            return true;
        }
        if !context.size_reported {
            context.size_reported = true;
            self.reporter.error(
                codes::LIMIT,
                format!(
                    "this pattern grows past {} nodes once its named patterns are inlined",
                    self.options.max_pattern_size.min(context.size)
                ),
                file,
                span.clone(),
                "the limit is reached here",
                Some(
                    "use a lexicon instead of long alternations, or raise `max_pattern_size`"
                        .into(),
                ),
            );
        }
        false
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_pattern(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        pattern: &ast::Pattern,
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        use ast::PatternKind as K;
        let muted = context.muted > 0;
        let placeholder = (Pattern::Token(TokenTest::Any), Vec::new());
        if !self.grow(context, file, &pattern.span) {
            return placeholder;
        }
        if depth > self.options.max_nesting.saturating_mul(4) {
            if !context.size_reported {
                context.size_reported = true;
                self.reporter.error(
                    codes::LIMIT,
                    "this pattern nests too deeply once its named patterns are inlined".into(),
                    file,
                    pattern.span.clone(),
                    "the limit is reached here",
                    Some("flatten the chain of named patterns, or raise `max_nesting`".into()),
                );
            }
            return placeholder;
        }
        let depth = depth + 1;
        match &pattern.kind {
            K::Seq(items) => self.lower_seq(context, file, items, mode, in_look, depth),
            K::Alt(branches) => self.lower_alt(context, file, branches, mode, in_look, depth),
            K::Repeat { inner, quantifier } => {
                let (min, max) = self.bounds(file, quantifier, muted);
                let (inner, bindings) =
                    self.lower_pattern(context, file, inner, mode, in_look, depth);
                (
                    Pattern::Repeat {
                        inner: Box::new(inner),
                        min,
                        max,
                        greedy: quantifier.greedy,
                    },
                    bindings,
                )
            }
            K::Capture { name, inner } => {
                self.lower_capture(context, file, name, inner, mode, in_look, depth)
            }
            K::Look {
                direction,
                negated,
                inner,
            } => {
                let (inner, bindings) = self.lower_pattern(context, file, inner, mode, true, depth);
                (
                    Pattern::Look {
                        direction: *direction,
                        negated: *negated,
                        inner: Box::new(inner),
                    },
                    bindings,
                )
            }
            K::Text {
                text,
                case_insensitive,
            } => {
                if text.value.trim().contains(char::is_whitespace) {
                    let entry = lexicon::prepare_entry(&text.value, !case_insensitive);
                    // A phrase is named by its literal, so it prints back as written.
                    let name = format!("{entry:?}{}", if *case_insensitive { "i" } else { "" });
                    let id =
                        self.inline_lexicon(vec![entry], !case_insensitive, name, file, &text.span);
                    (Pattern::Phrase(id), Vec::new())
                } else {
                    self.check_one_token(file, text, muted);
                    let test = if *case_insensitive {
                        TokenTest::Norm(lexicon::normalize(&text.value))
                    } else {
                        TokenTest::Text(text.value.clone())
                    };
                    (Pattern::Token(test), Vec::new())
                }
            }
            K::Token(test) => (
                Pattern::Token(self.lower_test(file, test, muted)),
                Vec::new(),
            ),
            K::Annotation(name) => match self.label(file, name, muted) {
                Some(id) => {
                    if !context.labels.iter().any(|(l, _, _)| *l == id) {
                        context.labels.push((id, file, name.span.clone()));
                    }
                    (Pattern::Annotation(id), Vec::new())
                }
                None => placeholder,
            },
            K::Anchor(anchor) => (Pattern::Anchor(*anchor), Vec::new()),
            K::Set(set) => (
                Pattern::Phrase(self.inline_set(set, file, muted)),
                Vec::new(),
            ),
            K::Reference(name) => self.lower_reference(context, file, name, in_look, depth),
        }
    }

    // The arms of `lower_pattern` with many locals live in their own functions, so that each
    // level of recursion takes a small stack frame.

    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_seq(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        items: &[ast::Pattern],
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        let muted = context.muted > 0;
        let mut parts = Vec::with_capacity(items.len());
        let mut bindings: Vec<Binding> = Vec::new();
        let mut reported: Vec<String> = Vec::new();
        for item in items {
            let (part, item_bindings) =
                self.lower_pattern(context, file, item, mode, in_look, depth);
            for binding in item_bindings {
                // Sub-captures of a capture reported twice are not reported again.
                if reported
                    .iter()
                    .any(|r| binding.name.starts_with(&format!("{r}.")))
                {
                    continue;
                }
                if let Some(first) = bindings.iter().find(|b| b.name == binding.name) {
                    let first = first.clone();
                    reported.push(binding.name.clone());
                    if let Some(d) = self.report(
                        muted,
                        codes::CAPTURE_TWICE,
                        format!("capture `{}` is bound twice in one match", binding.name),
                        binding.file,
                        binding.span.clone(),
                        "bound again here",
                        Some("rename one of them; the same name may only be reused in different branches of `|`".into()),
                    ) {
                        also(d, first.file, first.span, "first bound here");
                    }
                } else {
                    bindings.push(binding);
                }
            }
            // A sequence inside a sequence (an inlined pattern, a group) is only grouping.
            match part {
                Pattern::Seq(inner) => parts.extend(inner),
                other => parts.push(other),
            }
        }
        let lowered = if parts.len() == 1 {
            parts.pop().unwrap_or(Pattern::Seq(Vec::new()))
        } else {
            Pattern::Seq(parts)
        };
        (lowered, bindings)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_alt(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        branches: &[ast::Pattern],
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        let mut parts = Vec::with_capacity(branches.len());
        let mut bindings: Vec<Binding> = Vec::new();
        for branch in branches {
            let (part, branch_bindings) =
                self.lower_pattern(context, file, branch, mode, in_look, depth);
            for binding in branch_bindings {
                if !bindings.iter().any(|b| b.name == binding.name) {
                    bindings.push(binding);
                }
            }
            // Alternatives of an alternative keep their order of preference.
            match part {
                Pattern::Alt(inner) => parts.extend(inner),
                other => parts.push(other),
            }
        }
        (Pattern::Alt(parts), bindings)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_capture(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        name: &Ident,
        inner: &ast::Pattern,
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        use ast::PatternKind as K;
        let muted = context.muted > 0;
        let prefix = match mode {
            CaptureMode::Drop => {
                return self.lower_pattern(context, file, inner, mode, in_look, depth);
            }
            CaptureMode::Keep(prefix) => prefix,
        };
        if in_look {
            context.look_captures.push(format!("{prefix}{}", name.name));
            self.report(
                muted,
                codes::CAPTURE_IN_LOOK,
                format!("capture `{}` inside a lookaround", name.name),
                file,
                name.span.clone(),
                "a lookaround matches no tokens, so it cannot capture",
                Some("move the capture out of `(?= ...)` / `(?<= ...)`".into()),
            );
            return self.lower_pattern(context, file, inner, &CaptureMode::Drop, in_look, depth);
        }
        let full = format!("{prefix}{}", name.name);
        let id = context.capture_id(&full, file, &name.span);
        let (lowered_inner, mut bindings) = match &inner.kind {
            K::Reference(reference) => match self.symbols.get(&reference.name).map(|s| s.0) {
                Some(Symbol::Pattern(index)) => self.inline_pattern(
                    context,
                    file,
                    index,
                    reference,
                    &CaptureMode::Keep(format!("{full}.")),
                    in_look,
                    depth,
                ),
                _ => self.lower_pattern(context, file, inner, mode, in_look, depth),
            },
            _ => self.lower_pattern(context, file, inner, mode, in_look, depth),
        };
        if let Some(inner_binding) = bindings.iter().find(|b| b.name == full) {
            let inner_binding = inner_binding.clone();
            if let Some(d) = self.report(
                muted,
                codes::CAPTURE_TWICE,
                format!("capture `{full}` is bound inside itself"),
                inner_binding.file,
                inner_binding.span,
                "bound again here",
                Some("rename the inner capture".into()),
            ) {
                also(d, file, name.span.clone(), "outer capture");
            }
        }
        let labels = annotation_labels(&lowered_inner);
        let info = &mut context.capture_info[id.0 as usize];
        if info.file.is_some_and(|f| f == file) && info.span == name.span {
            info.labels = labels;
        } else {
            info.labels = match (info.labels.take(), labels) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                _ => None,
            };
        }
        // The capture comes before its sub-captures, so a clash is reported on it.
        bindings.insert(
            0,
            Binding {
                name: full,
                file,
                span: name.span.clone(),
            },
        );
        (
            Pattern::Capture {
                id,
                inner: Box::new(lowered_inner),
            },
            bindings,
        )
    }

    pub(super) fn lower_reference(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        name: &Ident,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        let muted = context.muted > 0;
        let placeholder = (Pattern::Token(TokenTest::Any), Vec::new());
        match self.symbols.get(&name.name).map(|s| s.0) {
            Some(Symbol::Pattern(index)) => self.inline_pattern(
                context,
                file,
                index,
                name,
                &CaptureMode::Drop,
                in_look,
                depth,
            ),
            Some(Symbol::Lexicon(index)) => (Pattern::Phrase(self.use_lexicon(index)), Vec::new()),
            Some(other) => {
                self.report(
                    muted,
                    codes::WRONG_KIND,
                    format!(
                        "`{}` is a {}, not a pattern or lexicon",
                        name.name,
                        other.kind_name()
                    ),
                    file,
                    name.span.clone(),
                    "used as a pattern",
                    match other {
                        Symbol::Rule(_) => {
                            Some("to match what a rule made, use its label: `@Label`".into())
                        }
                        _ => None,
                    },
                );
                placeholder
            }
            None => {
                let is_test = FLAGS.iter().any(|(n, _)| *n == name.name)
                    || KINDS.iter().any(|(n, _)| *n == name.name);
                let help = if is_test {
                    Some(format!("to test one token, write `[{}]`", name.name))
                } else {
                    let names: Vec<String> = self
                        .symbols
                        .iter()
                        .filter(|(_, s)| matches!(s.0, Symbol::Pattern(_) | Symbol::Lexicon(_)))
                        .map(|(n, _)| n.clone())
                        .collect();
                    let mut names = names;
                    names.sort();
                    did_you_mean(&name.name, names.iter().map(String::as_str))
                };
                self.report(
                    muted,
                    codes::UNKNOWN_NAME,
                    format!("unknown pattern or lexicon `{}`", name.name),
                    file,
                    name.span.clone(),
                    "not declared",
                    help,
                );
                placeholder
            }
        }
    }

    /// Inlines named pattern `index` where `reference` names it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn inline_pattern(
        &mut self,
        context: &mut PatternContext,
        file: FileId,
        index: usize,
        reference: &Ident,
        mode: &CaptureMode,
        in_look: bool,
        depth: usize,
    ) -> (Pattern, Vec<Binding>) {
        self.used_patterns[index] = true;
        if context.inlining.contains(&index) {
            if self.cycle_reported.insert(index) {
                let chain: Vec<String> = context
                    .inlining
                    .iter()
                    .skip_while(|&&i| i != index)
                    .map(|&i| self.patterns[i].node.name.name.clone())
                    .chain(std::iter::once(reference.name.clone()))
                    .collect();
                let decl_file = self.patterns[index].file;
                let decl_span = self.patterns[index].node.name.span.clone();
                let d = self.reporter.error(
                    codes::PATTERN_CYCLE,
                    format!(
                        "pattern `{}` refers to itself: {}",
                        reference.name,
                        chain.join(" -> ")
                    ),
                    file,
                    reference.span.clone(),
                    "refers back here",
                    Some(
                        "patterns are inlined, so they cannot be recursive; use a repetition"
                            .into(),
                    ),
                );
                also(d, decl_file, decl_span, "declared here");
            }
            return (Pattern::Token(TokenTest::Any), Vec::new());
        }
        if context.inlining.len() >= self.options.max_nesting {
            if !context.size_reported {
                context.size_reported = true;
                self.reporter.error(
                    codes::LIMIT,
                    format!(
                        "named patterns are nested more than {} deep here",
                        self.options.max_nesting
                    ),
                    file,
                    reference.span.clone(),
                    "the limit is reached here",
                    Some("flatten the chain of named patterns, or raise `max_nesting`".into()),
                );
            }
            return (Pattern::Token(TokenTest::Any), Vec::new());
        }
        let decl_file = self.patterns[index].file;
        let body = &self.patterns[index].node.pattern;
        context.inlining.push(index);
        context.muted += 1;
        let (lowered, bindings) =
            self.lower_pattern(context, decl_file, body, mode, in_look, depth);
        context.muted -= 1;
        context.inlining.pop();
        // Bindings from inside the pattern are reported at the place it is used.
        let bindings = bindings
            .into_iter()
            .map(|b| Binding {
                name: b.name,
                file,
                span: reference.span.clone(),
            })
            .collect();
        for info in &mut context.capture_info {
            if info.file == Some(decl_file)
                && body.span.start <= info.span.start
                && info.span.end <= body.span.end
            {
                info.file = Some(file);
                info.span = reference.span.clone();
            }
        }
        (lowered, bindings)
    }

    pub(super) fn label(&mut self, file: FileId, name: &Ident, muted: bool) -> Option<LabelId> {
        if let Some(&id) = self.label_ids.get(&name.name) {
            return Some(id);
        }
        if !muted {
            let mut names: Vec<&str> = self.label_ids.keys().map(String::as_str).collect();
            names.sort();
            let help = did_you_mean(&name.name, names).or(Some(
                "labels are `Quote`, `Sentence`, `Paragraph` and those rules make with `-> Label`"
                    .into(),
            ));
            self.reporter.error(
                codes::UNKNOWN_LABEL,
                format!("unknown label `@{}`", name.name),
                file,
                name.span.clone(),
                "no rule makes this label",
                help,
            );
        }
        None
    }

    /// Checks repetition bounds: `{m,n}` with `m <= n`, within the limit.
    pub(super) fn bounds(
        &mut self,
        file: FileId,
        quantifier: &ast::Quantifier,
        muted: bool,
    ) -> (u32, Option<u32>) {
        if let Some(fixed) = quantifier.fixed {
            return fixed;
        }
        let limit = self.options.max_repeat;
        let number = |this: &mut Self, literal: &ast::IntLit| -> Option<u32> {
            match literal.text.parse::<u32>() {
                Ok(n) if n <= limit => Some(n),
                _ => {
                    this.report(
                        muted,
                        codes::OUT_OF_RANGE,
                        format!("repetition bound `{}` is out of range", literal.text),
                        file,
                        literal.span.clone(),
                        format!("bounds go from 0 to {limit}"),
                        Some("for no upper bound, leave it out: `{2,}`".into()),
                    );
                    None
                }
            }
        };
        let min = quantifier.min.as_ref().map(|m| number(self, m));
        let max = quantifier.max.as_ref().map(|m| number(self, m));
        let bad = |this: &mut Self, message: String, help: &str| {
            this.report(
                muted,
                codes::BAD_BOUNDS,
                message,
                file,
                quantifier.span.clone(),
                "invalid repetition",
                Some(help.to_string()),
            );
        };
        match (min, max, quantifier.has_comma) {
            (None, None, _) => {
                bad(
                    self,
                    "repetition bounds without a number".into(),
                    "write `{n}`, `{m,}`, `{,n}` or `{m,n}`",
                );
                (0, None)
            }
            (Some(Some(n)), None, false) => {
                if n == 0 {
                    bad(
                        self,
                        "`{0}` repeats zero times, so it matches nothing".into(),
                        "remove the element, or write `?` to make it optional",
                    );
                }
                (n, Some(n))
            }
            (Some(Some(m)), None, true) => (m, None),
            (None, Some(Some(n)), _) => (0, Some(n)),
            (Some(Some(m)), Some(Some(n)), _) => {
                if m > n {
                    bad(
                        self,
                        format!(
                            "repetition bounds `{{{m},{n}}}` have the minimum above the maximum"
                        ),
                        &format!("write `{{{n},{m}}}`"),
                    );
                    (n, Some(m))
                } else {
                    if n == 0 {
                        bad(
                            self,
                            "`{0,0}` repeats zero times, so it matches nothing".into(),
                            "remove the element",
                        );
                    }
                    (m, Some(n))
                }
            }
            // A bound out of range was reported; carry on with a neutral repetition.
            _ => (0, None),
        }
    }
}

/// The capture named by the longest prefix of a path (`s.n` in `s.n.first`), with the number of
/// segments it takes.
pub(super) fn longest_capture(
    context: &PatternContext,
    path: &[Ident],
) -> Option<(CaptureId, usize)> {
    (1..=path.len()).rev().find_map(|k| {
        let joined = path[..k]
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        context
            .captures
            .iter()
            .position(|c| *c == joined)
            .map(|n| (CaptureId(n as u32), k))
    })
}

/// The labels of the annotation a pattern matches whole, if it matches nothing else: `@Quote`,
/// `(@A | @B)`.
fn annotation_labels(pattern: &Pattern) -> Option<BTreeSet<LabelId>> {
    match pattern {
        Pattern::Annotation(label) => Some(BTreeSet::from([*label])),
        Pattern::Alt(branches) => {
            let mut all = BTreeSet::new();
            for branch in branches {
                all.extend(annotation_labels(branch)?);
            }
            Some(all)
        }
        Pattern::Seq(parts) if parts.len() == 1 => annotation_labels(&parts[0]),
        Pattern::Capture { inner, .. } => annotation_labels(inner),
        _ => None,
    }
}

/// The fewest tokens a pattern can match.
pub(super) fn min_tokens(pattern: &Pattern) -> u64 {
    match pattern {
        Pattern::Token(_) | Pattern::Annotation(_) | Pattern::Phrase(_) => 1,
        Pattern::Seq(parts) => parts.iter().map(min_tokens).fold(0, u64::saturating_add),
        Pattern::Alt(branches) => branches.iter().map(min_tokens).min().unwrap_or(0),
        Pattern::Repeat { inner, min, .. } => min_tokens(inner).saturating_mul(u64::from(*min)),
        Pattern::Capture { inner, .. } => min_tokens(inner),
        Pattern::Look { .. } | Pattern::Anchor(_) => 0,
    }
}
