//! Small rule sets and texts generated from a string of bytes, each byte a choice in a tiny
//! grammar. The fuzzers feed it libFuzzer's bytes and the property tests feed it proptest's, so
//! a failing input of either is a plain byte file that replays anywhere.
//!
//! The generator builds the checked IR directly (so it exercises the engine whatever the rule
//! language accepts) and renders the same rules as rule text for `sayso_lang::compile_str`.

use sayso_lang::ir::{
    Anchor, BuiltinLabel, CaptureId, EmitField, EmitValue, Feature, FeatureId, FlagTest, Label,
    LabelId, Lexicon, Link, LookDirection, Origin, Pattern, Program, Rule, RuleId, Scope,
    TokenKindTest, TokenTest, Window,
};

/// A source of choices: each call takes the next byte (zero once the bytes run out, so every
/// byte string is a valid, finite choice sequence).
pub struct Choices<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Choices<'a> {
    /// Choices read from `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Choices { bytes, position: 0 }
    }

    fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        byte
    }

    /// A number below `bound` (which must not be 0).
    fn below(&mut self, bound: usize) -> usize {
        usize::from(self.byte()) % bound
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The words texts are made of: names, speech verbs, pronouns, lexicon phrases, non-ASCII.
const WORDS: &[&str] = &[
    "Smith",
    "said",
    "says",
    "she",
    "he",
    "the",
    "official",
    "according",
    "to",
    "told",
    "Reuters",
    "Zoë",
    "O’Sullivan",
    "don’t",
    "U.S.",
    "Mr.",
    "12",
    "1,000",
    "日本",
    "we",
    "win",
];

/// Punctuation and quotation marks, including unpaired and nested ones.
const MARKS: &[&str] = &[
    ",", ".", "!", "?", ";", ":", "\"", "“", "”", "‘", "’", "'", "«", "»", "—", "(", ")", "…", "🙂",
];

/// Breaks between tokens.
const BREAKS: &[&str] = &[" ", " ", " ", "", "\n", "\n\n", "\t", "\u{a0}"];

/// A text of up to about 60 tokens.
pub fn text(choices: &mut Choices<'_>) -> String {
    let length = choices.below(60);
    let mut text = String::new();
    for _ in 0..length {
        let piece = if choices.below(3) == 0 {
            choices.pick(MARKS)
        } else {
            choices.pick(WORDS)
        };
        text.push_str(piece);
        text.push_str(choices.pick(BREAKS));
    }
    text
}

/// Normalised words rules test for.
const RULE_WORDS: &[&str] = &[
    "said", "smith", "she", "the", "official", "to", "“", ",", ".",
];

/// A generated rule set: the IR the engine compiles and the same rules as text.
pub struct Generated {
    /// The checked program.
    pub program: Program,
    /// The rules rendered in the rule language.
    pub source: String,
}

/// The lexicons every generated program declares: one single-word, one with a phrase.
fn lexicons(origin: &Origin) -> Vec<Lexicon> {
    let lexicon = |name: &str, entries: &[&str]| Lexicon {
        name: name.into(),
        entries: entries.iter().map(|e| e.to_string()).collect(),
        case_sensitive: false,
        lemmas: vec![],
        origin: origin.clone(),
    };
    vec![
        lexicon("SAY", &["said", "says", "told"]),
        lexicon("SOURCE", &["according to", "the official", "smith"]),
    ]
}

const LEXICON_SOURCE: &str = "lexicon SAY = {said says told}\n\
lexicon SOURCE = {\"according to\" \"the official\" smith}\n\
feature gender {\n  feminine = [{she her}]\n  masculine = [{he him}]\n}\n";

struct RuleBuilder<'c, 'a> {
    choices: &'c mut Choices<'a>,
    captures: Vec<String>,
    /// Labels of earlier rules this rule may consume.
    earlier: Vec<(LabelId, String)>,
}

impl RuleBuilder<'_, '_> {
    fn token_test(&mut self, depth: u32) -> (TokenTest, String) {
        let choice = if depth == 0 {
            self.choices.below(7)
        } else {
            self.choices.below(10)
        };
        match choice {
            0 => (TokenTest::Any, String::new()),
            1 | 2 => {
                let word = self.choices.pick(RULE_WORDS);
                (TokenTest::Norm(word.into()), format!("{}i", quoted(word)))
            }
            3 => {
                let (flag, name) = self.choices.pick(&[
                    (FlagTest::Title, "title"),
                    (FlagTest::Lower, "lower"),
                    (FlagTest::Upper, "upper"),
                    (FlagTest::QuoteOpen, "quote_open"),
                    (FlagTest::QuoteClose, "quote_close"),
                    (FlagTest::Abbrev, "abbrev"),
                ]);
                (TokenTest::Flag(flag), name.into())
            }
            4 => {
                let (kind, name) = self.choices.pick(&[
                    (TokenKindTest::Word, "word"),
                    (TokenKindTest::Punct, "punct"),
                    (TokenKindTest::QuoteMark, "quote"),
                    (TokenKindTest::Number, "number"),
                ]);
                (TokenTest::Kind(kind), name.into())
            }
            5 => (
                TokenTest::InLexicon(sayso_lang::ir::LexiconId(0)),
                "SAY".into(),
            ),
            6 => {
                let (source, text) = self
                    .choices
                    .pick(&[("s.*", "/s.*/"), ("[A-Z].+", "/[A-Z].+/")]);
                (
                    TokenTest::Regex {
                        source: source.into(),
                        case_insensitive: false,
                    },
                    text.into(),
                )
            }
            7 => {
                let (inner, text) = self.token_test(depth - 1);
                (
                    TokenTest::Not(Box::new(inner)),
                    format!("!({})", nonempty(&text)),
                )
            }
            _ => {
                let (a, a_text) = self.token_test(depth - 1);
                let (b, b_text) = self.token_test(depth - 1);
                let (a_text, b_text) = (nonempty(&a_text), nonempty(&b_text));
                if choice == 8 {
                    (
                        TokenTest::And(vec![a, b]),
                        format!("({a_text}) & ({b_text})"),
                    )
                } else {
                    (
                        TokenTest::Or(vec![a, b]),
                        format!("({a_text}) | ({b_text})"),
                    )
                }
            }
        }
    }

    fn pattern(&mut self, depth: u32) -> (Pattern, String) {
        let choice = if depth == 0 {
            self.choices.below(4)
        } else {
            self.choices.below(12)
        };
        match choice {
            0..=2 => {
                let (test, text) = self.token_test(2);
                (Pattern::Token(test), format!("[{text}]"))
            }
            3 => match self.choices.below(4) {
                0 => (
                    Pattern::Annotation(BuiltinLabel::Quote.id()),
                    "@Quote".into(),
                ),
                1 if !self.earlier.is_empty() => {
                    let (label, name) = self.choices.pick_label(&self.earlier);
                    (Pattern::Annotation(label), format!("@{name}"))
                }
                2 => (
                    Pattern::Phrase(sayso_lang::ir::LexiconId(1)),
                    "SOURCE".into(),
                ),
                _ => {
                    let (anchor, text) = self.choices.pick(&[
                        (Anchor::SentenceStart, "<s>"),
                        (Anchor::SentenceEnd, "</s>"),
                        (Anchor::ParagraphStart, "<p>"),
                        (Anchor::ParagraphEnd, "</p>"),
                        (Anchor::DocumentStart, "<doc>"),
                        (Anchor::DocumentEnd, "</doc>"),
                    ]);
                    (Pattern::Anchor(anchor), text.into())
                }
            },
            4 | 5 => {
                let count = 2 + self.choices.below(3);
                let parts: Vec<_> = (0..count).map(|_| self.pattern(depth - 1)).collect();
                let text = parts
                    .iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    Pattern::Seq(parts.into_iter().map(|(p, _)| p).collect()),
                    text,
                )
            }
            6 => {
                let count = 2 + self.choices.below(2);
                let parts: Vec<_> = (0..count).map(|_| self.pattern(depth - 1)).collect();
                let text = parts
                    .iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ");
                (
                    Pattern::Alt(parts.into_iter().map(|(p, _)| p).collect()),
                    format!("({text})"),
                )
            }
            7 | 8 => {
                let (inner, text) = self.pattern(depth - 1);
                let (min, max, suffix) = self.choices.pick(&[
                    (0, None, "*"),
                    (1, None, "+"),
                    (0, Some(1), "?"),
                    (1, Some(3), "{1,3}"),
                    (2, Some(2), "{2}"),
                    (0, Some(4), "{0,4}"),
                ]);
                let greedy = self.choices.below(3) != 0;
                let lazy = if greedy { "" } else { "?" };
                (
                    Pattern::Repeat {
                        inner: Box::new(inner),
                        min,
                        max,
                        greedy,
                    },
                    format!("({text}){suffix}{lazy}"),
                )
            }
            9 | 10 => {
                let (inner, text) = self.pattern(depth - 1);
                let id = self.captures.len();
                let name = format!("c{id}");
                self.captures.push(name.clone());
                (
                    Pattern::Capture {
                        id: CaptureId(id as u32),
                        inner: Box::new(inner),
                    },
                    format!("{name}:({text})"),
                )
            }
            _ => {
                let (inner, text) = self.pattern(depth - 1);
                let (direction, negated, open) = self.choices.pick(&[
                    (LookDirection::Ahead, false, "(?="),
                    (LookDirection::Ahead, true, "(?!"),
                    (LookDirection::Behind, false, "(?<="),
                    (LookDirection::Behind, true, "(?<!"),
                ]);
                (
                    Pattern::Look {
                        direction,
                        negated,
                        inner: Box::new(inner),
                    },
                    format!("{open} {text})"),
                )
            }
        }
    }
}

