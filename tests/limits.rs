//! Bounds on what awsmfa takes from others: an `mfa_process` that never
//! ends or never stops printing, and credential values from STS that no
//! HTTP header (or terminal) can carry.

use crate::support::bounded::{HANG, output_within};
use crate::support::check::{fails, no_secrets};
use crate::support::proxy::{Action, Proxy};
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
        if let Ok(pid) = std::fs::read_to_string(file)
            && !pid.trim().is_empty()
        {
            return pid.trim().to_string();
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
        err.contains("mfa_process `echo` failed: it printed 5 digits, and an MFA code is 6 digits"),
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

/// An STS answer to `op` (`GetSessionToken`, `AssumeRole`) carrying these
/// credential values, written as an XML writer would (control characters
/// as character references, which XML parsers accept).
fn sts_answer(op: &str, key_id: &str, secret: &str, token: &str) -> String {
    let xml = |v: &str| {
        v.chars()
            .map(|c| match c {
                '&' => "&amp;".to_string(),
                '<' => "&lt;".to_string(),
                '>' => "&gt;".to_string(),
                c if c.is_control() => format!("&#{};", c as u32),
                c => c.to_string(),
            })
            .collect::<String>()
    };
    format!(
        "<{op}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
         <{op}Result><Credentials>\
         <SessionToken>{}</SessionToken>\
         <SecretAccessKey>{}</SecretAccessKey>\
         <Expiration>2099-01-01T00:00:00Z</Expiration>\
         <AccessKeyId>{}</AccessKeyId>\
         </Credentials></{op}Result>\n\
         <ResponseMetadata><RequestId>awsmfa-limits</RequestId></ResponseMetadata>\n\
         </{op}Response>\n",
        xml(token),
        xml(secret),
        xml(key_id)
    )
}

const GOOD_KEY: &str = "ASIAEXAMPLEEXAMPLE01";
const GOOD_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const GOOD_TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN+/=";

#[test]
fn credential_values_no_header_can_carry_are_refused_when_they_arrive() {
    // Each value marks itself, to prove no part of it is echoed.
    let mark = "LEAKMARK";
    let cases: Vec<(&str, String, String, String)> = vec![
        (
            "session token",
            GOOD_KEY.into(),
            GOOD_SECRET.into(),
            format!("{mark}\nX-Injected: 1"),
        ),
        (
            "session token",
            GOOD_KEY.into(),
            GOOD_SECRET.into(),
            format!("{mark}\u{1b}]0;pwned\u{7}\u{1b}[2J"),
        ),
        (
            "session token",
            GOOD_KEY.into(),
            GOOD_SECRET.into(),
            format!("{mark}\"$(id)\""),
        ),
        (
            "secret access key",
            GOOD_KEY.into(),
            format!("{mark}'; touch x; '"),
            GOOD_TOKEN.into(),
        ),
        (
            "access key id",
            format!("ASIA{mark}\r\nHost: evil"),
            GOOD_SECRET.into(),
            GOOD_TOKEN.into(),
        ),
    ];
    for (what, key_id, secret, token) in cases {
        let mut w = World::new();
        w.standard(&["dev"]);
        let proxy = Proxy::start(
            Some(&w.endpoint()),
            vec![Action::Answer(sts_answer(
                "GetSessionToken",
                &key_id,
                &secret,
                &token,
            ))],
            Action::Forward,
        );
        w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
        let out = w.run(&["env", "dev", "--token-code", "123456"]);
        let err = fails(&out, 6);
        assert!(
            err.contains(&format!(
                "its answer to GetSessionToken holds an unusable {what}"
            )),
            "{what}: {err}"
        );
        assert!(!err.contains("invalid header value"), "{err}");
        no_secrets(&err, &[mark]);
        // Refused on arrival: nothing was signed with it.
        let actions: Vec<String> = proxy.seen().iter().map(|s| s.action()).collect();
        assert_eq!(actions, ["GetSessionToken"], "{what}");
        // Nor kept: the next call asks STS again.
        let again = w.run(&["env", "dev", "--token-code", "654321"]);
        assert!(ok(&again).contains("AWS_SESSION_TOKEN='"), "{what}");
        assert_eq!(proxy.count(), 3, "{what}: a new session, then the role");
    }
}

#[test]
fn a_role_answer_with_an_unusable_token_is_refused_too() {
    let mut w = World::new();
    w.standard(&["dev"]);
    let proxy = Proxy::start(
        Some(&w.endpoint()),
        vec![
            Action::Forward,
            Action::Answer(sts_answer("AssumeRole", GOOD_KEY, GOOD_SECRET, "tok\nen")),
        ],
        Action::Forward,
    );
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
    let err = fails(&w.run(&["env", "dev", "--token-code", "123456"]), 6);
    assert!(
        err.contains("its answer to AssumeRole holds an unusable session token (it holds a control character)"),
        "{err}"
    );
}

#[test]
fn an_ill_formed_answer_to_a_call_is_not_called_a_refusal() {
    // A raw ESC is not allowed in XML at all: the SDK cannot read the
    // answer, which is not AWS saying no (exit 5) either.
    let mut w = World::new();
    w.standard(&["dev"]);
    let answer = sts_answer("GetSessionToken", GOOD_KEY, GOOD_SECRET, "LEAKMARK")
        .replace("LEAKMARK", "LEAKMARK\u{1b}[2J");
    let proxy = Proxy::start(
        Some(&w.endpoint()),
        vec![Action::Answer(answer)],
        Action::Forward,
    );
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
    let err = fails(&w.run(&["env", "dev", "--token-code", "123456"]), 6);
    assert!(
        err.contains("its answer (HTTP 200) is not a well-formed STS answer"),
        "{err}"
    );
    no_secrets(&err, &["LEAKMARK", "\u{1b}"]);
}
