//! The command line's clap types, and nothing else: completions and the man
//! page are generated from them. It stands on leaves only: durations parse
//! in [`crate::duration`], profile names come from [`crate::profile::names`].

use crate::duration;
use crate::profile::names;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCandidates;
use std::ffi::OsString;

const AFTER_HELP: &str = "\
Start here:
  awsmfa setup me                finds the MFA device of `me` (the profile with your keys)
  eval \"$(awsmfa init bash)\"     at the end of ~/.bashrc (zsh, fish: awsmfa init --help)
  awsmfa use my-role             one MFA code, then any role in this shell without one

Examples:
  awsmfa list                    every profile, its MFA device, what is cached
  awsmfa exec my-role -- terraform plan
  credential_process = awsmfa process my-role   (in ~/.aws/config)

Exit codes: 0 ok, 1 other failure, 2 usage, 3 configuration, 4 MFA code,
5 rejected by AWS, 6 STS unreachable, 7 refused to print secrets to a terminal,
8 doctor found warnings, 9 doctor found failures, 10 status: the credentials
have expired, 126 exec: the command cannot be run, 127 exec: no such command.";

#[derive(Debug, Parser)]
#[command(
    name = "awsmfa",
    // With the commit (build.rs): a bug report names the exact build.
    version = env!("AWSMFA_VERSION"),
    about = "One MFA prompt, then temporary AWS credentials for any role, in your shell",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// `awsmfa --no-cache COMMAND`, as before the flag moved to the commands
    /// it acts on ([`CacheArgs`]); hidden so help lists it only there.
    #[arg(long, hide = true)]
    pub no_cache: bool,
}

