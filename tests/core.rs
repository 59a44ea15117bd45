//! The core flow end to end against moto: one MFA code, then roles.

use crate::support::bounded::{HANG, output_within};
use crate::support::check::{exported, fails, no_secrets};
use crate::support::proxy::{Action, Proxy, Seen, closed_port_url};
use crate::support::pty::run_pty;
use crate::support::*;

#[test]
fn bash_eval_then_aws_cli_sees_the_role() {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let out = ok(&w.run(&["env", "dev", "--token-code", "123456"]));
    assert!(out.contains("export AWS_ACCESS_KEY_ID='ASIA"), "{out}");
    let script = format!(
        "{out}\n[ -z \"${{AWS_PROFILE-}}\" ] || exit 9\nexec \"$0\" -m awscli sts get-caller-identity --query Arn --output text"
    );
    let o = w
        .command("bash")
        .args([
            "--norc",
            "-e",
            "-u",
            "-c",
            &script,
            &python().to_string_lossy(),
        ])
        .output()
        .unwrap();
    let arn = ok(&o);
    assert!(
        arn.trim().starts_with(
            &s.roles["dev"]
                .replace(":iam::", ":sts::")
                .replace(":role/", ":assumed-role/")
        ),
        "{arn} vs {}",
        s.roles["dev"]
    );
}

/// A proxy that forwards everything to this world's moto and records it;
/// awsmfa is pointed at it (an aws CLI run in the world must be pointed back
/// at moto, so that the counts stay awsmfa's alone).
fn recorder(w: &mut World) -> Proxy {
    let p = Proxy::start(Some(&w.endpoint()), vec![], Action::Forward);
    w.env.push(("AWS_ENDPOINT_URL".into(), p.url.clone()));
    p
}

/// STS actions seen, with whether each carried an MFA code.
fn calls(seen: &[Seen]) -> Vec<(String, Option<String>, bool)> {
    seen.iter()
        .map(|s| {
            (
                s.action(),
                s.param("RoleArn"),
                s.param("TokenCode").is_some(),
            )
        })
        .collect()
}

/// Keys-only world: fake credentials and MFA for tests that must fail before
/// any network call (AWS_ENDPOINT_URL points at a closed port).
fn offline_with(config: &str) -> World {
    let mut w = World::offline();
    w.env.push(("AWS_ENDPOINT_URL".into(), closed_port_url()));
    w.write_credentials(
        "[alice]\naws_access_key_id = AKIAFAKEFAKEFAKE0000\naws_secret_access_key = fakeSecretKeyThatMustNeverBePrinted000000\n",
    );
    w.write_config(config);
    w
}

const FAKE_SECRET: &str = "fakeSecretKeyThatMustNeverBePrinted000000";

const OFFLINE_CONFIG: &str = "[profile alice]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\n\
     [profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = alice\n\n\
     [profile prod]\nrole_arn = arn:aws:iam::123456789012:role/prod\nsource_profile = alice\n";

// --- evaluated by real shells, then used by the real aws CLI -------------

/// `awsmfa env dev --shell SHELL`, evaluated by `script(out)` in the real
/// `shell` run with `args`, with AWS_PROFILE set beforehand (the eval must
/// drop it); the aws CLI there must be the role, silently. Returns `out`.
fn eval_then_aws_cli(
    shell: &str,
    args: &[&str],
    script: impl Fn(&str) -> String,
) -> Option<String> {
    if !require_tools(&[shell]) {
        return None;
    }
    let w = World::new();
    let s = w.standard(&["dev"]);
    let out = ok(&w.run(&["env", "dev", "--shell", shell, "--token-code", "123456"]));
    let o = w
        .command(shell)
        .args(args)
        .arg(script(&out))
        .arg(python())
        .env("AWS_PROFILE", "dev")
        .output()
        .unwrap();
    let arn = ok(&o);
    assert!(arn.trim().starts_with(&assumed(&s.roles["dev"])), "{arn}");
    assert_eq!(stderr(&o), "");
    Some(out)
}

