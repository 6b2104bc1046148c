//! The adversarial cases of research/sealing.md §6.4, one named test each (cases 1–31 and 36's
//! pure-Rust part; the third-party tool cases 32–37 are in `interop.rs`; case 28 is the unit
//! test `files::tests::case28_toctou_swap_between_check_and_open_is_rejected`).

mod common;
use common::*;

use std::fs;

use secfw_seal::codes;
use secfw_seal::dsse::{b64_decode, b64_encode, pae};
use secfw_seal::{CheckName, SealState};
use secfw_seal::{PublicKey, SigningKey};
use secfw_seal::{SigningRole, TrustPolicy};
use serde_json::json;

type Edit = Box<dyn Fn(&mut Vec<u8>)>;
type Mutation = Box<dyn Fn(&mut serde_json::Value)>;

fn sig_bytes(dir: &std::path::Path, i: usize) -> Vec<u8> {
    b64_decode(envelope(dir)["signatures"][i]["sig"].as_str().unwrap()).unwrap()
}

// ---------------------------------------------------------------- envelope and signatures

#[test]
fn case01_payload_bit_flip_or_other_body_is_rejected() {
    let (_t, dir, tp) = sealed(1);
    let mut env = envelope(&dir);
    let mut body = b64_decode(env["payload"].as_str().unwrap()).unwrap();
    body[40] ^= 0x01;
    env["payload"] = json!(b64_encode(&body));
    write_envelope(&dir, &env);
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Signatures) && r.failed(CheckName::Thresholds), "{:?}", r.failed_names());
    // A different, well-formed (canonical) body under the old signatures.
    let other = String::from_utf8(payload(&dir)).unwrap().replacen("\"high\":", "\"high\":1", 1);
    let mut env = envelope(&dir);
    env["payload"] = json!(b64_encode(other.as_bytes()));
    write_envelope(&dir, &env);
    fs::write(dir.join("handoff.statement.json"), &other).unwrap();
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Signatures) && r.failed(CheckName::Thresholds), "{:?}", r.failed_names());
    assert!(r.check(CheckName::CanonicalPayload).unwrap().passed, "the body itself is well-formed");
}

#[test]
fn case02_changed_payload_type_is_rejected() {
    for t in ["application/json", "application/vnd.in-toto.other+json", "application/vnd.in-toto+JSON"] {
        let (_t, dir, tp) = sealed(1);
        let mut env = envelope(&dir);
        env["payloadType"] = json!(t);
        write_envelope(&dir, &env);
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::PayloadType), "{t}");
        assert!(r.failed(CheckName::Signatures), "{t}: the type is authenticated by the PAE");
        assert!(!r.passed());
    }
}

#[test]
fn case03_pae_vectors_and_golden_signature() {
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
    // Non-ASCII type: the length counts bytes (é is 2 bytes), not characters.
    assert_eq!(pae("t\u{e9}", b"x"), "DSSEv1 3 t\u{e9} 1 x".as_bytes());
    let k = SigningKey::from_seed(
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap().try_into().unwrap(),
    )
    .unwrap();
    assert_eq!(k.public().keyid(), "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916");
    let sig = k.sign(&pae("http://example.com/HelloWorld", b"hello world"));
    assert_eq!(
        b64_encode(&sig),
        "4DHX3Zn4qpBKvEj7maE8O9u9bjXEnPLLnyXVUJ2PXJR8DSLcL3QDpFvfJOj3pB/SPHsl6Jg4boxsMb6KvuYABw=="
    );
}

#[test]
fn case04_bad_signature_encodings_are_clean_errors_other_base64_forms_refused() {
    let (_t, dir, tp) = sealed(1);
    let good = envelope(&dir);
    for bad in
        [String::new(), b64_encode(&[1u8; 63]), b64_encode(&[1u8; 65]), "!!!not base64".into(), "ab+_cd==".into()]
    {
        let mut env = good.clone();
        env["signatures"][1]["sig"] = json!(bad);
        write_envelope(&dir, &env);
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::Thresholds), "approver signature `{bad}` must not count");
        assert!(r.error_codes().contains(&codes::THRESHOLD));
        // ... and an envelope carrying it is refused: it is not what secfw writes.
        assert!(r.failed(CheckName::Envelope) && r.error_codes().contains(&codes::SIGNATURE), "{bad}");
    }
    // URL-safe, unpadded signatures and payload decode to the same bytes and still verify,
    // but they are not the bytes secfw writes: the envelope check alone refuses them.
    let mut env = good.clone();
    for i in 0..2 {
        let s = b64_decode(good["signatures"][i]["sig"].as_str().unwrap()).unwrap();
        env["signatures"][i]["sig"] = json!(base64_url(&s));
    }
    env["payload"] = json!(base64_url(&payload(&dir)));
    write_exact(&dir, &env);
    let r = verify(&dir, &tp);
    assert_eq!(r.failed_names(), vec!["envelope"]);
    assert!(r.error_codes().contains(&codes::ENVELOPE));
    // The control: the same writer with secfw's own encoding passes.
    write_exact(&dir, &good);
    assert!(verify(&dir, &tp).passed());
}

