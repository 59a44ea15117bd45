//! `awsmfa hook-timer SHELL SECS`, hidden: what the fish
//! prompt hook leaves behind (started by `shell::fish`). fish has no clock
//! builtin, and each builtin it runs at a prompt costs microseconds, so
//! this process does the waiting for it: it sends the shell SIGURG at the
//! refresh deadline, or as soon as the project file the credentials came
//! from changes, goes, or loses its trust (`deny`), and exits. The prompt
//! then only tests that the timer is alive. It also exits when the shell
//! is gone, and signals nothing but that fish: SIGURG because its default
//! action is to ignore it, so a fish without the hook's handler (`exec fish
//! --no-config`) is not killed by it, as it would be by SIGUSR1.

use crate::cli::HookTimerArgs;
use crate::error::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// How often it looks that the shell is still there: the longest it
/// outlives a shell that could not stop it (SIGKILL, a crash), and the
/// longest a suspended laptop's wake-up leaves a passed deadline unsaid.
const SLICE: Duration = Duration::from_secs(30);

pub fn run(args: HookTimerArgs) -> Result<ExitCode> {
    let shell = args.shell;
    // What the watch sends when the trust is broken. This end of it is
    // kept, so that with no file to watch the wait below is the clock's.
    let (changed, told) = std::sync::mpsc::channel();
    if let Some((file, allowance)) = watched() {
        let changed = changed.clone();
        std::thread::spawn(move || {
            watch(&file, &allowance);
            let _ = changed.send(());
        });
    }
    // On the wall clock, which goes on while a laptop sleeps: the monotonic
    // one stops, and a deadline on it would come an hour late.
    let deadline = SystemTime::now() + Duration::from_secs(args.secs);
    loop {
        let left = deadline
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        if left.is_zero() || told.recv_timeout(left.min(SLICE)).is_ok() {
            break;
        }
        if !is_fish(shell) {
            return Ok(ExitCode::SUCCESS);
        }
    }
    if let (true, Some(pid)) = (is_fish(shell), rustix::process::Pid::from_raw(shell)) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::URG);
    }
    Ok(ExitCode::SUCCESS)
}

/// The project file and its allowance, from the environment `shell::fish`
/// set, if the credentials came from one.
fn watched() -> Option<(PathBuf, PathBuf)> {
    let var = |name| std::env::var_os(name).map(PathBuf::from);
    var(crate::shell::fish::WATCH_FILE).zip(var(crate::shell::fish::WATCH_ALLOWANCE))
}

/// The shell is alive and, where /proc tells, still a fish (not whatever
/// an `exec` or a reused pid put there).
fn is_fish(shell: i32) -> bool {
    let Some(pid) = rustix::process::Pid::from_raw(shell) else {
        return false;
    };
    if rustix::process::test_kill_process(pid).is_err() {
        return false;
    }
    match std::fs::read(format!("/proc/{shell}/comm")) {
        Ok(comm) => comm.strip_suffix(b"\n").unwrap_or(&comm) == b"fish",
        Err(_) => !Path::new("/proc/self").exists(),
    }
}

/// Returns once the trust `trust::watch` recorded for `file` is broken:
/// at once where the system says what changed (inotify), else within a
/// second.
fn watch(file: &Path, allowance: &Path) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if notified(file, allowance).is_ok() {
        return;
    }
    // No inotify here, or none left (a user has 128 instances by default).
    while crate::trust::unchanged(file, allowance) {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Waits on inotify for any change in the directories of the file and of
/// the allowance (an editor may write a new file and rename it over the
/// old, which a watch of the file itself would not follow), and looks
/// after each.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn notified(file: &Path, allowance: &Path) -> std::io::Result<()> {
    use rustix::fs::inotify::{self, CreateFlags, Reader, WatchFlags};
    let fd = inotify::init(CreateFlags::CLOEXEC)?;
    let flags = WatchFlags::MODIFY
        | WatchFlags::ATTRIB
        | WatchFlags::CLOSE_WRITE
        | WatchFlags::CREATE
        | WatchFlags::DELETE
        | WatchFlags::MOVED_FROM
        | WatchFlags::MOVED_TO
        | WatchFlags::DELETE_SELF
        | WatchFlags::MOVE_SELF
        | WatchFlags::ONLYDIR;
    for dir in [file.parent(), allowance.parent()].into_iter().flatten() {
        inotify::add_watch(&fd, dir, flags)?;
    }
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
    let mut events = Reader::new(&fd, &mut buf);
    // Looked at once the watches are in place: a change made before them
    // (between `awsmfa hook`'s read and now) is seen too.
    while crate::trust::unchanged(file, allowance) {
        events.next()?;
    }
    Ok(())
}
