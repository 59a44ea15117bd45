//! Where the cache's 256-bit key lives (this module alone makes, finds and
//! destroys it). Never beside the ciphertext:
//!
//! 1. the operating system's key store: on Linux the *user* keyring
//!    (keyutils `@u`), which every process of the user reaches whatever
//!    session keyring it was born into (a terminal, ssh, `setsid`, an IDE's
//!    `credential_process`), and which the kernel drops when the user's last
//!    process ends; elsewhere the macOS Keychain or Windows Credential
//!    Manager (the `keyring` crate);
//! 2. else a `0600` file in `$XDG_RUNTIME_DIR`, a per-user tmpfs that never
//!    reaches persistent disk and is wiped at logout/reboot;
//! 3. else, only when chosen explicitly, a key derived from a passphrase
//!    (Argon2id) typed at the terminal.
//!
//! A session keyring is never used: on a machine without a PAM keyring
//! session the kernel makes one per process, and a key kept there is gone
//! when the process exits, so the next terminal would ask for a code again.
//!
//! Each cache directory has its own key (the keyring entry is named after
//! the directory), so two HOMEs of one user never share or destroy each
//! other's key. With `auto` a store that does not work here is skipped
//! quietly, and with none left the cache is off (`status` and `doctor` say
//! so). A store chosen explicitly that fails turns the cache off for the
//! call with one warning: the user asked for it by name.

use crate::config::KeyStoreChoice;
use crate::error::{Error, Result};
use crate::fs::{Durability, NotPrivate};
use hmac::{Hmac, KeyInit as _, Mac};
use sha2::Sha256;
use std::path::{Path, PathBuf};

pub const KEY_LEN: usize = 32;
/// The cache's own key (not to be confused with [`super::EntryKey`], which
/// names an entry).
pub type CacheKey = [u8; KEY_LEN];
/// An unused key leaves the user keyring after this long; any entry it
/// protects has expired long before (an MFA session lasts 36 h at most).
#[cfg(target_os = "linux")]
const IDLE: usize = 7 * 24 * 3600;
const SALT_LEN: usize = 16;
/// HMAC-SHA256(key, this) is kept beside the salt, so a mistyped passphrase
/// is recognised instead of silently re-keying (and so dropping) the cache.
/// It tells an attacker nothing the entries' own authentication tags don't.
const CHECK: &[u8] = b"awsmfa cache passphrase check v1";

/// Where the key lives: a key store that works on this machine, holding (or
/// able to hold) it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHome {
    /// The OS key store, under a name of this cache directory's.
    Keyring(String),
    File(PathBuf),
    Passphrase {
        salt_file: PathBuf,
    },
}

/// Why a store gave no key.
#[derive(Debug)]
pub enum Trouble {
    /// The store does not work here (no keyutils session, no terminal).
    Unavailable(String),
    /// It holds something that is not a key: a new key will replace it.
    Damaged(String),
    /// It works but said no (a wrong passphrase): leave everything as is.
    Refused(String),
}

impl From<Trouble> for Error {
    fn from(t: Trouble) -> Error {
        match t {
            Trouble::Unavailable(why) | Trouble::Damaged(why) | Trouble::Refused(why) => {
                Error::Other(why)
            }
        }
    }
}

/// What [`KeyHome::open`] found.
#[derive(Debug, Default)]
pub struct Opened {
    pub key: Option<(KeyHome, CacheKey)>,
    /// The key was made just now: whatever was sealed before is unreadable.
    pub created: bool,
    /// Don't use the cache in this process (even if asked again).
    pub off: bool,
    /// One line for the user, when something is wrong.
    pub warning: Option<String>,
}

impl KeyHome {
    /// One line for `awsmfa status` / `cache list`.
    pub fn describe(&self) -> String {
        match self {
            KeyHome::Keyring(label) => os::describe(label),
            KeyHome::File(path) => describe_file(path),
            KeyHome::Passphrase { .. } => "a passphrase (Argon2id)".to_string(),
        }
    }

    /// The stores to try, in order, for `choice`.
    pub fn candidates(choice: KeyStoreChoice, cache_dir: &Path) -> Vec<KeyHome> {
        let file = runtime_key_path().map(KeyHome::File);
        match choice {
            KeyStoreChoice::Auto => std::iter::once(keyring(cache_dir)).chain(file).collect(),
            KeyStoreChoice::Keyring => vec![keyring(cache_dir)],
            KeyStoreChoice::File => file.into_iter().collect(),
            KeyStoreChoice::Passphrase => vec![KeyHome::Passphrase {
                salt_file: cache_dir.join("passphrase.salt"),
            }],
        }
    }

