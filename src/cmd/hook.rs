//! `awsmfa hook SHELL`: what the prompt hook runs when the directory changed
//! or the refresh deadline passed (never on a prompt with nothing to do).
//!
//! stdin: the shell's state (see [`crate::hookstate`]). stdout: statements
//! the hook evals: the environment changes, the new state, and the next
//! deadline. On failure the statements that are still right (leaving a
//! project, the state) are printed before the error, so the shell is never
//! left with the credentials of a directory it is no longer in.
//!
//! stderr: one line when the shell's credentials change (entered, removed;
//! not on a silent refresh), unless `announce = false` or `AWSMFA_QUIET`;
//! one line on failure, naming `awsmfa reload`, the retry (a configuration
//! error names its own fix).
//!
//! This file owns the hook's decisions (keep, refresh, leave, enter, adopt)
//! and nothing of any shell's syntax: that is [`crate::shell::Hook`]'s.

use super::{Context, print};
use crate::cli::ShellArgs;
use crate::config::UserConfig;
use crate::error::{Error, Result};
use crate::hookstate::{Active, State};
use crate::obtain::{self, Obtained, Request};
use crate::project::{self, Project};
use crate::shell::{self, Hook};
use crate::store::{ShellStore, epoch};
use crate::vars::{CONFLICTING, Changes, MANAGED, SAVED, Saved};
use crate::{term, trust};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

/// After a failed refresh, or when the refresh window is longer than the
/// credentials last, look again in this many seconds, not at every prompt.
const RETRY: u64 = 60;

pub fn run(ctx: &Context, args: ShellArgs) -> Result<ExitCode> {
    let shell = shell::for_hook(args.shell);
    // The prompt hook reads this through $(...); at a terminal it would put
    // secrets in scrollback.
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        let init = format!("awsmfa init {}", shell.name());
        return Err(Error::Usage(format!(
            "`awsmfa hook` is run by the prompt hook, not by hand; load the hook with `{}`",
            shell.apply(&init)
        )));
    }
    let now = SystemTime::now();
    let mut state = State::from_stdin();
    state.prune(now);
    let mut env = BTreeMap::new();
    let mut news = News::default();
    // Set by the shell function for `logout` and `cache clear` run in this
    // shell (see `revoked_here`).
    let outcome = match var(REVOKED) {
        Some(command) => {
            revoked_here(&command, &mut state, &mut env, &mut news);
            Ok(())
        }
        None => step(ctx, &mut state, &mut env, &mut news, now),
    };
    let deadline = match (&state.active, &outcome) {
        (None, _) => None,
        (Some(_), Err(_)) => Some(RETRY),
        (Some(a), Ok(())) => Some(next_look(a, window()?, now)),
    };
    // Before the statements: a broken config.toml must not fail the hook
    // once they are printed.
    let quiet = crate::config::quiet()?;
    print(&render(shell, &env, &state, deadline)?)?;
    if !quiet {
        news.tell();
    }
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // The one line a failure prints, with the retry: the hook does not
        // look again by itself until the next cd (or, for a refresh, in a
        // minute). A configuration error already names its fix (a file to
        // edit, `awsmfa allow`) and is printed as `allow` prints it.
        Err(e) if e.exit_code() == crate::error::exit::CONFIG => Err(e),
        Err(e) => {
            term::error(format_args!("{e}; `awsmfa reload` tries again"));
            Ok(ExitCode::from(e.exit_code()))
        }
    }
}

/// The variable the shell function sets for the `awsmfa hook` it runs
/// after `logout` or `cache clear [PROFILE]` succeeded here: those words.
const REVOKED: &str = "__AWSMFA_REVOKED";

/// What changed in the shell, for the one line the hook prints.
#[derive(Default)]
struct News {
    /// The profile whose credentials were removed.
    left: Option<String>,
    /// Why, when it was not a `cd`.
    cause: Option<Cause>,
    /// The line for what was exported instead.
    entered: Option<String>,
}

