//! A working day with `env`, `exec`, `status`, `login` and the help
//! (issue 15, points 6, 7, 8, 9, 12): the real binary, real bash, zsh and
//! fish, a real terminal (tmux) where one matters, AWS from moto.

use crate::support::check::{fails, parse_env};
use crate::support::proxy::{Action, Proxy};
use crate::support::term::Term;
use crate::support::{World, awsmfa_bin, codes_in, ok, require_tools, stderr, stdout};
use std::collections::BTreeMap;
use std::process::Output;

/// alice (MFA via a counting `mfa_process`), roles `dev` (region
/// eu-west-1) and `prod` (region ap-south-1), awsmfa on PATH.
fn world() -> World {
    let mut w = World::new();
    w.standard_counting(&["dev", "prod"]);
    let config = w
        .read("config_file")
        .replace("[profile dev]\n", "[profile dev]\nregion = eu-west-1\n")
        .replace("[profile prod]\n", "[profile prod]\nregion = ap-south-1\n");
    w.write_config(&config);
    let bin = awsmfa_bin().parent().unwrap().display().to_string();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    w.env.push(("PATH".into(), path));
    w
}

fn codes(w: &World) -> usize {
    codes_in(w.dir.path())
}

/// The AWS variables and awsmfa's own in `env` output written to `file`.
fn aws_vars(w: &World, file: &str) -> BTreeMap<String, String> {
    parse_env(&w.read(file))
        .into_iter()
        .filter(|(k, _)| k.starts_with("AWS"))
        .collect()
}

// --- 6: env --unset restores what the shell had ------------------------------

