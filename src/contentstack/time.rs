//! Time as a stack sees it: the real clock shifted by the stack's offset, or frozen.
//! Also the one timestamp format the service writes.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// A stack's virtual clock settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackClock {
    /// Added to the real time.
    pub offset_ms: i64,
    /// When set, the clock stands still at this instant.
    pub frozen_at: Option<DateTime<Utc>>,
}

impl StackClock {
    /// The stack's current time.
    pub fn now(&self) -> DateTime<Utc> {
        match self.frozen_at {
            Some(at) => at.min(latest()),
            None => Utc::now()
                .checked_add_signed(TimeDelta::milliseconds(self.offset_ms))
                .map_or_else(latest, |now| now.min(latest())),
        }
    }
}

/// The latest time a stack clock may show: timestamps are compared as text, which
/// holds only for four-digit years.
pub fn latest() -> DateTime<Utc> {
    // 9999-12-31T23:59:59.999Z
    DateTime::from_timestamp_millis(253_402_300_799_999).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Formats a timestamp as Contentstack does: ISO-8601 UTC with milliseconds.
pub fn format_ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a stored or client-sent RFC 3339 timestamp.
pub fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_stands_still_and_offset_moves_forward() {
        let at = parse_ts("2026-01-02T03:04:05.678Z").unwrap();
        let frozen = StackClock {
            offset_ms: 0,
            frozen_at: Some(at),
        };
        assert_eq!(format_ts(frozen.now()), "2026-01-02T03:04:05.678Z");
        let ahead = StackClock {
            offset_ms: 86_400_000,
            frozen_at: None,
        };
        assert!(ahead.now() - Utc::now() > TimeDelta::hours(23));
    }
}
