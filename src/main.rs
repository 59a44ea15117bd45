use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A TAB in the shell runs awsmfa to complete; answer that and exit.
    awsmfa::cmd::completions::complete_if_asked();
    let cli = awsmfa::cli::Cli::parse();
    match awsmfa::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("awsmfa: error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
