//! The CISA Known Exploited Vulnerabilities catalog, in its JSON format
//! (`known_exploited_vulnerabilities.json`, schema `known_exploited_vulnerabilities_schema.json`
//! of github.com/cisagov/kev-data): `catalogVersion`, `dateReleased`, `count` and
//! `vulnerabilities[]` with `cveID`, `dateAdded`, `dueDate`, `knownRansomwareCampaignUse`, ...

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use secfw_artifacts::{Date, Diagnostic};
use serde::Deserialize;

use crate::codes;
use crate::text::{CveKey, date, is_cve, pos_of, utc_day, utf8};

/// One catalog entry, as secfw uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KevEntry {
    /// `dateAdded`.
    pub date_added: Date,
    /// `dueDate`.
    pub due_date: Date,
    /// `knownRansomwareCampaignUse == "Known"`.
    pub known_ransomware: bool,
}

/// A parsed, validated catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KevCatalog {
    /// `catalogVersion`.
    pub version: String,
    /// The UTC day of `dateReleased`: the data date.
    pub released: Date,
    /// Entries by CVE id ([`KevCatalog::get`]).
    pub entries: HashMap<CveKey, KevEntry>,
}

impl KevCatalog {
    /// The entry of an upper-case CVE id.
    pub fn get(&self, cve: &str) -> Option<&KevEntry> {
        CveKey::parse(cve).and_then(|k| self.entries.get(&k))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    catalog_version: String,
    date_released: String,
    count: u64,
    vulnerabilities: Vec<RawVuln>,
}

#[derive(Deserialize)]
struct RawVuln {
    #[serde(rename = "cveID")]
    cve_id: String,
    #[serde(rename = "dateAdded")]
    date_added: String,
    #[serde(rename = "dueDate")]
    due_date: String,
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    known_ransomware: Option<String>,
}

/// Most entry diagnostics reported for one file (the file is refused at the first anyway).
const MAX_DIAGS: usize = 20;

/// Parse and validate a KEV catalog at `now`. Every problem is a located error and the whole
/// file is refused: a catalog with a damaged entry is not partially trusted.
pub fn parse_kev(bytes: &[u8], name: &str, now: DateTime<Utc>) -> Result<KevCatalog, Vec<Diagnostic>> {
    let text = utf8(bytes, name).map_err(|d| vec![d])?;
    let raw: Raw = serde_json::from_str(text).map_err(|e| {
        vec![
            Diagnostic::error(codes::KEV_MALFORMED, name, format!("not a KEV catalog: {e}"))
                .at(Some(secfw_artifacts::Pos::new(
                    u32::try_from(e.line()).unwrap_or(u32::MAX),
                    u32::try_from(e.column()).unwrap_or(u32::MAX),
                )))
                .with_hint(
                    "give CISA's known_exploited_vulnerabilities.json (catalogVersion, dateReleased, count, vulnerabilities[])",
                ),
        ]
    })?;
    let mut diags = Vec::new();
    let released = release_date(&raw, text, name)?;
    if released.start_of_day() > now {
        let off = text.find("\"dateReleased\"").unwrap_or(0);
        diags.push(
            Diagnostic::error(
                codes::FUTURE_DATED,
                name,
                format!("the catalog is released {released}, after the as-of time {}", now.format("%Y-%m-%d")),
            )
            .at(Some(pos_of(text, off)))
            .with_hint("an as-of evaluation may only use data published by then; check --now and the system clock"),
        );
    }
    if raw.vulnerabilities.is_empty() {
        let off = text.find("\"vulnerabilities\"").unwrap_or(0);
        diags.push(
            Diagnostic::error(
                codes::KEV_EMPTY,
                name,
                "the catalog lists no vulnerabilities: joining it would remove every KEV listing from the ledger",
            )
            .at(Some(pos_of(text, off)))
            .with_hint("CISA's catalog is never empty; the file is truncated or not the catalog, download it again"),
        );
    }
    if raw.count != raw.vulnerabilities.len() as u64 {
        let off = text.find("\"count\"").unwrap_or(0);
        diags.push(
            Diagnostic::error(
                codes::KEV_COUNT_MISMATCH,
                name,
                format!("count is {} but the file lists {} vulnerabilities", raw.count, raw.vulnerabilities.len()),
            )
            .at(Some(pos_of(text, off)))
            .with_hint("the file is truncated or edited; download the catalog again"),
        );
    }
    let entries = parse_entries(&raw.vulnerabilities, text, name, now, &mut diags);
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(KevCatalog { version: raw.catalog_version, released, entries })
}

/// `dateReleased`: an RFC 3339 date-time (or a bare date); its UTC day.
fn release_date(raw: &Raw, text: &str, name: &str) -> Result<Date, Vec<Diagnostic>> {
    // The UTC day: `2026-11-24T23:00:00-05:00` was released on 2026-11-25.
    utc_day(&raw.date_released).ok_or_else(|| {
        let off = text.find("\"dateReleased\"").unwrap_or(0);
        vec![
            Diagnostic::error(
                codes::KEV_BAD_DATE,
                name,
                format!("dateReleased `{}` is not a date-time", raw.date_released.escape_debug()),
            )
            .at(Some(pos_of(text, off)))
            .with_hint("CISA writes e.g. 2026-12-01T15:00:01.7193Z"),
        ]
    })
}

/// The catalog's entries, each CVE listed once; stops after `MAX_DIAGS` diagnostics.
fn parse_entries(
    vulnerabilities: &[RawVuln],
    text: &str,
    name: &str,
    now: DateTime<Utc>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<CveKey, KevEntry> {
    // Entries are located by the n-th `"cveID"` key: the catalog has exactly one per entry.
    let cve_keys: Vec<usize> = text.match_indices("\"cveID\"").map(|(i, _)| i).collect();
    let at = |i: usize| cve_keys.get(i).map(|&o| pos_of(text, o));
    let mut entries: HashMap<CveKey, KevEntry> = HashMap::with_capacity(vulnerabilities.len());
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    for (i, v) in vulnerabilities.iter().enumerate() {
        if diags.len() >= MAX_DIAGS {
            break;
        }
        let err = |code, msg: String, hint: &str| {
            Diagnostic::error(code, name, format!("vulnerabilities[{i}]: {msg}")).at(at(i)).with_hint(hint.to_owned())
        };
        let entry = match parse_entry(v, now, err) {
            Ok(entry) => entry,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if let Some(&first) = first_at.get(v.cve_id.as_str()) {
            let mut d = err(
                codes::KEV_DUPLICATE,
                format!("{} is listed again (first at vulnerabilities[{first}])", v.cve_id),
                "the catalog lists each CVE once; the file is edited or damaged",
            );
            if let Some(p) = at(first) {
                d = d.with_related(name, Some(p), "first listed here");
            }
            diags.push(d);
            continue;
        }
        first_at.insert(&v.cve_id, i);
        if let Some(k) = CveKey::parse(&v.cve_id) {
            entries.insert(k, entry);
        }
    }
    entries
}

/// One entry: a CVE id, YYYY-MM-DD dates added no later than `now`, and a known ransomware
/// value; `err` locates a diagnostic at the entry.
fn parse_entry(
    v: &RawVuln,
    now: DateTime<Utc>,
    err: impl Fn(secfw_artifacts::Code, String, &str) -> Diagnostic,
) -> Result<KevEntry, Diagnostic> {
    if !is_cve(&v.cve_id) {
        return Err(err(
            codes::KEV_BAD_CVE,
            format!("cveID `{}` is not a CVE id", v.cve_id.escape_debug()),
            "a KEV cveID is CVE-YYYY-NNNN (upper case, 4 to 19 digits)",
        ));
    }
    let (Some(added), Some(due)) = (date(&v.date_added), date(&v.due_date)) else {
        return Err(err(
            codes::KEV_BAD_DATE,
            format!(
                "dateAdded `{}` / dueDate `{}` must both be YYYY-MM-DD",
                v.date_added.escape_debug(),
                v.due_date.escape_debug()
            ),
            "the file is damaged; download the catalog again",
        ));
    };
    if added.start_of_day() > now {
        return Err(err(
            codes::FUTURE_DATED,
            format!("{} is added on {added}, after the as-of time {}", v.cve_id, now.format("%Y-%m-%d")),
            "an as-of evaluation may only use data published by then; check --now and the system clock",
        ));
    }
    if due < added {
        return Err(err(
            codes::KEV_DUE_BEFORE_ADDED,
            format!("{} is due on {due}, before it was added ({added})", v.cve_id),
            "CISA sets dueDate after dateAdded; the file is edited or damaged, download the catalog again",
        ));
    }
    let known_ransomware = match v.known_ransomware.as_deref() {
        Some("Known") => true,
        Some("Unknown") | None => false,
        Some(other) => {
            return Err(err(
                codes::KEV_BAD_RANSOMWARE,
                format!("knownRansomwareCampaignUse is `{}`", other.escape_debug()),
                "CISA writes Known or Unknown; a new value needs a secfw release that understands it",
            ));
        }
    };
    Ok(KevEntry { date_added: added, due_date: due, known_ransomware })
}
