//! The ticket plan: create / update / close actions keyed by finding fingerprint, and
//! exception-approval requests, from the workspace at `now` compared with the ledger.
//!
//! Rules (documented in `docs/tickets.md`):
//!
//! - **Key.** A finding's ticket key is its `fingerprint`; a finding without one is keyed
//!   `finding:<finding_id>` (with a [`codes::NO_FINGERPRINT`] note). A ticket keeps the key it was
//!   created with: when a finding keyed by id later gains a fingerprint, the ledger's
//!   `finding:<id>` ticket goes on being used. Findings sharing a key share one ticket; the
//!   ticket follows the last open (or accepted) one in ledger order, else the last one.
//! - **Wanted state.** Open and accepted findings want an open ticket whose content is
//!   [`Ticket`]; resolved and false-positive findings want their ticket closed.
//! - **Due date.** The governance due date: the earlier of `remediation.deadline` and
//!   `first_seen` + the rulebook's `sla_days` for the severity (`remediation.deadline` alone when
//!   there is no `first_seen`); `overdue` when counted (not excepted) and past due at `now`.
//! - **Actions.** No ticket and wanted open: `create`. Open ticket whose content digest differs
//!   (severity, due date, exception, status, ...): `update`. Open ticket and wanted closed, or
//!   the finding is gone from the ledger: `close`. Closed ticket whose finding is open again:
//!   `create` (a new ticket). Everything else: nothing.
//! - **Approval requests.** An exception that is not expired and lacks an approval its
//!   severity or kind requires (per `secfw-governance`: security team always, risk committee for
//!   high/critical or unknown severity, CISO for policy deviations; only roles with approvers in
//!   the rulebook) gets a `request_approval` action keyed `approval:<EXC-id>`, sent again only
//!   when what is missing changes.
//! - **Identity.** Every request names the `Idempotency-Key` of the ticket's last applied
//!   action (`after`), so its body and key identify this transition: a retry repeats it
//!   exactly, a later change back to an earlier content is a new action.
//! - **Order.** Actions are sorted by key; the same workspace, ledger and `now` give the same
//!   plan, byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::Path;

use chrono::{DateTime, SecondsFormat, SubsecRound as _, Utc};
use secfw_artifacts::model::findings::{Finding, FindingStatus, Priority};
use secfw_artifacts::model::rulebook::Rulebook;
use secfw_artifacts::{Date, Diagnostic, LoadedWorkspace, Severity, file_names};
use secfw_governance::{ApproverRole, Disposition, ExceptionEval, ExceptionState, GovernanceReport, NotExcepted};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ledger::Ledger;
use crate::{Error, codes};

/// The `schema` of every request body.
pub const REQUEST_SCHEMA: &str = "secfw.tickets.action/v1";
/// The `schema` of a plan document.
pub const PLAN_SCHEMA: &str = "secfw.tickets.plan/v1";

/// What an action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ActionKind {
    /// Open a new ticket.
    Create,
    /// Change an open ticket's content.
    Update,
    /// Close a ticket.
    Close,
    /// Ask for the approvals an exception is missing.
    RequestApproval,
}

impl ActionKind {
    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Close => "close",
            Self::RequestApproval => "request_approval",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a ticket key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeySource {
    /// The finding's fingerprint.
    Fingerprint,
    /// `finding:<finding_id>` (the finding has no fingerprint).
    FindingId,
}

/// The exception state noted on a ticket whose finding names an exception.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ExceptionNote {
    /// `EXC-NNN`.
    pub id: String,
    /// `valid` (the finding is excepted), `expired`, `invalid`, `missing` (not in
    /// exceptions.md) or `policy_mismatch` (it excepts another policy).
    pub state: &'static str,
    /// Its `Valid Until`, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
}

