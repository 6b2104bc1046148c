//! The signed payload: an in-toto Statement v1 whose predicate (type
//! [`PREDICATE_TYPE`]) is the handoff manifest. Serialized as canonical JSON (RFC 8785); parsed
//! back only from verified bytes, strictly.
//!
//! A public namespace: the in-toto Statement that is signed (`statement::Subject`, `statement::ArtifactEntry`).

use std::collections::BTreeMap;

use secfw_artifacts::{Code, DigestError, Seal, Sha256Digest};
use serde::{Deserialize, Serialize};

use crate::{codes, files, jcs};

/// in-toto Statement v1 `_type`.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// secfw's predicate type for handoff manifests.
pub const PREDICATE_TYPE: &str = "https://github.com/secfw/secfw/handoff-manifest/v1";
/// Largest payload accepted (8 MiB).
pub const MAX_PAYLOAD_BYTES: usize = 8 * 1024 * 1024;

/// A Statement v1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub type_: String,
    /// Every sealed file, sorted by name.
    pub subject: Vec<Subject>,
    /// Always [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The manifest.
    pub predicate: Predicate,
}

/// A Statement subject (ResourceDescriptor with name and digest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// Workspace-relative path.
    pub name: String,
    /// Digest set; secfw writes `sha256` only.
    pub digest: BTreeMap<String, String>,
}

/// The handoff manifest predicate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Predicate {
    /// Sealed files with sizes (ResourceDescriptor has no size field).
    pub artifacts: Vec<ArtifactEntry>,
    /// Exceptions valid at `issuedAt`.
    pub exceptions_active: u64,
    /// When the seal stops being accepted (RFC 3339 UTC).
    pub expires: String,
    /// Git binding; absent when sealed with `--no-git`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitBinding>,
    /// Issue time (RFC 3339 UTC).
    pub issued_at: String,
    /// Lifecycle state sealed (`READY_FOR_HANDOFF`, ...).
    pub lifecycle_state: String,
    /// Deterministic manifest id (UUID form, derived from project, sequence and issue time).
    pub manifest_id: String,
    /// Predicate schema version, 1.
    pub manifest_version: u64,
    /// Seal of the previous manifest of this project, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_seal: Option<Seal>,
    /// Project id.
    pub project: String,
    /// The rulebook in force.
    pub rulebook: RulebookRef,
    /// Monotonic sequence number per project (no rollback).
    pub sequence: u64,
    /// Open findings by severity.
    pub severity_counts: SeverityCounts,
}

/// One sealed file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactEntry {
    /// Workspace-relative path.
    pub path: String,
    /// Its SHA-256 (64 lower-case hex on the wire).
    pub sha256: Sha256Digest,
    /// Bytes.
    pub size: u64,
}

/// Git binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitBinding {
    /// Branch (informational; never an identity).
    pub branch: String,
    /// Full commit id.
    pub commit: String,
    /// Sealed files differed from the commit.
    pub dirty: bool,
    /// Full tree id.
    pub tree: String,
}

/// Rulebook binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RulebookRef {
    /// Digest set of `rulebook.yaml`.
    pub digest: BTreeMap<String, String>,
    /// `rulebook.yaml`.
    pub name: String,
    /// The rulebook's `version`.
    pub version: String,
}

/// Open findings by severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityCounts {
    /// Critical (must be 0 to hand off).
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Low.
    pub low: u64,
    /// Medium.
    pub medium: u64,
}

fn check_path_ok(p: &str) -> bool {
    files::check_path(p).is_ok()
}

/// `true` for 64 lower-case hex characters (the grammar of [`Sha256Digest`]).
pub fn is_sha256_hex(s: &str) -> bool {
    Sha256Digest::parse(s).is_ok()
}

/// `true` for `sha256:` + 64 lower-case hex (the grammar of [`Seal`]).
pub fn is_seal(s: &str) -> bool {
    Seal::parse(s).is_ok()
}

