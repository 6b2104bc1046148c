//! Test support shared by the secfw crates' tests (not published).
//!
//! - [`repo_root`], [`corpora`]: where the repository and the vendored third-party test data
//!   (`testdata/`) are.
//! - [`python`]: the Python interpreter with the interop packages (securesystemslib,
//!   in-toto-attestation, check-jsonschema, compliance-trestle). In CI (`CI` set) a missing
//!   interpreter is a test failure, never a silent skip.
//! - [`http`]: a scripted HTTP server on 127.0.0.1 for webhook tests.
//! - [`interop_test!`]: a test that needs third-party tools. Where a tool was not found when this
//!   crate was built, the test is compiled as `#[ignore = "<which tool, how to install it>"]`, so
//!   `cargo test` counts it as ignored and prints the reason; it never passes without running. In
//!   CI (`CI` set) no test is ignored: a missing tool fails the test.
#![forbid(unsafe_code)]

pub mod http;

use std::path::PathBuf;

/// The repository root (the directory holding the workspace `Cargo.toml`).
///
/// Taken from `CARGO_MANIFEST_DIR` at run time (cargo sets it to the crate under test, which
/// lives in `crates/<name>/`), falling back to this crate's compile-time directory. The
/// compile-time path alone is wrong when several checkouts share one `CARGO_TARGET_DIR`:
/// cargo reuses this library compiled in another checkout, and tests then read that
/// checkout's files.
pub fn repo_root() -> PathBuf {
    let crate_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    crate_dir.join("../..").canonicalize().expect("repository root")
}

/// `testdata/<sub>`: the vendored third-party test files (provenance in `testdata/MANIFEST.json`).
pub fn corpora(sub: &str) -> PathBuf {
    repo_root().join("testdata").join(sub)
}

/// `git -C dir ARGS` with a test identity, no signing and fixed author/committer dates (so
/// commits are the same on every run); it must succeed. Returns its trimmed standard output.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=secfw-test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2026-11-24T08:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-24T08:00:00Z")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
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