enum Cause {
    /// The project file (its path) was edited or denied since.
    Untrusted(String),
    /// The project file (its path) is gone.
    Removed(String),
    /// `logout` or `cache clear` in this shell: the words that say so.
    Revoked(&'static str),
}

impl News {
    fn tell(self) {
        let Some(profile) = self.left else {
            if let Some(line) = self.entered {
                term::note(format_args!("awsmfa: {line}"));
            }
            return;
        };
        if let Some(line) = self.entered {
            return term::note(format_args!("awsmfa: {line}"));
        }
        let removed = format!("removed the credentials of {profile}");
        match self.cause {
            None => term::note(format_args!("awsmfa: {removed}")),
            Some(Cause::Untrusted(file)) => term::note(format_args!(
                "awsmfa: {file} is not trusted as it is now: {removed}; run `awsmfa allow` to trust it"
            )),
            Some(Cause::Removed(file)) => {
                term::note(format_args!("awsmfa: {file} is gone: {removed}"))
            }
            Some(Cause::Revoked(what)) => {
                term::note(format_args!("awsmfa: {what}: {removed} from this shell"))
            }
        }
    }
}

/// "exported prod (account 222222222222, expires in 59m)".
fn entered_line(o: &Obtained, project: &Project, now: SystemTime) -> String {
    format!("exported {}", o.about(project.account.as_deref(), now))
}

fn window() -> Result<u64> {
    UserConfig::load()?.refresh_window_secs()
}

/// Seconds until the credentials enter the refresh window.
fn next_look(a: &Active, window: u64, now: SystemTime) -> u64 {
    match a.expires {
        Some(expires) if expires > epoch(now) + window => expires - epoch(now) - window,
        _ => RETRY,
    }
}

/// Every variable the hook may change, in output order.
fn all_vars() -> impl Iterator<Item = &'static str> {
    MANAGED.iter().chain(CONFLICTING).copied()
}

/// The shell's own value of every variable the hook may change.
fn own_values() -> BTreeMap<String, Option<String>> {
    all_vars().map(|n| (n.to_string(), var(n))).collect()
}

/// A trusted `.awsmfa.toml` and what it asks for.
struct Wanted {
    file: PathBuf,
    project: Project,
    /// Its allowance, which the shell watches ([`trust::watch`]).
    allowance: PathBuf,
}

/// The nearest `.awsmfa.toml`, trusted or not.
enum Found {
    Nothing,
    Untrusted(String),
    Trusted(Wanted),
}

/// What `.awsmfa.toml` (if any) is found from here.
fn find(cwd: Option<&Path>) -> Result<Found> {
    let Some(file) = cwd.and_then(project::find) else {
        return Ok(Found::Nothing);
    };
    // Before the bytes: an edit after the read leaves the file newer than
    // its allowance, and the shell looks again.
    let mtime = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
    // The file as found, on the physical working directory's path: what
    // `awsmfa allow` records, and never a symlink's target.
    let bytes = project::read(&file)?;
    if !trust::is_allowed(&file, &bytes)? {
        return Ok(Found::Untrusted(file.display().to_string()));
    }
    let project = Project::parse(&file, &bytes)?;
    let allowance = trust::watch(&file, &bytes, mtime.unwrap_or(SystemTime::UNIX_EPOCH))?;
    Ok(Found::Trusted(Wanted {
        file,
        project,
        allowance,
    }))
}

/// The trusted project of `found`; an untrusted one is pointed out once on
/// entering its project, not again on each cd within it.
fn want(found: Result<Found>, hinted: &mut Option<String>) -> Result<Option<Wanted>> {
    match found? {
        Found::Nothing => {
            *hinted = None;
            Ok(None)
        }
        Found::Untrusted(shown) => {
            if hinted.as_deref() != Some(shown.as_str()) {
                term::note(format_args!(
                    "awsmfa: {shown} is not allowed; run `awsmfa allow` to trust it"
                ));
                *hinted = Some(shown);
            }
            Ok(None)
        }
        Found::Trusted(w) => {
            *hinted = None;
            Ok(Some(w))
        }
    }
}

