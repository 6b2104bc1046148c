//! `data:` of an evidence item ([`EvidenceData`]), held compactly when it has the shape
//! `secfw ingest` records for a scanner result ([`ScanResultEvidence`]).

use std::borrow::Cow;
use std::sync::Arc;

use serde::ser::SerializeMap as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The keys of [`ScanResultEvidence`], in the order they are written.
const REPORT: &str = "report";
const REPORT_SHA256: &str = "report_sha256";
const POINTER: &str = "pointer";
const TOOL: &str = "tool";
const RULE_ID: &str = "rule_id";
const TARGET: &str = "target";
const LOCATION: &str = "location";
const LINE: &str = "line";
const OCCURRENCES: &str = "occurrences";
const SEVERITY: &str = "severity";
const SEVERITY_SOURCE: &str = "severity_source";
const CLASS: &str = "class";
/// The shape's keys in order: (key, optional, a `u64` rather than a string).
const SHAPE: [(&str, bool, bool); 12] = [
    (REPORT, false, false),
    (REPORT_SHA256, false, false),
    (POINTER, false, false),
    (TOOL, false, false),
    (RULE_ID, true, false),
    (TARGET, false, false),
    (LOCATION, false, false),
    (LINE, true, true),
    (OCCURRENCES, false, true),
    (SEVERITY, true, false),
    (SEVERITY_SOURCE, false, false),
    (CLASS, false, false),
];
/// The keys of [`SHAPE`], in order.
const FIXED: [&str; 12] = {
    let mut keys = [""; 12];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = SHAPE[i].0;
        i += 1;
    }
    keys
};

/// Free-form data of an evidence item (the seed's `<object>`): any JSON value.
///
/// It behaves as the [`serde_json::Value`] it holds: it is written as that value (the same
/// keys in the same order, so the same bytes), reads back from it, compares equal to it
/// ([`PartialEq`] compares maps regardless of key order, as `serde_json` does), and
/// [`get`](Self::get) answers as the value's `get` would.
///
/// A ledger holds one such item per ingested finding, in the one shape `secfw ingest`
/// records ([`ScanResultEvidence`]). As a map of a dozen entries that takes about two
/// kilobytes a finding; that shape is therefore held as typed fields (about three hundred
/// bytes, the report's name and digest shared), whether ingest built it or it was read from a
/// file. Any other value, and any map that differs from the shape in one key, one key's
/// position or one value's type, is held as the value itself.
#[derive(Clone, Debug)]
pub struct EvidenceData(Repr);

#[derive(Clone, Debug)]
enum Repr {
    /// Boxed like the other, so an evidence item takes two words in its finding.
    Value(Box<Value>),
    Scan(Box<ScanResultEvidence>),
}

/// The evidence `secfw ingest` records for a scanner result (`type: scan_result`), written
/// with these keys in this order (the optional ones only when set), then the
/// [`extra`](Self::extra) entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanResultEvidence {
    /// `report`: the report's name as given to ingest.
    pub report: Arc<str>,
    /// `report_sha256`: the SHA-256 of the report's bytes, in lower-case hex.
    pub report_sha256: Arc<str>,
    /// `pointer`: the JSON pointer of the result in the report.
    pub pointer: String,
    /// `tool`: the scanner, lower case.
    pub tool: Arc<str>,
    /// `rule_id`: the scanner's rule or advisory id, when it gave one.
    pub rule_id: Option<String>,
    /// `target`: the scan target the result belongs to.
    pub target: Arc<str>,
    /// `location`: the file, package or resource.
    pub location: String,
    /// `line`: the 1-based line, for code findings.
    pub line: Option<u64>,
    /// `occurrences`: results of the report that share the finding's fingerprint.
    pub occurrences: u64,
    /// `severity`: the severity the scanner gave the result, as secfw read it (lower case),
    /// when recorded. Ingest compares it with the next report's to tell a scanner's change
    /// of rating from a person's edit of the finding's own severity.
    pub severity: Option<Cow<'static, str>>,
    /// `severity_source`: where the severity came from.
    pub severity_source: Cow<'static, str>,
    /// `class`: the scope class of the finding.
    pub class: Cow<'static, str>,
    /// Further entries, in order (fix versions, URLs, suppressions ...). Their keys are none
    /// of the keys above and each appears once; otherwise [`EvidenceData::scan_result`] holds
    /// the map the entries make, as inserting them one by one would build it.
    pub extra: Vec<(Cow<'static, str>, Value)>,
}

