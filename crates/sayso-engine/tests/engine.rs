//! The engine's tests: IR fixtures with snapshots, a reference backtracking matcher that the
//! Pike VM must agree with on random patterns, linearity of the step counts, the segments a
//! rule skips where it would lose, what a thread keeps between documents, and the equivalence
//! of the plain and optimized simulations.

mod engine {
    pub mod caches;
    pub mod conformance;
    pub mod fixtures;
    pub mod generated;
    pub mod ir_text;
    pub mod limits;
    pub mod linear;
    pub mod outranked;
    pub mod reference;
    pub mod render;
    pub mod seed;
}
