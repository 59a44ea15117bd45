//! `awsmfa keys`: long-term keys off the disk. Against moto checking every
//! signature (so only the right key, read from the vault, gets an answer),
//! through the real AWS CLI and boto3 running `credential_process`; the
//! Secret Service for real (gnome-keyring-daemon, unlocked, in its own
//! `dbus-run-session`); the encrypted file store with a wrong passphrase, a
//! tampered and a truncated file; and scans of HOME, TMPDIR and the XDG
//! dirs for the secrets in any form after import, rotate and a kill.

use crate::rotate_kill::secret_in;
use crate::support::proxy::{Action, HoldAt, Proxy};
use crate::support::pty::run_pty;
use crate::support::secrets::{assert_no_secret_in_files, assert_no_secret_in_output, files_under};
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

pub(crate) const PASSPHRASE: &str = "correct horse battery staple";

/// A credentials file with a comment, another profile and odd spacing.
fn credentials(s: &Seeded) -> String {
    format!(
        "# my keys\n[bob]\naws_access_key_id = AKIABOBBOBBOBBOB1234\naws_secret_access_key = bob/secret\n\n\
         [alice]   ; the IAM user\naws_access_key_id=  {}\naws_secret_access_key = {}\nregion = us-east-1\n",
        s.access_key_id, s.secret_access_key
    )
}

/// alice with keys, an MFA device (codes from an `mfa_process`, so the
/// AWS CLI's credential_process needs no terminal) and a role `dev`.
/// moto does not check signatures here (its authentication knows no
/// session tokens): which key signed is read from a proxy's log instead.
fn vault_world() -> (World, Seeded) {
    let mut w = World::new();
    let s = w.seed("alice", &["dev"]);
    w.write_credentials(&credentials(&s));
    chmod(&w.path("credentials_file"), 0o640);
    std::fs::write(w.path("mfa.sh"), COUNTING_MFA).unwrap();
    w.write_config(&format!(
        "[profile alice]\nmfa_serial = {}\nmfa_process = sh {}\n\n[profile dev]\nrole_arn = {}\nsource_profile = alice\n",
        s.mfa_serial,
        w.path("mfa.sh").display(),
        s.roles["dev"]
    ));
    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    w.env.push(("TMPDIR".into(), tmp.display().to_string()));
    (w, s)
}

/// The encrypted file store, its passphrase given as CI gives it.
fn file_store(w: &mut World) {
    w.env.push(("AWSMFA_VAULT".into(), "file".into()));
    w.env
        .push(("AWSMFA_VAULT_PASSPHRASE".into(), PASSPHRASE.into()));
}

/// Every file of the world: HOME, the XDG dirs, TMPDIR, the AWS files.
#[track_caller]
fn no_plaintext(w: &World, secrets: &[(&str, String)]) {
    assert_no_secret_in_files(&files_under(w.dir.path()), secrets);
}

/// Who the AWS CLI is, with `--profile profile` (and so through alice's
/// credential_process). moto names every GetSessionToken session
/// `user/moto`, so a user's identity is told by [`cli_signer`] instead.
fn cli_arn(w: &World, profile: &str) -> String {
    ok(&w
        .aws(CALLER_ARN)
        .args(["--profile", profile])
        .output()
        .unwrap())
    .trim()
    .to_string()
}

/// The access key that signs alice's GetSessionToken when the AWS CLI runs
/// her credential_process for `dev` (cached sessions cleared first), after
/// checking that the CLI then assumed `dev` with that session.
#[track_caller]
fn cli_signer(w: &World, s: &Seeded) -> String {
    ok(&w.run(&["cache", "clear"]));
    let proxy = Proxy::with_policy(Some(&w.endpoint()), |_| Action::Forward);
    let arn = ok(&w
        .aws(CALLER_ARN)
        .args(["--profile", "dev"])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .output()
        .unwrap());
    assert!(arn.trim().starts_with(&assumed(&s.roles["dev"])), "{arn}");
    let seen = proxy.seen();
    seen.iter()
        .find(|c| c.action() == "GetSessionToken")
        .unwrap_or_else(|| panic!("no GetSessionToken: {seen:?}"))
        .signer()
}

