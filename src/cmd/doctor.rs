//! `awsmfa doctor [PROFILE] [--offline]`: check what usually goes wrong,
//! one line per check, each problem with its fix.
//!
//! Exit status: 0 when nothing needs attention, 8 when something deserves a
//! look (warnings only), 9 when something is broken (at least one failure).
//! `--offline` skips the checks that call AWS (clock skew, key validity).

use super::Context;
use crate::cli::DoctorArgs;
use crate::error::{exit, Result};
use crate::profile::Profiles;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Past this, a TOTP code computed on this machine (mfa_process) is off by
/// more than the one 30 s step AWS tolerates.
const SKEW_WARN: u64 = 60;
/// AWS refuses requests signed 15 minutes off; this close, a little more
/// drift breaks every call.
const SKEW_FAIL: u64 = 10 * 60;

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
    shell_hook(&mut r);
    let profiles = aws_files(&mut r);
    leftovers(&mut r);
    let keys = profiles
        .as_ref()
        .and_then(|p| mfa(&mut r, p, args.profile.as_deref()));
    if let Some(p) = &profiles {
        plaintext_keys(&mut r, p);
    }
    cache(&mut r, ctx);
    project(&mut r);
    if args.offline {
        r.skip("clock", "not checked (--offline)");
        r.skip("keys", "not checked (--offline)");
    } else {
        network(&mut r, profiles.as_ref(), keys);
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

// ---------------------------------------------------------------- shell hook

/// A line of an rc file that loads the hook: `awsmfa init` outside a comment.
fn loads_hook(line: &str) -> bool {
    let code = line.trim_start();
    !code.starts_with('#') && code.contains("awsmfa init")
}

/// A later line that replaces the hook's list instead of extending it:
/// `PROMPT_COMMAND=...` (bash) or `precmd_functions=(...)` (zsh) that does
/// not mention the old value.
fn clobbers(line: &str, var: &str) -> bool {
    let code = line.trim_start();
    if code.starts_with('#') {
        return false;
    }
    let code = code
        .trim_start_matches("export ")
        .trim_start_matches("declare -a ")
        .trim_start_matches("declare ")
        .trim_start_matches("typeset ");
    match code.strip_prefix(var) {
        Some(rest) if rest.starts_with('=') => {
            !rest.contains(&format!("${var}")) && !rest.contains(&format!("${{{var}"))
        }
        _ => false,
    }
}

fn shell_hook(r: &mut Report) {
    const TOPIC: &str = "shell hook";
    let Some(shell) = env("SHELL") else {
        r.skip(
            TOPIC,
            "$SHELL is not set; cannot tell which rc file to look in",
        );
        return;
    };
    let name = Path::new(&shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(home) = home() else {
        r.skip(TOPIC, "$HOME is not set");
        return;
    };
    let config_home = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".config"));
    let (rc, line, var, visible): (PathBuf, &str, Option<&str>, &str) = match name.as_str() {
        "bash" => (
            home.join(".bashrc"),
            "eval \"$(awsmfa init bash)\"",
            Some("PROMPT_COMMAND"),
            "`declare -p PROMPT_COMMAND` should mention __awsmfa_hook",
        ),
        "zsh" => (
            env("ZDOTDIR")
                .map(PathBuf::from)
                .unwrap_or(home)
                .join(".zshrc"),
            "eval \"$(awsmfa init zsh)\"",
            Some("precmd_functions"),
            "`print -l $precmd_functions` should list __awsmfa_precmd",
        ),
        "fish" => (
            config_home.join("fish").join("config.fish"),
            "awsmfa init fish | source",
            None,
            "`functions -q __awsmfa_on_prompt; and echo loaded` should say loaded",
        ),
        other => {
            r.skip(
                TOPIC,
                format!("no hook for {other} ($SHELL); `awsmfa env` and `awsmfa exec` work in any shell"),
            );
            return;
        }
    };
    let fix_add = format!("add `{line}` at the end of {}", show(&rc));
    let text = std::fs::read_to_string(&rc).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = lines.iter().position(|l| loads_hook(l));
    // fish also loads every conf.d/*.fish.
    let mut source = rc.clone();
    if found.is_none() && name == "fish" {
        let conf_d = config_home.join("fish").join("conf.d");
        if let Ok(entries) = std::fs::read_dir(&conf_d) {
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if text.lines().any(loads_hook) {
                    source = entry.path();
                    found = Some(text.lines().position(loads_hook).unwrap_or(0));
                    break;
                }
            }
        }
    }
    let Some(at) = found else {
        r.warn(
            TOPIC,
            format!("{} does not load the awsmfa hook", show(&rc)),
            fix_add,
        );
        return;
    };
    if source == rc {
        if let Some(var) = var {
            if let Some(n) = lines[at + 1..].iter().position(|l| clobbers(l, var)) {
                r.warn(
                    TOPIC,
                    format!(
                        "line {} of {} sets {var} after the awsmfa hook (line {}) and drops it",
                        at + n + 2,
                        show(&rc),
                        at + 1
                    ),
                    format!("move `{line}` to the end of {}", show(&rc)),
                );
                return;
            }
        }
    }
    // Only exported variables reach doctor; PROMPT_COMMAND rarely is.
    if name == "bash" {
        if let Ok(pc) = std::env::var("PROMPT_COMMAND") {
            if !pc.contains("__awsmfa_hook") {
                r.warn(
                    TOPIC,
                    format!("{} loads the hook, but the exported PROMPT_COMMAND no longer runs it (something set it afterwards)", show(&source)),
                    format!("find what sets PROMPT_COMMAND after `{line}` and make it append (PROMPT_COMMAND+=...), or move `{line}` last"),
                );
                return;
            }
            r.ok(
                TOPIC,
                format!(
                    "{} loads it (line {}) and PROMPT_COMMAND runs it",
                    show(&source),
                    at + 1
                ),
            );
            return;
        }
    }
    r.ok(
        TOPIC,
        format!(
            "{} loads it (line {}); whether it still runs in your shell is not visible from here: {visible}",
            show(&source),
            at + 1
        ),
    );
}

