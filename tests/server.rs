//! `awsmfa exec --server`: a credential endpoint for long jobs, against moto
//! and the real aws CLI / boto3 in the child.

use crate::support::bounded::{HANG, output_within};
use crate::support::term::Term;
use crate::support::*;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// For the runs that wait out several credential lifetimes and start the
/// aws CLI repeatedly: a safety net against a hang, not a timing check.
const LONG: Duration = Duration::from_secs(300);

/// A profile `dev` (role) from `alice` (keys + MFA) whose MFA code comes
/// from an mfa_process that logs every call to `mfa.log`.
fn logged_mfa(w: &World) -> Seeded {
    let s = w.standard(&["dev"]);
    let log = w.path("mfa.log");
    let config = w.read("config_file").replace(
        "[profile alice]\n",
        &format!(
            "[profile alice]\nmfa_process = sh -c 'echo used >> \"{}\"; echo 123456'\n",
            log.display()
        ),
    );
    w.write_config(&config);
    s
}

/// Wait (bounded) for a file the child writes.
#[track_caller]
fn wait_for(path: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "awsmfa exited ({status}) before {} appeared",
                path.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[track_caller]
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "awsmfa did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One raw HTTP/1.1 exchange: (status, body).
fn raw(port: u16, request: &str) -> (u16, String) {
    exchange(&format!("127.0.0.1:{port}"), request).unwrap()
}

fn request(method: &str, path: &str, port: u16, auth: Option<&str>) -> String {
    let auth = auth.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

/// The child of the first test: the aws CLI three times and boto3 in one
/// long-lived process, each across a served credential's expiry (the
/// endpoint announces at most 2 s, and the child waits longer than that).
const LONG_JOB: &str = r#"
import json, os, subprocess, sys, time, urllib.request
import boto3

out = sys.argv[1]
with open(os.path.join(out, "child-env"), "w") as f:
    for k, v in sorted(os.environ.items()):
        f.write(f"{k}={v}\n")

def served():
    req = urllib.request.Request(
        os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]},
    )
    asked = time.time()
    doc = json.load(urllib.request.urlopen(req))
    return {"key": doc["AccessKeyId"], "expiration": doc["Expiration"],
            "role": doc.get("RoleArn"), "asked": asked}

