//! docs/integrations.md promises that JUnit results always agree with `secfw gate`. The attack
//! (fail-open sweep F7): an `accepted` finding whose exception is expired or archived counts
//! again for the gate, and the JUnit test case and GitHub annotation must say so too — not
//! pass, not `::notice`. Every exporter asks one rule, `ExportInput::counts`, which is the
//! governance evaluation the gate uses.

use chrono::{DateTime, Utc};
use secfw_artifacts::{LoadOptions, load};
use secfw_export::{ExportInput, Format, OscalVersion, github, junit, render};

/// The acme example: SF-0007 (high, `accepted`, `exception_ref: EXC-001`, POL-004), EXC-001
/// valid until 2026-12-05.
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    secfw_artifacts::template::write_example(dir.path()).unwrap();
    dir
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The JUnit test case of `name`'s prefix: (its XML, whether it fails).
fn case<'a>(xml: &'a str, name_prefix: &str) -> (&'a str, bool) {
    let start = xml.find(&format!("name=\"{name_prefix}")).unwrap_or_else(|| panic!("no test case {name_prefix}"));
    let body = xml.get(start..).unwrap();
    let body = body.get(..body.find("</testcase>").unwrap()).unwrap();
    (body, body.contains("<failure"))
}

/// Every current finding: JUnit fails it exactly when the gate counts it, and the GitHub
/// annotation is `::error`/`::warning` exactly when the gate counts it (and it is not low).
fn assert_agrees(ws: &secfw_artifacts::LoadedWorkspace, now: DateTime<Utc>) {
    let gov = secfw_governance::evaluate(ws, now);
    let input = ExportInput::from_workspace(ws, now).unwrap();
    let xml = junit(&input);
    let gh = github(&input);
    let current: Vec<&str> = input.current().iter().map(|f| f.finding_id.as_str()).collect();
    for e in gov.findings.iter().filter(|e| e.is_counted()) {
        assert!(
            current.contains(&e.finding_id.as_str()),
            "{}: the gate counts it, every export shows it",
            e.finding_id
        );
    }
    for f in input.current() {
        let counted = gov
            .findings
            .iter()
            .find(|e| e.finding_id == f.finding_id)
            .is_some_and(secfw_governance::FindingEval::is_counted);
        assert_eq!(input.counts(f), counted, "{}: the exporters' rule is the gate's", f.finding_id);
        let failing_body = |b: &str| {
            b.split("<failure")
                .nth(1)
                .is_some_and(|fail| fail.lines().any(|l| l.contains(&format!("{} [", f.finding_id))))
        };
        let in_junit = if f.governance.policy_refs.is_empty() {
            case(&xml, &format!("{}: ", f.finding_id)).1
        } else {
            f.governance.policy_refs.iter().any(|p| failing_body(case(&xml, &format!("{p}: ")).0))
        };
        assert_eq!(in_junit, counted, "{}: JUnit fails it exactly when `secfw gate` counts it\n{xml}", f.finding_id);
        let line = gh.lines().find(|l| l.contains(&format!("title={} ", f.finding_id))).unwrap();
        let loud = line.starts_with("::error ") || line.starts_with("::warning ");
        assert_eq!(
            loud,
            counted && f.severity != secfw_artifacts::Severity::Low,
            "{}: annotation level follows the gate\n{line}",
            f.finding_id
        );
    }
}

#[test]
fn an_accepted_finding_whose_exception_expired_fails_junit_and_is_a_github_error_as_the_gate_counts_it() {
    let dir = example();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    // Two days after EXC-001's `Valid Until` (2026-12-05).
    let now = at("2026-12-07T12:00:00Z");
    let gov = secfw_governance::evaluate(&ws, now);
    assert!(gov.findings.iter().any(|e| e.finding_id == "SF-0007" && e.is_counted()), "the gate counts SF-0007");
    let input = ExportInput::from_workspace(&ws, now).unwrap();
    let xml = junit(&input);
    let (pol, fails) = case(&xml, "POL-004: ");
    assert!(fails && pol.contains("SF-0007 [high]"), "POL-004 fails with SF-0007:\n{pol}");
    assert!(pol.contains("EXC-001 is not valid"), "the failure says why the acceptance does not hold:\n{pol}");
    let gh = github(&input);
    let line = gh.lines().find(|l| l.contains("title=SF-0007 ")).unwrap();
    assert!(line.starts_with("::error "), "a counted high finding is an error, not a notice: {line}");
    assert!(line.contains("EXC-001 is not valid"), "{line}");
    assert_agrees(&ws, now);
}

