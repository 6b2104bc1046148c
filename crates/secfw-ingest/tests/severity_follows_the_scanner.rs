//! A finding seen again takes its scanner's new rating when the rating rose (Trivy HIGH →
//! CRITICAL must reach the Critical=0 gate), and follows it down only while nobody changed the
//! finding's severity. The rating each ingest read is recorded in the finding's ingest
//! evidence (`severity`), which is how a scanner's change is told from a person's edit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{Finding, FindingsFile, Priority};
use secfw_artifacts::model::rulebook::SlaDays;
use secfw_artifacts::{LoadOptions, Severity, SourceFile};
use secfw_ingest::{Format, IngestOptions, Input, Outcome, WorkspaceLock};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A Trivy image report with one vulnerability per `(id, severity)`.
fn trivy(vulns: &[(&str, &str)]) -> Value {
    let vulns: Vec<Value> = vulns
        .iter()
        .map(|(id, sev)| {
            json!({
                "VulnerabilityID": id, "PkgName": "openssl", "InstalledVersion": "3.1.0",
                "FixedVersion": "3.1.9", "Severity": sev, "Title": format!("{id} in openssl")
            })
        })
        .collect();
    json!({
        "SchemaVersion": 2, "ArtifactName": "registry.example/api:1.4", "ArtifactType": "container_image",
        "Results": [{"Target": "registry.example/api:1.4 (alpine 3.19.1)", "Class": "os-pkgs", "Type": "alpine",
                     "Vulnerabilities": vulns}]
    })
}

fn ingest(dir: &Path, report: &Value, now: &str) -> Outcome {
    let p: PathBuf = dir.join("reports/trivy.json");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, report.to_string()).unwrap();
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
    secfw_ingest::ingest(dir, &lock, &[Input::new(p, Format::Auto)], &IngestOptions::new(t(now))).unwrap()
}

fn ledger(dir: &Path) -> FindingsFile {
    let text = std::fs::read_to_string(dir.join("sec_findings.yaml")).unwrap();
    let mut diags = Vec::new();
    let l = secfw_artifacts::parse_findings(
        &SourceFile::new("sec_findings.yaml", text),
        &LoadOptions::default().strict(true),
        &mut diags,
    )
    .unwrap();
    assert!(diags.is_empty(), "{diags:?}");
    l
}

/// A person's edit of the ledger, written back as ingest writes it.
fn edit(dir: &Path, f: impl FnOnce(&mut FindingsFile)) {
    let mut l = ledger(dir);
    f(&mut l);
    std::fs::write(dir.join("sec_findings.yaml"), secfw_ingest::render(&l).unwrap()).unwrap();
}

fn by_rule<'a>(l: &'a FindingsFile, id: &str) -> &'a Finding {
    l.findings.iter().find(|f| f.source.as_ref().and_then(|s| s.rule_id.as_deref()) == Some(id)).unwrap()
}

fn by_rule_mut<'a>(l: &'a mut FindingsFile, id: &str) -> &'a mut Finding {
    l.findings.iter_mut().find(|f| f.source.as_ref().and_then(|s| s.rule_id.as_deref()) == Some(id)).unwrap()
}

