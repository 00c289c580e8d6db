//! Splits text into tokens in one left-to-right pass over its bytes. ASCII bytes are classified
//! with a table, and the letters and digits of a word eight at a time; only non-ASCII bytes pay
//! for UTF-8 decoding. The common word (ASCII letters and digits ended by a space, a comma or
//! the like) takes a fast path with its features computed on the way. The scanner also records
//! where line breaks fall, and which tokens are quotation marks or may end a sentence, so that
//! the later passes need not visit every token.
//!
//! Decisions that need a little context are made here, with a bounded look-ahead:
//! - Words keep internal apostrophes and hyphens (don’t, O’Sullivan, US-China, 12-month) and a
//!   possessive stays one token (Xi’s, the world’s; the players’ when no single quotation is
//!   open, since then the mark cannot be a closing quote).
//! - Numbers keep internal `,` `.` `:` `/` between digits (1,000, 3.5, 10:30, 24/7) and hyphens
//!   (2021-10-22). A number with a magnitude or ordinal suffix (1.13bn, 5m, 3rd, 1990s) is still
//!   a Number; any other mix of digits and letters (12-month, 5G, COVID-19) is a Word. Currency
//!   and percent signs are separate Symbol tokens: `$1.13bn` is `$` + `1.13bn`, `76%` is
//!   `76` + `%`.
//! - Abbreviations keep their period (flag ABBREV): entries of the abbreviation list, dotted
//!   forms (U.S., a.m., e.g.) and initials (the `W.` of George W. Bush).
//! - URLs and e-mail addresses are one token each; `...` and `…` are one punctuation token.
//! - Two straight apostrophes or two backticks are one quotation mark (''…'' and ``…'' of
//!   archive copy); a lone `'` is left to the apostrophe and single-quote logic.

use crate::document::{Flags, Span, TokenKind};
use crate::features::{self, AsciiCase, TokenSink};
use crate::lexicon::{self, AbbreviationRule};

/// A line break before a token: the token index and how many line breaks (capped at two; two
/// means a blank line or a paragraph separator).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LineBreak {
    pub(crate) token: usize,
    pub(crate) count: u8,
}

/// The output of the scanner.
pub(crate) struct Scanned {
    pub(crate) sink: TokenSink,
    pub(crate) line_breaks: Vec<LineBreak>,
    /// The indices of the quotation marks, so that pairing them visits nothing else.
    pub(crate) quote_marks: Vec<usize>,
    /// The indices of every token that may end a sentence (periods, `!`, `?`, ellipses and
    /// abbreviations, and a few more), so that sentence splitting visits nothing else.
    pub(crate) sentence_end_candidates: Vec<usize>,
}

/// Byte classes of the ASCII table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    LineFeed,
    CarriageReturn,
    Lower,
    Upper,
    Digit,
    Period,
    Hyphen,
    DoubleQuote,
    SingleQuote,
    Punct,
    Symbol,
    NonAscii,
}

const fn class_of(byte: u8) -> Class {
    match byte {
        b' ' | b'\t' | 0x0B | 0x0C => Class::Space,
        b'\n' => Class::LineFeed,
        b'\r' => Class::CarriageReturn,
        b'a'..=b'z' => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        b'0'..=b'9' => Class::Digit,
        b'.' => Class::Period,
        b'-' => Class::Hyphen,
        b'"' => Class::DoubleQuote,
        b'\'' => Class::SingleQuote,
        b'!' | b'(' | b')' | b',' | b'/' | b':' | b';' | b'?' | b'[' | b'\\' | b']' | b'{'
        | b'}' => Class::Punct,
        0x80..=0xFF => Class::NonAscii,
        _ => Class::Symbol,
    }
}

static CLASSES: [Class; 256] = {
    let mut table = [Class::Symbol; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = class_of(byte as u8);
        byte += 1;
    }
    table
};

fn class(byte: u8) -> Class {
    CLASSES[usize::from(byte)]
}

/// Letters and digits of ASCII: 1 upper case, 2 lower case, 4 digit, 0 anything else.
static ASCII_ALNUM_BITS: [u8; 256] = features::ascii_class_table(0, 0);

/// ASCII bytes that end a word of ASCII letters and digits without any further question (see
/// [`Scanner::ends_plain_word`]).
static PLAIN_WORD_ENDS: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = !matches!(byte as u8,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9'
            | b'.' | b'@' | b'_' | b'+' | b'-' | b'%' | b'\'' | b':' | b'/' | b',');
        byte += 1;
    }
    table
};

/// The high bit of every byte.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// `byte` in every byte of a word.
const fn splat(byte: u8) -> u64 {
    u64::from_le_bytes([byte; 8])
}

/// The high bit of each byte of `chunk` in `low..=high` (both below 128), and garbage in the
/// other bits. Each byte is tested with two additions, which set its high bit once it reaches
/// `low` and once it passes `high`; they carry across bytes only out of a byte of 128 or more,
/// into the bytes after it, which the caller, for whom such a byte ends a word, never uses.
fn in_range(chunk: u64, low: u8, high: u8) -> u64 {
    let at_least_low = chunk.wrapping_add(splat(0x80 - low));
    let above_high = chunk.wrapping_add(splat(0x7F - high));
    at_least_low & !above_high
}

