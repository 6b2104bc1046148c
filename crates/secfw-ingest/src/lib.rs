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
mod shape;
mod split;
mod target;
mod trivy;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
pub use secfw_artifacts::WorkspaceLock;
use secfw_artifacts::model::findings::FindingsFile;
use secfw_artifacts::{Diagnostic, LoadOptions, LoadedWorkspace};
use secfw_artifacts::{check_findings_canonical, file_names, parse_findings, parse_inventory, parse_rulebook};

pub use cvss::v3_base_score as cvss_v3_base_score;
pub use ledger::{
    MergeSummary, finding_class, finding_target, id_scheme, match_resource, merge, merge_moving, new_ledger,
};
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
    /// The parsed reports (with their skipped-item diagnostics). Their items were moved into
    /// the ledger ([`merge_moving`]): every scan's `items` is empty, and
    /// [`ScannerReport::finding_count`] still counts them.
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
    let mut reports = parse_reports(dir, inputs, opts)?;
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
        let mut errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
        if !opts.dry_run {
            errors.extend(secfw_artifacts::rewrite_would_lose(&diags, "secfw ingest"));
        }
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
    let mut summary = merge_moving(&mut ledger, &mut reports, inventory.as_ref(), &sla, opts.now);
    summary.diagnostics.splice(0..0, warnings);
    let write_to = (!opts.dry_run).then_some(ledger_path.as_path());
    let written_identity = check_write(&ledger, syntax, write_to)?;
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
    let mut reports = parse_reports(dir, inputs, opts)?;
    let ledger_path = dir.join(file_names::FINDINGS);
    // Every check before anything moves out of `ws`.
    let has_ledger = preloaded_status(ws, file_names::FINDINGS, ws.findings.is_some()).map_err(Error::LedgerInvalid)?;
    if has_ledger && !opts.dry_run {
        let ledger_diags: Vec<Diagnostic> =
            ws.diagnostics.iter().filter(|d| d.file == file_names::FINDINGS).cloned().collect();
        let lost = secfw_artifacts::rewrite_would_lose(&ledger_diags, "secfw ingest");
        if !lost.is_empty() {
            return Err(Error::LedgerInvalid(lost));
        }
    }
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
    let mut summary = merge_moving(&mut ledger, &mut reports, inventory, &sla, opts.now);
    // The warnings of the inventory and rulebook used (an unknown key such as a misspelt
    // `sla_days`): never a silent default.
    let used = |f: &str| (f == file_names::INVENTORY && has_inventory) || (f == file_names::RULEBOOK && has_rulebook);
    let warnings = ws.diagnostics.iter().filter(|d| !d.is_error() && used(&d.file)).cloned();
    summary.diagnostics.splice(0..0, warnings);
    let write_to = (!opts.dry_run).then_some(ledger_path.as_path());
    let (checked, identity) = render_check_write(&ledger, syntax, write_to)?;
    let Some(identity) = identity else {
        return Ok(Outcome { reports, summary, ledger, ledger_path, written: false, written_identity: None });
    };
    // The value the text was proved to hold: read back, or (the ledger layout) the merged
    // ledger, which the comparison proved equal to the text.
    ws.findings = Some(checked.value.unwrap_or_else(|| ledger.clone()));
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
    /// The value parsed back from `source` when the check built one (JSON syntax, or YAML
    /// outside the ledger layout); `None` when the check compared the text with the ledger as
    /// it read it (the ledger layout), which proved the text holds exactly the ledger rendered.
    value: Option<FindingsFile>,
    /// The diagnostics of that read (no errors).
    diagnostics: Vec<Diagnostic>,
}

/// Render `ledger` and read the text back exactly as a load of the workspace reads the file
/// (the same parser and checks): any error diagnostic, or a value that differs from `ledger`
/// (something the serializer could not represent), is [`Error::ReadBack`] and nothing is
/// written.
///
/// YAML is written in the ledger layout ([`secfw_artifacts::yaml::canonical`]) and read back
/// with its strict one-pass reader, comparing each finding with the merged one as it is read
/// ([`check_findings_canonical`]: no second ledger is built; the loader's checks then run on
/// the merged value, which the comparison proved equal to the text). A ledger the layout cannot
/// hold (a key longer than [`secfw_artifacts::yaml::canonical::MAX_KEY_BYTES`]) is rendered by
/// serde-saphyr and read back with the full parser, as before.
fn render_checked(ledger: &FindingsFile, syntax: LedgerSyntax) -> Result<Checked, Error> {
    render_check_write(ledger, syntax, None).map(|(c, _)| c)
}

