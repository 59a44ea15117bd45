//! Where credentials outlive one process, and the one vocabulary every such
//! place shares.
//!
//! This module alone owns the [`Store`] trait that [`crate::obtain`] asks,
//! the names of what is stored ([`EntryKey`], and [`Kind`] for what an
//! entry is), and the rule for when a stored credential still counts
//! ([`fresh`]). Its implementations live beside it:
//!
//! - [`cache`]: the encrypted session cache on disk, and [`cache::key`],
//!   where the cache's own key lives;
//! - [`hook`]: the MFA sessions the prompt hook's shell holds;
//! - [`memory`]: the exec-server's sessions, in memory, when the cache is off;
//! - [`NoStore`]: nothing at all.

pub mod cache;
pub mod hook;
pub mod memory;

pub use hook::ShellStore;
pub use memory::Memory;

use aws_credential_types::Credentials;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a stored entry is: the MFA session of one source identity, or the
/// credentials of one role profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EntryKey {
    /// Keyed by the profile holding the long-term keys and the MFA device.
    Session {
        source_profile: String,
        serial: String,
    },
    /// Keyed by the selected profile and the role it names, and by `via`:
    /// the identity it is assumed from (source profile, its access key id,
    /// each hop), so that editing the chain never serves the old role.
    Role {
        profile: String,
        role_arn: String,
        via: String,
        /// The profile holding the long-term keys at the chain's start.
        source_profile: String,
    },
}

/// What kind of entry a stored record is. On disk (the cache's readable
/// header) it is the lower-case word, as it always was: `"session"`,
/// `"role"`, `"code"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An MFA session ([`EntryKey::Session`]).
    Session,
    /// Role credentials ([`EntryKey::Role`]).
    Role,
    /// The keyed hash of the MFA code used last (the replay guard).
    Code,
}

impl Kind {
    /// The word stored on disk and shown by `cache list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Session => "session",
            Kind::Role => "role",
            Kind::Code => "code",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so that width specifiers (`{:<8}`) apply.
        f.pad(self.as_str())
    }
}

impl EntryKey {
    pub fn kind(&self) -> Kind {
        match self {
            EntryKey::Session { .. } => Kind::Session,
            EntryKey::Role { .. } => Kind::Role,
        }
    }
}

/// Where credentials outlive one process: the prompt hook's unexported
/// shell variable, or the encrypted cache. Implementations return only
/// entries that are still valid for at least [`MIN_VALIDITY`].
pub trait Store {
    fn load(&self, key: &EntryKey) -> Option<Credentials>;
    fn store(&self, key: &EntryKey, creds: &Credentials);
    /// Hold an exclusive (cross-process) lock on `key` until the guard drops,
    /// so that concurrent processes ask for one MFA code, not one each.
    fn lock(&self, _key: &EntryKey) -> Option<Box<dyn std::any::Any>> {
        None
    }
    /// The code accepted last for `serial` was `code`, at `now`: remember it
    /// (hashed) so the same code is not sent again within its lifetime.
    fn code_used(&self, _serial: &str, _code: &str) {}
    /// Whether `code` was already used for `serial` within the last 90 s.
    fn code_seen(&self, _serial: &str, _code: &str) -> bool {
        false
    }
    /// Drop every entry made from `source_profile`'s keys (after a key
    /// rotation, or `cache clear`).
    fn forget(&self, _source_profile: &str) {}
}

/// Stores nothing: every call starts from the long-term keys.
pub struct NoStore;
impl Store for NoStore {
    fn load(&self, _: &EntryKey) -> Option<Credentials> {
        None
    }
    fn store(&self, _: &EntryKey, _: &Credentials) {}
}

/// An entry closer to expiry than this counts as absent.
pub const MIN_VALIDITY: Duration = Duration::from_secs(5 * 60);

/// Still valid for at least [`MIN_VALIDITY`]?
pub fn fresh(creds: &Credentials) -> bool {
    creds
        .expiry()
        .is_some_and(|t| t > SystemTime::now() + MIN_VALIDITY)
}

/// `t` in whole seconds since the epoch, as every store records expiry
/// (0 for a time before it).
pub fn epoch(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The expiry of `creds` as [`epoch`] seconds (0 when they have none).
pub fn expires(creds: &Credentials) -> u64 {
    creds.expiry().map_or(0, epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_their_on_disk_words() {
        for (kind, word) in [
            (Kind::Session, "session"),
            (Kind::Role, "role"),
            (Kind::Code, "code"),
        ] {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{word}\""));
            let back: Kind = serde_json::from_str(&format!("\"{word}\"")).unwrap();
            assert_eq!(back, kind);
            assert_eq!(format!("{kind:<8}|"), format!("{word:<8}|"));
        }
        assert!(serde_json::from_str::<Kind>("\"Session\"").is_err());
    }
}
