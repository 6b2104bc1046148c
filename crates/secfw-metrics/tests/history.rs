//! History across three synthetic cycles gives the right trends; missing or damaged history is
//! "no trend", never an error.

mod support;

use chrono::{DateTime, TimeZone, Utc};
use secfw_artifacts::{LoadOptions, load};
use secfw_metrics::{Arrow, CollectOptions, KpiId, Verdict, codes, collect, record};
use secfw_metrics::{HISTORY_DIR, History};

fn at(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap()
}

const HEAD: &str = "version: \"1.0\"\nmetadata:\n  scan_id: h\n  timestamp: \"2026-11-01T00:00:00Z\"\n  lifecycle_state: IMPROVE\nfindings:\n";

fn open_finding(id: &str, sev: &str) -> String {
    format!(
        "  - finding_id: {id}\n    severity: {sev}\n    category: vulnerability\n    title: t\n    description: d\n    affected_resources: []\n    remediation:\n      recommended_action: fix\n      priority: P1\n      deadline: \"2027-06-30\"\n    governance: {{}}\n    first_seen: \"2026-11-01T00:00:00Z\"\n"
    )
}

/// Run one cycle: write the ledger, collect at `now`, record the snapshot.
fn cycle(dir: &std::path::Path, findings: &str, now: DateTime<Utc>) -> secfw_metrics::KpiReport {
    std::fs::write(dir.join("sec_findings.yaml"), format!("{HEAD}{findings}")).unwrap();
    let ws = load(dir, &LoadOptions::default()).unwrap();
    let r = collect(&ws, &CollectOptions::default(), now).unwrap();
    record(dir, &r).unwrap();
    r
}

#[test]
fn three_cycles_trend_against_the_previous_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rulebook.yaml"), support::RULEBOOK).unwrap();
    std::fs::write(dir.path().join("inventory.yaml"), support::INVENTORY).unwrap();

    // Cycle 1 (11-03): one high open (weight 5, within its 30-day SLA) → risk 100×5/55 = 9.09;
    // no history: no trend.
    let c1 = cycle(dir.path(), &open_finding("SF-1", "high"), at(3));
    assert_eq!(c1.metrics.value(KpiId::RiskScore), Some(9.09));
    assert!(c1.previous.is_none());
    assert_eq!(c1.trend(KpiId::RiskScore).verdict, Verdict::NoTrend);
    // No history: the period starts at 00:00 UTC seven days before the end.
    assert_eq!(c1.metrics.period.start, Utc.with_ymd_and_hms(2026, 10, 27, 0, 0, 0).unwrap());

    // Cycle 2 (11-10): two highs → 10 points → 100×10/60 = 16.67: ↑ +7.58, worse.
    let two = open_finding("SF-1", "high") + &open_finding("SF-2", "high");
    let c2 = cycle(dir.path(), &two, at(10));
    assert_eq!(c2.previous.as_ref().map(|p| p.cycle.as_str()), Some("2026-11-03"));
    assert_eq!(c2.metrics.period.start, at(3), "the period starts where the previous one ended");
    let t = c2.trend(KpiId::RiskScore);
    assert_eq!((t.arrow, t.verdict, t.delta), (Arrow::Up, Verdict::Worsened, Some(7.58)));
    assert_eq!(c2.count_trend("open_high").delta, Some(1.0));
    assert_eq!(c2.count_trend("open_high").verdict, Verdict::Worsened);

    // Cycle 3 (11-17): one low → 1 point → 100×1/51 = 1.96: ↓ −14.71 against cycle 2 (not
    // against cycle 1, which would be −7.13).
    let c3 = cycle(dir.path(), &open_finding("SF-3", "low"), at(17));
    assert_eq!(c3.previous.as_ref().map(|p| p.cycle.as_str()), Some("2026-11-10"));
    let t = c3.trend(KpiId::RiskScore);
    assert_eq!((t.arrow, t.verdict, t.delta), (Arrow::Down, Verdict::Improved, Some(-14.71)));
    assert_eq!(t.previous, Some(16.67));
    // Coverage unchanged (inventory unchanged; policy_map missing so any listed policy covers).
    assert_eq!(c3.trend(KpiId::PolicyCoverage).verdict, Verdict::Unchanged);
    // MTTR n/a in both cycles: no trend.
    assert_eq!(c3.trend(KpiId::Mttr).verdict, Verdict::NoTrend);
    assert_eq!(c3.history.iter().map(|s| s.cycle.as_str()).collect::<Vec<_>>(), ["2026-11-03", "2026-11-10"]);

    // Re-running cycle 3 replaces its snapshot and still compares with cycle 2.
    let again = cycle(dir.path(), &open_finding("SF-3", "low"), at(17));
    assert_eq!(again.previous.as_ref().map(|p| p.cycle.as_str()), Some("2026-11-10"));
    assert_eq!(again.trend(KpiId::RiskScore), c3.trend(KpiId::RiskScore));
    assert_eq!(History::load(dir.path()).unwrap().snapshots.len(), 3);
}

