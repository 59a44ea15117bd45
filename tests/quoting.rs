//! Hostile values through every output format, evaluated by the real shells
//! run strictly: each variable must hold exactly the value's bytes, nothing
//! may execute (a canary file must never appear), and stderr stays empty.

use crate::support::check::exported;
use crate::support::*;
use awsmfa::shell::{self, Dotenv, Fish, Posix, PowerShell, Statements};
use awsmfa::vars::Changes;
use std::path::Path;

/// Values built to break out of each shell's quoting, or to run `touch` on a
/// canary file (relative to the shell's directory, and absolute).
fn hostile(canary: &Path) -> Vec<(&'static str, String)> {
    let abs = canary.display();
    let long: String = (0..4000)
        .map(|i| ["'", "\\", "$(", "`", "\n", "\"", "x", "!", "é", "%"][i % 10])
        .collect::<Vec<_>>()
        .concat()
        .repeat(3);
    vec![
        ("Q_SINGLE", "it's a 'quoted' value''".into()),
        ("Q_DOUBLE", "say \"hi\" \"\"".into()),
        ("Q_SUBST", "$(touch canary)".into()),
        ("Q_SUBST_ABS", format!("$(touch {abs}) ${{IFS}}")),
        (
            "Q_BACKTICK",
            "`touch canary` `touch ".to_string() + &format!("{abs}`"),
        ),
        (
            "Q_VARS",
            "$HOME ${HOME} $0 $$ $? $fish_pid $argv ${!}".into(),
        ),
        (
            "Q_FISH",
            format!("(touch canary) (touch {abs}) {{a,b}} ~ * $(touch canary)"),
        ),
        ("Q_NEWLINES", "line one\nline two\n\n".into()),
        ("Q_LEADING_NEWLINE", "\nstarts with a newline".into()),
        ("Q_BACKSLASH", "a\\b\\\\c\\'d\\n\\".into()),
        ("Q_FISH_BREAKOUT", "\\'; touch canary; echo \\".into()),
        ("Q_POSIX_BREAKOUT", "'; touch canary; echo '".into()),
        ("Q_BANG", "!! !$ !-1 !touch".into()),
        ("Q_PERCENT", "%s %n %% %PATH% 100%".into()),
        (
            "Q_UNICODE",
            "ünïcødé ✓ 日本語 🔑 ‘curly’ “double” \u{202e}rtl \u{a0}nbsp".into(),
        ),
        (
            "Q_CONTROL",
            "tab\there\rcr \x1b[31mred\x1b[0m bell\x07 \x7f".into(),
        ),
        ("Q_EMPTY", String::new()),
        ("Q_DASH", "-n -e --".into()),
        ("Q_ZSH", "=ls ~root *(N) ^x #comment".into()),
        (
            "Q_SEMICOLON",
            "; touch canary & touch canary | touch canary".into(),
        ),
        ("Q_LONG", long),
    ]
}