/// Semgrep: `$SECFW_SEMGREP`, else `.venv-semgrep/bin/semgrep` in the repository (installed by
/// `scripts/interop-tools` from `.ci/requirements-semgrep.txt`, a venv of its own because its
/// pinned dependencies conflict with check-jsonschema's). `None` locally when missing; a panic in CI.
pub fn semgrep() -> Option<PathBuf> {
    let path =
        std::env::var_os("SECFW_SEMGREP").map_or_else(|| repo_root().join(".venv-semgrep/bin/semgrep"), PathBuf::from);
    let found = Some(path).filter(|p| p.is_file());
    if found.is_none() {
        assert!(!in_ci(), "interop tests need semgrep (scripts/interop-tools installs .venv-semgrep)");
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

/// Declares a `#[test]` that runs third-party tools (interop with verifiers, validators, a
/// browser). The tools are named first, from `python` (the interop venv: securesystemslib,
/// in-toto-attestation, check-jsonschema, compliance-trestle, cryptography), `ssh_keygen`,
/// `openssl`, `chromium`, `node`, `sigstore_js` (node with `@sigstore/verify`), `cargo_deny`
/// (`cargo-deny` and `git`), `cargo_audit` (`cargo-audit`) and `semgrep` (the venv's semgrep, and `git`):
///
/// ```ignore
/// secfw_testkit::interop_test! { [python, ssh_keygen]
///     /// Docs and other attributes go here.
///     fn third_party_verifies_it() { let py = secfw_testkit::python().unwrap(); /* ... */ }
/// }
/// ```
///
/// When this crate's build script did not find a tool (and `CI` is not set), the test carries
/// `#[ignore]` with the reason and the install command (`scripts/interop-tools`).
#[macro_export]
macro_rules! interop_test {
    (@go [$($a:tt)*] [] $(#[$m:meta])* fn $name:ident() $body:block) => {
        #[test] $($a)* $(#[$m])* fn $name() $body
    };
    (@go $a:tt [$tool:ident $(, $rest:ident)*] $($item:tt)*) => {
        $crate::__interop_need!($tool $a [$($rest),*] $($item)*);
    };
    ([$($tool:ident),+ $(,)?] $($item:tt)*) => {
        $crate::interop_test!(@go [] [$($tool),+] $($item)*);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __interop_need {
    (python $($r:tt)*) => { $crate::__need_python!($($r)*); };
    (ssh_keygen $($r:tt)*) => { $crate::__need_ssh_keygen!($($r)*); };
    (openssl $($r:tt)*) => { $crate::__need_openssl!($($r)*); };
    (chromium $($r:tt)*) => { $crate::__need_chromium!($($r)*); };
    (node $($r:tt)*) => { $crate::__need_node!($($r)*); };
    (sigstore_js $($r:tt)*) => { $crate::__need_sigstore_js!($($r)*); };
    (cargo_deny $($r:tt)*) => { $crate::__need_cargo_deny!($($r)*); };
    (cargo_audit $($r:tt)*) => { $crate::__need_cargo_audit!($($r)*); };
    (semgrep $($r:tt)*) => { $crate::__need_semgrep!($($r)*); };
}

// One pair of macros per tool: the found variant goes on to the next tool, the missing one adds
// `#[ignore = reason]` and stops (one reason per test).

#[cfg(secfw_have_python)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_python {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_python))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_python {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs the interop Python venv (securesystemslib, in-toto-attestation, check-jsonschema, compliance-trestle): run scripts/interop-tools"]] [] $($item)*);
    };
}
#[cfg(secfw_have_ssh_keygen)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_ssh_keygen {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_ssh_keygen))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_ssh_keygen {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs `ssh-keygen` on PATH (Debian: openssh-client): run scripts/interop-tools"]] [] $($item)*);
    };
}
#[cfg(secfw_have_openssl)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_openssl {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_openssl))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_openssl {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs `openssl` (>= 3.0) on PATH: run scripts/interop-tools"]] [] $($item)*);
    };
}
#[cfg(secfw_have_chromium)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_chromium {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_chromium))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_chromium {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs `chromium` on PATH (Debian: chromium): run scripts/interop-tools"]] [] $($item)*);
    };
}
#[cfg(secfw_have_node)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_node {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_node))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_node {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs `node` on PATH: run scripts/interop-tools"]] [] $($item)*);
    };
}
#[cfg(secfw_have_sigstore_js)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_sigstore_js {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_sigstore_js))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_sigstore_js {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs node with @sigstore/verify in .ci/node/node_modules: run scripts/interop-tools"]] [] $($item)*);
    };
}
#[cfg(secfw_have_cargo_deny)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_cargo_deny {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_cargo_deny))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_cargo_deny {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs `cargo-deny` and `git` on PATH (cargo install cargo-deny --locked)"]] [] $($item)*);
    };
}
#[cfg(secfw_have_cargo_audit)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_cargo_audit {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_cargo_audit))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_cargo_audit {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs `cargo-audit` on PATH (cargo install cargo-audit --version 0.22.2 --locked): run scripts/interop-tools"]] [] $($item)*);
    };
}

#[cfg(secfw_have_semgrep)]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_semgrep {
    ($a:tt $rest:tt $($item:tt)*) => { $crate::interop_test!(@go $a $rest $($item)*); };
}
#[cfg(not(secfw_have_semgrep))]
#[doc(hidden)]
#[macro_export]
macro_rules! __need_semgrep {
    ([$($a:tt)*] $rest:tt $($item:tt)*) => {
        $crate::interop_test!(@go [$($a)* #[ignore = "needs semgrep in .venv-semgrep (or $SECFW_SEMGREP) and `git`: run scripts/interop-tools"]] [] $($item)*);
    };
}