impl ScanResultEvidence {
    /// Number of entries of the map it is written as.
    fn len(&self) -> usize {
        9 + usize::from(self.rule_id.is_some())
            + usize::from(self.line.is_some())
            + usize::from(self.severity.is_some())
            + self.extra.len()
    }

    /// The value of one of its keys (`None`: not one of its keys).
    fn get<'a>(&'a self, key: &str) -> Option<Field<'a>> {
        let s = |v: &'a str| Some(Field::Str(v));
        match key {
            REPORT => s(&self.report),
            REPORT_SHA256 => s(&self.report_sha256),
            POINTER => s(&self.pointer),
            TOOL => s(&self.tool),
            RULE_ID => self.rule_id.as_deref().and_then(s),
            TARGET => s(&self.target),
            LOCATION => s(&self.location),
            LINE => self.line.map(Field::U64),
            OCCURRENCES => Some(Field::U64(self.occurrences)),
            SEVERITY => self.severity.as_deref().and_then(s),
            SEVERITY_SOURCE => s(&self.severity_source),
            CLASS => s(&self.class),
            _ => self.extra.iter().find(|(k, _)| k == key).map(|(_, v)| Field::Value(v)),
        }
    }

    /// Every entry, in the order written.
    fn entries(&self) -> impl Iterator<Item = (&str, Field<'_>)> {
        FIXED
            .iter()
            .filter_map(|&k| self.get(k).map(|v| (k, v)))
            .chain(self.extra.iter().map(|(k, v)| (k.as_ref(), Field::Value(v))))
    }

    /// `true` when the extra entries' keys are none of the fixed keys and each appears once.
    fn extras_are_distinct(&self) -> bool {
        self.extra
            .iter()
            .enumerate()
            .all(|(i, (k, _))| !FIXED.contains(&k.as_ref()) && !self.extra[..i].iter().any(|(other, _)| other == k))
    }

    /// The map it is written as, built by inserting its entries one by one (a repeated key
    /// keeps its first position and takes the last value).
    fn to_map(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::with_capacity(self.len());
        for (k, v) in self.entries() {
            m.insert(k.to_owned(), v.into_value());
        }
        m
    }
}

impl Serialize for ScanResultEvidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.entries() {
            map.serialize_entry(k, &v)?;
        }
        map.end()
    }
}

/// The value of one entry of a [`ScanResultEvidence`].
enum Field<'a> {
    Str(&'a str),
    U64(u64),
    Value(&'a Value),
}

impl<'a> Field<'a> {
    fn into_value(self) -> Value {
        match self {
            Self::Str(s) => Value::String(s.to_owned()),
            Self::U64(n) => Value::from(n),
            Self::Value(v) => v.clone(),
        }
    }

    fn as_str(&self) -> Option<&'a str> {
        match *self {
            Self::Str(s) => Some(s),
            Self::U64(_) => None,
            Self::Value(v) => v.as_str(),
        }
    }

    /// `true` when it is `v`.
    fn is(&self, v: &Value) -> bool {
        match self {
            Self::Str(s) => v.as_str() == Some(*s),
            Self::U64(n) => v.as_u64() == Some(*n),
            Self::Value(x) => *x == v,
        }
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Str(v) => s.serialize_str(v),
            Self::U64(n) => s.serialize_u64(*n),
            Self::Value(v) => v.serialize(s),
        }
    }
}

impl EvidenceData {
    /// Evidence data in the shape of [`ScanResultEvidence`]. When its extra entries repeat a
    /// key (or use one of the fixed ones), it holds the map that inserting the entries one by
    /// one builds instead, as it did before this shape was typed.
    pub fn scan_result(e: ScanResultEvidence) -> Self {
        if e.extras_are_distinct() {
            Self(Repr::Scan(Box::new(e)))
        } else {
            Self(Repr::Value(Box::new(Value::Object(e.to_map()))))
        }
    }

