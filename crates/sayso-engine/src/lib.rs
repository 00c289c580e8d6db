//! The sayso engine: a checked [`Program`] compiles into a [`RuleSet`], and a rule set runs over
//! a tokenized [`Document`] to give [`Match`]es with their provenance.
//!
//! Each rule's pattern becomes a Pike-VM program over tokens, simulated with threads in priority
//! order: results equal a backtracking engine's leftmost-first results (greedy and lazy
//! quantifiers, earlier alternation branches preferred) while the time stays linear in the number
//! of tokens. Rules run in cascade order; overlapping matches of one label are resolved by
//! priority, length, position and rule order; links then fill fields from earlier annotations.
//!
//! ```
//! use sayso_engine::RuleSet;
//!
//! let program = sayso_lang::compile_str("demo.sayso", r#"
//!     rule said -> Speech within sentence {
//!       match s:[title] c:"said"i
//!       emit speaker: s, cue: c
//!     }
//! "#).unwrap();
//! let rules = RuleSet::new(program).unwrap();
//! let text = "Smith said so.";
//! let doc = sayso_tokenize::tokenize(text);
//! let (matches, stats) = rules.run_with_stats(&doc);
//! assert_eq!(matches[0].span.text(text), "Smith said");
//! assert_eq!(matches[0].field("speaker").unwrap().span.text(text), "Smith");
//! assert!(stats.rules[0].steps > 0);
//! ```
//!
//! # Semantics decided here
//!
//! - Matching per rule is leftmost-first and non-overlapping, scanning left to right like
//!   `regex`'s `find_iter`; a match never crosses its rule's scope segment, and lookarounds
//!   only see the tokens of that segment. A match of zero tokens is never reported.
//! - `@Label` consumes an annotation that starts at the current token and ends inside the
//!   segment; when several start there, longer ones are tried first. For rule labels these are
//!   the matches that survived conflict resolution (and linking) of that label.
//! - A phrase (`Phrase`) consumes one lexicon entry, longest first; shorter entries are tried
//!   when the longer ones lead to no match.
//! - `capitalized` holds when the first character of the token is an upper-case letter: Title,
//!   UPPER and mixed forms such as `McDonald`, not `iPhone`.
//! - Conflicts among overlapping matches of one label: higher priority, then more tokens, then
//!   the earlier start, then the rule declared first; losers are kept for [`RuleSet::explain`].
//! - Links run per label in document order, so a candidate of the same label has already been
//!   resolved and passes on its own resolution. A match whose `required` link applies and
//!   finds nothing is dropped there and then (so it is no candidate for later links) and kept
//!   for [`RuleSet::explain`] as [`Unlinked`]; the matches it beat stay suppressed.
//!
//! # Cost
//!
//! Every search visits each (token position, instruction) pair at most once. The plain
//! simulation is a Pike VM. In [`Simulation::Optimized`] (the default) a backward liveness pass
//! first finds, for every position of a segment, the instructions from which a match can still
//! be completed (a lazily built automaton, kept across documents, so most positions cost one
//! cached transition). Searches start only where the first instruction is live and never enter
//! a dead pair, so no attempt outlives its last chance of a match: the searches of a segment
//! together stay linear in its length, however the rule's preferred threads would otherwise run
//! on past its matches. Since every live pair leads to a match, these searches go depth-first
//! in priority order (a backtracker with one mark per pair), which reaches the Pike VM's match
//! without carrying its lower-priority threads. A rule that can begin at an annotation and has
//! few places to start in a stretch (a quotation every few sentences) searches it without the
//! pass, which would cost more than the searches; such a search may take eight steps per
//! boundary of the stretch, past which the pass is made and the search goes on guided, so the
//! work stays linear.
//!
//! The optimized simulation also shares work and skips what cannot match: token tests are
//! memoized per token type (text, kind and flags) for all rules and all the documents a thread
//! runs; a lookaround of one token or anchor is a test at the position, and a longer one gets
//! a table per segment from a liveness pass, shared by every rule with an equal lookaround; a
//! rule only runs in segments holding a token under each of its required literals and
//! lexicons (and an annotation of every label it consumes), starting and ending only within
//! reach of those tokens, and its liveness pass spans only from where its first step can be
//! taken to where its last one can. A document only visits the rules filed under the words
//! it holds, so a rule whose cue word is absent costs it nothing. Conflicts are decided in
//! priority order, so once every rule of a label above a rule's priority has run, the winners
//! among their matches are settled: the rule skips the segments where all the tokens under one
//! of its keys (or all the annotations of a label it must consume) meet such winners, since
//! each of its matches there would overlap one and lose.
//! The rules of a label run by falling priority (no results depend on the order of rules that
//! do not consume each other's labels), so this holds for all but a label's first rules.
//! [`Simulation::Plain`] runs the bare simulation; both give identical matches, which the
//! tests check.
#![forbid(unsafe_code)]

mod backtrack;
mod bits;
mod compile;
mod context;
mod hash;
mod keys;
mod live;
mod predicate;
mod run;
mod scratch;
mod stages;
mod types;
mod vm;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Range;
use std::sync::Arc;

use sayso_lang::ir::{self, LookDirection, Pattern, TokenTest};
pub use sayso_lang::ir::{LabelId, Program, RuleId};
pub use sayso_tokenize::{Document, Span};

use crate::compile::{Compiled, Inst, Limits};
use crate::predicate::{CompiledLexicon, PredId, Predicates};

/// Why a program could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// A limit of [`EngineConfig`] was exceeded.
    #[error("the rule set exceeds a limit: {0}")]
    Limit(String),
    /// A token regex did not compile (the checker normally rejects these first).
    #[error("the regex /{source_text}/ does not compile: {message}")]
    Regex {
        /// The regex as written.
        source_text: String,
        /// What the regex compiler said.
        message: String,
    },
}

/// How the engine simulates rules. Both give identical results; `Plain` exists to check that.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Simulation {
    /// Every token test evaluated where a thread needs it, every rule started everywhere, no
    /// thread dropped before it fails. The reference the optimized simulation is tested
    /// against; a rule whose preferred threads outlive its matches can take quadratic time.
    Plain,
    /// Token tests evaluated once per token type and shared by all rules, rules skipped in
    /// segments that lack a token every match of theirs needs, and threads dropped where no
    /// match can be completed.
    #[default]
    Optimized,
}

/// Settings of a rule set.
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    /// The most instructions one rule may compile into (counted repetition is expanded).
    pub max_instructions: usize,
    /// Plain or optimized simulation.
    pub simulation: Simulation,
    /// The most states one liveness automaton keeps: past it the automaton starts again, so
    /// that its memory stays bounded whatever the input. A smaller bound saves memory and
    /// costs relearning; results are the same.
    pub max_automaton_states: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_instructions: 100_000,
            simulation: Simulation::default(),
            max_automaton_states: 4_096,
        }
    }
}

