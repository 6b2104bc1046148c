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

/// An incremental [`compute`]: fields are fed piece by piece (no intermediate strings); the
/// result equals `compute` over the concatenated pieces of each field.
pub(crate) struct Builder {
    h: Sha256,
    fields: usize,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Self { h: Sha256::new(), fields: 0 }
    }
    /// Start the next field.
    pub(crate) fn field(&mut self) -> &mut Self {
        if self.fields > 0 {
            self.h.update([0x1f]);
        }
        self.fields += 1;
        self
    }
    /// Append to the current field.
    pub(crate) fn put(&mut self, s: &str) -> &mut Self {
        self.h.update(s.as_bytes());
        self
    }
    /// Append whitespace-collapsed text (as [`normalize_ws`]).
    pub(crate) fn put_ws(&mut self, s: &str) -> &mut Self {
        if is_collapsed(s) {
            // Already collapsed (the usual message): hashed in one piece.
            self.h.update(s.as_bytes());
            return self;
        }
        for (i, w) in s.split_whitespace().enumerate() {
            if i > 0 {
                self.h.update(b" ");
            }
            self.h.update(w.as_bytes());
        }
        self
    }
    pub(crate) fn finish(self) -> String {
        let digest = self.h.finalize();
        let mut out = String::with_capacity(SCHEME.len() + 1 + 64);
        out.push_str(SCHEME);
        out.push(':');
        out.push_str(&hex::encode(digest));
        out
    }
}

