//! A stand-in for the console's federation endpoint (signin_standin.py), in
//! front of a world's moto: STS goes through it too, so it knows which role
//! credentials were chained, as AWS does.

use std::path::PathBuf;
use std::process::Child;

pub struct Standin {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// One line per getSigninToken and login: action, status, role.
    pub log: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Standin {
    /// In front of `moto` (`http://127.0.0.1:PORT`).
    pub fn start(moto: &str) -> Standin {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("signin.log");
        std::fs::write(&log, "").unwrap();
        let (child, port) = super::start_python_server(
            "signin_standin.py",
            &[std::ffi::OsStr::new(moto), log.as_os_str()],
        );
        Standin {
            url: format!("http://127.0.0.1:{port}"),
            log,
            child,
            _dir: dir,
        }
    }

    /// What it was asked so far, one line per call.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
