//! The DSSE envelope is exactly what secfw writes for its verified signatures, or it is
//! refused: signatures cover the payload, never the envelope, so anything else in the file is
//! content no one signed that `unpack` / `rollback` would write and another DSSE reader might
//! read differently. Each attack is refused by `verify-manifest` in a workspace and, inside a
//! package, by `unpack`, `verify-package` and `rollback` before a byte is written. The
//! controls (a normal package, a 2-of-2 approval) still pass, byte for byte.

mod common;
use common::*;

use std::fs;
use std::path::Path;

use secfw_artifacts::Code;
use secfw_seal::dsse::{b64_decode, b64_encode, pae};
use secfw_seal::{
    CheckName, Envelope, SignOptions, SigningRole, TrustPolicy, codes, package, restore, sign_manifest, unpack,
};

const ENV: &str = "handoff.intoto.json";

fn env_text(dir: &Path) -> String {
    fs::read_to_string(dir.join(ENV)).unwrap()
}

fn codes_of(e: &secfw_seal::Error) -> Vec<Code> {
    e.diagnostics().iter().map(|d| d.code).collect()
}

fn is_empty_dir(p: &Path) -> bool {
    fs::read_dir(p).map_or(true, |mut d| d.next().is_none())
}

/// A pretty signature object as secfw lays it out inside `signatures`.
fn sig_object(keyid: &str, sig: &str) -> String {
    format!("    {{\n      \"keyid\": \"{keyid}\",\n      \"sig\": \"{sig}\"\n    }}")
}

/// `text` with one more signature object appended (layout kept exactly as secfw's).
fn with_signature(text: &str, obj: &str) -> String {
    let (head, tail) = text.rsplit_once("\n    }\n  ]\n}\n").unwrap();
    assert!(tail.is_empty());
    format!("{head}\n    }},\n{obj}\n  ]\n}}\n")
}

/// The edits of an attacker who can write the envelope but not sign, each with the code it
/// must be refused with. Every one keeps a payload and signatures that verify for secfw's
/// reader, so only the envelope rule stands between it and "verified and unpacked".
fn attacks(dir: &Path) -> Vec<(&'static str, String, Code)> {
    let text = env_text(dir);
    let body = payload(dir);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sig0 = v["signatures"][0]["sig"].as_str().unwrap().to_owned();
    let keyid0 = v["signatures"][0]["keyid"].as_str().unwrap().to_owned();
    let keyid1 = v["signatures"][1]["keyid"].as_str().unwrap().to_owned();
    let mallory = key(50);
    let mallory_sig = b64_encode(&mallory.sign(&pae(secfw_seal::PAYLOAD_TYPE, &body)));
    let top_level_note = {
        let (head, _) = text.rsplit_once("\n}\n").unwrap();
        format!("{head},\n  \"note\": \"approved by CISO\"\n}}\n")
    };
    vec![
        ("extra top-level key", top_level_note, codes::ENVELOPE),
        (
            "bogus extra signature",
            with_signature(&text, &sig_object("deadbeef", &b64_encode(&[7u8; 64]))),
            codes::SIGNATURE,
        ),
        (
            "bogus extra signature labelled with a trusted keyid",
            with_signature(&text, &sig_object(&keyid1, &b64_encode(&[7u8; 64]))),
            codes::SIGNATURE,
        ),
        (
            "duplicate payload before the real one",
            text.replacen("{\n  \"payload\"", "{\n  \"payload\": \"e30=\",\n  \"payload\"", 1),
            codes::ENVELOPE,
        ),
        (
            "duplicate sig nested in a signature",
            text.replacen(
                &format!("\"sig\": \"{sig0}\""),
                &format!("\"sig\": \"AAAA\",\n      \"sig\": \"{sig0}\""),
                1,
            ),
            codes::ENVELOPE,
        ),
        (
            "duplicate keyid nested in a signature",
            text.replacen(
                &format!("\"keyid\": \"{keyid0}\""),
                &format!("\"keyid\": \"{}\",\n      \"keyid\": \"{keyid0}\"", "0".repeat(64)),
                1,
            ),
            codes::ENVELOPE,
        ),
        (
            "unknown field inside a signature",
            text.replacen(&format!("\"sig\": \"{sig0}\""), &format!("\"note\": \"x\",\n      \"sig\": \"{sig0}\""), 1),
            codes::ENVELOPE,
        ),
        (
            "valid signature by a key outside the trust policy",
            with_signature(&text, &sig_object(&mallory.public().keyid(), &mallory_sig)),
            codes::SIGNATURE,
        ),
        (
            "relabelled signature",
            text.replacen(&format!("\"keyid\": \"{keyid0}\""), &format!("\"keyid\": \"{keyid1}\""), 1),
            codes::SIGNATURE,
        ),
        ("repeated signature", with_signature(&text, &sig_object(&keyid0, &sig0)), codes::DUPLICATE_SIGNATURE),
        (
            "signature without keyid",
            text.replacen(&format!("\"keyid\": \"{keyid0}\",\n      "), "", 1),
            codes::ENVELOPE,
        ),
        ("compact layout", String::from_utf8(serde_json::to_vec(&v).unwrap()).unwrap() + "\n", codes::ENVELOPE),
        ("no final newline", text.trim_end().to_owned(), codes::ENVELOPE),
        ("CRLF line ends", text.replace('\n', "\r\n"), codes::ENVELOPE),
        (
            "escaped keyid",
            text.replacen(
                &format!("\"{keyid0}\""),
                &format!("\"\\u{:04x}{}\"", keyid0.as_bytes()[0], keyid0.get(1..).unwrap()),
                1,
            ),
            codes::ENVELOPE,
        ),
        ("unpadded signature", text.replacen(&sig0, sig0.trim_end_matches('='), 1), codes::ENVELOPE),
    ]
}

