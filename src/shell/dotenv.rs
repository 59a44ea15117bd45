//! `.env` files, read three common ways: `set -a; . ./.env` in sh/bash/dash,
//! python-dotenv, and docker compose's `env_file` (compose-go). Their rules
//! differ, so a value is written only in a form all three read as exactly
//! its bytes, and refused otherwise:
//!
//! - single quotes, when the value holds no `'`, no `\` (python-dotenv reads
//!   `\'` and `\\` as escapes inside single quotes; sh and compose do not) and
//!   no `${` (python-dotenv expands `${VAR}` even inside single quotes);
//! - else double quotes, when it holds none of `"` `\` `$` `` ` `` (sh expands
//!   the last three inside double quotes, compose and python-dotenv the first
//!   two);
//! - never a carriage return: python-dotenv reads files in text mode and
//!   compose-go replaces CRLF, so it would come back as a newline.
//!
//! AWS credentials (base64 and key ids) always take the first form.
//! (`docker run --env-file` does no unquoting at all.) A .env file is read
//! into a fresh environment, so there is nothing to unset.

use super::{Shell, Statements};
use crate::error::Result;
use crate::vars::Changes;

pub struct Dotenv;

fn single_quotable(value: &str) -> bool {
    !value.contains(['\'', '\\']) && !value.contains("${")
}

fn double_quotable(value: &str) -> bool {
    !value.contains(['"', '\\', '$', '`'])
}

impl Statements for Dotenv {
    fn set(&self, name: &str, value: &str) -> String {
        assert!(
            self.refuse(value).is_none(),
            "render refuses {name}'s value"
        );
        if single_quotable(value) {
            format!("{name}='{value}'")
        } else {
            format!("{name}=\"{value}\"")
        }
    }
    fn unset(&self, _name: &str) -> Option<String> {
        None
    }
    fn refuse(&self, value: &str) -> Option<&'static str> {
        if value.contains('\r') {
            return Some(
                "it holds a carriage return, which python-dotenv and docker compose read back as a newline",
            );
        }
        if single_quotable(value) || double_quotable(value) {
            return None;
        }
        Some(
            "it holds a single quote, a backslash or `${` together with a double quote, a backslash, `$` or a backtick, and no quoting reads back the same in sh, python-dotenv and docker compose",
        )
    }
}

impl Shell for Dotenv {
    fn export(&self, changes: &Changes) -> Result<String> {
        super::render(self, changes)
    }
    fn removes(&self) -> bool {
        false
    }
}
