//! The session cache: its directory's owner and modes, and where its key
//! is kept.

use super::{Report, show};
use crate::cmd::Context;
use crate::config::KeyStoreChoice;
use std::path::Path;

pub(super) fn check(r: &mut Report, ctx: &Context) {
    const TOPIC: &str = "cache";
    let cache = match ctx.cache() {
        Ok(Some(cache)) => cache,
        Ok(None) => {
            r.skip(TOPIC, "the session cache is off (--no-cache or `cache = false`): every terminal asks for its own MFA code");
            return;
        }
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "fix the setting named above");
            return;
        }
    };
    let dir = match crate::store::cache::dir() {
        Ok(dir) => dir,
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "set $HOME");
            return;
        }
    };
    cache_modes(r, &dir);
    key_store(r, &cache, &dir);
}

/// Where the cache key is, or will be; a failure when no store works.
fn key_store(r: &mut Report, cache: &crate::store::cache::Cache, dir: &Path) {
    const TOPIC: &str = "key store";
    if let Some(store) = cache.key_store() {
        r.ok(TOPIC, format!("the cache key is in {}", store.describe()));
        return;
    }
    // The setting the cache was opened with: the config is not read twice.
    let choice = cache.choice();
    if choice == KeyStoreChoice::Passphrase {
        r.ok(
            TOPIC,
            "the cache key comes from a passphrase, asked when needed",
        );
        return;
    }
    let mut broken = Vec::new();
    for store in crate::store::cache::key::KeyHome::candidates(choice, dir) {
        match store.key(false) {
            Ok(_) => {
                r.ok(
                    TOPIC,
                    format!("no cache key yet; it will be kept in {}", store.describe()),
                );
                return;
            }
            Err(e) => broken.push(format!("{}: {e}", store.describe())),
        }
    }
    let why = if broken.is_empty() {
        "nothing to try".to_string()
    } else {
        broken.join("; ")
    };
    // A failure, not a warning: the cache's promise (one code for every
    // terminal) is broken, as the next process would find no key.
    r.fail(
        TOPIC,
        format!("no key store works here ({why}), so the session cache is off and every terminal asks for its own MFA code"),
        "log in to a desktop session (keyring) or set XDG_RUNTIME_DIR to a private tmpfs directory; or `key_store = \"passphrase\"` in the awsmfa config",
    );
}

/// The cache directory and its entries must be private (0700 / 0600).
fn cache_modes(r: &mut Report, dir: &Path) {
    const TOPIC: &str = "cache";
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(_) => {
            r.ok(
                TOPIC,
                format!("{} not created yet (it will be 0700)", show(dir)),
            );
            return;
        }
    };
    #[cfg(unix)]
    if private_dir(r, TOPIC, dir, &meta) {
        private_entries(r, TOPIC, dir, &meta);
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        r.ok(TOPIC, format!("{} exists", show(dir)));
    }
}

/// Whether the cache directory is the user's own and closed to others
/// (a failure line when not).
#[cfg(unix)]
fn private_dir(r: &mut Report, topic: &str, dir: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let me = crate::fs::my_uid();
    if meta.uid() != me {
        r.fail(
            topic,
            format!(
                "{} belongs to uid {}, not to you (uid {me}): the cache is not used",
                show(dir),
                meta.uid()
            ),
            format!("remove {}", dir.display()),
        );
        return false;
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        r.fail(
            topic,
            format!(
                "{} is {mode:04o}: other users can see or replace cached sessions",
                show(dir)
            ),
            format!("chmod 700 {}", dir.display()),
        );
        return false;
    }
    true
}

/// The entries of a private cache directory: none readable by others.
#[cfg(unix)]
fn private_entries(r: &mut Report, topic: &str, dir: &Path, meta: &std::fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let loose: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.metadata().is_ok_and(|m| m.mode() & 0o077 != 0))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if loose.is_empty() {
        let mode = meta.mode() & 0o777;
        r.ok(
            topic,
            format!("{} is {mode:04o}, its entries private", show(dir)),
        );
    } else {
        r.fail(
            topic,
            format!(
                "{} file(s) in {} are readable by others: {}",
                loose.len(),
                show(dir),
                loose.join(", ")
            ),
            format!("chmod 600 {}/*", dir.display()),
        );
    }
}
