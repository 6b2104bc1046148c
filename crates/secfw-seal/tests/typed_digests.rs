//! Typed digests on the wire: every SHA-256 value the seal reads back from a file is a
//! `Sha256Digest` or a `Seal`, written as the same hex text as before and refused, with a stable
//! code and its place, when a producer (or an attacker) writes it any other way: upper-case hex,
//! 63 or 65 characters, a character that is not hex, a trailing newline, a missing prefix.

mod common;
use common::*;

use secfw_artifacts::{Seal, Sha256Digest};
use secfw_seal::statement::Statement;
use secfw_seal::{CheckName, TrustPin, codes};
use serde_json::json;

/// Every malformed spelling of a 64-hex digest a careless producer or an attacker would write.
fn bad_hex() -> Vec<(&'static str, String)> {
    vec![
        ("upper case", "A".repeat(64)),
        ("one upper-case character", format!("{}F", "a".repeat(63))),
        ("63 characters", "a".repeat(63)),
        ("65 characters", "a".repeat(65)),
        ("a non-hex character", format!("{}g", "a".repeat(63))),
        ("a trailing newline", format!("{}\n", "a".repeat(64))),
        ("a leading space", format!(" {}", "a".repeat(63))),
        ("empty", String::new()),
    ]
}

/// A bad `predicate.artifacts[].sha256` (with the subject carrying the same text, so only the
/// typed field is wrong) is refused as a digest-format problem naming the field.
#[test]
fn a_malformed_artifact_sha256_in_the_statement_is_refused_with_its_place() {
    for (what, bad) in bad_hex() {
        let (_t, dir, tp) = sealed(1);
        mutate(&dir, |v| {
            v["predicate"]["artifacts"][0]["sha256"] = json!(bad);
            v["subject"][0]["digest"]["sha256"] = json!(bad);
        });
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::Statement), "{what}: {:?}", r.failed_names());
        assert!(r.error_codes().contains(&codes::DIGEST_FORMAT), "{what}: {:?}", r.error_codes());
        let found = r.diagnostics().iter().any(|d| d.message.contains("predicate.artifacts[0].sha256"));
        assert!(found, "{what}: {:?}", r.diagnostics());
        let problems = Statement::parse_payload(&payload(&dir)).unwrap_err();
        assert!(problems.iter().all(|(c, _)| *c == codes::DIGEST_FORMAT), "{what}: {problems:?}");
    }
}

/// A bad `predicate.previousSeal` is refused as a chain problem naming the field.
#[test]
fn a_malformed_previous_seal_in_the_statement_is_refused_with_its_place() {
    let mut cases: Vec<(&str, String)> =
        bad_hex().into_iter().map(|(what, hex)| (what, format!("sha256:{hex}"))).collect();
    cases.push(("no prefix", "a".repeat(64)));
    cases.push(("an upper-case prefix", format!("SHA256:{}", "a".repeat(64))));
    cases.push(("another algorithm", format!("sha512:{}", "a".repeat(64))));
    cases.push(("a trailing newline after the seal", format!("sha256:{}\n", "a".repeat(64))));
    for (what, bad) in cases {
        let (_t, dir, tp) = sealed(1);
        mutate(&dir, |v| v["predicate"]["previousSeal"] = json!(bad));
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::Statement), "{what}: {:?}", r.failed_names());
        assert!(r.error_codes().contains(&codes::CHAIN), "{what}: {:?}", r.error_codes());
        let found = r.diagnostics().iter().any(|d| d.message.contains("predicate.previousSeal"));
        assert!(found, "{what}: {:?}", r.diagnostics());
    }
}

/// The statement keeps its bytes: the typed fields serialize as the hex text they replaced.
#[test]
fn a_sealed_statement_reads_and_writes_the_same_bytes() {
    let (_t, dir, _tp) = sealed(1);
    let bytes = payload(&dir);
    let st = Statement::parse_payload(&bytes).unwrap();
    assert_eq!(st.to_payload().unwrap(), bytes);
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let hex = v["predicate"]["artifacts"][0]["sha256"].as_str().unwrap();
    assert_eq!(st.predicate.artifacts[0].sha256.to_hex(), hex);
    assert_eq!(st.digest_of(&st.predicate.artifacts[0].path), Some(&Sha256Digest::parse(hex).unwrap()));
}

fn write_pin(dir: &std::path::Path, text: &str) {
    std::fs::create_dir_all(dir.join(".secfw")).unwrap();
    std::fs::write(dir.join(secfw_seal::names::TRUST_STATE), text).unwrap();
}

/// `.secfw/trust-state.json`: a malformed digest is a located `SL0123` refusal, from the
/// loader and from every operation that loads a root of trust through the pin; never a panic,
/// never "no pin".
#[test]
fn a_malformed_trust_pin_digest_is_a_located_refusal() {
    let mut cases: Vec<(&str, String)> =
        bad_hex().into_iter().map(|(what, hex)| (what, format!("sha256:{hex}"))).collect();
    cases.push(("no prefix", "a".repeat(64)));
    for (what, bad) in cases {
        let (_t, dir) = workspace();
        let text = format!("{{\n  \"version\": 3,\n  \"digest\": {}\n}}\n", json!(bad));
        write_pin(&dir, &text);
        let d = TrustPin::load_workspace(&dir).unwrap_err();
        assert_eq!(d.code, codes::SEAL_FILE, "{what}: {d:?}");
        assert_eq!(d.file, secfw_seal::names::TRUST_STATE);
        // At the first bad character of the value (`  "digest": "` is 13 characters).
        let first_bad =
            bad.char_indices().zip("sha256:".chars().chain(std::iter::repeat('a'))).find(|((_, c), ok)| c != ok);
        let col = 14 + first_bad.map_or(bad.len().min(7 + 64), |((i, _), _)| i);
        assert_eq!((d.line, d.column), (Some(3), Some(u32::try_from(col).unwrap())), "{what}: {d:?}");
        assert!(d.message.contains("not a seal"), "{what}: {}", d.message);
        let e = secfw_seal::load_pinned_anchor(None, &dir, None, now(), Some(&dir)).unwrap_err();
        assert!(e.diagnostics().iter().any(|d| d.code == codes::SEAL_FILE), "{what}: {e}");
    }
}

/// A pin secfw wrote reads back as the same value and is written as the same text.
#[test]
fn a_trust_pin_round_trips_as_the_same_text() {
    let (_t, dir) = workspace();
    let seal = Seal::of(b"policy payload");
    TrustPin { version: 2, digest: seal }.raise_workspace(&dir).unwrap();
    let text = std::fs::read_to_string(dir.join(secfw_seal::names::TRUST_STATE)).unwrap();
    assert_eq!(text, format!("{{\n  \"version\": 2,\n  \"digest\": \"{seal}\"\n}}\n"));
    assert_eq!(TrustPin::load_workspace(&dir).unwrap(), Some(TrustPin { version: 2, digest: seal }));
}