/// The content of a finding's ticket (the `ticket` of create / update / close requests).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Ticket {
    /// The finding.
    pub finding_id: String,
    /// Its fingerprint, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// What the key is.
    pub keyed_by: KeySource,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Remediation priority.
    pub priority: Priority,
    /// Category.
    pub category: &'static str,
    /// Finding status.
    pub status: FindingStatus,
    /// Description.
    pub description: String,
    /// Recommended action.
    pub recommended_action: String,
    /// Affected resource ids.
    pub resources: Vec<String>,
    /// Violated policies.
    pub policies: Vec<String>,
    /// Governance tags.
    pub tags: Vec<String>,
    /// CWE ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<String>,
    /// CVE (and GHSA, RUSTSEC, ...) ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cve: Vec<String>,
    /// SLA days of the severity in the rulebook.
    pub sla_days: u32,
    /// When remediation is due (UTC, whole seconds; serialized as RFC 3339).
    pub due: DateTime<Utc>,
    /// `true` when counted against the rules and past due at `now`.
    pub overdue: bool,
    /// The exception the finding names, and whether it applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<ExceptionNote>,
    /// The earlier finding this one re-opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
}

/// One approval an exception lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct MissingApproval {
    /// The role (`security_team`, `risk_committee`, `ciso`).
    pub role: ApproverRole,
    /// Who may give it (from the rulebook's `exceptions.approvers`).
    pub approvers: Vec<String>,
}

/// An exception-approval request (the `approval_request` of `request_approval` requests).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ApprovalRequest {
    /// `EXC-NNN`.
    pub exception_id: String,
    /// Title.
    pub title: String,
    /// The excepted policy.
    pub policy: String,
    /// Requestor.
    pub requestor: String,
    /// Approvers so far.
    pub approved_by: Vec<String>,
    /// The approvals still needed.
    pub missing: Vec<MissingApproval>,
    /// The severity approvals are judged by (unknown: the strictest rules apply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// `Valid Until`.
    pub valid_until: Date,
    /// Findings it would except.
    pub findings: Vec<String>,
}

/// The JSON body POSTed for one action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ActionRequest {
    /// [`REQUEST_SCHEMA`].
    pub schema: &'static str,
    /// The action.
    pub action: ActionKind,
    /// The ticket key (fingerprint, `finding:<id>` or `approval:<EXC-id>`).
    pub key: String,
    /// Why this action is planned.
    pub reason: String,
    /// The `Idempotency-Key` of the last action applied to this ticket (absent for the first
    /// action of a ticket key). It makes each transition its own request: a change that
    /// repeats an earlier one (severity medium → critical → medium → critical, close → reopen
    /// → close) has a body, and so an `Idempotency-Key`, of its own, while a retry of one
    /// action repeats its key exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The ticket content (create, update, close; absent when closing a ticket whose finding
    /// is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Ticket>,
    /// The approval request (request_approval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_request: Option<ApprovalRequest>,
}

/// One planned action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct PlannedAction {
    /// Lower-case hex sha256 of [`PlannedAction::body`], sent as `Idempotency-Key`. The body
    /// names the ticket's previous action ([`ActionRequest::after`]), so the key identifies one
    /// transition of one ticket, never just a content that may recur.
    pub idempotency_key: String,
    /// sha256 of the ticket (or approval request) content, kept in the ledger to detect changes.
    pub content_digest: String,
    /// The finding (or exception) id it is about.
    pub subject: String,
    /// The request.
    pub request: ActionRequest,
}

impl PlannedAction {
    fn new(subject: String, request: ActionRequest) -> Self {
        let content_digest = match (&request.ticket, &request.approval_request) {
            (Some(t), _) => sha256_json(t),
            (None, Some(a)) => sha256_json(a),
            (None, None) => sha256_hex(b""),
        };
        Self::with_content_digest(subject, request, content_digest)
    }

    /// As [`PlannedAction::new`], with the content digest the caller already computed (it
    /// must be `sha256_json` of the request's ticket or approval request).
    fn with_content_digest(subject: String, request: ActionRequest, content_digest: String) -> Self {
        debug_assert_eq!(
            content_digest,
            match (&request.ticket, &request.approval_request) {
                (Some(t), _) => sha256_json(t),
                (None, Some(a)) => sha256_json(a),
                (None, None) => sha256_hex(b""),
            }
        );
        let idempotency_key = sha256_json(&request);
        Self { idempotency_key, content_digest, subject, request }
    }

