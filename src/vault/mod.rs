//! Long-term access keys off the disk: what a stored key is, which store
//! holds a profile's key, and how a profile says its key is in one (its
//! `credential_process` is awsmfa's own, `awsmfa process PROFILE`).
//!
//! Stores that outlive a reboot, and only those:
//! - [`os`]: the operating system's store for secrets: the Secret Service
//!   on a Linux desktop (GNOME Keyring, KWallet), the macOS Keychain, the
//!   Windows Credential Manager;
//! - [`file`]: one encrypted file per profile (Argon2id from a passphrase,
//!   ChaCha20-Poly1305), for headless Linux.
//!
//! keyutils is refused: the kernel drops its keys at reboot (and the user
//! keyring when the user's last process ends), and a long-term key lost
//! there is lost for good. It holds the cache key, which only ever protects
//! sessions that can be fetched again.
//!
//! The AWS files keep no copy: `keys import` replaces the key in the
//! profile's section by `credential_process = awsmfa process PROFILE`, which
//! the AWS CLI, boto3 and the SDKs run. awsmfa itself recognises that line
//! and reads the store instead of running it, so it never calls itself.

pub mod file;
pub mod os;

use crate::error::{Error, Result};
use crate::profile::chain::Base;
use crate::profile::{Locations, Profiles};
use aws_credential_types::Credentials;
use std::cell::OnceCell;

/// Overrides `vault` of config.toml: auto, keyring, file (keyutils is refused).
pub const CHOICE_VAR: &str = "AWSMFA_VAULT";
/// The file store's passphrase, for CI and scripts; else it is asked at the
/// terminal. No process awsmfa starts inherits it ([`crate::child`]).
pub use crate::child::PASSPHRASE_VAR;

/// An IAM user's long-term access key: the id, and a secret never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct LongTermKey {
    pub access_key_id: String,
    secret: String,
}

impl LongTermKey {
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        LongTermKey {
            access_key_id: access_key_id.into(),
            secret: secret.into(),
        }
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    pub fn credentials(&self) -> Credentials {
        Credentials::new(&self.access_key_id, &self.secret, None, None, "vault")
    }
}

// Hand-written so that `{:?}` can never print the secret.
impl std::fmt::Debug for LongTermKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LongTermKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"** redacted **")
            .finish()
    }
}

/// Why a store gave no key. Never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(
        "keyutils (the Linux kernel keyring) loses its keys at reboot, so it cannot hold a long-term key; set vault = \"keyring\" (the Secret Service) or \"file\" (an encrypted file) in config.toml or {CHOICE_VAR}"
    )]
    Keyutils,
    #[error("unknown vault {0:?}: use auto, keyring or file")]
    Unknown(String),
    #[error("the {store} cannot be used here: {why}")]
    Unavailable { store: &'static str, why: String },
    #[error(
        "the {store} did not answer within {secs} s, so awsmfa stopped waiting; its daemon may be hung: restart it (log out of the desktop and in again, or run `gnome-keyring-daemon --replace`), or keep keys in the encrypted file (vault = \"file\" in config.toml)"
    )]
    NoAnswer { store: &'static str, secs: u64 },
    #[error("wrong passphrase for {path}; nothing was changed")]
    WrongPassphrase { path: String },
    #[error(
        "{path} is damaged ({why}); nothing was changed: restore it from a backup, or put the key back in the credentials file and run `awsmfa keys import` again"
    )]
    Damaged { path: String, why: String },
    #[error("{0}")]
    NoPassphrase(String),
    #[error(
        "profile `{profile}` reads its key from awsmfa (credential_process), but the {store} holds none for it; put the key back with `aws configure --profile {profile}`, then run `awsmfa keys import {profile}`"
    )]
    Missing { profile: String, store: String },
    #[error("{0}")]
    Io(String),
    /// Ctrl-C (or end of input) at the passphrase prompt.
    #[error("interrupted")]
    Interrupted,
}

