#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Public namespaces: `codes`, `fingerprint` (the fingerprint scheme: `fingerprint::compute`,
// `fingerprint::SCHEME`), `fuzz` (the entry points of the fuzz targets) and `limits` (the field
// length caps, re-exported from a private module, like `scope_class`). Everything else is
// re-exported below.
mod cargo_audit;
pub mod codes;
mod cvss;
pub mod fingerprint;
pub mod fuzz;
mod grype;
mod lax;
mod ledger;
mod model;
mod npm;
mod osv;
mod read;
mod sarif;
mod target;
mod trivy;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
pub use secfw_artifacts::WorkspaceLock;
use secfw_artifacts::model::findings::FindingsFile;
use secfw_artifacts::{Diagnostic, LoadOptions, LoadedWorkspace};
use secfw_artifacts::{file_names, parse_findings, parse_findings_canonical, parse_inventory, parse_rulebook};

pub use cvss::v3_base_score as cvss_v3_base_score;
pub use ledger::{MergeSummary, finding_class, finding_target, id_scheme, match_resource, merge, new_ledger};
pub use model::{Format, Item, Reach, Scan, ScannerReport, class as scope_class, limits};
pub use read::{IN_MEMORY_MAX, ParseOptions, detect as detect_format, parse_path, parse_slice};

/// The error type of `secfw-ingest`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A report was rejected as a whole (empty, `null`, malformed, truncated, wrong version,
    /// wrong structure); the diagnostic says where and why. Nothing was written.
    #[error("{0}")]
    Rejected(Box<Diagnostic>),
    /// `rulebook.yaml` or `inventory.yaml` exists but does not parse: ingest does not fall back
    /// to defaults (SLA days, inventory matching) for a file people wrote. Nothing was written.
    #[error("{} has {} error(s); fix it before ingesting (secfw does not fall back to defaults): {}", .file, .diagnostics.len().saturating_sub(1), .diagnostics.get(1).map_or_else(String::new, ToString::to_string))]
    ArtifactInvalid {
        /// The artifact.
        file: String,
        /// An `IN0202` diagnostic, then the artifact's own errors.
        diagnostics: Vec<Diagnostic>,
    },
    /// The existing ledger has errors; ingest does not rewrite a ledger it cannot read fully.
    #[error("sec_findings.yaml has {} error(s); fix them before ingesting: {}", .0.len(), .0.first().map_or_else(String::new, ToString::to_string))]
    LedgerInvalid(Vec<Diagnostic>),
    /// The merged ledger could not be rendered as JSON lines (a bug; nothing was written).
    #[error("internal error: the merged ledger cannot be rendered: {0}")]
    Render(#[source] serde_json::Error),
    /// The rendered ledger does not read back to the merged value: the read-back found an
    /// error (`diagnostic`), or a different value (`None`). A bug; nothing was written.
    #[error(
        "internal error: the merged ledger does not read back: {}",
        .diagnostic.as_ref().map_or_else(|| "it reads back as a different value".to_owned(), ToString::to_string)
    )]
    ReadBack {
        /// The first error the read-back reported, if any.
        diagnostic: Option<Box<Diagnostic>>,
    },
    /// Reading or writing workspace files failed.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
}

impl Error {
    /// The located diagnostic(s) behind this error, for rendering with a source snippet.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Rejected(d) | Self::ReadBack { diagnostic: Some(d) } => vec![(**d).clone()],
            Self::LedgerInvalid(ds) | Self::ArtifactInvalid { diagnostics: ds, .. } => ds.clone(),
            _ => Vec::new(),
        }
    }
}

/// One report to ingest.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Input {
    /// Path of the report.
    pub path: PathBuf,
    /// Its format (`Auto` to recognise it).
    pub format: Format,
}

impl Input {
    /// A report with its format.
    pub fn new(path: impl Into<PathBuf>, format: Format) -> Self {
        Self { path: path.into(), format }
    }
}

