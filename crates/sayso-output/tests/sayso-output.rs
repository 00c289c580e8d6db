//! Snapshot tests of every output format on one hand-built set of matches, so that the
//! renderers are tested apart from the rule language and the engine.

use std::path::Path;
use std::sync::Arc;

use sayso_engine::{Field, Match, Program, RuleId, Span};
use sayso_lang::ir::{
    BuiltinLabel, CaptureId, EmitField, EmitValue, Label, LabelId, Origin, Pattern, Rule, Scope,
    TokenTest,
};
use sayso_output::{DocumentView, Format, OffsetUnit, RenderOptions, renderer};

mod eval;
mod json;

fn origin(line: u32) -> Origin {
    Origin {
        file: "tests/attribution.sayso".to_owned(),
        line,
        column: 1,
    }
}

fn rule(name: &str, line: u32, kind: &str) -> Rule {
    let field = |name: &str, value: EmitValue| EmitField {
        name: name.to_owned(),
        value,
    };
    Rule {
        name: name.to_owned(),
        label: LabelId(3),
        priority: 0,
        scope: Scope::Paragraph,
        pattern: Pattern::Token(TokenTest::Any),
        captures: vec!["s".to_owned(), "c".to_owned(), "q".to_owned()],
        emit: vec![
            field("speaker", EmitValue::Capture(CaptureId(0))),
            field("cue", EmitValue::Capture(CaptureId(1))),
            field("content", EmitValue::Capture(CaptureId(2))),
            field("kind", EmitValue::Constant(kind.to_owned())),
        ],
        links: Vec::new(),
        examples: Vec::new(),
        origin: origin(line),
    }
}

fn program() -> Program {
    let mut labels: Vec<Label> = BuiltinLabel::ALL
        .iter()
        .map(|b| Label {
            name: format!("{b:?}"),
            builtin: Some(*b),
            fields: Vec::new(),
        })
        .collect();
    labels.push(Label {
        name: "Attribution".to_owned(),
        builtin: None,
        fields: ["speaker", "cue", "content", "resolved"]
            .map(String::from)
            .to_vec(),
    });
    Program {
        labels,
        rules: vec![
            rule("quote_then_speaker", 6, "direct"),
            rule("speaker_said", 14, "mixed"),
        ],
        ..Program::default()
    }
}

fn text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/two-quotes.txt");
    std::fs::read_to_string(path).unwrap()
}

/// The span of the `nth` occurrence of `needle`.
fn find(text: &str, needle: &str, nth: usize) -> Span {
    let start = text.match_indices(needle).nth(nth).unwrap().0;
    Span::new(start, start + needle.len())
}

fn field(text: &str, name: &str, needle: &str, nth: usize) -> Field {
    Field {
        name: name.into(),
        span: find(text, needle, nth),
        tokens: 0..0,
    }
}

fn matches(text: &str) -> Vec<Match> {
    let first = Match {
        rule: RuleId(0),
        label: LabelId(3),
        span: find(text, "“We will win,” Smith said", 0),
        tokens: 0..0,
        fields: vec![
            field(text, "speaker", "Smith", 0),
            field(text, "cue", "said", 0),
            field(text, "content", "We will win,", 0),
        ],
        attrs: Arc::from([(Arc::from("kind"), Arc::from("direct"))]),
        consumed: Vec::new(),
    };
    let second_span = find(text, "Jane Doe — said\nthe bridge was “too slow”", 0);
    let second = Match {
        rule: RuleId(1),
        label: LabelId(3),
        span: second_span,
        tokens: 0..0,
        fields: vec![
            field(text, "speaker", "Jane Doe", 0),
            field(text, "cue", "said", 1),
            field(text, "content", "the bridge was “too slow”", 0),
        ],
        attrs: Arc::from([(Arc::from("kind"), Arc::from("mixed"))]),
        consumed: Vec::new(),
    };
    let third = Match {
        rule: RuleId(0),
        label: LabelId(3),
        span: find(text, "she added: “Soon.”", 0),
        tokens: 0..0,
        fields: vec![
            field(text, "speaker", "she", 0),
            field(text, "cue", "added", 0),
            field(text, "content", "Soon.", 0),
            field(text, "resolved", "Jane Doe", 0),
        ],
        attrs: Arc::from([(Arc::from("kind"), Arc::from("direct"))]),
        consumed: Vec::new(),
    };
    vec![first, second, third]
}

/// Renders the fixture, an empty document and a failed one.
fn render(format: Format, options: RenderOptions) -> String {
    let program = program();
    let text = text();
    let found = matches(&text);
    let mut out = Vec::new();
    let mut r = renderer(format, &program, options);
    r.begin(&mut out).unwrap();
    r.document(
        &mut out,
        &DocumentView::new("two-quotes.txt", &text, &found),
    )
    .unwrap();
    r.document(&mut out, &DocumentView::new("empty.txt", "", &[]))
        .unwrap();
    r.document(
        &mut out,
        &DocumentView::failed("bad.txt", "bad.txt: invalid UTF-8 at byte 3"),
    )
    .unwrap();
    r.finish(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn plain(offsets: OffsetUnit) -> RenderOptions {
    RenderOptions {
        offsets,
        color: false,
    }
}

#[test]
fn jsonl_follows_the_contract() {
    insta::assert_snapshot!(render(Format::Jsonl, plain(OffsetUnit::Bytes)));
}

#[test]
fn jsonl_with_char_offsets() {
    insta::assert_snapshot!(render(Format::Jsonl, plain(OffsetUnit::Chars)));
}

#[test]
fn jsonl_offsets_slice_the_text() {
    let out = render(Format::Jsonl, plain(OffsetUnit::Bytes));
    let text = text();
    let chars: Vec<char> = text.chars().collect();
    let line: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let chars_out = render(Format::Jsonl, plain(OffsetUnit::Chars));
    let line_chars: serde_json::Value =
        serde_json::from_str(chars_out.lines().next().unwrap()).unwrap();
    for (m, mc) in line["matches"]
        .as_array()
        .unwrap()
        .iter()
        .zip(line_chars["matches"].as_array().unwrap())
    {
        for (name, capture) in m["captures"].as_object().unwrap() {
            let (start, end) = (
                capture["start"].as_u64().unwrap(),
                capture["end"].as_u64().unwrap(),
            );
            assert_eq!(&text[start as usize..end as usize], capture["text"]);
            let c = &mc["captures"][name];
            let (cs, ce) = (
                c["start"].as_u64().unwrap() as usize,
                c["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                chars[cs..ce].iter().collect::<String>(),
                capture["text"].as_str().unwrap()
            );
        }
    }
}

#[test]
fn json_is_one_array() {
    let out = render(Format::Json, plain(OffsetUnit::Bytes));
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 3);
    insta::assert_snapshot!(out);
}

#[test]
fn csv_has_a_row_per_match() {
    insta::assert_snapshot!(render(Format::Csv, plain(OffsetUnit::Bytes)));
}

#[test]
fn pretty_without_colour() {
    insta::assert_snapshot!(render(Format::Pretty, plain(OffsetUnit::Bytes)));
}

#[test]
fn pretty_with_colour() {
    let options = RenderOptions {
        offsets: OffsetUnit::Bytes,
        color: true,
    };
    insta::assert_snapshot!(render(Format::Pretty, options));
}

#[test]
fn html_page() {
    insta::assert_snapshot!(render(Format::Html, plain(OffsetUnit::Bytes)));
}

#[test]
fn brat_standoff_counts_characters() {
    insta::assert_snapshot!(render(Format::Brat, plain(OffsetUnit::Bytes)));
}