impl From<VaultError> for Error {
    fn from(e: VaultError) -> Error {
        match e {
            VaultError::Keyutils | VaultError::Unknown(_) | VaultError::Missing { .. } => {
                Error::ConfigParse(e.to_string())
            }
            VaultError::Interrupted => Error::Interrupted,
            _ => Error::Other(e.to_string()),
        }
    }
}

/// Which store new keys go to; `auto` is the OS store where it works, else
/// the encrypted file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultChoice {
    Auto,
    Keyring,
    File,
}

impl VaultChoice {
    pub fn parse(raw: &str) -> std::result::Result<VaultChoice, VaultError> {
        match raw {
            "auto" => Ok(VaultChoice::Auto),
            "keyring" => Ok(VaultChoice::Keyring),
            "file" => Ok(VaultChoice::File),
            "keyutils" => Err(VaultError::Keyutils),
            other => Err(VaultError::Unknown(other.to_string())),
        }
    }

    /// `$AWSMFA_VAULT`, else `vault` in config.toml, else auto.
    pub fn configured() -> Result<VaultChoice> {
        let raw = match std::env::var(CHOICE_VAR) {
            Ok(raw) if !raw.is_empty() => raw,
            _ => crate::config::UserConfig::load()?
                .vault
                .unwrap_or_else(|| "auto".into()),
        };
        Ok(VaultChoice::parse(&raw)?)
    }
}

/// One profile's key in a store: named by the profile and by the
/// credentials file it belongs to, so that two AWS setups of one user
/// (`AWS_SHARED_CREDENTIALS_FILE`) never share or overwrite a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub profile: String,
    pub scope: String,
}

impl Slot {
    pub fn new(locations: &Locations, profile: &str) -> Slot {
        Slot {
            profile: profile.to_string(),
            scope: scope(locations),
        }
    }
}

/// The first 64 bits of SHA-256 of the credentials file's path, in hex.
pub fn scope(locations: &Locations) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(locations.credentials.as_bytes());
    hex::encode(&digest[..8])
}

/// A store of long-term keys.
pub enum Vault {
    Os,
    File(file::FileStore),
}

impl Vault {
    /// Where a new key goes.
    pub fn for_new(choice: VaultChoice) -> Result<Vault> {
        match choice {
            VaultChoice::File => Ok(Vault::File(file::FileStore::open()?)),
            VaultChoice::Keyring => {
                os::check().map_err(Error::from)?;
                Ok(Vault::Os)
            }
            VaultChoice::Auto => match os::check() {
                Ok(()) => Ok(Vault::Os),
                Err(_) => Ok(Vault::File(file::FileStore::open()?)),
            },
        }
    }

