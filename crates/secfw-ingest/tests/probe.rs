#[test]
fn probe() {
    let mut out = String::new();
    for dir in ["sarif", "trivy", "grype", "cargo-audit", "osv-scanner", "npm-audit"] {
        let d = secfw_testkit::corpora(dir);
        let mut names: Vec<_> = std::fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        for n in names.iter().filter(|n| n.as_str() != "SOURCES.md") {
            let r = secfw_ingest::parse_path(&d.join(n), n, secfw_ingest::Format::Auto, &Default::default());
            match r {
                Ok(r) => {
                    let failed = r.scans.iter().filter(|s| !s.success).count();
                    let codes: std::collections::BTreeMap<&str, usize> = r.diagnostics.iter().fold(Default::default(), |mut m, d| { *m.entry(d.code.as_str()).or_default() += 1; m });
                    out.push_str(&format!("(\"{dir}/{n}\", Ok(({:?}, {}, {}, {failed})), {:?} {:?}\n", r.format, r.scans.len(), r.finding_count(), codes, r.scans.iter().map(|s| s.tool.clone()).collect::<Vec<_>>()));
                }
                Err(e) => out.push_str(&format!("(\"{dir}/{n}\", Err({:?})), // {e}\n", e.diagnostics()[0].code.as_str())),
            }
        }
    }
    std::fs::write("/tmp/probe.txt", out).unwrap();
}
