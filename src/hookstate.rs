//! What an interactive shell keeps between prompts, for the prompt hook.
//!
//! The hook's shell holds this as JSON in one *unexported* variable
//! (`__awsmfa_state`) and hands it to `awsmfa hook` on stdin; the hook
//! prints the new value back as an unexported assignment. It carries the MFA
//! session (so roles refresh without a prompt), so it must never reach argv,
//! the environment of children, or a file: only the role credentials are
//! exported.
//!
//! This module owns that state and its JSON (versioned, bounded, a foreign
//! value dropped); the MFA sessions in it are [`crate::store::hook`]'s,
//! which serves them to `obtain` as a store.

use crate::store::hook::{self, Session};
use crate::store::{EntryKey, epoch};
use aws_credential_types::Credentials;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::time::SystemTime;

const VERSION: u32 = 1;
/// More than any real state (a few sessions, a dozen saved variables).
const MAX_LEN: u64 = 1 << 20;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct State {
    pub v: u32,
    /// The directory profile whose credentials are exported now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Active>,
    /// Live MFA sessions, one per source identity; they outlive `active` so
    /// that leaving and re-entering a project asks for no second code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<Session>,
    /// The untrusted `.awsmfa.toml` last pointed out, so that a `cd` within
    /// its project does not say it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hinted: Option<String>,
    /// The cache's revocation mark when this shell last looked
    /// ([`crate::store::cache::generation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Active {
    /// The `.awsmfa.toml` in force.
    pub file: String,
    /// Its allowance, which the shell compares with it at each prompt
    /// ([`crate::trust::watch`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowance: Option<String>,
    pub project: crate::project::Project,
    /// The shell's own value of every variable awsmfa sets or removes,
    /// from before awsmfa first changed it (None: it was unset).
    pub saved: BTreeMap<String, Option<String>>,
    /// What was exported: to notice that the user replaced it by hand.
    pub access_key_id: String,
    /// Expiry of the exported credentials (seconds since the epoch).
    pub expires: Option<u64>,
}

impl AsMut<Vec<Session>> for State {
    fn as_mut(&mut self) -> &mut Vec<Session> {
        &mut self.sessions
    }
}

impl State {
    /// The state the shell handed in on stdin. Nothing (stdin is a terminal,
    /// empty or unreadable) is a fresh shell; a value from another version
    /// is dropped with a note, as if the shell were fresh.
    pub fn from_stdin() -> State {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return State::default();
        }
        let mut text = String::new();
        if stdin
            .lock()
            .take(MAX_LEN)
            .read_to_string(&mut text)
            .is_err()
        {
            return State::default();
        }
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> State {
        if text.trim().is_empty() {
            return State::default();
        }
        match serde_json::from_str::<State>(text) {
            Ok(state) if state.v == VERSION => state,
            _ => {
                crate::term::note(format_args!(
                    "awsmfa: ignoring this shell's saved state (from another awsmfa version); starting afresh"
                ));
                State::default()
            }
        }
    }

    pub fn to_json(&self) -> String {
        let mut out = self.clone();
        out.v = VERSION;
        serde_json::to_string(&out).unwrap_or_default()
    }

    /// Drop sessions that have expired.
    pub fn prune(&mut self, now: SystemTime) {
        let now = epoch(now);
        self.sessions.retain(|s| s.expires > now);
    }

    /// Keep an MFA session `obtain` used, wherever it came from (the
    /// encrypted cache included), so the next refresh needs no code even if
    /// the cache is gone or off by then.
    pub fn remember(&mut self, key: &EntryKey, creds: &Credentials) {
        hook::remember(&mut self.sessions, key, creds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::hook::tests::session;
    use crate::store::{NoStore, ShellStore, Store};
    use std::time::Duration;

    #[test]
    fn sessions_round_trip_and_expire() {
        let now = epoch(SystemTime::now());
        let mut state = State::default();
        let (key, creds) = session(now + 3600);
        {
            let store = ShellStore::new(&mut state, Box::new(NoStore));
            assert!(store.load(&key).is_none());
            store.store(&key, &creds);
            assert_eq!(store.load(&key).unwrap().secret_access_key(), "secret");
        }
        let back = State::parse(&state.to_json());
        assert_eq!(back.sessions.len(), 1);
        // Less than store::MIN_VALIDITY left: not served, but kept until expiry.
        let mut state = State::default();
        let (key, creds) = session(now + 60);
        let store = ShellStore::new(&mut state, Box::new(NoStore));
        store.store(&key, &creds);
        assert!(store.load(&key).is_none());
        drop(store);
        state.prune(SystemTime::now() + Duration::from_secs(61));
        assert!(state.sessions.is_empty());
    }

    #[test]
    fn foreign_state_is_dropped() {
        assert!(State::parse("{\"v\":99}").active.is_none());
        assert!(State::parse("not json").sessions.is_empty());
        assert!(State::parse("").active.is_none());
    }
}
