//! `secfw cycle`: run the lifecycle from its current state as far as its gates allow.
//!
//! validate → gates → READY_FOR_HANDOFF → generate the manifest, sign it with every given key,
//! package it → PACKAGED (Critical=0 enforced: a violation blocks and writes the escalation) →
//! verify and unpack the package → ingest the scan outputs → ticket plan (and apply, with an
//! endpoint) → EXECUTED → VALIDATED → metrics and digest → IMPROVE; then, after the last gate
//! decision of the run, the notifications (escalations just raised included).
//!
//! Ticket sync and notifications never decide a transition: their failures are `warned` steps
//! and the run goes on; notifications run after every gate decision of the run, so a slow or
//! unreachable mail or webhook server cannot delay one.
//!
//! Every transition goes through [`Lifecycle::advance`], so no entry criterion is skipped; the
//! run stops at the first refused transition with every reason. A cycle at IMPROVE is complete:
//! running again changes nothing (the next cycle starts with `secfw advance --to PLANNED`).

use secfw_artifacts::WorkspaceLock;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use secfw_artifacts::{LifecycleState, LoadOptions, LoadedWorkspace};
use secfw_governance::GovernanceReport;
use secfw_seal::{FileIdentity, GitMode, SignOptions, TrustPolicy, VerifyOptions};
use serde::Serialize;

use crate::wiring::Standard;
use crate::{AdvanceRequest, Error, Evaluation, Lifecycle, Outcome, codes};

/// Where escalation records are written when an enforcement rule blocks the handoff.
pub const ESCALATIONS_DIR: &str = ".secfw/escalations";
/// Where `EXECUTED` unpacks the verified package.
pub const EXECUTED_DIR: &str = ".secfw/executed";

/// What `cycle` needs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CycleOptions {
    /// Who runs the cycle (recorded in every event).
    pub actor: String,
    /// The time of every step (recorded; used for every time-dependent criterion).
    pub now: DateTime<Utc>,
    /// Trust policy (JSON) the manifest is verified against.
    pub trust: Option<PathBuf>,
    /// Signing keys (PKCS#8 PEM); each signs in the role the trust policy gives it.
    pub keys: Vec<PathBuf>,
    /// Scanner outputs to ingest beside the rulebook's `scan_inputs`.
    pub scans: Vec<PathBuf>,
    /// Bind the manifest to the workspace's git commit (off: `--no-git`).
    pub git: bool,
    /// Seal uncommitted changes (recorded as dirty in the manifest).
    pub allow_dirty: bool,
    /// Warnings fail the gates too.
    pub strict: bool,
    /// Also write an OpenSSH SSHSIG sidecar per signature (verifiable with `ssh-keygen -Y verify`).
    pub sshsig: bool,
    /// Plan the ticket sync after ingest (off: `--no-tickets`).
    pub tickets: bool,
    /// Apply the ticket plan to this webhook after ingest (none: plan only).
    pub tickets_endpoint: Option<secfw_tickets::Endpoint>,
    /// Send the notifications the rulebook configures at the end of the run (off: `--no-notify`).
    pub notify: bool,
    /// Retries and timeouts of ticket and notification delivery (default: 3 attempts, 5 s per
    /// attempt, backoff 0.5 s doubling up to 4 s).
    pub delivery: secfw_tickets::ApplyOptions,
}

impl CycleOptions {
    /// Options with no keys, no trust policy, git binding on.
    pub fn new(actor: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            actor: actor.into(),
            now,
            trust: None,
            keys: Vec::new(),
            scans: Vec::new(),
            git: true,
            allow_dirty: false,
            strict: false,
            sshsig: false,
            tickets: true,
            tickets_endpoint: None,
            notify: true,
            delivery: secfw_tickets::ApplyOptions::default()
                .max_attempts(3)
                .timeout(std::time::Duration::from_secs(5))
                .backoff(std::time::Duration::from_millis(500), std::time::Duration::from_secs(4)),
        }
    }
}

/// Outcome of one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepStatus {
    /// The step ran and succeeded.
    Done,
    /// Nothing to do.
    Skipped,
    /// The step failed or a transition was refused; the cycle stops here.
    Failed,
    /// The step failed and the cycle went on: ticket sync and notifications never decide a
    /// transition.
    Warned,
}

/// One step of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Step {
    /// Short name (`validate`, `seal`, `→ PACKAGED`, ...).
    pub name: String,
    /// What happened.
    pub status: StepStatus,
    /// Details for people.
    pub detail: String,
}

/// One gate's result in the summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct GateLine {
    /// Gate name.
    pub gate: String,
    /// Passed.
    pub passed: bool,
    /// Error count.
    pub errors: usize,
    /// Warning count.
    pub warnings: usize,
    /// Findings excepted by a valid exception.
    pub excepted: usize,
}

/// One KPI in the summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct KpiLine {
    /// KPI name.
    pub name: String,
    /// Value as displayed (`n/a` when not computable).
    pub value: String,
    /// Target as displayed.
    pub target: String,
    /// `↑`, `↓` or `→`.
    pub trend: String,
}

