//! The period a KPI computation covers.

use std::fmt;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// A half-open period `[start, end)`, UTC: an event at `start` is in it, an event at `end`
/// belongs to the next period. Consecutive cycles share their boundary and never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Period {
    /// First instant in the period.
    pub start: DateTime<Utc>,
    /// First instant after the period.
    pub end: DateTime<Utc>,
}

/// Length of the default period when there is no history: 7 days (a weekly cycle, as in the
/// seed's digest example).
pub const DEFAULT_PERIOD_DAYS: i64 = 7;

impl Period {
    /// A period; `None` when `start` is after `end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Self> {
        (start <= end).then_some(Self { start, end })
    }

    /// The default period ending at `end`: from the previous snapshot's end, or, when there is
    /// none, from the start (00:00 UTC) of the day [`DEFAULT_PERIOD_DAYS`] days before `end`.
    pub fn default_ending(end: DateTime<Utc>, previous_end: Option<DateTime<Utc>>) -> Self {
        let start = previous_end.filter(|p| *p <= end).unwrap_or_else(|| {
            let day = (end - Duration::days(DEFAULT_PERIOD_DAYS)).date_naive();
            day.and_time(chrono::NaiveTime::MIN).and_utc()
        });
        Self { start, end }
    }

    /// Whether `t` is in the period.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    /// The cycle id derived from the end: its UTC date, `YYYY-MM-DD`.
    pub fn default_cycle(&self) -> String {
        self.end.format("%Y-%m-%d").to_string()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} to {}",
            self.start.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            self.end.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        )
    }
}