/// Why `a`'s credentials go, when its own file is the reason: edited (then
/// the one line says how to trust it again, and no hint follows) or gone.
fn cause(a: &Active, found: &Result<Found>, hinted: &mut Option<String>) -> Option<Cause> {
    match found {
        Ok(Found::Untrusted(file)) if *file == a.file => {
            *hinted = Some(file.clone());
            Some(Cause::Untrusted(file.clone()))
        }
        _ if std::fs::symlink_metadata(&a.file).is_err() => Some(Cause::Removed(a.file.clone())),
        _ => None,
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// One look: keep, refresh, leave or enter, as the directory and the clock
/// say; `env` collects the variables to change.
fn step(
    ctx: &Context,
    state: &mut State,
    env: &mut BTreeMap<&'static str, Option<String>>,
    news: &mut News,
    now: SystemTime,
) -> Result<()> {
    if state.active.as_ref().is_some_and(replaced_by_hand) {
        state.active = None;
        return Ok(());
    }
    let revoked = revoke(state, env, news);
    let may_adopt = revoked.is_none();
    let cwd = std::env::current_dir().ok();
    let found = find(cwd.as_deref());
    if let Some(a) = &state.active {
        news.cause = cause(a, &found, &mut state.hinted);
    }
    let wanted = want(found, &mut state.hinted);
    if let (Some(a), Ok(Some(w))) = (&mut state.active, &wanted)
        && a.project == w.project
    {
        a.file = w.file.display().to_string();
        a.allowance = Some(w.allowance.display().to_string());
        return refresh(ctx, state, env, w, now);
    }
    // Anything else: leave what is active (back to the shell's own values),
    // then enter what this directory asks for.
    let saved = match (state.active.take(), revoked) {
        (Some(a), _) => leave(env, news, a),
        (None, Some(saved)) => saved,
        (None, None) => own_values(),
    };
    match wanted? {
        None => Ok(()),
        Some(w) => {
            let o = enter(ctx, state, env, saved, &w, may_adopt, now)?;
            if let Some(o) = o {
                news.entered = Some(entered_line(&o, &w.project, now));
            }
            Ok(())
        }
    }
}

/// The user replaced or removed the credentials by hand (`awsmfa env`,
/// `unset`): they are the user's now; keep out until the next cd.
fn replaced_by_hand(a: &Active) -> bool {
    var("AWSMFA_PROFILE").as_deref() != Some(a.project.profile.as_str())
        || var("AWS_ACCESS_KEY_ID").as_deref() != Some(a.access_key_id.as_str())
}

/// `logout` or `cache clear` since the last look: drop what this shell
/// holds, sessions and exported credentials alike, so that the next use
/// asks for a code, as it does everywhere else. Returns the shell's own
/// values when credentials were exported.
fn revoke(
    state: &mut State,
    env: &mut BTreeMap<&'static str, Option<String>>,
    news: &mut News,
) -> Option<BTreeMap<String, Option<String>>> {
    let generation = crate::store::cache::generation();
    if state.generation == generation {
        return None;
    }
    state.generation = generation;
    state.sessions.clear();
    state.active.take().map(|a| leave(env, news, a))
}

/// `logout`, or `cache clear` of all or of this shell's profile, run in
/// this shell (`command`: its words): its credentials go at once, whether
/// the hook exported them or `awsmfa use` did, and none are fetched again
/// until the next `cd` (which asks for a code). Other shells drop theirs
/// at their next look ([`revoke`]).
fn revoked_here(
    command: &str,
    state: &mut State,
    env: &mut BTreeMap<&'static str, Option<String>>,
    news: &mut News,
) {
    let mine = var("AWSMFA_PROFILE");
    let (what, profile) = match command.split_whitespace().collect::<Vec<_>>()[..] {
        ["logout"] => ("logged out", None),
        ["cache", "clear"] => ("cache cleared", None),
        ["cache", "clear", profile] => ("cache cleared", Some(profile)),
        _ => return,
    };
    // Seen here, whatever was cleared: a clear of another profile must not
    // come back at this shell's next look as a revocation of its own.
    state.generation = crate::store::cache::generation();
    if profile.is_some_and(|p| mine.as_deref() != Some(p)) {
        return;
    }
    state.sessions.clear();
    news.cause = Some(Cause::Revoked(what));
    match state.active.take() {
        Some(a) if !replaced_by_hand(&a) => {
            leave(env, news, a);
        }
        // `awsmfa use`'s credentials, or a parent shell's: as `use --unset`.
        _ => {
            if mine.is_some() {
                let saved = var(SAVED).as_deref().and_then(Saved::parse);
                let changes = Saved::restore(saved.as_ref());
                env.extend(changes.set.into_iter().map(|(n, v)| (n, Some(v))));
                env.extend(changes.unset.into_iter().map(|n| (n, None)));
                news.left = mine;
            }
        }
    }
}

/// Same settings as what is exported: fetch again only when due.
fn refresh(
    ctx: &Context,
    state: &mut State,
    env: &mut BTreeMap<&'static str, Option<String>>,
    w: &Wanted,
    now: SystemTime,
) -> Result<()> {
    let a = state
        .active
        .as_ref()
        .expect("refreshing the active project");
    let window = window()?;
    let due = a.expires.is_none_or(|e| e <= epoch(now) + window);
    if !due {
        return Ok(());
    }
    let saved = a.saved.clone();
    let o = fetch(ctx, state, &saved, &w.project, &w.file, true)?;
    export(env, &o);
    let a = state.active.as_mut().expect("still active");
    a.access_key_id = o.credentials.access_key_id().to_string();
    a.expires = o.credentials.expiry().map(epoch);
    Ok(())
}

/// Enter `w`'s project: take over the credentials this shell inherited
/// (see [`adopt`]) unless they were just revoked, else fetch them. Returns
/// what was fetched and exported (None: adopted, nothing changed).
fn enter(
    ctx: &Context,
    state: &mut State,
    env: &mut BTreeMap<&'static str, Option<String>>,
    saved: BTreeMap<String, Option<String>>,
    w: &Wanted,
    may_adopt: bool,
    now: SystemTime,
) -> Result<Option<Obtained>> {
    if may_adopt && let Some(adopted) = adopt(w, now)? {
        state.active = Some(adopted);
        return Ok(None);
    }
    let o = fetch(ctx, state, &saved, &w.project, &w.file, false)?;
    export(env, &o);
    state.active = Some(Active {
        file: w.file.display().to_string(),
        allowance: Some(w.allowance.display().to_string()),
        project: w.project.clone(),
        saved,
        access_key_id: o.credentials.access_key_id().to_string(),
        expires: o.credentials.expiry().map(epoch),
    });
    Ok(Some(o))
}

/// Back to the shell's own values of everything `a` changed; returns them.
fn leave(
    env: &mut BTreeMap<&'static str, Option<String>>,
    news: &mut News,
    a: Active,
) -> BTreeMap<String, Option<String>> {
    news.left = Some(a.project.profile.clone());
    for name in all_vars() {
        if let Some(value) = a.saved.get(name) {
            env.insert(name, value.clone());
        }
    }
    a.saved
}

/// Credentials for `project`, with the MFA session the shell holds.
fn fetch(
    ctx: &Context,
    state: &mut State,
    saved: &BTreeMap<String, Option<String>>,
    project: &Project,
    file: &Path,
    refresh: bool,
) -> Result<Obtained> {
    // Region, endpoint and proxy are resolved in the shell's own
    // environment, not in what a previous project exported.
    let env = crate::reach::Env::from_fn(|name| match saved.get(name) {
        Some(value) => value.clone(),
        None => std::env::var(name).ok(),
    });
    // Said in the MFA prompt: the person did not ask for this, a cd did.
    let dir = file.parent().unwrap_or(file);
    crate::mfa::set_purpose(format!("profile {} for {}", project.profile, dir.display()));
    let req = Request {
        profile: project.profile.clone(),
        token_code: None,
        duration: project.duration,
        region: project.region.clone(),
        refresh,
        internal: false,
    };
    let o = obtain::obtain_in(&req, &ShellStore::new(state, ctx.store()?), &env)?;
    if let Some((key, session)) = &o.mfa_session {
        state.remember(key, session);
    }
    let (arn, creds) = (o.arn.as_deref(), &o.credentials);
    check_account(project, file, &o.profile, arn, creds, &env)?;
    Ok(o)
}

/// `account` in `.awsmfa.toml`: refuse credentials of any other account.
fn check_account(
    project: &Project,
    file: &Path,
    profile: &str,
    arn: Option<&str>,
    creds: &aws_credential_types::Credentials,
    env: &crate::reach::Env,
) -> Result<()> {
    let Some(expected) = &project.account else {
        return Ok(());
    };
    let actual = match arn.and_then(crate::arn::account) {
        Some(a) => a.to_string(),
        // Session-only profiles (no role) have no ARN yet: ask STS.
        None => obtain::identity_in(profile, creds, env)?.account,
    };
    if &actual == expected {
        Ok(())
    } else {
        Err(Error::WrongAccount {
            file: file.display().to_string(),
            profile: profile.to_string(),
            expected: expected.clone(),
            actual,
        })
    }
}

fn export(env: &mut BTreeMap<&'static str, Option<String>>, o: &Obtained) {
    let changes = Changes::export(o);
    for name in changes.unset {
        env.insert(name, None);
    }
    for (name, value) in changes.set {
        env.insert(name, Some(value));
    }
}

/// A shell started from one that already exports this profile's credentials
/// (a nested shell, a new terminal pane) takes them over instead of asking
/// for another MFA code. Leaving then removes them, as nothing is known of
/// what was there before.
fn adopt(w: &Wanted, now: SystemTime) -> Result<Option<Active>> {
    let (project, file) = (&w.project, w.file.as_path());
    let (Some(profile), Some(key_id), Some(secret), Some(expiration)) = (
        var("AWSMFA_PROFILE"),
        var("AWS_ACCESS_KEY_ID"),
        var("AWS_SECRET_ACCESS_KEY"),
        var("AWS_CREDENTIAL_EXPIRATION"),
    ) else {
        return Ok(None);
    };
    let expires = aws_smithy_types::DateTime::from_str(
        &expiration,
        aws_smithy_types::date_time::Format::DateTime,
    )
    .ok()
    .map(|t| t.secs().max(0) as u64);
    let region_matches = project.region.is_none() || project.region == var("AWS_REGION");
    let window = window()?;
    let lasts = expires.is_some_and(|e| e > epoch(now) + window);
    if profile != project.profile || !region_matches || !lasts {
        return Ok(None);
    }
    let creds = aws_credential_types::Credentials::new(
        key_id.clone(),
        secret,
        var("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    check_account(
        project,
        file,
        &profile,
        None,
        &creds,
        &crate::reach::Env::process(),
    )?;
    let mut saved = own_values();
    for name in MANAGED {
        saved.insert(name.to_string(), None);
    }
    Ok(Some(Active {
        file: file.display().to_string(),
        allowance: Some(w.allowance.display().to_string()),
        project: project.clone(),
        saved,
        access_key_id: key_id,
        expires,
    }))
}

/// The statements for the shell: environment, state, next deadline.
fn render(
    shell: &dyn Hook,
    env: &BTreeMap<&'static str, Option<String>>,
    state: &State,
    deadline: Option<u64>,
) -> Result<String> {
    let mut changes = Changes::default();
    // AWSMFA_SAVED: `awsmfa use`'s record, removed with its credentials.
    for name in all_vars().chain([SAVED]) {
        match env.get(name) {
            Some(Some(value)) => changes.set.push((name, value.clone())),
            Some(None) => changes.unset.push(name),
            None => {}
        }
    }
    let mut out = shell.export(&changes)?;
    out.push_str(&shell.state(&state.to_json()));
    // The project file and its allowance, for the prompt's test.
    let watched = state
        .active
        .as_ref()
        .and_then(|a| Some((a.file.as_str(), a.allowance.as_deref()?)));
    let (file, allowance) = watched.unwrap_or(("", ""));
    out.push_str(&shell.keep("__awsmfa_file", file));
    out.push_str(&shell.keep("__awsmfa_allowance", allowance));
    out.push_str(&shell.deadline(deadline, watched));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_per_shell() {
        let mut env = BTreeMap::new();
        env.insert("AWS_PROFILE", Some("it's".to_string()));
        env.insert("AWS_ACCESS_KEY_ID", None);
        let state = State::default();
        assert_eq!(
            render(&shell::Bash, &env, &state, Some(30)).unwrap(),
            "unset AWS_ACCESS_KEY_ID\nexport AWS_PROFILE='it'\\''s'\n__awsmfa_state='{\"v\":1}'\n__awsmfa_file=''\n__awsmfa_allowance=''\n__awsmfa_deadline=$((SECONDS + 30))\n"
        );
        assert_eq!(
            render(&shell::Fish, &env, &state, None).unwrap(),
            "if set -q AWS_ACCESS_KEY_ID; set -e -g AWS_ACCESS_KEY_ID; end\nset -gx AWS_PROFILE 'it\\'s'\nset -gu __awsmfa_state '{\"v\":1}'\nset -gu __awsmfa_file ''\nset -gu __awsmfa_allowance ''\nset -gu __awsmfa_deadline ''\n"
        );
        assert_eq!(
            render(&shell::Fish, &BTreeMap::new(), &state, Some(30)).unwrap(),
            "set -gu __awsmfa_state '{\"v\":1}'\nset -gu __awsmfa_file ''\nset -gu __awsmfa_allowance ''\n__awsmfa_tick\nset -gu __awsmfa_deadline (math $__awsmfa_now + 30)\n"
        );
    }

    #[test]
    fn deadline_is_the_start_of_the_refresh_window() {
        let now = SystemTime::now();
        let mut a = Active {
            file: "/p/.awsmfa.toml".into(),
            allowance: None,
            project: Project {
                profile: "p".into(),
                region: None,
                duration: None,
                account: None,
            },
            saved: BTreeMap::new(),
            access_key_id: "ASIA".into(),
            expires: Some(epoch(now) + 3600),
        };
        assert_eq!(next_look(&a, 300, now), 3300);
        // A window longer than the credentials last: once a minute, not at
        // every prompt.
        assert_eq!(next_look(&a, 7200, now), RETRY);
        a.expires = None;
        assert_eq!(next_look(&a, 300, now), RETRY);
    }
}
