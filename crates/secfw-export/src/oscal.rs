//! OSCAL assessment-results and POA&M (JSON), valid against the NIST schemas 1.1.2 and 1.2.1.
//!
//! Findings become observations (what the scanner saw), risks (severity, deadline, status)
//! and findings / POA&M items; a finding excepted by a valid exception becomes a risk with
//! status `deviation-approved` whose mitigating factors are the exception's compensating
//! controls. Every UUID is derived from the finding's fingerprint (v5, fixed namespace), so
//! re-exports diff cleanly.

use secfw_artifacts::model::findings::{Finding, FindingStatus};
use serde_json::{Map, Value, json};

use crate::{ExportInput, key_of, rfc3339, stable_uuid};

/// Namespace of secfw's OSCAL props.
pub const NS: &str = "https://github.com/secfw/secfw/ns/oscal";

/// The OSCAL version written in `metadata.oscal-version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OscalVersion {
    /// 1.1.2.
    #[default]
    V1_1_2,
    /// 1.2.1.
    V1_2_1,
}

impl OscalVersion {
    /// `"1.1.2"` / `"1.2.1"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1_1_2 => "1.1.2",
            Self::V1_2_1 => "1.2.1",
        }
    }
}

fn metadata(input: &ExportInput<'_>, title: &str, v: OscalVersion) -> Value {
    json!({
        "title": title,
        "last-modified": rfc3339(input.now),
        "version": input.findings.metadata.scan_id,
        "oscal-version": v.as_str(),
        "props": [{"name": "lifecycle-state", "ns": NS, "value": input.findings.metadata.lifecycle_state.as_str()}],
    })
}

fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": NS, "value": one_line(value, "(empty)")})
}

/// OSCAL `string` values (props) and `markup-line` titles hold one line with no leading or
/// trailing whitespace (`^\S(.*\S)?$`): whatever a scanner report put into the ledger, control
/// characters and line breaks become spaces, runs of whitespace collapse, the ends are
/// trimmed, and an empty result takes `fallback`. (Descriptions are `markup-multiline` and
/// keep their lines.)
fn one_line(s: &str, fallback: &str) -> String {
    let t = s
        .split(|c: char| c.is_whitespace() || c.is_control() || c == '\u{feff}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if t.is_empty() { fallback.to_owned() } else { t }
}

fn observation(input: &ExportInput<'_>, f: &Finding) -> Value {
    let k = key_of(f);
    let collected = f.last_seen.or(f.first_seen).map_or(input.now, secfw_artifacts::Timestamp::instant);
    let mut props = vec![prop("finding-id", &f.finding_id), prop("category", f.category.as_str())];
    if let Some(s) = &f.source {
        props.push(prop("tool", &s.tool));
        if let Some(r) = &s.rule_id {
            props.push(prop("rule-id", r));
        }
    }
    if let Some(fp) = &f.fingerprint {
        props.push(prop("fingerprint", fp));
    }
    let mut o = json!({
        "uuid": stable_uuid("observation", k),
        "title": one_line(&f.title, &f.finding_id),
        "description": nonempty(&f.description, &f.title),
        "props": props,
        "methods": ["TEST"],
        "types": ["finding"],
        "collected": rfc3339(collected),
    });
    let subjects: Vec<Value> = f
        .affected_resources
        .iter()
        .map(|r| json!({"subject-uuid": stable_uuid("resource", &r.resource_id), "type": "inventory-item", "title": one_line(&r.resource_id, "(unnamed resource)"), "props": [prop("location", nonempty(&r.location, &r.resource_id))]}))
        .collect();
    if !subjects.is_empty() {
        o["subjects"] = Value::Array(subjects);
    }
    let ev: Vec<Value> = f
        .evidence
        .iter()
        .filter_map(|e| e.data.get_str("report").map(|r| (r, e.data.get_str("pointer").unwrap_or(""))))
        .map(|(r, p)| json!({"description": format!("{r}{}{p}", if p.is_empty() { "" } else { "#" })}))
        .collect();
    if !ev.is_empty() {
        o["relevant-evidence"] = Value::Array(ev);
    }
    o
}

fn risk(input: &ExportInput<'_>, f: &Finding) -> Value {
    let k = key_of(f);
    let exception = input.exception_for(f);
    let vex = input.vex_for(f);
    let status = match (f.status, exception) {
        (_, Some(_)) => "deviation-approved",
        // A trusted not_affected VEX statement: an approved decision, shown with its source.
        _ if vex.is_some() => "deviation-approved",
        (FindingStatus::Accepted, None) => "deviation-requested",
        // Live by governance's rule: open, or `resolved` with a `resolved_at` after `now` (no
        // fix yet; `secfw gate` counts it).
        _ if input.live(f) => "open",
        _ => "closed",
    };
    let mut props = vec![prop("severity", f.severity.as_str()), prop("priority", priority(f))];
    for c in &f.cve {
        props.push(prop("cve-id", c));
    }
    for c in &f.cwe {
        props.push(prop("cwe-id", c));
    }
    if exception.is_none()
        && let Some(st) = vex
    {
        props.push(prop("vex-decision", &secfw_governance::vex::decision_id(st)));
    }
    let mut r = json!({
        "uuid": stable_uuid("risk", k),
        "title": one_line(&f.title, &f.finding_id),
        "description": nonempty(&f.description, &f.title),
        "statement": format!("{} severity {} finding {} affecting {}.", f.severity, f.category.as_str(), f.finding_id,
            f.affected_resources.iter().map(|r| r.resource_id.as_str()).collect::<Vec<_>>().join(", ")),
        "props": props,
        "status": status,
        "deadline": rfc3339(f.remediation.deadline.deadline()),
        "remediations": [{
            "uuid": stable_uuid("remediation", k),
            "lifecycle": "planned",
            "title": format!("Remediate {}", f.finding_id),
            "description": nonempty(&f.remediation.recommended_action, "Remediate the finding"),
        }],
        "related-observations": [{"observation-uuid": stable_uuid("observation", k)}],
    });
    if let Some(e) = exception {
        let mut factors: Vec<Value> = e
            .risk_mitigation
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"uuid": stable_uuid("mitigation", &format!("{}:{k}:{i}", e.id)), "description": m}))
            .collect();
        if factors.is_empty() {
            factors.push(json!({"uuid": stable_uuid("mitigation", &format!("{}:{k}", e.id)), "description": format!("Accepted under {} until {}", e.id, e.valid_until)}));
        }
        r["mitigating-factors"] = Value::Array(factors);
        if let Some(p) = r["props"].as_array_mut() {
            p.push(prop("exception-id", &e.id));
        }
        r["statement"] = json!(format!(
            "{} Risk accepted under {}: {} (valid until {}; approved by {}).",
            r["statement"].as_str().unwrap_or(""),
            e.id,
            e.justification.as_deref().unwrap_or(&e.title),
            e.valid_until,
            e.approvers.join(", ")
        ));
    }
    r
}

