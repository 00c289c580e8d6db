//! Quotations. Quotation marks are paired one paragraph at a time, so that a stray or missing
//! mark can only disturb its own paragraph, never every later quote of an article.
//!
//! Two apostrophes ('') and two backticks (``) are double marks, as in archive copy.
//! Each mark gets a direction: curly marks from their glyph (unless the spacing around them
//! clearly says the opposite, as in German „…“ or a mistyped ” before a word), straight marks
//! from the spacing alone (white space or an opening bracket before and a word after opens;
//! a word before and white space or punctuation after closes; anything else can do either).
//! Marks of one style do not nest, so a second opening mark of a style that is already open
//! means the first was never closed. A quotation still open at the end of its paragraph is
//! carried into the next paragraph only when that paragraph starts with an opening mark of the
//! same style (the news convention for a quote over several paragraphs); otherwise it ends
//! with its paragraph. An opening mark with no word after it (`spiral.” “.`) is stray and
//! produces nothing, and so is an unclosed straight single mark, which is more often an
//! apostrophe ('em, 'til) than a quote, and an unclosed straight mark with white space on both
//! sides (`5'11" and " left`), which is as likely a stray as an opening mark.

use std::ops::Range;

use crate::document::{Flags, Quotation, QuotationStyle, Segment, Span, Token, TokenKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Open,
    Close,
    Either,
}

#[derive(Clone, Copy, Debug)]
struct Mark {
    style: QuotationStyle,
    direction: Direction,
    straight_single: bool,
}

/// Tokens that count as words: a quotation needs one to be more than a stray mark.
fn is_word(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Word | TokenKind::Number | TokenKind::Url | TokenKind::Email
    )
}

/// An opening mark waiting for its closing mark.
#[derive(Clone, Copy, Debug)]
struct Pending {
    token: usize,
    style: QuotationStyle,
    straight_single: bool,
    /// The mark could as well have closed (white space on both sides, ` " `): it makes a
    /// quotation only when a closing mark pairs with it, never an unclosed or carried one.
    ambiguous: bool,
    /// The index of the first word token after the mark (the number of tokens if none).
    first_word_after: usize,
    paragraphs: u32,
}

/// Pairs the quotation marks of `tokens`, whose indices are `quote_marks` in ascending order,
/// sets QUOTE_OPEN, QUOTE_CLOSE and QUOTE_REOPEN, and returns the quotations sorted by start,
/// outer before inner.
pub(crate) fn quotations(
    text: &str,
    tokens: &mut [Token],
    paragraphs: &[Segment],
    quote_marks: &[usize],
) -> Vec<Quotation> {
    let mut pairer = Pairer {
        text,
        tokens,
        stack: Vec::new(),
        position: 0,
        word_search: None,
        // Most quotations have two marks.
        found: Vec::with_capacity(quote_marks.len() / 2 + 1),
    };
    let mut reopened: Option<usize> = None;
    let mut marks = quote_marks;
    for (index, paragraph) in paragraphs.iter().enumerate() {
        let next = paragraphs.get(index + 1).map(|next| next.tokens.clone());
        let in_paragraph = marks.partition_point(|&mark| mark < paragraph.tokens.end);
        let (paragraph_marks, later_marks) = marks.split_at(in_paragraph);
        marks = later_marks;
        pairer.paragraph(paragraph.tokens.clone(), paragraph_marks, reopened);
        reopened = pairer.finish_paragraph(paragraph.tokens.clone(), next);
    }
    let mut found = pairer.found;
    found.sort_by_key(|quotation| (quotation.span.start, std::cmp::Reverse(quotation.span.end)));
    let mut enclosing_ends: Vec<usize> = Vec::new();
    for quotation in &mut found {
        while enclosing_ends
            .last()
            .is_some_and(|&end| end <= quotation.span.start)
        {
            enclosing_ends.pop();
        }
        quotation.depth = u32::try_from(enclosing_ends.len()).unwrap_or(u32::MAX);
        enclosing_ends.push(quotation.span.end);
    }
    found
}

