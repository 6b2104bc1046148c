//! The whole loop: `secfw demo` into a temp dir, every produced file checked (the manifest
//! verified by secfw, and by securesystemslib and ssh-keygen where installed; digest present, event
//! log intact); `cycle` run twice changes nothing; a critical finding stops the cycle before
//! PACKAGED with an escalation.

mod common;
use common::{s, secfw, text};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file under `dir` with its bytes (for "nothing changed" checks).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

const NOW: &str = "2026-11-24T09:00:00Z";

#[test]
fn demo_runs_the_whole_cycle_and_everything_it_produces_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = secfw(&["demo", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("cycle: PLANNED → IMPROVE (complete)"), "{t}");
    for gate in ["schema_lint | pass", "cross_stream_consistency | pass", "parity_coverage | pass"] {
        assert!(t.contains(gate), "summary lists {gate}: {t}");
    }
    let ws = out.join("workspace");
    let trust = out.join("trust.json");

    // Digest, history snapshot, event log.
    for f in ["digest.md", "digest.json", "digest.html", "handoff_manifest.yaml", "handoff.intoto.json"] {
        assert!(ws.join(f).is_file(), "{f} written");
    }
    let html = std::fs::read_to_string(ws.join("digest.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script"), "self-contained page with charts");
    // Three back-filled weekly snapshots and this cycle's: the digest's trends have lines.
    assert_eq!(std::fs::read_dir(ws.join(".secfw/history")).unwrap().count(), 4);
    let html = std::fs::read_to_string(ws.join("digest.html")).unwrap();
    let four_point_lines =
        html.split("<path d=\"M").skip(1).filter(|d| d.split_once('>').unwrap().0.matches(" L").count() == 3);
    assert!(four_point_lines.count() >= 3, "the trend charts draw lines through four cycles");
    let o = secfw(&["log", "verify", s(&ws), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["intact"].as_bool(), v["events"].as_u64()), (Some(true), Some(5)));

    // The handoff exactly as sealed: verified by secfw ...
    let executed = std::fs::read_dir(ws.join(".secfw/executed")).unwrap().next().unwrap().unwrap().path();
    // The printed ssh-keygen line pairs the sealed copy's statement with its own sidecar.
    if let Some(line) = t.lines().find(|l| l.contains("ssh-keygen -Y verify")) {
        let sig = line.split(" -s ").nth(1).and_then(|r| r.split(" < ").next()).unwrap();
        assert!(Path::new(sig).starts_with(&executed), "sidecar {sig} is not the sealed copy's: {line}");
        assert!(Path::new(sig).is_file(), "{sig}");
    }
    let o = secfw(&[
        "verify-manifest",
        "--manifest",
        s(&executed.join("handoff_manifest.yaml")),
        "--trust",
        s(&trust),
        "--now",
        NOW,
        "--no-git",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // ... and rejected once tampered.
    let findings = executed.join("sec_findings.yaml");
    let orig = std::fs::read_to_string(&findings).unwrap();
    std::fs::write(&findings, orig.replacen("severity: high", "severity: low", 1)).unwrap();
    let o = secfw(&[
        "verify-manifest",
        "--manifest",
        s(&executed.join("handoff_manifest.yaml")),
        "--trust",
        s(&trust),
        "--now",
        NOW,
        "--no-git",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    std::fs::write(&findings, orig).unwrap();

    // Private keys are 0600; the trust policy and keys live outside the sealed workspace.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let private = |dir: &str| -> Vec<PathBuf> {
            std::fs::read_dir(out.join(dir))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "key"))
                .collect()
        };
        for k in private("keys").iter().chain(&private("offline-keys")) {
            assert_eq!(std::fs::metadata(k).unwrap().permissions().mode() & 0o777, 0o600, "{}", k.display());
        }
        // The root key is kept apart: `keys/*.key` is exactly the signers of handoffs.
        let names = |dir: &str| -> Vec<String> {
            let mut v: Vec<String> =
                private(dir).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
            v.sort();
            v
        };
        assert_eq!(names("keys"), ["ciso@acme-pay.example.key", "security-lead@acme-pay.example.key"]);
        assert_eq!(names("offline-keys"), ["root@acme-pay.example.key"]);
    }

    // Running the cycle again changes nothing.
    let before = snapshot(&ws);
    let o = secfw(&["cycle", s(&ws), "--actor", "again", "--trust", s(&trust), "--now", "2026-11-24T10:00:00Z"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("already at IMPROVE"), "{}", text(&o));
    assert_eq!(snapshot(&ws), before, "a second run changes nothing");

    // A demo into a non-empty directory is refused, exit 2.
    assert_eq!(secfw(&["demo", "--out", s(&out)]).status.code(), Some(2));
}

secfw_testkit::interop_test! { [python, ssh_keygen]
    /// The sealed handoff the demo leaves verifies with third-party tools: securesystemslib per
    /// role with thresholds, and stock OpenSSH with the SSHSIG sidecar.
    fn demo_handoff_verifies_with_securesystemslib_and_ssh_keygen() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("demo");
        let o = secfw(&["demo", "--out", s(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let ws = out.join("workspace");
        let trust = out.join("trust.json");
        let executed = std::fs::read_dir(ws.join(".secfw/executed")).unwrap().next().unwrap().unwrap().path();
        // ... and by securesystemslib, a third-party verifier, per role with thresholds.
        {
            let py = secfw_testkit::python().expect("the interop venv (scripts/interop-tools)");
            let script = secfw_testkit::repo_root().join("crates/secfw-seal/tests/interop/verify_sslib.py");
            let o = Command::new(py)
                .arg(script)
                .arg(executed.join("handoff.intoto.json"))
                .arg(&trust)
                .arg(&executed)
                .output()
                .unwrap();
            assert!(o.status.success(), "securesystemslib: {}", text(&o));
        }
        // ... and by stock OpenSSH, with the SSHSIG sidecar the demo wrote.
        {
            let signers = tmp.path().join("allowed_signers");
            let o = secfw(&["trust", "allowed-signers", "--trust", s(&trust)]);
            std::fs::write(&signers, &o.stdout).unwrap();
            let sig = std::fs::read_dir(&ws)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.to_string_lossy().ends_with(".sig"))
                .unwrap();
            let verifies_as = |who: &str| {
                Command::new("ssh-keygen")
                    .args(["-Y", "verify", "-f", s(&signers), "-n", "secfw-handoff-v1@secfw", "-s", s(&sig), "-I", who])
                    .stdin(std::fs::File::open(executed.join("handoff.statement.json")).unwrap())
                    .output()
                    .unwrap()
                    .status
                    .success()
            };
            let (lead, ciso) = (verifies_as("security-lead@acme-pay.example"), verifies_as("ciso@acme-pay.example"));
            assert!(lead ^ ciso, "the sidecar verifies for exactly one signer (lead {lead}, ciso {ciso})");
        }
    }
}

#[test]
fn a_critical_finding_stops_the_cycle_before_packaged_and_writes_the_escalation() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    assert_eq!(secfw(&["init", s(&ws), "--now", NOW]).status.code(), Some(0));
    // Make an open high finding critical: Critical=0 is violated.
    let p = ws.join("sec_findings.yaml");
    let t = std::fs::read_to_string(&p).unwrap();
    assert!(t.contains("    severity: high\n"), "the example has high findings");
    std::fs::write(&p, t.replacen("    severity: high\n", "    severity: critical\n", 1)).unwrap();
    let keys = tmp.path().join("keys");
    let trust = tmp.path().join("trust.json");
    assert_eq!(secfw(&["keygen", "--identity", "lead", "--out", s(&keys)]).status.code(), Some(0));
    assert_eq!(secfw(&["keygen", "--identity", "root", "--out", s(&keys)]).status.code(), Some(0));
    let o = secfw(&[
        "trust",
        "init",
        "--trust",
        s(&trust),
        "--now",
        NOW,
        "--expires",
        "2027-11-24T00:00:00Z",
        "--root-key",
        s(&keys.join("root.pub")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = secfw(&[
        "trust",
        "add-key",
        "--trust",
        s(&trust),
        "--role",
        "prepared_by",
        "--identity",
        "lead",
        s(&keys.join("lead.pub")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = secfw(&["trust", "sign", "--trust", s(&trust), "--key", s(&keys.join("root.key"))]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let o = secfw(&[
        "cycle",
        s(&ws),
        "--actor",
        "ci",
        "--trust",
        s(&trust),
        "--key",
        s(&keys.join("lead.key")),
        "--now",
        NOW,
        "--no-git",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("cycle: PLANNED → READY_FOR_HANDOFF"), "stops before PACKAGED: {t}");
    assert!(t.contains("Critical=0") || t.contains("critical"), "{t}");
    let esc: Vec<PathBuf> =
        std::fs::read_dir(ws.join(".secfw/escalations")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(esc.len(), 1, "one escalation record");
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(&esc[0]).unwrap()).unwrap();
    assert_eq!(rec["escalation"]["rule"], "critical_findings_count");
    assert_eq!(rec["escalation"]["blocks_handoff"], true);
    assert!(!ws.join("handoff_manifest.yaml").exists(), "nothing is sealed while the handoff is blocked");
    let o = secfw(&["status", s(&ws), "--now", NOW, "--format", "json"]);
    let st: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(st["state"], "READY_FOR_HANDOFF");
}

/// Every input file `cycle` is given is checked before anything is recorded: a missing key, a
/// public key given as the private one, a FIFO as the trust policy and a missing report are all
/// refused up front with exit 2, one located diagnostic each, and the event log stays empty.
#[test]
fn cycle_refuses_bad_inputs_before_recording_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    assert_eq!(secfw(&["init", s(&ws), "--now", NOW]).status.code(), Some(0));
    let keys = tmp.path().join("keys");
    assert_eq!(secfw(&["keygen", "--identity", "lead", "--out", s(&keys)]).status.code(), Some(0));
    let fifo = tmp.path().join("trust.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let missing_key = tmp.path().join("nope.key");
    let missing_scan = tmp.path().join("nope.sarif");
    let o = secfw(&[
        "cycle",
        s(&ws),
        "--actor",
        "ci",
        "--now",
        NOW,
        "--no-git",
        "--trust",
        s(&fifo),
        "--key",
        s(&missing_key),
        "--key",
        s(&keys.join("lead.pub")),
        "--scan",
        s(&missing_scan),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    for (code, what) in
        [("LC0201", "nope.key"), ("LC0202", "lead.pub"), ("LC0201", "trust.fifo"), ("LC0201", "nope.sarif")]
    {
        assert!(err.split("\n\n").any(|b| b.contains(code) && b.contains(what)), "{code} for {what}:\n{err}");
    }
    assert!(o.stdout.is_empty(), "refusals go to stderr: {}", String::from_utf8_lossy(&o.stdout));
    assert!(!ws.join(".secfw/events.jsonl").exists(), "nothing recorded");
    // No key and no trust policy at all: refused up front too (the cycle has to seal).
    let o = secfw(&["cycle", s(&ws), "--actor", "ci", "--now", NOW, "--no-git"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("LC0203").count(), 2, "{err}");
    assert!(!ws.join(".secfw/events.jsonl").exists(), "nothing recorded");
}