    /// The key: an existing one wherever it is (so processes never disagree
    /// on the store when one becomes usable later), else, when `create`, a
    /// new one in the first store that takes it.
    pub fn open(choice: KeyStoreChoice, cache_dir: &Path, create: bool) -> Opened {
        let stores = KeyHome::candidates(choice, cache_dir);
        let explicit = choice != KeyStoreChoice::Auto;
        if explicit && stores.is_empty() {
            return off(
                "the `file` key store needs $XDG_RUNTIME_DIR set to a private (0700) directory of yours; the session cache is off for this call".into(),
            );
        }
        let mut opened = Opened::default();
        for store in &stores {
            match store.existing() {
                Ok(Some(key)) => {
                    opened.key = Some((store.clone(), key));
                    return opened;
                }
                Ok(None) => {}
                Err(Trouble::Damaged(why)) => opened.warning = Some(why),
                Err(Trouble::Refused(why)) => return off(why),
                Err(Trouble::Unavailable(why)) if explicit => return off(why),
                Err(Trouble::Unavailable(_)) => {}
            }
        }
        if !create {
            return opened;
        }
        // One creator at a time: two processes starting at once must not
        // each encrypt under a key of their own, one of which the other
        // then replaces. The loser finds the winner's key above.
        let _lock = super::lock_file(&cache_dir.join("key.lock"));
        if let Some(found) = stores
            .iter()
            .find_map(|s| s.existing().ok().flatten().map(|k| (s.clone(), k)))
        {
            opened.key = Some(found);
            return opened;
        }
        for store in &stores {
            match store.create() {
                Ok((key, created)) => {
                    opened.key = Some((store.clone(), key));
                    opened.created = created;
                    return opened;
                }
                Err(Trouble::Unavailable(_)) if !explicit => {}
                Err(Trouble::Unavailable(why) | Trouble::Refused(why) | Trouble::Damaged(why)) => {
                    return off(why);
                }
            }
        }
        // Only `auto` gets here: with no store that works, the cache is off
        // quietly (the prompt hook must not complain at every `cd`, and a
        // box with neither keyutils nor a runtime dir is no mistake);
        // `awsmfa status` says which store is in use, if any.
        Opened {
            off: true,
            ..Opened::default()
        }
    }

    /// Which store holds a key, asking for no passphrase (for `cache list`).
    pub fn holder(choice: KeyStoreChoice, cache_dir: &Path) -> Option<KeyHome> {
        KeyHome::candidates(choice, cache_dir)
            .into_iter()
            .find(|store| match store {
                KeyHome::Passphrase { salt_file } => salt_file.is_file(),
                other => matches!(other.existing(), Ok(Some(_))),
            })
    }

    /// The key this store holds, if any (making one when `create`): what
    /// `awsmfa doctor` asks each store.
    pub fn key(&self, create: bool) -> Result<Option<CacheKey>> {
        match self.existing() {
            Ok(None) | Err(Trouble::Damaged(_)) if create => {
                self.create().map(|(key, _)| Some(key)).map_err(Error::from)
            }
            Ok(found) => Ok(found),
            Err(trouble) => Err(trouble.into()),
        }
    }

