//! The benchmark suite (`bench/`) stays runnable: its scripts lint clean and
//! the probes it relies on behave as it assumes. Nothing here measures time.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench")
}

fn tools(w: &World, args: &[&str]) -> std::process::Output {
    w.command(python())
        .arg(bench_dir().join("tools.py"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bench_scripts_pass_shellcheck() {
    if !require_tools(&["shellcheck"]) {
        return;
    }
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(bench_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    scripts.sort();
    assert!(
        scripts.iter().any(|p| p.ends_with("run.sh")),
        "bench/run.sh is missing: {scripts:?}"
    );
    let out = Command::new("shellcheck").args(&scripts).output().unwrap();
    assert!(
        out.status.success(),
        "shellcheck {scripts:?}:\n{}",
        stdout(&out)
    );
}

#[test]
fn run_sh_answers_help_and_refuses_unknown_arguments() {
    let w = World::offline();
    let run = bench_dir().join("run.sh");
    let help = ok(&w.command("bash").arg(&run).arg("--help").output().unwrap());
    assert!(help.contains("--quick"), "{help}");
    let bad = w.command("bash").arg(&run).arg("--fast").output().unwrap();
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("unknown argument '--fast'"),
        "{}",
        stderr(&bad)
    );
}

/// The config-size benchmark times `awsmfa env bench-target` in a generated
/// config and counts on it failing with a configuration error only after
/// the whole chain is resolved, before any network call.
#[test]
fn config_size_probe_fails_with_a_config_error_before_the_network() {
    let mut w = World::offline();
    // A closed port: if the probe ever reached for STS it would fail with
    // exit 6, not 3, and never touch a real endpoint.
    w.env
        .push(("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into()));
    w.write_credentials("[alice]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n");
    let config = w.path("config_file");
    ok(&tools(
        &w,
        &[
            "profiles",
            "1000",
            config.to_str().unwrap(),
            "arn:aws:iam::123456789012:mfa/alice",
        ],
    ));
    let text = w.read("config_file");
    assert_eq!(text.matches("[profile ").count(), 1000);
    let out = w.run(&["env", "bench-target", "--token-code", "123456"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("duration_seconds"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

/// MFA codes are counted from moto's request recording: requests carrying a
/// TokenCode, whether form-encoded in the body (base64 in the log) or not.
#[test]
fn mfa_codes_are_counted_from_the_moto_recording() {
    let w = World::offline();
    let b64 = |s: &str| {
        let out = w
            .command(python())
            .args([
                "-c",
                "import base64,sys; print(base64.b64encode(sys.argv[1].encode()).decode())",
                s,
            ])
            .output()
            .unwrap();
        ok(&out).trim().to_string()
    };
    let lines = [
        serde_json::json!({"method": "POST", "url": "http://127.0.0.1:1/",
            "body": b64("Action=GetSessionToken&SerialNumber=arn&TokenCode=123456"), "body_encoded": true}),
        serde_json::json!({"method": "POST", "url": "http://127.0.0.1:1/",
            "body": "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr1", "body_encoded": false}),
        serde_json::json!({"method": "POST", "url": "http://127.0.0.1:1/?Action=AssumeRole&TokenCode=654321",
            "body": "", "body_encoded": false}),
        serde_json::json!({"method": "GET", "url": "http://127.0.0.1:1/moto-api/",
            "body": "", "body_encoded": false}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(w.path("recording"), text).unwrap();
    let out = ok(&tools(
        &w,
        &["codes", w.path("recording").to_str().unwrap()],
    ));
    assert_eq!(out.trim(), "2 3");
}
