//! The baseline gate on a real sealed package of the example workspace: it fails only on what
//! changed, refuses a baseline that does not verify, and fails closed on an unknown scope.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use secfw_lifecycle::{BaselineOptions, BaselineState, gate_new};
use secfw_seal::VerifyOptions;
use secfw_seal::{GenerateOptions, SignOptions, SigningKey, generate_manifest, sign_manifest};
use secfw_seal::{SigningRole, TrustPolicy};

fn now() -> DateTime<Utc> {
    secfw_artifacts::template::EXAMPLE_NOW.parse::<DateTime<Utc>>().unwrap()
}

fn key(n: u8) -> SigningKey {
    SigningKey::from_seed([n; 32]).unwrap()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=secfw-test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The example workspace, committed, sealed (preparer + one approver) and packaged; the trust
/// policy is a signed chain written outside the workspace.
fn packaged() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("ws");
    secfw_artifacts::template::write_example(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "artifacts"]);
    let mut tp = TrustPolicy::new(now() + Duration::days(365));
    tp.add_key(SigningRole::PreparedBy, key(1).public(), "preparer").unwrap();
    tp.add_key(SigningRole::ApprovedBy, key(2).public(), "approver").unwrap();
    generate_manifest(&dir, &GenerateOptions::new(now())).unwrap();
    let m = dir.join("handoff_manifest.yaml");
    sign_manifest(&m, &tp, &key(1), &SignOptions::new("preparer", VerifyOptions::new(now()))).unwrap();
    sign_manifest(&m, &tp, &key(2), &SignOptions::new("approver", VerifyOptions::new(now()))).unwrap();
    let info = secfw_seal::package(&dir, &tp, &VerifyOptions::new(now())).unwrap();
    // The trust policy as a signed chain (root key 9), outside the workspace.
    let mut p = tp.clone();
    p.add_root_key(key(9).public(), "root").unwrap();
    p.version = 1;
    let mut chain = secfw_seal::TrustChain::new(p).unwrap();
    chain.sign(&key(9)).unwrap();
    let trust = t.path().join("secfw-trust.json");
    std::fs::write(&trust, chain.to_json()).unwrap();
    (t, dir, trust, info.path)
}

fn opts(trust: &Path) -> BaselineOptions {
    let mut o = BaselineOptions::new(now() + Duration::days(1));
    o.trust = Some(trust.to_owned());
    o
}

const NEW_FINDING: &str = r#"  - finding_id: SF-0100
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

fn add_finding(dir: &Path) {
    let p = dir.join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let (head, tail) = text.split_once("\nscans:").unwrap();
    std::fs::write(&p, format!("{head}\n{NEW_FINDING}scans:{tail}")).unwrap();
}

#[test]
fn an_unchanged_workspace_passes_and_a_new_finding_alone_fails() {
    let (_t, dir, trust, pkg) = packaged();
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    let failing: Vec<_> = r.findings.iter().filter(|f| f.fails).collect();
    // Only what the rulebook never baselines may fail an unchanged workspace.
    assert!(failing.iter().all(|f| f.reason.contains("never baselined")), "{failing:#?}");
    assert_eq!((r.counts.new, r.counts.updated, r.counts.absent), (0, 0, 0), "excepted findings are not absent");
    assert!(r.ratchet.iter().all(|d| d.holds), "{:#?}", r.ratchet);
    let baseline_failures = failing.len();
    let b = r.baseline.as_ref().unwrap();
    assert_eq!(b.sequence, 1);
    assert_eq!(PathBuf::from(&b.source), pkg, "the default baseline is the newest package");

    add_finding(&dir);
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    assert!(!r.passed);
    assert_eq!(r.counts.new, 1);
    let f = r.findings.iter().find(|f| f.finding_id == "SF-0100").unwrap();
    assert_eq!((f.state, f.fails), (BaselineState::New, true));
    assert_eq!(r.findings.iter().filter(|f| f.fails).count(), baseline_failures + 1, "nothing else fails");
    let high = r.ratchet.iter().find(|d| d.dimension == "high").unwrap();
    assert!(!high.holds && high.current == high.baseline.map(|b| b + 1.0), "{high:?}");
    assert!(r.diagnostics.iter().any(|d| d.code.as_str() == "LC0304" && d.message.contains("`high`")));
    assert_eq!(r.state_of("SF-0100"), Some(BaselineState::New));
}

