//! One `cycle` process hashes every sealed file a fixed, small number of times (down from
//! nine): once when the manifest is generated, once as it is archived, once as it is
//! extracted. Every other step reuses a digest after checking the file's identity, and the
//! EXECUTED criterion reuses the verification unpack made of the same, unchanged archive.

mod support;

use std::time::Duration;

use secfw_lifecycle::{CycleOptions, StepStatus, run_cycle};

/// A fresh example workspace, signing keys and a signed trust policy, with cycle options.
struct Setup {
    _out: tempfile::TempDir,
    ws: std::path::PathBuf,
    opts: CycleOptions,
}

fn setup() -> Setup {
    let out = tempfile::tempdir().unwrap();
    let (ws, opts) = support::cycle_setup(out.path());
    // Timestamps older than one clock tick: a digest is reused only for settled files.
    std::thread::sleep(Duration::from_millis(60));
    Setup { _out: out, ws, opts }
}

// The tests of this file run one at a time: `findings_parses` counts for the whole process.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_cycle_hashes_each_sealed_file_three_times_and_loads_the_workspace_a_fixed_number_of_times() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Setup { ws, opts, .. } = &setup();
    let lock = secfw_artifacts::WorkspaceLock::acquire(ws, Duration::from_secs(5)).unwrap();
    let parses_before = secfw_artifacts::findings_parses();
    let report = run_cycle(ws, &lock, opts, &mut |_| {}).unwrap();
    let parses = secfw_artifacts::findings_parses() - parses_before;
    assert!(report.completed(), "{}", report.summary_text());
    assert!(report.steps.iter().any(|s| s.name == "ingest" && s.status == StepStatus::Done));
    let statement: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join(secfw_seal::names::STATEMENT)).unwrap()).unwrap();
    let n = statement["subject"].as_array().unwrap().len() as u64;
    // The archive also holds the statement, the envelope and the YAML view.
    let entries = n + 3;
    let s = report.hash_stats;
    assert_eq!(
        s.files_hashed,
        n + entries + entries,
        "generate hashes each sealed file once, package each entry as it archives it, unpack each entry as it extracts it: {s:?}"
    );
    assert_eq!(
        s.files_reused,
        5 * n,
        "sign (before and after, all keys in one call), package's check, PACKAGED and the check of the extracted copy reuse digests: {s:?}"
    );
    assert_eq!(s.archives_hashed, 1, "the archive is hashed as it is written; unpack hashes its entries only: {s:?}");
    assert_eq!(s.packages_reused, 1, "EXECUTED reuses unpack's verification of the unchanged archive: {s:?}");
    // The artifacts are read and parsed once, before READY_FOR_HANDOFF: generate-manifest
    // reuses that load, ingest merges into it and hands back the ledger it read back from the
    // bytes it wrote, and every later step uses that.
    assert_eq!(report.workspace_loads, 1, "workspace loads per cycle");
    // The ledger is parsed twice in the whole process: by that load, and by ingest's read-back
    // of the text it writes (which is what the later steps use).
    assert_eq!(parses, 2, "parses of sec_findings.yaml per cycle");
}

/// The attack the identity check defends: a person edits the ledger while the cycle runs,
/// between the cycle's load and ingest, keeping its size and setting its mtime back (so a
/// size+mtime stamp cannot see it). Ingest must merge into the edited file, never into the
/// cycle's stale copy (which would silently undo the edit), and the later steps must see it.
#[test]
fn a_ledger_edited_during_the_cycle_is_read_again_by_ingest_and_the_edit_is_kept() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Setup { ws, opts, .. } = &setup();
    let ledger = ws.join(secfw_artifacts::file_names::FINDINGS);
    let (from, to) = ("SQL injection in merchant transaction search", "SQL injection in merchant transaction SEARCH");
    assert_eq!(from.len(), to.len());
    let lock = secfw_artifacts::WorkspaceLock::acquire(ws, Duration::from_secs(5)).unwrap();
    let parses_before = secfw_artifacts::findings_parses();
    let mut edited = false;
    let report = run_cycle(ws, &lock, opts, &mut |step| {
        if step.name == "unpack" && !edited {
            edited = true;
            let text = std::fs::read_to_string(&ledger).unwrap();
            assert!(text.contains(from));
            let mtime = std::fs::metadata(&ledger).unwrap().modified().unwrap();
            let f = std::fs::OpenOptions::new().write(true).truncate(true).open(&ledger).unwrap();
            std::io::Write::write_all(&mut &f, text.replace(from, to).as_bytes()).unwrap();
            f.set_modified(mtime).unwrap();
        }
    })
    .unwrap();
    let parses = secfw_artifacts::findings_parses() - parses_before;
    assert!(edited);
    assert!(report.completed(), "{}", report.summary_text());
    let after = std::fs::read_to_string(&ledger).unwrap();
    assert!(after.contains(to), "the person's edit survives ingest");
    assert!(!after.contains(from), "the stale copy was not written back");
    // The load before READY_FOR_HANDOFF, the load again before ingest (the edit was seen), and
    // ingest's read-back.
    assert_eq!(report.workspace_loads, 2, "the edited workspace is loaded again before ingest");
    assert_eq!(parses, 3, "the edited ledger is parsed again before ingest");
}

