//! The prompt hook as a person lives with it every day, in the
//! real bash, zsh and fish through a terminal (tmux): what it says on
//! entering and leaving, the refresh before a command, no process on a
//! prompt or a command with nothing due (strace), `awsmfa reload` after a
//! Ctrl-C at the MFA prompt, `awsmfa use`, an upgrade that moves the
//! binary under open shells, and the vault passphrase asked on a `cd`.

use crate::hooks::{Projects, aws_vars, bin, calls, fake_awsmfa, step_at};
use crate::support::check::parse_env;
use crate::support::term::Term;
use crate::support::*;
use crate::vault::PASSPHRASE;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Sh {
    Bash,
    Zsh,
    Fish,
}

impl Sh {
    fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }
    const ALL: [Sh; 3] = [Sh::Bash, Sh::Zsh, Sh::Fish];
    /// The command that prints the shell's pid.
    fn pid(self) -> &'static str {
        match self {
            Sh::Fish => "echo $fish_pid",
            _ => "echo $$",
        }
    }
}

/// An interactive shell at a terminal ([`Term`]), reading `rc`.
struct Pane<'a> {
    w: &'a World,
    sh: Sh,
    term: Term<'a>,
    n: Cell<usize>,
}

impl<'a> Pane<'a> {
    /// `sh` reading `rc`, started through `wrap` (e.g. strace) if given;
    /// `None` when tmux or the shell is missing (see [`require`]).
    fn start(w: &'a World, sh: Sh, rc: &str, wrap: &str) -> Option<Pane<'a>> {
        if !require_tools(&[sh.name()]) {
            return None;
        }
        let rc_dir = w.path(&format!("rc-{}", sh.name()));
        std::fs::create_dir_all(&rc_dir).unwrap();
        let file = rc_dir.join(match sh {
            Sh::Bash => "bashrc",
            Sh::Zsh => ".zshrc",
            Sh::Fish => "config.fish",
        });
        std::fs::write(&file, rc).unwrap();
        let file = file.display();
        let cmd = match sh {
            Sh::Bash => format!("{wrap} bash --rcfile '{file}' -i"),
            Sh::Zsh => format!("{wrap} zsh -i"),
            Sh::Fish => format!("{wrap} fish --no-config --private -i -C \"source '{file}'\""),
        };
        // SHELL names the shell, as a login shell's would (tmux would set
        // its own default shell's).
        let shell = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .map(|d| d.join(sh.name()))
            .find(|f| f.exists())
            .unwrap();
        let cmd = format!("env SHELL='{}' {cmd}", shell.display());
        let zdotdir = rc_dir.display().to_string();
        let name = format!("tmux-{}", sh.name());
        let term = Term::start_named(w, &name, &cmd, &[("ZDOTDIR", &zdotdir)])?;
        Some(Pane {
            w,
            sh,
            term,
            n: Cell::new(0),
        })
    }

    fn keys(&self, keys: &[&str]) {
        self.term.keys(keys);
    }

    fn line(&self, text: &str) {
        self.term.line(text);
    }

    fn screen(&self) -> String {
        self.term.screen()
    }

    #[track_caller]
    fn wait_for(&self, what: &str, n: usize) {
        self.term.wait_for_count(what, n);
    }

    /// Run `cmd` as one command line; its stdout and stderr.
    fn step(&self, cmd: &str) -> String {
        self.n.set(self.n.get() + 1);
        let out = self
            .w
            .path(&format!("{}-step{}", self.sh.name(), self.n.get()));
        step_at(&self.term, self.sh == Sh::Fish, &out, cmd)
    }

    fn env(&self) -> BTreeMap<String, String> {
        parse_env(&self.step("env"))
    }

    /// `export NAME=VALUE` in this shell's syntax.
    fn export(&self, name: &str, value: &str) {
        self.line(&match self.sh {
            Sh::Fish => format!("set -gx {name} {value}"),
            _ => format!("export {name}={value}"),
        });
    }

    fn status(&self) -> &'static str {
        if self.sh == Sh::Fish { "$status" } else { "$?" }
    }
}

/// The README's prompt examples (the profile in the prompt, no process),
/// then the hook of the awsmfa at `exe`.
fn rc(sh: Sh, exe: &str) -> String {
    match sh {
        Sh::Bash => format!(
            "PS1='${{AWSMFA_PROFILE:+($AWSMFA_PROFILE) }}\\$ '\neval \"$('{exe}' init bash)\"\n"
        ),
        Sh::Zsh => format!(
            "setopt PROMPT_SUBST\nPS1='${{AWSMFA_PROFILE:+($AWSMFA_PROFILE) }}%# '\neval \"$('{exe}' init zsh)\"\n"
        ),
        Sh::Fish => format!(
            "set -g fish_greeting ''\nfunction fish_prompt\n    set -q AWSMFA_PROFILE; and printf '(%s) ' $AWSMFA_PROFILE\n    printf '> '\nend\n'{exe}' init fish | source\n"
        ),
    }
}

// ------------------------------------------------- 1, 2, 11: announce, preexec

