//! Whole-workspace governance: which findings are excepted, the counts enforcement rules test,
//! rule outcomes and escalation records.

use std::collections::{BTreeMap, HashMap};

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use secfw_artifacts::file_names;
use secfw_artifacts::model::findings::{Finding, ScanStatus};
use secfw_artifacts::model::rulebook::{Action, CountMetric, Rulebook};
use secfw_artifacts::{Diagnostic, LoadedWorkspace, Severity, path};
use serde::Serialize;

use crate::codes;
use crate::exceptions::{ExceptionEval, ExceptionState, MatchedFinding, PackageRef, covers, evaluate_exception};
use crate::locate::Locator;

/// Why a finding's `exception_ref` does not except it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum NotExcepted {
    /// The referenced exception does not exist in `exceptions.md`.
    Dangling,
    /// The exception excepts a policy that is not one of the finding's `policy_refs`.
    PolicyMismatch {
        /// The exception's policy.
        exception_policy: String,
    },
    /// The exception exists but is expired, invalid or archived (history, e.g. revoked) at `now`.
    NotInForce {
        /// Its state.
        state: ExceptionState,
    },
}

/// How a finding is treated at `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "disposition")]
#[non_exhaustive]
pub enum Disposition {
    /// Open (or accepted without a valid exception): counts against the rules.
    Counted {
        /// Why its exception, if it names one, does not apply.
        #[serde(skip_serializing_if = "Option::is_none")]
        not_excepted: Option<NotExcepted>,
    },
    /// Covered by a valid exception: listed and counted as excepted, not against the rules.
    Excepted {
        /// The exception.
        exception: String,
    },
    /// Resolved or a false positive.
    Closed,
}

/// One finding's governance evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct FindingEval {
    /// `finding_id`.
    pub finding_id: String,
    /// Index in the ledger.
    pub index: usize,
    /// Severity.
    pub severity: Severity,
    /// Counted, excepted or closed.
    #[serde(flatten)]
    pub disposition: Disposition,
    /// When remediation is due: the earlier of `remediation.deadline` and `first_seen` + the
    /// rulebook's SLA days for its severity.
    pub due: DateTime<Utc>,
    /// `true` when counted and past `due`.
    pub overdue: bool,
    /// Listed in the CISA KEV catalog at `now` (`secfw enrich`).
    pub kev: bool,
}

impl FindingEval {
    /// `true` when it counts against the rules.
    pub fn is_counted(&self) -> bool {
        matches!(self.disposition, Disposition::Counted { .. })
    }
    /// `true` when a valid exception covers it.
    pub fn is_excepted(&self) -> bool {
        matches!(self.disposition, Disposition::Excepted { .. })
    }
}

/// Counts of findings by disposition (the inputs of enforcement rules).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Counts {
    /// Counted (open, not excepted) findings by severity.
    pub open: BTreeMap<Severity, u64>,
    /// Excepted findings by severity.
    pub excepted: BTreeMap<Severity, u64>,
    /// Counted findings past their due date.
    pub overdue: u64,
    /// Exceptions past expiry.
    pub expired_exceptions: u64,
    /// Failed scan records.
    pub failed_scans: u64,
    /// Counted findings listed in the CISA KEV catalog at `now`.
    pub kev: u64,
}

impl Counts {
    /// The value of a rule's metric.
    pub fn get(&self, m: CountMetric) -> u64 {
        let sev = |s| self.open.get(&s).copied().unwrap_or(0);
        match m {
            CountMetric::CriticalFindingsCount => sev(Severity::Critical),
            CountMetric::HighFindingsCount => sev(Severity::High),
            CountMetric::MediumFindingsCount => sev(Severity::Medium),
            CountMetric::LowFindingsCount => sev(Severity::Low),
            CountMetric::OpenFindingsCount => self.open.values().sum(),
            CountMetric::OverdueFindingsCount => self.overdue,
            CountMetric::ExpiredExceptionsCount => self.expired_exceptions,
            CountMetric::FailedScansCount => self.failed_scans,
            CountMetric::KevFindingsCount => self.kev,
        }
    }

    /// Total excepted findings.
    pub fn excepted_total(&self) -> u64 {
        self.excepted.values().sum()
    }
}

