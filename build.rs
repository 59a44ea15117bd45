//! Names the commit in `awsmfa --version`: `0.1.0 (c644aa6 2026-12-01)`.
//!
//! From git when building a checkout; from the `.cargo_vcs_info.json` that
//! `cargo package` writes when building a crates.io tarball (hash only);
//! else the bare version. No dependency, and cargo reruns this only when
//! HEAD moves: the paths watched are the files git changes on a commit or
//! checkout (a watched path that does not exist would rerun every build).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=build.rs");
    let commit = from_git(&dir).or_else(|| from_vcs_info(&dir));
    let version = env!("CARGO_PKG_VERSION");
    let full = match commit {
        Some(c) => format!("{version} ({c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=AWSMFA_VERSION={full}");
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// `c644aa6 2026-12-01`, only when this crate is the top of the checkout
/// (an unpacked tarball inside some other repository is not that commit).
fn from_git(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let line = git(dir, &["log", "-1", "--format=%h %cs"])?;
    let git_dir = PathBuf::from(git(dir, &["rev-parse", "--absolute-git-dir"])?);
    let common = git(
        dir,
        &["rev-parse", "--path-format=absolute", "--git-common-dir"],
    )
    .map(PathBuf::from)
    .unwrap_or_else(|| git_dir.clone());
    let mut watch = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    if let Some(head_ref) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(common.join(head_ref));
    }
    for p in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    Some(line)
}

/// The hash `cargo package` recorded: `"sha1": "c644aa6…"`.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let rest = &text[text.find("\"sha1\"")? + 6..];
    let start = rest.find('"')? + 1;
    let hash = rest[start..].get(..7)?;
    hash.chars()
        .all(|c| c.is_ascii_hexdigit())
        .then(|| hash.to_string())
}
