//! E-mail delivery against a real SMTP server: aiosmtpd (PyPI, pinned in .ci/requirements.txt)
//! started by the test on a loopback port, storing each message's raw DATA bytes.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fast, load, lock, now, workspace};
use secfw_notify::{Reason, apply_with, codes, plan, smtp};

/// A recording SMTP server: `FAIL_FIRST` DATA commands are answered `451` (transient), DATA
/// commands addressed to `refuse@...` get `550` (permanent); every accepted message is stored as
/// `NNN.eml` (raw bytes) and `NNN.json` (envelope).
const SERVER: &str = r#"
import json, pathlib, sys
from aiosmtpd.controller import Controller
port, out, fail_first = int(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
class Recorder:
    calls = 0
    stored = 0
    async def handle_DATA(self, server, session, envelope):
        Recorder.calls += 1
        if Recorder.calls <= fail_first:
            return "451 4.3.0 try again later"
        if any(r.startswith("refuse@") for r in envelope.rcpt_tos):
            return "550 5.1.1 no such mailbox"
        Recorder.stored += 1
        (out / f"{Recorder.stored:03}.eml").write_bytes(envelope.original_content)
        (out / f"{Recorder.stored:03}.json").write_text(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos}))
        return "250 2.0.0 stored"
c = Controller(Recorder(), hostname="127.0.0.1", port=port)
c.start()
(out / "ready").write_text("1")
sys.stdin.read()
c.stop()
"#;

struct Smtpd {
    child: Child,
    dir: tempfile::TempDir,
    url: String,
}

impl Smtpd {
    fn start(fail_first: u32) -> Self {
        let py = secfw_testkit::python().expect("interop_test! ran without the Python venv");
        let probe = Command::new(&py).args(["-c", "import aiosmtpd"]).output().expect("run python");
        assert!(
            probe.status.success(),
            "aiosmtpd is missing from {}: pip install -r .ci/requirements.txt",
            py.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(&py)
            .args(["-c", SERVER, &port.to_string(), dir.path().to_str().unwrap(), &fail_first.to_string()])
            .stdin(Stdio::piped())
            .spawn()
            .expect("start aiosmtpd");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !dir.path().join("ready").exists() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, dir, url: format!("smtp://127.0.0.1:{port}") }
    }

    /// The stored messages: (raw bytes, envelope JSON), in arrival order.
    fn stored(&self) -> Vec<(Vec<u8>, serde_json::Value)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let env = std::fs::read_to_string(p.with_extension("json")).unwrap();
                (std::fs::read(p).unwrap(), serde_json::from_str(&env).unwrap())
            })
            .collect()
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Critical=0 mails two people; expiry warnings go to one of them. The rulebook's server is a
/// remote smtps:// one: the test's `SECFW_SMTP_URL` overrides it.
const RULEBOOK: &str = r#"version: "1.0.0"
sla_days: { critical: 7, high: 30, medium: 90, low: 180 }
enforcement:
  rule: critical_findings_count
  condition: "== 0"
  actions:
    on_violation:
      - notify: [security-team@company.com, ciso@company.com]
      - escalation_sla: 2_hours
exceptions:
  warn_days_before_expiry: 14
  approvers:
    security_team: [sec@example.com]
notifications:
  digest_link: reports/digest.html
  email:
    from: secfw@company.com
    server: smtps://mail.company.com
  exception_expiry: [security-team@company.com]
"#;

fn env_smtp(url: &str) -> impl Fn(&str) -> Option<String> + use<> {
    let url = url.to_owned();
    move |k: &str| (k == smtp::SMTP_URL_ENV).then(|| url.clone())
}

fn ws(rulebook: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), rulebook);
    t
}

fn crlf_lines(b: &[u8]) -> String {
    String::from_utf8_lossy(b).replace("\r\n", "\n")
}

secfw_testkit::interop_test! { [python]
    /// aiosmtpd receives exactly the messages secfw built (byte for byte), each once, after a
    /// transient 451; a second apply sends nothing.
    fn a_real_smtp_server_receives_the_exact_messages_once() {
        let server = Smtpd::start(1);
        let t = ws(RULEBOOK);
        let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
        let who: Vec<(&str, Reason)> = p.messages.iter().map(|m| (m.recipient.name.as_str(), m.reason)).collect();
        assert_eq!(
            who,
            vec![
                ("ciso@company.com", Reason::Escalation),
                ("security-team@company.com", Reason::Escalation),
                ("security-team@company.com", Reason::ExceptionExpiring),
            ]
        );
        let mut waits = Vec::new();
        let r = apply_with(&p, &lock(t.path()), &fast(), now(), &env_smtp(&server.url), &mut |d| waits.push(d)).unwrap();
        assert!(r.is_complete(), "{:?}", r.failed);
        assert_eq!(r.sent.iter().map(|d| (d.status, d.attempts)).collect::<Vec<_>>(), vec![(250, 2), (250, 1), (250, 1)]);
        assert_eq!(waits, vec![Duration::from_millis(10)]);
        let stored = server.stored();
        assert_eq!(stored.len(), 3);
        let from: lettre::message::Mailbox = "secfw@company.com".parse().unwrap();
        for (m, (raw, envelope)) in p.messages.iter().zip(&stored) {
            // Byte for byte: the DATA the server stored is the message secfw built, plus the CRLF
            // that ends the DATA section before the terminating `.`.
            let mut expected = smtp::build(m, &from, &m.recipient.name, now()).unwrap().formatted();
            expected.extend_from_slice(b"\r\n");
            assert_eq!(crlf_lines(raw), crlf_lines(&expected), "message to {}", m.recipient.name);
            assert_eq!(raw, &expected);
            assert_eq!(envelope["from"], "secfw@company.com");
            assert_eq!(envelope["to"], serde_json::json!([m.recipient.name]));
            let text = crlf_lines(raw);
            assert!(text.contains(&format!("Message-ID: <{}@secfw.notify>", m.id)), "{text}");
            assert!(text.contains("Content-Type: multipart/alternative"), "{text}");
            assert!(text.contains("Content-Type: text/plain") && text.contains("Content-Type: text/html"), "{text}");
            assert!(text.contains("Date: Sat, 01 Mar 2025 12:00:00 +0000"), "{text}");
        }
        // Once: nothing left to plan, and the old plan sends nothing.
        assert!(plan(&load(t.path()), &common::no_acks(), now()).unwrap().is_empty());
        let again = apply_with(&p, &lock(t.path()), &fast(), now(), &env_smtp(&server.url), &mut |_| {}).unwrap();
        assert_eq!((again.sent.len(), again.skipped.len()), (0, 3));
        assert_eq!(server.stored().len(), 3);
    }
}

