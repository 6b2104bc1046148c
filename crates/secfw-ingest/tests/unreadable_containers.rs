//! A report whose findings sit in a container secfw cannot read resolves nothing. Each test
//! records the findings of a report, then ingests the attack an independent sweep found: the
//! same report with its list of findings written as an object, a string among its results, a
//! count its list does not hold, a key written twice, a scanner-side exception or ignore rule.
//! Before, each was read as an empty list, which is what a clean scan writes, and resolved
//! every finding with exit 0. Now the findings stay open (`IN0108`) and the report says why
//! (`IN0101`, `IN0111`, `IN0106`), or the report is refused (`IN0002`). Each test's control
//! is the clean report, which does resolve.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secfw_ingest::{Error, Format, IngestOptions, Input, Outcome, WorkspaceLock};
use serde_json::{Value, json};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Both reports are written here, as one CI job overwrites its report.
const REPORT: &str = "reports/scan.json";

fn put(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join(REPORT);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn ingest(dir: &Path, text: &str, now: &str, target: Option<&str>) -> Result<Outcome, Error> {
    let lock = WorkspaceLock::acquire(dir, Duration::from_secs(30)).expect("workspace lock");
    let mut opts = IngestOptions::new(t(now));
    opts.target = target.map(str::to_owned);
    secfw_ingest::ingest(dir, &lock, &[Input::new(put(dir, text), Format::Auto)], &opts)
}

fn corpus(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(secfw_testkit::corpora(rel)).unwrap()).unwrap()
}

/// The codes of what the reports and the merge said.
fn codes(o: &Outcome) -> Vec<&str> {
    o.reports.iter().flat_map(|r| &r.diagnostics).chain(&o.summary.diagnostics).map(|d| d.code.as_str()).collect()
}

/// Record `base` (at least one finding), then ingest `attack` a day later: every finding stays
/// open, and the second ingest says `code`. Returns the second outcome.
fn stays_open(base: &Value, attack: &str, code: &str, target: Option<&str>) -> Outcome {
    let d = tempfile::tempdir().unwrap();
    let first = ingest(d.path(), &base.to_string(), "2026-11-24T12:00:00Z", target).unwrap();
    let n = first.summary.opened.len();
    assert!(n > 0, "the base report opens findings");
    let o = ingest(d.path(), attack, "2026-11-25T12:00:00Z", target).unwrap();
    assert!(o.summary.resolved.is_empty(), "resolved {:?}", o.summary.resolved);
    assert!(codes(&o).contains(&code), "{code} in {:?}", codes(&o));
    assert!(codes(&o).contains(&"IN0108"), "each kept open finding is noted: {:?}", codes(&o));
    o
}

/// The control: `clean` resolves every finding `base` recorded.
fn resolves(base: &Value, clean: &Value, target: Option<&str>) {
    let d = tempfile::tempdir().unwrap();
    let first = ingest(d.path(), &base.to_string(), "2026-11-24T12:00:00Z", target).unwrap();
    let o = ingest(d.path(), &clean.to_string(), "2026-11-25T12:00:00Z", target).unwrap();
    assert_eq!(o.summary.resolved.len(), first.summary.opened.len(), "{:?}", o.summary.kept_open);
}

fn trivy() -> Value {
    json!({"SchemaVersion": 2, "ArtifactName": "acme/app:1", "Results": [
        {"Target": "acme/app:1 (debian 12.1)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2024-1", "PkgName": "openssl", "InstalledVersion": "1.0", "Severity": "HIGH"},
            {"VulnerabilityID": "CVE-2024-2", "PkgName": "zlib", "InstalledVersion": "1.2", "Severity": "LOW"}]}]})
}

fn trivy_clean() -> Value {
    json!({"SchemaVersion": 2, "ArtifactName": "acme/app:1", "Results": [
        {"Target": "acme/app:1 (debian 12.1)", "Class": "os-pkgs", "Type": "debian"}]})
}

#[test]
fn trivy_vulnerabilities_as_an_object_or_a_string_among_results_resolve_nothing() {
    resolves(&trivy(), &trivy_clean(), None);
    let mut obj = trivy();
    let list = obj["Results"][0]["Vulnerabilities"].take();
    obj["Results"][0]["Vulnerabilities"] = json!({"0": list[0]});
    stays_open(&trivy(), &obj.to_string(), "IN0101", None);
    let mut garbage = trivy_clean();
    garbage["Results"].as_array_mut().unwrap().push(json!("garbage"));
    stays_open(&trivy(), &garbage.to_string(), "IN0101", None);
}

#[test]
fn a_key_written_twice_is_refused_and_the_ledger_is_unchanged() {
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &trivy().to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    let before = std::fs::read(d.path().join("sec_findings.yaml")).unwrap();
    // The findings first, then an empty list under the same key: a reader keeps the last.
    let text = trivy().to_string();
    let twice = format!("{},\"Results\":[]}}", text.strip_suffix('}').unwrap());
    let e = ingest(d.path(), &twice, "2026-11-25T12:00:00Z", None).unwrap_err();
    let diag = &e.diagnostics()[0];
    assert_eq!(diag.code.as_str(), "IN0002", "{diag:?}");
    assert!(diag.message.contains("`Results` appears twice"), "{}", diag.message);
    assert!(diag.line.is_some() && diag.column.is_some(), "located: {diag:?}");
    assert_eq!(std::fs::read(d.path().join("sec_findings.yaml")).unwrap(), before);
}

fn misconfig(status: &Value) -> Value {
    json!({"SchemaVersion": 2, "ArtifactName": "acme/app:1", "Results": [
        {"Target": "Dockerfile", "Class": "config", "Type": "dockerfile", "Misconfigurations": [
            {"ID": "DS002", "Title": "root user", "Message": "Specify a USER", "Severity": "HIGH", "Status": status}]}]})
}

#[test]
fn a_trivy_exception_or_an_unknown_status_keeps_the_misconfiguration_open() {
    resolves(&misconfig(&json!("FAIL")), &misconfig(&json!("PASS")), None);
    let o = stays_open(&misconfig(&json!("FAIL")), &misconfig(&json!("EXCEPTION")).to_string(), "IN0111", None);
    assert!(o.summary.kept_open[0].1.contains("Trivy exception"), "{:?}", o.summary.kept_open);
    stays_open(&misconfig(&json!("FAIL")), &misconfig(&json!("fail")).to_string(), "IN0101", None);
    stays_open(&misconfig(&json!("FAIL")), &misconfig(&json!(1)).to_string(), "IN0101", None);
}

