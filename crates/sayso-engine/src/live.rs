//! Liveness: for each position of a segment, the instructions of a rule's program from which a
//! match can still be completed.
//!
//! One backward pass over the segment computes it, and it serves twice. A match can only start
//! where the first instruction is live, so threads start nowhere else; and the forward Pike VM
//! drops every thread that reaches a dead instruction, so a greedy tail that can never complete
//! (`[title] ([]* [SAY])?` in a text without a speech verb) dies at once instead of scanning to
//! the end of the segment before every match, which made the search quadratic.
//!
//! The pass is a lazily built deterministic automaton. The live set at a position depends only
//! on the live set after it, on the token tests that set makes relevant, on the assertions that
//! hold at the position and on which annotation steps can jump to a live place. Those inputs
//! form the transition key, so after warming up each position costs a few memo lookups and one
//! hash lookup. The automaton depends on the program alone, not on the document, so one
//! [`LiveDfa`] per rule is kept across documents in the rule set's cache.
//!
//! A rule's pass also stops early: left of the first token under the key of its cue (see
//! `KeyStep`), once nothing before the cue is live, no match can start further left. And a
//! rule whose match ends in a loop over one token soon after its cue (`c:[SAY] ... content:
//! ([!punct] [!quote]*?) ClauseEnd`) opens its pass a token past the last cue (see
//! [`Pass::open_to`]): the clause after it, most of a pass, is left to the search, which
//! walks the loop there without the table's guidance (see [`LiveTable::exact`]).

use sayso_lang::ir::{LabelId, LookDirection};

use crate::compile::{Assertion, Inst, Prog};
use crate::context::DocContext;
use crate::hash::FastMap;
use crate::predicate::PredId;
use crate::vm::{Counters, Window};

/// An assertion index that marks an unconditional epsilon edge.
const ALWAYS: u32 = u32::MAX;

/// The most relevant token tests, assertions or annotation steps a transition key can encode.
const KEY_BITS: usize = 64;

/// Above this many transitions (or the configured number of states) a rule's automaton is
/// dropped and rebuilt, so memory stays bounded.
const MAX_TRANSITIONS: usize = 200_000;

/// What the liveness pass needs to know about a program, computed once per rule.
#[derive(Clone, Debug)]
pub(crate) struct LiveProg {
    /// The program itself.
    pub(crate) insts: Prog,
    size: usize,
    /// For each instruction, the instructions with an epsilon edge to it, each with the index
    /// of the assertion that edge needs (`ALWAYS` for none).
    epsilon_from: Vec<Vec<(u32, u32)>>,
    /// The `Match` instructions.
    matches: Vec<u32>,
    /// The distinct assertions of the program.
    assertions: Vec<Assertion>,
    /// The annotation and phrase steps.
    jumps: Vec<u32>,
    /// The successors of the token steps, as instruction bits: a new state finds its live
    /// token steps a word at a time, without a walk over every step of the program.
    token_successors: Vec<u64>,
    /// For each mask of anchors holding (see [`DocContext::anchor_mask`]), the bits of the
    /// program's anchor assertions that hold.
    anchor_bits: Vec<u64>,
    /// Per assertion bit, what a lookaround asks (nothing for an anchor, which
    /// `anchor_bits` answers).
    lookarounds: Vec<Lookaround>,
    /// The bits of the lookaround assertions: a pass asks only those its state needs, one
    /// at a time, rather than walking them all.
    lookaround_mask: u64,
    /// Per instruction, the assertions (as key bits) a closure started from it may consult.
    needs: Vec<u64>,
    /// The assertions a closure from the `Match` instructions or the annotation and phrase
    /// steps may consult: these start the closure at every boundary.
    always_needs: u64,
    /// The consuming steps that can begin a match, or `None` when a match can begin without
    /// consuming anything.
    first_steps: Option<Vec<EdgeStep>>,
    /// The consuming steps that can end a match, or `None` when a match can end without
    /// consuming anything.
    last_steps: Option<Vec<EdgeStep>>,
    /// The tests of the first steps when every one of them reads a token and needs the same
    /// anchors: where a match can begin is then a few lookups in the token's row of results.
    first_tests: Option<Box<[PredId]>>,
    /// The labels of the first steps when every one of them reads an annotation.
    first_labels: Option<Vec<LabelId>>,
    /// Otherwise, where the first steps can be taken when each reads an annotation or a token
    /// under an index key (see [`LiveProg::set_first_keys`]).
    first_places: Option<Places>,
    /// The labels of the last steps when every one of them reads an annotation.
    last_labels: Option<Vec<LabelId>>,
    /// Whether one of the first steps reads an annotation.
    annotation_begin: bool,
    /// The anchors every first step needs, and every last step: a scan for where a match can
    /// begin or end passes over boundaries without them at the cost of one mask test.
    first_anchors: u8,
    last_anchors: u8,
    /// A token step under an index key that every match takes, with what comes before it
    /// (see [`LiveProg::set_key_step`]).
    key_step: Option<KeyStep>,
}

/// A token step every match takes, the first with an index key, and the instructions up to
/// it: the rule's part before its cue (`s:Speaker Apposition? Adverbs c:[SAY]`).
///
/// Those instructions are live at a boundary only when the step can be taken at a token under
/// the key at or after it, so a backward pass that is left of the first such token and finds
/// none of them live for a while can stop: no match starts further left. In a sentence where
/// no speaker stands before the verb ("the company said", "... continuing to invest") the
/// pass stops a few tokens left of it instead of going on to the sentence start.
#[derive(Clone, Debug)]
struct KeyStep {
    /// The index key every token passing the step's test is under.
    key: usize,
    /// The step's instruction: it and every instruction before it are the part before the
    /// key, and no instruction there leads past it but through it.
    pc: usize,
    /// The most tokens one step before it consumes (a phrase's longest entry, or one): so many
    /// boundaries in a row without them live leave no way back.
    span: usize,
    /// Whether a pass may open past the last key (see [`LiveProg::set_open`]).
    opens: bool,
}

/// How many boundaries past the last token under a rule's key an open pass still covers
/// exactly (see [`Pass::open_to`]), and how few tokens after the key step a match must be able
/// to enter its final loop in for the rule's passes to open (see [`LiveProg::set_open`]).
pub(crate) const OPEN_PASS_MARGIN: usize = 1;

impl KeyStep {
    /// Whether none of the instructions up to the step is set in `bits`.
    fn none_up_to(&self, bits: &[u64]) -> bool {
        let (words, rest) = ((self.pc + 1) / 64, (self.pc + 1) % 64);
        bits.iter().take(words).all(|&word| word == 0)
            && (rest == 0
                || bits
                    .get(words)
                    .is_none_or(|&word| word & ((1 << rest) - 1) == 0))
    }
}

/// Where some steps can be taken: at the tokens under `keys` and where an annotation of one
/// of `labels` starts. A scan for where a match begins asks only these places.
#[derive(Clone, Debug)]
struct Places {
    keys: Box<[usize]>,
    labels: Box<[LabelId]>,
}

impl Places {
    /// Every place of `low..=high`, in order for each key and label but not across them.
    fn within<'c>(
        &'c self,
        context: &'c DocContext<'_, '_, '_>,
        (low, high): (usize, usize),
    ) -> impl Iterator<Item = impl Iterator<Item = usize> + 'c> + 'c {
        let keyed = self.keys.iter().map(move |&key| {
            let positions = context.positions_within(key, low, high);
            Either::Keyed(positions.iter().map(|&at| at as usize))
        });
        let labelled = self.labels.iter().map(move |&label| {
            let spans = context
                .label(label)
                .map_or(&[][..], |index| index.starting_in(low, high));
            Either::Labelled(spans.iter().map(|span| span.start))
        });
        keyed.chain(labelled)
    }
}

