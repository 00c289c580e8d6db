//! Compilation of a pattern into a Pike-VM program: a flat list of instructions over token
//! positions. Alternation and repetition become `Split`s whose first target is the preferred
//! one, so that simulating the threads in priority order gives a backtracking engine's
//! leftmost-first results without backtracking.

use sayso_lang::ir::{Anchor, LabelId, LookDirection, Pattern};

use crate::CompileError;
use crate::predicate::{PredId, Predicates};

/// One instruction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Inst {
    /// Consume one token that passes the predicate.
    Token(PredId),
    /// Consume the tokens of one annotation of the label starting here (ending here when the
    /// program runs backwards); `record` names the capture that remembers which one.
    Annotation {
        label: LabelId,
        record: Option<usize>,
    },
    /// Consume one entry of a lexicon, longest first.
    Phrase(usize),
    /// Continue at both targets, the first preferred.
    Split(usize, usize),
    /// Continue at the target.
    Jump(usize),
    /// Store the current position in a slot.
    Save(usize),
    /// Continue only if the position test holds.
    Assert(Assertion),
    /// A match ends here.
    Match,
}

/// A zero-width test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Assertion {
    Anchor(Anchor),
    /// The anchor does not hold here (a negated lookaround of an anchor).
    NotAnchor(Anchor),
    /// The token after the position (ahead) or before it (behind), inside the segment, passes
    /// the test, or not when negated: a lookaround of one token, decided without a table.
    Token {
        pred: PredId,
        direction: LookDirection,
        negated: bool,
    },
    /// Lookaround number `look` of the rule holds here (or not, when negated).
    Look {
        look: usize,
        negated: bool,
    },
}

/// A compiled program.
#[derive(Clone, Debug, Default)]
pub(crate) struct Prog {
    pub(crate) insts: Vec<Inst>,
}

/// Points every jump and split past the jumps they land on, and turns a jump to a split into
/// a copy of that split. A repetition loops back through a jump to its split: copied in place,
/// the split saves a step per repetition in every search, and it is the same epsilon edge, so
/// the matches, their priority and the live instructions are unchanged.
fn thread_jumps(insts: &mut [Inst]) {
    // Where a chain of jumps from `pc` ends; a cycle of jumps (never compiled) stays put.
    let land = |mut pc: usize| {
        for _ in 0..insts.len() {
            match insts.get(pc) {
                Some(Inst::Jump(target)) => pc = *target,
                _ => break,
            }
        }
        pc
    };
    let threaded: Vec<Option<Inst>> = insts
        .iter()
        .map(|inst| match *inst {
            Inst::Jump(target) => Some(match insts.get(land(target)) {
                Some(&Inst::Split(first, second)) => Inst::Split(land(first), land(second)),
                _ => Inst::Jump(land(target)),
            }),
            Inst::Split(first, second) => Some(Inst::Split(land(first), land(second))),
            _ => None,
        })
        .collect();
    for (inst, threaded) in insts.iter_mut().zip(threaded) {
        if let Some(threaded) = threaded {
            *inst = threaded;
        }
    }
}

/// A lookaround: the program whose match positions decide it.
#[derive(Clone, Debug)]
pub(crate) struct Look {
    pub(crate) direction: LookDirection,
    /// For lookbehind the inner pattern forwards (matches end at the position); for lookahead
    /// the inner pattern reversed (run backwards, matches "end" where they start).
    pub(crate) prog: Prog,
    /// The inner pattern the other way round, for the liveness pass that decides the same:
    /// a lookahead holds where the forward pattern's first instruction is live, a lookbehind
    /// where the reversed pattern's is, running forwards.
    pub(crate) live: crate::live::LiveProg,
    /// For a lookahead, where a match can begin, when its first steps tell: a table then
    /// looks nowhere else. Set by the rule set, which holds the index keys.
    pub(crate) begins: Option<LookBegins>,
    /// The most tokens a match reads, when its pattern has no unbounded repetition and reads
    /// no annotation or phrase: its table needs no wider window than this, whatever its
    /// rule's other lookarounds read.
    pub(crate) longest: Option<u32>,
}

/// Where a match of a lookahead can begin: at a token under one of `keys`, or, without
/// consuming one, where one of `anchors` holds (as bits of the document's anchor masks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LookBegins {
    pub(crate) keys: Box<[usize]>,
    pub(crate) anchors: u8,
}

/// Everything a pattern compiles into: the main program and its lookarounds, children first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Compiled {
    pub(crate) prog: Prog,
    pub(crate) looks: Vec<Look>,
}