/// Options of [`ingest`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IngestOptions {
    /// The time of the ingest (first_seen, last_seen, resolved_at, deadlines).
    pub now: DateTime<Utc>,
    /// Bind every scan to this target (see [`ParseOptions::target`]).
    pub target: Option<String>,
    /// Parse and merge but do not write the ledger.
    pub dry_run: bool,
    /// Largest report read, in bytes.
    pub max_bytes: u64,
}

impl IngestOptions {
    /// Options at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, target: None, dry_run: false, max_bytes: ParseOptions::default().max_bytes }
    }

    /// With a target override.
    #[must_use]
    pub fn target(mut self, target: Option<String>) -> Self {
        self.target = target;
        self
    }

    /// With dry-run on or off.
    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// What [`ingest`] did.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The parsed reports (with their skipped-item diagnostics).
    pub reports: Vec<ScannerReport>,
    /// What the merge changed.
    pub summary: MergeSummary,
    /// The ledger after the merge.
    pub ledger: FindingsFile,
    /// Where the ledger is.
    pub ledger_path: PathBuf,
    /// `false` on a dry run.
    pub written: bool,
    /// The size and modification time of the ledger file as written (`None` on a dry run).
    pub written_identity: Option<WrittenIdentity>,
}

impl Outcome {
    /// Every diagnostic: the reports' and the merge's, in order.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().cloned())
            .chain(self.summary.diagnostics.iter().cloned())
            .collect()
    }
}

/// Ingest reports into `<dir>/sec_findings.yaml`: parse every report first (any rejection
/// stops with nothing changed), merge ([`ledger::merge`]), check that the result re-parses
/// cleanly, then write it atomically. `inventory.yaml` and `rulebook.yaml` are read when
/// present (inventory matching; SLA days for deadlines); when one exists but does not parse,
/// ingest fails ([`Error::ArtifactInvalid`]) and the ledger is unchanged.
///
/// `lock` is the proof that the caller holds the workspace lock of `dir` for the whole
/// command ([`WorkspaceLock::acquire`]); a lock of another workspace is refused.
pub fn ingest(dir: &Path, lock: &WorkspaceLock, inputs: &[Input], opts: &IngestOptions) -> Result<Outcome, Error> {
    secfw_artifacts::check_root(dir)?;
    lock.check_covers(dir)?;
    let reports = parse_reports(dir, inputs, opts)?;
    let lopts = LoadOptions::default();
    let ledger_path = dir.join(file_names::FINDINGS);
    // A ledger kept in JSON syntax (valid YAML 1.2, parsed ~20× faster) stays JSON.
    let mut syntax = LedgerSyntax::Yaml;
    let mut ledger = if ledger_path.exists() {
        let src = secfw_artifacts::read_artifact(&ledger_path, file_names::FINDINGS, lopts.max_file_bytes)
            .map_err(|d| Error::LedgerInvalid(vec![d]))?;
        if secfw_artifacts::yaml::is_json_syntax(&src.text) {
            syntax = LedgerSyntax::Json;
        }
        let mut diags = Vec::new();
        let parsed = parse_findings(&src, &lopts, &mut diags);
        let errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
        match parsed {
            Some(l) if errors.is_empty() => l,
            _ => return Err(Error::LedgerInvalid(errors)),
        }
    } else {
        new_ledger(opts.now)
    };
    let mut warnings = Vec::new();
    let inventory = read_optional(dir, file_names::INVENTORY, &lopts, parse_inventory, &mut warnings)?;
    let sla = read_optional(dir, file_names::RULEBOOK, &lopts, parse_rulebook, &mut warnings)?
        .map(|r| r.sla_days)
        .unwrap_or_default();
    let mut summary = merge(&mut ledger, &reports, inventory.as_ref(), &sla, opts.now);
    summary.diagnostics.splice(0..0, warnings);
    let checked = render_checked(&ledger, syntax)?;
    let written_identity = if opts.dry_run { None } else { Some(write_ledger(&ledger_path, &checked.source.text)?) };
    Ok(Outcome { reports, summary, ledger, ledger_path, written: !opts.dry_run, written_identity })
}

