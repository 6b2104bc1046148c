//! The lifecycle end to end on a copy of the passing fixture workspace, with small real
//! implementations of the capability checks (file-based seal and reports).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use secfw_artifacts::LifecycleState as S;
use secfw_lifecycle::{
    AdvanceRequest, CheckContext, CheckOutcome, Checks, Criterion, EventKind, LedgerScans, Lifecycle, Outcome,
    ReportCheck, SealCheck, Unavailable,
};
use sha2::{Digest, Sha256};

fn now() -> DateTime<Utc> {
    "2026-11-24T12:00:00Z".parse().unwrap()
}

fn workspace(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../secfw-gates/tests/fixtures/base");
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    for (file, from, to) in edits {
        let p = dir.path().join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file} lacks {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    }
    dir
}

/// Seal: `handoff.sha256` holds the sha256 of `rulebook.yaml` + `sec_findings.yaml`; verified
/// when it still matches.
struct FileSeal;

fn digest(root: &Path) -> String {
    let mut h = Sha256::new();
    for f in ["rulebook.yaml", "sec_findings.yaml"] {
        h.update(std::fs::read(root.join(f)).unwrap());
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

impl SealCheck for FileSeal {
    fn sealed(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        match std::fs::read_to_string(cx.root.join("handoff.sha256")) {
            Ok(s) if s.trim() == digest(cx.root) => {
                CheckOutcome::Met { detail: "sealed".into(), seal: Some(s.trim().parse().unwrap()) }
            }
            Ok(_) => CheckOutcome::unmet("seal does not match the artifacts"),
            Err(_) => CheckOutcome::unmet("no handoff.sha256: seal the manifest first"),
        }
    }
    fn verified(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        self.sealed(cx)
    }
}

/// Reports: `digest.md` exists and `.secfw/history/metrics.json` exists.
struct FileReports;

impl ReportCheck for FileReports {
    fn metrics_collected(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        if cx.root.join(".secfw/history/metrics.json").is_file() {
            CheckOutcome::met("metrics.json")
        } else {
            CheckOutcome::unmet("no metrics snapshot")
        }
    }
    fn digest_generated(&self, cx: &CheckContext<'_>) -> CheckOutcome {
        if cx.root.join("digest.md").is_file() {
            CheckOutcome::met("digest.md")
        } else {
            CheckOutcome::unmet("no digest.md")
        }
    }
}

fn checks() -> Checks<'static> {
    Checks::new(&FileSeal, &LedgerScans, &FileReports)
}

fn advance(lc: &Lifecycle, to: S, at: DateTime<Utc>) -> Outcome {
    lc.advance(&AdvanceRequest::new(to, "alice", at), checks()).unwrap()
}

fn set_state(root: &Path, from: S, to: S) {
    for (f, a, b) in [
        ("sec_findings.yaml", format!("lifecycle_state: {from}"), format!("lifecycle_state: {to}")),
        ("policy_map.md", format!("- State: {from}"), format!("- State: {to}")),
    ] {
        let p = root.join(f);
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(t.contains(&a));
        std::fs::write(&p, t.replace(&a, &b)).unwrap();
    }
}

fn add_scan(root: &Path, id: &str, at: DateTime<Utc>) {
    let p = root.join("sec_findings.yaml");
    let t = std::fs::read_to_string(&p).unwrap();
    let ts = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    std::fs::write(&p, format!("{t}  - scan_id: {id}\n    tool: semgrep\n    targets: [api-gateway]\n    started_at: {ts}\n    status: success\n  - scan_id: {id}-t\n    tool: trivy\n    targets: [customer-db]\n    started_at: {ts}\n    status: success\n")).unwrap();
}

#[test]
fn a_full_cycle_advances_in_order_and_the_log_verifies() {
    let dir = workspace(&[]);
    let root = dir.path();
    let lc = Lifecycle::new(root);
    assert_eq!(lc.state().unwrap(), S::Planned, "no log means PLANNED");
    let t = now();

    let o = advance(&lc, S::ReadyForHandoff, t);
    assert!(o.advanced(), "{o:#?}");
    set_state(root, S::Planned, S::ReadyForHandoff);

    // PACKAGED needs the seal.
    let o = advance(&lc, S::Packaged, t + Duration::minutes(1));
    let Outcome::Refused { unmet, returned_to_planned, .. } = &o else { panic!("{o:#?}") };
    assert_eq!(unmet.iter().map(|u| u.criterion).collect::<Vec<_>>(), vec![Criterion::ManifestSealed]);
    assert!(returned_to_planned.is_none());
    std::fs::write(root.join("handoff.sha256"), digest(root)).unwrap();
    let o = advance(&lc, S::Packaged, t + Duration::minutes(2));
    let Outcome::Advanced { event, .. } = &o else { panic!("{o:#?}") };
    assert_eq!(event.seal.map(|s| s.to_string()), Some(digest(root)));

    // EXECUTED needs scans after packaging. (The seal covers sec_findings.yaml, so changing the
    // ledger breaks verification: re-seal, as a real cycle re-verifies the unpacked package.)
    set_state(root, S::ReadyForHandoff, S::Packaged);
    std::fs::write(root.join("handoff.sha256"), digest(root)).unwrap();
    let o = advance(&lc, S::Executed, t + Duration::minutes(3));
    let Outcome::Refused { unmet, .. } = &o else { panic!("{o:#?}") };
    assert_eq!(unmet[0].criterion, Criterion::ScansIngested);
    add_scan(root, "S-9", t + Duration::minutes(4));
    std::fs::write(root.join("handoff.sha256"), digest(root)).unwrap();
    assert!(advance(&lc, S::Executed, t + Duration::minutes(5)).advanced());
    set_state(root, S::Packaged, S::Executed);
    // VALIDATED needs every scanner suppression backed by a valid exception.
    std::fs::write(root.join(".gitleaksignore"), "src/app.rs:generic-api-key:7\n").unwrap();
    let o = advance(&lc, S::Validated, t + Duration::minutes(6));
    let Outcome::Refused { unmet, .. } = &o else { panic!("{o:#?}") };
    assert_eq!(unmet.iter().map(|u| u.criterion).collect::<Vec<_>>(), vec![Criterion::SuppressionParityPasses]);
    assert!(unmet[0].detail.contains("SP0201"), "{}", unmet[0].detail);
    std::fs::remove_file(root.join(".gitleaksignore")).unwrap();
    assert!(advance(&lc, S::Validated, t + Duration::minutes(6)).advanced());
    set_state(root, S::Executed, S::Validated);

    let o = advance(&lc, S::Improve, t + Duration::minutes(7));
    let Outcome::Refused { unmet, .. } = &o else { panic!("{o:#?}") };
    assert_eq!(unmet.len(), 2, "both metrics and digest missing: {unmet:#?}");
    std::fs::create_dir_all(root.join(".secfw/history")).unwrap();
    std::fs::write(root.join(".secfw/history/metrics.json"), "{}").unwrap();
    std::fs::write(root.join("digest.md"), "# Digest\n").unwrap();
    assert!(advance(&lc, S::Improve, t + Duration::minutes(8)).advanced());
    set_state(root, S::Validated, S::Improve);
    assert!(advance(&lc, S::Planned, t + Duration::minutes(9)).advanced());

    let events = lc.log().read().unwrap();
    let path: Vec<(S, S)> = events.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(
        path,
        vec![
            (S::Planned, S::ReadyForHandoff),
            (S::ReadyForHandoff, S::Packaged),
            (S::Packaged, S::Executed),
            (S::Executed, S::Validated),
            (S::Validated, S::Improve),
            (S::Improve, S::Planned)
        ]
    );
    assert!(events.iter().all(|e| e.criteria.iter().all(|c| c.met)));
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    // Gate results are recorded with digests.
    assert!(events[0].gates.iter().any(|g| g.gate == "cross_stream_consistency" && g.digest.starts_with("sha256:")));
    assert!(lc.log().verify().unwrap().is_intact());
}

#[test]
fn a_state_cannot_be_skipped() {
    let dir = workspace(&[]);
    let lc = Lifecycle::new(dir.path());
    let o = advance(&lc, S::Packaged, now());
    let Outcome::Refused { reasons, .. } = &o else { panic!() };
    assert!(reasons[0].starts_with("LC0001"), "{reasons:?}");
    assert!(lc.log().read().unwrap().is_empty(), "a refusal records nothing");
}

#[test]
fn a_critical_finding_blocks_handoff_with_an_escalation() {
    let dir = workspace(&[("sec_findings.yaml", "    severity: high", "    severity: critical")]);
    let root = dir.path();
    let lc = Lifecycle::new(root);
    assert!(advance(&lc, S::ReadyForHandoff, now()).advanced(), "READY does not require Critical=0");
    set_state(root, S::Planned, S::ReadyForHandoff);
    std::fs::write(root.join("handoff.sha256"), digest(root)).unwrap();
    let o = advance(&lc, S::Packaged, now());
    let Outcome::Refused { unmet, evaluation, .. } = &o else { panic!("{o:#?}") };
    assert_eq!(unmet.len(), 1);
    assert_eq!(unmet[0].criterion, Criterion::CriticalZero);
    assert!(unmet[0].detail.contains("F-001"), "{}", unmet[0].detail);
    let esc = &evaluation.as_ref().unwrap().gates.escalations;
    assert_eq!(esc.len(), 1);
    assert!(esc[0].blocks_handoff && esc[0].notify.contains(&"ciso@acme.test".to_owned()));
}

#[test]
fn a_schema_lint_failure_returns_the_cycle_to_planned() {
    let dir = workspace(&[]);
    let root = dir.path();
    let lc = Lifecycle::new(root);
    assert!(advance(&lc, S::ReadyForHandoff, now()).advanced());
    // Break the ledger.
    std::fs::write(root.join("sec_findings.yaml"), "version: [\n").unwrap();
    std::fs::write(root.join("handoff.sha256"), digest(root)).unwrap();
    let o = advance(&lc, S::Packaged, now());
    let Outcome::Refused { unmet, returned_to_planned, reasons, .. } = &o else { panic!("{o:#?}") };
    assert!(unmet.iter().any(|u| u.criterion == Criterion::SchemaLintPasses && u.detail.contains("sec_findings.yaml")));
    let ev = returned_to_planned.as_ref().expect("returned to PLANNED");
    assert_eq!((ev.kind, ev.from, ev.to), (EventKind::ReturnToPlanned, S::ReadyForHandoff, S::Planned));
    assert!(reasons.iter().any(|r| r.starts_with("LC0003")));
    assert_eq!(lc.state().unwrap(), S::Planned);
    assert!(lc.log().verify().unwrap().is_intact());
}

#[test]
fn unavailable_capabilities_refuse_rather_than_skip() {
    let dir = workspace(&[]);
    let root = dir.path();
    let lc = Lifecycle::new(root);
    assert!(advance(&lc, S::ReadyForHandoff, now()).advanced());
    set_state(root, S::Planned, S::ReadyForHandoff);
    let none = Unavailable("the seal capability is not built in".into());
    let o = lc.advance(&AdvanceRequest::new(S::Packaged, "bob", now()), Checks::new(&none, &none, &none)).unwrap();
    let Outcome::Refused { unmet, .. } = &o else { panic!() };
    assert!(unmet[0].detail.contains("not built in"));
}

#[test]
fn time_cannot_run_backwards_and_an_actor_is_required() {
    let dir = workspace(&[]);
    let lc = Lifecycle::new(dir.path());
    assert!(advance(&lc, S::ReadyForHandoff, now()).advanced());
    let e = lc.advance(&AdvanceRequest::new(S::Packaged, "alice", now() - Duration::hours(1)), checks()).unwrap_err();
    assert!(matches!(e, secfw_lifecycle::Error::TimeBeforeLastEvent { .. }));
    let e = lc.advance(&AdvanceRequest::new(S::Packaged, "  ", now()), checks()).unwrap_err();
    assert!(matches!(e, secfw_lifecycle::Error::NoActor));
}

#[test]
fn status_names_what_blocks_the_next_step() {
    let dir = workspace(&[("sec_findings.yaml", "tags: [auth]\n      compliance", "tags: [authn]\n      compliance")]);
    let lc = Lifecycle::new(dir.path());
    let st = lc.status(now(), 5, checks()).unwrap();
    assert_eq!((st.state, st.next), (S::Planned, S::ReadyForHandoff));
    let blockers: Vec<Criterion> = st.blockers().map(|c| c.criterion).collect();
    assert_eq!(blockers, vec![Criterion::GovernanceTagsValid, Criterion::CrossStreamPasses]);
    assert!(st.blockers().next().unwrap().detail.contains("GV0301"));
}

#[test]
fn a_tampered_log_refuses_every_transition() {
    let dir = workspace(&[]);
    let lc = Lifecycle::new(dir.path());
    assert!(advance(&lc, S::ReadyForHandoff, now()).advanced());
    let p = lc.log().path();
    let t = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, t.replace("\"alice\"", "\"mallory\"")).unwrap();
    let e = lc.advance(&AdvanceRequest::new(S::Packaged, "alice", now()), checks()).unwrap_err();
    let secfw_lifecycle::Error::Tampered { problems } = e else { panic!() };
    assert!(problems.iter().any(|p| p.code.as_str() == "LC0102" && p.line == Some(1)));
    assert!(lc.status(now(), 5, checks()).is_err());
}

