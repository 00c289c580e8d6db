//! The `sayso` command line.
#![forbid(unsafe_code)]

fn main() {}
