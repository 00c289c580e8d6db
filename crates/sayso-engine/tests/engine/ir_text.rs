//! A small S-expression notation for the checked IR, so that fixtures can state rules exactly
//! as the engine receives them, independently of the rule-language parser.
//!
//! ```text
//! (lexicon SAY "said" "says" "according to")
//! (inflections VERB ("say" "said" "says"))
//! (feature gender (feminine (lex FEM)) (masculine (norm "he")))
//! (rule NAME LABEL :priority 1 :scope sentence
//!   (seq (cap s (tok (flag title))) "said")
//!   (emit speaker s) (emit content q.inner) (emit kind "direct")
//!   (link resolved :anchor s :target Speech :field speaker :within (sentences 2)
//!         :when (tok (norm "she")) :skip :agree gender)
//!   (example "Smith said." (speaker "Smith")) (example "nothing" none))
//! ```
//! Patterns: `"x"` (text), `(tok TEST)`, `(seq ..)`, `(alt ..)`, `(rep MIN MAX P)`,
//! `(lazy MIN MAX P)` with MAX `_` for unbounded, `(cap NAME P)`, `(ahead P)`, `(not-ahead P)`,
//! `(behind P)`, `(not-behind P)`, `(@ Label)`, `(phrase LEX)`, `(anchor s|/s|p|/p|doc|/doc)`.
//! Tests: `any`, `"x"`, `(norm "x")`, `(re "x")`, `(re-i "x")`, `(shape "Xx")`, `(kind K)`,
//! `(flag F)`, `(lex NAME)`, `(lemma LEX "x")`, `(and ..)`, `(or ..)`, `(not T)`.

use sayso_lang::ir::*;

/// A parsed S-expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Sexp {
    Atom(String),
    Str(String),
    List(Vec<Sexp>),
}

pub fn parse_all(source: &str) -> Result<Vec<Sexp>, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut at = 0;
    let mut out = Vec::new();
    loop {
        skip_space(&chars, &mut at);
        if at >= chars.len() {
            return Ok(out);
        }
        out.push(parse_one(&chars, &mut at)?);
    }
}

fn skip_space(chars: &[char], at: &mut usize) {
    while *at < chars.len() {
        if chars[*at] == ';' {
            while *at < chars.len() && chars[*at] != '\n' {
                *at += 1;
            }
        } else if chars[*at].is_whitespace() {
            *at += 1;
        } else {
            break;
        }
    }
}

fn parse_one(chars: &[char], at: &mut usize) -> Result<Sexp, String> {
    skip_space(chars, at);
    match chars.get(*at) {
        None => Err("unexpected end".into()),
        Some('(') => {
            *at += 1;
            let mut items = Vec::new();
            loop {
                skip_space(chars, at);
                match chars.get(*at) {
                    None => return Err("unclosed (".into()),
                    Some(')') => {
                        *at += 1;
                        return Ok(Sexp::List(items));
                    }
                    _ => items.push(parse_one(chars, at)?),
                }
            }
        }
        Some('"') => {
            *at += 1;
            let mut text = String::new();
            while let Some(&c) = chars.get(*at) {
                *at += 1;
                match c {
                    '"' => return Ok(Sexp::Str(text)),
                    '\\' => {
                        let escaped = chars.get(*at).copied().unwrap_or('\\');
                        *at += 1;
                        text.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    }
                    other => text.push(other),
                }
            }
            Err("unclosed string".into())
        }
        Some(')') => Err("unexpected )".into()),
        Some(_) => {
            let mut atom = String::new();
            while let Some(&c) = chars.get(*at) {
                if c.is_whitespace() || c == '(' || c == ')' {
                    break;
                }
                atom.push(c);
                *at += 1;
            }
            Ok(Sexp::Atom(atom))
        }
    }
}

fn origin(line: u32) -> Origin {
    Origin {
        file: "fixture".into(),
        line,
        column: 1,
    }
}

/// Builds programs from S-expressions, creating labels on first use.
#[derive(Default)]
pub struct Builder {
    pub program: Program,
    captures: Vec<String>,
}

impl Builder {
    pub fn new() -> Builder {
        let mut builder = Builder::default();
        for builtin in BuiltinLabel::ALL {
            builder.program.labels.push(builtin.label());
        }
        builder
    }

    pub fn label(&mut self, name: &str) -> LabelId {
        if let Some(index) = self.program.labels.iter().position(|l| l.name == name) {
            return LabelId(index as u32);
        }
        self.program.labels.push(Label {
            name: name.into(),
            builtin: None,
            fields: vec![],
        });
        LabelId(self.program.labels.len() as u32 - 1)
    }

    fn lexicon(&self, name: &str) -> Result<LexiconId, String> {
        self.program
            .lexicons
            .iter()
            .position(|l| l.name == name)
            .map(|i| LexiconId(i as u32))
            .ok_or_else(|| format!("unknown lexicon {name}"))
    }

