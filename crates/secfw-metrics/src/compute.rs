//! Computing the KPIs of one period from the workspace artifacts.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use secfw_artifacts::model::findings::{Finding, FindingStatus, FindingsFile, ScanStatus};
use secfw_artifacts::model::inventory::Inventory;
use secfw_artifacts::model::rulebook::{KpiTargets, Rulebook};
use secfw_artifacts::yaml::{Seg, SourceMap};
use secfw_artifacts::{
    Date, Diagnostic, ExceptionRegistry, LoadedWorkspace, PolicyMap, Severity, SourceFile, file_names,
};

use crate::codes;
use secfw_governance::{ExceptionState, GovernanceReport};

use crate::escalations::{EscalationData, EscalationState, EscalationSummary};
use crate::gov;
use crate::kpi::{Kpi, KpiId, Target, TargetOp, round2};
use crate::period::Period;

/// The artifacts KPIs are computed from. Any of them may be missing: the KPIs that need it are
/// then "n/a" with a diagnostic.
#[derive(Clone, Debug)]
struct MetricsInput<'a> {
    /// The rulebook (targets, SLA days, exception policy, enforcement rules).
    rulebook: Cow<'a, Rulebook>,
    /// `inventory.yaml`.
    inventory: Option<&'a Inventory>,
    /// `sec_findings.yaml`.
    findings: Option<&'a FindingsFile>,
    /// `policy_map.md`.
    policies: Option<&'a PolicyMap>,
    /// `exceptions.md`.
    exceptions: Option<&'a ExceptionRegistry>,
    /// The text of `sec_findings.yaml`, to locate diagnostics.
    findings_source: Option<&'a SourceFile>,
}

impl<'a> MetricsInput<'a> {
    fn from_workspace(ws: &'a LoadedWorkspace) -> Self {
        Self {
            rulebook: ws.rulebook.as_ref().map_or_else(|| Cow::Owned(ws.rulebook_or_default()), Cow::Borrowed),
            inventory: ws.inventory.as_ref(),
            findings: ws.findings.as_ref(),
            policies: ws.policies.as_ref(),
            exceptions: ws.exceptions.as_ref(),
            findings_source: ws.sources.get(file_names::FINDINGS),
        }
    }
}

/// Summary statistics of remediation times, in days.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Stats {
    /// Findings counted.
    pub count: u64,
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Median (mean of the two middle values for an even count).
    pub median: Option<f64>,
    /// 90th percentile, nearest-rank: the value at rank ⌈0.9·n⌉ of the sorted list.
    pub p90: Option<f64>,
}

impl Stats {
    /// Statistics of `values` (days); all `None` when empty.
    pub fn of(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let mean = v.iter().sum::<f64>() / n as f64;
        let median = if n % 2 == 1 { v[n / 2] } else { f64::midpoint(v[n / 2 - 1], v[n / 2]) };
        let rank = (9 * n).div_ceil(10).max(1);
        Self { count: n as u64, mean: Some(round2(mean)), median: Some(round2(median)), p90: Some(round2(v[rank - 1])) }
    }
}

/// MTTR overall and per severity.
#[derive(Clone, Debug, PartialEq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct MttrBreakdown {
    /// All severities.
    pub overall: Stats,
    /// Per severity (every severity present, most severe first).
    pub by_severity: BTreeMap<Severity, Stats>,
    /// Resolved findings left out (no `first_seen`, or resolved before first seen).
    pub excluded: Vec<String>,
}

/// Counts of findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct FindingCounts {
    /// First seen in the period.
    pub new: u64,
    /// Resolved in the period.
    pub resolved: u64,
    /// Open at the end of the period and first seen before it (or with no `first_seen`).
    pub carry_forward: u64,
    /// Open at the end of the period (including excepted ones).
    pub open: u64,
    /// Open and not covered by a valid exception, per severity.
    pub open_by_severity: BTreeMap<Severity, u64>,
    /// Open and covered by a valid exception, per severity (shown, never hidden).
    pub excepted_by_severity: BTreeMap<Severity, u64>,
    /// Open past the SLA deadline, per severity.
    pub overdue_by_severity: BTreeMap<Severity, u64>,
    /// Risk-accepted findings (`status: accepted`).
    pub accepted: u64,
    /// False positives.
    pub false_positive: u64,
}

impl FindingCounts {
    /// Open, unexcepted critical findings (the Critical=0 count).
    pub fn critical(&self) -> u64 {
        self.open_by_severity.get(&Severity::Critical).copied().unwrap_or(0)
    }

    /// Open findings covered by a valid exception.
    pub fn excepted(&self) -> u64 {
        self.excepted_by_severity.values().sum()
    }

    /// Open findings past their SLA deadline.
    pub fn overdue(&self) -> u64 {
        self.overdue_by_severity.values().sum()
    }
}

/// SLA compliance inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct SlaCounts {
    /// Resolved in the period by the SLA deadline.
    pub resolved_within: u64,
    /// Resolved in the period after the SLA deadline.
    pub resolved_late: u64,
    /// Open past the deadline at the end of the period.
    pub open_overdue: u64,
    /// Open within the deadline at the end of the period.
    pub open_within: u64,
    /// SLA days per severity used.
    pub sla_days: BTreeMap<Severity, u32>,
}

