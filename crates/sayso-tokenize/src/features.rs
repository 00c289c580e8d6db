//! Per-token features: the normalised form, the shape and the case flags. They live in two
//! shared buffers so that a document makes a handful of allocations, not two per token, and
//! pure-ASCII tokens (nearly all of them in English news) take a byte-level fast path: their
//! norm is their own span in a lower-cased copy of the text, made in one bulk pass, and the
//! shape of a word or a one-byte token is a slice of a small dictionary of common shapes.

use crate::document::{Flags, Span, Token, TokenKind};

/// Runs of the same shape character longer than this are cut.
const MAX_SHAPE_RUN: usize = 4;

/// The growing token list of a document with its normalised-form and shape buffers. The norm
/// buffer starts with a lower-cased copy of the whole text, which ASCII tokens index by their
/// own span, and the shape buffer with [`SHAPE_DICTIONARY`]; only the other tokens append.
#[derive(Debug)]
pub(crate) struct TokenSink {
    pub(crate) tokens: Vec<Token>,
    /// Starts as an ASCII-lower-cased copy of the whole text, so that the norm of an ASCII
    /// token is its own span there and costs nothing per token; the norms of other tokens are
    /// appended after the copy.
    norms: String,
    /// Starts with [`SHAPE_DICTIONARY`], which the shapes of most tokens index; the shapes
    /// of other tokens are appended after it.
    shapes: Buffer,
}

/// The shape classes of ASCII letters and digits, in the order of [`SHAPE_DICTIONARY`].
const SHAPE_CLASSES: [u8; 3] = [b'X', b'x', b'd'];

/// The longest shape of a word of one class, or of one character and then a run of another.
const RUN_SHAPE_LEN: usize = 1 + MAX_SHAPE_RUN;

/// The shapes most tokens have, so that they need not be written per token, nor the text
/// mapped to shape characters: every ASCII character in order (a one-byte token is its own
/// shape), then for each pair of classes among `X`, `x` and `d`, the first class and four of
/// the second (`Xxxxx`), whose prefixes are the shapes of words of one class (`XXXX` for NATO)
/// or of one character and then a run of another (`Xxxxx` for Washington, `dxx` for 3rd).
const SHAPE_DICTIONARY: [u8; 128 + 9 * RUN_SHAPE_LEN] = {
    let mut dictionary = [0u8; 128 + 9 * RUN_SHAPE_LEN];
    let mut byte = 0;
    while byte < 128 {
        dictionary[byte] = byte as u8;
        byte += 1;
    }
    let mut pair = 0;
    while pair < 9 {
        let start = 128 + pair * RUN_SHAPE_LEN;
        dictionary[start] = SHAPE_CLASSES[pair / 3];
        let mut index = 1;
        while index < RUN_SHAPE_LEN {
            dictionary[start + index] = SHAPE_CLASSES[pair % 3];
            index += 1;
        }
        pair += 1;
    }
    dictionary
};

/// The index in [`SHAPE_CLASSES`] of a class given by its case bit (1 upper case, 2 lower
/// case, 4 digit).
const fn shape_class(bits: u8) -> usize {
    match bits {
        1 => 0,
        2 => 1,
        _ => 2,
    }
}

/// A byte buffer written through a cursor; only whole UTF-8 characters are written, and the
/// used part becomes a string once, at the end.
#[derive(Debug, Default)]
struct Buffer {
    bytes: Vec<u8>,
    used: usize,
}

impl Buffer {
    /// The next `len` free bytes, growing the buffer when needed.
    fn free(&mut self, len: usize) -> &mut [u8] {
        let end = self.used + len;
        if self.bytes.len() < end {
            self.bytes.resize(end.max(self.bytes.len() * 2), 0);
        }
        &mut self.bytes[self.used..end]
    }

    fn push(&mut self, bytes: &[u8]) {
        let len = bytes.len();
        self.free(len).copy_from_slice(bytes);
        self.used += len;
    }