/// One rule, compiled.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) pattern: Compiled,
    pub(crate) slot_count: usize,
    /// Rule labels the pattern consumes with `@Label`: they are resolved before it runs.
    pub(crate) references: Vec<LabelId>,
    /// The compiled `when` pattern of each link.
    pub(crate) link_conditions: Vec<Option<Compiled>>,
    /// A token test some token of every match passes, to skip segments without one.
    pub(crate) prefilter: Option<PredId>,
    /// Index keys of tests some token of every match passes, each with the most tokens a match
    /// can have before and after that token (`None`: unbounded): the rule only runs in
    /// segments that hold a token under every key, starts within the rarest key's distance
    /// before one, and the bounds of all keys narrow where a match can start and end.
    pub(crate) index_keys: Vec<IndexEntry>,
    /// Labels every match consumes an annotation of: segments without one are skipped.
    pub(crate) required_labels: Vec<LabelId>,
    /// Steps every match takes one after another, each with its rank in that order (steps of
    /// one rank are one token under several keys): a stretch must hold them in this order.
    pub(crate) in_order: Vec<(u32, OrderedStep)>,
    /// The program's epsilon structure for the liveness pass.
    pub(crate) live: live::LiveProg,
    /// For each lookaround of the pattern, an id shared by every equal lookaround of the rule
    /// set: macros such as a clause end put the same lookaround into many rules, and a
    /// document computes its table once per segment for all of them.
    pub(crate) look_keys: Vec<u32>,
    /// The most tokens a match can have (`None`: no bound), so that the liveness pass can stop
    /// that far past the last place a match may start.
    pub(crate) max_tokens: Option<u32>,
    /// The most tokens any lookaround table of the pattern reads past the place it is asked
    /// about, when every one is bounded and none asks another (see [`look_margin`]).
    pub(crate) look_margin: Option<u32>,
    /// The pattern's loops over one token, which the searches walk over where they cannot be
    /// left.
    pub(crate) token_loops: backtrack::TokenLoops,
    /// The name of each field the rule emits and of each field its links add, made once so that
    /// every match shares them.
    pub(crate) emit_names: Vec<Arc<str>>,
    pub(crate) link_names: Vec<Arc<str>>,
    /// The constant attributes its matches carry, made once for the same reason.
    pub(crate) attrs: Attrs,
    /// Whether its label has rules of a higher priority and every one of them runs before it.
    /// Conflicts are decided in priority order, so the winners among those rules' matches are
    /// settled when it runs, and a match of it that overlaps one of them loses whatever else
    /// is found.
    pub(crate) outranked_first: bool,
}

/// Gives equal lookarounds of all rules one id (equal direction and program, nested
/// lookarounds compared by their ids) and returns how many ids there are.
fn share_lookarounds(compiled: &mut [CompiledRule]) -> usize {
    let mut ids: HashMap<(ir::LookDirection, Vec<Inst>), u32> = HashMap::new();
    for rule in compiled.iter_mut() {
        let mut keys: Vec<u32> = Vec::with_capacity(rule.pattern.looks.len());
        for look in &rule.pattern.looks {
            // Lookarounds come children first, so a nested one already has its id.
            let insts: Vec<Inst> = look
                .prog
                .insts
                .iter()
                .map(|inst| match inst {
                    Inst::Assert(compile::Assertion::Look { look, negated }) => {
                        Inst::Assert(compile::Assertion::Look {
                            look: keys.get(*look).map_or(usize::MAX, |&key| key as usize),
                            negated: *negated,
                        })
                    }
                    other => other.clone(),
                })
                .collect();
            let next = ids.len() as u32;
            keys.push(*ids.entry((look.direction, insts)).or_insert(next));
        }
        rule.look_keys = keys;
    }
    ids.len()
}

/// An index key of a rule, with the id it shares with equal keys of other rules (so that a
/// document finds its positions once) and the most tokens a match can have before and after
/// the token (`None`: unbounded).
#[derive(Debug)]
pub(crate) struct IndexEntry {
    pub(crate) id: usize,
    pub(crate) before: Option<u32>,
    pub(crate) after: Option<u32>,
    /// Tests the tokens at fixed offsets from the key's token pass in every match (`"," [SAY]
    /// ","`): a token under the key whose neighbours fail them cannot be where a match has it.
    pub(crate) neighbors: Vec<(isize, PredId)>,
    /// Annotations every match has a few tokens from the key's token (`[SAY] ":"? @Quoted`): a
    /// token under the key with no such annotation near it cannot be where a match has it.
    pub(crate) near: Vec<NearAnnotation>,
}

/// An annotation of `label` on one side of a key's token, with at most `gap` tokens between
/// the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NearAnnotation {
    pub(crate) label: LabelId,
    pub(crate) side: Side,
    pub(crate) gap: u32,
    /// The most tokens a match has beyond the annotation, before its start or after its end
    /// (`None`: unbounded): a match of `@Quoted [","]? Speaker [SAY]` starts where the
    /// quotation before the cue starts, however long it is.
    pub(crate) beyond: Option<u32>,
}

/// Which side of a token something lies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Before,
    After,
}

/// A step of [`CompiledRule::in_order`]: a token under an index key, or an annotation of a
/// label, which starts after every step before it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum OrderedStep {
    Key(usize),
    Annotation(LabelId),
}

/// The most bytes the automata of one cache may take before they all start again. Over the
/// BBC corpus the pack's automata take about 10 MB; the bound matters for rule sets and inputs
/// that keep making new states.
const MAX_AUTOMATA_BYTES: usize = 24 << 20;

/// The most threads whose caches a rule set keeps.
const MAX_CACHES: usize = 64;

/// What one thread keeps from document to document: the lazily built automata of each rule.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    /// The liveness automaton of each rule, by rule index.
    pub(crate) live: Vec<live::LiveDfa>,
    /// The liveness automaton of each distinct lookaround, by its shared id.
    pub(crate) look_live: Vec<live::LiveDfa>,
    /// The live states of the current segment.
    pub(crate) live_buffer: Vec<u32>,
    /// Token types and the token-test results per type.
    pub(crate) memo: types::TypeMemo,
    /// The type of each token of the current document, and which tokens are keyed.
    pub(crate) token_types: types::DocTypes,
    /// About how many bytes the automata in `live` and `look_live` take, kept up to date as
    /// they grow so that checking the bound costs nothing per rule.
    pub(crate) automata_bytes: usize,
    /// The buffers of a run, kept at the sizes earlier documents grew them to.
    pub(crate) buffers: run::Buffers,
}

/// A compiled rule set: built once, shared by every thread.
#[derive(Debug)]
pub struct RuleSet {
    program: Program,
    config: EngineConfig,
    predicates: Predicates,
    lexicons: Vec<CompiledLexicon>,
    phrase_lexicons: Vec<usize>,
    compiled: Vec<CompiledRule>,
    /// The most capture slots a match of one rule has.
    most_slots: usize,
    /// For each label, the other labels its rules link to, in the order the rules and their
    /// links come: they are resolved before it, and a document reads this short list rather
    /// than every rule of the label.
    link_targets: Vec<Vec<LabelId>>,
    /// For each feature, the predicate of each value in order.
    features: Vec<Vec<PredId>>,
    /// Which lexicons hold each single-word entry.
    membership: predicate::Membership,
    /// The rules in the order they run: the program's cascade order, repaired if a rule comes
    /// before a rule whose label it needs (a hand-built program), so no match is ever dropped.
    stages: stages::Stages,
    /// The cache of each thread that has run a document and is not running one now; a run
    /// takes its own thread's cache and gives it back. Keeping a cache with one thread keeps
    /// its tables in that core's caches and stops every cache from learning every thread's
    /// documents.
    caches: std::sync::Mutex<Vec<(std::thread::ThreadId, Cache)>>,
    /// How many distinct lookarounds the rules have (see [`CompiledRule::look_keys`]).
    look_count: usize,
    /// The index keys of all rules, and what puts a token type under each.
    keys: keys::KeyIndex,
}