/// The last answer of [`Pairer::next_word`]: no word from `from` up to `found`, which is one.
#[derive(Clone, Copy)]
struct WordSearch {
    from: usize,
    found: usize,
}

struct Pairer<'a, 't> {
    text: &'t str,
    tokens: &'a mut [Token],
    stack: Vec<Pending>,
    /// The token being paired, or the end of the paragraph once all its marks are paired:
    /// only words before it count.
    position: usize,
    word_search: Option<WordSearch>,
    found: Vec<Quotation>,
}

impl Pairer<'_, '_> {
    /// The index of the first word token at or after `from` (the number of tokens if none).
    /// Marks are paired in text order, so the last answer usually holds; otherwise the search
    /// goes on from where the last one stopped, and all the searches together visit each token
    /// at most once.
    fn next_word(&mut self, from: usize) -> usize {
        if let Some(search) = self.word_search
            && (search.from..=search.found).contains(&from)
        {
            return search.found;
        }
        let found = self
            .tokens
            .get(from..)
            .unwrap_or_default()
            .iter()
            .position(|token| is_word(token.kind))
            .map_or(self.tokens.len(), |offset| from + offset);
        self.word_search = Some(WordSearch { from, found });
        found
    }

    /// Pairs the marks of paragraph `range`, the tokens `marks`, given the index of the mark
    /// that reopens a quotation carried over from the paragraph before, if any.
    fn paragraph(&mut self, range: Range<usize>, marks: &[usize], reopened: Option<usize>) {
        // The last mark seen, if it opened (or reopened) a quotation.
        let mut last_opening: Option<usize> = None;
        for &index in marks {
            self.position = index;
            let previous_opened = last_opening.is_some_and(|opening| opening + 1 == index);
            if Some(index) == reopened {
                last_opening = Some(index);
                continue;
            }
            let Some(mark) = self.mark(index, &range, previous_opened) else {
                last_opening = None;
                continue;
            };
            let same_style_open = self
                .stack
                .iter()
                .rposition(|pending| pending.style == mark.style);
            let opens = match mark.direction {
                Direction::Open => true,
                Direction::Close => false,
                Direction::Either => same_style_open.is_none(),
            };
            if opens {
                if let Some(position) = same_style_open {
                    // Marks of one style do not nest: the earlier one was never closed.
                    self.end_unclosed(position, index.saturating_sub(1));
                }
                let first_word_after = self.next_word(index + 1);
                self.stack.push(Pending {
                    token: index,
                    style: mark.style,
                    straight_single: mark.straight_single,
                    ambiguous: mark.direction == Direction::Either,
                    first_word_after,
                    paragraphs: 1,
                });
            } else if let Some(position) = same_style_open {
                // Marks opened inside and never closed are strays.
                self.stack.truncate(position + 1);
                if let Some(pending) = self.stack.pop() {
                    self.record(pending, index, true);
                }
            }
            last_opening = opens.then_some(index);
        }
        self.position = range.end;
    }

    /// Ends or carries what is still open at the end of paragraph `range`, and returns the
    /// index of the mark that reopens a carried quotation in the next paragraph.
    fn finish_paragraph(
        &mut self,
        range: Range<usize>,
        next: Option<Range<usize>>,
    ) -> Option<usize> {
        let position = self.position;
        self.stack
            .retain(|pending| pending.first_word_after < position && !pending.ambiguous);
        let last = range.end.checked_sub(1)?;
        let carried = next.and_then(|next| {
            let first = next.start;
            let bottom = *self.stack.first()?;
            if self.tokens.get(first)?.kind != TokenKind::QuoteMark {
                return None;
            }
            let mark = self.mark(first, &next, false)?;
            let reopens = mark.direction != Direction::Close && mark.style == bottom.style;
            reopens.then_some((first, bottom))
        });
        if let Some((first, _)) = carried {
            while self.stack.len() > 1 {
                self.end_unclosed(self.stack.len() - 1, last);
            }
            if let Some(bottom) = self.stack.first_mut() {
                bottom.paragraphs += 1;
            }
            self.tokens[first].flags.insert(Flags::QUOTE_REOPEN);
            return Some(first);
        }
        while !self.stack.is_empty() {
            self.end_unclosed(self.stack.len() - 1, last);
        }
        None
    }