    /// Appends `bytes`, whole characters, and returns where they are.
    fn append(&mut self, bytes: &[u8]) -> (u32, u32) {
        let start = self.used;
        self.push(bytes);
        (to_u32(start), to_u32(self.used))
    }

    fn into_string(mut self) -> String {
        self.bytes.truncate(self.used);
        // Only whole characters are written, so this cannot fail; stay total regardless.
        String::from_utf8(self.bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }
}

impl TokenSink {
    /// A sink with room for the tokens of `text`.
    pub(crate) fn for_text(text: &str) -> Self {
        let text_len = text.len();
        // Room after the copy and the dictionary for the norms and shapes of the tokens that
        // need their own (non-ASCII words, abbreviations), so that the buffers rarely grow.
        let room = text_len / 16 + 64;
        let mut norms = String::with_capacity(text_len + room);
        norms.push_str(text);
        norms.make_ascii_lowercase();
        let mut shape_bytes = Vec::with_capacity(SHAPE_DICTIONARY.len() + room);
        shape_bytes.extend_from_slice(&SHAPE_DICTIONARY);
        shape_bytes.resize(SHAPE_DICTIONARY.len() + room, 0);
        TokenSink {
            // News text averages a token per five or six bytes; a little more room spares
            // copying the whole list when a text is denser.
            tokens: Vec::with_capacity(text_len / 4 + 16),
            norms,
            shapes: Buffer {
                bytes: shape_bytes,
                used: SHAPE_DICTIONARY.len(),
            },
        }
    }

    /// The tokens and the normalised-form and shape buffers they index.
    pub(crate) fn finish(self) -> (Vec<Token>, String, String) {
        (self.tokens, self.norms, self.shapes.into_string())
    }

    /// Appends the token `span` of `text` with its features; `flags` holds the flags the scanner
    /// already knows (spacing, ABBREV).
    pub(crate) fn push(&mut self, text: &str, span: Span, kind: TokenKind, mut flags: Flags) {
        let bytes = text.as_bytes().get(span.start..span.end).unwrap_or(&[]);
        // An ASCII token's norm is its span in the lower-cased copy at the start of `norms`.
        let own_span = (to_u32(span.start), to_u32(span.end));
        let (case_flags, norm, shape) = if let [byte] = bytes
            && !byte.is_ascii_alphanumeric()
            && byte.is_ascii()
        {
            // Punctuation and symbols: the norm and the shape are the byte itself, the shape
            // found at its own place in the dictionary.
            let shape = (u32::from(*byte), u32::from(*byte) + 1);
            (Flags::default(), own_span, shape)
        } else if let Some((case_flags, shape)) = ascii_features(bytes, &mut self.shapes) {
            (case_flags, own_span, shape)
        } else {
            self.non_ascii_features(text, span)
        };
        flags.insert(case_flags);
        self.tokens.push(Token {
            span,
            kind,
            flags,
            norm,
            shape,
        });
    }

    /// Appends the one-byte token at `pos`, the ASCII `byte` that is neither a letter nor a
    /// digit: it has no case flags, its norm is its own span of the lower-cased copy, and its
    /// shape is the byte itself, found at its own place in the dictionary (as in [`Self::push`]).
    pub(crate) fn push_ascii_mark(&mut self, pos: usize, byte: u8, kind: TokenKind, flags: Flags) {
        let shape = u32::from(byte & 0x7F);
        self.tokens.push(Token {
            span: Span::new(pos, pos + 1),
            kind,
            flags,
            norm: (to_u32(pos), to_u32(pos + 1)),
            shape: (shape, shape + 1),
        });
    }

