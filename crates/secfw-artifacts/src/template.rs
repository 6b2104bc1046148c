//! The bundled example workspace: "Acme Pay", a fictional card payments company.
//!
//! The files are a byte-exact mirror of `examples/acme` in the repository (a test keeps the
//! two identical) and are embedded in the library, so `secfw init DIR` works from an installed
//! binary. The workspace is complete and consistent: it loads with zero diagnostics (also in
//! strict mode), every cross-reference resolves, and it is written so that every gate passes
//! when evaluated at [`EXAMPLE_NOW`].
//!
//! A public namespace: the example workspace (`template::EXAMPLE`, `template::write_example`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use crate::Error;
use crate::write::write_atomic;

/// Embed the template files, in path order, as `(relative path, content)`.
macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../template/", $path)))),*]
    };
}

/// Every file of the example workspace as `(workspace-relative path with `/` separators,
/// content)`, sorted by path.
pub const EXAMPLE: &[(&str, &str)] = embed![
    "evidence/eks-batch-spot-kubelet-config.json",
    "evidence/iam-access-review-2026-10.csv",
    "evidence/kms-key-rotation-2026-11-20.json",
    "evidence/ledger-db-config-2026-11-20.json",
    "evidence/pentest-2026-q3-summary.md",
    "exceptions.md",
    "inventory.yaml",
    "policy_map.md",
    "rulebook.yaml",
    "scans/semgrep.sarif",
    "scans/trivy.json",
    "sec_findings.yaml",
    "security_spec.md",
];

/// The instant the example is written for (RFC 3339): its scans are recent, its exceptions
/// valid and one of them expiring soon at this time. Evaluate the example with this "now" to
/// reproduce the documented results.
pub const EXAMPLE_NOW: &str = "2026-11-24T09:00:00Z";

/// Write the example workspace into `dir` (created if missing) and return the paths written,
/// in [`EXAMPLE`] order.
///
/// Never overwrites anything: when any of the example's files already exists in `dir` (as a
/// file, directory or symlink), nothing is written and the error names the first one. Each file
/// is written atomically.
///
/// ```
/// use secfw_artifacts::template::{EXAMPLE, write_example};
/// use secfw_artifacts::{LoadOptions, load};
///
/// let dir = tempfile::tempdir()?;
/// let written = write_example(dir.path())?;
/// assert_eq!(written.len(), EXAMPLE.len());
/// assert!(load(dir.path(), &LoadOptions::default().strict(true))?.diagnostics.is_empty());
/// // A second run refuses: nothing people may have edited is ever overwritten.
/// assert!(write_example(dir.path()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] with kind [`std::io::ErrorKind::AlreadyExists`] when a target exists, or the
/// underlying I/O error when `dir` cannot be created or a file cannot be written.
pub fn write_example(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let files: Vec<(&str, Cow<'static, str>)> = EXAMPLE.iter().map(|(p, c)| (*p, Cow::Borrowed(*c))).collect();
    write_files(dir, &files)
}

/// [`write_example`] with every date of the example moved by the whole days between
/// [`EXAMPLE_NOW`] and `now` (see [`example_at`]), so the workspace is valid at `now`: its scans
/// are recent, its exceptions unexpired, its specification reviewed. `secfw init` uses it with
/// the real clock.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use secfw_artifacts::template::write_example_at;
///
/// let dir = tempfile::tempdir()?;
/// write_example_at(dir.path(), Utc.with_ymd_and_hms(2031, 2, 28, 18, 30, 0).unwrap())?;
/// let ledger = std::fs::read_to_string(dir.path().join("sec_findings.yaml"))?;
/// assert!(ledger.contains("2031-02-24T23:15:00Z")); // the ledger's timestamp, four days earlier
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`write_example`].
pub fn write_example_at(dir: &Path, now: DateTime<Utc>) -> Result<Vec<PathBuf>, Error> {
    write_files(dir, &example_at(now))
}

