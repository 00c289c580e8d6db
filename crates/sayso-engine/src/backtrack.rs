//! A bounded backtracker for the optimized searches, most of them guided by a liveness table.
//!
//! Once a liveness table says at which (position, instruction) pairs a match can still be
//! completed, the breadth of the Pike VM is mostly overhead: it carries one thread per live
//! alternative (every length of `[title]{1,3}`), each with capture slots shared and copied on
//! write, while following the preferred live alternative first leads straight to the match.
//! This searcher explores depth-first in priority order, which finds the same leftmost-first
//! match as the Pike VM, and marks each (position, instruction) pair the first time it explores
//! it, since a pair that once failed to reach a match always fails: the work stays bounded by
//! positions x instructions, as in the Pike VM. Captures live in one array with an undo log, so
//! a search allocates nothing but its result. The marks are one bit per pair of the searched
//! range, or a hash set of the pairs explored when that range is too long (a rule over a whole
//! long document). `explain` runs the Pike VM, which tracks the failed attempts it shows.
//!
//! A step with one successor goes on to it without a frame, and with a table the successor of
//! a live jump, save, assertion or token step is live itself, so the search takes it without
//! asking the table, the assertion or the token's test again; only a split's branches and the
//! annotations are asked. Most of a guided search is such steps.
//!
//! A rule with few places to start in a stretch may search it without a table: the marks
//! still bound the search, and a step limit makes it give up early enough that making the
//! table and searching again stays within a constant of the guided search.
//!
//! Such a search spends most of its steps in loops over one token (`"“" [!quote]*? "”"`): at
//! every token it tries to leave the loop, fails, and takes the token, a handful of steps
//! each. A [`TokenLoop`] knows what leaving needs at first (a closing mark, or the paragraph
//! end), so the search walks the loop over the tokens where that cannot be, claiming only the
//! loop's own pairs, and tries to leave only where it can. A guided search walks its loops the
//! same way, asking the table whether leaving is live.

use std::borrow::Cow;

use crate::compile::{Assertion, Inst, Prog};
use crate::context::{AnnotRef, DocContext};
use crate::hash::FastSet;
use crate::live::{EdgeStep, LiveTable};
use crate::predicate::PredId;
use crate::types::Row;
use crate::vm::{Counters, Found, UNSET, Window, annotation_slot};

/// The most (position, instruction) pairs a search marks in a bit table (32 KiB); a longer
/// range uses a hash set.
const MAX_DENSE_MARKS: usize = 1 << 18;

/// The most words of marks cleared whole for the next search (2 KiB, a sentence of a few dozen
/// tokens under a large program); a longer range lists the words it sets and clears only
/// those, where clearing it whole would cost more than the search.
const MAX_CLEARED_WHOLE: usize = 256;

/// What a search runs: the program, its slot count, where matches can start and end, which
/// pairs can still complete one, and how many steps it may take.
pub(crate) struct Guide<'a> {
    pub(crate) prog: &'a Prog,
    pub(crate) slot_count: usize,
    /// Threads only start at positions marked true.
    pub(crate) allowed: &'a [bool],
    /// Which pairs can still complete a match; without a table every pair is explored.
    pub(crate) live: Option<&'a LiveTable<'a>>,
    /// No thread starts after this position.
    pub(crate) last_start: usize,
    /// No match reaches past this boundary.
    pub(crate) last_end: usize,
    /// The search gives up once the rule's step count passes this.
    pub(crate) step_limit: u64,
    /// The program's loops over one token, walked over where they cannot be left.
    pub(crate) loops: &'a TokenLoops,
}

/// A loop over one token: a split whose one branch is a token step followed by a copy of the
/// split (`[!quote]*?` compiles to `Split(exit, t)`, `t: Token`, `Split(exit, t)`). Where the
/// loop cannot be left, a lazy and a greedy loop alike take the token and nothing else.
#[derive(Clone, Debug)]
pub(crate) struct TokenLoop {
    /// The loop's token step; the split's copy follows it.
    token: usize,
    test: PredId,
    /// Where the loop is left.
    exit: usize,
    /// The first steps after leaving, with the anchors on the way to each, and each way to the
    /// match's end without a step: leaving fails where none can be taken.
    exit_steps: Box<[EdgeStep]>,
    exit_ends: Box<[ExitEnd]>,
    /// The tests of the first steps when all read a token and need the same anchors
    /// (`exit_anchors`): then leaving is a few lookups in the token's row of results, as where a
    /// match can begin is for the liveness program.
    exit_tests: Option<Box<[PredId]>>,
    exit_anchors: u8,
}