struct Case {
    world: World,
    run_dir: std::path::PathBuf,
    out_dir: std::path::PathBuf,
    canary: std::path::PathBuf,
    values: Vec<(&'static str, String)>,
}

fn case() -> Case {
    let world = World::offline();
    let run_dir = world.path("run");
    let out_dir = world.path("out");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::create_dir_all(&out_dir).unwrap();
    let canary = world.path("canary");
    let values = hostile(&canary);
    Case {
        world,
        run_dir,
        out_dir,
        canary,
        values,
    }
}

fn rendered(shell: &dyn Statements, values: &[(&'static str, String)]) -> String {
    let changes = Changes {
        set: values.to_vec(),
        unset: vec!["Q_UNSET_ME"],
    };
    shell::render(shell, &changes).expect("every value here is renderable")
}

impl Case {
    /// Run `args` (ending in a script taking the rendered file as $1/argv[1]
    /// and the output dir as $2/argv[2]) and check every value and export.
    fn check(&self, program: &str, args: &[&str], script: &str, rendered: &str) {
        if !require_tools(&[program]) {
            return;
        }
        let file = self.world.path(&format!("rendered.{program}"));
        std::fs::write(&file, rendered).unwrap();
        let o = self
            .world
            .command(program)
            .args(args)
            .arg(script)
            .args(if program == "fish" {
                vec![]
            } else {
                vec![program]
            })
            .arg(&file)
            .arg(&self.out_dir)
            .current_dir(&self.run_dir)
            .env("Q_UNSET_ME", "present before the eval")
            .output()
            .unwrap();
        assert!(o.status.success(), "{program} failed: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{program} wrote to stderr");
        assert_eq!(stdout(&o), "", "{program} wrote to stdout");
        assert!(
            !self.run_dir.join("canary").exists() && !self.canary.exists(),
            "{program} executed part of a value"
        );
        // What the shell holds...
        for (name, value) in &self.values {
            let got = std::fs::read(self.out_dir.join(name)).unwrap();
            assert!(
                got == value.as_bytes(),
                "{program}: {name}: expected {value:?}, got {:?}",
                String::from_utf8_lossy(&got)
            );
        }
        // ...and what a child process inherits.
        let env = std::fs::read(self.out_dir.join("ENV")).unwrap();
        let mut exported = std::collections::BTreeMap::new();
        for entry in env.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            if let Some((k, v)) = entry.split_once('=') {
                exported.insert(k.to_string(), v.to_string());
            }
        }
        for (name, value) in &self.values {
            assert_eq!(
                exported.get(*name),
                Some(value),
                "{program}: {name} not exported"
            );
        }
        assert!(
            !exported.contains_key("Q_UNSET_ME"),
            "{program}: unset ignored"
        );
        for entry in std::fs::read_dir(&self.out_dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
    }

    /// POSIX shells: `eval "$(cat file)"` as a user's `eval "$(awsmfa env)"`.
    fn posix_script(&self) -> String {
        let mut s = String::from("eval \"$(cat \"$1\")\"\n");
        for (name, _) in &self.values {
            s.push_str(&format!("printf %s \"${name}\" > \"$2/{name}\"\n"));
        }
        s.push_str("env -0 > \"$2/ENV\"\n");
        s
    }
}

#[test]
fn posix_output_in_bash() {
    let c = case();
    let text = rendered(&Posix, &c.values);
    c.check(
        "bash",
        &["--norc", "-e", "-u", "-o", "pipefail", "-c"],
        &c.posix_script(),
        &text,
    );
}

#[test]
fn posix_output_in_zsh() {
    let c = case();
    let text = rendered(&Posix, &c.values);
    c.check(
        "zsh",
        &["--no-rcs", "-e", "-u", "-c"],
        &c.posix_script(),
        &text,
    );
}

#[test]
fn posix_output_in_sh() {
    // /bin/sh (dash on Debian): the `sh` format promises any POSIX shell.
    let c = case();
    let text = rendered(&Posix, &c.values);
    c.check("sh", &["-e", "-u", "-c"], &c.posix_script(), &text);
}

#[test]
fn posix_output_passes_shellcheck() {
    if !require_tools(&["shellcheck"]) {
        return;
    }
    let c = case();
    let text = rendered(&Posix, &c.values);
    let file = c.world.path("rendered.sh");
    std::fs::write(&file, format!("#!/bin/sh\n{text}")).unwrap();
    // Warnings and errors only: "this won't expand in single quotes" (info)
    // is exactly the point here, as is a typographic quote in a value
    // (SC1112 warns that it is not a quote, which is right).
    let o = c
        .world
        .command("shellcheck")
        .args(["-s", "sh", "-S", "warning", "-e", "SC1112"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn fish_output_in_fish() {
    let c = case();
    let text = rendered(&Fish, &c.values);
    // `awsmfa env --shell fish | source`, as the README says.
    let mut script = String::from("cat $argv[1] | source\nor exit 1\n");
    for (name, _) in &c.values {
        script.push_str(&format!("printf %s \"${name}\" > $argv[2]/{name}\n"));
    }
    script.push_str("env -0 > $argv[2]/ENV\n");
    c.check("fish", &["--no-config", "--private", "-c"], &script, &text);
}

/// The hostile table plus what matters to `.env` readers: `#`, blanks at
/// the ends, `=`, a lone `$VAR`, both quote kinds together, and the
/// base64 alphabet of real secrets.
fn dotenv_values(c: &Case) -> Vec<(&'static str, String)> {
    let mut values = c.values.clone();
    values.extend([
        ("Q_HASH", "#start a #b c#d ;e".to_string()),
        ("Q_BLANKS", "  lead and trail\t ".to_string()),
        ("Q_EQUALS", "a=b==c".to_string()),
        ("Q_DOLLAR_VAR", "$HOME$PATH $1 $".to_string()),
        ("Q_QUOTE_AND_DOLLAR", "it's $HOME".to_string()),
        ("Q_BOTH_QUOTES", "a'b\"c".to_string()),
        (
            "Q_CONTROL_NO_CR",
            "tab\there \x1b[2J bell\x07 \x7f\x0c".to_string(),
        ),
        (
            "Q_BASE64",
            "AbC+/9zz/wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY==".to_string(),
        ),
    ]);
    values
}

/// Which of [`dotenv_values`] no `.env` quoting carries to sh, python-dotenv
/// and docker compose alike: each has a `'`, `\` or `${` (single quotes
/// fail) and a `"`, `\`, `$` or backtick (double quotes fail), or a CR.
const DOTENV_REFUSED: [&str; 8] = [
    "Q_SUBST_ABS",
    "Q_VARS",
    "Q_BACKSLASH",
    "Q_FISH_BREAKOUT",
    "Q_CONTROL",
    "Q_LONG",
    "Q_QUOTE_AND_DOLLAR",
    "Q_BOTH_QUOTES",
];

/// `--shell dotenv` output, read the three ways people read `.env` files:
/// `set -a; . ./.env` in sh, dash and bash; python-dotenv with its defaults
/// (text mode, `${VAR}` interpolation on); docker compose's `env_file`
/// rules. Every value it writes reads back as exactly its bytes and runs
/// nothing; every other value is refused, naming the variable, never the
/// value.
#[test]
fn dotenv_output_is_read_back_exactly_by_sh_python_dotenv_and_compose() {
    let mut c = case();
    let all = dotenv_values(&c);
    let (refused, accepted): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(_, v)| Dotenv.refuse(v).is_some());
    let names: Vec<&str> = refused.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, DOTENV_REFUSED);
    for (name, value) in &refused {
        let changes = Changes {
            set: vec![(*name, value.clone())],
            unset: vec![],
        };
        let err = shell::render(&Dotenv, &changes).unwrap_err().to_string();
        assert!(err.contains(name) && err.contains("--shell"), "{err}");
        assert!(!err.contains(value.as_str()), "the value is in {err}");
    }

    c.values = accepted;
    let text = rendered(&Dotenv, &c.values);
    assert!(!text.contains("Q_UNSET_ME"), "a .env file cannot unset");
    // A .env file is loaded into a fresh environment: the `unset` stands
    // for that, so `check` can keep asserting nothing else is exported.
    let mut script = String::from("unset Q_UNSET_ME\nset -a\n. \"$1\"\nset +a\n");
    for (name, _) in &c.values {
        script.push_str(&format!("printf %s \"${name}\" > \"$2/{name}\"\n"));
    }
    script.push_str("env -0 > \"$2/ENV\"\n");
    for sh in ["sh", "dash", "bash"] {
        c.check(sh, &["-c"], &script, &text);
    }
    python_dotenv_reads(&c, &text);
    compose_reads(&c, &text);
}

/// python-dotenv as an application calls it: `dotenv_values(path)`.
fn python_dotenv_reads(c: &Case, text: &str) {
    let file = c.world.path("rendered.env");
    std::fs::write(&file, text).unwrap();
    let o = c
        .world
        .command(python())
        .args([
            "-c",
            "import dotenv, json, sys; json.dump(dotenv.dotenv_values(sys.argv[1]), sys.stdout)",
        ])
        .arg(&file)
        .current_dir(&c.run_dir)
        .output()
        .unwrap();
    let parsed: std::collections::BTreeMap<String, Option<String>> =
        serde_json::from_str(&ok(&o)).expect("python-dotenv is needed: run scripts/setup.sh");
    assert_eq!(parsed.len(), c.values.len());
    for (name, value) in &c.values {
        assert_eq!(parsed[*name].as_ref(), Some(value), "python-dotenv: {name}");
    }
    assert!(!c.canary.exists() && !c.run_dir.join("canary").exists());
}

/// docker compose reads `env_file` with compose-go's dotenv parser. Its
/// documented rules: a single-quoted value is literal up to the next `'`
/// not after a `\`; a double-quoted one expands `\` escapes and `$`
/// variables. So each line must be one of those two forms with nothing in
/// it either rule would change. There is no compose here (no plugin, no Go
/// toolchain in CI); `AWSMFA_TEST_COMPOSE_ENV` may name a program that
/// prints, as JSON, what compose-go's env_file loader reads from a file,
/// to check against the real parser as well.
fn compose_reads(c: &Case, text: &str) {
    let mut rest = text;
    for (name, value) in &c.values {
        let single = format!("{name}='{value}'\n");
        let double = format!("{name}=\"{value}\"\n");
        if let Some(r) = rest.strip_prefix(&single) {
            assert!(!value.contains(['\'', '\\']), "{name}");
            rest = r;
        } else {
            let r = rest
                .strip_prefix(&double)
                .unwrap_or_else(|| panic!("{name}: {rest:.80}"));
            assert!(!value.contains(['"', '\\', '$', '`']), "{name}");
            rest = r;
        }
    }
    assert_eq!(rest, "");
    let Some(program) = std::env::var_os("AWSMFA_TEST_COMPOSE_ENV") else {
        eprintln!("compose-go not available: checked the documented env_file rules only");
        return;
    };
    let file = c.world.path("compose.env");
    std::fs::write(&file, text).unwrap();
    let o = c.world.command(program).arg(&file).output().unwrap();
    let parsed: std::collections::BTreeMap<String, String> = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(parsed.len(), c.values.len());
    for (name, value) in &c.values {
        assert_eq!(parsed.get(*name), Some(value), "compose-go: {name}");
    }
}

/// End to end with the defaults: `awsmfa env --shell dotenv` from a real
/// session, loaded by sh with `set -a; . ./file`, holds exactly what
/// `--shell json` reports.
#[test]
fn dotenv_output_from_a_session_loads_in_sh() {
    let w = World::new();
    w.standard(&["dev"]);
    let env = ok(&w.run(&["env", "dev", "--shell", "dotenv", "--token-code", "123456"]));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&w.run(&["env", "dev", "--shell", "json"]))).unwrap();
    let file = w.path("aws.env");
    std::fs::write(&file, &env).unwrap();
    let o = w
        .command("sh")
        .args(["-c", "set -a; . \"$1\"; set +a; printf '%s\\n' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"", "sh"])
        .arg(&file)
        .output()
        .unwrap();
    let got = ok(&o);
    let want = ["AccessKeyId", "SecretAccessKey", "SessionToken"]
        .map(|k| json[k].as_str().unwrap().to_string())
        .join("\n");
    assert_eq!(got.trim_end(), want);
}

/// PowerShell's verbatim string: from a quote to the next quote, where any
/// of its five single-quote characters doubled stands for itself.
fn powershell_verbatim(text: &str) -> Option<(String, &str)> {
    const QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
    let mut chars = text.char_indices().peekable();
    match chars.next() {
        Some((_, c)) if QUOTES.contains(&c) => {}
        _ => return None,
    }
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if QUOTES.contains(&c) {
            match chars.peek() {
                Some((_, next)) if QUOTES.contains(next) => {
                    value.push(*next);
                    chars.next();
                }
                _ => return Some((value, &text[i + c.len_utf8()..])),
            }
        } else {
            value.push(c);
        }
    }
    None
}

#[test]
fn powershell_output_is_verbatim_strings() {
    // No pwsh here: check the shape and decode it with PowerShell's rules.
    let c = case();
    let text = rendered(&PowerShell, &c.values);
    let mut rest = text
        .strip_prefix("Remove-Item -ErrorAction SilentlyContinue Env:Q_UNSET_ME\n")
        .expect("unset first");
    for (name, value) in &c.values {
        rest = rest
            .strip_prefix(&format!("$Env:{name} = "))
            .unwrap_or_else(|| panic!("{name}: {rest:.80}"));
        let (got, after) = powershell_verbatim(rest).expect("a closed verbatim string");
        assert_eq!(&got, value, "{name}");
        rest = after.strip_prefix('\n').expect("one statement per line");
    }
    assert_eq!(rest, "");
    // Typographic quotes are quotes to PowerShell: doubled, never bare.
    assert_eq!(
        PowerShell.set("N", "a\u{2019}b"),
        "$Env:N = 'a\u{2019}\u{2019}b'"
    );
}

#[test]
fn nul_is_refused_by_every_format() {
    let values = vec![("Q_NUL", "a\0b".to_string())];
    for shell in [&Posix as &dyn Statements, &Fish, &Dotenv, &PowerShell] {
        let changes = Changes {
            set: values.clone(),
            unset: vec![],
        };
        let err = shell::render(shell, &changes).unwrap_err().to_string();
        assert!(err.contains("NUL") && err.contains("Q_NUL"), "{err}");
    }
}

/// End to end: the one free-form config value awsmfa exports is the region.
/// A hostile one never reaches the shell: the SDK refuses a region that is
/// not a host label, so nothing is printed and nothing runs.
#[test]
fn a_hostile_region_is_refused_and_runs_nothing() {
    let w = World::new();
    w.standard(&["dev"]);
    let region = "eu-$(touch canary)`touch canary`'\\'\"x";
    let config = w.read("config_file");
    w.write_config(&config.replace(
        "[profile dev]\n",
        &format!("[profile dev]\nregion = {region}\n"),
    ));
    let run = w.path("run");
    std::fs::create_dir_all(&run).unwrap();
    for shell in ["bash", "fish"] {
        let o = w
            .awsmfa(&["env", "dev", "--shell", shell, "--token-code", "123456"])
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .current_dir(&run)
            .output()
            .unwrap();
        assert!(!o.status.success());
        assert!(o.stdout.is_empty(), "{}", stdout(&o));
        let err = stderr(&o);
        assert!(err.contains("region"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A valid region from the same place is exported as is.
    w.write_config(&config.replace(
        "[profile dev]\n",
        "[profile dev]\nregion = ap-southeast-2\n",
    ));
    let o = w
        .awsmfa(&["env", "dev", "--token-code", "123456"])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .output()
        .unwrap();
    assert_eq!(
        exported(&ok(&o), "AWS_REGION").as_deref(),
        Some("ap-southeast-2")
    );
    assert!(!run.join("canary").exists());
}
