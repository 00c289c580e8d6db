//! Reliability: the invariants every input keeps, replays of every fuzzer finding, property
//! tests, step counts that must grow linearly on hostile input, and limits that end in a
//! diagnostic instead of exhaustion.

mod complexity;
mod fixtures;
mod generate;
mod invariants;
mod limits;
mod programs;
mod properties;
mod targets;
