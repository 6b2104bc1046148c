//! The rulebook's `notifications:` section resolved into channels and recipients, with the
//! checks that keep secrets out of the workspace.
//!
//! - A recipient is `webhook:<name>` (a channel of `notifications.webhooks`) or an e-mail
//!   address (delivered through `notifications.email`). An unknown channel
//!   ([`codes::UNKNOWN_CHANNEL`]) or anything else ([`codes::BAD_RECIPIENT`]) is an error; an
//!   e-mail address without `notifications.email` is a warning ([`codes::NO_EMAIL_CHANNEL`]).
//! - `url_env` and `token_env` must be environment-variable names; a URL, a token or a
//!   `url:`/`token:` field written in the rulebook is refused ([`codes::SECRET_IN_RULEBOOK`]),
//!   and so is a `digest_link` carrying credentials.

use std::collections::BTreeMap;

use secfw_artifacts::file_names;
use secfw_artifacts::model::rulebook::{Action, EmailChannel, Notifications, WebhookFormat};
use secfw_artifacts::yaml::{Seg, SourceMap};
use secfw_artifacts::{Diagnostic, LoadedWorkspace};
use serde::Serialize;

use crate::codes;

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// A webhook of the rulebook.
    Webhook {
        /// Its name.
        name: String,
        /// Its body format.
        format: WebhookFormat,
        /// The variable holding its URL.
        url_env: String,
        /// The variable holding its bearer token, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        token_env: Option<String>,
    },
    /// E-mail through the rulebook's SMTP server.
    Email {
        /// The address.
        address: String,
        /// The sender (`notifications.email.from`).
        from: String,
        /// The SMTP server URL of the rulebook (`SECFW_SMTP_URL` overrides it at apply time).
        server: String,
        /// The variable holding the SMTP user name, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        username_env: Option<String>,
        /// The variable holding the SMTP password, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        password_env: Option<String>,
    },
}

/// A resolved recipient: as written, and its channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Recipient {
    /// As written in the rulebook (`webhook:security-slack`).
    pub name: String,
    /// The channel.
    pub channel: Channel,
}

/// The resolved configuration.
#[derive(Clone, Debug, Default)]
pub(crate) struct Config {
    pub(crate) notifications: Option<Notifications>,
    /// Resolved recipients by name (only deliverable ones).
    pub(crate) recipients: BTreeMap<String, Recipient>,
    /// Recipients of each enforcement rule's escalation, by rule index.
    pub(crate) rule_recipients: Vec<Vec<String>>,
    pub(crate) expiry: Vec<String>,
    pub(crate) sla_breach: Vec<String>,
    pub(crate) escalate_to: Vec<String>,
}

/// The prefix every variable the rulebook names must have: the rulebook is a file people edit,
/// and may name the server too (`notifications.email`), so it must not be able to pick any
/// variable of the run's environment (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`) and have it sent.
const ENV_PREFIX: &str = "SECFW_";

/// A variable name that is valid but not reserved for secfw (see [`ENV_PREFIX`]).
fn not_reserved(s: &str) -> bool {
    is_env_name(s) && !s.starts_with(ENV_PREFIX)
}

fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !local.contains([' ', '/', ':', '<', '>'])
        && !domain.contains([' ', '/', ':', '<', '>', '@'])
}

/// `true` when a value looks like a credential or a URL carrying one.
fn looks_secret(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    let userinfo = l
        .split_once("://")
        .is_some_and(|(_, rest)| rest.split(['/', '?', '#']).next().is_some_and(|a| a.contains('@')));
    let query_secret = ["token=", "sig=", "key=", "secret=", "password=", "code="].iter().any(|k| l.contains(k));
    let known = ["hooks.slack.com/", "webhook.office.com/", "xoxb-", "xoxp-", "ghp_", "-----begin"]
        .iter()
        .any(|k| l.contains(k));
    userinfo || query_secret || known
}

struct Ctx<'a> {
    map: Option<&'a SourceMap>,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn pos(&self, path: &[Seg]) -> Option<secfw_artifacts::Pos> {
        let find = |p: &[Seg]| self.map.and_then(|m| m.pos(p).or_else(|| m.key_pos(p)));
        find(path).or_else(|| {
            // `enforcement:` may be one rule (a mapping) instead of a list.
            match path {
                [first @ Seg::Key(k), Seg::Index(0), rest @ ..] if k == "enforcement" => {
                    let mut p = vec![first.clone()];
                    p.extend_from_slice(rest);
                    find(&p)
                }
                _ => None,
            }
        })
    }
    fn error(&mut self, code: secfw_artifacts::Code, path: &[Seg], msg: String, hint: &str) {
        let pos = self.pos(path);
        self.diags.push(Diagnostic::error(code, file_names::RULEBOOK, msg).at(pos).with_hint(hint));
    }
}