/// The attack is real: secfw's own reader takes the edited file for an envelope over the
/// workspace's statement, signed by the preparer and approver-1 (what made `unpack` say
/// "verified and unpacked").
fn reads_as_signed(text: &str, dir: &Path) -> bool {
    let Ok(env) = Envelope::parse(text.as_bytes()) else { return false };
    let body = payload(dir);
    let msg = pae(&env.payload_type, &body);
    let signed_by = |k: &secfw_seal::SigningKey| {
        env.signatures.iter().any(|s| b64_decode(&s.sig).is_ok_and(|raw| k.public().verify(&msg, &raw)))
    };
    b64_decode(&env.payload).is_ok_and(|b| b == body) && signed_by(&prep()) && signed_by(&app1())
}

#[test]
fn every_envelope_edit_is_refused_by_verify_manifest_with_a_located_error_and_a_hint() {
    let (_t, dir, tp) = sealed(1);
    let good = env_text(&dir);
    for (what, text, code) in attacks(&dir) {
        assert_ne!(text, good, "{what}: the edit must change the file");
        assert!(reads_as_signed(&text, &dir), "{what}: not an attack on secfw's reader");
        fs::write(dir.join(ENV), &text).unwrap();
        let r = verify(&dir, &tp);
        assert_eq!(r.failed_names(), vec!["envelope"], "{what}: only the envelope rule may catch it");
        let c = r.check(CheckName::Envelope).unwrap();
        let d = c.diagnostics.iter().find(|d| d.code == code).unwrap_or_else(|| panic!("{what}: {c:?}"));
        assert!(d.is_error() && d.file == ENV, "{what}: {d:?}");
        assert!(d.hint.as_deref().is_some_and(|h| h.contains("secfw sign-manifest")), "{what}: {d:?}");
        // sign-manifest refuses to add to it (it would re-serialize and launder it) and
        // leaves the file as it was.
        let e = sign_manifest(&manifest(&dir), &tp, &app2(), &SignOptions::new("approver-2", vopts())).unwrap_err();
        assert!(matches!(e, secfw_seal::Error::Verification(_)), "{what}: {e}");
        assert_eq!(env_text(&dir), text, "{what}: sign-manifest rewrote the envelope");
    }
    fs::write(dir.join(ENV), &good).unwrap();
    assert!(verify(&dir, &tp).passed(), "the restored original verifies");
}

