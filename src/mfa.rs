//! Where the MFA code comes from: `--token-code`, else the profile's
//! `mfa_process`, else a person: a hidden prompt on the terminal, or a
//! desktop dialog ([`dialog`]) where nobody looks at a terminal.
//!
//! The prompt reads `/dev/tty`, not stdin, so it works inside
//! `eval "$(awsmfa env ...)"` where stdout is a pipe. Which way a person is
//! asked is `mfa_prompt` (config.toml) or `AWSMFA_MFA_PROMPT`; by default
//! the terminal when stdin or stderr is the terminal, else the desktop's
//! dialog, else a terminal this process merely holds; with none of them it
//! fails at once, naming `awsmfa login`, instead of waiting for input that
//! never comes. An `mfa_process` silent for [`SLOW_CUE`] gets the user told
//! to touch their key (on the terminal, else as a desktop notification).
//!
//! `mfa_process` is bounded: it runs in its own process group, may print at
//! most [`PROCESS_OUTPUT_MAX`] bytes and must exit within
//! `AWSMFA_MFA_PROCESS_TIMEOUT` (default [`PROCESS_TIMEOUT`]); otherwise
//! its whole group is killed and the error names it.

use crate::error::{Error, Result};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

mod ask;
pub mod dialog;

pub use ask::{
    PROMPT_TIMEOUT, PROMPT_TIMEOUT_VAR, PROMPT_VAR, SLOW_CUE, prefer_desktop, read_secret,
    terminal_in_sight,
};
use ask::{ask_code, slow_cue};

/// How many codes a person at a terminal may type before awsmfa gives up.
pub const PROMPT_TRIES: u32 = 3;

/// The variable that bounds how long an `mfa_process` may run.
pub const PROCESS_TIMEOUT_VAR: &str = "AWSMFA_MFA_PROCESS_TIMEOUT";

/// Long enough to find a YubiKey and touch it (ykman waits for the touch),
/// short enough that a stuck command does not hold the prompt for long.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// An MFA code is one line of six digits: anything this long is not one,
/// and reading on would let a runaway command (`yes`) fill the memory.
pub const PROCESS_OUTPUT_MAX: usize = 4096;

#[derive(Debug, Clone)]
pub enum Source {
    /// `--token-code CODE`, or `--token-code -` for one line of stdin.
    Given(String),
    /// A command (split with shell rules, run without a shell) whose stdout is
    /// the code: `ykman oath accounts code --single my-aws`; it must finish
    /// within `timeout`.
    Process {
        cmd: String,
        timeout: Duration,
    },
    Prompt,
}

impl Source {
    pub fn pick(flag: Option<&str>, mfa_process: Option<&str>) -> Result<Source> {
        Ok(match (flag, mfa_process) {
            (Some("-"), _) => {
                let mut line = String::new();
                std::io::stdin()
                    .take(64)
                    .read_to_string(&mut line)
                    .map_err(|e| Error::io("reading the MFA code from stdin", e))?;
                Source::Given(line)
            }
            (Some(code), _) => Source::Given(code.to_string()),
            (None, Some(cmd)) => Source::Process {
                cmd: cmd.to_string(),
                timeout: process_timeout()?,
            },
            (None, None) => Source::Prompt,
        })
    }

    /// Only a person can type a second code after the first is rejected.
    pub fn can_retry(&self) -> bool {
        matches!(self, Source::Prompt)
    }

    /// `err` as this source's: a code rejected by AWS names the
    /// `mfa_process` that printed it, since the user did not type it.
    pub fn own(&self, err: Error) -> Error {
        match (self, err) {
            (Source::Process { cmd, .. }, Error::MfaRejected { serial, skew, .. }) => {
                Error::MfaRejected {
                    serial,
                    skew,
                    process: Some(program_of(cmd).to_string()),
                }
            }
            (_, err) => err,
        }
    }