#[test]
fn fish_eval_then_aws_cli_sees_the_role() {
    let out = eval_then_aws_cli("fish", &["--no-config", "--private", "-c"], |out| {
        format!(
            "{out}\nset -q AWS_PROFILE; and exit 9\n$argv[1] -m awscli sts get-caller-identity --query Arn --output text"
        )
    });
    if let Some(out) = out {
        assert!(out.contains("set -gx AWS_ACCESS_KEY_ID 'ASIA"), "{out}");
    }
}

#[test]
fn zsh_eval_then_aws_cli_sees_the_role() {
    eval_then_aws_cli("zsh", &["--no-rcs", "-e", "-u", "-c"], |out| {
        format!(
            "eval {}\n[ -z \"${{AWS_PROFILE-}}\" ] || exit 9\n\"$0\" -m awscli sts get-caller-identity --query Arn --output text",
            shell_words::quote(out)
        )
    });
}

#[test]
fn credential_process_is_consumed_by_the_aws_cli() {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let config = w.read("config_file");
    w.write_config(&format!(
        "{config}\n[profile via-awsmfa]\ncredential_process = {} process dev --token-code 123456\n",
        awsmfa_bin().display()
    ));
    let o = w
        .aws(CALLER_ARN)
        .args(["--profile", "via-awsmfa"])
        .output()
        .unwrap();
    let arn = ok(&o);
    assert!(arn.trim().starts_with(&assumed(&s.roles["dev"])), "{arn}");
}

#[test]
fn exec_passes_exit_code_and_environment() {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let dump = w.path("child-env");
    let o = w
        .awsmfa(&["exec", "dev", "--token-code", "123456", "--", "sh", "-c"])
        .args(["env > \"$1\"; exit 42", "sh"])
        .arg(&dump)
        .env("AWS_PROFILE", "dev")
        .env("AWS_DEFAULT_PROFILE", "dev")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(42), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let env: std::collections::BTreeMap<String, String> = w
        .read("child-env")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert!(env["AWS_ACCESS_KEY_ID"].starts_with("ASIA"), "{env:?}");
    for name in [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
    ] {
        assert!(!env[name].is_empty(), "{name} missing");
    }
    assert_eq!(env["AWSMFA_PROFILE"], "dev");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert!(
        !env.contains_key("AWS_PROFILE"),
        "AWS_PROFILE reached the child"
    );
    assert!(!env.contains_key("AWS_DEFAULT_PROFILE"));
    no_secrets(
        &stderr(&o),
        &[&env["AWS_SECRET_ACCESS_KEY"], &s.secret_access_key],
    );

    // And the keys are the role's: the aws CLI run by exec says so.
    let o = w
        .awsmfa(&["exec", "dev", "--token-code", "123456", "--"])
        .arg(python())
        .args(["-m", "awscli"])
        .args(CALLER_ARN)
        .output()
        .unwrap();
    assert!(ok(&o).trim().starts_with(&assumed(&s.roles["dev"])));
}

// --- output formats -------------------------------------------------------