/// The example's files with every date moved by the whole days from [`EXAMPLE_NOW`] to `now`.
///
/// A date moves when it is a calendar date (`YYYY-MM-DD`, alone or starting an RFC 3339
/// timestamp) that is not part of a name (not preceded by a letter, digit, `_`, `-`, `.` or `/`,
/// so `evidence/kms-key-rotation-2026-11-20.json` keeps its name) and is no more than 400 days
/// before [`EXAMPLE_NOW`] (advisory publication dates in scanner reports are facts, not part of
/// the scenario). Times of day and everything else stay byte for byte.
pub fn example_at(now: DateTime<Utc>) -> Vec<(&'static str, Cow<'static, str>)> {
    let reference = example_now().date_naive();
    let days = (now.date_naive() - reference).num_days();
    EXAMPLE
        .iter()
        .map(|(path, text)| {
            let moved = if days == 0 || path.starts_with("evidence/") {
                Cow::Borrowed(*text)
            } else {
                Cow::Owned(shift_dates(text, days, reference - chrono::Days::new(400)))
            };
            (*path, moved)
        })
        .collect()
}

fn example_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(EXAMPLE_NOW).map_or(DateTime::UNIX_EPOCH, |t| t.with_timezone(&Utc))
}

/// Move every scenario date of `text` by `days` (see [`example_at`]).
fn shift_dates(text: &str, days: i64, earliest: NaiveDate) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // The part of `text` not copied to `out` yet: it starts at byte `text.len() - rest.len()`.
    let mut rest = text;
    let mut i = 0;
    while i + 10 <= b.len() {
        let cand = &b[i..i + 10];
        let shape =
            cand.iter().enumerate().all(|(k, c)| if k == 4 || k == 7 { *c == b'-' } else { c.is_ascii_digit() });
        let before_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b"_-./".contains(&b[i - 1]));
        let after_ok = b.get(i + 10).is_none_or(|c| !c.is_ascii_digit() && *c != b'-');
        if shape
            && before_ok
            && after_ok
            && let Some((head, from_date)) = rest.split_at_checked(i - (text.len() - rest.len()))
            && let Some((cand, tail)) = from_date.split_at_checked(10)
            && let Ok(date) = NaiveDate::parse_from_str(cand, "%Y-%m-%d")
            && date >= earliest
            && let Some(moved) = date.checked_add_signed(chrono::TimeDelta::days(days))
        {
            out.push_str(head);
            out.push_str(&moved.format("%Y-%m-%d").to_string());
            rest = tail;
            i += 10;
            continue;
        }
        i += 1;
    }
    out.push_str(rest);
    out
}

/// The minimal skeleton (`secfw init --minimal`) with `@PROJECT@`, `@DATE@` and `@TIMESTAMP@`
/// placeholders, in path order.
const MINIMAL: &[(&str, &str)] = &[
    ("exceptions.md", include_str!("../template-minimal/exceptions.md")),
    ("inventory.yaml", include_str!("../template-minimal/inventory.yaml")),
    ("policy_map.md", include_str!("../template-minimal/policy_map.md")),
    ("rulebook.yaml", include_str!("../template-minimal/rulebook.yaml")),
    ("sec_findings.yaml", include_str!("../template-minimal/sec_findings.yaml")),
    ("security_spec.md", include_str!("../template-minimal/security_spec.md")),
];

/// The minimal workspace for `project` as of `now`: every artifact, an empty ledger and
/// exception registry, one placeholder resource (`my-service`) and one policy (`POL-001`) to
/// replace with your own, a five-tag taxonomy, Critical=0, and a draft specification whose
/// sections say what to write. It validates clean in strict mode and its specification lints
/// clean at `now`; `parity_coverage` fails until a scan of the resource is ingested, as it
/// should.
///
/// `project` must be 1–64 characters of ASCII letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit (it is written unquoted into YAML and sealed into every manifest).
///
/// # Errors
///
/// [`Error::NotAWorkspace`] for an invalid project name.
pub fn minimal(project: &str, now: DateTime<Utc>) -> Result<Vec<(&'static str, Cow<'static, str>)>, Error> {
    let valid = !project.is_empty()
        && project.len() <= 64
        && project.as_bytes()[0].is_ascii_alphanumeric()
        && project.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !valid {
        return Err(Error::NotAWorkspace {
            path: PathBuf::from(project),
            reason: "a project name is 1–64 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or digit"
                .to_owned(),
        });
    }
    let date = now.format("%Y-%m-%d").to_string();
    let timestamp = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    Ok(MINIMAL
        .iter()
        .map(|(path, text)| {
            let filled = text.replace("@PROJECT@", project).replace("@TIMESTAMP@", &timestamp).replace("@DATE@", &date);
            (*path, Cow::Owned(filled))
        })
        .collect())
}

