//! `secfw gate new` and `secfw export --baseline / --profile github` on a sealed package of the
//! example workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use secfw::seal::VerifyOptions;
use secfw::seal::{GenerateOptions, SignOptions, SigningKey, generate_manifest, sign_manifest};
use secfw::seal::{SigningRole, TrustPolicy};

const LATER: &str = "2026-11-25T12:00:00Z";

fn now() -> DateTime<Utc> {
    secfw::artifacts::template::EXAMPLE_NOW.parse::<DateTime<Utc>>().unwrap()
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

/// The example workspace committed, sealed, packaged; a signed trust chain outside it.
fn packaged() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("ws");
    secfw::artifacts::template::write_example(&dir).unwrap();
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
    let info = secfw::seal::package(&dir, &tp, &VerifyOptions::new(now())).unwrap();
    let mut p = tp.clone();
    p.add_root_key(key(9).public(), "root").unwrap();
    p.version = 1;
    let mut chain = secfw::seal::TrustChain::new(p).unwrap();
    chain.sign(&key(9)).unwrap();
    let trust = t.path().join("secfw-trust.json");
    std::fs::write(&trust, chain.to_json()).unwrap();
    (t, dir, trust, info.path)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_secfw"))
        .env("NO_COLOR", "1")
        .env_remove("SECFW_TRUST")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn add_finding(dir: &Path) {
    let p = dir.join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let (head, tail) = text.split_once("\nscans:").unwrap();
    let f = "  - finding_id: SF-0100\n    severity: medium\n    category: vulnerability\n    title: \"SSRF in webhook preview\"\n    description: \"new\"\n    affected_resources:\n      - resource_id: merchant-dashboard\n        resource_type: web-application\n        location: \"merchant-dashboard/src/server/routes/webhooks.ts\"\n    remediation:\n      recommended_action: \"allow-list\"\n      priority: P2\n      deadline: \"2027-01-20\"\n    governance:\n      tags: [auth]\n      compliance_standards: [SOC2]\n      policy_refs: [POL-005]\n    first_seen: \"2026-11-25T10:00:00Z\"\n    fingerprint: \"secfw/v1:2222222222222222222222222222222222222222222222222222222222222222\"\n";
    std::fs::write(&p, format!("{head}\n{f}scans:{tail}")).unwrap();
}

#[test]
fn gate_new_fails_only_on_the_new_finding_and_sarif_says_which_is_new() {
    let (_t, dir, trust, pkg) = packaged();
    let d = dir.to_str().unwrap();
    let tr = trust.to_str().unwrap();
    let (code, out, err) = run(&["gate", "new", "--trust", tr, "--now", LATER, d]);
    let before_failures: Vec<String> = out.lines().filter(|l| l.starts_with("  FAIL ")).map(str::to_owned).collect();
    assert!(code == 0 || code == 1, "{out}{err}");
    assert!(out.contains("baseline: ") && out.contains("0 new, 0 worse"), "{out}");

    add_finding(&dir);
    let (code, out, err) = run(&["gate", "new", "--trust", tr, "--now", LATER, d]);
    assert_eq!(code, 1, "{out}{err}");
    let after: Vec<&str> = out.lines().filter(|l| l.starts_with("  FAIL ")).collect();
    assert_eq!(after.len(), before_failures.len() + 1, "{out}");
    assert!(out.contains("  FAIL SF-0100 (medium, new): not in the baseline"), "{out}");
    assert!(out.contains("medium") && out.contains("WORSE"), "the ratchet reports the dimension:\n{out}");
    let (code, json, _) = run(&["gate", "new", "--trust", tr, "--now", LATER, "--format", "json", d]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["counts"]["new"], 1);

    // SARIF baselineState from the same verified baseline.
    let (code, sarif, err) =
        run(&["export", "--format", "sarif", "--baseline", pkg.to_str().unwrap(), "--trust", tr, "--now", LATER, d]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let state_of = |id: &str| {
        results.iter().find(|r| r["properties"]["secfw"]["finding_id"] == id).map(|r| r["baselineState"].clone())
    };
    assert_eq!(state_of("SF-0100"), Some(serde_json::json!("new")));
    assert_eq!(state_of("SF-0011"), Some(serde_json::json!("unchanged")));
    assert!(results.iter().filter(|r| r["baselineState"] == "new").count() == 1);

    // SF-0011 fixed since the baseline: its result is `absent` (standard profile only).
    let p = dir.join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let at = text.find("- finding_id: SF-0011").unwrap();
    let rel = text[at..].find("    status: open\n").unwrap();
    let mut fixed = text.clone();
    fixed.replace_range(
        at + rel..at + rel + "    status: open\n".len(),
        "    status: resolved\n    resolved_at: \"2026-11-25T09:00:00Z\"\n",
    );
    std::fs::write(&p, fixed).unwrap();
    let (code, sarif, err) =
        run(&["export", "--format", "sarif", "--baseline", pkg.to_str().unwrap(), "--trust", tr, "--now", LATER, d]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let absent: Vec<_> = results.iter().filter(|r| r["baselineState"] == "absent").collect();
    assert_eq!(absent.len(), 1, "{absent:#?}");
    assert_eq!(absent[0]["properties"]["secfw"]["finding_id"], "SF-0011");
    assert!(absent[0]["partialFingerprints"]["secfw/v1"].is_string());
    let (code, gh, _) = run(&[
        "export",
        "--format",
        "sarif",
        "--profile",
        "github",
        "--baseline",
        pkg.to_str().unwrap(),
        "--trust",
        tr,
        "--now",
        LATER,
        d,
    ]);
    assert_eq!(code, 0);
    assert!(!gh.contains("\"absent\""), "a GitHub upload never carries absent results (they would open alerts)");
    std::fs::write(&p, text).unwrap();

    // --baseline with another gate is a usage error, not silently ignored.
    let (code, _, err) = run(&["gate", "all", "--baseline", pkg.to_str().unwrap(), "--now", LATER, d]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("gate new"), "{err}");

    // A baseline that does not verify (no trust policy) is refused: exit 2, nothing compared.
    let (code, _, err) = run(&["gate", "new", "--now", LATER, d]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("baseline is refused"), "{err}");
}

#[test]
fn github_profile_leaves_excepted_results_out_and_plans_their_dismissal() {
    let (t, dir, _, _) = packaged();
    let d = dir.to_str().unwrap();
    let (code, full, _) = run(&["export", "--format", "sarif", "--now", LATER, d]);
    assert_eq!(code, 0);
    let full: serde_json::Value = serde_json::from_str(&full).unwrap();
    let suppressed = full["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"][0]["status"] == "accepted")
        .count();
    assert!(suppressed > 0, "the example has excepted findings");
    let plan = t.path().join("plan.json");
    let (code, gh, err) = run(&[
        "export",
        "--format",
        "sarif",
        "--profile",
        "github",
        "--dismissal-plan",
        plan.to_str().unwrap(),
        "--now",
        LATER,
        d,
    ]);
    assert_eq!(code, 0, "{err}");
    let gh: serde_json::Value = serde_json::from_str(&gh).unwrap();
    let run0 = &gh["runs"][0];
    assert!(run0["results"].as_array().unwrap().iter().all(|r| r["suppressions"][0]["status"] != "accepted"));
    assert_eq!(run0["properties"]["secfw"]["omitted"], suppressed);
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    let items = plan["dismissals"].as_array().unwrap();
    assert_eq!(items.len(), suppressed);
    let excepted = items.iter().find(|i| i["kind"] == "excepted").expect("an excepted finding");
    assert_eq!(excepted["dismissed_reason"], "won't fix");
    assert!(excepted["exception_id"].as_str().unwrap().starts_with("EXC-"));
    assert!(excepted["alert_fingerprint"]["secfw/v1"].as_str().unwrap().starts_with("secfw/v1:"));
    // A plan without the github profile is a usage error.
    let (code, _, _) = run(&["export", "--format", "sarif", "--dismissal-plan", "x.json", "--now", LATER, d]);
    assert_ne!(code, 0);
}
