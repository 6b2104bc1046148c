//! Small helpers over `toml_edit`: positions from spans, datetimes, string escaping.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use secfw_artifacts::{Pos, SourceFile};
use toml_edit::{Item, Table, Value};

/// The position of a span's start.
pub(crate) fn pos(src: &SourceFile, span: Option<std::ops::Range<usize>>) -> Option<Pos> {
    span.map(|s| src.pos_of(s.start))
}

/// The position of `key` in `table` (its key), else of the table.
pub(crate) fn key_pos(src: &SourceFile, table: &Table, key: &str) -> Option<Pos> {
    pos(src, table.key(key).and_then(toml_edit::Key::span)).or_else(|| pos(src, table.span()))
}

/// A TOML date or datetime as an instant: a date alone is the start of that day, UTC (a
/// scanner's expiry is never read later than it can mean); a local datetime is read as UTC.
pub(crate) fn instant(dt: &toml_edit::Datetime) -> Option<DateTime<Utc>> {
    let text = dt.to_string().replace(' ', "T");
    match (dt.date, dt.time, dt.offset) {
        (Some(_), None, None) => {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
        }
        (Some(_), Some(_), Some(_)) => DateTime::parse_from_rfc3339(&text).ok().map(|t| t.with_timezone(&Utc)),
        (Some(_), Some(_), None) => {
            NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc())
        }
        _ => None,
    }
}

/// A human name of an item's type, for messages.
pub(crate) fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => value_type(v),
    }
}

/// A human name of a value's type.
pub(crate) fn value_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::InlineTable(_) => "an inline table",
    }
}

/// A double-quoted string literal that both TOML (basic string) and YAML read back as `s`:
/// JSON escaping (`\"`, `\\`, `\n`, `\t`, `\uXXXX` for C0 controls), and `\uXXXX` also for
/// the characters JSON leaves raw but YAML or TOML refuse or read as a line break (DEL, the C1
/// controls, U+2028/U+2029, U+FEFF, U+FFFE, U+FFFF): a compiled file always parses.
pub(crate) fn quote(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    if !json.chars().any(needs_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{:04X}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters a quoted string must escape beyond JSON's own escapes.
fn needs_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// `s` as the text of a one-line `#` comment (TOML, YAML, `.gitleaksignore`): every control
/// character and line or paragraph separator becomes a space, so the comment can neither end
/// early nor make the file unreadable.
pub(crate) fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_with_del_c1_and_separators_parse_as_toml_and_keep_their_text() {
        let s = "del\u{7f} c1\u{80}\u{9f} nel\u{85} ls\u{2028} bom\u{feff} \"q\" \\ tab\t";
        let q = quote(s);
        assert!(!q.chars().any(needs_escape), "{q}");
        let doc: toml_edit::DocumentMut = format!("k = {q}\n").parse().expect("valid TOML");
        assert_eq!(doc["k"].as_str(), Some(s));
        let yaml: serde_json::Value = serde_json::from_str(&q).expect("JSON (and so YAML flow) string");
        assert_eq!(yaml.as_str(), Some(s));
    }

    #[test]
    fn comments_cannot_end_early() {
        assert_eq!(comment("a\nb\rc\u{7f}d\u{85}e\u{2028}f"), "a b c d e f");
    }
}