    /// The features of a token with a non-ASCII character. The common ones, caseless symbols
    /// (“ — …) and words with curly apostrophes (Xi’s), skip decoding its characters.
    fn non_ascii_features(&mut self, text: &str, span: Span) -> Features {
        let token_text = text.get(span.start..span.end).unwrap_or("");
        let own_span = (to_u32(span.start), to_u32(span.end));
        if is_caseless_symbol(token_text) {
            // Its norm and shape are the symbol itself, the norm found in the lower-cased copy.
            let shape = self.shapes.append(token_text.as_bytes());
            return (Flags::default(), own_span, shape);
        }
        if let Some(features) =
            apostrophe_word_features(token_text.as_bytes(), &mut self.norms, &mut self.shapes)
        {
            return features;
        }
        let norm_start = self.norms.len();
        let shape_start = self.shapes.used;
        let case = unicode_features(token_text, &mut self.norms, &mut self.shapes);
        let norm = (to_u32(norm_start), to_u32(self.norms.len()));
        let shape = (to_u32(shape_start), to_u32(self.shapes.used));
        (case.flags(), norm, shape)
    }

    /// Appends a token of ASCII letters and digits whose first byte is a letter or whose other
    /// bytes are all digits, from case bits the scanner gathered while finding its end:
    /// `first_bits` of its first byte, `rest_bits` the union over the others (1 upper case,
    /// 2 lower case, 4 digit), and whether its second byte is upper case.
    #[inline]
    pub(crate) fn push_ascii_word(
        &mut self,
        text: &str,
        span: Span,
        kind: TokenKind,
        flags: Flags,
        case: AsciiCase,
    ) {
        let entry =
            ASCII_CASES[case_flags_index(case.first_bits, case.rest_bits, case.second_upper)];
        let shape = if entry.shape == AsciiShape::Mixed {
            let bytes = text.as_bytes().get(span.start..span.end).unwrap_or(&[]);
            ascii_shape(bytes, case.first_bits, case.rest_bits, &mut self.shapes)
        } else {
            dictionary_shape(entry, span.len())
        };
        self.tokens.push(Token {
            span,
            kind,
            flags: flags | entry.flags,
            norm: (to_u32(span.start), to_u32(span.end)),
            shape,
        });
    }
}

/// The case bits of an ASCII token as the scanner sees them (see
/// [`TokenSink::push_ascii_word`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AsciiCase {
    pub(crate) first_bits: u8,
    pub(crate) rest_bits: u8,
    pub(crate) second_upper: bool,
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
    out: &'b mut Buffer,
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
            let mut buffer = [0u8; 4];
            self.out.push(shape.encode_utf8(&mut buffer).as_bytes());
        }
    }
}

/// Shape bytes of ASCII: `X`, `x`, `d`, or the byte itself.
static ASCII_SHAPES: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = match byte as u8 {
            b'A'..=b'Z' => b'X',
            b'a'..=b'z' => b'x',
            b'0'..=b'9' => b'd',
            other => other,
        };
        byte += 1;
    }
    table
};

/// Case bits of ASCII bytes: 1 upper-case letter, 2 lower-case letter, 4 digit, 16 anything
/// else; 8 marks a non-ASCII byte.
static ASCII_CASE_BITS: [u8; 256] = ascii_class_table(16, 8);

/// A byte table with 1 for an ASCII upper-case letter, 2 for lower case, 4 for a digit,
/// `other` for any other ASCII byte and `non_ascii` above 127: the scanner and the feature
/// writer each classify bytes with one lookup.
pub(crate) const fn ascii_class_table(other: u8, non_ascii: u8) -> [u8; 256] {
    let mut table = [non_ascii; 256];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = match byte as u8 {
            b'A'..=b'Z' => 1,
            b'a'..=b'z' => 2,
            b'0'..=b'9' => 4,
            _ => other,
        };
        byte += 1;
    }
    table
}

/// How the shape of an ASCII token is made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AsciiShape {
    /// One class of character (NATO, a, 2021): a prefix of the shape copy of the text.
    OneRun,
    /// One character, then a run of another class (Washington, iPHONE): also a prefix.
    FirstThenRun,
    /// Anything else (McDonald, COVID19): written out.
    Mixed,
}

