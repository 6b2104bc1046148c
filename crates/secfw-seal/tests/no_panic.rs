//! Arbitrary input to every parser of untrusted data returns an error, never a panic.

use proptest::prelude::*;
use secfw_seal::TrustPolicy;
use secfw_seal::dsse::{Envelope, b64_decode};
use secfw_seal::statement::Statement;
use secfw_seal::{PublicKey, SigningKey, jcs, sshsig};

fn all_parsers(bytes: &[u8]) {
    let _ = Envelope::parse(bytes);
    let _ = Statement::parse_payload(bytes);
    let _ = TrustPolicy::parse(bytes);
    if let Ok(c) = secfw_seal::TrustChain::parse(bytes) {
        let _ = c.verify(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH, None);
    }
    let _ = jcs::parse_canonical(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        let _ = SigningKey::parse(s);
        let _ = PublicKey::parse_any(s);
        let _ = sshsig::verify(s, sshsig::NAMESPACE, b"m");
        let _ = b64_decode(s);
        let _ = secfw_seal::check_sealed_path(s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        all_parsers(&bytes);
    }

    #[test]
    fn json_like_text_never_panics(s in r#"[\[\]{}",:0-9a-z_\-. ]{0,200}"#) {
        all_parsers(s.as_bytes());
    }

    #[test]
    fn armoured_garbage_never_panics(body in "[A-Za-z0-9+/=]{0,300}") {
        for label in ["PRIVATE KEY", "PUBLIC KEY", "OPENSSH PRIVATE KEY", "SSH SIGNATURE"] {
            all_parsers(format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n").as_bytes());
        }
        all_parsers(format!("ssh-ed25519 {body} c").as_bytes());
    }
}

#[test]
fn truncated_valid_inputs_never_panic() {
    let k = SigningKey::from_seed([5; 32]).unwrap();
    let sig = sshsig::sign(&k, sshsig::NAMESPACE, b"m");
    let ssh_pub = k.public().to_openssh("x");
    let pem = k.to_pkcs8_pem();
    let mut p = TrustPolicy::new(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    p.add_root_key(k.public(), "root").unwrap();
    let mut chain = secfw_seal::TrustChain::new(p).unwrap();
    chain.sign(&k).unwrap();
    let chain = String::from_utf8(chain.to_json()).unwrap();
    for text in [sig.as_str(), ssh_pub.as_str(), pem.as_str(), chain.as_str()] {
        for cut in 0..text.len() {
            all_parsers(&text.as_bytes()[..cut]);
        }
    }
    assert_eq!(sshsig::verify(&sig, sshsig::NAMESPACE, b"m").unwrap(), k.public());
}
