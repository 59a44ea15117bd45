//! STS responses as awsmfa consumes them: arbitrary bytes (and status) as
//! the HTTP answer to GetSessionToken, AssumeRole and GetCallerIdentity,
//! through the real SDK deserializers and awsmfa's own conversion.
#![no_main]
use aws_credential_types::Credentials;
use aws_smithy_http_client::test_util::infallible_client_fn;
use awsmfa::sts::{Sts, Target};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = [200u16, 400, 403, 500, 503][usize::from(selector % 5)];
    let body = body.to_vec();
    let http = infallible_client_fn(move |_req| {
        http::Response::builder()
            .status(status)
            .header("content-type", "text/xml")
            .body(aws_smithy_types::body::SdkBody::from(body.clone()))
            .unwrap()
    });
    let target = Target {
        region: "us-east-1".into(),
        endpoint_url: Some("http://127.0.0.1:1".into()),
        timeout: Duration::from_secs(1),
        ca_bundle: None,
        proxy: None,
    };
    let Ok(sts) = Sts::with_http_client(target, http).map(Sts::single_attempt) else {
        return;
    };
    let keys = Credentials::new("AKIDEXAMPLE", "secret", None, None, "fuzz");
    match selector / 5 % 3 {
        0 => drop(sts.session_token(&keys, Some(("arn:aws:iam::1:mfa/x", "123456")), 3600)),
        1 => drop(sts.assume_role(&keys, "arn:aws:iam::1:role/r", "s", None, 3600, None)),
        _ => drop(sts.identity(&keys)),
    }
});
