//! FIRST EPSS scores in their CSV format, plain or gzip (`epss_scores-YYYY-MM-DD.csv.gz`):
//!
//! ```text
//! #model_version:v2025.03.14,score_date:2026-12-01T12:55:00Z
//! cve,epss,percentile
//! CVE-1999-0001,0.01141,0.77780
//! ```

use std::collections::HashMap;
use std::io::Read as _;

use chrono::{DateTime, Utc};
use secfw_artifacts::{Date, Diagnostic, Pos};

use crate::codes;
use crate::text::CveKey;

/// One score.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct EpssEntry {
    /// Probability of exploitation activity in the next 30 days.
    pub score: f64,
    /// Percentile among all scored CVEs.
    pub percentile: f64,
    /// The line it is on in the (decompressed) file.
    pub line: u32,
}

/// A parsed, validated score file.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct EpssScores {
    /// `model_version` of the first line.
    pub model_version: String,
    /// The UTC day of `score_date`: the data date.
    pub score_date: Date,
    /// Scores by CVE id ([`EpssScores::get`]).
    pub scores: HashMap<CveKey, EpssEntry>,
}

impl EpssScores {
    /// The score of an upper-case CVE id.
    pub fn get(&self, cve: &str) -> Option<&EpssEntry> {
        CveKey::parse(cve).and_then(|k| self.scores.get(&k))
    }
}

/// Default limit of the decompressed file: 256 MiB (the full file is about 12 MB).
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 256 * 1024 * 1024;

/// Most row diagnostics reported for one file (it is refused at the first anyway).
const MAX_DIAGS: usize = 20;

/// `true` when the bytes start with the gzip magic number.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Parse and validate EPSS scores at `now`, decompressing gzip (at most `max_decompressed`
/// bytes: a gzip bomb is refused, not expanded). Every problem is a located error and the
/// whole file is refused.
pub fn parse_epss(
    bytes: &[u8],
    name: &str,
    now: DateTime<Utc>,
    max_decompressed: u64,
) -> Result<EpssScores, Vec<Diagnostic>> {
    let owned;
    let data: &[u8] = if is_gzip(bytes) {
        let mut out = Vec::new();
        let mut dec = flate2::read::MultiGzDecoder::new(bytes).take(max_decompressed + 1);
        if let Err(e) = dec.read_to_end(&mut out) {
            return Err(vec![
                Diagnostic::error(codes::EPSS_BAD_GZIP, name, format!("the gzip data is damaged: {e}"))
                    .with_hint("download the file again; give the .csv.gz as published or the plain .csv"),
            ]);
        }
        if out.len() as u64 > max_decompressed {
            return Err(vec![
                Diagnostic::error(
                    codes::EPSS_TOO_LARGE,
                    name,
                    format!("the file decompresses to more than {max_decompressed} bytes"),
                )
                .with_hint("the published file is about 12 MB uncompressed; this is not an EPSS file"),
            ]);
        }
        owned = out;
        &owned
    } else {
        if bytes.len() as u64 > max_decompressed {
            return Err(vec![
                Diagnostic::error(codes::EPSS_TOO_LARGE, name, format!("the file is over {max_decompressed} bytes"))
                    .with_hint("the published file is about 12 MB; this is not an EPSS file"),
            ]);
        }
        bytes
    };
    parse_text(data, name, now)
}

fn header_err(name: &str, line: u32, msg: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(codes::EPSS_BAD_HEADER, name, msg).at(Some(Pos::new(line, 1))).with_hint(
        "an EPSS file starts with `#model_version:<v>,score_date:<YYYY-MM-DD...>` then `cve,epss,percentile`",
    )]
}

fn parse_text(data: &[u8], name: &str, now: DateTime<Utc>) -> Result<EpssScores, Vec<Diagnostic>> {
    let mut lines = data.split(|b| *b == b'\n').enumerate().map(|(i, l)| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        (u32::try_from(i + 1).unwrap_or(u32::MAX), l)
    });
    let line_text = |n: u32, l: &[u8]| -> Result<String, Vec<Diagnostic>> {
        crate::text::utf8(l, name).map(str::to_owned).map_err(|d| vec![relocate(d, n)])
    };
    let (n1, l1) = lines.next().unwrap_or((1, b""));
    // A byte-order mark (a file saved by an editor) is not part of the header.
    let l1 = l1.strip_prefix("\u{feff}".as_bytes()).unwrap_or(l1);
    let (model_version, score_date) = parse_model_line(&line_text(n1, l1)?, name, now)?;
    let (n2, l2) = lines.next().unwrap_or((2, b""));
    let second = line_text(n2, l2)?;
    if second.trim() != "cve,epss,percentile" {
        return Err(header_err(name, 2, format!("line 2 is `{}`, not `cve,epss,percentile`", shorten(&second))));
    }
    let scores = parse_rows(lines, name, data.len() / 32)?;
    if !data.is_empty() && !data.ends_with(b"\n") {
        // FIRST's files end with a newline; without one the last row may be cut inside a number.
        let last = u32::try_from(data.split(|b| *b == b'\n').count()).unwrap_or(u32::MAX);
        return Err(vec![
            Diagnostic::error(
                codes::EPSS_TRUNCATED,
                name,
                "the file does not end with a newline: its last row may be cut off",
            )
            .at(Some(Pos::new(last, 1)))
            .with_hint("the file is truncated (a download or copy cut short); download it again"),
        ]);
    }
    if scores.is_empty() {
        return Err(vec![
            Diagnostic::error(codes::EPSS_EMPTY, name, "the file has no scores")
                .at(Some(Pos::new(3, 1)))
                .with_hint("the published file scores every CVE; it is truncated, download it again"),
        ]);
    }
    Ok(EpssScores { model_version, score_date, scores })
}

