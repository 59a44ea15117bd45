//! `awsmfa status`: the profile this shell uses, who it is, and how long
//! the credentials and the MFA session last. Reads only the environment (and,
//! from the shell function `awsmfa init` defines, the hook's state on stdin);
//! calls STS once for the identity unless `--offline`.

use super::{Context, print};
use crate::cli::StatusArgs;
use crate::error::{Result, exit};
use crate::hookstate::State;
use crate::obtain;
use crate::store::{Kind, epoch};
use crate::term::clean;
use aws_credential_types::Credentials;
use aws_smithy_types::date_time::{DateTime, Format};
use std::fmt::Write;
use std::process::ExitCode;
use std::time::SystemTime;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// "expire in 54m 3s (at 17:03)", or "expired 3m ago (at 16:58)": the
/// clock of this machine's time zone ([`crate::clock::wall_time`]).
fn left(expires: u64, now: u64) -> String {
    let time = |secs| std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    let at = crate::clock::wall_time(time(expires), time(now), crate::clock::local_offset());
    if expires > now {
        let d = crate::duration::human(expires - now);
        format!("expire in {d} (at {at})")
    } else {
        let d = crate::duration::human(now - expires);
        format!("expired {d} ago (at {at})")
    }
}

pub fn run(ctx: &Context, args: StatusArgs) -> Result<ExitCode> {
    // Read while this process has one thread (see `clock::local_offset`).
    crate::clock::local_offset();
    let now = epoch(SystemTime::now());
    let state = if args.shell_state {
        State::from_stdin()
    } else {
        State::default()
    };
    let mut out = String::new();
    let profile = var("AWSMFA_PROFILE");
    let _ = writeln!(
        out,
        "profile:      {}",
        profile_line(&state, profile.as_deref())
    );
    let creds = env_credentials();
    let identity = identity(creds.as_ref(), args.offline, profile.as_deref());
    let _ = writeln!(out, "identity:     {}", clean(&identity));
    let (credentials, expired) = expiry(creds.is_some(), now);
    let _ = writeln!(out, "credentials:  {credentials}");
    if expired {
        let _ = writeln!(out, "renew:        {}", renew(&state, profile.as_deref()));
    }

    // MFA sessions: the one this shell's hook holds, and any in the
    // encrypted cache (its headers need no key: nothing is decrypted).
    let mut sessions = shell_sessions(&state);
    let cache = ctx.cache().ok().flatten();
    if let Some(cache) = &cache {
        for (_, h) in cache.list() {
            if h.kind == Kind::Session && h.expires > now {
                sessions.push((h.profile, h.detail, h.expires, "encrypted cache".into()));
            }
        }
    }
    write_sessions(&mut out, dedupe(sessions), args.shell_state, now);
    let key = match &cache {
        Some(cache) => cache.key_store().map_or_else(
            || "none yet (made with the first cached session)".to_string(),
            |store| store.describe(),
        ),
        None => "none: the session cache is off".to_string(),
    };
    let _ = writeln!(out, "cache key:    {key}");
    print(&out)?;
    // Scripts and prompts branch on it: expired credentials are not "ok".
    Ok(if expired {
        ExitCode::from(exit::EXPIRED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The command that brings expired credentials back, for where they came
/// from: the prompt hook, an `exec` shell, or `awsmfa use`.
fn renew(state: &State, profile: Option<&str>) -> String {
    let name = profile.map_or_else(crate::profile::default_name, str::to_string);
    let name = shell_words::quote(&name).into_owned();
    let hooked = state
        .active
        .as_ref()
        .is_some_and(|a| Some(a.project.profile.as_str()) == profile);
    if hooked {
        "`awsmfa reload` (the prompt hook renews them for this directory)".to_string()
    } else if var("AWSMFA_EXEC").is_some() {
        format!("exit this shell, then `awsmfa exec {}` again", clean(&name))
    } else {
        format!("`awsmfa use {}`", clean(&name))
    }
}

/// The profile this shell uses, and the project file that chose it.
fn profile_line(state: &State, profile: Option<&str>) -> String {
    let source = state
        .active
        .as_ref()
        .filter(|a| Some(a.project.profile.as_str()) == profile)
        .map(|a| format!(" (from {})", clean(&a.file)))
        .unwrap_or_default();
    if let Some(p) = profile {
        return format!("{}{source}", clean(p));
    }
    // Not awsmfa's, but the profile every AWS tool here uses.
    match crate::profile::from_env() {
        Some((p, from)) => format!(
            "{} ({from}; not exported by awsmfa: AWS tools read its credentials from the profile)",
            clean(&p)
        ),
        None => "none (neither AWSMFA_PROFILE nor AWS_PROFILE is set)".to_string(),
    }
}

/// The credentials this shell exports, if any.
fn env_credentials() -> Option<Credentials> {
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Some(Credentials::new(
            id,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "environment",
        )),
        _ => None,
    }
}

/// Who the credentials are, as STS says (one call), unless `offline`.
fn identity(creds: Option<&Credentials>, offline: bool, profile: Option<&str>) -> String {
    match (creds, offline) {
        (None, _) => "none (no AWS_ACCESS_KEY_ID in the environment)".to_string(),
        (Some(_), true) => "not checked (--offline)".to_string(),
        (Some(c), false) => {
            let name = profile.map_or_else(crate::profile::default_name, str::to_string);
            match obtain::identity(&name, c) {
                Ok(id) => id.arn,
                Err(e) => format!("unknown: {e}"),
            }
        }
    }
}

/// How long the exported credentials last, from AWS_CREDENTIAL_EXPIRATION,
/// and whether they have expired.
fn expiry(have_creds: bool, now: u64) -> (String, bool) {
    let expiration = var("AWS_CREDENTIAL_EXPIRATION");
    match expiration
        .as_deref()
        .map(|e| DateTime::from_str(e, Format::DateTime))
    {
        None if have_creds => (
            "no expiry given (AWS_CREDENTIAL_EXPIRATION is not set)".into(),
            false,
        ),
        None => ("none".to_string(), false),
        Some(Ok(t)) => {
            let at = t.secs().max(0) as u64;
            (left(at, now), at <= now)
        }
        Some(Err(_)) => (
            format!(
                "AWS_CREDENTIAL_EXPIRATION=\"{}\" is not a date",
                clean(expiration.as_deref().unwrap_or_default())
            ),
            false,
        ),
    }
}

/// An MFA session: source profile, serial, expiry (epoch seconds), where
/// it is held.
type Session = (String, String, u64, String);

/// The MFA sessions this shell's hook holds.
fn shell_sessions(state: &State) -> Vec<Session> {
    state
        .sessions
        .iter()
        .map(|s| {
            (
                s.source_profile.clone(),
                s.serial.clone(),
                s.expires,
                "this shell".to_string(),
            )
        })
        .collect()
}

/// One entry per session: the hook's copy of a session that is also in the
/// cache is the same session, shown once with both places.
fn dedupe(sessions: Vec<Session>) -> Vec<Session> {
    let mut out: Vec<Session> = Vec::new();
    for s in sessions {
        match out
            .iter_mut()
            .find(|o| (&o.0, &o.1, o.2) == (&s.0, &s.1, s.2))
        {
            Some(same) => same.3 = format!("{} and {}", same.3, s.3),
            None => out.push(s),
        }
    }
    out
}

/// One `MFA session:` line per session, or one saying where none was found.
fn write_sessions(out: &mut String, sessions: Vec<Session>, shell_state: bool, now: u64) {
    if sessions.is_empty() {
        let why = if shell_state {
            "none in this shell or the cache"
        } else {
            "none in the cache (this shell's is shown when `awsmfa init` is loaded)"
        };
        let _ = writeln!(out, "MFA session:  {why}");
    }
    for (source, serial, expires, place) in sessions {
        let _ = writeln!(
            out,
            "MFA session:  {} ({}): {}; {place}",
            clean(&source),
            clean(&serial),
            left(expires, now).replacen("expire ", "expires ", 1)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_session_once() {
        let s = |place: &str| {
            (
                "alice".to_string(),
                "arn:mfa".to_string(),
                100,
                place.to_string(),
            )
        };
        let other = (
            "alice".to_string(),
            "arn:mfa".to_string(),
            200,
            "encrypted cache".to_string(),
        );
        let out = dedupe(vec![s("this shell"), s("encrypted cache"), other]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].3, "this shell and encrypted cache");
    }

    #[test]
    fn expired_reads_as_time_ago() {
        assert!(left(1000, 1000 + 3 * 86_400 + 60).starts_with("expired 3 days ago"));
    }
}
