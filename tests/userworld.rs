//! The user's world: awsmfa as a person gets it on a stock machine, with
//! nothing pinned (issue 11). Everything else in the suite pins the key
//! store to a file for isolation; here nothing is:
//!
//! - the default key store (no `AWSMFA_KEY_STORE`): the real keyutils;
//! - separate processes, each started with only what a login shell has
//!   (HOME, USER, LOGNAME, SHELL, PATH, LANG, TERM): no XDG variables, no
//!   `XDG_RUNTIME_DIR` (ssh into a container or a box without logind), no
//!   `AWS_*` override variables;
//! - the AWS files where the AWS docs put them, the long-term keys in
//!   `[default]` of `~/.aws/credentials`, and STS reached through the
//!   profiles' `endpoint_url` as a user of a private endpoint writes it.
//!
//! Each check runs three ways: as is; under `setsid` (no controlling
//! terminal, as for a `credential_process` an IDE starts); and with every
//! process in a session keyring of its own (`keyctl session -`, what a
//! PAM login makes, and what the kernel makes per process where there is
//! none): the key must be found by the next process in all three.

use crate::support::proxy::{Action, Proxy};
use crate::support::*;
use std::process::{Child, Command, Output, Stdio};

#[derive(Clone, Copy, Debug)]
enum Launch {
    Plain,
    Setsid,
    OwnSessionKeyring,
}

/// Whether keyutils answers here: the kernel may refuse keyctl (Docker's
/// default seccomp profile does), and then no test of the default store
/// can pass. Under CI=true that is a failure.
fn keyutils_here(launch: Launch) -> bool {
    let works = |args: &[&str]| succeeds("keyctl", args);
    require_tools(&["keyctl"])
        && require(
            "a kernel that allows keyctl (`keyctl show @u` fails)",
            works(&["show", "@u"]),
        )
        && (!matches!(launch, Launch::OwnSessionKeyring)
            || require(
                "`keyctl session -` (a new session keyring)",
                works(&["session", "-", "true"]),
            ))
        && (!matches!(launch, Launch::Setsid) || require_tools(&["setsid"]))
}

/// A user `alice` whose keys are in `[default]`, with an MFA device and
/// roles, reached through a recording proxy in front of moto.
struct UserWorld {
    w: World,
    proxy: Proxy,
    launch: Launch,
}

impl UserWorld {
    fn new(roles: &[&str], launch: Launch) -> UserWorld {
        let w = World::new();
        let s = w.seed("alice", roles);
        let proxy = Proxy::start(Some(&w.endpoint()), vec![], Action::Forward);
        let uw = UserWorld { w, proxy, launch };
        uw.write_files(&s, true);
        std::fs::write(uw.w.path("mfa.sh"), COUNTING_MFA).unwrap();
        uw
    }

    /// `~/.aws/credentials` and `~/.aws/config`, as the AWS docs lay them
    /// out; `mfa` false leaves `mfa_serial` out (before `awsmfa setup`).
    fn write_files(&self, s: &Seeded, mfa: bool) {
        let aws = self.w.home().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(
            aws.join("credentials"),
            format!(
                "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                s.access_key_id, s.secret_access_key
            ),
        )
        .unwrap();
        let endpoint = format!("region = us-east-1\nendpoint_url = {}\n", self.proxy.url);
        let mut config = format!(
            "[default]\n{endpoint}mfa_process = sh {}\n",
            self.w.path("mfa.sh").display()
        );
        if mfa {
            config.push_str(&format!("mfa_serial = {}\n", s.mfa_serial));
        }
        for (name, arn) in &s.roles {
            config.push_str(&format!(
                "\n[profile {name}]\nrole_arn = {arn}\nsource_profile = default\n{endpoint}"
            ));
        }
        std::fs::write(aws.join("config"), config).unwrap();
    }

