//! JSON Schemas of the reports the CLI prints with `--format json`, generated from the report
//! types (schemars). They are committed under `schemas/cli/`; a test fails when they drift
//! (regenerate with `SECFW_BLESS=1 cargo test -p secfw --test cli_schemas`).

use schemars::{JsonSchema, generate::SchemaSettings};

fn schema_of<T: JsonSchema>(id: &str) -> String {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert("$id".to_owned(), format!("https://secfw.dev/schemas/cli/{id}").into());
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Every CLI report schema as `(file name under schemas/cli/, JSON text)`, in a fixed order.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("validate.schema.json", schema_of::<super::ValidateReport>("validate.schema.json")),
        ("spec-lint.schema.json", schema_of::<super::SpecLintReport>("spec-lint.schema.json")),
        ("ingest.schema.json", schema_of::<super::IngestReport>("ingest.schema.json")),
        ("log-verify.schema.json", schema_of::<super::LogVerifyReport>("log-verify.schema.json")),
    ]
}
