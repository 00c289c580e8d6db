//! End-to-end tests of the `sayso` binary.