    /// One code, checked to be six digits. `attempt` counts from 1.
    pub fn code(&self, who: &Who, attempt: u32) -> Result<String> {
        match self {
            Source::Given(code) => validate(code),
            Source::Process { cmd, timeout } => run_process(cmd, *timeout),
            Source::Prompt => validate(&ask_code(who, attempt)?),
        }
    }
}

/// Whose code is wanted: named in the prompt, the dialog and the errors.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub serial: &'a str,
    /// The profile asked for.
    pub profile: &'a str,
    /// The profile holding `mfa_serial` (what `awsmfa login` takes).
    pub holder: &'a str,
}

/// `AWSMFA_MFA_PROCESS_TIMEOUT` (seconds, or e.g. `90s`, `2m`), else
/// [`PROCESS_TIMEOUT`].
fn process_timeout() -> Result<Duration> {
    duration_var(PROCESS_TIMEOUT_VAR, PROCESS_TIMEOUT)
}

/// The duration in variable `name` (at least a second), else `default`.
fn duration_var(name: &str, default: Duration) -> Result<Duration> {
    Ok(crate::duration::var(name)
        .map_err(Error::Usage)?
        .unwrap_or(default))
}

/// A TOTP code: exactly six ASCII digits, surrounding whitespace and the
/// spaces inside ignored (authenticator apps show `123 456`).
pub fn validate(raw: &str) -> Result<String> {
    let code: String = raw.trim().chars().filter(|&c| c != ' ').collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(Error::BadTokenFormat { got: what(&code) })
    }
}

/// What a code that is not one has instead, in words (never the code: it
/// may be most of a real one): "5 digits", "letters", "nothing".
fn what(code: &str) -> String {
    if code.is_empty() {
        "nothing".to_string()
    } else if code.chars().any(char::is_alphabetic) {
        "letters".to_string()
    } else if code.chars().all(|c| c.is_ascii_digit()) {
        format!("{} digits", code.len())
    } else {
        "characters other than digits".to_string()
    }
}

/// Run `mfa_process` and take its code: every failure names it, a code
/// that is not six digits included (the user did not type it).
fn run_process(cmd: &str, timeout: Duration) -> Result<String> {
    let fail = |why: String| Error::MfaProcess {
        program: program_of(cmd).to_string(),
        why,
    };
    let argv = shell_words::split(cmd).map_err(|e| fail(format!("cannot parse it: {e}")))?;
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| fail("it is empty".to_string()))?;
    let mut command = Command::new(program);
    crate::child::scrub(&mut command);
    // stderr stays the user's: tools like ykman say "touch your key" there.
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let slow = slow_cue(program_of(cmd));
    let out = supervise(command, timeout).map_err(|ended| match ended {
        Ended::Interrupted => Error::Interrupted,
        #[cfg(unix)]
        Ended::Signalled(signal) => fail(end_of(signal)),
        Ended::TooLong(t) => fail(too_long(t)),
        Ended::Failed(why) => fail(why),
    });
    drop(slow);
    let out = out?;
    let text = String::from_utf8(out).map_err(|_| fail("its output is not text".to_string()))?;
    validate(&text).map_err(|e| match e {
        Error::BadTokenFormat { got } => fail(format!(
            "it printed {got}, and an MFA code is 6 digits; nothing was sent to AWS"
        )),
        other => other,
    })
}

/// The program `mfa_process` names, for messages (never its arguments:
/// they may hold a secret's name or path).
fn program_of(cmd: &str) -> &str {
    cmd.split_whitespace().next().unwrap_or(cmd)
}

/// Why [`supervise`] gave no output.
enum Ended {
    /// Ctrl-C while it ran (it was killed).
    Interrupted,
    /// SIGTERM or SIGHUP (this number) while it ran (it was killed).
    #[cfg(unix)]
    Signalled(i32),
    /// Still running at the deadline (it was killed).
    TooLong(Duration),
    Failed(String),
}

fn too_long(timeout: Duration) -> String {
    format!(
        "it did not finish within {} s, so it was killed; set {PROCESS_TIMEOUT_VAR} (e.g. 120s) to give it longer",
        timeout.as_secs()
    )
}

