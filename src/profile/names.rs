//! The profile names offered at TAB: every profile in the config and
//! credentials files, read when the shell asks (`awsmfa completions`).

use clap_complete::engine::CompletionCandidate;

/// Every profile, sorted. A file that does not parse gives no candidates
/// rather than an error: completion must never print into the user's
/// command line.
pub fn candidates() -> Vec<CompletionCandidate> {
    let Ok(profiles) = super::Profiles::load() else {
        return Vec::new();
    };
    profiles.names().map(CompletionCandidate::new).collect()
}
