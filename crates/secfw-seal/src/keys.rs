//! Ed25519 keys (ring): generation, PKCS#8 v1 PEM private keys (the form OpenSSL 3.0 and
//! `cryptography` read), unencrypted OpenSSH private keys, and every public encoding secfw
//! exports: raw hex, SPKI PEM, an OpenSSH `ssh-ed25519` line and securesystemslib JSON with its
//! keyid.

use base64::Engine as _;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};

use crate::dsse::b64_encode;

/// PKCS#8 v1 prefix of an Ed25519 private key; the 32-byte seed follows.
const PKCS8_V1_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
/// SPKI prefix of an Ed25519 public key; the 32-byte key follows.
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// An Ed25519 public key (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey(pub [u8; 32]);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl PublicKey {
    /// Lower-case hex of the 32 bytes (securesystemslib `keyval.public`).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// securesystemslib's default keyid: SHA-256 of the canonical key JSON (a fixed template
    /// for ed25519).
    pub fn keyid(&self) -> String {
        crate::sha256_hex(self.sslib_canonical().as_bytes())
    }

    fn sslib_canonical(&self) -> String {
        format!(r#"{{"keytype":"ed25519","keyval":{{"public":"{}"}},"scheme":"ed25519"}}"#, self.to_hex())
    }

    /// securesystemslib / TUF / in-toto key JSON, with its `keyid`.
    pub fn to_sslib_json(&self) -> String {
        self.to_sslib_json_as(None)
    }

    /// securesystemslib JSON carrying `identity` too, so `secfw trust add-key` needs no
    /// `--identity` (securesystemslib ignores the extra field).
    pub fn to_sslib_json_as(&self, identity: Option<&str>) -> String {
        if let Some(id) = identity {
            return format!(
                "{{\n  \"keyid\": \"{}\",\n  \"keytype\": \"ed25519\",\n  \"scheme\": \"ed25519\",\n  \"keyval\": {{\n    \"public\": \"{}\"\n  }},\n  \"identity\": {}\n}}\n",
                self.keyid(),
                self.to_hex(),
                serde_json::Value::String(id.to_owned())
            );
        }
        format!(
            "{{\n  \"keyid\": \"{}\",\n  \"keytype\": \"ed25519\",\n  \"scheme\": \"ed25519\",\n  \"keyval\": {{\n    \"public\": \"{}\"\n  }}\n}}\n",
            self.keyid(),
            self.to_hex()
        )
    }

    /// SubjectPublicKeyInfo DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let mut v = SPKI_PREFIX.to_vec();
        v.extend_from_slice(&self.0);
        v
    }

    /// `-----BEGIN PUBLIC KEY-----` PEM (OpenSSL, cryptography, Sigstore).
    pub fn to_spki_pem(&self) -> String {
        pem("PUBLIC KEY", &self.to_spki_der())
    }

    /// The SSH wire blob `string("ssh-ed25519") || string(pub32)`.
    pub fn ssh_blob(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(51);
        ssh_string(&mut v, b"ssh-ed25519");
        ssh_string(&mut v, &self.0);
        v
    }

    /// An OpenSSH public key line, `ssh-ed25519 AAAA... comment`.
    pub fn to_openssh(&self, comment: &str) -> String {
        let b = b64_encode(&self.ssh_blob());
        if comment.is_empty() { format!("ssh-ed25519 {b}") } else { format!("ssh-ed25519 {b} {comment}") }
    }

    /// Reject keys no honest signer has: all zero, and the small-order points (any encoding,
    /// sign bit ignored), which make signatures meaningless.
    pub fn check_strong(&self) -> Result<(), String> {
        let mut y = self.0;
        y[31] &= 0x7f;
        let p_minus = |sub: u8| {
            let mut v = [0xffu8; 32];
            v[0] = 0xed - sub;
            v[31] = 0x7f;
            v
        };
        let mut one = [0u8; 32];
        one[0] = 1;
        let order8a = hex_32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05");
        let order8b = hex_32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
        let mut p_plus_one = p_minus(0);
        p_plus_one[0] = 0xee;
        let weak = [[0u8; 32], one, p_minus(1), p_minus(0), p_plus_one, order8a, order8b];
        if weak.contains(&y) {
            return Err(format!("public key {} is the zero or a small-order point", self.to_hex()));
        }
        Ok(())
    }

    /// Verify a raw Ed25519 signature.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        sig.len() == 64 && UnparsedPublicKey::new(&ED25519, &self.0).verify(msg, sig).is_ok()
    }

    /// Parse a public key in any exported format: 64 hex characters, SPKI PEM, an OpenSSH
    /// `ssh-ed25519` line or securesystemslib JSON. Returns the key and the OpenSSH comment (or
    /// `identity` field) when the format carries one.
    pub fn parse_any(text: &str) -> Result<(Self, Option<String>), String> {
        let t = text.trim();
        if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok((Self(hex_32(&t.to_ascii_lowercase())), None));
        }
        if t.starts_with("-----BEGIN PUBLIC KEY-----") {
            let der = pem_decode(t, "PUBLIC KEY")?;
            let raw = der.strip_prefix(&SPKI_PREFIX[..]).ok_or("SPKI PEM is not an Ed25519 public key")?;
            return Ok((Self(raw.try_into().map_err(|_| "SPKI key is not 32 bytes")?), None));
        }
        if let Some(rest) = t.strip_prefix("ssh-ed25519 ") {
            let mut parts = rest.split_whitespace();
            let blob = crate::dsse::b64_decode(parts.next().unwrap_or("")).map_err(|e| format!("OpenSSH key: {e}"))?;
            let comment = parts.collect::<Vec<_>>().join(" ");
            let mut r = SshReader(&blob);
            if r.string()? != b"ssh-ed25519" {
                return Err("OpenSSH key blob is not ssh-ed25519".into());
            }
            let k: [u8; 32] = r.string()?.try_into().map_err(|_| "OpenSSH ed25519 key is not 32 bytes")?;
            if !r.0.is_empty() {
                return Err("trailing bytes in OpenSSH key blob".into());
            }
            return Ok((Self(k), (!comment.is_empty()).then_some(comment)));
        }
        if t.starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(t).map_err(|e| format!("key JSON: {e}"))?;
            if v["keytype"] != "ed25519" || v["scheme"] != "ed25519" {
                return Err("securesystemslib key is not keytype/scheme ed25519".into());
            }
            let h = v["keyval"]["public"].as_str().ok_or("key JSON has no keyval.public")?;
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
                return Err("keyval.public is not 64 lower-case hex characters".into());
            }
            let k = Self(hex_32(h));
            if let Some(id) = v.get("keyid").and_then(|x| x.as_str())
                && id != k.keyid()
            {
                return Err(format!("keyid {id} is not the key's derived keyid {}", k.keyid()));
            }
            let ident = v.get("identity").and_then(|x| x.as_str()).map(str::to_owned);
            return Ok((k, ident));
        }
        Err("not a public key: expected 64 hex characters, SPKI PEM, an ssh-ed25519 line or securesystemslib JSON"
            .into())
    }
}

