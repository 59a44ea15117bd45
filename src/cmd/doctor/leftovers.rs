//! What an interrupted write or rotate left beside the AWS files.

use super::{Report, show};
use crate::cmd::rotate;
use crate::profile::Locations;

/// What a killed awsmfa can leave beside the AWS files: temporary copies of
/// a file (secrets included), removed here, and a rotate journal naming an
/// access key that was created but never saved.
pub(super) fn check(r: &mut Report, locations: &Locations) {
    let removed = rotate::clean_leftovers(locations);
    let journals = rotate::Journal::all(locations);
    if removed.is_empty() && journals.is_empty() {
        r.ok("leftovers", "no temporary files or interrupted rotations");
    }
    if !removed.is_empty() {
        let names: Vec<String> = removed.iter().map(|p| show(p)).collect();
        r.ok(
            "leftovers",
            format!("removed {} left by an interrupted write", names.join(", ")),
        );
    }
    let on_disk = |id: &str| rotate::on_disk(locations, id);
    for (path, j) in journals {
        // The journal's file is the user's, but its profile is a word of a
        // command to copy: quoted, and cleaned of control characters.
        let (user, quoted) = (&j.user, shell_words::quote(&j.profile));
        let profile = crate::term::clean(&quoted);
        let delete = |id: &str| {
            format!(
                "run `awsmfa rotate {profile}`, which deletes it, or delete it with `aws iam delete-access-key --user-name {user} --access-key-id {id}`"
            )
        };
        let (what, fix) = match &j.new_key {
            Some(id) if on_disk(id) => (
                format!(
                    "a rotate of IAM user `{user}` stopped after saving new key {id}; old key {} may still exist",
                    j.old_key
                ),
                delete(&j.old_key),
            ),
            Some(id) => (
                format!("a rotate of IAM user `{user}` created access key {id} and never saved it"),
                delete(id),
            ),
            None => (
                format!("a rotate of IAM user `{user}` was interrupted while creating a key"),
                format!("run `awsmfa rotate {profile}`: it names any key in no file"),
            ),
        };
        r.warn("leftovers", format!("{what} ({})", show(&path)), fix);
    }
}
