//! Escalations and their acknowledgement: which are open, acknowledged or overdue, and the
//! time-to-acknowledge KPI ([`crate::KpiId::TimeToAcknowledge`]).
//!
//! The inputs are data the layers above gather (this crate reads no log or ledger): the
//! escalations secfw notified (from the notification ledger, `.secfw/notifications.json`) and
//! every acknowledgement recorded in the lifecycle event log (`.secfw/events.jsonl`,
//! `secfw escalations ack`). The rules, documented in `docs/notifications.md`:
//!
//! - **Notified at** `N`: the first time a message about the escalation was recorded in the
//!   ledger. Escalations first notified after the instant the report is evaluated at (`as_of`,
//!   the period end capped at `now`) do not exist yet for the report.
//! - **Acknowledged at** `A`: the earliest acknowledgement of that id at or before `as_of`.
//!   Later ones are repeats (note `MT0009`) and change nothing. An acknowledgement naming an id
//!   secfw never notified is left out (warning `MT0007`). An acknowledgement earlier than `N`
//!   (a clock or log anomaly) still acknowledges the escalation but gives no time to
//!   acknowledge (warning `MT0008`).
//! - **State** at `as_of`: `acknowledged` when `A` exists; otherwise `overdue` when the
//!   escalation's SLA is known and `as_of >= N + escalation_sla`, or when it was re-notified to
//!   the next level; otherwise `open`.
//! - **Time to acknowledge** sample: `A − N` for each escalation acknowledged in the period
//!   (`A` in `[start, end)`, `A >= N`), and `as_of − N` for each escalation still
//!   unacknowledged at `as_of` (a lower bound: never acknowledging makes the KPI worse, never
//!   better). Escalations acknowledged before the period are not in it. The KPI is the median
//!   (nearest rank) of the sample in hours; the 90th percentile (nearest rank) is reported
//!   with it. No sample: n/a.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use secfw_artifacts::{Diagnostic, Pos};

use crate::codes;
use crate::kpi::round2;
use crate::period::Period;

/// The event log acknowledgements are read from (for diagnostics).
pub const EVENT_LOG: &str = ".secfw/events.jsonl";

/// One escalation secfw notified.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotifiedEscalation {
    /// `ESC-<12 hex>`.
    pub id: String,
    /// The enforcement rule's metric, when the violation still stands (else unknown).
    pub rule: Option<String>,
    /// The condition that does not hold (`== 0`), when known.
    pub condition: Option<String>,
    /// The observed count, when known.
    pub count: Option<u64>,
    /// When it was first notified.
    pub notified_at: DateTime<Utc>,
    /// Its `escalation_sla`, when known.
    pub sla: Option<Duration>,
    /// When the next level (`notifications.escalate_to`) was told it was not acknowledged.
    pub renotified_at: Option<DateTime<Utc>>,
    /// Whether the violation still stands at `now`.
    pub current: bool,
}

impl NotifiedEscalation {
    /// An escalation first notified at `notified_at`, nothing else known.
    pub fn new(id: impl Into<String>, notified_at: DateTime<Utc>) -> Self {
        Self {
            id: id.into(),
            rule: None,
            condition: None,
            count: None,
            notified_at,
            sla: None,
            renotified_at: None,
            current: false,
        }
    }

    /// With the rule, condition and count of a violation that still stands.
    #[must_use]
    pub fn current(mut self, rule: impl Into<String>, condition: impl Into<String>, count: u64) -> Self {
        self.rule = Some(rule.into());
        self.condition = Some(condition.into());
        self.count = Some(count);
        self.current = true;
        self
    }

    /// With its `escalation_sla`.
    #[must_use]
    pub fn sla(mut self, sla: Option<Duration>) -> Self {
        self.sla = sla;
        self
    }

    /// With the time the next level was told.
    #[must_use]
    pub fn renotified(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.renotified_at = at;
        self
    }
}

/// One acknowledgement event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Acknowledgement {
    /// The escalation id it names.
    pub id: String,
    /// Who.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Its sequence number in the event log (its line), for diagnostics.
    pub seq: u64,
}

impl Acknowledgement {
    /// An acknowledgement.
    pub fn new(id: impl Into<String>, by: impl Into<String>, at: DateTime<Utc>, seq: u64) -> Self {
        Self { id: id.into(), by: by.into(), at, seq }
    }
}

