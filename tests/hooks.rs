//! Shell integration (issue 3): `awsmfa init`, the prompt hooks in real
//! bash, zsh and fish, `.awsmfa.toml` trust, refresh, and `awsmfa status`.

use crate::support::check::parse_env;
use crate::support::term::Term;
use crate::support::*;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub(crate) fn bin() -> String {
    awsmfa_bin().to_string_lossy().into_owned()
}

fn run(c: &mut Command) -> Output {
    c.output().unwrap()
}

// ---------------------------------------------------------------- scripts

#[test]
fn scripts_pass_shellcheck_zsh_and_fish_parsers() {
    if !require_tools(&["shellcheck", "zsh", "fish", "bash"]) {
        return;
    }
    let w = World::offline();
    // The raw files, as shipped…
    let raw = |f: &str| repo(&format!("src/shell/{f}"));
    ok(&run(Command::new("shellcheck")
        .arg(raw("bash.bash"))
        .arg(raw("zsh.zsh"))));
    ok(&run(Command::new("zsh").arg("-n").arg(raw("zsh.zsh"))));
    ok(&run(Command::new("fish")
        .arg("--no-execute")
        .arg(raw("fish.fish"))));
    // …and as `awsmfa init` renders them.
    for (shell, ext) in [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish")] {
        let file = w.path(&format!("init.{ext}"));
        std::fs::write(&file, ok(&w.run(&["init", shell]))).unwrap();
        let check = match shell {
            "bash" => vec!["shellcheck", "-s", "bash"],
            "zsh" => vec!["zsh", "-n"],
            _ => vec!["fish", "--no-execute"],
        };
        ok(&run(Command::new(check[0]).args(&check[1..]).arg(&file)));
    }
    ok(&run(Command::new("shellcheck").arg(repo("bench/hook.sh"))));
}

#[test]
fn init_is_the_file_with_the_binary_path_quoted() {
    let w = World::offline();
    for (shell, quoted) in [
        ("bash", awsmfa::shell::posix::quote(&bin())),
        ("zsh", awsmfa::shell::posix::quote(&bin())),
        ("fish", awsmfa::shell::fish::quote(&bin())),
    ] {
        let raw = std::fs::read_to_string(repo(&format!("src/shell/{shell}.{shell}"))).unwrap();
        let out = ok(&w.run(&["init", shell]));
        assert_eq!(out, raw.replace("__AWSMFA_EXE__", &quoted), "{shell}");
        assert!(!out.contains("__AWSMFA_EXE__"));
    }
}

#[test]
fn bash_loads_under_strict_mode_and_keeps_prompt_command_forms() {
    if !require_tools(&["bash"]) {
        return;
    }
    let w = World::offline();
    let init = w.path("init.bash");
    std::fs::write(&init, ok(&w.run(&["init", "bash"]))).unwrap();
    let init = init.to_string_lossy().into_owned();
    // String form: appended once, on its own line, the user's entry kept.
    let o = run(w.command("bash").args([
        "--norc",
        "-e",
        "-u",
        "-o",
        "pipefail",
        "-c",
        r#"PROMPT_COMMAND='mine;'; . "$1"; . "$1"; declare -p PROMPT_COMMAND"#,
        "bash",
        &init,
    ]));
    assert_eq!(
        ok(&o),
        "declare -- PROMPT_COMMAND=$'mine;\\n__awsmfa_hook'\n",
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o), "");
    // Array form (bash 5.1+): one more element, once.
    let o = run(w.command("bash").args([
        "--norc",
        "-e",
        "-u",
        "-c",
        r#"PROMPT_COMMAND=(a b); . "$1"; . "$1"; declare -p PROMPT_COMMAND"#,
        "bash",
        &init,
    ]));
    assert_eq!(
        ok(&o),
        "declare -a PROMPT_COMMAND=([0]=\"a\" [1]=\"b\" [2]=\"__awsmfa_hook\")\n"
    );
    // Unset: just the hook.
    let o = run(w.command("bash").args([
        "--norc",
        "-e",
        "-u",
        "-c",
        r#"unset PROMPT_COMMAND; . "$1"; declare -p PROMPT_COMMAND"#,
        "bash",
        &init,
    ]));
    assert_eq!(ok(&o), "declare -- PROMPT_COMMAND=\"__awsmfa_hook\"\n");
}