#[test]
fn json_is_credential_process_version_1() {
    let w = World::new();
    w.standard(&["dev"]);
    let out = ok(&w.run(&["env", "dev", "--shell", "json", "--token-code", "123456"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version"
        ]
    );
    assert_eq!(v["Version"], 1);
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(!v["SecretAccessKey"].as_str().unwrap().is_empty());
    assert!(!v["SessionToken"].as_str().unwrap().is_empty());
    let expiry = humantime::parse_rfc3339(v["Expiration"].as_str().unwrap()).unwrap();
    assert!(expiry > std::time::SystemTime::now());
    // `process` prints exactly the same shape.
    let out = ok(&w.run(&["process", "dev", "--token-code", "123456"]));
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(p["Version"], 1);
    assert!(p["SessionToken"].is_string());
}

#[test]
fn dotenv_is_read_by_python_dotenv() {
    let w = World::new();
    w.standard(&["dev"]);
    let out = ok(&w.run(&["env", "dev", "--shell", "dotenv", "--token-code", "123456"]));
    for line in out.lines() {
        let (name, value) = line.split_once('=').expect("NAME=value");
        assert!(
            name.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            "{line}"
        );
        assert!(value.starts_with('\'') && value.ends_with('\''), "{line}");
    }
    std::fs::write(w.path("creds.env"), &out).unwrap();
    let o = w
        .command(python())
        .args([
            "-c",
            "import dotenv, json, sys; json.dump(dotenv.dotenv_values(sys.argv[1]), sys.stdout)",
        ])
        .arg(w.path("creds.env"))
        .output()
        .unwrap();
    let values: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&ok(&o)).expect("python-dotenv is needed: run scripts/setup.sh");
    assert!(values["AWS_ACCESS_KEY_ID"].starts_with("ASIA"));
    assert_eq!(values["AWSMFA_PROFILE"], "dev");
    assert_eq!(values["AWS_REGION"], "us-east-1");
    assert!(!values["AWS_SESSION_TOKEN"].is_empty());
    assert!(!values.contains_key("AWS_PROFILE"));
}

#[test]
fn powershell_sets_and_removes() {
    let w = World::new();
    w.standard(&["dev"]);
    let out = ok(&w.run(&[
        "env",
        "dev",
        "--shell",
        "powershell",
        "--token-code",
        "123456",
    ]));
    let mut set = Vec::new();
    for line in out.lines() {
        if let Some(name) = line.strip_prefix("Remove-Item -ErrorAction SilentlyContinue Env:") {
            assert!(
                ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"].contains(&name),
                "{line}"
            );
            continue;
        }
        let rest = line.strip_prefix("$Env:").expect(line);
        let (name, value) = rest.split_once(" = ").expect(line);
        assert!(value.starts_with('\'') && value.ends_with('\''), "{line}");
        set.push(name);
    }
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        assert!(set.contains(&name), "{name} not set: {out}");
    }
    assert!(out.contains("Env:AWS_PROFILE\n"), "{out}");
    // `pwsh` is an alias of the same format.
    let again = ok(&w.run(&["env", "dev", "--shell", "pwsh", "--token-code", "123456"]));
    assert!(again.starts_with("Remove-Item"), "{again}");
}

#[test]
fn bash_zsh_and_sh_are_posix_exports() {
    let w = World::new();
    w.standard(&["dev"]);
    for shell in ["sh", "bash", "zsh"] {
        let out = ok(&w.run(&["env", "dev", "--shell", shell, "--token-code", "123456"]));
        for line in out.lines() {
            assert!(
                line.starts_with("export ") || line.starts_with("unset "),
                "{shell}: {line}"
            );
        }
        assert!(out.contains("unset AWS_PROFILE\n"), "{out}");
        assert_eq!(exported(&out, "AWSMFA_PROFILE").as_deref(), Some("dev"));
        let expiry = exported(&out, "AWS_CREDENTIAL_EXPIRATION").unwrap();
        humantime::parse_rfc3339(&expiry).expect("RFC 3339");
    }
}

// --- --unset ---------------------------------------------------------------

