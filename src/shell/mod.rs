//! Every shell's syntax, and only here: one type per output format (POSIX
//! `sh`, bash, zsh, fish, PowerShell, `.env` and the credential_process
//! JSON), each with its own quoting; and for bash, zsh and fish also the
//! prompt hook (the script beside its type, `bash.bash`, `zsh.zsh`,
//! `fish.fish`), the lines that hand the hook's state back, and what
//! `awsmfa init` prints. Whatever bytes a value holds, `eval` of the output
//! sets exactly that value and runs nothing.
//!
//! The commands pick a type with [`for_format`] or [`for_hook`] and never
//! match on the shell themselves.

mod bash;
mod dotenv;
pub mod fish;
mod json;
pub mod posix;
mod powershell;
pub mod running;
mod zsh;

pub use bash::Bash;
pub use dotenv::Dotenv;
pub use fish::Fish;
pub use json::Json;
pub use posix::Posix;
pub use powershell::PowerShell;
pub use zsh::Zsh;

use crate::cli::{Format, HookShell};
use crate::error::{Error, Result};
use crate::vars::Changes;

/// In every hook script, the awsmfa that prints it: a valid command word in
/// every shell, so the raw file passes shellcheck, `zsh -n` and
/// `fish --no-execute`; [`Hook::init`] puts the quoted path in its place.
pub const PLACEHOLDER: &str = "__AWSMFA_EXE__";

/// One output format of `awsmfa env --shell` (and `awsmfa process`).
pub trait Shell: Sync {
    /// Everything `changes` says, in this format: what `env` prints and
    /// the hook evals. A value the format cannot carry unchanged is refused
    /// (the message names the variable, never the value: it may be a
    /// secret).
    fn export(&self, changes: &Changes) -> Result<String>;
    /// Whether this format can remove a variable (`env --unset`).
    fn removes(&self) -> bool {
        true
    }
}

/// What an interactive shell adds: the prompt hook that `awsmfa init`
/// prints and whose `awsmfa hook` output it evals.
pub trait Hook: Shell {
    /// The name `awsmfa init` and `awsmfa hook` take.
    fn name(&self) -> &'static str;
    /// The hook script as shipped, [`PLACEHOLDER`] included.
    fn script(&self) -> &'static str;
    /// `word` as one literal word of this shell.
    fn quote(&self, word: &str) -> String;
    /// The statement that runs `command` and applies what it prints
    /// (`eval "$(…)"`, `… | source`): the line an rc file or a hint shows.
    fn apply(&self, command: &str) -> String;
    /// The statement that sets the shell's unexported global `name` (one of
    /// the hook's own) to exactly `value`.
    fn keep(&self, name: &str, value: &str) -> String;
    /// The statement that stores the hook's state (JSON) in the shell's
    /// unexported `__awsmfa_state`.
    fn state(&self, json: &str) -> String {
        self.keep("__awsmfa_state", json)
    }
    /// The statement that sets the shell's `__awsmfa_deadline`: the next
    /// look in `secs` seconds, on the shell's own clock, or none while
    /// nothing is active. `watched`, the project file and its allowance
    /// that the credentials came from, is for a shell whose deadline is a
    /// process (fish's timer), which watches them too.
    fn deadline(&self, secs: Option<u64>, watched: Option<(&str, &str)>) -> String;

    /// The hook script, running the awsmfa at `exe` whatever PATH says later.
    fn init(&self, exe: &str) -> String {
        self.script().replace(PLACEHOLDER, &self.quote(exe))
    }
}

/// One statement per variable: the formats that are read line by line.
pub trait Statements {
    /// A statement that sets and exports `name` to exactly `value`.
    fn set(&self, name: &str, value: &str) -> String;
    /// A statement that removes `name`, or None where the format cannot.
    fn unset(&self, name: &str) -> Option<String>;
    /// Why `value` cannot be written in this format so that every reader
    /// gets exactly its bytes, or None when it can. `set` is only called
    /// for values this accepts.
    fn refuse(&self, _value: &str) -> Option<&'static str> {
        None
    }
}