    /// The value of `key`, when the data is a map that has it (borrowed when held as a value).
    pub fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        match &self.0 {
            Repr::Value(v) => v.get(key).map(Cow::Borrowed),
            Repr::Scan(e) => e.get(key).map(|f| match f {
                Field::Value(v) => Cow::Borrowed(v),
                f => Cow::Owned(f.into_value()),
            }),
        }
    }

    /// The string value of `key`, when the data is a map whose `key` is a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match &self.0 {
            Repr::Value(v) => v.get(key).and_then(Value::as_str),
            Repr::Scan(e) => e.get(key).and_then(|f| f.as_str()),
        }
    }

    /// `true` when the data is a map that has `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        match &self.0 {
            Repr::Value(v) => v.get(key).is_some(),
            Repr::Scan(e) => e.get(key).is_some(),
        }
    }

    /// The scanner-result shape, when the data is held in it.
    pub fn as_scan_result(&self) -> Option<&ScanResultEvidence> {
        match &self.0 {
            Repr::Scan(e) => Some(e),
            Repr::Value(_) => None,
        }
    }

    /// The data as a [`Value`] (built, for the scanner-result shape).
    pub fn to_value(&self) -> Value {
        match &self.0 {
            Repr::Value(v) => (**v).clone(),
            Repr::Scan(e) => Value::Object(e.to_map()),
        }
    }

    /// The data as a [`Value`].
    pub fn into_value(self) -> Value {
        match self.0 {
            Repr::Value(v) => *v,
            Repr::Scan(e) => Value::Object(e.to_map()),
        }
    }
}

impl From<Value> for EvidenceData {
    /// Holds a map of the scanner-result shape as [`ScanResultEvidence`], anything else as
    /// it is.
    fn from(v: Value) -> Self {
        let Value::Object(m) = v else { return Self(Repr::Value(Box::new(v))) };
        let mut read = ShapeReader::default();
        let mut entries = m.into_iter();
        while let Some((k, v)) = entries.next() {
            if let Err((key, v)) = read.take(Key::of(k), v) {
                // The map as it was: the entries read, this one, the rest.
                let mut m = read.into_map();
                m.insert(key.into_string(), v);
                m.extend(entries);
                return Self(Repr::Value(Box::new(Value::Object(m))));
            }
        }
        read.finish()
    }
}

impl From<EvidenceData> for Value {
    fn from(d: EvidenceData) -> Self {
        d.into_value()
    }
}

impl PartialEq for EvidenceData {
    /// As `serde_json` compares values: maps by their entries, regardless of order.
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Value(a), Repr::Value(b)) => a == b,
            (Repr::Scan(a), Repr::Scan(b)) => {
                fn fixed(e: &ScanResultEvidence) -> impl PartialEq + '_ {
                    (
                        &e.report,
                        &e.report_sha256,
                        &e.pointer,
                        &e.tool,
                        &e.rule_id,
                        &e.target,
                        &e.location,
                        e.line,
                        e.occurrences,
                        &e.severity,
                        &e.severity_source,
                        &e.class,
                    )
                }
                fixed(a) == fixed(b)
                    && a.extra.len() == b.extra.len()
                    && a.extra.iter().all(|(k, v)| b.extra.iter().any(|(l, w)| k == l && v == w))
            }
            (Repr::Scan(e), Repr::Value(v)) | (Repr::Value(v), Repr::Scan(e)) => v
                .as_object()
                .is_some_and(|m| m.len() == e.len() && e.entries().all(|(k, f)| m.get(k).is_some_and(|x| f.is(x)))),
        }
    }
}

impl Eq for EvidenceData {}

impl Serialize for EvidenceData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Value(v) => v.serialize(s),
            Repr::Scan(e) => e.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for EvidenceData {
    /// Any value; a map that repeats a key is refused (as everywhere in an artifact). A map in
    /// the scanner-result shape is read straight into its fields, without building the map.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DataVisitor)
    }
}

/// The visitor of [`EvidenceData`]: [`crate::yaml::StrictVisitor`]'s values, and its maps
/// read into [`ScanResultEvidence`] as long as they keep to the shape.
struct DataVisitor;