    /// The exact bytes POSTed: compact JSON of [`PlannedAction::request`].
    pub fn body(&self) -> Vec<u8> {
        body_of(&self.request)
    }
}

fn body_of(r: &ActionRequest) -> Vec<u8> {
    serde_json::to_vec(r).unwrap_or_default()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// sha256 of the compact JSON of `v`, streamed into the hash (the bytes are those of
/// `serde_json::to_vec`, without building them).
fn sha256_json<T: Serialize>(v: &T) -> String {
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = std::io::BufWriter::with_capacity(4096, HashWriter(Sha256::new()));
    match serde_json::to_writer(&mut w, v)
        .map_err(std::io::Error::from)
        .and_then(|()| w.into_inner().map_err(std::io::IntoInnerError::into_error))
    {
        Ok(h) => hex::encode(h.0.finalize()),
        // As `to_vec(..).unwrap_or_default()` did: a value that cannot be serialized hashes as
        // no bytes (the plan's types always serialize).
        Err(_) => sha256_hex(b""),
    }
}

/// Counts of a plan's actions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct PlanSummary {
    /// Creates.
    pub create: usize,
    /// Updates.
    pub update: usize,
    /// Closes.
    pub close: usize,
    /// Approval requests.
    pub request_approval: usize,
    /// Findings whose ticket is already up to date.
    pub unchanged: usize,
}

/// The plan: every action needed to bring the ticket system in line with the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct TicketPlan {
    /// [`PLAN_SCHEMA`].
    pub schema: &'static str,
    /// The `now` it was planned at (RFC 3339, UTC).
    pub now: String,
    /// Counts.
    pub summary: PlanSummary,
    /// The actions, sorted by key.
    pub actions: Vec<PlannedAction>,
    /// Notes and warnings about the inputs (sorted).
    pub diagnostics: Vec<Diagnostic>,
}

impl TicketPlan {
    /// `true` when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The plan as pretty JSON, ending in a newline (deterministic).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Plan against the ledger of the workspace (`<root>/.secfw/tickets.json`).
pub fn plan(ws: &LoadedWorkspace, now: DateTime<Utc>) -> Result<TicketPlan, Error> {
    let ledger = Ledger::load(&ws.root)?;
    plan_with_ledger(ws, &ledger, now)
}

/// [`plan`] with `gov`, the caller's [`secfw_governance::evaluate`] of exactly `ws` at `now`
/// (a caller that already evaluated governance on this load does not evaluate it again; a
/// report of another instant is not used).
pub fn plan_governed(ws: &LoadedWorkspace, gov: &GovernanceReport, now: DateTime<Utc>) -> Result<TicketPlan, Error> {
    let ledger = Ledger::load(&ws.root)?;
    plan_in(ws, &ledger, now, true, Some(gov))
}

/// Plan the workspace at `root` (loads it with default options).
pub fn plan_dir(root: &Path, now: DateTime<Utc>) -> Result<TicketPlan, Error> {
    let ws = secfw_artifacts::load(root, &secfw_artifacts::LoadOptions::default())?;
    plan(&ws, now)
}

/// Plan against a given ledger (pure: no I/O).
///
/// Fails when `sec_findings.yaml` is missing or has errors: a plan from a ledger secfw cannot
/// read fully would close or miss tickets.
pub fn plan_with_ledger(ws: &LoadedWorkspace, ledger: &Ledger, now: DateTime<Utc>) -> Result<TicketPlan, Error> {
    plan_in(ws, ledger, now, true, None)
}

/// The counts and diagnostics of [`plan`] without its actions (`actions` is empty): what a
/// caller that does not apply the plan needs. The ticket of a finding is built and hashed only
/// when deciding needs it (a finding with an open ticket, to see whether it changed), so this
/// costs a fraction of the full plan on a large ledger; the counts are those of [`plan`].
pub fn plan_summary(ws: &LoadedWorkspace, now: DateTime<Utc>) -> Result<TicketPlan, Error> {
    let ledger = Ledger::load(&ws.root)?;
    plan_in(ws, &ledger, now, false, None)
}

/// [`plan_summary`] with the caller's governance report of `ws` at `now` (see
/// [`plan_governed`]).
pub fn plan_summary_governed(
    ws: &LoadedWorkspace,
    gov: &GovernanceReport,
    now: DateTime<Utc>,
) -> Result<TicketPlan, Error> {
    let ledger = Ledger::load(&ws.root)?;
    plan_in(ws, &ledger, now, false, Some(gov))
}

/// `given` when it is a report at `now`, otherwise governance evaluated now.
fn governance_at<'a>(
    ws: &LoadedWorkspace,
    given: Option<&'a GovernanceReport>,
    now: DateTime<Utc>,
) -> std::borrow::Cow<'a, GovernanceReport> {
    match given {
        Some(g) if g.now == now => std::borrow::Cow::Borrowed(g),
        _ => std::borrow::Cow::Owned(secfw_governance::evaluate(ws, now)),
    }
}

