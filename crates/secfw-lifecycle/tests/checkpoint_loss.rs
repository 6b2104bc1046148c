//! The attack of sweep 2 F5: deleting the checkpoint (`.secfw/events.head`), with or without
//! the end of the log, must never make a shortened history verify. A missing checkpoint next to
//! a non-empty log is `LC0110`; so is a missing log in a workspace whose lifecycle advanced. The
//! only way back is a deliberate, recorded `reanchor`. Also F8: control characters in actors.

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::LifecycleState as S;
use secfw_lifecycle::{Event, EventKind, EventLog, Lifecycle};

fn t0() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

fn event(from: S, to: S, minute: i64) -> Event {
    Event::new(t0() + Duration::minutes(minute), "alice", EventKind::Transition, from, to)
}

/// A log of `n` transitions on disk.
fn log_of(n: i64) -> (tempfile::TempDir, EventLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::new(dir.path());
    let lock = log.lock().unwrap();
    let mut s = S::Planned;
    for i in 0..n {
        log.append(&lock, event(s, s.next(), i)).unwrap();
        s = s.next();
    }
    drop(lock);
    (dir, log)
}

fn head(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join(secfw_lifecycle::LOG_HEAD_FILE)
}

fn drop_last_line(log: &EventLog) {
    let text = std::fs::read_to_string(log.path()).unwrap();
    let mut l: Vec<&str> = text.lines().collect();
    l.pop();
    std::fs::write(log.path(), l.iter().map(|x| x.to_string() + "\n").collect::<String>()).unwrap();
}

fn error_codes(log: &EventLog) -> Vec<String> {
    let v = log.verify().unwrap();
    v.problems.iter().filter(|p| p.is_error()).map(|p| p.code.as_str().to_owned()).collect()
}

#[test]
fn deleting_the_checkpoint_and_the_last_event_is_refused() {
    let (d, log) = log_of(5);
    drop_last_line(&log);
    std::fs::remove_file(head(&d)).unwrap();
    assert_eq!(error_codes(&log), vec!["LC0110"]);
    let p = &log.verify().unwrap().problems[0];
    assert_eq!(p.file, ".secfw/events.head");
    assert!(p.hint.as_deref().unwrap_or("").contains("secfw log reanchor"), "{p:?}");
    // Every reader refuses it: status/advance read through `read`.
    assert!(matches!(log.read(), Err(secfw_lifecycle::Error::Tampered { .. })));
    assert!(matches!(Lifecycle::new(d.path()).state(), Err(secfw_lifecycle::Error::Tampered { .. })));
}

#[test]
fn deleting_only_the_checkpoint_is_refused_even_for_a_one_event_log() {
    let (d, log) = log_of(1);
    std::fs::remove_file(head(&d)).unwrap();
    assert_eq!(error_codes(&log), vec!["LC0110"]);
}

#[test]
fn an_append_never_recreates_a_missing_checkpoint() {
    let (d, log) = log_of(5);
    drop_last_line(&log);
    std::fs::remove_file(head(&d)).unwrap();
    let lock = log.lock().unwrap();
    let r = log.append(&lock, event(S::Validated, S::Improve, 60));
    assert!(matches!(r, Err(secfw_lifecycle::Error::Tampered { .. })), "{r:?}");
    assert!(!head(&d).exists(), "the append laundered the truncation by writing a checkpoint");
    drop(lock);
    let ack = Lifecycle::new(d.path()).acknowledge("ESC-000000000000", "bob", t0() + Duration::hours(2));
    assert!(matches!(ack, Err(secfw_lifecycle::Error::Tampered { .. })), "{ack:?}");
    assert!(!head(&d).exists());
}

#[test]
fn deleting_the_log_and_the_checkpoint_of_an_executed_workspace_is_refused() {
    let (d, log) = log_of(3);
    std::fs::create_dir_all(d.path().join(".secfw/executed/handoff-000001-abc")).unwrap();
    std::fs::write(d.path().join(".secfw/executed/handoff-000001-abc/sec_findings.yaml"), "x").unwrap();
    std::fs::remove_file(log.path()).unwrap();
    std::fs::remove_file(head(&d)).unwrap();
    assert_eq!(error_codes(&log), vec!["LC0110"]);
    assert!(matches!(Lifecycle::new(d.path()).state(), Err(secfw_lifecycle::Error::Tampered { .. })));
}

#[test]
fn a_package_made_before_the_first_transition_is_no_proof_of_progress() {
    // A handoff may be sealed and packaged in PLANNED (the baseline flow does): no log then is
    // a fresh log, not a removed one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".secfw/packages")).unwrap();
    std::fs::write(dir.path().join(".secfw/packages/handoff-000001-abc.tar"), "x").unwrap();
    assert!(EventLog::new(dir.path()).verify().unwrap().is_intact());
}

#[test]
fn a_brand_new_workspace_without_log_or_checkpoint_is_intact_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::new(dir.path());
    let v = log.verify().unwrap();
    assert!(v.is_intact() && v.events == 0, "{v:?}");
    let lock = log.lock().unwrap();
    log.append(&lock, event(S::Planned, S::ReadyForHandoff, 0)).unwrap();
    drop(lock);
    assert!(log.verify().unwrap().is_intact());
    assert!(head(&dir).exists());
}

#[test]
fn a_crash_during_the_first_append_leaves_a_genesis_checkpoint_one_behind() {
    // The first append writes the genesis checkpoint before the log: a crash between the log
    // and the checkpoint leaves the checkpoint at event 0 (LC0109, a warning), never missing.
    let (d, log) = log_of(1);
    let genesis = format!("{{\"seq\":0,\"hash\":\"{}\"}}", secfw_lifecycle::LOG_GENESIS);
    std::fs::write(head(&d), &genesis).unwrap();
    let v = log.verify().unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    assert_eq!(v.problems[0].code.as_str(), "LC0109");
    // An empty log with the genesis checkpoint is a fresh log.
    std::fs::write(log.path(), "").unwrap();
    assert!(log.verify().unwrap().is_intact());
}