fn too_much() -> Ended {
    Ended::Failed(format!(
        "it printed more than {PROCESS_OUTPUT_MAX} bytes (a code is one line of 6 digits), so it was killed"
    ))
}

/// Run `command` to its end, within `timeout` and [`PROCESS_OUTPUT_MAX`]
/// bytes of stdout, and return that stdout if it succeeded.
fn supervise(command: Command, timeout: Duration) -> Result<Vec<u8>, Ended> {
    let (status, out) = supervise_status(command, timeout)?;
    if !status.success() {
        return Err(Ended::Failed(format!("it exited with {status}")));
    }
    Ok(out)
}

/// [`supervise`], whatever the command's exit status: it and its stdout.
///
/// It runs in a process group of its own, so that everything it started
/// goes when it does: `(sleep 3600 &); echo 123456` leaves a process
/// holding the pipe open, and waiting for end-of-file would wait for it.
/// Instead, the output is read until the command itself exits; then what is
/// left of its group is killed. Whatever must outlive it (gpg-agent) starts
/// a session of its own, as daemons do. The terminal's Ctrl-C no longer
/// reaches a command in another group, so it is caught here and passed on.
#[cfg(unix)]
fn supervise_status(
    mut command: Command,
    timeout: Duration,
) -> Result<(std::process::ExitStatus, Vec<u8>), Ended> {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
    let interrupts = CatchInterrupt::new();
    let mut child = command
        .spawn()
        .map_err(|e| Ended::Failed(format!("cannot run it: {e}")))?;
    let pid = rustix::process::Pid::from_child(&child);
    let mut pipe = child.stdout.take().expect("stdout is piped");
    let outcome = watch(&mut pipe, pid, timeout, &interrupts);
    // Killed while the child is still unreaped (a zombie at worst): its pid,
    // and so the group's id, cannot have been reused by anyone else yet.
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    reaped(child, outcome)
}

/// Reap the child, then its output and exit status.
fn reaped(
    mut child: std::process::Child,
    outcome: std::result::Result<Vec<u8>, Ended>,
) -> std::result::Result<(std::process::ExitStatus, Vec<u8>), Ended> {
    let status = child
        .wait()
        .map_err(|e| Ended::Failed(format!("cannot wait for it: {e}")))?;
    Ok((status, outcome?))
}

