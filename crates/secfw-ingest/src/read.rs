//! Reading a report: size and emptiness checks, format detection, hashing, and turning JSON
//! errors into located diagnostics.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use secfw_artifacts::{Diagnostic, Pos, Sha256Digest};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{Format, Scan, ScannerReport};
use crate::{Error, codes};

/// Options for parsing one report.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Bind every scan of the report to this target (an inventory id, image, path) instead of
    /// the one the producer names (or the per-format default, see `docs/ingest.md`).
    pub target: Option<String>,
    /// Largest report read, in bytes.
    pub max_bytes: u64,
    /// SARIF reports up to this size are parsed from memory; larger ones are streamed
    /// (default [`IN_MEMORY_MAX`]; 0 streams everything).
    pub in_memory_max: u64,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self { target: None, max_bytes: 4 * 1024 * 1024 * 1024, in_memory_max: IN_MEMORY_MAX }
    }
}

impl ParseOptions {
    /// Options with a different in-memory threshold (0: always stream SARIF).
    #[must_use]
    pub fn in_memory_max(mut self, bytes: u64) -> Self {
        self.in_memory_max = bytes;
        self
    }

    /// Options with a target override.
    #[must_use]
    pub fn target(mut self, target: Option<String>) -> Self {
        self.target = target;
        self
    }
}

/// A rejection of the whole report, with its location when known.
pub(crate) fn reject(
    code: secfw_artifacts::Code,
    name: &str,
    msg: impl Into<String>,
    hint: &str,
    pos: Option<Pos>,
) -> Error {
    Error::Rejected(Box::new(Diagnostic::error(code, name, msg).at(pos).with_hint(hint)))
}

/// The message of an error raised inside one of our serde visitors, carrying its `code` so
/// that [`json_error`] turns it back into a coded diagnostic (serde errors carry only text).
pub(crate) fn coded(code: secfw_artifacts::Code, msg: impl fmt::Display) -> String {
    format!("[{}] {msg}", code.as_str())
}

/// Map a serde_json error to a rejection. Errors raised by our own visitors carry their
/// code as a `[INxxxx] ` prefix ([`coded`]).
pub(crate) fn json_error(name: &str, e: &serde_json::Error) -> Error {
    json_error_at(name, e, (e.line() > 0).then(|| (e.line(), e.column())))
}

/// [`json_error`] at a given (line, column) instead of the error's own (the streaming path
/// moves positions back to the file's, see `split`).
pub(crate) fn json_error_at(name: &str, e: &serde_json::Error, at: Option<(usize, usize)>) -> Error {
    let pos = at.map(|(l, c)| Pos::new(u32::try_from(l).unwrap_or(u32::MAX), u32::try_from(c).unwrap_or(u32::MAX)));
    let text = e.to_string();
    let bare = text.rsplit_once(" at line ").map_or(text.as_str(), |(m, _)| m);
    if let Some(rest) = bare.strip_prefix('[')
        && let Some((code, msg)) = rest.split_once("] ")
        && let Some((c, _)) = codes::CATALOG.iter().find(|(c, _)| c.as_str() == code)
    {
        let hint = if *c == codes::UNSUPPORTED_VERSION {
            "re-run the scanner with a current version that writes SARIF 2.1.0"
        } else {
            "the report does not follow its format; re-run the scanner or pass the right --format"
        };
        return reject(*c, name, msg, hint, pos);
    }
    match e.classify() {
        serde_json::error::Category::Eof => reject(
            codes::MALFORMED_JSON,
            name,
            format!("the report ends early (truncated JSON): {bare}"),
            "the file was cut off; re-run the scanner and make sure it finished writing",
            pos,
        ),
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => reject(
            codes::MALFORMED_JSON,
            name,
            format!("the report is not valid JSON: {bare}"),
            "scanner reports are JSON; check that the file is the scanner's JSON output and not a log",
            pos,
        ),
        serde_json::error::Category::Data => reject(
            codes::WRONG_SHAPE,
            name,
            format!("the report does not have the expected structure: {bare}"),
            "the report does not follow its format; re-run the scanner or pass the right --format",
            pos,
        ),
    }
}