/// Write `v` in secfw's layout (pretty, trailing newline; key order as in `v`).
fn write_exact(dir: &std::path::Path, v: &serde_json::Value) {
    let mut b = serde_json::to_vec_pretty(v).unwrap();
    b.push(b'\n');
    fs::write(dir.join("handoff.intoto.json"), b).unwrap();
}

fn base64_url(b: &[u8]) -> String {
    b64_encode(b).replace('+', "-").replace('/', "_").trim_end_matches('=').to_owned()
}

#[test]
fn case05_empty_signatures_or_missing_fields_are_rejected() {
    let (_t, dir, tp) = sealed(1);
    let good = envelope(&dir);
    let mut env = good.clone();
    env["signatures"] = json!([]);
    write_envelope(&dir, &env);
    assert!(verify(&dir, &tp).failed(CheckName::Envelope));
    for field in ["payload", "payloadType", "signatures"] {
        let mut env = good.clone();
        env.as_object_mut().unwrap().remove(field);
        write_envelope(&dir, &env);
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::Envelope), "{field}");
        assert!(r.check(CheckName::Envelope).unwrap().detail.contains(field));
    }
}

#[test]
fn case06_untrusted_key_with_a_trusted_keyid_is_rejected() {
    let (_t, dir, tp) = sealed(1);
    let mallory = key(99);
    let mut env = envelope(&dir);
    let body = payload(&dir);
    env["signatures"][1]["sig"] = json!(b64_encode(&mallory.sign(&pae(secfw_seal::PAYLOAD_TYPE, &body))));
    // keyid still names approver-1
    write_envelope(&dir, &env);
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Thresholds));
    assert!(!r.accepted_keyids.contains(&mallory.public().keyid()));
}

#[test]
fn case07_missing_or_empty_keyid_is_refused() {
    let (_t, dir, tp) = sealed(1);
    let mut env = envelope(&dir);
    env["signatures"][0].as_object_mut().unwrap().remove("keyid");
    env["signatures"][1]["keyid"] = json!("");
    write_exact(&dir, &env);
    let r = verify(&dir, &tp);
    assert_eq!(r.failed_names(), vec!["envelope"], "the signatures still verify; the unlabelled envelope does not");
    assert!(r.error_codes().contains(&codes::ENVELOPE));
    // ... because what secfw writes always carries keyids.
    let (_t2, dir2, _) = sealed(1);
    assert!(
        envelope(&dir2)["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["keyid"].as_str().is_some_and(|k| k.len() == 64))
    );
}

#[test]
fn case08_duplicate_or_relabelled_signatures_count_once() {
    let (_t, dir, tp) = sealed(2);
    let mut env = envelope(&dir);
    let sigs = env["signatures"].as_array().unwrap().clone();
    let prep_sig = sigs[0].clone();
    let app1_sig = sigs.iter().find(|s| s["keyid"] == app1().public().keyid().as_str()).unwrap().clone();
    // approver-1's signature twice, and relabelled as approver-2.
    let mut relabelled = app1_sig.clone();
    relabelled["keyid"] = json!(app2().public().keyid());
    env["signatures"] = json!([prep_sig, app1_sig, app1_sig, relabelled]);
    write_envelope(&dir, &env);
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Thresholds), "t=2 with one distinct approver key must fail");
    assert_eq!(r.accepted_keyids.len(), 2);
    // ... and the envelope itself is refused: a repeated and a relabelled signature.
    assert!(r.failed(CheckName::Envelope));
    assert!(r.error_codes().contains(&codes::DUPLICATE_SIGNATURE) && r.error_codes().contains(&codes::SIGNATURE));
}

