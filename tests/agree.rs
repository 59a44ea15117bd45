//! awsmfa agrees with the AWS CLI and the SDKs it serves (issue 22): it
//! reads the profile, region and files the AWS CLI reads for the same
//! environment (the CLI and boto3 are the oracle, run beside it on the
//! same files); what it hands out lives as long as asked, not longer and
//! not shorter; `process` hands boto3 nothing boto3 refreshes at once; and
//! `allow` refuses a project file naming a profile that is not there.

use crate::support::proxy::{Action, Proxy};
use crate::support::*;
use crate::userworld::lifetime;
use std::process::{Command, Output};

/// What the AWS CLI and boto3 make of this environment: the profile and
/// region boto3's session selects, and the region `aws configure list`
/// says the AWS CLI uses ("" for none).
#[derive(Debug, PartialEq)]
struct Oracle {
    profile: String,
    region: String,
    cli_region: String,
}

fn oracle(w: &World, env: &[(&str, &str)], profile: Option<&str>) -> Oracle {
    let with = |mut c: Command| {
        c.env_remove("AWS_REGION").env_remove("AWS_DEFAULT_REGION");
        c.envs(env.iter().copied());
        c
    };
    let mut args = vec!["configure", "list"];
    if let Some(p) = profile {
        args.extend(["--profile", p]);
    }
    let cli = ok(&with(w.aws(&args)).output().unwrap());
    // `region  VALUE  TYPE  LOCATION`; with no value, the TYPE comes second.
    let cli_region = cli
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|words| words.first() == Some(&"region"))
        .and_then(|words| words.get(1).map(|v| v.to_string()))
        .filter(|v| !["<not", "config-file", "env", "None"].contains(&v.as_str()))
        .unwrap_or_default();
    let mut py = with(w.command(python()));
    py.args([
        "-c",
        "import boto3, sys; s = boto3.Session(profile_name=sys.argv[1] or None); print(s.profile_name); print(s.region_name or '')",
        profile.unwrap_or(""),
    ]);
    let out = ok(&py.output().unwrap());
    let mut lines = out.lines();
    Oracle {
        profile: lines.next().unwrap().to_string(),
        region: lines.next().unwrap_or("").to_string(),
        cli_region,
    }
}

/// `awsmfa env [PROFILE]` in this environment, with the regions of the
/// harness removed (they would hide the profile's).
fn env_with(w: &World, env: &[(&str, &str)], profile: Option<&str>) -> Output {
    let mut args = vec!["env", "--token-code", "123456"];
    args.extend(profile);
    let mut c = w.awsmfa(&args);
    c.env_remove("AWS_REGION").env_remove("AWS_DEFAULT_REGION");
    c.envs(env.iter().copied());
    c.output().unwrap()
}

/// What awsmfa selected: the profile it exported and its region ("" for
/// none).
fn selected(out: &Output) -> (String, String) {
    let posix = ok(out);
    (
        check::export(&posix, "AWSMFA_PROFILE"),
        check::exported(&posix, "AWS_REGION").unwrap_or_default(),
    )
}

/// Asserts that the AWS CLI and boto3 agree on the region, and that
/// awsmfa selects their profile and region; returns what they said.
#[track_caller]
fn agrees(w: &World, env: &[(&str, &str)], profile: Option<&str>) -> Oracle {
    let truth = oracle(w, env, profile);
    assert_eq!(truth.cli_region, truth.region, "{env:?} {profile:?}");
    let got = selected(&env_with(w, env, profile));
    assert_eq!(
        got,
        (truth.profile.clone(), truth.region.clone()),
        "awsmfa against the AWS CLI for {env:?} {profile:?}"
    );
    truth
}

/// The standard world, with one role profile `role` holding `setting`.
fn world_where(role: &str, setting: &str) -> World {
    let w = World::new();
    w.standard(&[role]);
    let header = format!("[profile {role}]\n");
    let config = w
        .read("config_file")
        .replace(&header, &format!("{header}{setting}\n"));
    w.write_config(&config);
    w
}

/// Two role profiles with regions of their own, and a `[default]` with
/// another, so that every selection shows in the region.
fn regional_world() -> World {
    let w = World::new();
    let s = w.standard(&["a", "b"]);
    let mut config = w.read("config_file");
    config = config
        .replace("[profile a]\n", "[profile a]\nregion = eu-west-1\n")
        .replace("[profile b]\n", "[profile b]\nregion = eu-west-2\n");
    config.push_str(&format!(
        "\n[default]\nregion = ap-south-1\nrole_arn = {}\nsource_profile = alice\n",
        s.roles["a"]
    ));
    w.write_config(&config);
    w
}

