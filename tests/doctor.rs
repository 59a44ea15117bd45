//! `awsmfa doctor`: every injected problem is reported with its fix, and a
//! clean setup exits 0.

use crate::support::proxy::{Action, Proxy};
use crate::support::*;
use std::process::Output;

/// Files private, the bash hook in ~/.bashrc, $SHELL bash.
fn tidy(w: &mut World) {
    chmod(&w.path("credentials_file"), 0o600);
    chmod(&w.path("config_file"), 0o600);
    std::fs::write(
        w.home().join(".bashrc"),
        "HISTSIZE=1000\neval \"$(awsmfa init bash)\"\n",
    )
    .unwrap();
    w.env.push(("SHELL".into(), "/bin/bash".into()));
    // A clean setup keeps no long-term key in plaintext (tests/vault.rs).
    w.env.push(("AWSMFA_VAULT".into(), "file".into()));
    w.env
        .push(("AWSMFA_VAULT_PASSPHRASE".into(), "doctor test".into()));
    if w.read("credentials_file").contains("[alice]") {
        ok(&w.run(&["keys", "import", "alice"]));
    }
}

/// Profiles with made-up keys, for checks that never reach AWS.
fn offline_world() -> World {
    let mut w = World::offline();
    w.write_credentials(
        "[alice]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = secret\n",
    );
    w.write_config(
        "[profile alice]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = alice\n",
    );
    tidy(&mut w);
    w
}

/// The report line for `topic`, e.g. `line(&out, "clock")`.
#[track_caller]
fn line(out: &Output, topic: &str) -> String {
    let text = stdout(out);
    let found: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.get(6..)
                .is_some_and(|rest| rest.starts_with(&format!("{topic}:")))
        })
        .collect();
    assert_eq!(found.len(), 1, "one `{topic}` line expected in:\n{text}");
    found[0].to_string()
}

#[track_caller]
fn level(out: &Output, topic: &str, want: &str) -> String {
    let l = line(out, topic);
    assert!(
        l.starts_with(&format!("{want:<5} ")),
        "expected {want}: {l}"
    );
    l
}