/// For the commands that read or write the session cache.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Neither read nor write the encrypted session cache for this call
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print shell statements exporting temporary credentials for a profile
    ///
    /// Exports AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    /// AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION (when a
    /// region is known) and AWSMFA_PROFILE, and unsets AWS_PROFILE and
    /// AWS_DEFAULT_PROFILE. Every value is quoted for the chosen shell. The MFA
    /// code is asked for only when no cached MFA session can serve the
    /// profile. When stdout is a terminal nothing is printed (exit 7) unless
    /// --force is given; on any failure stdout is empty, so eval does nothing.
    /// The values it replaces are kept in AWSMFA_SAVED (never a secret), and
    /// --unset puts them back (or, where you set one since, yours).
    #[command(
        after_help = "Examples:\n  eval \"$(awsmfa env my-role)\"         bash, zsh\n  awsmfa env my-role | source          fish\n  out=$(awsmfa env my-role) && eval \"$out\"   in scripts: stops on failure\n  eval \"$(awsmfa env --unset)\""
    )]
    Env(EnvArgs),
    /// Run a command with temporary credentials for a profile in its environment
    ///
    /// The command gets the same variables as `awsmfa env` and its exit
    /// status is awsmfa's (127: no such command, 126: it cannot be run).
    /// With no command, $SHELL starts (AWSMFA_EXEC names the profile in it;
    /// a second shell inside it is refused). With --server it gets no keys at all: awsmfa serves
    /// the role's credentials on a loopback endpoint
    /// (AWS_CONTAINER_CREDENTIALS_FULL_URI with a random token) and renews them
    /// from the MFA session for as long as that lives, so jobs longer than the
    /// one-hour role limit keep working.
    #[command(
        after_help = "Examples:\n  awsmfa exec my-role aws s3 ls\n  awsmfa exec my-role                 # a shell; exit it to drop the credentials\n  awsmfa exec --server my-role -- terraform apply\n  awsmfa login my-user --duration 36h   # first: --server then runs up to 36h without a prompt"
    )]
    Exec(ExecArgs),
    /// Print credentials as credential_process JSON, for ~/.aws/config
    ///
    /// Version 1 of the credential_process protocol, read by every AWS SDK and
    /// the AWS CLI. Meant for an SDK's pipe: when stdout is a terminal nothing
    /// is printed (exit 7) unless --force is given. Cached credentials are
    /// handed out only with more than 16 minutes left (or half their life,
    /// if shorter): boto3 and the AWS CLI refresh 15 minutes before expiry,
    /// so closer to it they are renewed rather than handed out again.
    #[command(
        after_help = "Example (in ~/.aws/config):\n  [profile my-role-mfa]\n  credential_process = awsmfa process my-role"
    )]
    Process(ProcessArgs),
    /// Print the prompt hook for a shell, to eval from its rc file
    ///
    /// The hook exports the credentials of the profile named by the nearest
    /// trusted .awsmfa.toml (see awsmfa-project(5)) on entering its directory
    /// tree, removes them on leaving, and refreshes them within refresh_window
    /// of their expiry. It names this binary by its absolute path.
    #[command(
        after_help = "Examples:\n  eval \"$(awsmfa init bash)\"      # end of ~/.bashrc\n  eval \"$(awsmfa init zsh)\"       # end of ~/.zshrc\n  awsmfa init fish | source        # end of ~/.config/fish/config.fish"
    )]
    Init(ShellArgs),
    /// Apply a profile's credentials to this shell (a function from `awsmfa init`)
    ///
    /// `awsmfa use PROFILE` applies what `awsmfa env PROFILE` prints, in the
    /// running shell's own syntax, and returns awsmfa's exit status, so that
    /// `awsmfa use prod && terraform apply` stops when it failed; `awsmfa use
    /// --unset` removes them. Other arguments are env's. A program cannot
    /// change its shell's environment: this is a shell function that `awsmfa
    /// init` defines, and the binary only says how to load it.
    #[command(after_help = "Examples:\n  awsmfa use prod && terraform plan\n  awsmfa use --unset")]
    Use(UseArgs),
    /// Look again for this directory's credentials (a function from `awsmfa init`)
    ///
    /// After a failure or a Ctrl-C at the prompt hook's MFA prompt, the hook
    /// waits for the next cd; `awsmfa reload` tries again now.
    #[command(after_help = "Example:\n  awsmfa reload")]
    Reload,
    /// Run by the prompt hook: print the statements for the current directory
    #[command(hide = true)]
    Hook(ShellArgs),
    /// Left behind by the fish prompt hook: signal the shell at its refresh
    /// deadline, or when its project file changes
    #[command(hide = true, name = "hook-timer")]
    HookTimer(HookTimerArgs),
    /// Trust the .awsmfa.toml of a directory (default: the nearest one)
    ///
    /// A project file is inert until trusted. The trust is tied to the file's
    /// path and content: editing the file revokes it. A file naming a profile
    /// that is not in the AWS config is refused (exit 3), with the nearest
    /// names.
    #[command(after_help = "Example:\n  cd ~/src/infra && awsmfa allow")]
    Allow(TrustArgs),
    /// Revoke trust in the .awsmfa.toml of a directory
    ///
    /// The prompt hook stops exporting that project's credentials at the next
    /// prompt.
    #[command(after_help = "Example:\n  awsmfa deny ~/src/infra")]
    Deny(TrustArgs),
    /// Show the active profile, identity and time left
    ///
    /// The profile this shell has (AWSMFA_PROFILE) and its .awsmfa.toml, the
    /// identity ARN from sts:GetCallerIdentity (not with --offline), and how
    /// long the role credentials and the MFA session have left.
    #[command(
        after_help = "Example:\n  awsmfa status\n\nExit status: 0 ok (or no credentials), 10 the credentials this shell exports have expired."
    )]
    Status(StatusArgs),
    /// Start (or refresh) the MFA session for a profile, and nothing else
    ///
    /// Asks for the MFA code and keeps the session in the encrypted cache,
    /// printing nothing on stdout; later commands for any role built on that
    /// user need no code until it expires (--duration, up to 36h). While a
    /// cached session is valid it says how long, and keeps it (--force: ask
    /// for a new one), unless it has less left than --duration asks for.
    #[command(
        after_help = "Examples:\n  awsmfa login my-user\n  awsmfa login my-user --duration 36h --force"
    )]
    Login(LoginArgs),
    /// Open the AWS console in a browser as a role, from the MFA session
    ///
    /// Turns the role's credentials into a console sign-in URL at AWS's
    /// federation endpoint (no second MFA code while the MFA session lives)
    /// and opens it with the `browser` command of config.toml, else
    /// $BROWSER, else the platform's opener; it says until when the console
    /// session lasts. With no profile: this shell's (AWSMFA_PROFILE), else
    /// $AWS_PROFILE, then `default`. A role assumed from an MFA session is
    /// capped at 1h, and so is its console session; --duration longer than
    /// 1h assumes the role directly from the access key with a new MFA code,
    /// which AWS lets last up to the role's maximum. The URL is a credential
    /// for 15 minutes: it is never written to stderr, only to stdout with
    /// --print. An IAM user's own profile is refused: its console session
    /// would lose the MFA context.
    #[command(after_help = "Examples:
  awsmfa console prod
  awsmfa console prod --region eu-west-1 -d s3
  awsmfa console prod --duration 8h       # a new MFA code, up to the role's maximum
  awsmfa console prod --print | wl-copy   # the URL, for another browser
  awsmfa console prod --sign-out          # end the browser's other console session first")]
    Console(ConsoleArgs),
    /// Forget every cached session and the cache key
    ///
    /// The next command asks for an MFA code again. Run through the shell
    /// function that `awsmfa init` defines, it also removes this shell's
    /// credentials at once and says so (so does `awsmfa cache clear`, of
    /// everything or of this shell's profile); other open shells drop theirs
    /// at their next refresh or cd.
    #[command(after_help = "Example:\n  awsmfa logout")]
    Logout,
    /// List every profile: what it is, its MFA device, what is cached
    ///
    /// One line per profile of ~/.aws/config and ~/.aws/credentials: an IAM
    /// user and where its key lives (the AWS files or awsmfa's key store), a
    /// role and the profile it starts from, or another source (SSO,
    /// credential_process); the MFA device found along its chain; and the
    /// cached MFA session and role credentials with the time they have left.
    /// Reads no secret and asks for nothing.
    #[command(after_help = "Example:\n  awsmfa list")]
    List,
    /// Inspect or clear the encrypted session cache
    ///
    /// The cache lives in $XDG_CACHE_HOME/awsmfa; its key in the operating
    /// system's key store, else in $XDG_RUNTIME_DIR (see key_store in
    /// awsmfa-config(5)).
    #[command(
        subcommand,
        after_help = "Examples:\n  awsmfa cache list\n  awsmfa cache clear my-role"
    )]
    Cache(CacheCommand),
    /// Find your MFA device and write its mfa_serial into ~/.aws/config
    ///
    /// Asks STS whose keys the profile holds, lists that IAM user's MFA devices
    /// (FIDO security keys are skipped: they cannot sign API calls), asks which
    /// one when there are several, and writes mfa_serial in place, keeping
    /// every other byte and the file's mode. Running it twice changes nothing.
    #[command(
        after_help = "Examples:\n  awsmfa setup my-user\n  awsmfa setup my-user --serial arn:aws:iam::123456789012:mfa/my-phone"
    )]
    Setup(SetupArgs),
    /// Replace the IAM user's access key with a new one, safely
    ///
    /// Refuses unless the user has exactly one access key. Creates the new
    /// key, writes it into ~/.aws/credentials first, proves AWS accepts it
    /// (retrying for --wait), and only then deactivates and deletes the old
    /// one. If a step fails, the message says which key is active, which one
    /// is on disk, and what to run to finish.
    #[command(
        after_help = "Examples:\n  awsmfa rotate my-user\n  awsmfa rotate my-user --token-code 123456"
    )]
    Rotate(RotateArgs),
    /// Keep long-term access keys in a vault instead of ~/.aws/credentials
    ///
    /// import moves a profile's key into the Secret Service (Linux desktop),
    /// the macOS Keychain or the Windows Credential Manager, else an encrypted
    /// file (Argon2id from a passphrase, asked at the terminal or taken from
    /// AWSMFA_VAULT_PASSPHRASE), and writes `credential_process = awsmfa
    /// process PROFILE` in its place for the AWS CLI and SDKs. Every command
    /// then reads the key from there. keyutils is never used: it is gone at
    /// reboot.
    #[command(
        subcommand,
        after_help = "Examples:\n  awsmfa keys import my-user\n  awsmfa keys list\n  awsmfa keys export my-user"
    )]
    Keys(KeysCommand),
    /// Print a shell completion script
    ///
    /// The scripts complete profile names from the current AWS config by
    /// calling awsmfa at each TAB. The Debian package installs them for bash,
    /// zsh and fish already.
    #[command(
        after_help = "Examples:\n  awsmfa completions bash > ~/.local/share/bash-completion/completions/awsmfa\n  source <(awsmfa completions zsh)      # in ~/.zshrc, after compinit\n  awsmfa completions fish > ~/.config/fish/completions/awsmfa.fish"
    )]
    Completions(CompletionsArgs),
    /// Check the setup and say how to fix what is wrong
    ///
    /// The hook in the shell's rc file, mfa_serial, file modes of the AWS files
    /// and of the cache, the key store, trust of the .awsmfa.toml here and,
    /// unless --offline, the clock against STS and whether the keys work.
    #[command(
        after_help = "Examples:\n  awsmfa doctor\n  awsmfa doctor my-role --offline\n\nExit status: 0 nothing needs attention, 8 warnings only, 9 at least one failure."
    )]
    Doctor(DoctorArgs),
}

