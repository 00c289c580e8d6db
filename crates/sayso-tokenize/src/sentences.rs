//! Sentences, found by rules inside each paragraph (a paragraph boundary always ends a
//! sentence).
//!
//! A sentence can end after `.`, `!`, `?`, an ellipsis or an abbreviation. The candidate end is
//! pushed past any further terminal marks, closing quotation marks and closing brackets
//! (`moment.”`, `leader. .`, `(Reuters).`), and then the next token decides:
//! - a word starting with a lower-case letter continues the sentence (`best. way`,
//!   `moment.” she said`), as does a comma, semicolon, colon or closing bracket, and a stray
//!   quotation mark followed by a lower-case word;
//! - after `.`, `!` or `?` anything else starts a new sentence, with or without a space
//!   (`said.The`);
//! - after an ellipsis only a capitalised word other than `I` starts a new sentence
//!   (`aligned… (with)` and `Well… I don’t know` do not);
//! - after an abbreviation (`U.S.`, `Inc.`, an initial) only a word from the sentence-starter
//!   list does (`in the U.S. The president` ends, `U.S. officials` and `George W. Bush` do
//!   not). This misses a few real ends (`a.m. Police said`) but never cuts a name in two.
//!
//! Punctuation left at the end of a paragraph with no word after it (`spiral.” “.`) stays in
//! the last sentence instead of forming one of its own.

use crate::document::{Flags, Segment, Token, TokenKind};
use crate::lexicon;
use crate::paragraphs::push_segment;

/// What kind of sentence end a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Terminal {
    Abbreviation,
    Ellipsis,
    Full,
}

/// Splits each paragraph into sentences and sets SENT_START and SENT_END. `candidates` holds,
/// in ascending order, the index of every token that can end a sentence (and maybe more), so
/// that the tokens in between are skipped.
pub(crate) fn sentences(
    text: &str,
    tokens: &mut [Token],
    paragraphs: &[Segment],
    candidates: &[usize],
) -> Vec<Segment> {
    let mut segments = Vec::with_capacity(tokens.len() / 20 + 1);
    let mut candidates = candidates;
    for paragraph in paragraphs {
        let range = paragraph.tokens.clone();
        // The nearest word at or after the last look-ahead, so that looking ahead stays linear.
        let mut next_word = range.start;
        let mut start = range.start;
        let mut index = range.start;
        while index < range.end {
            while let Some((&candidate, later)) = candidates.split_first()
                && candidate < index
            {
                candidates = later;
            }
            match candidates.first() {
                Some(&candidate) if candidate < range.end => index = candidate,
                _ => break,
            }
            let Some(mut strongest) = terminal(text, &tokens[index]) else {
                index += 1;
                continue;
            };
            let abbreviation = index;
            let mut last = index;
            while last + 1 < range.end {
                let next = &tokens[last + 1];
                // Further marks (`?!`, `. .`) extend the end; an abbreviation is a new word.
                if let Some(more) = terminal(text, next).filter(|_| next.kind == TokenKind::Punct) {
                    strongest = strongest.max(more);
                } else if !is_closing(text, next) {
                    break;
                }
                last += 1;
            }
            let next = last + 1;
            if next >= range.end {
                break;
            }
            if next_word < next {
                next_word = first_word(tokens, next, range.end);
            }
            if next_word >= range.end {
                break;
            }
            let ends_clause_after = strongest == Terminal::Abbreviation
                && ends_before_clause(tokens[abbreviation].span.text(text));
            if starts_sentence(text, tokens, next, range.end, strongest, ends_clause_after) {
                push_segment(
                    &mut segments,
                    tokens,
                    start..next,
                    Flags::SENT_START,
                    Flags::SENT_END,
                );
                start = next;
            }
            index = next;
        }
        push_segment(
            &mut segments,
            tokens,
            start..range.end,
            Flags::SENT_START,
            Flags::SENT_END,
        );
    }
    segments
}

fn terminal(text: &str, token: &Token) -> Option<Terminal> {
    if token.flags.contains(Flags::ABBREV) {
        return Some(Terminal::Abbreviation);
    }
    if token.kind != TokenKind::Punct {
        return None;
    }
    // Bytes rather than text: asked of every candidate, the answer needs no char boundaries.
    match text.as_bytes().get(token.span.start..token.span.end)? {
        b"." | b"!" | b"?" => Some(Terminal::Full),
        // The ellipsis character, `…`.
        b"\xE2\x80\xA6" => Some(Terminal::Ellipsis),
        dots if dots.len() > 1 && dots.iter().all(|&b| b == b'.') => Some(Terminal::Ellipsis),
        _ => None,
    }
}