/// Where the ASCII letters and digits from `pos` on end, and which kinds occur among them
/// (1 upper case, 2 lower case, 4 digit). Eight bytes are classified at once, so that the end
/// of a word is found without a branch per byte, whose outcome the processor cannot predict.
#[inline]
fn ascii_alnum_run(bytes: &[u8], start: usize) -> (usize, u8) {
    let (mut upper, mut lower, mut digit) = (0u64, 0u64, 0u64);
    let mut pos = start;
    while let Some(chunk) = bytes
        .get(pos..pos + 8)
        .and_then(|chunk| <[u8; 8]>::try_from(chunk).ok())
    {
        let chunk = u64::from_le_bytes(chunk);
        // Setting bit 5 folds upper case onto lower case.
        let letters = in_range(chunk | splat(0x20), b'a', b'z');
        let digits = in_range(chunk, b'0', b'9');
        // A non-ASCII byte has its high bit set, and is neither: it stops the word, and the
        // garbage from it on is cut below.
        let alnum = (letters | digits) & !chunk & HIGH_BITS;
        let stop = alnum ^ HIGH_BITS;
        // All the bits below the first byte that is not a letter or digit (all, if none is).
        let keep = (stop & stop.wrapping_neg()).wrapping_sub(1);
        let word = alnum & keep;
        // Among letters and digits, bit 6 is set in letters only, and bit 5 in lower case.
        let word_letters = word & (chunk << 1);
        let word_lower = word_letters & (chunk << 2);
        digit |= word ^ word_letters;
        lower |= word_lower;
        upper |= word_letters ^ word_lower;
        if stop != 0 {
            pos += stop.trailing_zeros() as usize / 8;
            return (pos, kind_bits(upper, lower, digit));
        }
        pos += 8;
    }
    // Fewer than eight bytes are left.
    let mut bits = kind_bits(upper, lower, digit);
    while let Some(&byte) = bytes.get(pos) {
        let byte_bits = ASCII_ALNUM_BITS[usize::from(byte)];
        if byte_bits == 0 {
            break;
        }
        bits |= byte_bits;
        pos += 1;
    }
    (pos, bits)
}

fn kind_bits(upper: u64, lower: u64, digit: u64) -> u8 {
    u8::from(upper != 0) | u8::from(lower != 0) << 1 | u8::from(digit != 0) << 2
}

fn is_ascii_alnum_class(class: Class) -> bool {
    matches!(class, Class::Lower | Class::Upper | Class::Digit)
}

/// Whether `c` is a letter or digit. General punctuation (’ “ ” – … and the like), by far the
/// most common non-ASCII in news text, is answered without the Unicode tables.
pub(crate) fn is_alnum(c: char) -> bool {
    !is_general_punctuation(c) && c.is_alphanumeric()
}

/// The General Punctuation block, which holds no letters or digits.
pub(crate) fn is_general_punctuation(c: char) -> bool {
    ('\u{2000}'..='\u{206F}').contains(&c)
}

/// Combining marks continue a word (decomposed accents, for instance).
pub(crate) fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{200D}')
}

/// Non-ASCII quotation marks.
fn is_quote_char(c: char) -> bool {
    matches!(
        c,
        '“' | '”' | '„' | '‟' | '‘' | '’' | '‚' | '‛' | '«' | '»' | '‹' | '›'
    )
}

/// Non-ASCII punctuation (as opposed to symbols): dashes, ellipsis, general punctuation, CJK
/// punctuation and the Spanish and Latin-1 marks.
fn is_unicode_punct(c: char) -> bool {
    matches!(c,
        '\u{2010}'..='\u{2027}'
        | '\u{2030}'..='\u{205E}'
        | '\u{3001}'..='\u{3003}'
        | '\u{3008}'..='\u{3011}'
        | '\u{FF01}' | '\u{FF0C}' | '\u{FF0E}' | '\u{FF1A}' | '\u{FF1B}' | '\u{FF1F}'
        | '¡' | '¿' | '§' | '¶' | '·')
}

/// Magnitude and ordinal suffixes that keep a number a Number (1.13bn, 3rd, 1990s).
fn is_number_suffix(suffix: &str) -> bool {
    matches!(
        suffix,
        "k" | "m" | "bn" | "b" | "tn" | "mn" | "st" | "nd" | "rd" | "th" | "s" | "pc"
    )
}

/// Top-level domains that join a word and a period into one token (Amazon.com).
fn is_domain_suffix(suffix: &[u8]) -> bool {
    matches!(suffix, b"com" | b"org" | b"net" | b"gov" | b"edu" | b"io")
}