cli = []
for _ in range(3):
    arn = subprocess.run(
        [sys.executable, "-m", "awscli", "sts", "get-caller-identity",
         "--query", "Arn", "--output", "text"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    cli.append({"arn": arn, **served()})
    time.sleep(4.5)

session = boto3.session.Session()
sts = session.client("sts")
sdk = []
for _ in range(3):
    arn = sts.get_caller_identity()["Arn"]
    key = session.get_credentials().get_frozen_credentials().access_key
    sdk.append({"arn": arn, "key": key})
    time.sleep(4.5)

with open(os.path.join(out, "calls.json"), "w") as f:
    json.dump({"cli": cli, "sdk": sdk}, f)
sys.exit(7)
"#;

#[test]
fn long_job_sees_the_role_across_expiries_with_one_mfa_code() {
    let mut w = World::new();
    let s = logged_mfa(&w);
    // 4 s, not less: botocore refuses credentials that expired before it
    // looked at them, and a loaded CI machine can take 2 s to get there.
    w.env.push(("AWSMFA_SERVER_REFRESH".into(), "4".into()));
    // Stale keys and a profile in the parent must not reach the child.
    w.env
        .push(("AWS_ACCESS_KEY_ID".into(), "AKIASTALESTALESTALE0".into()));
    w.env
        .push(("AWS_SECRET_ACCESS_KEY".into(), "stale-secret".into()));
    w.env
        .push(("AWS_SESSION_TOKEN".into(), "stale-token".into()));
    w.env.push(("AWS_PROFILE".into(), "alice".into()));
    let script = w.path("job.py");
    std::fs::write(&script, LONG_JOB).unwrap();
    let out = output_within(
        w.awsmfa(&["exec", "--server", "dev", "--"])
            .arg(python())
            .arg(&script)
            .arg(w.dir.path()),
        LONG,
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));

    let calls: serde_json::Value = serde_json::from_str(&w.read("calls.json")).unwrap();
    let role = &s.roles["dev"];
    let mut keys = std::collections::BTreeSet::new();
    for call in calls["cli"].as_array().unwrap() {
        assert!(
            call["arn"].as_str().unwrap().starts_with(&assumed(role)),
            "{call}"
        );
        assert_eq!(call["role"], role.as_str());
        // The announced expiry is the shortened one, so SDKs come back.
        let expires = unix_time(call["expiration"].as_str().unwrap());
        assert!(
            expires <= call["asked"].as_f64().unwrap() + 4.0,
            "announced {call} beyond the 4 s cap"
        );
        keys.insert(call["key"].as_str().unwrap().to_string());
    }
    assert_eq!(keys.len(), 3, "a new credential after each expiry: {calls}");
    let sdk_keys: std::collections::BTreeSet<_> = calls["sdk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(
                c["arn"].as_str().unwrap().starts_with(&assumed(role)),
                "{c}"
            );
            c["key"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(sdk_keys.len(), 3, "boto3 refreshed in-process: {calls}");

    assert_eq!(w.read("mfa.log").lines().count(), 1, "exactly one MFA code");

    let env = w.read("child-env");
    for secret in [
        "AWS_ACCESS_KEY_ID=",
        "AWS_SECRET_ACCESS_KEY=",
        "AWS_SESSION_TOKEN=",
        "AWS_CREDENTIAL_EXPIRATION=",
        "AWS_PROFILE=",
        "AWS_DEFAULT_PROFILE=",
    ] {
        assert!(
            !env.lines().any(|l| l.starts_with(secret)),
            "{secret} in the child's environment"
        );
    }
    for wanted in [
        "AWSMFA_PROFILE=dev",
        "AWS_REGION=us-east-1",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN=",
    ] {
        assert!(
            env.lines().any(|l| l.starts_with(wanted)),
            "{wanted} missing"
        );
    }
    // No served secret appears in the environment either.
    assert!(!keys.iter().any(|k| env.contains(k.as_str())));
}

/// RFC 3339 (`2026-11-27T09:26:19Z`) to Unix seconds, via python's parser
/// so the test does not share awsmfa's formatting code.
fn unix_time(rfc3339: &str) -> f64 {
    let out = Command::new(python())
        .args([
            "-c",
            "import sys, datetime; print(datetime.datetime.fromisoformat(sys.argv[1].replace('Z', '+00:00')).timestamp())",
            rfc3339,
        ])
        .output()
        .unwrap();
    ok(&out).trim().parse().unwrap()
}

/// A child that publishes its endpoint and token (for the test to probe)
/// and waits for `stop`.
const WAIT_FOR_STOP: &str = r#"printf '%s\n%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > endpoint.tmp
mv endpoint.tmp endpoint
while [ ! -e stop ]; do sleep 0.05; done"#;

#[test]
fn refuses_requests_without_the_token_or_off_the_path_and_closes_with_the_command() {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let mut child = w
        .awsmfa(&["exec", "--server", "dev", "--token-code", "123456", "--"])
        .args(["sh", "-c", WAIT_FOR_STOP])
        .current_dir(w.dir.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&w.path("endpoint"), &mut child);
    let published = w.read("endpoint");
    let mut lines = published.lines();
    let url = lines.next().unwrap().to_string();
    let token = lines.next().unwrap().to_string();
    assert!(token.len() >= 32, "at least 128 bits of token");
    let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
    let (port, path) = rest.split_once('/').unwrap();
    let port: u16 = port.parse().unwrap();
    let path = format!("/{path}");
    assert!(path.len() > 16, "a random path: {path}");

    let wrong = format!("{}x", &token[..token.len() - 1]);
    for (method, target, auth, want) in [
        ("GET", path.as_str(), None, 401),
        ("GET", path.as_str(), Some(wrong.as_str()), 401),
        ("GET", path.as_str(), Some(""), 401),
        ("POST", path.as_str(), Some(token.as_str()), 405),
        ("PUT", path.as_str(), Some(token.as_str()), 405),
        ("GET", "/", Some(token.as_str()), 404),
        ("GET", &format!("{path}/x"), Some(token.as_str()), 404),
    ] {
        let (status, body) = raw(port, &request(method, target, port, auth));
        assert_eq!(status, want, "{method} {target} auth={auth:?}: {body}");
        assert!(!body.contains("SecretAccessKey"), "{body}");
    }
    let (status, body) = raw(port, &request("GET", &path, port, Some(&token)));
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(doc["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    for field in ["SecretAccessKey", "Token", "Expiration"] {
        assert!(doc[field].is_string(), "{field} missing: {doc}");
    }
    assert_eq!(doc["RoleArn"], s.roles["dev"].as_str());

    std::fs::write(w.path("stop"), "").unwrap();
    let status = wait_exit(&mut child);
    assert_eq!(status.code(), Some(0));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the endpoint outlived the command"
    );
}

/// A child that records which signals reached it, then exits as a shell
/// does when it dies of one (128 + N).
const TRAPS: &str = r#"trap 'echo TERM >> marker; exit 143' TERM
trap 'echo INT >> marker; exit 130' INT
touch ready
while :; do sleep 0.05; done"#;

fn start_trapping(w: &World) -> Child {
    let _ = std::fs::remove_file(w.path("ready"));
    let _ = std::fs::remove_file(w.path("marker"));
    w.awsmfa(&["exec", "--server", "dev", "--token-code", "123456", "--"])
        .args(["bash", "-c", TRAPS])
        .current_dir(w.dir.path())
        .spawn()
        .unwrap()
}

fn kill(signal: &str, pid: u32) {
    let st = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn signals_reach_the_command_and_its_exit_status_comes_back() {
    let w = World::new();
    w.standard(&["dev"]);
    // The role credentials cached by the first run serve the others: a
    // code can only be used once.

    for (signal, code, marker) in [("TERM", 143, "TERM\n"), ("INT", 130, "INT\n")] {
        let mut child = start_trapping(&w);
        wait_for(&w.path("ready"), &mut child);
        kill(signal, child.id());
        let status = wait_exit(&mut child);
        assert_eq!(status.code(), Some(code), "after SIG{signal}");
        assert_eq!(
            w.read("marker"),
            marker,
            "SIG{signal} reached the command once"
        );
    }

    // A command killed by a signal: 128 + 9.
    let out = output_within(
        &mut w.awsmfa(&["exec", "--server", "dev", "--", "sh", "-c", "kill -KILL $$"]),
        HANG,
    );
    assert_eq!(out.status.code(), Some(137), "{}", stderr(&out));
}

/// Counts every SIGINT delivered (the wakeup fd gets one byte per
/// delivery), waiting a second after the first for a duplicate.
const COUNT_SIGINTS: &str = r#"
import os, signal, sys, time
r, w = os.pipe()
os.set_blocking(w, False)
signal.set_wakeup_fd(w)
signal.signal(signal.SIGINT, lambda *_: None)
open("ready", "w").close()
os.read(r, 1)
time.sleep(1)
os.set_blocking(r, False)
try:
    extra = len(os.read(r, 64))
except BlockingIOError:
    extra = 0
with open("marker", "w") as f:
    f.write("INT\n" * (1 + extra))
sys.exit(130)
"#;

/// `body` as a bash script at a real terminal ([`Term`]), run in the
/// world's directory (where the tests' marker files go).
fn at_terminal<'w>(w: &'w World, body: &str) -> Option<Term<'w>> {
    std::fs::write(w.path("run.sh"), body).unwrap();
    let command = format!(
        "cd {} && exec bash --norc run.sh",
        shell_quote(&w.dir.path().to_string_lossy())
    );
    Term::start(w, &command, &[])
}

#[track_caller]
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Ctrl-C at a real terminal (tmux): the command gets exactly one SIGINT
/// (from the terminal; awsmfa does not add a second) and awsmfa reports
/// its status.
#[test]
fn ctrl_c_at_a_terminal_reaches_the_command_once() {
    let w = World::new();
    w.standard(&["dev"]);
    let body = format!(
        "{} exec --server dev --token-code 123456 -- {} -c {}\necho $? > rc",
        shell_quote(&awsmfa_bin().to_string_lossy()),
        shell_quote(&python().to_string_lossy()),
        shell_quote(COUNT_SIGINTS)
    );
    let Some(tmux) = at_terminal(&w, &body) else {
        return;
    };
    wait_until("the command's start", || w.path("ready").exists());
    tmux.keys(&["C-c"]);
    wait_until("awsmfa's exit", || w.path("rc").exists());
    assert_eq!(w.read("marker"), "INT\n");
    assert_eq!(w.read("rc").trim(), "130");
}

/// When the MFA session ends while the command runs at a terminal, awsmfa
/// asks for a code there, and the waiting request then gets credentials;
/// Ctrl-C after that prompt still leaves awsmfa to the command.
const ASK_AGAIN: &str = r#"
import json, os, subprocess, sys, time, urllib.request
subprocess.run([os.environ["AWSMFA"], "cache", "clear"], check=True, capture_output=True)
time.sleep(2.5)
open("asking", "w").close()
req = urllib.request.Request(
    os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
    headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]},
)
doc = json.load(urllib.request.urlopen(req, timeout=120))
with open("after.json", "w") as f:
    json.dump({"role": doc.get("RoleArn"), "key": doc["AccessKeyId"]}, f)
