//! digest.md, digest.json and digest.html: layout, escaping, schema, determinism, IMPROVE.

#[path = "../../secfw-metrics/tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;

use chrono::{DateTime, TimeZone, Utc};
use comrak::nodes::NodeValue;
use comrak::{Arena, parse_document};
use secfw_artifacts::model::digest::DigestJson;
use secfw_artifacts::{LoadOptions, load};
use secfw_digest::{generate, improve_evidence, render};
use secfw_metrics::{CollectOptions, KpiReport, collect};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn opts() -> CollectOptions {
    CollectOptions::default()
        .from(Utc.with_ymd_and_hms(2026, 11, 17, 0, 0, 0).unwrap())
        .to(Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap())
}

/// The fixture workspace with hostile text in a title, an action and an exception.
fn hostile() -> (tempfile::TempDir, KpiReport) {
    let dir = tempfile::tempdir().unwrap();
    support::write(dir.path());
    let ledger = support::findings()
        .replace("title: \"Finding SF-6\"", "title: \"<script>alert(1)</script> | pipe *bold* [x](http://e.vil)\"")
        .replace(
            "recommended_action: fix SF-5",
            "recommended_action: \"upgrade | <img src=x onerror=alert(2)> `rm -rf`\"",
        );
    std::fs::write(dir.path().join("sec_findings.yaml"), ledger).unwrap();
    let exc = support::EXCEPTIONS.replace("EXC-001: Valid one", "EXC-001: Pipes | and <b>tags</b>");
    std::fs::write(dir.path().join("exceptions.md"), exc).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let r = collect(&ws, &opts(), now()).unwrap();
    (dir, r)
}

#[test]
fn markdown_follows_the_seed_layout_and_has_no_raw_html() {
    let (_d, r) = hostile();
    let md = render(&r).unwrap().markdown;
    for heading in [
        "# Security & Compliance Digest",
        "## Period: 2026-11-17 to 2026-11-24",
        "### Executive Summary",
        "### Key Performance Indicators",
        "### Findings Summary",
        "### Compliance Status",
        "### Actions",
    ] {
        assert!(md.lines().any(|l| l == heading), "missing `{heading}`:\n{md}");
    }
    assert!(md.contains("| KPI | Current | Target | Trend | Status |"));
    assert!(md.contains("- New findings: 4\n- Resolved: 4\n- Carry-forward: 2\n"), "{md}");
    assert!(md.contains("| Mean Time to Remediate (MTTR) | 10.2 days | < 5 days | no trend | ✗ missed |"), "{md}");
    assert!(md.contains("- SOC2: ✗ At risk"), "{md}");

    let arena = Arena::new();
    let root = parse_document(&arena, &md, &secfw_artifacts::markdown_options());
    let mut tables = 0;
    for node in root.descendants() {
        match &node.data().value {
            NodeValue::HtmlBlock(h) => panic!("raw HTML block in digest.md: {:?}", h.literal),
            NodeValue::HtmlInline(h) => panic!("raw inline HTML in digest.md: {h}"),
            NodeValue::Link(l) => panic!("user text became a link: {}", l.url),
            NodeValue::Table(t) => {
                tables += 1;
                // Every row has exactly the header's number of cells: no `|` broke out.
                let cols = t.num_columns;
                for row in node.children() {
                    assert_eq!(row.children().count(), cols, "row with a wrong cell count");
                }
            }
            _ => {}
        }
    }
    assert!(tables >= 4, "KPI, MTTR, exceptions and formula tables");
}

