//! A small fast hasher for the engine's internal maps, whose keys come from the rule set or one
//! document and need no protection against chosen collisions (the FxHash mixing step, as in
//! rustc).

use std::hash::{BuildHasherDefault, Hasher};

/// The multiplicative mixing hasher.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(little_endian(rest));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with the fast hasher.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A `HashSet` with the fast hasher.
pub(crate) type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<FastHasher>>;

/// Up to eight bytes as a little-endian word, zero above them. Overlapping loads rather than a
/// copy into a zeroed buffer: that copy is a call, and reading the buffer back as words right
/// after writing it bytewise stalls on store forwarding (a third of the time spent typing
/// tokens sat on that load).
pub(crate) fn little_endian(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(first), Some(last)) if len <= 8 => {
            let first = u64::from(u32::from_le_bytes(*first));
            let last = u64::from(u32::from_le_bytes(*last));
            first | last << (8 * (len - 4))
        }
        _ if len < 4 => {
            // One to three bytes: the first, the middle and the last cover them all.
            let byte = |at: usize| bytes.get(at).map_or(0, |&b| u64::from(b) << (8 * at));
            byte(0) | byte(len / 2) | byte(len.saturating_sub(1))
        }
        _ => 0,
    }
}
