//! Every failure awsmfa reports, each with its own exit code: the user's
//! [`Error`], and the typed causes it is made from ([`Failure`] of an AWS
//! call, [`ChainError`] of a profile chain). Nothing else owns a failure's
//! wording or exit code; this module stands on leaves only (`clock`,
//! `duration`, `service`).
//!
//! Messages are one line, say what went wrong and what to do next, and never
//! contain a secret: only profile names, ARNs, paths and AWS error codes.

use crate::service::Service;
use crate::{clock, duration, term};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Documented exit codes (README "Exit codes"). Scripts branch on these, so
/// they never change meaning.
pub mod exit {
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CONFIG: u8 = 3;
    pub const MFA: u8 = 4;
    pub const AUTH: u8 = 5;
    pub const NETWORK: u8 = 6;
    pub const TERMINAL: u8 = 7;
    /// `awsmfa doctor` found something worth a look (warnings only).
    pub const DOCTOR_WARN: u8 = 8;
    /// `awsmfa doctor` found something broken.
    pub const DOCTOR_FAIL: u8 = 9;
    /// `awsmfa status`: the credentials this shell exports have expired.
    pub const EXPIRED: u8 = 10;
    /// `awsmfa exec`: the command exists but cannot be run (as shells say).
    pub const CANNOT_RUN: u8 = 126;
    /// `awsmfa exec`: no such command (as shells say).
    pub const NOT_FOUND: u8 = 127;
    /// Ctrl-C, as a shell reports a SIGINT death.
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // --- configuration (exit 3) ---
    #[error("profile `{name}` not found in {files}{}", suggest(.similar))]
    ProfileNotFound {
        name: String,
        files: String,
        similar: Vec<String>,
    },
    #[error("{0}")]
    ConfigParse(String),
    #[error("{0}")]
    Chain(#[from] ChainError),
    #[error(
        "profile `{profile}` uses {what}, which awsmfa does not support; use `aws {hint}` for it, or point `source_profile` at an IAM user with access keys"
    )]
    Unsupported {
        profile: String,
        what: &'static str,
        hint: &'static str,
    },
    /// `profile`'s `credential_process` is `awsmfa process TARGET`: the
    /// user means TARGET (awsmfa never runs itself).
    #[error(
        "profile `{profile}` is awsmfa itself for SDKs (credential_process = awsmfa process {target}); name `{target}` instead, e.g. `awsmfa use {target}`"
    )]
    ViaAwsmfa { profile: String, target: String },
    #[error("{what} can last {} to {} ({min} to {max} seconds), and {} was asked for; choose one in that range (--duration, the profile's duration_seconds, or duration in .awsmfa.toml)", duration::human(*.min), duration::human(*.max), duration::human(*.secs))]
    Duration {
        secs: u64,
        what: &'static str,
        min: u64,
        max: u64,
    },
    #[error("profile `{profile}`: invalid {key} {value:?}: {why}")]
    BadSetting {
        profile: String,
        key: &'static str,
        value: String,
        why: String,
    },
    #[error(
        "no {name} in {dir} or any directory above it; create one with `profile = \"NAME\"`, or name the directory"
    )]
    NoProjectFile { name: &'static str, dir: String },
    #[error(
        "refusing to export credentials of account {actual} for profile `{profile}`: {file} requires account {expected}; fix `account` there or the profile in ~/.aws/config"
    )]
    WrongAccount {
        file: String,
        profile: String,
        expected: String,
        actual: String,
    },
    #[error("refusing {path}: {why}")]
    UnsafeProjectFile { path: String, why: String },
    #[error("profile `{profile}` signs in as {arn}, not as an IAM user; {hint}")]
    NotAnIamUser {
        profile: String,
        arn: String,
        hint: &'static str,
    },
    #[error(
        "profile `{profile}` is an IAM user, not a role: AWS signs a user into the console only through GetFederationToken, whose session drops the MFA context, so every policy that requires MFA would deny you there; {hint}"
    )]
    ConsoleNeedsRole { profile: String, hint: String },
    #[error("IAM user `{user}` has {found}; {hint}")]
    NoMfaDevice {
        user: String,
        found: String,
        hint: String,
    },

    // --- MFA code (exit 4) ---
    #[error(
        "an MFA code is needed for {serial} but there is no terminal or desktop to ask on; run `awsmfa login {}` in a terminal, then retry", shell_words::quote(.holder)
    )]
    NoTerminal { serial: String, holder: String },
    #[error(
        "the MFA dialog for {serial} was cancelled; nothing was cached, and the next call asks again"
    )]
    PromptCancelled { serial: String },
    #[error(
        "nobody answered the MFA dialog within {secs} s; nothing was cached; set AWSMFA_MFA_PROMPT_TIMEOUT (e.g. 5m) to wait longer"
    )]
    PromptTimedOut { secs: u64 },
    #[error("the MFA dialog ({program}) failed: {why}; set `mfa_prompt` in config.toml to another program, or run `awsmfa login {}` in a terminal, then retry", shell_words::quote(.holder))]
    DialogFailed {
        program: &'static str,
        why: String,
        holder: String,
    },
    /// `got`: what was typed instead, in words ("letters", "5 digits").
    #[error("an MFA code is 6 digits, and this had {got}; nothing was sent to AWS")]
    BadTokenFormat { got: String },
    #[error("MFA code {}was rejected by AWS for {serial}: {}", from_process(.process), rejected_hint(*.skew, .process))]
    MfaRejected {
        serial: String,
        /// The `mfa_process` program that printed the code, if one did.
        process: Option<String>,
        /// Seconds this machine's clock is behind STS's, when measured.
        skew: Option<i64>,
    },
    #[error("this MFA code for {serial} was already used; wait for the next code")]
    CodeReused { serial: String },
    #[error("mfa_process `{program}` failed: {why}")]
    MfaProcess { program: String, why: String },
    #[error("MFA prompt interrupted; nothing was changed")]
    Interrupted,

    // --- AWS refused (exit 5) ---
    #[error("AWS rejected the credentials of profile `{profile}`: {code}: {message}; {hint}")]
    BadCredentials {
        profile: String,
        code: String,
        /// AWS's own words, control characters removed.
        message: String,
        hint: &'static str,
    },
    #[error("AWS denied {action}: {code}: {message}; {}", denied_hint(.action))]
    AccessDenied {
        action: String,
        code: String,
        message: String,
    },

    // --- network (exit 6) ---
    #[error(
        "could not reach STS at {endpoint}: {why}; check your network, AWS_ENDPOINT_URL and proxy settings"
    )]
    Unreachable { endpoint: String, why: String },
    #[error(
        "could not reach IAM at {endpoint}: {why}; check your network, AWS_ENDPOINT_URL_IAM and proxy settings"
    )]
    IamUnreachable { endpoint: String, why: String },
    #[error(
        "could not reach the console's sign-in at {endpoint}: {why}; check your network, AWS_ENDPOINT_URL_SIGNIN and proxy settings"
    )]
    SigninUnreachable { endpoint: String, why: String },
    #[error(
        "the answer from {endpoint} is not from {service} (HTTP {status}, {what}): a proxy, a captive portal or another program answered; check AWS_ENDPOINT_URL, the proxy settings and the network"
    )]
    NotAws {
        service: &'static str,
        endpoint: String,
        status: u16,
        what: String,
    },

    // --- refused to print secrets (exit 7) ---
    /// `run`: the statement that applies them in the user's shell.
    #[error(
        "refusing to print credentials to a terminal (they would stay in scrollback); run `{run}`, or add --force"
    )]
    StdoutIsTerminal { run: String },
    #[error(
        "refusing to print credentials to a terminal (they would stay in scrollback); `awsmfa process` is for an SDK: set `credential_process = awsmfa process {profile}` in ~/.aws/config, or add --force"
    )]
    ProcessToTerminal { profile: String },

    // --- usage (exit 2) ---
    #[error("{0}")]
    Usage(String),

    // --- exec's command (exit 127 and 126, as shells say) ---
    #[error("command `{name}` not found; check its spelling and PATH")]
    CommandNotFound { name: String },
    #[error("cannot run `{name}`: {why}")]
    CannotRun { name: String, why: String },

    // --- anything else (exit 1) ---
    #[error("{0}")]
    Other(String),
    #[error(
        "IAM user `{user}` has {count} access keys ({ids}); rotate needs exactly one, so nothing was changed: {hint}"
    )]
    KeyCount {
        user: String,
        count: usize,
        ids: String,
        hint: &'static str,
    },
    /// A key rotation stopped half-way: `state` says which key is active
    /// and on disk and what to do; the exit code is the cause's.
    #[error("{step} failed: {cause}. {state}")]
    Rotation {
        step: &'static str,
        cause: Box<Error>,
        state: String,
    },
    /// `allow` refused a project file: `cause` says why; the exit code
    /// is the cause's.
    #[error("not allowing {file}: {cause}")]
    NotAllowed { file: String, cause: Box<Error> },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        use Error::*;
        match self {
            ProfileNotFound { .. }
            | ConfigParse(_)
            | Chain(_)
            | Unsupported { .. }
            | ViaAwsmfa { .. }
            | Duration { .. }
            | BadSetting { .. }
            | NoProjectFile { .. }
            | WrongAccount { .. }
            | UnsafeProjectFile { .. }
            | NotAnIamUser { .. }
            | NoMfaDevice { .. }
            | ConsoleNeedsRole { .. } => exit::CONFIG,
            NoTerminal { .. }
            | PromptCancelled { .. }
            | PromptTimedOut { .. }
            | DialogFailed { .. }
            | BadTokenFormat { .. }
            | MfaRejected { .. }
            | MfaProcess { .. }
            | CodeReused { .. } => exit::MFA,
            Interrupted => exit::INTERRUPTED,
            BadCredentials { .. } | AccessDenied { .. } => exit::AUTH,
            Unreachable { .. }
            | IamUnreachable { .. }
            | SigninUnreachable { .. }
            | NotAws { .. } => exit::NETWORK,
            StdoutIsTerminal { .. } | ProcessToTerminal { .. } => exit::TERMINAL,
            Usage(_) => exit::USAGE,
            CommandNotFound { .. } => exit::NOT_FOUND,
            CannotRun { .. } => exit::CANNOT_RUN,
            Other(_) | Io { .. } | KeyCount { .. } => exit::FAILURE,
            Rotation { cause, .. } | NotAllowed { cause, .. } => cause.exit_code(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// The next step after a refusal: a role's trust policy, or a permission.
fn denied_hint(action: &str) -> &'static str {
    if action == "getSigninToken" {
        "the role's credentials may have expired or been revoked: `awsmfa cache clear PROFILE` and try again"
    } else if action == "getSigninToken with SessionDuration" {
        "ask for --duration 1h or less, or open a profile whose role is assumed straight from the IAM user's access key"
    } else if action.starts_with("arn:") || action.starts_with("AssumeRole") {
        "check role_arn, and that the role's trust policy lets this identity assume it"
    } else {
        "ask an administrator for this permission, or use a profile that has it"
    }
}

/// Which call failed, to turn a [`Failure`] into an [`Error`].
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// What was attempted: an STS/IAM action, or the role's ARN.
    pub action: &'a str,
    /// The profile whose keys signed the call.
    pub profile: &'a str,
    /// The MFA device a code was sent for, if any.
    pub serial: Option<&'a str>,
    pub service: Service,
    /// Where the call went, for "could not reach" and "not from" messages.
    pub endpoint: &'a str,
}