#[test]
fn json_is_the_seed_template_and_valid_against_the_committed_schema() {
    let (_d, r) = hostile();
    let text = render(&r).unwrap().json;
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in ["period", "summary", "kpis", "actions"] {
        assert!(value.get(key).is_some(), "{key}");
    }
    for key in ["mttr", "coverage", "scan_rate"] {
        assert!(value["kpis"][key]["trend"].is_string(), "seed KPI {key}");
    }
    assert_eq!(value["kpis"]["mttr"]["value"], serde_json::json!(10.17));
    assert_eq!(value["summary"]["critical_findings"], 1, "SF-8: accepted without an exception");
    assert_eq!(value["summary"]["trend"], "stable", "no history: stable");
    let typed: DigestJson = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(typed.cycle.as_deref(), Some("2026-11-24"));
    let schema_path = secfw_testkit::repo_root().join("schemas/digest.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn html_is_self_contained_escaped_and_has_every_chart() {
    let (_d, r) = hostile();
    let html = render(&r).unwrap().html;
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in [
        "chart-kpi-trends",
        "chart-open-by-severity",
        "chart-mttr-by-severity",
        "chart-exceptions-expiry",
        "risk-gauge",
    ] {
        assert!(html.contains(&format!("id=\"{id}\" class=\"chart\"")), "chart {id}");
    }
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "no scripts");
    assert!(!lower.contains("<img"), "no images to fetch");
    assert!(!lower.contains("<link"), "no external stylesheets");
    let external = lower.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !external.contains("http://") && !external.contains("https://") && !external.contains("url("),
        "no network"
    );
    assert!(html.contains("upgrade | &lt;img src=x onerror=alert(2)&gt;"), "user text is escaped");
    assert!(html.contains("EXC-001"));
}

#[test]
fn same_inputs_and_now_give_the_same_bytes() {
    let (dir, r) = hostile();
    assert_eq!(render(&r).unwrap(), render(&r).unwrap());
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let a = generate(&ws, &opts(), now(), None).unwrap();
    let first: Vec<Vec<u8>> = a.files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let b = generate(&ws, &opts(), now(), None).unwrap();
    let second: Vec<Vec<u8>> = b.files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert_eq!(first, second, "re-running the IMPROVE step of a cycle is idempotent");
}

#[test]
fn improve_evidence_needs_snapshot_and_digest_of_the_same_cycle() {
    let dir = tempfile::tempdir().unwrap();
    support::write(dir.path());
    let ev = improve_evidence(dir.path(), None);
    assert!(!ev.holds());
    assert!(ev.reasons.iter().any(|r| r.contains("secfw digest")), "{:?}", ev.reasons);

    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    generate(&ws, &CollectOptions::default(), now(), None).unwrap();
    let ev = improve_evidence(dir.path(), None);
    assert!(ev.holds(), "{:?}", ev.reasons);
    assert_eq!(ev.cycle.as_deref(), Some("2026-11-24"));
    // A digest older than the cycle's start does not count.
    let later = now() + chrono::Duration::hours(1);
    assert!(!improve_evidence(dir.path(), Some(later)).holds());
    assert!(improve_evidence(dir.path(), Some(now())).holds());
    // Without the snapshot, metrics were not collected.
    std::fs::remove_file(dir.path().join(".secfw/history/2026-11-24.json")).unwrap();
    let ev = improve_evidence(dir.path(), None);
    assert!(ev.digest_generated && !ev.metrics_collected, "{ev:?}");
    // A missing digest file fails the criterion.
    generate(&ws, &CollectOptions::default(), now(), None).unwrap();
    std::fs::remove_file(dir.path().join(secfw_artifacts::file_names::DIGEST_HTML)).unwrap();
    assert!(!improve_evidence(dir.path(), None).holds());
}