"#;

/// Then Ctrl-C: awsmfa, past a prompt, must still survive it.
const THEN_CTRL_C: &str = r#"
import signal
signal.signal(signal.SIGINT, lambda *_: None)
open("ready", "w").close()
signal.pause()
with open("marker", "w") as f:
    f.write("INT\n")
sys.exit(130)
"#;

#[test]
fn an_ended_mfa_session_is_asked_for_again_at_the_terminal() {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    w.env.push(("AWSMFA_SERVER_REFRESH".into(), "2".into()));
    w.env
        .push(("AWSMFA".into(), awsmfa_bin().to_string_lossy().into_owned()));
    let body = format!(
        "{} exec --server dev --token-code 123456 -- {} -c {}\necho $? > rc",
        shell_quote(&awsmfa_bin().to_string_lossy()),
        shell_quote(&python().to_string_lossy()),
        shell_quote(&format!("{ASK_AGAIN}{THEN_CTRL_C}"))
    );
    let Some(tmux) = at_terminal(&w, &body) else {
        return;
    };
    wait_until("the MFA prompt", || tmux.screen().contains("MFA code for"));
    assert!(w.path("asking").exists());
    assert!(!w.path("after.json").exists(), "served without a new code");
    tmux.keys(&["654321", "Enter"]);
    wait_until("the served request", || w.path("ready").exists());
    let after: serde_json::Value = serde_json::from_str(&w.read("after.json")).unwrap();
    assert_eq!(after["role"], s.roles["dev"].as_str());
    // The prompt is over; Ctrl-C is still the command's to handle.
    tmux.keys(&["C-c"]);
    wait_until("awsmfa's exit", || w.path("rc").exists());
    assert_eq!(w.read("marker"), "INT\n");
    assert_eq!(w.read("rc").trim(), "130", "{}", tmux.screen());
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The child of the session-end test: asks while the MFA session lives,
/// after it is gone (cache cleared), and after `awsmfa login` started a
/// new one, recording what the aws CLI said each time.
const SESSION_END: &str = r#"
set -u
aws() { "$PY" -m awscli sts get-caller-identity --query Arn --output text; }
aws > before.out 2> before.err; echo $? > before.rc
"$AWSMFA" cache clear 2>/dev/null
sleep 2.5
aws > ended.out 2> ended.err; echo $? > ended.rc
"$AWSMFA" login dev --token-code 654321 2>/dev/null
sleep 2.5
aws > after.out 2> after.err; echo $? > after.rc
"#;

#[test]
fn an_ended_mfa_session_is_reported_and_a_new_login_resumes() {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    w.env.push(("AWSMFA_SERVER_REFRESH".into(), "2".into()));
    w.env
        .push(("PY".into(), python().to_string_lossy().into_owned()));
    w.env
        .push(("AWSMFA".into(), awsmfa_bin().to_string_lossy().into_owned()));
    // No terminal to prompt on: the refresh must fail, not hang.
    let out = output_within(
        w.command("setsid")
            .arg(awsmfa_bin())
            .args(["exec", "--server", "dev", "--token-code", "123456", "--"])
            .args(["bash", "-c", SESSION_END])
            .current_dir(w.dir.path()),
        LONG,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let role = assumed(&s.roles["dev"]);
    assert_eq!(w.read("before.rc").trim(), "0", "{}", w.read("before.err"));
    assert!(w.read("before.out").starts_with(&role));

    assert_ne!(w.read("ended.rc").trim(), "0");
    let sdk = w.read("ended.err");
    assert!(
        sdk.contains("cannot refresh the credentials of `dev`") && sdk.contains("awsmfa login dev"),
        "the SDK reports awsmfa's reason: {sdk}"
    );
    let parent = stderr(&out);
    let reports = parent
        .lines()
        .filter(|l| l.contains("cannot refresh the credentials of `dev`"))
        .collect::<Vec<_>>();
    assert_eq!(
        reports.len(),
        1,
        "said once in the parent's terminal: {parent}"
    );
    assert!(reports[0].contains("no terminal"), "{parent}");

    assert_eq!(w.read("after.rc").trim(), "0", "{}", w.read("after.err"));
    assert!(w.read("after.out").starts_with(&role));
    assert!(parent.contains("being served again"), "{parent}");
}

// --- limits: what any local process can do to the endpoint ------------------

/// A field of /proc/PID/status as a number (kB for memory, a count for
/// `Threads`).
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// A running `exec --server` whose child published its endpoint.
struct Served {
    child: Child,
    port: u16,
    path: String,
    token: String,
}

fn serve_waiting(w: &World, argv: &[&str]) -> Served {
    let mut child = w
        .awsmfa(&["exec", "--server", "dev", "--token-code", "123456", "--"])
        .args(argv)
        .current_dir(w.dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(w.path("awsmfa.err")).unwrap())
        .spawn()
        .unwrap();
    wait_for(&w.path("endpoint"), &mut child);
    let published = w.read("endpoint");
    let mut lines = published.lines();
    let url = lines.next().unwrap();
    let token = lines.next().unwrap().to_string();
    let rest = url.strip_prefix("http://127.0.0.1:").unwrap();
    let (port, path) = rest.split_once('/').unwrap();
    Served {
        child,
        port: port.parse().unwrap(),
        path: format!("/{path}"),
        token,
    }
}

/// Seconds until the server closes `s` (reads return 0 or fail), with a
/// read deadline of `limit` as the safety net.
fn closed_after(mut s: TcpStream, limit: Duration) -> Duration {
    use std::io::Read;
    let started = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return started.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return started.elapsed(),
            Err(e) => panic!("still open after {:?}: {e}", started.elapsed()),
        }
    }
}

