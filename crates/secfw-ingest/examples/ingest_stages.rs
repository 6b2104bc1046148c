//! Time the stages of an ingest of one report into an empty ledger, in process (parse, merge,
//! render in the ledger layout, the read-back check, write): where the time of `secfw ingest` goes.
//! `target/release/examples/ingest_stages FILE [OUT]`.
#![allow(clippy::disallowed_macros, missing_docs)]

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: ingest_stages FILE [OUT]");
        std::process::exit(2);
    };
    let now: chrono::DateTime<chrono::Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
    let t = Instant::now();
    let report = secfw_ingest::parse_path(
        path.as_ref(),
        &path,
        secfw_ingest::Format::Auto,
        &secfw_ingest::ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let parse = t.elapsed();
    let t = Instant::now();
    let mut ledger = secfw_ingest::new_ledger(now);
    secfw_ingest::merge(&mut ledger, &[report], None, &secfw_artifacts::model::rulebook::SlaDays::default(), now);
    let merge = t.elapsed();
    let t = Instant::now();
    let text = secfw_artifacts::yaml::canonical::to_string(&ledger).unwrap().unwrap();
    let emit = t.elapsed();
    // The read-back check as ingest runs it: each finding compared as it is read, no second
    // ledger; then, for comparison, reading a second ledger and comparing it whole.
    let t = Instant::now();
    let src = secfw_artifacts::SourceFile::new("sec_findings.yaml", text);
    assert!(secfw_artifacts::check_findings_canonical(&src, &ledger, &mut Vec::new()));
    let check = t.elapsed();
    let t = Instant::now();
    let mut d = Vec::new();
    let back =
        secfw_artifacts::parse_findings_canonical(&src, &secfw_artifacts::LoadOptions::default(), &mut d).unwrap();
    let read = t.elapsed();
    let t = Instant::now();
    assert!(back == ledger);
    let cmp = t.elapsed();
    drop(back);
    let t = Instant::now();
    if let Some(out) = std::env::args().nth(2) {
        secfw_artifacts::write_atomic(out.as_ref(), src.text.as_bytes()).unwrap();
    }
    let write = t.elapsed();
    // What the read-back check cost before the ledger layout: serde-saphyr, then the full parser.
    let t = Instant::now();
    let old = secfw_artifacts::yaml::to_string(&ledger).unwrap();
    let old_emit = t.elapsed();
    let t = Instant::now();
    let old_src = secfw_artifacts::SourceFile::new("sec_findings.yaml", old);
    let old_back =
        secfw_artifacts::parse_findings(&old_src, &secfw_artifacts::LoadOptions::default(), &mut Vec::new()).unwrap();
    assert!(old_back == ledger);
    let old_read = t.elapsed();
    println!("before: serde-saphyr {old_emit:?}, full YAML parse and compare {old_read:?}");
    println!(
        "{} findings, {} bytes: parse {parse:?}, merge {merge:?}, emit {emit:?}, check (compare while reading) {check:?}, write {write:?}; a second ledger instead: read back {read:?}, compare {cmp:?}",
        ledger.findings.len(),
        src.text.len()
    );
}
