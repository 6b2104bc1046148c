//! The bundled example workspace (`examples/acme`) and its embedded mirror
//! (`crates/secfw-artifacts/template`): identical byte for byte, valid with zero diagnostics,
//! internally consistent, and written by `template::write_example` without ever overwriting.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::model::rulebook::{Action, CmpOp, CountMetric, Rulebook};
use secfw_artifacts::template::{EXAMPLE, EXAMPLE_NOW, write_example};
use secfw_artifacts::{FindingStatus, LoadOptions, ScanStatus, Severity, SourceFile, load, yaml};
use secfw_artifacts::{LoadedWorkspace, is_fingerprint};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

fn template_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("template")
}

/// Every regular file under `dir` (relative path with `/` → bytes); any other kind of entry
/// (symlink, socket, ...) fails the test, since the mirror must hold files only.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let path = e.path();
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                walk(root, &path, out);
            } else {
                assert!(kind.is_file(), "{} is not a regular file", path.display());
                let rel = path.strip_prefix(root).unwrap().components().map(|c| c.as_os_str().to_str().unwrap());
                out.insert(rel.collect::<Vec<_>>().join("/"), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn now() -> DateTime<Utc> {
    EXAMPLE_NOW.parse::<DateTime<Utc>>().unwrap()
}

fn load_clean(dir: &Path, strict: bool) -> LoadedWorkspace {
    let ws = load(dir, &LoadOptions::default().strict(strict)).expect("a readable directory");
    assert!(ws.diagnostics.is_empty(), "strict={strict}: {:#?}", ws.diagnostics);
    ws
}

#[test]
fn template_mirrors_the_example_byte_for_byte_in_both_directions() {
    let example = tree(&example_dir());
    let template = tree(&template_dir());
    let only_example: Vec<&String> = example.keys().filter(|k| !template.contains_key(*k)).collect();
    let only_template: Vec<&String> = template.keys().filter(|k| !example.contains_key(*k)).collect();
    assert!(only_example.is_empty(), "missing from crates/secfw-artifacts/template: {only_example:?}");
    assert!(only_template.is_empty(), "not in examples/acme: {only_template:?}");
    for (path, bytes) in &example {
        assert!(template[path] == *bytes, "{path} differs between examples/acme and the template");
    }
    // The embedded list is exactly the template directory, with the same bytes.
    let embedded: BTreeMap<String, Vec<u8>> =
        EXAMPLE.iter().map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec())).collect();
    assert_eq!(embedded.keys().collect::<Vec<_>>(), template.keys().collect::<Vec<_>>());
    assert!(embedded == template, "template::EXAMPLE differs from the template directory");
}

#[test]
fn the_example_loads_with_zero_diagnostics_in_default_and_strict_mode() {
    for strict in [false, true] {
        let ws = load_clean(&example_dir(), strict);
        assert!(ws.rulebook.is_some() && ws.inventory.is_some() && ws.findings.is_some());
        assert!(ws.policies.is_some() && ws.exceptions.is_some() && ws.spec.is_some());
    }
}

#[test]
fn write_example_then_load_gives_zero_diagnostics_and_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new/workspace");
    let written = write_example(&dir).unwrap();
    assert_eq!(written.len(), EXAMPLE.len());
    for (path, (rel, content)) in written.iter().zip(EXAMPLE) {
        assert!(path.starts_with(&dir), "{}", path.display());
        assert_eq!(std::fs::read(path).unwrap(), content.as_bytes(), "{rel}");
    }
    assert_eq!(tree(&dir), tree(&example_dir()));
    load_clean(&dir, false);
    load_clean(&dir, true);
}

#[test]
fn write_example_refuses_a_directory_holding_any_example_file_and_writes_nothing() {
    for (victim, _) in EXAMPLE {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(victim);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"precious: true\n").unwrap();
        let before = tree(tmp.path());
        let err = write_example(tmp.path()).unwrap_err();
        match &err {
            secfw_artifacts::Error::Io { path: p, source } => {
                assert_eq!(p, &path);
                assert_eq!(source.kind(), std::io::ErrorKind::AlreadyExists);
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(err.to_string().contains("refusing to overwrite"), "{err}");
        assert_eq!(tree(tmp.path()), before, "{victim}: something was written or changed");
    }
}

#[test]
fn write_example_counts_every_conflict_and_refuses_a_dangling_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, _) in EXAMPLE.iter().filter(|(p, _)| !p.contains('/')) {
        std::fs::write(tmp.path().join(rel), b"x").unwrap();
    }
    let err = write_example(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("exceptions.md") && err.contains("(and 5 other example files)"), "{err}");

    #[cfg(unix)]
    {
        let tmp = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), tmp.path().join("rulebook.yaml")).unwrap();
        assert!(write_example(tmp.path()).is_err());
        assert!(!tmp.path().join("inventory.yaml").exists());
    }
}