// ----------------------------------------------------------------- AWS files

fn aws_files(r: &mut Report) -> Option<Profiles> {
    let locations = crate::profile::locate(env, cfg!(windows));
    file_mode(r, "config file", Path::new(&locations.config), false);
    file_mode(
        r,
        "credentials file",
        Path::new(&locations.credentials),
        true,
    );
    match Profiles::load() {
        Ok(p) => Some(p),
        Err(e) => {
            r.fail("profiles", e.to_string(), "fix the file named above");
            None
        }
    }
}

/// Long-term keys still in the AWS files, where any process of the user, a
/// backup or a synced dotfiles repository can read them.
fn plaintext_keys(r: &mut Report, profiles: &Profiles) {
    const TOPIC: &str = "keys at rest";
    let plain = crate::vault::plaintext(profiles);
    if plain.is_empty() {
        r.ok(TOPIC, "no long-term key is in plaintext in the AWS files");
    }
    if !plain.is_empty() {
        let names: Vec<String> = plain.iter().map(|n| format!("`{n}`")).collect();
        let fixes: Vec<String> = plain
            .iter()
            .map(|n| format!("`awsmfa keys import {}`", shell_words::quote(n)))
            .collect();
        r.warn(
            TOPIC,
            format!(
                "the long-term key of {} is in plaintext in the AWS files",
                names.join(", ")
            ),
            format!("move it into a key store: run {}", fixes.join(", ")),
        );
    }
}

