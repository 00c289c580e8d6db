//! What one run knows about one document: segment boundaries, the annotations rules can consume
//! (quotations, sentences, paragraphs, and the resolved matches of earlier rules), phrase
//! positions, and a memo of token-test results shared by every rule.

use std::cell::OnceCell;

use sayso_lang::ir::{Anchor, BuiltinLabel, LabelId};
use sayso_tokenize::Document;

use crate::hash::FastMap;
use crate::predicate::{CompiledLexicon, Membership, Pred, PredId, Predicates};
use crate::types::{self, DocTypes, Row, TypeMemo};

/// Which annotation a step consumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct AnnotRef {
    pub(crate) label: LabelId,
    /// The quotation, sentence or paragraph index for built-in labels; the match id otherwise.
    pub(crate) index: u32,
}

impl AnnotRef {
    pub(crate) fn encode(self) -> u64 {
        (u64::from(self.label.0) << 32) | u64::from(self.index)
    }

    pub(crate) fn decode(value: u64) -> AnnotRef {
        AnnotRef {
            label: LabelId((value >> 32) as u32),
            index: (value & u64::from(u32::MAX)) as u32,
        }
    }
}

/// One annotation as a token range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AnnotSpan {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) handle: AnnotRef,
}

/// The annotations of one label, indexed by start and by end. The two indexes are built on
/// first use: most labels of a rule set are never read by another rule, and the start index
/// takes a slot per token of the document.
#[derive(Clone, Debug, Default)]
pub(crate) struct LabelIndex {
    by_start: Vec<AnnotSpan>,
    by_end: OnceCell<Vec<AnnotSpan>>,
    /// For each position up to the last start, the index in `by_start` of the first span that
    /// starts there or later, so that the spans starting at a position take two loads to find.
    first_from: OnceCell<Vec<u32>>,
}

impl LabelIndex {
    pub(crate) fn new(mut spans: Vec<AnnotSpan>) -> LabelIndex {
        spans.retain(|span| span.end > span.start);
        // Longer annotations first among those that start together, as for phrases.
        let order = |a: &AnnotSpan, b: &AnnotSpan| a.start.cmp(&b.start).then(b.end.cmp(&a.end));
        // A label's resolved matches come in this order already; sorting them would still take
        // a scratch buffer as large as half the list.
        if !spans.is_sorted_by(|a, b| order(a, b).is_le()) {
            spans.sort_by(order);
        }
        LabelIndex {
            by_start: spans,
            by_end: OnceCell::new(),
            first_from: OnceCell::new(),
        }
    }

    fn by_end(&self) -> &[AnnotSpan] {
        self.by_end.get_or_init(|| {
            let mut by_end = self.by_start.clone();
            by_end.sort_by(|a, b| a.end.cmp(&b.end).then(a.start.cmp(&b.start)));
            by_end
        })
    }

    fn first_from(&self) -> &[u32] {
        self.first_from.get_or_init(|| {
            let spans = &self.by_start;
            let last_start = spans.last().map_or(0, |span| span.start);
            let mut first_from = Vec::with_capacity(last_start + 2);
            // The positions up to each span's start not filled yet come first at that span:
            // one fill per span rather than a test per position.
            for (index, span) in spans.iter().enumerate() {
                if first_from.len() <= span.start {
                    first_from.resize(span.start + 1, index as u32);
                }
            }
            first_from.resize(last_start + 2, spans.len() as u32);
            first_from
        })
    }

    #[inline]
    pub(crate) fn starting_at(&self, position: usize) -> &[AnnotSpan] {
        self.starting_in(position, position)
    }

    #[inline]
    pub(crate) fn ending_at(&self, position: usize) -> &[AnnotSpan] {
        self.ending_in(position, position)
    }

    /// The annotations that start at a boundary of `low..=high`.
    #[inline]
    pub(crate) fn starting_in(&self, low: usize, high: usize) -> &[AnnotSpan] {
        let first_from = self.first_from();
        let index = |position: usize| {
            first_from
                .get(position)
                .map_or(self.by_start.len(), |&i| i as usize)
        };
        let (from, to) = (index(low), index(high.saturating_add(1)));
        self.by_start.get(from..to).unwrap_or_default()
    }

    /// The annotations that end at a boundary of `low..=high`.
    pub(crate) fn ending_in(&self, low: usize, high: usize) -> &[AnnotSpan] {
        let by_end = self.by_end();
        let from = by_end.partition_point(|s| s.end < low);
        let to = by_end.partition_point(|s| s.end <= high);
        by_end.get(from..to).unwrap_or_default()
    }

