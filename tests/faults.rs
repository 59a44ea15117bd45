//! What STS can do wrong, injected by a proxy in front of moto (moto itself
//! accepts any code and never fails): rejected codes and keys, throttling,
//! server errors, silence, refused and dropped connections. Every failure is
//! one line on stderr, a documented exit code, an empty stdout and a bounded
//! number of attempts; no test waits on a clock.

use crate::support::bounded::{HANG, output_within};
use crate::support::check::{exported, fails, no_secrets};
use crate::support::proxy::{Action, Proxy, closed_port_url};
use crate::support::pty::run_pty;
use crate::support::*;

/// A world with alice's user profile (keys + MFA) and a `dev` role, whose
/// STS endpoint is a proxy running `script`, then `then`.
fn faulty(script: Vec<Action>, then: Action) -> (World, Proxy, Seeded) {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    let p = Proxy::start(Some(&w.endpoint()), script, then);
    w.env.push(("AWS_ENDPOINT_URL".into(), p.url.clone()));
    (w, p, s)
}

#[test]
fn wrong_mfa_code_is_exit_4_with_a_clear_message() {
    let (w, p, s) = faulty(vec![], Action::MFA_REJECTED);
    for profile in ["alice", "dev"] {
        let err = fails(&w.run(&["env", profile, "--token-code", "123456"]), 4);
        assert!(
            err.contains("rejected") && err.contains(&s.mfa_serial),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        no_secrets(&err, &[&s.secret_access_key]);
    }
    // A given code is not a person: no retry, one request per run.
    assert_eq!(p.count(), 2);
}

#[test]
fn invalid_keys_are_exit_5() {
    let (w, p, s) = faulty(
        vec![],
        Action::StsError {
            status: 403,
            code: "InvalidClientTokenId",
            message: "The security token included in the request is invalid.",
        },
    );
    let err = fails(&w.run(&["env", "dev", "--token-code", "123456"]), 5);
    assert!(
        err.contains("InvalidClientTokenId") && err.contains("`alice`"),
        "{err}"
    );
    no_secrets(&err, &[&s.secret_access_key]);
    assert_eq!(p.count(), 1, "a rejected key is not retried");
}

#[test]
fn expired_token_is_exit_5() {
    let (w, _p, s) = faulty(
        vec![],
        Action::StsError {
            status: 400,
            code: "ExpiredToken",
            message: "The security token included in the request is expired",
        },
    );
    let err = fails(&w.run(&["env", "alice", "--token-code", "123456"]), 5);
    assert!(
        err.contains("ExpiredToken") && err.contains("expired"),
        "{err}"
    );
    no_secrets(&err, &[&s.secret_access_key]);
}

#[test]
fn throttling_is_retried_a_bounded_number_of_times() {
    let (w, p, s) = faulty(vec![Action::Throttle, Action::Throttle], Action::Forward);
    let o = w.run(&["env", "alice", "--token-code", "123456"]);
    let out = ok(&o);
    assert!(exported(&out, "AWS_SESSION_TOKEN").is_some(), "{out}");
    assert_eq!(
        p.count(),
        3,
        "two throttled attempts, then the one that worked"
    );
    no_secrets(&stderr(&o), &[&s.secret_access_key]);

    // Throttled on every attempt: a failure after the same bound, not a loop.
    let (w, p, _) = faulty(vec![], Action::Throttle);
    let o = output_within(
        &mut w.awsmfa(&["env", "alice", "--token-code", "123456"]),
        HANG,
    );
    let err = fails(&o, 6);
    assert!(err.contains("Throttling"), "{err}");
    assert_eq!(p.count(), 3);
}

#[test]
fn server_errors_give_up_after_three_attempts() {
    let (w, p, s) = faulty(vec![], Action::ServerError);
    let o = output_within(
        &mut w.awsmfa(&["env", "alice", "--token-code", "123456"]),
        HANG,
    );
    let code = o.status.code().unwrap_or_default();
    assert!(code == 6 || code == 1, "exit {code}: {}", stderr(&o));
    let err = fails(&o, code);
    assert!(
        err.contains("500") || err.contains("InternalFailure"),
        "{err}"
    );
    no_secrets(&err, &[&s.secret_access_key]);
    let n = p.count();
    assert!((1..=3).contains(&n), "{n} attempts");
}

#[test]
fn a_silent_server_is_a_network_error_not_a_hang() {
    let (mut w, p, _) = faulty(vec![], Action::Hang);
    w.env.push(("AWSMFA_TIMEOUT".into(), "2".into()));
    let o = output_within(
        &mut w.awsmfa(&["env", "alice", "--token-code", "123456"]),
        HANG,
    );
    let err = fails(&o, 6);
    assert!(err.contains(&p.url), "{err}");
    assert!(p.count() >= 1);
}

#[test]
fn a_dropped_connection_is_a_network_error() {
    let (w, p, _) = faulty(vec![], Action::Close);
    let o = output_within(
        &mut w.awsmfa(&["env", "alice", "--token-code", "123456"]),
        HANG,
    );
    fails(&o, 6);
    assert!((1..=3).contains(&p.count()), "{} attempts", p.count());
}

#[test]
fn connection_refused_is_exit_6() {
    let mut w = World::new();
    w.standard(&["dev"]);
    let url = closed_port_url();
    w.env.push(("AWS_ENDPOINT_URL".into(), url.clone()));
    let o = output_within(
        &mut w.awsmfa(&["env", "dev", "--token-code", "123456"]),
        HANG,
    );
    let err = fails(&o, 6);
    assert!(err.contains(&url), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn with_no_region_anywhere_sts_is_called_in_us_east_1() {
    let (w, p, _) = faulty(vec![], Action::Forward);
    let o = w
        .awsmfa(&["env", "dev", "--token-code", "123456"])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap();
    let out = ok(&o);
    let seen = p.seen();
    assert_eq!(seen.len(), 2, "GetSessionToken then AssumeRole");
    for req in &seen {
        let auth = req.header("authorization").expect("signed request");
        assert!(auth.contains("/us-east-1/sts/aws4_request"), "{auth}");
    }
    // No region is invented for the shell: whatever was there is removed.
    assert!(exported(&out, "AWS_REGION").is_none(), "{out}");
    assert!(out.contains("unset AWS_REGION\n"), "{out}");

    // A configured region is used instead (--no-cache: the role's cached
    // credentials would otherwise answer without any STS call).
    let config = w
        .read("config_file")
        .replace("[profile dev]\n", "[profile dev]\nregion = eu-central-1\n");
    w.write_config(&config);
    let o = w
        .awsmfa(&["env", "dev", "--no-cache", "--token-code", "654321"])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap();
    let out = ok(&o);
    assert_eq!(
        exported(&out, "AWS_REGION").as_deref(),
        Some("eu-central-1")
    );
    let auth = p.seen()[2].header("authorization").unwrap().to_string();
    assert!(auth.contains("/eu-central-1/sts/aws4_request"), "{auth}");
}

// --- a person at a terminal gets three tries ----------------------------------

fn at_terminal(w: &World, steps: &[(&str, &str)]) -> crate::support::pty::PtyRun {
    let out = w.path("out");
    let bin = awsmfa_bin().to_str().unwrap();
    let run = run_pty(
        w,
        &[
            "bash",
            "--norc",
            "-c",
            "\"$1\" env alice > \"$2\"",
            "bash",
            bin,
            out.to_str().unwrap(),
        ],
        steps,
        HANG,
    );
    run.finished();
    run
}

#[test]
fn a_rejected_code_is_asked_again_at_a_terminal() {
    let (w, p, _) = faulty(
        vec![Action::MFA_REJECTED, Action::MFA_REJECTED],
        Action::Forward,
    );
    let run = at_terminal(
        &w,
        &[
            ("MFA code for", "111111\n"),
            ("try 2 of 3", "222222\n"),
            ("try 3 of 3", "333333\n"),
        ],
    );
    assert_eq!(run.status, 0, "{}", run.transcript);
    assert_eq!(
        run.transcript.matches("rejected").count(),
        2,
        "{}",
        run.transcript
    );
    let codes: Vec<String> = p
        .seen()
        .iter()
        .filter_map(|s| s.param("TokenCode"))
        .collect();
    assert_eq!(codes, ["111111", "222222", "333333"]);
    assert!(exported(&w.read("out"), "AWS_SESSION_TOKEN").is_some());
}

#[test]
fn three_rejected_codes_end_with_exit_4() {
    let (w, p, _) = faulty(vec![], Action::MFA_REJECTED);
    let run = at_terminal(
        &w,
        &[
            ("MFA code for", "111111\n"),
            ("try 2 of 3", "222222\n"),
            ("try 3 of 3", "333333\n"),
        ],
    );
    assert_eq!(run.status, 4, "{}", run.transcript);
    assert!(!run.transcript.contains("try 4"), "{}", run.transcript);
    assert_eq!(p.count(), 3);
    assert_eq!(w.read("out"), "", "nothing to eval after a failure");
}
