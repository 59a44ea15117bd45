//! What reaches a person's terminal.
//!
//! Much of what awsmfa shows comes from elsewhere: directory names from a
//! cloned repository, `.awsmfa.toml` and ~/.aws/config values, argv, the
//! environment, AWS error messages. Any of it may hold terminal escape
//! sequences (`ESC ] 0 ; title BEL`, `ESC [ 2 J`), carriage returns or
//! newlines that forge a line, or bidi controls that make text read
//! differently from what it is. [`clean`] renders every such character
//! visibly, as a Rust-style `\u{1b}` escape, so the reader sees that it was
//! there and the terminal never acts on it:
//!
//! - C0 controls U+0000–U+001F (ESC, BEL, CR, LF, TAB, ...) and DEL U+007F,
//! - C1 controls U+0080–U+009F (U+009B is a one-character CSI),
//! - bidi embeddings/overrides U+202A–U+202E and isolates U+2066–U+2069.
//!
//! Every human line on stderr goes through [`note`] or [`error`] (clippy's
//! `disallowed-macros` forbids `eprintln!` elsewhere), which clean the whole
//! line: a message is one line, and a newline inside it is an escape too.
//! Human text on stdout (`status`, `cache list`) is built with [`clean`]
//! around each outside value. What the caller evals on stdout is never
//! cleaned here: it is shell-quoted, and it is for a shell, not a person.

use std::borrow::Cow;
use std::fmt::Write;

/// The controlling terminal, to ask a person directly even when stdin and
/// stdout are pipes (`$(...)`, `| source`): a writer for the question and
/// a line reader for the answer. `None` when there is no terminal.
pub fn terminal() -> Option<(std::fs::File, std::io::BufReader<std::fs::File>)> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let out = tty.try_clone().ok()?;
    Some((out, std::io::BufReader::new(tty)))
}

/// How many answers a person may give to a menu before it gives up.
const CHOICE_TRIES: u32 = 3;

/// Ask the person at the terminal to pick one of `items`, by number or by
/// name, under `title` (items are shown cleaned). `Ok(None)`: no terminal,
/// or three answers that named nothing; end of input: `UnexpectedEof`.
pub fn pick_one(title: &str, items: &[&str], hint: &str) -> std::io::Result<Option<String>> {
    use std::io::{BufRead, Write};
    let Some((mut out, mut input)) = terminal() else {
        return Ok(None);
    };
    let mut menu = format!("{}\n", clean(title));
    for (i, item) in items.iter().enumerate() {
        menu.push_str(&format!("  {}) {}\n", i + 1, clean(item)));
    }
    out.write_all(menu.as_bytes())?;
    for _ in 0..CHOICE_TRIES {
        write!(out, "Which one? [1-{}]: ", items.len())?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(item) = picked(line.trim(), items) {
            return Ok(Some(item.to_string()));
        }
        writeln!(out, "Type a number from 1 to {}, or {hint}.", items.len())?;
    }
    Ok(None)
}

/// The item an answer names: its number in the list, or itself.
fn picked<'a>(answer: &str, items: &[&'a str]) -> Option<&'a str> {
    if let Ok(n) = answer.parse::<usize>() {
        return items.get(n.checked_sub(1)?).copied();
    }
    items.iter().find(|s| **s == answer).copied()
}

/// Whether `c` would act on a terminal (or on the reading order) instead of
/// being shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character (see the module doc) written as
/// `\u{..}`; borrowed when there was none.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Each line of `text` cleaned, the line breaks kept: for multi-line text
/// awsmfa composed itself (clap's usage errors) around outside values.
pub fn clean_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|l| match l.strip_suffix('\n') {
            Some(l) => format!("{}\n", clean(l)),
            None => clean(l).into_owned(),
        })
        .collect()
}

/// Write one human line to stderr, cleaned. A closed stderr is ignored, as
/// `eprintln!` would not.
#[allow(clippy::disallowed_methods)] // the one place that writes to stderr
pub fn note(line: impl std::fmt::Display) {
    use std::io::Write as _;
    let line = line.to_string();
    // anstream drops the colour unless stderr is a terminal that takes it
    // (NO_COLOR, CLICOLOR, TERM=dumb are honoured).
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{}", styled(&clean(&line)));
}

/// The line with its `awsmfa: error:` or `awsmfa: warning:` label in colour.
/// Applied after [`clean`], so these are the line's only escape sequences.
fn styled(line: &str) -> Cow<'_, str> {
    use anstyle::{AnsiColor, Style};
    let error = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
    let warning = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
    for (label, style) in [("awsmfa: error:", error), ("awsmfa: warning:", warning)] {
        if let Some(rest) = line.strip_prefix(label) {
            return Cow::Owned(format!("{style}{label}{style:#}{rest}"));
        }
    }
    Cow::Borrowed(line)
}

