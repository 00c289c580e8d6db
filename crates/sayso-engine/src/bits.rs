//! A set of small numbers (index keys, token types, the rules a document visits), one bit
//! each: asked for every token of a document or every key of a rule set, it stays in the
//! processor's cache where a table of per-number records would not.

/// The numbers in the set, as bits of 64-bit words; numbers past the last word are absent.
#[derive(Clone, Debug, Default)]
pub(crate) struct BitSet(Vec<u64>);

impl BitSet {
    /// The set of the numbers `0..count` for which `holds` is true.
    pub(crate) fn new(count: usize, holds: impl Fn(usize) -> bool) -> BitSet {
        let mut set = BitSet::empty(count);
        for number in (0..count).filter(|&number| holds(number)) {
            set.insert(number as u32);
        }
        set
    }

    /// The empty set, with room for the numbers `0..count` without growing.
    pub(crate) fn empty(count: usize) -> BitSet {
        BitSet(vec![0u64; count.div_ceil(64)])
    }

    /// Adds `number`, growing the set as far as it.
    pub(crate) fn insert(&mut self, number: u32) {
        let word = number as usize / 64;
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        if let Some(bits) = self.0.get_mut(word) {
            *bits |= 1 << (number % 64);
        }
    }

    pub(crate) fn contains(&self, number: u32) -> bool {
        self.0
            .get(number as usize / 64)
            .is_some_and(|bits| bits & (1 << (number % 64)) != 0)
    }

    /// The numbers in the set, in increasing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(index, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    index as u32 * 64 + bit
                })
            })
        })
    }
}
