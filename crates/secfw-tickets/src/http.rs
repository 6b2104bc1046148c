//! The webhook client shared by the ticket sync and `secfw-notify`: one JSON POST with extra
//! headers, retried with exponential backoff.
//!
//! - Retried: HTTP 5xx, 408 and 429 (honouring `Retry-After` in seconds, up to the maximum
//!   backoff), timeouts, refused or dropped connections, malformed responses. Waits
//!   `initial_backoff × 2^(attempt-1)`, capped at `max_backoff`, for at most `max_attempts`
//!   attempts.
//! - Refused: any other status (3xx, 4xx): [`PostError::Refused`], not retried.
//! - Redirects are not followed; TLS is rustls with the Mozilla root store, certificates always
//!   verified.
//!
//! A public namespace: the HTTP delivery `secfw-notify` shares (`http::post`, `http::with_retries`).

use std::fmt;
use std::time::Duration;

use crate::Error;

/// The webhook: URL and optional bearer token.
#[derive(Clone)]
pub struct Endpoint {
    url: String,
    token: Option<String>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &redact_url(&self.url))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Endpoint {
    /// An endpoint URL (`https://host[:port]/path`, or `http://` for a relay on a trusted
    /// network). Fails on other schemes and on URLs with credentials in them. TLS is rustls with
    /// the Mozilla root store; certificates are always verified.
    pub fn new(url: impl Into<String>) -> Result<Self, Error> {
        let url = url.into();
        let bad = |reason: EndpointProblem| Err(Error::InvalidEndpoint { url: redact_url(&url), reason });
        let lower = url.to_ascii_lowercase();
        let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
            return bad(EndpointProblem::Scheme);
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.is_empty() {
            return bad(EndpointProblem::NoHost);
        }
        if authority.contains('@') {
            return bad(EndpointProblem::Credentials);
        }
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad(EndpointProblem::Whitespace);
        }
        // Parsed exactly as the HTTP client will parse it when sending, so a URL it would refuse
        // (`\` or `[zz` in the authority, a bad port, ...) is refused here, before anything is
        // sent, never at send time after other requests went out.
        let port_ok = |u: &ureq::http::Uri| {
            // `Uri::port` hides a port that is not a number; read it from the authority.
            let a = u.authority().map_or("", ureq::http::uri::Authority::as_str);
            let after_host = a.rsplit_once(']').map_or(a, |(_, rest)| rest);
            after_host.rsplit_once(':').is_none_or(|(_, p)| p.parse::<u16>().is_ok_and(|n| n > 0))
        };
        let host_ok = |u: &ureq::http::Uri| u.host().is_some_and(|h| !h.is_empty());
        if !url.parse::<ureq::http::Uri>().is_ok_and(|u| port_ok(&u) && host_ok(&u)) {
            return bad(EndpointProblem::Syntax);
        }
        Ok(Self { url, token: None })
    }

    /// Send `Authorization: Bearer <token>`.
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The URL. It can carry a secret in its path or query (Jira Automation and Slack-style
    /// hook URLs do): print [`Endpoint::redacted`] instead.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL safe to print: `scheme://host[:port]`, with any path or query replaced by
    /// `/<redacted>` (see [`redact_url`]).
    pub fn redacted(&self) -> String {
        redact_url(&self.url)
    }
}

/// A URL safe to print: `scheme://host[:port]` followed by `/<redacted>` when it has a path,
/// query or fragment beyond `/`. Credentials (`user:pw@`) are dropped, control characters
/// replaced; something that is not `scheme://...` at all prints as `<redacted URL>`. Webhook
/// URLs often carry their secret in the path or query, so neither is ever shown.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "<redacted URL>".to_owned() };
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !ok(scheme) {
        return "<redacted URL>".to_owned();
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host: String = host.chars().map(|c| if c.is_whitespace() || c.is_control() { '?' } else { c }).collect();
    let tail = if tail.is_empty() || tail == "/" { tail } else { "/<redacted>" };
    format!("{}://{host}{tail}", scheme.to_ascii_lowercase())
}

/// Retry and timeout settings.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// Attempts per action, at least 1 (default 5).
    pub max_attempts: u32,
    /// Wait before the first retry (default 500 ms).
    pub initial_backoff: Duration,
    /// Longest wait between attempts (default 30 s).
    pub max_backoff: Duration,
    /// Time limit of one attempt, from connect to the last byte read (default 10 s). The body
    /// of a 2xx answer is not read (the status line is the acknowledgement).
    pub timeout: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }
}

impl ApplyOptions {
    /// Set the attempts per action (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Set the backoff: the first wait and the cap.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Set the per-attempt timeout.
    #[must_use]
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The wait after failed attempt `attempt` (1-based).
    pub fn backoff_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// A request the endpoint accepted (HTTP 2xx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivered {
    /// The final HTTP status.
    pub status: u16,
    /// Attempts it took.
    pub attempts: u32,
}

/// Why an endpoint URL cannot be used ([`Error::InvalidEndpoint`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointProblem {
    /// Neither `https://` nor `http://`.
    #[error("the URL must start with https:// (or http:// for a relay on a trusted network)")]
    Scheme,
    /// Nothing between the scheme and the path.
    #[error("the URL has no host")]
    NoHost,
    /// `user:password@` in the URL.
    #[error("credentials in the URL are refused; pass a token with --token-env instead")]
    Credentials,
    /// White space or a control character anywhere in the URL.
    #[error("the URL contains whitespace or control characters")]
    Whitespace,
    /// The URL is not a valid URI (the HTTP client could not send to it).
    #[error("the URL is not a valid URI (check the host, port and any character that must be percent-encoded)")]
    Syntax,
    /// The URL passed these checks, but a request to it cannot be made at all (the HTTP client
    /// refused the URL, TLS or the protocol).
    #[error("{0}")]
    Request(#[source] Failure),
}

