//! Reading the same bytes on the streaming and the in-memory SARIF paths, through
//! `parse_path` (the only entry point that streams), and requiring the two to agree.
#![allow(dead_code)] // each test binary uses its own part

use secfw_ingest::{Error, Format, ParseOptions, ScannerReport, parse_path};

/// What a parse came to, in a form both paths must agree on.
pub(crate) type Outcome = Result<(Vec<secfw_ingest::Scan>, Vec<String>), Vec<String>>;

pub(crate) fn outcome(r: &Result<ScannerReport, Error>) -> Outcome {
    let text = |d: &[secfw_artifacts::Diagnostic]| {
        d.iter().map(|d| format!("{} {:?}:{:?} {}", d.code.as_str(), d.line, d.column, d.message)).collect::<Vec<_>>()
    };
    match r {
        Ok(r) => Ok((r.scans.clone(), text(&r.diagnostics))),
        Err(e) => Err(text(&e.diagnostics())),
    }
}

/// `bytes` written to a file named `name` and read in memory, then streamed.
pub(crate) fn parse_both(
    bytes: &[u8],
    name: &str,
    format: Format,
) -> (Result<ScannerReport, Error>, Result<ScannerReport, Error>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report"); // `name` may hold slashes: it is only the display name
    std::fs::write(&path, bytes).unwrap();
    let mem = parse_path(&path, name, format, &ParseOptions::default().in_memory_max(u64::MAX));
    let stream = parse_path(&path, name, format, &ParseOptions::default().in_memory_max(0));
    (mem, stream)
}

/// Requires `mem` and `stream` (of `bytes`) to agree, except that a refusal outside the results
/// may be placed one byte later on the streaming path: the stream parser counts a byte it has
/// peeked at in its position, the slice parser does not (`serde_json`). Codes and messages
/// always agree.
pub(crate) fn agree_or_peeked(bytes: &[u8], mem: &Outcome, stream: &Outcome) {
    if mem == stream {
        return;
    }
    let (Err(x), Err(y)) = (mem, stream) else { panic!("the paths disagree:\n{mem:?}\n{stream:?}") };
    let pos = |d: &str| -> (String, usize, usize, String) {
        let (code, rest) = d.split_once(' ').unwrap();
        let (at, msg) = rest.split_once(' ').unwrap();
        let (line, col) = at.split_once(':').unwrap();
        let num = |s: &str| s.trim_start_matches("Some(").trim_end_matches(')').parse::<usize>().unwrap();
        (code.to_owned(), num(line), num(col), msg.to_owned())
    };
    let ((c1, l1, k1, m1), (c2, l2, k2, m2)) = (pos(&x[0]), pos(&y[0]));
    assert_eq!((c1, m1), (c2, m2));
    // One byte later: the next column, or the start of the next line after a newline.
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let line_start = text.split(|&b| b == b'\n').take(l1 - 1).map(|l| l.len() + 1).sum::<usize>();
    let next_is_newline = text.get(line_start + k1) == Some(&b'\n');
    let later = if next_is_newline { (l1 + 1, 0) } else { (l1, k1 + 1) };
    assert_eq!((l2, k2), later, "{x:?} vs {y:?} on {:?}", String::from_utf8_lossy(bytes));
}
