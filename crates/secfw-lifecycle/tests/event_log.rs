//! Tamper evidence of the event log: every kind of edit is detected and named by line; appends
//! from concurrent runs never interleave.

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::LifecycleState as S;
use secfw_lifecycle::{Event, EventKind, EventLog, verify_log_text};

fn t0() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

fn event(from: S, to: S, minute: i64) -> Event {
    Event::new(t0() + Duration::minutes(minute), "alice", EventKind::Transition, from, to)
}

/// A log of a full cycle (6 events) on disk.
fn full_log() -> (tempfile::TempDir, EventLog) {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::new(dir.path());
    let lock = log.lock().unwrap();
    let mut s = S::Planned;
    for i in 0..6 {
        log.append(&lock, event(s, s.next(), i)).unwrap();
        s = s.next();
    }
    drop(lock);
    (dir, log)
}

fn lines(log: &EventLog) -> Vec<String> {
    std::fs::read_to_string(log.path()).unwrap().lines().map(str::to_owned).collect()
}

fn write(log: &EventLog, lines: &[String]) {
    std::fs::write(log.path(), lines.iter().map(|l| l.clone() + "\n").collect::<String>()).unwrap();
}

fn codes_at(log: &EventLog) -> Vec<(String, Option<u32>)> {
    let v = log.verify().unwrap();
    assert!(!v.is_intact(), "tampering not detected");
    v.problems.iter().filter(|p| p.is_error()).map(|p| (p.code.as_str().to_owned(), p.line)).collect()
}

#[test]
fn an_intact_log_verifies() {
    let (_d, log) = full_log();
    let v = log.verify().unwrap();
    assert!(v.is_intact(), "{:#?}", v.problems);
    assert_eq!(v.events, 6);
    let ev = log.read().unwrap();
    assert_eq!(ev[0].prev_hash, secfw_lifecycle::LOG_GENESIS);
    assert_eq!(ev[3].prev_hash, ev[2].hash);
}

#[test]
fn an_edited_line_is_named() {
    let (_d, log) = full_log();
    let mut l = lines(&log);
    l[2] = l[2].replace("\"alice\"", "\"mallory\"");
    write(&log, &l);
    let c = codes_at(&log);
    assert!(c.contains(&("LC0102".into(), Some(3))), "{c:?}");
}

#[test]
fn an_edit_with_a_recomputed_hash_breaks_the_chain_at_the_next_line() {
    let (_d, log) = full_log();
    let mut l = lines(&log);
    let mut e: Event = serde_json::from_str(&l[1]).unwrap();
    e.actor = "mallory".into();
    e.hash = e.compute_hash();
    l[1] = e.to_line();
    write(&log, &l);
    let c = codes_at(&log);
    assert_eq!(c, vec![("LC0103".to_owned(), Some(3))]);
}

#[test]
fn a_removed_line_is_named() {
    let (_d, log) = full_log();
    let mut l = lines(&log);
    l.remove(2);
    write(&log, &l);
    let c = codes_at(&log);
    assert!(c.contains(&("LC0104".into(), Some(3))) && c.contains(&("LC0103".into(), Some(3))), "{c:?}");
    let v = log.verify().unwrap();
    assert!(v.problems.iter().any(|p| p.message.contains("1 event(s) were removed")));
}

#[test]
fn a_removed_last_line_is_detected_by_the_checkpoint() {
    let (_d, log) = full_log();
    let mut l = lines(&log);
    l.pop();
    l.pop();
    write(&log, &l);
    let c = codes_at(&log);
    assert_eq!(c, vec![("LC0105".to_owned(), Some(4))]);
    // Emptying the log entirely too.
    std::fs::write(log.path(), "").unwrap();
    assert_eq!(codes_at(&log)[0].0, "LC0105");
}

#[test]
fn reordered_lines_are_named() {
    let (_d, log) = full_log();
    let mut l = lines(&log);
    l.swap(3, 4);
    write(&log, &l);
    let c = codes_at(&log);
    assert!(c.contains(&("LC0104".into(), Some(4))) && c.contains(&("LC0104".into(), Some(5))), "{c:?}");
}

#[test]
fn an_inserted_line_is_named() {
    let (_d, log) = full_log();
    let mut l = lines(&log);
    // A well-formed, self-consistent event forged after line 2.
    let prev: Event = serde_json::from_str(&l[1]).unwrap();
    let forged = event(S::Packaged, S::Executed, 1).seal_after(Some(&prev));
    l.insert(2, forged.to_line());
    write(&log, &l);
    let c = codes_at(&log);
    assert!(c.contains(&("LC0104".into(), Some(4))), "the line after the insertion is out of sequence: {c:?}");
    assert!(c.contains(&("LC0103".into(), Some(4))), "{c:?}");
}

#[test]
fn garbage_and_non_canonical_lines_are_named() {
    let (_d, log) = full_log();
    let mut l = lines(&log);
    l[0] = l[0].replace(",\"actor\"", ", \"actor\"");
    l.insert(3, "not json".into());
    write(&log, &l);
    let c = codes_at(&log);
    assert!(c.contains(&("LC0107".into(), Some(1))) && c.contains(&("LC0101".into(), Some(4))), "{c:?}");
}

#[test]
fn an_impossible_transition_is_named_even_with_valid_hashes() {
    let text: String = {
        let a = event(S::Planned, S::ReadyForHandoff, 0).seal_after(None);
        let b = event(S::ReadyForHandoff, S::Packaged, 1).seal_after(Some(&a));
        let mut c = event(S::Packaged, S::Validated, 2);
        c.to = S::Validated; // skips EXECUTED
        let c = c.seal_after(Some(&b));
        [a, b, c].iter().map(|e| e.to_line() + "\n").collect()
    };
    let v = verify_log_text(&text, None);
    let c: Vec<_> = v.problems.iter().map(|p| (p.code.as_str(), p.line)).collect();
    assert_eq!(c, vec![("LC0106", Some(3))]);
    let _ = EventKind::ReturnToPlanned;
}