/// A reader that hashes what passes through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
    /// The first three bytes (to recognise a byte-order mark).
    head: Vec<u8>,
    /// A byte other than ASCII whitespace was read within the first three bytes / after them.
    nonws_head: bool,
    nonws_tail: bool,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
            head: Vec::with_capacity(3),
            nonws_head: false,
            nonws_tail: false,
        }
    }
    /// `true` when what was read is blank as the in-memory path sees it: an optional UTF-8
    /// byte-order mark, then only ASCII whitespace.
    pub(crate) fn blank(&self) -> bool {
        !self.nonws_tail && (self.head.as_slice() == b"\xef\xbb\xbf" || !self.nonws_head)
    }
    pub(crate) fn finish(self) -> (Sha256Digest, u64) {
        (Sha256Digest::from_bytes(self.hasher.finalize().into()), self.count)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        let mut data = &buf[..n];
        while self.head.len() < 3
            && let Some((&b, rest)) = data.split_first()
        {
            self.head.push(b);
            self.nonws_head |= !b.is_ascii_whitespace();
            data = rest;
        }
        if !self.nonws_tail {
            self.nonws_tail = data.iter().any(|b| !b.is_ascii_whitespace());
        }
        self.count += n as u64;
        Ok(n)
    }
}

/// SARIF reports up to this size are read into memory and parsed from the slice (about a
/// third faster); larger ones are streamed so that memory does not grow with the file.
pub const IN_MEMORY_MAX: u64 = 32 << 20;