/// The one planning rule; `build` keeps the actions (with their requests and digests); `given`
/// is the caller's governance report of `ws`, if any.
fn plan_in(
    ws: &LoadedWorkspace,
    ledger: &Ledger,
    now: DateTime<Utc>,
    build: bool,
    given: Option<&GovernanceReport>,
) -> Result<TicketPlan, Error> {
    let findings_errors: Vec<Diagnostic> =
        ws.diagnostics.iter().filter(|d| d.file == file_names::FINDINGS && d.is_error()).cloned().collect();
    let Some(ff) = ws.findings.as_ref().filter(|_| findings_errors.is_empty()) else {
        let mut diagnostics = findings_errors;
        if diagnostics.is_empty() {
            diagnostics.push(
                Diagnostic::error(codes::FINDINGS_UNUSABLE, file_names::FINDINGS, "sec_findings.yaml is missing")
                    .with_hint("create it, or run `secfw ingest` to build it from scanner output"),
            );
        }
        return Err(Error::FindingsUnusable { diagnostics });
    };
    let gov = governance_at(ws, given, now);
    let rb = ws.rulebook_or_default();
    let source_map = std::cell::OnceCell::new();
    let finding_pos = |index: usize| {
        use secfw_artifacts::yaml::Seg;
        source_map
            .get_or_init(|| ws.source_map(file_names::FINDINGS))
            .as_ref()
            .and_then(|m| m.pos(&[Seg::Key("findings".into()), Seg::Index(index)]))
    };
    let mut p = Planner {
        ledger,
        lookup: Lookup::new(ws, &gov),
        rb: &rb,
        build,
        diags: Vec::new(),
        actions: Vec::new(),
        summary: PlanSummary::default(),
    };
    let groups = p.group_by_ticket_key(&ff.findings, &finding_pos);
    for (key, idx) in &groups {
        p.finding_group(key, idx, &ff.findings, &finding_pos);
    }
    p.orphan_tickets(&groups);
    p.approval_requests(ws, &gov);
    let Planner { mut actions, mut diags, summary, .. } = p;
    actions.sort_by(|a, b| a.request.key.cmp(&b.request.key).then(a.request.action.cmp(&b.request.action)));
    secfw_artifacts::sort_diagnostics(&mut diags);
    Ok(TicketPlan { schema: PLAN_SCHEMA, now: rfc3339(now), summary, actions, diagnostics: diags })
}

/// A plan being built.
struct Planner<'a> {
    ledger: &'a Ledger,
    lookup: Lookup<'a>,
    rb: &'a Rulebook,
    /// Keep the actions (with their requests and digests).
    build: bool,
    diags: Vec<Diagnostic>,
    actions: Vec<PlannedAction>,
    summary: PlanSummary,
}

fn live(f: &Finding) -> bool {
    matches!(f.status, FindingStatus::Open | FindingStatus::Accepted)
}

