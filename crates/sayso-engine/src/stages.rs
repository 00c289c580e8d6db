//! The rules in the order the cascade runs them, filed under the words they need.
//!
//! In a large rule set most rules cannot match a given document: each needs a word (an index
//! key) the document does not have. Finding that out rule by rule costs a pass over the whole
//! rule set for every document, touching each rule's compiled form, which for a thousand rules
//! costs more than running the few that can match. So each rule is filed under one of its
//! keys, the one the fewest rules share (most likely a rare word rather than a class such as
//! determiners), and a document visits, in run order, only the rules filed under keys it
//! holds and the few that must be visited whatever it holds.

use crate::CompiledRule;
use crate::bits::BitSet;

/// One rule as the cascade first meets it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stage {
    pub(crate) rule: u32,
    /// The rule's index keys, as a range of [`Stages::keys`]: a document with no token under
    /// one of them holds no match.
    keys: (u32, u32),
    /// Whether the rule consumes annotations of rule labels, which are resolved when the
    /// cascade reaches it.
    pub(crate) references: bool,
}

/// The rules in run order, and where each is filed.
#[derive(Debug, Default)]
pub(crate) struct Stages {
    stages: Vec<Stage>,
    /// The keys of every stage, one stage after another.
    keys: Vec<u32>,
    /// For each key, the places in `stages` of the rules filed under it, in run order.
    filed: Vec<Vec<u32>>,
    /// The places of the rules filed under no key: those without keys, and those whose
    /// references must be resolved when the cascade reaches them.
    always: Vec<u32>,
}

impl Stages {
    /// The stages of the rules in `order` (indices into `compiled`).
    pub(crate) fn new(order: &[usize], compiled: &[CompiledRule]) -> Stages {
        let mut keys = Vec::new();
        let stages: Vec<Stage> = order
            .iter()
            .filter_map(|&index| {
                let rule = compiled.get(index)?;
                let start = keys.len() as u32;
                keys.extend(rule.index_keys.iter().map(|entry| entry.id as u32));
                Some(Stage {
                    rule: index as u32,
                    keys: (start, keys.len() as u32),
                    references: !rule.references.is_empty(),
                })
            })
            .collect();
        let key_count = keys.iter().map(|&key| key as usize + 1).max().unwrap_or(0);
        let mut sharing = vec![0usize; key_count];
        for &key in &keys {
            sharing[key as usize] += 1;
        }
        let mut filed = vec![Vec::new(); key_count];
        let mut always = Vec::new();
        for (place, stage) in stages.iter().enumerate() {
            let own = keys
                .get(stage.keys.0 as usize..stage.keys.1 as usize)
                .unwrap_or_default();
            match own.iter().min_by_key(|&&key| sharing[key as usize]) {
                Some(&key) if !stage.references => filed[key as usize].push(place as u32),
                _ => always.push(place as u32),
            }
        }
        Stages {
            stages,
            keys,
            filed,
            always,
        }
    }

    pub(crate) fn get(&self, place: u32) -> Option<&Stage> {
        self.stages.get(place as usize)
    }

    /// The index keys of `stage`.
    pub(crate) fn keys(&self, stage: &Stage) -> &[u32] {
        self.keys
            .get(stage.keys.0 as usize..stage.keys.1 as usize)
            .unwrap_or_default()
    }

    /// The places of the stages a document holding the keys `present` (one bit per key)
    /// visits, as a set read in run order; every stage when `present` is `None`. A set
    /// rather than a sorted list: a document holding common words visits hundreds of the
    /// stages of a large rule set, and sorting their places took nearly 2% of a run of a
    /// thousand rules.
    pub(crate) fn to_visit(&self, present: Option<&BitSet>) -> BitSet {
        let count = self.stages.len();
        let Some(present) = present else {
            return BitSet::new(count, |_| true);
        };
        let mut places = BitSet::empty(count);
        let filed = present
            .iter()
            .filter_map(|key| self.filed.get(key as usize))
            .flatten();
        for &place in self.always.iter().chain(filed) {
            places.insert(place);
        }
        places
    }
}