/// One match of a rule, after conflict resolution and linking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// The rule that made it.
    pub rule: RuleId,
    /// Its label.
    pub label: LabelId,
    /// The bytes it covers.
    pub span: Span,
    /// The token indices it covers.
    pub tokens: Range<usize>,
    /// Its captured and linked fields, in the order the rule emits them.
    pub fields: Vec<Field>,
    /// Its constant attributes, in the order the rule emits them: the rule's own list, which
    /// every match of the rule shares.
    pub attrs: Attrs,
    /// Indices (into the same result list) of earlier matches it consumed with `@Label`.
    pub consumed: Vec<usize>,
}

/// The constant attributes of a rule's matches (`kind: "direct"`), as name and value pairs.
pub type Attrs = Arc<[(Arc<str>, Arc<str>)]>;

/// A named span of a match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field name (`speaker`), shared by every match of the rule.
    pub name: Arc<str>,
    /// The bytes it covers.
    pub span: Span,
    /// The token indices it covers.
    pub tokens: Range<usize>,
}

impl Match {
    /// The field with this name, if the match has it.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| &*f.name == name)
    }

    /// The constant attribute with this name, if the match has it.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| &**key == name)
            .map(|(_, value)| &**value)
    }
}

/// The work one rule did over one document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleStats {
    /// The rule.
    pub rule: RuleId,
    /// The engine's measure of work: thread-instruction executions of the Pike VM, plus one per
    /// position of each liveness pass (and a share of the program's size for each automaton
    /// state built), lookarounds and link conditions included.
    pub steps: u64,
    /// Threads started at a new position.
    pub starts: u64,
    /// Matches found before conflict resolution.
    pub matches: u64,
}

/// The work of a run, per rule in program order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// One entry per rule, indexed by [`RuleId`].
    pub rules: Vec<RuleStats>,
}

impl RunStats {
    /// The sum of the steps of every rule.
    pub fn total_steps(&self) -> u64 {
        self.rules.iter().map(|rule| rule.steps).sum()
    }
}

/// The step at which the furthest partial match failed.
#[derive(Clone, Debug, PartialEq)]
pub enum FailedStep {
    /// A token test failed on the token (or the scope ended).
    Token(TokenTest),
    /// No annotation of the label starts at the token.
    Annotation(LabelId),
    /// No lexicon entry starts at the token.
    Phrase(ir::LexiconId),
    /// A zero-width anchor did not hold.
    Anchor(ir::Anchor),
    /// A lookaround did not hold.
    Lookaround,
}

/// How far the furthest partial match of a rule got.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialMatch {
    /// The token where the attempt started.
    pub start: usize,
    /// The token position where it failed (the token count when it ran off the end).
    pub reached: usize,
    /// What failed there.
    pub failed: FailedStep,
}

/// A match of the explained rule that lost to an overlapping match of its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    /// The losing match.
    pub candidate: Match,
    /// The match that beat it.
    pub winner: Match,
}

/// A match of the explained rule dropped because a `required` link found no candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unlinked {
    /// The dropped match, with the fields its earlier links filled.
    pub candidate: Match,
    /// The field of the required link that found nothing.
    pub link: String,
}

/// Why a rule matched or not on one document.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The rule explained.
    pub rule: RuleId,
    /// Its surviving matches.
    pub matches: Vec<Match>,
    /// The furthest partial match, if some attempt failed.
    pub furthest: Option<PartialMatch>,
    /// Its matches that lost in conflict resolution, each with the winner.
    pub suppressed: Vec<Suppressed>,
    /// Its matches dropped because a `required` link found no candidate.
    pub unlinked: Vec<Unlinked>,
}

/// The result of one inline example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleOutcome {
    /// The rule the example belongs to.
    pub rule: RuleId,
    /// Index of the example in the rule.
    pub example: usize,
    /// Where the example is written.
    pub origin: ir::Origin,
    /// The example text.
    pub text: String,
    /// The expected fields (`None`: no match expected).
    pub expected: Option<Vec<(String, String)>>,
    /// The fields and attributes of each match the rule made, as (name, text) pairs.
    pub got: Vec<Vec<(String, String)>>,
    /// Whether the expectation held.
    pub passed: bool,
}

impl RuleSet {
    /// Compiles a checked program with the default configuration.
    pub fn new(program: Program) -> Result<RuleSet, CompileError> {
        RuleSet::with_config(program, EngineConfig::default())
    }

