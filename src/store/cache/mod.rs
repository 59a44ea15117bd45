//! The encrypted session cache: one MFA prompt serves every terminal. This
//! module alone owns the cache's directory, its entry format (header,
//! sealing, binding to the entry's identity), its locks and its revocation
//! mark; where its key lives is [`key`]'s.
//!
//! Each entry is one file in `$XDG_CACHE_HOME/awsmfa/` (directory 0700,
//! files 0600 from creation): a plaintext header (what the entry is and when
//! it expires: no secret) and the credentials sealed with
//! XChaCha20-Poly1305 under a random 256-bit key that lives elsewhere (see
//! `key`). The entry's identity and header are the associated data, so a
//! file copied under another name, or with an edited header, fails to open.
//! Writes are atomic (temp file, rename; no fsync: after a crash a torn
//! entry fails authentication and counts as absent); a per-entry lock makes
//! concurrent processes wait for one MFA prompt instead of each asking.
//! Anything unreadable counts as absent, with one warning, and is replaced.

pub mod key;

use super::{EntryKey, Kind, Store, epoch, expires, fresh};
use crate::config::KeyStoreChoice;
use crate::error::{Error, Result};
use crate::fs::{Durability, NotPrivate, Replace};
use aws_credential_types::Credentials;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MAGIC: &[u8] = b"awsmfa-cache 1\n";
const NONCE_LEN: usize = 24;
/// A TOTP code stays acceptable to AWS for about one 30 s step either side.
const CODE_LIFETIME: u64 = 90;
/// Refuse to read anything bigger: an entry is a few hundred bytes.
const MAX_ENTRY: u64 = 64 * 1024;

/// What `cache list` shows: never a secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// What the entry is (on disk: "session", "role" or "code").
    pub kind: Kind,
    /// Source profile (session), role profile (role) or "" (code).
    pub profile: String,
    /// MFA serial (session, code) or role ARN (role).
    pub detail: String,
    /// Unix seconds.
    pub expires: u64,
    /// The profile holding the long-term keys the entry was made from, so
    /// that `setup` and `rotate` can drop everything derived from them.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expires: u64,
}

#[derive(Serialize, Deserialize)]
struct UsedCode {
    /// HMAC-SHA256(cache key, serial NUL code): the code itself is never kept.
    mac: String,
    at: u64,
}

/// The open cache.
pub struct Cache {
    dir: PathBuf,
    choice: KeyStoreChoice,
    key: RefCell<KeyState>,
    /// Whether the directory can be written, once tried.
    dir_ok: Cell<Option<bool>>,
    /// Whether the directory is the user's own, once checked.
    dir_trusted: Cell<Option<bool>>,
    warned: Cell<bool>,
}

/// The key as far as this process knows: looked up at most once, created at
/// most once, and never asked for again once a store said no (a passphrase
/// prompt must not repeat within one call).
enum KeyState {
    Unknown,
    /// No key exists yet; the first write makes one.
    Missing,
    Ready(key::CacheKey),
    /// The cache is off for this process.
    Off,
}

/// `$XDG_CACHE_HOME/awsmfa`.
pub fn dir() -> Result<PathBuf> {
    use etcetera::BaseStrategy;
    Ok(crate::config::dirs()?.cache_dir().join("awsmfa"))
}

/// The revocation mark: `logout`, `cache clear`, `setup` and `rotate` write
/// a new one. A shell's prompt hook keeps MFA sessions of its own, out of
/// the cache's reach; when the mark it saw last differs, it drops them and
/// the credentials it exported, at its next refresh or `cd`.
pub fn generation() -> Option<String> {
    let bytes = crate::fs::read_private(&dir().ok()?.join("generation"), 64).ok()??;
    String::from_utf8(bytes).ok()
}

