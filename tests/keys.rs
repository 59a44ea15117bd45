//! Key hygiene and daily comfort: `setup` and `rotate` against moto (with a
//! fault injected into each IAM call of `rotate`), completion scripts in the
//! real shells, the committed completions and man pages, help examples.

use crate::support::check::fails;
use crate::support::proxy::{Action, Proxy};
use crate::support::term::Term;
use crate::support::*;
use awsmfa::profile::edit::{self, FileKind};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run Python with boto3 clients `iam` and `sts` bound to this world's moto;
/// returns what it prints.
fn boto(w: &World, code: &str) -> String {
    let script = format!(
        "import boto3, json, sys\n\
         s = boto3.session.Session(aws_access_key_id='testing', aws_secret_access_key='testing', region_name='us-east-1')\n\
         iam = s.client('iam', endpoint_url=sys.argv[1])\n\
         sts = s.client('sts', endpoint_url=sys.argv[1])\n\
         {code}\n"
    );
    let out = Command::new(python())
        .args(["-c", &script, &w.endpoint()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "boto3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

// ---------------------------------------------------------------- setup

/// A config with comments, odd spacing and other profiles around alice.
const CONFIG: &str = "# my AWS config\n\
[default]\n\
region = eu-west-1\n\
\n\
[profile alice]   ; the IAM user\n\
region=us-east-1\n\
output   =   json\n\
\n\
# roles below\n\
[profile dev]\n\
role_arn = arn:aws:iam::123456789012:role/dev\n\
source_profile = alice\n";

fn alice_keys(s: &Seeded) -> String {
    format!(
        "[alice]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        s.access_key_id, s.secret_access_key
    )
}

#[test]
fn setup_writes_the_serial_and_keeps_every_other_byte() {
    let w = World::new();
    let s = w.seed("alice", &[]);
    w.write_credentials(&alice_keys(&s));
    w.write_config(CONFIG);
    chmod(&w.path("config_file"), 0o640);

    let first = w.run(&["setup", "alice"]);
    assert!(ok(&first).is_empty(), "stdout is for eval only");
    assert!(stderr(&first).contains(&s.mfa_serial), "{}", stderr(&first));
    let expected = CONFIG.replace(
        "output   =   json\n",
        &format!("output   =   json\nmfa_serial   =   {}\n", s.mfa_serial),
    );
    assert_eq!(w.read("config_file"), expected);
    assert_eq!(mode(&w.path("config_file")), 0o640);

    // Twice: nothing changes, byte for byte.
    let second = w.run(&["setup", "alice"]);
    ok(&second);
    assert!(stderr(&second).contains("already"), "{}", stderr(&second));
    assert_eq!(w.read("config_file"), expected);
    assert_eq!(w.read("credentials_file"), alice_keys(&s));

    // The AWS CLI reads the same value.
    let got = ok(&w
        .aws(&["configure", "get", "mfa_serial", "--profile", "alice"])
        .output()
        .unwrap());
    assert_eq!(got.trim(), s.mfa_serial);
}

#[test]
fn setup_through_a_role_profile_writes_the_user_profile_and_creates_sections() {
    let w = World::new();
    let s = w.seed("alice", &[]);
    // The user's keys are `[default]`; the config has only a role profile.
    w.write_credentials(&alice_keys(&s).replace("[alice]", "[default]"));
    let config = "[profile dev]\r\nrole_arn = arn:aws:iam::123456789012:role/dev\r\nsource_profile = default";
    w.write_config(config);
    ok(&w.run(&["setup", "dev"]));
    assert_eq!(
        w.read("config_file"),
        format!(
            "{config}\r\n\r\n[default]\r\nmfa_serial = {}\r\n",
            s.mfa_serial
        )
    );
    let before = w.read("config_file");
    ok(&w.run(&["setup"]));
    assert_eq!(w.read("config_file"), before);
}

/// A command with no controlling terminal, so a prompt cannot wait for one.
fn detached(w: &World, args: &[&str]) -> Output {
    if require_tools(&["setsid"]) {
        let mut c = w.command("setsid");
        c.arg("-w").arg(awsmfa_bin()).args(args);
        c.output().unwrap()
    } else {
        w.run(args)
    }
}

#[test]
fn setup_with_several_devices_offers_only_totp_and_takes_serial() {
    let w = World::new();
    let s = w.seed("alice", &[]);
    let fido = "arn:aws:iam::123456789012:u2f/user/alice/fidosecuritykey-ABCDEFGHIJKLMNOP";
    let tablet = boto(
        &w,
        &format!(
            "d = iam.create_virtual_mfa_device(VirtualMFADeviceName='alice-tablet', Path='/team/')['VirtualMFADevice']['SerialNumber']\n\
             iam.enable_mfa_device(UserName='alice', SerialNumber=d, AuthenticationCode1='123456', AuthenticationCode2='654321')\n\
             iam.enable_mfa_device(UserName='alice', SerialNumber='{fido}', AuthenticationCode1='123456', AuthenticationCode2='654321')\n\
             print(d)"
        ),
    );
    let tablet = tablet.trim();
    assert!(tablet.contains(":mfa/team/alice-tablet"), "{tablet}");
    w.write_credentials(&alice_keys(&s));
    w.write_config(CONFIG);

    // No terminal to ask on: the error lists the usable devices only.
    let err = fails(&detached(&w, &["setup", "alice"]), 2);
    assert!(err.contains("--serial"), "{err}");
    assert!(err.contains(&s.mfa_serial) && err.contains(tablet), "{err}");
    assert!(!err.contains(fido), "FIDO key offered: {err}");
    assert_eq!(w.read("config_file"), CONFIG);

    let err = fails(&w.run(&["setup", "alice", "--serial", fido]), 2);
    assert!(err.contains("FIDO"), "{err}");
    assert_eq!(w.read("config_file"), CONFIG);

    ok(&w.run(&["setup", "alice", "--serial", tablet]));
    assert_eq!(
        edit::get(
            &w.read("config_file"),
            FileKind::Config,
            "alice",
            "mfa_serial"
        )
        .as_deref(),
        Some(tablet)
    );
    // Choosing the other one replaces the value in place.
    ok(&w.run(&["setup", "alice", "--serial", &s.mfa_serial]));
    assert_eq!(
        w.read("config_file"),
        CONFIG.replace(
            "output   =   json\n",
            &format!("output   =   json\nmfa_serial   =   {}\n", s.mfa_serial)
        )
    );
}

#[test]
fn setup_trusts_a_named_serial_only_when_listing_is_denied() {
    let w = World::new();
    let s = w.seed("alice", &[]);
    w.write_credentials(&alice_keys(&s));
    w.write_config(CONFIG);
    let proxy = Proxy::with_policy(Some(&w.endpoint()), |c| {
        if c.seen.action() == "ListMFADevices" {
            Action::DENIED
        } else {
            Action::Forward
        }
    });
    let run = |args: &[&str]| {
        w.awsmfa(args)
            .env("AWS_ENDPOINT_URL_IAM", &proxy.url)
            .output()
            .unwrap()
    };
    let err = fails(&run(&["setup", "alice"]), 5);
    assert!(err.contains("iam:ListMFADevices"), "{err}");
    assert_eq!(w.read("config_file"), CONFIG);

    let o = run(&["setup", "alice", "--serial", &s.mfa_serial]);
    ok(&o);
    assert!(stderr(&o).contains("without checking it"), "{}", stderr(&o));
    assert_eq!(
        edit::get(
            &w.read("config_file"),
            FileKind::Config,
            "alice",
            "mfa_serial"
        ),
        Some(s.mfa_serial.clone())
    );
}

#[test]
fn setup_without_a_device_says_how_to_create_one() {
    let w = World::new();
    let keys = boto(
        &w,
        "iam.create_user(UserName='bob', Path='/staff/')\n\
         k = iam.create_access_key(UserName='bob')['AccessKey']\n\
         print(k['AccessKeyId'], k['SecretAccessKey'])",
    );
    let (id, secret) = keys.trim().split_once(' ').unwrap();
    w.write_credentials(&format!(
        "[bob]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
    ));
    let err = fails(&w.run(&["setup", "bob"]), 3);
    assert!(err.contains("IAM user `bob` has no MFA device"), "{err}");
    assert!(err.contains("aws iam create-virtual-mfa-device"), "{err}");
    assert_eq!(w.read("config_file"), "");
}

#[test]
fn setup_refuses_role_credentials() {
    let w = World::new();
    w.standard(&["dev"]);
    let json = ok(&w.run(&["process", "dev", "--token-code", "123456"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut creds = w.read("credentials_file");
    creds.push_str(&format!(
        "[tmp]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
        v["AccessKeyId"].as_str().unwrap(),
        v["SecretAccessKey"].as_str().unwrap(),
        v["SessionToken"].as_str().unwrap()
    ));
    w.write_credentials(&creds);
    let before = w.read("config_file");
    let err = fails(&w.run(&["setup", "tmp"]), 3);
    assert!(err.contains("assumed-role/dev"), "{err}");
    assert!(err.contains("not as an IAM user"), "{err}");
    assert_eq!(w.read("config_file"), before);
}

// --------------------------------------------------------------- rotate

/// Other profiles, comments, odd spacing, a CRLF line and no final newline
/// around alice's key: all of it must survive a rotation byte for byte.
pub(crate) fn rotate_world(mfa: bool) -> (World, Seeded, String) {
    let w = World::new();
    let s = w.seed("alice", &[]);
    let creds = format!(
        "# keys: rotate me\n[bob]\naws_access_key_id = AKIABOBBOBBOBBOB1234\naws_secret_access_key = bob/secret\n\n\
         [alice]\naws_access_key_id=  {}\r\naws_secret_access_key = {}   ; rotated by awsmfa\n[carol]\nregion = x",
        s.access_key_id, s.secret_access_key
    );
    w.write_credentials(&creds);
    chmod(&w.path("credentials_file"), 0o600);
    if mfa {
        w.write_config(&format!("[profile alice]\nmfa_serial = {}\n", s.mfa_serial));
    } else {
        w.write_config("[profile alice]\nregion = us-east-1\n");
    }
    (w, s, creds)
}

/// The key in alice's section of the credentials file.
pub(crate) fn disk_key(w: &World) -> (String, String) {
    let text = w.read("credentials_file");
    let get = |k| edit::get(&text, FileKind::Credentials, "alice", k).unwrap();
    (get("aws_access_key_id"), get("aws_secret_access_key"))
}

/// alice's keys as IAM lists them: (id, status).
pub(crate) fn iam_keys(w: &World) -> Vec<(String, String)> {
    let out = ok(&w
        .aws(&[
            "iam",
            "list-access-keys",
            "--user-name",
            "alice",
            "--output",
            "json",
            "--profile",
            "bob",
        ])
        .output()
        .unwrap());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut keys: Vec<(String, String)> = v["AccessKeyMetadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AccessKeyId"].as_str().unwrap().to_string(),
                k["Status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// The key on disk is an active key of alice, and the real aws CLI signs
/// with it as alice (moto names an unknown key `user/moto`).
#[track_caller]
pub(crate) fn working_key_on_disk(w: &World) -> String {
    let (id, _) = disk_key(w);
    assert!(
        iam_keys(w).contains(&(id.clone(), "Active".to_string())),
        "key on disk {id} is not active: {:?}",
        iam_keys(w)
    );
    let arn = ok(&w
        .aws(CALLER_ARN)
        .args(["--profile", "alice"])
        .output()
        .unwrap());
    assert!(arn.trim().ends_with(":user/alice"), "{arn}");
    id
}

fn swapped(original: &str, s: &Seeded, id: &str, secret: &str) -> String {
    original
        .replace(&s.access_key_id, id)
        .replace(&s.secret_access_key, secret)
}

#[test]
fn rotate_leaves_one_new_active_key_on_disk() {
    let (w, s, original) = rotate_world(true);
    ok(&w.run(&["login", "alice", "--token-code", "123456"]));
    let sessions = |w: &World| {
        ok(&w.run(&["cache", "list"]))
            .lines()
            .filter(|l| l.starts_with("session") && l.contains("alice"))
            .count()
    };
    assert_eq!(sessions(&w), 1);
    // No code given: the cached MFA session signs the IAM calls.
    let o = w.run(&["rotate", "alice"]);
    ok(&o);
    assert!(o.stdout.is_empty());
    // Step 5: the session made from the old key is forgotten.
    assert_eq!(sessions(&w), 0);
    let (id, secret) = disk_key(&w);
    assert_ne!(id, s.access_key_id);
    assert_eq!(
        w.read("credentials_file"),
        swapped(&original, &s, &id, &secret)
    );
    assert_eq!(mode(&w.path("credentials_file")), 0o600);
    assert_eq!(iam_keys(&w), vec![(id.clone(), "Active".to_string())]);
    assert_eq!(working_key_on_disk(&w), id);
    let err = stderr(&o);
    assert!(err.contains(&id) && err.contains(&s.access_key_id), "{err}");
    assert!(!err.contains(&secret), "secret on stderr");
}

#[test]
fn rotate_without_mfa_retires_the_old_key_with_the_new_one() {
    let (w, s, _) = rotate_world(false);
    let proxy = Proxy::start(Some(&w.endpoint()), vec![], Action::Forward);
    let o = w
        .awsmfa(&["rotate", "alice"])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .output()
        .unwrap();
    ok(&o);
    let id = working_key_on_disk(&w);
    assert_eq!(iam_keys(&w), vec![(id.clone(), "Active".to_string())]);
    let signer = |action: &str| {
        proxy
            .seen()
            .into_iter()
            .filter(|r| r.action() == action)
            .map(|r| r.signer())
            .collect::<Vec<_>>()
    };
    assert_eq!(signer("ListAccessKeys"), vec![s.access_key_id.clone()]);
    assert_eq!(signer("CreateAccessKey"), vec![s.access_key_id.clone()]);
    // An inactive key can sign nothing: the proven new key retires the old.
    assert_eq!(signer("UpdateAccessKey"), vec![id.clone()]);
    assert_eq!(signer("DeleteAccessKey"), vec![id.clone()]);
    assert!(signer("GetCallerIdentity").contains(&id), "never proved");
}

#[test]
fn rotate_refuses_unless_exactly_one_key() {
    let (w, s, original) = rotate_world(true);
    let second = boto(
        &w,
        "print(iam.create_access_key(UserName='alice')['AccessKey']['AccessKeyId'])",
    );
    let err = fails(&w.run(&["rotate", "alice", "--token-code", "123456"]), 1);
    assert!(err.contains("2 access keys"), "{err}");
    assert!(err.contains(second.trim()), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(w.read("credentials_file"), original);
    assert_eq!(iam_keys(&w).len(), 2);
    assert_eq!(working_key_on_disk(&w), s.access_key_id);
}

/// Rotate with `action` refused from its `nth` call on, through a proxy in
/// front of both IAM and STS.
fn rotate_with_fault(action: &str, nth: usize) -> (World, Seeded, String, Output, Proxy) {
    let (w, s, original) = rotate_world(true);
    let refused = action.to_string();
    let proxy = Proxy::with_policy(Some(&w.endpoint()), move |c| {
        if c.seen.action() == refused && c.nth >= nth {
            Action::DENIED
        } else {
            Action::Forward
        }
    });
    let o = w
        .awsmfa(&["rotate", "alice", "--token-code", "123456", "--wait", "1s"])
        .env("AWS_ENDPOINT_URL", &proxy.url)
        .output()
        .unwrap();
    assert!(
        proxy.seen().iter().filter(|r| r.action() == action).count() >= nth,
        "{action} was never refused: {:?}",
        proxy.seen()
    );
    (w, s, original, o, proxy)
}

#[test]
fn rotate_fault_in_list_access_keys_changes_nothing() {
    rotate_fault_keeps_the_old_key(
        "ListAccessKeys",
        1,
        5,
        "iam:ListAccessKeys",
        "is still active and in",
    );
}

#[test]
fn rotate_fault_in_create_access_key_changes_nothing() {
    rotate_fault_keeps_the_old_key(
        "CreateAccessKey",
        1,
        5,
        "iam:CreateAccessKey",
        "is still active and in",
    );
}

/// `action` refused from its `nth` call on, before the new key is on disk:
/// exit `code`, the error says `says` and that the old key `old_is`, and
/// the old key is the only one, active, and still in the unchanged file.
fn rotate_fault_keeps_the_old_key(action: &str, nth: usize, code: i32, says: &str, old_is: &str) {
    let (w, s, original, o, _p) = rotate_with_fault(action, nth);
    let err = fails(&o, code);
    assert!(err.contains(says), "{err}");
    assert!(
        err.contains(&format!("the old key {} {old_is}", s.access_key_id)),
        "{err}"
    );
    assert_eq!(w.read("credentials_file"), original);
    assert_eq!(working_key_on_disk(&w), s.access_key_id);
    assert_eq!(
        iam_keys(&w),
        vec![(s.access_key_id.clone(), "Active".into())]
    );
}

#[test]
fn rotate_fault_in_update_access_key_keeps_both_keys_active() {
    let (w, s, original, p, id) = rotate_fault_after_the_new_key(
        "UpdateAccessKey",
        "is still active too",
        "iam update-access-key",
        "Active",
    );
    let (_, secret) = disk_key(&w);
    assert_eq!(
        w.read("credentials_file"),
        swapped(&original, &s, &id, &secret)
    );
    assert!(!p.seen().iter().any(|r| r.action() == "DeleteAccessKey"));
}

#[test]
fn rotate_fault_in_delete_access_key_leaves_the_old_key_inactive() {
    rotate_fault_after_the_new_key(
        "DeleteAccessKey",
        "is inactive but not deleted",
        "iam delete-access-key",
        "Inactive",
    );
}

/// `action` refused once the new key is on disk: the error names the new
/// key, says the old one `old_is` with the `fix` command, and IAM holds the
/// new key active and the old one `old_state`. Returns the new key's id.
fn rotate_fault_after_the_new_key(
    action: &str,
    old_is: &str,
    fix: &str,
    old_state: &str,
) -> (World, Seeded, String, Proxy, String) {
    let (w, s, original, o, p) = rotate_with_fault(action, 1);
    let err = fails(&o, 5);
    let id = working_key_on_disk(&w);
    assert_ne!(id, s.access_key_id);
    assert!(
        err.contains(&format!("The new key {id} is active and in")),
        "{err}"
    );
    assert!(
        err.contains(&format!("the old key {} {old_is}", s.access_key_id)),
        "{err}"
    );
    assert!(err.contains(fix), "{err}");
    let mut expected = vec![
        (id.clone(), "Active".to_string()),
        (s.access_key_id.clone(), old_state.to_string()),
    ];
    expected.sort();
    assert_eq!(iam_keys(&w), expected);
    (w, s, original, p, id)
}

#[test]
fn rotate_rolls_back_when_the_new_key_is_never_accepted() {
    // The first GetCallerIdentity (old key) passes; every proof fails.
    rotate_fault_keeps_the_old_key(
        "GetCallerIdentity",
        2,
        1,
        "did not accept the new key",
        "is active and back in",
    );
}

// ------------------------------------------------ completions, man, help

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

const REGENERATE: &str = "regenerate with `AWSMFA_REGENERATE=1 cargo test --test tests keys::generated` and commit the result";

/// Compare a committed generated file, or rewrite it when asked to.
#[track_caller]
fn check_generated(rel: &str, fresh: &[u8]) {
    let path = repo(rel);
    if std::env::var_os("AWSMFA_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{rel} is out of date with the clap definitions; {REGENERATE}"
    );
}

const SCRIPTS: [(&str, &str); 5] = [
    ("bash", "completions/awsmfa.bash"),
    ("zsh", "completions/_awsmfa"),
    ("fish", "completions/awsmfa.fish"),
    ("powershell", "completions/_awsmfa.ps1"),
    ("elvish", "completions/awsmfa.elv"),
];

#[test]
fn generated_completion_scripts_are_up_to_date() {
    let w = World::offline();
    for (shell, rel) in SCRIPTS {
        let out = w.run(&["completions", shell]);
        ok(&out);
        assert!(!out.stdout.is_empty(), "{shell}: empty script");
        check_generated(rel, &out.stdout);
    }
}

/// Text for roff: hyphens as `\-` (so `man` shows and searches them as
/// typed), backslashes escaped, no line read as a request.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    let lines: Vec<String> = escaped
        .lines()
        .map(|l| match l.starts_with(['.', '\'']) {
            true => format!("\\&{l}"),
            false => l.to_string(),
        })
        .collect();
    lines.join("\n")
}

/// A hand-written part of the pages, in man/src/.
fn man_src(name: &str) -> String {
    std::fs::read_to_string(repo(&format!("man/src/{name}"))).unwrap()
}

/// DESCRIPTION from the long help after its first paragraph, which NAME
/// already shows.
fn description(cmd: &clap::Command) -> String {
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    let long = cmd
        .get_long_about()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let more = long.strip_prefix(about.as_str()).unwrap_or_default().trim();
    assert!(
        !more.is_empty(),
        "`{}` has no long help beyond its first line: add a paragraph to its doc comment in src/cli.rs",
        cmd.get_name()
    );
    format!(
        ".SH DESCRIPTION\n{}\n",
        roff_text(more).replace("\n\n", "\n.PP\n")
    )
}

/// One section-1 page: clap's NAME, SYNOPSIS, OPTIONS and COMMANDS around
/// a DESCRIPTION that does not repeat NAME (the hand-written one for
/// awsmfa(1); else the long help after its first paragraph), then the
/// reference sections, EXIT STATUS and the command's examples.
fn man_page(cmd: &clap::Command, main: bool) -> (String, Vec<u8>) {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("awsmfa {}", env!("CARGO_PKG_VERSION")))
        .manual("awsmfa manual");
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    let description = match main {
        true => man_src("awsmfa.description.roff"),
        false => description(cmd),
    };
    out.extend_from_slice(description.as_bytes());
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out).unwrap();
    }
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        man.render_subcommands_section(&mut out).unwrap();
    }
    let reference = if main {
        "awsmfa.reference.roff"
    } else {
        "sub-environment.roff"
    };
    out.extend_from_slice(man_src(reference).as_bytes());
    out.extend_from_slice(man_src("exit-status.roff").as_bytes());
    if let Some(after) = cmd.get_after_help() {
        let text = after.to_string();
        let text = if main {
            text
        } else {
            text.lines().skip(1).collect::<Vec<_>>().join("\n")
        };
        out.extend_from_slice(format!(".SH EXAMPLES\n.nf\n{}\n.fi\n", roff_text(&text)).as_bytes());
    }
    out.extend_from_slice(man_src("see-also.roff").as_bytes());
    // Each clap_mangen call opens with the same two-line preamble: keep one.
    let text = String::from_utf8(out).unwrap();
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = format!("{preamble}{}", text.replace(preamble, ""));
    (man.get_filename(), text.into_bytes())
}

/// Every visible command's page, from the clap definitions.
fn man_pages() -> Vec<(String, Vec<u8>)> {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, main: bool, out: &mut Vec<(String, Vec<u8>)>) {
        out.push(man_page(cmd, main));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, false, out);
        }
    }
    let mut cmd = awsmfa::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    walk(&cmd, true, &mut pages);
    pages
}

#[test]
fn generated_man_pages_are_up_to_date() {
    let names = |dir: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".1"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let pages = man_pages();
    let mut fresh: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    fresh.sort();
    assert!(fresh.contains(&"awsmfa.1".to_string()), "{fresh:?}");
    if std::env::var_os("AWSMFA_REGENERATE").is_some() {
        for old in names(&repo("man")) {
            std::fs::remove_file(repo("man").join(old)).unwrap();
        }
    }
    for (name, text) in &pages {
        check_generated(&format!("man/{name}"), text);
    }
    assert_eq!(
        names(&repo("man")),
        fresh,
        "man/ has pages for commands that no longer exist; {REGENERATE}"
    );
}

/// Every page, generated or hand-written (section 5), has the sections a
/// reader looks for, renders without a warning from groff, and no footer
/// names a subcommand as if it were the program.
#[test]
fn man_pages_have_every_section_and_render_cleanly() {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo("man"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "1" || x == "5"))
        .collect();
    pages.sort();
    assert!(
        pages.iter().any(|p| p.ends_with("awsmfa-config.5")),
        "{pages:?}"
    );
    assert!(
        pages.iter().any(|p| p.ends_with("awsmfa-project.5")),
        "{pages:?}"
    );
    let sections = [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
    ];
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for s in sections {
            assert!(
                text.contains(&format!("\n.SH {s}\n"))
                    || text.contains(&format!("\n.SH \"{s}\"\n")),
                "{}: no {s} section",
                page.display()
            );
        }
        let th = text.lines().find(|l| l.starts_with(".TH")).unwrap();
        assert!(
            !th.contains("\"init ") && !th.contains(" 0.1.0\" \n"),
            "{th}"
        );
        if !require_tools(&["man"]) {
            continue;
        }
        let o = std::process::Command::new("man")
            .args(["--warnings", "-E", "UTF-8", "-l"])
            .arg(page)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}: {}", page.display(), stderr(&o));
        assert_eq!(stderr(&o), "", "{}: groff warnings", page.display());
        // Bold is overstrike when not at a terminal: "E\bE" for E.
        let mut shown = String::new();
        for c in String::from_utf8_lossy(&o.stdout).chars() {
            match c {
                '\u{8}' => drop(shown.pop()),
                c => shown.push(c),
            }
        }
        assert!(shown.contains("EXIT STATUS"), "{}", page.display());
    }
    // Every AWSMFA_ variable named in src/ (AWSMFA_VERSION is build.rs's).
    let main = std::fs::read_to_string(repo("man/awsmfa.1")).unwrap();
    let mut vars = std::collections::BTreeSet::new();
    let mut dirs = vec![repo("src")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices("\"AWSMFA_") {
                let name: String = text[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                vars.insert(name);
            }
        }
    }
    vars.remove("AWSMFA_VERSION");
    assert!(vars.contains("AWSMFA_TIMEOUT"), "{vars:?}");
    for var in vars.iter().map(String::as_str).chain(["AWS_CA_BUNDLE"]) {
        assert!(
            main.contains(&format!("\\fB{var}\\fR")),
            "awsmfa.1 does not describe {var}"
        );
    }
    let config = std::fs::read_to_string(repo("man/awsmfa-config.5")).unwrap();
    for key in ["refresh_window", "key_store", "cache", "browser"] {
        assert!(
            config.contains(&format!("\\fB{key}\\fR")),
            "awsmfa-config.5: {key}"
        );
    }
}

