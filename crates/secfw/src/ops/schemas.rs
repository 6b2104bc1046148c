//! JSON Schemas of the reports the CLI prints with `--format json`, generated from the report
//! types (schemars). They are committed under `schemas/cli/`; a test fails when they drift
//! (regenerate with `SECFW_BLESS=1 cargo test -p secfw --test cli_schemas`).

use schemars::{JsonSchema, generate::SchemaSettings};

fn schema_of<T: JsonSchema>(id: &str) -> String {
    let generator = SchemaSettings::draft2020_12().for_serialize().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert("$id".to_owned(), format!("https://secfw.dev/schemas/cli/{id}").into());
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// `secfw gate --format json`: the gate run with its format tag.
#[derive(JsonSchema)]
#[allow(dead_code)] // describes the JSON `secfw_gates::format::json` writes
struct GateReportJson {
    /// Always `secfw-gate-report/1`.
    format: String,
    #[serde(flatten)]
    run: secfw_gates::GateRun,
}

/// Every CLI report schema as `(file name under schemas/cli/, JSON text)`, in a fixed order:
/// one per command with `--format json`.
pub fn all() -> Vec<(&'static str, String)> {
    macro_rules! schemas {
        ($($file:literal => $ty:ty),* $(,)?) => { vec![$(($file, schema_of::<$ty>($file))),*] };
    }
    schemas![
        "validate.schema.json" => super::ValidateReport,
        "spec-lint.schema.json" => super::SpecLintReport,
        "gate.schema.json" => GateReportJson,
        "ingest.schema.json" => super::IngestReport,
        "metrics.schema.json" => super::MetricsReport,
        "status.schema.json" => secfw_lifecycle::Status,
        "advance.schema.json" => secfw_lifecycle::Outcome,
        "log-verify.schema.json" => super::LogVerifyReport,
        "exceptions-check.schema.json" => super::ExceptionsCheckReport,
        "exceptions-vex-in.schema.json" => super::VexInReport,
        "verify-manifest.schema.json" => super::VerifyReport,
        "tickets-plan.schema.json" => secfw_tickets::TicketPlan,
        "tickets-apply.schema.json" => secfw_tickets::ApplyReport,
        "notify-plan.schema.json" => secfw_notify::NotifyPlan,
        "notify-apply.schema.json" => secfw_notify::ApplyReport,
        "cycle.schema.json" => secfw_lifecycle::CycleReport,
        "enrich.schema.json" => secfw_enrich::EnrichReport,
        "gate-new.schema.json" => secfw_lifecycle::BaselineReport,
        "keygen.schema.json" => super::KeygenReport,
        "sigstore-bundle.schema.json" => super::SigstoreBundleReport,
        "trust.schema.json" => super::TrustStatus,
        "trust-show.schema.json" => super::TrustShowReport,
    ]
}
