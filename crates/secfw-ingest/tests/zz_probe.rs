//! scratch probe (not committed)
#![allow(missing_docs, clippy::all)]
use secfw_ingest::{parse_slice, Format, ParseOptions};

fn both(name: &str, bytes: &[u8]) {
    let m = parse_slice(bytes, name, Format::Auto, &ParseOptions::default());
    let s = parse_slice(bytes, name, Format::Auto, &ParseOptions::default().in_memory_max(0));
    let fmt = |r: &Result<secfw_ingest::ScannerReport, secfw_ingest::Error>| match r {
        Ok(r) => format!("OK scans={} findings={} items={:?}", r.scans.len(), r.finding_count(),
            r.scans.iter().map(|s| (s.tool.clone(), s.items.iter().map(|i| (i.title.clone(), i.severity.clone())).collect::<Vec<_>>(), s.incomplete.clone())).collect::<Vec<_>>()),
        Err(e) => format!("ERR {:?}", e.diagnostics().iter().map(|d| format!("{} {}:{:?}:{:?} {}", d.code.as_str(), d.file, d.line, d.column, d.message)).collect::<Vec<_>>()),
    };
    let (a, b) = (fmt(&m), fmt(&s));
    println!("== {name}\n mem:    {}\n stream: {}\n AGREE={}", &a[..a.len().min(600)], &b[..b.len().min(600)], a == b);
}

#[test]
fn probe() {
    let dir = std::path::Path::new("/tmp/a1/p");
    let mut v: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    for p in v {
        let b = std::fs::read(&p).unwrap();
        both(p.file_name().unwrap().to_str().unwrap(), &b);
    }
}
