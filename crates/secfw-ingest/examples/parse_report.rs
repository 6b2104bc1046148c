//! Parse one report and print its counts (used to measure peak memory and compare with
//! `sarif summary`: `/usr/bin/time -v target/release/examples/parse_report FILE`).
//! `SECFW_IN_MEMORY_MAX=BYTES` sets the streaming threshold (0: always stream SARIF).
#![allow(clippy::disallowed_macros, missing_docs)]

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_report FILE");
        std::process::exit(2);
    };
    match secfw_ingest::parse_path(
        path.as_ref(),
        &path,
        secfw_ingest::Format::Auto,
        &std::env::var("SECFW_IN_MEMORY_MAX")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or_else(secfw_ingest::ParseOptions::default, |n| {
                secfw_ingest::ParseOptions::default().in_memory_max(n)
            }),
    ) {
        Ok(r) => println!(
            "{}: {} scan(s), {} finding(s), {} diagnostic(s), {} bytes",
            r.format,
            r.scans.len(),
            r.finding_count(),
            r.diagnostics.len(),
            r.bytes
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
