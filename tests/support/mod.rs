//! Test harness: real moto servers on loopback, and an isolated world (HOME,
//! XDG dirs, AWS config files) per test. Nothing here installs anything:
//! `.ci/run` installs moto, the aws CLI and the shells beforehand.

#![allow(dead_code)]

pub mod bounded;
pub mod check;
pub mod moto;
pub mod proxy;
pub mod pty;
pub mod secrets;
pub mod signin;
pub mod term;
pub mod tls;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

pub use moto::Moto;

/// The awsmfa binary under test.
pub fn awsmfa_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_awsmfa"))
}

/// The project's own interpreter, `.venv/bin/python`, which
/// `scripts/setup.sh` makes with the distribution's python3: moto, the aws
/// CLI and boto3 live there, never in the system's site-packages (PEP 668).
pub fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
        assert!(
            venv.is_file(),
            "{} is missing: run `bash scripts/setup.sh` first",
            venv.display()
        );
        venv
    })
}

/// A minimal HTTP/1.1 request to a loopback server: (status, body).
pub fn http(method: &str, url: &str, body: &str) -> std::io::Result<(u16, String)> {
    let rest = url.strip_prefix("http://").expect("http:// url");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    exchange(
        host,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Send one raw HTTP/1.1 request to `host` and read the answer to the end:
/// (status, body).
pub fn exchange(host: &str, request: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(request.as_bytes())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// What `seed.py` created in moto.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Seeded {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub mfa_serial: String,
    pub roles: std::collections::BTreeMap<String, String>,
}

/// One test's isolated world: a temp dir holding HOME, XDG dirs and the AWS
/// files, plus (optionally) a moto server reserved for the test.
pub struct World {
    pub dir: tempfile::TempDir,
    pub moto: Option<Moto>,
    /// Extra environment for every command run in this world.
    pub env: Vec<(String, String)>,
}

impl World {
    /// A world with no AWS endpoint (for tests that must not reach one).
    pub fn offline() -> World {
        let dir = tempfile::Builder::new()
            .prefix("awsmfa-test")
            .tempdir()
            .unwrap();
        for sub in ["home", "config", "cache", "data", "state", "runtime"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                dir.path().join("runtime"),
                std::fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("config_file"), "").unwrap();
        std::fs::write(dir.path().join("credentials_file"), "").unwrap();
        World {
            dir,
            moto: None,
            env: Vec::new(),
        }
    }

    /// A world with its own (reset) moto server.
    pub fn new() -> World {
        let mut w = World::offline();
        w.moto = Some(Moto::acquire());
        w
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    pub fn endpoint(&self) -> String {
        self.moto.as_ref().expect("world has no moto").url.clone()
    }

    /// Create an IAM user `user` with a key, an MFA device and `roles`.
    pub fn seed(&self, user: &str, roles: &[&str]) -> Seeded {
        let out = Command::new(python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/support/seed.py"
            ))
            .args([self.endpoint().as_str(), user, &roles.join(",")])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "seed.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// A user `alice` with MFA and roles, written as profiles: `alice` (keys +
    /// mfa_serial) and one role profile per role, sourced from `alice`.
    pub fn standard(&self, roles: &[&str]) -> Seeded {
        let s = self.seed("alice", roles);
        self.write_credentials(&format!(
            "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            s.access_key_id, s.secret_access_key
        ));
        let mut config = format!("[profile alice]\nmfa_serial = {}\n", s.mfa_serial);
        for (name, arn) in &s.roles {
            config.push_str(&format!(
                "\n[profile {name}]\nrole_arn = {arn}\nsource_profile = alice\n"
            ));
        }
        self.write_config(&config);
        s
    }

    /// [`World::standard`], with alice's codes from a [`COUNTING_MFA`]
    /// `mfa_process` in this world's directory ([`codes_in`] counts them).
    pub fn standard_counting(&self, roles: &[&str]) -> Seeded {
        let s = self.standard(roles);
        std::fs::write(self.path("mfa.sh"), COUNTING_MFA).unwrap();
        // Through `sh`: a script this process just wrote may be busy
        // (ETXTBSY) while another test thread forks.
        let config = self.read("config_file").replacen(
            &format!("mfa_serial = {}\n", s.mfa_serial),
            &format!(
                "mfa_serial = {}\nmfa_process = sh {}\n",
                s.mfa_serial,
                self.path("mfa.sh").display()
            ),
            1,
        );
        self.write_config(&config);
        s
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.path("config_file"), text).unwrap();
    }

    pub fn write_credentials(&self, text: &str) {
        std::fs::write(self.path("credentials_file"), text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// The environment every process in this world starts from: nothing of
    /// the developer's (no real ~/.aws, no AWS_* variables) leaks in.
    pub fn base_env(&self) -> Vec<(String, String)> {
        let p = |rel: &str| self.path(rel).to_string_lossy().into_owned();
        let mut env = vec![
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ),
            ("HOME".into(), p("home")),
            ("XDG_CONFIG_HOME".into(), p("config")),
            ("XDG_CACHE_HOME".into(), p("cache")),
            ("XDG_DATA_HOME".into(), p("data")),
            ("XDG_STATE_HOME".into(), p("state")),
            ("XDG_RUNTIME_DIR".into(), p("runtime")),
            ("AWS_CONFIG_FILE".into(), p("config_file")),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), p("credentials_file")),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_DEFAULT_REGION".into(), "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWSMFA_TIMEOUT".into(), "10".into()),
            // Never the developer's real key store: the key goes to this
            // world's private runtime dir.
            ("AWSMFA_KEY_STORE".into(), "file".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        if let Some(m) = &self.moto {
            env.push(("AWS_ENDPOINT_URL".into(), m.url.clone()));
        }
        env.extend(self.env.iter().cloned());
        env
    }

    /// A command in this world, with a clean environment and no stdin.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .envs(self.base_env())
            .current_dir(self.home())
            .stdin(Stdio::null());
        c
    }

    pub fn awsmfa(&self, args: &[&str]) -> Command {
        let mut c = self.command(awsmfa_bin());
        c.args(args);
        c
    }

    /// The real aws CLI, run by the real interpreter (no shim).
    pub fn aws(&self, args: &[&str]) -> Command {
        let mut c = self.command(python());
        c.args(["-m", "awscli"]).args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.awsmfa(args).output().unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert success, showing stderr when it failed.
#[track_caller]
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "failed ({:?}): {}", o.status, stderr(o));
    stdout(o)
}

/// Start one of the Python servers in tests/support (`script`, with
/// `args`), which prints its port on its first line and serves until its
/// stdin closes: the child (keep its stdin open) and the port.
pub fn start_python_server(script: &str, args: &[&std::ffi::OsStr]) -> (std::process::Child, u16) {
    use std::io::BufRead;
    let mut child = Command::new(python())
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/support")
                .join(script),
        )
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{script} did not start (printed {line:?})"));
    (child, port)
}

/// Whether a program is on PATH (shells are installed by .ci/run).
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The one policy for a tool or capability a test needs: `present` says
/// whether it is here. Under `CI=true` its absence fails the test (CI
/// installs everything, so missing means broken); elsewhere it prints
/// `skipped: <test>: <why>` and returns false, and the test returns early.
#[track_caller]
pub fn require(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    // libtest names each test's thread after the test.
    let current = std::thread::current();
    let test = current.name().unwrap_or("?");
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {what} is missing; under CI=true that fails the test (scripts/setup.sh installs it)"
    );
    eprintln!("skipped: {test}: {what} is missing here");
    false
}

