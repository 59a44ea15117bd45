//! A desktop dialog for an MFA code or a passphrase, when nobody is looking
//! at a terminal (an IDE's `credential_process`, `exec --server`'s renewal).
//!
//! One type per dialog program behind [`Dialog`], as `src/shell/` has one
//! type per shell. Each builds the command it runs as a pure function (so
//! the ones that cannot run here, osascript and the Windows prompt, are
//! tested as text), and:
//!
//! - shows the text literally: it is escaped for the program's markup
//!   (zenity's Pango, kdialog's Qt rich text), passed as an AppleScript string
//!   literal, or through the environment (Windows), and never where a leading
//!   `-` could be read as an option;
//! - returns the answer on its stdout, a pipe: it is never in an argv or an
//!   environment;
//! - ends within the timeout: its own (zenity `--timeout`, AppleScript
//!   `giving up after`, a timer in the Windows form), and awsmfa's deadline,
//!   a little later, kills the program and everything it started.

use std::process::{Command, Stdio};
use std::time::Duration;

/// What to ask, and for how long.
pub struct Ask<'a> {
    /// Plain text, shown as it is: the profile, the device, the caller.
    pub text: &'a str,
    pub timeout: Duration,
}

/// The window's title: constant, so that it never carries outside text.
pub const TITLE: &str = "awsmfa";

/// How long past the dialog's own timeout awsmfa waits before it kills it.
const GRACE: Duration = Duration::from_secs(3);

/// Why a dialog gave no answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Unanswered {
    Cancelled,
    TimedOut,
    Interrupted,
    Failed(String),
}

/// A dialog program.
pub trait Dialog {
    /// Its name, for messages and for `mfa_prompt`.
    fn program(&self) -> &'static str;
    /// The command that asks, the answer on its stdout.
    fn command(&self, ask: &Ask) -> Command;
    /// What an exit status other than success means.
    fn unanswered(&self, code: Option<i32>) -> Unanswered {
        match code {
            Some(1) => Unanswered::Cancelled,
            Some(5) => Unanswered::TimedOut,
            other => Unanswered::Failed(format!("it exited with {other:?}")),
        }
    }
    /// The answer in what it printed (one line).
    fn answer(&self, out: &str) -> Result<String, Unanswered> {
        Ok(one_line(out).to_string())
    }
}

/// `out` without the line break the program ended it with.
fn one_line(out: &str) -> &str {
    let out = out.strip_suffix('\n').unwrap_or(out);
    out.strip_suffix('\r').unwrap_or(out)
}

/// GNOME's (and most X11/Wayland desktops') zenity: `--entry --hide-text`.
/// Its `--text` there is no markup, but zenity reads backslash escapes in
/// it (`\t`, `\101`) and the label takes `_` as a mnemonic mark: both are
/// doubled ([`zenity_escape`]), as a screenshot of zenity 3.44 shows.
pub struct Zenity;

impl Dialog for Zenity {
    fn program(&self) -> &'static str {
        "zenity"
    }

    fn command(&self, ask: &Ask) -> Command {
        let mut c = Command::new("zenity");
        // `--opt=value` as one word: a value is never read as an option.
        c.args([
            "--entry".to_string(),
            "--hide-text".to_string(),
            format!("--title={TITLE}"),
            format!("--text={}", zenity_escape(ask.text)),
            format!("--timeout={}", ask.timeout.as_secs().max(1)),
            "--width=480".to_string(),
        ]);
        c
    }
}

/// KDE's kdialog: `--password`, whose text Qt shows as rich text when it
/// looks like markup, so it is always rich text (`<qt>`) and escaped.
/// It has no timeout of its own: awsmfa's deadline kills it.
pub struct Kdialog;

impl Dialog for Kdialog {
    fn program(&self) -> &'static str {
        "kdialog"
    }

    fn command(&self, ask: &Ask) -> Command {
        let mut c = Command::new("kdialog");
        let text = markup_escape(ask.text).replace('\n', "<br>");
        c.args(["--title", TITLE, "--password", &format!("<qt>{text}</qt>")]);
        c
    }
}

/// macOS: `display dialog` through osascript, the text an AppleScript
/// string literal. The answer is printed after a `=`, so that a dialog that
/// gave up (which prints nothing else) is told apart from an empty answer.
pub struct Osascript;