/// A stand-in awsmfa that logs each call and prints `output` for the hook.
pub(crate) fn fake_awsmfa(w: &World, output: &str) -> (PathBuf, PathBuf) {
    let log = w.path("fake.log");
    let fake = w.path("fake-awsmfa");
    std::fs::write(
        &fake,
        format!(
            // Builtins only: the shell under test runs with PATH emptied.
            "#!/bin/sh\necho \"$*\" >> '{}'\nprintf '%s\\n' {}\n",
            log.display(),
            awsmfa::shell::posix::quote(output)
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (fake, log)
}

/// `lines` fed to an interactive shell whose hook runs `fake`, with PATH
/// emptied so that any external command would fail loudly.
fn drive_with_fake(w: &World, shell: &str, fake: &Path, lines: &str) -> Output {
    let rendered = ok(&w.run(&["init", shell])).replace(
        &awsmfa::shell::posix::quote(&bin()),
        &awsmfa::shell::posix::quote(&fake.to_string_lossy()),
    );
    let rc_dir = w.path(&format!("rc-{shell}"));
    std::fs::create_dir_all(&rc_dir).unwrap();
    let rc = rc_dir.join(if shell == "bash" { "bashrc" } else { ".zshrc" });
    std::fs::write(&rc, format!("{rendered}\nPATH=\n")).unwrap();
    let mut c = w.command(shell);
    match shell {
        "bash" => c.arg("--rcfile").arg(&rc).arg("-i"),
        _ => c.env("ZDOTDIR", &rc_dir).arg("-i"),
    };
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A Ctrl-C that lands while the hook applies awsmfa's output must not
/// leave half of it applied: the fake's output interrupts its own shell
/// between two assignments, and both must stand afterwards (without the
/// guard bash and zsh die of the signal and fish cancels the rest).
#[test]
fn ctrl_c_while_the_hook_applies_leaves_the_environment_whole() {
    for shell in ["bash", "zsh", "fish"] {
        if !require_tools(&[shell]) {
            continue;
        }
        let w = World::offline();
        let output = if shell == "fish" {
            "set -gx AWSMFA_T_A 1\nkill -INT $fish_pid\nset -gx AWSMFA_T_B 2"
        } else {
            "export AWSMFA_T_A=1\nkill -INT $$\nexport AWSMFA_T_B=2"
        };
        let (fake, log) = fake_awsmfa(&w, output);
        let quoted = awsmfa::shell::posix::quote(&bin());
        let init = ok(&w.run(&["init", shell]));
        assert!(
            init.contains(&quoted),
            "{shell}: init does not name {quoted}"
        );
        let rc = w.path(&format!("init.{shell}"));
        std::fs::write(
            &rc,
            init.replace(
                &quoted,
                &awsmfa::shell::posix::quote(&fake.to_string_lossy()),
            ),
        )
        .unwrap();
        let script = format!(
            "source {}; __awsmfa_apply; echo \"A=$AWSMFA_T_A B=$AWSMFA_T_B\"",
            awsmfa::shell::posix::quote(&rc.to_string_lossy())
        );
        let mut c = w.command(shell);
        match shell {
            "bash" => c.args(["--norc", "-c", &script]),
            "zsh" => c.args(["-f", "-c", &script]),
            _ => c.args(["--no-config", "-i", "-c", &script]),
        };
        let o = run(&mut c);
        assert_eq!(calls(&log), 1, "{shell}: the fake ran once");
        assert_eq!(stdout(&o).trim(), "A=1 B=2", "{shell}: {o:?}");
    }
}

pub(crate) fn calls(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

fn zero_execs_per_prompt(shell: &str) {
    if !require_tools(&[shell]) {
        return;
    }
    let w = World::offline();
    // Nothing to do: no deadline, as outside any project.
    let (fake, log) = fake_awsmfa(&w, "__awsmfa_deadline=");
    let same_dir = ":\n".repeat(200);
    let lines = format!("{same_dir}cd /\n{same_dir}cd ~\n{same_dir}");
    let o = drive_with_fake(&w, shell, &fake, &lines);
    assert!(
        !stderr(&o).contains("not found"),
        "an external command ran: {}",
        stderr(&o)
    );
    // The first prompt, then one per cd: none for the 600 other prompts.
    assert_eq!(calls(&log), 3, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("hook {shell}\n").repeat(3)
    );

    // A deadline in the past: awsmfa runs at every prompt and before every
    // command (the arithmetic checks are live, not just the directory
    // compare): the first prompt, then two per line.
    let w = World::offline();
    let (fake, log) = fake_awsmfa(&w, "__awsmfa_deadline=$((SECONDS - 1))");
    let o = drive_with_fake(&w, shell, &fake, &":\n".repeat(20));
    assert_eq!(calls(&log), 41, "{}", stderr(&o));
}

#[test]
fn bash_prompt_with_nothing_to_do_runs_no_process() {
    zero_execs_per_prompt("bash");
}

#[test]
fn zsh_prompt_with_nothing_to_do_runs_no_process() {
    zero_execs_per_prompt("zsh");
}

// ---------------------------------------------------------------- worlds

/// alice (MFA through an mfa_process that logs each call), roles dev and
/// prod, and three project directories under HOME: `dev` (15-minute
/// credentials) and `prod` (account-checked) allowed, `fresh` not. The
/// encrypted cache is off, so one MFA code for a whole session proves the
/// shell kept it.
pub(crate) struct Projects {
    pub(crate) w: World,
    pub(crate) account: String,
}

impl Projects {
    pub(crate) fn new(refresh_window: Option<&str>) -> Projects {
        let w = World::new();
        let s = w.standard(&["dev", "prod"]);
        let account = s.roles["prod"].split(':').nth(4).unwrap().to_string();
        let mfa = w.path("mfa.sh");
        std::fs::write(
            &mfa,
            format!(
                "#!/bin/sh\necho call >> '{}'\necho 123456\n",
                w.path("mfa.log").display()
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&mfa, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let config = w.read("config_file").replace(
            "[profile alice]\n",
            &format!("[profile alice]\nmfa_process = {}\n", mfa.display()),
        );
        w.write_config(&config);
        let p = Projects { w, account };
        p.project("dev", "profile = \"dev\"\nduration = \"15m\"\n");
        p.project(
            "prod",
            &format!("profile = \"prod\"\naccount = \"{}\"\n", p.account),
        );
        p.project("fresh", "profile = \"prod\"\n");
        ok(&p.w.run(&["allow", "dev"]));
        ok(&p.w.run(&["allow", "prod"]));
        // No encrypted cache: the MFA session can only live in the shell.
        let mut user_config = "cache = false\n".to_string();
        if let Some(window) = refresh_window {
            user_config.push_str(&format!("refresh_window = \"{window}\"\n"));
        }
        let dir = p.w.path("config/awsmfa");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), user_config).unwrap();
        p
    }

    pub(crate) fn project(&self, dir: &str, text: &str) -> PathBuf {
        let d = self.w.home().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(".awsmfa.toml"), text).unwrap();
        d
    }

    /// A file the script wrote to "$o", as environment variables.
    fn out_env(&self, name: &str) -> BTreeMap<String, String> {
        parse_env(&std::fs::read_to_string(self.w.path("out").join(name)).unwrap())
    }

    pub(crate) fn mfa_calls(&self) -> usize {
        calls(&self.w.path("mfa.log"))
    }

    fn init(&self, shell: &str) -> PathBuf {
        let file = self.w.path(&format!("init.{shell}"));
        std::fs::write(&file, ok(&self.w.run(&["init", shell]))).unwrap();
        file
    }

    /// A bash script run with the hook loaded; `hook` stands for one prompt.
    fn bash(&self, script: &str) -> Output {
        let init = self.init("bash");
        // Outputs go to "$o", wherever the script has cd'ed.
        let out = self.w.path("out");
        std::fs::create_dir_all(&out).unwrap();
        let script = format!(
            "o='{}'\nhook() {{ __awsmfa_hook; }}\n. '{}'\n{script}",
            out.display(),
            init.display()
        );
        // Strict, as a user's shell may be: the hook must not trip over it.
        run(self
            .w
            .command("bash")
            .args(["--norc", "-e", "-u", "-o", "pipefail", "-c", &script]))
    }
}

pub(crate) fn aws_vars(env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    env.iter()
        .filter(|(k, _)| k.starts_with("AWS"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

// ------------------------------------------------------- hook, via bash -c

#[test]
fn wrong_account_is_refused_and_nothing_exported() {
    let p = Projects::new(None);
    let d = p.project("other", "profile = \"dev\"\naccount = \"000000000000\"\n");
    ok(&p.w.run(&["allow", &d.to_string_lossy()]));
    let o = run(p.w.awsmfa(&["hook", "bash"]).current_dir(&d));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "refusing to export credentials of account {} for profile `dev`",
            p.account
        )) && err.contains("requires account 000000000000"),
        "{err}"
    );
    let out = stdout(&o);
    assert!(!out.contains("AWS_ACCESS_KEY_ID"), "{out}");
    assert!(out.ends_with("__awsmfa_deadline=\n"), "{out}");
}

#[test]
fn session_only_profile_is_account_checked_with_get_caller_identity() {
    let p = Projects::new(None);
    p.project(
        "me",
        &format!("profile = \"alice\"\naccount = \"{}\"\n", p.account),
    );
    ok(&p.w.run(&["allow", "me"]));
    let o = p.bash("cd me; hook; env");
    let env = parse_env(&ok(&o));
    assert_eq!(env["AWSMFA_PROFILE"], "alice", "{}", stderr(&o));
    assert!(env.contains_key("AWS_SESSION_TOKEN"));
    // The account of a session comes from the MFA device's ARN.
    assert_eq!(
        stderr(&o),
        format!(
            "awsmfa: exported alice (account {}, expires in 12h)\n",
            p.account
        )
    );
}

#[test]
fn bad_project_file_names_the_file_and_key() {
    let p = Projects::new(None);
    let d = p.project("typo", "profile = \"dev\"\nacount = \"1\"\n");
    ok(&p.w.run(&["allow", "dev"])); // unrelated; typo cannot even be allowed:
    let o = p.w.run(&["allow", &d.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(3));
    let file = std::fs::canonicalize(d.join(".awsmfa.toml")).unwrap();
    assert!(
        stderr(&o).starts_with(&format!(
            "awsmfa: error: {}, line 2: unknown field `acount`",
            file.display()
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn leaving_restores_and_deny_and_edit_revoke() {
    let p = Projects::new(None);
    let o = p.bash(
        r#"
        export AWS_PROFILE=mine AWS_REGION=eu-west-3
        hook; env > "$o/before"
        cd prod; hook; env > "$o/inside"
        awsmfa status > "$o/status"
        cd ..; hook; env > "$o/after"
        cd fresh; hook; env > "$o/untrusted"
        awsmfa allow; hook; env > "$o/allowed"
        awsmfa deny; hook; env > "$o/denied"
        awsmfa allow; hook
        echo '# edited' >> .awsmfa.toml; cd ..; hook; cd fresh; hook; env > "$o/edited"
        "#,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| p.out_env(f);
    let before = read("before");
    let inside = read("inside");
    assert_eq!(inside["AWSMFA_PROFILE"], "prod");
    assert!(!inside.contains_key("AWS_PROFILE"));
    assert_eq!(inside["AWS_REGION"], "eu-west-3");
    assert_eq!(aws_vars(&read("after")), aws_vars(&before));
    assert_eq!(aws_vars(&read("untrusted")), aws_vars(&before));
    assert_eq!(read("allowed")["AWSMFA_PROFILE"], "prod");
    assert_eq!(aws_vars(&read("denied")), aws_vars(&before));
    assert_eq!(aws_vars(&read("edited")), aws_vars(&before));
    // One MFA code for everything: the session lives in the shell.
    assert_eq!(p.mfa_calls(), 1);
    // The hint: once per entry into an untrusted directory.
    let err = stderr(&o);
    let fresh = std::fs::canonicalize(p.w.home().join("fresh/.awsmfa.toml")).unwrap();
    let hint = format!(
        "awsmfa: {} is not allowed; run `awsmfa allow` to trust it",
        fresh.display()
    );
    // `deny` while inside: one line that says what went, not the hint.
    assert_eq!(err.matches(&hint).count(), 2, "{err}");
    let denied = format!(
        "awsmfa: {} is not trusted as it is now: removed the credentials of prod; run `awsmfa allow` to trust it",
        fresh.display()
    );
    assert_eq!(err.matches(&denied).count(), 1, "{err}");

    let status = std::fs::read_to_string(p.w.path("out/status")).unwrap();
    let lines: Vec<&str> = status.lines().collect();
    let prod = std::fs::canonicalize(p.w.home().join("prod/.awsmfa.toml")).unwrap();
    assert_eq!(
        lines[0],
        format!("profile:      prod (from {})", prod.display())
    );
    assert!(
        lines[1].starts_with(&format!(
            "identity:     arn:aws:sts::{}:assumed-role/prod/",
            p.account
        )),
        "{status}"
    );
    // 1h credentials, 12h session (how far into the first second is luck).
    assert!(lines[2].starts_with("credentials:  expire in "), "{status}");
    assert!(
        lines[2].contains("59m") || lines[2].contains("1h "),
        "{status}"
    );
    assert!(
        lines[3].starts_with("MFA session:  alice (arn:aws:iam::")
            && lines[3].contains("): expires in 1"),
        "{status}"
    );
}

/// A project file touched (same content) or trusted again as it was: the
/// prompt looks once, keeps the credentials silently, and sets the
/// allowance's time so that the prompt's test (`-nt`, no process) no
/// longer holds: one look, not one per prompt.
#[test]
fn a_touched_project_file_is_looked_at_once() {
    let p = Projects::new(None);
    let o = p.bash(
        r#"
        cd prod; hook
        [[ $__awsmfa_file -nt $__awsmfa_allowance ]] && echo "newer at entry"
        sleep 0.05; touch .awsmfa.toml
        [[ $__awsmfa_file -nt $__awsmfa_allowance ]] && echo "newer after touch"
        key=$AWS_ACCESS_KEY_ID
        hook
        [[ $__awsmfa_file -nt $__awsmfa_allowance ]] && echo "newer after the look"
        [[ $AWS_ACCESS_KEY_ID == "$key" && $AWSMFA_PROFILE == prod ]] && echo kept
        "#,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "newer after touch\nkept\n", "{}", stderr(&o));
    // Entering said so; the look after the touch said nothing.
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert_eq!(p.mfa_calls(), 1);
}

#[test]
fn a_nested_shell_takes_over_the_credentials_without_a_code() {
    let p = Projects::new(None);
    let init = p.init("bash");
    let o = p.bash(&format!(
        r#"
        cd prod; hook; env > "$o/parent"
        o=$o bash --norc -c ". '{}'; __awsmfa_hook; env > \"\$o/child\"; cd ..; __awsmfa_hook; env > \"\$o/left\""
        "#,
        init.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| p.out_env(f);
    let (parent, child) = (read("parent"), read("child"));
    assert_eq!(child["AWS_ACCESS_KEY_ID"], parent["AWS_ACCESS_KEY_ID"]);
    assert_eq!(p.mfa_calls(), 1);
    let left = read("left");
    assert!(!left.contains_key("AWS_ACCESS_KEY_ID") && !left.contains_key("AWSMFA_PROFILE"));
}

#[test]
fn with_the_encrypted_cache_a_new_shell_needs_no_code() {
    let p = Projects::new(None);
    std::fs::write(p.w.path("config/awsmfa/config.toml"), "cache = true\n").unwrap();
    ok(&p.bash(r#"cd prod; hook; env > "$o/first""#));
    // Another shell, with neither this one's state nor its environment.
    let o =
        p.bash(r#"cd dev; hook; env > "$o/second"; printf '%s' "$__awsmfa_state" > "$o/state""#);
    assert!(
        stderr(&o).starts_with("awsmfa: exported dev (account ") && stderr(&o).lines().count() == 1,
        "{}",
        stderr(&o)
    );
    // The session came from the cache, and the shell keeps it too.
    let state = std::fs::read_to_string(p.w.path("out/state")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["sessions"][0]["source_profile"], "alice", "{state}");
    assert_eq!(p.out_env("first")["AWSMFA_PROFILE"], "prod");
    assert_eq!(p.out_env("second")["AWSMFA_PROFILE"], "dev");
    assert_eq!(p.mfa_calls(), 1);
}

#[test]
fn hook_refuses_to_print_to_a_terminal() {
    // stdout at a terminal: refused before anything else (as `env` does).
    let w = World::offline();
    let Some(t) = Shell::start(&w, Sh::Bash, "PS1='$ '\n") else {
        return;
    };
    t.line(&format!("'{}' hook bash; echo \"rc=$?\"", bin()));
    t.wait_for("rc=2");
    assert!(
        t.screen().contains("`awsmfa hook` is run by the prompt hook, not by hand; load the hook with `eval \"$(awsmfa init bash)\"`"),
        "{}",
        t.screen()
    );
}

#[test]
fn unreachable_sts_prints_one_line_within_the_timeout() {
    let p = Projects::new(None);
    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let o = run(p
        .w
        .awsmfa(&["hook", "bash"])
        .current_dir(p.w.home().join("prod"))
        .env("AWS_ENDPOINT_URL", &url)
        .env("AWSMFA_TIMEOUT", "2"));
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("could not reach STS at {url}")),
        "{err}"
    );
    assert_eq!(
        stdout(&o),
        "__awsmfa_state='{\"v\":1}'\n__awsmfa_file=''\n__awsmfa_allowance=''\n__awsmfa_deadline=\n"
    );
}

// ------------------------------------------- real interactive shells (tmux)

#[derive(Clone, Copy, PartialEq)]
enum Sh {
    Bash,
    Zsh,
    Fish,
}

/// An interactive shell at a terminal ([`Term`]). Each `step` types one
/// command line whose output goes to a file, and waits for that file.
struct Shell<'a> {
    t: Term<'a>,
    w: &'a World,
    sh: Sh,
    n: Cell<usize>,
}

impl<'a> std::ops::Deref for Shell<'a> {
    type Target = Term<'a>;
    fn deref(&self) -> &Term<'a> {
        &self.t
    }
}

impl<'a> Shell<'a> {
    /// `None` when tmux is missing ([`require`]).
    fn start(w: &'a World, sh: Sh, rc: &str) -> Option<Shell<'a>> {
        let rc_dir = w.path("rc");
        std::fs::create_dir_all(&rc_dir).unwrap();
        let name = match sh {
            Sh::Bash => "bashrc",
            Sh::Zsh => ".zshrc",
            Sh::Fish => "config.fish",
        };
        std::fs::write(rc_dir.join(name), rc).unwrap();
        let rc = rc_dir.join(name).to_string_lossy().into_owned();
        let cmd = match sh {
            Sh::Bash => format!("bash --rcfile '{rc}' -i"),
            Sh::Zsh => "zsh -i".to_string(),
            Sh::Fish => format!("fish --no-config --private -i -C \"source '{rc}'\""),
        };
        let zdotdir = rc_dir.to_string_lossy().into_owned();
        let t = Term::start(w, &cmd, &[("ZDOTDIR", &zdotdir)])?;
        Some(Shell {
            t,
            w,
            sh,
            n: Cell::new(0),
        })
    }

    /// Run `cmd` as one command line; its stdout and stderr.
    fn step(&self, cmd: &str) -> String {
        self.n.set(self.n.get() + 1);
        let out = self.w.path(&format!("step{}", self.n.get()));
        step_at(&self.t, self.sh == Sh::Fish, &out, cmd)
    }

    fn env(&self) -> BTreeMap<String, String> {
        parse_env(&self.step("env"))
    }

    fn arn(&self) -> String {
        self.step(&format!(
            "'{}' -m awscli sts get-caller-identity --query Arn --output text",
            python().display()
        ))
        .trim()
        .to_string()
    }
}

/// Type `cmd` at `t`'s shell as one command line with its stdout and
/// stderr going to `out`, wait for that file, and return what it holds.
pub(crate) fn step_at(t: &Term<'_>, fish: bool, out: &Path, cmd: &str) -> String {
    let tmp = format!("{}.tmp", out.display());
    let line = if fish {
        format!(
            "begin; {cmd}; end > '{tmp}' 2>&1; mv '{tmp}' '{}'",
            out.display()
        )
    } else {
        format!(
            "{{ {cmd}; }} > '{tmp}' 2>&1; mv '{tmp}' '{}'",
            out.display()
        )
    };
    t.line(&line);
    let end = Instant::now() + Duration::from_secs(90);
    while !out.exists() {
        assert!(
            Instant::now() < end,
            "`{cmd}` did not finish:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(out).unwrap()
}

fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let ft = entry.file_type().unwrap();
        if ft.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if ft.is_file()
            && std::fs::read(&path)
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            found.push(path);
        }
    }
    found
}

fn rc(sh: Sh, log: &Path) -> String {
    let (exe, log) = (bin(), log.display());
    match sh {
        // Another hook before and after ours, each logging the $? it sees.
        Sh::Bash => format!(
            r#"PS1='[$?] $ '
first_hook() {{ local s=$?; echo "first $s" >> '{log}'; return $s; }}
PROMPT_COMMAND=first_hook
eval "$('{exe}' init bash)"
eval "$('{exe}' init bash)"
PROMPT_COMMAND+=$'\n''echo "last $?" >> '\''{log}'\'
"#
        ),
        Sh::Zsh => format!(
            r#"PS1='[%?] %# '
first_hook() {{ local s=$?; echo "first $s" >> '{log}'; return $s; }}
last_hook() {{ echo "last $?" >> '{log}'; }}
precmd_functions=(first_hook)
eval "$('{exe}' init zsh)"
eval "$('{exe}' init zsh)"
precmd_functions+=(last_hook)
"#
        ),
        Sh::Fish => format!(
            r#"set -g fish_greeting ''
function fish_prompt; printf '[%s] > ' $status; end
function first_hook --on-event fish_prompt; echo "first $status" >> '{log}'; end
'{exe}' init fish | source
'{exe}' init fish | source
function last_hook --on-event fish_prompt; echo "last $status" >> '{log}'; end
"#
        ),
    }
}

/// Everything issue 3 asks of a shell, in one session.
fn interactive(sh: Sh) {
    let shell = match sh {
        Sh::Bash => "bash",
        Sh::Zsh => "zsh",
        Sh::Fish => "fish",
    };
    if !require_tools(&[shell]) {
        return;
    }
    // dev's 15-minute credentials enter this window 5 s after each fetch.
    let p = Projects::new(Some("14m55s"));
    let w = &p.w;
    let hooks_log = w.path("hooks.log");
    let Some(t) = Shell::start(w, sh, &rc(sh, &hooks_log)) else {
        return;
    };
    let status = if sh == Sh::Fish { "$status" } else { "$?" };

    // A profile of the user's own, to be restored later.
    t.line(if sh == Sh::Fish {
        "set -gx AWS_PROFILE mine"
    } else {
        "export AWS_PROFILE=mine"
    });
    let before = t.env();
    assert_eq!(before["AWS_PROFILE"], "mine");

    // Entering an allowed directory exports its role, and nothing else.
    t.line("cd dev");
    let inside = t.env();
    assert_eq!(inside["AWSMFA_PROFILE"], "dev");
    assert!(!inside.contains_key("AWS_PROFILE"), "{inside:?}");
    let arn = t.arn();
    assert!(
        arn.starts_with(&format!("arn:aws:sts::{}:assumed-role/dev/", p.account)),
        "{arn}"
    );
    assert_eq!(p.mfa_calls(), 1);
    // Children get the role credentials only: not the MFA session.
    let state = t.step("printf '%s' \"$__awsmfa_state\"");
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    let secret = state["sessions"][0]["secret_access_key"].as_str().unwrap();
    let env_text = t.step("env");
    assert!(!env_text.contains(secret) && !env_text.contains("__awsmfa"));
    let state_dump = w.path(&format!("step{}", t.n.get() - 1));

    // $? reaches the prompt and the hooks after ours.
    t.line("sh -c 'exit 7'");
    assert_eq!(t.step(&format!("echo rc={status}")), "rc=7\n");
    let log = std::fs::read_to_string(&hooks_log).unwrap();
    assert!(
        log.contains("last 7\n") && log.contains("first 7\n"),
        "{log}"
    );

    // Past the deadline, the next prompt refreshes silently (no MFA code).
    let key = t.env()["AWS_ACCESS_KEY_ID"].clone();
    std::thread::sleep(Duration::from_secs(6));
    t.line("true");
    let refreshed = t.env();
    assert_ne!(refreshed["AWS_ACCESS_KEY_ID"], key);
    assert_eq!(refreshed["AWSMFA_PROFILE"], "dev");
    assert_eq!(p.mfa_calls(), 1);

    // Another project: its role, same MFA session.
    t.line("cd ../prod");
    let arn = t.arn();
    assert!(arn.contains(":assumed-role/prod/"), "{arn}");

    // Leaving: exactly the environment from before, AWS_PROFILE included.
    t.line("cd ..");
    assert_eq!(aws_vars(&t.env()), aws_vars(&before));

    // An untrusted file: nothing exported, one hint however many prompts.
    let hint = "/fresh/.awsmfa.toml is not allowed; run `awsmfa allow` to trust it";
    t.line("cd fresh");
    t.line("true");
    t.line("true");
    // …nor on a cd within its project.
    t.line("mkdir -p sub && cd sub");
    t.line("cd ..");
    assert_eq!(aws_vars(&t.env()), aws_vars(&before));
    assert_eq!(t.screen().matches(hint).count(), 1, "{}", t.screen());

    // `awsmfa allow` applies at the next prompt.
    t.line("awsmfa allow");
    assert_eq!(t.env()["AWSMFA_PROFILE"], "prod");

    // Editing the file revokes it.
    t.line("echo '# edited' >> .awsmfa.toml");
    t.line("cd ..");
    t.line("cd fresh");
    assert_eq!(aws_vars(&t.env()), aws_vars(&before));
    assert_eq!(t.screen().matches(hint).count(), 2, "{}", t.screen());

    // Loaded twice, installed once, beside the other hooks.
    let installed = match sh {
        Sh::Bash => t.step("declare -p PROMPT_COMMAND"),
        Sh::Zsh => t.step("print -rl -- $precmd_functions -- $chpwd_functions"),
        Sh::Fish => t.step("functions --handlers"),
    };
    // …and not on disk: no file holds the session's secret (but the one this
    // test wrote it to).
    assert_eq!(files_containing(w.dir.path(), secret), vec![state_dump]);
    match sh {
        Sh::Bash => assert_eq!(
            installed,
            format!(
                "declare -- PROMPT_COMMAND=$'first_hook\\n__awsmfa_hook\\necho \"last $?\" >> \\'{}\\''\n",
                hooks_log.display()
            )
        ),
        Sh::Zsh => assert_eq!(
            installed,
            "first_hook\n__awsmfa_precmd\nlast_hook\n--\n__awsmfa_chpwd\n"
        ),
        Sh::Fish => {
            assert_eq!(
                installed.matches("__awsmfa_on_prompt").count(),
                1,
                "{installed}"
            );
            assert_eq!(
                installed.matches("__awsmfa_on_pwd").count(),
                1,
                "{installed}"
            );
            assert!(installed.contains("first_hook") && installed.contains("last_hook"));
        }
    }
    assert_eq!(p.mfa_calls(), 1);
}

#[test]
fn bash_interactive() {
    interactive(Sh::Bash);
}

#[test]
fn zsh_interactive() {
    interactive(Sh::Zsh);
}

#[test]
fn fish_interactive() {
    interactive(Sh::Fish);
}

#[test]
fn ctrl_c_at_the_mfa_prompt_changes_nothing() {
    if !require_tools(&["bash"]) {
        return;
    }
    let p = Projects::new(None);
    let w = &p.w;
    // No mfa_process: the code is asked for on the terminal.
    let config = w
        .read("config_file")
        .lines()
        .filter(|l| !l.starts_with("mfa_process"))
        .collect::<Vec<_>>()
        .join("\n");
    w.write_config(&config);
    let Some(t) = Shell::start(w, Sh::Bash, &rc(Sh::Bash, &w.path("hooks.log"))) else {
        return;
    };
    let before = t.env();
    t.line("cd dev");
    t.wait_for("MFA code for arn:aws:iam::");
    t.keys(&["1", "2", "C-c"]);
    t.wait_for("interrupted; nothing was changed");
    assert_eq!(aws_vars(&t.env()), aws_vars(&before));
    // The terminal echoes again (the prompt turned echo off).
    let stty = t.step("stty -a");
    assert!(
        stty.split_whitespace().any(|f| f == "echo"),
        "echo is off: {stty}"
    );
    // The next cd asks again; a code gets the role.
    t.line("cd ..");
    t.line("cd dev");
    t.wait_for_count("MFA code for arn:aws:iam::", 2);
    t.line("123456");
    assert_eq!(t.env()["AWSMFA_PROFILE"], "dev");
}

/// `__AWSMFA_REVOKED` is what the `awsmfa` function sets for the one hook
/// run after a logout; one inherited from a parent process (exported by
/// mistake, or on purpose) must not make every look in this shell a
/// logout that exports nothing.
#[test]
fn a_logout_inherited_from_a_parent_is_not_this_shells() {
    let p = Projects::new(None);
    let init = p.init("bash");
    let o = p.bash(&format!(
        "export __AWSMFA_REVOKED='logout  '\n. '{}'\ncd prod; hook; env > \"$o/inside\"",
        init.display()
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(p.out_env("inside")["AWSMFA_PROFILE"], "prod");
}
