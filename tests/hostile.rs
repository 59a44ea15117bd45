//! A hostile world, each a test: project files others could have planted or
//! could swap, secrets looked for in every process's argv while commands
//! run, config files that are missing, not files, huge or 50 profiles deep,
//! and a clock that disagrees with STS. (Faulty STS answers: tests/faults.rs;
//! hostile values: tests/quoting.rs and tests/props.rs.)

use crate::support::check::fails;
use crate::support::{World, chmod, ok, python, require, require_tools, stderr, stdout};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), None).expect("tests run as root (chown)");
}

// ------------------------------------------- .awsmfa.toml others could write

/// An uid no one on the test machine has.
const STRANGER: u32 = 54321;

/// An offline world with a `dev` profile and `home/proj/.awsmfa.toml` for it.
fn project() -> (World, PathBuf) {
    let w = World::offline();
    w.write_config("[profile dev]\nregion = us-east-1\n");
    let d = w.home().join("proj");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(".awsmfa.toml"), "profile = \"dev\"\n").unwrap();
    chmod(&d, 0o755);
    chmod(&d.join(".awsmfa.toml"), 0o644);
    (w, d)
}

/// Both ways in refuse the file: `awsmfa allow`, and the prompt hook for a
/// file allowed before it became unsafe. Returns the message.
#[track_caller]
fn refused(w: &World, d: &Path, make_unsafe: impl FnOnce()) -> String {
    ok(&w.awsmfa(&["allow"]).current_dir(d).output().unwrap());
    make_unsafe();
    let hook = w.awsmfa(&["hook", "bash"]).current_dir(d).output().unwrap();
    assert_eq!(hook.status.code(), Some(3), "{}", stderr(&hook));
    let err = stderr(&hook);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!stdout(&hook).contains("AWS_"), "{}", stdout(&hook));
    let allow = w.awsmfa(&["allow"]).current_dir(d).output().unwrap();
    assert_eq!(stderr(&allow), err, "allow and the hook say the same");
    fails(&allow, 3);
    let file = std::fs::canonicalize(d.join(".awsmfa.toml")).unwrap();
    assert!(
        err.starts_with(&format!("awsmfa: error: refusing {}: ", file.display())),
        "{err}"
    );
    err
}

#[test]
fn a_project_file_anyone_can_write_is_refused() {
    let (w, d) = project();
    let file = d.join(".awsmfa.toml");
    let err = refused(&w, &d, || chmod(&file, 0o646));
    assert!(
        err.contains("anyone can write it") && err.contains("chmod o-w"),
        "{err}"
    );
}

#[test]
fn a_project_file_owned_by_another_user_is_refused() {
    let (w, d) = project();
    let file = d.join(".awsmfa.toml");
    let err = refused(&w, &d, || chown(&file, STRANGER));
    assert!(
        err.contains(&format!("owned by uid {STRANGER}, not by you")) && err.contains("chown"),
        "{err}"
    );
}

#[test]
fn a_project_directory_owned_by_another_user_is_refused() {
    let (w, d) = project();
    let err = refused(&w, &d, || chown(&d, STRANGER));
    assert!(
        err.contains(&format!("its directory {}", d.display()))
            && err.contains(&format!("owned by uid {STRANGER}")),
        "{err}"
    );
}

#[test]
fn a_world_writable_directory_is_refused_unless_sticky() {
    let (w, d) = project();
    let parent = w.home();
    let err = refused(&w, &d, || chmod(&parent, 0o777));
    assert!(
        err.contains(&format!("anyone can write {}", parent.display())),
        "{err}"
    );
    // The sticky bit (as on /tmp) stops others from renaming what is not
    // theirs: the user's own file there is safe.
    chmod(&parent, 0o1777);
    ok(&w.awsmfa(&["allow"]).current_dir(&d).output().unwrap());
}

// ------------------------------------------------ no secret in anyone's argv

/// A world with alice, role `dev`, and an mfa_process that takes its time
/// (so the scan sees the whole flow) and never repeats a code (so the replay
/// guard lets every run through).
fn slow_mfa_world() -> (World, crate::support::Seeded) {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let mfa = w.path("mfa.sh");
    std::fs::write(
        &mfa,
        format!(
            "#!/bin/sh\nf='{}'\nn=$(cat \"$f\" 2>/dev/null || echo 100000)\nn=$((n + 1))\necho \"$n\" > \"$f\"\nsleep 0.3\necho \"$n\"\n",
            w.path("mfa.counter").display()
        ),
    )
    .unwrap();
    chmod(&mfa, 0o755);
    let config = w.read("config_file").replace(
        "[profile alice]\n",
        &format!("[profile alice]\nmfa_process = {}\n", mfa.display()),
    );
    w.write_config(&config);
    (w, s)
}

/// What one scan of the process tree under a command saw.
#[derive(Default)]
struct Seen {
    /// Every argv of the command and its descendants, joined by spaces.
    cmdlines: BTreeSet<String>,
    /// Environments of awsmfa itself and of the mfa_process helper.
    environs: BTreeSet<String>,
    /// How many times the tree was scanned while the command ran.
    scans: usize,
}

