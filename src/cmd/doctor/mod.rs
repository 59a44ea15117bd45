//! `awsmfa doctor [PROFILE] [--offline]`: check what usually goes wrong,
//! one line per check, each problem with its fix.
//!
//! Exit status: 0 when nothing needs attention, 8 when something deserves a
//! look (warnings only), 9 when something is broken (at least one failure).
//! `--offline` skips the checks that call AWS (clock skew, key validity).
//!
//! Doctor owns only the report: every rule it checks is judged where it
//! lives (clock skew by [`crate::clock`], device kinds by [`crate::arn`],
//! the project file by [`crate::project`] and [`crate::trust`]).

mod aws_files;
mod cache;
mod keys_at_rest;
mod leftovers;
mod mfa;
mod network;
mod project;
mod shell_hook;

use super::Context;
use crate::cli::DoctorArgs;
use crate::error::{Result, exit};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Ok,
    Skip,
    Warn,
    Fail,
}

/// The report, printed a line at a time (network checks may take seconds).
struct Report {
    worst: Level,
    counts: BTreeMap<Level, usize>,
}

impl Report {
    fn line(&mut self, level: Level, topic: &str, what: impl AsRef<str>, fix: Option<String>) {
        let tag = match level {
            Level::Ok => "ok",
            Level::Skip => "skip",
            Level::Warn => "warn",
            Level::Fail => "fail",
        };
        let mut text = format!("{tag:<5} {topic}: {}", what.as_ref());
        if let Some(fix) = fix {
            text.push_str(&format!(" — fix: {fix}"));
        }
        // One line, holding paths and config values: cleaned (src/term.rs).
        let mut text = crate::term::clean(&text).into_owned();
        text.push('\n');
        // A closed pipe (`awsmfa doctor | head -3`) only stops the output.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
        self.worst = self.worst.max(level);
        *self.counts.entry(level).or_default() += 1;
    }

    fn ok(&mut self, topic: &str, what: impl AsRef<str>) {
        self.line(Level::Ok, topic, what, None);
    }
    fn skip(&mut self, topic: &str, what: impl AsRef<str>) {
        self.line(Level::Skip, topic, what, None);
    }
    fn warn(&mut self, topic: &str, what: impl AsRef<str>, fix: impl Into<String>) {
        self.line(Level::Warn, topic, what, Some(fix.into()));
    }
    fn fail(&mut self, topic: &str, what: impl AsRef<str>, fix: impl Into<String>) {
        self.line(Level::Fail, topic, what, Some(fix.into()));
    }
}

pub fn run(ctx: &Context, args: DoctorArgs) -> Result<ExitCode> {
    let mut r = Report {
        worst: Level::Ok,
        counts: BTreeMap::new(),
    };
    shell_hook::check(&mut r);
    let locations = crate::profile::locate(env, cfg!(windows));
    let profiles = aws_files::check(&mut r, &locations);
    leftovers::check(&mut r, &locations);
    let keys = profiles
        .as_ref()
        .and_then(|p| mfa::check(&mut r, p, args.profile.as_deref()));
    if let Some(p) = &profiles {
        keys_at_rest::check(&mut r, p);
    }
    cache::check(&mut r, ctx);
    project::check(&mut r);
    if args.offline {
        r.skip("clock", "not checked (--offline)");
        r.skip("keys", "not checked (--offline)");
    } else {
        network::check(&mut r, profiles.as_ref(), keys);
    }
    let count = |l| r.counts.get(&l).copied().unwrap_or(0);
    let (warns, fails) = (count(Level::Warn), count(Level::Fail));
    crate::term::note(format_args!(
        "awsmfa doctor: {fails} failure{}, {warns} warning{}",
        if fails == 1 { "" } else { "s" },
        if warns == 1 { "" } else { "s" }
    ));
    Ok(ExitCode::from(match r.worst {
        Level::Ok | Level::Skip => 0,
        Level::Warn => exit::DOCTOR_WARN,
        Level::Fail => exit::DOCTOR_FAIL,
    }))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home() -> Option<PathBuf> {
    env("HOME").map(PathBuf::from)
}

/// `~/x` for paths under $HOME, so lines stay short.
fn show(path: &Path) -> String {
    match home().and_then(|h| path.strip_prefix(h).ok().map(Path::to_path_buf)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
