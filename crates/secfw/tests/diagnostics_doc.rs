//! Every diagnostic code of every crate is documented in docs/diagnostics.md, and no code is
//! defined twice.

use std::collections::BTreeMap;

#[test]
fn every_code_is_documented_once() {
    let catalogs = [
        ("secfw-artifacts", secfw::artifacts::codes::CATALOG),
        ("secfw-governance", secfw::governance::codes::CATALOG),
        ("secfw-gates", secfw::gates::codes::CATALOG),
        ("secfw-lifecycle", secfw::lifecycle::codes::CATALOG),
        ("secfw-seal", secfw::seal::codes::CATALOG),
        ("secfw-ingest", secfw::ingest::codes::CATALOG),
        ("secfw-export", secfw::export::codes::CATALOG),
        ("secfw-metrics", secfw::metrics::codes::CATALOG),
        ("secfw-tickets", secfw::tickets::codes::CATALOG),
        ("secfw-notify", secfw::notify::codes::CATALOG),
        ("secfw-suppress", secfw::suppress::codes::CATALOG),
        ("secfw-enrich", secfw::enrich::codes::CATALOG),
    ];
    let doc =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics.md"))
            .unwrap();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut missing = Vec::new();
    for (krate, catalog) in catalogs {
        assert!(!catalog.is_empty(), "{krate} defines codes");
        for (code, title) in catalog {
            if let Some(other) = seen.insert(code.as_str(), krate) {
                panic!("{code} is defined by both {other} and {krate}");
            }
            assert!(!title.is_empty(), "{code} has a title");
            if !doc.contains(&format!("`{code}`")) {
                missing.push(format!("{code} ({krate}): {title}"));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented codes in docs/diagnostics.md:\n{}", missing.join("\n"));
    assert!(seen.len() > 150, "all catalogs were read ({} codes)", seen.len());
}
