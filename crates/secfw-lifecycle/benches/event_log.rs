//! Event log benchmarks.
#![allow(missing_docs)]
fn main() {}
