//! The join: KEV and EPSS data onto findings by CVE id. Only `kev` and `epss` of a finding
//! change; its identity (id, fingerprint, severity, status, ...) never does.

use chrono::{DateTime, Utc};
use secfw_artifacts::model::findings::{EpssInfo, Finding, KevInfo};

use crate::epss::EpssScores;
use crate::kev::KevCatalog;

/// What a join did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct JoinStats {
    /// Findings looked at.
    pub findings: u64,
    /// Findings that name at least one CVE id.
    pub with_cve: u64,
    /// Findings listed in KEV after the join.
    pub kev_listed: u64,
    /// Findings with an EPSS score after the join.
    pub epss_scored: u64,
    /// Findings whose `kev` or `epss` changed.
    pub changed: u64,
}

/// The CVE ids of a finding, upper-cased (ledger ids are sometimes written in lower case);
/// borrowed when already upper case, so the common case allocates nothing.
fn cves(f: &Finding) -> impl Iterator<Item = std::borrow::Cow<'_, str>> + '_ {
    f.cve.iter().map(|c| c.trim()).filter(|c| c.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("CVE-"))).map(|c| {
        if c.bytes().any(|b| b.is_ascii_lowercase()) {
            std::borrow::Cow::Owned(c.to_ascii_uppercase())
        } else {
            std::borrow::Cow::Borrowed(c)
        }
    })
}

/// The KEV entry of a finding: of its listed CVEs, the one due first (then the smallest id).
pub fn kev_for(f: &Finding, kev: &KevCatalog, now: DateTime<Utc>) -> Option<KevInfo> {
    cves(f)
        .filter_map(|c| kev.get(c.as_ref()).filter(|e| e.date_added.start_of_day() <= now).map(|e| (c, *e)))
        .min_by(|a, b| a.1.due_date.0.cmp(&b.1.due_date.0).then_with(|| a.0.cmp(&b.0)))
        .map(|(cve, e)| KevInfo {
            cve: cve.into_owned(),
            date_added: e.date_added,
            due_date: e.due_date,
            known_ransomware: e.known_ransomware,
        })
}

/// The EPSS score of a finding: of its scored CVEs, the highest (then the smallest id).
pub fn epss_for(f: &Finding, epss: &EpssScores) -> Option<EpssInfo> {
    cves(f)
        .filter_map(|c| epss.get(c.as_ref()).map(|e| (c, *e)))
        .max_by(|a, b| a.1.score.total_cmp(&b.1.score).then_with(|| b.0.cmp(&a.0)))
        .map(|(cve, e)| EpssInfo {
            cve: cve.into_owned(),
            score: e.score,
            percentile: e.percentile,
            date: epss.score_date,
        })
}

/// Set `kev` and `epss` of every finding from the data (a source that is `None` clears its
/// field: the ledger then says exactly what the given data says). Deterministic.
pub fn join(
    findings: &mut [Finding],
    kev: Option<&KevCatalog>,
    epss: Option<&EpssScores>,
    now: DateTime<Utc>,
) -> JoinStats {
    use rayon::prelude::*;
    // Each finding is joined on its own (no shared state), so the ledger is split across cores;
    // the result does not depend on the split.
    let mut st = findings
        .par_iter_mut()
        .map(|f| {
            let mut st = JoinStats::default();
            if cves(f).next().is_none() {
                // Nothing to join: only clear what an earlier join wrote.
                if f.kev.is_some() || f.epss.is_some() {
                    st.changed += 1;
                    f.kev = None;
                    f.epss = None;
                }
                return st;
            }
            st.with_cve += 1;
            let k = kev.and_then(|k| kev_for(f, k, now));
            let e = epss.and_then(|e| epss_for(f, e));
            st.kev_listed += u64::from(k.is_some());
            st.epss_scored += u64::from(e.is_some());
            if f.kev.as_deref() != k.as_ref() || f.epss.as_deref() != e.as_ref() {
                st.changed += 1;
                f.kev = k.map(Box::new);
                f.epss = e.map(Box::new);
            }
            st
        })
        .reduce(JoinStats::default, |a, b| JoinStats {
            findings: 0,
            with_cve: a.with_cve + b.with_cve,
            kev_listed: a.kev_listed + b.kev_listed,
            epss_scored: a.epss_scored + b.epss_scored,
            changed: a.changed + b.changed,
        });
    st.findings = findings.len() as u64;
    st
}
