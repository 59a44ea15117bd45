//! Property tests: for arbitrary values, what `awsmfa::shell::render` prints,
//! evaluated by the real shells (and, for `.env` output, sourced by dash and
//! bash and read by python-dotenv), sets exactly those values and runs
//! nothing. At the end: the INI editor behind `setup` and `rotate`, checked
//! against the SDK's parser on arbitrary files.
//!
//! tests/quoting.rs checks a fixed list of known-nasty values; this module
//! lets proptest invent them (any char, weighted towards quotes, `$()`,
//! backticks, newlines, backslashes, `%`, `!` and commands that would leave a
//! canary file behind). Many cases share one shell process so the whole run
//! stays short; the seed and case count are fixed so CI time is bounded and
//! a failure reproduces.
//!
//! Invalid UTF-8 cannot reach the renderer: values are Rust `String`s (STS
//! answers are parsed as UTF-8 XML) and config files that are not UTF-8 are
//! refused with the file and line named (tests/core.rs
//! `non_utf8_files_are_named`).

use crate::support::{World, require_tools, stderr, stdout};
use awsmfa::shell::{self, Dotenv, Fish, Posix, Statements};
use awsmfa::vars::Changes;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Variables per case (one shell process evaluates a whole batch of cases).
const NAMES: [&str; 3] = ["PROP_A", "PROP_B", "PROP_C"];
/// Cases per shell process.
const BATCH: usize = 64;
/// Batches per shell: 4 × 64 cases × 3 values per shell.
const BATCHES: u32 = 4;

/// Pieces that mean something to some shell, plus any char at all.
fn piece() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "'",
        "\"",
        "\\",
        "$",
        "$(touch canary)",
        "`touch canary`",
        "(touch canary)",
        "; touch canary",
        "\ntouch canary\n",
        "&& touch canary",
        "| touch canary",
        "${X:-$(touch canary)}",
        "$'\\x41'",
        "\\'",
        "'\\''",
        "%s",
        "%n",
        "!",
        "!!",
        "#",
        "~",
        "*",
        "?",
        "[a]",
        "{a,b}",
        "\n",
        "\r",
        "\t",
        " ",
        "\u{1b}[31m",
        "é",
        "日本",
        "\u{202e}",
        "\u{feff}",
        "\u{f600}",
        "\u{f6ff}",
        "\u{fffd}",
        "😀",
        "\u{7f}",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        3 => special,
        2 => any::<char>().prop_filter("NUL is tested apart", |c| *c != '\0').prop_map(String::from),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..12).prop_map(|p| p.concat())
}

fn batch() -> impl Strategy<Value = Vec<[String; 3]>> {
    prop::collection::vec([value(), value(), value()], BATCH)
}

/// A fixed seed: the same values every run, so CI time is bounded and a
/// failure seen once is seen again.
fn runner() -> TestRunner {
    let config = Config {
        cases: BATCHES,
        failure_persistence: None,
        // Each shrink step starts a shell; a few dozen find a small value.
        max_shrink_iters: 64,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
}

fn changes(values: &[String; 3]) -> Changes {
    Changes {
        set: NAMES.iter().copied().zip(values.iter().cloned()).collect(),
        unset: vec!["PROP_GONE"],
    }
}

/// How one shell reads the rendered statements and writes back what it holds.
struct Harness {
    program: &'static str,
    args: &'static [&'static str],
    shell: &'static dyn Statements,
    /// The script for case `i`: eval `$dir/i`, write each variable and the
    /// exported environment into `$out/i.NAME` and `$out/i.ENV`.
    case: fn(usize) -> String,
}

fn posix_case(i: usize) -> String {
    // As a user runs it: eval "$(awsmfa env)".
    let mut s = format!("eval \"$(cat \"$1/{i}\")\"\n");
    for n in NAMES {
        s.push_str(&format!("printf %s \"${n}\" > \"$2/{i}.{n}\"\n"));
    }
    s.push_str(&format!("env -0 > \"$2/{i}.ENV\"\n"));
    s
}

fn fish_case(i: usize) -> String {
    // As the README says: awsmfa env --shell fish | source.
    let mut s = format!("cat $argv[1]/{i} | source\nor exit 1\n");
    for n in NAMES {
        s.push_str(&format!("printf %s \"${n}\" > $argv[2]/{i}.{n}\n"));
    }
    s.push_str(&format!("env -0 > $argv[2]/{i}.ENV\n"));
    s
}

