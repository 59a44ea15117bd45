//! The variables awsmfa exports, in one place so `env`, `exec` and `--unset`
//! can never disagree about them.

use crate::obtain::Obtained;
use aws_smithy_types::date_time::{DateTime, Format};
use std::collections::BTreeMap;

/// Every variable awsmfa may set (and the prompt hook restores on leaving).
pub const MANAGED: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWSMFA_PROFILE",
];

/// Removed whenever keys are exported, so no tool mixes a profile with them.
pub const CONFLICTING: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

/// The variables that carry the credentials themselves.
pub const KEYS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// Where `awsmfa env` keeps the shell's own values of what it replaced, for
/// `env --unset` to put back (JSON: name to value, null for unset).
pub const SAVED: &str = "AWSMFA_SAVED";

/// What [`SAVED`] may hold and `--unset` may set: never a key (it would be
/// copied into every child's environment), never a name from outside (a
/// crafted AWSMFA_SAVED must not make `--unset` set PATH or LD_PRELOAD).
pub const RESTORABLE: &[&str] = &[
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
];

/// More than four region and profile names ever need.
const SAVED_MAX: usize = 16 * 1024;

/// The shell's own values of [`RESTORABLE`] from before `awsmfa env`, and
/// what that `env` left in them: a value that differs from what it left was
/// set by the user since, and is theirs to get back.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Saved {
    own: BTreeMap<&'static str, Option<String>>,
    left: BTreeMap<&'static str, Option<String>>,
}

/// The key in [`SAVED`]'s JSON under which `env` records what it left.
const LEFT: &str = "exported";

impl Saved {
    /// What `env` records now: the record an earlier `env` left while its
    /// credentials are still in place (so a second `env` does not record
    /// the first one's values as the shell's), updated with what the user
    /// set since (`use a`, `export AWS_PROFILE=x`, `use b`: `--unset`
    /// brings back `x`); else `var`'s values.
    pub fn before(var: impl Fn(&str) -> Option<String>) -> Saved {
        let current = |n: &'static str| (n, var(n));
        if var("AWSMFA_PROFILE").is_some()
            && let Some(mut saved) = var(SAVED).as_deref().and_then(Saved::parse)
        {
            for (name, now) in RESTORABLE.iter().map(|&n| current(n)) {
                if saved.left.get(name).is_some_and(|left| *left != now) {
                    saved.own.insert(name, now);
                }
            }
            saved.left.clear();
            return saved;
        }
        Saved {
            own: RESTORABLE.iter().map(|&n| current(n)).collect(),
            left: BTreeMap::new(),
        }
    }

    /// Record what `changes` leave in [`RESTORABLE`] (a name they do not
    /// touch keeps `var`'s value).
    pub fn leaving(&mut self, changes: &Changes, var: impl Fn(&str) -> Option<String>) {
        for &name in RESTORABLE {
            let set = changes.set.iter().find(|(n, _)| *n == name);
            let value = match set {
                Some((_, v)) => Some(v.clone()),
                None if changes.unset.contains(&name) => None,
                None => var(name),
            };
            self.left.insert(name, value);
        }
    }

    /// A record as [`Saved::to_json`] wrote it; anything else is None.
    pub fn parse(text: &str) -> Option<Saved> {
        if text.len() > SAVED_MAX {
            return None;
        }
        let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(text).ok()?;
        let known = |map: &BTreeMap<String, serde_json::Value>| {
            RESTORABLE
                .iter()
                .filter_map(|&n| match map.get(n)? {
                    serde_json::Value::Null => Some((n, None)),
                    serde_json::Value::String(v) => Some((n, Some(v.clone()))),
                    _ => None,
                })
                .collect()
        };
        let left = match map.get(LEFT) {
            Some(serde_json::Value::Object(left)) => {
                known(&left.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            }
            _ => BTreeMap::new(),
        };
        Some(Saved {
            own: known(&map),
            left,
        })
    }

    pub fn to_json(&self) -> String {
        let mut out = serde_json::Map::new();
        for (&name, value) in &self.own {
            out.insert(name.to_string(), serde_json::json!(value));
        }
        if !self.left.is_empty() {
            out.insert(LEFT.to_string(), serde_json::json!(self.left));
        }
        serde_json::Value::Object(out).to_string()
    }

    /// The shell's own value of `name`, when recorded.
    pub fn get(&self, name: &str) -> Option<Option<String>> {
        self.own.get(name).cloned()
    }

    /// `--unset`: awsmfa's own variables go, the recorded ones come back.
    /// Without a record only what is awsmfa's alone goes: a region may be
    /// the user's.
    pub fn restore(saved: Option<&Saved>) -> Changes {
        let mut unset: Vec<&'static str> = KEYS.to_vec();
        unset.extend(["AWSMFA_PROFILE", SAVED]);
        let mut set = Vec::new();
        for (&name, value) in saved.map(|s| &s.own).into_iter().flatten() {
            match value {
                Some(v) => set.push((name, v.clone())),
                None => unset.push(name),
            }
        }
        Changes { set, unset }
    }
}

/// What to set and what to remove, in output order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub set: Vec<(&'static str, String)>,
    pub unset: Vec<&'static str>,
}

