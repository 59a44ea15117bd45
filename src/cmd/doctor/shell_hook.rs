//! The shell hook: whether the user's rc file loads it, and whether a
//! later line drops it again.

use super::{Report, env, home, show};
use std::path::{Path, PathBuf};

/// A line of an rc file that loads the hook: `awsmfa init` outside a comment.
fn loads_hook(line: &str) -> bool {
    let code = line.trim_start();
    !code.starts_with('#') && code.contains("awsmfa init")
}

/// A later line that replaces the hook's list instead of extending it:
/// `PROMPT_COMMAND=...` (bash) or `precmd_functions=(...)` (zsh) that does
/// not mention the old value.
fn clobbers(line: &str, var: &str) -> bool {
    let code = line.trim_start();
    if code.starts_with('#') {
        return false;
    }
    let code = code
        .trim_start_matches("export ")
        .trim_start_matches("declare -a ")
        .trim_start_matches("declare ")
        .trim_start_matches("typeset ");
    match code.strip_prefix(var) {
        Some(rest) if rest.starts_with('=') => {
            !rest.contains(&format!("${var}")) && !rest.contains(&format!("${{{var}"))
        }
        _ => false,
    }
}

/// Where a shell's rc file is, and how the hook shows there.
struct Rc {
    shell: String,
    path: PathBuf,
    /// The line `awsmfa init` tells users to add.
    line: &'static str,
    /// The hook list a later line may replace (bash, zsh).
    var: Option<&'static str>,
    /// How to see, in the shell, that the hook still runs.
    visible: &'static str,
    /// fish also loads every conf.d/*.fish.
    conf_d: Option<PathBuf>,
}

