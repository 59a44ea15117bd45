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

use super::Context;
use crate::arn::{self, Device};
use crate::cli::DoctorArgs;
use crate::clock::{self, Drift};
use crate::config::KeyStoreChoice;
use crate::error::{Error, Failure, Result, exit};
use crate::profile::chain::Chain;
use crate::profile::{Locations, Profiles};
use crate::service::Service;
use std::collections::{BTreeMap, BTreeSet};
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
    shell_hook(&mut r);
    let locations = crate::profile::locate(env, cfg!(windows));
    let profiles = aws_files(&mut r, &locations);
    leftovers(&mut r, &locations);
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

/// Where a shell's rc file is, and how the hook shows there.
struct Rc {
    shell: String,
    path: PathBuf,
    /// The line `awsmfa init` tells users to add.
    line: &'static str,
    /// The hook list a later line may replace (bash, zsh).
    var: Option<&'static str>,
    /// How to see, in the shell, that the hook still runs.
    visible: &'static str,
    /// fish also loads every conf.d/*.fish.
    conf_d: Option<PathBuf>,
}

/// The rc file of the user's shell, or a skip line saying why there is none.
fn rc_file(r: &mut Report, topic: &str) -> Option<Rc> {
    let Some(shell) = env("SHELL") else {
        r.skip(
            topic,
            "$SHELL is not set; cannot tell which rc file to look in",
        );
        return None;
    };
    let shell = Path::new(&shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(home) = home() else {
        r.skip(topic, "$HOME is not set");
        return None;
    };
    let rc = Rc::of(&shell, home);
    if rc.is_none() {
        r.skip(
            topic,
            format!(
                "no hook for {shell} ($SHELL); `awsmfa env` and `awsmfa exec` work in any shell"
            ),
        );
    }
    rc
}

impl Rc {
    /// The rc file of `shell` (a name such as `bash`), if it has a hook.
    fn of(shell: &str, home: PathBuf) -> Option<Rc> {
        let config_home = env("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"));
        let (path, line, var, visible, conf_d) = match shell {
            "bash" => (
                home.join(".bashrc"),
                "eval \"$(awsmfa init bash)\"",
                Some("PROMPT_COMMAND"),
                "`declare -p PROMPT_COMMAND` should mention __awsmfa_hook",
                None,
            ),
            "zsh" => (
                env("ZDOTDIR")
                    .map(PathBuf::from)
                    .unwrap_or(home)
                    .join(".zshrc"),
                "eval \"$(awsmfa init zsh)\"",
                Some("precmd_functions"),
                "`print -l $precmd_functions` should list __awsmfa_precmd",
                None,
            ),
            "fish" => (
                config_home.join("fish").join("config.fish"),
                "awsmfa init fish | source",
                None,
                "`functions -q __awsmfa_on_prompt; and echo loaded` should say loaded",
                Some(config_home.join("fish").join("conf.d")),
            ),
            _ => return None,
        };
        Some(Rc {
            shell: shell.to_string(),
            path,
            line,
            var,
            visible,
            conf_d,
        })
    }
}

/// The file and line (from 0) that load the hook: the rc file, else one of
/// fish's conf.d files.
fn find_hook(rc: &Rc, text: &str) -> Option<(PathBuf, usize)> {
    if let Some(at) = text.lines().position(loads_hook) {
        return Some((rc.path.clone(), at));
    }
    for entry in std::fs::read_dir(rc.conf_d.as_ref()?).ok()?.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if let Some(at) = text.lines().position(loads_hook) {
            return Some((entry.path(), at));
        }
    }
    None
}

fn shell_hook(r: &mut Report) {
    const TOPIC: &str = "shell hook";
    let Some(rc) = rc_file(r, TOPIC) else {
        return;
    };
    let text = std::fs::read_to_string(&rc.path).unwrap_or_default();
    let Some((source, at)) = find_hook(&rc, &text) else {
        r.warn(
            TOPIC,
            format!("{} does not load the awsmfa hook", show(&rc.path)),
            format!("add `{}` at the end of {}", rc.line, show(&rc.path)),
        );
        return;
    };
    if source == rc.path && clobbered(r, TOPIC, &rc, &text, at) {
        return;
    }
    if rc.shell == "bash" && prompt_command(r, TOPIC, &rc, &source, at) {
        return;
    }
    r.ok(
        TOPIC,
        format!(
            "{} loads it (line {}); whether it still runs in your shell is not visible from here: {}",
            show(&source),
            at + 1,
            rc.visible
        ),
    );
}

