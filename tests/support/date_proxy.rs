//! A tiny HTTP proxy in front of moto that rewrites the `Date` header of
//! every answer, as if STS's clock were `offset` seconds ahead (negative:
//! behind) of this machine's. It is how `awsmfa doctor`'s clock check is
//! tested without touching the system clock.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, SystemTime};

pub struct DateProxy {
    pub url: String,
}

impl DateProxy {
    /// Forward to `upstream` (`http://127.0.0.1:PORT`) until the test
    /// process exits (the listener thread is detached).
    pub fn start(upstream: &str, offset: i64) -> DateProxy {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("http:// upstream")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let _ = relay(client, &upstream, offset);
                });
            }
        });
        DateProxy { url }
    }
}

/// One request, one answer, then close (`Connection: close` both ways).
fn relay(client: TcpStream, upstream: &str, offset: i64) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let (head, length) = read_head(&mut reader)?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;

    let mut server = TcpStream::connect(upstream)?;
    server.set_read_timeout(Some(Duration::from_secs(30)))?;
    server.write_all(&with_connection_close(&head))?;
    server.write_all(&body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;

    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |p| p + 4);
    let (head, rest) = answer.split_at(split);
    let date = shifted_now(offset);
    let mut out = String::new();
    for line in String::from_utf8_lossy(head).split("\r\n") {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("date:") || lower.starts_with("connection:") || line.is_empty() {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Date: {date}\r\nConnection: close\r\n\r\n"));
    let mut client = client;
    client.write_all(out.as_bytes())?;
    client.write_all(rest)?;
    client.flush()
}

/// The request line and headers (as sent), and the body length.
fn read_head(reader: &mut impl BufRead) -> std::io::Result<(String, usize)> {
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    Ok((head, length))
}

fn with_connection_close(head: &str) -> Vec<u8> {
    let mut out = String::new();
    for line in head.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("connection:") || line.is_empty() {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

fn shifted_now(offset: i64) -> String {
    let now = SystemTime::now();
    let shifted = if offset >= 0 {
        now + Duration::from_secs(offset as u64)
    } else {
        now - Duration::from_secs(offset.unsigned_abs())
    };
    httpdate::fmt_http_date(shifted)
}
