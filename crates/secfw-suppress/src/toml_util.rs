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

/// A TOML basic string literal (JSON string escaping is valid TOML basic-string escaping for
/// every character secfw writes: `\"`, `\\`, `\n`, `\t`, `\uXXXX`).
pub(crate) fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}
