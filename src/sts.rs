//! STS calls, and what every AWS call shares: this module alone starts
//! tokio, builds the HTTP/TLS stack, and turns AWS's answers into a
//! [`crate::error::Failure`] (`classify`; the `Date` headers are judged by
//! [`crate::clock`]).
//!
//! Everything before a network call is synchronous and cheap; an `Sts` is
//! built only once a command knows it needs STS, and then drives the SDK on a
//! current-thread runtime (one thread: nothing here runs in parallel).
//! `crate::iam` borrows an `Sts`'s runtime, HTTP client, bounds and error
//! classification, so IAM calls behave exactly like STS calls.

use crate::clock::{Drift, describe_skew};
use crate::error::Failure;
use crate::grammar::{self, Kind};
use crate::service::Service;
use aws_credential_types::Credentials;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use std::time::{Duration, SystemTime};

/// STS's own limits, checked before any call.
pub const SESSION_MIN: u64 = 900;
pub const SESSION_MAX: u64 = 129_600;
pub const ROLE_MIN: u64 = 900;
pub const ROLE_MAX: u64 = 43_200;
/// AWS caps a role assumed with temporary credentials (role chaining) at 1 h.
pub const CHAINED_ROLE_MAX: u64 = 3_600;

/// Attempts per STS call (the first one and its retries): bounded, so that a
/// failing STS ends in an error rather than a loop.
pub const MAX_ATTEMPTS: u32 = 3;

/// Error codes AWS uses for rate limiting (retried, then reported as STS
/// being unavailable).
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
];

/// Where and how to reach STS.
#[derive(Debug, Clone)]
pub struct Target {
    pub region: String,
    pub endpoint_url: Option<String>,
    /// Upper bound for one whole call, retries included.
    pub timeout: Duration,
    /// The PEM file TLS trusts instead of the bundled roots
    /// (`AWS_CA_BUNDLE`, else the profile's `ca_bundle`, as in the AWS CLI).
    pub ca_bundle: Option<String>,
    /// The HTTP proxy requests go through (`crate::reach::proxy`).
    pub proxy: Option<String>,
}

impl Target {
    /// Where requests go, for messages: the configured URL, else AWS's host.
    pub fn endpoint(&self) -> String {
        self.endpoint_url
            .clone()
            .unwrap_or_else(|| crate::service::Service::Sts.default_host(&self.region))
    }
}

/// What `GetCallerIdentity` says.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

pub struct Sts {
    pub(crate) rt: tokio::runtime::Runtime,
    base: aws_sdk_sts::config::Builder,
    pub target: Target,
    /// Shared with IAM clients: one HTTP/TLS stack and the same bounds.
    pub(crate) http: SharedHttpClient,
    /// The TLS set-up `http` uses, for a client through another proxy.
    pub(crate) tls: tls::TlsContext,
    pub(crate) timeouts: TimeoutConfig,
    /// Seconds this machine's clock is behind STS's (negative: ahead), from
    /// the `Date` of the first answer; None until one arrives.
    dates: std::sync::Arc<std::sync::Mutex<Dates>>,
}

impl Sts {
    pub fn new(target: Target) -> Result<Self, Failure> {
        if let (Roots::Unused, Some(url)) = (roots(&target), &target.endpoint_url)
            && !is_loopback(url)
        {
            crate::term::note(format_args!(
                "awsmfa: warning: {url} is plain HTTP to another machine: the keys STS sends back cross the network unencrypted; use https://"
            ));
        }
        let context = tls::TlsContext::builder()
            .with_trust_store(trust_store(&target)?)
            .build()
            .map_err(|e| Failure::Other(format!("cannot set up TLS: {e}")))?;
        let http = https_client(context.clone(), target.proxy.as_deref())?;
        let mut sts = Self::with_http_client(target, http)?;
        sts.tls = context;
        Ok(sts)
    }