/// [`ingest`] into a workspace the caller has already loaded, so the ledger, the inventory
/// and the rulebook are not read and parsed again, and the caller gets the merged ledger back
/// without reading the file ingest wrote.
///
/// `ws` must be a load of `dir` with [`LoadOptions::default()`] (not strict) that is still
/// current: the caller checks, before calling, that none of the artifacts changed on disk
/// since the load began (the cycle compares full file identities — device, inode, size,
/// mtime, ctime — taken before the load, and loads again otherwise). Ingest then applies the
/// same rules to it as to the files: a ledger with error diagnostics is
/// [`Error::LedgerInvalid`], an inventory or rulebook that exists with errors is
/// [`Error::ArtifactInvalid`], a missing one is "none" (a missing ledger starts a new one).
///
/// On success (and not a dry run) the ledger is written as [`ingest`] writes it, and
/// `ws.findings`, `ws.sources["sec_findings.yaml"]` and the ledger's diagnostics in
/// `ws.diagnostics` are replaced by those of the text written — the value and diagnostics the
/// read-back check parsed from exactly those bytes, which is what loading the workspace again
/// would give. [`Outcome::written_identity`] says what the file looked like when written, so
/// the caller can tell later whether it changed. On a dry run, and on an error before the
/// merge (a report refused, an invalid artifact), `ws` is unchanged; when the read-back check
/// or the write fails, `ws.findings` is `None` and the caller must load the workspace again.
pub fn ingest_loaded(
    dir: &Path,
    lock: &WorkspaceLock,
    inputs: &[Input],
    opts: &IngestOptions,
    ws: &mut LoadedWorkspace,
) -> Result<Outcome, Error> {
    secfw_artifacts::check_root(dir)?;
    lock.check_covers(dir)?;
    let reports = parse_reports(dir, inputs, opts)?;
    let ledger_path = dir.join(file_names::FINDINGS);
    // Every check before anything moves out of `ws`.
    let has_ledger = preloaded_status(ws, file_names::FINDINGS, ws.findings.is_some()).map_err(Error::LedgerInvalid)?;
    let has_inventory = preloaded_status(ws, file_names::INVENTORY, ws.inventory.is_some())
        .map_err(|e| artifact_invalid(file_names::INVENTORY, e))?;
    let has_rulebook = preloaded_status(ws, file_names::RULEBOOK, ws.rulebook.is_some())
        .map_err(|e| artifact_invalid(file_names::RULEBOOK, e))?;
    let json = ws.sources.get(file_names::FINDINGS).is_some_and(|s| secfw_artifacts::yaml::is_json_syntax(&s.text));
    // A dry run leaves `ws` as it is; otherwise the ledger moves out of it (and the value read
    // back from the text written takes its place).
    let taken = if !has_ledger {
        None
    } else if opts.dry_run {
        ws.findings.clone()
    } else {
        ws.findings.take()
    };
    let (mut ledger, syntax) = match taken {
        Some(l) => (l, if json { LedgerSyntax::Json } else { LedgerSyntax::Yaml }),
        None => (new_ledger(opts.now), LedgerSyntax::Yaml),
    };
    let inventory = ws.inventory.as_ref().filter(|_| has_inventory);
    let sla = ws.rulebook.as_ref().filter(|_| has_rulebook).map(|r| r.sla_days).unwrap_or_default();
    let mut summary = merge(&mut ledger, &reports, inventory, &sla, opts.now);
    // The warnings of the inventory and rulebook used (an unknown key such as a misspelt
    // `sla_days`): never a silent default.
    let used = |f: &str| (f == file_names::INVENTORY && has_inventory) || (f == file_names::RULEBOOK && has_rulebook);
    let warnings = ws.diagnostics.iter().filter(|d| !d.is_error() && used(&d.file)).cloned();
    summary.diagnostics.splice(0..0, warnings);
    let checked = render_checked(&ledger, syntax)?;
    if opts.dry_run {
        return Ok(Outcome { reports, summary, ledger, ledger_path, written: false, written_identity: None });
    }
    let identity = write_ledger(&ledger_path, &checked.source.text)?;
    ws.findings = Some(checked.value);
    ws.sources.insert(file_names::FINDINGS.to_owned(), checked.source);
    ws.diagnostics.retain(|d| d.file != file_names::FINDINGS);
    ws.diagnostics.extend(checked.diagnostics);
    secfw_artifacts::sort_diagnostics(&mut ws.diagnostics);
    Ok(Outcome { reports, summary, ledger, ledger_path, written: true, written_identity: Some(identity) })
}

