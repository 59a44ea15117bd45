//! `.awsmfa.toml`: the profile a directory tree works with.
//!
//! ```toml
//! profile = "prod"            # required: a profile in ~/.aws/config
//! region = "eu-west-1"        # optional: exported as AWS_REGION
//! duration = "15m"            # optional: life of the credentials
//! account = "123456789012"    # optional: refuse credentials of any other account
//! ```
//!
//! The file is inert until trusted (see [`crate::trust`]); unknown keys are
//! rejected so a typo (`acount`) never silently disables a guard.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".awsmfa.toml";

/// A parsed `.awsmfa.toml`. Equal settings mean the same credentials, so
/// moving between two trees with equal files keeps what is exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub profile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Seconds; written as a number or a duration such as "15m" or "1h".
    #[serde(
        default,
        deserialize_with = "duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(u64),
        Text(String),
    }
    match Raw::deserialize(d).map_err(|_| {
        serde::de::Error::custom("expected seconds (900) or a duration such as \"15m\" or \"1h\"")
    })? {
        Raw::Seconds(s) => Ok(Some(s)),
        Raw::Text(t) => crate::duration::parse(&t)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// Largest `.awsmfa.toml` read: its four settings fit in 200 bytes, and a
/// symlink or a planted file must not cost memory and time at every `cd`.
pub const MAX_BYTES: u64 = 64 * 1024;

/// The nearest `.awsmfa.toml` at or above `dir`: whatever entry bears the
/// name (a symlink or a FIFO too, never followed here, so that [`read`]
/// refuses it by name instead of the lookup passing over it silently).
pub fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|f| std::fs::symlink_metadata(f).is_ok_and(|m| !m.is_dir()))
}

/// The bytes of the project file `file`, judged as found: the path itself
/// (never a symlink's target), its owner and mode, and its directory chain
/// (see [`check_chain`]). What is trusted (see [`crate::trust`]) is this
/// path with these bytes.
pub fn read(file: &Path) -> Result<Vec<u8>> {
    use crate::fs::ReadError;
    let refuse = |why: String| Error::UnsafeProjectFile {
        path: file.display().to_string(),
        why,
    };
    let got = crate::fs::read_regular(file, MAX_BYTES).map_err(|e| match e {
        ReadError::Io(e) => Error::io(format!("reading {}", file.display()), e),
        ReadError::Symlink => refuse(
            "it is a symbolic link; awsmfa trusts a project file only where it is, so replace the link with a copy of the file".to_string(),
        ),
        ReadError::TooLarge { max } => refuse(format!(
            "it is larger than {max} bytes, far more than a project file needs; remove it or trim it to `profile = \"NAME\"`"
        )),
        other => refuse(format!("{other}; a project file must be a regular file")),
    })?;
    check_file(file, &got.meta)?;
    check_chain(file)?;
    Ok(got.bytes)
}

#[cfg(unix)]
use crate::fs::my_uid as me;