/// Whether stderr is a terminal (a person may read it there).
#[allow(clippy::disallowed_methods)] // only asks; nothing is written
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

/// One human line for the person at the terminal: on stderr when that is
/// the terminal, else on the controlling terminal itself (under the aws
/// CLI's `credential_process`, stderr is the CLI's pipe); cleaned.
pub fn tell(line: impl std::fmt::Display) {
    use std::io::Write as _;
    let line = line.to_string();
    if !stderr_is_terminal()
        && let Some((mut tty, _)) = terminal()
    {
        let _ = writeln!(tty, "{}", clean(&line));
        return;
    }
    note(line);
}

/// After a second of silence a person wonders what awsmfa waits for.
pub const SILENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// While alive, a thread that runs `say` once `after` has passed; dropped
/// before then (the wait is over), it ends without a word.
pub struct Later {
    /// Dropped, it tells the thread the wait is over.
    _over: std::sync::mpsc::Sender<()>,
}

impl Later {
    pub fn start(after: std::time::Duration, say: impl FnOnce() + Send + 'static) -> Later {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if rx.recv_timeout(after) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                say();
            }
        });
        Later { _over: tx }
    }
}

/// While alive: past [`SILENCE`], `line` on stderr when stderr is the
/// terminal a person looks at (never on stdout, never into an SDK's pipe).
pub fn waiting(line: String) -> Later {
    Later::start(SILENCE, move || {
        if stderr_is_terminal() {
            note(line);
        }
    })
}

/// `awsmfa: error: ...`, the one line a failed command ends with.
pub fn error(err: impl std::fmt::Display) {
    note(format_args!("awsmfa: error: {err}"));
}

/// Write several lines awsmfa composed around outside values (clap's
/// usage errors) to stderr, each line cleaned, the line breaks kept.
#[allow(clippy::disallowed_methods)] // the one place that writes to stderr
pub fn note_lines(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr()
        .lock()
        .write_all(clean_lines(text).as_bytes());
}

/// A URL (a proxy's, an endpoint's) as it may be shown: its credentials (`user:password@`)
/// replaced by `***`. By text, not by a URL parser: the URL that must be
/// shown is the one that did not parse (a password with a space, `|`,
/// `"`, `{` or `^`), and a password may hold `@`, `/` or `:` itself, so
/// everything up to the last `@` goes (too much, at worst, never too little).
pub fn redacted(url: &str) -> String {
    match split_userinfo(url) {
        Some((scheme, _, host)) => format!("{scheme}***@{host}"),
        None => url.to_string(),
    }
}

/// `text` (a parser's complaint about `url`) without the credentials of
/// `url`, should the parser have quoted them.
pub fn without_userinfo(text: &str, url: &str) -> String {
    match split_userinfo(url) {
        Some((_, info, _)) if !info.is_empty() => text.replace(info, "***"),
        _ => text.to_string(),
    }
}

/// `url` around its credentials: (through `://`, `user:password`, after
/// the last `@`); None when it has none.
fn split_userinfo(url: &str) -> Option<(&str, &str, &str)> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let at = start + url[start..].rfind('@')?;
    Some((&url[..start], &url[start..at], &url[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_visibly() {
        assert!(matches!(clean("plain ünïcode ✓"), Cow::Borrowed(_)));
        assert_eq!(
            clean("a\u{1b}]0;x\u{7}\u{1b}[2Jb"),
            "a\\u{1b}]0;x\\u{7}\\u{1b}[2Jb"
        );
        assert_eq!(clean("x\ry\nz\t"), "x\\u{d}y\\u{a}z\\u{9}");
        assert_eq!(
            clean("\u{7f}\u{80}\u{9b}\u{9f}"),
            "\\u{7f}\\u{80}\\u{9b}\\u{9f}"
        );
        assert_eq!(
            clean("\u{202a}\u{202e}\u{2066}\u{2069}\u{202f}"),
            "\\u{202a}\\u{202e}\\u{2066}\\u{2069}\u{202f}"
        );
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let s = clean(&c.to_string()).into_owned();
            assert!(!s.chars().any(is_unsafe), "{c:?}");
        }
    }

    #[test]
    fn answers_by_number_or_name() {
        let items = ["arn:aws:iam::1:mfa/a", "arn:aws:iam::1:mfa/b"];
        assert_eq!(picked("2", &items), Some(items[1]));
        assert_eq!(picked("arn:aws:iam::1:mfa/a", &items), Some(items[0]));
        for nothing in ["0", "3", "", "b"] {
            assert_eq!(picked(nothing, &items), None, "{nothing:?}");
        }
    }

    #[test]
    fn lines_keep_their_breaks() {
        assert_eq!(clean_lines("a\u{1b}\nb\r\n"), "a\\u{1b}\nb\\u{d}\n");
        assert_eq!(clean_lines("tail"), "tail");
    }
}