#[test]
fn case09_aliased_keys_or_wrong_keyids_reject_the_policy() {
    let k = app1().public();
    let alias = "a".repeat(64);
    let doc = json!({"_type": "secfw-trust", "version": 1, "expires": "2030-01-01T00:00:00Z",
        "keys": {
            k.keyid(): {"identity": "a", "keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": k.to_hex()}},
            alias.clone(): {"identity": "b", "keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": k.to_hex()}}},
        "roles": {"prepared_by": {"keyids": [k.keyid()], "threshold": 1}, "approved_by": {"keyids": [alias], "threshold": 1}}});
    let tp = TrustPolicy::parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let p = tp.problems(now());
    assert!(p.iter().any(|m| m.contains("not the derived keyid")), "{p:?}");
    assert!(p.iter().any(|m| m.contains("same public key")), "{p:?}");
    let (_t, dir, _) = sealed(1);
    assert!(verify(&dir, &tp).failed(CheckName::TrustPolicy));
}

#[test]
fn case10_threshold_counts_valid_distinct_trusted_keys_only() {
    let (_t, dir, tp) = sealed(2);
    let good = envelope(&dir);
    // k-1 valid + 1 invalid
    let mut env = good.clone();
    let last = env["signatures"].as_array().unwrap().len() - 1;
    let mut s = sig_bytes(&dir, last);
    s[5] ^= 0xff;
    env["signatures"][last]["sig"] = json!(b64_encode(&s));
    write_envelope(&dir, &env);
    assert!(verify(&dir, &tp).failed(CheckName::Thresholds));
    // exactly k, plus valid signatures from unknown keys: they never count, and an envelope
    // carrying them is refused (unsigned content a restore would write).
    let mut env = good;
    let body = payload(&dir);
    for n in [50u8, 51] {
        let k = key(n);
        env["signatures"].as_array_mut().unwrap().push(
            json!({"keyid": k.public().keyid(), "sig": b64_encode(&k.sign(&pae(secfw_seal::PAYLOAD_TYPE, &body)))}),
        );
    }
    write_exact(&dir, &env);
    let r = verify(&dir, &tp);
    assert_eq!(r.failed_names(), vec!["envelope"]);
    assert!(r.error_codes().contains(&codes::SIGNATURE));
    assert!(r.check(CheckName::Thresholds).unwrap().passed && r.check(CheckName::Signatures).unwrap().passed);
    assert_eq!(r.accepted_keyids.len(), 3);
}

#[test]
fn case11_one_key_cannot_satisfy_both_roles() {
    let mut tp = trust(1);
    assert!(tp.add_key(SigningRole::ApprovedBy, prep().public(), "preparer-again").is_err(), "edits refuse it");
    // A hand-written policy listing the preparer in both roles is refused as a whole.
    let mut v: serde_json::Value = serde_json::from_slice(&tp.to_json()).unwrap();
    v["roles"]["approved_by"]["keyids"] = json!([prep().public().keyid()]);
    tp = TrustPolicy::parse(&serde_json::to_vec(&v).unwrap()).unwrap();
    assert!(tp.problems(now()).iter().any(|m| m.contains("both")));
    let (_t, dir) = workspace();
    generate(&dir);
    resign_raw(&dir, &payload(&dir));
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::TrustPolicy) && r.failed(CheckName::Thresholds));
}

#[test]
fn case12_malleated_signature_s_plus_l_is_rejected() {
    let (_t, dir, tp) = sealed(1);
    let mut env = envelope(&dir);
    let mut s = sig_bytes(&dir, 1);
    // L = 2^252 + 27742317777372353535851937790883648493, little-endian
    let l = hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010").unwrap();
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(s[32 + i]) + u16::from(l[i]) + carry;
        s[32 + i] = (v & 0xff) as u8;
        carry = v >> 8;
    }
    env["signatures"][1]["sig"] = json!(b64_encode(&s));
    write_envelope(&dir, &env);
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Thresholds), "S+L must not verify");
}

#[test]
fn case13_zero_and_small_order_keys_are_rejected() {
    let mut tp = trust(1);
    let weak = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    ];
    for h in weak {
        let (k, _) = PublicKey::parse_any(h).unwrap();
        assert!(tp.add_key(SigningRole::ApprovedBy, k, "weak").is_err(), "{h}");
        // and a policy file carrying it is refused at load
        let mut v: serde_json::Value = serde_json::from_slice(&trust(1).to_json()).unwrap();
        v["keys"][k.keyid()] =
            json!({"identity": "weak", "keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": h}});
        let p = TrustPolicy::parse(&serde_json::to_vec(&v).unwrap()).unwrap().problems(now());
        assert!(p.iter().any(|m| m.contains("small-order")), "{h}: {p:?}");
    }
}