fn grype(matches: &[&str], configuration: &Value) -> Value {
    let matches: Vec<Value> = matches
        .iter()
        .map(|id| {
            json!({"vulnerability": {"id": id, "severity": "High", "fix": {"versions": [], "state": "not-fixed"}},
                "artifact": {"name": "openssl", "version": "1.1.1", "type": "apk",
                    "locations": [{"path": "/lib/apk/db/installed"}], "purl": "pkg:apk/alpine/openssl@1.1.1"}})
        })
        .collect();
    json!({"matches": matches, "source": {"type": "image", "target": {"userInput": "acme/app:1"}},
        "descriptor": {"name": "grype", "version": "0.80.0", "configuration": configuration}})
}

#[test]
fn grype_ignore_rules_vex_and_wontfix_that_list_nothing_resolve_nothing() {
    let base = grype(&["CVE-2024-0001"], &json!({}));
    resolves(&base, &grype(&[], &json!({})), None);
    // Grype's default rules by package are taken as listed: a clean report with them resolves.
    let defaults = json!({"ignore": [{"vulnerability": "", "package": {"name": "linux-libc-dev", "type": "deb"}}]});
    resolves(&base, &grype(&[], &defaults), None);
    let rule = json!({"ignore": [{"vulnerability": "CVE-2024-0001"}]});
    stays_open(&base, &grype(&[], &rule).to_string(), "IN0111", None);
    for conf in [json!({"vex-documents": ["vex.json"]}), json!({"ignore-wontfix": "wont-fix,not-fixed"})] {
        let o = stays_open(&base, &grype(&[], &conf).to_string(), "IN0108", None);
        assert!(o.summary.kept_open[0].1.contains("ignoredMatches"), "{:?}", o.summary.kept_open);
    }
    // What Grype dropped is listed only by a non-empty `ignoredMatches`.
    for none in [json!([]), Value::Null] {
        let mut unlisted = grype(&[], &json!({"vex-documents": ["vex.json"]}));
        unlisted["ignoredMatches"] = none;
        stays_open(&base, &unlisted.to_string(), "IN0108", None);
    }
    let mut listed = grype(&[], &json!({"vex-documents": ["vex.json"]}));
    listed["ignoredMatches"] = grype(&["CVE-2024-0009"], &json!({}))["matches"].clone();
    resolves(&base, &listed, None);
    resolves(&base, &grype(&[], &json!({"ignore-wontfix": false})), None);
    // An ignore rule names its id in any case; one whose id cannot be read ignores unknown ones.
    stays_open(
        &base,
        &grype(&[], &json!({"ignore": [{"vulnerability": "cve-2024-0001"}]})).to_string(),
        "IN0111",
        None,
    );
    stays_open(
        &base,
        &grype(&[], &json!({"ignore": [{"vulnerability": ["CVE-2024-0001"]}]})).to_string(),
        "IN0108",
        None,
    );
    stays_open(&base, &grype(&[], &json!("only-fixed=true")).to_string(), "IN0101", None);
}

/// A change made to a report.
type Edit = fn(&mut Value);

const CARGO_MANY: &str = "cargo-audit/defectdojo__cargo-audit-many_findings.json";

#[test]
fn a_cargo_audit_list_it_cannot_read_or_a_count_it_does_not_hold_resolves_nothing() {
    let base = corpus(CARGO_MANY);
    let target = Some("svc/a");
    let edits: [(&str, Edit); 5] = [
        ("list deleted, found: true", |v| {
            v["vulnerabilities"].as_object_mut().unwrap().remove("list");
        }),
        ("list null", |v| v["vulnerabilities"]["list"] = Value::Null),
        ("list an object", |v| v["vulnerabilities"]["list"] = json!({})),
        ("warnings a list", |v| v["warnings"] = json!([])),
        ("a warning kind null", |v| v["warnings"]["unmaintained"] = Value::Null),
    ];
    for (what, edit) in edits {
        let mut v = base.clone();
        edit(&mut v);
        let o = stays_open(&base, &v.to_string(), "IN0108", target);
        assert!(!o.summary.kept_open.is_empty(), "{what}");
    }
    // Without its `warnings` map the report says nothing about warnings: it resolves no
    // warning finding (the vulnerabilities it lists are all seen again).
    let mut v = base.clone();
    v.as_object_mut().unwrap().remove("warnings");
    let o = stays_open(&base, &v.to_string(), "IN0108", target);
    assert!(o.summary.kept_open.iter().all(|(_, why)| why.contains("scope")), "{:?}", o.summary.kept_open);
}

const NPM_MANY: &str = "npm-audit/defectdojo__npm7plus-many_vulns.json";

#[test]
fn npm_vulnerabilities_it_cannot_read_or_an_error_string_resolve_nothing() {
    let base = corpus(NPM_MANY);
    let mut list = base.clone();
    list["vulnerabilities"] = json!([]);
    stays_open(&base, &list.to_string(), "IN0101", None);
    let mut gone = base.clone();
    gone.as_object_mut().unwrap().remove("vulnerabilities");
    stays_open(&base, &gone.to_string(), "IN0101", None);
    let mut failed = base.clone();
    failed["error"] = json!("ENOAUDIT: the registry refused the audit");
    let o = stays_open(&base, &failed.to_string(), "IN0106", None);
    assert!(!o.summary.kept_open.is_empty());
}

const OSV_MANY: &str = "osv-scanner/defectdojo__osv-scanner-many_findings.json";

#[test]
fn osv_vulnerabilities_without_an_id_or_packages_as_an_object_resolve_nothing() {
    let base = corpus(OSV_MANY);
    let mut no_id = base.clone();
    for r in no_id["results"].as_array_mut().unwrap() {
        for p in r["packages"].as_array_mut().unwrap() {
            p["groups"] = json!([]);
            for v in p["vulnerabilities"].as_array_mut().unwrap() {
                v.as_object_mut().unwrap().remove("id");
            }
        }
    }
    stays_open(&base, &no_id.to_string(), "IN0101", None);
    let mut obj = base.clone();
    for r in obj["results"].as_array_mut().unwrap() {
        r["packages"] = json!({});
    }
    stays_open(&base, &obj.to_string(), "IN0101", None);
}

