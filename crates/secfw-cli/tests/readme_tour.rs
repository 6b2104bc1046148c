//! The README's quick tour runs top to bottom, exactly as written: the shell block between
//! `<!-- tour:begin -->` and `<!-- tour:end -->` is run by bash with `set -euo pipefail`, with the
//! `secfw` this test suite built on PATH (so its first line, `cargo install`, is skipped).

use std::path::Path;
use std::process::Command;

/// The tour's shell lines, as written in README.md.
fn tour() -> String {
    let readme = std::fs::read_to_string(secfw_testkit::repo_root().join("README.md")).expect("README.md");
    let (_, from_begin) = readme.split_once("<!-- tour:begin -->").expect("tour:begin marker in README.md");
    let (block, _) = from_begin.split_once("<!-- tour:end -->").expect("tour:end marker in README.md");
    let (_, body) = block.split_once("```sh\n").expect("a ```sh block in the tour");
    let (body, _) = body.split_once("```").expect("the tour's block is closed");
    body.to_owned()
}

#[test]
fn the_readme_tour_runs_top_to_bottom() {
    let script = tour();
    let first = script.lines().next().unwrap_or_default();
    assert!(first.starts_with("cargo install --locked --path crates/secfw-cli"), "the tour starts by installing secfw");
    let rest = script.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert!(rest.lines().filter(|l| l.starts_with("secfw ")).count() >= 10, "the tour is a tour");

    let tmp = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_secfw")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euxo pipefail\n{rest}"))
        .current_dir(tmp.path())
        .env("PATH", path)
        .env("TMPDIR", tmp.path())
        .env("HOME", tmp.path())
        .env("NO_COLOR", "1")
        .env_remove("SECFW_TRUST")
        .output()
        .expect("run bash");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the README tour failed:\n{log}");
    // It really went through the whole loop.
    assert!(log.contains("IMPROVE"), "{log}");
    assert!(log.contains("intact"), "{log}");
}
