//! Reaching AWS exactly as the AWS CLI does: a table of config files,
//! credentials files and environments, each run through awsmfa and through
//! the real AWS CLI (botocore, from the project venv) against recording
//! endpoints and a recording proxy. Both must reach the same endpoint, the
//! same way (proxy or not), sign for the same region with the same key, or
//! both send nothing. The few differences by design are listed in the table
//! with their reason, and asserted to still be differences.

use crate::support::proxy::{Action, Proxy};
use crate::support::*;
use std::collections::BTreeSet;

/// One case. `{E1}`..`{E3}` are recording endpoints (`http://127.0.0.1:N`),
/// `{P}` the recording proxy, `{PHOST}` its `127.0.0.1:N` without scheme.
struct Case {
    name: &'static str,
    config: &'static str,
    credentials: &'static str,
    env: &'static [(&'static str, &'static str)],
    /// `--profile` for both (None: the environment selects).
    profile: Option<&'static str>,
    /// What awsmfa does: "direct E1 eu-west-1 AKID1", "proxy E1 ...",
    /// "proxy sts.eu-west-1.amazonaws.com:443" (a CONNECT: the rest is
    /// encrypted), "+token" when a session token is sent, or "none".
    want: &'static str,
    /// Why the AWS CLI does otherwise, when it is by design.
    by_design: Option<&'static str>,
}

const KEYS: &str = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s\n";

