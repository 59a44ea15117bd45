//! The AWS SDKs' shared test vectors (vendored in `tests/data/conformance/`), every case
//! run through awsmfa's own entry points: `Profiles::parse`, `locate` /
//! `select`, and `chain::resolve`. A case that fails names itself; the
//! counts are checked so that no case can be dropped silently.

use awsmfa::profile::chain::{self, Base, Chain};
use awsmfa::profile::{self, Profiles};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Read at run time (not `include_str!`) so that a missing file fails these
/// tests with its path, not the whole test binary.
fn load(file: &str) -> String {
    let path = format!(
        "{}/tests/data/conformance/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn cases(text: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_str(text).expect("conformance file is JSON");
    match doc {
        Value::Array(cases) => cases,
        Value::Object(mut o) => match o.remove("tests") {
            Some(Value::Array(cases)) => cases,
            _ => panic!("conformance file has no `tests` array"),
        },
        _ => panic!("conformance file is neither a list nor an object"),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Collect every failure instead of stopping at the first, so one run shows
/// all cases that disagree. `snapshot` is the case count the shared README
/// states: fewer means the file was truncated and cases would go unrun.
fn finish(kind: &str, ran: usize, snapshot: usize, failures: Vec<String>) {
    eprintln!("{kind}: ran {ran} cases");
    assert!(
        ran >= snapshot,
        "{kind}: only {ran} cases, the snapshot has {snapshot}"
    );
    assert!(
        failures.is_empty(),
        "{kind}: {} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// profile-parser-tests.json
// ---------------------------------------------------------------------------

/// Every property name the input text could have produced: the part before
/// `=` on each line, trimmed and lower-cased as the SDK stores keys.
///
/// The SDK's public API has `Profile::get(key)` but no way to list a
/// profile's keys (`Section::properties` is crate-private). To prove a
/// profile holds *only* the expected properties, each of these candidates
/// that the case does not expect must be absent. The parser can only make a
/// property from a name in the text, so this is a complete check.
fn candidate_keys(texts: &[&str]) -> BTreeSet<String> {
    texts
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(|line| line.split_once('='))
        .map(|(key, _)| key.trim().to_ascii_lowercase())
        .filter(|key| !key.is_empty())
        .collect()
}

/// Compare one section (profile or sso-session) with its expected
/// properties. Sub-properties: the SDK exposes them only as the raw value of
/// their parent (`"\nname = value"`), which is also how these vectors state
/// them, so comparing the parent's value covers them.
fn compare_section(
    what: &str,
    get: impl Fn(&str) -> Option<String>,
    expected: &Map<String, Value>,
    candidates: &BTreeSet<String>,
) -> Vec<String> {
    let mut diffs = Vec::new();
    for (key, value) in expected {
        let want = value.as_str().expect("property values are strings");
        match get(key) {
            Some(got) if got == want => {}
            got => diffs.push(format!("{what}.{key}: expected {want:?}, got {got:?}")),
        }
    }
    for key in candidates {
        if !expected.contains_key(key)
            && let Some(got) = get(key)
        {
            diffs.push(format!("{what}.{key}: unexpected property = {got:?}"));
        }
    }
    diffs
}

fn parser_case(case: &Value) -> Result<(), String> {
    let input = &case["input"];
    let config = str_of(input, "configFile");
    let credentials = str_of(input, "credentialsFile");
    let output = &case["output"];
    let parsed = Profiles::parse(config, credentials);

    if let Some(fragment) = output.get("errorContaining").and_then(Value::as_str) {
        return match parsed {
            Ok(p) => Err(format!(
                "expected an error containing {fragment:?}, parsed {:?}",
                p.names().collect::<Vec<_>>()
            )),
            Err(e) if e.to_string().contains(fragment) => {
                // The message is printed as one line after `awsmfa: error:`.
                if e.to_string().contains('\n') {
                    Err(format!("error spans lines: {e}"))
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(format!(
                "expected an error containing {fragment:?}, got: {e}"
            )),
        };
    }

    let parsed = parsed.map_err(|e| format!("unexpected error: {e}"))?;
    let expected = output["config"]["profiles"]
        .as_object()
        .expect("output.config.profiles");
    let candidates = candidate_keys(&[config, credentials]);
    let mut diffs = Vec::new();

    let got_names: BTreeSet<&str> = parsed.names().collect();
    let want_names: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
    if got_names != want_names {
        diffs.push(format!(
            "profiles: expected {want_names:?}, got {got_names:?}"
        ));
    }
    for (name, props) in expected {
        let Some(profile) = parsed.set().get_profile(name) else {
            continue;
        };
        diffs.extend(compare_section(
            &format!("profile {name}"),
            |k| profile.get(k).map(str::to_string),
            props.as_object().expect("profile is an object"),
            &candidates,
        ));
    }

    // Only some cases state sso_sessions; when they do, compare them exactly.
    if let Some(sessions) = output["config"].get("sso_sessions") {
        let sessions = sessions.as_object().expect("sso_sessions is an object");
        let got: BTreeSet<&str> = parsed.set().sso_sessions().collect();
        let want: BTreeSet<&str> = sessions.keys().map(String::as_str).collect();
        if got != want {
            diffs.push(format!("sso_sessions: expected {want:?}, got {got:?}"));
        }
        for (name, props) in sessions {
            let Some(session) = parsed.set().sso_session(name) else {
                continue;
            };
            diffs.extend(compare_section(
                &format!("sso-session {name}"),
                |k| session.get(k).map(str::to_string),
                props.as_object().expect("sso-session is an object"),
                &candidates,
            ));
        }
    }

    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

#[test]
fn profile_parser_cases() {
    let cases = cases(&load("profile-parser-tests.json"));
    let mut failures = Vec::new();
    let mut ran = 0;
    for (i, case) in cases.iter().enumerate() {
        ran += 1;
        if let Err(why) = parser_case(case) {
            failures.push(format!("  #{i} {:?}: {why}", str_of(case, "name")));
        }
    }
    finish("profile-parser-tests.json", ran, 65, failures);
}

// ---------------------------------------------------------------------------
// file-location-tests.json
// ---------------------------------------------------------------------------

fn location_case(case: &Value) -> Result<(), String> {
    let env = case["environment"]
        .as_object()
        .expect("environment is an object");
    let get = |name: &str| env.get(name).and_then(Value::as_str).map(str::to_string);
    let windows = match str_of(case, "platform") {
        "windows" => true,
        "linux" => false,
        other => return Err(format!("unknown platform {other:?}")),
    };
    let got = profile::locate(get, windows);
    let mut diffs = Vec::new();
    for (field, got) in [
        ("configLocation", &got.config),
        ("credentialsLocation", &got.credentials),
    ] {
        let want = str_of(case, field);
        if got != want {
            diffs.push(format!("{field}: expected {want:?}, got {got:?}"));
        }
    }
    // One case states no profile: it only pins down the file locations.
    if let Some(want) = case.get("profile").and_then(Value::as_str) {
        let got = profile::select(get);
        if got != want {
            diffs.push(format!("profile: expected {want:?}, got {got:?}"));
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

#[test]
fn file_location_cases() {
    let cases = cases(&load("file-location-tests.json"));
    let mut failures = Vec::new();
    let mut ran = 0;
    for (i, case) in cases.iter().enumerate() {
        ran += 1;
        if let Err(why) = location_case(case) {
            failures.push(format!("  #{i} {:?}: {why}", str_of(case, "name")));
        }
    }
    finish("file-location-tests.json", ran, 9, failures);
}

// ---------------------------------------------------------------------------
// assume-role-tests.json
// ---------------------------------------------------------------------------

/// The config text for a case's profiles and sso-sessions. Everything goes in
/// the config file (`[profile X]`): the vectors don't say which file a
/// profile lives in, and both files merge into one profile set.
fn config_text(input: &Value) -> String {
    let mut text = String::new();
    let sections = [("profile", "profiles"), ("sso-session", "sso_sessions")];
    for (prefix, field) in sections {
        let Some(map) = input.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (name, props) in map {
            text.push_str(&format!("[{prefix} {name}]\n"));
            for (key, value) in props.as_object().expect("section is an object") {
                let value = value.as_str().expect("property values are strings");
                text.push_str(&format!("{key} = {value}\n"));
            }
            text.push('\n');
        }
    }
    text
}

/// The resolved chain in the vectors' own shape, so the two compare as JSON.
fn chain_json(chain: &Chain) -> Value {
    fn object(pairs: &[(&str, Option<&str>)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), Value::from(v))))
                .collect(),
        )
    }
    let base = match &chain.base {
        Base::AccessKey(k) => {
            // The vectors never set a session token; one appearing would be a bug.
            assert!(k.session_token.is_none(), "unexpected session token");
            serde_json::json!({ "AccessKey": object(&[
                ("access_key_id", Some(&k.access_key_id)),
                ("secret_access_key", Some(&k.secret_access_key)),
                ("account_id", k.account_id.as_deref()),
            ]) })
        }
        Base::NamedSource { source, .. } => serde_json::json!({ "NamedSource": source }),
        Base::WebIdentity {
            role_arn,
            token_file,
            session_name,
            ..
        } => serde_json::json!({ "WebIdentityToken": object(&[
            ("role_arn", Some(role_arn)),
            ("web_identity_token_file", Some(token_file)),
            ("role_session_name", session_name.as_deref()),
        ]) }),
        Base::Sso {
            account_id,
            region,
            role_name,
            start_url,
            session,
            ..
        } => serde_json::json!({ "Sso": object(&[
            ("sso_account_id", account_id.as_deref()),
            ("sso_region", Some(region)),
            ("sso_role_name", role_name.as_deref()),
            ("sso_start_url", Some(start_url)),
            ("sso_session", session.as_deref()),
        ]) }),
        // Not in the vectors (no SDK test covers them); shown for diagnostics.
        Base::CredentialProcess { profile } => {
            serde_json::json!({ "CredentialProcess": profile })
        }
        Base::LoginSession { profile } => serde_json::json!({ "LoginSession": profile }),
    };
    let mut links = vec![base];
    for hop in &chain.roles {
        links.push(serde_json::json!({ "AssumeRole": object(&[
            ("role_arn", Some(&hop.role_arn)),
            ("external_id", hop.external_id.as_deref()),
            ("role_session_name", hop.session_name.as_deref()),
        ]) }));
    }
    Value::Array(links)
}

fn assume_role_case(case: &Value) -> Result<(), String> {
    let input = &case["input"];
    let selected = str_of(input, "selected_profile");
    let text = config_text(input);
    let profiles =
        Profiles::parse(&text, "").map_err(|e| format!("config did not parse: {e}\n{text}"))?;
    let got = chain::resolve(profiles.set(), selected);
    let output = &case["output"];
    match (output.get("ProfileChain"), output.get("Error")) {
        (Some(want), None) => match got {
            Ok(chain) => {
                let got = chain_json(&chain);
                if &got == want {
                    // The path starts at the selected profile: the lookups of
                    // `mfa_serial` along it depend on that.
                    if chain.path.first().map(String::as_str) != Some(selected) {
                        return Err(format!(
                            "path {:?} does not start at {selected}",
                            chain.path
                        ));
                    }
                    Ok(())
                } else {
                    Err(format!("expected {want}, got {got}"))
                }
            }
            Err(e) => Err(format!("expected {want}, got error: {e}")),
        },
        (None, Some(want)) => {
            let want = want.as_str().expect("Error is a string");
            match got {
                Ok(chain) => Err(format!(
                    "expected an error containing {want:?}, got {}",
                    chain_json(&chain)
                )),
                Err(e) if e.to_string().contains(want) => Ok(()),
                Err(e) => Err(format!("expected an error containing {want:?}, got: {e}")),
            }
        }
        _ => Err("case has neither ProfileChain nor Error".into()),
    }
}

#[test]
fn assume_role_cases() {
    let cases = cases(&load("assume-role-tests.json"));
    let mut failures = Vec::new();
    let mut ran = 0;
    for (i, case) in cases.iter().enumerate() {
        ran += 1;
        if let Err(why) = assume_role_case(case) {
            failures.push(format!("  #{i} {:?}: {why}", str_of(case, "docs")));
        }
    }
    finish("assume-role-tests.json", ran, 28, failures);
}

/// The vectors name the loop; awsmfa's message must also list the profiles
/// in it, so the user knows which `source_profile` to fix.
#[test]
fn loop_error_names_the_profiles() {
    let profiles = Profiles::parse(
        "[profile A]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = B\n\
         [profile B]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = A\n",
        "",
    )
    .unwrap();
    let err = chain::resolve(profiles.set(), "A").unwrap_err().to_string();
    assert!(err.contains("A -> B -> A"), "{err}");
}
