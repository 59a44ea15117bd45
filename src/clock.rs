//! This machine's clock against AWS's: how a skew is measured, when it
//! matters (the one set of thresholds that `sts`'s warning, the MFA
//! rejection hint and `doctor` all judge by), how it is said, and how an
//! expiry STS stated on its clock moves onto ours.
//!
//! A skew is in whole seconds, positive when this machine is *behind* AWS.

use std::time::{Duration, SystemTime};

/// Below this many seconds, a difference between the clocks is the `Date`
/// header's one-second resolution and the round trip, not a skew.
pub const SKEW_NOISE: i64 = 5;
/// TOTP codes are valid for about 30 s either side: beyond this, codes from
/// a phone (or computed here by mfa_process) look wrong to AWS.
pub const SKEW_TOTP: i64 = 60;
/// SigV4 refuses requests signed more than 15 minutes off; past this, a
/// little more drift breaks every call.
pub const SKEW_SIGV4: i64 = 10 * 60;

/// How much a skew matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drift {
    /// Nothing notices.
    Fine,
    /// MFA codes may be rejected ([`SKEW_TOTP`]).
    Codes,
    /// AWS is about to refuse every signed request ([`SKEW_SIGV4`]).
    Signatures,
}

pub fn judge(skew: i64) -> Drift {
    match skew.unsigned_abs() {
        off if off > SKEW_SIGV4.unsigned_abs() => Drift::Signatures,
        off if off > SKEW_TOTP.unsigned_abs() => Drift::Codes,
        _ => Drift::Fine,
    }
}

/// A clock skew in words: "N s behind AWS's" / "N s ahead of AWS's".
pub fn describe_skew(skew: i64) -> String {
    if skew > 0 {
        format!("{skew} s behind AWS's")
    } else {
        format!("{} s ahead of AWS's", -skew)
    }
}

/// The skew shown by an answer dated `date` (whole seconds) to a request
/// sent at `sent` and read at `received` (local time): the answer was dated
/// somewhere in between, so it is measured against the middle.
pub fn skew_between(date: SystemTime, sent: SystemTime, received: SystemTime) -> i64 {
    let secs = |t: SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    };
    let local = (secs(sent) + secs(received)) / 2.0;
    (secs(date) - local).round() as i64
}

/// An instant AWS stated on its clock (an expiry), on this machine's: with
/// a skewed clock every local comparison (freshness, the cache, the hook's
/// deadline, SDKs reading AWS_CREDENTIAL_EXPIRATION) would otherwise be off
/// by the skew. Below [`SKEW_NOISE`] it is left as stated.
pub fn to_local(aws: SystemTime, skew: i64) -> SystemTime {
    if skew.abs() < SKEW_NOISE {
        return aws;
    }
    let by = Duration::from_secs(skew.unsigned_abs());
    let local = if skew > 0 {
        aws.checked_sub(by)
    } else {
        aws.checked_add(by)
    };
    local.unwrap_or(aws)
}

/// This machine's offset from UTC. The `time` crate refuses to read it (as
/// unsound) once a second thread runs, so the first call must come before
/// any, at the top of a command; later calls get that answer.
pub fn local_offset() -> Option<time::UtcOffset> {
    static OFFSET: std::sync::OnceLock<Option<time::UtcOffset>> = std::sync::OnceLock::new();
    *OFFSET.get_or_init(|| time::UtcOffset::current_local_offset().ok())
}

/// `at` as a person reads a clock here: `17:03` today, `tomorrow 01:10`,
/// `yesterday 23:50`, else `2026-12-04 17:03`; in local time, or with
/// ` UTC` when the offset is unknown.
pub fn wall_time(at: SystemTime, now: SystemTime, offset: Option<time::UtcOffset>) -> String {
    let utc = time::OffsetDateTime::from;
    let (at, now, zone) = match offset {
        Some(o) => (utc(at).to_offset(o), utc(now).to_offset(o), ""),
        None => (utc(at), utc(now), " UTC"),
    };
    let day = match (at.date(), now.date()) {
        (a, n) if a == n => String::new(),
        (a, n) if n.next_day() == Some(a) => "tomorrow ".to_string(),
        (a, n) if n.previous_day() == Some(a) => "yesterday ".to_string(),
        (a, _) => format!("{a} "),
    };
    format!("{day}{:02}:{:02}{zone}", at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skews_are_judged_by_one_set_of_thresholds() {
        for (skew, drift) in [
            (0, Drift::Fine),
            (60, Drift::Fine),
            (-60, Drift::Fine),
            (61, Drift::Codes),
            (-180, Drift::Codes),
            (600, Drift::Codes),
            (601, Drift::Signatures),
            (-1200, Drift::Signatures),
            (i64::MIN, Drift::Signatures),
        ] {
            assert_eq!(judge(skew), drift, "{skew}");
        }
    }

    #[test]
    fn skews_are_said_from_this_machine() {
        assert_eq!(describe_skew(90), "90 s behind AWS's");
        assert_eq!(describe_skew(-90), "90 s ahead of AWS's");
    }

    #[test]
    fn a_skew_is_measured_against_the_middle_of_the_round_trip() {
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(skew_between(t(1_000_180), t(1_000_000), t(1_000_002)), 179);
        assert_eq!(
            skew_between(t(1_000_000), t(1_001_200), t(1_001_200)),
            -1200
        );
    }

    #[test]
    fn an_expiry_moves_onto_this_machines_clock() {
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        // Behind AWS: it expires earlier by our clock.
        assert_eq!(to_local(t(10_000), 300), t(9_700));
        assert_eq!(to_local(t(10_000), -300), t(10_300));
        // Within the header's resolution: left alone.
        assert_eq!(to_local(t(10_000), 4), t(10_000));
    }

    #[test]
    fn wall_time_reads_as_a_clock_here() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_765_000_000); // 2025-12-06 05:46:40 UTC
        let plus2 = time::UtcOffset::from_hms(2, 0, 0).ok();
        assert_eq!(wall_time(now, now, plus2), "07:46");
        assert_eq!(wall_time(now, now, None), "05:46 UTC");
        let day = Duration::from_secs(86_400);
        assert_eq!(wall_time(now + day, now, plus2), "tomorrow 07:46");
        assert_eq!(wall_time(now - day, now, plus2), "yesterday 07:46");
        assert_eq!(wall_time(now - 3 * day, now, plus2), "2025-12-03 07:46");
    }
}