#[test]
fn write_example_into_a_directory_with_unrelated_files_keeps_them() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("README.md"), b"# ours\n").unwrap();
    write_example(tmp.path()).unwrap();
    assert_eq!(std::fs::read(tmp.path().join("README.md")).unwrap(), b"# ours\n");
}

#[test]
fn write_example_reports_a_file_in_place_of_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(write_example(&file), Err(secfw_artifacts::Error::Io { .. })));
}

/// The seed §6.2 enforcement block, exactly as the framework design writes it, parses into the
/// rulebook (the example uses the same shape with Acme Pay's addresses).
#[test]
fn the_seed_enforcement_block_parses_verbatim() {
    let seed = "version: \"1.0.0\"\nenforcement:\n  rule: critical_findings_count\n  condition: \"== 0\"\n  actions:\n    on_violation:\n      - block_handoff: true\n      - notify:\n          - security-team@company.com\n          - ciso@company.com\n      - escalation_sla: 2_hours\n    on_compliance:\n      - proceed_to_next_state: true\n      - log_compliance: true\n";
    let rb = yaml::parse::<Rulebook>(&SourceFile::new("rulebook.yaml", seed), yaml::UnknownFields::Deny).unwrap();
    assert!(rb.diagnostics.is_empty());
    let example = load_clean(&example_dir(), true).rulebook.unwrap();
    for r in [&rb.value.enforcement, &example.enforcement] {
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].rule, CountMetric::CriticalFindingsCount);
        assert_eq!((r[0].condition.op, r[0].condition.value), (CmpOp::Eq, 0));
        assert!(r[0].actions.on_violation.contains(&Action::BlockHandoff(true)));
        assert_eq!(r[0].actions.on_violation.len(), 3);
        assert_eq!(r[0].actions.on_compliance.len(), 2);
    }
}

/// The properties the example promises (its documentation and the gates rely on them), checked
/// directly so an edit that breaks one fails here with a precise message.
#[test]
fn the_example_is_internally_consistent_at_its_reference_time() {
    let ws = load_clean(&example_dir(), true);
    let (rb, inv, ff) = (ws.rulebook.unwrap(), ws.inventory.unwrap(), ws.findings.unwrap());
    let (pm, reg, spec) = (ws.policies.unwrap(), ws.exceptions.unwrap(), ws.spec.unwrap());
    let now = now();
    let tags = assert_example_rulebook(&rb);
    let policies = assert_example_policies(&pm, &tags);
    let resources = assert_example_inventory(&rb, &inv, &ff, &policies, &tags, now);
    let ids = assert_example_findings(&ff, &reg, &resources, &policies, &tags);
    assert_example_exceptions(&rb, &reg, &policies, &ids, now);
    assert_example_specification(&rb, &reg, &spec, &tags, now);
}

/// The rulebook: version, project, the seed's taxonomy tags and the scan inputs; returns the
/// taxonomy's tag names.
fn assert_example_rulebook(rb: &Rulebook) -> BTreeSet<&str> {
    assert_eq!(rb.version, "1.4.0");
    assert_eq!(rb.project.as_deref(), Some("acme-pay"));
    let tags: BTreeSet<&str> = rb.taxonomy.iter().map(|t| t.name.as_str()).collect();
    for seed_tag in ["PII", "auth", "license", "financial", "health"] {
        assert!(tags.contains(seed_tag), "{seed_tag}");
    }
    assert!(tags.len() >= 7);
    let paths: Vec<(&str, &str)> = rb.scan_inputs.iter().map(|s| (s.path.as_str(), s.format.as_str())).collect();
    assert_eq!(paths, [("scans/semgrep.sarif", "sarif"), ("scans/trivy.json", "trivy")]);
    for (p, _) in paths {
        assert!(example_dir().join(p).is_file(), "{p}");
    }
    tags
}