    fn capture(&mut self, name: &str) -> CaptureId {
        if let Some(index) = self.captures.iter().position(|c| c == name) {
            return CaptureId(index as u32);
        }
        self.captures.push(name.into());
        CaptureId(self.captures.len() as u32 - 1)
    }

    pub fn declare(&mut self, form: &Sexp) -> Result<(), String> {
        let Sexp::List(items) = form else {
            return Err(format!("expected a declaration, got {form:?}"));
        };
        let head = atom(items.first())?;
        match head.as_str() {
            "lexicon" | "lexicon-case" => {
                let name = atom(items.get(1))?;
                let entries = items[2..].iter().map(string).collect::<Result<_, _>>()?;
                self.program.lexicons.push(Lexicon {
                    name,
                    entries,
                    case_sensitive: head == "lexicon-case",
                    lemmas: vec![],
                    origin: origin(1),
                });
            }
            "inflections" => {
                let name = atom(items.get(1))?;
                let mut entries = Vec::new();
                let mut lemmas = Vec::new();
                for group in &items[2..] {
                    let Sexp::List(forms) = group else {
                        return Err("inflections take lists".into());
                    };
                    let lemma = string(&forms[0])?;
                    for form in &forms[1..] {
                        entries.push(string(form)?);
                        lemmas.push(lemma.clone());
                    }
                }
                self.program.lexicons.push(Lexicon {
                    name,
                    entries,
                    case_sensitive: false,
                    lemmas,
                    origin: origin(1),
                });
            }
            "feature" => {
                let name = atom(items.get(1))?;
                let mut values = Vec::new();
                for value in &items[2..] {
                    let Sexp::List(parts) = value else {
                        return Err("feature values are (NAME TEST)".into());
                    };
                    values.push((atom(parts.first())?, self.test(&parts[1])?));
                }
                self.program.features.push(Feature {
                    name,
                    values,
                    origin: origin(1),
                });
            }
            "rule" => self.rule(items)?,
            other => return Err(format!("unknown declaration {other}")),
        }
        Ok(())
    }

    fn rule(&mut self, items: &[Sexp]) -> Result<(), String> {
        self.captures.clear();
        let name = atom(items.get(1))?;
        let label = self.label(&atom(items.get(2))?);
        let mut priority = 0;
        let mut scope = Scope::Paragraph;
        let mut pattern = None;
        let mut emit = Vec::new();
        let mut links = Vec::new();
        let mut examples = Vec::new();
        let mut at = 3;
        while at < items.len() {
            match &items[at] {
                Sexp::Atom(key) if key == ":priority" => {
                    priority = atom(items.get(at + 1))?.parse().map_err(|_| "priority")?;
                    at += 2;
                    continue;
                }
                Sexp::Atom(key) if key == ":scope" => {
                    scope = match atom(items.get(at + 1))?.as_str() {
                        "sentence" => Scope::Sentence,
                        "paragraph" => Scope::Paragraph,
                        "document" => Scope::Document,
                        other => return Err(format!("unknown scope {other}")),
                    };
                    at += 2;
                    continue;
                }
                Sexp::List(parts) if matches!(parts.first(), Some(Sexp::Atom(h)) if h == "emit") => {
                    let field = atom(parts.get(1))?;
                    let value = match parts.get(2) {
                        Some(Sexp::Str(constant)) => EmitValue::Constant(constant.clone()),
                        Some(Sexp::Atom(reference)) => match reference.split_once('.') {
                            Some((capture, sub)) => EmitValue::CaptureField {
                                capture: self.capture(capture),
                                field: sub.into(),
                            },
                            None => EmitValue::Capture(self.capture(reference)),
                        },
                        _ => return Err("emit takes a capture or a constant".into()),
                    };
                    emit.push(EmitField { name: field, value });
                }
                Sexp::List(parts) if matches!(parts.first(), Some(Sexp::Atom(h)) if h == "link") => {
                    links.push(self.link(parts)?);
                }
                Sexp::List(parts) if matches!(parts.first(), Some(Sexp::Atom(h)) if h == "example") =>
                {
                    let text = string(parts.get(1).ok_or("example text")?)?;
                    let expect = match parts.get(2) {
                        Some(Sexp::Atom(none)) if none == "none" => None,
                        _ => Some(
                            parts[2..]
                                .iter()
                                .map(|pair| match pair {
                                    Sexp::List(kv) => Ok((atom(kv.first())?, string(&kv[1])?)),
                                    _ => Err("expected (field \"text\")".to_string()),
                                })
                                .collect::<Result<_, _>>()?,
                        ),
                    };
                    examples.push(Example {
                        text,
                        expect,
                        origin: origin(1),
                    });
                }
                other => {
                    if pattern.is_some() {
                        return Err(format!("second pattern in rule {name}: {other:?}"));
                    }
                    pattern = Some(self.pattern(other)?);
                }
            }
            at += 1;
        }
        let rule = Rule {
            name,
            label,
            priority,
            scope,
            pattern: pattern.ok_or("rule without pattern")?,
            captures: self.captures.clone(),
            emit,
            links,
            examples,
            origin: origin(self.program.rules.len() as u32 + 1),
        };
        for field in &rule.emit {
            let fields = &mut self.program.labels[label.0 as usize].fields;
            if !fields.contains(&field.name) {
                fields.push(field.name.clone());
            }
        }
        let id = RuleId(self.program.rules.len() as u32);
        self.program.rules.push(rule);
        self.program.stages.push(vec![id]);
        Ok(())
    }

