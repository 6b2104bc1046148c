//! Sending a plan: each message once, recorded durably, under the workspace lock.
//!
//! - The caller holds the workspace's [`WorkspaceLock`]; two applies on one workspace run one
//!   after the other, and the second skips what the first sent.
//! - Every channel the plan needs is resolved from the environment first (URL and token
//!   variables); a missing or invalid one stops the run before anything is sent
//!   ([`codes::CHANNEL_UNUSABLE`]).
//! - Per message: a synced `sending` journal line, the POST (retried with backoff through
//!   [`secfw_tickets::http`], `Idempotency-Key` = the message id), then `sent` or `failed`.
//!   A message the ledger already holds (sent or may have been sent) is skipped.
//! - A refused message ([`codes::REJECTED`]) or one whose retries ran out
//!   ([`codes::UNAVAILABLE`]) is reported in [`ApplyReport::failed`] and sent again by the next
//!   run; the other messages go on (after an unavailable channel, its remaining messages are
//!   not attempted in this run).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use secfw_artifacts::Diagnostic;
use secfw_artifacts::WorkspaceLock;
use secfw_tickets::http::{ApplyOptions, Delivered, Endpoint, Failure, PostError};
use serde::Serialize;

use crate::config::Channel;
use crate::ledger::{Event, JournalEntry, LEDGER_FILE, Ledger, MessageState};
use crate::plan::{Message, NotifyPlan, Reason};
use crate::smtp::{Mailer, SMTP_URL_ENV, parse_server};
use crate::{Error, codes, render};
use secfw_artifacts::model::rulebook::WebhookFormat;

/// One message sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Delivery {
    /// The message id.
    pub id: String,
    /// Subject.
    pub subject: String,
    /// Recipient.
    pub recipient: String,
    /// Reason.
    pub reason: Reason,
    /// The HTTP status.
    pub status: u16,
    /// Attempts it took.
    pub attempts: u32,
}

/// What an apply run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ApplyReport {
    /// Messages sent and recorded, in plan order.
    pub sent: Vec<Delivery>,
    /// Ids skipped because the ledger records them as sent.
    pub skipped: Vec<String>,
    /// Ids recorded as "may have been sent" (a previous run stopped during their delivery);
    /// not sent again.
    pub may_have_been_sent: Vec<String>,
    /// Messages not delivered (`NT0201`, `NT0202`); the next run sends them again.
    pub failed: Vec<Diagnostic>,
}