/// Names a shell script's output sets: evaluated after the credentials,
/// `--unset` (run in that shell, so it sees AWSMFA_SAVED) must leave none
/// of them behind but the shell's own regions, back at their own values.
#[test]
fn unset_removes_everything_in_bash_zsh_and_fish() {
    let w = World::new();
    w.standard(&["dev"]);
    let bin = crate::support::awsmfa_bin().display().to_string();
    // The world's shell has these itself (base_env): they come back.
    let own = |n: &str| n == "AWS_REGION" || n == "AWS_DEFAULT_REGION";
    for (shell, args) in [
        ("bash", vec!["--norc", "-e", "-u", "-o", "pipefail", "-c"]),
        ("zsh", vec!["--no-rcs", "-e", "-u", "-c"]),
    ] {
        if !require_tools(&[shell]) {
            continue;
        }
        let set = ok(&w.run(&["env", "dev", "--shell", shell, "--token-code", "123456"]));
        let unset = format!("\"$('{bin}' env --unset --shell {shell})\"");
        let names: Vec<&str> = set
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('=').map(|(n, _)| n))
            .collect();
        assert!(names.len() >= 7, "{set}");
        let mut script = format!("eval {}\n", shell_words::quote(&set));
        for n in &names {
            script.push_str(&format!("[ -n \"${{{n}+x}}\" ] || exit 8\n"));
        }
        script.push_str(&format!("eval {unset}\n"));
        for n in &names {
            script.push_str(&if own(n) {
                format!("[ \"${n}\" = us-east-1 ] || {{ echo {n} lost; exit 9; }}\n")
            } else {
                format!("[ -z \"${{{n}+x}}\" ] || {{ echo {n} left; exit 9; }}\n")
            });
        }
        // Removing what is already gone is harmless (a second `--unset`).
        script.push_str(&format!("eval {unset}\n"));
        let o = w.command(shell).args(&args).arg(&script).output().unwrap();
        ok(&o);
        assert_eq!(stderr(&o), "", "{shell}");
    }

    if !require_tools(&["fish"]) {
        return;
    }
    let set = ok(&w.run(&["env", "dev", "--shell", "fish", "--token-code", "123456"]));
    let unset = format!("'{bin}' env --unset --shell fish | source\n");
    let names: Vec<&str> = set
        .lines()
        .filter_map(|l| l.strip_prefix("set -gx "))
        .filter_map(|l| l.split_once(' ').map(|(n, _)| n))
        .collect();
    assert!(names.len() >= 7, "{set}");
    let mut script = format!("{set}\n");
    for n in &names {
        script.push_str(&format!("set -q {n}; or exit 8\n"));
    }
    script.push_str(&unset);
    for n in &names {
        script.push_str(&if own(n) {
            format!("test \"${n}\" = us-east-1; or begin; echo {n} lost; exit 9; end\n")
        } else {
            format!("set -q {n}; and begin; echo {n} left; exit 9; end\n")
        });
    }
    // Removing what is already gone prints nothing (stderr is checked).
    script.push_str(&unset);
    script.push_str("exit 0\n");
    let o = w
        .command("fish")
        .args(["--no-config", "--private", "-c", &script])
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(stderr(&o), "");
}

#[test]
fn unset_shapes_and_formats_that_cannot_unset() {
    let w = World::offline();
    let names = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWSMFA_PROFILE",
        "AWSMFA_SAVED",
    ];
    // No AWSMFA_SAVED here: the regions may be the user's and stay (see
    // daily::unset_without_a_record_keeps_the_region).
    for (shell, prefix) in [
        ("sh", "unset "),
        ("bash", "unset "),
        ("zsh", "unset "),
        ("fish", "if set -q "),
        (
            "powershell",
            "Remove-Item -ErrorAction SilentlyContinue Env:",
        ),
    ] {
        // No profile, no config, no network: --unset needs none of them.
        let out = ok(&w.run(&["env", "--unset", "--shell", shell]));
        let got: Vec<&str> = out
            .lines()
            .map(|l| {
                let name = l.strip_prefix(prefix).expect(l);
                // fish: `if set -q NAME; set -e -g NAME; end`
                name.split(';').next().unwrap_or(name)
            })
            .collect();
        for n in names {
            assert!(got.contains(&n), "{shell}: {n} not removed: {out}");
        }
    }
    for shell in ["dotenv", "json"] {
        let stderr = fails(&w.run(&["env", "--unset", "--shell", shell]), 2);
        assert!(stderr.contains("--unset"), "{stderr}");
    }
}

// --- role chains and MFA sources ---------------------------------------------