#[test]
fn idle_slow_and_oversized_requests_are_cut_off_and_foreign_hosts_refused() {
    use std::io::Write;
    let w = World::new();
    w.standard(&["dev"]);
    let mut srv = serve_waiting(&w, &["sh", "-c", WAIT_FOR_STOP]);
    let addr = ("127.0.0.1", srv.port);

    // Silent, then half a request: closed by the 5 s limit on the head
    // (well before the 30 s safety net here).
    let idle = TcpStream::connect(addr).unwrap();
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let (idle, half) = (
        std::thread::spawn(move || closed_after(idle, Duration::from_secs(30))),
        std::thread::spawn(move || closed_after(half, Duration::from_secs(30))),
    );
    let (idle, half) = (idle.join().unwrap(), half.join().unwrap());
    assert!(idle < Duration::from_secs(12), "idle closed after {idle:?}");
    assert!(half < Duration::from_secs(12), "half closed after {half:?}");

    // A header that never ends: refused (431) once it passes 8 KiB.
    let mut endless = TcpStream::connect(addr).unwrap();
    endless
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = endless.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fill: ");
    let chunk = [b'a'; 64 * 1024];
    let mut sent = 0usize;
    while sent < 128 << 20 {
        match endless.write(&chunk) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    assert!(
        sent < 64 << 20,
        "the server kept reading an endless header: {sent} bytes"
    );

    // DNS rebinding: the right token and path, but a page's own name.
    let (status, body) = raw(
        srv.port,
        &format!(
            "GET {} HTTP/1.1\r\nHost: attacker.example:{}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
            srv.path, srv.port, srv.token
        ),
    );
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("SecretAccessKey"), "{body}");
    // The same request naming this machine is answered.
    let (status, body) = raw(
        srv.port,
        &request("GET", &srv.path, srv.port, Some(&srv.token)),
    );
    assert_eq!(status, 200, "{body}");

    std::fs::write(w.path("stop"), "").unwrap();
    assert_eq!(wait_exit(&mut srv.child).code(), Some(0));
}

