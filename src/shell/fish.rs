//! fish: inside single quotes `\'` and `\\` are escapes (unlike POSIX), and
//! everything else, newlines included, is literal. The prompt hook is
//! `fish.fish`, run on `--on-variable PWD`, `--on-event fish_prompt` and
//! `fish_preexec`; fish has no `$SECONDS`, and each builtin it runs at a
//! prompt costs microseconds, so its deadline and the watch of the project
//! file are a timer process that signals the shell (see `rearm`), with
//! the clock the hook's `__awsmfa_tick` reads with builtins, and a test of
//! the file, as the prompt's fallback when the timer is gone.

use super::{Hook, Shell, Statements};
use crate::error::Result;
use crate::vars::Changes;

pub struct Fish;

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

impl Statements for Fish {
    fn set(&self, name: &str, value: &str) -> String {
        format!("set -gx {name} {}", quote(value))
    }
    fn unset(&self, name: &str) -> Option<String> {
        // `set -e` of an unset variable fails (status 4); `if` keeps the
        // status of a sourced block clean.
        Some(format!("if set -q {name}; set -e -g {name}; end"))
    }
}

impl Shell for Fish {
    fn export(&self, changes: &Changes) -> Result<String> {
        super::render(self, changes)
    }
}

impl Hook for Fish {
    fn name(&self) -> &'static str {
        "fish"
    }
    fn script(&self) -> &'static str {
        include_str!("fish.fish")
    }
    fn quote(&self, word: &str) -> String {
        quote(word)
    }
    fn apply(&self, command: &str) -> String {
        format!("{command} | source")
    }
    fn keep(&self, name: &str, value: &str) -> String {
        format!("set -gu {name} {}\n", quote(value))
    }
    fn deadline(&self, secs: Option<u64>, watched: Option<(&str, &str)>) -> String {
        let timer = rearm(secs, watched);
        match secs {
            Some(secs) => format!(
                "{timer}__awsmfa_tick\nset -gu __awsmfa_deadline (math $__awsmfa_now + {secs})\n"
            ),
            None => format!("{timer}set -gu __awsmfa_deadline ''\n"),
        }
    }
}

/// The timer's subcommand (`awsmfa hook-timer SHELL SECS`,
/// see `cmd::hook_timer`), by which a timer is told from any other process
/// that may have been given its pid since.
const TIMER: &str = "hook-timer";

/// The environment that names the timer's project file and its allowance.
pub const WATCH_FILE: &str = "__AWSMFA_WATCH_FILE";
pub const WATCH_ALLOWANCE: &str = "__AWSMFA_WATCH_ALLOWANCE";

/// Stops the shell's old timer (named by `__AWSMFA_TIMER`) and, when there
/// is a deadline, starts a new one for the shell `__AWSMFA_SHELL_PID`,
/// both set by fish.fish for this run of `awsmfa hook` only. Returns the
/// statement that records the new timer's pid (or that there is none).
fn rearm(secs: Option<u64>, watched: Option<(&str, &str)>) -> String {
    let var = |name| std::env::var(name).ok().and_then(|v| v.parse::<i32>().ok());
    let Some(shell) = var("__AWSMFA_SHELL_PID") else {
        return String::new();
    };
    if let Some(old) = var("__AWSMFA_TIMER") {
        stop(old, shell);
    }
    match secs.and_then(|secs| start(shell, secs, watched)) {
        Some(pid) => format!("set -gu __awsmfa_timer {pid}\n"),
        None => "set -gu __awsmfa_timer ''\n".to_string(),
    }
}

/// The timer's pid, or None if it could not start (then the prompt's clock
/// and file checks are what refresh).
fn start(shell: i32, secs: u64, watched: Option<(&str, &str)>) -> Option<u32> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    // This very binary: where an upgrade removed its file, Linux still has
    // it behind /proc/self/exe.
    let exe = match std::path::Path::new("/proc/self/exe").exists() {
        true => std::path::PathBuf::from("/proc/self/exe"),
        false => std::env::current_exe().ok()?,
    };
    let mut timer = Command::new(exe);
    timer
        .arg0("awsmfa")
        .args([TIMER, &shell.to_string(), &secs.to_string()]);
    // It needs nothing of the shell's environment, which holds the
    // credentials; the file it watches is not in argv, where `ps` would
    // show every user the project's path.
    timer.env_clear();
    if let Some((file, allowance)) = watched {
        timer.env(WATCH_FILE, file).env(WATCH_ALLOWANCE, allowance);
    }
    let child = timer
        // Its own process group: a Ctrl-C at the terminal does not reach
        // it. No stdio: the hook's stdout is read by a command
        // substitution that waits for every writer to close it. Out of the
        // way of unmounts: the project's directory is not its own.
        .process_group(0)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // Not waited for: it outlives this process (init reaps it).
    Some(child.id())
}

/// Stops `pid`'s process group if `pid` is still this shell's timer: its
/// command line is the timer's, for this shell. Where there is no /proc to
/// tell, it is left to fire once, early, which costs one look.
fn stop(pid: i32, shell: i32) {
    use rustix::process::{Pid, Signal, kill_process_group};
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return;
    };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let ours =
        args.len() >= 3 && args[1] == TIMER.as_bytes() && args[2] == shell.to_string().as_bytes();
    if let (true, Some(pid)) = (ours, Pid::from_raw(pid)) {
        let _ = kill_process_group(pid, Signal::TERM);
    }
}