/// Policies: POL-001..POL-010, unique control ids, tags in the taxonomy.; returns the policy ids.
fn assert_example_policies<'a>(pm: &'a secfw_artifacts::PolicyMap, tags: &BTreeSet<&str>) -> BTreeSet<&'a str> {
    let policies: BTreeSet<&str> = pm.policies.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        policies,
        (1..=10).map(|i| format!("POL-{i:03}")).collect::<BTreeSet<_>>().iter().map(String::as_str).collect()
    );
    let controls: Vec<&str> = pm.policies.iter().flat_map(|p| p.controls.iter().map(|c| c.id.as_str())).collect();
    assert_eq!(controls.len(), controls.iter().collect::<BTreeSet<_>>().len());
    for p in &pm.policies {
        assert!(!p.controls.is_empty() && !p.validation.is_empty(), "{}", p.id);
        for t in &p.tags {
            assert!(tags.contains(t.as_str()), "{}: tag {t}", p.id);
        }
    }
    policies
}

/// Inventory: every resource covered by a policy and by a recent successful scan of each
/// expected scanner. Returns the resources by id.
fn assert_example_inventory<'a>(
    rb: &Rulebook,
    inv: &'a secfw_artifacts::Inventory,
    ff: &secfw_artifacts::FindingsFile,
    policies: &BTreeSet<&str>,
    tags: &BTreeSet<&str>,
    now: DateTime<Utc>,
) -> BTreeMap<&'a str, &'a secfw_artifacts::Resource> {
    let max_age = Duration::days(i64::from(rb.gates.scan_max_age_days));
    let resources: BTreeMap<&str, _> = inv.resources.iter().map(|r| (r.id.as_str(), r)).collect();
    assert!(resources.len() >= 12);
    for r in &inv.resources {
        assert!(!r.policies.is_empty(), "{} has no policy", r.id);
        for p in &r.policies {
            assert!(policies.contains(p.as_str()), "{}: {p}", r.id);
        }
        for t in &r.tags {
            assert!(tags.contains(t.as_str()), "{}: tag {t}", r.id);
        }
        for tool in &r.expected_scanners {
            let ok = ff.scans.iter().any(|s| {
                s.tool == *tool
                    && s.status == ScanStatus::Success
                    && s.targets.contains(&r.id)
                    && s.started_at.instant() <= now
                    && now - s.started_at.instant() <= max_age
            });
            assert!(ok, "{} has no successful {tool} scan in the {max_age} before {now}", r.id);
        }
    }
    for s in &ff.scans {
        for t in &s.targets {
            assert!(resources.contains_key(t.as_str()), "{}: target {t}", s.scan_id);
        }
    }
    resources
}

