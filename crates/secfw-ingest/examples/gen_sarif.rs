//! Write a SARIF log for scaling measurements (docs/PERFORMANCE.md §ingest):
//! `gen_sarif N distinct|duplicate OUT`.
//!
//! - `distinct`: N results, each with its own rule id (`R<i>`) and its own file
//!   (`src/d<i/1000>/f<i>.rs`): N different findings.
//! - `duplicate`: N copies of one result: one finding.
#![allow(missing_docs, clippy::disallowed_macros)]

use std::io::Write as _;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(shape), Some(out)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: gen_sarif N distinct|duplicate OUT");
        std::process::exit(2);
    };
    let n: u64 = n.parse().map_err(|_| std::io::Error::other("N must be a number"))?;
    let distinct = match shape.as_str() {
        "distinct" => true,
        "duplicate" => false,
        _ => return Err(std::io::Error::other("shape must be distinct or duplicate")),
    };
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    write!(
        f,
        r#"{{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{{"tool":{{"driver":{{"name":"ScaleTool","version":"1.0","rules":[{{"id":"R0","shortDescription":{{"text":"Scale rule"}},"properties":{{"security-severity":"5.5","tags":["security","external/cwe/cwe-79"]}}}}]}}}},"invocations":[{{"executionSuccessful":true}}],"results":["#
    )?;
    for i in 0..n {
        let k = if distinct { i } else { 0 };
        write!(
            f,
            r#"{}{{"ruleId":"R{k}","level":"warning","message":{{"text":"Potential issue {k}: review the data flow from source to sink."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/d{}/f{k}.rs"}},"region":{{"startLine":{},"startColumn":5}}}}}}]}}"#,
            if i == 0 { "" } else { "," },
            k / 1000,
            i % 900 + 1
        )?;
    }
    f.write_all(b"]}]}\n")?;
    f.flush()
}