#[test]
fn long_lists_are_capped_in_md_and_html_but_complete_in_json() {
    let dir = tempfile::tempdir().unwrap();
    support::write(dir.path());
    let mut ledger = support::findings();
    let cut = ledger.find("scans:\n").unwrap();
    let mut extra = String::new();
    for i in 0..40 {
        let _ = write!(
            extra,
            "  - finding_id: SF-{}\n    severity: low\n    category: configuration\n    title: t\n    description: d\n    affected_resources: []\n    remediation:\n      recommended_action: fix it\n      priority: P3\n      deadline: \"2027-06-30\"\n    governance: {{}}\n    first_seen: \"2026-11-20T00:00:00Z\"\n",
            100 + i
        );
    }
    ledger.insert_str(cut, &extra);
    std::fs::write(dir.path().join("sec_findings.yaml"), ledger).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let r = collect(&ws, &opts(), now()).unwrap();
    let pending = r.metrics.actions.pending.len();
    assert!(pending > secfw_digest::MAX_LISTED + 10, "{pending}");
    let out = render(&r).unwrap();
    let more = format!("… and {} more", pending - secfw_digest::MAX_LISTED);
    assert!(out.markdown.contains(&more), "md says how many are not shown");
    assert!(out.html.contains(&more), "html says how many are not shown");
    let json: DigestJson = serde_json::from_str(&out.json).unwrap();
    assert_eq!(json.actions.pending.len(), pending, "digest.json lists everything");
}

/// Escalations in all three renderings: one acknowledged in 1.5 h, one open for 1 h, one overdue
/// (re-notified to the next level); the time-to-acknowledge KPI over them.
#[test]
fn escalations_are_shown_open_acknowledged_and_overdue_in_every_format() {
    use secfw_metrics::{Acknowledgement, EscalationData, NotifiedEscalation};
    let dir = tempfile::tempdir().unwrap();
    support::write(dir.path());
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let at = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
    let sla = Some(chrono::Duration::hours(2));
    let data = EscalationData::new(
        vec![
            NotifiedEscalation::new("ESC-aaaaaaaaaaaa", at(20, 9, 0)).sla(sla),
            NotifiedEscalation::new("ESC-bbbbbbbbbbbb", at(23, 23, 0))
                .current("critical_findings_count", "== 0", 1)
                .sla(sla),
            NotifiedEscalation::new("ESC-cccccccccccc", at(23, 8, 0)).sla(sla).renotified(Some(at(23, 10, 0))),
        ],
        vec![Acknowledgement::new("ESC-aaaaaaaaaaaa", "<alice>", at(20, 10, 30), 4)],
    );
    let report = collect(&ws, &opts().escalations(data), now()).unwrap();
    let e = report.metrics.escalations.as_ref().unwrap();
    assert_eq!((e.overdue, e.open, e.acknowledged), (1, 1, 1));
    // Evaluated at the period end 11-24 00:00: sample 1.5 h, 1 h, 16 h → median 1.5, p90 16.
    assert_eq!((e.median_hours, e.p90_hours, e.sample), (Some(1.5), Some(16.0), 3));
    let out = render(&report).unwrap();
    assert!(out.markdown.contains("### Escalations"));
    assert!(
        out.markdown.contains("| ESC-cccccccccccc | overdue, next level told 2026-11-23 10:00 UTC |"),
        "{}",
        out.markdown
    );
    assert!(
        out.markdown.contains("| ESC-bbbbbbbbbbbb | open | critical\\_findings\\_count == 0 (count 1) |"),
        "{}",
        out.markdown
    );
    assert!(out.markdown.contains("Acknowledge ESC-cccccccccccc"), "an overdue escalation is a pending action");
    assert!(
        out.html.contains("id=\"escalations\"") && out.html.contains("&lt;alice&gt;") && !out.html.contains("<alice>")
    );
    let d: DigestJson = serde_json::from_str(&out.json).unwrap();
    let x = d.escalations.unwrap();
    assert_eq!((x.overdue, x.open, x.acknowledged, x.sample), (1, 1, 1, 3));
    assert_eq!(x.items[0].id, "ESC-cccccccccccc");
    assert_eq!(x.items[2].acknowledged_by.as_deref(), Some("<alice>"));
    assert_eq!(x.items[2].hours_to_acknowledge, Some(1.5));
    assert_eq!(d.kpis["time_to_acknowledge"].value, Some(1.5));
    assert_eq!(d.kpis["time_to_acknowledge"].unit.as_deref(), Some("hours"));
}
