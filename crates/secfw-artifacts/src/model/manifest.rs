//! Types of `handoff_manifest.yaml` (seed §2.4).
//!
//! The manifest is a deterministic *rendering* of a sealed, signed payload (see `secfw-seal`);
//! verification re-renders it and compares bytes, and never trusts this YAML on its own.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{LifecycleState, Timestamp};
use crate::sha256::{Seal, Sha256Digest};

/// The whole `handoff_manifest.yaml` document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "secfw handoff_manifest.yaml")]
pub struct HandoffManifest {
    /// Format version, `"1.0"`.
    pub version: String,
    /// Header.
    pub manifest: ManifestHeader,
    /// Every sealed artifact and evidence file.
    pub artifacts: Vec<ManifestArtifact>,
    /// Source-control snapshot.
    pub snapshot: Snapshot,
    /// The rulebook in force.
    pub rulebook: RulebookBinding,
    /// Severity counts and active exceptions at sealing time.
    pub governance: GovernanceCounts,
    /// Who prepared and approved the handoff.
    pub signatures: SignatureSummary,
    /// The seal.
    pub seal: SealValue,
}

/// `manifest:` header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestHeader {
    /// Unique id of this manifest.
    pub manifest_id: String,
    /// When it was issued.
    pub timestamp: Timestamp,
    /// Lifecycle state sealed.
    pub lifecycle_state: LifecycleState,
    /// Project id (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Monotonic sequence number (extension; no rollback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// When the seal stops being acceptable (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// Seal of the previous manifest (extension; chains handoffs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_seal: Option<Seal>,
}

/// One sealed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestArtifact {
    /// Logical id (`sec_findings`, `policy_map`, `evidence/...`).
    pub artifact_id: String,
    /// Workspace-relative path, `./`-prefixed as in the seed.
    pub path: String,
    /// SHA-256 of the file.
    pub checksum_sha256: Sha256Digest,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// `snapshot:` git binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Snapshot {
    /// Commit id.
    pub revision: String,
    /// Branch name.
    pub branch: String,
    /// Tree id (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<String>,
}

/// `rulebook:` binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RulebookBinding {
    /// SHA-256 of `rulebook.yaml`.
    pub hash_sha256: Sha256Digest,
    /// Its `version`.
    pub version: String,
}

/// `governance:` counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct GovernanceCounts {
    /// Open critical findings (must be 0 to seal).
    pub critical_count: u64,
    /// Open high findings.
    pub high_count: u64,
    /// Open medium findings.
    pub medium_count: u64,
    /// Open low findings.
    pub low_count: u64,
    /// Exceptions valid at sealing time.
    pub exceptions_active: u64,
}

/// `signatures:` names (the cryptographic signatures live in the DSSE envelope).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct SignatureSummary {
    /// Identities that signed in the `prepared_by` role.
    #[serde(default)]
    pub prepared_by: Vec<String>,
    /// Identities that signed in the `approved_by` role.
    #[serde(default)]
    pub approved_by: Vec<String>,
}

/// `seal:` value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SealValue {
    /// `sha256`.
    pub method: String,
    /// `sha256:<hex>` of the canonical payload.
    pub value: Seal,
}
