//! A scan resolves a finding only when it covered the finding's tool, target, class **and**
//! the scope within the class (rule set, package scope, cluster resource, file) completely
//! (issue 12 item 2). Each test is an attack of the independent audit (D1 … D10) or a
//! variant of it in another format or class: a fail-open resolution turned into a finding
//! that stays open with `IN0108` and the reason.
#![allow(clippy::many_single_char_names)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{FindingStatus, FindingsFile};
use secfw_artifacts::parse_findings;
use secfw_artifacts::{LoadOptions, SourceFile};
use secfw_ingest::{Format, IngestOptions, Input, Outcome, ParseOptions, WorkspaceLock, parse_slice};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Ingest `docs` (name, JSON) into `dir` at `now`.
fn ingest(dir: &Path, docs: &[(&str, &Value)], now: &str) -> Outcome {
    let inputs: Vec<Input> = docs.iter().map(|(n, v)| Input::new(write(dir, n, v), Format::Auto)).collect();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).expect("workspace lock");
    secfw_ingest::ingest(dir, &lock, &inputs, &IngestOptions::new(t(now))).expect("ingest")
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

fn ledger(dir: &Path) -> FindingsFile {
    let text = std::fs::read_to_string(dir.join("sec_findings.yaml")).unwrap();
    let mut diags = Vec::new();
    parse_findings(&SourceFile::new("sec_findings.yaml", text), &LoadOptions::default(), &mut diags).unwrap()
}

/// Every finding of the ledger is still open, the second ingest resolved nothing, kept every
/// one open with `IN0108`, and each reason contains `why`.
fn all_kept_open(dir: &Path, o: &Outcome, n: usize, why: &str) {
    assert!(o.summary.resolved.is_empty(), "resolved {:?}; kept open {:?}", o.summary.resolved, o.summary.kept_open);
    assert_eq!(o.summary.kept_open.len(), n, "{:?}", o.summary.kept_open);
    for (id, reason) in &o.summary.kept_open {
        assert!(reason.contains(why), "{id}: {reason}");
    }
    let notes = o.summary.diagnostics.iter().filter(|d| d.code.as_str() == "IN0108").count();
    assert_eq!(notes, n, "{:?}", o.summary.diagnostics);
    assert!(ledger(dir).findings.iter().all(|f| f.status == FindingStatus::Open));
}

fn sarif_run(tool: &str, rules: &[&str], results: Value) -> Value {
    let rules: Vec<Value> = rules.iter().map(|r| json!({"id": r})).collect();
    let mut run =
        json!({"tool": {"driver": {"name": tool, "rules": rules}}, "invocations": [{"executionSuccessful": true}]});
    run["results"] = results;
    run
}

/// A SARIF log of `runs`, each naming the repository (unless it names one): the reports of
/// these tests are of one project whatever their paths (a log naming no repository is bound
/// to its report path, tests/project_scope.rs).
fn sarif(mut runs: Vec<Value>) -> Value {
    for r in &mut runs {
        if r.get("versionControlProvenance").is_none() {
            r["versionControlProvenance"] = json!([{"repositoryUri": "https://example.invalid/repo"}]);
        }
    }
    let mut log = json!({"version": "2.1.0"});
    log["runs"] = Value::Array(runs);
    log
}