/// Policy coverage inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct CoverageCounts {
    /// Resources in the inventory.
    pub resources: u64,
    /// Resources with at least one policy defined in `policy_map.md`.
    pub covered: u64,
    /// Ids of resources without one, sorted.
    pub uncovered: Vec<String>,
}

/// What scan success is counted over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScanBasis {
    /// Expected (resource, scanner) pairs from the inventory.
    #[default]
    ExpectedPairs,
    /// Scan records in the period (no expected scanners declared).
    ScanRecords,
}

/// Scan success inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ScanCounts {
    /// What is counted.
    pub basis: ScanBasis,
    /// Units counted (pairs or scans).
    pub expected: u64,
    /// Units that succeeded.
    pub successful: u64,
    /// Scans in the period that failed (`scan_id: error`).
    pub failed: Vec<String>,
    /// Expected pairs without a successful scan (`resource/scanner`), sorted.
    pub missing: Vec<String>,
}

/// One exception as the digest shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ExceptionInfo {
    /// `EXC-NNN`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Excepted policy.
    pub policy: String,
    /// Expiry date (valid through its end, UTC).
    pub valid_until: Date,
    /// Whole days from the period end's date to the expiry date (negative once expired).
    pub days_left: i64,
    /// `valid`, `expired` or `invalid`.
    pub state: ExceptionState,
    /// Why it is not valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Valid but expiring within the rulebook's warning window.
    pub expiring_soon: bool,
    /// Findings it covers.
    pub findings: Vec<String>,
}

/// Exception compliance inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ExceptionCounts {
    /// Active (non-archived) exceptions.
    pub total: u64,
    /// Valid ones.
    pub valid: u64,
    /// Expired ones.
    pub expired: u64,
    /// Invalid for another reason.
    pub invalid: u64,
    /// Archived entries (left out).
    pub archived: u64,
    /// Every active exception, soonest expiry first.
    pub items: Vec<ExceptionInfo>,
    /// The rulebook's warning window, days before expiry.
    pub warn_days: u32,
}

/// The risk score and its inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct RiskBreakdown {
    /// Σ weight × state factor × exploitation factor over open findings (docs/metrics.md).
    pub points: f64,
    /// 100 × points / (points + 50), two decimals.
    pub score: f64,
}

/// Weight of a severity in the risk score (Dependency-Track: 10/5/3/1).
pub const fn risk_weight(s: Severity) -> f64 {
    match s {
        Severity::Critical => 10.0,
        Severity::High => 5.0,
        Severity::Medium => 3.0,
        Severity::Low => 1.0,
    }
}

/// The half-saturation constant of the risk score: this many points give a score of 50.
pub const RISK_HALF_POINTS: f64 = 50.0;

/// The risk score of `points`: `100 × points / (points + 50)`, two decimals.
pub fn risk_score(points: f64) -> f64 {
    if points <= 0.0 { 0.0 } else { round2(100.0 * points / (points + RISK_HALF_POINTS)) }
}

/// Where a compliance standard stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StandardState {
    /// No open, unexcepted finding affects it.
    Compliant,
    /// Only medium or low findings are open.
    Gaps,
    /// A critical or high finding is open.
    AtRisk,
}

/// One compliance standard's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct StandardStatus {
    /// SOC2, ISO27001, GDPR, ...
    pub standard: String,
    /// The state.
    pub state: StandardState,
    /// Open, unexcepted findings affecting it.
    pub open: u64,
    /// Of which critical or high.
    pub severe: u64,
    /// Open findings affecting it that are covered by a valid exception.
    pub excepted: u64,
}

/// One action line of the digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ActionItem {
    /// What it is about (finding, exception, scan or KPI id).
    pub subject: String,
    /// The action, one line.
    pub text: String,
}

/// Actions completed, pending and blocked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Actions {
    /// Done in the period.
    pub completed: Vec<ActionItem>,
    /// Still to do.
    pub pending: Vec<ActionItem>,
    /// Blocked, with the reason.
    pub blocked: Vec<ActionItem>,
}

/// Every KPI of one period with its inputs.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Metrics {
    /// The period.
    pub period: Period,
    /// The instant state is evaluated at (open findings, exception validity): the period end,
    /// capped at `now`.
    pub as_of: DateTime<Utc>,
    /// The KPIs in [`KpiId::ALL`] order.
    pub kpis: Vec<Kpi>,
    /// MTTR details.
    pub mttr: MttrBreakdown,
    /// Finding counts.
    pub findings: FindingCounts,
    /// SLA details.
    pub sla: SlaCounts,
    /// Coverage details.
    pub coverage: CoverageCounts,
    /// Scan details.
    pub scans: ScanCounts,
    /// Exception details.
    pub exceptions: ExceptionCounts,
    /// Risk score details.
    pub risk: RiskBreakdown,
    /// Compliance status per standard, sorted by name.
    pub standards: Vec<StandardStatus>,
    /// Actions.
    pub actions: Actions,
    /// Escalations (open, acknowledged, overdue) and time-to-acknowledge details, when the
    /// caller gave escalation data ([`Metrics::add_escalations`]).
    pub escalations: Option<EscalationSummary>,
    /// Problems met while computing (located when possible).
    pub diagnostics: Vec<Diagnostic>,
    /// Freshness of each exploitation data source (KEV, EPSS) at `as_of`.
    pub intel: Vec<secfw_governance::IntelFreshness>,
    /// The "fix first" list (empty unless the ledger was enriched: `metadata.intel`).
    pub fix_first: Vec<crate::prioritise::FixFirst>,
}

