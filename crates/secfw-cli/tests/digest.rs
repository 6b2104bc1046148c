//! `secfw metrics` and `secfw digest` on copies of the example workspace.

mod common;

use common::{example_copy as example, run_in as run};

const NOW: &str = "2026-11-24T12:00:00Z";

#[test]
fn metrics_prints_every_kpi_with_formula_and_no_trend_without_history() {
    let d = example();
    let (code, out, err) = run(&["metrics", "--now", NOW], d.path());
    assert_eq!(code, 0, "{err}");
    for name in [
        "Mean Time to Remediate (MTTR)",
        "Policy Coverage",
        "Scan Success Rate",
        "Finding Escape Rate",
        "Exception Compliance",
        "SLA Compliance",
        "Risk Score",
    ] {
        assert!(out.contains(name), "{name}:\n{out}");
    }
    assert!(out.contains("no previous snapshot: no trend"), "{out}");
    assert!(out.contains("risk_score: 100 x R / (R + 50)"), "the formula is printed with the result");
    assert!(!d.path().join(".secfw").exists(), "metrics without --record writes nothing");

    let (code, out, _) = run(&["metrics", "--now", NOW, "--format", "json"], d.path());
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cycle"], "2026-11-24");
    assert_eq!(v["metrics"]["period"]["start"], "2026-11-17T00:00:00Z");
    assert!(v["metrics"]["kpis"].as_array().unwrap().iter().all(|k| k["formula"].is_string()));
}

#[test]
fn digest_writes_the_golden_files_and_the_snapshot() {
    let d = example();
    let (code, out, err) = run(&["digest", "--now", NOW], d.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("snapshot:"), "{out}");
    let golden = secfw_testkit::repo_root().join("crates/secfw-digest/tests/golden");
    for f in ["digest.md", "digest.json", "digest.html"] {
        assert_eq!(
            std::fs::read(d.path().join(f)).unwrap(),
            std::fs::read(golden.join(f)).unwrap(),
            "{f}: the CLI writes the same bytes as the library golden file"
        );
    }
    assert!(d.path().join(".secfw/history/2026-11-24.json").is_file());

    // The next cycle trends against this one.
    let (code, out, _) = run(&["metrics", "--now", "2026-12-01T12:00:00Z"], d.path());
    assert_eq!(code, 0);
    assert!(out.contains("trends against cycle 2026-11-24"), "{out}");
    assert!(out.contains("(2026-11-24T12:00:00Z to 2026-12-01T12:00:00Z)"), "the period continues the last one: {out}");
}

#[test]
fn digest_out_dir_and_explicit_period() {
    let d = example();
    let out_dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        &[
            "digest",
            "--now",
            NOW,
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--cycle",
            "2026-11",
            "--out",
            common::s(out_dir.path()),
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.path().join("digest.json")).unwrap()).unwrap();
    assert_eq!(json["period"]["start"], "2026-11-01T00:00:00Z");
    assert_eq!(json["period"]["end"], "2026-12-01T00:00:00Z", "--to DATE runs through the end of that day");
    assert_eq!(json["cycle"], "2026-11");
    assert!(d.path().join(".secfw/history/2026-11.json").is_file());
    assert!(!d.path().join("digest.md").exists());
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let d = example();
    let (code, _, err) = run(&["metrics", "--now", NOW, "--from", "2026-11-24", "--to", "2026-11-17"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("invalid period"), "{err}");
    let (code, _, err) = run(&["digest", "--now", NOW, "--cycle", "../x"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("invalid cycle id"), "{err}");
    let (code, _, err) = run(&["metrics", "--now", "yesterday"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("invalid"), "{err}");
    let (code, _, _) = run(&["metrics", "--now", NOW], &d.path().join("missing"));
    assert_eq!(code, 2);
}

#[test]
fn fail_on_missed_exits_1_when_a_target_is_missed() {
    let d = example();
    std::fs::write(d.path().join("inventory.yaml"), "version: \"1.0\"\nresources: []\n").unwrap();
    let (code, out, _) = run(&["metrics", "--now", NOW, "--fail-on-missed"], d.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("MT0003"), "zero resources is reported: {out}");
    let (code, _, _) = run(&["metrics", "--now", NOW], d.path());
    assert_eq!(code, 0, "without --fail-on-missed a missed target is reported, not an exit code");
}

/// The attack of fail-open sweep 4, F2: one bad timestamp makes `sec_findings.yaml` unreadable.
/// `gate all` fails; `metrics` and `digest` used to exit 0 over no findings ("Critical Findings:
/// 0 (compliant with Critical=0 rule)", every standard compliant, a zero-findings snapshot).
#[test]
fn metrics_and_digest_refuse_a_ledger_that_does_not_parse_and_write_nothing() {
    let d = example();
    let p = d.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let old = "    resolved_at: \"2026-08-14T16:20:00Z\"";
    assert!(text.contains(old), "the example changed; update this test");
    std::fs::write(&p, text.replace(old, "    resolved_at: \"+10000-01-01T00:00:00Z\"")).unwrap();
    let (code, _, _) = run(&["gate", "all", "--now", NOW], d.path());
    assert_ne!(code, 0, "the gate fails it");
    let runs: [&[&str]; 4] = [
        &["digest", "--now", NOW],
        &["metrics", "--now", NOW],
        &["metrics", "--now", NOW, "--record", "--format", "json"],
        &["digest", "--now", NOW, "--out", "elsewhere"],
    ];
    for args in runs {
        let (code, out, err) = run(args, d.path());
        assert_eq!(code, 2, "{args:?} fails closed\n{out}\n{err}");
        assert!(err.contains("SF0110") && err.contains("sec_findings.yaml:"), "{args:?}: the located error\n{err}");
        assert!(err.contains("MT0010"), "{args:?}\n{err}");
        assert!(!out.contains("compliant") && !err.contains("compliant with"), "{args:?}: no compliance claim\n{out}");
        for f in ["digest.md", "digest.json", "digest.html"] {
            assert!(!d.path().join(f).exists(), "{args:?}: {f} written");
        }
        assert!(!d.path().join(".secfw/history").exists(), "{args:?}: a snapshot was recorded");
        assert!(!d.path().join(".secfw/events.jsonl").exists(), "{args:?}: an event was recorded");
        assert!(!d.path().join("elsewhere").exists());
    }
}

#[test]
fn metrics_and_digest_refuse_a_workspace_without_a_ledger() {
    let d = example();
    std::fs::remove_file(d.path().join("sec_findings.yaml")).unwrap();
    for cmd in ["digest", "metrics"] {
        let (code, out, err) = run(&[cmd, "--now", NOW], d.path());
        assert_eq!(code, 2, "{cmd}\n{out}\n{err}");
        assert!(err.contains("MT0010") && err.contains("no findings ledger"), "{cmd}\n{err}");
        assert!(err.contains("not compliant"), "{cmd}: the hint says so\n{err}");
    }
    assert!(!d.path().join("digest.md").exists() && !d.path().join(".secfw/history").exists());
}