/// [`render_checked`], then, with `write_to`, write the text there atomically: the write and
/// `fsync` of the temp file run while the read-back check runs on another thread, and the temp
/// file is renamed into place only after the check passed (removed otherwise: nothing is
/// written). Returns the identity of the file written.
///
/// A YAML ledger of [`PIECES_MIN_FINDINGS`] findings or more is rendered and checked in
/// pieces on two threads ([`pieces_check_write`]); the text is the same bytes.
fn render_check_write(
    ledger: &FindingsFile,
    syntax: LedgerSyntax,
    write_to: Option<&Path>,
) -> Result<(Checked, Option<WrittenIdentity>), Error> {
    if syntax == LedgerSyntax::Yaml
        && ledger.findings.len() >= PIECES_MIN_FINDINGS
        && let Some((done, identity)) = pieces_check_write(ledger, write_to, true)?
    {
        let text = done.text.unwrap_or_default();
        let source = secfw_artifacts::SourceFile::new(file_names::FINDINGS, text);
        return Ok((Checked { source, value: None, diagnostics: done.diagnostics }, identity));
    }
    let (source, layout) = render_text(ledger, syntax)?;
    check_and_write(source, ledger, layout, write_to)
}

/// [`render_check_write`] for a caller that needs neither the text nor the value read back
/// ([`ingest`]): a large YAML ledger is then never held whole in memory, only its pieces.
/// Returns the identity of the file written (`None` without `write_to`).
fn check_write(
    ledger: &FindingsFile,
    syntax: LedgerSyntax,
    write_to: Option<&Path>,
) -> Result<Option<WrittenIdentity>, Error> {
    if syntax == LedgerSyntax::Yaml
        && ledger.findings.len() >= PIECES_MIN_FINDINGS
        && let Some((_, identity)) = pieces_check_write(ledger, write_to, false)?
    {
        return Ok(identity);
    }
    let (source, layout) = render_text(ledger, syntax)?;
    check_and_write(source, ledger, layout, write_to).map(|(_, identity)| identity)
}

/// Findings per piece of a YAML ledger rendered and checked in pieces (~0.7 MB of text with
/// the ratio script's findings: a piece stays in the cache between its render, its check and
/// its write, and its buffer is reused instead of touching fresh memory).
const PIECE_FINDINGS: usize = 512;
/// Smaller ledgers are rendered and checked whole on one thread.
const PIECES_MIN_FINDINGS: usize = 4 * PIECE_FINDINGS;
/// Threads that render and check pieces.
const PIECE_WORKERS: usize = 2;
/// Bytes of a ledger written in pieces after which the writer flushes them to disk.
const SYNC_EVERY_BYTES: usize = 8 << 20;
/// Pieces a worker may have ready before the writer takes them.
const PIECES_AHEAD: usize = 4;

/// What the pieces of [`pieces_check_write`] gave.
struct PiecesDone {
    /// The whole text, when asked to keep it.
    text: Option<String>,
    /// The diagnostics of the read-back check (no errors).
    diagnostics: Vec<Diagnostic>,
}

/// Why [`pieces_check_write`] stopped.
enum PiecesStop {
    /// The ledger layout cannot hold the ledger: render it whole, another way.
    NotLayout,
    /// The check (or the render) failed: nothing is written.
    Failed(Error),
}

/// What a worker hands the writer for one piece.
type PieceResult = (String, Result<secfw_artifacts::yaml::canonical::PieceRead, PieceFail>);

enum PieceFail {
    NotLayout,
    Render(secfw_artifacts::Error),
    Refused(secfw_artifacts::PieceRefused),
}

/// [`render_check_write`] of a YAML ledger in pieces ([`secfw_artifacts::yaml::canonical::Piece`],
/// [`PIECE_FINDINGS`] findings each): two workers each render a piece into a reused buffer
/// and check it ([`secfw_artifacts::check_findings_canonical_piece`]: the strict reader,
/// started in the state the reader of the whole text is in at the piece's first byte, compares
/// each finding with the merged one), while this thread writes the checked pieces, in order,
/// into the temp file (and appends them to the whole text when `keep`), and a third thread
/// runs the loader's checks on the merged ledger. Once every piece passed, the pieces are
/// joined ([`secfw_artifacts::check_findings_canonical_pieces`]: all the findings, each
/// top-level key once); only then is the temp file synced and renamed into place. The bytes
/// written are exactly the bytes checked, each read once; a piece that fails stops everything
/// and nothing is written. `Ok(None)` when the layout cannot hold the ledger.
fn pieces_check_write(
    ledger: &FindingsFile,
    write_to: Option<&Path>,
    keep: bool,
) -> Result<Option<(PiecesDone, Option<WrittenIdentity>)>, Error> {
    let render = |piece, out: &mut String| secfw_artifacts::yaml::canonical::render_piece(ledger, piece, out);
    pieces_check_write_with(ledger, write_to, keep, PIECE_FINDINGS, &render)
}

/// Renders one piece of the ledger into a buffer ([`secfw_artifacts::yaml::canonical::render_piece`]).
type RenderPiece<'r> =
    dyn Fn(secfw_artifacts::yaml::canonical::Piece, &mut String) -> Result<bool, secfw_artifacts::Error> + Sync + 'r;

