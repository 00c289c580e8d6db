//! Index keys: the words, lexicons and lemmas some token of every match of a rule must be
//! under, and which keys each token type is under.
//!
//! The same keys say where a match can begin: when every first step of a rule or of a
//! lookahead reads a token with a key (or an annotation), a scan for where a match begins asks
//! only the key's positions, the few commas and conjunctions of a sentence rather than each of
//! its boundaries.
//!
//! A cue that narrows a lexicon (`[SAY & /.*ing/]`) gets a refined key of its own, holding
//! exactly the tokens that pass the whole test: indexed under the lexicon alone, the rule would
//! run wherever any speech verb is. The lexicon's key says which types to test.
//!
//! A rule only runs in segments that hold a token under its rarest key, so every document
//! needs the positions under every key. Which keys a token is under depends on its type alone,
//! so it is worked out once per type (a few hash lookups) and kept with the type memo; a
//! document then finds the positions of all keys in one pass over its token types.

use std::collections::HashMap;

use crate::context::IndexKey;
use crate::hash::FastMap;
use crate::predicate::{CompiledLexicon, Members, PredId};

/// The index keys of a rule set by id, and what puts a token under each.
#[derive(Debug, Default)]
pub(crate) struct KeyIndex {
    /// Each key's id.
    ids: HashMap<IndexKey, usize>,
    /// Normalised form -> the keys a token with that form is under (words, lemma forms, and
    /// unions holding them).
    by_norm: FastMap<String, Vec<u32>>,
    /// Lexicon -> the keys a token in that lexicon is under (the lexicon, and unions holding it).
    by_lexicon: Vec<Vec<u32>>,
    /// (base key, test, key): a token under the base key is under the key when it passes the
    /// test.
    refinements: Vec<(u32, PredId, u32)>,
}

impl KeyIndex {
    /// The id of `key`, giving it one if it is new.
    pub(crate) fn id(&mut self, key: &IndexKey, lexicons: &[CompiledLexicon]) -> usize {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        if let IndexKey::Refined { base, test } = key {
            // The base gets its own id first, so that its tokens are known before the test.
            let base = self.id(base, lexicons) as u32;
            let id = self.ids.len();
            self.ids.insert(key.clone(), id);
            self.refinements.push((base, *test, id as u32));
            return id;
        }
        let id = self.ids.len();
        self.ids.insert(key.clone(), id);
        self.add(key, id as u32, lexicons);
        id
    }

    /// The number of keys.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    fn add(&mut self, key: &IndexKey, id: u32, lexicons: &[CompiledLexicon]) {
        let push = |list: &mut Vec<u32>| {
            if !list.contains(&id) {
                list.push(id);
            }
        };
        match key {
            IndexKey::Norm(norm) => push(self.by_norm.entry(norm.clone()).or_default()),
            IndexKey::Lexicon(lexicon) => {
                if self.by_lexicon.len() <= *lexicon {
                    self.by_lexicon.resize(lexicon + 1, Vec::new());
                }
                push(&mut self.by_lexicon[*lexicon]);
            }
            IndexKey::Lemma(lexicon, lemma) => {
                let forms = lexicons
                    .get(*lexicon)
                    .and_then(|lex| lex.lemma_forms.get(lemma));
                for form in forms.into_iter().flatten() {
                    push(self.by_norm.entry(form.clone()).or_default());
                }
            }
            IndexKey::Union(keys) => {
                for key in keys {
                    self.add(key, id, lexicons);
                }
            }
            // A union never holds a refined key (see `index_keys`), and `id` registers one
            // directly.
            IndexKey::Refined { .. } => {}
        }
    }

    /// The keys a token with normalised form `norm`, held by the lexicons `members`, is under,
    /// ascending; `passes` says whether the token passes a test, asked only for refined keys
    /// whose base it is under.
    pub(crate) fn keys_of(
        &self,
        norm: &str,
        members: Members<'_>,
        passes: impl Fn(PredId) -> bool,
    ) -> Vec<u32> {
        let mut keys: Vec<u32> = self.by_norm.get(norm).cloned().unwrap_or_default();
        for lexicon in members.iter() {
            if let Some(list) = self.by_lexicon.get(lexicon as usize) {
                keys.extend_from_slice(list);
            }
        }
        keys.sort_unstable();
        keys.dedup();
        let before = keys.len();
        for &(base, test, refined) in &self.refinements {
            if keys[..before].binary_search(&base).is_ok() && passes(test) {
                keys.push(refined);
            }
        }
        keys.sort_unstable();
        keys
    }
}