fn sqli() -> Value {
    json!([{"ruleId": "py.sqli", "level": "error", "message": {"text": "sqli"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app/db.py"}, "region": {"startLine": 3}}}]}])
}

// ---- D1: the rule set is part of a SARIF run's scope --------------------------------------

#[test]
fn d1_a_sarif_run_of_another_rule_set_does_not_resolve_findings_of_rules_it_does_not_have() {
    let d = tempfile::tempdir().unwrap();
    let s1 = sarif(vec![sarif_run("Semgrep OSS", &["py.sqli"], sqli())]);
    assert_eq!(ingest(d.path(), &[("s1.sarif", &s1)], "2026-12-02T00:00:00Z").summary.opened.len(), 1);
    // `semgrep --config p/javascript`: a successful, complete run without `py.sqli`.
    let s3 = sarif(vec![sarif_run("Semgrep OSS", &["js.xss"], json!([]))]);
    let o = ingest(d.path(), &[("s3.sarif", &s3)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "rule `py.sqli` is not in the semgrep oss scan's scope (`js.xss`)");
    // The same rule set, run again and clean: resolved.
    let s4 = sarif(vec![sarif_run("Semgrep OSS", &["py.sqli", "js.xss"], json!([]))]);
    let o = ingest(d.path(), &[("s4.sarif", &s4)], "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary.kept_open);
}

#[test]
fn d1_rules_of_tool_extensions_count_and_a_run_declaring_no_rules_covers_the_tool_wide_scope() {
    let d = tempfile::tempdir().unwrap();
    let s1 = sarif(vec![sarif_run("CodeQL", &["py.sqli"], sqli())]);
    ingest(d.path(), &[("s1.sarif", &s1)], "2026-12-02T00:00:00Z");
    // A query pack (extension) without the rule: kept open.
    let mut ext = sarif_run("CodeQL", &[], json!([]));
    ext["tool"]["extensions"] = json!([{"name": "codeql/javascript-queries", "rules": [{"id": "js/xss"}]}]);
    let o = ingest(d.path(), &[("ext.sarif", &sarif(vec![ext.clone()]))], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "rule `py.sqli` is not in the codeql scan's scope (`js/xss`)");
    // The rule in an extension: covered.
    ext["tool"]["extensions"] = json!([{"name": "codeql/python-queries", "rules": [{"id": "py.sqli"}]}]);
    let o = ingest(d.path(), &[("ext2.sarif", &sarif(vec![ext]))], "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary.kept_open);

    // A run that declares no rules (Gitleaks v7, some linters) covers the tool's whole rule set.
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &[("s1.sarif", &s1)], "2026-12-02T00:00:00Z");
    let o =
        ingest(d.path(), &[("bare.sarif", &sarif(vec![sarif_run("CodeQL", &[], json!([]))]))], "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary.kept_open);
}

#[test]
fn d1_a_run_whose_results_name_an_undeclared_rule_covers_that_rule() {
    // The rule set is what the run declares plus what its results name: a result of an
    // undeclared rule proves the rule ran, so a later clean run of the same shape resolves it.
    let d = tempfile::tempdir().unwrap();
    let s1 = sarif(vec![sarif_run("Semgrep OSS", &["other"], sqli())]);
    ingest(d.path(), &[("s1.sarif", &s1)], "2026-12-02T00:00:00Z");
    let s2 = sarif(vec![sarif_run("Semgrep OSS", &["other"], json!([]))]);
    let o = ingest(d.path(), &[("s2.sarif", &s2)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "`py.sqli` is not in the semgrep oss scan's scope");
}

// ---- D1b: a failed or incomplete scan in the scope keeps it open, whatever else succeeded --

fn xss() -> Value {
    json!([{"ruleId": "js/xss", "level": "error", "message": {"text": "xss"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "web/app.js"}}}]}])
}

fn codeql(results: Value, success: bool) -> Value {
    let mut run = json!({"tool": {"driver": {"name": "CodeQL"}}, "invocations": [{"executionSuccessful": success,
        "toolExecutionNotifications": if success { json!([]) } else { json!([{"message": {"text": "js extractor crashed"}}]) }}]});
    run["results"] = results;
    run
}

#[test]
fn d1b_a_codeql_log_whose_javascript_run_failed_does_not_resolve_javascript_findings_through_the_python_run() {
    let d = tempfile::tempdir().unwrap();
    let r1 = sarif(vec![codeql(xss(), true), codeql(json!([]), true)]);
    assert_eq!(ingest(d.path(), &[("r1.sarif", &r1)], "2026-12-02T00:00:00Z").summary.opened.len(), 1);
    let r2 = sarif(vec![codeql(json!([]), false), codeql(json!([]), true)]);
    let o = ingest(d.path(), &[("r2.sarif", &r2)], "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.failed_scans.len(), 1);
    all_kept_open(d.path(), &o, 1, "the codeql scan failed");
    // Variants: the JavaScript run with `results: null`, or without `results`.
    for js in [
        json!({"tool": {"driver": {"name": "CodeQL"}}, "results": null}),
        json!({"tool": {"driver": {"name": "CodeQL"}}}),
    ] {
        let r3 = sarif(vec![js, codeql(json!([]), true)]);
        let o = ingest(d.path(), &[("r3.sarif", &r3)], "2026-12-04T00:00:00Z");
        all_kept_open(d.path(), &o, 1, "the codeql scan is incomplete for rules findings");
    }
    // The failed run and the successful one in two reports of one ingest: the same.
    let a = sarif(vec![codeql(json!([]), false)]);
    let b = sarif(vec![codeql(json!([]), true)]);
    let o = ingest(d.path(), &[("a.sarif", &a), ("b.sarif", &b)], "2026-12-05T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "the codeql scan failed");
    // Everything complete and successful: resolved.
    let o = ingest(d.path(), &[("b.sarif", &b)], "2026-12-06T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary.kept_open);
}

#[test]
fn d1b_two_trivy_reports_of_one_image_one_with_a_skipped_item_resolve_nothing_of_that_class() {
    let d = tempfile::tempdir().unwrap();
    let full = real("trivy/trivy__alpine-310.json");
    assert_eq!(ingest(d.path(), &[("alpine.json", &full)], "2026-12-02T00:00:00Z").summary.opened.len(), 4);
    let mut clean = full;
    clean["Results"][0]["Vulnerabilities"] = json!([]);
    let mut skipped = clean.clone();
    skipped["Results"][0]["Vulnerabilities"] = json!([{"PkgName": "musl"}]); // no VulnerabilityID: IN0101
    let o =
        ingest(d.path(), &[("alpine-skipped.json", &skipped), ("alpine-clean.json", &clean)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 4, "the trivy scan is incomplete for vulnerability findings");
    // A Grype report of the same image next to a clean one: the same rule.
    let d = tempfile::tempdir().unwrap();
    let g = real("grype/grype__json-presenter-image.json");
    let n = ingest(d.path(), &[("g.json", &g)], "2026-12-02T00:00:00Z").summary.opened.len();
    assert!(n > 0);
    let mut gclean = g;
    gclean["matches"] = json!([]);
    let mut gskip = gclean.clone();
    gskip["matches"] = json!([{"vulnerability": {}}]);
    let o = ingest(d.path(), &[("gskip.json", &gskip), ("gclean.json", &gclean)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "the grype scan is incomplete for vulnerability findings");
}

fn real(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(secfw_testkit::corpora(path)).unwrap()).unwrap()
}

// ---- D2: notifications of files the tool did not analyse -----------------------------------

fn notified(notifications: Value) -> Value {
    let mut run = sarif_run("Semgrep OSS", &["py.sqli"], json!([]));
    run["invocations"][0]["toolExecutionNotifications"] = notifications;
    sarif(vec![run])
}

#[test]
fn d2_a_file_the_tool_could_not_parse_keeps_its_findings_open() {
    for level in ["error", "warning"] {
        let d = tempfile::tempdir().unwrap();
        let s1 = sarif(vec![sarif_run("Semgrep OSS", &["py.sqli"], sqli())]);
        ingest(d.path(), &[("s1.sarif", &s1)], "2026-12-02T00:00:00Z");
        let s2 = notified(json!([{"level": level, "descriptor": {"id": "Syntax error"},
            "message": {"text": "Syntax error at line app/db.py:3: could not parse; file skipped"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "./app/db.py"}}}]}]));
        let o = ingest(d.path(), &[("s2.sarif", &s2)], "2026-12-03T00:00:00Z");
        all_kept_open(d.path(), &o, 1, "the semgrep oss scan did not analyse `app/db.py`");
        let scan = ledger(d.path())
            .scans
            .into_iter()
            .find(|s| s.report.as_deref().is_some_and(|r| r.ends_with("s2.sarif")))
            .unwrap();
        assert!(scan.incomplete.contains_key("rules in app/db.py"), "{:?}", scan.incomplete);
        assert!(scan.scope_unknown());
    }
}

#[test]
fn d2_notifications_that_name_no_file_or_another_file_or_only_advise() {
    let d = tempfile::tempdir().unwrap();
    let s1 = sarif(vec![sarif_run("Semgrep OSS", &["py.sqli"], sqli())]);
    ingest(d.path(), &[("s1.sarif", &s1)], "2026-12-02T00:00:00Z");
    // An unlocated error (here a configuration notification): the whole run is incomplete.
    let mut s = notified(json!([]));
    s["runs"][0]["invocations"][0]["toolConfigurationNotifications"] =
        json!([{"level": "error", "message": {"text": "rule py.sqli could not be loaded"}}]);
    let o = ingest(d.path(), &[("cfg.sarif", &s)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "the semgrep oss scan is incomplete for rules findings: error notification");
    // No `level` (SARIF's default is `warning`), a skip-like message naming no file: run-wide.
    let s = notified(json!([{"descriptor": {"id": "Timeout"}, "message": {"text": "Timeout when running all rules"}}]));
    let o = ingest(d.path(), &[("to.sarif", &s)], "2026-12-04T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "incomplete for rules findings: warning notification `Timeout`");
    // Semgrep's real layout: no `locations`, the file in the message. Other files, a note and
    // advice: the finding's file was analysed, so it is resolved.
    let s = notified(json!([
        {"level": "warning", "descriptor": {"id": "Syntax error"}, "message": {"text": "Syntax error at line web/x.ts:1:\n `x` was unexpected"}},
        {"level": "warning", "descriptor": {"id": "Timeout"}, "message": {"text": "Timeout when running py.sqli on app/other.py:\n "}},
        {"level": "note", "message": {"text": "Syntax error at line app/db.py:1: (a note does not count)"}},
        {"level": "warning", "message": {"text": "rule py.old is deprecated"}}
    ]));
    let o = ingest(d.path(), &[("other.sarif", &s)], "2026-12-05T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary.kept_open);
}

#[test]
fn d2_the_real_semgrep_logs_name_every_file_they_skipped() {
    for path in ["sarif/defectdojo__semgrep-1.69.0.sarif", "sarif/smithy__semgrep-oss-1.56.0.sarif"] {
        let bytes = std::fs::read(secfw_testkit::corpora(path)).unwrap();
        let r = parse_slice(&bytes, path, Format::Sarif, &ParseOptions::default()).unwrap();
        let scan = &r.scans[0];
        assert!(scan.success && scan.incomplete.is_empty(), "{path}: every notification names its file");
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
        let files: std::collections::BTreeSet<String> = notes
            .iter()
            .map(|n| {
                let text = n["message"]["text"].as_str().unwrap();
                let file =
                    scan.incomplete_at.keys().filter(|p| text.contains(&format!(" {p}:"))).max_by_key(|p| p.len());
                file.cloned().unwrap_or_else(|| panic!("{path}: no skipped file for {text:?}"))
            })
            .collect();
        assert_eq!(files.len(), scan.incomplete_at.len(), "{path}: {:?}", scan.incomplete_at);
    }
    // End to end: a finding in a file the real log did not analyse stays open.
    let d = tempfile::tempdir().unwrap();
    let log: Value = real("sarif/defectdojo__semgrep-1.69.0.sarif");
    let rule = log["runs"][0]["tool"]["driver"]["rules"][0]["id"].as_str().unwrap().to_owned();
    let mut first = log.clone();
    first["runs"][0]["invocations"] = json!([{"executionSuccessful": true}]);
    first["runs"][0]["results"] = json!([{"ruleId": rule, "message": {"text": "m"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "server.ts"}}}]}]);
    // The same report path: the log names no repository.
    ingest(d.path(), &[("semgrep.sarif", &first)], "2026-12-02T00:00:00Z");
    let o = ingest(d.path(), &[("semgrep.sarif", &log)], "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty());
    let why = "did not analyse `server.ts`: warning notification `Timeout`";
    assert!(o.summary.kept_open.iter().any(|(_, w)| w.contains(why)), "{:?}", o.summary.kept_open);
}

// ---- D4: a Trivy vulnerability scan covers only the result scopes it has ------------------

#[test]
fn d4_a_trivy_scan_of_os_packages_does_not_resolve_the_java_vulnerabilities_of_the_same_image() {
    let d = tempfile::tempdir().unwrap();
    let full = real("trivy/trivy__spring4shell-jre8.json");
    let o = ingest(d.path(), &[("spring.json", &full)], "2026-12-02T00:00:00Z");
    assert_eq!(o.summary.opened.len(), 1, "CVE-2022-22965 (Java)");
    // `trivy image --pkg-types os`: only the OS result.
    let mut os_only = full.clone();
    let results: Vec<Value> = full["Results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Class"] == "os-pkgs")
        .map(|r| {
            let mut r = r.clone();
            r["Vulnerabilities"] = json!([]);
            r
        })
        .collect();
    os_only["Results"] = json!(results);
    let o = ingest(d.path(), &[("spring-os-only.json", &os_only)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "package scope `Java` is not in the trivy scan's scope (`debian`)");
    // The reverse: `--pkg-types library` does not resolve the OS packages' vulnerabilities.
    let d = tempfile::tempdir().unwrap();
    let alpine = real("trivy/trivy__alpine-310.json");
    ingest(d.path(), &[("alpine.json", &alpine)], "2026-12-02T00:00:00Z");
    let mut lib_only = alpine.clone();
    lib_only["Results"] = json!([{"Target": "app/package-lock.json", "Class": "lang-pkgs", "Type": "npm"}]);
    let o = ingest(d.path(), &[("lib.json", &lib_only)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 4, "package scope `alpine` is not in the trivy scan's scope (`app/package-lock.json`)");
    // A scan of the same scope (an OS upgrade: another release, the same family) resolves.
    let mut upgraded = alpine;
    upgraded["Results"] = json!([{"Target": "x (alpine 3.18.4)", "Class": "os-pkgs", "Type": "alpine"}]);
    let o = ingest(d.path(), &[("up.json", &upgraded)], "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 4, "{:?}", o.summary.kept_open);
}

#[test]
fn d4_a_lockfile_scan_does_not_resolve_the_findings_of_another_lockfile_nor_the_legacy_layout() {
    let d = tempfile::tempdir().unwrap();
    let two = json!({"SchemaVersion": 2, "ArtifactName": "repo", "Results": [
        {"Target": "a/package-lock.json", "Class": "lang-pkgs", "Type": "npm",
         "Vulnerabilities": [{"VulnerabilityID": "CVE-2021-1", "PkgName": "x", "InstalledVersion": "1", "Severity": "HIGH"}]},
        {"Target": "b/package-lock.json", "Class": "lang-pkgs", "Type": "npm",
         "Vulnerabilities": [{"VulnerabilityID": "CVE-2021-2", "PkgName": "y", "InstalledVersion": "1", "Severity": "HIGH"}]}]});
    assert_eq!(ingest(d.path(), &[("two.json", &two)], "2026-12-02T00:00:00Z").summary.opened.len(), 2);
    let mut a_only = two;
    a_only["Results"] = json!([{"Target": "a/package-lock.json", "Class": "lang-pkgs", "Type": "npm"}]);
    let o = ingest(d.path(), &[("a.json", &a_only)], "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "the finding of a/package-lock.json");
    assert_eq!(o.summary.kept_open.len(), 1);
    assert!(
        o.summary.kept_open[0].1.contains("package scope `b/package-lock.json` is not in"),
        "{:?}",
        o.summary.kept_open
    );
    // The legacy layout (a bare array of results): the same rule.
    let d = tempfile::tempdir().unwrap();
    let legacy = json!([
        {"Target": "img (alpine 3.10)", "Type": "alpine", "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-1", "PkgName": "musl", "InstalledVersion": "1"}]},
        {"Target": "app/Gemfile.lock", "Type": "bundler", "Vulnerabilities": [{"VulnerabilityID": "CVE-2019-2", "PkgName": "rack", "InstalledVersion": "1"}]}]);
    assert_eq!(ingest(d.path(), &[("l.json", &legacy)], "2026-12-02T00:00:00Z").summary.opened.len(), 2);
    let os = json!([{"Target": "img (alpine 3.10)", "Type": "alpine", "Vulnerabilities": null}]);
    let o = ingest(d.path(), &[("l2.json", &os)], "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary.kept_open);
    assert!(o.summary.kept_open[0].1.contains("`app/Gemfile.lock` is not in"), "{:?}", o.summary.kept_open);
}

// ---- D3: a `trivy k8s` report covers only the resources it lists ---------------------------

#[test]
fn d3_a_namespace_limited_trivy_k8s_scan_does_not_resolve_findings_of_other_namespaces() {
    let d = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trivy-k8s-empty-cluster.json");
    let mut full: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    full["ClusterName"] = json!("prod");
    let o = ingest(d.path(), &[("k8s-full.json", &full)], "2026-12-02T00:00:00Z");
    assert_eq!(o.summary.opened.len(), 2, "KSV009 of kube-proxy, CVE-2020-27350 of default/redis-follower");
    // `trivy k8s --include-namespaces kube-system`: default's resources are not listed.
    let mut ns = full.clone();
    let kept: Vec<Value> = full["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Namespace"] == "kube-system")
        .map(|r| {
            let mut r = r.clone();
            r["Results"].as_array_mut().unwrap().push(
                json!({"Target": "registry.k8s.io/kube-proxy:v1.28 (debian 12)", "Class": "os-pkgs", "Type": "debian"}),
            );
            r
        })
        .collect();
    ns["Resources"] = json!(kept);
    let o = ingest(d.path(), &[("k8s-ns.json", &ns)], "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.updated.len(), 1, "KSV009 seen again");
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    assert_eq!(o.summary.kept_open.len(), 1);
    assert!(
        o.summary.kept_open[0].1.contains(
            "package scope `default/Deployment/redis-follower/gcr.io/google_samples/gb-redis-follower/debian` is not in"
        ),
        "{:?}",
        o.summary.kept_open
    );
    // Misconfigurations too: a report listing only default's resources keeps kube-proxy's open.
    let mut other = full.clone();
    let kept: Vec<Value> = full["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Namespace"] == "default")
        .map(|r| {
            let mut r = r.clone();
            r["Results"]
                .as_array_mut()
                .unwrap()
                .push(json!({"Target": "Deployment/redis-follower", "Class": "config", "Type": "kubernetes"}));
            r
        })
        .collect();
    other["Resources"] = json!(kept);
    let o = ingest(d.path(), &[("k8s-default.json", &other)], "2026-12-04T00:00:00Z");
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    assert!(o.summary.kept_open.iter().any(|(_, w)| w.contains("resource `kube-system/")), "{:?}", o.summary.kept_open);
}

// ---- D5: Grype `ignoredMatches` are ingested as suppressed by the scanner ------------------

#[test]
fn d5_grype_ignore_rules_do_not_resolve_the_findings_they_hide() {
    let d = tempfile::tempdir().unwrap();
    let g = real("grype/defectdojo__grype-check_all_fields.json");
    let o = ingest(d.path(), &[("grype.json", &g)], "2026-12-02T00:00:00Z");
    let n = o.summary.opened.len();
    assert_eq!(n, 5);
    // `.grype.yaml` `ignore:` naming every vulnerability: Grype moves them to `ignoredMatches`.
    let mut ignored = g.clone();
    let matches = ignored["matches"].as_array().unwrap().clone();
    ignored["matches"] = json!([]);
    ignored["ignoredMatches"] = json!(
        matches
            .iter()
            .map(|m| {
                let mut m = m.clone();
                m["appliedIgnoreRules"] =
                    json!([{"vulnerability": m["vulnerability"]["id"], "reason": "not reachable"}]);
                m
            })
            .collect::<Vec<_>>()
    );
    let o = ingest(d.path(), &[("grype-ignored.json", &ignored)], "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    assert!(o.summary.opened.is_empty(), "the same fingerprints: {:?}", o.summary.opened);
    assert_eq!(o.summary.updated.len(), n);
    let notes: Vec<_> = o.reports.iter().flat_map(|r| &r.diagnostics).filter(|x| x.code.as_str() == "IN0103").collect();
    assert_eq!(notes.len(), matches.len(), "one note per ignored match: {notes:?}");
    for f in ledger(d.path()).findings {
        assert_eq!(f.status, FindingStatus::Open);
        let sups = f.evidence[0].data.get("suppressions").unwrap();
        let sup = &sups[0];
        assert_eq!(sup["status"], "accepted", "{sup}");
        assert_eq!(sup["justification"], "not reachable");
        let rule = f.source.as_ref().and_then(|s| s.rule_id.clone()).unwrap();
        assert!(sup["rules"].as_str().unwrap().contains(&rule), "{sup}");
    }
    // A broken entry is skipped (IN0101) and makes the scan incomplete: nothing resolved.
    let mut broken = g;
    broken["matches"] = json!([]);
    broken["ignoredMatches"] = json!([{"vulnerability": {}}]);
    let o = ingest(d.path(), &[("broken.json", &broken)], "2026-12-04T00:00:00Z");
    all_kept_open(d.path(), &o, n, "the grype scan is incomplete for vulnerability findings");
    broken["ignoredMatches"] = json!({"not": "an array"});
    let o = ingest(d.path(), &[("broken2.json", &broken)], "2026-12-05T00:00:00Z");
    all_kept_open(d.path(), &o, n, "the grype scan is incomplete for vulnerability findings");
}

// ---- D10: the rulebook's and inventory's warnings reach the ingest output -------------------

#[test]
fn d10_a_misspelt_sla_days_key_is_reported_by_ingest_never_silently_defaulted() {
    let example = secfw_artifacts::template::EXAMPLE.iter().find(|(n, _)| *n == "rulebook.yaml").unwrap().1;
    assert!(example.contains("\nsla_days:\n"), "the example rulebook changed; update this test");
    let report = sarif(vec![sarif_run("T", &["py.sqli"], sqli())]);
    for (file, text, key) in [
        ("rulebook.yaml", example.replace("\nsla_days:\n", "\nsla_dayz:\n"), "sla_dayz"),
        ("inventory.yaml", "version: \"1.0\"\nresourcez: []\nresources: []\n".to_owned(), "resourcez"),
    ] {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(file), &text).unwrap();
        let o = ingest(d.path(), &[("a.sarif", &report)], "2026-12-02T00:00:00Z");
        let said: Vec<_> = o.diagnostics().into_iter().filter(|x| x.file == file && x.message.contains(key)).collect();
        assert_eq!(said.len(), 1, "{file}: {:?}", o.diagnostics());
        assert!(!said[0].is_error());
        // The cycle's path (a workspace loaded once): the same warning.
        let mut ws = secfw_artifacts::load(d.path(), &LoadOptions::default()).unwrap();
        let lock = WorkspaceLock::acquire(d.path(), Duration::from_secs(30)).unwrap();
        let input = Input::new(d.path().join("a.sarif"), Format::Auto);
        let o = secfw_ingest::ingest_loaded(
            d.path(),
            &lock,
            &[input],
            &IngestOptions::new(t("2026-12-03T00:00:00Z")),
            &mut ws,
        )
        .unwrap();
        let said = o.diagnostics().into_iter().filter(|x| x.file == file && x.message.contains(key)).count();
        assert_eq!(said, 1, "{file} (loaded): {:?}", o.diagnostics());
    }
}

// ---- D6: a Grype scan's configuration narrows what it can resolve --------------------------

#[test]
fn d6_grype_only_fixed_only_notfixed_exclude_and_image_scope_narrow_what_a_scan_resolves() {
    let base = real("grype/defectdojo__grype-check_all_fields.json"); // scope Squashed, only-fixed false
    let with = |conf: Value| {
        let mut g = base.clone();
        g["matches"] = json!([]);
        for (k, v) in conf.as_object().unwrap() {
            g["descriptor"]["configuration"][k] = v.clone();
        }
        g
    };
    let fresh = || {
        let d = tempfile::tempdir().unwrap();
        let o = ingest(d.path(), &[("g.json", &base)], "2026-12-02T00:00:00Z");
        (d, o.summary.opened.len())
    };
    let fixed_count = || {
        base["matches"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["vulnerability"]["fix"]["versions"].as_array().is_some_and(|v| !v.is_empty()))
            .count()
    };
    // The audit's attack: `--only-fixed` with nothing reported resolves only the fixable ones.
    let (d, n) = fresh();
    let o = ingest(d.path(), &[("only-fixed.json", &with(json!({"only-fixed": true})))], "2026-12-03T00:00:00Z");
    assert!(fixed_count() < n, "the fixture has findings without a fix");
    assert!(!o.summary.kept_open.is_empty());
    for (_, why) in &o.summary.kept_open {
        assert!(
            why.contains("package scope `squashed/not-fixed` is not in the grype scan's scope (`squashed/fixed`)"),
            "{why}"
        );
    }
    assert_eq!(o.summary.resolved.len() + o.summary.kept_open.len(), n);
    // `--only-notfixed`: the reverse.
    let (d, n) = fresh();
    let o = ingest(d.path(), &[("only-notfixed.json", &with(json!({"only-notfixed": true})))], "2026-12-03T00:00:00Z");
    assert!(
        o.summary.kept_open.iter().all(|(_, w)| w.contains("`squashed/fixed` is not in")),
        "{:?}",
        o.summary.kept_open
    );
    assert_eq!(o.summary.resolved.len() + o.summary.kept_open.len(), n);
    // `exclude`: what the excluded paths hold is unknown; nothing is resolved.
    let (d, n) = fresh();
    let o = ingest(d.path(), &[("exclude.json", &with(json!({"exclude": ["./usr/lib/**"]})))], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "Grype ran with `exclude`");
    // A careless producer's configuration: a single `exclude` pattern, a non-string entry, a
    // flag that is not a boolean. Each narrows (fail closed), never widens.
    for conf in [json!({"exclude": "./usr/lib/**"}), json!({"exclude": [7]})] {
        let (d, n) = fresh();
        let o = ingest(d.path(), &[("exclude.json", &with(conf.clone()))], "2026-12-03T00:00:00Z");
        all_kept_open(d.path(), &o, n, "Grype ran with `exclude`");
    }
    let (d, n) = fresh();
    let o = ingest(d.path(), &[("only-fixed.json", &with(json!({"only-fixed": "true"})))], "2026-12-03T00:00:00Z");
    assert!(!o.summary.kept_open.is_empty() && o.summary.resolved.len() + o.summary.kept_open.len() == n);
    assert!(
        o.summary.kept_open.iter().all(|(_, w)| w.contains("`squashed/not-fixed` is not in")),
        "{:?}",
        o.summary.kept_open
    );
    // A squashed scan does not resolve what an all-layers scan found; an all-layers scan
    // resolves both.
    let d = tempfile::tempdir().unwrap();
    let mut all = base.clone();
    all["descriptor"]["configuration"]["scope"] = json!("AllLayers");
    let n = ingest(d.path(), &[("all.json", &all)], "2026-12-02T00:00:00Z").summary.opened.len();
    let o = ingest(d.path(), &[("sq.json", &with(json!({})))], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "`all-layers/");
    let mut all_clean = all.clone();
    all_clean["matches"] = json!([]);
    let o = ingest(d.path(), &[("all-clean.json", &all_clean)], "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), n, "{:?}", o.summary.kept_open);
    // A complete scan of the same configuration resolves everything.
    let (d, n) = fresh();
    let o = ingest(d.path(), &[("clean.json", &with(json!({})))], "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), n, "{:?}", o.summary.kept_open);
}

// ---- D12: the IN0109 note reads as English for every field ---------------------------------

#[test]
fn d12_the_budget_note_names_the_field_grammatically() {
    let long = "x".repeat(3000);
    let doc = json!({"SchemaVersion": 2, "ArtifactName": "img", "Results": [{"Target": "t", "Class": "lang-pkgs", "Type": "npm",
        "Vulnerabilities": [{"VulnerabilityID": "CVE-2021-1", "PkgName": "p", "InstalledVersion": "1", "PrimaryURL": long}]}]});
    let r = parse_slice(doc.to_string().as_bytes(), "t.json", Format::Trivy, &ParseOptions::default()).unwrap();
    let note = r.diagnostics.iter().find(|d| d.code.as_str() == "IN0109").unwrap();
    assert_eq!(note.message, "the `evidence` of 1 finding(s) is longer than 2048 characters; it was cut in the ledger");
}

// ---- D8: a document with the top-level keys of two formats is ambiguous --------------------

#[test]
fn d8_a_document_with_the_keys_of_two_formats_is_refused_by_auto_detection() {
    let grype_match = real("grype/grype__json-presenter-image.json")["matches"][0].clone();
    let docs = [
        json!({"SchemaVersion": 2, "ArtifactName": "img", "Results": [], "matches": [grype_match]}),
        json!({"matches": [grype_match], "version": "2.1.0", "runs": []}),
        json!({"version": "2.1.0", "runs": [], "results": []}),
        json!({"matches": [grype_match], "advisories": {}}),
    ];
    for doc in &docs {
        let bytes = doc.to_string();
        let e = parse_slice(bytes.as_bytes(), "x.json", Format::Auto, &ParseOptions::default()).unwrap_err();
        assert!(e.to_string().contains("IN0004") && e.to_string().contains("ambiguous"), "{doc}: {e}");
        // The same from a file, and from a file large enough to be streamed (SARIF).
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "x.json", doc);
        let e = secfw_ingest::parse_path(&p, "x.json", Format::Auto, &ParseOptions::default()).unwrap_err();
        assert!(e.to_string().contains("ambiguous"), "{doc}: {e}");
        let mut streamed = ParseOptions::default();
        streamed.in_memory_max = 0;
        let e = secfw_ingest::parse_path(&p, "x.json", Format::Auto, &streamed).unwrap_err();
        assert!(e.to_string().contains("ambiguous"), "{doc} (streamed): {e}");
    }
    // An explicit --format reads the document as that format and says what it did not read.
    let r = parse_slice(docs[1].to_string().as_bytes(), "x.json", Format::Sarif, &ParseOptions::default()).unwrap();
    assert!(
        r.diagnostics.iter().any(|d| d.code.as_str() == "IN0004" && d.message.contains("matches")),
        "{:?}",
        r.diagnostics
    );
    let r = parse_slice(docs[0].to_string().as_bytes(), "x.json", Format::Trivy, &ParseOptions::default()).unwrap();
    assert!(
        r.diagnostics.iter().any(|d| d.code.as_str() == "IN0004" && d.message.contains("grype")),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn d6_grype_findings_recorded_before_their_scope_was_take_it_from_their_fix_state() {
    let base = real("grype/defectdojo__grype-check_all_fields.json");
    let d = tempfile::tempdir().unwrap();
    let n = ingest(d.path(), &[("g.json", &base)], "2026-12-02T00:00:00Z").summary.opened.len();
    // A ledger written by the previous release: no `scope` in the evidence.
    let path = d.path().join("sec_findings.yaml");
    let mut old = String::new();
    for l in std::fs::read_to_string(&path).unwrap().lines().filter(|l| !l.trim_start().starts_with("scope: ")) {
        old.push_str(l);
        old.push('\n');
    }
    assert!(!old.contains("scope:"));
    std::fs::write(&path, old).unwrap();
    let mut only_fixed = base;
    only_fixed["matches"] = json!([]);
    only_fixed["descriptor"]["configuration"]["only-fixed"] = json!(true);
    let o = ingest(d.path(), &[("only-fixed.json", &only_fixed)], "2026-12-03T00:00:00Z");
    assert!(!o.summary.resolved.is_empty() && !o.summary.kept_open.is_empty(), "{o:?}", o = o.summary);
    assert_eq!(o.summary.resolved.len() + o.summary.kept_open.len(), n);
    assert!(
        o.summary.kept_open.iter().all(|(_, w)| w.contains("`squashed/not-fixed` is not in")),
        "{:?}",
        o.summary.kept_open
    );
}

// ---- A run whose health cannot be read resolves nothing (IN0112) ---------------------------

/// SARIF requires `executionSuccessful`, a boolean, in every invocation. A log whose invocations
/// cannot be read (`"false"` as a string, the field missing or `null`, an invocation that is not
/// an object, `invocations` that is not an array) does not say whether its run succeeded: the
/// clean run resolves nothing and `IN0112` names the part. A log without invocations, and one
/// whose invocations say `true`, still resolve.
#[test]
fn a_run_whose_success_cannot_be_read_resolves_nothing() {
    let clean_with = |invocations: Value| {
        let mut run = sarif_run("Semgrep OSS", &["py.sqli"], json!([]));
        run["invocations"] = invocations;
        sarif(vec![run])
    };
    for (invocations, at) in [
        (json!([{"executionSuccessful": "false"}]), "/runs/0/invocations/0/executionSuccessful is not a boolean"),
        (json!([{"executionSuccessful": "true"}]), "/runs/0/invocations/0/executionSuccessful is not a boolean"),
        (json!([{"executionSuccessful": null}]), "/runs/0/invocations/0/executionSuccessful is not a boolean"),
        (
            json!([{"executionSuccessful": true}, {"exitCode": 2}]),
            "/runs/0/invocations/1/executionSuccessful is missing",
        ),
        (json!(["ok"]), "/runs/0/invocations/0 is not an object"),
        (json!({"executionSuccessful": true}), "/runs/0/invocations is not an array"),
    ] {
        let d = tempfile::tempdir().unwrap();
        let first = sarif(vec![sarif_run("Semgrep OSS", &["py.sqli"], sqli())]);
        assert_eq!(ingest(d.path(), &[("s.sarif", &first)], "2026-12-02T00:00:00Z").summary.opened.len(), 1);
        let o = ingest(d.path(), &[("s.sarif", &clean_with(invocations.clone()))], "2026-12-03T00:00:00Z");
        all_kept_open(d.path(), &o, 1, "whether the run succeeded is unknown");
        let notes: Vec<_> = o.diagnostics().into_iter().filter(|x| x.code.as_str() == "IN0112").collect();
        assert_eq!(notes.len(), 1, "{invocations}: {:?}", o.diagnostics());
        assert!(notes[0].message.starts_with(at), "{invocations}: {}", notes[0].message);
    }
    // The controls: invocations that say `true`, and none at all, resolve the finding.
    for invocations in [json!([{"executionSuccessful": true}]), Value::Null] {
        let d = tempfile::tempdir().unwrap();
        let first = sarif(vec![sarif_run("Semgrep OSS", &["py.sqli"], sqli())]);
        ingest(d.path(), &[("s.sarif", &first)], "2026-12-02T00:00:00Z");
        let mut clean = clean_with(json!([]));
        clean["runs"][0]["invocations"] = invocations.clone();
        let o = ingest(d.path(), &[("s.sarif", &clean)], "2026-12-03T00:00:00Z");
        assert_eq!(o.summary.resolved.len(), 1, "{invocations}: {:?}", o.summary.kept_open);
    }
}

// ---- Grype: another platform or a directory named like the image is another thing --------

#[test]
fn a_grype_scan_of_another_platform_or_a_directory_named_like_the_image_resolves_nothing() {
    let base = real("grype/defectdojo__grype-check_all_fields.json"); // an image, no platform asked
    let clean = |edit: &dyn Fn(&mut Value)| {
        let mut g = base.clone();
        g["matches"] = json!([]);
        edit(&mut g);
        g
    };
    let fresh = || {
        let d = tempfile::tempdir().unwrap();
        let o = ingest(d.path(), &[("g.json", &base)], "2026-12-02T00:00:00Z");
        assert_eq!(o.ledger.findings[0].evidence[0].data.get_str("source_type"), Some("image"));
        assert!(o.ledger.findings[0].evidence[0].data.get_str("platform").is_none());
        (d, o.summary.opened.len())
    };
    // `grype --platform linux/arm64` of the same image, clean: says nothing about the default's.
    let (d, n) = fresh();
    let arm = clean(&|g| g["descriptor"]["configuration"]["platform"] = json!("linux/arm64"));
    let o = ingest(d.path(), &[("g.json", &arm)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with platform none, the scan's platform is `linux/arm64`");
    // `grype dir:NAME` where NAME is the image's name, clean.
    let (d, n) = fresh();
    let dir = clean(&|g| g["source"]["type"] = json!("directory"));
    let o = ingest(d.path(), &[("g.json", &dir)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with source_type `image`, the scan's source_type is `directory`");
    // The control: the same image, clean, resolves every finding; and an arm64 finding is
    // resolved by a clean arm64 scan only.
    let (d, n) = fresh();
    assert_eq!(ingest(d.path(), &[("g.json", &clean(&|_| {}))], "2026-12-03T00:00:00Z").summary.resolved.len(), n);
    let mut arm_found = base.clone();
    arm_found["descriptor"]["configuration"]["platform"] = json!("linux/arm64");
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &[("g.json", &arm_found)], "2026-12-02T00:00:00Z");
    let o = ingest(d.path(), &[("g.json", &clean(&|_| {}))], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with platform `linux/arm64`, the scan's platform is none");
    assert_eq!(ingest(d.path(), &[("g.json", &arm)], "2026-12-04T00:00:00Z").summary.resolved.len(), n);
}

/// A Grype finding recorded before secfw recorded the source type (no `source_type` in its
/// evidence) stays within reach of every scan of its tool and target, as before.
#[test]
fn a_grype_finding_recorded_without_a_source_type_is_resolved_as_before() {
    let base = real("grype/defectdojo__grype-check_all_fields.json");
    let d = tempfile::tempdir().unwrap();
    let n = ingest(d.path(), &[("g.json", &base)], "2026-12-02T00:00:00Z").summary.opened.len();
    let text = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    let old: String =
        text.lines().filter(|l| !l.trim_start().starts_with("source_type:")).flat_map(|l| [l, "\n"]).collect();
    assert_ne!(old, text);
    std::fs::write(d.path().join("sec_findings.yaml"), old).unwrap();
    let mut clean = base;
    clean["matches"] = json!([]);
    assert_eq!(ingest(d.path(), &[("g.json", &clean)], "2026-12-03T00:00:00Z").summary.resolved.len(), n);
}

/// Scope keys longer than the evidence budget are cut with a digest of the whole: two
/// lockfiles whose paths share their first 2,000 characters are two scopes, as short ones are.
#[test]
fn long_scope_keys_that_share_a_prefix_stay_apart() {
    let long = "a".repeat(2100);
    let report = |lock: &str, vulns: Value| {
        json!({"SchemaVersion": 2, "ArtifactName": "repo", "ArtifactType": "filesystem", "Results": [
            {"Target": format!("src/{long}/{lock}/package-lock.json"), "Class": "lang-pkgs", "Type": "npm",
             "Vulnerabilities": vulns}]})
    };
    let d = tempfile::tempdir().unwrap();
    let vuln = json!([{"VulnerabilityID": "CVE-2026-1", "PkgName": "lodash", "InstalledVersion": "4.17.15",
                       "Severity": "HIGH"}]);
    assert_eq!(ingest(d.path(), &[("t.json", &report("x", vuln))], "2026-12-02T00:00:00Z").summary.opened.len(), 1);
    // The other lockfile, clean: another scope.
    let o = ingest(d.path(), &[("t.json", &report("y", json!([])))], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, 1, "is not in the trivy scan's scope");
    // The same lockfile, clean: resolved.
    let o = ingest(d.path(), &[("t.json", &report("x", json!([])))], "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary.kept_open);
}

/// Grype's configuration keys written in another form (`Only-Fixed`, `onlyFixed`,
/// `only_fixed`) are Grype's own: read as unknown keys, they widened the scan's scope.
#[test]
fn grype_configuration_keys_in_another_form_narrow_the_scan_alike() {
    let base = real("grype/defectdojo__grype-check_all_fields.json");
    for key in ["Only-Fixed", "onlyFixed", "only_fixed", "ONLY_FIXED"] {
        let d = tempfile::tempdir().unwrap();
        let n = ingest(d.path(), &[("g.json", &base)], "2026-12-02T00:00:00Z").summary.opened.len();
        let mut g = base.clone();
        g["matches"] = json!([]);
        let conf = g["descriptor"]["configuration"].as_object_mut().unwrap();
        conf.remove("only-fixed");
        conf.insert(key.to_owned(), json!(true));
        let o = ingest(d.path(), &[("g.json", &g)], "2026-12-03T00:00:00Z");
        assert!(!o.summary.kept_open.is_empty(), "{key}: {:?}", o.summary);
        assert_eq!(o.summary.resolved.len() + o.summary.kept_open.len(), n, "{key}");
    }
    // Two forms of one key with different values: which one Grype used is unknown.
    let d = tempfile::tempdir().unwrap();
    let n = ingest(d.path(), &[("g.json", &base)], "2026-12-02T00:00:00Z").summary.opened.len();
    let mut g = base;
    g["matches"] = json!([]);
    g["descriptor"]["configuration"]["Only-Fixed"] = json!(true);
    let o = ingest(d.path(), &[("g.json", &g)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "writes `only-fixed` twice");
}

// ---- Trivy fs / config: a scan of one directory says nothing about the rest ------------

/// A clean `trivy fs` of the vendored report's files: every class it reported, nothing found.
fn all_clean() -> Value {
    json!([{"Target": "Dockerfile", "Class": "config", "Type": "dockerfile",
            "MisconfSummary": {"Successes": 23, "Failures": 0, "Exceptions": 0}},
           {"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip"},
           {"Target": "Dockerfile", "Class": "secret"}])
}

/// Ingest `docs` into `dir` at `now` with `--target target`.
fn ingest_as(dir: &Path, target: &str, docs: &[(&str, &Value)], now: &str) -> Outcome {
    let inputs: Vec<Input> = docs.iter().map(|(n, v)| Input::new(write(dir, n, v), Format::Auto)).collect();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).expect("workspace lock");
    let opts = IngestOptions::new(t(now)).target(Some(target.to_owned()));
    secfw_ingest::ingest(dir, &lock, &inputs, &opts).expect("ingest")
}

/// `trivy fs .` found a misconfiguration and two secrets; `trivy config deploy/` (clean, or
/// with a finding of its own) and `trivy fs --scanners secret deploy/`, ingested with the
/// same `--target`, say nothing about them: the misconfiguration and secret classes are
/// reported whole, and only the scanned root bounds them.
#[test]
fn a_trivy_scan_of_one_directory_under_the_projects_target_does_not_resolve_the_rest() {
    let base = real("trivy/defectdojo__trivy-misconfigurations_and_secrets.json"); // `.`, filesystem
    let of_root = |root: &str, results: Value| {
        let mut r = base.clone();
        r["ArtifactName"] = json!(root);
        r["Results"] = results;
        r
    };
    let clean_config = json!([{"Target": "k8s.yaml", "Class": "config", "Type": "kubernetes",
                               "MisconfSummary": {"Successes": 30, "Failures": 0, "Exceptions": 0}}]);
    let fresh = || {
        let d = tempfile::tempdir().unwrap();
        let o = ingest_as(d.path(), "services/api", &[("t.json", &base)], "2026-12-02T00:00:00Z");
        // 2 vulnerabilities, 1 misconfiguration, 2 secrets
        assert_eq!(o.summary.opened.len(), 5, "{:?}", o.summary.opened);
        for f in &o.ledger.findings {
            assert_eq!(f.evidence[0].data.get_str("scan_root"), Some("."), "{}", f.finding_id);
        }
        (d, o.summary.opened.len())
    };
    let (d, n) = fresh();
    let o =
        ingest_as(d.path(), "services/api", &[("t.json", &of_root("deploy/", clean_config))], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with scan_root `.`, the scan's scan_root is `deploy`");
    let secrets_only = json!([{"Target": "deploy/x.env", "Class": "secret"}]);
    let o =
        ingest_as(d.path(), "services/api", &[("t.json", &of_root("./deploy", secrets_only))], "2026-12-04T00:00:00Z");
    all_kept_open(d.path(), &o, n, "the scan's scan_root is `deploy`");
    // The control: `./` is the root `.`, and a clean scan of it resolves all of them.
    let o = ingest_as(d.path(), "services/api", &[("t.json", &of_root("./", all_clean()))], "2026-12-05T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), n, "{:?}", o.summary.kept_open);
    // A clean scan of another root that lists no result at all is no scan of `.` either.
    let (d, n) = fresh();
    let mut empty = of_root("deploy", json!(null));
    empty.as_object_mut().unwrap().remove("Results");
    let o = ingest_as(d.path(), "services/api", &[("t.json", &empty)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "the scan's scan_root is `deploy`");
    // Without `--target` the root is the target: nothing to record.
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &[("t.json", &base)], "2026-12-02T00:00:00Z");
    assert!(o.ledger.findings.iter().all(|f| f.evidence[0].data.get_str("scan_root").is_none()));
}

/// A Trivy finding recorded before secfw recorded the scanned root stays within reach of
/// every scan of its tool and target, as before; and an image scan records no root (its
/// name changes with every tag: the next tag's scan resolves what the upgrade fixed).
#[test]
fn trivy_findings_recorded_without_a_root_and_image_scans_are_resolved_as_before() {
    let base = real("trivy/defectdojo__trivy-misconfigurations_and_secrets.json");
    let d = tempfile::tempdir().unwrap();
    let n = ingest_as(d.path(), "services/api", &[("t.json", &base)], "2026-12-02T00:00:00Z").summary.opened.len();
    let text = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    let old: String =
        text.lines().filter(|l| !l.trim_start().starts_with("scan_root:")).flat_map(|l| [l, "\n"]).collect();
    assert_ne!(old, text);
    std::fs::write(d.path().join("sec_findings.yaml"), old).unwrap();
    let mut clean = base.clone();
    clean["ArtifactName"] = json!("deploy");
    clean["Results"] = all_clean();
    assert_eq!(
        ingest_as(d.path(), "services/api", &[("t.json", &clean)], "2026-12-03T00:00:00Z").summary.resolved.len(),
        n
    );
    // An image: `ghcr.io/acme/api:1.4`, then a clean `:1.5` under the same `--target`.
    let mut image = base;
    image["ArtifactType"] = json!("container_image");
    image["ArtifactName"] = json!("ghcr.io/acme/api:1.4");
    let d = tempfile::tempdir().unwrap();
    let o = ingest_as(d.path(), "services/api", &[("t.json", &image)], "2026-12-02T00:00:00Z");
    assert!(o.ledger.findings.iter().all(|f| f.evidence[0].data.get_str("scan_root").is_none()));
    image["ArtifactName"] = json!("ghcr.io/acme/api:1.5");
    image["Results"] = all_clean();
    assert_eq!(
        ingest_as(d.path(), "services/api", &[("t.json", &image)], "2026-12-03T00:00:00Z").summary.resolved.len(),
        n
    );
}

/// Facets hold both ways: a scan that does not say what a finding records (an image scan
/// for a finding of `trivy fs .`, a Grype report without `source`) does not reach it, nor
/// does a scan of another architecture (a multi-platform tag pulled on an arm64 runner,
/// without `--platform`).
#[test]
fn a_scan_that_does_not_say_what_a_finding_records_or_scanned_another_architecture_resolves_nothing() {
    // Trivy: `trivy fs .` (two secrets, one misconfiguration, two vulnerabilities), then a
    // clean `trivy image` of the service under the same `--target`.
    let fs = real("trivy/defectdojo__trivy-misconfigurations_and_secrets.json");
    let d = tempfile::tempdir().unwrap();
    let n = ingest_as(d.path(), "api", &[("t.json", &fs)], "2026-12-02T00:00:00Z").summary.opened.len();
    let mut image = fs.clone();
    image["ArtifactType"] = json!("container_image");
    image["ArtifactName"] = json!("ghcr.io/acme/api:1.4");
    image["Results"] = all_clean();
    let o = ingest_as(d.path(), "api", &[("t.json", &image)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with artifact_type `filesystem`, the scan's artifact_type is `container_image`");
    // The other way: the image's findings are not resolved by a clean `trivy fs deploy/`.
    let mut image_found = fs.clone();
    image_found["ArtifactType"] = json!("container_image");
    image_found["ArtifactName"] = json!("ghcr.io/acme/api:1.4");
    let d = tempfile::tempdir().unwrap();
    let n = ingest_as(d.path(), "api", &[("t.json", &image_found)], "2026-12-02T00:00:00Z").summary.opened.len();
    let mut deploy = fs;
    deploy["ArtifactName"] = json!("deploy");
    deploy["Results"] = all_clean();
    let o = ingest_as(d.path(), "api", &[("t.json", &deploy)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "artifact_type `container_image`, the scan's artifact_type is `filesystem`");
    // Trivy images of two architectures, no `--target`: the amd64 finding stays open.
    let mut amd = real("trivy/defectdojo__trivy-all_statuses.json");
    assert_eq!(amd["Metadata"]["ImageConfig"]["architecture"], json!("amd64"));
    let d = tempfile::tempdir().unwrap();
    let n = ingest(d.path(), &[("t.json", &amd)], "2026-12-02T00:00:00Z").summary.opened.len();
    assert!(n > 0);
    amd["Metadata"]["ImageConfig"]["architecture"] = json!("arm64");
    for r in amd["Results"].as_array_mut().unwrap() {
        r["Vulnerabilities"] = json!([]);
    }
    let o = ingest(d.path(), &[("t.json", &amd)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with architecture `amd64`, the scan's architecture is `arm64`");

    // Grype: an image scanned on an amd64 runner, then on an arm64 one, neither with
    // `--platform`; and a report of only `matches`, which says nothing of its source.
    let g = real("grype/defectdojo__grype-fix_available.json");
    assert_eq!(g["source"]["target"]["architecture"], json!("amd64"));
    let d = tempfile::tempdir().unwrap();
    let n = ingest(d.path(), &[("g.json", &g)], "2026-12-02T00:00:00Z").summary.opened.len();
    assert!(n > 0);
    let mut arm = g.clone();
    arm["source"]["target"]["architecture"] = json!("arm64");
    arm["matches"] = json!([]);
    let o = ingest(d.path(), &[("g.json", &arm)], "2026-12-03T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with architecture `amd64`, the scan's architecture is `arm64`");
    let bare = json!({"matches": []});
    let target = ledger(d.path()).findings[0].evidence[0].data.get_str("target").unwrap().to_owned();
    let o = ingest_as(d.path(), &target, &[("g.json", &bare)], "2026-12-05T00:00:00Z");
    all_kept_open(d.path(), &o, n, "with source_type `image`, the scan does not say its source_type");
    // The control: the same architecture, clean, resolves them.
    let mut same = g;
    same["matches"] = json!([]);
    assert_eq!(ingest(d.path(), &[("g.json", &same)], "2026-12-06T00:00:00Z").summary.resolved.len(), n);
}

/// `trivy k8s`: an image of a workload Trivy could not scan (`Error`, no `Results`) next to
/// the workload's other image: the workload's findings stay open, the report says why.
#[test]
fn a_kubernetes_resource_trivy_could_not_scan_keeps_its_findings_open() {
    let k8s = real("trivy/defectdojo__trivy-kubernetes.json");
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &[("k.json", &k8s)], "2026-12-02T00:00:00Z");
    let leader: Vec<String> = o
        .ledger
        .findings
        .iter()
        .filter(|f| {
            f.evidence[0].data.get_str("location").is_some_and(|l| l.starts_with("default/Deployment/redis-leader/"))
        })
        .filter(|f| f.evidence[0].data.get_str("class") == Some("vulnerability"))
        .map(|f| f.finding_id.clone())
        .collect();
    assert!(!leader.is_empty());
    // The next scan: the leader's image could not be pulled; its other entries are as before.
    let mut next = k8s;
    let vulns = next["Vulnerabilities"].as_array_mut().unwrap();
    let at = vulns.iter().position(|r| r["Name"] == json!("redis-leader")).unwrap();
    vulns[at]["Results"] = json!([]);
    vulns[at]["Error"] = json!(
        "scan error: unable to initialize an image scanner: GET https://registry/v2/redis/manifests/6.0.5: UNAUTHORIZED"
    );
    let o = ingest(d.path(), &[("k.json", &next)], "2026-12-03T00:00:00Z");
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    let kept: Vec<&String> = o.summary.kept_open.iter().map(|(id, _)| id).collect();
    for id in &leader {
        assert!(kept.contains(&id), "{id} not kept open: {:?}", o.summary.kept_open);
    }
    let warned = o.diagnostics().into_iter().find(|d| d.code.as_str() == "IN0106").expect("IN0106");
    assert!(warned.message.contains(&format!("/Vulnerabilities/{at}/Error")), "{}", warned.message);
    assert!(warned.message.contains("`default/Deployment/redis-leader`"), "{}", warned.message);
    // The control: the same report without the error (the image scanned clean) resolves them.
    vulns_clean(&mut next, at);
    let o = ingest(d.path(), &[("k.json", &next)], "2026-12-04T00:00:00Z");
    assert_eq!(o.summary.resolved.len(), leader.len(), "{:?}", o.summary.kept_open);
}

/// The leader's entry scanned clean: its OS result, no vulnerability, no error.
fn vulns_clean(report: &mut Value, at: usize) {
    let e = &mut report["Vulnerabilities"][at];
    e.as_object_mut().unwrap().remove("Error");
    e["Results"] = json!([{"Target": "docker.io/redis:6.0.5 (debian 10.4)", "Class": "os-pkgs", "Type": "debian"}]);
}

/// SARIF's property names are case-sensitive: a run's `Invocations` or an invocation's
/// `ExecutionSuccessful` / `ToolExecutionNotifications` is never read, so a failed run (or a
/// file it could not analyse) would look like a clean one. Such a run resolves nothing.
#[test]
fn a_sarif_run_or_invocation_key_in_another_case_resolves_nothing() {
    let failed_as = |edit: &dyn Fn(&mut Value)| {
        let mut run = sarif_run("Semgrep OSS", &["py.sqli"], json!([]));
        run["invocations"] = json!([{"executionSuccessful": false}]);
        edit(&mut run);
        sarif(vec![run])
    };
    let attacks = [
        failed_as(&|r| {
            let inv = r.as_object_mut().unwrap().remove("invocations").unwrap();
            r["Invocations"] = inv;
        }),
        failed_as(&|r| r["invocations"] = json!([{"executionSuccessful": true, "ExecutionSuccessful": false}])),
        failed_as(&|r| {
            r["invocations"] = json!([{"executionSuccessful": true, "ToolExecutionNotifications": [
                {"level": "error", "message": {"text": "could not parse"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app/db.py"}}}]}]}]);
        }),
        failed_as(&|r| {
            r["invocations"] = json!([{"executionSuccessful": true}]);
            r["Results"] = json!([]);
        }),
    ];
    for (n, attack) in attacks.iter().enumerate() {
        let d = tempfile::tempdir().unwrap();
        let s1 = sarif(vec![sarif_run("Semgrep OSS", &["py.sqli"], sqli())]);
        ingest(d.path(), &[("s.sarif", &s1)], "2026-12-02T00:00:00Z");
        let o = ingest(d.path(), &[("s.sarif", attack)], "2026-12-03T00:00:00Z");
        assert!(o.summary.resolved.is_empty(), "attack {n}: {:?}", o.summary.resolved);
        assert_eq!(o.summary.kept_open.len(), 1, "attack {n}");
        let said = o
            .diagnostics()
            .iter()
            .any(|d| matches!(d.code.as_str(), "IN0101" | "IN0112") && d.message.contains("written in another case"));
        assert!(said, "attack {n}: {:?}", o.diagnostics());
    }
    // The control: the same run, its keys as SARIF writes them and successful, resolves it.
    let d = tempfile::tempdir().unwrap();
    ingest(
        d.path(),
        &[("s.sarif", &sarif(vec![sarif_run("Semgrep OSS", &["py.sqli"], sqli())]))],
        "2026-12-02T00:00:00Z",
    );
    let clean = failed_as(&|r| r["invocations"] = json!([{"executionSuccessful": true}]));
    assert_eq!(ingest(d.path(), &[("s.sarif", &clean)], "2026-12-03T00:00:00Z").summary.resolved.len(), 1);
}

/// A `trivy k8s` report of a workload with two images (Trivy writes one resource entry per
/// image): `CVE-2022-40674` in the `libexpat1` of both.
fn two_image_workload(second_found: bool) -> Value {
    let vuln = json!([{"VulnerabilityID": "CVE-2022-40674", "PkgName": "libexpat1", "InstalledVersion": "2.2.6-2",
                       "FixedVersion": "2.2.6-2+deb10u5", "Severity": "CRITICAL"}]);
    let entry = |image: &str, vulns: Value| {
        json!({"Namespace": "default", "Kind": "Deployment", "Name": "web",
               "Results": [{"Target": format!("{image} (debian 10.4)"), "Class": "os-pkgs", "Type": "debian",
                            "Vulnerabilities": vulns}]})
    };
    json!({"ClusterName": "prod", "Resources": [
        entry("docker.io/redis:6.0.5", vuln.clone()),
        entry("gcr.io/google_samples/gb-redis-follower:v2", if second_found { vuln } else { json!([]) }),
    ]})
}

/// Two images of one workload hold the same vulnerability: two findings, each resolved only
/// by its own image's entry; and a finding recorded under the identity a release before gave
/// (the resource without the image) keeps its id.
#[test]
fn the_images_of_one_kubernetes_workload_are_told_apart() {
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &[("k.json", &two_image_workload(true))], "2026-12-02T00:00:00Z");
    assert_eq!(o.summary.opened.len(), 2, "{:?}", o.ledger.findings.iter().map(|f| &f.title).collect::<Vec<_>>());
    let locations: Vec<&str> =
        o.ledger.findings.iter().filter_map(|f| f.evidence[0].data.get_str("location")).collect();
    assert!(
        locations.iter().any(|l| l.starts_with("default/Deployment/web/docker.io/redis/debian: ")),
        "{locations:?}"
    );
    assert!(
        locations
            .iter()
            .any(|l| l.starts_with("default/Deployment/web/gcr.io/google_samples/gb-redis-follower/debian: ")),
        "{locations:?}"
    );
    // The follower's image upgraded (fixed), the leader's not: one resolved, one seen again.
    let o = ingest(d.path(), &[("k.json", &two_image_workload(false))], "2026-12-03T00:00:00Z");
    assert_eq!((o.summary.resolved.len(), o.summary.updated.len()), (1, 1), "{:?}", o.summary.kept_open);

    // A ledger of the release before: the redis finding under the resource's place alone.
    let d = tempfile::tempdir().unwrap();
    let mut one = two_image_workload(true);
    one["Resources"].as_array_mut().unwrap().truncate(1);
    let o = ingest(d.path(), &[("k.json", &one)], "2026-12-02T00:00:00Z");
    let new_fp = o.ledger.findings[0].fingerprint.clone().unwrap();
    let old_fp = secfw_ingest::fingerprint::compute(&[
        "trivy/vuln",
        "prod",
        "default/Deployment/web/debian",
        "",
        "libexpat1",
        "CVE-2022-40674",
    ]);
    let text = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    let old = text
        .replace(&new_fp, &old_fp)
        .replace("default/Deployment/web/docker.io/redis/debian", "default/Deployment/web/debian");
    assert_ne!(old, text);
    std::fs::write(d.path().join("sec_findings.yaml"), old).unwrap();
    let o = ingest(d.path(), &[("k.json", &two_image_workload(true))], "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.updated, vec!["SF-0001".to_owned()], "{:?}", o.summary);
    assert_eq!(o.summary.opened.len(), 1, "the follower's finding is new");
    assert!(o.summary.resolved.is_empty());
    assert_eq!(ledger(d.path()).findings[0].fingerprint.as_deref(), Some(new_fp.as_str()));
}
