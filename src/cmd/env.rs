//! `awsmfa env`: shell statements for `eval`.

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
        return match (shell, args.shell) {
            (Some(sh), f) if f != Format::Dotenv => {
                print(&shell::render(sh, &Changes::remove_all())?)
            }
            _ => Err(Error::Usage(format!(
                "--unset needs a shell format; {:?} output has no way to remove a variable",
                args.shell
            ))),
        };
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
    let text = match shell {
        Some(sh) => shell::render(sh, &Changes::export(&obtained))?,
        None => super::process::json(&obtained)?,
    };
    print(&text)
}