    /// Compiles a checked program.
    pub fn with_config(program: Program, config: EngineConfig) -> Result<RuleSet, CompileError> {
        let limits = Limits {
            max_instructions: config.max_instructions,
        };
        let mut predicates = Predicates::default();
        let mut phrase_lexicons = Vec::new();
        let lexicons: Vec<CompiledLexicon> =
            program.lexicons.iter().map(CompiledLexicon::new).collect();
        let mut compiled = Vec::with_capacity(program.rules.len());
        let mut keys = keys::KeyIndex::default();
        let mut link_targets: Vec<Vec<LabelId>> = vec![Vec::new(); program.labels.len().max(3)];
        for rule in &program.rules {
            let mut pattern = compile::compile_pattern(
                &rule.pattern,
                &mut predicates,
                &mut phrase_lexicons,
                limits,
            )?;
            for look in &mut pattern.looks {
                look.begins = look_begins(look, &predicates, &mut keys, &lexicons);
            }
            let mut references = Vec::new();
            collect_references(&rule.pattern, &mut references);
            references.retain(|label| !is_builtin(*label));
            let link_conditions = rule
                .links
                .iter()
                .map(|link| {
                    link.when
                        .as_ref()
                        .map(|when| {
                            compile::compile_condition(
                                when,
                                &mut predicates,
                                &mut phrase_lexicons,
                                limits,
                            )
                        })
                        .transpose()
                })
                .collect::<Result<Vec<_>, _>>()?;
            let prefilter = required_test(&rule.pattern, &mut predicates)?;
            let mut requirements = Requirements::default();
            let phrase_max = |lexicon: usize| {
                lexicons.get(lexicon).map(|lex: &CompiledLexicon| {
                    lex.phrases.iter().map(Vec::len).max().unwrap_or(0) as u32
                })
            };
            walk_required(
                &rule.pattern,
                Margins {
                    before: Some(0),
                    after: Some(0),
                },
                &phrase_max,
                &mut requirements,
            );
            let RuleIndex {
                entries: index_keys,
                in_order,
            } = rule_index(
                &rule.pattern,
                &requirements,
                &phrase_max,
                &mut predicates,
                &mut keys,
                &lexicons,
            )?;
            let required_labels = requirements.labels;
            let mut live = live::LiveProg::new(&pattern.prog);
            live.set_first_keys(|test| step_key(test, &predicates, &mut keys, &lexicons));
            live.set_key_step(
                |test| step_key(test, &predicates, &mut keys, &lexicons),
                phrase_max,
            );
            let token_loops = backtrack::TokenLoops::new(&pattern.prog);
            live.set_open(&token_loops.final_loops());
            compiled.push(CompiledRule {
                slot_count: vm::slot_count(rule.captures.len()),
                live,
                look_keys: Vec::new(),
                max_tokens: max_length(&rule.pattern, &phrase_max),
                look_margin: look_margin(&rule.pattern, &phrase_max),
                token_loops,
                pattern,
                references,
                link_conditions,
                prefilter,
                index_keys,
                required_labels,
                in_order,
                emit_names: rule
                    .emit
                    .iter()
                    .map(|emit| Arc::from(&*emit.name))
                    .collect(),
                link_names: rule
                    .links
                    .iter()
                    .map(|link| Arc::from(&*link.field))
                    .collect(),
                attrs: rule
                    .emit
                    .iter()
                    .filter_map(|emit| match &emit.value {
                        ir::EmitValue::Constant(value) => {
                            Some((Arc::from(&*emit.name), Arc::from(&**value)))
                        }
                        _ => None,
                    })
                    .collect(),
                outranked_first: false,
            });
            let label = rule.label.0 as usize;
            if label >= link_targets.len() {
                link_targets.resize(label + 1, Vec::new());
            }
            for link in &rule.links {
                if link.target != rule.label && !link_targets[label].contains(&link.target) {
                    link_targets[label].push(link.target);
                }
            }
        }
        let features = program
            .features
            .iter()
            .map(|feature| {
                feature
                    .values
                    .iter()
                    .map(|(_, test)| predicates.intern(test))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        let look_count = share_lookarounds(&mut compiled);
        let membership = predicate::Membership::new(&lexicons);
        let order = cascade_order(&program, &compiled);
        mark_outranked_first(&program, &mut compiled, &order);
        let stages = stages::Stages::new(&order, &compiled);
        Ok(RuleSet {
            membership,
            stages,
            program,
            config,
            predicates,
            lexicons,
            phrase_lexicons,
            most_slots: compiled
                .iter()
                .map(|rule| rule.slot_count)
                .max()
                .unwrap_or(0),
            compiled,
            link_targets,
            features,
            caches: std::sync::Mutex::new(Vec::new()),
            look_count,
            keys,
        })
    }

    /// A cache for one run: the one this thread gave back last, or a new one.
    pub(crate) fn take_cache(&self) -> Cache {
        let thread = std::thread::current().id();
        let take = |caches: &mut Vec<(std::thread::ThreadId, Cache)>| {
            let index = caches.iter().position(|(owner, _)| *owner == thread)?;
            Some(caches.swap_remove(index).1)
        };
        let reused = match self.caches.lock() {
            Ok(mut caches) => take(&mut caches),
            Err(poisoned) => take(&mut poisoned.into_inner()),
        };
        let reused = reused.map(|mut cache| {
            if cache.automata_bytes > MAX_AUTOMATA_BYTES {
                cache
                    .live
                    .iter_mut()
                    .chain(&mut cache.look_live)
                    .for_each(|dfa| *dfa = live::LiveDfa::default());
                cache.automata_bytes = 0;
            }
            cache
        });
        reused.unwrap_or_else(|| Cache {
            live: (0..self.compiled.len())
                .map(|_| live::LiveDfa::default())
                .collect(),
            look_live: (0..self.look_count)
                .map(|_| live::LiveDfa::default())
                .collect(),
            live_buffer: Vec::new(),
            memo: types::TypeMemo::default(),
            token_types: types::DocTypes::default(),
            automata_bytes: 0,
            buffers: run::Buffers::default(),
        })
    }

    /// Keeps a cache for this thread's next run. When [`MAX_CACHES`] threads already have
    /// one, one of theirs goes.
    pub(crate) fn give_back_cache(&self, cache: Cache) {
        let keep = |caches: &mut Vec<(std::thread::ThreadId, Cache)>| {
            if caches.len() >= MAX_CACHES {
                caches.remove(0);
            }
            caches.push((std::thread::current().id(), cache));
        };
        match self.caches.lock() {
            Ok(mut caches) => keep(&mut caches),
            Err(poisoned) => keep(&mut poisoned.into_inner()),
        }
    }

    /// The program the rule set was compiled from (names, origins, labels).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The configuration the rule set was compiled with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The id of the rule with this name.
    pub fn rule_id(&self, name: &str) -> Option<RuleId> {
        self.program
            .rules
            .iter()
            .position(|rule| rule.name == name)
            .map(|index| RuleId(index as u32))
    }

    /// Runs every rule over `doc` and returns the matches that survive conflict resolution,
    /// ordered by start, then end, then rule.
    pub fn run(&self, doc: &Document<'_>) -> Vec<Match> {
        output_matches(&run::execute(self, doc, None))
    }

    /// Runs every rule over `doc` and also returns how much work each rule did.
    pub fn run_with_stats(&self, doc: &Document<'_>) -> (Vec<Match>, RunStats) {
        let outcome = run::execute(self, doc, None);
        let matches = output_matches(&outcome);
        (matches, stats(&outcome, self.program.rules.len()))
    }

    /// Explains one rule over `doc`: its matches, its furthest partial match and the failing
    /// step there, and its matches suppressed by overlapping matches that won.
    pub fn explain(&self, rule: RuleId, doc: &Document<'_>) -> Explanation {
        let outcome = run::execute(self, doc, Some(rule));
        let index_of = run::OutputIndex::new(&outcome);
        let matches = outcome
            .output
            .iter()
            .filter(|&&id| outcome.arena[id].rule == rule)
            .map(|&id| run::to_match(&outcome, id, &index_of))
            .collect();
        let suppressed = outcome
            .losers
            .iter()
            .filter(|(loser, _)| outcome.arena[*loser].rule == rule)
            .map(|&(loser, winner)| Suppressed {
                candidate: run::to_match(&outcome, loser, &index_of),
                winner: run::to_match(&outcome, winner, &index_of),
            })
            .collect();
        let unlinked = outcome
            .unlinked
            .iter()
            .filter(|(dropped, _)| outcome.arena[*dropped].rule == rule)
            .map(|&(dropped, link)| Unlinked {
                candidate: run::to_match(&outcome, dropped, &index_of),
                link: self
                    .program
                    .rules
                    .get(rule.0 as usize)
                    .and_then(|r| r.links.get(link))
                    .map_or_else(String::new, |l| l.field.clone()),
            })
            .collect();
        // Attempts that start inside a match of the rule only show how that match ended; the
        // interesting failures are the ones elsewhere.
        let inside_match = |start: usize| {
            outcome
                .arena
                .iter()
                .any(|raw| raw.rule == rule && raw.tokens.contains(&start))
        };
        let furthest = outcome.tracker.furthest(|start| !inside_match(start));
        let furthest = furthest.and_then(|partial| {
            let compiled = self.compiled.get(rule.0 as usize)?;
            let failed = match compiled.pattern.prog.insts.get(partial.failed_pc)? {
                Inst::Token(pred) => FailedStep::Token(self.predicates.sources.get(*pred)?.clone()),
                Inst::Annotation { label, .. } => FailedStep::Annotation(*label),
                Inst::Phrase(lexicon) => FailedStep::Phrase(ir::LexiconId(*lexicon as u32)),
                Inst::Assert(compile::Assertion::Anchor(anchor)) => FailedStep::Anchor(*anchor),
                Inst::Assert(
                    compile::Assertion::Look { .. }
                    | compile::Assertion::NotAnchor(_)
                    | compile::Assertion::Token { .. },
                ) => FailedStep::Lookaround,
                _ => return None,
            };
            Some(PartialMatch {
                start: partial.start,
                reached: partial.reached,
                failed,
            })
        });
        Explanation {
            rule,
            matches,
            furthest,
            suppressed,
            unlinked,
        }
    }

    /// Runs every inline example of every rule: each text is tokenized and the whole rule set
    /// runs over it; an example passes when some match of its rule has every expected field
    /// (or attribute) with the expected text, or, for `=> none`, when the rule has no match.
    pub fn run_examples(&self) -> Vec<ExampleOutcome> {
        let mut outcomes = Vec::new();
        for (index, rule) in self.program.rules.iter().enumerate() {
            let id = RuleId(index as u32);
            for (example_index, example) in rule.examples.iter().enumerate() {
                let doc = sayso_tokenize::tokenize(&example.text);
                let matches: Vec<Match> = self
                    .run(&doc)
                    .into_iter()
                    .filter(|m| m.rule == id)
                    .collect();
                let got: Vec<Vec<(String, String)>> = matches
                    .iter()
                    .map(|m| {
                        m.fields
                            .iter()
                            .map(|f| (f.name.to_string(), f.span.text(&example.text).to_string()))
                            .chain(
                                m.attrs
                                    .iter()
                                    .map(|(name, value)| (name.to_string(), value.to_string())),
                            )
                            .collect()
                    })
                    .collect();
                let passed = match &example.expect {
                    None => got.is_empty(),
                    Some(expected) => got.iter().any(|fields| {
                        expected
                            .iter()
                            .all(|pair| fields.iter().any(|field| field == pair))
                    }),
                };
                outcomes.push(ExampleOutcome {
                    rule: id,
                    example: example_index,
                    origin: example.origin.clone(),
                    text: example.text.clone(),
                    expected: example.expect.clone(),
                    got,
                    passed,
                });
            }
        }
        outcomes
    }
}

/// Sets [`CompiledRule::outranked_first`] for the rules that run in `order`.
fn mark_outranked_first(program: &Program, compiled: &mut [CompiledRule], order: &[usize]) {
    // Each label's rules in run order, with their priorities.
    let mut by_label: HashMap<LabelId, Vec<(usize, i32)>> = HashMap::new();
    for &index in order {
        if let Some(rule) = program.rules.get(index) {
            by_label
                .entry(rule.label)
                .or_default()
                .push((index, rule.priority));
        }
    }
    for rules in by_label.values() {
        // The highest priority among the rules after each one.
        let mut highest_after = vec![i32::MIN; rules.len()];
        for place in (1..rules.len()).rev() {
            highest_after[place - 1] = highest_after[place].max(rules[place].1);
        }
        let mut highest_before = i32::MIN;
        for (&(index, priority), &after) in rules.iter().zip(&highest_after) {
            if let Some(compiled) = compiled.get_mut(index) {
                compiled.outranked_first = highest_before > priority && after <= priority;
            }
            highest_before = highest_before.max(priority);
        }
    }
}

/// A stable topological order of the rules: each after the producers of every label it consumes
/// or links to (its own label excepted), and, where that leaves room, after the rules of its
/// label with a higher priority, so that their winners are settled when it runs (see
/// [`CompiledRule::outranked_first`]). Program order when there is a cycle.
fn cascade_order(program: &Program, compiled: &[CompiledRule]) -> Vec<usize> {
    let needs: Vec<Vec<LabelId>> = program
        .rules
        .iter()
        .zip(compiled)
        .map(|(rule, compiled)| {
            let mut labels = compiled.references.clone();
            for link in &rule.links {
                if link.target != rule.label && !labels.contains(&link.target) {
                    labels.push(link.target);
                }
            }
            labels
        })
        .collect();
    topological_order(program, &needs, true)
        .or_else(|| topological_order(program, &needs, false))
        .unwrap_or_else(|| (0..program.rules.len()).collect())
}

/// The rules in an order where each runs after the producers of the labels it `needs`, the
/// first ready rule in program order first; with `by_priority`, each also runs after the rules
/// of its label with a higher priority. `None` when no such order exists.
fn topological_order(
    program: &Program,
    needs: &[Vec<LabelId>],
    by_priority: bool,
) -> Option<Vec<usize>> {
    let rules = &program.rules;
    let mut producers: HashMap<LabelId, usize> = HashMap::new();
    for rule in rules {
        *producers.entry(rule.label).or_default() += 1;
    }
    // How many rules each rule waits for, and who waits for the rules of each label.
    let mut waiting: Vec<usize> = vec![0; rules.len()];
    let mut needed_by: HashMap<LabelId, Vec<usize>> = HashMap::new();
    for (index, labels) in needs.iter().enumerate() {
        for label in labels {
            let own = usize::from(rules[index].label == *label);
            waiting[index] += producers
                .get(label)
                .copied()
                .unwrap_or(0)
                .saturating_sub(own);
            needed_by.entry(*label).or_default().push(index);
        }
    }
    // Each label's rules by falling priority, in groups of one priority: a group waits for
    // the whole group before it.
    let mut groups: HashMap<LabelId, Vec<(i32, Vec<usize>)>> = HashMap::new();
    if by_priority {
        for (index, rule) in rules.iter().enumerate() {
            groups
                .entry(rule.label)
                .or_default()
                .push((rule.priority, vec![index]));
        }
        for list in groups.values_mut() {
            list.sort_by_key(|&(priority, _)| Reverse(priority));
            list.dedup_by(|later, earlier| {
                let same = later.0 == earlier.0;
                if same {
                    earlier.1.append(&mut later.1);
                }
                same
            });
            for (_, group) in list.iter().skip(1) {
                for &index in group {
                    waiting[index] += 1;
                }
            }
        }
    }
    let mut left_in_group: HashMap<(LabelId, i32), usize> = groups
        .iter()
        .flat_map(|(label, list)| {
            list.iter()
                .map(|(priority, group)| ((*label, *priority), group.len()))
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..rules.len())
        .filter(|&index| waiting[index] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(rules.len());
    let release = |index: usize, waiting: &mut [usize], ready: &mut BinaryHeap<_>| {
        waiting[index] -= 1;
        if waiting[index] == 0 {
            ready.push(Reverse(index));
        }
    };
    while let Some(Reverse(index)) = ready.pop() {
        order.push(index);
        let rule = &rules[index];
        for &waiter in needed_by.get(&rule.label).map_or(&[][..], Vec::as_slice) {
            if waiter != index {
                release(waiter, &mut waiting, &mut ready);
            }
        }
        let key = (rule.label, rule.priority);
        if let Some(left) = left_in_group.get_mut(&key) {
            *left -= 1;
            if *left == 0 {
                let list = groups.get(&rule.label).map_or(&[][..], Vec::as_slice);
                let next = list
                    .iter()
                    .position(|(priority, _)| *priority == rule.priority)
                    .and_then(|place| list.get(place + 1));
                for &waiter in next.map_or(&[][..], |(_, group)| group.as_slice()) {
                    release(waiter, &mut waiting, &mut ready);
                }
            }
        }
    }
    (order.len() == rules.len()).then_some(order)
}

fn is_builtin(label: LabelId) -> bool {
    ir::BuiltinLabel::ALL.iter().any(|b| b.id() == label)
}

fn output_matches(outcome: &run::Outcome<'_, '_>) -> Vec<Match> {
    let index_of = run::OutputIndex::new(outcome);
    outcome
        .output
        .iter()
        .map(|&id| run::to_match(outcome, id, &index_of))
        .collect()
}

fn stats(outcome: &run::Outcome<'_, '_>, rule_count: usize) -> RunStats {
    let mut rules: Vec<RuleStats> = (0..rule_count)
        .map(|index| RuleStats {
            rule: RuleId(index as u32),
            steps: 0,
            starts: 0,
            matches: 0,
        })
        .collect();
    for (rule, counters) in &outcome.counters {
        if let Some(stats) = rules.get_mut(rule.0 as usize) {
            stats.steps += counters.steps;
            stats.starts += counters.starts;
            stats.matches += counters.matches;
        }
    }
    RunStats { rules }
}

/// Every label a pattern consumes with `@Label`, lookarounds included.
fn collect_references(pattern: &Pattern, out: &mut Vec<LabelId>) {
    match pattern {
        Pattern::Annotation(label) => {
            if !out.contains(label) {
                out.push(*label);
            }
        }
        Pattern::Seq(parts) | Pattern::Alt(parts) => {
            for part in parts {
                collect_references(part, out);
            }
        }
        Pattern::Repeat { inner, .. }
        | Pattern::Capture { inner, .. }
        | Pattern::Look { inner, .. } => collect_references(inner, out),
        Pattern::Token(_) | Pattern::Phrase(_) | Pattern::Anchor(_) => {}
    }
}

/// A token test that some token of every match passes, preferring the most selective kind.
fn required_test(
    pattern: &Pattern,
    predicates: &mut Predicates,
) -> Result<Option<PredId>, CompileError> {
    let mut required = Vec::new();
    collect_required(pattern, &mut required);
    let best = required
        .into_iter()
        .filter(|test| selectivity(test) > 0)
        .max_by_key(|test| selectivity(test));
    best.map(|test| predicates.intern(test)).transpose()
}

fn collect_required<'p>(pattern: &'p Pattern, out: &mut Vec<&'p TokenTest>) {
    match pattern {
        Pattern::Token(test) => out.push(test),
        Pattern::Seq(parts) => {
            for part in parts {
                collect_required(part, out);
            }
        }
        Pattern::Repeat { inner, min, .. } if *min > 0 => collect_required(inner, out),
        Pattern::Capture { inner, .. } => collect_required(inner, out),
        _ => {}
    }
}

/// What every match of a pattern needs: token tests (each with the most tokens a match can
/// have before and after the token that passes it) and labels of consumed annotations.
#[derive(Default)]
struct Requirements<'p> {
    tests: Vec<(&'p TokenTest, Margins)>,
    labels: Vec<LabelId>,
    /// Each required annotation step with the most tokens a match has before and after it.
    annotations: Vec<(&'p Pattern, Margins)>,
    /// The required steps in the order every match takes them, each token test by its index
    /// in `tests`.
    order: Vec<RequiredStep>,
}

/// A step of a pattern that every match takes.
#[derive(Clone, Copy)]
enum RequiredStep {
    Test(usize),
    Annotation(LabelId),
}

/// The most tokens a match can have before a part of its pattern and after it (`None`:
/// unbounded).
#[derive(Clone, Copy)]
struct Margins {
    before: Option<u32>,
    after: Option<u32>,
}

/// Records what `pattern` needs when it lies within `margins` of a match's ends.
fn walk_required<'p>(
    pattern: &'p Pattern,
    margins: Margins,
    phrase_max: &dyn Fn(usize) -> Option<u32>,
    out: &mut Requirements<'p>,
) {
    match pattern {
        Pattern::Token(test) => {
            out.order.push(RequiredStep::Test(out.tests.len()));
            out.tests.push((test, margins));
        }
        Pattern::Seq(parts) => {
            let lengths: Vec<Option<u32>> = parts
                .iter()
                .map(|part| max_length(part, phrase_max))
                .collect();
            // What the parts after each part can add, from the last part back.
            let mut afters = vec![margins.after; parts.len()];
            for index in (1..parts.len()).rev() {
                afters[index - 1] = add_lengths(afters[index], lengths[index]);
            }
            let mut before = margins.before;
            for ((part, length), after) in parts.iter().zip(&lengths).zip(afters) {
                walk_required(part, Margins { before, after }, phrase_max, out);
                before = add_lengths(before, *length);
            }
        }
        // A required part of a repetition appears in its first iteration, within the margin
        // before, and in its last, within the margin after.
        Pattern::Repeat { inner, min, .. } if *min > 0 => {
            walk_required(inner, margins, phrase_max, out);
        }
        Pattern::Capture { inner, .. } => walk_required(inner, margins, phrase_max, out),
        Pattern::Annotation(label) => {
            out.order.push(RequiredStep::Annotation(*label));
            out.annotations.push((pattern, margins));
            if !out.labels.contains(label) {
                out.labels.push(*label);
            }
        }
        _ => {}
    }
}

/// What the neighbourhood of each token test that stands in a sequence says every match has
/// there, each entry recorded with the test it is about.
#[derive(Default)]
struct Adjacency<'p> {
    /// Single-token tests the tokens at fixed offsets pass: neighbours in the sequence, across
    /// zero-width steps, and one-token lookarounds beside it.
    neighbors: Vec<(&'p TokenTest, isize, &'p TokenTest)>,
    /// Past optional parts, the tests one of which the token right after (offset 1) or right
    /// before (offset -1) passes: `[SAY] Adjunct? ["that"i]? [!punct]` puts no punctuation
    /// after the cue.
    edges: Vec<(&'p TokenTest, isize, Vec<&'p TokenTest>)>,
    /// Annotations the sequence takes a bounded number of tokens after or before it, each
    /// with the annotation step it is.
    near: Vec<(&'p TokenTest, NearAnnotation, &'p Pattern)>,
}

/// Records the [`Adjacency`] of every token test of `pattern` that stands in a sequence.
fn collect_adjacency<'p>(
    pattern: &'p Pattern,
    phrase_max: &dyn Fn(usize) -> Option<u32>,
    out: &mut Adjacency<'p>,
) {
    match pattern {
        Pattern::Seq(_) => {
            let mut atoms = Vec::new();
            flatten_seq(pattern, &mut atoms);
            for (index, atom) in atoms.iter().enumerate() {
                let Some(test) = single_token(atom) else {
                    collect_adjacency(atom, phrase_max, out);
                    continue;
                };
                // Rightwards: each consumed token moves one on; a lookahead sees the next one.
                let mut offset = 1;
                for next in &atoms[index + 1..] {
                    if let Some(neighbor) = single_token(next) {
                        out.neighbors.push((test, offset, neighbor));
                        offset += 1;
                    } else if let Some(neighbor) = single_look(next, LookDirection::Ahead) {
                        out.neighbors.push((test, offset, neighbor));
                    } else if !zero_width(next) {
                        break;
                    }
                }
                let mut offset = -1;
                for previous in atoms[..index].iter().rev() {
                    if let Some(neighbor) = single_token(previous) {
                        out.neighbors.push((test, offset, neighbor));
                        offset -= 1;
                    } else if let Some(neighbor) = single_look(previous, LookDirection::Behind) {
                        out.neighbors.push((test, offset, neighbor));
                    } else if !zero_width(previous) {
                        break;
                    }
                }
                let after: Vec<&Pattern> = atoms[index + 1..].to_vec();
                let before: Vec<&Pattern> = atoms[..index].iter().rev().copied().collect();
                for (offset, side, parts) in [(1, Side::After, after), (-1, Side::Before, before)] {
                    let mut tests = Vec::new();
                    if edge_tests(&parts, side, &mut tests) == Some(false) {
                        out.edges.push((test, offset, tests));
                    }
                    if let Some((near, step)) = near_annotation(&parts, side, phrase_max) {
                        out.near.push((test, near, step));
                    }
                }
            }
        }
        Pattern::Alt(parts) => parts
            .iter()
            .for_each(|part| collect_adjacency(part, phrase_max, out)),
        Pattern::Repeat { inner, .. } | Pattern::Capture { inner, .. } => {
            collect_adjacency(inner, phrase_max, out);
        }
        Pattern::Look { .. }
        | Pattern::Token(_)
        | Pattern::Anchor(_)
        | Pattern::Annotation(_)
        | Pattern::Phrase(_) => {}
    }
}

/// Collects into `out` the tests one of which the first token `parts` consume passes (the
/// last token, read from the end, for [`Side::Before`], whose parts come in reverse), and
/// returns whether the parts can consume nothing. `None` when a first step is an annotation or
/// a phrase, which no token test describes.
fn edge_tests<'p>(parts: &[&'p Pattern], side: Side, out: &mut Vec<&'p TokenTest>) -> Option<bool> {
    for part in parts {
        if !edge_tests_of(part, side, out)? {
            return Some(false);
        }
    }
    Some(true)
}