/// [`pieces_check_write`] with `per_piece` findings a piece, rendered by `render` (the
/// tests' emitter bugs).
fn pieces_check_write_with(
    ledger: &FindingsFile,
    write_to: Option<&Path>,
    keep: bool,
    per_piece: usize,
    render: &RenderPiece<'_>,
) -> Result<Option<(PiecesDone, Option<WrittenIdentity>)>, Error> {
    use std::io::Write as _;
    let Some(path) = write_to else {
        return match run_pieces(ledger, keep, per_piece, render, &mut |_| Ok(())) {
            Ok(Ok(done)) => Ok(Some((done, None))),
            Ok(Err(PiecesStop::NotLayout)) => Ok(None),
            Ok(Err(PiecesStop::Failed(e))) => Err(e),
            // The sink does no I/O.
            Err(_) => Err(Error::ReadBack { diagnostic: None }),
        };
    };
    let mut done = None;
    let written = secfw_artifacts::write_atomic_meta_with(
        path,
        |f| {
            // Written pieces are flushed to disk as the writing goes on, while the workers
            // render and check the next ones: the sync before the rename then has only the
            // last few megabytes left to write, instead of the whole ledger.
            let mut unsynced = 0usize;
            let mut sink = |t: &str| {
                f.write_all(t.as_bytes())?;
                unsynced += t.len();
                if unsynced >= SYNC_EVERY_BYTES {
                    unsynced = 0;
                    f.sync_data()?;
                }
                Ok(())
            };
            run_pieces(ledger, keep, per_piece, render, &mut sink).map(|r| r.map(|d| done = Some(d)))
        },
        || Ok(()),
    )?;
    match (written, done) {
        (Ok(meta), Some(done)) => {
            Ok(Some((done, Some(WrittenIdentity { size: meta.len(), modified: meta.modified().ok() }))))
        }
        (Ok(_), None) => Err(Error::ReadBack { diagnostic: None }),
        (Err(PiecesStop::NotLayout), _) => Ok(None),
        (Err(PiecesStop::Failed(e)), _) => Err(e),
    }
}

/// The pieces of [`pieces_check_write`]: render and check them on the workers, hand each
/// checked piece to `sink` in order, then join them and take the loader's checks.
fn run_pieces(
    ledger: &FindingsFile,
    keep: bool,
    per_piece: usize,
    render: &RenderPiece<'_>,
    sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<Result<PiecesDone, PiecesStop>> {
    use secfw_artifacts::yaml::canonical::Piece;
    let name = file_names::FINDINGS;
    let pieces = Piece::split(ledger.findings.len(), per_piece);
    let estimate = layout_size_estimate(ledger);
    let capacity = estimate / pieces.len().max(1);
    std::thread::scope(|s| {
        let checks = s.spawn(|| secfw_artifacts::ledger_checks(ledger, name));
        let mut rxs = Vec::with_capacity(PIECE_WORKERS);
        let mut backs = Vec::with_capacity(PIECE_WORKERS);
        let mut workers = Vec::with_capacity(PIECE_WORKERS);
        for w in 0..PIECE_WORKERS {
            let (tx, rx) = std::sync::mpsc::sync_channel::<PieceResult>(PIECES_AHEAD);
            let (back_tx, back_rx) = std::sync::mpsc::channel::<String>();
            let mine: Vec<Piece> = pieces.iter().copied().skip(w).step_by(PIECE_WORKERS).collect();
            workers.push(s.spawn(move || {
                for piece in mine {
                    let mut buf = back_rx.try_recv().unwrap_or_else(|_| String::with_capacity(capacity));
                    buf.clear();
                    let r = match render(piece, &mut buf) {
                        Ok(true) => secfw_artifacts::check_findings_canonical_piece(&buf, ledger, piece)
                            .map_err(PieceFail::Refused),
                        Ok(false) => Err(PieceFail::NotLayout),
                        Err(e) => Err(PieceFail::Render(e)),
                    };
                    let stop = r.is_err();
                    // The writer stopped (a piece before failed): nothing more to do.
                    if tx.send((buf, r)).is_err() || stop {
                        return;
                    }
                }
            }));
            rxs.push(rx);
            backs.push(back_tx);
        }
        let mut whole = keep.then(|| String::with_capacity(estimate));
        // Takes the receivers: when it returns, a worker still sending stops.
        let consumed = write_pieces(pieces.len(), rxs, &backs, sink, whole.as_mut());
        drop(backs);
        // A worker that panicked proved nothing: fail closed.
        // Every worker is joined (no short cut: each must have stopped before the scope ends).
        let mut panicked = false;
        for h in workers {
            panicked |= h.join().is_err();
        }
        let checks = checks.join();
        let reads = match consumed? {
            Ok(reads) => reads,
            Err(stop) => return Ok(Err(stop)),
        };
        let Ok(checks) = checks.map_err(|_| ()).and_then(|c| if panicked { Err(()) } else { Ok(c) }) else {
            return Ok(Err(PiecesStop::Failed(Error::ReadBack { diagnostic: None })));
        };
        let source = whole.map(|t| secfw_artifacts::SourceFile::new(name, t));
        let mut diagnostics = Vec::new();
        let equal = secfw_artifacts::check_findings_canonical_pieces(
            name,
            ledger,
            &reads,
            checks,
            source.as_ref(),
            &mut diagnostics,
        );
        if let Some(d) = diagnostics.iter().find(|d| d.is_error()) {
            return Ok(Err(PiecesStop::Failed(Error::ReadBack { diagnostic: Some(Box::new(d.clone())) })));
        }
        if !equal {
            return Ok(Err(PiecesStop::Failed(Error::ReadBack { diagnostic: None })));
        }
        Ok(Ok(PiecesDone { text: source.map(|s| s.text), diagnostics }))
    })
}

/// The writer's side of [`run_pieces`]: take the `n` pieces in order from the workers
/// (piece `j` from worker `j % workers`), hand each checked one to `sink` (and `whole`), and
/// give its buffer back. Stops at the first piece that failed, with its diagnostic located
/// in the whole text.
#[expect(
    clippy::needless_pass_by_value,
    reason = "the receivers are dropped on return, so a worker blocked on a full channel stops instead of deadlocking the scope"
)]
fn write_pieces(
    n: usize,
    rxs: Vec<std::sync::mpsc::Receiver<PieceResult>>,
    backs: &[std::sync::mpsc::Sender<String>],
    sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
    mut whole: Option<&mut String>,
) -> std::io::Result<Result<Vec<secfw_artifacts::yaml::canonical::PieceRead>, PiecesStop>> {
    let mut reads = Vec::with_capacity(n);
    let mut lines = 0u32;
    for j in 0..n {
        let w = j % rxs.len();
        // A worker that stopped without a result (it panicked): fail closed.
        let Ok((buf, r)) = rxs[w].recv() else {
            return Ok(Err(PiecesStop::Failed(Error::ReadBack { diagnostic: None })));
        };
        let read = match r {
            Ok(read) => read,
            Err(PieceFail::NotLayout) => return Ok(Err(PiecesStop::NotLayout)),
            Err(PieceFail::Render(e)) => return Ok(Err(PiecesStop::Failed(e.into()))),
            Err(PieceFail::Refused(refused)) => {
                let d = refused.diagnostic(file_names::FINDINGS, lines);
                return Ok(Err(PiecesStop::Failed(Error::ReadBack { diagnostic: Some(Box::new(d)) })));
            }
        };
        sink(&buf)?;
        if let Some(t) = whole.as_deref_mut() {
            t.push_str(&buf);
        }
        lines = lines.saturating_add(read.lines());
        reads.push(read);
        let _ = backs[w].send(buf);
    }
    Ok(Ok(reads))
}

