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
/// variable can hold (NUL) is refused rather than silently cut short.
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
        assert_eq!(Dotenv.set("N", v), "N='a\\'b\\\\c$(x)`y`\nz'");
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