    /// Whether some annotation lies within the token range `low..high`.
    pub(crate) fn any_inside(&self, low: usize, high: usize) -> bool {
        self.inside(low, high).next().is_some()
    }

    /// The annotations that lie within the token range `low..high`.
    pub(crate) fn inside(&self, low: usize, high: usize) -> impl Iterator<Item = &AnnotSpan> {
        let from = self.by_start.partition_point(|s| s.start < low);
        self.by_start[from..]
            .iter()
            .take_while(move |s| s.start < high)
            .filter(move |s| s.end <= high)
    }

    pub(crate) fn all(&self) -> &[AnnotSpan] {
        &self.by_start
    }
}

/// The entries of one phrase lexicon found in a document. Entries are rare, so they are kept
/// in two short lists searched by position rather than in a list per token, which every
/// document would make, zero and free whole.
#[derive(Clone, Debug, Default)]
pub(crate) struct PhraseTable {
    /// (start, length) of every entry found in the document, by start and, at one start,
    /// longest first.
    by_start: Vec<(u32, u32)>,
    /// (end, length) of the same entries, by end and, at one end, longest first.
    by_end: Vec<(u32, u32)>,
}

/// The entries of `list`, sorted by their first field, whose first field lies in
/// `low..=high`.
fn entries_in(list: &[(u32, u32)], low: usize, high: usize) -> &[(u32, u32)] {
    let from = list.partition_point(|&(at, _)| (at as usize) < low);
    let to = list.partition_point(|&(at, _)| at as usize <= high);
    list.get(from..to).unwrap_or_default()
}

/// The per-document state of a run.
pub(crate) struct DocContext<'r, 'd, 't> {
    pub(crate) doc: &'d Document<'t>,
    pub(crate) token_count: usize,
    preds: &'r Predicates,
    lexicons: &'r [CompiledLexicon],
    /// The anchors holding at each boundary, as bits.
    anchor_masks: Vec<u8>,
    /// Sentence index of each token.
    pub(crate) sentence_of: Vec<u32>,
    /// Paragraph index of each token.
    pub(crate) paragraph_of: Vec<u32>,
    labels: Vec<LabelIndex>,
    phrases: FastMap<usize, PhraseTable>,
    /// What is shared with the other documents of this thread; `None` in the plain
    /// simulation.
    sharing: Option<Sharing<'r>>,
    /// The positions under each index key, found in one pass on first use.
    key_positions: OnceCell<KeyPositions>,
    /// Every position, which the plain simulation gives for every key.
    every_position: OnceCell<Vec<u32>>,
}

/// The sorted positions of the tokens under each index key, one key's list after another in
/// one buffer, so that a document costs two allocations however many keys the rules have.
#[derive(Debug, Default)]
struct KeyPositions {
    /// Where each key's list starts in `positions`, and where the last one ends.
    starts: Vec<u32>,
    positions: Vec<u32>,
}

/// What a run shares with the other runs of a thread and with the rule set.
#[derive(Clone, Copy)]
pub(crate) struct Sharing<'r> {
    /// The type of each token of the document, and where the keyed and phrase-starting ones
    /// are.
    pub(crate) types: &'r DocTypes,
    /// Test results and index keys per type.
    pub(crate) memo: &'r TypeMemo,
    /// Which lexicons hold each single-word entry.
    pub(crate) membership: &'r Membership,
}

/// A key under which the positions of tokens that may pass a test can be looked up.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IndexKey {
    /// Tokens with this normalised form.
    Norm(String),
    /// Tokens whose normalised form is a single-word entry of the lexicon.
    Lexicon(usize),
    /// Tokens whose normalised form is a form of the lemma in the inflection lexicon.
    Lemma(usize, String),
    /// Tokens under any of the keys.
    Union(Vec<IndexKey>),
    /// Tokens under `base` that pass the whole token test `test`: a cue such as
    /// `[SAY & /.*ing/]` is rarer than its lexicon.
    Refined { base: Box<IndexKey>, test: PredId },
}

