//! What a process awsmfa starts can read of awsmfa (issue 21, item 3): the
//! command of `exec --server` and `mfa_process` both run while awsmfa holds
//! the vault's passphrase (in its environment, as CI gives it), the
//! long-term secret and the MFA session (in its memory). Each probes its
//! parent as an attacker would: `/proc/$PPID/environ`, `/proc/$PPID/mem`
//! (every readable region, searched for those secrets) and a ptrace attach
//! (what `gdb -p` does).

use crate::support::bounded::output_within;
use crate::support::*;
use std::process::Command;
use std::time::Duration;

const PASSPHRASE: &str = "correct horse battery staple";

/// The start of the session token moto gives every GetSessionToken: the MFA
/// session awsmfa keeps (the role's credentials the command may have).
const MFA_SESSION_TOKEN: &str = "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT";

/// Reads the secrets to look for from `needles.json`, probes its parent and
/// writes what it got to `probe-<argv[1]>.json` (in its working directory,
/// the world's home); prints an MFA code (for `mfa_process`).
const PROBE: &str = r#"
import ctypes, errno, json, os, sys
ppid = os.getppid()
needles = json.load(open("needles.json"))
report = {"own_env": sorted(k for k in ("AWSMFA_VAULT_PASSPHRASE", "__awsmfa_state") if k in os.environ)}

def found_in(blob):
    return sorted(name for name, value in needles.items() if value.encode() in blob)

try:
    report["environ"] = found_in(open(f"/proc/{ppid}/environ", "rb").read())
except OSError as e:
    report["environ"] = "refused: " + errno.errorcode.get(e.errno, str(e.errno))

def memory():
    seen, readable = set(), 0
    with open(f"/proc/{ppid}/maps") as maps, open(f"/proc/{ppid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(start)
                blob = mem.read(min(end - start, 256 << 20))
            except OSError:
                continue
            readable += len(blob)
            seen.update(found_in(blob))
    return {"bytes": readable, "found": sorted(seen)}

try:
    report["mem"] = memory()
except OSError as e:
    report["mem"] = "refused: " + errno.errorcode.get(e.errno, str(e.errno))

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_ATTACH, PTRACE_DETACH = 16, 17
if libc.ptrace(PTRACE_ATTACH, ppid, None, None) == 0:
    os.waitpid(ppid, 0x40000000)  # __WALL: the parent is stopped for us
    libc.ptrace(PTRACE_DETACH, ppid, None, None)
    report["ptrace"] = "attached"
else:
    report["ptrace"] = "refused: " + errno.errorcode.get(ctypes.get_errno(), "?")

with open(f"probe-{sys.argv[1]}.json", "w") as f:
    json.dump(report, f)
print("123456")
"#;

/// alice (keys, MFA) and a role `dev`; the passphrase in the environment,
/// as CI sets it; the probe and the secrets it looks for in the home.
fn probed_world() -> (World, Seeded) {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    w.env
        .push(("AWSMFA_VAULT_PASSPHRASE".into(), PASSPHRASE.into()));
    std::fs::write(w.home().join("probe.py"), PROBE).unwrap();
    let needles = serde_json::json!({
        "the passphrase": PASSPHRASE,
        "the long-term secret": s.secret_access_key,
        "the MFA session": MFA_SESSION_TOKEN,
    });
    std::fs::write(w.home().join("needles.json"), needles.to_string()).unwrap();
    (w, s)
}

/// awsmfa with `args`, as a user without privileges runs it. The tests may
/// run as root, whose CAP_SYS_PTRACE reads every process whatever it does:
/// then awsmfa and everything it starts keep uid 0 but lose every
/// capability (an empty bounding set), as a same-uid attacker has none.
fn unprivileged(w: &World, args: &[&str]) -> Command {
    if !is_root() {
        return w.awsmfa(args);
    }
    let mut c = w.command("setpriv");
    c.args(["--bounding-set=-all", "--inh-caps=-all", "--"])
        .arg(awsmfa_bin())
        .args(args);
    c
}

fn report(w: &World, tag: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(w.home().join(format!("probe-{tag}.json")))
        .unwrap_or_else(|e| panic!("the probe wrote no report: {e}"));
    eprintln!("probe-{tag}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Nothing of the parent was readable, and nothing secret was inherited.
#[track_caller]
fn read_nothing(r: &serde_json::Value) {
    for what in ["environ", "mem", "ptrace"] {
        let got = r[what].as_str().unwrap_or_default();
        assert!(
            got.starts_with("refused: EACCES") || got.starts_with("refused: EPERM"),
            "the child read its parent's {what}: {r}"
        );
    }
    assert_eq!(r["own_env"], serde_json::json!([]), "inherited: {r}");
}

#[test]
fn the_command_of_exec_server_reads_nothing_of_awsmfa() {
    if !require_tools(&["setpriv"]) {
        return;
    }
    let (w, s) = probed_world();
    let out = output_within(
        unprivileged(
            &w,
            &["exec", "--server", "dev", "--token-code", "123456", "--"],
        )
        .arg(python())
        .args(["probe.py", "server"]),
        Duration::from_secs(60),
    );
    assert!(ok(&out).contains("123456"));
    read_nothing(&report(&w, "server"));
    // The command still gets the role, from the endpoint.
    let arn = ok(&output_within(
        unprivileged(&w, &["exec", "--server", "dev", "--"])
            .arg(python())
            .args(["-m", "awscli"])
            .args(CALLER_ARN),
        Duration::from_secs(60),
    ));
    assert!(arn.starts_with(&assumed(&s.roles["dev"])), "{arn}");
}

#[test]
fn mfa_process_reads_nothing_of_awsmfa() {
    if !require_tools(&["setpriv"]) {
        return;
    }
    let (w, _) = probed_world();
    let probe = format!(
        "{} {} mfa",
        python().display(),
        w.home().join("probe.py").display()
    );
    let config = w.read("config_file").replace(
        "[profile alice]\n",
        &format!("[profile alice]\nmfa_process = {probe}\n"),
    );
    w.write_config(&config);
    let out = output_within(
        &mut unprivileged(&w, &["--no-cache", "env", "dev"]),
        Duration::from_secs(60),
    );
    assert!(ok(&out).contains("AWS_SESSION_TOKEN"));
    read_nothing(&report(&w, "mfa"));
}
