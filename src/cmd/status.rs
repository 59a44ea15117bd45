//! `awsmfa status`: the profile this shell uses, who it is, and how long
//! the credentials and the MFA session last. Reads only the environment (and,
//! from the shell function `awsmfa init` defines, the hook's state on stdin);
//! calls STS once for the identity unless `--offline`.

use super::{print, Context};
use crate::cli::StatusArgs;
use crate::error::Result;
use crate::hookstate::State;
use crate::obtain;
use crate::store::{epoch, Kind};
use crate::term::clean;
use aws_credential_types::Credentials;
use aws_smithy_types::date_time::{DateTime, Format};
use std::fmt::Write;
use std::process::ExitCode;
use std::time::SystemTime;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// "expires in 54m 3s (at 2026-01-01T12:00:00Z)", or "expired 3m ago".
fn left(expires: u64, now: u64) -> String {
    let at = DateTime::from_secs(expires as i64)
        .fmt(Format::DateTime)
        .unwrap_or_default();
    if expires > now {
        let d = crate::duration::human(expires - now);
        format!("expire in {d} (at {at})")
    } else {
        let d = crate::duration::human(now - expires);
        format!("expired {d} ago (at {at})")
    }
}

pub fn run(ctx: &Context, args: StatusArgs) -> Result<ExitCode> {
    let now = epoch(SystemTime::now());
    let state = if args.shell_state {
        State::from_stdin()
    } else {
        State::default()
    };
    let mut out = String::new();
    let profile = var("AWSMFA_PROFILE");
    let source = state
        .active
        .as_ref()
        .filter(|a| Some(&a.project.profile) == profile.as_ref())
        .map(|a| format!(" (from {})", clean(&a.file)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "profile:      {}{source}",
        clean(
            profile
                .as_deref()
                .unwrap_or("none (AWSMFA_PROFILE is not set)")
        )
    );

    let creds = match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Some(Credentials::new(
            id,
            secret,
            var("AWS_SESSION_TOKEN"),
            None,
            "environment",
        )),
        _ => None,
    };
    let identity = match (&creds, args.offline) {
        (None, _) => "none (no AWS_ACCESS_KEY_ID in the environment)".to_string(),
        (Some(_), true) => "not checked (--offline)".to_string(),
        (Some(c), false) => {
            let name = profile.clone().unwrap_or_else(crate::profile::default_name);
            match obtain::identity(&name, c) {
                Ok(id) => id.arn,
                Err(e) => format!("unknown: {e}"),
            }
        }
    };
    let _ = writeln!(out, "identity:     {}", clean(&identity));

    let expiration = var("AWS_CREDENTIAL_EXPIRATION");
    let credentials = match expiration
        .as_deref()
        .map(|e| DateTime::from_str(e, Format::DateTime))
    {
        None if creds.is_some() => "no expiry given (AWS_CREDENTIAL_EXPIRATION is not set)".into(),
        None => "none".to_string(),
        Some(Ok(t)) => left(t.secs().max(0) as u64, now),
        Some(Err(_)) => format!(
            "AWS_CREDENTIAL_EXPIRATION=\"{}\" is not a date",
            clean(expiration.as_deref().unwrap_or_default())
        ),
    };
    let _ = writeln!(out, "credentials:  {credentials}");

    // MFA sessions: the one this shell's hook holds, and any in the
    // encrypted cache (its headers need no key: nothing is decrypted).
    let mut sessions: Vec<(String, String, u64, &str)> = state
        .sessions
        .iter()
        .map(|s| {
            (
                s.source_profile.clone(),
                s.serial.clone(),
                s.expires,
                "this shell",
            )
        })
        .collect();
    let cache = ctx.cache().ok().flatten();
    if let Some(cache) = &cache {
        for (_, h) in cache.list() {
            if h.kind == Kind::Session && h.expires > now {
                sessions.push((h.profile, h.detail, h.expires, "encrypted cache"));
            }
        }
    }
    if sessions.is_empty() {
        let why = if args.shell_state {
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
    let key = match &cache {
        Some(cache) => cache.key_store().map_or_else(
            || "none yet (made with the first cached session)".to_string(),
            |store| store.describe(),
        ),
        None => "none: the session cache is off".to_string(),
    };
    let _ = writeln!(out, "cache key:    {key}");
    print(&out)
}
