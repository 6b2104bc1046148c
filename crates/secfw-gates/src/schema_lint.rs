//! Gate 1, `schema_lint`: everything `secfw-artifacts` validates while loading (syntax, required
//! fields, types, enums, formats, duplicate keys, budgets, reference syntax), plus the format
//! checks that need more than one field, and the Security & Compliance Specification lint
//! (`secfw spec lint`).

use secfw_artifacts::file_names;
use secfw_artifacts::{Diagnostic, path};

use crate::{GateContext, GateName, GateReport, codes};

/// Gate 1: artifact schemas.
#[derive(Clone, Copy, Debug, Default)]
pub struct SchemaLint;

const LEDGER_VERSIONS: [&str; 2] = ["1.0", "1"];

impl crate::Gate for SchemaLint {
    fn name(&self) -> GateName {
        GateName::SchemaLint
    }

    fn run(&self, ctx: &GateContext<'_>) -> GateReport {
        let ws = ctx.ws;
        // Load diagnostics, with the specification's replaced by `spec lint`'s (which include
        // them, plus placeholders, the review cycle and the cross-checks with the taxonomy, the
        // exception registry and the policy map).
        let mut diags: Vec<Diagnostic> =
            ws.diagnostics.iter().filter(|d| d.file != file_names::SECURITY_SPEC).cloned().collect();
        diags.extend(secfw_artifacts::speclint::lint_workspace(ws, ctx.now));
        if let Some(ff) = &ws.findings
            && !LEDGER_VERSIONS.contains(&ff.version.as_str())
        {
            diags.push(
                Diagnostic::error(
                    codes::LEDGER_VERSION,
                    file_names::FINDINGS,
                    format!("ledger version `{}` is not supported", ff.version),
                )
                .at(ctx.loc.pos(file_names::FINDINGS, &path!["version"]))
                .with_hint("write `version: \"1.0\"`"),
            );
        }
        if let Some(inv) = &ws.inventory
            && !LEDGER_VERSIONS.contains(&inv.version.as_str())
        {
            diags.push(
                Diagnostic::error(
                    codes::LEDGER_VERSION,
                    file_names::INVENTORY,
                    format!("inventory version `{}` is not supported", inv.version),
                )
                .at(ctx.loc.pos(file_names::INVENTORY, &path!["version"]))
                .with_hint("write `version: \"1.0\"`"),
            );
        }
        if let Some(reg) = &ws.exceptions {
            for e in &reg.exceptions {
                for fid in &e.findings {
                    if fid.is_empty() || fid.contains(char::is_whitespace) || fid.contains(['[', ']', '`', '"']) {
                        diags.push(
                            Diagnostic::error(
                                codes::BAD_FINDING_LIST_ENTRY,
                                file_names::EXCEPTIONS,
                                format!("{}: `**Findings**` entry `{fid}` is not a finding id", e.id),
                            )
                            .at(e.spans.field("findings"))
                            .with_hint("list finding ids separated by commas, e.g. `- **Findings**: F-001, F-002`"),
                        );
                    }
                }
            }
        }
        let mut stats = serde_json::Map::new();
        stats.insert("artifacts_read".into(), ws.sources.len().into());
        stats.insert("artifacts_expected".into(), file_names::ALL.len().into());
        GateReport::new(GateName::SchemaLint, diags, Vec::new(), stats, ctx.opts.strict)
    }
}
