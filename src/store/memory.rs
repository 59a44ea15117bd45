//! The exec-server's store: MFA sessions held in this process's memory when
//! the encrypted cache is off, so that each refresh of `exec --server`
//! still reuses the one session this process started. Nothing else owns
//! in-memory credentials; the HTTP endpoint itself is [`crate::server`].

use super::{EntryKey, Store, fresh};
use aws_credential_types::Credentials;
use std::cell::RefCell;
use std::collections::HashMap;

/// Every entry this process stored, served while [`fresh`].
#[derive(Default)]
pub struct Memory(RefCell<HashMap<EntryKey, Credentials>>);

impl Store for Memory {
    fn load(&self, key: &EntryKey) -> Option<Credentials> {
        self.0.borrow().get(key).filter(|c| fresh(c)).cloned()
    }

    fn store(&self, key: &EntryKey, creds: &Credentials) {
        self.0.borrow_mut().insert(key.clone(), creds.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn serves_what_it_stored_while_fresh() {
        let key = EntryKey::Session {
            source_profile: "alice".into(),
            serial: "arn:aws:iam::1:mfa/alice".into(),
        };
        let memory = Memory::default();
        assert!(memory.load(&key).is_none());
        let soon = SystemTime::now() + Duration::from_secs(60);
        memory.store(&key, &Credentials::new("a", "b", None, Some(soon), "t"));
        assert!(memory.load(&key).is_none(), "less than MIN_VALIDITY left");
        let later = SystemTime::now() + Duration::from_secs(3600);
        memory.store(&key, &Credentials::new("a", "c", None, Some(later), "t"));
        assert_eq!(memory.load(&key).unwrap().secret_access_key(), "c");
    }
}