/// An escalation raised by a violated rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Escalation {
    /// The rule's metric, e.g. `critical_findings_count`.
    pub rule: String,
    /// The condition that does not hold, e.g. `== 0`.
    pub condition: String,
    /// The observed count.
    pub count: u64,
    /// Who to notify.
    pub notify: Vec<String>,
    /// When it was raised (`now`).
    pub raised_at: DateTime<Utc>,
    /// Respond by: `now` + the rule's `escalation_sla`, else + the SLA days of the severity the
    /// rule counts; `None` when neither applies.
    pub deadline: Option<DateTime<Utc>>,
    /// Whether the rule blocks handoff.
    pub blocks_handoff: bool,
    /// The findings (or exceptions, scans) that make up the count.
    pub items: Vec<String>,
}

/// The outcome of one enforcement rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct RuleOutcome {
    /// Index in `enforcement`.
    pub index: usize,
    /// The metric.
    pub metric: CountMetric,
    /// The condition, as written (`== 0`).
    pub condition: String,
    /// The observed count.
    pub count: u64,
    /// Whether the condition holds.
    pub holds: bool,
    /// Whether the rule has `block_handoff: true`.
    pub blocks_handoff: bool,
    /// The escalation when violated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
}

/// Everything governance decides about a workspace at `now`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct GovernanceReport {
    /// The evaluation time.
    pub now: DateTime<Utc>,
    /// Every exception, in registry order.
    pub exceptions: Vec<ExceptionEval>,
    /// Every finding, in ledger order.
    pub findings: Vec<FindingEval>,
    /// Counts.
    pub counts: Counts,
    /// Every enforcement rule.
    pub rules: Vec<RuleOutcome>,
    /// Escalations of violated rules.
    pub escalations: Vec<Escalation>,
    /// Exception and rule diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Freshness of each exploitation data source (KEV, EPSS) at `now`.
    pub intel: Vec<crate::intel::IntelFreshness>,
}

impl GovernanceReport {
    /// `true` when a violated rule has `block_handoff: true` (e.g. Critical=0).
    pub fn handoff_blocked(&self) -> bool {
        self.rules.iter().any(|r| !r.holds && r.blocks_handoff)
    }

    /// The evaluation of an exception (the first with this id). A scan of all evaluations: for
    /// one lookup; a caller looking up many indexes [`Self::exceptions`] once (a registry holds
    /// tens of thousands, and a scan per exception made the suppression gate quadratic).
    pub fn exception(&self, id: &str) -> Option<&ExceptionEval> {
        self.exceptions.iter().find(|e| e.id == id)
    }

    /// The evaluation of a finding (the first with this id). A scan of all evaluations: for one
    /// lookup; a caller looking up many indexes [`Self::findings`] once (a ledger holds a
    /// million, and a scan per finding made `secfw export` quadratic).
    pub fn finding(&self, id: &str) -> Option<&FindingEval> {
        self.findings.iter().find(|f| f.finding_id == id)
    }

