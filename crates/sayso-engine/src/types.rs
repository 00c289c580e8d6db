//! Token types and the token-test memo shared across documents.
//!
//! Every token test depends only on the token's text, kind and flags, and news text repeats the
//! same few thousand such types over and over. Interning each token to its type and memoizing
//! each test per type rather than per token means a lexicon lookup or a regex runs once per type
//! for a whole corpus, instead of once per token in every document. The memo lives in the rule
//! set's per-thread cache, so a thread's documents all share it.

use std::cell::Cell;

use sayso_tokenize::{Document, TokenKind};

use crate::bits::BitSet;
use crate::hash::FastMap;
use crate::keys::KeyIndex;
use crate::predicate::{CompiledLexicon, Membership, Pred, Predicates};

/// The most bytes the results may take, without the padding that lays rows on cache lines (at
/// most as much again); past it the memo starts again, so that memory stays bounded however
/// varied the input is.
const MAX_MEMO_BYTES: usize = 4 << 20;

/// The fewest types the memo holds before it starts again, for very large rule sets.
const MIN_TYPES: usize = 4_096;

/// A result not known yet.
pub(crate) const UNKNOWN: u8 = 0;
/// A test that fails.
pub(crate) const FAILS: u8 = 1;
/// A test that passes.
pub(crate) const PASSES: u8 = 2;

/// The types seen so far and, per token test, its result on each type.
#[derive(Debug, Default)]
pub(crate) struct TypeMemo {
    /// Text of at most [`SHORT_TEXT`] bytes -> the first type with that text. Most tokens are
    /// short words; keeping their text in the table's own slots spares every lookup a pointer
    /// to follow and a call to compare bytes.
    short_ids: FastMap<ShortText, FirstType>,
    /// Longer text -> the first type with that text.
    long_ids: FastMap<Box<str>, FirstType>,
    /// Per type: its kind, its flags, and the next type with the same text (`u32::MAX`: none).
    variants: Vec<(TokenKind, u16, u32)>,
    tests: usize,
    /// Bytes of results per type: four results of two bits each per byte, rounded up to a
    /// power of two or a whole number of cache lines (see [`row_stride`]).
    stride: usize,
    /// Where the first row starts in `cells`: the first cache line boundary.
    first_row: usize,
    /// Per type, per test, two bits: [`UNKNOWN`], [`FAILS`] or [`PASSES`]. The tests of one
    /// type lie together, since the rules ask many tests of the token at hand.
    cells: Vec<Cell<u8>>,
    /// How a new type decides the tests that one lookup answers.
    at_once: AtOnce,
    /// The rows new types start with, by what decides them (see [`RowKey`]): news text has
    /// tens of thousands of types but a few hundred such rows.
    templates: FastMap<RowKey, usize>,
    /// The template rows, one after another.
    template_cells: Vec<Cell<u8>>,
    /// Per type, the range of `key_lists` holding the index keys it is under.
    key_ranges: Vec<(u32, u32)>,
    /// The types under some index key: most are under none, and this bitmap answers for them
    /// where `key_ranges` would miss the cache.
    under_some_key: BitSet,
    /// The index keys of every type, one list after another.
    key_lists: Vec<u32>,
    key_count: usize,
    /// Per type, bit `i` set when it may begin an entry of the `i`th phrase lexicon (see
    /// [`TypeMemo::may_begin_phrase`]).
    phrase_starts: Vec<u64>,
    /// The types that may begin an entry of some phrase lexicon: few do, and finding a
    /// document's entries asks every token's type.
    any_phrase_start: BitSet,
}

/// The types of one document's tokens, and the positions whose type is under an index key or
/// may begin a phrase entry: finding a document's key positions and phrase entries walks
/// those few instead of every token.
#[derive(Debug, Default)]
pub(crate) struct DocTypes {
    /// The type of each token.
    pub(crate) ids: Vec<u32>,
    /// The positions of the tokens whose type is under some index key, in order.
    pub(crate) keyed: Vec<u32>,
    /// The positions of the tokens whose type may begin an entry of a phrase lexicon, in
    /// order; none when the rule set has no phrase lexicons.
    pub(crate) phrase_starting: Vec<u32>,
}

