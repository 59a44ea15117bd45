//! The command line, and nothing else: completions and the man page are
//! generated from these types without touching the AWS SDK.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;

const AFTER_HELP: &str = "\
Examples:
  eval \"$(awsmfa env my-role)\"        credentials for my-role in this shell
  awsmfa exec my-role -- terraform plan
  credential_process = awsmfa process my-role   (in ~/.aws/config)

Exit codes: 0 ok, 1 other failure, 2 usage, 3 configuration, 4 MFA code,
5 rejected by AWS, 6 STS unreachable, 7 refused to print secrets to a terminal.";

#[derive(Debug, Parser)]
#[command(
    name = "awsmfa",
    version,
    about = "One MFA prompt, then temporary AWS credentials for any role, in your shell",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print shell statements exporting temporary credentials for a profile
    #[command(after_help = "Example:\n  eval \"$(awsmfa env my-role)\"\n  awsmfa env my-role --shell fish | source")]
    Env(EnvArgs),
    /// Run a command with temporary credentials for a profile in its environment
    #[command(after_help = "Example:\n  awsmfa exec my-role -- aws s3 ls")]
    Exec(ExecArgs),
    /// Print credentials as credential_process JSON, for ~/.aws/config
    #[command(
        after_help = "Example (in ~/.aws/config):\n  [profile my-role-mfa]\n  credential_process = awsmfa process my-role"
    )]
    Process(ProcessArgs),
}

/// Options shared by every command that fetches credentials.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// Current MFA code (6 digits), or `-` to read it from stdin; default: the
    /// profile's mfa_process, else a prompt on the terminal
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,
    /// Lifetime of the credentials: seconds or e.g. 15m, 1h, 12h
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<u64>,
    /// AWS region for STS and for AWS_REGION (default: the profile's region)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Profile in ~/.aws/config (default: $AWS_PROFILE, then `default`)
    pub profile: Option<String>,
    /// Output format
    #[arg(long, short, value_enum, default_value_t = Format::Sh)]
    pub shell: Format,
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Print statements that remove every variable awsmfa sets
    #[arg(long, conflicts_with_all = ["token_code", "duration"])]
    pub unset: bool,
    /// Print secrets even when stdout is a terminal
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Profile in ~/.aws/config
    pub profile: String,
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// The command and its arguments
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// Profile in ~/.aws/config
    pub profile: String,
    #[command(flatten)]
    pub fetch: FetchArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// POSIX `export NAME='value'` (bash, zsh, dash, ksh)
    Sh,
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    /// NAME='value' lines for .env files
    Dotenv,
    /// credential_process JSON (Version 1)
    Json,
}

pub fn parse_duration(raw: &str) -> Result<u64, String> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Ok(secs);
    }
    humantime::parse_duration(raw)
        .map(|d| d.as_secs())
        .map_err(|e| format!("{e} (try 3600, 90m or 12h)"))
}