/// The check and the write of [`render_check_write`] on a rendered `source` (`layout`: in the
/// ledger layout).
fn check_and_write(
    source: secfw_artifacts::SourceFile,
    ledger: &FindingsFile,
    layout: bool,
    write_to: Option<&Path>,
) -> Result<(Checked, Option<WrittenIdentity>), Error> {
    let Some(path) = write_to else {
        let (value, diagnostics) = read_back(&source, ledger, layout)?;
        return Ok((Checked { source, value, diagnostics }, None));
    };
    let (checked, written) = std::thread::scope(|s| {
        let check = s.spawn(|| read_back(&source, ledger, layout));
        let mut checked = None;
        let written = secfw_artifacts::write_atomic_meta_if(path, source.text.as_bytes(), || {
            // A check that panicked proved nothing: fail closed.
            let r = check.join().unwrap_or(Err(Error::ReadBack { diagnostic: None }));
            let passed = r.is_ok();
            checked = Some(r);
            if passed { Ok(()) } else { Err(()) }
        });
        (checked, written)
    });
    // The write failed before the check was waited for (the scope joined it): the I/O error.
    match (checked, written?) {
        (Some(Ok((value, diagnostics))), Ok(meta)) => {
            let identity = WrittenIdentity { size: meta.len(), modified: meta.modified().ok() };
            Ok((Checked { source, value, diagnostics }, Some(identity)))
        }
        (Some(Err(e)), _) => Err(e),
        _ => Err(Error::ReadBack { diagnostic: None }),
    }
}

/// The text of `ledger` in `syntax`, and whether it is in the ledger layout.
fn render_text(ledger: &FindingsFile, syntax: LedgerSyntax) -> Result<(secfw_artifacts::SourceFile, bool), Error> {
    let (text, layout) = match syntax {
        LedgerSyntax::Yaml => {
            match secfw_artifacts::yaml::canonical::to_string_with_capacity(ledger, layout_size_estimate(ledger))? {
                Some(t) => (t, true),
                None => (secfw_artifacts::yaml::to_string(ledger)?, false),
            }
        }
        LedgerSyntax::Json => (ledger.to_json_lines().map_err(Error::Render)?, false),
    };
    Ok((secfw_artifacts::SourceFile::new(file_names::FINDINGS, text), layout))
}

