//! `awsmfa login`: a fresh MFA session for a profile's source identity, and
//! nothing else; `awsmfa logout`: forget every session and the key.

use super::{request, Context};
use crate::cli::LoginArgs;
use crate::error::{Error, Result};
use crate::vars::rfc3339;
use std::process::ExitCode;

pub fn login(ctx: &Context, args: LoginArgs) -> Result<ExitCode> {
    let cache = ctx.cache()?;
    if cache.is_none() {
        crate::term::note(format_args!(
            "awsmfa: note: the session cache is off, so this session will not be kept"
        ));
    }
    let store = ctx.store()?;
    let (key, session) = crate::obtain::login(&request(args.profile, args.fetch), &*store)?;
    let crate::store::EntryKey::Session {
        source_profile,
        serial,
    } = key
    else {
        return Err(Error::Other("login made no MFA session".into()));
    };
    crate::term::note(format_args!(
        "awsmfa: MFA session for {source_profile} ({serial}) valid until {}",
        session.expiry().map(rfc3339).unwrap_or_default()
    ));
    Ok(ExitCode::SUCCESS)
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