/// One of two iterators of places.
enum Either<K, L> {
    Keyed(K),
    Labelled(L),
}

impl<K: Iterator<Item = usize>, L: Iterator<Item = usize>> Iterator for Either<K, L> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        match self {
            Either::Keyed(places) => places.next(),
            Either::Labelled(places) => places.next(),
        }
    }
}

/// What an assertion bit asks besides the anchors.
#[derive(Clone, Copy, Debug)]
enum Lookaround {
    /// An anchor: read from the anchor mask.
    None,
    /// A lookaround decided by its own table.
    Look { look: usize, negated: bool },
    /// A lookaround of one token.
    Token {
        pred: PredId,
        direction: LookDirection,
        negated: bool,
    },
}

/// Which end of a match a step is taken at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edge {
    Begin,
    End,
}

/// A consuming instruction that can begin or end a match, with the anchors (as bits of
/// [`DocContext::anchor_mask`]) that must hold at the boundary where it begins or ends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EdgeStep {
    pub(crate) anchors: u8,
    pub(crate) pc: u32,
}

/// The consuming steps reachable from instruction 0 without consuming anything, or `None` when
/// `Match` is reachable so.
fn first_steps(prog: &Prog) -> Option<Vec<EdgeStep>> {
    let (steps, ends) = steps_from(prog, 0)?;
    ends.is_empty().then_some(steps)
}

/// The consuming steps reachable from instruction `from` without consuming anything, and the
/// anchors on each way from it to a `Match` that consumes nothing; `None` when a way leaves
/// the program. Lookarounds on the way are passed over, as they only narrow where it goes on.
pub(crate) fn steps_from(prog: &Prog, from: usize) -> Option<(Vec<EdgeStep>, Vec<u8>)> {
    let mut steps = Vec::new();
    let mut ends = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![(from, 0u8)];
    while let Some((pc, anchors)) = stack.pop() {
        if !seen.insert((pc, anchors)) {
            continue;
        }
        match prog.insts.get(pc)? {
            Inst::Jump(target) => stack.push((*target, anchors)),
            Inst::Split(first, second) => {
                stack.push((*first, anchors));
                stack.push((*second, anchors));
            }
            Inst::Save(_)
            | Inst::Assert(
                Assertion::Look { .. } | Assertion::NotAnchor(_) | Assertion::Token { .. },
            ) => stack.push((pc + 1, anchors)),
            Inst::Assert(Assertion::Anchor(anchor)) => {
                stack.push((pc + 1, anchors | crate::vm::anchor_bit(*anchor)));
            }
            Inst::Match => ends.push(anchors),
            Inst::Token(_) | Inst::Annotation { .. } | Inst::Phrase(_) => steps.push(EdgeStep {
                anchors,
                pc: pc as u32,
            }),
        }
    }
    steps.sort();
    steps.dedup();
    Some((steps, ends))
}

/// The consuming steps from whose successor `Match` is reachable without consuming anything,
/// or `None` when `Match` is reachable so from instruction 0.
fn last_steps(
    prog: &Prog,
    epsilon_from: &[Vec<(u32, u32)>],
    matches: &[u32],
) -> Option<Vec<EdgeStep>> {
    let mut steps = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<(usize, u8)> = matches.iter().map(|&pc| (pc as usize, 0)).collect();
    while let Some((pc, anchors)) = stack.pop() {
        if !seen.insert((pc, anchors)) {
            continue;
        }
        if pc == 0 {
            return None;
        }
        if let Some(Inst::Token(_) | Inst::Annotation { .. } | Inst::Phrase(_)) =
            prog.insts.get(pc - 1)
        {
            steps.push(EdgeStep {
                anchors,
                pc: pc as u32 - 1,
            });
        }
        for &(from, _) in epsilon_from.get(pc).map_or(&[][..], Vec::as_slice) {
            let anchors = match prog.insts.get(from as usize) {
                Some(Inst::Assert(Assertion::Anchor(anchor))) => {
                    anchors | crate::vm::anchor_bit(*anchor)
                }
                _ => anchors,
            };
            stack.push((from as usize, anchors));
        }
    }
    steps.sort();
    steps.dedup();
    Some(steps)
}

/// For each instruction that can start a closure (a `Match`, or a step that consumes), the
/// assertions, as key bits, on the epsilon edges a closure from it can walk back over. A state
/// asks only these at each boundary: most one-token lookarounds of a rule sit where the state
/// at hand cannot reach them, and each asks the token-test memo.
fn assertion_needs(prog: &Prog, epsilon_from: &[Vec<(u32, u32)>]) -> Vec<u64> {
    let mut needs = vec![0u64; prog.insts.len()];
    let mut seen = vec![false; prog.insts.len()];
    let mut stack = Vec::new();
    for (pc, inst) in prog.insts.iter().enumerate() {
        if !matches!(
            inst,
            Inst::Match | Inst::Token(_) | Inst::Annotation { .. } | Inst::Phrase(_)
        ) {
            continue;
        }
        seen.iter_mut().for_each(|seen| *seen = false);
        stack.clear();
        stack.push(pc);
        let mut bits = 0u64;
        while let Some(to) = stack.pop() {
            for &(from, condition) in epsilon_from.get(to).map_or(&[][..], Vec::as_slice) {
                if (condition as usize) < KEY_BITS {
                    bits |= 1 << condition;
                }
                if let Some(seen) = seen.get_mut(from as usize)
                    && !*seen
                {
                    *seen = true;
                    stack.push(from as usize);
                }
            }
        }
        needs[pc] = bits;
    }
    needs
}

/// The anchors every one of `steps` needs.
pub(crate) fn common_anchors(steps: Option<&[EdgeStep]>) -> u8 {
    steps.map_or(0, |steps| {
        steps
            .iter()
            .fold(u8::MAX, |common, step| common & step.anchors)
    })
}

/// The distinct tests of `steps` when every one of them reads a token and all need the same
/// anchors.
pub(crate) fn edge_tests(prog: &Prog, steps: &[EdgeStep]) -> Option<Box<[PredId]>> {
    let mut tests = Vec::new();
    for step in steps {
        match prog.insts.get(step.pc as usize) {
            Some(Inst::Token(pred)) if step.anchors == steps.first()?.anchors => {
                if !tests.contains(pred) {
                    tests.push(*pred);
                }
            }
            _ => return None,
        }
    }
    Some(tests.into_boxed_slice())
}

/// The labels of `steps` when every one of them reads an annotation.
fn edge_labels(prog: &Prog, steps: &[EdgeStep]) -> Option<Vec<LabelId>> {
    let mut labels = Vec::new();
    for step in steps {
        match prog.insts.get(step.pc as usize) {
            Some(Inst::Annotation { label, .. }) if !labels.contains(label) => labels.push(*label),
            Some(Inst::Annotation { .. }) => {}
            _ => return None,
        }
    }
    Some(labels)
}

