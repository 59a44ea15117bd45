//! `awsmfa init SHELL`: the prompt hook, to eval from the shell's rc file.
//!
//! This file owns only finding the path of this binary, so that the hook
//! runs the awsmfa that rendered it, whatever PATH says later; the scripts
//! and their quoting are the shell's ([`crate::shell::Hook::init`]).

use super::{print, Context};
use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::shell;
use std::process::ExitCode;

pub fn run(_ctx: &Context, args: InitArgs) -> Result<ExitCode> {
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
