//! The variables awsmfa exports, in one place so `env`, `exec` and `--unset`
//! can never disagree about them.

use crate::obtain::Obtained;
use aws_smithy_types::date_time::{DateTime, Format};

/// Every variable awsmfa may set; `--unset` removes all of them.
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