/// Findings: references resolve, tags are in the taxonomy, fingerprints are secfw/v1 sha256. Returns the finding ids.
fn assert_example_findings<'a>(
    ff: &'a secfw_artifacts::FindingsFile,
    reg: &secfw_artifacts::ExceptionRegistry,
    resources: &BTreeMap<&str, &secfw_artifacts::Resource>,
    policies: &BTreeSet<&str>,
    tags: &BTreeSet<&str>,
) -> BTreeSet<&'a str> {
    assert!(ff.findings.len() >= 25);
    let ids: BTreeSet<&str> = ff.findings.iter().map(|f| f.finding_id.as_str()).collect();
    let scan_ids: BTreeSet<&str> = ff.scans.iter().map(|s| s.scan_id.as_str()).collect();
    let lo = "2026-08-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let hi = "2026-11-20T23:59:59Z".parse::<DateTime<Utc>>().unwrap();
    for f in &ff.findings {
        let id = f.finding_id.as_str();
        let fp = f.fingerprint.as_deref().unwrap_or_default();
        let hex = fp.strip_prefix("secfw/v1:").unwrap_or_default();
        assert!(is_fingerprint(fp) && hex.len() == 64, "{id}: {fp}");
        assert!(!f.governance.tags.is_empty() && !f.governance.policy_refs.is_empty(), "{id}");
        for t in &f.governance.tags {
            assert!(tags.contains(t.as_str()), "{id}: tag {t}");
        }
        for r in &f.affected_resources {
            let res = resources.get(r.resource_id.as_str()).unwrap_or_else(|| panic!("{id}: {}", r.resource_id));
            assert_eq!(res.kind, r.resource_type, "{id}");
            for p in &f.governance.policy_refs {
                assert!(res.policies.contains(p), "{id}: {p} does not apply to {}", res.id);
            }
        }
        for p in &f.governance.policy_refs {
            assert!(policies.contains(p.as_str()), "{id}: {p}");
        }
        for t in [f.first_seen, f.last_seen, f.resolved_at].into_iter().flatten() {
            assert!((lo..=hi).contains(&t.instant()), "{id}: {t} outside the example's window");
        }
        if let Some(s) = f.source.as_ref().and_then(|s| s.scan_id.as_deref()) {
            assert!(scan_ids.contains(s), "{id}: scan {s}");
        }
        if let Some(old) = &f.supersedes {
            assert!(ids.contains(old.as_str()), "{id} supersedes unknown {old}");
        }
        match &f.governance.exception_ref {
            Some(e) => {
                assert_eq!(f.status, FindingStatus::Accepted, "{id}");
                let exc = reg.get(e).unwrap_or_else(|| panic!("{id}: exception {e} missing"));
                assert!(exc.findings.iter().any(|x| x == id), "{e} does not list {id}");
                assert!(f.governance.policy_refs.contains(&exc.policy), "{id}: {e} excepts {}", exc.policy);
            }
            None => assert_ne!(f.status, FindingStatus::Accepted, "{id} is accepted without an exception"),
        }
    }
    let count =
        |sev: Severity, st: FindingStatus| ff.findings.iter().filter(|f| f.severity == sev && f.status == st).count();
    assert_eq!(count(Severity::Critical, FindingStatus::Open), 0, "Critical=0 must hold");
    assert_eq!(count(Severity::Critical, FindingStatus::Resolved), 1);
    assert_eq!(count(Severity::Critical, FindingStatus::Accepted), 1);
    for st in [FindingStatus::Open, FindingStatus::Resolved, FindingStatus::Accepted, FindingStatus::FalsePositive] {
        assert!(ff.findings.iter().any(|f| f.status == st), "no {st} finding");
    }
    assert!(ff.findings.iter().any(|f| f.detected_in.as_deref() == Some("production")));
    ids
}

/// Exceptions: valid at `now`, within the policy's window, approved by the right roles.
fn assert_example_exceptions(
    rb: &Rulebook,
    reg: &secfw_artifacts::ExceptionRegistry,
    policies: &BTreeSet<&str>,
    ids: &BTreeSet<&str>,
    now: DateTime<Utc>,
) {
    let ap = &rb.exceptions.approvers;
    let mut expiring_soon = 0;
    for e in &reg.exceptions {
        let id = e.id.as_str();
        assert_eq!(e.section, "Active Exceptions");
        assert!(policies.contains(e.policy.as_str()), "{id}: {}", e.policy);
        assert!(!e.findings.is_empty() && e.findings.iter().all(|f| ids.contains(f.as_str())), "{id}");
        assert!(e.justification.is_some() && e.risk_assessment.is_some() && !e.risk_mitigation.is_empty(), "{id}");
        assert!(!e.conditions.is_empty(), "{id}");
        let approved = e.approved_on.expect("Approved On");
        assert!(approved.start_of_day() <= now && now <= e.valid_until.end_of_day(), "{id} not valid at {now}");
        let days = (e.valid_until.0 - approved.0).num_days();
        assert!(days <= i64::from(rb.exceptions.max_days), "{id}: {days} days");
        if e.valid_until.end_of_day() - now <= Duration::days(i64::from(rb.exceptions.warn_days_before_expiry)) {
            expiring_soon += 1;
        }
        assert!(!e.approvers.contains(&e.requestor), "{id}: requestor approves");
        for a in &e.approvers {
            assert!(ap.security_team.contains(a) || ap.risk_committee.contains(a) || ap.ciso.contains(a), "{id}: {a}");
        }
        assert!(e.approvers.iter().any(|a| ap.security_team.contains(a)), "{id}: no security team approval");
        if matches!(e.severity, Some(Severity::High | Severity::Critical)) {
            assert!(e.approvers.iter().any(|a| ap.risk_committee.contains(a)), "{id}: needs the risk committee");
        }
        if e.kind == secfw_artifacts::ExceptionKind::PolicyDeviation {
            assert!(e.approvers.iter().any(|a| ap.ciso.contains(a)), "{id}: needs the CISO");
        }
    }
    assert!((3..=4).contains(&reg.exceptions.len()));
    assert_eq!(expiring_soon, 1, "exactly one exception shows the expiring-soon warning");
}

