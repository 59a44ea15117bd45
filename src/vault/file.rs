//! The encrypted file store, for a Linux machine with no Secret Service:
//! one file per profile in `$XDG_DATA_HOME/awsmfa/keys/` (0700), each 0600,
//! replaced atomically.
//!
//! One file per profile rather than one store: a damaged or tampered file
//! costs that profile's key only, a rotate rewrites one small file without
//! reading or re-sealing the others, and two profiles are never written in
//! one read-modify-write that a kill could tear.
//!
//! Each file: a header in the clear (a fresh Argon2id salt, a check value
//! that tells a wrong passphrase from a damaged file, the nonce, the
//! profile and the access key id, which AWS does not treat as secret and
//! which `keys list` and `rotate` read without a passphrase), then the
//! secret sealed with XChaCha20-Poly1305 under the key derived from the
//! passphrase, the whole header and the file's scope authenticated with it:
//! a file edited, truncated, or moved to another profile's name fails.

use super::{LongTermKey, PASSPHRASE_VAR, Slot, VaultError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

pub const NAME: &str = "encrypted key file";
const MAGIC: &[u8] = b"awsmfa long-term key v1\n";
const SALT_LEN: usize = 16;
const CHECK_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Far more than a key, its id and a profile name: anything larger is not ours.
const MAX_FILE: u64 = 4096;
/// HMAC-SHA256(derived key, this): a wrong passphrase is named as such.
const CHECK: &[u8] = b"awsmfa vault passphrase check v1";

pub struct FileStore {
    dir: PathBuf,
    passphrase: RefCell<Option<String>>,
}

/// The passphrase once a file confirmed it: asked once per process (a
/// rotate reads the key, then writes the new one, through two stores).
static CONFIRMED: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// A file's parts, borrowed from its bytes.
struct Parsed<'a> {
    salt: &'a [u8],
    check: &'a [u8],
    nonce: &'a [u8],
    key_id: String,
    profile: String,
    header: &'a [u8],
    sealed: &'a [u8],
}

impl FileStore {
    pub fn open() -> crate::error::Result<FileStore> {
        use etcetera::BaseStrategy;
        let dir = crate::config::dirs()?
            .data_dir()
            .join("awsmfa")
            .join("keys");
        let store = FileStore::at(dir);
        *store.passphrase.borrow_mut() = CONFIRMED.lock().ok().and_then(|p| p.clone());
        Ok(store)
    }

    pub fn at(dir: PathBuf) -> FileStore {
        FileStore {
            dir,
            passphrase: RefCell::new(None),
        }
    }

    /// `<scope>-<profile in hex>.key`: any profile name makes a file name.
    pub fn path(&self, slot: &Slot) -> PathBuf {
        let name = format!("{}-{}.key", slot.scope, hex::encode(&slot.profile));
        self.dir.join(name)
    }

    pub fn has(&self, slot: &Slot) -> bool {
        std::fs::symlink_metadata(self.path(slot)).is_ok()
    }

    pub fn get(&self, slot: &Slot) -> Result<Option<LongTermKey>, VaultError> {
        let path = self.path(slot);
        let Some(bytes) = self.read(&path)? else {
            return Ok(None);
        };
        let parsed = parse(&bytes).map_err(|why| damaged(&path, why))?;
        let key = self.derive_checked(&path, parsed.salt, parsed.check)?;
        let secret = XChaCha20Poly1305::new(&key.into())
            .decrypt(
                XNonce::from_slice(parsed.nonce),
                Payload {
                    msg: parsed.sealed,
                    aad: &aad(parsed.header, slot),
                },
            )
            .map_err(|_| {
                damaged(
                    &path,
                    "it does not decrypt: it was changed, or belongs to another profile".into(),
                )
            })?;
        let secret = String::from_utf8(secret).map_err(|_| damaged(&path, "not text".into()))?;
        Ok(Some(LongTermKey::new(parsed.key_id, secret)))
    }