/// [`edge_tests`] of one part.
fn edge_tests_of<'p>(
    pattern: &'p Pattern,
    side: Side,
    out: &mut Vec<&'p TokenTest>,
) -> Option<bool> {
    match pattern {
        Pattern::Token(test) => {
            out.push(test);
            Some(false)
        }
        Pattern::Seq(parts) => {
            let parts: Vec<&Pattern> = match side {
                Side::After => parts.iter().collect(),
                Side::Before => parts.iter().rev().collect(),
            };
            edge_tests(&parts, side, out)
        }
        Pattern::Alt(branches) => branches.iter().try_fold(false, |nullable, branch| {
            Some(edge_tests_of(branch, side, out)? || nullable)
        }),
        Pattern::Repeat { inner, min, .. } => Some(edge_tests_of(inner, side, out)? || *min == 0),
        Pattern::Capture { inner, .. } => edge_tests_of(inner, side, out),
        // Zero-width steps constrain no token; the token after them is the next part's.
        Pattern::Look { .. } | Pattern::Anchor(_) => Some(true),
        Pattern::Annotation(_) | Pattern::Phrase(_) => None,
    }
}

/// The first annotation step of `parts` (nearest first) when the parts before it have a
/// bounded length, with that bound as its gap. How far a match reaches beyond it is filled in
/// from the step's margins.
fn near_annotation<'p>(
    parts: &[&'p Pattern],
    side: Side,
    phrase_max: &dyn Fn(usize) -> Option<u32>,
) -> Option<(NearAnnotation, &'p Pattern)> {
    let mut gap = 0u32;
    for &part in parts {
        if let Pattern::Annotation(label) = part {
            let near = NearAnnotation {
                label: *label,
                side,
                gap,
                beyond: None,
            };
            return Some((near, part));
        }
        gap = gap.checked_add(max_length(part, phrase_max)?)?;
    }
    None
}