#[test]
fn an_accepted_finding_under_a_valid_exception_passes_junit_and_is_a_notice_as_the_gate_excepts_it() {
    let dir = example();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let now = at(secfw_artifacts::template::EXAMPLE_NOW);
    let gov = secfw_governance::evaluate(&ws, now);
    assert!(gov.findings.iter().any(|e| e.finding_id == "SF-0007" && e.is_excepted()), "EXC-001 is in force");
    let input = ExportInput::from_workspace(&ws, now).unwrap();
    let xml = junit(&input);
    let (pol, _) = case(&xml, "POL-004: ");
    assert!(!pol.split("<failure").nth(1).is_some_and(|f| f.contains("SF-0007")), "SF-0007 is not a failure:\n{pol}");
    assert!(pol.contains("SF-0007 excepted by EXC-001"), "excepted findings are listed, never hidden:\n{pol}");
    let gh = github(&input);
    assert!(gh.lines().any(|l| l.starts_with("::notice ") && l.contains("title=SF-0007 ")), "{gh}");
    assert_agrees(&ws, now);
}

#[test]
fn an_accepted_finding_whose_exception_was_archived_fails_junit_as_the_gate_counts_it() {
    let dir = example();
    let p = dir.path().join("exceptions.md");
    let text = std::fs::read_to_string(&p).unwrap();
    // Move EXC-001 under a history heading at the end: revoked, while its dates still look fine.
    let start = text.find("### EXC-001").unwrap();
    let end = text.get(start + 3..).unwrap().find("\n### ").map_or(text.len(), |i| start + 3 + i + 1);
    let entry = text.get(start..end).unwrap().to_owned();
    let rest = format!("{}{}", text.get(..start).unwrap(), text.get(end..).unwrap());
    std::fs::write(&p, format!("{}\n\n## Revoked Exceptions\n\n{entry}", rest.trim_end())).unwrap();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    assert!(ws.exceptions.as_ref().unwrap().get("EXC-001").unwrap().is_archived(), "EXC-001 is archived");
    let now = at(secfw_artifacts::template::EXAMPLE_NOW);
    let gov = secfw_governance::evaluate(&ws, now);
    assert!(gov.findings.iter().any(|e| e.finding_id == "SF-0007" && e.is_counted()), "the gate counts SF-0007");
    let input = ExportInput::from_workspace(&ws, now).unwrap();
    let xml = junit(&input);
    let (pol, fails) = case(&xml, "POL-004: ");
    assert!(fails && pol.contains("SF-0007 [high]"), "{pol}");
    assert!(github(&input).lines().any(|l| l.starts_with("::error ") && l.contains("title=SF-0007 ")));
    assert_agrees(&ws, now);
}

#[test]
fn a_bare_ledger_export_counts_an_accepted_finding_whose_exception_expired() {
    // Library callers without a rulebook get the date-and-section rule; the blocking rule is
    // the same: accepted without a valid exception counts.
    let dir = example();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let now = at("2026-12-07T12:00:00Z");
    let input = ExportInput::new(ws.findings.as_ref().unwrap(), now)
        .exceptions(ws.exceptions.as_ref())
        .policies(ws.policies.as_ref());
    let sf7 = input.current().into_iter().find(|f| f.finding_id == "SF-0007").unwrap();
    assert!(input.counts(sf7));
    assert!(case(&junit(&input), "POL-004: ").1);
    let early = ExportInput::new(ws.findings.as_ref().unwrap(), at(secfw_artifacts::template::EXAMPLE_NOW))
        .exceptions(ws.exceptions.as_ref());
    assert!(!early.counts(sf7), "under a valid exception it does not count");
}

