//! fish: inside single quotes `\'` and `\\` are escapes (unlike POSIX), and
//! everything else, newlines included, is literal.

use super::Shell;

pub struct Fish;

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

impl Shell for Fish {
    fn set(&self, name: &str, value: &str) -> String {
        format!("set -gx {name} {}", quote(value))
    }
    fn unset(&self, name: &str) -> Option<String> {
        // `set -e` of an unset variable fails (status 4); `if` keeps the
        // status of a sourced block clean.
        Some(format!("if set -q {name}; set -e -g {name}; end"))
    }
}