/// The key in the vault signs, and IAM has it active.
#[track_caller]
fn working_key_in_vault(w: &World, s: &Seeded) -> String {
    let id = cli_signer(w, s);
    assert!(keys_list(w).contains(&id), "{id} is not the vault's key");
    assert!(
        crate::keys::iam_keys(w).contains(&(id.clone(), "Active".to_string())),
        "{id} is not active: {:?}",
        crate::keys::iam_keys(w)
    );
    id
}

fn boto3_arn(w: &World, profile: &str) -> String {
    let script = "import boto3, sys\n\
        s = boto3.session.Session(profile_name=sys.argv[1])\n\
        print(s.client('sts', endpoint_url=sys.argv[2]).get_caller_identity()['Arn'])\n";
    ok(&w
        .command(python())
        .args(["-c", script, profile, &w.endpoint()])
        .output()
        .unwrap())
    .trim()
    .to_string()
}

fn vault_files(w: &World) -> Vec<PathBuf> {
    let dir = w.path("data/awsmfa/keys");
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[track_caller]
fn keys_list(w: &World) -> String {
    ok(&w.run(&["keys", "list"]))
}

#[test]
fn import_moves_the_key_and_the_aws_cli_boto3_and_awsmfa_still_work() {
    let (mut w, s) = vault_world();
    file_store(&mut w);
    let before = w.read("credentials_file");
    assert!(keys_list(&w).contains("plaintext"));
    let out = w.run(&["keys", "import", "alice"]);
    ok(&out);
    let secrets = [("alice's secret key", s.secret_access_key.clone())];
    assert_no_secret_in_output(&out, &secrets);

    // The file: alice's two key lines gone, credential_process in their
    // section, every other byte (comment, bob, spacing, region) and the
    // mode kept.
    let after = w.read("credentials_file");
    let line = format!(
        "credential_process = {} process alice",
        awsmfa_bin().display()
    );
    let expected = before
        .replace(&format!("aws_access_key_id=  {}\n", s.access_key_id), "")
        .replace(
            &format!(
                "aws_secret_access_key = {}\nregion = us-east-1\n",
                s.secret_access_key
            ),
            &format!("region = us-east-1\n{line}\n"),
        );
    assert_eq!(after, expected);
    assert_eq!(mode(&w.path("credentials_file")), 0o640);
    let [file] = vault_files(&w).try_into().unwrap();
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);
    no_plaintext(&w, &secrets);
    let list = keys_list(&w);
    let row = list.lines().find(|l| l.starts_with("alice")).unwrap();
    assert!(
        row.contains("encrypted key file") && row.contains(&s.access_key_id),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("bob") && l.contains("plaintext")),
        "{list}"
    );

    // The AWS CLI and boto3 run awsmfa's credential_process: an MFA
    // session signed with alice's key from the vault, and for `dev` the
    // CLI (and boto3) assume the role themselves with it.
    assert_eq!(cli_signer(&w, &s), s.access_key_id);
    assert!(cli_arn(&w, "alice").starts_with("arn:aws:sts::"));
    assert!(boto3_arn(&w, "dev").starts_with(&assumed(&s.roles["dev"])));
    // awsmfa itself reads the vault, never runs its own credential_process.
    let env = ok(&w.run(&["env", "dev"]));
    assert!(env.contains("AWS_SESSION_TOKEN"), "{env}");
    let process = ok(&w.run(&["process", "alice"]));
    assert!(process.contains("\"Version\": 1"));
    no_plaintext(&w, &secrets);

    // Import again: nothing to import, nothing changed.
    let again = w.run(&["keys", "import", "alice"]);
    assert!(crate::support::check::fails(&again, 2).contains("no aws_access_key_id"));
    assert_eq!(w.read("credentials_file"), after);
}

