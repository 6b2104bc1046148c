//! Property tests: enrichment never changes a finding's identity and is deterministic.

mod common;

use proptest::prelude::*;
use secfw_artifacts::model::findings::Finding;
use secfw_enrich::{join, parse_epss, parse_kev};

fn finding(i: usize, cves: Vec<String>) -> Finding {
    let y = common::finding_yaml(&format!("SF-{i:04}"), "high", &[], "2026-11-01T00:00:00Z");
    let l = common::ledger(&[y]);
    let mut f: secfw_artifacts::FindingsFile = serde_saphyr_free(&l);
    let mut one = f.findings.remove(0);
    one.cve = cves;
    one
}

/// Parse a ledger through the artifacts loader (YAML only through the house wrapper).
fn serde_saphyr_free(text: &str) -> secfw_artifacts::FindingsFile {
    let src = secfw_artifacts::SourceFile::new("sec_findings.yaml", text.to_owned());
    let mut d = Vec::new();
    secfw_artifacts::parse_findings(&src, &secfw_artifacts::LoadOptions::default(), &mut d).unwrap()
}

fn identity(f: &Finding) -> Finding {
    let mut g = f.clone();
    g.kev = None;
    g.epss = None;
    g
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn enrichment_keeps_identity_and_is_deterministic(
        ids in prop::collection::vec(prop::collection::vec(0u32..40, 0..4), 1..30),
        kev_ids in prop::collection::btree_set(0u32..40, 1..20),
        epss_rows in prop::collection::btree_map(0u32..40, (0u32..=1000, 0u32..=1000), 1..30),
        lower in any::<bool>(),
    ) {
        let cve = |n: u32| format!("CVE-2024-{n:05}");
        let findings: Vec<Finding> = ids.iter().enumerate().map(|(i, v)| {
            finding(i, v.iter().map(|n| if lower { cve(*n).to_lowercase() } else { cve(*n) }).collect())
        }).collect();
        let kev_entries: Vec<(String, &str, &str, &str)> =
            kev_ids.iter().map(|n| (cve(*n), "2026-01-02", "2026-01-23", if n % 2 == 0 { "Known" } else { "Unknown" })).collect();
        let kev_ref: Vec<(&str, &str, &str, &str)> = kev_entries.iter().map(|(a, b, c, d)| (a.as_str(), *b, *c, *d)).collect();
        let kev = parse_kev(common::kev_json("2026-12-01", &kev_ref).as_bytes(), "k", common::now()).unwrap();
        let rows: Vec<(String, String, String)> = epss_rows.iter()
            .map(|(n, (s, p))| (cve(*n), format!("{:.3}", f64::from(*s) / 1000.0), format!("{:.3}", f64::from(*p) / 1000.0)))
            .collect();
        let rows_ref: Vec<(&str, &str, &str)> = rows.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
        let epss = parse_epss(common::epss_csv("2026-12-05", &rows_ref).as_bytes(), "e", common::now(), 1 << 20).unwrap();

        let mut a = findings.clone();
        let mut b = findings.clone();
        b.reverse();
        let sa = join(&mut a, Some(&kev), Some(&epss), common::now());
        let sb = join(&mut b, Some(&kev), Some(&epss), common::now());
        b.reverse();
        prop_assert_eq!(&a, &b, "order-independent and deterministic");
        prop_assert_eq!(sa.kev_listed, sb.kev_listed);
        for (before, after) in findings.iter().zip(&a) {
            prop_assert_eq!(identity(before), identity(after));
            let listed = before.cve.iter().any(|c| kev_ids.iter().any(|n| cve(*n) == c.to_uppercase()));
            prop_assert_eq!(after.kev.is_some(), listed);
            if let Some(e) = &after.epss {
                // The highest score among the finding's CVEs.
                let best = before.cve.iter().filter_map(|c| epss.get(&c.to_uppercase())).map(|e| e.score).fold(f64::MIN, f64::max);
                prop_assert!((e.score - best).abs() < 1e-12);
            }
        }
        // Joining again changes nothing; joining with no data clears the fields only.
        let again = join(&mut a, Some(&kev), Some(&epss), common::now());
        prop_assert_eq!(again.changed, 0);
        join(&mut a, None, None, common::now());
        prop_assert_eq!(a.iter().map(identity).collect::<Vec<_>>(), findings.iter().map(identity).collect::<Vec<_>>());
        prop_assert!(a.iter().all(|f| f.kev.is_none() && f.epss.is_none()));
    }
}
