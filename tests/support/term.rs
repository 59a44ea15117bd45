//! A real terminal for tests: a private tmux server (its own socket in the
//! world, no config file) running one command in a detached session, typed
//! into with `send-keys` and read with `capture-pane`. The one driver for
//! everything that needs a terminal a person would use (prompts, Ctrl-C,
//! interactive shells, zsh completion). `pty.rs` stays for what tmux
//! cannot show: whether a prompt turned the terminal's echo off.

use super::{World, ok, require_tools, stdout};
use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

/// How long a wait for the screen may take. The bound only keeps a broken
/// run from hanging; it is not what any test measures.
const PATIENCE: Duration = Duration::from_secs(90);

/// A command running at a tmux terminal; the server is killed on drop.
pub struct Term<'w> {
    w: &'w World,
    socket: PathBuf,
}

impl<'w> Term<'w> {
    /// Start `command` (run by `sh -c` in the world's home) with the
    /// world's environment plus `env`, at a 230x50 terminal. `None` when
    /// tmux is missing ([`super::require`]: a failure under `CI=true`).
    pub fn start(w: &'w World, command: &str, env: &[(&str, &str)]) -> Option<Term<'w>> {
        Term::start_named(w, "tmux", command, env)
    }

    /// As [`Term::start`], on a server of its own named `name`, for tests
    /// that keep several terminals open in one world.
    pub fn start_named(
        w: &'w World,
        name: &str,
        command: &str,
        env: &[(&str, &str)],
    ) -> Option<Term<'w>> {
        if !require_tools(&["tmux"]) {
            return None;
        }
        let t = Term {
            w,
            socket: w.path(&format!("{name}.sock")),
        };
        let mut c = t.command();
        c.args(["new-session", "-d", "-x", "230", "-y", "50", command]);
        c.envs(env.iter().copied());
        ok(&c.output().unwrap());
        Some(t)
    }

    fn command(&self) -> std::process::Command {
        let mut c = self.w.command("tmux");
        c.arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .env("TERM", "xterm-256color");
        c
    }

    /// Run a tmux command against this server.
    pub fn tmux(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// Press keys (tmux key names: `Enter`, `C-c`, `Tab`, or text).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        ok(&self.tmux(&args));
    }

    /// Type `text` literally and press Enter.
    pub fn line(&self, text: &str) {
        ok(&self.tmux(&["send-keys", "-l", text]));
        self.keys(&["Enter"]);
    }

    /// The whole screen and its history, wrapped lines joined.
    pub fn screen(&self) -> String {
        stdout(&self.tmux(&["capture-pane", "-p", "-J", "-S", "-"]))
    }

    /// Wait until the screen shows `want`; the screen then.
    #[track_caller]
    pub fn wait_for(&self, want: &str) -> String {
        self.wait_for_count(want, 1)
    }

    /// Wait until the screen shows `want` at least `n` times; the screen then.
    #[track_caller]
    pub fn wait_for_count(&self, want: &str, n: usize) -> String {
        let end = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if screen.matches(want).count() >= n {
                return screen;
            }
            assert!(
                Instant::now() < end,
                "the screen never showed {want:?} ({n} times):\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Term<'_> {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}
