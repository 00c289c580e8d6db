//! Tokenizer throughput, in bytes per second.
//!
//! Two inputs: the seed article repeated to about 1 MB, and, when the environment variable
//! `SAYSO_BENCH_CORPUS` names a JSON Lines file with a `"text"` field per line, the texts of
//! that corpus, each tokenized as its own document.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sayso_benches::{SEED, corpus_texts, seed_megabyte};

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
