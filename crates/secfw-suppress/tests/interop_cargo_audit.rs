//! The real cargo-audit (0.22.2, `scripts/interop-tools`), offline: a fixture `Cargo.lock` and a
//! one-advisory local database directory (`--db PATH --no-fetch`; cargo-audit 0.22 reads a plain
//! directory, the test still makes it a git repository like the real advisory-db). The
//! `.cargo/audit.toml` secfw compiles takes effect, and stops when the exception expires.

use std::path::Path;
use std::process::{Command, Output};

use secfw_suppress::Format;
use support::{LOCK, advisory_db, run};

mod support;

const REGISTRY: &str = "# R\n\n## Active Exceptions\n\n### EXC-001: hex test advisory\n- **Policy**: POL-007\n- **Severity**: Medium\n- **Advisories**: RUSTSEC-2099-0001\n- **Requestor**: dev@x.test\n- **Approval**: sec@x.test\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Justification**: hex is only used on trusted input in the fixture.\n- **Risk Assessment**: low\n- **Risk Mitigation**:\n  - fixture only\n";

/// A person's own file: a comment and their own table survive every compile.
const PERSONAL: &str = "# audit settings of the fixture\n[output]\nquiet = false\n";

/// `cargo audit --db DB --no-fetch --json` in `proj` (which reads `proj/.cargo/audit.toml`).
fn audit(proj: &Path, db: &Path) -> (Output, serde_json::Value) {
    let o = run(Command::new("cargo-audit")
        .arg("audit")
        .arg("--db")
        .arg(db)
        .args(["--no-fetch", "--stale", "--json"])
        .env("CARGO_HOME", proj.join("cargo-home"))
        .current_dir(proj));
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!("cargo-audit --json: {e}\n{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    });
    (o, v)
}

fn reported(v: &serde_json::Value) -> Vec<String> {
    v["vulnerabilities"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["advisory"]["id"].as_str().map(str::to_owned))
        .collect()
}

fn compiled(now: &str, existing: &str) -> String {
    support::compiled(Format::CargoAudit, REGISTRY, now, existing)
}

secfw_testkit::interop_test! { [cargo_audit]
    /// The real cargo-audit reports the advisory, honours the compiled ignore, and reports it
    /// again once the exception has expired and the file is compiled again.
    fn cargo_audit_honours_the_compiled_ignore_and_its_expiry() {
        let t = tempfile::tempdir().unwrap();
        let db = t.path().join("advisory-db");
        advisory_db(&db);
        let proj = t.path().join("proj");
        std::fs::create_dir_all(proj.join(".cargo")).unwrap();
        std::fs::write(proj.join("Cargo.lock"), LOCK).unwrap();
        std::fs::write(proj.join(".cargo/audit.toml"), PERSONAL).unwrap();

        let (o, v) = audit(&proj, &db);
        assert!(!o.status.success(), "the advisory fails the audit");
        assert_eq!(reported(&v), ["RUSTSEC-2099-0001"], "{v:#}");

        let with_ignore = compiled("2026-11-24T12:00:00Z", PERSONAL);
        assert!(with_ignore.starts_with(PERSONAL), "the person's lines survive:\n{with_ignore}");
        assert!(with_ignore.contains("# EXC-001: ") && with_ignore.contains("\"RUSTSEC-2099-0001\""), "{with_ignore}");
        std::fs::write(proj.join(".cargo/audit.toml"), &with_ignore).unwrap();
        let (o, v) = audit(&proj, &db);
        assert!(o.status.success(), "the compiled ignore takes effect: {v:#}\n{with_ignore}");
        assert!(reported(&v).is_empty(), "{v:#}");

        let expired = compiled("2027-02-01T00:00:00Z", &with_ignore);
        assert!(!expired.contains("RUSTSEC-2099-0001"), "the expired exception's entry is removed:\n{expired}");
        assert!(expired.starts_with(PERSONAL));
        std::fs::write(proj.join(".cargo/audit.toml"), &expired).unwrap();
        let (o, v) = audit(&proj, &db);
        assert!(!o.status.success(), "after expiry the advisory fails the audit again");
        assert_eq!(reported(&v), ["RUSTSEC-2099-0001"]);
    }
}
