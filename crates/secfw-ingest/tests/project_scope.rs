//! Which project a scan is of (issue 12 audit D7, D9): a target that names no project
//! (cargo-audit's `Cargo.lock`, npm audit's `package-lock.json`, SARIF without
//! `versionControlProvenance`: `.`) binds the scan to its report path, so the clean audit of
//! project B never resolves the findings of project A; `--target` names the project; SARIF
//! categories (`automationDetails.id`) separate analyses; runs of one tool, target and category
//! are one scan record, at most 1,000 per report.
#![allow(clippy::many_single_char_names)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{FindingStatus, FindingsFile, ScanStatus};
use secfw_artifacts::parse_findings;
use secfw_artifacts::{LoadOptions, SourceFile};
use secfw_ingest::{Format, IngestOptions, Input, Outcome, ParseOptions, WorkspaceLock, parse_slice};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ingest_with(dir: &Path, reports: &[&Path], now: &str, target: Option<&str>) -> Outcome {
    let inputs: Vec<Input> = reports.iter().map(|p| Input::new(p, Format::Auto)).collect();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).expect("workspace lock");
    let opts = IngestOptions::new(t(now)).target(target.map(str::to_owned));
    secfw_ingest::ingest(dir, &lock, &inputs, &opts).expect("ingest")
}

fn ingest(dir: &Path, report: &Path, now: &str) -> Outcome {
    ingest_with(dir, &[report], now, None)
}

fn ledger(dir: &Path) -> FindingsFile {
    let text = std::fs::read_to_string(dir.join("sec_findings.yaml")).unwrap();
    let mut diags = Vec::new();
    parse_findings(&SourceFile::new("sec_findings.yaml", text), &LoadOptions::default(), &mut diags).unwrap()
}

fn corpus(p: &str) -> PathBuf {
    secfw_testkit::corpora(p)
}

/// Copy a vendored report to `rel` inside `dir` (as a CI job writes its report there).
fn place(dir: &Path, src: &str, rel: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::copy(corpus(src), &p).unwrap();
    p
}

fn write(dir: &Path, rel: &str, v: &Value) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn codes(o: &Outcome) -> Vec<String> {
    o.diagnostics().iter().map(|d| d.code.as_str().to_owned()).collect()
}

fn open_count(dir: &Path) -> usize {
    ledger(dir).findings.iter().filter(|f| f.status == FindingStatus::Open).count()
}

const CARGO_MANY: &str = "cargo-audit/defectdojo__cargo-audit-many_findings.json";
const CARGO_NONE: &str = "cargo-audit/defectdojo__cargo-audit-no_findings.json";
const NPM_MANY: &str = "npm-audit/defectdojo__npm7plus-many_vulns.json";
const NPM_NONE: &str = "npm-audit/defectdojo__npm7plus-no_vuln.json";

// ---- D7: the audit's reproduction ----------------------------------------------------------

