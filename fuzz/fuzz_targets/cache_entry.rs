//! A cache file's bytes, as read back from disk: anything at all must be
//! rejected or opened, never panic, never allocate beyond the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = awsmfa::store::cache::open_entry(data, "role\0dev\0arn:aws:iam::1:role/dev", &[7u8; 32]);
});