secfw_testkit::interop_test! { [python]
    /// A permanent refusal (550) is reported and not recorded; the other recipients get theirs.
    fn a_refused_mailbox_is_reported_and_the_others_are_delivered() {
        let server = Smtpd::start(0);
        let t = ws(&RULEBOOK.replace("ciso@company.com", "refuse@company.com"));
        let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
        let r = apply_with(&p, &lock(t.path()), &fast(), now(), &env_smtp(&server.url), &mut |_| {}).unwrap();
        assert_eq!((r.sent.len(), r.failed.len()), (2, 1));
        assert_eq!(r.failed[0].code, codes::REJECTED);
        assert!(r.failed[0].message.contains("refuse@company.com") && r.failed[0].message.contains("550"), "{}", r.failed[0].message);
        assert_eq!(server.stored().len(), 2);
        assert_eq!(plan(&load(t.path()), &common::no_acks(), now()).unwrap().messages.len(), 1);
    }
}

#[test]
fn no_smtp_server_listening_is_unavailable_after_the_retries() {
    // A loopback port nobody listens on, which no test server can take (they bind ephemeral
    // ports): connection refused on every attempt.
    let port = 1u16;
    let t = ws(RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    let mut waits = 0;
    let r =
        apply_with(&p, &lock(t.path()), &fast(), now(), &env_smtp(&format!("smtp://127.0.0.1:{port}")), &mut |_| {
            waits += 1;
        })
        .unwrap();
    assert!(r.sent.is_empty());
    assert_eq!(r.failed.len(), 3);
    assert!(r.failed.iter().all(|d| d.code == codes::UNAVAILABLE));
    assert_eq!(waits, 3, "4 attempts for the first message, then the server counts as down for this run");
    assert!(!Path::new(&t.path().join(".secfw/notifications.journal")).exists());
}

#[test]
fn smtp_credentials_come_from_the_environment_and_a_password_in_the_rulebook_is_refused() {
    let with_password = RULEBOOK.replace(
        "    server: smtps://mail.company.com\n",
        "    server: smtps://mail.company.com\n    password: hunter2\n",
    );
    let t = ws(&with_password);
    match plan(&load(t.path()), &common::no_acks(), now()) {
        Err(secfw_notify::Error::Config { diagnostics }) => {
            assert!(
                diagnostics.iter().any(|d| d.code == codes::SECRET_IN_RULEBOOK && d.line == Some(19)),
                "{diagnostics:?}"
            );
            assert!(diagnostics.iter().all(|d| !d.message.contains("hunter2")));
        }
        other => panic!("expected NT0004, got {other:?}"),
    }
    let in_url = RULEBOOK.replace("smtps://mail.company.com", "smtps://bob:hunter2@mail.company.com");
    let t = ws(&in_url);
    assert!(matches!(plan(&load(t.path()), &common::no_acks(), now()), Err(secfw_notify::Error::Config { .. })));
    // Named variables that are not set stop the run before anything is sent.
    let named = RULEBOOK.replace(
        "    server: smtps://mail.company.com\n",
        "    server: smtps://mail.company.com\n    username_env: SECFW_TEST_SMTP_USER\n    password_env: SECFW_TEST_SMTP_PASSWORD\n",
    );
    let t = ws(&named);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    match apply_with(&p, &lock(t.path()), &fast(), now(), &env_smtp("smtp://127.0.0.1:9"), &mut |_| {}) {
        Err(secfw_notify::Error::Channel(d)) => assert!(d.message.contains("SECFW_TEST_SMTP_USER"), "{}", d.message),
        other => panic!("expected NT0203, got {other:?}"),
    }
}

#[test]
fn a_remote_smtp_server_is_never_used_without_tls() {
    // STARTTLS is required for a non-loopback smtp:// server; smtps:// is implicit TLS.
    assert_eq!(smtp::parse_server("smtp://mail.company.com").unwrap().tls, smtp::TlsMode::StartTls);
    assert_eq!(smtp::parse_server("smtps://mail.company.com").unwrap().tls, smtp::TlsMode::Implicit);
    assert_eq!(smtp::parse_server("smtp://127.0.0.1:2525").unwrap().tls, smtp::TlsMode::PlainLoopback);
}
