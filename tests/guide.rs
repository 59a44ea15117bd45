//! Finding the way in (issue 25): `awsmfa list`, where `--help` and `setup`
//! say to start, and a profile that is awsmfa itself pointing to the one it
//! names. The real binary in separate processes, AWS from moto.

use crate::support::check::{export, fails};
use crate::support::proxy::{Action, Proxy};
use crate::support::secrets::assert_no_secret_in_output;
use crate::support::term::Term;
use crate::support::*;

/// The user's defaults: `[default]` holds the keys and the MFA device, the
/// roles start from it, and the cache key lives where awsmfa puts it by
/// default (the real keyutils: no `AWSMFA_KEY_STORE` pin).
#[test]
fn list_names_each_profile_its_device_and_what_is_cached() {
    let w = World::new();
    let s = w.seed("alice", &["dev", "prod"]);
    w.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    ));
    w.write_config(&format!(
        "[default]\nmfa_serial = {serial}\n\n\
         [profile dev]\nrole_arn = {dev}\nsource_profile = default\n\n\
         [profile prod]\nrole_arn = {prod}\nsource_profile = default\n\n\
         [profile corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 1\nsso_role_name = r\n\n\
         [profile other]\ncredential_process = /bin/false\nmfa_serial = evil\x1b]0;owned\x07\n",
        serial = s.mfa_serial,
        dev = s.roles["dev"],
        prod = s.roles["prod"],
    ));
    let defaults = |args: &[&str]| {
        let mut c = w.awsmfa(args);
        c.env_remove("AWSMFA_KEY_STORE");
        c.output().unwrap()
    };
    // Before any code: nothing cached, and no prompt (stdin is /dev/null).
    let before = ok(&defaults(&["list"]));
    let line = |text: &str, name: &str| -> String {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for {name} in\n{text}"))
            .to_string()
    };
    assert!(before.starts_with("PROFILE"), "{before}");
    assert!(
        line(&before, "default").contains("user, key in the AWS files"),
        "{before}"
    );
    assert!(line(&before, "default").contains(&s.mfa_serial), "{before}");
    let dev = line(&before, "dev");
    assert!(
        dev.contains(&format!("role {} from default", s.roles["dev"])),
        "{dev}"
    );
    assert!(
        dev.contains(&s.mfa_serial),
        "the device is found along the chain: {dev}"
    );
    assert!(dev.trim_end().ends_with('-'), "nothing cached yet: {dev}");
    assert!(
        line(&before, "corp").contains("IAM Identity Center"),
        "{before}"
    );
    assert!(
        line(&before, "other").contains("credential_process"),
        "{before}"
    );
    // A value from a file anyone may have edited reaches the terminal cleaned.
    assert!(line(&before, "other").contains("evil"), "{before}");
    assert!(!before.contains(['\x1b', '\x07']), "{before:?}");

    let creds = ok(&defaults(&["env", "dev", "--token-code", "123456"]));
    let after = defaults(&["list"]);
    let listing = ok(&after);
    let dev = line(&listing, "dev");
    assert!(dev.contains("MFA session"), "{dev}");
    assert!(dev.contains("role 59m") || dev.contains("role 1h"), "{dev}");
    let prod = line(&listing, "prod");
    assert!(
        prod.contains("MFA session") && !prod.contains("role 5"),
        "only the session serves prod: {prod}"
    );
    assert!(
        line(&listing, "default").contains("MFA session"),
        "{listing}"
    );
    let secrets = vec![
        ("long-term secret", s.secret_access_key.clone()),
        ("role secret", export(&creds, "AWS_SECRET_ACCESS_KEY")),
        ("role token", export(&creds, "AWS_SESSION_TOKEN")),
    ];
    assert_no_secret_in_output(&after, &secrets);
}

#[test]
fn list_with_no_profiles_says_how_to_add_one() {
    let w = World::offline();
    let o = w.run(&["list"]);
    assert!(o.status.success());
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("aws configure --profile NAME"),
        "{}",
        stderr(&o)
    );
}

/// `--help` (and `awsmfa` alone) open with the first steps, and the first
/// example is not the `eval` form that hides a failure.
#[test]
fn help_says_where_to_start() {
    let w = World::offline();
    for args in [&["--help"][..], &[][..]] {
        let o = w.run(args);
        let text = format!("{}{}", stdout(&o), stderr(&o));
        let start = text.find("Start here:").unwrap_or_else(|| panic!("{text}"));
        let steps = &text[start..];
        let setup = steps.find("awsmfa setup").unwrap();
        let init = steps.find("awsmfa init bash").unwrap();
        let use_ = steps.find("awsmfa use my-role").unwrap();
        assert!(setup < init && init < use_, "{steps}");
        assert!(!text.contains("eval \"$(awsmfa env"), "{text}");
    }
}

