//! Test support shared by the secfw crates' tests (not published).
//!
//! - [`repo_root`], [`corpora`]: where the repository and the vendored third-party test data
//!   (`testdata/`) are.
//! - [`python`]: the Python interpreter with the interop packages (securesystemslib,
//!   in-toto-attestation, check-jsonschema, compliance-trestle). In CI (`CI` set) a missing
//!   interpreter is a test failure, never a silent skip; locally the caller may skip.
#![forbid(unsafe_code)]

pub mod http;

use std::path::PathBuf;

/// The repository root (the directory holding the workspace `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// `testdata/<sub>`: the vendored third-party test files (provenance in `testdata/MANIFEST.json`).
pub fn corpora(sub: &str) -> PathBuf {
    repo_root().join("testdata").join(sub)
}

/// `true` when running in CI.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// The interop Python: `$SECFW_PYTHON`, else `<repo>/.venv/bin/python`.
///
/// Returns `None` locally when neither exists; panics in CI, where interop tests must run.
pub fn python() -> Option<PathBuf> {
    let found = std::env::var_os("SECFW_PYTHON")
        .map(PathBuf::from)
        .or_else(|| Some(repo_root().join(".venv/bin/python")))
        .filter(|p| p.exists());
    if found.is_none() {
        assert!(!in_ci(), "interop tests need SECFW_PYTHON or .venv (bash .ci/run creates it)");
    }
    found
}

/// A command-line tool on PATH (e.g. `ssh-keygen`, `openssl`, `chromium`); `None` locally when
/// missing, a panic in CI.
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let found = std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file());
    if found.is_none() {
        assert!(!in_ci(), "interop tests need `{name}` on PATH (bash .ci/run installs it)");
    }
    found
}

/// `node_modules` with `@sigstore/verify` and `@sigstore/bundle` (installed by `.ci/run` into
/// `.ci/node/node_modules`, or `$SECFW_NODE_MODULES`), and the `node` binary. `None` locally when
/// missing; a panic in CI.
pub fn sigstore_js() -> Option<(PathBuf, PathBuf)> {
    let modules = std::env::var_os("SECFW_NODE_MODULES")
        .map(PathBuf::from)
        .or_else(|| Some(repo_root().join(".ci/node/node_modules")))
        .filter(|p| p.join("@sigstore/verify").is_dir());
    let node = tool("node");
    if modules.is_none() {
        assert!(!in_ci(), "interop tests need @sigstore/verify in .ci/node (bash .ci/run installs it)");
    }
    Some((node?, modules?))
}