#[test]
fn export_puts_the_key_back_only_when_confirmed_and_remove_deletes_it() {
    let (mut w, s) = vault_world();
    file_store(&mut w);
    ok(&w.run(&["keys", "import", "alice"]));
    let imported = w.read("credentials_file");
    // No terminal, no --yes: nothing changes.
    let out = w.run(&["keys", "export", "alice"]);
    assert!(crate::support::check::fails(&out, 2).contains("--yes"));
    assert_eq!(w.read("credentials_file"), imported);
    assert_eq!(vault_files(&w).len(), 1);

    ok(&w.run(&["keys", "export", "alice", "--yes"]));
    let text = w.read("credentials_file");
    assert!(
        text.contains(&s.secret_access_key) && !text.contains("credential_process"),
        "{text}"
    );
    assert!(vault_files(&w).is_empty());
    assert!(cli_arn(&w, "dev").starts_with(&assumed(&s.roles["dev"])));

    ok(&w.run(&["keys", "import", "alice"]));
    ok(&w.run(&["keys", "remove", "alice", "--yes"]));
    assert!(vault_files(&w).is_empty());
    let text = w.read("credentials_file");
    assert!(!text.contains("credential_process") && !text.contains(&s.secret_access_key));
}

#[test]
fn keyutils_is_refused_as_a_store_for_long_term_keys() {
    let (mut w, _) = vault_world();
    w.env.push(("AWSMFA_VAULT".into(), "keyutils".into()));
    let before = w.read("credentials_file");
    let err = crate::support::check::fails(&w.run(&["keys", "import", "alice"]), 3);
    assert!(err.contains("reboot") && err.contains("\"file\""), "{err}");
    assert_eq!(w.read("credentials_file"), before);
}

