//! The repository is self-contained: nothing outside `.ci/` refers to the steering folder beside
//! it, and `testdata/` holds exactly the files its manifest lists, byte for byte, each with a
//! licence.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// Every file of the repository that git tracks or would track (untracked, not ignored); a plain
/// walk (minus build output) where git is not available.
fn repository_files(root: &Path) -> Vec<PathBuf> {
    let git = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output();
    if let Ok(out) = git
        && out.status.success()
    {
        return out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
            .filter(|p| p.is_file())
            .collect();
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name();
            if [".git", "target", ".venv", "node_modules"].iter().any(|x| name == *x) {
                continue;
            }
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn no_file_outside_ci_refers_to_the_folder_beside_the_repository() {
    let root = secfw_testkit::repo_root();
    // Spelled in pieces so this file does not match itself: the relative folder, and the
    // absolute paths of the machine it sits on (the folder named shared, then bench, corpora, ...).
    let mut needles = vec![format!("..{}shared", '/'), format!("..{}shared", '\\')];
    for sub in ["bench", "corpora", "seeds", "research", "SPEC.md", "PERFORMANCE.md"] {
        needles.push(format!("/shared{}{sub}", '/'));
    }
    let mut offenders = Vec::new();
    for f in repository_files(&root) {
        let rel = f.strip_prefix(&root).unwrap();
        if rel.starts_with(".ci") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&f) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        if needles.iter().any(|n| text.contains(n.as_str())) {
            offenders.push(rel.display().to_string());
        }
    }
    assert!(offenders.is_empty(), "these files refer to a folder outside the repository: {offenders:?}");
}

#[test]
fn testdata_matches_its_manifest_byte_for_byte_and_every_file_has_a_licence() {
    let dir = secfw_testkit::repo_root().join("testdata");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("MANIFEST.json")).expect("testdata/MANIFEST.json")).unwrap();
    let mut listed = BTreeSet::new();
    let mut problems = Vec::new();
    for e in manifest.as_array().expect("a list") {
        let rel = e["path"].as_str().expect("path");
        listed.insert(rel.to_owned());
        let Ok(bytes) = std::fs::read(dir.join(rel)) else {
            problems.push(format!("{rel}: listed but missing"));
            continue;
        };
        let sha = hex::encode(Sha256::digest(&bytes));
        if Some(sha.as_str()) != e["sha256"].as_str() {
            problems.push(format!("{rel}: sha256 is {sha}, the manifest says {}", e["sha256"]));
        }
        if e["size"].as_u64() != Some(bytes.len() as u64) {
            problems.push(format!("{rel}: size {} differs from the manifest", bytes.len()));
        }
        for key in ["repo", "license"] {
            if e[key].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{rel}: no `{key}`"));
            }
        }
        for l in e["license_files"].as_array().into_iter().flatten() {
            let l = l.as_str().unwrap_or_default();
            if !dir.join(l).is_file() {
                problems.push(format!("{rel}: licence file {l} missing"));
            }
        }
    }
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
            let bookkeeping = rel == "MANIFEST.json"
                || rel == "README.md"
                || rel.starts_with("LICENSES/")
                || rel.ends_with("/SOURCES.md");
            if !bookkeeping && !listed.contains(&rel) {
                problems.push(format!("{rel}: present but not in MANIFEST.json (add its origin and licence)"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