    /// `true` when no diagnostic is an error.
    pub fn passes(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Live at `now` ([`crate::timeline::live_at`]): a resolved stamp dated after `now` is no fix yet.
fn needs_exception(f: &Finding, now: DateTime<Utc>) -> bool {
    crate::timeline::live_at(f, now)
}

fn due(f: &Finding, rb: &Rulebook) -> DateTime<Utc> {
    f.sla_due(rb)
}

/// Evaluate governance for a loaded workspace at `now`.
///
/// Missing artifacts are treated as empty (a missing rulebook means the defaults); the gates
/// report missing artifacts as failures, so nothing passes silently.
pub fn evaluate(ws: &LoadedWorkspace, now: DateTime<Utc>) -> GovernanceReport {
    let loc = Locator::new(ws);
    evaluate_with(ws, &loc, now)
}

/// [`evaluate`] with a shared [`Locator`].
pub fn evaluate_with(ws: &LoadedWorkspace, loc: &Locator<'_>, now: DateTime<Utc>) -> GovernanceReport {
    crate::count_evaluation();
    let rb = ws.rulebook_or_default();
    let findings: &[Finding] = ws.findings.as_ref().map_or(&[], |f| f.findings.as_slice());
    let exceptions = ws.exceptions.as_ref().map_or(&[][..], |r| r.exceptions.as_slice());
    let scans = ws.findings.as_ref().map_or(&[][..], |f| f.scans.as_slice());

    let targets = AdvisoryTargets::index(findings, exceptions, now);
    let evals = evaluate_exceptions(findings, exceptions, &targets, &rb, now);
    let vex_effective: Vec<&secfw_artifacts::model::vex::RecordedStatement> =
        ws.vex.as_ref().map(|r| crate::vex::in_effect(r, &rb.suppressions.trusted_vex_authors)).unwrap_or_default();
    let registry = Registry { exceptions, evals: &evals, index: first_definitions(exceptions), targets: &targets };
    let fevals: Vec<FindingEval> = findings
        .iter()
        .enumerate()
        .map(|(index, f)| evaluate_finding(index, f, &registry, &vex_effective, &rb, now))
        .collect();
    let counts = count(&fevals, &evals, scans);

    let mut diagnostics: Vec<Diagnostic> = evals.iter().flat_map(|e| e.diagnostics.iter().cloned()).collect();
    let (intel, intel_diags) = crate::intel::freshness(ws, &rb, now);
    diagnostics.extend(intel_diags);
    diagnostics.extend(crate::timeline::future_timestamps(findings, loc, now));
    let facts = Facts { counts: &counts, fevals: &fevals, evals: &evals, scans };
    let rules: Vec<RuleOutcome> =
        rb.enforcement.iter().enumerate().map(|(index, rule)| evaluate_rule(index, rule, &rb, &facts, now)).collect();
    let mut escalations = Vec::new();
    for r in &rules {
        if let Some(esc) = &r.escalation {
            diagnostics.push(rule_diagnostic(loc, r.index, esc, findings, &fevals));
            escalations.push(esc.clone());
        }
    }
    secfw_artifacts::sort_diagnostics(&mut diagnostics);
    GovernanceReport { now, exceptions: evals, findings: fevals, counts, rules, escalations, diagnostics, intel }
}

/// Which findings exceptions target by advisory (issue 15), indexed once: ledgers hold up to a
/// million findings and tens of thousands of exceptions.
#[derive(Default)]
struct AdvisoryTargets<'a> {
    /// The findings each exception (by registry index) targets, in any status (resolved ones
    /// are the history its severity is judged by), in ledger order.
    by_exception: HashMap<usize, Vec<&'a Finding>>,
    /// The exceptions (registry indexes, ascending) that target each open or accepted finding.
    by_finding: HashMap<&'a str, Vec<usize>>,
}

impl<'a> AdvisoryTargets<'a> {
    fn index(findings: &'a [Finding], exceptions: &[secfw_artifacts::Exception], now: DateTime<Utc>) -> Self {
        let by_advisory = exceptions_by_advisory(exceptions);
        let mut t = AdvisoryTargets::default();
        if by_advisory.is_empty() {
            return t;
        }
        for f in findings {
            let hits = exceptions_targeting(f, &by_advisory, exceptions);
            for &i in &hits {
                t.by_exception.entry(i).or_default().push(f);
            }
            if !hits.is_empty() && needs_exception(f, now) {
                t.by_finding.insert(f.finding_id.as_str(), hits);
            }
        }
        t
    }
}

/// Exceptions that target advisories, by lower-cased advisory id.
fn exceptions_by_advisory(exceptions: &[secfw_artifacts::Exception]) -> HashMap<String, Vec<usize>> {
    let mut by_advisory: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in exceptions.iter().enumerate() {
        for a in &e.advisories {
            by_advisory.entry(a.to_ascii_lowercase()).or_default().push(i);
        }
    }
    by_advisory
}

/// The exceptions (registry order) whose targets (advisory, package, versions) cover a finding.
fn exceptions_targeting(
    f: &Finding,
    by_advisory: &HashMap<String, Vec<usize>>,
    exceptions: &[secfw_artifacts::Exception],
) -> Vec<usize> {
    let mut hits: Vec<usize> = Vec::new();
    for cve in &f.cve {
        for &i in by_advisory.get(&cve.to_ascii_lowercase()).map_or(&[][..], Vec::as_slice) {
            let e = &exceptions[i];
            let covered = if e.package.is_none() {
                covers(e, cve, None)
            } else {
                f.affected_resources
                    .iter()
                    .any(|r| PackageRef::from_location(&r.location).is_some_and(|p| covers(e, cve, Some(&p))))
            };
            if covered && !hits.contains(&i) {
                hits.push(i);
            }
        }
    }
    hits.sort_unstable();
    hits
}

/// Evaluate every exception (registry order) against the findings it matches, in any status: by
/// a finding's `exception_ref`, by its Findings list, then by its advisory targets.
fn evaluate_exceptions(
    findings: &[Finding],
    exceptions: &[secfw_artifacts::Exception],
    targets: &AdvisoryTargets<'_>,
    rb: &Rulebook,
    now: DateTime<Utc>,
) -> Vec<ExceptionEval> {
    let by_id: HashMap<&str, &Finding> = findings.iter().map(|f| (f.finding_id.as_str(), f)).collect();
    let mut by_ref: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in findings {
        if let Some(r) = f.governance.exception_ref.as_deref() {
            by_ref.entry(r).or_default().push(f);
        }
    }
    exceptions
        .iter()
        .enumerate()
        .map(|(ei, e)| {
            let m = matched_findings(e, ei, &by_ref, &by_id, targets);
            evaluate_exception(e, rb, &m, now)
        })
        .collect()
}

/// The findings an exception matches, in any status (the open and accepted ones are what it
/// excepts; the others are the history its severity is judged by), each once, in the order:
/// those whose `exception_ref` names it, those its Findings list names, those its advisory
/// targets cover.
fn matched_findings(
    e: &secfw_artifacts::Exception,
    ei: usize,
    by_ref: &HashMap<&str, Vec<&Finding>>,
    by_id: &HashMap<&str, &Finding>,
    targets: &AdvisoryTargets<'_>,
) -> Vec<MatchedFinding> {
    let referencing = by_ref.get(e.id.as_str()).map_or(&[][..], Vec::as_slice);
    let listed = e.findings.iter().filter_map(|fid| by_id.get(fid.as_str()).copied());
    let targeted = targets.by_exception.get(&ei).map_or(&[][..], Vec::as_slice);
    // A registry entry can match a great many findings (an advisory across a whole ledger's
    // history): deduplicate by id with a set, not a scan per finding.
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    referencing
        .iter()
        .copied()
        .chain(listed)
        .chain(targeted.iter().copied())
        .filter(|f| seen.insert(f.finding_id.as_str()))
        .map(|f| MatchedFinding::new(f.finding_id.clone(), f.severity, f.status))
        .collect()
}

/// The registry index of each exception id; the first definition wins (duplicates are
/// reported by the loader).
fn first_definitions(exceptions: &[secfw_artifacts::Exception]) -> HashMap<&str, usize> {
    let mut exc_index: HashMap<&str, usize> = HashMap::new();
    for (i, e) in exceptions.iter().enumerate() {
        exc_index.entry(e.id.as_str()).or_insert(i);
    }
    exc_index
}

/// The exception registry as the finding checks see it.
struct Registry<'r, 'a> {
    exceptions: &'r [secfw_artifacts::Exception],
    evals: &'r [ExceptionEval],
    index: HashMap<&'r str, usize>,
    targets: &'r AdvisoryTargets<'a>,
}

/// One finding's evaluation: its disposition, due date, overdue and KEV flags.
fn evaluate_finding(
    index: usize,
    f: &Finding,
    registry: &Registry<'_, '_>,
    vex_effective: &[&secfw_artifacts::model::vex::RecordedStatement],
    rb: &Rulebook,
    now: DateTime<Utc>,
) -> FindingEval {
    let mut disposition = exception_disposition(f, registry, now);
    // A trusted, justified not_affected VEX statement in effect is an exception-grade
    // decision for a finding no valid exception covers (shown as excepted, never hidden).
    if matches!(disposition, Disposition::Counted { .. })
        && let Some(st) = crate::vex::decision_for(vex_effective, f)
    {
        disposition = Disposition::Excepted { exception: crate::vex::decision_id(st) };
    }
    let due = due(f, rb);
    let counted = matches!(disposition, Disposition::Counted { .. });
    FindingEval {
        finding_id: f.finding_id.clone(),
        index,
        severity: f.severity,
        disposition,
        due,
        overdue: counted && now > due,
        kev: crate::intel::kev_at(f, now).is_some(),
    }
}

/// A finding's disposition by the exception registry alone: closed unless open or accepted;
/// then by the exception its `exception_ref` names, or else by the exceptions targeting it.
fn exception_disposition(f: &Finding, registry: &Registry<'_, '_>, now: DateTime<Utc>) -> Disposition {
    if !needs_exception(f, now) {
        return Disposition::Closed;
    }
    match f.governance.exception_ref.as_deref() {
        None => target_disposition(
            f,
            registry.targets.by_finding.get(f.finding_id.as_str()),
            registry.exceptions,
            registry.evals,
        ),
        Some(r) => ref_disposition(f, r, registry),
    }
}

/// The disposition of a finding whose `exception_ref` is `r`: dangling when no exception has
/// that id; counted when the exception's policy is not one of its `policy_refs` or the
/// exception is not in force; excepted otherwise.
fn ref_disposition(f: &Finding, r: &str, registry: &Registry<'_, '_>) -> Disposition {
    let Some(&i) = registry.index.get(r) else {
        return Disposition::Counted { not_excepted: Some(NotExcepted::Dangling) };
    };
    let (ev, e) = (&registry.evals[i], &registry.exceptions[i]);
    if !f.governance.policy_refs.contains(&e.policy) {
        Disposition::Counted { not_excepted: Some(NotExcepted::PolicyMismatch { exception_policy: e.policy.clone() }) }
    } else if ev.is_valid() {
        Disposition::Excepted { exception: r.to_owned() }
    } else {
        Disposition::Counted { not_excepted: Some(NotExcepted::NotInForce { state: ev.state }) }
    }
}

/// The counts the enforcement rules test.
fn count(fevals: &[FindingEval], evals: &[ExceptionEval], scans: &[secfw_artifacts::ScanRecord]) -> Counts {
    let mut counts = Counts::default();
    for fe in fevals {
        let counted = fe.is_counted();
        if counted {
            *counts.open.entry(fe.severity).or_default() += 1;
        } else if fe.is_excepted() {
            *counts.excepted.entry(fe.severity).or_default() += 1;
        }
        counts.overdue += u64::from(fe.overdue);
        counts.kev += u64::from(counted && fe.kev);
    }
    counts.expired_exceptions = evals.iter().filter(|e| e.state == ExceptionState::Expired).count() as u64;
    counts.failed_scans = scans.iter().filter(|s| s.status == ScanStatus::Failure).count() as u64;
    counts
}

/// What the enforcement rules are evaluated against.
struct Facts<'r> {
    counts: &'r Counts,
    fevals: &'r [FindingEval],
    evals: &'r [ExceptionEval],
    scans: &'r [secfw_artifacts::ScanRecord],
}

