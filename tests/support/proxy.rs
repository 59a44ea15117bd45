//! The one fault-injecting HTTP proxy in front of moto, one per test.
//!
//! awsmfa is pointed at it with `AWS_ENDPOINT_URL` (or a service's own
//! `AWS_ENDPOINT_URL_IAM`); a per-request policy ([`Proxy::with_policy`], or
//! a script of actions with [`Proxy::start`]) decides what each request
//! gets: passed through, delayed, held, hung, dropped, an error or another
//! answer, its `Date` rewritten. Each request is recorded (method, path,
//! headers, body) so tests count calls by Action and see who signed what,
//! and moto's answers are kept. Every answer closes the connection, so one
//! connection carries one request and counting stays exact.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// What the proxy does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Pass it to the upstream (moto) and relay the answer.
    Forward,
    /// Answer an STS error document (`<ErrorResponse>`) with this status.
    StsError {
        status: u16,
        code: &'static str,
        message: &'static str,
    },
    /// Answer HTTP 500 with STS's `InternalFailure` error document.
    ServerError,
    /// Answer 400 `Throttling`, as STS does when its rate limit is hit.
    Throttle,
    /// Read the request and never answer (until the client gives up).
    Hang,
    /// Read the request and close the connection without a word.
    Close,
    /// Answer HTTP 200 with a body that never ends (until the client
    /// hangs up): what a client reads of it must be bounded.
    Endless,
    /// Answer HTTP 200 with this XML document (an STS answer the test wrote).
    Answer(String),
    /// Answer what something other than AWS would: a captive portal's HTML
    /// page, another program's 404, a JSON API.
    Canned {
        status: u16,
        content_type: &'static str,
        body: &'static str,
    },
    /// Wait this long, then forward.
    Delay(Duration),
    /// Forward, but stop at `HoldAt` until [`Proxy::release`] or the drop
    /// (bounded: a hold ends by itself after 60 s).
    Hold(HoldAt),
    /// What the inner action answers, with a `Date` header as if the
    /// server's clock were this many seconds ahead (negative: behind).
    Dated(i64, Box<Action>),
    /// Forward, then replace every `find` in moto's answer body with
    /// `with` (its `Content-Length` fixed): a hostile endpoint's answer
    /// that is otherwise AWS's own.
    Rewrite { find: String, with: String },
}

/// Where a held call stops: before it reaches moto, or after moto has
/// answered but before the client hears the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldAt {
    Request,
    Response,
}

impl Action {
    /// AWS's answer to a wrong, reused or foreign MFA code.
    pub const MFA_REJECTED: Action = Action::StsError {
        status: 403,
        code: "AccessDenied",
        message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    };

    /// An injected `AccessDenied`, for an IAM or STS call the test refuses.
    pub const DENIED: Action = Action::StsError {
        status: 403,
        code: "AccessDenied",
        message: "injected fault: refused by the test proxy",
    };

    /// `inner`, answered with the server's clock `offset` seconds off.
    pub fn dated(offset: i64, inner: Action) -> Action {
        Action::Dated(offset, Box::new(inner))
    }
}

/// One request as the policy sees it.
pub struct Call<'a> {
    pub seen: &'a Seen,
    /// Arrival order, from 0.
    pub index: usize,
    /// Which call of its Action this is, from 1.
    pub nth: usize,
}

/// `script` in arrival order, then `then` for every further request.
pub fn script(script: Vec<Action>, then: Action) -> impl Fn(&Call) -> Action + Send + Sync {
    move |c| script.get(c.index).cloned().unwrap_or_else(|| then.clone())
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The form field `name` of the (url-encoded) body, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.body.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| decode(v))
        })
    }

    /// The query-protocol action (`GetSessionToken`, `ListAccessKeys`, ...),
    /// from the form body or the query string.
    pub fn action(&self) -> String {
        self.param("Action")
            .or_else(|| {
                let (_, query) = self.path.split_once('?')?;
                query
                    .split('&')
                    .find_map(|p| p.strip_prefix("Action=").map(decode))
            })
            .unwrap_or_default()
    }

    /// The access key id that signed it (SigV4 `Credential=ID/...`).
    pub fn signer(&self) -> String {
        self.header("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').next())
            .unwrap_or_default()
            .to_string()
    }
}

fn decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type Policy = dyn Fn(&Call) -> Action + Send + Sync;

