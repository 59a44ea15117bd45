//! The console's federation sign-in: a role's credentials become a sign-in
//! token (`getSigninToken`), the token a `login` URL that starts a console
//! session in a browser. AWS's "custom identity broker" protocol, over the
//! HTTP/TLS stack of [`crate::sts`]; where the endpoint is comes from
//! [`crate::reach::signin`].
//!
//! The token, and so every URL made here, is a credential: for 15 minutes
//! it starts a console session as the role. Nothing here puts a URL, the
//! token or an answer's body into an error message.

use crate::error::{Call, Error, Failure, Result};
use crate::service::{Partition, Service};
use crate::sts::Sts;
use aws_credential_types::Credentials;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// How long AWS honours a sign-in URL before it is used.
pub const TOKEN_LIFE: u64 = 900;
/// The bounds AWS puts on `SessionDuration`.
pub const SESSION_MIN: u64 = 900;
pub const SESSION_MAX: u64 = 43_200;

/// Who the console says signed the user in (`Issuer`).
const ISSUER: &str = "awsmfa";

/// Everything in a query string is encoded: a token is base64-like, a
/// destination a URL of its own.
fn enc(value: &str) -> impl std::fmt::Display + '_ {
    utf8_percent_encode(value, NON_ALPHANUMERIC)
}

/// The sign-in URL for role credentials: a token from the endpoint at
/// `target`, then the `login` URL to `destination` (after a logout when
/// `sign_out`).
pub fn url(
    target: crate::sts::Target,
    profile: &str,
    creds: &Credentials,
    session: Option<u64>,
    destination: &str,
    sign_out: bool,
) -> Result<String> {
    let base = target.endpoint_url.clone().unwrap_or_default();
    let call = call(profile, &base, None);
    let sts = Sts::new(target).map_err(|f| Error::from_failure(f, &call))?;
    let login = login_url(&base, &token(&sts, profile, creds, session)?, destination);
    Ok(if sign_out {
        sign_out_first(&base, &login)
    } else {
        login
    })
}

/// A failed call to the endpoint at `base`, for [`Error::from_failure`].
fn call<'a>(profile: &'a str, base: &'a str, session: Option<u64>) -> Call<'a> {
    Call {
        // The refusal's hint differs (crate::error's `denied_hint`).
        action: match session {
            Some(_) => "getSigninToken with SessionDuration",
            None => "getSigninToken",
        },
        profile,
        serial: None,
        service: Service::Signin,
        endpoint: base,
    }
}

/// `getSigninToken` for role credentials. `session` is `SessionDuration`:
/// AWS refuses it for credentials assumed from other temporary ones (role
/// chaining), and the console session then lasts as they do.
fn token(sts: &Sts, profile: &str, creds: &Credentials, session: Option<u64>) -> Result<String> {
    let base = sts.target.endpoint_url.as_deref().unwrap_or_default();
    let json = serde_json::json!({
        "sessionId": creds.access_key_id(),
        "sessionKey": creds.secret_access_key(),
        "sessionToken": creds.session_token().unwrap_or_default(),
    })
    .to_string();
    let duration = session.map_or_else(String::new, |d| format!("&SessionDuration={d}"));
    let url = format!(
        "{base}/federation?Action=getSigninToken{duration}&Session={}",
        enc(&json)
    );
    let call = call(profile, base, session);
    let (status, body) = sts.get(&url).map_err(|f| Error::from_failure(f, &call))?;
    read_token(status, &body, session).map_err(|f| Error::from_failure(f, &call))
}

