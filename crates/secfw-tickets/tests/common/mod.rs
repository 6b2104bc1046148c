//! Shared fixtures: a small workspace written into a temp dir, and a scripted HTTP server.
#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

pub const RULEBOOK: &str = r#"version: "1.0.0"
sla_days: { critical: 7, high: 30, medium: 90, low: 180 }
exceptions:
  approvers:
    security_team: [sec@example.com]
    risk_committee: [risk@example.com]
"#;

/// One finding as YAML (indented for the `findings:` list).
pub fn finding(id: &str, severity: &str, status: &str, fingerprint: Option<&str>, extra: &str) -> String {
    let fp = fingerprint.map(|f| format!("    fingerprint: \"{f}\"\n")).unwrap_or_default();
    let resolved = if status == "resolved" { "    resolved_at: \"2025-02-20T00:00:00Z\"\n" } else { "" };
    format!(
        r#"  - finding_id: {id}
    severity: {severity}
    category: vulnerability
    title: "Finding {id}"
    description: "Description of {id}"
    affected_resources:
      - resource_id: api
        resource_type: service
        location: "src/{id}.rs"
    remediation:
      recommended_action: "Fix {id}"
      priority: P1
      deadline: "2025-06-30"
    governance:
      tags: [auth]
      policy_refs: [POL-001]
{extra}    status: {status}
    first_seen: "2025-02-01T00:00:00Z"
{resolved}{fp}"#
    )
}

pub fn findings_yaml(findings: &[String]) -> String {
    let mut s = String::from(
        "version: \"1.0\"\nmetadata:\n  scan_id: s1\n  timestamp: \"2025-03-01T00:00:00Z\"\n  lifecycle_state: PLANNED\nfindings:\n",
    );
    for f in findings {
        s.push_str(f);
    }
    s
}

pub const EXCEPTIONS_EMPTY: &str = "# Security Exception Registry\n\n## Active Exceptions\n";

pub fn exception(id: &str, approval: &str, severity: &str, findings: &str) -> String {
    format!(
        "### {id}: Accepted risk {id}\n- **Policy**: POL-001\n- **Severity**: {severity}\n- **Findings**: {findings}\n- **Requestor**: dev@example.com\n- **Approval**: {approval}\n- **Approved On**: 2025-02-01\n- **Valid Until**: 2025-05-31\n- **Justification**: Needed for the launch.\n- **Risk Assessment**: Low likelihood, medium impact.\n- **Risk Mitigation**:\n  - WAF rule in front of the endpoint\n"
    )
}

/// Write a workspace: rulebook, findings, exceptions (other artifacts absent: not needed).
pub fn workspace(dir: &Path, findings: &[String], exceptions: &str) {
    std::fs::write(dir.join("rulebook.yaml"), RULEBOOK).unwrap();
    std::fs::write(dir.join("sec_findings.yaml"), findings_yaml(findings)).unwrap();
    std::fs::write(dir.join("exceptions.md"), exceptions).unwrap();
}

pub fn load(dir: &Path) -> secfw_artifacts::LoadedWorkspace {
    secfw_artifacts::load(dir, &secfw_artifacts::LoadOptions::default()).unwrap()
}

// --- scripted HTTP server ------------------------------------------------------------------

/// What the server does with one connection.
#[derive(Clone, Debug)]
pub enum Step {
    /// Read the request, answer with this status and body, close.
    Respond(u16, &'static str),
    /// Read the request, answer with this status and a `Retry-After` header.
    RespondRetryAfter(u16, u64),
    /// Read the request, then close without answering (connection dropped mid-way).
    Drop,
    /// Read the request, then wait this long before closing without answering (client timeout).
    Hang(Duration),
}

/// A request as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A server on 127.0.0.1 that handles exactly `script.len()` connections, then stops; it also
/// stops by itself after 20 s without a connection, so a failing test never hangs.
pub struct Server {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(script: Vec<Step>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/hooks/secfw", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = Arc::clone(&received);
        let handle = std::thread::spawn(move || {
            for step in script {
                let deadline = Instant::now() + Duration::from_secs(20);
                let stream = loop {
                    match listener.accept() {
                        Ok((s, _)) => break Some(s),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            if Instant::now() > deadline {
                                break None;
                            }
                            std::thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => break None,
                    }
                };
                let Some(stream) = stream else { return };
                handle(stream, &step, &rec);
            }
        });
        Self { url, received, handle: Some(handle) }
    }

    /// Wait for the server thread to finish its script and return what it received.
    pub fn finish(mut self) -> Vec<Received> {
        if let Some(h) = self.handle.take() {
            h.join().unwrap();
        }
        self.received.lock().unwrap().clone()
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn handle(stream: TcpStream, step: &Step, rec: &Arc<Mutex<Vec<Received>>>) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    rec.lock().unwrap().push(Received { method, path, headers, body });
    let mut stream = stream;
    match step {
        Step::Respond(status, text) => {
            let resp = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(resp.as_bytes());
        }
        Step::RespondRetryAfter(status, secs) => {
            let resp =
                format!("HTTP/1.1 {status} X\r\nRetry-After: {secs}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(resp.as_bytes());
        }
        Step::Drop => {}
        Step::Hang(d) => std::thread::sleep(*d),
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Both);
}
