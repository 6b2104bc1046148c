//! Probes, at build time, for the third-party tools the interop tests run, so that a test whose
//! tool is missing is compiled with `#[ignore = "<reason>"]` (visible in `cargo test`'s summary)
//! instead of passing without having run. In CI (`CI` set) every tool counts as present: the test
//! then runs and fails with a message naming the missing tool.
//!
//! Emits one `secfw_have_<tool>` cfg per tool found. `scripts/interop-tools` installs the tools
//! and touches this file so the probe runs again.

#![allow(clippy::disallowed_macros)] // a build script talks to cargo on stdout

use std::env;
use std::path::{Path, PathBuf};

const TOOLS: [&str; 9] =
    ["python", "ssh_keygen", "openssl", "chromium", "node", "sigstore_js", "cargo_deny", "cargo_audit", "semgrep"];

fn on_path(name: &str) -> bool {
    env::var_os("PATH").is_some_and(|p| env::split_paths(&p).any(|d| d.join(name).is_file()))
}

fn main() {
    for v in ["PATH", "CI", "SECFW_PYTHON", "SECFW_NODE_MODULES", "SECFW_SEMGREP"] {
        println!("cargo:rerun-if-env-changed={v}");
    }
    println!("cargo:rerun-if-changed=build.rs");
    for t in TOOLS {
        println!("cargo:rustc-check-cfg=cfg(secfw_have_{t})");
    }
    let repo = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("../..");
    let ci = env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    let python = env::var_os("SECFW_PYTHON").map_or_else(|| repo.join(".venv/bin/python"), PathBuf::from);
    let semgrep = env::var_os("SECFW_SEMGREP").map_or_else(|| repo.join(".venv-semgrep/bin/semgrep"), PathBuf::from);
    let modules = env::var_os("SECFW_NODE_MODULES").map_or_else(|| repo.join(".ci/node/node_modules"), PathBuf::from);
    let exists = |p: &Path| p.exists();
    for (tool, found) in [
        ("python", exists(&python)),
        ("ssh_keygen", on_path("ssh-keygen")),
        ("openssl", on_path("openssl")),
        ("chromium", on_path("chromium")),
        ("node", on_path("node")),
        ("sigstore_js", on_path("node") && exists(&modules.join("@sigstore/verify"))),
        ("cargo_deny", on_path("cargo-deny") && on_path("git")),
        ("cargo_audit", on_path("cargo-audit")),
        // Semgrep has a venv of its own (.ci/requirements-semgrep.txt), or $SECFW_SEMGREP.
        ("semgrep", semgrep.is_file() && on_path("git")),
    ] {
        if ci || found {
            println!("cargo:rustc-cfg=secfw_have_{tool}");
        }
    }
}
