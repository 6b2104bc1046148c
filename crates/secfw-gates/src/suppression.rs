//! Gate 4, `suppression_parity`: every suppression in the repository's scanner ignore files and
//! in ingested reports is backed by a valid exception; no ignore file is malformed or carries
//! unknown keys; valid exceptions missing from a present ignore file are reported as stale.
//! The checks themselves live in `secfw-suppress` (one home per format).

use secfw_artifacts::Diagnostic;
use secfw_artifacts::file_names;

use crate::{GateContext, GateName, GateReport, excepted_of};

/// Gate 4: suppression parity.
#[derive(Clone, Copy, Debug, Default)]
pub struct SuppressionParity;

impl crate::Gate for SuppressionParity {
    fn name(&self) -> GateName {
        GateName::SuppressionParity
    }

    fn run(&self, ctx: &GateContext<'_>) -> GateReport {
        let ws = ctx.ws;
        let mut drift = secfw_suppress::check(ws, &ctx.governance, &ws.root);
        // Fail closed: without the registry nothing can be backed, and without the ledger the
        // results scanners reported as suppressed cannot be checked.
        for (name, present) in
            [(file_names::EXCEPTIONS, ws.exceptions.is_some()), (file_names::FINDINGS, ws.findings.is_some())]
        {
            if !present {
                drift.diagnostics.push(
                    Diagnostic::error(
                        secfw_artifacts::codes::MISSING_ARTIFACT,
                        name,
                        format!("{name} is missing or does not parse, so suppressions cannot be checked"),
                    )
                    .with_hint("fix the schema_lint errors first; this gate fails closed"),
                );
            }
        }
        // A registry with errors (an entry that could not be read, struck or hidden text) is
        // not the registry people wrote: nothing read from it may back a suppression.
        let registry_errors =
            ws.diagnostics.iter().filter(|d| d.file == file_names::EXCEPTIONS && d.is_error()).count();
        if ws.exceptions.is_some() && registry_errors > 0 {
            drift.diagnostics.push(
                Diagnostic::error(
                    crate::codes::REGISTRY_UNUSABLE,
                    file_names::EXCEPTIONS,
                    format!(
                        "{} has {registry_errors} error(s), so suppressions cannot be checked against it",
                        file_names::EXCEPTIONS
                    ),
                )
                .with_hint("fix the schema_lint errors of exceptions.md first; this gate fails closed"),
            );
        }
        let mut stats = serde_json::Map::new();
        stats.insert("ignore_files".into(), serde_json::json!(drift.files));
        stats.insert("suppressions".into(), serde_json::json!(drift.suppressions.len()));
        stats.insert("suppressions_backed".into(), serde_json::json!(drift.backed));
        GateReport::new(GateName::SuppressionParity, drift.diagnostics, excepted_of(ctx), stats, ctx.opts.strict)
    }
}