/// The file itself: owned by the user running awsmfa (root included: root
/// trusts only root's files), and not writable by others. `meta` is that of
/// the descriptor that was read.
#[cfg(unix)]
fn check_file(file: &Path, meta: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let refuse = |why: String| Error::UnsafeProjectFile {
        path: file.display().to_string(),
        why,
    };
    if meta.uid() != me() {
        return Err(refuse(format!(
            "it is owned by uid {}, not by you; review it, then `chown` it to yourself",
            meta.uid()
        )));
    }
    if meta.mode() & OTHERS_WRITE != 0 {
        return Err(refuse(
            "anyone can write it; review it, then `chmod o-w` it".to_string(),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_file(_file: &Path, _meta: &std::fs::Metadata) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
const OTHERS_WRITE: u32 = 0o002;

/// Refuse a `.awsmfa.toml` that someone else could swap: any directory
/// above it owned by a user other than you or root (the owner of a
/// directory can rename and replace anything below it), or writable by
/// others without the sticky bit (which stops them renaming what is not
/// theirs). The chain is the path as found, not resolved: the hook's path
/// comes from the physical working directory, and `allow` resolves only the
/// directory it is given. Trust is by content hash, so such a file could
/// only ever be one the user allowed; this also keeps `awsmfa allow` from
/// blessing a planted one, and names the problem instead of a puzzling "not
/// allowed".
#[cfg(unix)]
fn check_chain(file: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    const STICKY: u32 = 0o1000;
    let refuse = |why: String| Error::UnsafeProjectFile {
        path: file.display().to_string(),
        why,
    };
    for (i, dir) in file.ancestors().skip(1).enumerate() {
        if dir.as_os_str().is_empty() {
            break;
        }
        let d = std::fs::symlink_metadata(dir)
            .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
        // Never on the hook's physical path; a path given by hand is
        // resolved first (see cmd::allow): a link here is a swap.
        if d.file_type().is_symlink() {
            return Err(refuse(format!(
                "{} above it is a symbolic link; name the real directory",
                dir.display()
            )));
        }
        if d.uid() != me() && d.uid() != 0 {
            let which = if i == 0 {
                "its directory"
            } else {
                "the directory"
            };
            return Err(refuse(format!(
                "{which} {} is owned by uid {}, who could replace it; keep project files in directories you own",
                dir.display(),
                d.uid()
            )));
        }
        if d.mode() & OTHERS_WRITE != 0 && d.mode() & STICKY == 0 {
            return Err(refuse(format!(
                "anyone can write {}, so anyone could replace it; `chmod o-w` that directory",
                dir.display()
            )));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_chain(_file: &Path) -> Result<()> {
    Ok(())
}

impl Project {
    /// Parse the bytes of `path`. Errors name the file, the line and the key.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Project> {
        let fail = |line: Option<usize>, why: String| {
            Error::ConfigParse(match line {
                Some(n) => format!("{}, line {n}: {why}", path.display()),
                None => format!("{}: {why}", path.display()),
            })
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| fail(None, "not valid UTF-8; save it as UTF-8".to_string()))?;
        let project: Project = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let msg = e.message().trim().to_string();
            // toml names the key for unknown and missing keys; for a bad
            // value it only points at it, so name the key from that line.
            let key = line
                .and_then(|n| text.lines().nth(n - 1))
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim().trim_matches('"'))
                .filter(|k| !k.is_empty() && !msg.contains(&format!("`{k}`")));
            match key {
                Some(k) => fail(line, format!("`{k}`: {msg}")),
                None => fail(line, msg),
            }
        })?;
        let line_of = |key: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(key))
                .map(|i| i + 1)
        };
        if project.profile.trim().is_empty() {
            return Err(fail(
                line_of("profile"),
                "`profile` is empty; name a profile from ~/.aws/config".to_string(),
            ));
        }
        if let Some(region) = &project.region
            && (region.trim().is_empty() || region.chars().any(char::is_whitespace))
        {
            return Err(fail(
                line_of("region"),
                format!("`region` {region:?} is not a region name such as \"eu-west-1\""),
            ));
        }
        if let Some(account) = &project.account
            && (account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(fail(
                line_of("account"),
                format!("`account` {account:?} must be the 12-digit AWS account id, quoted"),
            ));
        }
        Ok(project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Project> {
        Project::parse(Path::new("/p/.awsmfa.toml"), text.as_bytes())
    }

    #[test]
    fn full_file() {
        let p = parse(
            "profile = \"prod\"\nregion = \"eu-west-1\"\nduration = \"15m\"\naccount = \"012345678901\"\n",
        )
        .unwrap();
        assert_eq!(
            p,
            Project {
                profile: "prod".into(),
                region: Some("eu-west-1".into()),
                duration: Some(900),
                account: Some("012345678901".into()),
            }
        );
        assert_eq!(
            parse("profile = 'p'\nduration = 1800").unwrap().duration,
            Some(1800)
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse("profile = \"p\"\nacount = \"1\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/p/.awsmfa.toml, line 2: unknown field `acount`"),
            "{e}"
        );
        let e = parse("region = \"x\"\n").unwrap_err().to_string();
        assert!(
            e.contains("/p/.awsmfa.toml") && e.contains("missing field `profile`"),
            "{e}"
        );
        let e = parse("profile = \"p\"\nduration = true\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/p/.awsmfa.toml, line 2: `duration`: expected seconds"),
            "{e}"
        );
        let e = parse("profile = \"p\"\naccount = 12\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/p/.awsmfa.toml, line 2: `account`: "), "{e}");
        let e = parse("profile = \"p\"\naccount = \"12\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("12-digit"), "{e}");
        let e = parse("profile = \"\"\n").unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("`profile` is empty"),
            "{e}"
        );
        let e = Project::parse(Path::new("/p/.awsmfa.toml"), b"profile = \"\xff\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("UTF-8"), "{e}");
    }
}
