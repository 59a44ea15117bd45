//! fish: inside single quotes `\'` and `\\` are escapes (unlike POSIX), and
//! everything else, newlines included, is literal. The prompt hook is
//! `fish.fish`, run on `--on-variable PWD`, `--on-event fish_prompt` and
//! `fish_preexec`; fish has no `$SECONDS`, so its deadline is a timer
//! process that signals the shell (see `rearm`), with the clock the
//! hook's `__awsmfa_tick` reads with builtins as the prompt's fallback.

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
    fn deadline(&self, secs: Option<u64>) -> String {
        let timer = rearm(secs);
        match secs {
            Some(secs) => format!(
                "{timer}__awsmfa_tick\nset -gu __awsmfa_deadline (math $__awsmfa_now + {secs})\n"
            ),
            None => format!("{timer}set -gu __awsmfa_deadline ''\n"),
        }
    }
}

/// The timer's first argument, by which a timer is told from any other
/// process that may have been given its pid since.
const TIMER: &str = "awsmfa-timer";

/// The timer: sleeps until the deadline, then sends the shell SIGURG,
/// which fish.fish turns into `__awsmfa_due` (fish has no clock builtin,
/// so a check before each command is a variable test, not a clock read).
/// SIGURG because its default action is to ignore it: a fish without the
/// hook's handler (`exec fish --no-config`), or any process that was
/// given the pid since, is not killed by it, as it would be by SIGUSR1.
/// It sleeps in slices and exits when the shell is gone, so it never
/// outlives a shell by more than one slice even when the shell could not
/// kill it (SIGKILL, a crash), and signals only a fish (not whatever an
/// `exec` or pid reuse put under that pid).
const TIMER_SCRIPT: &str = r#"p=$1 n=$2
alive() {
  kill -0 "$p" 2>/dev/null || return 1
  [ -r "/proc/$p/comm" ] || return 0
  read -r c <"/proc/$p/comm" && [ "$c" = fish ]
}
while [ "$n" -gt 0 ]; do
  s=$n
  [ "$s" -gt 30 ] && s=30
  sleep "$s"
  n=$((n - s))
  alive || exit 0
done
kill -URG "$p""#;

/// Stops the shell's old timer (named by `__AWSMFA_TIMER`) and, when there
/// is a deadline, starts a new one for the shell `__AWSMFA_SHELL_PID`,
/// both set by fish.fish for this run of `awsmfa hook` only. Returns the
/// statement that records the new timer's pid (or that there is none).
fn rearm(secs: Option<u64>) -> String {
    let var = |name| std::env::var(name).ok().and_then(|v| v.parse::<i32>().ok());
    let Some(shell) = var("__AWSMFA_SHELL_PID") else {
        return String::new();
    };
    if let Some(old) = var("__AWSMFA_TIMER") {
        stop(old, shell);
    }
    match secs.and_then(|secs| start(shell, secs)) {
        Some(pid) => format!("set -gu __awsmfa_timer {pid}\n"),
        None => "set -gu __awsmfa_timer ''\n".to_string(),
    }
}

/// The timer's pid, or None if it could not start (then the prompt's clock
/// check is what refreshes).
fn start(shell: i32, secs: u64) -> Option<u32> {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let child = crate::child::scrub(&mut Command::new("/bin/sh"))
        .args([
            "-c",
            TIMER_SCRIPT,
            TIMER,
            &shell.to_string(),
            &secs.to_string(),
        ])
        // Its own process group: a Ctrl-C at the terminal does not reach
        // it, and stopping it stops its `sleep` too. No stdio: the hook's
        // stdout is read by a command substitution that waits for every
        // writer to close it.
        .process_group(0)
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
        args.len() >= 5 && args[3] == TIMER.as_bytes() && args[4] == shell.to_string().as_bytes();
    if let (true, Some(pid)) = (ours, Pid::from_raw(pid)) {
        let _ = kill_process_group(pid, Signal::TERM);
    }
}
