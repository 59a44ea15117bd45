//! The credential endpoint behind `awsmfa exec --server`.
//!
//! Every AWS SDK and the AWS CLI can fetch credentials from a local HTTP
//! endpoint (the container credentials provider:
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`)
//! and fetch them again before they expire. awsmfa is that endpoint, so a
//! job outlives the 1-hour cap on roles assumed from an MFA session: each
//! refresh assumes the role again with the cached MFA session, without a
//! prompt, for as long as that session lives.
//!
//! The endpoint listens on 127.0.0.1 only, on a random port and a random
//! path, and answers only `GET` on that path carrying the random 256-bit
//! token in `Authorization` (compared in constant time). It runs on one
//! thread, serially: concurrent requests during a refresh wait for that one
//! refresh (and for at most one MFA prompt) instead of each starting their own.
//!
//! `AWSMFA_SERVER_REFRESH` (seconds, or e.g. `30s`, `10m`) caps how long
//! each served credential is announced as valid: the `Expiration` the SDK
//! sees is at most that long after awsmfa obtained the credential, so the
//! SDK comes back that often, and awsmfa assumes the role again once less
//! than half of it is left. Tests use it because the real role lifetime is
//! an hour; it also shortens how long leaked credentials stay useful.

use crate::error::{Error, Result};
use crate::obtain::{self, Key, Obtained, Request, Store};
use aws_credential_types::Credentials;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The variable that caps the announced lifetime (see the module docs).
pub const REFRESH_VAR: &str = "AWSMFA_SERVER_REFRESH";

/// What the child gets instead of keys.
pub const URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
pub const TOKEN_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

/// Container-provider settings that SDKs prefer over the two above (a
/// relative URI wins over a full one, a token file over a token): removed
/// from the child's environment so the SDK can only reach awsmfa.
pub const OUTRANKING_VARS: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// Serve credentials with at least this much life left: the AWS CLI and
/// boto3 refresh container credentials 15 minutes before they expire, and
/// should then get new ones, not the same ones again.
const REFRESH_AHEAD: Duration = Duration::from_secs(16 * 60);

/// `AWSMFA_SERVER_REFRESH`, when set.
pub fn refresh_cap() -> Result<Option<Duration>> {
    match std::env::var(REFRESH_VAR) {
        Ok(raw) if !raw.trim().is_empty() => {
            let secs = crate::cli::parse_duration(&raw)
                .map_err(|why| Error::Usage(format!("{REFRESH_VAR}={raw:?}: {why}")))?;
            if secs == 0 {
                return Err(Error::Usage(format!(
                    "{REFRESH_VAR}={raw:?}: must be at least 1 second"
                )));
            }
            Ok(Some(Duration::from_secs(secs)))
        }
        _ => Ok(None),
    }
}

/// The listening endpoint: a loopback port, a secret path and a secret token.
pub struct Endpoint {
    http: Arc<tiny_http::Server>,
    port: u16,
    path: String,
    token: String,
}

/// Stops [`Endpoint::serve`] from another thread (when the command exits).
pub struct Stopper(Arc<tiny_http::Server>);

impl Stopper {
    pub fn stop(&self) {
        self.0.unblock();
    }
}

impl Endpoint {
    /// Listen on 127.0.0.1, on a port the system picks.
    pub fn bind() -> Result<Endpoint> {
        let http = tiny_http::Server::http("127.0.0.1:0").map_err(|e| {
            Error::Other(format!(
                "cannot start the credential endpoint on 127.0.0.1: {e}"
            ))
        })?;
        let port = http
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| Error::Other("the credential endpoint has no TCP port".into()))?;
        Ok(Endpoint {
            http: Arc::new(http),
            port,
            path: format!("/{}", random_hex::<16>()?),
            token: random_hex::<32>()?,
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.path)
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.http))
    }

    /// Answer requests, one at a time, until [`Stopper::stop`].
    pub fn serve(&self, provider: &mut Provider) {
        while let Ok(request) = self.http.recv() {
            let authorization: Vec<&[u8]> = request
                .headers()
                .iter()
                .filter(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_bytes())
                .collect();
            let verdict = judge(
                request.remote_addr(),
                request.method().as_str(),
                request.url(),
                &authorization,
                &self.path,
                &self.token,
            );
            let (status, body) = match verdict {
                Err((status, why)) => (status, error_body("Refused", why)),
                Ok(()) => match provider.current() {
                    Ok(json) => (200, json),
                    Err(message) => (503, error_body("CredentialsUnavailable", &message)),
                },
            };
            let mut response = tiny_http::Response::from_string(body)
                .with_status_code(status)
                .with_header(header("Content-Type", "application/json"))
                .with_header(header("Cache-Control", "no-store"));
            if status == 405 {
                response = response.with_header(header("Allow", "GET"));
            }
            // The client may have given up waiting (e.g. during a prompt).
            let _ = request.respond(response);
        }
    }
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header names and values are valid")
}

/// Whether a request may have credentials; if not, the status and why.
/// The token is checked before anything about the path or method is
/// revealed, and from loopback peers only (the listener is bound to
/// 127.0.0.1; this guards against that ever changing).
fn judge(
    peer: Option<&SocketAddr>,
    method: &str,
    url: &str,
    authorization: &[&[u8]],
    path: &str,
    token: &str,
) -> std::result::Result<(), (u16, &'static str)> {
    if !peer.is_some_and(|p| p.ip().is_loopback()) {
        return Err((403, "only local processes may ask for credentials"));
    }
    match authorization {
        [given] if constant_time_eq(given, token.as_bytes()) => {}
        [] => return Err((401, "missing Authorization token")),
        _ => return Err((401, "wrong Authorization token")),
    }
    if url != path {
        return Err((404, "no such path"));
    }
    if method != "GET" {
        return Err((405, "only GET is allowed"));
    }
    Ok(())
}

/// Compare secrets without an early exit that would reveal, through timing,
/// how much of a guess was right. (Lengths are not secret: the token's is
/// fixed.)
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

fn random_hex<const N: usize>() -> Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::Other(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The container credentials document (what ECS serves).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Document<'a> {
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    expiration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_arn: Option<&'a str>,
}

/// The error shape the AWS SDKs read from a credentials endpoint.
fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "code": code, "message": message }).to_string()
}

/// One served credential: what was obtained, and when it is announced to
/// expire (the real expiry, or earlier with `AWSMFA_SERVER_REFRESH`).
struct Served {
    creds: Credentials,
    obtained: SystemTime,
    expires: SystemTime,
}

impl Served {
    fn new(creds: Credentials, now: SystemTime, cap: Option<Duration>) -> Served {
        let real = creds.expiry().unwrap_or(now + REFRESH_AHEAD);
        let capped = cap.map_or(real, |cap| real.min(now + cap));
        // Announced in whole seconds: round down, never promise more.
        let expires = std::time::UNIX_EPOCH
            + Duration::from_secs(
                capped
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            );
        Served {
            creds,
            obtained: now,
            expires,
        }
    }

    fn left(&self, now: SystemTime) -> Duration {
        self.expires.duration_since(now).unwrap_or_default()
    }

    /// Time to obtain new ones: less than [`REFRESH_AHEAD`] left, or less
    /// than half of their (announced) life, whichever comes later.
    fn stale(&self, now: SystemTime) -> bool {
        let life = self
            .expires
            .duration_since(self.obtained)
            .unwrap_or_default();
        self.left(now) < REFRESH_AHEAD.min(life / 2)
    }
}

/// Keeps what the endpoint serves fresh, through [`obtain::obtain`].
pub struct Provider<'s> {
    request: Request,
    store: &'s dyn Store,
    role_arn: Option<String>,
    cap: Option<Duration>,
    served: Served,
    /// The last refresh failure reported on stderr, so a client that keeps
    /// asking does not repeat it for every request.
    reported: Option<String>,
}

impl<'s> Provider<'s> {
    /// Start from credentials obtained before the command was started.
    /// `request` is used for every refresh: with `refresh` set for a role
    /// (assume it again; the MFA session is reused), and without a code
    /// given on the command line (that one is spent).
    pub fn new(
        first: Obtained,
        request: Request,
        store: &'s dyn Store,
        role_arn: Option<String>,
        cap: Option<Duration>,
    ) -> Provider<'s> {
        Provider {
            served: Served::new(first.credentials, SystemTime::now(), cap),
            request,
            store,
            role_arn,
            cap,
            reported: None,
        }
    }

    /// The JSON document to serve, refreshed first when due; or the message
    /// to send back when there is nothing valid to serve.
    fn current(&mut self) -> std::result::Result<String, String> {
        let now = SystemTime::now();
        if self.served.stale(now) {
            match obtain::obtain(&self.request, self.store) {
                Ok(o) => {
                    self.served = Served::new(o.credentials, now, self.cap);
                    if self.reported.take().is_some() {
                        crate::term::note(format_args!(
                            "awsmfa: credentials for `{}` are being served again",
                            self.request.profile
                        ));
                    }
                }
                Err(e) => {
                    let message = self.explain(&e);
                    if self.reported.as_deref() != Some(message.as_str()) {
                        crate::term::note(format_args!("awsmfa: {message}"));
                        self.reported = Some(message.clone());
                    }
                    // Still valid: keep serving them while they last.
                    if self.served.left(now).is_zero() {
                        return Err(message);
                    }
                }
            }
        }
        let c = &self.served.creds;
        serde_json::to_string(&Document {
            access_key_id: c.access_key_id(),
            secret_access_key: c.secret_access_key(),
            token: c.session_token(),
            expiration: crate::vars::rfc3339(self.served.expires),
            role_arn: self.role_arn.as_deref(),
        })
        .map_err(|e| format!("cannot encode credentials: {e}"))
    }

    fn explain(&self, e: &Error) -> String {
        let profile = &self.request.profile;
        format!(
            "exec --server cannot refresh the credentials of `{profile}`: {e}; once `awsmfa login {profile}` has started a new MFA session (in another terminal), the command's next request gets credentials again"
        )
    }
}

/// Holds MFA sessions in memory when the encrypted cache is off, so that
/// refreshes still reuse the one session this process started.
#[derive(Default)]
pub struct Memory(RefCell<HashMap<Key, Credentials>>);

impl Store for Memory {
    fn load(&self, key: &Key) -> Option<Credentials> {
        self.0
            .borrow()
            .get(key)
            .filter(|c| obtain::fresh(c))
            .cloned()
    }

    fn store(&self, key: &Key, creds: &Credentials) {
        self.0.borrow_mut().insert(key.clone(), creds.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/abc";
    const TOKEN: &str = "0123456789abcdef";

    fn check(peer: &str, method: &str, url: &str, auth: &[&str]) -> Option<u16> {
        let peer: SocketAddr = peer.parse().unwrap();
        let auth: Vec<&[u8]> = auth.iter().map(|a| a.as_bytes()).collect();
        judge(Some(&peer), method, url, &auth, PATH, TOKEN)
            .err()
            .map(|(status, _)| status)
    }

    #[test]
    fn only_get_on_the_path_with_the_token_from_loopback() {
        assert_eq!(check("127.0.0.1:5", "GET", PATH, &[TOKEN]), None);
        assert_eq!(check("[::1]:5", "GET", PATH, &[TOKEN]), None);
        assert_eq!(check("10.0.0.2:5", "GET", PATH, &[TOKEN]), Some(403));
        assert_eq!(check("127.0.0.1:5", "GET", PATH, &[]), Some(401));
        assert_eq!(
            check("127.0.0.1:5", "GET", PATH, &["0123456789abcdeF"]),
            Some(401)
        );
        assert_eq!(
            check("127.0.0.1:5", "GET", PATH, &["0123456789abcdef0"]),
            Some(401)
        );
        assert_eq!(
            check("127.0.0.1:5", "GET", PATH, &[TOKEN, TOKEN]),
            Some(401)
        );
        assert_eq!(check("127.0.0.1:5", "GET", "/abc/", &[TOKEN]), Some(404));
        assert_eq!(check("127.0.0.1:5", "GET", "/abc?x=1", &[TOKEN]), Some(404));
        assert_eq!(check("127.0.0.1:5", "POST", PATH, &[TOKEN]), Some(405));
        // Nothing about the path or method leaks without the token.
        assert_eq!(check("127.0.0.1:5", "POST", "/other", &[]), Some(401));
        assert!(judge(None, "GET", PATH, &[TOKEN.as_bytes()], PATH, TOKEN).is_err());
    }

    #[test]
    fn announced_expiry_is_capped_and_refreshed_at_half_life() {
        let now = SystemTime::now();
        let hour = Credentials::new("a", "b", None, Some(now + Duration::from_secs(3600)), "t");
        let s = Served::new(hour.clone(), now, Some(Duration::from_secs(10)));
        assert!(s.expires <= now + Duration::from_secs(10));
        assert!(s.expires > now + Duration::from_secs(8));
        assert!(!s.stale(now));
        assert!(s.stale(now + Duration::from_secs(6)));
        // Uncapped: served until 16 minutes are left.
        let s = Served::new(hour, now, None);
        assert!(!s.stale(now + Duration::from_secs(40 * 60)));
        assert!(s.stale(now + Duration::from_secs(45 * 60)));
        // A short credential is kept for half its life.
        let short = Credentials::new("a", "b", None, Some(now + Duration::from_secs(600)), "t");
        let s = Served::new(short, now, None);
        assert!(!s.stale(now + Duration::from_secs(200)));
        assert!(s.stale(now + Duration::from_secs(400)));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (random_hex::<32>().unwrap(), random_hex::<32>().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(constant_time_eq(a.as_bytes(), a.as_bytes()));
        assert!(!constant_time_eq(a.as_bytes(), b.as_bytes()));
    }
}
