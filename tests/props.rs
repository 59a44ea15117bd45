//! Property tests: for arbitrary values, what `awsmfa::shell::render` prints,
//! evaluated by the real shells, sets exactly those values and runs nothing.
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

use crate::support::{have, stderr, stdout, World};
use awsmfa::shell::{self, Fish, Posix, Shell};
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
    shell: &'static dyn Shell,
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
    assert!(
        have(h.program),
        "{} is needed: run scripts/setup.sh",
        h.program
    );
    let result = runner().run(&batch(), |cases| evaluate(&h, &cases));
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
            let shell = shell::for_format(format).unwrap();
            let changes = Changes {
                set: vec![("AWS_SESSION_TOKEN", v.clone())],
                unset: vec![],
            };
            let err = match shell::render(shell, &changes) {
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