/// The cycle hashes the artifacts for the gates' `inputs_digest` once per load and reuses it
/// for every later transition on that load. The property that must survive: every gate digest
/// a transition records is the digest of the workspace as it was then; in particular, after
/// ingest rewrote the ledger, no transition may record a digest of the text before ingest.
/// Each recorded digest must equal a fresh gate run's on a fresh load.
#[test]
fn every_recorded_gate_digest_is_that_of_the_workspace_the_gates_ran_on() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Setup { ws, opts, .. } = &setup();
    let ledger = ws.join(secfw_artifacts::file_names::FINDINGS);
    let before = std::fs::read(&ledger).unwrap();
    let pre_ingest =
        secfw_gates::inputs_digest(&secfw_artifacts::load(ws, &secfw_artifacts::LoadOptions::default()).unwrap());
    let lock = secfw_artifacts::WorkspaceLock::acquire(ws, Duration::from_secs(5)).unwrap();
    let report = run_cycle(ws, &lock, opts, &mut |_| {}).unwrap();
    assert!(report.completed(), "{}", report.summary_text());
    assert_ne!(std::fs::read(&ledger).unwrap(), before, "ingest rewrote the ledger");
    let after = secfw_artifacts::load(ws, &secfw_artifacts::LoadOptions::default()).unwrap();
    assert_ne!(secfw_gates::inputs_digest(&after), pre_ingest);
    let events = secfw_lifecycle::Lifecycle::new(ws).log().read().unwrap();
    let mut checked = 0;
    for (i, e) in events.iter().enumerate() {
        use secfw_artifacts::LifecycleState as S;
        if !matches!(e.to, S::Executed | S::Validated | S::Improve) {
            continue;
        }
        let gopts = secfw_lifecycle::gate_options(&events[..i], e.from, e.to, false);
        for g in &e.gates {
            let name: secfw_gates::GateName = g.gate.parse().unwrap();
            let fresh = secfw_gates::run(&after, &[name], e.time, &gopts);
            let r = fresh.report(name).unwrap();
            assert_eq!(r.inputs_digest, secfw_gates::inputs_digest(&after));
            assert_eq!(g.digest, r.digest, "{} at {}: the recorded report is not that of the workspace", g.gate, e.to);
            checked += 1;
        }
    }
    assert!(checked >= 3, "gate records after ingest checked: {checked}");
}

/// Governance (which findings are excepted, the counts, the rule outcomes) is evaluated once
/// per workspace the cycle holds and handed to every step that needs it: the gates of every
/// transition, the seal's Critical=0 pre-check, the ticket plan, the escalation data and the
/// metrics, and `generate-manifest`'s counts (`Preloaded::with_governance`). The cycle holds two
/// workspaces: its one load, and the one ingest merged into it (which drops the report of the
/// load, like the gates' inputs digest).
#[test]
fn governance_is_evaluated_once_per_workspace_the_cycle_holds() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Setup { ws, opts, .. } = &setup();
    let lock = secfw_artifacts::WorkspaceLock::acquire(ws, Duration::from_secs(5)).unwrap();
    let before = secfw_governance::evaluations();
    let report = run_cycle(ws, &lock, opts, &mut |_| {}).unwrap();
    let evaluations = secfw_governance::evaluations() - before;
    assert!(report.completed(), "{}", report.summary_text());
    assert!(report.steps.iter().any(|s| s.name == "ingest" && s.status == StepStatus::Done));
    assert!(report.steps.iter().any(|s| s.name == "tickets" && s.status == StepStatus::Done));
    assert_eq!(report.workspace_loads, 1);
    let workspaces = report.workspace_loads + 1; // the load, and the workspace ingest merged into it
    assert_eq!(evaluations, workspaces, "governance evaluations per cycle");
}