/// Whether a lookaround of `inner` is decided by a table over the segment; one of one token
/// or one anchor compiles to a test at the position itself.
pub(crate) fn is_look_table(inner: &Pattern) -> bool {
    !matches!(inner, Pattern::Token(_) | Pattern::Anchor(_))
}

/// Limits on compilation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_instructions: usize,
}

struct Compiler<'p> {
    preds: &'p mut Predicates,
    looks: Vec<Look>,
    /// The lookaround id of each lookaround node already compiled, by node address, so the
    /// forward and reverse programs share their lookaround tables.
    look_ids: std::collections::HashMap<usize, usize>,
    phrase_lexicons: &'p mut Vec<usize>,
    limits: Limits,
}

/// Compiles `pattern` (forwards, with captures saved) into a program with its lookarounds.
pub(crate) fn compile_pattern(
    pattern: &Pattern,
    preds: &mut Predicates,
    phrase_lexicons: &mut Vec<usize>,
    limits: Limits,
) -> Result<Compiled, CompileError> {
    let mut compiler = Compiler {
        preds,
        looks: Vec::new(),
        look_ids: std::collections::HashMap::new(),
        phrase_lexicons,
        limits,
    };
    let prog = compiler.program(pattern, false, true)?;
    Ok(Compiled {
        prog,
        looks: compiler.looks,
    })
}

impl Compiler<'_> {
    fn program(
        &mut self,
        pattern: &Pattern,
        reverse: bool,
        save_whole: bool,
    ) -> Result<Prog, CompileError> {
        let mut insts = Vec::new();
        if save_whole {
            insts.push(Inst::Save(0));
        }
        self.emit(pattern, reverse, &mut insts)?;
        if save_whole {
            insts.push(Inst::Save(1));
        }
        insts.push(Inst::Match);
        thread_jumps(&mut insts);
        Ok(Prog { insts })
    }

    fn check_size(&self, insts: &[Inst]) -> Result<(), CompileError> {
        if insts.len() > self.limits.max_instructions {
            return Err(CompileError::Limit(format!(
                "a rule compiles to more than {} instructions; lower the counts of its repetitions",
                self.limits.max_instructions
            )));
        }
        Ok(())
    }

    fn emit(
        &mut self,
        pattern: &Pattern,
        reverse: bool,
        insts: &mut Vec<Inst>,
    ) -> Result<(), CompileError> {
        self.check_size(insts)?;
        match pattern {
            Pattern::Token(test) => {
                let id = self.preds.intern(test)?;
                insts.push(Inst::Token(id));
            }
            Pattern::Seq(parts) => {
                if reverse {
                    for part in parts.iter().rev() {
                        self.emit(part, reverse, insts)?;
                    }
                } else {
                    for part in parts {
                        self.emit(part, reverse, insts)?;
                    }
                }
            }
            Pattern::Alt(branches) => {
                let mut jumps_to_end = Vec::new();
                for (index, branch) in branches.iter().enumerate() {
                    if index + 1 < branches.len() {
                        let split = insts.len();
                        insts.push(Inst::Split(split + 1, usize::MAX));
                        self.emit(branch, reverse, insts)?;
                        jumps_to_end.push(insts.len());
                        insts.push(Inst::Jump(usize::MAX));
                        let next = insts.len();
                        insts[split] = Inst::Split(split + 1, next);
                    } else {
                        self.emit(branch, reverse, insts)?;
                    }
                }
                let end = insts.len();
                for at in jumps_to_end {
                    insts[at] = Inst::Jump(end);
                }
                if branches.is_empty() {
                    // An empty alternation never matches: a split to nowhere would loop, so
                    // use a test no token passes.
                    let never = self.preds.intern(&sayso_lang::ir::TokenTest::Not(Box::new(
                        sayso_lang::ir::TokenTest::Any,
                    )))?;
                    insts.push(Inst::Token(never));
                }
            }
            Pattern::Repeat {
                inner,
                min,
                max,
                greedy,
            } => {
                for _ in 0..*min {
                    self.emit(inner, reverse, insts)?;
                }
                match max {
                    Some(max) => {
                        let optional = max.saturating_sub(*min);
                        let mut splits = Vec::new();
                        for _ in 0..optional {
                            splits.push(insts.len());
                            insts.push(Inst::Split(usize::MAX, usize::MAX));
                            self.emit(inner, reverse, insts)?;
                        }
                        let end = insts.len();
                        for at in splits {
                            insts[at] = if *greedy {
                                Inst::Split(at + 1, end)
                            } else {
                                Inst::Split(end, at + 1)
                            };
                        }
                    }
                    None => {
                        let split = insts.len();
                        insts.push(Inst::Split(usize::MAX, usize::MAX));
                        self.emit(inner, reverse, insts)?;
                        insts.push(Inst::Jump(split));
                        let end = insts.len();
                        insts[split] = if *greedy {
                            Inst::Split(split + 1, end)
                        } else {
                            Inst::Split(end, split + 1)
                        };
                    }
                }
            }
            Pattern::Capture { id, inner } => {
                let slot = 2 + 2 * id.0 as usize;
                let (open, close) = if reverse {
                    (slot + 1, slot)
                } else {
                    (slot, slot + 1)
                };
                insts.push(Inst::Save(open));
                match annotation_inside(inner) {
                    Some(label) => insts.push(Inst::Annotation {
                        label,
                        record: Some(id.0 as usize),
                    }),
                    None => self.emit(inner, reverse, insts)?,
                }
                insts.push(Inst::Save(close));
            }
            Pattern::Look {
                direction,
                negated,
                inner,
            } => {
                // A lookaround of one token or one anchor is a test at the position itself
                // (see `is_look_table`).
                match (&**inner, *negated) {
                    (Pattern::Token(test), negated) => {
                        let pred = self.preds.intern(test)?;
                        insts.push(Inst::Assert(Assertion::Token {
                            pred,
                            direction: *direction,
                            negated,
                        }));
                        return Ok(());
                    }
                    (Pattern::Anchor(anchor), false) => {
                        insts.push(Inst::Assert(Assertion::Anchor(*anchor)));
                        return Ok(());
                    }
                    (Pattern::Anchor(anchor), true) => {
                        insts.push(Inst::Assert(Assertion::NotAnchor(*anchor)));
                        return Ok(());
                    }
                    _ => {}
                }
                let node = std::ptr::from_ref::<Pattern>(inner) as usize;
                let look = match self.look_ids.get(&node) {
                    Some(&known) => known,
                    None => {
                        let look_reverse = matches!(direction, LookDirection::Ahead);
                        let prog = self.program(inner, look_reverse, false)?;
                        let live = self.program(inner, !look_reverse, false)?;
                        let look = self.looks.len();
                        self.looks.push(Look {
                            direction: *direction,
                            prog,
                            longest: crate::max_length(inner, &|_| None),
                            live: crate::live::LiveProg::new(&live),
                            begins: None,
                        });
                        self.look_ids.insert(node, look);
                        look
                    }
                };
                insts.push(Inst::Assert(Assertion::Look {
                    look,
                    negated: *negated,
                }));
            }
            Pattern::Annotation(label) => insts.push(Inst::Annotation {
                label: *label,
                record: None,
            }),
            Pattern::Phrase(lexicon) => {
                let lexicon = lexicon.0 as usize;
                if !self.phrase_lexicons.contains(&lexicon) {
                    self.phrase_lexicons.push(lexicon);
                }
                insts.push(Inst::Phrase(lexicon));
            }
            Pattern::Anchor(anchor) => insts.push(Inst::Assert(Assertion::Anchor(*anchor))),
        }
        self.check_size(insts)
    }
}

