//! The nearest `.awsmfa.toml` and whether it is trusted.

use super::{Report, show};

/// The nearest `.awsmfa.toml`, judged as the prompt hook judges it: the
/// same lookup, the file as found, the same checks and trust store.
pub(super) fn check(r: &mut Report) {
    const TOPIC: &str = ".awsmfa.toml";
    let Ok(cwd) = std::env::current_dir() else {
        r.skip(TOPIC, "the current directory is gone");
        return;
    };
    let Some(found) = crate::project::find(&cwd) else {
        r.ok(TOPIC, "none in this directory or above");
        return;
    };
    let path = found;
    let bytes = match crate::project::read(&path) {
        Ok(b) => b,
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "fix what is named above");
            return;
        }
    };
    let dir = path.parent().unwrap_or(&path).display().to_string();
    match crate::trust::is_allowed(&path, &bytes) {
        Ok(true) => {}
        Ok(false) => {
            r.warn(
                TOPIC,
                format!(
                    "{} is not trusted (new or edited since `awsmfa allow`), so the prompt hook ignores it",
                    show(&path)
                ),
                format!("read it, then `awsmfa allow {dir}`"),
            );
            return;
        }
        Err(e) => {
            r.fail(TOPIC, e.to_string(), "fix the path named above");
            return;
        }
    }
    match crate::project::Project::parse(&path, &bytes) {
        Ok(p) => r.ok(
            TOPIC,
            format!("{} is trusted (profile `{}`)", show(&path), p.profile),
        ),
        Err(e) => r.fail(TOPIC, e.to_string(), "fix the line named above"),
    }
}
