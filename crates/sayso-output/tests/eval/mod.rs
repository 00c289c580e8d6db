//! The scorer port against figures the reference scorer printed for the same files (the
//! gold and prediction files under the workspace's tests/eval/).

use std::path::Path;

use sayso_output::eval::{EvalConfig, read_gold, read_predictions, score};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/eval")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn agrees_with_the_reference_scorer() {
    let gold = read_gold("gold.jsonl", &fixture("gold.jsonl")).unwrap();
    let config = EvalConfig {
        show_errors: 20,
        ..EvalConfig::default()
    };
    let predictions = read_predictions(
        "predictions.jsonl",
        &fixture("predictions.jsonl"),
        &config.label,
    )
    .unwrap();
    let report = score(&gold, &predictions, &config).unwrap();
    // Printed by the reference scorer with --show-errors 20.
    let reference = "\
documents 5 (no prediction line for 1), gold attributions 9, predicted 10
quotes@0.3     P  88.9%  R  88.9%  F1  88.9%
quotes@0.8     P  77.8%  R  77.8%  F1  77.8%
who_said_what  P  66.7%  R  66.7%  F1  66.7%
speaker acc 62.5%   cue acc 71.4%   resolved acc 85.7%
[d1] wrong speaker: got '' for gold 'Jane Doe': 'It will take a year.'
[d2] spurious: spurious: 'The U.S.'
[d3] missed: 'Smith' 'said': 'No comment,'
[d5] wrong speaker: got 'The senator' for gold 'The senator': 'the river is “cleaner than in decades”.'
";
    assert_eq!(report.to_text(), reference);
    insta::assert_snapshot!(report.to_json());
}

#[test]
fn offsets_inside_a_character_are_refused() {
    let gold = read_gold(
        "gold.jsonl",
        r#"{"id": "a", "text": "“x”", "attributions": []}"#,
    )
    .unwrap();
    let predictions = read_predictions(
        "p",
        r#"{"id": "a", "matches": [{"label": "Attribution", "start": 1, "end": 4, "captures": {}}]}"#,
        "Attribution",
    )
    .unwrap();
    let error = score(&gold, &predictions, &EvalConfig::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "capture offsets 1..4 are not UTF-8 char boundaries"
    );
}

#[test]
fn malformed_lines_are_named() {
    let error = read_predictions("p.jsonl", "{}\n{oops\n", "Attribution").unwrap_err();
    assert!(
        error.to_string().starts_with("p.jsonl:2: not JSON:"),
        "{error}"
    );
}
