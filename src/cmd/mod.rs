//! One file per subcommand.

mod env;
mod exec;
mod process;

use crate::cli::{Cli, Command, FetchArgs};
use crate::error::{Error, Result};
use crate::obtain::Request;
use std::io::Write;
use std::process::ExitCode;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Env(args) => env::run(args),
        Command::Exec(args) => exec::run(args),
        Command::Process(args) => process::run(args),
    }
}

fn request(profile: Option<String>, fetch: FetchArgs) -> Request {
    Request {
        profile: profile.unwrap_or_else(crate::profile::default_name),
        token_code: fetch.token_code,
        duration: fetch.duration,
        region: fetch.region,
    }
}

/// Write what the caller evals, in one piece, only once everything worked.
/// A closed pipe (`awsmfa env | head -1`) is not an error.
fn print(text: &str) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("writing to stdout", e)),
    }
}