fn hex_32(h: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Ok(v) = hex::decode(h)
        && v.len() == 32
    {
        out.copy_from_slice(&v);
    }
    out
}

/// An Ed25519 signing key. The seed is kept only to write the key file; it is never printed.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    seed: [u8; 32],
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?})", self.public())
    }
}

impl SigningKey {
    /// A fresh key from the system random generator ([`crate::Error::KeyGeneration`] when the
    /// generator or the key generation fails).
    pub fn generate() -> Result<Self, crate::Error> {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| crate::Error::KeyGeneration)?;
        // ring writes PKCS#8 v2: 16-byte header, then the 32-byte seed.
        let seed: [u8; 32] =
            doc.as_ref().get(16..48).and_then(|s| s.try_into().ok()).ok_or(crate::Error::KeyGeneration)?;
        Self::from_seed(seed).map_err(|_| crate::Error::KeyGeneration)
    }

    /// The key with this 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: [u8; 32]) -> Result<Self, String> {
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| "invalid Ed25519 seed")?;
        Ok(Self { pair, seed })
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        let mut k = [0u8; 32];
        k.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey(k)
    }

    /// Sign `msg` (64 bytes, deterministic).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let mut s = [0u8; 64];
        s.copy_from_slice(self.pair.sign(msg).as_ref());
        s
    }

    /// PKCS#8 v1 DER (48 bytes).
    pub fn to_pkcs8_v1_der(&self) -> Vec<u8> {
        let mut v = PKCS8_V1_PREFIX.to_vec();
        v.extend_from_slice(&self.seed);
        v
    }

    /// `-----BEGIN PRIVATE KEY-----` PEM, PKCS#8 v1.
    pub fn to_pkcs8_pem(&self) -> String {
        pem("PRIVATE KEY", &self.to_pkcs8_v1_der())
    }

    /// Parse a private key file: PKCS#8 v1 or v2 PEM (`PRIVATE KEY`), or an unencrypted OpenSSH
    /// `openssh-key-v1` Ed25519 key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.starts_with("-----BEGIN PRIVATE KEY-----") {
            let der = pem_decode(t, "PRIVATE KEY")?;
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
                .map_err(|e| format!("not an Ed25519 PKCS#8 key ({e}); secfw keys are Ed25519 only"))?;
            // The seed sits right after the 16-byte header in both v1 and v2.
            let seed: [u8; 32] = der.get(16..48).and_then(|s| s.try_into().ok()).ok_or("PKCS#8 key too short")?;
            let me = Self::from_seed(seed)?;
            if me.pair.public_key().as_ref() != pair.public_key().as_ref() {
                return Err("PKCS#8 public key does not match its seed".into());
            }
            return Ok(me);
        }
        if t.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
            let blob = pem_decode(t, "OPENSSH PRIVATE KEY")?;
            return Self::from_openssh(&blob);
        }
        if t.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err("encrypted private keys are not supported; decrypt with `openssl pkey` first".into());
        }
        Err("not a private key: expected PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) or an OpenSSH private key".into())
    }

    fn from_openssh(blob: &[u8]) -> Result<Self, String> {
        let rest = blob.strip_prefix(b"openssh-key-v1\0").ok_or("not an openssh-key-v1 key")?;
        let mut r = SshReader(rest);
        let cipher = r.string()?;
        let kdf = r.string()?;
        let _kdfopts = r.string()?;
        if cipher != b"none" || kdf != b"none" {
            return Err(
                "encrypted OpenSSH keys are not supported; remove the passphrase (ssh-keygen -p) or use PKCS#8".into(),
            );
        }
        if r.u32()? != 1 {
            return Err("OpenSSH key file must hold exactly one key".into());
        }
        let _pubblob = r.string()?;
        let mut p = SshReader(r.string()?);
        if p.u32()? != p.u32()? {
            return Err("OpenSSH key check bytes differ (corrupt file)".into());
        }
        if p.string()? != b"ssh-ed25519" {
            return Err("OpenSSH key is not ssh-ed25519".into());
        }
        let public: [u8; 32] = p.string()?.try_into().map_err(|_| "bad ed25519 public key length")?;
        let private = p.string()?;
        if private.len() != 64 {
            return Err("bad ed25519 private key length".into());
        }
        let seed: [u8; 32] = private[..32].try_into().map_err(|_| "bad seed")?;
        Ed25519KeyPair::from_seed_and_public_key(&seed, &public).map_err(|_| "OpenSSH key pair mismatch")?;
        Self::from_seed(seed)
    }
}

