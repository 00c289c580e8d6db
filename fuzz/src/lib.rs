//! Shared code of the fuzz targets: the target bodies and the invariants they check live with the
//! regression tests (tests/reliability), so a finding replays there as a normal test.
#![forbid(unsafe_code)]
#![allow(dead_code)]

#[path = "../../tests/reliability/invariants.rs"]
pub mod invariants;

#[path = "../../tests/reliability/generate.rs"]
pub mod generate;

#[path = "../../tests/reliability/targets.rs"]
pub mod targets;
