//! A scanner's own configuration narrows what its silence proves. cargo-audit records its
//! effective settings in the report: an advisory it was told to ignore (`settings.ignore`)
//! is a risk decision made outside the exception registry and never resolves the finding; a
//! warning kind it did not report (`informational_warnings`) is out of its scope; a severity
//! threshold, a platform filter or a package scope (`severity`, `target_arch`, `target_os`,
//! `package_scope`) means an absent advisory may only have been filtered out, so such a run
//! resolves nothing; and settings secfw cannot read (`IN0112`) leave out something unknown,
//! so such a run resolves nothing either.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secfw_ingest::{Format, IngestOptions, Input, Outcome, WorkspaceLock};
use serde_json::{Value, json};

const CARGO_MANY: &str = "cargo-audit/defectdojo__cargo-audit-many_findings.json";
const CARGO_NONE: &str = "cargo-audit/defectdojo__cargo-audit-no_findings.json";
/// Both reports are written here, as one project's CI job overwrites its report.
const REPORT: &str = "reports/api/cargo-audit.json";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ingest(dir: &Path, report: &Path, now: &str) -> Outcome {
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).expect("workspace lock");
    secfw_ingest::ingest(dir, &lock, &[Input::new(report, Format::Auto)], &IngestOptions::new(t(now))).expect("ingest")
}

fn put(dir: &Path, v: &Value) -> PathBuf {
    let p = dir.join(REPORT);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn corpus(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(secfw_testkit::corpora(rel)).unwrap()).unwrap()
}

/// Record the 13 findings of the vendored report, then ingest the vendored clean report with
/// `settings` changed by `edit`; returns the second outcome.
fn clean_scan_with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Outcome {
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &put(d.path(), &corpus(CARGO_MANY)), "2026-12-02T00:00:00Z");
    assert_eq!(o.summary.opened.len(), 13);
    let mut clean = corpus(CARGO_NONE);
    edit(clean["settings"].as_object_mut().unwrap());
    ingest(d.path(), &put(d.path(), &clean), "2026-12-03T00:00:00Z")
}

fn kept_open_why(o: &Outcome) -> Vec<String> {
    o.summary.kept_open.iter().map(|(_, why)| why.clone()).collect()
}

#[test]
fn the_vendored_clean_report_resolves_everything_it_covers() {
    // The control: the same clean report as shipped (informational_warnings: [unmaintained]).
    let o = clean_scan_with(|_| {});
    assert_eq!(o.summary.resolved.len(), 13, "{:?}", o.summary.kept_open);
    assert!(o.summary.kept_open.is_empty());
}

#[test]
fn an_advisory_ignored_in_the_scanners_configuration_is_never_resolved_by_that_scan() {
    let o = clean_scan_with(|s| {
        s.insert("ignore".into(), json!(["RUSTSEC-2020-0091"]));
    });
    let why = kept_open_why(&o);
    assert_eq!(why.len(), 1, "{why:?}");
    assert!(why[0].contains("configured to ignore `RUSTSEC-2020-0091`"), "{why:?}");
    assert_eq!(o.summary.resolved.len(), 12);
    let d = o.diagnostics().into_iter().find(|d| d.code.as_str() == "IN0111").expect("IN0111 is reported");
    assert!(d.message.starts_with("/settings/ignore/0: "), "located at the ignore entry: {}", d.message);
    assert!(d.hint.as_deref().unwrap_or("").contains("exception"), "{d:?}");
    assert_eq!(o.diagnostics().iter().filter(|d| d.code.as_str() == "IN0111").count(), 1);
}