/// The token out of the endpoint's answer, or why there is none (never
/// quoting the body: a token could be in it).
fn read_token(status: u16, body: &[u8], session: Option<u64>) -> Result<String, Failure> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "SigninToken")]
        signin_token: String,
    }
    match status {
        200 => {}
        500.. => {
            return Err(Failure::Unreachable {
                why: format!("it answered HTTP {status}; try again in a minute"),
            });
        }
        400 | 401 | 403 => {
            let message = match session {
                Some(_) => {
                    "the sign-in endpoint refused these credentials with a SessionDuration, which AWS does for a role assumed with temporary credentials (role chaining)"
                }
                None => "the sign-in endpoint refused these role credentials",
            };
            return Err(Failure::Denied {
                code: format!("HTTP {status}"),
                message: message.into(),
            });
        }
        _ => {
            return Err(Failure::NotAws {
                status,
                what: "no sign-in token".into(),
            });
        }
    }
    let token = serde_json::from_slice::<Answer>(body)
        .map(|a| a.signin_token)
        .map_err(|_| Failure::NotAws {
            status,
            what: "a body that holds no sign-in token".into(),
        })?;
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure::NotAws {
            status,
            what: "a sign-in token that is empty or not printable".into(),
        });
    }
    Ok(token)
}

/// The URL that signs in with `token` and lands on `destination`.
fn login_url(base: &str, token: &str, destination: &str) -> String {
    format!(
        "{base}/federation?Action=login&Issuer={}&Destination={}&SigninToken={}",
        enc(ISSUER),
        enc(destination),
        enc(token)
    )
}

/// A URL that first ends the browser's console session, then follows
/// `login` (one browser holds one console session).
fn sign_out_first(base: &str, login: &str) -> String {
    format!("{base}/oauth?Action=logout&redirect_uri={}", enc(login))
}

/// Where the console opens: its home, a service by name (`s3`, `ec2`) or a
/// path on the console's host (`/cloudwatch/home#dashboards:`), in `region`
/// on the console of the region's partition.
pub fn destination(region: &str, to: Option<&str>) -> Result<String> {
    let host = Partition::of(region).console_host(region);
    let path = match to {
        None => "/console/home".to_string(),
        Some(service) if is_service(service) => format!("/{service}/home"),
        Some(path) if path.starts_with('/') && !path.starts_with("//") && printable(path) => {
            path.to_string()
        }
        Some(other) => {
            return Err(Error::Usage(format!(
                "--destination {other:?} is neither a service name (s3, ec2, cloudwatch) nor a path on the console (/s3/buckets)"
            )));
        }
    };
    let (before, fragment) = path
        .split_once('#')
        .map_or((path.as_str(), None), |(b, f)| (b, Some(f)));
    let mut url = format!("https://{host}{before}");
    if !before.contains("region=") {
        url.push(if before.contains('?') { '&' } else { '?' });
        url.push_str(&format!("region={region}"));
    }
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    Ok(url)
}

/// A console service's name as it appears in its path.
fn is_service(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn printable(path: &str) -> bool {
    path.len() <= 2048 && path.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_keep_the_region_and_the_partition() {
        let d = |region, to| destination(region, to).unwrap();
        assert_eq!(
            d("eu-west-1", None),
            "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            d("cn-north-1", Some("s3")),
            "https://console.amazonaws.cn/s3/home?region=cn-north-1"
        );
        assert_eq!(
            d("us-gov-west-1", Some("/cloudwatch/home#dashboards:")),
            "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards:"
        );
        assert_eq!(
            d("eu-west-1", Some("/ec2/home?region=eu-central-1")),
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-central-1"
        );
        for bad in [
            "https://evil.example",
            "//evil.example/x",
            "S3",
            "/a b",
            "/\u{1b}[2J",
        ] {
            assert!(destination("eu-west-1", Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tokens_are_read_without_quoting_the_answer() {
        let secret = br#"<html>SigninToken ASIASECRET</html>"#;
        let err = read_token(200, secret, None).unwrap_err();
        assert!(!format!("{err:?}").contains("ASIASECRET"), "{err:?}");
        assert_eq!(
            read_token(200, br#"{"SigninToken":"abc-_DEF"}"#, None).unwrap(),
            "abc-_DEF"
        );
        assert!(matches!(
            read_token(400, b"", Some(7200)),
            Err(Failure::Denied { .. })
        ));
        assert!(read_token(200, br#"{"SigninToken":"a\nb"}"#, None).is_err());
    }
}