impl DocTypes {
    /// Each of `positions` (the keyed or the phrase-starting ones) with its token's type.
    pub(crate) fn typed<'a>(
        &'a self,
        positions: &'a [u32],
    ) -> impl Iterator<Item = (u32, u32)> + 'a {
        positions
            .iter()
            .filter_map(|&position| Some((position, *self.ids.get(position as usize)?)))
    }

    /// Finds the positions of `ids` whose type `kept` holds. Whether a type is kept is as good
    /// as random to the processor, so every position is written and only the kept ones
    /// advance the end, without a branch on it.
    fn gather(ids: &[u32], positions: &mut Vec<u32>, kept: impl Fn(u32) -> bool) {
        positions.resize(ids.len(), 0);
        let mut end = 0;
        for (position, &id) in ids.iter().enumerate() {
            if let Some(slot) = positions.get_mut(end) {
                *slot = position as u32;
            }
            end += usize::from(kept(id));
        }
        positions.truncate(end);
    }
}

/// The most lexicons holding a type for its row to start from a template.
const TEMPLATE_MEMBERS: usize = 6;

/// What decides the results of the lexicon, kind and flag tests of a type: the lexicons
/// holding it, its kind, its flags and whether it begins with a capital (a flag test of its
/// own, asked of the text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct RowKey {
    members: [u32; TEMPLATE_MEMBERS],
    member_count: u8,
    kind: TokenKind,
    flags: u16,
    capitalized: bool,
}

impl RowKey {
    /// The key of a type, or `None` when more lexicons hold it than a key has room for.
    fn new(
        members: crate::predicate::Members<'_>,
        kind: TokenKind,
        flags: sayso_tokenize::Flags,
        text: &str,
    ) -> Option<RowKey> {
        let mut key = RowKey {
            members: [0; TEMPLATE_MEMBERS],
            member_count: 0,
            kind,
            flags: flags.0,
            capitalized: crate::predicate::flag_holds(
                sayso_lang::ir::FlagTest::Capitalized,
                flags,
                text,
            ),
        };
        for lexicon in members.iter() {
            *key.members.get_mut(usize::from(key.member_count))? = lexicon;
            key.member_count += 1;
        }
        Some(key)
    }
}

/// The first type seen with a text, with the kind and flags that make it that type: nine
/// tokens in ten are of the first type of their text, and find it in the table's slot without
/// a second load from `variants`, a likely cache miss (the slot's size is the same).
#[derive(Clone, Copy, Debug)]
struct FirstType {
    id: u32,
    kind: TokenKind,
    flags: u16,
}

/// What the memo needs of the rule set to type the tokens of a document.
pub(crate) struct Typing<'r> {
    pub(crate) predicates: &'r Predicates,
    pub(crate) lexicons: &'r [CompiledLexicon],
    /// The lexicons with entries of several words, in the rule set's order.
    pub(crate) phrase_lexicons: &'r [usize],
    pub(crate) keys: &'r KeyIndex,
    pub(crate) membership: &'r Membership,
}

