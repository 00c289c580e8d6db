//! Per-token features: the normalised form, the shape and the case flags. They are written into
//! two shared buffers so that a document makes a handful of allocations, not two per token, and
//! pure-ASCII tokens (nearly all of them in English news) take a byte-level fast path.

use crate::document::{Flags, Span, Token, TokenKind};

/// Runs of the same shape character longer than this are cut.
const MAX_SHAPE_RUN: usize = 4;

/// The growing token list of a document with its normalised-form and shape buffers.
#[derive(Debug, Default)]
pub(crate) struct TokenSink {
    pub(crate) tokens: Vec<Token>,
    pub(crate) norms: String,
    pub(crate) shapes: String,
}

impl TokenSink {
    /// A sink with room for the tokens of a text of `text_len` bytes.
    pub(crate) fn with_capacity(text_len: usize) -> Self {
        TokenSink {
            tokens: Vec::with_capacity(text_len / 5 + 4),
            norms: String::with_capacity(text_len + 16),
            shapes: String::with_capacity(text_len + 16),
        }
    }

    /// Appends the token `span` of `text` with its features; `flags` holds the flags the scanner
    /// already knows (spacing, ABBREV).
    pub(crate) fn push(&mut self, text: &str, span: Span, kind: TokenKind, mut flags: Flags) {
        let token_text = text.get(span.start..span.end).unwrap_or("");
        let norm_start = self.norms.len();
        let shape_start = self.shapes.len();
        let case = if token_text.is_ascii() {
            self.norms.push_str(token_text);
            if let Some(tail) = self.norms.get_mut(norm_start..) {
                tail.make_ascii_lowercase();
            }
            ascii_shape(token_text.as_bytes(), &mut self.shapes)
        } else {
            unicode_features(token_text, &mut self.norms, &mut self.shapes)
        };
        flags.insert(case.flags());
        self.tokens.push(Token {
            span,
            kind,
            flags,
            norm: (to_u32(norm_start), to_u32(self.norms.len())),
            shape: (to_u32(shape_start), to_u32(self.shapes.len())),
        });
    }
}

/// Buffer offsets are stored as `u32`; texts beyond 4 GiB saturate rather than wrap.
fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// What the letters and digits of a token look like.
#[derive(Default)]
struct Case {
    letters: u32,
    upper: u32,
    lower: u32,
    digit: bool,
    first_letter_upper: bool,
    second_char_upper: bool,
}

impl Case {
    fn flags(&self) -> Flags {
        let mut flags = Flags::default();
        if self.digit {
            flags.insert(Flags::DIGIT);
        }
        if self.letters == 0 {
            return flags;
        }
        flags.insert(Flags::ALPHA);
        let all_upper = self.upper == self.letters;
        if all_upper {
            flags.insert(Flags::UPPER);
        }
        if self.lower == self.letters {
            flags.insert(Flags::LOWER);
        }
        // Title case: a capital first letter not followed by another capital, so that
        // O’Sullivan and McDonald are title case while US-China and NATO are not.
        if self.first_letter_upper && !self.second_char_upper && !(all_upper && self.letters > 1) {
            flags.insert(Flags::TITLE);
        }
        flags
    }

    fn letter(&mut self, upper: bool, lower: bool, position: usize) {
        if self.letters == 0 {
            self.first_letter_upper = upper;
        }
        if position == 1 && upper {
            self.second_char_upper = true;
        }
        self.letters += 1;
        self.upper += u32::from(upper);
        self.lower += u32::from(lower);
    }
}

/// Appends shape characters while cutting runs longer than [`MAX_SHAPE_RUN`].
struct ShapeWriter<'b> {
    out: &'b mut String,
    last: char,
    run: usize,
}

impl ShapeWriter<'_> {
    fn push(&mut self, shape: char) {
        if shape == self.last {
            self.run += 1;
        } else {
            self.last = shape;
            self.run = 1;
        }
        if self.run <= MAX_SHAPE_RUN {
            self.out.push(shape);
        }
    }
}

fn ascii_shape(bytes: &[u8], shapes: &mut String) -> Case {
    let mut case = Case::default();
    let mut writer = ShapeWriter {
        out: shapes,
        last: '\0',
        run: 0,
    };
    for (position, &byte) in bytes.iter().enumerate() {
        let shape = match byte {
            b'A'..=b'Z' => {
                case.letter(true, false, position);
                'X'
            }
            b'a'..=b'z' => {
                case.letter(false, true, position);
                'x'
            }
            b'0'..=b'9' => {
                case.digit = true;
                'd'
            }
            other => char::from(other),
        };
        writer.push(shape);
    }
    case
}

fn unicode_features(token_text: &str, norms: &mut String, shapes: &mut String) -> Case {
    let mut case = Case::default();
    let mut writer = ShapeWriter {
        out: shapes,
        last: '\0',
        run: 0,
    };
    for (position, c) in token_text.chars().enumerate() {
        match c {
            '’' | '‘' => norms.push('\''),
            c if c.is_ascii() => norms.push(c.to_ascii_lowercase()),
            c => norms.extend(c.to_lowercase()),
        }
        if position > 0 && crate::scan::is_combining(c) {
            // A combining mark belongs to the letter before it and adds nothing to the shape.
            continue;
        }
        let shape = if c.is_alphabetic() {
            let upper = c.is_uppercase();
            let lower = c.is_lowercase();
            case.letter(upper, lower, position);
            if upper { 'X' } else { 'x' }
        } else if c.is_numeric() {
            case.digit = true;
            'd'
        } else {
            c
        };
        writer.push(shape);
    }
    case
}