/// The case flags of a token, and how its shape is made, from the case bits of its first byte,
/// the union of the case bits of the others, and whether its second byte is an upper-case
/// letter. The flags are right for every token whose first byte is a letter or that has no
/// letters (for the others, see [`ascii_flags`]), the shape for tokens of letters and digits.
/// One lookup instead of a branch per flag, since capitalised and lower-case words alternate
/// unpredictably.
#[derive(Clone, Copy)]
struct CaseEntry {
    flags: Flags,
    shape: AsciiShape,
    /// Where the shape's run of [`SHAPE_DICTIONARY`] starts, unless it is [`AsciiShape::Mixed`].
    dictionary_offset: u8,
    /// The longest prefix of that run a shape takes: a run's worth, and the first byte when
    /// its class differs.
    max_shape_len: u8,
}

static ASCII_CASES: [CaseEntry; 128] = {
    let mut table = [CaseEntry {
        flags: Flags(0),
        shape: AsciiShape::Mixed,
        dictionary_offset: 0,
        max_shape_len: 0,
    }; 128];
    let mut index = 0;
    while index < 128 {
        let first_bits = index as u8 & 7;
        let rest_bits = (index >> 3) as u8 & 7;
        let shape = if rest_bits == 0 || rest_bits == first_bits {
            AsciiShape::OneRun
        } else if rest_bits & (rest_bits - 1) == 0 {
            AsciiShape::FirstThenRun
        } else {
            AsciiShape::Mixed
        };
        let first_class = shape_class(first_bits);
        let rest_class = if rest_bits == 0 {
            first_class
        } else {
            shape_class(rest_bits)
        };
        table[index] = CaseEntry {
            flags: case_flags(first_bits, rest_bits, index & 64 != 0),
            shape,
            dictionary_offset: (128 + (first_class * 3 + rest_class) * RUN_SHAPE_LEN) as u8,
            max_shape_len: if matches!(shape, AsciiShape::FirstThenRun) {
                RUN_SHAPE_LEN as u8
            } else {
                MAX_SHAPE_RUN as u8
            },
        };
        index += 1;
    }
    table
};

/// The shape of a word of `len` bytes whose case pattern is `entry` (not
/// [`AsciiShape::Mixed`]): a prefix of its run of the dictionary, the first byte if its class
/// differs and then at most a run's worth (a word with a first byte of its own has at least
/// one more). Computed without a branch, since lower-case and capitalised words alternate
/// unpredictably.
fn dictionary_shape(entry: CaseEntry, len: usize) -> (u32, u32) {
    let kept = len.min(usize::from(entry.max_shape_len));
    let start = u32::from(entry.dictionary_offset);
    (start, start + to_u32(kept))
}

fn case_flags_index(first_bits: u8, rest_bits: u8, second_upper: bool) -> usize {
    usize::from(first_bits & 7) | usize::from(rest_bits & 7) << 3 | usize::from(second_upper) << 6
}

const fn case_flags(first_bits: u8, rest_bits: u8, second_upper: bool) -> Flags {
    let bits = first_bits | rest_bits;
    let mut flags = 0;
    if bits & 4 != 0 {
        flags |= Flags::DIGIT.0;
    }
    if bits & 3 == 0 {
        return Flags(flags);
    }
    flags |= Flags::ALPHA.0;
    let all_upper = bits & 3 == 1;
    if all_upper {
        flags |= Flags::UPPER.0;
    }
    if bits & 3 == 2 {
        flags |= Flags::LOWER.0;
    }
    // Title case: a capital first letter not followed by another capital, so that McDonald and
    // O’Sullivan are title case while US-China and NATO are not.
    let several_capitals = all_upper && rest_bits & 1 != 0;
    if first_bits == 1 && !(second_upper || several_capitals) {
        flags |= Flags::TITLE.0;
    }
    Flags(flags)
}

