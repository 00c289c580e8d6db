//! The Pike-VM simulation over tokens.
//!
//! [`search`] keeps every live thread in one list ordered by priority, whatever position the
//! thread waits at (a `@Label` or phrase step jumps several tokens), so the first thread to reach
//! `Match` is the one a backtracking engine would report, and lower-priority threads are cut
//! there. Each (position, instruction) pair is visited at most once, which bounds the work by
//! tokens x instructions x annotations starting per token. It is the reference: the plain
//! simulation and `explain` run it, while the optimized one, once a liveness table tells where
//! matches can start and continue, finds the same matches with [`crate::backtrack`].
//! [`reach`] is the capture-free variant that finds every position where some match ends; the
//! plain simulation computes lookarounds with it, and link conditions use it.

use std::borrow::Cow;
use std::rc::Rc;

use crate::compile::{Assertion, Inst, Prog};
use crate::context::{AnnotRef, DocContext};

use sayso_lang::ir::Anchor;

use crate::hash::FastSet;

/// A slot value meaning "not set".
pub(crate) const UNSET: u64 = u64::MAX;

/// Work counters of one rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    pub(crate) steps: u64,
    pub(crate) starts: u64,
    pub(crate) matches: u64,
}

/// The furthest a failed thread got, for `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Partial {
    pub(crate) start: usize,
    pub(crate) reached: usize,
    pub(crate) failed_pc: usize,
}

/// Records, for each start position, the failed attempt that got furthest, for `explain`.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    pub(crate) by_start: std::collections::BTreeMap<usize, Partial>,
}

impl Tracker {
    fn note(&mut self, start: u64, reached: usize, failed_pc: usize) {
        let start = usize::try_from(start).unwrap_or(reached);
        let partial = Partial {
            start,
            reached,
            failed_pc,
        };
        self.by_start
            .entry(start)
            .and_modify(|known| {
                if reached > known.reached {
                    *known = partial;
                }
            })
            .or_insert(partial);
    }

    /// The attempt that got furthest past its start among those `keep` accepts, the earliest
    /// among equals.
    pub(crate) fn furthest(&self, keep: impl Fn(usize) -> bool) -> Option<Partial> {
        let mut best: Option<Partial> = None;
        for partial in self.by_start.values().filter(|p| keep(p.start)) {
            let progress = partial.reached.saturating_sub(partial.start);
            if best.is_none_or(|b| progress > b.reached.saturating_sub(b.start)) {
                best = Some(*partial);
            }
        }
        best
    }
}

/// A persistent list of the annotations a thread consumed, shared between forked threads.
#[derive(Debug)]
pub(crate) struct ConsumedNode {
    pub(crate) annotation: AnnotRef,
    pub(crate) next: Consumed,
}

pub(crate) type Consumed = Option<Rc<ConsumedNode>>;

/// The consumed annotations in the order they were consumed.
fn consumed_list(mut consumed: &Consumed) -> Vec<AnnotRef> {
    let mut list = Vec::new();
    while let Some(node) = consumed {
        list.push(node.annotation);
        consumed = &node.next;
    }
    list.reverse();
    list
}

/// Capture slots, shared between forked threads until one of them writes.
type Slots = Rc<Vec<u64>>;

#[derive(Debug)]
struct Thread {
    pc: usize,
    position: usize,
    slots: Slots,
    consumed: Consumed,
}

/// Which (position, instruction) pairs already have a waiting thread. Nearly every thread waits
/// at the next position, which a stamp per instruction answers; the rest go to a small set.
#[derive(Debug, Default)]
struct Waiting {
    next_position: usize,
    epoch: u64,
    near: Vec<u64>,
    far: FastSet<(usize, usize)>,
}

impl Waiting {
    /// Starts the claims of one step; `epoch` is unique to the step.
    fn reset(&mut self, next_position: usize, epoch: u64, size: usize) {
        if self.near.len() < size {
            self.near.resize(size, 0);
        }
        self.next_position = next_position;
        self.epoch = epoch;
        self.far.clear();
    }

    /// Claims the pair; false when a higher-priority thread already holds it.
    fn claim(&mut self, position: usize, pc: usize) -> bool {
        if position == self.next_position
            && let Some(stamp) = self.near.get_mut(pc)
        {
            if *stamp == self.epoch {
                return false;
            }
            *stamp = self.epoch;
            return true;
        }
        self.far.insert((position, pc))
    }
}