/// role -> role -> user: one GetSessionToken with the code, then two
/// AssumeRoles signed with the session, no second code.
fn chain_world(mfa_on: &str) -> (World, Proxy, Seeded) {
    let mut w = World::new();
    let s = w.seed("alice", &["mid", "top"]);
    w.write_credentials(&format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    ));
    let mfa = format!("mfa_serial = {}\n", s.mfa_serial);
    let on = |p: &str| if p == mfa_on { mfa.as_str() } else { "" };
    w.write_config(&format!(
        "[profile alice]\n{}\n[profile mid]\nrole_arn = {}\nsource_profile = alice\n{}\n\
         [profile top]\nrole_arn = {}\nsource_profile = mid\n{}",
        on("alice"),
        s.roles["mid"],
        on("mid"),
        s.roles["top"],
        on("top"),
    ));
    let p = recorder(&mut w);
    (w, p, s)
}

fn check_chain(w: &World, p: &Proxy, s: &Seeded) {
    let out = ok(&w.run(&["env", "top", "--token-code", "123456"]));
    assert_eq!(
        calls(&p.seen()),
        [
            ("GetSessionToken".to_string(), None, true),
            ("AssumeRole".into(), Some(s.roles["mid"].clone()), false),
            ("AssumeRole".into(), Some(s.roles["top"].clone()), false),
        ]
    );
    assert_eq!(
        p.seen()[0].param("SerialNumber").as_deref(),
        Some(s.mfa_serial.as_str())
    );
    let script = format!(
        "eval {}\nexec \"$0\" -m awscli sts get-caller-identity --query Arn --output text",
        shell_words::quote(&out)
    );
    let o = w
        .command("bash")
        .args(["--norc", "-e", "-u", "-c", &script])
        .arg(python())
        .env("AWS_ENDPOINT_URL", w.endpoint())
        .output()
        .unwrap();
    assert!(ok(&o).trim().starts_with(&assumed(&s.roles["top"])));
}

#[test]
fn role_chain_with_mfa_on_the_user_profile() {
    let (w, p, s) = chain_world("alice");
    check_chain(&w, &p, &s);
}

#[test]
fn role_chain_with_mfa_on_the_role_profile() {
    let (w, p, s) = chain_world("top");
    check_chain(&w, &p, &s);
}

#[test]
fn mfa_process_gives_one_code_per_call() {
    let (w, p, _) = chain_world("alice");
    let log = w.path("mfa-process.log");
    let config = w.read("config_file").replace(
        "[profile alice]\n",
        &format!(
            "[profile alice]\nmfa_process = sh -c 'echo called >> {}; echo 135790'\n",
            log.display()
        ),
    );
    w.write_config(&config);
    let out = ok(&w.run(&["env", "top"]));
    assert!(
        exported(&out, "AWS_ACCESS_KEY_ID")
            .unwrap()
            .starts_with("ASIA")
    );
    assert_eq!(w.read("mfa-process.log"), "called\n");
    let with_code: Vec<Seen> = p
        .seen()
        .into_iter()
        .filter(|s| s.param("TokenCode").is_some())
        .collect();
    assert_eq!(with_code.len(), 1, "{:?}", calls(&p.seen()));
    assert_eq!(with_code[0].param("TokenCode").as_deref(), Some("135790"));
    assert_eq!(p.count(), 3);

    // Another role reuses the cached MFA session: no second code.
    ok(&w.run(&["env", "mid"]));
    assert_eq!(w.read("mfa-process.log"), "called\n");
    // Without the cache each call needs a code of its own, exactly one.
    ok(&w.run(&["env", "mid", "--no-cache"]));
    assert_eq!(w.read("mfa-process.log"), "called\ncalled\n");
    // --token-code beats mfa_process.
    ok(&w.run(&["env", "top", "--no-cache", "--token-code", "123456"]));
    assert_eq!(w.read("mfa-process.log"), "called\ncalled\n");
}