/// One enforcement rule's outcome, with its escalation when violated.
fn evaluate_rule(
    index: usize,
    rule: &secfw_artifacts::model::rulebook::EnforcementRule,
    rb: &Rulebook,
    facts: &Facts<'_>,
    now: DateTime<Utc>,
) -> RuleOutcome {
    let count = facts.counts.get(rule.rule);
    let holds = rule.condition.holds(count);
    let blocks_handoff = rule.actions.on_violation.iter().any(|a| matches!(a, Action::BlockHandoff(true)));
    let escalation = (!holds).then(|| Escalation {
        rule: rule.rule.as_str().to_owned(),
        condition: rule.condition.to_string(),
        count,
        notify: rule_notify(rule),
        raised_at: now,
        deadline: escalation_deadline(rule, rb, now),
        blocks_handoff,
        items: rule_items(rule.rule, facts.fevals, facts.evals, facts.scans),
    });
    RuleOutcome {
        index,
        metric: rule.rule,
        condition: rule.condition.to_string(),
        count,
        holds,
        blocks_handoff,
        escalation,
    }
}

/// Who a violated rule notifies: every `notify` action's recipients, in order.
fn rule_notify(rule: &secfw_artifacts::model::rulebook::EnforcementRule) -> Vec<String> {
    rule.actions
        .on_violation
        .iter()
        .filter_map(|a| if let Action::Notify(v) = a { Some(v.clone()) } else { None })
        .flatten()
        .collect()
}

