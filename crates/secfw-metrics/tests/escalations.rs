//! Escalation states and the time-to-acknowledge KPI, with the edge cases of the definition in
//! docs/notifications.md: never acknowledged, acknowledged twice, acknowledged before it was
//! notified, an acknowledgement of an unknown id, acknowledgements outside the period.

mod support;
use support as fixture;

use chrono::{DateTime, Duration, TimeZone, Utc};
use secfw_artifacts::{LoadOptions, load};
use secfw_metrics::summarize_escalations as summarize;
use secfw_metrics::{
    Acknowledgement, CollectOptions, EscalationData, EscalationState, KpiId, KpiStatus, NotifiedEscalation, Period,
    codes, collect,
};

fn t(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
}

/// The period [11-17, 11-24), evaluated at 11-24 00:00.
fn period() -> Period {
    Period::new(t(17, 0), t(24, 0)).unwrap()
}

fn esc(id: &str, at: DateTime<Utc>) -> NotifiedEscalation {
    NotifiedEscalation::new(id, at).sla(Some(Duration::hours(2)))
}

fn ack(id: &str, by: &str, at: DateTime<Utc>, seq: u64) -> Acknowledgement {
    Acknowledgement::new(id, by, at, seq)
}

#[test]
fn never_acknowledged_counts_with_its_age_and_goes_overdue_after_the_sla() {
    let data = EscalationData::new(vec![esc("ESC-000000000001", t(23, 0)), esc("ESC-000000000002", t(23, 23))], vec![]);
    let (s, diags) = summarize(&data, period(), t(24, 0));
    assert!(diags.is_empty(), "{diags:?}");
    // 24 h old, SLA 2 h: overdue; 1 h old: open.
    assert_eq!((s.overdue, s.open, s.acknowledged), (1, 1, 0));
    assert_eq!(s.items[0].state, EscalationState::Overdue);
    // Sample [1, 24]: median (nearest rank ⌈0.5×2⌉ = 1st) 1 h, p90 (⌈0.9×2⌉ = 2nd) 24 h.
    assert_eq!((s.sample, s.sample_unacknowledged), (2, 2));
    assert_eq!((s.median_hours, s.p90_hours), (Some(1.0), Some(24.0)));
}

#[test]
fn not_acknowledging_never_improves_the_kpi() {
    let acked =
        EscalationData::new(vec![esc("ESC-000000000001", t(20, 0))], vec![ack("ESC-000000000001", "a", t(20, 5), 3)]);
    let waiting = EscalationData::new(vec![esc("ESC-000000000001", t(20, 0))], vec![]);
    let (a, _) = summarize(&acked, period(), t(24, 0));
    let (w, _) = summarize(&waiting, period(), t(24, 0));
    assert_eq!(a.median_hours, Some(5.0));
    assert_eq!(w.median_hours, Some(96.0));
}

#[test]
fn acknowledged_twice_the_first_counts_and_the_repeat_is_a_note() {
    let data = EscalationData::new(
        vec![esc("ESC-000000000001", t(20, 0))],
        vec![ack("ESC-000000000001", "bob", t(20, 3), 7), ack("ESC-000000000001", "alice", t(20, 1), 5)],
    );
    let (s, diags) = summarize(&data, period(), t(24, 0));
    assert_eq!(s.items[0].acknowledged_by.as_deref(), Some("alice"));
    assert_eq!(s.items[0].hours_to_acknowledge, Some(1.0));
    assert_eq!(s.median_hours, Some(1.0));
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, codes::ACK_REPEATED);
    assert_eq!(diags[0].line, Some(7), "located at the repeat's line in events.jsonl");
    assert!(diags[0].message.contains("bob"));
}

#[test]
fn acknowledged_before_it_was_notified_is_acknowledged_without_a_time() {
    let data =
        EscalationData::new(vec![esc("ESC-000000000001", t(20, 5))], vec![ack("ESC-000000000001", "eve", t(20, 1), 2)]);
    let (s, diags) = summarize(&data, period(), t(24, 0));
    assert_eq!(s.acknowledged, 1);
    assert_eq!(s.items[0].hours_to_acknowledge, None, "never a negative time");
    assert_eq!(s.sample, 0);
    assert_eq!(s.median_hours, None);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, codes::ACK_BEFORE_NOTIFICATION);
    assert!(!diags[0].is_error());
}

