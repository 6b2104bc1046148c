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

/// Run `secfw ARGS` (no colour, no `SECFW_TRUST` from the environment): (exit code, stdout,
/// stderr).
pub(crate) fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_secfw"))
        .env("NO_COLOR", "1")
        .env_remove("SECFW_TRUST")
        .args(args)
        .output()
        .expect("run secfw");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// [`run`] with the workspace directory as the last argument.
pub(crate) fn run_in(args: &[&str], dir: &Path) -> (i32, String, String) {
    let mut all = args.to_vec();
    all.push(s(dir));
    run(&all)
}

/// A copy of the example workspace's artifacts (no git, no seal) in a temporary directory.
pub(crate) fn example_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("temp dir");
    let from = secfw_testkit::repo_root().join("examples/acme");
    for name in
        ["rulebook.yaml", "inventory.yaml", "sec_findings.yaml", "policy_map.md", "exceptions.md", "security_spec.md"]
    {
        std::fs::copy(from.join(name), d.path().join(name)).expect("copy the example");
    }
    d
}

/// The example's evaluation time.
pub(crate) fn example_now() -> chrono::DateTime<chrono::Utc> {
    secfw::artifacts::template::EXAMPLE_NOW.parse().expect("EXAMPLE_NOW")
}

/// The test signing key number `n` (a fixed seed).
pub(crate) fn key(n: u8) -> secfw::seal::SigningKey {
    secfw::seal::SigningKey::from_seed([n; 32]).expect("seed")
}

pub(crate) use secfw_testkit::git;

/// Seal the workspace `ws` at `now` (preparer key 1, approver key 2; with its git binding when
/// `with_git`) and package it; the trust policy, as a signed chain (root key 9), is written to
/// `trust` (outside the workspace). Returns the package.
pub(crate) fn seal_and_package(
    ws: &Path,
    now: chrono::DateTime<chrono::Utc>,
    with_git: bool,
    trust: &Path,
) -> std::path::PathBuf {
    use secfw::seal::VerifyOptions;
    use secfw::seal::{GenerateOptions, GitMode, SignOptions};
    use secfw::seal::{SigningRole, TrustPolicy};
    let mut tp = TrustPolicy::new(now + chrono::Duration::days(365));
    tp.add_key(SigningRole::PreparedBy, key(1).public(), "preparer").unwrap();
    tp.add_key(SigningRole::ApprovedBy, key(2).public(), "approver").unwrap();
    let mut go = GenerateOptions::new(now);
    if !with_git {
        go = go.git(GitMode::None);
    }
    secfw::seal::generate_manifest(ws, &go).unwrap();
    let m = ws.join("handoff_manifest.yaml");
    let vo = VerifyOptions::new(now).require_git(with_git);
    secfw::seal::sign_manifest(&m, &tp, &key(1), &SignOptions::new("preparer", vo.clone())).unwrap();
    secfw::seal::sign_manifest(&m, &tp, &key(2), &SignOptions::new("approver", vo.clone())).unwrap();
    let pkg = secfw::seal::package(ws, &tp, &vo).unwrap().path;
    let mut p = tp;
    p.add_root_key(key(9).public(), "root").unwrap();
    p.version = 1;
    let mut chain = secfw::seal::TrustChain::new(p).unwrap();
    chain.sign(&key(9)).unwrap();
    std::fs::write(trust, chain.to_json()).unwrap();
    pkg
}

/// The example workspace committed, sealed and packaged at the example's time; a signed trust
/// chain outside it. Returns (temp dir, workspace, trust policy, package).
pub(crate) fn packaged() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("ws");
    secfw::artifacts::template::write_example(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "artifacts"]);
    let trust = t.path().join("secfw-trust.json");
    let pkg = seal_and_package(&dir, example_now(), true, &trust);
    (t, dir, trust, pkg)
}
