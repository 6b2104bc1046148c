//! The VEX record, `evidence/vex/statements.json`: every VEX statement `secfw exceptions vex-in`
//! accepted (trusted author at the time it was read, well-formed), with its source document.
//!
//! secfw writes it (atomically, under the workspace lock, statements appended, never rewritten
//! by hand); it lives under `evidence/` so the seal covers it like every other input. Which
//! statement is in effect, and whether it counts, is decided when the workspace is evaluated
//! (`secfw-governance`): latest per (vulnerability, product, subcomponent), authors trusted by
//! the current rulebook, `not_affected` only with a standard justification.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The record's path relative to the workspace root.
pub const VEX_RECORD: &str = "evidence/vex/statements.json";

/// The `format` of the record this crate reads and writes.
pub const VEX_RECORD_FORMAT: &str = "secfw.vex-record/v1";

/// The record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct VexRecord {
    /// [`VEX_RECORD_FORMAT`].
    pub format: String,
    /// Every statement recorded, in the order they were read.
    pub statements: Vec<RecordedStatement>,
}

impl Default for VexRecord {
    fn default() -> Self {
        Self { format: VEX_RECORD_FORMAT.to_owned(), statements: Vec::new() }
    }
}

/// One recorded statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedStatement {
    /// The document it came from (its name as given to `vex-in`).
    pub source: String,
    /// The SHA-256 (hex) of that document's bytes.
    pub source_sha256: String,
    /// Who made it (the document's author, publisher or manufacturer).
    pub author: String,
    /// When it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// The vulnerability id.
    pub vulnerability: String,
    /// Its aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The product (purl or image reference).
    pub product: String,
    /// The subcomponent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcomponent: Option<String>,
    /// `not_affected`, `affected`, `fixed` or `under_investigation`.
    pub status: String,
    /// The justification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Impact or action statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// When secfw recorded it (the `now` of the `vex-in` run).
    pub recorded_at: DateTime<Utc>,
}

/// The standard `not_affected` justifications: OpenVEX 0.2.0, CycloneDX 1.5
/// `analysis.justification`, CSAF 2.0 flag labels (the same five as OpenVEX), and CycloneDX's
/// `false_positive` state. Only a `not_affected` with one of these suppresses anything.
pub const STANDARD_JUSTIFICATIONS: [&str; 15] = [
    // OpenVEX and CSAF.
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
    // CycloneDX.
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
    "false_positive",
];

/// `true` when `j` is one of [`STANDARD_JUSTIFICATIONS`] (exactly, as the formats spell them).
pub fn is_standard_justification(j: &str) -> bool {
    STANDARD_JUSTIFICATIONS.contains(&j)
}