/// The parts of a sequence in order, with nested sequences and captures opened up: neither
/// changes which tokens lie next to which.
fn flatten_seq<'p>(pattern: &'p Pattern, out: &mut Vec<&'p Pattern>) {
    match pattern {
        Pattern::Seq(parts) => parts.iter().for_each(|part| flatten_seq(part, out)),
        Pattern::Capture { inner, .. } => flatten_seq(inner, out),
        _ => out.push(pattern),
    }
}

/// The test of a pattern that always matches exactly one token passing it.
fn single_token(pattern: &Pattern) -> Option<&TokenTest> {
    match pattern {
        Pattern::Token(test) => Some(test),
        Pattern::Capture { inner, .. } => single_token(inner),
        Pattern::Seq(parts) => match parts.as_slice() {
            [part] => single_token(part),
            _ => None,
        },
        Pattern::Repeat {
            inner,
            min: 1,
            max: Some(1),
            ..
        } => single_token(inner),
        _ => None,
    }
}

/// The test of a positive lookaround in `direction` of exactly one token.
fn single_look(pattern: &Pattern, direction: LookDirection) -> Option<&TokenTest> {
    match pattern {
        Pattern::Look {
            direction: looks,
            negated: false,
            inner,
        } if *looks == direction => single_token(inner),
        _ => None,
    }
}