const CASES: &[Case] = &[
    // --- endpoints, and their precedence (botocore's configprovider) ---
    Case {
        name: "profile endpoint_url",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "AWS_ENDPOINT_URL beats the profile's endpoint_url",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("AWS_ENDPOINT_URL", "{E2}")],
        profile: None,
        want: "direct E2 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "AWS_ENDPOINT_URL_STS beats AWS_ENDPOINT_URL",
        config: "[default]\nregion = eu-west-1\n",
        credentials: KEYS,
        env: &[
            ("AWS_ENDPOINT_URL", "{E2}"),
            ("AWS_ENDPOINT_URL_STS", "{E3}"),
        ],
        profile: None,
        want: "direct E3 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "services section beats the profile's endpoint_url",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\nservices = local\n[services local]\nsts =\n  endpoint_url = {E2}\n",
        credentials: KEYS,
        env: &[],
        profile: None,
        want: "direct E2 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "AWS_ENDPOINT_URL beats the services section",
        config: "[default]\nregion = eu-west-1\nservices = local\n[services local]\nsts =\n  endpoint_url = {E2}\n",
        credentials: KEYS,
        env: &[("AWS_ENDPOINT_URL", "{E3}")],
        profile: None,
        want: "direct E3 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "a services section for IAM only leaves STS at the profile's endpoint_url",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\nservices = local\n[services local]\niam =\n  endpoint_url = {E2}\n",
        credentials: KEYS,
        env: &[],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "services naming a missing section",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\nservices = nowhere\n",
        credentials: KEYS,
        env: &[],
        profile: None,
        want: "none",
        by_design: None,
    },
    Case {
        name: "ignore_configured_endpoint_urls in the profile",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\nignore_configured_endpoint_urls = true\n",
        credentials: KEYS,
        env: &[("HTTPS_PROXY", "{P}")],
        profile: None,
        want: "proxy sts.eu-west-1.amazonaws.com:443",
        by_design: None,
    },
    Case {
        name: "ignore_configured_endpoint_urls in the profile ignores AWS_ENDPOINT_URL too",
        config: "[default]\nregion = eu-west-1\nignore_configured_endpoint_urls = true\n",
        credentials: KEYS,
        env: &[("HTTPS_PROXY", "{P}"), ("AWS_ENDPOINT_URL", "{E1}")],
        profile: None,
        want: "proxy sts.eu-west-1.amazonaws.com:443",
        by_design: None,
    },
    Case {
        name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[
            ("HTTPS_PROXY", "{P}"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
        ],
        profile: None,
        want: "proxy sts.eu-west-1.amazonaws.com:443",
        by_design: None,
    },
    Case {
        name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false beats the profile's true",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\nignore_configured_endpoint_urls = true\n",
        credentials: KEYS,
        env: &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "the selected profile's endpoint_url, not the source profile's",
        config: "[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = default\nendpoint_url = {E1}\n[default]\nendpoint_url = {E2}\n",
        credentials: KEYS,
        env: &[],
        profile: Some("dev"),
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    // --- region ---
    Case {
        name: "AWS_REGION beats the profile's region",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("AWS_REGION", "eu-central-1")],
        profile: None,
        want: "direct E1 eu-central-1 AKIDDEFAULT",
        by_design: Some(
            "awsmfa reads AWS_REGION before AWS_DEFAULT_REGION, as the AWS CLI v2 and every AWS SDK do; botocore (AWS CLI v1, boto3) reads AWS_DEFAULT_REGION only. awsmfa exports both, so what it starts agrees",
        ),
    },
    Case {
        name: "AWS_DEFAULT_REGION beats the profile's region",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("AWS_DEFAULT_REGION", "ap-south-1")],
        profile: None,
        want: "direct E1 ap-south-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "AWS_REGION beats AWS_DEFAULT_REGION",
        config: "[default]\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[
            ("AWS_REGION", "eu-north-1"),
            ("AWS_DEFAULT_REGION", "ap-south-1"),
        ],
        profile: None,
        want: "direct E1 eu-north-1 AKIDDEFAULT",
        by_design: Some(
            "awsmfa reads AWS_REGION before AWS_DEFAULT_REGION, as the AWS CLI v2 and every AWS SDK do; botocore (AWS CLI v1, boto3) reads AWS_DEFAULT_REGION only. awsmfa exports both, so what it starts agrees",
        ),
    },
    Case {
        name: "the region picks the default STS host",
        config: "[default]\nregion = sa-east-1\n",
        credentials: KEYS,
        env: &[("HTTPS_PROXY", "{P}")],
        profile: None,
        want: "proxy sts.sa-east-1.amazonaws.com:443",
        by_design: None,
    },
    Case {
        name: "no region anywhere",
        config: "[default]\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[],
        profile: None,
        want: "direct E1 us-east-1 AKIDDEFAULT",
        by_design: Some(
            "awsmfa never asks the instance metadata service: with no region it signs for us-east-1, STS's global default",
        ),
    },
    Case {
        name: "a region that is no host name label",
        config: "[default]\nregion = eu_west!1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[],
        profile: None,
        want: "none",
        by_design: None,
    },
    // --- which keys sign ---
    Case {
        name: "keys in the config file",
        config: "[profile cfg]\nregion = eu-west-1\nendpoint_url = {E1}\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n",
        credentials: "",
        env: &[],
        profile: Some("cfg"),
        want: "direct E1 eu-west-1 AKIDCONFIG",
        by_design: None,
    },
    Case {
        name: "the credentials file beats the config file",
        config: "[profile both]\nregion = eu-west-1\nendpoint_url = {E1}\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n",
        credentials: "[both]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = s\n",
        env: &[],
        profile: Some("both"),
        want: "direct E1 eu-west-1 AKIDCREDS",
        by_design: None,
    },
    Case {
        name: "AWS_PROFILE selects the profile",
        config: "[profile other]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n",
        env: &[("AWS_PROFILE", "other")],
        profile: None,
        want: "direct E1 eu-west-1 AKIDOTHER",
        by_design: None,
    },
    Case {
        name: "aws_session_token is sent",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: "[default]\naws_access_key_id = ASIATEMP\naws_secret_access_key = s\naws_session_token = t\n",
        env: &[],
        profile: None,
        want: "direct E1 eu-west-1 ASIATEMP+token",
        by_design: None,
    },
    Case {
        name: "aws_security_token, the legacy name of aws_session_token",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: "[default]\naws_access_key_id = ASIALEGACY\naws_secret_access_key = s\naws_security_token = t\n",
        env: &[],
        profile: None,
        want: "direct E1 eu-west-1 ASIALEGACY+token",
        by_design: None,
    },
    Case {
        name: "a role profile signs its first call with the source profile's keys",
        config: "[profile dev]\nregion = eu-west-1\nendpoint_url = {E1}\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = src\n",
        credentials: "[src]\naws_access_key_id = AKIDSOURCE\naws_secret_access_key = s\n",
        env: &[],
        profile: Some("dev"),
        want: "direct E1 eu-west-1 AKIDSOURCE",
        by_design: None,
    },
    Case {
        name: "a quoted profile name",
        config: "[profile \"quoted\"]\nregion = eu-west-1\nendpoint_url = {E1}\naws_access_key_id = AKIDQUOTED\naws_secret_access_key = s\n",
        credentials: "",
        env: &[],
        profile: Some("quoted"),
        want: "direct E1 eu-west-1 AKIDQUOTED",
        by_design: None,
    },
    Case {
        name: "a quoted profile name with a space",
        config: "[profile \"my profile\"]\nregion = eu-west-1\nendpoint_url = {E1}\naws_access_key_id = AKIDSPACE\naws_secret_access_key = s\n",
        credentials: "",
        env: &[],
        profile: Some("my profile"),
        want: "direct E1 eu-west-1 AKIDSPACE",
        by_design: None,
    },
    Case {
        name: "a profile that does not exist",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[],
        profile: Some("missing"),
        want: "none",
        by_design: None,
    },
    Case {
        name: "SSO",
        config: "[profile sso]\nregion = eu-west-1\nendpoint_url = {E1}\nsso_start_url = {E2}/start\nsso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = dev\n",
        credentials: "",
        env: &[],
        profile: Some("sso"),
        want: "none",
        by_design: Some(
            "SSO is refused with a pointer to `aws sso login`: awsmfa starts from an IAM user's keys (the AWS CLI looks for its SSO token and, without one, sends nothing either)",
        ),
    },
    Case {
        name: "credential_source = Environment",
        config: "[profile env]\nregion = eu-west-1\nendpoint_url = {E1}\nrole_arn = arn:aws:iam::123456789012:role/dev\ncredential_source = Environment\n",
        credentials: "",
        env: &[
            ("AWS_ACCESS_KEY_ID", "AKIDENVIRON"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ],
        profile: Some("env"),
        want: "none",
        by_design: Some(
            "credential_source is refused: awsmfa starts from an IAM user's keys in a profile",
        ),
    },
    // --- proxies (urllib's rules, as botocore uses them) ---
    Case {
        name: "HTTP_PROXY for a plain-HTTP endpoint, loopback included",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{P}")],
        profile: None,
        want: "proxy E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "NO_PROXY naming the host",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{P}"), ("NO_PROXY", "example.com,127.0.0.1")],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "lower-case http_proxy and no_proxy",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("http_proxy", "{P}"), ("no_proxy", "localhost")],
        profile: None,
        want: "proxy E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "lower-case no_proxy beats NO_PROXY",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[
            ("HTTP_PROXY", "{P}"),
            ("NO_PROXY", "127.0.0.1"),
            ("no_proxy", "localhost"),
        ],
        profile: None,
        want: "proxy E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "an empty lower-case http_proxy turns HTTP_PROXY off",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{P}"), ("http_proxy", "")],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "HTTPS_PROXY is not used for a plain-HTTP endpoint",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTPS_PROXY", "{P}")],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "NO_PROXY=*",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{P}"), ("NO_PROXY", "*")],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "NO_PROXY as a domain suffix (.0.0.1 matches 127.0.0.1)",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{P}"), ("NO_PROXY", ".0.0.1")],
        profile: None,
        want: "direct E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "NO_PROXY with a name that is only a string suffix",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{P}"), ("NO_PROXY", "27.0.0.1")],
        profile: None,
        want: "proxy E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "a proxy given without a scheme",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{PHOST}")],
        profile: None,
        want: "proxy E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
    Case {
        name: "NO_PROXY naming the default STS host",
        config: "[default]\nregion = eu-west-1\nendpoint_url = {E1}\n",
        credentials: KEYS,
        env: &[("HTTP_PROXY", "{P}"), ("NO_PROXY", "amazonaws.com")],
        profile: None,
        want: "proxy E1 eu-west-1 AKIDDEFAULT",
        by_design: None,
    },
];

