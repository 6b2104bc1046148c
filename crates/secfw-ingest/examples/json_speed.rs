//! Baselines for the SARIF bench: how fast serde_json alone skips the same file.
#![allow(clippy::disallowed_macros, missing_docs)]
use std::io::BufReader;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let t = Instant::now();
    let f = std::fs::File::open(&path).unwrap();
    let _: serde::de::IgnoredAny = serde_json::from_reader(BufReader::with_capacity(256 * 1024, f)).unwrap();
    println!("from_reader IgnoredAny: {:?}", t.elapsed());
    let t = Instant::now();
    let bytes = std::fs::read(&path).unwrap();
    let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes).unwrap();
    println!("read + from_slice IgnoredAny: {:?}", t.elapsed());
    let t = Instant::now();
    let r = secfw_ingest::parse_path(
        path.as_ref(),
        "x",
        secfw_ingest::Format::Auto,
        &secfw_ingest::ParseOptions::default(),
    )
    .unwrap();
    println!("secfw parse_path (streamed from the file): {:?} ({} findings)", t.elapsed(), r.finding_count());
    drop(r);
    let t = Instant::now();
    let r = secfw_ingest::parse_slice(&bytes, "x", secfw_ingest::Format::Auto, &secfw_ingest::ParseOptions::default())
        .unwrap();
    println!("secfw parse_slice (in memory): {:?} ({} findings)", t.elapsed(), r.finding_count());
}