fn k(s: &str) -> Seg {
    Seg::Key(s.to_owned())
}

/// The errors of the rulebook's `notifications:` section (secrets written in it, variables not
/// reserved for secfw, unknown channels, bad recipients, an invalid e-mail channel), for
/// `secfw validate`: what `notify plan` would refuse, found before any run needs it. Empty when
/// the rulebook is missing or does not parse (the loader reports that) or has no section.
pub fn lint(ws: &LoadedWorkspace) -> Vec<Diagnostic> {
    let rulebook_ok =
        ws.rulebook.is_some() && !ws.diagnostics.iter().any(|d| d.file == file_names::RULEBOOK && d.is_error());
    if !rulebook_ok {
        return Vec::new();
    }
    resolve(ws).err().unwrap_or_default()
}

/// Resolve the workspace's notification configuration. Returns the configuration and the
/// planning notes/warnings, or every error.
pub(crate) fn resolve(ws: &LoadedWorkspace) -> Result<(Config, Vec<Diagnostic>), Vec<Diagnostic>> {
    let rb_errors: Vec<Diagnostic> =
        ws.diagnostics.iter().filter(|d| d.file == file_names::RULEBOOK && d.is_error()).cloned().collect();
    let Some(rb) = ws.rulebook.as_ref().filter(|_| rb_errors.is_empty()) else {
        let mut errors = rb_errors;
        if errors.is_empty() {
            errors.push(
                Diagnostic::error(codes::RULEBOOK_UNUSABLE, file_names::RULEBOOK, "rulebook.yaml is missing")
                    .with_hint("notifications are configured in rulebook.yaml (see docs/notifications.md)"),
            );
        }
        return Err(errors);
    };
    let map = ws.source_map(file_names::RULEBOOK);
    let mut cx = Ctx { map: map.as_ref(), diags: Vec::new() };
    let mut notes = Vec::new();
    let Some(section) = rb.notifications.clone() else {
        notes.push(
            Diagnostic::note(
                codes::NO_CONFIG,
                file_names::RULEBOOK,
                "the rulebook has no `notifications:` section; nothing is sent",
            )
            .with_hint("add `notifications:` with webhook channels (see docs/notifications.md)"),
        );
        return Ok((Config::default(), notes));
    };
    check_secrets(&section, &mut cx);
    let mut cfg = Config { notifications: Some(section.clone()), ..Config::default() };
    let mut recipients = Recipients { section: &section, resolved: BTreeMap::new(), cx: &mut cx, notes: &mut notes };
    for (ri, rule) in rb.enforcement.iter().enumerate() {
        let list = recipients.rule(ri, &rule.actions.on_violation);
        cfg.rule_recipients.push(list);
    }
    cfg.expiry = recipients.list(&section.exception_expiry, &[k("notifications"), k("exception_expiry")]);
    cfg.escalate_to = recipients.list(&section.escalate_to, &[k("notifications"), k("escalate_to")]);
    cfg.sla_breach = recipients.list(&section.sla_breach, &[k("notifications"), k("sla_breach")]);
    cfg.recipients = recipients.resolved;
    if cx.diags.is_empty() {
        secfw_artifacts::sort_diagnostics(&mut notes);
        Ok((cfg, notes))
    } else {
        secfw_artifacts::sort_diagnostics(&mut cx.diags);
        Err(cx.diags)
    }
}

/// Recipient lists being resolved against the `notifications:` section.
struct Recipients<'s, 'c, 'm> {
    section: &'s Notifications,
    /// Every deliverable recipient resolved so far, by name.
    resolved: BTreeMap<String, Recipient>,
    cx: &'c mut Ctx<'m>,
    notes: &'c mut Vec<Diagnostic>,
}

