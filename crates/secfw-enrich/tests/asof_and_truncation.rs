//! The attacks of sweep 2 F3 and F4: data dated by its local day leaked past `now`, and small
//! validation gaps (a cut EPSS file, a duplicated header key, an empty KEV catalog, a KEV due
//! date before its added date, `-0`). Each is refused with a located code.

mod common;
use common::*;
use secfw_enrich::{parse_epss, parse_kev};

fn codes(d: &[secfw_artifacts::Diagnostic]) -> Vec<&str> {
    d.iter().map(|x| x.code.as_str()).collect()
}

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

fn epss(text: &str, now: &str) -> Result<secfw_enrich::EpssScores, Vec<secfw_artifacts::Diagnostic>> {
    parse_epss(text.as_bytes(), "epss.csv", at(now), 1 << 20)
}

#[test]
fn a_kev_catalog_released_after_now_in_another_time_zone_is_refused() {
    // 23:00 on the 24th at UTC-5 is 04:00 UTC on the 25th: after --now 2026-11-24T12:00Z.
    let t = kev_default().replace("2026-12-01T15:00:01.7193Z", "2026-11-24T23:00:00-05:00");
    let d = parse_kev(t.as_bytes(), "kev.json", at("2026-11-24T12:00:00Z")).unwrap_err();
    assert_eq!(codes(&d), ["EN0006"]);
    assert!(d[0].line.is_some());
    // At a later now it is accepted and dated by its UTC day.
    let c = parse_kev(t.as_bytes(), "kev.json", at("2026-11-26T00:00:00Z")).unwrap();
    assert_eq!(c.released.to_string(), "2026-11-25");
    // East of UTC the local day is later than the UTC day.
    let t = kev_default().replace("2026-12-01T15:00:01.7193Z", "2026-11-25T01:00:00+02:00");
    let c = parse_kev(t.as_bytes(), "kev.json", at("2026-11-24T12:00:00Z")).unwrap();
    assert_eq!(c.released.to_string(), "2026-11-24");
}

#[test]
fn epss_scores_dated_after_now_in_another_time_zone_are_refused() {
    let t = epss_default().replace("2026-12-05T12:55:00Z", "2026-11-24T23:00:00-05:00");
    let d = epss(&t, "2026-11-24T12:00:00Z").unwrap_err();
    assert_eq!(codes(&d), ["EN0006"]);
    assert_eq!(epss(&t, "2026-11-26T00:00:00Z").unwrap().score_date.to_string(), "2026-11-25");
    // FIRST's own `+0000` offset form is a date-time too.
    let t = epss_default().replace("2026-12-05T12:55:00Z", "2026-12-05T00:00:00+0000");
    assert_eq!(epss(&t, "2026-12-06T09:00:00Z").unwrap().score_date.to_string(), "2026-12-05");
    // Anything after the date that is not a time is not a date.
    let t = epss_default().replace("2026-12-05T12:55:00Z", "2026-12-05garbage");
    assert_eq!(codes(&epss(&t, "2026-12-06T09:00:00Z").unwrap_err()), ["EN0203"]);
}

#[test]
fn an_epss_file_cut_inside_its_last_number_is_refused() {
    let cut =
        "#model_version:v1,score_date:2026-11-20\ncve,epss,percentile\nCVE-2023-38545,0.9,0.99\nCVE-2023-44487,0.97,0.";
    let d = epss(cut, "2026-11-24T12:00:00Z").unwrap_err();
    assert_eq!(codes(&d), ["EN0204"]);
    assert_eq!((d[0].line, d[0].column), (Some(4), Some(21)));
    // Cut right after a digit (the number parses) or at a line boundary without the final
    // newline: the missing newline is the signal.
    for cut in [
        "#model_version:v1,score_date:2026-11-20\ncve,epss,percentile\nCVE-2023-38545,0.9,0.99\nCVE-2023-44487,0.97,0.9",
        "#model_version:v1,score_date:2026-11-20\ncve,epss,percentile\nCVE-2023-38545,0.9,0.99",
    ] {
        let d = epss(cut, "2026-11-24T12:00:00Z").unwrap_err();
        assert_eq!(codes(&d), ["EN0207"], "{cut:?}");
        assert!(d[0].line.is_some());
    }
    // The same file with its newline parses, also gzipped.
    let whole = "#model_version:v1,score_date:2026-11-20\ncve,epss,percentile\nCVE-2023-38545,0.9,0.99\n";
    assert_eq!(epss(whole, "2026-11-24T12:00:00Z").unwrap().scores.len(), 1);
    let gz = gzip(whole.as_bytes());
    assert!(parse_epss(&gz, "epss.csv.gz", at("2026-11-24T12:00:00Z"), 1 << 20).is_ok());
}

#[test]
fn a_duplicated_epss_header_key_is_refused_not_last_wins() {
    for line in [
        "#model_version:v1,score_date:2099-01-01,score_date:2026-11-20",
        "#model_version:v1,model_version:v2,score_date:2026-11-20",
    ] {
        let t = format!("{line}\ncve,epss,percentile\nCVE-2023-38545,0.9,0.99\n");
        let d = epss(&t, "2026-11-24T12:00:00Z").unwrap_err();
        assert_eq!(codes(&d), ["EN0203"], "{line}");
        assert_eq!(d[0].line, Some(1));
        assert!(d[0].message.contains("more than once"), "{}", d[0].message);
    }
}

#[test]
fn a_negative_zero_epss_score_is_refused() {
    let t = epss_csv("2026-12-05", &[("CVE-2021-44228", "-0", "0.5")]);
    let d = epss(&t, "2026-12-06T09:00:00Z").unwrap_err();
    assert_eq!(codes(&d), ["EN0204"]);
    assert_eq!((d[0].line, d[0].column), (Some(3), Some(16)));
}

#[test]
fn an_empty_kev_catalog_is_refused_instead_of_removing_every_listing() {
    let t = kev_json("2026-11-20", &[]);
    let d = parse_kev(t.as_bytes(), "kev.json", now()).unwrap_err();
    assert_eq!(codes(&d), ["EN0107"]);
    assert!(d[0].line.is_some() && d[0].hint.is_some());
}

#[test]
fn a_kev_due_date_before_its_added_date_is_refused() {
    let t = kev_json("2026-12-01", &[("CVE-2021-44228", "2021-12-10", "2021-12-09", "Known")]);
    let d = parse_kev(t.as_bytes(), "kev.json", now()).unwrap_err();
    assert_eq!(codes(&d), ["EN0108"]);
    assert!(d[0].line.is_some());
    assert!(d[0].message.contains("CVE-2021-44228"), "{}", d[0].message);
}