/// What a run did.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct CycleReport {
    /// State before the run.
    pub started_in: LifecycleState,
    /// State after the run.
    pub ended_in: LifecycleState,
    /// Every step, in order.
    pub steps: Vec<Step>,
    /// Why the run stopped early (every unmet criterion), if it did.
    pub refused: Vec<String>,
    /// The last gate results seen.
    pub gates: Vec<GateLine>,
    /// The seal of this cycle's manifest.
    pub seal: Option<secfw_artifacts::Seal>,
    /// The package written.
    pub package: Option<PathBuf>,
    /// Where EXECUTED unpacked the verified package (the handoff exactly as sealed).
    pub executed: Option<PathBuf>,
    /// SSHSIG sidecars written, as (signer identity, file).
    pub sidecars: Vec<(String, PathBuf)>,
    /// Escalation records written.
    pub escalations: Vec<PathBuf>,
    /// KPIs of the digest.
    pub kpis: Vec<KpiLine>,
    /// Where the digest is.
    pub digest: Option<PathBuf>,
    /// Every pass over file bytes the seal steps made (manifest, signatures, package, PACKAGED,
    /// unpack, EXECUTED) and every digest they reused after the file's identity matched. Not
    /// serialized: whether a digest can be reused depends on file timestamps, and the report's
    /// output stays the same for the same inputs.
    #[serde(skip)]
    pub hash_stats: secfw_seal::HashStats,
    /// How many times the workspace's artifacts were loaded (read and parsed) in this run (not
    /// serialized, like `hash_stats`).
    #[serde(skip)]
    pub workspace_loads: u64,
}

impl CycleReport {
    /// `true` when the cycle reached IMPROVE without a refusal.
    pub fn completed(&self) -> bool {
        self.ended_in == LifecycleState::Improve && self.refused.is_empty()
    }

    /// A plain-text summary table: each gate, the seal, the KPIs, where the digest is.
    pub fn summary_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "cycle: {} → {}{}",
            self.started_in,
            self.ended_in,
            if self.completed() { " (complete)" } else { "" }
        );
        if !self.gates.is_empty() {
            let _ = writeln!(s, "\n| gate | result | errors | warnings | excepted |\n|---|---|---|---|---|");
            for g in &self.gates {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    g.gate,
                    if g.passed { "pass" } else { "FAIL" },
                    g.errors,
                    g.warnings,
                    g.excepted
                );
            }
        }
        if let Some(seal) = &self.seal {
            let _ = writeln!(s, "\nseal: {seal}");
        }
        if let Some(p) = &self.package {
            let _ = writeln!(s, "package: {}", p.display());
        }
        if !self.kpis.is_empty() {
            let _ = writeln!(s, "\n| KPI | current | target | trend |\n|---|---|---|---|");
            for k in &self.kpis {
                let _ = writeln!(s, "| {} | {} | {} | {} |", k.name, k.value, k.target, k.trend);
            }
        }
        if let Some(d) = &self.digest {
            let _ = writeln!(s, "\ndigest: {}", d.display());
        }
        for e in &self.escalations {
            let _ = writeln!(s, "escalation written: {}", e.display());
        }
        if !self.refused.is_empty() {
            let _ = writeln!(s, "\nstopped: the next transition was refused:");
            for r in &self.refused {
                let _ = writeln!(s, "  ✗ {}", crate::hanging(r, 4));
            }
        }
        s
    }
}

struct Run<'a> {
    root: &'a Path,
    lock: &'a WorkspaceLock,
    opts: &'a CycleOptions,
    lc: Lifecycle,
    wiring: Standard,
    report: CycleReport,
    progress: &'a mut dyn FnMut(&Step),
    /// The artifacts as last loaded, reused by the next step while they are unchanged.
    loaded: Option<Loaded>,
}

/// A loaded workspace and what the six artifact files looked like just before it was read.
///
/// Steps of one run reuse it instead of parsing the artifacts again (on a large ledger each
/// load costs seconds). It is dropped when a step writes an artifact (ingest) and whenever any
/// artifact's size or modification time differs from the stamp, so an edit made while the
/// cycle runs is seen by the next step.
struct Loaded {
    ws: LoadedWorkspace,
    strict: bool,
    stamp: Stamp,
    /// The artifacts' full identities (device, inode, size, mtime, ctime) just before the load
    /// began, and when it began: `generate-manifest` reuses this load only while they hold.
    identities: Vec<Option<FileIdentity>>,
    read_at: std::time::SystemTime,
    /// [`secfw_gates::inputs_digest`] of `ws`, computed by the first gate run on this load
    /// (every later transition's gates reuse it); reset whenever `ws` changes.
    inputs_digest: std::cell::OnceCell<String>,
    /// [`secfw_governance::evaluate`] of `ws` at the cycle's `now`, computed by the first step
    /// that needs it (gates, the seal's pre-check, tickets, escalations, metrics) and handed to
    /// every later one; reset whenever `ws` changes, like `inputs_digest`.
    governance: std::cell::OnceCell<Arc<GovernanceReport>>,
    /// The reports of gates that depend only on `ws`, `now` and strict mode (`schema_lint`),
    /// kept by the first transition on this load for the later ones; reset whenever `ws`
    /// changes, like `inputs_digest`.
    gate_memo: secfw_gates::GateMemo,
}

