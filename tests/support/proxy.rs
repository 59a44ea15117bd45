//! A fault-injecting HTTP proxy in front of moto, one per test.
//!
//! awsmfa is pointed at it with `AWS_ENDPOINT_URL`; each request it receives
//! takes the next action of the test's script (then `then`, forever), and is
//! recorded (method, path, headers, body) so tests can count attempts and
//! inspect what was signed. Every answer closes the connection, so one
//! connection carries one request and counting stays exact.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// Answer HTTP 200 with this XML document (an STS answer the test wrote).
    Answer(String),
    /// Answer what something other than AWS would: a captive portal's HTML
    /// page, another program's 404, a JSON API.
    Canned {
        status: u16,
        content_type: &'static str,
        body: &'static str,
    },
}

impl Action {
    /// AWS's answer to a wrong, reused or foreign MFA code.
    pub const MFA_REJECTED: Action = Action::StsError {
        status: 403,
        code: "AccessDenied",
        message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
    };
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

    /// The STS action (`GetSessionToken`, `AssumeRole`, ...).
    pub fn action(&self) -> String {
        self.param("Action").unwrap_or_default()
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

struct Shared {
    script: Mutex<VecDeque<Action>>,
    then: Action,
    seen: Mutex<Vec<Seen>>,
    stop: AtomicBool,
    upstream: Option<String>,
}

/// A running proxy; it stops when dropped.
pub struct Proxy {
    pub url: String,
    addr: std::net::SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Start a proxy: `script` actions in order, then `then` for every
    /// further request. `upstream` is moto's URL (needed for `Forward`).
    pub fn start(upstream: Option<&str>, script: Vec<Action>, then: Action) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into()),
            then,
            seen: Mutex::new(Vec::new()),
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
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
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

fn serve(conn: TcpStream, shared: &Shared) {
    // A safety net only: no test waits on this, the client's own timeout
    // ends a `Hang` long before.
    let _ = conn.set_read_timeout(Some(Duration::from_secs(120)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let Some((seen, head)) = read_request(&mut reader) else {
        return;
    };
    let body = seen.body.clone().into_bytes();
    shared.seen.lock().unwrap().push(seen.clone());
    let action = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| shared.then.clone());
    let mut conn = conn;
    match action {
        Action::Forward => {
            let upstream = shared
                .upstream
                .as_deref()
                .expect("Action::Forward needs an upstream");
            match forward(upstream, &head, &body) {
                Ok(answer) => {
                    let _ = conn.write_all(&answer);
                }
                Err(e) => {
                    let _ = respond(&mut conn, 502, &format!("proxy: upstream failed: {e}"));
                }
            }
        }
        Action::StsError {
            status,
            code,
            message,
        } => {
            let _ = respond(&mut conn, status, &error_document(code, message));
        }
        Action::ServerError => {
            let _ = respond(
                &mut conn,
                500,
                &error_document("InternalFailure", "An internal error occurred."),
            );
        }
        Action::Throttle => {
            let _ = respond(
                &mut conn,
                400,
                &error_document("Throttling", "Rate exceeded"),
            );
        }
        Action::Hang => {
            // Wait for the client to hang up (read returns 0 or fails).
            let mut buf = [0u8; 256];
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
        }
        Action::Close => {}
        Action::Answer(body) => {
            let _ = respond(&mut conn, 200, &body);
        }
        Action::Canned {
            status,
            content_type,
            body,
        } => {
            let _ = write!(
                conn,
                "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
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

fn respond(conn: &mut TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Error",
    };
    write!(
        conn,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    conn.flush()
}

/// A loopback port with nothing listening: connecting is refused at once.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}