/// The read-back check of [`render_checked`] on `source`, the text rendered from `ledger`
/// (`layout`: in the ledger layout): `Ok` only when the text reads back, through the reader a
/// load would use, to exactly `ledger` with no error diagnostic. Returns the value read when
/// the check built one, and the diagnostics.
fn read_back(
    source: &secfw_artifacts::SourceFile,
    ledger: &FindingsFile,
    layout: bool,
) -> Result<(Option<FindingsFile>, Vec<Diagnostic>), Error> {
    let mut diagnostics = Vec::new();
    let (equal, value) = if layout {
        (check_findings_canonical(source, ledger, &mut diagnostics), None)
    } else {
        let back = parse_findings(source, &LoadOptions::default(), &mut diagnostics);
        (back.as_ref() == Some(ledger), back)
    };
    if let Some(d) = diagnostics.iter().find(|d| d.is_error()) {
        return Err(Error::ReadBack { diagnostic: Some(Box::new(d.clone())) });
    }
    if !equal {
        return Err(Error::ReadBack { diagnostic: None });
    }
    Ok((value, diagnostics))
}

/// How many bytes the ledger layout of `ledger` probably takes, so the text is allocated once
/// instead of growing by doubling (each step copies the text into fresh memory): the layout
/// of up to 32 findings spread over the ledger, scaled to all of them with a margin. Only
/// sizes the allocation: capacity never written is never touched, and a short estimate costs
/// one reallocation, never a different text.
fn layout_size_estimate(ledger: &FindingsFile) -> usize {
    const SAMPLES: usize = 32;
    let n = ledger.findings.len();
    let step = n.div_ceil(SAMPLES).max(1);
    let (mut bytes, mut sampled) = (0usize, 0usize);
    for f in ledger.findings.iter().step_by(step) {
        // A finding emitted alone sits two columns left of where the ledger puts it: add
        // the indentation of its lines.
        if let Ok(Some(t)) = secfw_artifacts::yaml::canonical::to_string(f) {
            bytes = bytes.saturating_add(t.len()).saturating_add(2 * t.bytes().filter(|&b| b == b'\n').count());
            sampled += 1;
        }
    }
    let per_finding = bytes.checked_div(sampled).unwrap_or(0);
    // 1/8 margin for findings larger than the sample, plus the header and the scan records.
    let findings = per_finding.saturating_add(per_finding / 8).saturating_mul(n);
    findings.saturating_add(ledger.scans.len().saturating_mul(1024)).saturating_add(1 << 16)
}