/// Read `pipe` until the process `pid` exits (left unreaped), the time is
/// up, the output is too long, or Ctrl-C.
#[cfg(unix)]
fn watch(
    pipe: &mut std::process::ChildStdout,
    pid: rustix::process::Pid,
    timeout: Duration,
    interrupts: &CatchInterrupt,
) -> Result<Vec<u8>, Ended> {
    use rustix::process::{WaitId, WaitIdOptions, waitid};
    let unreadable = |e: std::io::Error| Ended::Failed(format!("cannot read its output: {e}"));
    // Never blocking on the pipe: a process it started may hold it open.
    rustix::io::ioctl_fionbio(&*pipe, true).map_err(|e| unreadable(e.into()))?;
    let changed = WaitIdOptions::EXITED
        | WaitIdOptions::STOPPED
        | WaitIdOptions::NOHANG
        | WaitIdOptions::NOWAIT;
    let deadline = std::time::Instant::now() + timeout;
    let mut out = Vec::new();
    loop {
        let done = match waitid(WaitId::Pid(pid), changed) {
            Ok(Some(state)) if state.stopped() => stopped(state.stopping_signal())?,
            Ok(Some(_)) => true,
            _ => false,
        };
        // Read after the exit check: all it wrote before exiting is there.
        drain(pipe, &mut out).map_err(unreadable)?;
        if out.len() > PROCESS_OUTPUT_MAX {
            return Err(too_much());
        }
        if done {
            return Ok(out);
        }
        if interrupts.caught() {
            return Err(Ended::Interrupted);
        }
        if let Some(signal) = interrupts.ending.caught() {
            return Err(Ended::Signalled(signal));
        }
        if std::time::Instant::now() >= deadline {
            return Err(Ended::TooLong(timeout));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A command stopped by the terminal, for trying to read it (or write with
/// `stty tostop`) from outside the foreground group, would wait for the
/// timeout: say so now. Stopped otherwise (SIGSTOP), it may be resumed.
#[cfg(unix)]
fn stopped(signal: Option<i32>) -> Result<bool, Ended> {
    use rustix::process::Signal;
    match signal {
        Some(s) if s == Signal::TTIN.as_raw() || s == Signal::TTOU.as_raw() => Err(Ended::Failed(
            "it tried to use the terminal, which an mfa_process cannot (it runs in the background, in a process group of its own); make it print the code without asking".to_string(),
        )),
        _ => Ok(false),
    }
}

/// Append what `pipe` holds now to `out`, up to one byte past the limit.
#[cfg(unix)]
fn drain(pipe: &mut impl Read, out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    while out.len() <= PROCESS_OUTPUT_MAX {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n.min(PROCESS_OUTPUT_MAX + 1 - out.len())]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Without process groups: the command alone is killed on overrun.
#[cfg(not(unix))]
fn supervise_status(
    mut command: Command,
    timeout: Duration,
) -> Result<(std::process::ExitStatus, Vec<u8>), Ended> {
    let mut child = command
        .spawn()
        .map_err(|e| Ended::Failed(format!("cannot run it: {e}")))?;
    let pipe = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let read = pipe
            .take(PROCESS_OUTPUT_MAX as u64 + 1)
            .read_to_end(&mut out);
        let _ = tx.send(read.map(|_| out));
    });
    let outcome = match rx.recv_timeout(timeout) {
        Ok(Ok(out)) if out.len() > PROCESS_OUTPUT_MAX => Err(too_much()),
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(Ended::Failed(format!("cannot read its output: {e}"))),
        Err(_) => Err(Ended::TooLong(timeout)),
    };
    if outcome.is_err() {
        let _ = child.kill();
    }
    reaped(child, outcome)
}

/// Why this process asks, when the person at the terminal did not ask
/// themselves (the prompt hook, on a `cd`): set once, shown in the prompt.
static PURPOSE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Say in the MFA prompt why a code is wanted (e.g. "profile prod for
/// ~/src/infra"). The first call wins.
pub fn set_purpose(why: String) {
    let _ = PURPOSE.set(why);
}

/// Why this process asks, when set (see [`set_purpose`]): the passphrase
/// prompt says it too.
pub fn purpose() -> Option<&'static str> {
    PURPOSE.get().map(String::as_str)
}

fn prompt(who: &Who, attempt: u32) -> Result<String> {
    let serial = who.serial;
    // Opening the terminal first tells "no terminal" apart from a failed read.
    if std::fs::File::open(tty_path()).is_err() {
        return Err(no_prompt(who));
    }
    let why = purpose();
    let text = match (why, attempt > 1) {
        (Some(why), true) => {
            format!("MFA code for {serial} ({why}; try {attempt} of {PROMPT_TRIES}): ")
        }
        (Some(why), false) => format!("MFA code for {serial} ({why}): "),
        (None, true) => format!("MFA code for {serial} (try {attempt} of {PROMPT_TRIES}): "),
        (None, false) => format!("MFA code for {serial}: "),
    };
    // rpassword reads in raw mode and answers Ctrl-C by raising SIGINT while
    // echo is still off; dying then would leave the terminal without echo.
    // So SIGINT is held off (not ignored: re-armed right after) while the
    // prompt runs, and rpassword returns Interrupted after restoring the
    // terminal. Nothing has been printed on stdout, so nothing is applied.
    // An Enter with nothing typed costs no try: the same question again.
    loop {
        let line = read_hidden(&text).map_err(|e| match e.kind() {
            std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof => {
                Error::Interrupted
            }
            _ => no_prompt(who),
        })?;
        if !line.trim().is_empty() {
            return Ok(line);
        }
    }
}

pub(crate) fn no_prompt(who: &Who) -> Error {
    Error::NoTerminal {
        serial: who.serial.to_string(),
        holder: who.holder.to_string(),
    }
}

/// Read a line on the terminal without echo, SIGINT held off meanwhile (see
/// [`prompt`]): for every secret typed at awsmfa (MFA code, cache passphrase).
pub fn read_hidden(prompt: &str) -> std::io::Result<String> {
    let _hold = HoldInterrupt::new();
    // The prompt names the MFA serial, from the config: cleaned (src/term.rs).
    rpassword::prompt_password(crate::term::clean(prompt).as_ref())
}

/// While alive, SIGINT does nothing; dropped, SIGINT terminates as usual.
struct HoldInterrupt;

#[cfg(unix)]
fn sigint_armed() -> &'static std::sync::Arc<std::sync::atomic::AtomicBool> {
    static ARMED: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
        std::sync::OnceLock::new();
    ARMED.get_or_init(|| {
        let armed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        // With the flag set, signal-hook performs the default action.
        let _ = signal_hook::flag::register_conditional_default(
            signal_hook::consts::SIGINT,
            armed.clone(),
        );
        armed
    })
}

impl HoldInterrupt {
    fn new() -> Self {
        #[cfg(unix)]
        sigint_armed().store(false, std::sync::atomic::Ordering::SeqCst);
        HoldInterrupt
    }
}

impl Drop for HoldInterrupt {
    fn drop(&mut self) {
        #[cfg(unix)]
        sigint_armed().store(
            !SURVIVE_INTERRUPTS.load(std::sync::atomic::Ordering::SeqCst),
            std::sync::atomic::Ordering::SeqCst,
        );
    }
}

/// While alive, Ctrl-C does not end awsmfa but is noted, so that an
/// `mfa_process` in its own process group (which the terminal's SIGINT does
/// not reach) is killed before awsmfa reports the interruption.
#[cfg(unix)]
struct CatchInterrupt {
    _hold: HoldInterrupt,
    seen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    id: Option<signal_hook::SigId>,
    /// SIGTERM and SIGHUP, caught the same way.
    ending: CatchEnding,
}

#[cfg(unix)]
impl CatchInterrupt {
    fn new() -> Self {
        let hold = HoldInterrupt::new();
        let seen = std::sync::Arc::default();
        let id =
            signal_hook::flag::register(signal_hook::consts::SIGINT, std::sync::Arc::clone(&seen))
                .ok();
        CatchInterrupt {
            _hold: hold,
            seen,
            id,
            ending: CatchEnding::new(),
        }
    }

    fn caught(&self) -> bool {
        self.seen.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(unix)]
impl Drop for CatchInterrupt {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// The signals that end awsmfa from outside: `kill`, a closed terminal.
#[cfg(unix)]
const ENDING: [i32; 2] = [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP];

/// Whether SIGTERM and SIGHUP do their default (end awsmfa), once they
/// have had to be caught: not while an `mfa_process` runs, and never under
/// `exec --server`, which forwards them to its command itself.
#[cfg(unix)]
static ENDING_ARMED: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
    std::sync::OnceLock::new();

#[cfg(unix)]
fn ending_armed() -> &'static std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::Ordering::SeqCst;
    ENDING_ARMED.get_or_init(|| {
        let armed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(
            !SURVIVE_INTERRUPTS.load(SeqCst),
        ));
        for signal in ENDING.into_iter().filter(|&s| !ignored(s)) {
            let _ = signal_hook::flag::register_conditional_default(signal, armed.clone());
        }
        armed
    })
}

/// Whether `signal` was ignored when awsmfa started (`nohup` ignores
/// SIGHUP): a handler would stop ignoring it, so it is left alone. From
/// the kernel's `SigIgn` mask, which needs no unsafe call.
#[cfg(unix)]
fn ignored(signal: i32) -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| signal > 0 && mask & (1 << (signal - 1)) != 0)
}