impl Metrics {
    /// The KPI with this id.
    pub fn kpi(&self, id: KpiId) -> &Kpi {
        self.kpis.iter().find(|k| k.id == id).unwrap_or(&self.kpis[0])
    }

    /// The value of a KPI (None: n/a).
    pub fn value(&self, id: KpiId) -> Option<f64> {
        self.kpis.iter().find(|k| k.id == id).and_then(|k| k.value)
    }
}

fn sev_map<T: Default>() -> BTreeMap<Severity, T> {
    Severity::ALL.into_iter().map(|s| (s, T::default())).collect()
}

fn pct(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 * 100.0 / den as f64)
}

const DAY_SECS: f64 = 86_400.0;

/// Compute every KPI of the workspace for `period`, evaluating state at `min(period.end, now)`.
///
/// Which findings count, which are excepted, when each is due and whether an exception is valid
/// come from `secfw-governance` (evaluated at that instant), so the digest agrees with the gates.
pub fn compute(ws: &LoadedWorkspace, period: Period, now: DateTime<Utc>) -> Metrics {
    compute_governed(ws, period, now, None)
}

/// [`compute`] with `given`, the caller's [`secfw_governance::evaluate`] of exactly `ws`, used
/// when it was evaluated at the instant the metrics need (`min(period.end, now)`); otherwise
/// governance is evaluated at that instant here.
pub fn compute_governed(
    ws: &LoadedWorkspace,
    period: Period,
    now: DateTime<Utc>,
    given: Option<&GovernanceReport>,
) -> Metrics {
    let input = &MetricsInput::from_workspace(ws);
    let rb: &Rulebook = &input.rulebook;
    let as_of = period.end.min(now);
    let governance = match given {
        Some(g) if g.now == as_of => Cow::Borrowed(g),
        _ => Cow::Owned(secfw_governance::evaluate(ws, as_of)),
    };
    let mut diags = Vec::new();
    if input.findings.is_none() {
        diags.push(
            Diagnostic::error(
                codes::MISSING_INPUT,
                file_names::FINDINGS,
                "the findings ledger is missing or does not parse: finding KPIs are computed over no findings",
            )
            .with_hint("fix sec_findings.yaml (`secfw validate` shows why) and collect metrics again"),
        );
    }
    let tally = FindingTally::of(input, &governance, period, (as_of, now), &mut diags);
    let coverage = coverage_counts(input, &mut diags);
    let scans = scan_counts(input, period);
    let exceptions = exception_counts(input, rb, &governance);
    let standards = standards(input, rb, tally.standards);
    let risk = RiskBreakdown { points: round2(tally.points), score: risk_score(tally.points) };

    let t = &rb.kpi_targets;
    let kpis = vec![
        mttr_kpi(&tally.mttr, t),
        policy_coverage_kpi(&coverage, t),
        scan_success_kpi(&scans, t),
        escape_rate_kpi(tally.escaped, tally.first_seen_in_period, t),
        exception_compliance_kpi(&exceptions, t),
        sla_compliance_kpi(&tally.sla, t),
        risk_score_kpi(&risk, tally.counts.open),
        time_to_acknowledge(None),
    ];
    let mut actions = tally.actions;
    add_actions(&mut actions, &kpis, &exceptions, &governance, tally.critical_open, &scans);

    Metrics {
        period,
        as_of,
        kpis,
        mttr: tally.mttr,
        findings: tally.counts,
        sla: tally.sla,
        coverage,
        scans,
        exceptions,
        risk,
        standards,
        actions,
        escalations: None,
        diagnostics: diags,
        intel: governance.into_owned().intel,
        fix_first: crate::prioritise::fix_first(&tally.fix_candidates, as_of),
    }
}

/// What one pass over the findings collects.
struct FindingTally<'a> {
    counts: FindingCounts,
    sla: SlaCounts,
    mttr: MttrBreakdown,
    /// New findings in the period, and of those detected in production (the escape rate).
    first_seen_in_period: u64,
    escaped: u64,
    /// Risk points before rounding.
    points: f64,
    /// Completed actions (resolved findings) and pending ones (open findings), sorted.
    actions: Actions,
    /// Open findings per compliance standard.
    standards: BTreeMap<String, StandardStatus>,
    /// Open, unexcepted critical findings, sorted by id.
    critical_open: Vec<&'a Finding>,
    /// Open, unexcepted findings with their due date, for the fix-first list (enriched ledgers).
    fix_candidates: Vec<(&'a Finding, DateTime<Utc>)>,
}

/// Resolution times in days, overall and per severity, before the statistics.
struct MttrSamples {
    all: Vec<f64>,
    by_severity: BTreeMap<Severity, Vec<f64>>,
    excluded: Vec<String>,
}