    /// The key id in the file's header, asking for no passphrase.
    pub fn key_id(&self, slot: &Slot) -> Result<Option<String>, VaultError> {
        let path = self.path(slot);
        let Some(bytes) = self.read(&path)? else {
            return Ok(None);
        };
        let parsed = parse(&bytes).map_err(|why| damaged(&path, why))?;
        Ok(Some(parsed.key_id))
    }

    pub fn put(&self, slot: &Slot, key: &LongTermKey) -> Result<(), VaultError> {
        let path = self.path(slot);
        let passphrase = self.passphrase_for_writing(&path)?;
        let mut salt = [0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut salt)
            .and_then(|()| getrandom::fill(&mut nonce))
            .map_err(|e| VaultError::Io(format!("no randomness: {e}")))?;
        let derived = derive(&passphrase, &salt)?;
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&salt);
        out.extend_from_slice(&check_of(&derived));
        out.extend_from_slice(&nonce);
        push_field(&mut out, key.access_key_id.as_bytes())?;
        push_field(&mut out, slot.profile.as_bytes())?;
        let sealed = XChaCha20Poly1305::new(&derived.into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.secret().as_bytes(),
                    aad: &aad(&out, slot),
                },
            )
            .map_err(|_| VaultError::Io("encryption failed".into()))?;
        out.extend_from_slice(&sealed);
        crate::fs::ensure_private_dir(&self.dir)
            .map_err(|e| VaultError::Io(format!("creating {}: {e}", self.dir.display())))?;
        let own = crate::fs::Replace::Own(crate::fs::Durability::Durable);
        crate::fs::write_private(&path, &out, own)
            .map_err(|e| VaultError::Io(format!("writing {}: {e}", path.display())))
    }

    pub fn delete(&self, slot: &Slot) -> Result<bool, VaultError> {
        let path = self.path(slot);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(VaultError::Io(format!("removing {}: {e}", path.display()))),
        }
    }

    /// Every file of `scope`: (profile, key id), for `keys list`.
    pub fn list(&self, scope: &str) -> Vec<(String, String)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(&format!("{scope}-")) || !name.ends_with(".key") {
                continue;
            }
            if let Ok(Some(bytes)) = self.read(&entry.path())
                && let Ok(p) = parse(&bytes)
            {
                out.push((p.profile, p.key_id));
            }
        }
        out.sort();
        out
    }

    fn read(&self, path: &Path) -> Result<Option<Vec<u8>>, VaultError> {
        match crate::fs::read_private(path, MAX_FILE) {
            Ok(found) => Ok(found),
            Err(crate::fs::NotPrivate::Foreign(why) | crate::fs::NotPrivate::Unreadable(why)) => {
                Err(VaultError::Unavailable {
                    store: NAME,
                    why: format!("{}: {why}", path.display()),
                })
            }
        }
    }

    /// The key of a file's salt, from the passphrase, which its check value
    /// must confirm.
    fn derive_checked(
        &self,
        path: &Path,
        salt: &[u8],
        check: &[u8],
    ) -> Result<[u8; 32], VaultError> {
        // Typed at a prompt, a typo gets two more tries; from the
        // environment, a wrong one fails at once.
        let typed = self.passphrase.borrow().is_none()
            && std::env::var(PASSPHRASE_VAR).map_or(true, |v| v.is_empty());
        let tries = if typed { PASSPHRASE_TRIES } else { 1 };
        let mut attempt = 1;
        let key = loop {
            let passphrase = self.passphrase(&prompt(attempt))?;
            let key = derive(&passphrase, salt)?;
            if check_of(&key)[..] == *check {
                break key;
            }
            // A typo must not stick for the rest of the process.
            self.passphrase.borrow_mut().take();
            if attempt == tries {
                return Err(VaultError::WrongPassphrase {
                    path: path.display().to_string(),
                });
            }
            crate::term::note("awsmfa: wrong vault passphrase");
            attempt += 1;
        };
        if let Ok(mut confirmed) = CONFIRMED.lock() {
            confirmed.clone_from(&self.passphrase.borrow());
        }
        Ok(key)
    }

    /// The passphrase a new file is sealed with: the one that opens the
    /// files already there (one passphrase for the whole store), else a new
    /// one, typed twice.
    fn passphrase_for_writing(&self, path: &Path) -> Result<String, VaultError> {
        if let Some((other, bytes)) = self.sealed_elsewhere(path)? {
            let parsed = parse(&bytes).map_err(|why| damaged(&other, why))?;
            self.derive_checked(&other, parsed.salt, parsed.check)?;
            return self.passphrase("");
        }
        let known = self.passphrase.borrow().is_some();
        if known || std::env::var(PASSPHRASE_VAR).is_ok_and(|v| !v.is_empty()) {
            return self.passphrase("");
        }
        crate::term::tell(format!(
            "awsmfa: the key goes into an encrypted file in {} (no desktop key store here, or vault = \"file\"); its passphrase is asked when a new MFA session starts, not for each role",
            self.dir.display()
        ));
        let first = self.passphrase("awsmfa new vault passphrase: ")?;
        if ask("awsmfa the same vault passphrase again: ")? != first {
            self.passphrase.borrow_mut().take();
            return Err(VaultError::NoPassphrase(format!(
                "the two passphrases differ; nothing was written to {}",
                path.display()
            )));
        }
        Ok(first)
    }

    /// A file of the store that says which passphrase the store has: the
    /// first that parses, else the first other than `path` (which is being
    /// replaced) that does not: a damaged file may hold a key under the
    /// store's passphrase, so it must not let a second one in, and the
    /// error names it. None when the store holds no such file.
    fn sealed_elsewhere(&self, path: &Path) -> Result<Option<(PathBuf, Vec<u8>)>, VaultError> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "key"))
            .collect();
        files.sort();
        let mut damaged = None;
        for file in files {
            // A symlink or FIFO in a file's place counts as absent.
            let Some(bytes) = self.read(&file)? else {
                continue;
            };
            if parse(&bytes).is_ok() {
                return Ok(Some((file, bytes)));
            }
            if file != path {
                damaged.get_or_insert((file, bytes));
            }
        }
        Ok(damaged)
    }

    /// The passphrase: known already, else `$AWSMFA_VAULT_PASSPHRASE`, else
    /// asked at the terminal with `prompt`.
    fn passphrase(&self, prompt: &str) -> Result<String, VaultError> {
        if let Some(known) = self.passphrase.borrow().clone() {
            return Ok(known);
        }
        let given = match std::env::var(PASSPHRASE_VAR) {
            Ok(v) if !v.is_empty() => v,
            _ => ask(prompt)?,
        };
        if given.is_empty() {
            return Err(VaultError::NoPassphrase(
                "the vault passphrase must not be empty; nothing was changed".into(),
            ));
        }
        *self.passphrase.borrow_mut() = Some(given.clone());
        Ok(given)
    }
}