impl Loaded {
    fn new(
        ws: LoadedWorkspace,
        strict: bool,
        stamp: Stamp,
        identities: Vec<Option<FileIdentity>>,
        read_at: std::time::SystemTime,
    ) -> Self {
        Self {
            ws,
            strict,
            stamp,
            identities,
            read_at,
            inputs_digest: std::cell::OnceCell::new(),
            governance: std::cell::OnceCell::new(),
            gate_memo: secfw_gates::GateMemo::new(),
        }
    }

    fn inputs_digest(&self) -> String {
        self.inputs_digest.get_or_init(|| secfw_gates::inputs_digest(&self.ws)).clone()
    }

    /// The governance report of `ws` at `now` (every step of a cycle uses the one `now`; a
    /// report of another instant is never returned).
    fn governance(&self, now: DateTime<Utc>) -> Arc<GovernanceReport> {
        let gov = self.governance.get_or_init(|| Arc::new(secfw_governance::evaluate(&self.ws, now)));
        if gov.now == now { Arc::clone(gov) } else { Arc::new(secfw_governance::evaluate(&self.ws, now)) }
    }

    /// `ws` is about to change (ingest merges into it): what was computed from it is dropped.
    fn invalidate(&mut self) {
        self.inputs_digest = std::cell::OnceCell::new();
        self.governance = std::cell::OnceCell::new();
        self.gate_memo = secfw_gates::GateMemo::new();
    }
}

type Stamp = Vec<Option<(u64, Option<std::time::SystemTime>)>>;

/// The position of `sec_findings.yaml` in [`secfw_artifacts::file_names::ALL`] (the order of
/// [`Stamp`] and of `Loaded::identities`).
fn finding_index() -> Option<usize> {
    secfw_artifacts::file_names::ALL.iter().position(|n| *n == secfw_artifacts::file_names::FINDINGS)
}

/// `true` when the files ingest reads (ledger, inventory, rulebook) are provably the ones
/// `loaded` parsed: each one read has a full identity (device, inode, size, mtime, ctime)
/// taken before the load began that was settled then and is still the current one; each one
/// not read was missing then and is missing now.
fn ingest_inputs_unchanged(root: &Path, loaded: &Loaded) -> bool {
    use secfw_artifacts::file_names;
    let now = secfw_seal::artifact_identities(root);
    [file_names::FINDINGS, file_names::INVENTORY, file_names::RULEBOOK].iter().all(|name| {
        let Some(i) = file_names::ALL.iter().position(|n| n == name) else { return false };
        match (loaded.identities.get(i).copied().flatten(), now.get(i).copied().flatten()) {
            (Some(then), Some(current)) => then == current && then.settled_at(loaded.read_at),
            (None, None) => {
                !loaded.ws.sources.contains_key(*name) && std::fs::symlink_metadata(root.join(name)).is_err()
            }
            _ => false,
        }
    })
}

fn stamp(root: &Path) -> Stamp {
    secfw_artifacts::file_names::ALL
        .iter()
        .map(|f| std::fs::metadata(root.join(f)).ok().map(|m| (m.len(), m.modified().ok())))
        .collect()
}

/// Check every input file `opts` names before anything is recorded: each key, the trust policy
/// and each scanner report must be a regular file (checked without opening it, so a FIFO or
/// device never blocks); keys must load as the seal loads them (Ed25519, not readable by others)
/// and the trust policy must verify as the seal's anchor (signed chain, outside `root`, not older
/// than the workspace's pin). A cycle that still has to seal (started before PACKAGED) needs at least one key and a
/// trust policy. Every problem is reported, one diagnostic each.
///
/// # Errors
///
/// [`Error::Inputs`] with one diagnostic per problem.
pub fn check_inputs(root: &Path, opts: &CycleOptions, state: LifecycleState) -> Result<(), Error> {
    use secfw_artifacts::Diagnostic;

    let mut problems = Vec::new();
    let file = |path: &Path, what: &str, problems: &mut Vec<Diagnostic>| -> Option<()> {
        let name = path.display().to_string();
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                problems.push(
                    Diagnostic::error(codes::INPUT_MISSING, &name, format!("{what} {name}: {e}"))
                        .with_hint(format!("check the path given as the {what}")),
                );
                return None;
            }
        };
        if !meta.is_file() {
            problems.push(
                Diagnostic::error(codes::INPUT_MISSING, &name, format!("{what} {name} is not a regular file"))
                    .with_hint("give a regular file (directories, FIFOs and devices are refused)"),
            );
            return None;
        }
        Some(())
    };
    for key in &opts.keys {
        if file(key, "signing key", &mut problems).is_some()
            && let Err(e) = secfw_seal::load_signing_key(key, false)
        {
            problems.push(
                Diagnostic::error(codes::INPUT_INVALID, key.display().to_string(), format!("signing key: {e}"))
                    .with_hint("give the PKCS#8 PEM private key `secfw keygen` wrote (not the .pub file), mode 0600"),
            );
        }
    }
    if let Some(trust) = &opts.trust
        && file(trust, "trust policy", &mut problems).is_some()
        && let Err(e) = secfw_seal::load_pinned_anchor(Some(trust), root, None, opts.now, Some(root))
    {
        problems.push(
            Diagnostic::error(codes::INPUT_INVALID, trust.display().to_string(), format!("trust policy: {e}"))
                .with_hint("give a signed trust policy from outside the workspace (`secfw trust init --root-key`, `secfw trust sign`)"),
        );
    }
    for scan in &opts.scans {
        file(scan, "scanner report", &mut problems);
    }
    if state < LifecycleState::Packaged {
        if opts.keys.is_empty() {
            problems.push(
                Diagnostic::error(
                    codes::INPUT_REQUIRED,
                    "--key",
                    "the cycle has to seal the handoff but no --key was given",
                )
                .with_hint("pass --key FILE once per signer the trust policy requires (`secfw keygen` makes one)"),
            );
        }
        if opts.trust.is_none() {
            problems.push(
                Diagnostic::error(
                    codes::INPUT_REQUIRED,
                    "--trust",
                    "the cycle has to seal the handoff but no trust policy was given",
                )
                .with_hint("pass --trust FILE or set SECFW_TRUST (`secfw trust init` makes one)"),
            );
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Inputs { problems }) }
}

