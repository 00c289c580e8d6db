//! Property tests: every input, random or built from the pieces of news text, gives a document
//! whose tokens cover the text and whose segments and quotations are consistent.

use proptest::prelude::*;

use super::invariants;

/// Pieces of news text that exercise the scanner's special cases.
const PIECES: &[&str] = &[
    "word",
    "Biden",
    "O’Sullivan",
    "don't",
    "US-China",
    "12-month",
    "’90s",
    "'90s",
    "1,000",
    "3.5",
    "$",
    "1.13bn",
    "76%",
    "U.S.",
    "Mr.",
    "No.",
    "J.",
    "a.m.",
    "e.g.",
    "...",
    "…",
    ".",
    ",",
    "!",
    "?",
    "-",
    "—",
    "“",
    "”",
    "‘",
    "’",
    "\"",
    "'",
    "«",
    "»",
    "‹",
    "›",
    "„",
    "(",
    ")",
    " ",
    " ",
    " ",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    "\u{a0}",
    "https://a.b/c?d=e",
    "www.x.org",
    "a@b.co",
    "x@",
    "@",
    "é",
    "e\u{301}",
    "中文",
    "٣",
    "\u{200d}",
    "\u{feff}",
    "\0",
    "said.The",
];

/// Random concatenations of the pieces.
pub fn news_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..120).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_string_gives_a_consistent_document(text in any::<String>()) {
        invariants::check(&sayso_tokenize::tokenize(&text));
    }

    #[test]
    fn news_like_text_gives_a_consistent_document(text in news_like()) {
        invariants::check(&sayso_tokenize::tokenize(&text));
    }

    #[test]
    fn tokenizing_is_deterministic(text in news_like()) {
        let first = sayso_tokenize::tokenize(&text);
        let second = sayso_tokenize::tokenize(&text);
        prop_assert_eq!(first.tokens(), second.tokens());
        prop_assert_eq!(first.quotations(), second.quotations());
    }
}
