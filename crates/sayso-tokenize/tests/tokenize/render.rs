//! A readable text rendering of a document for snapshots.

use std::fmt::Write;

use sayso_tokenize::{Document, Flags};

/// The flags worth showing in a snapshot (the case and spacing flags are visible in the
/// shape and the text).
const SHOWN_FLAGS: [(Flags, &str); 5] = [
    (Flags::ABBREV, "ABBREV"),
    (Flags::QUOTE_OPEN, "QUOTE_OPEN"),
    (Flags::QUOTE_CLOSE, "QUOTE_CLOSE"),
    (Flags::QUOTE_REOPEN, "QUOTE_REOPEN"),
    (Flags::TITLE, "TITLE"),
];

/// Tokens (text, kind, norm when it differs from the text, shape, flags), then sentences,
/// paragraphs and quotations by their text.
pub fn render(doc: &Document<'_>) -> String {
    let text = doc.text();
    let mut out = String::new();
    out.push_str("tokens:\n");
    for (index, token) in doc.tokens().iter().enumerate() {
        let token_text = doc.token_text(index);
        let _ = write!(
            out,
            "  {index:>3} {token_text:<14} {:<9}",
            format!("{:?}", token.kind)
        );
        let norm = doc.norm(index);
        if norm != token_text {
            let _ = write!(out, " norm={norm}");
        }
        let _ = write!(out, " shape={}", doc.shape(index));
        for (flag, name) in SHOWN_FLAGS {
            if token.flags.contains(flag) {
                let _ = write!(out, " {name}");
            }
        }
        out.push('\n');
    }
    out.push_str("sentences:\n");
    for (index, sentence) in doc.sentences().iter().enumerate() {
        let _ = writeln!(out, "  {index}: {}", sentence.span.text(text));
    }
    let _ = writeln!(out, "paragraphs: {}", doc.paragraphs().len());
    out.push_str("quotations:\n");
    for quotation in doc.quotations() {
        let _ = writeln!(
            out,
            "  {:?} depth={} closed={} paragraphs={}: {}",
            quotation.style,
            quotation.depth,
            quotation.closed,
            quotation.paragraphs,
            quotation.span.text(text).replace('\n', "⏎"),
        );
    }
    out
}