struct Shared {
    policy: Box<Policy>,
    seen: Mutex<Vec<Seen>>,
    /// moto's answer bodies, by action, in order.
    answers: Mutex<Vec<(String, String)>>,
    holding: AtomicBool,
    released: AtomicBool,
    stop: AtomicBool,
    upstream: Option<String>,
}

/// A running proxy; it stops (and lets any held call go) when dropped.
pub struct Proxy {
    pub url: String,
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// A proxy that plays `script` in order, then `then` for every further
    /// request. `upstream` is moto's URL (needed to forward).
    pub fn start(upstream: Option<&str>, actions: Vec<Action>, then: Action) -> Proxy {
        Proxy::with_policy(upstream, script(actions, then))
    }

    /// Forward everything, but hold the `nth` call of `action` at `at`
    /// (until [`Proxy::release`]): where a test kills the client.
    pub fn holding(upstream: &str, action: &'static str, nth: usize, at: HoldAt) -> Proxy {
        Proxy::with_policy(Some(upstream), move |c| {
            if c.seen.action() == action && c.nth == nth {
                Action::Hold(at)
            } else {
                Action::Forward
            }
        })
    }

    /// A proxy whose `policy` decides each request's fate.
    pub fn with_policy(
        upstream: Option<&str>,
        policy: impl Fn(&Call) -> Action + Send + Sync + 'static,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            policy: Box::new(policy),
            seen: Mutex::new(Vec::new()),
            answers: Mutex::new(Vec::new()),
            holding: AtomicBool::new(false),
            released: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            upstream: upstream.map(|u| {
                u.strip_prefix("http://")
                    .expect("upstream is http://host:port")
                    .trim_end_matches('/')
                    .to_string()
            }),
        });
        let accept = Arc::clone(&shared);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if accept.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let shared = Arc::clone(&accept);
                std::thread::spawn(move || serve(conn, &shared));
            }
        });
        Proxy {
            url: format!("http://{addr}"),
            addr,
            shared,
        }
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.seen.lock().unwrap().len()
    }

    /// The bodies moto answered `action` with, in order.
    pub fn answers(&self, action: &str) -> Vec<String> {
        let answers = self.shared.answers.lock().unwrap();
        answers
            .iter()
            .filter(|(a, _)| a == action)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Let a held call go on.
    pub fn release(&self) {
        self.shared.released.store(true, Ordering::SeqCst);
    }

    /// Wait up to `limit` for a held call to arrive; whether it did.
    pub fn wait_held(&self, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if self.shared.holding.load(Ordering::SeqCst) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.release();
        // Wake the accept loop so its thread ends.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Read one HTTP/1.1 request: head and `Content-Length` body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Seen, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if line.trim().is_empty() {
        return None;
    }
    raw.extend_from_slice(line.as_bytes());
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        if h == "\r\n" || h == "\n" || h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        raw.extend_from_slice(h.as_bytes());
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let seen = Seen {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    Some((seen, raw))
}

fn serve(mut conn: TcpStream, shared: &Shared) {
    // A safety net only: no test waits on this, the client's own timeout
    // ends a `Hang` long before.
    let _ = conn.set_read_timeout(Some(Duration::from_secs(120)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let Some((seen, head)) = read_request(&mut reader) else {
        return;
    };
    let action = {
        let mut all = shared.seen.lock().unwrap();
        let name = seen.action();
        let nth = 1 + all.iter().filter(|s| s.action() == name).count();
        let call = Call {
            seen: &seen,
            index: all.len(),
            nth,
        };
        let action = (shared.policy)(&call);
        all.push(seen.clone());
        action
    };
    if let Some(answer) = answer(&action, &seen, &head, &mut conn, shared) {
        let _ = conn.write_all(&answer);
        let _ = conn.flush();
    }
    let _ = conn.shutdown(Shutdown::Both);
}

/// The bytes `action` answers with; `None` for no answer at all.
fn answer(
    action: &Action,
    seen: &Seen,
    head: &[u8],
    conn: &mut TcpStream,
    shared: &Shared,
) -> Option<Vec<u8>> {
    let error = |status, code, message| respond(status, &error_document(code, message));
    Some(match action {
        Action::Forward => relay(seen, head, shared),
        Action::Delay(d) => {
            std::thread::sleep(*d);
            relay(seen, head, shared)
        }
        Action::Hold(HoldAt::Request) => {
            hold(shared);
            relay(seen, head, shared)
        }
        Action::Hold(HoldAt::Response) => {
            let answer = relay(seen, head, shared);
            hold(shared);
            answer
        }
        Action::StsError {
            status,
            code,
            message,
        } => error(*status, code, message),
        Action::ServerError => error(500, "InternalFailure", "An internal error occurred."),
        Action::Throttle => error(400, "Throttling", "Rate exceeded"),
        Action::Hang => {
            // Wait for the client to hang up (read returns 0 or fails).
            let mut buf = [0u8; 256];
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            return None;
        }
        Action::Close => return None,
        Action::Endless => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            let chunk = [b'a'; 16 << 10];
            let mut out = conn.write_all(head.as_bytes());
            while out.is_ok() {
                out = conn.write_all(&chunk);
            }
            return None;
        }
        Action::Answer(body) => respond(200, body),
        Action::Canned {
            status,
            content_type,
            body,
        } => format!(
            "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
        Action::Dated(offset, inner) => with_date(&answer(inner, seen, head, conn, shared)?, *offset),
        Action::Rewrite { find, with } => rewritten(&relay(seen, head, shared), find, with),
    })
}

/// Forward to moto and keep its answer's body; a 502 if moto failed.
fn relay(seen: &Seen, head: &[u8], shared: &Shared) -> Vec<u8> {
    let upstream = shared
        .upstream
        .as_deref()
        .expect("forwarding needs an upstream");
    match forward(upstream, head, seen.body.as_bytes()) {
        Ok(answer) => {
            let body = split_head(&answer).1;
            shared
                .answers
                .lock()
                .unwrap()
                .push((seen.action(), String::from_utf8_lossy(body).into_owned()));
            answer
        }
        Err(e) => respond(502, &format!("proxy: upstream failed: {e}")),
    }
}

/// `answer` with `find` replaced by `with` in its body, and its
/// `Content-Length` made to fit.
fn rewritten(answer: &[u8], find: &str, with: &str) -> Vec<u8> {
    let (head, body) = split_head(answer);
    let body = String::from_utf8_lossy(body).replace(find, with);
    let mut out = String::new();
    for line in String::from_utf8_lossy(head).split("\r\n") {
        if line.is_empty() || line.to_ascii_lowercase().starts_with("content-length:") {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    out.into_bytes()
}

/// Stop here until released (bounded, so a broken test cannot hang).
fn hold(shared: &Shared) {
    shared.holding.store(true, Ordering::SeqCst);
    let end = Instant::now() + Duration::from_secs(60);
    while !shared.released.load(Ordering::SeqCst) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// An answer's head (through the blank line) and body.
fn split_head(answer: &[u8]) -> (&[u8], &[u8]) {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |p| p + 4);
    answer.split_at(end)
}

/// `answer` with its `Date` header replaced by now shifted by `offset` s.
fn with_date(answer: &[u8], offset: i64) -> Vec<u8> {
    let (head, body) = split_head(answer);
    let now = SystemTime::now();
    let shifted = if offset >= 0 {
        now + Duration::from_secs(offset as u64)
    } else {
        now - Duration::from_secs(offset.unsigned_abs())
    };
    let mut out = String::new();
    for line in String::from_utf8_lossy(head).split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("date:") || lower.starts_with("connection:") || line.is_empty() {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Date: {}\r\nConnection: close\r\n\r\n",
        httpdate::fmt_http_date(shifted)
    ));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Send the request upstream with `Connection: close` and return the whole
/// answer. The `Host` header is kept: it is part of what SigV4 signed.
fn forward(upstream: &str, head: &[u8], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(60)))?;
    let head = String::from_utf8_lossy(head);
    let mut request = String::new();
    for line in head.split_inclusive("\r\n") {
        let name = line.split(':').next().unwrap_or("").trim();
        if !name.eq_ignore_ascii_case("connection") {
            request.push_str(line);
        }
    }
    request.push_str("Connection: close\r\n\r\n");
    up.write_all(request.as_bytes())?;
    up.write_all(body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    Ok(answer)
}

fn error_document(code: &str, message: &str) -> String {
    let sender = if code == "InternalFailure" {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  \
         <Error>\n    <Type>{sender}</Type>\n    <Code>{code}</Code>\n    \
         <Message>{message}</Message>\n  </Error>\n  \
         <RequestId>0d3f6c1e-awsmfa-proxy</RequestId>\n</ErrorResponse>\n"
    )
}

fn respond(status: u16, body: &str) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Error",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A loopback port with nothing listening: connecting is refused at once.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}
