//! A pool of moto servers. Each test takes one (reset to empty state), and
//! gives it back when done, so tests run in parallel without sharing state.
//! A server dies with the test process: its stdin is a pipe from us, and a
//! watcher thread in Python exits when that pipe closes.

use std::process::{Child, Command, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

const MAX_SERVERS: usize = 4;

const LAUNCHER: &str = r#"
import os, sys, threading
def watch():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
"#;

struct Server {
    url: String,
    _child: Child,
}

struct Pool {
    free: Vec<Server>,
    started: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    free: Vec::new(),
    started: 0,
});
static RETURNED: Condvar = Condvar::new();

/// A reserved, freshly reset moto server.
pub struct Moto {
    pub url: String,
    server: Option<Server>,
    /// A server of its own (see [`Moto::dedicated`]): it dies with this
    /// value instead of going back to the pool.
    pooled: bool,
}

impl Moto {
    pub fn acquire() -> Moto {
        let server = {
            let mut pool = POOL.lock().unwrap();
            loop {
                if let Some(s) = pool.free.pop() {
                    break Some(s);
                }
                if pool.started < MAX_SERVERS {
                    pool.started += 1;
                    break None;
                }
                pool = RETURNED.wait(pool).unwrap();
            }
        };
        let server = match server {
            Some(s) => {
                let (status, _) =
                    super::http("POST", &format!("{}/moto-api/reset", s.url), "").unwrap();
                assert_eq!(status, 200, "moto reset failed");
                s
            }
            None => start(),
        };
        Moto {
            url: server.url.clone(),
            server: Some(server),
            pooled: true,
        }
    }

    /// A server outside the pool, for a test that changes how moto judges
    /// requests (see [`Moto::authenticate`]); nobody else ever gets it.
    pub fn dedicated() -> Moto {
        let server = start();
        Moto {
            url: server.url.clone(),
            server: Some(server),
            pooled: false,
        }
    }

    /// From now on, check every request's signature and the signer's IAM
    /// policies, as AWS does (moto's INITIAL_NO_AUTH_ACTION_COUNT = 0): seed
    /// first, then call this.
    pub fn authenticate(&self) {
        assert!(!self.pooled, "only a dedicated server may authenticate");
        // Not form-encoded: moto reads the raw body, which a form hides.
        let host = self.url.trim_start_matches("http://");
        let request = format!(
            "POST /moto-api/reset-auth HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\n0"
        );
        let (status, body) = super::exchange(host, &request).unwrap();
        assert_eq!(status, 200, "moto reset-auth failed: {body}");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            if !self.pooled {
                let _ = s._child.kill();
                let _ = s._child.wait();
                return;
            }
            POOL.lock().unwrap().free.push(s);
            RETURNED.notify_one();
        }
    }
}

fn start() -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(super::python())
        .args(["-c", LAUNCHER, &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto must be installed: run bash scripts/setup.sh");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok((200, _)) = super::http("GET", &format!("{url}/moto-api/"), "") {
            return Server { url, _child: child };
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("moto did not start on {url} within 60s");
}
