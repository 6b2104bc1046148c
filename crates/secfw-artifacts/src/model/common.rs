//! Types shared by several artifacts: severities, lifecycle states, dates and timestamps.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Severity of a finding or policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Must be zero at handoff (the Critical=0 rule).
    Critical,
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Self; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    /// Lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    /// Capitalised name, as written in the Markdown artifacts (`Critical`).
    pub const fn title(self) -> &'static str {
        match self {
            Self::Critical => "Critical",
            Self::High => "High",
            Self::Medium => "Medium",
            Self::Low => "Low",
        }
    }

    /// The CVSS v3/v4 qualitative band of a base score (0.0 maps to low: secfw has no "none").
    pub fn from_cvss(score: f64) -> Self {
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else {
            Self::Low
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    /// Case-insensitive (`Critical`, `critical`, `CRITICAL`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Ok(Self::Critical),
            "high" => Ok(Self::High),
            "medium" => Ok(Self::Medium),
            "low" => Ok(Self::Low),
            other => Err(format!("unknown severity `{other}`, expected one of critical, high, medium, low")),
        }
    }
}

/// A lifecycle state (seed §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleState {
    /// Security assessment scheduled.
    Planned,
    /// Artifacts prepared for execution.
    ReadyForHandoff,
    /// Artifacts sealed and versioned.
    Packaged,
    /// Security scans and validations running.
    Executed,
    /// Results verified and analysed.
    Validated,
    /// Continuous improvement phase.
    Improve,
}

impl LifecycleState {
    /// All states in lifecycle order.
    pub const ALL: [Self; 6] =
        [Self::Planned, Self::ReadyForHandoff, Self::Packaged, Self::Executed, Self::Validated, Self::Improve];

    /// The state's name as written in artifacts (`READY_FOR_HANDOFF`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "PLANNED",
            Self::ReadyForHandoff => "READY_FOR_HANDOFF",
            Self::Packaged => "PACKAGED",
            Self::Executed => "EXECUTED",
            Self::Validated => "VALIDATED",
            Self::Improve => "IMPROVE",
        }
    }

    /// The next state in the cycle (IMPROVE → PLANNED).
    #[must_use]
    pub const fn next(self) -> Self {
        match self {
            Self::Planned => Self::ReadyForHandoff,
            Self::ReadyForHandoff => Self::Packaged,
            Self::Packaged => Self::Executed,
            Self::Executed => Self::Validated,
            Self::Validated => Self::Improve,
            Self::Improve => Self::Planned,
        }
    }
}

impl fmt::Display for LifecycleState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LifecycleState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown lifecycle state `{s}`, expected one of PLANNED, READY_FOR_HANDOFF, PACKAGED, EXECUTED, VALIDATED, IMPROVE"))
    }
}

/// A calendar date written `YYYY-MM-DD` (UTC). As an expiry it is valid through the end of
/// that day, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

impl Date {
    /// The last instant of this day, UTC (the end of validity of an expiry date).
    pub fn end_of_day(self) -> DateTime<Utc> {
        self.0.and_time(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap_or(NaiveTime::MIN)).and_utc()
    }

    /// The first instant of this day, UTC.
    pub fn start_of_day(self) -> DateTime<Utc> {
        self.0.and_time(NaiveTime::MIN).and_utc()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::Datelike as _;
        // Years 0..=9999 print as `%Y` does, without interpreting a format string per date.
        match self.0.year() {
            y @ 0..=9999 => write!(f, "{y:04}-{:02}-{:02}", self.0.month(), self.0.day()),
            _ => write!(f, "{}", self.0.format("%Y-%m-%d")),
        }
    }
}

/// `YYYY-MM-DD` of ASCII digits only, as numbers (the common form, parsed without a format
/// string; anything else takes chrono's parser, which decides).
fn digits_ymd(t: &str) -> Option<(i32, u32, u32)> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    Some((i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?))
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.len() != 10 {
            return Err(format!("invalid date `{s}`: expected YYYY-MM-DD"));
        }
        if let Some(d) = digits_ymd(t).and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)) {
            return Ok(Date(d));
        }
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Date)
            .map_err(|e| format!("invalid date `{s}`: {e} (expected YYYY-MM-DD)"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(FromStrVisitor::<Self>(std::marker::PhantomData))
    }
}

/// Deserializes a string into `T` through [`FromStr`] without allocating when the deserializer
/// can lend the string (the common case: a timestamp without escapes).
struct FromStrVisitor<T>(std::marker::PhantomData<T>);

impl<T: FromStr<Err = String>> serde::de::Visitor<'_> for FromStrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "A calendar date, YYYY-MM-DD (UTC)." })
    }
}

/// A point in time written either as a date (`2025-01-27`) or as an RFC 3339 timestamp
/// (`2025-01-27T10:00:00Z`); secfw keeps the form it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timestamp {
    /// A whole day, UTC.
    Date(Date),
    /// An instant, normalised to UTC.
    DateTime(DateTime<Utc>),
}

impl Timestamp {
    /// The instant: a date means the start of that day, UTC.
    pub fn instant(self) -> DateTime<Utc> {
        match self {
            Self::Date(d) => d.start_of_day(),
            Self::DateTime(t) => t,
        }
    }

    /// The end of validity when used as a deadline or expiry: a date means the end of that day.
    pub fn deadline(self) -> DateTime<Utc> {
        match self {
            Self::Date(d) => d.end_of_day(),
            Self::DateTime(t) => t,
        }
    }

