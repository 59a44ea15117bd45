//! `awsmfa process`: the credential_process protocol, so that
//! `credential_process = awsmfa process my-role` works in every SDK.

use super::{print, request, Context};
use crate::cli::ProcessArgs;
use crate::error::{Error, Result};
use crate::obtain::{obtain, Obtained};
use crate::vars::rfc3339;
use serde::Serialize;
use std::io::IsTerminal;
use std::process::ExitCode;

/// credential_process output, version 1 (AWS SDKs and Tools reference guide).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
}

pub fn json(o: &Obtained) -> Result<String> {
    let c = &o.credentials;
    let out = Output {
        version: 1,
        access_key_id: c.access_key_id(),
        secret_access_key: c.secret_access_key(),
        session_token: c.session_token(),
        expiration: c.expiry().map(rfc3339),
    };
    let mut text = serde_json::to_string_pretty(&out)
        .map_err(|e| Error::Other(format!("cannot encode JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

pub fn run(ctx: &Context, args: ProcessArgs) -> Result<ExitCode> {
    // An SDK reads this JSON from a pipe; at a terminal the secret key
    // would stay in scrollback, recordings and screen shares (as for env).
    // Checked before any prompt or network call.
    if !args.force && std::io::stdout().is_terminal() {
        return Err(Error::ProcessToTerminal {
            profile: shell_words::quote(&args.profile).into_owned(),
        });
    }
    let obtained = obtain(&request(Some(args.profile), args.fetch), &*ctx.store()?)?;
    print(&json(&obtained)?)
}
