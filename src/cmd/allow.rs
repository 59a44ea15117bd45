//! `awsmfa allow [PATH]` and `awsmfa deny [PATH]`: trust or distrust a
//! `.awsmfa.toml` (see [`crate::trust`]).

use super::Context;
use crate::cli::TrustArgs;
use crate::error::{Error, Result};
use crate::project::{self, Project};
use crate::trust;
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
            if !file.is_file() {
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

/// The path the hook will see: symlinks resolved, so trust made through a
/// symlinked directory holds for the real one too.
fn absolute(cwd: &Path, file: &Path) -> PathBuf {
    std::fs::canonicalize(file).unwrap_or_else(|_| cwd.join(file))
}

pub fn allow(_ctx: &Context, args: TrustArgs) -> Result<ExitCode> {
    let file = locate(args.path.as_deref())?;
    project::check_safe(&file)?;
    let bytes =
        std::fs::read(&file).map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
    // Refuse to trust what the hook would reject anyway.
    let project = Project::parse(&file, &bytes)?;
    trust::allow(&file, &bytes)?;
    eprintln!(
        "awsmfa: allowed {} (profile `{}`); it applies from your next prompt, until the file changes",
        file.display(),
        project.profile
    );
    Ok(ExitCode::SUCCESS)
}

pub fn deny(_ctx: &Context, args: TrustArgs) -> Result<ExitCode> {
    let file = match args.path.as_deref() {
        // A deleted project can still be denied by its path.
        Some(p) if !p.exists() && p.ends_with(project::FILE_NAME) => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::io("reading the current directory", e))?;
            absolute(&cwd, p)
        }
        other => locate(other)?,
    };
    match trust::deny(&file)? {
        0 => eprintln!("awsmfa: {} was not allowed", file.display()),
        _ => eprintln!(
            "awsmfa: denied {}; its credentials are removed at your next prompt",
            file.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
