#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// All modules are private: `render` gives the three renderings at once, and each renderer is
// re-exported under a name that says which one it is.
mod html;
mod json;
mod md;
mod svg;

pub use html::render as render_html;
pub use json::render as render_json;
pub use md::render as render_markdown;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secfw_artifacts::model::digest::DigestJson;
use secfw_artifacts::{LoadedWorkspace, file_names};
use secfw_metrics::{CollectOptions, History, KpiReport};

/// Longest list shown in `digest.md` and `digest.html` (actions, exceptions); the rest is
/// counted there and listed in full in `digest.json`.
pub const MAX_LISTED: usize = 25;

/// The error type of `secfw-digest`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Computing or recording the metrics failed.
    #[error(transparent)]
    Metrics(#[from] secfw_metrics::Error),
    /// Writing a file failed.
    #[error(transparent)]
    Artifacts(#[from] secfw_artifacts::Error),
    /// A value could not be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The three renderings of one report.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rendered {
    /// `digest.md`.
    pub markdown: String,
    /// `digest.json`.
    pub json: String,
    /// `digest.html`.
    pub html: String,
}

/// Render a report as Markdown, JSON and HTML. Pure: same report, same bytes.
pub fn render(report: &KpiReport) -> Result<Rendered> {
    Ok(Rendered { markdown: md::render(report), json: json::render(report)?, html: html::render(report) })
}

/// Write the three files into `out_dir` atomically; returns their paths.
pub fn write(rendered: &Rendered, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for (name, text) in [
        (file_names::DIGEST_MD, &rendered.markdown),
        (file_names::DIGEST_JSON, &rendered.json),
        (file_names::DIGEST_HTML, &rendered.html),
    ] {
        let p = out_dir.join(name);
        secfw_artifacts::write_atomic(&p, text.as_bytes())?;
        paths.push(p);
    }
    Ok(paths)
}

/// What [`generate`] did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Generated {
    /// The metrics report the digest shows.
    pub report: KpiReport,
    /// The snapshot written to the history.
    pub snapshot: PathBuf,
    /// The digest files written.
    pub files: Vec<PathBuf>,
}

/// The IMPROVE step: collect the metrics of the workspace, record the cycle's snapshot in
/// `.secfw/history/` and write `digest.md`, `digest.json` and `digest.html` into `out_dir`
/// (default: the workspace).
pub fn generate(
    ws: &LoadedWorkspace,
    opts: &CollectOptions,
    now: DateTime<Utc>,
    out_dir: Option<&Path>,
) -> Result<Generated> {
    let history = History::load(&ws.root)?;
    let report = secfw_metrics::collect_with_history(ws, &history, opts, now)?;
    let rendered = render(&report)?;
    let snapshot = secfw_metrics::record(&ws.root, &report)?;
    let files = write(&rendered, out_dir.unwrap_or(&ws.root))?;
    Ok(Generated { report, snapshot, files })
}

/// The largest `digest.json` read as IMPROVE evidence.
const MAX_DIGEST_JSON_BYTES: u64 = 64 * 1024 * 1024;

/// Evidence for the lifecycle's IMPROVE entry criterion: "metrics collected, digest generated".
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImproveEvidence {
    /// The cycle the digest is for (from `digest.json`), if there is one.
    pub cycle: Option<String>,
    /// A snapshot of that cycle is in `.secfw/history/`.
    pub metrics_collected: bool,
    /// `digest.md`, `digest.json` and `digest.html` exist and `digest.json` parses.
    pub digest_generated: bool,
    /// Why the criterion does not hold (empty when it does).
    pub reasons: Vec<String>,
}

impl ImproveEvidence {
    /// `true` when metrics were collected and the digest generated for the same cycle.
    pub fn holds(&self) -> bool {
        self.metrics_collected && self.digest_generated
    }
}

/// Check the IMPROVE criterion for the workspace at `dir` (digest files in `dir`): the digest
/// exists, names its cycle, and that cycle's snapshot is in the history with the same period.
/// With `since`, the digest must also have been generated at or after it (e.g. the time the
/// cycle entered VALIDATED), so a digest of an earlier cycle does not count.
pub fn improve_evidence(dir: &Path, since: Option<DateTime<Utc>>) -> ImproveEvidence {
    let mut ev =
        ImproveEvidence { cycle: None, metrics_collected: false, digest_generated: false, reasons: Vec::new() };
    let missing: Vec<&str> = file_names::DIGESTS.iter().copied().filter(|f| !dir.join(f).is_file()).collect();
    // Opened without blocking or following a link: a FIFO or device planted as digest.json is
    // "not generated", never a hang.
    let parsed: Option<DigestJson> = secfw_artifacts::read_regular(
        &dir.join(file_names::DIGEST_JSON),
        MAX_DIGEST_JSON_BYTES,
        secfw_artifacts::Links::Refuse,
    )
    .ok()
    .and_then(|b| serde_json::from_slice(&b).ok());
    match (&parsed, missing.is_empty()) {
        (Some(d), true) => {
            let fresh = match (since, d.generated_at.as_deref().and_then(|g| DateTime::parse_from_rfc3339(g).ok())) {
                (None, _) => true,
                (Some(s), Some(g)) => g.with_timezone(&Utc) >= s,
                (Some(_), None) => false,
            };
            if fresh {
                ev.digest_generated = true;
            } else {
                ev.reasons.push("digest.json was generated before the current cycle: run `secfw digest`".to_owned());
            }
        }
        (None, _) if missing.contains(&file_names::DIGEST_JSON) => {}
        (None, _) => ev.reasons.push("digest.json does not parse: run `secfw digest` again".to_owned()),
        (Some(_), false) => {}
    }
    if !missing.is_empty() {
        ev.reasons.push(format!("{} missing: run `secfw digest`", missing.join(", ")));
    }
    ev.cycle = parsed.as_ref().and_then(|d| d.cycle.clone());
    match (&ev.cycle, History::load(dir)) {
        (Some(c), Ok(h)) => match h.get(c) {
            Some(s)
                if parsed.as_ref().is_some_and(|d| {
                    DateTime::parse_from_rfc3339(&d.period.end).is_ok_and(|e| e.with_timezone(&Utc) == s.period.end)
                }) =>
            {
                ev.metrics_collected = true;
            }
            Some(_) => ev.reasons.push(format!(
                "the history snapshot of cycle {c} covers another period than digest.json: run `secfw digest`"
            )),
            None => ev.reasons.push(format!("no KPI snapshot .secfw/history/{c}.json: run `secfw digest`")),
        },
        (Some(_), Err(e)) => ev.reasons.push(format!("cannot read the KPI history: {e}")),
        (None, _) => {
            if parsed.is_some() {
                ev.reasons.push("digest.json names no cycle: run `secfw digest` again".to_owned());
            }
        }
    }
    if ev.holds() {
        ev.reasons.clear();
    }
    ev
}