/// Options shared by every command that fetches credentials.
#[derive(Debug, Clone, Args)]
pub struct FetchArgs {
    /// Current MFA code (6 digits), or `-` to read it from stdin; default: the
    /// profile's mfa_process, else a prompt on the terminal
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,
    /// Lifetime of the credentials: seconds or e.g. 15m, 1h, 12h; cached ones
    /// are handed out only with that long left, give or take 5 minutes
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    pub duration: Option<u64>,
    #[arg(long, value_name = "REGION", help = REGION_HELP)]
    pub region: Option<String>,
}

/// The order `crate::reach::region` follows.
const REGION_HELP: &str = "AWS region for STS and for AWS_REGION (default: $AWS_REGION, then $AWS_DEFAULT_REGION, then the profile's region; STS in us-east-1 when none is set)";

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Profile in ~/.aws/config (default: $AWS_PROFILE, then `default`)
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: Option<String>,
    /// Output format (default: the shell awsmfa runs in, else sh)
    #[arg(long, short, value_enum)]
    pub shell: Option<Format>,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Print statements that remove the variables awsmfa set and restore
    /// the ones it replaced (from AWSMFA_SAVED)
    #[arg(long, conflicts_with_all = ["token_code", "duration"])]
    pub unset: bool,
    /// Print secrets even when stdout is a terminal
    #[arg(long)]
    pub force: bool,
    /// Say on stderr what was exported or removed: the shell function's
    /// `awsmfa use` (`announce = false` or AWSMFA_QUIET turn it off)
    #[arg(long, hide = true)]
    pub announce: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Profile in ~/.aws/config
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: String,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Serve refreshing credentials to the command from a local endpoint
    /// instead of putting keys in its environment (for jobs longer than 1h).
    /// AWSMFA_SERVER_REFRESH=DURATION caps the lifetime it announces for
    /// each credential, so the command's SDK fetches new ones that often
    #[arg(long)]
    pub server: bool,
    /// The command and its arguments (`--` before it is optional); none:
    /// $SHELL
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// Profile in ~/.aws/config
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: String,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Print the credentials JSON even when stdout is a terminal
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct UseArgs {
    /// Profile in ~/.aws/config (default: $AWS_PROFILE, then `default`)
    ///
    /// The shell function hands every argument to `awsmfa env`; they are
    /// spelled out here so that help and TAB show them as for `env`.
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: Option<String>,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Remove the variables awsmfa set and restore the ones it replaced
    #[arg(long, conflicts_with_all = ["token_code", "duration"])]
    pub unset: bool,
}