    /// The key this store holds, if any.
    fn existing(&self) -> std::result::Result<Option<CacheKey>, Trouble> {
        match self {
            KeyHome::Keyring(label) => match os::get(label) {
                Ok(Some(bytes)) if bytes.len() == KEY_LEN => Ok(Some(to_key(&bytes))),
                Ok(Some(_)) => Err(Trouble::Damaged(format!(
                    "the cache key in the {} is not a key; a new key replaces it",
                    os::NAME
                ))),
                Ok(None) => Ok(None),
                Err(why) => Err(Trouble::Unavailable(format!("{}: {why}", os::NAME))),
            },
            KeyHome::File(path) => match read_key_file(path)? {
                Some(bytes) if bytes.len() == KEY_LEN => Ok(Some(to_key(&bytes))),
                Some(_) => Err(Trouble::Damaged(format!(
                    "the cache key {} is damaged; a new key replaces it, and the cached sessions are fetched again",
                    path.display()
                ))),
                None => Ok(None),
            },
            KeyHome::Passphrase { salt_file } => {
                let stored = match std::fs::read(salt_file) {
                    Ok(bytes) => bytes,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => {
                        return Err(Trouble::Unavailable(format!(
                            "cannot read {}: {e}",
                            salt_file.display()
                        )));
                    }
                };
                if stored.len() != SALT_LEN + 32 {
                    return Err(Trouble::Damaged(format!(
                        "{} is damaged; a new passphrase will be asked for",
                        salt_file.display()
                    )));
                }
                let (salt, check) = stored.split_at(SALT_LEN);
                let key = derive(&ask("awsmfa cache passphrase: ")?, salt)?;
                if check_of(&key)[..] == *check {
                    Ok(Some(key))
                } else {
                    Err(Trouble::Refused(
                        "wrong cache passphrase; the session cache is off for this call".into(),
                    ))
                }
            }
        }
    }

    /// Make and keep a new key: (the key, whether it is ours rather than
    /// one a racing process stored first).
    fn create(&self) -> std::result::Result<(CacheKey, bool), Trouble> {
        let unavailable = |e: Error| Trouble::Unavailable(e.to_string());
        match self {
            KeyHome::Keyring(label) => {
                let key = random_key().map_err(unavailable)?;
                let fail = |why: String| Trouble::Unavailable(format!("{}: {why}", os::NAME));
                os::set(label, &key).map_err(fail)?;
                // Read back: some stores accept a write they cannot return.
                match os::get(label).map_err(fail)? {
                    Some(back) if back == key => Ok((key, true)),
                    _ => Err(fail("it did not keep the key".into())),
                }
            }
            KeyHome::File(path) => {
                let key = random_key().map_err(unavailable)?;
                // First writer wins: two processes starting at once must not
                // each encrypt under a key the other then replaces.
                match create_private(path, &key) {
                    Ok(true) => Ok((key, true)),
                    Ok(false) => match self.existing() {
                        Ok(Some(theirs)) => Ok((theirs, false)),
                        // What is there is not a key: replace it.
                        _ => super::write_own(path, &key, Durability::Durable)
                            .map(|()| (key, true))
                            .map_err(unavailable),
                    },
                    Err(e) => Err(unavailable(e)),
                }
            }
            KeyHome::Passphrase { salt_file } => {
                let first = ask("awsmfa new cache passphrase: ")?;
                if first.is_empty() {
                    return Err(Trouble::Refused(
                        "the cache passphrase must not be empty; the session cache is off for this call".into(),
                    ));
                }
                if ask("awsmfa the same cache passphrase again: ")? != first {
                    return Err(Trouble::Refused(
                        "the two cache passphrases differ; the session cache is off for this call"
                            .into(),
                    ));
                }
                let mut salt = [0u8; SALT_LEN];
                getrandom::fill(&mut salt)
                    .map_err(|e| Trouble::Unavailable(format!("no randomness: {e}")))?;
                let key = derive(&first, &salt)?;
                let mut stored = salt.to_vec();
                stored.extend_from_slice(&check_of(&key));
                super::write_own(salt_file, &stored, Durability::Durable).map_err(unavailable)?;
                Ok((key, true))
            }
        }
    }

    /// Destroy the key (`awsmfa logout`): every entry becomes unreadable. A
    /// store that does not work here holds nothing to destroy.
    pub fn forget(&self) -> Result<()> {
        match self {
            KeyHome::Keyring(label) => os::delete(label).map_err(|why| {
                Error::Other(format!(
                    "cannot delete the cache key from the {}: {why}",
                    os::NAME
                ))
            }),
            KeyHome::File(path) => remove(path),
            KeyHome::Passphrase { salt_file } => remove(salt_file),
        }
    }
}

/// The key file's bytes, None when absent. Anything but a regular file of
/// ours (a symlink, a FIFO that would block, a device) counts as absent
/// and is replaced; a key others could have read is refused, since the
/// entries it protects may already be in their hands.
fn read_key_file(path: &Path) -> std::result::Result<Option<Vec<u8>>, Trouble> {
    match crate::fs::read_private(path, KEY_LEN as u64 + 1) {
        Ok(found) => Ok(found),
        Err(NotPrivate::Foreign(why)) => Err(Trouble::Refused(format!(
            "the cache key {}: {why}; the session cache is off until you delete it (`awsmfa logout`)",
            path.display()
        ))),
        Err(NotPrivate::Unreadable(why)) => Err(Trouble::Unavailable(format!(
            "cannot read {}: {why}",
            path.display()
        ))),
    }
}