/// While alive, SIGTERM and SIGHUP do not end awsmfa but are noted, so
/// that the `mfa_process` group (which they do not reach: a `kill` names
/// awsmfa, a hang-up its foreground group) is killed first, as on Ctrl-C.
#[cfg(unix)]
struct CatchEnding {
    seen: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ids: Vec<signal_hook::SigId>,
}

#[cfg(unix)]
impl CatchEnding {
    fn new() -> Self {
        ending_armed().store(false, std::sync::atomic::Ordering::SeqCst);
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let ids = ENDING
            .into_iter()
            .filter(|&s| !ignored(s))
            .filter_map(|s| signal_hook::flag::register_usize(s, seen.clone(), s as usize).ok())
            .collect();
        CatchEnding { seen, ids }
    }

    /// The signal caught, if one was.
    fn caught(&self) -> Option<i32> {
        match self.seen.load(std::sync::atomic::Ordering::SeqCst) {
            0 => None,
            signal => i32::try_from(signal).ok(),
        }
    }
}

/// Dropped once the `mfa_process` group is killed and reaped (the end of
/// `supervise`): a signal caught meanwhile, even after the last look, now
/// ends awsmfa as it would have without the catch. Under `exec --server`,
/// which forwards it to its command and lets that decide, the refresh
/// fails instead (see [`end_of`]).
#[cfg(unix)]
impl Drop for CatchEnding {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering::SeqCst;
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
        let survive = SURVIVE_INTERRUPTS.load(SeqCst);
        ending_armed().store(!survive, SeqCst);
        if let (Some(signal), false) = (self.caught(), survive) {
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
    }
}

