//! Where a person is asked for an MFA code or a passphrase: the terminal
//! someone looks at, a desktop dialog ([`super::dialog`]), or nowhere (the
//! error names `awsmfa login`); and the cue for an `mfa_process` that waits
//! for a touch of a security key.

use super::{PROMPT_TRIES, Who, dialog, duration_var, no_prompt, prompt, read_hidden, tty_path};
use crate::error::{Error, Result};
use std::time::Duration;

/// The variable beside `mfa_prompt` in config.toml: it wins.
pub const PROMPT_VAR: &str = "AWSMFA_MFA_PROMPT";

/// The variable that bounds how long a dialog waits for an answer.
pub const PROMPT_TIMEOUT_VAR: &str = "AWSMFA_MFA_PROMPT_TIMEOUT";

/// Long enough to unlock a phone and open the authenticator; short enough
/// that an SDK whose user is away gets an answer the same hour.
pub const PROMPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where a person is asked.
enum Asker {
    Terminal,
    Dialog(Box<dyn dialog::Dialog>),
    Nowhere,
}

/// Set by `exec --server` once its command runs: the command owns the
/// terminal, so a renewal asks through the desktop's dialog where there is one.
static DESKTOP_FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, ask through the desktop's dialog even when there is a
/// terminal (there is still the terminal where there is no desktop).
pub fn prefer_desktop() {
    DESKTOP_FIRST.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// `AWSMFA_MFA_PROMPT`, else `mfa_prompt` in config.toml, else auto.
fn prompt_choice() -> Result<crate::config::PromptChoice> {
    use crate::config::{PromptChoice, UserConfig};
    match crate::reach::Env::process().get(PROMPT_VAR) {
        Some(raw) => PromptChoice::parse(&raw).map_err(|e| match e {
            Error::Usage(why) => Error::Usage(format!("{PROMPT_VAR}: {why}")),
            other => other,
        }),
        None => Ok(UserConfig::load()?.mfa_prompt.unwrap_or(PromptChoice::Auto)),
    }
}

/// The chosen way to ask, or by default: the terminal when someone is
/// looking at it, else the desktop's dialog, else a terminal merely held
/// (stdin and stderr elsewhere, no desktop to ask on instead), else none.
fn asker() -> Result<Asker> {
    use crate::config::PromptChoice;
    Ok(match prompt_choice()? {
        PromptChoice::Terminal => Asker::Terminal,
        PromptChoice::Zenity => Asker::Dialog(Box::new(dialog::Zenity)),
        PromptChoice::Kdialog => Asker::Dialog(Box::new(dialog::Kdialog)),
        PromptChoice::Osascript => Asker::Dialog(Box::new(dialog::Osascript)),
        PromptChoice::Windows => Asker::Dialog(Box::new(dialog::WindowsPrompt)),
        PromptChoice::Auto => {
            let desktop_first = DESKTOP_FIRST.load(std::sync::atomic::Ordering::SeqCst);
            let in_sight = terminal_in_sight();
            // The desktop is looked for (a search of PATH) only where it
            // could be the answer.
            if in_sight && !desktop_first {
                return Ok(Asker::Terminal);
            }
            match (in_sight, dialog::desktop()) {
                (_, Some(d)) => Asker::Dialog(d),
                (true, None) => Asker::Terminal,
                (false, None) if std::fs::File::open(tty_path()).is_ok() => Asker::Terminal,
                (false, None) => Asker::Nowhere,
            }
        }
    })
}

/// Whether a person is looking at this process's terminal: it has one,
/// and stdin or stderr is it. An IDE started from a shell still holds that
/// shell's `/dev/tty`, but its `credential_process` has pipes for both.
pub fn terminal_in_sight() -> bool {
    use std::io::IsTerminal;
    (std::io::stdin().is_terminal() || crate::term::stderr_is_terminal())
        && std::fs::File::open(tty_path()).is_ok()
}

/// An MFA code from a person, wherever [`asker`] says.
pub(super) fn ask_code(who: &Who, attempt: u32) -> Result<String> {
    let dialog = match asker()? {
        Asker::Terminal => return prompt(who, attempt),
        Asker::Nowhere => return Err(no_prompt(who)),
        Asker::Dialog(d) => d,
    };
    let tries = if attempt > 1 {
        format!("; try {attempt} of {PROMPT_TRIES}")
    } else {
        String::new()
    };
    let question = format!(
        "MFA code for profile {} (MFA device {}{tries})",
        crate::term::clean(who.profile),
        crate::term::clean(who.serial)
    );
    let timeout = duration_var(PROMPT_TIMEOUT_VAR, PROMPT_TIMEOUT)?;
    ask_dialog(&*dialog, &question, timeout).map_err(|u| match u {
        dialog::Unanswered::Cancelled => Error::PromptCancelled {
            serial: who.serial.to_string(),
        },
        dialog::Unanswered::TimedOut => Error::PromptTimedOut {
            secs: timeout.as_secs(),
        },
        dialog::Unanswered::Interrupted => Error::Interrupted,
        dialog::Unanswered::Failed(why) => Error::DialogFailed {
            program: dialog.program(),
            why,
            holder: who.holder.to_string(),
        },
    })
}

/// Ask `question` in `dialog`, saying who asks from where.
fn ask_dialog(
    dialog: &dyn dialog::Dialog,
    question: &str,
    timeout: Duration,
) -> std::result::Result<String, dialog::Unanswered> {
    let text = format!("{question}\n\n{}", caller(question));
    dialog::ask(
        dialog,
        &dialog::Ask {
            text: &text,
            timeout,
        },
    )
}

/// Who is asking, for the dialog under `question`: the purpose (the prompt
/// hook's, unless the question names it already, as the vault's does), the
/// program that started awsmfa (the IDE's SDK), and the directory; every
/// outside value cleaned of control characters.
fn caller(question: &str) -> String {
    let dir = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "?".into());
    let parent = parent_name();
    let mut out = match parent {
        Some(name) => format!(
            "Asked by {} in {}",
            crate::term::clean(&name),
            crate::term::clean(&dir)
        ),
        None => format!("Asked in {}", crate::term::clean(&dir)),
    };
    if let Some(why) = super::purpose().filter(|why| !question.contains(why)) {
        out = format!("{} ({out})", crate::term::clean(why));
    }
    out
}

