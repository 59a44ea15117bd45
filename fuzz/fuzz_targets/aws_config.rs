//! `~/.aws/config` + `~/.aws/credentials` bytes (split at the first NUL):
//! parse, then resolve every profile's chain. Must never panic or hang
//! (a source_profile loop is an error, not a spin).
#![no_main]
#[path = "files.rs"]
mod files;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((config, credentials)) = files::split(data) else {
        return;
    };
    if let Ok(profiles) = awsmfa::profile::Profiles::parse(config, credentials) {
        let names: Vec<String> = profiles.names().map(str::to_string).collect();
        for name in names {
            let _ = profiles.chain(&name);
        }
        let _ = profiles.get("does-not-exist");
    }
});
