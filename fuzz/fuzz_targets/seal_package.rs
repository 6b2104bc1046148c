//! Fuzz target `seal_package`: raw bytes → `secfw_workgen::fuzz_seal::run(SealTarget::Package, ..)`. Any
//! outcome (accepted or refused) is fine; a panic, a hang or a crash is a bug. The corpus is
//! replayed on stable by `crates/secfw-seal/tests/fuzz_corpus.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secfw_workgen::fuzz_seal::{SealTarget, run};

fuzz_target!(|data: &[u8]| {
    let _ = run(SealTarget::Package, data);
});
