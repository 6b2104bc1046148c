//! Exploitation data in governance (issue 16): which findings count as KEV-listed at `now`,
//! the KEV due date as a cap on the remediation deadline, and the freshness of each data source
//! (`metadata.intel` of the ledger, written by `secfw enrich`).
//!
//! EPSS is a probability, not evidence: nothing here lets it except or close a finding.

use chrono::{DateTime, Utc};
use secfw_artifacts::file_names;
use secfw_artifacts::model::findings::{Finding, IntelSource, KevInfo};
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Diagnostic, LoadedWorkspace, Timestamp};
use serde::Serialize;

use crate::codes;

/// The KEV entry of a finding as of `now`: listed only from its `dateAdded` (UTC day) on, so an
/// as-of evaluation before the listing does not see it.
pub fn kev_at(f: &Finding, now: DateTime<Utc>) -> Option<&KevInfo> {
    f.kev.as_deref().filter(|k| k.date_added.start_of_day() <= now)
}

/// Which exploitation data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum IntelKind {
    /// CISA Known Exploited Vulnerabilities catalog.
    Kev,
    /// FIRST Exploit Prediction Scoring System.
    Epss,
}

impl IntelKind {
    /// Both, in display order.
    pub const ALL: [Self; 2] = [Self::Kev, Self::Epss];

    /// Lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Kev => "kev",
            Self::Epss => "epss",
        }
    }
}

/// The freshness of one data source at `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct IntelFreshness {
    /// The source.
    pub source: IntelKind,
    /// Whether the findings were ever enriched with it.
    pub checked: bool,
    /// When `secfw enrich` last joined it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<Timestamp>,
    /// The data date of the file joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_date: Option<secfw_artifacts::Date>,
    /// Whole days from the data date to `now`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// Older than `intel.stale_after_days`.
    pub stale: bool,
    /// The sealed copy and its digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// SHA-256 of the sealed copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<secfw_artifacts::Sha256Digest>,
}

