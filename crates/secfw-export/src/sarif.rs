//! SARIF 2.1.0 export.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use secfw_artifacts::Severity;
use secfw_artifacts::model::findings::{Finding, FindingStatus};
use serde_json::{Map, Value, json};

use crate::{ExportInput, file_location, security_severity, stable_uuid};

/// The SARIF log of the current findings (resolved ones are left out): one run of the tool
/// `secfw`, one rule per source rule id, `partialFingerprints["secfw/v1"]`, `security-severity`,
/// external suppressions for excepted / accepted / false-positive findings, and
/// `versionControlProvenance` when given. Sorted, so the same ledger gives the same bytes.
pub fn sarif(input: &ExportInput<'_>) -> Value {
    let findings = input.current();
    let rule_of = |f: &Finding| -> String {
        f.source.as_ref().and_then(|s| s.rule_id.clone()).unwrap_or_else(|| match f.governance.policy_refs.first() {
            Some(p) => p.clone(),
            None => format!("secfw/{}", f.category.as_str()),
        })
    };
    // Rules: sorted by id; each takes the highest severity and the first title among its findings.
    let mut rules: BTreeMap<String, (Severity, String, Vec<String>)> = BTreeMap::new();
    for f in &findings {
        let e = rules.entry(rule_of(f)).or_insert_with(|| (f.severity, f.title.clone(), Vec::new()));
        e.0 = e.0.min(f.severity);
        e.2.extend(tags_of(f));
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|(id, (sev, title, tags))| {
            let mut tags = tags.clone();
            tags.push("security".into());
            tags.sort();
            tags.dedup();
            json!({
                "id": id,
                "shortDescription": {"text": title},
                "defaultConfiguration": {"level": level(*sev)},
                "properties": {"security-severity": security_severity(*sev), "tags": tags},
            })
        })
        .collect();
    let mut results: Vec<(usize, String, Value)> = Vec::new();
    for f in &findings {
        let rid = rule_of(f);
        let idx = index[rid.as_str()];
        let mut r = Map::new();
        r.insert("ruleId".into(), json!(rid));
        r.insert("ruleIndex".into(), json!(idx));
        r.insert("level".into(), json!(level(f.severity)));
        let text = if f.description.trim().is_empty() || f.description == f.title {
            f.title.clone()
        } else {
            format!("{}\n\n{}", f.title, f.description)
        };
        r.insert("message".into(), json!({"text": text}));
        r.insert("locations".into(), json!([location(f)]));
        if let Some(fp) = &f.fingerprint {
            r.insert("partialFingerprints".into(), json!({"secfw/v1": fp}));
        }
        if let Some(s) = suppression(input, f) {
            r.insert("suppressions".into(), json!([s]));
        }
        let mut secfw = Map::new();
        secfw.insert("finding_id".into(), json!(f.finding_id));
        secfw.insert("status".into(), json!(f.status.as_str()));
        secfw.insert("category".into(), json!(f.category.as_str()));
        secfw.insert("priority".into(), json!(f.remediation.priority));
        secfw.insert("deadline".into(), json!(f.remediation.deadline.to_string()));
        if let Some(r0) = f.affected_resources.first() {
            secfw.insert("resource_id".into(), json!(r0.resource_id));
        }
        if let Some(c) = f.cvss {
            secfw.insert("cvss".into(), json!(c));
        }
        let mut tags = tags_of(f);
        tags.sort();
        tags.dedup();
        r.insert(
            "properties".into(),
            json!({"security-severity": security_severity(f.severity), "tags": tags, "secfw": secfw}),
        );
        results.push((idx, f.finding_id.clone(), Value::Object(r)));
    }
    results.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({"driver": {"name": "secfw", "informationUri": "https://github.com/secfw/secfw", "version": env!("CARGO_PKG_VERSION"), "rules": rules_json}}),
    );
    run.insert("automationDetails".into(), json!({"id": format!("secfw/{}/", input.findings.metadata.scan_id)}));
    if let Some(v) = input.vcs {
        let mut p = Map::new();
        p.insert("repositoryUri".into(), json!(v.repository_uri));
        if let Some(r) = &v.revision_id {
            p.insert("revisionId".into(), json!(r));
        }
        if let Some(b) = &v.branch {
            p.insert("branch".into(), json!(b));
        }
        run.insert("versionControlProvenance".into(), json!([p]));
    }
    run.insert("results".into(), Value::Array(results.into_iter().map(|x| x.2).collect()));
    run.insert("columnKind".into(), json!("unicodeCodePoints"));
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [Value::Object(run)],
    })
}

const fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn tags_of(f: &Finding) -> Vec<String> {
    f.cwe.iter().chain(&f.cve).chain(&f.governance.tags).cloned().collect()
}

/// Percent-encode what is not allowed in a URI reference.
fn uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn location(f: &Finding) -> Value {
    if let Some((path, line)) = file_location(f) {
        let path = path.strip_prefix("file://").unwrap_or(&path).to_owned();
        let mut phys = json!({"artifactLocation": {"uri": uri(&path)}});
        if let Some(l) = line.filter(|l| *l >= 1) {
            phys["region"] = json!({"startLine": l});
        }
        return json!({"physicalLocation": phys});
    }
    let (rid, loc) =
        f.affected_resources.first().map_or(("unknown", ""), |r| (r.resource_id.as_str(), r.location.as_str()));
    let mut l = json!({
        "physicalLocation": {"artifactLocation": {"uri": uri(rid)}},
    });
    if !loc.is_empty() {
        l["logicalLocations"] = json!([{"fullyQualifiedName": loc, "kind": "module"}]);
    }
    l
}

fn suppression(input: &ExportInput<'_>, f: &Finding) -> Option<Value> {
    if let Some(e) = input.exception_for(f) {
        let why = e.justification.clone().unwrap_or_else(|| e.title.clone());
        return Some(json!({
            "guid": stable_uuid("suppression", &format!("{}:{}", e.id, crate::key_of(f))),
            "kind": "external",
            "status": "accepted",
            "justification": format!("{}: {why}", e.id),
            "properties": {"exception_id": e.id, "valid_until": e.valid_until.to_string(), "approvers": e.approvers},
        }));
    }
    if let Some(st) = input.vex_for(f) {
        let id = secfw_governance::vex::decision_id(st);
        return Some(json!({
            "guid": stable_uuid("suppression", &format!("{id}:{}", crate::key_of(f))),
            "kind": "external",
            "status": "accepted",
            "justification": format!(
                "{id}: not_affected ({}){}",
                st.justification.as_deref().unwrap_or_default(),
                st.statement.as_deref().map(|x| format!(": {x}")).unwrap_or_default()
            ),
            "properties": {
                "vex_author": st.author,
                "vex_vulnerability": st.vulnerability,
                "vex_product": st.product,
                "vex_justification": st.justification,
                "vex_timestamp": st.timestamp,
                "vex_source": st.source,
                "vex_source_sha256": st.source_sha256,
            },
        }));
    }
    match f.status {
        FindingStatus::FalsePositive => Some(
            json!({"kind": "external", "status": "accepted", "justification": "marked false_positive in sec_findings.yaml"}),
        ),
        FindingStatus::Accepted => Some(json!({
            "kind": "external",
            "status": "underReview",
            "justification": match &f.governance.exception_ref {
                Some(x) => format!("{x} is not valid at the time of export"),
                None => "accepted in sec_findings.yaml without an exception".to_owned(),
            },
        })),
        _ => None,
    }
}