impl Planner<'_> {
    /// Group findings (ledger indexes) by ticket key: `finding:<id>` when the ledger already
    /// tracks it so, else the fingerprint, else `finding:<id>` (noted).
    fn group_by_ticket_key(
        &mut self,
        findings: &[Finding],
        finding_pos: &dyn Fn(usize) -> Option<secfw_artifacts::Pos>,
    ) -> BTreeMap<String, Vec<usize>> {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, f) in findings.iter().enumerate() {
            let fp = f.fingerprint.as_deref().map(str::trim).filter(|s| !s.is_empty());
            let by_id = format!("finding:{}", f.finding_id);
            let key = match fp {
                _ if self.ledger.tickets.contains_key(&by_id) => by_id,
                Some(fp) => fp.to_owned(),
                None => {
                    self.diags.push(
                        Diagnostic::note(
                            codes::NO_FINGERPRINT,
                            file_names::FINDINGS,
                            format!("{} has no fingerprint; its ticket is keyed `{by_id}`", f.finding_id),
                        )
                        .at(finding_pos(i))
                        .with_hint(
                            "`secfw ingest` computes fingerprints; a fingerprint keeps one ticket across re-scans",
                        ),
                    );
                    by_id
                }
            };
            groups.entry(key).or_default().push(i);
        }
        groups
    }

    /// The findings sharing ticket `key` (warned when several are open): one ticket tracks the
    /// last open one (else the last); created, updated when its content changed, or closed.
    fn finding_group(
        &mut self,
        key: &str,
        idx: &[usize],
        findings: &[Finding],
        finding_pos: &dyn Fn(usize) -> Option<secfw_artifacts::Pos>,
    ) {
        let open: Vec<usize> = idx.iter().copied().filter(|&i| live(&findings[i])).collect();
        if open.len() > 1 {
            let ids: Vec<&str> = open.iter().map(|&i| findings[i].finding_id.as_str()).collect();
            self.diags.push(
                Diagnostic::warning(
                    codes::SHARED_KEY,
                    file_names::FINDINGS,
                    format!(
                        "open findings {} share the ticket key `{key}`; one ticket tracks the last",
                        ids.join(", ")
                    ),
                )
                .at(finding_pos(open[0]))
                .with_hint("resolve or remove the duplicate findings so one finding owns the fingerprint"),
            );
        }
        let rep = open.last().or(idx.last()).copied().unwrap_or(0);
        let f = &findings[rep];
        let record = self.ledger.tickets.get(key);
        // The action is decided first; the ticket is built (and serialized for its digest)
        // only when the decision needs it (an open ticket: update or not) or the plan keeps
        // its actions.
        let mut ticket = None;
        let mut digest = None;
        let kind = match (live(f), record) {
            (true, None) => Some(ActionKind::Create),
            (true, Some(r)) if !r.open => Some(ActionKind::Create),
            (true, Some(r)) => {
                let t = ticket_of(f, rep, &self.lookup, self.rb, key);
                let d = sha256_json(&t);
                let changed = r.content_digest != d;
                ticket = Some(t);
                digest = Some(d);
                changed.then_some(ActionKind::Update)
            }
            (false, Some(r)) if r.open => Some(ActionKind::Close),
            _ => None,
        };
        let Some(kind) = kind else {
            if record.is_some() {
                self.summary.unchanged += 1;
            }
            return;
        };
        count(&mut self.summary, kind);
        if !self.build {
            return;
        }
        let ticket = ticket.unwrap_or_else(|| ticket_of(f, rep, &self.lookup, self.rb, key));
        let digest = digest.unwrap_or_else(|| sha256_json(&ticket));
        let reason = match kind {
            ActionKind::Create if record.is_none() => format!("{} is {} and has no ticket", f.finding_id, f.status),
            ActionKind::Create => format!("{} is {} again; its previous ticket is closed", f.finding_id, f.status),
            ActionKind::Update => update_reason(&ticket),
            _ => format!("{} is {}", f.finding_id, f.status),
        };
        let req = ActionRequest {
            schema: REQUEST_SCHEMA,
            action: kind,
            key: key.to_owned(),
            reason,
            after: record.map(|r| r.last_idempotency_key.clone()),
            ticket: Some(ticket),
            approval_request: None,
        };
        self.actions.push(PlannedAction::with_content_digest(f.finding_id.clone(), req, digest));
    }

    /// Open tickets whose finding left the ledger: closed (warned).
    fn orphan_tickets(&mut self, groups: &BTreeMap<String, Vec<usize>>) {
        for (key, r) in &self.ledger.tickets {
            if r.open && !key.starts_with("approval:") && !groups.contains_key(key) {
                self.diags.push(
                    Diagnostic::warning(
                        codes::ORPHAN_TICKET,
                        file_names::FINDINGS,
                        format!(
                            "ticket `{key}` ({}) has no finding in sec_findings.yaml; it will be closed",
                            r.subject
                        ),
                    )
                    .with_hint("findings are resolved, not deleted; restore the finding if the removal was a mistake"),
                );
                let req = ActionRequest {
                    schema: REQUEST_SCHEMA,
                    action: ActionKind::Close,
                    key: key.clone(),
                    reason: format!("{} is no longer in sec_findings.yaml", r.subject),
                    after: Some(r.last_idempotency_key.clone()),
                    ticket: None,
                    approval_request: None,
                };
                count(&mut self.summary, ActionKind::Close);
                if self.build {
                    self.actions.push(PlannedAction::new(r.subject.clone(), req));
                }
            }
        }
    }

    /// Exception-approval requests: an exception not expired that lacks approvals, unless the
    /// same request is already tracked.
    fn approval_requests(&mut self, ws: &LoadedWorkspace, gov: &GovernanceReport) {
        let registry: BTreeMap<&str, &secfw_artifacts::Exception> =
            ws.exceptions.iter().flat_map(|r| &r.exceptions).map(|e| (e.id.as_str(), e)).collect();
        for ev in &gov.exceptions {
            let Some(e) = registry.get(ev.id.as_str()) else { continue };
            let missing = missing_approvals(ev, e, self.rb);
            if ev.state == ExceptionState::Expired || missing.is_empty() {
                continue;
            }
            let key = format!("approval:{}", ev.id);
            let req = ApprovalRequest {
                exception_id: ev.id.clone(),
                title: e.title.clone(),
                policy: e.policy.clone(),
                requestor: e.requestor.clone(),
                approved_by: e.approvers.clone(),
                missing,
                severity: ev.severity,
                valid_until: e.valid_until,
                findings: ev.matched_findings.clone(),
            };
            let digest = sha256_json(&req);
            let record = self.ledger.tickets.get(&key);
            if record.is_some_and(|r| r.content_digest == digest) {
                self.summary.unchanged += 1;
                continue;
            }
            let after = record.map(|r| r.last_idempotency_key.clone());
            let roles: Vec<&str> = req.missing.iter().map(|m| m.role.as_str()).collect();
            let request = ActionRequest {
                schema: REQUEST_SCHEMA,
                action: ActionKind::RequestApproval,
                key,
                reason: format!("{} lacks the approval of: {}", ev.id, roles.join(", ")),
                after,
                ticket: None,
                approval_request: Some(req),
            };
            count(&mut self.summary, ActionKind::RequestApproval);
            if self.build {
                self.actions.push(PlannedAction::new(ev.id.clone(), request));
            }
        }
    }
}

