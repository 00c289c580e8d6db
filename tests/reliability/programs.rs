//! Hand-built checked programs for the step-count tests: built as IR so that they measure the
//! engine alone, whatever the rule language's surface syntax.

use sayso_lang::ir::{
    BuiltinLabel, CaptureId, EmitField, EmitValue, FlagTest, Label, LabelId, Lexicon, LexiconId,
    Origin, Pattern, Program, Rule, RuleId, Scope, TokenTest,
};

/// The speech-verb lexicon every program declares as lexicon 0.
pub const SAY: TokenTest = TokenTest::InLexicon(LexiconId(0));

pub fn token(test: TokenTest) -> Pattern {
    Pattern::Token(test)
}

pub fn norm(word: &str) -> Pattern {
    token(TokenTest::Norm(word.into()))
}

pub fn title() -> Pattern {
    token(TokenTest::Flag(FlagTest::Title))
}

pub fn any() -> Pattern {
    token(TokenTest::Any)
}

pub fn seq(parts: Vec<Pattern>) -> Pattern {
    Pattern::Seq(parts)
}

pub fn alt(parts: Vec<Pattern>) -> Pattern {
    Pattern::Alt(parts)
}

pub fn repeat(inner: Pattern, min: u32, max: Option<u32>, greedy: bool) -> Pattern {
    Pattern::Repeat {
        inner: Box::new(inner),
        min,
        max,
        greedy,
    }
}

/// `inner*`
pub fn star(inner: Pattern) -> Pattern {
    repeat(inner, 0, None, true)
}

/// `inner+`
pub fn plus(inner: Pattern) -> Pattern {
    repeat(inner, 1, None, true)
}

/// `inner*?`
pub fn lazy_star(inner: Pattern) -> Pattern {
    repeat(inner, 0, None, false)
}

/// `name:inner`, numbered in the order of the rule's capture list.
pub fn capture(id: u32, inner: Pattern) -> Pattern {
    Pattern::Capture {
        id: CaptureId(id),
        inner: Box::new(inner),
    }
}

/// One rule's pattern, scope and capture names (each capture is emitted under its name).
pub struct RuleSpec {
    pub pattern: Pattern,
    pub scope: Scope,
    pub captures: Vec<&'static str>,
}

/// A program of the given rules, all emitting the label `Hit`, in the given order.
pub fn program(specs: Vec<RuleSpec>) -> Program {
    let origin = Origin {
        file: "reliability.sayso".into(),
        line: 1,
        column: 1,
    };
    let mut labels: Vec<Label> = BuiltinLabel::ALL.map(BuiltinLabel::label).to_vec();
    let mut fields: Vec<String> = Vec::new();
    let rules: Vec<Rule> = specs
        .into_iter()
        .enumerate()
        .map(|(index, spec)| {
            let emit = spec
                .captures
                .iter()
                .enumerate()
                .map(|(id, name)| EmitField {
                    name: name.to_string(),
                    value: EmitValue::Capture(CaptureId(id as u32)),
                })
                .collect();
            for name in &spec.captures {
                if !fields.iter().any(|f| f == name) {
                    fields.push(name.to_string());
                }
            }
            Rule {
                name: format!("rule{index}"),
                label: LabelId(3),
                priority: 0,
                scope: spec.scope,
                pattern: spec.pattern,
                captures: spec.captures.iter().map(|c| c.to_string()).collect(),
                emit,
                links: vec![],
                examples: vec![],
                origin: origin.clone(),
            }
        })
        .collect();
    labels.push(Label {
        name: "Hit".into(),
        builtin: None,
        fields,
    });
    Program {
        labels,
        lexicons: vec![Lexicon {
            name: "SAY".into(),
            entries: ["said", "says", "told", "added"].map(String::from).to_vec(),
            case_sensitive: false,
            lemmas: vec![],
            origin,
        }],
        features: vec![],
        stages: vec![(0..rules.len() as u32).map(RuleId).collect()],
        rules,
    }
}

/// A program of one rule.
pub fn one_rule(pattern: Pattern, scope: Scope) -> Program {
    program(vec![RuleSpec {
        pattern,
        scope,
        captures: vec![],
    }])
}
