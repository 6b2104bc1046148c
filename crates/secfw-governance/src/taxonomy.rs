//! The tag taxonomy (seed §6.1): which tags exist and which compliance standards they bring in.

use std::collections::BTreeSet;

use secfw_artifacts::file_names;
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Diagnostic, path};

use crate::codes;
use crate::locate::Locator;

/// The compliance standards a set of tags brings in (union of the tags' `compliance_impact`),
/// sorted. Tags not in the taxonomy contribute nothing.
pub fn compliance_impact<'a>(rb: &Rulebook, tags: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = BTreeSet::new();
    for t in tags {
        if let Some(def) = rb.tag(t) {
            out.extend(def.compliance_impact.iter().cloned());
        }
    }
    out.into_iter().collect()
}

fn unknown(rb: &Rulebook, tag: &str, whose: &str) -> Diagnostic {
    let near = rb.taxonomy.iter().find(|t| t.name.eq_ignore_ascii_case(tag)).map(|t| t.name.as_str());
    let names: Vec<&str> = rb.taxonomy.iter().map(|t| t.name.as_str()).collect();
    Diagnostic::error(codes::UNKNOWN_TAG, file_names::FINDINGS, format!("{whose}: tag `{tag}` is not in the taxonomy"))
        .with_hint(match near {
            Some(n) => format!("tags are case-sensitive: write `{n}`"),
            None => format!("use one of [{}] or add `{tag}` to rulebook.yaml `taxonomy`", names.join(", ")),
        })
}

/// Check the governance tags of the findings ledger (`metadata.tags` and every finding's
/// `governance.tags`) against the rulebook's taxonomy.
pub fn check_ledger_tags(loc: &Locator<'_>) -> Vec<Diagnostic> {
    let ws = loc.workspace();
    let rb = ws.rulebook_or_default();
    let Some(ff) = &ws.findings else { return Vec::new() };
    let mut out = Vec::new();
    for (j, t) in ff.metadata.tags.iter().enumerate() {
        if rb.tag(t).is_none() {
            out.push(
                unknown(&rb, t, "ledger metadata").at(loc.pos(file_names::FINDINGS, &path!["metadata", "tags", j])),
            );
        }
    }
    for (i, f) in ff.findings.iter().enumerate() {
        for (j, t) in f.governance.tags.iter().enumerate() {
            if rb.tag(t).is_none() {
                out.push(
                    unknown(&rb, t, &format!("finding `{}`", f.finding_id))
                        .at(loc.pos(file_names::FINDINGS, &path!["findings", i, "governance", "tags", j])),
                );
            }
        }
    }
    out
}
