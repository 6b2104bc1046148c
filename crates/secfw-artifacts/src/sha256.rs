//! SHA-256 digests as values instead of hex strings: [`Sha256Digest`] (64 lower-case hex
//! characters, the digest of a file) and [`Seal`] (`sha256:` + the same, the digest of a signed
//! payload). Both parse strictly: wrong length, a character that is not hex, upper-case hex or a
//! missing `sha256:` prefix is refused with the offset of the first bad character
//! ([`DigestError`]), turned into a located `SF0110` diagnostic by [`Sha256Digest::parse_at`] /
//! [`Seal::parse_at`]. Lower-case only: digests are compared as text in manifests, packages and
//! states, so a second spelling of one digest would be a second value.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes;
use crate::diag::{Diagnostic, Pos};

/// The prefix of a [`Seal`].
const SEAL_PREFIX: &str = "sha256:";
/// Hex characters in a SHA-256 digest.
const HEX_LEN: usize = 64;

/// A SHA-256 digest; written as 64 lower-case hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest([u8; 32]);

/// The seal of a signed payload: `sha256:` + the payload's [`Sha256Digest`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seal(Sha256Digest);

/// Why a text is not a digest, and where (a byte offset into the text; every accepted character
/// is ASCII, so it is also the character offset up to the first bad character).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed SHA-256 digest or seal: {kind} (at offset {offset})")]
#[non_exhaustive]
pub struct DigestError {
    /// What is wrong.
    pub kind: DigestErrorKind,
    /// Byte offset of the first bad character (or of the end, for a short digest).
    pub offset: usize,
}

/// What is wrong with a digest text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestErrorKind {
    /// Not 64 hex characters.
    #[error("a SHA-256 digest has 64 hex characters, found {found}")]
    Length {
        /// Characters found.
        found: usize,
    },
    /// A character that is not a hex digit.
    #[error("{found:?} is not a hex digit")]
    NotHex {
        /// The character.
        found: char,
    },
    /// An upper-case hex digit (digests are written in lower case only).
    #[error("{found:?} is upper case; digests are written in lower-case hex")]
    UpperCase {
        /// The character.
        found: char,
    },
    /// A seal without the `sha256:` prefix (or with another algorithm).
    #[error("a seal starts with `sha256:`")]
    MissingPrefix,
}

impl DigestError {
    /// This error as a located `SF0110` diagnostic: `at` is the position of the value's first
    /// character in `file`; the diagnostic points at the bad character.
    pub fn to_diagnostic(&self, file: &str, at: Option<Pos>, what: &str) -> Diagnostic {
        let pos = at.map(|p| Pos {
            line: p.line,
            column: p.column.saturating_add(u32::try_from(self.offset).unwrap_or(u32::MAX)),
        });
        Diagnostic::error(codes::INVALID_VALUE, file, format!("{what}: {}", self.kind)).at(pos).with_hint(
            "write the digest as produced by secfw (`sha256:` and 64 lower-case hex characters for a seal, the 64 \
             characters alone for a file digest)",
        )
    }
}

fn parse_hex(s: &str, base: usize) -> Result<[u8; 32], DigestError> {
    for (i, c) in s.char_indices() {
        match c {
            '0'..='9' | 'a'..='f' => {}
            'A'..='F' => return Err(DigestError { kind: DigestErrorKind::UpperCase { found: c }, offset: base + i }),
            _ if i >= HEX_LEN => break,
            _ => return Err(DigestError { kind: DigestErrorKind::NotHex { found: c }, offset: base + i }),
        }
    }
    if s.len() != HEX_LEN {
        let found = s.chars().count();
        return Err(DigestError { kind: DigestErrorKind::Length { found }, offset: base + s.len().min(HEX_LEN) });
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out)
        .map_err(|_| DigestError { kind: DigestErrorKind::Length { found: s.len() }, offset: base })?;
    Ok(out)
}

impl Sha256Digest {
    /// The digest with these bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The SHA-256 of `data`.
    pub fn of(data: &[u8]) -> Self {
        use sha2::Digest as _;
        Self(sha2::Sha256::digest(data).into())
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parse 64 lower-case hex characters.
    pub fn parse(s: &str) -> Result<Self, DigestError> {
        parse_hex(s, 0).map(Self)
    }

    /// [`Self::parse`], with a failure located in `file` (`at`: the value's first character).
    pub fn parse_at(s: &str, file: &str, at: Option<Pos>) -> Result<Self, Diagnostic> {
        Self::parse(s).map_err(|e| e.to_diagnostic(file, at, "not a SHA-256 digest"))
    }

    /// The 64 lower-case hex characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The seal whose digest this is.
    pub const fn to_seal(self) -> Seal {
        Seal(self)
    }
}

impl Seal {
    /// The seal of `payload` (`sha256:` + its SHA-256).
    pub fn of(payload: &[u8]) -> Self {
        Self(Sha256Digest::of(payload))
    }

    /// The digest, without the prefix.
    pub const fn digest(&self) -> &Sha256Digest {
        &self.0
    }

    /// Parse `sha256:` + 64 lower-case hex characters.
    pub fn parse(s: &str) -> Result<Self, DigestError> {
        let Some(hex) = s.strip_prefix(SEAL_PREFIX) else {
            return Err(DigestError { kind: DigestErrorKind::MissingPrefix, offset: 0 });
        };
        parse_hex(hex, SEAL_PREFIX.len()).map(|b| Self(Sha256Digest(b)))
    }

