//! bash, zsh and any POSIX sh: single quotes take every byte literally except
//! `'` itself, which is closed, escaped and reopened.

use super::Shell;

pub struct Posix;

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

impl Shell for Posix {
    fn set(&self, name: &str, value: &str) -> String {
        format!("export {name}={}", quote(value))
    }
    fn unset(&self, name: &str) -> Option<String> {
        Some(format!("unset {name}"))
    }
}
