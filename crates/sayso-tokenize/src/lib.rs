//! The text model of sayso: a [`Document`] holds the [`Token`]s, sentences, paragraphs and
//! [`Quotation`]s of one text, each with a half-open UTF-8 byte [`Span`] into the original text.
//!
//! Tokenization is pure and total: every `&str` gives a valid document and nothing panics.
//!
//! ```
//! use sayso_tokenize::{tokenize, TokenKind};
//!
//! let text = "“We will win,” she said.";
//! let doc = tokenize(text);
//! assert_eq!(doc.tokens()[0].kind, TokenKind::QuoteMark);
//! assert_eq!(doc.quotations().len(), 1);
//! assert_eq!(doc.quotations()[0].inner.text(text), "We will win,");
//! assert_eq!(doc.sentences().len(), 1);
//! ```
#![forbid(unsafe_code)]

mod document;
mod scan;

pub use document::{Document, Flags, Quotation, QuotationStyle, Segment, Span, Token, TokenKind};

/// Tokenizes `text` into a [`Document`] with tokens, sentences, paragraphs and quotations.
pub fn tokenize(text: &str) -> Document<'_> {
    scan::tokenize(text)
}