    /// With another HTTP client: the fuzz target feeds STS responses in here.
    pub fn with_http_client(
        target: Target,
        http: aws_smithy_runtime_api::client::http::SharedHttpClient,
    ) -> Result<Self, Failure> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .enable_io()
            .build()
            .map_err(|e| Failure::Other(format!("cannot start async runtime: {e}")))?;
        // Bounded everywhere: a prompt hook must never hang on a silent STS.
        let attempt = target.timeout.min(Duration::from_secs(5));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3).min(attempt))
            .operation_attempt_timeout(attempt)
            .operation_timeout(target.timeout)
            .build();
        let shared = sdk_config(
            &target.region,
            target.endpoint_url.as_deref(),
            http.clone(),
            timeouts.clone(),
        );
        let dates = std::sync::Arc::default();
        let base = aws_sdk_sts::config::Builder::from(&shared)
            .interceptor(DateProbe(std::sync::Arc::clone(&dates)));
        Ok(Sts {
            rt,
            base,
            target,
            http,
            tls: tls::TlsContext::default(),
            timeouts,
            dates,
        })
    }

    /// One attempt per call, without backoff: for feeding canned answers
    /// (the `sts_response` fuzz target), where waiting out retries of a 5xx
    /// would spend the fuzzing time asleep.
    #[doc(hidden)]
    pub fn single_attempt(mut self) -> Self {
        self.base = self.base.retry_config(RetryConfig::disabled());
        self
    }

    fn client(&self, creds: &Credentials) -> aws_sdk_sts::Client {
        let config = self.base.clone().credentials_provider(creds.clone());
        aws_sdk_sts::Client::from_conf(config.build())
    }

    /// `sts:GetSessionToken`, with an MFA device and code when given.
    pub fn session_token(
        &self,
        keys: &Credentials,
        mfa: Option<(&str, &str)>,
        duration: u64,
    ) -> Result<Credentials, Failure> {
        let mut req = self
            .client(keys)
            .get_session_token()
            .duration_seconds(duration as i32);
        if let Some((serial, code)) = mfa {
            req = req.serial_number(serial).token_code(code);
        }
        let out = self.send("STS", &self.endpoint(), req.send())?;
        convert(out.credentials(), "GetSessionToken").map(|c| self.local_expiry(c))
    }

    /// `sts:AssumeRole`, with an MFA device and code when given.
    #[allow(clippy::too_many_arguments)]
    pub fn assume_role(
        &self,
        creds: &Credentials,
        role_arn: &str,
        session_name: &str,
        external_id: Option<&str>,
        duration: u64,
        mfa: Option<(&str, &str)>,
    ) -> Result<(Credentials, Option<String>), Failure> {
        let mut req = self
            .client(creds)
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .set_external_id(external_id.map(str::to_string))
            .duration_seconds(duration as i32);
        if let Some((serial, code)) = mfa {
            req = req.serial_number(serial).token_code(code);
        }
        let out = self.send("STS", &self.endpoint(), req.send())?;
        let arn = out.assumed_role_user().map(|u| u.arn().to_string());
        if let Some(arn) = &arn {
            from_sts(Kind::Arn, arn, "AssumeRole")?;
        }
        let creds = convert(out.credentials(), "AssumeRole")?;
        Ok((self.local_expiry(creds), arn))
    }

    /// `sts:GetCallerIdentity`: who these credentials belong to.
    pub fn identity(&self, creds: &Credentials) -> Result<Identity, Failure> {
        let out = self.send(
            "STS",
            &self.endpoint(),
            self.client(creds).get_caller_identity().send(),
        )?;
        identity_of(&out)
    }

    /// How far this machine's clock is behind STS's (negative: ahead), in
    /// whole seconds, as measured on the first answer of this process.
    pub fn skew(&self) -> Option<i64> {
        self.dates.lock().ok().and_then(|d| d.skew)
    }

    /// Credentials whose expiry is on this machine's clock
    /// ([`crate::clock::to_local`]); unchanged when there is no skew.
    fn local_expiry(&self, c: Credentials) -> Credentials {
        let (Some(skew), Some(expiry)) = (self.skew(), c.expiry()) else {
            return c;
        };
        if skew.abs() < crate::clock::SKEW_NOISE {
            return c;
        }
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token().map(str::to_string),
            Some(crate::clock::to_local(expiry, skew)),
            "awsmfa",
        )
    }

    pub fn endpoint(&self) -> String {
        self.target.endpoint()
    }

    /// While alive: past a second, the person at the terminal is told what
    /// awsmfa waits for and how long it may (a silent STS otherwise shows a
    /// blank line until the time-out).
    pub(crate) fn waiting(&self, service: &str, endpoint: &str) -> crate::term::Later {
        crate::term::waiting(format!(
            "awsmfa: waiting for {service} at {} (up to {})…",
            crate::term::redacted(endpoint),
            crate::duration::human(self.target.timeout.as_secs())
        ))
    }

    /// `fut` (a call to `service` at `endpoint`) on this client's runtime,
    /// saying so if it is slow; a failure is classified as STS's are, so
    /// that every AWS call fails alike.
    pub(crate) fn send<T, E>(
        &self,
        service: &str,
        endpoint: &str,
        fut: impl std::future::Future<Output = Result<T, SdkError<E>>>,
    ) -> Result<T, Failure>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let _said = self.waiting(service, endpoint);
        self.rt.block_on(fut).map_err(|e| classify(&e, self))
    }
}