/// Entering says which profile, account and expiry; a refresh says
/// nothing and happens before a command typed at a prompt drawn before the
/// deadline; leaving says so; AWSMFA_QUIET silences both lines. The prompt
/// shows the profile (the README's PS1 examples).
fn announce_and_refresh_before_the_command(sh: Sh) {
    // dev's 15-minute credentials enter this window 5 s after each fetch.
    let p = Projects::new(Some("14m55s"));
    let Some(t) = Pane::start(&p.w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    t.line("cd dev");
    // 15 minutes, shown in whole minutes: 15m, or 14m a second later.
    let entered = format!("awsmfa: exported dev (account {}, expires in 1", p.account);
    t.wait_for(&entered, 1);
    assert!(
        t.screen().contains(&format!("{entered}5m)"))
            || t.screen().contains(&format!("{entered}4m)")),
        "{}",
        t.screen()
    );
    // The prompt shows the profile.
    t.wait_for("(dev) ", 1);
    let key = t.env()["AWS_ACCESS_KEY_ID"].clone();
    // The deadline passes while the prompt waits: the next command line
    // itself must run with new credentials (zsh preexec, fish_preexec,
    // bash's DEBUG trap), not only the one after it.
    std::thread::sleep(Duration::from_secs(6));
    let env = t.env();
    assert_ne!(env["AWS_ACCESS_KEY_ID"], key, "{sh:?}: refreshed too late");
    assert_eq!(env["AWSMFA_PROFILE"], "dev");
    // Silent: still the one line, and no MFA code.
    assert_eq!(t.screen().matches("awsmfa: ").count(), 1, "{}", t.screen());
    assert_eq!(p.mfa_calls(), 1);

    t.line("cd ..");
    t.wait_for("awsmfa: removed the credentials of dev", 1);
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));

    // Quiet: the same changes, no lines.
    t.export("AWSMFA_QUIET", "1");
    t.line("cd dev");
    assert_eq!(t.env()["AWSMFA_PROFILE"], "dev");
    t.line("cd ..");
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));
    let screen = t.screen();
    assert_eq!(screen.matches("awsmfa: ").count(), 2, "{screen}");
    assert_eq!(p.mfa_calls(), 1);
}

#[test]
fn bash_announces_and_refreshes_before_the_command() {
    announce_and_refresh_before_the_command(Sh::Bash);
}

#[test]
fn zsh_announces_and_refreshes_before_the_command() {
    announce_and_refresh_before_the_command(Sh::Zsh);
}

#[test]
fn fish_announces_and_refreshes_before_the_command() {
    announce_and_refresh_before_the_command(Sh::Fish);
}

/// Whether there is a /proc to find fish's timers in.
fn proc_here() -> bool {
    std::path::Path::new("/proc/self/cmdline").exists()
}

/// The pids of the timers `awsmfa hook` left for the fish `shell`
/// (`awsmfa hook-timer SHELL SECS`), waiting up to 5 s for
/// the count to become `want` (a timer is stopped by a signal,
/// asynchronously).
fn timers(shell: &str, want: usize) -> Vec<String> {
    let find = || -> Vec<String> {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.flatten()
            .filter(|e| {
                let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
                let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
                args.len() >= 3 && args[1] == b"hook-timer" && args[2] == shell.as_bytes()
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let found = find();
        if found.len() == want || Instant::now() > end {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// fish's refresh before a command rests on a timer (fish has no clock
/// builtin): at the deadline it signals the shell, and the next command,
/// typed at a prompt drawn before the deadline, runs with new credentials.
/// One timer per shell at a time: a new deadline replaces it, leaving the
/// project stops it, and none outlives the shell. A timer killed from
/// outside cannot leave the credentials stale: a prompt drawn after the
/// deadline notices it by the clock.
#[test]
fn fish_refreshes_by_its_timer_and_leaves_none_behind() {
    if !require("/proc (to find the timer in)", proc_here()) {
        return;
    }
    let p = Projects::new(Some("14m55s"));
    let Some(t) = Pane::start(&p.w, Sh::Fish, &rc(Sh::Fish, &bin()), "") else {
        return;
    };
    let shell = t.step(Sh::Fish.pid()).trim().to_string();
    assert_eq!(timers(&shell, 0), Vec::<String>::new());
    t.line("cd dev");
    t.wait_for("(dev) ", 1);
    let first = timers(&shell, 1);
    assert_eq!(first.len(), 1, "{first:?}");
    // What other users see of it (argv) names no project; its environment
    // holds what it watches and no credentials of the shell's.
    let proc = |what| std::fs::read(format!("/proc/{}/{what}", first[0])).unwrap();
    let argv = String::from_utf8_lossy(&proc("cmdline")).replace('\0', " ");
    assert!(!argv.contains(".awsmfa.toml"), "{argv}");
    let environ = String::from_utf8_lossy(&proc("environ")).replace('\0', "\n");
    assert!(environ.contains("dev/.awsmfa.toml"), "{environ}");
    assert!(!environ.contains("AWS_"), "{environ}");
    let key = t.env()["AWS_ACCESS_KEY_ID"].clone();
    // No prompt is drawn while it waits: only the timer's signal can make
    // the next command refresh first.
    std::thread::sleep(Duration::from_secs(6));
    let env = t.env();
    assert_ne!(env["AWS_ACCESS_KEY_ID"], key, "refreshed too late");
    let second = timers(&shell, 1);
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(second, first, "the fired timer is replaced");
    // A new deadline replaces the timer: still one.
    t.step("awsmfa reload");
    let third = timers(&shell, 1);
    assert_eq!(third.len(), 1, "{third:?}");
    assert_ne!(third, second);
    // Killed from outside: the deadline passes with no signal; the next
    // prompt sees it by the clock, and the command typed there refreshes.
    let key = t.env()["AWS_ACCESS_KEY_ID"].clone();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", third[0])])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(timers(&shell, 0), Vec::<String>::new());
    std::thread::sleep(Duration::from_secs(6));
    t.line("");
    let env = t.env();
    assert_ne!(
        env["AWS_ACCESS_KEY_ID"], key,
        "not refreshed after the timer died"
    );
    assert_eq!(timers(&shell, 1).len(), 1);
    assert_eq!(p.mfa_calls(), 1);
    // Leaving the project stops it.
    t.line("cd ..");
    t.wait_for("awsmfa: removed the credentials of dev", 1);
    assert_eq!(timers(&shell, 0), Vec::<String>::new(), "left behind by cd");
    // So does the shell's exit.
    t.line("cd dev");
    assert_eq!(timers(&shell, 1).len(), 1);
    t.line("exit");
    let exited = Instant::now();
    let left = timers(&shell, 0);
    assert_eq!(left, Vec::<String>::new(), "outlived the shell");
    // At once (fish_exit), not when its 5 s were up and it found no shell.
    assert!(
        exited.elapsed() < Duration::from_secs(3),
        "{:?}",
        exited.elapsed()
    );
}

/// `announce = false` in config.toml (the user's own setting, in a separate
/// process: no override variable) turns the lines off; failures still
/// print one line, naming the retry.
#[test]
fn announce_false_in_config_and_the_failure_line() {
    let p = Projects::new(None);
    let dir = p.w.home().join("prod");
    let o =
        p.w.awsmfa(&["hook", "bash"])
            .current_dir(&dir)
            .output()
            .unwrap();
    let line = format!("awsmfa: exported prod (account {}, expires in ", p.account);
    assert!(
        [format!("{line}1h)\n"), format!("{line}59m)\n")].contains(&stderr(&o)),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        p.w.path("config/awsmfa/config.toml"),
        "cache = false\nannounce = false\n",
    )
    .unwrap();
    let o =
        p.w.awsmfa(&["hook", "bash"])
            .current_dir(&dir)
            .output()
            .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert!(stdout(&o).contains("AWS_ACCESS_KEY_ID"));
    // A failure: one line, with `awsmfa reload`, whatever the setting
    // (here STS accepts connections and never answers).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let o =
        p.w.awsmfa(&["hook", "bash"])
            .current_dir(p.w.home().join("dev"))
            .env("AWS_ENDPOINT_URL", &url)
            .env("AWSMFA_TIMEOUT", "2")
            .output()
            .unwrap();
    assert_eq!(o.status.code(), Some(6));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("awsmfa: error: could not reach STS at {url}"))
            && err.ends_with("; `awsmfa reload` tries again\n"),
        "{err}"
    );
    // A configuration error names its own fix instead.
    let d = p.project("other", "profile = \"dev\"\naccount = \"000000000000\"\n");
    ok(&p.w.run(&["allow", &d.to_string_lossy()]));
    let o =
        p.w.awsmfa(&["hook", "bash"])
            .current_dir(&d)
            .output()
            .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(!stderr(&o).contains("reload"), "{}", stderr(&o));
}

// ------------------------------------------------------ 2, 3: no process

/// The statements a fake awsmfa prints: a profile active, its deadline
/// `delta` seconds away on the shell's clock, and its project file (in
/// `w`, older than its allowance: unchanged) watched at each prompt.
fn active(sh: Sh, delta: i64, w: &World) -> String {
    let (file, allowance) = (w.path("project.toml"), w.path("allowance"));
    std::fs::write(&file, "profile = \"x\"\n").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&allowance, "").unwrap();
    let (file, allowance) = (file.display(), allowance.display());
    match sh {
        Sh::Fish => format!(
            "set -gx AWSMFA_PROFILE x\nset -gu __awsmfa_file '{file}'\nset -gu __awsmfa_allowance '{allowance}'\n__awsmfa_tick\nset -gu __awsmfa_deadline (math $__awsmfa_now + {delta})"
        ),
        _ => format!(
            "export AWSMFA_PROFILE=x\n__awsmfa_file='{file}'\n__awsmfa_allowance='{allowance}'\n__awsmfa_deadline=$((SECONDS + {delta}))"
        ),
    }
}

fn process_syscalls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| {
            ["execve(", "clone(", "clone3(", "fork(", "vfork("]
                .iter()
                .any(|c| l.contains(c))
        })
        // fish's own threads (highlighting, autosuggestions) are not processes.
        .filter(|l| !l.contains("CLONE_THREAD"))
        .map(str::to_string)
        .collect()
}

