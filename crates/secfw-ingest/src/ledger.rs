//! Merging parsed reports into the findings ledger.
//!
//! Rules (also in `docs/ingest.md`):
//! - A report item whose fingerprint matches a finding that is not resolved updates that
//!   finding: `last_seen`, `source.scan_id` and its ingest evidence; people's edits
//!   (severity, status, governance, remediation) are kept.
//! - A fingerprint seen only on resolved findings opens a **new** finding whose `supersedes`
//!   names the most recent resolved one.
//! - An unknown fingerprint opens a new finding with the next free id.
//! - After all reports are merged, an open or accepted finding whose fingerprint was not
//!   reported is resolved (`status: resolved`, `resolved_at: now`) only when a scan of this
//!   ingest **succeeded**, scanned the finding's tool and target, covered its class
//!   (vulnerability, licence, secret, misconfiguration, a SARIF tool's rule set) and skipped
//!   nothing in that class. Otherwise it stays open and [`MergeSummary::kept_open`] says why.
//! - Ids follow the ledger's scheme (`PREFIX` + zero-padded number, the most common prefix);
//!   the next id is one more than the largest number ever used with that prefix, so ids of
//!   deleted findings are not reused unless they were the largest.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::Diagnostic;
use secfw_artifacts::file_names;
use secfw_artifacts::model::findings::{
    AffectedResource, Category, Evidence, EvidenceKind, Finding, FindingGovernance, FindingSource, FindingStatus,
    FindingsFile, FindingsMetadata, Remediation, ScanRecord, ScanStatus,
};
use secfw_artifacts::model::inventory::{Inventory, Resource};
use secfw_artifacts::model::rulebook::SlaDays;
use secfw_artifacts::{LifecycleState, Timestamp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::codes;
use crate::model::{Item, Scan, ScannerReport, class, priority_of};

/// What a merge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MergeSummary {
    /// Ids of findings opened (including re-openings).
    pub opened: Vec<String>,
    /// `(new id, old id)` for findings that came back after being resolved.
    pub reopened: Vec<(String, String)>,
    /// Ids of findings seen again.
    pub updated: Vec<String>,
    /// Ids of findings resolved because a successful scan of their target no longer reports them.
    pub resolved: Vec<String>,
    /// Scan ids recorded (new or updated).
    pub scans: Vec<String>,
    /// Scan ids of failed scans.
    pub failed_scans: Vec<String>,
    /// `(id, why)` of findings a scan of this ingest did not report but could not resolve
    /// (it failed, did not cover the finding's class, or skipped something in it).
    pub kept_open: Vec<(String, String)>,
    /// Notes about inventory matching and findings kept open.
    pub diagnostics: Vec<Diagnostic>,
}

/// An empty ledger (used when `sec_findings.yaml` does not exist yet).
pub fn new_ledger(now: DateTime<Utc>) -> FindingsFile {
    FindingsFile {
        version: "1.0".into(),
        metadata: FindingsMetadata {
            scan_id: "none".into(),
            timestamp: Timestamp::DateTime(now),
            lifecycle_state: LifecycleState::Executed,
            tags: Vec::new(),
            project: None,
            intel: None,
        },
        findings: Vec::new(),
        scans: Vec::new(),
    }
}

/// The id scheme of a ledger: (prefix, width, next number).
pub fn id_scheme(ledger: &FindingsFile) -> (String, usize, u64) {
    let mut by_prefix: BTreeMap<String, (usize, usize, u64)> = BTreeMap::new(); // count, width, max
    let ids =
        ledger.findings.iter().flat_map(|f| std::iter::once(f.finding_id.as_str()).chain(f.supersedes.as_deref()));
    for id in ids {
        let digits = id.bytes().rev().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 18 {
            continue;
        }
        let (prefix, num) = id.split_at(id.len() - digits);
        let Ok(n) = num.parse::<u64>() else { continue };
        let e = by_prefix.entry(prefix.to_owned()).or_insert((0, 0, 0));
        e.0 += 1; // ids named by `supersedes` count too: an id is never handed out twice
        e.1 = e.1.max(digits);
        e.2 = e.2.max(n);
    }
    by_prefix
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(&a.0)))
        .map_or_else(|| ("SF-".to_owned(), 4, 1), |(p, (_, w, m))| (p, w, m + 1))
}