#[test]
fn every_command_help_has_an_example() {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        for sub in cmd.get_subcommands() {
            if sub.is_hide_set() || sub.get_name() == "help" {
                continue;
            }
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(sub, p, out);
        }
    }
    let mut paths = Vec::new();
    walk(&awsmfa::cli::Cli::command(), Vec::new(), &mut paths);
    assert!(paths.len() > 10, "{paths:?}");
    let w = World::offline();
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = ok(&w.run(&args));
        let lines: Vec<&str> = help.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.starts_with("Example"))
            .unwrap_or_else(|| panic!("`awsmfa {}` has no example:\n{help}", path.join(" ")));
        assert!(
            lines[start + 1..]
                .iter()
                .take_while(|l| l.starts_with("  "))
                .any(|l| l.contains("awsmfa")),
            "`awsmfa {}`: the example shows no awsmfa command:\n{help}",
            path.join(" ")
        );
    }
}

/// A world with profiles in both files, and awsmfa on PATH (the scripts
/// call it by name).
fn completion_world() -> World {
    let mut w = World::offline();
    w.write_config(
        "[profile alpha-dev]\nregion = x\n[profile alpha-prod]\nregion = y\n[default]\nregion = z\n",
    );
    w.write_credentials("[beta]\naws_access_key_id = A\naws_secret_access_key = B\n");
    let bin = awsmfa_bin()
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    w.env.push(("PATH".into(), path));
    w
}