/// An action with the key it is sorted by.
type Sorted<K> = (K, ActionItem);

impl<'a> FindingTally<'a> {
    fn of(
        input: &'a MetricsInput<'_>,
        governance: &GovernanceReport,
        period: Period,
        (as_of, now): (DateTime<Utc>, DateTime<Utc>),
        diags: &mut Vec<Diagnostic>,
    ) -> Self {
        let rb: &Rulebook = &input.rulebook;
        // The source map re-reads the ledger, so it is built only when a diagnostic needs a position.
        let map: std::cell::OnceCell<Option<SourceMap>> = std::cell::OnceCell::new();
        let locate = |i: usize, field: &str| {
            map.get_or_init(|| input.findings_source.and_then(SourceMap::build))
                .as_ref()
                .map(|m| m.nearest(&[Seg::from("findings"), Seg::from(i), Seg::from(field)]))
        };
        let empty: &[Finding] = &[];
        let findings = input.findings.map_or(empty, |f| f.findings.as_slice());
        let enriched = input.findings.is_some_and(|l| l.metadata.intel.is_some());
        let mut tally = Self {
            counts: FindingCounts {
                open_by_severity: sev_map(),
                excepted_by_severity: sev_map(),
                overdue_by_severity: sev_map(),
                ..FindingCounts::default()
            },
            sla: SlaCounts {
                sla_days: Severity::ALL.into_iter().map(|s| (s, rb.sla_days.for_severity(s))).collect(),
                ..SlaCounts::default()
            },
            mttr: MttrBreakdown::default(),
            first_seen_in_period: 0,
            escaped: 0,
            points: 0.0,
            actions: Actions::default(),
            standards: BTreeMap::new(),
            critical_open: Vec::new(),
            fix_candidates: Vec::new(),
        };
        let mut samples = MttrSamples { all: Vec::new(), by_severity: sev_map(), excluded: Vec::new() };
        let mut completed: Vec<Sorted<(DateTime<Utc>, String)>> = Vec::new();
        let mut pending: Vec<Sorted<(u8, DateTime<Utc>, String)>> = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            match f.status {
                FindingStatus::Accepted => tally.counts.accepted += 1,
                FindingStatus::FalsePositive => tally.counts.false_positive += 1,
                _ => {}
            }
            if f.first_seen.is_some_and(|t| period.contains(t.instant())) {
                tally.counts.new += 1;
                tally.first_seen_in_period += 1;
                if f.detected_in.as_deref().is_some_and(is_production) {
                    tally.escaped += 1;
                }
            }
            let ge = governance.findings.get(i).filter(|g| g.finding_id == f.finding_id);
            let deadline = ge.map_or_else(|| gov::sla_deadline(f, rb), |g| g.due);
            if let Some(done) = tally.resolved(f, deadline, period, &mut samples, || locate(i, "resolved_at"), diags) {
                completed.push(done);
            }
            // Live at `as_of` is governance's decision (the same the gates use), never re-derived:
            // a resolved stamp after `as_of` counts, a future-dated finding counts (GV0501). The
            // one thing metrics add is history: a finding first seen after a past `as_of` but by
            // `now` did not exist yet at that instant (empty when `as_of` is `now`).
            let live = ge.map_or_else(
                || secfw_governance::live_at(f, as_of),
                |g| !matches!(g.disposition, secfw_governance::Disposition::Closed),
            );
            let later = f.first_seen.is_some_and(|fs| fs.instant() > as_of && fs.instant() <= now);
            if live && !later {
                let excepted = ge.is_some_and(secfw_governance::FindingEval::is_excepted);
                let standards = finding_standards(f, rb);
                if let Some(todo) = tally.open(f, deadline, excepted, standards, (period, as_of), enriched) {
                    pending.push(todo);
                }
            }
        }
        completed.sort_by(|a, b| (a.0.0, &a.0.1).cmp(&(b.0.0, &b.0.1)));
        tally.actions.completed = completed.into_iter().map(|c| c.1).collect();
        pending.sort_by(|a, b| (a.0.0, a.0.1, &a.0.2).cmp(&(b.0.0, b.0.1, &b.0.2)));
        tally.actions.pending = pending.into_iter().map(|p| p.1).collect();
        tally.critical_open.sort_by(|a, b| a.finding_id.cmp(&b.finding_id));
        tally.mttr = MttrBreakdown {
            overall: Stats::of(&samples.all),
            by_severity: samples.by_severity.iter().map(|(s, v)| (*s, Stats::of(v))).collect(),
            excluded: samples.excluded,
        };
        tally
    }

    /// Count a finding resolved in the period (SLA met or missed, its time to MTTR); returns the
    /// completed action.
    fn resolved(
        &mut self,
        f: &Finding,
        deadline: DateTime<Utc>,
        period: Period,
        samples: &mut MttrSamples,
        locate: impl Fn() -> Option<secfw_artifacts::Pos>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Sorted<(DateTime<Utc>, String)>> {
        if f.status != FindingStatus::Resolved {
            return None;
        }
        let r = f.resolved_at.map(secfw_artifacts::Timestamp::instant).filter(|r| period.contains(*r))?;
        self.counts.resolved += 1;
        if r <= deadline {
            self.sla.resolved_within += 1;
        } else {
            self.sla.resolved_late += 1;
        }
        match f.first_seen.map(secfw_artifacts::Timestamp::instant) {
            None => {
                samples.excluded.push(f.finding_id.clone());
                diags.push(
                    Diagnostic::warning(
                        codes::RESOLVED_WITHOUT_FIRST_SEEN,
                        file_names::FINDINGS,
                        format!("finding {} is resolved but has no first_seen: it is left out of MTTR", f.finding_id),
                    )
                    .at(locate())
                    .with_hint("add `first_seen:` (when the finding was first detected) to count it in MTTR"),
                );
            }
            Some(fs) if r < fs => {
                samples.excluded.push(f.finding_id.clone());
                diags.push(
                    Diagnostic::warning(
                        codes::NEGATIVE_REMEDIATION_TIME,
                        file_names::FINDINGS,
                        format!(
                            "finding {} was resolved ({}) before it was first seen ({}): it is left out of MTTR",
                            f.finding_id,
                            r.format("%Y-%m-%dT%H:%M:%SZ"),
                            fs.format("%Y-%m-%dT%H:%M:%SZ")
                        ),
                    )
                    .at(locate())
                    .with_hint("correct `first_seen` or `resolved_at`"),
                );
            }
            Some(fs) => {
                let days = (r - fs).num_seconds() as f64 / DAY_SECS;
                samples.all.push(days);
                samples.by_severity.entry(f.severity).or_default().push(days);
            }
        }
        let text =
            format!("{} ({}) resolved on {}: {}", f.finding_id, f.severity, r.format("%Y-%m-%d"), one_line(&f.title));
        Some(((r, f.finding_id.clone()), ActionItem { subject: f.finding_id.clone(), text }))
    }

    /// Count a finding open at `as_of` (overdue, excepted, risk points, standards, fix-first);
    /// returns its pending action when it is not excepted.
    fn open(
        &mut self,
        f: &'a Finding,
        deadline: DateTime<Utc>,
        excepted: bool,
        standards: BTreeSet<String>,
        (period, as_of): (Period, DateTime<Utc>),
        enriched: bool,
    ) -> Option<Sorted<(u8, DateTime<Utc>, String)>> {
        self.counts.open += 1;
        // Past due only matters while the finding counts: an excepted finding's risk is accepted
        // until the exception ends (the same rule as governance's overdue count).
        let overdue = !excepted && deadline < as_of;
        if f.first_seen.is_none_or(|t| t.instant() < period.start) {
            self.counts.carry_forward += 1;
        }
        if overdue {
            *self.counts.overdue_by_severity.entry(f.severity).or_default() += 1;
            self.sla.open_overdue += 1;
        } else {
            self.sla.open_within += 1;
        }
        let factor = if overdue {
            2.0
        } else if excepted {
            0.5
        } else {
            1.0
        };
        self.points += risk_weight(f.severity) * factor * crate::prioritise::exploitation_factor(f, as_of);
        if enriched && !excepted {
            self.fix_candidates.push((f, deadline));
        }
        for s in standards {
            let e = self.standards.entry(s.clone()).or_insert_with(|| StandardStatus {
                standard: s,
                state: StandardState::Compliant,
                open: 0,
                severe: 0,
                excepted: 0,
            });
            if excepted {
                e.excepted += 1;
            } else {
                e.open += 1;
                if matches!(f.severity, Severity::Critical | Severity::High) {
                    e.severe += 1;
                }
            }
        }
        if excepted {
            *self.counts.excepted_by_severity.entry(f.severity).or_default() += 1;
            return None;
        }
        *self.counts.open_by_severity.entry(f.severity).or_default() += 1;
        if f.severity == Severity::Critical {
            self.critical_open.push(f);
        }
        let text = format!(
            "{} ({:?}, {}, due {}{}): {}",
            f.finding_id,
            f.remediation.priority,
            f.severity,
            deadline.format("%Y-%m-%d"),
            if overdue { ", OVERDUE" } else { "" },
            one_line(&f.remediation.recommended_action)
        );
        let key = (f.remediation.priority as u8, deadline, f.finding_id.clone());
        Some((key, ActionItem { subject: f.finding_id.clone(), text }))
    }
}

