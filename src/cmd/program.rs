//! What `exec` (and `exec --server`) runs: the command given, or a shell
//! guarded against nesting by [`GUARD`]; and how a command that cannot
//! start is reported (127 and 126, as shells do). Below both, so that
//! neither imports the other.

use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use std::ffi::OsString;
use std::process::Command;

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
