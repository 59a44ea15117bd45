use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = awsmfa::cli::Cli::parse();
    match awsmfa::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("awsmfa: error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
