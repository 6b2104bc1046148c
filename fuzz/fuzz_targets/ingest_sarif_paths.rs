//! Fuzz target `ingest_sarif_paths`: raw bytes → `secfw_ingest::fuzz::run(Target::SarifPaths, ..)`, the function the
//! stable replay `crates/secfw-ingest/tests/fuzz_corpus.rs` also calls. It fails on a panic or a
//! broken property (a rejection without an `IN` diagnostic, a malformed finding, a field over
//! its budget, a merged ledger that does not render and re-parse, the streaming and in-memory SARIF paths disagreeing)).
#![no_main]

use libfuzzer_sys::fuzz_target;
use secfw_ingest::fuzz::{Target, run};

fuzz_target!(|data: &[u8]| {
    if let Err(problem) = run(Target::SarifPaths, data) {
        panic!("{problem}");
    }
});
