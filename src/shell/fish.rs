//! fish: inside single quotes `\'` and `\\` are escapes (unlike POSIX), and
//! everything else, newlines included, is literal. The prompt hook is
//! `fish.fish`, run on `--on-variable PWD`, `--on-event fish_prompt` and
//! `fish_preexec`; fish has no `$SECONDS`, so its deadline is on the clock
//! the hook's `__awsmfa_tick` reads with builtins.

use super::{Hook, Shell, Statements};
use crate::error::Result;
use crate::vars::Changes;

pub struct Fish;

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

impl Statements for Fish {
    fn set(&self, name: &str, value: &str) -> String {
        format!("set -gx {name} {}", quote(value))
    }
    fn unset(&self, name: &str) -> Option<String> {
        // `set -e` of an unset variable fails (status 4); `if` keeps the
        // status of a sourced block clean.
        Some(format!("if set -q {name}; set -e -g {name}; end"))
    }
}

impl Shell for Fish {
    fn export(&self, changes: &Changes) -> Result<String> {
        super::render(self, changes)
    }
}

impl Hook for Fish {
    fn name(&self) -> &'static str {
        "fish"
    }
    fn script(&self) -> &'static str {
        include_str!("fish.fish")
    }
    fn quote(&self, word: &str) -> String {
        quote(word)
    }
    fn apply(&self, command: &str) -> String {
        format!("{command} | source")
    }
    fn state(&self, json: &str) -> String {
        format!("set -gu __awsmfa_state {}\n", quote(json))
    }
    fn deadline(&self, secs: Option<u64>) -> String {
        match secs {
            Some(secs) => {
                format!("__awsmfa_tick\nset -gu __awsmfa_deadline (math $__awsmfa_now + {secs})\n")
            }
            None => "set -gu __awsmfa_deadline ''\n".to_string(),
        }
    }
}
