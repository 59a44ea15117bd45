//! `awsmfa env`: the credentials as statements for `eval` (or a `.env` file,
//! or credential_process JSON), in the format `--shell` names, else the
//! running shell's.
//!
//! This file owns only the command: `--unset` and the record it restores
//! from ([`Saved`]), the refusal to print to a terminal and the fetch;
//! every format is the shell's ([`crate::shell`]).

use super::{Context, print, request};
use crate::cli::{EnvArgs, Format};
use crate::error::{Error, Result};
use crate::obtain::obtain_in;
use crate::reach::Env;
use crate::shell::{self, running};
use crate::vars::{Changes, SAVED, Saved};
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn run(ctx: &Context, args: EnvArgs) -> Result<ExitCode> {
    let format = args.shell.unwrap_or_else(running::running);
    let shell = shell::for_format(format);
    // Decided before anything is printed (or asked for): a broken
    // config.toml fails the command before the statements, never after
    // them, when the shell function would throw them away.
    let announce = args.announce && !crate::config::quiet()?;
    if args.unset {
        if !shell.removes() {
            return Err(Error::Usage(format!(
                "--unset needs a shell format; {format:?} output has no way to remove a variable"
            )));
        }
        let saved = var(SAVED).as_deref().and_then(Saved::parse);
        let code = print(&shell.export(&Saved::restore(saved.as_ref()))?)?;
        if let Some(profile) = var("AWSMFA_PROFILE").filter(|_| announce) {
            crate::term::note(format_args!("awsmfa: removed the credentials of {profile}"));
        }
        return Ok(code);
    }
    // Checked before any prompt or network call: secrets printed to a
    // terminal end up in scrollback, recordings and screen shares.
    if !args.force && std::io::stdout().is_terminal() {
        return Err(Error::StdoutIsTerminal {
            run: instead(format, &args),
        });
    }
    // As set, empty included: --unset puts back exactly that.
    let mut saved = Saved::before(|name| std::env::var(name).ok());
    let own_keys = var("AWSMFA_PROFILE").is_none() && var("AWS_ACCESS_KEY_ID").is_some();
    let profile = match args.profile {
        None if args.announce => asked_profile()?,
        named => named,
    };
    let obtained = {
        let env = own_env(&saved);
        obtain_in(&request(profile, args.fetch), &*ctx.store()?, &env)?
    };
    let mut changes = Changes::export(&obtained);
    if shell.removes() {
        saved.leaving(&changes, |name| std::env::var(name).ok());
        changes.set.push((SAVED, saved.to_json()));
        if own_keys {
            crate::term::note(format_args!(
                "awsmfa: note: this replaces the shell's own AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `awsmfa env --unset` will not bring them back (awsmfa keeps no copy of a secret in the environment)"
            ));
        }
    }
    let code = print(&shell.export(&changes)?)?;
    // After the statements are out: the line says what the shell now has.
    if announce {
        let now = std::time::SystemTime::now();
        crate::term::note(format_args!(
            "awsmfa: exported {}",
            obtained.about(None, now)
        ));
    }
    Ok(code)
}

/// A bare `awsmfa use` typed by a person: which profile, asked at the
/// terminal. In a script, or with `AWS_PROFILE`/`AWS_DEFAULT_PROFILE` set,
/// the AWS CLI's choice stands (None).
fn asked_profile() -> Result<Option<String>> {
    if crate::profile::from_env().is_some()
        || !std::io::stdin().is_terminal()
        || !crate::term::stderr_is_terminal()
    {
        return Ok(None);
    }
    let profiles = crate::profile::Profiles::load()?;
    let names: Vec<&str> = profiles.names().collect();
    if names.len() < 2 {
        return Ok(None);
    }
    let title = "Which profile? (`awsmfa use PROFILE` skips this question)";
    match crate::term::pick_one(title, &names, "its name") {
        Ok(Some(name)) => Ok(Some(name)),
        Ok(None) => Err(Error::Usage(
            "no profile was chosen; name one: `awsmfa use PROFILE` (`awsmfa list` shows them)"
                .into(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Error::Interrupted),
        Err(e) => Err(Error::io("asking on the terminal", e)),
    }
}

/// The environment to resolve region and endpoint in: the shell's own
/// values, not what an earlier `env` exported for another profile.
pub(super) fn own_env(saved: &Saved) -> Env<'_> {
    Env::from_fn(|name| saved.get(name).unwrap_or_else(|| std::env::var(name).ok()))
}

/// What to run instead of printing to a terminal: in a shell with a prompt
/// hook, `awsmfa use` (the shell function, which keeps awsmfa's exit status);
/// elsewhere the statement that applies `awsmfa env`.
fn instead(format: Format, args: &EnvArgs) -> String {
    match (format, &args.shell) {
        (Format::Bash | Format::Zsh | Format::Fish, None) => {
            let profile = args.profile.as_deref().map(shell_words::quote);
            format!(
                "awsmfa use{}",
                profile.map(|p| format!(" {p}")).unwrap_or_default()
            )
        }
        _ => running::apply(format, &hint(args)),
    }
}

/// The `awsmfa env …` the user ran, for the hint: profile and `--shell`.
fn hint(args: &EnvArgs) -> String {
    let mut line = "awsmfa env".to_string();
    if let Some(p) = &args.profile {
        line.push(' ');
        line.push_str(&shell_words::quote(p));
    }
    if let Some(format) = args.shell {
        let name = format!("{format:?}").to_lowercase();
        line.push_str(&format!(" --shell {name}"));
    }
    line
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_name_as_clap_does() {
        use clap::ValueEnum;
        for f in crate::cli::Format::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(format!("{f:?}").to_lowercase(), name);
        }
    }
}
