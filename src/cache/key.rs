//! Where the cache's 256-bit key lives. Never beside the ciphertext:
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

use crate::error::{Error, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const KEY_LEN: usize = 32;
pub type Key = [u8; KEY_LEN];
/// An unused key leaves the user keyring after this long; any entry it
/// protects has expired long before (an MFA session lasts 36 h at most).
#[cfg(target_os = "linux")]
const IDLE: usize = 7 * 24 * 3600;
const SALT_LEN: usize = 16;
/// HMAC-SHA256(key, this) is kept beside the salt, so a mistyped passphrase
/// is recognised instead of silently re-keying (and so dropping) the cache.
/// It tells an attacker nothing the entries' own authentication tags don't.
const CHECK: &[u8] = b"awsmfa cache passphrase check v1";

/// Which store to use: `auto` tries them in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    Auto,
    Keyring,
    File,
    Passphrase,
}

impl Choice {
    pub fn parse(raw: &str) -> Result<Choice> {
        match raw {
            "auto" => Ok(Choice::Auto),
            "keyring" => Ok(Choice::Keyring),
            "file" => Ok(Choice::File),
            "passphrase" => Ok(Choice::Passphrase),
            other => Err(Error::Usage(format!(
                "unknown key store {other:?}: use auto, keyring, file or passphrase"
            ))),
        }
    }
}

/// A key store that works on this machine, holding (or able to hold) the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
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

/// What [`Store::open`] found.
#[derive(Debug, Default)]
pub struct Opened {
    pub key: Option<(Store, Key)>,
    /// The key was made just now: whatever was sealed before is unreadable.
    pub created: bool,
    /// Don't use the cache in this process (even if asked again).
    pub off: bool,
    /// One line for the user, when something is wrong.
    pub warning: Option<String>,
}

impl Store {
    /// One line for `awsmfa status` / `cache list`.
    pub fn describe(&self) -> String {
        match self {
            Store::Keyring(label) => os::describe(label),
            Store::File(path) => describe_file(path),
            Store::Passphrase { .. } => "a passphrase (Argon2id)".to_string(),
        }
    }

    /// The stores to try, in order, for `choice`.
    pub fn candidates(choice: Choice, cache_dir: &Path) -> Vec<Store> {
        let file = runtime_key_path().map(Store::File);
        match choice {
            Choice::Auto => std::iter::once(keyring(cache_dir)).chain(file).collect(),
            Choice::Keyring => vec![keyring(cache_dir)],
            Choice::File => file.into_iter().collect(),
            Choice::Passphrase => vec![Store::Passphrase {
                salt_file: cache_dir.join("passphrase.salt"),
            }],
        }
    }