#[test]
fn a_checkpoint_one_behind_must_chain_to_the_last_event() {
    // "One event ahead" is only an interrupted append when the last event follows the
    // checkpoint's hash; a forged checkpoint one behind with another hash is a mismatch.
    let (d, log) = log_of(3);
    std::fs::write(
        head(&d),
        r#"{"seq":2,"hash":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}"#,
    )
    .unwrap();
    assert_eq!(error_codes(&log), vec!["LC0105"]);
}

#[test]
fn reanchor_records_the_decision_and_restores_verification() {
    let (d, log) = log_of(4);
    drop_last_line(&log);
    std::fs::remove_file(head(&d)).unwrap();
    let lc = Lifecycle::new(d.path());
    let ev = lc
        .reanchor("carol", "events.head lost in a disk failure; log checked against git", t0() + Duration::hours(1))
        .unwrap();
    assert_eq!((ev.kind, ev.seq, ev.from, ev.to), (EventKind::Reanchor, 4, S::Executed, S::Executed));
    assert_eq!(ev.actor, "carol");
    assert!(ev.reasons[1].contains("LC0110") && ev.reasons[1].contains("3 event(s)"), "{:?}", ev.reasons);
    let v = log.verify().unwrap();
    assert!(v.is_intact(), "{:?}", v.problems);
    assert_eq!(lc.state().unwrap(), S::Executed);
    // The re-anchor does not move the cycle, so it never counts as the start of a cycle.
    assert!(!ev.changes_state());
    // Nothing to re-anchor any more.
    assert!(matches!(
        lc.reanchor("carol", "again", t0() + Duration::hours(2)),
        Err(secfw_lifecycle::Error::Reanchor(_))
    ));
}

#[test]
fn reanchor_of_a_removed_log_starts_a_recorded_history() {
    let (d, log) = log_of(3);
    std::fs::create_dir_all(d.path().join(".secfw/executed/h")).unwrap();
    std::fs::write(d.path().join(".secfw/executed/h/x"), "x").unwrap();
    std::fs::remove_file(log.path()).unwrap();
    std::fs::remove_file(head(&d)).unwrap();
    let ev = Lifecycle::new(d.path()).reanchor("carol", "log lost; restarting from PLANNED", t0()).unwrap();
    assert_eq!((ev.seq, ev.from, ev.to), (1, S::Planned, S::Planned));
    assert!(log.verify().unwrap().is_intact());
}

#[test]
fn reanchor_refuses_a_log_with_any_other_problem_or_no_reason() {
    let (d, log) = log_of(3);
    std::fs::remove_file(head(&d)).unwrap();
    let text = std::fs::read_to_string(log.path()).unwrap().replacen("\"alice\"", "\"mallory\"", 1);
    std::fs::write(log.path(), text).unwrap();
    let lc = Lifecycle::new(d.path());
    assert!(matches!(
        lc.reanchor("carol", "x", t0() + Duration::hours(1)),
        Err(secfw_lifecycle::Error::Tampered { .. })
    ));
    let (d2, _log2) = log_of(2);
    std::fs::remove_file(head(&d2)).unwrap();
    let lc2 = Lifecycle::new(d2.path());
    assert!(matches!(lc2.reanchor("carol", "  ", t0() + Duration::hours(1)), Err(secfw_lifecycle::Error::Reanchor(_))));
    assert!(matches!(
        lc2.reanchor("carol\n#9 forged", "r", t0() + Duration::hours(1)),
        Err(secfw_lifecycle::Error::BadActor { .. })
    ));
}

#[test]
fn an_actor_with_control_characters_is_refused_and_nothing_is_recorded() {
    let (d, log) = log_of(1);
    let lc = Lifecycle::new(d.path());
    let long = "a".repeat(secfw_lifecycle::MAX_ACTOR_CHARS + 1);
    for by in [
        "mallory\u{1b}[2J\u{1b}[31m\nFAKE: state IMPROVE",
        "a\rb",
        "x\u{7f}",
        "tab\there",
        // A line separator breaks the line in many viewers; a bidi override reorders what
        // follows; a zero-width space makes `alice` and `al\u{200b}ice` two people.
        "mallory\u{2028}#9 2026-11-24 transition IMPROVE",
        "mallory\u{2029}x",
        "ecila\u{202e}",
        "al\u{200b}ice",
        long.as_str(),
    ] {
        let r = lc.acknowledge("ESC-000000000000", by, t0() + Duration::hours(1));
        assert!(matches!(r, Err(secfw_lifecycle::Error::BadActor { .. })), "{by:?}: {r:?}");
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("LC0004") && !msg.contains('\u{1b}') && !msg.contains('\n'), "{msg:?}");
        let req = secfw_lifecycle::AdvanceRequest::new(S::Packaged, by, t0() + Duration::hours(1));
        let none = secfw_lifecycle::Unavailable("test".into());
        let r = lc.advance(&req, secfw_lifecycle::Checks::new(&none, &none, &none));
        assert!(matches!(r, Err(secfw_lifecycle::Error::BadActor { .. })), "{by:?}");
    }
    assert_eq!(log.read().unwrap().len(), 1);
    assert_eq!(secfw_lifecycle::printable("m\u{1b}[2J\nX"), "m\\u{1b}[2J\\nX");
    assert_eq!(secfw_lifecycle::printable("a\u{2028}b\u{202e}c"), "a\\u{2028}b\\u{202e}c");
}