/// (pid, parent pid) of every process.
fn processes() -> Vec<(u32, u32)> {
    let mut all = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parens.
        let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok())
        else {
            continue;
        };
        all.push((pid, ppid));
    }
    all
}

/// Run `cmd`, scanning the argv of it and every descendant (and the
/// environment of awsmfa and its mfa_process) until it exits.
fn watch(mut cmd: Command) -> (Output, Seen) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let root = child.id();
    let waiter = std::thread::spawn(move || child.wait_with_output().unwrap());
    let mut seen = Seen::default();
    while !waiter.is_finished() {
        let procs = processes();
        let mut tree = BTreeSet::from([root]);
        // Parents come and go in any order in /proc: repeat until stable.
        loop {
            let before = tree.len();
            for (pid, ppid) in &procs {
                if tree.contains(ppid) {
                    tree.insert(*pid);
                }
            }
            if tree.len() == before {
                break;
            }
        }
        for pid in tree {
            let Ok(raw) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
                continue;
            };
            let argv = String::from_utf8_lossy(&raw).replace('\0', " ");
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
            let is_awsmfa = exe.as_deref() == Some(crate::support::awsmfa_bin());
            if (is_awsmfa || argv.contains("mfa.sh"))
                && let Ok(env) = std::fs::read(format!("/proc/{pid}/environ"))
            {
                seen.environs
                    .insert(String::from_utf8_lossy(&env).replace('\0', "\n"));
            }
            seen.cmdlines.insert(argv);
        }
        seen.scans += 1;
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    (waiter.join().unwrap(), seen)
}

/// `NAME=value` lines (as `env` prints them) as a map.
fn env_map(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `export NAME='value'` lines as a map (the values here hold no quote).
fn exports(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

#[track_caller]
fn no_secret_in(seen: &Seen, what: &str, secrets: &[String]) {
    assert!(seen.scans > 0, "{what}: never scanned");
    assert!(
        seen.cmdlines.iter().any(|c| c.contains("mfa.sh")),
        "{what}: the scan never saw mfa_process running: {:?}",
        seen.cmdlines
    );
    for secret in secrets {
        assert!(secret.len() >= 16, "{what}: not a secret: {secret:?}");
        for argv in &seen.cmdlines {
            assert!(
                !argv.contains(secret.as_str()),
                "{what}: argv holds a secret: {argv}"
            );
        }
        for env in &seen.environs {
            assert!(
                !env.contains(secret.as_str()),
                "{what}: awsmfa's or mfa_process's environment holds a secret"
            );
        }
    }
}

#[test]
fn no_secret_in_any_argv_while_commands_run() {
    let (w, s) = slow_mfa_world();
    let mut secrets = vec![s.secret_access_key.clone()];

    // env: the session and role credentials end up on stdout only.
    let (o, seen) = watch(w.awsmfa(&["--no-cache", "env", "dev"]));
    let role = exports(&ok(&o));
    secrets.push(role["AWS_SECRET_ACCESS_KEY"].clone());
    secrets.push(role["AWS_SESSION_TOKEN"].clone());
    // The MFA session itself (GetSessionToken), via a session-only profile.
    let (o, seen_login) = watch(w.awsmfa(&["--no-cache", "env", "alice"]));
    let session = exports(&ok(&o));
    secrets.push(session["AWS_SECRET_ACCESS_KEY"].clone());
    secrets.push(session["AWS_SESSION_TOKEN"].clone());
    no_secret_in(&seen, "env", &secrets);
    no_secret_in(&seen_login, "env (session only)", &secrets);

    // process: JSON on stdout.
    let (o, seen) = watch(w.awsmfa(&["--no-cache", "process", "dev"]));
    let json: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    secrets.push(json["SecretAccessKey"].as_str().unwrap().to_string());
    secrets.push(json["SessionToken"].as_str().unwrap().to_string());
    no_secret_in(&seen, "process", &secrets);

    // login: the session goes to the encrypted cache.
    let (o, seen) = watch(w.awsmfa(&["login", "dev"]));
    ok(&o);
    no_secret_in(&seen, "login", &secrets);

    // exec: the keys go to the command's environment, never its argv; the
    // command takes its time so the scan sees it with its keys.
    let out = w.path("exec.env");
    let mut exec = w.awsmfa(&["--no-cache", "exec", "dev", "--", "sh", "-c"]);
    exec.arg(format!("env > '{}'; sleep 0.3", out.display()));
    let (o, seen) = watch(exec);
    ok(&o);
    let env = env_map(&std::fs::read_to_string(&out).unwrap());
    secrets.push(env["AWS_SECRET_ACCESS_KEY"].clone());
    secrets.push(env["AWS_SESSION_TOKEN"].clone());
    no_secret_in(&seen, "exec", &secrets);

    // exec --server: the command fetches from the local endpoint; the
    // endpoint's token is a secret too.
    let fetched = w.path("server.json");
    let token = w.path("server.token");
    let fetch = format!(
        "import os, urllib.request\n\
         open('{}', 'w').write(os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN'])\n\
         r = urllib.request.Request(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'], headers={{'Authorization': os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']}})\n\
         open('{}', 'wb').write(urllib.request.urlopen(r).read())\n",
        token.display(),
        fetched.display()
    );
    let mut server = w.awsmfa(&["--no-cache", "exec", "--server", "dev", "--"]);
    server.arg(python()).args(["-c", &fetch]);
    let (o, seen) = watch(server);
    ok(&o);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fetched).unwrap()).unwrap();
    secrets.push(json["SecretAccessKey"].as_str().unwrap().to_string());
    secrets.push(json["Token"].as_str().unwrap().to_string());
    secrets.push(std::fs::read_to_string(&token).unwrap());
    no_secret_in(&seen, "exec --server", &secrets);
}