/// A one-run SARIF log of Semgrep on the project, with `results`, and `edit` applied to the run.
fn semgrep(results: &Value, edit: impl FnOnce(&mut Value)) -> Value {
    let mut run = json!({"tool": {"driver": {"name": "semgrep", "rules": [{"id": "R1"}]}},
        "versionControlProvenance": [{"repositoryUri": "https://github.com/acme/app"}],
        "invocations": [{"executionSuccessful": true}], "results": results});
    edit(&mut run);
    json!({"version": "2.1.0", "runs": [run]})
}

fn r1(location: &Value) -> Value {
    json!([{"ruleId": "R1", "message": {"text": "m"}, "locations": [location]}])
}

fn at_a_py() -> Value {
    json!({"physicalLocation": {"artifactLocation": {"uri": "src/app/a.py"}, "region": {"startLine": 1}}})
}

#[test]
fn sarif_notifications_or_rules_it_cannot_read_resolve_nothing() {
    let base = semgrep(&r1(&at_a_py()), |_| {});
    resolves(&base, &semgrep(&json!([]), |_| {}), None);
    let notes = |n: Value| move |run: &mut Value| run["invocations"][0]["toolExecutionNotifications"] = n;
    let crash = json!({"level": "error", "message": {"text": "crash"}});
    for (n, code) in [
        (crash, "IN0112"),                                                     // an object, not a list
        (json!(["fatal: crashed on src/app/a.py"]), "IN0112"),                 // an entry that is not an object
        (json!([{"level": "ERROR", "message": {"text": "crash"}}]), "IN0108"), // `error` in capitals
        (json!([{"level": "fatal", "message": {"text": "crash"}}]), "IN0108"), // none of the four: `error`
        (json!([{"level": null, "message": {"text": "crash"}}]), "IN0108"),
    ] {
        stays_open(&base, &semgrep(&json!([]), notes(n)).to_string(), code, None);
    }
    // A harmless warning written `Warning` is a warning: the clean run still resolves.
    let harmless = json!([{"level": "Warning", "message": {"text": "rule R9 is deprecated"}}]);
    resolves(&base, &semgrep(&json!([]), notes(harmless)), None);
    for text in
        ["Failed to parse src/app/a.py", "Could not analyze file: too large", "unable to read (permission denied)"]
    {
        let warn = json!([{"level": "warning", "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/app/a.py"}}}]}]);
        let o = stays_open(&base, &semgrep(&json!([]), notes(warn)).to_string(), "IN0108", None);
        assert!(o.summary.kept_open[0].1.contains("did not analyse"), "{text}: {:?}", o.summary.kept_open);
    }
    let rules_obj = semgrep(&json!([]), |run| run["tool"]["driver"]["rules"] = json!({"id": "R9"}));
    stays_open(&base, &rules_obj.to_string(), "IN0112", None);
}

#[test]
fn a_sarif_result_whose_message_or_file_cannot_be_read_is_skipped_and_resolves_nothing() {
    let base = semgrep(&r1(&at_a_py()), |_| {});
    let attacks = [
        r1(&json!({"physicalLocation": {"artifactLocation": {"uri": 5}}})),
        r1(&json!({"physicalLocation": {"artifactLocation": null, "region": {"startLine": 1}}})),
        r1(&json!({"physicalLocation": "src/app/a.py"})),
        r1(&Value::Null),
        json!([{"ruleId": "R1", "message": {"text": "m"}, "locations": at_a_py()}]),
        json!([{"ruleId": "R1", "message": "m", "locations": [at_a_py()]}]),
        json!([{"ruleId": "R1", "message": {"text": 5}, "locations": [at_a_py()]}]),
        // References that lead nowhere, or indexes that are not indexes.
        r1(&json!({"physicalLocation": {"artifactLocation": {"index": 7}}})),
        r1(&json!({"physicalLocation": {"artifactLocation": {"index": "0"}}})),
        json!([{"rule": {"index": 9}, "message": {"text": "m"}, "locations": [at_a_py()]}]),
        json!([{"ruleIndex": "0", "message": {"text": "m"}, "locations": [at_a_py()]}]),
    ];
    for results in attacks {
        let o = stays_open(&base, &semgrep(&results, |_| {}).to_string(), "IN0101", None);
        assert!(o.summary.opened.is_empty(), "no finding at an empty location: {:?}", o.summary.opened);
    }
    // `-1` is SARIF's "no index" (OSV-Scanner writes it), and an index into `artifacts` is a
    // location: the same finding, seen again.
    let same = [
        json!([{"ruleId": "R1", "ruleIndex": -1, "message": {"text": "m"}, "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": "src/app/a.py", "index": -1}, "region": {"startLine": 1}}}]}]),
        r1(&json!({"physicalLocation": {"artifactLocation": {"index": 0}, "region": {"startLine": 1}}})),
    ];
    for results in same {
        let d = tempfile::tempdir().unwrap();
        ingest(d.path(), &base.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
        let run = semgrep(&results, |run| run["artifacts"] = json!([{"location": {"uri": "src/app/a.py"}}]));
        let o = ingest(d.path(), &run.to_string(), "2026-11-25T12:00:00Z", None).unwrap();
        assert_eq!((o.summary.opened.len(), o.summary.updated.len()), (0, 1), "{:?}", o.summary);
    }
}

/// Gitleaks without git: every partial fingerprint is there and empty.
fn gitleaks(results: &[(u64, &str)]) -> Value {
    let results: Vec<Value> = results
        .iter()
        .map(|(line, snippet)| {
            json!({"ruleId": "aws-access-token", "message": {"text": "AWS access token"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "config.py"},
                    "region": {"startLine": line, "snippet": {"text": snippet}}}}],
                "partialFingerprints": {"commitSha": "", "email": "", "author": "", "date": "", "commitMessage": ""}})
        })
        .collect();
    json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "gitleaks", "rules": [{"id": "aws-access-token"}]}},
        "versionControlProvenance": [{"repositoryUri": "https://github.com/acme/app"}],
        "invocations": [{"executionSuccessful": true}], "results": results}]})
}

