//! Parse throughput (MB/s) of the artifacts of a generated workspace: the findings ledger in
//! YAML and in JSON syntax (each with its floor: `serde_json::from_slice`, or serde-saphyr with
//! the loader's budgets, alone into the same types), the Markdown artifacts, and a whole `load`.
//!
//! `cargo bench -p secfw-artifacts --bench parse` measures the S workspace; with
//! `SECFW_BENCH_M=1` it measures M as well. `cargo test -p secfw-artifacts --benches` runs every
//! benchmark once (smoke mode).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use secfw_artifacts::Level;
use secfw_artifacts::SourceFile;
use secfw_artifacts::file_names;
use secfw_artifacts::{LoadOptions, load};
use secfw_workgen::{LedgerSyntax, Options, Size, generate, write_ledger};

fn ledger(size: Size, syntax: LedgerSyntax) -> SourceFile {
    let mut buf = Vec::new();
    write_ledger(&mut buf, &Options::new(size, 0).ledger(syntax)).expect("generate ledger");
    SourceFile::new(file_names::FINDINGS, String::from_utf8(buf).expect("UTF-8"))
}

fn bench_size(c: &mut Criterion, size: Size, label: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let stats = generate(dir.path(), size, 0).expect("generate workspace");
    let opts = LoadOptions::default();
    let mut group = c.benchmark_group(format!("parse_{label}"));
    if size == Size::M {
        group.sample_size(10).measurement_time(Duration::from_secs(30));
    } else {
        group.sample_size(20).measurement_time(Duration::from_secs(8));
    }

    // The floor the JSON fast path is measured against: serde_json alone into the same types,
    // with none of the checks (depth budget, unknown fields, semantic checks) a load makes.
    let json = ledger(size, LedgerSyntax::Json);
    bench_bytes(&mut group, "findings_json_floor_serde_json", &json, |src| {
        serde_json::from_slice::<secfw_artifacts::model::findings::FindingsFile>(src.text.as_bytes())
            .expect("generated ledger")
    });
    drop(json);
    // The same floor for YAML syntax: serde-saphyr alone (with the loader's budgets, which it
    // enforces while parsing) into the same types.
    let yaml = ledger(size, LedgerSyntax::Yaml);
    bench_bytes(&mut group, "findings_yaml_floor_serde_saphyr", &yaml, |src| {
        serde_saphyr::from_str_with_options::<secfw_artifacts::model::findings::FindingsFile>(
            &src.text,
            secfw_artifacts::yaml::options_for(src.text.len()),
        )
        .expect("generated ledger")
    });
    drop(yaml);
    for (name, syntax) in [("findings_yaml", LedgerSyntax::Yaml), ("findings_json", LedgerSyntax::Json)] {
        let src = ledger(size, syntax);
        bench_bytes(&mut group, name, &src, |src| {
            let mut diags = Vec::new();
            let parsed = secfw_artifacts::parse_findings(src, &opts, &mut diags);
            assert!(parsed.is_some() && diags.is_empty(), "{diags:?}");
            parsed
        });
    }
    let read =
        |name: &str| SourceFile::new(name, std::fs::read_to_string(dir.path().join(name)).expect("generated artifact"));
    bench_bytes(&mut group, "policy_map", &read(file_names::POLICY_MAP), |src| {
        secfw_artifacts::parse_policy_map(src, Level::Warning)
    });
    bench_bytes(&mut group, "exceptions", &read(file_names::EXCEPTIONS), |src| {
        secfw_artifacts::parse_exceptions(src, Level::Warning)
    });
    bench_bytes(&mut group, "inventory", &read(file_names::INVENTORY), |src| {
        secfw_artifacts::parse_inventory(src, &opts, &mut Vec::new())
    });

    let artifact_bytes: u64 = file_names::ALL.iter().filter_map(|f| stats.bytes_of(f)).sum();
    group.throughput(Throughput::Bytes(artifact_bytes));
    group.bench_function("load_workspace", |b| {
        b.iter(|| {
            let ws = load(black_box(dir.path()), &opts).expect("load");
            assert!(ws.is_valid());
            ws
        });
    });
    group.finish();
}

fn bench_bytes<R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    src: &SourceFile,
    parse: impl Fn(&SourceFile) -> R,
) {
    group.throughput(Throughput::Bytes(src.text.len() as u64));
    group.bench_function(name, |b| b.iter(|| parse(black_box(src))));
}

fn benches(c: &mut Criterion) {
    bench_size(c, Size::S, "S");
    if std::env::var_os("SECFW_BENCH_M").is_some_and(|v| v == "1") {
        bench_size(c, Size::M, "M");
    }
}

criterion_group!(parse, benches);
criterion_main!(parse);
