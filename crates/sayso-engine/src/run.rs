//! One run of a rule set over a document: the cascade of rules, conflict resolution per label,
//! links, and the assembly of the final match list with provenance.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;

use sayso_lang::ir::{self, BuiltinLabel, EmitValue, LabelId, RuleId, Scope};
use sayso_tokenize::{Document, Span, Token};

use crate::backtrack::{Backtracker, Guide, Search};
use crate::compile::Compiled;
use crate::context::{AnnotRef, AnnotSpan, DocContext, Sharing};
use crate::live::{Direction, Pass};
use crate::vm::{self, Counters, Start, Tracker, UNSET, Window};
use crate::{
    Attrs, CompiledRule, Field, IndexEntry, Match, NearAnnotation, OrderedStep, RuleSet, Side,
};

/// A match before it is placed in the final list.
#[derive(Clone, Debug)]
pub(crate) struct Raw<'r> {
    pub(crate) rule: RuleId,
    pub(crate) label: LabelId,
    pub(crate) tokens: Range<usize>,
    /// Its capture slots, a range of the run's slot pool.
    pub(crate) slots: Range<usize>,
    pub(crate) fields: Vec<RawField<'r>>,
    pub(crate) consumed: Vec<AnnotRef>,
}

/// A field of a match before output, which many matches never reach: they lose, or are only
/// consumed. Its name is the one the rule set made for the field, borrowed.
#[derive(Clone, Debug)]
pub(crate) struct RawField<'r> {
    pub(crate) name: &'r Arc<str>,
    /// `None` for the span of its tokens, worked out at output: the output comes in text
    /// order, so the tokens are read in order rather than wherever each rule matched.
    pub(crate) span: Option<Span>,
    /// The document's tokens it covers: a non-empty range when `span` is `None`.
    pub(crate) tokens: Range<usize>,
}

impl RawField<'_> {
    fn to_field(&self, tokens: &[Token]) -> Field {
        Field {
            name: Arc::clone(self.name),
            span: self
                .span
                .or_else(|| token_span(tokens, &self.tokens))
                .unwrap_or_default(),
            tokens: self.tokens.clone(),
        }
    }
}

/// Everything a run produces, for `run`, `run_with_stats` and `explain`.
pub(crate) struct Outcome<'r, 'd> {
    /// The rule set, whose rules give the constants of their matches at output.
    pub(crate) set: &'r RuleSet,
    /// The document's tokens, which give the spans of matches and fields at output.
    pub(crate) tokens: &'d [Token],
    pub(crate) arena: Vec<Raw<'r>>,
    /// Arena ids of the surviving matches, in output order.
    pub(crate) output: Vec<usize>,
    /// (loser, winner) arena ids from conflict resolution.
    pub(crate) losers: Vec<(usize, usize)>,
    /// (match, link index) for matches dropped because a `required` link found nothing.
    pub(crate) unlinked: Vec<(usize, usize)>,
    /// The work of each rule that ran, in the order it ran; a rule whose links ran too has
    /// more than one entry. A large rule set runs few of its rules per document, so the
    /// counters are not kept per rule.
    pub(crate) counters: Vec<(RuleId, Counters)>,
    pub(crate) tracker: Tracker,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LabelState {
    Unresolved,
    InProgress,
    Resolved,
}

/// One run: `'r` is the rule set's lifetime, `'c` that of the thread's cache it borrows.
struct Cascade<'r, 'c, 'd, 't> {
    set: &'r RuleSet,
    context: DocContext<'c, 'd, 't>,
    arena: Vec<Raw<'r>>,
    /// The capture slots of every match in the arena, one after another: a vector per match
    /// was an allocation per match.
    slot_pool: Vec<u64>,
    pending: Vec<Vec<usize>>,
    state: Vec<LabelState>,
    winners: Vec<Vec<usize>>,
    losers: Vec<(usize, usize)>,
    unlinked: Vec<(usize, usize)>,
    counters: Vec<(RuleId, Counters)>,
    explain: Option<RuleId>,
    tracker: Tracker,
    /// The sentence, paragraph and document segments as token ranges.
    segment_lists: [Rc<[(usize, usize)]>; 3],
    /// The Pike VM's buffers. They hold reference-counted captures, so they cannot be sent
    /// to another thread with the cache, and the optimized run uses them little.
    scratch: vm::Scratch,
    /// The Pike VM's buffers for the `when` conditions of links, which are asked while the
    /// cascade is only read.
    link_scratch: RefCell<vm::Scratch>,
    /// The liveness automata this thread has built so far, by rule.
    live: &'c mut [crate::live::LiveDfa],
    /// The liveness automaton of each distinct lookaround.
    look_live: &'c mut [crate::live::LiveDfa],
    /// The live states of the segment at hand.
    live_buffer: &'c mut Vec<u32>,
    /// The bytes the automata in `live` and `look_live` take, updated as each grows (or, past
    /// its own bound, starts again).
    automata_bytes: &'c mut usize,
    /// Lookaround tables computed in this document, by (lookaround id, segment).
    look_tables: crate::hash::FastMap<(u32, usize, usize), LookTable>,
    /// The lookaround tables of the stretch at hand: one list for the document rather than an
    /// allocation for each of some 90,000 stretches over a news corpus. (Its tables are shared
    /// with `look_tables`, so it cannot live in the thread's buffers, which go between threads.)
    stretch_tables: Vec<Rc<[bool]>>,
    /// For each label, its winners settled so far (see [`CompiledRule::outranked_first`]);
    /// grown to a label when its first rule that can use them runs.
    outranking: Vec<Outranking>,
}

/// The winners of one label's conflicts among its matches above some priority. Conflicts are
/// decided in priority order, so once every rule of the label above that priority has run,
/// these win whatever the rules below it find.
#[derive(Debug, Default)]
struct Outranking {
    /// The priority that every match taken into account is above (`None`: none yet).
    above: Option<i32>,
    winners: Winners,
}

/// The order in which conflicts are decided: higher priority, then more tokens, then the
/// earlier start, then the rule declared first; then the arena id, which makes every key
/// distinct, and the end token.
type ConflictKey = (
    std::cmp::Reverse<i32>,
    std::cmp::Reverse<usize>,
    usize,
    RuleId,
    usize,
    usize,
);

/// Winners of one label's conflicts, by start token: (end token, arena id). They never
/// overlap, so the one starting last before a candidate's end is the only one that can
/// overlap it.
#[derive(Debug, Default)]
struct Winners(BTreeMap<usize, (usize, usize)>);

impl Winners {
    /// Takes match `id` over `tokens` as a winner, unless a winner overlaps it: then returns
    /// that winner.
    fn take(&mut self, tokens: Range<usize>, id: usize) -> Option<usize> {
        let blocker = self
            .0
            .range(..tokens.end)
            .next_back()
            .filter(|(_, (end, _))| *end > tokens.start)
            .map(|(_, (_, winner))| *winner);
        if blocker.is_none() {
            self.0.insert(tokens.start, (tokens.end, id));
        }
        blocker
    }

    /// Whether token `at` lies in a winner.
    fn cover(&self, at: usize) -> bool {
        self.overlap(at, at + 1)
    }