/// The parent process's name, where the system says it.
fn parent_name() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let ppid = rustix::process::getppid()?;
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", ppid.as_raw_nonzero())).ok()?;
        Some(comm.trim_end().to_string())
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// A secret (the vault's passphrase) from a person, wherever [`asker`]
/// says: the terminal with `prompt`, or a dialog asking the same. Errors:
/// `Interrupted` for Ctrl-C or Cancel, `TimedOut`, `NotFound` where there
/// is nobody to ask.
pub fn read_secret(prompt: &str) -> std::io::Result<String> {
    use std::io::{Error as IoError, ErrorKind};
    let dialog = match asker().map_err(|e| IoError::other(e.to_string()))? {
        Asker::Terminal => return read_hidden(prompt),
        Asker::Nowhere => return Err(ErrorKind::NotFound.into()),
        Asker::Dialog(d) => d,
    };
    let timeout = duration_var(PROMPT_TIMEOUT_VAR, PROMPT_TIMEOUT)
        .map_err(|e| IoError::other(e.to_string()))?;
    let question = prompt.trim_end().trim_end_matches(':');
    ask_dialog(&*dialog, question, timeout).map_err(|u| match u {
        dialog::Unanswered::Cancelled | dialog::Unanswered::Interrupted => {
            ErrorKind::Interrupted.into()
        }
        dialog::Unanswered::TimedOut => ErrorKind::TimedOut.into(),
        dialog::Unanswered::Failed(why) => IoError::other(why),
    })
}

/// How long an `mfa_process` may be silent before the user is told that
/// it may be waiting for a touch of a security key.
pub const SLOW_CUE: Duration = Duration::from_secs(1);

/// While alive, the touch cue after [`SLOW_CUE`]; dropped (the process
/// answered), nothing.
pub(super) fn slow_cue(program: &str) -> crate::term::Later {
    let program = program.to_string();
    crate::term::Later::start(SLOW_CUE, move || touch_cue(&program))
}

/// Tell the user `program` waits, likely for a touch: on the terminal they
/// look at, else (stderr is then an SDK's pipe) as a desktop notification.
fn touch_cue(program: &str) {
    let line = format!(
        "awsmfa: waiting for mfa_process `{program}` to give the MFA code; touch your security key if it asks for it"
    );
    if terminal_in_sight() || !dialog::notify("awsmfa: touch your security key", &line) {
        crate::term::tell(line);
    }
}
