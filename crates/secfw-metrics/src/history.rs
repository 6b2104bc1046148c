//! KPI history: one snapshot per cycle in `.secfw/history/<cycle>.json`, written atomically;
//! trends compare against the previous snapshot. Read and written through
//! [`secfw_artifacts::state`]: a symlinked `.secfw` or `.secfw/history` is refused (`SF0010`),
//! never followed, and a snapshot that is a FIFO, device or link is never opened for a blocking
//! read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use secfw_artifacts::Diagnostic;

use crate::codes;
use crate::period::Period;
use crate::{Error, Result};

/// Where snapshots live, relative to the workspace.
pub const HISTORY_DIR: &str = ".secfw/history";

/// The format tag of a snapshot.
pub const SNAPSHOT_FORMAT: &str = "secfw-kpi-snapshot/v1";

/// Largest snapshot file read, in bytes.
pub const MAX_SNAPSHOT_BYTES: u64 = 1 << 20;

/// One cycle's KPI values, as stored in the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Snapshot {
    /// [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// The cycle id (the file name without `.json`).
    pub cycle: String,
    /// The period the values cover.
    pub period: Period,
    /// The `now` the snapshot was computed at.
    pub generated_at: DateTime<Utc>,
    /// KPI values by key (`mttr`, `coverage`, ...); `null` is n/a.
    pub kpis: BTreeMap<String, Option<f64>>,
    /// Counts by name (`new`, `resolved`, `carry_forward`, `open`, `critical`, `active_exceptions`, ...).
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
}

impl Snapshot {
    /// A KPI value (None: n/a or absent).
    pub fn kpi(&self, key: &str) -> Option<f64> {
        self.kpis.get(key).copied().flatten()
    }

    /// A count.
    pub fn count(&self, key: &str) -> Option<u64> {
        self.counts.get(key).copied()
    }

    /// The snapshot as pretty JSON with a final newline (deterministic: maps are sorted).
    pub fn to_json(&self) -> Result<String> {
        let mut s = serde_json::to_string_pretty(self).map_err(|e| Error::Serialize(Box::new(e)))?;
        s.push('\n');
        Ok(s)
    }
}

/// Check a cycle id: 1-64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
pub fn check_cycle(cycle: &str) -> Result<()> {
    let ok = !cycle.is_empty()
        && cycle.len() <= 64
        && cycle.as_bytes()[0].is_ascii_alphanumeric()
        && cycle.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok { Ok(()) } else { Err(Error::InvalidCycle(cycle.to_owned())) }
}

/// Every readable snapshot of a workspace, oldest first, and the problems met reading them.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct History {
    /// Snapshots sorted by period end, then cycle id.
    pub snapshots: Vec<Snapshot>,
    /// Snapshots that could not be used (each one named).
    pub diagnostics: Vec<Diagnostic>,
}

impl History {
    /// Read `<workspace>/.secfw/history/*.json`. A missing directory is an empty history; a
    /// symlinked `.secfw` or `.secfw/history` is an error (`SF0010`), never followed.
    pub fn load(workspace: &Path) -> Result<Self> {
        secfw_artifacts::state::check_dirs(workspace, Path::new(HISTORY_DIR))?;
        let dir = workspace.join(HISTORY_DIR);
        let mut h = Self::default();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(h),
            Err(source) => return Err(Error::Io { path: dir, source }),
        };
        let mut paths: Vec<PathBuf> = Vec::new();
        for e in entries {
            let e = e.map_err(|source| Error::Io { path: dir.clone(), source })?;
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json")
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                paths.push(p);
            }
        }
        paths.sort();
        for p in paths {
            let name = format!("{HISTORY_DIR}/{}", p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
            match read_snapshot(workspace, &name) {
                Ok(s) if s.format != SNAPSHOT_FORMAT => h.diagnostics.push(
                    Diagnostic::warning(
                        codes::UNSUPPORTED_SNAPSHOT,
                        &name,
                        format!("snapshot format `{}` is not supported (expected `{SNAPSHOT_FORMAT}`)", s.format),
                    )
                    .with_hint("this snapshot was written by a newer secfw; upgrade secfw to use it in trends"),
                ),
                Ok(s) => {
                    let stem = p.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    if s.cycle == stem {
                        h.snapshots.push(s);
                    } else {
                        h.diagnostics.push(
                            Diagnostic::warning(
                                codes::BAD_SNAPSHOT,
                                &name,
                                format!("snapshot says cycle `{}` but its file is named `{stem}.json`", s.cycle),
                            )
                            .with_hint("snapshots are written by secfw; restore this file from version control"),
                        );
                    }
                }
                Err(msg) => h.diagnostics.push(
                    Diagnostic::warning(codes::BAD_SNAPSHOT, &name, format!("cannot use this snapshot: {msg}"))
                        .with_hint(
                            "snapshots are written by secfw; restore this file from version control or delete it",
                        ),
                ),
            }
        }
        h.snapshots.sort_by(|a, b| (a.period.end, &a.cycle).cmp(&(b.period.end, &b.cycle)));
        Ok(h)
    }

    /// The snapshot trends compare against: the latest one of another cycle whose period ends
    /// no later than `end`.
    pub fn previous(&self, cycle: &str, end: DateTime<Utc>) -> Option<&Snapshot> {
        self.snapshots.iter().rev().find(|s| s.cycle != cycle && s.period.end <= end)
    }

    /// Earlier snapshots (other cycles ending no later than `end`), oldest first.
    pub fn before(&self, cycle: &str, end: DateTime<Utc>) -> Vec<Snapshot> {
        self.snapshots.iter().filter(|s| s.cycle != cycle && s.period.end <= end).cloned().collect()
    }

    /// The snapshot of a cycle, if recorded.
    pub fn get(&self, cycle: &str) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.cycle == cycle)
    }
}

fn read_snapshot(workspace: &Path, rel: &str) -> std::result::Result<Snapshot, String> {
    let bytes = secfw_artifacts::state::read(workspace, Path::new(rel), MAX_SNAPSHOT_BYTES)
        .map_err(|e| match e {
            secfw_artifacts::Error::Invalid { diagnostics, .. } => {
                diagnostics.first().map_or_else(|| "not a regular file".to_owned(), |d| d.message.clone())
            }
            e => e.to_string(),
        })?
        .ok_or_else(|| "it was removed while being read".to_owned())?;
    let text = String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())?;
    serde_json::from_str(&text).map_err(|e| format!("invalid JSON snapshot: {e}"))
}

/// Write a snapshot to `<workspace>/.secfw/history/<cycle>.json` atomically; returns the path.
/// Recording a cycle again replaces its snapshot.
pub fn record(workspace: &Path, snapshot: &Snapshot) -> Result<PathBuf> {
    check_cycle(&snapshot.cycle)?;
    let rel = Path::new(HISTORY_DIR).join(format!("{}.json", snapshot.cycle));
    secfw_artifacts::state::write(workspace, &rel, snapshot.to_json()?.as_bytes())?;
    let path = workspace.join(rel);
    Ok(path)
}