/// The child of the flood test: publishes its endpoint, waits until the
/// flood runs, then fetches credentials with botocore's container provider
/// (a fresh session each time, so each is a real request) and calls STS
/// with them, then the aws CLI once; writes what happened; waits for `stop`.
const FETCH_UNDER_FLOOD: &str = r#"
import json, os, subprocess, sys, time
import botocore.session

def publish(name, text):
    with open(name + ".tmp", "w") as f:
        f.write(text)
    os.rename(name + ".tmp", name)

publish("endpoint", os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] + "\n"
        + os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] + "\n")
while not os.path.exists("flooding"):
    time.sleep(0.05)
fetches = []
for _ in range(5):
    asked = time.time()
    session = botocore.session.get_session()
    key = session.get_credentials().get_frozen_credentials().access_key
    took = time.time() - asked
    arn = session.create_client("sts").get_caller_identity()["Arn"]
    fetches.append({"took": took, "key": key, "arn": arn})
asked = time.time()
arn = subprocess.run(
    [sys.executable, "-m", "awscli", "sts", "get-caller-identity",
     "--query", "Arn", "--output", "text"],
    check=True, capture_output=True, text=True,
).stdout.strip()
publish("results.json", json.dumps({"sdk": fetches, "cli": {"took": time.time() - asked, "arn": arn}}))
while not os.path.exists("stop"):
    time.sleep(0.05)
