//! `awsmfa env`: the credentials as statements for `eval` (or a `.env` file,
//! or credential_process JSON), in the format `--shell` names.
//!
//! This file owns only the command: `--unset`, the refusal to print to a
//! terminal and the fetch; every format is the shell's ([`crate::shell`]).

use super::{print, request, Context};
use crate::cli::{EnvArgs, Format};
use crate::error::{Error, Result};
use crate::obtain::obtain;
use crate::shell;
use crate::vars::Changes;
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: EnvArgs) -> Result<ExitCode> {
    let shell = shell::for_format(args.shell);
    if args.unset {
        if !shell.removes() {
            return Err(Error::Usage(format!(
                "--unset needs a shell format; {:?} output has no way to remove a variable",
                args.shell
            )));
        }
        return print(&shell.export(&Changes::remove_all())?);
    }
    // Checked before any prompt or network call: secrets printed to a
    // terminal end up in scrollback, recordings and screen shares.
    if !args.force && std::io::stdout().is_terminal() {
        let mut hint = String::new();
        if let Some(p) = &args.profile {
            hint = format!(" {}", shell_words::quote(p));
        }
        if args.shell != Format::Sh {
            hint.push_str(&format!(" --shell {:?}", args.shell).to_lowercase());
        }
        return Err(Error::StdoutIsTerminal { args: hint });
    }
    let obtained = obtain(&request(args.profile, args.fetch), &*ctx.store()?)?;
    print(&shell.export(&Changes::export(&obtained))?)
}
