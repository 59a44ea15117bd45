//! zsh: POSIX quoting ([`super::posix`]) and the prompt hook in
//! `zsh.zsh`, run from the precmd and chpwd hooks.

use super::{Hook, Posix, Shell, posix};
use crate::error::Result;
use crate::vars::Changes;

pub struct Zsh;

impl Shell for Zsh {
    fn export(&self, changes: &Changes) -> Result<String> {
        Posix.export(changes)
    }
}

impl Hook for Zsh {
    fn name(&self) -> &'static str {
        "zsh"
    }
    fn script(&self) -> &'static str {
        include_str!("zsh.zsh")
    }
    fn quote(&self, word: &str) -> String {
        posix::quote(word)
    }
    fn apply(&self, command: &str) -> String {
        posix::apply(command)
    }
    fn state(&self, json: &str) -> String {
        posix::state(json)
    }
    fn deadline(&self, secs: Option<u64>) -> String {
        posix::deadline(secs)
    }
}