/// With a profile active and its deadline ahead, N prompts and N commands
/// (builtins) start no process at all: strace -f on the shell counts every
/// fork, clone and exec, and PATH holds nothing (fish finds no `date`).
/// With the deadline behind, the same lines run awsmfa before each command
/// (and, in bash and zsh, at each prompt too): the checks are live.
fn no_process_per_prompt_or_command(sh: Sh) {
    if !require_tools(&["strace"]) {
        return;
    }
    const N: usize = 25;
    let due = if sh == Sh::Fish { N } else { 2 * N };
    for (delta, want) in [(100_000, 0), (-1, due)] {
        let w = World::offline();
        let (fake, log) = fake_awsmfa(&w, &active(sh, delta, &w));
        let fake = fake.to_string_lossy().into_owned();
        let init = ok(&w.run(&["init", sh.name()])).replace(
            &awsmfa::shell::posix::quote(&bin()),
            &awsmfa::shell::posix::quote(&fake),
        );
        std::fs::write(w.path("init"), init).unwrap();
        let rc = match sh {
            Sh::Fish => format!(
                "set -g fish_greeting ''\nfunction fish_prompt; printf 'P> '; end\nsource '{}'\nset -gx PATH\n",
                w.path("init").display()
            ),
            Sh::Zsh => format!("PS1='P> '\n. '{}'\nPATH=\n", w.path("init").display()),
            Sh::Bash => format!("PS1='P> '\n. '{}'\nPATH=\n", w.path("init").display()),
        };
        let trace = w.path("strace.log");
        let wrap = format!(
            "strace -f -qq -e trace=execve,clone,clone3,fork,vfork -o '{}'",
            trace.display()
        );
        let Some(t) = Pane::start(&w, sh, &rc, &wrap) else {
            return;
        };
        t.wait_for("P> ", 1);
        // The first prompt ran the fake (a new directory): settled after it.
        let start = Instant::now();
        while calls(&log) < 1 {
            assert!(start.elapsed() < Duration::from_secs(30), "{}", t.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
        t.line("true");
        t.wait_for("P> ", 2);
        let (before, calls_before) = (process_syscalls(&trace).len(), calls(&log));
        for i in 0..N {
            t.line("true");
            t.wait_for("P> ", 3 + i);
        }
        let new: Vec<String> = process_syscalls(&trace).split_off(before);
        let ran = calls(&log) - calls_before;
        // Due: at least once before each command and once at each prompt
        // (bash's DEBUG trap also fires before PROMPT_COMMAND's entries).
        let live = if want == 0 { ran == 0 } else { ran >= want };
        assert!(
            live,
            "{sh:?} delta {delta}: {ran} awsmfa calls\n{}",
            t.screen()
        );
        if want == 0 {
            assert_eq!(new, Vec::<String>::new(), "{sh:?}: processes started");
        } else {
            // Each run of awsmfa is one fork and one exec at least.
            assert!(new.len() >= 2 * want, "{sh:?}: {new:?}");
        }
        assert!(!t.screen().contains("nknown command"), "{}", t.screen());
        assert!(!t.screen().contains("not found"), "{}", t.screen());
    }
}

#[test]
fn bash_no_process_per_prompt_or_command() {
    no_process_per_prompt_or_command(Sh::Bash);
}

#[test]
fn zsh_no_process_per_prompt_or_command() {
    no_process_per_prompt_or_command(Sh::Zsh);
}

#[test]
fn fish_no_process_per_prompt_or_command() {
    no_process_per_prompt_or_command(Sh::Fish);
}

/// bash keeps a DEBUG trap the user had before the hook, and the trap
/// keeps `$?` and `$_`.
#[test]
fn bash_keeps_the_users_debug_trap() {
    if !require_tools(&["bash"]) {
        return;
    }
    let w = World::offline();
    let (fake, _log) = fake_awsmfa(&w, "__awsmfa_deadline=");
    let mine = w.path("mine.log");
    let init = ok(&w.run(&["init", "bash"])).replace(
        &awsmfa::shell::posix::quote(&bin()),
        &awsmfa::shell::posix::quote(&fake.to_string_lossy()),
    );
    let rc = format!(
        "PS1='P> '\ntrap 'echo \"$BASH_COMMAND\" >> {}' DEBUG\n{init}\n{init}\n",
        mine.display()
    );
    let Some(t) = Pane::start(&w, Sh::Bash, &rc, "") else {
        return;
    };
    t.wait_for("P> ", 1);
    let out = t.step("echo a b c >/dev/null; false; echo \"rc=$?\"; trap -p DEBUG");
    assert!(out.starts_with("rc=1\n"), "{out}");
    assert_eq!(out.matches("__awsmfa_preexec").count(), 1, "{out}");
    let log = std::fs::read_to_string(&mine).unwrap();
    assert!(log.contains("echo a b c"), "{log}");
    // Alone, the trap leaves `$_` as it was (the user's own trap above
    // changes it, as it would without awsmfa).
    let o = w
        .command("bash")
        .args([
            "--norc",
            "-c",
            &format!("{init}\necho a b c >/dev/null; echo \"last=$_\""),
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "last=c\n", "{}", stderr(&o));
}

// ------------------------------------------------------------ 4: reload

/// No `mfa_process`: the code is asked for on the terminal.
fn codes_asked_at_the_terminal(w: &World) {
    let config = w
        .read("config_file")
        .lines()
        .filter(|l| !l.starts_with("mfa_process"))
        .collect::<Vec<_>>()
        .join("\n");
    w.write_config(&config);
}

/// Ctrl-C at the hook's MFA prompt: the prompt said why (profile and
/// directory), the message names `awsmfa reload`, Enter does not ask
/// again, `awsmfa reload` does.
fn reload_after_ctrl_c(sh: Sh) {
    let p = Projects::new(None);
    let w = &p.w;
    codes_asked_at_the_terminal(w);
    let Some(t) = Pane::start(w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    t.line("cd dev");
    let dir = std::fs::canonicalize(w.home().join("dev")).unwrap();
    t.wait_for(&format!("(profile dev for {}): ", dir.display()), 1);
    t.keys(&["1", "2", "C-c"]);
    t.wait_for(
        "MFA prompt interrupted; nothing was changed; `awsmfa reload` tries again",
        1,
    );
    t.line("");
    t.line("true");
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));
    assert_eq!(
        t.screen().matches("MFA code for").count(),
        1,
        "{}",
        t.screen()
    );
    t.line("awsmfa reload");
    t.wait_for("MFA code for", 2);
    t.line("123456");
    t.wait_for("awsmfa: exported dev", 1);
    assert_eq!(
        t.step(&format!("echo reload={}", t.status())),
        "reload=0\n",
        "{}",
        t.screen()
    );
    assert_eq!(t.env()["AWSMFA_PROFILE"], "dev");
}

#[test]
fn bash_reload_after_ctrl_c() {
    reload_after_ctrl_c(Sh::Bash);
}

#[test]
fn zsh_reload_after_ctrl_c() {
    reload_after_ctrl_c(Sh::Zsh);
}

#[test]
fn fish_reload_after_ctrl_c() {
    reload_after_ctrl_c(Sh::Fish);
}

// --------------------------------------------------------------- 5: use

/// `awsmfa use` applies credentials in the shell's own syntax and returns
/// awsmfa's status: `awsmfa use nope && …` runs nothing.
fn use_returns_the_status(sh: Sh) {
    let p = Projects::new(None);
    let Some(t) = Pane::start(&p.w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    let before = t.env();
    let out = t.step(&format!(
        "awsmfa use nope && echo RAN; echo rc={}",
        t.status()
    ));
    assert!(!out.contains("RAN"), "{out}");
    assert!(out.ends_with("rc=3\n"), "{out}");
    // (fish writes a command substitution's stderr to the terminal, past
    // the block's redirection.)
    let why = "profile `nope` not found";
    assert!(out.contains(why) || t.screen().contains(why), "{out}");
    assert_eq!(aws_vars(&t.env()), aws_vars(&before));
    let out = t.step(&format!(
        "awsmfa use dev && echo RAN; echo rc={}",
        t.status()
    ));
    assert!(out.ends_with("RAN\nrc=0\n"), "{out}");
    let env = t.env();
    assert_eq!(env["AWSMFA_PROFILE"], "dev");
    let arn = t.step("awsmfa status --offline");
    assert!(arn.contains("dev"), "{arn}");
    let out = t.step(&format!("awsmfa use --unset; echo rc={}", t.status()));
    assert!(out.ends_with("rc=0\n"), "{out}");
    // What it removed, in one line (fish: on the terminal, as above).
    let said = "awsmfa: removed the credentials of dev";
    assert!(out.contains(said) || t.screen().contains(said), "{out}");
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));
    // The binary itself (the function bypassed) says how to load it.
    let out = t.step(&format!("'{}' use dev; echo rc={}", bin(), t.status()));
    let load = match sh {
        Sh::Fish => "awsmfa init fish | source".to_string(),
        _ => format!("eval \"$(awsmfa init {})\"", sh.name()),
    };
    assert!(
        out.contains("only the shell function") && out.ends_with("rc=2\n"),
        "{out}"
    );
    assert!(out.contains(&load), "{sh:?}: {out}");
    assert_eq!(p.mfa_calls(), 1);
}

#[test]
fn bash_use_returns_the_status() {
    use_returns_the_status(Sh::Bash);
}

#[test]
fn zsh_use_returns_the_status() {
    use_returns_the_status(Sh::Zsh);
}

#[test]
fn fish_use_returns_the_status() {
    use_returns_the_status(Sh::Fish);
}

// ----------------------------------------------------------- 10: upgrade

/// An upgrade moves the binary (versioned install directories) while a
/// shell is open: the hook falls back to the awsmfa on PATH.
#[test]
fn an_upgrade_that_moves_the_binary_keeps_open_shells_working() {
    for sh in Sh::ALL {
        let p = Projects::new(None);
        let (v1, v2) = (p.w.path("v1"), p.w.path("v2"));
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::create_dir_all(&v2).unwrap();
        let old = v1.join("awsmfa");
        // A hard link where the file systems allow (the debug binary is large).
        if std::fs::hard_link(bin(), &old).is_err() {
            std::fs::copy(bin(), &old).unwrap();
        }
        let path_line = match sh {
            Sh::Fish => format!("set -gx PATH '{}' $PATH\n", v2.display()),
            _ => format!("PATH='{}':$PATH\n", v2.display()),
        };
        let rc = format!("{path_line}{}", rc(sh, &old.to_string_lossy()));
        let Some(t) = Pane::start(&p.w, sh, &rc, "") else {
            return;
        };
        t.line("cd prod");
        assert_eq!(t.env()["AWSMFA_PROFILE"], "prod", "{sh:?}");
        std::fs::rename(&old, v2.join("awsmfa")).unwrap();
        t.line("cd ../dev");
        assert_eq!(t.env()["AWSMFA_PROFILE"], "dev", "{sh:?}: {}", t.screen());
        t.line("cd ..");
        assert!(!t.env().contains_key("AWSMFA_PROFILE"), "{sh:?}");
        assert_eq!(
            t.step(&format!("awsmfa reload; echo rc={}", t.status())),
            "rc=0\n"
        );
        assert_eq!(p.mfa_calls(), 1, "{sh:?}");
    }
}

// ------------------------ issue 22.1: the credentials of where a command runs

/// The lines of `out` that are not awsmfa's own (its notes go to stderr,
/// which `step` captures too), nor the directory `cd -` and `pushd` print.
fn printed(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| !l.starts_with("awsmfa: ") && !l.starts_with('/') && !l.starts_with('~'))
        .collect()
}