    /// Ends the pending quotation at stack `position` as unclosed after token `last` (dropping
    /// anything opened inside it); a mark without words after it is dropped as stray.
    fn end_unclosed(&mut self, position: usize, last: usize) {
        self.stack.truncate(position + 1);
        let Some(pending) = self.stack.pop() else {
            return;
        };
        let can_stay_open = !pending.straight_single && !pending.ambiguous;
        if pending.first_word_after < self.position && can_stay_open && last > pending.token {
            self.record(pending, last, false);
        }
    }

    /// Records a quotation from `pending` to token `end`, which is its closing mark when
    /// `closed` and its last token otherwise.
    fn record(&mut self, pending: Pending, end: usize, closed: bool) {
        let open = self.tokens[pending.token];
        let last = self.tokens[end];
        self.tokens[pending.token].flags.insert(Flags::QUOTE_OPEN);
        let (inner_end, inner_tokens_end) = if closed {
            self.tokens[end].flags.insert(Flags::QUOTE_CLOSE);
            (last.span.start, end)
        } else {
            (last.span.end, end + 1)
        };
        self.found.push(Quotation {
            span: Span::new(open.span.start, last.span.end),
            inner: Span::new(open.span.end, inner_end),
            tokens: pending.token..end + 1,
            inner_tokens: pending.token + 1..inner_tokens_end,
            style: pending.style,
            closed,
            depth: 0,
            paragraphs: pending.paragraphs,
        });
    }

    /// The style and direction of quotation mark `index` in paragraph `range`.
    fn mark(&self, index: usize, range: &Range<usize>, previous_opened: bool) -> Option<Mark> {
        let token = self.tokens[index];
        let glyph = token.span.text(self.text);
        let (style, glyph_direction, straight_single) = match glyph {
            "\"" | "''" => (QuotationStyle::Double, Direction::Either, false),
            "``" => (QuotationStyle::Double, Direction::Open, false),
            "'" => (QuotationStyle::Single, Direction::Either, true),
            "“" | "„" | "‟" => (QuotationStyle::Double, Direction::Open, false),
            "”" => (QuotationStyle::Double, Direction::Close, false),
            "‘" | "‚" | "‛" => (QuotationStyle::Single, Direction::Open, false),
            "’" => (QuotationStyle::Single, Direction::Close, false),
            "«" | "‹" => (QuotationStyle::Guillemet, Direction::Open, false),
            "»" | "›" => (QuotationStyle::Guillemet, Direction::Close, false),
            _ => return None,
        };
        let open_before = index == range.start
            || token.flags.contains(Flags::SPACE_BEFORE)
            || previous_opened
            || matches!(
                self.tokens[index - 1].span.text(self.text),
                "(" | "[" | "{" | "—" | "–" | "-" | "--" | "/" | ":"
            );
        let close_after = match self.tokens.get(index + 1) {
            None => true,
            Some(_) if index + 1 >= range.end => true,
            Some(next) if next.flags.contains(Flags::SPACE_BEFORE) => true,
            Some(next) if next.kind == TokenKind::QuoteMark => !open_before,
            Some(next) => {
                next.kind == TokenKind::Punct
                    && matches!(
                        next.span.text(self.text),
                        "." | "," | ";" | ":" | "!" | "?" | ")" | "]" | "}" | "…" | "—" | "–"
                    )
                    || next.span.text(self.text).starts_with("..")
            }
        };
        let direction = match (glyph_direction, open_before, close_after) {
            (Direction::Either, true, false) => Direction::Open,
            (Direction::Either, false, true) => Direction::Close,
            (Direction::Either, _, _) => Direction::Either,
            (Direction::Open, false, true) => Direction::Close,
            (Direction::Close, true, false) => Direction::Open,
            (glyph, _, _) => glyph,
        };
        Some(Mark {
            style,
            direction,
            straight_single,
        })
    }
}