/// A way from a loop's exit to the end of the match that takes no step: the anchors on it,
/// and the other assertions, which the window answers where the anchors hold. A clause that
/// ends at a lookahead (`[!quote]*? (End | (?= "," [...]))`) can be left only where the
/// lookahead holds, not at every token.
#[derive(Clone, Debug)]
struct ExitEnd {
    anchors: u8,
    assertions: Box<[Assertion]>,
}

/// The most ways from a loop's exit to the end of the match that are told apart by their
/// assertions; past it, the assertions other than anchors are taken to hold.
const MAX_EXIT_ENDS: usize = 64;

/// The ways from instruction `from` to a `Match` without a step, each with its assertions, as
/// [`ExitEnd`]s; `None` when there are more than [`MAX_EXIT_ENDS`] or a way leaves the program.
/// Unlike [`crate::live::steps_from`], which merges ways that meet with the same anchors, each
/// way is followed on its own: merged, a way that needs no lookahead could be dropped for one
/// that does, and leaving would be refused where it can succeed.
fn exit_ends(prog: &Prog, from: usize) -> Option<Vec<ExitEnd>> {
    let mut ends: Vec<ExitEnd> = Vec::new();
    let mut stack = vec![(from, 0u8, Vec::new())];
    let mut visits = 0;
    while let Some((pc, anchors, assertions)) = stack.pop() {
        visits += 1;
        if visits > MAX_EXIT_ENDS * 16 {
            return None;
        }
        match prog.insts.get(pc)? {
            Inst::Jump(target) => stack.push((*target, anchors, assertions)),
            Inst::Split(first, second) => {
                stack.push((*first, anchors, assertions.clone()));
                stack.push((*second, anchors, assertions));
            }
            Inst::Save(_) => stack.push((pc + 1, anchors, assertions)),
            Inst::Assert(Assertion::Anchor(anchor)) => {
                stack.push((pc + 1, anchors | crate::vm::anchor_bit(*anchor), assertions));
            }
            Inst::Assert(assertion) => {
                let mut assertions = assertions;
                if !assertions.contains(assertion) {
                    assertions.push(*assertion);
                }
                stack.push((pc + 1, anchors, assertions));
            }
            Inst::Match => {
                if ends.len() == MAX_EXIT_ENDS {
                    return None;
                }
                ends.push(ExitEnd {
                    anchors,
                    assertions: assertions.into_boxed_slice(),
                });
            }
            Inst::Token(_) | Inst::Annotation { .. } | Inst::Phrase(_) => {}
        }
    }
    Some(ends)
}

/// The token loops of a program, by the pc of their splits.
#[derive(Clone, Debug, Default)]
pub(crate) struct TokenLoops {
    /// Per instruction, the index of its loop in `loops` (`u32::MAX`: none); empty when the
    /// program has no loop.
    at: Box<[u32]>,
    loops: Box<[TokenLoop]>,
}

impl TokenLoops {
    /// Finds the loops over one token of `prog` whose exit can be told from its first steps.
    pub(crate) fn new(prog: &Prog) -> TokenLoops {
        let insts = &prog.insts;
        let mut at = vec![u32::MAX; insts.len()];
        let mut loops = Vec::new();
        for (pc, inst) in insts.iter().enumerate() {
            let &Inst::Split(first, second) = inst else {
                continue;
            };
            // The branch that takes a token and comes back to a copy of this split.
            let takes = |branch: usize| {
                matches!(insts.get(branch), Some(Inst::Token(_)))
                    && insts.get(branch + 1) == Some(inst)
            };
            let (token, exit) = if takes(second) && !takes(first) {
                (second, first)
            } else if takes(first) && !takes(second) {
                (first, second)
            } else {
                continue;
            };
            let Some(&Inst::Token(test)) = insts.get(token) else {
                continue;
            };
            let Some((exit_steps, ends)) = crate::live::steps_from(prog, exit) else {
                continue;
            };
            // Without the ways told apart, each holds where its anchors do.
            let exit_ends = exit_ends(prog, exit).unwrap_or_else(|| {
                ends.iter()
                    .map(|&anchors| ExitEnd {
                        anchors,
                        assertions: Box::default(),
                    })
                    .collect()
            });
            at[pc] = loops.len() as u32;
            loops.push(TokenLoop {
                token,
                test,
                exit,
                exit_tests: crate::live::edge_tests(prog, &exit_steps),
                exit_anchors: crate::live::common_anchors(Some(&exit_steps)),
                exit_steps: exit_steps.into_boxed_slice(),
                exit_ends: exit_ends.into_boxed_slice(),
            });
        }
        if loops.is_empty() {
            return TokenLoops::default();
        }
        TokenLoops {
            at: at.into_boxed_slice(),
            loops: loops.into_boxed_slice(),
        }
    }