fn new_generation(dir: &Path) -> Result<()> {
    let mut mark = [0u8; 16];
    getrandom::fill(&mut mark).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
    write_own(
        &dir.join("generation"),
        hex::encode(mark).as_bytes(),
        Durability::Durable,
    )
}

/// [`crate::fs::write_private`] of a file of the cache's own.
pub(crate) fn write_own(path: &Path, bytes: &[u8], durability: Durability) -> Result<()> {
    crate::fs::write_private(path, bytes, Replace::Own(durability))
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// The cache's directory (or the key lock's), made private: see
/// [`crate::fs::ensure_private_dir`].
fn make_dir(dir: &Path) -> Result<()> {
    crate::fs::ensure_private_dir(dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotADirectory => Error::Other(format!(
            "{} is not a directory; move it away to use the session cache",
            dir.display()
        )),
        _ => Error::io(format!("creating {}", dir.display()), e),
    })
}

/// The key store choice: `AWSMFA_KEY_STORE`, else the user config, else auto.
pub fn choice(config: &crate::config::UserConfig) -> Result<KeyStoreChoice> {
    match std::env::var("AWSMFA_KEY_STORE") {
        Ok(raw) if !raw.is_empty() => KeyStoreChoice::parse(&raw),
        _ => Ok(config.key_store.unwrap_or(KeyStoreChoice::Auto)),
    }
}

impl Cache {
    /// The cache, unless turned off. The key is fetched on first use.
    pub fn open(choice: KeyStoreChoice) -> Result<Cache> {
        Ok(Cache {
            dir: dir()?,
            choice,
            key: RefCell::new(KeyState::Unknown),
            dir_ok: Cell::new(None),
            dir_trusted: Cell::new(None),
            warned: Cell::new(false),
        })
    }

    /// Which key store holds the key, if any does (for `status` and `cache
    /// list`): never prompts for a passphrase.
    pub fn key_store(&self) -> Option<key::KeyHome> {
        key::KeyHome::holder(self.choice, &self.dir)
    }

    /// The key store setting this cache was opened with (for `doctor`).
    pub fn choice(&self) -> KeyStoreChoice {
        self.choice
    }

    fn key(&self, create: bool) -> Option<key::CacheKey> {
        match &*self.key.borrow() {
            KeyState::Ready(key) => return Some(*key),
            KeyState::Off => return None,
            KeyState::Missing if !create => return None,
            KeyState::Missing | KeyState::Unknown => {}
        }
        if !self.trusted_dir() {
            *self.key.borrow_mut() = KeyState::Off;
            return None;
        }
        let started = SystemTime::now();
        let opened = key::KeyHome::open(self.choice, &self.dir, create);
        if let Some(why) = &opened.warning {
            self.warn(format_args!("{why}"));
        }
        if opened.created {
            self.drop_sealed(started);
        }
        let (state, found) = match opened.key {
            Some((_, key)) => (KeyState::Ready(key), Some(key)),
            None if opened.off => (KeyState::Off, None),
            None => (KeyState::Missing, None),
        };
        *self.key.borrow_mut() = state;
        found
    }

