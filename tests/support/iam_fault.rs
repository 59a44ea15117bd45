//! A fault-injecting HTTP proxy in front of moto, for IAM and STS (both
//! speak the AWS query protocol: `Action=...` in a form body).
//!
//! Every request is forwarded unchanged, except those whose action was told
//! to fail: they get an AWS error response and never reach moto. The proxy
//! records each action with the access key that signed it, so a test can
//! check who signed what. One request per connection (`Connection: close`)
//! keeps it small; it stops when dropped.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request that went through: its action and signing key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub action: String,
    pub key_id: String,
    /// Whether the proxy answered with an injected error.
    pub failed: bool,
}

struct Rule {
    action: String,
    /// Fail this action from its `from_nth` occurrence (1-based) on.
    from_nth: usize,
}

/// Where a held call stops: before it reaches moto, or after moto has
/// answered but before the client hears the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldAt {
    Request,
    Response,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    counts: HashMap<String, usize>,
    seen: Vec<Seen>,
    /// Hold this action's nth call at this point, until the proxy drops.
    hold: Option<(String, usize, HoldAt)>,
    holding: bool,
    released: bool,
    /// Each answer moto gave, by action, for the test to read.
    answers: Vec<(String, String)>,
}

pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Start a proxy on loopback forwarding to `upstream` (`http://host:port`).
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("http:// upstream")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (state, upstream) = (state.clone(), upstream.clone());
                    std::thread::spawn(move || {
                        let _ = serve(conn, &upstream, &state);
                    });
                }
            })
        };
        FaultProxy {
            url,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// Answer `AccessDenied` to `action` from its `from_nth` call on.
    pub fn fail(&self, action: &str, from_nth: usize) {
        self.state.lock().unwrap().rules.push(Rule {
            action: action.to_string(),
            from_nth,
        });
    }

    /// Hold the `nth` call of `action` at `at` until the proxy is dropped
    /// (a test kills the client meanwhile). Bounded: a hold ends by itself
    /// after 60 s.
    pub fn hold(&self, action: &str, nth: usize, at: HoldAt) {
        self.state.lock().unwrap().hold = Some((action.to_string(), nth, at));
    }

    /// Let the held call go on.
    pub fn release(&self) {
        self.state.lock().unwrap().released = true;
    }

    /// Wait up to `limit` for the held call to arrive; whether it did.
    pub fn wait_held(&self, limit: Duration) -> bool {
        let end = std::time::Instant::now() + limit;
        while std::time::Instant::now() < end {
            if self.state.lock().unwrap().holding {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    /// The bodies moto answered `action` with, in order.
    pub fn answers(&self, action: &str) -> Vec<String> {
        let st = self.state.lock().unwrap();
        st.answers
            .iter()
            .filter(|(a, _)| a == action)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Everything that went through, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.state.lock().unwrap().released = true;
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut client: TcpStream, upstream: &str, state: &Mutex<State>) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let Some((head, body)) = read_request(&mut client)? else {
        return Ok(());
    };
    let action = action_of(&head, &body).unwrap_or_default();
    let key_id = signer_of(&head).unwrap_or_default();
    let (failed, hold) = {
        let mut st = state.lock().unwrap();
        let n = {
            let c = st.counts.entry(action.clone()).or_default();
            *c += 1;
            *c
        };
        let hold = match &st.hold {
            Some((a, nth, at)) if *a == action && *nth == n => Some(*at),
            _ => None,
        };
        let failed = st
            .rules
            .iter()
            .any(|r| r.action == action && n >= r.from_nth);
        st.seen.push(Seen {
            action: action.clone(),
            key_id,
            failed,
        });
        (failed, hold)
    };
    if hold == Some(HoldAt::Request) {
        wait_released(state);
    }
    if failed {
        let xml = format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>injected fault: {action} refused by the test proxy</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        );
        write!(
            client,
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
            xml.len()
        )?;
        return client.flush();
    }
    // Forward with `Connection: close`, so the answer ends at EOF.
    let mut up = TcpStream::connect(upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = Vec::with_capacity(head.len() + body.len());
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            request.extend_from_slice(line.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
    }
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(&body);
    up.write_all(&request)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    // The client must not reuse this connection either.
    let split = find(&response, b"\r\n\r\n").map_or(response.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut out = Vec::with_capacity(response.len() + 20);
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&response[split..]);
    state.lock().unwrap().answers.push((
        action,
        String::from_utf8_lossy(&response[split..]).into_owned(),
    ));
    if hold == Some(HoldAt::Response) {
        wait_released(state);
    }
    client.write_all(&out)?;
    client.flush()
}

fn wait_released(state: &Mutex<State>) {
    state.lock().unwrap().holding = true;
    let end = std::time::Instant::now() + Duration::from_secs(60);
    while !state.lock().unwrap().released && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The request head (up to the blank line, as text) and its body.
fn read_request(s: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[end..].to_vec();
    while body.len() < length {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some((head, body)))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `Action=...` from the form body or the query string.
fn action_of(head: &str, body: &[u8]) -> Option<String> {
    let query = head
        .split_whitespace()
        .nth(1)
        .and_then(|target| target.split_once('?'))
        .map(|(_, q)| q.to_string())
        .unwrap_or_default();
    let body = String::from_utf8_lossy(body);
    body.split('&')
        .chain(query.split('&'))
        .find_map(|pair| pair.strip_prefix("Action=").map(str::to_string))
}

/// The access key id from a SigV4 `Authorization: ... Credential=ID/...`.
fn signer_of(head: &str) -> Option<String> {
    let auth = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))?;
    let cred = auth.split("Credential=").nth(1)?;
    Some(cred.split('/').next()?.to_string())
}