/// Buffers reused by every search and reach of a run, so the hot loop does not allocate.
/// Visit marks are epochs that grow with every step, so stale marks never need clearing.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    epoch: u64,
    visited: Vec<u64>,
    waiting: Waiting,
    list: Vec<Thread>,
    next: Vec<Thread>,
    stack: Vec<(usize, Slots, Consumed)>,
    pending: Vec<Vec<usize>>,
    reach_stack: Vec<usize>,
}

impl Scratch {
    /// A fresh epoch, with the visit marks sized for a program of `size` instructions.
    fn step(&mut self, size: usize) -> u64 {
        if self.visited.len() < size {
            self.visited.resize(size, 0);
        }
        self.epoch += 1;
        self.epoch
    }
}

const ANCHORS: [Anchor; 6] = [
    Anchor::SentenceStart,
    Anchor::SentenceEnd,
    Anchor::ParagraphStart,
    Anchor::ParagraphEnd,
    Anchor::DocumentStart,
    Anchor::DocumentEnd,
];

/// The bit of `anchor` in a mask of anchors.
pub(crate) fn anchor_bit(anchor: Anchor) -> u8 {
    let index = ANCHORS.iter().position(|a| *a == anchor).unwrap_or(0);
    1 << index
}

/// What a successful search returns: the capture slots and the consumed annotations in the
/// order they were consumed.
///
/// The backtracker lends its own buffers; the Pike VM, whose threads share their slots, gives
/// its winner's.
pub(crate) struct Found<'a> {
    pub(crate) slots: Cow<'a, [u64]>,
    pub(crate) consumed: Cow<'a, [AnnotRef]>,
}

/// The token range a run may look at, and the lookaround tables computed for it.
pub(crate) struct Window<'a> {
    pub(crate) low: usize,
    pub(crate) high: usize,
    /// For each lookaround, whether it holds at each boundary `low..=high`.
    pub(crate) looks: &'a [Rc<[bool]>],
}

impl Window<'_> {
    pub(crate) fn assertion(
        &self,
        context: &DocContext<'_, '_, '_>,
        assertion: Assertion,
        at: usize,
    ) -> bool {
        match assertion {
            Assertion::Anchor(anchor) => context.anchor(anchor, at),
            Assertion::NotAnchor(anchor) => !context.anchor(anchor, at),
            Assertion::Token {
                pred,
                direction,
                negated,
            } => self.token_holds(context, pred, direction, at) != negated,
            Assertion::Look { look, negated } => self.look_holds(look, at) != negated,
        }
    }

    /// Whether the token after boundary `at` (ahead) or before it (behind), inside the window,
    /// passes `pred`.
    #[inline]
    pub(crate) fn token_holds(
        &self,
        context: &DocContext<'_, '_, '_>,
        pred: crate::predicate::PredId,
        direction: sayso_lang::ir::LookDirection,
        at: usize,
    ) -> bool {
        match direction {
            sayso_lang::ir::LookDirection::Ahead => {
                at >= self.low && at < self.high && context.pred(pred, at)
            }
            sayso_lang::ir::LookDirection::Behind => {
                at > self.low && at <= self.high && context.pred(pred, at - 1)
            }
        }
    }

    /// Whether lookaround `look` (not negated) holds at boundary `at`.
    #[inline]
    pub(crate) fn look_holds(&self, look: usize, at: usize) -> bool {
        self.looks
            .get(look)
            .and_then(|table| table.get(at.wrapping_sub(self.low)))
            .copied()
            .unwrap_or(false)
    }
}

/// What a search runs: the program, its slot count, and where the last match can start.
pub(crate) struct Searcher<'a> {
    pub(crate) prog: &'a Prog,
    pub(crate) slot_count: usize,
    /// No thread starts after this position, so the search stops there once no thread runs.
    pub(crate) last_start: usize,
}