    /// `awsmfa ARGS` as this world's launch starts it, with a login's
    /// environment only.
    fn awsmfa(&self, args: &[&str]) -> Command {
        let mut c = match self.launch {
            Launch::Plain => Command::new(awsmfa_bin()),
            Launch::Setsid => {
                let mut c = Command::new("setsid");
                c.arg("--wait").arg(awsmfa_bin());
                c
            }
            Launch::OwnSessionKeyring => {
                let mut c = Command::new("keyctl");
                c.args(["session", "-"]).arg(awsmfa_bin());
                c
            }
        };
        c.args(args)
            .env_clear()
            .envs(login_env(&self.w.home()))
            .current_dir(self.w.home())
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        bounded::output_within(&mut self.awsmfa(args), bounded::HANG)
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.awsmfa(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn codes(&self) -> usize {
        codes_in(self.w.dir.path())
    }

    /// How many requests of this STS/IAM action reached the endpoint.
    fn calls(&self, action: &str) -> usize {
        self.proxy
            .seen()
            .iter()
            .filter(|s| s.action() == action)
            .count()
    }
}

impl Drop for UserWorld {
    /// The key lives in this uid's real user keyring: take it out again
    /// (`logout`), so that a developer's run leaves nothing behind.
    fn drop(&mut self) {
        let _ = self.awsmfa(&["logout"]).output();
    }
}

/// What a login shell has, and nothing else.
fn login_env(home: &std::path::Path) -> Vec<(&'static str, String)> {
    let user = Command::new("id")
        .arg("-un")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "root".into());
    vec![
        ("HOME", home.to_string_lossy().into_owned()),
        ("USER", user.clone()),
        ("LOGNAME", user),
        ("SHELL", "/bin/bash".into()),
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
        ("LANG", "C.UTF-8".into()),
        ("TERM", "dumb".into()),
    ]
}

/// Three roles in three processes, one after another: one MFA code, and
/// the cache names where its key really is.
fn three_roles_take_one_code(launch: Launch) {
    if !keyutils_here(launch) {
        return;
    }
    let u = UserWorld::new(&["r1", "r2", "r3"], launch);
    for role in ["r1", "r2", "r3"] {
        let o = u.run(&["env", role]);
        let out = ok(&o);
        assert!(out.contains("AWS_SESSION_TOKEN="), "{role}: {out}");
    }
    assert_eq!(u.codes(), 1, "{launch:?}: three roles, three processes");
    assert_eq!(u.calls("GetSessionToken"), 1, "{launch:?}");
    assert_eq!(u.calls("AssumeRole"), 3, "{launch:?}");
    // A second round is served from the cache: no call at all.
    for role in ["r1", "r2", "r3"] {
        ok(&u.run(&["env", role]));
    }
    assert_eq!(
        u.proxy.count(),
        4,
        "{launch:?}: nothing more was asked of STS"
    );
    let list = u.run(&["cache", "list"]);
    ok(&list);
    let said = stderr(&list);
    assert!(
        said.contains("Linux user keyring") && !said.contains("none yet"),
        "{launch:?}: cache list must say where the key is: {said}"
    );
    let status = ok(&u.run(&["status"]));
    assert!(status.contains("Linux user keyring"), "{status}");
}

/// Ten processes started at once, two for each of five roles, from a cold
/// cache: one MFA code, one GetSessionToken, one AssumeRole per role.
fn ten_at_once_take_one_code(launch: Launch) {
    if !keyutils_here(launch) {
        return;
    }
    let roles = ["r1", "r2", "r3", "r4", "r5"];
    let u = UserWorld::new(&roles, launch);
    // Slow enough that the other nine arrive while the first one waits.
    std::fs::write(u.w.path("mfa.delay"), "1").unwrap();
    let children: Vec<(&str, Child)> = roles
        .iter()
        .chain(roles.iter())
        .map(|role| (*role, u.spawn(&["env", role])))
        .collect();
    for (role, child) in children {
        let o = bounded::wait_within(child, bounded::HANG);
        let out = ok(&o);
        assert!(out.contains("AWS_SESSION_TOKEN="), "{role}: {out}");
    }
    assert_eq!(u.codes(), 1, "{launch:?}: ten processes at once");
    assert_eq!(u.calls("GetSessionToken"), 1, "{launch:?}");
    assert_eq!(u.calls("AssumeRole"), 5, "{launch:?}: one per role");
}

#[test]
fn three_roles_in_three_processes_take_one_code() {
    three_roles_take_one_code(Launch::Plain);
}

#[test]
fn three_roles_take_one_code_without_a_terminal_under_setsid() {
    three_roles_take_one_code(Launch::Setsid);
}

#[test]
fn three_roles_take_one_code_with_a_session_keyring_per_process() {
    three_roles_take_one_code(Launch::OwnSessionKeyring);
}

#[test]
fn ten_processes_at_once_take_one_code_and_one_assume_role_per_role() {
    ten_at_once_take_one_code(Launch::Plain);
}

#[test]
fn ten_processes_at_once_under_setsid_take_one_code() {
    ten_at_once_take_one_code(Launch::Setsid);
}

#[test]
fn ten_processes_at_once_each_in_its_own_session_keyring_take_one_code() {
    ten_at_once_take_one_code(Launch::OwnSessionKeyring);
}

/// Seconds from now until the exported AWS_CREDENTIAL_EXPIRATION.
pub(crate) fn lifetime(out: &str) -> i64 {
    seconds_left(&check::export(out, "AWS_CREDENTIAL_EXPIRATION"))
}

/// Seconds from now until an RFC 3339 time (as `env` and `process` write
/// it), read with the SDK's own date parser.
fn seconds_left(rfc3339: &str) -> i64 {
    let at = aws_smithy_types::DateTime::from_str(
        rfc3339,
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap_or_else(|e| panic!("{rfc3339:?}: {e}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    at.secs() - now
}

/// A user's world where `env r1` assumed the default hour and cached it
/// (None where keyutils is refused, which fails under CI).
fn r1_hour_cached() -> Option<UserWorld> {
    if !keyutils_here(Launch::Plain) {
        return None;
    }
    let u = UserWorld::new(&["r1"], Launch::Plain);
    let hour = ok(&u.run(&["env", "r1"]));
    assert!(lifetime(&hour) > 50 * 60, "the default hour: {hour}");
    assert_eq!(u.calls("AssumeRole"), 1);
    Some(u)
}

#[test]
fn nothing_handed_out_outlives_the_duration_asked_for() {
    let Some(u) = r1_hour_cached() else {
        return;
    };

    // The hour-long credentials are cached, but 15 minutes were asked for.
    let short = ok(&u.run(&["env", "r1", "--duration", "15m"]));
    let left = lifetime(&short);
    assert!(left <= 15 * 60 + 60, "15m asked, {left}s handed out");
    assert_eq!(u.calls("AssumeRole"), 2, "a new AssumeRole, not the cache");
    // What that call stored serves the next one of the same length.
    ok(&u.run(&["env", "r1", "--duration", "15m"]));
    assert_eq!(u.calls("AssumeRole"), 2);

    // duration_seconds in the profile binds `process`, and `exec`'s child
    // sees no more than asked either.
    let config = u.w.home().join(".aws/config");
    let text = std::fs::read_to_string(&config).unwrap();
    let mut r2 = text.clone();
    r2.push_str(&format!(
        "\n[profile r1short]\nrole_arn = {}\nsource_profile = default\nduration_seconds = 900\nregion = us-east-1\nendpoint_url = {}\n",
        role_arn_of(&text, "r1"),
        u.proxy.url
    ));
    std::fs::write(&config, r2).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&ok(&u.run(&["process", "r1short"]))).unwrap();
    let expiry = json["Expiration"].as_str().unwrap();
    assert!(seconds_left(expiry) <= 15 * 60 + 60, "{json}");
    let child = ok(&u.run(&[
        "exec",
        "r1",
        "--duration",
        "15m",
        "--",
        "sh",
        "-c",
        "printf \"export AWS_CREDENTIAL_EXPIRATION='%s'\\n\" \"$AWS_CREDENTIAL_EXPIRATION\"",
    ]));
    assert!(lifetime(&child) <= 15 * 60 + 60, "{child}");

    // The prompt hook, for a project whose `.awsmfa.toml` asks for 15m,
    // with r1's hour-long credentials in the cache.
    let proj = u.w.home().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join(".awsmfa.toml"),
        "profile = \"r1\"\nduration = \"15m\"\n",
    )
    .unwrap();
    let in_proj = |args: &[&str]| {
        let mut c = u.awsmfa(args);
        c.current_dir(&proj);
        bounded::output_within(&mut c, bounded::HANG)
    };
    ok(&in_proj(&["allow"]));
    ok(&u.run(&["cache", "clear", "r1"]));
    assert!(lifetime(&ok(&u.run(&["env", "r1"]))) > 50 * 60);
    let calls = u.calls("AssumeRole");
    let hook = ok(&in_proj(&["hook", "bash"]));
    assert!(lifetime(&hook) <= 15 * 60 + 60, "{hook}");
    assert_eq!(u.calls("AssumeRole"), calls + 1, "not the cached hour");
}

fn role_arn_of(config: &str, profile: &str) -> String {
    let section = config
        .split(&format!("[profile {profile}]\n"))
        .nth(1)
        .unwrap();
    section
        .lines()
        .find_map(|l| l.strip_prefix("role_arn = "))
        .unwrap()
        .to_string()
}

#[test]
fn a_malformed_token_code_is_refused_even_with_a_session_cached() {
    if !keyutils_here(Launch::Plain) {
        return;
    }
    let u = UserWorld::new(&["r1", "r2", "r3"], Launch::Plain);
    ok(&u.run(&["env", "r1"]));
    // The session is cached: another role needs no code at all...
    ok(&u.run(&["env", "r2"]));
    assert_eq!(u.codes(), 1, "the MFA session is served from the cache");
    let before = u.proxy.count();
    // ...and still a malformed code is refused, before anything is sent.
    for bad in ["12345", "1234567", "abcdef", ""] {
        let o = u.run(&["env", "r3", "--token-code", bad]);
        let err = check::fails(&o, 4);
        assert!(err.contains("6 digits"), "{bad:?}: {err}");
    }
    assert_eq!(u.proxy.count(), before, "nothing was sent to AWS");
}

#[test]
fn setup_drops_what_was_cached_without_mfa_and_env_says_so() {
    if !keyutils_here(Launch::Plain) {
        return;
    }
    let u = UserWorld::new(&["r1"], Launch::Plain);
    // Start as the AWS docs' layout does: keys, no mfa_serial yet.
    let config = u.w.home().join(".aws/config");
    let with_mfa = std::fs::read_to_string(&config).unwrap();
    let without: String = with_mfa
        .lines()
        .filter(|l| !l.starts_with("mfa_serial"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, &without).unwrap();

    let o = u.run(&["process", "r1"]);
    ok(&o);
    let note = stderr(&o);
    assert_eq!(note.matches("without MFA").count(), 1, "said once: {note}");
    assert!(note.contains("awsmfa setup default"), "{note}");
    assert_eq!(u.codes(), 0);
    ok(&u.run(&["process", "r1"]));
    assert_eq!(u.calls("AssumeRole"), 1, "cached without MFA");

    // setup writes the device's serial: nothing cached without it is served.
    ok(&u.run(&["setup"]));
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("mfa_serial")
    );
    let o = u.run(&["process", "r1"]);
    ok(&o);
    assert_eq!(u.codes(), 1, "an MFA code: the no-MFA credentials are gone");
    assert_eq!(u.calls("GetSessionToken"), 1);
    assert_eq!(u.calls("AssumeRole"), 2);
    assert!(!stderr(&o).contains("without MFA"), "{}", stderr(&o));
}

/// Two interactive bash shells in a project, both holding its credentials;
/// `awsmfa logout` in between; each shell's next `cd` asks for a new code
/// instead of using what it held.
#[test]
fn logout_reaches_shells_that_are_already_open() {
    if !keyutils_here(Launch::Plain) || !require_tools(&["bash"]) {
        return;
    }
    let u = UserWorld::new(&["r1"], Launch::Plain);
    let proj = u.w.home().join("proj");
    std::fs::create_dir_all(proj.join("sub")).unwrap();
    std::fs::write(proj.join(".awsmfa.toml"), "profile = \"r1\"\n").unwrap();
    let mut allow = u.awsmfa(&["allow"]);
    allow.current_dir(&proj);
    ok(&bounded::output_within(&mut allow, bounded::HANG));

    let go = u.w.path("go");
    let script = |name: &str| {
        format!(
            "eval \"$({bin} init bash)\"\ncd {proj}\necho \"{name} in: ${{AWS_ACCESS_KEY_ID:+set}}\"\nwhile [ ! -e {go} ]; do sleep 0.05; done\ncd sub\necho \"{name} after: ${{AWS_ACCESS_KEY_ID:+set}}\"\n",
            bin = awsmfa_bin().display(),
            proj = proj.display(),
            go = go.display(),
        )
    };
    let shell = |name: &str| {
        let mut c = Command::new("bash");
        c.args(["--norc", "--noprofile", "-i"])
            .env_clear()
            .envs(login_env(&u.w.home()))
            .current_dir(u.w.home())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script(name).as_bytes())
            .unwrap();
        child
    };
    let a = shell("A");
    let b = shell("B");
    // Both are in the project before logout runs.
    let deadline = std::time::Instant::now() + bounded::HANG;
    while u.calls("AssumeRole") < 1 || u.proxy.count() < 2 {
        assert!(std::time::Instant::now() < deadline, "shells never entered");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(u.codes(), 1, "one code for both shells");
    ok(&u.run(&["logout"]));
    std::fs::write(&go, "").unwrap();
    let a = bounded::wait_within(a, bounded::HANG);
    let b = bounded::wait_within(b, bounded::HANG);
    for (name, o) in [("A", &a), ("B", &b)] {
        let out = stdout(o);
        assert!(out.contains(&format!("{name} in: set")), "{name}: {out}");
        assert!(
            out.contains(&format!("{name} after: set")),
            "{name}: {out}\n{}",
            stderr(o)
        );
    }
    // After logout, the first shell's cd asked for a code; the second then
    // found the session that one made (one code between them, as ever).
    assert_eq!(u.codes(), 2, "a new code after logout");
    assert_eq!(u.calls("GetSessionToken"), 2);
}

/// The home of the cache key, as `doctor` reports it: a failure when no
/// store would be found by the next process.
#[test]
fn doctor_fails_when_the_next_process_would_find_no_key() {
    if !require("unshare (a user namespace)", can_unshare()) || !keyutils_here(Launch::Plain) {
        return;
    }
    let u = UserWorld::new(&["r1"], Launch::Plain);
    // A user namespace has a user keyring of its own: closing it there
    // touches nothing real, and is what a kernel that refuses keyctl looks
    // like. With no XDG_RUNTIME_DIR either, nothing can keep a key.
    let mut c = Command::new("unshare");
    c.args([
        "-U",
        "-r",
        "sh",
        "-c",
        "keyctl setperm @u 0 && exec \"$@\"",
        "sh",
    ])
    .arg(awsmfa_bin())
    .arg("doctor")
    .env_clear()
    .envs(login_env(&u.w.home()))
    .current_dir(u.w.home());
    let o = bounded::output_within(&mut c, bounded::HANG);
    assert_eq!(o.status.code(), Some(9), "{}\n{}", stdout(&o), stderr(&o));
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains("no key store works here"), "{all}");

    // Where it works, doctor says where the key is.
    ok(&u.run(&["env", "r1"]));
    let o = u.run(&["doctor"]);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains("Linux user keyring"), "{all}");
}