/// The recorders of one run: three endpoints and a proxy, all answering
/// every request with an STS AccessDenied (so neither client goes further).
struct Recorders {
    endpoints: Vec<Proxy>,
    proxy: Proxy,
}

const REFUSE: Action = Action::StsError {
    status: 403,
    code: "AccessDenied",
    message: "recorded",
};

impl Recorders {
    fn start() -> Recorders {
        Recorders {
            endpoints: (0..3).map(|_| Proxy::start(None, vec![], REFUSE)).collect(),
            proxy: Proxy::start(None, vec![], REFUSE),
        }
    }

    fn fill(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (i, e) in self.endpoints.iter().enumerate() {
            out = out.replace(&format!("{{E{}}}", i + 1), &e.url);
        }
        out.replace("{PHOST}", self.proxy.url.trim_start_matches("http://"))
            .replace("{P}", &self.proxy.url)
    }

    /// The endpoint's name (`E1`..) for a URL or host:port.
    fn name(&self, target: &str) -> String {
        let target = target.trim_start_matches("http://").trim_end_matches('/');
        self.endpoints
            .iter()
            .position(|e| e.url.trim_start_matches("http://") == target)
            .map_or(target.to_string(), |i| format!("E{}", i + 1))
    }

    /// Everything seen, each request in the table's notation.
    fn seen(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (i, e) in self.endpoints.iter().enumerate() {
            for s in e.seen() {
                out.insert(format!("direct E{} {}", i + 1, signed(&s)));
            }
        }
        for s in self.proxy.seen() {
            if s.method == "CONNECT" {
                out.insert(format!("proxy {}", s.path));
            } else {
                out.insert(format!("proxy {} {}", self.name(&s.path), signed(&s)));
            }
        }
        out
    }
}

