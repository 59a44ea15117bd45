//! `.env` files as python-dotenv and docker compose read them: single quotes
//! mean "no interpolation"; `\'` and `\\` are the only escapes. (`docker run
//! --env-file` does no unquoting at all; AWS values never need quoting.) A
//! .env file is read into a fresh environment, so there is nothing to unset.

use super::Shell;

pub struct Dotenv;

impl Shell for Dotenv {
    fn set(&self, name: &str, value: &str) -> String {
        format!("{name}={}", super::fish::quote(value))
    }
    fn unset(&self, _name: &str) -> Option<String> {
        None
    }
}