/// The specification: approved, reviewed within the cycle, names exceptions and tags.
fn assert_example_specification(
    rb: &Rulebook,
    reg: &secfw_artifacts::ExceptionRegistry,
    spec: &secfw_artifacts::SecuritySpec,
    tags: &BTreeSet<&str>,
    now: DateTime<Utc>,
) {
    assert_eq!(spec.front_matter.status, secfw_artifacts::SpecStatus::Approved);
    let reviewed = spec.front_matter.last_updated_date().unwrap();
    assert!(now - reviewed.start_of_day() <= Duration::days(i64::from(rb.review_cycle_days)));
    let open_issues = &spec.section("Open Issues & Exceptions").unwrap().body;
    for e in &reg.exceptions {
        assert!(open_issues.contains(&e.id), "Open Issues & Exceptions does not list {}", e.id);
    }
    let classes = &spec.section("Data Classification & Handling").unwrap().body;
    for t in tags {
        assert!(classes.contains(&format!("`{t}`")), "Data Classification & Handling does not name `{t}`");
    }
    let text = std::fs::read_to_string(example_dir().join("security_spec.md")).unwrap();
    for template_line in [
        "Describe how the system protects data",
        "Components and environments included, trust boundaries",
        "Data categories, retention, residency, encryption requirements.",
        "Known gaps, compensating controls, expiration dates",
        "<security-team>",
        "YYYY-MM-DD",
    ] {
        assert!(!text.contains(template_line), "security_spec.md still has template text `{template_line}`");
    }
    for s in &spec.sections {
        assert!(s.body.trim().len() > 200, "section `{}` is too thin to be realistic", s.title);
    }
}

/// `secfw spec lint`'s checks (template text, tags, exceptions in force, control ids, review
/// cycle) find nothing in the example's specification at its reference time.
#[test]
fn the_example_specification_lints_clean() {
    let ws = load_clean(&example_dir(), true);
    let diags = secfw_artifacts::speclint::lint_workspace(&ws, now());
    assert!(diags.is_empty(), "{diags:#?}");
}

