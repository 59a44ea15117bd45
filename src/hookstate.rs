//! What an interactive shell keeps between prompts, for the prompt hook.
//!
//! The hook's shell holds this as JSON in one *unexported* variable
//! (`__awsmfa_state`) and hands it to `awsmfa hook` on stdin; the hook
//! prints the new value back as an unexported assignment. It carries the MFA
//! session (so roles refresh without a prompt), so it must never reach argv,
//! the environment of children, or a file: only the role credentials are
//! exported.

use crate::obtain::{self, Key, Store};
use aws_credential_types::Credentials;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    /// ([`crate::cache::generation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Active {
    /// The `.awsmfa.toml` in force.
    pub file: String,
    pub project: crate::project::Project,
    /// The shell's own value of every variable awsmfa sets or removes,
    /// from before awsmfa first changed it (None: it was unset).
    pub saved: BTreeMap<String, Option<String>>,
    /// What was exported: to notice that the user replaced it by hand.
    pub access_key_id: String,
    /// Expiry of the exported credentials (seconds since the epoch).
    pub expires: Option<u64>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    pub source_profile: String,
    pub serial: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub expires: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("source_profile", &self.source_profile)
            .field("serial", &self.serial)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

pub fn epoch(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Session {
    pub fn key(&self) -> Key {
        Key::Session {
            source_profile: self.source_profile.clone(),
            serial: self.serial.clone(),
        }
    }

    pub fn credentials(&self) -> Credentials {
        Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.clone(),
            self.session_token.clone(),
            Some(UNIX_EPOCH + Duration::from_secs(self.expires)),
            "awsmfa-shell",
        )
    }

    fn new(key: &Key, creds: &Credentials) -> Option<Session> {
        let Key::Session {
            source_profile,
            serial,
        } = key
        else {
            return None;
        };
        Some(Session {
            source_profile: source_profile.clone(),
            serial: serial.clone(),
            access_key_id: creds.access_key_id().to_string(),
            secret_access_key: creds.secret_access_key().to_string(),
            session_token: creds.session_token().map(str::to_string),
            expires: epoch(creds.expiry()?),
        })
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
                crate::term::note(format_args!("awsmfa: ignoring this shell's saved state (from another awsmfa version); starting afresh"));
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

    fn put(&mut self, session: Session) {
        self.sessions.retain(|s| s.key() != session.key());
        self.sessions.push(session);
    }

    /// Keep an MFA session `obtain` used, wherever it came from (the
    /// encrypted cache included), so the next refresh needs no code even if
    /// the cache is gone or off by then.
    pub fn remember(&mut self, key: &Key, creds: &Credentials) {
        if let Some(session) = Session::new(key, creds) {
            self.put(session);
        }
    }
}

/// The hook's [`Store`]: serves the MFA sessions the shell handed in and
/// collects new ones to hand back. Role credentials are never served from
/// here (the hook decides itself when to fetch them); everything else goes to
/// the regular store too, so the encrypted cache keeps working when enabled.
pub struct ShellStore<'a> {
    state: RefCell<&'a mut State>,
    inner: Box<dyn Store>,
}

impl<'a> ShellStore<'a> {
    pub fn new(state: &'a mut State, inner: Box<dyn Store>) -> Self {
        ShellStore {
            state: RefCell::new(state),
            inner,
        }
    }
}

impl Store for ShellStore<'_> {
    fn load(&self, key: &Key) -> Option<Credentials> {
        let own = match key {
            Key::Session { .. } => self
                .state
                .borrow()
                .sessions
                .iter()
                .find(|s| &s.key() == key)
                .map(Session::credentials)
                .filter(obtain::fresh),
            Key::Role { .. } => None,
        };
        own.or_else(|| self.inner.load(key))
    }

    fn store(&self, key: &Key, creds: &Credentials) {
        self.state.borrow_mut().remember(key, creds);
        self.inner.store(key, creds);
    }

    fn lock(&self, key: &Key) -> Option<Box<dyn std::any::Any>> {
        self.inner.lock(key)
    }

    fn code_used(&self, serial: &str, code: &str) {
        self.inner.code_used(serial, code)
    }

    fn code_seen(&self, serial: &str, code: &str) -> bool {
        self.inner.code_seen(serial, code)
    }

    fn forget(&self, source_profile: &str) {
        self.state
            .borrow_mut()
            .sessions
            .retain(|s| s.source_profile != source_profile);
        self.inner.forget(source_profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obtain::NoStore;

    fn session(expires: u64) -> (Key, Credentials) {
        let key = Key::Session {
            source_profile: "alice".into(),
            serial: "arn:aws:iam::1:mfa/alice".into(),
        };
        let creds = Credentials::new(
            "ASIA1",
            "secret",
            Some("token".into()),
            Some(UNIX_EPOCH + Duration::from_secs(expires)),
            "t",
        );
        (key, creds)
    }

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
        // Less than obtain::MIN_VALIDITY left: not served, but kept until expiry.
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
    fn debug_hides_the_secret() {
        let now = epoch(SystemTime::now());
        let (key, creds) = session(now + 3600);
        let s = Session::new(&key, &creds).unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("token"),
            "{shown}"
        );
    }

    #[test]
    fn foreign_state_is_dropped() {
        assert!(State::parse("{\"v\":99}").active.is_none());
        assert!(State::parse("not json").sessions.is_empty());
        assert!(State::parse("").active.is_none());
    }
}
