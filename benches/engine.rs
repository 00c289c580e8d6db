//! Engine throughput with the shipped attribution pack, the pack's compile time, and how the
//! cost grows with the number of rules (10, 100 and 1,000 generated rules on the same text: the
//! seed megabyte, and the corpus when `SAYSO_BENCH_CORPUS` names one).
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sayso_benches::{
    attribution_pack, attribution_pack_path, corpus_texts, generated_rules, seed_megabyte,
};

fn run_all(rules: &sayso_engine::RuleSet, texts: &[String]) -> usize {
    texts
        .iter()
        .map(|text| rules.run(&sayso_tokenize::tokenize(text)).len())
        .sum()
}

fn pack_throughput(c: &mut Criterion) {
    let rules = attribution_pack();
    let mut group = c.benchmark_group("engine_pack");
    group.sample_size(10);
    let megabyte = vec![seed_megabyte()];
    group.throughput(Throughput::Bytes(megabyte[0].len() as u64));
    group.bench_function("seed_1mb", |b| b.iter(|| run_all(&rules, &megabyte)));
    if let Some(texts) = corpus_texts() {
        let bytes: usize = texts.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("corpus", |b| b.iter(|| run_all(&rules, &texts)));
    }
    group.finish();
}

fn pack_compile(c: &mut Criterion) {
    let path = attribution_pack_path();
    c.bench_function("compile_pack", |b| {
        b.iter(|| {
            let program = sayso_lang::compile(&[&path], &sayso_lang::FsLoader).unwrap();
            sayso_engine::RuleSet::new(program).unwrap()
        })
    });
}

fn rule_count_scaling(c: &mut Criterion) {
    scale_rules(c, "rule_count", &[seed_megabyte()]);
    // The corpus's many short documents: most generated rules need a word a document lacks.
    if let Some(texts) = corpus_texts() {
        scale_rules(c, "rule_count_corpus", &texts);
    }
}

/// 10, 100 and 1,000 generated rules over the same texts.
fn scale_rules(c: &mut Criterion, name: &str, texts: &[String]) {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Bytes(
        texts.iter().map(String::len).sum::<usize>() as u64,
    ));
    for count in [10, 100, 1000] {
        let source = generated_rules(count);
        let program = sayso_lang::compile_str("generated.sayso", &source)
            .unwrap_or_else(|diagnostics| panic!("generated rules do not compile:\n{diagnostics}"));
        let rules = sayso_engine::RuleSet::new(program).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(count), &rules, |b, rules| {
            b.iter(|| run_all(rules, texts))
        });
    }
    group.finish();
}

criterion_group!(benches, pack_throughput, pack_compile, rule_count_scaling);
criterion_main!(benches);
