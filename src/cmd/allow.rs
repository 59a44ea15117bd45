//! `awsmfa allow [PATH]` and `awsmfa deny [PATH]`: trust or distrust a
//! `.awsmfa.toml` (see [`crate::trust`]).

use super::Context;
use crate::cli::TrustArgs;
use crate::error::{Error, Result};
use crate::profile::Profiles;
use crate::project::{self, Project};
use crate::{term, trust};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The file PATH means: a `.awsmfa.toml` itself, a directory holding one, or
/// (no PATH) the nearest one at or above the current directory.
fn locate(path: Option<&Path>) -> Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))?;
    let file = match path {
        None => project::find(&cwd).ok_or_else(|| Error::NoProjectFile {
            name: project::FILE_NAME,
            dir: cwd.display().to_string(),
        })?,
        Some(p) if p.is_dir() => {
            let file = p.join(project::FILE_NAME);
            if std::fs::symlink_metadata(&file).is_err() {
                return Err(Error::Usage(format!(
                    "{} has no {}; create it with `profile = \"NAME\"` first",
                    p.display(),
                    project::FILE_NAME
                )));
            }
            file
        }
        Some(p) => p.to_path_buf(),
    };
    Ok(absolute(&cwd, &file))
}

/// The path the hook will see: its directory resolved (the hook's working
/// directory is the physical one), the file itself as found, never a
/// symlink's target, which would lend the target's trust to the link.
fn absolute(cwd: &Path, file: &Path) -> PathBuf {
    let file = cwd.join(file);
    match (file.parent(), file.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(file.clone()),
        _ => file,
    }
}

pub fn allow(_ctx: &Context, args: TrustArgs) -> Result<ExitCode> {
    let file = locate(args.path.as_deref())?;
    let bytes = project::read(&file)?;
    // Refuse to trust what the hook would reject anyway.
    let project = Project::parse(&file, &bytes)?;
    // A profile that is not there (a typo) would fail at the next prompt
    // instead: refuse it now, naming the nearest ones.
    Profiles::load_for(&project.profile)
        .and_then(|p| p.get(&project.profile).map(drop))
        .map_err(|cause| Error::NotAllowed {
            file: file.display().to_string(),
            cause: Box::new(cause),
        })?;
    trust::allow(&file, &bytes)?;
    term::note(format_args!(
        "awsmfa: allowed {} (profile `{}`); it applies from your next prompt, until the file changes",
        file.display(),
        project.profile
    ));
    Ok(ExitCode::SUCCESS)
}

pub fn deny(_ctx: &Context, args: TrustArgs) -> Result<ExitCode> {
    let file = match args.path.as_deref() {
        // A deleted project can still be denied by its path.
        Some(p) if std::fs::symlink_metadata(p).is_err() && p.ends_with(project::FILE_NAME) => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::io("reading the current directory", e))?;
            absolute(&cwd, p)
        }
        other => locate(other)?,
    };
    match trust::deny(&file)? {
        0 => term::note(format_args!("awsmfa: {} was not allowed", file.display())),
        _ => term::note(format_args!(
            "awsmfa: denied {}; its credentials are removed at your next prompt",
            file.display()
        )),
    }
    Ok(ExitCode::SUCCESS)
}