/// One bad file: a clear error (exit 1, nothing on stdout, no panic), the
/// file and the credentials file unchanged, and once it is restored the
/// key works again.
#[track_caller]
fn refused(w: &World, file: &Path, good: &[u8], bad: &[u8], env: &[(&str, &str)], want: &str) {
    std::fs::write(file, bad).unwrap();
    let creds = w.read("credentials_file");
    let mut cmd = w.awsmfa(&["env", "alice", "--duration", "15m"]);
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    let err = crate::support::check::fails(&out, 1);
    assert!(err.contains(want) && !err.contains("panicked"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(std::fs::read(file).unwrap(), bad);
    assert_eq!(w.read("credentials_file"), creds);
    std::fs::write(file, good).unwrap();
}

#[test]
fn a_wrong_passphrase_a_tampered_and_a_truncated_file_are_told_apart_and_lose_nothing() {
    let (mut w, s) = vault_world();
    file_store(&mut w);
    ok(&w.run(&["keys", "import", "alice"]));
    let [file] = vault_files(&w).try_into().unwrap();
    let good = std::fs::read(&file).unwrap();
    let wrong = [("AWSMFA_VAULT_PASSPHRASE", "Tr0ub4dor&3")];
    refused(&w, &file, &good, &good, &wrong, "wrong passphrase");
    let mut tampered = good.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x20;
    refused(
        &w,
        &file,
        &good,
        &tampered,
        &[],
        "is damaged (it does not decrypt",
    );
    // The key id in the clear is authenticated too.
    let mut renamed = good.clone();
    let at = renamed.windows(4).position(|x| x == b"AKIA").unwrap();
    renamed[at + 4] ^= 1;
    refused(&w, &file, &good, &renamed, &[], "is damaged");
    refused(&w, &file, &good, &good[..good.len() / 2], &[], "is damaged");
    refused(&w, &file, &good, &good[..10], &[], "is damaged");
    refused(&w, &file, &good, b"", &[], "is damaged");
    // A file others could read is refused (they may have copied it to
    // guess the passphrase offline), and kept as it is.
    chmod(&file, 0o644);
    let out = w.run(&["env", "alice"]);
    assert!(crate::support::check::fails(&out, 1).contains("lets other users at it"));
    assert_eq!(std::fs::read(&file).unwrap(), good);
    chmod(&file, 0o600);
    // No passphrase and no terminal: says which variable gives it.
    let out = w
        .awsmfa(&["env", "alice"])
        .env_remove("AWSMFA_VAULT_PASSPHRASE")
        .output()
        .unwrap();
    assert!(crate::support::check::fails(&out, 1).contains("AWSMFA_VAULT_PASSPHRASE"));
    // Restored: everything works as before, and the key was never lost.
    assert_eq!(std::fs::read(&file).unwrap(), good);
    assert!(ok(&w.run(&["env", "alice"])).contains("AWS_SESSION_TOKEN"));
    no_plaintext(&w, &[("alice's secret key", s.secret_access_key)]);
}

#[test]
fn the_passphrase_is_asked_at_the_terminal_twice_when_new_then_once() {
    let (w, s) = vault_world();
    let mut w = w;
    w.env.push(("AWSMFA_VAULT".into(), "file".into()));
    let limit = Duration::from_secs(60);
    let import = run_pty(
        &w,
        &[awsmfa_bin().to_str().unwrap(), "keys", "import", "alice"],
        &[
            ("new vault passphrase: ", &format!("{PASSPHRASE}\n")),
            ("same vault passphrase again: ", &format!("{PASSPHRASE}\n")),
        ],
        limit,
    );
    assert_eq!(import.finished().status, 0, "{}", import.transcript);
    // Before the new passphrase: where the key goes, and when it is asked.
    assert!(
        import
            .transcript
            .contains("the key goes into an encrypted file in ")
            && import
                .transcript
                .contains("asked when a new MFA session starts"),
        "{}",
        import.transcript
    );
    // Ctrl-C at the passphrase: awsmfa's interrupted status, as at the MFA prompt.
    let bin = awsmfa_bin().to_str().unwrap();
    let interrupted = run_pty(
        &w,
        &[bin, "env", "alice", "--force"],
        &[("vault passphrase: ", "\u{3}")],
        limit,
    );
    assert_eq!(
        interrupted.finished().status,
        130,
        "{}",
        interrupted.transcript
    );
    // doctor, interrupted there, says so rather than that there are no keys.
    let doctor = run_pty(
        &w,
        &[bin, "doctor", "alice"],
        &[("vault passphrase: ", "\u{3}")],
        limit,
    );
    let report = &doctor.finished().transcript;
    assert!(
        report.contains("the key store's passphrase was not given")
            && !report.contains("no profile with access keys"),
        "{report}"
    );
    // A typo gets another try.
    let env = run_pty(
        &w,
        &[bin, "env", "alice", "--force"],
        &[
            ("vault passphrase: ", "not-the-passphrase\n"),
            ("(try 2 of 3): ", &format!("{PASSPHRASE}\n")),
        ],
        limit,
    );
    assert_eq!(env.finished().status, 0, "{}", env.transcript);
    assert!(env.transcript.contains("awsmfa: wrong vault passphrase"));
    assert!(env.transcript.contains("AWS_SESSION_TOKEN"));
    assert!(!import.transcript.contains(PASSPHRASE) && !env.transcript.contains(PASSPHRASE));
    no_plaintext(
        &w,
        &[
            ("alice's secret key", s.secret_access_key),
            ("the passphrase", PASSPHRASE.to_string()),
        ],
    );
}

/// Rotate a vault key: the new key goes to the vault (the credentials file
/// does not change), the old one is deleted, no secret is on disk.
#[test]
fn rotate_writes_the_new_key_to_the_vault_it_came_from() {
    let (mut w, s) = vault_world();
    file_store(&mut w);
    ok(&w.run(&["keys", "import", "alice"]));
    let imported = w.read("credentials_file");
    let proxy = Proxy::with_policy(Some(&w.endpoint()), |_| Action::Forward);
    let out = w
        .awsmfa(&["rotate", "alice"])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .output()
        .unwrap();
    ok(&out);
    let [answer] = proxy.answers("CreateAccessKey").try_into().unwrap();
    let new_secret = secret_in(&answer).unwrap();
    drop(proxy);
    let secrets = [
        ("the old secret key", s.secret_access_key.clone()),
        ("the new secret key", new_secret),
    ];
    assert_no_secret_in_output(&out, &secrets);
    assert_eq!(w.read("credentials_file"), imported);
    let list = keys_list(&w);
    assert!(!list.contains(&s.access_key_id), "{list}");
    // The vault's new key signs, and is the only key IAM has.
    let id = working_key_in_vault(&w, &s);
    assert_ne!(id, s.access_key_id);
    assert_eq!(crate::keys::iam_keys(&w), vec![(id, "Active".to_string())]);
    no_plaintext(&w, &secrets);
}

/// rotate killed at each step of a vault key's rotation: a working key is
/// in the vault afterwards, no secret is anywhere in plaintext, and the
/// next rotate finishes.
#[test]
fn a_kill_during_rotate_leaves_a_working_key_in_the_vault_and_no_plaintext() {
    let points = [
        ("CreateAccessKey", 1, HoldAt::Response),
        ("GetCallerIdentity", 2, HoldAt::Request),
        ("UpdateAccessKey", 1, HoldAt::Request),
        ("DeleteAccessKey", 1, HoldAt::Response),
    ];
    for (action, nth, at) in points {
        let (mut w, s) = vault_world();
        file_store(&mut w);
        ok(&w.run(&["keys", "import", "alice"]));
        let proxy = Proxy::holding(&w.endpoint(), action, nth, at);
        let mut child = w
            .awsmfa(&["rotate", "alice", "--wait", "5s"])
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(
            proxy.wait_held(Duration::from_secs(60)),
            "{action}: {:?}",
            proxy.seen()
        );
        child.kill().unwrap(); // SIGKILL: nothing of awsmfa's runs after.
        child.wait().unwrap();
        let mut secrets = vec![("the old secret key", s.secret_access_key.clone())];
        for answer in proxy.answers("CreateAccessKey") {
            secrets.push(("the new secret key", secret_in(&answer).unwrap()));
        }
        drop(proxy);
        no_plaintext(&w, &secrets);
        // A working key in the vault: the AWS CLI signs with it.
        let before = working_key_in_vault(&w, &s);
        let mut next = w.run(&["rotate", "alice"]);
        let strays: Vec<String> = crate::keys::iam_keys(&w)
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| *id != before)
            .collect();
        if !next.status.success() {
            // A key AWS made whose id awsmfa never heard: the next rotate
            // names it and stops, as for keys in the file
            // (tests/rotate_kill.rs); once it is deleted, rotate works.
            let err = stderr(&next);
            assert!(!strays.is_empty(), "{action}: {err}");
            for id in &strays {
                assert!(err.contains(id.as_str()), "{action}: {id} not named: {err}");
                ok(&w
                    .aws(&["iam", "delete-access-key", "--user-name", "alice"])
                    .args(["--access-key-id", id, "--profile", "bob"])
                    .output()
                    .unwrap());
            }
            next = w.run(&["rotate", "alice"]);
        }
        ok(&next);
        let after = working_key_in_vault(&w, &s);
        assert_ne!(after, before, "{action}");
        assert_eq!(
            crate::keys::iam_keys(&w),
            vec![(after, "Active".to_string())],
            "{action}"
        );
        no_plaintext(&w, &secrets);
    }
}

#[test]
fn doctor_names_every_plaintext_key_with_the_command_that_moves_it() {
    let (mut w, _) = vault_world();
    file_store(&mut w);
    let report = stdout(&w.run(&["doctor", "--offline"]));
    let line = report.lines().find(|l| l.contains("keys at rest")).unwrap();
    assert!(line.starts_with("warn"), "{line}");
    assert!(
        report.contains("awsmfa keys import alice") && report.contains("awsmfa keys import bob"),
        "{report}"
    );
    ok(&w.run(&["keys", "import", "alice"]));
    ok(&w.run(&["keys", "import", "bob"]));
    let report = stdout(&w.run(&["doctor", "--offline"]));
    let line = report.lines().find(|l| l.contains("keys at rest")).unwrap();
    assert!(line.starts_with("ok"), "{report}");
    // And doctor's MFA check sees the vault's key.
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("mfa")),
        "{report}"
    );
}