/// "REGION KEYID" (and "+token") from SigV4's Authorization header.
fn signed(s: &crate::support::proxy::Seen) -> String {
    let auth = s.header("authorization").unwrap_or("");
    let scope = auth
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split(',').next())
        .unwrap_or("");
    let parts: Vec<&str> = scope.split('/').collect();
    let (key, region) = (parts.first().unwrap_or(&""), parts.get(2).unwrap_or(&""));
    let token = if s.header("x-amz-security-token").is_some() {
        "+token"
    } else {
        ""
    };
    format!("{region} {key}{token}")
}

/// What one client did for `case`: the one request it sent (retries of it
/// count once), or "none".
fn observe(case: &Case, aws_cli: bool) -> String {
    let r = Recorders::start();
    let w = World::offline();
    w.write_config(&r.fill(case.config));
    w.write_credentials(&r.fill(case.credentials));
    let mut cmd = if aws_cli {
        let mut c = w.aws(&["sts", "get-caller-identity"]);
        // One attempt, no metadata service: a refusal ends the run at once.
        c.env("AWS_MAX_ATTEMPTS", "1")
            .env("AWS_RETRY_MODE", "standard");
        c
    } else {
        w.awsmfa(&["env"])
    };
    if let Some(p) = case.profile {
        if aws_cli {
            cmd.args(["--profile", p]);
        } else {
            cmd.arg(p);
        }
    }
    // The world pins a region; these cases are about where it comes from.
    cmd.env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    for (k, v) in case.env {
        cmd.env(k, r.fill(v));
    }
    let out = bounded::output_within(&mut cmd, std::time::Duration::from_secs(60));
    assert!(
        !out.status.success(),
        "{}: every recorder refuses, yet it succeeded",
        case.name
    );
    let seen = r.seen();
    match seen.len() {
        0 => "none".to_string(),
        1 => seen.into_iter().next().unwrap(),
        _ => panic!("{}: more than one destination: {seen:?}", case.name),
    }
}

