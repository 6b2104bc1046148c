//! `generate-manifest` overlaps its work: the manifest already in the workspace is read and
//! checked, and governance evaluated, beside the hashing, and the three output files are
//! written on three threads. The attacks a careless or hostile workspace brings still fail
//! closed, in the same order, without hanging, and never write through a link.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;
use secfw_seal::{GenerateOptions, codes, generate_manifest, names};

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(st.success());
}

/// A FIFO where the previous statement (or its envelope) belongs: it is read beside the
/// hashing now, and a blocking open there would hang the whole command. It must be refused
/// (the statement) or ignored as unsigned (the envelope), promptly.
#[test]
fn a_fifo_at_the_previous_statement_or_envelope_neither_hangs_nor_is_trusted() {
    let (_t, dir) = workspace();
    mkfifo(&dir.join(names::STATEMENT));
    let e = generate_manifest(&dir, &GenerateOptions::new(now())).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.code == codes::SEAL_FILE && d.file == names::STATEMENT), "{e}");

    fs::remove_file(dir.join(names::STATEMENT)).unwrap();
    generate(&dir);
    fs::remove_file(dir.join(names::ENVELOPE)).unwrap();
    mkfifo(&dir.join(names::ENVELOPE));
    let g = generate_manifest(&dir, &GenerateOptions::new(now())).unwrap();
    assert_eq!(g.statement.predicate.sequence, 1, "an envelope that is a FIFO signs nothing: the draft is replaced");
    assert!(g.notes.iter().any(|n| n.code == codes::CHAIN), "{:?}", g.notes);
    assert!(fs::symlink_metadata(dir.join(names::ENVELOPE)).unwrap().file_type().is_file());
}

/// The previous statement is read early now, but its problems are reported where they were:
/// after the workspace's own errors, so a broken workspace is reported as such first.
#[test]
fn workspace_errors_come_before_the_problems_of_the_previous_statement() {
    let (_t, dir) = workspace();
    fs::write(dir.join(names::STATEMENT), b"{not json").unwrap();
    fs::remove_file(dir.join(secfw_artifacts::file_names::RULEBOOK)).unwrap();
    let e = generate_manifest(&dir, &GenerateOptions::new(now())).unwrap_err();
    let first = &e.diagnostics()[0];
    assert_eq!(first.code, codes::WORKSPACE_INVALID, "{e}");
    assert!(!e.diagnostics().iter().any(|d| d.file == names::STATEMENT), "{e}");

    // With the workspace repaired, the unusable statement refuses the seal (never a silent
    // restart of the chain) and nothing is written.
    let (_t2, good) = workspace();
    fs::copy(good.join(secfw_artifacts::file_names::RULEBOOK), dir.join(secfw_artifacts::file_names::RULEBOOK))
        .unwrap();
    let e = generate_manifest(&dir, &GenerateOptions::new(now())).unwrap_err();
    assert!(e.diagnostics().iter().all(|d| d.file == names::STATEMENT), "{e}");
    assert_eq!(fs::read(dir.join(names::STATEMENT)).unwrap(), b"{not json");
    assert!(!dir.join(names::ENVELOPE).exists() && !dir.join(names::MANIFEST).exists());
}

/// The previous manifest of another project is refused, read beside the hashing or not.
#[test]
fn a_previous_statement_of_another_project_is_refused() {
    let (_t, dir) = workspace();
    generate_manifest(&dir, &GenerateOptions::new(now()).project("other-project")).unwrap();
    let before = fs::read(dir.join(names::STATEMENT)).unwrap();
    let e = generate_manifest(&dir, &GenerateOptions::new(now())).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.code == codes::PROJECT), "{e}");
    assert_eq!(fs::read(dir.join(names::STATEMENT)).unwrap(), before);
}

/// The three outputs are written concurrently, each atomically and never through a link: a
/// symlink planted at every output name is replaced by a regular file and its target is left
/// alone; a directory in the way refuses the seal.
#[cfg(unix)]
#[test]
fn links_at_the_three_output_names_are_replaced_never_followed() {
    let (t, dir) = workspace();
    let outside = t.path().join("outside");
    fs::create_dir(&outside).unwrap();
    for name in [names::STATEMENT, names::ENVELOPE, names::MANIFEST] {
        let target = outside.join(name);
        fs::write(&target, b"victim").unwrap();
        std::os::unix::fs::symlink(&target, dir.join(name)).unwrap();
    }
    // A symlinked previous statement is not a statement to chain to: refused, not followed.
    let e = generate_manifest(&dir, &GenerateOptions::new(now())).unwrap_err();
    assert!(e.diagnostics().iter().any(|d| d.code == codes::SEAL_FILE), "{e}");
    fs::remove_file(dir.join(names::STATEMENT)).unwrap();

    let g = generate_manifest(&dir, &GenerateOptions::new(now())).unwrap();
    assert_eq!(g.written.len(), 3);
    for name in [names::STATEMENT, names::ENVELOPE, names::MANIFEST] {
        assert!(fs::symlink_metadata(dir.join(name)).unwrap().file_type().is_file(), "{name}");
        assert_eq!(fs::read(outside.join(name)).unwrap(), b"victim", "{name} was written through the link");
    }
    assert_eq!(fs::read(dir.join(names::STATEMENT)).unwrap(), g.payload);
    let env = secfw_seal::Envelope::parse(&fs::read(dir.join(names::ENVELOPE)).unwrap()).unwrap();
    assert_eq!(env.body().unwrap(), g.payload, "the envelope carries the statement written beside it");
    assert!(fs::read_to_string(dir.join(names::MANIFEST)).unwrap().contains(&g.seal.to_string()));
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(secfw_artifacts::TEMP_PREFIX))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    fs::remove_file(dir.join(names::MANIFEST)).unwrap();
    fs::create_dir(dir.join(names::MANIFEST)).unwrap();
    assert!(generate_manifest(&dir, &GenerateOptions::new(now())).is_err());
}

/// The same inputs give the same bytes, whichever writer thread finishes first.
#[test]
fn the_outputs_are_deterministic() {
    let (_t, dir) = workspace();
    let read = |d: &Path| [names::STATEMENT, names::ENVELOPE, names::MANIFEST].map(|n| fs::read(d.join(n)).unwrap());
    generate(&dir);
    let first = read(&dir);
    generate(&dir);
    assert_eq!(read(&dir), first);
}