#[test]
fn empty_partial_fingerprints_do_not_merge_two_secrets_and_the_old_identity_is_an_alias() {
    let d = tempfile::tempdir().unwrap();
    let two = gitleaks(&[(3, "AKIAAAAAAAAAAAAAAAAA"), (9, "AKIABBBBBBBBBBBBBBBB")]);
    let o = ingest(d.path(), &two.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    assert_eq!(o.summary.opened.len(), 2, "two secrets, two findings");
    let items = &o.reports[0].scans[0].items;
    assert!(items.is_empty(), "moved into the ledger");
    // The identity a release before this rule gave (all empty values kept) is an alias: a
    // ledger holding it keeps its finding, which takes the current fingerprint.
    let one = gitleaks(&[(3, "AKIAAAAAAAAAAAAAAAAA")]);
    let parsed = secfw_ingest::parse_slice(
        one.to_string().as_bytes(),
        "g.sarif",
        Format::Sarif,
        &secfw_ingest::ParseOptions::default(),
    )
    .unwrap();
    let item = &parsed.scans[0].items[0];
    assert_eq!(item.aliases.len(), 1, "{item:?}");
    let (now, old) = (item.fingerprint.clone(), item.aliases[0].clone());
    assert_ne!(now, old);
    let e = tempfile::tempdir().unwrap();
    ingest(e.path(), &one.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    let path = e.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&now));
    std::fs::write(&path, text.replace(&now, &old)).unwrap();
    let o = ingest(e.path(), &one.to_string(), "2026-11-25T12:00:00Z", None).unwrap();
    assert!(o.summary.opened.is_empty() && o.summary.resolved.is_empty(), "{:?}", o.summary);
    assert!(std::fs::read_to_string(&path).unwrap().contains(&now), "the finding takes the current fingerprint");
}

#[test]
fn deeper_containers_counts_as_text_and_npm6_severity_counts_resolve_nothing() {
    let k8s = |licenses: Value| {
        json!({"ClusterName": "prod", "Resources": [{"Namespace": "default", "Kind": "Deployment", "Name": "app",
            "Results": [{"Target": "OS Packages", "Class": "license", "Licenses": licenses}]}]})
    };
    let base = k8s(json!([{"Severity": "HIGH", "Category": "restricted", "PkgName": "gpl-lib", "Name": "GPL-3.0"}]));
    resolves(&base, &k8s(json!([])), None);
    stays_open(&base, &k8s(json!({"0": {}})).to_string(), "IN0101", None);

    let npm6 = |advisories: Value| {
        json!({"advisories": advisories, "actions": [], "muted": [],
            "metadata": {"vulnerabilities": {"info": 0, "low": 0, "moderate": 0, "high": 0, "critical": 1}}})
    };
    let growl = json!({"146": {"id": 146, "module_name": "growl", "severity": "critical", "title": "Command Injection",
        "url": "https://www.npmjs.com/advisories/146", "findings": [{"version": "1.9.2", "paths": ["growl"]}]}});
    stays_open(&npm6(growl), &npm6(json!({})).to_string(), "IN0101", None);

    let base = corpus(CARGO_MANY);
    let mut text = base.clone();
    text["vulnerabilities"] = json!({"found": "true", "count": "1", "list": []});
    stays_open(&base, &text.to_string(), "IN0101", Some("svc/a"));
}

#[test]
fn sarif_notification_messages_and_rule_ids_it_cannot_read_resolve_nothing() {
    let base = semgrep(&r1(&at_a_py()), |_| {});
    let note = |n: Value| move |run: &mut Value| run["invocations"][0]["toolExecutionNotifications"] = json!([n]);
    let said = json!({"level": "warning", "message": "Syntax error: failed to parse src/app/a.py",
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/app/a.py"}}}]});
    stays_open(&base, &semgrep(&json!([]), note(said)).to_string(), "IN0112", None);
    let ids = semgrep(&json!([]), |run| run["tool"]["driver"]["rules"] = json!([{"id": 1}, {"id": 2}]));
    stays_open(&base, &ids.to_string(), "IN0112", None);
    for text in ["Stack overflow", "AST builder error", "OOM during interfile analysis", "Couldn't parse file"] {
        let warn = json!({"level": "warning", "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/app/a.py"}}}]});
        stays_open(&base, &semgrep(&json!([]), note(warn)).to_string(), "IN0108", None);
    }
}

/// A field a finding's identity is read from, written with another type or with its key in
/// another case, was read as empty: the finding got another identity, so the recorded one
/// resolved and a new one opened. Now the report is incomplete: the recorded findings stay
/// open (`IN0101` at the field), whatever else the report holds.
#[test]
fn an_identity_field_of_another_type_or_a_key_in_another_case_resolves_nothing() {
    // Trivy: `PkgPath` a number; the vulnerabilities under `vulnerabilities`.
    let mut base = trivy();
    base["Results"][0]["Vulnerabilities"][0]["PkgPath"] = json!("usr/lib/openssl.jar");
    let mut number = base.clone();
    number["Results"][0]["Vulnerabilities"][0]["PkgPath"] = json!(7);
    stays_open(&base, &number.to_string(), "IN0101", None);
    let mut lower = base.clone();
    let result = lower["Results"][0].as_object_mut().unwrap();
    let list = result.remove("Vulnerabilities").unwrap();
    result.insert("vulnerabilities".into(), list);
    stays_open(&base, &lower.to_string(), "IN0101", None);
    // Grype: `artifact.locations` an object instead of a list.
    let base = grype(&["CVE-2024-0001"], &json!({}));
    let mut located = base.clone();
    located["matches"][0]["artifact"]["locations"] = json!({"path": "/lib/apk/db/installed"});
    stays_open(&base, &located.to_string(), "IN0101", None);
    // cargo-audit: an advisory written as its id; a warning kind in another case.
    let base = corpus(CARGO_MANY);
    let mut adv = base.clone();
    let id = adv["vulnerabilities"]["list"][0]["advisory"]["id"].clone();
    adv["vulnerabilities"]["list"][0]["advisory"] = id;
    stays_open(&base, &adv.to_string(), "IN0101", Some("svc/a"));
    let mut kinds = base.clone();
    let warnings = kinds["warnings"].as_object_mut().unwrap();
    let (kind, entries) = warnings.iter().find(|(_, e)| e.as_array().is_some_and(|a| !a.is_empty())).unwrap();
    let (kind, entries) = (kind.clone(), entries.clone());
    warnings.remove(&kind);
    let mut letters = kind.chars();
    let capital: String = letters.next().into_iter().flat_map(char::to_uppercase).chain(letters).collect();
    warnings.insert(capital, entries);
    stays_open(&base, &kinds.to_string(), "IN0101", Some("svc/a"));
    // OSV: a group's ids written as one string.
    let base = corpus(OSV_MANY);
    let mut ids = base.clone();
    let g = ids["results"][0]["packages"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["groups"].as_array().is_some_and(|g| !g.is_empty()))
        .unwrap();
    let first = g["groups"][0]["ids"][0].clone();
    g["groups"][0]["ids"] = first;
    // Here every finding is still matched (by its other ids), so none needs keeping open; the
    // scan is recorded incomplete all the same.
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &base.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    let o = ingest(d.path(), &ids.to_string(), "2026-11-25T12:00:00Z", None).unwrap();
    assert!(o.summary.resolved.is_empty() && codes(&o).contains(&"IN0101"), "{:?}", codes(&o));
    let last = o.ledger.scans.iter().max_by_key(|s| s.started_at).unwrap();
    assert!(last.incomplete.get("vulnerability").is_some_and(|w| w.contains("groups/0/ids")), "{last:?}");
}