"#;

/// How many connections the flood opened, of each kind.
#[derive(Default, Debug)]
struct Flood {
    half_sent: usize,
    endless: usize,
    endless_bytes: usize,
}

/// Connections that send part of a request head (or nothing) and stall,
/// up to `total`, holding the latest 2,000 open.
fn flood_half_sent(port: u16, total: usize, stop: &AtomicBool, opened: &AtomicUsize) {
    use std::io::Write;
    let mut held = std::collections::VecDeque::new();
    for n in 0..total {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if n % 3 != 0 {
            let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ");
        }
        held.push_back(s);
        if held.len() > 2000 {
            held.pop_front();
        }
        opened.fetch_add(1, Ordering::SeqCst);
    }
    // Held until the flood ends.
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One connection after another sending a header that never ends, each up
/// to 128 MiB or until the server stops it; at most `total` connections.
fn flood_endless(port: u16, total: usize, stop: &AtomicBool) -> (usize, usize) {
    use std::io::Write;
    let chunk = [b'a'; 64 * 1024];
    let (mut conns, mut bytes) = (0, 0);
    while conns < total && !stop.load(Ordering::SeqCst) {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        conns += 1;
        let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fill: ");
        let mut sent = 0;
        while sent < 128 << 20 && !stop.load(Ordering::SeqCst) {
            match s.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        bytes += sent;
    }
    (conns, bytes)
}

/// Threads and memory of the awsmfa process, sampled while the flood runs.
#[derive(Default, Debug)]
struct Peak {
    threads: u64,
    rss_kb: u64,
}

/// Room for the flood's 2,000 held connections in this process (the usual
/// soft limit is 1,024 open files; the hard one is higher).
fn allow_open_files(wanted: u64) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|n| n < wanted) {
        let raised = limit.maximum.map_or(wanted, |max| max.min(wanted));
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(raised),
                maximum: limit.maximum,
            },
        );
    }
    let now = getrlimit(Resource::Nofile).current;
    assert!(
        now.is_none_or(|n| n >= wanted),
        "the flood needs {wanted} open files, the hard limit allows {now:?}"
    );
}