    /// The key: an existing one wherever it is (so processes never disagree
    /// on the store when one becomes usable later), else, when `create`, a
    /// new one in the first store that takes it.
    pub fn open(choice: Choice, cache_dir: &Path, create: bool) -> Opened {
        let stores = Store::candidates(choice, cache_dir);
        let explicit = choice != Choice::Auto;
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
                    return off(why)
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
    pub fn holder(choice: Choice, cache_dir: &Path) -> Option<Store> {
        Store::candidates(choice, cache_dir)
            .into_iter()
            .find(|store| match store {
                Store::Passphrase { salt_file } => salt_file.is_file(),
                other => matches!(other.existing(), Ok(Some(_))),
            })
    }

    /// The key this store holds, if any (making one when `create`): what
    /// `awsmfa doctor` asks each store.
    pub fn key(&self, create: bool) -> Result<Option<Key>> {
        match self.existing() {
            Ok(None) | Err(Trouble::Damaged(_)) if create => {
                self.create().map(|(key, _)| Some(key)).map_err(Error::from)
            }
            Ok(found) => Ok(found),
            Err(trouble) => Err(trouble.into()),
        }
    }

    /// The key this store holds, if any.
    fn existing(&self) -> std::result::Result<Option<Key>, Trouble> {
        match self {
            Store::Keyring(label) => match os::get(label) {
                Ok(Some(bytes)) if bytes.len() == KEY_LEN => Ok(Some(to_key(&bytes))),
                Ok(Some(_)) => Err(Trouble::Damaged(format!(
                    "the cache key in the {} is not a key; a new key replaces it",
                    os::NAME
                ))),
                Ok(None) => Ok(None),
                Err(why) => Err(Trouble::Unavailable(format!("{}: {why}", os::NAME))),
            },
            Store::File(path) => match read_key_file(path)? {
                Some(bytes) if bytes.len() == KEY_LEN => Ok(Some(to_key(&bytes))),
                Some(_) => Err(Trouble::Damaged(format!(
                    "the cache key {} is damaged; a new key replaces it, and the cached sessions are fetched again",
                    path.display()
                ))),
                None => Ok(None),
            },
            Store::Passphrase { salt_file } => {
                let stored = match std::fs::read(salt_file) {
                    Ok(bytes) => bytes,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => {
                        return Err(Trouble::Unavailable(format!(
                            "cannot read {}: {e}",
                            salt_file.display()
                        )))
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
    fn create(&self) -> std::result::Result<(Key, bool), Trouble> {
        let unavailable = |e: Error| Trouble::Unavailable(e.to_string());
        match self {
            Store::Keyring(label) => {
                let key = random_key().map_err(unavailable)?;
                let fail = |why: String| Trouble::Unavailable(format!("{}: {why}", os::NAME));
                os::set(label, &key).map_err(fail)?;
                // Read back: some stores accept a write they cannot return.
                match os::get(label).map_err(fail)? {
                    Some(back) if back == key => Ok((key, true)),
                    _ => Err(fail("it did not keep the key".into())),
                }
            }
            Store::File(path) => {
                let key = random_key().map_err(unavailable)?;
                // First writer wins: two processes starting at once must not
                // each encrypt under a key the other then replaces.
                match write_private_new(path, &key) {
                    Ok(true) => Ok((key, true)),
                    Ok(false) => match self.existing() {
                        Ok(Some(theirs)) => Ok((theirs, false)),
                        // What is there is not a key: replace it.
                        _ => write_private(path, &key, Sync::Durable)
                            .map(|()| (key, true))
                            .map_err(unavailable),
                    },
                    Err(e) => Err(unavailable(e)),
                }
            }
            Store::Passphrase { salt_file } => {
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
                write_private(salt_file, &stored, Sync::Durable).map_err(unavailable)?;
                Ok((key, true))
            }
        }
    }

    /// Destroy the key (`awsmfa logout`): every entry becomes unreadable. A
    /// store that does not work here holds nothing to destroy.
    pub fn forget(&self) -> Result<()> {
        match self {
            Store::Keyring(label) => os::delete(label).map_err(|why| {
                Error::Other(format!(
                    "cannot delete the cache key from the {}: {why}",
                    os::NAME
                ))
            }),
            Store::File(path) => remove(path),
            Store::Passphrase { salt_file } => remove(salt_file),
        }
    }
}

/// The key file's bytes, None when absent. Anything but a regular file of
/// ours (a symlink, a FIFO that would block, a device) counts as absent
/// and is replaced; a key others could have read is refused, since the
/// entries it protects may already be in their hands.
fn read_key_file(path: &Path) -> std::result::Result<Option<Vec<u8>>, Trouble> {
    match crate::cache::read_private(path, KEY_LEN as u64 + 1) {
        Ok(found) => Ok(found),
        Err(crate::cache::Unsafe::Foreign(why)) => Err(Trouble::Refused(format!(
            "the cache key {}: {why}; the session cache is off until you delete it (`awsmfa logout`)",
            path.display()
        ))),
        Err(crate::cache::Unsafe::Unreadable(why)) => Err(Trouble::Unavailable(format!(
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

fn to_key(bytes: &[u8]) -> Key {
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(bytes);
    key
}

pub fn random_key() -> Result<Key> {
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
    Ok(key)
}

/// The OS key store entry of the cache in `cache_dir`: one key per cache
/// directory, so that two HOMEs of one user (or two test worlds) never
/// share a key or destroy each other's.
fn keyring(cache_dir: &Path) -> Store {
    use sha2::Digest;
    let digest = Sha256::digest(cache_dir.as_os_str().as_encoded_bytes());
    Store::Keyring(format!("awsmfa:cache-key:{}", &hex::encode(digest)[..16]))
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
    if !dir.is_absolute() || !private_dir(&dir) {
        return None;
    }
    Some(dir.join("awsmfa").join("cache.key"))
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir)
        .is_ok_and(|m| m.is_dir() && m.mode() & 0o077 == 0 && m.uid() == crate::fs::my_uid())
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> bool {
    dir.is_dir()
}

/// Whether a write must survive a crash. A key must (losing it loses every
/// entry); a cache entry need not: a torn one fails authentication and is
/// fetched again, and an fsync costs milliseconds on a laptop's disk.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    Durable,
    Cache,
}

/// A temp file beside `path`, 0600 from the first byte (tempfile's default),
/// holding `bytes`.
fn staged(path: &Path, bytes: &[u8], sync: Sync) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().expect("key path has a parent");
    super::private_dir(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(format!("writing in {}", dir.display()), e))?;
    tmp.write_all(bytes)
        .and_then(|()| match sync {
            Sync::Durable => tmp.as_file().sync_all(),
            Sync::Cache => Ok(()),
        })
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    Ok(tmp)
}

/// Replace `path` atomically with `bytes`, mode 0600 (parent 0700).
pub fn write_private(path: &Path, bytes: &[u8], sync: Sync) -> Result<()> {
    let tmp = staged(path, bytes, sync)?;
    if let Err(e) = tmp.persist(path) {
        // Something that is not a file in the way (an empty directory) is
        // not worth keeping either; try once more without it.
        if !path.is_dir() || std::fs::remove_dir(path).is_err() {
            return Err(Error::io(format!("writing {}", path.display()), e.error));
        }
        e.file
            .persist(path)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e.error))?;
    }
    Ok(())
}

/// Create `path` with `bytes` only if nothing is there yet: Ok(false) when
/// another process got there first.
fn write_private_new(path: &Path, bytes: &[u8]) -> Result<bool> {
    match staged(path, bytes, Sync::Durable)?.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::io(format!("writing {}", path.display()), e.error)),
    }
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
pub(crate) fn derive(passphrase: &str, salt: &[u8]) -> std::result::Result<Key, Trouble> {
    let mut key = [0u8; KEY_LEN];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| Trouble::Unavailable(format!("cannot derive the cache key: {e}")))?;
    Ok(key)
}

fn check_of(key: &Key) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(CHECK);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_file_writer_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("awsmfa").join("cache.key");
        assert!(write_private_new(&path, &[1; 32]).unwrap());
        assert!(!write_private_new(&path, &[2; 32]).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), [1; 32]);
        let store = Store::File(path.clone());
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