#[test]
fn a_clean_setup_needs_no_attention() {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    tidy(&mut w);
    let out = w.run(&["doctor"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    for l in text.lines() {
        assert!(l.starts_with("ok ") || l.starts_with("skip "), "{l}");
    }
    assert!(level(&out, "mfa", "ok").contains(&s.mfa_serial));
    level(&out, "clock", "ok");
    assert!(level(&out, "keys", "ok").contains(":user/alice"));
    level(&out, "shell hook", "ok");
    level(&out, "credentials file", "ok");
    level(&out, "key store", "ok");

    // Offline: the same, without asking STS.
    let out = w.run(&["doctor", "--offline"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    level(&out, "clock", "skip");
    level(&out, "keys", "skip");
}

#[test]
fn each_injected_problem_is_reported_with_its_fix() {
    let mut w = World::new();
    w.standard(&["dev"]);
    tidy(&mut w);
    chmod(&w.path("credentials_file"), 0o644);
    let config = w.read("config_file");
    let without_mfa: String = config
        .lines()
        .filter(|l| !l.starts_with("mfa_serial"))
        .map(|l| format!("{l}\n"))
        .collect();
    w.write_config(&without_mfa);
    std::fs::remove_file(w.home().join(".bashrc")).unwrap();
    let cache = w.path("cache/awsmfa");
    std::fs::create_dir_all(&cache).unwrap();
    chmod(&cache, 0o755);
    // STS's clock 3 minutes ahead of ours.
    let proxy = Proxy::with_policy(Some(&w.endpoint()), |_| Action::dated(180, Action::Forward));
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));

    let out = w.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(9), "{}", stdout(&out));
    let creds = level(&out, "credentials file", "fail");
    assert!(
        creds.contains("0644") && creds.contains("fix: chmod 600"),
        "{creds}"
    );
    let mfa = level(&out, "mfa", "warn");
    assert!(
        mfa.contains("`dev`") && mfa.contains("awsmfa setup alice"),
        "{mfa}"
    );
    let hook = level(&out, "shell hook", "warn");
    assert!(hook.contains("awsmfa init bash"), "{hook}");
    let cache_line = level(&out, "cache", "fail");
    assert!(cache_line.contains("chmod 700"), "{cache_line}");
    let clock = level(&out, "clock", "warn");
    assert!(
        clock.contains("behind STS") && clock.contains("fix:"),
        "{clock}"
    );
    let skew: i64 = clock
        .split_whitespace()
        .find_map(|word| word.strip_suffix('s')?.parse().ok())
        .unwrap();
    assert!((178..=182).contains(&skew), "{clock}");
    level(&out, "keys", "ok");

    // Twenty minutes off: past what AWS accepts for a signature.
    let proxy = Proxy::with_policy(Some(&w.endpoint()), |_| {
        Action::dated(-20 * 60, Action::Forward)
    });
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
    let out = w.run(&["doctor"]);
    let clock = level(&out, "clock", "fail");
    assert!(
        clock.contains("ahead of STS") && clock.contains("15 minutes"),
        "{clock}"
    );
}

#[test]
fn offline_skips_the_network_check() {
    let mut w = offline_world();
    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    w.env.push((
        "AWS_ENDPOINT_URL".into(),
        format!("http://127.0.0.1:{port}"),
    ));
    w.env.push(("AWSMFA_TIMEOUT".into(), "2".into()));

    let out = w.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(9), "{}", stdout(&out));
    // The words every command uses for it.
    assert!(level(&out, "clock", "fail").contains("could not reach STS"));

    let out = w.run(&["doctor", "--offline"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    level(&out, "clock", "skip");
}

#[test]
fn a_clobbered_hook_and_a_fido_key_are_reported() {
    let mut w = offline_world();
    std::fs::write(
        w.home().join(".bashrc"),
        "eval \"$(awsmfa init bash)\"\nPROMPT_COMMAND='history -a'\n",
    )
    .unwrap();
    let out = w.run(&["doctor", "--offline"]);
    assert_eq!(out.status.code(), Some(8), "{}", stdout(&out));
    let hook = level(&out, "shell hook", "warn");
    assert!(hook.contains("line 2") && hook.contains("move"), "{hook}");

    // Loaded in the rc file, but an exported PROMPT_COMMAND lost it.
    std::fs::write(w.home().join(".bashrc"), "eval \"$(awsmfa init bash)\"\n").unwrap();
    w.env.push(("PROMPT_COMMAND".into(), "history -a".into()));
    let out = w.run(&["doctor", "--offline"]);
    assert!(level(&out, "shell hook", "warn").contains("PROMPT_COMMAND"));
    w.env.pop();
    w.env
        .push(("PROMPT_COMMAND".into(), "history -a\n__awsmfa_hook".into()));
    let out = w.run(&["doctor", "--offline"]);
    level(&out, "shell hook", "ok");

    // fish reads config.fish.
    w.env.push(("SHELL".into(), "/usr/bin/fish".into()));
    let out = w.run(&["doctor", "--offline"]);
    assert!(level(&out, "shell hook", "warn").contains("config.fish"));
    let fish = w.path("config/fish");
    std::fs::create_dir_all(&fish).unwrap();
    std::fs::write(fish.join("config.fish"), "awsmfa init fish | source\n").unwrap();
    let out = w.run(&["doctor", "--offline"]);
    level(&out, "shell hook", "ok");

    w.write_config(
        "[profile alice]\nmfa_serial = arn:aws:iam::123456789012:u2f/user/alice/key-ABC\n",
    );
    chmod(&w.path("config_file"), 0o600);
    let out = w.run(&["doctor", "--offline", "alice"]);
    assert_eq!(out.status.code(), Some(9), "{}", stdout(&out));
    assert!(level(&out, "mfa", "fail").contains("FIDO"));
}

#[test]
fn an_untrusted_project_file_is_reported_until_allowed() {
    let w = offline_world();
    let project = w.home().join("infra");
    std::fs::create_dir_all(project.join("sub")).unwrap();
    std::fs::write(project.join(".awsmfa.toml"), "profile = \"dev\"\n").unwrap();
    let doctor = || {
        w.awsmfa(&["doctor", "--offline"])
            .current_dir(project.join("sub"))
            .output()
            .unwrap()
    };
    let out = doctor();
    assert_eq!(out.status.code(), Some(8), "{}", stdout(&out));
    let l = level(&out, ".awsmfa.toml", "warn");
    assert!(
        l.contains("not trusted") && l.contains("awsmfa allow"),
        "{l}"
    );

    let allow = w.awsmfa(&["allow"]).current_dir(&project).output().unwrap();
    ok(&allow);
    let out = doctor();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(level(&out, ".awsmfa.toml", "ok").contains("`dev`"));

    // An edit needs a new allow.
    std::fs::write(project.join(".awsmfa.toml"), "profile = \"alice\"\n").unwrap();
    level(&doctor(), ".awsmfa.toml", "warn");
}