#[test]
fn a_rating_the_scanner_raises_reaches_the_finding_its_priority_and_deadline() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &trivy(&[("CVE-2026-0001", "HIGH"), ("CVE-2026-0002", "MEDIUM")]), "2026-12-01T00:00:00Z");
    let first = ledger(dir);
    let f = by_rule(&first, "CVE-2026-0001");
    assert_eq!((f.severity, f.remediation.priority), (Severity::High, Priority::P1));
    // The rating read is recorded with the ingest evidence.
    assert_eq!(f.evidence[0].data.get_str("severity"), Some("high"));
    let high_deadline = f.remediation.deadline;

    // Ten days later the advisory is re-rated CRITICAL.
    let o = ingest(dir, &trivy(&[("CVE-2026-0001", "CRITICAL"), ("CVE-2026-0002", "MEDIUM")]), "2026-12-11T00:00:00Z");
    let id = f.finding_id.clone();
    assert_eq!(o.summary.rerated, [(id.clone(), Severity::High, Severity::Critical)]);
    assert!(o.summary.opened.is_empty() && o.summary.resolved.is_empty(), "{:?}", o.summary);
    let after = ledger(dir);
    let f = by_rule(&after, "CVE-2026-0001");
    assert_eq!((f.severity, f.remediation.priority), (Severity::Critical, Priority::P0));
    let due = secfw_artifacts::add_days_saturating(
        t("2026-12-11T00:00:00Z").date_naive(),
        i64::from(SlaDays::default().for_severity(Severity::Critical)),
    );
    assert_eq!(f.remediation.deadline.date().0, due);
    assert!(f.remediation.deadline < high_deadline, "the deadline moved earlier");
    assert_eq!(f.evidence[0].data.get_str("severity"), Some("critical"));
    // Said where people read it: a located note with the stable code.
    let note = o.diagnostics().into_iter().find(|d| d.code.as_str() == "IN0113").expect("an IN0113 note");
    assert!(note.message.contains(&id) && note.message.contains("critical"), "{}", note.message);
    // The other finding is untouched, and the same report again changes nothing.
    assert_eq!(by_rule(&after, "CVE-2026-0002").severity, Severity::Medium);
    let again =
        ingest(dir, &trivy(&[("CVE-2026-0001", "CRITICAL"), ("CVE-2026-0002", "MEDIUM")]), "2026-12-12T00:00:00Z");
    assert!(again.summary.rerated.is_empty());
}

#[test]
fn a_rating_the_scanner_lowers_is_followed_only_while_nobody_changed_the_severity() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &trivy(&[("CVE-A", "CRITICAL"), ("CVE-B", "CRITICAL")]), "2026-12-01T00:00:00Z");
    let critical_deadline = by_rule(&ledger(dir), "CVE-A").remediation.deadline;
    // A person raised nothing and lowered nothing on A; on B they wrote `high` themselves.
    edit(dir, |l| by_rule_mut(l, "CVE-B").severity = Severity::High);
    let o = ingest(dir, &trivy(&[("CVE-A", "MEDIUM"), ("CVE-B", "MEDIUM")]), "2026-12-02T00:00:00Z");
    let after = ledger(dir);
    let (a, b) = (by_rule(&after, "CVE-A"), by_rule(&after, "CVE-B"));
    assert_eq!(o.summary.rerated, [(a.finding_id.clone(), Severity::Critical, Severity::Medium)]);
    assert_eq!((a.severity, a.remediation.priority), (Severity::Medium, Priority::P2));
    assert_eq!(a.remediation.deadline, critical_deadline, "a deadline never moves later");
    assert_eq!(b.severity, Severity::High, "the person's rating stays");
}

#[test]
fn a_persons_lower_rating_stays_until_the_scanner_raises_its_own() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &trivy(&[("CVE-A", "HIGH")]), "2026-12-01T00:00:00Z");
    edit(dir, |l| {
        let f = by_rule_mut(l, "CVE-A");
        f.severity = Severity::Low;
        f.remediation.priority = Priority::P3;
    });
    // The scanner still says HIGH: the person's decision stands, re-ingest after re-ingest.
    for day in ["2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"] {
        let o = ingest(dir, &trivy(&[("CVE-A", "HIGH")]), day);
        assert!(o.summary.rerated.is_empty());
        assert_eq!(by_rule(&ledger(dir), "CVE-A").severity, Severity::Low);
    }
    // The scanner now says CRITICAL: the facts changed since the person decided.
    let o = ingest(dir, &trivy(&[("CVE-A", "CRITICAL")]), "2026-12-04T00:00:00Z");
    let l = ledger(dir);
    let a = by_rule(&l, "CVE-A");
    assert_eq!(o.summary.rerated, [(a.finding_id.clone(), Severity::Low, Severity::Critical)]);
    assert_eq!((a.severity, a.remediation.priority), (Severity::Critical, Priority::P0));
}

#[test]
fn a_persons_higher_rating_is_never_lowered() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &trivy(&[("CVE-A", "MEDIUM")]), "2026-12-01T00:00:00Z");
    edit(dir, |l| by_rule_mut(l, "CVE-A").severity = Severity::Critical);
    for sev in ["LOW", "HIGH", "MEDIUM"] {
        let o = ingest(dir, &trivy(&[("CVE-A", sev)]), "2026-12-02T00:00:00Z");
        assert!(o.summary.rerated.is_empty(), "{sev}");
        assert_eq!(by_rule(&ledger(dir), "CVE-A").severity, Severity::Critical, "{sev}");
    }
}