/// From the terminal (rpassword opens /dev/tty) or a desktop dialog
/// (`crate::mfa::read_secret`), never from stdin, which is the SDK's pipe
/// under credential_process.
fn ask(prompt: &str) -> Result<String, VaultError> {
    crate::mfa::read_secret(prompt).map_err(|e| {
        VaultError::NoPassphrase(match e.kind() {
            // Ctrl-C: awsmfa's exit status for it (130), as at the MFA prompt.
            std::io::ErrorKind::Interrupted | std::io::ErrorKind::UnexpectedEof => {
                return VaultError::Interrupted;
            }
            std::io::ErrorKind::TimedOut => {
                "nobody answered the vault passphrase dialog in time; nothing was changed".into()
            }
            _ => format!("the encrypted key file needs its passphrase, and there is no terminal to ask on; set {PASSPHRASE_VAR} (see awsmfa-config(5))"),
        })
    })
}

/// How many times a person may type the store's passphrase.
const PASSPHRASE_TRIES: u32 = 3;

/// The question for the store's passphrase, naming why it is asked when
/// the person did not ask (the prompt hook on a `cd`), and the try.
fn prompt(attempt: u32) -> String {
    let mut about: Vec<String> = crate::mfa::purpose()
        .map(str::to_string)
        .into_iter()
        .collect();
    if attempt > 1 {
        about.push(format!("try {attempt} of {PASSPHRASE_TRIES}"));
    }
    if about.is_empty() {
        "awsmfa vault passphrase: ".to_string()
    } else {
        format!("awsmfa vault passphrase ({}): ", about.join("; "))
    }
}

