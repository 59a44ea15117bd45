//! The fast path (parse only the sections a chain needs) against a full
//! parse: wherever the fast path answers, it must resolve the same chain.
#![no_main]
#[path = "files.rs"]
mod files;
use awsmfa::profile::{chain, Profiles};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((config, credentials)) = files::split(data) else {
        return;
    };
    let Ok(full) = Profiles::parse(config, credentials) else {
        return;
    };
    for name in full.names() {
        if let Some(fast) = Profiles::parse_for(config, credentials, name) {
            assert_eq!(
                chain::resolve(fast.set(), name),
                chain::resolve(full.set(), name)
            );
        }
    }
});