/// Why an STS or IAM call failed, before the caller adds which profile it
/// was for: `crate::sts::classify` makes one, [`Error::from_failure`] turns
/// it into what the user sees.
#[derive(Debug)]
pub enum Failure {
    /// The MFA code was wrong, reused or for another device.
    MfaRejected {
        /// Seconds this machine's clock is behind STS's, when measured.
        skew: Option<i64>,
    },
    /// The signing keys are unknown, malformed or expired.
    BadCredentials {
        code: String,
        message: String,
    },
    /// The caller may not do this (e.g. the role's trust policy refuses).
    Denied {
        code: String,
        message: String,
    },
    /// No answer in time, connection refused, DNS failure.
    Unreachable {
        why: String,
    },
    /// Something answered, but not AWS: an HTML page from a captive portal
    /// or a proxy, a 404 from another program on the port, a body that is
    /// not an AWS XML document.
    NotAws {
        status: u16,
        what: String,
    },
    /// Something configured for reaching STS is unusable (a CA bundle).
    Config(String),
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::MfaRejected { .. } => write!(f, "AWS rejected the MFA code"),
            Failure::BadCredentials { code, message } => {
                write!(f, "AWS rejected the keys: {code}: {message}")
            }
            Failure::Denied { code, message } => write!(f, "AWS denied it: {code}: {message}"),
            Failure::Unreachable { why } => write!(f, "unreachable: {why}"),
            Failure::NotAws { status, what } => {
                write!(f, "the answer is not from AWS (HTTP {status}, {what})")
            }
            Failure::Config(why) | Failure::Other(why) => f.write_str(why),
        }
    }
}