/// The freshness of each source at `now`, and a diagnostic per stale source (`GV0401`, an
/// error only when the rulebook's `intel.stale_fails_gate` is set). A source never joined is
/// reported as unchecked and is not stale: nothing claims it was used.
pub fn freshness(ws: &LoadedWorkspace, rb: &Rulebook, now: DateTime<Utc>) -> (Vec<IntelFreshness>, Vec<Diagnostic>) {
    let intel = ws.findings.as_ref().and_then(|f| f.metadata.intel.as_ref());
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for kind in IntelKind::ALL {
        let src: Option<&IntelSource> = intel.and_then(|i| match kind {
            IntelKind::Kev => i.kev.as_ref(),
            IntelKind::Epss => i.epss.as_ref(),
        });
        let Some(s) = src else {
            out.push(IntelFreshness {
                source: kind,
                checked: false,
                checked_at: None,
                data_date: None,
                age_days: None,
                stale: false,
                path: None,
                sha256: None,
            });
            continue;
        };
        let age = (now.date_naive() - s.data_date.0).num_days();
        let stale = age > i64::from(rb.intel.stale_after_days);
        if stale {
            let d = Diagnostic::warning(
                codes::INTEL_STALE,
                file_names::FINDINGS,
                format!(
                    "the {} data joined to the findings is dated {} ({age} days old), older than the rulebook's {} days",
                    kind.as_str().to_uppercase(),
                    s.data_date,
                    rb.intel.stale_after_days
                ),
            )
            .with_hint(format!(
                "download a current file and run `secfw enrich --{} FILE`; the limit is `intel.stale_after_days` in rulebook.yaml",
                kind.as_str()
            ));
            diags.push(if rb.intel.stale_fails_gate { d.with_level(secfw_artifacts::Level::Error) } else { d });
        }
        out.push(IntelFreshness {
            source: kind,
            checked: true,
            checked_at: Some(s.checked_at),
            data_date: Some(s.data_date),
            age_days: Some(age),
            stale,
            path: Some(s.path.clone()),
            sha256: Some(s.sha256),
        });
    }
    (out, diags)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use secfw_artifacts::model::findings::FindingsFile;
    use secfw_artifacts::model::rulebook::{CountMetric, EnforcementRule};

    use super::*;

    fn ws(kev_due: &str, data_date: &str, rb: Rulebook) -> LoadedWorkspace {
        let ledger: FindingsFile = serde_json::from_value(serde_json::json!({
            "version": "1.0",
            "metadata": {"scan_id": "s", "timestamp": "2026-12-01T00:00:00Z", "lifecycle_state": "EXECUTED",
                "intel": {"kev": {"path": "evidence/intel/kev/x.json", "sha256": "0000000000000000000000000000000000000000000000000000000000000000", "data_date": data_date,
                    "version": "v", "entries": 1, "checked_at": "2026-12-01T00:00:00Z"}}},
            "findings": [{
                "finding_id": "SF-1", "severity": "low", "category": "vulnerability", "title": "t", "description": "d",
                "affected_resources": [], "first_seen": "2026-11-01T00:00:00Z",
                "remediation": {"recommended_action": "a", "priority": "P3", "deadline": "2027-06-01"},
                "governance": {"tags": [], "compliance_standards": []},
                "cve": ["CVE-2021-44228"],
                "kev": {"cve": "CVE-2021-44228", "date_added": "2026-11-20", "due_date": kev_due, "known_ransomware": true},
                "epss": {"cve": "CVE-2021-44228", "score": 0.9, "percentile": 0.99, "date": "2026-12-01"}
            }]
        }))
        .unwrap();
        let mut w = LoadedWorkspace::default();
        w.findings = Some(ledger);
        w.rulebook = Some(rb);
        w
    }

    fn kev_rule() -> Rulebook {
        let mut rb = Rulebook::with_defaults("1.0.0");
        rb.enforcement.push(EnforcementRule {
            rule: CountMetric::KevFindingsCount,
            condition: "== 0".parse().unwrap(),
            actions: secfw_artifacts::model::rulebook::RuleActions::default(),
        });
        rb
    }

    #[test]
    fn kev_due_date_caps_the_sla_and_the_kev_rule_counts_listed_findings() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap();
        let w = ws("2026-12-11", "2026-12-01", kev_rule());
        let r = crate::evaluate(&w, now);
        let f = &r.findings[0];
        // Low severity: 120 days SLA from 2026-11-01, but KEV says 2026-12-11.
        assert_eq!(
            f.due,
            Utc.with_ymd_and_hms(2026, 12, 11, 23, 59, 59).unwrap() + chrono::Duration::nanoseconds(999_999_999)
        );
        assert!(f.kev && !f.overdue);
        assert_eq!(r.counts.kev, 1);
        let rule = r.rules.iter().find(|o| o.metric == CountMetric::KevFindingsCount).unwrap();
        assert!(!rule.holds);
        assert_eq!(rule.escalation.as_ref().unwrap().items, ["SF-1"]);
        // As of a date before the listing, the finding is not KEV-listed.
        let before = crate::evaluate(&w, Utc.with_ymd_and_hms(2026, 11, 19, 0, 0, 0).unwrap());
        assert_eq!(before.counts.kev, 0);
        // Past the KEV due date it is overdue although its severity SLA is months away.
        let late = crate::evaluate(&w, Utc.with_ymd_and_hms(2026, 12, 12, 0, 0, 0).unwrap());
        assert!(late.findings[0].overdue);
    }

    #[test]
    fn stale_data_warns_and_fails_only_when_the_rulebook_says_so() {
        let now = Utc.with_ymd_and_hms(2026, 12, 20, 0, 0, 0).unwrap();
        let r = crate::evaluate(&ws("2027-01-11", "2026-12-01", Rulebook::with_defaults("1.0.0")), now);
        let kev = &r.intel[0];
        assert!(kev.checked && kev.stale && kev.age_days == Some(19));
        assert!(!r.intel[1].checked && !r.intel[1].stale, "EPSS never joined: unchecked, not stale");
        let d: Vec<_> = r.diagnostics.iter().filter(|d| d.code == codes::INTEL_STALE).collect();
        assert_eq!(d.len(), 1);
        assert!(!d[0].is_error() && r.passes());
        let mut rb = Rulebook::with_defaults("1.0.0");
        rb.intel.stale_fails_gate = true;
        let r = crate::evaluate(&ws("2027-01-11", "2026-12-01", rb), now);
        assert!(!r.passes());
        let fresh = crate::evaluate(&ws("2027-01-11", "2026-12-18", Rulebook::with_defaults("1.0.0")), now);
        assert!(!fresh.intel[0].stale && fresh.passes());
    }
}