#[test]
fn declared_states_may_lag_the_log_but_never_run_ahead_of_it() {
    // People's files are not edited at every transition: a map still saying PLANNED is fine
    // while the cycle moves on (the files were prepared at planning time) ...
    let dir = workspace(&[]);
    let lc = Lifecycle::new(dir.path());
    assert!(advance(&lc, S::ReadyForHandoff, now()).advanced());
    // ... but a file claiming a state the lifecycle has not reached is inconsistent.
    let dir = workspace(&[]);
    set_state(dir.path(), S::Planned, S::Validated);
    let lc = Lifecycle::new(dir.path());
    let o = advance(&lc, S::ReadyForHandoff, now());
    let Outcome::Refused { reasons, .. } = &o else { panic!("{o:#?}") };
    assert!(reasons.iter().any(|r| r.contains("GT0109")), "{reasons:#?}");
}

#[test]
fn advance_loaded_evaluates_the_given_workspace_and_still_records_under_the_lock() {
    let dir = workspace(&[]);
    let root = dir.path();
    let lc = Lifecycle::new(root);
    let loaded = secfw_artifacts::load(root, &secfw_artifacts::LoadOptions::default()).unwrap();
    assert!(loaded.is_valid());
    // The ledger on disk is broken after the load: a fresh load fails schema_lint ...
    std::fs::write(root.join("sec_findings.yaml"), "version: [").unwrap();
    let req = AdvanceRequest::new(S::ReadyForHandoff, "alice", now());
    let from_disk = lc.advance(&req, checks()).unwrap();
    assert!(!from_disk.advanced(), "the broken ledger on disk must refuse: {from_disk:#?}");
    // ... while the caller's workspace (loaded before the edit) is what advance_loaded evaluates.
    let o = lc.advance_loaded(&loaded, &req, checks()).unwrap();
    assert!(o.advanced(), "{o:#?}");
    assert_eq!(lc.state().unwrap(), S::ReadyForHandoff);
    assert!(lc.log().verify().unwrap().is_intact());
}

