//! `awsmfa exec PROFILE [--] [COMMAND…]`: the command (with none, `$SHELL`)
//! gets the credentials in its environment and nothing else changes.
//!
//! This file owns what exec runs (the command, or a shell guarded against
//! nesting by [`GUARD`]) and how a command that cannot start is reported
//! (127 and 126, as shells do); `--server` is [`super::serve`]'s.

use super::{Context, request};
use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use crate::obtain::obtain_in;
use crate::vars::{Changes, Saved};
use std::ffi::OsString;
use std::process::{Command, ExitCode};

/// Set in everything exec runs, to the profile: a shell started inside such
/// a shell is refused (exiting the inner one would silently bring back the
/// outer one's credentials), and a prompt can show it.
pub const GUARD: &str = "AWSMFA_EXEC";

/// What exec runs: the program and its arguments.
pub struct Program {
    pub program: OsString,
    pub args: Vec<OsString>,
}

impl Program {
    /// The command given, else the user's `$SHELL` (`/bin/sh` without one),
    /// unless this already runs in a shell exec started.
    pub fn of(args: &ExecArgs) -> Result<Program> {
        if let Some((program, rest)) = args.command.split_first() {
            return Ok(Program {
                program: program.clone(),
                args: rest.to_vec(),
            });
        }
        if let Some(outer) = std::env::var_os(GUARD).filter(|v| !v.is_empty()) {
            return Err(Error::Usage(format!(
                "this shell was started by `awsmfa exec {}` ({GUARD} is set); exit it first, or run one command: `awsmfa exec {} -- COMMAND`",
                outer.to_string_lossy(),
                args.profile
            )));
        }
        let shell = std::env::var_os("SHELL").filter(|s| !s.is_empty());
        Ok(Program {
            program: shell.unwrap_or_else(|| "/bin/sh".into()),
            args: Vec::new(),
        })
    }

    pub fn name(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }

    /// The command to start, with the profile in [`GUARD`]. It gets
    /// credentials, never what unlocks the long-term key or the MFA session.
    pub fn command(&self, profile: &str) -> Command {
        let mut cmd = Command::new(&self.program);
        crate::child::scrub(&mut cmd)
            .args(&self.args)
            .env(GUARD, profile);
        cmd
    }
}

/// Why `name` did not start, with a shell's exit code: 127 when there is no
/// such program, 126 when there is one that cannot be run.
pub fn not_started(name: &str, err: std::io::Error) -> Error {
    match err.kind() {
        std::io::ErrorKind::NotFound => Error::CommandNotFound {
            name: name.to_string(),
        },
        _ => Error::CannotRun {
            name: name.to_string(),
            why: err.to_string(),
        },
    }
}

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
    Err(Error::Usage(
        "exec --server is available on Unix systems only; use `awsmfa exec` or `credential_process = awsmfa process PROFILE`".into(),
    ))
}