#[test]
fn a_raised_severity_is_worse_and_a_failed_scan_fails_closed() {
    let (_t, dir, trust, _) = packaged();
    let p = dir.join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    // SF-0011 is an open medium in the example; make it high.
    let at = text.find("- finding_id: SF-0011\n    severity: medium").unwrap();
    let mut t2 = text.clone();
    t2.replace_range(
        at..at + "- finding_id: SF-0011\n    severity: medium".len(),
        "- finding_id: SF-0011\n    severity: high",
    );
    std::fs::write(&p, &t2).unwrap();
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    let f = r.findings.iter().find(|f| f.finding_id == "SF-0011").unwrap();
    assert_eq!(f.state, BaselineState::Updated);
    assert!(f.fails && f.reason.contains("severity raised from medium to high"), "{f:?}");

    // A scan since the baseline that failed: its scope is unknown.
    std::fs::write(&p, &text).unwrap();
    let failed = "  - scan_id: scan-after-baseline\n    tool: trivy\n    targets: [payments-api]\n    started_at: \"2026-11-24T13:00:00Z\"\n    status: failure\n    error: \"timeout\"\n";
    let t3 = text.replacen("\nscans:\n", &format!("\nscans:\n{failed}"), 1);
    assert_ne!(t3, text);
    std::fs::write(&p, t3).unwrap();
    let r = gate_new(&dir, &opts(&trust)).unwrap();
    assert!(!r.passed);
    assert_eq!(r.unknown_scope.len(), 1, "{:?}", r.unknown_scope);
    assert!(r.diagnostics.iter().any(|d| d.code.as_str() == "LC0303"));
}

#[test]
fn a_baseline_that_does_not_verify_is_refused() {
    let (t, dir, trust, pkg) = packaged();
    // No trust policy.
    let mut o = opts(&trust);
    o.trust = None;
    assert!(matches!(gate_new(&dir, &o), Err(secfw_lifecycle::Error::Baseline { .. })));
    // A different trust policy (the keys that signed are not trusted).
    let mut other = TrustPolicy::new(now() + Duration::days(365));
    other.add_key(SigningRole::PreparedBy, key(5).public(), "x").unwrap();
    other.add_key(SigningRole::ApprovedBy, key(6).public(), "y").unwrap();
    other.add_root_key(key(9).public(), "root").unwrap();
    other.version = 1;
    let mut chain = secfw_seal::TrustChain::new(other).unwrap();
    chain.sign(&key(9)).unwrap();
    let bad_trust = t.path().join("other-trust.json");
    std::fs::write(&bad_trust, chain.to_json()).unwrap();
    let e = gate_new(&dir, &opts(&bad_trust)).unwrap_err();
    let secfw_lifecycle::Error::Baseline { problems } = e else { panic!("{e}") };
    assert_eq!(problems[0].code.as_str(), "LC0301");
    // A tampered package: one byte of the sealed ledger changed inside the archive.
    let mut bytes = std::fs::read(&pkg).unwrap();
    let at = bytes.windows(9).position(|w| w == b"SF-0011\n ").unwrap();
    bytes[at + 6] = b'2';
    let forged = t.path().join("forged.tar");
    std::fs::write(&forged, bytes).unwrap();
    let mut o = opts(&trust);
    o.baseline = Some(forged);
    assert!(matches!(gate_new(&dir, &o), Err(secfw_lifecycle::Error::Baseline { .. })));
    // No package at all.
    std::fs::remove_file(&pkg).unwrap();
    let e = gate_new(&dir, &opts(&trust)).unwrap_err();
    assert!(e.to_string().contains("LC0301") || e.to_string().contains("no baseline"), "{e}");
}
