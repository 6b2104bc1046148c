//! Checksums of a workspace's evidence: secfw's parallel, streamed, safe hashing
//! (`files::hash_all`) on generated, deterministic evidence of the S (10 MB) and M (200 MB)
//! workload sizes. The side-by-side comparison with `find | xargs sha256sum` is in
//! docs/PERFORMANCE.md.
#![allow(missing_docs)]

use std::fs;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Write `total` bytes of deterministic pseudo-random evidence as `files` files under
/// `dir/evidence/scan-NNNN/`.
fn generate(dir: &Path, files: usize, total: usize) -> Vec<String> {
    let per = total / files;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut buf = vec![0u8; per];
    let mut out = Vec::with_capacity(files);
    for i in 0..files {
        for chunk in buf.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let b = state.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        let rel = format!("evidence/scan-{:04}/report-{i:05}.json", i / 100);
        let p = dir.join(&rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, &buf).unwrap();
        out.push(rel);
    }
    out
}

fn bench(c: &mut Criterion) {
    // `cargo bench -- --test` (CI) runs once on S only; a real run covers S and M.
    let smoke = std::env::args().any(|a| a == "--test");
    let sizes: &[(&str, usize, usize)] =
        if smoke { &[("S", 100, 10_000_000)] } else { &[("S", 100, 10_000_000), ("M", 2_000, 200_000_000)] };
    for &(name, files, bytes) in sizes {
        let d = tempfile::tempdir().unwrap();
        let paths = generate(d.path(), files, bytes);
        let mut g = c.benchmark_group(format!("checksums-{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function("hash_all", |b| {
            b.iter(|| {
                let r = secfw_seal::hash_all(black_box(d.path()), black_box(&paths));
                assert!(r.iter().all(Result::is_ok));
                r
            });
        });
        // The floor any safe streamed implementation is measured against: the same files,
        // plain `File::open` + 128 KiB reads + sha2, on as many threads as rayon uses, with no
        // path checks, no identity checks and no results kept.
        let abs: Vec<std::path::PathBuf> = paths.iter().map(|p| d.path().join(p)).collect();
        g.bench_function("floor(read+sha256)", |b| b.iter(|| floor(black_box(&abs))));
        g.bench_function("sealed_set+hash_all", |b| {
            b.iter(|| {
                let (set, _) = secfw_seal::sealed_set(d.path());
                secfw_seal::hash_all(d.path(), &set)
            });
        });
        g.finish();
    }
}

fn floor(files: &[std::path::PathBuf]) -> u64 {
    use rayon::prelude::*;
    use sha2::Digest as _;
    use std::io::Read as _;
    files
        .par_iter()
        .map_init(
            || vec![0u8; 128 * 1024],
            |buf, p| {
                let mut f = fs::File::open(p).unwrap();
                let mut h = sha2::Sha256::new();
                let mut n = 0u64;
                loop {
                    let k = f.read(buf).unwrap();
                    if k == 0 {
                        break;
                    }
                    h.update(&buf[..k]);
                    n += k as u64;
                }
                black_box(h.finalize());
                n
            },
        )
        .sum()
}

criterion_group!(benches, bench);
criterion_main!(benches);
