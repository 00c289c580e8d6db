//! Criterion benchmarks for sayso live in this package's bench targets.