/// What a killed awsmfa can leave beside the AWS files: temporary copies of
/// a file (secrets included), removed here, and a rotate journal naming an
/// access key that was created but never saved.
fn leftovers(r: &mut Report) {
    let locations = crate::profile::locate(env, cfg!(windows));
    let removed = super::rotate::clean_leftovers(&locations);
    let journals = super::rotate::Journal::all(&locations);
    if removed.is_empty() && journals.is_empty() {
        r.ok("leftovers", "no temporary files or interrupted rotations");
    }
    if !removed.is_empty() {
        let names: Vec<String> = removed.iter().map(|p| show(p)).collect();
        r.ok(
            "leftovers",
            format!("removed {} left by an interrupted write", names.join(", ")),
        );
    }
    let on_disk = |id: &str| super::rotate::on_disk(&locations, id);
    for (path, j) in journals {
        let (user, profile) = (&j.user, &j.profile);
        let delete = |id: &str| {
            format!("run `awsmfa rotate {profile}`, which deletes it, or delete it with `aws iam delete-access-key --user-name {user} --access-key-id {id}`")
        };
        let (what, fix) = match &j.new_key {
            Some(id) if on_disk(id) => (
                format!("a rotate of IAM user `{user}` stopped after saving new key {id}; old key {} may still exist", j.old_key),
                delete(&j.old_key),
            ),
            Some(id) => (
                format!("a rotate of IAM user `{user}` created access key {id} and never saved it"),
                delete(id),
            ),
            None => (
                format!("a rotate of IAM user `{user}` was interrupted while creating a key"),
                format!("run `awsmfa rotate {profile}`: it names any key in no file"),
            ),
        };
        r.warn("leftovers", format!("{what} ({})", show(&path)), fix);
    }
}

/// The config file can make awsmfa run commands (`mfa_process`), so others
/// must not write it; the credentials file holds secrets, so others must
/// not read it either.
fn file_mode(r: &mut Report, topic: &str, path: &Path, secret: bool) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if secret {
                r.skip(topic, format!("{} does not exist", show(path)));
            } else {
                r.warn(
                    topic,
                    format!("{} does not exist", show(path)),
                    "create it with your profiles (`aws configure`), then `awsmfa setup PROFILE`",
                );
            }
            return;
        }
        Err(e) => {
            r.fail(
                topic,
                format!("cannot read {}: {e}", show(path)),
                "fix its permissions",
            );
            return;
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = meta.mode() & 0o777;
        let mine = meta.uid() == crate::fs::my_uid();
        let loose = if secret { mode & 0o077 } else { mode & 0o022 };
        let fix = format!(
            "chmod {} {}",
            if secret { "600" } else { "go-w" },
            path.display()
        );
        if !mine {
            r.warn(
                topic,
                format!("{} belongs to another user", show(path)),
                format!("chown $(id -u) {}", path.display()),
            );
        } else if loose != 0 && secret {
            r.fail(
                topic,
                format!(
                    "{} is {mode:04o}: other users can read your access keys",
                    show(path)
                ),
                fix,
            );
        } else if loose != 0 {
            r.fail(
                topic,
                format!("{} is {mode:04o}: other users can change which commands awsmfa runs (mfa_process)", show(path)),
                fix,
            );
        } else {
            r.ok(topic, format!("{} is {mode:04o}", show(path)));
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (meta, secret);
        r.ok(topic, format!("{} exists", show(path)));
    }
}

// ------------------------------------------------------------------------ MFA