/// The HTTP client: rustls with ring, through `proxy` when one is set
/// (plain HTTP is forwarded to it, HTTPS tunnelled with CONNECT). The
/// client's own `Builder` has no proxy setting, so its `Connector` is built
/// here, once: every SDK client of this process then shares one connection
/// pool, as with the `Builder`.
pub(crate) fn https_client(
    context: tls::TlsContext,
    proxy: Option<&str>,
) -> Result<SharedHttpClient, Failure> {
    use aws_smithy_http_client::Connector;
    use aws_smithy_runtime_api::client::http::{SharedHttpConnector, http_client_fn};
    let proxy = proxy_config(proxy)?;
    let built = std::sync::OnceLock::<SharedHttpConnector>::new();
    Ok(http_client_fn(move |settings, components| {
        built
            .get_or_init(|| {
                let mut builder = Connector::builder();
                builder.set_connector_settings(Some(settings.clone()));
                builder.set_sleep_impl(components.sleep_impl());
                SharedHttpConnector::new(connector(builder, &proxy, &context))
            })
            .clone()
    }))
}

fn proxy_config(
    proxy: Option<&str>,
) -> Result<aws_smithy_http_client::proxy::ProxyConfig, Failure> {
    use aws_smithy_http_client::proxy::ProxyConfig;
    match proxy {
        None => Ok(ProxyConfig::disabled()),
        Some(url) => ProxyConfig::all(url).map_err(|e| {
            Failure::Config(format!(
                "the proxy {} (HTTPS_PROXY / HTTP_PROXY) is unusable: {}; a password with characters such as space | \" {{ ^ must be percent-encoded",
                crate::term::redacted(url),
                crate::term::without_userinfo(&e.to_string(), url)
            ))
        }),
    }
}

/// The one connector every request goes through: rustls with ring, the
/// given trust and proxy.
fn connector(
    builder: aws_smithy_http_client::ConnectorBuilder,
    proxy: &aws_smithy_http_client::proxy::ProxyConfig,
    context: &tls::TlsContext,
) -> aws_smithy_http_client::Connector {
    builder
        .proxy_config(proxy.clone())
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(context.clone())
        .build()
}

impl Sts {
    /// A plain `GET` of `url` with this client's TLS trust, proxy and
    /// timeout, and no signature: for endpoints outside the SDK (the
    /// console's federation endpoint). The status and at most 64 KiB of
    /// body; a connection failure or the timeout is `Unreachable`.
    pub fn get(&self, url: &str) -> Result<(u16, Vec<u8>), Failure> {
        use aws_smithy_runtime_api::client::http::HttpConnector;
        use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
        let proxy = proxy_config(self.target.proxy.as_deref())?;
        let builder = aws_smithy_http_client::Connector::builder();
        let connector = connector(builder, &proxy, &self.tls);
        // The URL is never part of a message: it may carry a secret.
        let request = HttpRequest::get(url)
            .map_err(|_| Failure::Config("the sign-in endpoint URL is not a valid URL".into()))?;
        let unreachable = |why: String| Failure::Unreachable { why };
        self.rt.block_on(async {
            let call = async {
                let response = connector
                    .call(request)
                    .await
                    .map_err(|e| unreachable(source_chain(&e)))?;
                let status = response.status().as_u16();
                // Read up to the limit and no further: an endpoint that
                // sends without end costs no more memory than that.
                const LIMIT: usize = 64 << 10;
                let mut stream =
                    aws_smithy_types::byte_stream::ByteStream::new(response.into_body());
                let mut body = Vec::new();
                while body.len() < LIMIT {
                    match stream.next().await {
                        Some(chunk) => body
                            .extend_from_slice(&chunk.map_err(|e| unreachable(source_chain(&e)))?),
                        None => break,
                    }
                }
                body.truncate(LIMIT);
                Ok((status, body))
            };
            tokio::time::timeout(self.target.timeout, call)
                .await
                .map_err(|_| {
                    unreachable(format!(
                        "no answer within {}s",
                        self.target.timeout.as_secs()
                    ))
                })?
        })
    }
}

