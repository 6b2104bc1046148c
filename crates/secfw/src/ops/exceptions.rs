//! `exceptions check` and `exceptions vex-in`: the exception registry and VEX statements.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_artifacts::Diagnostic;
use secfw_governance::ExceptionEval;
use secfw_suppress::vex_in::VexStatement;
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// Largest VEX document read.
const MAX_VEX_BYTES: u64 = 16 * 1024 * 1024;

/// Options of [`Workspace::check_exceptions`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExceptionsCheckOptions {
    /// Evaluation time.
    pub now: DateTime<Utc>,
    /// Warn about exceptions expiring within this many days (default: the rulebook's
    /// `exceptions.warn_days_before_expiry`).
    pub within: Option<u32>,
}

impl ExceptionsCheckOptions {
    /// Check at `now` with the rulebook's warning window.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, within: None }
    }

    /// Warn about exceptions expiring within `days`.
    #[must_use]
    pub fn within(mut self, days: Option<u32>) -> Self {
        self.within = days;
        self
    }
}

/// The report of [`Workspace::check_exceptions`] (`secfw exceptions check --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct ExceptionsCheckReport {
    /// Evaluation time (RFC 3339, seconds, UTC).
    pub now: String,
    /// Every exception, evaluated.
    pub exceptions: Vec<ExceptionEval>,
    /// Problems reading `exceptions.md` itself (a heading or field secfw could not read, a
    /// section it does not recognise), located. An error means an entry was not read as
    /// written, so the check fails (fail closed).
    pub registry: Vec<Diagnostic>,
    /// `true` when no exception has an error and `exceptions.md` has none.
    pub passed: bool,
}

impl Outcome for ExceptionsCheckReport {
    fn passed(&self) -> bool {
        self.passed
    }
}

impl ExceptionsCheckReport {
    /// Errors over `exceptions.md` and every exception.
    pub fn errors(&self) -> usize {
        self.all_diagnostics().filter(|d| d.is_error()).count()
    }

    /// Warnings and notes over `exceptions.md` and every exception.
    pub fn warnings(&self) -> usize {
        self.all_diagnostics().filter(|d| !d.is_error()).count()
    }

    fn all_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.registry.iter().chain(self.exceptions.iter().flat_map(|e| &e.diagnostics))
    }
}

/// Options of [`Workspace::vex_in`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VexInOptions {
    /// VEX documents (JSON: OpenVEX, CycloneDX VEX, CSAF VEX).
    pub files: Vec<PathBuf>,
    /// Time of recording.
    pub now: DateTime<Utc>,
    /// Record the trusted statements in the workspace's VEX record (under the workspace lock).
    pub record: bool,
}

impl VexInOptions {
    /// Read `files` at `now` and record the trusted statements.
    pub fn new(files: Vec<PathBuf>, now: DateTime<Utc>) -> Self {
        Self { files, now, record: true }
    }

    /// Record the statements or only show them.
    #[must_use]
    pub fn record(mut self, record: bool) -> Self {
        self.record = record;
        self
    }
}

/// One trusted statement and the ledger findings it is about.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct VexInRow {
    /// The statement.
    pub statement: VexStatement,
    /// Ids of the ledger findings it is about.
    pub findings: Vec<String>,
}

/// The report of [`Workspace::vex_in`] (`secfw exceptions vex-in --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct VexInReport {
    /// The statements of trusted authors after conflict resolution.
    pub statements: Vec<VexInRow>,
    /// Problems reading and resolving the documents.
    pub diagnostics: Vec<Diagnostic>,
    /// Statements added to the VEX record (`None`: nothing recorded).
    pub recorded: Option<usize>,
}

impl Outcome for VexInReport {
    fn passed(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The problems found reading `exceptions.md` itself (its parse errors and warnings, located),
/// as loaded.
pub(super) fn registry_diagnostics(ws: &Workspace) -> Vec<Diagnostic> {
    ws.diagnostics().iter().filter(|d| d.file == secfw_artifacts::file_names::EXCEPTIONS).cloned().collect()
}

/// The registry as loaded, for a command that acts on the exceptions in force (`compile`,
/// `vex`): refused (fail closed) when `exceptions.md` is missing or has an error, because an
/// entry secfw could not read as written may be a revocation or a withdrawn approval; else its
/// warnings, to show.
pub(super) fn registry_in_force<'a>(
    ws: &'a Workspace,
    what: &str,
) -> Result<(&'a secfw_artifacts::ExceptionRegistry, Vec<Diagnostic>), Error> {
    let Some(reg) = ws.artifacts().exceptions.as_ref() else {
        return Err(exceptions_unusable(ws, what));
    };
    let diagnostics = registry_diagnostics(ws);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Error::Unusable {
            message: format!(
                "exceptions.md has errors{what}: an entry secfw cannot read as written may be a revocation or a withdrawn approval; fix them (`secfw validate`) and run again"
            ),
            diagnostics,
        });
    }
    Ok((reg, diagnostics))
}

pub(super) fn exceptions_unusable(ws: &Workspace, what: &str) -> Error {
    Error::Unusable {
        message: format!("exceptions.md is missing or does not parse{what}"),
        diagnostics: ws
            .diagnostics()
            .iter()
            .filter(|d| d.file == secfw_artifacts::file_names::EXCEPTIONS)
            .cloned()
            .collect(),
    }
}

impl Workspace {
    /// Check every exception: expired, expiring within the warning window, stale, over-long,
    /// missing approvals or content.
    pub fn check_exceptions(&self, opts: &ExceptionsCheckOptions) -> Result<ExceptionsCheckReport, Error> {
        if self.artifacts().exceptions.is_none() {
            return Err(exceptions_unusable(self, ""));
        }
        let gov = if let Some(n) = opts.within {
            let mut ws = self.load_fresh()?;
            let mut rb = ws.rulebook_or_default();
            rb.exceptions.warn_days_before_expiry = n;
            ws.rulebook = Some(rb);
            secfw_governance::evaluate(&ws, opts.now)
        } else {
            secfw_governance::evaluate(self.artifacts(), opts.now)
        };
        let mut report = ExceptionsCheckReport {
            now: opts.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            exceptions: gov.exceptions,
            registry: registry_diagnostics(self),
            passed: false,
        };
        report.passed = report.errors() == 0;
        Ok(report)
    }

    /// Read VEX documents: keep the statements of the rulebook's trusted authors, resolve
    /// conflicts (the latest statement wins, reported), name the ledger findings each is about,
    /// and (with `record`) add them to the workspace's VEX record under the workspace lock.
    pub fn vex_in(&self, opts: &VexInOptions) -> Result<VexInReport, Error> {
        let mut docs = Vec::new();
        for f in &opts.files {
            let name = f.display().to_string();
            let bytes = secfw_artifacts::read_regular(f, MAX_VEX_BYTES, secfw_artifacts::Links::Refuse)
                .map_err(|e| Error::unusable(format!("{name}: {e}")))?;
            let text = String::from_utf8(bytes).map_err(|e| Error::unusable(format!("{name}: not UTF-8: {e}")))?;
            docs.push((name, text));
        }
        let _lock = if opts.record { Some(self.lock()?) } else { None };
        let ws = self.load_fresh()?;
        let done = secfw_suppress::vex_in::vex_in(&ws, &docs, opts.now, opts.record)?;
        let statements =
            done.statements.into_iter().map(|(statement, findings)| VexInRow { statement, findings }).collect();
        Ok(VexInReport { statements, diagnostics: done.diagnostics, recorded: done.recorded })
    }
}
