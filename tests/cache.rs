//! The encrypted session cache (issue 4) end to end against moto: one MFA
//! code for every process, nothing readable on disk, bad files lose nothing.
//!
//! Every world here pins AWSMFA_KEY_STORE=file (the harness) and its own
//! private XDG_RUNTIME_DIR, so that a test can damage, replace or chmod the
//! key it uses; the keyring tests run in a user namespace of their own.
//! `tests/userworld.rs` runs the default key store, unpinned.

use crate::support::bounded::HANG;
use crate::support::check::export;
use crate::support::pty::run_pty;
use crate::support::secrets::{
    assert_no_secret_in_files, assert_no_secret_in_output, contains, encodings, files_under,
};
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A world with user `alice` (keys + MFA) and one role profile per name,
/// whose `mfa_process` logs every call and prints a new code each time.
struct Fixture {
    w: World,
    s: Seeded,
}

impl Fixture {
    fn new(roles: &[&str]) -> Fixture {
        let w = World::new();
        let s = w.standard_counting(roles);
        Fixture { w, s }
    }

    /// How many MFA codes were asked for so far.
    fn codes(&self) -> usize {
        codes_in(self.w.dir.path())
    }

    fn run(&self, args: &[&str]) -> Output {
        self.w.run(args)
    }

    /// `awsmfa ARGS` with STS pointing at a closed port: succeeds only when
    /// everything comes from the cache.
    fn run_offline(&self, args: &[&str]) -> Output {
        let mut c = self.w.awsmfa(args);
        c.env("AWS_ENDPOINT_URL", closed_port_url());
        c.output().unwrap()
    }

    fn cache_dir(&self) -> PathBuf {
        self.w.path("cache/awsmfa")
    }

    fn key_file(&self) -> PathBuf {
        self.w.path("runtime/awsmfa/cache.key")
    }

    /// Every `*.entry` file with its plaintext header.
    fn entries(&self) -> Vec<(PathBuf, serde_json::Value)> {
        entries_in(&self.cache_dir())
    }

