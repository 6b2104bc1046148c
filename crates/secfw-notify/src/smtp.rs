//! E-mail over SMTP (lettre on rustls): the server URL, the TLS mode it implies, and one
//! message per recipient as `multipart/alternative` (plain text and the minimal HTML part).
//!
//! - `smtps://host[:port]`: implicit TLS (default port 465).
//! - `smtp://host[:port]`: STARTTLS required (default port 587); a server that does not offer
//!   it is refused, never used in the clear. To a loopback host (`127.0.0.0/8`, `::1`,
//!   `localhost`) plain SMTP is used: the connection does not leave the machine (a local relay,
//!   a test server).
//! - Credentials are never in the URL (refused); they come from the variables `username_env` and
//!   `password_env` name. `SECFW_SMTP_URL` overrides the rulebook's server for one run.
//! - Certificates are verified against the Mozilla root store (webpki-roots).
//! - Deterministic bytes: the `Message-ID` is `<message id@secfw.notify>`, the `Date` is the
//!   run's `now`, and the MIME boundary is derived from the message id.
//!
//! A public namespace: the mail transport (`smtp::Server`, `smtp::build`).

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use lettre::Transport as _;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use secfw_tickets::http::{Attempt, Failure};

use crate::plan::Message;
use crate::render;

/// The environment variable that overrides the rulebook's SMTP server for one run.
pub const SMTP_URL_ENV: &str = "SECFW_SMTP_URL";

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsMode {
    /// TLS from the first byte (`smtps://`).
    Implicit,
    /// STARTTLS, required (`smtp://` to a non-loopback host).
    StartTls,
    /// None: loopback relay only (`smtp://127.0.0.1:2525`).
    PlainLoopback,
}

/// A parsed SMTP server URL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Server {
    /// Host name or IP address (without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parse `smtp://host[:port]` or `smtps://host[:port]` (an optional trailing `/`). The error is
/// a reason that never repeats the URL (it may hold a secret).
pub fn parse_server(url: &str) -> Result<Server, String> {
    let lower = url.trim().to_ascii_lowercase();
    let (implicit, rest) = if let Some(r) = lower.strip_prefix("smtps://") {
        (true, r)
    } else if let Some(r) = lower.strip_prefix("smtp://") {
        (false, r)
    } else {
        return Err("the SMTP URL must start with smtps:// (implicit TLS) or smtp:// (STARTTLS)".to_owned());
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('@') {
        return Err("credentials in the SMTP URL are refused; name them with username_env / password_env".to_owned());
    }
    if rest.is_empty() || rest.contains(['/', '?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the SMTP URL must be scheme://host[:port] with nothing after the port".to_owned());
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("unclosed [ in the SMTP host")?;
        (h.to_owned(), after.strip_prefix(':'))
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (rest.to_owned(), None),
        }
    };
    if host.is_empty() {
        return Err("the SMTP URL has no host".to_owned());
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0).ok_or("the SMTP port is not a number in 1..=65535")?,
        None if implicit => 465,
        None => 587,
    };
    let tls = match (implicit, is_loopback(&host)) {
        (true, _) => TlsMode::Implicit,
        (false, false) => TlsMode::StartTls,
        (false, true) => TlsMode::PlainLoopback,
    };
    Ok(Server { host, port, tls })
}

/// A ready SMTP channel.
pub(crate) struct Mailer {
    transport: lettre::SmtpTransport,
    from: Mailbox,
}

impl Mailer {
    pub(crate) fn new(
        server: &Server,
        from: &str,
        credentials: Option<(String, String)>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("the sender address is invalid: {e}"))?;
        let hello = from.email.domain().to_owned();
        let tls = match server.tls {
            TlsMode::PlainLoopback => Tls::None,
            TlsMode::Implicit | TlsMode::StartTls => {
                let params = TlsParameters::new(server.host.clone()).map_err(|e| format!("TLS setup failed: {e}"))?;
                if server.tls == TlsMode::Implicit { Tls::Wrapper(params) } else { Tls::Required(params) }
            }
        };
        let mut b = lettre::SmtpTransport::builder_dangerous(server.host.clone())
            .port(server.port)
            .tls(tls)
            .timeout(Some(timeout))
            .hello_name(ClientId::Domain(hello));
        if let Some((user, pass)) = credentials {
            b = b.credentials(Credentials::new(user, pass));
        }
        Ok(Self { transport: b.build(), from })
    }

    /// One attempt to send `m` to `address`.
    pub(crate) fn attempt(&self, m: &Message, address: &str, now: DateTime<Utc>) -> Attempt {
        let email = match build(m, &self.from, address, now) {
            Ok(e) => e,
            Err(e) => return Attempt::Fatal(Failure::Transport(e.into())),
        };
        match self.transport.send(&email) {
            Ok(resp) => Attempt::Done(u16::from(resp.code())),
            Err(e) => {
                let status = e.status().map(u16::from);
                if e.is_permanent() {
                    Attempt::Refused(status.unwrap_or(550), e.to_string())
                } else if e.is_tls() || e.is_client() {
                    Attempt::Fatal(Failure::Transport(Box::new(e)))
                } else {
                    // Transient (4xx), timeouts, connection refused or dropped.
                    Attempt::Retry(Failure::Transport(Box::new(e)), None)
                }
            }
        }
    }
}

/// The e-mail for `m` to `address`, sent at `now` (deterministic bytes for the same inputs).
pub fn build(m: &Message, from: &Mailbox, address: &str, now: DateTime<Utc>) -> Result<lettre::Message, String> {
    let to: Mailbox = address.parse().map_err(|e| format!("the recipient address is invalid: {e}"))?;
    let body = MultiPart::alternative()
        .boundary(format!("secfw-{}", m.id.chars().take(32).collect::<String>()))
        .singlepart(SinglePart::plain(render::text(m)))
        .singlepart(SinglePart::html(render::html(m)));
    lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.title.clone())
        .message_id(Some(format!("<{}@secfw.notify>", m.id)))
        .date(SystemTime::from(now))
        .multipart(body)
        .map_err(|e| format!("the message cannot be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_and_their_tls_modes() {
        let s = |u: &str| parse_server(u).unwrap();
        assert_eq!(
            s("smtps://mail.example.com"),
            Server { host: "mail.example.com".into(), port: 465, tls: TlsMode::Implicit }
        );
        assert_eq!(s("smtp://mail.example.com").tls, TlsMode::StartTls);
        assert_eq!(s("smtp://mail.example.com").port, 587);
        assert_eq!(
            s("smtp://127.0.0.1:2525/"),
            Server { host: "127.0.0.1".into(), port: 2525, tls: TlsMode::PlainLoopback }
        );
        assert_eq!(s("smtp://[::1]:25").tls, TlsMode::PlainLoopback);
        assert_eq!(s("smtps://127.0.0.1:465").tls, TlsMode::Implicit);
        // A non-loopback host never gets plain SMTP.
        assert_eq!(s("smtp://10.0.0.1:25").tls, TlsMode::StartTls);
        for bad in
            ["http://x", "smtp://user:pw@mail.example.com", "smtp://", "smtp://h:0", "smtp://h:99999", "smtp://h/path"]
        {
            let e = parse_server(bad).unwrap_err();
            assert!(!e.contains("pw"), "{e}");
        }
    }
}
