//! Applying a plan against a local HTTP server: once-only delivery, retries with backoff over
//! injected 500s, timeouts and dropped connections, crash recovery, concurrent applies.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{RULEBOOK, Server, Step, env_all, fast, load, lock, now, workspace};
use secfw_notify::{DeliveryEvent, JournalEntry};
use secfw_notify::{Error, JOURNAL_FILE, Ledger, MessageState, apply_with, codes, plan};

fn ok(n: usize) -> Vec<Step> {
    vec![Step::Respond(200, "ok"); n]
}

#[test]
fn apply_sends_each_message_once_and_a_rerun_sends_nothing() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let ws = load(t.path());
    let p = plan(&ws, &common::no_acks(), now()).unwrap();
    assert_eq!(p.messages.len(), 5);
    let server = Server::start(ok(5));
    let l = lock(t.path());
    let r = apply_with(&p, &l, &fast(), now(), &env_all(&server.url), &mut |_| {}).unwrap();
    assert!(r.is_complete(), "{:?}", r.failed);
    assert_eq!(r.sent.len(), 5);
    let got = server.finish();
    assert_eq!(got.len(), 5);
    // Idempotency-Key is the message id; the JSON channel gets its bearer token.
    let ids: Vec<String> = p.messages.iter().map(|m| m.id.clone()).collect();
    let keys: Vec<String> = got.iter().map(|g| g.header("idempotency-key").unwrap().to_owned()).collect();
    assert_eq!(keys, ids);
    let sec = got.iter().find(|g| g.header("authorization").is_some()).unwrap();
    assert_eq!(sec.header("authorization"), Some("Bearer s3cr3t-token"));
    assert_eq!(sec.json()["schema"], "secfw.notify.message/v1");
    assert!(
        sec.json()["html"]
            .as_str()
            .unwrap()
            .contains("<li>F-001 [critical] Finding F-001 at src/F-001.rs:10 (api)</li>")
    );
    // Recorded: ledger written, journal folded and removed.
    let ledger = Ledger::load(t.path()).unwrap();
    assert_eq!(ledger.messages.len(), 5);
    assert!(ledger.messages.values().all(|m| m.state == MessageState::Sent && m.status == Some(200)));
    assert!(!t.path().join(JOURNAL_FILE).exists());
    // Re-plan: nothing left; re-apply of the old plan: everything skipped, nothing sent.
    let again = plan(&load(t.path()), &common::no_acks(), now() + chrono::Duration::hours(3)).unwrap();
    assert!(again.is_empty(), "{:?}", again.messages);
    assert_eq!(again.summary.already_sent, 5);
    let silent = Server::start(vec![]);
    let r2 = apply_with(&p, &l, &fast(), now(), &env_all(&silent.url), &mut |_| {}).unwrap();
    assert_eq!((r2.sent.len(), r2.skipped.len()), (0, 5));
    assert!(silent.finish().is_empty());
}

#[test]
fn transient_failures_are_retried_with_backoff_500_timeout_and_dropped_connection() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    let mut script =
        vec![Step::Respond(500, "boom"), Step::Drop, Step::Hang(Duration::from_millis(2500)), Step::Respond(200, "ok")];
    script.extend(ok(4));
    let server = Server::start(script);
    let mut waits = Vec::new();
    let l = lock(t.path());
    let r = apply_with(&p, &l, &fast(), now(), &env_all(&server.url), &mut |d| waits.push(d)).unwrap();
    assert!(r.is_complete(), "{:?}", r.failed);
    assert_eq!(r.sent[0].attempts, 4);
    assert!(r.sent[1..].iter().all(|d| d.attempts == 1));
    assert_eq!(waits, vec![Duration::from_millis(10), Duration::from_millis(20), Duration::from_millis(40)]);
    let got = server.finish();
    // The first message arrived four times, always with the same Idempotency-Key and body.
    assert_eq!(got.len(), 8);
    assert!(
        got[..4]
            .windows(2)
            .all(|w| w[0].body == w[1].body && w[0].header("idempotency-key") == w[1].header("idempotency-key"))
    );
}

