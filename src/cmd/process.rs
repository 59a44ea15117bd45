//! `awsmfa process`: the credential_process protocol, so that
//! `credential_process = awsmfa process my-role` works in every SDK.
//!
//! This file owns only the command: the refusal to print to a terminal and
//! the fetch; the JSON is an output format like any shell's
//! ([`crate::shell::Json`]).

use super::{Context, print, request};
use crate::cli::ProcessArgs;
use crate::error::{Error, Result};
use crate::obtain::obtain_for_sdk;
use crate::shell::{Json, Shell};
use crate::vars::Changes;
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: ProcessArgs) -> Result<ExitCode> {
    // An SDK reads this JSON from a pipe; at a terminal the secret key
    // would stay in scrollback, recordings and screen shares (as for env).
    // Checked before any prompt or network call.
    if !args.force && std::io::stdout().is_terminal() {
        return Err(Error::ProcessToTerminal {
            profile: shell_words::quote(&args.profile).into_owned(),
        });
    }
    // Served only while the SDK will keep them: closer to expiry, the SDK
    // would start awsmfa again on every call, so they are renewed.
    let obtained = obtain_for_sdk(&request(Some(args.profile), args.fetch), &*ctx.store()?)?;
    print(&Json.export(&Changes::export(&obtained))?)
}