#[test]
fn awsmfa_reaches_aws_as_the_aws_cli_does() {
    assert!(CASES.len() >= 30, "{} cases", CASES.len());
    let mut failures = Vec::new();
    std::thread::scope(|scope| {
        let runs: Vec<_> = CASES
            .chunks(CASES.len().div_ceil(3))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|case| (case, observe(case, false), observe(case, true)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for run in runs {
            for (case, ours, theirs) in run.join().unwrap() {
                let ok = ours == case.want && (case.by_design.is_some() || theirs == ours);
                if !ok {
                    failures.push(format!(
                        "{}: want {:?}, awsmfa {ours:?}, aws CLI {theirs:?}{}",
                        case.name,
                        case.want,
                        case.by_design
                            .map_or(String::new(), |why| format!(" (differs by design: {why})"))
                    ));
                }
            }
        }
    });
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A real forward proxy (Debian's tinyproxy) on a free loopback port,
/// logging every request; it stops with the test.
struct Tinyproxy {
    url: String,
    log: std::path::PathBuf,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Tinyproxy {
    fn start() -> Option<Tinyproxy> {
        if !require_tools(&["tinyproxy"]) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.path().join("requests.log");
        let conf = dir.path().join("tinyproxy.conf");
        // No ConnectPort line: CONNECT to any port (the TLS front's).
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nLogFile \"{}\"\nLogLevel Connect\nMaxClients 20\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
                log.display()
            ),
        )
        .unwrap();
        let child = std::process::Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "tinyproxy did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Some(Tinyproxy {
            url: format!("http://127.0.0.1:{port}"),
            log,
            child,
            _dir: dir,
        })
    }

    /// The requests it has logged for `target` (a URL or host:port).
    fn requests_for(&self, target: &str) -> usize {
        let target = target
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("Request (") && l.contains(target))
            .count()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `run` went through `proxy` to `target`: awsmfa and then the AWS
/// CLI, in the same environment, must both go through it or both not.
fn through_proxy_as_the_aws_cli(
    w: &World,
    proxy: &Tinyproxy,
    target: &str,
    env: &[(&str, &str)],
    role: &str,
) -> bool {
    let before = proxy.requests_for(target);
    // No cache: every run must ask STS, as the AWS CLI does.
    let mut ours = w.awsmfa(&["env", "dev", "--no-cache", "--token-code", "123456"]);
    ours.envs(env.iter().copied());
    let exported = ok(&ours.output().unwrap());
    let ours_went = proxy.requests_for(target) > before;
    let before = proxy.requests_for(target);
    let script = format!(
        "{exported}\nexec \"$0\" -m awscli sts get-caller-identity --query Arn --output text"
    );
    let mut theirs = w.command("bash");
    theirs
        .args(["--norc", "-e", "-u", "-c", &script])
        .arg(python())
        .envs(env.iter().copied());
    let arn = ok(&theirs.output().unwrap());
    assert!(arn.trim().starts_with(role), "{arn}");
    let theirs_went = proxy.requests_for(target) > before;
    assert_eq!(
        ours_went, theirs_went,
        "{env:?}: awsmfa through the proxy: {ours_went}, the AWS CLI: {theirs_went}"
    );
    ours_went
}

#[test]
fn plain_http_goes_through_a_real_proxy_exactly_when_the_aws_clis_does() {
    let Some(proxy) = Tinyproxy::start() else {
        return;
    };
    let w = World::new();
    let s = w.standard(&["dev"]);
    let role = assumed(&s.roles["dev"]);
    let moto = w.endpoint();
    let p = proxy.url.as_str();
    assert!(!through_proxy_as_the_aws_cli(&w, &proxy, &moto, &[], &role));
    // botocore does not exempt loopback: the proxy sees 127.0.0.1.
    assert!(through_proxy_as_the_aws_cli(
        &w,
        &proxy,
        &moto,
        &[("HTTP_PROXY", p)],
        &role
    ));
    assert!(through_proxy_as_the_aws_cli(
        &w,
        &proxy,
        &moto,
        &[("http_proxy", p)],
        &role
    ));
    for no in ["127.0.0.1", "localhost,127.0.0.1", "*"] {
        let env = [("HTTP_PROXY", p), ("NO_PROXY", no)];
        assert!(
            !through_proxy_as_the_aws_cli(&w, &proxy, &moto, &env, &role),
            "{no}"
        );
    }
    // HTTPS_PROXY is for https:// endpoints only.
    assert!(!through_proxy_as_the_aws_cli(
        &w,
        &proxy,
        &moto,
        &[("HTTPS_PROXY", p)],
        &role
    ));
}

#[test]
fn https_is_tunnelled_through_a_real_proxy_exactly_when_the_aws_clis_is() {
    let Some(proxy) = Tinyproxy::start() else {
        return;
    };
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    let role = assumed(&s.roles["dev"]);
    let front = crate::support::tls::TlsFront::start(&w.endpoint());
    w.env.push(("AWS_ENDPOINT_URL".into(), front.url.clone()));
    w.env
        .push(("AWS_CA_BUNDLE".into(), front.ca.to_string_lossy().into()));
    let p = proxy.url.as_str();
    let at = front.url.as_str();
    assert!(!through_proxy_as_the_aws_cli(&w, &proxy, at, &[], &role));
    assert!(through_proxy_as_the_aws_cli(
        &w,
        &proxy,
        at,
        &[("HTTPS_PROXY", p)],
        &role
    ));
    let log = std::fs::read_to_string(&proxy.log).unwrap();
    assert!(
        log.contains(&format!("CONNECT {}", at.trim_start_matches("https://"))),
        "a tunnel, not a forwarded request: {log}"
    );
    let env = [("HTTPS_PROXY", p), ("no_proxy", "127.0.0.1")];
    assert!(!through_proxy_as_the_aws_cli(&w, &proxy, at, &env, &role));
    // HTTP_PROXY is for http:// endpoints only.
    assert!(!through_proxy_as_the_aws_cli(
        &w,
        &proxy,
        at,
        &[("HTTP_PROXY", p)],
        &role
    ));
}

// ------------------------------------------------------------- errors

/// A world whose moto checks signatures and IAM policies, as AWS does;
/// `alice` has keys and no policy at all, `dev` is a role she may not
/// assume (no MFA anywhere, so each call is signed with her keys).
fn authenticating_world() -> (World, Seeded) {
    let mut w = World::offline();
    w.moto = Some(Moto::dedicated());
    let s = w.seed("alice", &["dev"]);
    w.moto.as_ref().unwrap().authenticate();
    w.write_credentials(&format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    ));
    w.write_config(&format!(
        "[profile dev]\nrole_arn = {}\nsource_profile = alice\n",
        s.roles["dev"]
    ));
    (w, s)
}