#[test]
fn case14_other_key_types_rejected_envelope_algorithm_fields_refused() {
    for (kt, sch) in [("rsa", "rsassa-pss-sha256"), ("ecdsa", "ecdsa-sha2-nistp256"), ("ed25519", "ed25519ph")] {
        let mut v: serde_json::Value = serde_json::from_slice(&trust(1).to_json()).unwrap();
        let id = prep().public().keyid();
        v["keys"][&id]["keytype"] = json!(kt);
        v["keys"][&id]["scheme"] = json!(sch);
        assert!(TrustPolicy::parse(&serde_json::to_vec(&v).unwrap()).is_err(), "{kt}/{sch}");
    }
    let (_t, dir, tp) = sealed(1);
    let mut env = envelope(&dir);
    env["alg"] = json!("none");
    env["signatures"][0]["alg"] = json!("HS256");
    env["signatures"][1]["scheme"] = json!("rsa");
    write_exact(&dir, &env);
    let r = verify(&dir, &tp);
    assert_eq!(r.failed_names(), vec!["envelope"], "no downgrade: the fields are refused, never read");
    assert_eq!(r.error_codes(), std::collections::BTreeSet::from([codes::ENVELOPE]));
    assert_eq!(r.check(CheckName::Envelope).unwrap().diagnostics.len(), 3, "one per field");
}

#[test]
fn case15_other_project_older_sequence_or_other_commit_rejected() {
    let (_t, dir, tp) = sealed(1);
    let mut o = vopts();
    o.expect_project = Some("other-project".into());
    assert!(verify_with(&dir, &tp, &o).failed(CheckName::Project));
    let seal = secfw_seal::seal_of(&payload(&dir));
    let newer = SealState { project: "acme-pay".into(), sequence: 5, seal };
    assert!(verify_with(&dir, &tp, &vopts().state(newer)).failed(CheckName::Sequence));
    let same_seq_other_seal = SealState {
        project: "acme-pay".into(),
        sequence: 1,
        seal: format!("sha256:{}", "0".repeat(64)).parse().unwrap(),
    };
    assert!(verify_with(&dir, &tp, &vopts().state(same_seq_other_seal)).failed(CheckName::Sequence));
    let other_project = SealState { project: "beta".into(), sequence: 0, seal };
    assert!(verify_with(&dir, &tp, &vopts().state(other_project)).failed(CheckName::Project));
    // another commit
    fs::write(dir.join("notes.txt"), "x").unwrap();
    git(&dir, &["add", "notes.txt"]);
    git(&dir, &["commit", "-q", "-m", "later"]);
    let r = verify_with(&dir, &tp, &vopts().expect_commit("HEAD"));
    assert!(r.failed(CheckName::Git));
    assert!(verify_with(&dir, &tp, &vopts().expect_commit("HEAD~1")).passed());
}

#[test]
fn case16_expired_future_or_expired_trust_rejected() {
    let (_t, dir, tp) = sealed(1);
    let mut o = vopts();
    o.now = now() + chrono::Duration::days(31);
    let r = verify_with(&dir, &tp, &o);
    assert!(r.failed(CheckName::Expiry));
    let mut o = vopts();
    o.now = now() - chrono::Duration::minutes(10);
    assert!(verify_with(&dir, &tp, &o).failed(CheckName::Expiry), "issued 10 minutes in the future");
    o.now = now() - chrono::Duration::minutes(4);
    assert!(!verify_with(&dir, &tp, &o).failed(CheckName::Expiry), "within the 5-minute skew");
    let mut old = tp;
    old.expires = now() - chrono::Duration::seconds(1);
    assert!(verify(&dir, &old).failed(CheckName::TrustPolicy));
}

#[test]
fn case17_unknown_envelope_fields_are_refused() {
    let (_t, dir, tp) = sealed(1);
    let mut env = envelope(&dir);
    env["extra"] = json!({"payload": "ignored"});
    env["signatures"][0]["note"] = json!("hello");
    write_exact(&dir, &env);
    let r = verify(&dir, &tp);
    assert_eq!(r.failed_names(), vec!["envelope"]);
    let msgs: Vec<String> =
        r.check(CheckName::Envelope).unwrap().diagnostics.iter().map(|d| d.message.clone()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("`extra`")) && msgs.iter().any(|m| m.contains("signatures[0] has field `note`")),
        "{msgs:?}"
    );
}

// ---------------------------------------------------------------- payload