    /// Whether a winner overlaps the tokens `start..end`.
    fn overlap(&self, start: usize, end: usize) -> bool {
        self.0
            .range(..end)
            .next_back()
            .is_some_and(|(_, (winner_end, _))| *winner_end > start)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A lookaround's table over a segment, and the boundaries where it is exact: elsewhere it
/// may say false where the lookaround holds.
struct LookTable {
    table: Rc<[bool]>,
    exact: (usize, usize),
}

/// Buffers a thread's runs reuse from document to document: allocated for each document, they
/// were grown again for each, tens of allocations a document. A run borrows them from the
/// thread's cache beside its cascade.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    backtracker: Backtracker,
    /// Per-position buffers reused by every rule, all false between rules, so that a rule
    /// costs work in proportion to where it can match rather than to the document's length.
    marks: crate::scratch::PositionMarks,
    /// The live states of a lookaround over the segment at hand.
    look_buffer: Vec<u32>,
    /// The stretches of the rule at hand.
    stretches: Vec<Stretch>,
    /// The positions of the rule's rarest key that can be in a match, when some cannot.
    key_positions: Vec<u32>,
}

/// A segment a rule can match in, with the bounds its index keys set: a match holds a token
/// under the key, so it starts no later than the last such token and, when the rule bounds
/// how far a match reaches past that token, ends within that reach of it.
#[derive(Clone, Copy, Debug)]
struct Stretch {
    low: usize,
    high: usize,
    /// The first and last boundaries where a match can start.
    first_start: usize,
    last_start: usize,
    /// The last boundary where a match can end.
    last_end: usize,
}

impl Stretch {
    /// Narrows the stretch to the matches that hold a token at one of `positions` (sorted)
    /// under the index key `entry`; false when none can. `cursor` is where the search in
    /// `positions` starts: stretches come in order, so it only moves forward.
    fn narrow(&mut self, positions: &[u32], cursor: &mut usize, entry: &IndexEntry) -> bool {
        // The key's token lies at or after the match's start and before its end.
        *cursor = gallop(positions, *cursor, self.first_start);
        let end = gallop(positions, *cursor, self.last_end);
        if end <= *cursor {
            return false;
        }
        let (first, last) = (positions[*cursor] as usize, positions[end - 1] as usize);
        self.last_start = self.last_start.min(last);
        if let Some(before) = entry.before {
            self.first_start = self.first_start.max(first.saturating_sub(before as usize));
        }
        if let Some(after) = entry.after {
            self.last_end = self
                .last_end
                .min(last.saturating_add(after as usize).saturating_add(1));
        }
        self.first_start <= self.last_start && self.last_start < self.last_end
    }

    /// A whole segment: a match can start anywhere in it (up to `last_start`) and end at its end.
    fn whole((low, high): (usize, usize), last_start: usize) -> Stretch {
        Stretch {
            low,
            high,
            first_start: low,
            last_start,
            last_end: high,
        }
    }
}

/// A rule's rarest index key and the positions of its tokens that can be in a match; `None`
/// for a rule without index keys, which can match anywhere.
type Rarest<'e> = Option<(&'e IndexEntry, &'e [u32])>;

/// What one link did for one match.
enum LinkOutcome<'r> {
    /// The anchor did not take part or did not match `when`: the link does not apply.
    NotApplicable,
    /// The link applies but no candidate passed its conditions.
    Unresolved,
    /// The value found.
    Resolved(RawField<'r>),
}

/// The non-empty segments as token ranges; the whole document when there are none.
fn segment_ranges(
    doc: &Document<'_>,
    segments: &[sayso_tokenize::Segment],
) -> Rc<[(usize, usize)]> {
    let count = doc.tokens().len();
    let mut ranges: Vec<(usize, usize)> = segments
        .iter()
        .filter(|s| s.tokens.start < s.tokens.end && s.tokens.end <= count)
        .map(|s| (s.tokens.start, s.tokens.end))
        .collect();
    if ranges.is_empty() && count > 0 {
        ranges.push((0, count));
    }
    Rc::from(ranges)
}

/// The table of a lookahead that reads at most `margin` tokens, exact over `exact`: it can
/// only hold where its first step can be taken, so the pass runs over a short window from each
/// such boundary, not over the whole range. Most clause-end lookaheads start with a comma or a
/// conjunction, a few boundaries of a sentence. A lookahead whose match can be empty holds
/// wherever its anchors do: it is sparse only when those are known (see `begins`), and is
/// passed whole by the caller otherwise.
///
/// With `begins` (see [`crate::compile::Look::begins`]), only the positions under its keys
/// and the boundaries where its anchors hold are asked whether a match can begin there: the
/// commas, conjunctions and sentence ends of a sentence rather than each of its boundaries.
fn sparse_lookahead(
    dfa: &mut crate::live::LiveDfa,
    pass: &Pass<'_, '_, '_, '_>,
    (exact, margin): ((usize, usize), usize),
    begins: Option<&crate::compile::LookBegins>,
    buffer: &mut Vec<u32>,
    counters: &mut Counters,
) -> Rc<[bool]> {
    let (low, high) = (pass.window.low, pass.window.high);
    let may_begin = |at: usize| pass.prog.may_begin(pass.context, at);
    // Made in place: a vector turned into an `Rc` afterwards is copied into a second
    // allocation, one more for each of some 40,000 tables over a news corpus.
    let mut shared: Rc<[bool]> = std::iter::repeat_n(false, high.saturating_sub(low) + 1).collect();
    // A slice just collected has no other owner: this borrows it, it copies nothing.
    let table = Rc::make_mut(&mut shared);
    let (first, last) = (exact.0.max(low), exact.1.min(high));
    let mut candidates = Candidates::new(pass.context, begins, (first, last));
    while let Some(at) = candidates.next() {
        if !may_begin(at) {
            continue;
        }
        // The boundaries whose windows overlap share one pass.
        let start = at;
        let mut end = at;
        while let Some(at) = candidates.next_within(end + margin) {
            if may_begin(at) {
                end = at;
            }
        }
        let window = Pass {
            from: start,
            to: end.saturating_add(margin).min(high),
            ..*pass
        };
        let live = dfa.compute(&window, buffer, counters);
        for (cell, boundary) in table[start - low..=end - low].iter_mut().zip(start..) {
            *cell = live.holds(boundary, 0);
        }
    }
    shared
}

/// The most matches a document's match list has room for from the start.
const MAX_EXPECTED_MATCHES: usize = 1 << 12;

/// The most capture slots per match its slot pool has room for from the start.
const MAX_EXPECTED_SLOTS: usize = 64;

/// The boundaries of a range where a lookahead's match may begin, in order: every one, or
/// the positions under its begin keys and the boundaries where one of its begin anchors holds.
struct Candidates<'c, 'r, 'd, 't> {
    context: &'c DocContext<'r, 'd, 't>,
    /// The first boundary not yet returned or passed over.
    next: usize,
    last: usize,
    /// The positions under each begin key, from the next one on; `None` when every boundary
    /// is a candidate.
    lists: Option<Vec<&'c [u32]>>,
    /// The begin anchors, as bits of [`DocContext::anchor_mask`].
    anchors: u8,
}

impl<'c, 'r, 'd, 't> Candidates<'c, 'r, 'd, 't> {
    fn new(
        context: &'c DocContext<'r, 'd, 't>,
        begins: Option<&crate::compile::LookBegins>,
        (first, last): (usize, usize),
    ) -> Candidates<'c, 'r, 'd, 't> {
        let lists = begins.map(|begins| {
            begins
                .keys
                .iter()
                .map(|&key| context.positions_within(key, first, last))
                .collect()
        });
        Candidates {
            context,
            next: first,
            last,
            lists,
            anchors: begins.map_or(0, |begins| begins.anchors),
        }
    }

    /// The next candidate, if it is no later than `bound` (and within the range).
    fn next_within(&mut self, bound: usize) -> Option<usize> {
        let bound = bound.min(self.last);
        let Some(lists) = &mut self.lists else {
            let at = self.next;
            if at > bound {
                return None;
            }
            self.next += 1;
            return Some(at);
        };
        let keyed = lists
            .iter()
            .filter_map(|list| list.first())
            .min()
            .map(|&at| at as usize);
        let mut found = keyed.filter(|&at| at <= bound);
        if self.anchors != 0 {
            let until = found.unwrap_or(bound);
            found = (self.next..=until)
                .find(|&at| self.context.anchor_mask(at) & self.anchors != 0)
                .or(found);
        }
        let Some(at) = found else {
            self.next = self.next.max(bound.saturating_add(1));
            return None;
        };
        // A token under several keys is one candidate.
        for list in lists.iter_mut() {
            if list.first() == Some(&(at as u32)) {
                *list = &list[1..];
            }
        }
        self.next = at + 1;
        Some(at)
    }
}

impl Iterator for Candidates<'_, '_, '_, '_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        self.next_within(usize::MAX)
    }
}

