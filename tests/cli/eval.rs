//! `sayso eval` prints what the reference scorer prints for the same files.

use super::{RULES, sayso, transcript};

const GOLD: &str = "tests/eval/gold.jsonl";
const PREDICTIONS: &str = "tests/eval/predictions.jsonl";

#[test]
fn agrees_with_the_reference_scorer() {
    let (code, out) = transcript(&mut sayso(&[
        "eval",
        GOLD,
        PREDICTIONS,
        "--show-errors",
        "5",
    ]));
    assert_eq!(code, 0);
    // Printed by the reference scorer on the same files with --show-errors 20.
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
    assert_eq!(out, format!("exit: 0\n--- stdout\n{reference}--- stderr\n"));
}

#[test]
fn json_figures() {
    let (code, out) = transcript(&mut sayso(&["eval", "--json", GOLD, PREDICTIONS]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn without_predictions_the_rules_run_on_the_gold_texts() {
    let (code, out) = transcript(&mut sayso(&[
        "eval",
        "-r",
        RULES,
        GOLD,
        "--show-errors",
        "3",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn a_missing_gold_file_is_a_usage_error() {
    let (code, out) = transcript(&mut sayso(&["eval", "tests/eval/none.jsonl", PREDICTIONS]));
    assert_eq!(code, 2);
    insta::assert_snapshot!(out);
}
