//! `awsmfa console` (issue 24) end to end: moto for STS, a stand-in for the
//! federation endpoint in front of it (tests/support/signin_standin.py), and
//! Debian's chromium, headless, opened through `$BROWSER`, following the URL
//! to the stand-in's page that names the role signed in.

use crate::support::signin::Standin;
use crate::support::*;
use std::process::Output;

/// A world with `alice` (keys, MFA through a counting `mfa_process`), roles
/// `prod` and `dev`, `ops` assumed from `prod` (a chain of two), STS and the
/// sign-in endpoint both at the stand-in, and `$BROWSER` the headless
/// chromium wrapper.
struct Fixture {
    w: World,
    s: Seeded,
    standin: Standin,
}

/// Chromium as a user's `$BROWSER` gets the URL: one argument. It writes
/// the page it ends on to `page.html` and its argument count to `argc`.
const BROWSER: &str = r#"#!/bin/sh
dir=$(dirname "$0")
printf '%s\n' "$#" >"$dir/argc"
exec chromium --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$dir/chrome" --dump-dom "$1" >"$dir/page.html" 2>/dev/null
"#;

impl Fixture {
    /// None when chromium is missing outside CI (see `require_tools`).
    fn new() -> Option<Fixture> {
        if !require_tools(&["chromium"]) {
            return None;
        }
        let mut w = World::new();
        let s = w.standard_counting(&["prod", "dev"]);
        std::fs::write(w.path("browser.sh"), BROWSER).unwrap();
        chmod(&w.path("browser.sh"), 0o755);
        let config = w.read("config_file");
        w.write_config(&format!(
            "{config}\n[profile ops]\nrole_arn = {}\nsource_profile = prod\n",
            s.roles["dev"]
        ));
        let standin = Standin::start(&w.endpoint());
        w.env.extend([
            ("AWS_ENDPOINT_URL_STS".to_string(), standin.url.clone()),
            ("AWS_ENDPOINT_URL_SIGNIN".to_string(), standin.url.clone()),
            (
                "BROWSER".to_string(),
                w.path("browser.sh").to_string_lossy().into_owned(),
            ),
        ]);
        Some(Fixture { w, s, standin })
    }

    fn run(&self, args: &[&str]) -> Output {
        self.w.run(args)
    }

    /// The page chromium ended on (and forget it, for the next opening).
    fn page(&self) -> String {
        let path = self.w.path("page.html");
        let page = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(path);
        page
    }

    fn codes(&self) -> usize {
        codes_in(self.w.dir.path())
    }

    fn role(&self, name: &str) -> String {
        assumed(&self.s.roles[name])
    }
}

/// stderr says until when, and holds nothing of a sign-in URL.
#[track_caller]
fn assert_says_until_without_url(o: &Output) {
    let err = stderr(o);
    let until = err
        .split("until ")
        .nth(1)
        .unwrap_or_else(|| panic!("no `until` in {err}"));
    let hhmm = until.trim_start_matches("tomorrow ");
    assert!(
        hhmm.len() >= 5
            && hhmm.as_bytes()[2] == b':'
            && hhmm[..2]
                .bytes()
                .chain(hhmm[3..5].bytes())
                .all(|b| b.is_ascii_digit()),
        "{err}"
    );
    for part in ["SigninToken", "federation", "Action=", "http"] {
        assert!(!err.contains(part), "{part} on stderr: {err}");
    }
}

/// A role by name, then another, in a real browser, with one MFA code; the
/// stand-in saw live role credentials each time. The URL never reaches
/// stderr, and the browser got it as one argument.
#[test]
fn a_role_opens_in_a_real_browser_and_another_needs_no_second_code() {
    let Some(f) = Fixture::new() else { return };
    for name in ["prod", "dev"] {
        let o = f.run(&["console", name]);
        assert!(ok(&o).is_empty(), "stdout: {}", stdout(&o));
        assert_says_until_without_url(&o);
        assert!(
            stderr(&o).contains(&format!("console for {name} (us-east-1)")),
            "{}",
            stderr(&o)
        );
        let page = f.page();
        assert!(
            page.contains(&format!("signed in as {}", f.role(name))),
            "{page}"
        );
        assert!(page.contains("issuer awsmfa"), "{page}");
        assert!(
            page.contains(
                "to https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1"
            ),
            "{page}"
        );
        assert_eq!(f.w.read("argc").trim(), "1");
    }
    assert_eq!(f.codes(), 1, "{:?}", f.standin.calls());
    let calls = f.standin.calls();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("AssumeRole")).count(),
        2,
        "{calls:?}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("getSigninToken 200"))
            .count(),
        2,
        "{calls:?}"
    );
}