fn count(s: &mut PlanSummary, k: ActionKind) {
    match k {
        ActionKind::Create => s.create += 1,
        ActionKind::Update => s.update += 1,
        ActionKind::Close => s.close += 1,
        ActionKind::RequestApproval => s.request_approval += 1,
    }
}

fn update_reason(t: &Ticket) -> String {
    let mut why = format!("{} changed", t.finding_id);
    if let Some(e) = &t.exception {
        let _ = write!(why, "; exception {} is {}", e.id, e.state);
    }
    if t.overdue {
        let _ = write!(why, "; past due since {}", rfc3339(t.due));
    }
    why
}

/// Index-based lookups built once per plan (the ledger can hold a million findings).
struct Lookup<'a> {
    evals: Vec<Option<&'a secfw_governance::FindingEval>>,
    exception_state: BTreeMap<&'a str, ExceptionState>,
    valid_until: BTreeMap<&'a str, Date>,
}

impl<'a> Lookup<'a> {
    fn new(ws: &'a LoadedWorkspace, gov: &'a GovernanceReport) -> Self {
        let n = ws.findings.as_ref().map_or(0, |f| f.findings.len());
        let mut evals = vec![None; n];
        for e in &gov.findings {
            if let Some(slot) = evals.get_mut(e.index) {
                *slot = Some(e);
            }
        }
        let exception_state = gov.exceptions.iter().map(|e| (e.id.as_str(), e.state)).collect();
        let valid_until =
            ws.exceptions.iter().flat_map(|r| &r.exceptions).map(|e| (e.id.as_str(), e.valid_until)).collect();
        Self { evals, exception_state, valid_until }
    }
}

