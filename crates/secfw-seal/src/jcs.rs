//! Canonical JSON per RFC 8785 (JCS) for the subset secfw signs: integers only (|n| ≤ 2^53−1),
//! no floats, object members sorted by UTF-16 code units, ECMAScript string escaping.
//!
//! `serde_json` in this workspace has `preserve_order` on (feature unification), so its own
//! output is *not* canonical; this module never relies on map order.
//!
//! A public namespace: RFC 8785 canonical JSON (`jcs::to_vec`).

use serde_json::Value;

/// Largest integer I-JSON (and RFC 8785) represents exactly: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a value cannot be canonicalised.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JcsError {
    /// A float (secfw payloads are integers only).
    Float(String),
    /// An integer outside ±(2^53 − 1).
    IntegerRange(String),
}

impl std::error::Error for JcsError {}

impl std::fmt::Display for JcsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Float(n) => write!(f, "floating-point number {n} (only integers are allowed)"),
            Self::IntegerRange(n) => write!(f, "integer {n} is outside ±(2^53−1)"),
        }
    }
}

/// Serialize `v` canonically.
pub fn to_vec(v: &Value) -> Result<Vec<u8>, JcsError> {
    let mut out = Vec::with_capacity(256);
    write(v, &mut out)?;
    Ok(out)
}

fn write(v: &Value, out: &mut Vec<u8>) -> Result<(), JcsError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u > MAX_SAFE_INTEGER {
                    return Err(JcsError::IntegerRange(n.to_string()));
                }
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(i) = n.as_i64() {
                if i.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(JcsError::IntegerRange(n.to_string()));
                }
                out.extend_from_slice(i.to_string().as_bytes());
            } else {
                return Err(JcsError::Float(n.to_string()));
            }
        }
        Value::String(s) => write_str(s, out),
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(x, out)?;
            }
            out.push(b']');
        }
        Value::Object(m) => {
            let mut keys: Vec<(Vec<u16>, &String, &Value)> =
                m.iter().map(|(k, v)| (k.encode_utf16().collect(), k, v)).collect();
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            out.push(b'{');
            for (i, (_, k, v)) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                write(v, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Parse `bytes` and require that they are already canonical: `bytes == to_vec(parse(bytes))`.
///
/// This one rule rejects duplicate keys (the parser keeps one, so the re-serialization is
/// shorter), whitespace, key reordering, escapes written differently, floats and a trailing
/// newline. Nesting is limited by `serde_json`'s recursion limit (128).
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let again = to_vec(&v).map_err(|e| e.to_string())?;
    if again != bytes {
        let at = again.iter().zip(bytes).position(|(a, b)| a != b).unwrap_or(again.len().min(bytes.len()));
        return Err(format!(
            "not in canonical form (RFC 8785) from byte {at}: duplicate keys, whitespace, key order or escapes differ"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_by_utf16_and_escapes_like_ecmascript() {
        let v = json!({"b": 1, "a": [true, null, "x\ny\u{1}\u{7f}é"], "\u{1F600}": 0, "\u{FB01}": 0});
        let s = String::from_utf8(to_vec(&v).unwrap()).unwrap();
        assert_eq!(s, "{\"a\":[true,null,\"x\\ny\\u0001\u{7f}é\"],\"b\":1,\"\u{1F600}\":0,\"\u{FB01}\":0}");
    }

    #[test]
    fn rejects_floats_and_big_integers() {
        assert!(matches!(to_vec(&json!(1.5)), Err(JcsError::Float(_))));
        assert!(matches!(to_vec(&json!(1u64 << 60)), Err(JcsError::IntegerRange(_))));
        assert!(matches!(to_vec(&json!(-(1i64 << 60))), Err(JcsError::IntegerRange(_))));
        assert_eq!(to_vec(&json!(MAX_SAFE_INTEGER)).unwrap(), b"9007199254740991");
    }

    #[test]
    fn canonical_round_trip_rejects_duplicates_and_whitespace() {
        assert!(parse_canonical(br#"{"a":1,"b":2}"#).is_ok());
        assert!(parse_canonical(br#"{"a":1,"a":1}"#).is_err());
        assert!(parse_canonical(br#"{"b":1,"a":2}"#).is_err());
        assert!(parse_canonical(br#"{"a": 1}"#).is_err());
        assert!(parse_canonical(b"{\"a\":1}\n").is_err());
        assert!(parse_canonical(br#"{"a":"\u0041"}"#).is_err());
    }
}
