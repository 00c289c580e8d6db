//! The seed article: its sentences and quotations are snapshotted, and its quotation marks are
//! checked one by one (30 real marks in 15 quotes, and one stray `“` in `spiral.” “.`).

use sayso_tokenize::{Flags, TokenKind, tokenize};

use super::invariants;

const SEED: &str = include_str!("../../../../tests/articles/seed.txt");

#[test]
fn seed_sentences_and_quotations_match_the_snapshot() {
    let doc = tokenize(SEED);
    invariants::check(&doc);
    let mut out = String::from("sentences:\n");
    for (index, sentence) in doc.sentences().iter().enumerate() {
        out.push_str(&format!("{index:>3}: {}\n", sentence.span.text(SEED)));
    }
    out.push_str("quotations:\n");
    for (index, quotation) in doc.quotations().iter().enumerate() {
        out.push_str(&format!("{index:>3}: {}\n", quotation.span.text(SEED)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn every_real_quote_is_one_quotation_and_the_stray_mark_is_ignored() {
    let doc = tokenize(SEED);
    let marks: Vec<usize> = (0..doc.tokens().len())
        .filter(|&index| doc.tokens()[index].kind == TokenKind::QuoteMark)
        .collect();
    assert_eq!(marks.len(), 31, "the seed has 31 quotation marks");
    let stray_start = SEED.find("spiral.” “.").unwrap() + "spiral.” ".len();
    let quotations = doc.quotations();
    assert_eq!(quotations.len(), 15);
    for quotation in quotations {
        assert!(quotation.closed && quotation.depth == 0 && quotation.paragraphs == 1);
        let quoted = quotation.span.text(SEED);
        assert!(quoted.starts_with('“') && quoted.ends_with('”'), "{quoted}");
        assert_eq!(quoted.matches(['“', '”']).count(), 2, "{quoted}");
    }
    for &mark in &marks {
        let token = &doc.tokens()[mark];
        let paired =
            token.flags.contains(Flags::QUOTE_OPEN) || token.flags.contains(Flags::QUOTE_CLOSE);
        assert_eq!(
            paired,
            token.span.start != stray_start,
            "mark at byte {}",
            token.span.start
        );
    }
}
