//! `sayso explain`: a match, a non-match and an unknown rule.

use super::{RULES, sayso, transcript};

#[test]
fn a_match_with_its_fields() {
    let (code, out) = transcript(&mut sayso(&[
        "explain",
        "-r",
        RULES,
        "--rule",
        "quote_said",
        "“We will win,” Smith said.",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn a_text_the_rule_does_not_match() {
    let (code, out) = transcript(&mut sayso(&[
        "explain",
        "-r",
        RULES,
        "--rule",
        "quote_said",
        "The film “Big” said little.",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn a_file_as_input() {
    let (code, out) = transcript(&mut sayso(&[
        "explain",
        "-r",
        RULES,
        "--rule",
        "name_said_quote",
        "tests/inputs/one.txt",
    ]));
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn an_unknown_rule_gets_a_suggestion() {
    let (code, out) = transcript(&mut sayso(&[
        "explain",
        "-r",
        RULES,
        "--rule",
        "quote_sad",
        "text",
    ]));
    assert_eq!(code, 2);
    insta::assert_snapshot!(out);
}

#[test]
fn a_match_that_lost_to_a_higher_priority() {
    let (code, out) = transcript(&mut sayso(&[
        "explain",
        "-r",
        RULES,
        "--rule",
        "name_said_quote",
        "Smith said “yes” Jones said.",
    ]));
    assert_eq!(code, 0);
    assert!(out.contains("lost to quote_said"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_match_dropped_by_a_required_link() {
    let (code, out) = transcript(&mut sayso(&[
        "explain",
        "-r",
        "tests/rules/continuation.sayso",
        "--rule",
        "said",
        "She said no. Mary said yes.",
    ]));
    assert_eq!(code, 0);
    assert!(out.contains("dropped because a required link"), "{out}");
    insta::assert_snapshot!(out);
}
