//! Fuzz target `ingest_grype`: raw bytes → `secfw_ingest::fuzz::run(Target::Grype, ..)`, the function the
//! stable replay `crates/secfw-ingest/tests/fuzz_corpus.rs` also calls. It fails on a panic or a
//! broken property (a rejection without an `IN` diagnostic, a malformed finding, a field over
//! its budget, a merged ledger that does not render and re-parse)).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secfw_ingest::fuzz::{Target, run};

fuzz_target!(|data: &[u8]| {
    if let Err(problem) = run(Target::Grype, data) {
        panic!("{problem}");
    }
});
