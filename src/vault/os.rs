//! The operating system's store of secrets, for long-term keys: on Linux
//! the Secret Service (GNOME Keyring, KWallet) over the D-Bus session bus;
//! elsewhere the macOS Keychain or the Windows Credential Manager through
//! the `keyring` crate.
//!
//! Each key is one item, named by awsmfa, the credentials file's scope and
//! the profile; its secret is the key id and secret as JSON, so that one
//! store call replaces both at once (a kill leaves the old key or the new).

use super::{LongTermKey, Slot, VaultError};

/// The item's secret: the id and the secret together.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    access_key_id: String,
    secret_access_key: String,
}

fn encode(key: &LongTermKey) -> String {
    serde_json::to_string(&Stored {
        access_key_id: key.access_key_id.clone(),
        secret_access_key: key.secret().to_string(),
    })
    .expect("two strings encode")
}

fn decode(bytes: &[u8]) -> Result<LongTermKey, VaultError> {
    let s: Stored = serde_json::from_slice(bytes).map_err(|_| VaultError::Damaged {
        path: format!("the {NAME} item"),
        why: "it does not hold an awsmfa key".into(),
    })?;
    Ok(LongTermKey::new(s.access_key_id, s.secret_access_key))
}

/// The item's account name (Keychain, Credential Manager) or label.
fn account(slot: &Slot) -> String {
    format!("long-term-key:{}:{}", slot.scope, slot.profile)
}

fn unavailable(why: impl std::fmt::Display) -> VaultError {
    VaultError::Unavailable {
        store: NAME,
        why: why.to_string(),
    }
}

pub fn describe(slot: &Slot) -> String {
    format!("the {NAME} (awsmfa `{}`)", account(slot))
}

/// The access key id, from the item (an unlocked store asks nothing).
pub fn key_id(slot: &Slot) -> Result<Option<String>, VaultError> {
    Ok(get(slot)?.map(|k| k.access_key_id))
}

#[cfg(target_os = "linux")]
pub use secret_service_store::*;

#[cfg(target_os = "linux")]
mod secret_service_store {
    use super::{LongTermKey, Slot, VaultError, account, decode, encode, unavailable};
    use secret_service::EncryptionType;
    use secret_service::blocking::{Item, SecretService};
    use std::collections::HashMap;

    pub const NAME: &str = "Secret Service (GNOME Keyring, KWallet)";

