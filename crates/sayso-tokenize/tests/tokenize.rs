//! Integration tests of sayso-tokenize: fixtures with snapshots, the seed article, edge cases
//! and property tests.
#![allow(missing_docs)]

mod tokenize {
    pub mod edges;
    pub mod features;
    pub mod fixtures;
    pub mod invariants;
    pub mod properties;
    pub mod render;
    pub mod seed;
}
