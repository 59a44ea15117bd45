//! The credential endpoint behind `awsmfa exec --server`: this module alone
//! owns its HTTP side and what it serves when (the sessions it keeps in
//! memory when the cache is off are [`crate::store::memory`]'s).
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
//! token in `Authorization` (compared in constant time), with a `Host` that
//! names this machine (a web page that rebinds its DNS name to 127.0.0.1
//! still sends its own name). Credentials are handed out serially, on the
//! command's thread: concurrent requests during a refresh wait for that one
//! refresh (and for at most one MFA prompt) instead of each starting their own.
//!
//! Any local process can connect, so the HTTP side is bounded (see
//! [`Limits`]): requests are read by hyper on one more thread, an event loop
//! where a connection costs a few kilobytes and no thread; the request head
//! has a size, header count and time limit; connections are capped in
//! number and in lifetime, and when the cap is reached the oldest one not
//! yet holding the token is dropped, so that slow or silent connections
//! cannot keep out the command's SDK, which sends its request at once.
//! (A fixed pool of threads with read deadlines would be busy with as many
//! stalled connections as it has threads, and the SDK, whose container
//! provider gives up after 2 s, would wait behind them; an event loop sees
//! every connection at once and can drop the stalled ones.)
//!
//! `AWSMFA_SERVER_REFRESH` (seconds, or e.g. `30s`, `10m`) caps how long
//! each served credential is announced as valid: the `Expiration` the SDK
//! sees is at most that long after awsmfa obtained the credential, so the
//! SDK comes back that often, and awsmfa assumes the role again once less
//! than half of it is left. Tests use it because the real role lifetime is
//! an hour; it also shortens how long leaked credentials stay useful.

use crate::error::{Error, Result};
use crate::obtain::{self, Obtained, Request};
use crate::store::Store;
use aws_credential_types::Credentials;
use serde::Serialize;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, SystemTime};

/// The variable that caps the announced lifetime (see the module docs).
pub const REFRESH_VAR: &str = "AWSMFA_SERVER_REFRESH";

/// What the child gets instead of keys.
pub const URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
pub const TOKEN_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";

/// Settings that SDKs prefer over the two above, removed from the child's
/// environment so the SDK can only reach awsmfa: container-provider ones (a
/// relative URI wins over a full one, a token file over a token), web
/// identity (EKS's IRSA sets it in pods; every SDK's chain takes it before
/// the container endpoint), and the Java SDK's other names for the keys.
pub const OUTRANKING_VARS: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
];

/// `AWSMFA_SERVER_REFRESH`, when set.
pub fn refresh_cap() -> Result<Option<Duration>> {
    crate::duration::var(REFRESH_VAR).map_err(Error::Usage)
}

/// What one connection may cost. A careful client (every AWS SDK) sends a
/// request head of a few hundred bytes at once and reads the answer.
struct Limits;

impl Limits {
    /// Open connections at most; hyper's smallest buffer (8 KiB) each,
    /// and well inside the usual limit of 1,024 open files.
    const CONNECTIONS: usize = 256;
    /// The request line and headers together.
    const HEAD_BYTES: usize = 8 * 1024;
    const HEADERS: usize = 32;
    /// To send the whole request head.
    const HEAD_TIME: Duration = Duration::from_secs(5);
    /// A connection's whole life, unless it holds the token (it then waits
    /// for a refresh, perhaps an MFA prompt, which is not its doing).
    const CONNECTION_TIME: Duration = Duration::from_secs(10);
}

/// A request that passed [`judge`], waiting for what to send back.
type Reply = tokio::sync::oneshot::Sender<std::result::Result<String, String>>;

/// From the HTTP thread to the command's thread.
enum Ask {
    Credentials(Reply),
    Stop,
}

/// What every connection needs to judge its request.
struct Shared {
    port: u16,
    path: String,
    token: String,
    asks: mpsc::Sender<Ask>,
}

