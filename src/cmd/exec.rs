//! `awsmfa exec PROFILE [--] [COMMAND…]`: the command (with none, `$SHELL`)
//! gets the credentials in its environment and nothing else changes.
//!
//! What exec runs, and how a command that cannot start is reported, are
//! [`super::program`]'s (shared with `--server`, which is
//! [`super::serve`]'s).

use super::program::{Program, not_started};
use super::{Context, request};
use crate::cli::ExecArgs;
use crate::error::Result;
use crate::obtain::obtain_in;
use crate::vars::{Changes, Saved};
use std::process::{Command, ExitCode};

pub fn run(ctx: &Context, args: ExecArgs) -> Result<ExitCode> {
    if args.server {
        return serve(ctx, args);
    }
    // Before any prompt: a refused shell must not cost an MFA code.
    let target = Program::of(&args)?;
    // After `awsmfa env dev`, `exec prod` gets prod's region, not dev's.
    let saved = Saved::before(|name| std::env::var(name).ok());
    let req = request(Some(args.profile.clone()), args.fetch);
    let obtained = obtain_in(&req, &*ctx.store()?, &super::env::own_env(&saved))?;
    let changes = Changes::export(&obtained);
    if args.command.is_empty() && !crate::config::quiet()? {
        // A shell that looks like the one before: say what it has, and how
        // to leave it.
        crate::term::note(format_args!(
            "awsmfa: starting {} with the credentials of {}; `exit` leaves it and drops them",
            target.name(),
            obtained.about(None, std::time::SystemTime::now())
        ));
    }
    let mut cmd = target.command(&args.profile);
    for name in &changes.unset {
        cmd.env_remove(name);
    }
    cmd.envs(changes.set.iter().map(|(k, v)| (k, v)));
    replace_process(cmd, &target.name())
}

/// On Unix the command replaces awsmfa (like `exec` in a shell), so signals,
/// the exit status and the terminal all belong to it directly.
#[cfg(unix)]
fn replace_process(mut cmd: Command, name: &str) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    Err(not_started(name, cmd.exec()))
}

#[cfg(not(unix))]
fn replace_process(mut cmd: Command, name: &str) -> Result<ExitCode> {
    let status = cmd.status().map_err(|e| not_started(name, e))?;
    Ok(ExitCode::from(status.code().unwrap_or(1) as u8))
}

/// `--server`: a credential endpoint instead of keys (src/cmd/serve.rs).
#[cfg(unix)]
fn serve(ctx: &Context, args: ExecArgs) -> Result<ExitCode> {
    super::serve::run(ctx, args)
}

#[cfg(not(unix))]
fn serve(_: &Context, _: ExecArgs) -> Result<ExitCode> {
    Err(crate::error::Error::Usage(
        "exec --server is available on Unix systems only; use `awsmfa exec` or `credential_process = awsmfa process PROFILE`".into(),
    ))
}