/// The key file as it really is: its mode and owner, read now.
fn describe_file(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::symlink_metadata(path) {
            return format!(
                "{} (mode {:04o}, uid {}, in the runtime dir)",
                path.display(),
                m.mode() & 0o7777,
                m.uid()
            );
        }
    }
    format!("{} (in the runtime dir, not created yet)", path.display())
}

fn off(why: String) -> Opened {
    Opened {
        off: true,
        warning: Some(why),
        ..Opened::default()
    }
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(Error::io(format!("removing {}", path.display()), e))
        }
        _ => Ok(()),
    }
}

fn to_key(bytes: &[u8]) -> CacheKey {
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(bytes);
    key
}

pub fn random_key() -> Result<CacheKey> {
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
    Ok(key)
}

/// The OS key store entry of the cache in `cache_dir`: one key per cache
/// directory, so that two HOMEs of one user (or two test worlds) never
/// share a key or destroy each other's.
fn keyring(cache_dir: &Path) -> KeyHome {
    use sha2::Digest;
    let digest = Sha256::digest(cache_dir.as_os_str().as_encoded_bytes());
    KeyHome::Keyring(format!("awsmfa:cache-key:{}", &hex::encode(digest)[..16]))
}

/// Linux: the user keyring. `add_key` straight into `@u` would leave the
/// key, for a moment, with the kernel's default permissions (possessor
/// only), which other processes of the user do not have: it is made in this
/// process's own keyring, opened to the user, then linked into `@u`, which
/// replaces any older key of that name in one step.
#[cfg(target_os = "linux")]
mod os {
    use linux_keyutils::{KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};

    pub const NAME: &str = "Linux user keyring (keyutils)";

    fn user() -> Result<KeyRing, String> {
        KeyRing::from_special_id(KeyRingIdentifier::User, true).map_err(text)
    }

    fn text(e: KeyError) -> String {
        format!("{e:?}")
    }

    pub fn get(label: &str) -> Result<Option<Vec<u8>>, String> {
        match user()?.search(label) {
            Ok(key) => match key.read_to_vec() {
                Ok(bytes) => Ok(Some(bytes)),
                // Expired or revoked since the search: gone.
                Err(KeyError::KeyExpired | KeyError::KeyRevoked | KeyError::KeyDoesNotExist) => {
                    Ok(None)
                }
                Err(e) => Err(text(e)),
            },
            Err(KeyError::KeyDoesNotExist | KeyError::KeyExpired | KeyError::KeyRevoked) => {
                Ok(None)
            }
            Err(e) => Err(text(e)),
        }
    }

    pub fn set(label: &str, secret: &[u8]) -> Result<(), String> {
        let own = KeyRing::from_special_id(KeyRingIdentifier::Process, true).map_err(text)?;
        let key = own.add_key(label, secret).map_err(text)?;
        let opened = KeyPermissionsBuilder::builder()
            .posessor(Permission::ALL)
            .user(
                Permission::VIEW
                    | Permission::READ
                    | Permission::SEARCH
                    | Permission::WRITE
                    | Permission::SETATTR,
            )
            .build();
        let linked = key
            .set_perms(opened)
            .and_then(|()| key.set_timeout(super::IDLE))
            .and_then(|()| user().map_err(|_| KeyError::AccessDenied)?.link_key(key));
        let _ = own.unlink_key(key);
        linked.map_err(text)
    }

    pub fn delete(label: &str) -> Result<(), String> {
        match user()?.search(label) {
            Ok(key) => key.invalidate().map_err(text),
            Err(KeyError::KeyDoesNotExist | KeyError::KeyExpired | KeyError::KeyRevoked) => Ok(()),
            // A kernel that refuses keyctl holds no key of ours.
            Err(_) if user().is_err() => Ok(()),
            Err(e) => Err(text(e)),
        }
    }