    /// The splits of the loops that can end a match: where one is left, the match may end
    /// without a further step, as in `content:([!punct] [!quote]*?) ClauseEnd`.
    pub(crate) fn final_loops(&self) -> Vec<usize> {
        self.at
            .iter()
            .enumerate()
            .filter_map(|(pc, &index)| {
                let token_loop = self.loops.get(index as usize)?;
                (!token_loop.exit_ends.is_empty()).then_some(pc)
            })
            .collect()
    }

    fn get(&self, pc: usize) -> Option<&TokenLoop> {
        let index = *self.at.get(pc)?;
        self.loops.get(index as usize)
    }
}

impl TokenLoop {
    /// Whether the loop goes on over the token at `at` without trying to leave: leaving there
    /// cannot lead to a match and the token passes. A table tells both exactly.
    #[inline]
    fn walks_over(
        &self,
        guide: &Guide<'_>,
        context: &DocContext<'_, '_, '_>,
        window: &Window<'_>,
        at: usize,
    ) -> bool {
        match guide.live {
            Some(live) if live.exact(at) => {
                !live.holds(at, self.exit) && live.holds(at, self.token)
            }
            _ => {
                // The token's row of results answers both the exit's tests and the loop's.
                let row = context.memo_row(at);
                at < window.high
                    && !self.may_leave(guide.prog, context, window, row, at)
                    && context.pred_in(row, self.test, at)
            }
        }
    }

    /// Whether a thread leaving the loop at `at` may end the match there or take a first step.
    fn may_leave<'r>(
        &self,
        prog: &Prog,
        context: &DocContext<'r, '_, '_>,
        window: &Window<'_>,
        row: Option<Row<'r>>,
        at: usize,
    ) -> bool {
        let mask = context.anchor_mask(at);
        // An end needs its anchors, all of which must hold here, and its other assertions.
        if self.exit_ends.iter().any(|end| {
            end.anchors & !mask == 0
                && end
                    .assertions
                    .iter()
                    .all(|&assertion| window.assertion(context, assertion, at))
        }) {
            return true;
        }
        match &self.exit_tests {
            Some(tests) => {
                self.exit_anchors & !mask == 0
                    && at < context.token_count
                    && tests.iter().any(|&test| context.pred_in(row, test, at))
            }
            None => crate::live::can_begin(prog, context, &self.exit_steps, at),
        }
    }
}

/// How a search ended.
pub(crate) enum Search<'a> {
    Found(Found<'a>),
    /// No match starts at or after the given position.
    NoMatch,
    /// The steps ran out before the search was decided.
    GaveUp,
}

/// A step of the depth-first exploration. Undo steps sit below the exploration they undo.
#[derive(Clone, Copy, Debug)]
enum Frame {
    /// Explore instruction `pc` at boundary `at`.
    Explore { pc: usize, at: usize },
    /// Consume `annotation`, remembering it in `slot` when its capture records it, and explore
    /// `pc` at `at`, where the annotation ends.
    Enter {
        pc: usize,
        at: usize,
        annotation: AnnotRef,
        slot: Option<usize>,
    },
    /// Put `value` back into `slot`.
    Restore { slot: usize, value: u64 },
    /// Forget the last consumed annotation.
    Unconsume,
}

/// Buffers reused by every guided search of a run.
#[derive(Debug, Default)]
pub(crate) struct Backtracker {
    marks: Marks,
    frames: Vec<Frame>,
    slots: Vec<u64>,
    consumed: Vec<AnnotRef>,
}

