//! Durations as people write and read them: the one parser of every
//! duration awsmfa accepts (flags, settings, variables) and the one
//! formatter of every duration it shows.
//!
//! A bare number is seconds (as `duration_seconds` in the AWS config);
//! anything else is what `humantime` reads (`15m`, `12h`, `1h30m`, `2 days`).

/// Seconds in `raw`, or a sentence saying how to write a duration.
pub fn parse(raw: &str) -> Result<u64, String> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Ok(secs);
    }
    humantime::parse_duration(raw)
        .map(|d| d.as_secs())
        .map_err(|e| explain(raw, &e))
}

/// The duration in environment variable `name`, at least a second; None
/// where it is unset or blank. The error is the sentence to show.
pub fn var(name: &str) -> Result<Option<std::time::Duration>, String> {
    let Some(raw) = std::env::var(name).ok().filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    match parse(&raw) {
        Ok(0) => Err(format!("{name}={raw:?}: must be at least 1 second")),
        Ok(secs) => Ok(Some(std::time::Duration::from_secs(secs))),
        Err(why) => Err(format!("{name}: {why}")),
    }
}

/// How to write one, in the user's terms rather than the parser's.
fn explain(raw: &str, e: &humantime::DurationError) -> String {
    const LIKE: &str = "write it like 900 (seconds), 15m, 12h or 1h30m";
    match e {
        humantime::DurationError::Empty => format!("an empty value is not a duration; {LIKE}"),
        humantime::DurationError::NumberOverflow => {
            format!("{raw:?} is longer than any duration awsmfa can use; {LIKE}")
        }
        humantime::DurationError::UnknownUnit { unit, .. } if !unit.is_empty() => {
            format!("{raw:?} is not a duration ({unit:?} is no unit of time); {LIKE}")
        }
        _ => format!("{raw:?} is not a duration; {LIKE}"),
    }
}

/// `secs` for a person, to the precision that matters at that size:
/// "45s", "54m 3s", "1h 5m", "36h", "3 days", "6 years". Rounded down, so
/// "expires in" never promises more than is left.
pub fn human(secs: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const YEAR: u64 = 365 * DAY;
    let two = |big: u64, unit: &str, small: u64, small_unit: &str| match small {
        0 => format!("{big}{unit}"),
        n => format!("{big}{unit} {n}{small_unit}"),
    };
    let plural = |n: u64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    match secs {
        s if s < MINUTE => format!("{s}s"),
        s if s < HOUR => two(s / MINUTE, "m", s % MINUTE, "s"),
        // Hours up to two days: STS speaks of 36 h sessions, not "1 day 12h".
        s if s < 2 * DAY => two(s / HOUR, "h", s % HOUR / MINUTE, "m"),
        s if s < YEAR => plural(s / DAY, "day"),
        s => plural(s / YEAR, "year"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_written() {
        for (raw, secs) in [
            ("900", 900),
            (" 3600 ", 3600),
            ("15m", 900),
            ("12h", 43_200),
            ("1h30m", 5400),
            ("1h 30m", 5400),
            ("90s", 90),
            ("2 days", 172_800),
            ("1day 16h", 144_000),
        ] {
            assert_eq!(parse(raw), Ok(secs), "{raw}");
        }
    }

    #[test]
    fn bad_durations_say_how_to_write_one() {
        for (raw, says) in [
            ("soon", "\"soon\" is not a duration; write it like"),
            ("1 fortnight", "(\"fortnight\" is no unit of time)"),
            ("", "an empty value is not a duration"),
            ("-5m", "\"-5m\" is not a duration"),
            ("99999999999999999999y", "longer than any duration"),
        ] {
            let err = parse(raw).unwrap_err();
            assert!(err.contains(says), "{raw:?}: {err}");
            assert!(err.contains("15m, 12h or 1h30m"), "{raw:?}: {err}");
            // The parser's own vocabulary stays out of the user's way.
            assert!(!err.contains("supported units"), "{raw:?}: {err}");
            assert!(!err.contains("invalid"), "{raw:?}: {err}");
        }
    }

    #[test]
    fn durations_read_coarsely() {
        for (secs, shown) in [
            (0, "0s"),
            (45, "45s"),
            (60, "1m"),
            (3243, "54m 3s"),
            (3599, "59m 59s"),
            (3600, "1h"),
            (3900, "1h 5m"),
            (43_200, "12h"),
            (129_600, "36h"),
            (2 * 86_400 - 1, "47h 59m"),
            (3 * 86_400 + 7 * 3600, "3 days"),
            (365 * 86_400, "1 year"),
            // What `status` once showed as "6years 11months 9h …".
            (6 * 365 * 86_400 + 340 * 86_400, "6 years"),
        ] {
            assert_eq!(human(secs), shown, "{secs}");
        }
    }
}