impl TypeMemo {
    /// Writes the type of each token of `doc` into `types` with the positions of the keyed
    /// and phrase-starting ones, and makes room in the memo for the types not seen before.
    pub(crate) fn prepare(
        &mut self,
        doc: &Document<'_>,
        typing: &Typing<'_>,
        types: &mut DocTypes,
    ) {
        let Typing {
            predicates,
            lexicons,
            phrase_lexicons,
            keys,
            membership,
        } = *typing;
        let test_count = predicates.tests.len();
        let stride = row_stride(test_count);
        // Counted without the padding: a large rule set's memo holds only a few thousand types
        // and starts again often, and each type fewer makes it start again sooner.
        let max_types = (MAX_MEMO_BYTES / test_count.div_ceil(4).max(1)).max(MIN_TYPES);
        if self.variants.len() + doc.tokens().len() > max_types || self.tests != test_count {
            *self = TypeMemo {
                tests: test_count,
                stride,
                key_count: keys.len(),
                ..TypeMemo::default()
            };
            self.at_once = AtOnce::new(predicates, stride);
            // The results grow a row per new type, up to megabytes over a corpus: growing by
            // doubling copied them again and again through the cache. Memory is only used as
            // rows are written, so the usual bound can be asked for at once.
            self.cells.reserve_exact(
                max_types
                    .saturating_mul(stride)
                    .min(2 * MAX_MEMO_BYTES)
                    .saturating_add(CACHE_LINE),
            );
            // Rows start on a cache line, so that no row but a long one spans two.
            let pad = self.cells.as_ptr().align_offset(CACHE_LINE).min(CACHE_LINE);
            self.cells.resize(pad, Cell::new(0));
            self.first_row = pad;
        }
        types.ids.clear();
        let bytes = doc.text().as_bytes();
        for (index, token) in doc.tokens().iter().enumerate() {
            let (kind, flags) = (token.kind, token.flags.0);
            let short = ShortText::at(bytes, token.span.start, token.span.end);
            let first = match short {
                Some(short) => self.short_ids.get(&short),
                None => self.long_ids.get(doc.token_text(index)),
            };
            // The type, if known (`next`), else the last type with the same text (`last`). The
            // slot answers for most tokens without a read of `variants`, which only the others walk.
            let (mut next, mut last) = (first.map_or(u32::MAX, |first| first.id), None);
            if !first.is_some_and(|first| (first.kind, first.flags) == (kind, flags)) {
                while let Some(&(known_kind, known_flags, after)) = self.variants.get(next as usize)
                {
                    if (known_kind, known_flags) == (kind, flags) {
                        break;
                    }
                    last = Some(next);
                    next = after;
                }
            }
            let id = if (next as usize) < self.variants.len() {
                next
            } else {
                let id = self.variants.len() as u32;
                self.variants.push((kind, flags, u32::MAX));
                let text = doc.token_text(index);
                let norm = doc.norm(index);
                let members = membership.of(norm, text);
                let under = keys.keys_of(norm, members, |test| {
                    predicates.eval(test, doc, index, lexicons)
                });
                let start = self.key_lists.len() as u32;
                self.key_lists.extend_from_slice(&under);
                self.key_ranges.push((start, self.key_lists.len() as u32));
                if !under.is_empty() {
                    self.under_some_key.insert(id);
                }
                let mut phrase_starts = 0u64;
                for (bit, lexicon) in phrase_lexicons.iter().take(64).enumerate() {
                    let Some(lexicon) = lexicons.get(*lexicon) else {
                        continue;
                    };
                    if lexicon
                        .phrases_by_first
                        .contains_key(lexicon.key(doc, index))
                    {
                        phrase_starts |= 1 << bit;
                    }
                }
                self.phrase_starts.push(phrase_starts);
                if phrase_starts != 0 {
                    self.any_phrase_start.insert(id);
                }
                // The one membership lookup above decides every lexicon test of the type; its
                // kind and flags decide every kind and flag test. Types that share those start
                // from one template row, made by the first of them.
                let row_key = RowKey::new(members, kind, token.flags, text);
                let template = row_key.and_then(|key| self.templates.get(&key).copied());
                match template.and_then(|start| self.template_cells.get(start..start + stride)) {
                    Some(template) => self.cells.extend_from_slice(template),
                    None => {
                        self.cells.extend_from_slice(&self.at_once.fresh_row);
                        if let Some(row) = self.row(id) {
                            let at_once = &self.at_once;
                            let lexicon_tests = members
                                .iter()
                                .filter_map(|lexicon| at_once.lexicon_tests.get(lexicon as usize));
                            for &test in lexicon_tests.flatten() {
                                at_once.passes(row, test);
                            }
                            for &(test_kind, test) in &predicates.kind_tests {
                                if test_kind == kind {
                                    at_once.passes(row, test);
                                }
                            }
                            for &(flag, test) in &predicates.flag_tests {
                                if crate::predicate::flag_holds(flag, token.flags, text) {
                                    at_once.passes(row, test);
                                }
                            }
                        }
                        let row_start = self.cells.len().saturating_sub(stride);
                        if let (Some(key), Some(row)) = (row_key, self.cells.get(row_start..)) {
                            self.templates.insert(key, self.template_cells.len());
                            self.template_cells.extend_from_slice(row);
                        }
                    }
                }
                // Its text and form decide every literal test, on top of the template.
                if let Some(row) = self.row(id) {
                    let at_once = &self.at_once;
                    if let Some(&test) = predicates.text_tests.get(text) {
                        at_once.passes(row, test);
                    }
                    if let Some(&test) = predicates.norm_tests.get(norm) {
                        at_once.passes(row, test);
                    }
                }
                let first_type = FirstType { id, kind, flags };
                match last {
                    Some(last) => self.variants[last as usize].2 = id,
                    None => match short {
                        Some(short) => {
                            self.short_ids.insert(short, first_type);
                        }
                        None => {
                            self.long_ids.insert(Box::from(text), first_type);
                        }
                    },
                }
                id
            };
            types.ids.push(id);
        }
        DocTypes::gather(&types.ids, &mut types.keyed, |id| {
            self.under_some_key.contains(id)
        });
        types.phrase_starting.clear();
        if !phrase_lexicons.is_empty() {
            DocTypes::gather(&types.ids, &mut types.phrase_starting, |id| {
                self.may_begin_some_phrase(id)
            });
        }
    }

