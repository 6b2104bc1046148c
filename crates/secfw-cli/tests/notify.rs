//! `secfw notify plan|apply` end to end against a local HTTP server.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{s, text};
use secfw_testkit::http::{Server, Step};
use serde_json::Value;

/// Late enough for an escalation, expiring and expired exceptions and SLA breaches.
const NOW: &str = "2027-03-01T09:00:00Z";

fn secfw_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secfw"));
    c.args(["--color", "never"]).args(args).env("NO_COLOR", "1").env_remove("SECFW_HOOK_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run secfw")
}

/// The example workspace with one JSON webhook (`SECFW_HOOK_URL`) for every audience.
fn example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let o = secfw_env(&["init", s(&dir)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rb = std::fs::read_to_string(dir.join("rulebook.yaml")).unwrap();
    let rb = rb.replace("      - notify:\n", "      - notify:\n          - webhook:sec\n");
    let rb = format!(
        "{rb}\nnotifications:\n  digest_link: reports/digest.html\n  webhooks:\n    sec: {{ format: json, url_env: SECFW_HOOK_URL }}\n  exception_expiry: [webhook:sec]\n  sla_breach: [webhook:sec]\n"
    );
    std::fs::write(dir.join("rulebook.yaml"), rb).unwrap();
    (tmp, dir)
}

fn planned(dir: &Path) -> Vec<Value> {
    let o = secfw_env(&["notify", "plan", s(dir), "--now", NOW, "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "secfw.notify.plan/v1");
    v["messages"].as_array().unwrap().clone()
}

#[test]
fn plan_is_deterministic_and_two_concurrent_applies_send_each_message_once() {
    let (_t, dir) = example();
    let a = planned(&dir);
    assert_eq!(a, planned(&dir));
    let reasons: BTreeSet<&str> = a.iter().map(|m| m["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    let n = a.len();
    let server = Server::start(vec![Step::Respond(200, "ok"); n]);
    let url = server.url.clone();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let dir = dir.clone();
            let url = url.clone();
            std::thread::spawn(move || {
                secfw_env(
                    &["notify", "apply", s(&dir), "--now", NOW, "--format", "json", "--backoff-ms", "10"],
                    &[("SECFW_HOOK_URL", &url)],
                )
            })
        })
        .collect();
    let outs: Vec<Output> = runs.into_iter().map(|h| h.join().unwrap()).collect();
    for o in &outs {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
    }
    let got = server.finish();
    let keys: BTreeSet<&str> = got.iter().map(|g| g.header("idempotency-key").unwrap()).collect();
    assert_eq!((got.len(), keys.len()), (n, n));
    let sent: usize = outs
        .iter()
        .map(|o| serde_json::from_slice::<Value>(&o.stdout).unwrap()["sent"].as_array().unwrap().len())
        .sum();
    assert_eq!(sent, n);
    // Nothing left to send.
    assert!(planned(&dir).is_empty());
    let o = secfw_env(&["notify", "apply", s(&dir), "--now", NOW], &[("SECFW_HOOK_URL", &url)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("sent 0,"), "{}", text(&o));
}

#[test]
fn apply_without_the_secret_sends_nothing_and_names_the_variable() {
    let (_t, dir) = example();
    let o = secfw_env(&["notify", "apply", s(&dir), "--now", NOW], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("NT0203") && text(&o).contains("SECFW_HOOK_URL"), "{}", text(&o));
    assert!(!dir.join(".secfw/notifications.json").exists());
}

#[test]
fn a_secret_in_the_rulebook_is_refused_with_its_location() {
    let (_t, dir) = example();
    let rb = std::fs::read_to_string(dir.join("rulebook.yaml")).unwrap();
    let line = rb.lines().position(|l| l.contains("url_env: SECFW_HOOK_URL")).unwrap() + 1;
    std::fs::write(
        dir.join("rulebook.yaml"),
        rb.replace("url_env: SECFW_HOOK_URL", "url_env: \"https://hooks.slack.com/services/T/B/SECRETPART\""),
    )
    .unwrap();
    let o = secfw_env(&["notify", "plan", s(&dir), "--now", NOW], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("NT0004") && t.contains(&format!("rulebook.yaml:{line}")), "{t}");
    assert!(!t.contains("SECRETPART") || t.contains(" | "), "the secret is only shown as the source line: {t}");
}

#[test]
fn a_failing_webhook_exits_1_and_the_next_run_resumes() {
    let (_t, dir) = example();
    let n = planned(&dir).len();
    let server = Server::start(vec![Step::Respond(404, "gone")]);
    let o = secfw_env(
        &["notify", "apply", s(&dir), "--now", NOW, "--max-attempts", "2", "--backoff-ms", "10"],
        &[("SECFW_HOOK_URL", &server.url)],
    );
    // The channel refuses the first message; the rest still go to the same URL, which no longer
    // answers (the server stopped): they fail as unavailable.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("NT0201") && text(&o).contains("NT0202"), "{}", text(&o));
    server.finish();
    assert_eq!(planned(&dir).len(), n);
    let server = Server::start(vec![Step::Respond(200, "ok"); n]);
    let o =
        secfw_env(&["notify", "apply", s(&dir), "--now", NOW, "--format", "json"], &[("SECFW_HOOK_URL", &server.url)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(server.finish().len(), n);
}
