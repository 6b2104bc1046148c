//! JSON Schemas of every YAML/JSON artifact, generated from the Rust types (schemars).
//!
//! The generated files are committed under `schemas/`; a test fails when they drift.

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::model::digest::DigestJson;
use crate::model::findings::FindingsFile;
use crate::model::inventory::Inventory;
use crate::model::manifest::HandoffManifest;
use crate::model::rulebook::Rulebook;
use crate::spec::SpecFrontMatter;

fn schema_of<T: JsonSchema>(id: &str) -> String {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>();
    schema.insert("$id".to_owned(), format!("https://secfw.dev/schemas/{id}").into());
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Every schema as `(file name, JSON text)`, in a fixed order.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("sec_findings.schema.json", schema_of::<FindingsFile>("sec_findings.schema.json")),
        ("rulebook.schema.json", schema_of::<Rulebook>("rulebook.schema.json")),
        ("inventory.schema.json", schema_of::<Inventory>("inventory.schema.json")),
        ("handoff_manifest.schema.json", schema_of::<HandoffManifest>("handoff_manifest.schema.json")),
        ("digest.schema.json", schema_of::<DigestJson>("digest.schema.json")),
        (
            "security_spec_front_matter.schema.json",
            schema_of::<SpecFrontMatter>("security_spec_front_matter.schema.json"),
        ),
    ]
}
