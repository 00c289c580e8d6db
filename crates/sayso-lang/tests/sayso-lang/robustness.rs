//! Property tests: the checker is total. Whatever the text, it returns a program or
//! diagnostics whose spans lie on character boundaries inside their files, and a program is
//! internally consistent.

use proptest::prelude::*;
use sayso_lang::ir::{EmitValue, Program};
use sayso_lang::{Diagnostics, compile_str};

/// Pieces of rule syntax, right and wrong, that random files are built from.
const PIECES: &[&str] = &[
    "rule",
    "r",
    "q",
    "->",
    "X",
    "Attribution",
    "{",
    "}",
    "match",
    "emit",
    "s",
    ":",
    "[",
    "]",
    "(",
    ")",
    "|",
    "&",
    "!",
    "\"said\"",
    "\"a b\"i",
    "/x(/",
    "/[a-z]+/i",
    "@Quote",
    "@X",
    "@Foo",
    "<s>",
    "</p>",
    "?",
    "*",
    "+",
    "{2,1}",
    "{3}",
    "{,}",
    "pattern",
    "P",
    "=",
    "lexicon",
    "L",
    "{a b}",
    "import",
    "\"x.sayso\"",
    "link",
    "nearest",
    "before",
    "within",
    "3",
    "paragraphs",
    "sentence",
    "when",
    "where",
    "agree",
    "g",
    "example",
    "=>",
    "none",
    ",",
    ".",
    "inner",
    "feature",
    "é",
    "\"\\u{zz}\"",
    "#",
    "\n",
    "’",
    "(?=",
    "(?<!",
    "title",
    "lemma:\"say\"",
    "priority",
    "-5",
    "99999999999",
    "file(\"missing.txt\")",
    "s.inner",
    "q.inner",
    "[]",
];

fn random_file() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|p| p.join(" ")),
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|p| p.concat()),
        "\\PC{0,200}",
    ]
}

fn assert_spans_valid(diagnostics: &Diagnostics) {
    for item in &diagnostics.items {
        for label in std::iter::once(&item.primary).chain(&item.secondary) {
            let text = &diagnostics.sources.file(label.file).text;
            assert!(label.span.start <= label.span.end, "{item:?}");
            assert!(label.span.end <= text.len(), "{item:?}");
            assert!(text.is_char_boundary(label.span.start), "{item:?}");
            assert!(text.is_char_boundary(label.span.end), "{item:?}");
        }
    }
    // Rendering never fails.
    let _ = diagnostics.to_string();
}

fn assert_consistent(program: &Program) {
    let mut staged: Vec<u32> = program.stages.iter().flatten().map(|r| r.0).collect();
    staged.sort_unstable();
    assert_eq!(staged, (0..program.rules.len() as u32).collect::<Vec<_>>());
    for rule in &program.rules {
        assert!((rule.label.0 as usize) < program.labels.len());
        for field in &rule.emit {
            if let EmitValue::Capture(id) | EmitValue::CaptureField { capture: id, .. } =
                field.value
            {
                assert!((id.0 as usize) < rule.captures.len());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn the_checker_is_total(source in random_file()) {
        match compile_str("random.sayso", &source) {
            Ok(program) => assert_consistent(&program),
            Err(diagnostics) => {
                prop_assert!(diagnostics.has_errors());
                assert_spans_valid(&diagnostics);
            }
        }
    }
}

/// Every prefix of every valid fixture that ends before white space or a bracket: truncation
/// exercises the error paths of each construct.
#[test]
fn every_prefix_of_the_valid_fixtures_is_handled() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "sayso") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let cuts = text
            .char_indices()
            .filter(|&(_, c)| c.is_whitespace() || "[](){}\"".contains(c))
            .map(|(n, _)| n);
        for end in cuts {
            match compile_str("prefix.sayso", &text[..end]) {
                Ok(program) => assert_consistent(&program),
                Err(diagnostics) => assert_spans_valid(&diagnostics),
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");
}