/// Write a new key pair for `identity` into `dir`: `<identity>.key` (PKCS#8 v1 PEM, created with
/// mode 0600 on Unix), `<identity>.pub` (OpenSSH line), `<identity>.pub.pem` (SPKI),
/// `<identity>.pub.json` (securesystemslib, with keyid) and `<identity>.pub.hex` (raw). Never
/// overwrites: an existing file refuses the whole operation before anything is written.
pub fn write_key_files(
    dir: &std::path::Path,
    identity: &str,
    key: &SigningKey,
) -> Result<Vec<std::path::PathBuf>, crate::Error> {
    use std::io::Write as _;
    if !crate::trust::is_identity(identity) {
        return Err(crate::Error::rejected(
            secfw_artifacts::Diagnostic::error(
                crate::codes::KEY_FORMAT,
                identity,
                format!("identity `{identity}` is not valid"),
            )
            .with_hint("use 1-64 characters of A-Z a-z 0-9 . _ @ + -"),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    let p = key.public();
    let files = [
        (format!("{identity}.key"), key.to_pkcs8_pem(), true),
        (format!("{identity}.pub"), format!("{}\n", p.to_openssh(identity)), false),
        (format!("{identity}.pub.pem"), p.to_spki_pem(), false),
        (format!("{identity}.pub.json"), p.to_sslib_json_as(Some(identity)), false),
        (format!("{identity}.pub.hex"), format!("{}\n", p.to_hex()), false),
    ];
    for (name, _, _) in &files {
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(crate::Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "already exists; refusing to overwrite a key"),
            ));
        }
    }
    let mut out = Vec::new();
    for (name, content, secret) in files {
        let path = dir.join(name);
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            o.mode(if secret { 0o600 } else { 0o644 });
        }
        let mut f = o.open(&path).map_err(|e| crate::Error::io(&path, e))?;
        f.write_all(content.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| crate::Error::io(&path, e))?;
        out.push(path);
    }
    Ok(out)
}

/// Largest key file read (64 KiB).
pub const MAX_KEY_BYTES: u64 = 64 * 1024;

fn key_err(path: &std::path::Path, code: secfw_artifacts::Code, msg: String, hint: &str) -> crate::Error {
    crate::Error::rejected(secfw_artifacts::Diagnostic::error(code, path.display().to_string(), msg).with_hint(hint))
}

