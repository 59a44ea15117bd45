//! The MFA device of each profile, found along its chain of source
//! profiles.

use super::Report;
use crate::arn::{self, Device};
use crate::profile::Profiles;
use crate::profile::chain::Chain;
use std::collections::{BTreeMap, BTreeSet};

/// (source profile, serial) -> the profiles that use them.
type Groups = BTreeMap<(String, Option<String>), Vec<String>>;

/// Which profiles get MFA, grouped by the keys they start from. With no
/// PROFILE (and no $AWS_DEFAULT_PROFILE or $AWS_PROFILE) every profile that is not itself the
/// source of another is checked.
/// Returns a checked profile that starts from long-term keys, to test
/// those keys against STS with.
pub(super) fn check(r: &mut Report, profiles: &Profiles, wanted: Option<&str>) -> Option<String> {
    const TOPIC: &str = "mfa";
    let wanted = wanted
        .map(str::to_string)
        .or_else(|| crate::profile::from_env().map(|(name, _)| name));
    let chains = chains(r, TOPIC, profiles, wanted.as_deref())?;
    let (groups, keys) = group(r, TOPIC, profiles, &chains, wanted.is_some());
    if groups.is_empty() {
        r.warn(
            TOPIC,
            "no profile starts from an IAM user's access keys",
            "add the user's keys to the credentials file (`aws configure --profile NAME`)",
        );
    }
    for ((source, serial), users) in &groups {
        device_line(r, TOPIC, source, serial.as_deref(), users);
    }
    keys
}

/// The chains to check: `wanted`'s (a failure when it does not resolve),
/// else every profile's that resolves, each but those only sources of
/// others. Other tools' profiles (SSO, broken ones) are not awsmfa's.
fn chains(
    r: &mut Report,
    topic: &str,
    profiles: &Profiles,
    wanted: Option<&str>,
) -> Option<Vec<(String, Chain)>> {
    let names: Vec<String> = match wanted {
        Some(name) => {
            if let Err(e) = profiles.get(name) {
                r.fail(topic, e.to_string(), "name a profile that exists");
                return None;
            }
            vec![name.to_string()]
        }
        None => profiles.names().map(str::to_string).collect(),
    };
    let mut chains = Vec::new();
    let mut sources = BTreeSet::new();
    for name in names {
        match profiles.chain(&name) {
            Ok(chain) => {
                sources.extend(chain.path.iter().skip(1).cloned());
                chains.push((name, chain));
            }
            Err(e) if wanted.is_some() => {
                r.fail(topic, e.to_string(), "fix the profile named above");
                return None;
            }
            Err(_) => {}
        }
    }
    if wanted.is_none() {
        chains.retain(|(name, _)| !sources.contains(name));
    }
    Some(chains)
}

/// The chains that start from long-term keys, grouped by keys and serial,
/// and the first of them.
fn group(
    r: &mut Report,
    topic: &str,
    profiles: &Profiles,
    chains: &[(String, Chain)],
    named: bool,
) -> (Groups, Option<String>) {
    let mut groups = Groups::new();
    let mut keys = None;
    for (name, chain) in chains {
        let Some(k) = crate::vault::Signer::of(profiles, &chain.base) else {
            if named {
                r.skip(topic, format!("profile `{name}` does not start from access keys; awsmfa does not manage it"));
            }
            continue;
        };
        if k.temporary() {
            r.skip(topic, format!("profile `{name}` starts from temporary keys of `{}`; no MFA session is made from those", k.profile()));
            continue;
        }
        let serial = profiles
            .along(chain, "mfa_serial")
            .map(|(_, s)| s.to_string());
        keys.get_or_insert_with(|| name.clone());
        groups
            .entry((k.profile().to_string(), serial))
            .or_default()
            .push(name.clone());
    }
    (groups, keys)
}

/// One line for the profiles using `source`'s keys with `serial`.
fn device_line(r: &mut Report, topic: &str, source: &str, serial: Option<&str>, users: &[String]) {
    let list = users
        .iter()
        .map(|u| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let Some(serial) = serial else {
        r.warn(
            topic,
            format!("{list} use{} the keys of `{source}` without mfa_serial, so no MFA is ever asked for", if users.len() == 1 { "s" } else { "" }),
            format!("run `awsmfa setup {source}` (it finds the device and writes mfa_serial)"),
        );
        return;
    };
    match arn::device(serial) {
        kind if kind.is_totp() => r.ok(topic, format!("{list}: {serial} ({})", kind.describe())),
        Device::Fido => r.fail(
            topic,
            format!("{list}: {serial} is a FIDO security key, which STS cannot use for API calls"),
            format!("register a virtual (authenticator app) or hardware TOTP device for the user, then `awsmfa setup {source}`"),
        ),
        _ => r.warn(
            topic,
            format!("{list}: mfa_serial {serial:?} is neither an MFA device ARN nor a token serial number"),
            format!("run `awsmfa setup {source}` to write the right one"),
        ),
    }
}