impl Recipients<'_, '_, '_> {
    /// The recipients of every `notify` action of enforcement rule `ri`, each once.
    fn rule(&mut self, ri: usize, on_violation: &[Action]) -> Vec<String> {
        let mut list = Vec::new();
        for (ai, a) in on_violation.iter().enumerate() {
            if let Action::Notify(v) = a {
                let path =
                    [k("enforcement"), Seg::Index(ri), k("actions"), k("on_violation"), Seg::Index(ai), k("notify")];
                for r in self.list(v, &path) {
                    if !list.contains(&r) {
                        list.push(r);
                    }
                }
            }
        }
        list
    }

    /// The deliverable recipients of the list at `path`, each once, in order.
    fn list(&mut self, list: &[String], path: &[Seg]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let mut here = path.to_vec();
            here.push(Seg::Index(i));
            if let Some(r) = self.recipient(r.trim(), &here)
                && !out.contains(&r)
            {
                out.push(r);
            }
        }
        out
    }

    /// One recipient: `webhook:<name>` of a defined channel, or an e-mail address when
    /// notifications.email is configured; a secret-looking value, an undefined channel or
    /// anything else is an error, an address without an e-mail channel a warning.
    fn recipient(&mut self, r: &str, here: &[Seg]) -> Option<String> {
        let section = self.section;
        if let Some(name) = r.strip_prefix("webhook:") {
            let Some(w) = section.webhooks.get(name) else {
                self.cx.error(
                    codes::UNKNOWN_CHANNEL,
                    here,
                    format!("recipient `{r}` names webhook `{name}`, which notifications.webhooks does not define"),
                    "define the channel under notifications.webhooks, or fix the name",
                );
                return None;
            };
            self.resolved.entry(r.to_owned()).or_insert_with(|| Recipient {
                name: r.to_owned(),
                channel: Channel::Webhook {
                    name: name.to_owned(),
                    format: w.format,
                    url_env: w.url_env.clone(),
                    token_env: w.token_env.clone(),
                },
            });
            Some(r.to_owned())
        } else if looks_secret(r) {
            self.cx.error(
                codes::SECRET_IN_RULEBOOK,
                here,
                "a recipient looks like a URL or token; secrets never go in the rulebook".to_owned(),
                "define a webhook channel whose url_env names the environment variable holding the URL, and write `webhook:<name>` here",
            );
            None
        } else if let Some(mail) = section.email.as_ref().filter(|_| is_email(r)) {
            self.resolved.entry(r.to_owned()).or_insert_with(|| Recipient {
                name: r.to_owned(),
                channel: Channel::Email {
                    address: r.to_owned(),
                    from: mail.from.trim().to_owned(),
                    server: mail.server.trim().to_owned(),
                    username_env: mail.username_env.clone(),
                    password_env: mail.password_env.clone(),
                },
            });
            Some(r.to_owned())
        } else if is_email(r) {
            self.notes.push(
                Diagnostic::warning(
                    codes::NO_EMAIL_CHANNEL,
                    file_names::RULEBOOK,
                    format!("recipient `{r}` is an e-mail address and notifications.email is not configured; nothing is planned for it"),
                )
                .at(self.cx.pos(here))
                .with_hint("configure notifications.email (SMTP server and sender), or add a webhook channel (`webhook:<name>`) for this audience"),
            );
            None
        } else {
            self.cx.error(
                codes::BAD_RECIPIENT,
                here,
                format!("recipient `{r}` is neither `webhook:<name>` nor an e-mail address"),
                "write `webhook:<name>` (a channel of notifications.webhooks) or an e-mail address",
            );
            None
        }
    }
}

fn check_secrets(n: &Notifications, cx: &mut Ctx<'_>) {
    check_webhook_secrets(n, cx);
    if let Some(mail) = &n.email {
        check_email(mail, cx);
    }
    if let Some(link) = &n.digest_link
        && looks_secret(link)
    {
        cx.error(
            codes::SECRET_IN_RULEBOOK,
            &[k("notifications"), k("digest_link")],
            "notifications.digest_link carries credentials (user:password@ or a token in the query)".to_owned(),
            "link to the digest without credentials; readers authenticate themselves",
        );
    }
}

/// Webhook channels name environment variables (url_env, token_env) and never hold a URL or
/// token themselves.
fn check_webhook_secrets(n: &Notifications, cx: &mut Ctx<'_>) {
    for (name, w) in &n.webhooks {
        let base = [k("notifications"), k("webhooks"), k(name)];
        for (field, value) in [("url_env", Some(&w.url_env)), ("token_env", w.token_env.as_ref())] {
            let Some(v) = value else { continue };
            if not_reserved(v) {
                let mut p = base.to_vec();
                p.push(k(field));
                unreserved(cx, &p, &format!("notifications.webhooks.{name}.{field}"), v);
            } else if !is_env_name(v) {
                let mut p = base.to_vec();
                p.push(k(field));
                let what = if looks_secret(v) || v.contains("://") {
                    "holds what looks like a secret value"
                } else {
                    "is not an environment-variable name"
                };
                cx.error(
                    codes::SECRET_IN_RULEBOOK,
                    &p,
                    format!("notifications.webhooks.{name}.{field} {what}; it must name an environment variable (A-Z, 0-9, _)"),
                    "write the variable's name (e.g. SECFW_SLACK_WEBHOOK_URL) and set the secret in the environment of the run",
                );
            }
        }
        for (field, present) in [("url", w.url.is_some()), ("token", w.token.is_some())] {
            if present {
                let mut p = base.to_vec();
                p.push(k(field));
                cx.error(
                    codes::SECRET_IN_RULEBOOK,
                    &p,
                    format!("notifications.webhooks.{name}.{field}: secrets are never read from the workspace"),
                    "remove the value (and rotate it: it is in version control); name an environment variable with url_env / token_env",
                );
            }
        }
    }
}

