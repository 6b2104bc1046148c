//! Property tests of the state machine: whatever is requested in whatever order with whatever
//! criteria outcomes, no path skips a state or a gate, and the recorded log verifies.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use secfw_artifacts::LifecycleState as S;
use secfw_lifecycle::{Criterion, CriterionResult, Decision, criteria, decide};
use secfw_lifecycle::{CriterionRecord, Event, EventKind, verify_log_text};

fn state() -> impl Strategy<Value = S> {
    prop::sample::select(S::ALL.to_vec())
}

/// Results for every criterion that exists, each met or not (some possibly missing).
fn results() -> impl Strategy<Value = Vec<CriterionResult>> {
    let mut all: Vec<Criterion> = S::ALL.iter().flat_map(|s| criteria(*s).iter().copied()).collect();
    all.sort();
    all.dedup();
    prop::collection::vec(prop::option::weighted(0.97, prop::bool::weighted(0.93)), all.len()).prop_map(move |v| {
        all.iter()
            .zip(v)
            .filter_map(|(c, m)| {
                m.map(|met| if met { CriterionResult::met(*c, "ok") } else { CriterionResult::unmet(*c, "no") })
            })
            .collect()
    })
}

fn t0() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

proptest! {
    #[test]
    fn advance_only_to_the_next_state_with_every_criterion_met(cur in state(), to in state(), rs in results()) {
        let d = decide(cur, to, &rs);
        let all_met = criteria(to).iter().all(|c| rs.iter().any(|r| r.criterion == *c && r.met));
        prop_assert_eq!(d == Decision::Advance, to == cur.next() && all_met);
        if let Decision::Refuse { unmet, return_to_planned, not_next } = d {
            prop_assert_eq!(not_next, to != cur.next());
            // Every unmet criterion is listed, none twice.
            for c in criteria(to) {
                let met = rs.iter().any(|r| r.criterion == *c && r.met);
                prop_assert_eq!(unmet.iter().filter(|u| u.criterion == *c).count(), usize::from(!met));
            }
            let lint_failed = rs.iter().any(|r| r.criterion == Criterion::SchemaLintPasses && !r.met);
            prop_assert_eq!(return_to_planned, lint_failed && cur != S::Planned);
        }
    }

    #[test]
    fn no_path_skips_a_state_or_a_gate(steps in prop::collection::vec((prop::option::weighted(0.3, state()), results()), 1..60)) {
        let mut cur = S::Planned;
        let mut events: Vec<Event> = Vec::new();
        for (i, (target, rs)) in steps.iter().enumerate() {
            // Mostly ask for the next state (so long paths happen), sometimes for any state.
            let to = &target.unwrap_or(cur.next());
            let record = |kind, from, to| {
                let prev = events.last();
                let mut e = Event::new(t0() + Duration::minutes(i64::try_from(i).unwrap()), "prop", kind, from, to);
                e.criteria = rs.iter().map(|r| CriterionRecord::new(r.criterion.as_str(), r.met, r.detail.clone())).collect();
                e.seal_after(prev)
            };
            match decide(cur, *to, rs) {
                Decision::Advance => { let e = record(EventKind::Transition, cur, *to); events.push(e); cur = *to; }
                Decision::Refuse { return_to_planned: true, .. } => { let e = record(EventKind::ReturnToPlanned, cur, S::Planned); events.push(e); cur = S::Planned; }
                // A refusal, or a decision this test does not know: never an advance.
                _ => {}
            }
        }
        let text: String = events.iter().map(|e| e.to_line() + "\n").collect();
        let v = verify_log_text(&text, None);
        prop_assert!(v.is_intact(), "{:?}", v.problems);
        for e in &events {
            match e.kind {
                EventKind::Transition => {
                    prop_assert_eq!(e.to, e.from.next());
                    for c in criteria(e.to) {
                        prop_assert!(e.criteria.iter().any(|r| r.criterion == c.as_str() && r.met), "{:?} entered without {:?}", e.to, c);
                    }
                    if e.to != S::Planned {
                        prop_assert!(e.criteria.iter().any(|r| r.criterion == "schema_lint_passes" && r.met));
                    }
                }
                EventKind::ReturnToPlanned => {
                    prop_assert_eq!(e.to, S::Planned);
                    prop_assert!(e.criteria.iter().any(|r| r.criterion == "schema_lint_passes" && !r.met));
                }
                EventKind::Acknowledgement => prop_assert_eq!(e.to, e.from),
                k => prop_assert!(false, "an event kind this test does not know: {k:?}"),
            }
        }
        // Reaching VALIDATED means parity_coverage passed on the way.
        for e in events.iter().filter(|e| e.to == S::Validated) {
            prop_assert!(e.criteria.iter().any(|r| r.criterion == "parity_coverage_passes" && r.met));
        }
    }
}