/// What the AWS CLI says for the same call: its "An error occurred (CODE)
/// when calling the OP operation: MESSAGE" line, as (CODE, MESSAGE).
fn aws_cli_error(w: &World, args: &[&str]) -> (String, String) {
    let out = w.aws(args).env("AWS_MAX_ATTEMPTS", "1").output().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    let code = err
        .split("An error occurred (")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("no error code from the AWS CLI: {err}"));
    let message = err.split("operation: ").nth(1).unwrap_or("").trim();
    (code.to_string(), message.to_string())
}

#[test]
fn a_wrong_secret_key_is_told_in_aws_own_words_by_every_command() {
    let (w, s) = authenticating_world();
    w.write_credentials(&format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = wrong{}\n",
        s.access_key_id, s.secret_access_key
    ));
    let (code, message) = aws_cli_error(&w, &["sts", "get-caller-identity", "--profile", "alice"]);
    assert_eq!(code, "SignatureDoesNotMatch");
    assert!(!message.is_empty());
    for args in [
        &["env", "alice", "--no-cache"][..],
        &["env", "dev", "--no-cache"],
        &["process", "alice"],
        &["setup", "alice", "--serial", &s.mfa_serial],
        &["rotate", "alice"],
    ] {
        let err = crate::support::check::fails(&w.run(args), 5);
        assert!(
            err.contains("SignatureDoesNotMatch") && err.contains(&message),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("aws_secret_access_key"),
            "the next step: {err}"
        );
    }
}