impl Choices<'_> {
    fn pick_label(&mut self, labels: &[(LabelId, String)]) -> (LabelId, String) {
        labels[self.below(labels.len())].clone()
    }
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `[]` renders as an empty test; inside an operator it must be spelled out.
fn nonempty(text: &str) -> String {
    if text.is_empty() {
        "word | !word".to_string()
    } else {
        text.to_string()
    }
}

/// A rule set of one to three rules. Later rules may consume the labels of earlier ones, and a
/// rule may link a capture to an earlier annotation.
pub fn rules(choices: &mut Choices<'_>) -> Generated {
    let origin = Origin {
        file: "generated.sayso".into(),
        line: 1,
        column: 1,
    };
    let mut labels: Vec<Label> = BuiltinLabel::ALL.map(BuiltinLabel::label).to_vec();
    let mut source = LEXICON_SOURCE.to_string();
    let mut rules = Vec::new();
    let mut earlier: Vec<(LabelId, String)> = Vec::new();
    let mut referenced: Vec<LabelId> = Vec::new();
    let count = 1 + choices.below(3);
    for index in 0..count {
        // The label: a new one, or the label of an earlier rule that no rule consumed yet (they
        // then compete); a rule never consumes its own label, so the cascade order holds.
        let reusable: Vec<(LabelId, String)> = earlier
            .iter()
            .filter(|(label, _)| !referenced.contains(label))
            .cloned()
            .collect();
        let (label, label_name) = if !reusable.is_empty() && choices.below(3) == 0 {
            choices.pick_label(&reusable)
        } else {
            let name = format!("L{index}");
            labels.push(Label {
                name: name.clone(),
                builtin: None,
                fields: vec![],
            });
            (LabelId(labels.len() as u32 - 1), name)
        };
        let mut builder = RuleBuilder {
            choices: &mut *choices,
            captures: Vec::new(),
            earlier: earlier
                .iter()
                .filter(|(l, _)| *l != label)
                .cloned()
                .collect(),
        };
        let (pattern, pattern_text) = builder.pattern(3);
        let captures = builder.captures;
        collect_annotations(&pattern, &mut referenced);
        let emit: Vec<EmitField> = captures
            .iter()
            .enumerate()
            .map(|(id, name)| EmitField {
                name: name.clone(),
                value: EmitValue::Capture(CaptureId(id as u32)),
            })
            .collect();
        let mut emit_text: Vec<String> = captures.iter().map(|c| format!("{c}: {c}")).collect();
        emit_text.push(format!("kind: \"r{index}\""));
        let mut emit = emit;
        emit.push(EmitField {
            name: "kind".into(),
            value: EmitValue::Constant(format!("r{index}")),
        });
        let mut links = Vec::new();
        let mut link_text = String::new();
        // A link targets a captured field of an earlier label.
        let target = earlier.iter().find_map(|(l, name)| {
            let field = labels[l.0 as usize]
                .fields
                .iter()
                .find(|f| f.starts_with('c'))?;
            (*l != label).then(|| (*l, name.clone(), field.clone()))
        });
        if let Some(target) = target
            && !captures.is_empty()
            && choices.below(4) != 0
        {
            let anchor = choices.below(captures.len());
            let (window, window_text) = choices.pick(&[
                (Window::Sentences(1), " within 1 sentences"),
                (Window::Paragraphs(2), " within 2 paragraphs"),
                (Window::Document, ""),
            ]);
            let when_choice = choices.below(4);
            let (when, when_text) = match when_choice {
                0 => (None, String::new()),
                1 => (
                    Some(Pattern::Token(TokenTest::Flag(FlagTest::Lower))),
                    " when [lower]".to_string(),
                ),
                2 => (
                    Some(Pattern::Token(TokenTest::Or(vec![
                        TokenTest::Norm("she".into()),
                        TokenTest::Norm("he".into()),
                    ]))),
                    " when [\"she\"i | \"he\"i]".to_string(),
                ),
                _ => (
                    Some(Pattern::Repeat {
                        inner: Box::new(Pattern::Token(TokenTest::Flag(FlagTest::Title))),
                        min: 1,
                        max: None,
                        greedy: true,
                    }),
                    " when [title]+".to_string(),
                ),
            };
            let mut conditions = Vec::new();
            let agree = choices.below(2) == 0;
            if agree {
                conditions.push("agree(gender)".to_string());
            }
            let same = choices.below(3) == 0;
            if same {
                conditions.push("same(gender)".to_string());
            }
            let shares = match choices.below(4) {
                0 => Some((sayso_lang::ir::LexiconId(0), "SAY")),
                1 => Some((sayso_lang::ir::LexiconId(1), "SOURCE")),
                _ => None,
            };
            if let Some((_, name)) = shares {
                conditions.push(format!("shares({name})"));
            }
            let required = choices.below(3) == 0;
            referenced.push(target.0);
            links.push(Link {
                field: "resolved".into(),
                anchor: CaptureId(anchor as u32),
                target: target.0,
                target_field: target.2.clone(),
                window,
                skip_unresolved: when.is_some(),
                when,
                agree: if agree { vec![FeatureId(0)] } else { vec![] },
                same: if same { vec![FeatureId(0)] } else { vec![] },
                shares: shares
                    .map(|(lexicon, _)| vec![lexicon])
                    .into_iter()
                    .collect(),
                required,
                origin: origin.clone(),
            });
            let where_text = if conditions.is_empty() {
                String::new()
            } else {
                format!(" where {}", conditions.join(" and "))
            };
            link_text = format!(
                "\n  link resolved = nearest @{}.{} before c{anchor}{window_text}{when_text}{where_text}{}",
                target.1,
                target.2,
                if required { " required" } else { "" }
            );
        }
        let label_fields = &mut labels[label.0 as usize].fields;
        for field in emit
            .iter()
            .map(|e| &e.name)
            .chain(links.iter().map(|l| &l.field))
        {
            if !label_fields.contains(field) {
                label_fields.push(field.clone());
            }
        }
        let (scope, scope_text) = choices.pick(&[
            (Scope::Sentence, "sentence"),
            (Scope::Paragraph, "paragraph"),
            (Scope::Document, "document"),
        ]);
        let priority = choices.below(3) as i32;
        source.push_str(&format!(
            "\nrule r{index} -> {label_name} priority {priority} within {scope_text} {{\n  match {pattern_text}\n  emit {}{link_text}\n}}\n",
            emit_text.join(", ")
        ));
        rules.push(Rule {
            name: format!("r{index}"),
            label,
            priority,
            scope,
            pattern,
            captures,
            emit,
            links,
            examples: vec![],
            origin: origin.clone(),
        });
        if !earlier.iter().any(|(l, _)| *l == label) {
            earlier.push((label, label_name));
        }
    }
    let stages = (0..rules.len()).map(|i| vec![RuleId(i as u32)]).collect();
    let gender = Feature {
        name: "gender".into(),
        values: vec![
            (
                "feminine".into(),
                TokenTest::Or(vec![
                    TokenTest::Norm("she".into()),
                    TokenTest::Norm("her".into()),
                ]),
            ),
            (
                "masculine".into(),
                TokenTest::Or(vec![
                    TokenTest::Norm("he".into()),
                    TokenTest::Norm("him".into()),
                ]),
            ),
        ],
        origin: origin.clone(),
    };
    Generated {
        program: Program {
            labels,
            lexicons: lexicons(&origin),
            features: vec![gender],
            rules,
            stages,
        },
        source,
    }
}

fn collect_annotations(pattern: &Pattern, out: &mut Vec<LabelId>) {
    match pattern {
        Pattern::Annotation(label) => out.push(*label),
        Pattern::Seq(parts) | Pattern::Alt(parts) => {
            for part in parts {
                collect_annotations(part, out);
            }
        }
        Pattern::Repeat { inner, .. }
        | Pattern::Capture { inner, .. }
        | Pattern::Look { inner, .. } => collect_annotations(inner, out),
        Pattern::Token(_) | Pattern::Phrase(_) | Pattern::Anchor(_) => {}
    }
}