/// Whether `bytes` holds an `@`. Blocks are tested without an early exit inside them, which
/// the compiler turns into vector instructions, several times faster than a byte search.
fn contains_at_sign(bytes: &[u8]) -> bool {
    bytes.chunks(64).any(|block| {
        block
            .iter()
            .fold(false, |found, &byte| found | (byte == b'@'))
    })
}

/// Tokenizes `text` into tokens with their features and the line breaks between them.
pub(crate) fn scan(text: &str) -> Scanned {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        sink: TokenSink::for_text(text),
        // Room for what news text needs (a line break per paragraph, a sentence end per 100
        // bytes or so), so that the lists rarely grow.
        line_breaks: Vec::with_capacity(text.len() / 256 + 4),
        quote_marks: Vec::with_capacity(text.len() / 128 + 4),
        sentence_end_candidates: Vec::with_capacity(text.len() / 64 + 4),
        spacing: Flags::SPACE_BEFORE,
        newlines_before: 0,
        single_quote_open: false,
        // Without an `@` anywhere, no e-mail address needs looking for.
        no_email_before: if contains_at_sign(text.as_bytes()) {
            0
        } else {
            usize::MAX
        },
        closer_search: CloserSearch::default(),
    };
    scanner.run();
    Scanned {
        sink: scanner.sink,
        line_breaks: scanner.line_breaks,
        quote_marks: scanner.quote_marks,
        sentence_end_candidates: scanner.sentence_end_candidates,
    }
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    sink: TokenSink,
    line_breaks: Vec<LineBreak>,
    quote_marks: Vec<usize>,
    sentence_end_candidates: Vec<usize>,
    /// The spacing flags of the next token: SPACE_BEFORE when white space (or the start of
    /// the text) comes before it, NEWLINE_BEFORE when a line break does; one field, so that
    /// taking them is one load and one test.
    spacing: Flags,
    /// Line breaks in the white space before the next token.
    newlines_before: u8,
    /// A single quotation mark that looks like an opening one was seen on this line and not yet
    /// closed: a `’` right after a word is then a closing mark, not an apostrophe.
    single_quote_open: bool,
    /// No e-mail address starts before this byte (see [`Scanner::email`]).
    no_email_before: usize,
    /// The last answer of [`Scanner::later_closer_on_line`].
    closer_search: CloserSearch,
}

