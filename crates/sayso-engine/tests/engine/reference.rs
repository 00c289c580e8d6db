//! A backtracking reference matcher, written directly over the IR: exponential, obviously
//! correct, and the definition of the semantics the Pike VM must reproduce. A property test
//! compares both on random small patterns and texts.

use std::ops::Range;

use proptest::prelude::*;
use sayso_engine::{EngineConfig, RuleSet, Simulation};
use sayso_lang::ir::*;
use sayso_tokenize::Document;

type Captures = Vec<Option<(usize, usize)>>;

struct Reference<'d, 't> {
    doc: &'d Document<'t>,
    low: usize,
    high: usize,
}

/// The entries of the one lexicon random patterns use, each as its words.
const LEXICON: [&str; 5] = ["a b", "a b c", "b c a", "c", "b"];

impl Reference<'_, '_> {
    fn test(&self, test: &TokenTest, at: usize) -> bool {
        match test {
            TokenTest::Any => true,
            TokenTest::Text(text) => self.doc.token_text(at) == text,
            TokenTest::Norm(norm) => self.doc.norm(at) == norm,
            TokenTest::Not(inner) => !self.test(inner, at),
            TokenTest::Or(parts) => parts.iter().any(|p| self.test(p, at)),
            TokenTest::And(parts) => parts.iter().all(|p| self.test(p, at)),
            TokenTest::InLexicon(_) => LEXICON
                .iter()
                .any(|entry| !entry.contains(' ') && self.doc.norm(at) == *entry),
            other => panic!("the reference does not evaluate {other:?}"),
        }
    }

    fn anchor(&self, anchor: Anchor, at: usize) -> bool {
        let starts = |segments: &[sayso_tokenize::Segment]| {
            segments
                .iter()
                .any(|s| s.tokens.start == at && !s.tokens.is_empty())
        };
        let ends = |segments: &[sayso_tokenize::Segment]| {
            segments
                .iter()
                .any(|s| s.tokens.end == at && !s.tokens.is_empty())
        };
        match anchor {
            Anchor::SentenceStart => starts(self.doc.sentences()),
            Anchor::SentenceEnd => ends(self.doc.sentences()),
            Anchor::ParagraphStart => starts(self.doc.paragraphs()),
            Anchor::ParagraphEnd => ends(self.doc.paragraphs()),
            Anchor::DocumentStart => at == 0,
            Anchor::DocumentEnd => at == self.doc.tokens().len(),
        }
    }

    /// Quotations starting at `at` inside the window, longest first.
    fn quotes_at(&self, at: usize) -> Vec<usize> {
        let mut ends: Vec<usize> = self
            .doc
            .quotations()
            .iter()
            .filter(|q| q.tokens.start == at && q.tokens.end <= self.high && !q.tokens.is_empty())
            .map(|q| q.tokens.end)
            .collect();
        ends.sort_by(|a, b| b.cmp(a));
        ends.dedup();
        ends
    }

    /// Ends of the lexicon entries that start at `at` inside the window, longest first.
    fn phrase_ends(&self, at: usize) -> Vec<usize> {
        let mut ends: Vec<usize> = LEXICON
            .iter()
            .filter_map(|entry| {
                let words: Vec<&str> = entry.split(' ').collect();
                let end = at + words.len();
                let fits = end <= self.high
                    && words
                        .iter()
                        .enumerate()
                        .all(|(offset, word)| self.doc.norm(at + offset) == *word);
                fits.then_some(end)
            })
            .collect();
        ends.sort_by(|a, b| b.cmp(a));
        ends.dedup();
        ends
    }

