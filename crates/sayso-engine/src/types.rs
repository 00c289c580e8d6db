//! Token types and the token-test memo shared across documents.
//!
//! Every token test depends only on the token's text, kind and flags, and news text repeats the
//! same few thousand such types over and over. Interning each token to its type and memoizing
//! each test per type rather than per token means a lexicon lookup or a regex runs once per type
//! for a whole corpus, instead of once per token in every document. The memo lives in the rule
//! set's per-thread cache, so a thread's documents all share it.

use std::cell::Cell;

use sayso_tokenize::{Document, TokenKind};

use crate::hash::FastMap;

/// Above this many types the memo starts again, so that memory stays bounded however varied
/// the input is.
const MAX_TYPES: usize = 1 << 17;

/// The types seen so far and, per token test, its result on each type.
#[derive(Debug, Default)]
pub(crate) struct TypeMemo {
    /// Text -> the (kind, flags, type id) of each type with that text.
    ids: FastMap<Box<str>, Vec<(TokenKind, u16, u32)>>,
    count: usize,
    tests: usize,
    /// Per type, per test: 0 not known yet, 1 fails, 2 passes. The tests of one type lie
    /// together, since the rules ask many tests of the token at hand.
    cells: Vec<Cell<u8>>,
}

impl TypeMemo {
    /// Writes the type of each token of `doc` into `types`, and makes room in the memo for the
    /// types not seen before.
    pub(crate) fn prepare(&mut self, doc: &Document<'_>, test_count: usize, types: &mut Vec<u32>) {
        if self.count + doc.tokens().len() > MAX_TYPES || self.tests != test_count {
            *self = TypeMemo {
                tests: test_count,
                ..TypeMemo::default()
            };
        }
        types.clear();
        for (index, token) in doc.tokens().iter().enumerate() {
            let text = doc.token_text(index);
            let key = (token.kind, token.flags.0);
            let known = self.ids.get(text).and_then(|list| {
                list.iter()
                    .find(|(kind, flags, _)| (*kind, *flags) == key)
                    .map(|(_, _, id)| *id)
            });
            let id = match known {
                Some(id) => id,
                None => {
                    let id = self.count as u32;
                    self.count += 1;
                    self.ids
                        .entry(Box::from(text))
                        .or_default()
                        .push((key.0, key.1, id));
                    id
                }
            };
            types.push(id);
        }
        self.cells.resize(self.count * self.tests, Cell::new(0));
    }

    /// The memo cells of every test on type `id`.
    #[inline]
    pub(crate) fn row(&self, id: u32) -> Option<&[Cell<u8>]> {
        let start = id as usize * self.tests;
        self.cells.get(start..start + self.tests)
    }

    /// The memo cell of test `test` on type `id`.
    #[inline]
    pub(crate) fn cell(&self, test: usize, id: u32) -> Option<&Cell<u8>> {
        if test >= self.tests {
            return None;
        }
        self.cells.get(id as usize * self.tests + test)
    }
}
