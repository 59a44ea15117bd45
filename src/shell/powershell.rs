//! PowerShell: in a verbatim (single-quoted) string a quote is doubled, and
//! PowerShell also treats the typographic quotes U+2018..U+201B as quotes.

use super::{Shell, Statements};
use crate::error::Result;
use crate::vars::Changes;

pub struct PowerShell;

fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

impl Statements for PowerShell {
    fn set(&self, name: &str, value: &str) -> String {
        format!("$Env:{name} = {}", quote(value))
    }
    fn unset(&self, name: &str) -> Option<String> {
        Some(format!(
            "Remove-Item -ErrorAction SilentlyContinue Env:{name}"
        ))
    }
}

impl Shell for PowerShell {
    fn export(&self, changes: &Changes) -> Result<String> {
        super::render(self, changes)
    }
}