/// Which profiles get MFA, grouped by the keys they start from. With no
/// PROFILE (and no $AWS_PROFILE) every profile that is not itself the
/// source of another is checked.
/// Returns a checked profile that starts from long-term keys, to test
/// those keys against STS with.
fn mfa(r: &mut Report, profiles: &Profiles, wanted: Option<&str>) -> Option<String> {
    const TOPIC: &str = "mfa";
    let wanted = wanted.map(str::to_string).or_else(|| env("AWS_PROFILE"));
    let names: Vec<String> = match &wanted {
        Some(name) => {
            if let Err(e) = profiles.get(name) {
                r.fail(TOPIC, e.to_string(), "name a profile that exists");
                return None;
            }
            vec![name.clone()]
        }
        None => profiles.names().map(str::to_string).collect(),
    };
    let mut chains = Vec::new();
    let mut sources = BTreeSet::new();
    for name in &names {
        match profiles.chain(name) {
            Ok(chain) => {
                sources.extend(chain.path.iter().skip(1).cloned());
                chains.push((name.clone(), chain));
            }
            Err(e) if wanted.is_some() => {
                r.fail(TOPIC, e.to_string(), "fix the profile named above");
                return None;
            }
            // Other tools' profiles (SSO, broken ones) are not awsmfa's.
            Err(_) => {}
        }
    }
    // (source profile, serial) -> the profiles that use it.
    let mut groups: BTreeMap<(String, Option<String>), Vec<String>> = BTreeMap::new();
    let mut keys = None;
    for (name, chain) in &chains {
        if wanted.is_none() && sources.contains(name) {
            continue;
        }
        let Some(k) = crate::vault::Signer::of(profiles, &chain.base) else {
            if wanted.is_some() {
                r.skip(TOPIC, format!("profile `{name}` does not start from access keys; awsmfa does not manage it"));
            }
            continue;
        };
        if k.temporary() {
            r.skip(TOPIC, format!("profile `{name}` starts from temporary keys of `{}`; no MFA session is made from those", k.profile()));
            continue;
        }
        let serial = profiles
            .along(chain, "mfa_serial")
            .map(|(_, s)| s.to_string());
        if keys.is_none() {
            keys = Some(name.clone());
        }
        groups
            .entry((k.profile().to_string(), serial))
            .or_default()
            .push(name.clone());
    }
    if groups.is_empty() {
        r.warn(
            TOPIC,
            "no profile starts from an IAM user's access keys",
            "add the user's keys to the credentials file (`aws configure --profile NAME`)",
        );
    }
    for ((source, serial), users) in &groups {
        let list = users
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ");
        match serial {
            None => r.warn(
                TOPIC,
                format!("{list} use{} the keys of `{source}` without mfa_serial, so no MFA is ever asked for", if users.len() == 1 { "s" } else { "" }),
                format!("run `awsmfa setup {source}` (it finds the device and writes mfa_serial)"),
            ),
            Some(serial) => match device_kind(serial) {
                Device::Totp(kind) => r.ok(TOPIC, format!("{list}: {serial} ({kind})")),
                Device::Fido => r.fail(
                    TOPIC,
                    format!("{list}: {serial} is a FIDO security key, which STS cannot use for API calls"),
                    format!("register a virtual (authenticator app) or hardware TOTP device for the user, then `awsmfa setup {source}`"),
                ),
                Device::Unknown => r.warn(
                    TOPIC,
                    format!("{list}: mfa_serial {serial:?} is neither an MFA device ARN nor a token serial number"),
                    format!("run `awsmfa setup {source}` to write the right one"),
                ),
            },
        }
    }
    keys
}

enum Device {
    Totp(&'static str),
    Fido,
    Unknown,
}

fn device_kind(serial: &str) -> Device {
    if serial.starts_with("arn:") {
        if serial.contains(":u2f/") {
            Device::Fido
        } else if serial.contains(":mfa/") {
            Device::Totp("TOTP device")
        } else {
            Device::Unknown
        }
    } else if !serial.is_empty() && serial.bytes().all(|b| b.is_ascii_alphanumeric()) {
        // Hardware TOTP tokens are named by their serial number (GAHT…).
        Device::Totp("hardware TOTP token")
    } else {
        Device::Unknown
    }
}

// ---------------------------------------------------------------------- cache

fn cache(r: &mut Report, ctx: &Context) {
    const TOPIC: &str = "cache";
    let cache = match ctx.cache() {
        Ok(Some(cache)) => cache,
        Ok(None) => {
            r.skip(TOPIC, "the session cache is off (--no-cache or `cache = false`): every terminal asks for its own MFA code");
            return;
        }
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "fix the setting named above");
            return;
        }
    };
    let dir = match crate::cache::dir() {
        Ok(dir) => dir,
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "set $HOME");
            return;
        }
    };
    cache_modes(r, &dir);
    let choice = crate::config::UserConfig::load()
        .and_then(|c| crate::cache::choice(&c))
        .unwrap_or(crate::cache::key::Choice::Auto);
    if let Some(store) = cache.key_store() {
        r.ok(
            "key store",
            format!("the cache key is in {}", store.describe()),
        );
        return;
    }
    if choice == crate::cache::key::Choice::Passphrase {
        r.ok(
            "key store",
            "the cache key comes from a passphrase, asked when needed",
        );
        return;
    }
    let mut broken = Vec::new();
    for store in crate::cache::key::Store::candidates(choice, &dir) {
        match store.key(false) {
            Ok(_) => {
                r.ok(
                    "key store",
                    format!("no cache key yet; it will be kept in {}", store.describe()),
                );
                return;
            }
            Err(e) => broken.push(format!("{}: {e}", store.describe())),
        }
    }
    let why = if broken.is_empty() {
        "nothing to try".to_string()
    } else {
        broken.join("; ")
    };
    // A failure, not a warning: the cache's promise (one code for every
    // terminal) is broken, as the next process would find no key.
    r.fail(
        "key store",
        format!("no key store works here ({why}), so the session cache is off and every terminal asks for its own MFA code"),
        "log in to a desktop session (keyring) or set XDG_RUNTIME_DIR to a private tmpfs directory; or `key_store = \"passphrase\"` in the awsmfa config",
    );
}

