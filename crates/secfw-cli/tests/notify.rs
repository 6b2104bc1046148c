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
    let o = secfw_env(&["init", s(&dir), "--now", CYCLE_NOW], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let rb = std::fs::read_to_string(dir.join("rulebook.yaml")).unwrap();
    let rb = rb.replace("      - notify:\n", "      - notify:\n          - webhook:sec\n");
    let rb = format!(
        "{rb}\nnotifications:\n  digest_link: reports/digest.html\n  webhooks:\n    sec: {{ format: json, url_env: SECFW_HOOK_URL }}\n  exception_expiry: [webhook:sec]\n  sla_breach: [webhook:sec]\n  escalate_to: [webhook:sec]\n"
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

// --- inside `secfw cycle` -----------------------------------------------------------------

/// Keys and a signed trust policy for `cycle`: `root` signs the policy, `lead` prepares, `ciso`
/// approves.
fn signer(tmp: &Path) -> (Vec<PathBuf>, PathBuf) {
    let keys = tmp.join("keys");
    let trust = tmp.join("trust.json");
    let ok = |o: Output| assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    ok(secfw_env(&["keygen", "--identity", "root", "--out", s(&keys)], &[]));
    ok(secfw_env(
        &[
            "trust",
            "init",
            "--trust",
            s(&trust),
            "--root-key",
            s(&keys.join("root.pub")),
            "--now",
            CYCLE_NOW,
            "--expires",
            "2027-11-24T00:00:00Z",
        ],
        &[],
    ));
    let mut out = Vec::new();
    for (id, role) in [("lead", "prepared_by"), ("ciso", "approved_by")] {
        ok(secfw_env(&["keygen", "--identity", id, "--out", s(&keys)], &[]));
        let public = keys.join(format!("{id}.pub"));
        ok(secfw_env(&["trust", "add-key", "--trust", s(&trust), "--role", role, s(&public)], &[]));
        out.push(keys.join(format!("{id}.key")));
    }
    ok(secfw_env(&["trust", "sign", "--trust", s(&trust), "--key", s(&keys.join("root.key"))], &[]));
    (out, trust)
}

/// The example's reference time: the example completes a cycle then.
const CYCLE_NOW: &str = "2026-11-24T09:00:00Z";

fn cycle(dir: &Path, keys: &[PathBuf], trust: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["cycle", s(dir), "--actor", "ci", "--trust", s(trust), "--now", CYCLE_NOW, "--no-git"];
    for k in keys {
        args.extend(["--key", s(k)]);
    }
    args.extend_from_slice(extra);
    secfw_env(&args, env)
}

/// Make an open high finding critical: Critical=0 refuses READY_FOR_HANDOFF → PACKAGED.
fn make_critical(dir: &Path) {
    let p = dir.join("sec_findings.yaml");
    let t = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, t.replacen("    severity: high\n", "    severity: critical\n", 1)).unwrap();
}

#[test]
fn cycle_notifies_the_escalation_it_raised_after_the_gate_decision() {
    let (tmp, dir) = example();
    make_critical(&dir);
    let (keys, trust) = signer(tmp.path());
    let server = Server::start(vec![Step::Respond(200, "ok"); 32]);
    let o = cycle(&dir, &keys, &trust, &["--format", "json", "--no-tickets"], &[("SECFW_HOOK_URL", &server.url)]);
    // The gate decision is the same as without notifications: refused, exit 1.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps = v["steps"].as_array().unwrap();
    let last = steps.last().unwrap();
    assert_eq!((last["name"].as_str(), last["status"].as_str()), (Some("notify"), Some("done")), "{last}");
    let got = server.received();
    let esc: Vec<Value> =
        got.iter().map(secfw_testkit::http::Received::json).filter(|j| j["reason"] == "escalation").collect();
    assert_eq!(esc.len(), 1, "the Critical=0 escalation, once: {got:?}");
    assert!(esc[0]["title"].as_str().unwrap().contains("critical_findings_count == 0 violated"), "{}", esc[0]);
    // The notify step came after the refused transition.
    let refused = steps.iter().position(|s| s["status"] == "failed").unwrap();
    assert!(refused < steps.len() - 1);
    // A second cycle sends nothing new.
    let before = server.received().len();
    let o = cycle(&dir, &keys, &trust, &["--no-tickets"], &[("SECFW_HOOK_URL", &server.url)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(server.received().len(), before);
}

#[test]
fn an_unreachable_webhook_never_changes_the_cycle_outcome() {
    let (tmp, dir) = example();
    make_critical(&dir);
    let (keys, trust) = signer(tmp.path());
    // Nothing listens on port 1, and no test server can take it (they bind ephemeral ports;
    // a port bound and released here could be handed to one of them by the next bind): every
    // attempt is refused.
    let url = "http://127.0.0.1:1/hook".to_owned();
    let o = cycle(&dir, &keys, &trust, &["--no-tickets"], &[("SECFW_HOOK_URL", &url)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("cycle: PLANNED → READY_FOR_HANDOFF"), "{t}");
    assert!(
        t.contains("! notify") || t.contains("!  notify") || t.contains("notify") && t.contains("not delivered"),
        "{t}"
    );
    // No secret, no channel: the same, and the rulebook section can be switched off per run.
    let o = cycle(&dir, &keys, &trust, &["--no-tickets"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("NT0203"), "{}", text(&o));
    let o = cycle(&dir, &keys, &trust, &["--no-tickets", "--no-notify", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let last = v["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["name"].as_str(), last["status"].as_str()), (Some("notify"), Some("skipped")));
}

#[test]
fn cycle_applies_the_ticket_plan_after_ingest_when_an_endpoint_is_given() {
    let (tmp, dir) = example();
    let (keys, trust) = signer(tmp.path());
    let itsm = Server::start(vec![Step::Respond(201, "ok"); 200]);
    let o = cycle(&dir, &keys, &trust, &["--no-notify", "--format", "json", "--tickets-endpoint", &itsm.url], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps = v["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    let ingest = names.iter().position(|n| *n == "ingest").unwrap();
    assert_eq!(names[ingest + 1], "tickets", "{names:?}");
    assert_eq!(steps[ingest + 1]["status"], "done", "{}", steps[ingest + 1]);
    let ledger: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".secfw/tickets.json")).unwrap()).unwrap();
    let applied = ledger["applied"].as_object().unwrap().len();
    assert!(applied > 0);
    assert_eq!(itsm.received().len(), applied);
    // Without an endpoint the plan is only shown; --no-tickets skips it.
    let (tmp2, dir2) = example();
    let (keys2, trust2) = signer(tmp2.path());
    let o = cycle(&dir2, &keys2, &trust2, &["--no-notify", "--no-tickets", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["steps"].as_array().unwrap().iter().any(|s| s["name"] == "tickets" && s["status"] == "skipped"));
    assert!(!dir2.join(".secfw/tickets.json").exists());
}

#[test]
fn an_unacknowledged_escalation_goes_to_the_next_level_once_and_an_ack_is_in_the_event_log() {
    let (tmp, dir) = example();
    make_critical(&dir);
    let (keys, trust) = signer(tmp.path());
    let server = Server::start(vec![Step::Respond(200, "ok"); 32]);
    let hook = [("SECFW_HOOK_URL", server.url.as_str())];
    let o = cycle(&dir, &keys, &trust, &["--no-tickets"], &hook);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let first = server.received().len();
    let esc = server
        .received()
        .iter()
        .map(secfw_testkit::http::Received::json)
        .find(|j| j["reason"] == "escalation")
        .unwrap();
    let id = esc["subject"].as_str().unwrap().to_owned();
    // 1 hour later (escalation_sla is 2 hours): nothing new.
    let at = |h: &str| format!("2026-11-24T{h}:00:00Z");
    let o = secfw_env(&["notify", "apply", s(&dir), "--now", &at("10")], &hook);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(server.received().len(), first);
    // 3 hours later, unacknowledged: the next level is told, once.
    let o = secfw_env(&["notify", "apply", s(&dir), "--now", &at("12"), "--format", "json"], &hook);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let got = server.received();
    let next: Vec<Value> = got[first..].iter().map(secfw_testkit::http::Received::json).collect();
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(
        (next[0]["reason"].as_str(), next[0]["subject"].as_str()),
        (Some("escalation_unacknowledged"), Some(id.as_str()))
    );
    let o = secfw_env(&["notify", "apply", s(&dir), "--now", &at("13")], &hook);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(server.received().len(), first + 1);

    // Acknowledging: an unknown id and a second acknowledgement are refused; the first is one
    // event in the hash-chained log, attributed, and the log still verifies.
    let o = secfw_env(
        &["escalations", "ack", "ESC-000000000000", "--by", "alice", "--dir", s(&dir), "--now", &at("13")],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("NT0009"), "{}", text(&o));
    let events_before = std::fs::read_to_string(dir.join(".secfw/events.jsonl")).unwrap().lines().count();
    let o = secfw_env(&["escalations", "ack", &id, "--by", "alice", "--dir", s(&dir), "--now", &at("13")], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(&format!("{id} acknowledged by alice")), "{}", text(&o));
    let log = std::fs::read_to_string(dir.join(".secfw/events.jsonl")).unwrap();
    assert_eq!(log.lines().count(), events_before + 1);
    let last: Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!((last["kind"].as_str(), last["actor"].as_str()), (Some("acknowledgement"), Some("alice")));
    assert_eq!(last["escalations"][0]["id"], id.as_str());
    assert_eq!(last["from"], last["to"]);
    let o = secfw_env(&["log", "verify", s(&dir), "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = secfw_env(&["escalations", "ack", &id, "--by", "bob", "--dir", s(&dir), "--now", &at("14")], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("NT0010") && text(&o).contains("alice"), "{}", text(&o));
    // The digest shows it acknowledged, 4 hours after it was first notified (09:00 → 13:00),
    // late (escalation_sla 2 hours) and after the next level was told; the time to acknowledge
    // is its KPI.
    let out = tmp.path().join("digest-out");
    std::fs::create_dir_all(&out).unwrap();
    let o = secfw_env(&["digest", s(&dir), "--now", &at("14"), "--out", s(&out)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let d: Value = serde_json::from_str(&std::fs::read_to_string(out.join("digest.json")).unwrap()).unwrap();
    let e = &d["escalations"];
    assert_eq!(
        (e["acknowledged"].as_u64(), e["open"].as_u64(), e["overdue"].as_u64()),
        (Some(1), Some(0), Some(0)),
        "{e}"
    );
    let item = e["items"].as_array().unwrap().iter().find(|i| i["id"] == id.as_str()).unwrap();
    assert_eq!(item["state"], "acknowledged");
    assert_eq!(item["acknowledged_by"], "alice");
    assert_eq!(item["hours_to_acknowledge"].as_f64(), Some(4.0));
    assert_eq!(item["notified_at"], "2026-11-24T09:00:00Z");
    assert_eq!(item["deadline"], "2026-11-24T11:00:00Z");
    assert_eq!(item["renotified_at"], "2026-11-24T12:00:00Z");
    assert_eq!(d["kpis"]["time_to_acknowledge"]["value"].as_f64(), Some(4.0));
    let md = std::fs::read_to_string(out.join("digest.md")).unwrap();
    assert!(md.contains(&format!("| {id} | acknowledged, next level told 2026-11-24 12:00 UTC, late |")), "{md}");
    // The acknowledgement does not disturb the lifecycle: the next cycle decides as before.
    let o = cycle(&dir, &keys, &trust, &["--no-tickets", "--no-notify"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("cycle: READY_FOR_HANDOFF → READY_FOR_HANDOFF"), "{}", text(&o));
}
