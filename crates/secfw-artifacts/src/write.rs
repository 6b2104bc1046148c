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
    write_atomic_meta(path, bytes).map(|_| ())
}

/// [`write_atomic`], returning the metadata of the file written, taken from its open
/// descriptor after the data was synced and before it was renamed into place: what the file
/// looks like if nobody changes it afterwards (a caller compares it with the path's metadata
/// later to tell whether it did).
pub fn write_atomic_meta(path: &Path, bytes: &[u8]) -> Result<fs::Metadata, Error> {
    write_atomic_meta_if(path, bytes, || Ok::<(), std::convert::Infallible>(()))?.map_err(|e| match e {})
}

/// [`write_atomic_meta`] gated by `gate`, which runs after the temp file was written and
/// synced and before it is renamed into place: the file at `path` is replaced only when `gate`
/// returns `Ok`; otherwise the temp file is removed, `path` is unchanged, and `gate`'s error
/// is returned as `Ok(Err(_))`. Lets a writer check its bytes (on another thread) while they
/// are being written, and still write nothing when the check fails. `gate` is not called when
/// the write itself fails.
///
/// # Errors
///
/// [`Error::Io`] when the temp file cannot be written, synced or renamed.
pub fn write_atomic_meta_if<E>(
    path: &Path,
    bytes: &[u8],
    gate: impl FnOnce() -> Result<(), E>,
) -> Result<Result<fs::Metadata, E>, Error> {
    write_atomic_meta_with(path, |f| f.write_all(bytes).map(Ok), gate)
}

/// [`write_atomic_meta_if`] with the bytes written by `fill` into the temp file, which may
/// write them piece by piece as they are produced (a text that is never held whole) and may
/// refuse them: `fill`'s `Ok(Err(_))` stops the write like a failed `gate` (the temp file is
/// removed, `path` is unchanged, `gate` is not called); its I/O error is [`Error::Io`]. Then
/// the temp file is synced, `gate` runs, and the file is renamed into place only when it
/// returns `Ok`.
///
/// # Errors
///
/// [`Error::Io`] when the temp file cannot be created, written, synced or renamed.
pub fn write_atomic_meta_with<E>(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> std::io::Result<Result<(), E>>,
    gate: impl FnOnce() -> Result<(), E>,
) -> Result<Result<fs::Metadata, E>, Error> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(io)?;
    remove_stale_temps(dir);
    let (tmp_path, mut tmp) = tempfile_in(dir).map_err(io)?;
    let written = fill(&mut tmp).and_then(|filled| {
        if filled.is_ok() {
            tmp.sync_all()?;
        }
        Ok(filled)
    });
    let meta = tmp.metadata();
    drop(tmp);
    let meta = match (written, meta) {
        (Ok(Ok(())), Ok(m)) => m,
        (Ok(Err(e)), _) => {
            let _ = fs::remove_file(&tmp_path);
            return Ok(Err(e));
        }
        (Err(e), _) | (Ok(Ok(())), Err(e)) => {
            let _ = fs::remove_file(&tmp_path);
            return Err(io(e));
        }
    };
    if let Err(e) = gate() {
        let _ = fs::remove_file(&tmp_path);
        return Ok(Err(e));
    }
    if let Err(e) = fs::rename(&tmp_path, path) {
        let _ = fs::remove_file(&tmp_path);
        return Err(io(e));
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(Ok(meta))
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

/// Open flags that keep a check-then-open race from following a planted link or blocking on a
/// FIFO. Their values differ between architectures (`O_NOFOLLOW` is 0o400000 on x86-64 but
/// 0o100000 on aarch64, where 0o400000 means `O_LARGEFILE`), so they come from `libc`, never
/// from literals.
///
/// `O_NOFOLLOW`: the last path component must not be a symlink.
#[cfg(unix)]
pub const O_NOFOLLOW: i32 = libc::O_NOFOLLOW;
/// `O_NONBLOCK`: opening a FIFO returns at once instead of waiting for a writer.
#[cfg(unix)]
pub const O_NONBLOCK: i32 = libc::O_NONBLOCK;

fn symlink_error(root: &Path, rel: &Path, upto: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "refusing to write {} under {}: `{}` is a symlink or not a directory; secfw never writes through links",
            rel.display(),
            root.display(),
            upto.display()
        ),
    )
}