#[test]
fn an_ignored_alias_keeps_the_finding_open_too() {
    // The finding records RUSTSEC ids and their CVE aliases; ignoring the alias is the same decision.
    let many = corpus(CARGO_MANY);
    let aliases: Vec<String> = many["vulnerabilities"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| v["advisory"]["aliases"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .filter(|a| a.starts_with("CVE-"))
        .collect();
    let Some(alias) = aliases.first().cloned() else {
        panic!("the vendored report has CVE aliases: {many}");
    };
    let o = clean_scan_with(|s| {
        s.insert("ignore".into(), json!([alias.clone()]));
    });
    let why = kept_open_why(&o);
    assert!(!why.is_empty() && why.iter().all(|w| w.contains(&format!("`{alias}`"))), "{why:?}");
}

#[test]
fn a_warning_kind_the_run_did_not_report_is_out_of_its_scope() {
    let o = clean_scan_with(|s| {
        s.insert("informational_warnings".into(), json!([]));
    });
    let why = kept_open_why(&o);
    assert_eq!(why.len(), 3, "the three unmaintained warnings stay open: {why:?}");
    assert!(why.iter().all(|w| w.contains("`unmaintained` is not in the cargo-audit scan's scope")), "{why:?}");
    // Vulnerabilities and yanked crates are reported whatever the setting: resolved.
    assert_eq!(o.summary.resolved.len(), 10);
}

#[test]
fn a_severity_threshold_or_platform_filter_resolves_nothing() {
    // Older cargo-audit releases wrote a single platform name instead of a list.
    let edits: [(&str, Value); 6] = [
        ("severity", json!("high")),
        ("target_os", json!(["linux"])),
        ("target_arch", json!(["x86_64"])),
        ("target_arch", json!("x86_64")),
        ("target_os", json!("windows")),
        ("package_scope", json!("local")),
    ];
    for (key, value) in edits {
        let o = clean_scan_with(|s| {
            s.insert(key.into(), value.clone());
        });
        assert!(o.summary.resolved.is_empty(), "{key}: {:?}", o.summary.resolved);
        let why = kept_open_why(&o);
        assert_eq!(why.len(), 13, "{key}");
        assert!(why.iter().all(|w| w.contains("filtered what it reported") && w.contains(key)), "{key}: {why:?}");
    }
    // Empty filters (`[]`, `null`) filter nothing: the vendored report itself has them.
    let o = clean_scan_with(|s| {
        s.insert("target_os".into(), json!([]));
        s.insert("severity".into(), Value::Null);
    });
    assert_eq!(o.summary.resolved.len(), 13);
}

/// Settings a careless producer or a hand edit could write: each one hides what the scanner
/// left out, so the run resolves nothing and `IN0112` says where.
#[test]
fn settings_that_cannot_be_read_resolve_nothing() {
    let edits: [(&str, Value, &str); 6] = [
        ("ignore", json!(["RUSTSEC-2020-0091", "", 7]), "/settings/ignore/1"),
        ("ignore", json!([{"id": "RUSTSEC-2020-0091"}]), "/settings/ignore/0"),
        ("ignore", json!("RUSTSEC-2020-0091"), "/settings/ignore"),
        ("ignore", json!({"RUSTSEC-2020-0091": true}), "/settings/ignore"),
        ("informational_warnings", json!("unmaintained"), "/settings/informational_warnings"),
        ("informational_warnings", json!({"unmaintained": true}), "/settings/informational_warnings"),
    ];
    for (key, value, pointer) in edits {
        let o = clean_scan_with(|s| {
            s.insert(key.into(), value.clone());
        });
        assert!(o.summary.resolved.is_empty(), "{key} = {value}: {:?}", o.summary.resolved);
        assert_eq!(kept_open_why(&o).len(), 13, "{key} = {value}");
        let d = o.diagnostics().into_iter().find(|d| d.code.as_str() == "IN0112").expect("IN0112 is reported");
        assert!(d.message.starts_with(&format!("{pointer} ")), "located at {pointer}: {}", d.message);
        assert!(!d.hint.as_deref().unwrap_or("").is_empty(), "{d:?}");
    }
    // `settings` that is not an object at all.
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &put(d.path(), &corpus(CARGO_MANY)), "2026-12-02T00:00:00Z");
    assert_eq!(o.summary.opened.len(), 13);
    for settings in [json!("ignore everything"), json!(["RUSTSEC-2020-0091"]), json!(7)] {
        let mut clean = corpus(CARGO_NONE);
        clean["settings"] = settings.clone();
        let o = ingest(d.path(), &put(d.path(), &clean), "2026-12-03T00:00:00Z");
        assert!(o.summary.resolved.is_empty(), "settings = {settings}");
        assert!(o.diagnostics().iter().any(|x| x.code.as_str() == "IN0112" && x.message.starts_with("/settings ")));
    }
    // `settings: null` is no configuration at all: the clean run resolves what it covers.
    let mut clean = corpus(CARGO_NONE);
    clean["settings"] = Value::Null;
    let o = ingest(d.path(), &put(d.path(), &clean), "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 13, "{:?}", o.summary.kept_open);
}