/// A cached search for a closing single quotation mark: searching from `from` stopped at
/// `stop`, on a mark if `found`, else at a line end.
#[derive(Default)]
struct CloserSearch {
    from: usize,
    stop: usize,
    found: bool,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let mut pos = 0;
        while let Some(&byte) = self.bytes.get(pos) {
            // Spaces and words are most of the text: conditional branches on them are better
            // predicted than the jump table of the full match.
            if byte == b' ' {
                self.spacing.insert(Flags::SPACE_BEFORE);
                pos += 1;
                continue;
            }
            let bits = ASCII_ALNUM_BITS[usize::from(byte)];
            if bits != 0 {
                pos = self.ascii_word(pos, bits);
                continue;
            }
            pos = match class(byte) {
                Class::Space => {
                    self.spacing.insert(Flags::SPACE_BEFORE);
                    pos + 1
                }
                Class::LineFeed => {
                    self.line_break(1);
                    pos + 1
                }
                Class::CarriageReturn => {
                    if self.bytes.get(pos + 1) != Some(&b'\n') {
                        self.line_break(1);
                    }
                    self.spacing.insert(Flags::SPACE_BEFORE);
                    pos + 1
                }
                // Taken before the match; kept for a match over every class.
                Class::Lower | Class::Upper | Class::Digit => {
                    self.ascii_word(pos, ASCII_ALNUM_BITS[usize::from(byte)])
                }
                Class::Period => {
                    let end = self.run_of(pos, b'.');
                    if end == pos + 1 {
                        self.emit_ascii_mark(pos, TokenKind::Punct);
                    } else {
                        self.emit(pos, end, TokenKind::Punct, Flags::default());
                    }
                    end
                }
                Class::Hyphen => {
                    let end = self.run_of(pos, b'-');
                    if end == pos + 1 {
                        self.emit_ascii_mark(pos, TokenKind::Punct);
                    } else {
                        self.emit(pos, end, TokenKind::Punct, Flags::default());
                    }
                    end
                }
                Class::DoubleQuote => {
                    self.emit_ascii_mark(pos, TokenKind::QuoteMark);
                    pos + 1
                }
                Class::SingleQuote if self.bytes.get(pos + 1) == Some(&b'\'') => {
                    self.apostrophe_run(pos)
                }
                Class::SingleQuote => self.apostrophe(pos, 1),
                Class::Symbol if self.bytes[pos..].starts_with(b"``") => {
                    self.emit(pos, pos + 2, TokenKind::QuoteMark, Flags::default());
                    pos + 2
                }
                Class::Punct => {
                    self.emit_ascii_mark(pos, TokenKind::Punct);
                    pos + 1
                }
                Class::Symbol => {
                    self.emit_ascii_mark(pos, TokenKind::Symbol);
                    pos + 1
                }
                Class::NonAscii => self.non_ascii(pos),
            };
        }
    }

    fn line_break(&mut self, count: u8) {
        self.spacing
            .insert(Flags::SPACE_BEFORE | Flags::NEWLINE_BEFORE);
        self.newlines_before = self.newlines_before.saturating_add(count);
        self.single_quote_open = false;
    }

    /// The char starting at byte `pos`, if `pos` is a char boundary inside the text.
    fn char_at(&self, pos: usize) -> Option<char> {
        self.text.get(pos..).and_then(|rest| rest.chars().next())
    }

    /// The byte length of a letter, digit or combining mark at `pos`, if there is one.
    fn word_char_len(&self, pos: usize) -> Option<usize> {
        let byte = *self.bytes.get(pos)?;
        if byte < 0x80 {
            return is_ascii_alnum_class(class(byte)).then_some(1);
        }
        let c = self.char_at(pos)?;
        (is_alnum(c) || is_combining(c)).then(|| c.len_utf8())
    }

    fn is_digit_at(&self, pos: usize) -> bool {
        self.bytes.get(pos).is_some_and(u8::is_ascii_digit)
    }

    fn run_of(&self, pos: usize, byte: u8) -> usize {
        let mut end = pos;
        while self.bytes.get(end) == Some(&byte) {
            end += 1;
        }
        end
    }

    fn emit(&mut self, start: usize, end: usize, kind: TokenKind, flags: Flags) {
        self.note_candidate(start, kind, flags);
        let flags = flags | self.take_spacing();
        self.sink
            .push(self.text, Span::new(start, end), kind, flags);
    }

    /// Emits the one-byte token at `pos`, an ASCII byte that is neither a letter nor a digit
    /// (`,` `.` `"` `$` ...), whose features need no look at its text.
    fn emit_ascii_mark(&mut self, pos: usize, kind: TokenKind) {
        self.note_candidate(pos, kind, Flags::default());
        let flags = self.take_spacing();
        let byte = self.bytes.get(pos).copied().unwrap_or(b' ');
        self.sink.push_ascii_mark(pos, byte, kind, flags);
    }

    /// Records the token about to be pushed, starting at `start`, if it is a quotation mark or
    /// may end a sentence.
    fn note_candidate(&mut self, start: usize, kind: TokenKind, flags: Flags) {
        let index = self.sink.tokens.len();
        match kind {
            TokenKind::QuoteMark => self.quote_marks.push(index),
            // A superset of the sentence ends: every punctuation token starting like `.`, `!`,
            // `?` or `…`, and every abbreviation.
            TokenKind::Punct
                if matches!(self.bytes.get(start), Some(b'.' | b'!' | b'?' | 0xE2)) =>
            {
                self.sentence_end_candidates.push(index)
            }
            _ if flags.contains(Flags::ABBREV) => self.sentence_end_candidates.push(index),
            _ => {}
        }
    }

    /// The spacing flags of the token about to be pushed; records its line break, if any.
    fn take_spacing(&mut self) -> Flags {
        let flags = self.spacing;
        if flags.contains(Flags::NEWLINE_BEFORE) {
            self.line_breaks.push(LineBreak {
                token: self.sink.tokens.len(),
                count: self.newlines_before.min(2),
            });
            self.newlines_before = 0;
        }
        self.spacing = Flags::default();
        flags
    }

    /// A word starting with the ASCII letter or digit at `start`, whose case bits are
    /// `first_bits` (1 upper case, 2 lower case, 4 digit). When its ASCII letters and digits end
    /// at a character which can neither extend it nor make it something else (white space, a
    /// comma, a bracket, ...), as for most tokens, it skips the checks of [`Scanner::word`],
    /// which handles every other case.
    fn ascii_word(&mut self, start: usize, first_bits: u8) -> usize {
        let (end, rest_bits) = ascii_alnum_run(self.bytes, start + 1);
        // Digits followed by letters need the number-suffix test (1990s, 3rd, 5G).
        let digits_then_letters = first_bits == 4 && rest_bits & 3 != 0;
        if digits_then_letters || !self.ends_plain_word(end) {
            let prefix = AsciiPrefix {
                end,
                first_bits,
                rest_bits,
            };
            return self.word(start, prefix);
        }
        let case = AsciiCase {
            first_bits,
            rest_bits,
            // An upper-case second byte is a letter, so it is part of the word and among the
            // upper case of `rest_bits`: most words have none, and skip the look.
            second_upper: rest_bits & 1 != 0
                && self
                    .bytes
                    .get(start + 1)
                    .is_some_and(u8::is_ascii_uppercase),
        };
        let kind = if first_bits == 4 {
            TokenKind::Number
        } else {
            TokenKind::Word
        };
        let flags = self.take_spacing();
        self.sink
            .push_ascii_word(self.text, Span::new(start, end), kind, flags, case);
        // A word is most often followed by a space: taking it here spares a turn of the main
        // loop, which would do the same.
        if self.bytes.get(end) == Some(&b' ') {
            self.spacing.insert(Flags::SPACE_BEFORE);
            return end + 1;
        }
        end
    }

    /// Whether the character at `end`, right after a run of ASCII letters and digits, ends the
    /// word as it is: not a joiner (`-`, `'`, `’`, and `,` between digits), not a period
    /// (abbreviations, domains), no sign of an e-mail address or URL, and not a letter.
    fn ends_plain_word(&self, end: usize) -> bool {
        let Some(&byte) = self.bytes.get(end) else {
            return true;
        };
        // Most words end at a space or the like, which the table answers alone.
        if PLAIN_WORD_ENDS[usize::from(byte)] {
            return true;
        }
        match byte {
            b',' => !(self.bytes[end - 1].is_ascii_digit() && self.is_digit_at(end + 1)),
            // U+2000 to U+203F, General Punctuation (“ ” — …), is neither a letter nor a digit;
            // only the hyphens, the single quotation marks and the zero-width joiner join.
            0xE2 => {
                self.bytes.get(end + 1) == Some(&0x80)
                    && self
                        .bytes
                        .get(end + 2)
                        .is_some_and(|&last| !matches!(last, 0x8D | 0x90 | 0x91 | 0x98 | 0x99))
            }
            _ => false,
        }
    }

    fn non_ascii(&mut self, pos: usize) -> usize {
        let Some(c) = self.char_at(pos) else {
            // Not reachable for a &str, but stay total: consume one byte as a symbol.
            return pos + 1;
        };
        let end = pos + c.len_utf8();
        if c.is_whitespace() {
            match c {
                '\u{2029}' => self.line_break(2),
                '\u{2028}' | '\u{85}' => self.line_break(1),
                _ => self.spacing.insert(Flags::SPACE_BEFORE),
            }
            return end;
        }
        if is_alnum(c) {
            let prefix = AsciiPrefix {
                end: pos,
                first_bits: 0,
                rest_bits: 0,
            };
            return self.word(pos, prefix);
        }
        match c {
            '’' | '‘' => self.apostrophe(pos, end - pos),
            c if is_quote_char(c) => {
                if matches!(c, '‚' | '‛') {
                    self.single_quote_open = true;
                }
                self.emit(pos, end, TokenKind::QuoteMark, Flags::default());
                end
            }
            c if is_unicode_punct(c) => {
                self.emit(pos, end, TokenKind::Punct, Flags::default());
                end
            }
            _ => {
                self.emit(pos, end, TokenKind::Symbol, Flags::default());
                end
            }
        }
    }

    /// A `'`, `’` or `‘` that does not follow a word: the leading apostrophe of a decade (’90s)
    /// or a quotation mark.
    fn apostrophe(&mut self, pos: usize, mark_len: usize) -> usize {
        let digits_start = pos + mark_len;
        let digits_end = self.run_while(digits_start, |b| b.is_ascii_digit());
        if digits_end - digits_start == 2 {
            let end = if self.bytes.get(digits_end) == Some(&b's') {
                digits_end + 1
            } else {
                digits_end
            };
            if self.word_char_len(end).is_none() {
                self.emit(pos, end, TokenKind::Word, Flags::default());
                return end;
            }
        }
        // The 'n' of rock 'n' roll, and words clipped at the front ('em, 'til), with straight
        // or curly marks; only lower case, so that a quote starting 'Cause ... stays a quote.
        let is_curly = self.bytes[pos..].starts_with("’".as_bytes());
        if mark_len == 1 || is_curly {
            let rest = &self.bytes[pos + mark_len..];
            for clipped in ["n'", "n’", "em", "til", "cause", "tis", "twas"] {
                let after = pos + mark_len + clipped.len();
                if rest.starts_with(clipped.as_bytes()) && self.word_char_len(after).is_none() {
                    self.emit(pos, after, TokenKind::Word, Flags::default());
                    return after;
                }
            }
        }
        let end = pos + mark_len;
        let next_is_space = self.char_at(end).is_none_or(char::is_whitespace);
        self.single_quote_open = if self.bytes[pos..].starts_with("‘".as_bytes()) {
            !next_is_space
        } else {
            self.spacing.contains(Flags::SPACE_BEFORE) && self.word_char_len(end).is_some()
        };
        self.emit(pos, end, TokenKind::QuoteMark, Flags::default());
        end
    }

    /// Two or more straight apostrophes in a row: the double quotation marks of archive copy
    /// (''Like this,'' he said), one QuoteMark per pair. An odd one out is a single mark on the
    /// inner side: after the pairs when opening (''It was 'fine,''' he said), before them when
    /// closing.
    fn apostrophe_run(&mut self, pos: usize) -> usize {
        let end = self.run_of(pos, b'\'');
        let mut start = pos;
        if (end - pos) % 2 == 1 && !self.spacing.contains(Flags::SPACE_BEFORE) {
            self.single_quote_open = false;
            self.emit(pos, pos + 1, TokenKind::QuoteMark, Flags::default());
            start += 1;
        }
        while start + 2 <= end {
            self.emit(start, start + 2, TokenKind::QuoteMark, Flags::default());
            start += 2;
        }
        if start < end {
            return self.apostrophe(start, 1);
        }
        end
    }

    fn run_while(&self, pos: usize, keep: impl Fn(u8) -> bool) -> usize {
        let mut end = pos;
        while self.bytes.get(end).is_some_and(|&b| keep(b)) {
            end += 1;
        }
        end
    }

    /// A word, number, abbreviation, URL or e-mail address starting with a letter or digit,
    /// whose first bytes up to `prefix.end` are ASCII letters and digits already scanned.
    fn word(&mut self, start: usize, prefix: AsciiPrefix) -> usize {
        // A URL prefix (`https:`, `http:`, `www.`) is three to five ASCII letters and a colon
        // or a period.
        let url_prefix = (3..=5).contains(&(prefix.end - start))
            && matches!(self.bytes.get(prefix.end), Some(b':' | b'.'));
        if url_prefix && matches!(self.bytes[start], b'h' | b'H' | b'w' | b'W') {
            if let Some(end) = self.url(start) {
                self.emit(start, end, TokenKind::Url, Flags::default());
                return end;
            }
        }
        let run = self.alnum_run(start, prefix);
        let end = run.end;
        let next = self.bytes.get(end).copied();
        if matches!(next, Some(b'@' | b'.' | b'_' | b'+' | b'-' | b'%')) {
            if let Some(email_end) = self.email(start) {
                self.emit(start, email_end, TokenKind::Email, Flags::default());
                return email_end;
            }
        }
        if next == Some(b'.') && run.letters {
            if let Some((abbreviation_end, flags)) = self.abbreviation(start, end) {
                self.emit(start, abbreviation_end, TokenKind::Word, flags);
                return abbreviation_end;
            }
            if let Some(domain_end) = self.domain(end) {
                self.emit(start, domain_end, TokenKind::Word, Flags::default());
                return domain_end;
            }
        }
        let mut token_end = end;
        // Two apostrophes after a word close an archive-style quotation (''…''), not a word.
        let apostrophe_len = match next {
            Some(b'\'') if self.bytes.get(end + 1) != Some(&b'\'') => 1,
            Some(0xE2) if self.bytes[end..].starts_with("’".as_bytes()) => "’".len(),
            _ => 0,
        };
        // A trailing apostrophe (the players’, goin’) belongs to the word, unless a single
        // quotation is open and the mark can close it.
        if run.letters
            && apostrophe_len > 0
            && (!self.single_quote_open || self.is_possessive_in_quote(end, apostrophe_len))
        {
            token_end = end + apostrophe_len;
        }
        let is_number = run.first_digit
            && (!run.letters
                || !run.hyphen
                    && is_number_suffix(self.text.get(run.last_digit_end..end).unwrap_or("")));
        let kind = if is_number {
            TokenKind::Number
        } else {
            TokenKind::Word
        };
        let digits_then_letters = prefix.first_bits == 4 && prefix.rest_bits & 3 != 0;
        if token_end == prefix.end && !digits_then_letters {
            // The word is its ASCII letters and digits (said., 1990): their case bits are known.
            let case = AsciiCase {
                first_bits: prefix.first_bits,
                rest_bits: prefix.rest_bits,
                second_upper: self
                    .bytes
                    .get(start + 1)
                    .is_some_and(u8::is_ascii_uppercase),
            };
            let flags = self.take_spacing();
            self.sink
                .push_ascii_word(self.text, Span::new(start, token_end), kind, flags, case);
        } else {
            self.emit(start, token_end, kind, Flags::default());
        }
        token_end
    }

    /// Inside a single quotation, whether the `’` at `mark` after a word ending at `mark` is a
    /// plural possessive (‘the Joneses’ house,’) rather than the closing mark: the word ends in
    /// `s`, a lower-case word other than a reporting word follows, and a later mark on the same
    /// line, before any new opening mark, can close the quotation.
    fn is_possessive_in_quote(&mut self, mark: usize, mark_len: usize) -> bool {
        if !matches!(self.bytes.get(mark.wrapping_sub(1)), Some(b's' | b'S')) {
            return false;
        }
        let word_start = mark + mark_len + 1;
        if self.bytes.get(mark + mark_len) != Some(&b' ') {
            return false;
        }
        let word_end = self.run_while(word_start, |b| b.is_ascii_lowercase());
        let next_word = self.text.get(word_start..word_end).unwrap_or("");
        let reporting = matches!(
            next_word,
            "" | "said"
                | "says"
                | "she"
                | "he"
                | "they"
                | "we"
                | "i"
                | "asked"
                | "added"
                | "told"
                | "according"
                | "wrote"
        );
        !reporting && self.later_closer_on_line(word_start)
    }

    /// Whether a mark that can close a single quotation (`’` or `'` after a non-space and
    /// before a non-letter) comes at or after `from` on the same line. The answer is cached so
    /// that a long line is searched once, not once per question.
    fn later_closer_on_line(&mut self, from: usize) -> bool {
        if from >= self.closer_search.from && from <= self.closer_search.stop {
            return self.closer_search.found;
        }
        let mut pos = from;
        let found = loop {
            let mark_len = match self.bytes.get(pos) {
                None | Some(b'\n') => break false,
                Some(b'\'') => 1,
                Some(0xE2) if self.bytes[pos..].starts_with("’".as_bytes()) => "’".len(),
                // A new opening mark: whatever closes after it is its own closer.
                Some(0xE2) if self.bytes[pos..].starts_with("‘".as_bytes()) => break false,
                Some(_) => {
                    pos += 1;
                    continue;
                }
            };
            let after_text = !self.bytes[pos - 1].is_ascii_whitespace();
            if !after_text && self.word_char_len(pos + mark_len).is_some() {
                break false;
            }
            if after_text && self.word_char_len(pos + mark_len).is_none() {
                break true;
            }
            pos += mark_len;
        };
        self.closer_search = CloserSearch {
            from,
            stop: pos,
            found,
        };
        found
    }

    /// Letters and digits joined by internal apostrophes and hyphens, and digits joined by
    /// internal separators, resuming after the ASCII letters and digits of `prefix`.
    fn alnum_run(&self, start: usize, prefix: AsciiPrefix) -> AlnumRun {
        let mut run = AlnumRun {
            end: start,
            letters: false,
            first_digit: self.bytes[start].is_ascii_digit(),
            hyphen: false,
            last_digit_end: start,
        };
        // The prefix ends where the ASCII letters and digits do: the loop starts at what may
        // join them to more, and scans the letters and digits after each joiner.
        let mut pos = prefix.end.max(start);
        let mut ascii_bits = prefix.first_bits | prefix.rest_bits;
        while let Some(&byte) = self.bytes.get(pos) {
            let joiner_len = if byte < 0x80 {
                let last_was_digit = pos > start && self.bytes[pos - 1].is_ascii_digit();
                let joins = match byte {
                    b'-' | b'\'' => self.word_char_len(pos + 1).is_some(),
                    b',' | b'.' | b':' | b'/' => last_was_digit && self.is_digit_at(pos + 1),
                    _ => false,
                };
                if !joins {
                    break;
                }
                run.hyphen |= byte == b'-';
                1
            } else {
                let Some(c) = self.char_at(pos) else { break };
                let len = c.len_utf8();
                // A mistyped ‘ between letters (Trump‘s) is an apostrophe, not an opening mark.
                let mistyped_apostrophe = || {
                    c == '‘'
                        && pos > start
                        && self
                            .bytes
                            .get(pos + len)
                            .is_some_and(u8::is_ascii_lowercase)
                };
                if is_alnum(c) || is_combining(c) {
                    run.letters |= c.is_alphabetic();
                } else if (matches!(c, '’' | '\u{2010}' | '\u{2011}') || mistyped_apostrophe())
                    && self.word_char_len(pos + len).is_some()
                {
                    run.hyphen |= c != '’';
                } else {
                    break;
                }
                len
            };
            let (ascii_end, bits) = ascii_alnum_run(self.bytes, pos + joiner_len);
            ascii_bits |= bits;
            pos = ascii_end;
        }
        run.letters |= ascii_bits & 3 != 0;
        if run.first_digit && run.letters {
            // Only a digit-first word with letters asks where its digits end (1.13bn).
            run.last_digit_end = self.bytes[start..pos]
                .iter()
                .rposition(u8::is_ascii_digit)
                .map_or(start, |index| start + index + 1);
        }
        run.end = pos;
        run
    }

    /// The end of an abbreviation starting at `start` whose letters end at `end` (a period
    /// follows), including its final period, and its flags (ABBREV unless it has none).
    fn abbreviation(&self, start: usize, end: usize) -> Option<(usize, Flags)> {
        if let Some((dotted_end, with_period)) = self.dotted(start) {
            let flags = if with_period {
                Flags::ABBREV
            } else {
                Flags::default()
            };
            return Some((dotted_end, flags));
        }
        let word = self.text.get(start..end)?;
        match lexicon::abbreviation(word) {
            Some(AbbreviationRule::Always) => return Some((end + 1, Flags::ABBREV)),
            Some(AbbreviationRule::BeforeNumber) => {
                let after = self.run_while(end + 1, |b| b == b' ');
                if self.is_digit_at(after) {
                    return Some((end + 1, Flags::ABBREV));
                }
            }
            None => {}
        }
        // An initial: one capital letter, a period, a space and a capitalised word.
        let mut chars = word.chars();
        let initial = chars.next().is_some_and(char::is_uppercase) && chars.next().is_none();
        if initial {
            let after = self.run_while(end + 1, |b| b == b' ');
            if after > end + 1 && self.char_at(after).is_some_and(char::is_uppercase) {
                return Some((end + 1, Flags::ABBREV));
            }
        }
        None
    }

    /// Dotted abbreviations: one or two ASCII letters and a period, at least twice (U.S., a.m.,
    /// e.g., Ph.D.). Returns the end and whether the last segment has its period: U.S.A
    /// without one is still one word, but not an abbreviation that could end a sentence.
    fn dotted(&self, start: usize) -> Option<(usize, bool)> {
        let mut pos = start;
        let mut segments = 0;
        loop {
            // A third letter ends the search, so no more of a long word are looked at.
            let letters = self
                .bytes
                .get(pos..)
                .unwrap_or_default()
                .iter()
                .take(3)
                .take_while(|byte| byte.is_ascii_alphabetic())
                .count();
            if letters == 0 || letters > 2 {
                break;
            }
            let letters_end = pos + letters;
            if self.bytes.get(letters_end) != Some(&b'.') {
                let last_segment = segments >= 2 && self.word_char_len(letters_end).is_none();
                return last_segment.then_some((letters_end, false));
            }
            pos = letters_end + 1;
            segments += 1;
        }
        (segments >= 2).then_some((pos, true))
    }

    /// `word.com` and the like: the end of the domain when `period` is followed by a known
    /// top-level domain and no further letter.
    fn domain(&self, period: usize) -> Option<usize> {
        let suffix_end = self.run_while(period + 1, |b| b.is_ascii_lowercase());
        let suffix = self.bytes.get(period + 1..suffix_end)?;
        (is_domain_suffix(suffix) && self.word_char_len(suffix_end).is_none()).then_some(suffix_end)
    }

    /// A URL starting with `http://`, `https://` or `www.`.
    fn url(&self, start: usize) -> Option<usize> {
        let rest = self.bytes.get(start..)?;
        let prefix_len = ["https://", "http://", "www."]
            .iter()
            .find(|prefix| {
                rest.len() > prefix.len()
                    && rest[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            })?
            .len();
        // A URL needs at least one letter or digit after its prefix.
        self.word_char_len(start + prefix_len)?;
        let mut end = start + prefix_len;
        while let Some(&byte) = self.bytes.get(end) {
            if byte < 0x80 {
                if byte <= b' ' || matches!(byte, b'"' | b'<' | b'>' | 0x7F) {
                    break;
                }
                end += 1;
            } else {
                let c = self.char_at(end)?;
                if c.is_whitespace() || is_quote_char(c) || c == '…' {
                    break;
                }
                end += c.len_utf8();
            }
        }
        // Trailing punctuation belongs to the sentence, and a closing bracket to the text
        // unless the URL opened one.
        let url = self.text.get(start..end)?;
        let count = |byte: u8| url.bytes().filter(|&b| b == byte).count();
        let (round_open, mut round_close) = (count(b'('), count(b')'));
        let (square_open, mut square_close) = (count(b'['), count(b']'));
        let mut trimmed = url.len();
        while let Some(&last) = url.as_bytes().get(trimmed.wrapping_sub(1)) {
            match last {
                b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' => {}
                b')' if round_close > round_open => round_close -= 1,
                b']' if square_close > square_open => square_close -= 1,
                _ => break,
            }
            trimmed -= 1;
        }
        (trimmed > prefix_len).then_some(start + trimmed)
    }

    /// An e-mail address starting at `start`: a local part, `@`, and a dotted domain whose last
    /// label has at least two letters.
    fn email(&mut self, start: usize) -> Option<usize> {
        let is_local =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
        if start < self.no_email_before {
            return None;
        }
        let at = self.run_while(start, is_local);
        if at == start || self.bytes.get(at) != Some(&b'@') {
            // Every later start inside this run would stop at the same byte: remember it so
            // that a long run of dotted words is scanned once, not once per word.
            self.no_email_before = at;
            return None;
        }
        let mut pos = at + 1;
        let mut labels = 0;
        let mut last_label_alpha = false;
        loop {
            let label_end = self.run_while(pos, |b| b.is_ascii_alphanumeric() || b == b'-');
            if label_end == pos {
                break;
            }
            labels += 1;
            last_label_alpha = label_end - pos >= 2
                && self.bytes[pos..label_end]
                    .iter()
                    .all(u8::is_ascii_alphabetic);
            pos = label_end;
            let next_label = self.bytes.get(pos) == Some(&b'.')
                && self
                    .bytes
                    .get(pos + 1)
                    .is_some_and(u8::is_ascii_alphanumeric);
            if !next_label {
                break;
            }
            pos += 1;
        }
        (labels >= 2 && last_label_alpha).then_some(pos)
    }
}

/// The ASCII letters and digits at the start of a word: where they end, and the case bits of
/// the first and of the others (1 upper case, 2 lower case, 4 digit). A word starting with
/// another letter has an empty prefix.
#[derive(Clone, Copy)]
struct AsciiPrefix {
    end: usize,
    first_bits: u8,
    rest_bits: u8,
}

struct AlnumRun {
    end: usize,
    letters: bool,
    first_digit: bool,
    hyphen: bool,
    last_digit_end: usize,
}
