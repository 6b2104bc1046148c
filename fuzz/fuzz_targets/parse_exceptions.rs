//! Fuzz target `parse_exceptions`: raw bytes → `source::decode` → the parser. Must never panic, and every
//! diagnostic must be located.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secfw_workgen::fuzz::{Target, location_problem, run};

fuzz_target!(|data: &[u8]| {
    for d in run(Target::Exceptions, data) {
        if let Some(problem) = location_problem(&d, data) {
            panic!("{problem}");
        }
    }
});
