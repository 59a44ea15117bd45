//! A TLS front for a world's moto (tests/support/tls_proxy.py): its own CA,
//! unknown to the system, so only a client told about it gets through.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct TlsFront {
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// The PEM of the CA that signed the front's certificate.
    pub ca: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl TlsFront {
    /// In front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> TlsFront {
        let port = upstream.rsplit(':').next().expect("upstream has a port");
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(super::python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/tls_proxy.py"
            ))
            .arg(dir.path())
            .arg(port)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            panic!("tls_proxy.py did not start (printed {line:?}); it needs python3's cryptography, which moto brings")
        });
        TlsFront {
            url: format!("https://127.0.0.1:{port}"),
            ca: dir.path().join("ca.pem"),
            child,
            _dir: dir,
        }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
