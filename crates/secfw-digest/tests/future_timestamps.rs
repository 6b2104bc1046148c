//! The attack of sweep 2 F6: future timestamps made the Critical=0 gate and the metrics/digest
//! disagree. A critical "resolved" with a future `resolved_at` passed the gate while metrics
//! counted it open; a critical first seen in the future blocked the handoff while the digest said
//! "Critical Findings: 0 (compliant with Critical=0 rule)". Governance is the one home of
//! "live at now": it refuses the future timestamps (GV0501, located) and metrics and the digest
//! take its counts.

use chrono::{DateTime, Utc};
use secfw_artifacts::{LoadOptions, Severity, load};
use secfw_metrics::{CollectOptions, collect};

fn now() -> DateTime<Utc> {
    "2026-11-24T09:00:00Z".parse().unwrap()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &p);
        } else {
            std::fs::copy(e.path(), p).unwrap();
        }
    }
}

/// The bundled example with SF-0011 made critical and its status/time lines replaced.
fn acme_with(sf0011_tail: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&secfw_testkit::repo_root().join("examples/acme"), dir.path());
    let p = dir.path().join("sec_findings.yaml");
    let ledger = std::fs::read_to_string(&p).unwrap();
    let start = ledger.find("  - finding_id: SF-0011").unwrap();
    let (head, rest) = ledger.split_at(start);
    let rest = rest.replacen("    severity: medium", "    severity: critical", 1).replacen(
        "    status: open\n    first_seen: \"2026-10-15T03:20:11Z\"\n    last_seen: \"2026-11-20T03:21:05Z\"\n",
        sf0011_tail,
        1,
    );
    assert!(rest.contains(sf0011_tail), "the example changed; update this test");
    std::fs::write(&p, format!("{head}{rest}")).unwrap();
    dir
}

struct Verdict {
    gate_critical: u64,
    handoff_blocked: bool,
    gv0501: Vec<(String, Option<u32>)>,
    metrics_critical: u64,
    digest_md: String,
}

fn evaluate(dir: &tempfile::TempDir) -> Verdict {
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let gov = secfw_governance::evaluate(&ws, now());
    let report = collect(&ws, &CollectOptions::default(), now()).unwrap();
    let rendered = secfw_digest::render(&report).unwrap();
    Verdict {
        gate_critical: gov.counts.open.get(&Severity::Critical).copied().unwrap_or(0),
        handoff_blocked: gov.handoff_blocked(),
        gv0501: gov
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "GV0501")
            .map(|d| (d.message.clone(), d.line))
            .collect(),
        metrics_critical: report.metrics.findings.critical(),
        digest_md: rendered.markdown,
    }
}

#[test]
fn a_critical_resolved_in_the_future_still_blocks_the_handoff_and_every_count_agrees() {
    let dir = acme_with(
        "    status: resolved\n    resolved_at: \"2027-06-01T00:00:00Z\"\n    first_seen: \"2026-10-15T03:20:11Z\"\n    last_seen: \"2026-11-20T03:21:05Z\"\n",
    );
    let v = evaluate(&dir);
    assert_eq!(v.gate_critical, 1, "a resolved stamp after now is no fix");
    assert!(v.handoff_blocked, "Critical=0 must block");
    assert_eq!(v.metrics_critical, v.gate_critical);
    assert_eq!(v.gv0501.len(), 1, "{:?}", v.gv0501);
    assert!(v.gv0501[0].0.contains("SF-0011: resolved_at 2027-06-01T00:00:00Z"), "{:?}", v.gv0501);
    assert!(v.gv0501[0].1.is_some(), "located on the field");
    assert!(v.digest_md.contains("violates the Critical=0 rule"), "{}", v.digest_md);
}

#[test]
fn a_critical_first_seen_in_the_future_is_refused_and_the_digest_never_says_compliant() {
    let dir = acme_with(
        "    status: open\n    first_seen: \"2027-10-15T03:20:11Z\"\n    last_seen: \"2027-10-15T03:21:05Z\"\n",
    );
    let v = evaluate(&dir);
    assert_eq!(v.gate_critical, 1);
    assert!(v.handoff_blocked);
    assert_eq!(v.metrics_critical, v.gate_critical, "metrics re-derived 'open' and disagreed with the gate");
    let fields: Vec<&str> =
        v.gv0501.iter().map(|(m, _)| if m.contains("first_seen") { "first_seen" } else { "last_seen" }).collect();
    assert_eq!(fields, ["first_seen", "last_seen"], "{:?}", v.gv0501);
    assert!(!v.digest_md.contains("compliant with Critical=0 rule"), "{}", v.digest_md);
    assert!(v.digest_md.contains("violates the Critical=0 rule"));
}

#[test]
fn the_unchanged_example_has_no_future_timestamp() {
    let dir = acme_with(
        "    status: open\n    first_seen: \"2026-10-15T03:20:11Z\"\n    last_seen: \"2026-11-20T03:21:05Z\"\n",
    );
    let v = evaluate(&dir);
    assert!(v.gv0501.is_empty(), "{:?}", v.gv0501);
    assert_eq!(v.metrics_critical, v.gate_critical);
}
