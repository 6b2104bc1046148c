//! Helpers shared by the CLI integration tests: run the built `secfw` binary without colour.
#![allow(dead_code)] // each test binary uses a subset

use std::path::Path;
use std::process::{Command, Output};

/// Run `secfw ARGS` (no colour) and capture its output.
pub(crate) fn secfw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfw"))
        .args(["--color", "never"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run secfw")
}

/// stdout followed by stderr, as text.
pub(crate) fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A path as `&str` (test paths are UTF-8).
pub(crate) fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}
