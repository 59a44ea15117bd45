//! The prompt hook's store: the MFA sessions an interactive shell holds in
//! its unexported state variable, served to [`crate::obtain`] through the
//! [`Store`] trait. This module owns the record of one such session and the
//! rules for serving it; the rest of the shell's state, and its JSON, is
//! [`crate::hookstate`]'s.

use super::{EntryKey, Store, epoch, fresh};
use aws_credential_types::Credentials;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::time::{Duration, UNIX_EPOCH};

/// One MFA session, as the shell keeps it (secrets included: it never
/// leaves the shell's unexported variable and the hook's stdin).
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

impl Session {
    pub fn key(&self) -> EntryKey {
        EntryKey::Session {
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

    /// The record of an MFA session; None for role credentials, or
    /// credentials without an expiry.
    pub fn new(key: &EntryKey, creds: &Credentials) -> Option<Session> {
        let EntryKey::Session {
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

/// Keep the MFA session `key` names in `sessions`, replacing an older one
/// of the same identity (anything else is not kept).
pub fn remember(sessions: &mut Vec<Session>, key: &EntryKey, creds: &Credentials) {
    if let Some(session) = Session::new(key, creds) {
        sessions.retain(|s| s.key() != session.key());
        sessions.push(session);
    }
}

/// The hook's [`Store`]: serves the MFA sessions the shell handed in and
/// collects new ones to hand back. Role credentials are never served from
/// here (the hook decides itself when to fetch them); everything else goes to
/// the regular store too, so the encrypted cache keeps working when enabled.
pub struct ShellStore<'a> {
    sessions: RefCell<&'a mut Vec<Session>>,
    inner: Box<dyn Store>,
}

impl<'a> ShellStore<'a> {
    /// Over the sessions of `state` (the shell's whole state, or just its
    /// list of sessions).
    pub fn new(state: &'a mut impl AsMut<Vec<Session>>, inner: Box<dyn Store>) -> Self {
        ShellStore {
            sessions: RefCell::new(state.as_mut()),
            inner,
        }
    }
}

impl Store for ShellStore<'_> {
    fn load(&self, key: &EntryKey) -> Option<Credentials> {
        let own = match key {
            EntryKey::Session { .. } => self
                .sessions
                .borrow()
                .iter()
                .find(|s| &s.key() == key)
                .map(Session::credentials)
                .filter(fresh),
            EntryKey::Role { .. } => None,
        };
        own.or_else(|| self.inner.load(key))
    }

    fn store(&self, key: &EntryKey, creds: &Credentials) {
        remember(&mut self.sessions.borrow_mut(), key, creds);
        self.inner.store(key, creds);
    }

    fn lock(&self, key: &EntryKey) -> Option<Box<dyn std::any::Any>> {
        self.inner.lock(key)
    }

    fn code_used(&self, serial: &str, code: &str) {
        self.inner.code_used(serial, code)
    }

    fn code_seen(&self, serial: &str, code: &str) -> bool {
        self.inner.code_seen(serial, code)
    }

    fn forget(&self, source_profile: &str) {
        self.sessions
            .borrow_mut()
            .retain(|s| s.source_profile != source_profile);
        self.inner.forget(source_profile)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::NoStore;
    use std::time::SystemTime;

    /// alice's MFA session, expiring at `expires` (epoch seconds); also
    /// `hookstate`'s tests' fixture.
    pub(crate) fn session(expires: u64) -> (EntryKey, Credentials) {
        let key = EntryKey::Session {
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
    fn sessions_are_served_while_fresh_and_replaced_per_identity() {
        let now = epoch(SystemTime::now());
        let mut sessions = Vec::new();
        let (key, creds) = session(now + 3600);
        {
            let store = ShellStore::new(&mut sessions, Box::new(NoStore));
            assert!(store.load(&key).is_none());
            store.store(&key, &creds);
            store.store(&key, &creds);
            assert_eq!(store.load(&key).unwrap().secret_access_key(), "secret");
        }
        assert_eq!(sessions.len(), 1, "one per identity");
        // Less than MIN_VALIDITY left: not served, but kept until expiry.
        let (key, creds) = session(now + 60);
        let store = ShellStore::new(&mut sessions, Box::new(NoStore));
        store.store(&key, &creds);
        assert!(store.load(&key).is_none());
        store.forget("alice");
        drop(store);
        assert!(sessions.is_empty(), "forget drops the identity's sessions");
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
}