/// Where TLS's trusted certificates come from, chosen as the AWS CLI does:
/// the PEM file named by `AWS_CA_BUNDLE` / `ca_bundle` alone when one is
/// set, else a bundled root set. A plain `http://` endpoint (a local
/// emulator, a proxy on loopback) gets none: TLS is never used there.
enum Roots<'a> {
    Bundle(&'a str),
    Unused,
    /// Mozilla's roots, compiled in (`webpki-root-certs`): the set the AWS
    /// CLI trusts by default too (certifi is Mozilla's), and no reading and
    /// parsing of the system's store (288 files on Debian, two thirds of a
    /// cold run's set-up). A private CA is named with AWS_CA_BUNDLE, as for
    /// the AWS CLI.
    Bundled,
}

fn roots(target: &Target) -> Roots<'_> {
    let plain_http = target
        .endpoint_url
        .as_deref()
        .and_then(|url| url.get(..7))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
    match &target.ca_bundle {
        _ if plain_http => Roots::Unused,
        Some(path) => Roots::Bundle(path),
        None => Roots::Bundled,
    }
}

/// Whether `url` names this machine (plain HTTP is for an emulator or a
/// proxy here, never for a network).
fn is_loopback(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    uri.host().is_some_and(|host| {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

fn trust_store(target: &Target) -> Result<tls::TrustStore, Failure> {
    Ok(match roots(target) {
        Roots::Bundle(path) => {
            let pem = read_ca_bundle(path).map_err(|why| {
                Failure::Config(format!(
                    "the CA bundle {path} (AWS_CA_BUNDLE or ca_bundle) {why}"
                ))
            })?;
            tls::TrustStore::empty().with_pem_certificate(pem)
        }
        Roots::Unused => tls::TrustStore::empty(),
        Roots::Bundled => tls::TrustStore::empty().with_pem_certificate(bundled_pem()),
    })
}

/// A CA bundle's bytes, once every certificate in it is known to be usable:
/// the HTTP client parses the file again and aborts on anything it cannot
/// use, so a bad file must be refused here, with a message, first.
fn read_ca_bundle(path: &str) -> Result<Vec<u8>, String> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() || meta.len() > 16 << 20 {
        return Err("is not a PEM file of certificates".into());
    }
    let pem = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    let mut roots = rustls::RootCertStore::empty();
    for (n, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let cert = cert.map_err(|e| format!("is not valid PEM (certificate {}): {e}", n + 1))?;
        roots
            .add(cert)
            .map_err(|e| format!("holds a certificate TLS cannot use (number {}): {e}", n + 1))?;
    }
    if roots.is_empty() {
        return Err("holds no certificates".into());
    }
    Ok(pem)
}

/// The bundled roots as PEM, the only form the HTTP client takes, made
/// once per process.
fn bundled_pem() -> Vec<u8> {
    static PEM: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PEM.get_or_init(|| {
        let mut pem = String::with_capacity(256 << 10);
        for cert in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            pem.push_str("-----BEGIN CERTIFICATE-----\n");
            let b64 = aws_smithy_types::base64::encode(cert.as_ref());
            for line in b64.as_bytes().chunks(64) {
                pem.push_str(std::str::from_utf8(line).unwrap_or_default());
                pem.push('\n');
            }
            pem.push_str("-----END CERTIFICATE-----\n");
        }
        pem.into_bytes()
    })
    .clone()
}

/// Encode the bundled roots on another thread, so that the work overlaps
/// with what comes before the first call (the MFA prompt, above all).
/// Nothing is spawned when they are not what `target` will use.
pub fn warm_up(target: &Target) {
    if matches!(roots(target), Roots::Bundled) {
        std::thread::spawn(bundled_pem);
    }
}

fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}