impl Dialog for Osascript {
    fn program(&self) -> &'static str {
        "osascript"
    }

    fn command(&self, ask: &Ask) -> Command {
        let mut c = Command::new("osascript");
        c.args(["-e", &applescript(ask)]);
        c
    }

    fn unanswered(&self, code: Option<i32>) -> Unanswered {
        // osascript exits 1 on any error, "User canceled. (-128)" among them.
        match code {
            Some(1) => Unanswered::Cancelled,
            other => Unanswered::Failed(format!("it exited with {other:?}")),
        }
    }

    fn answer(&self, out: &str) -> Result<String, Unanswered> {
        one_line(out)
            .strip_prefix('=')
            .map(str::to_string)
            .ok_or(Unanswered::TimedOut)
    }
}

/// The AppleScript [`Osascript`] runs.
pub fn applescript(ask: &Ask) -> String {
    format!(
        "set r to display dialog {} with title {} default answer \"\" with hidden answer buttons {{\"Cancel\", \"OK\"}} default button \"OK\" cancel button \"Cancel\" giving up after {}\n\
         if gave up of r then return \"\"\n\
         return \"=\" & text returned of r",
        applescript_string(ask.text),
        applescript_string(TITLE),
        ask.timeout.as_secs().max(1)
    )
}

/// `text` as an AppleScript string literal: `"` and `\` escaped, line
/// breaks as `\n` (the text is cleaned of other controls before).
pub fn applescript_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Windows: a small Windows Forms dialog run by PowerShell. The script is
/// constant (passed as `-EncodedCommand`, so no command-line quoting is
/// involved); the text comes in the environment and is set as a label's
/// `Text` with mnemonics off, so nothing in it is ever markup or code.
pub struct WindowsPrompt;

/// The variables the Windows prompt reads its text and timeout from, set
/// by awsmfa for that child only (lower case: never a setting of awsmfa's;
/// Windows matches variable names without regard to case).
pub const WINDOWS_TEXT_VAR: &str = "awsmfa_dialog_text";
pub const WINDOWS_TIMEOUT_VAR: &str = "awsmfa_dialog_timeout_ms";

/// The PowerShell script of [`WindowsPrompt`]: exit 1 on Cancel, 5 on time-out.
pub const WINDOWS_SCRIPT: &str = r#"Add-Type -AssemblyName System.Windows.Forms
$f = New-Object System.Windows.Forms.Form
$f.Text = 'awsmfa'; $f.TopMost = $true; $f.StartPosition = 'CenterScreen'
$f.Width = 500; $f.Height = 220; $f.FormBorderStyle = 'FixedDialog'
$l = New-Object System.Windows.Forms.Label
$l.UseMnemonic = $false; $l.Text = $env:awsmfa_dialog_text
$l.Left = 10; $l.Top = 10; $l.Width = 460; $l.Height = 80
$t = New-Object System.Windows.Forms.TextBox
$t.UseSystemPasswordChar = $true; $t.Left = 10; $t.Top = 95; $t.Width = 460
$ok = New-Object System.Windows.Forms.Button
$ok.Text = 'OK'; $ok.DialogResult = 'OK'; $ok.Left = 300; $ok.Top = 130
$no = New-Object System.Windows.Forms.Button
$no.Text = 'Cancel'; $no.DialogResult = 'Cancel'; $no.Left = 390; $no.Top = 130
$f.AcceptButton = $ok; $f.CancelButton = $no
$f.Controls.AddRange(@($l, $t, $ok, $no))
$timer = New-Object System.Windows.Forms.Timer
$timer.Interval = [int]$env:awsmfa_dialog_timeout_ms
$timer.Add_Tick({ $f.Tag = 'timeout'; $f.Close() })
$timer.Start()
$r = $f.ShowDialog()
if ($f.Tag -eq 'timeout') { exit 5 }
if ($r -ne 'OK') { exit 1 }
[Console]::Out.Write($t.Text + "`n")
exit 0
"#;

impl Dialog for WindowsPrompt {
    fn program(&self) -> &'static str {
        "powershell"
    }

    fn command(&self, ask: &Ask) -> Command {
        let mut c = Command::new("powershell.exe");
        c.args([
            "-NoProfile",
            "-NonInteractive",
            "-ExecutionPolicy",
            "Bypass",
            "-EncodedCommand",
            &encoded_command(WINDOWS_SCRIPT),
        ])
        .env(WINDOWS_TEXT_VAR, ask.text)
        .env(
            WINDOWS_TIMEOUT_VAR,
            (ask.timeout.as_millis().max(1000)).to_string(),
        );
        c
    }
}