#[test]
fn a_denied_assume_role_keeps_aws_message() {
    let (w, _) = authenticating_world();
    let (code, message) = aws_cli_error(&w, &["sts", "get-caller-identity", "--profile", "dev"]);
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("sts:AssumeRole"), "{message}");
    let err = crate::support::check::fails(&w.run(&["env", "dev", "--no-cache"]), 5);
    assert!(
        err.contains("AccessDenied") && err.contains(&message),
        "{err}"
    );
    assert!(err.contains("trust policy"), "the next step: {err}");
}

#[test]
fn an_mfa_code_rejected_by_aws_exits_4_from_every_command() {
    let w = World::new();
    let s = w.standard(&["dev"]);
    for (args, script) in [
        (
            &["env", "dev", "--no-cache", "--token-code", "123456"][..],
            vec![],
        ),
        (&["process", "dev", "--token-code", "123456"], vec![]),
        (&["login", "alice", "--token-code", "123456"], vec![]),
        // GetCallerIdentity first, then the MFA session.
        (
            &["rotate", "alice", "--token-code", "123456"],
            vec![Action::Forward],
        ),
    ] {
        let proxy = Proxy::start(Some(&w.endpoint()), script, Action::MFA_REJECTED);
        let out = w
            .awsmfa(args)
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .output()
            .unwrap();
        let err = crate::support::check::fails(&out, 4);
        assert!(err.contains(&s.mfa_serial), "{args:?}: {err}");
    }
}

/// What answers on an STS endpoint when it is not STS.
const NOT_STS: &[(Action, &str)] = &[
    (
        Action::Canned {
            status: 200,
            content_type: "text/html",
            body: "<!DOCTYPE html><html><body>Sign in to the hotel Wi-Fi</body></html>",
        },
        "HTTP 200, an HTML page",
    ),
    (
        Action::Canned {
            status: 302,
            content_type: "text/html",
            body: "<html><a href=\"http://portal.example/\">moved</a></html>",
        },
        "HTTP 302, an HTML page",
    ),
    (
        Action::Canned {
            status: 404,
            content_type: "text/plain",
            body: "404 page not found\n",
        },
        "HTTP 404",
    ),
    (
        Action::Canned {
            status: 403,
            content_type: "application/json",
            body: "{\"error\":\"forbidden\"}",
        },
        "HTTP 403",
    ),
    (
        Action::Canned {
            status: 200,
            content_type: "text/xml",
            body: "",
        },
        "HTTP 200, an empty body",
    ),
];

#[test]
fn an_answer_that_is_not_from_sts_says_so_with_the_endpoint_and_status() {
    let w = World::new();
    w.standard(&["dev"]);
    for (answer, what) in NOT_STS {
        let proxy = Proxy::start(None, vec![], answer.clone());
        for args in [
            &["env", "dev", "--no-cache", "--token-code", "123456"][..],
            &["setup", "alice"],
        ] {
            let out = w
                .awsmfa(args)
                .env("AWS_ENDPOINT_URL", &proxy.url)
                .output()
                .unwrap();
            let err = crate::support::check::fails(&out, 6);
            assert!(
                err.contains("not from STS") && err.contains(&proxy.url) && err.contains(what),
                "{args:?} {what}: {err}"
            );
        }
    }
}