/// Create the directory `root/rel_dir` (and its missing parents) without following a symlink in
/// any component of `rel_dir`: every existing component must be a real directory, every missing
/// one is created and checked again after creation. `root` itself is trusted (the caller chose
/// it). `rel_dir` must be relative and free of `..`. Returns `root/rel_dir`.
pub fn create_dirs_nofollow(root: &Path, rel_dir: &Path) -> Result<std::path::PathBuf, Error> {
    use std::path::Component;
    let io = |source| Error::Io { path: root.join(rel_dir), source };
    let mut cur = root.to_path_buf();
    let mut so_far = std::path::PathBuf::new();
    for c in rel_dir.components() {
        let Component::Normal(seg) = c else {
            if matches!(c, Component::CurDir) {
                continue;
            }
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a plain relative path", rel_dir.display()),
            )));
        };
        cur.push(seg);
        so_far.push(seg);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_dir() => {}
            Ok(_) => return Err(io(symlink_error(root, rel_dir, &so_far))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match fs::create_dir(&cur) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io(e)),
                }
                // A link swapped in between the check and the creation is caught here.
                if !fs::symlink_metadata(&cur).is_ok_and(|m| m.file_type().is_dir()) {
                    return Err(io(symlink_error(root, rel_dir, &so_far)));
                }
            }
            Err(e) => return Err(io(e)),
        }
    }
    Ok(cur)
}

/// Write `bytes` to `root/rel` atomically, never following a symlink in any component of `rel`
/// (missing parent directories are created the same way). A symlink at `rel` itself is
/// replaced, not followed: the rename swaps the directory entry. The temporary file is created
/// exclusively with `O_NOFOLLOW`. This is the symlink-safe variant of [`write_atomic`] for
/// every file secfw writes inside a workspace.
pub fn write_atomic_under(root: &Path, rel: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_under_mode(root, rel, bytes, None)
}

/// [`write_atomic_under`] with a Unix file mode for the new file (e.g. `0o600` for secrets).
pub fn write_atomic_under_mode(root: &Path, rel: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), Error> {
    let path = root.join(rel);
    let io = |source| Error::Io { path: path.clone(), source };
    let Some(name) = rel.file_name() else {
        return Err(io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name")));
    };
    let parent_rel = rel.parent().unwrap_or(Path::new(""));
    let dir = create_dirs_nofollow(root, parent_rel)?;
    let target = dir.join(name);
    if fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_dir()) {
        return Err(io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "a directory is in the way")));
    }
    remove_stale_temps(&dir);
    let (tmp_path, mut f) = tempfile_in_mode(&dir, mode).map_err(io)?;
    let res = f.write_all(bytes).and_then(|()| f.sync_all());
    drop(f);
    if let Err(e) = res.and_then(|()| fs::rename(&tmp_path, &target)) {
        let _ = fs::remove_file(&tmp_path);
        return Err(io(e));
    }
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn tempfile_in_mode(dir: &Path, mode: Option<u32>) -> std::io::Result<(std::path::PathBuf, fs::File)> {
    let pid = std::process::id();
    for n in 0u32..1000 {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let p = dir.join(format!("{TEMP_PREFIX}{pid}-{nanos}-{n}"));
        let mut o = fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            o.custom_flags(O_NOFOLLOW);
            if let Some(m) = mode {
                o.mode(m);
            }
        }
        #[cfg(not(unix))]
        let _ = mode;
        match o.open(&p) {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_under_never_follows_a_symlinked_directory() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("ws");
        let elsewhere = t.path().join("elsewhere");
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join(".secfw")).unwrap();
        assert!(write_atomic_under(&root, Path::new(".secfw/state.json"), b"x").is_err());
        assert!(create_dirs_nofollow(&root, Path::new(".secfw/packages")).is_err());
        assert!(fs::read_dir(&elsewhere).unwrap().next().is_none(), "nothing written through the link");
        // a symlink at the file itself is replaced, not followed
        let victim = t.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, root.join("out.json")).unwrap();
        write_atomic_under(&root, Path::new("out.json"), b"new").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert_eq!(fs::read(root.join("out.json")).unwrap(), b"new");
        // missing directories are created, `..` is refused
        write_atomic_under(&root, Path::new("a/b/c.txt"), b"1").unwrap();
        assert!(write_atomic_under(&root, Path::new("../escape.txt"), b"1").is_err());
        assert!(!t.path().join("escape.txt").exists());
    }

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
