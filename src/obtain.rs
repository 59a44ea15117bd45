//! From a profile name to temporary credentials: the heart of awsmfa.
//!
//! A chain that starts at an IAM user with `mfa_serial` costs one
//! `GetSessionToken` with the MFA code; every role is then assumed with that
//! MFA session, so no second code is ever asked for. Everything up to the
//! first STS call is synchronous and local.

use crate::error::{Error, Result};
use crate::mfa;
use crate::profile::chain::{Base, Chain, RoleHop};
use crate::profile::Profiles;
use crate::sts::{self, Failure, Sts, Target};
use aws_credential_types::Credentials;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Default life of the MFA session (AWS's own default for GetSessionToken).
pub const DEFAULT_SESSION: u64 = 12 * 3600;
/// Default life of role credentials (AWS's default for AssumeRole).
pub const DEFAULT_ROLE: u64 = 3600;
/// Default bound on one STS call, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// What the user asked for.
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub profile: String,
    pub token_code: Option<String>,
    pub duration: Option<u64>,
    pub region: Option<String>,
}

/// What a command prints or hands to a child.
#[derive(Debug, Clone)]
pub struct Obtained {
    pub profile: String,
    pub credentials: Credentials,
    /// Region to export, when one is configured anywhere.
    pub region: Option<String>,
    /// The MFA session the role credentials came from, if one was made.
    pub mfa_session: Option<Credentials>,
}

/// Everything needed before the first network call, read from the profile.
struct Plan {
    keys: Credentials,
    source_profile: String,
    mfa: Option<Mfa>,
    roles: Vec<RoleHop>,
    /// Life of the exported credentials.
    duration: u64,
    region: Option<String>,
    target: Target,
}

struct Mfa {
    serial: String,
    source: mfa::Source,
}

pub fn obtain(req: &Request) -> Result<Obtained> {
    let profiles = Profiles::load()?;
    let plan = plan(&profiles, req)?;
    let sts = Sts::new(plan.target.clone()).map_err(|f| failure(f, &plan, "STS"))?;
    run(&sts, &plan, &req.profile)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn plan(profiles: &Profiles, req: &Request) -> Result<Plan> {
    let chain: Chain = profiles.chain(&req.profile)?;
    let keys = match &chain.base {
        Base::AccessKey(k) => k.clone(),
        other => return Err(unsupported(other)),
    };
    let selected = req.profile.as_str();

    let mfa = match profiles.along(&chain, "mfa_serial") {
        None => None,
        Some((_, serial)) => {
            let process = profiles.along(&chain, "mfa_process").map(|(_, p)| p);
            Some(Mfa {
                serial: serial.to_string(),
                source: mfa::Source::pick(req.token_code.as_deref(), process)?,
            })
        }
    };

    let configured = match profiles.value(selected, "duration_seconds") {
        None => None,
        Some(raw) => Some(raw.trim().parse::<u64>().map_err(|_| Error::BadSetting {
            profile: selected.to_string(),
            key: "duration_seconds",
            value: raw.to_string(),
            why: "expected a number of seconds".into(),
        })?),
    };
    let wanted = req.duration.or(configured);
    let duration = if chain.roles.is_empty() {
        check(
            wanted.unwrap_or(DEFAULT_SESSION),
            "an MFA session (GetSessionToken)",
            sts::SESSION_MIN,
            sts::SESSION_MAX,
        )?
    } else {
        check(
            wanted.unwrap_or(DEFAULT_ROLE),
            "role credentials (AssumeRole)",
            sts::ROLE_MIN,
            sts::ROLE_MAX,
        )?
    };

    // The AWS CLI's order: environment first, then the selected profile.
    let region = req
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| profiles.value(selected, "region").map(str::to_string));
    let ignore_configured = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let endpoint_url = if ignore_configured {
        None
    } else {
        env("AWS_ENDPOINT_URL_STS")
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| profiles.value(selected, "endpoint_url").map(str::to_string))
    };
    let timeout = match env("AWSMFA_TIMEOUT") {
        None => DEFAULT_TIMEOUT,
        Some(raw) => crate::cli::parse_duration(&raw)
            .map(Duration::from_secs)
            .map_err(|why| Error::Usage(format!("AWSMFA_TIMEOUT={raw:?}: {why}")))?,
    };
    Ok(Plan {
        keys: Credentials::new(
            keys.access_key_id,
            keys.secret_access_key,
            keys.session_token,
            None,
            "profile",
        ),
        source_profile: keys.profile,
        mfa,
        roles: chain.roles,
        duration,
        region: region.clone(),
        target: Target {
            // Never ask the instance metadata service: with nothing
            // configured, STS's global partition default is us-east-1.
            region: region.unwrap_or_else(|| "us-east-1".to_string()),
            endpoint_url,
            timeout,
        },
    })
}