    /// Each entry as `kind:profile` (`role:dev`, `session:alice`).
    fn kinds(&self) -> Vec<String> {
        self.entries()
            .iter()
            .map(|(_, h)| {
                format!(
                    "{}:{}",
                    h["kind"].as_str().unwrap(),
                    h["profile"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// The entry file of `kind` ("session", "role", "code") for `profile`.
    fn entry(&self, kind: &str, profile: &str) -> PathBuf {
        self.entries()
            .into_iter()
            .find(|(_, h)| h["kind"] == kind && h["profile"] == profile)
            .map(|(p, _)| p)
            .unwrap_or_else(|| panic!("no {kind} entry for {profile:?}: {:?}", self.entries()))
    }
}

fn entries_in(dir: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let mut out = Vec::new();
    let Ok(list) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in list.flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "entry") {
            let bytes = std::fs::read(&path).unwrap();
            let header = bytes
                .split(|b| *b == b'\n')
                .nth(1)
                .and_then(|line| serde_json::from_slice(line).ok())
                .unwrap_or(serde_json::Value::Null);
            out.push((path, header));
        }
    }
    out
}

/// A loopback URL nothing listens on: a call that reaches for STS fails
/// with exit 6 instead of being served.
fn closed_port_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// The lines of stderr that are warnings.
fn warnings(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter(|l| l.contains("warning"))
        .map(str::to_string)
        .collect()
}

/// Wait for `child`, killing it (and failing) if it hangs.
fn wait_or_kill(mut child: Child, what: &str) -> Output {
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} hung (waiting on the cache lock?)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

// ---- one code for every process ----

#[test]
fn three_roles_share_one_mfa_code_and_work_with_the_aws_cli() {
    let f = Fixture::new(&["dev", "prod", "ops"]);
    for name in ["dev", "prod", "ops"] {
        // A separate process each time, as separate terminals would be.
        let out = ok(&f.run(&["env", name]));
        let script = format!(
            "{out}\nexec \"$0\" -m awscli sts get-caller-identity --query Arn --output text"
        );
        let arn = ok(&f
            .w
            .command("bash")
            .args(["--norc", "-e", "-u", "-c", &script])
            .arg(python())
            .output()
            .unwrap());
        let want = f.s.roles[name]
            .replace(":iam::", ":sts::")
            .replace(":role/", ":assumed-role/");
        assert!(arn.trim().starts_with(&want), "{name}: {arn} vs {want}");
    }
    assert_eq!(f.codes(), 1, "one MFA code for three roles");
}

#[test]
fn a_role_entry_serves_only_the_identity_it_was_assumed_from() {
    let f = Fixture::new(&["dev"]);
    let key = |o: &Output| export(&ok(o), "AWS_ACCESS_KEY_ID");
    let first = key(&f.run(&["env", "dev"]));
    assert_eq!(
        key(&f.run_offline(&["env", "dev"])),
        first,
        "same chain: cached"
    );
    // The role's source becomes another user (no MFA): alice's cached role
    // credentials must not be served for it.
    let bob = f.w.seed("bob", &[]);
    let credentials = f.w.read("credentials_file");
    f.w.write_credentials(&format!(
        "{credentials}\n[bob]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        bob.access_key_id, bob.secret_access_key
    ));
    let config = f.w.read("config_file");
    f.w.write_config(&config.replace("source_profile = alice", "source_profile = bob"));
    let offline = f.run_offline(&["env", "dev"]);
    assert_eq!(code(&offline), 6, "must go to STS: {}", stderr(&offline));
    let second = key(&f.run(&["env", "dev"]));
    assert_ne!(second, first);
    assert_eq!(key(&f.run_offline(&["env", "dev"])), second);
    assert_eq!(f.codes(), 1, "bob's chain needs no MFA code");
}

#[test]
fn ten_processes_at_once_ask_for_one_code() {
    let f = Fixture::new(&["dev"]);
    // Slow enough that the other nine arrive while the first one waits.
    std::fs::write(f.w.path("mfa.delay"), "1").unwrap();
    let children: Vec<Child> = (0..10)
        .map(|_| {
            f.w.awsmfa(&["env", "dev"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = ok(&wait_or_kill(child, "awsmfa env"));
        assert!(out.contains("AWS_SESSION_TOKEN='"), "process {i}: {out}");
    }
    assert_eq!(f.codes(), 1, "exactly one MFA code for ten processes");
    // The cache is whole: both entries are served with no network at all.
    for profile in ["dev", "alice"] {
        let o = f.run_offline(&["env", profile]);
        ok(&o);
        assert_eq!(stderr(&o), "", "{profile} served cleanly");
    }
    assert_eq!(f.codes(), 1);
}

#[test]
fn first_writers_racing_agree_on_one_key() {
    // No MFA, so no lock: ten processes each assume the role and write the
    // cache at once, and each may find no key yet. They must all end up
    // using the same key, or some entries would not decrypt afterwards.
    let w = World::new();
    let s = w.seed("bob", &["dev"]);
    w.write_credentials(&format!(
        "[bob]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    ));
    w.write_config(&format!(
        "[profile plain]\nrole_arn = {}\nsource_profile = bob\n",
        s.roles["dev"]
    ));
    let children: Vec<Child> = (0..10)
        .map(|_| {
            w.awsmfa(&["env", "plain"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        ok(&wait_or_kill(child, "awsmfa env"));
    }
    let o = w
        .awsmfa(&["env", "plain"])
        .env("AWS_ENDPOINT_URL", closed_port_url())
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(stderr(&o), "");
}

// ---- nothing readable on disk ----

#[test]
fn no_secret_reaches_any_file() {
    let f = Fixture::new(&["dev", "prod", "ops"]);
    let mut secrets: Vec<(&str, String)> =
        vec![("long-term secret key", f.s.secret_access_key.clone())];

    let dev = ok(&f.run(&["env", "dev"]));
    secrets.push(("dev secret", export(&dev, "AWS_SECRET_ACCESS_KEY")));
    secrets.push(("dev token", export(&dev, "AWS_SESSION_TOKEN")));

    // The MFA session itself, as `env` exports it for the user profile.
    let session = ok(&f.run(&["env", "alice"]));
    secrets.push((
        "MFA session secret",
        export(&session, "AWS_SECRET_ACCESS_KEY"),
    ));
    secrets.push(("MFA session token", export(&session, "AWS_SESSION_TOKEN")));

    let prod = ok(&f.run(&[
        "exec",
        "prod",
        "--",
        "sh",
        "-c",
        "printf '%s\\n%s\\n' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"",
    ]));
    let mut lines = prod.lines();
    secrets.push(("prod secret", lines.next().unwrap().to_string()));
    secrets.push(("prod token", lines.next().unwrap().to_string()));

    let ops: serde_json::Value = serde_json::from_str(&ok(&f.run(&["process", "ops"]))).unwrap();
    secrets.push((
        "ops secret",
        ops["SecretAccessKey"].as_str().unwrap().into(),
    ));
    secrets.push(("ops token", ops["SessionToken"].as_str().unwrap().into()));

    ok(&f.run(&["login", "alice", "--force"]));
    let fresh = ok(&f.run(&["env", "alice"]));
    secrets.push(("new MFA session token", export(&fresh, "AWS_SESSION_TOKEN")));
    assert_eq!(f.codes(), 2, "the first session, then login's");

    let list = f.run(&["cache", "list"]);
    ok(&list);
    assert_no_secret_in_output(&list, &secrets);

    for (what, s) in &secrets {
        assert!(s.len() >= 20, "{what} looks too short to be real: {s:?}");
    }
    // Every file of the world but the AWS credentials file, which holds the
    // long-term key by the user's own choice.
    let files: Vec<PathBuf> = files_under(f.w.dir.path())
        .into_iter()
        .filter(|p| *p != f.w.path("credentials_file"))
        .collect();
    assert!(files.contains(&f.key_file()), "{files:?}");
    assert!(
        f.entries().len() >= 5,
        "session, three roles, code: {:?}",
        f.entries()
    );
    assert_no_secret_in_files(&files, &secrets);
    // The key file is 32 random bytes, not a credential.
    assert_eq!(std::fs::read(f.key_file()).unwrap().len(), 32);
}

// ---- bad files lose nothing and crash nothing ----

#[test]
fn bad_entries_count_as_absent_with_one_warning_and_are_replaced() {
    let f = Fixture::new(&["dev"]);
    type Damage = fn(&Fixture, &Path);
    let cases: &[(&str, Damage)] = &[
        ("truncated", |_, p| {
            let b = std::fs::read(p).unwrap();
            std::fs::write(p, &b[..b.len() / 2]).unwrap();
        }),
        ("ciphertext byte flipped", |_, p| {
            let mut b = std::fs::read(p).unwrap();
            let last = b.len() - 1;
            b[last] ^= 0x01;
            std::fs::write(p, b).unwrap();
        }),
        ("header edited (a later expiry)", |_, p| {
            let text = std::fs::read(p).unwrap();
            let nl = text.iter().position(|b| *b == b'\n').unwrap() + 1;
            let end = nl + text[nl..].iter().position(|b| *b == b'\n').unwrap();
            let header = String::from_utf8(text[nl..end].to_vec()).unwrap();
            let (before, after) = header.split_once("\"expires\":").unwrap();
            let edited = format!("{before}\"expires\":9{after}");
            let mut out = text[..nl].to_vec();
            out.extend_from_slice(edited.as_bytes());
            out.extend_from_slice(&text[end..]);
            std::fs::write(p, out).unwrap();
        }),
        ("header byte flipped", |_, p| {
            let mut b = std::fs::read(p).unwrap();
            let at = b.iter().position(|x| *x == b'\n').unwrap() + 3;
            b[at] ^= 0x20;
            std::fs::write(p, b).unwrap();
        }),
        ("another key", |f, _| {
            std::fs::write(f.key_file(), [0x5a; 32]).unwrap();
        }),
        ("key file damaged", |f, _| {
            std::fs::write(f.key_file(), b"short").unwrap();
        }),
        ("another format version", |_, p| {
            let b = std::fs::read(p).unwrap();
            let s = String::from_utf8_lossy(&b[..20]).into_owned();
            assert!(s.starts_with("awsmfa-cache 1\n"), "{s:?}");
            let mut out = b"awsmfa-cache 2\n".to_vec();
            out.extend_from_slice(&b[15..]);
            std::fs::write(p, out).unwrap();
        }),
        ("garbage", |_, p| {
            let junk: Vec<u8> = (0..300u32).map(|i| (i * 97 % 251) as u8).collect();
            std::fs::write(p, junk).unwrap();
        }),
        ("empty", |_, p| std::fs::write(p, b"").unwrap()),
        ("huge", |_, p| {
            // A valid start, then far more than any entry holds.
            let mut b = std::fs::read(p).unwrap();
            b.resize(8 << 20, b'x');
            std::fs::write(p, b).unwrap();
        }),
        ("another entry copied over it", |f, p| {
            std::fs::copy(f.entry("role", "dev"), p).unwrap();
        }),
    ];
    for (name, damage) in cases {
        // A fresh, valid cache: MFA session and dev's role credentials.
        ok(&f.run(&["cache", "clear"]));
        ok(&f.run(&["env", "dev"]));
        let session = f.entry("session", "alice");
        damage(&f, &session);

        let before = f.codes();
        let o = f.run(&["env", "alice"]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("AWS_SESSION_TOKEN='"), "{name}");
        let err = stderr(&o);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: one line: {lines:?}");
        assert!(
            lines[0].starts_with("awsmfa: warning: "),
            "{name}: {lines:?}"
        );
        assert_eq!(f.codes(), before + 1, "{name}: a new MFA session");

        // Replaced: the next call is served from the cache, silently.
        let again = f.run_offline(&["env", "alice"]);
        assert_eq!(code(&again), 0, "{name}: {}", stderr(&again));
        assert_eq!(stderr(&again), "", "{name}");
        assert_eq!(f.codes(), before + 1, "{name}");
        assert!(f.entry("session", "alice").is_file(), "{name}");
    }
}

#[test]
fn a_lost_key_drops_the_old_entries_quietly() {
    // A reboot empties $XDG_RUNTIME_DIR: the key is gone, the entries in
    // ~/.cache stay, unreadable forever. No warning for an expected event,
    // and no stale entry left to warn about (or to list) later.
    let f = Fixture::new(&["dev", "prod"]);
    ok(&f.run(&["env", "dev"]));
    ok(&f.run(&["env", "prod"]));
    std::fs::remove_file(f.key_file()).unwrap();
    let o = f.run(&["env", "dev"]);
    ok(&o);
    assert_eq!(stderr(&o), "");
    assert_eq!(f.codes(), 2, "the session went with the key");
    let kinds = f.kinds();
    assert!(!kinds.contains(&"role:prod".to_string()), "{kinds:?}");
    let o = f.run(&["env", "prod"]);
    ok(&o);
    assert_eq!(stderr(&o), "");
    assert_eq!(f.codes(), 2);
}

#[test]
fn a_writer_killed_holding_the_lock_leaves_a_usable_cache() {
    let f = Fixture::new(&["dev"]);
    std::fs::write(f.w.path("stall"), "").unwrap();
    let mut victim =
        f.w.awsmfa(&["env", "dev"])
            // Not piped: the orphaned mfa_process would keep the pipes open.
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
    // Wait until it is inside the MFA step, holding the lock.
    let pid_file = f.w.path("stalled.pid");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pid_file.exists() {
        assert!(Instant::now() < deadline, "mfa_process never started");
        assert!(victim.try_wait().unwrap().is_none(), "awsmfa exited early");
        std::thread::sleep(Duration::from_millis(20));
    }
    victim.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs
    victim.wait().unwrap();
    let orphan = std::fs::read_to_string(&pid_file).unwrap();
    Command::new("kill")
        .args(["-KILL", orphan.trim()])
        .status()
        .unwrap();
    // What a writer killed between creating its temp file and renaming it
    // leaves behind.
    std::fs::write(f.cache_dir().join(".tmpAbC123"), b"awsmfa-cache 1\n{\"ki").unwrap();
    std::fs::remove_file(f.w.path("stall")).unwrap();

    let before = f.codes();
    let next =
        f.w.awsmfa(&["env", "dev"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let o = wait_or_kill(next, "the call after a killed writer");
    assert!(ok(&o).contains("AWS_SESSION_TOKEN='"));
    assert_eq!(f.codes(), before + 1);
    let again = f.run_offline(&["env", "dev"]);
    ok(&again);
    assert_eq!(stderr(&again), "");
    // Clearing everything takes the dead writer's leftovers too.
    ok(&f.run(&["cache", "clear"]));
    let left: Vec<PathBuf> = files_under(&f.cache_dir())
        .into_iter()
        .filter(|p| !p.ends_with("generation"))
        .collect();
    assert!(left.is_empty(), "only the revocation mark stays: {left:?}");
}

#[test]
fn an_unusable_cache_directory_turns_the_cache_off_with_a_warning() {
    // Tests run as root in CI, and root writes through any permission bits,
    // so "not writable" is made with something no one can write through: a
    // regular file where the directory should be, or a path beneath a file.
    let f = Fixture::new(&["dev"]);
    std::fs::write(f.cache_dir(), "not a directory\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f.cache_dir(), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    for round in 1..=2 {
        let o = f.run(&["env", "dev"]);
        assert!(ok(&o).contains("AWS_SESSION_TOKEN='"));
        let w = warnings(&o);
        assert_eq!(w.len(), 1, "{}", stderr(&o));
        assert!(w[0].contains("cache"), "{w:?}");
        assert_eq!(f.codes(), round, "nothing cached: a code each call");
    }
    // The file in the way is the user's: left exactly as it was.
    assert_eq!(
        std::fs::read_to_string(f.cache_dir()).unwrap(),
        "not a directory\n"
    );
    #[cfg(unix)]
    assert_eq!(mode(&f.cache_dir()), 0o644);

    // XDG_CACHE_HOME beneath a regular file.
    let mut f = f;
    f.w.env.push((
        "XDG_CACHE_HOME".into(),
        f.w.path("mfa.sh/cache").to_string_lossy().into_owned(),
    ));
    let o = f.run(&["env", "dev"]);
    ok(&o);
    assert_eq!(warnings(&o).len(), 1, "{}", stderr(&o));
    assert_eq!(f.codes(), 3);
}

#[cfg(unix)]
#[test]
fn cache_files_are_private_and_the_key_is_elsewhere() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new(&["dev"]);
    // A cache directory someone made world-readable beforehand.
    std::fs::create_dir_all(f.cache_dir()).unwrap();
    std::fs::set_permissions(f.cache_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // umask 000: any file created with default permissions would be 0666.
    let o =
        f.w.command("sh")
            .args(["-c", "umask 000; exec \"$@\"", "sh"])
            .arg(awsmfa_bin())
            .args(["env", "dev"])
            .output()
            .unwrap();
    ok(&o);
    assert_eq!(mode(&f.cache_dir()), 0o700, "tightened");
    let files = files_under(&f.cache_dir());
    assert!(files.len() >= 3, "{files:?}");
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&f.w.path("runtime/awsmfa")), 0o700);
    assert_eq!(mode(&f.key_file()), 0o600);
    // The key sits in the runtime dir, not beside the ciphertext.
    let key = std::fs::read(f.key_file()).unwrap();
    assert_eq!(key.len(), 32);
    for file in files_under(&f.w.path("cache")) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(32).any(|w| w == key.as_slice()),
            "key in {}",
            file.display()
        );
    }
}

// ---- control ----

#[test]
fn no_cache_flag_and_config_turn_the_cache_off() {
    let f = Fixture::new(&["dev"]);
    ok(&f.run(&["--no-cache", "env", "dev"]));
    ok(&f.run(&["env", "dev", "--no-cache"]));
    assert_eq!(f.codes(), 2, "a code per call");
    assert!(!f.w.path("cache/awsmfa").exists());
    assert!(!f.key_file().exists());

    std::fs::create_dir_all(f.w.path("config/awsmfa")).unwrap();
    std::fs::write(f.w.path("config/awsmfa/config.toml"), "cache = false\n").unwrap();
    ok(&f.run(&["env", "dev"]));
    ok(&f.run(&["env", "dev"]));
    assert_eq!(f.codes(), 4);
    assert!(!f.w.path("cache/awsmfa").exists());
    assert!(!f.key_file().exists());
}

#[test]
fn an_unknown_config_key_is_named_and_exits_3() {
    let f = Fixture::new(&["dev"]);
    std::fs::create_dir_all(f.w.path("config/awsmfa")).unwrap();
    std::fs::write(f.w.path("config/awsmfa/config.toml"), "cahce = false\n").unwrap();
    let o = f.run(&["env", "dev"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("cahce"), "{}", stderr(&o));
    assert!(stderr(&o).contains("config.toml"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(f.codes(), 0, "nothing asked before the config is valid");
}

#[test]
fn login_refreshes_the_mfa_session_alone() {
    let f = Fixture::new(&["dev", "prod"]);
    let o = f.run(&["login", "alice"]);
    ok(&o);
    assert_eq!(stdout(&o), "", "login prints nothing to eval");
    assert_eq!(f.codes(), 1);
    let kinds: Vec<String> = f
        .entries()
        .iter()
        .map(|(_, h)| h["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(!kinds.contains(&"role".to_string()), "{kinds:?}");
    ok(&f.run(&["env", "dev"]));
    ok(&f.run(&["env", "prod"]));
    assert_eq!(f.codes(), 1, "roles use the session login made");

    // While the session is valid login keeps it; --force asks again.
    ok(&f.run(&["login", "dev"]));
    assert_eq!(f.codes(), 1, "a valid session is kept");
    ok(&f.run(&["login", "dev", "--force"]));
    assert_eq!(
        f.codes(),
        2,
        "login through a role profile refreshes its source"
    );
}

#[test]
fn cache_list_shows_profiles_and_expiries_but_no_secret() {
    let f = Fixture::new(&["dev", "prod"]);
    let dev = ok(&f.run(&["env", "dev"]));
    let prod = ok(&f.run(&["env", "prod"]));
    let alice = ok(&f.run(&["env", "alice"]));
    let o = f.run(&["cache", "list"]);
    let list = ok(&o);
    for want in ["dev", "prod", "alice", &f.s.mfa_serial, &f.s.roles["dev"]] {
        assert!(list.contains(want), "{want} missing from {list}");
    }
    assert_eq!(list.matches("expires in").count(), 3, "{list}");
    let mut secrets = vec![("long-term secret", f.s.secret_access_key.clone())];
    for out in [&dev, &prod, &alice] {
        secrets.push(("secret", export(out, "AWS_SECRET_ACCESS_KEY")));
        secrets.push(("token", export(out, "AWS_SESSION_TOKEN")));
    }
    assert_no_secret_in_output(&o, &secrets);
}

#[test]
fn cache_clear_removes_one_profile_and_logout_everything() {
    let f = Fixture::new(&["dev", "prod"]);
    ok(&f.run(&["env", "dev"]));
    ok(&f.run(&["env", "prod"]));
    let o = f.run(&["cache", "clear", "dev"]);
    ok(&o);
    let profiles = f.kinds();
    assert!(!profiles.contains(&"role:dev".to_string()), "{profiles:?}");
    assert!(profiles.contains(&"role:prod".to_string()), "{profiles:?}");
    assert!(
        profiles.contains(&"session:alice".to_string()),
        "{profiles:?}"
    );
    ok(&f.run_offline(&["env", "prod"]));
    // dev is fetched again, from the kept MFA session: no new code.
    ok(&f.run(&["env", "dev"]));
    assert_eq!(f.codes(), 1);

    ok(&f.run(&["logout"]));
    assert_eq!(f.entries().len(), 0);
    assert!(!f.key_file().exists(), "logout removes the key");
    let leftovers = files_under(&f.w.path("runtime"));
    assert!(leftovers.is_empty(), "{leftovers:?}");
    ok(&f.run(&["env", "dev"]));
    assert_eq!(f.codes(), 2, "a new code after logout");

    // logout works even with the cache turned off in the config: the
    // switch stops its use, it does not hide what is already there.
    std::fs::create_dir_all(f.w.path("config/awsmfa")).unwrap();
    std::fs::write(f.w.path("config/awsmfa/config.toml"), "cache = false\n").unwrap();
    ok(&f.run(&["logout"]));
    assert_eq!(f.entries().len(), 0);
    assert!(!f.key_file().exists());
}

// ---- TOTP replay guard ----

#[test]
fn a_code_used_once_is_refused_locally_the_second_time() {
    let f = Fixture::new(&["dev"]);
    ok(&f.run(&["login", "alice", "--token-code", "314159"]));
    // Nothing listens at the endpoint now: exit 4, not 6, proves that no
    // request was attempted for the reused code.
    let o = f.run_offline(&["login", "alice", "--force", "--token-code", "314159"]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("wait for the next code"),
        "{}",
        stderr(&o)
    );

    // An mfa_process that repeats its code, with the session cleared in
    // between, meets the same guard.
    std::fs::write(f.w.path("mfa.fixed"), "271828\n").unwrap();
    ok(&f.run(&["cache", "clear", "alice"]));
    ok(&f.run(&["env", "dev"]));
    ok(&f.run(&["cache", "clear", "alice"]));
    ok(&f.run(&["cache", "clear", "dev"]));
    let o = f.run_offline(&["env", "dev"]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("wait for the next code"),
        "{}",
        stderr(&o)
    );

    // A new code goes through.
    std::fs::remove_file(f.w.path("mfa.fixed")).unwrap();
    ok(&f.run(&["env", "dev"]));

    // Kept as a keyed hash: neither code is anywhere in the cache (codes
    // chosen to appear nowhere else, e.g. not in moto's account id; only
    // forms long enough not to match by chance).
    for file in files_under(&f.w.path("cache")) {
        let bytes = std::fs::read(&file).unwrap();
        for c in ["314159", "271828"] {
            for form in encodings(c).into_iter().filter(|f| f.len() >= 6) {
                assert!(!contains(&bytes, &form), "{c} in {}", file.display());
            }
        }
    }
}

// ---- key stores ----

/// Can this process get a keyutils session keyring of its own? Containers
/// with Docker's default seccomp profile refuse every keyctl call.
fn keyutils_works() -> bool {
    succeeds("keyctl", &["session", "-", "true"])
}

#[test]
fn the_keyring_store_keeps_the_key_out_of_every_file() {
    if !require_tools(&["keyctl"])
        || !require("unshare (a user namespace)", can_unshare())
        || !require("a kernel that allows keyctl", keyutils_works())
    {
        return;
    }
    let f = Fixture::new(&["dev"]);
    // The key goes to the user keyring. A user namespace of our own has a
    // user keyring of its own, gone when the namespace ends: nothing
    // reaches the developer's real keyrings, and `keyctl show @u` inside
    // it sees only what this test made.
    let script = r#"set -eu
bin=$1 closed=$2
fail() { echo "FAIL: $*"; "$bin" logout >/dev/null 2>&1; exit 1; }
"$bin" env dev >/dev/null || fail "first env"
keyctl show @u | grep -q 'awsmfa:cache-key:' || fail "no key in the user keyring"
[ ! -e "$XDG_RUNTIME_DIR/awsmfa/cache.key" ] || fail "a key file was written"
AWS_ENDPOINT_URL=$closed "$bin" env dev >/dev/null || fail "not served from the cache"
"$bin" cache list 2>&1 | grep -q 'Linux user keyring' || fail "cache list does not name the keyring"
"$bin" logout
if keyctl show @u | grep -q 'awsmfa:cache-key:'; then fail "logout left the key"; fi
echo PASS
"#;
    let o =
        f.w.command("unshare")
            .args(["-U", "-r", "bash", "-c", script, "keyring-test"])
            .arg(awsmfa_bin())
            .arg(closed_port_url())
            .env("AWSMFA_KEY_STORE", "keyring")
            .output()
            .unwrap();
    let out = stdout(&o);
    assert!(
        o.status.success() && out.contains("PASS"),
        "{out}\n{}",
        stderr(&o)
    );
    assert_eq!(f.codes(), 1);
    // No key file anywhere in the world, and the entries were real.
    for file in files_under(f.w.dir.path()) {
        assert!(
            !file.to_string_lossy().ends_with(".key"),
            "{}",
            file.display()
        );
    }
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn auto_falls_back_quietly_when_the_keyring_refuses() {
    if !require("unshare (a user namespace)", can_unshare()) || !require_tools(&["keyctl"]) {
        return;
    }
    // A user keyring that refuses everything, as keyutils does where the
    // kernel or a seccomp profile closes it: inside a user namespace of
    // our own, so the real one is untouched.
    let f = Fixture::new(&["dev"]);
    let o =
        f.w.command("unshare")
            .args([
                "-U",
                "-r",
                "sh",
                "-c",
                "keyctl setperm @u 0 >/dev/null; exec \"$@\"",
                "sh",
            ])
            .arg(awsmfa_bin())
            .args(["env", "dev"])
            .env("AWSMFA_KEY_STORE", "auto")
            .output()
            .unwrap();
    ok(&o);
    assert_eq!(stderr(&o), "", "not quiet");
    assert!(
        f.key_file().exists(),
        "fell back to the runtime-dir key file"
    );
    let again =
        f.w.awsmfa(&["env", "dev"])
            .env("AWSMFA_KEY_STORE", "file")
            .env("AWS_ENDPOINT_URL", closed_port_url())
            .output()
            .unwrap();
    ok(&again);
    assert_eq!(f.codes(), 1);
}

/// What stands where an entry or the key file should be, put there by
/// accident or by someone else: counts as absent, never blocks, and the
/// next write puts a real file there. Needs root for the device node.
#[test]
fn a_fifo_device_or_symlink_in_place_of_an_entry_or_the_key_counts_as_absent() {
    let f = Fixture::new(&["dev"]);
    type Plant = fn(&Path);
    let plants: &[(&str, Plant)] = &[
        ("a FIFO", |p| mkfifo(p)),
        ("a symlink to /dev/zero", |p| {
            std::os::unix::fs::symlink("/dev/zero", p).unwrap()
        }),
        ("a symlink to a valid-looking file", |p| {
            let other = p.with_extension("elsewhere");
            std::fs::copy(p.with_extension("copy"), &other).unwrap();
            std::os::unix::fs::symlink(&other, p).unwrap()
        }),
        ("a directory", |p| std::fs::create_dir(p).unwrap()),
        ("a character device", |p| {
            let st = Command::new("mknod").arg(p).args(["c", "1", "5"]).status();
            assert!(st.is_ok_and(|s| s.success()), "mknod (root) failed");
        }),
    ];
    for (what, plant) in plants {
        if *what == "a character device" && !require("root (mknod)", is_root()) {
            continue;
        }
        for target in ["entry", "key"] {
            ok(&f.run(&["cache", "clear"]));
            ok(&f.run(&["env", "dev"]));
            let path = match target {
                "entry" => f.entry("session", "alice"),
                _ => f.key_file(),
            };
            std::fs::copy(&path, path.with_extension("copy")).unwrap();
            std::fs::remove_file(&path).unwrap();
            plant(&path);
            let before = f.codes();
            let o = bounded::output_within(&mut f.w.awsmfa(&["env", "alice"]), bounded::HANG);
            assert_eq!(code(&o), 0, "{what} as the {target}: {}", stderr(&o));
            assert_eq!(f.codes(), before + 1, "{what} as the {target}: absent");
            // Replaced with a real file: the next call is served quietly.
            let again = bounded::output_within(&mut f.w.awsmfa(&["env", "alice"]), bounded::HANG);
            ok(&again);
            assert_eq!(stderr(&again), "", "{what} as the {target}");
            assert_eq!(f.codes(), before + 1, "{what} as the {target}: replaced");
            let _ = std::fs::remove_file(path.with_extension("copy"));
            let _ = std::fs::remove_file(path.with_extension("elsewhere"));
        }
    }
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status();
    assert!(st.is_ok_and(|s| s.success()), "mkfifo failed");
}

/// A key others can read, or a cache directory another user owns (made in
/// advance, say, in a shared HOME): one warning, and the cache is not used.
#[test]
fn a_readable_key_or_a_foreign_cache_directory_turns_the_cache_off() {
    let f = Fixture::new(&["dev"]);
    ok(&f.run(&["env", "dev"]));
    let key = f.key_file();
    chmod(&key, 0o644);
    for round in 1..=2 {
        let o = f.run(&["env", "alice"]);
        ok(&o);
        let w = warnings(&o);
        assert_eq!(w.len(), 1, "one warning: {w:?}");
        assert!(w[0].contains("0644") && w[0].contains("cache key"), "{w:?}");
        assert_eq!(f.codes(), 1 + round, "the cache is not used");
    }
    chmod(&key, 0o600);
    ok(&f.run(&["logout"]));

    if !require("root (to give a directory to another uid)", is_root()) {
        return;
    }
    let before = f.codes();
    ok(&f.run(&["env", "dev"]));
    let dir = f.cache_dir();
    std::os::unix::fs::chown(&dir, Some(4242), Some(4242)).unwrap();
    for round in 1..=2 {
        let o = f.run(&["env", "dev"]);
        ok(&o);
        let w = warnings(&o);
        assert_eq!(w.len(), 1, "one warning: {w:?}");
        assert!(w[0].contains("uid 4242"), "{w:?}");
        assert_eq!(f.codes(), before + 1 + round, "the cache is not used");
    }
    let doctor = f.run(&["doctor"]);
    let all = format!("{}{}", stdout(&doctor), stderr(&doctor));
    assert!(all.contains("belongs to uid 4242"), "{all}");
    std::os::unix::fs::chown(&dir, Some(0), Some(0)).unwrap();
}

/// Drive `awsmfa ARGS` with the passphrase store on a pseudo-terminal
/// ([`run_pty`]), answering each of `prompts` (once shown with echo off)
/// with `passphrase`. Returns (exit code, everything it wrote).
fn on_a_terminal(
    w: &World,
    passphrase: &str,
    extra_env: &[(&str, &str)],
    prompts: &[&str],
    args: &[&str],
) -> (i32, String) {
    // `env` sets what this call alone needs, on top of the world's.
    let mut argv = vec!["env".to_string(), "AWSMFA_KEY_STORE=passphrase".to_string()];
    argv.extend(extra_env.iter().map(|(k, v)| format!("{k}={v}")));
    argv.push(awsmfa_bin().to_string_lossy().into_owned());
    argv.extend(args.iter().map(|a| a.to_string()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let answer = format!("{passphrase}\n");
    let steps: Vec<(&str, &str)> = prompts.iter().map(|p| (*p, answer.as_str())).collect();
    let run = run_pty(w, &argv, &steps, HANG);
    run.finished();
    (run.status, run.transcript)
}

#[test]
fn the_passphrase_store_prompts_on_the_terminal() {
    let f = Fixture::new(&["dev"]);
    // `exec` rather than `env`: on a terminal `env` rightly refuses to print
    // secrets, and the child proves the credentials arrived.
    let check = [
        "exec",
        "alice",
        "--",
        "sh",
        "-c",
        "test -n \"$AWS_SESSION_TOKEN\" && echo CREDS-OK",
    ];
    let (rc, out) = on_a_terminal(
        &f.w,
        "correct horse",
        &[],
        &[
            "awsmfa new cache passphrase: ",
            "awsmfa the same cache passphrase again: ",
        ],
        &check,
    );
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("CREDS-OK"), "{out}");
    assert!(out.contains("passphrase"), "asked on the terminal: {out}");
    assert!(!out.contains("correct horse"), "echoed: {out}");
    assert_eq!(f.codes(), 1);
    assert!(!f.key_file().exists(), "no key file with a passphrase");

    // The same passphrase opens the cache: served with no network.
    let closed = closed_port_url();
    let offline = [("AWS_ENDPOINT_URL", closed.as_str())];
    let (rc, out) = on_a_terminal(
        &f.w,
        "correct horse",
        &offline,
        &["awsmfa cache passphrase: "],
        &check,
    );
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("CREDS-OK"), "{out}");
    assert_eq!(f.codes(), 1);

    // A wrong one says so, leaves the entries alone, and the call goes on
    // without the cache (here: to the closed port).
    let (rc, out) = on_a_terminal(
        &f.w,
        "wrong horse",
        &offline,
        &["awsmfa cache passphrase: "],
        &check,
    );
    assert!(out.contains("wrong cache passphrase"), "{out}");
    assert_eq!(rc, 6, "{out}");
    let (rc, out) = on_a_terminal(
        &f.w,
        "correct horse",
        &offline,
        &["awsmfa cache passphrase: "],
        &check,
    );
    assert_eq!(rc, 0, "the cache survived a wrong passphrase: {out}");

    // Without a terminal there is no passphrase: a warning, and the call
    // still works.
    let o =
        f.w.awsmfa(&["env", "dev"])
            .env("AWSMFA_KEY_STORE", "passphrase")
            .output()
            .unwrap();
    ok(&o);
    assert_eq!(warnings(&o).len(), 1, "{}", stderr(&o));
}
