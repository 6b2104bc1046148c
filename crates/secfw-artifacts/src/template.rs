//! The bundled example workspace: "Acme Pay", a fictional card payments company.
//!
//! The files are a byte-exact mirror of `examples/acme` in the repository (a test keeps the
//! two identical) and are embedded in the library, so `secfw init DIR` works from an installed
//! binary. The workspace is complete and consistent: it loads with zero diagnostics (also in
//! strict mode), every cross-reference resolves, and it is written so that every gate passes
//! when evaluated at [`EXAMPLE_NOW`].

use std::path::{Path, PathBuf};

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
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    let targets: Vec<PathBuf> = EXAMPLE.iter().map(|(rel, _)| target(dir, rel)).collect();
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
    for (path, (_, content)) in targets.iter().zip(EXAMPLE) {
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
        for artifact in crate::workspace::files::ALL {
            assert!(paths.contains(&artifact), "{artifact} missing from the template");
        }
        assert!(EXAMPLE_NOW.parse::<crate::Timestamp>().is_ok());
    }
}