impl<'r, 'd, 't> DocContext<'r, 'd, 't> {
    pub(crate) fn new(
        doc: &'d Document<'t>,
        preds: &'r Predicates,
        lexicons: &'r [CompiledLexicon],
        phrase_lexicons: &[usize],
        label_count: usize,
        sharing: Option<Sharing<'r>>,
    ) -> Self {
        let token_count = doc.tokens().len();
        let bit = crate::vm::anchor_bit;
        let mut anchor_masks = vec![0u8; token_count + 1];
        anchor_masks[0] |= bit(Anchor::DocumentStart);
        anchor_masks[token_count] |= bit(Anchor::DocumentEnd);
        let mut sentence_of = vec![0u32; token_count];
        for (index, sentence) in doc.sentences().iter().enumerate() {
            if sentence.tokens.start < sentence.tokens.end && sentence.tokens.end <= token_count {
                anchor_masks[sentence.tokens.start] |= bit(Anchor::SentenceStart);
                anchor_masks[sentence.tokens.end] |= bit(Anchor::SentenceEnd);
                for slot in &mut sentence_of[sentence.tokens.clone()] {
                    *slot = index as u32;
                }
            }
        }
        let mut paragraph_of = vec![0u32; token_count];
        for (index, paragraph) in doc.paragraphs().iter().enumerate() {
            if paragraph.tokens.start < paragraph.tokens.end && paragraph.tokens.end <= token_count
            {
                anchor_masks[paragraph.tokens.start] |= bit(Anchor::ParagraphStart);
                anchor_masks[paragraph.tokens.end] |= bit(Anchor::ParagraphEnd);
                for slot in &mut paragraph_of[paragraph.tokens.clone()] {
                    *slot = index as u32;
                }
            }
        }
        let mut labels = vec![LabelIndex::default(); label_count.max(3)];
        let quotes = doc
            .quotations()
            .iter()
            .enumerate()
            .filter(|(_, q)| q.tokens.end <= token_count)
            .map(|(index, q)| AnnotSpan {
                start: q.tokens.start,
                end: q.tokens.end,
                handle: AnnotRef {
                    label: BuiltinLabel::Quote.id(),
                    index: index as u32,
                },
            })
            .collect();
        labels[BuiltinLabel::Quote.id().0 as usize] = LabelIndex::new(quotes);
        for (builtin, segments) in [
            (BuiltinLabel::Sentence, doc.sentences()),
            (BuiltinLabel::Paragraph, doc.paragraphs()),
        ] {
            let spans = segments
                .iter()
                .enumerate()
                .filter(|(_, s)| s.tokens.end <= token_count)
                .map(|(index, s)| AnnotSpan {
                    start: s.tokens.start,
                    end: s.tokens.end,
                    handle: AnnotRef {
                        label: builtin.id(),
                        index: index as u32,
                    },
                })
                .collect();
            labels[builtin.id().0 as usize] = LabelIndex::new(spans);
        }
        let mut context = DocContext {
            anchor_masks,
            doc,
            token_count,
            preds,
            lexicons,
            sentence_of,
            paragraph_of,
            labels,
            phrases: FastMap::default(),
            sharing,
            key_positions: OnceCell::new(),
            every_position: OnceCell::new(),
        };
        context.phrases = context.phrase_tables(phrase_lexicons);
        context
    }

    /// The entries of the rule set's phrase lexicons in the document, by lexicon. The tokens
    /// are visited once for all the lexicons, each reading which lexicons its type may begin
    /// an entry of: a visit per lexicon spent more on tokens that begin none than on finding
    /// the entries.
    fn phrase_tables(&self, phrase_lexicons: &[usize]) -> FastMap<usize, PhraseTable> {
        if phrase_lexicons.is_empty() {
            return FastMap::default();
        }
        let mut tables: Vec<PhraseTable> = phrase_lexicons
            .iter()
            .map(|_| PhraseTable::default())
            .collect();
        let mut add = |index: usize, position: usize| {
            if let (Some(table), Some(&lexicon)) =
                (tables.get_mut(index), phrase_lexicons.get(index))
            {
                self.add_entries_at(table, lexicon, position);
            }
        };
        match self.sharing {
            Some(sharing) => {
                let types = sharing.types;
                for (position, id) in types.typed(&types.phrase_starting) {
                    let mut starts = sharing.memo.phrase_starts(id);
                    while starts != 0 {
                        add(starts.trailing_zeros() as usize, position as usize);
                        starts &= starts - 1;
                    }
                }
                // The memo tells the first 64 lexicons apart; the others look everywhere.
                for index in 64..phrase_lexicons.len() {
                    for position in 0..self.token_count {
                        add(index, position);
                    }
                }
            }
            None => {
                for position in 0..self.token_count {
                    for index in 0..phrase_lexicons.len() {
                        add(index, position);
                    }
                }
            }
        }
        phrase_lexicons
            .iter()
            .zip(tables)
            .map(|(&lexicon, mut table)| {
                // Entries come by start; among those ending together, the earlier start, the
                // longer one, stays first.
                table.by_end.sort_by_key(|&(end, _)| end);
                (lexicon, table)
            })
            .collect()
    }