    /// Where the key is, for `status`, `cache list` and `doctor`.
    pub fn describe(label: &str) -> String {
        let uid = crate::fs::my_uid();
        match user().and_then(|r| r.search(label).map_err(text)) {
            Ok(key) => format!(
                "the {NAME}: key {} `{label}` in @u of uid {uid}, which every process of this user finds",
                key.get_id().as_raw_id()
            ),
            Err(_) => format!("the {NAME}: `{label}` in @u of uid {uid}"),
        }
    }
}

/// macOS Keychain, Windows Credential Manager: the `keyring` crate.
#[cfg(not(target_os = "linux"))]
mod os {
    pub const NAME: &str = if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else {
        "Windows Credential Manager"
    };

    fn entry(label: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new("awsmfa", label).map_err(|e| e.to_string())
    }

    pub fn get(label: &str) -> Result<Option<Vec<u8>>, String> {
        match entry(label)?.get_secret() {
            Ok(bytes) => Ok(Some(bytes)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn set(label: &str, secret: &[u8]) -> Result<(), String> {
        entry(label)?.set_secret(secret).map_err(|e| e.to_string())
    }

    pub fn delete(label: &str) -> Result<(), String> {
        let entry = entry(label)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            // A store that does not work here holds no key of ours.
            Err(keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_))
                if entry.get_secret().is_err() =>
            {
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn describe(label: &str) -> String {
        format!("the {NAME} (service `awsmfa`, account `{label}`)")
    }
}

/// `$XDG_RUNTIME_DIR/awsmfa/cache.key`, when the runtime dir exists and is
/// private (the XDG spec demands 0700, owned by the user).
fn runtime_key_path() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR")?);
    if !dir.is_absolute() || !crate::fs::is_private_dir(&dir) {
        return None;
    }
    Some(dir.join("awsmfa").join("cache.key"))
}

/// Create `path` with `bytes` only if nothing is there yet: Ok(false) when
/// another process got there first.
fn create_private(path: &Path, bytes: &[u8]) -> Result<bool> {
    crate::fs::create_private(path, bytes)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Only ever from the terminal: a passphrase in the environment would be
/// inherited by every child process.
fn ask(prompt: &str) -> std::result::Result<String, Trouble> {
    crate::mfa::read_hidden(prompt).map_err(|e| match e.kind() {
        std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof => Trouble::Refused(
            "no cache passphrase given; the session cache is off for this call".into(),
        ),
        _ => Trouble::Unavailable(
            "the passphrase key store needs a terminal; the session cache is off for this call"
                .into(),
        ),
    })
}

/// Argon2id (its default parameters) from a passphrase: also the vault's
/// encrypted key files' key (src/vault/file.rs).
pub(crate) fn derive(passphrase: &str, salt: &[u8]) -> std::result::Result<CacheKey, Trouble> {
    let mut key = [0u8; KEY_LEN];
    // Deliberately slow: after a silent second, say so.
    let _said =
        crate::term::waiting("awsmfa: deriving the key from the passphrase (Argon2id)…".into());
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| Trouble::Unavailable(format!("cannot derive the cache key: {e}")))?;
    Ok(key)
}

fn check_of(key: &CacheKey) -> [u8; 32] {
    keyed_check(key, CHECK)
}

/// HMAC-SHA256 of a fixed `label` under a key derived from a passphrase:
/// stored beside a salt, it tells a wrong passphrase from a damaged file
/// and tells an attacker nothing (also the vault's, src/vault/file.rs).
pub(crate) fn keyed_check(key: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_file_writer_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("awsmfa").join("cache.key");
        assert!(create_private(&path, &[1; 32]).unwrap());
        assert!(!create_private(&path, &[2; 32]).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), [1; 32]);
        let store = KeyHome::File(path.clone());
        assert_eq!(
            store.create().unwrap(),
            ([1; 32], false),
            "the existing key is used"
        );
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(store.existing(), Err(Trouble::Damaged(_))));
        let (new, created) = store.create().unwrap();
        assert!(created);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            new,
            "a damaged key is replaced"
        );
    }

    #[test]
    fn the_passphrase_check_tells_keys_apart() {
        let salt = [3u8; SALT_LEN];
        let right = derive("correct horse", &salt).unwrap();
        let wrong = derive("wrong horse", &salt).unwrap();
        assert_ne!(check_of(&right), check_of(&wrong));
        assert_eq!(
            check_of(&right),
            check_of(&derive("correct horse", &salt).unwrap())
        );
    }
}
