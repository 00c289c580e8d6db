//! Inputs shared by sayso's criterion benchmarks (the bench targets live beside this file).
//!
//! Benchmarks run on the seed article repeated to about one megabyte, and, when the environment
//! variable `SAYSO_BENCH_CORPUS` names a JSON Lines file with a `"text"` field per line, on the
//! texts of that corpus too (each one its own document), so figures on a large news corpus can be
//! reproduced without shipping it.

use std::path::{Path, PathBuf};

/// The seed article.
pub const SEED: &str = include_str!("../tests/articles/seed.txt");

/// The seed article repeated, paragraph-separated, to about one megabyte.
pub fn seed_megabyte() -> String {
    let copies = (1 << 20) / SEED.len() + 1;
    let mut text = String::with_capacity(copies * (SEED.len() + 2));
    for _ in 0..copies {
        text.push_str(SEED);
        text.push_str("\n\n");
    }
    text
}

/// The `"text"` fields of the corpus named by `SAYSO_BENCH_CORPUS` (absolute, or relative to the
/// workspace root), if it is set and readable.
/// Lines that are not JSON objects with a string `text` are skipped.
pub fn corpus_texts() -> Option<Vec<String>> {
    let path = PathBuf::from(std::env::var_os("SAYSO_BENCH_CORPUS")?);
    // Cargo runs benchmarks in this package's directory; a relative path is taken from the
    // workspace root, where `cargo bench` is usually typed.
    let path = if path.is_relative() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
    } else {
        path
    };
    let data = std::fs::read_to_string(&path)
        .map_err(|error| eprintln!("cannot read SAYSO_BENCH_CORPUS: {error}"))
        .ok()?;
    let texts: Vec<String> = data
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value.get("text")?.as_str().map(str::to_string))
        .collect();
    (!texts.is_empty()).then_some(texts)
}

/// The shipped rule pack's root file.
pub fn attribution_pack_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/attribution.sayso")
}

/// The shipped attribution pack, compiled.
pub fn attribution_pack() -> sayso_engine::RuleSet {
    let path = attribution_pack_path();
    let program = sayso_lang::compile(&[&path], &sayso_lang::FsLoader)
        .unwrap_or_else(|diagnostics| panic!("the shipped pack does not compile:\n{diagnostics}"));
    sayso_engine::RuleSet::new(program).expect("the shipped pack fits the engine's limits")
}

/// A generated rule set of `count` rules in the shape of real attribution rules: each is
/// anchored on its own literal cue word, drawn from the words of the seed article so that some
/// fire and most do not, with name-like speakers and a lexicon or two shared by all rules.
pub fn generated_rules(count: usize) -> String {
    let mut words: Vec<String> = sayso_tokenize::tokenize(SEED)
        .tokens()
        .iter()
        .filter(|t| t.kind == sayso_tokenize::TokenKind::Word)
        .map(|t| t.span.text(SEED).to_lowercase())
        .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    words.sort();
    words.dedup();
    let mut rules = String::from(
        "lexicon DET = {a an the}\nlexicon ROLE = {official diplomat spokeswoman spokesman aide}\n",
    );
    for i in 0..count {
        let cue = &words[i % words.len()];
        let variant = i / words.len();
        let body = match i % 4 {
            0 => format!("s:[title]{{1,3}} c:\"{cue}\"i"),
            1 => format!("c:\"{cue}\"i s:([DET] [!punct]{{0,3}} [ROLE])"),
            2 => format!("q:@Quote s:[title]+ c:\"{cue}\"i (?= [punct])"),
            _ => format!("s:([title] | [DET] [ROLE]) c:\"{cue}\"i [lower]*? </s>"),
        };
        rules.push_str(&format!(
            "rule r{i}_{variant} -> L{label} {{\n  match {body}\n  emit speaker: s, cue: c\n}}\n",
            label = i % 7
        ));
    }
    rules
}
