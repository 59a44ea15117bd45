//! Issue 21, hostile input: what an IAM endpoint answers (a forwarding
//! proxy in front of moto rewrites its answers), a proxy password in the
//! environment, a damaged vault file, escape sequences in a key id, a
//! completion variable left in the environment, and a signal that ends
//! awsmfa while its `mfa_process` runs.

use crate::keys::{iam_keys, rotate_world};
use crate::support::check::fails;
use crate::support::proxy::{Action, Proxy};
use crate::support::{COUNTING_MFA, World, chmod, ok, stderr, stdout};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A proxy in front of moto that rewrites `action`'s answer: `find` in
/// its body becomes `with`; every other call is forwarded.
fn rewriting(w: &World, action: &'static str, find: &str, with: String) -> Proxy {
    let find = find.to_string();
    Proxy::with_policy(Some(&w.endpoint()), move |c| {
        if c.seen.action() == action {
            Action::Rewrite {
                find: find.clone(),
                with: with.clone(),
            }
        } else {
            Action::Forward
        }
    })
}

/// `ListMFADevices` answers a serial holding a line break and an
/// `mfa_process` line: before issue 21, `setup` wrote both into
/// ~/.aws/config, and the next MFA prompt ran the attacker's command.
#[test]
fn setup_writes_no_line_a_hostile_iam_answer_holds() {
    let w = World::new();
    let s = w.seed("alice", &[]);
    w.write_credentials(&format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    ));
    let config = "# mine\n[profile alice]\nregion = us-east-1\n";
    w.write_config(config);
    let pwned = w.path("pwned");
    let inject = format!("\nmfa_process = touch {}", pwned.display());
    let proxy = rewriting(
        &w,
        "ListMFADevices",
        "</SerialNumber>",
        format!("{inject}</SerialNumber>"),
    );
    let o = w
        .awsmfa(&["setup", "alice"])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .output()
        .unwrap();
    let err = fails(&o, 6);
    // The attack was delivered: moto's answer named the real device.
    let answers = proxy.answers("ListMFADevices");
    assert!(
        answers.iter().any(|a| a.contains(&s.mfa_serial)),
        "{answers:?}"
    );
    assert!(
        err.contains(
            "its answer to ListMFADevices holds an unusable MFA serial number (it holds a control character), which IAM never sends; nothing was kept"
        ),
        "{err}"
    );
    assert!(!err.contains("touch"), "the value is not quoted: {err}");
    assert_eq!(w.read("config_file"), config);
    // The next call that would ask for a code runs nothing.
    let _ = w.run(&["env", "alice"]);
    assert!(!pwned.exists(), "the attacker's mfa_process ran");
}

/// `CreateAccessKey` answers a secret holding a new section with a
/// `credential_process`: before issue 21, `rotate` wrote it into
/// ~/.aws/credentials, and the AWS CLI ran it for `--profile evil`.
#[test]
fn rotate_writes_no_section_a_hostile_iam_answer_holds() {
    let (w, s, original) = rotate_world(false);
    let pwned = w.path("pwned");
    let inject = format!(
        "\n[evil]\ncredential_process = touch {}\n[profile evil]\ncredential_process = touch {}",
        pwned.display(),
        pwned.display()
    );
    let proxy = rewriting(
        &w,
        "CreateAccessKey",
        "</SecretAccessKey>",
        format!("{inject}</SecretAccessKey>"),
    );
    let o = w
        .awsmfa(&["rotate", "alice", "--wait", "1s"])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .output()
        .unwrap();
    let err = fails(&o, 6);
    assert_eq!(proxy.answers("CreateAccessKey").len(), 1, "never created");
    assert!(
        err.contains(
            "its answer to CreateAccessKey holds an unusable secret access key (it holds a control character), which IAM never sends; nothing was kept"
        ),
        "{err}"
    );
    assert!(err.contains("was deleted again"), "{err}");
    assert!(err.contains("Nothing was lost"), "{err}");
    assert!(!err.contains("touch"), "the value is not quoted: {err}");
    // The file is as it was, and IAM holds the old key alone.
    assert_eq!(w.read("credentials_file"), original);
    assert_eq!(
        iam_keys(&w),
        vec![(s.access_key_id.clone(), "Active".to_string())]
    );
    // The AWS CLI finds no profile `evil`, so it runs nothing.
    let cli = w
        .aws(&["sts", "get-caller-identity", "--profile", "evil"])
        .output()
        .unwrap();
    assert!(!cli.status.success(), "{}", stdout(&cli));
    assert!(!pwned.exists(), "the attacker's credential_process ran");
}

