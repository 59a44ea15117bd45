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