/// Resources with at least one defined policy (any policy when `policy_map.md` is missing).
fn coverage_counts(input: &MetricsInput<'_>, diags: &mut Vec<Diagnostic>) -> CoverageCounts {
    let mut coverage = CoverageCounts::default();
    let Some(inv) = input.inventory else {
        diags.push(
            Diagnostic::error(
                codes::MISSING_INPUT,
                file_names::INVENTORY,
                "the inventory is missing or does not parse: policy coverage and scan success are n/a",
            )
            .with_hint("fix inventory.yaml (`secfw validate` shows why) and collect metrics again"),
        );
        return coverage;
    };
    let defined: Option<BTreeSet<&str>> = input.policies.map(|p| p.policies.iter().map(|p| p.id.as_str()).collect());
    coverage.resources = inv.resources.len() as u64;
    for r in &inv.resources {
        let ok = r.policies.iter().any(|p| defined.as_ref().is_none_or(|d| d.contains(p.as_str())));
        if ok {
            coverage.covered += 1;
        } else {
            coverage.uncovered.push(r.id.clone());
        }
    }
    coverage.uncovered.sort();
    if inv.resources.is_empty() {
        diags.push(
            Diagnostic::error(
                codes::NO_RESOURCES,
                file_names::INVENTORY,
                "the inventory lists no resources: policy coverage is n/a, which fails the coverage target",
            )
            .with_hint("list every system and resource in scope under `resources:` in inventory.yaml"),
        );
    }
    coverage
}