fn priority(f: &Finding) -> &'static str {
    use secfw_artifacts::model::findings::Priority;
    match f.remediation.priority {
        Priority::P0 => "P0",
        Priority::P1 => "P1",
        Priority::P2 => "P2",
        Priority::P3 => "P3",
    }
}

fn nonempty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() { fallback } else { s }
}

/// The policy a finding is assessed against (its first `policy_refs`, else `unmapped`).
fn target_id(f: &Finding) -> String {
    f.governance.policy_refs.first().map_or_else(|| "secfw-unmapped".to_owned(), |p| p.to_ascii_lowercase())
}

/// OSCAL assessment-results: one result holding every current finding.
pub fn assessment_results(input: &ExportInput<'_>, v: OscalVersion) -> Value {
    let findings = input.current();
    let start = findings
        .iter()
        .filter_map(|f| f.first_seen)
        .min()
        .map_or(input.now, secfw_artifacts::Timestamp::instant)
        .min(input.now);
    let mut result = Map::new();
    result.insert("uuid".into(), json!(stable_uuid("result", &input.findings.metadata.scan_id)));
    result.insert("title".into(), json!("secfw findings ledger"));
    result.insert(
        "description".into(),
        json!(format!("Findings of sec_findings.yaml (scan {}), exported by secfw.", input.findings.metadata.scan_id)),
    );
    result.insert("start".into(), json!(rfc3339(start)));
    result.insert("end".into(), json!(rfc3339(input.now)));
    result.insert("reviewed-controls".into(), json!({"control-selections": [{"include-all": {}}]}));
    if !findings.is_empty() {
        result.insert("observations".into(), Value::Array(findings.iter().map(|f| observation(input, f)).collect()));
        result.insert("risks".into(), Value::Array(findings.iter().map(|f| risk(input, f)).collect()));
        result.insert(
            "findings".into(),
            Value::Array(
                findings
                    .iter()
                    .map(|f| {
                        let k = key_of(f);
                        json!({
                            "uuid": stable_uuid("finding", k),
                            "title": one_line(&f.title, &f.finding_id),
                            "description": nonempty(&f.description, &f.title),
                            "props": [prop("finding-id", &f.finding_id)],
                            "target": {"type": "objective-id", "target-id": target_id(f), "status": {"state": "not-satisfied"}},
                            "related-observations": [{"observation-uuid": stable_uuid("observation", k)}],
                            "related-risks": [{"risk-uuid": stable_uuid("risk", k)}],
                        })
                    })
                    .collect(),
            ),
        );
    }
    json!({
        "assessment-results": {
            "uuid": stable_uuid("assessment-results", &input.findings.metadata.scan_id),
            "metadata": metadata(input, "secfw assessment results", v),
            "import-ap": {"href": "#secfw-assessment-plan"},
            "results": [Value::Object(result)],
        }
    })
}

/// OSCAL POA&M: one item per current finding with its risk (deadline, status) and observation.
pub fn poam(input: &ExportInput<'_>, v: OscalVersion) -> Value {
    let findings = input.current();
    let project = input.findings.metadata.project.clone().unwrap_or_else(|| "secfw".to_owned());
    let mut doc = Map::new();
    doc.insert("uuid".into(), json!(stable_uuid("poam", &format!("{project}:{}", input.findings.metadata.scan_id))));
    doc.insert("metadata".into(), metadata(input, &format!("{project} plan of action and milestones"), v));
    doc.insert(
        "system-id".into(),
        json!({"identifier-type": "https://ietf.org/rfc/rfc4122", "id": stable_uuid("system", &project)}),
    );
    if !findings.is_empty() {
        doc.insert("observations".into(), Value::Array(findings.iter().map(|f| observation(input, f)).collect()));
        doc.insert("risks".into(), Value::Array(findings.iter().map(|f| risk(input, f)).collect()));
    }
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            let k = key_of(f);
            json!({
                "uuid": stable_uuid("poam-item", k),
                "title": one_line(&f.title, &f.finding_id),
                "description": nonempty(&f.description, &f.title),
                "props": [prop("finding-id", &f.finding_id), prop("severity", f.severity.as_str())],
                "related-observations": [{"observation-uuid": stable_uuid("observation", k)}],
                "related-risks": [{"risk-uuid": stable_uuid("risk", k)}],
            })
        })
        .collect();
    doc.insert("poam-items".into(), Value::Array(items));
    json!({"plan-of-action-and-milestones": Value::Object(doc)})
}
