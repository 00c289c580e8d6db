//! Inputs at the edges: nothing, only white space, binary-looking bytes, a line of several
//! megabytes, and inputs built to make a careless scanner quadratic.

use sayso_tokenize::tokenize;

use super::invariants;

#[test]
fn empty_text_has_nothing() {
    let doc = tokenize("");
    invariants::check(&doc);
    assert!(doc.tokens().is_empty() && doc.sentences().is_empty() && doc.paragraphs().is_empty());
}

#[test]
fn white_space_only_has_no_tokens() {
    let doc = tokenize(" \t\n\r\n\u{a0}\u{2029}\u{3000}  \n\n");
    invariants::check(&doc);
    assert!(doc.tokens().is_empty() && doc.paragraphs().is_empty());
}

#[test]
fn binary_looking_text_is_covered() {
    let text: String = (0u8..=127)
        .map(char::from)
        .chain("\u{feff}\u{fffd}\u{200d}\u{301}“‘’”«»".chars())
        .collect();
    let doc = tokenize(&text);
    invariants::check(&doc);
    assert!(doc.tokens().len() > 50);
}

#[test]
fn a_line_of_several_megabytes_is_tokenized() {
    let sentence = "He said “the U.S. economy grew 3.5% in 2021,” and left… ";
    let text = sentence.repeat(3 * 1024 * 1024 / sentence.len());
    let doc = tokenize(&text);
    invariants::check(&doc);
    assert_eq!(doc.paragraphs().len(), 1);
    assert_eq!(doc.quotations().len(), text.matches('“').count());
}

#[test]
fn long_runs_that_invite_quadratic_work_finish() {
    let cases = [
        "abc.".repeat(200_000),
        "a.".repeat(200_000),
        ", !".repeat(200_000),
        "“".repeat(100_000),
        "\"a ".repeat(100_000),
        "' '".repeat(100_000),
        format!("http://x{}", ")".repeat(200_000)),
        "No. ".repeat(100_000),
        ". ".repeat(200_000),
        "x@".repeat(100_000),
    ];
    for text in &cases {
        let doc = tokenize(text);
        invariants::check(&doc);
    }
}

#[test]
fn paragraphs_fall_back_to_single_newlines() {
    let blank = tokenize("One.\nStill one.\n\nTwo.");
    assert_eq!(blank.paragraphs().len(), 2);
    let single = tokenize("One.\nTwo.\r\nThree.");
    assert_eq!(single.paragraphs().len(), 3);
}