/// `true` when `s` equals its [`normalize_ws`]: printable ASCII with single spaces between
/// words (text with any other byte, a control character or a vertical tab included, takes the
/// general path, which knows Unicode whitespace).
fn is_collapsed(s: &str) -> bool {
    let b = s.as_bytes();
    b.first().is_none_or(|&c| c != b' ')
        && b.last().is_none_or(|&c| c != b' ')
        && b.iter().all(|&c| c == b' ' || c.is_ascii_graphic())
        && !b.windows(2).any(|w| w == b"  ")
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

/// A SARIF artifact uri as the path it names, so that the spellings of one file are one
/// location: [`normalize_path`], then a `file:` scheme in any case removed, `%XX` escapes
/// decoded (when they decode to UTF-8), repeated `/` collapsed, and `.` and `x/..` segments
/// resolved (a leading `..` is kept). With it, what [`normalize_path`] alone gives when that
/// differs (the location releases before this rule recorded). One allocation for a uri that
/// is already a plain relative path (the common case).
pub(crate) fn uri_path(uri: &str) -> (String, Option<String>) {
    let earlier = normalize_path(uri);
    let scheme = earlier.get(..5).is_some_and(|h| h.eq_ignore_ascii_case("file:"));
    let segments = |s: &str| {
        s.contains("//")
            || s.contains("/./")
            || s.contains("/../")
            || s.starts_with("./")
            || s.ends_with("/.")
            || s.ends_with("/..")
    };
    if !(scheme || earlier.contains('%') || segments(&earlier)) {
        return (earlier, None);
    }
    let mut s = earlier.clone();
    if scheme {
        // `file:` is ASCII: its end, and two slashes after it, are character boundaries.
        let end = if s.get(5..7) == Some("//") { 7 } else { 5 };
        s.replace_range(..end, "");
    }
    if s.contains('%') {
        s = percent_decoded(&s).unwrap_or(s);
    }
    if segments(&s) {
        let absolute = s.starts_with('/');
        let mut parts: Vec<&str> = Vec::new();
        for seg in s.split('/') {
            match seg {
                "" | "." => {}
                ".." if parts.last().is_some_and(|l| *l != "..") => {
                    parts.pop();
                }
                ".." if absolute => {}
                other => parts.push(other),
            }
        }
        let joined = parts.join("/");
        s = if absolute { format!("/{joined}") } else { joined };
    }
    if s == earlier { (s, None) } else { (s, Some(earlier)) }
}

/// `s` with its `%XX` escapes decoded; `None` when an escape is malformed or the bytes are
/// not UTF-8.
fn percent_decoded(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// [`normalize_path`] without a copy when the path is already normal (no backslash): the
/// trimmed text after `file://` and any leading `./`, borrowed.
pub(crate) fn normalized_path(p: &str) -> std::borrow::Cow<'_, str> {
    let t = p.trim();
    if t.contains('\\') {
        return std::borrow::Cow::Owned(normalize_path(p));
    }
    let mut s = t.strip_prefix("file://").unwrap_or(t);
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    std::borrow::Cow::Borrowed(s)
}

/// Collapse runs of whitespace (so re-indented code keeps its identity).
pub fn normalize_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spellings_of_one_file_are_one_path() {
        for (uri, path) in [
            ("src/a.py", "src/a.py"),
            ("./src/a.py", "src/a.py"),
            ("src/./a.py", "src/a.py"),
            ("src//a.py", "src/a.py"),
            ("src/x/../a.py", "src/a.py"),
            ("%73rc/a.py", "src/a.py"),
            ("src/b%2Epy", "src/b.py"),
            ("file:src/a.py", "src/a.py"),
            ("FILE:///repo/src/a.py", "/repo/src/a.py"),
            ("file:///repo/src/../src/a.py", "/repo/src/a.py"),
            ("My%20File.js", "My File.js"),
            ("../lib/a.py", "../lib/a.py"),
            ("a\\b.py", "a/b.py"),
            ("100%", "100%"),
            ("%FF.py", "%FF.py"),
        ] {
            let (p, earlier) = uri_path(uri);
            assert_eq!(p, path, "{uri}");
            assert_eq!(earlier.is_some(), normalize_path(uri) != path, "{uri}");
        }
    }

    proptest::proptest! {
        /// The borrowing form gives what the copying one gives, on paths made of the parts
        /// normalising acts on (and whitespace, including Unicode whitespace around them).
        #[test]
        fn a_normalized_path_borrowed_is_the_normalized_path(p in "(\\./|file://|\\\\|/|a|é| |\u{2003}|\\.){0,10}") {
            let (borrowed, copied) = (normalized_path(&p), normalize_path(&p));
            proptest::prop_assert_eq!(borrowed.as_ref(), copied.as_str());
        }
    }

    #[test]
    fn fingerprints_are_versioned_and_field_separated() {
        let a = compute(&["sarif", "semgrep", "r1", "a.js"]);
        assert!(a.starts_with("secfw/v1:") && a.len() == 9 + 64);
        assert_ne!(a, compute(&["sarif", "semgrep", "r1a", ".js"]));
        assert_eq!(a, compute(&["sarif", "semgrep", "r1", "a.js"]));
        assert!(secfw_artifacts::is_fingerprint(&a));
    }

    #[test]
    fn the_builder_equals_compute() {
        let mut b = Builder::new();
        b.field().put("sarif");
        b.field().put("t");
        b.field().put("a=").put("1").put(";").put("b=2");
        b.field().put("snippet=").put_ws("  x \n y ");
        assert_eq!(b.finish(), compute(&["sarif", "t", "a=1;b=2", "snippet=x y"]));
    }

    #[test]
    fn collapsed_text_hashes_as_the_general_path_does() {
        for s in [
            "",
            "a",
            "a b",
            " a",
            "a ",
            "a  b",
            "a\tb",
            "a\u{a0}b",
            "é b",
            "a\u{2003}",
            "x\u{b}y",
            "a\u{c}b",
            "a b c d",
        ] {
            let mut fast = Builder::new();
            fast.field().put_ws(s);
            assert_eq!(fast.finish(), compute(&[&normalize_ws(s)]), "{s:?}");
        }
    }

    #[test]
    fn paths_and_whitespace_normalise() {
        assert_eq!(normalize_path("file://./src\\a.rs"), "src/a.rs");
        assert_eq!(normalize_ws("  a \n\t b "), "a b");
    }
}