#[test]
fn a_ledger_written_before_ratings_were_recorded_is_raised_but_never_lowered() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &trivy(&[("CVE-A", "MEDIUM"), ("CVE-B", "MEDIUM")]), "2026-12-01T00:00:00Z");
    // The evidence as an earlier secfw wrote it: no `severity` entry.
    let text = std::fs::read_to_string(dir.join("sec_findings.yaml")).unwrap();
    let old: String = text.lines().filter(|l| l.trim() != "severity: medium" || !l.starts_with("      ")).fold(
        String::new(),
        |mut s, l| {
            s.push_str(l);
            s.push('\n');
            s
        },
    );
    assert_ne!(old, text, "the recorded ratings were removed");
    std::fs::write(dir.join("sec_findings.yaml"), &old).unwrap();
    assert!(ledger(dir).findings.iter().all(|f| f.evidence[0].data.get_str("severity").is_none()));
    let o = ingest(dir, &trivy(&[("CVE-A", "HIGH"), ("CVE-B", "LOW")]), "2026-12-02T00:00:00Z");
    let after = ledger(dir);
    let (a, b) = (by_rule(&after, "CVE-A"), by_rule(&after, "CVE-B"));
    assert_eq!(o.summary.rerated, [(a.finding_id.clone(), Severity::Medium, Severity::High)]);
    assert_eq!((a.severity, b.severity), (Severity::High, Severity::Medium));
    // From now on the rating is recorded. B stays medium, as a rating a person may have
    // raised does, until the scanner rates it above medium.
    assert_eq!(b.evidence[0].data.get_str("severity"), Some("low"));
}

#[test]
fn a_default_for_a_severity_the_report_does_not_give_never_lowers_a_finding() {
    // Trivy `UNKNOWN` without CVSS is recorded as low by default (IN0107): no rating.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &trivy(&[("CVE-A", "HIGH")]), "2026-12-01T00:00:00Z");
    let o = ingest(dir, &trivy(&[("CVE-A", "UNKNOWN")]), "2026-12-02T00:00:00Z");
    assert!(o.summary.rerated.is_empty(), "{:?}", o.summary.rerated);
    assert_eq!(by_rule(&ledger(dir), "CVE-A").severity, Severity::High);
    // The scanner's own rating still moves it.
    let o = ingest(dir, &trivy(&[("CVE-A", "LOW")]), "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.rerated.len(), 1);
}

#[test]
fn two_reports_of_one_ingest_that_disagree_give_the_more_severe_rating() {
    // Whatever the order of the reports (and of their scan ids), the higher rating wins.
    for order in [[0, 1], [1, 0]] {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        ingest(dir, &trivy(&[("CVE-A", "MEDIUM")]), "2026-12-01T00:00:00Z");
        let reports = [trivy(&[("CVE-A", "LOW")]), trivy(&[("CVE-A", "CRITICAL")])];
        let mut inputs = Vec::new();
        for (n, i) in order.iter().enumerate() {
            let p = dir.join(format!("reports/trivy-{n}.json"));
            let mut r = reports[*i].clone();
            r["ReportID"] = json!(format!("report-{n}")); // distinct scans
            std::fs::write(&p, r.to_string()).unwrap();
            inputs.push(Input::new(p, Format::Auto));
        }
        let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).unwrap();
        let o = secfw_ingest::ingest(dir, &lock, &inputs, &IngestOptions::new(t("2026-12-02T00:00:00Z"))).unwrap();
        drop(lock);
        assert_eq!(o.summary.rerated.len(), 1, "{order:?}");
        assert_eq!(by_rule(&ledger(dir), "CVE-A").severity, Severity::Critical, "{order:?}");
    }
}