/// Whether a pattern never consumes a token.
fn zero_width(pattern: &Pattern) -> bool {
    matches!(pattern, Pattern::Look { .. } | Pattern::Anchor(_))
}

/// The index entries of a rule (each required token test's keys, bounds and neighbour tests)
/// and the order in which every match takes the keys' tokens and its annotations.
fn rule_index(
    pattern: &Pattern,
    requirements: &Requirements<'_>,
    phrase_max: &dyn Fn(usize) -> Option<u32>,
    predicates: &mut predicate::Predicates,
    keys: &mut keys::KeyIndex,
    lexicons: &[CompiledLexicon],
) -> Result<RuleIndex, CompileError> {
    let mut adjacency = Adjacency::default();
    collect_adjacency(pattern, phrase_max, &mut adjacency);
    let mut entries = Vec::new();
    // The entries of each required test, by the test's index.
    let mut entries_of_test = Vec::new();
    for &(test, Margins { before, after }) in &requirements.tests {
        let first = entries.len();
        let mut neighbors = Vec::new();
        let about_test = |of: &&TokenTest| std::ptr::eq(*of, test);
        for (_, offset, neighbor) in adjacency.neighbors.iter().filter(|(of, ..)| about_test(of)) {
            neighbors.push((*offset, predicates.intern(neighbor)?));
        }
        for (_, offset, tests) in adjacency.edges.iter().filter(|(of, ..)| about_test(of)) {
            // A token passing every test tells nothing.
            if tests.iter().any(|&test| *test == TokenTest::Any) {
                continue;
            }
            let either = match tests.as_slice() {
                [single] => (*single).clone(),
                _ => TokenTest::Or(tests.iter().map(|&test| test.clone()).collect()),
            };
            let neighbor = (*offset, predicates.intern(&either)?);
            if !neighbors.contains(&neighbor) {
                neighbors.push(neighbor);
            }
        }
        let near: Vec<NearAnnotation> = adjacency
            .near
            .iter()
            .filter(|(of, ..)| about_test(of))
            .map(|&(_, near, step)| {
                let margins = requirements
                    .annotations
                    .iter()
                    .find(|(required, _)| std::ptr::eq(*required, step))
                    .map(|(_, margins)| *margins);
                let beyond = margins.and_then(|Margins { before, after }| match near.side {
                    Side::Before => before,
                    Side::After => after,
                });
                NearAnnotation { beyond, ..near }
            })
            .collect();
        for key in refined_index_keys(test, predicates)? {
            entries.push(IndexEntry {
                id: keys.id(&key, lexicons),
                before,
                after,
                neighbors: neighbors.clone(),
                near: near.clone(),
            });
        }
        entries_of_test.push(first..entries.len());
    }
    let mut in_order = Vec::new();
    for (rank, step) in requirements.order.iter().enumerate() {
        let rank = rank as u32;
        match *step {
            RequiredStep::Test(test) => {
                let of_test = entries_of_test.get(test).cloned().unwrap_or_default();
                for entry in entries.get(of_test).unwrap_or_default() {
                    in_order.push((rank, OrderedStep::Key(entry.id)));
                }
            }
            RequiredStep::Annotation(label) => {
                in_order.push((rank, OrderedStep::Annotation(label)))
            }
        }
    }
    Ok(RuleIndex { entries, in_order })
}

/// What [`rule_index`] finds: see [`CompiledRule::index_keys`] and [`CompiledRule::in_order`].
struct RuleIndex {
    entries: Vec<IndexEntry>,
    in_order: Vec<(u32, OrderedStep)>,
}

fn add_lengths(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    a?.checked_add(b?)
}

