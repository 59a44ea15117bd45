//! The only module that talks to AWS, and the only one that starts tokio.
//!
//! Everything before a network call is synchronous and cheap; an `Sts` is
//! built only once a command knows it needs STS, and then drives the SDK on a
//! current-thread runtime (one thread: nothing here runs in parallel).
//! `crate::iam` borrows an `Sts`'s runtime, HTTP client, bounds and error
//! classification, so IAM calls behave exactly like STS calls.

use aws_credential_types::Credentials;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
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
}

/// Why an STS call failed, before the caller adds which profile it was for.
#[derive(Debug)]
pub enum Failure {
    /// The MFA code was wrong, reused or for another device.
    MfaRejected {
        /// Seconds this machine's clock is behind STS's, when measured.
        skew: Option<i64>,
    },
    /// The signing keys are unknown, malformed or expired.
    BadCredentials {
        code: String,
    },
    /// The caller may not do this (e.g. the role's trust policy refuses).
    Denied {
        code: String,
        message: String,
    },
    /// No answer in time, connection refused, DNS failure.
    Unreachable {
        why: String,
    },
    Other(String),
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
    pub(crate) timeouts: TimeoutConfig,
    /// Seconds this machine's clock is behind STS's (negative: ahead), from
    /// the `Date` of the first answer; None until one arrives.
    skew: std::sync::Arc<std::sync::Mutex<Option<i64>>>,
}

impl Sts {
    pub fn new(target: Target) -> Result<Self, Failure> {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        Self::with_http_client(target, http)
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
        let mut base = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(target.region.clone()))
            .http_client(http.clone())
            .timeout_config(timeouts.clone())
            .retry_config(retry_config());
        if let Some(url) = &target.endpoint_url {
            base = base.endpoint_url(url);
        }
        let skew = std::sync::Arc::default();
        base = base.interceptor(SkewProbe(std::sync::Arc::clone(&skew)));
        Ok(Sts {
            rt,
            base,
            target,
            http,
            timeouts,
            skew,
        })
    }

    fn client(&self, creds: &Credentials) -> aws_sdk_sts::Client {
        let config = self
            .base
            .clone()
            .credentials_provider(creds.clone())
            .build();
        aws_sdk_sts::Client::from_conf(config)
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
        let out = self
            .rt
            .block_on(req.send())
            .map_err(|e| classify(&e, self))?;
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
        let out = self
            .rt
            .block_on(req.send())
            .map_err(|e| classify(&e, self))?;
        let arn = out.assumed_role_user().map(|u| u.arn().to_string());
        let creds = convert(out.credentials(), "AssumeRole")?;
        Ok((self.local_expiry(creds), arn))
    }

    /// `sts:GetCallerIdentity`: who these credentials belong to.
    pub fn identity(&self, creds: &Credentials) -> Result<Identity, Failure> {
        let out = self
            .rt
            .block_on(self.client(creds).get_caller_identity().send())
            .map_err(|e| classify(&e, self))?;
        Ok(Identity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
            user_id: out.user_id().unwrap_or_default().to_string(),
        })
    }

    /// How far this machine's clock is behind STS's (negative: ahead), in
    /// whole seconds, as measured on the first answer of this process.
    pub fn skew(&self) -> Option<i64> {
        self.skew.lock().ok().and_then(|s| *s)
    }

    /// Credentials whose expiry is on this machine's clock: STS states it on
    /// its own, so with a skewed clock every local comparison (`fresh`, the
    /// cache, the hook's deadline, SDKs reading AWS_CREDENTIAL_EXPIRATION)
    /// would be off by the skew. The `Date` header has one-second resolution
    /// and the round trip adds some: below SKEW_NOISE it is not a skew.
    fn local_expiry(&self, c: Credentials) -> Credentials {
        let (Some(skew), Some(expiry)) = (self.skew(), c.expiry()) else {
            return c;
        };
        if skew.abs() < SKEW_NOISE {
            return c;
        }
        let local = if skew > 0 {
            expiry.checked_sub(Duration::from_secs(skew.unsigned_abs()))
        } else {
            expiry.checked_add(Duration::from_secs(skew.unsigned_abs()))
        };
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token().map(str::to_string),
            local.or(Some(expiry)),
            "awsmfa",
        )
    }

    pub fn endpoint(&self) -> String {
        self.target
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("sts.{}.amazonaws.com", self.target.region))
    }
}

pub(crate) fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}

fn convert(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    op: &str,
) -> Result<Credentials, Failure> {
    let c = creds.ok_or_else(|| Failure::Other(format!("{op} returned no credentials")))?;
    let expiry = SystemTime::try_from(*c.expiration())
        .map_err(|_| Failure::Other(format!("{op} returned an invalid expiration")))?;
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        Some(expiry),
        "awsmfa",
    ))
}