#[test]
fn an_unavailable_channel_is_reported_and_its_message_sent_by_the_next_run() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    // Message 1 (webhook:chat): 4 × 503. The other channels' 4 messages are delivered.
    let mut script = vec![Step::Respond(503, "busy"); 4];
    script.extend(ok(4));
    let server = Server::start(script);
    let l = lock(t.path());
    let r = apply_with(&p, &l, &fast(), now(), &env_all(&server.url), &mut |_| {}).unwrap();
    assert_eq!(r.sent.len(), 4);
    assert_eq!(r.failed.len(), 1);
    assert_eq!(r.failed[0].code, codes::UNAVAILABLE);
    server.finish();
    let again = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    assert_eq!(again.messages.len(), 1);
    assert_eq!(again.messages[0].recipient.name, "webhook:chat");
    let server = Server::start(ok(1));
    let r = apply_with(&again, &l, &fast(), now(), &env_all(&server.url), &mut |_| {}).unwrap();
    assert_eq!(r.sent.len(), 1);
    assert_eq!(server.finish().len(), 1);
}

#[test]
fn a_refused_message_is_not_recorded_as_sent_and_the_others_go_on() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    let mut script = vec![Step::Respond(404, "no such hook")];
    script.extend(ok(4));
    let server = Server::start(script);
    let l = lock(t.path());
    let r = apply_with(&p, &l, &fast(), now(), &env_all(&server.url), &mut |_| {}).unwrap();
    assert_eq!((r.sent.len(), r.failed.len()), (4, 1));
    assert_eq!(r.failed[0].code, codes::REJECTED);
    assert!(r.failed[0].message.contains("HTTP 404: no such hook"), "{}", r.failed[0].message);
    assert_eq!(server.finish().len(), 5);
    assert_eq!(Ledger::load(t.path()).unwrap().messages.len(), 4);
}

#[test]
fn a_missing_secret_stops_before_anything_is_sent() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    let server = Server::start(vec![]);
    let url = server.url.clone();
    let env = move |k: &str| (k != "SECFW_TEST_SEC_TOKEN").then(|| url.clone()).filter(|_| k.ends_with("_URL"));
    let l = lock(t.path());
    match apply_with(&p, &l, &fast(), now(), &env, &mut |_| {}) {
        Err(Error::Channel(d)) => {
            assert_eq!(d.code, codes::CHANNEL_UNUSABLE);
            assert!(d.message.contains("SECFW_TEST_SEC_TOKEN"), "{}", d.message);
        }
        other => panic!("expected NT0203, got {other:?}"),
    }
    assert!(server.finish().is_empty());
    assert!(!t.path().join(".secfw/notifications.json").exists());
}

#[test]
fn an_invalid_url_in_the_environment_is_refused_without_echoing_it() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    let env =
        |k: &str| Some(if k.ends_with("_URL") { "ftp://user:pw@example.com/x".to_owned() } else { "tok".to_owned() });
    let err = apply_with(&p, &lock(t.path()), &fast(), now(), &env, &mut |_| {}).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("NT0203") || matches!(err, Error::Channel(_)), "{text}");
    assert!(!text.contains("user:pw"), "{text}");
}

#[test]
fn a_crash_between_send_and_record_is_may_have_been_sent_and_not_resent() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    // The journal a run leaves when it dies after handing message 0 to its channel: `sending`
    // with no outcome.
    let mut ledger = Ledger::default();
    ledger.append(t.path(), JournalEntry::of(DeliveryEvent::Sending, &p.messages[0], None, None, now())).unwrap();
    drop(ledger);
    // plan (read-only) says so.
    let seen = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    assert_eq!(seen.messages.len(), 4);
    assert_eq!(seen.summary.may_have_been_sent, 1);
    assert!(seen.diagnostics.iter().any(|d| d.code == codes::MAY_HAVE_BEEN_SENT));
    // apply does not send it again and records it.
    let server = Server::start(ok(4));
    let r = apply_with(&p, &lock(t.path()), &fast(), now(), &env_all(&server.url), &mut |_| {}).unwrap();
    assert_eq!(r.may_have_been_sent, vec![p.messages[0].id.clone()]);
    assert_eq!(r.sent.len(), 4);
    let got = server.finish();
    assert!(got.iter().all(|g| g.header("idempotency-key") != Some(p.messages[0].id.as_str())));
    let l = Ledger::load(t.path()).unwrap();
    assert_eq!(l.messages[&p.messages[0].id].state, MessageState::MayHaveBeenSent);
    assert!(!t.path().join(JOURNAL_FILE).exists());
}

