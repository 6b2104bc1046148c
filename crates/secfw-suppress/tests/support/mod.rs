//! What the offline cargo-deny and cargo-audit interop tests share: a one-advisory RustSec
//! database against hex 0.4.3, a lock file that depends on it, and the compile of a registry.

#![allow(dead_code)] // each test binary uses its own part

use std::path::Path;
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Level, LoadedWorkspace, SourceFile};
use secfw_governance::evaluate;
use secfw_suppress::{Format, compile, rules};

/// The fixture advisory (RustSec's Markdown-with-TOML format).
const ADVISORY: &str = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"hex\"\ndate = \"2024-01-01\"\nurl = \"https://example.invalid/RUSTSEC-2099-0001\"\n\n[versions]\npatched = [\">= 99.0.0\"]\n```\n\n# A test advisory against hex\n\nA fixture advisory of secfw's tests; no such vulnerability exists.\n";

/// A lock file of a fixture crate that depends on hex 0.4.3.
pub(crate) const LOCK: &str = "version = 4\n\n[[package]]\nname = \"fixture\"\nversion = \"0.1.0\"\ndependencies = [\n \"hex\",\n]\n\n[[package]]\nname = \"hex\"\nversion = \"0.4.3\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"7f24254aa9a54b5c858eaee2f5bccdb46aaf0e486a595ed5fd8f86ba55232a70\"\n";

/// Run a command to completion.
pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

/// `git` in `dir`, with a throwaway identity; must succeed.
fn git(dir: &Path, args: &[&str]) {
    let o =
        run(Command::new("git").arg("-C").arg(dir).args(["-c", "user.name=t", "-c", "user.email=t@t.test"]).args(args));
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// The one-advisory database at `db`, a git repository like the real advisory-db.
pub(crate) fn advisory_db(db: &Path) {
    std::fs::create_dir_all(db.join("crates/hex")).unwrap();
    std::fs::write(db.join("crates/hex/RUSTSEC-2099-0001.md"), ADVISORY).unwrap();
    git(db, &["init", "-q", "-b", "main"]);
    git(db, &["add", "-A"]);
    git(db, &["commit", "-q", "-m", "fixture advisory"]);
}

/// `format` compiled at `now` from the exception registry `registry` (approved by
/// `sec@x.test`), over the person's `existing` file.
pub(crate) fn compiled(format: Format, registry: &str, now: &str, existing: &str) -> String {
    let (reg, d) = secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", registry), Level::Error);
    assert!(d.is_empty(), "{d:?}");
    let mut rb = Rulebook::with_defaults("1.0.0");
    rb.exceptions.approvers.security_team = vec!["sec@x.test".into()];
    let mut ws = LoadedWorkspace::default();
    ws.rulebook = Some(rb);
    ws.exceptions = Some(reg.clone());
    // The scan that found the advisory on hex 0.4.3: a RUSTSEC id narrowed to a package is
    // written by id alone only when the ledger shows it on that crate.
    ws.findings = Some(
        serde_json::from_value(serde_json::json!({
            "version": "1.0",
            "metadata": {"scan_id": "s", "timestamp": "2026-11-20T00:00:00Z", "lifecycle_state": "PLANNED"},
            "findings": [{
                "finding_id": "F-1", "severity": "medium", "category": "vulnerability", "title": "t", "description": "d",
                "affected_resources": [{"resource_id": "fixture", "resource_type": "package", "location": "hex@0.4.3"}],
                "remediation": {"recommended_action": "upgrade", "priority": "P2", "deadline": "2027-06-01"},
                "governance": {"tags": [], "compliance_standards": [], "policy_refs": ["POL-007"]},
                "cve": ["RUSTSEC-2099-0001"], "evidence": []
            }]
        }))
        .unwrap(),
    );
    let now: DateTime<Utc> = now.parse().unwrap();
    let r = rules(&ws, &evaluate(&ws, now));
    compile(format, &r, &reg, Some(existing)).unwrap().text
}