/// Replaces one automaton's size `before` by its size `after` in the `total` of a cache. An
/// automaton past its bound starts again, so `after` may be the smaller.
fn resize(total: &mut usize, before: usize, after: usize) {
    *total = total.saturating_sub(before) + after;
}

/// Whether every position of `positions` (sorted) within `low..high` lies in a winner.
fn all_within(positions: &[u32], (low, high): (usize, usize), winners: &Winners) -> bool {
    let from = positions.partition_point(|&at| (at as usize) < low);
    positions[from..]
        .iter()
        .map(|&at| at as usize)
        .take_while(|&at| at < high)
        .all(|at| winners.cover(at))
}

/// The first index from `from` on whose position is at least `bound`, by doubling steps and
/// then a binary search: cheap both for a dense list walked in small steps and a sparse jump.
fn gallop(positions: &[u32], from: usize, bound: usize) -> usize {
    let below = |index: usize| {
        positions
            .get(index)
            .is_some_and(|&at| (at as usize) < bound)
    };
    if !below(from) {
        return from;
    }
    let mut step = 1;
    while below(from + step) {
        step *= 2;
    }
    // The answer lies in (from + step / 2, from + step].
    let low = from + step / 2 + 1;
    let high = (from + step).min(positions.len());
    low + positions[low..high].partition_point(|&at| (at as usize) < bound)
}

/// A rule that can begin at an annotation searches a stretch without a liveness pass when it
/// has at most one place to start per this many boundaries.
const SPARSE_STARTS: usize = 4;

/// The steps such a search may take before the pass is made after all: this many per
/// boundary of the stretch, plus [`UNGUIDED_EXTRA_STEPS`] so that a short stretch still lets
/// each start explore a little.
const UNGUIDED_STEPS_PER_BOUNDARY: u64 = 8;
const UNGUIDED_EXTRA_STEPS: u64 = 64;

/// Runs the whole rule set over `doc`.
pub(crate) fn execute<'r, 'd>(
    set: &'r RuleSet,
    doc: &'d Document<'_>,
    explain: Option<RuleId>,
) -> Outcome<'r, 'd> {
    let label_count = set.program.labels.len().max(3);
    let optimized = set.config.simulation == crate::Simulation::Optimized;
    let mut cache = set.take_cache();
    let crate::Cache {
        memo,
        token_types,
        live,
        look_live,
        live_buffer,
        automata_bytes,
        buffers,
    } = &mut cache;
    buffers.marks.reset(doc.tokens().len());
    if optimized {
        let typing = crate::types::Typing {
            predicates: &set.predicates,
            lexicons: &set.lexicons,
            phrase_lexicons: &set.phrase_lexicons,
            keys: &set.keys,
            membership: &set.membership,
        };
        memo.prepare(doc, &typing, token_types);
    }
    let context = DocContext::new(
        doc,
        &set.predicates,
        &set.lexicons,
        &set.phrase_lexicons,
        label_count,
        optimized.then_some(Sharing {
            types: token_types,
            memo,
            membership: &set.membership,
        }),
    );
    // News text holds a match every twenty tokens or so: room for that many from the start
    // spares the match lists a dozen copies each as they grow. Bounded, so that a huge
    // document or a rule with thousands of captures asks for no more than a few megabytes.
    let expected_matches = (doc.tokens().len() / 16 + 4).min(MAX_EXPECTED_MATCHES);
    let mut cascade = Cascade {
        set,
        context,
        arena: Vec::with_capacity(expected_matches),
        slot_pool: Vec::with_capacity(expected_matches * set.most_slots.min(MAX_EXPECTED_SLOTS)),
        pending: vec![Vec::new(); label_count],
        state: vec![LabelState::Unresolved; label_count],
        winners: vec![Vec::new(); label_count],
        losers: Vec::new(),
        unlinked: Vec::new(),
        counters: Vec::new(),
        explain,
        tracker: Tracker::default(),
        scratch: vm::Scratch::default(),
        link_scratch: RefCell::default(),
        segment_lists: [
            segment_ranges(doc, doc.sentences()),
            segment_ranges(doc, doc.paragraphs()),
            segment_ranges(doc, &[]),
        ],
        live,
        look_live,
        live_buffer,
        automata_bytes,
        look_tables: crate::hash::FastMap::default(),
        stretch_tables: Vec::new(),
        outranking: Vec::new(),
    };
    // Most rules of a large set need a word the document does not have: only the rules filed
    // under a key it holds are visited, and only those that hold all their keys run. Without
    // a key set (the plain simulation, `explain`, whose rule must show its failed attempts
    // whatever the document holds) every rule runs.
    let present = match explain {
        None => cascade.context.present_keys(),
        Some(_) => None,
    };
    let holds = |key: u32| present.as_ref().is_none_or(|present| present.contains(key));
    for place in set.stages.to_visit(present.as_ref()).iter() {
        let Some(stage) = set.stages.get(place) else {
            continue;
        };
        let index = stage.rule as usize;
        if stage.references {
            for &label in &set.compiled[index].references {
                cascade.resolve(label);
            }
        }
        if !set.stages.keys(stage).iter().all(|&key| holds(key)) {
            continue;
        }
        cascade.run_rule(index, buffers);
    }
    for label in 0..label_count {
        cascade.resolve(LabelId(label as u32));
    }
    let mut output: Vec<usize> = cascade.winners.iter().flatten().copied().collect();
    // The arena id makes every key distinct, so an unstable sort gives the same order.
    output.sort_unstable_by(|&a, &b| {
        let (x, y) = (&cascade.arena[a], &cascade.arena[b]);
        (x.tokens.start, x.tokens.end, x.rule, a).cmp(&(y.tokens.start, y.tokens.end, y.rule, b))
    });
    let outcome = Outcome {
        set,
        tokens: doc.tokens(),
        arena: cascade.arena,
        output,
        losers: cascade.losers,
        unlinked: cascade.unlinked,
        counters: cascade.counters,
        tracker: cascade.tracker,
    };
    set.give_back_cache(cache);
    outcome
}

/// The byte span of a non-empty token range.
pub(crate) fn token_span(tokens: &[Token], range: &Range<usize>) -> Option<Span> {
    if range.start >= range.end {
        return None;
    }
    let first = tokens.get(range.start)?;
    let last = tokens.get(range.end - 1)?;
    Some(Span::new(first.span.start, last.span.end))
}

/// Whether `range` is a non-empty range of the document's tokens: one [`token_span`] can make
/// a span of.
fn spans_tokens(doc: &Document<'_>, range: &Range<usize>) -> bool {
    range.start < range.end && range.end <= doc.tokens().len()
}

fn is_builtin(label: LabelId) -> bool {
    BuiltinLabel::ALL.iter().any(|b| b.id() == label)
}

