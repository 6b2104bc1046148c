//! The escalation data the digest and the metrics show: every escalation secfw notified (the
//! notification ledger), what it is about when the violation still stands (the enforcement
//! rules at `now`), and every acknowledgement in the event log.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use secfw_artifacts::LoadedWorkspace;
use secfw_governance::GovernanceReport;
use secfw_metrics::{Acknowledgement, EscalationData, NotifiedEscalation};
use secfw_notify::{Ledger, Reason};

use crate::Error;
use crate::log::{Event, EventKind};

/// Every acknowledgement in `events`, in log order, repeats included (see
/// [`crate::acknowledgements`] for the first one per escalation).
pub fn acknowledgement_events(events: &[Event]) -> Vec<Acknowledgement> {
    let mut out = Vec::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Acknowledgement) {
        for a in &e.escalations {
            if let Some(id) = a.get("id").and_then(serde_json::Value::as_str) {
                out.push(Acknowledgement::new(id, e.actor.clone(), e.time, e.seq));
            }
        }
    }
    out
}

/// The escalation data of the workspace: the escalations in `ledger` (first notified, told to
/// the next level), their rule, count and `escalation_sla` when the violation still stands at
/// `now`, and the acknowledgements in `events`.
pub fn escalation_data(ws: &LoadedWorkspace, ledger: &Ledger, events: &[Event], now: DateTime<Utc>) -> EscalationData {
    escalation_data_governed(ws, None, ledger, events, now)
}

/// [`escalation_data`] with `gov`, the caller's [`secfw_governance::evaluate`] of exactly `ws`
/// (used when it is of `now`; otherwise governance is evaluated here).
pub fn escalation_data_governed(
    ws: &LoadedWorkspace,
    gov: Option<&GovernanceReport>,
    ledger: &Ledger,
    events: &[Event],
    now: DateTime<Utc>,
) -> EscalationData {
    let mut first: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    let mut next: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    // Each occurrence's escalation (its first occurrence's id, which governance computes), and
    // the latest occurrence of each: only that one can be the escalation in force now.
    let mut base_of: BTreeMap<&str, &str> = BTreeMap::new();
    let mut latest: BTreeMap<&str, (DateTime<Utc>, &str)> = BTreeMap::new();
    for r in ledger.messages.values() {
        let map = match r.reason {
            Reason::Escalation => &mut first,
            Reason::EscalationUnacknowledged => &mut next,
            _ => continue,
        };
        map.entry(r.subject.as_str()).and_modify(|t| *t = (*t).min(r.at)).or_insert(r.at);
        let base = r.condition.as_deref().and_then(|c| c.strip_prefix("escalation:")).unwrap_or(r.subject.as_str());
        base_of.insert(r.subject.as_str(), base);
        if r.reason == Reason::Escalation {
            latest
                .entry(base)
                .and_modify(|l| {
                    if (r.at, r.subject.as_str()) > *l {
                        *l = (r.at, r.subject.as_str());
                    }
                })
                .or_insert((r.at, r.subject.as_str()));
        }
    }
    let gov = match gov {
        Some(g) if g.now == now => std::borrow::Cow::Borrowed(g),
        _ => std::borrow::Cow::Owned(secfw_governance::evaluate(ws, now)),
    };
    let current: BTreeMap<String, &secfw_governance::Escalation> = gov
        .rules
        .iter()
        .filter_map(|r| r.escalation.as_ref())
        .map(|e| (secfw_notify::escalation_id(&e.rule, &e.condition, &e.items), e))
        .collect();
    let escalations = first
        .into_iter()
        .map(|(id, at)| {
            let mut n = NotifiedEscalation::new(id, at).renotified(next.get(id).copied());
            let base = base_of.get(id).copied().unwrap_or(id);
            let is_latest = latest.get(base).is_none_or(|(_, l)| *l == id);
            if let Some(e) = current.get(base).filter(|_| is_latest) {
                n = n.current(e.rule.clone(), e.condition.clone(), e.count).sla(e.deadline.map(|d| d - e.raised_at));
            }
            n
        })
        .collect();
    EscalationData::new(escalations, acknowledgement_events(events))
}

/// [`escalation_data`] read from the workspace at `ws.root`: its notification ledger and
/// event log (the log is verified as it is read).
pub fn load_escalation_data(ws: &LoadedWorkspace, now: DateTime<Utc>) -> Result<EscalationData, Error> {
    load_escalation_data_governed(ws, None, now)
}

/// [`load_escalation_data`] with the caller's governance report of `ws` (see
/// [`escalation_data_governed`]).
pub fn load_escalation_data_governed(
    ws: &LoadedWorkspace,
    gov: Option<&GovernanceReport>,
    now: DateTime<Utc>,
) -> Result<EscalationData, Error> {
    let ledger = Ledger::load(&ws.root)?;
    let events = crate::log::EventLog::new(&ws.root).read()?;
    Ok(escalation_data_governed(ws, gov, &ledger, &events, now))
}
