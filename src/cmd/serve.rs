//! `awsmfa exec --server PROFILE -- COMMAND`: the command gets a credential
//! endpoint (see [`crate::server`]) instead of keys, for jobs that outlive
//! the 1-hour role cap.
//!
//! awsmfa stays the command's parent for its whole life: it serves the
//! endpoint, and the endpoint goes away when the command exits. The exit
//! status passes through (128 + N when the command died of signal N).
//!
//! Signals: the command runs in awsmfa's process group, so Ctrl-C (and
//! Ctrl-\) at a terminal reach it directly; awsmfa survives them and leaves
//! the command to decide. SIGINT and SIGQUIT sent by a process (`kill`) are
//! forwarded, those from the terminal are not (the command already has them,
//! and many tools treat a second Ctrl-C as "stop now, unsafely"). SIGTERM
//! and SIGHUP are always forwarded.

use super::{Context, request};
use crate::cli::ExecArgs;
use crate::error::{Error, Result};
use crate::obtain::{Request, obtain};
use crate::profile::Profiles;
use crate::profile::edit::{self, FileKind};
use crate::server::{self, Endpoint, Provider};
use crate::store::{Memory, Store};
use crate::vars::Changes;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::{Cause, Origin};
use std::process::{Child, Command, ExitCode, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

const FORWARDED: [i32; 4] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT];

pub fn run(ctx: &Context, args: ExecArgs) -> Result<ExitCode> {
    let target = super::program::Program::of(&args)?;
    let name = target.name();
    let cap = server::refresh_cap()?;

    let profiles = Profiles::load()?;
    let role_arn = profiles
        .chain(&args.profile)?
        .roles
        .last()
        .map(|hop| hop.role_arn.clone());
    let shown = Shown::without_default_credentials(&profiles)?;

    // Without the encrypted cache, the MFA session is kept in this process.
    let store: Box<dyn Store> = match ctx.cache()? {
        Some(cache) => Box::new(cache),
        None => Box::new(Memory::default()),
    };
    // Any MFA prompt happens now, before the command owns the terminal.
    let first_request = request(Some(args.profile.clone()), args.fetch);
    let first = obtain(&first_request, &*store)?;
    let changes = Changes::endpoint(&first);
    let refresh = Request {
        token_code: None,
        refresh: role_arn.is_some(),
        ..first_request
    };
    let mut provider = Provider::new(first, refresh, &*store, role_arn, cap);
    let endpoint = Endpoint::bind()?;

    let mut cmd = target.command(&args.profile);
    env(&mut cmd, &changes, &endpoint, &shown);
    let status = supervise(cmd, &name, endpoint, &mut provider)?;
    // The config file's copy goes only once the command is done with it.
    drop(shown);
    Ok(ExitCode::from(exit_code(status)))
}

/// The command's environment: the endpoint instead of keys.
fn env(cmd: &mut Command, changes: &Changes, endpoint: &Endpoint, shown: &Shown) {
    for name in changes.unset.iter().chain(server::OUTRANKING_VARS) {
        cmd.env_remove(name);
    }
    cmd.envs(changes.set.iter().map(|(k, v)| (k, v)))
        .env(server::URI_VAR, endpoint.url())
        .env(server::TOKEN_VAR, endpoint.token());
    if shown.no_credentials_file {
        cmd.env("AWS_SHARED_CREDENTIALS_FILE", NO_FILE);
    }
    if let Some(copy) = &shown.config {
        cmd.env("AWS_CONFIG_FILE", copy.path());
    }
}

/// Start the command and serve the endpoint until the command exits,
/// passing signals on as the module comment says.
fn supervise(
    mut cmd: Command,
    name: &str,
    endpoint: Endpoint,
    provider: &mut Provider,
) -> Result<ExitStatus> {
    // Installed before the command starts: a SIGTERM in between must not
    // kill awsmfa and leave the command without its endpoint. A prompt
    // (now or during a refresh) must not re-arm Ctrl-C's default either.
    crate::mfa::survive_interrupts();
    // The command owns the terminal now: a renewal asks in a dialog where
    // there is a desktop.
    crate::mfa::prefer_desktop();
    let signals = SignalsInfo::<WithOrigin>::new(FORWARDED)
        .map_err(|e| Error::io("installing signal handlers", e))?;
    let signal_handle = signals.handle();
    let mut child = cmd
        .spawn()
        .map_err(|e| super::program::not_started(name, e))?;

    let exited = Arc::new(AtomicBool::new(false));
    let forwarder = forward_signals(signals, &child, Arc::clone(&exited));
    let waiter = {
        let stopper = endpoint.stopper();
        std::thread::spawn(move || {
            let status = child.wait();
            exited.store(true, Ordering::SeqCst);
            stopper.stop();
            status
        })
    };

    endpoint.serve(provider);
    drop(endpoint);
    let status = waiter
        .join()
        .map_err(|_| Error::Other(format!("lost track of `{name}`")))?
        .map_err(|e| Error::io(format!("waiting for `{name}`"), e))?;
    signal_handle.close();
    let _ = forwarder.join();
    Ok(status)
}

