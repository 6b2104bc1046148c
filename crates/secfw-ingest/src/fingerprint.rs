//! Fingerprints: `secfw/v1:<sha256 hex>` over a per-source list of identity fields.
//!
//! The fields never include line numbers, columns, timestamps, scan ids or the position of
//! a result in its report, so a finding keeps its identity when code moves, when a scan is
//! re-run and when a producer reorders its output. The fields per source are listed in
//! `docs/ingest.md`; changing them means a new version (`secfw/v2`).

use sha2::{Digest, Sha256};

/// The fingerprint scheme and version this crate writes.
pub const SCHEME: &str = "secfw/v1";

/// `secfw/v1:` + hex(sha256(fields joined by U+001F)), with the source kind as first field.
pub fn compute(fields: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(f.as_bytes());
    }
    format!("{SCHEME}:{}", hex::encode(h.finalize()))
}

/// Normalise a file location for identity: strip `file://`, leading `./`, use `/`.
pub fn normalize_path(p: &str) -> String {
    let mut s = p.trim().replace('\\', "/");
    if let Some(rest) = s.strip_prefix("file://") {
        s = rest.to_owned();
    }
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_owned();
    }
    s
}

/// Collapse runs of whitespace (so re-indented code keeps its identity).
pub fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_versioned_and_field_separated() {
        let a = compute(&["sarif", "semgrep", "r1", "a.js"]);
        assert!(a.starts_with("secfw/v1:") && a.len() == 9 + 64);
        assert_ne!(a, compute(&["sarif", "semgrep", "r1a", ".js"]));
        assert_eq!(a, compute(&["sarif", "semgrep", "r1", "a.js"]));
        assert!(secfw_artifacts::workspace::is_fingerprint(&a));
    }

    #[test]
    fn paths_and_whitespace_normalise() {
        assert_eq!(normalize_path("file://./src\\a.rs"), "src/a.rs");
        assert_eq!(normalize_ws("  a \n\t b "), "a b");
    }
}