#[test]
fn an_acknowledgement_of_an_unknown_id_is_reported_and_changes_nothing() {
    let data = EscalationData::new(
        vec![esc("ESC-000000000001", t(23, 23))],
        vec![ack("ESC-ffffffffffff", "mallory", t(23, 23), 9)],
    );
    let (s, diags) = summarize(&data, period(), t(24, 0));
    assert_eq!((s.open, s.acknowledged), (1, 0));
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, codes::ACK_UNKNOWN_ESCALATION);
    assert_eq!(diags[0].line, Some(9));
    assert!(diags[0].message.contains("ESC-ffffffffffff"));
}

#[test]
fn the_period_and_the_instant_bound_what_counts() {
    let data = EscalationData::new(
        vec![
            // Acknowledged before the period: acknowledged, not in the sample.
            esc("ESC-000000000001", t(10, 0)),
            // Notified after the report's instant: does not exist yet.
            esc("ESC-000000000002", t(25, 0)),
            // Acknowledged after the instant: still waiting at the instant.
            esc("ESC-000000000003", t(23, 0)),
        ],
        vec![ack("ESC-000000000001", "a", t(10, 4), 1), ack("ESC-000000000003", "b", t(25, 0), 2)],
    );
    let (s, diags) = summarize(&data, period(), t(24, 0));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(s.items.len(), 2);
    assert_eq!((s.acknowledged, s.overdue), (1, 1));
    assert_eq!(s.sample, 1);
    assert_eq!(s.median_hours, Some(24.0));
}

#[test]
fn acknowledged_after_the_deadline_is_marked_late_and_renotified_is_overdue_without_an_sla() {
    let data = EscalationData::new(
        vec![
            esc("ESC-000000000001", t(20, 0)),
            NotifiedEscalation::new("ESC-000000000002", t(20, 0)).renotified(Some(t(21, 0))),
            NotifiedEscalation::new("ESC-000000000003", t(20, 0)),
        ],
        vec![ack("ESC-000000000001", "a", t(20, 3), 1)],
    );
    let (s, _) = summarize(&data, period(), t(24, 0));
    let by = |id: &str| s.items.iter().find(|i| i.id == id).unwrap();
    assert!(by("ESC-000000000001").acknowledged_late);
    assert_eq!(by("ESC-000000000002").state, EscalationState::Overdue);
    // No SLA known and never re-notified: open however old.
    assert_eq!(by("ESC-000000000003").state, EscalationState::Open);
}

#[test]
fn the_kpi_is_in_the_report_without_target_and_na_without_data() {
    let dir = tempfile::tempdir().unwrap();
    fixture::write(dir.path());
    let ws = load(dir.path(), &LoadOptions::default()).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let opts = CollectOptions::default().from(t(17, 0)).to(t(24, 0));
    let without = collect(&ws, &opts, now).unwrap();
    let k = without.metrics.kpi(KpiId::TimeToAcknowledge);
    assert_eq!((k.id, k.value, k.status), (KpiId::TimeToAcknowledge, None, KpiStatus::NotAvailable));
    assert!(without.metrics.escalations.is_none());
    let data =
        EscalationData::new(vec![esc("ESC-000000000001", t(20, 0))], vec![ack("ESC-000000000001", "a", t(20, 2), 1)]);
    let with = collect(&ws, &opts.escalations(data), now).unwrap();
    let k = with.metrics.kpi(KpiId::TimeToAcknowledge);
    assert_eq!((k.value, k.status), (Some(2.0), KpiStatus::NoTarget));
    assert_eq!(with.snapshot().kpi("time_to_acknowledge"), Some(2.0));
    assert_eq!(with.snapshot().count("escalations_acknowledged"), Some(1));
}
