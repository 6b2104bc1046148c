//! Enrichment at full size: parse a 300 000-row EPSS file (gzip, as published) and a
//! 1 500-entry KEV catalog, and join both to a 100 000-finding ledger (the M workspace size).
//! Generated in memory; nothing is written.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::io::Write as _;

use chrono::{TimeZone as _, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use secfw_artifacts::model::findings::Finding;
use secfw_enrich::{join, parse_epss, parse_kev};

const EPSS_ROWS: u32 = 300_000;
const KEV_ENTRIES: u32 = 1_500;
const FINDINGS: u32 = 100_000;

fn cve(n: u32) -> String {
    format!("CVE-{}-{:05}", 1999 + n % 27, n)
}

fn epss_gz() -> Vec<u8> {
    let mut s = String::from("#model_version:v2025.03.14,score_date:2026-12-05T12:55:00Z\ncve,epss,percentile\n");
    for n in 0..EPSS_ROWS {
        let _ = writeln!(s, "{},{:.5},{:.5}", cve(n), f64::from(n % 1000) / 1000.0, f64::from(n % 997) / 997.0);
    }
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(s.as_bytes()).expect("gzip");
    e.finish().expect("gzip")
}

fn kev_json() -> String {
    let v: Vec<serde_json::Value> = (0..KEV_ENTRIES)
        .map(|i| {
            serde_json::json!({"cveID": cve(i * 199), "vendorProject": "v", "product": "p", "vulnerabilityName": "n",
                "dateAdded": "2026-01-02", "shortDescription": "d", "requiredAction": "a", "dueDate": "2026-01-23",
                "knownRansomwareCampaignUse": if i % 3 == 0 { "Known" } else { "Unknown" }, "notes": "", "cwes": []})
        })
        .collect();
    serde_json::json!({"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.12.01",
        "dateReleased": "2026-12-01T15:00:01.7193Z", "count": KEV_ENTRIES, "vulnerabilities": v})
    .to_string()
}

fn findings() -> Vec<Finding> {
    let template: Finding = serde_json::from_value(serde_json::json!({
        "finding_id": "SF-0", "severity": "high", "category": "vulnerability", "title": "t", "description": "d",
        "affected_resources": [], "remediation": {"recommended_action": "a", "priority": "P1", "deadline": "2027-06-01"},
        "governance": {"tags": [], "compliance_standards": []}
    }))
    .expect("finding");
    (0..FINDINGS)
        .map(|i| {
            let mut f = template.clone();
            f.finding_id = format!("SF-{i}");
            // Most findings name a CVE (some two, some none): the join's worst realistic case.
            f.cve = match i % 10 {
                0 => Vec::new(),
                1 => vec![cve(i * 3 % 400_000), cve(i * 7 % 400_000)],
                _ => vec![cve(i * 3 % 400_000)],
            };
            f
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).single().expect("date");
    let gz = epss_gz();
    let kev = kev_json();
    let base = findings();
    let mut g = c.benchmark_group("enrich");
    g.sample_size(10);
    g.bench_function("parse_epss_300k_gzip", |b| {
        b.iter(|| parse_epss(&gz, "epss.csv.gz", now, 256 << 20).expect("epss"));
    });
    g.bench_function("gunzip_only_epss", |b| {
        b.iter(|| {
            use std::io::Read as _;
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(gz.as_slice()).read_to_end(&mut out).expect("gunzip");
            out.len()
        });
    });
    g.bench_function("parse_kev_1500", |b| b.iter(|| parse_kev(kev.as_bytes(), "kev.json", now).expect("kev")));
    let epss = parse_epss(&gz, "epss.csv.gz", now, 256 << 20).expect("epss");
    let cat = parse_kev(kev.as_bytes(), "kev.json", now).expect("kev");
    g.bench_function("join_100k_findings", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |f| join(f, Some(&cat), Some(&epss), now),
            criterion::BatchSize::LargeInput,
        );
    });
    g.bench_function("parse_both_and_join_100k", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |f| {
                let epss = parse_epss(&gz, "epss.csv.gz", now, 256 << 20).expect("epss");
                let cat = parse_kev(kev.as_bytes(), "kev.json", now).expect("kev");
                join(f, Some(&cat), Some(&epss), now)
            },
            criterion::BatchSize::LargeInput,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
