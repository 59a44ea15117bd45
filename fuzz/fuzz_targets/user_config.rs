//! `$XDG_CONFIG_HOME/awsmfa/config.toml`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(config) = awsmfa::config::UserConfig::parse(text) {
            let _ = config.refresh_window_secs();
        }
    }
});