/// After `setup`, the next step: a role built on the user, through the
/// shell function, loaded as `$SHELL` wants it.
#[test]
fn setup_names_the_next_step() {
    let mut w = World::new();
    w.standard(&["dev", "prod"]);
    w.env.push(("SHELL".into(), "/usr/bin/zsh".into()));
    let o = w.run(&["setup", "alice"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("next: `awsmfa use dev`") && err.contains("eval \"$(awsmfa init zsh)\""),
        "{err}"
    );
}

/// An IDE profile whose `credential_process` is awsmfa itself: `awsmfa use
/// ide` names the profile it hands out instead of a generic refusal.
#[test]
fn a_profile_that_is_awsmfa_points_to_the_one_it_names() {
    let w = World::new();
    w.standard(&["dev"]);
    let config = w.read("config_file");
    w.write_config(&format!(
        "{config}\n[profile ide]\ncredential_process = awsmfa process dev\n"
    ));
    let o = w.run(&["env", "ide", "--token-code", "123456"]);
    let err = fails(&o, 3);
    assert!(
        err.contains("name `dev` instead, e.g. `awsmfa use dev`"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

/// At a terminal the `error:` label is red (bold), as a person sees it;
/// NO_COLOR turns it off, and a pipe never gets an escape sequence (every
/// other test reads stderr through one).
#[test]
fn errors_are_coloured_at_a_terminal_unless_no_color() {
    let mut w = World::offline();
    let bin = awsmfa_bin().parent().unwrap().display().to_string();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    w.env.push(("PATH".into(), path));
    let Some(t) = Term::start(&w, "bash --norc -i", &[]) else {
        return;
    };
    t.line("awsmfa env nope --force; NO_COLOR=1 awsmfa env nope --force; echo DONE | tr A-Z a-z");
    t.wait_for("done");
    let styled = stdout(&t.tmux(&["capture-pane", "-p", "-e", "-J", "-S", "-"]));
    let errors: Vec<&str> = styled.lines().filter(|l| l.contains("error:")).collect();
    assert_eq!(errors.len(), 2, "{styled}");
    assert!(
        errors[0].contains("\x1b[1m\x1b[31mawsmfa: error:") || errors[0].contains("\x1b[1;31m"),
        "{:?}",
        errors[0]
    );
    assert!(!errors[1].contains('\x1b'), "NO_COLOR: {:?}", errors[1]);
    let piped = w.run(&["env", "nope"]);
    assert!(
        stderr(&piped).starts_with("awsmfa: error:"),
        "{}",
        stderr(&piped)
    );
}

/// STS slow to answer: past a second, the person at the terminal is told
/// what awsmfa waits for and how long it may (before, a blank line until
/// the answer or the time-out); through a pipe, as an SDK runs it, nothing.
#[test]
fn a_slow_sts_is_said_at_a_terminal_only() {
    let mut w = World::new();
    w.standard(&["dev"]);
    let proxy = Proxy::start(
        Some(&w.endpoint()),
        vec![],
        Action::Delay(std::time::Duration::from_secs(3)),
    );
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
    let piped = w.run(&["env", "dev", "--token-code", "123456"]);
    ok(&piped);
    assert!(!stderr(&piped).contains("waiting"), "{}", stderr(&piped));
    let bin = awsmfa_bin().parent().unwrap().display().to_string();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    w.env.push(("PATH".into(), path));
    let Some(t) = Term::start(&w, "bash --norc -i", &[]) else {
        return;
    };
    t.line(
        "awsmfa logout; out=$(awsmfa env dev --token-code 654321) && echo GOT-${#out} | tr A-Z a-z",
    );
    let screen = t.wait_for("got-");
    let host = proxy.url.split("://").nth(1).unwrap();
    assert!(
        screen.contains(&format!(
            "awsmfa: waiting for STS at http://{host} (up to 10s)…"
        )),
        "{screen}"
    );
}

/// A bare `awsmfa use` typed at a terminal asks which profile (before, it
/// meant `default` without a word); in a script (stdin not the terminal) it
/// keeps the AWS CLI's default and asks nothing.
#[test]
fn a_bare_use_at_a_terminal_asks_which_profile() {
    let w = World::new();
    w.standard_counting(&["dev"]);
    std::fs::write(
        w.path("rc"),
        format!("eval \"$('{}' init bash)\"\n", awsmfa_bin().display()),
    )
    .unwrap();
    let Some(t) = Term::start(
        &w,
        &format!("bash --rcfile '{}' -i", w.path("rc").display()),
        &[],
    ) else {
        return;
    };
    t.line("awsmfa use </dev/null; echo SCRIPTED-$? | tr A-Z a-z");
    let screen = t.wait_for("scripted-");
    assert!(!screen.contains("Which profile?"), "{screen}");
    assert!(screen.contains("profile `default`"), "{screen}");
    t.line("awsmfa use");
    let screen = t.wait_for("Which one? [1-2]:");
    assert!(
        screen.contains("1) alice") && screen.contains("2) dev"),
        "{screen}"
    );
    t.line("2");
    t.wait_for("awsmfa: exported dev (account ");
    t.line("echo PROFILE-$AWSMFA_PROFILE | tr A-Z a-z");
    t.wait_for("profile-dev");
}