impl LiveProg {
    pub(crate) fn new(prog: &Prog) -> LiveProg {
        let size = prog.insts.len();
        let mut epsilon_from: Vec<Vec<(u32, u32)>> = vec![Vec::new(); size];
        let mut matches = Vec::new();
        let mut assertions: Vec<Assertion> = Vec::new();
        let mut jumps = Vec::new();
        let mut edge = |from: usize, to: usize, condition: u32| {
            if let Some(list) = epsilon_from.get_mut(to) {
                list.push((from as u32, condition));
            }
        };
        for (pc, inst) in prog.insts.iter().enumerate() {
            match inst {
                Inst::Jump(target) => edge(pc, *target, ALWAYS),
                Inst::Split(first, second) => {
                    edge(pc, *first, ALWAYS);
                    edge(pc, *second, ALWAYS);
                }
                Inst::Save(_) => edge(pc, pc + 1, ALWAYS),
                Inst::Assert(assertion) => {
                    let index = match assertions.iter().position(|a| a == assertion) {
                        Some(index) => index,
                        None => {
                            assertions.push(*assertion);
                            assertions.len() - 1
                        }
                    };
                    edge(pc, pc + 1, index as u32);
                }
                Inst::Match => matches.push(pc as u32),
                Inst::Annotation { .. } | Inst::Phrase(_) => jumps.push(pc as u32),
                Inst::Token(_) => {}
            }
        }
        let mut anchor_bits = vec![0u64; 64];
        let mut lookarounds = vec![Lookaround::None; assertions.len().min(KEY_BITS)];
        let mut lookaround_mask = 0u64;
        for (bit, assertion) in assertions.iter().enumerate().take(KEY_BITS) {
            match *assertion {
                Assertion::Anchor(anchor) => {
                    let anchor = crate::vm::anchor_bit(anchor);
                    for (mask, bits) in anchor_bits.iter_mut().enumerate() {
                        if mask as u8 & anchor != 0 {
                            *bits |= 1 << bit;
                        }
                    }
                }
                Assertion::NotAnchor(anchor) => {
                    let anchor = crate::vm::anchor_bit(anchor);
                    for (mask, bits) in anchor_bits.iter_mut().enumerate() {
                        if mask as u8 & anchor == 0 {
                            *bits |= 1 << bit;
                        }
                    }
                }
                Assertion::Look { look, negated } => {
                    lookarounds[bit] = Lookaround::Look { look, negated };
                    lookaround_mask |= 1 << bit;
                }
                Assertion::Token {
                    pred,
                    direction,
                    negated,
                } => {
                    lookarounds[bit] = Lookaround::Token {
                        pred,
                        direction,
                        negated,
                    };
                    lookaround_mask |= 1 << bit;
                }
            }
        }
        let mut token_successors = vec![0u64; size.div_ceil(64).max(1)];
        for (pc, inst) in prog.insts.iter().enumerate() {
            let next = pc + 1;
            if let (Inst::Token(_), Some(word)) = (inst, token_successors.get_mut(next / 64)) {
                *word |= 1 << (next % 64);
            }
        }
        let needs = assertion_needs(prog, &epsilon_from);
        let always_needs = matches
            .iter()
            .chain(&jumps)
            .fold(0, |bits, &pc| bits | needs[pc as usize]);
        let first_steps = first_steps(prog);
        let last_steps = last_steps(prog, &epsilon_from, &matches);
        let first_tests = first_steps
            .as_deref()
            .and_then(|steps| edge_tests(prog, steps));
        LiveProg {
            first_tests,
            needs,
            always_needs,
            token_successors,
            first_labels: first_steps
                .as_deref()
                .and_then(|steps| edge_labels(prog, steps)),
            last_labels: last_steps
                .as_deref()
                .and_then(|steps| edge_labels(prog, steps)),
            annotation_begin: first_steps.as_deref().is_some_and(|steps| {
                steps.iter().any(|step| {
                    matches!(
                        prog.insts.get(step.pc as usize),
                        Some(Inst::Annotation { .. })
                    )
                })
            }),
            first_anchors: common_anchors(first_steps.as_deref()),
            last_anchors: common_anchors(last_steps.as_deref()),
            first_places: None,
            key_step: None,
            first_steps,
            last_steps,
            anchor_bits,
            lookarounds,
            lookaround_mask,
            insts: prog.clone(),
            size,
            epsilon_from,
            matches,
            assertions,
            jumps,
        }
    }

    fn words(&self) -> usize {
        self.size.div_ceil(64).max(1)
    }

    /// Records where the first steps can be taken when each reads an annotation or a token
    /// whose test `key_of` gives an index key for, so that a scan for where a match begins
    /// asks only those places (every first step reading an annotation needs no keys).
    pub(crate) fn set_first_keys(&mut self, mut key_of: impl FnMut(PredId) -> Option<usize>) {
        if self.first_labels.is_some() {
            return;
        }
        let Some(steps) = &self.first_steps else {
            return;
        };
        let mut keys = Vec::new();
        let mut labels = Vec::new();
        for step in steps {
            match self.insts.insts.get(step.pc as usize) {
                Some(Inst::Token(pred)) => match key_of(*pred) {
                    Some(key) if !keys.contains(&key) => keys.push(key),
                    Some(_) => {}
                    None => return,
                },
                Some(Inst::Annotation { label, .. }) if !labels.contains(label) => {
                    labels.push(*label);
                }
                Some(Inst::Annotation { .. }) => {}
                _ => return,
            }
        }
        self.first_places = Some(Places {
            keys: keys.into_boxed_slice(),
            labels: labels.into_boxed_slice(),
        });
    }

    /// Finds the first token step under an index key (`key_of`) that every match takes after
    /// consuming something: no instruction before it leads past it or ends a match. Steps
    /// over annotations before it leave it unset, since an annotation has no longest length;
    /// a phrase step's longest entry is `phrase_max` of its lexicon.
    pub(crate) fn set_key_step(
        &mut self,
        mut key_of: impl FnMut(PredId) -> Option<usize>,
        phrase_max: impl Fn(usize) -> Option<u32>,
    ) {
        // The furthest instruction the steps before `pc` lead to.
        let mut furthest = 0;
        let mut consumes = false;
        let mut span = 1;
        for (pc, inst) in self.insts.insts.iter().enumerate() {
            if let Inst::Token(test) = inst
                && furthest <= pc
                && consumes
                && let Some(key) = key_of(*test)
            {
                self.key_step = Some(KeyStep {
                    key,
                    pc,
                    span,
                    opens: false,
                });
                return;
            }
            match inst {
                Inst::Match | Inst::Annotation { .. } => return,
                Inst::Phrase(lexicon) => {
                    let Some(longest) = phrase_max(*lexicon) else {
                        return;
                    };
                    span = span.max(longest as usize);
                    consumes = true;
                    furthest = furthest.max(pc + 1);
                }
                Inst::Token(_) => {
                    consumes = true;
                    furthest = furthest.max(pc + 1);
                }
                Inst::Split(first, second) => furthest = furthest.max(*first).max(*second),
                Inst::Jump(target) => furthest = furthest.max(*target),
                Inst::Save(_) | Inst::Assert(_) => furthest = furthest.max(pc + 1),
            }
        }
    }

    /// Lets the rule's backward passes open past the last token under its key (see
    /// [`Pass::open_to`]) when a match can enter one of `final_loops`, the splits of its loops
    /// over one token that end it (`content:([!punct] [!quote]*?) ClauseEnd`), at most
    /// [`OPEN_PASS_MARGIN`] tokens after the key step. Past the margin its searches then mostly
    /// walk that loop, which seldom fails. A rule that must still read a phrase there (a
    /// hearer after "told", a speaker after its cue) keeps exact passes: the phrase often
    /// fails, and an exact pass then stops at the key, where an open one would go on over the
    /// speaker before it and search there in vain.
    pub(crate) fn set_open(&mut self, final_loops: &[usize]) {
        let insts = &self.insts.insts;
        let Some(step) = self.key_step.as_mut() else {
            return;
        };
        // The fewest tokens consumed from the key step's successor to each instruction: a
        // breadth-first search where a consuming step costs one and the others nothing.
        let mut fewest = vec![usize::MAX; insts.len()];
        let mut queue = std::collections::VecDeque::new();
        if let Some(slot) = fewest.get_mut(step.pc + 1) {
            *slot = 0;
            queue.push_back(step.pc + 1);
        }
        while let Some(pc) = queue.pop_front() {
            let tokens = fewest[pc];
            let mut reach = |to: usize, cost: usize| {
                if let Some(slot) = fewest.get_mut(to)
                    && tokens + cost < *slot
                {
                    *slot = tokens + cost;
                    if cost == 0 {
                        queue.push_front(to);
                    } else {
                        queue.push_back(to);
                    }
                }
            };
            match insts.get(pc) {
                Some(Inst::Jump(target)) => reach(*target, 0),
                Some(Inst::Split(first, second)) => {
                    reach(*first, 0);
                    reach(*second, 0);
                }
                Some(Inst::Save(_) | Inst::Assert(_)) => reach(pc + 1, 0),
                Some(Inst::Token(_) | Inst::Annotation { .. } | Inst::Phrase(_)) => {
                    reach(pc + 1, 1);
                }
                Some(Inst::Match) | None => {}
            }
        }
        step.opens = final_loops.iter().any(|&pc| {
            fewest
                .get(pc)
                .is_some_and(|&tokens| tokens <= OPEN_PASS_MARGIN)
        });
    }