/// Every standard with open findings or declared by a policy or the rulebook, with its state.
fn standards(
    input: &MetricsInput<'_>,
    rb: &Rulebook,
    mut by_name: BTreeMap<String, StandardStatus>,
) -> Vec<StandardStatus> {
    for s in declared_standards(input, rb) {
        by_name.entry(s.clone()).or_insert(StandardStatus {
            standard: s,
            state: StandardState::Compliant,
            open: 0,
            severe: 0,
            excepted: 0,
        });
    }
    by_name
        .into_values()
        .map(|mut s| {
            s.state = if s.severe > 0 {
                StandardState::AtRisk
            } else if s.open > 0 {
                StandardState::Gaps
            } else {
                StandardState::Compliant
            };
            s
        })
        .collect()
}

/// Mean time to remediate (days), below `kpi_targets.mttr_days`.
fn mttr_kpi(mttr: &MttrBreakdown, t: &KpiTargets) -> Kpi {
    let k = Kpi::new(
        KpiId::Mttr,
        mttr.overall.mean,
        Some(Target { op: TargetOp::Below, value: t.mttr_days }),
        format!("{} finding(s) resolved in the period with a first_seen", mttr.overall.count),
        false,
    );
    if mttr.overall.count == 0 { k.with_note("no findings were resolved in the period") } else { k }
}

/// Policy coverage (%), at least `kpi_targets.policy_coverage`; n/a fails.
fn policy_coverage_kpi(coverage: &CoverageCounts, t: &KpiTargets) -> Kpi {
    let k = Kpi::new(
        KpiId::PolicyCoverage,
        pct(coverage.covered, coverage.resources),
        Some(Target { op: TargetOp::AtLeast, value: t.policy_coverage }),
        format!("{} of {} resource(s) covered", coverage.covered, coverage.resources),
        true,
    );
    if coverage.resources == 0 {
        k.with_note("no resources in the inventory: coverage cannot be shown, which fails the target")
    } else {
        k
    }
}

/// Scan success rate (%), at least `kpi_targets.scan_success_rate`.
fn scan_success_kpi(scans: &ScanCounts, t: &KpiTargets) -> Kpi {
    let basis = match scans.basis {
        ScanBasis::ExpectedPairs => "expected (resource, scanner) pair(s)",
        ScanBasis::ScanRecords => "scan(s) in the period",
    };
    let k = Kpi::new(
        KpiId::ScanSuccessRate,
        pct(scans.successful, scans.expected),
        Some(Target { op: TargetOp::AtLeast, value: t.scan_success_rate }),
        format!("{} of {} {basis} succeeded", scans.successful, scans.expected),
        false,
    );
    if scans.expected == 0 { k.with_note("no scanners are expected and no scans ran in the period") } else { k }
}

/// Escape rate (% of new findings detected in production), below `kpi_targets.escape_rate_max`.
fn escape_rate_kpi(escaped: u64, first_seen_in_period: u64, t: &KpiTargets) -> Kpi {
    let k = Kpi::new(
        KpiId::EscapeRate,
        pct(escaped, first_seen_in_period),
        Some(Target { op: TargetOp::Below, value: t.escape_rate_max }),
        format!("{escaped} of {first_seen_in_period} new finding(s) detected in production"),
        false,
    );
    if first_seen_in_period == 0 { k.with_note("no findings were first seen in the period") } else { k }
}

/// Exception compliance (% of active exceptions valid), at least
/// `kpi_targets.exception_compliance`.
fn exception_compliance_kpi(exceptions: &ExceptionCounts, t: &KpiTargets) -> Kpi {
    let k = Kpi::new(
        KpiId::ExceptionCompliance,
        pct(exceptions.valid, exceptions.total),
        Some(Target { op: TargetOp::AtLeast, value: t.exception_compliance }),
        format!("{} of {} active exception(s) valid", exceptions.valid, exceptions.total),
        false,
    );
    if exceptions.total == 0 { k.with_note("there are no active exceptions") } else { k }
}

/// SLA compliance (% of findings resolved in the period within SLA), at least
/// `kpi_targets.sla_compliance`.
fn sla_compliance_kpi(sla: &SlaCounts, t: &KpiTargets) -> Kpi {
    let resolved = sla.resolved_within + sla.resolved_late;
    let k = Kpi::new(
        KpiId::SlaCompliance,
        pct(sla.resolved_within, resolved),
        Some(Target { op: TargetOp::AtLeast, value: t.sla_compliance }),
        format!(
            "{} of {resolved} resolved finding(s) within SLA; {} open past SLA",
            sla.resolved_within, sla.open_overdue
        ),
        false,
    );
    if resolved == 0 { k.with_note("no findings were resolved in the period") } else { k }
}

