//! Long-term keys left in plaintext in the AWS files.

use super::Report;
use crate::profile::Profiles;

/// Long-term keys still in the AWS files, where any process of the user, a
/// backup or a synced dotfiles repository can read them.
pub(super) fn check(r: &mut Report, profiles: &Profiles) {
    const TOPIC: &str = "keys at rest";
    let plain = crate::vault::plaintext(profiles);
    if plain.is_empty() {
        r.ok(TOPIC, "no long-term key is in plaintext in the AWS files");
    }
    if !plain.is_empty() {
        let names: Vec<String> = plain.iter().map(|n| format!("`{n}`")).collect();
        let fixes: Vec<String> = plain
            .iter()
            .map(|n| format!("`awsmfa keys import {}`", shell_words::quote(n)))
            .collect();
        r.warn(
            TOPIC,
            format!(
                "the long-term key of {} is in plaintext in the AWS files",
                names.join(", ")
            ),
            format!("move it into a key store: run {}", fixes.join(", ")),
        );
    }
}
