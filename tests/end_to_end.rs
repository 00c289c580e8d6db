//! End-to-end tests of sayso: the crate graph and the `sayso` binary.

mod architecture;
mod cli;
mod language_docs;
mod pack;
mod reliability;
