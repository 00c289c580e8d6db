//! Lexicon files and entry normalisation.
//!
//! Entries are compared with token forms, so they are normalised exactly as the tokenizer
//! normalises tokens; multi-word entries have their white space collapsed to one space so that
//! the engine can split them the way it splits text.

use std::collections::HashSet;

/// The normalised form of a text, as the tokenizer computes it for tokens: lower case, with the
/// curly apostrophes ’ and ‘ written as '.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '’' | '‘' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Collapses runs of white space to one space and trims the ends.
pub(crate) fn collapse_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Prepares one entry: collapsed white space, normalised unless the lexicon compares case.
pub(crate) fn prepare_entry(entry: &str, case_sensitive: bool) -> String {
    let collapsed = collapse_space(entry);
    if case_sensitive {
        collapsed
    } else {
        normalize(&collapsed)
    }
}

/// The entries of a plain lexicon file: one per line, `#` comments and blank lines ignored,
/// duplicates removed (first occurrence kept).
pub(crate) fn parse_plain(text: &str, case_sensitive: bool) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = strip_comment(line);
        let entry = prepare_entry(line, case_sensitive);
        if !entry.is_empty() && seen.insert(entry.clone()) {
            entries.push(entry);
        }
    }
    entries
}

/// The entries and their lemmas of an inflections file: each line is `lemma form form ...`; the
/// lemma itself is an entry too. A form listed under two lemmas is kept once per lemma.
pub(crate) fn parse_inflections(text: &str, case_sensitive: bool) -> (Vec<String>, Vec<String>) {
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    let mut lemmas = Vec::new();
    for line in text.lines() {
        let mut words = strip_comment(line)
            .split_whitespace()
            .map(|w| prepare_entry(w, case_sensitive));
        let Some(lemma) = words.next() else { continue };
        for form in std::iter::once(lemma.clone()).chain(words) {
            if seen.insert((form.clone(), lemma.clone())) {
                entries.push(form);
                lemmas.push(lemma.clone());
            }
        }
    }
    (entries, lemmas)
}

/// Cuts a `#` comment: one that starts the line or follows white space, so entries such as
/// `C#` keep their mark.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (at, &b) in bytes.iter().enumerate() {
        if b == b'#' && (at == 0 || bytes[at - 1].is_ascii_whitespace()) {
            return &line[..at];
        }
    }
    line
}

/// Entries of an inline set, prepared and without duplicates.
pub(crate) fn prepare_inline<'a>(
    entries: impl IntoIterator<Item = &'a str>,
    case_sensitive: bool,
) -> Vec<String> {
    let mut seen = HashSet::new();
    entries
        .into_iter()
        .map(|e| prepare_entry(e, case_sensitive))
        .filter(|e| !e.is_empty() && seen.insert(e.clone()))
        .collect()
}

/// The display name of an inline set: its entries in braces, quoted when they hold a space.
pub(crate) fn inline_name(entries: &[String]) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|e| {
            if e.contains(char::is_whitespace) || e.is_empty() {
                format!("{e:?}")
            } else {
                e.clone()
            }
        })
        .collect();
    format!("{{{}}}", parts.join(" "))
}