/// The label of a capture's element when the element is one `@Label` (possibly wrapped in a
/// one-part sequence), so the capture can remember which annotation it matched.
fn annotation_inside(pattern: &Pattern) -> Option<LabelId> {
    match pattern {
        Pattern::Annotation(label) => Some(*label),
        Pattern::Seq(parts) if parts.len() == 1 => annotation_inside(&parts[0]),
        _ => None,
    }
}

/// Compiles a `when` pattern of a link (forwards, no capture slots needed).
pub(crate) fn compile_condition(
    pattern: &Pattern,
    preds: &mut Predicates,
    phrase_lexicons: &mut Vec<usize>,
    limits: Limits,
) -> Result<Compiled, CompileError> {
    compile_pattern(pattern, preds, phrase_lexicons, limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_to_a_split_becomes_the_split_and_chains_of_jumps_are_skipped() {
        // `[]*?` then a token reached through two jumps.
        let mut insts = vec![
            Inst::Split(3, 1),
            Inst::Token(0),
            Inst::Jump(0),
            Inst::Jump(4),
            Inst::Jump(5),
            Inst::Token(1),
            Inst::Match,
        ];
        thread_jumps(&mut insts);
        assert_eq!(
            insts,
            vec![
                Inst::Split(5, 1),
                Inst::Token(0),
                Inst::Split(5, 1),
                Inst::Jump(5),
                Inst::Jump(5),
                Inst::Token(1),
                Inst::Match,
            ]
        );
    }
}