/// Every value but a map, as [`crate::yaml::StrictVisitor`] reads it.
macro_rules! strict {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $name<E: serde::de::Error>(self, $($arg: $ty),*) -> Result<EvidenceData, E> {
            crate::yaml::StrictVisitor.$name($($arg),*).map(EvidenceData::from)
        }
    )*};
}

impl<'de> serde::de::Visitor<'de> for DataVisitor {
    type Value = EvidenceData;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        serde::de::Visitor::expecting(&crate::yaml::StrictVisitor, f)
    }
    strict! {
        visit_bool(v: bool);
        visit_i64(v: i64);
        visit_u64(v: u64);
        visit_f64(v: f64);
        visit_str(v: &str);
        visit_string(v: String);
        visit_unit();
        visit_none();
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<EvidenceData, D::Error> {
        EvidenceData::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<EvidenceData, A::Error> {
        crate::yaml::StrictVisitor.visit_seq(seq).map(EvidenceData::from)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<EvidenceData, A::Error> {
        let mut read = ShapeReader::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let crate::yaml::StrictValue(v) = map.next_value()?;
            if let Err((key, v)) = read.take(key, v) {
                // It left the shape: the rest is read as any map is.
                let mut m = read.into_map();
                crate::yaml::strict_insert(&mut m, key.into_string(), v)?;
                crate::yaml::strict_entries(&mut m, &mut map)?;
                return Ok(EvidenceData(Repr::Value(Box::new(Value::Object(m)))));
            }
        }
        Ok(read.finish())
    }
}

/// A key of a map read as evidence data: one of the shape's (by position), or another.
enum Key {
    Fixed(usize),
    Other(String),
}

impl Key {
    fn of(k: String) -> Self {
        FIXED.iter().position(|f| *f == k).map_or(Self::Other(k), Self::Fixed)
    }

    fn into_string(self) -> String {
        match self {
            Self::Fixed(i) => FIXED[i].to_owned(),
            Self::Other(k) => k,
        }
    }
}

/// Reads a key as `String` does (the same errors), without allocating the shape's keys.
struct KeySeed;

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_string(self)
    }
}

impl serde::de::Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(FIXED.iter().position(|f| *f == v).map_or_else(|| Key::Other(v.to_owned()), Key::Fixed))
    }
    fn visit_string<E>(self, v: String) -> Result<Key, E> {
        Ok(Key::of(v))
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
        }
    }
    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Key, E> {
        match String::from_utf8(v) {
            Ok(s) => self.visit_string(s),
            Err(e) => Err(E::invalid_value(serde::de::Unexpected::Bytes(&e.into_bytes()), &self)),
        }
    }
}

/// The entries of a map read so far, while they keep to the scanner-result shape: the fixed
/// keys in order (an optional one may be left out), each with a value of its type, then other
/// keys, each once.
#[derive(Default)]
struct ShapeReader {
    fixed: [Option<Value>; 12],
    /// The position in [`SHAPE`] of the next fixed key that may come.
    next: usize,
    extra: Vec<(String, Value)>,
}

impl ShapeReader {
    /// Take the next entry, or give it back when it leaves the shape.
    fn take(&mut self, key: Key, v: Value) -> Result<(), (Key, Value)> {
        match key {
            Key::Fixed(i) => {
                let in_order = i >= self.next && SHAPE[self.next..i].iter().all(|&(_, optional, _)| optional);
                let typed = if SHAPE[i].2 { v.is_u64() } else { v.is_string() };
                if !(in_order && typed) {
                    return Err((key, v));
                }
                self.fixed[i] = Some(v);
                self.next = i + 1;
            }
            Key::Other(k) => {
                if self.next < SHAPE.len() || self.extra.iter().any(|(e, _)| *e == k) {
                    return Err((Key::Other(k), v));
                }
                self.extra.push((k, v));
            }
        }
        Ok(())
    }

    /// The entries read, as the map they make (in the order read).
    fn into_map(self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::with_capacity(self.fixed.iter().flatten().count() + self.extra.len() + 1);
        for (key, v) in FIXED.iter().zip(self.fixed) {
            if let Some(v) = v {
                m.insert((*key).to_owned(), v);
            }
        }
        m.extend(self.extra);
        m
    }