/// A cached `env` reads no vault: strace shows no open of the key files
/// and no connection to a D-Bus socket.
#[test]
fn a_cached_env_never_touches_the_vault() {
    if !require("strace", have("strace")) {
        return;
    }
    let (mut w, _) = vault_world();
    file_store(&mut w);
    ok(&w.run(&["keys", "import", "alice"]));
    ok(&w.run(&["env", "dev"]));
    let log = w.path("strace.log");
    let out = w
        .command("strace")
        .args(["-f", "-e", "trace=open,openat,connect", "-o"])
        .arg(&log)
        .arg(awsmfa_bin())
        .args(["env", "dev"])
        .output()
        .unwrap();
    assert!(ok(&out).contains("AWS_SESSION_TOKEN"));
    let trace = std::fs::read_to_string(&log).unwrap();
    assert!(trace.contains("awsmfa"), "strace saw nothing: {trace}");
    assert!(
        !trace.contains("awsmfa/keys"),
        "the vault was read: {trace}"
    );
    assert!(!trace.contains("bus"), "D-Bus was reached: {trace}");
    // The MFA code was asked once (the first env), never again.
    assert_eq!(codes_in(w.dir.path()), 1);
}

// ------------------------------------------------------- Secret Service

/// A D-Bus session bus of this test's own (`dbus-run-session`) with
/// gnome-keyring-daemon unlocked on it, until dropped.
struct Desktop {
    child: Option<Child>,
    stop: PathBuf,
    address: String,
}

