//! Ingest throughput on a large generated SARIF log (default 100 MB; `SECFW_BENCH_SARIF_MB`
//! to change), streamed from disk. Also writes the file to `target/bench-ingest.sarif` so
//! `sarif summary` (sarif-tools) can be timed on the same input for docs/PERFORMANCE.md.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secfw_artifacts::model::rulebook::SlaDays;
use secfw_ingest::{Format, ParseOptions, parse_path};

/// A SARIF log of about `mb` megabytes: 200 rules, results spread over 5000 files.
fn generate(mb: usize) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-ingest.sarif");
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= (mb as u64) << 20) {
        return path;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create the target directory"); // absent with CARGO_TARGET_DIR elsewhere
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

/// A SARIF log of `n` results: `distinct` gives each its own rule id and file (n findings),
/// otherwise all are copies of one result (one finding). The same shapes as
/// `examples/gen_sarif.rs`, used for the scaling table in docs/PERFORMANCE.md.
fn scaling_log(n: usize, distinct: bool) -> Vec<u8> {
    let mut s = String::from(
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"ScaleTool","rules":[{"id":"R0"}]}},"results":["#,
    );
    for i in 0..n {
        let k = if distinct { i } else { 0 };
        let _ = write!(
            s,
            r#"{}{{"ruleId":"R{k}","level":"warning","message":{{"text":"Potential issue {k}: review the data flow from source to sink."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/d{}/f{k}.rs"}},"region":{{"startLine":{},"startColumn":5}}}}}}]}}"#,
            if i == 0 { "" } else { "," },
            k / 1000,
            i % 900 + 1
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

/// Ingest end to end in memory: parse, fingerprint, merge into an empty ledger, render as YAML
/// and read it back (everything `secfw ingest` does except the file write). 10k and 100k
/// results, distinct and duplicate; `SECFW_BENCH_1M=1` adds 1M (minutes per sample).
fn scaling(c: &mut Criterion) {
    let now: chrono::DateTime<chrono::Utc> = "2025-03-01T00:00:00Z".parse().unwrap();
    let mut sizes = vec![10_000, 100_000];
    if std::env::var_os("SECFW_BENCH_1M").is_some() {
        sizes.push(1_000_000);
    }
    let mut g = c.benchmark_group("ingest_scaling");
    g.sample_size(10);
    for n in sizes {
        for distinct in [true, false] {
            let log = scaling_log(n, distinct);
            g.throughput(Throughput::Elements(n as u64));
            let shape = if distinct { "distinct" } else { "duplicate" };
            g.bench_function(format!("{shape}_{n}"), |b| {
                b.iter(|| {
                    let report =
                        secfw_ingest::parse_slice(&log, "scale.sarif", Format::Sarif, &ParseOptions::default())
                            .unwrap();
                    let mut ledger = secfw_ingest::new_ledger(now);
                    let summary = secfw_ingest::merge(&mut ledger, &[report], None, &SlaDays::default(), now);
                    let text = secfw_ingest::render(&ledger).unwrap();
                    (summary.opened.len(), text.len())
                });
            });
        }
    }
    g.finish();
}

/// Writing a 20k-finding ledger as `secfw ingest` does (render and check the text) in the ledger
/// layout, against what it did before: serde-saphyr, then the full YAML parser on the text.
fn ledger_write(c: &mut Criterion) {
    use secfw_artifacts::{LoadOptions, SourceFile};
    use secfw_artifacts::{file_names as files, parse_findings};
    let now: chrono::DateTime<chrono::Utc> = "2025-03-01T00:00:00Z".parse().unwrap();
    let n = 20_000;
    let report =
        secfw_ingest::parse_slice(&scaling_log(n, true), "scale.sarif", Format::Sarif, &ParseOptions::default())
            .unwrap();
    let mut ledger = secfw_ingest::new_ledger(now);
    secfw_ingest::merge(&mut ledger, &[report], None, &SlaDays::default(), now);
    let mut g = c.benchmark_group("ledger_write");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("layout_{n}"), |b| b.iter(|| secfw_ingest::render(&ledger).unwrap().len()));
    g.bench_function(format!("serde_saphyr_and_full_parse_{n}"), |b| {
        b.iter(|| {
            let text = secfw_artifacts::yaml::to_string(&ledger).unwrap();
            let src = SourceFile::new(files::FINDINGS, text);
            let back = parse_findings(&src, &LoadOptions::default(), &mut Vec::new()).unwrap();
            assert!(back == ledger);
            src.text.len()
        });
    });
    g.finish();
}

/// The shape of the project's ratio script (`sarif summary` against `secfw ingest`): 50 rules,
/// every result its own file, a 300-character message. 20k results (in memory, as the script's
/// 20k file); `SECFW_BENCH_80K=1` adds 80k. Parse, merge into an empty ledger, render in the
/// ledger layout and read it back (everything but the file write).
fn ratio_shape(n: usize) -> Vec<u8> {
    let mut s = String::from(r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bigtool"}},"results":["#);
    let pad = "x".repeat(300);
    for i in 0..n {
        let _ = write!(
            s,
            r#"{}{{"ruleId":"R{}","level":"warning","message":{{"text":"msg {i} {pad}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/f{i}.c"}},"region":{{"startLine":{}}}}}}}]}}"#,
            if i == 0 { "" } else { "," },
            i % 50,
            i % 1000 + 1
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

fn ratio(c: &mut Criterion) {
    let now: chrono::DateTime<chrono::Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
    let mut sizes = vec![20_000];
    if std::env::var_os("SECFW_BENCH_80K").is_some() {
        sizes.push(80_000);
    }
    let mut g = c.benchmark_group("ingest_ratio_shape");
    g.sample_size(10);
    for n in sizes {
        let log = ratio_shape(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("distinct_{n}"), |b| {
            b.iter(|| {
                let report =
                    secfw_ingest::parse_slice(&log, "r.sarif", Format::Sarif, &ParseOptions::default()).unwrap();
                let mut ledger = secfw_ingest::new_ledger(now);
                let summary = secfw_ingest::merge(&mut ledger, &[report], None, &SlaDays::default(), now);
                let text = secfw_ingest::render(&ledger).unwrap();
                (summary.opened.len(), text.len())
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench, scaling, ledger_write, ratio);
criterion_main!(benches);
