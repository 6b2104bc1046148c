//! KEV and EPSS parsing: real formats accepted, every hostile input refused with a located code.

mod common;

use common::*;
use secfw_enrich::{parse_epss, parse_kev};

fn codes(d: &[secfw_artifacts::Diagnostic]) -> Vec<&str> {
    d.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn a_real_format_kev_catalog_parses() {
    let c = parse_kev(kev_default().as_bytes(), "kev.json", now()).unwrap();
    assert_eq!(c.version, "2026.12.01");
    assert_eq!(c.released.to_string(), "2026-12-01");
    let e = *c.get("CVE-2021-44228").unwrap();
    assert!(e.known_ransomware);
    assert_eq!(e.due_date.to_string(), "2021-12-24");
    assert!(!c.get("CVE-2023-38545").unwrap().known_ransomware);
}

#[test]
fn a_real_format_epss_file_parses_plain_and_gzip() {
    let plain = parse_epss(epss_default().as_bytes(), "e.csv", now(), 1 << 20).unwrap();
    let gz = parse_epss(&gzip(epss_default().as_bytes()), "e.csv.gz", now(), 1 << 20).unwrap();
    assert_eq!(plain, gz);
    assert_eq!(plain.model_version, "v2025.03.14");
    assert_eq!(plain.score_date.to_string(), "2026-12-05");
    assert_eq!(plain.scores.len(), 4);
    assert!((plain.get("CVE-2021-44228").unwrap().score - 0.94358).abs() < 1e-12);
    // CRLF line ends (a file saved on Windows) and the older `+0000` score_date form.
    let crlf = epss_default().replace('\n', "\r\n").replace("T12:55:00Z", "T00:00:00+0000");
    assert_eq!(parse_epss(crlf.as_bytes(), "e.csv", now(), 1 << 20).unwrap().scores.len(), 4);
    // A byte-order mark before line 1 is tolerated.
    let bom = format!("\u{feff}{}", epss_default());
    assert_eq!(parse_epss(bom.as_bytes(), "e.csv", now(), 1 << 20).unwrap().scores.len(), 4);
}

#[test]
fn malformed_kev_json_is_located() {
    let mut t = kev_default();
    t.truncate(t.len() / 2);
    let d = parse_kev(t.as_bytes(), "kev.json", now()).unwrap_err();
    assert_eq!(codes(&d), ["EN0101"]);
    assert!(d[0].line.is_some() && d[0].column.is_some(), "{d:?}");
    // Not a catalog at all (an EPSS file given as --kev).
    let d = parse_kev(epss_default().as_bytes(), "kev.json", now()).unwrap_err();
    assert_eq!(codes(&d), ["EN0101"]);
    // Missing required field.
    let d = parse_kev(br#"{"catalogVersion":"1","dateReleased":"2026-12-01T00:00:00Z","count":0}"#, "k", now())
        .unwrap_err();
    assert_eq!(codes(&d), ["EN0101"]);
    assert!(d[0].message.contains("vulnerabilities"), "{}", d[0].message);
}

#[test]
fn kev_entry_problems_are_located_on_the_entry() {
    let t = kev_json(
        "2026-12-01",
        &[
            ("CVE-2021-44228", "2021-12-10", "2021-12-24", "Known"),
            ("CVE-2021-44228", "2021-12-10", "2021-12-24", "Known"),
            ("cve-2022-1", "2021-12-10", "2021-12-24", "Known"),
            ("CVE-2022-22965", "2022-04-04", "25/04/2022", "Known"),
            ("CVE-2022-30190", "2022-06-14", "2022-07-05", "Maybe"),
            ("CVE-2027-0001", "2027-01-05", "2027-01-26", "Unknown"),
        ],
    );
    let d = parse_kev(t.as_bytes(), "kev.json", now()).unwrap_err();
    assert_eq!(codes(&d), ["EN0104", "EN0102", "EN0103", "EN0106", "EN0006"]);
    let line_of =
        |needle: &str, nth: usize| t.lines().enumerate().filter(|(_, l)| l.contains(needle)).nth(nth).unwrap().0 + 1;
    assert_eq!(
        d[0].line,
        Some(u32::try_from(line_of("\"cveID\"", 1)).unwrap()),
        "the duplicate is located on its own entry"
    );
    assert_eq!(d[0].related[0].line, Some(u32::try_from(line_of("\"cveID\"", 0)).unwrap()), "and points at the first");
    assert_eq!(d[4].line, Some(u32::try_from(line_of("CVE-2027-0001\"", 0)).unwrap()));
}

#[test]
fn kev_count_mismatch_and_future_release_are_refused() {
    let t = kev_default().replace("\"count\": 2", "\"count\": 3");
    assert_eq!(codes(&parse_kev(t.as_bytes(), "k", now()).unwrap_err()), ["EN0105"]);
    // (An empty catalog is refused too: EN0107.)
    let t = kev_json("2026-12-07", &[]);
    assert_eq!(codes(&parse_kev(t.as_bytes(), "k", now()).unwrap_err()), ["EN0006", "EN0107"]);
    let t = kev_default().replace("2026-12-01T15:00:01.7193Z", "yesterday");
    assert_eq!(codes(&parse_kev(t.as_bytes(), "k", now()).unwrap_err()), ["EN0103"]);
}

#[test]
fn non_utf8_is_located() {
    let mut b = kev_default().into_bytes();
    let at = b.iter().position(|c| *c == b'A').unwrap();
    b[at] = 0xff;
    let d = parse_kev(&b, "k", now()).unwrap_err();
    assert_eq!(codes(&d), ["EN0005"]);
    assert!(d[0].line.is_some());
    let mut b = epss_default().into_bytes();
    let at = b.len() - 5;
    b[at] = 0xc3;
    let d = parse_epss(&b, "e", now(), 1 << 20).unwrap_err();
    assert_eq!(codes(&d), ["EN0005"]);
    assert_eq!(d[0].line, Some(6), "on the row's line");
}

#[test]
fn epss_wrong_header_is_refused_on_its_line() {
    let no_meta = epss_default().lines().skip(1).collect::<Vec<_>>().join("\n");
    let d = parse_epss(no_meta.as_bytes(), "e", now(), 1 << 20).unwrap_err();
    assert_eq!((codes(&d), d[0].line), (vec!["EN0203"], Some(1)));
    let wrong_cols = epss_default().replace("cve,epss,percentile", "cve,percentile,epss");
    let d = parse_epss(wrong_cols.as_bytes(), "e", now(), 1 << 20).unwrap_err();
    assert_eq!((codes(&d), d[0].line), (vec!["EN0203"], Some(2)));
    let no_date = epss_default().replace(",score_date:2026-12-05T12:55:00Z", "");
    assert_eq!(codes(&parse_epss(no_date.as_bytes(), "e", now(), 1 << 20).unwrap_err()), ["EN0203"]);
    assert_eq!(codes(&parse_epss(b"", "e", now(), 1 << 20).unwrap_err()), ["EN0203"]);
}

#[test]
fn epss_bad_rows_are_located_by_line_and_column() {
    let t = epss_csv(
        "2026-12-05",
        &[
            ("CVE-2021-44228", "0.9", "0.99"),
            ("CVE-2021-44229", "1.5", "0.99"),
            ("CVE-2021-44230", "0.1", "NaN"),
            ("CVE-2021-44228", "0.2", "0.5"),
            ("not-a-cve", "0.1", "0.1"),
            ("CVE-2021-44231", "0.1", "0.1,extra"),
        ],
    );
    let d = parse_epss(t.as_bytes(), "e", now(), 1 << 20).unwrap_err();
    assert_eq!(codes(&d), ["EN0204", "EN0204", "EN0205", "EN0204", "EN0204"]);
    assert_eq!((d[0].line, d[0].column), (Some(4), Some(16)), "the epss field");
    assert_eq!((d[1].line, d[1].column), (Some(5), Some(20)), "the percentile field");
    assert_eq!(d[2].related[0].line, Some(3));
    // A blank line inside the data is a damaged file; a final newline is not.
    let t = epss_default().replacen("CVE-2021-44228", "\nCVE-2021-44228", 1);
    assert_eq!(codes(&parse_epss(t.as_bytes(), "e", now(), 1 << 20).unwrap_err()), ["EN0204"]);
}

#[test]
fn epss_empty_future_and_huge_files_are_refused() {
    let t = epss_csv("2026-12-05", &[]);
    assert_eq!(codes(&parse_epss(t.as_bytes(), "e", now(), 1 << 20).unwrap_err()), ["EN0206"]);
    let t = epss_csv("2026-12-07", &[("CVE-2021-44228", "0.9", "0.99")]);
    assert_eq!(codes(&parse_epss(t.as_bytes(), "e", now(), 1 << 20).unwrap_err()), ["EN0006"]);
    // A gzip bomb: 8 MiB of zeros compress to a few KiB; the limit stops the expansion.
    let bomb = gzip(&vec![b'0'; 8 << 20]);
    assert!(bomb.len() < 64 << 10);
    assert_eq!(codes(&parse_epss(&bomb, "e.gz", now(), 1 << 20).unwrap_err()), ["EN0202"]);
    assert_eq!(codes(&parse_epss(&vec![b'x'; 2 << 20], "e", now(), 1 << 20).unwrap_err()), ["EN0202"]);
    let mut broken = gzip(epss_default().as_bytes());
    let n = broken.len();
    broken.truncate(n - 12);
    assert_eq!(codes(&parse_epss(&broken, "e.gz", now(), 1 << 20).unwrap_err()), ["EN0201"]);
}
