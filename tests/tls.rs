//! STS over TLS: which certificates are trusted, as the AWS CLI decides it
//! (`AWS_CA_BUNDLE`, then the profile's `ca_bundle`, else the system's).

use crate::support::check::fails;
use crate::support::tls::TlsFront;
use crate::support::*;

/// A world whose STS is moto behind a TLS front signed by a private CA.
fn tls_world() -> (World, TlsFront, Seeded) {
    let mut w = World::new();
    let s = w.standard(&["dev"]);
    let front = TlsFront::start(&w.endpoint());
    w.env.push(("AWS_ENDPOINT_URL".into(), front.url.clone()));
    (w, front, s)
}

#[test]
fn aws_ca_bundle_is_trusted_and_the_aws_cli_agrees() {
    let (mut w, front, s) = tls_world();
    w.env.push((
        "AWS_CA_BUNDLE".into(),
        front.ca.to_string_lossy().into_owned(),
    ));
    let out = ok(&w.run(&["env", "dev", "--token-code", "123456"]));
    // The aws CLI, told about the same CA, reaches the same STS over TLS
    // with what awsmfa exported.
    let script =
        format!("{out}\nexec \"$0\" -m awscli sts get-caller-identity --query Arn --output text");
    let o = w
        .command("bash")
        .args(["--norc", "-e", "-u", "-c", &script])
        .arg(python())
        .output()
        .unwrap();
    let arn = ok(&o);
    assert!(arn.trim().starts_with(&assumed(&s.roles["dev"])), "{arn}");
}

#[test]
fn ca_bundle_in_the_profile_is_trusted() {
    let (w, front, s) = tls_world();
    let config = w.read("config_file").replace(
        "[profile dev]\n",
        &format!("[profile dev]\nca_bundle = {}\n", front.ca.display()),
    );
    w.write_config(&config);
    let out = ok(&w.run(&["process", "dev", "--token-code", "123456"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"),
        "{out}"
    );
    // A GetCallerIdentity with those keys, still over TLS, names the role.
    let o = w
        .aws(CALLER_ARN)
        .env("AWS_CA_BUNDLE", &front.ca)
        .env("AWS_ACCESS_KEY_ID", json["AccessKeyId"].as_str().unwrap())
        .env(
            "AWS_SECRET_ACCESS_KEY",
            json["SecretAccessKey"].as_str().unwrap(),
        )
        .env("AWS_SESSION_TOKEN", json["SessionToken"].as_str().unwrap())
        .output()
        .unwrap();
    assert!(ok(&o).trim().starts_with(&assumed(&s.roles["dev"])));
}

#[test]
fn an_unknown_ca_is_refused_with_the_way_out() {
    // No bundle: the system's roots, which do not know the test CA.
    let (w, _front, _) = tls_world();
    let out = w.run(&["env", "dev", "--token-code", "123456"]);
    let err = fails(&out, 6);
    assert!(err.contains("certificate"), "{err}");
    assert!(err.contains("AWS_CA_BUNDLE"), "{err}");
}

#[test]
fn unusable_ca_bundles_are_config_errors_naming_the_file() {
    let w = World::offline();
    w.write_credentials(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    );
    let dir = w.path("bundles");
    std::fs::create_dir(&dir).unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.pem", b"", "holds no certificates"),
        ("text.pem", b"not a certificate\n", "holds no certificates"),
        (
            "broken.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA!!!!\n-----END CERTIFICATE-----\n",
            "not valid PEM",
        ),
        (
            "junk-der.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "TLS cannot use",
        ),
    ];
    let mut paths: Vec<(String, &str)> = cases
        .iter()
        .map(|(name, bytes, why)| {
            std::fs::write(dir.join(name), bytes).unwrap();
            (dir.join(name).to_string_lossy().into_owned(), *why)
        })
        .collect();
    paths.push((
        dir.join("missing.pem").to_string_lossy().into_owned(),
        "cannot be read",
    ));
    paths.push((dir.to_string_lossy().into_owned(), "not a PEM file"));
    for (path, why) in paths {
        let out = w
            .awsmfa(&["env", "--token-code", "123456"])
            .env("AWS_ENDPOINT_URL", "https://127.0.0.1:9")
            .env("AWS_CA_BUNDLE", &path)
            .output()
            .unwrap();
        let err = fails(&out, 3);
        assert!(err.contains(&path) && err.contains(why), "{path}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn plain_http_is_quiet_on_loopback_and_warned_about_elsewhere() {
    let w = World::new();
    w.standard(&["dev"]);
    let local = w.run(&["env", "dev", "--token-code", "123456"]);
    ok(&local);
    assert!(!stderr(&local).contains("plain HTTP"), "{}", stderr(&local));
    // Another machine: a non-routable address, so the call fails, in a
    // way that depends on the network this runs in (refused, timed out,
    // answered by a sandbox's proxy); the warning comes first regardless.
    // Not from the cache, which the first call filled.
    let out = w
        .awsmfa(&["--no-cache", "env", "dev", "--token-code", "654321"])
        .env("AWS_ENDPOINT_URL", "http://10.255.255.1:9")
        .env("AWSMFA_TIMEOUT", "1s")
        .output()
        .unwrap();
    assert!(!out.status.success() && out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.starts_with("awsmfa: warning: http://10.255.255.1:9 is plain HTTP to another machine"),
        "{err}"
    );
}