/// Evaluate a batch in one process; Err describes the first case that differs.
fn evaluate(h: &Harness, cases: &[[String; 3]]) -> Result<(), TestCaseError> {
    let w = World::offline();
    let (input, out, run) = (w.path("in"), w.path("out"), w.path("run"));
    for d in [&input, &out, &run] {
        std::fs::create_dir_all(d).unwrap();
    }
    let mut script = String::new();
    for (i, values) in cases.iter().enumerate() {
        let text = shell::render(h.shell, &changes(values))
            .map_err(|e| TestCaseError::fail(format!("render refused {values:?}: {e}")))?;
        std::fs::write(input.join(i.to_string()), text).unwrap();
        script.push_str(&(h.case)(i));
    }
    let mut cmd = w.command(h.program);
    cmd.args(h.args).arg(&script);
    if h.program != "fish" {
        cmd.arg(h.program); // $0
    }
    let o = cmd
        .arg(&input)
        .arg(&out)
        .current_dir(&run)
        .env("PROP_GONE", "set before the eval")
        .output()
        .unwrap();
    prop_assert!(o.status.success(), "{} failed: {}", h.program, stderr(&o));
    prop_assert_eq!(stderr(&o), "", "{} wrote to stderr", h.program);
    prop_assert_eq!(stdout(&o), "", "{} wrote to stdout", h.program);
    prop_assert!(
        !run.join("canary").exists() && !w.home().join("canary").exists(),
        "{} executed part of a value",
        h.program
    );
    for (i, values) in cases.iter().enumerate() {
        let env = std::fs::read(out.join(format!("{i}.ENV"))).unwrap();
        let exported: Vec<&[u8]> = env.split(|b| *b == 0).collect();
        prop_assert!(
            !exported.iter().any(|e| e.starts_with(b"PROP_GONE=")),
            "{}: unset ignored",
            h.program
        );
        for (name, value) in NAMES.iter().zip(values) {
            let got = std::fs::read(out.join(format!("{i}.{name}"))).unwrap();
            prop_assert!(
                got == value.as_bytes(),
                "{}: case {i}: {name}: set {value:?}, shell holds {:?}",
                h.program,
                String::from_utf8_lossy(&got)
            );
            let entry = [name.as_bytes(), b"=", value.as_bytes()].concat();
            // A value holding "\nPROP_B=" would fake a second entry only if
            // env -0 split on newlines; it splits on NUL, so this is exact.
            prop_assert!(
                exported.contains(&entry.as_slice()),
                "{}: case {i}: {name} not exported as {value:?}",
                h.program
            );
        }
    }
    Ok(())
}

fn check(h: Harness) {
    check_with(h, batch());
}

fn check_with(h: Harness, cases: impl Strategy<Value = Vec<[String; 3]>>) {
    if !require_tools(&[h.program]) {
        return;
    }
    let result = runner().run(&cases, |cases| evaluate(&h, &cases));
    if let Err(e) = result {
        panic!("{}: {e}", h.program);
    }
}

#[test]
fn posix_output_in_bash_sets_exactly_the_values() {
    check(Harness {
        program: "bash",
        args: &["--norc", "--noprofile", "-e", "-u", "-o", "pipefail", "-c"],
        shell: &Posix,
        case: posix_case,
    });
}

#[test]
fn posix_output_in_zsh_sets_exactly_the_values() {
    check(Harness {
        program: "zsh",
        args: &["--no-rcs", "-e", "-u", "-c"],
        shell: &Posix,
        case: posix_case,
    });
}

#[test]
fn posix_output_in_dash_sets_exactly_the_values() {
    // The `sh` format promises any POSIX shell; Debian's /bin/sh is dash.
    check(Harness {
        program: "dash",
        args: &["-e", "-u", "-c"],
        shell: &Posix,
        case: posix_case,
    });
}

#[test]
fn fish_output_in_fish_sets_exactly_the_values() {
    check(Harness {
        program: "fish",
        args: &["--no-config", "--private", "-c"],
        shell: &Fish,
        case: fish_case,
    });
}

// ------------------------------------------------------------ .env output

/// Values `--shell dotenv` writes: those it would refuse lose what makes
/// it refuse them (`'`, `\`, CR, `{`), the rest stay as generated, so both
/// of its quotings are exercised. What it refuses is checked apart.
fn dotenv_batch() -> impl Strategy<Value = Vec<[String; 3]>> {
    let v = || {
        value().prop_map(|v| match Dotenv.refuse(&v) {
            None => v,
            Some(_) => v.replace(['\'', '\\', '\r', '{'], ""),
        })
    };
    prop::collection::vec([v(), v(), v()], BATCH)
}

fn dotenv_case(i: usize) -> String {
    // As people load .env files; a fresh environment stands for the unset.
    let mut s = format!("unset PROP_GONE\nset -a\n. \"$1/{i}\"\nset +a\n");
    for n in NAMES {
        s.push_str(&format!("printf %s \"${n}\" > \"$2/{i}.{n}\"\n"));
    }
    s.push_str(&format!("env -0 > \"$2/{i}.ENV\"\n"));
    s
}

#[test]
fn dotenv_output_sourced_by_dash_sets_exactly_the_values() {
    check_with(
        Harness {
            program: "dash",
            args: &["-e", "-u", "-c"],
            shell: &Dotenv,
            case: dotenv_case,
        },
        dotenv_batch(),
    );
}

#[test]
fn dotenv_output_sourced_by_bash_sets_exactly_the_values() {
    check_with(
        Harness {
            program: "bash",
            args: &["--norc", "--noprofile", "-e", "-u", "-c"],
            shell: &Dotenv,
            case: dotenv_case,
        },
        dotenv_batch(),
    );
}

