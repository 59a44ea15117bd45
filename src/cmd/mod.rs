//! One file per subcommand.

mod allow;
mod cache;
pub mod completions;
mod console;
mod doctor;
mod env;
mod exec;
mod hook;
#[cfg(unix)]
mod hook_timer;
mod init;
mod keys;
mod list;
mod login;
mod process;
mod program;
mod rotate;
#[cfg(unix)]
mod serve;
mod setup;
mod status;

use crate::cli::{Cli, Command, FetchArgs};
use crate::error::{Error, Result};
use crate::obtain::Request;
use crate::store::{NoStore, Store};
use std::io::Write;
use std::process::ExitCode;

/// What every subcommand gets besides its own arguments.
pub struct Context {
    pub no_cache: bool,
}

impl Context {
    /// Where MFA sessions and role credentials are kept between calls: the
    /// encrypted cache unless `--no-cache` or `cache = false` turn it off.
    pub fn store(&self) -> Result<Box<dyn Store>> {
        Ok(match self.cache()? {
            Some(cache) => Box::new(cache),
            None => Box::new(NoStore),
        })
    }

    /// The cache itself, when enabled.
    pub fn cache(&self) -> Result<Option<crate::store::cache::Cache>> {
        if self.no_cache {
            return Ok(None);
        }
        let config = crate::config::UserConfig::load()?;
        if config.cache == Some(false) {
            return Ok(None);
        }
        let choice = crate::store::cache::choice(&config)?;
        Ok(Some(crate::store::cache::Cache::open(choice)?))
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    // Before any secret is read: no process awsmfa starts can read it out
    // of awsmfa's environment or memory. Not fish's timer: it holds no
    // secret, and its shell tests that it is alive through /proc/PID/cwd,
    // which a process that is not dumpable hides.
    if !matches!(cli.command, Command::HookTimer(_)) {
        crate::child::guard_self();
    }
    let ctx = Context {
        no_cache: cli.no_cache || own_no_cache(&cli.command),
    };
    match cli.command {
        Command::Env(args) => env::run(&ctx, args),
        Command::Exec(args) => exec::run(&ctx, args),
        Command::Process(args) => process::run(&ctx, args),
        Command::Login(args) => login::login(&ctx, args),
        Command::Console(args) => console::run(&ctx, args),
        Command::Logout => login::logout(&ctx),
        Command::List => list::run(),
        Command::Cache(args) => cache::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Init(args) => init::run(&ctx, args),
        Command::Use(_) => init::not_loaded("use"),
        Command::Reload => init::not_loaded("reload"),
        Command::Hook(args) => hook::run(&ctx, args),
        Command::HookTimer(args) => hook_timer(args),
        Command::Allow(args) => allow::allow(&ctx, args),
        Command::Deny(args) => allow::deny(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Setup(args) => setup::run(&ctx, args),
        Command::Rotate(args) => rotate::run(&ctx, args),
        Command::Keys(command) => keys::run(&ctx, command),
        Command::Completions(args) => completions::run(args),
    }
}

#[cfg(unix)]
fn hook_timer(args: crate::cli::HookTimerArgs) -> Result<ExitCode> {
    hook_timer::run(args)
}

/// Only fish's hook starts it, and only where fish runs.
#[cfg(not(unix))]
fn hook_timer(_: crate::cli::HookTimerArgs) -> Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}

/// `--no-cache` of the commands that use the cache.
fn own_no_cache(command: &Command) -> bool {
    match command {
        Command::Env(a) => a.cache.no_cache,
        Command::Exec(a) => a.cache.no_cache,
        Command::Process(a) => a.cache.no_cache,
        Command::Rotate(a) => a.cache.no_cache,
        Command::Console(a) => a.cache.no_cache,
        _ => false,
    }
}

fn request(profile: Option<String>, fetch: FetchArgs) -> Request {
    Request {
        profile: profile.unwrap_or_else(crate::profile::default_name),
        token_code: fetch.token_code,
        duration: fetch.duration,
        region: fetch.region,
        refresh: false,
        internal: false,
    }
}

/// Write what the caller evals, in one piece, only once everything worked.
/// A closed pipe (`awsmfa env | head -1`) is not an error.
pub fn print(text: &str) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("writing to stdout", e)),
    }
}