fn parse_reports(dir: &Path, inputs: &[Input], opts: &IngestOptions) -> Result<Vec<ScannerReport>, Error> {
    let popts = ParseOptions { target: opts.target.clone(), max_bytes: opts.max_bytes, ..ParseOptions::default() };
    let mut reports = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = display_name(dir, &input.path);
        reports.push(parse_path(&input.path, &name, input.format, &popts)?);
    }
    Ok(reports)
}

/// What a loaded workspace says about one artifact, in the terms ingest uses: `Ok(false)` when
/// the file does not exist, `Ok(true)` when it was read and parsed with no error, otherwise
/// its error diagnostics (unreadable, does not parse, or fails a check).
fn preloaded_status(ws: &LoadedWorkspace, name: &str, parsed: bool) -> Result<bool, Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> = ws.diagnostics.iter().filter(|d| d.file == name && d.is_error()).cloned().collect();
    let read = ws.sources.contains_key(name);
    if !read && errors.len() == 1 && errors[0].code == secfw_artifacts::codes::MISSING_ARTIFACT {
        return Ok(false);
    }
    if read && parsed && errors.is_empty() { Ok(true) } else { Err(errors) }
}

fn artifact_invalid(name: &str, errors: Vec<Diagnostic>) -> Error {
    let mut diagnostics = vec![
        Diagnostic::error(
            codes::ARTIFACT_INVALID,
            name,
            format!("{name} exists but does not parse; ingest does not fall back to defaults"),
        )
        .with_hint(format!("fix {name} (see the errors below) or remove it; nothing was ingested")),
    ];
    diagnostics.extend(errors);
    Error::ArtifactInvalid { file: name.to_owned(), diagnostics }
}

/// Write the ledger atomically and return the identity (size, modification time) of the file
/// as written, taken from the file itself before it was renamed into place.
fn write_ledger(path: &Path, text: &str) -> Result<WrittenIdentity, Error> {
    let meta = secfw_artifacts::write_atomic_meta(path, text.as_bytes())?;
    Ok(WrittenIdentity { size: meta.len(), modified: meta.modified().ok() })
}

/// What the ledger file looked like when ingest wrote it: its size and modification time,
/// read from the written file before it was renamed into place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WrittenIdentity {
    /// Size in bytes.
    pub size: u64,
    /// Modification time (`None` where the platform has none).
    pub modified: Option<std::time::SystemTime>,
}

