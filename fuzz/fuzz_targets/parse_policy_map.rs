//! Fuzz target `parse_policy_map`: raw bytes → `source::decode` → the parser. It must never panic and
//! every diagnostic must name its file; with `SECFW_FUZZ_LOCATIONS=1` every diagnostic must also
//! carry a line and column inside the input (off by default because of known gaps, see
//! `crates/secfw-artifacts/tests/fuzz_corpus.rs`).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use secfw_workgen::fuzz::{Target, location_problem, run};

static LOCATIONS: LazyLock<bool> = LazyLock::new(|| std::env::var_os("SECFW_FUZZ_LOCATIONS").is_some_and(|v| v == "1"));

fuzz_target!(|data: &[u8]| {
    for d in run(Target::PolicyMap, data) {
        assert!(!d.file.is_empty(), "diagnostic without a file: {d}");
        if *LOCATIONS {
            if let Some(problem) = location_problem(&d, data) {
                panic!("{problem}");
            }
        }
    }
});
