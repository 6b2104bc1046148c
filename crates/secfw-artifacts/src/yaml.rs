//! The one place secfw parses YAML (and JSON): serde-saphyr with explicit budgets.
//!
//! - Budgets are sized from the input length, so a legitimate file never hits them while
//!   alias bombs, nesting bombs and node floods are refused early.
//! - Anchors and aliases are refused outright: artifacts never need them, and they are the
//!   vehicle of "billion laughs" and of values that mean something else than they look.
//! - Duplicate mapping keys are errors (silently keeping one of two values is how a value is
//!   smuggled past review).
//! - A document in JSON syntax (first character `{` or `[`) takes a serde_json fast path into
//!   the same types, with the same diagnostics.
//! - Fields the schema does not know are reported with their location: warnings by default,
//!   errors in strict mode.
//!
//! Errors become [`Diagnostic`]s with a stable code, the file, line and column and a hint.
//!
//! A public namespace (`yaml::parse`, `yaml::to_string`): every crate parses YAML through it.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, Options};

pub mod canonical;

use crate::codes;
use crate::diag::{Diagnostic, Level, Pos};
use crate::source::SourceFile;

/// Deepest nesting accepted in an artifact (mappings and sequences).
pub const MAX_DEPTH: usize = 64;

/// How a parse treats fields that the schema does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownFields {
    /// Report them as warnings (the default).
    #[default]
    Warn,
    /// Report them as errors (`--strict`).
    Deny,
}

/// A parsed value with the non-fatal diagnostics found while parsing it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Parsed<T> {
    /// The typed value.
    pub value: T,
    /// Warnings (or, in strict mode, errors) about unknown fields.
    pub diagnostics: Vec<Diagnostic>,
}

/// The serde-saphyr options secfw uses for an input of `len` bytes.
///
/// Every node of a YAML document takes at least one byte of input once aliases are refused,
/// so `len`-proportional node and event budgets never reject a legitimate file.
pub fn options_for(len: usize) -> Options {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_anchors = 0;
    budget.max_aliases = 0;
    budget.max_documents = 1;
    budget.max_nodes = 4_096 + len;
    budget.max_events = 8_192 + len.saturating_mul(2);
    budget.max_total_scalar_bytes = 4_096 + len;
    budget.max_merge_keys = 0;
    let mut opts = Options::default();
    opts.budget = Some(budget);
    opts.with_snippet = false;
    opts
}

/// `true` when the document is in JSON syntax (its first significant character is `{` or `[`).
pub fn is_json_syntax(text: &str) -> bool {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = t.trim_start();
    // A YAML comment before the body means YAML, even if a JSON body follows.
    rest.starts_with('{') || rest.starts_with('[')
}

/// The byte offset of the first `{` or `[` nested deeper than `limit` in JSON text (strings
/// skipped), so the JSON fast path enforces the same depth budget as the YAML path, even inside
/// values serde would skip.
///
/// It jumps from one `"`, `{` or `[` to the next (memchr) and counts the `}` and `]` in between
/// (closers only lower the depth, so counting them in bulk gives the depth at each opener), and
/// skips strings to their closing quote: several times faster than a byte-by-byte walk on a
/// large ledger. Unterminated input ends the scan (the parser reports it).
fn json_too_deep(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    loop {
        let rest = bytes.get(i..)?;
        let k = memchr::memchr3(b'"', b'{', b'[', rest)?;
        let closers = rest[..k].iter().filter(|&&b| b == b'}' || b == b']').count();
        depth = depth.saturating_sub(closers);
        i += k;
        if bytes[i] == b'"' {
            i += 1;
            loop {
                let j = memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
                i += j;
                if bytes[i] == b'\\' {
                    i += 2;
                } else {
                    i += 1;
                    break;
                }
            }
        } else {
            depth += 1;
            if depth > limit {
                return Some(i);
            }
            i += 1;
        }
    }
}

/// JSON documents larger than this (bytes) have their nesting depth checked on a second thread
/// while they are parsed.
pub const PARALLEL_DEPTH_SCAN_BYTES: usize = 1 << 20;

