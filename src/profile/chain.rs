//! Resolving `role_arn` / `source_profile` chains the way the AWS SDKs do.
//!
//! The rules (and the error wording) follow the SDKs' shared test vectors in
//! `tests/data/conformance/assume-role-tests.json`, which tests/conformance.rs runs in
//! full: after the first profile, static keys win over a `role_arn`; a
//! profile naming itself as `source_profile` uses its own keys; any profile
//! seen twice is a loop. Sources awsmfa cannot use (SSO, web identity,
//! `credential_source`, `credential_process`) still resolve here, so that the
//! caller can name them in its error.

use crate::error::ChainError;
use aws_config::profile::{Profile, ProfileSet};

/// The most `sts:AssumeRole` hops one chain may take. Each hop is a network
/// call, and a chain a config generator looped by mistake must fail at once,
/// not after a thousand calls. Real chains are a few roles deep (STS itself
/// caps a chained session at one hour); botocore has no explicit cap, only
/// Python's recursion limit of about a thousand frames.
pub const MAX_ROLES: usize = 64;

/// Where the chain starts: the credentials the first STS call is signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    AccessKey(StaticKeys),
    NamedSource {
        profile: String,
        source: String,
    },
    WebIdentity {
        profile: String,
        role_arn: String,
        token_file: String,
        session_name: Option<String>,
    },
    Sso {
        profile: String,
        account_id: Option<String>,
        region: String,
        role_name: Option<String>,
        start_url: String,
        session: Option<String>,
    },
    CredentialProcess {
        profile: String,
    },
    LoginSession {
        profile: String,
    },
}

/// Long-term (or, if `aws_session_token` is set, temporary) keys of a profile.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    pub profile: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub account_id: Option<String>,
}

// Hand-written so that `{:?}` can never print a secret.
impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticKeys")
            .field("profile", &self.profile)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// One `sts:AssumeRole` hop, taken from the profile that names the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHop {
    pub profile: String,
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
}

/// A resolved chain: `base`, then each of `roles` in order (the last one is
/// the role of the selected profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub base: Base,
    pub roles: Vec<RoleHop>,
    /// Every profile visited, selected profile first. Settings such as
    /// `mfa_serial` are looked up along this path.
    pub path: Vec<String>,
}

impl Chain {
    /// The profile whose long-term key signs the chain's first call (in the
    /// AWS files or awsmfa's key store); the cache keeps MFA sessions under it.
    pub fn key_profile(&self) -> Option<&str> {
        match &self.base {
            Base::AccessKey(k) => Some(&k.profile),
            Base::CredentialProcess { profile } => Some(profile),
            _ => None,
        }
    }
}

impl ChainError {
    fn invalid(profile: &Profile, message: impl Into<String>) -> Self {
        ChainError::Invalid {
            profile: profile.name().to_string(),
            message: message.into(),
        }
    }
}

/// Resolve the chain that ends at `selected`.
pub fn resolve(set: &ProfileSet, selected: &str) -> Result<Chain, ChainError> {
    if set.is_empty() {
        return Err(ChainError::NoProfiles);
    }
    let mut roles = Vec::new();
    let mut visited: Vec<String> = Vec::new();
    let mut name = selected;
    let base = loop {
        let profile = visit(set, name, &mut visited)?;

        // Past the first profile, keys beat a role_arn (SDK rule).
        if visited.len() > 1
            && let Ok(keys) = static_keys(profile)
        {
            break Base::AccessKey(keys);
        }

        match role_hop(profile) {
            None => break chain_base(set, profile, visited.len() == 1)?,
            Some(hop) => {
                roles.push(hop);
                if roles.len() > MAX_ROLES {
                    return Err(ChainError::TooDeep {
                        profile: selected.to_string(),
                        max: MAX_ROLES,
                        path: visited.into_iter().take(4).collect(),
                    });
                }
                match after_hop(set, profile, &visited)? {
                    Next::Profile(next) => name = next,
                    Next::Base(base) => break base,
                }
            }
        }
    };
    roles.reverse();
    Ok(Chain {
        base,
        roles,
        path: visited,
    })
}

/// The profile `name`, the next one on the chain, added to `visited`: one
/// that is missing, or already on the chain (a loop), is an error.
fn visit<'s>(
    set: &'s ProfileSet,
    name: &str,
    visited: &mut Vec<String>,
) -> Result<&'s Profile, ChainError> {
    let profile = match set.get_profile(name) {
        Some(p) => p,
        None => match visited.last() {
            None => return Err(ChainError::NotFound(name.to_string())),
            Some(from) => {
                return Err(ChainError::SourceNotFound {
                    missing: name.to_string(),
                    from: from.clone(),
                });
            }
        },
    };
    if visited.iter().any(|v| v == name) {
        visited.push(name.to_string());
        return Err(ChainError::Loop(std::mem::take(visited)));
    }
    visited.push(name.to_string());
    Ok(profile)
}

/// The base of a chain that ends at `profile` (no role hop from it); past
/// the first profile, a missing one is the source profile's fault.
fn chain_base(set: &ProfileSet, profile: &Profile, first: bool) -> Result<Base, ChainError> {
    base(set, profile).map_err(|err| match err {
        ChainError::NoCredentials(_) if !first => {
            ChainError::invalid(profile, format!("could not load source profile: {err}"))
        }
        other => other,
    })
}

/// Where a chain goes after a role hop taken from `profile`.
enum Next<'a> {
    Profile(&'a str),
    Base(Base),
}