/// The listening endpoint: a loopback port, a secret path and a secret token.
pub struct Endpoint {
    shared: Arc<Shared>,
    asks: mpsc::Receiver<Ask>,
    /// Dropped to end the HTTP thread, which is then joined.
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Stops [`Endpoint::serve`] from another thread (when the command exits).
pub struct Stopper(mpsc::Sender<Ask>);

impl Stopper {
    pub fn stop(&self) {
        let _ = self.0.send(Ask::Stop);
    }
}

impl Endpoint {
    /// Listen on 127.0.0.1, on a port the system picks; requests are read
    /// on a thread of their own from now on.
    pub fn bind() -> Result<Endpoint> {
        let cannot = |e: std::io::Error| {
            Error::Other(format!(
                "cannot start the credential endpoint on 127.0.0.1: {e}"
            ))
        };
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(cannot)?;
        std_listener.set_nonblocking(true).map_err(cannot)?;
        let port = std_listener.local_addr().map_err(cannot)?.port();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(cannot)?;
        let listener = {
            let _context = rt.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(cannot)?
        };
        let (ask, asks) = mpsc::channel();
        let shared = Arc::new(Shared {
            port,
            path: format!("/{}", random_hex::<16>()?),
            token: random_hex::<32>()?,
            asks: ask,
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let accepting = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("awsmfa-endpoint".into())
            .spawn(move || {
                rt.block_on(async move {
                    tokio::spawn(accept(listener, accepting));
                    // Until the sender is dropped; the runtime's end then
                    // closes every connection.
                    let _ = stopped.await;
                });
            })
            .map_err(cannot)?;
        Ok(Endpoint {
            shared,
            asks,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.shared.port, self.shared.path)
    }

    pub fn token(&self) -> &str {
        &self.shared.token
    }

    pub fn stopper(&self) -> Stopper {
        Stopper(self.shared.asks.clone())
    }

    /// Hand out credentials, one request at a time, until [`Stopper::stop`].
    pub fn serve(&self, provider: &mut Provider) {
        while let Ok(Ask::Credentials(reply)) = self.asks.recv() {
            // The client may have given up waiting (e.g. during a prompt).
            let _ = reply.send(provider.current());
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One open connection, as the accept loop tracks it.
struct Open {
    task: tokio::task::AbortHandle,
    /// Its request carried the token: never dropped to make room.
    trusted: Arc<AtomicBool>,
}

/// Accept connections forever, at most [`Limits::CONNECTIONS`] at once.
async fn accept(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    let mut open: VecDeque<Open> = VecDeque::new();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors, or the like: let some close.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        open.retain(|c| !c.task.is_finished());
        if open.len() >= Limits::CONNECTIONS {
            match open.iter().position(|c| !c.trusted.load(Ordering::SeqCst)) {
                Some(oldest) => {
                    if let Some(c) = open.remove(oldest) {
                        c.task.abort();
                    }
                }
                // All are the command's own, waiting: the newcomer waits
                // its turn outside (it is closed, and its SDK retries).
                None => continue,
            }
        }
        let trusted = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(connection(
            stream,
            peer,
            Arc::clone(&shared),
            Arc::clone(&trusted),
        ));
        open.push_back(Open {
            task: task.abort_handle(),
            trusted,
        });
    }
}

/// One request per connection, within [`Limits`].
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    trusted: Arc<AtomicBool>,
) {
    let flag = Arc::clone(&trusted);
    let service = hyper::service::service_fn(move |request| {
        answer(request, peer, Arc::clone(&shared), Arc::clone(&flag))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Limits::HEAD_TIME)
        .max_buf_size(Limits::HEAD_BYTES)
        .max_header_size(Limits::HEAD_BYTES)
        .max_headers(Limits::HEADERS)
        .keep_alive(false)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let timed_out = tokio::time::timeout(Limits::CONNECTION_TIME, conn.as_mut())
        .await
        .is_err();
    if timed_out && trusted.load(Ordering::SeqCst) {
        let _ = conn.await;
    }
}

type Body = http_body_util::Full<bytes::Bytes>;

/// The answer to one request: refused, or what the command's thread says.
async fn answer(
    request: hyper::Request<hyper::body::Incoming>,
    peer: SocketAddr,
    shared: Arc<Shared>,
    trusted: Arc<AtomicBool>,
) -> std::result::Result<hyper::Response<Body>, std::convert::Infallible> {
    let values = |name| -> Vec<&[u8]> {
        request
            .headers()
            .get_all(name)
            .iter()
            .map(|v| v.as_bytes())
            .collect()
    };
    let verdict = judge(
        &Asked {
            peer: Some(&peer),
            host: &values(http::header::HOST),
            method: request.method().as_str(),
            target: &request.uri().to_string(),
            authorization: &values(http::header::AUTHORIZATION),
        },
        &shared,
    );
    let (status, body) = match verdict {
        Err((status, why)) => (status, error_body("Refused", why)),
        Ok(()) => {
            trusted.store(true, Ordering::SeqCst);
            let (reply, answered) = tokio::sync::oneshot::channel();
            let _ = shared.asks.send(Ask::Credentials(reply));
            match answered.await {
                Ok(Ok(json)) => (200, json),
                Ok(Err(message)) => (503, error_body("CredentialsUnavailable", &message)),
                Err(_) => (
                    503,
                    error_body("CredentialsUnavailable", "the command is ending"),
                ),
            }
        }
    };
    let mut response = hyper::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store");
    if status == 405 {
        response = response.header(http::header::ALLOW, "GET");
    }
    Ok(response
        .body(Body::from(body))
        .expect("static headers and a known status are valid"))
}

/// What [`judge`] looks at in a request.
struct Asked<'a> {
    peer: Option<&'a SocketAddr>,
    /// Every `Host` header (one is right).
    host: &'a [&'a [u8]],
    method: &'a str,
    target: &'a str,
    authorization: &'a [&'a [u8]],
}

/// Whether `host` (a `Host` header) names this machine: a loopback address
/// or `localhost`, and the endpoint's port if it names one.
fn loopback_host(host: &[&[u8]], port: u16) -> bool {
    let [host] = host else {
        return false;
    };
    let Ok(authority) = http::uri::Authority::try_from(*host) else {
        return false;
    };
    let name = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    authority.port_u16().is_none_or(|p| p == port)
        && (name.eq_ignore_ascii_case("localhost")
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()))
}

/// Whether a request may have credentials; if not, the status and why.
/// The token is checked before anything about the path or method is
/// revealed, and from loopback peers only (the listener is bound to
/// 127.0.0.1; this guards against that ever changing).
fn judge(asked: &Asked, endpoint: &Shared) -> std::result::Result<(), (u16, &'static str)> {
    if !asked.peer.is_some_and(|p| p.ip().is_loopback()) {
        return Err((403, "only local processes may ask for credentials"));
    }
    if !loopback_host(asked.host, endpoint.port) {
        return Err((403, "the Host header must name 127.0.0.1 and this port"));
    }
    match asked.authorization {
        [given] if constant_time_eq(given, endpoint.token.as_bytes()) => {}
        [] => return Err((401, "missing Authorization token")),
        _ => return Err((401, "wrong Authorization token")),
    }
    if asked.target != endpoint.path {
        return Err((404, "no such path"));
    }
    if asked.method != "GET" {
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
        let real = creds.expiry().unwrap_or(now + obtain::SDK_REFRESH);
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

    /// Time to obtain new ones: less left than an SDK keeps them with
    /// ([`obtain::sdk_floor`] of their announced life).
    fn stale(&self, now: SystemTime) -> bool {
        let life = self
            .expires
            .duration_since(self.obtained)
            .unwrap_or_default();
        self.left(now) < obtain::sdk_floor(life)
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

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/abc";
    const TOKEN: &str = "0123456789abcdef";
    const PORT: u16 = 4321;

    fn endpoint() -> Shared {
        Shared {
            port: PORT,
            path: PATH.into(),
            token: TOKEN.into(),
            asks: mpsc::channel().0,
        }
    }

    fn ask(peer: &str, host: &[&str], method: &str, url: &str, auth: &[&str]) -> Option<u16> {
        let peer: SocketAddr = peer.parse().unwrap();
        let host: Vec<&[u8]> = host.iter().map(|h| h.as_bytes()).collect();
        let auth: Vec<&[u8]> = auth.iter().map(|a| a.as_bytes()).collect();
        let asked = Asked {
            peer: Some(&peer),
            host: &host,
            method,
            target: url,
            authorization: &auth,
        };
        judge(&asked, &endpoint()).err().map(|(status, _)| status)
    }

    fn check(peer: &str, method: &str, url: &str, auth: &[&str]) -> Option<u16> {
        ask(peer, &["127.0.0.1:4321"], method, url, auth)
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
        assert_eq!(
            check("127.0.0.1:5", "GET", "http://127.0.0.1:4321/abc", &[TOKEN]),
            Some(404)
        );
        assert_eq!(check("127.0.0.1:5", "POST", PATH, &[TOKEN]), Some(405));
        // Nothing about the path or method leaks without the token.
        assert_eq!(check("127.0.0.1:5", "POST", "/other", &[]), Some(401));
        let asked = Asked {
            peer: None,
            host: &[b"127.0.0.1:4321"],
            method: "GET",
            target: PATH,
            authorization: &[TOKEN.as_bytes()],
        };
        assert!(judge(&asked, &endpoint()).is_err());
    }

    #[test]
    fn only_hosts_naming_this_machine_and_port_are_answered() {
        for host in [
            "127.0.0.1:4321",
            "127.0.0.1",
            "localhost:4321",
            "LOCALHOST:4321",
            "[::1]:4321",
            "127.1.2.3:4321",
        ] {
            assert_eq!(
                ask("127.0.0.1:5", &[host], "GET", PATH, &[TOKEN]),
                None,
                "{host}"
            );
        }
        // DNS rebinding: a page's own name pointed at 127.0.0.1.
        for host in [
            "evil.example:4321",
            "127.0.0.1.evil.example:4321",
            "localhost.evil.example",
            "127.0.0.1:80",
            "10.0.0.1:4321",
            "",
            "127.0.0.1:4321\r\nX: y",
        ] {
            assert_eq!(
                ask("127.0.0.1:5", &[host], "GET", PATH, &[TOKEN]),
                Some(403),
                "{host:?}"
            );
        }
        assert_eq!(ask("127.0.0.1:5", &[], "GET", PATH, &[TOKEN]), Some(403));
        assert_eq!(
            ask(
                "127.0.0.1:5",
                &["127.0.0.1:4321", "evil.example"],
                "GET",
                PATH,
                &[TOKEN]
            ),
            Some(403)
        );
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
