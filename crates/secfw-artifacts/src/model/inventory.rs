//! `inventory.yaml`: the systems and resources in scope.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The whole `inventory.yaml` document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "secfw inventory.yaml")]
pub struct Inventory {
    /// Format version, `"1.0"`.
    pub version: String,
    /// Resources in scope.
    #[serde(default)]
    pub resources: Vec<Resource>,
}

/// One system or resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Resource {
    /// Unique id, referenced by findings' `affected_resources[].resource_id`.
    pub id: String,
    /// Kind (service, database, bucket, repository, image, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Owning team or person.
    pub owner: String,
    /// Environment (production, staging, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Governance tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Scanners expected to cover it each cycle (tool names as in scan records).
    #[serde(default)]
    pub expected_scanners: Vec<String>,
    /// Policies (`POL-NNN`) that apply to it; a resource with at least one is "covered".
    #[serde(default)]
    pub policies: Vec<String>,
    /// Free-form description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