/// Turn an SDK error into what the user needs to know. AWS error codes and
/// messages never contain the secret, so they are safe to show.
pub(crate) fn classify<E>(err: &SdkError<E>, sts: &Sts) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or_default().to_string();
            let status = service.raw().status().as_u16();
            // Still failing after the retries: STS is unavailable, which is
            // not AWS refusing these credentials (exit 5 would say so).
            if status >= 500 || THROTTLED.contains(&code.as_str()) {
                return Failure::Unreachable {
                    why: format!(
                        "it answered HTTP {status} ({code}) to all {MAX_ATTEMPTS} attempts; try again in a minute"
                    ),
                };
            }
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
                | "IncompleteSignature" => Failure::BadCredentials { code },
                _ => Failure::Denied { code, message },
            }
        }
        SdkError::TimeoutError(_) => Failure::Unreachable {
            why: format!("no answer within {}s", sts.target.timeout.as_secs()),
        },
        SdkError::DispatchFailure(d) => Failure::Unreachable {
            why: if d.is_timeout() {
                "connection timed out".to_string()
            } else {
                source_chain(err)
            },
        },
        SdkError::ResponseError(_) => Failure::Unreachable {
            why: format!("unreadable response ({})", source_chain(err)),
        },
        other => Failure::Other(source_chain(other)),
    }
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
        let secs = |t: SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64())
        };
        let local = (secs(self.sent) + secs(self.received)) / 2.0;
        (secs(self.date) - local).round() as i64
    }
}

/// Below this many seconds, a difference between the clocks is the `Date`
/// header's resolution and the round trip, not a skew.
const SKEW_NOISE: i64 = 5;
/// TOTP codes are valid for about 30 s either side: beyond this, codes from
/// a phone look wrong to AWS.
pub const SKEW_TOTP: i64 = 60;
/// SigV4 refuses requests signed more than 15 minutes off; warn well before.
const SKEW_SIGV4: i64 = 10 * 60;

/// A clock skew in words: "N s behind AWS's" / "N s ahead of AWS's".
pub fn describe_skew(skew: i64) -> String {
    if skew > 0 {
        format!("{skew} s behind AWS's")
    } else {
        format!("{} s ahead of AWS's", -skew)
    }
}

/// Measures the clock skew on the first answer of a process (every STS call
/// carries a `Date`, errors included) and warns once when it matters.
#[derive(Debug, Clone)]
struct SkewProbe(std::sync::Arc<std::sync::Mutex<Option<i64>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for SkewProbe {
    fn name(&self) -> &'static str {
        "awsmfa-skew-probe"
    }

    fn read_after_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_smithy_types::date_time::{DateTime, Format};
        let Ok(mut slot) = self.0.lock() else {
            return Ok(());
        };
        if slot.is_some() {
            return Ok(());
        }
        let Some(date) = context
            .response()
            .headers()
            .get("date")
            .and_then(|d| DateTime::from_str(d.trim(), Format::HttpDate).ok())
        else {
            return Ok(());
        };
        let now = DateTime::from(SystemTime::now());
        // Date is whole seconds, so compare whole seconds.
        let skew = date.secs() - now.secs();
        *slot = Some(skew);
        if skew.abs() > SKEW_SIGV4 {
            eprintln!(
                "awsmfa: warning: this machine's clock is {}; AWS refuses requests signed 15 minutes off, and MFA codes fail: sync the clock (NTP)",
                describe_skew(skew)
            );
        } else if skew.abs() > SKEW_TOTP {
            eprintln!(
                "awsmfa: warning: this machine's clock is {}; MFA codes may be rejected: sync the clock (NTP)",
                describe_skew(skew)
            );
        }
        Ok(())
    }
}

/// Keeps the last `Date` response header of the calls it is attached to.
#[derive(Debug, Clone, Default)]
struct DateHeader(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "awsmfa-date-header"
    }

    fn read_after_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            if let Ok(mut slot) = self.0.lock() {
                *slot = Some(date.to_string());
            }
        }
        Ok(())
    }
}

impl Sts {
    /// `sts:GetCallerIdentity` signed with `creds`, returning the server's
    /// `Date` with the outcome. Fails only when no answer came back at all.
    pub fn clock(&self, creds: &Credentials) -> Result<ServerClock, Failure> {
        use aws_smithy_types::date_time::{DateTime, Format};
        let header = DateHeader::default();
        let sent = SystemTime::now();
        let outcome = self.rt.block_on(
            self.client(creds)
                .get_caller_identity()
                .customize()
                .interceptor(header.clone())
                .send(),
        );
        let received = SystemTime::now();
        let raw = header.0.lock().ok().and_then(|mut slot| slot.take());
        let identity = outcome
            .map(|out| Identity {
                account: out.account().unwrap_or_default().to_string(),
                arn: out.arn().unwrap_or_default().to_string(),
                user_id: out.user_id().unwrap_or_default().to_string(),
            })
            .map_err(|e| classify(&e, self));
        let raw = match (raw, identity) {
            (Some(raw), identity) => (raw, identity),
            (None, Err(failure)) => return Err(failure),
            (None, Ok(_)) => {
                return Err(Failure::Other("STS answered without a Date header".into()))
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
