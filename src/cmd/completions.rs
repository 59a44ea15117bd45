//! `awsmfa completions SHELL`: the completion scripts and the answer to a
//! TAB; the profile names offered are [`crate::profile::names`]'.
//!
//! The scripts are clap_complete's environment-activated ones: on TAB the
//! shell runs `_AWSMFA_COMPLETE=<shell> awsmfa -- <words>`, and awsmfa answers
//! from the same clap definitions it parses with. So a profile completes
//! exactly where clap would accept one, subcommands and flags never drift
//! from the binary, and no shell code is hand-written per shell. The cost is
//! one exec of awsmfa per TAB, which reads the two AWS files and nothing
//! else (no network, no cache).
//!
//! The feature is `unstable-dynamic` in clap_complete: the version is pinned
//! in Cargo.toml, and `tests/keys.rs` fails when the generated scripts change.

use super::print;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Error, Result};
use clap::CommandFactory;
use clap_complete::env::{self, EnvCompleter};
use std::process::ExitCode;

/// Set by the completion scripts when they ask awsmfa for candidates. Not
/// `COMPLETE` (clap_complete's default): a user's unrelated `COMPLETE`
/// variable must never turn every awsmfa call into a completion request.
pub const VAR: &str = "_AWSMFA_COMPLETE";

/// The name the scripts complete and call: awsmfa as found on PATH, so the
/// scripts are the same on every machine and can be committed.
const BIN: &str = "awsmfa";

/// Answer a completion request and exit, if this run is one; otherwise
/// return at once. Called first thing in `main`, before anything is printed.
pub fn complete_if_asked() {
    if !is_completion_request(std::env::args_os().nth(1).as_deref()) {
        return;
    }
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .bin(BIN)
        .completer(BIN)
        .complete();
}

/// Whether this run is a TAB's request: every registered script (bash,
/// zsh, fish, PowerShell, elvish; see completions/) runs
/// `_AWSMFA_COMPLETE=<shell> awsmfa -- <words>`, so its first argument is
/// `--`, which no command of awsmfa starts with. clap_complete alone would
/// answer whenever the variable is set: one exported by a project's
/// environment file, or left in a shell, would turn every awsmfa call (the
/// prompt hook's included) into a completion script on stdout, which the
/// hook then evaluates.
fn is_completion_request(first: Option<&std::ffi::OsStr>) -> bool {
    first.is_some_and(|a| a == "--")
}

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> Result<String> {
    use clap_complete::Shell;
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &env::Bash,
        Shell::Zsh => &env::Zsh,
        Shell::Fish => &env::Fish,
        Shell::PowerShell => &env::Powershell,
        Shell::Elvish => &env::Elvish,
        other => {
            return Err(Error::Usage(format!(
                "no completion script for {other}; use bash, zsh, fish, powershell or elvish"
            )));
        }
    };
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, BIN, BIN, BIN, &mut buf)
        .map_err(|e| Error::io("generating the completion script", e))?;
    let text = String::from_utf8(buf)
        .map_err(|_| Error::Other("completion script is not UTF-8".into()))?;
    Ok(match shell {
        Shell::Zsh => zsh_autoloadable(&text),
        _ => text,
    })
}

/// clap's zsh script only registers the completer (`compdef`), which is
/// right when sourced but, installed as `_awsmfa` in a directory on `$fpath`
/// (as the Debian package does), makes the first TAB of each shell do
/// nothing. Autoloaded, it must also complete; the test is the one zsh's own
/// completion files use.
fn zsh_autoloadable(script: &str) -> String {
    const REGISTER: &str = "compdef _clap_dynamic_completer_awsmfa awsmfa\n";
    const EITHER: &str = "if [[ \"${funcstack[1]-}\" == _awsmfa ]]; then\n    _clap_dynamic_completer_awsmfa \"$@\"\nelse\n    compdef _clap_dynamic_completer_awsmfa awsmfa\nfi\n";
    // A clap_complete that no longer ends this way fails tests/keys.rs and
    // scripts/package-test.sh rather than shipping a half-working script.
    script.replace(REGISTER, EITHER)
}

pub fn run(args: CompletionsArgs) -> Result<ExitCode> {
    print(&script(args.shell)?)
}

#[cfg(test)]
mod tests {
    use super::is_completion_request;
    use std::ffi::OsStr;

    /// Only `awsmfa -- WORDS`, as every registered script calls it.
    #[test]
    fn only_the_scripts_calls_are_completion_requests() {
        assert!(is_completion_request(Some(OsStr::new("--"))));
        for first in [
            None,
            Some("env"),
            Some("hook"),
            Some("--version"),
            Some("-"),
        ] {
            assert!(!is_completion_request(first.map(OsStr::new)), "{first:?}");
        }
    }
}
