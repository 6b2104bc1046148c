//! Packages: reproducible archives, verify-before-extract, refusal of unsafe entries, rollback.
#![allow(clippy::many_single_char_names)]

mod common;
use common::*;

use std::fs;
use std::path::Path;

use secfw_seal::{codes, package, restore, unpack};

fn tar_with(entries: &[(&[u8], tar::EntryType, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data) in entries {
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(*kind);
        if *kind == tar::EntryType::Symlink {
            h.set_link_name("/etc/passwd").unwrap();
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn is_empty_dir(p: &Path) -> bool {
    fs::read_dir(p).unwrap().next().is_none()
}

#[test]
fn packages_are_reproducible() {
    let (_t1, d1, tp) = sealed(1);
    let (_t2, d2, _) = sealed(1);
    let p1 = package(&d1, &tp, &vopts()).unwrap();
    let first = fs::read(&p1.path).unwrap();
    fs::remove_file(&p1.path).unwrap();
    let again = package(&d1, &tp, &vopts()).unwrap();
    assert_eq!(fs::read(&again.path).unwrap(), first, "same workspace, same bytes");
    let p2 = package(&d2, &tp, &vopts()).unwrap();
    assert_eq!(fs::read(&p2.path).unwrap(), first, "same inputs elsewhere, same bytes");
    assert!(p1.entries.iter().any(|e| e == "handoff.intoto.json"));
    assert!(p1.path.file_name().unwrap().to_string_lossy().starts_with("handoff-000001-"));
}

#[test]
fn package_refuses_an_unverified_workspace() {
    let (_t, dir, tp) = sealed(1);
    fs::write(dir.join("evidence/pentest-2026-q3-summary.md"), "changed").unwrap();
    let e = package(&dir, &tp, &vopts()).unwrap_err();
    assert!(matches!(e, secfw_seal::Error::Verification(_)), "{e}");
}

#[test]
fn unpack_verifies_then_extracts() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let target = t.path().join("exec");
    let r = unpack(&p.path, &target, &tp, &uopts()).unwrap();
    assert!(r.passed());
    assert_eq!(fs::read(target.join("sec_findings.yaml")).unwrap(), fs::read(dir.join("sec_findings.yaml")).unwrap());
    assert!(
        verify_with(&target, &tp, &{
            let mut o = vopts();
            o.git_repository = false;
            o
        })
        .passed()
    );
    // a non-empty target is refused
    let e = unpack(&p.path, &target, &tp, &uopts()).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.code == codes::PACKAGE_TARGET));
    // the archive's verification is exposed on its own too
    assert!(secfw_seal::verify_package(&p.path, &tp, &vopts()).unwrap().passed());
}

#[test]
fn unpack_refuses_traversal_links_and_tampering_before_writing_anything() {
    let t = tempfile::tempdir().unwrap();
    let tp = trust(1);
    for (what, bytes) in [
        ("dotdot", tar_with(&[(b"../evil", tar::EntryType::Regular, b"x")])),
        ("absolute", tar_with(&[(b"/tmp/evil", tar::EntryType::Regular, b"x")])),
        ("symlink", tar_with(&[(b"rulebook.yaml", tar::EntryType::Symlink, b"")])),
        ("dir", tar_with(&[(b"evidence", tar::EntryType::Directory, b"")])),
        ("duplicate", tar_with(&[(b"a", tar::EntryType::Regular, b"1"), (b"A", tar::EntryType::Regular, b"2")])),
        ("garbage", b"not a tar archive at all, just some bytes".repeat(20)),
    ] {
        let archive = t.path().join(format!("{what}.tar"));
        fs::write(&archive, bytes).unwrap();
        let target = t.path().join(format!("target-{what}"));
        let e = unpack(&archive, &target, &tp, &uopts()).unwrap_err();
        assert!(e.diagnostics().iter().any(|d| d.code == codes::PACKAGE_FORMAT), "{what}: {e}");
        assert!(is_empty_dir(&target), "{what}: nothing may be extracted");
        assert!(!t.path().join("evil").exists());
    }
    // a genuine package with one byte of evidence changed
    let (t2, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let mut b = fs::read(&p.path).unwrap();
    let needle = b"Penetration";
    let at = b.windows(needle.len()).position(|w| w == needle).expect("evidence text in the archive");
    b[at] ^= 0x20;
    let bad = t2.path().join("bad.tar");
    fs::write(&bad, b).unwrap();
    let target = t2.path().join("exec");
    let e = unpack(&bad, &target, &tp, &uopts()).unwrap_err();
    match e {
        secfw_seal::Error::Verification(r) => assert!(r.error_codes().contains(&codes::FILE_CHANGED)),
        other => panic!("{other}"),
    }
    assert!(is_empty_dir(&target));
}

/// Entries hidden after the end-of-archive marker: a reader that stops at the marker (this
/// one, and `tar` by default) never sees them, `tar --ignore-zeros` extracts them. They are not
/// covered by the signature, so the whole package is refused, before anything is written, by
/// unpack and by the EXECUTED criterion's verification. Zero padding after the marker (as `tar`
/// writes to fill a record) is accepted.
#[test]
fn entries_hidden_after_the_end_of_archive_marker_refuse_the_package() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let genuine = fs::read(&p.path).unwrap();
    assert!(genuine.ends_with(&[0; 1024]), "a package ends with two zero blocks");
    let mut hidden = genuine.clone();
    hidden.extend(tar_with(&[(b"evil.sh", tar::EntryType::Regular, b"#!/bin/sh\n")]));
    let mut garbage = genuine.clone();
    garbage.extend(b"trailing bytes");
    for (what, bytes) in [("hidden entry", hidden), ("trailing garbage", garbage)] {
        let archive = t.path().join("attack.tar");
        fs::write(&archive, &bytes).unwrap();
        let target = t.path().join("exec-attack");
        let e = unpack(&archive, &target, &tp, &uopts()).unwrap_err();
        assert!(e.diagnostics().iter().any(|d| d.code == codes::PACKAGE_EXTRA_ENTRY), "{what}: {e}");
        assert!(is_empty_dir(&target), "{what}: nothing may be extracted");
        fs::remove_dir(&target).unwrap();
        assert!(secfw_seal::verify_package(&archive, &tp, &vopts()).is_err(), "{what}: EXECUTED refuses it too");
    }
    let mut padded = genuine;
    padded.extend([0; 10240]);
    let archive = t.path().join("padded.tar");
    fs::write(&archive, &padded).unwrap();
    let r = unpack(&archive, &t.path().join("exec-padded"), &tp, &uopts()).unwrap();
    assert!(r.passed(), "zero padding after the marker is not an entry");
}

#[test]
fn rollback_restores_a_previous_package() {
    let (_t, dir, tp) = sealed(1);
    let ev = dir.join("evidence/pentest-2026-q3-summary.md");
    let original = fs::read(&ev).unwrap();
    let first = package(&dir, &tp, &vopts()).unwrap();
    fs::write(&ev, "revised summary\n").unwrap();
    git(&dir, &["commit", "-q", "-am", "revise evidence"]);
    generate(&dir);
    sign(&dir, &tp, &prep(), "preparer");
    sign(&dir, &tp, &app1(), "approver-1");
    package(&dir, &tp, &vopts()).unwrap();
    assert_eq!(secfw_seal::list_packages(&dir).len(), 2);
    let r = restore(&first.path, &dir, &tp, &vopts()).unwrap();
    assert!(r.passed());
    assert_eq!(fs::read(&ev).unwrap(), original);
    assert_eq!(secfw_seal::seal_of(&payload(&dir)), first.seal);
    let mut o = vopts();
    o.expect_commit = Some("HEAD~1".into());
    assert!(verify_with(&dir, &tp, &o).passed(), "the restored workspace verifies as sealed");
}