fn after_hop<'a>(
    set: &ProfileSet,
    profile: &'a Profile,
    visited: &[String],
) -> Result<Next<'a>, ChainError> {
    match (
        profile.get("source_profile"),
        profile.get("credential_source"),
    ) {
        (Some(_), Some(_)) => Err(ChainError::invalid(
            profile,
            "profile contained both source_profile and credential_source; keep only one",
        )),
        (None, None) => Err(ChainError::invalid(
            profile,
            "has role_arn, so the profile must contain `source_profile` (naming the profile whose keys assume the role)",
        )),
        (Some(next), None) if next != profile.name() => Ok(Next::Profile(next)),
        // A profile naming itself uses its own keys (SDK rule); without
        // keys it is a loop, as botocore says.
        (Some(me), None) if matches!(static_keys(profile), Err(ChainError::NoCredentials(_))) => {
            let mut path = visited.to_vec();
            path.push(me.to_string());
            Err(ChainError::Loop(path))
        }
        // Self reference or credential_source: this profile is also the base.
        _ => Ok(Next::Base(base(set, profile)?)),
    }
}

fn role_hop(profile: &Profile) -> Option<RoleHop> {
    // A web identity profile is a base, not a hop.
    if profile.get("web_identity_token_file").is_some() {
        return None;
    }
    Some(RoleHop {
        profile: profile.name().to_string(),
        role_arn: profile.get("role_arn")?.to_string(),
        external_id: profile.get("external_id").map(str::to_string),
        session_name: profile.get("role_session_name").map(str::to_string),
    })
}

fn base(set: &ProfileSet, profile: &Profile) -> Result<Base, ChainError> {
    let name = profile.name().to_string();
    if let Some(source) = profile.get("credential_source") {
        return Ok(Base::NamedSource {
            profile: name,
            source: source.to_string(),
        });
    }
    match (
        profile.get("role_arn"),
        profile.get("web_identity_token_file"),
    ) {
        (Some(role_arn), Some(token_file)) => {
            return Ok(Base::WebIdentity {
                profile: name,
                role_arn: role_arn.to_string(),
                token_file: token_file.to_string(),
                session_name: profile.get("role_session_name").map(str::to_string),
            });
        }
        (None, Some(_)) => {
            return Err(ChainError::invalid(
                profile,
                "`web_identity_token_file` was specified but `role_arn` was missing",
            ));
        }
        _ => {}
    }
    if let Some(sso) = sso(set, profile)? {
        return Ok(sso);
    }
    if profile.get("login_session").is_some() {
        return Ok(Base::LoginSession { profile: name });
    }
    if profile.get("credential_process").is_some() {
        return Ok(Base::CredentialProcess { profile: name });
    }
    static_keys(profile).map(Base::AccessKey)
}

fn sso(set: &ProfileSet, profile: &Profile) -> Result<Option<Base>, ChainError> {
    let account_id = profile.get("sso_account_id");
    let mut region = profile.get("sso_region");
    let role_name = profile.get("sso_role_name");
    let mut start_url = profile.get("sso_start_url");
    let session = profile.get("sso_session");
    if [account_id, region, role_name, start_url, session]
        .iter()
        .all(Option::is_none)
    {
        return Ok(None);
    }
    let only_in_session = |key: &str| {
        ChainError::invalid(
            profile,
            format!(
                "`{key}` can only be specified in the [sso-session] config when a session name is given"
            ),
        )
    };
    if let Some(session) = session {
        if start_url.is_some() {
            return Err(only_in_session("sso_start_url"));
        }
        if region.is_some() {
            return Err(only_in_session("sso_region"));
        }
        let section = set
            .sso_session(session)
            .ok_or_else(|| ChainError::MissingSsoSession {
                profile: profile.name().to_string(),
                session: session.to_string(),
            })?;
        start_url = section.get("sso_start_url");
        region = section.get("sso_region");
    }
    let both = |set_key: &str, missing: &str| {
        ChainError::invalid(
            profile,
            format!("if `{set_key}` is set, then `{missing}` must also be set"),
        )
    };
    match (account_id, role_name) {
        (Some(_), None) => return Err(both("sso_account_id", "sso_role_name")),
        (None, Some(_)) => return Err(both("sso_role_name", "sso_account_id")),
        _ => {}
    }
    let missing = |key: &str| ChainError::invalid(profile, format!("missing `{key}`"));
    Ok(Some(Base::Sso {
        profile: profile.name().to_string(),
        account_id: account_id.map(str::to_string),
        region: region.ok_or_else(|| missing("sso_region"))?.to_string(),
        role_name: role_name.map(str::to_string),
        start_url: start_url
            .ok_or_else(|| missing("sso_start_url"))?
            .to_string(),
        session: session.map(str::to_string),
    }))
}

fn static_keys(profile: &Profile) -> Result<StaticKeys, ChainError> {
    let access_key_id = profile.get("aws_access_key_id");
    let secret_access_key = profile.get("aws_secret_access_key");
    // `aws_security_token` is its legacy name, still read by botocore.
    let session_token = profile
        .get("aws_session_token")
        .or_else(|| profile.get("aws_security_token"));
    match (access_key_id, secret_access_key) {
        (Some(id), Some(secret)) => Ok(StaticKeys {
            profile: profile.name().to_string(),
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            session_token: session_token.map(str::to_string),
            account_id: profile.get("aws_account_id").map(str::to_string),
        }),
        (None, None) if session_token.is_none() => {
            Err(ChainError::NoCredentials(profile.name().to_string()))
        }
        (None, _) => Err(ChainError::invalid(
            profile,
            "profile missing aws_access_key_id",
        )),
        (Some(_), None) => Err(ChainError::invalid(
            profile,
            "profile missing aws_secret_access_key",
        )),
    }
}