#[test]
fn concurrent_appends_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                let log = EventLog::new(&root);
                for _ in 0..5 {
                    let lock = log.lock().unwrap();
                    let events = log.read().unwrap();
                    let s = events.last().map_or(S::Planned, |e| e.to);
                    log.append(&lock, event(s, s.next(), i64::try_from(events.len()).unwrap())).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let log = EventLog::new(&root);
    let v = log.verify().unwrap();
    assert!(v.is_intact(), "{:#?}", v.problems);
    assert_eq!(v.events, 40);
}

#[test]
fn an_acknowledgement_keeps_the_state_and_one_that_moves_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lc = secfw_lifecycle::Lifecycle::new(dir.path());
    let log = EventLog::new(dir.path());
    let lock = log.lock().unwrap();
    log.append(&lock, event(S::Planned, S::ReadyForHandoff, 0)).unwrap();
    drop(lock);
    let ack = lc.acknowledge("ESC-0123456789ab", "alice", t0() + Duration::minutes(5)).unwrap();
    assert_eq!(
        (ack.kind, ack.from, ack.to, ack.actor.as_str()),
        (EventKind::Acknowledgement, S::ReadyForHandoff, S::ReadyForHandoff, "alice")
    );
    assert!(log.verify().unwrap().is_intact());
    assert_eq!(lc.state().unwrap(), S::ReadyForHandoff);
    let acks = secfw_lifecycle::acknowledgements(&log.read().unwrap());
    assert_eq!(acks.get("ESC-0123456789ab").map(|(by, _)| by.as_str()), Some("alice"));
    // Before the last event: refused (time order); no actor: refused.
    assert!(lc.acknowledge("ESC-0123456789ab", "bob", t0()).is_err());
    assert!(lc.acknowledge("ESC-0123456789ab", " ", t0() + Duration::minutes(6)).is_err());
    // An "acknowledgement" edited to move the state is a transition the machine does not allow.
    let mut l = lines(&log);
    let mut forged: Event = serde_json::from_str(&l[1]).unwrap();
    forged.to = S::Packaged;
    let prev: Event = serde_json::from_str(&l[0]).unwrap();
    l[1] = forged.seal_after(Some(&prev)).to_line();
    write(&log, &l);
    let v = verify_log_text(&std::fs::read_to_string(log.path()).unwrap(), None);
    assert!(v.problems.iter().any(|p| p.code.as_str() == "LC0106"), "{:?}", v.problems);
}

/// Run `f` on another thread and fail the test if it has not returned within 10 s: the attack
/// below is a read that blocks forever.
#[cfg(unix)]
fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10)).expect("blocked on a FIFO or device")
}

#[cfg(unix)]
fn is_sf0010(e: &secfw_lifecycle::Error) -> bool {
    matches!(e, secfw_lifecycle::Error::Artifacts(secfw_artifacts::Error::Invalid { diagnostics, .. })
        if diagnostics[0].code == secfw_artifacts::codes::STATE_NOT_REGULAR && diagnostics[0].hint.is_some())
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_at_the_log_checkpoint_or_lock_is_refused_without_blocking() {
    let mkfifo = |p: &std::path::Path| assert!(std::process::Command::new("mkfifo").arg(p).status().unwrap().success());
    for rel in [secfw_lifecycle::LOG_FILE, secfw_lifecycle::LOG_HEAD_FILE, secfw_lifecycle::LOG_LOCK_FILE] {
        for device in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join(".secfw")).unwrap();
            let p = dir.path().join(rel);
            if device {
                // `/dev/zero` would grow a plain read's buffer without bound
                std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
            } else {
                mkfifo(&p);
            }
            let root = dir.path().to_owned();
            let (verify, lock) = within_10s(move || {
                let log = EventLog::new(&root);
                (log.verify().map(|_| ()), log.lock().map(|_| ()))
            });
            if rel == secfw_lifecycle::LOG_LOCK_FILE {
                assert!(verify.is_ok(), "reading the log does not touch the lock");
                assert!(is_sf0010(&lock.unwrap_err()), "{rel}");
            } else {
                assert!(is_sf0010(&verify.unwrap_err()), "{rel} device={device}");
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn nothing_is_appended_through_a_symlinked_state_dir() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    let outside = t.path().join("outside");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, ws.join(".secfw")).unwrap();
    let log = EventLog::new(&ws);
    assert!(is_sf0010(&log.lock().unwrap_err()));
    assert!(is_sf0010(&log.verify().unwrap_err()));
    assert!(std::fs::read_dir(&outside).unwrap().next().is_none(), "no lock file, log or checkpoint outside");
    // A real `.secfw` whose log is a symlink to a file elsewhere: never read, never replaced.
    std::fs::remove_file(ws.join(".secfw")).unwrap();
    let (_d, real) = full_log();
    std::fs::create_dir(ws.join(".secfw")).unwrap();
    std::os::unix::fs::symlink(real.path(), ws.join(secfw_lifecycle::LOG_FILE)).unwrap();
    let lock = log.lock().unwrap();
    assert!(is_sf0010(&log.append(&lock, event(S::Planned, S::ReadyForHandoff, 0)).unwrap_err()));
    assert_eq!(real.read().unwrap().len(), 6, "the linked log is untouched");
}