#[test]
fn case18_duplicate_keys_and_non_canonical_payloads_rejected() {
    let (_t, dir, tp) = sealed(1);
    let body = String::from_utf8(payload(&dir)).unwrap();
    let h: String = body.split_once("\"sha256\":\"").unwrap().1.chars().take(64).collect();
    let dup = body.replacen(&format!("\"sha256\":\"{h}\""), &format!("\"sha256\":\"{h}\",\"sha256\":\"{h}\""), 1);
    let variants = [
        dup,
        body.replacen('{', "{ ", 1),
        format!("{body}\n"),
        body.replacen("{\"_type\"", "{\"subject\":[],\"_type\"", 1),
    ];
    for v in variants {
        resign_raw(&dir, v.as_bytes());
        let r = verify(&dir, &tp);
        assert!(
            r.failed(CheckName::CanonicalPayload),
            "{:?} for {}",
            r.failed_names(),
            v.chars().take(60).collect::<String>()
        );
    }
}

#[test]
fn case19_wrong_statement_or_predicate_type_rejected() {
    for (field, val) in [
        ("_type", "https://in-toto.io/Statement/v0.1"),
        ("_type", "other"),
        ("predicateType", "https://slsa.dev/provenance/v1"),
    ] {
        let (_t, dir, tp) = sealed(1);
        mutate(&dir, |v| v[field] = json!(val));
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::Statement), "{field}={val}: {:?}", r.failed_names());
    }
}

#[test]
fn case20_bad_digest_formats_and_unknown_only_algorithms_rejected() {
    let cases: Vec<serde_json::Value> = vec![
        json!({"sha256": "ABCDEF".repeat(10) + "abcd"}),
        json!({"sha256": "abc"}),
        json!({"md5": "d41d8cd98f00b204e9800998ecf8427e"}),
        json!({"blake3": "a".repeat(64)}),
    ];
    for d in cases {
        let (_t, dir, tp) = sealed(1);
        mutate(&dir, |v| v["subject"][0]["digest"] = d.clone());
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::Statement), "{d}");
        assert!(r.error_codes().contains(&codes::DIGEST_FORMAT) || r.error_codes().contains(&codes::SUBJECTS), "{d}");
    }
}

#[test]
fn case21_subject_artifact_mismatch_duplicates_and_case_folding_rejected() {
    let (_t, dir, tp) = sealed(1);
    mutate(&dir, |v| {
        v["subject"].as_array_mut().unwrap().pop();
    });
    assert!(verify(&dir, &tp).error_codes().contains(&codes::SUBJECTS));
    let (_t, dir, tp) = sealed(1);
    mutate(&dir, |v| {
        let s0 = v["subject"][0].clone();
        v["subject"].as_array_mut().unwrap().insert(0, s0);
        let a0 = v["predicate"]["artifacts"][0].clone();
        v["predicate"]["artifacts"].as_array_mut().unwrap().insert(0, a0);
    });
    assert!(verify(&dir, &tp).error_codes().contains(&codes::SUBJECTS));
    let (_t, dir, tp) = sealed(1);
    mutate(&dir, |v| {
        let mut s = v["subject"][0].clone();
        let upper = s["name"].as_str().unwrap().to_ascii_uppercase();
        s["name"] = json!(upper);
        v["subject"].as_array_mut().unwrap().insert(0, s.clone());
        let mut a = v["predicate"]["artifacts"][0].clone();
        a["path"] = s["name"].clone();
        v["predicate"]["artifacts"].as_array_mut().unwrap().insert(0, a);
    });
    assert!(verify(&dir, &tp).error_codes().contains(&codes::PATH_COLLISION));
}

#[test]
fn case22_floats_negatives_big_integers_depth_and_size_rejected_without_panic() {
    let (_t, dir, tp) = sealed(1);
    let body = String::from_utf8(payload(&dir)).unwrap();
    let seq = "\"sequence\":1";
    assert!(body.contains(seq));
    for bad in [
        "\"sequence\":1.5",
        "\"sequence\":-1",
        "\"sequence\":9007199254740992",
        "\"sequence\":1e3",
        "\"sequence\":18446744073709551616",
    ] {
        resign_raw(&dir, body.replacen(seq, bad, 1).as_bytes());
        let r = verify(&dir, &tp);
        assert!(
            r.failed(CheckName::CanonicalPayload) || r.failed(CheckName::Statement),
            "{bad}: {:?}",
            r.failed_names()
        );
    }
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    resign_raw(&dir, deep.as_bytes());
    assert!(verify(&dir, &tp).failed(CheckName::CanonicalPayload));
    let huge = format!("{{\"_type\":\"{}\"}}", "a".repeat(9 * 1024 * 1024));
    resign_raw(&dir, huge.as_bytes());
    assert!(verify(&dir, &tp).failed(CheckName::CanonicalPayload));
}