    /// Whether the rule's backward passes may open past the last token under its key (see
    /// [`LiveProg::set_open`]).
    pub(crate) fn opens(&self) -> bool {
        self.key_step.as_ref().is_some_and(|step| step.opens)
    }

    /// The index key of the key step (see [`LiveProg::set_key_step`]).
    pub(crate) fn step_key(&self) -> Option<usize> {
        self.key_step.as_ref().map(|step| step.key)
    }

    /// The first boundary of `low..=high` accepted by `permitted` where a match can begin, as
    /// far as its first consuming step and the anchors before it tell; the first such boundary
    /// when a match can begin without consuming.
    pub(crate) fn first_begin(
        &self,
        context: &DocContext<'_, '_, '_>,
        (low, high): (usize, usize),
        permitted: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let Some(steps) = &self.first_steps else {
            return (low..=high).find(|&at| permitted(at));
        };
        let acceptable = |at: usize| permitted(at) && self.begins(context, steps, at);
        // When every first step reads an annotation, only the boundaries where one starts can
        // begin a match: most segments hold none, and a scan would test every boundary.
        match &self.first_labels {
            Some(labels) => labels
                .iter()
                .filter_map(|&label| {
                    let index = context.label(label)?;
                    index
                        .starting_in(low, high)
                        .iter()
                        .map(|span| span.start)
                        .find(|&at| acceptable(at))
                })
                .min(),
            None => match &self.first_places {
                Some(places) => places
                    .within(context, (low, high))
                    .filter_map(|mut places| places.find(|&at| acceptable(at)))
                    .min(),
                None => (low..=high).find(|&at| acceptable(at)),
            },
        }
    }

    /// Whether a match can begin by consuming an annotation, or only at a token under an
    /// index key: its places to begin are then few, and known without a scan.
    pub(crate) fn begins_at_known_places(&self) -> bool {
        self.annotation_begin || self.first_places.is_some()
    }

    /// Marks in `marks` the boundaries of `first..=last` accepted by `permitted` where a
    /// match can begin, as far as its first consuming step and the anchors before it tell,
    /// and returns how many there are. A match that can begin without consuming anything can
    /// begin at each of them.
    pub(crate) fn mark_begins(
        &self,
        context: &DocContext<'_, '_, '_>,
        (first, last): (usize, usize),
        permitted: impl Fn(usize) -> bool,
        marks: &mut [bool],
    ) -> usize {
        let mut count = 0;
        let mut mark = |at: usize| {
            if let Some(cell) = marks.get_mut(at)
                && !*cell
            {
                *cell = true;
                count += 1;
            }
        };
        match (&self.first_steps, &self.first_labels) {
            // Only where an annotation of a first step's label starts.
            (Some(steps), Some(labels)) => {
                for &label in labels {
                    let Some(index) = context.label(label) else {
                        continue;
                    };
                    for span in index.starting_in(first, last) {
                        if permitted(span.start) && self.begins(context, steps, span.start) {
                            mark(span.start);
                        }
                    }
                }
            }
            (Some(steps), None) => match &self.first_places {
                Some(places) => places
                    .within(context, (first, last))
                    .flatten()
                    .filter(|&at| permitted(at) && self.begins(context, steps, at))
                    .for_each(&mut mark),
                None => (first..=last)
                    .filter(|&at| permitted(at) && self.begins(context, steps, at))
                    .for_each(&mut mark),
            },
            (None, _) => (first..=last)
                .filter(|&at| permitted(at))
                .for_each(&mut mark),
        }
        count
    }

    /// Whether a match can begin without consuming anything (then anywhere its anchors hold).
    pub(crate) fn begins_empty(&self) -> bool {
        self.first_steps.is_none()
    }

    /// Whether a match can begin at boundary `at`, as far as its first consuming step and the
    /// anchors before it tell (anywhere, when it can begin without consuming anything).
    pub(crate) fn may_begin(&self, context: &DocContext<'_, '_, '_>, at: usize) -> bool {
        self.first_steps
            .as_ref()
            .is_none_or(|steps| self.begins(context, steps, at))
    }

    fn begins(&self, context: &DocContext<'_, '_, '_>, steps: &[EdgeStep], at: usize) -> bool {
        let common = self.first_anchors;
        if context.anchor_mask(at) & common != common {
            return false;
        }
        match &self.first_tests {
            Some(tests) => at < context.token_count && context.any_passes(tests, at),
            None => can_take(&self.insts, context, steps, at, Edge::Begin),
        }
    }

    /// The last boundary of `low..=high` where a match can end, as far as its last consuming
    /// step and the anchors after it tell.
    pub(crate) fn last_end(
        &self,
        context: &DocContext<'_, '_, '_>,
        (low, high): (usize, usize),
    ) -> Option<usize> {
        let Some(steps) = &self.last_steps else {
            return (low <= high).then_some(high);
        };
        let common = self.last_anchors;
        let acceptable = |at: usize| {
            context.anchor_mask(at) & common == common
                && can_take(&self.insts, context, steps, at, Edge::End)
        };
        match &self.last_labels {
            Some(labels) => labels
                .iter()
                .filter_map(|&label| {
                    let index = context.label(label)?;
                    index
                        .ending_in(low, high)
                        .iter()
                        .rev()
                        .map(|span| span.end)
                        .find(|&at| acceptable(at))
                })
                .max(),
            None => (low..=high).rev().find(|&at| acceptable(at)),
        }
    }

    fn cacheable(&self) -> bool {
        self.assertions.len() <= KEY_BITS && self.jumps.len() <= KEY_BITS
    }
}

/// Whether one of `steps` of `prog` can begin a match at boundary `at` (consuming what starts
/// there) or end one there (consuming what ends there), with its anchors holding at `at`.
fn can_take(
    prog: &Prog,
    context: &DocContext<'_, '_, '_>,
    steps: &[EdgeStep],
    at: usize,
    edge: Edge,
) -> bool {
    let mask = context.anchor_mask(at);
    steps.iter().any(|step| {
        mask & step.anchors == step.anchors
            && match (prog.insts.get(step.pc as usize), edge) {
                (Some(Inst::Token(pred)), Edge::Begin) => {
                    at < context.token_count && context.pred(*pred, at)
                }
                (Some(Inst::Token(pred)), Edge::End) => at > 0 && context.pred(*pred, at - 1),
                (Some(Inst::Annotation { label, .. }), Edge::Begin) => context
                    .label(*label)
                    .is_some_and(|index| !index.starting_at(at).is_empty()),
                (Some(Inst::Annotation { label, .. }), Edge::End) => context
                    .label(*label)
                    .is_some_and(|index| !index.ending_at(at).is_empty()),
                (Some(Inst::Phrase(lexicon)), Edge::Begin) => {
                    !context.phrases_starting(*lexicon, at).is_empty()
                }
                (Some(Inst::Phrase(lexicon)), Edge::End) => {
                    !context.phrases_ending(*lexicon, at).is_empty()
                }
                _ => false,
            }
    })
}

