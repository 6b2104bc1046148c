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
    let mut inner = Vec::new();
    ssh_string(&mut inner, b"ssh-ed25519");
    ssh_string(&mut inner, &sig);
    let mut blob = b"SSHSIG".to_vec();
    blob.extend_from_slice(&1u32.to_be_bytes());
    ssh_string(&mut blob, &key.public().ssh_blob());
    ssh_string(&mut blob, namespace.as_bytes());
    ssh_string(&mut blob, b"");
    ssh_string(&mut blob, b"sha512");
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

/// Verify an armoured SSHSIG over `message` in `namespace`; returns the signer's key.
pub fn verify(armored: &str, namespace: &str, message: &[u8]) -> Result<PublicKey, String> {
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
        Ok(key)
    } else {
        Err("signature does not verify".into())
    }
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
        assert_eq!(
            allowed_signers_line("rfc8032-test1", &k.public(), "secfw-handoff@example.org"),
            "rfc8032-test1 namespaces=\"secfw-handoff@example.org\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n"
        );
    }
}
