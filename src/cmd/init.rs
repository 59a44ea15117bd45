//! `awsmfa init SHELL`: the prompt hook, to eval from the shell's rc file.
//!
//! This file owns only finding the path of this binary, so that the hook
//! runs the awsmfa that rendered it, whatever PATH says later, and saying
//! how to load the shell function when `awsmfa use` or `reload` reach the
//! binary; the scripts and their quoting are the shell's
//! ([`crate::shell::Hook::init`]).

use super::{Context, print};
use crate::cli::{HookShell, ShellArgs};
use crate::error::{Error, Result};
use crate::shell;
use std::process::ExitCode;

pub fn run(_ctx: &Context, args: ShellArgs) -> Result<ExitCode> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::io("finding the path of this awsmfa binary", e))?;
    let exe = exe.to_str().ok_or_else(|| {
        Error::Other(format!(
            "the path of this awsmfa binary, {}, is not valid UTF-8; install it somewhere else",
            exe.display()
        ))
    })?;
    print(&shell::for_hook(args.shell).init(exe))
}

/// `awsmfa use` / `awsmfa reload` reached the binary: the shell function is
/// not loaded (a program cannot change its shell's environment).
pub fn not_loaded(verb: &str) -> Result<ExitCode> {
    Err(Error::Usage(format!(
        "`awsmfa {verb}` changes this shell's environment, which only the shell function \
         from `awsmfa init` can do, and it is not loaded here; load it with {} at the end \
         of your shell's rc file, or in this shell now",
        load_hint()
    )))
}

/// The rc-file line that loads the shell function, for the shell in
/// `$SHELL`, or for each shell when that is none of them.
pub fn load_hint() -> String {
    let load = |shell: HookShell| {
        let hook = shell::for_hook(shell);
        hook.apply(&format!("awsmfa init {}", hook.name()))
    };
    let running = std::env::var("SHELL").ok().and_then(|path| {
        let name = path.rsplit('/').next().unwrap_or_default().to_string();
        clap::ValueEnum::from_str(&name, false).ok()
    });
    match running {
        Some(shell) => format!("`{}`", load(shell)),
        None => format!(
            "`{}` (zsh: `{}`, fish: `{}`)",
            load(HookShell::Bash),
            load(HookShell::Zsh),
            load(HookShell::Fish)
        ),
    }
}
