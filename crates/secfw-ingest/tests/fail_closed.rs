//! Ingest never loses, merges or invents a finding (issue 12): every rule is proved by the
//! attack that broke it.
//!
//! The fixtures under `tests/fixtures/` are hand-written after each tool's documented output
//! format (see `tests/fixtures/README.md`); the real reports are under `testdata/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{Category, FindingStatus, FindingsFile};
use secfw_artifacts::parse_findings;
use secfw_artifacts::{LoadOptions, SourceFile};
use secfw_ingest::{
    Error, Format, IngestOptions, Input, Outcome, ParseOptions, WorkspaceLock, parse_path, parse_slice,
};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn ingest(dir: &Path, inputs: &[Input], now: &str) -> Result<Outcome, Error> {
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).expect("workspace lock");
    secfw_ingest::ingest(dir, &lock, inputs, &IngestOptions::new(t(now)))
}

fn ledger(dir: &Path) -> FindingsFile {
    let text = std::fs::read_to_string(dir.join("sec_findings.yaml")).unwrap();
    let mut diags = Vec::new();
    parse_findings(&SourceFile::new("sec_findings.yaml", text), &LoadOptions::default(), &mut diags).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn sarif(tool: &str, results: &serde_json::Value) -> String {
    serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": tool, "rules": [{"id": "R1"}, {"id": "R2"}]}}, "results": results}]})
        .to_string()
}

fn result(rule: &str, file: &str) -> serde_json::Value {
    serde_json::json!({"ruleId": rule, "message": {"text": format!("{rule} in {file}")},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": file}, "region": {"startLine": 3}}}]})
}

// ---- item 1: the workspace lock ---------------------------------------------------------

#[test]
fn ingest_refuses_a_lock_of_another_workspace() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let report = write(a.path(), "r.sarif", &sarif("T", &serde_json::json!([result("R1", "a.rs")])));
    let lock_b = WorkspaceLock::acquire(b.path(), Duration::from_secs(1)).unwrap();
    let e = secfw_ingest::ingest(
        a.path(),
        &lock_b,
        &[Input::new(report, Format::Auto)],
        &IngestOptions::new(t("2025-03-01T00:00:00Z")),
    )
    .unwrap_err();
    assert!(e.to_string().contains("SF0008"), "{e}");
    assert!(!a.path().join("sec_findings.yaml").exists());
}

// ---- item 2: a scan resolves only what it covered -----------------------------------------

#[test]
fn a_licence_only_trivy_scan_does_not_resolve_open_vulnerabilities_of_the_same_target() {
    let d = tempfile::tempdir().unwrap();
    let o =
        ingest(d.path(), &[Input::new(fixture("trivy-licenses.json"), Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    assert_eq!(o.summary.opened.len(), 6, "3 vulnerabilities + 3 licences");
    let o = ingest(
        d.path(),
        &[Input::new(fixture("trivy-licenses-only-same-target.json"), Format::Auto)],
        "2025-03-02T00:00:00Z",
    )
    .unwrap();
    // The licence scan saw busybox and musl again; the licence-file finding is resolved (the
    // scan covered licences completely); the three vulnerabilities stay open, with a reason.
    assert_eq!(o.summary.updated.len(), 2);
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary);
    assert_eq!(o.summary.kept_open.len(), 3, "{:?}", o.summary.kept_open);
    assert!(o.summary.kept_open.iter().all(|(_, why)| why.contains("did not look for vulnerability findings")));
    assert!(o.diagnostics().iter().any(|d| d.code.as_str() == "IN0108"));
    let l = ledger(d.path());
    let open_vulns =
        l.findings.iter().filter(|f| f.category == Category::Vulnerability && f.status == FindingStatus::Open).count();
    assert_eq!(open_vulns, 3);
}

#[test]
fn a_sarif_run_whose_results_were_all_skipped_does_not_resolve_that_tools_findings() {
    let d = tempfile::tempdir().unwrap();
    let first =
        write(d.path(), "a.sarif", &sarif("T", &serde_json::json!([result("R1", "a.rs"), result("R2", "b.rs")])));
    ingest(d.path(), &[Input::new(first, Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    // Every result is broken (wrong types): all skipped. The same report path: the log names
    // no repository (target `.`), so only a report from the same path is of the same project.
    let broken = write(
        d.path(),
        "a.sarif",
        &sarif("T", &serde_json::json!([{"ruleId": 7}, {"ruleId": "R1", "level": "fatal"}, "not an object"])),
    );
    let o = ingest(d.path(), &[Input::new(broken, Format::Auto)], "2025-03-02T00:00:00Z").unwrap();
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    assert_eq!(o.summary.kept_open.len(), 2);
    assert!(o.summary.kept_open[0].1.contains("incomplete"), "{:?}", o.summary.kept_open);
    assert!(ledger(d.path()).findings.iter().all(|f| f.status == FindingStatus::Open));
    // The ledger keeps that the second scan was incomplete (later gates read it), the first not.
    let scans = ledger(d.path()).scans;
    assert_eq!(scans.len(), 2, "{scans:?}");
    let incomplete: Vec<_> = scans.iter().filter(|s| s.scope_unknown()).collect();
    assert_eq!(incomplete.len(), 1, "{scans:?}");
    assert_eq!(incomplete[0].report.as_deref(), Some("a.sarif"));
    assert!(incomplete[0].incomplete.contains_key("rules"), "{:?}", incomplete[0].incomplete);
}

#[test]
fn a_trivy_scan_that_skipped_an_item_says_so_in_the_ledger_and_a_complete_one_does_not() {
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &[Input::new(fixture("trivy-licenses.json"), Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    assert!(ledger(d.path()).scans.iter().all(|s| s.incomplete.is_empty()));
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("trivy-licenses.json")).unwrap()).unwrap();
    doc["Results"][0]["Vulnerabilities"].as_array_mut().unwrap().push(serde_json::json!({"PkgName": "x"}));
    let p = write(d.path(), "t.json", &doc.to_string());
    ingest(d.path(), &[Input::new(p, Format::Auto)], "2025-03-02T00:00:00Z").unwrap();
    let scans = ledger(d.path()).scans;
    let last = scans.iter().find(|s| s.report.as_deref() == Some("t.json")).expect("the second scan");
    assert_eq!(last.incomplete.keys().collect::<Vec<_>>(), ["vulnerability"], "{last:?}");
    assert!(last.incomplete["vulnerability"].contains("skipped"), "{last:?}");
}

#[test]
fn a_sarif_run_with_null_or_missing_results_does_not_resolve() {
    for results in ["null", "absent"] {
        let d = tempfile::tempdir().unwrap();
        let first = write(d.path(), "a.sarif", &sarif("T", &serde_json::json!([result("R1", "a.rs")])));
        ingest(d.path(), &[Input::new(first, Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
        let mut run = serde_json::json!({"tool": {"driver": {"name": "T"}}});
        if results == "null" {
            run["results"] = serde_json::Value::Null;
        }
        let doc = serde_json::json!({"version": "2.1.0", "runs": [run]}).to_string();
        let second = write(d.path(), "b.sarif", &doc);
        let o = ingest(d.path(), &[Input::new(second, Format::Auto)], "2025-03-02T00:00:00Z").unwrap();
        assert!(o.summary.resolved.is_empty(), "{results}");
        assert_eq!(o.summary.kept_open.len(), 1, "{results}");
    }
}

#[test]
fn a_complete_successful_scan_still_resolves_what_it_no_longer_reports() {
    let d = tempfile::tempdir().unwrap();
    let first =
        write(d.path(), "a.sarif", &sarif("T", &serde_json::json!([result("R1", "a.rs"), result("R2", "b.rs")])));
    ingest(d.path(), &[Input::new(first, Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    // The same report path (the log names no repository: only a report from the same path is
    // of the same project).
    let second = write(d.path(), "a.sarif", &sarif("T", &serde_json::json!([result("R1", "a.rs")])));
    let o = ingest(d.path(), &[Input::new(second, Format::Auto)], "2025-03-02T00:00:00Z").unwrap();
    assert_eq!(o.summary.resolved.len(), 1);
    assert!(o.summary.kept_open.is_empty());
    // A Trivy scan that covered vulnerabilities resolves a fixed one.
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &[Input::new(fixture("trivy-licenses.json"), Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("trivy-licenses.json")).unwrap()).unwrap();
    doc["Results"][0]["Vulnerabilities"].as_array_mut().unwrap().pop();
    let p = write(d.path(), "t.json", &doc.to_string());
    let o = ingest(d.path(), &[Input::new(p, Format::Auto)], "2025-03-02T00:00:00Z").unwrap();
    assert_eq!(o.summary.resolved.len(), 1, "{:?}", o.summary);
}

#[test]
fn a_trivy_scan_that_skipped_a_vulnerability_does_not_resolve_vulnerabilities() {
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &[Input::new(fixture("trivy-licenses.json"), Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("trivy-licenses.json")).unwrap()).unwrap();
    let vulns = doc["Results"][0]["Vulnerabilities"].as_array_mut().unwrap();
    vulns.truncate(1);
    vulns.push(serde_json::json!({"PkgName": "x"})); // no VulnerabilityID: skipped
    let p = write(d.path(), "t.json", &doc.to_string());
    let o = ingest(d.path(), &[Input::new(p, Format::Auto)], "2025-03-02T00:00:00Z").unwrap();
    assert!(o.summary.resolved.is_empty(), "{:?}", o.summary.resolved);
    assert_eq!(o.summary.kept_open.len(), 2);
}

// ---- item 3: broken people's files are errors ---------------------------------------------

#[test]
fn a_truncated_or_invalid_rulebook_or_inventory_fails_ingest_and_leaves_the_ledger_unchanged() {
    for (file, text) in [
        ("rulebook.yaml", "version: \"1.0.0\"\nsla_days:\n  critical: [3\n"),
        ("rulebook.yaml", "version: 1.0.0.0\nsla_days: nonsense\n"),
        // A deadline past what a date can hold once made ingest panic: refused, located.
        ("rulebook.yaml", "version: \"1.0.0\"\nsla_days:\n  medium: 4294967295\n"),
        ("inventory.yaml", "version: \"1.0\"\nresources:\n  - id: api\n    kind"),
        ("inventory.yaml", ""),
    ] {
        let d = tempfile::tempdir().unwrap();
        let first = write(d.path(), "a.sarif", &sarif("T", &serde_json::json!([result("R1", "a.rs")])));
        ingest(d.path(), &[Input::new(&first, Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
        let before = std::fs::read(d.path().join("sec_findings.yaml")).unwrap();
        write(d.path(), file, text);
        let second = write(d.path(), "b.sarif", &sarif("T", &serde_json::json!([result("R2", "b.rs")])));
        let e = ingest(d.path(), &[Input::new(second, Format::Auto)], "2025-03-02T00:00:00Z").unwrap_err();
        assert!(matches!(e, Error::ArtifactInvalid { .. }), "{file}: {e}");
        assert_eq!(e.diagnostics()[0].code.as_str(), "IN0202");
        assert_eq!(std::fs::read(d.path().join("sec_findings.yaml")).unwrap(), before, "{file}");
    }
}

#[test]
fn the_rulebooks_sla_days_set_the_deadline() {
    let d = tempfile::tempdir().unwrap();
    let example = secfw_artifacts::template::EXAMPLE.iter().find(|(n, _)| *n == "rulebook.yaml").unwrap().1;
    let rb = example
        .replace("  critical: 7\n", "  critical: 3\n")
        .replace("  high: 30\n", "  high: 3\n")
        .replace("  medium: 90\n", "  medium: 3\n")
        .replace("  low: 180\n", "  low: 3\n");
    assert_ne!(rb, example, "the example rulebook's sla_days changed; update this test");
    write(d.path(), "rulebook.yaml", &rb);
    let r = write(d.path(), "a.sarif", &sarif("T", &serde_json::json!([result("R1", "a.rs")])));
    let o = ingest(d.path(), &[Input::new(r, Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    assert_eq!(o.ledger.findings[0].remediation.deadline.to_string(), "2025-03-04");
}

// ---- item 4: legal results are not dropped ------------------------------------------------

#[test]
fn gitleaks_v7_results_without_rule_id_are_ingested_with_an_identity_from_tool_message_location() {
    let r =
        parse_path(&fixture("gitleaks-v7.sarif"), "gitleaks.sarif", Format::Auto, &ParseOptions::default()).unwrap();
    assert_eq!(r.finding_count(), 3);
    assert!(!r.diagnostics.iter().any(|d| d.code.as_str() == "IN0101"), "{:?}", r.diagnostics);
    let items = &r.scans[0].items;
    assert!(items.iter().all(|i| i.rule_id.is_none() && i.fingerprint.starts_with("secfw/v1:")));
    let mut fps: Vec<&str> = items.iter().map(|i| i.fingerprint.as_str()).collect();
    fps.sort_unstable();
    fps.dedup();
    assert_eq!(fps.len(), 3, "same message in two files is two findings");
    // Ingested end to end, and a re-ingest is stable.
    let d = tempfile::tempdir().unwrap();
    let o =
        ingest(d.path(), &[Input::new(fixture("gitleaks-v7.sarif"), Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    assert_eq!(o.summary.opened.len(), 3);
    let o =
        ingest(d.path(), &[Input::new(fixture("gitleaks-v7.sarif"), Format::Auto)], "2025-03-02T00:00:00Z").unwrap();
    assert_eq!((o.summary.opened.len(), o.summary.updated.len()), (0, 3));
}

#[test]
fn trivy_licences_become_compliance_findings_tagged_license() {
    let d = tempfile::tempdir().unwrap();
    let o =
        ingest(d.path(), &[Input::new(fixture("trivy-licenses.json"), Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    let lic: Vec<_> = o.ledger.findings.iter().filter(|f| f.category == Category::Compliance).collect();
    assert_eq!(lic.len(), 3);
    assert!(lic.iter().all(|f| f.governance.tags.iter().any(|t| t == "license")));
    let gpl = lic.iter().find(|f| f.title.contains("GPL-2.0-only")).unwrap();
    assert_eq!(gpl.severity.as_str(), "high");
    assert!(gpl.title.contains("restricted") && gpl.title.contains("busybox"), "{}", gpl.title);
}

#[test]
fn sarif_runs_null_records_a_failed_scan() {
    let d = tempfile::tempdir().unwrap();
    let first = write(d.path(), "a.sarif", &sarif("unknown", &serde_json::json!([result("R1", "a.rs")])));
    ingest(d.path(), &[Input::new(first, Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    let o = ingest(d.path(), &[Input::new(fixture("sarif-runs-null.sarif"), Format::Auto)], "2025-03-02T00:00:00Z")
        .unwrap();
    assert_eq!(o.summary.failed_scans.len(), 1);
    assert!(o.summary.resolved.is_empty());
    assert!(o.diagnostics().iter().any(|d| d.code.as_str() == "IN0106"));
    let l = ledger(d.path());
    assert!(l.scans.iter().any(|s| s.status == secfw_artifacts::ScanStatus::Failure
        && s.error.as_deref().is_some_and(|e| e.contains("runs` is null"))));
}

// ---- item 5: different findings are not merged ---------------------------------------------

#[test]
fn grype_matches_of_one_vulnerability_in_two_artifacts_are_two_findings() {
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &[Input::new(fixture("grype-two-artifacts.json"), Format::Auto)], "2025-03-01T00:00:00Z")
        .unwrap();
    assert_eq!(o.summary.opened.len(), 2);
    let locs: Vec<&str> = o.ledger.findings.iter().map(|f| f.affected_resources[0].location.as_str()).collect();
    assert!(locs.iter().any(|l| l.contains("/app/lib/log4j-core-2.14.1.jar")), "{locs:?}");
    assert!(locs.iter().any(|l| l.contains("/opt/batch/plugins/log4j-core-2.14.1.jar")), "{locs:?}");
}

#[test]
fn a_grype_finding_recorded_under_the_old_identity_keeps_its_id() {
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &[Input::new(fixture("grype-two-artifacts.json"), Format::Auto)], "2025-03-01T00:00:00Z")
        .unwrap();
    // Rewrite the ledger as secfw 0.1 wrote it: one finding under the artifact-less fingerprint.
    let mut l = o.ledger;
    l.findings.truncate(1);
    let old = secfw_ingest::fingerprint::compute(&[
        "grype",
        "ghcr.io/acme/batch:3.2",
        "java-archive",
        "log4j-core",
        "GHSA-jfh8-c2jp-5v3q",
    ]);
    l.findings[0].fingerprint = Some(old);
    let id = l.findings[0].finding_id.clone();
    std::fs::write(d.path().join("sec_findings.yaml"), secfw_ingest::render(&l).unwrap()).unwrap();
    let o = ingest(d.path(), &[Input::new(fixture("grype-two-artifacts.json"), Format::Auto)], "2025-03-02T00:00:00Z")
        .unwrap();
    assert_eq!(o.summary.updated, vec![id], "the old finding is carried over, not resolved");
    assert_eq!(o.summary.opened.len(), 1, "the second artifact is a new finding");
    assert!(o.summary.resolved.is_empty());
}

#[test]
fn grype_reports_holding_only_matches_are_recognised() {
    let r = parse_path(&fixture("grype-matches-only.json"), "g.json", Format::Auto, &ParseOptions::default()).unwrap();
    assert_eq!(r.format, Format::Grype);
    assert_eq!(r.finding_count(), 1);
}

/// Reverse every array of results in a report (the order a producer may choose).
fn shuffled(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().rev().map(shuffled).collect()),
        serde_json::Value::Object(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), shuffled(v))).collect())
        }
        other => other.clone(),
    }
}

fn rotate(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(a) if a.len() > 1 => {
            let mut b: Vec<serde_json::Value> = a.iter().map(rotate).collect();
            b.rotate_left(1);
            serde_json::Value::Array(b)
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(rotate).collect()),
        serde_json::Value::Object(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), rotate(v))).collect())
        }
        other => other.clone(),
    }
}

fn fingerprints(bytes: &[u8], format: Format) -> Vec<String> {
    let r = parse_slice(bytes, "r.json", format, &ParseOptions::default()).unwrap();
    let mut fps: Vec<String> = r.scans.iter().flat_map(|s| s.items.iter().map(|i| i.fingerprint.clone())).collect();
    fps.sort();
    fps
}

#[test]
fn every_format_gives_the_same_fingerprints_for_shuffled_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let mut checked = 0;
    for folder in ["sarif", "trivy", "grype", "cargo-audit", "osv-scanner", "npm-audit"] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(root.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for p in files.iter().filter(|p| p.extension().is_some_and(|e| e == "json" || e == "sarif")) {
            let bytes = std::fs::read(p).unwrap();
            let Ok(base) = parse_slice(&bytes, "r.json", Format::Auto, &ParseOptions::default()) else { continue };
            let Ok(doc) =
                serde_json::from_slice::<serde_json::Value>(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes))
            else {
                continue;
            };
            let want = fingerprints(&bytes, base.format);
            for variant in [shuffled(&doc), rotate(&doc)] {
                let got = fingerprints(variant.to_string().as_bytes(), base.format);
                assert_eq!(got, want, "{}: fingerprints depend on result order", p.display());
            }
            checked += 1;
        }
    }
    for f in ["trivy-k8s-empty-cluster.json", "trivy-licenses.json", "gitleaks-v7.sarif", "grype-two-artifacts.json"] {
        let bytes = std::fs::read(fixture(f)).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let want = fingerprints(&bytes, Format::Auto);
        assert_eq!(fingerprints(shuffled(&doc).to_string().as_bytes(), Format::Auto), want, "{f}");
        checked += 1;
    }
    assert!(checked > 40, "{checked}");
}

#[test]
fn two_installed_copies_of_a_package_in_one_lockfile_are_two_findings() {
    // Trivy lists lodash twice in one package-lock.json (4.17.4 and 3.10.1, no PkgPath): one
    // finding would hold one copy's version and purl, and a decision on it would cover both.
    let copy = |v: &str| {
        serde_json::json!({"VulnerabilityID": "CVE-2021-23337", "PkgName": "lodash", "InstalledVersion": v,
            "PkgIdentifier": {"PURL": format!("pkg:npm/lodash@{v}")}, "FixedVersion": "4.17.21", "Severity": "HIGH"})
    };
    let report = |copies: Vec<serde_json::Value>| {
        serde_json::json!({"SchemaVersion": 2, "ArtifactName": "app", "Results": [
            {"Target": "app/package-lock.json", "Class": "lang-pkgs", "Type": "npm", "Vulnerabilities": copies}]})
        .to_string()
    };
    let d = tempfile::tempdir().unwrap();
    let one = write(d.path(), "t.json", &report(vec![copy("4.17.4")]));
    let o = ingest(d.path(), &[Input::new(&one, Format::Auto)], "2026-11-24T12:00:00Z").unwrap();
    assert_eq!(o.summary.opened.len(), 1);
    // The second copy appears (either order): the first keeps its finding, the other opens one.
    for (i, copies) in
        [vec![copy("4.17.4"), copy("3.10.1")], vec![copy("3.10.1"), copy("4.17.4")]].into_iter().enumerate()
    {
        let fresh = tempfile::tempdir().unwrap();
        let path = write(fresh.path(), "t.json", &report(copies));
        let o = ingest(fresh.path(), &[Input::new(&path, Format::Auto)], "2026-11-24T12:00:00Z").unwrap();
        assert_eq!(o.summary.opened.len(), 2, "order {i}");
        let held = ledger(fresh.path());
        let mut locs: Vec<&str> = held.findings.iter().map(|f| f.affected_resources[0].location.as_str()).collect();
        locs.sort_unstable();
        assert_eq!(locs, ["app/package-lock.json: lodash@3.10.1", "app/package-lock.json: lodash@4.17.4"]);
    }
    let both = write(d.path(), "t.json", &report(vec![copy("4.17.4"), copy("3.10.1"), copy("4.17.4")]));
    let o = ingest(d.path(), &[Input::new(&both, Format::Auto)], "2026-11-25T12:00:00Z").unwrap();
    assert_eq!((o.summary.opened.len(), o.summary.updated.len()), (1, 1), "{:?}", o.summary);
}

// ---- layouts ---------------------------------------------------------------------------------

#[test]
fn trivy_kubernetes_reports_with_an_empty_cluster_name_are_read() {
    let r = parse_path(&fixture("trivy-k8s-empty-cluster.json"), "k8s.json", Format::Auto, &ParseOptions::default())
        .unwrap();
    assert_eq!(r.format, Format::Trivy);
    assert_eq!(r.finding_count(), 2);
    assert_eq!(r.scans[0].targets, vec!["kubernetes".to_owned()]);
    let locs: Vec<&str> = r.scans[0].items.iter().map(|i| i.location.as_str()).collect();
    assert!(locs.iter().any(|l| l.starts_with("default/Deployment/redis-follower")), "{locs:?}");
    assert!(locs.iter().any(|l| l.starts_with("kube-system/DaemonSet/kube-proxy")), "{locs:?}");
}

#[test]
fn a_fifo_report_is_refused_without_blocking() {
    #[cfg(unix)]
    {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("report.sarif");
        let ok = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        if !ok {
            return; // no mkfifo on this system
        }
        let e = parse_path(&fifo, "report.sarif", Format::Auto, &ParseOptions::default()).unwrap_err();
        assert_eq!(e.diagnostics()[0].code.as_str(), "IN0007");
        assert!(e.to_string().contains("not a regular file"));
    }
}

#[test]
fn streaming_and_in_memory_paths_agree_on_a_report_with_a_byte_order_mark() {
    let d = tempfile::tempdir().unwrap();
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(sarif("T", &serde_json::json!([result("R1", "a.rs"), result("R2", "b.rs")])).as_bytes());
    let p = d.path().join("bom.sarif");
    std::fs::write(&p, &bytes).unwrap();
    let mem = parse_path(&p, "bom.sarif", Format::Auto, &ParseOptions::default()).unwrap();
    let stream = parse_path(&p, "bom.sarif", Format::Auto, &ParseOptions::default().in_memory_max(0)).unwrap();
    assert_eq!(mem.finding_count(), 2);
    assert_eq!(mem.scans, stream.scans);
}

#[test]
fn a_huge_message_is_capped_in_the_ledger_and_the_output_says_so() {
    let d = tempfile::tempdir().unwrap();
    let big = "A".repeat(1_000_000);
    let doc = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [
        {"ruleId": "R1", "message": {"text": big}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.rs"}}}]}]}]});
    let p = write(d.path(), "big.sarif", &doc.to_string());
    let o = ingest(d.path(), &[Input::new(p, Format::Auto)], "2025-03-01T00:00:00Z").unwrap();
    assert!(o.diagnostics().iter().any(|d| d.code.as_str() == "IN0109" && d.message.contains("description")));
    let size = std::fs::metadata(d.path().join("sec_findings.yaml")).unwrap().len();
    assert!(size < 64 * 1024, "ledger is {size} bytes");
    let f = &o.ledger.findings[0];
    assert!(f.description.chars().count() <= secfw_ingest::limits::DESCRIPTION);
    assert!(f.description.contains("1000000 characters in the report"));
}

#[test]
fn streaming_a_duplicate_heavy_run_holds_one_item_per_finding() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("dup.sarif");
    let n = 100_000;
    let one = r#"{"ruleId":"R1","message":{"text":"same"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.rs"},"region":{"startLine":LINE}}}]}"#;
    let mut text = String::from(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":["#);
    for i in 0..n {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&one.replace("LINE", &(n - i).to_string()));
    }
    text.push_str("]}]}");
    std::fs::write(&p, &text).unwrap();
    for opts in [ParseOptions::default(), ParseOptions::default().in_memory_max(0)] {
        let r = parse_path(&p, "dup.sarif", Format::Auto, &opts).unwrap();
        assert_eq!(r.finding_count(), 1);
        let it = &r.scans[0].items[0];
        assert_eq!(it.occurrences, n);
        assert_eq!(it.line, Some(1), "the first by line is kept, whatever the order");
    }
}

// ---- fidelity ----------------------------------------------------------------------------

#[test]
fn sarif_message_templates_are_expanded_from_the_rules_message_strings() {
    let doc = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T", "rules": [
    {"id": "R1", "messageStrings": {"default": {"text": "Variable '{0}' flows to {1} ({{literal}})"}}}]}},
    "results": [
        {"ruleId": "R1", "message": {"id": "default", "arguments": ["user_input", "exec()"]},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}}}]},
        {"ruleId": "R1", "message": {"text": "inline {0} and missing {5}", "arguments": ["arg"]},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.py"}}}]}
    ]}]});
    let r = parse_slice(doc.to_string().as_bytes(), "t.sarif", Format::Auto, &ParseOptions::default()).unwrap();
    let mut got: Vec<&str> = r.scans[0].items.iter().map(|i| i.description.as_str()).collect();
    got.sort_unstable();
    assert_eq!(got, ["Variable 'user_input' flows to exec() ({literal})", "inline arg and missing {5}"]);
}

#[test]
fn advisory_ids_come_from_rule_ids_properties_help_uris_and_messages() {
    // cargo-deny style: generic rules, the advisory in the message and the help URI.
    let doc = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "cargo-deny", "rules": [
    {"id": "vulnerability", "shortDescription": {"text": "Security vulnerability detected"}},
    {"id": "unmaintained", "shortDescription": {"text": "Unmaintained crate"},
     "helpUri": "https://rustsec.org/advisories/RUSTSEC-2021-0139.html"},
    {"id": "GHSA-c3h9-896r-86jm", "properties": {"aliases": ["CVE-2022-24713"]}}]}},
    "results": [
        {"ruleId": "vulnerability", "message": {"text": "RUSTSEC-2020-0071: Potential segfault in the time crate"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "Cargo.lock"}}}]},
        {"ruleId": "unmaintained", "message": {"text": "ansi_term is unmaintained"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "Cargo.lock"}}}]},
        {"ruleId": "GHSA-c3h9-896r-86jm", "message": {"text": "regex denial of service"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "Cargo.lock"}}}]}
    ]}]});
    let r = parse_slice(doc.to_string().as_bytes(), "deny.sarif", Format::Auto, &ParseOptions::default()).unwrap();
    let by_rule = |id: &str| r.scans[0].items.iter().find(|i| i.rule_id.as_deref() == Some(id)).unwrap();
    let v = by_rule("vulnerability");
    assert_eq!(v.cve, ["RUSTSEC-2020-0071"]);
    assert!(v.title.starts_with("RUSTSEC-2020-0071: "), "{}", v.title);
    assert_eq!(by_rule("unmaintained").cve, ["RUSTSEC-2021-0139"]);
    assert_eq!(by_rule("GHSA-c3h9-896r-86jm").cve, ["CVE-2022-24713", "GHSA-c3h9-896r-86jm"]);
}