    fn connect() -> Result<SecretService<'static>, VaultError> {
        // Dh: the secret crosses the bus encrypted, not in the clear.
        SecretService::connect(EncryptionType::Dh).map_err(unavailable)
    }

    fn attributes(slot: &Slot) -> HashMap<&str, &str> {
        HashMap::from([
            ("application", "awsmfa"),
            ("kind", "long-term-key"),
            ("scope", slot.scope.as_str()),
            ("profile", slot.profile.as_str()),
        ])
    }

    /// Whether the Secret Service answers on this session's bus.
    pub fn check() -> Result<(), VaultError> {
        super::bounded::call(NAME, |_| {
            connect()?.get_default_collection().map_err(unavailable)?;
            Ok(())
        })
    }

    /// A locked item or collection is unlocked by the service's own prompt,
    /// which needs a desktop; without one, say so instead of waiting.
    /// `prompting` gives the person at the desktop longer than a call.
    fn unlock(ss: &SecretService, items: &[&Item], prompting: &dyn Fn()) -> Result<(), VaultError> {
        if !crate::mfa::dialog::graphical() {
            return Err(unavailable(
                "the keyring is locked and there is no desktop to unlock it on; unlock it (e.g. log in to the desktop), or use vault = \"file\"",
            ));
        }
        prompting();
        ss.unlock_all(items).map_err(unavailable)
    }

    fn found<'a>(
        ss: &'a SecretService,
        slot: &Slot,
        prompting: &dyn Fn(),
    ) -> Result<Option<Item<'a>>, VaultError> {
        let result = ss.search_items(attributes(slot)).map_err(unavailable)?;
        if let Some(item) = result.unlocked.into_iter().next() {
            return Ok(Some(item));
        }
        match result.locked.into_iter().next() {
            Some(item) => {
                unlock(ss, &[&item], prompting)?;
                Ok(Some(item))
            }
            None => Ok(None),
        }
    }

    pub fn get(slot: &Slot) -> Result<Option<LongTermKey>, VaultError> {
        let slot = slot.clone();
        super::bounded::call(NAME, move |prompting| {
            let ss = connect()?;
            let secret = match found(&ss, &slot, prompting)? {
                Some(item) => item.get_secret().map_err(unavailable)?,
                None => return Ok(None),
            };
            decode(&secret).map(Some)
        })
    }

    pub fn put(slot: &Slot, key: &LongTermKey) -> Result<(), VaultError> {
        let (slot, key) = (slot.clone(), key.clone());
        super::bounded::call(NAME, move |prompting| {
            let ss = connect()?;
            let collection = ss.get_default_collection().map_err(unavailable)?;
            if collection.is_locked().map_err(unavailable)? {
                prompting();
                collection.unlock().map_err(unavailable)?;
            }
            // replace = true: the item with these attributes is replaced in
            // one call, so a kill leaves the old key or the new one.
            collection
                .create_item(
                    &format!("awsmfa: {}", account(&slot)),
                    attributes(&slot),
                    encode(&key).as_bytes(),
                    true,
                    "application/json",
                )
                .map_err(unavailable)?;
            Ok(())
        })
    }

    pub fn delete(slot: &Slot) -> Result<bool, VaultError> {
        let slot = slot.clone();
        super::bounded::call(NAME, move |prompting| {
            let ss = connect()?;
            match found(&ss, &slot, prompting)? {
                Some(item) => item.delete().map(|()| true).map_err(unavailable),
                None => Ok(false),
            }
        })
    }
}

/// Every call to the OS store ends within a bound: a keyring daemon that is
/// hung (or any peer of the session bus that took its name and never
/// answers) would otherwise block `env`, `process` under an SDK, the prompt
/// hook and every refresh of `exec --server`, for ever.
///
/// The call runs on a thread of its own, and the caller stops waiting at
/// the deadline. A call that never returns keeps its thread until awsmfa
/// exits; while it hangs, later calls fail at once instead of adding
/// threads (`exec --server` lives long and asks again).
#[cfg(target_os = "linux")]
mod bounded {
    use super::VaultError;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{RecvTimeoutError, channel};
    use std::time::{Duration, Instant};

    /// One call of the D-Bus session bus: a healthy Secret Service answers in
    /// milliseconds, and starting its daemon on the first call (D-Bus
    /// activation) takes about a second on a loaded machine. A constant,
    /// not `AWSMFA_TIMEOUT`: that one bounds a network round trip to AWS.
    pub const ANSWER_WITHIN: Duration = Duration::from_secs(5);
    /// Unlocking a locked keyring shows a prompt on the desktop; a person
    /// types a password there.
    pub const PROMPT_WITHIN: Duration = Duration::from_secs(120);

    /// A call that has not returned yet (its thread may never end).
    static UNANSWERED: AtomicBool = AtomicBool::new(false);

    enum Heard<T> {
        Prompting,
        Done(Result<T, VaultError>),
    }

