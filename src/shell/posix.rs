//! POSIX sh syntax, shared by bash and zsh: single quotes take every byte
//! literally except `'` itself, which is closed, escaped and reopened; the
//! hook's state and deadline are plain assignments, the deadline in
//! `$SECONDS` arithmetic (bash 3.2+ and zsh, no module, no process).
//! [`Posix`] is `--shell sh`: any POSIX shell (dash, ksh, bash, zsh).

use super::{Shell, Statements};
use crate::error::Result;
use crate::vars::Changes;

pub struct Posix;

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

impl Statements for Posix {
    fn set(&self, name: &str, value: &str) -> String {
        format!("export {name}={}", quote(value))
    }
    fn unset(&self, name: &str) -> Option<String> {
        Some(format!("unset {name}"))
    }
}

impl Shell for Posix {
    fn export(&self, changes: &Changes) -> Result<String> {
        super::render(self, changes)
    }
}

/// `eval "$(command)"`.
pub(super) fn apply(command: &str) -> String {
    format!("eval \"$({command})\"")
}

/// `NAME='…'`: one of the hook's own variables (the state, the watched file).
pub(super) fn keep(name: &str, value: &str) -> String {
    format!("{name}={}\n", quote(value))
}

/// `__awsmfa_deadline=$((SECONDS + secs))`, or empty: no deadline.
pub(super) fn deadline(secs: Option<u64>) -> String {
    match secs {
        Some(secs) => format!("__awsmfa_deadline=$((SECONDS + {secs}))\n"),
        None => "__awsmfa_deadline=\n".to_string(),
    }
}

/// A POSIX shell with a prompt hook of its own (bash, zsh): its type is
/// POSIX syntax plus a name and a script, so each such shell's file says
/// only those.
macro_rules! posix_hook {
    ($ty:ident, $name:literal, $script:literal) => {
        pub struct $ty;

        impl $crate::shell::Shell for $ty {
            fn export(&self, changes: &$crate::vars::Changes) -> $crate::error::Result<String> {
                $crate::shell::Shell::export(&$crate::shell::Posix, changes)
            }
        }

        impl $crate::shell::Hook for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn script(&self) -> &'static str {
                include_str!($script)
            }
            fn quote(&self, word: &str) -> String {
                $crate::shell::posix::quote(word)
            }
            fn apply(&self, command: &str) -> String {
                $crate::shell::posix::apply(command)
            }
            fn keep(&self, name: &str, value: &str) -> String {
                $crate::shell::posix::keep(name, value)
            }
            fn deadline(&self, secs: Option<u64>, _watched: Option<(&str, &str)>) -> String {
                $crate::shell::posix::deadline(secs)
            }
        }
    };
}
pub(crate) use posix_hook;
