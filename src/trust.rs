//! Which `.awsmfa.toml` files the user trusts (the direnv model).
//!
//! A file anyone can commit to a repository must not pick credentials by
//! itself. `awsmfa allow` records an allowance named after
//! sha256(absolute path + "\n" + content) under
//! `$XDG_DATA_HOME/awsmfa/allow/`: any edit changes the name, so an edited
//! file is untrusted again, and the check per directory change is one stat.
//! Each allowance holds the path it was made for, so `deny` can find stale
//! ones too. This module alone decides what is trusted; the files are
//! written by [`crate::fs::write_private`].

use crate::error::{Error, Result};
use crate::fs::{Durability, Replace};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub fn dir() -> Result<PathBuf> {
    use etcetera::BaseStrategy;
    Ok(crate::config::dirs()?
        .data_dir()
        .join("awsmfa")
        .join("allow"))
}

/// The allowance name for `path` holding `content`.
pub fn key(path: &Path, content: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(path_bytes(path));
    h.update(b"\n");
    h.update(content);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

/// A newline in the path would make "path \n content" ambiguous (two
/// different pairs could hash alike), so such paths are never trusted.
fn unambiguous(path: &Path) -> bool {
    !path_bytes(path).contains(&b'\n')
}

/// Whether `path` with exactly `content` was allowed.
pub fn is_allowed(path: &Path, content: &[u8]) -> Result<bool> {
    Ok(unambiguous(path) && dir()?.join(key(path, content)).is_file())
}

/// Trust `path` as it is now.
pub fn allow(path: &Path, content: &[u8]) -> Result<()> {
    if !unambiguous(path) {
        return Err(Error::Usage(format!(
            "{path:?} contains a newline; awsmfa only trusts files whose path has none"
        )));
    }
    let file = dir()?.join(key(path, content));
    let mut record = path_bytes(path);
    record.push(b'\n');
    // Atomic, so that `deny` never reads half a record; private, since the
    // allowances list the user's projects.
    crate::fs::write_private(&file, &record, Replace::Own(Durability::Durable))
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))
}

/// The allowance of `path` with `content`, for the prompt hook to watch:
/// at each prompt the shell tests `[[ path -nt allowance ]]` (and that
/// both are there), with no process, and looks again when it holds (an
/// edit, a removal, or `deny`); fish's timer tests the same ([`unchanged`]).
/// `mtime` is the file's, read before `content` was: the allowance is made
/// no older than that (a `touch` of the file, or a file trusted again as
/// it was), so the test holds again only after the next change.
pub fn watch(path: &Path, content: &[u8], mtime: std::time::SystemTime) -> Result<PathBuf> {
    let file = dir()?.join(key(path, content));
    no_older_than(&file, mtime)?;
    Ok(file)
}

fn no_older_than(file: &Path, mtime: std::time::SystemTime) -> Result<()> {
    if modified(file).is_some_and(|t| t < mtime) {
        // Our own file: its time, not its content, changes.
        std::fs::File::open(file)
            .and_then(|f| f.set_modified(mtime))
            .map_err(|e| Error::io(format!("updating {}", file.display()), e))?;
    }
    Ok(())
}

fn modified(file: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(file).and_then(|m| m.modified()).ok()
}

/// Whether the trust `watch` recorded still holds: the project file and
/// its allowance both there, the file no newer. The test each shell makes
/// at its prompt, for fish's timer (`awsmfa hook-timer`); the file's own
/// time, not a link's target's (a file replaced by a link to an older one
/// is a change, and no project file may be a link).
pub fn unchanged(path: &Path, allowance: &Path) -> bool {
    let own = std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok();
    matches!((own, modified(allowance)), (Some(f), Some(a)) if f <= a)
}

/// Remove every allowance made for `path` (any content); how many there were.
pub fn deny(path: &Path) -> Result<usize> {
    let dir = dir()?;
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(format!("reading {}", dir.display()), e)),
    };
    let mut wanted = path_bytes(path);
    wanted.push(b'\n');
    let mut removed = 0;
    for entry in entries.flatten() {
        let file = entry.path();
        if std::fs::read(&file).is_ok_and(|record| record == wanted) {
            std::fs::remove_file(&file)
                .map_err(|e| Error::io(format!("removing {}", file.display()), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_path_and_content() {
        let a = key(Path::new("/a/.awsmfa.toml"), b"profile = \"p\"\n");
        assert_eq!(a.len(), 64);
        assert_ne!(a, key(Path::new("/b/.awsmfa.toml"), b"profile = \"p\"\n"));
        assert_ne!(a, key(Path::new("/a/.awsmfa.toml"), b"profile = \"q\"\n"));
        // A newline in the path would make the separator ambiguous.
        assert!(!is_allowed(Path::new("/a\nb/.awsmfa.toml"), b"").unwrap());
        assert!(allow(Path::new("/a\nb/.awsmfa.toml"), b"").is_err());
        // sha256("/x\n"), as `printf '/x\n' | sha256sum` prints it.
        assert_eq!(
            key(Path::new("/x"), b""),
            "cacbe1bb033f403f2dbdfc1f0fe00d6fc125965ff33960ff4ca5f3f45e664c4b"
        );
    }

    /// The allowance ends no older than the file; an edit, a removal of
    /// either, a link in the file's place, breaks the trust.
    #[test]
    #[cfg(unix)]
    fn an_allowance_is_watched_until_the_file_or_it_changes() {
        use std::time::Duration;
        let dir = std::env::temp_dir().join(format!("awsmfa-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (file, allowance) = (dir.join(".awsmfa.toml"), dir.join("allowance"));
        std::fs::write(&file, "profile = \"p\"\n").unwrap();
        std::fs::write(&allowance, "").unwrap();
        let at = modified(&file).unwrap();
        let set = |f: &Path, t| std::fs::File::open(f).unwrap().set_modified(t).unwrap();
        set(&allowance, at - Duration::from_secs(5));
        assert!(
            !unchanged(&file, &allowance),
            "older: not yet trusted as it is"
        );
        no_older_than(&allowance, at).unwrap();
        assert!(unchanged(&file, &allowance), "the same time");
        // Already newer: left as it is.
        let later = at + Duration::from_secs(5);
        set(&allowance, later);
        no_older_than(&allowance, at).unwrap();
        assert_eq!(modified(&allowance), Some(later));
        set(&file, later + Duration::from_nanos(1));
        assert!(!unchanged(&file, &allowance), "edited");
        std::fs::remove_file(&file).unwrap();
        assert!(!unchanged(&file, &allowance), "removed");
        // A link in its place, to a file older than the allowance.
        let old = dir.join("old.toml");
        std::fs::write(&old, "").unwrap();
        set(&old, at - Duration::from_secs(20));
        set(&allowance, at - Duration::from_secs(10));
        std::os::unix::fs::symlink(&old, &file).unwrap();
        assert!(!unchanged(&file, &allowance), "a link");
        std::fs::remove_file(&file).unwrap();
        std::fs::write(&file, "").unwrap();
        std::fs::remove_file(&allowance).unwrap();
        assert!(!unchanged(&file, &allowance), "denied");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