/// A command on the same line as the `cd` that led to it runs with the
/// credentials of its directory: `cd x && cmd`, `cd x; cmd`, `cd -`,
/// pushd and popd, and a subshell `(cd x && cmd)` (fish has none: its
/// command substitution runs in the shell itself), whose credentials go
/// with it. The real aws CLI shows the account and role it ran as. One
/// MFA code for all of it.
fn a_command_after_cd_runs_with_that_directorys_credentials(sh: Sh) {
    let p = Projects::new(None);
    let Some(t) = Pane::start(&p.w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    let aws = format!(
        "'{}' -m awscli sts get-caller-identity --query Arn --output text",
        python().display()
    );
    let out = t.step(&format!("cd prod && {aws}"));
    let arn = format!("arn:aws:sts::{}:assumed-role/prod/", p.account);
    assert!(
        printed(&out).first().is_some_and(|l| l.starts_with(&arn)),
        "{sh:?}: `cd prod && aws sts get-caller-identity` ran as\n{out}"
    );
    let profile = "printenv AWSMFA_PROFILE";
    let cases = [
        (format!("cd ../dev; {profile}"), vec!["dev"]),
        (format!("cd - && {profile}"), vec!["prod"]),
        (format!("pushd ../dev && {profile}"), vec!["dev"]),
        (format!("popd; {profile}"), vec!["prod"]),
        (
            match sh {
                Sh::Fish => format!("echo (cd ../dev; {profile}); cd ../prod; {profile}"),
                _ => format!("(cd ../dev && {profile}); {profile}"),
            },
            vec!["dev", "prod"],
        ),
        (format!("cd ..; {profile}; echo end"), vec!["end"]),
    ];
    for (line, want) in cases {
        let out = t.step(&line);
        let got: Vec<&str> = printed(&out)
            .into_iter()
            // pushd and popd print the directory stack (`~/dev ~/prod`).
            .filter(|l| !l.contains('/') && !l.contains('~'))
            .collect();
        assert_eq!(got, want, "{sh:?}: `{line}` printed\n{out}");
    }
    assert_eq!(p.mfa_calls(), 1);
}

#[test]
fn bash_a_command_after_cd_runs_with_that_directorys_credentials() {
    a_command_after_cd_runs_with_that_directorys_credentials(Sh::Bash);
}

#[test]
fn zsh_a_command_after_cd_runs_with_that_directorys_credentials() {
    a_command_after_cd_runs_with_that_directorys_credentials(Sh::Zsh);
}

#[test]
fn fish_a_command_after_cd_runs_with_that_directorys_credentials() {
    a_command_after_cd_runs_with_that_directorys_credentials(Sh::Fish);
}

// ------------------------------ issue 22.2: a project file edited in place

/// Inside a project, its file edited in place is noticed at the next
/// prompt, with no cd: the credentials it gave go, and one line says so
/// and how to trust it again; `awsmfa allow` brings them back (no second
/// MFA code). The file removed: the same, once. `awsmfa deny` from
/// another process: the same. In fish the timer the hook leaves behind
/// watches the file and signals the shell at once (a person's next Enter
/// always comes later; the test waits for that signal, `noticed`).
fn an_edited_project_file_takes_its_credentials_away(sh: Sh) {
    let p = Projects::new(None);
    let Some(t) = Pane::start(&p.w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    let pid = t.step(sh.pid()).trim().to_string();
    let noticed = || assert_eq!(timers(&pid, 0), Vec::<String>::new(), "no signal");
    t.line("cd prod");
    t.wait_for("(prod) ", 1);
    let file = std::fs::canonicalize(p.w.home().join("prod/.awsmfa.toml")).unwrap();
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("# edited\n");
    std::fs::write(&file, &text).unwrap();
    noticed();
    t.line("");
    let line = format!(
        "awsmfa: {} is not trusted as it is now: removed the credentials of prod; run `awsmfa allow` to trust it",
        file.display()
    );
    t.wait_for(&line, 1);
    let env = t.env();
    assert!(!env.contains_key("AWSMFA_PROFILE"), "{sh:?}: {env:?}");
    assert!(!env.contains_key("AWS_ACCESS_KEY_ID"), "{sh:?}: {env:?}");
    // One line, not the hint as well.
    assert!(!t.screen().contains("is not allowed"), "{}", t.screen());
    t.line("awsmfa allow");
    t.wait_for("(prod) ", 2);
    assert_eq!(t.env()["AWSMFA_PROFILE"], "prod");
    // `deny` by another process (another terminal): noticed the same way.
    ok(&p.w.run(&["deny", &file.to_string_lossy()]));
    noticed();
    t.line("");
    t.wait_for(&line, 2);
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));
    ok(&p.w.run(&["allow", &file.to_string_lossy()]));
    t.step("awsmfa reload");
    t.wait_for("(prod) ", 3);
    std::fs::remove_file(&file).unwrap();
    noticed();
    t.line("");
    let gone = format!(
        "awsmfa: {} is gone: removed the credentials of prod",
        file.display()
    );
    t.wait_for(&gone, 1);
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));
    t.line("");
    t.line("");
    assert_eq!(t.screen().matches(&gone).count(), 1, "{}", t.screen());
    assert_eq!(p.mfa_calls(), 1);
}