/// The escalation data of a workspace, gathered by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EscalationData {
    /// Every escalation notified.
    pub escalations: Vec<NotifiedEscalation>,
    /// Every acknowledgement in the event log, in log order (repeats included).
    pub acknowledgements: Vec<Acknowledgement>,
}

impl EscalationData {
    /// The data.
    pub fn new(escalations: Vec<NotifiedEscalation>, acknowledgements: Vec<Acknowledgement>) -> Self {
        Self { escalations, acknowledgements }
    }
}

/// The state of an escalation at the report's instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EscalationState {
    /// Past its SLA (or re-notified to the next level) and not acknowledged.
    Overdue,
    /// Not acknowledged, within its SLA (or no SLA known).
    Open,
    /// Someone acknowledged it.
    Acknowledged,
}

impl EscalationState {
    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
        }
    }
}

/// One escalation as the digest shows it.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct EscalationStatus {
    /// `ESC-<12 hex>`.
    pub id: String,
    /// The rule, when known.
    pub rule: Option<String>,
    /// The condition, when known.
    pub condition: Option<String>,
    /// The count, when known.
    pub count: Option<u64>,
    /// Whether the violation still stands.
    pub current: bool,
    /// First notified.
    pub notified_at: DateTime<Utc>,
    /// Acknowledge by (`notified_at` + `escalation_sla`), when the SLA is known.
    pub deadline: Option<DateTime<Utc>>,
    /// The state at the report's instant.
    pub state: EscalationState,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// `acknowledged_at − notified_at` in hours (none when unacknowledged, or acknowledged
    /// before it was notified).
    pub hours_to_acknowledge: Option<f64>,
    /// Acknowledged after its deadline.
    pub acknowledged_late: bool,
    /// When the next level was told.
    pub renotified_at: Option<DateTime<Utc>>,
}

/// Open, acknowledged and overdue escalations and the time-to-acknowledge statistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct EscalationSummary {
    /// Not acknowledged, within SLA.
    pub open: u64,
    /// Acknowledged.
    pub acknowledged: u64,
    /// Not acknowledged, past SLA.
    pub overdue: u64,
    /// Every escalation: overdue first, then open, then acknowledged; by notification time, id.
    pub items: Vec<EscalationStatus>,
    /// Size of the time-to-acknowledge sample.
    pub sample: u64,
    /// Of the sample, escalations still unacknowledged (counted with their age).
    pub sample_unacknowledged: u64,
    /// Median of the sample, hours (nearest rank).
    pub median_hours: Option<f64>,
    /// 90th percentile of the sample, hours (nearest rank).
    pub p90_hours: Option<f64>,
}

/// The nearest-rank `p`-th percentile (0 < p <= 100) of a sorted, non-empty sample.
pub fn nearest_rank(sorted: &[f64], p: u32) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // rank = ceil(p/100 * n), 1-based, at least 1.
    let rank = (usize::try_from(p).unwrap_or(100) * n).div_ceil(100).clamp(1, n);
    sorted.get(rank - 1).copied()
}

fn hours(d: Duration) -> f64 {
    d.num_seconds() as f64 / 3600.0
}

/// The first acknowledgement (by time, then event number) of each escalation secfw notified,
/// among those made by `as_of`; acknowledgements of unknown escalations are left out (a
/// warning) and repeated ones noted.
fn first_acknowledgements<'a>(
    data: &'a EscalationData,
    as_of: DateTime<Utc>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<&'a str, &'a Acknowledgement> {
    let all_ids: BTreeSet<&str> = data.escalations.iter().map(|e| e.id.as_str()).collect();
    let mut first: BTreeMap<&str, &Acknowledgement> = BTreeMap::new();
    let mut acks: Vec<&Acknowledgement> = data.acknowledgements.iter().filter(|a| a.at <= as_of).collect();
    acks.sort_by_key(|a| (a.at, a.seq));
    for a in acks {
        let at = Some(Pos::new(u32::try_from(a.seq).unwrap_or(u32::MAX), 1));
        if !all_ids.contains(a.id.as_str()) {
            diags.push(
                Diagnostic::warning(
                    codes::ACK_UNKNOWN_ESCALATION,
                    EVENT_LOG,
                    format!(
                        "event #{}: {} acknowledged {}, which secfw never notified; it is left out",
                        a.seq, a.by, a.id
                    ),
                )
                .at(at)
                .with_hint("escalation ids are in the notifications and in `secfw notify plan --format json`"),
            );
            continue;
        }
        if let Some(prev) = first.get(a.id.as_str()) {
            diags.push(
                Diagnostic::note(
                    codes::ACK_REPEATED,
                    EVENT_LOG,
                    format!(
                        "event #{}: {} acknowledged {} again; the first acknowledgement (event #{}, {}) counts",
                        a.seq, a.by, a.id, prev.seq, prev.by
                    ),
                )
                .at(at),
            );
            continue;
        }
        first.insert(a.id.as_str(), a);
    }
    first
}

