//! Issue 11: a package is closed under its signature, restores never leave the workspace, the
//! root of trust comes from outside the verified tree, project and freshness are bound by
//! default, and no read blocks. One named test per attack.

mod common;
use common::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration as StdDuration;

use secfw_seal::{CheckName, SealState};
use secfw_seal::{GenerateOptions, codes, package, record_accepted, restore, unpack};

/// A copy of the genuine package at `pkg` with `extra` entries appended (an attacker who can
/// write the archive but not sign).
fn with_extra(pkg: &Path, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut ar = tar::Archive::new(fs::File::open(pkg).unwrap());
    let mut b = tar::Builder::new(Vec::new());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let mut h = e.header().clone();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        b.append_data(&mut h, &*e.path().unwrap(), data.as_slice()).unwrap();
    }
    for (name, data) in extra {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn codes_of(e: &secfw_seal::Error) -> Vec<secfw_artifacts::Code> {
    e.diagnostics().iter().map(|d| d.code).collect()
}

fn is_empty_dir(p: &Path) -> bool {
    fs::read_dir(p).map_or(true, |mut d| d.next().is_none())
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(st.success());
}

/// Run `f` on a thread; fail (instead of hanging the test run) if it does not return.
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(StdDuration::from_secs(30)).expect("the operation blocked instead of refusing the file")
}

const EXTRAS: [(&str, &[u8]); 5] = [
    (".git/config", b"[core]\n\tfsmonitor = \"touch /tmp/pwned\"\n"),
    ("secfw-trust.json", b"{}"),
    (".secfw/events.jsonl", b"{}\n"),
    ("scans/x.sarif", b"{}"),
    ("evil.sh", b"#!/bin/sh\nrm -rf ~\n"),
];

// ------------------------------------------------------------------ 1. closed under signature

#[test]
fn unpack_refuses_unsigned_extra_entry() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    for (i, (name, data)) in EXTRAS.iter().enumerate() {
        let bad = t.path().join(format!("extra-{i}.tar"));
        fs::write(&bad, with_extra(&p.path, &[(name, data)])).unwrap();
        let target = t.path().join(format!("target-{i}"));
        let e = unpack(&bad, &target, &tp, &uopts()).unwrap_err();
        assert!(codes_of(&e).contains(&codes::PACKAGE_EXTRA_ENTRY), "{name}: {e}");
        assert!(is_empty_dir(&target), "{name}: nothing may be written");
        let e = secfw_seal::verify_package(&bad, &tp, &vopts()).unwrap_err();
        assert!(codes_of(&e).contains(&codes::PACKAGE_EXTRA_ENTRY), "{name}: verify-package too");
    }
}

#[test]
fn rollback_refuses_unsigned_git_config_and_writes_nothing() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let git_config = fs::read(dir.join(".git/config")).unwrap();
    let bad = t.path().join("bad.tar");
    fs::write(&bad, with_extra(&p.path, &EXTRAS)).unwrap();
    let e = restore(&bad, &dir, &tp, &vopts()).unwrap_err();
    assert!(codes_of(&e).contains(&codes::PACKAGE_EXTRA_ENTRY), "{e}");
    assert_eq!(fs::read(dir.join(".git/config")).unwrap(), git_config, ".git/config untouched");
    assert!(!dir.join("evil.sh").exists() && !dir.join("scans/x.sarif").exists());
    assert!(!dir.join("secfw-trust.json").exists());
    assert!(
        fs::read_dir(&dir).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().starts_with(".secfw-restore")),
        "no staging left behind"
    );
}

#[test]
fn unpack_refuses_sidecar_of_an_untrusted_key() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let bad = t.path().join("sidecar.tar");
    fs::write(&bad, with_extra(&p.path, &[("handoff.statement.json.deadbeef.sig", b"x")])).unwrap();
    let e = unpack(&bad, &t.path().join("x"), &tp, &uopts()).unwrap_err();
    assert!(codes_of(&e).contains(&codes::PACKAGE_EXTRA_ENTRY), "{e}");
}

#[test]
fn signed_subject_outside_the_sealed_set_is_refused() {
    for name in [".git/config", "evil.sh", "secfw-trust.json", "scans/x.sarif", "evidence"] {
        let (_t, dir, tp) = sealed(1);
        fs::write(dir.join("zz"), b"").unwrap();
        mutate(&dir, |v| {
            let h = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
            v["subject"].as_array_mut().unwrap().push(serde_json::json!({"name": name, "digest": {"sha256": h}}));
            v["predicate"]["artifacts"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"path": name, "sha256": h, "size": 0}));
        });
        let r = verify(&dir, &tp);
        assert!(r.error_codes().contains(&codes::SEALED_SET), "{name}: {:?}", r.failed_names());
    }
}