#[test]
fn bash_an_edited_project_file_takes_its_credentials_away() {
    an_edited_project_file_takes_its_credentials_away(Sh::Bash);
}

#[test]
fn zsh_an_edited_project_file_takes_its_credentials_away() {
    an_edited_project_file_takes_its_credentials_away(Sh::Zsh);
}

#[test]
fn fish_an_edited_project_file_takes_its_credentials_away() {
    an_edited_project_file_takes_its_credentials_away(Sh::Fish);
}

/// fish's timer killed from outside (it can no longer signal): the prompt
/// itself then tests the project file, and an edit is noticed all the same.
#[test]
fn fish_without_its_timer_the_prompt_tests_the_file() {
    if !require("/proc (to find the timer in)", proc_here()) {
        return;
    }
    let p = Projects::new(None);
    let Some(t) = Pane::start(&p.w, Sh::Fish, &rc(Sh::Fish, &bin()), "") else {
        return;
    };
    let pid = t.step(Sh::Fish.pid()).trim().to_string();
    t.line("cd prod");
    t.wait_for("(prod) ", 1);
    let timer = timers(&pid, 1);
    assert_eq!(timer.len(), 1, "{timer:?}");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", timer[0])])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(timers(&pid, 0), Vec::<String>::new());
    let file = std::fs::canonicalize(p.w.home().join("prod/.awsmfa.toml")).unwrap();
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("# edited\n");
    std::fs::write(&file, &text).unwrap();
    t.line("");
    t.wait_for(
        &format!(
            "awsmfa: {} is not trusted as it is now: removed the credentials of prod",
            file.display()
        ),
        1,
    );
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));
}