/// The example with SF-0001 (critical, POL-005, `resolved`, no exception) re-dated to be
/// resolved on 2026-12-30: after [`EXAMPLE_NOW`](secfw_artifacts::template::EXAMPLE_NOW), so not
/// resolved yet.
fn resolved_in_the_future() -> tempfile::TempDir {
    let dir = example();
    let p = dir.path().join("sec_findings.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let old = "    resolved_at: \"2026-08-14T16:20:00Z\"\n";
    assert_eq!(text.matches(old).count(), 1, "SF-0001's resolved_at");
    std::fs::write(&p, text.replace(old, "    resolved_at: \"2026-12-30T00:00:00Z\"\n")).unwrap();
    dir
}

#[test]
fn a_critical_resolved_in_the_future_counts_in_every_export_as_the_gate_counts_it() {
    // The attack (fail-open sweep 4, F1): a critical finding marked `resolved` with a
    // `resolved_at` after now and no exception. The gate blocks it (Critical=0, GV0501); the
    // exports used to drop every `resolved` finding before asking whether it counts.
    let dir = resolved_in_the_future();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let now = at(secfw_artifacts::template::EXAMPLE_NOW);
    let gov = secfw_governance::evaluate(&ws, now);
    assert!(gov.findings.iter().any(|e| e.finding_id == "SF-0001" && e.is_counted()), "the gate counts SF-0001");
    assert!(gov.handoff_blocked(), "Critical=0 is violated");
    let input = ExportInput::from_workspace(&ws, now).unwrap();
    let sf1 = input.current().into_iter().find(|f| f.finding_id == "SF-0001").expect("SF-0001 is current");
    assert!(input.counts(sf1) && input.live(sf1));
    for format in Format::ALL {
        let out = render(format, &input, OscalVersion::default()).unwrap();
        assert!(out.contains("SF-0001"), "{format}: SF-0001 is exported\n{out}");
        match format {
            Format::Junit => {
                let (pol, fails) = case(&out, "POL-005: ");
                assert!(fails, "POL-005 fails:\n{pol}");
                assert!(pol.contains("type=\"critical\""), "the failure is critical:\n{pol}");
                assert!(pol.contains("SF-0001 [critical]"), "{pol}");
                assert!(pol.contains("resolved_at 2026-12-30T00:00:00Z is after the time of export"), "{pol}");
            }
            Format::Github => {
                let line = out.lines().find(|l| l.contains("title=SF-0001 ")).unwrap();
                assert!(line.starts_with("::error "), "a counted critical is an error: {line}");
            }
            Format::Sarif => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                let results = v["runs"][0]["results"].as_array().unwrap();
                let r = results.iter().find(|r| r["properties"]["secfw"]["finding_id"] == "SF-0001").unwrap();
                assert_eq!(r["level"], "error", "{r}");
                assert_eq!(r["properties"]["security-severity"], "9.5", "{r}");
                assert!(r.get("suppressions").is_none(), "nothing suppresses it: {r}");
            }
            Format::OscalAr => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                let result = &v["assessment-results"]["results"][0];
                let has_id = |x: &serde_json::Value| {
                    x["props"].as_array().unwrap().iter().any(|p| p["name"] == "finding-id" && p["value"] == "SF-0001")
                };
                let finding = result["findings"].as_array().unwrap().iter().find(|x| has_id(x));
                assert!(finding.is_some(), "an OSCAL finding for SF-0001");
                let risk = result["risks"].as_array().unwrap().iter().find(|r| r["title"] == sf1.title.as_str());
                assert_eq!(risk.unwrap()["status"], "open", "not closed: it is not resolved yet");
            }
            Format::OscalPoam => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                let doc = &v["plan-of-action-and-milestones"];
                let item = doc["poam-items"].as_array().unwrap().iter().find(|x| {
                    x["props"].as_array().unwrap().iter().any(|p| p["name"] == "finding-id" && p["value"] == "SF-0001")
                });
                assert!(item.is_some(), "a POA&M item for SF-0001");
                let risk = doc["risks"].as_array().unwrap().iter().find(|r| r["title"] == sf1.title.as_str());
                assert_eq!(risk.unwrap()["status"], "open");
            }
            _ => unreachable!("every format is checked"),
        }
    }
    assert_agrees(&ws, now);
    // Once the date has passed it is resolved: in no export, as the gate no longer counts it.
    let later = at("2026-12-31T00:00:00Z");
    let input = ExportInput::from_workspace(&ws, later).unwrap();
    assert!(!input.current().iter().any(|f| f.finding_id == "SF-0001"), "resolved by then");
    assert!(
        !secfw_governance::evaluate(&ws, later).findings.iter().any(|e| e.finding_id == "SF-0001" && e.is_counted())
    );
}

#[test]
fn a_bare_ledger_export_counts_a_critical_resolved_in_the_future() {
    // Without a rulebook (no governance evaluation) the rule is the same: governance's `live_at`.
    let dir = resolved_in_the_future();
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let now = at(secfw_artifacts::template::EXAMPLE_NOW);
    let input = ExportInput::new(ws.findings.as_ref().unwrap(), now)
        .exceptions(ws.exceptions.as_ref())
        .policies(ws.policies.as_ref());
    let sf1 = input.current().into_iter().find(|f| f.finding_id == "SF-0001").expect("SF-0001 is current");
    assert!(input.counts(sf1));
    assert!(case(&junit(&input), "POL-005: ").1, "POL-005 fails");
    assert!(github(&input).lines().any(|l| l.starts_with("::error ") && l.contains("title=SF-0001 ")));
    let later = ExportInput::new(ws.findings.as_ref().unwrap(), at("2026-12-31T00:00:00Z"));
    assert!(!later.current().iter().any(|f| f.finding_id == "SF-0001"), "resolved by then: not exported");
}
