//! How awsmfa reaches AWS: region, STS and IAM endpoints, proxy, CA bundle
//! and timeout, resolved by the rules of the AWS CLI (botocore) so that
//! both, reading the same files and environment, go to the same place the
//! same way. Every command goes through here.
//!
//! The environment is a value ([`Env`]): the prompt hook resolves with the
//! shell's own variables, not with what a project exported, without ever
//! changing the process environment.

use crate::error::{Error, Result};
use crate::profile::Profiles;
use crate::service::Service;
use crate::sts::Target;
use std::time::Duration;

/// Default bound on one STS call, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A variable's value by name.
type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// An environment to resolve with.
pub struct Env<'a>(Box<Lookup<'a>>);

impl<'a> Env<'a> {
    /// The process's environment, read when asked.
    pub fn process() -> Env<'static> {
        Env(Box::new(|name| std::env::var(name).ok()))
    }

    pub fn from_fn(get: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Env(Box::new(get))
    }

    /// A variable, with empty meaning unset (as the AWS CLI reads its own).
    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.is_empty())
    }

    /// A variable as set, empty included (proxy variables tell them apart).
    fn raw(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }
}

/// The region configured for `selected`, if any: `--region`, then
/// `AWS_REGION`, `AWS_DEFAULT_REGION`, then the selected profile's
/// `region` (never a source profile's: the AWS CLI reads the selected one).
/// An empty one is no region, as in the AWS CLI: the next one counts.
pub fn region(
    profiles: &Profiles,
    selected: &str,
    wanted: Option<String>,
    env: &Env,
) -> Result<Option<String>> {
    let region = [
        (wanted, "--region"),
        (env.get("AWS_REGION"), "AWS_REGION"),
        (env.get("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"),
        (
            profiles
                .value(selected, "region")
                .filter(|v| !v.trim().is_empty())
                .map(str::to_string),
            "the profile's `region`",
        ),
    ]
    .into_iter()
    .find_map(|(value, from)| Some((value?, from)));
    let Some((value, from)) = region else {
        return Ok(None);
    };
    // A region becomes part of a host name: refuse anything else early,
    // with where it came from, rather than let the SDK fail obscurely.
    let valid = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(Error::ConfigParse(format!(
            "invalid region {value:?} from {from} (profile `{selected}`): expected something like eu-west-1"
        )));
    }
    Ok(Some(value))
}

/// The configured endpoint URL of `service`, in botocore's order:
/// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's
/// `services` section, the profile's `endpoint_url`. None of them counts
/// when `ignore_configured_endpoint_urls` is true (the variable
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` first, then the profile's key).
pub fn endpoint(
    profiles: &Profiles,
    selected: &str,
    service: Service,
    env: &Env,
) -> Result<Option<String>> {
    let ignore = env
        .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| {
            profiles
                .value(selected, "ignore_configured_endpoint_urls")
                .map(str::to_string)
        })
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if ignore {
        return Ok(None);
    }
    let (var, key) = service.id();
    let in_services = profiles.service_value(selected, key, "endpoint_url")?;
    Ok(env
        .get(&format!("AWS_ENDPOINT_URL_{var}"))
        .or_else(|| env.get("AWS_ENDPOINT_URL"))
        .or_else(|| in_services.map(str::to_string))
        .or_else(|| profiles.value(selected, "endpoint_url").map(str::to_string))
        .filter(|url| !url.trim().is_empty()))
}

/// A proxy variable as Python's `urllib.request.getproxies()` (which
/// botocore uses) reads it: the lower-case name wins, even set empty
/// (which then means none); `HTTP_PROXY` is ignored in a CGI request.
fn proxy_var(env: &Env, lower: &str) -> Option<String> {
    if let Some(v) = env.raw(lower) {
        return Some(v).filter(|v| !v.is_empty());
    }
    if lower == "http_proxy" && env.raw("REQUEST_METHOD").is_some() {
        return None;
    }
    env.get(&lower.to_ascii_uppercase())
}

/// The proxy a request to `url` goes through, as botocore picks it: the
/// `https_proxy` / `http_proxy` of the URL's scheme, unless `no_proxy`
/// names the host (`*`, the host, or a domain suffix; loopback is not
/// special). A proxy without a scheme is `http://`, as botocore fixes it.
pub fn proxy(url: &str, env: &Env) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let var = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => "http_proxy",
        _ => "https_proxy",
    };
    let proxy = proxy_var(env, var)?;
    let host = uri.host()?.to_ascii_lowercase();
    let host_port = uri.authority()?.as_str().to_ascii_lowercase();
    if let Some(no) = proxy_var(env, "no_proxy") {
        if no.trim() == "*" {
            return None;
        }
        let bypass = no
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .any(|n| {
                let n = n.trim_start_matches('.').to_ascii_lowercase();
                let suffix = format!(".{n}");
                host == n
                    || host_port == n
                    || host.ends_with(&suffix)
                    || host_port.ends_with(&suffix)
            });
        if bypass {
            return None;
        }
    }
    Some(
        if proxy.starts_with("http:") || proxy.starts_with("https:") {
            proxy
        } else if proxy.starts_with("//") {
            format!("http:{proxy}")
        } else {
            format!("http://{proxy}")
        },
    )
}