/// The case flags of an all-ASCII token from its case bits.
fn ascii_flags(bytes: &[u8], first_bits: u8, rest_bits: u8) -> Flags {
    let second_upper = bytes.get(1).is_some_and(u8::is_ascii_uppercase);
    let mut flags = ASCII_CASES[case_flags_index(first_bits, rest_bits, second_upper)].flags;
    if first_bits & 3 == 0 && rest_bits & 3 != 0 {
        // The first letter comes later ('em, 3Com): find it to decide on title case.
        let all_upper = flags.contains(Flags::UPPER);
        let mut letters = bytes.iter().filter(|byte| byte.is_ascii_alphabetic());
        let first_upper = letters.next().is_some_and(u8::is_ascii_uppercase);
        let several_capitals = all_upper && letters.next().is_some();
        if first_upper && !(second_upper || several_capitals) {
            flags.insert(Flags::TITLE);
        }
    }
    flags
}

/// The features of an all-ASCII token, or `None` (writing nothing) when the token has a
/// non-ASCII byte.
fn ascii_features(bytes: &[u8], shapes: &mut Buffer) -> Option<(Flags, (u32, u32))> {
    let (&first, rest) = bytes.split_first()?;
    let first_bits = ASCII_CASE_BITS[usize::from(first)];
    let rest_bits = rest
        .iter()
        .fold(0, |bits, &byte| bits | ASCII_CASE_BITS[usize::from(byte)]);
    if (first_bits | rest_bits) & 8 != 0 {
        return None;
    }
    let flags = ascii_flags(bytes, first_bits, rest_bits);
    Some((flags, ascii_shape(bytes, first_bits, rest_bits, shapes)))
}

/// The shape of the ASCII token `bytes`, whose first byte has the case bits `first_bits` and
/// whose other bytes have `rest_bits` together (1 upper case, 2 lower case, 4 digit, 16
/// anything else). The shape of one byte, or of a letter or digit and then a run of one class
/// (Washington, NATO, 2021), is in the dictionary; other shapes are written out.
fn ascii_shape(bytes: &[u8], first_bits: u8, rest_bits: u8, shapes: &mut Buffer) -> (u32, u32) {
    if let [byte] = bytes {
        // The dictionary holds every ASCII character at its own place.
        let shape = u32::from(ASCII_SHAPES[usize::from(byte & 0x7F)]);
        return (shape, shape + 1);
    }
    if matches!(first_bits, 1 | 2 | 4) && matches!(rest_bits, 1 | 2 | 4) {
        let entry = ASCII_CASES[case_flags_index(first_bits, rest_bits, false)];
        return dictionary_shape(entry, bytes.len());
    }
    let shape_start = shapes.used;
    let shape_out = shapes.free(bytes.len());
    let mut written = 0;
    let mut last = 0u8;
    let mut run = 0usize;
    for &byte in bytes {
        let shape = ASCII_SHAPES[usize::from(byte & 0x7F)];
        run = if shape == last { run + 1 } else { 1 };
        last = shape;
        // A cut byte leaves `written` unchanged and is overwritten by the next one.
        if let Some(slot) = shape_out.get_mut(written) {
            *slot = shape;
        }
        written += usize::from(run <= MAX_SHAPE_RUN);
    }
    shapes.used += written;
    (to_u32(shape_start), to_u32(shapes.used))
}

/// Whether `token_text` is a single character that is neither a letter nor a digit and has no
/// case, from blocks common in news text (dashes, quotation marks, ellipses, currency signs):
/// its norm and shape are itself, and the lower-cased copy of the text already holds the norm.
/// The curly single quotes are left out, since their norm is `'`.
fn is_caseless_symbol(token_text: &str) -> bool {
    let mut chars = token_text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return false;
    };
    // None of these blocks has a character with a lower-case mapping other than letters,
    // which `is_alphanumeric` leaves out (ª, µ, ⁱ); General Punctuation has no letters or
    // digits at all.
    match c {
        '’' | '‘' => false,
        '\u{2000}'..='\u{206F}' => true,
        '\u{A1}'..='\u{BF}' | '×' | '÷' | '\u{2070}'..='\u{20CF}' => !c.is_alphanumeric(),
        _ => false,
    }
}