    /// Run `work` (given a function to call before showing a prompt) within
    /// [`ANSWER_WITHIN`], or [`PROMPT_WITHIN`] once it prompts.
    pub fn call<T: Send + 'static>(
        store: &'static str,
        work: impl FnOnce(&dyn Fn()) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, VaultError> {
        let no_answer = |waited: Duration| VaultError::NoAnswer {
            store,
            secs: waited.as_secs().max(1),
        };
        if UNANSWERED.swap(true, Ordering::SeqCst) {
            return Err(no_answer(ANSWER_WITHIN));
        }
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let prompting = {
                let tx = tx.clone();
                move || {
                    let _ = tx.send(Heard::Prompting);
                }
            };
            let result = work(&prompting);
            UNANSWERED.store(false, Ordering::SeqCst);
            let _ = tx.send(Heard::Done(result));
        });
        let mut bound = ANSWER_WITHIN;
        let mut deadline = Instant::now() + bound;
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Heard::Done(result)) => return result,
                Ok(Heard::Prompting) => {
                    bound = PROMPT_WITHIN;
                    deadline = Instant::now() + bound;
                }
                Err(RecvTimeoutError::Timeout) => return Err(no_answer(bound)),
                Err(RecvTimeoutError::Disconnected) => {
                    UNANSWERED.store(false, Ordering::SeqCst);
                    return Err(VaultError::Unavailable {
                        store,
                        why: "the call to it failed".into(),
                    });
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_call_that_never_returns_ends_at_the_bound_and_the_next_at_once() {
            let started = Instant::now();
            let hung = call("test store", |_| -> Result<(), VaultError> {
                std::thread::sleep(Duration::from_secs(3600));
                Ok(())
            });
            let waited = started.elapsed();
            assert!(
                matches!(hung, Err(VaultError::NoAnswer { secs: 5, .. })),
                "{hung:?}"
            );
            assert!(
                waited >= ANSWER_WITHIN && waited < ANSWER_WITHIN * 2,
                "{waited:?}"
            );
            let again = Instant::now();
            assert!(matches!(
                call("test store", |_| Ok(())),
                Err(VaultError::NoAnswer { .. })
            ));
            assert!(again.elapsed() < Duration::from_secs(1));
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub use keyring_store::*;

/// macOS Keychain, Windows Credential Manager: service `awsmfa`, one
/// account per key.
#[cfg(not(target_os = "linux"))]
mod keyring_store {
    use super::{LongTermKey, Slot, VaultError, account, decode, encode, unavailable};

    pub const NAME: &str = if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else {
        "Windows Credential Manager"
    };

    fn entry(slot: &Slot) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new("awsmfa", &account(slot)).map_err(unavailable)
    }

    /// Both stores are part of the system and always there.
    pub fn check() -> Result<(), VaultError> {
        Ok(())
    }

    pub fn get(slot: &Slot) -> Result<Option<LongTermKey>, VaultError> {
        match entry(slot)?.get_password() {
            Ok(text) => decode(text.as_bytes()).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// One call sets id and secret together (the Keychain item's data, the
    /// credential's blob).
    pub fn put(slot: &Slot, key: &LongTermKey) -> Result<(), VaultError> {
        entry(slot)?.set_password(&encode(key)).map_err(unavailable)
    }

    pub fn delete(slot: &Slot) -> Result<bool, VaultError> {
        match entry(slot)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_item_holds_id_and_secret_and_nothing_else_passes() {
        let key = LongTermKey::new("AKIA1", "s/e+c=r\"et");
        assert_eq!(decode(encode(&key).as_bytes()).unwrap(), key);
        assert!(matches!(
            decode(b"hunter2"),
            Err(VaultError::Damaged { .. })
        ));
        let slot = Slot {
            profile: "my profile".into(),
            scope: "00ff".into(),
        };
        assert_eq!(account(&slot), "long-term-key:00ff:my profile");
    }

    /// On macOS and Windows the real store, when the test runs on them
    /// (CI here is Linux, where tests/vault.rs tests the Secret Service).
    #[cfg(not(target_os = "linux"))]
    #[test]
    fn the_os_store_keeps_replaces_and_deletes_a_key() {
        let slot = Slot {
            profile: format!("unit-test-{}", std::process::id()),
            scope: "test".into(),
        };
        let (a, b) = (
            LongTermKey::new("AKIA1", "one"),
            LongTermKey::new("AKIA2", "two"),
        );
        put(&slot, &a).unwrap();
        assert_eq!(get(&slot).unwrap(), Some(a));
        put(&slot, &b).unwrap();
        assert_eq!(key_id(&slot).unwrap().as_deref(), Some("AKIA2"));
        assert!(delete(&slot).unwrap());
        assert_eq!(get(&slot).unwrap(), None);
        assert!(!delete(&slot).unwrap());
    }
}