    fn link(&mut self, parts: &[Sexp]) -> Result<Link, String> {
        let field = atom(parts.get(1))?;
        let mut link = Link {
            field,
            anchor: CaptureId(0),
            target: LabelId(0),
            target_field: String::new(),
            window: Window::Document,
            when: None,
            skip_unresolved: false,
            agree: vec![],
            same: vec![],
            shares: vec![],
            required: false,
            origin: origin(1),
        };
        let mut at = 2;
        while at < parts.len() {
            let key = atom(parts.get(at))?;
            match key.as_str() {
                ":anchor" => link.anchor = self.capture(&atom(parts.get(at + 1))?),
                ":target" => link.target = self.label(&atom(parts.get(at + 1))?),
                ":field" => link.target_field = atom(parts.get(at + 1))?,
                ":within" => {
                    link.window = match parts.get(at + 1) {
                        Some(Sexp::List(w)) => {
                            let count: u32 = atom(w.get(1))?.parse().map_err(|_| "count")?;
                            match atom(w.first())?.as_str() {
                                "sentences" => Window::Sentences(count),
                                "paragraphs" => Window::Paragraphs(count),
                                other => return Err(format!("unknown window {other}")),
                            }
                        }
                        _ => Window::Document,
                    }
                }
                ":when" => link.when = Some(self.pattern(parts.get(at + 1).ok_or("when")?)?),
                ":skip" => {
                    link.skip_unresolved = true;
                    at += 1;
                    continue;
                }
                ":agree" => {
                    let name = atom(parts.get(at + 1))?;
                    let index = self
                        .program
                        .features
                        .iter()
                        .position(|f| f.name == name)
                        .ok_or("unknown feature")?;
                    link.agree.push(FeatureId(index as u32));
                }
                ":same" => {
                    let name = atom(parts.get(at + 1))?;
                    let index = self
                        .program
                        .features
                        .iter()
                        .position(|f| f.name == name)
                        .ok_or("unknown feature")?;
                    link.same.push(FeatureId(index as u32));
                }
                ":shares" => link
                    .shares
                    .push(vec![self.lexicon(&atom(parts.get(at + 1))?)?]),
                ":required" => {
                    link.required = true;
                    at += 1;
                    continue;
                }
                other => return Err(format!("unknown link key {other}")),
            }
            at += 2;
        }
        Ok(link)
    }

    pub fn pattern(&mut self, form: &Sexp) -> Result<Pattern, String> {
        match form {
            Sexp::Str(text) => Ok(Pattern::Token(TokenTest::Text(text.clone()))),
            Sexp::Atom(a) if a == "any" => Ok(Pattern::Token(TokenTest::Any)),
            Sexp::Atom(other) => Err(format!("unknown pattern atom {other}")),
            Sexp::List(items) => {
                let head = atom(items.first())?;
                let rest = &items[1..];
                let one = |b: &mut Builder| -> Result<Box<Pattern>, String> {
                    Ok(Box::new(b.pattern(rest.first().ok_or("missing pattern")?)?))
                };
                Ok(match head.as_str() {
                    "tok" => Pattern::Token(self.test(rest.first().ok_or("tok")?)?),
                    "seq" => Pattern::Seq(
                        rest.iter()
                            .map(|p| self.pattern(p))
                            .collect::<Result<_, _>>()?,
                    ),
                    "alt" => Pattern::Alt(
                        rest.iter()
                            .map(|p| self.pattern(p))
                            .collect::<Result<_, _>>()?,
                    ),
                    "rep" | "lazy" => {
                        let min: u32 = atom(rest.first())?.parse().map_err(|_| "min")?;
                        let max = match atom(rest.get(1))?.as_str() {
                            "_" => None,
                            n => Some(n.parse().map_err(|_| "max")?),
                        };
                        let inner = Box::new(self.pattern(rest.get(2).ok_or("rep body")?)?);
                        Pattern::Repeat {
                            inner,
                            min,
                            max,
                            greedy: head == "rep",
                        }
                    }
                    "cap" => {
                        let id = self.capture(&atom(rest.first())?);
                        let inner = Box::new(self.pattern(rest.get(1).ok_or("cap body")?)?);
                        Pattern::Capture { id, inner }
                    }
                    "ahead" | "not-ahead" | "behind" | "not-behind" => Pattern::Look {
                        direction: if head.ends_with("ahead") {
                            LookDirection::Ahead
                        } else {
                            LookDirection::Behind
                        },
                        negated: head.starts_with("not"),
                        inner: one(self)?,
                    },
                    "@" => Pattern::Annotation(self.label(&atom(rest.first())?)),
                    "phrase" => Pattern::Phrase(self.lexicon(&atom(rest.first())?)?),
                    "anchor" => Pattern::Anchor(match atom(rest.first())?.as_str() {
                        "s" => Anchor::SentenceStart,
                        "/s" => Anchor::SentenceEnd,
                        "p" => Anchor::ParagraphStart,
                        "/p" => Anchor::ParagraphEnd,
                        "doc" => Anchor::DocumentStart,
                        "/doc" => Anchor::DocumentEnd,
                        other => return Err(format!("unknown anchor {other}")),
                    }),
                    other => return Err(format!("unknown pattern {other}")),
                })
            }
        }
    }