    /// The data read: typed when every required key came, else the map.
    fn finish(self) -> EvidenceData {
        if self.next < SHAPE.len() {
            return EvidenceData(Repr::Value(Box::new(Value::Object(self.into_map()))));
        }
        let [
            report,
            report_sha256,
            pointer,
            tool,
            rule_id,
            target,
            location,
            line,
            occurrences,
            severity,
            severity_source,
            class,
        ] = self.fixed;
        // `take` checked each value's type: the defaults are never used.
        let string = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let e = ScanResultEvidence {
            report: string(report).unwrap_or_default().into(),
            report_sha256: string(report_sha256).unwrap_or_default().into(),
            pointer: string(pointer).unwrap_or_default(),
            tool: string(tool).unwrap_or_default().into(),
            rule_id: string(rule_id),
            target: string(target).unwrap_or_default().into(),
            location: string(location).unwrap_or_default(),
            line: line.and_then(|v| v.as_u64()),
            occurrences: occurrences.and_then(|v| v.as_u64()).unwrap_or_default(),
            severity: string(severity).map(Cow::Owned),
            severity_source: Cow::Owned(string(severity_source).unwrap_or_default()),
            class: Cow::Owned(string(class).unwrap_or_default()),
            extra: self.extra.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
        };
        EvidenceData(Repr::Scan(Box::new(e)))
    }
}

impl schemars::JsonSchema for EvidenceData {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Value::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Value::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::{EvidenceData, FIXED};

    /// The shape as the documentation states it: the fixed keys in order (`rule_id`, `line`
    /// and `severity` may be left out), strings but `line` and `occurrences` (whole numbers from 0),
    /// then keys that are none of the fixed ones.
    fn fits(m: &serde_json::Map<String, Value>) -> bool {
        let mut it = m.iter().peekable();
        for key in FIXED {
            match it.peek() {
                Some((k, v)) if k.as_str() == key => {
                    let number = key == "line" || key == "occurrences";
                    if !(if number { v.is_u64() } else { v.is_string() }) {
                        return false;
                    }
                    it.next();
                }
                _ if key == "rule_id" || key == "line" || key == "severity" => {}
                _ => return false,
            }
        }
        it.all(|(k, _)| !FIXED.contains(&k.as_str()))
    }

    /// Evidence as `secfw ingest` writes it for a SARIF result (every key of the shape).
    fn ingest_map() -> Value {
        json!({
            "report": "reports/semgrep.sarif",
            "report_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "pointer": "/runs/0/results/7",
            "tool": "semgrep",
            "rule_id": "python.lang.security.audit.eval",
            "target": "services/api",
            "location": "src/app.py",
            "line": 12,
            "occurrences": 1,
            "severity": "high",
            "severity_source": "level",
            "class": "rules",
            "level": "error",
            "suppressions": [{"kind": "inSource", "status": "accepted"}]
        })
    }

    /// The same value, three ways: written (JSON) to the same bytes, equal both ways, read
    /// back to itself.
    fn same(d: &EvidenceData, v: &Value) {
        assert_eq!(serde_json::to_string(d).unwrap(), serde_json::to_string(v).unwrap());
        assert_eq!(&d.to_value(), v);
        assert!(*d == EvidenceData(super::Repr::Value(Box::new(v.clone()))), "{v}");
        assert!(EvidenceData(super::Repr::Value(Box::new(v.clone()))) == *d, "{v}");
        let back: EvidenceData = serde_json::from_str(&serde_json::to_string(d).unwrap()).unwrap();
        assert!(back == *d);
    }