// ------------------------------------------------------------------ 2. no write through links

#[test]
fn rollback_never_writes_through_a_symlinked_directory() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let elsewhere = t.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::remove_dir_all(dir.join("evidence")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("evidence")).unwrap();
    let e = restore(&p.path, &dir, &tp, &vopts()).unwrap_err();
    assert!(codes_of(&e).contains(&codes::UNSAFE_WRITE), "{e}");
    assert!(is_empty_dir(&elsewhere), "nothing written outside the workspace");
}

#[test]
fn package_never_writes_through_a_symlinked_secfw_directory() {
    let (t, dir, tp) = sealed(1);
    let elsewhere = t.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join(".secfw")).unwrap();
    assert!(package(&dir, &tp, &vopts()).is_err());
    assert!(is_empty_dir(&elsewhere));
}

#[test]
fn state_file_is_never_written_through_a_symlinked_secfw_directory() {
    let (t, dir, tp) = sealed(1);
    let elsewhere = t.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join(".secfw")).unwrap();
    let r = verify(&dir, &tp);
    assert!(r.passed(), "{:?}", r.failed_names());
    assert!(record_accepted(&dir, &r).is_err());
    assert!(is_empty_dir(&elsewhere));
}

#[test]
fn generate_and_sign_replace_a_planted_symlink_instead_of_following_it() {
    let (t, dir, tp) = sealed(1);
    let victim = t.path().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    for n in ["handoff.intoto.json", "handoff.statement.json", "handoff_manifest.yaml"] {
        fs::remove_file(dir.join(n)).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(n)).unwrap();
    }
    // generate refuses the symlinked statement (it is never read through a link) ...
    assert!(secfw_seal::generate_manifest(&dir, &GenerateOptions::new(now())).is_err());
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    // ... and once it is gone, the other planted links are replaced, never followed.
    fs::remove_file(dir.join("handoff.statement.json")).unwrap();
    secfw_seal::generate_manifest(&dir, &GenerateOptions::new(now())).unwrap();
    sign(&dir, &tp, &prep(), "preparer");
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(!fs::symlink_metadata(dir.join("handoff.intoto.json")).unwrap().file_type().is_symlink());
}

#[test]
fn keygen_never_writes_through_a_planted_symlink() {
    let t = tempfile::tempdir().unwrap();
    let victim = t.path().join("victim");
    fs::write(&victim, b"precious").unwrap();
    let keys = t.path().join("keys");
    fs::create_dir(&keys).unwrap();
    std::os::unix::fs::symlink(&victim, keys.join("alice.key")).unwrap();
    assert!(secfw_seal::write_key_files(&keys, "alice", &prep()).is_err());
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(!keys.join("alice.pub").exists(), "refused before anything is written");
}

// ------------------------------------------------------------------ 3. root of trust source

fn trust_file(dir: &Path, tp: &secfw_seal::TrustPolicy) -> PathBuf {
    write_trust(dir, tp)
}

fn load_anchor(p: Option<&Path>, tree: &Path, pin: Option<&str>) -> Result<secfw_seal::Anchor, secfw_seal::Error> {
    secfw_seal::load_anchor(p, tree, pin, now(), None)
}

#[test]
fn trust_policy_inside_the_verified_tree_is_refused() {
    let (t, dir, tp) = sealed(1);
    let inside = trust_file(&dir, &tp);
    let e = load_anchor(Some(&inside), &dir, None).unwrap_err();
    assert!(codes_of(&e).contains(&codes::TRUST_SOURCE), "{e}");
    // through a link from outside into the tree: still inside
    let link = t.path().join("link.json");
    std::os::unix::fs::symlink(&inside, &link).unwrap();
    assert!(codes_of(&load_anchor(Some(&link), &dir, None).unwrap_err()).contains(&codes::TRUST_SOURCE));
    // no policy at all
    assert!(codes_of(&load_anchor(None, &dir, None).unwrap_err()).contains(&codes::TRUST_SOURCE));
    // outside: accepted, with its digest
    let outside = trust_file(t.path(), &tp);
    let a = load_anchor(Some(&outside), &dir, None).unwrap();
    assert_eq!(a.file_digest, secfw_seal::seal_of(&fs::read(&outside).unwrap()));
    assert_eq!(a.version, 1);
    // inside but pinned by digest: accepted; a wrong pin never is
    assert!(load_anchor(Some(&inside), &dir, Some(&a.file_digest.to_string())).is_ok());
    let wrong = format!("sha256:{}", "0".repeat(64));
    assert!(codes_of(&load_anchor(Some(&outside), &dir, Some(&wrong)).unwrap_err()).contains(&codes::TRUST_SOURCE));
}

