//! The real cargo-deny, offline, against a fixture lock file and a one-advisory local database:
//! the `deny.toml` entry secfw compiles takes effect, and disappears when the exception expires.

use std::path::Path;
use std::process::{Command, Output};

use secfw_suppress::Format;
use support::{LOCK, advisory_db, run};

mod support;

// hex 0.4.3 is a dependency of this workspace, so it is in the local cargo cache: `cargo
// metadata` (run by cargo-deny) needs no network.
const MANIFEST: &str = "[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nhex = \"=0.4.3\"\n";

const REGISTRY: &str = "# R\n\n## Active Exceptions\n\n### EXC-001: hex test advisory\n- **Policy**: POL-007\n- **Severity**: Medium\n- **Advisories**: RUSTSEC-2099-0001\n- **Package**: pkg:cargo/hex\n- **Versions**: =0.4.3\n- **Requestor**: dev@x.test\n- **Approval**: sec@x.test\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Justification**: hex is only used on trusted input in the fixture.\n- **Risk Assessment**: low\n- **Risk Mitigation**:\n  - fixture only\n";

fn deny(proj: &Path, debug: bool) -> Output {
    let mut c = Command::new("cargo-deny");
    if debug {
        c.args(["-L", "debug"]);
    }
    run(c.args(["--offline", "check", "advisories"]).current_dir(proj))
}

fn compiled(now: &str, existing: &str) -> String {
    support::compiled(Format::CargoDeny, REGISTRY, now, existing)
}

secfw_testkit::interop_test! { [cargo_deny]
    /// The real cargo-deny reports the advisory, accepts the compiled ignore, and reports it again
    /// once the exception has expired and the file is compiled again.
    fn cargo_deny_honours_the_compiled_ignore_and_its_expiry() {
        let t = tempfile::tempdir().unwrap();
        let db = t.path().join("db");
        advisory_db(&db);
        let proj = t.path().join("proj");
        std::fs::create_dir_all(proj.join("src")).unwrap();
        std::fs::write(proj.join("Cargo.toml"), MANIFEST).unwrap();
        std::fs::write(proj.join("Cargo.lock"), LOCK).unwrap();
        std::fs::write(proj.join("src/lib.rs"), "").unwrap();
        let dbs = t.path().join("dbs");
        let base = format!(
            "# fixture policy\n[advisories]\ndb-path = {:?}\ndb-urls = [\"https://secfw.invalid/fixture-advisory-db\"]\nignore = [\n]\n",
            dbs.to_str().unwrap()
        );
        std::fs::write(proj.join("deny.toml"), &base).unwrap();
        // cargo-deny names the database directory after a hash of its URL; it says where it looks.
        let o = deny(&proj, true);
        let log = String::from_utf8_lossy(&o.stderr).into_owned();
        let at = log.split("Opening advisory database at '").nth(1).and_then(|r| r.split('\'').next()).unwrap_or_else(|| panic!("{log}"));
        let o = run(Command::new("git").args(["clone", "-q"]).arg(&db).arg(at));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

        let o = deny(&proj, false);
        let out = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!o.status.success() && out.contains("RUSTSEC-2099-0001"), "the advisory is reported: {out}");

        let with_ignore = compiled("2026-11-24T12:00:00Z", &base);
        assert!(with_ignore.contains("{ id = \"RUSTSEC-2099-0001\", reason = \"EXC-001: "), "{with_ignore}");
        std::fs::write(proj.join("deny.toml"), &with_ignore).unwrap();
        let o = deny(&proj, false);
        assert!(o.status.success(), "the compiled ignore takes effect: {}", String::from_utf8_lossy(&o.stderr));

        let expired = compiled("2027-02-01T00:00:00Z", &with_ignore);
        assert_eq!(expired, base, "the expired exception's entry is removed, nothing else changes");
        std::fs::write(proj.join("deny.toml"), &expired).unwrap();
        let o = deny(&proj, false);
        assert!(!o.status.success(), "after expiry the advisory fails the check again");
    }
}