/// Match a target or location to an inventory resource (rule in the module docs of
/// `docs/ingest.md`): exact id; else a resource id that is a path prefix of it (`services/api`
/// matches `services/api/src/main.rs`, the longest wins); else an image id equal to the
/// reference without its tag or digest (`ghcr.io/acme/api` matches `ghcr.io/acme/api:1.2`).
pub fn match_resource<'a>(inventory: Option<&'a Inventory>, candidates: &[&str]) -> Option<&'a Resource> {
    let inv = inventory?;
    for c in candidates.iter().filter(|c| !c.is_empty()) {
        let c = crate::fingerprint::normalize_path(c);
        if let Some(r) = inv.resources.iter().find(|r| r.id == c) {
            return Some(r);
        }
        if let Some(r) = inv
            .resources
            .iter()
            .filter(|r| c.starts_with(&format!("{}/", r.id.trim_end_matches('/'))))
            .max_by_key(|r| r.id.len())
        {
            return Some(r);
        }
        let image = strip_image_tag(&c);
        if image != c
            && let Some(r) = inv.resources.iter().find(|r| r.id == image)
        {
            return Some(r);
        }
    }
    None
}

fn strip_image_tag(s: &str) -> &str {
    let s = s.split('@').next().unwrap_or(s);
    match s.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => s,
    }
}

fn scan_id(report: &ScannerReport, scan: &Scan) -> String {
    let mut h = Sha256::new();
    h.update(report.sha256.as_bytes());
    h.update(scan.index.to_le_bytes());
    format!("scan-{}", hex::encode(&h.finalize()[..8]))
}

fn evidence_of(report: &ScannerReport, item: &Item, target_key: &str) -> Evidence {
    let mut data = serde_json::Map::new();
    data.insert("report".into(), json!(report.name));
    data.insert("report_sha256".into(), json!(report.sha256));
    data.insert("pointer".into(), json!(item.pointer));
    data.insert("tool".into(), json!(item.tool));
    if let Some(r) = &item.rule_id {
        data.insert("rule_id".into(), json!(r));
    }
    data.insert("target".into(), json!(target_key));
    data.insert("location".into(), json!(item.location));
    if let Some(l) = item.line {
        data.insert("line".into(), json!(l));
    }
    data.insert("occurrences".into(), json!(item.occurrences));
    data.insert("severity_source".into(), json!(item.severity_source));
    data.insert("class".into(), json!(item.class));
    for (k, v) in &item.extra {
        data.insert((*k).to_owned(), v.clone());
    }
    Evidence { kind: EvidenceKind::ScanResult, data: Value::Object(data) }
}

/// The scan target an ingested finding belongs to (from its ingest evidence).
pub fn finding_target(f: &Finding) -> Option<&str> {
    f.evidence
        .iter()
        .filter(|e| e.kind == EvidenceKind::ScanResult)
        .find_map(|e| e.data.get("pointer").and(e.data.get("target")).and_then(Value::as_str))
}

fn is_ingest_evidence(e: &Evidence) -> bool {
    e.kind == EvidenceKind::ScanResult && e.data.get("pointer").is_some() && e.data.get("report_sha256").is_some()
}