    /// The phrase lexicons among the first 64 that a token of type `id` may begin an entry
    /// of, as bits, so that finding a document's entries looks up only such tokens (the
    /// phrase-starting positions of [`DocTypes`]). A type the memo does not know may begin any.
    pub(crate) fn phrase_starts(&self, id: u32) -> u64 {
        self.phrase_starts
            .get(id as usize)
            .copied()
            .unwrap_or(u64::MAX)
    }

    /// Whether type `id` may begin an entry of some phrase lexicon: a type the memo does not
    /// know may. The bit set is small enough to stay in the cache; most types begin none.
    fn may_begin_some_phrase(&self, id: u32) -> bool {
        self.any_phrase_start.contains(id) || id as usize >= self.phrase_starts.len()
    }

    /// The index keys type `id` is under.
    pub(crate) fn keys(&self, id: u32) -> &[u32] {
        self.key_ranges
            .get(id as usize)
            .and_then(|&(start, end)| self.key_lists.get(start as usize..end as usize))
            .unwrap_or_default()
    }

    /// How many index keys the rule set has.
    pub(crate) fn key_count(&self) -> usize {
        self.key_count
    }

    /// The results of every test on type `id`.
    #[inline]
    pub(crate) fn row(&self, id: u32) -> Option<Row<'_>> {
        let start = self.first_row + id as usize * self.stride;
        self.cells.get(start..start + self.stride).map(Row)
    }
}

/// The bytes of a cache line, on which the rows of results are laid out.
const CACHE_LINE: usize = 64;

/// The bytes a row of `tests` results takes: four results a byte, rounded up so that rows
/// never straddle a cache line. Looking up a rare token's row misses the cache, and a pass asks
/// several tests of it at once: 46-byte rows (the shipped pack's 184 tests) spanned two lines
/// for two rows in three.
fn row_stride(tests: usize) -> usize {
    let bytes = tests.div_ceil(4).max(1);
    if bytes <= CACHE_LINE {
        bytes.next_power_of_two()
    } else {
        bytes.div_ceil(CACHE_LINE) * CACHE_LINE
    }
}

/// The tests a new type decides as it is first seen, each from one lookup: its row starts as
/// a copy of `fresh_row`, where every literal, lexicon, kind and flag test fails, every `|` of
/// such tests fails and every `!` of one passes; the tests that pass for the type then flip
/// the compound tests they are part of. (A type whose lexicons, kind and flags an earlier type
/// shared starts from that type's row before its literal tests, a template.) Asked lazily instead, each of these took a call and a
/// string comparison or a walk over its parts per type, hundreds of thousands over a corpus.
#[derive(Debug, Default)]
struct AtOnce {
    fresh_row: Vec<Cell<u8>>,
    /// Per lexicon, its membership tests.
    lexicon_tests: Vec<Vec<usize>>,
    /// Per test, the compound tests its passing decides, each with its result then.
    decides: Vec<Vec<(usize, bool)>>,
}

impl AtOnce {
    fn new(predicates: &Predicates, stride: usize) -> AtOnce {
        let count = predicates.tests.len();
        let mut at_once = AtOnce {
            fresh_row: vec![Cell::new(0); stride],
            lexicon_tests: Vec::new(),
            decides: vec![Vec::new(); count],
        };
        let row = Row(&at_once.fresh_row);
        let mut by_lookup = vec![false; count];
        for &(test, lexicon) in &predicates.lexicon_tests {
            let lexicon = lexicon as usize;
            if at_once.lexicon_tests.len() <= lexicon {
                at_once.lexicon_tests.resize(lexicon + 1, Vec::new());
            }
            at_once.lexicon_tests[lexicon].push(test);
            by_lookup[test] = true;
        }
        let literal_tests = predicates.text_tests.values();
        let kind_tests = predicates.kind_tests.iter().map(|&(_, test)| test);
        let flag_tests = predicates.flag_tests.iter().map(|&(_, test)| test);
        for test in literal_tests
            .chain(predicates.norm_tests.values())
            .copied()
            .chain(kind_tests)
            .chain(flag_tests)
        {
            by_lookup[test] = true;
        }
        // A compound test's parts are interned before it, so one pass in id order sees every
        // part decided before the tests made of it.
        for (test, pred) in predicates.tests.iter().enumerate() {
            match pred {
                _ if by_lookup[test] => row.set(test, false),
                Pred::Any => row.set(test, true),
                Pred::Or(parts)
                    if parts
                        .iter()
                        .all(|&(part, negated)| !negated && by_lookup[part]) =>
                {
                    by_lookup[test] = true;
                    row.set(test, false);
                    for &(part, _) in parts {
                        at_once.decides[part].push((test, true));
                    }
                }
                Pred::Not(inner) if by_lookup[*inner] => {
                    row.set(test, true);
                    at_once.decides[*inner].push((test, false));
                }
                _ => {}
            }
        }
        at_once
    }