/// Finds the leftmost-first match starting at or after `from` within the window.
pub(crate) fn search(
    searcher: &Searcher<'_>,
    context: &DocContext<'_, '_, '_>,
    window: &Window<'_>,
    from: usize,
    scratch: &mut Scratch,
    counters: &mut Counters,
    mut tracker: Option<&mut Tracker>,
) -> Option<Found<'static>> {
    let Searcher {
        prog,
        slot_count,
        last_start,
    } = *searcher;
    let size = prog.insts.len();
    let mut list = std::mem::take(&mut scratch.list);
    let mut next = std::mem::take(&mut scratch.next);
    let mut stack = std::mem::take(&mut scratch.stack);
    let mut waiting = std::mem::take(&mut scratch.waiting);
    list.clear();
    let mut matched: Option<(Slots, Consumed)> = None;
    let fresh: Slots = Rc::new(vec![UNSET; slot_count]);
    for current in from..=window.high {
        if matched.is_none() {
            list.push(Thread {
                pc: 0,
                position: current,
                slots: fresh.clone(),
                consumed: None,
            });
            counters.starts += 1;
        }
        if list.is_empty() {
            if matched.is_some() || current >= last_start {
                break;
            }
            continue;
        }
        next.clear();
        let epoch = scratch.step(size);
        waiting.reset(current + 1, epoch, size);
        let mut cut = false;
        for thread in list.drain(..) {
            if cut {
                break;
            }
            if thread.position != current {
                if waiting.claim(thread.position, thread.pc) {
                    next.push(thread);
                }
                continue;
            }
            stack.clear();
            stack.push((thread.pc, thread.slots, thread.consumed));
            while let Some((pc, mut slots, consumed)) = stack.pop() {
                let Some(seen) = scratch.visited.get_mut(pc) else {
                    continue;
                };
                if *seen == epoch {
                    continue;
                }
                *seen = epoch;
                counters.steps += 1;
                let Some(inst) = prog.insts.get(pc) else {
                    continue;
                };
                match inst {
                    Inst::Jump(target) => stack.push((*target, slots, consumed)),
                    Inst::Split(first, second) => {
                        stack.push((*second, slots.clone(), consumed.clone()));
                        stack.push((*first, slots, consumed));
                    }
                    Inst::Save(slot) => {
                        if let Some(cell) = Rc::make_mut(&mut slots).get_mut(*slot) {
                            *cell = current as u64;
                        }
                        stack.push((pc + 1, slots, consumed));
                    }
                    Inst::Assert(assertion) => {
                        if window.assertion(context, *assertion, current) {
                            stack.push((pc + 1, slots, consumed));
                        } else if let Some(tracker) = tracker.as_deref_mut() {
                            tracker.note(slots.first().copied().unwrap_or(UNSET), current, pc);
                        }
                    }
                    Inst::Match => {
                        matched = Some((slots, consumed));
                        cut = true;
                        break;
                    }
                    Inst::Token(pred) => {
                        if current < window.high && context.pred(*pred, current) {
                            if waiting.claim(current + 1, pc + 1) {
                                next.push(Thread {
                                    pc: pc + 1,
                                    position: current + 1,
                                    slots,
                                    consumed,
                                });
                            }
                        } else if let Some(tracker) = tracker.as_deref_mut() {
                            tracker.note(slots.first().copied().unwrap_or(UNSET), current, pc);
                        }
                    }
                    Inst::Annotation { label, record } => {
                        let spans = context
                            .label(*label)
                            .map_or(&[][..], |index| index.starting_at(current));
                        let mut any = false;
                        for span in spans {
                            if span.end > window.high || !waiting.claim(span.end, pc + 1) {
                                continue;
                            }
                            any = true;
                            let mut slots = slots.clone();
                            if let Some(capture) = record {
                                let slot = annotation_slot(slot_count, *capture);
                                if let Some(cell) = Rc::make_mut(&mut slots).get_mut(slot) {
                                    *cell = span.handle.encode();
                                }
                            }
                            next.push(Thread {
                                pc: pc + 1,
                                position: span.end,
                                slots,
                                consumed: Some(Rc::new(ConsumedNode {
                                    annotation: span.handle,
                                    next: consumed.clone(),
                                })),
                            });
                        }
                        if !any && let Some(tracker) = tracker.as_deref_mut() {
                            tracker.note(slots.first().copied().unwrap_or(UNSET), current, pc);
                        }
                    }
                    Inst::Phrase(lexicon) => {
                        let lengths = context.phrases_starting(*lexicon, current);
                        let mut any = false;
                        for &(_, length) in lengths {
                            let end = current + length as usize;
                            if end > window.high || !waiting.claim(end, pc + 1) {
                                continue;
                            }
                            any = true;
                            next.push(Thread {
                                pc: pc + 1,
                                position: end,
                                slots: slots.clone(),
                                consumed: consumed.clone(),
                            });
                        }
                        if !any && let Some(tracker) = tracker.as_deref_mut() {
                            tracker.note(slots.first().copied().unwrap_or(UNSET), current, pc);
                        }
                    }
                }
            }
        }
        std::mem::swap(&mut list, &mut next);
    }
    list.clear();
    next.clear();
    stack.clear();
    scratch.list = list;
    scratch.next = next;
    scratch.stack = stack;
    scratch.waiting = waiting;
    let (slots, consumed) = matched?;
    counters.matches += 1;
    Some(Found {
        slots: Cow::Owned(Rc::unwrap_or_clone(slots)),
        consumed: Cow::Owned(consumed_list(&consumed)),
    })
}