impl Changes {
    pub fn export(o: &Obtained) -> Self {
        let c = &o.credentials;
        let mut set = vec![
            ("AWS_ACCESS_KEY_ID", c.access_key_id().to_string()),
            ("AWS_SECRET_ACCESS_KEY", c.secret_access_key().to_string()),
        ];
        if let Some(token) = c.session_token() {
            set.push(("AWS_SESSION_TOKEN", token.to_string()));
        }
        if let Some(expiry) = c.expiry() {
            set.push(("AWS_CREDENTIAL_EXPIRATION", rfc3339(expiry)));
        }
        let mut unset: Vec<&'static str> = CONFLICTING.to_vec();
        match &o.region {
            Some(region) => {
                set.push(("AWS_REGION", region.clone()));
                set.push(("AWS_DEFAULT_REGION", region.clone()));
            }
            // Don't leave a region from a previous profile behind.
            None => unset.extend(["AWS_REGION", "AWS_DEFAULT_REGION"]),
        }
        set.push(("AWSMFA_PROFILE", o.profile.clone()));
        if c.session_token().is_none() {
            unset.push("AWS_SESSION_TOKEN");
        }
        Changes { set, unset }
    }

    /// For a command that gets credentials from `exec --server`'s endpoint:
    /// everything [`Changes::export`] does except the keys, which are removed.
    pub fn endpoint(o: &Obtained) -> Self {
        let Changes { mut set, mut unset } = Changes::export(o);
        set.retain(|(k, _)| !KEYS.contains(k));
        for key in KEYS {
            if !unset.contains(key) {
                unset.push(key);
            }
        }
        Changes { set, unset }
    }

    /// Every variable in [`MANAGED`] removed.
    pub fn remove_all() -> Self {
        Changes {
            set: Vec::new(),
            unset: MANAGED.to_vec(),
        }
    }
}

/// RFC 3339 in UTC (`2026-11-27T21:00:00Z`): what the AWS CLI, SDKs and
/// starship parse from AWS_CREDENTIAL_EXPIRATION.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    // Whole seconds: every consumer parses that, and the hook compares it.
    DateTime::from_secs(DateTime::from(t).secs())
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_holds_only_what_it_may_restore() {
        let crafted = r#"{"AWS_PROFILE":"dev","PATH":"/tmp/evil","AWS_SECRET_ACCESS_KEY":"x","AWS_REGION":null}"#;
        let saved = Saved::parse(crafted).unwrap();
        let changes = Saved::restore(Some(&saved));
        assert_eq!(changes.set, vec![("AWS_PROFILE", "dev".to_string())]);
        assert!(changes.unset.contains(&"AWS_REGION"));
        assert!(!changes.unset.contains(&"PATH"));
        assert!(Saved::parse(&"x".repeat(SAVED_MAX + 1)).is_none());
        assert!(Saved::parse("not json").is_none());
    }

    #[test]
    fn a_second_env_keeps_the_first_record() {
        let first = r#"{"AWS_PROFILE":"mine"}"#;
        let env = |n: &str| match n {
            "AWSMFA_PROFILE" => Some("dev".to_string()),
            SAVED => Some(first.to_string()),
            "AWS_REGION" => Some("from-dev".to_string()),
            _ => None,
        };
        assert_eq!(
            Saved::before(env).get("AWS_PROFILE"),
            Some(Some("mine".into()))
        );
        assert_eq!(Saved::before(env).get("AWS_REGION"), None);
    }

    /// `use a`, then `export AWS_PROFILE=x`, then `use b`: `--unset`
    /// brings back `x`, what the user set last, not what was there before
    /// `a`; a value `env` left itself is not taken for the user's.
    #[test]
    fn a_value_set_between_two_envs_is_the_one_restored() {
        let mut first = Saved::before(|n| (n == "AWS_PROFILE").then(|| "mine".to_string()));
        let a = Changes {
            set: vec![("AWS_REGION", "eu-west-1".into())],
            unset: CONFLICTING.to_vec(),
        };
        first.leaving(&a, |_| None);
        let record = first.to_json();
        let shell = |profile: Option<&str>| {
            let record = record.clone();
            let profile = profile.map(str::to_string);
            move |n: &str| match n {
                "AWSMFA_PROFILE" => Some("a".to_string()),
                SAVED => Some(record.clone()),
                "AWS_REGION" => Some("eu-west-1".to_string()),
                "AWS_PROFILE" => profile.clone(),
                _ => None,
            }
        };
        let second = Saved::before(shell(Some("x")));
        assert_eq!(second.get("AWS_PROFILE"), Some(Some("x".into())));
        // Left by `env` itself: still the shell's own (unset) value.
        assert_eq!(second.get("AWS_REGION"), Some(None));
        let untouched = Saved::before(shell(None));
        assert_eq!(untouched.get("AWS_PROFILE"), Some(Some("mine".into())));
        // A record from before `exported` was kept still parses.
        let old = Saved::parse(r#"{"AWS_PROFILE":"mine"}"#).unwrap();
        assert_eq!(old.get("AWS_PROFILE"), Some(Some("mine".into())));
    }
}
