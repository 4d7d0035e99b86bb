//! Dates and times the app reads or writes as text: the few it prints itself (CLI output,
//! outbox summaries) and the ISO 8601 strings Intercom's event summaries carry. All calendar
//! work goes through the `time` crate; the UI formats times for display in the agent's own
//! time zone.

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::OffsetDateTime;

/// `2026-11-25 22:42 UTC`.
pub fn utc(unix: i64) -> String {
    format(
        unix,
        format_description!("[year]-[month]-[day] [hour]:[minute] UTC"),
    )
}

/// `25 Nov 22:42 UTC`, for short summaries.
pub fn short(unix: i64) -> String {
    format(
        unix,
        format_description!("[day padding:none] [month repr:short] [hour]:[minute] UTC"),
    )
}

/// Formats `unix` in UTC; a time outside the calendar `time` knows (beyond year 9999) is
/// written as its number rather than failing.
fn format(unix: i64, description: &[time::format_description::BorrowedFormatItem<'_>]) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(description).ok())
        .unwrap_or_else(|| format!("@{unix}"))
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix seconds of an ISO 8601 date and time with an offset, as Intercom's event summaries
/// carry them (`2014-01-16T23:12:21.000+00:00`). Offsets are honoured in every form Intercom
/// or a proxy may write them: `Z`, `+01:00` and `+0100`. Anything else is `None`.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT))
        .or_else(|_| {
            OffsetDateTime::parse(
                s,
                format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
                ),
            )
        })
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_764_110_520), "2025-11-25 22:42 UTC", "a recent date");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC", "a leap day");
        assert_eq!(short(1_764_110_520), "25 Nov 22:42 UTC");
    }

    #[test]
    fn iso_times_from_event_summaries_parse() {
        assert_eq!(
            parse_iso("2014-01-16T23:12:21.000+00:00"),
            Some(1_389_913_941)
        );
        assert_eq!(
            parse_iso("2014-01-16T23:12:21.000+01:00"),
            Some(1_389_913_941 - 3600),
            "offsets are honoured"
        );
        assert_eq!(
            parse_iso("2014-01-16T23:12:21.000Z"),
            Some(1_389_913_941),
            "Z is UTC (the sandbox writes it)"
        );
        assert_eq!(
            parse_iso("garbage"),
            None,
            "bad input is no time, not a panic"
        );
    }

    /// Regression: the hand-written parser read an offset only with a colon, so `+0100`
    /// (ISO 8601's basic form) was silently taken as UTC, an hour off.
    #[test]
    fn offsets_without_a_colon_were_dropped() {
        assert_eq!(
            parse_iso("2014-01-16T23:12:21.000+0100"),
            Some(1_389_913_941 - 3600),
            "+0100 is one hour ahead of UTC, not UTC"
        );
        assert_eq!(
            parse_iso("2014-01-16T23:12:21-0530"),
            Some(1_389_913_941 + 5 * 3600 + 30 * 60),
            "negative offsets with minutes, without fractions"
        );
        assert_eq!(
            parse_iso("2014-01-16T23:12:21.000+0000"),
            Some(1_389_913_941),
            "+0000 is UTC"
        );
    }
}