// -------------------------------------- issue 22.4: logout in this shell

/// `awsmfa logout` through the shell function removes this shell's
/// credentials at once and says so, and the next prompt fetches none (no
/// MFA code) until a cd; another open shell keeps its own, as before.
/// `awsmfa cache clear PROFILE` of the shell's profile removes what
/// `awsmfa use` exported too; of another profile, nothing here.
fn logout_removes_this_shells_credentials(sh: Sh) {
    let p = Projects::new(None);
    let Some(t) = Pane::start(&p.w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    let other_sh = if sh == Sh::Bash { Sh::Zsh } else { Sh::Bash };
    let Some(other) = Pane::start(&p.w, other_sh, &rc(other_sh, &bin()), "") else {
        return;
    };
    t.line("cd dev");
    other.line("cd dev");
    t.wait_for("(dev) ", 1);
    other.wait_for("(dev) ", 1);
    let calls = p.mfa_calls();
    // (fish writes a command substitution's stderr to the terminal, past
    // the block's redirection.)
    let said = |out: &str, line: &str| {
        assert!(
            out.contains(line) || t.screen().contains(line),
            "{sh:?}: not said: {line}\n{out}\n{}",
            t.screen()
        )
    };
    let out = t.step("awsmfa logout");
    said(
        &out,
        "awsmfa: logged out: removed the credentials of dev from this shell",
    );
    let env = t.env();
    for name in ["AWSMFA_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"] {
        assert!(!env.contains_key(name), "{sh:?}: {name} left: {env:?}");
    }
    assert_eq!(other.env()["AWSMFA_PROFILE"], "dev", "the other shell");
    t.line("");
    t.line("");
    assert!(!t.env().contains_key("AWSMFA_PROFILE"));
    assert_eq!(p.mfa_calls(), calls, "no code asked for after logout");
    // `use`'s credentials, cleared by their profile's name.
    t.line("cd ..");
    t.step("awsmfa use prod");
    assert_eq!(t.env()["AWSMFA_PROFILE"], "prod");
    t.step("awsmfa cache clear dev");
    assert_eq!(t.env()["AWSMFA_PROFILE"], "prod", "another profile's clear");
    let out = t.step("awsmfa cache clear prod");
    said(
        &out,
        "awsmfa: cache cleared: removed the credentials of prod from this shell",
    );
    let env = t.env();
    for name in ["AWSMFA_PROFILE", "AWS_ACCESS_KEY_ID", "AWSMFA_SAVED"] {
        assert!(!env.contains_key(name), "{sh:?}: {name} left: {env:?}");
    }
}

#[test]
fn bash_logout_removes_this_shells_credentials() {
    logout_removes_this_shells_credentials(Sh::Bash);
}

#[test]
fn zsh_logout_removes_this_shells_credentials() {
    logout_removes_this_shells_credentials(Sh::Zsh);
}

#[test]
fn fish_logout_removes_this_shells_credentials() {
    logout_removes_this_shells_credentials(Sh::Fish);
}

// --------------------------- issue 22.8: `use --unset` after changes between

/// `use a`, then the user's own `AWS_PROFILE=x`, then `use b`, then
/// `use --unset`: `x` comes back, what the user set last.
fn use_unset_restores_what_the_user_set_last(sh: Sh) {
    let p = Projects::new(None);
    let Some(t) = Pane::start(&p.w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    t.export("AWS_PROFILE", "before");
    t.step("awsmfa use dev");
    assert!(!t.env().contains_key("AWS_PROFILE"));
    t.export("AWS_PROFILE", "mine");
    t.step("awsmfa use prod");
    assert_eq!(t.env()["AWSMFA_PROFILE"], "prod");
    t.step("awsmfa use --unset");
    let env = t.env();
    assert_eq!(
        env.get("AWS_PROFILE").map(String::as_str),
        Some("mine"),
        "{sh:?}"
    );
    assert!(!env.contains_key("AWSMFA_PROFILE"));
}

#[test]
fn bash_use_unset_restores_what_the_user_set_last() {
    use_unset_restores_what_the_user_set_last(Sh::Bash);
}

#[test]
fn zsh_use_unset_restores_what_the_user_set_last() {
    use_unset_restores_what_the_user_set_last(Sh::Zsh);
}

#[test]
fn fish_use_unset_restores_what_the_user_set_last() {
    use_unset_restores_what_the_user_set_last(Sh::Fish);
}

// ------------------- issue 21.2: the hook's state never reaches a child

/// Whatever exports variables in the user's shell (bash `set -a`, zsh
/// `ALL_EXPORT`, a state variable inherited exported from the parent's
/// environment, fish `set -gx`/`set -Ux` before the hook loads), a child's
/// environment holds none of the hook's variables and not the MFA
/// session's keys. An inherited state is not taken as this shell's.
fn the_hook_state_never_reaches_a_child(sh: Sh) {
    let p = Projects::new(None);
    // alice's MFA session, planted: taken as the shell's, it would assume
    // roles with no MFA code asked for.
    let config = p.w.read("config_file");
    let serial = config
        .lines()
        .find_map(|l| l.strip_prefix("mfa_serial = "))
        .unwrap();
    let planted = format!(
        r#"{{"v":1,"sessions":[{{"source_profile":"alice","serial":"{serial}","access_key_id":"ASIAPLANTED","secret_access_key":"PLANTED","session_token":"PLANTED","expires":4102444800}}]}}"#
    );
    // Exported before the hook loads (an env file, the parent's
    // environment), and the shell's habit of exporting what it assigns.
    let habit = match sh {
        Sh::Bash => format!("export __awsmfa_state='{planted}'\nset -a\n"),
        Sh::Zsh => format!("export __awsmfa_state='{planted}'\nsetopt ALL_EXPORT\n"),
        Sh::Fish => format!("set -Ux __awsmfa_state '{planted}'\n"),
    };
    let rc = format!("{habit}{}", rc(sh, &bin()));
    let Some(t) = Pane::start(&p.w, sh, &rc, "") else {
        return;
    };
    t.line("cd dev");
    t.wait_for("(dev) ", 1);
    let state = t.step("printf '%s' \"$__awsmfa_state\"");
    assert!(
        !state.contains("PLANTED"),
        "{sh:?} kept an inherited state: {state}"
    );
    assert_eq!(p.mfa_calls(), 1, "{sh:?}: the planted MFA session was used");
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    let session = &state["sessions"][0];
    let secret = session["secret_access_key"].as_str().unwrap();
    let token = session["session_token"].as_str().unwrap();
    // A child reads its own environment, and its parent's.
    for reader in ["env", "tr '\\0' '\\n' </proc/$PPID/environ"] {
        let seen = t.step(&format!("sh -c \"{reader}\"").replace("$PPID", "\\$PPID"));
        assert!(
            !seen.contains(secret)
                && !seen.contains(token)
                && !seen.lines().any(|l| l.starts_with("__awsmfa")),
            "{sh:?}: a child's `{reader}` shows the hook's state:\n{seen}"
        );
    }
}

#[test]
fn bash_the_hook_state_never_reaches_a_child() {
    the_hook_state_never_reaches_a_child(Sh::Bash);
}

#[test]
fn zsh_the_hook_state_never_reaches_a_child() {
    the_hook_state_never_reaches_a_child(Sh::Zsh);
}

#[test]
fn fish_the_hook_state_never_reaches_a_child() {
    the_hook_state_never_reaches_a_child(Sh::Fish);
}

// ------------------------------------ issue 25: use and exec say what they did

/// `awsmfa use` says what it exported (the hook's line: profile, account,
/// expiry), also when the role comes from the cache, and what `--unset`
/// removed; `awsmfa exec` with no command says which shell has which
/// credentials and how to leave it; AWSMFA_QUIET silences them. The cache
/// is on, as a user has it.
fn use_and_exec_say_what_they_did(sh: Sh) {
    let w = World::new();
    let s = w.standard_counting(&["dev"]);
    let account = s.roles["dev"].split(':').nth(4).unwrap().to_string();
    let Some(t) = Pane::start(&w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    let exported = format!("awsmfa: exported dev (account {account}, expires in ");
    t.line("awsmfa use dev");
    t.wait_for(&exported, 1);
    t.line("awsmfa use --unset");
    t.wait_for("awsmfa: removed the credentials of dev", 1);
    // From the cache now (no AssumeRole): the same line, the account too.
    t.line("awsmfa use dev");
    t.wait_for(&exported, 2);
    t.line("awsmfa exec dev");
    t.wait_for(
        &format!("with the credentials of dev (account {account}, expires in "),
        1,
    );
    t.wait_for("`exit` leaves it and drops them", 1);
    t.line("exit");
    t.export("AWSMFA_QUIET", "1");
    t.line("awsmfa use --unset");
    t.line("awsmfa use dev");
    assert_eq!(t.env()["AWSMFA_PROFILE"], "dev");
    let screen = t.screen();
    assert_eq!(
        screen.matches("awsmfa: exported dev").count(),
        2,
        "{screen}"
    );
    assert_eq!(screen.matches("awsmfa: removed").count(), 1, "{screen}");
    assert_eq!(codes_in(w.dir.path()), 1, "one MFA code for all of it");
}

#[test]
fn bash_use_and_exec_say_what_they_did() {
    use_and_exec_say_what_they_did(Sh::Bash);
}

#[test]
fn zsh_use_and_exec_say_what_they_did() {
    use_and_exec_say_what_they_did(Sh::Zsh);
}

#[test]
fn fish_use_and_exec_say_what_they_did() {
    use_and_exec_say_what_they_did(Sh::Fish);
}

// ------------------ issue 25.3: the hook's passphrase prompt says why it asks

/// alice's key in the encrypted file (the default where there is no
/// desktop key store), nothing cached: a `cd` into a project asks for the
/// vault passphrase naming the profile and the directory, as the MFA
/// prompt does; a typo is asked again the same way, naming the try; then
/// the MFA code, and the credentials are the shell's.
fn the_hooks_passphrase_prompt_names_the_profile_and_directory(sh: Sh) {
    let p = Projects::new(None);
    codes_asked_at_the_terminal(&p.w);
    let Some(t) = Pane::start(&p.w, sh, &rc(sh, &bin()), "") else {
        return;
    };
    // Imported as a person does it, at the terminal: no passphrase variable.
    t.line(&format!(
        "awsmfa keys import alice; echo imported={}",
        t.status()
    ));
    t.wait_for("awsmfa new vault passphrase: ", 1);
    t.line(PASSPHRASE);
    t.wait_for("awsmfa the same vault passphrase again: ", 1);
    t.line(PASSPHRASE);
    t.wait_for("imported=0", 1);
    assert!(
        !p.w.read("credentials_file")
            .contains("aws_secret_access_key"),
        "the key is still in the credentials file"
    );

    t.line("cd dev");
    let dir = std::fs::canonicalize(p.w.home().join("dev")).unwrap();
    let asked = format!("awsmfa vault passphrase (profile dev for {}", dir.display());
    t.wait_for(&format!("{asked}): "), 1);
    t.line("not-the-passphrase");
    t.wait_for("awsmfa: wrong vault passphrase", 1);
    t.wait_for(&format!("{asked}; try 2 of 3): "), 1);
    t.line(PASSPHRASE);
    // Then the MFA prompt, which says the same (the first try's
    // passphrase prompt ends so too, the second's does not).
    let why = format!("(profile dev for {}): ", dir.display());
    let screen = t.term.wait_for_count(&why, 2);
    assert!(screen.contains("MFA code for"), "{screen}");
    t.line("123456");
    t.wait_for(
        &format!("awsmfa: exported dev (account {}, expires in ", p.account),
        1,
    );
    let env = t.env();
    assert_eq!(env["AWSMFA_PROFILE"], "dev", "{sh:?}");
    assert!(
        env["AWS_ACCESS_KEY_ID"].starts_with("ASIA") && env.contains_key("AWS_SESSION_TOKEN"),
        "{sh:?}: {env:?}"
    );
    let screen = t.screen();
    assert!(
        !screen.contains(PASSPHRASE) && !screen.contains("not-the-passphrase"),
        "a passphrase was echoed:\n{screen}"
    );
    // Asked once more after the typo, not again for the MFA session.
    assert_eq!(
        screen.matches("awsmfa vault passphrase (").count(),
        2,
        "{screen}"
    );
}

#[test]
fn bash_the_hooks_passphrase_prompt_names_the_profile_and_directory() {
    the_hooks_passphrase_prompt_names_the_profile_and_directory(Sh::Bash);
}

#[test]
fn zsh_the_hooks_passphrase_prompt_names_the_profile_and_directory() {
    the_hooks_passphrase_prompt_names_the_profile_and_directory(Sh::Zsh);
}

#[test]
fn fish_the_hooks_passphrase_prompt_names_the_profile_and_directory() {
    the_hooks_passphrase_prompt_names_the_profile_and_directory(Sh::Fish);
}
