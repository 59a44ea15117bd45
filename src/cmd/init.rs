//! `awsmfa init SHELL`: the prompt hook, to eval from the shell's rc file.
//!
//! The scripts are real files under `shell/` (so shellcheck and fish can
//! check them as they are), embedded here; the placeholder `__AWSMFA_EXE__`
//! is a valid command word in every shell and becomes the quoted absolute
//! path of this binary, so the hook runs the awsmfa that rendered it,
//! whatever PATH says later.

use super::{print, Context};
use crate::cli::{HookShell, InitArgs};
use crate::error::{Error, Result};
use crate::shell::{fish, posix};
use std::process::ExitCode;

pub const PLACEHOLDER: &str = "__AWSMFA_EXE__";

const BASH: &str = include_str!("../../shell/awsmfa.bash");
const ZSH: &str = include_str!("../../shell/awsmfa.zsh");
const FISH: &str = include_str!("../../shell/awsmfa.fish");

/// The raw script for `shell`, placeholder included.
pub fn raw(shell: HookShell) -> &'static str {
    match shell {
        HookShell::Bash => BASH,
        HookShell::Zsh => ZSH,
        HookShell::Fish => FISH,
    }
}

/// The script for `shell`, running the awsmfa at `exe`.
pub fn script(shell: HookShell, exe: &str) -> String {
    let quoted = match shell {
        HookShell::Bash | HookShell::Zsh => posix::quote(exe),
        HookShell::Fish => fish::quote(exe),
    };
    raw(shell).replace(PLACEHOLDER, &quoted)
}

pub fn run(_ctx: &Context, args: InitArgs) -> Result<ExitCode> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::io("finding the path of this awsmfa binary", e))?;
    let exe = exe.to_str().ok_or_else(|| {
        Error::Other(format!(
            "the path of this awsmfa binary, {}, is not valid UTF-8; install it somewhere else",
            exe.display()
        ))
    })?;
    print(&script(args.shell, exe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_becomes_one_quoted_word() {
        for shell in [HookShell::Bash, HookShell::Zsh, HookShell::Fish] {
            assert!(raw(shell).contains(PLACEHOLDER));
            let out = script(shell, "/opt/it's here/awsmfa");
            assert!(!out.contains(PLACEHOLDER));
            let quoted = match shell {
                HookShell::Fish => r"'/opt/it\'s here/awsmfa'",
                _ => r"'/opt/it'\''s here/awsmfa'",
            };
            assert_eq!(
                out.matches(quoted).count(),
                raw(shell).matches(PLACEHOLDER).count()
            );
        }
    }
}