/// Why a `role_arn` / `source_profile` chain does not resolve
/// (`crate::profile::chain`), in the SDKs' own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error(
        "No profiles were defined in the AWS config or credentials file; run `aws configure` first"
    )]
    NoProfiles,
    #[error("profile `{0}` not found")]
    NotFound(String),
    #[error("could not find source profile {missing} referenced from {from}")]
    SourceNotFound { missing: String, from: String },
    #[error("profile formed an infinite loop through source_profile: {}; point one of them at an IAM user with access keys", .0.join(" -> "))]
    Loop(Vec<String>),
    #[error("profile `{profile}` reaches more than {max} roles through source_profile ({} -> ...); awsmfa stops there: point a profile near the start at an IAM user with access keys", .path.join(" -> "))]
    TooDeep {
        profile: String,
        max: usize,
        path: Vec<String>,
    },
    #[error(
        "profile `{0}` did not contain credential information: add aws_access_key_id and aws_secret_access_key (credentials file), or role_arn with source_profile"
    )]
    NoCredentials(String),
    #[error("profile `{profile}`: {message}")]
    Invalid { profile: String, message: String },
    #[error(
        "profile `{profile}`: sso-session named `{session}` (referenced by profile `{profile}`) was not found"
    )]
    MissingSsoSession { profile: String, session: String },
}