/// A thread passing the signals `forward` picks on to the command, until
/// it has exited.
fn forward_signals(
    mut signals: SignalsInfo<WithOrigin>,
    child: &Child,
    exited: Arc<AtomicBool>,
) -> JoinHandle<()> {
    let pid = rustix::process::Pid::from_child(child);
    std::thread::spawn(move || {
        for origin in signals.forever() {
            // Its pid may already belong to another process.
            if exited.load(Ordering::SeqCst) {
                break;
            }
            if forward(&origin)
                && let Some(sig) = rustix::process::Signal::from_named_raw(origin.signal)
            {
                let _ = rustix::process::kill_process(pid, sig);
            }
        }
    })
}

/// Signals from the terminal already reached the command (same process
/// group); everything else is passed on.
fn forward(origin: &Origin) -> bool {
    match origin.signal {
        SIGINT | SIGQUIT => !matches!(origin.cause, Cause::Kernel),
        _ => true,
    }
}

/// The command's exit code, or 128 + the signal that killed it (as shells
/// report it).
fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => (128 + signal) as u8,
        (None, None) => 1,
    }
}

/// An empty file that is always there and never holds anything.
const NO_FILE: &str = if cfg!(windows) { "NUL" } else { "/dev/null" };

/// What a profile can hold that gives credentials. Every SDK takes
/// `[default]`'s before it looks for a credential endpoint (the command's
/// `AWS_PROFILE` is removed, so `default` is the one it reads).
const SOURCES: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
    "sso_region",
    "web_identity_token_file",
    "login_session",
];

/// Secrets a config file may hold in any profile: never copied.
const SECRETS: &[&str] = &[
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
];

/// The AWS files as the command sees them: `[default]` never gives it
/// credentials, whatever it holds and in whichever file, so its SDK asks
/// the endpoint; every other setting (region, output, endpoints,
/// ca_bundle, services) stays as the user wrote it.
struct Shown {
    /// `[default]` of the credentials file gives credentials (the keys of
    /// the layout the AWS docs teach, or the `credential_process` that
    /// `keys import` leaves): the command sees no credentials file at all.
    /// Nothing is copied, so no secret lands in another file.
    no_credentials_file: bool,
    /// `[default]` of the config file gives credentials: the command reads
    /// a private copy without them and without any secret, removed when it
    /// is done.
    config: Option<tempfile::NamedTempFile>,
}

impl Shown {
    fn without_default_credentials(profiles: &Profiles) -> Result<Shown> {
        let read = crate::profile::read_text;
        let credentials = read(&profiles.locations.credentials)?;
        let config = match read(&profiles.locations.config)? {
            Some(text) if gives(&text, FileKind::Config) => Some(copy(&text)?),
            _ => None,
        };
        Ok(Shown {
            no_credentials_file: credentials.is_some_and(|t| gives(&t, FileKind::Credentials)),
            config,
        })
    }
}

/// Whether `[default]` (or `[profile default]`) holds any of [`SOURCES`].
fn gives(text: &str, kind: FileKind) -> bool {
    edit::without(text, kind, |profile, key| {
        profile == "default" && SOURCES.contains(&key)
    })
    .is_some()
}

/// `text` without `[default]`'s credentials or any secret, in a private
/// file in `$XDG_RUNTIME_DIR` (else the temporary directory).
fn copy(text: &str) -> Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let stripped = edit::without(text, FileKind::Config, |profile, key| {
        SECRETS.contains(&key) || (profile == "default" && SOURCES.contains(&key))
    })
    .unwrap_or_else(|| text.to_string());
    let dir = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .filter(|dir| crate::fs::is_private_dir(dir))
        .unwrap_or_else(std::env::temp_dir);
    let failed = |e| Error::io("writing the command's copy of the AWS config file", e);
    // 0600 from creation (tempfile's default on Unix).
    let mut file = tempfile::Builder::new()
        .prefix("awsmfa-config-")
        .tempfile_in(dir)
        .map_err(failed)?;
    file.write_all(stripped.as_bytes()).map_err(failed)?;
    file.flush().map_err(failed)?;
    Ok(file)
}
