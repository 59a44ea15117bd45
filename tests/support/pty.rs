//! Commands under a pseudo-terminal (python3's `pty` module drives it, so no
//! extra crate): for the hidden MFA prompt on /dev/tty and for "stdout is a
//! terminal". The command's controlling terminal is the new pty.

use super::World;
use std::time::Duration;

/// How a command under a pty ended.
#[derive(Debug, serde::Deserialize)]
pub struct PtyRun {
    /// Exit code, or minus the signal number.
    pub status: i32,
    /// Everything written to the terminal (stdout and stderr, and /dev/tty).
    pub transcript: String,
    /// The prompt that never appeared, if any.
    pub unmet: Option<String>,
    /// The command was still running at the deadline and was killed.
    pub timed_out: bool,
}

impl PtyRun {
    /// Assert the command ran to its end and every prompt appeared.
    #[track_caller]
    pub fn finished(&self) -> &Self {
        assert!(!self.timed_out, "still running at the deadline: {self:#?}");
        assert!(self.unmet.is_none(), "a prompt never appeared: {self:#?}");
        self
    }
}

/// Run `argv` in `w`'s environment under a new pty; for each `(expect,
/// send)`, wait for `expect` with echo off (a hidden prompt) and type `send`.
/// `limit` only stops a hung command: it is not a timing assertion.
pub fn run_pty(w: &World, argv: &[&str], steps: &[(&str, &str)], limit: Duration) -> PtyRun {
    let spec = serde_json::json!({
        "argv": argv,
        "steps": steps
            .iter()
            .map(|(expect, send)| serde_json::json!({"expect": expect, "send": send}))
            .collect::<Vec<_>>(),
        "timeout": limit.as_secs(),
    });
    let out = w
        .command(super::python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/pty_driver.py"
        ))
        .arg(spec.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pty_driver.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
