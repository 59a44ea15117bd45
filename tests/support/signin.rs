//! A stand-in for the console's federation endpoint (signin_standin.py), in
//! front of a world's moto: STS goes through it too, so it knows which role
//! credentials were chained, as AWS does.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

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
        let mut child = Command::new(super::python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/signin_standin.py"
            ))
            .arg(moto)
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("signin_standin.py did not start (printed {line:?})"));
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
