//! The word lists the tokenizer consults, kept as data files under `data/` so that they can be
//! extended without touching code. They are parsed once, on first use.

use std::collections::HashSet;
use std::sync::OnceLock;

const ABBREVIATIONS: &str = include_str!("../data/abbreviations.txt");
const SENTENCE_STARTERS: &str = include_str!("../data/sentence_starters.txt");
const CLAUSE_VERBS: &str = include_str!("../data/clause_verbs.txt");

/// The longest abbreviation entry we look up; longer words skip the lookup entirely.
pub(crate) const MAX_ABBREVIATION_LEN: usize = 8;

// Entries are packed into a `u64`, a byte each.
const _: () = assert!(MAX_ABBREVIATION_LEN <= 8);

/// When a word followed by a period is an abbreviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AbbreviationRule {
    /// Always ("Mr.", "Inc.").
    Always,
    /// Only when a number follows ("No. 10").
    BeforeNumber,
}

/// Entries of a list file: one per line, `#` starts a comment, blank lines are skipped.
fn entries(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
}

/// The abbreviations in an open-addressing hash table keyed by their bytes packed into a
/// `u64`: the lookup, made for every word followed by a period, is a multiplication and a
/// comparison or two, where a map of strings hashed the bytes and compared strings.
struct AbbreviationTable {
    /// A key of 0 marks an empty slot (no entry is empty).
    slots: Vec<(u64, AbbreviationRule)>,
    /// Shifts the product of a key to an index of `slots`.
    shift: u32,
}

impl AbbreviationTable {
    fn new<'a>(entries: impl Iterator<Item = (&'a str, AbbreviationRule)>) -> Self {
        let entries: Vec<(u64, AbbreviationRule)> = entries
            .filter_map(|(word, rule)| Some((pack(word.bytes())?, rule)))
            .collect();
        // At most half full, so that every probe sequence reaches an empty slot soon.
        let len = (entries.len() * 2).next_power_of_two().max(16);
        let mut table = AbbreviationTable {
            slots: vec![(0, AbbreviationRule::Always); len],
            shift: 64 - len.trailing_zeros(),
        };
        for (key, rule) in entries {
            let mut index = table.home(key);
            // A repeated entry replaces the earlier one.
            while table.slots[index].0 != 0 && table.slots[index].0 != key {
                index = (index + 1) & (len - 1);
            }
            table.slots[index] = (key, rule);
        }
        table
    }

    fn home(&self, key: u64) -> usize {
        // Fibonacci hashing: the high bits of the product depend on every byte of the key.
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn get(&self, key: u64) -> Option<AbbreviationRule> {
        let len = self.slots.len();
        let mut index = self.home(key);
        for _ in 0..len {
            let (slot_key, rule) = *self.slots.get(index)?;
            if slot_key == key {
                return Some(rule);
            }
            if slot_key == 0 {
                return None;
            }
            // The length is a power of two.
            index = (index + 1) & (len - 1);
        }
        None
    }
}

/// Packs the bytes of a word of one to eight bytes, none of them zero, into a `u64` (so that
/// different words get different keys and no word gets the empty key 0).
fn pack(bytes: impl ExactSizeIterator<Item = u8>) -> Option<u64> {
    if bytes.len() == 0 || bytes.len() > MAX_ABBREVIATION_LEN {
        return None;
    }
    let mut key = 0u64;
    for (index, byte) in bytes.enumerate() {
        if byte == 0 {
            return None;
        }
        key |= u64::from(byte) << (8 * index);
    }
    Some(key)
}

fn abbreviations() -> &'static AbbreviationTable {
    static TABLE: OnceLock<AbbreviationTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        AbbreviationTable::new(entries(ABBREVIATIONS).map(|entry| {
            let mut parts = entry.split_whitespace();
            let word = parts.next().unwrap_or(entry);
            let rule = match parts.next() {
                Some("before-number") => AbbreviationRule::BeforeNumber,
                _ => AbbreviationRule::Always,
            };
            (word, rule)
        }))
    })
}

fn sentence_starters() -> &'static HashSet<&'static str> {
    static TABLE: OnceLock<HashSet<&'static str>> = OnceLock::new();
    TABLE.get_or_init(|| entries(SENTENCE_STARTERS).collect())
}

/// How `word` (without its period) behaves as an abbreviation, if it is one.
pub(crate) fn abbreviation(word: &str) -> Option<AbbreviationRule> {
    // Asked for every word before a period: the key is lower-cased in one eight-byte block
    // rather than packed a byte at a time.
    let bytes = word.as_bytes();
    let fits = (1..=MAX_ABBREVIATION_LEN).contains(&bytes.len());
    if !fits || !bytes.iter().all(|&byte| byte.is_ascii() && byte != 0) {
        return None;
    }
    let mut block = [0u8; MAX_ABBREVIATION_LEN];
    block.get_mut(..bytes.len())?.copy_from_slice(bytes);
    block.make_ascii_lowercase();
    // The same key as `pack` makes: the first byte lowest.
    abbreviations().get(u64::from_le_bytes(block))
}

/// Whether `word` clearly begins a sentence when it follows an abbreviation.
pub(crate) fn is_sentence_starter(word: &str) -> bool {
    sentence_starters().contains(word)
}

/// Whether `word` (without its period) ends a company or personal name (Inc, Corp, Jr).
pub(crate) fn is_name_suffix(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "inc" | "corp" | "ltd" | "co" | "plc" | "llc" | "jr" | "sr"
    )
}

/// Whether `word` is a finite verb that follows the subject of a new clause (said, is, has).
pub(crate) fn is_clause_verb(word: &str) -> bool {
    clause_verbs().contains(word)
}

fn clause_verbs() -> &'static HashSet<&'static str> {
    static TABLE: OnceLock<HashSet<&'static str>> = OnceLock::new();
    TABLE.get_or_init(|| entries(CLAUSE_VERBS).collect())
}
