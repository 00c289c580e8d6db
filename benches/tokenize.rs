//! Tokenizer throughput, in bytes per second.
//!
//! Two inputs: the seed article repeated to about 1 MB, and, when the environment variable
//! `SAYSO_BENCH_CORPUS` names a JSON Lines file with a `"text"` field per line, the texts of
//! that corpus, each tokenized as its own document.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SEED: &str = include_str!("../tests/articles/seed.txt");

/// The seed article repeated, paragraph-separated, to about one megabyte.
fn seed_megabyte() -> String {
    let copies = (1 << 20) / SEED.len() + 1;
    let mut text = String::with_capacity(copies * (SEED.len() + 2));
    for _ in 0..copies {
        text.push_str(SEED);
        text.push_str("\n\n");
    }
    text
}

/// The `"text"` fields of the corpus named by `SAYSO_BENCH_CORPUS`, if it is set and readable.
fn corpus_texts() -> Option<Vec<String>> {
    let path = std::env::var_os("SAYSO_BENCH_CORPUS")?;
    let data = std::fs::read_to_string(&path)
        .map_err(|error| eprintln!("cannot read SAYSO_BENCH_CORPUS: {error}"))
        .ok()?;
    let texts: Vec<String> = data.lines().filter_map(text_field).collect();
    (!texts.is_empty()).then_some(texts)
}

/// The decoded value of the `"text"` string field of one JSON object, read without a JSON
/// library: the benchmark only needs the text, and a malformed line is skipped.
fn text_field(line: &str) -> Option<String> {
    let key = line.find("\"text\"")?;
    let rest = line[key + "\"text\"".len()..].trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let mut chars = rest.strip_prefix('"')?.chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let code = hex4(&mut chars)?;
                    let scalar = if (0xD800..0xDC00).contains(&code) {
                        // A surrogate pair: the low half follows as another \u escape.
                        let low = chars
                            .next()
                            .filter(|&c| c == '\\')
                            .and_then(|_| chars.next())
                            .filter(|&c| c == 'u')
                            .and_then(|_| hex4(&mut chars))?;
                        0x10000 + ((code - 0xD800) << 10) + (low.checked_sub(0xDC00)?)
                    } else {
                        code
                    };
                    out.push(char::from_u32(scalar).unwrap_or('\u{fffd}'));
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let digits: String = chars.take(4).collect();
    u32::from_str_radix(&digits, 16).ok()
}

fn tokenize(c: &mut Criterion) {
    let mut group = c.benchmark_group("tokenize");
    group.sample_size(20);

    group.throughput(Throughput::Bytes(SEED.len() as u64));
    group.bench_function("seed", |b| {
        b.iter(|| sayso_tokenize::tokenize(SEED).tokens().len())
    });

    let megabyte = seed_megabyte();
    group.throughput(Throughput::Bytes(megabyte.len() as u64));
    group.bench_function("seed_1mb", |b| {
        b.iter(|| sayso_tokenize::tokenize(&megabyte).tokens().len())
    });

    if let Some(texts) = corpus_texts() {
        let bytes: usize = texts.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("corpus", |b| {
            b.iter(|| {
                texts
                    .iter()
                    .map(|text| sayso_tokenize::tokenize(text).tokens().len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, tokenize);
criterion_main!(benches);
