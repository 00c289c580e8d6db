//! Paragraphs. Blank lines separate paragraphs; a text without any blank line between its
//! tokens (one paragraph per line, as in many feeds) is split at every line break instead.

use crate::document::{Flags, Segment, Span, Token};
use crate::scan::LineBreak;

/// Splits the tokens into paragraphs and sets PARA_START and PARA_END.
pub(crate) fn paragraphs(tokens: &mut [Token], line_breaks: &[LineBreak]) -> Vec<Segment> {
    // A break before the first token is leading white space, not a separator.
    let separators = line_breaks.iter().filter(|line_break| line_break.token > 0);
    let has_blank_line = separators.clone().any(|line_break| line_break.count >= 2);
    let min_count = if has_blank_line { 2 } else { 1 };
    let mut segments = Vec::new();
    let mut start = 0;
    for line_break in separators.filter(|line_break| line_break.count >= min_count) {
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
