//! bash: POSIX quoting ([`super::posix`]) and the prompt hook in
//! `bash.bash`, run from PROMPT_COMMAND.

use super::{Hook, Posix, Shell, posix};
use crate::error::Result;
use crate::vars::Changes;

pub struct Bash;

impl Shell for Bash {
    fn export(&self, changes: &Changes) -> Result<String> {
        Posix.export(changes)
    }
}

impl Hook for Bash {
    fn name(&self) -> &'static str {
        "bash"
    }
    fn script(&self) -> &'static str {
        include_str!("bash.bash")
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
