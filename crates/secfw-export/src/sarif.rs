//! SARIF 2.1.0 export.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use secfw_artifacts::Severity;
use secfw_artifacts::model::findings::{Finding, FindingStatus};
use serde_json::{Map, Value, json};

use crate::{ExportInput, SarifProfile, file_location, security_severity, stable_uuid};

/// The SARIF log of the current findings ([`ExportInput::current`]: those resolved by `now` are
/// left out; one marked resolved with a `resolved_at` after `now` counts and is a result): one run of the tool
/// `secfw`, one rule per source rule id, `partialFingerprints["secfw/v1"]`, `security-severity`,
/// external suppressions for excepted / accepted / false-positive findings, and
/// `versionControlProvenance` when given. Sorted, so the same ledger gives the same bytes.
#[expect(clippy::too_many_lines, reason = "renderer: the SARIF log built property by property in spec order")]
pub fn sarif(input: &ExportInput<'_>) -> Value {
    let mut findings = input.current();
    let mut omitted: BTreeMap<&'static str, u64> = BTreeMap::new();
    if input.profile == SarifProfile::Github {
        findings.retain(|f| match dismissal_reason(input, f) {
            Some((kind, _, _)) => {
                *omitted.entry(kind).or_default() += 1;
                false
            }
            None => true,
        });
    }
    let absent: Vec<&Finding> = if input.profile == SarifProfile::Standard && input.baseline.is_some() {
        let mut v: Vec<&Finding> = input.absent.iter().collect();
        v.sort_by(|a, b| a.finding_id.cmp(&b.finding_id));
        v
    } else {
        Vec::new()
    };
    let rule_of = |f: &Finding| -> String {
        f.source.as_ref().and_then(|s| s.rule_id.clone()).unwrap_or_else(|| match f.governance.policy_refs.first() {
            Some(p) => p.clone(),
            None => format!("secfw/{}", f.category.as_str()),
        })
    };
    // Rules: sorted by id; each takes the highest severity and the first title among its findings.
    let mut rules: BTreeMap<String, (Severity, String, Vec<String>)> = BTreeMap::new();
    for f in findings.iter().chain(&absent) {
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
    let all = findings.iter().map(|f| (*f, false)).chain(absent.iter().map(|f| (*f, true)));
    for (f, is_absent) in all {
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
        if is_absent {
            r.insert("baselineState".into(), json!("absent"));
        } else {
            if let Some(s) = suppression(input, f) {
                r.insert("suppressions".into(), json!([s]));
            }
            if let Some(state) = input.baseline.as_ref().and_then(|b| b.get(&f.finding_id)) {
                r.insert("baselineState".into(), json!(state));
            }
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
    if input.profile == SarifProfile::Github {
        let total: u64 = omitted.values().sum();
        run.insert(
            "properties".into(),
            json!({"secfw": {"profile": "github", "omitted": total, "omitted_by_reason": omitted}}),
        );
    }
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

/// Why a result is kept out of a GitHub upload: (kind, GitHub `dismissed_reason`, exception id).
fn dismissal_reason(input: &ExportInput<'_>, f: &Finding) -> Option<(&'static str, &'static str, Option<String>)> {
    if let Some(e) = input.exception_for(f) {
        return Some(("excepted", "won't fix", Some(e.id.clone())));
    }
    (f.status == FindingStatus::FalsePositive).then_some(("false_positive", "false positive", None))
}

/// The dismissal plan of the `github` profile: one entry per result left out of the upload,
/// for the code-scanning API (`PATCH /repos/{owner}/{repo}/code-scanning/alerts/{number}` with
/// `state: dismissed`): the alert's fingerprint (`partialFingerprints["secfw/v1"]`), the
/// `dismissed_reason`, a comment and the exception id. Sorted by finding id.
pub fn dismissal_plan(input: &ExportInput<'_>) -> Value {
    let items: Vec<Value> = input
        .current()
        .into_iter()
        .filter_map(|f| {
            let (kind, reason, exc) = dismissal_reason(input, f)?;
            let comment = match &exc {
                Some(id) => format!("secfw exception {id} ({})", f.finding_id),
                None => format!("marked false_positive in sec_findings.yaml ({})", f.finding_id),
            };
            Some(json!({
                "finding_id": f.finding_id,
                "alert_fingerprint": f.fingerprint.as_ref().map(|fp| json!({"secfw/v1": fp})),
                "rule_id": f.source.as_ref().and_then(|s| s.rule_id.clone()),
                "kind": kind,
                "dismissed_reason": reason,
                "dismissed_comment": comment,
                "exception_id": exc,
            }))
        })
        .collect();
    json!({
        "version": "secfw.github-dismissal-plan/v1",
        "generated_at": input.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "dismissals": items,
    })
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