/// npm 7: a package vulnerable only through others names packages that lead to an advisory.
/// With every advisory object removed (the names kept), or a name the report does not list,
/// no advisory was read: the report resolves nothing.
#[test]
fn npm_names_that_lead_to_no_advisory_resolve_nothing() {
    let base = corpus(NPM_MANY);
    let mut names_only = base.clone();
    for (_, v) in names_only["vulnerabilities"].as_object_mut().unwrap() {
        let via = v["via"].as_array_mut().unwrap();
        via.retain(Value::is_string);
        if via.is_empty() {
            via.push(json!("left-pad-gone"));
        }
    }
    stays_open(&base, &names_only.to_string(), "IN0101", None);
}

/// A result of rule R1 at `uri`, under `base` when given.
fn r1_at(uri: &str, base: Option<&str>) -> Value {
    let mut al = json!({"uri": uri});
    if let Some(b) = base {
        al["uriBaseId"] = json!(b);
    }
    json!({"ruleId": "R1", "message": {"text": "m"},
        "locations": [{"physicalLocation": {"artifactLocation": al, "region": {"startLine": 1}}}]})
}

/// SARIF `uriBaseId`: `a.py` under `SRCROOT` and `a.py` under `TESTROOT` are two files. They
/// were one finding (the second location lost, and one resolving the other). A finding
/// recorded without the base (by an earlier release) moves to the new identity, neither
/// resolved nor opened twice. A base of another type is a result that cannot be read.
#[test]
fn the_same_path_under_two_uri_bases_is_two_findings() {
    let two = semgrep(&json!([r1_at("a.py", Some("%SRCROOT%")), r1_at("a.py", Some("TESTROOT"))]), |_| {});
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &two.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    assert_eq!(o.summary.opened.len(), 2, "{:?}", o.summary);
    let mut bases: Vec<_> = o.ledger.findings.iter().map(|f| f.evidence[0].data.get_str("uri_base_id")).collect();
    bases.sort_unstable();
    assert_eq!(bases, [Some("SRCROOT"), Some("TESTROOT")]);
    // The test file's finding is fixed: only it resolves.
    let one = semgrep(&json!([r1_at("a.py", Some("SRCROOT"))]), |_| {});
    let o = ingest(d.path(), &one.to_string(), "2026-11-25T12:00:00Z", None).unwrap();
    assert_eq!((o.summary.updated.len(), o.summary.resolved.len()), (1, 1), "{:?}", o.summary);
    let resolved = o.ledger.findings.iter().find(|f| f.finding_id == o.summary.resolved[0]).unwrap();
    assert_eq!(resolved.evidence[0].data.get_str("uri_base_id"), Some("TESTROOT"));
    // The base given through the run's `artifacts` counts the same.
    let indexed = semgrep(
        &json!([{"ruleId": "R1", "message": {"text": "m"},
            "locations": [{"physicalLocation": {"artifactLocation": {"index": 0}, "region": {"startLine": 1}}}]}]),
        |run| run["artifacts"] = json!([{"location": {"uri": "a.py", "uriBaseId": "SRCROOT"}}]),
    );
    let o = ingest(d.path(), &indexed.to_string(), "2026-11-26T12:00:00Z", None).unwrap();
    assert!(o.summary.opened.is_empty() && o.summary.updated.len() == 1, "{:?}", o.summary);

    // Recorded without a base, as earlier releases identified it: the same finding.
    let d = tempfile::tempdir().unwrap();
    let plain = semgrep(&json!([r1_at("a.py", None)]), |_| {});
    let first = ingest(d.path(), &plain.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    let o = ingest(d.path(), &one.to_string(), "2026-11-25T12:00:00Z", None).unwrap();
    assert!(o.summary.opened.is_empty() && o.summary.resolved.is_empty(), "{:?}", o.summary);
    assert_eq!(o.summary.updated, first.summary.opened);
    assert_ne!(o.ledger.findings[0].fingerprint, first.ledger.findings[0].fingerprint);

    // A base that is not a string: the result is skipped and the run resolves nothing.
    let bad = semgrep(&json!([r1_at("a.py", None)]), |run| {
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] = json!(["SRCROOT"]);
    });
    let o = stays_open(&one, &bad.to_string(), "IN0101", None);
    assert!(o.summary.opened.is_empty());
}

/// An edit of one SARIF result.
type ResultEdit = dyn Fn(&mut Value);

/// A field a SARIF result's identity is read from, written with another type, was read as
/// absent: two findings merged, or the identity changed (the recorded finding resolved). Now
/// such a result is skipped (`IN0101`) and its run resolves nothing.
#[test]
fn a_sarif_identity_field_of_another_type_skips_the_result() {
    let base = semgrep(&r1(&at_a_py()), |_| {});
    let result = |edit: &dyn Fn(&mut Value)| {
        let mut r = r1(&at_a_py());
        edit(&mut r[0]);
        semgrep(&r, |_| {})
    };
    let attacks: [(&str, &ResultEdit); 10] = [
        ("ruleId an object", &|r| r["ruleId"] = json!({"id": "R1"})),
        ("ruleId an array", &|r| r["ruleId"] = json!(["R1"])),
        ("rule a string", &|r| r["rule"] = json!("R1")),
        ("rule.id a number", &|r| r["rule"] = json!({"id": 7})),
        ("fingerprints of numbers", &|r| r["fingerprints"] = json!({"k": 1})),
        ("partialFingerprints an array", &|r| r["partialFingerprints"] = json!(["A"])),
        ("region a string", &|r| r["locations"][0]["physicalLocation"]["region"] = json!("1")),
        ("snippet a string", &|r| {
            r["locations"][0]["physicalLocation"]["region"] = json!({"startLine": 1, "snippet": "eval(x)"});
        }),
        ("logicalLocations an object", &|r| {
            r["locations"][0]["logicalLocations"] = json!({"fullyQualifiedName": "pkg.A.f"});
        }),
        ("rule.toolComponent a string", &|r| r["rule"] = json!({"id": "R1", "toolComponent": "pack"})),
    ];
    for (what, edit) in attacks {
        let o = stays_open(&base, &result(edit).to_string(), "IN0101", None);
        assert!(o.summary.opened.is_empty(), "{what}: {:?}", o.summary.opened);
    }
    // A result located only by an index into the run's logical locations is skipped too.
    let by_index = semgrep(
        &json!([{"ruleId": "R1", "message": {"text": "m"}, "locations": [{"logicalLocations": [{"index": 0}]}]}]),
        |run| run["logicalLocations"] = json!([{"fullyQualifiedName": "pkg.A.f"}]),
    );
    stays_open(&base, &by_index.to_string(), "IN0101", None);
}

