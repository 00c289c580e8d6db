//! The text model of sayso: a [`Document`] holds the [`Token`]s, sentences, paragraphs and
//! [`Quotation`]s of one text, each with a half-open UTF-8 byte [`Span`] into the original text.
//!
//! Tokenization is pure and total: every `&str` gives a valid document and nothing panics.
//! It runs in four passes, each in its own module: the scanner makes tokens with their
//! features, then paragraphs, quotations (paired paragraph by paragraph) and sentences (which
//! use the quotation marks to keep `moment.” she said` together) are laid over them.
//!
//! ```
//! use sayso_tokenize::{tokenize, Flags, TokenKind};
//!
//! let text = "“We will win,” she said.";
//! let doc = tokenize(text);
//! assert_eq!(doc.tokens()[0].kind, TokenKind::QuoteMark);
//! assert_eq!(doc.quotations().len(), 1);
//! assert_eq!(doc.quotations()[0].inner.text(text), "We will win,");
//! assert_eq!(doc.sentences().len(), 1);
//!
//! let doc = tokenize("U.S. officials met Mr. Xi’s team.");
//! assert!(doc.tokens()[0].flags.contains(Flags::ABBREV));
//! assert_eq!(doc.token_text(3), "Mr.");
//! assert_eq!(doc.norm(4), "xi's");
//! assert_eq!(doc.shape(4), "Xx’x");
//! ```
#![forbid(unsafe_code)]

mod document;
mod features;
mod lexicon;
mod paragraphs;
mod quotes;
mod scan;
mod sentences;

pub use document::{Document, Flags, Quotation, QuotationStyle, Segment, Span, Token, TokenKind};

/// Tokenizes `text` into a [`Document`] with tokens, sentences, paragraphs and quotations.
pub fn tokenize(text: &str) -> Document<'_> {
    let scan::Scanned {
        sink,
        line_breaks,
        quote_marks,
        sentence_end_candidates,
    } = scan::scan(text);
    let (mut tokens, norms, shapes) = sink.finish();
    let paragraphs = paragraphs::paragraphs(&mut tokens, &line_breaks);
    let quotations = quotes::quotations(text, &mut tokens, &paragraphs, &quote_marks);
    let sentences = sentences::sentences(text, &mut tokens, &paragraphs, &sentence_end_candidates);
    Document {
        text,
        tokens,
        norms,
        shapes,
        sentences,
        paragraphs,
        quotations,
    }
}
