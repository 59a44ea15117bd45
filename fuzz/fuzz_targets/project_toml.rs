//! `.awsmfa.toml`: a file anyone can commit to a repository.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = awsmfa::project::Project::parse(std::path::Path::new("/repo/.awsmfa.toml"), data);
});