#[test]
fn completion_scripts_load_in_bash_zsh_and_fish() {
    let w = completion_world();
    let script = |rel: &str| repo(rel).to_string_lossy().into_owned();
    let o = w
        .command("bash")
        .args(["--norc", "--noprofile", "-e", "-u", "-o", "pipefail", "-c"])
        .arg(format!(
            "source '{}'; complete -p awsmfa",
            script("completions/awsmfa.bash")
        ))
        .output()
        .unwrap();
    assert!(ok(&o).contains("_clap_complete_awsmfa"), "{}", stdout(&o));
    assert_eq!(stderr(&o), "");

    if require_tools(&["zsh"]) {
        let o = w
            .command("zsh")
            .args(["--no-rcs", "-e", "-c"])
            .arg(format!(
                "autoload -Uz compinit; compinit -u -d '{}/zcompdump'; source '{}'; print -r -- $_comps[awsmfa]",
                w.dir.path().display(),
                script("completions/_awsmfa")
            ))
            .output()
            .unwrap();
        assert_eq!(ok(&o).trim(), "_clap_dynamic_completer_awsmfa");
        assert_eq!(stderr(&o), "");
    }
    if require_tools(&["fish"]) {
        let o = w
            .command("fish")
            .args(["--no-config", "--private", "-c"])
            .arg(format!(
                "source '{}'; complete --command awsmfa",
                script("completions/awsmfa.fish")
            ))
            .output()
            .unwrap();
        assert!(ok(&o).contains("_AWSMFA_COMPLETE=fish"), "{}", stdout(&o));
        assert_eq!(stderr(&o), "");
    }
}

