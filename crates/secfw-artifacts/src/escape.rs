//! The one escaper for markup secfw writes: XML (JUnit, SARIF-adjacent reports), HTML (the
//! digest, notification e-mails) and SVG (the digest's charts).
//!
//! Text is escaped for element content and for quoted attribute values alike. Characters XML 1.0
//! forbids (C0 controls other than tab, line feed and carriage return, U+FFFE, U+FFFF) are
//! replaced with U+FFFD, never dropped, so a reader sees that something was there and every
//! output stays well-formed whatever a scanner report held.

/// Escape `s` for XML, HTML and SVG text and attribute values.
///
/// ```
/// use secfw_artifacts::escape_markup as markup;
/// assert_eq!(markup("a<b & \"c\" 'd'\u{1b}"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;\u{fffd}");
/// assert_eq!(markup("tab\tand\nline"), "tab\tand\nline");
/// ```
pub fn markup(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::markup;

    #[test]
    fn every_output_is_well_formed_and_nothing_is_dropped() {
        let hostile = "\u{0}\u{8}\u{b}\u{c}\u{1f}\u{fffe}\u{ffff}<![CDATA[x]]>&lt;\u{202e}";
        let e = markup(hostile);
        assert_eq!(e.matches('\u{fffd}').count(), 7, "each forbidden character is replaced, not dropped");
        assert!(!e.contains('<') && !e.contains('>'));
        assert!(e.contains("&amp;lt;"), "an existing entity is escaped again");
        assert!(e.contains('\u{202e}'), "bidi controls are legal XML and kept as written");
    }
}
