//! Test support shared by the lifecycle integration tests: a sealed, packaged copy of the
//! example workspace with its trust policy as a signed chain, and ledger edits.
#![allow(dead_code)] // each test binary uses a subset

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use secfw_seal::VerifyOptions;
use secfw_seal::{GenerateOptions, SignOptions, SigningKey, generate_manifest, sign_manifest};
use secfw_seal::{SigningRole, TrustPolicy};

pub(crate) fn now() -> DateTime<Utc> {
    secfw_artifacts::template::EXAMPLE_NOW.parse::<DateTime<Utc>>().unwrap()
}

pub(crate) fn key(n: u8) -> SigningKey {
    SigningKey::from_seed([n; 32]).unwrap()
}

pub(crate) use secfw_testkit::git;

/// The example workspace, committed, sealed (preparer + one approver) and packaged; the trust
/// policy is a signed chain written outside the workspace.
pub(crate) fn packaged() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    packaged_with(|_| {})
}

/// [`packaged`] with `edit` applied to the workspace before it is committed and sealed.
pub(crate) fn packaged_with(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("ws");
    let (trust, pkg) = seal_and_package(t.path(), &dir, edit);
    (t, dir, trust, pkg)
}

/// Write the example workspace at `dir`, apply `edit`, commit, seal and package it; the trust
/// policy (the same keys for every call) is written into `outside`. Returns (trust, package).
pub(crate) fn seal_and_package(outside: &Path, dir: &Path, edit: impl FnOnce(&Path)) -> (PathBuf, PathBuf) {
    secfw_artifacts::template::write_example(dir).unwrap();
    edit(dir);
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "artifacts"]);
    let mut tp = TrustPolicy::new(now() + Duration::days(365));
    tp.add_key(SigningRole::PreparedBy, key(1).public(), "preparer").unwrap();
    tp.add_key(SigningRole::ApprovedBy, key(2).public(), "approver").unwrap();
    generate_manifest(dir, &GenerateOptions::new(now())).unwrap();
    let m = dir.join("handoff_manifest.yaml");
    sign_manifest(&m, &tp, &key(1), &SignOptions::new("preparer", VerifyOptions::new(now()))).unwrap();
    sign_manifest(&m, &tp, &key(2), &SignOptions::new("approver", VerifyOptions::new(now()))).unwrap();
    let info = secfw_seal::package(dir, &tp, &VerifyOptions::new(now())).unwrap();
    // The trust policy as a signed chain (root key 9), outside the workspace.
    let mut p = tp.clone();
    p.add_root_key(key(9).public(), "root").unwrap();
    p.version = 1;
    let mut chain = secfw_seal::TrustChain::new(p).unwrap();
    chain.sign(&key(9)).unwrap();
    std::fs::create_dir_all(outside).unwrap();
    let trust = outside.join("secfw-trust.json");
    std::fs::write(&trust, chain.to_json()).unwrap();
    (trust, info.path)
}

/// A signed trust chain over keys the handoff was not signed with.
pub(crate) fn other_trust(outside: &Path) -> PathBuf {
    let mut other = TrustPolicy::new(now() + Duration::days(365));
    other.add_key(SigningRole::PreparedBy, key(5).public(), "x").unwrap();
    other.add_key(SigningRole::ApprovedBy, key(6).public(), "y").unwrap();
    other.add_root_key(key(9).public(), "root").unwrap();
    other.version = 1;
    let mut chain = secfw_seal::TrustChain::new(other).unwrap();
    chain.sign(&key(9)).unwrap();
    let p = outside.join("other-trust.json");
    std::fs::write(&p, chain.to_json()).unwrap();
    p
}

pub(crate) const NEW_FINDING: &str = r#"  - finding_id: SF-0100
    severity: high
    category: vulnerability
    title: "Server-side request forgery in webhook preview"
    description: "introduced by the second commit"
    affected_resources:
      - resource_id: merchant-dashboard
        resource_type: web-application
        location: "merchant-dashboard/src/server/routes/webhooks.ts"
    remediation:
      recommended_action: "validate the URL against an allow-list"
      priority: P1
      deadline: "2026-12-20"
    governance:
      tags: [auth]
      compliance_standards: [SOC2]
      policy_refs: [POL-005]
    first_seen: "2026-11-24T10:00:00Z"
    fingerprint: "secfw/v1:1111111111111111111111111111111111111111111111111111111111111111"
"#;

/// Add [`NEW_FINDING`] (SF-0100, high) to the ledger.
pub(crate) fn add_finding(dir: &Path) {
    let p = dir.join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let (head, tail) = text.split_once("\nscans:").unwrap();
    std::fs::write(&p, format!("{head}\n{NEW_FINDING}scans:{tail}")).unwrap();
}

/// Replace the first `from` in the workspace file `name` (which must contain it).
pub(crate) fn edit(dir: &Path, name: &str, from: &str, to: &str) {
    let p = dir.join(name);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{name} has no `{from}`");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

/// A failed scan recorded after the example's seal time.
pub(crate) fn add_failed_scan(dir: &Path) {
    let failed = "  - scan_id: scan-after-baseline\n    tool: trivy\n    targets: [payments-api]\n    started_at: \"2026-11-24T13:00:00Z\"\n    status: failure\n    error: \"timeout\"\n";
    edit(dir, "sec_findings.yaml", "\nscans:\n", &format!("\nscans:\n{failed}"));
}

/// Record a scan since the baseline that succeeded but skipped an item of its report: the
/// ledger's `incomplete:` says in which class.
pub(crate) fn add_incomplete_scan(dir: &Path) {
    let partial = "  - scan_id: scan-partial-after-baseline\n    tool: trivy\n    targets: [payments-api]\n    started_at: \"2026-11-24T13:00:00Z\"\n    status: success\n    incomplete:\n      vulnerability: \"the item at /Results/0/Vulnerabilities/3 was skipped\"\n";
    edit(dir, "sec_findings.yaml", "\nscans:\n", &format!("\nscans:\n{partial}"));
}

/// A fresh example workspace in `out/workspace` with two signing keys (preparer, approver) and
/// a signed trust policy in `out`; cycle options that use them (no git).
pub(crate) fn cycle_setup(out: &Path) -> (PathBuf, secfw_lifecycle::CycleOptions) {
    let now = now();
    let ws = out.join("workspace");
    secfw_artifacts::template::write_example(&ws).unwrap();
    let key_dir = out.join("keys");
    let mut trust = TrustPolicy::new(now + Duration::days(365));
    let root = key(9);
    trust.add_root_key(root.public(), "root@example.org").unwrap();
    let mut keys = Vec::new();
    for (i, (identity, role)) in
        [("lead@example.org", SigningRole::PreparedBy), ("ciso@example.org", SigningRole::ApprovedBy)]
            .into_iter()
            .enumerate()
    {
        let k = key(u8::try_from(i).unwrap() + 1);
        let files = secfw_seal::write_key_files(&key_dir, identity, &k).unwrap();
        trust.add_key(role, k.public(), identity).unwrap();
        keys.extend(files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "key")));
    }
    trust.version = 1;
    let mut chain = secfw_seal::TrustChain::new(trust).unwrap();
    chain.sign(&root).unwrap();
    let trust_path = out.join("trust.json");
    std::fs::write(&trust_path, chain.to_json()).unwrap();
    let mut opts = secfw_lifecycle::CycleOptions::new("test", now);
    opts.trust = Some(trust_path);
    opts.keys = keys;
    opts.git = false;
    (ws, opts)
}