#[test]
fn d7_the_clean_audit_of_another_project_does_not_resolve_this_projects_findings() {
    // The audit's four commands, with the vendored reports where they are (outside the
    // workspace): project A's cargo audit, project B's clean one, A's npm audit, B's clean one.
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &corpus(CARGO_MANY), "2026-12-02T00:00:00Z");
    assert_eq!(o.summary.opened.len(), 13);
    assert!(codes(&o).contains(&"IN0110".to_owned()), "the output says the target is a default: {:?}", codes(&o));
    let note = o.diagnostics().into_iter().find(|d| d.code.as_str() == "IN0110").unwrap();
    assert!(note.message.contains("`Cargo.lock` names no project"), "{}", note.message);
    assert!(note.hint.as_deref().unwrap_or("").contains("--target"), "{note:?}");

    let o = ingest(d.path(), &corpus(CARGO_NONE), "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty(), "B's clean audit resolved A's findings: {:?}", o.summary.resolved);
    assert_eq!(o.summary.kept_open.len(), 13, "{:?}", o.summary.kept_open);
    for (id, why) in &o.summary.kept_open {
        assert!(why.contains("names no project") && why.contains("many_findings.json"), "{id}: {why}");
    }
    assert_eq!(codes(&o).iter().filter(|c| *c == "IN0108").count(), 13);

    let o = ingest(d.path(), &corpus(NPM_MANY), "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.opened.len(), 3);
    let o = ingest(d.path(), &corpus(NPM_NONE), "2026-12-05T00:00:00Z");
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    assert_eq!(o.summary.kept_open.len(), 3);
    assert!(codes(&o).contains(&"IN0110".to_owned()));
    assert_eq!(open_count(d.path()), 16);
}

#[test]
fn d7_the_same_projects_clean_rescan_at_the_same_report_path_still_resolves() {
    let d = tempfile::tempdir().unwrap();
    for (many, none, rel, n) in [
        (CARGO_MANY, CARGO_NONE, "reports/api/cargo-audit.json", 13),
        (NPM_MANY, NPM_NONE, "reports/web/npm-audit.json", 3),
    ] {
        let p = place(d.path(), many, rel);
        assert_eq!(ingest(d.path(), &p, "2026-12-02T00:00:00Z").summary.opened.len(), n);
        // The next CI run of the same project overwrites its report: clean now.
        let p = place(d.path(), none, rel);
        let o = ingest(d.path(), &p, "2026-12-03T00:00:00Z");
        assert_eq!(o.summary.resolved.len(), n, "{rel}: {:?}", o.summary.kept_open);
        assert!(o.summary.kept_open.is_empty());
    }
    assert_eq!(open_count(d.path()), 0);
}

#[test]
fn d7_target_names_the_project_whatever_the_report_paths() {
    let d = tempfile::tempdir().unwrap();
    // Named projects: the report paths do not matter.
    let o = ingest_with(d.path(), &[&corpus(CARGO_MANY)], "2026-12-02T00:00:00Z", Some("services/a"));
    assert_eq!(o.summary.opened.len(), 13);
    assert!(!codes(&o).contains(&"IN0110".to_owned()), "a named target is not a default");
    // B's clean audit, named B: A's findings are not B's.
    let o = ingest_with(d.path(), &[&corpus(CARGO_NONE)], "2026-12-03T00:00:00Z", Some("services/b"));
    assert!(o.summary.resolved.is_empty());
    // `--target "$PROJECT"` with the variable unset names no project: bound like a default.
    let o = ingest_with(d.path(), &[&corpus(CARGO_MANY)], "2026-12-03T00:00:00Z", Some(""));
    assert!(codes(&o).contains(&"IN0110".to_owned()));
    let o = ingest_with(d.path(), &[&corpus(CARGO_NONE)], "2026-12-03T00:00:00Z", Some(""));
    assert!(o.summary.resolved.is_empty(), "an empty --target resolved another report's findings");
    // A's clean audit from another path, named A: resolves.
    let p = place(d.path(), CARGO_NONE, "elsewhere/today.json");
    let o = ingest_with(d.path(), &[&p], "2026-12-04T00:00:00Z", Some("services/a"));
    assert_eq!(o.summary.resolved.len(), 13);
}

#[test]
fn d7_two_projects_with_the_same_advisories_are_two_sets_of_findings() {
    // Two services of a monorepo with the same lockfile: the same 13 findings each. Their
    // findings stay apart, so B going clean resolves B's, never A's.
    let d = tempfile::tempdir().unwrap();
    let a = place(d.path(), CARGO_MANY, "services/a/cargo-audit.json");
    let b = place(d.path(), CARGO_MANY, "services/b/cargo-audit.json");
    let o = ingest_with(d.path(), &[&a, &b], "2026-12-02T00:00:00Z", None);
    assert_eq!(o.summary.opened.len(), 26, "one finding per project and advisory");
    let b = place(d.path(), CARGO_NONE, "services/b/cargo-audit.json");
    let o = ingest(d.path(), &b, "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 13);
    let l = ledger(d.path());
    for f in &l.findings {
        let report = f.evidence[0].data.get_str("report").unwrap();
        let want = if report.starts_with("services/a/") { FindingStatus::Open } else { FindingStatus::Resolved };
        assert_eq!(f.status, want, "{} from {report}", f.finding_id);
    }
    // A's next report updates A's findings (none new).
    let o = ingest(d.path(), &a, "2026-12-04T00:00:00Z");
    assert_eq!((o.summary.opened.len(), o.summary.updated.len()), (0, 13));
}

/// A ledger as an earlier secfw wrote it: each finding under its unbound fingerprint (the
/// format's fingerprint, which the bound one keeps as its first alias).
fn as_recorded_before(dir: &Path, report: &Path, name: &str) {
    let r = parse_slice(&std::fs::read(report).unwrap(), name, Format::Auto, &ParseOptions::default()).unwrap();
    let mut text = std::fs::read_to_string(dir.join("sec_findings.yaml")).unwrap();
    let mut n = 0;
    for it in r.scans.iter().flat_map(|s| &s.items) {
        assert!(text.contains(&it.fingerprint), "the ledger holds the bound fingerprint");
        text = text.replace(&it.fingerprint, &it.aliases[0]);
        n += 1;
    }
    assert!(n > 0);
    std::fs::write(dir.join("sec_findings.yaml"), text).unwrap();
}

#[test]
fn d7_findings_recorded_before_the_binding_keep_their_ids_and_are_resolved_by_their_projects_next_scans() {
    let d = tempfile::tempdir().unwrap();
    let rel = "reports/cargo-audit.json";
    let p = place(d.path(), CARGO_MANY, rel);
    ingest(d.path(), &p, "2026-12-02T00:00:00Z");
    as_recorded_before(d.path(), &p, rel);
    // The same report again: the old findings are claimed (updated, same ids), none opened.
    let o = ingest(d.path(), &p, "2026-12-03T00:00:00Z");
    assert_eq!((o.summary.opened.len(), o.summary.updated.len()), (0, 13), "{:?}", o.summary);
    // Clean at the same path: resolved.
    let p = place(d.path(), CARGO_NONE, rel);
    assert_eq!(ingest(d.path(), &p, "2026-12-04T00:00:00Z").summary.resolved.len(), 13);

    // Recorded before from a report whose path was recorded as typed elsewhere: the clean
    // scan from another path keeps them open (says why), `--target Cargo.lock` (the target
    // they were recorded under) resolves them.
    let d = tempfile::tempdir().unwrap();
    let p = place(d.path(), CARGO_MANY, "old.json");
    ingest(d.path(), &p, "2026-12-02T00:00:00Z");
    as_recorded_before(d.path(), &p, "old.json");
    let clean = place(d.path(), CARGO_NONE, "new.json");
    let o = ingest(d.path(), &clean, "2026-12-03T00:00:00Z");
    assert_eq!((o.summary.resolved.len(), o.summary.kept_open.len()), (0, 13));
    let o = ingest_with(d.path(), &[&clean], "2026-12-04T00:00:00Z", Some("Cargo.lock"));
    assert_eq!(o.summary.resolved.len(), 13, "{:?}", o.summary.kept_open);
}

#[allow(clippy::needless_pass_by_value)] // built inline at every call
fn sarif_doc(runs: Vec<Value>) -> Value {
    json!({"version": "2.1.0", "runs": runs})
}

fn run(tool: &str, results: &[(&str, &str)]) -> Value {
    let res: Vec<Value> = results
        .iter()
        .map(|(rule, file)| {
            json!({"ruleId": rule, "message": {"text": format!("{rule} in {file}")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": file}}}]})
        })
        .collect();
    json!({"tool": {"driver": {"name": tool}}, "invocations": [{"executionSuccessful": true}], "results": res})
}

#[test]
fn d7_a_sarif_log_naming_no_repository_resolves_only_findings_of_its_own_report_path() {
    let d = tempfile::tempdir().unwrap();
    let a = write(d.path(), "repo-a/semgrep.sarif", &sarif_doc(vec![run("Semgrep OSS", &[("py.sqli", "app/db.py")])]));
    ingest(d.path(), &a, "2026-12-02T00:00:00Z");
    // Repository B's clean log: target `.` too.
    let b = write(d.path(), "repo-b/semgrep.sarif", &sarif_doc(vec![run("Semgrep OSS", &[])]));
    let o = ingest(d.path(), &b, "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty());
    assert!(o.summary.kept_open[0].1.contains("`.` names no project"), "{:?}", o.summary.kept_open);
    assert!(codes(&o).contains(&"IN0110".to_owned()));
    // Repository A's clean log at its path: resolves.
    let a = write(d.path(), "repo-a/semgrep.sarif", &sarif_doc(vec![run("Semgrep OSS", &[])]));
    assert_eq!(ingest(d.path(), &a, "2026-12-04T00:00:00Z").summary.resolved.len(), 1);
    // A log naming its repository is not bound and says nothing about defaults.
    let mut named = sarif_doc(vec![run("Semgrep OSS", &[])]);
    named["runs"][0]["versionControlProvenance"] = json!([{"repositoryUri": "https://example.invalid/c"}]);
    let c = write(d.path(), "repo-c/semgrep.sarif", &named);
    assert!(!codes(&ingest(d.path(), &c, "2026-12-05T00:00:00Z")).contains(&"IN0110".to_owned()));
}

#[test]
fn d7_a_sarif_run_resolves_only_findings_of_its_category() {
    // GitHub code scanning keys analyses by `automationDetails.id` (the category): the
    // `/language:python/` analysis says nothing about what the `/language:go/` one found.
    let d = tempfile::tempdir().unwrap();
    let with_cat = |cat: &str, results: &[(&str, &str)]| {
        let mut r = run("CodeQL", results);
        r["automationDetails"] = json!({"id": cat});
        r
    };
    let p = write(d.path(), "codeql.sarif", &sarif_doc(vec![with_cat("/language:go/", &[("go/sqli", "main.go")])]));
    ingest(d.path(), &p, "2026-12-02T00:00:00Z");
    let f = &ledger(d.path()).findings[0];
    assert_eq!(f.evidence[0].data.get_str("sarif_category"), Some("/language:go"));
    let p = write(d.path(), "codeql.sarif", &sarif_doc(vec![with_cat("/language:python/", &[])]));
    let o = ingest(d.path(), &p, "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty());
    assert!(o.summary.kept_open[0].1.contains("category `/language:go`"), "{:?}", o.summary.kept_open);
    // A run without a category is another analysis too.
    let p = write(d.path(), "codeql.sarif", &sarif_doc(vec![run("CodeQL", &[])]));
    assert!(ingest(d.path(), &p, "2026-12-04T00:00:00Z").summary.resolved.is_empty());
    // The same category, clean (another run id after the last `/`): resolved.
    let p = write(d.path(), "codeql.sarif", &sarif_doc(vec![with_cat("/language:go/2026-12-05", &[])]));
    assert_eq!(ingest(d.path(), &p, "2026-12-05T00:00:00Z").summary.resolved.len(), 1);

    // The other way round: a finding of a run without a category (which may have analysed
    // Go) is not resolved by the clean Python analysis, only by a clean uncategorised run.
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "codeql.sarif", &sarif_doc(vec![run("CodeQL", &[("go/sqli", "main.go")])]));
    ingest(d.path(), &p, "2026-12-02T00:00:00Z");
    let p = write(d.path(), "codeql.sarif", &sarif_doc(vec![with_cat("/language:python/", &[])]));
    let o = ingest(d.path(), &p, "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary);
    assert!(o.summary.kept_open[0].1.contains("without a category"), "{:?}", o.summary.kept_open);
    let p = write(d.path(), "codeql.sarif", &sarif_doc(vec![run("CodeQL", &[])]));
    assert_eq!(ingest(d.path(), &p, "2026-12-04T00:00:00Z").summary.resolved.len(), 1);
}

// ---- D9: scan records per report -------------------------------------------------------------

#[test]
fn d9_twenty_thousand_empty_runs_of_one_tool_are_one_scan_record() {
    let d = tempfile::tempdir().unwrap();
    let runs: Vec<Value> = (0..20_000).map(|_| run("Semgrep OSS", &[])).collect();
    let p = write(d.path(), "many-runs.sarif", &sarif_doc(runs));
    let o = ingest(d.path(), &p, "2026-12-02T00:00:00Z");
    assert_eq!(o.summary.scans.len(), 1);
    assert_eq!(ledger(d.path()).scans.len(), 1);
    // Both parsing paths agree.
    let bytes = std::fs::read(&p).unwrap();
    let mem = parse_slice(&bytes, "m", Format::Sarif, &ParseOptions::default()).unwrap();
    let stream = parse_slice(&bytes, "m", Format::Sarif, &ParseOptions::default().in_memory_max(0)).unwrap();
    assert_eq!(mem.scans, stream.scans);
    assert_eq!(mem.scans.len(), 1);
}

#[test]
fn d9_more_than_a_thousand_distinct_scans_are_refused_with_a_location() {
    let runs: Vec<Value> = (0..1_001).map(|i| run(&format!("tool-{i}"), &[])).collect();
    let text = serde_json::to_string_pretty(&sarif_doc(runs)).unwrap();
    for opts in [ParseOptions::default(), ParseOptions::default().in_memory_max(0)] {
        let e = parse_slice(text.as_bytes(), "distinct.sarif", Format::Auto, &opts).unwrap_err();
        let d = &e.diagnostics()[0];
        assert_eq!(d.code.as_str(), "IN0008", "{d:?}");
        assert!(d.message.contains("runs[1000]") && d.message.contains("1000 scans"), "{}", d.message);
        assert!(d.line.is_some_and(|l| l > 1), "located: {d:?}");
    }
    // Exactly the limit is accepted.
    let runs: Vec<Value> = (0..1_000).map(|i| run(&format!("tool-{i}"), &[])).collect();
    let r = parse_slice(sarif_doc(runs).to_string().as_bytes(), "ok.sarif", Format::Auto, &ParseOptions::default());
    assert_eq!(r.unwrap().scans.len(), 1000);
}

#[test]
fn d9_collapsing_never_turns_a_failed_or_incomplete_run_into_a_success() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "codeql.sarif",
        &sarif_doc(vec![run("CodeQL", &[("js/xss", "web/app.js")]), run("CodeQL", &[("py/sqli", "app.py")])]),
    );
    ingest(d.path(), &p, "2026-12-02T00:00:00Z");
    assert_eq!(ledger(d.path()).scans.len(), 1, "two runs of one tool and target: one scan");
    // Run 0 failed, run 1 succeeded, run 2 has `results: null`, all of one tool and target.
    let mut failed = run("CodeQL", &[]);
    failed["invocations"] = json!([{"executionSuccessful": false,
        "toolExecutionNotifications": [{"message": {"text": "js extractor crashed"}}]}]);
    let mut null = run("CodeQL", &[]);
    null["results"] = Value::Null;
    for runs in [vec![failed.clone(), run("CodeQL", &[])], vec![run("CodeQL", &[]), failed.clone()]] {
        let dd = tempfile::tempdir().unwrap();
        let first = write(dd.path(), "codeql.sarif", &sarif_doc(vec![run("CodeQL", &[("js/xss", "web/app.js")])]));
        ingest(dd.path(), &first, "2026-12-02T00:00:00Z");
        let p = write(dd.path(), "codeql.sarif", &sarif_doc(runs));
        let o = ingest(dd.path(), &p, "2026-12-03T00:00:00Z");
        assert!(o.summary.resolved.is_empty(), "{:?}", o.summary);
        assert_eq!(o.summary.failed_scans.len(), 1);
        let l = ledger(dd.path());
        let rec = l.scans.iter().find(|s| s.scan_id == o.summary.scans[0]).unwrap();
        assert_eq!(rec.status, ScanStatus::Failure);
        assert!(rec.error.as_deref().unwrap_or("").contains("js extractor crashed"), "{rec:?}");
    }
    let dd = tempfile::tempdir().unwrap();
    let first = write(dd.path(), "codeql.sarif", &sarif_doc(vec![run("CodeQL", &[("js/xss", "web/app.js")])]));
    ingest(dd.path(), &first, "2026-12-02T00:00:00Z");
    let p = write(dd.path(), "codeql.sarif", &sarif_doc(vec![run("CodeQL", &[]), null]));
    let o = ingest(dd.path(), &p, "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty());
    let l = ledger(dd.path());
    let rec = l.scans.iter().find(|s| s.scan_id == o.summary.scans[0]).unwrap();
    assert!(rec.incomplete.get("rules").is_some_and(|w| w.contains("runs[1]")), "{rec:?}");
}

#[test]
fn d7_a_producer_that_calls_every_project_dot_is_bound_too() {
    // `trivy fs .` names every project `.`: as anonymous as a format default.
    let d = tempfile::tempdir().unwrap();
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(corpus("trivy/trivy__alpine-310.json")).unwrap()).unwrap();
    doc["ArtifactName"] = json!(".");
    let a = write(d.path(), "a/trivy.json", &doc);
    let n = ingest(d.path(), &a, "2026-12-02T00:00:00Z").summary.opened.len();
    assert!(n > 0);
    for r in doc["Results"].as_array_mut().unwrap() {
        r["Vulnerabilities"] = json!([]);
    }
    let b = write(d.path(), "b/trivy.json", &doc);
    let o = ingest(d.path(), &b, "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    assert!(codes(&o).contains(&"IN0110".to_owned()));
    let a = write(d.path(), "a/trivy.json", &doc);
    assert_eq!(ingest(d.path(), &a, "2026-12-04T00:00:00Z").summary.resolved.len(), n);
}

#[test]
fn d7_an_osv_scan_with_one_unnamed_source_is_bound_only_for_that_source() {
    // One result names its lockfile, one does not (`unknown`): findings of the named lockfile
    // are resolved by a clean scan from any report path, those of `unknown` only from the same.
    let d = tempfile::tempdir().unwrap();
    let pkg = |name: &str| {
        json!({"package": {"name": name, "version": "1.0.0", "ecosystem": "npm"},
            "vulnerabilities": [{"id": format!("GHSA-{name}-aaaa-bbbb"), "summary": "s"}],
            "groups": [{"ids": [format!("GHSA-{name}-aaaa-bbbb")]}]})
    };
    let doc = |packages: bool| {
        let p = |n: &str| if packages { vec![pkg(n)] } else { Vec::new() };
        json!({"results": [
            {"source": {"path": "/src/web/package-lock.json", "type": "lockfile"}, "packages": p("left")},
            {"source": {"type": "lockfile"}, "packages": p("right")}
        ]})
    };
    let first = write(d.path(), "a/osv.json", &doc(true));
    assert_eq!(ingest(d.path(), &first, "2026-12-02T00:00:00Z").summary.opened.len(), 2);
    let clean = write(d.path(), "b/osv.json", &doc(false));
    let o = ingest(d.path(), &clean, "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "only the named lockfile's finding: {:?}", o.summary.kept_open);
    assert_eq!(o.summary.kept_open.len(), 1);
    assert!(o.summary.kept_open[0].1.contains("`unknown` names no project"), "{:?}", o.summary.kept_open);
}
