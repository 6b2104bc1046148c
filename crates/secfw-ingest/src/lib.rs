#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod cargo_audit;
pub mod codes;
pub mod cvss;
pub mod fingerprint;
mod grype;
mod lax;
pub mod ledger;
pub mod model;
mod npm;
mod osv;
pub mod read;
mod sarif;
mod trivy;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
pub use secfw_artifacts::lock::WorkspaceLock;
use secfw_artifacts::model::findings::FindingsFile;
use secfw_artifacts::workspace::{files, parse_findings, parse_inventory, parse_rulebook};
use secfw_artifacts::{Diagnostic, LoadOptions, source};

pub use ledger::{MergeSummary, merge};
pub use model::{Format, Item, Report, Scan};
pub use read::{ParseOptions, parse_path, parse_slice};

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
    /// The ledger secfw produced does not re-parse cleanly (a bug; nothing was written).
    #[error("internal error: the merged ledger does not re-parse: {0}")]
    Internal(String),
    /// Reading or writing workspace files failed.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
}

impl Error {
    /// The located diagnostic(s) behind this error, for rendering with a source snippet.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Rejected(d) => vec![(**d).clone()],
            Self::LedgerInvalid(ds) | Self::ArtifactInvalid { diagnostics: ds, .. } => ds.clone(),
            _ => Vec::new(),
        }
    }
}

/// One report to ingest.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    pub reports: Vec<Report>,
    /// What the merge changed.
    pub summary: MergeSummary,
    /// The ledger after the merge.
    pub ledger: FindingsFile,
    /// Where the ledger is.
    pub ledger_path: PathBuf,
    /// `false` on a dry run.
    pub written: bool,
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
    secfw_artifacts::workspace::check_root(dir)?;
    lock.check_covers(dir)?;
    let popts = ParseOptions { target: opts.target.clone(), max_bytes: opts.max_bytes, ..ParseOptions::default() };
    let mut reports = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = display_name(dir, &input.path);
        reports.push(parse_path(&input.path, &name, input.format, &popts)?);
    }
    let lopts = LoadOptions::default();
    let ledger_path = dir.join(files::FINDINGS);
    // A ledger kept in JSON syntax (valid YAML 1.2, parsed ~20× faster) stays JSON.
    let mut syntax = LedgerSyntax::Yaml;
    let mut ledger = if ledger_path.exists() {
        let src = source::read_artifact(&ledger_path, files::FINDINGS, lopts.max_file_bytes)
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
        ledger::new_ledger(opts.now)
    };
    let inventory = read_optional(dir, files::INVENTORY, &lopts, parse_inventory)?;
    let sla = read_optional(dir, files::RULEBOOK, &lopts, parse_rulebook)?.map(|r| r.sla_days).unwrap_or_default();
    let summary = merge(&mut ledger, &reports, inventory.as_ref(), &sla, opts.now);
    let text = render_as(&ledger, syntax)?;
    if !opts.dry_run {
        secfw_artifacts::write::write_atomic(&ledger_path, text.as_bytes())?;
    }
    Ok(Outcome { reports, summary, ledger, ledger_path, written: !opts.dry_run })
}

/// Read an optional workspace artifact: `None` when it does not exist; an error when it
/// exists but cannot be read or has error diagnostics (never a silent default).
fn read_optional<T>(
    dir: &Path,
    name: &str,
    lopts: &LoadOptions,
    parse: fn(&secfw_artifacts::SourceFile, &LoadOptions, &mut Vec<Diagnostic>) -> Option<T>,
) -> Result<Option<T>, Error> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let invalid = |errors: Vec<Diagnostic>| {
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
    };
    let src = source::read_artifact(&path, name, lopts.max_file_bytes).map_err(|d| invalid(vec![d]))?;
    let mut diags = Vec::new();
    let parsed = parse(&src, lopts, &mut diags);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
    match parsed {
        Some(v) if errors.is_empty() => Ok(Some(v)),
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
    /// JSON fast path. An existing JSON ledger is kept in JSON.
    Json,
}

/// Serialize a ledger as YAML and check that it re-parses with no error diagnostics.
pub fn render(ledger: &FindingsFile) -> Result<String, Error> {
    render_as(ledger, LedgerSyntax::Yaml)
}

/// Serialize a ledger in `syntax` and check that it re-parses to the same value with no error
/// diagnostics.
pub fn render_as(ledger: &FindingsFile, syntax: LedgerSyntax) -> Result<String, Error> {
    let text = match syntax {
        LedgerSyntax::Yaml => secfw_artifacts::yaml::to_string(ledger)?,
        LedgerSyntax::Json => {
            let mut t = serde_json::to_string_pretty(ledger).map_err(|e| Error::Internal(e.to_string()))?;
            t.push('\n');
            t
        }
    };
    let src = secfw_artifacts::SourceFile::new(files::FINDINGS, text.clone());
    let mut diags = Vec::new();
    let back = parse_findings(&src, &LoadOptions::default(), &mut diags);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(Error::Internal(d.to_string()));
    }
    if back.as_ref() != Some(ledger) {
        return Err(Error::Internal("the written ledger reads back differently".into()));
    }
    Ok(text)
}

fn display_name(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}
