//! The structural invariants every document must satisfy, checked on fixtures, the seed, edge
//! cases and random input alike.

use sayso_tokenize::{Document, Flags, Segment, TokenKind};

/// Panics with a message naming the first broken invariant.
pub fn check(doc: &Document<'_>) {
    let text = doc.text();
    let tokens = doc.tokens();
    let mut covered = 0;
    for (index, token) in tokens.iter().enumerate() {
        let span = token.span;
        assert!(span.start < span.end, "token {index} is empty");
        assert!(
            span.start >= covered,
            "token {index} overlaps or is out of order"
        );
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        let gap = &text[covered..span.start];
        assert!(
            gap.chars().all(char::is_whitespace),
            "bytes {covered}..{} are neither white space nor a token: {gap:?}",
            span.start
        );
        assert!(!doc.token_text(index).starts_with(char::is_whitespace));
        assert!(!doc.norm(index).is_empty() && !doc.shape(index).is_empty());
        covered = span.end;
    }
    assert!(
        text[covered..].chars().all(char::is_whitespace),
        "trailing bytes not covered"
    );
    check_partition(doc, doc.paragraphs(), "paragraphs");
    check_partition(doc, doc.sentences(), "sentences");
    for sentence in doc.sentences() {
        let inside = doc.paragraphs().iter().any(|paragraph| {
            paragraph.tokens.start <= sentence.tokens.start
                && sentence.tokens.end <= paragraph.tokens.end
        });
        assert!(
            inside,
            "sentence {:?} crosses a paragraph boundary",
            sentence.tokens
        );
    }
    let mut previous_start = 0;
    for quotation in doc.quotations() {
        let range = quotation.tokens.clone();
        assert!(range.start < range.end && range.end <= tokens.len());
        assert!(
            quotation.span.start >= previous_start,
            "quotations are not sorted"
        );
        previous_start = quotation.span.start;
        assert_eq!(quotation.span.start, tokens[range.start].span.start);
        assert_eq!(quotation.span.end, tokens[range.end - 1].span.end);
        assert_eq!(tokens[range.start].kind, TokenKind::QuoteMark);
        assert_eq!(quotation.inner.start, tokens[range.start].span.end);
        assert_eq!(quotation.inner_tokens.start, range.start + 1);
        if quotation.closed {
            assert_eq!(tokens[range.end - 1].kind, TokenKind::QuoteMark);
            assert_eq!(quotation.inner.end, tokens[range.end - 1].span.start);
            assert_eq!(quotation.inner_tokens.end, range.end - 1);
        } else {
            assert_eq!(quotation.inner.end, quotation.span.end);
            assert_eq!(quotation.inner_tokens.end, range.end);
        }
        assert!(quotation.paragraphs >= 1);
        let marks = [range.start, range.end - 1];
        for &mark in &marks[..if quotation.closed { 2 } else { 1 }] {
            let flags = tokens[mark].flags;
            assert!(flags.contains(Flags::QUOTE_OPEN) || flags.contains(Flags::QUOTE_CLOSE));
        }
    }
    // Quotations nest properly and each depth counts the quotations around it (a sweep over
    // the sorted quotations with a stack of the open ones).
    let mut around: Vec<usize> = Vec::new();
    for quotation in doc.quotations() {
        let span = quotation.span;
        while around.last().is_some_and(|&end| end <= span.start) {
            around.pop();
        }
        if let Some(&end) = around.last() {
            assert!(
                span.end <= end,
                "the quotation at {span:?} crosses the one around it"
            );
        }
        assert_eq!(
            quotation.depth as usize,
            around.len(),
            "depth of the quotation at {span:?}"
        );
        around.push(span.end);
    }
}

fn check_partition(doc: &Document<'_>, segments: &[Segment], what: &str) {
    let mut next = 0;
    for segment in segments {
        assert_eq!(
            segment.tokens.start, next,
            "{what} do not partition the tokens"
        );
        assert!(
            segment.tokens.start < segment.tokens.end,
            "empty segment in {what}"
        );
        let first = &doc.tokens()[segment.tokens.start];
        let last = &doc.tokens()[segment.tokens.end - 1];
        assert_eq!(segment.span.start, first.span.start);
        assert_eq!(segment.span.end, last.span.end);
        next = segment.tokens.end;
    }
    assert_eq!(next, doc.tokens().len(), "{what} do not cover every token");
}