/// Merge reports into the ledger. Deterministic: the same ledger, reports, inventory and
/// `now` give the same ledger. Time O((n + m) log(n + m)) for n report items and m ledger
/// findings: every lookup goes through a hash index, never a scan of the ledger.
pub fn merge(
    ledger: &mut FindingsFile,
    reports: &[ScannerReport],
    inventory: Option<&Inventory>,
    sla: &SlaDays,
    now: DateTime<Utc>,
) -> MergeSummary {
    let mut summary = MergeSummary::default();
    let now_ts = Timestamp::DateTime(now);
    let (prefix, width, mut next) = id_scheme(ledger);
    let mut unmatched: BTreeSet<String> = BTreeSet::new();
    let target_key = |t: &str, unmatched: &mut BTreeSet<String>| -> String {
        if let Some(r) = match_resource(inventory, &[t]) {
            r.id.clone()
        } else {
            if inventory.is_some() {
                unmatched.insert(t.to_owned());
            }
            t.to_owned()
        }
    };
    // (tool, target key) → the scans of this ingest that scanned it, for resolution.
    let mut scanned: HashMap<(String, String), Vec<&Scan>> = HashMap::new();
    let mut scan_index: HashMap<String, usize> =
        ledger.scans.iter().enumerate().map(|(i, s)| (s.scan_id.clone(), i)).collect();
    // Collect every (report, scan, item) sorted for deterministic id assignment.
    let mut work: Vec<(&ScannerReport, String, &Item)> = Vec::new();
    for report in reports {
        for scan in &report.scans {
            let sid = scan_id(report, scan);
            let targets: Vec<String> = {
                let mut t: Vec<String> = scan.targets.iter().map(|t| target_key(t, &mut unmatched)).collect();
                t.sort();
                t.dedup();
                t
            };
            for t in &targets {
                scanned.entry((scan.tool.clone(), t.clone())).or_default().push(scan);
            }
            if !scan.success {
                summary.failed_scans.push(sid.clone());
            }
            // Never record an end before the start (producers' clocks and `now` disagree).
            let started = scan.started_at.unwrap_or(now);
            let finished = scan.finished_at.filter(|f| *f >= started).or_else(|| (now >= started).then_some(now));
            let rec = ScanRecord {
                scan_id: sid.clone(),
                tool: scan.tool.clone(),
                tool_version: scan.tool_version.clone(),
                targets,
                started_at: Timestamp::DateTime(started),
                finished_at: finished.map(Timestamp::DateTime),
                status: if scan.success { ScanStatus::Success } else { ScanStatus::Failure },
                error: scan.error.clone(),
                report: Some(report.name.clone()),
                incomplete: scan.incomplete.iter().map(|(c, why)| ((*c).to_owned(), why.clone())).collect(),
            };
            if let Some(&i) = scan_index.get(&sid) {
                ledger.scans[i] = rec;
            } else {
                scan_index.insert(sid.clone(), ledger.scans.len());
                ledger.scans.push(rec);
            }
            summary.scans.push(sid.clone());
            for item in &scan.items {
                work.push((report, sid.clone(), item));
            }
        }
    }
    work.sort_by(|a, b| (&a.2.fingerprint, &a.1).cmp(&(&b.2.fingerprint, &b.1)));
    // Indexes of the ledger: live (not resolved) findings by fingerprint, and the most
    // recently resolved finding of each fingerprint.
    let mut live: HashMap<String, usize> = HashMap::new();
    let mut last_resolved: HashMap<String, usize> = HashMap::new();
    for (i, f) in ledger.findings.iter().enumerate() {
        let Some(fp) = f.fingerprint.as_deref() else { continue };
        if f.status == FindingStatus::Resolved {
            match last_resolved.get(fp) {
                Some(&j) if ledger.findings[j].resolved_at >= f.resolved_at => {}
                _ => {
                    last_resolved.insert(fp.to_owned(), i);
                }
            }
        } else {
            live.entry(fp.to_owned()).or_insert(i);
        }
    }
    let mut seen: HashSet<&str> = HashSet::with_capacity(work.len());
    for (report, sid, item) in work {
        if !seen.insert(item.fingerprint.as_str()) {
            continue; // the same finding from two reports of this ingest: counted once
        }
        let tkey = target_key(&item.target, &mut unmatched);
        let mut at = live.get(&item.fingerprint).copied();
        if at.is_none() {
            // A finding recorded under an earlier fingerprint of this item takes the current one.
            if let Some((alias, i)) = item.aliases.iter().find_map(|a| live.get(a).map(|&i| (a.clone(), i))) {
                live.remove(&alias);
                live.insert(item.fingerprint.clone(), i);
                ledger.findings[i].fingerprint = Some(item.fingerprint.clone());
                at = Some(i);
            }
        }
        if let Some(i) = at {
            let f = &mut ledger.findings[i];
            f.last_seen = Some(f.last_seen.map_or(now_ts, |l| l.max(now_ts)));
            f.source = Some(FindingSource {
                tool: item.tool.clone(),
                rule_id: item.rule_id.clone(),
                scan_id: Some(sid.clone()),
            });
            f.evidence.retain(|e| !is_ingest_evidence(e));
            f.evidence.insert(0, evidence_of(report, item, &tkey));
            summary.updated.push(f.finding_id.clone());
            continue;
        }
        let previous = last_resolved.get(&item.fingerprint).map(|&j| ledger.findings[j].finding_id.clone());
        let id = format!("{prefix}{next:0width$}");
        next += 1;
        let resource = match_resource(inventory, &[&item.target, &item.location]);
        let resource_id = resource.map_or_else(|| tkey.clone(), |r| r.id.clone());
        let resource_type = resource.map_or_else(|| item.resource_type.to_owned(), |r| r.kind.clone());
        let deadline = now + Duration::days(i64::from(sla.for_severity(item.severity)));
        let mut tags: Vec<String> = resource.map(|r| r.tags.clone()).unwrap_or_default();
        tags.extend(item.tags.iter().cloned());
        tags.sort();
        tags.dedup();
        let finding = Finding {
            finding_id: id.clone(),
            severity: item.severity,
            category: item.category,
            title: item.title.clone(),
            description: item.description.clone(),
            affected_resources: vec![AffectedResource {
                resource_id,
                resource_type,
                location: match item.line {
                    Some(l) if !item.location.is_empty() => format!("{}:{l}", item.location),
                    _ if item.location.is_empty() => item.target.clone(),
                    _ => item.location.clone(),
                },
            }],
            remediation: Remediation {
                recommended_action: item.recommended_action.clone(),
                priority: priority_of(item.severity),
                deadline: Timestamp::Date(secfw_artifacts::Date(deadline.date_naive())),
            },
            evidence: vec![evidence_of(report, item, &tkey)],
            governance: FindingGovernance { tags, ..FindingGovernance::default() },
            status: FindingStatus::Open,
            first_seen: Some(now_ts),
            last_seen: Some(now_ts),
            resolved_at: None,
            detected_in: resource.and_then(|r| r.environment.clone()),
            source: Some(FindingSource { tool: item.tool.clone(), rule_id: item.rule_id.clone(), scan_id: Some(sid) }),
            fingerprint: Some(item.fingerprint.clone()),
            cvss: item.cvss,
            cwe: item.cwe.clone(),
            cve: item.cve.clone(),
            supersedes: previous.clone(),
            kev: None,
            epss: None,
        };
        if let Some(old) = previous {
            summary.reopened.push((id.clone(), old));
        }
        summary.opened.push(id);
        live.insert(item.fingerprint.clone(), ledger.findings.len());
        ledger.findings.push(finding);
    }
    // Resolution: only by a successful scan that covered the finding's tool, target and
    // class completely; otherwise the finding stays open and the summary says why.
    for f in &mut ledger.findings {
        if !matches!(f.status, FindingStatus::Open | FindingStatus::Accepted) {
            continue;
        }
        let (Some(fp), Some(src), Some(t)) =
            (f.fingerprint.as_deref(), f.source.as_ref(), finding_target_owned(&f.evidence))
        else {
            continue;
        };
        if seen.contains(fp) {
            continue;
        }
        let Some(scans) = scanned.get(&(src.tool.clone(), t)) else { continue };
        let class = finding_class(f);
        let why_not = match class {
            None => Some("its scope class is unknown (recorded by an older secfw; re-ingest to record it)".to_owned()),
            Some(c) => {
                let reasons: Vec<String> = scans.iter().filter_map(|s| s.cannot_resolve(c)).collect();
                (reasons.len() == scans.len()).then(|| reasons.into_iter().next().unwrap_or_default())
            }
        };
        if let Some(why) = why_not {
            summary.kept_open.push((f.finding_id.clone(), why));
            continue;
        }
        f.status = FindingStatus::Resolved;
        // Never before the finding was last seen (an ingest run with an older `now`).
        f.resolved_at = Some(f.last_seen.map_or(now_ts, |l| l.max(now_ts)));
        summary.resolved.push(f.finding_id.clone());
    }
    for (id, why) in &summary.kept_open {
        summary.diagnostics.push(
            Diagnostic::note(codes::NOT_RESOLVED, file_names::FINDINGS, format!("{id} was not reported but stays open: {why}"))
                .with_hint("a finding is resolved only by a successful scan that covered its tool, target and class and skipped nothing there; re-run the full scan"),
        );
    }
    for t in unmatched {
        summary.diagnostics.push(
            Diagnostic::note(codes::NO_INVENTORY_MATCH, "inventory.yaml", format!("scan target `{t}` matches no inventory resource"))
                .with_hint("add the resource to inventory.yaml (its id equal to the target, a parent path, or the image without tag), or pass --target ID"),
        );
    }
    ledger.metadata.timestamp = now_ts;
    if let Some(last) = summary.scans.iter().max() {
        ledger.metadata.scan_id.clone_from(last);
    }
    ledger.scans.sort_by(|a, b| (a.started_at, &a.scan_id).cmp(&(b.started_at, &b.scan_id)));
    summary.updated.sort();
    summary.resolved.sort();
    summary.kept_open.sort();
    summary
}

