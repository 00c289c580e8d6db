//! Per-position marks reused by every rule of a run, and by the thread's next documents.
//!
//! A rule set of a thousand rules must not pay a thousand passes over the document for rules that
//! can only match near a few tokens: the per-position marks here are sized once per document,
//! set only where a rule may start, and cleared only where they were set.

/// Per-position marks shared by the rules of one run; every mark is false between rules.
#[derive(Debug, Default)]
pub(crate) struct PositionMarks {
    /// Where the current rule may start (one entry per boundary).
    allowed: Vec<bool>,
    /// The ranges of `allowed` set to true, merged, to clear them afterwards.
    marked: Vec<(usize, usize)>,
    /// Where some match of the current rule starts in the current segment.
    match_starts: Vec<bool>,
}

impl PositionMarks {
    /// Sizes the buffers for a document of `token_count` tokens. Every mark is false already,
    /// so the memory of earlier documents is kept as it is.
    pub(crate) fn reset(&mut self, token_count: usize) {
        for marks in [&mut self.allowed, &mut self.match_starts] {
            marks.truncate(token_count + 1);
            marks.resize(token_count + 1, false);
        }
        self.marked.clear();
    }

    /// Marks every boundary at most `before` tokens before a position of `positions` (sorted),
    /// and the position itself, and lends out the marks.
    pub(crate) fn mark_before(&mut self, positions: &[u32], before: usize) -> Vec<bool> {
        let mut allowed = std::mem::take(&mut self.allowed);
        self.marked.clear();
        for &position in positions {
            let position = position as usize;
            if position >= allowed.len() {
                continue;
            }
            let low = position.saturating_sub(before);
            match self.marked.last_mut() {
                Some((_, high)) if low <= *high + 1 => *high = (*high).max(position),
                _ => self.marked.push((low, position)),
            }
        }
        for &(low, high) in &self.marked {
            if let Some(range) = allowed.get_mut(low..=high) {
                range.fill(true);
            }
        }
        allowed
    }

    /// Takes back the marks lent by [`PositionMarks::mark_before`], clearing what was set.
    pub(crate) fn give_back(&mut self, allowed: Option<Vec<bool>>) {
        let Some(mut allowed) = allowed else {
            return;
        };
        for &(low, high) in &self.marked {
            if let Some(range) = allowed.get_mut(low..=high) {
                range.fill(false);
            }
        }
        self.marked.clear();
        self.allowed = allowed;
    }

    /// Lends out the match-start marks; the caller clears each segment it set.
    pub(crate) fn take_match_starts(&mut self) -> Vec<bool> {
        std::mem::take(&mut self.match_starts)
    }

    /// Takes back the match-start marks, all false again.
    pub(crate) fn give_back_match_starts(&mut self, match_starts: Vec<bool>) {
        self.match_starts = match_starts;
    }
}