/// CodeQL with query packs: a result's rule is in a tool extension, named by
/// `rule.toolComponent`. Read against the driver's rules, the result took another rule's
/// severity and title (a critical finding recorded as low).
#[test]
fn a_rule_of_a_tool_extension_is_read_from_that_extension() {
    let log = json!({"version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "CodeQL", "rules": [{"id": "R1", "shortDescription": {"text": "Minor style"},
                    "properties": {"security-severity": "2.0"}}]},
                 "extensions": [{"name": "pack", "rules": [{"id": "X1", "shortDescription": {"text": "SQL injection"},
                    "properties": {"security-severity": "9.8"}}]}]},
        "versionControlProvenance": [{"repositoryUri": "https://example.invalid/app"}],
        "results": [
            {"ruleId": "X1", "ruleIndex": 0, "rule": {"id": "X1", "index": 0, "toolComponent": {"index": 0}},
             "message": {"text": "sqli"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}}}]},
            {"rule": {"index": 0, "toolComponent": {"name": "pack"}},
             "message": {"text": "sqli"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.py"}}}]}]}]});
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &log.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    assert_eq!(o.ledger.findings.len(), 2);
    for f in &o.ledger.findings {
        assert_eq!(f.severity, secfw_artifacts::Severity::Critical, "{}", f.title);
        assert_eq!(f.title, "SQL injection");
        assert_eq!(f.source.as_ref().unwrap().rule_id.as_deref(), Some("X1"));
    }
    // An extension or an index that names nothing: the result is skipped.
    let mut bad = log;
    bad["runs"][0]["results"][1]["rule"]["toolComponent"] = json!({"index": 3});
    let o = ingest(tempfile::tempdir().unwrap().path(), &bad.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    assert_eq!(o.ledger.findings.len(), 1);
    assert!(codes(&o).contains(&"IN0101"));
}

/// A result that writes its `uri` and its artifact's index takes the artifact's `uriBaseId`
/// when it writes none: the same identity as the result that writes only the index.
#[test]
fn a_result_with_a_uri_and_an_artifact_index_takes_the_artifacts_base() {
    let with = |al0: Value, al1: Value| {
        let res = |al: Value| json!({"ruleId": "R1", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": al}}]});
        semgrep(&json!([res(al0), res(al1)]), |run| {
            run["artifacts"] = json!([{"location": {"uri": "a.py", "uriBaseId": "SRCROOT"}},
                                      {"location": {"uri": "a.py", "uriBaseId": "TESTROOT"}}]);
        })
    };
    let d = tempfile::tempdir().unwrap();
    let both = with(json!({"uri": "a.py", "index": 0}), json!({"uri": "a.py", "index": 1}));
    let o = ingest(d.path(), &both.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    assert_eq!(o.summary.opened.len(), 2, "two files: {:?}", o.summary);
    let only_index = with(json!({"index": 0}), json!({"index": 1}));
    let o = ingest(d.path(), &only_index.to_string(), "2026-11-25T12:00:00Z", None).unwrap();
    assert_eq!((o.summary.opened.len(), o.summary.resolved.len(), o.summary.updated.len()), (0, 0, 2));
}

/// A key of a SARIF run written twice, at any depth of what secfw reads of the run (its tool,
/// invocations, provenance, category, artifacts): a reader keeps one of the two, so a failed
/// run could hide behind a second `"executionSuccessful": true`, or a narrow rule set behind a
/// wide one. The log is refused (`IN0002`) and the ledger is unchanged.
#[test]
fn a_sarif_run_key_written_twice_is_refused() {
    let base = semgrep(&r1(&at_a_py()), |_| {});
    let d = tempfile::tempdir().unwrap();
    ingest(d.path(), &base.to_string(), "2026-11-24T12:00:00Z", None).unwrap();
    let before = std::fs::read(d.path().join("sec_findings.yaml")).unwrap();
    let clean = semgrep(&json!([]), |_| {}).to_string();
    let attacks = [
        clean.replacen(r#""executionSuccessful":true"#, r#""executionSuccessful":false,"executionSuccessful":true"#, 1),
        clean.replacen(r#""invocations":"#, r#""invocations":[{"executionSuccessful":false}],"invocations":"#, 1),
        clean.replacen(r#""rules":[{"id":"R1"}]"#, r#""rules":[],"rules":[{"id":"R1"}]"#, 1),
        clean.replacen(r#""tool":"#, r#""tool":{"driver":{"name":"other"}},"tool":"#, 1),
    ];
    for attack in &attacks {
        assert_ne!(attack, &clean, "the attack edits the log");
        let e = ingest(d.path(), attack, "2026-11-25T12:00:00Z", None).unwrap_err();
        assert_eq!(e.diagnostics()[0].code.as_str(), "IN0002", "{attack}: {e:?}");
        assert_eq!(std::fs::read(d.path().join("sec_findings.yaml")).unwrap(), before);
    }
}

/// A run whose `automationDetails` cannot be read: which analysis it was is unknown (read as
/// none, it resolved the findings of an uncategorised run).
#[test]
fn a_sarif_category_that_cannot_be_read_resolves_nothing() {
    let base = semgrep(&r1(&at_a_py()), |_| {});
    for bad in [json!({"id": ["python/"]}), json!({"id": {"x": "py/"}}), json!("python/")] {
        let attack = semgrep(&json!([]), |run| run["automationDetails"] = bad.clone());
        let o = stays_open(&base, &attack.to_string(), "IN0112", None);
        assert!(!o.summary.kept_open.is_empty(), "{bad}");
    }
}

const TRIVY_MISCONF: &str = "trivy/defectdojo__trivy-misconfigurations_and_secrets.json";

/// Trivy counts the checks of a result in `MisconfSummary`: a failure counted and not listed
/// (Trivy's `--severity` lists only some) or an exception counted and not listed is a check
/// Trivy left out of its report (`IN0111`), and a count that is text cannot be read
/// (`IN0101`). Either way the scan resolves no misconfiguration. And a result of another Class with an empty list says nothing about
/// that list's class.
#[test]
fn trivy_misconfigurations_counted_and_not_listed_or_empty_lists_of_another_class_resolve_nothing() {
    let base = corpus(TRIVY_MISCONF);
    let target = Some("repo");
    let cases: [(&str, Edit, &str); 3] = [
        (
            "a failure counted, none listed",
            |v| {
                v["Results"][1].as_object_mut().unwrap().remove("Misconfigurations");
            },
            "IN0111",
        ),
        (
            "an exception counted, the failure gone",
            |v| {
                v["Results"][1].as_object_mut().unwrap().remove("Misconfigurations");
                v["Results"][1]["MisconfSummary"] = json!({"Successes": 22, "Failures": 0, "Exceptions": 1});
            },
            "IN0111",
        ),
        (
            "a count that is text",
            |v| {
                v["Results"][1].as_object_mut().unwrap().remove("Misconfigurations");
                v["Results"][1]["MisconfSummary"]["Failures"] = json!("1");
            },
            "IN0101",
        ),
    ];
    for (what, edit, code) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let o = stays_open(&base, &v.to_string(), code, target);
        assert!(o.summary.kept_open.iter().any(|(_, why)| !why.is_empty()), "{what}");
    }
    // Only the lockfile's result, with empty `Secrets` and `Misconfigurations` lists.
    let mut lock_only = base.clone();
    let first = lock_only["Results"][0].clone();
    lock_only["Results"] = json!([first]);
    lock_only["Results"][0]["Secrets"] = json!([]);
    lock_only["Results"][0]["Misconfigurations"] = json!([]);
    let d = tempfile::tempdir().unwrap();
    let n = ingest(d.path(), &base.to_string(), "2026-11-24T12:00:00Z", target).unwrap().summary.opened.len();
    let o = ingest(d.path(), &lock_only.to_string(), "2026-11-25T12:00:00Z", target).unwrap();
    let still_open =
        o.ledger.findings.iter().filter(|f| f.status == secfw_artifacts::model::findings::FindingStatus::Open).count();
    assert!(still_open >= 3, "the secrets and the misconfiguration stay open: {:?} of {n}", o.summary.resolved);
}

/// A `trivy k8s` resource without `Kind` and `Name`: its results would have no resource, which
/// is no scope, and resolved every misconfiguration of the cluster.
#[test]
fn a_trivy_k8s_resource_without_kind_and_name_resolves_nothing() {
    let base = corpus("trivy/defectdojo__trivy-kubernetes.json");
    for resource in [
        json!({"Results": [{"Target": "x", "Class": "config"}]}),
        json!({"Namespace": "default", "Kind": "", "Name": "", "Results": [{"Target": "x", "Class": "config"}]}),
    ] {
        let mut v = base.clone();
        v["Misconfigurations"] = json!([resource]);
        stays_open(&base, &v.to_string(), "IN0101", None);
    }
    let mut typed = base.clone();
    typed["Misconfigurations"] =
        json!([{"Namespace": 1, "Kind": null, "Name": ["a"], "Results": [{"Target": "x", "Class": "config"}]}]);
    stays_open(&base, &typed.to_string(), "IN0101", None);
}

/// npm 7 counts vulnerable packages: a count above the list is a package that was not read.
/// npm 6 `muted` advisories are a risk decision taken in npm: the scan resolves nothing.
#[test]
fn npm_counts_above_the_list_or_muted_advisories_resolve_nothing() {
    let base = corpus(NPM_MANY);
    let mut short = base.clone();
    // A package with an advisory of its own (a finding), gone from the list, counted still.
    let direct = short["vulnerabilities"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v["via"].as_array().is_some_and(|via| via.iter().any(Value::is_object)))
        .map(|(k, _)| k.clone())
        .unwrap();
    short["vulnerabilities"].as_object_mut().unwrap().remove(&direct);
    let o = stays_open(&base, &short.to_string(), "IN0101", None);
    assert!(!o.summary.kept_open.is_empty());
    let v6 = corpus("npm-audit/defectdojo__npm-audit-many_vuln.json");
    let mut muted = v6.clone();
    let adv = muted["advisories"].as_object().unwrap().keys().next().unwrap().clone();
    muted["advisories"].as_object_mut().unwrap().remove(&adv);
    muted["muted"] = json!([{"id": adv.parse::<u64>().unwrap_or(1), "path": "a>b"}]);
    stays_open(&v6, &muted.to_string(), "IN0111", None);
}

/// Record `base`, then ingest `edited` a day later: the same findings, none opened or resolved.
fn same_identity(what: &str, base: &Value, edited: &Value, target: Option<&str>) {
    let d = tempfile::tempdir().unwrap();
    let first = ingest(d.path(), &base.to_string(), "2026-11-24T12:00:00Z", target).unwrap();
    assert!(!first.summary.opened.is_empty(), "{what}");
    let o = ingest(d.path(), &edited.to_string(), "2026-11-25T12:00:00Z", target).unwrap();
    assert!(o.summary.opened.is_empty() && o.summary.resolved.is_empty(), "{what}: {:?}", o.summary);
    assert_eq!(o.summary.updated.len(), first.summary.opened.len(), "{what}");
}

/// An advisory id written in another case or with an invisible character, a package type in
/// another case, a path with spaces around it: the same finding (before, the recorded one
/// resolved and a new one opened).
#[test]
fn ids_in_another_case_or_with_invisible_characters_keep_the_findings_identity() {
    let base = corpus("trivy/trivy__alpine-310.json");
    let mut t = base.clone();
    for r in t["Results"].as_array_mut().unwrap() {
        for v in r["Vulnerabilities"].as_array_mut().into_iter().flatten() {
            let id = v["VulnerabilityID"].as_str().unwrap().to_ascii_lowercase();
            v["VulnerabilityID"] = json!(format!("{id}\u{200B}"));
        }
    }
    same_identity("trivy", &base, &t, None);
    let base = corpus("grype/defectdojo__grype-many_vulns_with_epss_values.json");
    let mut g = base.clone();
    for m in g["matches"].as_array_mut().unwrap() {
        let id = m["vulnerability"]["id"].as_str().unwrap().to_ascii_lowercase();
        m["vulnerability"]["id"] = json!(id);
        let ty = m["artifact"]["type"].as_str().unwrap_or("").to_ascii_uppercase();
        m["artifact"]["type"] = json!(ty);
    }
    same_identity("grype", &base, &g, None);
    let base = corpus(CARGO_MANY);
    let mut c = base.clone();
    for v in c["vulnerabilities"]["list"].as_array_mut().unwrap() {
        let id = v["advisory"]["id"].as_str().unwrap().to_ascii_lowercase();
        v["advisory"]["id"] = json!(id);
    }
    same_identity("cargo-audit", &base, &c, Some("svc/a"));
    let base = corpus(NPM_MANY);
    let mut n = base.clone();
    for (_, v) in n["vulnerabilities"].as_object_mut().unwrap() {
        for via in v["via"].as_array_mut().unwrap() {
            if let Some(u) = via.get("url").and_then(Value::as_str).map(str::to_owned) {
                via["url"] = json!(format!("{}/", u.to_ascii_lowercase()));
            }
        }
    }
    same_identity("npm", &base, &n, None);
}

/// Two versions of one crate with the same advisory (a `Cargo.lock` may hold both), and one
/// package in two lockfiles of a project ingested with `--target`: two findings each, not one
/// with the other copy's version lost.
#[test]
fn copies_of_one_package_are_findings_of_their_own() {
    let base = corpus(CARGO_MANY);
    let mut two = base.clone();
    let list = two["vulnerabilities"]["list"].as_array_mut().unwrap();
    let mut copy = list[0].clone();
    copy["package"]["version"] = json!("0.0.1-older");
    list.push(copy);
    let n = list.len();
    two["vulnerabilities"]["count"] = json!(n);
    let d = tempfile::tempdir().unwrap();
    let o = ingest(d.path(), &two.to_string(), "2026-11-24T12:00:00Z", Some("svc/a")).unwrap();
    let one =
        ingest(tempfile::tempdir().unwrap().path(), &base.to_string(), "2026-11-24T12:00:00Z", Some("svc/a")).unwrap();
    assert_eq!(o.summary.opened.len(), one.summary.opened.len() + 1);
    // The copy recorded first keeps its identity: re-ingesting the one-copy report updates it.
    let o2 = ingest(d.path(), &base.to_string(), "2026-11-25T12:00:00Z", Some("svc/a")).unwrap();
    assert!(o2.summary.opened.is_empty(), "{:?}", o2.summary);

    let osv = corpus("osv-scanner/osv-scanner__test-vuln-results-a.json");
    let mut lockfiles = osv.clone();
    let mut second = lockfiles["results"][0].clone();
    second["source"]["path"] = json!("/src/other/go.mod");
    lockfiles["results"].as_array_mut().unwrap().push(second);
    let single = ingest(tempfile::tempdir().unwrap().path(), &osv.to_string(), "2026-11-24T12:00:00Z", Some("proj"))
        .unwrap()
        .summary
        .opened
        .len();
    let both =
        ingest(tempfile::tempdir().unwrap().path(), &lockfiles.to_string(), "2026-11-24T12:00:00Z", Some("proj"))
            .unwrap();
    let first_result = osv["results"][0]["packages"].as_array().unwrap().len();
    assert!(first_result > 0);
    assert!(both.summary.opened.len() > single, "{} vs {single}", both.summary.opened.len());
}

/// The spellings of one file are one location (`src/./a.py`, `src//a.py`, `%73rc/a.py`,
/// `src/x/../a.py`, `file:src/a.py`): the same finding, not a new one beside the old one
/// resolved. And a notification naming a file it did not analyse by another spelling of its
/// path (absolute, resolved against the base) keeps that file's findings open.
#[test]
fn spellings_of_one_sarif_path_are_one_file() {
    let at = |uri: &str| json!({"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}}});
    let base = semgrep(&r1(&at("src/a.py")), |_| {});
    for uri in ["src/./a.py", "src//a.py", "%73rc/a.py", "src/x/../a.py", "file:src/a.py", "./src/a.py"] {
        same_identity(uri, &base, &semgrep(&r1(&at(uri)), |_| {}), None);
    }
    // Recorded by a release before this rule under the spelling it was given: kept.
    let odd = semgrep(&r1(&at("src/./a.py")), |_| {});
    same_identity("recorded as src/./a.py", &odd, &base, None);
    // A notification that the tool could not parse `/repo/src/a.py`.
    let notified = semgrep(&json!([]), |run| {
        run["invocations"][0]["toolExecutionNotifications"] = json!([{"level": "error",
            "message": {"text": "could not parse file"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///repo/src/a.py"}}}]}]);
    });
    let o = stays_open(&base, &notified.to_string(), "IN0108", None);
    assert!(o.summary.kept_open[0].1.contains("did not analyse"), "{:?}", o.summary.kept_open);
}

/// What a newer scanner adds to a finding keeps its identity: an OSV group that gains an alias
/// (a GO id gets its CVE), a Trivy vulnerability for which Trivy now writes `PkgPath`.
#[test]
fn a_group_that_gains_an_alias_or_a_path_trivy_now_writes_keeps_the_findings_identity() {
    let base = corpus("osv-scanner/osv-scanner__test-vuln-results-a.json");
    let mut grown = base.clone();
    let mut grew = false;
    for r in grown["results"].as_array_mut().unwrap() {
        for p in r["packages"].as_array_mut().unwrap() {
            for g in p["groups"].as_array_mut().into_iter().flatten() {
                g["ids"].as_array_mut().unwrap().push(json!("CVE-2099-0001"));
                grew = true;
            }
        }
    }
    assert!(grew, "the fixture has groups");
    same_identity("osv group grown", &base, &grown, None);
    let mut t = trivy();
    let mut with_path = t.clone();
    with_path["Results"][0]["Vulnerabilities"][0]["PkgPath"] = json!("usr/lib/libssl.so");
    same_identity("trivy PkgPath written", &t, &with_path, None);
    t["Results"][0]["Vulnerabilities"][1]["PkgPath"] = json!("usr/lib/libz.so");
    with_path["Results"][0]["Vulnerabilities"][1]["PkgPath"] = json!("usr/lib/libz.so");
    same_identity("trivy PkgPath kept", &t, &with_path, None);
}
