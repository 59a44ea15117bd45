//! The MFA prompt where there is no terminal: a desktop dialog (issue 23).
//!
//! A real X server (Xvfb) per test, real zenity, typed into with xdotool;
//! the "IDE" is the real aws CLI or boto3 calling `credential_process =
//! awsmfa process dev` from a process with no controlling terminal
//! (`setsid`, stdin from /dev/null), DISPLAY set. Nothing chooses the
//! dialog for awsmfa: `mfa_prompt` is unset everywhere (the default).

use crate::support::{self, CALLER_ARN, World, assumed, check, ok, python, require_tools};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const TOOLS: &[&str] = &["Xvfb", "zenity", "xdotool", "setsid"];

/// An X server of this test's own, so that counting windows counts ours.
struct Desktop {
    xvfb: Child,
    display: String,
}

impl Desktop {
    fn start() -> Desktop {
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1024x768x24"])
            .args(["-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs");
        // -displayfd: the display number, once the server accepts clients.
        let mut line = String::new();
        BufReader::new(xvfb.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(!line.trim().is_empty(), "Xvfb gave no display");
        Desktop {
            xvfb,
            display: format!(":{}", line.trim()),
        }
    }

    fn xdotool(&self, args: &[&str]) -> Output {
        Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The ids of awsmfa's dialog windows now.
    fn windows(&self) -> Vec<String> {
        let out = self.xdotool(&["search", "--name", "^awsmfa$"]);
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    /// The first awsmfa dialog to appear within `limit`, while `caller`
    /// (who should ask) still runs.
    #[track_caller]
    fn wait_window(&self, caller: &mut Child, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            if caller.try_wait().unwrap().is_some() {
                let mut err = String::new();
                let _ = std::io::Read::read_to_string(caller.stderr.as_mut().unwrap(), &mut err);
                panic!("it ended without a dialog: {err}");
            }
            if let Some(w) = self.windows().into_iter().next() {
                // Mapped is not yet drawn and focusable: give GTK a moment.
                std::thread::sleep(Duration::from_millis(300));
                return w;
            }
            if start.elapsed() > limit {
                let _ = caller.kill();
                panic!("no awsmfa dialog within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Type `text` into window `w`, then press `key` (Return, Escape).
    fn answer(&self, w: &str, text: &str, key: &str) {
        // No window manager: focus the window by hand, then type (XTEST).
        assert!(self.xdotool(&["windowfocus", "--sync", w]).status.success());
        if !text.is_empty() {
            self.xdotool(&["type", "--delay", "20", text]);
        }
        self.xdotool(&["key", key]);
    }

    /// The pid of the program showing window `w` (GTK sets it).
    fn pid_of(&self, w: &str) -> String {
        let out = self.xdotool(&["getwindowpid", w]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The dialogs now, by the pid showing each: the X server may give a
    /// later window the id of one that closed, a pid is not reused so soon.
    fn dialog_pids(&self) -> Vec<String> {
        self.windows().iter().map(|w| self.pid_of(w)).collect()
    }

    /// The argv of the program showing window `w`.
    fn argv_of(&self, w: &str) -> Vec<String> {
        let pid = self.pid_of(w);
        let raw = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        raw.split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// alice (keys, MFA device, no mfa_process: a person types the code), a
/// role `dev`, and `ide`, whose credential_process is awsmfa's.
fn ide_world(d: &Desktop) -> World {
    let mut w = World::new();
    w.standard(&["dev"]);
    let config = w.read("config_file");
    w.write_config(&format!(
        "{config}\n[profile ide]\ncredential_process = {} process dev\n",
        support::awsmfa_bin().display()
    ));
    w.env.push(("DISPLAY".into(), d.display.clone()));
    w
}

/// `program args` as an IDE runs it: a session of its own, so no
/// controlling terminal; stdin /dev/null; stdout and stderr pipes.
fn detached(w: &World, program: &std::path::Path, args: &[&str]) -> Child {
    let mut c = w.command("setsid");
    c.arg("-w")
        .arg(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().unwrap()
}

/// The real aws CLI asking who `ide` is.
fn aws_cli(w: &World) -> Child {
    let mut args = vec!["-m", "awscli"];
    args.extend_from_slice(CALLER_ARN);
    args.extend_from_slice(&["--profile", "ide"]);
    detached(w, python(), &args)
}

fn awsmfa_process(w: &World, profile: &str) -> Child {
    detached(w, support::awsmfa_bin(), &["process", "--", profile])
}

/// Every process's argv and environment that holds `needle`.
fn processes_holding(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        for what in ["cmdline", "environ"] {
            let Ok(raw) = std::fs::read(entry.path().join(what)) else {
                continue;
            };
            if String::from_utf8_lossy(&raw).contains(needle) {
                found.push(format!("{}/{what}", entry.path().display()));
            }
        }
    }
    found
}

fn role_arn(w: &World) -> String {
    let config = w.read("config_file");
    let line = config.lines().find(|l| l.starts_with("role_arn")).unwrap();
    line.split('=').nth(1).unwrap().trim().to_string()
}

#[test]
fn a_code_typed_into_the_dialog_gives_the_ide_credentials() {
    if !require_tools(TOOLS) {
        return;
    }
    let d = Desktop::start();
    let w = ide_world(&d);
    let mut ide = aws_cli(&w);
    let win = d.wait_window(&mut ide, Duration::from_secs(60));
    // The dialog says who asks: the profile, the device, the caller's dir.
    let argv = d.argv_of(&win);
    let text = argv.iter().find(|a| a.starts_with("--text=")).unwrap();
    assert!(text.contains("profile dev"), "{argv:?}");
    assert!(text.contains(":mfa/alice"), "{argv:?}");
    assert!(text.contains(&w.home().display().to_string()), "{argv:?}");
    d.answer(&win, "402917", "");
    // Typed, not yet sent: the code is in the dialog's memory, nowhere else.
    assert_eq!(processes_holding("402917"), Vec::<String>::new());
    d.answer(&win, "", "Return");
    let out = ide.wait_with_output().unwrap();
    assert!(ok(&out).starts_with(&assumed(&role_arn(&w))), "{out:?}");
    assert!(d.windows().is_empty());
}

#[test]
fn cancel_fails_that_call_with_the_mfa_exit_code_and_the_next_asks_again() {
    if !require_tools(TOOLS) {
        return;
    }
    let d = Desktop::start();
    let w = ide_world(&d);
    let mut first = awsmfa_process(&w, "dev");
    let win = d.wait_window(&mut first, Duration::from_secs(30));
    d.answer(&win, "12", "Escape");
    let out = first.wait_with_output().unwrap();
    let err = check::fails(&out, 4);
    assert!(err.contains("cancelled"), "{err}");
    // Nothing cached: the next call asks again, and its code works.
    let mut second = awsmfa_process(&w, "dev");
    let win = d.wait_window(&mut second, Duration::from_secs(30));
    d.answer(&win, "402917", "Return");
    let out = second.wait_with_output().unwrap();
    assert!(ok(&out).contains("\"SessionToken\""), "{out:?}");
}

#[test]
fn a_dialog_nobody_answers_times_out() {
    if !require_tools(TOOLS) {
        return;
    }
    let d = Desktop::start();
    let mut w = ide_world(&d);
    // Pinned: the default (2 minutes) would hold this test that long. Not
    // shorter than 6 s: on a loaded 2-core machine zenity 3.44 whose timeout
    // ran out while GTK was still starting exited 1 (cancel), not 5.
    w.env.push(("AWSMFA_MFA_PROMPT_TIMEOUT".into(), "6".into()));
    let start = Instant::now();
    let mut call = awsmfa_process(&w, "dev");
    let win = d.wait_window(&mut call, Duration::from_secs(30));
    let argv = d.argv_of(&win);
    assert!(argv.contains(&"--timeout=6".to_string()), "{argv:?}");
    let out = call.wait_with_output().unwrap();
    let took = start.elapsed();
    let err = check::fails(&out, 4);
    assert!(err.contains("nobody answered"), "{err}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(d.windows().is_empty(), "the dialog is still up");
}

/// boto3 in one interpreter: ten sessions, each its own credential_process,
/// all at once; prints each caller's ARN.
const TEN_CLIENTS: &str = r#"
import boto3, concurrent.futures as cf
def who(_):
    return boto3.Session(profile_name="ide").client("sts").get_caller_identity()["Arn"]
with cf.ThreadPoolExecutor(10) as pool:
    for arn in pool.map(who, range(10)):
        print(arn)
"#;

#[test]
fn ten_callers_at_once_get_one_dialog_and_all_get_credentials() {
    if !require_tools(TOOLS) {
        return;
    }
    let d = Desktop::start();
    let w = ide_world(&d);
    let mut ide = detached(&w, python(), &["-c", TEN_CLIENTS]);
    let win = d.wait_window(&mut ide, Duration::from_secs(60));
    // Every waiting process has started by now and waits on the lock.
    let mut seen = std::collections::BTreeSet::new();
    let watch_until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < watch_until {
        seen.extend(d.dialog_pids());
        std::thread::sleep(Duration::from_millis(100));
    }
    d.answer(&win, "402917", "Return");
    let start = Instant::now();
    while ide.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(90), "boto3 hangs");
        seen.extend(d.dialog_pids());
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = ide.wait_with_output().unwrap();
    let arns = ok(&out);
    assert_eq!(arns.lines().count(), 10, "{arns}");
    let prefix = assumed(&role_arn(&w));
    assert!(arns.lines().all(|a| a.starts_with(&prefix)), "{arns}");
    assert_eq!(seen.len(), 1, "dialogs seen: {seen:?}");
}

/// What would be markup, a mnemonic, an escape or a terminal escape
/// sequence if not shown literally, in the MFA device's name (any text in
/// ~/.aws/config) and in the directory; the profile name (the SDKs allow
/// few characters there) with a leading `-` and a mnemonic `_`.
const HOSTILE_SERIAL: &str =
    "arn:aws:iam::123456789012:mfa/<b>alice</b> &amp _x \\t \u{1b}[2J\u{7}z";
const HOSTILE_PROFILE: &str = "-_dev";

#[test]
fn a_hostile_profile_device_and_directory_are_shown_literally() {
    if !require_tools(TOOLS) {
        return;
    }
    let d = Desktop::start();
    let w = ide_world(&d);
    w.write_config(&format!(
        "[profile alice]\nmfa_serial = {HOSTILE_SERIAL}\n\n[profile {HOSTILE_PROFILE}]\nrole_arn = {}\nsource_profile = alice\n",
        role_arn(&w)
    ));
    let dir = w.home().join("repo\n<i>dir</i> \\n _a");
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = w.command("setsid");
    c.arg("-w")
        .arg(support::awsmfa_bin())
        .args(["process", "--", HOSTILE_PROFILE])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut call = c.spawn().unwrap();
    let win = d.wait_window(&mut call, Duration::from_secs(30));
    let argv = d.argv_of(&win);
    eprintln!("the dialog: {argv:?}");
    let text = argv.iter().find(|a| a.starts_with("--text=")).unwrap();
    // Controls shown as escapes (src/term.rs), then zenity's own escapes
    // (`\` and the mnemonic `_`) doubled: what is drawn is the text.
    assert!(
        text.starts_with(
            "--text=MFA code for profile -__dev (MFA device arn:aws:iam::123456789012:mfa/<b>alice</b> &amp __x \\\\t \\\\u{1b}[2J\\\\u{7}z)\n\n"
        ),
        "{text:?}"
    );
    assert!(
        text.ends_with("/repo\\\\u{a}<i>dir</i> \\\\n __a"),
        "{text:?}"
    );
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    // Every argument is awsmfa's option: no text stands alone.
    assert!(argv.iter().skip(1).all(|a| a.starts_with("--")), "{argv:?}");
    d.answer(&win, "", "Escape");
    check::fails(&call.wait_with_output().unwrap(), 4);
}

const PASSPHRASE: &str = "correct horse battery staple";

#[test]
fn the_vault_passphrase_is_asked_in_the_dialog() {
    if !require_tools(TOOLS) {
        return;
    }
    let d = Desktop::start();
    let mut w = ide_world(&d);
    // Pinned: the keys go to the encrypted file (not the Secret Service,
    // which this test's world does not run), the file vault under test.
    w.env.push(("AWSMFA_VAULT".into(), "file".into()));
    let import = w
        .awsmfa(&["keys", "import", "alice"])
        .env("AWSMFA_VAULT_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    ok(&import);
    let mut ide = aws_cli(&w);
    let win = d.wait_window(&mut ide, Duration::from_secs(60));
    let text = d.argv_of(&win).join(" ");
    assert!(text.contains("vault passphrase"), "{text}");
    d.answer(&win, PASSPHRASE, "");
    assert_eq!(processes_holding(PASSPHRASE), Vec::<String>::new());
    let first = d.pid_of(&win);
    d.answer(&win, "", "Return");
    // Then the MFA code, in a dialog of its own (perhaps with the same id).
    let start = Instant::now();
    let code = loop {
        let next = d.windows().into_iter().find(|x| d.pid_of(x) != first);
        match next {
            Some(next) if d.argv_of(&next).join(" ").contains("MFA code") => break next,
            _ => assert!(start.elapsed() < Duration::from_secs(30), "no MFA dialog"),
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(300));
    d.answer(&code, "402917", "Return");
    let out = ide.wait_with_output().unwrap();
    assert!(ok(&out).starts_with(&assumed(&role_arn(&w))), "{out:?}");
}

/// A private session bus with the stand-in notification daemon
/// (tests/support/notifyd.py), which records what it is sent.
struct Notifications {
    bus: Child,
    daemon: Child,
    address: String,
    log: std::path::PathBuf,
}

impl Notifications {
    fn start(w: &World) -> Notifications {
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_string();
        let log = w.path("notifications.log");
        let mut daemon = Command::new("/usr/bin/python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/notifyd.py"
            ))
            .arg(&log)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready");
        Notifications {
            bus,
            daemon,
            address,
            log,
        }
    }

    fn sent(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        for c in [&mut self.daemon, &mut self.bus] {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn a_slow_mfa_process_gets_a_touch_your_key_notification() {
    if !require_tools(&["Xvfb", "setsid", "dbus-daemon", "notify-send"])
        || !support::require(
            "python3-dbus and python3-gi",
            support::succeeds("/usr/bin/python3", &["-c", "import dbus, gi"]),
        )
    {
        return;
    }
    let d = Desktop::start();
    let mut w = ide_world(&d);
    let n = Notifications::start(&w);
    w.env
        .push(("DBUS_SESSION_BUS_ADDRESS".into(), n.address.clone()));
    let config = w.read("config_file");
    // A security key that wants a touch: the code after 3 s.
    w.write_config(&config.replacen(
        "[profile alice]\n",
        "[profile alice]\nmfa_process = sh -c 'sleep 3; echo 402917'\n",
        1,
    ));
    let out = awsmfa_process(&w, "dev").wait_with_output().unwrap();
    assert!(ok(&out).contains("\"SessionToken\""));
    let sent = n.sent();
    assert_eq!(sent.lines().count(), 1, "{sent}");
    assert!(sent.contains("touch your security key"), "{sent}");
    assert!(sent.contains("`sh`"), "{sent}");

    // One that answers at once: no notification.
    w.write_config(&config.replacen(
        "[profile alice]\n",
        "[profile alice]\nmfa_process = echo 402918\n",
        1,
    ));
    ok(&w.run(&["cache", "clear"]));
    let out = awsmfa_process(&w, "dev").wait_with_output().unwrap();
    assert!(ok(&out).contains("\"SessionToken\""));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(n.sent().lines().count(), 1, "{}", n.sent());
}

/// In `exec --server`'s command: the aws CLI while the MFA session lives,
/// then after it is gone (cache cleared), when the renewal needs a code.
const RENEWAL: &str = r#"
set -u
aws() { "$PY" -m awscli sts get-caller-identity --query Arn --output text; }
aws > before.out 2> before.err; echo $? > before.rc
"$AWSMFA" cache clear 2>/dev/null
sleep 2.5
aws > renewed.out 2> renewed.err; echo $? > renewed.rc
"#;

#[test]
fn exec_server_renewal_asks_in_the_dialog_though_a_terminal_is_there() {
    if !require_tools(&["Xvfb", "zenity", "xdotool", "script"]) {
        return;
    }
    let d = Desktop::start();
    let mut w = ide_world(&d);
    // Pinned: a renewal every 2 s instead of minutes before the role's end.
    w.env.push(("AWSMFA_SERVER_REFRESH".into(), "2".into()));
    w.env
        .push(("PY".into(), python().to_string_lossy().into_owned()));
    w.env.push((
        "AWSMFA".into(),
        support::awsmfa_bin().to_string_lossy().into_owned(),
    ));
    std::fs::write(w.path("renewal.sh"), RENEWAL).unwrap();
    // `script` gives awsmfa a terminal (stdin, stdout and stderr): the
    // first code could be asked there, and the command owns it after.
    let inner = format!(
        "{} exec --server dev --token-code 123456 -- bash renewal.sh",
        support::awsmfa_bin().display()
    );
    let mut server = w
        .command("script")
        .args(["-qec", &inner, "/dev/null"])
        .current_dir(w.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let win = d.wait_window(&mut server, Duration::from_secs(90));
    let text = d.argv_of(&win).join(" ");
    assert!(text.contains("MFA code for profile dev"), "{text}");
    d.answer(&win, "402917", "Return");
    let out = server.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let role = assumed(&role_arn(&w));
    assert_eq!(w.read("before.rc").trim(), "0", "{}", w.read("before.err"));
    assert!(w.read("before.out").starts_with(&role));
    assert_eq!(
        w.read("renewed.rc").trim(),
        "0",
        "{}",
        w.read("renewed.err")
    );
    assert!(w.read("renewed.out").starts_with(&role));
}