impl Backtracker {
    /// Finds the leftmost-first match starting at or after `from` within the window; the same
    /// match [`crate::vm::search`] finds, unless the steps run out first.
    #[inline(never)]
    pub(crate) fn search(
        &mut self,
        guide: &Guide<'_>,
        context: &DocContext<'_, '_, '_>,
        window: &Window<'_>,
        from: usize,
        counters: &mut Counters,
    ) -> Search<'_> {
        // Nothing past the window or the last end can be part of a match.
        let end = window.high.min(guide.last_end);
        if from > end {
            return Search::NoMatch;
        }
        self.marks.begin(from, end, guide.prog.insts.len());
        for start in from..=guide.last_start.min(end) {
            if !guide.allowed.get(start).copied().unwrap_or(false) {
                continue;
            }
            counters.starts += 1;
            match self.explore_from(start, guide, context, window, counters) {
                Explored::Match => {
                    counters.matches += 1;
                    return Search::Found(Found {
                        slots: Cow::Borrowed(&self.slots),
                        consumed: Cow::Borrowed(&self.consumed),
                    });
                }
                Explored::NoMatch => {}
                Explored::GaveUp => return Search::GaveUp,
            }
        }
        Search::NoMatch
    }

    /// Explores every thread from `start` in priority order; a match leaves its slots and
    /// consumed annotations in the buffers.
    fn explore_from(
        &mut self,
        start: usize,
        guide: &Guide<'_>,
        context: &DocContext<'_, '_, '_>,
        window: &Window<'_>,
        counters: &mut Counters,
    ) -> Explored {
        let Backtracker {
            marks,
            frames,
            slots,
            consumed,
        } = self;
        slots.clear();
        slots.resize(guide.slot_count, UNSET);
        consumed.clear();
        frames.clear();
        frames.push(Frame::Explore { pc: 0, at: start });
        // Counted in a local and written back on the way out: counted through `counters`,
        // every step paid a load and a store the compiler could not drop.
        let mut steps = counters.steps;
        while let Some(frame) = frames.pop() {
            let (pc, at) = match frame {
                Frame::Explore { pc, at } => {
                    if !marks.claim(guide.live, pc, at) {
                        continue;
                    }
                    (pc, at)
                }
                Frame::Enter {
                    pc,
                    at,
                    annotation,
                    slot,
                } => {
                    if !marks.claim(guide.live, pc, at) {
                        continue;
                    }
                    frames.push(Frame::Unconsume);
                    consumed.push(annotation);
                    if let Some(slot) = slot
                        && let Some(cell) = slots.get_mut(slot)
                    {
                        frames.push(Frame::Restore { slot, value: *cell });
                        *cell = annotation.encode();
                    }
                    (pc, at)
                }
                Frame::Restore { slot, value } => {
                    if let Some(cell) = slots.get_mut(slot) {
                        *cell = value;
                    }
                    continue;
                }
                Frame::Unconsume => {
                    consumed.pop();
                    continue;
                }
            };
            // A step with one successor goes on to it at once: pushing it only to pop it next
            // would be the same exploration in the same order, at twice the cost.
            let (mut pc, mut at) = (pc, at);
            // With a table exact where it is, the pair at hand is live: a match can be
            // completed from it. The only successor of a jump, a save, an assertion or a token
            // step is then live too, so the assertion holds and the token passes without asking.
            loop {
                let guided = guide.live.is_some_and(|live| live.exact(at));
                steps += 1;
                if steps > guide.step_limit {
                    counters.steps = steps;
                    return Explored::GaveUp;
                }
                let Some(inst) = guide.prog.insts.get(pc) else {
                    break;
                };
                let (next, implied) = match inst {
                    Inst::Jump(target) => ((*target, at), guided),
                    Inst::Split(first, second)
                        if let Some(token_loop) = guide.loops.get(pc)
                            && at < window.high =>
                    {
                        // Walk the loop over the tokens where it cannot be left and its token
                        // passes, claiming the pairs the steps there would: the token step's
                        // and the split copy's after it (both live, with a table). Leaving is
                        // not tried there, and its pairs stay unclaimed; a later visit of one
                        // fails all the same.
                        let copy = token_loop.token + 1;
                        let mut token_at = at;
                        let mut blocked = false;
                        while token_at < window.high
                            && token_loop.walks_over(guide, context, window, token_at)
                        {
                            steps += 2;
                            if steps > guide.step_limit {
                                counters.steps = steps;
                                return Explored::GaveUp;
                            }
                            if !marks.claim(None, token_loop.token, token_at)
                                || !marks.claim(None, copy, token_at + 1)
                            {
                                blocked = true;
                                break;
                            }
                            token_at += 1;
                        }
                        // A pair explored before ends the path, as the steps would have.
                        if blocked {
                            break;
                        }
                        // Where the walk stopped, the split's copy (the same branches) goes on
                        // as usual.
                        at = token_at;
                        frames.push(Frame::Explore { pc: *second, at });
                        ((*first, at), false)
                    }
                    Inst::Split(first, second) => {
                        frames.push(Frame::Explore { pc: *second, at });
                        ((*first, at), false)
                    }
                    Inst::Save(slot) => {
                        if let Some(cell) = slots.get_mut(*slot) {
                            frames.push(Frame::Restore {
                                slot: *slot,
                                value: *cell,
                            });
                            *cell = at as u64;
                        }
                        ((pc + 1, at), guided)
                    }
                    Inst::Assert(assertion) => {
                        let holds = guided || window.assertion(context, *assertion, at);
                        if !holds {
                            break;
                        }
                        ((pc + 1, at), guided)
                    }
                    Inst::Match => {
                        counters.steps = steps;
                        return Explored::Match;
                    }
                    Inst::Token(pred) => {
                        let passes = guided || (at < window.high && context.pred(*pred, at));
                        if !passes {
                            break;
                        }
                        ((pc + 1, at + 1), guided)
                    }
                    Inst::Annotation { label, record } => {
                        let spans = context
                            .label(*label)
                            .map_or(&[][..], |index| index.starting_at(at));
                        let slot = record.map(|capture| annotation_slot(guide.slot_count, capture));
                        // Pushed in reverse, so the first span is explored first.
                        for span in spans.iter().rev() {
                            if span.end <= window.high {
                                frames.push(Frame::Enter {
                                    pc: pc + 1,
                                    at: span.end,
                                    annotation: span.handle,
                                    slot,
                                });
                            }
                        }
                        break;
                    }
                    Inst::Phrase(lexicon) => {
                        let lengths = context.phrases_starting(*lexicon, at);
                        for &(_, length) in lengths.iter().rev() {
                            let end = at + length as usize;
                            if end <= window.high {
                                frames.push(Frame::Explore {
                                    pc: pc + 1,
                                    at: end,
                                });
                            }
                        }
                        break;
                    }
                };
                let live = if implied { None } else { guide.live };
                if !marks.claim(live, next.0, next.1) {
                    break;
                }
                (pc, at) = next;
            }
        }
        counters.steps = steps;
        Explored::NoMatch
    }
}

