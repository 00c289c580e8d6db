//! The data types of the text model. They are plain data so that the engine can index them
//! without going through accessors on its hot path.

use std::ops::Range;

/// A half-open range of UTF-8 byte offsets into the original text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte of the span.
    pub start: usize,
    /// One past the last byte of the span.
    pub end: usize,
}

impl Span {
    /// Makes a span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The number of bytes in the span.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span holds no bytes.
    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The text the span covers.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

/// What kind of thing a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Letters, with internal apostrophes and hyphens (O’Sullivan, don’t, US-China, ’90s).
    Word,
    /// Digits, with internal separators (1,000, 3.5, 10:30, 2021-10-22), and digits with a
    /// magnitude or ordinal suffix (1.13bn, 5m, 3rd, 1990s). Other mixes of digits and letters
    /// (12-month, 5G, 3,500km) are words; currency and percent signs are separate symbols.
    Number,
    /// Punctuation other than quotation marks.
    Punct,
    /// A quotation mark that opens or closes a quotation, or a stray one.
    QuoteMark,
    /// Any other symbol (currency, maths, emoji, ...).
    Symbol,
    /// A URL such as `https://example.com/a?b=c` or `www.example.com`.
    Url,
    /// An e-mail address.
    Email,
}

/// Boolean properties of a token, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags(pub u16);

impl Flags {
    /// First letter upper case and not followed by another capital, and not all capitals
    /// (Biden, O’Sullivan, McDonald, I; not NATO, US-China or U.S.).
    pub const TITLE: Flags = Flags(1 << 0);
    /// Has letters and all of them are upper case (NATO, U.S.).
    pub const UPPER: Flags = Flags(1 << 1);
    /// Has letters and all of them are lower case.
    pub const LOWER: Flags = Flags(1 << 2);
    /// Contains at least one digit.
    pub const DIGIT: Flags = Flags(1 << 3);
    /// Contains at least one letter.
    pub const ALPHA: Flags = Flags(1 << 4);
    /// White space comes right before the token (or it starts the text).
    pub const SPACE_BEFORE: Flags = Flags(1 << 5);
    /// A line break comes somewhere in the white space before the token.
    pub const NEWLINE_BEFORE: Flags = Flags(1 << 6);
    /// The token opens a quotation.
    pub const QUOTE_OPEN: Flags = Flags(1 << 7);
    /// The token closes a quotation.
    pub const QUOTE_CLOSE: Flags = Flags(1 << 8);
    /// The token is the first of its sentence.
    pub const SENT_START: Flags = Flags(1 << 9);
    /// The token is the last of its sentence.
    pub const SENT_END: Flags = Flags(1 << 10);
    /// The token is the first of its paragraph.
    pub const PARA_START: Flags = Flags(1 << 11);
    /// The token is the last of its paragraph.
    pub const PARA_END: Flags = Flags(1 << 12);
    /// The token is an abbreviation with its final period (Mr., U.S., Jan.).
    pub const ABBREV: Flags = Flags(1 << 13);
    /// The token is a quotation mark that reopens, at the start of a paragraph, a quotation
    /// carried over from the paragraph before (the news convention for long quotes).
    pub const QUOTE_REOPEN: Flags = Flags(1 << 14);

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

/// One token: its byte span, kind, flags, and ranges into the document's normalised-form and
/// shape buffers (so a document makes two string allocations, not two per token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Where the token is in the original text.
    pub span: Span,
    /// What kind of token it is.
    pub kind: TokenKind,
    /// Its boolean properties.
    pub flags: Flags,
    /// Range of its normalised form in the document's normalised buffer.
    pub(crate) norm: (u32, u32),
    /// Range of its shape in the document's shape buffer.
    pub(crate) shape: (u32, u32),
}

/// A sentence or a paragraph: its byte span and the range of token indices it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// From the first byte of its first token to the last byte of its last token.
    pub span: Span,
    /// Indices into [`Document::tokens`].
    pub tokens: Range<usize>,
}

/// Which quotation marks delimit a quotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuotationStyle {
    /// `"…"` or `“…”` (and the low-9 `„…“`, and the `''…''` and ``` ``…'' ``` of archive copy).
    Double,
    /// `'…'` or `‘…’`.
    Single,
    /// `«…»` or `‹…›`.
    Guillemet,
}

/// A quotation: the marks and what they enclose.
///
/// A quotation that runs over several paragraphs (each paragraph reopens it, only the last closes
/// it) is one quotation whose span runs from the first opening mark to the closing mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quotation {
    /// From the opening mark to the closing mark, both included. A quotation that is never
    /// closed runs to the end of the last paragraph it covers, or to just before the next
    /// opening mark of the same style in its paragraph (marks of one style do not nest).
    pub span: Span,
    /// What the marks enclose, without them.
    pub inner: Span,
    /// Token indices of the whole quotation, marks included.
    pub tokens: Range<usize>,
    /// Token indices of the inner part.
    pub inner_tokens: Range<usize>,
    /// The marks used.
    pub style: QuotationStyle,
    /// Whether a closing mark was found.
    pub closed: bool,
    /// 0 for an outermost quotation, 1 for one inside it, and so on.
    pub depth: u32,
    /// How many paragraphs the quotation covers (1 for most).
    pub paragraphs: u32,
}

/// A tokenized text. It borrows the text; every span indexes into it.
#[derive(Clone, Debug)]
pub struct Document<'t> {
    pub(crate) text: &'t str,
    pub(crate) tokens: Vec<Token>,
    pub(crate) norms: String,
    pub(crate) shapes: String,
    pub(crate) sentences: Vec<Segment>,
    pub(crate) paragraphs: Vec<Segment>,
    pub(crate) quotations: Vec<Quotation>,
}

impl<'t> Document<'t> {
    /// The original text.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The tokens in text order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The sentences in text order; together they hold every token.
    pub fn sentences(&self) -> &[Segment] {
        &self.sentences
    }

    /// The paragraphs in text order; together they hold every token.
    pub fn paragraphs(&self) -> &[Segment] {
        &self.paragraphs
    }

    /// The quotations, ordered by start (an outer quotation before the ones nested in it).
    pub fn quotations(&self) -> &[Quotation] {
        &self.quotations
    }

    /// The text of token `index`.
    pub fn token_text(&self, index: usize) -> &'t str {
        self.tokens[index].span.text(self.text)
    }

    /// The normalised form of token `index`: lower case, with ’ and ‘ as '.
    pub fn norm(&self, index: usize) -> &str {
        let (a, b) = self.tokens[index].norm;
        &self.norms[a as usize..b as usize]
    }

    /// The shape of token `index`: X for upper case, x for lower case, d for digits, other
    /// characters as themselves, with runs longer than four cut to four (Xxxxx -> Xxxx).
    pub fn shape(&self, index: usize) -> &str {
        let (a, b) = self.tokens[index].shape;
        &self.shapes[a as usize..b as usize]
    }
}