    pub fn test(&mut self, form: &Sexp) -> Result<TokenTest, String> {
        match form {
            Sexp::Str(text) => Ok(TokenTest::Text(text.clone())),
            Sexp::Atom(a) if a == "any" => Ok(TokenTest::Any),
            Sexp::Atom(other) => Err(format!("unknown test atom {other}")),
            Sexp::List(items) => {
                let head = atom(items.first())?;
                let rest = &items[1..];
                let arg = || string(rest.first().ok_or("argument")?);
                Ok(match head.as_str() {
                    "norm" => TokenTest::Norm(arg()?),
                    "re" => TokenTest::Regex {
                        source: arg()?,
                        case_insensitive: false,
                    },
                    "re-i" => TokenTest::Regex {
                        source: arg()?,
                        case_insensitive: true,
                    },
                    "shape" => TokenTest::Shape(arg()?),
                    "kind" => TokenTest::Kind(match atom(rest.first())?.as_str() {
                        "word" => TokenKindTest::Word,
                        "number" => TokenKindTest::Number,
                        "punct" => TokenKindTest::Punct,
                        "quote" => TokenKindTest::QuoteMark,
                        "symbol" => TokenKindTest::Symbol,
                        "url" => TokenKindTest::Url,
                        "email" => TokenKindTest::Email,
                        other => return Err(format!("unknown kind {other}")),
                    }),
                    "flag" => TokenTest::Flag(match atom(rest.first())?.as_str() {
                        "title" => FlagTest::Title,
                        "upper" => FlagTest::Upper,
                        "lower" => FlagTest::Lower,
                        "capitalized" => FlagTest::Capitalized,
                        "alpha" => FlagTest::Alpha,
                        "digit" => FlagTest::Digit,
                        "abbrev" => FlagTest::Abbrev,
                        "quote_open" => FlagTest::QuoteOpen,
                        "quote_close" => FlagTest::QuoteClose,
                        "space_before" => FlagTest::SpaceBefore,
                        other => return Err(format!("unknown flag {other}")),
                    }),
                    "lex" => TokenTest::InLexicon(self.lexicon(&atom(rest.first())?)?),
                    "lemma" => TokenTest::Lemma {
                        lexicon: self.lexicon(&atom(rest.first())?)?,
                        lemma: string(rest.get(1).ok_or("lemma")?)?,
                    },
                    "and" => TokenTest::And(
                        rest.iter()
                            .map(|t| self.test(t))
                            .collect::<Result<_, _>>()?,
                    ),
                    "or" => TokenTest::Or(
                        rest.iter()
                            .map(|t| self.test(t))
                            .collect::<Result<_, _>>()?,
                    ),
                    "not" => TokenTest::Not(Box::new(self.test(rest.first().ok_or("not")?)?)),
                    other => return Err(format!("unknown test {other}")),
                })
            }
        }
    }
}

fn atom(form: Option<&Sexp>) -> Result<String, String> {
    match form {
        Some(Sexp::Atom(a)) => Ok(a.clone()),
        other => Err(format!("expected an atom, got {other:?}")),
    }
}

fn string(form: &Sexp) -> Result<String, String> {
    match form {
        Sexp::Str(s) => Ok(s.clone()),
        other => Err(format!("expected a string, got {other:?}")),
    }
}

/// Parses a whole program from S-expression declarations.
pub fn program(source: &str) -> Result<Program, String> {
    let mut builder = Builder::new();
    for form in parse_all(source)? {
        builder.declare(&form)?;
    }
    Ok(builder.program)
}