impl Error {
    /// The one mapping from what STS or IAM answered to what the user sees
    /// and the exit code: the same for every command.
    pub fn from_failure(f: Failure, at: &Call) -> Error {
        match f {
            Failure::MfaRejected { skew } => Error::MfaRejected {
                serial: at.serial.unwrap_or("the MFA device").to_string(),
                process: None,
                skew,
            },
            Failure::BadCredentials { code, message } => Error::BadCredentials {
                profile: at.profile.to_string(),
                hint: match code.as_str() {
                    "ExpiredToken" | "ExpiredTokenException" => {
                        "the session token has expired; get new credentials or replace it in the profile"
                    }
                    _ => {
                        "check aws_access_key_id / aws_secret_access_key in the credentials file, or create a new access key"
                    }
                },
                code,
                message,
            },
            Failure::Denied { code, message } => Error::AccessDenied {
                action: at.action.to_string(),
                code,
                message,
            },
            // An endpoint URL may carry `user:password@`: never shown.
            Failure::Unreachable { why } => {
                let endpoint = term::redacted(at.endpoint);
                let why = term::without_userinfo(&why, at.endpoint);
                match at.service {
                    Service::Sts => Error::Unreachable { endpoint, why },
                    Service::Iam => Error::IamUnreachable { endpoint, why },
                    Service::Signin => Error::SigninUnreachable { endpoint, why },
                }
            }
            Failure::NotAws { status, what } => Error::NotAws {
                service: at.service.name(),
                endpoint: term::redacted(at.endpoint),
                status,
                what,
            },
            Failure::Config(why) => Error::ConfigParse(why),
            Failure::Other(why) => Error::Other(format!("{}: {why}", at.action)),
        }
    }
}

/// Why a code may have been refused: a skewed clock first (codes from a
/// phone then never work), else a stale code or another device's serial.
fn rejected_hint(skew: Option<i64>, process: &Option<String>) -> String {
    match (skew, process) {
        (Some(s), _) if clock::judge(s) > clock::Drift::Fine => format!(
            "this machine's clock is {}, so its idea of the current code differs from AWS's; sync the clock (NTP), then try again",
            clock::describe_skew(s)
        ),
        (_, Some(_)) => "check that mfa_process gives the code of the device `mfa_serial` names (its secret, its clock), or remove mfa_process to be asked".to_string(),
        _ => "check the code is current and the device matches `mfa_serial`, then try again"
            .to_string(),
    }
}

/// "from mfa_process `ykman` ": a code the user did not type says where it
/// came from, so they look there and not at their phone.
fn from_process(process: &Option<String>) -> String {
    process
        .as_ref()
        .map(|p| format!("from mfa_process `{p}` "))
        .unwrap_or_default()
}

fn suggest(similar: &[String]) -> String {
    match similar {
        [] => "; run `awsmfa list` to see the profiles you have".to_string(),
        names => format!(
            "; did you mean {}?",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}