/// Why the `mfa_process` gave no code when `signal` came (only reached
/// under `exec --server`: elsewhere awsmfa has ended of it).
#[cfg(unix)]
fn end_of(signal: i32) -> String {
    format!("awsmfa was sent signal {signal} while it ran, so it was killed")
}

#[cfg(unix)]
static SURVIVE_INTERRUPTS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// From now on SIGINT never terminates this process, not even after a
/// prompt: for `exec --server`, which must keep serving its command for as
/// long as the command (which got the same Ctrl-C) decides to run.
#[cfg(unix)]
pub fn survive_interrupts() {
    SURVIVE_INTERRUPTS.store(true, std::sync::atomic::Ordering::SeqCst);
    sigint_armed().store(false, std::sync::atomic::Ordering::SeqCst);
    // Only once they were caught: until then their default stands.
    if let Some(armed) = ENDING_ARMED.get() {
        armed.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

fn tty_path() -> &'static str {
    if cfg!(windows) { "CONIN$" } else { "/dev/tty" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_only() {
        assert_eq!(validate(" 123456\n").unwrap(), "123456");
        assert_eq!(validate("123 456").unwrap(), "123456");
        for (bad, got) in [
            ("12345", "5 digits"),
            ("1234567", "7 digits"),
            ("12345a", "letters"),
            ("abcdef", "letters"),
            ("", "nothing"),
            ("١٢٣٤٥٦", "characters other than digits"),
            ("12-456", "characters other than digits"),
        ] {
            assert!(
                matches!(validate(bad), Err(Error::BadTokenFormat { got: g }) if g == got),
                "{bad:?}: {:?}",
                validate(bad)
            );
        }
    }

    #[test]
    fn mfa_process_output_is_the_code() {
        let process = |cmd: &str| Source::Process {
            cmd: cmd.into(),
            timeout: PROCESS_TIMEOUT,
        };
        let who = Who {
            serial: "arn",
            profile: "dev",
            holder: "alice",
        };
        let src = process("printf '%s\\n' 654321");
        assert_eq!(src.code(&who, 1).unwrap(), "654321");
        let failing = process("false");
        assert!(matches!(
            failing.code(&who, 1),
            Err(Error::MfaProcess { .. })
        ));
    }
}