#[test]
fn aws_default_profile_wins_over_aws_profile_as_in_the_aws_cli() {
    let w = regional_world();
    for (env, named, want) in [
        (
            &[("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")][..],
            None,
            "b",
        ),
        (&[("AWS_DEFAULT_PROFILE", "b")][..], None, "b"),
        (&[("AWS_PROFILE", "a")][..], None, "a"),
        (&[][..], None, "default"),
        // A profile named on the command line beats both, as `--profile`.
        (
            &[("AWS_PROFILE", "b"), ("AWS_DEFAULT_PROFILE", "b")][..],
            Some("a"),
            "a",
        ),
    ] {
        let truth = agrees(&w, env, named);
        assert_eq!(truth.profile, want, "boto3 for {env:?} {named:?}");
    }
}

#[test]
fn an_empty_region_is_no_region_and_the_next_one_counts() {
    let w = world_where("e", "region =");
    for env in [&[][..], &[("AWS_DEFAULT_REGION", "ap-south-1")][..]] {
        agrees(&w, env, Some("e"));
    }
}

#[test]
fn variables_and_tilde_in_the_file_variables_are_expanded_as_the_aws_cli_does() {
    let w = world_where("x", "region = eu-west-3");
    // The same files, where each spelling below leads.
    let config = w.read("config_file");
    let credentials = w.read("credentials_file");
    let aws = w.home().join(".aws");
    let literal = w.home().join("$NOPE");
    for dir in [&aws, &literal] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("cfg"), &config).unwrap();
        std::fs::write(dir.join("creds"), &credentials).unwrap();
    }
    // Each is run in HOME, where an unexpanded `$NOPE/cfg` is a real path.
    for (cfg, creds, extra) in [
        ("$HOME/.aws/cfg", "${HOME}/.aws/creds", &[][..]),
        ("~/.aws/cfg", "~/.aws/creds", &[][..]),
        // Variables first, then `~`, as botocore does.
        ("$D/cfg", "${D}/creds", &[("D", "~/.aws")][..]),
        // An unset variable stays as written.
        ("$NOPE/cfg", "$NOPE/creds", &[][..]),
    ] {
        let mut env = vec![
            ("AWS_CONFIG_FILE", cfg),
            ("AWS_SHARED_CREDENTIALS_FILE", creds),
        ];
        env.extend_from_slice(extra);
        let truth = agrees(&w, &env, Some("x"));
        assert_eq!(truth.region, "eu-west-3", "{env:?}");
    }
}

/// How the AWS CLI spells the file variables, against awsmfa's reading,
/// for spellings a user would not try but a script might.
#[test]
fn file_variables_expand_exactly_as_pythons_expandvars_and_expanduser() {
    let cases = [
        "$HOME/c",
        "${HOME}/c",
        "$HOME$HOME",
        "$HOMEX/c",
        "${HOME/c",
        "$/c",
        "${}/c",
        "a$",
        "~",
        "~/c",
        "~x/c",
        "/a/~/c",
        "$V/c",
        "$W/c",
        "${V}${W}",
        "$T",
        "x$V$",
        "$ü/c",
    ];
    let vars = [("HOME", "/h"), ("V", "~/v"), ("W", "$HOME"), ("T", "~")];
    let script = "import os, sys, json\nprint(json.dumps([os.path.expanduser(os.path.expandvars(p)) for p in sys.argv[1:]]))";
    let mut py = Command::new(python());
    py.env_clear().envs(vars).arg("-c").arg(script).args(cases);
    let want: Vec<String> = serde_json::from_str(&ok(&py.output().unwrap())).unwrap();
    for (case, want) in cases.iter().zip(want) {
        let get = |name: &str| match name {
            "AWS_CONFIG_FILE" => Some(case.to_string()),
            _ => vars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string()),
        };
        let got = awsmfa::profile::locate(get, false).config;
        // `~user` needs the password database, which awsmfa does not read.
        if case.starts_with("~x") {
            assert_eq!(got, *case);
            continue;
        }
        assert_eq!(got, want, "{case:?}");
    }
}

