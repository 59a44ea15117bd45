//! The prompt hook's state, handed back by the shell on stdin: the shell
//! variable holding it can be edited by anything running in the shell.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut state = awsmfa::hookstate::State::parse(text);
        state.prune(std::time::SystemTime::now());
        let _ = state.to_json();
    }
});
