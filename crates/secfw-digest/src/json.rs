//! `digest.json`: the seed §7.2 template, extended with optional fields.

use chrono::SecondsFormat;
use secfw_artifacts::model::digest::{
    DigestActions, DigestEscalation, DigestEscalations, DigestFindings, DigestFixFirst, DigestIntel, DigestJson,
    DigestKpi, DigestSpec, DigestSummary, OverallTrend, Period,
};
use secfw_metrics::StandardState;
use secfw_metrics::{KpiId, KpiReport, Verdict};

use crate::{Error, Result};

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The overall direction: the risk score's trend (lower risk is improving).
pub(crate) fn overall_trend(report: &KpiReport) -> OverallTrend {
    match report.trend(KpiId::RiskScore).verdict {
        Verdict::Improved => OverallTrend::Improving,
        Verdict::Worsened => OverallTrend::Degrading,
        // A verdict this renderer does not know is never reported as an improvement.
        _ => OverallTrend::Stable,
    }
}

/// Build the `digest.json` document of a report.
#[expect(clippy::too_many_lines, reason = "renderer: the digest.json document built field by field in schema order")]
pub(crate) fn build(report: &KpiReport) -> DigestJson {
    let m = &report.metrics;
    let kpis = m
        .kpis
        .iter()
        .map(|k| {
            let t = report.trend(k.id);
            (
                k.id.key().to_owned(),
                DigestKpi {
                    value: k.value,
                    trend: t.arrow.as_str().to_owned(),
                    previous: t.previous,
                    delta: t.delta,
                    target: k.target.map(|x| x.display(k.unit)),
                    status: Some(k.status.as_str().to_owned()),
                    unit: Some(k.unit.as_str().to_owned()),
                    formula: Some(k.formula.clone()),
                    inputs: Some(k.inputs.clone()),
                },
            )
        })
        .collect();
    let f = &m.findings;
    DigestJson {
        period: Period { start: rfc3339(m.period.start), end: rfc3339(m.period.end) },
        summary: DigestSummary {
            risk_score: m.risk.score,
            critical_findings: f.critical(),
            trend: overall_trend(report),
        },
        kpis,
        actions: DigestActions {
            completed: m.actions.completed.iter().map(|a| a.text.clone()).collect(),
            pending: m.actions.pending.iter().map(|a| a.text.clone()).collect(),
            blocked: m.actions.blocked.iter().map(|a| a.text.clone()).collect(),
        },
        cycle: Some(report.cycle.clone()),
        project: report.project.clone(),
        generated_at: Some(rfc3339(report.generated_at)),
        findings: Some(DigestFindings {
            new: f.new,
            resolved: f.resolved,
            carry_forward: f.carry_forward,
            open: f.open,
            excepted: f.excepted(),
            overdue: f.overdue(),
            open_by_severity: f.open_by_severity.iter().map(|(s, n)| (s.as_str().to_owned(), *n)).collect(),
        }),
        compliance: m
            .standards
            .iter()
            .map(|s| {
                let st = match s.state {
                    StandardState::Compliant => "compliant",
                    StandardState::Gaps => "gaps",
                    StandardState::AtRisk => "at_risk",
                    // Never reported as compliant.
                    _ => "unknown",
                };
                (s.standard.clone(), st.to_owned())
            })
            .collect(),
        spec: report.spec.as_ref().map(|sp| DigestSpec {
            title: sp.title.clone(),
            owner: sp.owner.clone(),
            status: sp.status.clone(),
            last_updated: sp.last_updated.clone(),
            review_due: sp.review_due.clone(),
            review_overdue: sp.review_overdue,
            lint_errors: sp.lint_errors as u64,
            lint_warnings: sp.lint_warnings as u64,
        }),
        escalations: m.escalations.as_ref().map(|e| DigestEscalations {
            open: e.open,
            acknowledged: e.acknowledged,
            overdue: e.overdue,
            median_hours_to_acknowledge: e.median_hours,
            p90_hours_to_acknowledge: e.p90_hours,
            sample: e.sample,
            items: e
                .items
                .iter()
                .map(|x| DigestEscalation {
                    id: x.id.clone(),
                    state: x.state.as_str().to_owned(),
                    rule: x.rule.clone(),
                    condition: x.condition.clone(),
                    count: x.count,
                    notified_at: rfc3339(x.notified_at),
                    deadline: x.deadline.map(rfc3339),
                    acknowledged_by: x.acknowledged_by.clone(),
                    acknowledged_at: x.acknowledged_at.map(rfc3339),
                    hours_to_acknowledge: x.hours_to_acknowledge,
                    renotified_at: x.renotified_at.map(rfc3339),
                })
                .collect(),
        }),
        intel: intel(report),
        fix_first: m
            .fix_first
            .iter()
            .map(|r| DigestFixFirst {
                rank: r.rank as u64,
                finding_id: r.finding_id.clone(),
                title: r.title.clone(),
                severity: r.severity.as_str().to_owned(),
                kev: r.kev.is_some(),
                kev_due: r.kev.as_ref().map(|k| k.due_date.to_string()),
                known_ransomware: r.kev.as_ref().is_some_and(|k| k.known_ransomware),
                epss: r.epss.as_ref().map(|e| e.score),
                epss_percentile: r.epss.as_ref().map(|e| e.percentile),
                age_days: r.age_days,
                due: r.due.to_string(),
                reason: r.reason.clone(),
            })
            .collect(),
    }
}

/// Freshness per source, once any source was joined (a never-enriched digest is unchanged).
pub(crate) fn intel(report: &KpiReport) -> Vec<DigestIntel> {
    let m = &report.metrics;
    if !m.intel.iter().any(|i| i.checked) {
        return Vec::new();
    }
    m.intel
        .iter()
        .map(|i| DigestIntel {
            source: i.source.as_str().to_owned(),
            checked: i.checked,
            checked_at: i.checked_at.map(|t| rfc3339(t.instant())),
            data_date: i.data_date.map(|d| d.to_string()),
            age_days: i.age_days,
            stale: i.stale,
            path: i.path.clone(),
            sha256: i.sha256,
        })
        .collect()
}

/// `digest.json` text: pretty JSON with a final newline.
pub fn render(report: &KpiReport) -> Result<String> {
    let mut s = serde_json::to_string_pretty(&build(report)).map_err(|e| Error::Serialize(Box::new(e)))?;
    s.push('\n');
    Ok(s)
}