/// How the exploration from one start ended.
enum Explored {
    Match,
    NoMatch,
    GaveUp,
}

/// Which (position, instruction) pairs the current search explored, for the positions
/// `from..=end`.
#[derive(Debug, Default)]
struct Marks {
    from: usize,
    end: usize,
    size: usize,
    /// One bit per pair, `size` per position, when the range fits. A search touches few of
    /// them, so past [`MAX_CLEARED_WHOLE`] words only the words it set are cleared for the
    /// next: a long table cleared whole, or one mark word per pair, costs more than the search
    /// itself.
    bits: Vec<u64>,
    /// The words of `bits` set since the last clearing, listed only when the range has more
    /// than [`MAX_CLEARED_WHOLE`] words.
    touched: Vec<usize>,
    /// The words of `bits` the range takes.
    words: usize,
    dense: bool,
    /// The pairs explored when the range does not fit.
    sparse: FastSet<(usize, usize)>,
}

impl Marks {
    /// Starts the marks of a search over `from..=end` of a program of `size` instructions.
    fn begin(&mut self, from: usize, end: usize, size: usize) {
        self.from = from;
        self.end = end;
        self.size = size;
        if self.words > MAX_CLEARED_WHOLE {
            for word in self.touched.drain(..) {
                if let Some(bits) = self.bits.get_mut(word) {
                    *bits = 0;
                }
            }
        } else if let Some(bits) = self.bits.get_mut(..self.words) {
            bits.fill(0);
        }
        self.words = 0;
        let needed = (end - from + 1).saturating_mul(size);
        self.dense = needed <= MAX_DENSE_MARKS;
        if !self.dense {
            self.sparse.clear();
            return;
        }
        let words = needed.div_ceil(64);
        if self.bits.len() < words {
            self.bits.resize(words, 0);
        }
        self.words = words;
    }

    /// Marks the pair explored; false when it already was, lies outside the searched range or
    /// can no longer complete a match. Every step of a search claims a pair; kept out of line
    /// by the compiler, the call took a fifth of the search's instructions.
    #[inline(always)]
    fn claim(&mut self, live: Option<&LiveTable<'_>>, pc: usize, at: usize) -> bool {
        if at > self.end || at < self.from || live.is_some_and(|live| !live.holds(at, pc)) {
            return false;
        }
        if !self.dense {
            return self.sparse.insert((at, pc));
        }
        let index = (at - self.from) * self.size + pc;
        let Some(bits) = self.bits.get_mut(index / 64) else {
            return false;
        };
        let bit = 1 << (index % 64);
        if *bits & bit != 0 {
            return false;
        }
        if *bits == 0 && self.words > MAX_CLEARED_WHOLE {
            self.touched.push(index / 64);
        }
        *bits |= bit;
        true
    }
}