    /// [`Self::parse`], with a failure located in `file` (`at`: the value's first character).
    pub fn parse_at(s: &str, file: &str, at: Option<Pos>) -> Result<Self, Diagnostic> {
        Self::parse(s).map_err(|e| e.to_diagnostic(file, at, "not a seal"))
    }

    /// The first `n` hex characters of the digest (at most 64), as package file names use them.
    pub fn short(&self, n: usize) -> String {
        let mut h = self.0.to_hex();
        h.truncate(n.min(HEX_LEN));
        h
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({self})")
    }
}

impl fmt::Display for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SEAL_PREFIX}{}", self.0)
    }
}

impl fmt::Debug for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Seal({self})")
    }
}

impl FromStr for Sha256Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl FromStr for Seal {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PartialEq<str> for Sha256Digest {
    /// Equal to exactly its own text (64 lower-case hex): another spelling is another value.
    fn eq(&self, other: &str) -> bool {
        Self::parse(other).is_ok_and(|o| o == *self)
    }
}

impl PartialEq<str> for Seal {
    fn eq(&self, other: &str) -> bool {
        Self::parse(other).is_ok_and(|o| o == *self)
    }
}

impl Serialize for Sha256Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl Serialize for Seal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Seal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Sha256Digest {
    fn schema_name() -> Cow<'static, str> {
        "Sha256Digest".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "A SHA-256 digest: 64 lower-case hex characters."
        })
    }
}

impl JsonSchema for Seal {
    fn schema_name() -> Cow<'static, str> {
        "Seal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^sha256:[0-9a-f]{64}$",
            "description": "The seal of a signed payload: `sha256:` and 64 lower-case hex characters."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// A range of [`HEX`] (ASCII, so every index is a character boundary).
    fn h(r: std::ops::Range<usize>) -> &'static str {
        HEX.get(r).expect("HEX is ASCII")
    }

    #[test]
    fn the_digest_of_nothing_round_trips_as_hex_and_as_a_seal() {
        let d = Sha256Digest::of(b"");
        assert_eq!(d.to_string(), HEX);
        assert_eq!(Sha256Digest::parse(HEX), Ok(d));
        let s = Seal::of(b"");
        assert_eq!(s.to_string(), format!("sha256:{HEX}"));
        assert_eq!(Seal::parse(&s.to_string()), Ok(s));
        assert_eq!(*s.digest(), d);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"sha256:{HEX}\""));
        assert_eq!(serde_json::from_str::<Seal>(&format!("\"sha256:{HEX}\"")).unwrap(), s);
        assert_eq!(serde_json::from_str::<Sha256Digest>(&format!("\"{HEX}\"")).unwrap(), d);
        assert_eq!(s.short(12), h(0..12));
    }

    /// Every way a producer can get a digest wrong is refused, pointing at the first bad
    /// character; none is normalised into a digest.
    #[test]
    fn bad_digests_are_refused_with_the_offset_of_the_first_bad_character() {
        let upper = HEX.to_uppercase();
        let cases: Vec<(String, DigestErrorKind, usize)> = vec![
            (String::new(), DigestErrorKind::Length { found: 0 }, 0),
            (h(0..63).to_owned(), DigestErrorKind::Length { found: 63 }, 63),
            (format!("{HEX}0"), DigestErrorKind::Length { found: 65 }, 64),
            (format!("{}g{}", h(0..10), h(11..64)), DigestErrorKind::NotHex { found: 'g' }, 10),
            (format!("{} {}", h(0..5), h(6..64)), DigestErrorKind::NotHex { found: ' ' }, 5),
            (format!("{}é{}", h(0..7), h(9..64)), DigestErrorKind::NotHex { found: 'é' }, 7),
            (upper, DigestErrorKind::UpperCase { found: 'E' }, 0),
            (format!("{HEX}\n"), DigestErrorKind::Length { found: 65 }, 64),
        ];
        for (text, kind, offset) in cases {
            assert_eq!(Sha256Digest::parse(&text), Err(DigestError { kind: kind.clone(), offset }), "{text:?}");
            let seal = format!("sha256:{text}");
            assert_eq!(Seal::parse(&seal), Err(DigestError { kind, offset: offset + 7 }), "{seal:?}");
            assert!(serde_json::from_str::<Seal>(&serde_json::to_string(&seal).unwrap()).is_err());
        }
        for bad in [HEX.to_owned(), format!("sha512:{HEX}"), format!("SHA256:{HEX}"), format!(" sha256:{HEX}")] {
            assert_eq!(Seal::parse(&bad), Err(DigestError { kind: DigestErrorKind::MissingPrefix, offset: 0 }));
        }
    }

    #[test]
    fn a_bad_seal_in_a_file_is_a_located_sf0110() {
        let d = Seal::parse_at(&format!("sha256:{}X", h(0..63)), "handoff_manifest.yaml", Some(Pos::new(4, 10)))
            .unwrap_err();
        assert_eq!(d.code, codes::INVALID_VALUE);
        assert_eq!(d.file, "handoff_manifest.yaml");
        assert_eq!((d.line, d.column), (Some(4), Some(10 + 7 + 63)));
        assert!(d.message.contains("not a seal") && d.message.contains("not a hex digit"), "{}", d.message);
        assert!(d.hint.is_some());
    }

    #[test]
    fn a_seal_equals_only_its_exact_text() {
        let s = Seal::of(b"payload");
        assert!(s == *s.to_string().as_str());
        assert!(s != *s.to_string().to_uppercase().as_str());
        assert!(s != *s.digest().to_string().as_str());
    }
}