#[test]
fn doctor_says_in_words_that_aws_rejects_the_keys_and_fails() {
    let (w, s) = authenticating_world();
    w.write_credentials(&format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = wrong\n",
        s.access_key_id
    ));
    let out = w.run(&["doctor", "alice"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(9), "{text}");
    let keys = text
        .lines()
        .find(|l| l.contains(" keys:"))
        .unwrap_or_else(|| panic!("no keys line: {text}"));
    assert!(keys.contains("SignatureDoesNotMatch"), "{keys}");
    assert!(
        !text.contains("Denied {") && !text.contains("BadCredentials {"),
        "{text}"
    );
}

// ------------------------------------------------ exec --server, [default]

/// The layout the AWS docs teach: the long-term keys in `[default]` of
/// `~/.aws/credentials`, the role profile sourced from it. A command run
/// under `exec --server` must get the role through the endpoint, yet the
/// SDKs read `[default]`'s keys before the container endpoint. The fix
/// (src/cmd/exec.rs, owned elsewhere): give the child
/// `AWS_SHARED_CREDENTIALS_FILE` naming an empty private file, and
/// `AWS_CONFIG_FILE` a copy without credentials, so the endpoint is the
/// first source that answers.
#[test]
fn exec_server_serves_the_role_when_the_keys_are_in_default() {
    let w = World::new();
    let s = w.seed("alice", &["dev"]);
    w.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    ));
    w.write_config(&format!(
        "[default]\nmfa_serial = {}\n\n[profile dev]\nrole_arn = {}\nsource_profile = default\n",
        s.mfa_serial, s.roles["dev"]
    ));
    let script = "import boto3\nprint(boto3.client('sts').get_caller_identity()['Arn'])";
    for child in [
        [&["-m", "awscli"][..], CALLER_ARN].concat(),
        vec!["-c", script],
    ] {
        let out = bounded::output_within(
            w.awsmfa(&[
                "exec",
                "--server",
                "dev",
                "--no-cache",
                "--token-code",
                "123456",
                "--",
            ])
            .arg(python())
            .args(&child),
            std::time::Duration::from_secs(60),
        );
        let arn = ok(&out);
        assert!(
            arn.trim().starts_with(&assumed(&s.roles["dev"])),
            "{child:?} signed as {arn} (the long-term keys of [default]), not as the role"
        );
        assert!(
            !stderr(&out).contains("rename that profile"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn setup_reaches_iam_through_the_proxy_as_the_aws_cli_does() {
    let w = World::new();
    let s = w.standard(&[]);
    let proxy = Proxy::start(Some(&w.endpoint()), vec![], Action::Forward);
    let out = w
        .awsmfa(&["setup", "alice", "--serial", &s.mfa_serial])
        .env("HTTP_PROXY", &proxy.url)
        .output()
        .unwrap();
    ok(&out);
    let ours: Vec<String> = proxy.seen().iter().map(|r| r.action()).collect();
    assert!(
        ours.contains(&"GetCallerIdentity".to_string())
            && ours.contains(&"ListMFADevices".to_string()),
        "STS and IAM both through the proxy: {ours:?}"
    );
    let before = proxy.count();
    let cli = w
        .aws(&[
            "iam",
            "list-mfa-devices",
            "--user-name",
            "alice",
            "--profile",
            "alice",
        ])
        .env("HTTP_PROXY", &proxy.url)
        .output()
        .unwrap();
    ok(&cli);
    assert!(
        proxy.count() > before,
        "the AWS CLI's IAM call went through it too"
    );
    // NO_PROXY: neither goes through it.
    let before = proxy.count();
    let out = w
        .awsmfa(&["setup", "alice", "--serial", &s.mfa_serial])
        .env("HTTP_PROXY", &proxy.url)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    ok(&out);
    assert_eq!(proxy.count(), before);
}