#[test]
fn failing_mfa_process_is_an_mfa_error() {
    let w = offline_with(
        &OFFLINE_CONFIG.replace("mfa_serial =", "mfa_process = sh -c 'exit 3'\nmfa_serial ="),
    );
    let err = fails(&w.run(&["env", "dev"]), 4);
    assert!(err.contains("mfa_process"), "{err}");
    let w = offline_with(&OFFLINE_CONFIG.replace(
        "mfa_serial =",
        "mfa_process = echo not-a-code\nmfa_serial =",
    ));
    let err = fails(&w.run(&["env", "dev"]), 4);
    assert!(err.contains("6 digits"), "{err}");
}

// --- configuration errors: exit 3, before any network call ------------------

#[test]
fn source_profile_cycle_is_an_error_not_a_hang() {
    let w = offline_with(
        "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\
         [profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n\
         [profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n",
    );
    let o = output_within(&mut w.awsmfa(&["env", "a", "--token-code", "123456"]), HANG);
    let err = fails(&o, 3);
    assert!(err.contains("a -> b -> c -> a"), "{err}");
}

#[test]
fn unknown_profile_names_the_closest() {
    let w = offline_with(OFFLINE_CONFIG);
    let err = fails(&w.run(&["env", "prdo", "--token-code", "123456"]), 3);
    assert!(err.contains("`prdo`") && err.contains("`prod`"), "{err}");
    assert!(
        err.contains(&w.path("config_file").display().to_string()),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = fails(&w.run(&["env", "zzzzzz", "--token-code", "123456"]), 3);
    assert!(err.contains("awsmfa list"), "{err}");
    // The default comes from AWS_PROFILE.
    let o = w
        .awsmfa(&["env", "--token-code", "123456"])
        .env("AWS_PROFILE", "dve")
        .output()
        .unwrap();
    let err = fails(&o, 3);
    assert!(err.contains("`dve`") && err.contains("`dev`"), "{err}");
}

#[test]
fn malformed_config_names_file_and_line() {
    let w = offline_with("[profile alice]\nregion = eu-west-1\n\n[profile dev\nrole_arn = x\n");
    let err = fails(&w.run(&["env", "dev", "--token-code", "123456"]), 3);
    assert!(
        err.contains(&w.path("config_file").display().to_string()),
        "{err}"
    );
    assert!(err.contains("line 4"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn non_utf8_files_are_named() {
    let w = offline_with(OFFLINE_CONFIG);
    std::fs::write(
        w.path("config_file"),
        b"[profile alice]\nmfa_serial = arn\n# caf\xe9\n",
    )
    .unwrap();
    let err = fails(&w.run(&["env", "alice", "--token-code", "123456"]), 3);
    assert!(
        err.contains(&w.path("config_file").display().to_string()),
        "{err}"
    );
    assert!(err.contains("UTF-8") && err.contains("line 3"), "{err}");

    let w = offline_with(OFFLINE_CONFIG);
    std::fs::write(w.path("credentials_file"), b"\xff\xfe[alice]\n").unwrap();
    let err = fails(&w.run(&["env", "alice", "--token-code", "123456"]), 3);
    assert!(
        err.contains(&w.path("credentials_file").display().to_string()),
        "{err}"
    );
}

#[test]
fn out_of_range_duration_is_refused_before_any_network() {
    let w = offline_with(OFFLINE_CONFIG);
    for (profile, duration) in [
        ("alice", "10"),
        ("alice", "14m"),
        ("alice", "37h"),
        ("dev", "5m"),
        ("dev", "13h"),
    ] {
        let o = w.run(&[
            "env",
            profile,
            "--duration",
            duration,
            "--token-code",
            "123456",
        ]);
        let err = fails(&o, 3);
        assert!(err.contains(" can last "), "{profile} {duration}: {err}");
        no_secrets(&err, &[FAKE_SECRET]);
    }
    // The same from the profile's duration_seconds.
    let w = offline_with(&format!("{OFFLINE_CONFIG}duration_seconds = 60\n"));
    let err = fails(&w.run(&["env", "prod", "--token-code", "123456"]), 3);
    assert!(
        err.contains("can last 15m to 12h (900 to 43200 seconds), and 1m was asked for"),
        "{err}"
    );
    let w = offline_with(&format!("{OFFLINE_CONFIG}duration_seconds = soon\n"));
    let err = fails(&w.run(&["env", "prod", "--token-code", "123456"]), 3);
    assert!(err.contains("duration_seconds"), "{err}");
}

#[test]
fn long_role_duration_with_mfa_assumes_the_role_directly() {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    let p = recorder(&mut w);
    let o = w.run(&["env", "dev", "--duration", "2h", "--token-code", "123456"]);
    let out = ok(&o);
    let err = stderr(&o);
    assert!(err.contains("assuming it directly"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let seen = p.seen();
    assert_eq!(
        calls(&seen),
        [("AssumeRole".to_string(), Some(s.roles["dev"].clone()), true)]
    );
    assert_eq!(seen[0].param("DurationSeconds").as_deref(), Some("7200"));
    assert_eq!(
        seen[0].param("SerialNumber").as_deref(),
        Some(s.mfa_serial.as_str())
    );
    let secret = exported(&out, "AWS_SECRET_ACCESS_KEY").unwrap();
    let token = exported(&out, "AWS_SESSION_TOKEN").unwrap();
    no_secrets(&err, &[&secret, &token, &s.secret_access_key]);
}

#[test]
fn malformed_token_code_is_refused_before_any_call() {
    let mut w = World::new();
    w.standard(&["dev"]);
    let p = recorder(&mut w);
    for code in ["12345", "1234567", "12345a", "", "12 456"] {
        let err = fails(&w.run(&["env", "dev", "--token-code", code]), 4);
        assert!(err.contains("6 digits"), "{code:?}: {err}");
    }
    assert_eq!(p.count(), 0, "a malformed code reached STS");
}

#[test]
fn no_terminal_and_no_code_source_fails_at_once() {
    let mut w = World::new();
    w.standard(&["dev"]);
    let p = recorder(&mut w);
    // setsid: a new session with no controlling terminal, so /dev/tty fails.
    let mut cmd = w.command("setsid");
    cmd.args(["-w"]).arg(awsmfa_bin()).args(["env", "dev"]);
    let err = fails(&output_within(&mut cmd, HANG), 4);
    // No desktop either (the world has no DISPLAY): the one thing that works.
    assert!(
        err.contains("no terminal or desktop to ask on")
            && err.contains("run `awsmfa login alice` in a terminal, then retry"),
        "{err}"
    );
    assert_eq!(p.count(), 0);
}

#[test]
fn unsupported_sources_are_named() {
    let w = offline_with(
        "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\
         [profile legacy-sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n\
         sso_account_id = 111122223333\nsso_role_name = Admin\n\
         [profile web]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /tmp/token\n\
         [profile ec2]\nrole_arn = arn:aws:iam::1:role/e\ncredential_source = Ec2InstanceMetadata\n\
         [profile proc]\ncredential_process = /bin/false\n\
         [profile via-proc]\nrole_arn = arn:aws:iam::1:role/p\nsource_profile = proc\n",
    );
    for (profile, named, source) in [
        ("sso", "SSO", "sso"),
        ("legacy-sso", "SSO", "legacy-sso"),
        ("web", "web_identity_token_file", "web"),
        ("ec2", "credential_source", "ec2"),
        ("proc", "credential_process", "proc"),
        ("via-proc", "credential_process", "proc"),
    ] {
        let err = fails(&w.run(&["env", profile, "--token-code", "123456"]), 3);
        assert!(err.contains(named), "{profile}: {err}");
        assert!(err.contains(&format!("`{source}`")), "{profile}: {err}");
    }
}

// --- at a terminal ------------------------------------------------------------

/// `awsmfa COMMAND dev` at a terminal: refused (exit 7) before any STS
/// call, with `hint` in the message and no `secret` on the screen; with
/// `--force` it prints what holds `forced`.
fn refuses_a_terminal(command: &str, hint: &str, secret: &str, forced: &str) {
    let mut w = World::new();
    w.standard(&["dev"]);
    let p = recorder(&mut w);
    let bin = awsmfa_bin().to_str().unwrap();
    let argv = [bin, command, "dev", "--token-code", "123456"];
    let run = run_pty(&w, &argv, &[], HANG);
    run.finished();
    assert_eq!(run.status, 7, "{}", run.transcript);
    assert!(run.transcript.contains(hint), "{}", run.transcript);
    assert!(!run.transcript.contains(secret));
    assert_eq!(p.count(), 0, "refused only after calling STS");

    let run = run_pty(&w, &[&argv[..], &["--force"]].concat(), &[], HANG);
    run.finished();
    assert_eq!(run.status, 0, "{}", run.transcript);
    assert!(run.transcript.contains(forced), "{}", run.transcript);
}

#[test]
fn env_refuses_a_terminal_without_force() {
    refuses_a_terminal(
        "env",
        "eval",
        "AWS_SECRET_ACCESS_KEY",
        "export AWS_ACCESS_KEY_ID='ASIA",
    );
}

/// `process` prints the secret key as JSON for an SDK's pipe: at a
/// terminal it refuses as `env` does, before any STS call.
#[test]
fn process_refuses_a_terminal_without_force() {
    refuses_a_terminal(
        "process",
        "credential_process = awsmfa process dev",
        "SecretAccessKey",
        "\"SecretAccessKey\"",
    );
}

#[test]
fn prompt_on_dev_tty_works_inside_command_substitution() {
    let w = World::new();
    w.standard(&["dev"]);
    let result = w.path("key-id");
    let bin = awsmfa_bin().to_str().unwrap();
    let run = run_pty(
        &w,
        &[
            "bash",
            "--norc",
            "-e",
            "-u",
            "-c",
            "x=$(\"$1\" env dev); eval \"$x\"; printf %s \"$AWS_ACCESS_KEY_ID\" > \"$2\"",
            "bash",
            bin,
            result.to_str().unwrap(),
        ],
        &[("MFA code for", "246810\n")],
        HANG,
    );
    run.finished();
    assert_eq!(run.status, 0, "{}", run.transcript);
    assert!(w.read("key-id").starts_with("ASIA"));
    // The prompt hid what was typed.
    assert!(!run.transcript.contains("246810"), "{}", run.transcript);
    assert!(!run.transcript.contains("AWS_SECRET_ACCESS_KEY"));
}

#[test]
fn a_typed_code_that_is_not_six_digits_is_asked_again() {
    let mut w = World::new();
    w.standard(&["dev"]);
    let p = recorder(&mut w);
    let out = w.path("out");
    let bin = awsmfa_bin().to_str().unwrap();
    let run = run_pty(
        &w,
        &[
            "bash",
            "--norc",
            "-c",
            "\"$1\" env dev > \"$2\"",
            "bash",
            bin,
            out.to_str().unwrap(),
        ],
        // An empty Enter first: asked again, and it costs no try.
        &[
            ("MFA code for", "\n"),
            ("MFA code for", "abcdef\n"),
            ("try 2 of 3", "975310\n"),
        ],
        HANG,
    );
    run.finished();
    assert_eq!(run.status, 0, "{}", run.transcript);
    let t = &run.transcript;
    assert!(
        t.contains("an MFA code is 6 digits, and this had letters; nothing was sent to AWS"),
        "{t}"
    );
    assert_eq!(t.matches("MFA code for").count(), 3, "{t}");
    assert!(!t.contains("try 3 of 3") && !t.contains("abcdef"), "{t}");
    assert_eq!(p.count(), 2, "{:?}", calls(&p.seen()));
    assert!(w.read("out").contains("AWS_SESSION_TOKEN"));
}
