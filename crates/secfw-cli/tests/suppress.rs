//! `secfw exceptions compile` and the `suppression_parity` gate end to end.

mod common;
use common::{s, secfw, text};

use std::path::PathBuf;

const NOW: &str = "2026-11-24T12:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// No ledger finding backs this exception's `Medium` (a pre-emptive exception): it is approved
// as for the worst case, so the risk committee signs it too.
const EXC: &str = "\n### EXC-002: time 0.1 in the CLI tools\n- **Policy**: POL-001\n- **Severity**: Medium\n- **Advisories**: RUSTSEC-2020-0071\n- **Package**: pkg:cargo/time\n- **Versions**: >=0.1.0, <0.2.0\n- **Requestor**: data-team@acme.test\n- **Approval**: security-lead@acme.test, risk-committee@acme.test\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Justification**: The CLI tools never call localtime_r from several threads.\n- **Risk Assessment**: Low.\n- **Risk Mitigation**:\n  - single-threaded CLI\n";

const DENY: &str = "# our policy: keep this comment\n[advisories]\nignore = [\n]\n\n[bans]\nmultiple-versions = \"deny\" # and this one\n";

/// [`EXC`] without its package and versions: a RUSTSEC id names one crate, so the id alone is
/// what the exception accepts, and the id-only formats carry it.
fn exc_by_id() -> String {
    EXC.replace("- **Package**: pkg:cargo/time\n- **Versions**: >=0.1.0, <0.2.0\n", "")
}

fn workspace() -> tempfile::TempDir {
    workspace_with(EXC)
}

fn workspace_with(exc: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("crates/secfw-gates/tests/fixtures/base")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let p = dir.path().join("exceptions.md");
    let mut md = std::fs::read_to_string(&p).unwrap();
    md.push_str(exc);
    std::fs::write(&p, md).unwrap();
    std::fs::write(dir.path().join("deny.toml"), DENY).unwrap();
    dir
}