/// Run the cycle on the workspace at `root`, calling `progress` after every step.
///
/// `lock` proves the caller holds the workspace lock of `root` for the whole cycle (the
/// steps that write, such as ingest, run under it).
pub fn run(
    root: &Path,
    lock: &WorkspaceLock,
    opts: &CycleOptions,
    progress: &mut dyn FnMut(&Step),
) -> Result<CycleReport, Error> {
    secfw_artifacts::check_root(root)?;
    lock.check_covers(root)?;
    let lc = Lifecycle::new(root);
    let started_in = lc.state()?;
    check_inputs(root, opts, started_in)?;
    let mut run = Run {
        root,
        lock,
        opts,
        lc,
        wiring: Standard::new(opts.trust.clone(), opts.git),
        report: CycleReport {
            started_in,
            ended_in: started_in,
            steps: Vec::new(),
            refused: Vec::new(),
            gates: Vec::new(),
            seal: None,
            package: None,
            executed: None,
            sidecars: Vec::new(),
            escalations: Vec::new(),
            kpis: Vec::new(),
            digest: None,
            hash_stats: secfw_seal::HashStats::default(),
            workspace_loads: 0,
        },
        progress,
        loaded: None,
    };
    loop {
        let state = run.lc.state()?;
        run.report.ended_in = state;
        let go_on = match state {
            LifecycleState::Improve => {
                if run.report.steps.is_empty() {
                    run.step(
                        "cycle",
                        StepStatus::Skipped,
                        "already at IMPROVE: this cycle is complete (`secfw advance --to PLANNED` starts the next)",
                    );
                }
                false
            }
            LifecycleState::Planned => run.advance(LifecycleState::ReadyForHandoff)?,
            LifecycleState::ReadyForHandoff => run.seal()? && run.advance(LifecycleState::Packaged)?,
            LifecycleState::Packaged => run.execute()? && run.advance(LifecycleState::Executed)?,
            LifecycleState::Executed => run.advance(LifecycleState::Validated)?,
            LifecycleState::Validated => run.digest()? && run.advance(LifecycleState::Improve)?,
        };
        if !go_on {
            break;
        }
    }
    run.report.ended_in = run.lc.state()?;
    // Every gate decision of this run is made and recorded: now tell people.
    run.notify();
    run.report.hash_stats = run.wiring.seal.memo.stats();
    // Freeing a large loaded workspace is hundreds of thousands of deallocations (about 5% of
    // an M cycle): the caller has its report at once.
    if let Some(l) = run.loaded.take() {
        secfw_artifacts::drop_aside(l);
    }
    Ok(run.report)
}