    /// With a new key, entries sealed under the old one (lost at reboot
    /// with the runtime dir, or removed) can never be read again: drop them
    /// now rather than warn about each one later. Only those older than the
    /// key: a process that raced us may already have sealed one under it.
    fn drop_sealed(&self, key_made: SystemTime) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let older = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < key_made);
            if older && path.extension().is_some_and(|e| e == "entry") {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// One warning per call at most: the first thing that went wrong is the
    /// one worth reading, and the call goes on without the cache anyway.
    fn warn(&self, msg: std::fmt::Arguments) {
        if !self.warned.replace(true) {
            crate::term::note(format_args!("awsmfa: warning: {msg}"));
        }
    }

    /// A cache directory that another user owns (made in advance, or a
    /// symlink into theirs) is theirs to read and replace: never use it.
    fn trusted_dir(&self) -> bool {
        if let Some(ok) = self.dir_trusted.get() {
            return ok;
        }
        let ok = match crate::fs::foreign_owner(&self.dir) {
            None => true,
            Some(uid) => {
                self.warn(format_args!(
                    "the session cache is off: {} belongs to uid {uid}, not to you; remove it",
                    self.dir.display()
                ));
                false
            }
        };
        self.dir_trusted.set(Some(ok));
        ok
    }

    /// Create (or tighten) the directory once; if that fails the cache is off
    /// for this call, with a warning, and the call goes on without it.
    fn usable_dir(&self) -> bool {
        if let Some(ok) = self.dir_ok.get() {
            return ok;
        }
        let ok = self.trusted_dir()
            && match make_dir(&self.dir) {
                Ok(()) => true,
                Err(e) => {
                    self.warn(format_args!("the session cache is off for this call: {e}"));
                    false
                }
            };
        self.dir_ok.set(Some(ok));
        ok
    }

    fn path(&self, id: &str) -> PathBuf {
        let digest = Sha256::digest(id.as_bytes());
        self.dir
            .join(format!("{}.entry", &hex::encode(digest)[..32]))
    }

    fn read_sealed(&self, id: &str) -> Option<(Header, Vec<u8>)> {
        let path = self.path(id);
        let bytes = match crate::fs::read_private(&path, MAX_ENTRY) {
            Ok(Some(b)) => b,
            Ok(None) => return None,
            Err(NotPrivate::Foreign(why) | NotPrivate::Unreadable(why)) => {
                self.warn(format_args!(
                    "ignoring cache entry {}: {why}; it will be replaced",
                    path.display()
                ));
                return None;
            }
        };
        let key = self.key(false)?;
        match open_entry(&bytes, id, &key) {
            Ok(found) => Some(found),
            Err(why) => {
                self.warn(format_args!(
                    "ignoring cache entry {}: {why}; it will be replaced",
                    path.display()
                ));
                None
            }
        }
    }

    fn write_sealed(&self, id: &str, header: &Header, plaintext: &[u8]) {
        if !self.usable_dir() {
            return;
        }
        let Some(key) = self.key(true) else {
            return;
        };
        let result = seal(id, header, plaintext, &key)
            .and_then(|bytes| write_own(&self.path(id), &bytes, Durability::Lossy));
        if let Err(e) = result {
            self.warn(format_args!("the session cache is off for this call: {e}"));
        }
    }

    /// Every entry's header (no key needed), oldest expiry first.
    pub fn list(&self) -> Vec<(PathBuf, Header)> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return out;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "entry") {
                continue;
            }
            if let Ok(Some(bytes)) = crate::fs::read_private(&path, MAX_ENTRY)
                && let Ok((header, _, _)) = split(&bytes)
            {
                out.push((path, header));
            }
        }
        out.sort_by_key(|(_, h)| h.expires);
        out
    }

    /// Remove entries (of one profile, or all), and tell open shells to drop
    /// what they hold; returns how many entries went.
    pub fn clear(&self, profile: Option<&str>) -> Result<usize> {
        if self.trusted_dir() && self.dir.is_dir() {
            new_generation(&self.dir)?;
        }
        let mut removed = 0;
        for (path, header) in self.list() {
            if profile.is_none_or(|p| p == header.profile) {
                std::fs::remove_file(&path)
                    .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
                removed += 1;
            }
        }
        // Files that no longer parse are garbage too when clearing
        // everything, and so are temp files of writers that were killed
        // (`.tmp*` from earlier versions, and the names `crate::fs` gives them).
        if profile.is_none()
            && let Ok(entries) = std::fs::read_dir(&self.dir)
        {
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let stray = name.starts_with(".tmp") || crate::fs::is_temp_name(&name);
                if stray
                    || path
                        .extension()
                        .is_some_and(|e| e == "entry" || e == "lock")
                {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(removed)
    }

    /// `logout`: every entry and the key itself, wherever it is (every
    /// store is tried even when one fails).
    pub fn destroy(&self) -> Result<usize> {
        let removed = self.clear(None)?;
        let mut first_error = None;
        for home in key::KeyHome::candidates(self.choice, &self.dir) {
            if let Err(e) = home.forget() {
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(removed),
        }
    }

    fn mac(&self, serial: &str, code: &str) -> Option<String> {
        let key = self.key(true)?;
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&key).ok()?;
        mac.update(serial.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        Some(hex::encode(mac.finalize().into_bytes()))
    }
}

fn id_of(key: &EntryKey) -> (String, Header) {
    let (profile, detail, via, source) = match key {
        EntryKey::Session {
            source_profile,
            serial,
        } => (source_profile, serial, "", source_profile),
        EntryKey::Role {
            profile,
            role_arn,
            via,
            source_profile,
        } => (profile, role_arn, via.as_str(), source_profile),
    };
    let kind = key.kind();
    (
        // `via` is only in the id (hashed into the file name, bound by the
        // AEAD), never in the readable header.
        format!("{kind}\0{profile}\0{detail}\0{via}"),
        Header {
            kind,
            profile: profile.clone(),
            detail: detail.clone(),
            expires: 0,
            source: source.clone(),
        },
    )
}

fn code_id(serial: &str) -> String {
    format!("code\0\0{serial}")
}

fn now() -> u64 {
    epoch(SystemTime::now())
}

impl Store for Cache {
    fn load(&self, key: &EntryKey) -> Option<Credentials> {
        let (id, _) = id_of(key);
        let (_, plain) = self.read_sealed(&id)?;
        let s: Sealed = serde_json::from_slice(&plain).ok()?;
        let creds = Credentials::new(
            s.access_key_id,
            s.secret_access_key,
            s.session_token,
            Some(UNIX_EPOCH + Duration::from_secs(s.expires)),
            "awsmfa-cache",
        );
        fresh(&creds).then_some(creds)
    }

    fn store(&self, key: &EntryKey, creds: &Credentials) {
        let (id, mut header) = id_of(key);
        let expires = expires(creds);
        header.expires = expires;
        let sealed = Sealed {
            access_key_id: creds.access_key_id().to_string(),
            secret_access_key: creds.secret_access_key().to_string(),
            session_token: creds.session_token().map(str::to_string),
            expires,
        };
        if let Ok(plain) = serde_json::to_vec(&sealed) {
            self.write_sealed(&id, &header, &plain);
        }
    }

    fn lock(&self, key: &EntryKey) -> Option<Box<dyn std::any::Any>> {
        let (id, _) = id_of(key);
        if !self.usable_dir() {
            return None;
        }
        let path = self.path(&id).with_extension("lock");
        let file = private_file(&path).ok()?;
        if file.try_lock().is_err() {
            let what = match key {
                EntryKey::Session { .. } => "an MFA session",
                EntryKey::Role { .. } => "the same role",
            };
            crate::term::note(format_args!(
                "awsmfa: waiting for another awsmfa that is getting {what}..."
            ));
            file.lock().ok()?;
        }
        Some(Box::new(file))
    }

    fn code_used(&self, serial: &str, code: &str) {
        if !self.usable_dir() {
            return;
        }
        let Some(mac) = self.mac(serial, code) else {
            return;
        };
        let at = now();
        let header = Header {
            kind: Kind::Code,
            profile: String::new(),
            detail: serial.to_string(),
            expires: at + CODE_LIFETIME,
            source: String::new(),
        };
        if let Ok(plain) = serde_json::to_vec(&UsedCode { mac, at }) {
            self.write_sealed(&code_id(serial), &header, &plain);
        }
    }

    fn code_seen(&self, serial: &str, code: &str) -> bool {
        let Some((_, plain)) = self.read_sealed(&code_id(serial)) else {
            return false;
        };
        let Ok(used) = serde_json::from_slice::<UsedCode>(&plain) else {
            return false;
        };
        now().saturating_sub(used.at) < CODE_LIFETIME
            && self.mac(serial, code).is_some_and(|m| m == used.mac)
    }

    /// Sessions of `source_profile`, and roles assumed from its keys: after
    /// `setup` or `rotate` none of them is what the profile now says.
    fn forget(&self, source_profile: &str) {
        if self.trusted_dir() && self.dir.is_dir() {
            let _ = new_generation(&self.dir);
        }
        for (path, header) in self.list() {
            let from_it = match header.kind {
                Kind::Session => header.profile == source_profile,
                Kind::Role => header.source == source_profile,
                Kind::Code => false,
            };
            if from_it {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// An exclusive lock on `path` (made 0600 if missing) until the file
/// drops; None when it cannot be had, and then nobody waits.
pub(crate) fn lock_file(path: &Path) -> Option<File> {
    if let Some(dir) = path.parent() {
        make_dir(dir).ok()?;
    }
    let file = private_file(path).ok()?;
    file.lock().ok()?;
    Some(file)
}

/// MAGIC, header JSON line, nonce, ciphertext.
fn split(bytes: &[u8]) -> std::result::Result<(Header, &[u8], &[u8]), String> {
    let rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("not an awsmfa cache file of this version")?;
    let nl = rest
        .iter()
        .position(|b| *b == b'\n')
        .ok_or("truncated header")?;
    let header_bytes = &rest[..nl];
    let header: Header = serde_json::from_slice(header_bytes).map_err(|_| "unreadable header")?;
    let body = &rest[nl + 1..];
    if body.len() < NONCE_LEN + 16 {
        return Err("truncated".into());
    }
    Ok((header, header_bytes, body))
}

fn aad(id: &str, header_bytes: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(MAGIC.len() + id.len() + 1 + header_bytes.len());
    aad.extend_from_slice(MAGIC);
    aad.extend_from_slice(id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(header_bytes);
    aad
}

/// Open one entry's bytes for identity `id`: the whole trust boundary of a
/// cache file (public for the fuzz target).
pub fn open_entry(
    bytes: &[u8],
    id: &str,
    key: &key::CacheKey,
) -> std::result::Result<(Header, Vec<u8>), String> {
    let (header, header_bytes, body) = split(bytes)?;
    let (nonce, ciphertext) = body.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    let plain = cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad(id, header_bytes),
            },
        )
        .map_err(|_| "it does not decrypt (tampered, copied, or made with another key)")?;
    Ok((header, plain))
}

fn seal(id: &str, header: &Header, plaintext: &[u8], key: &key::CacheKey) -> Result<Vec<u8>> {
    let header_bytes = serde_json::to_vec(header).map_err(|e| Error::Other(e.to_string()))?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad(id, &header_bytes),
            },
        )
        .map_err(|_| Error::Other("encryption failed".into()))?;
    let mut out =
        Vec::with_capacity(MAGIC.len() + header_bytes.len() + 1 + NONCE_LEN + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&header_bytes);
    out.push(b'\n');
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

fn private_file(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_entries_are_bound_to_their_identity() {
        let key = [7u8; 32];
        let header = Header {
            kind: Kind::Role,
            profile: "dev".into(),
            detail: "arn".into(),
            expires: 1,
            source: "alice".into(),
        };
        let bytes = seal("role\0dev\0arn", &header, b"secret", &key).unwrap();
        let (h, plain) = open_entry(&bytes, "role\0dev\0arn", &key).unwrap();
        assert_eq!((h, plain.as_slice()), (header, &b"secret"[..]));
        assert!(
            open_entry(&bytes, "role\0prod\0arn", &key).is_err(),
            "copied under another name"
        );
        assert!(
            open_entry(&bytes, "role\0dev\0arn", &[8u8; 32]).is_err(),
            "wrong key"
        );
        let mut tampered = bytes.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(open_entry(&tampered, "role\0dev\0arn", &key).is_err());
        for cut in [0, 5, MAGIC.len() + 3, bytes.len() - 1] {
            assert!(
                open_entry(&bytes[..cut], "role\0dev\0arn", &key).is_err(),
                "truncated at {cut}"
            );
        }
        assert!(!String::from_utf8_lossy(&bytes).contains("secret"));
    }

    #[test]
    fn the_replay_guard_keeps_a_keyed_hash_not_the_code() {
        use crate::store::Store as _;
        let dir = tempfile::tempdir().unwrap();
        let key = [9u8; 32];
        let cache = cache_in(dir.path(), key);
        let serial = "arn:aws:iam::000000000000:mfa/alice";
        cache.code_used(serial, "314159");
        assert!(cache.code_seen(serial, "314159"));
        assert!(!cache.code_seen(serial, "271828"), "another code");
        assert!(!cache.code_seen("arn:other", "314159"), "another device");
        let id = code_id(serial);
        let bytes = std::fs::read(cache.path(&id)).unwrap();
        let (header, plain) = open_entry(&bytes, &id, &key).unwrap();
        assert_eq!(header.kind, Kind::Code);
        let used: UsedCode = serde_json::from_slice(&plain).unwrap();
        assert!(!String::from_utf8_lossy(&plain).contains("314159"));
        assert_eq!(used.mac.len(), 64, "HMAC-SHA256, hex");
    }

    fn cache_in(dir: &Path, key: key::CacheKey) -> Cache {
        Cache {
            dir: dir.join("awsmfa"),
            choice: KeyStoreChoice::File,
            key: RefCell::new(KeyState::Ready(key)),
            dir_ok: Cell::new(None),
            dir_trusted: Cell::new(None),
            warned: Cell::new(false),
        }
    }

    /// An entry as awsmfa wrote it while `Header.kind` was a string: the
    /// header's bytes spelled out here, not made by today's serialiser.
    #[test]
    fn an_entry_in_the_string_kind_format_still_reads() {
        use crate::store::Store as _;
        let dir = tempfile::tempdir().unwrap();
        let key = [5u8; 32];
        let cache = cache_in(dir.path(), key);
        let serial = "arn:aws:iam::000000000000:mfa/alice";
        let expires = now() + 3600;
        let header = format!(
            r#"{{"kind":"session","profile":"alice","detail":"{serial}","expires":{expires},"source":"alice"}}"#
        );
        let id = format!("session\0alice\0{serial}\0");
        let plain = format!(
            r#"{{"access_key_id":"ASIAOLD","secret_access_key":"old-secret","session_token":"tok","expires":{expires}}}"#
        );
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).unwrap();
        let sealed = XChaCha20Poly1305::new((&key).into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad(&id, header.as_bytes()),
                },
            )
            .unwrap();
        let bytes = [MAGIC, header.as_bytes(), b"\n", &nonce, &sealed].concat();
        crate::fs::write_private(&cache.path(&id), &bytes, Replace::Own(Durability::Lossy))
            .unwrap();

        let entry = EntryKey::Session {
            source_profile: "alice".into(),
            serial: serial.into(),
        };
        let creds = cache.load(&entry).expect("the old entry opens");
        assert_eq!(creds.access_key_id(), "ASIAOLD");
        assert_eq!(creds.secret_access_key(), "old-secret");
        let listed = cache.list();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].1.kind, Kind::Session);
        // And today's writer still writes that very header, so an older
        // awsmfa reads what this one writes.
        let (new_id, mut new_header) = id_of(&entry);
        new_header.expires = expires;
        assert_eq!(new_id, id);
        assert_eq!(serde_json::to_string(&new_header).unwrap(), header);
        // `forget` still recognises it as a session of alice's.
        cache.forget("alice");
        assert!(cache.list().is_empty());
    }
}