    /// Adds the entries of phrase lexicon `lexicon` that start at `position` to `table`.
    fn add_entries_at(&self, table: &mut PhraseTable, lexicon: usize, position: usize) {
        let Some(lex) = self.lexicons.get(lexicon) else {
            return;
        };
        let Some(indices) = lex.phrases_by_first.get(lex.key(self.doc, position)) else {
            return;
        };
        let entries = indices.iter().filter_map(|&index| lex.phrases.get(index));
        let first = table.by_start.len();
        for entry in entries {
            let len = entry.len();
            if position + len > self.token_count {
                continue;
            }
            let all = entry
                .iter()
                .enumerate()
                .all(|(offset, key)| lex.key(self.doc, position + offset) == key);
            let found = (position as u32, len as u32);
            if all && !table.by_start[first..].contains(&found) {
                table.by_start.push(found);
                table.by_end.push(((position + len) as u32, len as u32));
            }
        }
    }

    /// The sorted positions of the tokens under index key number `id` of the rule set, found
    /// for all keys in one pass over the token types; every position in the plain simulation,
    /// which keeps no types.
    pub(crate) fn positions_of(&self, id: usize) -> &[u32] {
        let Some(sharing) = self.sharing else {
            return self
                .every_position
                .get_or_init(|| (0..self.token_count as u32).collect());
        };
        let all = self.key_lists(sharing);
        let start = all.starts.get(id).copied().unwrap_or(0) as usize;
        let end = all.starts.get(id + 1).copied().unwrap_or(0) as usize;
        all.positions.get(start..end).unwrap_or_default()
    }

    /// The positions of [`DocContext::positions_of`] from `low` to `high`, both included.
    pub(crate) fn positions_within(&self, id: usize, low: usize, high: usize) -> &[u32] {
        let positions = self.positions_of(id);
        let from = positions.partition_point(|&at| (at as usize) < low);
        let to = positions.partition_point(|&at| at as usize <= high);
        positions.get(from..to).unwrap_or_default()
    }

    /// The index keys some token is under; `None` in the plain simulation, which knows no
    /// keys.
    pub(crate) fn present_keys(&self) -> Option<crate::bits::BitSet> {
        let starts = &self.key_lists(self.sharing?).starts;
        let count = starts.len().saturating_sub(1);
        Some(crate::bits::BitSet::new(count, |key| {
            starts[key] < starts[key + 1]
        }))
    }

    /// The positions under every index key, found on first use.
    fn key_lists(&self, sharing: Sharing<'_>) -> &KeyPositions {
        self.key_positions.get_or_init(|| {
            let memo = sharing.memo;
            let types = sharing.types;
            let keyed = || types.typed(&types.keyed);
            let mut starts = vec![0u32; memo.key_count() + 1];
            for (_, id) in keyed() {
                for &key in memo.keys(id) {
                    if let Some(count) = starts.get_mut(key as usize + 1) {
                        *count += 1;
                    }
                }
            }
            for key in 1..starts.len() {
                starts[key] += starts[key - 1];
            }
            // Each key's next free place, starting at its list's start.
            let mut next = starts.clone();
            let mut positions = vec![0u32; starts.last().copied().unwrap_or(0) as usize];
            for (position, id) in keyed() {
                for &key in memo.keys(id) {
                    if let Some(place) = next.get_mut(key as usize)
                        && let Some(slot) = positions.get_mut(*place as usize)
                    {
                        *slot = position;
                        *place += 1;
                    }
                }
            }
            KeyPositions { starts, positions }
        })
    }

    /// Replaces the annotations of a rule label by its resolved matches.
    pub(crate) fn set_label(&mut self, label: LabelId, spans: Vec<AnnotSpan>) {
        let index = label.0 as usize;
        if index >= self.labels.len() {
            self.labels.resize(index + 1, LabelIndex::default());
        }
        self.labels[index] = LabelIndex::new(spans);
    }

    pub(crate) fn label(&self, label: LabelId) -> Option<&LabelIndex> {
        self.labels.get(label.0 as usize)
    }

