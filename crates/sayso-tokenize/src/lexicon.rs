//! The word lists the tokenizer consults, kept as data files under `data/` so that they can be
//! extended without touching code. They are parsed once, on first use.

use std::collections::HashMap;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a: the keys are a few ASCII bytes, looked up once per word followed by a period, where
/// the default SipHash cost more than the rest of the word's scanning.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

const ABBREVIATIONS: &str = include_str!("../data/abbreviations.txt");
const SENTENCE_STARTERS: &str = include_str!("../data/sentence_starters.txt");
const CLAUSE_VERBS: &str = include_str!("../data/clause_verbs.txt");

/// The longest abbreviation entry we look up; longer words skip the lookup entirely.
pub(crate) const MAX_ABBREVIATION_LEN: usize = 8;

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

fn abbreviations() -> &'static FastMap<&'static str, AbbreviationRule> {
    static TABLE: OnceLock<FastMap<&'static str, AbbreviationRule>> = OnceLock::new();
    TABLE.get_or_init(|| {
        entries(ABBREVIATIONS)
            .map(|entry| {
                let mut parts = entry.split_whitespace();
                let word = parts.next().unwrap_or(entry);
                let rule = match parts.next() {
                    Some("before-number") => AbbreviationRule::BeforeNumber,
                    _ => AbbreviationRule::Always,
                };
                (word, rule)
            })
            .collect()
    })
}

fn sentence_starters() -> &'static HashSet<&'static str> {
    static TABLE: OnceLock<HashSet<&'static str>> = OnceLock::new();
    TABLE.get_or_init(|| entries(SENTENCE_STARTERS).collect())
}

/// How `word` (without its period) behaves as an abbreviation, if it is one.
pub(crate) fn abbreviation(word: &str) -> Option<AbbreviationRule> {
    if word.len() > MAX_ABBREVIATION_LEN || !word.is_ascii() {
        return None;
    }
    let mut buffer = [0u8; MAX_ABBREVIATION_LEN];
    let lowered = &mut buffer[..word.len()];
    lowered.copy_from_slice(word.as_bytes());
    lowered.make_ascii_lowercase();
    let lowered = std::str::from_utf8(lowered).ok()?;
    abbreviations().get(lowered).copied()
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