/// The usual mistake: a proxy password with a space, `|`, `"`, `{` or `^`,
/// not percent-encoded, which the HTTP client cannot parse. Before issue
/// 21, `env`, `process` and `doctor` printed the URL whole.
#[test]
fn a_proxy_password_is_never_printed() {
    let w = World::new();
    w.standard(&[]);
    let password = "Pr0xyPassw0rd";
    for url in [
        format!("http://carol:{password} x|y\"z{{w^v@127.0.0.1:9"),
        format!("http://carol:{password}@127.0.0.1:9"),
    ] {
        for args in [
            &["env", "alice", "--token-code", "123456"][..],
            &["process", "alice", "--token-code", "123456"],
            &["doctor", "alice"],
        ] {
            let o = w
                .awsmfa(args)
                .env("HTTP_PROXY", &url)
                .env("HTTPS_PROXY", &url)
                .output()
                .unwrap();
            // doctor reports on stdout, the others on stderr.
            let err = format!("{}{}", stdout(&o), stderr(&o));
            assert!(!o.status.success(), "{args:?}: {err}");
            assert!(!err.contains(password), "{args:?} printed it: {err}");
            if url.contains(' ') {
                assert!(
                    err.contains(
                        "the proxy http://***@127.0.0.1:9 (HTTPS_PROXY / HTTP_PROXY) is unusable"
                    ),
                    "{args:?}: {err}"
                );
            }
        }
    }
}

/// An endpoint URL may carry credentials too (`user:password@`, which some
/// gateways take): an unreachable one is named without them.
#[test]
fn an_endpoint_password_is_never_printed() {
    let w = World::new();
    w.standard(&[]);
    let password = "Endp0intPassw0rd";
    let closed = crate::support::proxy::closed_port_url();
    let url = closed.replacen("://", &format!("://dave:{password}@"), 1);
    let o = w
        .awsmfa(&["env", "alice", "--token-code", "123456"])
        .env("AWS_ENDPOINT_URL", &url)
        .output()
        .unwrap();
    let err = fails(&o, 6);
    assert!(!err.contains(password), "printed it: {err}");
    let host = closed.split("://").nth(1).unwrap();
    assert!(err.contains(&format!("http://***@{host}")), "{err}");
}

/// A vault directory holding a file that does not parse: before issue 21,
/// the next import took a second passphrase, and the store held keys
/// under two.
#[test]
fn a_damaged_vault_file_lets_no_second_passphrase_in() {
    let mut w = World::offline();
    let creds = "[alice]\naws_access_key_id = AKIAALICEALICEALICE1\naws_secret_access_key = alice/secret\n\
                 [bob]\naws_access_key_id = AKIABOBBOBBOBBOB1234\naws_secret_access_key = bob/secret\n";
    w.write_credentials(creds);
    w.env.push(("AWSMFA_VAULT".into(), "file".into()));
    let import = |w: &World, profile: &str, passphrase: &str| {
        w.awsmfa(&["keys", "import", profile])
            .env("AWSMFA_VAULT_PASSPHRASE", passphrase)
            .output()
            .unwrap()
    };
    ok(&import(&w, "alice", "first"));
    let dir = w.path("data/awsmfa/keys");
    let junk = dir.join("0-junk.key");
    std::fs::write(&junk, b"not an awsmfa key file").unwrap();
    chmod(&junk, 0o600);
    let err = stderr(&import(&w, "bob", "second"));
    assert!(err.contains("passphrase"), "{err}");
    assert!(w.read("credentials_file").contains("bob/secret"));
    // Alone, the damaged file is named, and still lets no new one in.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path != junk {
            std::fs::remove_file(path).unwrap();
        }
    }
    let err = stderr(&import(&w, "bob", "second"));
    assert!(err.contains("0-junk.key"), "{err}");
    assert!(w.read("credentials_file").contains("bob/secret"));
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, 1, "a key was sealed under a second passphrase");
}