/// The CA bundle TLS trusts for `profile`, if one is set: `AWS_CA_BUNDLE`,
/// then the profile's `ca_bundle`.
pub fn ca_bundle(profiles: &Profiles, profile: &str, env: &Env) -> Option<String> {
    env.get("AWS_CA_BUNDLE")
        .or_else(|| profiles.value(profile, "ca_bundle").map(str::to_string))
}

/// The bound on one whole call: `AWSMFA_TIMEOUT`, else the default.
pub fn timeout(env: &Env) -> Result<Duration> {
    match env.get("AWSMFA_TIMEOUT") {
        None => Ok(DEFAULT_TIMEOUT),
        Some(raw) => crate::duration::parse(&raw)
            .map(Duration::from_secs)
            .map_err(|why| Error::Usage(format!("AWSMFA_TIMEOUT: {why}"))),
    }
}

/// Where STS is for `selected`, and the region to export (None when none
/// is configured anywhere: STS is then asked in us-east-1, where awsmfa,
/// unlike the AWS CLI, never asks the instance metadata service).
pub fn sts(
    profiles: &Profiles,
    selected: &str,
    wanted_region: Option<String>,
    env: &Env,
) -> Result<(Option<String>, Target)> {
    let configured = region(profiles, selected, wanted_region, env)?;
    let region = configured.clone().unwrap_or_else(|| "us-east-1".into());
    let endpoint_url = endpoint(profiles, selected, Service::Sts, env)?;
    let target = Target {
        proxy: proxy(&url_of(endpoint_url.as_deref(), Service::Sts, &region), env),
        region,
        endpoint_url,
        timeout: timeout(env)?,
        ca_bundle: ca_bundle(profiles, selected, env),
    };
    Ok((configured, target))
}

/// Where IAM is for `selected`: its configured endpoint (if any) and the
/// proxy to it.
pub fn iam(profiles: &Profiles, selected: &str, region: &str, env: &Env) -> Result<Remote> {
    let endpoint_url = endpoint(profiles, selected, Service::Iam, env)?;
    Ok(Remote {
        proxy: proxy(&url_of(endpoint_url.as_deref(), Service::Iam, region), env),
        endpoint_url,
    })
}

/// Where the console's federation endpoint is for `selected`: AWS's
/// sign-in host of `region`'s partition unless `AWS_ENDPOINT_URL_SIGNIN`,
/// `AWS_ENDPOINT_URL` or the profile's `services` section names another
/// (botocore's order, as for every service), with its proxy, CA bundle and
/// timeout. `endpoint_url` is always set: the base the paths go under.
pub fn signin(profiles: &Profiles, selected: &str, region: &str, env: &Env) -> Result<Target> {
    let url = url_of(
        endpoint(profiles, selected, Service::Signin, env)?.as_deref(),
        Service::Signin,
        region,
    );
    let url = url.trim_end_matches('/').to_string();
    Ok(Target {
        proxy: proxy(&url, env),
        region: region.to_string(),
        endpoint_url: Some(url),
        timeout: timeout(env)?,
        ca_bundle: ca_bundle(profiles, selected, env),
    })
}

/// A service's endpoint and the proxy in front of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub endpoint_url: Option<String>,
    pub proxy: Option<String>,
}

/// The URL a request goes to: the configured one, else AWS's own.
fn url_of(endpoint_url: Option<&str>, service: Service, region: &str) -> String {
    endpoint_url.map_or_else(
        || format!("https://{}", service.default_host(region)),
        str::to_string,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> Env<'static> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Env::from_fn(move |name| map.get(name).cloned())
    }

    #[test]
    fn proxies_are_chosen_as_urllib_chooses_them() {
        let p = |url: &str, vars: &[(&str, &str)]| proxy(url, &env(vars));
        let https = "https://sts.eu-west-1.amazonaws.com";
        assert_eq!(
            p(https, &[("HTTPS_PROXY", "h:3128")]),
            Some("http://h:3128".into())
        );
        assert_eq!(p(https, &[("HTTP_PROXY", "http://h:1")]), None);
        assert_eq!(
            p(
                https,
                &[("HTTPS_PROXY", "http://up"), ("https_proxy", "http://low")]
            ),
            Some("http://low".into())
        );
        assert_eq!(
            p(https, &[("HTTPS_PROXY", "http://up"), ("https_proxy", "")]),
            None
        );
        for no in [
            "*",
            "amazonaws.com",
            ".amazonaws.com",
            "x, sts.eu-west-1.amazonaws.com",
        ] {
            assert_eq!(
                p(https, &[("HTTPS_PROXY", "http://h"), ("NO_PROXY", no)]),
                None,
                "{no}"
            );
        }
        assert_eq!(
            p(
                https,
                &[("HTTPS_PROXY", "http://h"), ("NO_PROXY", "zonaws.com")]
            ),
            Some("http://h".into())
        );
        let local = "http://127.0.0.1:5000";
        assert_eq!(
            p(local, &[("HTTP_PROXY", "http://h")]),
            Some("http://h".into())
        );
        assert_eq!(
            p(
                local,
                &[("HTTP_PROXY", "http://h"), ("no_proxy", "127.0.0.1")]
            ),
            None
        );
        assert_eq!(
            p(
                local,
                &[("HTTP_PROXY", "http://h"), ("REQUEST_METHOD", "GET")]
            ),
            None
        );
    }
}