    #[test]
    fn the_ingest_shape_is_held_typed_and_written_as_its_map() {
        let v = ingest_map();
        let d = EvidenceData::from(v.clone());
        let e = d.as_scan_result().expect("the ingest shape is typed");
        assert_eq!(
            (e.line, e.occurrences, e.rule_id.as_deref()),
            (Some(12), 1, Some("python.lang.security.audit.eval"))
        );
        assert_eq!(e.extra.len(), 2);
        same(&d, &v);
        assert_eq!(d.get_str("report_sha256"), v["report_sha256"].as_str());
        assert_eq!(d.get_str("level"), Some("error"));
        assert_eq!(d.get("line").as_deref(), Some(&json!(12)));
        assert_eq!(d.get("suppressions").as_deref(), Some(&v["suppressions"]));
        assert!(d.contains_key("pointer") && !d.contains_key("nope") && d.get_str("line").is_none());
        // The optional keys left out: still the shape.
        let mut m = v.as_object().unwrap().clone();
        m.shift_remove("rule_id");
        m.shift_remove("line");
        m.shift_remove("severity");
        let v2 = Value::Object(m);
        let d2 = EvidenceData::from(v2.clone());
        assert!(d2.as_scan_result().is_some());
        same(&d2, &v2);
        assert_ne!(d2, d);
        assert_ne!(d, d2);
        assert!(!d.contains_key("nope") && d2.get("rule_id").is_none());
    }

    #[test]
    fn any_difference_from_the_shape_keeps_the_value_as_it_is() {
        let base = ingest_map();
        let m = base.as_object().unwrap();
        let mut cases: Vec<Value> =
            vec![json!(null), json!("text"), json!([1, 2]), json!({}), json!({"file": "a.log"})];
        // Two fixed keys swapped.
        let mut swapped = serde_json::Map::new();
        for (k, v) in m {
            match k.as_str() {
                "pointer" => drop(swapped.insert("tool".to_owned(), m["tool"].clone())),
                "tool" => drop(swapped.insert("pointer".to_owned(), m["pointer"].clone())),
                _ => drop(swapped.insert(k.clone(), v.clone())),
            }
        }
        cases.push(Value::Object(swapped));
        // Each key missing, and each key with a value of another type.
        for key in FIXED {
            let mut without = m.clone();
            without.shift_remove(key);
            cases.push(Value::Object(without));
            for other in [json!(7), json!(-1), json!(1.5), json!("12"), json!(null), json!(["x"]), json!({"a": 1})] {
                let mut changed = m.clone();
                changed[key] = other;
                cases.push(Value::Object(changed));
            }
        }
        // A fixed key left out of its place and written among the extras.
        let mut late = m.clone();
        let line = late.shift_remove("line").unwrap();
        late.insert("line".to_owned(), line);
        cases.push(Value::Object(late));
        let mut typed = 0;
        for v in &cases {
            let d = EvidenceData::from(v.clone());
            typed += usize::from(d.as_scan_result().is_some());
            same(&d, v);
        }
        // Only the optional keys' absence (3) and values of their own type (strings for
        // strings, u64 for numbers) stay typed.
        let expected_typed = cases
            .iter()
            .filter(|v| {
                let Some(o) = v.as_object() else { return false };
                fits(o)
            })
            .count();
        assert_eq!(typed, expected_typed);
        assert!(typed >= 3 && typed < cases.len() / 2, "{typed} of {}", cases.len());
    }

    /// Read as evidence data and as a strict value: the same value, or the same error.
    fn reads_alike(text: &str) -> Option<EvidenceData> {
        let strict = crate::yaml::strict_value(&mut serde_json::Deserializer::from_str(text));
        let data: Result<EvidenceData, _> = serde_json::from_str(text);
        match (strict, data) {
            (Ok(v), Ok(d)) => {
                same(&d, &v);
                Some(d)
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{text}");
                None
            }
            (a, b) => panic!("{text}: {a:?} / {b:?}"),
        }
    }

