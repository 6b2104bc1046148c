//! The generator writes complete, valid, deterministic workspaces.

use std::collections::BTreeSet;
use std::path::Path;

use secfw_artifacts::{FindingStatus, LoadOptions, Severity, load};
use secfw_workgen::{Error, LedgerSyntax, Options, Size, generate, generate_with, write_ledger};
use sha2::{Digest, Sha256};

const SMALL: Size =
    Size::Custom { findings: 300, policies: 7, controls: 20, exceptions: 6, resources: 25, evidence_bytes: 200_000 };

/// sha256 over every file's relative path and bytes, in path order.
fn tree_hash(dir: &Path) -> String {
    let mut h = Sha256::new();
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .collect();
    files.sort_by(|a, b| a.path().cmp(b.path()));
    for e in files {
        let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
        h.update(rel.as_bytes());
        h.update([0]);
        h.update(std::fs::read(e.path()).unwrap());
    }
    hex::encode(h.finalize())
}

fn assert_valid(dir: &Path, strict: bool) -> secfw_artifacts::LoadedWorkspace {
    let ws = load(dir, &LoadOptions::default().strict(strict)).unwrap();
    let problems: Vec<String> = ws.diagnostics.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "generated workspace has diagnostics:\n{}", problems.join("\n"));
    ws
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sa = generate(a.path(), SMALL, 42).unwrap();
    let sb = generate(b.path(), SMALL, 42).unwrap();
    generate(c.path(), SMALL, 43).unwrap();
    assert_eq!(sa, sb);
    assert_eq!(tree_hash(a.path()), tree_hash(b.path()));
    assert_ne!(tree_hash(a.path()), tree_hash(c.path()));
}

#[test]
fn small_workspace_loads_strictly_with_no_diagnostics_and_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let stats = generate(dir.path(), SMALL, 1).unwrap();
    let ws = assert_valid(dir.path(), true);
    let findings = ws.findings.unwrap();
    let inventory = ws.inventory.unwrap();
    let policies = ws.policies.unwrap();
    let registry = ws.exceptions.unwrap();
    let spec = ws.spec.unwrap();

    assert_eq!(findings.findings.len(), 300);
    assert_eq!(inventory.resources.len(), 25);
    assert_eq!(policies.policies.len(), 7);
    assert_eq!(policies.policies.iter().map(|p| p.controls.len()).sum::<usize>(), 20);
    assert_eq!(registry.exceptions.len(), 6);
    assert_eq!(spec.sections.len(), 14);
    assert_eq!(usize::try_from(stats.scans).unwrap(), findings.scans.len());

    // Evidence: exact byte total, and every referenced file exists.
    let ev: u64 = stats.files.iter().filter(|f| f.path.starts_with("evidence/")).map(|f| f.bytes).sum();
    assert_eq!(ev, 200_000);

    let resource_ids: BTreeSet<&str> = inventory.resources.iter().map(|r| r.id.as_str()).collect();
    let policy_ids: BTreeSet<&str> = policies.policies.iter().map(|p| p.id.as_str()).collect();
    // Every resource scanned successfully by each expected scanner.
    for r in &inventory.resources {
        assert!(!r.policies.is_empty());
        for tool in &r.expected_scanners {
            assert!(
                findings.scans.iter().any(|s| &s.tool == tool && s.targets.contains(&r.id)),
                "{} not scanned by {tool}",
                r.id
            );
        }
        for p in &r.policies {
            assert!(policy_ids.contains(p.as_str()));
        }
    }
    let mut excepted = 0;
    for f in &findings.findings {
        let res = &f.affected_resources[0].resource_id;
        assert!(resource_ids.contains(res.as_str()), "{res}");
        let pol = &f.governance.policy_refs[0];
        let resource = inventory.resources.iter().find(|r| &r.id == res).unwrap();
        assert!(resource.policies.contains(pol), "{} maps to {pol}, not a policy of {res}", f.finding_id);
        if let Some(x) = &f.governance.exception_ref {
            excepted += 1;
            let e = registry.get(x).unwrap();
            assert_eq!(&e.policy, pol);
            assert!(e.findings.contains(&f.finding_id));
        } else if f.severity == Severity::Critical {
            assert_eq!(f.status, FindingStatus::Resolved, "unexcepted critical {} is open", f.finding_id);
        }
        if let Some(ev) = f.evidence.first() {
            let file = ev.data.get_str("file").unwrap();
            assert!(dir.path().join(file).is_file(), "{file}");
        }
    }
    assert_eq!(excepted, stats.excepted_findings);
    for e in &registry.exceptions {
        assert!(!e.findings.is_empty(), "{} accepts nothing", e.id);
        assert!(!e.approvers.contains(&e.requestor));
        let approved = e.approved_on.unwrap();
        assert!(e.valid_until.0 - approved.0 <= chrono::Duration::days(180));
        assert!(e.valid_until.end_of_day() > secfw_workgen::default_as_of());
    }
}