#[test]
fn duplicate_keys_are_located_at_the_repeated_key() {
    let (_t, dir, tp) = sealed(1);
    let text = env_text(&dir).replacen("{\n  \"payload\"", "{\n  \"payload\": \"e30=\",\n  \"payload\"", 1);
    fs::write(dir.join(ENV), &text).unwrap();
    let r = verify(&dir, &tp);
    let d = r.check(CheckName::Envelope).unwrap().diagnostics.iter().find(|d| d.is_error()).cloned().unwrap();
    assert!(d.message.contains("duplicate key `payload`"), "{d:?}");
    assert_eq!(d.pos().map(|p| p.line), Some(3), "{d:?}");
    // Nested: the second `sig` of signatures[0] is on line 8.
    let (_t2, dir2, _) = sealed(1);
    let good = env_text(&dir2);
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let sig0 = v["signatures"][0]["sig"].as_str().unwrap();
    fs::write(dir2.join(ENV), good.replacen("\"sig\"", &format!("\"sig\": \"{sig0}\",\n      \"sig\""), 1)).unwrap();
    let r = verify(&dir2, &tp);
    let d = r.check(CheckName::Envelope).unwrap().diagnostics.iter().find(|d| d.is_error()).cloned().unwrap();
    assert!(d.message.contains("duplicate key `sig`"), "{d:?}");
    assert_eq!(d.pos().map(|p| p.line), Some(8), "{d:?}");
}

/// `bytes` as the envelope entry of the package at `pkg`, everything else unchanged.
fn with_envelope(pkg: &Path, bytes: &[u8]) -> Vec<u8> {
    let mut ar = tar::Archive::new(fs::File::open(pkg).unwrap());
    let mut b = tar::Builder::new(Vec::new());
    let mut replaced = false;
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        if name == ENV {
            data = bytes.to_vec();
            replaced = true;
        }
        let mut h = e.header().clone();
        h.set_size(data.len() as u64);
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    assert!(replaced);
    b.into_inner().unwrap()
}

#[test]
fn every_envelope_edit_in_a_package_is_refused_by_unpack_verify_package_and_rollback_before_writing() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let ws_env = fs::read(dir.join(ENV)).unwrap();
    let ws_statement = payload(&dir);
    for (i, (what, text, code)) in attacks(&dir).into_iter().enumerate() {
        let file = t.path().join(format!("attack-{i}.tar"));
        fs::write(&file, with_envelope(&p.path, text.as_bytes())).unwrap();
        // unpack: refused from the scanned envelope bytes, before extraction; target empty.
        let target = t.path().join(format!("out-{i}"));
        let e = unpack(&file, &target, &tp, &uopts()).unwrap_err();
        assert!(codes_of(&e).contains(&code), "{what}: unpack: {e}");
        assert!(matches!(e, secfw_seal::Error::Rejected(_)), "{what}: refused only after extraction: {e:?}");
        let diags = e.diagnostics();
        let d = diags.iter().find(|d| d.code == code).unwrap();
        assert!(d.message.contains(ENV) && d.message.contains("whole package is refused"), "{what}: {d:?}");
        assert!(d.hint.as_deref().is_some_and(|h| h.contains("nothing was written")), "{what}: {d:?}");
        assert!(is_empty_dir(&target), "{what}: unpack wrote something");
        // verify-package
        let e = secfw_seal::verify_package(&file, &tp, &vopts()).unwrap_err();
        assert!(codes_of(&e).contains(&code), "{what}: verify-package: {e}");
        // rollback: the workspace keeps its envelope and statement, no staging left behind.
        let e = restore(&file, &dir, &tp, &vopts()).unwrap_err();
        assert!(codes_of(&e).contains(&code), "{what}: rollback: {e}");
        assert_eq!(fs::read(dir.join(ENV)).unwrap(), ws_env, "{what}: rollback changed the envelope");
        assert_eq!(payload(&dir), ws_statement, "{what}: rollback changed the statement");
        assert!(
            fs::read_dir(&dir).unwrap().flatten().all(|e| !e.file_name().to_string_lossy().starts_with(".secfw-")),
            "{what}: staging left behind"
        );
    }
    // The control: the untouched package rewritten the same way (same envelope bytes) unpacks.
    let same = t.path().join("same.tar");
    fs::write(&same, with_envelope(&p.path, &ws_env)).unwrap();
    unpack(&same, &t.path().join("out-same"), &tp, &uopts()).unwrap();
}