#[test]
fn a_duration_longer_than_what_is_cached_is_fetched_anew_with_the_defaults() {
    // Issue 22.5, as a user has it: `exec --duration 2h` with the default
    // hour cached handed out the hour (59 minutes left), and a long job
    // died halfway.
    let Some(u) = r1_hour_cached() else {
        return;
    };
    let codes = u.codes();
    let child = ok(&u.run(&[
        "exec",
        "r1",
        "--duration",
        "2h",
        "--",
        "sh",
        "-c",
        "printf \"export AWS_CREDENTIAL_EXPIRATION='%s'\\n\" \"$AWS_CREDENTIAL_EXPIRATION\"",
    ]));
    assert!(lifetime(&child) >= 115 * 60, "2h asked: {child}");
    assert_eq!(u.calls("AssumeRole"), 2, "a new AssumeRole, not the hour");
    // A role over an hour is assumed with the MFA code (AWS caps one
    // assumed from a session at 1h): one code, from mfa_process.
    assert_eq!(u.codes(), codes + 1);
    // What that stored serves the next two-hour ask...
    ok(&u.run(&["env", "r1", "--duration", "2h"]));
    assert_eq!(u.calls("AssumeRole"), 2);
    // ...but not the default hour: the ceiling still holds.
    let again = ok(&u.run(&["env", "r1"]));
    assert!(lifetime(&again) <= 61 * 60, "{again}");
    assert_eq!(u.calls("AssumeRole"), 3);
}