/// The slot that remembers which annotation capture `capture` matched. Slots `0..2` hold the
/// whole match, `2 + 2c` and `3 + 2c` capture `c`; the annotation slots come after those.
pub(crate) fn annotation_slot(slot_count: usize, capture: usize) -> usize {
    let captures = slot_count.saturating_sub(2) / 3;
    2 + 2 * captures + capture
}

/// How many slots a rule with `captures` captures needs.
pub(crate) fn slot_count(captures: usize) -> usize {
    2 + 3 * captures
}

/// Where a capture-free run starts threads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Start {
    /// At every boundary of the window.
    Everywhere,
    /// Only at this boundary.
    At(usize),
}

/// Whether each boundary `low..=high` of the window is where some match of `prog` ends, running
/// forwards, or (running backwards over a reversed program) where some match starts.
pub(crate) fn reach(
    prog: &Prog,
    context: &DocContext<'_, '_, '_>,
    window: &Window<'_>,
    forwards: bool,
    start: Start,
    scratch: &mut Scratch,
    counters: &mut Counters,
) -> Vec<bool> {
    let width = window.high.saturating_sub(window.low) + 1;
    let size = prog.insts.len();
    let mut result = vec![false; width];
    let mut pending = std::mem::take(&mut scratch.pending);
    let mut stack = std::mem::take(&mut scratch.reach_stack);
    if pending.len() < width {
        pending.resize(width, Vec::new());
    }
    for list in &mut pending[..width] {
        list.clear();
    }
    for step in 0..width {
        let offset = if forwards { step } else { width - 1 - step };
        let current = window.low + offset;
        let epoch = scratch.step(size);
        stack.clear();
        stack.extend(pending[offset].drain(..).rev());
        let start_here = match start {
            Start::Everywhere => true,
            Start::At(at) => at == current,
        };
        if start_here {
            stack.push(0);
        }
        while let Some(pc) = stack.pop() {
            let Some(seen) = scratch.visited.get_mut(pc) else {
                continue;
            };
            if *seen == epoch {
                continue;
            }
            *seen = epoch;
            counters.steps += 1;
            let Some(inst) = prog.insts.get(pc) else {
                continue;
            };
            match inst {
                Inst::Jump(target) => stack.push(*target),
                Inst::Split(first, second) => {
                    stack.push(*second);
                    stack.push(*first);
                }
                Inst::Save(_) => stack.push(pc + 1),
                Inst::Assert(assertion) => {
                    if window.assertion(context, *assertion, current) {
                        stack.push(pc + 1);
                    }
                }
                Inst::Match => result[offset] = true,
                Inst::Token(pred) => {
                    if forwards {
                        if current < window.high && context.pred(*pred, current) {
                            pending[offset + 1].push(pc + 1);
                        }
                    } else if current > window.low && context.pred(*pred, current - 1) {
                        pending[offset - 1].push(pc + 1);
                    }
                }
                Inst::Annotation { label, .. } => {
                    let Some(index) = context.label(*label) else {
                        continue;
                    };
                    if forwards {
                        for span in index.starting_at(current) {
                            if span.end <= window.high {
                                pending[span.end - window.low].push(pc + 1);
                            }
                        }
                    } else {
                        for span in index.ending_at(current) {
                            if span.start >= window.low {
                                pending[span.start - window.low].push(pc + 1);
                            }
                        }
                    }
                }
                Inst::Phrase(lexicon) => {
                    if forwards {
                        for &(_, length) in context.phrases_starting(*lexicon, current) {
                            let end = current + length as usize;
                            if end <= window.high {
                                pending[end - window.low].push(pc + 1);
                            }
                        }
                    } else {
                        for &(_, length) in context.phrases_ending(*lexicon, current) {
                            let begin = current.saturating_sub(length as usize);
                            if begin >= window.low && length as usize <= current {
                                pending[begin - window.low].push(pc + 1);
                            }
                        }
                    }
                }
            }
        }
    }
    stack.clear();
    scratch.pending = pending;
    scratch.reach_stack = stack;
    result
}
