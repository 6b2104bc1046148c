//! Ingest throughput on a large generated SARIF log (default 100 MB; `SECFW_BENCH_SARIF_MB`
//! to change), streamed from disk. Also writes the file to `target/bench-ingest.sarif` so
//! `sarif summary` (sarif-tools) can be timed on the same input for docs/PERFORMANCE.md.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secfw_ingest::{Format, ParseOptions, parse_path};

/// A SARIF log of about `mb` megabytes: 200 rules, results spread over 5000 files.
fn generate(mb: usize) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-ingest.sarif");
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= (mb as u64) << 20) {
        return path;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create bench file"));
    let mut rules = String::new();
    for r in 0..200 {
        if r > 0 {
            rules.push(',');
        }
        let _ = write!(
            rules,
            r#"{{"id":"BENCH{r:03}","shortDescription":{{"text":"Benchmark rule {r}"}},"help":{{"text":"Fix it"}},"properties":{{"security-severity":"{}.5","tags":["security","external/cwe/cwe-{}"]}}}}"#,
            r % 10,
            79 + r
        );
    }
    write!(f, r#"{{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{{"tool":{{"driver":{{"name":"BenchTool","version":"1.0","rules":[{rules}]}}}},"invocations":[{{"executionSuccessful":true}}],"results":["#).unwrap();
    let mut written = 0usize;
    let mut i = 0u64;
    while written < mb << 20 {
        let line = format!(
            r#"{}{{"ruleId":"BENCH{:03}","level":"warning","message":{{"text":"Potential issue number {i} found by the benchmark tool in this file; review the data flow from source to sink."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/module{}/file{}.rs"}},"region":{{"startLine":{},"startColumn":5,"snippet":{{"text":"let value_{i} = input.parse().unwrap();"}}}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{:016x}:1"}}}}"#,
            if i == 0 { "" } else { "," },
            i % 200,
            i % 50,
            i % 5000,
            i % 900 + 1,
            i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
        f.write_all(line.as_bytes()).unwrap();
        written += line.len();
        i += 1;
    }
    f.write_all(b"]}]}").unwrap();
    f.flush().unwrap();
    path
}

fn bench(c: &mut Criterion) {
    let mb: usize = std::env::var("SECFW_BENCH_SARIF_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let path = generate(mb);
    let bytes = std::fs::metadata(&path).unwrap().len();
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("sarif_{mb}mb_streamed"), |b| {
        b.iter(|| {
            let r = parse_path(&path, "bench.sarif", Format::Auto, &ParseOptions::default()).unwrap();
            assert!(r.finding_count() > 0);
            r.finding_count()
        });
    });
    let bytes_in_memory = std::fs::read(&path).unwrap();
    g.bench_function(format!("sarif_{mb}mb_in_memory"), |b| {
        b.iter(|| {
            let r = secfw_ingest::parse_slice(&bytes_in_memory, "bench.sarif", Format::Sarif, &ParseOptions::default())
                .unwrap();
            r.finding_count()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
