//! `handoff_manifest.yaml`: a deterministic rendering of the signed statement (seed §2.4 shape)
//! plus the identities whose signatures verified. Verification re-renders and compares bytes;
//! the YAML is never parsed by the verifier.

use std::fmt::Write as _;

use crate::statement::Statement;
use crate::trust::Role;

/// Identities whose signatures verified, per role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Signers {
    /// `prepared_by` identities, sorted.
    pub prepared_by: Vec<String>,
    /// `approved_by` identities, sorted.
    pub approved_by: Vec<String>,
}

impl Signers {
    /// Add an identity to a role (kept sorted, no duplicates).
    pub fn add(&mut self, role: Role, identity: &str) {
        let v = match role {
            Role::PreparedBy => &mut self.prepared_by,
            Role::ApprovedBy => &mut self.approved_by,
        };
        if let Err(i) = v.binary_search_by(|x| x.as_str().cmp(identity)) {
            v.insert(i, identity.to_owned());
        }
    }
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

fn artifact_id(path: &str) -> &str {
    if path.contains('/') { path } else { path.rsplit_once('.').map_or(path, |(stem, _)| stem) }
}

/// Render the manifest view.
pub fn render_yaml(st: &Statement, seal: &str, signers: &Signers) -> String {
    let p = &st.predicate;
    let mut y = String::with_capacity(512 + p.artifacts.len() * 160);
    y.push_str("# handoff_manifest.yaml: rendered by secfw from handoff.statement.json and handoff.intoto.json.\n");
    y.push_str("# Do not edit: `secfw verify-manifest` re-renders this file and compares it byte for byte.\n");
    y.push_str("version: \"1.0\"\nmanifest:\n");
    let _ = writeln!(y, "  manifest_id: {}", q(&p.manifest_id));
    let _ = writeln!(y, "  timestamp: {}", q(&p.issued_at));
    let _ = writeln!(y, "  lifecycle_state: {}", p.lifecycle_state);
    let _ = writeln!(y, "  project: {}", q(&p.project));
    let _ = writeln!(y, "  sequence: {}", p.sequence);
    let _ = writeln!(y, "  expires: {}", q(&p.expires));
    if let Some(prev) = &p.previous_seal {
        let _ = writeln!(y, "  previous_seal: {}", q(&prev.to_string()));
    }
    y.push_str("artifacts:\n");
    for a in &p.artifacts {
        let _ = writeln!(y, "  - artifact_id: {}", q(artifact_id(&a.path)));
        let _ = writeln!(y, "    path: {}", q(&format!("./{}", a.path)));
        let _ = writeln!(y, "    checksum_sha256: {}", q(&a.sha256.to_hex()));
        let _ = writeln!(y, "    size_bytes: {}", a.size);
    }
    y.push_str("snapshot:\n");
    match &p.git {
        Some(g) => {
            let _ = writeln!(y, "  revision: {}", q(&g.commit));
            let _ = writeln!(y, "  branch: {}", q(&g.branch));
            let _ = writeln!(y, "  tree: {}", q(&g.tree));
        }
        None => y.push_str("  # sealed with --no-git: no source-control binding\n  revision: \"\"\n  branch: \"\"\n"),
    }
    y.push_str("rulebook:\n");
    let _ = writeln!(y, "  hash_sha256: {}", q(p.rulebook.digest.get("sha256").map_or("", String::as_str)));
    let _ = writeln!(y, "  version: {}", q(&p.rulebook.version));
    y.push_str("governance:\n");
    let c = &p.severity_counts;
    let _ = writeln!(y, "  critical_count: {}", c.critical);
    let _ = writeln!(y, "  high_count: {}", c.high);
    let _ = writeln!(y, "  medium_count: {}", c.medium);
    let _ = writeln!(y, "  low_count: {}", c.low);
    let _ = writeln!(y, "  exceptions_active: {}", p.exceptions_active);
    y.push_str("signatures:\n");
    for (role, ids) in [("prepared_by", &signers.prepared_by), ("approved_by", &signers.approved_by)] {
        if ids.is_empty() {
            let _ = writeln!(y, "  {role}: []");
        } else {
            let _ = writeln!(y, "  {role}:");
            for i in ids {
                let _ = writeln!(y, "    - {}", q(i));
            }
        }
    }
    y.push_str("seal:\n  method: sha256\n");
    let _ = writeln!(y, "  value: {}", q(seal));
    y
}
