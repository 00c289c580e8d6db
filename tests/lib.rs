//! End-to-end and snapshot tests for sayso live in this package's test targets.
