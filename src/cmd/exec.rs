//! `awsmfa exec PROFILE -- COMMAND`: the command gets the credentials in its
//! environment and nothing else changes.

use super::{request, Context};
use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use crate::obtain::obtain;
use crate::vars::Changes;
use std::process::{Command, ExitCode};

pub fn run(ctx: &Context, args: ExecArgs) -> Result<ExitCode> {
    if args.server {
        return serve(ctx, args);
    }
    let obtained = obtain(&request(Some(args.profile), args.fetch), &*ctx.store()?)?;
    let changes = Changes::export(&obtained);
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::Usage("no command given after --".into()))?;
    let mut cmd = Command::new(program);
    cmd.args(rest);
    for name in &changes.unset {
        cmd.env_remove(name);
    }
    // The command gets credentials, never what unlocks the long-term key.
    cmd.env_remove(crate::vault::PASSPHRASE_VAR);
    cmd.envs(changes.set.iter().map(|(k, v)| (k, v)));
    let name = program.to_string_lossy().into_owned();
    replace_process(cmd, &name)
}

/// On Unix the command replaces awsmfa (like `exec` in a shell), so signals,
/// the exit status and the terminal all belong to it directly.
#[cfg(unix)]
fn replace_process(mut cmd: Command, name: &str) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(Error::Other(format!("cannot run `{name}`: {err}")))
}

#[cfg(not(unix))]
fn replace_process(mut cmd: Command, name: &str) -> Result<ExitCode> {
    let status = cmd
        .status()
        .map_err(|e| Error::Other(format!("cannot run `{name}`: {e}")))?;
    Ok(ExitCode::from(status.code().unwrap_or(1) as u8))
}

/// `--server`: a credential endpoint instead of keys (src/cmd/serve.rs).
#[cfg(unix)]
fn serve(ctx: &Context, args: ExecArgs) -> Result<ExitCode> {
    super::serve::run(ctx, args)
}

#[cfg(not(unix))]
fn serve(_: &Context, _: ExecArgs) -> Result<ExitCode> {
    Err(Error::Usage(
        "exec --server is available on Unix systems only; use `awsmfa exec` or `credential_process = awsmfa process PROFILE`".into(),
    ))
}
