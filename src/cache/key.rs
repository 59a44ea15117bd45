//! Where the cache's 256-bit key lives. Never beside the ciphertext:
//!
//! 1. the operating system's key store (macOS Keychain, Windows Credential
//!    Manager, Linux keyutils), when it works;
//! 2. else a `0600` file in `$XDG_RUNTIME_DIR`, a per-user tmpfs that never
//!    reaches persistent disk and is wiped at logout/reboot;
//! 3. else, only when chosen explicitly, a key derived from a passphrase
//!    (Argon2id) typed at the terminal.
//!
//! With none of these the cache stays off, quietly (`awsmfa status` says so).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const KEY_LEN: usize = 32;
const SERVICE: &str = "awsmfa";
const ACCOUNT: &str = "session-cache-key";

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
    Keyring,
    File(PathBuf),
    Passphrase { salt_file: PathBuf },
}

impl Store {
    /// One line for `awsmfa status` / `cache list`.
    pub fn describe(&self) -> String {
        match self {
            Store::Keyring => format!("the operating system's key store ({})", keyring_name()),
            Store::File(path) => format!("{} (tmpfs, 0600)", path.display()),
            Store::Passphrase { .. } => "a passphrase (Argon2id)".to_string(),
        }
    }

    /// The stores to try, in order, for `choice`.
    pub fn candidates(choice: Choice, cache_dir: &Path) -> Vec<Store> {
        let file = runtime_key_path().map(Store::File);
        match choice {
            Choice::Auto => std::iter::once(Store::Keyring).chain(file).collect(),
            Choice::Keyring => vec![Store::Keyring],
            Choice::File => file.into_iter().collect(),
            Choice::Passphrase => vec![Store::Passphrase {
                salt_file: cache_dir.join("passphrase.salt"),
            }],
        }
    }

    /// The first store that yields a key (creating it when `create`): on a
    /// headless Linux box keyutils may refuse (no session keyring outside
    /// `keyctl session`), and then the runtime-dir file takes over, quietly.
    pub fn open(choice: Choice, cache_dir: &Path, create: bool) -> Option<(Store, [u8; KEY_LEN])> {
        Store::candidates(choice, cache_dir)
            .into_iter()
            .find_map(|store| match store.key(create) {
                Ok(Some(key)) => Some((store, key)),
                _ => None,
            })
    }

    /// The key, creating one when there is none yet (`create`).
    pub fn key(&self, create: bool) -> Result<Option<[u8; KEY_LEN]>> {
        match self {
            Store::Keyring => {
                let entry = keyring_entry()?;
                match entry.get_secret() {
                    Ok(bytes) if bytes.len() == KEY_LEN => Ok(Some(to_key(&bytes))),
                    Ok(_) | Err(keyring::Error::NoEntry) if create => {
                        let key = random_key()?;
                        entry.set_secret(&key).map_err(|e| {
                            Error::Other(format!("cannot store the cache key: {e}"))
                        })?;
                        // Some stores accept a write they cannot read back.
                        match entry.get_secret() {
                            Ok(back) if back == key => Ok(Some(key)),
                            _ => Err(Error::Other("the key store did not keep the key".into())),
                        }
                    }
                    Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
                    Err(e) => Err(Error::Other(format!("cannot read the cache key: {e}"))),
                }
            }
            Store::File(path) => match std::fs::read(path) {
                Ok(bytes) if bytes.len() == KEY_LEN => Ok(Some(to_key(&bytes))),
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(Error::io(format!("reading {}", path.display()), e))
                }
                _ if create => {
                    let key = random_key()?;
                    write_private(path, &key)?;
                    Ok(Some(key))
                }
                _ => Ok(None),
            },
            Store::Passphrase { salt_file } => passphrase_key(salt_file, create),
        }
    }

    /// Destroy the key (`awsmfa logout`): every entry becomes unreadable.
    pub fn forget(&self) -> Result<()> {
        match self {
            Store::Keyring => match keyring_entry()?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(Error::Other(format!("cannot delete the cache key: {e}"))),
            },
            Store::File(path) => remove(path),
            Store::Passphrase { salt_file } => remove(salt_file),
        }
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

fn to_key(bytes: &[u8]) -> [u8; KEY_LEN] {
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(bytes);
    key
}

pub fn random_key() -> Result<[u8; KEY_LEN]> {
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
    Ok(key)
}

fn keyring_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Linux keyutils"
    }
}

fn keyring_entry() -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, ACCOUNT)
        .map_err(|e| Error::Other(format!("key store unavailable: {e}")))
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
    std::fs::metadata(dir).is_ok_and(|m| {
        m.is_dir() && m.mode() & 0o077 == 0 && m.uid() == rustix::process::getuid().as_raw()
    })
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> bool {
    dir.is_dir()
}

/// Create `path` with mode 0600 from the first byte (parent 0700), atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("key path has a parent");
    super::private_dir(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(format!("writing in {}", dir.display()), e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.error))?;
    Ok(())
}

fn passphrase_key(salt_file: &Path, create: bool) -> Result<Option<[u8; KEY_LEN]>> {
    let salt = match std::fs::read(salt_file) {
        Ok(s) if s.len() == 16 => s,
        _ if !create => return Ok(None),
        _ => {
            let mut salt = vec![0u8; 16];
            getrandom::fill(&mut salt).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
            write_private(salt_file, &salt)?;
            salt
        }
    };
    // Only ever from the terminal: a passphrase in the environment would be
    // inherited by every child process.
    let passphrase = rpassword::prompt_password("awsmfa cache passphrase: ")
        .map_err(|_| Error::Other("the passphrase key store needs a terminal".into()))?;
    if passphrase.is_empty() {
        return Err(Error::Usage(
            "the cache passphrase must not be empty".into(),
        ));
    }
    let mut key = [0u8; KEY_LEN];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), &salt, &mut key)
        .map_err(|e| Error::Other(format!("cannot derive the cache key: {e}")))?;
    Ok(Some(key))
}
