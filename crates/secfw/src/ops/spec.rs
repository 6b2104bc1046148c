//! `spec lint`: check the Security & Compliance Specification.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use secfw_artifacts::speclint::{self, SpecContext};
use secfw_artifacts::{Diagnostic, Level, SourceFile, codes};
use serde::Serialize;

use super::Outcome;
use crate::{Error, Workspace};

/// Options of a spec lint.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SpecLintOptions {
    /// Evaluation time (review-date checks).
    pub now: DateTime<Utc>,
    /// Review cycle in days for a file linted on its own (in a workspace the rulebook's
    /// `review_cycle_days` applies).
    pub review_cycle_days: Option<u32>,
}

impl SpecLintOptions {
    /// Lint at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self { now, review_cycle_days: None }
    }

    /// With a review cycle for a file linted on its own.
    #[must_use]
    pub fn review_cycle_days(mut self, days: Option<u32>) -> Self {
        self.review_cycle_days = days;
        self
    }
}

/// Counts, the verdict and its deprecated alias.
#[derive(Clone, Copy, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct SpecLintSummary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of notes.
    pub notes: usize,
    /// The verdict: no error and no warning (notes allowed).
    pub valid: bool,
    /// Deprecated alias of `valid` (the report's word before 0.2); will be removed.
    pub clean: bool,
}

/// The report of a spec lint (`secfw spec lint --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct SpecLintReport {
    /// The file linted, as given (or the workspace's `security_spec.md`).
    pub file: String,
    /// Every diagnostic.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts and the verdict.
    pub summary: SpecLintSummary,
    /// The source linted, for rendering snippets.
    #[serde(skip)]
    pub source: Option<SourceFile>,
    /// `true` when the file was linted on its own and cross-checks were skipped.
    #[serde(skip)]
    pub cross_checks_skipped: bool,
}

impl Outcome for SpecLintReport {
    fn passed(&self) -> bool {
        self.summary.valid
    }
}

impl SpecLintReport {
    fn new(file: String, diagnostics: Vec<Diagnostic>, source: SourceFile, standalone: bool) -> Self {
        let v = super::verdict(&diagnostics, true);
        let valid = v.errors == 0 && v.warnings == 0;
        let cross_checks_skipped = standalone
            && diagnostics.iter().any(|d| d.level == Level::Note && d.code == codes::SPEC_CROSS_CHECK_SKIPPED);
        let summary = SpecLintSummary { errors: v.errors, warnings: v.warnings, notes: v.notes, valid, clean: valid };
        Self { file, diagnostics, summary, source: Some(source), cross_checks_skipped }
    }
}

impl Workspace {
    /// Lint the workspace's `security_spec.md` with every cross-check (rulebook taxonomy,
    /// exceptions.md, policy_map.md).
    pub fn spec_lint(&self, opts: &SpecLintOptions) -> Result<SpecLintReport, Error> {
        let ws = self.artifacts();
        let name = secfw_artifacts::file_names::SECURITY_SPEC;
        let Some(src) = ws.sources.get(name).cloned() else {
            let diagnostics: Vec<Diagnostic> = ws.diagnostics.iter().filter(|d| d.file == name).cloned().collect();
            let why = diagnostics.first().map_or_else(String::new, ToString::to_string);
            return Err(Error::Unusable {
                message: format!(
                    "cannot lint {}: {why} (`secfw spec init` writes the template)",
                    self.root().join(name).display()
                ),
                diagnostics,
            });
        };
        let diags = speclint::lint_workspace(ws, opts.now);
        Ok(SpecLintReport::new(self.root().join(name).display().to_string(), diags, src, false))
    }

    /// Lint one file on its own (cross-checks with other artifacts are skipped, with a note).
    pub fn spec_lint_file(file: &Path, opts: &SpecLintOptions) -> Result<SpecLintReport, Error> {
        let name = file.to_string_lossy().replace('\\', "/");
        let src = secfw_artifacts::read_artifact(file, &name, secfw_artifacts::DEFAULT_MAX_FILE_BYTES)
            .map_err(|d| Error::Unusable { message: d.to_string(), diagnostics: vec![d] })?;
        let mut ctx = SpecContext::standalone();
        if let Some(n) = opts.review_cycle_days {
            ctx = ctx.with_review_cycle_days(n);
        }
        let diags = speclint::lint(&src, &ctx, opts.now);
        Ok(SpecLintReport::new(name, diags, src, true))
    }

    /// Write `security_spec.md` from the template into `dir` (created if missing); never
    /// overwrites. Returns the path written.
    pub fn spec_init(dir: &Path) -> Result<PathBuf, Error> {
        Ok(speclint::init(dir)?)
    }
}