/// SARIF: a `security-severity` that is no score (text, out of range, an array) is no rating:
/// the finding keeps its severity, and the result says why (IN0107).
#[test]
fn a_sarif_security_severity_that_cannot_be_read_never_lowers_a_finding() {
    let log = |sev: Value| {
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "codeql", "rules": [{"id": "js/sqli"}]}},
            "versionControlProvenance": [{"repositoryUri": "https://example.invalid/app"}],
            "results": [{"ruleId": "js/sqli", "level": "warning", "message": {"text": "sqli"},
                "properties": {"security-severity": sev},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "db.js"}}}]}]}]})
    };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &log(json!("9.8")), "2026-12-01T00:00:00Z");
    assert_eq!(ledger(dir).findings[0].severity, Severity::Critical);
    for (n, bad) in
        [json!("SEVERE"), json!("9.8/10"), json!(11), json!(-1), json!([9.8]), json!({})].into_iter().enumerate()
    {
        let o = ingest(dir, &log(bad.clone()), &format!("2026-12-0{}T00:00:00Z", n + 2));
        assert!(o.summary.rerated.is_empty(), "{bad}: {:?}", o.summary.rerated);
        assert!(o.diagnostics().iter().any(|d| d.code.as_str() == "IN0107"), "{bad}");
        assert_eq!(ledger(dir).findings[0].severity, Severity::Critical, "{bad}");
    }
}

/// A SARIF log whose one run reports `results` (rule R1 with `rule` as its descriptor).
fn sarif_log(rule: Value, results: Value) -> Value {
    let mut log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "codeql"}},
        "versionControlProvenance": [{"repositoryUri": "https://example.invalid/app"}]}]});
    log["runs"][0]["tool"]["driver"]["rules"] = Value::Array(vec![rule]);
    log["runs"][0]["results"] = results;
    log
}

fn r1(level: Option<Value>, line: u64) -> Value {
    let mut r = json!({"ruleId": "R1", "message": {"text": "m"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": line}}}]});
    if let Some(l) = level {
        r["level"] = l;
    }
    r
}

/// What a SARIF log rates unreadably (the result's `level` as an object, the rule's
/// `defaultConfiguration.level` or `security-severity` that is no level or score, the
/// result's `properties` that is not an object) never lowers a finding; the most severe of
/// several results of one finding in one log rates it, whatever their order.
#[test]
fn unreadable_sarif_ratings_never_lower_and_the_most_severe_result_rates_the_finding() {
    let rule = json!({"id": "R1"});
    let base = sarif_log(rule.clone(), json!([r1(Some(json!("error")), 1)]));
    let attacks = [
        sarif_log(rule.clone(), json!([r1(Some(json!({})), 1)])),
        sarif_log(json!({"id": "R1", "defaultConfiguration": {"level": "fatal"}}), json!([r1(None, 1)])),
        sarif_log(json!({"id": "R1", "defaultConfiguration": {"level": 3}}), json!([r1(None, 1)])),
        sarif_log(json!({"id": "R1", "defaultConfiguration": "error"}), json!([r1(None, 1)])),
        sarif_log(
            json!({"id": "R1", "properties": {"security-severity": "High"}}),
            json!([r1(Some(json!("note")), 1)]),
        ),
        sarif_log(
            rule.clone(),
            json!([{"ruleId": "R1", "level": "note", "message": {"text": "m"}, "properties": "x",
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}}]}]),
        ),
        // Two results of the finding in one log, the lower first; and in two runs.
        sarif_log(rule.clone(), json!([r1(Some(json!("note")), 1), r1(Some(json!("error")), 9)])),
    ];
    for (n, attack) in attacks.iter().enumerate() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        ingest(dir, &base, "2026-12-01T00:00:00Z");
        let o = ingest(dir, attack, "2026-12-02T00:00:00Z");
        assert!(o.summary.rerated.is_empty(), "attack {n}: {:?}", o.summary.rerated);
        assert_eq!(ledger(dir).findings[0].severity, Severity::High, "attack {n}");
    }
    // A new finding from results rated low then high opens high.
    let d = tempfile::tempdir().unwrap();
    let both = sarif_log(rule, json!([r1(Some(json!("note")), 1), r1(Some(json!("error")), 9)]));
    ingest(d.path(), &both, "2026-12-01T00:00:00Z");
    assert_eq!(ledger(d.path()).findings[0].severity, Severity::High);
    // Trivy: one result listing a vulnerability twice, LOW then CRITICAL, opens critical.
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &trivy(&[("CVE-A", "LOW"), ("CVE-A", "CRITICAL")]), "2026-12-01T00:00:00Z");
    assert_eq!(by_rule(&ledger(d.path()), "CVE-A").severity, Severity::Critical);
}