#[test]
fn under_a_flood_the_command_still_gets_credentials_and_awsmfa_stays_small() {
    allow_open_files(4096);
    let w = World::new();
    let s = w.standard(&["dev"]);
    let script = w.path("fetch.py");
    std::fs::write(&script, FETCH_UNDER_FLOOD).unwrap();
    let py = python().to_string_lossy().into_owned();
    let mut srv = serve_waiting(&w, &[&py, &script.to_string_lossy()]);
    let pid = srv.child.id();
    let (rss_before, threads_before) = (proc_status(pid, "VmRSS"), proc_status(pid, "Threads"));

    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(AtomicUsize::new(0));
    let port = srv.port;
    let half = {
        let (stop, opened) = (Arc::clone(&stop), Arc::clone(&opened));
        std::thread::spawn(move || flood_half_sent(port, 3000, &stop, &opened))
    };
    let endless: Vec<_> = (0..4)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || flood_endless(port, 25, &stop))
        })
        .collect();
    // The command asks once 2,000 stalled connections are open.
    wait_until("2,000 stalled connections", || {
        opened.load(Ordering::SeqCst) >= 2000 || half.is_finished()
    });
    std::fs::write(w.path("flooding"), "").unwrap();

    let mut peak = Peak::default();
    let deadline = Instant::now() + LONG;
    while !w.path("results.json").exists() {
        if let Ok(Some(status)) = srv.child.try_wait() {
            panic!("awsmfa exited ({status}): {}", w.read("awsmfa.err"));
        }
        assert!(Instant::now() < deadline, "the command never finished");
        peak.threads = peak.threads.max(proc_status(pid, "Threads"));
        peak.rss_kb = peak.rss_kb.max(proc_status(pid, "VmRSS"));
        std::thread::sleep(Duration::from_millis(50));
    }
    let hwm = proc_status(pid, "VmHWM");
    stop.store(true, Ordering::SeqCst);
    half.join().unwrap();
    let mut flood = Flood {
        half_sent: opened.load(Ordering::SeqCst),
        ..Flood::default()
    };
    for t in endless {
        let (conns, bytes) = t.join().unwrap();
        flood.endless += conns;
        flood.endless_bytes += bytes;
    }
    std::fs::write(w.path("stop"), "").unwrap();
    let status = wait_exit(&mut srv.child);
    assert_eq!(status.code(), Some(0), "{}", w.read("awsmfa.err"));

    let results: serde_json::Value = serde_json::from_str(&w.read("results.json")).unwrap();
    eprintln!(
        "flood {flood:?}; awsmfa before: {rss_before} kB, {threads_before} threads; during: {peak:?}, VmHWM {hwm} kB; the command saw {results}"
    );
    let role = assumed(&s.roles["dev"]);
    for fetch in results["sdk"].as_array().unwrap() {
        assert!(fetch["arn"].as_str().unwrap().starts_with(&role), "{fetch}");
        assert!(
            fetch["key"].as_str().unwrap().starts_with("ASIA"),
            "{fetch}"
        );
    }
    assert!(results["cli"]["arn"].as_str().unwrap().starts_with(&role));
    // No thread per connection (tiny_http had 2,004), no memory per byte
    // sent (it had 620 MB for 4 endless headers).
    assert!(peak.threads <= 8, "{peak:?}");
    assert!(hwm < 64 * 1024, "VmHWM {hwm} kB");
    assert!(
        hwm < rss_before + 24 * 1024,
        "grew from {rss_before} kB to {hwm} kB"
    );
    assert!(flood.half_sent >= 2000, "{flood:?}");
}

// --- the command finds only the role, whatever `[default]` holds ------------

/// Who the aws CLI and boto3 are inside `exec --server dev`, with the
/// user's own settings of `[default]` (output = text) still applied.
fn identities_inside(w: &World) -> Vec<String> {
    let boto3 = "import boto3\nprint(boto3.client('sts').get_caller_identity()['Arn'])";
    let mut arns = Vec::new();
    for child in [
        vec![
            "-m",
            "awscli",
            "sts",
            "get-caller-identity",
            "--query",
            "Arn",
        ],
        vec!["-c", boto3],
    ] {
        let out = output_within(
            w.awsmfa(&["exec", "--server", "dev", "--"])
                .arg(python())
                .args(&child),
            Duration::from_secs(60),
        );
        arns.push(ok(&out).trim().to_string());
    }
    arns
}

