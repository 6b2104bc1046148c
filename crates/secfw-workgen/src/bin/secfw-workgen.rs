//! `secfw-workgen <S|M|L|custom:...> <DIR> [--seed N] [--json] [--as-of RFC3339]`: write a generated
//! security workspace (see the crate documentation).
#![forbid(unsafe_code)]
#![allow(clippy::disallowed_macros)] // a command-line tool prints

use std::path::PathBuf;
use std::process::ExitCode;

use secfw_workgen::{LedgerSyntax, Options, Size, generate_with};

const USAGE: &str = "usage: secfw-workgen <S|M|L|custom:...> <DIR> [--seed N] [--json] [--as-of RFC3339]";

fn parse(args: &[String]) -> Result<(PathBuf, Options), String> {
    let mut positional = Vec::new();
    let mut seed = 0u64;
    let mut json = false;
    let mut as_of = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seed" => {
                let v = it.next().ok_or("--seed needs a value")?;
                seed = v.parse().map_err(|_| format!("--seed `{v}` is not a whole number"))?;
            }
            "--as-of" => {
                let v = it.next().ok_or("--as-of needs a value")?;
                let t = chrono::DateTime::parse_from_rfc3339(v).map_err(|e| format!("--as-of `{v}`: {e}"))?;
                as_of = Some(t.with_timezone(&chrono::Utc));
            }
            "--json" => json = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`")),
            _ => positional.push(a.clone()),
        }
    }
    let [size, dir] = positional.as_slice() else {
        return Err("expected a size and a directory".into());
    };
    let size: Size = size.parse().map_err(|e| format!("{e}"))?;
    let mut opts = Options::new(size, seed);
    if json {
        opts = opts.ledger(LedgerSyntax::Json);
    }
    if let Some(t) = as_of {
        opts = opts.as_of(t);
    }
    Ok((PathBuf::from(dir), opts))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, opts) = match parse(&args) {
        Ok(x) => x,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match generate_with(&dir, &opts) {
        Ok(stats) => {
            let c = stats.counts;
            println!(
                "wrote {} ({}, seed {}): {} findings, {} scans, {} policies / {} controls, {} exceptions, {} resources, {} files, {} bytes",
                dir.display(),
                opts.size,
                opts.seed,
                c.findings,
                stats.scans,
                c.policies,
                c.controls,
                c.exceptions,
                c.resources,
                stats.files.len(),
                stats.total_bytes()
            );
            for f in stats.files.iter().filter(|f| !f.path.starts_with("evidence/")) {
                println!("  {:>12}  {}", f.bytes, f.path);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
