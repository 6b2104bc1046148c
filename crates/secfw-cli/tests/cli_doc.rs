//! docs/cli.md documents every command with its current `--help` text (regenerate with
//! `SECFW_BLESS=1 cargo test -p secfw-cli --test cli_doc`).

use std::fmt::Write as _;
use std::process::Command;

fn help(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_secfw")).args(args).arg("--help").env("NO_COLOR", "1").output().unwrap();
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap().trim_end().to_owned()
}

fn commands() -> Vec<String> {
    let top = help(&[]);
    let mut inside = false;
    let mut out = Vec::new();
    for line in top.lines() {
        if line.starts_with("Commands:") {
            inside = true;
            continue;
        }
        if inside {
            if line.trim().is_empty() {
                break;
            }
            if line.starts_with("  ") && !line.starts_with("   ") {
                let name = line.split_whitespace().next().unwrap();
                if name != "help" {
                    out.push(name.to_owned());
                }
            }
        }
    }
    out
}

#[test]
fn every_command_is_documented_with_its_current_help() {
    let path = secfw_testkit::repo_root().join("docs/cli.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (head, _) = doc.split_once("## Commands").expect("a Commands section");
    let mut expected = format!("{head}## Commands\n\n");
    let cmds = commands();
    assert!(cmds.len() >= 20, "{cmds:?}");
    for c in &cmds {
        let _ = write!(expected, "### `secfw {c}`\n\n```text\n{}\n```\n\n", help(&[c]));
    }
    let expected = expected.trim_end().to_owned();
    if std::env::var_os("SECFW_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        doc.trim_end() == expected,
        "docs/cli.md is out of date: run SECFW_BLESS=1 cargo test -p secfw-cli --test cli_doc"
    );
}
