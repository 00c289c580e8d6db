//! Paragraphs. Blank lines separate paragraphs; a text without any blank line between its
//! tokens (one paragraph per line, as in many feeds) is split at every line break instead. In a
//! text with blank lines, a single line break next to a line too long to have been wrapped by
//! hand also ends a paragraph, for texts that mix both conventions.

use crate::document::{Flags, Segment, Span, Token};
use crate::scan::LineBreak;

/// A line longer than this (in bytes) was not wrapped by hand: in a text whose paragraphs are
/// separated by blank lines, a single line break next to such a line still ends a paragraph
/// (a title block over blank lines, then one paragraph per line).
const UNWRAPPED_LINE_LEN: usize = 100;

/// The byte length of the line made of `tokens[range]`.
fn line_len(tokens: &[Token], range: std::ops::Range<usize>) -> usize {
    match (
        tokens.get(range.start),
        range.end.checked_sub(1).and_then(|last| tokens.get(last)),
    ) {
        (Some(first), Some(last)) if range.start < range.end => last.span.end - first.span.start,
        _ => 0,
    }
}

/// Splits the tokens into paragraphs and sets PARA_START and PARA_END.
pub(crate) fn paragraphs(tokens: &mut [Token], line_breaks: &[LineBreak]) -> Vec<Segment> {
    // A break before the first token is leading white space, not a separator.
    let separators = line_breaks.iter().filter(|line_break| line_break.token > 0);
    let has_blank_line = separators.clone().any(|line_break| line_break.count >= 2);
    let min_count = if has_blank_line { 2 } else { 1 };
    // At most one paragraph more than there are line breaks.
    let mut segments = Vec::with_capacity(line_breaks.len() + 1);
    let mut start = 0;
    let mut later_breaks = separators
        .clone()
        .map(|line_break| line_break.token)
        .skip(1);
    let mut line_start = 0;
    for line_break in separators {
        // The lines on both sides of this break: [line_start, break) and [break, next break).
        let following = later_breaks.next().unwrap_or(tokens.len());
        let before = line_len(tokens, line_start..line_break.token);
        let after = line_len(tokens, line_break.token..following);
        line_start = line_break.token;
        let separates = line_break.count >= min_count
            || before > UNWRAPPED_LINE_LEN
            || after > UNWRAPPED_LINE_LEN;
        if !separates {
            continue;
        }
        push_segment(
            &mut segments,
            tokens,
            start..line_break.token,
            Flags::PARA_START,
            Flags::PARA_END,
        );
        start = line_break.token;
    }
    push_segment(
        &mut segments,
        tokens,
        start..tokens.len(),
        Flags::PARA_START,
        Flags::PARA_END,
    );
    segments
}

/// Appends the segment of tokens `range` (if not empty) and flags its first and last token.
pub(crate) fn push_segment(
    segments: &mut Vec<Segment>,
    tokens: &mut [Token],
    range: std::ops::Range<usize>,
    first: Flags,
    last: Flags,
) {
    if range.start >= range.end || range.end > tokens.len() {
        return;
    }
    tokens[range.start].flags.insert(first);
    tokens[range.end - 1].flags.insert(last);
    segments.push(Segment {
        span: Span::new(
            tokens[range.start].span.start,
            tokens[range.end - 1].span.end,
        ),
        tokens: range,
    });
}
