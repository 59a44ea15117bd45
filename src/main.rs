//! The binary: parse the command line, run it, print an error once (through
//! [`awsmfa::term`]) and turn it into the exit code [`awsmfa::error`] maps.
#![forbid(unsafe_code)]

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A TAB in the shell runs awsmfa to complete; answer that and exit.
    awsmfa::cmd::completions::complete_if_asked();
    let cli = match awsmfa::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage(err),
    };
    match awsmfa::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            awsmfa::term::error(&err);
            ExitCode::from(err.exit_code())
        }
    }
}

/// clap's help and usage errors. Help and version are ours, printed as
/// clap prints them (styled at a terminal); an error quotes argv, which may
/// hold escape sequences, so it is printed plain and cleaned line by line.
fn usage(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let err = suggest(err);
    let code = ExitCode::from(err.exit_code().clamp(0, 255) as u8);
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
        }
        _ => awsmfa::term::note_lines(&err.render().to_string()),
    }
    code
}

/// An unknown subcommand's suggestion, by edit distance (OSA, as for profile names) over
/// the visible subcommands (a swap or a missing letter is one edit), in place
/// of clap's; clap's stays when none is that close, or for a nested one.
fn suggest(mut err: clap::Error) -> clap::Error {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::InvalidSubcommand {
        return err;
    }
    let Some(ContextValue::String(typed)) = err.get(ContextKind::InvalidSubcommand) else {
        return err;
    };
    let typed = typed.clone();
    let top_level = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .is_some_and(|a| a == typed);
    let limit = (typed.chars().count() / 3).max(1);
    let command = awsmfa::cli::Cli::command();
    let best = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| (strsim::osa_distance(&typed, c.get_name()), c.get_name()))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d);
    if let (true, Some((_, name))) = (top_level, best) {
        err.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::Strings(vec![name.to_string()]),
        );
    }
    err
}