#[test]
fn a_crash_after_recording_but_before_the_ledger_write_does_not_resend() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    let mut ledger = Ledger::default();
    for m in &p.messages[..2] {
        ledger.append(t.path(), JournalEntry::of(DeliveryEvent::Sending, m, None, None, now())).unwrap();
        ledger.append(t.path(), JournalEntry::of(DeliveryEvent::Sent, m, Some(200), Some(1), now())).unwrap();
    }
    // A torn last line (the crash hit mid-append) is ignored.
    std::fs::OpenOptions::new()
        .append(true)
        .open(t.path().join(JOURNAL_FILE))
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"event\":\"sen"))
        .unwrap();
    let server = Server::start(ok(3));
    let r = apply_with(&p, &lock(t.path()), &fast(), now(), &env_all(&server.url), &mut |_| {}).unwrap();
    assert_eq!((r.skipped.len(), r.sent.len()), (2, 3));
    assert_eq!(server.finish().len(), 3);
}

#[test]
fn two_concurrent_applies_send_each_message_once() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let server = Server::start(ok(5));
    let url = server.url.clone();
    let root = t.path().to_owned();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let root = root.clone();
            let url = url.clone();
            std::thread::spawn(move || {
                // Each run plans before it holds the lock (as a CLI racing another would).
                let p = plan(&load(&root), &common::no_acks(), now()).unwrap();
                let l = lock(&root);
                apply_with(&p, &l, &fast(), now(), &env_all(&url), &mut |_| {}).unwrap()
            })
        })
        .collect();
    let reports: Vec<_> = runs.into_iter().map(|h| h.join().unwrap()).collect();
    let got = server.finish();
    let keys: BTreeSet<&str> = got.iter().map(|g| g.header("idempotency-key").unwrap()).collect();
    assert_eq!((got.len(), keys.len()), (5, 5));
    assert_eq!(reports.iter().map(|r| r.sent.len()).sum::<usize>(), 5);
    // Whichever ran second sent nothing (it skipped, or never planned, what the first sent).
    assert!(reports.iter().any(|r| r.sent.is_empty()), "{reports:?}");
}

#[test]
fn a_corrupt_ledger_is_refused_not_treated_as_empty() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    std::fs::create_dir_all(t.path().join(".secfw")).unwrap();
    std::fs::write(t.path().join(".secfw/notifications.json"), "{ not json").unwrap();
    match plan(&load(t.path()), &common::no_acks(), now()) {
        Err(Error::Ledger(d)) => assert_eq!(d.code, codes::LEDGER_INVALID),
        other => panic!("expected NT0101, got {other:?}"),
    }
}

/// F9.2: a URL the HTTP client cannot use (a `\` in the authority) on one channel stops the run
/// before any message goes to the other, valid, channels.
#[test]
fn an_invalid_url_on_any_channel_stops_the_run_before_anything_is_sent() {
    let t = tempfile::tempdir().unwrap();
    workspace(t.path(), RULEBOOK);
    let p = plan(&load(t.path()), &common::no_acks(), now()).unwrap();
    let server = Server::start(vec![]);
    for bad in ["http://127.0.0.1:18001\\x", "http://[zz/hook", "http://127.0.0.1:99999999/x"] {
        let good = server.url.clone();
        let bad_owned = bad.to_owned();
        let env = move |k: &str| match k {
            "SECFW_TEST_CHAT_URL" => Some(bad_owned.clone()),
            "SECFW_TEST_SEC_URL" | "SECFW_TEST_TEAMS_URL" => Some(good.clone()),
            "SECFW_TEST_SEC_TOKEN" => Some("t".to_owned()),
            _ => None,
        };
        let l = lock(t.path());
        match apply_with(&p, &l, &fast(), now(), &env, &mut |_| {}) {
            Err(Error::Channel(d)) => {
                assert_eq!(d.code, codes::CHANNEL_UNUSABLE, "{bad}");
                assert!(d.message.contains("nothing was sent") && !d.message.contains("127.0.0.1"), "{}", d.message);
            }
            other => panic!("{bad}: {other:?}"),
        }
        drop(l);
    }
    assert!(server.finish().is_empty(), "nothing may be sent");
    assert!(Ledger::load(t.path()).unwrap().messages.is_empty());
}
