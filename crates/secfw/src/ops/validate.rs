//! `validate`: parse and check every artifact.

use schemars::JsonSchema;
use secfw_artifacts::Diagnostic;
use serde::Serialize;

use super::Outcome;
use crate::Workspace;

/// Counts of diagnostics by level and the verdict of a checking report.
///
/// `valid` is the one verdict word of every checking report: `validate` is valid without
/// errors; `spec lint` is valid without errors and warnings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct Verdict {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Number of notes.
    pub notes: usize,
    /// The command's verdict.
    pub valid: bool,
}

/// The report of [`Workspace::validate`] (`secfw validate --format json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct ValidateReport {
    /// Every diagnostic found while loading, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Counts and the verdict (valid: no error).
    pub summary: Verdict,
}

impl Outcome for ValidateReport {
    fn passed(&self) -> bool {
        self.summary.valid
    }
}

impl Workspace {
    /// Validate: every diagnostic found while loading the workspace (with the options it was
    /// opened with: strict mode, size cap) and the verdict.
    pub fn validate(&self) -> ValidateReport {
        let mut diagnostics = self.diagnostics().to_vec();
        // The rulebook's notification channels, checked as `notify plan` checks them: a
        // secret written in the rulebook or a variable not reserved for secfw is an error
        // here, not first at the run that would send.
        let notify = secfw_notify::lint(self.artifacts());
        let valid = self.is_valid() && !notify.iter().any(Diagnostic::is_error);
        diagnostics.extend(notify);
        secfw_artifacts::sort_diagnostics(&mut diagnostics);
        let summary = super::verdict(&diagnostics, valid);
        ValidateReport { diagnostics, summary }
    }
}