/// A directory `name` in HOME, for a project.
fn project_dir(w: &World, name: &str) -> std::path::PathBuf {
    let dir = w.home().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_project(dir: &std::path::Path, text: &str) {
    std::fs::write(dir.join(".awsmfa.toml"), text).unwrap();
}

#[test]
fn allow_refuses_a_profile_that_does_not_exist_naming_the_nearest() {
    let w = World::offline();
    w.write_config("[profile prod]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n");
    // A profile only in the credentials file exists too.
    w.write_credentials("[ci]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n");
    let proj = project_dir(&w, "infra");
    let allow = || {
        let o = w.awsmfa(&["allow"]).current_dir(&proj).output().unwrap();
        (o.clone(), stderr(&o))
    };
    write_project(&proj, "profile = \"prdo\"\n");
    let (o, _) = allow();
    let err = check::fails(&o, 3);
    assert!(err.contains("prdo"), "{err}");
    assert!(err.contains("did you mean `prod`?"), "{err}");
    assert!(!err.contains("allowed"), "{err}");
    // Nothing was trusted: no allowance was written.
    let allowances = w.path("data/awsmfa/allow");
    assert!(
        std::fs::read_dir(&allowances).map_or(true, |mut d| d.next().is_none()),
        "an allowance was written"
    );
    // Fixed, it is allowed; and a profile of the credentials file counts.
    for name in ["prod", "ci"] {
        write_project(&proj, &format!("profile = \"{name}\"\n"));
        let (o, err) = allow();
        assert!(o.status.success(), "{err}");
        assert!(err.contains(&format!("(profile `{name}`)")), "{err}");
    }
}

/// `--duration` asks for a life: cached credentials with less left are not
/// served (a role is assumed again from the MFA session; a session needs a
/// new code, and awsmfa says so), while the defaults keep using the cache.
#[test]
fn a_duration_is_a_floor_too_not_only_a_ceiling() {
    let mut w = World::new();
    w.standard(&["r1"]);
    // The first AssumeRole answers as if AWS's clock were 20 minutes ahead:
    // awsmfa moves the expiry onto its own clock, so the cached role has
    // 40 minutes left, as if it had been assumed 20 minutes ago.
    // (awsmfa measures the skew on a process's first answer: the
    // GetSessionToken before it is dated alike.)
    let proxy = Proxy::with_policy(Some(&w.endpoint()), |c| {
        let action = c.seen.action();
        if c.nth == 1 && (action == "AssumeRole" || action == "GetSessionToken") {
            Action::dated(20 * 60, Action::Forward)
        } else {
            Action::Forward
        }
    });
    w.env.push(("AWS_ENDPOINT_URL".into(), proxy.url.clone()));
    let assumed = || {
        proxy
            .seen()
            .iter()
            .filter(|s| s.action() == "AssumeRole")
            .count()
    };
    let first = ok(&w.run(&["env", "r1", "--token-code", "123456"]));
    let left = lifetime(&first);
    assert!((35 * 60..=41 * 60).contains(&left), "{left}");
    // The default (no --duration): the cache serves it.
    let again = ok(&w.run(&["env", "r1"]));
    assert_eq!(assumed(), 1);
    assert!(lifetime(&again) <= 41 * 60);
    // An hour asked for by a project file: 40 minutes left is not an hour;
    // the prompt hook assumes the role again from the cached MFA session,
    // with no code.
    let proj = project_dir(&w, "proj");
    write_project(&proj, "profile = \"r1\"\nduration = \"1h\"\n");
    ok(&w.awsmfa(&["allow"]).current_dir(&proj).output().unwrap());
    let mut hook = w.awsmfa(&["hook", "bash"]);
    hook.current_dir(&proj);
    let hooked = ok(&bounded::output_within(&mut hook, bounded::HANG));
    assert_eq!(assumed(), 2, "a new AssumeRole, not the 40 minutes cached");
    assert!(lifetime(&hooked) >= 55 * 60, "{hooked}");
    // And `env --duration 1h` is served what the hook stored.
    let hour = ok(&w.run(&["env", "r1", "--duration", "1h"]));
    assert_eq!(assumed(), 2);
    assert!(lifetime(&hour) >= 55 * 60, "{}", lifetime(&hour));
    // Two hours, through exec: the hour cached is not served either.
    let child = ok(&w.run(&[
        "exec",
        "r1",
        "--duration",
        "2h",
        "--token-code",
        "654321",
        "--",
        "sh",
        "-c",
        "printf \"export AWS_CREDENTIAL_EXPIRATION='%s'\\n\" \"$AWS_CREDENTIAL_EXPIRATION\"",
    ]));
    assert!(lifetime(&child) >= 115 * 60, "{}", lifetime(&child));

    // A session handed out as it is (no role): an hour cached, two asked.
    ok(&w.run(&["env", "alice", "--duration", "1h", "--token-code", "222222"]));
    let o = w.run(&["env", "alice", "--duration", "2h"]);
    let err = check::fails(&o, 4);
    assert!(
        err.contains("the MFA session of `alice` has 59m")
            && err.contains("left, and this needs at least 1h 55m"),
        "{err}"
    );
    // `login --duration` keeps only a session that long too.
    let o = w.run(&["login", "alice", "--duration", "2h"]);
    let err = check::fails(&o, 4);
    assert!(err.contains("this needs at least 1h 55m"), "{err}");
    ok(&w.run(&[
        "login",
        "alice",
        "--duration",
        "2h",
        "--token-code",
        "111111",
    ]));
    let long = ok(&w.run(&["env", "alice", "--duration", "2h"]));
    assert!(lifetime(&long) >= 115 * 60, "{}", lifetime(&long));
}

/// A real boto3 client calling every 30 seconds for 65 minutes of
/// simulated time through `credential_process = awsmfa process`: boto3's
/// clock is moved in the process, awsmfa's by libfaketime (and awsmfa moves
/// the expiry STS states onto its own clock, see `clock::to_local`).
const SIMULATED_HOUR: &str = r#"
import datetime, json, sys
import boto3, botocore.credentials as bc
offset_file, runs_file = sys.argv[1], sys.argv[2]
shift = [0]
def _shifted():
    return datetime.datetime.now(tzlocal()) + datetime.timedelta(seconds=_awsmfa_shift[0])
# botocore binds _local_now as a default argument: change its code, not the name.
bc._awsmfa_shift = shift
bc._local_now.__code__ = _shifted.__code__
sts = boto3.Session(profile_name="sdk").client("sts", region_name="us-east-1")
errors = []
for t in range(0, 65 * 60 + 1, 30):
    shift[0] = t
    with open(offset_file, "w") as f:
        f.write(str(t))
    try:
        sts.get_caller_identity()
    except Exception as e:
        errors.append(f"{t // 60}m: {e}")
runs = [int(l) // 60 for l in open(runs_file).read().split()]
print(json.dumps({"runs_at_minute": runs, "errors": len(errors), "first_errors": errors[:2]}))
"#;

#[test]
fn boto3_over_a_simulated_hour_starts_process_only_to_renew() {
    if !require_tools(&["faketime"]) {
        return;
    }
    let w = World::new();
    w.standard(&["r1"]);
    let (offset, runs) = (w.path("offset"), w.path("runs"));
    std::fs::write(&offset, "0").unwrap();
    std::fs::write(&runs, "").unwrap();
    // Each run is recorded at its simulated second, then awsmfa runs that
    // far in the future (monotonic clocks are left alone).
    let wrapper = w.path("process.sh");
    std::fs::write(
        &wrapper,
        format!(
            "off=$(cat '{o}')\necho \"$off\" >> '{r}'\nFAKETIME_DONT_FAKE_MONOTONIC=1 exec faketime -f \"+$off\" '{bin}' process r1\n",
            o = offset.display(),
            r = runs.display(),
            bin = awsmfa_bin().display()
        ),
    )
    .unwrap();
    let mut config = w.read("config_file");
    config.push_str(&format!(
        "\n[profile sdk]\ncredential_process = sh {}\n",
        wrapper.display()
    ));
    w.write_config(&config);
    // The MFA session (12h) first, as a user's `awsmfa login`.
    ok(&w.run(&["login", "alice", "--token-code", "123456"]));
    let mut py = w.command(python());
    py.args(["-c", SIMULATED_HOUR]).arg(&offset).arg(&runs);
    let report: serde_json::Value = serde_json::from_str(&ok(&py.output().unwrap())).unwrap();
    eprintln!("simulated hour: {report}");
    assert_eq!(report["errors"], 0, "{report}");
    let runs: Vec<u64> = serde_json::from_value(report["runs_at_minute"].clone()).unwrap();
    // Once at the start, once when boto3 refreshes 15 minutes before the
    // hour is up (then awsmfa renews, rather than serve the same again).
    assert_eq!(runs.len(), 2, "{report}");
    assert_eq!(runs[0], 0, "{report}");
    assert!((44..=46).contains(&runs[1]), "{report}");
}
