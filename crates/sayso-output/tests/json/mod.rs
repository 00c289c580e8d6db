//! The JSON formats are written directly rather than through serde_json; these tests hold them
//! to the bytes serde_json writes for the same [`DocumentRecord`], on content that stresses
//! escaping, repeated field names, unknown ids and offsets.

use std::sync::Arc;

use sayso_engine::{Field, Match, Program, RuleId, Span};
use sayso_lang::ir::{Label, LabelId};
use sayso_output::{DocumentRecord, DocumentView, Format, OffsetUnit, RenderOptions, renderer};

use super::{matches, plain, program, rule, text};

/// Strings that need every kind of escape, none, or that the writer could get wrong at the
/// edges of the runs it copies whole.
fn tricky_strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "",
        "plain",
        "\"",
        "\\",
        "say \"hi\"\\ \"bye\"",
        "\\\\\"\"",
        "é “quoted” 😀 — done",
        "\u{7f}",
        "tab\there\nnew line\r\u{8}\u{c}",
    ]
    .map(String::from)
    .to_vec();
    // Every control character, alone and all together.
    strings.extend((0u8..0x20).map(|byte| char::from(byte).to_string()));
    strings.push((0u8..0x20).map(char::from).collect());
    // Escapes with runs of every length between them.
    for gap in 0..20 {
        let run = "a".repeat(gap);
        strings.push(format!("\"{run}\\{run}\n{run}\u{1}{run}é"));
    }
    // One character to escape (or not) at each place of strings from shorter than a word to
    // longer than two.
    for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', ' ', 'é', '😀'] {
        for length in 1..=17 {
            for place in 0..length {
                let mut s = "a".repeat(length - 1);
                s.insert(place, special);
                strings.push(s);
            }
        }
    }
    strings
}

/// The fixture program with a label and a rule whose names and origin need escaping.
fn tricky_program() -> Program {
    let mut program = program();
    program.labels.push(Label {
        name: "Label \"with\" \\ and \u{1}".to_owned(),
        builtin: None,
        fields: Vec::new(),
    });
    let mut tricky = rule("rule\t\"tricky\" é", 21, "x");
    tricky.label = LabelId(program.labels.len() as u32 - 1);
    tricky.origin.file = "rules\\in \"quotes\"\n.sayso".to_owned();
    program.rules.push(tricky);
    program
}

/// The span of `needle` in `text`.
fn span_of(text: &str, needle: &str) -> Span {
    let start = text.find(needle).unwrap();
    Span::new(start, start + needle.len())
}

fn field(name: &str, span: Span) -> Field {
    Field {
        name: name.into(),
        span,
        tokens: 0..0,
    }
}

fn tricky_match(rule: u32, label: u32, span: Span, fields: Vec<Field>) -> Match {
    Match {
        rule: RuleId(rule),
        label: LabelId(label),
        span,
        tokens: 0..0,
        fields,
        attrs: Arc::from([]),
        consumed: Vec::new(),
    }
}

fn tricky_text() -> String {
    let controls: String = (0u8..0x20).map(char::from).collect();
    format!("He said \"no\" \\ {controls}\u{7f} — é “yes” 😀 and then some plain words.")
}

fn tricky_matches(program: &Program, text: &str) -> Vec<Match> {
    let tricky_rule = program.rules.len() as u32 - 1;
    let tricky_label = program.labels.len() as u32 - 1;
    let whole = Span::new(0, text.len());
    let mut repeated = tricky_match(
        tricky_rule,
        tricky_label,
        whole,
        vec![
            field("speaker", span_of(text, "He")),
            field("cue", span_of(text, "said")),
            field("speaker", span_of(text, "é")),
            field("content", Span::new(3, 3)),
            field("speaker", span_of(text, "😀")),
            field("cue", span_of(text, "\"no\" \\")),
            field("name \"odd\"\n", span_of(text, "\u{7f}")),
        ],
    );
    repeated.attrs = tricky_strings()
        .into_iter()
        .enumerate()
        .map(|(index, value)| (format!("attr {index} \"\t"), value))
        .chain([(String::new(), String::new())])
        .map(|(name, value)| (Arc::from(name), Arc::from(value)))
        .collect();
    let e_acute = span_of(text, "é").start;
    vec![
        repeated,
        // No captures and no attributes.
        tricky_match(0, 3, span_of(text, "plain"), Vec::new()),
        // A rule and a label the program does not know: `?` and no origin.
        tricky_match(99, 77, span_of(text, "words"), Vec::new()),
        // Spans that do not fall on character boundaries or fit the text.
        tricky_match(
            1,
            3,
            Span::new(e_acute + 1, text.len() + 5),
            vec![field("speaker", Span::new(e_acute, e_acute + 1))],
        ),
    ]
}

/// What serde_json writes for each document, one per line, and the same from the renderer.
fn both_ways(format: Format, options: RenderOptions) -> Vec<(String, String)> {
    let program = tricky_program();
    let fixture = text();
    let fixture_matches = matches(&fixture);
    let tricky = tricky_text();
    let tricky_found = tricky_matches(&program, &tricky);
    let errors = tricky_strings();
    let mut documents = vec![
        DocumentView::new("two-quotes.txt", &fixture, &fixture_matches),
        DocumentView::new("id \"quoted\" \\ \u{0}\u{1f} é", &tricky, &tricky_found),
        DocumentView::new("", "", &[]),
    ];
    documents.extend(
        errors
            .iter()
            .map(|error| DocumentView::failed(error, error)),
    );
    let mut r = renderer(format, &program, options);
    let mut out = Vec::new();
    r.begin(&mut out).unwrap();
    documents
        .iter()
        .map(|doc| {
            let start = out.len();
            r.document(&mut out, doc).unwrap();
            let rendered = String::from_utf8(out[start..].to_vec()).unwrap();
            let record = DocumentRecord::new(&program, doc, options);
            let serde = String::from_utf8(serde_json::to_vec(&record).unwrap()).unwrap();
            (serde, rendered)
        })
        .collect()
}

#[test]
fn json_lines_are_the_bytes_serde_json_writes() {
    for offsets in [OffsetUnit::Bytes, OffsetUnit::Chars] {
        let documents = both_ways(Format::Jsonl, plain(offsets));
        assert!(documents.len() > 40);
        for (serde, rendered) in documents {
            assert_eq!(format!("{serde}\n"), rendered, "{offsets:?}");
        }
    }
}

#[test]
fn json_array_members_are_the_bytes_serde_json_writes() {
    for offsets in [OffsetUnit::Bytes, OffsetUnit::Chars] {
        for (index, (serde, rendered)) in both_ways(Format::Json, plain(offsets))
            .into_iter()
            .enumerate()
        {
            let separator = if index == 0 { "\n  " } else { ",\n  " };
            assert_eq!(format!("{separator}{serde}"), rendered, "{offsets:?}");
        }
    }
}