/// Read an optional workspace artifact: `None` when it does not exist; an error when it
/// exists but cannot be read or has error diagnostics (never a silent default). Its other
/// diagnostics (warnings such as an unknown key, which `secfw validate` also reports) are
/// added to `warnings`, so a misspelt key never silently gives a default.
fn read_optional<T>(
    dir: &Path,
    name: &str,
    lopts: &LoadOptions,
    parse: fn(&secfw_artifacts::SourceFile, &LoadOptions, &mut Vec<Diagnostic>) -> Option<T>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Option<T>, Error> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let invalid = |errors: Vec<Diagnostic>| artifact_invalid(name, errors);
    let src = secfw_artifacts::read_artifact(&path, name, lopts.max_file_bytes).map_err(|d| invalid(vec![d]))?;
    let mut diags = Vec::new();
    let parsed = parse(&src, lopts, &mut diags);
    let (errors, others): (Vec<Diagnostic>, Vec<Diagnostic>) = diags.into_iter().partition(Diagnostic::is_error);
    match parsed {
        Some(v) if errors.is_empty() => {
            warnings.extend(others);
            Ok(Some(v))
        }
        _ => Err(invalid(errors)),
    }
}

/// The syntax a ledger is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LedgerSyntax {
    /// Block YAML (the default; what people edit).
    #[default]
    Yaml,
    /// JSON syntax (valid YAML 1.2), for machine-sized ledgers: secfw parses it through its
    /// JSON fast path. An existing JSON ledger is kept in JSON, written one finding per line
    /// ([`FindingsFile::to_json_lines`]).
    Json,
}

/// Serialize a ledger as YAML and check that it re-parses with no error diagnostics.
pub fn render(ledger: &FindingsFile) -> Result<String, Error> {
    render_as(ledger, LedgerSyntax::Yaml)
}

/// Serialize a ledger in `syntax` and check that it re-parses to the same value with no error
/// diagnostics.
pub fn render_as(ledger: &FindingsFile, syntax: LedgerSyntax) -> Result<String, Error> {
    render_checked(ledger, syntax).map(|c| c.source.text)
}

/// A rendered ledger and what reading it back gave.
struct Checked {
    /// The text, as the file secfw writes.
    source: secfw_artifacts::SourceFile,
    /// The value parsed back from `source` (equal to the ledger rendered).
    value: FindingsFile,
    /// The diagnostics of that parse (no errors).
    diagnostics: Vec<Diagnostic>,
}

/// Render `ledger` and read the text back exactly as a load of the workspace reads the file
/// (the same parser and checks): any error diagnostic, or a value that differs from `ledger`
/// (something the serializer could not represent), is [`Error::ReadBack`] and nothing is
/// written.
///
/// YAML is written in the ledger layout ([`secfw_artifacts::yaml::canonical`]) and read back
/// with its strict one-pass reader ([`parse_findings_canonical`]): the same typed value, the
/// same checks, without the full YAML parser. A ledger the layout cannot hold (a key longer
/// than [`secfw_artifacts::yaml::canonical::MAX_KEY_BYTES`]) is rendered by serde-saphyr and
/// read back with the full parser, as before.
fn render_checked(ledger: &FindingsFile, syntax: LedgerSyntax) -> Result<Checked, Error> {
    let (text, layout) = match syntax {
        LedgerSyntax::Yaml => match secfw_artifacts::yaml::canonical::to_string(ledger)? {
            Some(t) => (t, true),
            None => (secfw_artifacts::yaml::to_string(ledger)?, false),
        },
        LedgerSyntax::Json => (ledger.to_json_lines().map_err(Error::Render)?, false),
    };
    let source = secfw_artifacts::SourceFile::new(file_names::FINDINGS, text);
    let mut diagnostics = Vec::new();
    let back = if layout {
        parse_findings_canonical(&source, &LoadOptions::default(), &mut diagnostics)
    } else {
        parse_findings(&source, &LoadOptions::default(), &mut diagnostics)
    };
    if let Some(d) = diagnostics.iter().find(|d| d.is_error()) {
        return Err(Error::ReadBack { diagnostic: Some(Box::new(d.clone())) });
    }
    match back {
        Some(value) if value == *ledger => Ok(Checked { source, value, diagnostics }),
        _ => Err(Error::ReadBack { diagnostic: None }),
    }
}

fn display_name(dir: &Path, path: &Path) -> String {
    target::report_name(dir, path)
}