#[test]
fn a_gate_run_and_advance_accept_the_same_declared_states() {
    // One rule (`allowed_states`): a standalone gate run accepts exactly what `advance` to the next
    // state accepts, from every state.
    for from in S::ALL {
        let to = from.next();
        let mut expected: Vec<S> = S::ALL.into_iter().filter(|s| *s <= to).collect();
        if !expected.contains(&from) {
            expected.push(from);
        }
        assert_eq!(secfw_lifecycle::allowed_states(from, to), expected, "{from} -> {to}");
    }
    // End to end: a ledger that still says PLANNED after the lifecycle moved on to
    // READY_FOR_HANDOFF passes the cross-stream gate (as `advance` would), and one that runs ahead
    // of the next state fails it (as `advance` refuses).
    let dir = workspace(&[]);
    let lc = Lifecycle::new(dir.path());
    assert!(advance(&lc, S::ReadyForHandoff, now()).advanced());
    let events = lc.log().read().unwrap();
    let opts = secfw_lifecycle::gate_run_options(&events, false);
    assert!(opts.allowed_states.contains(&S::Planned), "{:?}", opts.allowed_states);
    assert_eq!(opts.cycle_start, None, "no transition into PLANNED yet");
    let gates = [secfw_gates::GateName::CrossStreamConsistency];
    let (_, run) = secfw_gates::run_dir(dir.path(), &gates, now(), &opts).unwrap();
    assert!(run.passed, "a lagging declaration passes the gate as it passes advance");
    set_state(dir.path(), S::Planned, S::Executed);
    let (_, run) = secfw_gates::run_dir(dir.path(), &gates, now(), &opts).unwrap();
    assert!(!run.passed, "a declaration ahead of the next state fails the gate");
    let o = advance(&lc, S::Packaged, now());
    assert!(!o.advanced(), "and advance refuses it too");
}