/// The risk score (no target).
fn risk_score_kpi(risk: &RiskBreakdown, open: u64) -> Kpi {
    Kpi::new(
        KpiId::RiskScore,
        Some(risk.score),
        None,
        format!("{} risk point(s) from {open} open finding(s)", trim(risk.points)),
        false,
    )
}

/// The actions after the findings' own: missed KPIs and expiring exceptions are pending;
/// handoff-blocking rules, open criticals, expired exceptions with findings and failed scans
/// are blocked.
fn add_actions(
    actions: &mut Actions,
    kpis: &[Kpi],
    exceptions: &ExceptionCounts,
    governance: &GovernanceReport,
    critical_open: Vec<&Finding>,
    scans: &ScanCounts,
) {
    for k in kpis {
        if k.status == crate::kpi::KpiStatus::Missed {
            actions.pending.push(ActionItem {
                subject: k.id.key().to_owned(),
                text: format!("Bring {} to {} (now {})", k.id.name(), k.display_target(), k.display_value()),
            });
        }
    }
    for e in &exceptions.items {
        if e.expiring_soon {
            actions.pending.push(ActionItem {
                subject: e.id.clone(),
                text: format!("Renew or close {} before {} ({} day(s) left)", e.id, e.valid_until, e.days_left),
            });
        }
    }
    for r in governance.rules.iter().filter(|r| !r.holds && r.blocks_handoff) {
        actions.blocked.push(ActionItem {
            subject: r.metric.as_str().to_owned(),
            text: format!("Handoff blocked: {} is {}, the rule requires {}", r.metric.as_str(), r.count, r.condition),
        });
    }
    for f in critical_open {
        actions.blocked.push(ActionItem {
            subject: f.finding_id.clone(),
            text: format!("{} is critical and open (Critical=0): {}", f.finding_id, one_line(&f.title)),
        });
    }
    for e in &exceptions.items {
        if e.state == ExceptionState::Expired && !e.findings.is_empty() {
            actions.blocked.push(ActionItem {
                subject: e.id.clone(),
                text: format!(
                    "{} expired on {}: its findings ({}) need remediation or a new exception",
                    e.id,
                    e.valid_until,
                    e.findings.join(", ")
                ),
            });
        }
    }
    for s in &scans.failed {
        actions.blocked.push(ActionItem { subject: s.clone(), text: format!("Scan failed, re-run it: {s}") });
    }
}

/// The time-to-acknowledge KPI of an escalation summary (`None`: no escalation data was given).
fn time_to_acknowledge(summary: Option<&EscalationSummary>) -> Kpi {
    let Some(e) = summary else {
        return Kpi::new(KpiId::TimeToAcknowledge, None, None, "no escalation data".to_owned(), false)
            .with_note("escalations and acknowledgements were not read (secfw digest and cycle read them)");
    };
    let mut k = Kpi::new(
        KpiId::TimeToAcknowledge,
        e.median_hours,
        None,
        format!(
            "{} escalation(s) in the sample ({} still unacknowledged, counted with their age); p90 {}",
            e.sample,
            e.sample_unacknowledged,
            crate::kpi::Unit::Hours.format(e.p90_hours)
        ),
        false,
    );
    if e.sample == 0 {
        k = k.with_note("no escalation was acknowledged in the period and none is waiting");
    }
    k
}

impl Metrics {
    /// Add the escalations (open, acknowledged, overdue) and the time-to-acknowledge KPI from
    /// `data` (see [`crate::summarize_escalations`]); an overdue escalation is a pending action.
    pub fn add_escalations(&mut self, data: &EscalationData) {
        let (summary, diags) = crate::escalations::summarize(data, self.period, self.as_of);
        let kpi = time_to_acknowledge(Some(&summary));
        if let Some(k) = self.kpis.iter_mut().find(|k| k.id == KpiId::TimeToAcknowledge) {
            *k = kpi;
        } else {
            self.kpis.push(kpi);
        }
        for e in summary.items.iter().filter(|e| e.state == EscalationState::Overdue) {
            self.actions.pending.push(ActionItem {
                subject: e.id.clone(),
                text: format!(
                    "Acknowledge {} (notified {}, overdue): secfw escalations ack {} --by NAME",
                    e.id,
                    e.notified_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    e.id
                ),
            });
        }
        self.diagnostics.extend(diags);
        secfw_artifacts::sort_diagnostics(&mut self.diagnostics);
        self.escalations = Some(summary);
    }
}

fn trim(v: f64) -> String {
    crate::kpi::trim_num(v)
}

fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 160 { format!("{}…", s.chars().take(159).collect::<String>()) } else { s }
}

fn is_production(env: &str) -> bool {
    let e = env.trim();
    e.eq_ignore_ascii_case("production") || e.eq_ignore_ascii_case("prod")
}

fn finding_standards(f: &Finding, rb: &Rulebook) -> BTreeSet<String> {
    let mut s: BTreeSet<String> = f.governance.compliance_standards.iter().filter_map(|x| standard_name(x)).collect();
    for t in &f.governance.tags {
        if let Some(def) = rb.tag(t) {
            s.extend(def.compliance_impact.iter().cloned());
        }
    }
    s
}

