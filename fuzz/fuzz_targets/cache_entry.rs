//! The encrypted session cache, through the front door: fuzzed credentials
//! (any strings, any lifetime) under a fuzzed session or role identity are
//! sealed by `Cache::store` under the cache's real (random, file-store) key,
//! the entry file is then edited by fuzzed edits (bit flips, cuts, appended
//! bytes, or the whole file replaced by fuzzed bytes), and `Cache::load`
//! reads it back. An entry left as written must open past the AEAD tag and
//! parse back to exactly what was stored; an entry changed in any byte must
//! be refused; nothing may panic.
//!
//! A fixed key and fuzzed file bytes alone (this target's first form) never
//! get past the tag, so the parser behind it was never fuzzed: the counts
//! printed as `reached: opened=N refused=M` show both sides are reached, and
//! scripts/fuzz-smoke.sh fails when either stays 0.
#![no_main]
use aws_credential_types::Credentials;
use awsmfa::config::KeyStoreChoice;
use awsmfa::store::cache::Cache;
use awsmfa::store::{EntryKey, MIN_VALIDITY, Store};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Arbitrary, Debug)]
enum Id {
    Session {
        source_profile: String,
        serial: String,
    },
    Role {
        profile: String,
        role_arn: String,
        via: String,
        source_profile: String,
    },
}

#[derive(Arbitrary, Debug)]
enum Edit {
    Flip { at: u16, bits: u8 },
    Cut { at: u16 },
    Append(Vec<u8>),
    Replace(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    id: Id,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// Seconds of validity left.
    lifetime: u16,
    edits: Vec<Edit>,
}

fn key(id: Id) -> EntryKey {
    match id {
        Id::Session {
            source_profile,
            serial,
        } => EntryKey::Session {
            source_profile,
            serial,
        },
        Id::Role {
            profile,
            role_arn,
            via,
            source_profile,
        } => EntryKey::Role {
            profile,
            role_arn,
            via,
            source_profile,
        },
    }
}

fn apply(edit: &Edit, bytes: &mut Vec<u8>) {
    let at = |i: u16, len: usize| usize::from(i) % len.max(1);
    match edit {
        Edit::Flip { at: i, bits } if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] ^= *bits;
        }
        Edit::Flip { .. } => {}
        Edit::Cut { at: i } => bytes.truncate(at(*i, bytes.len())),
        Edit::Append(more) => bytes.extend_from_slice(more),
        Edit::Replace(all) => *bytes = all.clone(),
    }
}

thread_local! {
    /// One cache for the whole run, as one awsmfa process holds one: its key
    /// is made once (file store) and kept.
    static CACHE: Cache = Cache::open(KeyStoreChoice::File).expect("the cache opens");
}

static RUNS: AtomicU64 = AtomicU64::new(0);
static OPENED: AtomicU64 = AtomicU64::new(0);
static REFUSED: AtomicU64 = AtomicU64::new(0);

/// The cache's directories in a fresh private directory of this process's
/// under $TMPDIR (scripts/fuzz-smoke.sh points that at its scratch
/// directory): the cache finds them through the XDG variables, set here
/// before anything reads them.
#[allow(clippy::disallowed_methods)]
fn private_home() {
    use std::os::unix::fs::DirBuilderExt;
    let home = std::env::temp_dir().join(format!("awsmfa-fuzz-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&home)
        .expect("a private directory");
    // SAFETY: libFuzzer runs `init` once, before the first input and before
    // this process has a second thread, so nothing reads the environment
    // while it changes.
    unsafe {
        std::env::set_var("HOME", &home);
        std::env::set_var("XDG_CACHE_HOME", home.join("cache"));
        std::env::set_var("XDG_RUNTIME_DIR", &home);
    }
}

fuzz_target!(init: private_home(), |input: Input| {
    CACHE.with(|cache| check(cache, input));
    let runs = RUNS.fetch_add(1, Relaxed) + 1;
    if runs.is_power_of_two() {
        println!(
            "reached: opened={} refused={}",
            OPENED.load(Relaxed),
            REFUSED.load(Relaxed)
        );
    }
});

fn check(cache: &Cache, input: Input) {
    let key = key(input.id);
    let expiry = SystemTime::now() + Duration::from_secs(input.lifetime.into());
    let creds = Credentials::new(
        input.access_key_id,
        input.secret_access_key,
        input.session_token,
        Some(expiry),
        "fuzz",
    );
    cache.store(&key, &creds);
    let entries = cache.list();
    let [(path, _)] = entries.as_slice() else {
        panic!("stored one entry, found {}", entries.len());
    };
    let written = std::fs::read(path).expect("the entry reads back");
    let mut bytes = written.clone();
    for edit in &input.edits {
        apply(edit, &mut bytes);
    }
    if bytes != written {
        std::fs::write(path, &bytes).expect("the entry is rewritten");
    }
    let loaded = cache.load(&key);
    std::fs::remove_file(path).expect("the entry is removed");
    // Whole seconds are kept: a second either side of the freshness limit
    // may go either way.
    let margin = Duration::from_secs(2);
    let lifetime = Duration::from_secs(input.lifetime.into());
    if bytes != written {
        assert!(loaded.is_none(), "an edited entry opened");
        REFUSED.fetch_add(1, Relaxed);
    } else if lifetime > MIN_VALIDITY + margin {
        let got = loaded.expect("an entry as written did not open");
        assert_eq!(got.access_key_id(), creds.access_key_id());
        assert_eq!(got.secret_access_key(), creds.secret_access_key());
        assert_eq!(got.session_token(), creds.session_token());
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(got.expiry().map(secs), creds.expiry().map(secs));
        OPENED.fetch_add(1, Relaxed);
    } else if lifetime + margin < MIN_VALIDITY {
        assert!(loaded.is_none(), "a stale entry was served");
    }
}