impl<'r> Cascade<'r, '_, '_, '_> {
    fn segments(&self, scope: Scope) -> Rc<[(usize, usize)]> {
        let index = match scope {
            Scope::Sentence => 0,
            Scope::Paragraph => 1,
            Scope::Document => 2,
        };
        self.segment_lists[index].clone()
    }

    /// The positions of the rarest of the rule's index keys whose neighbours pass their tests
    /// and near which the annotations every match needs lie: a match holds one of them. `None`
    /// when there are none, which most rules of a large set meet in most documents, so this
    /// comes first and alone; `Some(None)` when the rule has no index key. The positions kept
    /// when some are dropped go into `kept`.
    fn key_positions<'e>(
        &'e self,
        compiled: &'e CompiledRule,
        kept: &'e mut Vec<u32>,
    ) -> Option<Rarest<'e>> {
        let mut rarest: Option<(&IndexEntry, &[u32])> = None;
        for entry in &compiled.index_keys {
            let positions = self.context.positions_of(entry.id);
            if positions.is_empty() {
                return None;
            }
            if rarest.is_none_or(|(_, fewest)| positions.len() < fewest.len()) {
                rarest = Some((entry, positions));
            }
        }
        let Some((entry, positions)) = rarest else {
            return Some(None);
        };
        if entry.neighbors.is_empty() && entry.near.is_empty() {
            return Some(Some((entry, positions)));
        }
        let fits = |position: u32| {
            entry.neighbors.iter().all(|&(offset, test)| {
                (position as usize)
                    .checked_add_signed(offset)
                    .is_some_and(|at| at < self.context.token_count && self.context.pred(test, at))
            }) && entry
                .near
                .iter()
                .all(|near| !self.spans_near(near, position as usize).is_empty())
        };
        // Most keys keep every position or none: copy only from the first that fails.
        let Some(first) = positions.iter().position(|&position| !fits(position)) else {
            return Some(Some((entry, positions)));
        };
        let (fitting, rest) = positions.split_at(first);
        kept.clear();
        kept.extend_from_slice(fitting);
        // A plain loop: as `extend` over a filter, the test was left out of line, a call per
        // position, depending on unrelated code elsewhere.
        for &position in &rest[1..] {
            if fits(position) {
                kept.push(position);
            }
        }
        (!kept.is_empty()).then_some(Some((entry, kept.as_slice())))
    }

    /// Fills `stretches` (empty) with the parts of segments a rule can match in, and returns
    /// for each position whether a match can start there (`None`: anywhere can), given the
    /// positions of its rarest key (`None`: it has no key). The returned buffer is lent by
    /// `marks` and handed back after the rule.
    ///
    /// A segment must hold a token under every index key and an annotation of each label every
    /// match consumes; a match can only start within the bound before such a token.
    fn candidates(
        &self,
        compiled: &CompiledRule,
        rule: &ir::Rule,
        rarest: Rarest<'_>,
        marks: &mut crate::scratch::PositionMarks,
        stretches: &mut Vec<Stretch>,
    ) -> Option<Vec<bool>> {
        let all = self.segments(rule.scope);
        match &rarest {
            None => stretches.extend(
                all.iter()
                    .map(|&(low, high)| Stretch::whole((low, high), high - 1)),
            ),
            Some((entry, positions)) => {
                let mut segment = 0;
                for &position in positions.iter() {
                    let position = position as usize;
                    while segment < all.len() && all[segment].1 <= position {
                        segment += 1;
                    }
                    let Some(&(low, high)) = all.get(segment) else {
                        break;
                    };
                    if position < low {
                        continue;
                    }
                    let (first_start, last_end) = self.reach(entry, position, (low, high));
                    match stretches.last_mut() {
                        Some(last) if last.low == low => {
                            last.first_start = last.first_start.min(first_start);
                            last.last_start = position;
                            last.last_end = last.last_end.max(last_end);
                        }
                        _ => stretches.push(Stretch {
                            low,
                            high,
                            first_start,
                            last_start: position,
                            last_end,
                        }),
                    }
                }
            }
        }
        // Every other key must also have a token in the stretch, and bounds it the same way.
        for entry in &compiled.index_keys {
            if rarest
                .as_ref()
                .is_some_and(|(rarest, _)| std::ptr::eq(*rarest, entry))
            {
                continue;
            }
            let positions = self.context.positions_of(entry.id);
            let mut cursor = 0;
            stretches.retain_mut(|stretch| stretch.narrow(positions, &mut cursor, entry));
        }
        if !compiled.required_labels.is_empty() {
            stretches.retain(|stretch| {
                compiled.required_labels.iter().all(|label| {
                    self.context.label(*label).is_some_and(|index| {
                        index.any_inside(stretch.first_start, stretch.last_end)
                    })
                })
            });
        }
        if compiled.in_order.last().is_some_and(|&(rank, _)| rank > 0) {
            stretches.retain(|stretch| self.holds_in_order(&compiled.in_order, stretch));
        }
        if compiled.outranked_first {
            self.drop_outranked(compiled, rule, &rarest, stretches);
        }
        match &rarest {
            Some((
                IndexEntry {
                    before: Some(before),
                    ..
                },
                positions,
            )) if !stretches.is_empty() => Some(marks.mark_before(positions, *before as usize)),
            _ => None,
        }
    }

    /// The first boundary where a match holding the key's token at `position` can start and
    /// the last where it can end, inside the segment `(low, high)`: by the key's margins and by
    /// the annotations next to the token, whose far ends bound a match however long they are.
    fn reach(
        &self,
        entry: &IndexEntry,
        position: usize,
        (low, high): (usize, usize),
    ) -> (usize, usize) {
        let mut first_start = entry.before.map_or(low, |before| {
            low.max(position.saturating_sub(before as usize))
        });
        let mut last_end = entry.after.map_or(high, |after| {
            high.min(position.saturating_add(after as usize).saturating_add(1))
        });
        for near in &entry.near {
            let Some(beyond) = near.beyond else {
                continue;
            };
            let spans = self.spans_near(near, position).iter();
            match near.side {
                Side::Before => {
                    if let Some(start) = spans.map(|span| span.start).min() {
                        first_start = first_start.max(start.saturating_sub(beyond as usize));
                    }
                }
                Side::After => {
                    if let Some(end) = spans.map(|span| span.end).max() {
                        last_end = last_end.min(end.saturating_add(beyond as usize));
                    }
                }
            }
        }
        (first_start, last_end)
    }

    /// The annotations of `near`'s label where `near` says one must be for the key's token at
    /// `position`: starting within its gap after the token, or ending within it before.
    fn spans_near(&self, near: &NearAnnotation, position: usize) -> &[AnnotSpan] {
        let gap = near.gap as usize;
        self.context
            .label(near.label)
            .map_or(&[][..], |index| match near.side {
                Side::After => index.starting_in(position + 1, position.saturating_add(1 + gap)),
                Side::Before => index.ending_in(position.saturating_sub(gap), position),
            })
    }

    /// Whether `stretch` holds the rule's required steps one after another, each a token
    /// (at its position) or an annotation (at its start) after the earliest place the steps
    /// before it can be, all between where a match can start and end.
    fn holds_in_order(&self, in_order: &[(u32, OrderedStep)], stretch: &Stretch) -> bool {
        let mut rank = None;
        // The earliest place of the steps of the previous rank and of the current one.
        let mut previous: Option<usize> = None;
        let mut current: Option<usize> = None;
        for &(step_rank, step) in in_order {
            if rank != Some(step_rank) {
                if rank.is_some() {
                    previous = current;
                }
                rank = Some(step_rank);
                current = None;
            }
            let low = previous.map_or(stretch.first_start, |at| {
                stretch.first_start.max(at.saturating_add(1))
            });
            if low >= stretch.last_end {
                return false;
            }
            let found = match step {
                OrderedStep::Key(id) => {
                    let list = self.context.positions_of(id);
                    let index = list.partition_point(|&at| (at as usize) < low);
                    list.get(index)
                        .map(|&at| at as usize)
                        .filter(|&at| at < stretch.last_end)
                }
                OrderedStep::Annotation(label) => self.context.label(label).and_then(|index| {
                    index
                        .starting_in(low, stretch.last_end - 1)
                        .first()
                        .map(|span| span.start)
                }),
            };
            let Some(found) = found else {
                return false;
            };
            // A token under several keys is past the earliest place of each.
            current = Some(current.map_or(found, |at| at.max(found)));
        }
        true
    }

    fn looks(
        &self,
        compiled: &Compiled,
        low: usize,
        high: usize,
        scratch: &mut vm::Scratch,
        counters: &mut Counters,
    ) -> Vec<Rc<[bool]>> {
        let mut tables: Vec<Rc<[bool]>> = Vec::with_capacity(compiled.looks.len());
        for look in &compiled.looks {
            let window = Window {
                low,
                high,
                looks: &tables,
            };
            let forwards = matches!(look.direction, ir::LookDirection::Behind);
            let table = vm::reach(
                &look.prog,
                &self.context,
                &window,
                forwards,
                Start::Everywhere,
                scratch,
                counters,
            );
            tables.push(Rc::from(table));
        }
        tables
    }

    /// Fills `tables` with the lookaround tables of the segment `(low, high)`, exact at least
    /// over `needed`, each decided by a liveness pass of the lookaround's pattern the other way
    /// round: a lookahead holds where a match of its pattern can start, a lookbehind where one
    /// can end. Tables are shared by equal lookarounds of all rules.
    ///
    /// When the rule's lookarounds read a bounded number of tokens, a pass covers only the
    /// needed boundaries widened by that bound, not the whole segment: a rule anchored on a
    /// word near the start of a long paragraph asks its clause-end lookahead only near there.
    fn looks_by_liveness(
        &mut self,
        compiled: &CompiledRule,
        (low, high): (usize, usize),
        needed: (usize, usize),
        look_buffer: &mut Vec<u32>,
        tables: &mut Vec<Rc<[bool]>>,
        counters: &mut Counters,
    ) {
        let looks = &compiled.pattern.looks;
        let (needed, margin) = match compiled.look_margin {
            Some(margin) => (needed, margin as usize),
            None => ((low, high), 0),
        };
        tables.clear();
        for (look, &key) in looks.iter().zip(&compiled.look_keys) {
            // A lookahead of two tokens needs a window of two, whatever the rule's others read.
            let margin = look
                .longest
                .map_or(margin, |longest| margin.min(longest as usize));
            let mut exact = needed;
            if let Some(known) = self.look_tables.get(&(key, low, high)) {
                if known.exact.0 <= needed.0 && needed.1 <= known.exact.1 {
                    tables.push(known.table.clone());
                    continue;
                }
                // Keep what was exact, so that the rules of a segment do not take turns
                // narrowing one table.
                exact = (known.exact.0.min(needed.0), known.exact.1.max(needed.1));
            }
            let window = Window {
                low,
                high,
                looks: tables,
            };
            let direction = match look.direction {
                ir::LookDirection::Ahead => Direction::Backward,
                ir::LookDirection::Behind => Direction::Forward,
            };
            let pass = Pass {
                prog: &look.live,
                context: &self.context,
                window: &window,
                from: exact.0.saturating_sub(margin).max(low),
                to: exact.1.saturating_add(margin).min(high),
                direction,
                max_states: self.set.config.max_automaton_states,
                first_key: None,
                open_to: None,
            };
            let Some(dfa) = self.look_live.get_mut(key as usize) else {
                tables.push(Rc::from(vec![false; high - low + 1]));
                continue;
            };
            let grown_from = dfa.bytes();
            let table = match (compiled.look_margin, direction) {
                (Some(_), Direction::Backward)
                    if !look.live.begins_empty() || look.begins.is_some() =>
                {
                    let begins = look.begins.as_ref();
                    sparse_lookahead(dfa, &pass, (exact, margin), begins, look_buffer, counters)
                }
                _ => {
                    let live = dfa.compute(&pass, look_buffer, counters);
                    (low..=high).map(|at| live.holds(at, 0)).collect()
                }
            };
            resize(self.automata_bytes, grown_from, dfa.bytes());
            self.look_tables.insert(
                (key, low, high),
                LookTable {
                    table: table.clone(),
                    exact,
                },
            );
            tables.push(table);
        }
    }

    /// Runs rule `index` with the thread's `buffers`, which the run borrows from its cache
    /// beside the cascade rather than inside it: moving them in and out for each rule copied
    /// them for each of a large rule set's rules.
    fn run_rule(&mut self, index: usize, buffers: &mut Buffers) {
        let set = self.set;
        let rule = &set.program.rules[index];
        let compiled = &set.compiled[index];
        let mut counters = Counters::default();
        let explaining = self.explain == Some(RuleId(index as u32));
        // The explained rule runs without skipping anything, so that its failed attempts are
        // all seen.
        let optimized = set.config.simulation == crate::Simulation::Optimized && !explaining;
        let Buffers {
            backtracker,
            marks,
            look_buffer,
            stretches,
            key_positions,
        } = buffers;
        stretches.clear();
        let allowed = if optimized {
            if compiled.outranked_first {
                self.settle_outranking(rule.label, rule.priority);
            }
            let Some(rarest) = self.key_positions(compiled, key_positions) else {
                return;
            };
            self.candidates(compiled, rule, rarest, marks, stretches)
        } else {
            stretches.extend(
                self.segments(rule.scope)
                    .iter()
                    .map(|&(low, high)| Stretch::whole((low, high), high)),
            );
            None
        };
        if stretches.is_empty() {
            marks.give_back(allowed);
            return;
        }
        // The Pike VM's buffers serve only the plain simulation, and the rule's automaton is
        // reached through the thread's list taken out of the cascade for the rule: moving each
        // (hundreds of bytes) out and back, and dropping the empty one left in its place, cost
        // every rule of a large set a few hundred instructions.
        let automata = std::mem::take(&mut self.live);
        let Some(live_dfa) = automata.get_mut(index) else {
            self.live = automata;
            marks.give_back(allowed);
            return;
        };
        let mut scratch = if optimized {
            vm::Scratch::default()
        } else {
            std::mem::take(&mut self.scratch)
        };
        let grown_from = live_dfa.bytes();
        let mut live_buffer = std::mem::take(self.live_buffer);
        let mut look_tables = std::mem::take(&mut self.stretch_tables);
        // Where a match can start in the current segment; cleared after each segment.
        let mut match_starts = if optimized {
            marks.take_match_starts()
        } else {
            Vec::new()
        };
        for stretch in stretches.iter() {
            let Stretch { low, high, .. } = *stretch;
            if let Some(prefilter) = &compiled.prefilter
                && optimized
                && compiled.index_keys.is_empty()
                && !(low..high).any(|at| self.context.pred(*prefilter, at))
            {
                continue;
            }
            // Where threads may start: where the anchor windows allow and, when optimizing,
            // where the first instruction is live. The liveness pass starts at the first
            // allowed boundary, since no thread is needed before it.
            let permitted = |at: usize| {
                allowed
                    .as_ref()
                    .is_none_or(|allowed| allowed.get(at).copied().unwrap_or(false))
            };
            // The liveness pass covers the boundaries from the first where a match can begin
            // to the last where one can end, no further than its longest length past the last
            // place it may start; neither it nor the search looks outside them.
            let (first, last, reach) = if optimized {
                let live = &compiled.live;
                let Some(first) = live.first_begin(
                    &self.context,
                    (stretch.first_start, stretch.last_start),
                    permitted,
                ) else {
                    continue;
                };
                let last = (first..=stretch.last_start)
                    .rev()
                    .find(|&at| permitted(at))
                    .unwrap_or(first);
                let reach = compiled.max_tokens.map_or(stretch.last_end, |most| {
                    stretch.last_end.min(last.saturating_add(most as usize))
                });
                let Some(reach) = live.last_end(&self.context, (first + 1, reach)) else {
                    continue;
                };
                (first, last, reach)
            } else {
                (low, stretch.last_start, high)
            };
            if optimized {
                self.looks_by_liveness(
                    compiled,
                    (low, high),
                    (first, reach),
                    look_buffer,
                    &mut look_tables,
                    &mut counters,
                );
            } else {
                look_tables = self.looks(&compiled.pattern, low, high, &mut scratch, &mut counters);
            }
            let window = Window {
                low,
                high,
                looks: &look_tables,
            };
            if !optimized {
                let mut from = first;
                while from < high && from <= last {
                    let tracker = if explaining {
                        Some(&mut self.tracker)
                    } else {
                        None
                    };
                    let Some(found) = vm::search(
                        &vm::Searcher {
                            prog: &compiled.pattern.prog,
                            slot_count: compiled.slot_count,
                            last_start: last,
                        },
                        &self.context,
                        &window,
                        from,
                        &mut scratch,
                        &mut counters,
                        tracker,
                    ) else {
                        break;
                    };
                    match self.take(index, &found.slots, &found.consumed) {
                        Some(next) => from = next,
                        None => break,
                    }
                }
                continue;
            }
            let mut from = first;
            // A rule that can begin at an annotation (a quotation, as `q:@Quote` or
            // `(<s> | ":") @Quoted`) or only at keyed tokens (an opening quotation mark) often
            // has only a few places to start in a long stretch: searching from each is then
            // cheaper than a liveness pass over the whole stretch. The search runs on a budget;
            // past it, the pass is made and the search goes on guided, so the work stays within
            // a constant of the guided search.
            if compiled.live.begins_at_known_places() {
                let starts = compiled.live.mark_begins(
                    &self.context,
                    (first, last),
                    permitted,
                    &mut match_starts,
                );
                let boundaries = reach - first + 1;
                if starts == 0 {
                    continue;
                }
                let gave_up = if starts * SPARSE_STARTS <= boundaries {
                    let guide = Guide {
                        prog: &compiled.pattern.prog,
                        slot_count: compiled.slot_count,
                        allowed: &match_starts,
                        live: None,
                        last_start: last,
                        last_end: reach,
                        step_limit: counters.steps.saturating_add(
                            UNGUIDED_STEPS_PER_BOUNDARY * boundaries as u64 + UNGUIDED_EXTRA_STEPS,
                        ),
                        loops: &compiled.token_loops,
                    };
                    self.search_stretch(index, backtracker, &guide, &window, first, &mut counters)
                } else {
                    Some(first)
                };
                if let Some(range) = match_starts.get_mut(first..=last) {
                    range.fill(false);
                }
                match gave_up {
                    Some(at) => from = at,
                    None => continue,
                }
            }
            // Every match of a rule with a key step takes a token under the key, so none starts
            // after the last one. The pass of a rule that opens leaves out the boundaries from
            // just past it on (see `LiveTable::exact`), and its search goes on past them.
            let keys = compiled
                .live
                .step_key()
                .map(|key| self.context.positions_within(key, first, reach));
            let first_key = keys.map(|keys| keys.first().map_or(reach, |&at| at as usize));
            let last_key = keys.and_then(|keys| keys.last()).map(|&at| at as usize);
            let open_from = last_key
                .map(|at| at + 1 + crate::live::OPEN_PASS_MARGIN)
                .filter(|&open_from| open_from < reach && compiled.live.opens());
            let last = last_key.map_or(last, |at| last.min(at));
            let pass = Pass {
                prog: &compiled.live,
                context: &self.context,
                window: &window,
                from: first,
                to: open_from.unwrap_or(reach),
                direction: Direction::Backward,
                max_states: set.config.max_automaton_states,
                first_key,
                open_to: open_from.map(|_| reach),
            };
            let live = live_dfa.compute(&pass, &mut live_buffer, &mut counters);
            let mut any = false;
            for at in from..=last {
                if permitted(at)
                    && live.holds(at, 0)
                    && let Some(cell) = match_starts.get_mut(at)
                {
                    *cell = true;
                    any = true;
                }
            }
            if any {
                let guide = Guide {
                    prog: &compiled.pattern.prog,
                    slot_count: compiled.slot_count,
                    allowed: &match_starts,
                    live: Some(&live),
                    last_start: last,
                    last_end: if open_from.is_some() {
                        reach
                    } else {
                        live.end()
                    },
                    step_limit: u64::MAX,
                    loops: &compiled.token_loops,
                };
                self.search_stretch(index, backtracker, &guide, &window, from, &mut counters);
            }
            if let Some(range) = match_starts.get_mut(first..=last) {
                range.fill(false);
            }
        }
        self.counters.push((RuleId(index as u32), counters));
        if !optimized {
            self.scratch = scratch;
        }
        resize(self.automata_bytes, grown_from, live_dfa.bytes());
        self.live = automata;
        *self.live_buffer = live_buffer;
        look_tables.clear();
        self.stretch_tables = look_tables;
        marks.give_back(allowed);
        if optimized {
            marks.give_back_match_starts(match_starts);
        }
    }

    /// Runs the searches of a stretch from `from` on, recording each match; returns
    /// where a search gave up for want of steps, if one did.
    fn search_stretch(
        &mut self,
        index: usize,
        backtracker: &mut Backtracker,
        guide: &Guide<'_>,
        window: &Window<'_>,
        mut from: usize,
        counters: &mut Counters,
    ) -> Option<usize> {
        // No match starts after the last start, so a search from beyond it would find nothing.
        while from < window.high && from <= guide.last_start {
            match backtracker.search(guide, &self.context, window, from, counters) {
                Search::Found(found) => match self.take(index, &found.slots, &found.consumed) {
                    Some(next) => from = next,
                    None => break,
                },
                Search::NoMatch => break,
                Search::GaveUp => return Some(from),
            }
        }
        None
    }

    /// Records the match a search found and returns where the next search starts; `None`
    /// when the slots hold no match.
    fn take(&mut self, index: usize, slots: &[u64], consumed: &[AnnotRef]) -> Option<usize> {
        let start = slots.first().copied().unwrap_or(UNSET);
        let end = slots.get(1).copied().unwrap_or(UNSET);
        let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
            return None;
        };
        if end <= start {
            return Some(start + 1);
        }
        self.record(index, start..end, slots, consumed);
        Some(end)
    }

    fn record(&mut self, index: usize, tokens: Range<usize>, slots: &[u64], consumed: &[AnnotRef]) {
        let set = self.set;
        let rule = &set.program.rules[index];
        let compiled = &set.compiled[index];
        let slot_count = compiled.slot_count;
        // Room for the links' fields too, which winners gain later.
        let mut fields = Vec::with_capacity(rule.emit.len() + rule.links.len());
        for (emit, name) in rule.emit.iter().zip(&compiled.emit_names) {
            match &emit.value {
                EmitValue::Capture(capture) => {
                    if let Some(range) = capture_range(slots, capture.0 as usize)
                        && spans_tokens(self.context.doc, &range)
                    {
                        fields.push(RawField {
                            name,
                            span: None,
                            tokens: range,
                        });
                    }
                }
                EmitValue::CaptureField { capture, field } => {
                    let slot = vm::annotation_slot(slot_count, capture.0 as usize);
                    let handle = slots.get(slot).copied().unwrap_or(UNSET);
                    if handle != UNSET
                        && let Some(value) =
                            self.annotation_field(AnnotRef::decode(handle), field, name)
                    {
                        fields.push(value);
                    }
                }
                // Constants are the rule's, read at output.
                EmitValue::Constant(_) => {}
            }
        }
        let id = self.arena.len();
        let first_slot = self.slot_pool.len();
        self.slot_pool.extend_from_slice(slots);
        self.arena.push(Raw {
            rule: RuleId(index as u32),
            label: rule.label,
            tokens,
            slots: first_slot..self.slot_pool.len(),
            fields,
            consumed: consumed.to_vec(),
        });
        if let Some(pending) = self.pending.get_mut(rule.label.0 as usize) {
            pending.push(id);
        }
    }

    /// Field `field` of an annotation (`inner`, `open`, `close` of a quotation, or a field of a
    /// match), under the name `name`.
    fn annotation_field(
        &self,
        handle: AnnotRef,
        field: &str,
        name: &'r Arc<str>,
    ) -> Option<RawField<'r>> {
        let doc = self.context.doc;
        if handle.label == BuiltinLabel::Quote.id() {
            let quote = doc.quotations().get(handle.index as usize)?;
            let tokens = match field {
                "inner" => {
                    return Some(RawField {
                        name,
                        span: Some(quote.inner),
                        tokens: quote.inner_tokens.clone(),
                    });
                }
                "open" => quote.tokens.start..quote.inner_tokens.start,
                "close" => quote.inner_tokens.end..quote.tokens.end,
                _ => return None,
            };
            if !spans_tokens(doc, &tokens) {
                return None;
            }
            return Some(RawField {
                name,
                span: None,
                tokens,
            });
        }
        if is_builtin(handle.label) {
            return None;
        }
        self.arena
            .get(handle.index as usize)?
            .fields
            .iter()
            .find(|known| &**known.name == field)
            .map(|known| RawField {
                name,
                ..known.clone()
            })
    }

    fn resolve(&mut self, label: LabelId) {
        let slot = label.0 as usize;
        if self.state.get(slot) != Some(&LabelState::Unresolved) || is_builtin(label) {
            return;
        }
        self.state[slot] = LabelState::InProgress;
        let set = self.set;
        for &target in set.link_targets.get(slot).map_or(&[][..], Vec::as_slice) {
            self.resolve(target);
        }
        let winners = self.resolve_conflicts(slot);
        self.winners[slot] = winners;
        self.apply_links(slot);
        let spans = self.winners[slot]
            .iter()
            .map(|&id| AnnotSpan {
                start: self.arena[id].tokens.start,
                end: self.arena[id].tokens.end,
                handle: AnnotRef {
                    label,
                    index: id as u32,
                },
            })
            .collect();
        self.context.set_label(label, spans);
        self.state[slot] = LabelState::Resolved;
    }

    /// Drops the stretches where every match of `rule` would overlap a settled winner of a
    /// higher priority of its label (see [`CompiledRule::outranked_first`]): each match holds,
    /// between where matches can start and end, a token under each of the rule's keys and a
    /// whole annotation of each label it must consume; where all of some key's tokens, or all
    /// of some such label's annotations, there meet such winners, every match loses.
    fn drop_outranked(
        &self,
        compiled: &CompiledRule,
        rule: &ir::Rule,
        rarest: &Rarest<'_>,
        stretches: &mut Vec<Stretch>,
    ) {
        let slot = rule.label.0 as usize;
        if self.state.get(slot) != Some(&LabelState::Unresolved) {
            return;
        }
        let Some(winners) = self
            .outranking
            .get(slot)
            .filter(|state| state.above == Some(rule.priority))
            .map(|state| &state.winners)
            .filter(|winners| !winners.is_empty())
        else {
            return;
        };
        stretches.retain(|stretch| {
            let range = (stretch.first_start, stretch.last_end);
            let keys_outranked = compiled.index_keys.iter().any(|entry| {
                let positions = match rarest {
                    Some((rarest, positions)) if std::ptr::eq(*rarest, entry) => positions,
                    _ => self.context.positions_of(entry.id),
                };
                all_within(positions, range, winners)
            });
            // Each match also holds a whole annotation of each label it must consume.
            let annotations_outranked = || {
                compiled.required_labels.iter().any(|label| {
                    self.context.label(*label).is_some_and(|index| {
                        index
                            .inside(range.0, range.1)
                            .all(|span| winners.overlap(span.start, span.end))
                    })
                })
            };
            !keys_outranked && !annotations_outranked()
        });
    }

    /// Takes the matches of `label` above `priority` into its settled winners, when every rule
    /// of the label above `priority` has run (see [`CompiledRule::outranked_first`]) and the
    /// label's conflicts are not resolved yet.
    fn settle_outranking(&mut self, label: LabelId, priority: i32) {
        let slot = label.0 as usize;
        if self.state.get(slot) != Some(&LabelState::Unresolved) {
            return;
        }
        if self.outranking.len() <= slot {
            self.outranking.resize_with(slot + 1, Outranking::default);
        }
        // Such rules of one label run in falling priority (a rule above another that runs
        // after it keeps that one from being such a rule), so the bound only falls, and the
        // matches above the old bound were taken before.
        let above = self.outranking[slot].above;
        if above == Some(priority) {
            return;
        }
        let pending = self.pending.get(slot).map_or(&[][..], Vec::as_slice);
        let keyed = self.in_conflict_order(pending, |key| {
            let rank = key.0.0;
            rank > priority && above.is_none_or(|above| rank <= above)
        });
        let state = &mut self.outranking[slot];
        for (_, _, start, _, id, end) in keyed {
            state.winners.take(start..end, id);
        }
        state.above = Some(priority);
    }

    /// The keys of the matches `ids` that `keep` accepts, in the order their conflicts are
    /// decided. The keys are gathered once: comparing would otherwise look up each match's
    /// entry and rule again and again, all over memory.
    fn in_conflict_order(
        &self,
        ids: &[usize],
        keep: impl Fn(&ConflictKey) -> bool,
    ) -> Vec<ConflictKey> {
        let mut keyed: Vec<_> = ids
            .iter()
            .map(|&id| self.conflict_key(id))
            .filter(keep)
            .collect();
        // The arena id makes every key distinct, so an unstable sort gives the same order.
        keyed.sort_unstable();
        keyed
    }

    /// The order in which the conflicts of a label are decided (see
    /// [`Cascade::resolve_conflicts`]).
    fn conflict_key(&self, id: usize) -> ConflictKey {
        let raw = &self.arena[id];
        let priority = self
            .set
            .program
            .rules
            .get(raw.rule.0 as usize)
            .map_or(0, |rule| rule.priority);
        (
            std::cmp::Reverse(priority),
            std::cmp::Reverse(raw.tokens.len()),
            raw.tokens.start,
            raw.rule,
            id,
            raw.tokens.end,
        )
    }

    /// Picks the non-overlapping winners of one label: higher priority, then longer, then
    /// leftmost, then the rule declared first.
    fn resolve_conflicts(&mut self, slot: usize) -> Vec<usize> {
        let candidates = std::mem::take(&mut self.pending[slot]);
        let mut chosen = Winners::default();
        for (_, _, start, _, id, end) in self.in_conflict_order(&candidates, |_| true) {
            if let Some(winner) = chosen.take(start..end, id) {
                self.losers.push((id, winner));
            }
        }
        chosen.0.into_values().map(|(_, id)| id).collect()
    }

    /// Runs the links of each winner of a label, in text order. A winner whose `required` link
    /// applies but finds nothing is dropped at once, so later links of the same label never
    /// resolve to it; the matches it beat in conflict resolution stay suppressed.
    fn apply_links(&mut self, slot: usize) {
        let set = self.set;
        let winners = self.winners[slot].clone();
        for id in winners {
            let rule_index = self.arena[id].rule.0 as usize;
            let Some(rule) = set.program.rules.get(rule_index) else {
                continue;
            };
            for (link_index, link) in rule.links.iter().enumerate() {
                match self.link(id, rule_index, link_index, link) {
                    LinkOutcome::Resolved(field) => self.arena[id].fields.push(field),
                    LinkOutcome::Unresolved if link.required => {
                        self.winners[slot].retain(|&winner| winner != id);
                        self.unlinked.push((id, link_index));
                        break;
                    }
                    LinkOutcome::Unresolved | LinkOutcome::NotApplicable => {}
                }
            }
        }
    }

    fn link(
        &mut self,
        id: usize,
        rule: usize,
        link_index: usize,
        link: &'r ir::Link,
    ) -> LinkOutcome<'r> {
        let set = self.set;
        let Some(link_name) = set.compiled[rule].link_names.get(link_index) else {
            return LinkOutcome::NotApplicable;
        };
        let slots = self
            .slot_pool
            .get(self.arena[id].slots.clone())
            .unwrap_or_default();
        let Some(anchor) = capture_range(slots, link.anchor.0 as usize) else {
            return LinkOutcome::NotApplicable;
        };
        if anchor.is_empty() {
            return LinkOutcome::NotApplicable;
        }
        let condition = set.compiled[rule]
            .link_conditions
            .get(link_index)
            .and_then(Option::as_ref);
        let mut counters = Counters::default();
        if let Some(condition) = condition
            && !self.full_match(condition, &anchor, &mut counters)
        {
            self.counters.push((RuleId(rule as u32), counters));
            return LinkOutcome::NotApplicable;
        }
        let mut candidates: Vec<AnnotSpan> = if is_builtin(link.target) {
            self.context
                .label(link.target)
                .map(|index| index.all().to_vec())
                .unwrap_or_default()
        } else {
            self.winners
                .get(link.target.0 as usize)
                .map(|ids| {
                    ids.iter()
                        .map(|&other| AnnotSpan {
                            start: self.arena[other].tokens.start,
                            end: self.arena[other].tokens.end,
                            handle: AnnotRef {
                                label: link.target,
                                index: other as u32,
                            },
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        candidates.retain(|c| c.end <= anchor.start && self.in_window(link.window, c, &anchor));
        candidates.sort_by(|a, b| b.end.cmp(&a.end).then(b.start.cmp(&a.start)));
        let anchor_agree = self.feature_values(&link.agree, &anchor);
        let anchor_same = self.feature_values(&link.same, &anchor);
        let anchor_entries: Vec<Vec<Vec<String>>> = link
            .shares
            .iter()
            .map(|group| self.shared_keys(group, &anchor))
            .collect();
        let mut result = LinkOutcome::Unresolved;
        for candidate in candidates {
            let Some(value) =
                self.annotation_field(candidate.handle, &link.target_field, link_name)
            else {
                continue;
            };
            let own_link = if is_builtin(candidate.handle.label) {
                None
            } else {
                self.annotation_field(candidate.handle, &link.field, link_name)
            };
            if link.skip_unresolved
                && own_link.is_none()
                && let Some(condition) = condition
                && self.full_match(condition, &value.tokens, &mut counters)
            {
                continue;
            }
            let agrees = anchor_agree
                .iter()
                .zip(self.feature_values(&link.agree, &value.tokens))
                .all(|(a, b)| a.is_none() || b.is_none() || *a == b);
            let same = anchor_same
                .iter()
                .zip(self.feature_values(&link.same, &value.tokens))
                .all(|(a, b)| a.is_none() || *a == b);
            let shares = link
                .shares
                .iter()
                .zip(&anchor_entries)
                .all(|(group, keys)| self.shares_entry(group, keys, &value));
            if !agrees || !same || !shares {
                continue;
            }
            let chosen = own_link.unwrap_or(value);
            result = LinkOutcome::Resolved(RawField {
                name: link_name,
                span: chosen.span,
                tokens: chosen.tokens,
            });
            break;
        }
        self.counters.push((RuleId(rule as u32), counters));
        result
    }

    /// For each lexicon of one `shares(...)`, the keys of the one-word entries found in `tokens`:
    /// the lemmas in an inflections lexicon, the looked-up forms otherwise.
    fn shared_keys(&self, lexicons: &[ir::LexiconId], tokens: &Range<usize>) -> Vec<Vec<String>> {
        lexicons
            .iter()
            .map(|lexicon| {
                let Some(compiled) = self.set.lexicons.get(lexicon.0 as usize) else {
                    return Vec::new();
                };
                let mut keys: Vec<String> = Vec::new();
                for at in tokens.clone() {
                    let key = compiled.key(self.context.doc, at);
                    if !compiled.single.contains(key) {
                        continue;
                    }
                    let norm = self.context.doc.norm(at);
                    let lemmas = compiled
                        .lemma_forms
                        .iter()
                        .filter(|(_, forms)| forms.contains(norm))
                        .map(|(lemma, _)| lemma.clone());
                    let before = keys.len();
                    keys.extend(lemmas);
                    if keys.len() == before {
                        keys.push(key.to_string());
                    }
                }
                keys
            })
            .collect()
    }

    /// Whether the candidate value holds an entry of one of the lexicons of one `shares(...)`
    /// that the anchor holds too. A candidate token shares an anchor key when it is that key,
    /// or a form of that lemma, so only the anchor's tokens are looked up by lemma.
    fn shares_entry(
        &self,
        lexicons: &[ir::LexiconId],
        anchor_keys: &[Vec<String>],
        value: &RawField<'_>,
    ) -> bool {
        let doc = self.context.doc;
        lexicons.iter().zip(anchor_keys).any(|(lexicon, keys)| {
            let Some(compiled) = self.set.lexicons.get(lexicon.0 as usize) else {
                return false;
            };
            value.tokens.clone().any(|at| {
                let key = compiled.key(doc, at);
                if !compiled.single.contains(key) {
                    return false;
                }
                let norm = doc.norm(at);
                keys.iter().any(|anchor_key| {
                    anchor_key == key
                        || compiled
                            .lemma_forms
                            .get(anchor_key)
                            .is_some_and(|forms| forms.contains(norm))
                })
            })
        })
    }

    fn in_window(&self, window: ir::Window, candidate: &AnnotSpan, anchor: &Range<usize>) -> bool {
        let unit = |table: &Vec<u32>, token: usize| table.get(token).copied().unwrap_or(0);
        match window {
            ir::Window::Document => true,
            ir::Window::Sentences(back) => {
                let here = unit(&self.context.sentence_of, anchor.start);
                let there = unit(&self.context.sentence_of, candidate.start);
                here.saturating_sub(there) <= back
            }
            ir::Window::Paragraphs(back) => {
                let here = unit(&self.context.paragraph_of, anchor.start);
                let there = unit(&self.context.paragraph_of, candidate.start);
                here.saturating_sub(there) <= back
            }
        }
    }

    /// For each feature, the first value whose test passes on some token of the range.
    fn feature_values(
        &self,
        features: &[ir::FeatureId],
        tokens: &Range<usize>,
    ) -> Vec<Option<usize>> {
        features
            .iter()
            .map(|feature| {
                let values = self.set.features.get(feature.0 as usize)?;
                values
                    .iter()
                    .position(|&pred| tokens.clone().any(|at| self.context.pred(pred, at)))
            })
            .collect()
    }

    /// Whether the tokens of `range` match `condition` entirely.
    fn full_match(
        &self,
        condition: &Compiled,
        range: &Range<usize>,
        counters: &mut Counters,
    ) -> bool {
        if range.is_empty() {
            return false;
        }
        let mut scratch = self.link_scratch.borrow_mut();
        let tables = self.looks(condition, range.start, range.end, &mut scratch, counters);
        let window = Window {
            low: range.start,
            high: range.end,
            looks: &tables,
        };
        let ends = vm::reach(
            &condition.prog,
            &self.context,
            &window,
            true,
            Start::At(range.start),
            &mut scratch,
            counters,
        );
        ends.last().copied().unwrap_or(false)
    }
}

/// The token range of capture `capture`, when it took part in the match.
pub(crate) fn capture_range(slots: &[u64], capture: usize) -> Option<Range<usize>> {
    let start = *slots.get(2 + 2 * capture)?;
    let end = *slots.get(3 + 2 * capture)?;
    if start == UNSET || end == UNSET || end < start {
        return None;
    }
    Some(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
}

/// Turns an arena entry into a public match, mapping consumed matches to output indices.
pub(crate) fn to_match(outcome: &Outcome<'_, '_>, id: usize, index_of: &OutputIndex) -> Match {
    let raw = &outcome.arena[id];
    Match {
        rule: raw.rule,
        label: raw.label,
        span: token_span(outcome.tokens, &raw.tokens).unwrap_or_default(),
        tokens: raw.tokens.clone(),
        fields: raw
            .fields
            .iter()
            .map(|field| field.to_field(outcome.tokens))
            .collect(),
        attrs: outcome
            .set
            .compiled
            .get(raw.rule.0 as usize)
            .map_or_else(|| Attrs::from([]), |compiled| Arc::clone(&compiled.attrs)),
        consumed: raw
            .consumed
            .iter()
            .filter(|handle| !is_builtin(handle.label))
            .filter_map(|handle| index_of.get(handle.index as usize))
            .collect(),
    }
}

/// The place in the output of each arena entry that is output.
pub(crate) struct OutputIndex(Vec<u32>);

impl OutputIndex {
    const ABSENT: u32 = u32::MAX;

    pub(crate) fn new(outcome: &Outcome<'_, '_>) -> OutputIndex {
        let mut places = vec![OutputIndex::ABSENT; outcome.arena.len()];
        for (place, &id) in outcome.output.iter().enumerate() {
            if let Some(slot) = places.get_mut(id) {
                *slot = place as u32;
            }
        }
        OutputIndex(places)
    }

    fn get(&self, id: usize) -> Option<usize> {
        self.0
            .get(id)
            .copied()
            .filter(|&place| place != OutputIndex::ABSENT)
            .map(|place| place as usize)
    }
}
