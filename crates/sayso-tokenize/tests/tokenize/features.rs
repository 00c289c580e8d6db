//! The features of every token (normalised form, shape and case flags) against a plain
//! character-by-character statement of what they mean, so that the tokenizer's byte-level fast
//! paths (ASCII words, words with curly apostrophes, caseless symbols) cannot drift from it.

use proptest::prelude::*;
use sayso_tokenize::{Document, Flags, tokenize};

use super::properties::news_like;

const SEED: &str = include_str!("../../../../tests/articles/seed.txt");

/// The flags that describe a token's letters and digits.
const CASE_FLAGS: [Flags; 5] = [
    Flags::TITLE,
    Flags::UPPER,
    Flags::LOWER,
    Flags::DIGIT,
    Flags::ALPHA,
];

/// Runs of one shape character longer than this are cut.
const MAX_SHAPE_RUN: usize = 4;

/// Panics naming the first token whose features differ from the reference.
fn check(doc: &Document<'_>) {
    for (index, token) in doc.tokens().iter().enumerate() {
        let text = doc.token_text(index);
        assert_eq!(
            doc.norm(index),
            norm(text),
            "norm of token {index} {text:?}"
        );
        assert_eq!(
            doc.shape(index),
            shape(text),
            "shape of token {index} {text:?}"
        );
        for flag in CASE_FLAGS {
            assert_eq!(
                token.flags.contains(flag),
                case_flags(text).contains(flag),
                "case flag {flag:?} of token {index} {text:?}"
            );
        }
    }
}

/// Lower case, with the curly single quotes as `'`.
fn norm(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '’' | '‘' => "'".chars().collect::<Vec<_>>(),
            c => c.to_lowercase().collect(),
        })
        .collect()
}

fn is_general_punctuation(c: char) -> bool {
    ('\u{2000}'..='\u{206F}').contains(&c)
}

/// Combining marks (and the zero-width joiner) belong to the character before them.
fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{200D}')
}

/// The characters that count, with their position: a combining mark after the first
/// character adds nothing.
fn counted(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    text.chars()
        .enumerate()
        .filter(|&(position, c)| position == 0 || !is_combining(c))
}

/// X for upper case, x for other letters, d for digits, anything else as itself, with runs
/// longer than four cut to four.
fn shape(text: &str) -> String {
    let mut shape = String::new();
    let mut last = None;
    let mut run = 0;
    for (_, c) in counted(text) {
        let shape_char = if is_general_punctuation(c) {
            c
        } else if c.is_alphabetic() {
            if c.is_uppercase() { 'X' } else { 'x' }
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        run = if last == Some(shape_char) { run + 1 } else { 1 };
        last = Some(shape_char);
        if run <= MAX_SHAPE_RUN {
            shape.push(shape_char);
        }
    }
    shape
}

/// DIGIT with a digit; with letters, ALPHA, UPPER when all are upper case, LOWER when all are
/// lower case, and TITLE when the first is upper case, the second character is not, and the
/// letters are not all capitals (NATO, U.S.).
fn case_flags(text: &str) -> Flags {
    let letters: Vec<(usize, char)> = counted(text)
        .filter(|&(_, c)| !is_general_punctuation(c) && c.is_alphabetic())
        .collect();
    let digit = counted(text)
        .any(|(_, c)| !is_general_punctuation(c) && !c.is_alphabetic() && c.is_numeric());
    let mut flags = Flags::default();
    if digit {
        flags.insert(Flags::DIGIT);
    }
    if letters.is_empty() {
        return flags;
    }
    flags.insert(Flags::ALPHA);
    let all_upper = letters.iter().all(|&(_, c)| c.is_uppercase());
    if all_upper {
        flags.insert(Flags::UPPER);
    }
    if letters.iter().all(|&(_, c)| c.is_lowercase()) {
        flags.insert(Flags::LOWER);
    }
    let first_upper = letters[0].1.is_uppercase();
    let second_upper = letters
        .iter()
        .any(|&(position, c)| position == 1 && c.is_uppercase());
    if first_upper && !second_upper && !(all_upper && letters.len() > 1) {
        flags.insert(Flags::TITLE);
    }
    flags
}

#[test]
fn seed_token_features_match_the_reference() {
    check(&tokenize(SEED));
}

#[test]
fn features_of_the_fast_paths_match_the_reference() {
    let text = "Washington NATO iPHONE McDonald COVID19 2021 a I B52 1990s 3rd \
                Xi’s don’t O’NEILL ’90s ‘Tis Washington’s aaaaaa’aaaaa ’’’’’’ “We” — … £5 € \
                Mr. U.S. said.” win,” word—word Ünïcode e\u{301}te ǅemal ＡＢＣ";
    check(&tokenize(text));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn features_of_any_string_match_the_reference(text in any::<String>()) {
        check(&tokenize(&text));
    }

    #[test]
    fn features_of_news_like_text_match_the_reference(text in news_like()) {
        check(&tokenize(&text));
    }
}