/// What the STS and IAM clients are built from alike: the HTTP stack, the
/// bounds and the retries; only the region and the endpoint differ. The
/// SDK's own shared config, so each service's builder is made `From` it;
/// built by hand, it holds no service-specific endpoint from the
/// environment, so `endpoint_url` is the one each client uses.
pub(crate) fn sdk_config(
    region: &str,
    endpoint_url: Option<&str>,
    http: SharedHttpClient,
    timeouts: TimeoutConfig,
) -> SdkConfig {
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .http_client(http)
        .timeout_config(timeouts)
        .retry_config(retry_config());
    if let Some(url) = endpoint_url {
        config = config.endpoint_url(url);
    }
    config.build()
}

fn convert(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    op: &str,
) -> Result<Credentials, Failure> {
    let c = creds.ok_or_else(|| Failure::Other(format!("{op} returned no credentials")))?;
    let expiry = SystemTime::try_from(*c.expiration())
        .map_err(|_| Failure::Other(format!("{op} returned an invalid expiration")))?;
    for (kind, value) in [
        (Kind::AccessKeyId, c.access_key_id()),
        (Kind::SecretKey, c.secret_access_key()),
        (Kind::SessionToken, c.session_token()),
    ] {
        from_sts(kind, value, op)?;
    }
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        Some(expiry),
        "awsmfa",
    ))
}

/// A value from `service`'s answer to `op`, checked for its grammar
/// ([`crate::grammar`]): an answer that breaks it is none AWS sends, and
/// nothing of it is used, shown or written.
pub(crate) fn checked(service: Service, kind: Kind, value: &str, op: &str) -> Result<(), Failure> {
    grammar::answer(kind, value, service.name(), op).map_err(|why| Failure::Unreachable { why })
}

fn from_sts(kind: Kind, value: &str, op: &str) -> Result<(), Failure> {
    checked(Service::Sts, kind, value, op)
}

/// What `GetCallerIdentity` says, its account and ARN checked (a part STS
/// left out stays empty, as before).
fn identity_of(
    out: &aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput,
) -> Result<Identity, Failure> {
    for (kind, value) in [(Kind::Account, out.account()), (Kind::Arn, out.arn())] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            from_sts(kind, value, "GetCallerIdentity")?;
        }
    }
    Ok(Identity {
        account: out.account().unwrap_or_default().to_string(),
        arn: out.arn().unwrap_or_default().to_string(),
        user_id: out.user_id().unwrap_or_default().to_string(),
    })
}

/// Turn an SDK error into what the user needs to know. AWS error codes and
/// messages never contain the secret, so they are safe to show.
pub(crate) fn classify<E>(err: &SdkError<E>, sts: &Sts) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(service) => refusal(service.raw(), service.err(), sts),
        SdkError::TimeoutError(_) => Failure::Unreachable {
            why: format!("no answer within {}s", sts.target.timeout.as_secs()),
        },
        SdkError::DispatchFailure(d) => Failure::Unreachable {
            why: if d.is_timeout() {
                "connection timed out".to_string()
            } else {
                with_ca_hint(source_chain(err), sts)
            },
        },
        SdkError::ResponseError(r) => {
            let raw = r.raw();
            let body = raw.body().bytes().unwrap_or_default();
            not_aws(
                raw.status().as_u16(),
                raw.headers().get("content-type"),
                body,
            )
        }
        other => Failure::Other(source_chain(other)),
    }
}

/// An answer the SDK took for an error: AWS refusing, AWS unavailable, or
/// no AWS answer at all.
fn refusal(raw: &HttpResponse, e: &impl ProvideErrorMetadata, sts: &Sts) -> Failure {
    let status = raw.status().as_u16();
    // A success status with a body the SDK could not read (a raw
    // control character makes XML ill-formed) is no AWS refusal.
    // What the parser says may quote the body, which would hold
    // credentials, so nothing of it is shown.
    if status < 300 {
        let body = raw.body().bytes().unwrap_or_default();
        if !looks_like_xml(body) {
            // A captive portal's page, another program's answer.
            return not_aws(status, raw.headers().get("content-type"), body);
        }
        return Failure::Unreachable {
            why: format!(
                "its answer (HTTP {status}) is not a well-formed STS answer, which STS never sends; nothing was kept"
            ),
        };
    }
    // The SDK reads `<ErrorResponse><Error>`; moto (and some AWS
    // services) wrap it in `<Errors>`, which botocore also reads.
    let body = raw.body().bytes().unwrap_or_default();
    let (code, message) = match e.code() {
        Some(code) => (
            code.to_string(),
            e.message().unwrap_or_default().to_string(),
        ),
        None => match (xml_element(body, "Code"), xml_element(body, "Message")) {
            (Some(code), message) => (code, message.unwrap_or_default()),
            (None, _) => return not_aws(status, raw.headers().get("content-type"), body),
        },
    };
    let (code, message) = (printable(&code), printable(&message));
    // Still failing after the retries: STS is unavailable, which is
    // not AWS refusing these credentials (exit 5 would say so).
    if status >= 500 || THROTTLED.contains(&code.as_str()) {
        return Failure::Unreachable {
            why: format!(
                "it answered HTTP {status} ({code}) to all {MAX_ATTEMPTS} attempts; try again in a minute"
            ),
        };
    }
    by_code(code, message, sts)
}