    /// The store that holds `slot`'s key: the file store when it has a file
    /// for it (looked for first: no D-Bus round trip), else the OS store.
    pub fn holding(choice: VaultChoice, slot: &Slot) -> Result<Vault> {
        match choice {
            VaultChoice::Keyring => Ok(Vault::Os),
            VaultChoice::File => Ok(Vault::File(file::FileStore::open()?)),
            VaultChoice::Auto => {
                let files = file::FileStore::open()?;
                Ok(if files.has(slot) {
                    Vault::File(files)
                } else {
                    Vault::Os
                })
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Vault::Os => os::NAME,
            Vault::File(_) => file::NAME,
        }
    }

    /// Where exactly, for messages and `keys list`.
    pub fn describe(&self, slot: &Slot) -> String {
        match self {
            Vault::Os => os::describe(slot),
            Vault::File(f) => format!("the {} {}", file::NAME, f.path(slot).display()),
        }
    }

    pub fn get(&self, slot: &Slot) -> std::result::Result<Option<LongTermKey>, VaultError> {
        match self {
            Vault::Os => os::get(slot),
            Vault::File(f) => f.get(slot),
        }
    }

    /// Replace `slot`'s key in one step (a kill leaves the old key or the
    /// new one, never neither), then read it back.
    pub fn put(&self, slot: &Slot, key: &LongTermKey) -> std::result::Result<(), VaultError> {
        match self {
            Vault::Os => os::put(slot, key)?,
            Vault::File(f) => f.put(slot, key)?,
        }
        match self.get(slot)? {
            Some(back) if back == *key => Ok(()),
            _ => Err(VaultError::Unavailable {
                store: self.name(),
                why: "it did not keep the key".into(),
            }),
        }
    }

    /// Ok(false) when there was nothing to delete.
    pub fn delete(&self, slot: &Slot) -> std::result::Result<bool, VaultError> {
        match self {
            Vault::Os => os::delete(slot),
            Vault::File(f) => f.delete(slot),
        }
    }

    /// The access key id of `slot`'s key, asking for no passphrase.
    pub fn key_id(&self, slot: &Slot) -> std::result::Result<Option<String>, VaultError> {
        match self {
            Vault::Os => os::key_id(slot),
            Vault::File(f) => f.key_id(slot),
        }
    }
}

/// Whether `profile`'s `credential_process` is awsmfa's own for it: what
/// `keys import` writes (`awsmfa process PROFILE`, the program by name or
/// by a path to a file named awsmfa).
pub fn ours(profiles: &Profiles, profile: &str) -> bool {
    let Some(line) = profiles.value(profile, "credential_process") else {
        return false;
    };
    is_our_line(line, profile)
}

pub fn is_our_line(line: &str, profile: &str) -> bool {
    awsmfa_process(line).is_some_and(|name| crate::profile::encode_name(&name) == profile)
}

/// The profile a `credential_process` line hands to awsmfa, when the line
/// is exactly `awsmfa process PROFILE` (the program by name or by a path to
/// a file named awsmfa).
pub fn awsmfa_process(line: &str) -> Option<String> {
    let argv = shell_words::split(line).ok()?;
    let [program, verb, name] = <[String; 3]>::try_from(argv).ok()?;
    let file = std::path::Path::new(&program).file_name();
    (matches!(file.and_then(|f| f.to_str()), Some("awsmfa" | "awsmfa.exe")) && verb == "process")
        .then_some(name)
}

/// The `credential_process` line `keys import` writes for `profile`: this
/// binary by name when `awsmfa` on PATH is this binary, else by its path.
pub fn process_line(profile: &str) -> String {
    let me = std::env::current_exe().and_then(std::fs::canonicalize).ok();
    let on_path = crate::fs::on_path("awsmfa").and_then(|p| std::fs::canonicalize(p).ok());
    let program = match (&me, &on_path) {
        (Some(me), Some(found)) if me == found => "awsmfa".to_string(),
        (Some(me), _) => shell_words::quote(&me.to_string_lossy()).into_owned(),
        (None, _) => "awsmfa".to_string(),
    };
    format!("{program} process {}", shell_words::quote(profile))
}

/// A chain's long-term key as [`crate::obtain`] needs it: from the profile
/// files, or from a store, read only when STS is about to be called (a
/// session served from the cache never touches a store).
pub struct Signer {
    profile: String,
    locations: Locations,
    plain: Option<Credentials>,
    held: OnceCell<Credentials>,
}

impl Signer {
    /// The signer of a chain's base, when it is a key awsmfa can use.
    pub fn of(profiles: &Profiles, base: &Base) -> Option<Signer> {
        match base {
            Base::AccessKey(k) => Some(Signer {
                profile: k.profile.clone(),
                locations: profiles.locations.clone(),
                plain: Some(Credentials::new(
                    &k.access_key_id,
                    &k.secret_access_key,
                    k.session_token.clone(),
                    None,
                    "profile",
                )),
                held: OnceCell::new(),
            }),
            Base::CredentialProcess { profile } if ours(profiles, profile) => Some(Signer {
                profile: profile.clone(),
                locations: profiles.locations.clone(),
                plain: None,
                held: OnceCell::new(),
            }),
            _ => None,
        }
    }

    /// The profile holding the key.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// Temporary keys (`aws_session_token`); a store only holds long-term ones.
    pub fn temporary(&self) -> bool {
        self.plain
            .as_ref()
            .is_some_and(|c| c.session_token().is_some())
    }

