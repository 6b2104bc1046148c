//! Shared helpers: UTF-8 checks with a location, CVE ids, dates, line/column of a byte offset.

use secfw_artifacts::{Date, Diagnostic, Pos};

use crate::codes;

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn pos_of(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.split(|b| *b == b'\n').count();
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    Pos::new(u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(col).unwrap_or(u32::MAX))
}

/// `bytes` as UTF-8, or an `EN0005` diagnostic at the first invalid byte.
pub(crate) fn utf8<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = e.valid_up_to();
        // The prefix up to the bad byte is valid, so it can be located in characters.
        let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        Diagnostic::error(codes::NOT_UTF8, name, format!("byte {good} is not valid UTF-8 (0x{:02x})", bytes[good]))
            .at(Some(pos_of(prefix, good)))
            .with_hint("the KEV catalog and EPSS scores are UTF-8; download the file again, it may be damaged")
    })
}

/// `true` for `CVE-YYYY-NNNN...` (4 to 19 digits after the year), as CISA's schema says.
pub(crate) fn is_cve(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else { return false };
    let Some((year, num)) = rest.split_once('-') else { return false };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// A CVE id as a number: year, digit count and sequence number packed into a `u128`. One-to-one
/// with the valid id strings (the digit count keeps `CVE-2021-0001` and `CVE-2021-00001` apart),
/// and hashed without allocating: the 300 000 EPSS rows cost no string each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CveKey(u128);

impl CveKey {
    /// The key of an upper-case `CVE-YYYY-NNNN...` id; `None` when it is not one.
    pub fn parse(s: &str) -> Option<Self> {
        if !is_cve(s) {
            return None;
        }
        let (year, num_s) = s.strip_prefix("CVE-")?.split_once('-')?;
        let year: u128 = year.parse().ok()?;
        let num: u128 = num_s.parse::<u64>().ok()?.into();
        Some(Self((year << 72) | ((num_s.len() as u128) << 64) | num))
    }
}

/// Parse `YYYY-MM-DD` (exactly; no time, no surrounding space).
pub(crate) fn date(s: &str) -> Option<Date> {
    if s.len() != 10 {
        return None;
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Date)
}

/// The UTC day of a date-time with an offset (RFC 3339, or `+hhmm` as FIRST writes it) or of a
/// bare `YYYY-MM-DD`: `2026-11-24T23:00:00-05:00` is 2026-11-25, never the local day.
pub(crate) fn utc_day(s: &str) -> Option<Date> {
    if let Some(d) = date(s) {
        return Some(d);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| Date(t.with_timezone(&chrono::Utc).date_naive()))
}

/// A plain decimal in `0..=1` as data files write it: digits, optionally `.` and at least one
/// digit, optionally an exponent. No sign (`-0`), no bare `0.` (a file cut inside a number),
/// no `inf`/`NaN`/hex.
pub(crate) fn unit_decimal(v: &str) -> Option<f64> {
    let (mantissa, exp) = v.split_once(['e', 'E']).map_or((v, None), |(m, e)| (m, Some(e)));
    let (int, frac) = mantissa.split_once('.').map_or((mantissa, None), |(a, b)| (a, Some(b)));
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if !digits(int) || frac.is_some_and(|f| !digits(f)) || !exp_ok {
        return None;
    }
    v.parse::<f64>().ok().filter(|x| x.is_finite() && (0.0..=1.0).contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_time_is_dated_by_its_utc_day() {
        let d = |s| utc_day(s).map(|d| d.to_string());
        assert_eq!(d("2026-11-24T23:00:00-05:00").as_deref(), Some("2026-11-25"));
        assert_eq!(d("2026-11-25T01:00:00+02:00").as_deref(), Some("2026-11-24"));
        assert_eq!(d("2026-11-24T23:00:00+0000").as_deref(), Some("2026-11-24"));
        assert_eq!(d("2026-11-24").as_deref(), Some("2026-11-24"));
        assert_eq!(d("2026-11-24garbage"), None);
    }

    #[test]
    fn a_unit_decimal_has_digits_on_both_sides_of_its_point_and_no_sign() {
        for ok in ["0", "1", "0.5", "0.00043", "1.0", "4.3e-05", "1E0"] {
            assert!(unit_decimal(ok).is_some(), "{ok}");
        }
        for bad in ["0.", "-0", "-0.0", "+0.5", ".5", "1.5", "inf", "NaN", "0x1", " 0.5", "1e", "0.5e+", ""] {
            assert!(unit_decimal(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn cve_ids_follow_the_catalog_pattern() {
        assert!(is_cve("CVE-2021-44228"));
        assert!(is_cve("CVE-2024-1234567"));
        for bad in ["cve-2021-44228", "CVE-21-44228", "CVE-2021-123", "CVE-2021-44228 ", "GHSA-xxxx", "CVE-2021-4422x"]
        {
            assert!(!is_cve(bad), "{bad}");
        }
    }

    #[test]
    fn cve_keys_are_one_to_one_with_ids() {
        let k = |s| CveKey::parse(s).unwrap();
        assert_ne!(k("CVE-2021-0001"), k("CVE-2021-00001"), "digit count is part of the id");
        assert_ne!(k("CVE-2021-44228"), k("CVE-2022-44228"));
        assert_eq!(k("CVE-2021-44228"), k("CVE-2021-44228"));
        assert_ne!(k("CVE-2024-9999999999999999999"), k("CVE-2024-999999999999999999"));
        assert!(CveKey::parse("cve-2021-44228").is_none() && CveKey::parse("CVE-2021-12").is_none());
        // Multibyte characters where the digits would be sliced: refused, never a panic.
        for bad in ["CVE-20é1-44228", "CVE-2021é44228", "CVE-2021-4422€", "CVÉ-2021-44228", "CVE-€€€€-1234"]
        {
            assert!(CveKey::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn positions_are_one_based_characters() {
        assert_eq!(pos_of("ab\ncé\nx", 7), Pos::new(3, 1));
        assert_eq!(pos_of("ab\ncéd", 6), Pos::new(2, 3));
    }
}