/// The typed digests of a statement checked in its JSON tree, before it is deserialized, so
/// that a malformed one is reported with its place in the statement (`predicate.artifacts[i].sha256`,
/// `predicate.previousSeal`) and the stable code of that check ([`codes::DIGEST_FORMAT`],
/// [`codes::CHAIN`]), not as a generic shape error.
fn typed_digest_problems(v: &serde_json::Value) -> Vec<(Code, String)> {
    let mut out = Vec::new();
    let Some(pr) = v.get("predicate") else { return out };
    let why = |e: DigestError| format!("{} at offset {}", e.kind, e.offset);
    for (i, a) in pr.get("artifacts").and_then(serde_json::Value::as_array).into_iter().flatten().enumerate() {
        if let Some(h) = a.get("sha256").and_then(serde_json::Value::as_str)
            && let Err(e) = Sha256Digest::parse(h)
        {
            let path = a.get("path").and_then(serde_json::Value::as_str).unwrap_or("?");
            out.push((
                codes::DIGEST_FORMAT,
                format!(
                    "predicate.artifacts[{i}].sha256 of `{}` is not 64 lower-case hex: {}",
                    path.escape_debug(),
                    why(e)
                ),
            ));
        }
    }
    if let Some(s) = pr.get("previousSeal").and_then(serde_json::Value::as_str)
        && let Err(e) = Seal::parse(s)
    {
        out.push((
            codes::CHAIN,
            format!("predicate.previousSeal `{}` is not sha256:<64 lower-case hex>: {}", s.escape_debug(), why(e)),
        ));
    }
    out
}

impl Statement {
    /// Canonical JSON bytes (the DSSE body).
    pub fn to_payload(&self) -> Result<Vec<u8>, crate::Error> {
        let v = serde_json::to_value(self).map_err(|e| crate::Error::Statement(Box::new(e)))?;
        jcs::to_vec(&v).map_err(|e| crate::Error::Statement(Box::new(e)))
    }

    /// The sha256 recorded for a sealed path.
    pub fn digest_of(&self, path: &str) -> Option<&Sha256Digest> {
        self.predicate.artifacts.iter().find(|a| a.path == path).map(|a| &a.sha256)
    }

    /// Parse verified payload bytes strictly. Every problem is returned with its code.
    pub fn parse_payload(bytes: &[u8]) -> Result<Self, Vec<(Code, String)>> {
        if bytes.len() > MAX_PAYLOAD_BYTES {
            return Err(vec![(
                codes::NOT_CANONICAL,
                format!("payload is {} bytes, over {MAX_PAYLOAD_BYTES}", bytes.len()),
            )]);
        }
        let v = jcs::parse_canonical(bytes).map_err(|e| vec![(codes::NOT_CANONICAL, e)])?;
        if v.get("_type").and_then(|t| t.as_str()) != Some(STATEMENT_TYPE) {
            return Err(vec![(codes::STATEMENT, format!("`_type` is not {STATEMENT_TYPE}"))]);
        }
        if v.get("predicateType").and_then(|t| t.as_str()) != Some(PREDICATE_TYPE) {
            return Err(vec![(codes::STATEMENT, format!("`predicateType` is not {PREDICATE_TYPE}"))]);
        }
        let typed = typed_digest_problems(&v);
        if !typed.is_empty() {
            return Err(typed);
        }
        let st: Self = serde_json::from_value(v).map_err(|e| vec![(codes::STATEMENT, format!("statement: {e}"))])?;
        let p = st.problems();
        if p.is_empty() { Ok(st) } else { Err(p) }
    }

    /// Structural problems of a parsed statement: one function per part (version, subjects,
    /// artifacts, times and state, project, rulebook), in that order. The typed digests
    /// (`artifacts[].sha256`, `previousSeal`) are well-formed by construction; a payload where
    /// they are not is refused by [`Self::parse_payload`] with [`codes::DIGEST_FORMAT`] /
    /// [`codes::CHAIN`].
    pub fn problems(&self) -> Vec<(Code, String)> {
        let mut out = Vec::new();
        self.version_problems(&mut out);
        self.subject_problems(&mut out);
        self.artifact_problems(&mut out);
        self.time_and_state_problems(&mut out);
        self.project_problems(&mut out);
        self.rulebook_problems(&mut out);
        out
    }

    /// The predicate's schema version is 1.
    fn version_problems(&self, out: &mut Vec<(Code, String)>) {
        let v = self.predicate.manifest_version;
        if v != 1 {
            out.push((codes::STATEMENT, format!("manifestVersion {v} is not supported (expected 1)")));
        }
    }

    /// Subjects: at least one; each a sealed path inside the sealed set with exactly one sha256
    /// digest; sorted by name, unique, and no two equal after case folding.
    fn subject_problems(&self, out: &mut Vec<(Code, String)>) {
        if self.subject.is_empty() {
            out.push((codes::SUBJECTS, "the statement has no subjects".into()));
        }
        for s in &self.subject {
            subject_path_problems(s, out);
            subject_digest_problems(s, out);
        }
        let names: Vec<String> = self.subject.iter().map(|s| s.name.clone()).collect();
        if names.windows(2).any(|w| w[0] >= w[1]) {
            out.push((codes::SUBJECTS, "subjects are not sorted by name with unique names".into()));
        }
        for (a, b) in files::case_collisions(&names) {
            out.push((codes::PATH_COLLISION, format!("subjects `{a}` and `{b}` are equal after case folding")));
        }
    }