/// The prompt hook with a user's defaults, in each shell at a real
/// terminal started with a login's environment only (the real keyutils,
/// `[default]` holding the keys): inside a trusted project, an edit of its
/// file takes the credentials away at the next prompt and says so. In fish
/// the timer the hook leaves behind is what notices; a person's next Enter
/// comes long after its signal (here, a second).
#[test]
fn an_edited_project_file_is_noticed_with_the_defaults_in_every_shell() {
    if !keyutils_here(Launch::Plain) || !require_tools(&["bash", "zsh", "fish", "tmux"]) {
        return;
    }
    let u = UserWorld::new(&["r1"], Launch::Plain);
    let proj = u.w.home().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    let file = proj.join(".awsmfa.toml");
    std::fs::write(&file, "profile = \"r1\"\n").unwrap();
    let bin = awsmfa_bin().display().to_string();
    let login: Vec<String> = login_env(&u.w.home())
        .into_iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect();
    let zdot = u.w.path("zdot");
    std::fs::create_dir_all(&zdot).unwrap();
    for (sh, rc, start) in [
        (
            "bash",
            format!("PS1='[${{AWSMFA_PROFILE-}}]\\$ '\neval \"$('{bin}' init bash)\"\n"),
            format!(
                "bash --noprofile --rcfile {} -i",
                u.w.path("bash.rc").display()
            ),
        ),
        (
            "zsh",
            format!(
                "setopt PROMPT_SUBST\nPS1='[${{AWSMFA_PROFILE-}}]%# '\neval \"$('{bin}' init zsh)\"\n"
            ),
            format!("ZDOTDIR={} zsh -i", zdot.display()),
        ),
        (
            "fish",
            format!(
                "function fish_prompt; printf '[%s]> ' \"$AWSMFA_PROFILE\"; end\n'{bin}' init fish | source\n"
            ),
            format!(
                "fish --no-config -i -C 'source {}'",
                u.w.path("fish.rc").display()
            ),
        ),
    ] {
        let rc_file = match sh {
            "zsh" => zdot.join(".zshrc"),
            _ => u.w.path(&format!("{sh}.rc")),
        };
        std::fs::write(&rc_file, rc).unwrap();
        ok(&bounded::output_within(
            u.awsmfa(&["allow"]).current_dir(&proj),
            bounded::HANG,
        ));
        let command = format!("env -i {} {start}", login.join(" "));
        let Some(t) = term::Term::start_named(&u.w, sh, &command, &[]) else {
            return;
        };
        t.line(&format!("cd '{}'", proj.display()));
        t.wait_for("[r1]");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, format!("{text}# edited in {sh}\n")).unwrap();
        std::thread::sleep(std::time::Duration::from_secs(1));
        t.line("");
        t.wait_for(&format!(
            "awsmfa: {} is not trusted as it is now: removed the credentials of r1",
            file.display()
        ));
        t.line("echo \"K=[$AWS_ACCESS_KEY_ID]\"");
        t.wait_for("K=[]");
    }
}