/// The case flags, normalised-form range and shape range of a token.
type Features = (Flags, (u32, u32), (u32, u32));

/// Tokens longer than this take the general path in [`apostrophe_word_features`].
const MAX_APOSTROPHE_WORD_LEN: usize = 64;

/// The case flags, norm and shape of a token made of ASCII characters and curly apostrophes
/// (Xi’s, don’t, ’90s, ’), the most common non-ASCII tokens of news text, without decoding
/// characters; `None` for any other token, and for one whose shape has a run to cut. The
/// features are those of the general path, which sees the same letters, digits and marks.
fn apostrophe_word_features(
    bytes: &[u8],
    norms: &mut String,
    shapes: &mut Buffer,
) -> Option<Features> {
    /// Shape codes of the two marks, apart from every ASCII shape byte.
    const RIGHT_MARK: u8 = 0x80;
    const LEFT_MARK: u8 = 0x81;
    if bytes.len() > MAX_APOSTROPHE_WORD_LEN {
        return None;
    }
    // The token with `'` for each mark: its case flags are the token's, and lower-cased, it is
    // the norm.
    let mut plain = [0u8; MAX_APOSTROPHE_WORD_LEN];
    let mut plain_len = 0;
    let mut last_shape = u8::MAX;
    let mut run = 0;
    let mut rest = bytes;
    while let Some((&byte, after_byte)) = rest.split_first() {
        let (plain_byte, shape, after) = if byte < 0x80 {
            (byte, ASCII_SHAPES[usize::from(byte)], after_byte)
        } else if let Some(after) = rest.strip_prefix("’".as_bytes()) {
            (b'\'', RIGHT_MARK, after)
        } else if let Some(after) = rest.strip_prefix("‘".as_bytes()) {
            (b'\'', LEFT_MARK, after)
        } else {
            return None;
        };
        run = if shape == last_shape { run + 1 } else { 1 };
        last_shape = shape;
        if run > MAX_SHAPE_RUN {
            return None;
        }
        *plain.get_mut(plain_len)? = plain_byte;
        plain_len += 1;
        rest = after;
    }
    let plain = plain.get_mut(..plain_len)?;
    let (&first, others) = plain.split_first()?;
    let first_bits = ASCII_CASE_BITS[usize::from(first)];
    let rest_bits = others
        .iter()
        .fold(0, |bits, &byte| bits | ASCII_CASE_BITS[usize::from(byte)]);
    let flags = ascii_flags(plain, first_bits, rest_bits);
    plain.make_ascii_lowercase();
    let norm_start = norms.len();
    norms.push_str(std::str::from_utf8(plain).ok()?);
    // No run was cut, so the shape is the token with its ASCII letters and digits mapped.
    let shape_start = shapes.used;
    for (slot, &byte) in shapes.free(bytes.len()).iter_mut().zip(bytes) {
        *slot = if byte < 0x80 {
            ASCII_SHAPES[usize::from(byte)]
        } else {
            byte
        };
    }
    shapes.used += bytes.len();
    let shape = (to_u32(shape_start), to_u32(shapes.used));
    Some((flags, (to_u32(norm_start), to_u32(norms.len())), shape))
}

fn unicode_features(token_text: &str, norms: &mut String, shapes: &mut Buffer) -> Case {
    let mut case = Case::default();
    let mut writer = ShapeWriter {
        out: shapes,
        last: '\0',
        run: 0,
    };
    for (position, c) in token_text.chars().enumerate() {
        match c {
            '’' | '‘' => norms.push('\''),
            c => norms.extend(c.to_lowercase()),
        }
        if position > 0 && crate::scan::is_combining(c) {
            // A combining mark belongs to the letter before it and adds nothing to the shape.
            continue;
        }
        let shape = if crate::scan::is_general_punctuation(c) {
            c
        } else if c.is_alphabetic() {
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