/// The `exceptions_valid` criterion of EXECUTED → VALIDATED, evaluated on `dir` at `now()`.
fn exceptions_valid(dir: &Path) -> secfw_lifecycle::CriterionResult {
    let ws = secfw_artifacts::load(dir, &secfw_artifacts::LoadOptions::default()).unwrap();
    let req = AdvanceRequest::new(S::Validated, "alice", now());
    let eval = Lifecycle::new(dir).evaluate(&ws, &[], S::Executed, &req, checks());
    eval.criteria.into_iter().find(|c| c.criterion == Criterion::ExceptionsValid).unwrap()
}

#[test]
fn revoked_exceptions_are_history_to_exceptions_valid_and_never_valid_themselves() {
    // A revoked entry that would be invalid and expired if it were active: history, so it
    // neither blocks VALIDATED nor is counted as a valid exception.
    let dir = workspace(&[]);
    let p = dir.path().join("exceptions.md");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        format!("{text}\n## Revoked Exceptions\n\n### EXC-009: Old waiver\n- **Policy**: POL-001\n- **Requestor**: data-team@acme.test\n- **Approval**: data-team@acme.test\n- **Valid Until**: 2026-01-31\n"),
    )
    .unwrap();
    let c = exceptions_valid(dir.path());
    assert!(c.met, "{}", c.detail);
    assert_eq!(c.detail, "1 exception(s), all valid (1 archived, excepting nothing)");
    // The same entry under Active Exceptions is a blocker.
    let active = std::fs::read_to_string(&p).unwrap().replace("## Revoked Exceptions", "## More Exceptions");
    std::fs::write(&p, active).unwrap();
    let c = exceptions_valid(dir.path());
    assert!(!c.met && c.detail.contains("EXC-009 is expired"), "{}", c.detail);
}
