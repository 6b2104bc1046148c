//! Replays every file of `fuzz/corpus/seal_*/` through the seal fuzz targets' entry points
//! (`secfw_workgen::fuzz_seal`) on stable Rust: no input may panic, and the seeds written for a
//! defence are refused for that reason. `SECFW_BLESS=1` regenerates the generated seeds.

mod common;
use common::*;

use std::path::{Path, PathBuf};

use secfw_workgen::fuzz_seal::{SealTarget, run};

fn corpus_dir(t: SealTarget) -> PathBuf {
    secfw_testkit::repo_root().join("fuzz/corpus").join(t.name())
}

fn corpus_files(t: SealTarget) -> Vec<PathBuf> {
    let dir = corpus_dir(t);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(t: SealTarget, path: &Path) -> Result<Result<String, String>, String> {
    let data = std::fs::read(path).unwrap();
    std::panic::catch_unwind(|| run(t, &data)).map_err(|_| format!("{t}: {} panicked", path.display()))
}

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn with_extra(pkg: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut ar = tar::Archive::new(pkg);
    let mut b = tar::Builder::new(Vec::new());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let mut h = e.header().clone();
        let mut d = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut d).unwrap();
        b.append_data(&mut h, &*e.path().unwrap(), d.as_slice()).unwrap();
    }
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, name, data).unwrap();
    b.into_inner().unwrap()
}

/// The generated seeds: genuine artifacts of the fixture keys and attacks on them.
fn generated() -> Vec<(SealTarget, &'static str, Vec<u8>)> {
    let (_t, dir, tp) = sealed(1);
    let env = std::fs::read(dir.join("handoff.intoto.json")).unwrap();
    let pkg = std::fs::read(secfw_seal::package(&dir, &tp, &vopts()).unwrap().path).unwrap();
    let chain = signed_chain(&tp);
    let mut rotated = chain.clone();
    rotated.edit(|p| p.add_root_key(key(10).public(), "new-root")).unwrap();
    let mut half = rotated.clone();
    half.sign(&key(10)).unwrap();
    rotated.sign(&key(10)).unwrap();
    rotated.sign(&root_key()).unwrap();
    let mut env_extra_digest: serde_json::Value = serde_json::from_slice(&env).unwrap();
    let mut body: serde_json::Value = serde_json::from_slice(&payload(&dir)).unwrap();
    body["subject"][0]["digest"]["sha512"] = serde_json::json!("0".repeat(128));
    env_extra_digest["payload"] =
        serde_json::json!(secfw_seal::dsse::b64_encode(&secfw_seal::jcs::to_vec(&body).unwrap()));
    vec![
        (SealTarget::Envelope, "generated.json", env),
        (SealTarget::Envelope, "extra_digest.json", serde_json::to_vec_pretty(&env_extra_digest).unwrap()),
        (SealTarget::TrustChain, "generated.json", chain.to_json()),
        (SealTarget::TrustChain, "rotated.json", rotated.to_json()),
        (SealTarget::TrustChain, "rotation_new_root_only.json", half.to_json()),
        (SealTarget::TrustChain, "legacy_unsigned.json", tp.to_json()),
        (SealTarget::Package, "generated.tar", pkg.clone()),
        (SealTarget::Package, "extra_git_config.tar", with_extra(&pkg, ".git/config", b"[core]\n\tfsmonitor = x\n")),
        (SealTarget::Package, "extra_evil_sh.tar", with_extra(&pkg, "evil.sh", b"#!/bin/sh\n")),
        (SealTarget::Package, "traversal.tar", {
            let mut t = tar_of(&[("aaaaaaaaaaa", b"x")]);
            t[..11].copy_from_slice(b"../../evil\0");
            t
        }),
        (SealTarget::Package, "no_envelope.tar", tar_of(&[("rulebook.yaml", b"project: x\n")])),
    ]
}

#[test]
fn seal_corpora_replay_without_panic() {
    if std::env::var_os("SECFW_BLESS").is_some() {
        for (t, name, bytes) in generated() {
            std::fs::create_dir_all(corpus_dir(t)).unwrap();
            std::fs::write(corpus_dir(t).join(name), bytes).unwrap();
        }
    }
    let mut failures = Vec::new();
    for t in SealTarget::ALL {
        let files = corpus_files(t);
        assert!(files.len() >= 5, "{t}: corpus has only {} files", files.len());
        for f in files {
            if let Err(e) = replay(t, &f) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The genuine seeds are accepted and the attack seeds refused for their reason, so the corpus
/// keeps exercising the defences it was written for.
#[test]
fn seal_seeds_are_accepted_or_refused_for_their_reason() {
    let expect: &[(SealTarget, &str, Option<&str>)] = &[
        (SealTarget::Envelope, "generated.json", None),
        (SealTarget::Envelope, "extra_digest.json", Some("SL0109")),
        (SealTarget::Envelope, "not_json.json", Some("not valid JSON")),
        (SealTarget::TrustChain, "generated.json", None),
        (SealTarget::TrustChain, "rotated.json", None),
        (SealTarget::TrustChain, "rotation_new_root_only.json", Some("previous root 0/1")),
        (SealTarget::TrustChain, "legacy_unsigned.json", Some("unsigned")),
        (SealTarget::Package, "generated.tar", None),
        (SealTarget::Package, "extra_git_config.tar", Some("SL0303")),
        (SealTarget::Package, "extra_evil_sh.tar", Some("SL0303")),
        (SealTarget::Package, "traversal.tar", Some("SL0301")),
        (SealTarget::Package, "no_envelope.tar", Some("SL0301")),
    ];
    let mut wrong = Vec::new();
    for (t, name, want) in expect {
        let got = replay(*t, &corpus_dir(*t).join(name)).unwrap();
        match (want, &got) {
            (None, Ok(_)) => {}
            (Some(w), Err(m)) if m.contains(w) => {}
            _ => wrong.push(format!("{t}/{name}: want {want:?}, got {got:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