    /// `predicate.artifacts` lists exactly the subjects, in order, with the same sha256.
    fn artifact_problems(&self, out: &mut Vec<(Code, String)>) {
        let artifacts = &self.predicate.artifacts;
        let same = artifacts.len() == self.subject.len()
            && artifacts
                .iter()
                .zip(&self.subject)
                .all(|(a, s)| a.path == s.name && s.digest.get("sha256").is_some_and(|h| a.sha256 == *h.as_str()));
        if !same {
            out.push((
                codes::SUBJECTS,
                "predicate.artifacts do not list exactly the subjects with the same sha256".into(),
            ));
        }
    }

    /// `issuedAt` and `expires` are RFC 3339 UTC times ending in `Z`; `lifecycleState` is a state.
    fn time_and_state_problems(&self, out: &mut Vec<(Code, String)>) {
        let pr = &self.predicate;
        for (field, t) in [("issuedAt", &pr.issued_at), ("expires", &pr.expires)] {
            if crate::trust::parse_time(t).is_none() || !t.ends_with('Z') {
                out.push((codes::STATEMENT, format!("`{field}` `{t}` is not an RFC 3339 UTC time ending in Z")));
            }
        }
        if pr.lifecycle_state.parse::<secfw_artifacts::LifecycleState>().is_err() {
            out.push((codes::STATEMENT, format!("lifecycleState `{}` is not a lifecycle state", pr.lifecycle_state)));
        }
    }

    /// The project id: 1 to 128 bytes, no control characters.
    fn project_problems(&self, out: &mut Vec<(Code, String)>) {
        let p = &self.predicate.project;
        if p.is_empty() || p.len() > 128 || p.chars().any(char::is_control) {
            out.push((codes::STATEMENT, "project id is empty, too long or has control characters".into()));
        }
    }

    /// The rulebook binding: `rulebook.yaml`, a sha256 digest only, equal to the sealed
    /// rulebook's.
    fn rulebook_problems(&self, out: &mut Vec<(Code, String)>) {
        let rb = &self.predicate.rulebook;
        if rb.name != secfw_artifacts::file_names::RULEBOOK {
            out.push((codes::RULEBOOK_BINDING, format!("rulebook.name `{}` is not rulebook.yaml", rb.name)));
        }
        for alg in rb.digest.keys().filter(|k| k.as_str() != "sha256") {
            out.push((
                codes::DIGEST_FORMAT,
                format!("rulebook carries a `{}` digest: only sha256 is accepted", alg.escape_debug()),
            ));
        }
        match rb.digest.get("sha256") {
            Some(h) if is_sha256_hex(h) => {
                if self.digest_of(secfw_artifacts::file_names::RULEBOOK).is_none_or(|d| *d != *h.as_str()) {
                    out.push((codes::RULEBOOK_BINDING, "rulebook digest differs from the sealed rulebook.yaml".into()));
                }
            }
            _ => out.push((codes::DIGEST_FORMAT, "rulebook.digest.sha256 is missing or not 64 lower-case hex".into())),
        }
    }
}

/// A subject's name is a sealed path inside the sealed set.
fn subject_path_problems(s: &Subject, out: &mut Vec<(Code, String)>) {
    if let Err(e) = files::check_path(&s.name) {
        out.push((codes::BAD_PATH, format!("subject {e}")));
    }
    if check_path_ok(&s.name) && !files::in_sealed_set(&s.name) {
        out.push((
            codes::SEALED_SET,
            format!(
                "subject `{}` is outside the sealed set (the six artifacts, digest.*, evidence/)",
                s.name.escape_debug()
            ),
        ));
    }
}

/// A subject carries one sha256 digest of 64 lower-case hex and no other algorithm.
fn subject_digest_problems(s: &Subject, out: &mut Vec<(Code, String)>) {
    for alg in s.digest.keys().filter(|k| k.as_str() != "sha256") {
        out.push((
            codes::DIGEST_FORMAT,
            format!(
                "subject `{}` carries a `{}` digest: secfw verifies sha256 only and refuses any other algorithm rather than carry it unchecked",
                s.name.escape_debug(),
                alg.escape_debug()
            ),
        ));
    }
    match s.digest.get("sha256") {
        Some(h) if is_sha256_hex(h) => {}
        Some(h) => {
            out.push((codes::DIGEST_FORMAT, format!("subject `{}`: sha256 `{h}` is not 64 lower-case hex", s.name)));
        }
        None => out.push((
            codes::DIGEST_FORMAT,
            format!("subject `{}` has no sha256 digest (only {:?})", s.name, s.digest.keys().collect::<Vec<_>>()),
        )),
    }
}
