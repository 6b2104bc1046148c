//! [`Error`]: every crate's error behind one type, with one way to get the diagnostics out.

use secfw_artifacts::Diagnostic;

/// The facade's error: any secfw crate's error (one variant per crate), or an option the
/// application layer refuses.
///
/// Every error answers two questions the same way, whichever crate it came from:
/// [`Error::diagnostics`] (the located problems behind it, to render with a snippet) and
/// [`Error::kind`] (refused input, or could not run).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// From `secfw-artifacts`.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// From `secfw-governance`.
    #[error(transparent)]
    Governance(#[from] secfw_governance::Error),
    /// From `secfw-gates`.
    #[error(transparent)]
    Gates(#[from] secfw_gates::Error),
    /// From `secfw-seal`.
    #[error(transparent)]
    Seal(#[from] secfw_seal::Error),
    /// From `secfw-metrics`.
    #[error(transparent)]
    Metrics(#[from] secfw_metrics::Error),
    /// From `secfw-ingest`.
    #[error(transparent)]
    Ingest(#[from] secfw_ingest::Error),
    /// From `secfw-export`.
    #[error(transparent)]
    Export(#[from] secfw_export::Error),
    /// From `secfw-digest`.
    #[error(transparent)]
    Digest(#[from] secfw_digest::Error),
    /// From `secfw-lifecycle`.
    #[error(transparent)]
    Lifecycle(#[from] secfw_lifecycle::Error),
    /// From `secfw-tickets`.
    #[error(transparent)]
    Tickets(#[from] secfw_tickets::Error),
    /// From `secfw-notify`.
    #[error(transparent)]
    Notify(#[from] secfw_notify::Error),
    /// From `secfw-suppress`.
    #[error(transparent)]
    Suppress(#[from] secfw_suppress::Error),
    /// From `secfw-enrich`.
    #[error(transparent)]
    Enrich(#[from] secfw_enrich::Error),
    /// The input was examined and the operation refused by a rule (a trust policy change the
    /// policy rules forbid, an expiry in the past); the message says why. Nothing was written.
    #[error("{message}")]
    Refused {
        /// Why.
        message: String,
    },
    /// An operation cannot run as asked (a missing artifact it needs, options that contradict
    /// each other); the message says what to do.
    #[error("{message}")]
    Unusable {
        /// What is wrong and what to do.
        message: String,
        /// The located problems behind it, if any.
        diagnostics: Vec<Diagnostic>,
    },
}

/// What an error means for the caller (the CLI maps it to an exit code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input was examined and refused (a seal that does not verify, a tampered event log):
    /// the answer is "no" (the CLI exits 1).
    Refused,
    /// The operation could not run (unreadable input, bad options, I/O): there is no answer
    /// (the CLI exits 2).
    CannotRun,
}

impl Error {
    /// An operation that cannot run, with a message saying what to do.
    pub fn unusable(message: impl Into<String>) -> Self {
        Self::Unusable { message: message.into(), diagnostics: Vec::new() }
    }

    /// The located problems behind this error, from whichever crate it came (empty for plain
    /// I/O and similar failures, whose message says everything).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            Self::Artifacts(e)
            | Self::Governance(secfw_governance::Error::Artifacts(e))
            | Self::Gates(secfw_gates::Error::Artifacts(e))
            | Self::Metrics(secfw_metrics::Error::Artifacts(e))
            | Self::Digest(
                secfw_digest::Error::Artifacts(e) | secfw_digest::Error::Metrics(secfw_metrics::Error::Artifacts(e)),
            )
            | Self::Tickets(secfw_tickets::Error::Artifacts(e))
            | Self::Notify(secfw_notify::Error::Artifacts(e))
            | Self::Suppress(secfw_suppress::Error::Artifacts(e))
            | Self::Lifecycle(secfw_lifecycle::Error::Artifacts(e)) => artifacts(e),
            Self::Seal(e) | Self::Lifecycle(secfw_lifecycle::Error::Seal(e)) => e.diagnostics(),
            Self::Ingest(e) => e.diagnostics(),
            Self::Export(secfw_export::Error::NoLedger(d)) | Self::Suppress(secfw_suppress::Error::Refused(d)) => {
                vec![(**d).clone()]
            }
            Self::Lifecycle(
                secfw_lifecycle::Error::Tampered { problems }
                | secfw_lifecycle::Error::Inputs { problems }
                | secfw_lifecycle::Error::Baseline { problems },
            ) => problems.clone(),
            Self::Enrich(e) => e.diagnostics(),
            Self::Tickets(secfw_tickets::Error::FindingsUnusable { diagnostics })
            | Self::Notify(secfw_notify::Error::Config { diagnostics })
            | Self::Unusable { diagnostics, .. } => diagnostics.clone(),
            Self::Tickets(secfw_tickets::Error::Ledger(d))
            | Self::Notify(secfw_notify::Error::Ledger(d) | secfw_notify::Error::Channel(d)) => vec![d.clone()],
            _ => Vec::new(),
        }
    }

    /// Refused input or could not run.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Seal(secfw_seal::Error::Rejected(_) | secfw_seal::Error::Verification(_))
            | Self::Lifecycle(
                secfw_lifecycle::Error::Tampered { .. }
                | secfw_lifecycle::Error::Seal(secfw_seal::Error::Rejected(_) | secfw_seal::Error::Verification(_)),
            )
            | Self::Refused { .. } => ErrorKind::Refused,
            _ => ErrorKind::CannotRun,
        }
    }
}

fn artifacts(e: &secfw_artifacts::Error) -> Vec<Diagnostic> {
    match e {
        secfw_artifacts::Error::Invalid { diagnostics, .. } => diagnostics.clone(),
        secfw_artifacts::Error::Locked(d) => vec![(**d).clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_workspace_directory_keeps_its_io_error_as_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let e: Error = secfw_artifacts::check_root(&dir.path().join("absent")).unwrap_err().into();
        assert!(e.to_string().contains("not a security workspace"), "{e}");
        // `Error::Artifacts` is transparent: its source is the artifacts error's, the I/O error.
        let io = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<std::io::Error>());
        assert_eq!(io.map(std::io::Error::kind), Some(std::io::ErrorKind::NotFound));
    }

    #[test]
    fn every_crate_error_converts_and_yields_its_diagnostics() {
        let d = Diagnostic::error(secfw_artifacts::codes::MISSING_ARTIFACT, "x.yaml", "boom");
        let cases: Vec<(Error, usize, ErrorKind)> = vec![
            (secfw_artifacts::Error::Locked(Box::new(d.clone())).into(), 1, ErrorKind::CannotRun),
            (secfw_seal::Error::Rejected(vec![d.clone(), d.clone()]).into(), 2, ErrorKind::Refused),
            (secfw_ingest::Error::LedgerInvalid(vec![d.clone()]).into(), 1, ErrorKind::CannotRun),
            (secfw_export::Error::NoLedger(Box::new(d.clone())).into(), 1, ErrorKind::CannotRun),
            (secfw_lifecycle::Error::Tampered { problems: vec![d.clone()] }.into(), 1, ErrorKind::Refused),
            // A key the demo could not write keeps the seal error and its diagnostics.
            (secfw_lifecycle::Error::Seal(secfw_seal::Error::Rejected(vec![d.clone()])).into(), 1, ErrorKind::Refused),
            (secfw_tickets::Error::Ledger(d.clone()).into(), 1, ErrorKind::CannotRun),
            (secfw_notify::Error::Channel(d.clone()).into(), 1, ErrorKind::CannotRun),
            (secfw_suppress::Error::Refused(Box::new(d.clone())).into(), 1, ErrorKind::CannotRun),
            (secfw_enrich::Error::Rejected(vec![d.clone()]).into(), 1, ErrorKind::CannotRun),
            (secfw_lifecycle::Error::Baseline { problems: vec![d.clone()] }.into(), 1, ErrorKind::CannotRun),
            (
                secfw_gates::Error::Artifacts(secfw_artifacts::Error::Invalid {
                    file: "x.yaml".into(),
                    diagnostics: vec![d],
                })
                .into(),
                1,
                ErrorKind::CannotRun,
            ),
            (secfw_gates::Error::UnknownGate("x".into()).into(), 0, ErrorKind::CannotRun),
            (secfw_metrics::Error::InvalidCycle("../x".into()).into(), 0, ErrorKind::CannotRun),
            (Error::unusable("no"), 0, ErrorKind::CannotRun),
            (Error::Refused { message: "no".into() }, 0, ErrorKind::Refused),
        ];
        for (e, n, kind) in cases {
            assert_eq!(e.diagnostics().len(), n, "{e}");
            assert_eq!(e.kind(), kind, "{e}");
            assert!(!e.to_string().is_empty());
        }
    }
}