/// The bundled scanner reports are what the ledger says they are: SARIF 2.1.0 and Trivy JSON
/// schema version 2, reporting findings that are in the ledger.
#[test]
fn the_bundled_scanner_reports_match_the_ledger() {
    let ff = load_clean(&example_dir(), false).findings.unwrap();
    let rule_ids: BTreeSet<&str> = ff.findings.iter().filter_map(|f| f.source.as_ref()?.rule_id.as_deref()).collect();

    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(example_dir().join("scans/semgrep.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        assert!(rule_ids.contains(rule), "SARIF rule {rule} is not in the ledger");
    }

    let trivy: serde_json::Value =
        serde_json::from_slice(&std::fs::read(example_dir().join("scans/trivy.json")).unwrap()).unwrap();
    assert_eq!(trivy["SchemaVersion"], 2);
    let mut seen = 0;
    for res in trivy["Results"].as_array().unwrap() {
        for v in res["Vulnerabilities"].as_array().unwrap() {
            let id = v["VulnerabilityID"].as_str().unwrap();
            let f = ff.findings.iter().find(|f| f.cve.iter().any(|c| c == id));
            let f = f.unwrap_or_else(|| panic!("Trivy {id} is not in the ledger"));
            assert_eq!(f.severity.as_str(), v["Severity"].as_str().unwrap().to_ascii_lowercase(), "{id}");
            seen += 1;
        }
    }
    assert!(seen >= 3);
}

secfw_testkit::interop_test! { [python]
    /// check-jsonschema accepts the bundled SARIF against the official SARIF 2.1.0 schema.
    fn the_bundled_sarif_is_valid_against_the_official_schema() {
        let python = secfw_testkit::python().expect("the interop venv (scripts/interop-tools)");
        let checker = python.with_file_name("check-jsonschema");
        let schema = secfw_testkit::corpora("sarif-schema").join("sarif-schema-2.1.0.json");
        let out = std::process::Command::new(&checker)
            .arg("--schemafile")
            .arg(&schema)
            .arg(example_dir().join("scans/semgrep.sarif"))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", checker.display()));
        assert!(
            out.status.success(),
            "semgrep.sarif is not valid SARIF 2.1.0:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every YAML and Markdown example in docs/artifacts.md parses as the artifact it illustrates,
/// with no diagnostic (the specification excerpt only lacks the sections it leaves out).
#[test]
fn the_examples_in_the_artifact_reference_parse() {
    use secfw_artifacts::model::findings::FindingsFile;
    use secfw_artifacts::model::inventory::Inventory;

    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/artifacts.md")).unwrap();
    let mut blocks: Vec<(&str, String)> = Vec::new();
    let mut current: Option<(&str, String)> = None;
    for line in doc.lines() {
        match (&mut current, line) {
            (None, l) if l.strip_prefix("```").is_some_and(|lang| !lang.is_empty()) => {
                current = l.strip_prefix("```").map(|lang| (lang, String::new()));
            }
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some((_, text)), l) => {
                text.push_str(l);
                text.push('\n');
            }
            _ => {}
        }
    }
    let strict = LoadOptions::default().strict(true);
    let mut checked = 0;
    for (lang, text) in &blocks {
        let mut diags = Vec::new();
        match *lang {
            "yaml" if text.starts_with("enforcement:") => {
                let src = SourceFile::new("rulebook.yaml", format!("version: \"1.0.0\"\n{text}"));
                assert!(secfw_artifacts::parse_rulebook(&src, &strict, &mut diags).is_some());
            }
            "yaml" if text.contains("\ntaxonomy:") => {
                let src = SourceFile::new("rulebook.yaml", text.clone());
                assert!(secfw_artifacts::parse_rulebook(&src, &strict, &mut diags).is_some());
            }
            "yaml" if text.contains("\nresources:") => {
                let v = yaml::parse::<Inventory>(
                    &SourceFile::new("inventory.yaml", text.clone()),
                    yaml::UnknownFields::Deny,
                );
                diags.extend(v.map_err(|d| vec![d]).map_or_else(|d| d, |p| p.diagnostics));
            }
            "yaml" if text.contains("\nfindings:") => {
                let src = SourceFile::new("sec_findings.yaml", text.clone());
                let ff: Option<FindingsFile> = secfw_artifacts::parse_findings(&src, &strict, &mut diags);
                assert!(ff.is_some_and(|f| f.findings.len() == 1 && f.scans.len() == 1));
            }
            "markdown" if text.contains("## Policy Catalog") => {
                let (m, d) = secfw_artifacts::parse_policy_map(
                    &SourceFile::new("policy_map.md", text.clone()),
                    secfw_artifacts::Level::Error,
                );
                assert_eq!(m.policies.len(), 1);
                diags = d;
            }
            "markdown" if text.contains("# Security Exception Registry") => {
                let src = SourceFile::new("exceptions.md", text.clone());
                let (r, d) = secfw_artifacts::parse_exceptions(&src, secfw_artifacts::Level::Error);
                assert_eq!(r.exceptions.len(), 1);
                diags = d;
            }
            "markdown" if text.starts_with("---") => {
                let (s, d) = secfw_artifacts::parse_security_spec(
                    &SourceFile::new("security_spec.md", text.clone()),
                    yaml::UnknownFields::Deny,
                );
                assert!(s.is_some());
                diags = d.into_iter().filter(|d| d.code.as_str() != "SF0702").collect();
            }
            _ => continue,
        }
        assert!(diags.is_empty(), "docs/artifacts.md example:\n{text}\n{diags:#?}");
        checked += 1;
    }
    assert_eq!(checked, 7, "an example of docs/artifacts.md is no longer recognised by this test");
}

/// Evidence items that name a file of the workspace carry its current sha256, and every
/// evidence file is referenced by a finding or named in the specification.
#[test]
fn evidence_references_match_the_files() {
    use sha2::{Digest, Sha256};
    let ff = load_clean(&example_dir(), false).findings.unwrap();
    let mut referenced = BTreeSet::new();
    for f in &ff.findings {
        for e in &f.evidence {
            let Some(path) = e.data.get_str("path") else { continue };
            let bytes =
                std::fs::read(example_dir().join(path)).unwrap_or_else(|e| panic!("{}: {path}: {e}", f.finding_id));
            let want = e.data.get_str("sha256").unwrap_or_default();
            assert_eq!(hex::encode(Sha256::digest(&bytes)), want, "{}: {path}", f.finding_id);
            referenced.insert(path.to_owned());
        }
    }
    let spec = std::fs::read_to_string(example_dir().join("security_spec.md")).unwrap();
    for (rel, _) in EXAMPLE.iter().filter(|(p, _)| p.starts_with("evidence/")) {
        let cited = referenced.contains(*rel) || spec.contains(&format!("`{rel}`"));
        assert!(cited, "{rel} is referenced by no finding and not named in security_spec.md");
    }
    assert!(referenced.len() >= 3);
}

/// A ledger above `PARALLEL_LEDGER_BYTES` is parsed on a second thread while the other
/// artifacts are parsed: the workspace (values and diagnostics, in order) is exactly what
/// parsing each artifact on its own gives.
#[test]
fn a_large_ledger_parsed_in_parallel_gives_the_workspace_each_artifact_gives_alone() {
    use secfw_artifacts::{Level, sort_diagnostics};
    use secfw_artifacts::{PARALLEL_LEDGER_BYTES, file_names};

    let dir = tempfile::tempdir().unwrap();
    write_example(dir.path()).unwrap();
    let edit = |name: &str, f: &dyn Fn(String) -> String| {
        let p = dir.path().join(name);
        std::fs::write(&p, f(std::fs::read_to_string(&p).unwrap())).unwrap();
    };
    // A large ledger with an unknown field, and an inventory with one: warnings from both.
    edit(file_names::FINDINGS, &|t| {
        format!("{}\n# {}\n", t.replacen("version:", "surplus: 1\nversion:", 1), "x".repeat(PARALLEL_LEDGER_BYTES))
    });
    edit(file_names::INVENTORY, &|t| format!("{t}\nstray: true\n"));
    let opts = LoadOptions::default();
    let ws = load(dir.path(), &opts).unwrap();

    let src = |name: &str| SourceFile::new(name, std::fs::read_to_string(dir.path().join(name)).unwrap());
    let mut expect = Vec::new();
    let rulebook = secfw_artifacts::parse_rulebook(&src(file_names::RULEBOOK), &opts, &mut expect);
    let inventory = secfw_artifacts::parse_inventory(&src(file_names::INVENTORY), &opts, &mut expect);
    let findings = secfw_artifacts::parse_findings(&src(file_names::FINDINGS), &opts, &mut expect);
    let (policies, d) = secfw_artifacts::parse_policy_map(&src(file_names::POLICY_MAP), Level::Warning);
    expect.extend(d);
    let (exc, d) = secfw_artifacts::parse_exceptions(&src(file_names::EXCEPTIONS), Level::Warning);
    expect.extend(d);
    let (sp, d) = secfw_artifacts::parse_security_spec(&src(file_names::SECURITY_SPEC), yaml::UnknownFields::Warn);
    expect.extend(d);
    sort_diagnostics(&mut expect);

    assert!(ws.diagnostics.iter().any(|d| d.file == file_names::FINDINGS), "{:?}", ws.diagnostics);
    assert!(ws.diagnostics.iter().any(|d| d.file == file_names::INVENTORY), "{:?}", ws.diagnostics);
    assert_eq!(ws.diagnostics, expect);
    assert!(findings.is_some());
    assert_eq!(ws.findings, findings);
    let dbg = |v: &dyn std::fmt::Debug| format!("{v:?}");
    assert_eq!(dbg(&ws.rulebook), dbg(&rulebook));
    assert_eq!(dbg(&ws.inventory), dbg(&inventory));
    assert_eq!(dbg(&ws.policies), dbg(&Some(policies)));
    assert_eq!(dbg(&ws.exceptions), dbg(&Some(exc)));
    assert_eq!(dbg(&ws.spec), dbg(&sp));
}
