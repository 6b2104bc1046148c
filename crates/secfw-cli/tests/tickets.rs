//! `secfw tickets plan|apply` end to end against a local HTTP server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const NOW: &str = "2026-11-24T09:00:00Z";

fn secfw(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secfw"));
    c.args(["--color", "never"]).args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run secfw")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    let o = secfw(&["init", s(&dir), "--now", NOW], &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    (tmp, dir)
}

/// A server answering `statuses` in order (one connection each), recording (headers, body);
/// it stops after the last one, or after 20 s without a connection.
/// (request header lines, body) of each request received.
type Received = Vec<(Vec<String>, Vec<u8>)>;

fn server(statuses: Vec<u16>) -> (String, std::thread::JoinHandle<Received>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let url = format!("http://{}/itsm", l.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let h = std::thread::spawn(move || {
        for status in statuses {
            let deadline = Instant::now() + Duration::from_secs(20);
            let stream = loop {
                match l.accept() {
                    Ok((st, _)) => break st,
                    Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                    Err(_) => return got.lock().unwrap().clone(),
                }
            };
            stream.set_nonblocking(false).unwrap();
            let mut r = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                headers.push(line.trim().to_owned());
            }
            let len = headers
                .iter()
                .find_map(|h| {
                    h.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            got.lock().unwrap().push((headers, body));
            let mut w = stream;
            let msg = if status >= 400 { "bad project" } else { "" };
            let _ = write!(w, "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}", msg.len());
        }
        got.lock().unwrap().clone()
    });
    (url, h)
}

#[test]
fn plan_is_deterministic_json_and_human() {
    let (_t, dir) = example();
    let a = secfw(&["tickets", "plan", s(&dir), "--now", NOW, "--format", "json"], &[]);
    let b = secfw(&["tickets", "plan", s(&dir), "--now", NOW, "--format", "json"], &[]);
    assert_eq!(code(&a), 0, "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout);
    let v: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(v["schema"], "secfw.tickets.plan/v1");
    assert_eq!(v["now"], NOW);
    let actions = v["actions"].as_array().unwrap();
    assert_eq!(usize::try_from(v["summary"]["create"].as_u64().unwrap()).unwrap(), actions.len());
    assert!(actions.len() >= 10, "{}", actions.len());
    assert!(actions.iter().all(|x| x["idempotency_key"].as_str().unwrap().len() == 64));
    let h = secfw(&["tickets", "plan", s(&dir), "--now", NOW, "--out", s(&dir.join("plan.json"))], &[]);
    assert_eq!(code(&h), 0);
    assert!(stdout(&h).contains(&format!("{} create, 0 update, 0 close", actions.len())), "{}", stdout(&h));
    assert_eq!(std::fs::read(dir.join("plan.json")).unwrap(), a.stdout);
}

#[test]
fn apply_posts_every_action_then_changes_nothing() {
    let (_t, dir) = example();
    let plan: Value =
        serde_json::from_slice(&secfw(&["tickets", "plan", s(&dir), "--now", NOW, "--format", "json"], &[]).stdout)
            .unwrap();
    let n = plan["actions"].as_array().unwrap().len();
    let (url, server_thread) = server(vec![200; n]);
    let o = secfw(
        &["tickets", "apply", s(&dir), "--endpoint", &url, "--token-env", "ITSM_TOKEN", "--now", NOW],
        &[("ITSM_TOKEN", "tok-123")],
    );
    let got = server_thread.join().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("applied {n}, skipped 0")), "{}", stdout(&o));
    assert!(!stdout(&o).contains("tok-123") && !stderr(&o).contains("tok-123"), "the token is never printed");
    assert_eq!(got.len(), n);
    for ((headers, body), a) in got.iter().zip(plan["actions"].as_array().unwrap()) {
        assert!(
            headers.iter().any(|x| x == "authorization: Bearer tok-123" || x == "Authorization: Bearer tok-123"),
            "{headers:?}"
        );
        let key = a["idempotency_key"].as_str().unwrap();
        assert!(headers.iter().any(|x| x.eq_ignore_ascii_case(&format!("idempotency-key: {key}"))), "{headers:?}");
        let sent: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(sent, a["request"]);
    }
    let ledger: Value = serde_json::from_slice(&std::fs::read(dir.join(".secfw/tickets.json")).unwrap()).unwrap();
    assert_eq!(ledger["applied"].as_object().unwrap().len(), n);

    // Second run: nothing to do, nothing sent (the endpoint is not even listening).
    let again = secfw(&["tickets", "apply", s(&dir), "--endpoint", "http://127.0.0.1:9/x", "--now", NOW], &[]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(stdout(&again).contains("nothing to apply"));
    let p = secfw(&["tickets", "plan", s(&dir), "--now", NOW, "--format", "json"], &[]);
    let v: Value = serde_json::from_slice(&p.stdout).unwrap();
    assert!(v["actions"].as_array().unwrap().is_empty());
}

#[test]
fn apply_stops_on_4xx_and_resumes() {
    let (_t, dir) = example();
    let (url, h) = server(vec![200, 200, 400]);
    let o = secfw(&["tickets", "apply", s(&dir), "--endpoint", &url, "--now", NOW], &[]);
    let got = h.join().unwrap();
    assert_eq!(code(&o), 2);
    assert_eq!(got.len(), 3);
    let e = stderr(&o);
    assert!(
        e.contains("TK0201")
            && e.contains("HTTP 400")
            && e.contains("bad project")
            && e.contains("2 action(s) applied"),
        "{e}"
    );
    let ledger: Value = serde_json::from_slice(&std::fs::read(dir.join(".secfw/tickets.json")).unwrap()).unwrap();
    assert_eq!(ledger["applied"].as_object().unwrap().len(), 2);
    // The plan now holds the remaining actions only.
    let p: Value =
        serde_json::from_slice(&secfw(&["tickets", "plan", s(&dir), "--now", NOW, "--format", "json"], &[]).stdout)
            .unwrap();
    let remaining = p["actions"].as_array().unwrap().len();
    assert!(remaining >= 1);
    let third = String::from_utf8(got[2].1.clone()).unwrap();
    let first_remaining = serde_json::to_string(&p["actions"][0]["request"]).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&third).unwrap(),
        serde_json::from_str::<Value>(&first_remaining).unwrap()
    );
}

#[test]
fn apply_usage_errors_exit_2() {
    let (_t, dir) = example();
    let o = secfw(&["tickets", "apply", s(&dir), "--endpoint", "ftp://itsm.example.com/x", "--now", NOW], &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("TK0203"), "{}", stderr(&o));
    let o = secfw(
        &[
            "tickets",
            "apply",
            s(&dir),
            "--endpoint",
            "http://127.0.0.1:9/x",
            "--token-env",
            "SECFW_TEST_UNSET_VAR",
            "--now",
            NOW,
        ],
        &[],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("SECFW_TEST_UNSET_VAR"));
    assert!(!dir.join(".secfw/tickets.json").exists());
    // An invalid findings ledger: located diagnostics, exit 2.
    std::fs::write(dir.join("sec_findings.yaml"), "version: \"1.0\"\nmetadata: [\n").unwrap();
    let o = secfw(&["tickets", "plan", s(&dir), "--now", NOW], &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("sec_findings.yaml:"), "{}", stderr(&o));
}
