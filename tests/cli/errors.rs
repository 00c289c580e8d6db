//! Bad input is reported clearly and loses nothing: the good documents are still printed, in
//! order, and the exit status says what happened.

use super::{RULES, sayso, transcript};

#[test]
fn invalid_utf8_names_the_file_and_the_byte() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "tests/inputs/one.txt",
        "tests/inputs/invalid-utf8.txt",
        "tests/inputs/two.txt",
    ]));
    assert_eq!(code, 1);
    assert!(
        out.contains("tests/inputs/invalid-utf8.txt: invalid UTF-8 at byte 27"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn lossy_replaces_invalid_utf8() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--lossy",
        "tests/inputs/invalid-utf8.txt",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn malformed_jsonl_lines_are_named_and_skipped() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--input",
        "jsonl",
        "tests/inputs/malformed.jsonl",
    ]));
    assert_eq!(code, 1);
    assert!(
        out.contains("tests/inputs/malformed.jsonl:2: malformed JSON line"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn an_unreadable_file_does_not_stop_the_others() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "tests/inputs/one.txt",
        "tests/inputs/missing.txt",
        "tests/inputs/two.txt",
    ]));
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn empty_inputs_are_warned_about() {
    let (code, file) = transcript(&mut sayso(&["run", "-r", RULES, "tests/inputs/empty.txt"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("empty_file", file);
    let (code, stdin) =
        transcript(sayso(&["run", "-r", RULES, "--input", "jsonl"]).write_stdin(""));
    assert_eq!(code, 0);
    insta::assert_snapshot!("empty_jsonl_stdin", stdin);
}

#[test]
fn a_directory_without_matching_files_is_an_input_error() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--glob",
        "*.csv",
        "tests/inputs/corpus",
    ]));
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn a_huge_document_goes_through() {
    let sentence = "“We will win,” Smith said. The weather was fine and nobody else spoke. ";
    let text = sentence.repeat(20_000);
    let output = sayso(&["run", "-r", RULES, "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["matches"].as_array().unwrap().len(), 20_000);
}

#[test]
fn errors_in_rules_exit_with_2() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        "tests/rules/broken.sayso",
        "tests/inputs/one.txt",
    ]));
    assert_eq!(code, 2);
    assert!(
        out.contains("--- stdout\n--- stderr"),
        "nothing on stdout: {out}"
    );
}

#[test]
fn a_missing_rules_path_exits_with_2() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        "tests/rules/nope.sayso",
        "tests/inputs/one.txt",
    ]));
    assert_eq!(code, 2);
    insta::assert_snapshot!(out);
}

#[test]
fn usage_errors_exit_with_2() {
    let (code, out) = transcript(&mut sayso(&["run", "--format", "yaml", "x.txt"]));
    assert_eq!(code, 2);
    insta::assert_snapshot!(out);
}

#[test]
fn quiet_silences_warnings_but_not_errors() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--quiet",
        "tests/inputs/empty.txt",
        "tests/inputs/missing.txt",
    ]));
    assert_eq!(code, 1);
    assert!(!out.contains("warning"), "{out}");
    assert!(
        out.contains("error: cannot read tests/inputs/missing.txt"),
        "{out}"
    );
}

#[test]
fn a_document_above_the_size_limit_fails_alone() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--max-document-size",
        "60",
        "tests/inputs/long.txt",
        "tests/inputs/two.txt",
    ]));
    assert_eq!(code, 1);
    assert!(
        out.contains("tests/inputs/long.txt: document larger than 60 bytes"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn a_jsonl_line_above_the_size_limit_is_skipped_whole() {
    let (code, out) = transcript(&mut sayso(&[
        "run",
        "-r",
        RULES,
        "--input",
        "jsonl",
        "--max-document-size",
        "60",
        "tests/inputs/docs.jsonl",
    ]));
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}
