//! `sayso test`: inline examples, passing and failing.

use super::{RULES, sayso, transcript};

#[test]
fn passing_examples() {
    let (code, out) = transcript(&mut sayso(&["test", RULES]));
    assert_eq!(code, 0);
    assert!(out.contains("\n6 passed, 0 failed\n"), "{out}");
}

#[test]
fn failures_show_expected_and_got() {
    let (code, out) = transcript(&mut sayso(&["test", "tests/rules/failing.sayso"]));
    assert_eq!(code, 1);
    assert!(out.contains("\n1 passed, 2 failed\n"), "{out}");
    insta::assert_snapshot!(out);
}

/// The pack's own examples are its authors' business; here only the summary line and the exit
/// status that goes with it are checked.
#[test]
fn the_embedded_pack_is_tested_without_other_files() {
    let (code, out) = transcript(&mut sayso(&["test"]));
    let summary = out
        .lines()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary line: {out}"));
    let failed: usize = summary.split(' ').nth(2).unwrap().parse().unwrap();
    assert_eq!(code, if failed == 0 { 0 } else { 1 }, "{out}");
    assert!(summary.split(' ').next().unwrap().parse::<usize>().unwrap() > 0);
}