/// Whether one of `steps` of `prog` can be taken from boundary `at` on, as in a match that
/// begins there: a loop's first steps after it, for the backtracker's walks.
#[inline]
pub(crate) fn can_begin(
    prog: &Prog,
    context: &DocContext<'_, '_, '_>,
    steps: &[EdgeStep],
    at: usize,
) -> bool {
    can_take(prog, context, steps, at, Edge::Begin)
}

/// One state: a set of live instructions (kept in [`LiveDfa::bits`]).
///
/// Laid out by hand: what a boundary reads of the state after it (its listed transitions, the
/// assertions it needs, its quiet transition, whether the part before the key is dead) fills
/// the first cache line, so that a state not read for a while costs one miss, not one for the
/// state and one for a list of transitions elsewhere.
#[derive(Debug)]
#[repr(C, align(64))]
struct State {
    /// The first few transitions into the position before (see [`Listed`]).
    listed: Listed,
    /// The assertions the closure into the position before may consult; the others are left
    /// out of the transition key and not asked.
    needs: u64,
    /// When no token test is relevant, the state into the position before where no assertion
    /// holds and no annotation step jumps (`u32::MAX` until that transition is known).
    quiet: u32,
    /// Whether no instruction up to the program's key step is live (see [`KeyStep`]).
    before_key_dead: bool,
    /// Where the assertion bits and the annotation-step bits of a key start in its packed
    /// word, or `None` when the key does not fit one and every transition is mapped.
    shifts: Option<(u8, u8)>,
    /// The distinct token tests of the token steps whose successor is live in this state: the
    /// tests the transition into the position before depends on.
    relevant: Box<[u32]>,
    /// Each such token step with the index of its test in `relevant`.
    steps: Box<[(u32, u32)]>,
    /// Per relevant test, the assertions a closure from the steps with that test may consult:
    /// a boundary asks those of the tests its token passes, besides the program's own.
    test_needs: Box<[u64]>,
    /// The state built before this one with the same hash of its instruction set.
    same_hash: Option<u32>,
}

// The fields a boundary reads end within the first cache line.
const _: () =
    assert!(std::mem::offset_of!(State, shifts) + std::mem::size_of::<Option<(u8, u8)>>() <= 64);

/// A state's first transitions into the position before, each under its key packed into one
/// word (see [`State::packed`]), searched in order: most states have one to three, and a
/// short scan beats hashing the key. The others go to the automaton's map.
#[derive(Clone, Copy, Debug, Default)]
struct Listed {
    keys: [u64; LISTED_TRANSITIONS],
    next: [u32; LISTED_TRANSITIONS],
    len: u8,
}

impl Listed {
    fn find(&self, packed: u64) -> Option<u32> {
        self.keys
            .iter()
            .zip(&self.next)
            .take(usize::from(self.len))
            .find(|&(&known, _)| known == packed)
            .map(|(_, &next)| next)
    }

    fn is_full(&self) -> bool {
        usize::from(self.len) >= LISTED_TRANSITIONS
    }

    /// Lists a transition; `false` when the list is full.
    fn push(&mut self, packed: u64, next: u32) -> bool {
        let at = usize::from(self.len);
        match (self.keys.get_mut(at), self.next.get_mut(at)) {
            (Some(key), Some(slot)) => {
                (*key, *slot) = (packed, next);
                self.len += 1;
                true
            }
            _ => false,
        }
    }
}

/// What decides a transition besides the state after: the relevant tests that pass, the
/// assertions that hold and the annotation steps that can jump to a live place.
type TransitionKey = (u64, u64, u64);

impl State {
    /// `key` as one word: the relevant tests' bits, then the assertions', then the annotation
    /// steps'. Comparing three words per listed transition was the costliest line of a pass.
    fn packed(&self, (tests, assertions, jumps): TransitionKey) -> Option<u64> {
        let (assertion_shift, jump_shift) = self.shifts?;
        Some(tests | assertions << assertion_shift | jumps << jump_shift)
    }
}

/// Where a backward pass over a rule with a key step may stop (see [`KeyStep`]).
struct Stop {
    /// The first position of a token under the key in the pass.
    first_key: usize,
    /// How many boundaries in a row without the instructions before the key step end it.
    span: usize,
    /// How many boundaries in a row so far.
    dead_run: usize,
}

impl Stop {
    /// Whether the pass can end at boundary `at`, reached in order, given whether nothing
    /// before the key step is live there. Asked at every boundary of a pass.
    #[inline(always)]
    fn ends_at(&mut self, dead: bool, at: usize) -> bool {
        if !dead {
            self.dead_run = 0;
            return false;
        }
        self.dead_run += 1;
        self.dead_run >= self.span && at <= self.first_key
    }
}

/// The longest jump-mark buffer an automaton keeps between passes (32 KiB).
const MAX_KEPT_MARKS: usize = 1 << 12;

/// How many transitions a state keeps in its own list before the shared map takes the rest.
const LISTED_TRANSITIONS: usize = 3;

/// The lazily built liveness automaton of one program.
#[derive(Debug, Default)]
pub(crate) struct LiveDfa {
    states: Vec<State>,
    /// The live instructions of every state, `words` words a state one after another: the
    /// Pike VM asks whether an instruction is live at every step it takes, and one flat table
    /// answers that with a single load.
    bits: Vec<u64>,
    words: usize,
    /// Scratch for the instruction set of a closure.
    closure_bits: Vec<u64>,
    /// Hash of a state's instruction set -> the last state built with that hash; states
    /// with equal hashes are chained through [`State::same_hash`]. Keying by the hash keeps
    /// one copy of each set.
    ids: FastMap<u64, u32>,
    /// (state after, key) -> state, for the transitions that do not fit a state's own list and
    /// for the last boundary of a segment, which has no state after it.
    transitions: FastMap<(u32, TransitionKey), u32>,
    /// How many transitions are known, listed or mapped.
    transition_count: usize,
    /// About how many bytes the states and transitions take.
    bytes: usize,
    /// Scratch for closures.
    work: Vec<u32>,
    /// Scratch for the instructions a new state starts its closure from.
    seeds: Vec<u32>,
    /// Scratch for the relevant tests and token steps of a new state.
    new_state: (Vec<u32>, Vec<(u32, u32)>),
    /// Scratch: per test, its index among the relevant tests of the new state (`u32::MAX`
    /// when not among them). A state of a large rule has dozens of token steps, and finding
    /// each step's test in the list took a scan per step.
    relevant_index: Vec<u32>,
    /// Scratch for a pass: per boundary, the annotation steps that may jump from it.
    jump_marks: Vec<u64>,
    /// The state where every instruction after the key step is live, which starts an open
    /// pass (see [`Pass::open_to`]).
    open_state: Option<u32>,
}

/// The live states of one segment, one per boundary `low..=high`.
pub(crate) struct LiveTable<'a> {
    low: usize,
    states: &'a [u32],
    dfa: &'a LiveDfa,
    /// The first boundary where the table may say live of what cannot complete a match: the
    /// start of an open pass (see [`Pass::open_to`]), else none.
    inexact_from: usize,
}