    /// Calls `k` with each way `pattern` can match from `at`, in priority order, until `k`
    /// accepts one.
    fn walk(
        &self,
        pattern: &Pattern,
        at: usize,
        caps: &Captures,
        k: &mut dyn FnMut(usize, &Captures) -> bool,
    ) -> bool {
        match pattern {
            Pattern::Token(test) => at < self.high && self.test(test, at) && k(at + 1, caps),
            Pattern::Seq(parts) => self.seq(parts, at, caps, k),
            Pattern::Alt(branches) => branches.iter().any(|b| self.walk(b, at, caps, k)),
            Pattern::Repeat {
                inner,
                min,
                max,
                greedy,
            } => self.repeat(inner, *min, *max, *greedy, at, caps, k),
            Pattern::Capture { id, inner } => self.walk(inner, at, caps, &mut |end, c| {
                let mut c = c.clone();
                c[id.0 as usize] = Some((at, end));
                k(end, &c)
            }),
            Pattern::Look {
                direction,
                negated,
                inner,
            } => {
                let fresh = vec![None; caps.len()];
                let holds = match direction {
                    LookDirection::Ahead => self.walk(inner, at, &fresh, &mut |_, _| true),
                    LookDirection::Behind => (self.low..=at)
                        .any(|from| self.walk(inner, from, &fresh, &mut |end, _| end == at)),
                };
                holds != *negated && k(at, caps)
            }
            Pattern::Annotation(label) if *label == BuiltinLabel::Quote.id() => {
                self.quotes_at(at).into_iter().any(|end| k(end, caps))
            }
            Pattern::Anchor(anchor) => self.anchor(*anchor, at) && k(at, caps),
            Pattern::Phrase(_) => self.phrase_ends(at).into_iter().any(|end| k(end, caps)),
            other => panic!("the reference does not match {other:?}"),
        }
    }