/// `[default]` holding each kind of credential source, in the config file
/// and in the credentials file, as users leave it: `keys import` (a
/// `credential_process` in the credentials file), plain keys in either
/// file, another role, a `credential_process` of another tool. The aws CLI
/// and boto3 in the command are always the role, and read the rest of the
/// user's settings; the copy of the config file they read holds no secret
/// and is gone afterwards.
#[test]
fn the_command_finds_only_the_role_whatever_default_holds_in_either_file() {
    let mut w = World::new();
    let s = w.seed("alice", &["dev", "ops"]);
    std::fs::write(w.path("mfa.sh"), COUNTING_MFA).unwrap();
    let mfa = format!("sh {}", w.path("mfa.sh").display());
    let keys = format!(
        "aws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    );
    let role = |src: &str| {
        format!(
            "[profile alice]\nmfa_serial = {}\nmfa_process = {mfa}\n\n[profile dev]\nrole_arn = {}\nsource_profile = {src}\n",
            s.mfa_serial, s.roles["dev"]
        )
    };
    let other_tool = format!(
        "credential_process = echo '{{\"Version\": 1, \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\"}}'\n",
        s.access_key_id, s.secret_access_key
    );
    // (name, config's [default] body, credentials file)
    let cases = [
        (
            "plain keys in the config file",
            keys.clone(),
            format!("[alice]\n{keys}"),
        ),
        (
            "plain keys in the credentials file",
            String::new(),
            format!("[alice]\n{keys}\n[default]\n{keys}"),
        ),
        (
            "another role in the config file",
            format!("role_arn = {}\nsource_profile = alice\n", s.roles["ops"]),
            format!("[alice]\n{keys}"),
        ),
        (
            "another tool's credential_process in the config file",
            other_tool.clone(),
            format!("[alice]\n{keys}"),
        ),
        (
            "another tool's credential_process in the credentials file",
            String::new(),
            format!("[alice]\n{keys}\n[default]\n{other_tool}"),
        ),
    ];
    for (case, default, credentials) in &cases {
        w.write_credentials(credentials);
        w.write_config(&format!(
            "[default]\noutput = text\n{default}\n{}",
            role("alice")
        ));
        for arn in identities_inside(&w) {
            assert!(
                arn.starts_with(&assumed(&s.roles["dev"])),
                "{case}: the command signed as {arn}, not as the role"
            );
        }
    }

    // What `keys import` leaves: `[default]` of the credentials file runs
    // `awsmfa process default`, which the command's SDK would run first.
    w.env.push(("AWSMFA_VAULT".into(), "file".into()));
    w.env.push((
        "AWSMFA_VAULT_PASSPHRASE".into(),
        "a passphrase for CI".into(),
    ));
    w.write_credentials(&format!("[default]\n{keys}"));
    w.write_config(&format!(
        "[default]\noutput = text\nmfa_serial = {}\nmfa_process = {mfa}\n\n[profile dev]\nrole_arn = {}\nsource_profile = default\n",
        s.mfa_serial, s.roles["dev"]
    ));
    ok(&w.run(&["keys", "import", "default"]));
    assert!(w.read("credentials_file").contains("credential_process"));
    for arn in identities_inside(&w) {
        assert!(
            arn.starts_with(&assumed(&s.roles["dev"])),
            "after keys import: the command signed as {arn}, not as the role"
        );
    }

    // The copy the command reads: the user's settings, no credentials of
    // `[default]`, no secret; private; gone once the command is.
    w.write_credentials(&format!("[alice]\n{keys}"));
    w.write_config(&format!(
        "[default]\noutput = text\n{keys}\n[profile stray]\n{keys}\n{}",
        role("alice")
    ));
    let shown = ok(&output_within(
        w.awsmfa(&["exec", "--server", "dev", "--", "sh", "-c"])
            .arg(
                r#"stat -c %a "$AWS_CONFIG_FILE"; cat "$AWS_CONFIG_FILE"; echo "$AWS_CONFIG_FILE""#,
            ),
        Duration::from_secs(60),
    ));
    let mut lines = shown.lines();
    assert_eq!(lines.next(), Some("600"), "{shown}");
    assert!(
        shown.contains("output = text") && shown.contains("role_arn"),
        "{shown}"
    );
    assert!(
        !shown.contains(&s.secret_access_key),
        "the copy holds a secret: {shown}"
    );
    let default = shown
        .split("[default]")
        .nth(1)
        .unwrap()
        .split('[')
        .next()
        .unwrap();
    assert!(!default.contains("aws_access_key_id"), "{shown}");
    let path = shown.lines().last().unwrap();
    assert!(!Path::new(path).exists(), "{path} outlived the command");
}