#[test]
fn case23_golden_payload_bytes_are_pinned() {
    use secfw_seal::statement::*;
    use std::collections::BTreeMap;
    let d = |h: &str| BTreeMap::from([("sha256".to_owned(), h.to_owned())]);
    let h1 = "a".repeat(64);
    let st = Statement {
        type_: STATEMENT_TYPE.into(),
        subject: vec![Subject { name: "rulebook.yaml".into(), digest: d(&h1) }],
        predicate_type: PREDICATE_TYPE.into(),
        predicate: Predicate {
            artifacts: vec![ArtifactEntry {
                path: "rulebook.yaml".into(),
                sha256: secfw_artifacts::Sha256Digest::parse(&h1).unwrap(),
                size: 12,
            }],
            exceptions_active: 1,
            expires: "2026-12-24T09:00:00Z".into(),
            git: Some(GitBinding { branch: "main".into(), commit: "c".repeat(40), dirty: false, tree: "d".repeat(40) }),
            issued_at: "2026-11-24T09:00:00Z".into(),
            lifecycle_state: "READY_FOR_HANDOFF".into(),
            manifest_id: "m".into(),
            manifest_version: 1,
            previous_seal: None,
            project: "p".into(),
            rulebook: RulebookRef { digest: d(&h1), name: "rulebook.yaml".into(), version: "1.0.0".into() },
            sequence: 1,
            severity_counts: SeverityCounts { critical: 0, high: 2, low: 4, medium: 3 },
        },
    };
    let golden = format!(
        "{{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{{\"artifacts\":[{{\"path\":\"rulebook.yaml\",\"sha256\":\"{h1}\",\"size\":12}}],\
\"exceptionsActive\":1,\"expires\":\"2026-12-24T09:00:00Z\",\"git\":{{\"branch\":\"main\",\"commit\":\"{c}\",\"dirty\":false,\"tree\":\"{t}\"}},\
\"issuedAt\":\"2026-11-24T09:00:00Z\",\"lifecycleState\":\"READY_FOR_HANDOFF\",\"manifestId\":\"m\",\"manifestVersion\":1,\"project\":\"p\",\
\"rulebook\":{{\"digest\":{{\"sha256\":\"{h1}\"}},\"name\":\"rulebook.yaml\",\"version\":\"1.0.0\"}},\"sequence\":1,\
\"severityCounts\":{{\"critical\":0,\"high\":2,\"low\":4,\"medium\":3}}}},\"predicateType\":\"https://github.com/secfw/secfw/handoff-manifest/v1\",\
\"subject\":[{{\"digest\":{{\"sha256\":\"{h1}\"}},\"name\":\"rulebook.yaml\"}}]}}",
        c = "c".repeat(40),
        t = "d".repeat(40)
    );
    let bytes = st.to_payload().unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), golden);
    assert_eq!(Statement::parse_payload(&bytes).unwrap(), st);
    // A sequence past 2^53 − 1 has no canonical form: the error keeps the JCS cause as its source.
    let mut big = st;
    big.predicate.sequence = 1 << 60;
    let e = big.to_payload().unwrap_err();
    assert!(e.to_string().contains("cannot serialize the statement"), "{e}");
    let cause = std::error::Error::source(&e).map(ToString::to_string).unwrap_or_default();
    assert!(cause.contains("outside"), "{cause}");
}

// ---------------------------------------------------------------- filesystem and artifacts

#[test]
fn case24_path_grammar_rejects_every_traversal_and_confusable_form() {
    let long = "a".repeat(2000);
    for p in [
        "../x",
        "a/../../x",
        "dir/../foo",
        "/etc/passwd",
        "C:\\x",
        "C:/x",
        "a\\b",
        "\\\\srv\\s",
        "./a",
        "a//b",
        "a/",
        "",
        "a\0b",
        "a\u{1}b",
        "a\u{202e}b",
        "a b",
        long.as_str(),
        ".",
        "..",
        "...",
    ] {
        assert!(secfw_seal::check_sealed_path(p).is_err(), "{p:?}");
    }
    assert!(secfw_seal::check_sealed_path("evidence/scan-1/report_v2.json").is_ok());
    // ... and a signed statement naming such a path is refused.
    let (_t, dir, tp) = sealed(1);
    mutate(&dir, |v| {
        v["subject"][0]["name"] = json!("../outside");
        v["predicate"]["artifacts"][0]["path"] = json!("../outside");
    });
    let r = verify(&dir, &tp);
    assert!(r.error_codes().contains(&codes::BAD_PATH), "{:?}", r.error_codes());
}