/// When a violated rule's escalation is due: `now` + the rule's `escalation_sla`, else + the
/// SLA days of the severity the rule counts; `None` when neither applies.
fn escalation_deadline(
    rule: &secfw_artifacts::model::rulebook::EnforcementRule,
    rb: &Rulebook,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let sla = rule.actions.on_violation.iter().find_map(|a| match a {
        Action::EscalationSla(d) => Some(d.to_duration()),
        _ => None,
    });
    let sev = metric_severity(rule.rule);
    sla.or_else(|| sev.map(|s| chrono::Duration::days(i64::from(rb.sla_days.for_severity(s)))))
        .map(|d| secfw_artifacts::add_saturating(now, d))
}

/// The disposition of a finding without `exception_ref` that exceptions target by advisory
/// (package, versions): excepted by the first valid one (registry order) whose policy is one of
/// the finding's `policy_refs`; otherwise counted, with the reason of the first target.
fn target_disposition(
    f: &Finding,
    targets: Option<&Vec<usize>>,
    exceptions: &[secfw_artifacts::Exception],
    evals: &[ExceptionEval],
) -> Disposition {
    let Some(targets) = targets else { return Disposition::Counted { not_excepted: None } };
    let mut reason = None;
    for &i in targets {
        let (e, ev) = (&exceptions[i], &evals[i]);
        if !f.governance.policy_refs.contains(&e.policy) {
            reason.get_or_insert(NotExcepted::PolicyMismatch { exception_policy: e.policy.clone() });
        } else if ev.is_valid() {
            return Disposition::Excepted { exception: e.id.clone() };
        } else {
            reason.get_or_insert(NotExcepted::NotInForce { state: ev.state });
        }
    }
    Disposition::Counted { not_excepted: reason }
}