// ------------------------------------------------------------------ 4. project and freshness

#[test]
fn verify_refuses_another_projects_manifest_by_default() {
    let (_t, dir) = workspace();
    let tp = trust(1);
    secfw_seal::generate_manifest(&dir, &GenerateOptions::new(now()).project("other-project")).unwrap();
    let mut o = vopts();
    o.any_project = true;
    for (k, id) in [(prep(), "preparer"), (app1(), "approver-1")] {
        secfw_seal::sign_manifest(&manifest(&dir), &tp, &k, &secfw_seal::SignOptions::new(id, o.clone())).unwrap();
    }
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Project), "{:?}", r.failed_names());
    assert!(verify_with(&dir, &tp, &o).passed(), "an explicit --any-project accepts it");
}

#[test]
fn rollback_refuses_another_projects_package_by_default() {
    let (_t, dir, tp) = sealed(1);
    let (_t2, other) = workspace();
    secfw_seal::generate_manifest(&other, &GenerateOptions::new(now()).project("other-project")).unwrap();
    let mut any = vopts();
    any.any_project = true;
    for (k, id) in [(prep(), "preparer"), (app1(), "approver-1")] {
        secfw_seal::sign_manifest(&manifest(&other), &tp, &k, &secfw_seal::SignOptions::new(id, any.clone())).unwrap();
    }
    let foreign = package(&other, &tp, &any).unwrap();
    let before = payload(&dir);
    match restore(&foreign.path, &dir, &tp, &vopts()).unwrap_err() {
        secfw_seal::Error::Verification(r) => assert!(r.failed(CheckName::Project), "{:?}", r.failed_names()),
        e => panic!("{e}"),
    }
    assert_eq!(payload(&dir), before, "nothing restored");
    assert!(restore(&foreign.path, &dir, &tp, &any).is_ok(), "a deliberate cross-project restore");
}

#[test]
fn unpack_refuses_without_a_project_binding() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let e = unpack(&p.path, &t.path().join("x"), &tp, &vopts()).unwrap_err();
    assert!(codes_of(&e).contains(&codes::PROJECT), "{e}");
    let mut o = vopts();
    o.expect_project = Some("other-project".into());
    assert!(matches!(unpack(&p.path, &t.path().join("y"), &tp, &o), Err(secfw_seal::Error::Verification(_))));
}

#[test]
fn verify_refuses_a_manifest_older_than_the_workspace_accepted_by_default() {
    let (_t, dir, tp) = sealed(1);
    let first = package(&dir, &tp, &vopts()).unwrap();
    record_accepted(&dir, &verify(&dir, &tp)).unwrap();
    fs::write(dir.join("evidence/pentest-2026-q3-summary.md"), "revised\n").unwrap();
    git(&dir, &["commit", "-q", "-am", "revise"]);
    generate(&dir);
    sign(&dir, &tp, &prep(), "preparer");
    sign(&dir, &tp, &app1(), "approver-1");
    let r = verify(&dir, &tp);
    assert!(r.passed(), "{:?}", r.failed_names());
    record_accepted(&dir, &r).unwrap();
    assert_eq!(SealState::load_workspace(&dir).unwrap().unwrap().sequence, 2);
    // Replay sequence 1 (a deliberate rollback restores it, but the state still says 2).
    restore(&first.path, &dir, &tp, &vopts()).unwrap();
    let mut o = vopts();
    o.expect_commit = Some("HEAD~1".into());
    let r = verify_with(&dir, &tp, &o);
    assert!(r.failed(CheckName::Sequence), "{:?}", r.failed_names());
    o.workspace_state = false;
    assert!(verify_with(&dir, &tp, &o).passed());
}

// ------------------------------------------------------------------ 5. no blocking reads

#[test]
fn verify_refuses_fifo_seal_files_without_blocking() {
    for name in ["handoff.intoto.json", "handoff.statement.json", "handoff_manifest.yaml"] {
        let (t, dir, tp) = sealed(1);
        fs::remove_file(dir.join(name)).unwrap();
        mkfifo(&dir.join(name));
        let d = dir.clone();
        let r = within(move || verify(&d, &tp));
        assert!(!r.passed(), "{name}");
        assert!(r.error_codes().contains(&codes::SEAL_FILE) || r.error_codes().contains(&codes::ENVELOPE), "{name}");
        drop(t);
    }
}

#[test]
fn state_file_fifo_is_refused_without_blocking() {
    let (_t, dir, tp) = sealed(1);
    fs::create_dir_all(dir.join(".secfw")).unwrap();
    mkfifo(&dir.join(".secfw/seal-state.json"));
    let d = dir;
    let r = within(move || verify(&d, &tp));
    assert!(r.failed(CheckName::Sequence) && r.error_codes().contains(&codes::SEAL_FILE), "{:?}", r.failed_names());
}