#[test]
fn case25_symlinked_artifacts_and_parents_rejected() {
    use std::os::unix::fs::symlink;
    // artifact replaced by a symlink to identical content inside the root
    let (_t, dir, tp) = sealed(1);
    let copy = dir.join("copy-of-rulebook");
    fs::copy(dir.join("rulebook.yaml"), &copy).unwrap();
    fs::remove_file(dir.join("rulebook.yaml")).unwrap();
    symlink(&copy, dir.join("rulebook.yaml")).unwrap();
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Files) && r.error_codes().contains(&codes::NOT_REGULAR));
    // evidence file symlinked outside the root
    let (t, dir, tp) = sealed(1);
    let outside = t.path().join("outside.json");
    let ev = dir.join("evidence/pentest-2026-q3-summary.md");
    fs::copy(&ev, &outside).unwrap();
    fs::remove_file(&ev).unwrap();
    symlink(&outside, &ev).unwrap();
    assert!(verify(&dir, &tp).error_codes().contains(&codes::NOT_REGULAR));
    // symlinked parent directory
    let (t, dir, tp) = sealed(1);
    let moved = t.path().join("real-evidence");
    fs::rename(dir.join("evidence"), &moved).unwrap();
    symlink(&moved, dir.join("evidence")).unwrap();
    let r = verify(&dir, &tp);
    assert!(r.error_codes().contains(&codes::NOT_REGULAR), "{:?}", r.failed_names());
    // and generation refuses symlinks in the sealed set
    let (t, dir) = workspace();
    symlink(t.path(), dir.join("evidence/link")).unwrap();
    let e = secfw_seal::generate_manifest(&dir, &secfw_seal::GenerateOptions::new(now())).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.code == codes::NOT_REGULAR && d.file == "evidence/link"), "{e}");
}

#[test]
fn case26_fifo_and_directory_rejected_without_hanging() {
    let (_t, dir, tp) = sealed(1);
    let ev = dir.join("evidence/pentest-2026-q3-summary.md");
    fs::remove_file(&ev).unwrap();
    let st = std::process::Command::new("mkfifo").arg(&ev).status().unwrap();
    assert!(st.success());
    let r = verify(&dir, &tp);
    assert!(r.error_codes().contains(&codes::NOT_REGULAR), "{:?}", r.failed_names());
    fs::remove_file(&ev).unwrap();
    fs::create_dir(&ev).unwrap();
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::Files), "{:?}", r.failed_names());
    // a device (when the test may create one: /dev/null is a char device; link-free check)
    assert!(matches!(
        secfw_seal::hash_file(std::path::Path::new("/dev"), "null"),
        Err(secfw_seal::HashFailure::NotRegular(_))
    ));
}

#[test]
fn case27_content_changes_missing_and_unlisted_files_rejected() {
    let f = "evidence/kms-key-rotation-2026-11-20.json";
    let edits: Vec<(&str, Edit)> = vec![
        ("same size", Box::new(|b: &mut Vec<u8>| b[3] ^= 0x20)),
        ("truncated", Box::new(|b: &mut Vec<u8>| b.truncate(b.len() / 2))),
        ("appended", Box::new(|b: &mut Vec<u8>| b.extend_from_slice(b"\n"))),
    ];
    for (what, edit) in edits {
        let (_t, dir, tp) = sealed(1);
        let mut b = fs::read(dir.join(f)).unwrap();
        edit(&mut b);
        fs::write(dir.join(f), &b).unwrap();
        let r = verify(&dir, &tp);
        assert!(r.failed(CheckName::Files) && r.error_codes().contains(&codes::FILE_CHANGED), "{what}");
    }
    let (_t, dir, tp) = sealed(1);
    fs::remove_file(dir.join(f)).unwrap();
    assert!(verify(&dir, &tp).error_codes().contains(&codes::FILE_MISSING));
    let (_t, dir, tp) = sealed(1);
    fs::write(dir.join("evidence/smuggled.txt"), "x").unwrap();
    let r = verify(&dir, &tp);
    assert!(r.failed(CheckName::ClosedSet) && r.error_codes().contains(&codes::UNLISTED_FILE));
    let mut o = vopts();
    o.closed_set = false;
    assert!(verify_with(&dir, &tp, &o).passed());
}

// case 28 (TOCTOU swap) needs a hook between the check and the open: it is the unit test
// `files::tests::case28_toctou_swap_between_check_and_open_is_rejected`.

// ---------------------------------------------------------------- git and rulebook