#[test]
fn snapshots_are_deterministic_json() {
    let dir = tempfile::tempdir().unwrap();
    let r = cycle(dir.path(), &open_finding("SF-1", "high"), at(3));
    let path = dir.path().join(HISTORY_DIR).join("2026-11-03.json");
    let first = std::fs::read(&path).unwrap();
    record(dir.path(), &r).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let text = String::from_utf8(first).unwrap();
    assert!(text.contains("\"format\": \"secfw-kpi-snapshot/v1\""), "{text}");
    assert!(text.contains("\"mttr\": null"), "n/a is stored as null: {text}");
}

#[test]
fn damaged_history_is_reported_and_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join(HISTORY_DIR);
    std::fs::create_dir_all(&hist).unwrap();
    std::fs::write(hist.join("2026-11-03.json"), "{ not json").unwrap();
    std::fs::write(hist.join("notes.txt"), "ignored: not a snapshot").unwrap();
    let r = cycle(dir.path(), &open_finding("SF-1", "high"), at(10));
    assert!(r.previous.is_none(), "the damaged snapshot is not used");
    assert_eq!(r.trend(KpiId::RiskScore).verdict, Verdict::NoTrend);
    let d = r.diagnostics.iter().find(|d| d.code == codes::BAD_SNAPSHOT).expect("MT0005");
    assert_eq!(d.file, ".secfw/history/2026-11-03.json");
    // A snapshot from a newer secfw is named too.
    std::fs::write(
        hist.join("2026-11-04.json"),
        r#"{"format":"secfw-kpi-snapshot/v9","cycle":"2026-11-04","period":{"start":"2026-10-28T00:00:00Z","end":"2026-11-04T00:00:00Z"},"generated_at":"2026-11-04T00:00:00Z","kpis":{}}"#,
    )
    .unwrap();
    let h = History::load(dir.path()).unwrap();
    assert!(h.diagnostics.iter().any(|d| d.code == codes::UNSUPPORTED_SNAPSHOT));
}

/// A ledger with no findings (metrics refuse a workspace without one, `MT0010`).
fn empty_ledger(dir: &std::path::Path) {
    std::fs::write(dir.join("sec_findings.yaml"), HEAD.replace("findings:\n", "findings: []\n")).unwrap();
}

#[test]
fn a_missing_history_is_no_trend() {
    let dir = tempfile::tempdir().unwrap();
    empty_ledger(dir.path());
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let r = collect(&ws, &CollectOptions::default(), at(3)).unwrap();
    assert!(r.previous.is_none() && r.history.is_empty());
    assert!(KpiId::ALL.iter().all(|k| r.trend(*k).verdict == Verdict::NoTrend));
    assert!(!secfw_metrics::is_recorded(dir.path(), &r.cycle).unwrap());
    record(dir.path(), &r).unwrap();
    assert!(secfw_metrics::is_recorded(dir.path(), &r.cycle).unwrap());
}

#[cfg(unix)]
#[test]
fn a_symlinked_history_or_state_dir_is_refused_and_nothing_is_written_through_it() {
    // The attack: `.secfw/history` (or `.secfw` itself) points outside the workspace, so a
    // recorded snapshot would land there. Refused with SF0010; the target stays empty.
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let outside = t.path().join("outside");
    std::fs::create_dir_all(ws.join(".secfw")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    empty_ledger(&ws);
    let w = load(&ws, &LoadOptions::default()).unwrap();
    let r = collect(&w, &CollectOptions::default(), at(3)).unwrap();
    std::os::unix::fs::symlink(&outside, ws.join(HISTORY_DIR)).unwrap();
    let sf0010 = |e: secfw_metrics::Error| match e {
        secfw_metrics::Error::Artifacts(secfw_artifacts::Error::Invalid { diagnostics, .. }) => {
            diagnostics[0].code == secfw_artifacts::codes::STATE_NOT_REGULAR
        }
        _ => false,
    };
    assert!(sf0010(record(&ws, &r).unwrap_err()));
    assert!(sf0010(History::load(&ws).unwrap_err()));
    assert!(sf0010(collect(&w, &CollectOptions::default(), at(3)).unwrap_err()), "trends never read through it");
    std::fs::remove_file(ws.join(HISTORY_DIR)).unwrap();
    std::fs::remove_dir(ws.join(".secfw")).unwrap();
    std::os::unix::fs::symlink(&outside, ws.join(".secfw")).unwrap();
    assert!(sf0010(record(&ws, &r).unwrap_err()));
    assert!(std::fs::read_dir(&outside).unwrap().next().is_none(), "nothing written outside the workspace");
}

#[cfg(unix)]
#[test]
fn a_fifo_snapshot_is_left_out_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join(HISTORY_DIR);
    std::fs::create_dir_all(&hist).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(hist.join("2026-11-03.json")).status().unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", hist.join("2026-11-04.json")).unwrap();
    // A plain read would wait forever for a writer on the FIFO, or read /dev/zero without end.
    let h = History::load(dir.path()).unwrap();
    assert!(h.snapshots.is_empty());
    let bad: Vec<&str> =
        h.diagnostics.iter().filter(|d| d.code == codes::BAD_SNAPSHOT).map(|d| d.file.as_str()).collect();
    assert_eq!(bad, [".secfw/history/2026-11-03.json", ".secfw/history/2026-11-04.json"]);
}