/// The cache directory and its entries must be private (0700 / 0600).
fn cache_modes(r: &mut Report, dir: &Path) {
    const TOPIC: &str = "cache";
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(_) => {
            r.ok(
                TOPIC,
                format!("{} not created yet (it will be 0700)", show(dir)),
            );
            return;
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = crate::fs::my_uid();
        if meta.uid() != me {
            r.fail(
                TOPIC,
                format!(
                    "{} belongs to uid {}, not to you (uid {me}): the cache is not used",
                    show(dir),
                    meta.uid()
                ),
                format!("remove {}", dir.display()),
            );
            return;
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 {
            r.fail(
                TOPIC,
                format!(
                    "{} is {mode:04o}: other users can see or replace cached sessions",
                    show(dir)
                ),
                format!("chmod 700 {}", dir.display()),
            );
            return;
        }
        let loose: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.metadata().is_ok_and(|m| m.mode() & 0o077 != 0))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if !loose.is_empty() {
            r.fail(
                TOPIC,
                format!(
                    "{} file(s) in {} are readable by others: {}",
                    loose.len(),
                    show(dir),
                    loose.join(", ")
                ),
                format!("chmod 600 {}/*", dir.display()),
            );
            return;
        }
        r.ok(
            TOPIC,
            format!("{} is {mode:04o}, its entries private", show(dir)),
        );
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        r.ok(TOPIC, format!("{} exists", show(dir)));
    }
}

// ------------------------------------------------------------------ .awsmfa.toml

/// The nearest `.awsmfa.toml`, judged as the prompt hook judges it: the
/// same lookup, the file as found, the same checks and trust store.
fn project(r: &mut Report) {
    const TOPIC: &str = ".awsmfa.toml";
    let Ok(cwd) = std::env::current_dir() else {
        r.skip(TOPIC, "the current directory is gone");
        return;
    };
    let Some(found) = crate::project::find(&cwd) else {
        r.ok(TOPIC, "none in this directory or above");
        return;
    };
    let path = found;
    let bytes = match crate::project::read(&path) {
        Ok(b) => b,
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "fix what is named above");
            return;
        }
    };
    let dir = path.parent().unwrap_or(&path).display().to_string();
    match crate::trust::is_allowed(&path, &bytes) {
        Ok(true) => {}
        Ok(false) => {
            r.warn(
                TOPIC,
                format!(
                    "{} is not trusted (new or edited since `awsmfa allow`), so the prompt hook ignores it",
                    show(&path)
                ),
                format!("read it, then `awsmfa allow {dir}`"),
            );
            return;
        }
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "fix the path named above");
            return;
        }
    }
    match crate::project::Project::parse(&path, &bytes) {
        Ok(p) => r.ok(
            TOPIC,
            format!("{} is trusted (profile `{}`)", show(&path), p.profile),
        ),
        Err(e) => r.fail(TOPIC, e.to_string(), "fix the line named above"),
    }
}

// -------------------------------------------------------------------- network