/// Why one delivery attempt failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The endpoint answered with a status that is retried (408, 429, 5xx).
    #[error("HTTP {status}{}{body}", if body.is_empty() { "" } else { " " })]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (one line; empty when there was none).
        body: String,
    },
    /// The HTTP client failed: timeout, refused or dropped connection, malformed response, or
    /// a URL, TLS or protocol error.
    #[error("{0}")]
    Http(#[source] ureq::Error),
    /// Another transport failed (the SMTP delivery of `secfw-notify`), with its error.
    #[error("{0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a POST did not deliver.
#[derive(Debug)]
#[non_exhaustive]
pub enum PostError {
    /// The endpoint answered 3xx/4xx (not retried).
    Refused {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (`(empty body)` when empty).
        body: String,
    },
    /// Every attempt failed transiently.
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Failure,
    },
    /// The request cannot be made at all (URL, TLS, HTTP protocol errors).
    Invalid(Failure),
}

/// The HTTP agent for `opts`: statuses are not errors, no redirects, `opts.timeout` per attempt.
pub fn agent(opts: &ApplyOptions, user_agent: &str) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(opts.timeout))
        .user_agent(user_agent)
        .build()
        .into()
}

/// The outcome of one delivery attempt (HTTP here; SMTP in `secfw-notify` maps its replies the
/// same way).
#[derive(Debug)]
#[non_exhaustive]
pub enum Attempt {
    /// Accepted, with this status.
    Done(u16),
    /// Transient failure (why, and a server-requested wait).
    Retry(Failure, Option<Duration>),
    /// Permanent refusal (status, excerpt of the answer).
    Refused(u16, String),
    /// The request cannot be made at all.
    Fatal(Failure),
}

/// POST `body` (JSON) with `headers` to `endpoint`, retrying per `opts` and waiting with `sleep`.
pub fn post(
    agent: &ureq::Agent,
    endpoint: &Endpoint,
    body: &[u8],
    headers: &[(&str, &str)],
    opts: &ApplyOptions,
    sleep: &mut dyn FnMut(Duration),
) -> Result<Delivered, PostError> {
    with_retries(opts, sleep, &mut || attempt_once(agent, endpoint, body, headers))
}

/// Run `attempt` until it is done, refused or fatal, or `opts.max_attempts` attempts failed
/// transiently, waiting `opts.backoff_after(n)` (or the server's `Retry-After`, capped at the
/// maximum backoff) between attempts.
pub fn with_retries(
    opts: &ApplyOptions,
    sleep: &mut dyn FnMut(Duration),
    attempt_once: &mut dyn FnMut() -> Attempt,
) -> Result<Delivered, PostError> {
    let max = opts.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        match attempt_once() {
            Attempt::Done(status) => return Ok(Delivered { status, attempts: attempt }),
            Attempt::Refused(status, body) => return Err(PostError::Refused { status, body }),
            Attempt::Fatal(reason) => return Err(PostError::Invalid(reason)),
            Attempt::Retry(last, _) if attempt >= max => return Err(PostError::Unavailable { attempts: max, last }),
            Attempt::Retry(_, retry_after) => {
                let wait = retry_after.map_or_else(|| opts.backoff_after(attempt), |d| d.min(opts.max_backoff));
                sleep(wait);
                attempt += 1;
            }
        }
    }
}

fn attempt_once(agent: &ureq::Agent, endpoint: &Endpoint, body: &[u8], headers: &[(&str, &str)]) -> Attempt {
    let mut req = agent.post(&endpoint.url).header("Content-Type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(t) = &endpoint.token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    match req.send(body) {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            // A 2xx status line is the receiver's acknowledgement: it accepted the request. Its
            // body is not read, so a body that stalls or breaks off can neither hold the action
            // hostage until the timeout nor turn an accepted action into a failure that would
            // be sent again (and acted on twice by a receiver that does not deduplicate).
            if (200..=299).contains(&status) {
                return Attempt::Done(status);
            }
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            // The start of a refusal's (or a retried failure's) body, read within the attempt's
            // time limit; a body that cannot be read is reported as empty, the status decides.
            let text = resp
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_string()
                .map(|s| excerpt(&s))
                .unwrap_or_default();
            match status {
                408 | 429 | 500..=599 => Attempt::Retry(Failure::Status { status, body: text }, retry_after),
                _ => Attempt::Refused(status, if text.is_empty() { "(empty body)".to_owned() } else { text }),
            }
        }
        Err(e) => match e {
            ureq::Error::BadUri(_)
            | ureq::Error::Http(_)
            | ureq::Error::InvalidProxyUrl
            | ureq::Error::RequireHttpsOnly(_)
            | ureq::Error::TlsRequired
            | ureq::Error::Tls(_) => Attempt::Fatal(Failure::Http(e)),
            other => Attempt::Retry(Failure::Http(other), None),
        },
    }
}

fn excerpt(s: &str) -> String {
    let t: String = s.trim().chars().take(300).collect();
    t.replace(['\r', '\n'], " ")
}
