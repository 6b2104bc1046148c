//! Properties over random ledgers: computing never panics, percentages stay in 0..=100, the risk
//! score in 0..100, MTTR statistics are ordered, and the same inputs give the same numbers.

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use secfw_artifacts::LoadedWorkspace;
use secfw_artifacts::model::findings::FindingsFile;
use secfw_metrics::{KpiId, Period, Unit, compute};

const STATUSES: [&str; 4] = ["open", "resolved", "accepted", "false_positive"];
const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

fn ledger(rows: &[(usize, usize, i64, Option<i64>, bool)]) -> FindingsFile {
    let base = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let ts = |h: i64| (base + Duration::hours(h)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let findings: Vec<serde_json::Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (st, sev, first, resolved, prod))| {
            let mut f = serde_json::json!({
                "finding_id": format!("SF-{i}"),
                "severity": SEVERITIES[*sev],
                "category": "vulnerability",
                "title": "t", "description": "d",
                "affected_resources": [],
                "remediation": {"recommended_action": "fix", "priority": "P1", "deadline": ts(first + 500)},
                "governance": {},
                "status": STATUSES[*st],
                "first_seen": ts(*first),
            });
            if let Some(r) = resolved {
                f["resolved_at"] = ts(*r).into();
            }
            if *prod {
                f["detected_in"] = "production".into();
            }
            f
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "version": "1.0",
        "metadata": {"scan_id": "p", "timestamp": "2026-11-01T00:00:00Z", "lifecycle_state": "VALIDATED"},
        "findings": findings,
    }))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn kpis_stay_in_range(
        rows in proptest::collection::vec(
            (0usize..4, 0usize..4, 0i64..2000, proptest::option::of(-200i64..2500), any::<bool>()), 0..40),
        start_h in 0i64..1500, len_h in 0i64..1500,
    ) {
        let mut ws = LoadedWorkspace::default();
        ws.findings = Some(ledger(&rows));
        let base = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
        let period = Period::new(base + Duration::hours(start_h), base + Duration::hours(start_h + len_h)).unwrap();
        let now = base + Duration::hours(2000);
        let m = compute(&ws, period, now);
        for k in &m.kpis {
            if let Some(v) = k.value {
                prop_assert!(v.is_finite());
                match k.unit {
                    Unit::Percent => prop_assert!((0.0..=100.0).contains(&v), "{} = {v}", k.id),
                    Unit::Score => prop_assert!((0.0..100.0).contains(&v), "{} = {v}", k.id),
                    Unit::Days | Unit::Hours => prop_assert!(v >= 0.0, "{} = {v}", k.id),
                    u => prop_assert!(false, "{}: unit {u:?} has no range check", k.id),
                }
            }
        }
        let o = m.mttr.overall;
        if let (Some(med), Some(p90)) = (o.median, o.p90) {
            prop_assert!(med <= p90 + 1e-9);
        }
        prop_assert_eq!(o.count + m.mttr.excluded.len() as u64, m.findings.resolved);
        prop_assert!(m.findings.carry_forward <= m.findings.open);
        prop_assert_eq!(m.value(KpiId::RiskScore).is_some(), true);
        prop_assert_eq!(compute(&ws, period, now), m);
    }
}