impl LiveTable<'_> {
    /// Whether a match can be completed from instruction `pc` at boundary `at`. From where the
    /// table stops being exact (see [`LiveTable::exact`]) on, it may say so of instructions that
    /// cannot, never the reverse.
    #[inline]
    pub(crate) fn holds(&self, at: usize, pc: usize) -> bool {
        at >= self.inexact_from
            || at
                .checked_sub(self.low)
                .and_then(|offset| self.states.get(offset))
                .is_some_and(|&state| self.dfa.holds(state, pc))
    }

    /// Whether the table is exact at boundary `at`: an instruction it holds live there can
    /// complete a match, so the successor of a live jump, save, assertion or token step is
    /// live too, its assertion holds and its token passes.
    ///
    /// An open pass (see [`Pass::open_to`]) leaves out the boundaries after the last token
    /// under the rule's key, which are most of a pass over a sentence that goes on after its
    /// cue (the `content ClauseEnd` of an indirect quotation). Before them the table is exact
    /// given its start, where everything after the key step is taken as live, so it holds
    /// more than can match, never less: a search may still fail in what follows, but it
    /// never misses a match.
    #[inline]
    pub(crate) fn exact(&self, at: usize) -> bool {
        at < self.inexact_from
    }

    /// The last boundary the table covers; nothing beyond it is live.
    pub(crate) fn end(&self) -> usize {
        (self.low + self.states.len()).saturating_sub(1)
    }
}

/// Which way a pass runs over the boundaries of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// From the end to the start, over a program that reads tokens forwards: the live set at a
    /// boundary depends on the one after it.
    Backward,
    /// From the start to the end, over a reversed program that reads tokens backwards.
    Forward,
}

/// One pass over one segment: what it runs and where.
pub(crate) struct Pass<'p, 'r, 'd, 't> {
    pub(crate) prog: &'p LiveProg,
    pub(crate) context: &'p DocContext<'r, 'd, 't>,
    pub(crate) window: &'p Window<'p>,
    /// The first boundary needed; earlier ones are left out.
    pub(crate) from: usize,
    /// The last boundary needed: no match reaches past it. Assertions still see the whole
    /// window.
    pub(crate) to: usize,
    pub(crate) direction: Direction,
    /// The most states the automaton keeps before it starts again.
    pub(crate) max_states: usize,
    /// For a backward pass over a rule with a key step, the first position of a token under
    /// its key at or after `from`: past it, the pass stops once nothing before the key step
    /// is live for the step's span (see [`KeyStep`]), and leaves the boundaries below out.
    pub(crate) first_key: Option<usize>,
    /// For a backward pass over a rule with a key step, the last boundary where a match can
    /// end when `to` falls short of it: the pass then starts at `to` taking every instruction
    /// after the key step as live there and wherever a step lands up to this boundary (see
    /// [`LiveTable::exact`]).
    pub(crate) open_to: Option<usize>,
}

impl Pass<'_, '_, '_, '_> {
    /// The token read when moving from the neighbouring boundary to `at`.
    fn token(&self, at: usize) -> usize {
        match self.direction {
            Direction::Backward => at,
            Direction::Forward => at.wrapping_sub(1),
        }
    }

    /// Whether the annotation or phrase step at `pc` can consume something at `at` and land,
    /// inside the segment, where its successor is live. Asked at every boundary where an
    /// annotation starts, two million times over a news corpus: inlined, not called.
    #[inline(always)]
    fn jump_live(&self, pc: u32, at: usize, out: &[u32], dfa: &LiveDfa) -> bool {
        let next = pc as usize + 1;
        let (from, high) = (self.from, self.to);
        let live_at = |land: usize| {
            if land > high {
                return self.open_live(land, next);
            }
            land >= from
                && out
                    .get(land - from)
                    .is_some_and(|&state| dfa.holds(state, next))
        };
        let context = self.context;
        match (self.prog.insts.insts.get(pc as usize), self.direction) {
            (Some(Inst::Annotation { label, .. }), Direction::Backward) => {
                context.label(*label).is_some_and(|index| {
                    index
                        .starting_at(at)
                        .iter()
                        .any(|span| span.end > at && live_at(span.end))
                })
            }
            (Some(Inst::Annotation { label, .. }), Direction::Forward) => {
                context.label(*label).is_some_and(|index| {
                    index
                        .ending_at(at)
                        .iter()
                        .any(|span| span.start < at && live_at(span.start))
                })
            }
            (Some(Inst::Phrase(lexicon)), Direction::Backward) => context
                .phrases_starting(*lexicon, at)
                .iter()
                .any(|&(_, length)| length > 0 && live_at(at + length as usize)),
            (Some(Inst::Phrase(lexicon)), Direction::Forward) => context
                .phrases_ending(*lexicon, at)
                .iter()
                .any(|&(_, length)| {
                    length > 0 && length as usize <= at && live_at(at - length as usize)
                }),
            _ => false,
        }
    }

    /// Whether instruction `pc` is live at boundary `at` past the end of the pass: only past
    /// the start of an open one, where every instruction after the key step is.
    #[cold]
    fn open_live(&self, at: usize, pc: usize) -> bool {
        match (self.open_to, &self.prog.key_step) {
            (Some(open_to), Some(step)) => at <= open_to && pc > step.pc,
            _ => false,
        }
    }

    /// Marks, as bit `index` of `marks[at - from]`, the boundaries of the pass where the
    /// annotation or phrase step at `pc` may jump from: most boundaries start no annotation
    /// and no entry of a phrase lexicon, and there the step needs no look. The jump steps of a
    /// program are exactly its annotation and phrase steps.
    fn mark_jumps(&self, pc: u32, index: u32, marks: &mut [u64]) {
        let (from, to) = (self.from, self.to);
        let mut mark = |at: usize| {
            if let Some(mark) = at
                .checked_sub(from)
                .and_then(|offset| marks.get_mut(offset))
            {
                *mark |= 1 << index;
            }
        };
        let context = self.context;
        match (self.prog.insts.insts.get(pc as usize), self.direction) {
            (Some(Inst::Annotation { label, .. }), direction) => {
                let Some(annotations) = context.label(*label) else {
                    return;
                };
                match direction {
                    Direction::Backward => annotations
                        .starting_in(from, to)
                        .iter()
                        .for_each(|span| mark(span.start)),
                    Direction::Forward => annotations
                        .ending_in(from, to)
                        .iter()
                        .for_each(|span| mark(span.end)),
                }
            }
            // A phrase step, as in `[SOURCE] SOURCE_OF`, can only jump where an entry of its
            // lexicon starts (ends, going forward), and most passes hold none.
            (Some(Inst::Phrase(lexicon)), Direction::Backward) => context
                .phrases_starting_in(*lexicon, from, to)
                .iter()
                .for_each(|&(start, _)| mark(start as usize)),
            (Some(Inst::Phrase(lexicon)), Direction::Forward) => context
                .phrases_ending_in(*lexicon, from, to)
                .iter()
                .for_each(|&(end, _)| mark(end as usize)),
            _ => {}
        }
    }

    /// The assertions of `needs` holding at `at`, as bits (only when they fit the key). Asked
    /// at every boundary of a pass: left out of line, as the compiler chose once the engine
    /// grew, its calls cost 2% of a run over a news corpus.
    #[inline(always)]
    fn assertion_bits(&self, at: usize, needs: u64) -> u64 {
        if self.prog.assertions.len() > KEY_BITS {
            return 0;
        }
        let mask = self.context.anchor_mask(at);
        let mut bits = self
            .prog
            .anchor_bits
            .get(mask as usize)
            .copied()
            .unwrap_or(0);
        let mut asked = needs & self.prog.lookaround_mask;
        while asked != 0 {
            let bit = asked.trailing_zeros();
            asked &= asked - 1;
            let holds = match self.prog.lookarounds.get(bit as usize) {
                Some(&Lookaround::Look { look, negated }) => {
                    self.window.look_holds(look, at) != negated
                }
                Some(&Lookaround::Token {
                    pred,
                    direction,
                    negated,
                }) => self.window.token_holds(self.context, pred, direction, at) != negated,
                Some(Lookaround::None) | None => false,
            };
            if holds {
                bits |= 1 << bit;
            }
        }
        bits & needs
    }