#[test]
fn control_a_normal_package_unpacks_verifies_and_rolls_back_with_the_envelope_byte_for_byte() {
    let (t, dir, tp) = sealed(1);
    let p = package(&dir, &tp, &vopts()).unwrap();
    let original = fs::read(dir.join(ENV)).unwrap();
    let env = Envelope::parse(&original).unwrap();
    assert_eq!(env.to_json(), original, "secfw writes its envelope in its own exact form");
    let target = t.path().join("out");
    assert!(unpack(&p.path, &target, &tp, &uopts()).unwrap().passed());
    assert_eq!(fs::read(target.join(ENV)).unwrap(), original);
    assert!(secfw_seal::verify_package(&p.path, &tp, &vopts()).unwrap().passed());
    assert!(restore(&p.path, &dir, &tp, &vopts()).unwrap().passed());
    assert_eq!(fs::read(dir.join(ENV)).unwrap(), original);
    let r = verify(&dir, &tp);
    assert!(r.passed(), "{:?}", r.failed_names());
    assert!(r.check(CheckName::Envelope).unwrap().detail.contains("exactly as secfw writes"));
}

#[test]
fn control_multi_signer_thresholds_pass_and_a_draft_envelope_is_exact() {
    // 2-of-2 approvers plus the preparer: three signatures, all exact.
    let (t, dir, tp) = sealed(2);
    let r = verify(&dir, &tp);
    assert!(r.passed(), "{:?}", r.failed_names());
    assert_eq!(r.accepted_keyids.len(), 3);
    let p = package(&dir, &tp, &vopts()).unwrap();
    assert!(unpack(&p.path, &t.path().join("out"), &tp, &uopts()).unwrap().passed());
    // A draft from generate-manifest is exact: only "no signatures" keeps it from verifying.
    let (_t2, dir2) = workspace();
    generate(&dir2);
    let r = verify(&dir2, &tp);
    let c = r.check(CheckName::Envelope).unwrap();
    assert_eq!(c.diagnostics.len(), 1, "{c:?}");
    assert!(c.diagnostics[0].message.contains("no signatures"));
}

#[test]
fn a_signature_by_a_key_the_policy_no_longer_lists_refuses_the_envelope() {
    // Signed by the preparer and both approvers (threshold 1); then approver-2 leaves the
    // policy. The remaining signatures meet the thresholds, but approver-2's can no longer be
    // verified: it is unsigned content to this verifier, so the envelope is refused (the YAML
    // view, which lists approver-2 among the signers, fails too).
    let (t, dir, _) = sealed(2);
    let mut tp = TrustPolicy::new(now() + chrono::Duration::days(365));
    tp.add_key(SigningRole::PreparedBy, prep().public(), "preparer").unwrap();
    tp.add_key(SigningRole::ApprovedBy, app1().public(), "approver-1").unwrap();
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Envelope), "{:?}", r.failed_names());
    assert!(r.check(CheckName::Thresholds).unwrap().passed);
    let d = r.check(CheckName::Envelope).unwrap().diagnostics.iter().find(|d| d.is_error()).cloned().unwrap();
    assert_eq!(d.code, codes::SIGNATURE);
    assert!(d.message.contains(&app2().public().keyid()), "{d:?}");
    let p = package(&dir, &trust(2), &vopts()).unwrap();
    let target = t.path().join("out");
    assert!(codes_of(&unpack(&p.path, &target, &tp, &uopts()).unwrap_err()).contains(&codes::SIGNATURE));
    assert!(is_empty_dir(&target));
}