/// PowerShell's `-EncodedCommand`: base64 of the script's UTF-16LE.
pub fn encoded_command(script: &str) -> String {
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    aws_smithy_types::base64::encode(utf16)
}

/// `text` for zenity's `--text`: `\` and `_` doubled, so that neither
/// escapes nor mnemonics apply.
pub fn zenity_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('_', "__")
}

/// `text` with the characters Pango (and Qt's rich text) give a meaning
/// escaped, as `g_markup_escape_text` does.
pub fn markup_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The dialog program of the desktop awsmfa runs in, when there is a
/// desktop and its program is installed.
pub fn desktop() -> Option<Box<dyn Dialog>> {
    if cfg!(windows) {
        return Some(Box::new(WindowsPrompt));
    }
    if cfg!(target_os = "macos") {
        // Over ssh the dialog would open on the Mac's screen, not the user's.
        let remote = std::env::var_os("SSH_CONNECTION").is_some();
        return (!remote).then(|| Box::new(Osascript) as Box<dyn Dialog>);
    }
    if !graphical() {
        return None;
    }
    let kde = std::env::var("XDG_CURRENT_DESKTOP").is_ok_and(|d| d.contains("KDE"));
    let (zenity, kdialog) = (
        crate::fs::on_path("zenity").is_some(),
        crate::fs::on_path("kdialog").is_some(),
    );
    match (kde, zenity, kdialog) {
        (true, _, true) | (false, false, true) => Some(Box::new(Kdialog)),
        (_, true, _) => Some(Box::new(Zenity)),
        _ => None,
    }
}

/// Whether there is a graphical session to show a dialog, a notice or a
/// keyring's unlock prompt in.
pub fn graphical() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// The command that shows `summary` and `body` as a desktop notification
/// (freedesktop's, through `notify-send`, whose body may be markup: escaped;
/// `--` ends its options); `None` without one.
pub fn notification(summary: &str, body: &str) -> Option<Command> {
    if cfg!(target_os = "macos") {
        let mut c = Command::new("osascript");
        c.args([
            "-e",
            &format!(
                "display notification {} with title {}",
                applescript_string(body),
                applescript_string(summary)
            ),
        ]);
        return Some(c);
    }
    if cfg!(windows) || !graphical() || crate::fs::on_path("notify-send").is_none() {
        return None;
    }
    let mut c = Command::new("notify-send");
    c.args([
        "--app-name=awsmfa",
        "--urgency=critical",
        "--",
        summary,
        &markup_escape(body),
    ]);
    Some(c)
}

/// Show a desktop notification; false when there is none to show it in.
pub fn notify(summary: &str, body: &str) -> bool {
    let Some(mut c) = notification(summary, body) else {
        return false;
    };
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c.status().is_ok_and(|s| s.success())
}

/// Run `dialog` and return what was typed.
pub fn ask(dialog: &dyn Dialog, ask: &Ask) -> Result<String, Unanswered> {
    let mut command = dialog.command(ask);
    // GTK's and Qt's warnings are no business of the caller's stderr.
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let started = std::time::Instant::now();
    let (status, out) =
        super::supervise_status(command, ask.timeout + GRACE).map_err(|ended| match ended {
            super::Ended::Interrupted => Unanswered::Interrupted,
            super::Ended::TooLong(_) => Unanswered::TimedOut,
            super::Ended::Failed(why) => Unanswered::Failed(why),
            // Only under `exec --server`: elsewhere awsmfa has ended of it.
            #[cfg(unix)]
            super::Ended::Signalled(signal) => Unanswered::Failed(super::end_of(signal)),
        })?;
    if !status.success() {
        return Err(unanswered(
            dialog,
            status.code(),
            started.elapsed() >= ask.timeout,
        ));
    }
    let out = String::from_utf8(out)
        .map_err(|_| Unanswered::Failed("what it printed is not text".into()))?;
    dialog.answer(&out)
}