fn display_name(dir: &Path, path: &Path) -> String {
    target::report_name(dir, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example workspace's ledger (several findings, scans) and a directory holding it.
    fn example() -> (tempfile::TempDir, FindingsFile) {
        let d = tempfile::tempdir().expect("tempdir");
        secfw_artifacts::template::write_example(d.path()).expect("example");
        let path = d.path().join(file_names::FINDINGS);
        let src = secfw_artifacts::read_artifact(&path, file_names::FINDINGS, 1 << 30).expect("read");
        let mut diags = Vec::new();
        let ledger = parse_findings(&src, &LoadOptions::default(), &mut diags).expect("parses");
        assert!(ledger.findings.len() >= 2 && !ledger.scans.is_empty(), "the example has findings and scans");
        (d, ledger)
    }

    /// The directory's entries other than the ledger: no temp file may be left behind.
    fn temp_files(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("read_dir")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.starts_with(secfw_artifacts::TEMP_PREFIX))
            .collect()
    }

    /// An emitter bug: the text written holds another value than the merged ledger. Whatever
    /// the difference (a field of one finding, a finding dropped, added or moved, the header,
    /// a scan record), the comparing read-back refuses it and nothing is written: the ledger
    /// on disk keeps its bytes and no temp file is left.
    #[test]
    fn a_text_that_holds_another_value_is_refused_and_nothing_is_written() {
        let (d, ledger) = example();
        let path = d.path().join(file_names::FINDINGS);
        let before = std::fs::read(&path).expect("ledger");
        let mut wrong: Vec<(&str, FindingsFile)> = Vec::new();
        let mut l = ledger.clone();
        l.findings[1].title.push('x');
        wrong.push(("a title", l));
        let mut l = ledger.clone();
        l.findings[0].severity = if l.findings[0].severity == secfw_artifacts::Severity::Low {
            secfw_artifacts::Severity::High
        } else {
            secfw_artifacts::Severity::Low
        };
        wrong.push(("a severity", l));
        let mut l = ledger.clone();
        l.findings.pop();
        wrong.push(("a finding dropped", l));
        let mut l = ledger.clone();
        l.findings.push(ledger.findings[0].clone());
        wrong.push(("a finding added", l));
        let mut l = ledger.clone();
        l.findings.swap(0, 1);
        wrong.push(("two findings swapped", l));
        let mut l = ledger.clone();
        l.version = "1.1".into();
        wrong.push(("the version", l));
        let mut l = ledger.clone();
        l.metadata.scan_id.push('x');
        wrong.push(("the metadata", l));
        let mut l = ledger.clone();
        l.scans.pop();
        wrong.push(("a scan record", l));
        let mut l = ledger.clone();
        l.findings.clear();
        wrong.push(("every finding", l));
        for (what, bad) in wrong {
            assert_ne!(bad, ledger, "{what}");
            let (source, layout) = render_text(&bad, LedgerSyntax::Yaml).expect("renders");
            assert!(layout, "{what}: in the ledger layout");
            let e = check_and_write(source, &ledger, layout, Some(&path)).err();
            assert!(matches!(e, Some(Error::ReadBack { .. })), "{what}: {e:?}");
            assert_eq!(std::fs::read(&path).expect("ledger"), before, "{what}: the ledger is unchanged");
            assert!(temp_files(d.path()).is_empty(), "{what}: no temp file left");
        }
        // The same for JSON syntax (read back whole and compared).
        let mut bad = ledger.clone();
        bad.findings[0].description.push('x');
        let (source, layout) = render_text(&bad, LedgerSyntax::Json).expect("renders");
        let e = check_and_write(source, &ledger, layout, Some(&path)).err();
        assert!(matches!(e, Some(Error::ReadBack { diagnostic: None })), "json: {e:?}");
        assert_eq!(std::fs::read(&path).expect("ledger"), before);
        // The right text is written, and is what was rendered.
        let (source, layout) = render_text(&ledger, LedgerSyntax::Yaml).expect("renders");
        let text = source.text.clone();
        let (checked, identity) = check_and_write(source, &ledger, layout, Some(&path)).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("ledger"), text);
        assert!(checked.value.is_none() && checked.diagnostics.is_empty());
        assert_eq!(identity.map(|i| i.size), Some(text.len() as u64));
        assert!(temp_files(d.path()).is_empty());
    }

    /// Tampered bytes (what a corrupting emitter or a flipped byte would write): every edit of
    /// the text that changes the value it reads back to, or leaves the layout, is refused with
    /// a located diagnostic, and nothing is written.
    #[test]
    fn tampered_ledger_text_is_refused_with_its_position_and_nothing_is_written() {
        let (d, ledger) = example();
        let path = d.path().join(file_names::FINDINGS);
        let before = std::fs::read(&path).expect("ledger");
        let (source, _) = render_text(&ledger, LedgerSyntax::Yaml).expect("renders");
        let text = source.text;
        let title = &ledger.findings[1].title;
        let first_id = &ledger.findings[0].finding_id;
        let tampered = [
            ("a title", text.replacen(title.as_str(), &format!("{title}!"), 1)),
            ("an unknown field", text.replacen("  severity:", "  severety: high\n  severity:", 1)),
            ("a duplicate key", text.replacen("findings:\n", "findings: []\nfindings:\n", 1)),
            ("an unknown top-level key", format!("{text}extra: 1\n")),
            ("a finding id", text.replacen(first_id.as_str(), "SF-9999", 1)),
            ("a comment", text.replacen("findings:\n", "findings: # x\n", 1)),
            ("no final line break", text.trim_end().to_owned()),
        ];
        for (what, t) in tampered {
            assert_ne!(t, text, "{what}: the edit applies");
            let source = secfw_artifacts::SourceFile::new(file_names::FINDINGS, t);
            let e = check_and_write(source, &ledger, true, Some(&path)).err();
            match e {
                Some(Error::ReadBack { diagnostic: Some(d) }) => {
                    // Unknown fields are named by their path; everything else has its line.
                    let located = d.line.is_some() || d.code == secfw_artifacts::codes::UNKNOWN_FIELD;
                    assert!(located, "{what}: located: {d:?}");
                }
                other => panic!("{what}: {other:?}"),
            }
            assert_eq!(std::fs::read(&path).expect("ledger"), before, "{what}: the ledger is unchanged");
            assert!(temp_files(d.path()).is_empty(), "{what}: no temp file left");
        }
    }

    /// A ledger of `n` distinct findings (the example's, with their own ids and fingerprints).
    fn long_ledger(n: usize) -> (tempfile::TempDir, FindingsFile) {
        let (d, mut ledger) = example();
        let base = ledger.findings.clone();
        ledger.findings = (0..n)
            .map(|i| {
                let mut f = base[i % base.len()].clone();
                f.finding_id = format!("SF-{:04}", 5000 + i);
                f.fingerprint = Some(format!("secfw/v1:{i:064x}"));
                f.title = format!("{} #{i}", f.title);
                f
            })
            .collect();
        (d, ledger)
    }

    use secfw_artifacts::yaml::canonical::{Piece, render_piece};

    /// The pieces pipeline with `per` findings a piece and `render` as the emitter, into
    /// the ledger file of `dir` (`keep`: the text is kept).
    fn pipeline(
        dir: &Path,
        ledger: &FindingsFile,
        per: usize,
        render: &RenderPiece<'_>,
    ) -> Result<Option<(PiecesDone, Option<WrittenIdentity>)>, Error> {
        pieces_check_write_with(ledger, Some(&dir.join(file_names::FINDINGS)), true, per, render)
    }

    /// The pieces pipeline writes exactly the text of the whole render, keeps it when asked,
    /// reports the same diagnostics as the check of the whole text, and leaves no temp file;
    /// the public paths (ingest's check-and-write, the cycle's render-check-write, a dry run)
    /// agree with it.
    #[test]
    fn the_pieces_pipeline_writes_the_whole_text() {
        let (d, ledger) = long_ledger(9);
        let path = d.path().join(file_names::FINDINGS);
        let whole = secfw_artifacts::yaml::canonical::to_string(&ledger).expect("renders").expect("layout");
        let mut seq = Vec::new();
        let src = secfw_artifacts::SourceFile::new(file_names::FINDINGS, whole.clone());
        assert!(check_findings_canonical(&src, &ledger, &mut seq), "{seq:?}");
        let render = |p, out: &mut String| render_piece(&ledger, p, out);
        for per in [1, 2, 4, 8, 9, 100] {
            let (done, identity) = pipeline(d.path(), &ledger, per, &render).expect("checked").expect("layout");
            assert_eq!(std::fs::read_to_string(&path).expect("ledger"), whole, "per {per}");
            assert_eq!(done.text.as_deref(), Some(whole.as_str()), "per {per}");
            assert_eq!(done.diagnostics, seq, "per {per}");
            assert_eq!(identity.map(|i| i.size), Some(whole.len() as u64));
            assert!(temp_files(d.path()).is_empty());
        }
        // Not kept: only the file.
        std::fs::remove_file(&path).expect("rm");
        let (done, _) =
            pieces_check_write_with(&ledger, Some(&path), false, 2, &render).expect("checked").expect("layout");
        assert!(done.text.is_none());
        assert_eq!(std::fs::read_to_string(&path).expect("ledger"), whole);
        // A dry run writes nothing.
        std::fs::remove_file(&path).expect("rm");
        let (done, identity) =
            pieces_check_write_with(&ledger, None, true, 2, &render).expect("checked").expect("layout");
        assert_eq!(done.text.as_deref(), Some(whole.as_str()));
        assert!(identity.is_none() && !path.exists());
        // The production paths, large enough to go through the pieces.
        let (_, big) = long_ledger(PIECES_MIN_FINDINGS + PIECE_FINDINGS / 2 + 1);
        let big_whole = secfw_artifacts::yaml::canonical::to_string(&big).expect("renders").expect("layout");
        let identity = check_write(&big, LedgerSyntax::Yaml, Some(&path)).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("ledger"), big_whole);
        assert_eq!(identity.map(|i| i.size), Some(big_whole.len() as u64));
        let (checked, _) = render_check_write(&big, LedgerSyntax::Yaml, Some(&path)).expect("written");
        assert_eq!(checked.source.text, big_whole);
        assert_eq!(render_as(&big, LedgerSyntax::Yaml).expect("renders"), big_whole);
        assert!(temp_files(d.path()).is_empty());
    }

    /// Emitter bugs against the pieces: a byte tampered with in the first, a middle or the
    /// last piece, at a cut (the last byte before it, the first after it), a finding added,
    /// dropped or moved at a cut (also when the joined bytes are the right text), a piece
    /// written twice or with the top-level keys of another: every one is refused with a
    /// located `SF0101`, the ledger on disk keeps its bytes and no temp file is left. Where
    /// the joined text is refused by the check of the whole text too, both name the same
    /// line and column.
    #[test]
    #[expect(
        clippy::too_many_lines,
        clippy::string_slice,
        reason = "one table of attacks; the cuts are at line starts of ASCII `- ` lines"
    )]
    fn tampered_pieces_are_refused_with_their_position_and_nothing_is_written() {
        type Edit = Box<dyn Fn(usize, &mut String) + Sync>;
        let (d, ledger) = long_ledger(7);
        let path = d.path().join(file_names::FINDINGS);
        let before = std::fs::read(&path).expect("ledger");
        let per = 2;
        let ps = Piece::split(ledger.findings.len(), per);
        assert_eq!(ps.len(), 4);
        let own = |p: Piece| {
            let mut t = String::new();
            assert!(render_piece(&ledger, p, &mut t).expect("renders"));
            t
        };
        let texts: Vec<String> = ps.iter().map(|p| own(*p)).collect();
        let title = |i: usize| ledger.findings[i].title.clone();
        let edit_piece = |which: usize, f: Box<dyn Fn(&mut String) + Sync>| -> Edit {
            Box::new(move |j, t: &mut String| {
                if j == which {
                    f(t);
                }
            })
        };
        let t1 = title(1);
        let t3 = title(3);
        let t6 = title(6);
        let piece1 = texts[1].clone();
        let piece2 = texts[2].clone();
        let piece2b = texts[2].clone();
        let finding_2 = {
            // The text of finding 2 alone, as it is written in the sequence.
            let mut t = String::new();
            assert!(render_piece(&ledger, Piece::split(7, 1)[2], &mut t).expect("renders"));
            t
        };
        let finding_2b = finding_2.clone();
        let finding_2c = finding_2.clone();
        let finding_2d = finding_2.clone();
        let cases: Vec<(&str, Edit)> = vec![
            (
                "a title in the first piece",
                edit_piece(0, Box::new(move |t| *t = t.replacen(&t1, &format!("{t1}!"), 1))),
            ),
            ("a title in a middle piece", edit_piece(1, Box::new(move |t| *t = t.replacen(&t3, &format!("{t3}!"), 1)))),
            ("a title in the last piece", edit_piece(3, Box::new(move |t| *t = t.replacen(&t6, &format!("{t6}!"), 1)))),
            (
                "the last byte before a cut",
                edit_piece(
                    0,
                    Box::new(|t| {
                        t.pop();
                        t.push(' ');
                    }),
                ),
            ),
            (
                "the line break before a cut dropped",
                edit_piece(
                    1,
                    Box::new(|t| {
                        t.pop();
                    }),
                ),
            ),
            ("the first byte after a cut", edit_piece(1, Box::new(|t| t.replace_range(0..1, " ")))),
            ("the dash after a cut indented", edit_piece(2, Box::new(|t| t.insert_str(0, "  ")))),
            ("a finding added at a cut (end of a piece)", edit_piece(1, Box::new(move |t| t.push_str(&finding_2b)))),
            (
                "a finding added at a cut (start of a piece)",
                edit_piece(2, Box::new(move |t| t.insert_str(0, &finding_2c))),
            ),
            (
                "a finding dropped at a cut",
                edit_piece(1, Box::new(move |t| *t = t[..t.len() - finding_2d.len()].to_owned())),
            ),
            (
                "a finding dropped at the start of a piece",
                edit_piece(
                    1,
                    Box::new(move |t| {
                        *t = t[finding_2.len()..].to_owned();
                    }),
                ),
            ),
            (
                "a finding moved across a cut (the joined bytes are right)",
                Box::new(move |j, t: &mut String| {
                    // Piece 1 also writes the first finding of piece 2, piece 2 leaves it out.
                    if j == 1 {
                        t.push_str(&piece2[..piece2.find("\n- ").map_or(piece2.len(), |i| i + 1)]);
                    } else if j == 2 {
                        *t = t[t.find("\n- ").map_or(t.len(), |i| i + 1)..].to_owned();
                    }
                }),
            ),
            (
                "two findings swapped across a cut",
                Box::new(move |j, t: &mut String| {
                    let first_of_2 = &piece2b[..piece2b.find("\n- ").map_or(piece2b.len(), |i| i + 1)];
                    let second_of_1 = &piece1[piece1.find("\n- ").map_or(0, |i| i + 1)..];
                    if j == 1 {
                        *t = t.replacen(second_of_1, first_of_2, 1);
                    } else if j == 2 {
                        *t = t.replacen(first_of_2, second_of_1, 1);
                    }
                }),
            ),
            ("a middle piece written twice", edit_piece(1, Box::new(|t| *t = t.repeat(2)))),
            ("the top-level keys again in the last piece", edit_piece(3, Box::new(|t| t.push_str("version: '1.0'\n")))),
            (
                "an unknown top-level key after the findings of the first piece",
                edit_piece(0, Box::new(|t| t.push_str("extra: 1\n"))),
            ),
            (
                "an unknown field of a finding in a middle piece",
                edit_piece(2, Box::new(|t| *t = t.replacen("  severity:", "  severety: high\n  severity:", 1))),
            ),
            ("a piece left empty", edit_piece(2, Box::new(String::clear))),
        ];
        for (what, edit) in cases {
            let render = |p: Piece, out: &mut String| {
                let ok = render_piece(&ledger, p, out)?;
                edit(p.findings().start / per, out);
                Ok(ok)
            };
            let e = pipeline(d.path(), &ledger, per, &render).err();
            let Some(Error::ReadBack { diagnostic: Some(diag) }) = e else { panic!("{what}: {e:?}") };
            let located = diag.line.is_some() || diag.code == secfw_artifacts::codes::UNKNOWN_FIELD;
            assert!(located, "{what}: located: {diag:?}");
            assert!(
                [secfw_artifacts::codes::SYNTAX, secfw_artifacts::codes::UNKNOWN_FIELD].contains(&diag.code),
                "{what}: {diag:?}"
            );
            assert_eq!(std::fs::read(&path).expect("ledger"), before, "{what}: the ledger is unchanged");
            assert!(temp_files(d.path()).is_empty(), "{what}: no temp file left");
            // The joined text, checked whole: refused too (unless the joined bytes are the
            // right text), at the same place when the edit is inside a piece.
            let mut joined = String::new();
            for p in &ps {
                let mut t = String::new();
                render(*p, &mut t).expect("renders");
                joined.push_str(&t);
            }
            let src = secfw_artifacts::SourceFile::new(file_names::FINDINGS, joined.clone());
            let mut whole = Vec::new();
            let equal = check_findings_canonical(&src, &ledger, &mut whole);
            let right = joined == texts.concat();
            let refused = !equal || whole.iter().any(Diagnostic::is_error);
            assert_eq!(refused, !right, "{what}: the whole check");
            if what.starts_with("a title") || what.starts_with("an unknown field") {
                assert_eq!(
                    (whole[0].line, whole[0].column, &whole[0].message),
                    (diag.line, diag.column, &diag.message),
                    "{what}"
                );
            }
        }
    }
}
