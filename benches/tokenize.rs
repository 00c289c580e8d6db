//! Tokenizer throughput.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn tokenize(c: &mut Criterion) {
    let text = include_str!("../tests/articles/seed.txt");
    let mut group = c.benchmark_group("tokenize");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("seed", |b| {
        b.iter(|| sayso_tokenize::tokenize(text).tokens().len())
    });
    group.finish();
}

criterion_group!(benches, tokenize);
criterion_main!(benches);