#[test]
fn no_secret_in_any_argv_while_the_hook_runs() {
    let (w, s) = slow_mfa_world();
    let d = w.home().join("proj");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(".awsmfa.toml"), "profile = \"dev\"\n").unwrap();
    ok(&w.awsmfa(&["allow"]).current_dir(&d).output().unwrap());
    let mut hook = w.awsmfa(&["--no-cache", "hook", "bash"]);
    hook.current_dir(&d);
    let (o, seen) = watch(hook);
    let out = ok(&o);
    let mut secrets = vec![s.secret_access_key.clone()];
    for line in out.lines() {
        // The hook's state line carries the MFA session for the shell to
        // hold; any long quoted value here is secret material.
        for word in line.split(['\'', '"', ' ', '=']) {
            if word.len() >= 32 && !word.starts_with('/') {
                secrets.push(word.to_string());
            }
        }
    }
    assert!(out.contains("AWS_SESSION_TOKEN"), "{out}");
    no_secret_in(&seen, "hook", &secrets);
}

// ----------------------------------------------------------- config files

/// `env dev` with an MFA code given, in an offline world: fails before STS.
fn env_dev(w: &World) -> Output {
    crate::support::bounded::output_within(
        &mut w.awsmfa(&["env", "dev", "--token-code", "123456"]),
        crate::support::bounded::HANG,
    )
}

#[test]
fn a_missing_config_file_means_no_profiles() {
    let w = World::offline();
    std::fs::remove_file(w.path("config_file")).unwrap();
    std::fs::remove_file(w.path("credentials_file")).unwrap();
    let err = fails(&env_dev(&w), 3);
    assert!(err.contains("profile `dev` not found in"), "{err}");
    assert!(err.contains("awsmfa list"), "{err}");
}

#[test]
fn a_config_path_that_is_a_directory_is_named() {
    let w = World::offline();
    std::fs::remove_file(w.path("config_file")).unwrap();
    std::fs::create_dir(w.path("config_file")).unwrap();
    let err = fails(&env_dev(&w), 3);
    assert!(
        err.contains(&format!("cannot read {}", w.path("config_file").display()))
            && err.contains("it is a directory"),
        "{err}"
    );
}

#[test]
fn a_fifo_as_config_is_refused_without_hanging() {
    // Opening a FIFO blocks until someone writes: refused by its type before
    // any open (the bounded run fails the test instead of hanging it).
    let w = World::offline();
    std::fs::remove_file(w.path("credentials_file")).unwrap();
    let made = Command::new("mkfifo")
        .arg(w.path("credentials_file"))
        .status()
        .unwrap();
    assert!(made.success());
    let err = fails(&env_dev(&w), 3);
    assert!(
        err.contains(&format!(
            "cannot read {}",
            w.path("credentials_file").display()
        )) && err.contains("not a regular file"),
        "{err}"
    );
}