#[test]
fn a_sarif_run_with_an_empty_or_null_tool_name_is_refused_naming_that_run() {
    for name in [serde_json::json!(""), serde_json::Value::Null] {
        let doc = serde_json::json!({"version": "2.1.0", "runs": [
            {"tool": {"driver": {"name": "Good"}}, "results": []},
            {"tool": {"driver": {"name": name}}, "results": []}
        ]});
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let e = parse_slice(text.as_bytes(), "t.sarif", Format::Auto, &ParseOptions::default()).unwrap_err();
        let d = &e.diagnostics()[0];
        assert_eq!(d.code.as_str(), "IN0006");
        assert!(d.message.contains("runs[1]"), "{}", d.message);
        // The position is inside the second run, not the first.
        let second_run_line =
            u32::try_from(text.lines().position(|l| l.contains("\"name\": \"Good\"")).unwrap()).unwrap() + 1;
        assert!(d.line.is_some_and(|l| l > second_run_line), "{d} (first run's tool at line {second_run_line})");
    }
}

// ---- a person's key that the ledger's schema does not have -------------------------------

#[test]
fn a_ledger_key_the_schema_does_not_have_is_refused_not_dropped() {
    // A person adds `statuss: accepted` to a finding (a typo) and a top-level `findingz`:
    // `validate` warns (SF0109), and a rewrite from the parsed ledger would drop both without
    // a word. Ingest refuses at each key and leaves the file as it was; a dry run still runs.
    let d = tempfile::tempdir().unwrap();
    let report = write(d.path(), "s.sarif", &sarif("semgrep", &serde_json::json!([result("R1", "a.py")])));
    ingest(d.path(), &[Input::new(&report, Format::Auto)], "2026-11-24T12:00:00Z").unwrap();
    let path = d.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("  severity:", "  statuss: accepted\n  severity:", 1) + "findingz: []\n";
    std::fs::write(&path, &edited).unwrap();
    let e = ingest(d.path(), &[Input::new(&report, Format::Auto)], "2026-11-25T12:00:00Z").unwrap_err();
    let diags = e.diagnostics();
    let lost: Vec<_> = diags.iter().filter(|d| d.code.as_str() == "SF0109").collect();
    assert_eq!(lost.len(), 2, "{diags:?}");
    for x in &lost {
        assert!(x.is_error() && x.line.is_some() && x.message.contains("would drop it"), "{x:?}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited, "the file is unchanged");
    let lock = WorkspaceLock::acquire(d.path(), Duration::from_secs(30)).unwrap();
    let mut opts = IngestOptions::new(t("2026-11-25T12:00:00Z"));
    opts.dry_run = true;
    secfw_ingest::ingest(d.path(), &lock, &[Input::new(&report, Format::Auto)], &opts)
        .expect("a dry run writes nothing");
}