/// python-dotenv with its defaults (`dotenv_values(path)`: text mode,
/// `${VAR}` interpolation) reads back exactly what was written.
#[test]
fn dotenv_output_in_python_dotenv_reads_exactly_the_values() {
    let result = runner().run(&dotenv_batch(), |cases| {
        let w = World::offline();
        let dir = w.path("in");
        std::fs::create_dir_all(&dir).unwrap();
        for (i, values) in cases.iter().enumerate() {
            let text = shell::render(&Dotenv, &changes(values)).map_err(|e| {
                TestCaseError::fail(format!("render refused {values:?}: {e}"))
            })?;
            std::fs::write(dir.join(i.to_string()), text).unwrap();
        }
        let o = w
            .command(crate::support::python())
            .args([
                "-c",
                "import dotenv, json, os, sys\n\
                 d, n = sys.argv[1], int(sys.argv[2])\n\
                 json.dump([dotenv.dotenv_values(os.path.join(d, str(i))) for i in range(n)], sys.stdout)",
            ])
            .arg(&dir)
            .arg(cases.len().to_string())
            .output()
            .unwrap();
        prop_assert!(o.status.success(), "python-dotenv: {}", stderr(&o));
        let parsed: Vec<std::collections::BTreeMap<String, Option<String>>> =
            serde_json::from_str(&stdout(&o)).unwrap();
        for (i, values) in cases.iter().enumerate() {
            for (name, value) in NAMES.iter().zip(values) {
                let got = parsed[i].get(*name).cloned().flatten();
                prop_assert_eq!(
                    got.as_ref(),
                    Some(value),
                    "case {}: {}",
                    i,
                    name
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Any value `--shell dotenv` cannot write is refused with a message made
/// only of the variable's name and the reason: never a byte of the value.
#[test]
fn dotenv_refusals_name_the_variable_never_the_value() {
    let result = runner().run(&value(), |v| {
        let changes = Changes {
            set: vec![("AWS_SECRET_ACCESS_KEY", v.clone())],
            unset: vec![],
        };
        match (Dotenv.refuse(&v), shell::render(&Dotenv, &changes)) {
            (None, Ok(_)) => {}
            (Some(why), Err(e)) => prop_assert_eq!(
                e.to_string(),
                format!("the value for AWS_SECRET_ACCESS_KEY cannot be written in this output format: {why}; use another --shell")
            ),
            (why, got) => {
                return Err(TestCaseError::fail(format!("refuse {why:?} but render {got:?}")))
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Any value holding a NUL is refused, by every format, naming the variable:
/// no shell variable can hold it, and cutting it short would export a
/// different secret than AWS issued.
#[test]
fn nul_anywhere_is_refused_with_a_clear_error() {
    let nul = (value(), value()).prop_map(|(a, b)| format!("{a}\0{b}"));
    let mut runner = runner();
    let result = runner.run(&nul, |v| {
        for format in [
            awsmfa::cli::Format::Sh,
            awsmfa::cli::Format::Fish,
            awsmfa::cli::Format::Powershell,
            awsmfa::cli::Format::Dotenv,
        ] {
            let shell = shell::for_format(format);
            let changes = Changes {
                set: vec![("AWS_SESSION_TOKEN", v.clone())],
                unset: vec![],
            };
            let err = match shell.export(&changes) {
                Ok(text) => return Err(TestCaseError::fail(format!("rendered {text:?}"))),
                Err(e) => e.to_string(),
            };
            prop_assert!(
                err.contains("AWS_SESSION_TOKEN") && err.contains("NUL"),
                "{err}"
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ------------------------------------------------------ the INI editor
//
// `setup` (edit::set of mfa_serial in the config file) and `rotate`
// (edit::replace_key in the credentials file) on arbitrary valid files:
// comments, inline comments, continuations and sub-properties, `[default]`
// and `[profile default]`, `[x]` where it is not a profile, repeated
// sections and keys, keys in odd case and spacing, CRLF, no final newline.
// After the edit the SDK's own parser reads back exactly the value written,
// every other profile and key reads back unchanged, and only the bytes of
// the edited values (or the one added line/section) differ.

use awsmfa::profile::Profiles;
use awsmfa::profile::edit::{self, Change, FileKind};

const PROFILES: [&str; 4] = ["default", "alice", "bob", "a.b"];
const KEYS: [&str; 7] = [
    "region",
    "mfa_serial",
    "aws_access_key_id",
    "aws_secret_access_key",
    "output",
    "s3",
    "role_arn",
];

/// How each profile's headers are spelled in one file. Two spellings of
/// one profile (`[profile a]` and `[ profile a ]`) are read by the SDK in
/// hash-map order, differently from one parse to the next, so a file uses
/// one per profile; `[default]` and `[profile default]` have a defined
/// priority and both appear.
const SHAPES: [&str; 5] = [
    "[profile {}]",
    "[ profile   {} ]",
    "[\tprofile {}]  # note",
    "[profile {}];c",
    "[{}]",
];

/// A header: a profile (by index into PROFILES), `[default]`, or a section
/// that is not a profile.
fn header() -> impl Strategy<Value = Result<usize, String>> {
    prop_oneof![
        4 => (0..PROFILES.len()).prop_map(Ok),
        1 => Just(Err("[default]".to_string())),
        1 => (
            prop::sample::select(vec!["sso-session", "services"]),
            prop::sample::select(PROFILES.to_vec())
        )
            .prop_map(|(t, n)| Err(format!("[{t} {n}]"))),
    ]
}

fn key_text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(KEYS.to_vec()),
        prop::sample::select(vec!["lower", "upper", "mixed"]),
    )
        .prop_map(|(k, case)| match case {
            "upper" => k.to_ascii_uppercase(),
            "mixed" => k
                .char_indices()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect(),
            _ => k.to_string(),
        })
}

fn value_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "us-east-1",
        "AKIAOLDOLDOLDOLD1234",
        "old/secret+x==",
        "v # comment",
        "v;not-a-comment",
        "v ; comment",
        "v\t#c",
        "a=b",
        "  spaced  ",
        "ünï",
        "#start",
        "arn:aws:iam::123456789012:mfa/old",
    ])
    .prop_map(str::to_string)
}

/// A line: a header (to be spelled per file) or text.
fn line() -> impl Strategy<Value = Result<String, Result<usize, String>>> {
    let sep = prop::sample::select(vec!["=", " = ", "=  ", "\t=\t", "   =", " =  "]);
    let text = prop_oneof![
        6 => (key_text(), sep, value_text()).prop_map(|(k, s, v)| format!("{k}{s}{v}")),
        1 => prop::sample::select(vec!["  max_concurrent_requests = 20", "\tsub = x", "  continued"])
            .prop_map(str::to_string),
        1 => prop::sample::select(vec!["# comment", "; comment", "#", "", "   ", "\t"])
            .prop_map(str::to_string),
    ];
    prop_oneof![2 => header().prop_map(Err), 8 => text.prop_map(Ok)]
}

/// A whole file: lines, each ending LF or CRLF, the last maybe not at all.
fn ini() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((line(), any::<bool>()), 0..14),
        any::<bool>(),
        [
            0..SHAPES.len(),
            0..SHAPES.len(),
            0..SHAPES.len(),
            0..SHAPES.len(),
        ],
    )
        .prop_map(|(lines, final_eol, shapes)| {
            let mut out = String::new();
            let n = lines.len();
            for (i, (l, crlf)) in lines.into_iter().enumerate() {
                let l = match l {
                    Ok(text) => text,
                    Err(Ok(p)) => SHAPES[shapes[p]].replace("{}", PROFILES[p]),
                    Err(Err(other)) => other,
                };
                out.push_str(&l);
                if i + 1 < n || final_eol {
                    out.push_str(if crlf { "\r\n" } else { "\n" });
                }
            }
            out
        })
}

/// Every value the SDK reads, for every profile it sees and every key the
/// generator uses.
fn snapshot(p: &Profiles) -> std::collections::BTreeMap<(String, String), Option<String>> {
    let mut names: Vec<String> = p.names().map(str::to_string).collect();
    names.extend(PROFILES.iter().map(|s| s.to_string()));
    let mut out = std::collections::BTreeMap::new();
    for n in names {
        for k in KEYS {
            out.insert(
                (n.clone(), k.to_string()),
                p.value(&n, k).map(str::to_string),
            );
        }
    }
    out
}

fn parse(kind: FileKind, text: &str) -> Option<Profiles> {
    match kind {
        FileKind::Config => Profiles::parse(text, "").ok(),
        FileKind::Credentials => Profiles::parse("", text).ok(),
    }
}

/// `after` is `before` with one run of bytes inserted, and that run is an
/// added line `key<sep>value` (with its line ending, before or after it) or
/// an added section holding `key = value`, after up to two line endings.
fn one_insertion(before: &str, after: &str, key: &str, value: &str) -> bool {
    let d = after.len() - before.len();
    let line_ok = |l: &str| {
        l.strip_prefix(key)
            .and_then(|r| r.strip_suffix(value))
            .is_some_and(|sep| sep.trim_matches([' ', '\t']) == "=")
    };
    (0..=before.len())
        .filter(|q| after.is_char_boundary(*q) && after.is_char_boundary(q + d))
        .any(|q| {
            after[..q] == before[..q] && after[q + d..] == before[q..] && {
                let s = &after[q..q + d];
                ["\n", "\r\n"].iter().any(|eol| {
                    s.strip_suffix(eol).is_some_and(line_ok)
                        || s.strip_prefix(eol).is_some_and(line_ok)
                        || {
                            let body = s.trim_start_matches(['\r', '\n']);
                            body.strip_suffix(eol)
                                .and_then(|b| b.split_once(eol))
                                .is_some_and(|(h, l)| {
                                    h.starts_with('[') && l == format!("{key} = {value}")
                                })
                        }
                })
            }
        })
}

/// `after` is `before` with only the value bytes on one line replaced by
/// `value` (plus the one blank an empty value may need), and that value's
/// continuation lines removed (they were part of it). `previous` is the
/// value as the SDK read it: continuation lines joined, their indentation
/// trimmed, so blanks and line ends are not compared on that side.
fn one_replacement(before: &str, after: &str, previous: &str, value: &str) -> bool {
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) = (
        before.split_inclusive('\n').collect(),
        after.split_inclusive('\n').collect(),
    );
    let Some(i) = (0..old_lines.len()).find(|&i| new_lines.get(i) != old_lines.get(i)) else {
        return false;
    };
    // Without line endings: deleting a file's last line (a continuation
    // with no ending) takes the ending before it.
    let eol = |l: &'_ str| l.trim_end_matches(['\r', '\n']).len();
    let (old, new) = (
        &old_lines[i].as_bytes()[..eol(old_lines[i])],
        new_lines
            .get(i)
            .map_or(&b""[..], |l| &l.as_bytes()[..eol(l)]),
    );
    let p = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max = old.len().min(new.len()) - p;
    let s = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max)
        .take_while(|(a, b)| a == b)
        .count();
    let unblank = |b: &[u8]| -> Vec<u8> {
        b.iter()
            .copied()
            .filter(|c| !b" \t\r\n".contains(c))
            .collect()
    };
    let within =
        |part: &[u8], whole: &[u8]| part.is_empty() || whole.windows(part.len()).any(|w| w == part);
    let value_ok = within(
        &unblank(&old[p..old.len() - s]),
        &unblank(previous.as_bytes()),
    ) && [value.to_string(), format!(" {value}"), format!("{value} ")]
        .iter()
        .any(|v| within(&new[p..new.len() - s], v.as_bytes()));
    // The rest: equal, but for continuation lines of the old value.
    let mut rest = new_lines[(i + 1).min(new_lines.len())..].iter().peekable();
    for line in &old_lines[i + 1..] {
        if rest.peek() == Some(&line) {
            rest.next();
        } else if !line.starts_with([' ', '\t']) {
            return false;
        }
    }
    value_ok && rest.next().is_none()
}

fn ini_runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_global_rejects: cases * 20,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[12; 32]))
}

fn serial() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+=,.@_/-]{1,24}".prop_map(|s| format!("arn:aws:iam::123456789012:mfa/{s}"))
}

#[test]
fn setup_edit_reads_back_and_changes_nothing_else() {
    let strategy = (ini(), prop::sample::select(PROFILES.to_vec()), serial());
    let result = ini_runner(3000).run(&strategy, |(text, profile, serial)| {
        let Some(before) = parse(FileKind::Config, &text) else {
            return Err(TestCaseError::reject("the SDK rejects this file"));
        };
        let change = edit::set(&text, FileKind::Config, profile, "mfa_serial", &serial)
            .map_err(|e| TestCaseError::fail(format!("a good serial was refused: {e}")))?;
        let out = change.text().unwrap_or(&text).to_string();
        let after = parse(FileKind::Config, &out)
            .ok_or_else(|| TestCaseError::fail(format!("the SDK rejects the edit: {out:?}")))?;
        prop_assert_eq!(
            after.value(profile, "mfa_serial"),
            Some(serial.as_str()),
            "{:?}",
            out
        );
        let mut want = snapshot(&before);
        want.insert((profile.into(), "mfa_serial".into()), Some(serial.clone()));
        let mut got = snapshot(&after);
        got.retain(|k, _| want.contains_key(k));
        prop_assert_eq!(got, want, "{:?} -> {:?}", text, out);
        match &change {
            Change::Same => {}
            Change::Replaced { text: o, previous } => {
                prop_assert!(
                    one_replacement(&text, o, previous, &serial),
                    "{:?} -> {:?}",
                    text,
                    o
                )
            }
            Change::Added { text: o } => {
                prop_assert!(
                    one_insertion(&text, o, "mfa_serial", &serial),
                    "{:?} -> {:?}",
                    text,
                    o
                )
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn rotate_edit_reads_back_and_changes_nothing_else() {
    const NEW_ID: &str = "AKIANEW§NEW§NEW§1234";
    const NEW_SECRET: &str = "new/§secret§+y==";
    let result = ini_runner(3000).run(&ini(), |text| {
        let Some(before) = parse(FileKind::Credentials, &text) else {
            return Err(TestCaseError::reject("the SDK rejects this file"));
        };
        let old = "AKIAOLDOLDOLDOLD1234";
        let Ok((out, changed)) =
            edit::replace_key(&text, FileKind::Credentials, old, NEW_ID, NEW_SECRET)
        else {
            return Ok(());
        };
        let after = parse(FileKind::Credentials, &out)
            .ok_or_else(|| TestCaseError::fail(format!("the SDK rejects the edit: {out:?}")))?;
        let mut want = snapshot(&before);
        for ((profile, key), v) in want.iter_mut() {
            let held = before.value(profile, "aws_access_key_id") == Some(old);
            if held && key == "aws_access_key_id" {
                *v = Some(NEW_ID.into());
            }
            if held && key == "aws_secret_access_key" {
                *v = Some(NEW_SECRET.into());
            }
        }
        let mut got = snapshot(&after);
        got.retain(|k, _| want.contains_key(k));
        prop_assert_eq!(got, want, "{:?} -> {:?} ({:?})", text, out, changed);
        // Only values changed: put the old values back where the markers
        // are and the file is what it was.
        let pieces: Vec<&str> = out
            .split(NEW_ID)
            .flat_map(|p| p.split(NEW_SECRET))
            .collect();
        let mut rest = text.as_str();
        for (i, piece) in pieces.iter().enumerate() {
            let at = match i {
                0 => 0,
                _ if i + 1 == pieces.len() => rest.len().saturating_sub(piece.len()),
                _ => rest.find(piece).unwrap_or(rest.len()),
            };
            // What was replaced: one value, maybe with continuation lines.
            let continued = |l: &str| {
                l.starts_with([' ', '\t']) || l.trim().is_empty() || l.starts_with(['#', ';'])
            };
            let replaced = &rest[..at];
            prop_assert!(
                replaced.lines().skip(1).all(continued),
                "{:?} -> {:?}",
                text,
                out
            );
            prop_assert!(rest[at..].starts_with(piece), "{:?} -> {:?}", text, out);
            rest = &rest[at + piece.len()..];
        }
        prop_assert_eq!(rest, "", "{:?} -> {:?}", text, out);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ------------------------------------------ .awsmfa.toml, config.toml, hook state
//
// These three are serde over toml or serde_json plus a few checks of
// awsmfa's own. They were fuzz targets (project_toml, user_config,
// hook_state), which spent their time inside toml and serde_json and could
// only say "no panic". Here what each parser must do is stated and checked
// on generated files: they read back exactly what a file says, refuse
// exactly what it gets wrong (naming the key, and for `.awsmfa.toml` the
// line), and never panic on text made of their own syntax, any char and
// invalid UTF-8.

use awsmfa::config::UserConfig;
use awsmfa::hookstate::{Active, State};
use awsmfa::project::Project;
use awsmfa::store::hook::Session;

fn parser_runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[14; 32]))
}

/// `s` as a TOML basic string.
fn toml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() && c != '\t' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `key = value` lines in a generated order (`order` holds one weight per
/// line), each spelled one of the ways TOML allows, with comment lines
/// between. Returns the text and the line number of each key.
fn toml_file(lines: &[(String, String)], order: &[u32], style: &[u8]) -> (String, Vec<usize>) {
    let mut at: Vec<usize> = (0..lines.len()).collect();
    at.sort_by_key(|&i| order[i % order.len()]);
    let (mut text, mut line_of, mut n) = (String::new(), vec![0; lines.len()], 1);
    for (k, &i) in at.iter().enumerate() {
        let s = style[k % style.len()];
        if s.is_multiple_of(5) {
            text.push_str("# a comment = \"x\"\n");
            n += 1;
        }
        let sep = ["=", " = ", "\t=  "][usize::from(s % 3)];
        let tail = if s.is_multiple_of(7) { "  # why" } else { "" };
        text.push_str(&format!("{}{sep}{}{tail}\n", lines[i].0, lines[i].1));
        line_of[i] = n;
        n += 1;
    }
    (text, line_of)
}

/// A key no parser knows.
fn unknown_key(known: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.2,
        "[a-z][a-z_]{0,10}".prop_filter("a known key", move |k| !known.contains(&k.as_str())),
    )
}

/// Text made of TOML and JSON syntax, the parsers' keys and values, and
/// any char.
fn syntax_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "profile", "region", "duration", "account", "cache", "refresh_window",
            "key_store", "=", " = ", "\n", "\r\n", "\"", "'", "'''", "\"\"\"", "[", "]",
            "[[", "{", "}", ",", ":", "#", "\\", "\\u", "\\U0010FFFF", "1h", "15m", "0s",
            "900", "-1", "1e400", "18446744073709551616", "true", "null", "\"eu-west-1\"",
            "\"012345678901\"", "\"file\"", "{\"v\":1", "\"sessions\":[", "\"active\":",
            "\u{feff}", "é", "\u{202e}", "\t",
        ])
        .prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

#[derive(Debug, Clone)]
struct ProjectCase {
    profile: String,
    region: Option<&'static str>,
    duration: Option<(&'static str, u64)>,
    account: Option<&'static str>,
    unknown: Option<String>,
}

fn project_case() -> impl Strategy<Value = ProjectCase> {
    (
        prop_oneof![4 => value(), 1 => prop::sample::select(vec!["", " ", "\t "]).prop_map(str::to_string)],
        prop::option::of(prop::sample::select(vec![
            "eu-west-1", "us-east-1", "", "eu west-1", " eu-west-1", "x\u{a0}y",
        ])),
        prop::option::of(prop::sample::select(vec![
            ("900", 900),
            ("\"15m\"", 900),
            ("\"1h\"", 3600),
            ("\"1h30m\"", 5400),
            ("43200", 43200),
        ])),
        prop::option::of(prop::sample::select(vec![
            "012345678901", "123456789012", "12", "01234567890a", "0123456789012", "",
        ])),
        unknown_key(&["profile", "region", "duration", "account"]),
    )
        .prop_map(|(profile, region, duration, account, unknown)| ProjectCase {
            profile,
            region,
            duration,
            account,
            unknown,
        })
}

fn project_lines(c: &ProjectCase) -> Vec<(String, String)> {
    let mut lines = vec![("profile".to_string(), toml_quoted(&c.profile))];
    if let Some(r) = c.region {
        lines.push(("region".into(), toml_quoted(r)));
    }
    if let Some((d, _)) = c.duration {
        lines.push(("duration".into(), d.into()));
    }
    if let Some(a) = c.account {
        lines.push(("account".into(), toml_quoted(a)));
    }
    if let Some(k) = &c.unknown {
        lines.push((k.clone(), "\"x\"".into()));
    }
    lines
}

/// What `Project::parse` must answer for a case: the project, or words its
/// error must hold.
fn project_expected(c: &ProjectCase, unknown_line: Option<usize>) -> Result<Project, String> {
    let bad_region = |r: &str| r.trim().is_empty() || r.chars().any(char::is_whitespace);
    let bad_account = |a: &str| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit());
    if let (Some(k), Some(n)) = (&c.unknown, unknown_line) {
        Err(format!("/p/.awsmfa.toml, line {n}: unknown field `{k}`"))
    } else if c.profile.trim().is_empty() {
        Err("`profile` is empty".into())
    } else if c.region.is_some_and(bad_region) {
        Err("`region`".into())
    } else if c.account.is_some_and(bad_account) {
        Err("12-digit".into())
    } else {
        Ok(Project {
            profile: c.profile.clone(),
            region: c.region.map(str::to_string),
            duration: c.duration.map(|(_, s)| s),
            account: c.account.map(str::to_string),
        })
    }
}

#[test]
fn project_files_read_back_what_they_say_and_errors_name_the_line() {
    let strategy = (
        project_case(),
        prop::collection::vec(any::<u32>(), 5),
        prop::collection::vec(any::<u8>(), 5),
    );
    let result = parser_runner(2000).run(&strategy, |(case, order, style)| {
        let lines = project_lines(&case);
        let (text, line_of) = toml_file(&lines, &order, &style);
        let unknown_line = case.unknown.as_ref().map(|_| line_of[lines.len() - 1]);
        let got = Project::parse(std::path::Path::new("/p/.awsmfa.toml"), text.as_bytes())
            .map_err(|e| e.to_string());
        match (project_expected(&case, unknown_line), got) {
            (Ok(want), Ok(got)) => prop_assert_eq!(got, want, "{:?}", text),
            (Err(words), Err(e)) => prop_assert!(
                e.starts_with("/p/.awsmfa.toml") && e.contains(&words),
                "{:?}: {:?} lacks {:?}",
                text,
                e,
                words
            ),
            (want, got) => {
                return Err(TestCaseError::fail(format!(
                    "{text:?}: want {want:?}, got {got:?}"
                )));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn project_parser_never_panics_and_keeps_its_guards() {
    let bytes = (
        syntax_soup(),
        prop::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(text, bad)| {
            let mut b = text.into_bytes();
            if let Some(at) = bad {
                b.insert(at.index(b.len() + 1), 0xff);
            }
            b
        });
    let result = parser_runner(4000).run(&bytes, |bytes| {
        match Project::parse(std::path::Path::new("/p/.awsmfa.toml"), &bytes) {
            Err(e) => prop_assert!(e.to_string().starts_with("/p/.awsmfa.toml"), "{e}"),
            Ok(p) => {
                prop_assert!(!p.profile.trim().is_empty(), "{:?}", p);
                prop_assert!(
                    p.region
                        .as_deref()
                        .is_none_or(|r| !r.is_empty() && !r.chars().any(char::is_whitespace)),
                    "{:?}",
                    p
                );
                prop_assert!(
                    p.account
                        .as_deref()
                        .is_none_or(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())),
                    "{:?}",
                    p
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[derive(Debug, Clone)]
struct UserCase {
    cache: Option<bool>,
    /// The value written and the seconds it means (None: not a duration).
    window: Option<(&'static str, Option<u64>)>,
    /// The value written and the store it names, as `Debug` shows it (None:
    /// no such store). Compared as text so that this test does not depend
    /// on which module owns the store choice.
    store: Option<(&'static str, Option<&'static str>)>,
    unknown: Option<String>,
}

fn user_case() -> impl Strategy<Value = UserCase> {
    (
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec![
            ("5m", Some(300)),
            ("10m", Some(600)),
            ("90s", Some(90)),
            ("1h30m", Some(5400)),
            ("", None),
            ("soon", None),
            ("-5m", None),
        ])),
        prop::option::of(prop::sample::select(vec![
            ("auto", Some("Auto")),
            ("keyring", Some("Keyring")),
            ("file", Some("File")),
            ("passphrase", Some("Passphrase")),
            ("vault", None),
            ("File", None),
        ])),
        unknown_key(&["cache", "refresh_window", "key_store"]),
    )
        .prop_map(|(cache, window, store, unknown)| UserCase {
            cache,
            window,
            store,
            unknown,
        })
}

#[test]
fn user_config_reads_back_what_it_says_and_errors_name_the_key() {
    let strategy = (
        user_case(),
        prop::collection::vec(any::<u32>(), 4),
        prop::collection::vec(any::<u8>(), 4),
    );
    let result = parser_runner(2000).run(&strategy, |(case, order, style)| {
        let mut lines = Vec::new();
        if let Some(c) = case.cache {
            lines.push(("cache".to_string(), c.to_string()));
        }
        if let Some((w, _)) = case.window {
            lines.push(("refresh_window".into(), toml_quoted(w)));
        }
        if let Some((s, _)) = case.store {
            lines.push(("key_store".into(), toml_quoted(s)));
        }
        if let Some(k) = &case.unknown {
            lines.push((k.clone(), "1".into()));
        }
        let (text, _) = toml_file(&lines, &order, &style);
        let parsed = UserConfig::parse(&text);
        // Whichever comes first in the file is the one named.
        let refused: Vec<&str> = case
            .unknown
            .as_deref()
            .into_iter()
            .chain(case.store.filter(|(_, s)| s.is_none()).map(|(raw, _)| raw))
            .collect();
        if !refused.is_empty() {
            let e = parsed.err().unwrap_or_default();
            prop_assert!(
                refused.iter().any(|w| e.contains(&format!("`{w}`"))),
                "{:?}: {:?}",
                text,
                e
            );
            return Ok(());
        }
        let config = parsed.map_err(|e| TestCaseError::fail(format!("{text:?} refused: {e}")))?;
        prop_assert_eq!(config.cache, case.cache);
        prop_assert_eq!(
            format!("{:?}", config.key_store),
            format!("{:?}", case.store.and_then(|(_, s)| s)).replace('"', "")
        );
        match (case.window, config.refresh_window_secs()) {
            (None, Ok(secs)) => prop_assert_eq!(secs, 300),
            (Some((_, Some(want))), Ok(secs)) => prop_assert_eq!(secs, want),
            // The setting is named, then the value (or that it is empty).
            (Some((raw, None)), Err(e)) => prop_assert!(
                e.to_string().contains("refresh_window: ")
                    && (e
                        .to_string()
                        .contains(&format!("{raw:?} is not a duration"))
                        || e.to_string().contains("an empty value is not a duration")),
                "{}",
                e
            ),
            (want, got) => {
                return Err(TestCaseError::fail(format!(
                    "{text:?}: window {want:?}, got {got:?}"
                )));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn user_config_parser_never_panics() {
    let result = parser_runner(4000).run(&syntax_soup(), |text| {
        if let Ok(config) = UserConfig::parse(&text) {
            let _ = config.refresh_window_secs();
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn session() -> impl Strategy<Value = Session> {
    (
        value(),
        value(),
        value(),
        value(),
        prop::option::of(value()),
        any::<u64>(),
    )
        .prop_map(
            |(source_profile, serial, access_key_id, secret_access_key, session_token, expires)| {
                Session {
                    source_profile,
                    serial,
                    access_key_id,
                    secret_access_key,
                    session_token,
                    expires,
                }
            },
        )
}

fn hook_state() -> impl Strategy<Value = State> {
    let project = (
        value(),
        prop::option::of(value()),
        prop::option::of(any::<u64>()),
        prop::option::of(value()),
    )
        .prop_map(|(profile, region, duration, account)| Project {
            profile,
            region,
            duration,
            account,
        });
    let active = (
        value(),
        project,
        prop::collection::btree_map(value(), prop::option::of(value()), 0..4),
        value(),
        prop::option::of(any::<u64>()),
        prop::option::of(value()),
    )
        .prop_map(
            |(file, project, saved, access_key_id, expires, allowance)| Active {
                file,
                allowance,
                project,
                saved,
                access_key_id,
                expires,
            },
        );
    (
        prop::option::of(active),
        prop::collection::vec(session(), 0..4),
        prop::option::of(value()),
        prop::option::of(value()),
    )
        .prop_map(|(active, sessions, hinted, generation)| State {
            v: 1,
            active,
            sessions,
            hinted,
            generation,
        })
}

/// What the hook hands back is what it reads next time, for any values in
/// it; pruning keeps exactly the sessions that have not expired.
#[test]
fn hook_state_round_trips_and_prunes_exactly_the_expired() {
    let now = std::time::SystemTime::now();
    let result = parser_runner(1000).run(&hook_state(), |state| {
        let json = state.to_json();
        let mut back = State::parse(&json);
        prop_assert_eq!(back.to_json(), json);
        let epoch = awsmfa::store::epoch(now);
        let live = state.sessions.iter().filter(|s| s.expires > epoch).count();
        back.prune(now);
        prop_assert_eq!(back.sessions.len(), live);
        prop_assert!(back.sessions.iter().all(|s| s.expires > epoch));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A state edited in the shell (cut short, or with syntax spliced in) is
/// read without a panic as some state, and that state reads back as itself.
/// Few cases: each refused state writes one note to stderr.
#[test]
fn hook_state_parser_never_panics_on_edited_state() {
    let edited = (
        hook_state(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        syntax_soup(),
    )
        .prop_map(|(state, cut, at, splice)| {
            let json = state.to_json();
            let boundaries: Vec<usize> = (0..=json.len())
                .filter(|i| json.is_char_boundary(*i))
                .collect();
            let mut text = json[..*cut.get(&boundaries)].to_string();
            let at = *at.get(&boundaries);
            if at <= text.len() {
                text.insert_str(at, &splice);
            } else {
                text.push_str(&splice);
            }
            text
        });
    let result = parser_runner(64).run(&edited, |text| {
        let state = State::parse(&text);
        let json = state.to_json();
        prop_assert_eq!(State::parse(&json).to_json(), json);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