#[test]
fn case29_bad_git_bindings_rejected() {
    let set = |f: &'static str, val: serde_json::Value| {
        move |v: &mut serde_json::Value| v["predicate"]["git"][f] = val.clone()
    };
    let (_t, dir, tp) = sealed(1);
    let commit = git(&dir, &["rev-parse", "HEAD"]);
    let tree = git(&dir, &["rev-parse", "HEAD^{tree}"]);
    let cases: Vec<(&str, Mutation)> = vec![
        ("abbreviated", Box::new(set("commit", json!(commit.chars().take(12).collect::<String>())))),
        ("branch name", Box::new(set("commit", json!("main")))),
        ("dirty", Box::new(set("dirty", json!(true)))),
        ("tree mismatch", Box::new(set("tree", json!("e".repeat(40))))),
        ("commit not HEAD", Box::new(set("commit", json!("1".repeat(40))))),
    ];
    for (what, f) in cases {
        let (_t, dir, tp) = sealed(1);
        mutate(&dir, |v| f(v));
        let r = verify_with(&dir, &tp, &vopts().expect_commit("HEAD"));
        assert!(r.failed(CheckName::Git), "{what}: {:?}", r.failed_names());
    }
    assert_eq!(tree.len(), 40);
    assert!(verify_with(&dir, &tp, &vopts().expect_commit("HEAD")).passed());
    // generation refuses a dirty tree unless told otherwise
    let (_t, dir) = workspace();
    fs::write(dir.join("evidence/new.txt"), "uncommitted").unwrap();
    let e = secfw_seal::generate_manifest(&dir, &secfw_seal::GenerateOptions::new(now())).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.code == codes::DIRTY));
}

#[test]
fn case30_rulebook_digest_must_match_the_pinned_rulebook() {
    let (_t, dir, tp) = sealed(1);
    let real = secfw_seal::sha256_hex(&fs::read(dir.join("rulebook.yaml")).unwrap());
    let mut o = vopts();
    o.expect_rulebook = Some(format!("sha256:{real}"));
    assert!(verify_with(&dir, &tp, &o).passed());
    o.expect_rulebook = Some("0".repeat(64));
    assert!(verify_with(&dir, &tp, &o).failed(CheckName::Rulebook));
    // a signed payload whose rulebook binding disagrees with its own subject
    mutate(&dir, |v| v["predicate"]["rulebook"]["digest"]["sha256"] = json!("b".repeat(64)));
    assert!(verify(&dir, &tp).error_codes().contains(&codes::RULEBOOK_BINDING));
}

// ---------------------------------------------------------------- YAML view

#[test]
fn case31_edited_yaml_fails_the_re_render() {
    type TextEdit = fn(&str) -> String;
    let edits: [(&str, TextEdit); 5] = [
        ("count", |y| y.replacen("high_count: ", "high_count: 1", 1)),
        ("seal", |y| y.replacen("value: \"sha256:", "value: \"sha256:0", 1)),
        ("comment", |y| format!("{y}# approved\n")),
        ("crlf", |y| y.replace('\n', "\r\n")),
        ("reorder", |y| {
            let a = "  method: sha256\n";
            let (head, rest) = y.split_once(a).unwrap();
            format!("{head}{rest}{a}")
        }),
    ];
    for (what, edit) in edits {
        let (_t, dir, tp) = sealed(1);
        let y = fs::read_to_string(manifest(&dir)).unwrap();
        let e = edit(&y);
        assert_ne!(e, y, "{what}");
        fs::write(manifest(&dir), e).unwrap();
        let r = verify(&dir, &tp);
        assert_eq!(r.failed_names(), vec!["yaml-view"], "{what}");
    }
}

// ---------------------------------------------------------------- key formats (pure part of 36)

#[test]
fn case36_key_formats_load_and_wrong_oid_is_rejected() {
    // ring's own PKCS#8 v2 document loads too
    let rng = ring::rand::SystemRandom::new();
    let v2 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let pem = secfw_seal::pem("PRIVATE KEY", v2.as_ref());
    let k = SigningKey::parse(&pem).unwrap();
    assert_eq!(SigningKey::parse(&k.to_pkcs8_pem()).unwrap().public(), k.public());
    // a wrong algorithm OID (1.3.101.110 = X25519) is refused
    let mut der = k.to_pkcs8_v1_der();
    der[11] = 0x6e;
    let e = SigningKey::parse(&secfw_seal::pem("PRIVATE KEY", &der)).unwrap_err();
    assert!(e.contains("Ed25519"), "{e}");
    assert!(
        SigningKey::parse("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----").is_err()
    );
}