/// Whether a line after the hook's (`at`) replaces its list: warned about.
fn clobbered(r: &mut Report, topic: &str, rc: &Rc, text: &str, at: usize) -> bool {
    let Some(var) = rc.var else {
        return false;
    };
    let Some(n) = text.lines().skip(at + 1).position(|l| clobbers(l, var)) else {
        return false;
    };
    r.warn(
        topic,
        format!(
            "line {} of {} sets {var} after the awsmfa hook (line {}) and drops it",
            at + n + 2,
            show(&rc.path),
            at + 1
        ),
        format!("move `{}` to the end of {}", rc.line, show(&rc.path)),
    );
    true
}

/// Whether bash's PROMPT_COMMAND could be judged: only exported variables
/// reach doctor, and PROMPT_COMMAND rarely is.
fn prompt_command(r: &mut Report, topic: &str, rc: &Rc, source: &Path, at: usize) -> bool {
    let Ok(pc) = std::env::var("PROMPT_COMMAND") else {
        return false;
    };
    let line = rc.line;
    if pc.contains("__awsmfa_hook") {
        r.ok(
            topic,
            format!(
                "{} loads it (line {}) and PROMPT_COMMAND runs it",
                show(source),
                at + 1
            ),
        );
    } else {
        r.warn(
            topic,
            format!("{} loads the hook, but the exported PROMPT_COMMAND no longer runs it (something set it afterwards)", show(source)),
            format!("find what sets PROMPT_COMMAND after `{line}` and make it append (PROMPT_COMMAND+=...), or move `{line}` last"),
        );
    }
    true
}

// ----------------------------------------------------------------- AWS files

