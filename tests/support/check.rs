//! Assertions every failure test makes: the documented exit code, nothing on
//! stdout (so `eval "$(awsmfa env x)"` does nothing), one clear line on
//! stderr, and no secret anywhere a user or a log could see it.

use std::collections::BTreeMap;
use std::process::Output;

/// Assert `out` failed with `code` and printed nothing to eval; returns stderr.
#[track_caller]
pub fn fails(out: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}, stderr: {stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on failure, got: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.starts_with("awsmfa: "),
        "stderr must say it is awsmfa speaking: {stderr}"
    );
    stderr
}

/// Assert none of `secrets` (secret keys, session tokens) appears in `text`.
#[track_caller]
pub fn no_secrets(text: &str, secrets: &[&str]) {
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!text.contains(s), "a secret leaked: {text}");
    }
}

/// The value of `NAME='value'`-style POSIX output for `name` (single-quoted
/// values without embedded quotes, as credentials are).
pub fn exported(posix: &str, name: &str) -> Option<String> {
    posix.lines().find_map(|line| {
        let rest = line.strip_prefix(&format!("export {name}="))?;
        Some(rest.trim_matches('\'').to_string())
    })
}

/// [`exported`], for a variable that must be there.
#[track_caller]
pub fn export(posix: &str, name: &str) -> String {
    exported(posix, name).unwrap_or_else(|| panic!("{name} not exported: {posix}"))
}

/// `NAME=value` lines (the output of `env`) as a map.
pub fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