#[test]
fn profile_names_complete_in_bash() {
    let w = completion_world();
    let complete = |line: &str| {
        let script = format!(
            "source '{}'\n\
             read -r -a COMP_WORDS <<< \"$1\"\n\
             [[ $1 == *' ' ]] && COMP_WORDS+=('')\n\
             COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
             COMP_LINE=$1 COMP_POINT=${{#1}} COMP_TYPE=9\n\
             _clap_complete_awsmfa awsmfa \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            repo("completions/awsmfa.bash").display()
        );
        let o = w
            .command("bash")
            .args(["--norc", "--noprofile", "-c", &script, "bash", line])
            .output()
            .unwrap();
        let mut got: Vec<String> = ok(&o).lines().map(str::to_string).collect();
        got.sort();
        got
    };
    assert_eq!(complete("awsmfa env alpha-"), ["alpha-dev", "alpha-prod"]);
    assert_eq!(complete("awsmfa exec be"), ["beta"]);
    // `use` is the shell function's, with env's arguments (bash showed `--`).
    assert_eq!(complete("awsmfa use alpha-"), ["alpha-dev", "alpha-prod"]);
    assert_eq!(complete("awsmfa rotate alpha-p"), ["alpha-prod"]);
    assert_eq!(complete("awsmfa console alpha-p"), ["alpha-prod"]);
    assert_eq!(complete("awsmfa rot"), ["rotate"]);
    // An empty word offers the flags too; every profile must be there.
    let mut all = complete("awsmfa setup ");
    all.retain(|c| !c.starts_with('-'));
    assert_eq!(all, ["alpha-dev", "alpha-prod", "beta", "default"]);
}

#[test]
fn profile_names_complete_in_fish() {
    if !require_tools(&["fish"]) {
        return;
    }
    let w = completion_world();
    // `use` is the shell function's, with env's arguments (fish offered
    // only flags there).
    for verb in ["login", "use"] {
        let o = w
            .command("fish")
            .args(["--no-config", "--private", "-c"])
            .arg(format!(
                "source '{}'; complete --do-complete 'awsmfa {verb} alpha-'",
                repo("completions/awsmfa.fish").display()
            ))
            .output()
            .unwrap();
        let mut got: Vec<String> = ok(&o)
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
        got.sort();
        assert_eq!(got, ["alpha-dev", "alpha-prod"], "awsmfa {verb}");
    }
}

/// zsh has no way to ask for completions without a terminal: run an
/// interactive zsh in tmux, type, press TAB, and read the screen.
#[test]
fn profile_names_complete_in_zsh() {
    if !require_tools(&["zsh"]) {
        return;
    }
    let mut w = completion_world();
    let zdot = w.path("zdot");
    std::fs::create_dir_all(&zdot).unwrap();
    std::fs::write(
        zdot.join(".zshrc"),
        format!(
            "autoload -Uz compinit && compinit -u -d '{}/zcompdump'\nsource '{}'\nPS1='READY> '\n",
            zdot.display(),
            repo("completions/_awsmfa").display()
        ),
    )
    .unwrap();
    w.env
        .push(("ZDOTDIR".into(), zdot.to_string_lossy().into_owned()));
    let Some(t) = Term::start(&w, "zsh -i", &[]) else {
        return;
    };
    t.wait_for("READY>");
    t.keys(&["awsmfa env alpha-p", "Tab"]);
    t.wait_for("READY> awsmfa env alpha-prod");
    t.keys(&["C-u", "awsmfa use alpha-p", "Tab"]);
    t.wait_for("READY> awsmfa use alpha-prod");
}

/// With several devices and a terminal, setup asks which one.
#[test]
fn setup_asks_on_the_terminal_which_device() {
    let mut w = World::new();
    let s = w.seed("alice", &[]);
    let tablet = boto(
        &w,
        "d = iam.create_virtual_mfa_device(VirtualMFADeviceName='alice-tablet')['VirtualMFADevice']['SerialNumber']\n\
         iam.enable_mfa_device(UserName='alice', SerialNumber=d, AuthenticationCode1='123456', AuthenticationCode2='654321')\n\
         print(d)",
    );
    let tablet = tablet.trim();
    w.write_credentials(&alice_keys(&s));
    w.write_config(CONFIG);
    let bin = awsmfa_bin()
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    w.env.push((
        "PATH".into(),
        format!("{bin}:{}", std::env::var("PATH").unwrap_or_default()),
    ));
    let Some(t) = Term::start(&w, "awsmfa setup alice; echo \"EXIT=$?\"; sleep 120", &[]) else {
        return;
    };
    let screen = t.wait_for("Which one? [1-2]:");
    assert!(screen.contains(&s.mfa_serial), "{screen}");
    let choice = screen
        .lines()
        .find(|l| l.contains(tablet))
        .and_then(|l| l.trim().split(')').next())
        .unwrap_or_else(|| panic!("{tablet} not offered:\n{screen}"))
        .to_string();
    // A wrong answer is asked again, then the number picks the device.
    t.keys(&["9", "Enter"]);
    t.wait_for("Type a number from 1 to 2");
    t.keys(&[&choice, "Enter"]);
    t.wait_for("EXIT=0");
    assert_eq!(
        edit::get(
            &w.read("config_file"),
            FileKind::Config,
            "alice",
            "mfa_serial"
        )
        .as_deref(),
        Some(tablet)
    );
}

/// SECURITY.md proves each promise by naming tests: every `module::test`
/// it names must exist, so a rename cannot leave a promise unproven.
#[test]
fn security_md_names_tests_that_exist() {
    let text = std::fs::read_to_string(repo("SECURITY.md")).unwrap();
    let mut named = 0;
    for quoted in text.split('`').skip(1).step_by(2) {
        let Some((module, test)) = quoted.split_once("::") else {
            continue;
        };
        let file = repo(&format!("tests/{module}.rs"));
        if !module.chars().all(|c| c.is_ascii_lowercase() || c == '_') || !file.exists() {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        assert!(
            source.contains(&format!("fn {test}()")),
            "SECURITY.md names {quoted}, which is not a test in {}",
            file.display()
        );
        named += 1;
    }
    assert!(named >= 20, "SECURITY.md names only {named} tests");
}

/// `--version` names the commit it was built from (build.rs), so a bug
/// report names the exact build.
#[test]
fn version_names_the_commit() {
    let w = World::offline();
    let shown = ok(&w.run(&["--version"]));
    let head = std::process::Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "log",
            "-1",
            "--format=%h %cs",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let Some(head) = head else {
        // Without git the version is the bare one; under CI=true git and
        // the checkout's history must be there.
        require("git and this checkout's history", false);
        assert_eq!(
            shown.trim(),
            format!("awsmfa {}", env!("CARGO_PKG_VERSION"))
        );
        return;
    };
    assert_eq!(
        shown.trim(),
        format!("awsmfa {} ({head})", env!("CARGO_PKG_VERSION"))
    );
}