/// The scope class of an ingested finding: recorded in its ingest evidence (`class`), else
/// inferred for findings recorded before secfw recorded it.
pub fn finding_class(f: &Finding) -> Option<&'static str> {
    let ev = f.evidence.iter().find(|e| is_ingest_evidence(e))?;
    if let Some(c) = ev.data.get("class").and_then(Value::as_str) {
        return class::of(c);
    }
    let tool = f.source.as_ref().map_or("", |s| s.tool.as_str());
    match tool {
        "grype" | "cargo-audit" | "osv-scanner" | "npm-audit" => Some(class::VULNERABILITY),
        "trivy" if ev.data.get("package").is_some() => Some(class::VULNERABILITY),
        "trivy" if f.category == Category::Configuration => Some(class::MISCONFIGURATION),
        "trivy" if f.cwe.iter().any(|c| c == "CWE-798") => Some(class::SECRET),
        _ if ev.data.get("level").is_some() => Some(class::RULES), // SARIF evidence
        _ => None,
    }
}

fn finding_target_owned(ev: &[Evidence]) -> Option<String> {
    ev.iter()
        .filter(|e| is_ingest_evidence(e))
        .find_map(|e| e.data.get("target").and_then(Value::as_str))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::strip_image_tag;

    #[test]
    fn image_tags_are_stripped_at_the_last_colon_of_multibyte_names() {
        assert_eq!(strip_image_tag("régistry.example/ïmage:1.0-é"), "régistry.example/ïmage");
        assert_eq!(strip_image_tag("host:5000/ïmage"), "host:5000/ïmage", "a port is not a tag");
        assert_eq!(strip_image_tag("ïmage@sha256:ab"), "ïmage");
        assert_eq!(strip_image_tag("€:😀"), "€");
        assert_eq!(strip_image_tag("😀"), "😀");
    }
}