    /// Records that `test` passes in `row`, and what that decides.
    fn passes(&self, row: Row<'_>, test: usize) {
        row.set(test, true);
        for &(compound, result) in self.decides.get(test).map_or(&[][..], Vec::as_slice) {
            if result {
                self.passes(row, compound);
            } else {
                row.set(compound, false);
            }
        }
    }
}

/// The longest text kept inline as a [`ShortText`].
const SHORT_TEXT: usize = 15;

/// A text of at most [`SHORT_TEXT`] bytes, zero-padded, with its length in the last byte.
/// Two words rather than a `u128`, whose 16-byte alignment makes every table slot 32 bytes
/// instead of 24: that larger table measured 1 to 3% slower over the BBC corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ShortText([u64; 2]);

/// Hashed as its two words: the derived hash writes the array's length and then its bytes
/// through the byte-slice path, which costs more than the two words themselves.
impl std::hash::Hash for ShortText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0[0]);
        state.write_u64(self.0[1]);
    }
}

impl ShortText {
    /// The text of `bytes[start..end]`, read as one 16-byte window where the text goes on far
    /// enough: most tokens, and cheaper than assembling the two words from the token's bytes.
    #[inline]
    fn at(bytes: &[u8], start: usize, end: usize) -> Option<ShortText> {
        let len = end.checked_sub(start)?;
        if len > SHORT_TEXT {
            return None;
        }
        let Some(window) = bytes.get(start..).and_then(|rest| rest.first_chunk::<16>()) else {
            return ShortText::from_bytes(bytes.get(start..end)?);
        };
        // Bytes past the text are cleared; the length takes the last byte.
        let padded = u128::from_le_bytes(*window) & ((1u128 << (8 * len)) - 1);
        Some(ShortText([
            padded as u64,
            (padded >> 64) as u64 | (len as u64) << 56,
        ]))
    }

    #[cfg(test)]
    fn new(text: &str) -> Option<ShortText> {
        ShortText::from_bytes(text.as_bytes())
    }

    /// The text `bytes`, its two words assembled from its own bytes.
    fn from_bytes(bytes: &[u8]) -> Option<ShortText> {
        if bytes.len() > SHORT_TEXT {
            return None;
        }
        let (low, high) = bytes.split_at(bytes.len().min(8));
        Some(ShortText([
            crate::hash::little_endian(low),
            crate::hash::little_endian(high) | (bytes.len() as u64) << 56,
        ]))
    }
}

/// The results of every test on one type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row<'m>(&'m [Cell<u8>]);

impl Row<'_> {
    /// The result of test `test`: [`UNKNOWN`], [`FAILS`] or [`PASSES`].
    #[inline]
    pub(crate) fn get(self, test: usize) -> u8 {
        self.0
            .get(test / 4)
            .map_or(UNKNOWN, |cell| (cell.get() >> (2 * (test % 4))) & 3)
    }

    /// Records the result of test `test`.
    pub(crate) fn set(self, test: usize, passes: bool) {
        if let Some(cell) = self.0.get(test / 4) {
            let shift = 2 * (test % 4);
            let value = if passes { PASSES } else { FAILS };
            cell.set((cell.get() & !(3 << shift)) | (value << shift));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text zero-padded to sixteen bytes with its length last, read as two words.
    fn padded(text: &str) -> ShortText {
        let mut bytes = [0u8; 16];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        bytes[15] = text.len() as u8;
        let (low, high) = bytes.split_at(8);
        ShortText([
            u64::from_le_bytes(low.try_into().unwrap()),
            u64::from_le_bytes(high.try_into().unwrap()),
        ])
    }

    #[test]
    fn short_text_is_the_padded_text_at_every_length() {
        let text = "Ministers’ said!";
        for end in 0..=SHORT_TEXT {
            if let Some(prefix) = text.get(..end) {
                assert_eq!(ShortText::new(prefix), Some(padded(prefix)), "{prefix:?}");
            }
        }
        assert_eq!(ShortText::new("a sixteen-byte t"), None);
    }

    #[test]
    fn a_window_of_the_text_reads_as_the_token() {
        let text = "“Ministers’ said!” — O’Sullivan, 1,000 a.m. x";
        for start in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
            for end in (start..=text.len()).filter(|&at| text.is_char_boundary(at)) {
                assert_eq!(
                    ShortText::at(text.as_bytes(), start, end),
                    ShortText::new(&text[start..end]),
                    "{:?}",
                    &text[start..end]
                );
            }
        }
    }
}