/// Most related locations attached to one rule diagnostic (the escalation lists every item).
const MAX_RELATED: usize = 50;

fn metric_severity(m: CountMetric) -> Option<Severity> {
    match m {
        CountMetric::CriticalFindingsCount => Some(Severity::Critical),
        CountMetric::HighFindingsCount => Some(Severity::High),
        CountMetric::MediumFindingsCount => Some(Severity::Medium),
        CountMetric::LowFindingsCount => Some(Severity::Low),
        _ => None,
    }
}

fn rule_items(
    m: CountMetric,
    fevals: &[FindingEval],
    evals: &[ExceptionEval],
    scans: &[secfw_artifacts::ScanRecord],
) -> Vec<String> {
    let counted = |pred: &dyn Fn(&FindingEval) -> bool| {
        fevals.iter().filter(|f| f.is_counted() && pred(f)).map(|f| f.finding_id.clone()).collect()
    };
    match m {
        CountMetric::OverdueFindingsCount => counted(&|f| f.overdue),
        CountMetric::ExpiredExceptionsCount => {
            evals.iter().filter(|e| e.state == ExceptionState::Expired).map(|e| e.id.clone()).collect()
        }
        CountMetric::FailedScansCount => {
            scans.iter().filter(|s| s.status == ScanStatus::Failure).map(|s| s.scan_id.clone()).collect()
        }
        CountMetric::KevFindingsCount => counted(&|f| f.kev),
        other => match metric_severity(other) {
            Some(s) => counted(&|f| f.severity == s),
            None => counted(&|_| true),
        },
    }
}