/// Closing quotation marks and brackets that stay with the sentence they follow.
fn is_closing(text: &str, token: &Token) -> bool {
    if token.flags.contains(Flags::QUOTE_CLOSE) {
        return true;
    }
    match token.kind {
        TokenKind::QuoteMark => {
            !token.flags.contains(Flags::QUOTE_OPEN)
                && (!token.flags.contains(Flags::SPACE_BEFORE)
                    || matches!(token.span.text(text), "”" | "’" | "»" | "›"))
        }
        TokenKind::Punct => matches!(token.span.text(text), ")" | "]" | "}"),
        _ => false,
    }
}

/// The index of the first word, number, URL or address in tokens `from..end`, or `end`.
fn first_word(tokens: &[Token], from: usize, end: usize) -> usize {
    tokens[from..end]
        .iter()
        .position(|token| {
            matches!(
                token.kind,
                TokenKind::Word | TokenKind::Number | TokenKind::Url | TokenKind::Email
            )
        })
        .map_or(end, |offset| from + offset)
}

fn starts_lowercase(text: &str, token: &Token) -> bool {
    token
        .span
        .text(text)
        .chars()
        .next()
        .is_some_and(char::is_lowercase)
}

fn starts_uppercase(text: &str, token: &Token) -> bool {
    token
        .span
        .text(text)
        .chars()
        .next()
        .is_some_and(char::is_uppercase)
}

/// Whether the abbreviation `abbreviation` can end a sentence before a clause that opens with
/// a capitalised word: the lower-case dotted forms (`a.m.`, `p.m.`) and the suffixes of
/// company and personal names (`Inc.`, `Jr.`), which close a name rather than open one. Titles
/// (`Sen.`), initials (`W.`) and upper-case dotted forms (`U.S. Navy`) do not.
fn ends_before_clause(abbreviation: &str) -> bool {
    let letters = abbreviation.trim_end_matches('.');
    let dotted_lower =
        letters.contains('.') && letters.bytes().all(|b| b == b'.' || b.is_ascii_lowercase());
    dotted_lower || lexicon::is_name_suffix(letters)
}

/// Whether token `next` begins a new sentence after a terminal of kind `terminal`.
/// `ends_clause_after` says that the abbreviation before `next` can end a sentence before a
/// capitalised word followed by a finite verb (`at 4 a.m. Police said`).
fn starts_sentence(
    text: &str,
    tokens: &[Token],
    next: usize,
    end: usize,
    terminal: Terminal,
    ends_clause_after: bool,
) -> bool {
    let token = &tokens[next];
    let after = tokens.get(next + 1).filter(|_| next + 1 < end);
    // The first word of the next sentence, looking through an opening quotation mark.
    let (word, word_index) = if token.kind == TokenKind::QuoteMark {
        (after, next + 1)
    } else {
        (Some(token), next)
    };
    if word.is_some_and(|word| starts_lowercase(text, word)) {
        return false;
    }
    match terminal {
        Terminal::Full => match token.kind {
            TokenKind::Punct => !matches!(
                token.span.text(text),
                "," | ";" | ":" | ")" | "]" | "}" | "-" | "—" | "–"
            ),
            _ => true,
        },
        // "Well… I don’t know": the pronoun I after an ellipsis usually goes on.
        Terminal::Ellipsis => word.is_some_and(|word| {
            word.kind == TokenKind::Word
                && starts_uppercase(text, word)
                && word.span.text(text) != "I"
        }),
        Terminal::Abbreviation => word.is_some_and(|word| {
            word.kind == TokenKind::Word
                && (lexicon::is_sentence_starter(word.span.text(text))
                    || ends_clause_after
                        && word.flags.contains(Flags::TITLE)
                        && opens_clause(text, tokens, word_index, end))
        }),
    }
}

/// Whether the capitalised word at `index` is the subject of a clause: the next token is a
/// finite verb of the clause-verb list (`Police said`, `Officials are`), not another
/// capitalised word of a name (`Inc. Chief Executive`) or a noun (`p.m. Eastern time`).
fn opens_clause(text: &str, tokens: &[Token], index: usize, end: usize) -> bool {
    tokens
        .get(index + 1)
        .filter(|_| index + 1 < end)
        .is_some_and(|verb| {
            verb.kind == TokenKind::Word && lexicon::is_clause_verb(verb.span.text(text))
        })
}