impl ApplyReport {
    /// `true` when nothing failed.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Send `plan` in the workspace `lock` covers; channel secrets come from the process
/// environment, retries wait with `std::thread::sleep`.
pub fn apply(
    plan: &NotifyPlan,
    lock: &WorkspaceLock,
    opts: &ApplyOptions,
    now: DateTime<Utc>,
) -> Result<ApplyReport, Error> {
    apply_with(plan, lock, opts, now, &|k| std::env::var(k).ok(), &mut std::thread::sleep)
}

/// [`apply`] with an injected environment and `sleep` (tests).
pub fn apply_with(
    plan: &NotifyPlan,
    lock: &WorkspaceLock,
    opts: &ApplyOptions,
    now: DateTime<Utc>,
    env: &dyn Fn(&str) -> Option<String>,
    sleep: &mut dyn FnMut(Duration),
) -> Result<ApplyReport, Error> {
    let root = lock.root().to_owned();
    let mut ledger = Ledger::load(&root)?;
    let mut report = ApplyReport::default();
    let mut todo: Vec<&Message> = Vec::new();
    for m in &plan.messages {
        match ledger.messages.get(&m.id).map(|r| r.state) {
            Some(MessageState::Sent) => report.skipped.push(m.id.clone()),
            Some(MessageState::MayHaveBeenSent) => report.may_have_been_sent.push(m.id.clone()),
            None => todo.push(m),
        }
    }
    // Conditions notified earlier that no longer hold have ended: recorded, so that their
    // next occurrence is notified again.
    let observed = plan.active.as_ref().is_some_and(|active| ledger.observe(active, now));
    // A journal left by a stopped run is folded in now, so its "may have been sent" records
    // are kept whatever happens next.
    let had_journal = root.join(crate::JOURNAL_FILE).exists();
    if had_journal || observed {
        ledger.save(&root)?;
    }
    if todo.is_empty() {
        return Ok(report);
    }
    let agent = secfw_tickets::http::agent(opts, concat!("secfw-notify/", env!("CARGO_PKG_VERSION")));
    let mut senders: BTreeMap<String, Sender> = BTreeMap::new();
    for m in &todo {
        let key = channel_key(&m.recipient.channel);
        if let std::collections::btree_map::Entry::Vacant(slot) = senders.entry(key) {
            slot.insert(sender(&m.recipient.channel, opts, env)?);
        }
    }
    let mut down: BTreeSet<String> = BTreeSet::new();
    let result = (|| -> Result<(), Error> {
        for m in todo {
            let key = channel_key(&m.recipient.channel);
            if down.contains(&key) {
                report.failed.push(failure(
                    codes::UNAVAILABLE,
                    m,
                    &format!("not attempted: {key} was unavailable earlier in this run"),
                ));
                continue;
            }
            let Some(tx) = senders.get(&key) else { continue };
            ledger.append(&root, JournalEntry::of(Event::Sending, m, None, None, now))?;
            let outcome = match (tx, &m.recipient.channel) {
                (Sender::Webhook(ep, format), _) => {
                    let headers = [("Idempotency-Key", m.id.as_str()), ("X-Secfw-Notification", m.reason.as_str())];
                    secfw_tickets::http::post(&agent, ep, &render::body(m, *format), &headers, opts, sleep)
                }
                (Sender::Email(mailer), Channel::Email { address, .. }) => {
                    secfw_tickets::http::with_retries(opts, sleep, &mut || mailer.attempt(m, address, now))
                }
                (Sender::Email(_), Channel::Webhook { .. }) => {
                    Err(PostError::Invalid(Failure::Transport("an e-mail sender for a webhook recipient".into())))
                }
            };
            match outcome {
                Ok(Delivered { status, attempts, .. }) => {
                    ledger.append(&root, JournalEntry::of(Event::Sent, m, Some(status), Some(attempts), now))?;
                    report.sent.push(Delivery {
                        id: m.id.clone(),
                        subject: m.subject.clone(),
                        recipient: m.recipient.name.clone(),
                        reason: m.reason,
                        status,
                        attempts,
                    });
                }
                Err(e) => {
                    let (code, status, attempts, why) = match e {
                        PostError::Refused { status, body } => (
                            codes::REJECTED,
                            Some(status),
                            Some(1),
                            format!("{key} refused it with {} {status}: {body}", status_unit(&m.recipient.channel)),
                        ),
                        PostError::Unavailable { attempts, last } => {
                            down.insert(key.clone());
                            (
                                codes::UNAVAILABLE,
                                None,
                                Some(attempts),
                                format!("{key} did not accept it after {attempts} attempt(s) (last: {last})"),
                            )
                        }
                        PostError::Invalid(reason) => {
                            down.insert(key.clone());
                            (codes::CHANNEL_UNUSABLE, None, None, format!("{key} cannot be used: {reason}"))
                        }
                        _ => (codes::UNAVAILABLE, None, None, format!("{key} failed")),
                    };
                    ledger.append(&root, JournalEntry::of(Event::Failed, m, status, attempts, now))?;
                    report.failed.push(failure(code, m, &why));
                }
            }
        }
        Ok(())
    })();
    // Fold the journal into the ledger whatever happened (a failure to do so leaves the
    // journal, which the next load replays: nothing is lost).
    let saved = ledger.save(&root);
    result?;
    saved?;
    Ok(report)
}

enum Sender {
    Webhook(Endpoint, WebhookFormat),
    Email(Mailer),
}

/// The channel a message goes through, as named in reports: `webhook `name`` or `SMTP`.
fn channel_key(c: &Channel) -> String {
    match c {
        Channel::Webhook { name, .. } => format!("webhook `{name}`"),
        Channel::Email { .. } => "the SMTP server".to_owned(),
    }
}

fn status_unit(c: &Channel) -> &'static str {
    match c {
        Channel::Webhook { .. } => "HTTP",
        Channel::Email { .. } => "SMTP reply",
    }
}

