//! The notification plan: every message to send, keyed by (subject, recipient, reason), from
//! the workspace at `now` compared with the ledger of messages already sent.
//!
//! Rules (documented in `docs/notifications.md`):
//!
//! - **Escalations.** Each violated enforcement rule is an escalation, identified by
//!   [`escalation_id`] (rule, condition and the items that make up the count): the same
//!   violation is notified once, a changed set of items is a new escalation. Its recipients are
//!   the rule's `notify:` list; the message names the rule, the count, every finding with its
//!   locations, and the deadline (`now` + `escalation_sla`).
//! - **Exceptions.** An exception in force whose `Valid Until` is at most
//!   `exceptions.warn_days_before_expiry` days away is `exception_expiring`; an expired one is
//!   `exception_expired` (with the findings it no longer covers). Recipients:
//!   `notifications.exception_expiry`.
//! - **SLA breaches.** A finding counted against the rules and past due at `now` is
//!   `sla_breach`, to `notifications.sla_breach`.
//! - **Once per occurrence.** A message whose id is in the ledger (sent, or may have been sent)
//!   is not planned again. The id is the lower-case hex sha256 of `subject`, `recipient`,
//!   `reason` and, from its second occurrence on, the occurrence of the condition, so it does not
//!   depend on `now` or on the wording, and a condition that ends and comes back is notified
//!   again. An occurrence begins after the condition was seen ended (an apply that found it no
//!   longer holding records the instant in the ledger's `cleared`), or when the artifacts date a
//!   new one: an exception expiring or expired under a `Valid Until` later than a message
//!   already sent about it, a finding past a due date later than its last breach message, an
//!   escalation whose items started counting (an exception they relied on expired, a due date
//!   passed) after its last message. The escalation of a later occurrence has an id of its own
//!   ([`escalation_occurrence_id`]), so it is acknowledged on its own.
//! - **Order.** Messages are sorted by subject, recipient and reason; the same workspace, ledger
//!   and `now` give the same plan, byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use chrono::{DateTime, SecondsFormat, Utc};
use secfw_artifacts::{Diagnostic, Finding, LoadedWorkspace};
use secfw_governance::{Escalation, ExceptionEval, ExceptionState, FindingEval};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{self, Config, Recipient};
use crate::ledger::{Ledger, MessageState};
use crate::{Error, codes};

/// The `schema` of a plan document.
pub const PLAN_SCHEMA: &str = "secfw.notify.plan/v1";

/// Why a message is sent.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// An enforcement rule is violated.
    Escalation,
    /// An exception expires within the warning window.
    ExceptionExpiring,
    /// An exception has expired.
    ExceptionExpired,
    /// A finding is past its remediation SLA.
    SlaBreach,
    /// An escalation was not acknowledged within its `escalation_sla`: the next level is told.
    EscalationUnacknowledged,
}

impl Reason {
    /// snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Escalation => "escalation",
            Self::ExceptionExpiring => "exception_expiring",
            Self::ExceptionExpired => "exception_expired",
            Self::SlaBreach => "sla_breach",
            Self::EscalationUnacknowledged => "escalation_unacknowledged",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message to one recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Message {
    /// sha256 (hex) of subject, recipient, reason (and the occurrence after the first): the
    /// ledger key and the `Idempotency-Key`.
    pub id: String,
    /// The condition it is about, across occurrences ([`condition_key`]); recorded in the
    /// ledger with the message.
    #[serde(skip)]
    pub(crate) condition: String,
    /// What it is about: `ESC-<hex>`, `EXC-NNN` or `finding:<id>`.
    pub subject: String,
    /// Who receives it.
    pub recipient: Recipient,
    /// Why.
    pub reason: Reason,
    /// One-line title.
    pub title: String,
    /// The body's paragraphs.
    pub lines: Vec<String>,
    /// The findings (or exceptions, scans) it is about, one line each.
    pub items: Vec<String>,
    /// Link or path to the digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Counts of a plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct PlanSummary {
    /// Escalation messages to send.
    pub escalation: usize,
    /// Expiry warnings to send.
    pub exception_expiring: usize,
    /// Expiry notices to send.
    pub exception_expired: usize,
    /// SLA-breach messages to send.
    pub sla_breach: usize,
    /// Next-level messages about unacknowledged escalations to send.
    pub escalation_unacknowledged: usize,
    /// Messages already sent (in the ledger).
    pub already_sent: usize,
    /// Messages that may have been sent (a run stopped mid-delivery); not sent again.
    pub may_have_been_sent: usize,
}

/// The plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct NotifyPlan {
    /// [`PLAN_SCHEMA`].
    pub schema: &'static str,
    /// The `now` it was planned at (RFC 3339, UTC).
    pub now: String,
    /// Counts.
    pub summary: PlanSummary,
    /// The messages to send, sorted.
    pub messages: Vec<Message>,
    /// Notes and warnings (sorted).
    pub diagnostics: Vec<Diagnostic>,
    /// The conditions that hold at `now` ([`condition_key`]s), whether or not they have
    /// recipients or were notified already; `None` when nothing was evaluated (no
    /// `notifications:` section). An apply records every notified condition not in it as
    /// ended, so its next occurrence is notified again.
    #[serde(skip)]
    pub(crate) active: Option<BTreeSet<String>>,
}