impl Run<'_> {
    /// The workspace loaded with `strict`, reused from the previous step when no artifact
    /// changed since; give it back with [`Run::keep`].
    fn take_workspace(&mut self, strict: bool) -> Result<Loaded, Error> {
        let now = stamp(self.root);
        match self.loaded.take() {
            Some(l) if l.strict == strict && l.stamp == now => Ok(l),
            _ => self.load_fresh(strict),
        }
    }

    /// Load the workspace now, whatever was loaded before.
    fn load_fresh(&mut self, strict: bool) -> Result<Loaded, Error> {
        self.loaded = None;
        self.report.workspace_loads += 1;
        let stamp = stamp(self.root);
        let read_at = std::time::SystemTime::now();
        let identities = secfw_seal::artifact_identities(self.root);
        let ws = secfw_artifacts::load(self.root, &LoadOptions::default().strict(strict))?;
        Ok(Loaded::new(ws, strict, stamp, identities, read_at))
    }

    fn keep(&mut self, loaded: Loaded) {
        self.loaded = Some(loaded);
    }

    fn step(&mut self, name: &str, status: StepStatus, detail: impl Into<String>) {
        let step = Step { name: name.to_owned(), status, detail: detail.into() };
        (self.progress)(&step);
        self.report.steps.push(step);
    }

    fn fail(&mut self, name: &str, reasons: Vec<String>) -> bool {
        self.step(name, StepStatus::Failed, reasons.first().cloned().unwrap_or_default());
        self.report.refused = reasons;
        false
    }

    /// Keep the latest result of every gate that ran during the run.
    fn record_gates(&mut self, ev: &Evaluation) {
        for r in &ev.gates.reports {
            let line = GateLine {
                gate: r.gate.to_string(),
                passed: r.passed,
                errors: r.summary.errors,
                warnings: r.summary.warnings,
                excepted: r.excepted.len(),
            };
            match self.report.gates.iter_mut().find(|g| g.gate == line.gate) {
                Some(g) => *g = line,
                None => self.report.gates.push(line),
            }
        }
    }

    /// Advance to `to`; on refusal record every reason (and escalations) and stop.
    fn advance(&mut self, to: LifecycleState) -> Result<bool, Error> {
        let loaded = self.take_workspace(self.opts.strict)?;
        let req = AdvanceRequest::new(to, self.opts.actor.clone(), self.opts.now)
            .strict(self.opts.strict)
            .inputs_digest(Some(loaded.inputs_digest()))
            .governance(Some(loaded.governance(self.opts.now)))
            .gate_memo(Some(loaded.gate_memo.clone()));
        let outcome = self.lc.advance_loaded(&loaded.ws, &req, self.wiring.checks());
        self.keep(loaded);
        let outcome = outcome?;
        match outcome {
            Outcome::Advanced { event, evaluation } => {
                self.record_gates(&evaluation);
                if let Some(seal) = &event.seal {
                    self.report.seal = Some(*seal);
                }
                self.step(&format!("→ {to}"), StepStatus::Done, format!("event #{} {}", event.seq, event.hash));
                Ok(true)
            }
            Outcome::Refused { reasons, evaluation, returned_to_planned, .. } => {
                if let Some(ev) = &evaluation {
                    self.record_gates(ev);
                    self.escalate(ev)?;
                }
                if let Some(e) = returned_to_planned {
                    self.step(
                        "→ PLANNED",
                        StepStatus::Done,
                        format!("schema_lint failed: returned to PLANNED (event #{})", e.seq),
                    );
                }
                Ok(self.fail(&format!("→ {to}"), reasons))
            }
        }
    }

    /// Write one escalation record per blocking rule violation (atomically, deterministic name).
    fn escalate(&mut self, ev: &Evaluation) -> Result<(), Error> {
        for (i, e) in ev.gates.escalations.iter().enumerate() {
            let name = format!("{}-{}-{i}.json", self.opts.now.format("%Y%m%dT%H%M%SZ"), e.rule);
            let rel = Path::new(ESCALATIONS_DIR).join(name);
            let path = self.root.join(&rel);
            let body = serde_json::to_vec_pretty(&serde_json::json!({
                "format": "secfw-escalation/v1",
                "from": ev.from,
                "to": ev.to,
                "actor": self.opts.actor,
                "escalation": e,
            }))
            .map_err(|source| Error::Serialize { what: "escalation", source })?;
            // Never through a symlinked `.secfw` or `.secfw/escalations` (SF0010).
            secfw_artifacts::state::write(self.root, &rel, &body)?;
            self.step(
                "escalate",
                StepStatus::Done,
                format!("{} {} (count {}): notify {}", e.rule, e.condition, e.count, e.notify.join(", ")),
            );
            self.report.escalations.push(path);
        }
        Ok(())
    }

    fn trust(&self) -> Result<TrustPolicy, String> {
        let path = self.opts.trust.as_ref().ok_or("a trust policy is needed to seal: pass --trust FILE")?;
        secfw_seal::load_pinned_anchor(Some(path), self.root, None, self.opts.now, Some(self.root))
            .map(|a| a.policy)
            .map_err(|e| e.to_string())
    }

    /// Verification options of the seal steps, with the digests earlier steps established.
    fn verify_options(&self) -> VerifyOptions {
        VerifyOptions::new(self.opts.now).require_git(self.opts.git).known(self.wiring.seal.memo.known())
    }

    /// READY_FOR_HANDOFF → PACKAGED preparation: Critical=0 pre-check, manifest, signatures,
    /// package. Each part records its step; the first that fails stops the run.
    fn seal(&mut self) -> Result<bool, Error> {
        if !self.handoff_not_blocked()? {
            return Ok(false);
        }
        let trust = match self.trust() {
            Ok(t) => t,
            Err(e) => return Ok(self.fail("seal", vec![e])),
        };
        if self.opts.keys.is_empty() {
            return Ok(self.fail(
                "seal",
                vec!["no signing key: pass --key FILE (one per signer the trust policy requires)".into()],
            ));
        }
        Ok(self.generate_manifest()? && self.sign_all(&trust) && self.package(&trust))
    }

    /// Critical=0 and the other blocking rules, before anything is sealed: while the handoff is
    /// blocked (the transition would be refused anyway) this writes the escalation and fails
    /// the run. `Ok(true)`: nothing blocks.
    fn handoff_not_blocked(&mut self) -> Result<bool, Error> {
        let loaded = self.take_workspace(false)?;
        let gov = loaded.governance(self.opts.now);
        if !gov.handoff_blocked() {
            self.keep(loaded);
            return Ok(true);
        }
        let req = AdvanceRequest::new(LifecycleState::Packaged, self.opts.actor.clone(), self.opts.now)
            .strict(self.opts.strict)
            .inputs_digest(Some(loaded.inputs_digest()))
            .governance(Some(gov));
        let events = self.lc.log().read()?;
        let ev = self.lc.evaluate(&loaded.ws, &events, LifecycleState::ReadyForHandoff, &req, self.wiring.checks());
        self.keep(loaded);
        self.record_gates(&ev);
        self.escalate(&ev)?;
        let reasons: Vec<String> = ev
            .criteria
            .iter()
            .filter(|c| !c.met)
            .map(|c| format!("{}: {}", c.criterion.describe(), c.detail))
            .collect();
        Ok(self.fail("seal", reasons))
    }

    /// Generate the manifest. It reuses the workspace this run loaded (the same load options)
    /// while the artifacts' identities are unchanged; otherwise it loads them itself.
    fn generate_manifest(&mut self) -> Result<bool, Error> {
        let mut gopts = secfw_seal::GenerateOptions::new(self.opts.now);
        gopts.git = if self.opts.git { GitMode::Head } else { GitMode::None };
        gopts.allow_dirty = self.opts.allow_dirty;
        gopts.lifecycle_state = Some(LifecycleState::Packaged);
        let loaded = self.take_workspace(false)?;
        let governance = loaded.governance(self.opts.now);
        let pre =
            secfw_seal::Preloaded::new(&loaded.ws, &loaded.identities, loaded.read_at).with_governance(&governance);
        let generated = secfw_seal::generate_manifest_preloaded(self.root, Some(pre), &gopts);
        if let Ok(g) = &generated
            && !g.reused_load
        {
            self.report.workspace_loads += 1;
        }
        self.keep(loaded);
        let generated = match generated {
            Ok(g) => g,
            Err(e) => return Ok(self.fail("seal", vec![format!("generate-manifest: {e}")])),
        };
        self.wiring.seal.memo.record(&generated.known, &generated.stats);
        self.step(
            "manifest",
            StepStatus::Done,
            format!("{} file(s) sealed: {}", generated.statement.subject.len(), generated.seal),
        );
        Ok(true)
    }

    /// Sign the manifest with every key in one call: one verification before, one after.
    fn sign_all(&mut self, trust: &TrustPolicy) -> bool {
        let manifest = self.root.join(secfw_seal::names::MANIFEST);
        let mut keys = Vec::new();
        for key_path in &self.opts.keys {
            let key = match secfw_seal::load_signing_key(key_path, false) {
                Ok(k) => k,
                Err(e) => return self.fail("sign", vec![format!("{}: {e}", key_path.display())]),
            };
            let Some((_, tk)) = trust.lookup(&key.public()) else {
                return self.fail(
                    "sign",
                    vec![format!("{}: key {} is not in the trust policy", key_path.display(), key.public().keyid())],
                );
            };
            let sopts = SignOptions::new(tk.identity.clone(), self.verify_options()).sshsig(self.opts.sshsig);
            keys.push((key, sopts));
        }
        let signers: Vec<(&secfw_seal::SigningKey, &SignOptions)> = keys.iter().map(|(k, o)| (k, o)).collect();
        match secfw_seal::sign_manifest_all(&manifest, trust, &signers) {
            Ok(all) => {
                if let Some(first) = all.first() {
                    self.wiring.seal.memo.record(&first.report.known, &first.report.stats);
                }
                for (s, (_, o)) in all.into_iter().zip(&keys) {
                    self.step(
                        "sign",
                        StepStatus::Done,
                        format!("{} signed as {} ({})", o.identity, s.role.as_str(), s.keyid),
                    );
                    if let Some(p) = s.sidecar {
                        self.report.sidecars.push((o.identity.clone(), p));
                    }
                }
                true
            }
            Err(e) => {
                let paths: Vec<String> = self.opts.keys.iter().map(|p| p.display().to_string()).collect();
                self.fail("sign", vec![format!("{}: {e}", paths.join(", "))])
            }
        }
    }

    /// Write the package (each file hashed as it is archived).
    fn package(&mut self, trust: &TrustPolicy) -> bool {
        match secfw_seal::package(self.root, trust, &self.verify_options()) {
            Ok(p) => {
                self.wiring.seal.memo.record(&p.known, &p.stats);
                self.step("package", StepStatus::Done, format!("{} ({} entries)", p.path.display(), p.entries.len()));
                self.report.package = Some(p.path);
                self.report.seal = Some(p.seal);
                true
            }
            Err(e) => self.fail("package", vec![format!("package: {e}")]),
        }
    }

    /// PACKAGED → EXECUTED preparation: verify and unpack the package, ingest the scans.
    fn execute(&mut self) -> Result<bool, Error> {
        let trust = match self.trust() {
            Ok(t) => t,
            Err(e) => return Ok(self.fail("unpack", vec![e])),
        };
        let events = self.lc.log().read()?;
        let sealed =
            events.iter().rev().find(|e| e.changes_state() && e.to == LifecycleState::Packaged).and_then(|e| e.seal);
        // Take the package of the seal this cycle recorded at PACKAGED, never another.
        let Some(sealed) = sealed else {
            return Ok(self.fail("unpack", vec!["no seal was recorded when this cycle entered PACKAGED".into()]));
        };
        let Some(archive) = secfw_seal::package_of_seal(self.root, &sealed) else {
            let short = format!("sha256:{}", sealed.short(12));
            return Ok(self.fail(
                "unpack",
                vec![format!("no package of seal {short}… in .secfw/packages: seal and package the handoff first")],
            ));
        };
        let stem = archive.file_stem().map_or_else(|| "package".to_owned(), |s| s.to_string_lossy().into_owned());
        // Never unpacked through a symlinked `.secfw`, `.secfw/executed` or target (SF0010).
        let rel = Path::new(EXECUTED_DIR).join(&stem);
        secfw_artifacts::state::check_dirs(self.root, &rel)?;
        let target = self.root.join(rel);
        if target.is_dir() && std::fs::read_dir(&target).is_ok_and(|mut d| d.next().is_some()) {
            self.step("unpack", StepStatus::Skipped, format!("already unpacked in {}", target.display()));
            self.report.executed = Some(target);
        } else {
            let mut uo = self.verify_options();
            uo.expect_project = secfw_seal::workspace_project(self.root);
            match secfw_seal::unpack(&archive, &target, &trust, &uo) {
                Ok(r) => {
                    self.wiring.seal.memo.record(&r.known, &r.stats);
                    self.step("unpack", StepStatus::Done, format!("verified and unpacked into {}", target.display()));
                    self.report.executed = Some(target.clone());
                }
                Err(e) => return Ok(self.fail("unpack", vec![format!("{}: {e}", archive.display())])),
            }
        }
        self.ingest()
    }

    fn ingest(&mut self) -> Result<bool, Error> {
        let loaded = self.take_workspace(false)?;
        let mut inputs: Vec<secfw_ingest::Input> = Vec::new();
        let mut bad_format = None;
        if let Some(rb) = &loaded.ws.rulebook {
            for si in &rb.scan_inputs {
                match si.format.parse::<secfw_ingest::Format>() {
                    Ok(format) => inputs.push(secfw_ingest::Input::new(self.root.join(&si.path), format)),
                    Err(e) => {
                        bad_format = Some(format!("rulebook.yaml scan_inputs `{}`: {e}", si.path));
                        break;
                    }
                }
            }
        }
        self.keep(loaded);
        if let Some(reason) = bad_format {
            return Ok(self.fail("ingest", vec![reason]));
        }
        inputs.extend(self.opts.scans.iter().map(|p| secfw_ingest::Input::new(p.clone(), secfw_ingest::Format::Auto)));
        if inputs.is_empty() {
            self.step("ingest", StepStatus::Skipped, "no scan inputs (rulebook scan_inputs or --scan)");
            self.tickets();
            return Ok(true);
        }
        let iopts = secfw_ingest::IngestOptions::new(self.opts.now);
        // Ingest merges into this run's load (no second parse of the ledger, inventory and
        // rulebook) only while that load provably is the files on disk, otherwise into a load
        // made now; it hands back the merged ledger as read back from the bytes it wrote, so
        // the next step does not load the ledger again.
        let mut l = match self.loaded.take() {
            Some(l) if !l.strict && ingest_inputs_unchanged(self.root, &l) => l,
            // Changed (or not provably unchanged) since the load: read it again now, as ingest
            // would read the files itself.
            _ => self.load_fresh(false)?,
        };
        // Ingest changes `l.ws`: its inputs digest and governance are computed again when next
        // needed.
        l.invalidate();
        let result = secfw_ingest::ingest_loaded(self.root, self.lock, &inputs, &iopts, &mut l.ws);
        if let Ok(o) = &result
            && let Some(w) = o.written_identity
            && let Some(i) = finding_index()
        {
            // What the ledger looks like as written: a later change is seen by the stamp; the
            // ledger is never again a candidate for reuse by the seal.
            l.stamp[i] = Some((w.size, w.modified));
            l.identities[i] = None;
            self.keep(l);
        }
        match result {
            Ok(o) => {
                let s = &o.summary;
                self.step(
                    "ingest",
                    StepStatus::Done,
                    format!(
                        "{} report(s): {} opened, {} reopened, {} updated, {} resolved, {} scan(s) recorded ({} failed), {} item(s) skipped",
                        o.reports.len(),
                        s.opened.len(),
                        s.reopened.len(),
                        s.updated.len(),
                        s.resolved.len(),
                        s.scans.len(),
                        s.failed_scans.len(),
                        o.diagnostics().len()
                    ),
                );
                self.tickets();
                Ok(true)
            }
            Err(e) => Ok(self.fail("ingest", vec![format!("ingest: {e}")])),
        }
    }

    /// After ingest: the ticket plan, and its apply when an endpoint is configured. Never fails
    /// the run.
    fn tickets(&mut self) {
        if !self.opts.tickets {
            self.step("tickets", StepStatus::Skipped, "--no-tickets");
            return;
        }
        let loaded = match self.take_workspace(false) {
            Ok(l) => l,
            Err(e) => return self.step("tickets", StepStatus::Warned, format!("cannot load the workspace: {e}")),
        };
        // Without an endpoint only the counts are reported: the summary plan decides every
        // action by the same rule without building and hashing a request per finding.
        let gov = loaded.governance(self.opts.now);
        let planned = if self.opts.tickets_endpoint.is_some() {
            secfw_tickets::plan_governed(&loaded.ws, &gov, self.opts.now)
        } else {
            secfw_tickets::plan_summary_governed(&loaded.ws, &gov, self.opts.now)
        };
        self.keep(loaded);
        let plan = match planned {
            Ok(p) => p,
            Err(e) => return self.step("tickets", StepStatus::Warned, format!("no ticket plan: {e}")),
        };
        let m = &plan.summary;
        let summary = format!(
            "{} create, {} update, {} close, {} approval request(s), {} unchanged",
            m.create, m.update, m.close, m.request_approval, m.unchanged
        );
        let Some(endpoint) = &self.opts.tickets_endpoint else {
            return self.step("tickets", StepStatus::Done, format!("planned (no endpoint: not applied): {summary}"));
        };
        match secfw_tickets::apply(&plan, self.root, endpoint, &self.opts.delivery, self.opts.now) {
            Ok(r) => self.step(
                "tickets",
                StepStatus::Done,
                format!("{summary}; applied {}, skipped {} already applied", r.applied.len(), r.skipped.len()),
            ),
            Err(e) => self.step("tickets", StepStatus::Warned, format!("{summary}; apply stopped: {e}")),
        }
    }

    /// At the end of the run: the notifications (escalations, exception expiry, SLA breaches).
    /// Never fails the run.
    fn notify(&mut self) {
        if !self.opts.notify {
            self.step("notify", StepStatus::Skipped, "--no-notify");
            return;
        }
        let loaded = match self.take_workspace(false) {
            Ok(l) => l,
            Err(e) => return self.step("notify", StepStatus::Warned, format!("cannot load the workspace: {e}")),
        };
        let configured = loaded.ws.rulebook.as_ref().is_some_and(|r| r.notifications.is_some());
        let acknowledged = match self.lc.log().read() {
            Ok(events) => crate::acknowledgements(&events).into_keys().collect(),
            Err(e) => {
                self.keep(loaded);
                return self.step("notify", StepStatus::Warned, format!("cannot read the event log: {e}"));
            }
        };
        let planned = configured.then(|| secfw_notify::plan(&loaded.ws, &acknowledged, self.opts.now));
        self.keep(loaded);
        let plan = match planned {
            None => return self.step("notify", StepStatus::Skipped, "the rulebook has no notifications: section"),
            Some(Err(e)) => return self.step("notify", StepStatus::Warned, format!("no notification plan: {e}")),
            Some(Ok(p)) => p,
        };
        match secfw_notify::apply(&plan, self.lock, &self.opts.delivery, self.opts.now) {
            Ok(r) if r.is_complete() => self.step(
                "notify",
                StepStatus::Done,
                format!(
                    "sent {}, skipped {} already sent, {} may have been sent",
                    r.sent.len(),
                    r.skipped.len(),
                    r.may_have_been_sent.len()
                ),
            ),
            Ok(r) => self.step(
                "notify",
                StepStatus::Warned,
                format!(
                    "sent {}, {} not delivered (the next run sends them): {}",
                    r.sent.len(),
                    r.failed.len(),
                    r.failed.first().map(ToString::to_string).unwrap_or_default()
                ),
            ),
            Err(e) => self.step("notify", StepStatus::Warned, format!("nothing sent: {e}")),
        }
    }

    /// VALIDATED → IMPROVE preparation: metrics, history snapshot, digest.
    fn digest(&mut self) -> Result<bool, Error> {
        let loaded = self.take_workspace(false)?;
        let gov = loaded.governance(self.opts.now);
        let data = match crate::load_escalation_data_governed(&loaded.ws, Some(&gov), self.opts.now) {
            Ok(d) => d,
            Err(e) => {
                self.keep(loaded);
                return Ok(self.fail("digest", vec![format!("digest: cannot read the escalations: {e}")]));
            }
        };
        let opts = secfw_metrics::CollectOptions::default().escalations(data).governance(Some(gov));
        let generated = secfw_digest::generate(&loaded.ws, &opts, self.opts.now, None);
        self.keep(loaded);
        match generated {
            Ok(g) => {
                self.report.kpis = g
                    .report
                    .metrics
                    .kpis
                    .iter()
                    .map(|k| KpiLine {
                        name: k.id.to_string(),
                        value: k.display_value(),
                        target: k.display_target(),
                        trend: g.report.trend(k.id).arrow.as_str().to_owned(),
                    })
                    .collect();
                let html = self.root.join(secfw_artifacts::file_names::DIGEST_HTML);
                self.step(
                    "digest",
                    StepStatus::Done,
                    format!("metrics of cycle {} recorded; {}", g.report.cycle, html.display()),
                );
                self.report.digest = Some(html);
                Ok(true)
            }
            Err(e) => Ok(self.fail("digest", vec![format!("digest: {e}")])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::stamp;

    #[test]
    fn the_stamp_changes_when_an_artifact_is_written_or_appears() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let empty = stamp(root);
        assert!(empty.iter().all(Option::is_none));
        std::fs::write(root.join(secfw_artifacts::file_names::FINDINGS), "version: \"1.0\"\n").unwrap();
        let one = stamp(root);
        assert_ne!(one, empty, "a new artifact changes the stamp");
        assert_eq!(stamp(root), one, "nothing changed: same stamp (the cached workspace is reused)");
        std::fs::write(root.join(secfw_artifacts::file_names::FINDINGS), "version: \"1.0\"\nfindings: []\n").unwrap();
        assert_ne!(stamp(root), one, "a rewritten artifact changes the stamp (the workspace is loaded again)");
    }
}