fn sender(c: &Channel, opts: &ApplyOptions, env: &dyn Fn(&str) -> Option<String>) -> Result<Sender, Error> {
    match c {
        Channel::Webhook { name, url_env, token_env, format } => {
            Ok(Sender::Webhook(endpoint(name, url_env, token_env.as_deref(), env)?, *format))
        }
        Channel::Email { from, server, username_env, password_env, .. } => {
            let unusable = |msg: String, hint: &str| {
                Error::Channel(
                    Diagnostic::error(codes::CHANNEL_UNUSABLE, secfw_artifacts::file_names::RULEBOOK, msg)
                        .with_hint(hint),
                )
            };
            let (url, origin) = match env(SMTP_URL_ENV).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                Some(u) => (u, SMTP_URL_ENV),
                None => (server.clone(), "notifications.email.server"),
            };
            let parsed = parse_server(&url).map_err(|why| {
                unusable(
                    format!("the SMTP server in {origin} cannot be used: {why}; nothing was sent"),
                    "write smtps://host[:port] or smtp://host[:port]",
                )
            })?;
            let credentials = match (username_env, password_env) {
                (Some(u), Some(p)) => {
                    let get = |var: &str| {
                        env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                            unusable(
                                format!("e-mail: the environment variable {var} is not set or empty; nothing was sent"),
                                "set it in the environment of the run (secrets never come from the workspace)",
                            )
                        })
                    };
                    Some((get(u)?, get(p)?))
                }
                _ => None,
            };
            let mailer = Mailer::new(&parsed, from, credentials, opts.timeout).map_err(|why| {
                unusable(format!("e-mail cannot be sent: {why}; nothing was sent"), "fix notifications.email")
            })?;
            Ok(Sender::Email(mailer))
        }
    }
}

fn failure(code: secfw_artifacts::Code, m: &Message, why: &str) -> Diagnostic {
    Diagnostic::error(
        code,
        LEDGER_FILE,
        format!("the {} message about {} to {} was not delivered: {why}", m.reason, m.subject, m.recipient.name),
    )
    .with_hint("fix the cause and run `secfw notify apply` again: sent messages are skipped, this one is sent")
}

fn endpoint(
    name: &str,
    url_env: &str,
    token_env: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, Error> {
    let unusable = |msg: String, hint: &str| {
        Error::Channel(
            Diagnostic::error(codes::CHANNEL_UNUSABLE, secfw_artifacts::file_names::RULEBOOK, msg).with_hint(hint),
        )
    };
    let url = env(url_env).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).ok_or_else(|| {
        unusable(
            format!(
                "webhook `{name}`: the environment variable {url_env} (its URL) is not set or empty; nothing was sent"
            ),
            "set it in the environment of the run (secrets never come from the workspace)",
        )
    })?;
    // The URL is a secret (Slack and Teams URLs embed a token): never echo it.
    let mut ep = Endpoint::new(url).map_err(|e| {
        let reason = match e {
            secfw_tickets::Error::InvalidEndpoint { reason, .. } => reason.to_string(),
            other => other.to_string(),
        };
        unusable(
            format!("webhook `{name}`: the URL in {url_env} cannot be used: {reason}; nothing was sent"),
            "set a https:// URL (http:// only for a relay on a trusted network)",
        )
    })?;
    if let Some(var) = token_env {
        let token = env(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).ok_or_else(|| {
            unusable(
                format!("webhook `{name}`: the environment variable {var} (its bearer token) is not set or empty; nothing was sent"),
                "set it in the environment of the run, or remove token_env from the channel",
            )
        })?;
        ep = ep.with_token(token);
    }
    Ok(ep)
}
