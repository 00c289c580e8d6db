//! `sayso bench`: throughput figures and the per-rule table (timings vary, so only the shape
//! and the counts are checked).

use super::{RULES, sayso, transcript};

#[test]
fn reports_throughput_and_rules() {
    let (code, out) = transcript(&mut sayso(&[
        "bench",
        "-r",
        RULES,
        "--repeat",
        "2",
        "tests/inputs/one.txt",
        "tests/inputs/corpus",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 documents"), "{out}");
    assert!(out.contains("MB/s") && out.contains("documents/s"), "{out}");
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("rule "))
        .collect();
    assert!(table.len() >= 3, "a header and a row per rule: {out}");
    assert!(table.iter().any(|l| l.starts_with("quote_said ")), "{out}");
}

#[test]
fn an_empty_document_is_still_benchmarked() {
    let (code, out) = transcript(&mut sayso(&[
        "bench",
        "-r",
        RULES,
        "tests/inputs/empty.txt",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 document, 0.00 MB"), "{out}");
}

#[test]
fn a_corpus_without_documents_fails() {
    let (code, out) = transcript(&mut sayso(&[
        "bench",
        "-r",
        RULES,
        "--glob",
        "*.csv",
        "tests/inputs/corpus",
    ]));
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}
