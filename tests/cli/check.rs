//! `sayso check`: clean rules, broken rules and the embedded pack.

use super::{RULES, sayso, transcript};

#[test]
fn clean_rules_pass() {
    let (code, out) = transcript(&mut sayso(&["check", RULES]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn errors_are_shown_like_rustc_and_exit_with_2() {
    let (code, out) = transcript(&mut sayso(&["check", "tests/rules/broken.sayso"]));
    assert_eq!(code, 2);
    assert!(out.contains("tests/rules/broken.sayso:6"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn the_embedded_pack_is_clean() {
    let (code, out) = transcript(&mut sayso(&["check"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_directory_is_checked_file_by_file() {
    let (code, out) = transcript(&mut sayso(&["check", "tests/rules"]));
    assert_eq!(code, 2, "broken.sayso is in the directory: {out}");
    assert!(out.contains("tests/rules/broken.sayso:6"), "{out}");
}