/// The type for an output format.
pub fn for_format(format: Format) -> &'static dyn Shell {
    match format {
        Format::Sh => &Posix,
        Format::Bash => &Bash,
        Format::Zsh => &Zsh,
        Format::Fish => &Fish,
        Format::Powershell => &PowerShell,
        Format::Dotenv => &Dotenv,
        Format::Json => &Json,
    }
}

/// The type for a shell with a prompt hook.
pub fn for_hook(shell: HookShell) -> &'static dyn Hook {
    match shell {
        HookShell::Bash => &Bash,
        HookShell::Zsh => &Zsh,
        HookShell::Fish => &Fish,
    }
}

/// All statements for `changes`, one per line: removals first, then values.
/// A value no environment variable can hold (NUL), or that the format
/// cannot carry unchanged, is refused rather than silently altered.
pub fn render(shell: &dyn Statements, changes: &Changes) -> Result<String> {
    let mut out = String::new();
    for name in &changes.unset {
        if let Some(line) = shell.unset(name) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    for (name, value) in &changes.set {
        if value.contains('\0') {
            return Err(Error::Other(format!(
                "the value for {name} contains a NUL byte, which no environment variable can hold"
            )));
        }
        if let Some(why) = shell.refuse(value) {
            return Err(Error::Other(format!(
                "the value for {name} cannot be written in this output format: {why}; use another --shell"
            )));
        }
        out.push_str(&shell.set(name, value));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_per_shell() {
        let v = "a'b\\c$(x)`y`\nz";
        assert_eq!(Posix.set("N", v), "export N='a'\\''b\\c$(x)`y`\nz'");
        assert_eq!(Fish.set("N", v), "set -gx N 'a\\'b\\\\c$(x)`y`\nz'");
        assert_eq!(PowerShell.set("N", "it's ‘x’"), "$Env:N = 'it''s ‘‘x’’'");
        assert_eq!(Dotenv.set("N", "a$(x)`y`\nz é"), "N='a$(x)`y`\nz é'");
        assert_eq!(Dotenv.set("N", "it's"), "N=\"it's\"");
        assert!(Dotenv.refuse(v).is_some());
    }

    #[test]
    fn nul_is_refused() {
        let changes = Changes {
            set: vec![("N", "a\0b".into())],
            unset: vec![],
        };
        assert!(render(&Posix, &changes).is_err());
        assert!(Bash.export(&changes).is_err());
    }

    #[test]
    fn placeholder_becomes_one_quoted_word() {
        for shell in [HookShell::Bash, HookShell::Zsh, HookShell::Fish] {
            let shell = for_hook(shell);
            assert!(shell.script().contains(PLACEHOLDER));
            let out = shell.init("/opt/it's here/awsmfa");
            assert!(!out.contains(PLACEHOLDER));
            let quoted = match shell.name() {
                "fish" => r"'/opt/it\'s here/awsmfa'",
                _ => r"'/opt/it'\''s here/awsmfa'",
            };
            assert_eq!(
                out.matches(quoted).count(),
                shell.script().matches(PLACEHOLDER).count()
            );
        }
    }

    #[test]
    fn hook_lines_per_shell() {
        let json = r#"{"v":1}"#;
        for shell in [&Bash as &dyn Hook, &Zsh] {
            assert_eq!(shell.state(json), "__awsmfa_state='{\"v\":1}'\n");
            assert_eq!(
                shell.deadline(Some(30), Some(("/p/.awsmfa.toml", "/a"))),
                "__awsmfa_deadline=$((SECONDS + 30))\n"
            );
            assert_eq!(shell.deadline(None, None), "__awsmfa_deadline=\n");
        }
        assert_eq!(Fish.state(json), "set -gu __awsmfa_state '{\"v\":1}'\n");
        assert_eq!(
            Fish.deadline(Some(30), None),
            "__awsmfa_tick\nset -gu __awsmfa_deadline (math $__awsmfa_now + 30)\n"
        );
        assert_eq!(Fish.deadline(None, None), "set -gu __awsmfa_deadline ''\n");
        assert_eq!(
            Bash.apply("awsmfa init bash"),
            "eval \"$(awsmfa init bash)\""
        );
        assert_eq!(Fish.apply("awsmfa init fish"), "awsmfa init fish | source");
    }
}