fn derive(passphrase: &str, salt: &[u8]) -> Result<[u8; 32], VaultError> {
    crate::store::cache::key::derive(passphrase, salt)
        .map_err(|t| VaultError::Io(crate::error::Error::from(t).to_string()))
}

fn check_of(key: &[u8; 32]) -> [u8; CHECK_LEN] {
    crate::store::cache::key::keyed_check(key, CHECK)
}

/// The header, and the name of the file it must be found under.
fn aad(header: &[u8], slot: &Slot) -> Vec<u8> {
    let mut aad = header.to_vec();
    aad.extend_from_slice(slot.scope.as_bytes());
    aad.push(0);
    aad.extend_from_slice(slot.profile.as_bytes());
    aad
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) -> Result<(), VaultError> {
    let len = u16::try_from(field.len())
        .ok()
        .filter(|n| *n <= 1024)
        .ok_or_else(|| VaultError::Io("a profile name or key id longer than 1024 bytes".into()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field);
    Ok(())
}

fn damaged(path: &Path, why: String) -> VaultError {
    VaultError::Damaged {
        path: path.display().to_string(),
        why,
    }
}

/// Split a file into its parts; every length is checked (a truncated or
/// padded file is an error, never a panic).
fn parse(bytes: &[u8]) -> Result<Parsed<'_>, String> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("not an awsmfa key file of this version")?;
    let fixed = SALT_LEN + CHECK_LEN + NONCE_LEN;
    if rest.len() < fixed {
        return Err("truncated".into());
    }
    let (salt, rest) = rest.split_at(SALT_LEN);
    let (check, rest) = rest.split_at(CHECK_LEN);
    let (nonce, mut rest) = rest.split_at(NONCE_LEN);
    let mut field = || -> Result<String, String> {
        if rest.len() < 2 {
            return Err("truncated".into());
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let body = rest.get(2..2 + len).ok_or("truncated")?;
        rest = &rest[2 + len..];
        String::from_utf8(body.to_vec()).map_err(|_| "unreadable header".into())
    };
    let key_id = field()?;
    let profile = field()?;
    let header_len = bytes.len() - rest.len();
    if rest.len() < TAG_LEN + 1 {
        return Err("truncated".into());
    }
    Ok(Parsed {
        salt,
        check,
        nonce,
        key_id,
        profile,
        header: &bytes[..header_len],
        sealed: rest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(profile: &str) -> Slot {
        Slot {
            profile: profile.into(),
            scope: "0123456789abcdef".into(),
        }
    }

    fn store_with(dir: &Path, passphrase: &str) -> FileStore {
        let s = FileStore::at(dir.join("keys"));
        *s.passphrase.borrow_mut() = Some(passphrase.into());
        s
    }

    #[test]
    fn a_key_comes_back_and_only_with_its_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let key = LongTermKey::new("AKIAEXAMPLE", "secret/with+chars");
        let s = store_with(dir.path(), "right");
        s.put(&slot("alice"), &key).unwrap();
        assert_eq!(s.get(&slot("alice")).unwrap(), Some(key.clone()));
        assert_eq!(
            s.key_id(&slot("alice")).unwrap().as_deref(),
            Some("AKIAEXAMPLE")
        );
        let bytes = std::fs::read(s.path(&slot("alice"))).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"secret"));
        let wrong = store_with(dir.path(), "wrong");
        assert!(matches!(
            wrong.get(&slot("alice")),
            Err(VaultError::WrongPassphrase { .. })
        ));
        // A new file must use the store's passphrase.
        let wrong = store_with(dir.path(), "wrong");
        assert!(matches!(
            wrong.put(&slot("bob"), &key),
            Err(VaultError::WrongPassphrase { .. })
        ));
        assert_eq!(s.get(&slot("nobody")).unwrap(), None);
    }

    /// Issue 21: a file that does not parse, beside the store's good ones
    /// or alone, must not let a second passphrase in.
    #[test]
    fn a_damaged_file_lets_no_second_passphrase_in() {
        let dir = tempfile::tempdir().unwrap();
        let key = LongTermKey::new("AKIAEXAMPLE", "secret");
        let s = store_with(dir.path(), "first");
        s.put(&slot("alice"), &key).unwrap();
        // Sorted before alice's file, and not a key file of this version.
        let junk = dir.path().join("keys").join("0-junk.key");
        std::fs::write(&junk, b"not an awsmfa key file").unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            let private = std::fs::Permissions::from_mode(0o600);
            std::fs::set_permissions(&junk, private).unwrap();
        }
        let second = store_with(dir.path(), "second");
        assert!(matches!(
            second.put(&slot("bob"), &key),
            Err(VaultError::WrongPassphrase { .. })
        ));
        // Alone, a damaged file is named, and nothing is written.
        std::fs::remove_file(s.path(&slot("alice"))).unwrap();
        let second = store_with(dir.path(), "second");
        match second.put(&slot("bob"), &key) {
            Err(VaultError::Damaged { path, .. }) => assert!(path.ends_with("0-junk.key")),
            other => panic!("a second passphrase was let in: {other:?}"),
        }
        assert!(!second.has(&slot("bob")));
        // The damaged file of the profile being replaced is no obstacle.
        std::fs::rename(&junk, second.path(&slot("bob"))).unwrap();
        second.put(&slot("bob"), &key).unwrap();
        assert_eq!(second.get(&slot("bob")).unwrap(), Some(key));
    }

    #[test]
    fn every_cut_and_every_flipped_byte_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with(dir.path(), "pw");
        s.put(&slot("alice"), &LongTermKey::new("AKIA1", "s3cret"))
            .unwrap();
        let path = s.path(&slot("alice"));
        let good = std::fs::read(&path).unwrap();
        // Cuts and flips in the magic, salt, check, nonce, id, profile,
        // sealed secret and tag: each an error, never a panic.
        let spots = [
            0,
            5,
            MAGIC.len() + 3,
            MAGIC.len() + 20,
            MAGIC.len() + 60,
            MAGIC.len() + 74,
            good.len() - 20,
            good.len() - 1,
        ];
        for at in spots {
            // A fresh store each time: a failed check forgets the passphrase.
            let s = store_with(dir.path(), "pw");
            std::fs::write(&path, &good[..at]).unwrap();
            assert!(s.get(&slot("alice")).is_err(), "cut at {at}");
            let mut bad = good.clone();
            bad[at] ^= 1;
            std::fs::write(&path, &bad).unwrap();
            let s = store_with(dir.path(), "pw");
            assert!(s.get(&slot("alice")).is_err(), "flip at {at}");
        }
        // A file renamed to another profile's name does not open.
        std::fs::write(&path, &good).unwrap();
        let s = store_with(dir.path(), "pw");
        assert!(s.get(&slot("alice")).unwrap().is_some());
        std::fs::rename(&path, s.path(&slot("bob"))).unwrap();
        assert!(matches!(
            s.get(&slot("bob")),
            Err(VaultError::Damaged { .. })
        ));
    }
}
