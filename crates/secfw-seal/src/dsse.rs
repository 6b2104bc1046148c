//! DSSE v1 envelopes: the pre-authentication encoding (PAE), base64 handling that accepts both
//! alphabets, and strict, size-capped envelope parsing.
//!
//! A public namespace: the DSSE wire format (`dsse::pae`, `dsse::b64_decode`).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

/// The only payloadType secfw signs and accepts.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// Largest envelope file read (16 MiB).
pub const MAX_ENVELOPE_BYTES: u64 = 16 * 1024 * 1024;
/// Most signatures considered in one envelope.
pub const MAX_SIGNATURES: usize = 32;

/// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in bytes.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let t = payload_type.as_bytes();
    let mut v = Vec::with_capacity(body.len() + t.len() + 32);
    v.extend_from_slice(b"DSSEv1 ");
    v.extend_from_slice(t.len().to_string().as_bytes());
    v.push(b' ');
    v.extend_from_slice(t);
    v.push(b' ');
    v.extend_from_slice(body.len().to_string().as_bytes());
    v.push(b' ');
    v.extend_from_slice(body);
    v
}

/// One signature in an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EnvelopeSignature {
    /// Key id hint (securesystemslib default keyid). Never used for security decisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
    /// Base64 signature (standard alphabet on output; either alphabet accepted).
    pub sig: String,
}

/// A DSSE envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Envelope {
    /// Base64 of the serialized body.
    pub payload: String,
    /// The payload's media type.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Signatures over `PAE(payloadType, body)`.
    pub signatures: Vec<EnvelopeSignature>,
}

const INDIFFERENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, INDIFFERENT);
const URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, INDIFFERENT);

/// Decode base64 in either the standard or the URL-safe alphabet, padded or not (DSSE: "verifiers
/// MUST accept either"). Mixed alphabets are an error.
pub fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    STD.decode(s).or_else(|_| URL.decode(s)).map_err(|e| format!("invalid base64: {e}"))
}

/// Standard base64 with padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Envelope {
    /// An unsigned envelope around `body`.
    pub fn new(body: &[u8]) -> Self {
        Self { payload: b64_encode(body), payload_type: PAYLOAD_TYPE.to_owned(), signatures: Vec::new() }
    }

    /// Parse an envelope strictly: a JSON object with string `payload` and `payloadType` and an
    /// array `signatures` of objects with a string `sig` (and optional string `keyid`). Unknown
    /// fields are ignored. Size and signature-count caps apply.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() as u64 > MAX_ENVELOPE_BYTES {
            return Err(format!("envelope is {} bytes, over the {MAX_ENVELOPE_BYTES}-byte limit", bytes.len()));
        }
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
        let obj = v.as_object().ok_or("the envelope is not a JSON object")?;
        let s = |k: &str| -> Result<String, String> {
            match obj.get(k) {
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(format!("`{k}` is not a string")),
                None => Err(format!("`{k}` is missing")),
            }
        };
        let payload = s("payload")?;
        let payload_type = s("payloadType")?;
        let sigs = match obj.get("signatures") {
            Some(serde_json::Value::Array(a)) => a,
            Some(_) => return Err("`signatures` is not an array".into()),
            None => return Err("`signatures` is missing".into()),
        };
        if sigs.len() > MAX_SIGNATURES {
            return Err(format!("{} signatures, over the limit of {MAX_SIGNATURES}", sigs.len()));
        }
        let mut signatures = Vec::with_capacity(sigs.len());
        for (i, x) in sigs.iter().enumerate() {
            let o = x.as_object().ok_or_else(|| format!("signatures[{i}] is not an object"))?;
            let sig = match o.get("sig") {
                Some(serde_json::Value::String(s)) => s.clone(),
                _ => return Err(format!("signatures[{i}].sig is missing or not a string")),
            };
            let keyid = match o.get("keyid") {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::String(_) | serde_json::Value::Null) | None => None,
                Some(_) => return Err(format!("signatures[{i}].keyid is not a string")),
            };
            signatures.push(EnvelopeSignature { keyid, sig });
        }
        Ok(Self { payload, payload_type, signatures })
    }

    /// The decoded payload bytes.
    pub fn body(&self) -> Result<Vec<u8>, String> {
        b64_decode(&self.payload)
    }

    /// Pretty JSON with a trailing newline (field order fixed by the struct).
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dsse_spec_pae_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn both_base64_alphabets_are_accepted_mixed_is_not() {
        assert_eq!(b64_decode("+/8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(b64_decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(b64_decode("+_8=").is_err());
        assert!(b64_decode("***").is_err());
    }
}