/// `schema_lint` depends only on the workspace, `now` and strict mode, so the cycle lints each
/// workspace it holds once (the load, and the workspace ingest merged into it) although five
/// transitions require it.
#[test]
fn schema_lint_runs_once_per_workspace_the_cycle_holds() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Setup { ws, opts, .. } = &setup();
    let lock = secfw_artifacts::WorkspaceLock::acquire(ws, Duration::from_secs(5)).unwrap();
    let before = secfw_gates::schema_lint_runs();
    let report = run_cycle(ws, &lock, opts, &mut |_| {}).unwrap();
    let runs = secfw_gates::schema_lint_runs() - before;
    assert!(report.completed(), "{}", report.summary_text());
    let events = secfw_lifecycle::Lifecycle::new(ws).log().read().unwrap();
    let linted = events.iter().filter(|e| e.gates.iter().any(|g| g.gate == "schema_lint")).count();
    assert_eq!(linted, 5, "every transition records a schema_lint verdict");
    assert_eq!(report.workspace_loads, 1);
    assert_eq!(runs, 2, "schema_lint runs per cycle: one per workspace held");
}

/// The attack on the memo: an artifact edited between two transitions must be linted again;
/// the verdict recorded for the later transition is that of the edited file, never the one
/// remembered from the earlier load. The edit (an empty section in the specification) adds a
/// schema_lint warning without blocking the cycle, so the recorded counts show which text was
/// linted, and the recorded digest must equal a fresh gate run on the edited workspace.
#[test]
fn an_artifact_edited_between_transitions_is_linted_again() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Setup { ws, opts, .. } = &setup();
    let spec = ws.join(secfw_artifacts::file_names::SECURITY_SPEC);
    let lock = secfw_artifacts::WorkspaceLock::acquire(ws, Duration::from_secs(5)).unwrap();
    let before = secfw_gates::schema_lint_runs();
    let mut fresh_at_packaged = None;
    let report = run_cycle(ws, &lock, opts, &mut |step| {
        if step.name == "→ READY_FOR_HANDOFF" {
            let mut text = std::fs::read_to_string(&spec).unwrap();
            text.push_str("\n## Notes added during the cycle\n\n");
            std::fs::write(&spec, text).unwrap();
        }
        if step.name == "→ PACKAGED" {
            let events = secfw_lifecycle::Lifecycle::new(ws).log().read().unwrap();
            let (last, earlier) = events.split_last().unwrap();
            let gopts = secfw_lifecycle::gate_options(earlier, last.from, last.to, false);
            let now_ws = secfw_artifacts::load(ws, &secfw_artifacts::LoadOptions::default()).unwrap();
            let fresh = secfw_gates::run(&now_ws, &[secfw_gates::GateName::SchemaLint], last.time, &gopts);
            fresh_at_packaged = Some(fresh.report(secfw_gates::GateName::SchemaLint).unwrap().digest.clone());
        }
    })
    .unwrap();
    let runs = secfw_gates::schema_lint_runs() - before;
    assert!(report.completed(), "{}", report.summary_text());
    let events = secfw_lifecycle::Lifecycle::new(ws).log().read().unwrap();
    let lint = |to: secfw_artifacts::LifecycleState| {
        let e = events.iter().rev().find(|e| e.changes_state() && e.to == to).unwrap();
        e.gates.iter().find(|g| g.gate == "schema_lint").unwrap().clone()
    };
    let (ready, packaged) =
        (lint(secfw_artifacts::LifecycleState::ReadyForHandoff), lint(secfw_artifacts::LifecycleState::Packaged));
    assert_eq!(packaged.warnings, ready.warnings + 1, "the edited specification was linted again");
    assert_eq!(Some(packaged.digest), fresh_at_packaged, "the recorded verdict is that of the edited workspace");
    // The edit forces at least one more load (a file written a moment ago is not trusted to
    // be what a load read, so a later step may load once more); every workspace held, loads
    // and the one ingest merged into, is linted exactly once.
    assert!(report.workspace_loads >= 2, "the edited workspace is loaded again");
    assert_eq!(runs, report.workspace_loads + 1, "schema_lint runs: one per workspace held");
}
