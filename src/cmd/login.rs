//! `awsmfa login`: a fresh MFA session for a profile's source identity, and
//! nothing else; `awsmfa logout`: forget every session and the key.

use super::{Context, request};
use crate::cli::{FetchArgs, LoginArgs};
use crate::error::{Error, Result};
use crate::obtain::Login;
use crate::store::EntryKey;
use crate::vars::rfc3339;
use std::process::ExitCode;
use std::time::SystemTime;

pub fn login(ctx: &Context, args: LoginArgs) -> Result<ExitCode> {
    let cache = ctx.cache()?;
    if cache.is_none() {
        crate::term::note(format_args!(
            "awsmfa: note: the session cache is off, so this session will not be kept"
        ));
    }
    let store = ctx.store()?;
    let fetch = FetchArgs {
        token_code: args.token_code,
        duration: args.duration,
        region: args.region,
    };
    let profile = args.profile.unwrap_or_else(crate::profile::default_name);
    let req = request(Some(profile.clone()), fetch);
    match crate::obtain::login(&req, &*store, args.force)? {
        Login::Kept(key, session) => {
            let (source, serial) = names(&key)?;
            crate::term::note(format_args!(
                "awsmfa: the MFA session for {source} ({serial}) is still valid for {}, until {}; keeping it (`awsmfa login {} --force` asks for a new code)",
                session.expiry().map(left).unwrap_or_default(),
                session.expiry().map(rfc3339).unwrap_or_default(),
                shell_words::quote(&profile),
            ));
        }
        Login::New(key, session) => {
            let (source, serial) = names(&key)?;
            crate::term::note(format_args!(
                "awsmfa: MFA session for {source} ({serial}) valid until {}",
                session.expiry().map(rfc3339).unwrap_or_default()
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The source profile and MFA device of a session's key.
fn names(key: &EntryKey) -> Result<(&str, &str)> {
    match key {
        EntryKey::Session {
            source_profile,
            serial,
        } => Ok((source_profile, serial)),
        _ => Err(Error::Other("login made no MFA session".into())),
    }
}

/// How long until `expiry`, for a person.
fn left(expiry: SystemTime) -> String {
    let secs = expiry
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or_default();
    crate::duration::human(secs)
}

/// Everything goes, even with the cache turned off: turning it off stops
/// its use, and must not hide sessions cached before.
pub fn logout(_ctx: &Context) -> Result<ExitCode> {
    let n = super::cache::open()?.destroy()?;
    crate::term::note(format_args!(
        "awsmfa: removed {n} cached entr{} and the cache key",
        if n == 1 { "y" } else { "ies" }
    ));
    Ok(ExitCode::SUCCESS)
}