/// `init` and `hook`: the shell whose hook it is.
#[derive(Debug, Args)]
pub struct ShellArgs {
    pub shell: HookShell,
}

/// The project file to watch, and its allowance, come in the environment
/// (`__AWSMFA_WATCH_FILE`, `__AWSMFA_WATCH_ALLOWANCE`), which only the
/// user can read, not in argv, which `ps` shows every user.
#[derive(Debug, Args)]
pub struct HookTimerArgs {
    /// The fish to signal
    pub shell: i32,
    /// Seconds until the refresh deadline
    pub secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// A directory or a .awsmfa.toml file (default: the nearest one upwards)
    pub path: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Do not call STS to show the identity
    #[arg(long)]
    pub offline: bool,
    /// Read the prompt hook's state (MFA session) from stdin; the shell
    /// function `awsmfa` that `awsmfa init` defines passes it
    #[arg(long, hide = true)]
    pub shell_state: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Profile in ~/.aws/config (default: $AWS_PROFILE, then `default`)
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: Option<String>,
    /// Current MFA code (6 digits), or `-` to read it from stdin; default: the
    /// profile's mfa_process, else a prompt on the terminal
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,
    /// Lifetime of the MFA session (not of any role's credentials): seconds
    /// or e.g. 1h, 12h, 36h; default 12h
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    pub duration: Option<u64>,
    #[arg(long, value_name = "REGION", help = REGION_HELP)]
    pub region: Option<String>,
    /// Ask for a new code even while a cached session is still valid
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Role profile in ~/.aws/config (default: $AWSMFA_PROFILE, then
    /// $AWS_PROFILE, then `default`)
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: Option<String>,
    /// The console's region, which also picks the partition (aws, aws-cn,
    /// aws-us-gov); default: $AWS_REGION, then $AWS_DEFAULT_REGION, then
    /// the profile's region, else us-east-1
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Where to land: a service (s3, ec2, cloudwatch) or a path on the
    /// console (/s3/buckets); default: the console's home
    #[arg(long, short, value_name = "SERVICE|PATH")]
    pub destination: Option<String>,
    /// How long the console session lasts: up to 1h from the MFA session;
    /// longer (up to the role's maximum, 12h at most) assumes the role
    /// directly with a new MFA code
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    pub duration: Option<u64>,
    /// Current MFA code (6 digits), or `-` to read it from stdin, when one
    /// is needed; default: the profile's mfa_process, else a prompt
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,
    /// Print the sign-in URL on stdout instead of opening a browser (it
    /// signs in as the role for 15 minutes: keep it private)
    #[arg(long)]
    pub print: bool,
    /// End the browser's current console session first (one browser holds
    /// one console session)
    #[arg(long)]
    pub sign_out: bool,
    #[command(flatten)]
    pub cache: CacheArgs,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// List cached sessions and their expiry (never secrets)
    ///
    /// Each entry's kind, profile and expiry; never a secret.
    #[command(after_help = "Example:\n  awsmfa cache list")]
    List,
    /// Remove cached entries, all or one profile's
    ///
    /// The cache key is kept; `awsmfa logout` removes it too.
    #[command(after_help = "Examples:\n  awsmfa cache clear\n  awsmfa cache clear my-role")]
    Clear {
        /// Profile whose entries to remove
        #[arg(add = ArgValueCandidates::new(names::candidates))]
        profile: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Move a profile's long-term key from the AWS files into the vault
    ///
    /// Stores the key (and reads it back) first, then removes
    /// aws_access_key_id and aws_secret_access_key from the profile's
    /// section and writes `credential_process = awsmfa process PROFILE` there,
    /// keeping every other byte and the file's mode. awsmfa reads the vault
    /// for that profile instead of running the line; the AWS CLI and SDKs run
    /// it and get an MFA session.
    #[command(after_help = "Example:\n  awsmfa keys import my-user")]
    Import {
        /// Profile holding the IAM user's access key
        #[arg(add = ArgValueCandidates::new(names::candidates))]
        profile: String,
    },
    /// Put a profile's key back into the AWS files, in plaintext
    ///
    /// Asks for confirmation on the terminal (or --yes), writes the key into
    /// the profile's section in place of its credential_process line, then
    /// deletes it from the vault.
    #[command(after_help = "Example:\n  awsmfa keys export my-user")]
    Export {
        /// Profile whose key is in the vault
        #[arg(add = ArgValueCandidates::new(names::candidates))]
        profile: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Show which profile's key is where, with its id (never the secret)
    ///
    /// One line per profile holding a long-term key: in which vault, or in
    /// plaintext in the AWS files. No passphrase is asked: the encrypted
    /// files keep the key id in the clear (authenticated).
    #[command(after_help = "Example:\n  awsmfa keys list")]
    List,
    /// Delete a profile's key from the vault (it stays active in IAM)
    ///
    /// Asks for confirmation on the terminal (or --yes), deletes the key and
    /// the profile's credential_process line, and forgets the sessions
    /// cached from it. Deactivate the key in IAM unless you keep a copy.
    #[command(after_help = "Example:\n  awsmfa keys remove my-user")]
    Remove {
        /// Profile whose key is in the vault
        #[arg(add = ArgValueCandidates::new(names::candidates))]
        profile: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Profile holding the IAM user's access keys
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: Option<String>,
    /// Use this MFA device instead of asking
    #[arg(long, value_name = "ARN")]
    pub serial: Option<String>,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Profile holding the IAM user's access keys
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: Option<String>,
    /// Current MFA code, when IAM policies demand MFA
    #[arg(long, value_name = "CODE")]
    pub token_code: Option<String>,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// How long to wait for AWS to accept the new key before undoing the
    /// rotation (new keys take seconds to propagate)
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, default_value = "1m")]
    pub wait: u64,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Profile to check (default: $AWS_PROFILE, else every profile that is
    /// not only a source of others)
    #[arg(add = ArgValueCandidates::new(names::candidates))]
    pub profile: Option<String>,
    /// Skip the checks that call AWS
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// POSIX `export NAME='value'` (bash, zsh, dash, ksh)
    Sh,
    /// Like sh; bash reads it with `eval "$(awsmfa env …)"`
    Bash,
    /// Like sh; zsh reads it with `eval "$(awsmfa env …)"`
    Zsh,
    /// `set -gx NAME 'value'`; fish reads it with `awsmfa env … | source`
    Fish,
    /// `$Env:NAME = 'value'`; PowerShell reads it with `… | Out-String | Invoke-Expression`
    #[value(alias = "pwsh")]
    Powershell,
    /// NAME='value' lines for .env files
    Dotenv,
    /// credential_process JSON (Version 1)
    Json,
}
