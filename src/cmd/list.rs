//! `awsmfa list`: every profile of the AWS files, what it is, its MFA
//! device and what the cache holds for it. It reads the files and the
//! cache's readable headers only: no key store, no passphrase, no network,
//! never a secret.

use super::print;
use crate::error::Result;
use crate::profile::Profiles;
use crate::profile::chain::{Base, Chain};
use crate::store::Kind;
use crate::store::cache::Header;
use std::process::ExitCode;

/// One row of the listing.
struct Row {
    profile: String,
    what: String,
    mfa: String,
    cached: String,
}

pub fn run() -> Result<ExitCode> {
    let profiles = Profiles::load()?;
    let headers = cached_headers();
    let now = crate::store::epoch(std::time::SystemTime::now());
    let names: Vec<&str> = profiles.names().collect();
    if names.is_empty() {
        crate::term::note(format_args!(
            "awsmfa: no profiles in {} or {}; `aws configure --profile NAME` adds one, then `awsmfa setup NAME`",
            profiles.locations.config, profiles.locations.credentials
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Row> = names
        .iter()
        .map(|name| row(&profiles, name, &headers, now))
        .collect();
    print(&table(&rows))
}

/// What the cache holds, by its headers (no key needed). A cache that
/// cannot be opened lists nothing rather than failing the listing.
fn cached_headers() -> Vec<Header> {
    super::cache::open()
        .map(|c| c.list().into_iter().map(|(_, h)| h).collect())
        .unwrap_or_default()
}

fn row(profiles: &Profiles, name: &str, headers: &[Header], now: u64) -> Row {
    let (what, mfa, cached) = match profiles.chain(name) {
        Ok(chain) => {
            let mfa = profiles
                .along(&chain, "mfa_serial")
                .map_or_else(|| "-".to_string(), |(_, serial)| serial.to_string());
            let cached = cached(&chain, name, &mfa, headers, now);
            (what(profiles, &chain, name), mfa, cached)
        }
        Err(e) => (format!("unusable: {e}"), "-".to_string(), "-".to_string()),
    };
    Row {
        profile: name.to_string(),
        what,
        mfa,
        cached,
    }
}

/// What a profile is: a role and where it starts, or an identity and where
/// its key lives.
fn what(profiles: &Profiles, chain: &Chain, name: &str) -> String {
    if let Some(hop) = chain.roles.iter().find(|h| h.profile == name) {
        let from = chain.path.get(1).map_or("?", String::as_str);
        return format!("role {} from {from}", hop.role_arn);
    }
    match &chain.base {
        Base::AccessKey(k) if k.session_token.is_some() => "temporary keys".to_string(),
        Base::AccessKey(_) => "user, key in the AWS files".to_string(),
        Base::CredentialProcess { profile } if crate::vault::ours(profiles, profile) => {
            "user, key in awsmfa's key store".to_string()
        }
        Base::CredentialProcess { .. } => "credential_process".to_string(),
        Base::Sso { .. } => "IAM Identity Center (aws sso login)".to_string(),
        Base::WebIdentity { .. } => "web identity".to_string(),
        Base::NamedSource { source, .. } => format!("credential_source {source}"),
        Base::LoginSession { .. } => "aws login session".to_string(),
    }
}

/// The cached MFA session of the profile's key and device, and the role's
/// own credentials, with the time each has left.
fn cached(chain: &Chain, name: &str, serial: &str, headers: &[Header], now: u64) -> String {
    let left = |h: &Header| match h.expires.checked_sub(now) {
        Some(secs) if secs > 0 => crate::duration::human(secs),
        _ => "expired".to_string(),
    };
    let mut parts = Vec::new();
    if let Some(source) = chain.key_profile()
        && let Some(h) = newest(headers, Kind::Session, source, |h| h.detail == serial)
    {
        parts.push(format!("MFA session {}", left(h)));
    }
    if !chain.roles.is_empty()
        && let Some(h) = newest(headers, Kind::Role, name, |_| true)
    {
        parts.push(format!("role {}", left(h)));
    }
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(", ")
    }
}

fn newest<'h>(
    headers: &'h [Header],
    kind: Kind,
    profile: &str,
    also: impl Fn(&Header) -> bool,
) -> Option<&'h Header> {
    headers
        .iter()
        .filter(|h| h.kind == kind && h.profile == profile && also(h))
        .max_by_key(|h| h.expires)
}

/// Aligned columns under a header line. Every field is cleaned: profile
/// names and ARNs come from files anyone may have edited.
fn table(rows: &[Row]) -> String {
    let clean = |s: &str| crate::term::clean(s).into_owned();
    let cells: Vec<[String; 4]> =
        std::iter::once(["PROFILE", "WHAT", "MFA DEVICE", "CACHED"].map(String::from))
            .chain(
                rows.iter()
                    .map(|r| [&r.profile, &r.what, &r.mfa, &r.cached].map(|s| clean(s))),
            )
            .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for c in &cells {
        out.push_str(&format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}\n",
            c[0],
            c[1],
            c[2],
            c[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_hostile_names_are_cleaned() {
        let rows = [
            Row {
                profile: "dev".into(),
                what: "role arn:aws:iam::1:role/r from me".into(),
                mfa: "-".into(),
                cached: "-".into(),
            },
            Row {
                profile: "x\x1b[31mred".into(),
                what: "user, key in the AWS files".into(),
                mfa: "arn:aws:iam::1:mfa/me".into(),
                cached: "MFA session 3h".into(),
            },
        ];
        let out = table(&rows);
        assert!(!out.contains('\x1b'), "{out:?}");
        assert!(out.lines().next().unwrap().starts_with("PROFILE"));
        assert_eq!(out.lines().count(), 3);
        // The WHAT column starts at the same place on every line.
        let what: Vec<usize> = out
            .lines()
            .map(|l| {
                l.find("role")
                    .or(l.find("user"))
                    .or(l.find("WHAT"))
                    .unwrap()
            })
            .collect();
        assert!(what.windows(2).all(|w| w[0] == w[1]), "{out}");
    }
}