/// No profile named: the shell's own (`AWSMFA_PROFILE`, as the hook and
/// `awsmfa use` leave it), in the region and on the service asked for.
#[test]
fn the_shells_own_profile_opens_in_its_region_on_a_service() {
    let Some(f) = Fixture::new() else { return };
    let o =
        f.w.awsmfa(&["console", "--region", "eu-west-1", "-d", "s3"])
            .env("AWSMFA_PROFILE", "dev")
            .env("AWS_PROFILE", "prod")
            .output()
            .unwrap();
    ok(&o);
    let page = f.page();
    assert!(
        page.contains(&format!("signed in as {}", f.role("dev"))),
        "{page}"
    );
    assert!(
        page.contains("to https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"),
        "{page}"
    );
    // A path, in another partition (the region picks it; STS there too).
    let o =
        f.w.awsmfa(&[
            "console",
            "prod",
            "--region",
            "cn-north-1",
            "-d",
            "/cloudwatch/home#alarms:",
        ])
        .output()
        .unwrap();
    ok(&o);
    let page = f.page();
    assert!(
        page.contains("to https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarms:"),
        "{page}"
    );
    assert!(page.contains("signed in as arn:aws-cn:sts::"), "{page}");
    assert_eq!(f.codes(), 1);
}

/// Longer than 1h: the role is assumed straight from the key with a new
/// code, and SessionDuration goes with it (the stand-in refuses it for
/// chained credentials, as AWS does). A chain of two roles is refused
/// before any code is asked.
#[test]
fn a_longer_session_assumes_the_role_with_a_new_code() {
    let Some(f) = Fixture::new() else { return };
    ok(&f.run(&["console", "prod"]));
    assert_eq!(f.codes(), 1);
    let o = f.run(&["console", "prod", "--duration", "8h"]);
    ok(&o);
    assert_says_until_without_url(&o);
    let page = f.page();
    assert!(
        page.contains(&format!("signed in as {}", f.role("prod"))),
        "{page}"
    );
    assert!(page.contains("session 28800"), "{page}");
    assert_eq!(f.codes(), 2, "{:?}", f.standin.calls());
    let o = f.run(&["console", "ops", "--duration", "2h"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("caps at 1h"), "{}", stderr(&o));
    assert_eq!(f.codes(), 2);
    assert!(
        !f.standin.calls().iter().any(|c| c.contains(" 400 ")),
        "{:?}",
        f.standin.calls()
    );
}

/// The IAM user itself: refused with why (GetFederationToken drops MFA) and
/// the role profiles to open instead; no code asked, no sign-in tried.
#[test]
fn the_iam_user_is_refused_with_why_and_what_instead() {
    let Some(f) = Fixture::new() else { return };
    let o = f.run(&["console", "alice"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    for part in [
        "GetFederationToken",
        "MFA",
        "instead: awsmfa console ",
        "prod",
        "dev",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    assert_eq!(f.codes(), 0);
    assert!(f.standin.calls().is_empty());
    assert!(f.page().is_empty());
}

/// `--print` gives the URL on stdout only, and it works in a browser
/// opened by hand; `--sign-out` goes through the logout first. The sign-in
/// endpoint here comes from the profile's `services` section.
#[test]
fn print_gives_the_url_on_stdout_only_and_sign_out_goes_first() {
    let Some(f) = Fixture::new() else { return };
    let config =
        f.w.read("config_file")
            .replace("[profile prod]\n", "[profile prod]\nservices = here\n");
    f.w.write_config(&format!(
        "{config}\n[services here]\nsignin =\n  endpoint_url = {}\n",
        f.standin.url
    ));
    let o =
        f.w.awsmfa(&["console", "prod", "--print", "--sign-out"])
            // AWS_ENDPOINT_URL (moto, for every service) would come first.
            .env_remove("AWS_ENDPOINT_URL_SIGNIN")
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .unwrap();
    let url = ok(&o);
    assert_says_until_without_url(&o);
    let url = url.trim();
    assert!(
        url.starts_with(&format!(
            "{}/oauth?Action=logout&redirect_uri=",
            f.standin.url
        )),
        "{url}"
    );
    assert!(f.page().is_empty(), "--print opened a browser");
    let browser =
        f.w.command("sh")
            .arg(f.w.path("browser.sh"))
            .arg(url)
            .output()
            .unwrap();
    assert!(browser.status.success());
    let page = f.page();
    assert!(
        page.contains(&format!("signed in as {}", f.role("prod"))),
        "{page}"
    );
    assert!(page.contains("logged out first: True"), "{page}");
}

/// Attack: a profile name that reads as a browser option, a `$BROWSER`
/// placeholder and separator, and a path (all characters the AWS config
/// allows in a name). It reaches neither a shell nor the browser's argv;
/// config.toml's template refuses to put it into a command. A name with an
/// escape sequence (which no config can hold) is shown escaped.
#[test]
fn a_hostile_profile_name_is_never_run_nor_shown_raw() {
    let Some(f) = Fixture::new() else { return };
    let evil = "-P/../../%s:x@y+z";
    let config = f.w.read("config_file");
    f.w.write_config(&format!(
        "{config}\n[profile {evil}]\nrole_arn = {}\nsource_profile = alice\n",
        f.s.roles["dev"]
    ));
    let o = f.run(&["console", "--", evil]);
    ok(&o);
    assert!(
        stderr(&o).contains(&format!("console for {evil} ")),
        "{}",
        stderr(&o)
    );
    assert_eq!(f.w.read("argc").trim(), "1");
    assert!(
        f.page()
            .contains(&format!("signed in as {}", f.role("dev")))
    );
    std::fs::create_dir_all(f.w.path("config/awsmfa")).unwrap();
    std::fs::write(
        f.w.path("config/awsmfa/config.toml"),
        format!(
            "browser = \"sh {} {{url}} {{profile}}\"\n",
            f.w.path("browser.sh").display()
        ),
    )
    .unwrap();
    let o = f.run(&["console", "--", evil]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot go into config.toml's browser"),
        "{}",
        stderr(&o)
    );
    assert!(f.page().is_empty());
    let o = f.run(&["console", "prod"]);
    ok(&o);
    assert_eq!(f.w.read("argc").trim(), "2", "the template's two words");
    assert!(
        f.page()
            .contains(&format!("signed in as {}", f.role("prod")))
    );
    let o = f.run(&["console", "x$(touch pwned)\u{1b}[2J"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(!stderr(&o).contains('\u{1b}'), "{:?}", stderr(&o));
    assert!(!f.w.path("home/pwned").exists());
    assert_eq!(f.codes(), 1);
}

/// With the defaults a user has: no AWSMFA_KEY_STORE (the real keyutils,
/// in a user namespace of its own so nothing reaches the developer's
/// keyrings), no timeout override, `[default]` holding the keys, the
/// platform's opener replaced only by `$BROWSER`. Two consoles, one code.
#[test]
fn with_the_defaults_two_consoles_take_one_code() {
    let Some(f) = Fixture::new() else { return };
    if !require_tools(&["keyctl", "unshare"])
        || !require("unshare (a user namespace)", can_unshare())
        || !require(
            "a kernel that allows keyctl",
            succeeds("keyctl", &["session", "-", "true"]),
        )
    {
        return;
    }
    let creds = f.w.read("credentials_file").replace("[alice]", "[default]");
    f.w.write_credentials(&creds);
    let config =
        f.w.read("config_file")
            .replace("[profile alice]", "[default]")
            .replace("source_profile = alice", "source_profile = default");
    f.w.write_config(&config);
    let script = r#"set -eu
"$1" console prod 2>"$2/prod.err"; cp "$2/page.html" "$2/prod.html"
"$1" console dev 2>"$2/dev.err"
"$1" logout 2>/dev/null
"#;
    let o =
        f.w.command("unshare")
            .args(["-U", "-r", "sh", "-c", script, "console-defaults"])
            .arg(awsmfa_bin())
            .arg(f.w.dir.path())
            .env_remove("AWSMFA_KEY_STORE")
            .env_remove("AWSMFA_TIMEOUT")
            .output()
            .unwrap();
    assert!(
        o.status.success(),
        "{}{}{}",
        stderr(&o),
        f.w.read("prod.err"),
        std::fs::read_to_string(f.w.path("dev.err")).unwrap_or_default()
    );
    assert!(
        f.w.read("prod.html")
            .contains(&format!("signed in as {}", f.role("prod")))
    );
    assert!(
        f.page()
            .contains(&format!("signed in as {}", f.role("dev")))
    );
    assert!(f.w.read("dev.err").contains("console for dev"));
    assert_eq!(f.codes(), 1, "{}", f.w.read("dev.err"));
}

/// Attack: whatever answers at the sign-in endpoint (a captive portal, a
/// token no URL can carry, a 404, a 500, silence, a body without end) ends in one line that
/// says what it was, exit 6, nothing of its body quoted, no browser opened.
#[test]
fn hostile_sign_in_answers_end_in_one_line_and_no_browser() {
    use crate::support::proxy::{Action, Proxy};
    let Some(f) = Fixture::new() else { return };
    let canned = |status, content_type, body| Action::Canned {
        status,
        content_type,
        body,
    };
    for (action, says) in [
        (
            canned(200, "text/html", "<html>SigninToken ASIAPORTAL</html>"),
            "not from the console sign-in (HTTP 200, a body that holds no sign-in token)",
        ),
        (
            canned(
                200,
                "application/json",
                "{\"SigninToken\":\"a\\u001b[2Jb\"}",
            ),
            "not printable",
        ),
        (canned(404, "text/plain", "ASIAPORTAL"), "HTTP 404"),
        (Action::ServerError, "HTTP 500"),
        (Action::Hang, "no answer within 3s"),
        // Read up to its limit, not until the time-out.
        (
            Action::Endless,
            "not from the console sign-in (HTTP 200, a body that holds no sign-in token)",
        ),
    ] {
        let proxy = Proxy::start(None, vec![], action.clone());
        let o =
            f.w.awsmfa(&["console", "prod"])
                .env("AWS_ENDPOINT_URL_SIGNIN", &proxy.url)
                .env("AWSMFA_TIMEOUT", "3")
                .output()
                .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(6), "{action:?}: {err}");
        assert!(err.contains(says), "{action:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{action:?}: {err}");
        for part in ["ASIAPORTAL", "\u{1b}", "federation?"] {
            assert!(!err.contains(part), "{action:?}: {part:?} in {err}");
        }
        assert!(f.page().is_empty(), "{action:?} opened a browser");
    }
    assert_eq!(f.codes(), 1);
}

/// Stored role credentials about to expire (here: 15 minutes, from an
/// earlier `process --duration 15m`) would end the console as it opens:
/// the role is assumed again from the MFA session, with no new code.
#[test]
fn credentials_about_to_expire_are_renewed_first() {
    let Some(f) = Fixture::new() else { return };
    ok(&f.run(&["process", "prod", "--duration", "15m"]));
    let assumed = |f: &Fixture| {
        f.standin
            .calls()
            .iter()
            .filter(|c| c.starts_with("AssumeRole"))
            .count()
    };
    assert_eq!(assumed(&f), 1);
    ok(&f.run(&["console", "prod"]));
    assert_eq!(assumed(&f), 2, "{:?}", f.standin.calls());
    assert!(
        f.page()
            .contains(&format!("signed in as {}", f.role("prod")))
    );
    // Fresh ones are used as they are.
    ok(&f.run(&["console", "prod"]));
    assert_eq!(assumed(&f), 2, "{:?}", f.standin.calls());
    assert_eq!(f.codes(), 1);
}