    fn seq(
        &self,
        parts: &[Pattern],
        at: usize,
        caps: &Captures,
        k: &mut dyn FnMut(usize, &Captures) -> bool,
    ) -> bool {
        match parts.split_first() {
            None => k(at, caps),
            Some((first, rest)) => {
                self.walk(first, at, caps, &mut |end, c| self.seq(rest, end, c, k))
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        inner: &Pattern,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        at: usize,
        caps: &Captures,
        k: &mut dyn FnMut(usize, &Captures) -> bool,
    ) -> bool {
        if min > 0 {
            return self.walk(inner, at, caps, &mut |end, c| {
                self.repeat(inner, min - 1, max.map(|m| m - 1), greedy, end, c, k)
            });
        }
        if max == Some(0) {
            return k(at, caps);
        }
        let more = |k: &mut dyn FnMut(usize, &Captures) -> bool| {
            self.walk(inner, at, caps, &mut |end, c| {
                // An unbounded loop never repeats an iteration that consumed nothing.
                (max.is_some() || end > at)
                    && self.repeat(inner, 0, max.map(|m| m - 1), greedy, end, c, k)
            })
        };
        let order = if greedy { [true, false] } else { [false, true] };
        for take_more in order {
            let accepted = if take_more { more(k) } else { k(at, caps) };
            if accepted {
                return true;
            }
        }
        false
    }

    /// Leftmost-first, non-overlapping matches as (tokens, captures).
    fn find_all(&self, pattern: &Pattern, captures: usize) -> Vec<(Range<usize>, Captures)> {
        let mut out = Vec::new();
        let mut from = self.low;
        while from < self.high {
            let mut hit = None;
            for start in from..=self.high {
                let mut found = None;
                self.walk(pattern, start, &vec![None; captures], &mut |end, c| {
                    found = Some((end, c.clone()));
                    true
                });
                if let Some((end, caps)) = found {
                    hit = Some((start, end, caps));
                    break;
                }
            }
            let Some((start, end, caps)) = hit else {
                break;
            };
            if end <= start {
                from = start + 1;
            } else {
                out.push((start..end, caps));
                from = end;
            }
        }
        out
    }
}

fn segments(doc: &Document<'_>, scope: Scope) -> Vec<(usize, usize)> {
    let n = doc.tokens().len();
    let list = match scope {
        Scope::Sentence => doc.sentences(),
        Scope::Paragraph => doc.paragraphs(),
        Scope::Document => &[],
    };
    let mut out: Vec<(usize, usize)> = list
        .iter()
        .filter(|s| s.tokens.start < s.tokens.end && s.tokens.end <= n)
        .map(|s| (s.tokens.start, s.tokens.end))
        .collect();
    if out.is_empty() && n > 0 {
        out.push((0, n));
    }
    out
}

const WORDS: [&str; 4] = ["a", "b", "c", "."];

fn leaf() -> impl Strategy<Value = Pattern> {
    prop_oneof![
        4 => prop::sample::select(WORDS.to_vec())
            .prop_map(|w| Pattern::Token(TokenTest::Text(w.to_string()))),
        1 => Just(Pattern::Token(TokenTest::Any)),
        1 => prop::sample::select(WORDS.to_vec()).prop_map(|w| Pattern::Token(TokenTest::Not(
            Box::new(TokenTest::Text(w.to_string()))
        ))),
        1 => prop::sample::select(vec![
            Anchor::SentenceStart,
            Anchor::SentenceEnd,
            Anchor::ParagraphStart,
            Anchor::DocumentEnd,
        ])
        .prop_map(Pattern::Anchor),
        1 => Just(Pattern::Annotation(BuiltinLabel::Quote.id())),
        2 => Just(Pattern::Phrase(LexiconId(0))),
        1 => Just(Pattern::Token(TokenTest::InLexicon(LexiconId(0)))),
        // A lexicon narrowed by another test: indexed under a key for the whole test.
        1 => prop::sample::select(WORDS.to_vec()).prop_map(|w| Pattern::Token(TokenTest::And(vec![
            TokenTest::InLexicon(LexiconId(0)),
            TokenTest::Not(Box::new(TokenTest::Text(w.to_string()))),
        ]))),
    ]
}

fn pattern() -> impl Strategy<Value = Pattern> {
    leaf().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            3 => prop::collection::vec(inner.clone(), 1..4).prop_map(Pattern::Seq),
            2 => prop::collection::vec(inner.clone(), 1..4).prop_map(Pattern::Alt),
            3 => (inner.clone(), 0u32..3, prop::option::of(0u32..3), any::<bool>()).prop_map(
                |(inner, min, extra, greedy)| Pattern::Repeat {
                    inner: Box::new(inner),
                    min,
                    max: extra.map(|e| min + e),
                    greedy,
                }
            ),
            2 => inner.clone().prop_map(|inner| Pattern::Capture {
                id: CaptureId(0),
                inner: Box::new(inner),
            }),
            1 => (inner, any::<bool>(), any::<bool>()).prop_map(|(inner, ahead, negated)| {
                Pattern::Look {
                    direction: if ahead { LookDirection::Ahead } else { LookDirection::Behind },
                    negated,
                    inner: Box::new(inner),
                }
            }),
        ]
    })
}

fn nullable(pattern: &Pattern) -> bool {
    match pattern {
        Pattern::Token(_) | Pattern::Annotation(_) | Pattern::Phrase(_) => false,
        Pattern::Seq(parts) => parts.iter().all(nullable),
        Pattern::Alt(parts) => parts.iter().any(nullable),
        Pattern::Repeat { inner, min, .. } => *min == 0 || nullable(inner),
        Pattern::Capture { inner, .. } => nullable(inner),
        Pattern::Look { .. } | Pattern::Anchor(_) => true,
    }
}

/// Numbers captures in order and bounds unbounded loops over nullable bodies, whose empty
/// iterations the two matchers are not required to treat alike.
fn normalise(pattern: &mut Pattern, next: &mut u32) {
    match pattern {
        Pattern::Seq(parts) | Pattern::Alt(parts) => {
            for part in parts {
                normalise(part, next);
            }
        }
        Pattern::Repeat {
            inner, min, max, ..
        } => {
            normalise(inner, next);
            if max.is_none() && nullable(inner) {
                *max = Some(*min + 2);
            }
        }
        Pattern::Capture { id, inner } => {
            *id = CaptureId(*next);
            *next += 1;
            normalise(inner, next);
        }
        Pattern::Look { inner, .. } => {
            // Captures inside lookarounds are not reported; keep them numbered anyway.
            normalise(inner, next);
        }
        _ => {}
    }
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a", "b", "c", "a", "b", ".", "\u{201C}", "\u{201D}", "\n\n",
        ]),
        0..14,
    )
    .prop_map(|pieces| pieces.join(" "))
}