#[test]
fn dev_null_as_credentials_file_is_empty() {
    // A common way to say "no credentials file": the profile is still found
    // (and fails later for want of keys, not for the file).
    let mut w = World::offline();
    w.write_config("[profile dev]\nregion = us-east-1\n");
    w.env
        .push(("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()));
    let o = env_dev(&w);
    let err = stderr(&o);
    assert!(!err.contains("/dev/null"), "{err}");
    assert!(!err.contains("not found"), "{err}");
}

#[test]
fn a_huge_config_file_is_refused_with_its_size() {
    let w = World::offline();
    let max = awsmfa::profile::MAX_FILE_SIZE as usize;
    let mut text = String::from("[profile dev]\nregion = us-east-1\n");
    let filler = "# padding padding padding padding padding padding padding padding\n";
    while text.len() <= max {
        text.push_str(filler);
    }
    w.write_config(&text);
    let err = fails(&env_dev(&w), 3);
    assert!(
        err.contains(&format!("cannot read {}", w.path("config_file").display()))
            && err.contains("larger than 16 MiB"),
        "{err}"
    );
    // One byte under the limit is read and parsed.
    text.truncate(max);
    text.truncate(text.rfind('\n').unwrap() + 1);
    w.write_config(&text);
    let o = w
        .awsmfa(&["env", "dev", "--token-code", "123456"])
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("larger than"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not found"), "{}", stderr(&o));
}

#[test]
fn a_chain_fifty_roles_deep_is_resolved_and_assumed() {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let arn = &s.roles["dev"];
    let mut config = w.read("config_file");
    let mut source = "dev".to_string();
    for i in 1..50 {
        config.push_str(&format!(
            "\n[profile hop{i}]\nrole_arn = {arn}\nsource_profile = {source}\nrole_session_name = hop{i}\n"
        ));
        source = format!("hop{i}");
    }
    w.write_config(&config);
    // The library sees 50 AssumeRole hops from alice's keys.
    let set = awsmfa::profile::Profiles::parse(&config, &w.read("credentials_file")).unwrap();
    let chain = set.chain("hop49").unwrap();
    assert_eq!(chain.roles.len(), 50);
    assert_eq!(chain.roles[0].profile, "dev");
    assert_eq!(chain.roles[49].profile, "hop49");
    // And the command runs them all: the last identity is hop49's session.
    let out = ok(&w.run(&["--no-cache", "env", "hop49", "--token-code", "123456"]));
    let keys = exports(&out);
    let mut who = w.aws(crate::support::CALLER_ARN);
    for (k, v) in &keys {
        who.env(k, v);
    }
    let arn = ok(&who.output().unwrap());
    assert!(arn.trim().ends_with("/hop49"), "{arn}");
}

// ------------------------------------------------------------- clock skew

/// alice and `dev`, with STS's clock `offset` seconds ahead of this
/// machine's (rewritten `Date` headers) and `proxy` actions behind that.
fn skewed(
    offset: i64,
    script: Vec<crate::support::proxy::Action>,
    then: crate::support::proxy::Action,
) -> (World, crate::support::Seeded, crate::support::proxy::Proxy) {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    let script = crate::support::proxy::script(script, then);
    let proxy = crate::support::proxy::Proxy::with_policy(Some(&w.endpoint()), move |c| {
        crate::support::proxy::Action::dated(offset, script(c))
    });
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
    (w, s, proxy)
}

/// The whole seconds in "clock is N s behind/ahead".
fn stated_skew(err: &str) -> i64 {
    let after = err.split("clock is ").nth(1).expect("names the skew");
    after.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn a_rejected_code_with_a_skewed_clock_blames_the_clock() {
    use crate::support::proxy::Action;
    let (w, s, _p) = skewed(300, vec![], Action::MFA_REJECTED);
    let err = fails(&w.run(&["env", "dev", "--token-code", "123456"]), 4);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "a warning and the error: {err}");
    assert!(
        lines[0].starts_with("awsmfa: warning: this machine's clock is ")
            && lines[0].contains("s behind AWS's; MFA codes may be rejected"),
        "{err}"
    );
    assert!(
        lines[1].contains(&format!(
            "MFA code was rejected by AWS for {}",
            s.mfa_serial
        )) && lines[1].contains("s behind AWS's")
            && lines[1].contains("sync the clock"),
        "{err}"
    );
    // The Date header has one-second resolution.
    assert!((299..=301).contains(&stated_skew(lines[1])), "{err}");
}

#[test]
fn a_rejected_code_with_a_good_clock_points_at_the_code_and_serial() {
    use crate::support::proxy::Action;
    let (w, _s, _p) = skewed(0, vec![], Action::MFA_REJECTED);
    let err = fails(&w.run(&["env", "dev", "--token-code", "123456"]), 4);
    assert_eq!(err.lines().count(), 1, "no clock warning: {err}");
    assert!(
        err.contains("check the code is current") && err.contains("`mfa_serial`"),
        "{err}"
    );
}

/// Seconds since the epoch of an exported AWS_CREDENTIAL_EXPIRATION.
fn expiration(out: &str) -> i64 {
    let value = &exports(out)["AWS_CREDENTIAL_EXPIRATION"];
    humantime::parse_rfc3339_weak(value.trim_end_matches('Z'))
        .or_else(|_| humantime::parse_rfc3339(value))
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn near_sigv4_skew_warns_and_expiry_is_on_the_local_clock() {
    use crate::support::proxy::Action;
    // STS's clock 20 minutes behind ours (real AWS would refuse the
    // signature; moto does not check): a warning, and credentials that
    // expire, on our clock, 20 minutes later than STS says.
    let (w, _s, _p) = skewed(-20 * 60, vec![], Action::Forward);
    let o = w.run(&["--no-cache", "env", "dev", "--token-code", "111111"]);
    let skewed_out = ok(&o);
    let err = stderr(&o);
    assert!(
        err.contains("clock is ") && err.contains("s ahead of AWS's") && err.contains("15 minutes"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let measured = stated_skew(&err);

    let (w, _s, _p) = skewed(0, vec![], Action::Forward);
    let o = w.run(&["--no-cache", "env", "dev", "--token-code", "222222"]);
    let plain_out = ok(&o);
    assert_eq!(stderr(&o), "", "no warning without a skew");
    // moto dates the expiry by the real clock; both runs asked for the same
    // duration, so the difference is the skew plus the seconds between the
    // two runs (generous: this compares clock readings, not speed).
    let shift = expiration(&skewed_out) - expiration(&plain_out);
    assert!(
        (measured - 120..=measured + 5).contains(&shift),
        "shifted by {shift} s for a skew of {measured} s"
    );
}

// ------------------------------------------- a second local user, for real

/// The local user who plays the attacker (created on first use).
const ATTACKER: &str = "awsmfa-attacker";

/// The attacker's uid: a real second account, made with `useradd` when
/// missing. `None` (with the reason printed) when that cannot be done, which
/// fails the test instead under `CI=true`.
fn attacker() -> Option<u32> {
    if !require_tools(&["setpriv"]) {
        return None;
    }
    let uid = || {
        Command::new("id")
            .args(["-u", ATTACKER])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| stdout(&o).trim().parse().ok())
    };
    if let Some(uid) = uid() {
        return Some(uid);
    }
    // Another test may create it at the same moment: look again after.
    let made = Command::new("useradd").args(["-m", ATTACKER]).output();
    if let Some(uid) = uid() {
        return Some(uid);
    }
    let why = format!("the local user {ATTACKER} (made with useradd, as root): {made:?}");
    require(&why, false);
    None
}

/// `sh -c script` run as the attacker (own uid, gid and groups only), with
/// `args` as $1...; its stdout.
#[track_caller]
fn as_attacker(script: &str, args: &[&Path]) -> String {
    let o = Command::new("setpriv")
        .args(["--reuid", ATTACKER, "--regid", ATTACKER, "--init-groups"])
        .args(["sh", "-c", script, "sh"])
        .args(args)
        .output()
        .expect("setpriv (util-linux) is installed");
    ok(&o)
}

/// A directory removed (as root) when the test ends, however it ends.
struct Planted(PathBuf);

impl Drop for Planted {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether a raw terminal control (ESC, BEL, CSI, CR) or a bidi override
/// reached `bytes`.
fn has_controls(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    bytes.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r')
        || text.contains(['\u{9b}', '\u{202e}', '\u{2066}'])
}

/// The prompt hook run once in `dir`, as the shell runs it (no state yet).
fn hook_in(w: &World, dir: &Path) -> Output {
    crate::support::bounded::output_within(
        w.awsmfa(&["hook", "bash"]).current_dir(dir),
        crate::support::bounded::HANG,
    )
}

// ------------------------------- a symlinked .awsmfa.toml borrows no trust

/// A world where `home/prod/.awsmfa.toml` is allowed and the hook really
/// exports prod's credentials there (mfa_process answers the code).
fn trusted_prod() -> (World, PathBuf) {
    let w = World::new();
    w.standard(&["prod"]);
    let mfa = w.path("mfa.sh");
    std::fs::write(&mfa, "#!/bin/sh\necho 123456\n").unwrap();
    chmod(&mfa, 0o755);
    let config = w.read("config_file").replace(
        "[profile alice]\n",
        &format!("[profile alice]\nmfa_process = {}\n", mfa.display()),
    );
    w.write_config(&config);
    let d = w.home().join("prod");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(".awsmfa.toml"), "profile = \"prod\"\n").unwrap();
    ok(&w.awsmfa(&["allow"]).current_dir(&d).output().unwrap());
    // The control: in the project itself, the hook exports credentials.
    let here = hook_in(&w, &d);
    assert!(
        stdout(&here).contains("export AWS_ACCESS_KEY_ID="),
        "{}",
        stderr(&here)
    );
    (w, d.join(".awsmfa.toml"))
}

/// The hook in `sub` (below a symlinked `.awsmfa.toml`) refuses the link,
/// exports nothing, and `awsmfa allow` there refuses it as well.
#[track_caller]
fn link_refused(w: &World, sub: &Path) {
    let o = hook_in(w, sub);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(!stdout(&o).contains("AWS_ACCESS_KEY_ID="), "{}", stdout(&o));
    assert!(
        err.contains("refusing") && err.contains("is a symbolic link"),
        "{err}"
    );
    let allow = w.awsmfa(&["allow"]).current_dir(sub).output().unwrap();
    assert_eq!(stderr(&allow), err, "allow and the hook say the same");
    fails(&allow, 3);
}

#[test]
fn a_symlink_another_user_plants_does_not_borrow_trust() {
    // Attack (issue 12.1): another user links /tmp/x/.awsmfa.toml to the
    // victim's allowed file; the victim then enters /tmp/x/sub.
    let Some(_) = attacker() else { return };
    let (w, target) = trusted_prod();
    let d = as_attacker(
        "d=$(mktemp -d /tmp/awsmfa-attack.XXXXXX) && chmod 755 \"$d\" && mkdir \"$d/sub\" \
         && ln -s \"$1\" \"$d/.awsmfa.toml\" && printf %s \"$d\"",
        &[&target],
    );
    let d = Planted(PathBuf::from(d));
    link_refused(&w, &d.0.join("sub"));
}

#[test]
fn a_relative_symlink_in_a_repository_does_not_borrow_trust() {
    // Attack (issue 12.1): a cloned repository (so the victim's own files)
    // carries `.awsmfa.toml -> ../prod/.awsmfa.toml`.
    let (w, _) = trusted_prod();
    let repo = w.home().join("repo");
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    std::os::unix::fs::symlink("../prod/.awsmfa.toml", repo.join(".awsmfa.toml")).unwrap();
    link_refused(&w, &repo.join("sub"));
}

// ------------------------------------ escape sequences never reach a terminal

/// A directory name that sets the window title and clears the screen.
const EVIL: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}2J\u{202e}";
/// How [`EVIL`] is shown instead.
const EVIL_SHOWN: &str = "evil\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}2J\\u{202e}";

#[test]
fn escape_sequences_in_directory_names_do_not_reach_the_terminal_through_bash() {
    // Attack (issue 12.2): a cloned repository's directory name cleared the
    // screen through the hook's "refusing ... anyone can write it" error,
    // before any `allow`; the "not allowed" hint is the other message.
    let w = World::offline();
    w.write_config("[profile dev]\nregion = us-east-1\n");
    let writable = w.home().join(EVIL).join("w");
    let unallowed = w.home().join(EVIL).join("u");
    for d in [&writable, &unallowed] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join(".awsmfa.toml"), "profile = \"dev\"\n").unwrap();
        chmod(&d.join(".awsmfa.toml"), 0o644);
    }
    chmod(&writable.join(".awsmfa.toml"), 0o646);
    let init = w.path("init.bash");
    std::fs::write(&init, ok(&w.run(&["init", "bash"]))).unwrap();
    let o = w
        .command("bash")
        .args([
            "--norc",
            "-c",
            ". \"$1\"; cd \"$2\"; __awsmfa_hook; cd \"$3\"; __awsmfa_hook",
        ])
        .args([
            "bash".as_ref(),
            init.as_os_str(),
            writable.as_os_str(),
            unallowed.as_os_str(),
        ])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(!has_controls(&o.stderr), "{err:?}");
    assert!(!has_controls(&o.stdout), "{:?}", stdout(&o));
    assert!(
        err.contains(&format!("{EVIL_SHOWN}/w/.awsmfa.toml: anyone can write it")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{EVIL_SHOWN}/u/.awsmfa.toml is not allowed")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
}

/// `awsmfa args` in `w`: what it printed has no raw control anywhere, and
/// stderr shows `shown`, the cleaned form. Returns stderr.
#[track_caller]
fn shown_clean(w: &World, args: &[&str], shown: &str) -> String {
    let o =
        crate::support::bounded::output_within(&mut w.awsmfa(args), crate::support::bounded::HANG);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?}: {err}");
    assert!(!has_controls(&o.stderr), "{args:?}: {err:?}");
    assert!(!has_controls(&o.stdout), "{args:?}: {:?}", stdout(&o));
    assert!(err.contains(shown), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    err
}

/// `o`'s stderr holds no control character and says `shown`.
#[track_caller]
fn stderr_escaped(o: &Output, shown: &str) {
    assert!(!has_controls(&o.stderr), "{:?}", stderr(o));
    assert!(stderr(o).contains(shown), "{}", stderr(o));
}

#[test]
fn escape_sequences_in_argv_and_config_values_are_shown_escaped() {
    // Attack (issue 12.2): profile names from argv, source_profile names and
    // MFA serials from ~/.aws/config were echoed raw in errors.
    let w = World::offline();
    w.write_config(&format!(
        "[profile chain]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = {EVIL}\n\n\
         [profile keyed]\nmfa_serial = arn:aws:iam::123456789012:mfa/{EVIL}\n"
    ));
    w.write_credentials("[keyed]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n");
    shown_clean(
        &w,
        &["env", EVIL, "--token-code", "123456"],
        &format!("profile `{EVIL_SHOWN}` not found"),
    );
    shown_clean(
        &w,
        &["env", "chain", "--token-code", "123456"],
        &format!("source profile {EVIL_SHOWN}"),
    );
    // No terminal to ask on: the error names the serial.
    shown_clean(&w, &["env", "keyed"], &format!("mfa/{EVIL_SHOWN}"));
    // clap's own usage error quotes argv too (and its plain rendering drops
    // the ESC sequences itself): several lines of clap's, each cleaned.
    let o = w.run(&["env", "keyed", "--duration", EVIL]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    stderr_escaped(&o, "invalid value 'evil\\u{9b}2J\\u{202e}' for '--duration");
}

#[test]
fn escape_sequences_in_aws_error_messages_are_shown_escaped() {
    // Attack (issue 12.2): STS's error text is printed in the error; C1 CSI
    // and a bidi override are valid XML, so they reach the SDK intact.
    use crate::support::proxy::{Action, Proxy};
    let mut w = World::new();
    w.standard(&["dev"]);
    let p = Proxy::start(
        Some(&w.endpoint()),
        vec![],
        Action::StsError {
            status: 403,
            code: "AccessDenied",
            message: "not\u{9b}2J allowed\u{202e}",
        },
    );
    w.env.push(("AWS_ENDPOINT_URL".into(), p.url.clone()));
    shown_clean(
        &w,
        &["env", "dev", "--token-code", "123456"],
        "not\\u{9b}2J allowed\\u{202e}",
    );
}

#[test]
fn escape_sequences_in_a_project_file_are_shown_escaped() {
    // Attack (issue 12.2): `.awsmfa.toml` content (TOML's \u001b escape) in
    // `allow`'s refusal and in the hook's error.
    let w = World::offline();
    let d = w.home().join("proj");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join(".awsmfa.toml"),
        "profile = \"p\\u001b[2J\\u009b2J\"\n",
    )
    .unwrap();
    chmod(&d.join(".awsmfa.toml"), 0o644);
    // `allow` refuses it (no such profile), naming it escaped.
    let allow = w.awsmfa(&["allow"]).current_dir(&d).output().unwrap();
    assert_eq!(allow.status.code(), Some(3), "{}", stderr(&allow));
    stderr_escaped(&allow, "profile `p\\u{1b}[2J\\u{9b}2J` not found");
    // Trusted anyway (as by an `allow` made before the profile went away),
    // the hook's error names it escaped too.
    let file = std::fs::canonicalize(&d).unwrap().join(".awsmfa.toml");
    let bytes = std::fs::read(&file).unwrap();
    let allowances = w.path("data/awsmfa/allow");
    std::fs::create_dir_all(&allowances).unwrap();
    std::fs::write(
        allowances.join(awsmfa::trust::key(&file, &bytes)),
        format!("{}\n", file.display()),
    )
    .unwrap();
    let hook = hook_in(&w, &d);
    stderr_escaped(&hook, "profile `p\\u{1b}[2J\\u{9b}2J` not found");
}

#[test]
fn escape_sequences_in_the_environment_are_shown_escaped_by_status() {
    // Attack (issue 12.2): AWSMFA_PROFILE and AWS_CREDENTIAL_EXPIRATION are
    // printed by `status` on stdout, which a person reads.
    let mut w = World::offline();
    for (k, v) in [
        ("AWSMFA_PROFILE", EVIL),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_CREDENTIAL_EXPIRATION", EVIL),
    ] {
        w.env.push((k.into(), v.into()));
    }
    let o = w.run(&["status", "--offline"]);
    let out = ok(&o);
    assert!(!has_controls(&o.stdout), "{out:?}");
    assert!(!has_controls(&o.stderr), "{:?}", stderr(&o));
    assert!(
        out.contains(&format!("profile:      {EVIL_SHOWN}\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "AWS_CREDENTIAL_EXPIRATION=\"{EVIL_SHOWN}\" is not a date"
        )),
        "{out}"
    );
}

// --------------------------- .awsmfa.toml: bounded, regular, never blocking

/// Peak RSS (KiB) of `cmd`, measured by the kernel (getrusage of the child),
/// and its output.
fn peak_rss(w: &World, args: &[&str], dir: &Path) -> (u64, Output) {
    let o = w
        .command(python())
        .args([
            "-c",
            "import resource,subprocess,sys\n\
             p=subprocess.run(sys.argv[1:],stdin=subprocess.DEVNULL,capture_output=True)\n\
             sys.stderr.buffer.write(p.stderr)\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
             sys.exit(p.returncode)",
        ])
        .arg(crate::support::awsmfa_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (stdout(&o).trim().parse().unwrap(), o)
}

#[test]
fn a_huge_project_file_is_refused_without_reading_it() {
    // Attack (issue 12.3): a 128 MiB `.awsmfa.toml` cost 0.6 s and 130 MB of
    // RSS at every `cd`. A sparse file: the disk holds nothing, a read of it
    // would still fill memory.
    let (w, d) = project();
    let file = std::fs::File::options()
        .write(true)
        .open(d.join(".awsmfa.toml"))
        .unwrap();
    file.set_len(128 << 20).unwrap();
    let (rss_kib, o) = peak_rss(&w, &["hook", "bash"], &d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("larger than 65536 bytes"), "{err}");
    // awsmfa itself is some 10 MiB; a read of the file would add 128.
    assert!(rss_kib < 48 * 1024, "peak RSS {rss_kib} KiB");
    // The bound is the project file's only: one at the limit is read.
    file.set_len(awsmfa::project::MAX_BYTES).unwrap();
    let o = hook_in(&w, &d);
    assert!(!stderr(&o).contains("larger than"), "{}", stderr(&o));
}

#[test]
fn a_fifo_or_a_kernel_file_as_project_file_never_blocks_the_hook() {
    // Attack (issue 12.3): `.awsmfa.toml -> /proc/kmsg` (an "empty regular
    // file" that blocks on read) hung the hook; a FIFO would wait for a
    // writer. Each is refused by name within the bounded run.
    let (w, d) = project();
    let file = d.join(".awsmfa.toml");
    std::fs::remove_file(&file).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&file)
            .status()
            .unwrap()
            .success()
    );
    let err = stderr(&hook_in(&w, &d));
    assert!(err.contains("it is a FIFO, not a regular file"), "{err}");
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink("/proc/kmsg", &file).unwrap();
    let err = stderr(&hook_in(&w, &d));
    assert!(err.contains("is a symbolic link"), "{err}");
    // Not through a symlink: /proc/kmsg bind-mounted over a regular file,
    // in a mount namespace of the hook's own (gone when it exits).
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, "profile = \"dev\"\n").unwrap();
    chmod(&file, 0o644);
    let mut cmd = w.command("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg("mount --bind /proc/kmsg \"$1\" || exit 97; exec \"$2\" hook bash")
        .arg("sh")
        .arg(&file)
        .arg(crate::support::awsmfa_bin())
        .current_dir(&d);
    let o = crate::support::bounded::output_within(&mut cmd, crate::support::bounded::HANG);
    if o.status.code() == Some(97) || stderr(&o).contains("unshare failed") {
        let why = format!(
            "a mount namespace (for the bind-mount part): {}",
            stderr(&o)
        );
        require(&why, false);
        return;
    }
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("it is a kernel file (in /proc)"), "{err}");
}

// -------------------------------------------------- source_profile chains

#[test]
fn a_chain_a_thousand_roles_deep_is_refused_before_any_call() {
    // Attack (issue 12.9): a 1000-hop chain made 1001 AssumeRole calls. The
    // world has no STS at all: any call would fail as unreachable instead.
    let w = World::offline();
    let mut config =
        "[profile base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n".to_string();
    let mut source = "base".to_string();
    for i in 0..1000 {
        config.push_str(&format!(
            "\n[profile hop{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = {source}\n"
        ));
        source = format!("hop{i}");
    }
    w.write_config(&config);
    let err = fails(&w.run(&["env", "hop999", "--token-code", "123456"]), 3);
    assert!(
        err.contains("profile `hop999` reaches more than 64 roles through source_profile (hop999 -> hop998 -> hop997 -> hop996 -> ...)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // The cap is on roles: exactly MAX_ROLES hops resolve.
    let set = awsmfa::profile::Profiles::parse(&config, "").unwrap();
    let max = awsmfa::profile::chain::MAX_ROLES;
    assert_eq!(
        set.chain(&format!("hop{}", max - 1)).unwrap().roles.len(),
        max
    );
    assert!(set.chain(&format!("hop{max}")).is_err());
}

#[test]
fn a_profile_naming_itself_without_keys_is_a_loop() {
    // Issue 12.9: it said "did not contain credential information".
    let w = World::offline();
    w.write_config(
        "[profile me]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = me\n",
    );
    let err = fails(&w.run(&["env", "me", "--token-code", "123456"]), 3);
    assert!(
        err.contains("infinite loop through source_profile: me -> me"),
        "{err}"
    );
    assert!(!err.contains("credential information"), "{err}");
}

// ------------------------------------------------------------ root, too

#[test]
fn root_trusts_only_project_files_along_a_chain_it_owns() {
    // Issue 12.10: as root, every root-owned `.awsmfa.toml` passed. The file
    // must be the runner's, and no one else may own a directory above it.
    if !require("root", rustix::process::geteuid().is_root()) {
        return;
    }
    let Some(uid) = attacker() else { return };
    let (w, d) = project();
    // A root-owned file in a directory the other user owns.
    let err = refused(&w, &d, || chown(&d, uid));
    assert!(
        err.contains(&format!(
            "its directory {} is owned by uid {uid}",
            d.display()
        )),
        "{err}"
    );
    chown(&d, 0);
    // ... or in a tree below a directory the other user owns.
    let err = refused(&w, &d, || chown(&w.home(), uid));
    assert!(
        err.contains(&format!(
            "the directory {} is owned by uid {uid}",
            w.home().display()
        )),
        "{err}"
    );
}

#[test]
fn a_user_does_not_trust_a_root_owned_project_file() {
    // Issue 12.10: the file must be owned by the user running awsmfa, root
    // not excepted. The user here is the real second account.
    let Some(uid) = attacker() else { return };
    let top = tempfile::Builder::new()
        .prefix("awsmfa-user")
        .tempdir()
        .unwrap();
    let proj = top.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(proj.join(".awsmfa.toml"), "profile = \"dev\"\n").unwrap();
    std::fs::write(top.path().join("config"), "[profile dev]\n").unwrap();
    chmod(&proj.join(".awsmfa.toml"), 0o644);
    for p in [top.path(), &proj, &top.path().join("config")] {
        chown(p, uid);
    }
    let home = top.path().to_str().unwrap();
    let o = Command::new("setpriv")
        .args(["--reuid", ATTACKER, "--regid", ATTACKER, "--init-groups"])
        .arg(crate::support::awsmfa_bin())
        .arg("allow")
        .env_clear()
        .env("HOME", home)
        .env("XDG_DATA_HOME", format!("{home}/data"))
        .env("AWS_CONFIG_FILE", format!("{home}/config"))
        .current_dir(&proj)
        .output()
        .unwrap();
    let err = fails(&o, 3);
    assert!(err.contains("it is owned by uid 0, not by you"), "{err}");
    // Once it is theirs, they can allow it.
    chown(&proj.join(".awsmfa.toml"), uid);
    let mut again = Command::new("setpriv");
    again
        .args(["--reuid", ATTACKER, "--regid", ATTACKER, "--init-groups"])
        .arg(crate::support::awsmfa_bin())
        .arg("allow")
        .env_clear()
        .env("HOME", home)
        .env("XDG_DATA_HOME", format!("{home}/data"))
        .env("AWS_CONFIG_FILE", format!("{home}/config"))
        .current_dir(&proj);
    ok(&again.output().unwrap());
}