/// Write [`minimal`] into `dir` (created if missing), refusing, like [`write_example`], when any
/// of its files exists.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use secfw_artifacts::template::write_minimal;
/// use secfw_artifacts::{LoadOptions, load};
///
/// let dir = tempfile::tempdir()?;
/// write_minimal(dir.path(), "widgets", Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap())?;
/// assert!(load(dir.path(), &LoadOptions::default().strict(true))?.diagnostics.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`minimal`] and [`write_example`].
pub fn write_minimal(dir: &Path, project: &str, now: DateTime<Utc>) -> Result<Vec<PathBuf>, Error> {
    write_files(dir, &minimal(project, now)?)
}

/// Write `files` (relative path, content) into `dir`, refusing if any of them exists.
fn write_files(dir: &Path, files: &[(&str, Cow<'_, str>)]) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    let targets: Vec<PathBuf> = files.iter().map(|(rel, _)| target(dir, rel)).collect();
    let existing: Vec<&PathBuf> = targets.iter().filter(|p| std::fs::symlink_metadata(p).is_ok()).collect();
    if let Some(first) = existing.first() {
        let others = match existing.len() - 1 {
            0 => String::new(),
            1 => " (and 1 other example file)".to_owned(),
            n => format!(" (and {n} other example files)"),
        };
        return Err(Error::Io {
            path: (*first).clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "already exists{others}; refusing to overwrite it: secfw never overwrites files people \
                     write, so initialise an empty or new directory"
                ),
            ),
        });
    }
    for (path, (_, content)) in targets.iter().zip(files) {
        write_atomic(path, content.as_bytes())?;
    }
    Ok(targets)
}

/// `dir` joined with a `/`-separated relative path, one component at a time.
fn target(dir: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(dir.to_owned(), |p, c| p.join(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_unique_relative_and_include_every_artifact() {
        let paths: Vec<&str> = EXAMPLE.iter().map(|(p, _)| *p).collect();
        let mut sorted = paths.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(paths, sorted);
        for p in &paths {
            assert!(!p.starts_with('/') && !p.contains("..") && !p.contains('\\'), "{p}");
        }
        for artifact in crate::workspace::file_names::ALL {
            assert!(paths.contains(&artifact), "{artifact} missing from the template");
        }
        assert!(EXAMPLE_NOW.parse::<crate::Timestamp>().is_ok());
    }

    #[test]
    fn dates_move_but_names_ids_times_and_old_facts_do_not() {
        let text = "a: 2026-11-20T23:15:00Z\nb: \"2026-12-01\"\nc: evidence/kms-2026-11-20.json\n\
                    d: EXC-2026-10-001\ne: 2019-11-26T00:15:11Z\nf: due 2026-12-31.\ng: 2026-02-30\n";
        let earliest = NaiveDate::from_ymd_opt(2025, 10, 20).unwrap();
        assert_eq!(
            shift_dates(text, 12, earliest),
            "a: 2026-12-02T23:15:00Z\nb: \"2026-12-13\"\nc: evidence/kms-2026-11-20.json\n\
             d: EXC-2026-10-001\ne: 2019-11-26T00:15:11Z\nf: due 2027-01-12.\ng: 2026-02-30\n"
        );
        assert_eq!(shift_dates(text, 0, earliest), text);
        // Leap days come out right both ways.
        assert_eq!(shift_dates("2028-02-28", 1, earliest), "2028-02-29");
        assert_eq!(shift_dates("2028-03-01", -1, earliest), "2028-02-29");
    }

    #[test]
    fn minimal_refuses_project_names_that_would_break_yaml() {
        let now = example_now();
        for bad in ["", "a b", "x: y", "-lead", "é", "a\nb", &"x".repeat(65)] {
            assert!(minimal(bad, now).is_err(), "{bad:?}");
        }
        let files = minimal("acme.pay_2", now).unwrap();
        assert_eq!(files.len(), crate::workspace::file_names::ALL.len());
        assert!(files.iter().all(|(_, c)| !c.contains('@') || c.contains("@example.com")));
    }

    #[test]
    fn the_example_at_its_own_time_is_the_example() {
        let at = example_at(example_now());
        assert!(at.iter().zip(EXAMPLE).all(|((p, c), (q, d))| p == q && c == d));
    }
}