pub fn program_for(pattern: Pattern, captures: u32, scope: Scope) -> Program {
    let origin = Origin {
        file: "reference".into(),
        line: 1,
        column: 1,
    };
    let mut labels: Vec<Label> = BuiltinLabel::ALL
        .iter()
        .map(|b| Label {
            name: format!("{b:?}"),
            builtin: Some(*b),
            fields: vec![],
        })
        .collect();
    labels.push(Label {
        name: "Hit".into(),
        builtin: None,
        fields: vec![],
    });
    let names: Vec<String> = (0..captures).map(|i| format!("c{i}")).collect();
    Program {
        labels,
        rules: vec![Rule {
            name: "random".into(),
            label: LabelId(3),
            priority: 0,
            scope,
            pattern,
            captures: names.clone(),
            emit: names
                .iter()
                .enumerate()
                .map(|(i, name)| EmitField {
                    name: name.clone(),
                    value: EmitValue::Capture(CaptureId(i as u32)),
                })
                .collect(),
            links: vec![],
            examples: vec![],
            origin,
        }],
        stages: vec![vec![RuleId(0)]],
        lexicons: vec![Lexicon {
            name: "WORDS".into(),
            entries: LEXICON.iter().map(|entry| entry.to_string()).collect(),
            case_sensitive: false,
            lemmas: vec![],
            origin: Origin {
                file: "reference".into(),
                line: 1,
                column: 1,
            },
        }],
        features: vec![],
    }
}

type Found = Vec<(Range<usize>, Vec<(String, Range<usize>)>)>;

fn reference_matches(doc: &Document<'_>, pattern: &Pattern, captures: u32, scope: Scope) -> Found {
    let mut out = Vec::new();
    for (low, high) in segments(doc, scope) {
        let reference = Reference { doc, low, high };
        for (tokens, caps) in reference.find_all(pattern, captures as usize) {
            let fields = caps
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.map(|(a, b)| (format!("c{i}"), a..b)))
                .filter(|(_, range)| !range.is_empty())
                .collect();
            out.push((tokens, fields));
        }
    }
    out
}

fn engine_matches(rules: &RuleSet, doc: &Document<'_>) -> Found {
    rules
        .run(doc)
        .into_iter()
        .map(|m| {
            let fields = m
                .fields
                .iter()
                .map(|f| (f.name.to_string(), f.tokens.clone()))
                .collect();
            (m.tokens, fields)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn pike_vm_equals_backtracking(
        pattern in pattern(),
        text in text(),
        scope in prop::sample::select(vec![Scope::Sentence, Scope::Paragraph, Scope::Document]),
    ) {
        let mut pattern = pattern;
        let mut captures = 0;
        normalise(&mut pattern, &mut captures);
        let doc = sayso_tokenize::tokenize(&text);
        let expected = reference_matches(&doc, &pattern, captures, scope);
        for simulation in [Simulation::Plain, Simulation::Optimized] {
            let config = EngineConfig { simulation, ..EngineConfig::default() };
            let rules = RuleSet::with_config(program_for(pattern.clone(), captures, scope), config)
                .expect("compiles");
            prop_assert_eq!(&engine_matches(&rules, &doc), &expected, "{:?} over {:?}", pattern, text);
            // Explaining the rule must agree with the run and never fail.
            let explanation = rules.explain(RuleId(0), &doc);
            prop_assert_eq!(explanation.matches.len(), expected.len());
            if let Some(partial) = explanation.furthest {
                prop_assert!(partial.start <= partial.reached);
                prop_assert!(partial.reached <= doc.tokens().len());
            }
        }
    }
}
