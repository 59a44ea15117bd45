//! The AWS config and credentials files: their owner and mode, and
//! whether they parse.

use super::{Report, show};
use crate::profile::{Locations, Profiles};
use std::path::Path;

pub(super) fn check(r: &mut Report, locations: &Locations) -> Option<Profiles> {
    file_mode(r, "config file", Path::new(&locations.config), false);
    file_mode(
        r,
        "credentials file",
        Path::new(&locations.credentials),
        true,
    );
    match Profiles::load() {
        Ok(p) => Some(p),
        Err(e) => {
            r.fail("profiles", e.to_string(), "fix the file named above");
            None
        }
    }
}

/// The config file can make awsmfa run commands (`mfa_process`), so others
/// must not write it; the credentials file holds secrets, so others must
/// not read it either.
fn file_mode(r: &mut Report, topic: &str, path: &Path, secret: bool) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if secret {
                r.skip(topic, format!("{} does not exist", show(path)));
            } else {
                r.warn(
                    topic,
                    format!("{} does not exist", show(path)),
                    "create it with your profiles (`aws configure`), then `awsmfa setup PROFILE`",
                );
            }
            return;
        }
        Err(e) => {
            r.fail(
                topic,
                format!("cannot read {}: {e}", show(path)),
                "fix its permissions",
            );
            return;
        }
    };
    #[cfg(unix)]
    judge_mode(r, topic, path, &meta, secret);
    #[cfg(not(unix))]
    {
        let _ = (meta, secret);
        r.ok(topic, format!("{} exists", show(path)));
    }
}

/// Owner and mode of an AWS file, as [`file_mode`] requires them.
#[cfg(unix)]
fn judge_mode(r: &mut Report, topic: &str, path: &Path, meta: &std::fs::Metadata, secret: bool) {
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode() & 0o777;
    let loose = if secret { mode & 0o077 } else { mode & 0o022 };
    let fix = format!(
        "chmod {} {}",
        if secret { "600" } else { "go-w" },
        path.display()
    );
    if meta.uid() != crate::fs::my_uid() {
        r.warn(
            topic,
            format!("{} belongs to another user", show(path)),
            format!("chown $(id -u) {}", path.display()),
        );
    } else if loose != 0 && secret {
        r.fail(
            topic,
            format!(
                "{} is {mode:04o}: other users can read your access keys",
                show(path)
            ),
            fix,
        );
    } else if loose != 0 {
        r.fail(
            topic,
            format!(
                "{} is {mode:04o}: other users can change which commands awsmfa runs (mfa_process)",
                show(path)
            ),
            fix,
        );
    } else {
        r.ok(topic, format!("{} is {mode:04o}", show(path)));
    }
}
