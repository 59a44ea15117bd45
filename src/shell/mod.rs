//! Output for each shell behind one small interface. Each implementation owns
//! its quoting: whatever bytes a value holds, `eval` of the output sets
//! exactly that value and runs nothing.

mod dotenv;
pub mod fish;
pub mod posix;
mod powershell;

pub use dotenv::Dotenv;
pub use fish::Fish;
pub use posix::Posix;
pub use powershell::PowerShell;

use crate::cli::Format;
use crate::error::{Error, Result};
use crate::vars::Changes;

pub trait Shell {
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

/// The shell for an output format; `None` for JSON, which is not a shell.
pub fn for_format(format: Format) -> Option<&'static dyn Shell> {
    match format {
        Format::Sh | Format::Bash | Format::Zsh => Some(&Posix),
        Format::Fish => Some(&Fish),
        Format::Powershell => Some(&PowerShell),
        Format::Dotenv => Some(&Dotenv),
        Format::Json => None,
    }
}

/// All statements for `changes`, one per line. A value no environment
/// variable can hold (NUL), or that the format cannot carry unchanged, is
/// refused rather than silently altered. The message names the variable and
/// the reason, never the value (it may be a secret).
pub fn render(shell: &dyn Shell, changes: &Changes) -> Result<String> {
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
    }
}