    /// Whether the key is in a store rather than in the profile files.
    pub fn held(&self) -> bool {
        self.plain.is_none()
    }

    /// What names the key in cache keys without reading it: its id, or for
    /// a stored key the store's mark (whatever changes or removes a stored
    /// key, `keys` and `rotate`, forgets the profile's cached sessions, so a
    /// changed key never meets old ones).
    pub fn cache_id(&self) -> &str {
        self.plain.as_ref().map_or("vault", |c| c.access_key_id())
    }

    /// The credentials, read from the store on first use.
    pub fn credentials(&self) -> Result<&Credentials> {
        if let Some(plain) = &self.plain {
            return Ok(plain);
        }
        if let Some(held) = self.held.get() {
            return Ok(held);
        }
        let key = read(&self.locations, &self.profile)?;
        Ok(self.held.get_or_init(|| key.credentials()))
    }
}

/// `profile`'s key from the store that holds it.
pub fn read(locations: &Locations, profile: &str) -> Result<LongTermKey> {
    let slot = Slot::new(locations, profile);
    let store = Vault::holding(VaultChoice::configured()?, &slot)?;
    store.get(&slot)?.ok_or_else(|| {
        VaultError::Missing {
            profile: profile.to_string(),
            store: store.name().to_string(),
        }
        .into()
    })
}

/// Whether any store holds a key with this id for a profile of these files
/// (rotate never takes such a key for a leftover).
pub fn holds_id(profiles: &Profiles, id: &str) -> bool {
    let Ok(choice) = VaultChoice::configured() else {
        return false;
    };
    profiles.names().filter(|p| ours(profiles, p)).any(|p| {
        let slot = Slot::new(&profiles.locations, p);
        Vault::holding(choice, &slot)
            .ok()
            .and_then(|s| s.key_id(&slot).ok().flatten())
            .is_some_and(|held| held == id)
    })
}

/// Profiles whose long-term key (no session token) is in the profile files.
pub fn plaintext(profiles: &Profiles) -> Vec<String> {
    profiles
        .names()
        .filter(|name| {
            let get = |k| profiles.value(name, k);
            get("aws_access_key_id").is_some()
                && get("aws_secret_access_key").is_some()
                && get("aws_session_token").is_none()
                && get("aws_security_token").is_none()
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_line_is_recognised_and_nothing_else() {
        assert!(is_our_line("awsmfa process alice", "alice"));
        assert!(is_our_line("/usr/bin/awsmfa process alice", "alice"));
        assert!(is_our_line(
            "'/opt/my tools/awsmfa' process 'my profile'",
            "my%20profile"
        ));
        assert!(!is_our_line("awsmfa process bob", "alice"));
        assert!(!is_our_line("awsmfa process alice --force", "alice"));
        assert!(!is_our_line("aws-vault exec alice --json", "alice"));
        assert!(!is_our_line("/tmp/awsmfa-evil/run process alice", "alice"));
        assert!(!is_our_line("awsmfa 'process alice", "alice"));
    }

    #[test]
    fn keyutils_is_refused_with_the_reason() {
        let err = VaultChoice::parse("keyutils").unwrap_err().to_string();
        assert!(err.contains("reboot"), "{err}");
        assert_eq!(VaultChoice::parse("file").unwrap(), VaultChoice::File);
        assert!(VaultChoice::parse("kwallet").is_err());
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let key = LongTermKey::new("AKIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG");
        let shown = format!("{key:?}");
        assert!(
            shown.contains("AKIAEXAMPLE") && !shown.contains("wJalr"),
            "{shown}"
        );
    }

    #[test]
    fn scopes_follow_the_credentials_file() {
        let at = |c: &str| Locations {
            config: "/h/.aws/config".into(),
            credentials: c.into(),
        };
        assert_eq!(scope(&at("/h/.aws/credentials")).len(), 16);
        assert_ne!(scope(&at("/h/.aws/credentials")), scope(&at("/ci/creds")));
    }
}