impl Desktop {
    fn start(w: &World) -> Desktop {
        let (stop, ready) = (w.path("desktop.stop"), w.path("desktop.address"));
        // The daemon is started, unlocked with the login password, and
        // found on the bus before the address is handed out.
        let script = format!(
            "printf %s 'login password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1\n\
             i=0\n\
             until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
               org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true; do\n\
               i=$((i+1)); [ $i -gt 100 ] && exit 1; sleep 0.1\n\
             done\n\
             echo \"$DBUS_SESSION_BUS_ADDRESS\" >'{ready}.tmp' && mv '{ready}.tmp' '{ready}'\n\
             while [ ! -e '{stop}' ]; do sleep 0.1; done\n",
            ready = ready.display(),
            stop = stop.display()
        );
        let child = w
            .command("dbus-run-session")
            .args(["--", "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready.exists() {
            assert!(
                Instant::now() < deadline,
                "gnome-keyring-daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let address = std::fs::read_to_string(&ready).unwrap().trim().to_string();
        Desktop {
            child: Some(child),
            stop,
            address,
        }
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.stop, "");
        if let Some(child) = self.child.take() {
            crate::support::bounded::wait_within(child, Duration::from_secs(10));
        }
    }
}

/// [`vault_world`] on a desktop session ([`Desktop`]), alice's key imported
/// with the defaults (so into the Secret Service). None where the tools are
/// missing (a failure under CI).
fn imported_on_a_desktop() -> Option<(World, Seeded, Desktop)> {
    if !require(
        "gnome-keyring, dbus and libsecret-tools",
        secret_service_here(),
    ) {
        return None;
    }
    let (mut w, s) = vault_world();
    let desktop = Desktop::start(&w);
    w.env
        .push(("DBUS_SESSION_BUS_ADDRESS".into(), desktop.address.clone()));
    ok(&w.run(&["keys", "import", "alice"]));
    assert!(vault_files(&w).is_empty(), "not the Secret Service");
    Some((w, s, desktop))
}

fn secret_service_here() -> bool {
    [
        "dbus-run-session",
        "gnome-keyring-daemon",
        "dbus-send",
        "secret-tool",
    ]
    .iter()
    .all(|p| have(p))
}

/// With the defaults a user has (no AWSMFA_VAULT, no passphrase): on a
/// desktop session the key goes to the Secret Service, and every command,
/// the AWS CLI and boto3 read it there; rotate writes the new key there.
#[test]
fn on_a_desktop_the_defaults_keep_the_key_in_the_secret_service() {
    let Some((w, s, desktop)) = imported_on_a_desktop() else {
        return;
    };
    let list = keys_list(&w);
    let row = list.lines().find(|l| l.starts_with("alice")).unwrap();
    assert!(
        row.contains("Secret Service") && row.contains(&s.access_key_id),
        "{list}"
    );
    // The item as libsecret's own tool sees it.
    let lookup = |w: &World| {
        ok(&w
            .command("secret-tool")
            .args(["lookup", "application", "awsmfa", "profile", "alice"])
            .output()
            .unwrap())
    };
    assert!(lookup(&w).contains(&s.secret_access_key));
    assert_eq!(cli_signer(&w, &s), s.access_key_id);
    assert!(boto3_arn(&w, "dev").starts_with(&assumed(&s.roles["dev"])));
    assert!(ok(&w.run(&["env", "dev"])).contains("AWS_SESSION_TOKEN"));

    // A cached env does not reach the bus at all.
    if require("strace", have("strace")) {
        let log = w.path("strace.log");
        ok(&w
            .command("strace")
            .args(["-f", "-e", "trace=connect", "-o"])
            .arg(&log)
            .arg(awsmfa_bin())
            .args(["env", "dev"])
            .output()
            .unwrap());
        let trace = std::fs::read_to_string(&log).unwrap();
        assert!(
            !trace.contains("bus"),
            "D-Bus reached on a cached env: {trace}"
        );
    }

    let rotated = w.run(&["rotate", "alice"]);
    ok(&rotated);
    let stored: serde_json::Value = serde_json::from_str(&lookup(&w)).unwrap();
    let new_secret = stored["secret_access_key"].as_str().unwrap().to_string();
    assert_ne!(new_secret, s.secret_access_key);
    let id = working_key_in_vault(&w, &s);
    assert_eq!(crate::keys::iam_keys(&w), vec![(id, "Active".to_string())]);
    drop(desktop);
    no_plaintext(
        &w,
        &[
            ("the old secret key", s.secret_access_key.clone()),
            ("the new secret key", new_secret),
        ],
    );
}

/// Without a desktop session (no bus), `auto` falls back to the encrypted
/// file; with `vault = "keyring"` it says why it cannot.
#[test]
fn with_no_session_bus_auto_takes_the_file_and_keyring_says_why_not() {
    let (mut w, _) = vault_world();
    w.env
        .push(("AWSMFA_VAULT_PASSPHRASE".into(), PASSPHRASE.into()));
    let mut keyring = w.awsmfa(&["keys", "import", "alice"]);
    let out: Output = keyring.env("AWSMFA_VAULT", "keyring").output().unwrap();
    assert!(crate::support::check::fails(&out, 1).contains("Secret Service"));
    ok(&w.run(&["keys", "import", "alice"]));
    assert_eq!(vault_files(&w).len(), 1);
}

// ------------------------------------------------ a Secret Service that hangs

/// The bound on one call to the Secret Service (src/vault/os.rs).
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// A command of `exec --server`: once `go` exists, it waits out its
/// credentials (4 s, AWSMFA_SERVER_REFRESH) and asks the endpoint again,
/// writing the status and how long the answer took to `asked.json`.
const ASK_AGAIN: &str = r#"
import json, os, sys, time, urllib.request, urllib.error
open("ready", "w").close()
while not os.path.exists("go"):
    time.sleep(0.05)
time.sleep(5)
req = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
                             headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
started = time.monotonic()
try:
    status = urllib.request.urlopen(req, timeout=120).status
except urllib.error.HTTPError as e:
    status = e.code
with open("asked.json", "w") as f:
    json.dump({"status": status, "secs": time.monotonic() - started}, f)
"#;

/// The pid of whoever owns the Secret Service's name on the bus.
fn secret_service_pid(w: &World, desktop: &Desktop) -> String {
    let out = ok(&w
        .command("dbus-send")
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.address)
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .unwrap());
    out.split_whitespace().last().unwrap().to_string()
}

fn signal(sig: &str, pid: &str) {
    assert!(succeeds("kill", &[sig, pid]), "kill {sig} {pid}");
}

/// A process stopped with SIGSTOP until dropped, even when the test fails
/// (a stopped daemon would keep its session bus alive).
struct Stopped(String);

impl Stopped {
    fn new(pid: String) -> Stopped {
        signal("-STOP", &pid);
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = succeeds("kill", &["-CONT", &self.0]);
    }
}

/// A command that needs the key ends within the bound, with an error naming
/// the store and the way out, and exports nothing.
#[track_caller]
fn ends_within_the_bound(what: &str, cmd: &mut std::process::Command) {
    let started = Instant::now();
    let out = crate::support::bounded::output_within(cmd, Duration::from_secs(60));
    let took = started.elapsed();
    eprintln!(
        "{what}: {took:?}, {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    assert!(
        took < ANSWER_WITHIN + Duration::from_secs(10),
        "{what} took {took:?}"
    );
    assert!(!out.status.success(), "{what} succeeded");
    // (The hook still prints its own state for the shell to keep.)
    assert!(
        !stdout(&out).contains("AWS_"),
        "{what} printed {}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("Secret Service (GNOME Keyring, KWallet) did not answer within 5 s")
            && err.contains("vault = \"file\""),
        "{what}: {err}"
    );
}

/// gnome-keyring-daemon stopped (SIGSTOP) on its own session bus: it keeps
/// its name and its socket, and never answers. `env`, `process` (as an SDK
/// runs it), the prompt hook and the refresh of a running `exec --server`
/// each end within the bound with an error that names the store; awsmfa
/// holds no more threads waiting on it than one.
#[test]
fn a_hung_secret_service_ends_every_command_within_the_bound_naming_it() {
    let Some((w, _, desktop)) = imported_on_a_desktop() else {
        return;
    };

    // A job started while the keyring answers.
    std::fs::write(w.home().join("ask.py"), ASK_AGAIN).unwrap();
    let mut job = w.awsmfa(&["exec", "--server", "dev", "--"]);
    job.env("AWSMFA_SERVER_REFRESH", "4")
        .arg(python())
        .arg("ask.py")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let job = job.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !w.home().join("ready").exists() {
        assert!(Instant::now() < deadline, "the job never started");
        std::thread::sleep(Duration::from_millis(50));
    }

    let stopped = Stopped::new(secret_service_pid(&w, &desktop));
    // Without the MFA session, every command must read the long-term key.
    ok(&w.run(&["cache", "clear"]));
    std::fs::write(w.home().join("go"), "").unwrap();

    ends_within_the_bound("env", &mut w.awsmfa(&["env", "dev"]));
    ends_within_the_bound("process", &mut w.awsmfa(&["process", "dev"]));
    let project = w.home().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join(".awsmfa.toml"), "profile = \"dev\"\n").unwrap();
    ok(&w.awsmfa(&["allow"]).current_dir(&project).output().unwrap());
    ends_within_the_bound(
        "the hook",
        w.awsmfa(&["hook", "bash"]).current_dir(&project),
    );

    let out = crate::support::bounded::wait_within(job, Duration::from_secs(90));
    let asked: serde_json::Value =
        serde_json::from_str(&w.read("home/asked.json")).expect("the job never got an answer");
    eprintln!("exec --server's refresh: {asked}; {}", stderr(&out));
    assert_ne!(asked["status"], 200, "{asked}");
    assert!(
        asked["secs"].as_f64().unwrap() < (ANSWER_WITHIN + Duration::from_secs(10)).as_secs_f64(),
        "{asked}"
    );
    assert!(
        stderr(&out).contains("Secret Service (GNOME Keyring, KWallet) did not answer within 5 s"),
        "{}",
        stderr(&out)
    );
    drop(stopped);
    drop(desktop);
}
