//! Bounds on what awsmfa takes from others: an `mfa_process` that never
//! ends or never stops printing, and credential values from STS that no
//! HTTP header (or terminal) can carry.

use crate::support::bounded::{output_within, HANG};
use crate::support::check::fails;
use crate::support::pty::run_pty;
use crate::support::*;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// `alice` (keys + MFA) and role `dev`, with `mfa_process = PROCESS`.
fn with_mfa_process(process: &str) -> (World, Seeded) {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let config = w.read("config_file").replace(
        "[profile alice]\n",
        &format!("[profile alice]\nmfa_process = {process}\n"),
    );
    w.write_config(&config);
    (w, s)
}

/// Whether process `pid` is gone: no longer there, or a zombie waiting for
/// a reaper (a container's init may never reap an orphan).
fn gone(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            == Some("Z")
    })
}

/// The pid a helper wrote to `file`, once it is there (bounded wait).
#[track_caller]
fn pid_in(file: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(pid) = std::fs::read_to_string(file) {
            if !pid.trim().is_empty() {
                return pid.trim().to_string();
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[track_caller]
fn assert_gone_soon(pid: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(pid) {
        assert!(Instant::now() < deadline, "{what} (pid {pid}) still runs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_mfa_process_that_never_ends_is_killed_with_its_group_at_the_timeout() {
    // `sh` waits for a `sleep` it started: both must go, not only `sh`.
    let (mut w, _) = with_mfa_process("sh -c 'sleep 3600 & echo $! > sleeper.pid; wait'");
    // Pinned: the default (60 s) would make this test wait a minute.
    w.env
        .push(("AWSMFA_MFA_PROCESS_TIMEOUT".into(), "2s".into()));
    let started = Instant::now();
    let out = output_within(&mut w.awsmfa(&["env", "dev"]), HANG);
    let took = started.elapsed();
    let err = fails(&out, 4);
    assert!(
        err.contains("mfa_process `sh` failed: it did not finish within 2 s")
            && err.contains("AWSMFA_MFA_PROCESS_TIMEOUT"),
        "{err}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_gone_soon(&pid_in(&w.path("home/sleeper.pid")), "the sleep it started");
}

#[test]
fn an_mfa_process_leaving_a_process_behind_gives_its_code_at_once() {
    // The default settings: no timeout override. The sleep keeps stdout
    // open, so waiting for end-of-file would wait an hour.
    let (w, _) = with_mfa_process("sh -c '(sleep 3600 & echo $! > sleeper.pid); echo 123456'");
    let started = Instant::now();
    let out = output_within(&mut w.awsmfa(&["env", "dev"]), HANG);
    let took = started.elapsed();
    let text = ok(&out);
    assert!(text.contains("AWS_SESSION_TOKEN='"), "{text}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    // What it left behind in its group went with it.
    assert_gone_soon(&pid_in(&w.path("home/sleeper.pid")), "the sleep it left");
}

#[test]
fn an_mfa_process_printing_without_end_is_cut_off() {
    // Defaults again: `yes` prints 123456 lines until stopped.
    let (w, _) = with_mfa_process("yes 123456");
    let started = Instant::now();
    let out = output_within(&mut w.awsmfa(&["env", "dev"]), HANG);
    let err = fails(&out, 4);
    assert!(
        err.contains("mfa_process `yes` failed: it printed more than 4096 bytes"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_malformed_code_from_mfa_process_says_it_came_from_there() {
    let (w, _) = with_mfa_process("echo 12345");
    let err = fails(&w.run(&["env", "dev"]), 4);
    assert!(
        err.contains(
            "mfa_process `echo` failed: it printed 5 characters, and an MFA code is 6 digits"
        ),
        "{err}"
    );
    assert!(!err.contains("12345"), "the output is not echoed: {err}");
}

#[test]
fn a_bad_mfa_process_timeout_is_a_usage_error() {
    let (mut w, _) = with_mfa_process("echo 123456");
    for bad in ["0", "soon"] {
        w.env.retain(|(k, _)| k != "AWSMFA_MFA_PROCESS_TIMEOUT");
        w.env
            .push(("AWSMFA_MFA_PROCESS_TIMEOUT".into(), bad.into()));
        let err = fails(&w.run(&["env", "dev"]), 2);
        assert!(err.contains("AWSMFA_MFA_PROCESS_TIMEOUT"), "{err}");
    }
}

#[test]
fn ctrl_c_during_mfa_process_kills_it_and_awsmfa() {
    let (w, _) = with_mfa_process("sh -c 'echo $$ > waiting.pid; exec sleep 3600'");
    // Its own process group, as a shell's foreground job: the terminal's
    // Ctrl-C is a SIGINT to that whole group, which is what `kill -INT
    // -PGID` sends. The mfa_process is in a group of its own.
    let mut child = w
        .awsmfa(&["env", "dev"])
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let waiting = pid_in(&w.path("home/waiting.pid"));
    let group = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process_group(group, rustix::process::Signal::INT).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "awsmfa ignored Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert_gone_soon(&waiting, "the interrupted mfa_process");
}

#[test]
fn an_mfa_process_asking_on_the_terminal_is_told_it_cannot() {
    // A background group reading its terminal is stopped (SIGTTIN): said
    // at once instead of after the timeout.
    let (w, _) = with_mfa_process("sh -c 'read code < /dev/tty; echo $code'");
    let run = run_pty(
        &w,
        &[awsmfa_bin().to_str().unwrap(), "login", "dev"],
        &[],
        Duration::from_secs(40),
    );
    assert!(!run.timed_out, "{run:#?}");
    assert_eq!(run.status, 4, "{run:#?}");
    assert!(
        run.transcript
            .contains("mfa_process `sh` failed: it tried to use the terminal"),
        "{run:#?}"
    );
}