    /// The memoized results of token `index`'s type, when sharing work: a caller asking many
    /// predicates of one token finds them side by side.
    #[inline]
    pub(crate) fn memo_row(&self, index: usize) -> Option<Row<'r>> {
        let sharing = self.sharing?;
        sharing.memo.row(*sharing.types.ids.get(index)?)
    }

    /// Whether token `index` passes predicate `pred`.
    #[inline]
    pub(crate) fn pred(&self, pred: PredId, index: usize) -> bool {
        self.pred_in(self.memo_row(index), pred, index)
    }

    /// Whether token `index`, whose row of results is `row` (found once by a caller that asks
    /// several tests of the token), passes `pred`. The hot path is a memo hit: a few loads and
    /// a compare, inlined into the VM loops.
    #[inline]
    pub(crate) fn pred_in(&self, row: Option<Row<'r>>, pred: PredId, index: usize) -> bool {
        match row.map(|row| row.get(pred)) {
            Some(types::PASSES) => true,
            Some(types::FAILS) => false,
            _ => self.pred_slow(pred, index),
        }
    }

    /// Whether token `index` passes one of `tests`, reading its row of results once.
    pub(crate) fn any_passes(&self, tests: &[PredId], index: usize) -> bool {
        let row = self.memo_row(index);
        tests.iter().any(|&test| self.pred_in(row, test, index))
    }

    #[inline(never)]
    fn pred_slow(&self, pred: PredId, index: usize) -> bool {
        let Some(row) = self.memo_row(index) else {
            return self.preds.eval(pred, self.doc, index, self.lexicons);
        };
        // Compound tests evaluate their parts through the memo, so a lexicon lookup shared by
        // many compound tests happens once per type. The parts are read from the type's row at
        // hand: most are decided, and finding the row again for each cost more than reading it.
        let part = |part: PredId| self.pred_in(Some(row), part, index);
        let result = match self.preds.tests.get(pred) {
            Some(Pred::And(parts)) => parts.iter().all(|&(inner, negated)| part(inner) != negated),
            Some(Pred::Or(parts)) => parts.iter().any(|&(inner, negated)| part(inner) != negated),
            Some(Pred::Not(inner)) => !part(*inner),
            Some(Pred::InLexicon(lexicon)) => self.in_lexicon(*lexicon, index),
            _ => self.preds.eval(pred, self.doc, index, self.lexicons),
        };
        row.set(pred, result);
        result
    }

    /// Whether token `index` is a single-word entry of `lexicon`, through the membership table
    /// when sharing work (it is asked once per token type then).
    fn in_lexicon(&self, lexicon: usize, index: usize) -> bool {
        let Some(sharing) = self.sharing else {
            return self
                .lexicons
                .get(lexicon)
                .is_some_and(|lex| lex.single.contains(lex.key(self.doc, index)));
        };
        sharing
            .membership
            .of(self.doc.norm(index), self.doc.token_text(index))
            .include(lexicon as u32)
    }

    /// The anchors that hold at boundary `position`, one bit each as [`crate::vm::anchor_bit`]
    /// gives them.
    #[inline]
    pub(crate) fn anchor_mask(&self, position: usize) -> u8 {
        self.anchor_masks.get(position).copied().unwrap_or(0)
    }

    /// Whether the zero-width `anchor` holds at boundary `position`.
    pub(crate) fn anchor(&self, anchor: Anchor, position: usize) -> bool {
        self.anchor_mask(position) & crate::vm::anchor_bit(anchor) != 0
    }

    /// The (start, length) of the entries of phrase lexicon `lexicon` starting at a token of
    /// `low..=high`, by start, longest first at one start.
    pub(crate) fn phrases_starting_in(
        &self,
        lexicon: usize,
        low: usize,
        high: usize,
    ) -> &[(u32, u32)] {
        self.phrases
            .get(&lexicon)
            .map_or(&[], |table| entries_in(&table.by_start, low, high))
    }

    /// The (end, length) of the entries ending at a boundary of `low..=high`, by end,
    /// longest first at one end.
    pub(crate) fn phrases_ending_in(
        &self,
        lexicon: usize,
        low: usize,
        high: usize,
    ) -> &[(u32, u32)] {
        self.phrases
            .get(&lexicon)
            .map_or(&[], |table| entries_in(&table.by_end, low, high))
    }

    /// The (start, length) of the entries starting at token `position`, longest first.
    pub(crate) fn phrases_starting(&self, lexicon: usize, position: usize) -> &[(u32, u32)] {
        self.phrases_starting_in(lexicon, position, position)
    }

    /// The (end, length) of the entries ending at boundary `position`, longest first.
    pub(crate) fn phrases_ending(&self, lexicon: usize, position: usize) -> &[(u32, u32)] {
        self.phrases_ending_in(lexicon, position, position)
    }
}