    #[test]
    fn data_is_read_straight_into_the_shape_with_the_errors_of_any_map() {
        let full = serde_json::to_string(&ingest_map()).unwrap();
        assert!(reads_alike(&full).unwrap().as_scan_result().is_some());
        let cases = [
            // A fixed key twice: in order, and after leaving the shape.
            full.replacen(r#""tool":"semgrep","#, r#""tool":"semgrep","tool":"x","#, 1),
            full.replacen(r#""line":12,"#, r#""line":"12","pointer":"/x","#, 1),
            // An extra key twice, and an extra equal to an earlier fixed one.
            full.replacen(r#""level":"error","#, r#""level":"error","level":"note","#, 1),
            full.replacen(r#""level":"error","#, r#""level":"error","report":"r","#, 1),
            // Left out, out of place, of another type.
            full.replacen(r#""class":"rules","#, "", 1),
            full.replacen(r#""rule_id":"python.lang.security.audit.eval","#, "", 1),
            full.replacen(r#""occurrences":1,"#, r#""occurrences":-1,"#, 1),
            full.replacen(r#""pointer":"/runs/0/results/7","#, "", 1).replacen('}', r#","pointer":"/p"}"#, 1),
            r#"{"report":"a","x":1}"#.to_owned(),
            r#"{"report":"a","report":"b"}"#.to_owned(),
            r#"{"a":1,"a":2}"#.to_owned(),
            r#"[{"report":"a"},1,"s",null,true,1.5,-3]"#.to_owned(),
            "{}".to_owned(),
            r#"{"report":1e999}"#.to_owned(),
        ];
        let mut typed = 0;
        for text in &cases {
            if let Some(d) = reads_alike(text) {
                typed += usize::from(d.as_scan_result().is_some());
            }
        }
        // Only the one without `rule_id` (optional) keeps the shape.
        assert_eq!(typed, 1);
        for dup in &cases[..4] {
            let e = serde_json::from_str::<EvidenceData>(dup).unwrap_err().to_string();
            assert!(e.contains("duplicate mapping key"), "{dup}: {e}");
        }
    }

    #[test]
    fn a_shape_whose_extras_repeat_a_key_is_held_as_the_map_inserting_them_builds() {
        let d = EvidenceData::from(ingest_map());
        let mut e = d.as_scan_result().unwrap().clone();
        e.extra.push(("level".into(), json!("note")));
        e.extra.push(("tool".into(), json!("other")));
        let got = EvidenceData::scan_result(e);
        assert!(got.as_scan_result().is_none());
        let v = got.to_value();
        assert_eq!(v["level"], "note");
        assert_eq!(v["tool"], "other");
        // Each key once, each in its first position.
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys[3], "tool");
        assert_eq!(keys.len(), 14);
    }

    /// Maps near the shape: its keys (and others) in random order with values of random types.
    fn near_shape() -> impl Strategy<Value = Value> {
        let key = prop_oneof![prop::sample::select(FIXED.to_vec()).prop_map(str::to_owned), "[a-z_]{1,6}"];
        let value = prop_oneof![
            Just(json!(null)),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[ -~]{0,6}".prop_map(Value::from),
            Just(json!([1])),
        ];
        let shaped = (
            prop::collection::vec("[ -~]{0,6}", 9),
            (any::<bool>(), any::<bool>(), any::<u64>(), any::<u64>()),
            prop::collection::vec(("[a-z_]{1,6}", value.clone()), 0..3),
        )
            .prop_map(|(s, (rule, line, l, n), extra)| {
                let mut m = serde_json::Map::new();
                let mut s = s.into_iter();
                for key in FIXED {
                    let v = match key {
                        "rule_id" if !rule => continue,
                        "line" if !line => continue,
                        "line" => Value::from(l),
                        "occurrences" => Value::from(n),
                        _ => Value::from(s.next().unwrap_or_default()),
                    };
                    m.insert(key.to_owned(), v);
                }
                for (k, v) in extra {
                    m.insert(k, v);
                }
                Value::Object(m)
            });
        prop_oneof![
            shaped,
            prop::collection::vec((key, value), 0..14).prop_map(|kv| Value::Object(kv.into_iter().collect()))
        ]
    }

    proptest! {
        /// Whatever the map, the data is the value: same bytes, equal, read back to itself.
        #[test]
        fn every_map_is_held_as_the_value_it_is(v in near_shape(), w in near_shape()) {
            let d = EvidenceData::from(v.clone());
            same(&d, &v);
            let e = EvidenceData::from(w.clone());
            prop_assert_eq!(d == e, v == w);
            for key in FIXED.iter().copied().chain(["level", "x"]) {
                let got = d.get(key);
                prop_assert_eq!(got.as_deref(), v.get(key));
                prop_assert_eq!(d.get_str(key), v.get(key).and_then(Value::as_str));
            }
        }
    }
}