/// Parse `src` into `T`, collecting unknown-field diagnostics.
///
/// A fatal problem (syntax, type, missing field, budget) is returned as one located error.
pub fn parse<T: DeserializeOwned>(src: &SourceFile, unknown: UnknownFields) -> Result<Parsed<T>, Diagnostic> {
    let mut ignored: Vec<Vec<Seg>> = Vec::new();
    let json = is_json_syntax(&src.text);
    let result: Result<T, Diagnostic> = if json {
        let text = src.text.strip_prefix('\u{feff}').unwrap_or(&src.text);
        let too_deep = |offset: usize| {
            let bom = src.text.len() - text.len();
            Diagnostic::error(codes::TOO_DEEP, &src.name, format!("nesting is deeper than {MAX_DEPTH} levels"))
                .at(Some(src.pos_of(bom + offset)))
                .with_hint(hint_for(codes::TOO_DEEP, ""))
        };
        let mut parse_json = || {
            let mut de = serde_json::Deserializer::from_str(text);
            serde_ignored::deserialize(OneHint(&mut de), |path| ignored.push(segments(&path)))
                .and_then(|v| de.end().map(|()| v))
                .map_err(|e| json_error(src, &e))
        };
        if text.len() > PARALLEL_DEPTH_SCAN_BYTES {
            // A large document: the depth scan runs beside the parse instead of before it
            // (the parse is the critical path of a load). A document the scan refuses is
            // refused exactly as before, whatever the parse made of it; the parse itself is
            // safe on any nesting meanwhile (serde_json stops at 128 levels of typed or
            // free-form values and skips unknown values without recursion).
            let (deep, parsed) = std::thread::scope(|s| {
                let scan = s.spawn(|| json_too_deep(text, MAX_DEPTH));
                let parsed = parse_json();
                (scan.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), parsed)
            });
            if let Some(offset) = deep {
                return Err(too_deep(offset));
            }
            parsed
        } else {
            if let Some(offset) = json_too_deep(text, MAX_DEPTH) {
                return Err(too_deep(offset));
            }
            parse_json()
        }
    } else {
        serde_saphyr::with_deserializer_from_str_with_options(&src.text, options_for(src.text.len()), |de| {
            serde_ignored::deserialize(OneHint(de), |path| ignored.push(segments(&path)))
        })
        .map_err(|e| yaml_error(src, &e))
    };
    let value = result?;
    let mut diagnostics = Vec::new();
    if !ignored.is_empty() {
        let map = SourceMap::build(src);
        for path in ignored {
            let pointer = pointer_string(&path);
            let field = match path.last() {
                Some(Seg::Key(k)) => k.clone(),
                _ => pointer.clone(),
            };
            let level = match unknown {
                UnknownFields::Warn => Level::Warning,
                UnknownFields::Deny => Level::Error,
            };
            diagnostics.push(
                Diagnostic::new(
                    codes::UNKNOWN_FIELD,
                    level,
                    &src.name,
                    format!("unknown field `{field}` at {pointer}"),
                )
                .at(map.as_ref().and_then(|m| m.key_pos(&path)))
                .with_hint("remove it or fix its spelling; see the artifact reference in docs/artifacts.md"),
            );
        }
    }
    Ok(Parsed { value, diagnostics })
}

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl From<&str> for Seg {
    fn from(s: &str) -> Self {
        Self::Key(s.to_owned())
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Self::Index(i)
    }
}

/// Build a path from keys and indices: `path!["findings", 3, "governance"]`.
#[macro_export]
macro_rules! path {
    ($($s:expr),* $(,)?) => { vec![$($crate::yaml::Seg::from($s)),*] };
}

