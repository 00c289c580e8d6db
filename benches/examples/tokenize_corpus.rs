//! Tokenizes every `"text"` of a JSON Lines corpus, for profiling the tokenizer alone and for
//! checking that a change leaves its output unchanged.
//!
//! `tokenize_corpus time FILE [ROUNDS]` tokenizes the corpus ROUNDS times (1 by default) and
//! prints the throughput; the corpus is read and parsed before the clock starts, so that
//! `perf stat` or callgrind counts over a few rounds are dominated by tokenization.
//! `tokenize_corpus dump FILE` prints every token with its kind, flags, norm and shape, and
//! every sentence, paragraph and quotation, so that two builds can be compared with `cmp`.
#![allow(missing_docs)]

use std::io::Write;
use std::time::Instant;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, path, rounds) = match args.as_slice() {
        [mode, path] => (mode.as_str(), path, 1),
        [mode, path, rounds] => match rounds.parse::<usize>() {
            Ok(rounds) => (mode.as_str(), path, rounds),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };
    let Some(texts) = read_texts(path) else {
        eprintln!("cannot read JSON Lines texts from {path}");
        return std::process::ExitCode::FAILURE;
    };
    match mode {
        "time" => time(&texts, rounds),
        "dump" => dump(&texts),
        _ => return usage(),
    }
    std::process::ExitCode::SUCCESS
}

fn read_texts(path: &str) -> Option<Vec<String>> {
    let data = std::fs::read_to_string(path).ok()?;
    let texts: Vec<String> = data
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value.get("text")?.as_str().map(str::to_string))
        .collect();
    (!texts.is_empty()).then_some(texts)
}

fn time(texts: &[String], rounds: usize) {
    let bytes: usize = texts.iter().map(String::len).sum();
    let started = Instant::now();
    let mut tokens = 0;
    for _ in 0..rounds {
        for text in texts {
            tokens += sayso_tokenize::tokenize(text).tokens().len();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = (bytes * rounds) as f64 / 1e6;
    println!(
        "{rounds} rounds of {bytes} bytes, {tokens} tokens: {seconds:.3} s, {:.1} MB/s",
        megabytes / seconds
    );
}

fn dump(texts: &[String]) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for text in texts {
        let doc = sayso_tokenize::tokenize(text);
        for (index, token) in doc.tokens().iter().enumerate() {
            let _ = writeln!(
                out,
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                token.span,
                doc.token_text(index),
                token.kind,
                token.flags,
                doc.norm(index),
                doc.shape(index)
            );
        }
        let _ = writeln!(out, "sentences {:?}", doc.sentences());
        let _ = writeln!(out, "paragraphs {:?}", doc.paragraphs());
        let _ = writeln!(out, "quotations {:?}", doc.quotations());
    }
}

fn usage() -> std::process::ExitCode {
    eprintln!("usage: tokenize_corpus time FILE [ROUNDS] | tokenize_corpus dump FILE");
    std::process::ExitCode::from(2)
}
