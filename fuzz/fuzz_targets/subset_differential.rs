//! `~/.aws/config` bytes, a NUL, then `~/.aws/credentials` bytes (no NUL:
//! an empty credentials file). Both files are parsed in full and every
//! profile's chain resolved (a source_profile loop is an error, not a
//! spin); then the fast path (parse only the sections a chain needs) must
//! resolve every chain exactly as the full parse does, wherever it answers.
//! Nothing may panic or hang.
#![no_main]
use awsmfa::profile::{Profiles, chain};
use libfuzzer_sys::fuzz_target;

/// The two files as text, or None when either is not UTF-8 (awsmfa refuses
/// such files before any parser sees them).
fn split(data: &[u8]) -> Option<(&str, &str)> {
    let (config, credentials) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    Some((
        std::str::from_utf8(config).ok()?,
        std::str::from_utf8(credentials).ok()?,
    ))
}

fuzz_target!(|data: &[u8]| {
    let Some((config, credentials)) = split(data) else {
        return;
    };
    let Ok(full) = Profiles::parse(config, credentials) else {
        return;
    };
    // The error for a missing profile names the nearest existing ones.
    let _ = full.get("does-not-exist");
    for name in full.names() {
        let _ = full.chain(name);
        if let Some(fast) = Profiles::parse_for(config, credentials, name) {
            assert_eq!(
                chain::resolve(fast.set(), name),
                chain::resolve(full.set(), name)
            );
        }
    }
});