fn rule_diagnostic(
    loc: &Locator<'_>,
    index: usize,
    esc: &Escalation,
    findings: &[Finding],
    fevals: &[FindingEval],
) -> Diagnostic {
    let rb_pos = loc.pos_any(
        file_names::RULEBOOK,
        &[path!["enforcement", index, "condition"], path!["enforcement", "condition"], path!["enforcement"]],
    );
    let mut msg = format!("enforcement rule `{} {}` is violated: count is {}", esc.rule, esc.condition, esc.count);
    if esc.blocks_handoff {
        msg.push_str("; handoff is blocked");
    }
    let mut d = Diagnostic::error(codes::RULE_VIOLATED, file_names::RULEBOOK, msg).at(rb_pos).with_hint(format!(
        "remediate the items below or accept them with a valid exception (exceptions.md + governance.exception_ref); escalate to {}{}",
        if esc.notify.is_empty() { "the rule's owners".to_owned() } else { esc.notify.join(", ") },
        esc.deadline.map(|t| format!(" by {}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))).unwrap_or_default()
    ));
    let index: HashMap<&str, &FindingEval> = fevals.iter().map(|f| (f.finding_id.as_str(), f)).collect();
    if esc.items.len() > MAX_RELATED {
        let _ = write!(d.message, " (the first {MAX_RELATED} of {} are listed)", esc.items.len());
    }
    for item in esc.items.iter().take(MAX_RELATED) {
        if let Some(fe) = index.get(item.as_str()) {
            let f = &findings[fe.index];
            let why = match &fe.disposition {
                Disposition::Counted { not_excepted: Some(NotExcepted::NotInForce { state }) } => {
                    format!(
                        " (its exception {} is {})",
                        f.governance.exception_ref.as_deref().unwrap_or("targeting its advisory"),
                        state.as_str()
                    )
                }
                Disposition::Counted { not_excepted: Some(NotExcepted::Dangling) } => {
                    " (its exception_ref names no exception)".to_owned()
                }
                Disposition::Counted { not_excepted: Some(NotExcepted::PolicyMismatch { exception_policy }) } => {
                    format!(" (its exception is for {exception_policy}, not one of its policy_refs)")
                }
                _ => String::new(),
            };
            d = d.with_related(
                file_names::FINDINGS,
                loc.pos(file_names::FINDINGS, &path!["findings", fe.index, "finding_id"]),
                format!("{} finding `{}`: {}{why}", f.severity, f.finding_id, f.title),
            );
        }
    }
    d
}

#[cfg(test)]
mod target_tests {
    use secfw_artifacts::model::findings::Finding;
    use secfw_artifacts::model::rulebook::Rulebook;
    use secfw_artifacts::{Level, LoadedWorkspace, SourceFile};

    use super::*;

    fn finding(id: &str, cve: &str, location: &str, policy: &str) -> Finding {
        serde_json::from_value(serde_json::json!({
            "finding_id": id, "severity": "high", "category": "vulnerability", "title": "t", "description": "d",
            "affected_resources": [{"resource_id": "app", "resource_type": "package", "location": location}],
            "remediation": {"recommended_action": "upgrade", "priority": "P1", "deadline": "2027-06-01"},
            "governance": {"tags": [], "compliance_standards": [], "policy_refs": [policy]},
            "cve": [cve]
        }))
        .unwrap()
    }

    fn ws(findings: Vec<Finding>, until: &str) -> LoadedWorkspace {
        let md = format!(
            "# R\n\n## Active Exceptions\n\n### EXC-001: time 0.1\n- **Policy**: POL-007\n- **Severity**: High\n- **Advisories**: RUSTSEC-2020-0071\n- **Package**: pkg:cargo/time\n- **Versions**: >=0.1.0, <0.2.0\n- **Requestor**: dev@x.test\n- **Approval**: sec@x.test, risk@x.test\n- **Approved On**: 2026-11-01\n- **Valid Until**: {until}\n- **Justification**: j\n- **Risk Assessment**: r\n- **Risk Mitigation**:\n  - m\n"
        );
        let (reg, d) = secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", md), Level::Error);
        assert!(d.is_empty(), "{d:?}");
        let mut rb = Rulebook::with_defaults("1.0.0");
        rb.exceptions.approvers.security_team = vec!["sec@x.test".into()];
        rb.exceptions.approvers.risk_committee = vec!["risk@x.test".into()];
        let ledger = serde_json::json!({"version": "1.0", "metadata": {"scan_id": "s", "timestamp": "2026-11-20T00:00:00Z", "lifecycle_state": "PLANNED"}});
        let mut file: secfw_artifacts::FindingsFile = serde_json::from_value(ledger).unwrap();
        file.findings = findings;
        let mut w = LoadedWorkspace::default();
        w.rulebook = Some(rb);
        w.exceptions = Some(reg);
        w.findings = Some(file);
        w
    }

    fn now() -> DateTime<Utc> {
        "2026-11-24T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn an_advisory_exception_excepts_the_package_in_range_across_versions_and_nothing_else() {
        let w = ws(
            vec![
                finding("F-1", "RUSTSEC-2020-0071", "time@0.1.45", "POL-007"),
                finding("F-2", "rustsec-2020-0071", "pkg:cargo/time@0.1.10", "POL-007"),
                finding("F-3", "RUSTSEC-2020-0071", "time@0.2.0", "POL-007"),
                finding("F-4", "RUSTSEC-2020-0071", "chrono@0.1.45", "POL-007"),
                finding("F-5", "RUSTSEC-2020-0071", "pkg:npm/time@0.1.45", "POL-007"),
                finding("F-6", "RUSTSEC-2020-0071", "time@0.1.45", "POL-001"),
                finding("F-7", "CVE-2020-26235", "time@0.1.45", "POL-007"),
            ],
            "2027-01-31",
        );
        let r = evaluate(&w, now());
        let disp = |id: &str| r.finding(id).unwrap().disposition.clone();
        for id in ["F-1", "F-2"] {
            assert_eq!(disp(id), Disposition::Excepted { exception: "EXC-001".into() }, "{id}");
        }
        for id in ["F-3", "F-4", "F-5", "F-7"] {
            assert_eq!(disp(id), Disposition::Counted { not_excepted: None }, "{id} is outside the target");
        }
        assert!(matches!(disp("F-6"), Disposition::Counted { not_excepted: Some(NotExcepted::PolicyMismatch { .. }) }));
        let ev = r.exception("EXC-001").unwrap();
        assert_eq!(ev.matched_findings, ["F-1", "F-2", "F-6"]);
        assert!(ev.is_valid() && !ev.stale);
    }

    /// `ws` with EXC-001 narrowed to `package` and `versions` for advisory `advisory` instead.
    fn ws_narrowed(findings: Vec<Finding>, advisory: &str, package: &str, versions: &str) -> LoadedWorkspace {
        let mut w = ws(findings, "2027-01-31");
        let md = format!(
            "# R\n\n## Active Exceptions\n\n### EXC-001: narrowed\n- **Policy**: POL-007\n- **Severity**: High\n- **Advisories**: {advisory}\n- **Package**: {package}\n- **Versions**: {versions}\n- **Requestor**: dev@x.test\n- **Approval**: sec@x.test, risk@x.test\n- **Approved On**: 2026-11-01\n- **Valid Until**: 2027-01-31\n- **Justification**: j\n- **Risk Assessment**: r\n- **Risk Mitigation**:\n  - m\n"
        );
        let (reg, d) = secfw_artifacts::parse_exceptions(&SourceFile::new("exceptions.md", md), Level::Error);
        assert!(d.is_empty(), "{d:?}");
        w.exceptions = Some(reg);
        w
    }

    #[test]
    fn an_rpm_epoch_given_as_the_purl_qualifier_keeps_a_version_above_the_range_counted() {
        // Fail-open sweep 4 F3: `?epoch=1` (the purl spec's, Trivy's and Syft's form) was
        // ignored, so `<1:3.0.7-18.el9` accepted epoch-1 3.0.9-1.el9 as if it were epoch 0.
        let w = ws_narrowed(
            vec![
                finding("F-1", "CVE-2023-38545", "pkg:rpm/redhat/openssl@3.0.9-1.el9?arch=x86_64&epoch=1", "POL-007"),
                finding("F-2", "CVE-2023-38545", "pkg:rpm/redhat/openssl@1:3.0.9-1.el9", "POL-007"),
                finding("F-3", "CVE-2023-38545", "pkg:rpm/redhat/openssl@2:3.0.1-1.el9?epoch=1", "POL-007"),
                finding("F-4", "CVE-2023-38545", "pkg:rpm/redhat/openssl@3.0.7-1.el9?epoch=1", "POL-007"),
                finding("F-5", "CVE-2023-38545", "pkg:rpm/redhat/openssl@1:3.0.7-1.el9?epoch=01", "POL-007"),
            ],
            "CVE-2023-38545",
            "pkg:rpm/redhat/openssl",
            "<1:3.0.7-18.el9",
        );
        let r = evaluate(&w, now());
        let disp = |id: &str| r.finding(id).unwrap().disposition.clone();
        for id in ["F-1", "F-2", "F-3"] {
            assert_eq!(disp(id), Disposition::Counted { not_excepted: None }, "{id} is outside the range");
        }
        for id in ["F-4", "F-5"] {
            assert_eq!(disp(id), Disposition::Excepted { exception: "EXC-001".into() }, "{id}");
        }
    }

    #[test]
    fn a_cargo_or_npm_range_leaves_out_a_pre_release_of_the_next_line() {
        // Fail-open sweep 4 F4: `>=7.0.0, <8.0.0` covered `8.0.0-rc.1`, which Cargo and npm
        // leave out of that range.
        for ty in ["cargo", "npm"] {
            let w = ws_narrowed(
                vec![
                    finding("F-1", "CVE-2099-0001", &format!("pkg:{ty}/curl@8.0.0-rc.1"), "POL-007"),
                    finding("F-2", "CVE-2099-0001", &format!("pkg:{ty}/curl@7.9.0"), "POL-007"),
                ],
                "CVE-2099-0001",
                &format!("pkg:{ty}/curl"),
                ">=7.0.0, <8.0.0",
            );
            let r = evaluate(&w, now());
            let disp = |id: &str| r.finding(id).unwrap().disposition.clone();
            assert_eq!(disp("F-1"), Disposition::Counted { not_excepted: None }, "{ty}: 8.0.0-rc.1");
            assert_eq!(disp("F-2"), Disposition::Excepted { exception: "EXC-001".into() }, "{ty}: 7.9.0");
        }
    }

    #[test]
    fn of_two_exceptions_with_one_id_the_first_definition_decides() {
        let mut f = finding("F-1", "CVE-2099-0001", "other@1.0.0", "POL-007");
        f.governance.exception_ref = Some("EXC-001".into());
        let mut w = ws(vec![f], "2026-11-20");
        let reg = w.exceptions.as_mut().unwrap();
        let mut second = reg.exceptions[0].clone();
        second.valid_until = "2027-01-31".parse().unwrap();
        reg.exceptions.push(second);
        let r = evaluate(&w, now());
        assert_eq!(
            r.finding("F-1").unwrap().disposition,
            Disposition::Counted { not_excepted: Some(NotExcepted::NotInForce { state: ExceptionState::Expired }) },
            "the expired first definition, not the valid duplicate"
        );
    }

    #[test]
    fn an_expired_advisory_exception_excepts_nothing() {
        let w = ws(vec![finding("F-1", "RUSTSEC-2020-0071", "time@0.1.45", "POL-007")], "2026-11-20");
        let r = evaluate(&w, now());
        assert_eq!(
            r.finding("F-1").unwrap().disposition,
            Disposition::Counted { not_excepted: Some(NotExcepted::NotInForce { state: ExceptionState::Expired }) }
        );
    }
}
