//! `ingest`: scanner reports into `sec_findings.yaml`.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_artifacts::{Diagnostic, Severity, Sha256Digest};
use secfw_ingest::{Format, Input};
use serde::Serialize;

use crate::{Error, Workspace};

/// Options of an ingest.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct IngestOptions {
    /// The reports to read.
    pub inputs: Vec<Input>,
    /// The time of the ingest.
    pub now: DateTime<Utc>,
    /// Bind the scans to this target (an inventory resource id) instead of the one the report
    /// names. It names the project when the report does not (cargo-audit, npm audit, SARIF
    /// without `versionControlProvenance`); without it such a scan is bound to its report path
    /// and resolves only findings last reported from there (`IN0110`, docs/ingest.md).
    pub target: Option<String>,
    /// Parse and merge, report what would change, write nothing.
    pub dry_run: bool,
}

impl IngestOptions {
    /// Ingest `files` (each in `format`, `Format::Auto` to recognise it) at `now`.
    pub fn new(files: impl IntoIterator<Item = PathBuf>, format: Format, now: DateTime<Utc>) -> Self {
        let inputs = files.into_iter().map(|p| Input::new(p, format)).collect();
        Self { inputs, now, target: None, dry_run: false }
    }

    /// Bind the scans to `target`.
    #[must_use]
    pub fn target(mut self, target: Option<String>) -> Self {
        self.target = target;
        self
    }

    /// Dry run on or off.
    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// One report read.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct IngestedReport {
    /// The report's name as given.
    pub report: String,
    /// The format it was read as.
    pub format: String,
    /// SHA-256 of its bytes (lower-case hex in JSON).
    pub sha256: Sha256Digest,
    /// Scans it holds.
    pub scans: usize,
    /// Findings it holds (after merging duplicates within the report).
    pub findings: usize,
}

/// A finding a scan did not report but could not resolve.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct KeptOpen {
    /// The finding id.
    pub finding: String,
    /// Why it stays open.
    pub why: String,
}

/// A finding seen again whose scanner now rates it differently.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Rerated {
    /// The finding id.
    pub finding: String,
    /// Its severity before this ingest.
    pub from: Severity,
    /// Its severity now.
    pub to: Severity,
}

/// The report of [`Workspace::ingest`] (`secfw ingest --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct IngestReport {
    /// Each report read.
    pub reports: Vec<IngestedReport>,
    /// Ids of findings opened (including re-openings).
    pub opened: Vec<String>,
    /// `[new id, old id]` of findings that came back after being resolved.
    pub reopened: Vec<(String, String)>,
    /// Ids of findings seen again.
    pub updated: Vec<String>,
    /// Ids of findings resolved.
    pub resolved: Vec<String>,
    /// Scan ids recorded.
    pub scans: Vec<String>,
    /// Scan ids of failed scans.
    pub failed_scans: Vec<String>,
    /// Findings kept open, and why.
    pub kept_open: Vec<KeptOpen>,
    /// Findings seen again whose severity changed with their scanner's rating.
    pub rerated: Vec<Rerated>,
    /// Notes about the reports, inventory matching and findings kept open.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the ledger was written (false on a dry run).
    pub written: bool,
    /// The ledger's path.
    pub ledger: PathBuf,
}

impl Workspace {
    /// Ingest scanner reports into the ledger, holding the workspace lock until it is written.
    /// On error nothing is written (the error's diagnostics say why).
    pub fn ingest(&self, opts: &IngestOptions) -> Result<IngestReport, Error> {
        let lock = self.lock()?;
        let lib = secfw_ingest::IngestOptions::new(opts.now).target(opts.target.clone()).dry_run(opts.dry_run);
        let outcome = secfw_ingest::ingest(self.root(), &lock, &opts.inputs, &lib)?;
        let diagnostics = outcome.diagnostics();
        let s = outcome.summary;
        let report = IngestReport {
            reports: outcome
                .reports
                .iter()
                .map(|r| IngestedReport {
                    report: r.name.clone(),
                    format: r.format.as_str().to_owned(),
                    sha256: r.sha256,
                    scans: r.scans.len(),
                    findings: r.finding_count(),
                })
                .collect(),
            opened: s.opened,
            reopened: s.reopened,
            updated: s.updated,
            resolved: s.resolved,
            scans: s.scans,
            failed_scans: s.failed_scans,
            kept_open: s.kept_open.into_iter().map(|(finding, why)| KeptOpen { finding, why }).collect(),
            rerated: s.rerated.into_iter().map(|(finding, from, to)| Rerated { finding, from, to }).collect(),
            diagnostics,
            written: outcome.written,
            ledger: outcome.ledger_path,
        };
        // A large merged ledger is freed on a thread of its own (about 15 ms at 20,000
        // findings): the caller has its report at once.
        if outcome.ledger.findings.len() >= DROP_ASIDE_MIN_FINDINGS {
            secfw_artifacts::drop_aside(outcome.ledger);
        }
        Ok(report)
    }
}

/// Merged ledgers from this many findings on are freed on a thread of their own.
const DROP_ASIDE_MIN_FINDINGS: usize = 4096;
