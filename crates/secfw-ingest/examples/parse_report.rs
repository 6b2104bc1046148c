//! Parse one report and print its counts (used to measure peak memory and compare with
//! `sarif summary`: `/usr/bin/time -v target/release/examples/parse_report FILE`).
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
        &secfw_ingest::ParseOptions::default(),
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