/// [`require`] for programs on PATH: true when every one is there.
#[track_caller]
pub fn require_tools(programs: &[&str]) -> bool {
    programs.iter().all(|p| require(p, have(p)))
}

/// Set `path`'s permission bits.
pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `path`'s permission bits (with setuid, setgid and sticky).
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Whether `program args` runs and succeeds here: the probe for a
/// capability (a namespace, a keyring) that [`require`] then judges.
pub fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Is `unshare -U -r` allowed here (a user namespace of our own, with its
/// own user keyring)?
pub fn can_unshare() -> bool {
    succeeds("unshare", &["-U", "-r", "true"])
}

/// Whether this process runs as root (needed to make files of other uids).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// An `mfa_process` script that counts its calls: one line per call in
/// `mfa.log` beside it; with `stall` present it records its pid and sleeps
/// (a prompt nobody answers); else it waits `mfa.delay` seconds (so
/// concurrent callers overlap) and prints a code that is new on every call
/// (the replay guard would refuse a repeated one), or `mfa.fixed`.
pub const COUNTING_MFA: &str = r#"dir=$(dirname "$0")
echo "$$" >>"$dir/mfa.log"
if [ -e "$dir/stall" ]; then
  echo "$$" >"$dir/stalled.pid"
  exec sleep 120
fi
[ -e "$dir/mfa.delay" ] && sleep "$(cat "$dir/mfa.delay")"
if [ -e "$dir/mfa.fixed" ]; then
  cat "$dir/mfa.fixed"
else
  printf '%06d\n' $((100000 + $(wc -l <"$dir/mfa.log")))
fi
"#;

/// How many codes the [`COUNTING_MFA`] script in `dir` gave so far.
pub fn codes_in(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("mfa.log"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// `aws sts get-caller-identity`, printing only the caller's ARN: what the
/// tests ask the real aws CLI to learn who a set of credentials is.
pub const CALLER_ARN: &[&str] = &[
    "sts",
    "get-caller-identity",
    "--query",
    "Arn",
    "--output",
    "text",
];

/// The ARN prefix `sts get-caller-identity` reports for a session of `role_arn`.
pub fn assumed(role_arn: &str) -> String {
    format!(
        "{}/",
        role_arn
            .replace(":iam::", ":sts::")
            .replace(":role/", ":assumed-role/")
    )
}