impl NotifyPlan {
    /// `true` when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
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

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The id of an escalation: `ESC-` and 12 hex digits of the sha256 of the rule, its condition
/// and the sorted items that make up the count.
pub fn escalation_id(rule: &str, condition: &str, items: &[String]) -> String {
    let mut sorted: Vec<&str> = items.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let text = format!("{rule}\n{condition}\n{}", sorted.join("\n"));
    let hex = sha256_hex(text.as_bytes());
    format!("ESC-{}", hex.get(..12).unwrap_or(&hex))
}

/// The id of one occurrence of an escalation: [`escalation_id`] for the first (or only)
/// occurrence, `after` being `None`; for a later one, `ESC-` and 12 hex digits of the sha256 of
/// the same text followed by the instant the earlier occurrence was known to have ended
/// (`after`, RFC 3339). Each occurrence is notified and acknowledged on its own.
pub fn escalation_occurrence_id(rule: &str, condition: &str, items: &[String], after: Option<DateTime<Utc>>) -> String {
    let Some(after) = after else { return escalation_id(rule, condition, items) };
    let mut sorted: Vec<&str> = items.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    let text = format!("{rule}\n{condition}\n{}\nafter {}", sorted.join("\n"), rfc3339(after));
    let hex = sha256_hex(text.as_bytes());
    format!("ESC-{}", hex.get(..12).unwrap_or(&hex))
}

/// The condition a message is about, the same across its occurrences: `escalation:<ESC-id of
/// the first occurrence>` for escalations and their next-level messages, `<reason>:<subject>`
/// otherwise (`exception_expired:EXC-001`, `sla_breach:finding:SF-0002`).
pub fn condition_key(base_subject: &str, reason: Reason) -> String {
    let family = match reason {
        Reason::Escalation | Reason::EscalationUnacknowledged => "escalation",
        r => r.as_str(),
    };
    format!("{family}:{base_subject}")
}

/// Whether `id` has the form of an escalation id: `ESC-` and 12 hex digits (what
/// [`escalation_id`] makes).
pub fn is_escalation_id(id: &str) -> bool {
    id.strip_prefix("ESC-").is_some_and(|h| h.len() == 12 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Check that escalation `id` can be acknowledged: it was notified (the ledger holds an
/// `escalation` message about it, [`codes::UNKNOWN_ESCALATION`] otherwise) and is not
/// acknowledged yet (`already`: who and when, [`codes::ALREADY_ACKNOWLEDGED`]).
pub fn check_acknowledgement(
    ledger: &Ledger,
    id: &str,
    already: Option<(&str, DateTime<Utc>)>,
) -> Result<(), Diagnostic> {
    if let Some((by, at)) = already {
        return Err(Diagnostic::error(
            codes::ALREADY_ACKNOWLEDGED,
            ".secfw/events.jsonl",
            format!("{id} was already acknowledged by {by} at {}", rfc3339(at)),
        )
        .with_hint("an acknowledgement is recorded once; nothing was changed"));
    }
    if !ledger.messages.values().any(|r| r.subject == id && r.reason == Reason::Escalation) {
        return Err(Diagnostic::error(
            codes::UNKNOWN_ESCALATION,
            crate::ledger::LEDGER_FILE,
            format!("{id} is not an escalation secfw notified"),
        )
        .with_hint("escalation ids (ESC-<12 hex>) are in the notifications and in `secfw notify plan --format json`"));
    }
    Ok(())
}

/// The message id of (subject, recipient, reason): the id of the first occurrence.
pub fn message_id(subject: &str, recipient: &str, reason: Reason) -> String {
    sha256_hex(format!("secfw.notify/v1\n{subject}\n{recipient}\n{reason}").as_bytes())
}

/// The message id of (subject, recipient, reason) in the occurrence of its condition that
/// began after `after` ([`message_id`] when `None`: the first occurrence, the ids earlier
/// versions recorded).
pub fn message_occurrence_id(subject: &str, recipient: &str, reason: Reason, after: Option<DateTime<Utc>>) -> String {
    match after {
        None => message_id(subject, recipient, reason),
        Some(t) => {
            sha256_hex(format!("secfw.notify/v1\n{subject}\n{recipient}\n{reason}\nafter {}", rfc3339(t)).as_bytes())
        }
    }
}

/// Plan against the ledger of the workspace (`<root>/.secfw/notifications.json` and its
/// journal). `acknowledged` are the ids of the escalations someone acknowledged (the lifecycle
/// event log's acknowledgements).
pub fn plan(ws: &LoadedWorkspace, acknowledged: &BTreeSet<String>, now: DateTime<Utc>) -> Result<NotifyPlan, Error> {
    let ledger = Ledger::load(&ws.root)?;
    plan_with_ledger(ws, &ledger, acknowledged, now)
}

fn finding_line(f: &Finding) -> String {
    let mut locs: Vec<String> = f
        .affected_resources
        .iter()
        .map(|r| {
            if r.location.trim().is_empty() {
                r.resource_id.clone()
            } else {
                format!("{} ({})", r.location, r.resource_id)
            }
        })
        .collect();
    locs.sort();
    locs.dedup();
    let mut s = format!("{} [{}] {}", f.finding_id, f.severity, f.title);
    if !locs.is_empty() {
        let _ = write!(s, " at {}", locs.join(", "));
    }
    s
}

/// Plan against a given ledger (pure: no I/O).
///
/// Fails when `rulebook.yaml` is missing or invalid, or its `notifications:` section is wrong
/// (unknown channel, secret written in the file, unusable recipient): a plan from a
/// configuration secfw cannot read fully would miss or misdirect messages.
pub fn plan_with_ledger(
    ws: &LoadedWorkspace,
    ledger: &Ledger,
    acknowledged: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> Result<NotifyPlan, Error> {
    let (cfg, mut diags) = config::resolve(ws).map_err(|diagnostics| Error::Config { diagnostics })?;
    let mut candidates: Vec<Message> = Vec::new();
    let mut active = None;
    if cfg.notifications.is_some() {
        let (c, a) = messages(ws, &cfg, ledger, acknowledged, now);
        candidates = c;
        active = Some(a);
    }
    let mut summary = PlanSummary::default();
    let mut out = Vec::new();
    for m in candidates {
        match ledger.messages.get(&m.id).map(|r| r.state) {
            Some(MessageState::Sent) => summary.already_sent += 1,
            Some(MessageState::MayHaveBeenSent) => {
                summary.may_have_been_sent += 1;
                diags.push(
                    Diagnostic::warning(
                        codes::MAY_HAVE_BEEN_SENT,
                        crate::ledger::LEDGER_FILE,
                        format!(
                            "the {} message about {} to {} may have been sent (a run stopped during its delivery); it is not sent again",
                            m.reason, m.subject, m.recipient.name
                        ),
                    )
                    .with_hint("check with the recipient; the ledger keeps it as may_have_been_sent"),
                );
            }
            None => {
                match m.reason {
                    Reason::Escalation => summary.escalation += 1,
                    Reason::ExceptionExpiring => summary.exception_expiring += 1,
                    Reason::ExceptionExpired => summary.exception_expired += 1,
                    Reason::SlaBreach => summary.sla_breach += 1,
                    Reason::EscalationUnacknowledged => summary.escalation_unacknowledged += 1,
                }
                out.push(m);
            }
        }
    }
    out.sort_by(|a, b| {
        (a.subject.as_str(), a.recipient.name.as_str(), a.reason).cmp(&(
            b.subject.as_str(),
            b.recipient.name.as_str(),
            b.reason,
        ))
    });
    secfw_artifacts::sort_diagnostics(&mut diags);
    Ok(NotifyPlan { schema: PLAN_SCHEMA, now: rfc3339(now), summary, messages: out, diagnostics: diags, active })
}

fn messages(
    ws: &LoadedWorkspace,
    cfg: &Config,
    ledger: &Ledger,
    acknowledged: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> (Vec<Message>, BTreeSet<String>) {
    let gov = secfw_governance::evaluate(ws, now);
    let Some(rb) = ws.rulebook.as_ref() else { return (Vec::new(), BTreeSet::new()) };
    let findings: &[Finding] = ws.findings.as_ref().map_or(&[], |f| f.findings.as_slice());
    let mut m = Messages {
        cfg,
        digest: cfg.notifications.as_ref().and_then(|n| n.digest_link.clone()),
        by_id: findings.iter().map(|f| (f.finding_id.as_str(), f)).collect(),
        sent: ledger.condition_times(),
        cleared: &ledger.cleared,
        out: Vec::new(),
        active: BTreeSet::new(),
    };
    let expired: BTreeMap<&str, DateTime<Utc>> = gov
        .exceptions
        .iter()
        .filter(|e| e.state == ExceptionState::Expired)
        .map(|e| (e.id.as_str(), e.expires_at))
        .collect();
    let due: BTreeMap<&str, DateTime<Utc>> = gov.findings.iter().map(|f| (f.finding_id.as_str(), f.due)).collect();
    for rule in &gov.rules {
        if let Some(esc) = &rule.escalation {
            let start = escalation_start(esc, &m.by_id, &expired, &due);
            m.escalation(rule.index, esc, start, ledger, acknowledged, now);
        }
    }
    let warn = i64::from(rb.exceptions.warn_days_before_expiry);
    let registry: BTreeMap<&str, &secfw_artifacts::Exception> =
        ws.exceptions.iter().flat_map(|r| &r.exceptions).map(|e| (e.id.as_str(), e)).collect();
    for ev in &gov.exceptions {
        m.exception_expiry(ev, registry.get(ev.id.as_str()).copied(), warn);
    }
    for fe in gov.findings.iter().filter(|f| f.overdue) {
        if let Some(f) = findings.get(fe.index) {
            m.sla_breach(fe, f, now);
        }
    }
    (m.out, m.active)
}

/// The latest instant at which one of the escalation's items began to count, as far as the
/// artifacts date it: an expired exception (an item of `expired_exceptions_count`, or the
/// exception a finding names), a due date (`overdue_findings_count`). `None` when none is
/// dated. The occurrence of the escalation began no earlier.
fn escalation_start(
    esc: &Escalation,
    by_id: &BTreeMap<&str, &Finding>,
    expired: &BTreeMap<&str, DateTime<Utc>>,
    due: &BTreeMap<&str, DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let overdue_rule = esc.rule == "overdue_findings_count";
    esc.items
        .iter()
        .filter_map(|item| {
            let exception = expired.get(item.as_str()).copied().or_else(|| {
                let f = by_id.get(item.as_str())?;
                expired.get(f.governance.exception_ref.as_deref()?).copied()
            });
            let due = overdue_rule.then(|| due.get(item.as_str()).copied()).flatten();
            exception.max(due)
        })
        .max()
}

/// The messages planned so far.
struct Messages<'a> {
    cfg: &'a Config,
    digest: Option<String>,
    by_id: BTreeMap<&'a str, &'a Finding>,
    /// Per condition: the earliest and latest `at` of its messages in the ledger.
    sent: BTreeMap<String, (DateTime<Utc>, DateTime<Utc>)>,
    /// Per condition: when an apply last saw it ended.
    cleared: &'a BTreeMap<String, DateTime<Utc>>,
    out: Vec<Message>,
    /// The conditions that hold.
    active: BTreeSet<String>,
}

impl Messages<'_> {
    /// A finding's line in a message (its id alone when the ledger does not have it).
    fn item_line(&self, id: &str) -> String {
        self.by_id.get(id).map_or_else(|| id.to_owned(), |f| finding_line(f))
    }

    /// The occurrence of `condition` that holds now: `None` for the first (no earlier message,
    /// or every earlier message belongs to it), else the instant after which it began: the
    /// last time an apply saw the condition ended, or `start` (the artifacts' dating of the
    /// current occurrence) when a message about the condition was sent before it.
    fn occurrence(&mut self, condition: &str, start: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        self.active.insert(condition.to_owned());
        let cleared = self.cleared.get(condition).copied();
        let first_sent = self.sent.get(condition).map(|&(first, _)| first);
        let restarted = start.filter(|&s| first_sent.is_some_and(|f| f < s));
        cleared.max(restarted)
    }

    /// One message about `subject` (condition `condition`, occurrence `after`) to each
    /// deliverable recipient.
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        subject: &str,
        condition: &str,
        after: Option<DateTime<Utc>>,
        recipients: &[String],
        reason: Reason,
        title: &str,
        lines: &[String],
        items: &[String],
    ) {
        for r in recipients {
            let Some(recipient) = self.cfg.recipients.get(r) else { continue };
            self.out.push(Message {
                id: message_occurrence_id(subject, r, reason, after),
                condition: condition.to_owned(),
                subject: subject.to_owned(),
                recipient: recipient.clone(),
                reason,
                title: title.to_owned(),
                lines: lines.to_vec(),
                items: items.to_vec(),
                digest: self.digest.clone(),
            });
        }
    }

    /// A violated rule's escalation to the rule's recipients, and the next level, once: to
    /// `escalate_to` when first notified more than escalation_sla ago and not acknowledged.
    fn escalation(
        &mut self,
        rule_index: usize,
        esc: &Escalation,
        start: Option<DateTime<Utc>>,
        ledger: &Ledger,
        acknowledged: &BTreeSet<String>,
        now: DateTime<Utc>,
    ) {
        let cfg = self.cfg;
        let recipients = cfg.rule_recipients.get(rule_index).map_or(&[][..], Vec::as_slice);
        let condition = condition_key(&escalation_id(&esc.rule, &esc.condition, &esc.items), Reason::Escalation);
        let after = self.occurrence(&condition, start);
        let id = escalation_occurrence_id(&esc.rule, &esc.condition, &esc.items, after);
        let title = format!("[secfw] {id}: {} {} violated (count {})", esc.rule, esc.condition, esc.count);
        let mut lines = vec![format!(
            "Enforcement rule {} must be {}; the workspace has {}.{}",
            esc.rule,
            esc.condition,
            esc.count,
            if esc.blocks_handoff { " The handoff is blocked." } else { "" }
        )];
        match esc.deadline {
            Some(d) => lines.push(format!("Respond by {} (raised {}).", rfc3339(d), rfc3339(esc.raised_at))),
            None => lines.push(format!("Raised {}; the rule sets no escalation_sla.", rfc3339(esc.raised_at))),
        }
        let mut items: Vec<String> = esc.items.iter().map(|i| self.item_line(i)).collect();
        items.sort();
        self.push(&id, &condition, after, recipients, Reason::Escalation, &title, &lines, &items);
        // The next level, once: first notified more than escalation_sla ago, not acknowledged.
        let sla = esc.deadline.map(|d| d - esc.raised_at);
        let first =
            ledger.messages.values().filter(|r| r.subject == id && r.reason == Reason::Escalation).map(|r| r.at).min();
        if let (Some(sla), Some(first)) = (sla, first)
            && !acknowledged.contains(&id)
            && now >= first + sla
        {
            let title =
                format!("[secfw] {id} not acknowledged within its escalation SLA: {} {}", esc.rule, esc.condition);
            let mut next = vec![format!(
                "{id} was first notified {} and nobody acknowledged it by {} (escalation_sla). Acknowledge it with `secfw escalations ack {id} --by NAME`.",
                rfc3339(first),
                rfc3339(first + sla)
            )];
            next.extend(lines);
            self.push(
                &id,
                &condition,
                after,
                &cfg.escalate_to,
                Reason::EscalationUnacknowledged,
                &title,
                &next,
                &items,
            );
        }
    }

    /// An expired exception, or a valid one expiring within `warn` days, to `exception_expiry`.
    fn exception_expiry(&mut self, ev: &ExceptionEval, e: Option<&secfw_artifacts::Exception>, warn: i64) {
        let reason = match ev.state {
            ExceptionState::Expired => Reason::ExceptionExpired,
            ExceptionState::Valid if ev.days_left <= warn => Reason::ExceptionExpiring,
            _ => return,
        };
        let until = e.map_or_else(|| rfc3339(ev.expires_at), |e| e.valid_until.to_string());
        let (title, first) = if reason == Reason::ExceptionExpired {
            (
                format!("[secfw] {} expired on {until}", ev.id),
                format!(
                    "Exception {} (policy {}) expired on {until}; the findings below are counted against the rules again.",
                    ev.id, ev.policy
                ),
            )
        } else {
            (
                format!("[secfw] {} expires on {until} ({} day(s) left)", ev.id, ev.days_left),
                format!(
                    "Exception {} (policy {}) expires on {until}, in {} day(s); renew or remediate the findings below before then.",
                    ev.id, ev.policy, ev.days_left
                ),
            )
        };
        let mut items: Vec<String> = ev.matched_findings.iter().map(|i| self.item_line(i)).collect();
        items.sort();
        // Dated by its expiry: the expiry notice begins at `expires_at`, the warning at the
        // start of the warning window (the first day with `warn` days left or fewer).
        let start = match reason {
            Reason::ExceptionExpired => ev.expires_at,
            _ => (ev.expires_at - chrono::Duration::days(warn))
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map_or(ev.expires_at, |d| d.and_utc()),
        };
        let condition = condition_key(&ev.id, reason);
        let after = self.occurrence(&condition, Some(start));
        let cfg = self.cfg;
        self.push(&ev.id, &condition, after, &cfg.expiry, reason, &title, &[first], &items);
    }

    /// A finding past its remediation SLA, to `sla_breach`.
    fn sla_breach(&mut self, fe: &FindingEval, f: &Finding, now: DateTime<Utc>) {
        let days = (now - fe.due).num_days();
        let title = format!("[secfw] {} is past its remediation SLA", f.finding_id);
        let lines = vec![format!(
            "{} ({}) was due {}; it is {days} day(s) overdue. Recommended action: {}",
            f.finding_id,
            f.severity,
            rfc3339(fe.due),
            f.remediation.recommended_action
        )];
        let subject = format!("finding:{}", f.finding_id);
        let condition = condition_key(&subject, Reason::SlaBreach);
        let after = self.occurrence(&condition, Some(fe.due));
        let cfg = self.cfg;
        self.push(&subject, &condition, after, &cfg.sla_breach, Reason::SlaBreach, &title, &lines, &[finding_line(f)]);
    }
}

#[cfg(test)]
mod id_tests {
    use super::{escalation_id, is_escalation_id};

    #[test]
    fn escalation_ids_have_one_grammar() {
        let id = escalation_id("critical_zero", "open critical", &["F-2".into(), "F-1".into()]);
        assert!(is_escalation_id(&id), "{id}");
        assert_eq!(id, escalation_id("critical_zero", "open critical", &["F-1".into(), "F-2".into()]));
        for bad in [
            "",
            "ESC-",
            "ESC-0123456789a",
            "ESC-0123456789abc",
            "esc-0123456789ab",
            "ESC-0123456789ag",
            "ESC-０123456789a",
        ] {
            assert!(!is_escalation_id(bad), "{bad:?}");
        }
    }
}