#[test]
fn compile_edits_deny_toml_in_place_and_the_gate_passes_until_someone_adds_an_unapproved_ignore() {
    let d = workspace_with(&exc_by_id());
    let dir = s(d.path());
    // Before compiling, the exception suppresses nothing in the present deny.toml (a warning).
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("SP0205"), "{}", text(&o));
    let o = secfw(&["exceptions", "compile", dir, "--to", "cargo-deny", "--check", "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "--check reports the stale file: {}", text(&o));
    let o = secfw(&["exceptions", "compile", dir, "--to", "cargo-deny", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("written"), "{}", text(&o));
    let deny = std::fs::read_to_string(d.path().join("deny.toml")).unwrap();
    assert!(deny.starts_with("# our policy: keep this comment\n[advisories]\nignore = [\n    { id = \"RUSTSEC-2020-0071\", reason = \"EXC-002: "), "{deny}");
    assert!(deny.ends_with("]\n\n[bans]\nmultiple-versions = \"deny\" # and this one\n"), "{deny}");
    let o = secfw(&["exceptions", "compile", dir, "--to", "cargo-deny", "--check", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("up to date"));
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("SP0205"), "{}", text(&o));
    // Someone adds an ignore by hand: the gate fails and names the line.
    std::fs::write(
        d.path().join("deny.toml"),
        deny.replace("ignore = [\n", "ignore = [\n    \"RUSTSEC-2099-0001\",\n"),
    )
    .unwrap();
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("SP0201") && text(&o).contains("deny.toml:4:5"), "{}", text(&o));
    // After the exception expires, compiling removes its entry (the hand-written one stays).
    let o = secfw(&["exceptions", "compile", dir, "--to", "cargo-deny", "--now", "2027-02-01"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let deny = std::fs::read_to_string(d.path().join("deny.toml")).unwrap();
    assert!(deny.contains("\"RUSTSEC-2099-0001\"") && !deny.contains("RUSTSEC-2020-0071"), "{deny}");
}

#[test]
fn compile_all_needs_the_rulebook_formats_and_trivy_is_written_whole() {
    let d = workspace();
    let dir = s(d.path());
    let o = secfw(&["exceptions", "compile", dir, "--all", "--now", NOW]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("suppressions.formats"), "{}", text(&o));
    let rb = d.path().join("rulebook.yaml");
    let mut y = std::fs::read_to_string(&rb).unwrap();
    y.push_str("suppressions:\n  formats: [trivy, osv-scanner, cargo-deny]\n");
    std::fs::write(&rb, y).unwrap();
    let o = secfw(&["exceptions", "compile", dir, "--all", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Trivy pins purl versions: a range with no version in the ledger cannot be written
    // (a warning, never a wider entry). OSV-Scanner and cargo-deny ignore by id: with a
    // package, the id is written alone only when the ledger shows the advisory on that crate,
    // and no scan has found it yet, so the exception is left out of them too (SP0207).
    assert!(text(&o).contains("SP0207"), "{}", text(&o));
    let trivy = std::fs::read_to_string(d.path().join(".trivyignore.yaml")).unwrap();
    assert!(trivy.contains("vulnerabilities: []"), "{trivy}");
    let osv = std::fs::read_to_string(d.path().join("osv-scanner.toml")).unwrap_or_default();
    assert!(!osv.contains("RUSTSEC-2020-0071"), "{osv}");
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // With the version pinned, Trivy carries it.
    let p = d.path().join("exceptions.md");
    std::fs::write(&p, std::fs::read_to_string(&p).unwrap().replace(">=0.1.0, <0.2.0", "=0.1.45")).unwrap();
    let o = secfw(&["exceptions", "compile", dir, "--all", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let trivy = std::fs::read_to_string(d.path().join(".trivyignore.yaml")).unwrap();
    assert!(
        trivy.contains(
            "  - id: \"RUSTSEC-2020-0071\"\n    purls:\n      - \"pkg:cargo/time@0.1.45\"\n    statement: \"EXC-002: "
        ),
        "{trivy}"
    );
    assert!(trivy.contains("expired_at: 2027-01-31"), "{trivy}");
    // A hand-written Trivy file is never overwritten.
    std::fs::write(d.path().join(".trivyignore.yaml"), "vulnerabilities:\n  - id: CVE-1-1\n").unwrap();
    let o = secfw(&["exceptions", "compile", dir, "--to", "trivy", "--now", NOW]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("not generated by secfw"), "{}", text(&o));
    let o = secfw(&["exceptions", "compile", dir, "--to", "nessus"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("unknown suppression format"), "{}", text(&o));
}

#[test]
fn vex_out_is_openvex_with_the_acceptance_as_affected() {
    let d = workspace();
    let dir = s(d.path());
    let o = secfw(&["exceptions", "vex", dir, "--author", "security@acme.test", "--now", NOW]);
    // The range has no version in the ledger, so no product can be named: refused, with SP0207.
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("SP0207"), "{}", text(&o));
    let p = d.path().join("exceptions.md");
    std::fs::write(&p, std::fs::read_to_string(&p).unwrap().replace(">=0.1.0, <0.2.0", "=0.1.45")).unwrap();
    let out = d.path().join("vex.json");
    let o = secfw(&["exceptions", "vex", dir, "--author", "security@acme.test", "--now", NOW, "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(v["statements"][0]["status"], "affected");
    assert_eq!(v["statements"][0]["products"][0]["@id"], "pkg:cargo/time@0.1.45");
    let o = secfw(&["exceptions", "vex", dir, "--to", "cyclonedx", "--author", "a", "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"specVersion\": \"1.5\""));
}

#[test]
fn vex_out_can_be_signed_as_a_dsse_envelope_with_a_seal_key() {
    let d = workspace();
    let dir = s(d.path());
    let p = d.path().join("exceptions.md");
    std::fs::write(&p, std::fs::read_to_string(&p).unwrap().replace(">=0.1.0, <0.2.0", "=0.1.45")).unwrap();
    let keys = tempfile::tempdir().unwrap();
    let o = secfw(&["keygen", "--identity", "alice", "--out", s(keys.path())]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o =
        secfw(&["exceptions", "vex", dir, "--author", "a", "--now", NOW, "--sign", s(&keys.path().join("alice.key"))]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let env = secfw::seal::dsse::Envelope::parse(&o.stdout).unwrap();
    assert_eq!(env.payload_type, "application/vnd.openvex+json");
    let body = env.body().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["statements"][0]["status"], "affected");
    let pubkey = std::fs::read_to_string(keys.path().join("alice.pub")).unwrap();
    let (pk, _) = secfw::seal::PublicKey::parse_any(&pubkey).unwrap();
    let sig = secfw::seal::dsse::b64_decode(&env.signatures[0].sig).unwrap();
    assert!(pk.verify(&secfw::seal::dsse::pae(&env.payload_type, &body), &sig), "the signature verifies");
    let mut tampered = body;
    tampered[10] ^= 1;
    assert!(!pk.verify(&secfw::seal::dsse::pae(&env.payload_type, &tampered), &sig));
}

#[test]
fn vex_in_keeps_trusted_authors_resolves_conflicts_and_names_the_findings() {
    let d = workspace();
    let dir = s(d.path());
    let vex = |author: &str, time: &str, status: &str| {
        let mut st = serde_json::json!({"vulnerability": {"name": "CVE-2027-1", "aliases": ["RUSTSEC-2027-1"]},
            "products": [{"@id": "pkg:cargo/time@0.1.45"}], "status": status});
        if status == "not_affected" {
            st["justification"] = "vulnerable_code_not_present".into();
        } else {
            st["action_statement"] = "upgrade".into();
        }
        serde_json::json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": author, "timestamp": time, "version": 1, "statements": [st]}).to_string()
    };
    let old = d.path().join("a.json");
    let new = d.path().join("b.json");
    let stranger = d.path().join("c.json");
    std::fs::write(&old, vex("Vendor", "2026-11-01T00:00:00Z", "affected")).unwrap();
    std::fs::write(&new, vex("Vendor", "2026-11-10T00:00:00Z", "not_affected")).unwrap();
    std::fs::write(&stranger, vex("Stranger", "2026-11-20T00:00:00Z", "affected")).unwrap();
    let ledger_path = d.path().join("sec_findings.yaml");
    let ledger = std::fs::read_to_string(&ledger_path)
        .unwrap()
        .replacen("        location: src/auth/login.rs\n", "        location: time@0.1.45\n", 1)
        .replacen(
            "    first_seen: 2026-11-20T10:00:00Z\n",
            "    first_seen: 2026-11-20T10:00:00Z\n    cve: [RUSTSEC-2027-1]\n",
            1,
        );
    std::fs::write(&ledger_path, ledger).unwrap();
    let rb = d.path().join("rulebook.yaml");
    let mut y = std::fs::read_to_string(&rb).unwrap();
    y.push_str("suppressions:\n  trusted_vex_authors: [vendor]\n");
    std::fs::write(&rb, y).unwrap();
    let o = secfw(&["exceptions", "vex-in", dir, s(&old), s(&new), s(&stranger)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("SP0402") && out.contains("Stranger"), "{out}");
    assert!(out.contains("SP0403"), "{out}");
    assert!(out.contains("CVE-2027-1 on pkg:cargo/time@0.1.45: not_affected (vulnerable_code_not_present) by Vendor at 2026-11-10T00:00:00Z -> F-001"), "{out}");
    // Recorded (the trusted statement in effect) under evidence/, which the seal covers.
    assert!(out.contains("1 added to evidence/vex/statements.json"), "{out}");
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("evidence/vex/statements.json")).unwrap()).unwrap();
    assert_eq!(rec["format"], "secfw.vex-record/v1");
    assert_eq!(rec["statements"].as_array().unwrap().len(), 1);
    assert_eq!(rec["statements"][0]["status"], "not_affected");
    let (sealed, problems) = secfw::seal::sealed_set(d.path());
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        sealed.iter().any(|p| p == "evidence/vex/statements.json"),
        "the record is sealed with the inputs: {sealed:?}"
    );
    // F-001 names its package without a purl: shown as matching, never decided by VEX.
    let sarif = |d: &std::path::Path| -> serde_json::Value {
        let o = secfw(&["export", s(d), "--format", "sarif", "--now", "2026-11-24T12:00:00Z"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let result = |log: &serde_json::Value| {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|res| res["properties"]["secfw"]["finding_id"] == "F-001")
            .cloned()
            .unwrap_or_default()
    };
    assert!(result(&sarif(d.path())).get("suppressions").is_none());
    // With a purl the finding is decided: a SARIF suppression naming the VEX statement.
    let ledger = std::fs::read_to_string(&ledger_path).unwrap().replacen(
        "location: time@0.1.45",
        "location: pkg:cargo/time@0.1.45",
        1,
    );
    std::fs::write(&ledger_path, ledger).unwrap();
    let log = sarif(d.path());
    let decided = result(&log);
    let sup = &decided["suppressions"][0];
    assert_eq!(sup["status"], "accepted", "{decided}");
    assert_eq!(sup["properties"]["vex_author"], "Vendor");
    assert_eq!(sup["properties"]["vex_justification"], "vulnerable_code_not_present");
    assert!(sup["justification"].as_str().unwrap().starts_with("VEX:Vendor:CVE-2027-1: not_affected"), "{sup}");
    // The other exports agree: JUnit lists it as excepted, GitHub annotates it as a notice.
    let export = |format: &str| {
        let o = secfw(&["export", dir, "--format", format, "--now", "2026-11-24T12:00:00Z"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let junit = export("junit");
    assert!(junit.contains("F-001 excepted by VEX:Vendor:CVE-2027-1"), "{junit}");
    let gh = export("github");
    let line = gh.lines().find(|l| l.contains("F-001")).unwrap_or_default();
    assert!(
        line.starts_with("::notice ") && line.contains("(excepted by VEX:Vendor:CVE-2027-1: not_affected)"),
        "{gh}"
    );
    // --no-record reports and writes nothing.
    let before = std::fs::read(d.path().join("evidence/vex/statements.json")).unwrap();
    let o = secfw(&["exceptions", "vex-in", dir, s(&old), "--no-record"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(d.path().join("evidence/vex/statements.json")).unwrap(), before);
}

/// Trivy `--show-suppressed` (real output, `ExperimentalModifiedFindings`): the finding Trivy
/// suppressed by VEX is ingested open and recorded as suppressed by the scanner; without an
/// exception the suppression_parity gate fails with SP0208 naming it; an approved exception
/// backs it and the gate passes.
#[test]
fn a_trivy_suppressed_finding_is_ingested_and_must_be_backed_by_an_exception() {
    let d = workspace();
    let dir = s(d.path());
    let o = secfw(&[
        "ingest",
        s(&secfw_testkit::corpora("trivy/trivy__npm-with-suppressed.json")),
        dir,
        "--target",
        "web-app",
        "--now",
        NOW,
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    assert!(text(&o).contains("IN0103"), "ingest notes the scanner's suppression: {}", text(&o));
    let ledger = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    let doc = ledger_json(d.path());
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cve"].as_array().is_some_and(|c| c.iter().any(|x| x == "CVE-2017-16137")))
        .unwrap_or_else(|| panic!("the suppressed finding is in the ledger:\n{ledger}"))
        .clone();
    assert_eq!(finding["status"].as_str().unwrap_or("open"), "open", "{finding}");
    let id = finding["finding_id"].as_str().unwrap().to_owned();
    assert!(
        ledger.contains("vulnerable_code_not_in_execute_path") && ledger.contains("scanner_status: not_affected"),
        "{ledger}"
    );
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("SP0208") && text(&o).contains(&id), "{}", text(&o));
    // An approved exception, referenced from the finding (a person records the decision),
    // backs the scanner's suppression.
    let policy = "POL-001";
    let (head, entry) = ledger.split_once(&format!("finding_id: {id}")).unwrap();
    let (entry_head, rest) = entry.split_once("  governance:\n    tags: []\n").unwrap();
    let edited = format!(
        "{head}finding_id: {id}{entry_head}  governance:\n    policy_refs: [{policy}]\n    exception_ref: EXC-009\n    tags: []\n{rest}"
    );
    std::fs::write(d.path().join("sec_findings.yaml"), edited).unwrap();
    let exc = format!(
        "\n### EXC-009: debug ReDoS not reachable\n- **Policy**: {policy}\n- **Severity**: Medium\n- **Advisories**: CVE-2017-16137\n- **Requestor**: web-team@acme.test\n- **Approval**: security-lead@acme.test\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Justification**: The vulnerable code is not in the execute path (vendor VEX).\n- **Risk Assessment**: Low.\n- **Risk Mitigation**:\n  - none needed\n"
    );
    let p = d.path().join("exceptions.md");
    let mut md = std::fs::read_to_string(&p).unwrap();
    md.push_str(&exc);
    std::fs::write(&p, md).unwrap();
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert!(!text(&o).contains("SP0208"), "{}\n{finding}", text(&o));
    assert!(text(&o).contains(&id) && text(&o).contains("EXC-009"), "listed as excepted: {}", text(&o));
}

/// Grype `ignoredMatches` (audit D5): matches an ignore rule hid are ingested open, recorded as
/// suppressed by the scanner, and the suppression_parity gate fails with SP0208 naming them:
/// an ignore rule outside the exception registry never silently resolves a finding.
#[test]
fn grype_ignored_matches_are_ingested_and_must_be_backed_by_an_exception() {
    let d = workspace();
    let dir = s(d.path());
    let mut grype: serde_json::Value = serde_json::from_slice(
        &std::fs::read(secfw_testkit::corpora("grype/grype__json-presenter-image.json")).unwrap(),
    )
    .unwrap();
    let first = grype["matches"][0].clone();
    let id = first["vulnerability"]["id"].as_str().unwrap().to_owned();
    grype["matches"] = serde_json::json!([]);
    grype["ignoredMatches"] = serde_json::json!([dict_with_rule(&first, &id)]);
    let report = d.path().join("grype-ignored.json");
    std::fs::write(&report, grype.to_string()).unwrap();
    let o = secfw(&["ingest", s(&report), dir, "--target", "web-app", "--now", NOW]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    assert!(text(&o).contains("IN0103"), "{}", text(&o));
    let doc = ledger_json(d.path());
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["title"].as_str().is_some_and(|t| t.starts_with(&id)))
        .unwrap_or_else(|| panic!("the ignored match is in the ledger: {doc}"));
    let fid = finding["finding_id"].as_str().unwrap().to_owned();
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("SP0208") && text(&o).contains(&fid), "{}", text(&o));
}

fn dict_with_rule(m: &serde_json::Value, id: &str) -> serde_json::Value {
    let mut m = m.clone();
    m["appliedIgnoreRules"] = serde_json::json!([{"vulnerability": id}]);
    m
}

/// The workspace's ledger as JSON.
fn ledger_json(dir: &std::path::Path) -> serde_json::Value {
    let ws = secfw::artifacts::load(dir, &secfw::artifacts::LoadOptions::default()).unwrap();
    serde_json::to_value(ws.findings.expect("a ledger")).unwrap()
}

/// The same real Trivy finding, decided by a trusted vendor VEX statement instead of an
/// exception: ingest recorded Trivy's purl (`pkg:npm/debug@3.0.1`), the statement is about it,
/// and the gate accepts the scanner's suppression as backed. A statement for another ecosystem's
/// `debug` decides nothing.
#[test]
fn a_trusted_vex_statement_backs_a_trivy_suppressed_finding() {
    let d = workspace();
    let dir = s(d.path());
    let report = secfw_testkit::corpora("trivy/trivy__npm-with-suppressed.json");
    let o = secfw(&["ingest", s(&report), dir, "--target", "web-app", "--now", NOW]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    let ledger = std::fs::read_to_string(d.path().join("sec_findings.yaml")).unwrap();
    assert!(ledger.contains("purl: pkg:npm/debug@3.0.1"), "{ledger}");
    let rb = d.path().join("rulebook.yaml");
    let mut y = std::fs::read_to_string(&rb).unwrap();
    y.push_str("suppressions:\n  trusted_vex_authors: [Debug Maintainers]\n");
    std::fs::write(&rb, y).unwrap();
    let vex = |product: &str| {
        serde_json::json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "Debug Maintainers",
            "timestamp": "2026-11-20T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2017-16137"}, "products": [{"@id": product}],
                "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]})
        .to_string()
    };
    let wrong = d.path().join("wrong.json");
    std::fs::write(&wrong, vex("pkg:cargo/debug@3.0.1")).unwrap();
    let o = secfw(&["exceptions", "vex-in", dir, s(&wrong), "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert!(text(&o).contains("SP0208"), "another ecosystem's statement decides nothing: {}", text(&o));
    let right = d.path().join("right.json");
    std::fs::write(&right, vex("pkg:npm/debug@3.0.1")).unwrap();
    let o = secfw(&["exceptions", "vex-in", dir, s(&right), "--now", NOW]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = secfw(&["gate", "suppression_parity", dir, "--now", NOW]);
    assert!(!text(&o).contains("SP0208"), "{}", text(&o));
    assert!(text(&o).contains("VEX:Debug Maintainers:CVE-2017-16137"), "shown as excepted: {}", text(&o));
}