/// Read a private key file: a regular file (a FIFO or `/dev/zero` is refused without blocking)
/// of at most [`MAX_KEY_BYTES`]. As ssh does, a key readable or writable by group or others is
/// refused unless `allow_insecure_permissions` (Unix).
pub fn load_signing_key(path: &std::path::Path, allow_insecure_permissions: bool) -> Result<SigningKey, crate::Error> {
    use secfw_artifacts::{Links, read_regular};
    let bytes = read_regular(path, MAX_KEY_BYTES, Links::Follow).map_err(|e| {
        key_err(path, crate::codes::KEY_FORMAT, e.to_string(), "a key is a small regular file (PKCS#8 PEM or OpenSSH)")
    })?;
    #[cfg(unix)]
    if !allow_insecure_permissions {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_err(|e| crate::Error::io(path, e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(key_err(
                path,
                crate::codes::KEY_PERMISSIONS,
                format!("the private key has mode {:o}: it is accessible by group or others", mode & 0o777),
                "chmod 600 the key file (or pass --allow-insecure-key-permissions to override)",
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = allow_insecure_permissions;
    let text = String::from_utf8(bytes).map_err(|_| {
        key_err(
            path,
            crate::codes::KEY_FORMAT,
            "the key file is not UTF-8 text".into(),
            "use a PEM or OpenSSH key file",
        )
    })?;
    SigningKey::parse(&text).map_err(|m| {
        key_err(
            path,
            crate::codes::KEY_FORMAT,
            m,
            "use PKCS#8 PEM (secfw keygen) or an unencrypted OpenSSH ed25519 key",
        )
    })
}

/// Read a public key file (any format of [`PublicKey::parse_any`]) without blocking, with a
/// size cap; returns the key and the identity the file carries, if any.
pub fn load_public_key(path: &std::path::Path) -> Result<(PublicKey, Option<String>), crate::Error> {
    use secfw_artifacts::{Links, read_regular};
    let bytes = read_regular(path, MAX_KEY_BYTES, Links::Follow)
        .map_err(|e| key_err(path, crate::codes::KEY_FORMAT, e.to_string(), "a public key is a small regular file"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| key_err(path, crate::codes::KEY_FORMAT, "not UTF-8 text".into(), "use a text key file"))?;
    PublicKey::parse_any(&text).map_err(|m| {
        key_err(path, crate::codes::KEY_FORMAT, m, "an OpenSSH line, SPKI PEM, securesystemslib JSON or 64 hex")
    })
}

/// PEM armour with 64-column base64 lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b = b64_encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        s.push('\n');
    }
    s.push_str("-----END ");
    s.push_str(label);
    s.push_str("-----\n");
    s
}

fn pem_decode(text: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let (_, after_begin) = text.split_once(&begin).ok_or_else(|| format!("no {begin} line"))?;
    let (body, _) = after_begin.split_once(&end).ok_or_else(|| format!("no {end} line"))?;
    let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(body).map_err(|e| format!("PEM body: {e}"))
}

pub(crate) fn ssh_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(s);
}

pub(crate) struct SshReader<'a>(pub(crate) &'a [u8]);

impl<'a> SshReader<'a> {
    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        let (h, t) = self.0.split_at_checked(4).ok_or("truncated SSH data")?;
        self.0 = t;
        Ok(u32::from_be_bytes([h[0], h[1], h[2], h[3]]))
    }

    pub(crate) fn string(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        let (h, t) = self.0.split_at_checked(n).ok_or("truncated SSH string")?;
        self.0 = t;
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_armour_with_multibyte_text_is_an_error_or_its_body() {
        let (b, e) = ("-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----");
        assert!(pem_decode(&format!("é{b}€€\n{e}"), "PUBLIC KEY").is_err());
        assert!(pem_decode(&format!("{e}😀{b}"), "PUBLIC KEY").is_err());
        assert!(pem_decode(&format!("{b}AAAA😀"), "PUBLIC KEY").is_err());
        assert_eq!(pem_decode(&format!("é\n{b}\nAAEC\n{e}\n€"), "PUBLIC KEY").unwrap(), [0, 1, 2]);
    }

    #[test]
    fn rfc8032_test1_key_and_empty_message() {
        let seed = hex_32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let k = SigningKey::from_seed(seed).unwrap();
        assert_eq!(k.public().to_hex(), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert_eq!(
            hex::encode(k.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert_eq!(k.public().keyid(), "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916");
    }

    #[test]
    fn every_public_encoding_round_trips() {
        let k = SigningKey::from_seed([7; 32]).unwrap().public();
        for text in [k.to_hex(), k.to_spki_pem(), k.to_openssh("alice"), k.to_sslib_json()] {
            assert_eq!(PublicKey::parse_any(&text).unwrap().0, k, "{text}");
        }
        assert_eq!(PublicKey::parse_any(&k.to_openssh("alice")).unwrap().1.as_deref(), Some("alice"));
    }

    #[test]
    fn private_key_pem_round_trips_as_pkcs8_v1() {
        let k = SigningKey::from_seed([9; 32]).unwrap();
        let pem = k.to_pkcs8_pem();
        assert_eq!(k.to_pkcs8_v1_der().len(), 48);
        assert_eq!(SigningKey::parse(&pem).unwrap().public(), k.public());
    }
}