/// Acknowledged; else overdue once its deadline has passed or it was re-notified by `as_of`;
/// else open.
fn escalation_state(
    e: &NotifiedEscalation,
    acknowledged: bool,
    deadline: Option<DateTime<Utc>>,
    as_of: DateTime<Utc>,
) -> EscalationState {
    if acknowledged {
        EscalationState::Acknowledged
    } else if deadline.is_some_and(|d| as_of >= d) || e.renotified_at.is_some_and(|r| r <= as_of) {
        EscalationState::Overdue
    } else {
        EscalationState::Open
    }
}

/// Summarize `data` for `period`, evaluated at `as_of` (the period end capped at `now`).
pub fn summarize(data: &EscalationData, period: Period, as_of: DateTime<Utc>) -> (EscalationSummary, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let known: BTreeMap<&str, &NotifiedEscalation> =
        data.escalations.iter().filter(|e| e.notified_at <= as_of).map(|e| (e.id.as_str(), e)).collect();
    let first = first_acknowledgements(data, as_of, &mut diags);
    let mut out = EscalationSummary::default();
    let mut sample = Vec::new();
    for e in known.values() {
        let deadline = e.sla.map(|s| e.notified_at + s);
        let ack = first.get(e.id.as_str());
        let mut hours_to_ack = None;
        if let Some(a) = ack {
            if a.at < e.notified_at {
                diags.push(
                    Diagnostic::warning(
                        codes::ACK_BEFORE_NOTIFICATION,
                        EVENT_LOG,
                        format!(
                            "event #{}: {} was acknowledged at {} before it was first notified at {}; it counts as acknowledged without a time to acknowledge",
                            a.seq,
                            e.id,
                            a.at.to_rfc3339(),
                            e.notified_at.to_rfc3339()
                        ),
                    )
                    .at(Some(Pos::new(u32::try_from(a.seq).unwrap_or(u32::MAX), 1)))
                    .with_hint("check the clocks (`--now`) of the runs that notified and acknowledged it"),
                );
            } else {
                let h = round2(hours(a.at - e.notified_at));
                hours_to_ack = Some(h);
                if period.contains(a.at) {
                    sample.push(hours(a.at - e.notified_at));
                }
            }
        } else {
            sample.push(hours(as_of - e.notified_at));
            out.sample_unacknowledged += 1;
        }
        let state = escalation_state(e, ack.is_some(), deadline, as_of);
        match state {
            EscalationState::Open => out.open += 1,
            EscalationState::Acknowledged => out.acknowledged += 1,
            EscalationState::Overdue => out.overdue += 1,
        }
        out.items.push(EscalationStatus {
            id: e.id.clone(),
            rule: e.rule.clone(),
            condition: e.condition.clone(),
            count: e.count,
            current: e.current,
            notified_at: e.notified_at,
            deadline,
            state,
            acknowledged_by: ack.map(|a| a.by.clone()),
            acknowledged_at: ack.map(|a| a.at),
            hours_to_acknowledge: hours_to_ack,
            acknowledged_late: matches!((ack, deadline), (Some(a), Some(d)) if a.at > d),
            renotified_at: e.renotified_at.filter(|r| *r <= as_of),
        });
    }
    out.items.sort_by(|a, b| (a.state, a.notified_at, &a.id).cmp(&(b.state, b.notified_at, &b.id)));
    sample.sort_by(f64::total_cmp);
    out.sample = sample.len() as u64;
    out.median_hours = nearest_rank(&sample, 50).map(round2);
    out.p90_hours = nearest_rank(&sample, 90).map(round2);
    secfw_artifacts::sort_diagnostics(&mut diags);
    (out, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_textbook_definition() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[3.0], 50), Some(3.0));
        assert_eq!(nearest_rank(&[3.0], 90), Some(3.0));
        assert_eq!(nearest_rank(&[1.0, 2.0], 50), Some(1.0));
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0, 4.0], 50), Some(2.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9.0));
        assert_eq!(nearest_rank(&ten, 100), Some(10.0));
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(nearest_rank(&eleven, 90), Some(10.0));
    }
}
