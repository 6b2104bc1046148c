//! Writing files secfw owns: atomically (temp file in the same directory, fsync, rename,
//! fsync of the directory), so a crash leaves either the old or the new file, never a mix.
//! A temp file left by a killed write (`.secfw-tmp-<pid>-...`) is removed by the next write
//! into the same directory once its writer is gone (on Linux: no `/proc/<pid>`; elsewhere:
//! older than an hour), so a live writer's temp file is never touched.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::Error;

/// Write `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(io)?;
    remove_stale_temps(dir);
    let mut tmp = tempfile_in(dir).map_err(io)?;
    tmp.1.write_all(bytes).map_err(io)?;
    tmp.1.sync_all().map_err(io)?;
    drop(tmp.1);
    if let Err(e) = fs::rename(&tmp.0, path) {
        let _ = fs::remove_file(&tmp.0);
        return Err(io(e));
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn tempfile_in(dir: &Path) -> std::io::Result<(std::path::PathBuf, fs::File)> {
    let pid = std::process::id();
    for n in 0u32..1000 {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let p = dir.join(format!("{TEMP_PREFIX}{pid}-{nanos}-{n}"));
        match fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not create a temporary file"))
}

/// The prefix of secfw's temp files.
pub const TEMP_PREFIX: &str = ".secfw-tmp-";

/// Remove temp files of writers that are gone (best effort: a file that cannot be removed is
/// left for the next write).
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        // Only regular files (never follow a symlink someone put there).
        let Ok(meta) = fs::symlink_metadata(e.path()) else { continue };
        if !meta.file_type().is_file() {
            continue;
        }
        if writer_is_gone(pid, &meta) {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(target_os = "linux")]
fn writer_is_gone(pid: u32, _meta: &fs::Metadata) -> bool {
    !Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn writer_is_gone(_pid: u32, meta: &fs::Metadata) -> bool {
    meta.modified().ok().and_then(|m| m.elapsed().ok()).is_some_and(|age| age > std::time::Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temp_file_left_by_a_killed_write_is_removed_by_the_next_write() {
        let d = tempfile::tempdir().unwrap();
        // pid 999999999 exceeds every kernel's pid_max: its writer is gone.
        let dead = d.path().join(format!("{TEMP_PREFIX}999999999-1-0"));
        fs::write(&dead, b"half a ledger").unwrap();
        // A temp file of this (live) process is left alone.
        let live = d.path().join(format!("{TEMP_PREFIX}{}-2-0", std::process::id()));
        fs::write(&live, b"in progress").unwrap();
        write_atomic(&d.path().join("sec_findings.yaml"), b"x: 1\n").unwrap();
        #[cfg(target_os = "linux")]
        assert!(!dead.exists(), "the stale temp file is removed");
        assert!(live.exists(), "a live writer's temp file is kept");
        assert_eq!(fs::read(d.path().join("sec_findings.yaml")).unwrap(), b"x: 1\n");
    }
}