/// The rc file of the user's shell, or a skip line saying why there is none.
fn rc_file(r: &mut Report, topic: &str) -> Option<Rc> {
    let Some(shell) = env("SHELL") else {
        r.skip(
            topic,
            "$SHELL is not set; cannot tell which rc file to look in",
        );
        return None;
    };
    let shell = Path::new(&shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(home) = home() else {
        r.skip(topic, "$HOME is not set");
        return None;
    };
    let rc = Rc::of(&shell, home);
    if rc.is_none() {
        r.skip(
            topic,
            format!(
                "no hook for {shell} ($SHELL); `awsmfa env` and `awsmfa exec` work in any shell"
            ),
        );
    }
    rc
}

impl Rc {
    /// The rc file of `shell` (a name such as `bash`), if it has a hook.
    fn of(shell: &str, home: PathBuf) -> Option<Rc> {
        let config_home = env("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".config"));
        let (path, line, var, visible, conf_d) = match shell {
            "bash" => (
                home.join(".bashrc"),
                "eval \"$(awsmfa init bash)\"",
                Some("PROMPT_COMMAND"),
                "`declare -p PROMPT_COMMAND` should mention __awsmfa_hook",
                None,
            ),
            "zsh" => (
                env("ZDOTDIR")
                    .map(PathBuf::from)
                    .unwrap_or(home)
                    .join(".zshrc"),
                "eval \"$(awsmfa init zsh)\"",
                Some("precmd_functions"),
                "`print -l $precmd_functions` should list __awsmfa_precmd",
                None,
            ),
            "fish" => (
                config_home.join("fish").join("config.fish"),
                "awsmfa init fish | source",
                None,
                "`functions -q __awsmfa_on_prompt; and echo loaded` should say loaded",
                Some(config_home.join("fish").join("conf.d")),
            ),
            _ => return None,
        };
        Some(Rc {
            shell: shell.to_string(),
            path,
            line,
            var,
            visible,
            conf_d,
        })
    }
}

/// The file and line (from 0) that load the hook: the rc file, else one of
/// fish's conf.d files.
fn find_hook(rc: &Rc, text: &str) -> Option<(PathBuf, usize)> {
    if let Some(at) = text.lines().position(loads_hook) {
        return Some((rc.path.clone(), at));
    }
    for entry in std::fs::read_dir(rc.conf_d.as_ref()?).ok()?.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if let Some(at) = text.lines().position(loads_hook) {
            return Some((entry.path(), at));
        }
    }
    None
}

pub(super) fn check(r: &mut Report) {
    const TOPIC: &str = "shell hook";
    let Some(rc) = rc_file(r, TOPIC) else {
        return;
    };
    let text = std::fs::read_to_string(&rc.path).unwrap_or_default();
    let Some((source, at)) = find_hook(&rc, &text) else {
        r.warn(
            TOPIC,
            format!("{} does not load the awsmfa hook", show(&rc.path)),
            format!("add `{}` at the end of {}", rc.line, show(&rc.path)),
        );
        return;
    };
    if source == rc.path && clobbered(r, TOPIC, &rc, &text, at) {
        return;
    }
    if rc.shell == "bash" && prompt_command(r, TOPIC, &rc, &source, at) {
        return;
    }
    r.ok(
        TOPIC,
        format!(
            "{} loads it (line {}); whether it still runs in your shell is not visible from here: {}",
            show(&source),
            at + 1,
            rc.visible
        ),
    );
}

/// Whether a line after the hook's (`at`) replaces its list: warned about.
fn clobbered(r: &mut Report, topic: &str, rc: &Rc, text: &str, at: usize) -> bool {
    let Some(var) = rc.var else {
        return false;
    };
    let Some(n) = text.lines().skip(at + 1).position(|l| clobbers(l, var)) else {
        return false;
    };
    r.warn(
        topic,
        format!(
            "line {} of {} sets {var} after the awsmfa hook (line {}) and drops it",
            at + n + 2,
            show(&rc.path),
            at + 1
        ),
        format!("move `{}` to the end of {}", rc.line, show(&rc.path)),
    );
    true
}

/// Whether bash's PROMPT_COMMAND could be judged: only exported variables
/// reach doctor, and PROMPT_COMMAND rarely is.
fn prompt_command(r: &mut Report, topic: &str, rc: &Rc, source: &Path, at: usize) -> bool {
    let Ok(pc) = std::env::var("PROMPT_COMMAND") else {
        return false;
    };
    let line = rc.line;
    if pc.contains("__awsmfa_hook") {
        r.ok(
            topic,
            format!(
                "{} loads it (line {}) and PROMPT_COMMAND runs it",
                show(source),
                at + 1
            ),
        );
    } else {
        r.warn(
            topic,
            format!("{} loads the hook, but the exported PROMPT_COMMAND no longer runs it (something set it afterwards)", show(source)),
            format!("find what sets PROMPT_COMMAND after `{line}` and make it append (PROMPT_COMMAND+=...), or move `{line}` last"),
        );
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_lines_and_clobbering() {
        assert!(loads_hook("eval \"$(awsmfa init bash)\""));
        assert!(loads_hook("  awsmfa init fish | source"));
        assert!(!loads_hook("# eval \"$(awsmfa init bash)\""));
        for bad in [
            "PROMPT_COMMAND='history -a'",
            "export PROMPT_COMMAND=\"x\"",
            "declare PROMPT_COMMAND=x",
        ] {
            assert!(clobbers(bad, "PROMPT_COMMAND"), "{bad}");
        }
        for fine in [
            "PROMPT_COMMAND=\"x;$PROMPT_COMMAND\"",
            "PROMPT_COMMAND=\"${PROMPT_COMMAND:+$PROMPT_COMMAND;}x\"",
            "PROMPT_COMMAND+=(x)",
            "# PROMPT_COMMAND=x",
            "MY_PROMPT_COMMAND=x",
        ] {
            assert!(!clobbers(fine, "PROMPT_COMMAND"), "{fine}");
        }
        assert!(clobbers("precmd_functions=(foo)", "precmd_functions"));
        assert!(!clobbers(
            "precmd_functions=($precmd_functions foo)",
            "precmd_functions"
        ));
    }
}