fn aws_files(r: &mut Report, locations: &Locations) -> Option<Profiles> {
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
fn leftovers(r: &mut Report, locations: &Locations) {
    let removed = super::rotate::clean_leftovers(locations);
    let journals = super::rotate::Journal::all(locations);
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
    let on_disk = |id: &str| super::rotate::on_disk(locations, id);
    for (path, j) in journals {
        let (user, profile) = (&j.user, &j.profile);
        let delete = |id: &str| {
            format!(
                "run `awsmfa rotate {profile}`, which deletes it, or delete it with `aws iam delete-access-key --user-name {user} --access-key-id {id}`"
            )
        };
        let (what, fix) = match &j.new_key {
            Some(id) if on_disk(id) => (
                format!(
                    "a rotate of IAM user `{user}` stopped after saving new key {id}; old key {} may still exist",
                    j.old_key
                ),
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
    judge_mode(r, topic, path, &meta, secret);
    #[cfg(not(unix))]
    {
        let _ = (meta, secret);
        r.ok(topic, format!("{} exists", show(path)));
    }
}

/// Owner and mode of an AWS file, as [`file_mode`] requires them.
#[cfg(unix)]
fn judge_mode(r: &mut Report, topic: &str, path: &Path, meta: &std::fs::Metadata, secret: bool) {
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode() & 0o777;
    let loose = if secret { mode & 0o077 } else { mode & 0o022 };
    let fix = format!(
        "chmod {} {}",
        if secret { "600" } else { "go-w" },
        path.display()
    );
    if meta.uid() != crate::fs::my_uid() {
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
            format!(
                "{} is {mode:04o}: other users can change which commands awsmfa runs (mfa_process)",
                show(path)
            ),
            fix,
        );
    } else {
        r.ok(topic, format!("{} is {mode:04o}", show(path)));
    }
}

// ------------------------------------------------------------------------ MFA

/// (source profile, serial) -> the profiles that use them.
type Groups = BTreeMap<(String, Option<String>), Vec<String>>;

/// Which profiles get MFA, grouped by the keys they start from. With no
/// PROFILE (and no $AWS_DEFAULT_PROFILE or $AWS_PROFILE) every profile that is not itself the
/// source of another is checked.
/// Returns a checked profile that starts from long-term keys, to test
/// those keys against STS with.
fn mfa(r: &mut Report, profiles: &Profiles, wanted: Option<&str>) -> Option<String> {
    const TOPIC: &str = "mfa";
    let wanted = wanted
        .map(str::to_string)
        .or_else(|| crate::profile::from_env().map(|(name, _)| name));
    let chains = chains(r, TOPIC, profiles, wanted.as_deref())?;
    let (groups, keys) = group(r, TOPIC, profiles, &chains, wanted.is_some());
    if groups.is_empty() {
        r.warn(
            TOPIC,
            "no profile starts from an IAM user's access keys",
            "add the user's keys to the credentials file (`aws configure --profile NAME`)",
        );
    }
    for ((source, serial), users) in &groups {
        device_line(r, TOPIC, source, serial.as_deref(), users);
    }
    keys
}

/// The chains to check: `wanted`'s (a failure when it does not resolve),
/// else every profile's that resolves, each but those only sources of
/// others. Other tools' profiles (SSO, broken ones) are not awsmfa's.
fn chains(
    r: &mut Report,
    topic: &str,
    profiles: &Profiles,
    wanted: Option<&str>,
) -> Option<Vec<(String, Chain)>> {
    let names: Vec<String> = match wanted {
        Some(name) => {
            if let Err(e) = profiles.get(name) {
                r.fail(topic, e.to_string(), "name a profile that exists");
                return None;
            }
            vec![name.to_string()]
        }
        None => profiles.names().map(str::to_string).collect(),
    };
    let mut chains = Vec::new();
    let mut sources = BTreeSet::new();
    for name in names {
        match profiles.chain(&name) {
            Ok(chain) => {
                sources.extend(chain.path.iter().skip(1).cloned());
                chains.push((name, chain));
            }
            Err(e) if wanted.is_some() => {
                r.fail(topic, e.to_string(), "fix the profile named above");
                return None;
            }
            Err(_) => {}
        }
    }
    if wanted.is_none() {
        chains.retain(|(name, _)| !sources.contains(name));
    }
    Some(chains)
}

/// The chains that start from long-term keys, grouped by keys and serial,
/// and the first of them.
fn group(
    r: &mut Report,
    topic: &str,
    profiles: &Profiles,
    chains: &[(String, Chain)],
    named: bool,
) -> (Groups, Option<String>) {
    let mut groups = Groups::new();
    let mut keys = None;
    for (name, chain) in chains {
        let Some(k) = crate::vault::Signer::of(profiles, &chain.base) else {
            if named {
                r.skip(topic, format!("profile `{name}` does not start from access keys; awsmfa does not manage it"));
            }
            continue;
        };
        if k.temporary() {
            r.skip(topic, format!("profile `{name}` starts from temporary keys of `{}`; no MFA session is made from those", k.profile()));
            continue;
        }
        let serial = profiles
            .along(chain, "mfa_serial")
            .map(|(_, s)| s.to_string());
        keys.get_or_insert_with(|| name.clone());
        groups
            .entry((k.profile().to_string(), serial))
            .or_default()
            .push(name.clone());
    }
    (groups, keys)
}

/// One line for the profiles using `source`'s keys with `serial`.
fn device_line(r: &mut Report, topic: &str, source: &str, serial: Option<&str>, users: &[String]) {
    let list = users
        .iter()
        .map(|u| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(serial) = serial else {
        r.warn(
            topic,
            format!("{list} use{} the keys of `{source}` without mfa_serial, so no MFA is ever asked for", if users.len() == 1 { "s" } else { "" }),
            format!("run `awsmfa setup {source}` (it finds the device and writes mfa_serial)"),
        );
        return;
    };
    match arn::device(serial) {
        kind if kind.is_totp() => r.ok(topic, format!("{list}: {serial} ({})", kind.describe())),
        Device::Fido => r.fail(
            topic,
            format!("{list}: {serial} is a FIDO security key, which STS cannot use for API calls"),
            format!("register a virtual (authenticator app) or hardware TOTP device for the user, then `awsmfa setup {source}`"),
        ),
        _ => r.warn(
            topic,
            format!("{list}: mfa_serial {serial:?} is neither an MFA device ARN nor a token serial number"),
            format!("run `awsmfa setup {source}` to write the right one"),
        ),
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
    let dir = match crate::store::cache::dir() {
        Ok(dir) => dir,
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "set $HOME");
            return;
        }
    };
    cache_modes(r, &dir);
    key_store(r, &cache, &dir);
}

/// Where the cache key is, or will be; a failure when no store works.
fn key_store(r: &mut Report, cache: &crate::store::cache::Cache, dir: &Path) {
    const TOPIC: &str = "key store";
    if let Some(store) = cache.key_store() {
        r.ok(TOPIC, format!("the cache key is in {}", store.describe()));
        return;
    }
    // The setting the cache was opened with: the config is not read twice.
    let choice = cache.choice();
    if choice == KeyStoreChoice::Passphrase {
        r.ok(
            TOPIC,
            "the cache key comes from a passphrase, asked when needed",
        );
        return;
    }
    let mut broken = Vec::new();
    for store in crate::store::cache::key::KeyHome::candidates(choice, dir) {
        match store.key(false) {
            Ok(_) => {
                r.ok(
                    TOPIC,
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
        TOPIC,
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
    if private_dir(r, TOPIC, dir, &meta) {
        private_entries(r, TOPIC, dir, &meta);
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        r.ok(TOPIC, format!("{} exists", show(dir)));
    }
}

/// Whether the cache directory is the user's own and closed to others
/// (a failure line when not).
#[cfg(unix)]
fn private_dir(r: &mut Report, topic: &str, dir: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let me = crate::fs::my_uid();
    if meta.uid() != me {
        r.fail(
            topic,
            format!(
                "{} belongs to uid {}, not to you (uid {me}): the cache is not used",
                show(dir),
                meta.uid()
            ),
            format!("remove {}", dir.display()),
        );
        return false;
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        r.fail(
            topic,
            format!(
                "{} is {mode:04o}: other users can see or replace cached sessions",
                show(dir)
            ),
            format!("chmod 700 {}", dir.display()),
        );
        return false;
    }
    true
}

/// The entries of a private cache directory: none readable by others.
#[cfg(unix)]
fn private_entries(r: &mut Report, topic: &str, dir: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let loose: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.metadata().is_ok_and(|m| m.mode() & 0o077 != 0))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if loose.is_empty() {
        let mode = meta.mode() & 0o777;
        r.ok(
            topic,
            format!("{} is {mode:04o}, its entries private", show(dir)),
        );
    } else {
        r.fail(
            topic,
            format!(
                "{} file(s) in {} are readable by others: {}",
                loose.len(),
                show(dir),
                loose.join(", ")
            ),
            format!("chmod 600 {}/*", dir.display()),
        );
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

const CLOCK_FIX: &str =
    "turn on time synchronisation (`timedatectl set-ntp true`, or your system's clock settings)";

fn network(r: &mut Report, profiles: Option<&Profiles>, profile: Option<String>) {
    let env = crate::reach::Env::process();
    let user = profiles
        .zip(profile)
        .map(|(profiles, name)| crate::iam::user_profile(profiles, &name, &env));
    // Ctrl-C at the key store's passphrase: the keys exist, unread.
    if let Some(Err(Error::Interrupted)) = user {
        r.skip(
            "clock",
            "not asked: the key store's passphrase was not given (Ctrl-C)",
        );
        r.skip("keys", "not read: the key store's passphrase was not given");
        return;
    }
    let Some(Ok(user)) = user else {
        r.skip("clock", "no profile with access keys to ask STS with");
        r.skip("keys", "no profile with access keys");
        return;
    };
    // Messages in the words every other command uses.
    let say = |f: Failure| user.error(f, "GetCallerIdentity", Service::Sts).to_string();
    let sts = match crate::sts::Sts::new(user.sts.clone()) {
        Ok(sts) => sts,
        Err(f) => {
            r.fail("clock", say(f), "fix the setting named above");
            return;
        }
    };
    let server = match sts.clock(&user.keys) {
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
    let drift = clock_line(r, server.skew());
    let source = &user.source_profile;
    match server.identity {
        Ok(id) => r.ok("keys", format!("the keys of `{source}` belong to {}", id.arn)),
        Err(f @ Failure::BadCredentials { .. }) if drift == Drift::Signatures => r.fail(
            "keys",
            format!("{}, most likely because of the clock", say(f)),
            CLOCK_FIX,
        ),
        Err(f @ Failure::BadCredentials { .. }) => r.fail(
            "keys",
            say(f),
            format!("create a new access key for the user and put it in the credentials file, or `awsmfa rotate {source}` if the old one still works"),
        ),
        // Whatever else refused the keys, they do not work: a failure.
        Err(f) => r.fail("keys", say(f), "check the user's IAM policies and the endpoint"),
    }
}

/// The clock against STS's, judged by the thresholds every command uses.
fn clock_line(r: &mut Report, skew: i64) -> Drift {
    let side = if skew > 0 { "behind" } else { "ahead of" };
    let off = skew.unsigned_abs();
    let drift = clock::judge(skew);
    match drift {
        Drift::Signatures => r.fail(
            "clock",
            format!(
                "this machine is {off}s {side} STS: AWS refuses requests signed 15 minutes off"
            ),
            CLOCK_FIX,
        ),
        Drift::Codes => r.warn(
            "clock",
            format!("this machine is {off}s {side} STS: MFA codes computed here (mfa_process) are likely rejected"),
            CLOCK_FIX,
        ),
        Drift::Fine => r.ok("clock", format!("within {off}s of STS")),
    }
    drift
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
}
