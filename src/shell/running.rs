//! Which shell awsmfa was started from: the default format of `awsmfa env`
//! and the syntax of every hint that shows a statement to run. fish exports
//! no variable of its own, so the process tree is asked first (on Linux,
//! `/proc`: the parent, or past wrappers such as `timeout` and `sudo` the
//! shell that ran them), then `$SHELL` (the login shell), else POSIX `sh`.
//! Any other parent (a script's interpreter, make, a test runner) stops the
//! look: the shell above it is not the one that reads the output.

use super::{Fish, Hook, posix};
use crate::cli::Format;

/// How many ancestors to look through for a shell: enough for
/// `eval "$(sudo timeout 5 awsmfa env x)"`, not a walk to init.
const ANCESTORS: usize = 4;

/// Programs that run awsmfa on a shell's behalf, output untouched.
const WRAPPERS: &[&str] = &[
    "timeout", "sudo", "doas", "env", "nice", "nohup", "time", "stdbuf", "ionice", "setsid",
    "chrt", "taskset",
];

/// The running shell's format.
pub fn running() -> Format {
    from_ancestors()
        .or_else(|| std::env::var("SHELL").ok().and_then(|s| by_name(&s)))
        .unwrap_or(Format::Sh)
}

/// The statement that runs `command` (an `awsmfa env …` line) and applies
/// what it prints, in `format`'s shell.
pub fn apply(format: Format, command: &str) -> String {
    match format {
        Format::Fish => Fish.apply(command),
        Format::Powershell => format!("{command} | Out-String | Invoke-Expression"),
        _ => posix::apply(command),
    }
}

/// The shell a program name (or path, or login shell's `-bash`) is.
fn by_name(name: &str) -> Option<Format> {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.trim_start_matches('-') {
        "bash" => Some(Format::Bash),
        "zsh" => Some(Format::Zsh),
        "fish" => Some(Format::Fish),
        "pwsh" | "powershell" => Some(Format::Powershell),
        "sh" | "dash" | "ash" | "ksh" | "mksh" | "yash" | "busybox" => Some(Format::Sh),
        _ => None,
    }
}

#[cfg(target_os = "linux")]
fn from_ancestors() -> Option<Format> {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..ANCESTORS {
        // `comm` first: the kernel makes `stat` with memory figures, which
        // costs more, and the parent's parent is wanted only past a wrapper.
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        let comm = comm.trim_end_matches('\n');
        if let Some(format) = by_name(comm) {
            return Some(format);
        }
        if !WRAPPERS.contains(&comm) {
            return None;
        }
        pid = parent(pid).filter(|&p| p > 1)?;
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn from_ancestors() -> Option<Format> {
    None
}

/// A process's parent, from `/proc/PID/stat` ("PID (comm) S PPID …"; the
/// name may itself hold spaces and parentheses, so it ends at the last `)`).
#[cfg(target_os = "linux")]
fn parent(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, tail) = text.rsplit_once(')')?;
    tail.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_by_name() {
        assert_eq!(by_name("/usr/bin/fish"), Some(Format::Fish));
        assert_eq!(by_name("-bash"), Some(Format::Bash));
        assert_eq!(by_name("zsh"), Some(Format::Zsh));
        assert_eq!(by_name("dash"), Some(Format::Sh));
        assert_eq!(by_name("timeout"), None);
    }

    #[test]
    fn hints_per_shell() {
        let c = "awsmfa env dev";
        assert_eq!(apply(Format::Bash, c), "eval \"$(awsmfa env dev)\"");
        assert_eq!(apply(Format::Fish, c), "awsmfa env dev | source");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn own_parent_reads() {
        let parent = parent(std::process::id()).unwrap();
        assert_eq!(parent, std::os::unix::process::parent_id());
    }
}