/// Parse a report file.
pub fn parse_path(path: &Path, name: &str, format: Format, opts: &ParseOptions) -> Result<ScannerReport, Error> {
    let unreadable = |e: &std::io::Error| {
        reject(codes::UNREADABLE, name, format!("cannot read the report: {e}"), "check the path and permissions", None)
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(&e))?;
    if !meta.is_file() {
        return Err(reject(
            codes::UNREADABLE,
            name,
            "the report is not a regular file",
            "pass the scanner's output file",
            None,
        ));
    }
    if meta.len() > opts.max_bytes {
        return Err(reject(
            codes::UNREADABLE,
            name,
            format!("the report is {} bytes, more than the limit of {} bytes", meta.len(), opts.max_bytes),
            "raise the limit with --max-bytes if the report is genuine",
            None,
        ));
    }
    let mut file = File::open(path).map_err(|e| unreadable(&e))?;
    // The path may have been swapped between the check and the open: check what was opened.
    if !file.metadata().map_err(|e| unreadable(&e))?.is_file() {
        return Err(reject(
            codes::UNREADABLE,
            name,
            "the report is not a regular file",
            "pass the scanner's output file",
            None,
        ));
    }
    let requested = format;
    let format = if format == Format::Auto {
        let mut head = vec![0u8; 8192];
        let n = read_up_to(&mut file, &mut head).map_err(|e| unreadable(&e))?;
        head.truncate(n);
        file.seek(std::io::SeekFrom::Start(0)).map_err(|e| unreadable(&e))?;
        if sniff_sarif(&head) { Format::Sarif } else { Format::Auto }
    } else {
        format
    };
    if format == Format::Sarif && meta.len() > opts.in_memory_max {
        // Streaming: memory holds the findings, one block of the file and one result at a
        // time, never the file. The splitter cuts each result out and parses it from memory
        // (and skips a UTF-8 byte-order mark, as the in-memory path does).
        let shared = std::rc::Rc::new(crate::split::Shared::default());
        shared.set_size(meta.len());
        let mut split = crate::split::SplitReader::new(HashingReader::new(file), shared.clone());
        let mut parsed = crate::sarif::parse_split(&mut split, &shared, name, opts);
        let mut inner = split.into_inner();
        if shared.desync() {
            // The splitter misread the structure (a bug): parse again, byte by byte.
            let mut file = inner.inner;
            file.seek(std::io::SeekFrom::Start(0)).map_err(|e| unreadable(&e))?;
            let mut reader = BufReader::with_capacity(256 * 1024, HashingReader::new(file));
            skip_bom(&mut reader).map_err(|e| unreadable(&e))?;
            parsed = crate::sarif::parse_reader(&mut reader, name, opts);
            inner = reader.into_inner();
        }
        // Empty or only whitespace (after a BOM) is an empty report, as on the in-memory path.
        if inner.blank() {
            return Err(empty(name));
        }
        let (scans, diags) = parsed?;
        if requested == Format::Auto {
            refuse_ambiguous_sarif(name, &diags)?;
        }
        let (sha256, bytes) = inner.finish();
        let mut report = ScannerReport { name: name.to_owned(), format, sha256, bytes, scans, diagnostics: diags };
        crate::model::apply_budgets(&mut report);
        return Ok(report);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(|e| unreadable(&e))?;
    parse_slice(&bytes, name, requested, opts)
}

/// Auto-detection does not pick one format for a SARIF log that also holds another format's
/// top-level keys (the SARIF parser notes them with `IN0004`): `IN0004`, pass `--format`.
fn refuse_ambiguous_sarif(name: &str, diags: &[Diagnostic]) -> Result<(), Error> {
    match diags.iter().find(|d| d.code == codes::UNKNOWN_FORMAT) {
        Some(d) => Err(reject(
            codes::UNKNOWN_FORMAT,
            name,
            format!("ambiguous report: {}", d.message),
            "pass --format to say which scanner wrote it (the other format's keys are then not read)",
            None,
        )),
        None => Ok(()),
    }
}

/// The formats whose top-level keys a report object has (more than one: ambiguous).
fn signatures(o: &serde_json::Map<String, Value>) -> Vec<Format> {
    let has = |k: &str| o.contains_key(k);
    let mut f = Vec::new();
    if has("runs") && has("version") {
        f.push(Format::Sarif);
    }
    if has("SchemaVersion") || has("ArtifactName") || has("ClusterName") || (has("Results") && has("Metadata")) {
        f.push(Format::Trivy);
    }
    if has("matches") {
        f.push(Format::Grype);
    }
    if has("vulnerabilities") && (has("database") || has("lockfile")) {
        f.push(Format::CargoAudit);
    }
    if o.get("results").is_some_and(Value::is_array) {
        f.push(Format::Osv);
    }
    if has("auditReportVersion") || has("advisories") || o.get("error").and_then(|e| e.get("code")).is_some() {
        f.push(Format::NpmAudit);
    }
    f
}

/// Consume a leading UTF-8 byte-order mark, if any (as the in-memory path strips it). The
/// first read of a buffered regular file holds the first bytes; a file shorter than a BOM is
/// left to the JSON parser, which refuses it as the in-memory path does.
fn skip_bom<R: std::io::BufRead>(r: &mut R) -> std::io::Result<()> {
    if r.fill_buf()?.starts_with(b"\xef\xbb\xbf") {
        r.consume(3);
    }
    Ok(())
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// `true` when the first bytes look like a SARIF log (`"runs"` or a SARIF `$schema` near
/// the top).
fn sniff_sarif(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{') && (t.contains("\"runs\"") || t.to_ascii_lowercase().contains("sarif"))
}

fn empty(name: &str) -> Error {
    reject(
        codes::EMPTY_INPUT,
        name,
        "the report is empty",
        "an empty file is not a clean scan; re-run the scanner (a clean scan still writes a report with no results)",
        Some(Pos::new(1, 1)),
    )
}

/// Parse a report held in memory.
pub fn parse_slice(bytes: &[u8], name: &str, format: Format, opts: &ParseOptions) -> Result<ScannerReport, Error> {
    let mut report = parse_slice_raw(bytes, name, format, opts)?;
    crate::model::apply_budgets(&mut report);
    Ok(report)
}

/// Reports from this size on are hashed on a thread of their own while they are parsed.
const HASH_ASIDE_MIN_BYTES: usize = 1 << 20;

fn parse_slice_raw(bytes: &[u8], name: &str, format: Format, opts: &ParseOptions) -> Result<ScannerReport, Error> {
    let report = |sha256, (format, scans, diagnostics)| ScannerReport {
        name: name.to_owned(),
        format,
        sha256,
        bytes: bytes.len() as u64,
        scans,
        diagnostics,
    };
    if bytes.len() < HASH_ASIDE_MIN_BYTES {
        return parse_slice_scans(bytes, name, format, opts).map(|p| report(Sha256Digest::of(bytes), p));
    }
    // The digest does not depend on the parse: a 10 MB report is hashed (about 5 ms) beside
    // it. Where no thread can be started, it is hashed here.
    std::thread::scope(|s| {
        let hashing = std::thread::Builder::new().spawn_scoped(s, || Sha256Digest::of(bytes));
        let parsed = parse_slice_scans(bytes, name, format, opts);
        let sha256 = match hashing {
            Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            Err(_) => Sha256Digest::of(bytes),
        };
        parsed.map(|p| report(sha256, p))
    })
}

/// The format, scans and diagnostics of [`parse_slice_raw`].
fn parse_slice_scans(
    bytes: &[u8],
    name: &str,
    format: Format,
    opts: &ParseOptions,
) -> Result<(Format, Vec<Scan>, Vec<Diagnostic>), Error> {
    let trimmed = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if trimmed.iter().all(u8::is_ascii_whitespace) {
        return Err(empty(name));
    }
    let auto = format == Format::Auto;
    let format =
        if format == Format::Auto && sniff_sarif(&trimmed[..trimmed.len().min(8192)]) { Format::Sarif } else { format };
    if format == Format::Sarif {
        let (scans, diagnostics) = crate::sarif::parse_bytes(trimmed, name, opts)?;
        if auto {
            refuse_ambiguous_sarif(name, &diagnostics)?;
        }
        return Ok((format, scans, diagnostics));
    }
    let root: Value = serde_json::from_slice::<Strict>(trimmed).map_err(|e| json_error(name, &e))?.0;
    if root.is_null() {
        return Err(reject(
            codes::NULL_INPUT,
            name,
            "the report is `null`",
            "old Trivy versions write `null` for a clean scan; upgrade the scanner so a clean scan is an explicit empty report",
            Some(Pos::new(1, 1)),
        ));
    }
    let format = if format == Format::Auto { detect(&root).ok_or_else(|| unknown(name))? } else { format };
    let mut diags = Vec::new();
    let others: Vec<Format> =
        root.as_object().map(signatures).unwrap_or_default().into_iter().filter(|f| *f != format).collect();
    if !others.is_empty() {
        let names: Vec<&str> = others.iter().map(|f| f.as_str()).collect();
        if auto {
            return Err(reject(
                codes::UNKNOWN_FORMAT,
                name,
                format!("ambiguous report: it has the top-level keys of {format} and of {}", names.join(", ")),
                "pass --format to say which scanner wrote it (the other format's keys are then not read)",
                None,
            ));
        }
        diags.push(
            Diagnostic::note(
                codes::UNKNOWN_FORMAT,
                name,
                format!("read as {format}; the top-level keys of {} in it were not read", names.join(", ")),
            )
            .with_hint("split the document into one report per scanner"),
        );
    }
    let scans = match format {
        Format::Trivy => crate::trivy::parse(&root, name, opts, &mut diags)?,
        Format::Grype => crate::grype::parse(&root, name, opts, &mut diags)?,
        Format::CargoAudit => crate::cargo_audit::parse(&root, name, opts, &mut diags)?,
        Format::Osv => crate::osv::parse(&root, name, opts, &mut diags)?,
        Format::NpmAudit => crate::npm::parse(&root, name, opts, &mut diags)?,
        Format::Sarif | Format::Auto => return Err(unknown(name)),
    };
    let mut scans = scans;
    crate::target::bind(&mut scans, name, opts, true, &mut diags);
    // A container of findings the reader could not read (read as empty, as a clean scan
    // writes it): every scan of the report is incomplete, so it resolves nothing.
    for (pointer, why) in crate::shape::problems(format, &root) {
        let d = skipped(name, if pointer.is_empty() { "/" } else { &pointer }, &why);
        for scan in &mut scans {
            for c in scan.covered.clone() {
                scan.mark_incomplete(c, d.message.clone());
            }
        }
        diags.push(d);
    }
    // Formats with one class (vulnerabilities): a skipped item makes the scan incomplete.
    if let Some(d) = diags.iter().find(|d| d.code == codes::SKIPPED_ITEM) {
        for scan in &mut scans {
            for c in scan.covered.clone() {
                if scan.incomplete.contains_key(c) {
                    continue;
                }
                if format != Format::Trivy {
                    scan.mark_incomplete(c, d.message.clone());
                }
            }
        }
    }
    Ok((format, scans, diags))
}

fn unknown(name: &str) -> Error {
    reject(
        codes::UNKNOWN_FORMAT,
        name,
        "cannot tell which scanner wrote this report",
        "pass --format sarif|trivy|grype|cargo-audit|osv|npm-audit",
        None,
    )
}

/// A JSON document read as a [`Value`], refusing an object that holds a key twice: a reader
/// of JSON keeps only one of the two (serde_json the last), so a report could hide its
/// findings behind a second, empty list.
pub(crate) struct Strict(pub(crate) Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text has no NaN or infinity; a non-finite number cannot be a `Value` number.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // One lookup per key; the error is raised at the second key, before its value.
            match out.entry(key) {
                serde_json::map::Entry::Occupied(o) => {
                    return Err(serde::de::Error::custom(format_args!(
                        "[{}] the key `{}` appears twice in one object (a reader keeps only one of them)",
                        codes::MALFORMED_JSON.as_str(),
                        o.key()
                    )));
                }
                serde_json::map::Entry::Vacant(e) => {
                    let Strict(v) = map.next_value()?;
                    e.insert(v);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Recognise a (non-SARIF) format from the parsed document's top-level keys.
pub fn detect(root: &Value) -> Option<Format> {
    match root {
        Value::Array(items) => items
            .first()
            .and_then(Value::as_object)
            .filter(|o| o.contains_key("Target") && (o.contains_key("Vulnerabilities") || o.contains_key("Type")))
            .map(|_| Format::Trivy),
        Value::Object(o) => {
            if o.contains_key("runs") && o.contains_key("version") {
                Some(Format::Sarif)
            } else if o.contains_key("SchemaVersion")
                || o.contains_key("ArtifactName")
                || o.contains_key("ClusterName")
                || (o.contains_key("Results") && o.contains_key("Metadata"))
            {
                Some(Format::Trivy)
            } else if o.contains_key("matches") && (o.contains_key("source") || o.contains_key("descriptor")) {
                Some(Format::Grype)
            } else if o.get("matches").is_some_and(|m| m.is_array() || m.is_null())
                && !o.contains_key("results")
                && !o.contains_key("vulnerabilities")
            {
                // A Grype report trimmed to its `matches` (jq '{matches}').
                Some(Format::Grype)
            } else if o.contains_key("vulnerabilities") && (o.contains_key("database") || o.contains_key("lockfile")) {
                Some(Format::CargoAudit)
            } else if o.get("results").is_some_and(Value::is_array) {
                Some(Format::Osv)
            } else if o.contains_key("auditReportVersion")
                || o.contains_key("advisories")
                || o.get("error").and_then(|e| e.get("code")).is_some()
            {
                Some(Format::NpmAudit)
            } else {
                None
            }
        }
        _ => None,
    }
}

// ---- small lenient accessors over serde_json::Value ------------------------------------

/// The key of `known` that `key` is in another case (`Invocations`, `vulnerabilities`), if
/// any: the formats' keys are case-sensitive, so what such a key holds is never read.
pub(crate) fn other_case<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known.iter().copied().find(|k| *k != key && k.eq_ignore_ascii_case(key))
}

/// A string field (`None` when absent, null or not a string).
pub(crate) fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A non-empty trimmed string field.
pub(crate) fn sne<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    s(v, key).map(str::trim).filter(|x| !x.is_empty())
}

/// An array field (empty when absent or not an array).
pub(crate) fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// A number field, also accepting numeric strings (`"7.5"`).
pub(crate) fn num(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(t) => t.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

/// Escape a JSON pointer token.
pub(crate) fn tok(t: &str) -> String {
    t.replace('~', "~0").replace('/', "~1")
}

/// A decision taken in the scanner's configuration, not in the exception registry: `id` was
/// ignored (`what`: "cargo-audit was configured to ignore", "Trivy applied an exception to").
/// Recorded in `ignored` (the scan's [`Scan::ignored`]) with `why`, so any finding of it stays
/// open; the warning (`IN0111`, at `pointer`) says so. The one home of that rule.
pub(crate) fn ignored_by_scanner(
    ignored: &mut std::collections::BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
    (name, pointer): (&str, &str),
    what: &str,
    id: &str,
    why: &str,
) {
    ignored.insert(id.to_owned(), why.to_owned());
    diags.push(
        Diagnostic::warning(
            codes::IGNORED_BY_SCANNER,
            name,
            format!(
                "{pointer}: {what} {id}; secfw keeps any finding of {id} open (a scanner-side ignore is not a risk decision)"
            ),
        )
        .with_hint("record the decision as an exception in exceptions.md (and compile the scanner's ignore file from it with `secfw exceptions compile`)"),
    );
}

/// A skipped-item diagnostic.
pub(crate) fn skipped(name: &str, pointer: &str, why: &str) -> Diagnostic {
    Diagnostic::warning(codes::SKIPPED_ITEM, name, format!("skipped the item at {pointer}: {why}"))
        .with_hint("the rest of the report was ingested; fix the producer or report the bug to its authors")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_hashed_beside_its_parse_has_the_digest_of_its_bytes() {
        // Below and above the size from which the digest is taken on a second thread; a
        // SARIF log and a Trivy report (the other parser), each also refused (an error
        // leaves nothing to hash into).
        for pad in [10usize, HASH_ASIDE_MIN_BYTES] {
            let sarif = format!(
                r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"t"}}}},"results":[{{"ruleId":"R1","message":{{"text":"m {}"}}}}]}}]}}"#,
                "x".repeat(pad)
            );
            let trivy = format!(r#"{{"SchemaVersion":2,"ArtifactName":"{}","Results":[]}}"#, "a".repeat(pad));
            for text in [sarif, trivy] {
                let r = parse_slice(text.as_bytes(), "r.json", Format::Auto, &ParseOptions::default())
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(r.sha256, Sha256Digest::of(text.as_bytes()), "{} bytes", text.len());
                assert_eq!(r.bytes, text.len() as u64);
                let broken = &text.as_bytes()[..text.len() - 1];
                assert!(parse_slice(broken, "r.json", Format::Auto, &ParseOptions::default()).is_err());
            }
        }
    }
}