/// The same day in each shell: the user's own AWS_PROFILE and (second round)
/// AWS_REGION, `env dev`, `env prod`, `env --unset`. Without `--shell`: the
/// format is the running shell's (point 7).
#[test]
fn env_unset_restores_the_shells_own_values_in_bash_zsh_and_fish() {
    let w = world();
    let posix = r#"
        export AWS_PROFILE="it's mine" ; unset AWS_REGION AWS_DEFAULT_REGION
        eval "$(awsmfa env dev)"; env > "$D/dev"
        eval "$(awsmfa env prod)"; env > "$D/prod"
        eval "$(awsmfa env --unset)"; env > "$D/after"
        export AWS_REGION=eu-west-3
        eval "$(awsmfa env dev)"; env > "$D/dev2"
        eval "$(awsmfa env --unset)"; env > "$D/after2"
    "#;
    let fish = r#"
        set -gx AWS_PROFILE "it's mine"; set -e AWS_REGION; set -e AWS_DEFAULT_REGION
        awsmfa env dev | source; env > "$D/dev"
        awsmfa env prod | source; env > "$D/prod"
        awsmfa env --unset | source; env > "$D/after"
        set -gx AWS_REGION eu-west-3
        awsmfa env dev | source; env > "$D/dev2"
        awsmfa env --unset | source; env > "$D/after2"
    "#;
    for (shell, args, script) in [
        ("bash", &["--norc", "-e", "-c"][..], posix),
        ("zsh", &["--no-rcs", "-e", "-c"], posix),
        ("fish", &["--no-config", "--private", "-c"], fish),
    ] {
        if !require_tools(&[shell]) {
            continue;
        }
        let d = w.path(shell);
        std::fs::create_dir_all(&d).unwrap();
        let o = w
            .command(shell)
            .args(args)
            .arg(script)
            .env("D", &d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let read = |f: &str| aws_vars(&w, &format!("{shell}/{f}"));
        let (dev, prod, after) = (read("dev"), read("prod"), read("after"));
        assert_eq!(dev["AWSMFA_PROFILE"], "dev", "{shell}");
        assert!(!dev.contains_key("AWS_PROFILE"), "{shell}: {dev:?}");
        assert_eq!(dev["AWS_REGION"], "eu-west-1", "{shell}");
        // The second env's region is prod's own, not the one dev exported.
        assert_eq!(prod["AWS_REGION"], "ap-south-1", "{shell}");
        // Back to exactly the shell's own: its AWS_PROFILE, no region, and
        // nothing of awsmfa's.
        let mine: BTreeMap<String, String> =
            [("AWS_PROFILE".to_string(), "it's mine".to_string())].into();
        let own = |m: &BTreeMap<String, String>| {
            m.iter()
                .filter(|(k, _)| {
                    !["AWS_CONFIG_FILE", "AWSMFA_KEY_STORE", "AWSMFA_TIMEOUT"].contains(&k.as_str())
                })
                .filter(|(k, _)| !k.starts_with("AWS_SHARED") && !k.starts_with("AWS_E"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(own(&after), mine, "{shell}");
        // The user's own region is used, kept, and still there after.
        assert_eq!(read("dev2")["AWS_REGION"], "eu-west-3", "{shell}");
        let mut mine2 = mine.clone();
        mine2.insert("AWS_REGION".into(), "eu-west-3".into());
        assert_eq!(own(&read("after2")), mine2, "{shell}");
    }
    // One code for the whole day in three shells: the cache served the rest.
    assert_eq!(codes(&w), 1);
}

/// After `env dev` exported dev's region, `exec prod` resolves prod's own
/// region in the shell's environment, as `env prod` does.
#[test]
fn exec_after_env_gets_its_own_profiles_region() {
    let w = world();
    if !require_tools(&["bash"]) {
        return;
    }
    let o = w
        .command("bash")
        .args(["--norc", "-e", "-c"])
        .arg(
            r#"unset AWS_REGION AWS_DEFAULT_REGION
            eval "$(awsmfa env dev)"; echo "$AWS_REGION"
            awsmfa exec prod sh -c 'echo "$AWS_REGION"'"#,
        )
        .output()
        .unwrap();
    assert_eq!(ok(&o), "eu-west-1\nap-south-1\n");
}

/// Attack: a crafted AWSMFA_SAVED (inherited, or set by a script) must not
/// make `--unset` set anything but the AWS names it may restore, and a
/// hostile value is restored as bytes, never run.
#[test]
fn a_crafted_saved_record_restores_only_aws_names_and_runs_nothing() {
    let w = World::offline();
    if !require_tools(&["bash", "fish"]) {
        return;
    }
    let bin = awsmfa_bin().display().to_string();
    let pwned = w.path("pwned");
    let evil = format!(
        r#"{{"PATH":"/nowhere","LD_PRELOAD":"/x.so","AWS_SECRET_ACCESS_KEY":"s","AWS_PROFILE":"a'b$(touch {0})`touch {0}`\nc"}}"#,
        pwned.display()
    );
    let posix = format!(
        r#"eval "$('{bin}' env --unset)"; printf '%s|%s|%s' "$PATH" "${{LD_PRELOAD-none}}" "$AWS_PROFILE""#
    );
    let fish = format!(
        r#"'{bin}' env --unset | source; printf '%s|%s|%s' "$PATH" (set -q LD_PRELOAD; and echo set; or echo none) "$AWS_PROFILE""#
    );
    let path = std::env::var("PATH").unwrap();
    for (shell, flag, script) in [("bash", "--norc", posix), ("fish", "--no-config", fish)] {
        let o = w
            .command(shell)
            .args([flag, "-c", &script])
            .env("AWSMFA_SAVED", &evil)
            .output()
            .unwrap();
        let out = ok(&o);
        assert_eq!(
            out,
            format!("{path}|none|a'b$(touch {0})`touch {0}`\nc", pwned.display()),
            "{shell}"
        );
        assert!(!pwned.exists(), "{shell} ran a command from AWSMFA_SAVED");
    }
}

/// Without a record (`env` of an older awsmfa, or none at all) `--unset`
/// removes only what is awsmfa's alone: the keys and AWSMFA_*, never a
/// region that may be the user's.
#[test]
fn unset_without_a_record_keeps_the_region() {
    let w = World::offline();
    let out = ok(&w.run(&["env", "--unset", "--shell", "bash"]));
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWSMFA_PROFILE",
        "AWSMFA_SAVED",
    ] {
        assert!(out.contains(&format!("unset {name}\n")), "{name}: {out}");
    }
    assert!(!out.contains("REGION"), "{out}");
}

// --- 7: the running shell's syntax -------------------------------------------

/// A real interactive shell at a terminal: `awsmfa env dev` there is refused
/// pointing to `awsmfa use dev` (the shell function, which keeps the exit
/// status that `eval "$(…)"` hides); with `--shell` named, the line that
/// applies that format. In fish `| source` of the default output works.
#[test]
fn hints_and_env_speak_the_running_shell_at_a_terminal() {
    for (shell, cmd, hint) in [
        ("bash", "bash --norc -i", "run `awsmfa use dev`"),
        (
            "fish",
            "fish --no-config --private -i",
            "run `awsmfa use dev`",
        ),
    ] {
        if !require_tools(&[shell]) {
            continue;
        }
        // A world (and tmux server) per shell: a new server on the socket
        // of one just killed may fail to start.
        let w = world();
        let Some(t) = Term::start(&w, cmd, &[]) else {
            return;
        };
        // What the shell prints is lower case: the typed line (echoed once
        // or twice) is not mistaken for it.
        t.line("awsmfa env dev; echo HINT-SHOWN | tr A-Z a-z");
        let screen = t.wait_for("hint-shown");
        assert!(screen.contains(hint), "{cmd}:\n{screen}");
        t.line("awsmfa env dev --shell fish; echo NAMED-SHOWN | tr A-Z a-z");
        let screen = t.wait_for("named-shown");
        assert!(
            screen.contains("run `awsmfa env dev --shell fish | source`"),
            "{cmd}:\n{screen}"
        );
        assert!(
            !screen.contains("ASIA"),
            "{cmd}: a secret was printed:\n{screen}"
        );
        if cmd.starts_with("fish") {
            t.line("awsmfa env dev | source; echo \"KEY=$AWS_ACCESS_KEY_ID\"");
            let screen = t.wait_for("KEY=A");
            assert!(!screen.contains("command not found"), "{screen}");
        }
    }
}

/// Not run from a shell: past wrappers such as `timeout` to the nearest
/// shell, else `$SHELL`, else POSIX.
#[test]
fn the_format_follows_the_nearest_shell_then_dollar_shell() {
    let w = World::offline();
    let bin = awsmfa_bin().display().to_string();
    let fishy = "if set -q AWS_ACCESS_KEY_ID; set -e -g AWS_ACCESS_KEY_ID; end";
    // From this test process (no shell), with and without $SHELL.
    let posix = ok(&w.run(&["env", "--unset"]));
    assert!(posix.starts_with("unset AWS_ACCESS_KEY_ID\n"), "{posix}");
    let by_shell = ok(&w
        .awsmfa(&["env", "--unset"])
        .env("SHELL", "/usr/bin/fish")
        .output()
        .unwrap());
    assert!(by_shell.starts_with(fishy), "{by_shell}");
    if !require_tools(&["fish", "timeout"]) {
        return;
    }
    // fish exports nothing of its own: only the process tree tells.
    let o = w
        .command("fish")
        .args([
            "--no-config",
            "-c",
            &format!("timeout 20 '{bin}' env --unset"),
        ])
        .output()
        .unwrap();
    assert!(ok(&o).starts_with(fishy), "{}", stdout(&o));
}

// --- 8: exec -----------------------------------------------------------------

#[test]
fn exec_runs_a_command_without_dashes_and_exits_as_shells_do() {
    let w = world();
    let o = w.run(&[
        "exec",
        "dev",
        "sh",
        "-c",
        "echo \"$AWSMFA_PROFILE $AWSMFA_EXEC\"; exit 3",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(stdout(&o), "dev dev\n");
    // `--` still works, and options before the command are awsmfa's.
    let o = w.run(&[
        "exec",
        "dev",
        "--region",
        "eu-west-2",
        "--",
        "sh",
        "-c",
        "echo $AWS_REGION",
    ]);
    assert_eq!(ok(&o), "eu-west-2\n");

    let err = fails(&w.run(&["exec", "dev", "no-such-command-awsmfa"]), 127);
    assert!(err.contains("`no-such-command-awsmfa` not found"), "{err}");
    let plain = w.path("not-executable");
    std::fs::write(&plain, "#!/bin/sh\necho hi\n").unwrap();
    crate::support::chmod(&plain, 0o644);
    let err = fails(&w.run(&["exec", "dev", plain.to_str().unwrap()]), 126);
    assert!(err.contains("cannot run"), "{err}");
    // The same codes with --server, where awsmfa stays the parent.
    fails(
        &w.run(&["exec", "--server", "dev", "no-such-command-awsmfa"]),
        127,
    );
}

/// `exec dev` alone: the user's $SHELL at a real terminal, with the
/// credentials; a second one inside it is refused before any code is
/// asked; exiting it ends exec.
#[test]
fn exec_without_a_command_starts_the_shell_once() {
    let w = world();
    if !require_tools(&["bash"]) {
        return;
    }
    let bash = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v bash"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bash = bash.trim().to_string();
    let Some(t) = Term::start(
        &w,
        "awsmfa exec dev; echo \"EXEC-ENDED=$?\"; sleep 120",
        &[("SHELL", &bash)],
    ) else {
        return;
    };
    // The system's bashrc sets its own prompt: wait for what the shell
    // prints instead (keys typed early wait in the terminal).
    t.line("echo \"GOT=$AWSMFA_EXEC/$AWSMFA_PROFILE/${AWS_ACCESS_KEY_ID:0:4}\"");
    t.wait_for("GOT=dev/dev/ASIA");
    let before = codes(&w);
    t.line("awsmfa exec prod; echo \"NESTED=$?\"");
    let screen = t.wait_for("NESTED=2");
    assert!(
        screen.contains(
            "this shell was started by `awsmfa exec dev` (AWSMFA_EXEC is set); exit it first"
        ),
        "{screen}"
    );
    assert_eq!(codes(&w), before, "a refused shell costs no MFA code");
    // One command inside is fine: it is not a second shell.
    t.line("awsmfa exec prod sh -c 'echo \"ONE=$AWSMFA_PROFILE\"'");
    t.wait_for("ONE=prod");
    t.line("exit 4");
    t.wait_for("EXEC-ENDED=4");
}

// --- 9: status and login ------------------------------------------------------

fn status_with(w: &World, env: &[(&str, &str)]) -> Output {
    w.awsmfa(&["status", "--offline"])
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn status_exits_10_when_the_credentials_expired_and_shows_aws_profile() {
    let w = World::offline();
    let three_days_ago = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400 + 600),
    )
    .to_string();
    let creds = [
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWSMFA_PROFILE", "dev"),
    ];
    let mut expired = creds.to_vec();
    expired.push(("AWS_CREDENTIAL_EXPIRATION", &three_days_ago));
    let o = status_with(&w, &expired);
    assert_eq!(o.status.code(), Some(10), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("credentials:  expired 3 days ago (at "),
        "{out}"
    );
    assert!(out.contains("renew:        `awsmfa use dev`"), "{out}");
    expired.push(("AWSMFA_EXEC", "dev"));
    let out = stdout(&status_with(&w, &expired));
    assert!(
        out.contains("renew:        exit this shell, then `awsmfa exec dev` again"),
        "{out}"
    );

    let at = std::time::SystemTime::now() + std::time::Duration::from_secs(1800);
    let later = humantime::format_rfc3339_seconds(at).to_string();
    let mut live = creds.to_vec();
    live.push(("AWS_CREDENTIAL_EXPIRATION", &later));
    assert!(ok(&status_with(&w, &live)).contains("credentials:  expire in "));
    // The clock of the user's time zone (POSIX TZ `EET-2`: UTC+2, no DST).
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 2 * 3600;
    let (hour, minute) = (secs % 86_400 / 3600, secs % 3600 / 60);
    live.push(("TZ", "EET-2"));
    let out = ok(&status_with(&w, &live));
    let clock = format!("(at {hour:02}:{minute:02})");
    let tomorrow = format!("(at tomorrow {hour:02}:{minute:02})");
    assert!(
        out.contains(&clock) || out.contains(&tomorrow),
        "{clock}: {out}"
    );

    let out = ok(&status_with(&w, &[("AWS_PROFILE", "team-dev")]));
    assert!(
        out.starts_with("profile:      team-dev (AWS_PROFILE; not exported by awsmfa"),
        "{out}"
    );
    let out = ok(&status_with(&w, &[]));
    assert!(
        out.starts_with("profile:      none (neither AWSMFA_PROFILE nor AWS_PROFILE is set)"),
        "{out}"
    );
}

/// The prompt hook holds the session it got, and the cache holds the same
/// one: status shows it once, with both places.
#[test]
fn status_shows_one_session_once() {
    let w = world();
    let proj = w.home().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(proj.join(".awsmfa.toml"), "profile = \"dev\"\n").unwrap();
    ok(&w.run(&["allow", proj.to_str().unwrap()]));
    let hook = w
        .awsmfa(&["hook", "bash"])
        .current_dir(&proj)
        .output()
        .unwrap();
    let out = ok(&hook);
    let state = out
        .lines()
        .find_map(|l| l.strip_prefix("__awsmfa_state='"))
        .and_then(|l| l.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no state: {out}"));
    let mut status = w
        .awsmfa(&["status", "--offline", "--shell-state"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    status
        .stdin
        .take()
        .unwrap()
        .write_all(state.as_bytes())
        .unwrap();
    let o = status.wait_with_output().unwrap();
    let text = ok(&o);
    let sessions: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("MFA session:"))
        .collect();
    assert_eq!(sessions.len(), 1, "{text}");
    assert!(
        sessions[0].ends_with("; this shell and encrypted cache"),
        "{text}"
    );
}

#[test]
fn login_says_how_long_the_session_lasts_and_keeps_it() {
    let w = world();
    ok(&w.run(&["login", "alice"]));
    assert_eq!(codes(&w), 1);
    // STS unreachable: keeping the session needs no call at all.
    let o = w
        .awsmfa(&["login", "dev"])
        .env("AWS_ENDPOINT_URL", crate::support::proxy::closed_port_url())
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("is still valid for 11h 5") || err.contains("is still valid for 11h 59m"),
        "{err}"
    );
    assert!(
        err.contains("keeping it (`awsmfa login dev --force` asks for a new code)"),
        "{err}"
    );
    assert_eq!(codes(&w), 1);
    // --force asks; --duration is the session's, so 36h is fine through a
    // role profile whose credentials could last 12h at most.
    let o = w.run(&["login", "dev", "--force", "--duration", "36h"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(codes(&w), 2);
    let help = ok(&w.run(&["login", "--help"]))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("Lifetime of the MFA session (not of any role's credentials)"),
        "{help}"
    );
}

// --- 12: help and messages ----------------------------------------------------

#[test]
fn help_says_what_each_option_does_where_it_does_it() {
    let w = World::offline();
    // Whitespace as one space: the help is wrapped to the terminal's width.
    let help = |args: &[&str]| {
        ok(&w.run(args))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for cmd in ["env", "exec", "process", "rotate"] {
        assert!(help(&[cmd, "--help"]).contains("--no-cache"), "{cmd}");
    }
    for cmd in [
        "status",
        "init",
        "allow",
        "deny",
        "logout",
        "setup",
        "completions",
        "login",
    ] {
        assert!(!help(&[cmd, "--help"]).contains("--no-cache"), "{cmd}");
    }
    assert!(!help(&["--help"]).contains("--no-cache"));
    let env = help(&["env", "--help"]);
    for value in [
        "bash: Like sh; bash reads it with `eval",
        "zsh: Like sh; zsh reads it with `eval",
        "fish: `set -gx NAME 'value'`; fish reads it with `awsmfa env … | source`",
    ] {
        assert!(env.contains(value), "{value}: {env}");
    }
    assert!(
        env.contains("default: $AWS_REGION, then $AWS_DEFAULT_REGION, then the profile's region"),
        "{env}"
    );
}

#[test]
fn a_typo_suggests_the_command_meant() {
    let w = World::offline();
    let err = stderr(&w.run(&["evn"]));
    assert!(err.contains("a similar subcommand exists: 'env'"), "{err}");
    assert!(!err.contains("deny"), "{err}");
    assert!(stderr(&w.run(&["stauts"])).contains("'status'"));
}

#[test]
fn durations_read_as_people_write_them() {
    let w = world();
    let err = fails(&w.run(&["env", "dev", "--duration", "1day16h"]), 3);
    assert!(
        err.contains("role credentials (AssumeRole) can last 15m to 12h (900 to 43200 seconds), and 40h was asked for"),
        "{err}"
    );
    for raw in ["1day16h", "invalid duration", "supported units"] {
        assert!(!err.contains(raw), "{raw}: {err}");
    }
    let o = w.run(&["env", "dev", "--duration", "1 fortnight"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("(\"fortnight\" is no unit of time)"), "{err}");
    assert!(!err.contains("supported units"), "{err}");
    assert_eq!(codes(&w), 0);
}

/// Codes as authenticator apps show them: `--token-code`, the prompt at a
/// real terminal and mfa_process output all take "123 457".
#[test]
fn a_code_with_a_space_is_accepted_everywhere() {
    let w = world();
    ok(&w.run(&["--no-cache", "env", "dev", "--token-code", "123 457"]));
    std::fs::write(w.path("mfa.fixed"), "654 321\n").unwrap();
    ok(&w.run(&["env", "dev", "--no-cache"]));
    // The prompt: no mfa_process, a terminal.
    let config = w.read("config_file");
    let config: String = config
        .lines()
        .filter(|l| !l.starts_with("mfa_process"))
        .map(|l| format!("{l}\n"))
        .collect();
    w.write_config(&config);
    let Some(t) = Term::start(
        &w,
        "awsmfa env prod --no-cache > out.env; echo \"EXIT=$?\"; sleep 120",
        &[],
    ) else {
        return;
    };
    t.wait_for("MFA code for ");
    t.keys(&["-l", "111 222"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(w.read("home/out.env").contains("AWS_ACCESS_KEY_ID="));
}

/// A code AWS rejects that mfa_process printed says so, and where to look.
#[test]
fn a_rejected_code_from_mfa_process_names_it() {
    let mut w = world();
    let proxy = Proxy::start(Some(&w.endpoint()), vec![], Action::MFA_REJECTED);
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
    let err = fails(&w.run(&["env", "dev", "--no-cache"]), 4);
    assert!(
        err.contains("MFA code from mfa_process `sh` was rejected by AWS"),
        "{err}"
    );
    assert!(
        err.contains("check that mfa_process gives the code"),
        "{err}"
    );
    let typed = fails(
        &w.run(&["env", "dev", "--no-cache", "--token-code", "123456"]),
        4,
    );
    assert!(typed.contains("MFA code was rejected by AWS"), "{typed}");
}