/// `keys list` prints key ids from the store's files and the AWS files,
/// which others may have written: before issue 21 an escape sequence in
/// one reached the terminal.
#[test]
fn keys_list_shows_key_ids_through_the_terminal_sanitizer() {
    let mut w = World::offline();
    let evil = "AKIA\u{1b}]0;pwned\u{7}\u{1b}[2JX";
    w.write_credentials(&format!(
        "[alice]\naws_access_key_id = {evil}\naws_secret_access_key = a/secret\n\
         [bob]\naws_access_key_id = {evil}\naws_secret_access_key = b/secret\n"
    ));
    w.env.push(("AWSMFA_VAULT".into(), "file".into()));
    w.env
        .push(("AWSMFA_VAULT_PASSPHRASE".into(), "passphrase".into()));
    ok(&w.run(&["keys", "import", "alice"]));
    let list = ok(&w.run(&["keys", "list"]));
    assert!(
        !list.contains('\u{1b}') && !list.contains('\u{7}'),
        "{list:?}"
    );
    let shown = "AKIA\\u{1b}]0;pwned\\u{7}\\u{1b}[2JX";
    assert_eq!(list.matches(shown).count(), 2, "{list}");
    assert!(list.contains("encrypted key file"), "{list}");
}

/// `_AWSMFA_COMPLETE` left in the environment (a project's environment
/// file, a shell that exported it): before issue 21 every awsmfa call,
/// the prompt hook's included, printed clap's completion script instead.
#[test]
fn a_completion_variable_in_the_environment_changes_no_other_call() {
    let w = World::offline();
    w.write_config("[profile dev]\nregion = us-east-1\n");
    for args in [&["init", "bash"][..], &["hook", "bash"], &["--version"]] {
        let plain = w.run(args);
        for shell in ["bash", "zsh", "fish"] {
            let o = w
                .awsmfa(args)
                .env("_AWSMFA_COMPLETE", shell)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), plain.status.code(), "{args:?}");
            assert_eq!(stdout(&o), stdout(&plain), "{args:?} {shell}");
        }
    }
    // A TAB, as the registered scripts ask, is still answered.
    let o = w
        .awsmfa(&["--", "awsmfa", "ke"])
        .env("_AWSMFA_COMPLETE", "zsh")
        .env("_CLAP_IFS", "\n")
        .env("_CLAP_COMPLETE_INDEX", "1")
        .output()
        .unwrap();
    assert!(
        ok(&o).lines().any(|l| l.starts_with("keys")),
        "{}",
        stdout(&o)
    );
}

/// Whether process `pid` is alive (a zombie is not).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim().to_string()))
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
}

/// Wait (bounded) until `done` holds; whether it did.
fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// An `mfa_process` runs in a process group of its own, which a `kill` of
/// awsmfa or a terminal's hang-up does not reach: before issue 21 it
/// outlived awsmfa (Ctrl-C already ended it). Defaults otherwise: the
/// real `mfa_process` timeout (60 s), which the test must not wait out.
#[test]
fn sigterm_or_sighup_during_mfa_process_ends_its_process_group() {
    use std::os::unix::process::ExitStatusExt;
    let w = World::new();
    let s = w.standard(&[]);
    let script = w.path("mfa.sh");
    std::fs::write(&script, COUNTING_MFA).unwrap();
    w.write_config(&format!(
        "[profile alice]\nmfa_serial = {}\nmfa_process = sh {}\n",
        s.mfa_serial,
        script.display()
    ));
    std::fs::write(w.path("stall"), "").unwrap();
    let pid_file = w.path("stalled.pid");
    for (signal, number) in [("TERM", 15), ("HUP", 1)] {
        let _ = std::fs::remove_file(&pid_file);
        let mut awsmfa = w
            .awsmfa(&["env", "alice"])
            // Not piped: an orphaned mfa_process would hold the pipes.
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            within(Duration::from_secs(30), || pid_file.exists()
                && !std::fs::read_to_string(&pid_file).unwrap().is_empty()),
            "mfa_process never started"
        );
        let stalled = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .to_string();
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &awsmfa.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let mut status = None;
        assert!(
            within(Duration::from_secs(10), || {
                status = awsmfa.try_wait().unwrap();
                status.is_some()
            }),
            "awsmfa outlived SIG{signal}"
        );
        let gone = within(Duration::from_secs(5), || !alive(&stalled));
        if !gone {
            // Ours to clean up: the test started it.
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &stalled])
                .status();
        }
        assert!(gone, "mfa_process {stalled} outlived awsmfa's SIG{signal}");
        assert_eq!(status.unwrap().signal(), Some(number), "SIG{signal}");
    }
}