fn ticket_of(f: &Finding, index: usize, lookup: &Lookup<'_>, rb: &Rulebook, key: &str) -> Ticket {
    let eval = lookup.evals.get(index).copied().flatten();
    let due = eval.map_or_else(|| f.remediation.deadline.deadline(), |e| e.due);
    let exception = f.governance.exception_ref.as_ref().map(|id| {
        let state = match eval.map(|e| &e.disposition) {
            Some(Disposition::Excepted { .. }) => "valid",
            Some(Disposition::Counted { not_excepted: Some(NotExcepted::Dangling) }) => "missing",
            Some(Disposition::Counted { not_excepted: Some(NotExcepted::PolicyMismatch { .. }) }) => "policy_mismatch",
            Some(Disposition::Counted { not_excepted: Some(NotExcepted::NotInForce { state }) }) => state.as_str(),
            _ => match lookup.exception_state.get(id.as_str()).copied() {
                Some(s) => s.as_str(),
                None => "missing",
            },
        };
        let valid_until = lookup.valid_until.get(id.as_str()).copied();
        ExceptionNote { id: id.clone(), state, valid_until }
    });
    let mut resources: Vec<String> = f.affected_resources.iter().map(|r| r.resource_id.clone()).collect();
    resources.sort();
    resources.dedup();
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>();
    Ticket {
        finding_id: f.finding_id.clone(),
        fingerprint: f.fingerprint.clone().filter(|s| !s.trim().is_empty()),
        keyed_by: if key.starts_with("finding:") { KeySource::FindingId } else { KeySource::Fingerprint },
        title: f.title.clone(),
        severity: f.severity,
        priority: f.remediation.priority,
        category: f.category.as_str(),
        status: f.status,
        description: f.description.clone(),
        recommended_action: f.remediation.recommended_action.clone(),
        resources,
        policies: set(&f.governance.policy_refs),
        tags: set(&f.governance.tags),
        cwe: set(&f.cwe),
        cve: set(&f.cve),
        sla_days: rb.sla_days.for_severity(f.severity),
        due: due.trunc_subsecs(0),
        overdue: eval.is_some_and(|e| e.overdue),
        exception,
        supersedes: f.supersedes.clone(),
    }
}

fn missing_approvals(ev: &ExceptionEval, e: &secfw_artifacts::Exception, rb: &Rulebook) -> Vec<MissingApproval> {
    let a = &rb.exceptions.approvers;
    ev.required_roles
        .iter()
        .filter_map(|&role| {
            let list = match role {
                ApproverRole::SecurityTeam => &a.security_team,
                ApproverRole::RiskCommittee => &a.risk_committee,
                ApproverRole::Ciso => &a.ciso,
            };
            (!secfw_governance::approved_by(e, list)).then(|| MissingApproval { role, approvers: list.clone() })
        })
        .collect()
}