/// Line 1, `#model_version:<v>,score_date:<YYYY-MM-DD...>`: the model version and the score
/// date, which may not be after `now`.
fn parse_model_line(first: &str, name: &str, now: DateTime<Utc>) -> Result<(String, Date), Vec<Diagnostic>> {
    let meta = first.strip_prefix('#').ok_or_else(|| {
        header_err(name, 1, format!("line 1 is `{}`, not the `#model_version:...` line", shorten(first)))
    })?;
    let mut model = None;
    let mut sdate = None;
    for part in meta.split(',') {
        let (key, slot) = match part.split_once(':') {
            Some(("model_version", v)) if !v.trim().is_empty() => ("model_version", (&mut model, v)),
            Some(("score_date", v)) => ("score_date", (&mut sdate, v)),
            _ => continue,
        };
        // A key given twice is ambiguous (which date is the data's?): refused, never last-wins.
        if slot.0.replace(slot.1.trim().to_owned()).is_some() {
            return Err(header_err(name, 1, format!("line 1 gives {key} more than once")));
        }
    }
    let (Some(model_version), Some(sd)) = (model, sdate) else {
        return Err(header_err(name, 1, format!("line 1 `{}` lacks model_version or score_date", shorten(first))));
    };
    // The UTC day: `2026-11-24T23:00:00-05:00` is dated 2026-11-25.
    let Some(score_date) = crate::text::utc_day(&sd) else {
        return Err(header_err(
            name,
            1,
            format!("score_date `{}` is not a date or a date-time with an offset", shorten(&sd)),
        ));
    };
    if score_date.start_of_day() > now {
        return Err(vec![
            Diagnostic::error(
                codes::FUTURE_DATED,
                name,
                format!("the scores are dated {score_date}, after the as-of time {}", now.format("%Y-%m-%d")),
            )
            .at(Some(Pos::new(1, 1)))
            .with_hint("an as-of evaluation may only use data published by then; check --now and the system clock"),
        ]);
    }
    Ok((model_version, score_date))
}

/// The score rows after the header: each CVE scored once, no blank line inside; at most
/// `MAX_DIAGS` diagnostics.
fn parse_rows<'d>(
    lines: impl Iterator<Item = (u32, &'d [u8])>,
    name: &str,
    capacity: usize,
) -> Result<HashMap<CveKey, EpssEntry>, Vec<Diagnostic>> {
    let mut scores: HashMap<CveKey, EpssEntry> = HashMap::with_capacity(capacity);
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut trailing_blank = None;
    for (n, l) in lines {
        if diags.len() >= MAX_DIAGS {
            break;
        }
        if l.is_empty() {
            trailing_blank.get_or_insert(n);
            continue;
        }
        if let Some(b) = trailing_blank.take() {
            diags.push(row_err(name, b, 1, "a blank line inside the scores"));
        }
        let (cve, key, entry) = match parse_row(l, n, name) {
            Ok(row) => row,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match scores.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(entry);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let first = o.get().line;
                diags.push(
                    Diagnostic::error(
                        codes::EPSS_DUPLICATE,
                        name,
                        format!("{cve} is scored again (first on line {first})"),
                    )
                    .at(Some(Pos::new(n, 1)))
                    .with_related(name, Some(Pos::new(first, 1)), "first scored here")
                    .with_hint("an EPSS file scores each CVE once; the file is edited or damaged"),
                );
            }
        }
    }
    if diags.is_empty() { Ok(scores) } else { Err(diags) }
}

/// One row `CVE-YYYY-NNNN,<epss 0..1>,<percentile 0..1>` on line `n`: the CVE id as written,
/// its key and its entry.
fn parse_row<'l>(l: &'l [u8], n: u32, name: &str) -> Result<(&'l str, CveKey, EpssEntry), Diagnostic> {
    let s = match std::str::from_utf8(l) {
        Ok(s) => s,
        Err(e) => {
            return Err(crate::text::utf8(l, name)
                .err()
                .map_or_else(|| row_err(name, n, 1, &e.to_string()), |d| relocate(d, n)));
        }
    };
    let mut it = s.split(',');
    let (Some(cve), Some(sc), Some(pc), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(row_err(name, n, 1, &format!("`{}` does not have exactly 3 fields", shorten(s))));
    };
    let Some(key) = CveKey::parse(cve) else {
        return Err(row_err(name, n, 1, &format!("`{}` is not a CVE id", shorten(cve))));
    };
    let num = crate::text::unit_decimal;
    let col2 = u32::try_from(cve.chars().count() + 2).unwrap_or(u32::MAX);
    let Some(score) = num(sc) else {
        return Err(row_err(name, n, col2, &format!("epss `{}` is not a number in 0..=1", shorten(sc))));
    };
    let col3 = col2.saturating_add(u32::try_from(sc.chars().count() + 1).unwrap_or(u32::MAX));
    let Some(percentile) = num(pc) else {
        return Err(row_err(name, n, col3, &format!("percentile `{}` is not a number in 0..=1", shorten(pc))));
    };
    Ok((cve, key, EpssEntry { score, percentile, line: n }))
}

fn row_err(name: &str, line: u32, col: u32, msg: &str) -> Diagnostic {
    Diagnostic::error(codes::EPSS_BAD_ROW, name, format!("line {line}: {msg}"))
        .at(Some(Pos::new(line, col)))
        .with_hint("each row is `CVE-YYYY-NNNN,<epss 0..1>,<percentile 0..1>`; the file is edited or damaged")
}

/// A diagnostic located within one line, moved to line `n`.
fn relocate(d: Diagnostic, n: u32) -> Diagnostic {
    let col = d.column.unwrap_or(1);
    d.at(Some(Pos::new(n, col)))
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out.escape_debug().to_string()
}