/// The most tokens `pattern` can match (`None`: unbounded).
fn max_length(pattern: &Pattern, phrase_max: &dyn Fn(usize) -> Option<u32>) -> Option<u32> {
    match pattern {
        Pattern::Token(_) => Some(1),
        Pattern::Seq(parts) => parts.iter().try_fold(0u32, |total, part| {
            total.checked_add(max_length(part, phrase_max)?)
        }),
        Pattern::Alt(branches) => branches.iter().try_fold(0u32, |most, branch| {
            Some(most.max(max_length(branch, phrase_max)?))
        }),
        Pattern::Repeat { inner, max, .. } => max_length(inner, phrase_max)?.checked_mul((*max)?),
        Pattern::Capture { inner, .. } => max_length(inner, phrase_max),
        Pattern::Look { .. } | Pattern::Anchor(_) => Some(0),
        Pattern::Annotation(_) => None,
        Pattern::Phrase(lexicon) => phrase_max(lexicon.0 as usize),
    }
}

/// The most tokens a match of any of the pattern's lookaround tables reads past the place it
/// is asked about: a table passed over a range widened by this margin on both sides is exact
/// over the range, so a rule that consults its lookarounds only between two places need not
/// pass them over its whole segment. `None` when a lookaround reads an annotation (unbounded)
/// or holds another table, whose own range would have to widen too. Lookarounds of one token
/// or one anchor are tests, not tables, and do not count.
fn look_margin(pattern: &Pattern, phrase_max: &dyn Fn(usize) -> Option<u32>) -> Option<u32> {
    fn walk(
        pattern: &Pattern,
        inside_table: bool,
        phrase_max: &dyn Fn(usize) -> Option<u32>,
        margin: &mut u32,
    ) -> Option<()> {
        match pattern {
            Pattern::Seq(parts) | Pattern::Alt(parts) => parts
                .iter()
                .try_for_each(|part| walk(part, inside_table, phrase_max, margin)),
            Pattern::Repeat { inner, .. } | Pattern::Capture { inner, .. } => {
                walk(inner, inside_table, phrase_max, margin)
            }
            Pattern::Look { inner, .. } if compile::is_look_table(inner) => {
                if inside_table {
                    return None;
                }
                *margin = (*margin).max(max_length(inner, phrase_max)?);
                walk(inner, true, phrase_max, margin)
            }
            Pattern::Look { .. }
            | Pattern::Token(_)
            | Pattern::Anchor(_)
            | Pattern::Annotation(_)
            | Pattern::Phrase(_) => Some(()),
        }
    }
    let mut margin = 0;
    walk(pattern, false, phrase_max, &mut margin)?;
    Some(margin)
}

/// Where a match of a lookahead can begin (see [`compile::LookBegins`]): the keys of the
/// tokens its first steps read, and the anchors that each way into it without reading a token
/// asserts first. `None` for a lookbehind, and when a first step's test has no key, a first
/// step reads an annotation or a phrase, or a way matches without reading a token or
/// asserting an anchor.
fn look_begins(
    look: &compile::Look,
    predicates: &predicate::Predicates,
    keys: &mut keys::KeyIndex,
    lexicons: &[CompiledLexicon],
) -> Option<compile::LookBegins> {
    if look.direction != ir::LookDirection::Ahead {
        return None;
    }
    let insts = &look.live.insts.insts;
    let mut begins = compile::LookBegins {
        keys: Box::default(),
        anchors: 0,
    };
    let mut key_ids = Vec::new();
    let mut seen = vec![false; insts.len()];
    let mut work = vec![0];
    while let Some(pc) = work.pop() {
        if std::mem::replace(seen.get_mut(pc)?, true) {
            continue;
        }
        match insts.get(pc)? {
            Inst::Token(test) => {
                let id = step_key(*test, predicates, keys, lexicons)?;
                if !key_ids.contains(&id) {
                    key_ids.push(id);
                }
            }
            Inst::Assert(compile::Assertion::Anchor(anchor)) => {
                begins.anchors |= vm::anchor_bit(*anchor);
            }
            // Another assertion narrows where a match begins no further than its way's next
            // steps do.
            Inst::Assert(_) | Inst::Save(_) => work.push(pc + 1),
            Inst::Jump(target) => work.push(*target),
            Inst::Split(first, second) => work.extend([*first, *second]),
            Inst::Match | Inst::Annotation { .. } | Inst::Phrase(_) => return None,
        }
    }
    begins.keys = key_ids.into_boxed_slice();
    Some(begins)
}

/// The id of an index key under which lies every token that passes `test`, the test of a
/// step, when it has one (a literal, a lexicon, a lemma, a `|` of them, an `&` with one).
fn step_key(
    test: PredId,
    predicates: &predicate::Predicates,
    keys: &mut keys::KeyIndex,
    lexicons: &[CompiledLexicon],
) -> Option<usize> {
    let key = index_keys(predicates.sources.get(test)?)
        .into_iter()
        .next()?;
    Some(keys.id(&key, lexicons))
}

/// Keys under which every token passing `test` is indexed, each enough on its own.
fn index_keys(test: &TokenTest) -> Vec<context::IndexKey> {
    use context::IndexKey;
    match test {
        TokenTest::Text(text) => match predicate::entry_keys(text, false).as_slice() {
            [norm] => vec![IndexKey::Norm(norm.clone())],
            _ => Vec::new(),
        },
        TokenTest::Norm(norm) => vec![IndexKey::Norm(norm.clone())],
        TokenTest::InLexicon(lexicon) => vec![IndexKey::Lexicon(lexicon.0 as usize)],
        TokenTest::Lemma { lexicon, lemma } => vec![IndexKey::Lemma(
            lexicon.0 as usize,
            predicate::entry_keys(lemma, false).join(" "),
        )],
        TokenTest::And(parts) => parts.iter().flat_map(index_keys).collect(),
        TokenTest::Or(parts) => {
            let alternatives: Option<Vec<IndexKey>> = parts
                .iter()
                .map(|part| index_keys(part).into_iter().next())
                .collect();
            alternatives.map(IndexKey::Union).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// The index keys of a required token test: its own keys when they hold for exactly the tokens
/// that pass it, else one key for the whole test, refining the first of them.
fn refined_index_keys(
    test: &TokenTest,
    predicates: &mut predicate::Predicates,
) -> Result<Vec<context::IndexKey>, CompileError> {
    let keys = index_keys(test);
    let Some(base) = keys.first() else {
        return Ok(keys);
    };
    if key_is_exact(test) {
        return Ok(keys);
    }
    Ok(vec![context::IndexKey::Refined {
        base: Box::new(base.clone()),
        test: predicates.intern(test)?,
    }])
}

/// Whether the index keys of `test` hold for exactly the tokens that pass it.
fn key_is_exact(test: &TokenTest) -> bool {
    match test {
        TokenTest::Norm(_) | TokenTest::InLexicon(_) | TokenTest::Lemma { .. } => true,
        TokenTest::Or(parts) => parts.iter().all(key_is_exact),
        _ => false,
    }
}

/// A rough rank of how few tokens pass a test; 0 for tests most tokens pass.
fn selectivity(test: &TokenTest) -> u32 {
    match test {
        TokenTest::Text(_) | TokenTest::Norm(_) => 6,
        TokenTest::Lemma { .. } => 5,
        TokenTest::InLexicon(_) => 4,
        TokenTest::Regex { .. } | TokenTest::Shape(_) => 3,
        TokenTest::And(parts) => parts.iter().map(selectivity).max().unwrap_or(0),
        TokenTest::Kind(kind) if *kind != ir::TokenKindTest::Word => 2,
        TokenTest::Flag(flag) => match flag {
            ir::FlagTest::QuoteOpen | ir::FlagTest::QuoteClose | ir::FlagTest::Abbrev => 2,
            ir::FlagTest::Title | ir::FlagTest::Upper | ir::FlagTest::Capitalized => 1,
            _ => 0,
        },
        _ => 0,
    }
}