#[test]
fn size_s_loads_with_no_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let stats = generate(dir.path(), Size::S, 0).unwrap();
    assert_eq!(stats.counts, Size::S.counts());
    assert_eq!(
        stats.files.iter().filter(|f| f.path.starts_with("evidence/")).map(|f| f.bytes).sum::<u64>(),
        10_000_000
    );
    let ws = assert_valid(dir.path(), false);
    assert_eq!(ws.findings.unwrap().findings.len(), 1_000);
    assert_eq!(ws.policies.unwrap().policies.iter().map(|p| p.controls.len()).sum::<usize>(), 200);
}

#[test]
fn json_ledger_parses_to_the_same_findings_as_yaml() {
    let y = tempfile::tempdir().unwrap();
    let j = tempfile::tempdir().unwrap();
    generate_with(y.path(), &Options::new(SMALL, 5)).unwrap();
    generate_with(j.path(), &Options::new(SMALL, 5).ledger(LedgerSyntax::Json)).unwrap();
    let text = std::fs::read_to_string(j.path().join("sec_findings.yaml")).unwrap();
    assert!(text.starts_with('{'), "JSON syntax");
    let wy = assert_valid(y.path(), true);
    let wj = assert_valid(j.path(), true);
    assert_eq!(wy.findings, wj.findings);
    // write_ledger produces the same bytes as the file.
    let mut buf = Vec::new();
    let n = write_ledger(&mut buf, &Options::new(SMALL, 5).ledger(LedgerSyntax::Json)).unwrap();
    assert_eq!(usize::try_from(n).unwrap(), buf.len());
    assert_eq!(buf, text.as_bytes());
}

#[test]
fn degenerate_and_invalid_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let empty = Size::Custom { findings: 0, policies: 1, controls: 0, exceptions: 0, resources: 0, evidence_bytes: 0 };
    generate(dir.path(), empty, 0).unwrap();
    let ws = assert_valid(dir.path(), true);
    assert!(ws.findings.unwrap().findings.is_empty());

    let d2 = tempfile::tempdir().unwrap();
    let no_policy =
        Size::Custom { findings: 1, policies: 0, controls: 0, exceptions: 0, resources: 1, evidence_bytes: 0 };
    assert!(matches!(generate(d2.path(), no_policy, 0), Err(Error::InvalidSize(_))));
    let no_res = Size::Custom { findings: 1, policies: 1, controls: 0, exceptions: 0, resources: 0, evidence_bytes: 0 };
    assert!(matches!(generate(d2.path(), no_res, 0), Err(Error::InvalidSize(_))));
    assert!("XL".parse::<Size>().is_err());
    assert_eq!("m".parse::<Size>().unwrap(), Size::M);
    assert_eq!(
        "custom:findings=300,policies=7,controls=20,exceptions=6,resources=25,evidence_bytes=200000"
            .parse::<Size>()
            .unwrap(),
        SMALL
    );
    assert!("custom:findings=x".parse::<Size>().is_err());
    assert!("custom:policies=99999999999".parse::<Size>().is_err());
    assert!("custom:colour=1".parse::<Size>().is_err());
}

#[test]
fn never_overwrites_an_existing_workspace() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy_map.md"), "mine\n").unwrap();
    assert!(matches!(generate(dir.path(), SMALL, 0), Err(Error::Exists(_))));
    assert_eq!(std::fs::read_to_string(dir.path().join("policy_map.md")).unwrap(), "mine\n");
}