fn run(sts: &Sts, plan: &Plan, profile: &str) -> Result<Obtained> {
    let temporary_base = plan.keys.session_token().is_some();
    let mut mfa_session = None;
    let (mut creds, hops): (Credentials, &[RoleHop]) = match (&plan.mfa, plan.roles.split_first()) {
        // Already temporary keys can't call GetSessionToken: assume directly.
        (Some(mfa), Some((first, rest)))
            if temporary_base || (rest.is_empty() && plan.duration > sts::CHAINED_ROLE_MAX) =>
        {
            if !temporary_base {
                eprintln!(
                    "awsmfa: {} asks for {}, more than the 1h AWS allows for a role assumed from an MFA session; assuming it directly with the MFA code instead",
                    first.role_arn,
                    humantime::format_duration(Duration::from_secs(plan.duration))
                );
            }
            // Signed with temporary keys it is role chaining, capped at 1h.
            let duration = if rest.is_empty() && !temporary_base {
                plan.duration
            } else {
                plan.duration.min(sts::CHAINED_ROLE_MAX)
            };
            let creds = with_code(mfa, plan, |code| {
                sts.assume_role(
                    &plan.keys,
                    &first.role_arn,
                    &session_name(first),
                    first.external_id.as_deref(),
                    duration,
                    Some((&mfa.serial, code)),
                )
                .map_err(|f| failure(f, plan, &first.role_arn))
            })?;
            (creds, rest)
        }
        (Some(mfa), _) => {
            let duration = if plan.roles.is_empty() { plan.duration } else { DEFAULT_SESSION };
            let session = with_code(mfa, plan, |code| {
                sts.session_token(&plan.keys, Some((&mfa.serial, code)), duration)
                    .map_err(|f| failure(f, plan, "GetSessionToken"))
            })?;
            mfa_session = Some(session.clone());
            (session, &plan.roles[..])
        }
        (None, Some(_)) => (plan.keys.clone(), &plan.roles[..]),
        // Keys and nothing else: export a session, never the long-term keys.
        (None, None) => {
            let session = sts
                .session_token(&plan.keys, None, plan.duration)
                .map_err(|f| failure(f, plan, "GetSessionToken"))?;
            (session, &[][..])
        }
    };

    let long_term_signer = !temporary_base && mfa_session.is_none();
    for (i, hop) in hops.iter().enumerate() {
        let last = i + 1 == hops.len();
        // Only the very first hop signed with long-term keys may exceed 1h.
        let cap = if i == 0 && long_term_signer && creds.expiry().is_none() {
            sts::ROLE_MAX
        } else {
            sts::CHAINED_ROLE_MAX
        };
        let wanted = if last { plan.duration } else { sts::CHAINED_ROLE_MAX };
        if last && wanted > cap {
            eprintln!(
                "awsmfa: {} is assumed with temporary credentials, which AWS caps at 1h; asking for 1h instead of {}",
                hop.role_arn,
                humantime::format_duration(Duration::from_secs(wanted))
            );
        }
        creds = sts
            .assume_role(
                &creds,
                &hop.role_arn,
                &session_name(hop),
                hop.external_id.as_deref(),
                wanted.min(cap),
                None,
            )
            .map_err(|f| failure(f, plan, &hop.role_arn))?;
    }

    Ok(Obtained {
        profile: profile.to_string(),
        credentials: creds,
        region: plan.region.clone(),
        mfa_session,
    })
}

/// Run an MFA-bearing call, asking again (at a terminal only) when the code
/// is malformed or rejected.
fn with_code<T>(mfa: &Mfa, _plan: &Plan, mut call: impl FnMut(&str) -> Result<T>) -> Result<T> {
    let tries = if mfa.source.can_retry() { mfa::PROMPT_TRIES } else { 1 };
    let mut attempt = 1;
    loop {
        let outcome = mfa.source.code(&mfa.serial, attempt).and_then(|code| call(&code));
        match outcome {
            Err(err @ (Error::MfaRejected { .. } | Error::BadTokenFormat { .. }))
                if attempt < tries =>
            {
                eprintln!("awsmfa: {err}");
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn session_name(hop: &RoleHop) -> String {
    hop.session_name.clone().unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        format!("awsmfa-{now}")
    })
}

fn check(value: u64, what: &'static str, min: u64, max: u64) -> Result<u64> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::Duration {
            value: humantime::format_duration(Duration::from_secs(value)).to_string(),
            what,
            min,
            max,
        })
    }
}

fn failure(f: Failure, plan: &Plan, action: &str) -> Error {
    match f {
        Failure::MfaRejected => Error::MfaRejected {
            serial: plan
                .mfa
                .as_ref()
                .map(|m| m.serial.clone())
                .unwrap_or_default(),
        },
        Failure::BadCredentials { code } => Error::BadCredentials {
            profile: plan.source_profile.clone(),
            hint: match code.as_str() {
                "ExpiredToken" | "ExpiredTokenException" => {
                    "the session token in the profile has expired; replace it"
                }
                _ => "check aws_access_key_id / aws_secret_access_key in the credentials file, or create a new access key",
            },
            code,
        },
        Failure::Denied { code, message } => Error::AccessDenied {
            action: action.to_string(),
            code,
            message,
        },
        Failure::Unreachable { why } => Error::Unreachable {
            endpoint: plan
                .target
                .endpoint_url
                .clone()
                .unwrap_or_else(|| format!("sts.{}.amazonaws.com", plan.target.region)),
            why,
        },
        Failure::Other(why) => Error::Other(format!("{action}: {why}")),
    }
}

fn unsupported(base: &Base) -> Error {
    let (profile, what, hint) = match base {
        Base::Sso { profile, .. } => (profile, "IAM Identity Center (SSO)", "sso login"),
        Base::WebIdentity { profile, .. } => {
            (profile, "web identity (web_identity_token_file)", "sts assume-role-with-web-identity")
        }
        Base::NamedSource { profile, .. } => (
            profile,
            "credential_source (EC2/ECS/environment credentials)",
            "configure",
        ),
        Base::CredentialProcess { profile } => (profile, "credential_process", "configure export-credentials"),
        Base::LoginSession { profile } => (profile, "login_session (console login)", "login"),
        Base::AccessKey(_) => unreachable!("access keys are supported"),
    };
    Error::Unsupported {
        profile: profile.clone(),
        what,
        hint,
    }
}