/// AWS's refusal, by its error code: the MFA code, the credentials, or
/// anything else AWS denied.
fn by_code(code: String, message: String, sts: &Sts) -> Failure {
    match code.as_str() {
        "AccessDenied" if message.contains("MultiFactorAuthentication") => {
            Failure::MfaRejected { skew: sts.skew() }
        }
        "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId"
        | "IncompleteSignature" => Failure::BadCredentials { code, message },
        _ => Failure::Denied { code, message },
    }
}

/// A connection that failed on the certificate: say which CAs were
/// trusted, or how to trust another.
fn with_ca_hint(why: String, sts: &Sts) -> String {
    match (why.contains("certificate"), &sts.target.ca_bundle) {
        (false, _) => why,
        (true, Some(path)) => format!(
            "{why}; its certificate is not signed by a CA in {path} (AWS_CA_BUNDLE or ca_bundle)"
        ),
        (true, None) => format!(
            "{why}; if a proxy or a private CA signs its certificate, point AWS_CA_BUNDLE (or ca_bundle in the profile) at that CA's PEM file"
        ),
    }
}

/// An answer that is not AWS's: its status, and what it looks like.
fn not_aws(status: u16, content_type: Option<&str>, body: &[u8]) -> Failure {
    let what = if looks_like_html(body) {
        "an HTML page".to_string()
    } else if body.is_empty() {
        "an empty body".to_string()
    } else {
        match content_type {
            Some(t) => format!("a {} body that is no AWS document", printable(t)),
            None => "a body that is no AWS document".to_string(),
        }
    };
    Failure::NotAws { status, what }
}

/// Whether a body starts as an XML document does (what STS sends).
fn looks_like_xml(body: &[u8]) -> bool {
    let start = body.trim_ascii_start();
    start.starts_with(b"<?xml") || (start.starts_with(b"<") && !looks_like_html(start))
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html")
}

/// The text of the first `<name>` element of an XML body, if any.
fn xml_element(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&format!("</{name}>"))?;
    Some(text[start..end].trim().to_string())
}

/// What AWS (or whatever answered) wrote, at most 500 characters. Control
/// characters stay: `term` shows them escaped where the message is
/// printed, so the reader sees they were there.
fn printable(s: &str) -> String {
    s.chars().take(500).collect::<String>().trim().to_string()
}

fn source_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.contains(&s) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// STS's clock as seen by one `GetCallerIdentity` call (for `awsmfa doctor`).
#[derive(Debug)]
pub struct ServerClock {
    /// The `Date` header of STS's answer (whole seconds).
    pub date: SystemTime,
    /// Local time when the call started and when the answer was read: the
    /// answer was dated somewhere in between.
    pub sent: SystemTime,
    pub received: SystemTime,
    /// Who the keys belong to, or why STS refused them. A refusal still
    /// carries a `Date`, so the clock is known either way.
    pub identity: Result<Identity, Failure>,
}

impl ServerClock {
    /// How far this machine's clock is behind STS's (negative: ahead), in
    /// seconds, measured against the middle of the round trip.
    pub fn skew(&self) -> i64 {
        crate::clock::skew_between(self.date, self.sent, self.received)
    }
}

/// What the `Date` headers of STS's answers said (every answer carries one,
/// errors included).
#[derive(Debug, Default)]
struct Dates {
    /// Whole seconds this machine is behind, from the first answer.
    skew: Option<i64>,
    /// The latest header as sent, for `doctor`'s finer measurement.
    last: Option<String>,
}