/// Why nobody answered. A dialog that "cancelled" once its own time-out
/// had run out did time out: zenity whose time-out fires while GTK is
/// still starting (a loaded machine) exits 1, not 5.
fn unanswered(dialog: &dyn Dialog, code: Option<i32>, out_of_time: bool) -> Unanswered {
    match dialog.unanswered(code) {
        Unanswered::Cancelled if out_of_time => Unanswered::TimedOut,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_after_the_time_out_is_a_time_out() {
        assert!(matches!(
            unanswered(&Zenity, Some(1), false),
            Unanswered::Cancelled
        ));
        assert!(matches!(
            unanswered(&Zenity, Some(1), true),
            Unanswered::TimedOut
        ));
        assert!(matches!(
            unanswered(&Zenity, Some(5), false),
            Unanswered::TimedOut
        ));
        assert!(matches!(
            unanswered(&Zenity, Some(9), true),
            Unanswered::Failed(_)
        ));
    }

    const HOSTILE: &str = "-<b>x</b> & \"q\" 'a'\nnext \\ _end";

    fn ask() -> Ask<'static> {
        Ask {
            text: HOSTILE,
            timeout: Duration::from_secs(30),
        }
    }

    fn argv(c: &Command) -> Vec<String> {
        c.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn zenity_text_is_escaped_markup_in_one_word() {
        let args = argv(&Zenity.command(&ask()));
        assert_eq!(
            args,
            [
                "--entry",
                "--hide-text",
                "--title=awsmfa",
                "--text=-<b>x</b> & \"q\" 'a'\nnext \\\\ __end",
                "--timeout=30",
                "--width=480",
            ]
        );
    }

    #[test]
    fn kdialog_text_is_rich_text_escaped() {
        let args = argv(&Kdialog.command(&ask()));
        assert_eq!(
            args,
            [
                "--title",
                "awsmfa",
                "--password",
                "<qt>-&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#39;a&#39;<br>next \\ _end</qt>",
            ]
        );
    }

    #[test]
    fn applescript_quotes_the_text_as_one_literal() {
        let script = applescript(&ask());
        assert_eq!(
            script.lines().next().unwrap(),
            "set r to display dialog \"-<b>x</b> & \\\"q\\\" 'a'\\nnext \\\\ _end\" with title \"awsmfa\" default answer \"\" with hidden answer buttons {\"Cancel\", \"OK\"} default button \"OK\" cancel button \"Cancel\" giving up after 30"
        );
        assert_eq!(script.lines().count(), 3, "{script}");
        assert_eq!(argv(&Osascript.command(&ask()))[0], "-e");
        // Given up: no `=` line; an answer, even an empty one, has it.
        assert_eq!(Osascript.answer("\n"), Err(Unanswered::TimedOut));
        assert_eq!(Osascript.answer("=\n").unwrap(), "");
        assert_eq!(Osascript.answer("=123456\n").unwrap(), "123456");
        assert_eq!(Osascript.unanswered(Some(1)), Unanswered::Cancelled);
    }

    #[test]
    fn windows_prompt_takes_its_text_from_the_environment() {
        let c = WindowsPrompt.command(&ask());
        let args = argv(&c);
        assert_eq!(
            args[..5],
            [
                "-NoProfile",
                "-NonInteractive",
                "-ExecutionPolicy",
                "Bypass",
                "-EncodedCommand"
            ]
        );
        let bytes = aws_smithy_types::base64::decode(&args[5]).unwrap();
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).unwrap(), WINDOWS_SCRIPT);
        let envs: Vec<_> = c
            .get_envs()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.map(|v| v.to_string_lossy().into_owned()),
                )
            })
            .collect();
        assert!(envs.contains(&(WINDOWS_TEXT_VAR.into(), Some(HOSTILE.into()))));
        assert!(envs.contains(&(WINDOWS_TIMEOUT_VAR.into(), Some("30000".into()))));
        // The label shows `&` literally; nothing but the variable feeds it.
        assert!(
            WINDOWS_SCRIPT.contains("$l.UseMnemonic = $false; $l.Text = $env:awsmfa_dialog_text")
        );
        assert_eq!(WindowsPrompt.unanswered(Some(1)), Unanswered::Cancelled);
        assert_eq!(WindowsPrompt.unanswered(Some(5)), Unanswered::TimedOut);
    }

    #[test]
    fn answers_lose_only_their_line_break() {
        assert_eq!(Zenity.answer(" pass word \n").unwrap(), " pass word ");
        assert_eq!(WindowsPrompt.answer("x\r\n").unwrap(), "x");
    }
}