fn network(r: &mut Report, profiles: Option<&Profiles>, profile: Option<String>) {
    let env = crate::reach::Env::process();
    let user = profiles
        .zip(profile)
        .and_then(|(profiles, name)| crate::iam::user_profile(profiles, &name, &env).ok());
    let Some(user) = user else {
        r.skip("clock", "no profile with access keys to ask STS with");
        r.skip("keys", "no profile with access keys");
        return;
    };
    // Messages in the words every other command uses.
    let say = |f: crate::sts::Failure| {
        user.error(f, "GetCallerIdentity", crate::reach::Service::Sts)
            .to_string()
    };
    let sts = match crate::sts::Sts::new(user.sts.clone()) {
        Ok(sts) => sts,
        Err(f) => {
            r.fail("clock", say(f), "fix the setting named above");
            return;
        }
    };
    let clock = match sts.clock(&user.keys) {
        Ok(c) => c,
        Err(f) => {
            r.fail(
                "clock",
                say(f),
                "check your network, AWS_ENDPOINT_URL and proxy settings",
            );
            r.skip("keys", "STS gave no usable answer");
            return;
        }
    };
    let skew = clock.skew();
    let side = if skew > 0 { "behind" } else { "ahead of" };
    let off = skew.unsigned_abs();
    let fix = "turn on time synchronisation (`timedatectl set-ntp true`, or your system's clock settings)";
    if off >= SKEW_FAIL {
        r.fail(
            "clock",
            format!(
                "this machine is {off}s {side} STS: AWS refuses requests signed 15 minutes off"
            ),
            fix,
        );
    } else if off > SKEW_WARN {
        r.warn(
            "clock",
            format!("this machine is {off}s {side} STS: MFA codes computed here (mfa_process) are likely rejected"),
            fix,
        );
    } else {
        r.ok("clock", format!("within {off}s of STS"));
    }
    let source = &user.source_profile;
    match clock.identity {
        Ok(id) => r.ok("keys", format!("the keys of `{source}` belong to {}", id.arn)),
        Err(f @ crate::sts::Failure::BadCredentials { .. }) if off >= SKEW_FAIL => r.fail(
            "keys",
            format!("{}, most likely because of the clock", say(f)),
            fix,
        ),
        Err(f @ crate::sts::Failure::BadCredentials { .. }) => r.fail(
            "keys",
            say(f),
            format!("create a new access key for the user and put it in the credentials file, or `awsmfa rotate {source}` if the old one still works"),
        ),
        // Whatever else refused the keys, they do not work: a failure.
        Err(f) => r.fail("keys", say(f), "check the user's IAM policies and the endpoint"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_lines_and_clobbering() {
        assert!(loads_hook("eval \"$(awsmfa init bash)\""));
        assert!(loads_hook("  awsmfa init fish | source"));
        assert!(!loads_hook("# eval \"$(awsmfa init bash)\""));
        for bad in [
            "PROMPT_COMMAND='history -a'",
            "export PROMPT_COMMAND=\"x\"",
            "declare PROMPT_COMMAND=x",
        ] {
            assert!(clobbers(bad, "PROMPT_COMMAND"), "{bad}");
        }
        for fine in [
            "PROMPT_COMMAND=\"x;$PROMPT_COMMAND\"",
            "PROMPT_COMMAND=\"${PROMPT_COMMAND:+$PROMPT_COMMAND;}x\"",
            "PROMPT_COMMAND+=(x)",
            "# PROMPT_COMMAND=x",
            "MY_PROMPT_COMMAND=x",
        ] {
            assert!(!clobbers(fine, "PROMPT_COMMAND"), "{fine}");
        }
        assert!(clobbers("precmd_functions=(foo)", "precmd_functions"));
        assert!(!clobbers(
            "precmd_functions=($precmd_functions foo)",
            "precmd_functions"
        ));
    }

    #[test]
    fn device_kinds() {
        assert!(matches!(
            device_kind("arn:aws:iam::123456789012:mfa/alice"),
            Device::Totp(_)
        ));
        assert!(matches!(device_kind("GAHT12345678"), Device::Totp(_)));
        assert!(matches!(
            device_kind("arn:aws:iam::123456789012:u2f/user/alice/key-ABC"),
            Device::Fido
        ));
        assert!(matches!(
            device_kind("arn:aws:iam::123456789012:user/alice"),
            Device::Unknown
        ));
        assert!(matches!(device_kind("my phone"), Device::Unknown));
    }
}
