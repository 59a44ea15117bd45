//! `rotate` killed (SIGKILL) at every step, and at a spread of moments in
//! between: afterwards no long-term secret is anywhere but the credentials
//! file (raw, hex or base64, under HOME, XDG dirs and TMPDIR), a working key
//! is on disk, a key AWS created but awsmfa never saved is named by `doctor`
//! or the next `rotate`, and the next `rotate` cleans up and succeeds.
//!
//! The fault proxy holds the chosen IAM/STS call (before moto sees it, or
//! after moto answered but before awsmfa hears it) while the test kills the
//! process, so each step is hit exactly, not by luck.

use crate::keys::{disk_key, iam_keys, rotate_world, working_key_on_disk};
use crate::support::proxy::{HoldAt, Proxy};
use crate::support::secrets::{assert_no_secret_in_files, files_under};
use crate::support::*;
use std::process::Stdio;
use std::time::Duration;

/// How the run was stopped: at a held call, or `delay` after letting a held
/// call's answer through.
struct Kill {
    action: &'static str,
    nth: usize,
    at: HoldAt,
    delay: Option<Duration>,
}

/// Everything a kill may have left, checked; returns the world for the
/// follow-up.
struct Killed {
    w: World,
    secrets: Vec<(&'static str, String)>,
}

pub(crate) fn secret_in(xml: &str) -> Option<String> {
    let start = xml.find("<SecretAccessKey>")? + "<SecretAccessKey>".len();
    let end = start + xml[start..].find("</SecretAccessKey>")?;
    Some(xml[start..end].to_string())
}

fn kill_rotate(k: &Kill) -> Killed {
    let (w, s, _) = rotate_world(true);
    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let (action, nth, at) = (k.action, k.nth, k.at);
    let proxy = Proxy::holding(&w.endpoint(), action, nth, at);
    let mut child = w
        .awsmfa(&["rotate", "alice", "--token-code", "123456", "--wait", "5s"])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        proxy.wait_held(Duration::from_secs(30)),
        "{} #{} never arrived: {:?}",
        k.action,
        k.nth,
        proxy.seen()
    );
    if let Some(d) = k.delay {
        proxy.release();
        std::thread::sleep(d);
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no handler runs.
    child.wait().unwrap();
    let mut secrets = vec![
        ("the old secret key", s.secret_access_key.clone()),
        ("bob's secret key", "bob/secret".to_string()),
    ];
    for answer in proxy.answers("CreateAccessKey") {
        secrets.push(("the new secret key", secret_in(&answer).unwrap()));
    }
    drop(proxy);
    Killed { w, secrets }
}

/// No secret outside the credentials file, and no awsmfa temporary file
/// beside it.
#[track_caller]
fn nothing_left_behind(k: &Killed) {
    let creds = k.w.path("credentials_file");
    let files: Vec<_> = files_under(k.w.dir.path())
        .into_iter()
        .filter(|f| *f != creds)
        .collect();
    assert_no_secret_in_files(&files, &k.secrets);
    let temps: Vec<_> = files
        .iter()
        .filter(|f| f.file_name().unwrap().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

/// The state after the kill, then doctor, then the next rotate.
fn check(k: &Kill) {
    let killed = kill_rotate(k);
    let w = &killed.w;
    let what = format!("{} #{} {:?} {:?}", k.action, k.nth, k.at, k.delay);
    nothing_left_behind(&killed);
    // The promise rotate always made: a working key stays on disk.
    let on_disk = working_key_on_disk(w);
    let strays: Vec<String> = iam_keys(w)
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| *id != on_disk)
        .collect();
    let doctor = w.run(&["doctor", "--offline"]);
    let report = stdout(&doctor);
    let mut next = w.run(&["rotate", "alice", "--token-code", "123456"]);
    let interrupted_create = report.contains("interrupted while creating a key");
    if interrupted_create && !strays.is_empty() {
        // AWS made a key whose id awsmfa never heard: the next rotate names
        // it (the only key in no file) and, as with any second key, stops.
        let err = stderr(&next);
        assert_eq!(next.status.code(), Some(1), "{what}: {err}");
        for id in &strays {
            assert!(err.contains(id.as_str()), "{what}: {id} not named: {err}");
        }
        for id in &strays {
            ok(&w
                .aws(&[
                    "iam",
                    "delete-access-key",
                    "--user-name",
                    "alice",
                    "--access-key-id",
                    id,
                    "--profile",
                    "bob",
                ])
                .output()
                .unwrap());
        }
        next = w.run(&["rotate", "alice", "--token-code", "123456"]);
    } else {
        // Any other stray key is named by doctor, and deleted by rotate.
        for id in &strays {
            assert!(report.contains(id.as_str()), "{what}: doctor: {report}");
        }
    }
    let err = stderr(&next);
    assert!(next.status.success(), "{what}: next rotate failed: {err}");
    let (id, _) = disk_key(w);
    assert_ne!(id, on_disk, "{what}");
    assert_eq!(
        iam_keys(w),
        vec![(id.clone(), "Active".to_string())],
        "{what}"
    );
    assert_eq!(working_key_on_disk(w), id);
    let leftovers: Vec<_> = files_under(w.dir.path())
        .into_iter()
        .filter(|f| {
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".awsmfa-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{what}: {leftovers:?}");
    let report = stdout(&w.run(&["doctor", "--offline"]));
    assert!(report.contains("ok    leftovers"), "{what}: {report}");
}

#[test]
fn rotate_killed_at_each_aws_call_loses_nothing_and_leaves_nothing() {
    let steps = [
        ("ListAccessKeys", 1, HoldAt::Request),
        ("CreateAccessKey", 1, HoldAt::Request),
        ("CreateAccessKey", 1, HoldAt::Response),
        ("GetCallerIdentity", 2, HoldAt::Request),
        ("UpdateAccessKey", 1, HoldAt::Response),
        ("DeleteAccessKey", 1, HoldAt::Response),
    ];
    for (action, nth, at) in steps {
        check(&Kill {
            action,
            nth,
            at,
            delay: None,
        });
    }
}

/// Between hearing the new key and proving it, awsmfa writes the journal
/// and the credentials file (temporary file, fsync, rename): killed at a
/// spread of moments in there.
#[test]
fn rotate_killed_while_writing_the_new_key_loses_nothing_and_leaves_nothing() {
    for micros in [0, 300, 1_000, 3_000, 10_000, 30_000] {
        check(&Kill {
            action: "CreateAccessKey",
            nth: 1,
            at: HoldAt::Response,
            delay: Some(Duration::from_micros(micros)),
        });
    }
}

/// What an older awsmfa, or a kill in the instant between link and rename,
/// leaves: a named temporary copy with the secrets. doctor removes it and
/// says so; one a live process holds locked (a write under way) stays.
#[test]
fn doctor_removes_leftover_temporary_copies_but_not_a_write_under_way() {
    let (w, s, original) = rotate_world(true);
    let leftover = w.path(".awsmfa-AbC123.tmp");
    std::fs::write(&leftover, &original).unwrap();
    let busy = w.path(".awsmfa-busy00.tmp");
    std::fs::write(&busy, &original).unwrap();
    let lock = std::fs::File::open(&busy).unwrap();
    lock.lock().unwrap();
    let o = w.run(&["doctor", "--offline"]);
    let report = stdout(&o);
    assert!(!leftover.exists(), "{report}");
    assert!(
        report.contains("removed") && report.contains(".awsmfa-AbC123.tmp"),
        "{report}"
    );
    assert!(busy.exists(), "a locked file was removed");
    assert!(!report.contains(&s.secret_access_key));
    drop(lock);
    // Unlocked now: the next rotate removes it before it starts.
    ok(&w.run(&["rotate", "alice", "--token-code", "123456"]));
    assert!(!busy.exists());
}
