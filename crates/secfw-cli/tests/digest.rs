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