/// SARIF: a result whose rule and run give no level at all reads SARIF's default `warning`
/// (medium): a finding it opens is medium, but a producer that leaves `level` out of one run
/// never lowers the `error` of the run before, and says nothing unreadable (no `IN0107`).
/// A level the rule chooses (`defaultConfiguration.level`) is the scanner's and is followed.
#[test]
fn a_sarif_level_nobody_gave_never_lowers_a_finding() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let rule = json!({"id": "R1"});
    ingest(dir, &sarif_log(rule.clone(), json!([r1(Some(json!("error")), 1)])), "2026-12-01T00:00:00Z");
    assert_eq!(ledger(dir).findings[0].severity, Severity::High);
    let o = ingest(dir, &sarif_log(rule.clone(), json!([r1(None, 1)])), "2026-12-02T00:00:00Z");
    assert!(o.summary.rerated.is_empty(), "{:?}", o.summary.rerated);
    assert!(!o.diagnostics().iter().any(|d| d.code.as_str() == "IN0107"), "{:?}", o.diagnostics());
    let f = &ledger(dir).findings[0];
    assert_eq!(f.severity, Severity::High);
    // The rating recorded stays the scanner's own.
    assert_eq!(f.evidence[0].data.get_str("severity"), Some("high"));
    // The rule's own default level is the scanner's rating: followed down.
    let noted = json!({"id": "R1", "defaultConfiguration": {"level": "note"}});
    let o = ingest(dir, &sarif_log(noted, json!([r1(None, 1)])), "2026-12-03T00:00:00Z");
    assert_eq!(o.summary.rerated.len(), 1, "{:?}", o.summary.rerated);
    assert_eq!(ledger(dir).findings[0].severity, Severity::Low);
    // A finding opened by a result with no level anywhere is medium.
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &sarif_log(rule, json!([r1(None, 1)])), "2026-12-01T00:00:00Z");
    assert_eq!(ledger(d.path()).findings[0].severity, Severity::Medium);
}

/// OSV-Scanner: a group `max_severity` that is no score (`"HIGH"`, `11`, an object) is no
/// rating: the finding keeps its severity, and the report says why (IN0107). `""` (what
/// OSV-Scanner writes for a group with no score) is no score either, silently.
#[test]
fn an_osv_max_severity_that_cannot_be_read_never_lowers_a_finding() {
    let osv = |max: Value| {
        json!({"results": [{"source": {"path": "app/mix.lock", "type": "lockfile"}, "packages": [{
            "package": {"name": "paginator", "version": "0.6.0", "ecosystem": "Hex"},
            "vulnerabilities": [{"id": "GHSA-w98m-2xqg-9cvj", "aliases": ["CVE-2020-15150"],
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}]}],
            "groups": [{"ids": ["GHSA-w98m-2xqg-9cvj"], "max_severity": max}]}]}]})
    };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ingest(dir, &osv(json!("9.8")), "2026-12-01T00:00:00Z");
    assert_eq!(ledger(dir).findings[0].severity, Severity::Critical);
    for (n, bad) in [json!("HIGH"), json!(11), json!({}), json!([9.8])].into_iter().enumerate() {
        let o = ingest(dir, &osv(bad.clone()), &format!("2026-12-0{}T00:00:00Z", n + 2));
        assert!(o.summary.rerated.is_empty(), "{bad}: {:?}", o.summary.rerated);
        assert!(
            o.diagnostics().iter().any(|d| d.code.as_str() == "IN0107" && d.message.contains("max_severity")),
            "{bad}: {:?}",
            o.diagnostics()
        );
        assert_eq!(ledger(dir).findings[0].severity, Severity::Critical, "{bad}");
    }
    // `""`: the vector rates it (low), silently, and the scanner's rating is followed down.
    let o = ingest(dir, &osv(json!("")), "2026-12-08T00:00:00Z");
    assert!(!o.diagnostics().iter().any(|d| d.code.as_str() == "IN0107"), "{:?}", o.diagnostics());
    assert_eq!(o.summary.rerated.len(), 1, "{:?}", o.summary.rerated);
    assert_eq!(ledger(dir).findings[0].severity, Severity::Low);
}