    fn assertion_holds(&self, at: usize, index: u32, bits: u64) -> bool {
        if self.prog.assertions.len() <= KEY_BITS {
            return bits & (1 << index) != 0;
        }
        self.prog
            .assertions
            .get(index as usize)
            .is_some_and(|&assertion| self.window.assertion(self.context, assertion, at))
    }
}

impl LiveDfa {
    /// About how many bytes the automaton takes.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether instruction `pc` is live in state `state`.
    #[inline]
    fn holds(&self, state: u32, pc: usize) -> bool {
        self.bits
            .get(state as usize * self.words + pc / 64)
            .is_some_and(|word| word & (1 << (pc % 64)) != 0)
    }

    /// Fills `out` with the live state of every boundary `pass.from..=pass.to` and returns
    /// a view of it.
    pub(crate) fn compute<'a>(
        &'a mut self,
        pass: &Pass<'_, '_, '_, '_>,
        out: &'a mut Vec<u32>,
        counters: &mut Counters,
    ) -> LiveTable<'a> {
        if self.states.len() > pass.max_states || self.transition_count > MAX_TRANSITIONS {
            *self = LiveDfa::default();
        }
        let prog = pass.prog;
        let window = pass.window;
        let cacheable = prog.cacheable();
        // A pass opens only over a program with a key step whose automaton keeps its states;
        // another goes on to the end.
        let opens = pass.open_to.is_some()
            && pass.direction == Direction::Backward
            && cacheable
            && prog.key_step.is_some();
        let to = match pass.open_to {
            Some(end) if !opens => end,
            _ => pass.to,
        };
        let to = to.clamp(window.low, window.high);
        let from = pass.from.clamp(window.low, to);
        let pass = Pass {
            from,
            to,
            open_to: pass.open_to.filter(|_| opens),
            ..*pass
        };
        let width = to - from + 1;
        out.clear();
        out.resize(width, 0);
        let mut seeds = std::mem::take(&mut self.seeds);
        // Where each annotation or phrase step may jump from.
        let mut jump_marks = std::mem::take(&mut self.jump_marks);
        jump_marks.clear();
        if cacheable && !prog.jumps.is_empty() {
            jump_marks.resize(width, 0);
            for (index, &pc) in prog.jumps.iter().enumerate() {
                pass.mark_jumps(pc, index as u32, &mut jump_marks);
            }
        }
        let offset_of = |step: usize| match pass.direction {
            Direction::Backward => width - 1 - step,
            Direction::Forward => step,
        };
        let mut stop = match (pass.first_key, &prog.key_step, pass.direction) {
            (Some(first_key), Some(key_step), Direction::Backward) => Some(Stop {
                first_key,
                span: key_step.span,
                dead_run: 0,
            }),
            _ => None,
        };
        // The first offset computed: a pass that stops leaves those before it unset.
        let mut stopped = 0;
        let mut step = 0;
        // An open pass starts from the state where everything after the key step is live.
        let open_start = if opens { self.open_state(prog) } else { None };
        if let Some(state) = open_start {
            out[width - 1] = state;
            step = 1;
            // Past the last key the pass cannot end, but the start counts in a run of
            // boundaries where nothing before the key step is live.
            if let Some(stop) = stop.as_mut() {
                stop.ends_at(self.states[state as usize].before_key_dead, to);
            }
        }
        while step < width {
            let offset = offset_of(step);
            let after = match pass.direction {
                Direction::Backward => (offset + 1 < width).then(|| out[offset + 1]),
                Direction::Forward => offset.checked_sub(1).map(|before| out[before]),
            };
            // A state that reads no token and stays itself where no assertion holds and no
            // annotation lands (the stretch before a quotation, for `@Quoted` or `<s> q:@Quoted`)
            // fills the boundaries up to the next that could change it without the key.
            if let Some(after) = after
                && self.states[after as usize].quiet == after
            {
                let needs = self.states[after as usize].needs;
                let dead = self.states[after as usize].before_key_dead;
                // A state with something before the key step live ends a run of dead ones.
                if !dead && let Some(stop) = stop.as_mut() {
                    stop.dead_run = 0;
                }
                let start = step;
                let mut stops = false;
                while step < width {
                    let offset = offset_of(step);
                    if jump_marks.get(offset).is_some_and(|&marks| marks != 0)
                        || pass.assertion_bits(from + offset, needs) != 0
                    {
                        break;
                    }
                    out[offset] = after;
                    step += 1;
                    if dead
                        && stop
                            .as_mut()
                            .is_some_and(|stop| stop.ends_at(true, from + offset))
                    {
                        (stopped, stops) = (offset, true);
                        break;
                    }
                }
                counters.steps += (step - start) as u64;
                if stops {
                    break;
                }
                if step > start {
                    continue;
                }
            }
            step += 1;
            let at = from + offset;
            let token = pass.token(at);
            counters.steps += 1;
            let (test_bits, relevant_ok) = match after {
                Some(after) => self.test_bits(after, pass.context, token),
                None => (0, true),
            };
            // Only the steps whose test the token passes start the closure, so only their
            // lookarounds are asked: most tokens pass none, and a one-token lookaround asks the
            // memo about its neighbour. Anchors cost nothing to ask.
            let needs = match after {
                Some(after) => {
                    let state = &self.states[after as usize];
                    if relevant_ok && state.needs & prog.lookaround_mask != 0 {
                        let mut needs = prog.always_needs;
                        let mut passing = test_bits;
                        while passing != 0 {
                            let index = passing.trailing_zeros() as usize;
                            passing &= passing - 1;
                            needs |= state.test_needs.get(index).copied().unwrap_or(u64::MAX);
                        }
                        needs
                    } else {
                        state.needs
                    }
                }
                None => prog.always_needs,
            };
            let assertion_bits = pass.assertion_bits(at, needs);
            let mut jump_bits = 0u64;
            let mut possible = jump_marks.get(offset).copied().unwrap_or(0);
            while possible != 0 {
                let index = possible.trailing_zeros();
                possible &= possible - 1;
                if let Some(&pc) = prog.jumps.get(index as usize)
                    && pass.jump_live(pc, at, out, self)
                {
                    jump_bits |= 1 << index;
                }
            }
            let key = (test_bits, assertion_bits, jump_bits);
            let cached = if cacheable && relevant_ok {
                self.transition(after, key)
            } else {
                None
            };
            let state = match cached {
                Some(state) => state,
                None => {
                    seeds.clear();
                    seeds.extend_from_slice(&prog.matches);
                    if let Some(after) = after {
                        let next = &self.states[after as usize];
                        for &(pc, test) in &next.steps {
                            let passes = if relevant_ok {
                                test_bits & (1 << test) != 0
                            } else {
                                next.relevant
                                    .get(test as usize)
                                    .is_some_and(|&pred| pass.context.pred(pred as PredId, token))
                            };
                            if passes {
                                seeds.push(pc);
                            }
                        }
                    }
                    for (index, &pc) in prog.jumps.iter().enumerate() {
                        let live = if cacheable {
                            jump_bits & (1 << index) != 0
                        } else {
                            pass.jump_live(pc, at, out, self)
                        };
                        if live {
                            seeds.push(pc);
                        }
                    }
                    let state = self.closure(prog, &seeds, |index| {
                        pass.assertion_holds(at, index, assertion_bits)
                    });
                    counters.steps += prog.size as u64 / 8 + 1;
                    if cacheable && relevant_ok {
                        self.remember(after, key, state);
                    }
                    state
                }
            };
            out[offset] = state;
            let states = &self.states;
            if stop
                .as_mut()
                .is_some_and(|stop| stop.ends_at(states[state as usize].before_key_dead, at))
            {
                stopped = offset;
                break;
            }
        }
        // Every automaton keeps its own marks, so a long pass must not leave a long buffer.
        if jump_marks.capacity() <= MAX_KEPT_MARKS {
            self.jump_marks = jump_marks;
        }
        self.seeds = seeds;
        let states: &'a [u32] = out;
        LiveTable {
            low: from + stopped,
            states: states.get(stopped..).unwrap_or_default(),
            dfa: self,
            inexact_from: if open_start.is_some() { to } else { usize::MAX },
        }
    }

    /// The state where every instruction after the program's key step is live, which starts
    /// an open pass; `None` for a program without a key step.
    fn open_state(&mut self, prog: &LiveProg) -> Option<u32> {
        if let Some(state) = self.open_state {
            return Some(state);
        }
        let step = prog.key_step.as_ref()?;
        let mut bits = vec![0u64; prog.words()];
        for pc in step.pc + 1..prog.size {
            bits[pc / 64] |= 1 << (pc % 64);
        }
        let state = self.intern(&bits, prog);
        self.open_state = Some(state);
        Some(state)
    }

    fn transition(&self, after: Option<u32>, key: TransitionKey) -> Option<u32> {
        if let Some(state) = after.and_then(|after| self.states.get(after as usize))
            && let Some(packed) = state.packed(key)
        {
            if let Some(next) = state.listed.find(packed) {
                return Some(next);
            }
            if !state.listed.is_full() {
                return None;
            }
        }
        self.transitions
            .get(&(after.unwrap_or(u32::MAX), key))
            .copied()
    }

    fn remember(&mut self, after: Option<u32>, key: TransitionKey, next: u32) {
        self.transition_count += 1;
        if let Some(state) = after.and_then(|after| self.states.get_mut(after as usize)) {
            if state.relevant.is_empty() && key == (0, 0, 0) {
                state.quiet = next;
            }
            if let Some(packed) = state.packed(key)
                && state.listed.push(packed, next)
            {
                return;
            }
        }
        self.bytes += std::mem::size_of::<((u32, TransitionKey), u32)>();
        self.transitions
            .insert((after.unwrap_or(u32::MAX), key), next);
    }

    /// Which of the relevant token tests of state `after` token `token` passes, and whether
    /// they all fit the key.
    fn test_bits(&self, after: u32, context: &DocContext<'_, '_, '_>, token: usize) -> (u64, bool) {
        let Some(state) = self.states.get(after as usize) else {
            return (0, true);
        };
        if state.relevant.len() > KEY_BITS {
            return (0, false);
        }
        let Some(row) = context.memo_row(token) else {
            let mut bits = 0u64;
            for (index, &pred) in state.relevant.iter().enumerate() {
                if context.pred(pred as PredId, token) {
                    bits |= 1 << index;
                }
            }
            return (bits, true);
        };
        // Without a branch per test: whether a token passes a test is as good as random to the
        // processor, which mispredicted a branch on it at every other test.
        let mut bits = 0u64;
        let mut unknown = 0u64;
        for (index, &pred) in state.relevant.iter().enumerate() {
            let result = row.get(pred as usize);
            bits |= u64::from(result == crate::types::PASSES) << index;
            unknown |= u64::from(result == crate::types::UNKNOWN) << index;
        }
        // A test not yet decided for the token's type is decided once, and remembered.
        while unknown != 0 {
            let index = unknown.trailing_zeros();
            unknown &= unknown - 1;
            if let Some(&pred) = state.relevant.get(index as usize)
                && context.pred(pred as PredId, token)
            {
                bits |= 1 << index;
            }
        }
        (bits, true)
    }

    /// The state of every instruction from which one of `seeds` is reachable by epsilon edges
    /// whose assertions hold.
    fn closure(&mut self, prog: &LiveProg, seeds: &[u32], holds: impl Fn(u32) -> bool) -> u32 {
        let mut bits = std::mem::take(&mut self.closure_bits);
        bits.clear();
        bits.resize(prog.words(), 0);
        let mut work = std::mem::take(&mut self.work);
        work.clear();
        for &pc in seeds {
            let (word, bit) = (pc as usize / 64, 1u64 << (pc % 64));
            if bits[word] & bit == 0 {
                bits[word] |= bit;
                work.push(pc);
            }
        }
        while let Some(pc) = work.pop() {
            for &(from, condition) in prog.epsilon_from.get(pc as usize).map_or(&[][..], |v| v) {
                if condition != ALWAYS && !holds(condition) {
                    continue;
                }
                let (word, bit) = (from as usize / 64, 1u64 << (from % 64));
                if bits[word] & bit == 0 {
                    bits[word] |= bit;
                    work.push(from);
                }
            }
        }
        self.work = work;
        let state = self.intern(&bits, prog);
        self.closure_bits = bits;
        state
    }

    fn intern(&mut self, bits: &[u64], prog: &LiveProg) -> u32 {
        let hash = {
            use std::hash::{BuildHasher, BuildHasherDefault};
            BuildHasherDefault::<crate::hash::FastHasher>::default().hash_one(bits)
        };
        let mut candidate = self.ids.get(&hash).copied();
        while let Some(id) = candidate {
            let start = id as usize * self.words;
            if self.bits.get(start..start + self.words) == Some(bits) {
                return id;
            }
            candidate = self.states[id as usize].same_hash;
        }
        let (mut relevant, mut steps) = std::mem::take(&mut self.new_state);
        relevant.clear();
        steps.clear();
        let mut test_needs: Vec<u64> = Vec::new();
        let mut needs = prog.always_needs;
        for (word, (&live, &successors)) in bits.iter().zip(&prog.token_successors).enumerate() {
            let mut found = live & successors;
            while found != 0 {
                let pc = word * 64 + found.trailing_zeros() as usize - 1;
                found &= found - 1;
                let Some(&Inst::Token(pred)) = prog.insts.insts.get(pc) else {
                    continue;
                };
                if self.relevant_index.len() <= pred {
                    self.relevant_index.resize(pred + 1, u32::MAX);
                }
                let slot = &mut self.relevant_index[pred];
                if *slot == u32::MAX {
                    *slot = relevant.len() as u32;
                    relevant.push(pred as u32);
                    test_needs.push(0);
                }
                let index = *slot;
                // Tests past the key's width are evaluated directly (see `test_bits`).
                steps.push((pc as u32, index));
                let step_needs = prog.needs.get(pc).copied().unwrap_or(0);
                needs |= step_needs;
                if let Some(slot) = test_needs.get_mut(index as usize) {
                    *slot |= step_needs;
                }
            }
        }
        for &pred in &relevant {
            self.relevant_index[pred as usize] = u32::MAX;
        }
        let id = self.states.len() as u32;
        let same_hash = self.ids.insert(hash, id);
        let assertion_shift = relevant.len();
        let jump_shift = assertion_shift + prog.assertions.len();
        // Both shifts stay below 64 when the key fits: a part with no bits, which would be
        // shifted by 64 after 64 tests, is not shifted at all.
        let shift = |shift: usize, bits: usize| if bits == 0 { 0 } else { shift as u8 };
        let shifts = (jump_shift + prog.jumps.len() <= KEY_BITS).then(|| {
            (
                shift(assertion_shift, prog.assertions.len()),
                shift(jump_shift, prog.jumps.len()),
            )
        });
        self.bytes += std::mem::size_of::<State>()
            + 16
            + 8 * bits.len()
            + 12 * relevant.len()
            + 8 * steps.len();
        self.words = bits.len();
        self.bits.extend_from_slice(bits);
        self.states.push(State {
            relevant: Box::from(relevant.as_slice()),
            steps: Box::from(steps.as_slice()),
            needs,
            test_needs: test_needs.into_boxed_slice(),
            listed: Listed::default(),
            shifts,
            same_hash,
            quiet: u32::MAX,
            before_key_dead: prog
                .key_step
                .as_ref()
                .is_some_and(|step| step.none_up_to(bits)),
        });
        self.new_state = (relevant, steps);
        id
    }
}
