//! Where the MFA code comes from: `--token-code`, else the profile's
//! `mfa_process`, else a hidden prompt on the terminal.
//!
//! The prompt reads `/dev/tty`, not stdin, so it works inside
//! `eval "$(awsmfa env ...)"` where stdout is a pipe; with no terminal at all
//! it fails at once instead of waiting for input that never comes.

use crate::error::{Error, Result};
use std::io::Read;
use std::process::{Command, Stdio};

/// How many codes a person at a terminal may type before awsmfa gives up.
pub const PROMPT_TRIES: u32 = 3;

#[derive(Debug, Clone)]
pub enum Source {
    /// `--token-code CODE`, or `--token-code -` for one line of stdin.
    Given(String),
    /// A command (split with shell rules, run without a shell) whose stdout is
    /// the code: `ykman oath accounts code --single my-aws`.
    Process(String),
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
            (None, Some(cmd)) => Source::Process(cmd.to_string()),
            (None, None) => Source::Prompt,
        })
    }

    /// Only a person can type a second code after the first is rejected.
    pub fn can_retry(&self) -> bool {
        matches!(self, Source::Prompt)
    }

    /// One code, checked to be six digits. `attempt` counts from 1.
    pub fn code(&self, serial: &str, attempt: u32) -> Result<String> {
        let raw = match self {
            Source::Given(code) => code.clone(),
            Source::Process(cmd) => run_process(cmd)?,
            Source::Prompt => prompt(serial, attempt)?,
        };
        validate(&raw)
    }
}

/// A TOTP code: exactly six ASCII digits, surrounding whitespace ignored.
pub fn validate(raw: &str) -> Result<String> {
    let code = raw.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_string())
    } else {
        Err(Error::BadTokenFormat {
            len: code.chars().count(),
        })
    }
}

fn run_process(cmd: &str) -> Result<String> {
    let fail = |why: String| Error::MfaProcess {
        program: cmd.split_whitespace().next().unwrap_or(cmd).to_string(),
        why,
    };
    let argv = shell_words::split(cmd).map_err(|e| fail(format!("cannot parse it: {e}")))?;
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| fail("it is empty".to_string()))?;
    // stderr stays the user's: tools like ykman say "touch your key" there.
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| fail(format!("cannot run it: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("it exited with {}", out.status)));
    }
    String::from_utf8(out.stdout).map_err(|_| fail("its output is not text".to_string()))
}

fn prompt(serial: &str, attempt: u32) -> Result<String> {
    // Opening the terminal first tells "no terminal" apart from a failed read.
    if std::fs::File::open(tty_path()).is_err() {
        return Err(Error::NoTerminal {
            serial: serial.to_string(),
        });
    }
    let text = if attempt > 1 {
        format!("MFA code for {serial} (try {attempt} of {PROMPT_TRIES}): ")
    } else {
        format!("MFA code for {serial}: ")
    };
    // rpassword reads in raw mode and answers Ctrl-C by raising SIGINT while
    // echo is still off; dying then would leave the terminal without echo.
    // So SIGINT is held off (not ignored: re-armed right after) while the
    // prompt runs, and rpassword returns Interrupted after restoring the
    // terminal. Nothing has been printed on stdout, so nothing is applied.
    read_hidden(&text).map_err(|e| match e.kind() {
        std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof => Error::Interrupted,
        _ => Error::NoTerminal {
            serial: serial.to_string(),
        },
    })
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
}

fn tty_path() -> &'static str {
    if cfg!(windows) {
        "CONIN$"
    } else {
        "/dev/tty"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_only() {
        assert_eq!(validate(" 123456\n").unwrap(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "١٢٣٤٥٦", "12 456"] {
            assert!(
                matches!(validate(bad), Err(Error::BadTokenFormat { .. })),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn mfa_process_output_is_the_code() {
        let src = Source::Process("printf '%s\\n' 654321".into());
        assert_eq!(src.code("arn", 1).unwrap(), "654321");
        let failing = Source::Process("false".into());
        assert!(matches!(
            failing.code("arn", 1),
            Err(Error::MfaProcess { .. })
        ));
    }
}