    /// The end of a reporting period (`--to`): a date means through that day, so the period ends
    /// at the next midnight (exclusive), UTC; an instant is itself.
    pub fn period_end(self) -> DateTime<Utc> {
        match self {
            Self::Date(d) => add_saturating(d.start_of_day(), chrono::Duration::days(1)),
            Self::DateTime(t) => t,
        }
    }

    /// The calendar date (UTC).
    pub fn date(self) -> Date {
        match self {
            Self::Date(d) => d,
            Self::DateTime(t) => Date(t.date_naive()),
        }
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.instant()
            .cmp(&other.instant())
            .then_with(|| matches!(self, Self::DateTime(_)).cmp(&matches!(other, Self::DateTime(_))))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Self::DateTime(t)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Date(d) => d.fmt(f),
            Self::DateTime(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.len() == 10 {
            return t.parse::<Date>().map(Self::Date);
        }
        DateTime::parse_from_rfc3339(t).map(|dt| Self::DateTime(dt.with_timezone(&Utc))).map_err(|e| {
            format!(
                "invalid timestamp `{s}`: {e} (expected RFC 3339 such as 2025-01-27T10:00:00Z, or a date YYYY-MM-DD)"
            )
        })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(FromStrVisitor::<Self>(std::marker::PhantomData))
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "An RFC 3339 timestamp (2025-01-27T10:00:00Z) or a date (2025-01-27), UTC.",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
        })
    }
}

/// `t + d`, or the last (first, for a negative `d`) instant chrono can hold when that
/// overflows: a deadline or expiry that far away means "never" for every purpose, and an
/// artifact's number (an SLA of 4,294,967,295 days) must never make a command panic.
pub fn add_saturating(t: DateTime<Utc>, d: chrono::TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(if d < chrono::TimeDelta::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// `date + days`, saturating like [`add_saturating`].
pub fn add_days_saturating(date: NaiveDate, days: i64) -> NaiveDate {
    chrono::TimeDelta::try_days(days).and_then(|d| date.checked_add_signed(d)).unwrap_or(if days < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// The longest span in days a rulebook may set (SLA days, review cycle, scan age, exception
/// length): 100 years. Longer is refused with `SF0503` when the rulebook is loaded.
pub const MAX_DAYS: u32 = 36_525;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_round_trip_in_their_written_form() {
        for s in ["2025-06-30", "2025-01-27T10:00:00Z", "2025-01-27T10:00:00.500Z"] {
            assert_eq!(s.parse::<Timestamp>().unwrap().to_string(), s);
        }
        assert_eq!("2025-01-27T12:00:00+02:00".parse::<Timestamp>().unwrap().to_string(), "2025-01-27T10:00:00Z");
        // Fractions are normalised to milli/micro/nanoseconds; the value is unchanged.
        assert_eq!("2025-01-27T10:00:00.5Z".parse::<Timestamp>().unwrap().to_string(), "2025-01-27T10:00:00.500Z");
        assert!("2025-13-01".parse::<Timestamp>().is_err());
        assert!("27/01/2025".parse::<Timestamp>().is_err());
        assert!("YYYY-MM-DD".parse::<Date>().is_err());
    }

    /// The digits-only fast path of `Date` parses and prints exactly what chrono's `%Y-%m-%d`
    /// does, and leaves everything else (and every error) to chrono.
    #[test]
    fn the_date_fast_path_agrees_with_chrono() {
        for s in [
            "2025-06-30",
            "0000-01-01",
            "9999-12-31",
            "2024-02-29",
            "2025-02-29",
            "2025-00-10",
            "2025-12-32",
            "2025-1-030",
            "+025-01-01",
            "2025/01/30",
            "２０２５-01-30",
            "2025-06-3x",
        ] {
            let chrono = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            assert_eq!(s.parse::<Date>().ok().map(|d| d.0), chrono, "{s}");
            if let Some(d) = chrono {
                assert_eq!(Date(d).to_string(), d.format("%Y-%m-%d").to_string());
            }
        }
        for y in [-1, 10_000, 262_000] {
            let d = NaiveDate::from_ymd_opt(y, 1, 2).unwrap();
            assert_eq!(Date(d).to_string(), d.format("%Y-%m-%d").to_string());
        }
        assert_eq!(serde_json::from_str::<Timestamp>("\"2025-01-27\"").unwrap().to_string(), "2025-01-27");
        assert_eq!(
            serde_json::from_str::<Timestamp>(r#""2025-01-27T10:00:00\u005a""#).unwrap().to_string(),
            "2025-01-27T10:00:00Z",
            "an escaped string (not lent by the parser) parses too"
        );
        assert!(serde_json::from_str::<Date>("20250127").unwrap_err().to_string().contains("expected a string"));
    }

    #[test]
    fn a_date_as_a_period_end_means_through_that_day() {
        let t: Timestamp = "2026-11-24".parse().unwrap();
        assert_eq!(t.period_end().to_rfc3339(), "2026-11-25T00:00:00+00:00");
        assert_eq!(t.instant().to_rfc3339(), "2026-11-24T00:00:00+00:00");
        let i: Timestamp = "2026-11-24T10:00:00Z".parse().unwrap();
        assert_eq!(i.period_end(), i.instant(), "an instant is its own end");
    }

    #[test]
    fn a_date_expiry_is_valid_through_the_end_of_that_day() {
        let d: Date = "2025-06-30".parse().unwrap();
        assert_eq!(d.end_of_day().to_rfc3339(), "2025-06-30T23:59:59.999999999+00:00");
    }
}