/// Records `Dates` on every answer, and warns once, on the first, when the
/// clock is off by enough to matter.
#[derive(Debug, Clone)]
struct DateProbe(std::sync::Arc<std::sync::Mutex<Dates>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for DateProbe {
    fn name(&self) -> &'static str {
        "awsmfa-date-probe"
    }

    fn read_after_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_smithy_types::date_time::{DateTime, Format};
        let (Ok(mut dates), Some(raw)) = (self.0.lock(), context.response().headers().get("date"))
        else {
            return Ok(());
        };
        dates.last = Some(raw.to_string());
        if dates.skew.is_some() {
            return Ok(());
        }
        let Ok(date) = DateTime::from_str(raw.trim(), Format::HttpDate) else {
            return Ok(());
        };
        let now = DateTime::from(SystemTime::now());
        // Date is whole seconds, so compare whole seconds.
        let skew = date.secs() - now.secs();
        dates.skew = Some(skew);
        match crate::clock::judge(skew) {
            Drift::Signatures => crate::term::note(format_args!(
                "awsmfa: warning: this machine's clock is {}; AWS refuses requests signed 15 minutes off, and MFA codes fail: sync the clock (NTP)",
                describe_skew(skew)
            )),
            Drift::Codes => crate::term::note(format_args!(
                "awsmfa: warning: this machine's clock is {}; MFA codes may be rejected: sync the clock (NTP)",
                describe_skew(skew)
            )),
            Drift::Fine => {}
        }
        Ok(())
    }
}

impl Sts {
    /// `sts:GetCallerIdentity` signed with `creds`, returning the server's
    /// `Date` with the outcome. Fails only when no answer came back at all.
    pub fn clock(&self, creds: &Credentials) -> Result<ServerClock, Failure> {
        use aws_smithy_types::date_time::{DateTime, Format};
        let last_date = || self.dates.lock().ok().and_then(|mut d| d.last.take());
        last_date();
        let sent = SystemTime::now();
        let outcome = self
            .rt
            .block_on(self.client(creds).get_caller_identity().send());
        let received = SystemTime::now();
        let raw = last_date();
        let identity = outcome
            .map_err(|e| classify(&e, self))
            .and_then(|out| identity_of(&out));
        let raw = match (raw, identity) {
            (Some(raw), identity) => (raw, identity),
            (None, Err(failure)) => return Err(failure),
            (None, Ok(_)) => {
                return Err(Failure::Other("STS answered without a Date header".into()));
            }
        };
        let date = DateTime::from_str(raw.0.trim(), Format::HttpDate)
            .ok()
            .and_then(|d| SystemTime::try_from(d).ok())
            .ok_or_else(|| {
                Failure::Other(format!("STS sent an unreadable Date header {:?}", raw.0))
            })?;
        Ok(ServerClock {
            date,
            sent,
            received,
            identity: raw.1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    /// The HTTP client aborts on a root it cannot parse: every bundled one
    /// must be usable.
    #[test]
    fn every_bundled_root_is_usable() {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let pem = super::bundled_pem();
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            roots.add(cert.unwrap()).unwrap();
        }
        assert_eq!(roots.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len());
        assert!(roots.len() > 100);
    }

    /// Issue 21: a proxy's password is never shown, also when the URL does
    /// not parse.
    #[test]
    fn proxy_credentials_are_redacted_even_unparsed() {
        use crate::term::{redacted, without_userinfo};
        for (url, shown) in [
            ("http://u:pa ss|\"{^@proxy:3128", "http://***@proxy:3128"),
            ("http://u:p@ss/w:rd@proxy:3128/", "http://***@proxy:3128/"),
            ("https://user@proxy", "https://***@proxy"),
            ("u:secret@proxy:8080", "***@proxy:8080"),
            ("http://proxy:3128", "http://proxy:3128"),
        ] {
            assert_eq!(redacted(url), shown, "{url}");
        }
        assert_eq!(
            without_userinfo("bad: u:pa ss@h", "http://u:pa ss@h"),
            "bad: ***@h"
        );
    }

    #[test]
    fn loopback_endpoints_are_told_apart() {
        for url in [
            "http://127.0.0.1:5000",
            "http://127.8.9.10",
            "http://localhost:4566/",
            "HTTP://LOCALHOST",
            "http://[::1]:8080/x",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "http://10.0.0.1:5000",
            "http://sts.example.com",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
            "http://[::2]",
            "not a url",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