#[test]
fn signing_key_from_a_device_or_fifo_is_refused_without_blocking() {
    let e = within(|| secfw_seal::load_signing_key(Path::new("/dev/zero"), true)).unwrap_err();
    assert!(codes_of(&e).contains(&codes::KEY_FORMAT), "{e}");
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("key.fifo");
    mkfifo(&fifo);
    let f = fifo.clone();
    assert!(within(move || secfw_seal::load_signing_key(&f, true)).is_err());
    let f = fifo;
    assert!(within(move || secfw_seal::load_public_key(&f)).is_err());
}

#[test]
fn trust_policy_fifo_or_device_is_refused_without_blocking() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("trust.json");
    mkfifo(&fifo);
    let ws = t.path().join("ws");
    let (f, w) = (fifo, ws.clone());
    let e = within(move || load_anchor(Some(&f), &w, None)).unwrap_err();
    assert!(codes_of(&e).contains(&codes::TRUST_POLICY), "{e}");
    let e = within(move || load_anchor(Some(Path::new("/dev/zero")), &ws, None)).unwrap_err();
    assert!(codes_of(&e).contains(&codes::TRUST_POLICY), "{e}");
}

#[test]
fn package_archive_fifo_is_refused_without_blocking() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("p.tar");
    mkfifo(&fifo);
    let tp = trust(1);
    let (f, target) = (fifo, t.path().join("x"));
    assert!(within(move || unpack(&f, &target, &tp, &uopts())).is_err());
}

// ------------------------------------------------------------------ 6. smaller defects

#[test]
fn private_key_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let t = tempfile::tempdir().unwrap();
    let written = secfw_seal::write_key_files(t.path(), "alice", &prep()).unwrap();
    let key = written.iter().find(|p| p.extension().is_some_and(|e| e == "key")).unwrap();
    assert!(secfw_seal::load_signing_key(key, false).is_ok(), "0600 is fine");
    fs::set_permissions(key, fs::Permissions::from_mode(0o644)).unwrap();
    let e = secfw_seal::load_signing_key(key, false).unwrap_err();
    assert!(codes_of(&e).contains(&codes::KEY_PERMISSIONS), "{e}");
    assert!(secfw_seal::load_signing_key(key, true).is_ok(), "explicit override");
}

#[test]
fn subject_with_an_unverified_extra_digest_algorithm_is_refused() {
    let (_t, dir, tp) = sealed(1);
    mutate(&dir, |v| {
        v["subject"][0]["digest"]["sha512"] = serde_json::json!("0".repeat(128));
    });
    let r = verify(&dir, &tp);
    assert!(r.error_codes().contains(&codes::DIGEST_FORMAT), "{:?}", r.failed_names());
}

#[test]
fn keygen_public_key_files_carry_the_identity() {
    let t = tempfile::tempdir().unwrap();
    secfw_seal::write_key_files(t.path(), "alice@example.org", &prep()).unwrap();
    for f in ["alice@example.org.pub", "alice@example.org.pub.json"] {
        let (k, id) = secfw_seal::load_public_key(&t.path().join(f)).unwrap();
        assert_eq!(k, prep().public());
        assert_eq!(id.as_deref(), Some("alice@example.org"), "{f}");
    }
}

#[test]
fn expected_commit_checks_each_sealed_file_against_its_blob() {
    let (_t, dir) = workspace();
    let tp = trust(1);
    // Sealed from a dirty tree, then a malicious signer claims `dirty: false` for HEAD: commit
    // and tree ids are right, the evidence bytes are not the committed blob.
    fs::write(dir.join("evidence/pentest-2026-q3-summary.md"), "not what was committed\n").unwrap();
    let mut g = GenerateOptions::new(now());
    g.allow_dirty = true;
    secfw_seal::generate_manifest(&dir, &g).unwrap();
    mutate(&dir, |v| v["predicate"]["git"]["dirty"] = serde_json::json!(false));
    let mut o = vopts();
    let r = verify_with(&dir, &tp, &o);
    assert!(!r.failed(CheckName::Git), "without an expected commit only ids are compared");
    o.expect_commit = Some("HEAD".into());
    let r = verify_with(&dir, &tp, &o);
    assert!(r.failed(CheckName::Git), "{:?}", r.failed_names());
    assert!(
        r.check(CheckName::Git).unwrap().diagnostics.iter().any(|d| d.file == "evidence/pentest-2026-q3-summary.md"),
        "names the file"
    );
}
