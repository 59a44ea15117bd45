//! A TLS front for a world's moto (tests/support/tls_proxy.py): its own CA,
//! unknown to the system, so only a client told about it gets through.

use std::path::PathBuf;
use std::process::Child;

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
        // It needs python3's cryptography, which moto brings.
        let (child, port) = super::start_python_server(
            "tls_proxy.py",
            &[dir.path().as_os_str(), std::ffi::OsStr::new(port)],
        );
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