/// The standard a policy's `Standards` entry names: its first word (`PCI-DSS 3.5` → `PCI-DSS`,
/// `SOC2 CC6.1` → `SOC2`), so controls roll up to their standard.
pub fn standard_name(entry: &str) -> Option<String> {
    let w = entry.split_whitespace().next()?.trim_end_matches([',', ';', ':', '.']);
    (!w.is_empty()).then(|| w.to_owned())
}

fn declared_standards(input: &MetricsInput<'_>, rb: &Rulebook) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    let mut tags: BTreeSet<&str> = BTreeSet::new();
    if let Some(p) = input.policies {
        for pol in &p.policies {
            s.extend(pol.standards.iter().filter_map(|x| standard_name(x)));
            tags.extend(pol.tags.iter().map(String::as_str));
        }
    }
    if let Some(i) = input.inventory {
        for r in &i.resources {
            tags.extend(r.tags.iter().map(String::as_str));
        }
    }
    if let Some(f) = input.findings {
        for x in &f.findings {
            s.extend(finding_standards(x, rb));
        }
    }
    for t in tags {
        if let Some(def) = rb.tag(t) {
            s.extend(def.compliance_impact.iter().cloned());
        }
    }
    s
}

fn scan_counts(input: &MetricsInput<'_>, period: Period) -> ScanCounts {
    let scans: Vec<_> = input
        .findings
        .map(|f| f.scans.iter().filter(|s| period.contains(s.started_at.instant())).collect())
        .unwrap_or_default();
    let mut c = ScanCounts::default();
    let mut failed: Vec<String> = scans
        .iter()
        .filter(|s| s.status == ScanStatus::Failure)
        .map(|s| match &s.error {
            Some(e) => format!("{} ({}): {}", s.scan_id, s.tool, one_line(e)),
            None => format!("{} ({})", s.scan_id, s.tool),
        })
        .collect();
    failed.sort();
    c.failed = failed;
    let pairs: Vec<(&str, &str)> = input
        .inventory
        .map(|i| {
            i.resources
                .iter()
                .flat_map(|r| r.expected_scanners.iter().map(move |s| (r.id.as_str(), s.as_str())))
                .collect()
        })
        .unwrap_or_default();
    if pairs.is_empty() {
        c.basis = ScanBasis::ScanRecords;
        c.expected = scans.len() as u64;
        c.successful = scans.iter().filter(|s| s.status == ScanStatus::Success).count() as u64;
        return c;
    }
    c.basis = ScanBasis::ExpectedPairs;
    c.expected = pairs.len() as u64;
    // (tool, target) pairs covered by a successful scan in the period: one pass over the scans,
    // then one lookup per expected pair (a scan may target thousands of resources).
    let covered: BTreeSet<(String, &str)> = scans
        .iter()
        .filter(|s| s.status == ScanStatus::Success)
        .flat_map(|s| {
            let tool = s.tool.to_ascii_lowercase();
            s.targets.iter().map(move |t| (tool.clone(), t.as_str()))
        })
        .collect();
    for (res, tool) in pairs {
        if covered.contains(&(tool.to_ascii_lowercase(), res)) {
            c.successful += 1;
        } else {
            c.missing.push(format!("{res}/{tool}"));
        }
    }
    c.missing.sort();
    c
}

fn exception_counts(input: &MetricsInput<'_>, rb: &Rulebook, governance: &GovernanceReport) -> ExceptionCounts {
    let mut c = ExceptionCounts { warn_days: rb.exceptions.warn_days_before_expiry, ..ExceptionCounts::default() };
    let Some(reg) = input.exceptions else { return c };
    let evals: BTreeMap<&str, &secfw_governance::ExceptionEval> =
        governance.exceptions.iter().map(|e| (e.id.as_str(), e)).collect();
    for e in &reg.exceptions {
        if e.is_archived() {
            c.archived += 1;
            continue;
        }
        c.total += 1;
        let Some(ev) = evals.get(e.id.as_str()) else { continue };
        let reason = || {
            ev.diagnostics
                .iter()
                .find(|d| d.is_error())
                .map_or_else(|| "requirements unmet".to_owned(), |d| d.message.clone())
        };
        let (state, reason) = match ev.state {
            ExceptionState::Valid => {
                c.valid += 1;
                (ExceptionState::Valid, None)
            }
            ExceptionState::Expired => {
                c.expired += 1;
                (ExceptionState::Expired, None)
            }
            _ => {
                c.invalid += 1;
                (ExceptionState::Invalid, Some(reason()))
            }
        };
        let mut covered: BTreeSet<String> = e.findings.iter().cloned().collect();
        covered.extend(ev.matched_findings.iter().cloned());
        c.items.push(ExceptionInfo {
            id: e.id.clone(),
            title: e.title.clone(),
            policy: e.policy.clone(),
            valid_until: e.valid_until,
            days_left: ev.days_left,
            state,
            reason,
            expiring_soon: ev.is_valid() && ev.days_left <= i64::from(rb.exceptions.warn_days_before_expiry),
            findings: covered.into_iter().collect(),
        });
    }
    c.items.sort_by(|a, b| (a.valid_until, &a.id).cmp(&(b.valid_until, &b.id)));
    c
}