/// A JSON-pointer rendering of a path (`/findings/3/severity`).
pub fn pointer_string(path: &[Seg]) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut s = String::new();
    for seg in path {
        s.push('/');
        match seg {
            Seg::Key(k) => s.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Seg> {
    use serde_ignored::Path as P;
    let mut out = Vec::new();
    let mut cur = path;
    loop {
        match cur {
            P::Root => break,
            P::Seq { parent, index } => {
                out.push(Seg::Index(*index));
                cur = parent;
            }
            P::Map { parent, key } => {
                out.push(Seg::Key(key.clone()));
                cur = parent;
            }
            P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => cur = parent,
        }
    }
    out.reverse();
    out
}

fn json_error(src: &SourceFile, e: &serde_json::Error) -> Diagnostic {
    use serde_json::error::Category;
    let msg = strip_json_location(&e.to_string());
    let code = match e.classify() {
        Category::Io | Category::Syntax | Category::Eof => {
            if msg.contains("recursion limit") {
                codes::TOO_DEEP
            } else {
                codes::SYNTAX
            }
        }
        Category::Data => classify_serde_message(&msg),
    };
    let pos = (e.line() > 0)
        .then(|| Pos::new(u32::try_from(e.line()).unwrap_or(u32::MAX), u32::try_from(e.column()).unwrap_or(u32::MAX)));
    Diagnostic::error(code, &src.name, msg.clone()).at(pos).with_hint(hint_for(code, &msg))
}

fn strip_json_location(s: &str) -> String {
    s.rsplit_once(" at line ").map_or(s, |(message, _)| message).to_owned()
}

fn yaml_error(src: &SourceFile, e: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let inner = e.without_snippet();
    let raw = strip_yaml_location(&inner.to_string());
    let (code, msg) = match inner {
        E::Budget { breach, .. } => {
            let b = format!("{breach:?}");
            if b.starts_with("Depth") {
                (codes::TOO_DEEP, format!("nesting is deeper than {MAX_DEPTH} levels"))
            } else if b.starts_with("Aliases") || b.starts_with("Anchors") {
                (
                    codes::ALIAS_FORBIDDEN,
                    "YAML anchors (&name) and aliases (*name) are not allowed in secfw artifacts".to_owned(),
                )
            } else if b.starts_with("Documents") {
                (codes::MULTIPLE_DOCUMENTS, "the file holds more than one YAML document".to_owned())
            } else if b.starts_with("MergeKeys") {
                (codes::ALIAS_FORBIDDEN, "YAML merge keys (<<) are not allowed in secfw artifacts".to_owned())
            } else {
                (codes::BUDGET, format!("the document exceeds a parser budget ({b})"))
            }
        }
        E::MultipleDocuments { .. } => {
            (codes::MULTIPLE_DOCUMENTS, "the file holds more than one YAML document".to_owned())
        }
        E::DuplicateMappingKey { .. } => {
            let m = raw.split(", set DuplicateKeyPolicy").next().unwrap_or(&raw).to_owned();
            (codes::DUPLICATE_KEY, m)
        }
        E::Unexpected { expected, location } => {
            let top = location.line() <= 1 && location.column() <= 1;
            if top && expected.contains("mapping") {
                (
                    codes::WRONG_TYPE,
                    "the document is not a mapping: expected the artifact's top-level keys (version, ...)".to_owned(),
                )
            } else {
                let what = match *expected {
                    e if e.starts_with("sequence") => "a list",
                    e if e.starts_with("mapping") => "a mapping",
                    e if e.contains("string") => "a string (a plain or quoted scalar)",
                    e => e,
                };
                (codes::WRONG_TYPE, format!("wrong type: expected {what}"))
            }
        }
        E::Eof { .. } => (codes::SYNTAX, "unexpected end of input: the document is empty or cut short".to_owned()),
        E::SerdeInvalidType { .. }
        | E::SerdeInvalidLength { .. }
        | E::NullIntoString { .. }
        | E::InvalidScalar { .. }
        | E::InvalidBooleanStrict { .. }
        | E::NonFiniteFloat { .. } => (codes::WRONG_TYPE, raw),
        E::SerdeUnknownVariant { .. } => (codes::UNKNOWN_VARIANT, raw),
        E::SerdeMissingField { .. } => (codes::MISSING_FIELD, raw),
        E::SerdeUnknownField { .. } => (codes::UNKNOWN_FIELD, raw),
        E::SerdeInvalidValue { .. } => (codes::INVALID_VALUE, raw),
        E::AliasError { .. }
        | E::UnknownAnchor { .. }
        | E::MergeKeyNotAllowed { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. } => (
            codes::ALIAS_FORBIDDEN,
            "YAML anchors (&name) and aliases (*name) are not allowed in secfw artifacts".to_owned(),
        ),
        E::Message { .. } => {
            let c = classify_serde_message(&raw);
            (if c == codes::SYNTAX { codes::INVALID_VALUE } else { c }, raw)
        }
        _ => {
            let lower = raw.to_ascii_lowercase();
            let c = if lower.contains("recursion") || lower.contains("nesting") {
                codes::TOO_DEEP
            } else if lower.contains("alias") || lower.contains("anchor") {
                codes::ALIAS_FORBIDDEN
            } else if lower.contains("duplicate") {
                codes::DUPLICATE_KEY
            } else {
                codes::SYNTAX
            };
            (c, raw)
        }
    };
    let pos = inner.location().and_then(|l| {
        let (line, col) = (l.line(), l.column());
        (line > 0)
            .then(|| Pos::new(u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(col.max(1)).unwrap_or(u32::MAX)))
    });
    Diagnostic::error(code, &src.name, msg.clone()).at(pos).with_hint(hint_for(code, &msg))
}

fn strip_yaml_location(s: &str) -> String {
    // serde-saphyr renders "line L column C: message" or "message at line L, column C".
    let t = s.trim_start_matches("error: ");
    let t = match t.strip_prefix("line ").and_then(|rest| rest.split_once(": ").map(|(_, m)| m)) {
        Some(m) => m,
        None => t,
    };
    let t = match t.rsplit_once(" at line ") {
        Some((message, at)) if at.contains("column") => message,
        _ => t,
    };
    t.trim().to_owned()
}

fn classify_serde_message(msg: &str) -> crate::diag::Code {
    if msg.starts_with("invalid type") || msg.starts_with("invalid length") {
        codes::WRONG_TYPE
    } else if msg.starts_with("unknown variant") {
        codes::UNKNOWN_VARIANT
    } else if msg.starts_with("missing field") {
        codes::MISSING_FIELD
    } else if msg.starts_with("duplicate field")
        || msg.contains("duplicate key")
        || msg.contains("duplicate mapping key")
    {
        codes::DUPLICATE_KEY
    } else if msg.starts_with("unknown field") {
        codes::UNKNOWN_FIELD
    } else if msg.starts_with("invalid value") {
        codes::INVALID_VALUE
    } else if msg.starts_with("recursion limit") {
        codes::TOO_DEEP
    } else {
        codes::INVALID_VALUE
    }
}

fn hint_for(code: crate::diag::Code, msg: &str) -> String {
    match code {
        codes::SYNTAX => "fix the syntax at this position (check indentation, quotes and brackets)".to_owned(),
        codes::WRONG_TYPE => {
            "change the value to the expected type (quote strings that look like numbers or booleans)".to_owned()
        }
        codes::UNKNOWN_VARIANT => "use one of the allowed values listed in the message".to_owned(),
        codes::MISSING_FIELD => "add the missing field; see docs/artifacts.md for the required fields".to_owned(),
        codes::DUPLICATE_KEY => "remove one of the two entries: a key may appear once per mapping".to_owned(),
        codes::ALIAS_FORBIDDEN => {
            "write the value out in full: anchors (&) and aliases (*) are not allowed in artifacts".to_owned()
        }
        codes::TOO_DEEP => format!("flatten the structure: nesting is limited to {MAX_DEPTH} levels"),
        codes::BUDGET => {
            "the document is too large or too complex for its size; check for generated garbage".to_owned()
        }
        codes::MULTIPLE_DOCUMENTS => "keep one YAML document per artifact (remove extra `---` separators)".to_owned(),
        codes::UNKNOWN_FIELD => "remove it or fix its spelling; see docs/artifacts.md".to_owned(),
        _ => {
            if msg.contains("date") {
                "write dates as YYYY-MM-DD and times as RFC 3339 (2025-01-27T10:00:00Z)".to_owned()
            } else {
                "correct the value as the message describes".to_owned()
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Source map: from a path in the document to the line and column of its key and value.
// ------------------------------------------------------------------------------------------

/// Positions of every key and value of a YAML/JSON document, for locating semantic problems.
///
/// Built only when a diagnostic needs a position (the error path), from a second, untyped
/// parse of the in-memory text.
#[derive(Debug, Clone)]
pub struct SourceMap {
    root: Node,
    root_pos: Pos,
}

#[derive(Debug, Clone)]
enum Node {
    Map(Vec<(String, Pos, Pos, Node)>),
    Seq(Vec<(Pos, Node)>),
    Scalar,
}

impl SourceMap {
    /// Read `src`'s event stream for positions. `None` if the text is not well-formed YAML (a
    /// parse error was reported then).
    ///
    /// This uses the YAML event parser directly, with no type inference, so every document the
    /// typed parse accepted (huge integers, `.nan`, JSON nested deeper inside ignored fields)
    /// can be located too.
    pub fn build(src: &SourceFile) -> Option<Self> {
        use granit_parser::{Event, Parser};
        /// An open collection: where it starts, and its children so far (a mapping also holds
        /// the key waiting for its value).
        enum Frame {
            Map(Pos, Vec<(String, Pos, Pos, Node)>, Option<(String, Pos)>),
            Seq(Pos, Vec<(Pos, Node)>),
        }
        fn attach(stack: &mut [Frame], root: &mut Option<(Pos, Node)>, pos: Pos, node: Node, key: Option<String>) {
            match stack.last_mut() {
                Some(Frame::Map(_, entries, pending)) => match pending.take() {
                    Some((k, kp)) => entries.push((k, kp, pos, node)),
                    None => *pending = Some((key.unwrap_or_default(), pos)),
                },
                Some(Frame::Seq(_, items)) => items.push((pos, node)),
                None => *root = Some((pos, node)),
            }
        }
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<(Pos, Node)> = None;
        let mut depth = 0usize;
        for ev in Parser::new_from_str(&src.text) {
            let (event, span) = ev.ok()?;
            let pos = Pos::new(
                u32::try_from(span.start.line()).unwrap_or(u32::MAX).max(1),
                u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
            );
            match event {
                Event::Scalar(text, ..) => {
                    let key = matches!(stack.last(), Some(Frame::Map(_, _, None))).then(|| text.into_owned());
                    attach(&mut stack, &mut root, pos, Node::Scalar, key);
                }
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    depth += 1;
                    if depth > 512 {
                        return None;
                    }
                    // A collection used as a mapping key cannot be addressed by a path; it is
                    // recorded with an empty key.
                    let frame = if matches!(event, Event::MappingStart(..)) {
                        Frame::Map(pos, Vec::new(), None)
                    } else {
                        Frame::Seq(pos, Vec::new())
                    };
                    stack.push(frame);
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    depth = depth.saturating_sub(1);
                    let (start, node) = match stack.pop()? {
                        Frame::Map(start, entries, _) => (start, Node::Map(entries)),
                        Frame::Seq(start, items) => (start, Node::Seq(items)),
                    };
                    attach(&mut stack, &mut root, start, node, Some(String::new()));
                }
                Event::Alias(_) => attach(&mut stack, &mut root, pos, Node::Scalar, Some(String::new())),
                _ => {}
            }
        }
        let (root_pos, root) = root?;
        Some(Self { root, root_pos })
    }

    /// Position of the value at `path`.
    pub fn pos(&self, path: &[Seg]) -> Option<Pos> {
        self.walk(path).map(|(_, v)| v)
    }

    /// Position of the key (for mappings) or item (for sequences) at `path`.
    pub fn key_pos(&self, path: &[Seg]) -> Option<Pos> {
        self.walk(path).map(|(k, _)| k)
    }

    /// Position of the deepest existing prefix of `path` (useful for "missing" problems).
    pub fn nearest(&self, path: &[Seg]) -> Pos {
        for n in (0..=path.len()).rev() {
            if let Some(p) = self.pos(&path[..n]) {
                return p;
            }
        }
        self.root_pos
    }

    fn walk(&self, path: &[Seg]) -> Option<(Pos, Pos)> {
        let mut node = &self.root;
        let mut here = (self.root_pos, self.root_pos);
        for seg in path {
            match (node, seg) {
                (Node::Map(entries), Seg::Key(k)) => {
                    let (_, kp, vp, n) = entries.iter().find(|(name, ..)| name == k)?;
                    here = (*kp, *vp);
                    node = n;
                }
                (Node::Seq(items), Seg::Index(i)) => {
                    let (p, n) = items.get(*i)?;
                    here = (*p, *p);
                    node = n;
                }
                _ => return None,
            }
        }
        Some(here)
    }
}

/// Serialize a value as YAML deterministically (block style, 2-space indent, keys in struct
/// order).
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, crate::Error> {
    serde_saphyr::to_string(value).map_err(|e| crate::Error::Serialize(Box::new(e)))
}

/// Deserialize free-form data (`serde_json::Value`) rejecting duplicate mapping keys, so the
/// JSON fast path refuses them exactly like the YAML path does.
pub fn strict_value<'de, D: Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
    StrictValue::deserialize(d).map(|v| v.0)
}

pub(crate) struct StrictValue(pub(crate) serde_json::Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

/// The visitor of [`strict_value`]: any value, a map that repeats a key refused.
pub(crate) struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<serde_json::Value, E> {
        serde_json::Number::from_f64(v)
            .map(Into::into)
            .ok_or_else(|| E::custom("non-finite numbers (.nan, .inf) are not allowed"))
    }
    fn visit_str<E>(self, v: &str) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<serde_json::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<serde_json::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<serde_json::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<serde_json::Value, D::Error> {
        strict_value(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<serde_json::Value, A::Error> {
        // Sized from the hint ([`OneHint`]: one when the format does not know), capped so a
        // hint can never reserve more than the input could fill.
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(StrictValue(x)) = seq.next_element()? {
            v.push(x);
        }
        Ok(v.into())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<serde_json::Value, A::Error> {
        // One entry expected when the format does not say (most evidence data is a
        // single `file:` key): the map then holds one slot instead of three.
        let mut m = serde_json::Map::with_capacity(map.size_hint().unwrap_or(1).min(64));
        strict_entries(&mut m, &mut map)?;
        Ok(m.into())
    }
}

/// Read the rest of `map` into `m`, refusing a key `m` already holds.
pub(crate) fn strict_entries<'de, A: MapAccess<'de>>(
    m: &mut serde_json::Map<String, serde_json::Value>,
    map: &mut A,
) -> Result<(), A::Error> {
    while let Some(k) = map.next_key::<String>()? {
        let StrictValue(v) = map.next_value()?;
        strict_insert(m, k, v)?;
    }
    Ok(())
}

/// Insert an entry read from a map, refusing a key `m` already holds.
pub(crate) fn strict_insert<E: de::Error>(
    m: &mut serde_json::Map<String, serde_json::Value>,
    k: String,
    v: serde_json::Value,
) -> Result<(), E> {
    // The key is moved in, not copied for a message that is almost never built.
    match m.entry(k) {
        serde_json::map::Entry::Occupied(o) => Err(E::custom(format!("duplicate mapping key: {}", o.key()))),
        serde_json::map::Entry::Vacant(e) => {
            e.insert(v);
            Ok(())
        }
    }
}

// ------------------------------------------------------------------------------------------
// Sequence size hints: lists read at their exact size when they hold one element.
// ------------------------------------------------------------------------------------------

/// A deserializer that tells every sequence it reads to expect one element when the format
/// does not know the length (serde_json and serde-saphyr never do).
///
/// serde builds a `Vec` from a sequence with the capacity its size hint gives, and without one
/// the first element allocates room for four. A ledger's lists (affected resources, evidence,
/// tags, standards, policy references, CWE and CVE ids) mostly hold one element, so on a
/// 100k-finding ledger the unused room was tens of megabytes of the load's peak memory (and the
/// time to fault those pages in). With a hint of one, a one-element list is allocated exactly;
/// a longer one grows 1 → 4 → 8 as before, one reallocation more; an empty one now allocates
/// its one slot (the hint is read before the first element: on M, where 90% of the findings
/// have `evidence: []`, that costs ≈ 9 MB of what is saved). Only the allocation changes:
/// the value read, every error and its position are the same (they come from the format's
/// deserializer, which this one forwards to).
struct OneHint<D>(D);

/// A visitor, seed, sequence, map or enum access forwarding to the one it wraps, with
/// [`OneHint`] around every deserializer it hands on.
struct Hinted<X>(X);

macro_rules! forward_deserialize {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(Hinted(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for OneHint<D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Hinted(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Hinted(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Hinted(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Hinted(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Hinted(visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Hinted(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Hinted<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(OneHint(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(OneHint(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Hinted(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Hinted(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Hinted(data))
    }
}

impl<'de, S: de::DeserializeSeed<'de>> de::DeserializeSeed<'de> for Hinted<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(OneHint(d))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Hinted<A> {
    type Error = A::Error;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.0.next_element_seed(Hinted(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.size_hint().unwrap_or(1))
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Hinted<A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Hinted(seed))
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(Hinted(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Hinted<A> {
    type Error = A::Error;
    type Variant = Hinted<A::Variant>;

    fn variant_seed<S: de::DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Hinted(seed))?;
        Ok((value, Hinted(variant)))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Hinted<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: de::DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(Hinted(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Hinted(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Hinted(visitor))
    }
}

#[cfg(test)]
mod depth_tests {
    use super::json_too_deep;
    use proptest::prelude::*;

    /// The byte-by-byte walk `json_too_deep` replaced: the reference it must agree with.
    fn reference(text: &str, limit: usize) -> Option<usize> {
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        for (i, b) in text.bytes().enumerate() {
            if in_str {
                match b {
                    _ if esc => esc = false,
                    b'\\' => esc = true,
                    b'"' => in_str = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => {
                    depth += 1;
                    if depth > limit {
                        return Some(i);
                    }
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        None
    }

    #[test]
    fn brackets_inside_strings_and_after_escapes_do_not_count() {
        assert_eq!(json_too_deep(r#"{"a":"[[[[[[","b":"\"[[[["}"#, 2), None);
        assert_eq!(json_too_deep(r#"[[["\\"]]]"#, 2), Some(2));
        assert_eq!(json_too_deep("]]]]{[", 1), Some(5), "closers never take the depth below zero");
        assert_eq!(json_too_deep(r#"["unterminated [[[["#, 1), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_the_byte_by_byte_walk(text in r#"[\[\]{}"\\a ,:é]{0,64}"#, limit in 0usize..6) {
            prop_assert_eq!(json_too_deep(&text, limit), reference(&text, limit));
        }
    }
}

#[cfg(test)]
mod hint_tests {
    use super::{UnknownFields, parse};
    use crate::model::findings::FindingsFile;
    use crate::source::SourceFile;

    fn example() -> String {
        let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/acme/sec_findings.yaml");
        std::fs::read_to_string(p).expect("the example ledger")
    }

    /// The size hint changes allocations only: the same ledger in YAML and JSON syntax reads to
    /// the value the formats' own deserializers make, with every one-element list allocated
    /// exactly and longer lists complete.
    #[test]
    fn lists_read_exactly_sized_and_unchanged() {
        let yaml = example();
        let plain: FindingsFile = serde_saphyr::from_str(&yaml).expect("plain YAML parse");
        let json = plain.to_json_lines().expect("JSON");
        let from_json: FindingsFile = serde_json::from_str(&json).expect("plain JSON parse");
        for text in [yaml, json] {
            let got = parse::<FindingsFile>(&SourceFile::new("sec_findings.yaml", text), UnknownFields::Deny)
                .expect("parses")
                .value;
            assert_eq!(got, plain);
            assert_eq!(got, from_json);
            let mut single = 0;
            let mut longer = 0;
            for f in &got.findings {
                let caps = [
                    (f.affected_resources.len(), f.affected_resources.capacity()),
                    (f.evidence.len(), f.evidence.capacity()),
                    (f.governance.tags.len(), f.governance.tags.capacity()),
                    (f.governance.compliance_standards.len(), f.governance.compliance_standards.capacity()),
                    (f.governance.policy_refs.len(), f.governance.policy_refs.capacity()),
                ];
                for (len, cap) in caps {
                    if len == 1 {
                        single += 1;
                        assert_eq!(cap, 1, "a one-element list is allocated exactly");
                    } else if len > 1 {
                        longer += 1;
                    }
                }
            }
            assert!(single > 0 && longer > 0, "the example has both kinds of list");
        }
    }

    /// An empty evidence list (`evidence: []`, most findings of a generated ledger) allocates
    /// nothing, in either syntax.
    #[test]
    fn an_empty_evidence_list_allocates_nothing() {
        let mut ff: FindingsFile = serde_saphyr::from_str(&example()).expect("plain YAML parse");
        ff.findings[0].evidence.clear();
        let json = ff.to_json_lines().expect("JSON");
        assert!(json.contains("\"evidence\":[]"), "the text holds an empty list");
        let yaml = serde_saphyr::to_string(&ff).expect("YAML");
        for text in [json, yaml] {
            let got = parse::<FindingsFile>(&SourceFile::new("sec_findings.yaml", text), UnknownFields::Deny)
                .expect("parses")
                .value;
            assert_eq!(got, ff);
            assert_eq!(got.findings[0].evidence.capacity(), 0);
        }
    }

    /// An error deep in a large ledger (finding #1,900 of 2,000, one finding per line) is
    /// located where serde_json alone locates it.
    #[test]
    fn an_error_deep_in_a_large_ledger_is_located_as_before() {
        let mut ff: FindingsFile = serde_saphyr::from_str(&example()).expect("plain YAML parse");
        let proto = ff.findings[0].clone();
        ff.findings = (0..2000)
            .map(|i| {
                let mut f = proto.clone();
                f.finding_id = format!("FND-{i:06}");
                f
            })
            .collect();
        let text = ff.to_json_lines().expect("JSON");
        let value = serde_json::to_string(&proto.severity).expect("severity");
        let from = format!("\"FND-001899\",\"severity\":{value}");
        let bad = text.replacen(&from, "\"FND-001899\",\"severity\":42", 1);
        assert_ne!(bad, text, "finding #1,900 is in the text");
        let plain = serde_json::from_str::<FindingsFile>(&bad).unwrap_err();
        let e = parse::<FindingsFile>(&SourceFile::new("sec_findings.yaml", bad), UnknownFields::Warn).unwrap_err();
        assert_eq!(plain.line(), 1901, "one line per finding after the header line");
        let want = (Some(u32::try_from(plain.line()).unwrap()), Some(u32::try_from(plain.column()).unwrap()));
        assert_eq!((e.line, e.column), want, "{e}");
    }

    /// Errors inside lists keep their code and position.
    #[test]
    fn errors_inside_lists_keep_their_position() {
        let json = "{\"version\":\"1.0\",\"metadata\":{\"scan_id\":\"s\",\"timestamp\":\"2026-01-01T00:00:00Z\",\
                    \"lifecycle_state\":\"PLANNED\",\"tags\":[\"a\",\n 7]}}";
        let plain = serde_json::from_str::<FindingsFile>(json).unwrap_err();
        let e = parse::<FindingsFile>(&SourceFile::new("sec_findings.yaml", json), UnknownFields::Warn).unwrap_err();
        let want = (Some(u32::try_from(plain.line()).unwrap()), Some(u32::try_from(plain.column()).unwrap()));
        assert_eq!((e.code, e.line, e.column), (crate::codes::WRONG_TYPE, want.0, want.1));
        assert_eq!(e.line, Some(2));
        let yaml = "version: \"1.0\"\nmetadata:\n  scan_id: s\n  timestamp: 2026-01-01T00:00:00Z\n  lifecycle_state: PLANNED\n  tags:\n    - a\n    - [x]\n";
        let e = parse::<FindingsFile>(&SourceFile::new("sec_findings.yaml", yaml), UnknownFields::Warn).unwrap_err();
        assert_eq!((e.code, e.line), (crate::codes::WRONG_TYPE, Some(8)));
    }
}