/// A variable name the rulebook may not use: not reserved for secfw ([`ENV_PREFIX`]).
fn unreserved(cx: &mut Ctx<'_>, path: &[Seg], setting: &str, var: &str) {
    cx.error(
        codes::ENV_NOT_RESERVED,
        path,
        format!(
            "{setting} names `{var}`, which does not start with {ENV_PREFIX}: secfw sends only variables set for it"
        ),
        &format!(
            "set the secret in a variable named {ENV_PREFIX}... for this run (e.g. {ENV_PREFIX}{var}) and name that one"
        ),
    );
}

/// The e-mail channel: credentials named by environment variables (both or neither), no
/// password in the workspace, a valid server URL and sender address.
fn check_email(mail: &EmailChannel, cx: &mut Ctx<'_>) {
    let base = [k("notifications"), k("email")];
    for (field, value) in [("username_env", mail.username_env.as_ref()), ("password_env", mail.password_env.as_ref())] {
        if let Some(v) = value
            && not_reserved(v)
        {
            let mut p = base.to_vec();
            p.push(k(field));
            unreserved(cx, &p, &format!("notifications.email.{field}"), v);
        } else if let Some(v) = value
            && !is_env_name(v)
        {
            let mut p = base.to_vec();
            p.push(k(field));
            cx.error(
                codes::SECRET_IN_RULEBOOK,
                &p,
                format!(
                    "notifications.email.{field} must name an environment variable (A-Z, 0-9, _), not hold a value"
                ),
                "write the variable's name (e.g. SECFW_SMTP_PASSWORD) and set the secret in the environment of the run",
            );
        }
    }
    if mail.username_env.is_some() != mail.password_env.is_some() {
        cx.error(
            codes::EMAIL_INVALID,
            &base,
            "notifications.email names only one of username_env and password_env".to_owned(),
            "name both variables, or neither (a relay that needs no login)",
        );
    }
    if mail.password.is_some() {
        let mut p = base.to_vec();
        p.push(k("password"));
        cx.error(
            codes::SECRET_IN_RULEBOOK,
            &p,
            "notifications.email.password: secrets are never read from the workspace".to_owned(),
            "remove it (and change the password: it is in version control); name an environment variable with password_env",
        );
    }
    let mut p = base.to_vec();
    p.push(k("server"));
    if let Err(why) = crate::smtp::parse_server(&mail.server) {
        let code = if mail.server.contains('@') { codes::SECRET_IN_RULEBOOK } else { codes::EMAIL_INVALID };
        cx.error(
            code,
            &p,
            format!("notifications.email.server: {why}"),
            "write smtps://host[:port] or smtp://host[:port]",
        );
    }
    if !is_email(mail.from.trim()) {
        let mut p = base.to_vec();
        p.push(k("from"));
        cx.error(
            codes::EMAIL_INVALID,
            &p,
            format!("notifications.email.from `{}` is not an e-mail address", mail.from),
            "write the sender address, e.g. secfw@example.com",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_emails_and_secrets() {
        assert!(is_env_name("SECFW_SLACK_URL") && !is_env_name("https://x") && !is_env_name("lower"));
        assert!(
            not_reserved("GITHUB_TOKEN")
                && not_reserved("AWS_SECRET_ACCESS_KEY")
                && !not_reserved("SECFW_SMTP_PASSWORD")
        );
        assert!(is_email("security-team@company.com") && !is_email("webhook:x") && !is_email("a@b"));
        assert!(looks_secret("https://hooks.slack.com/services/T0/B0/XYZ"));
        assert!(looks_secret("https://user:pw@example.com/digest"));
        assert!(looks_secret("https://example.com/d?token=abc"));
        assert!(!looks_secret("https://intranet.example.com/secfw/digest.html"));
    }
}
