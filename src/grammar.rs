//! The grammar of every value awsmfa takes from AWS's answers: access key
//! ids, secret keys, session tokens, MFA serial numbers, ARNs, IAM user
//! names and account ids. STS and IAM answers are checked here before a
//! value is used, shown or written, so a hostile endpoint (an
//! `AWS_ENDPOINT_URL` from a project's environment file, a TLS-inspecting
//! proxy) cannot smuggle a line break into `~/.aws/credentials`, a shell or
//! a terminal. The grammars are the API's own patterns (IAM and STS API
//! references), narrowed where no real value uses the rest.
//!
//! A leaf: [`crate::arn`] reads an ARN's parts, this module only says
//! whether a value may be one.

/// What a value from AWS is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `AccessKeyId`: `[\w]+`, 16 to 128 characters.
    AccessKeyId,
    /// `SecretAccessKey`: opaque, printable ASCII.
    SecretKey,
    /// `SessionToken`: opaque, printable ASCII.
    SessionToken,
    /// `SerialNumber` of an MFA device: `[\w+=/:,.@-]+`, 9 to 256.
    MfaSerial,
    /// An ARN: `arn:` and at least five colons, printable ASCII without
    /// spaces, 20 to 2048 characters.
    Arn,
    /// An IAM user name: `[\w+=,.@-]+`, 1 to 64 characters.
    UserName,
    /// An account id: 12 digits.
    Account,
}

impl Kind {
    /// For messages: "access key id", "MFA serial number", ...
    pub fn describe(self) -> &'static str {
        match self {
            Kind::AccessKeyId => "access key id",
            Kind::SecretKey => "secret access key",
            Kind::SessionToken => "session token",
            Kind::MfaSerial => "MFA serial number",
            Kind::Arn => "ARN",
            Kind::UserName => "IAM user name",
            Kind::Account => "account id",
        }
    }

    /// (allowed bytes, shortest, longest).
    fn rule(self) -> (fn(u8) -> bool, usize, usize) {
        match self {
            Kind::AccessKeyId => (word, 16, 128),
            Kind::SecretKey | Kind::SessionToken => (opaque, 1, usize::MAX),
            Kind::MfaSerial => (serial, 9, 256),
            // IAM names and paths are printable ASCII (paths `[\x21-\x7e]`);
            // the API's wider pattern for ARNs admits Unicode that no IAM or
            // STS ARN has.
            Kind::Arn => (opaque, 20, 2048),
            Kind::UserName => (user, 1, 64),
            Kind::Account => (|b: u8| b.is_ascii_digit(), 12, 12),
        }
    }
}

/// `\w` as the API patterns mean it, in ASCII.
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Secrets and session tokens are opaque, but always printable ASCII
/// (base64 from AWS, base64url or JWTs from compatible services). Control
/// characters cannot go into the `X-Amz-Security-Token` header that signs
/// the next call, nor onto a terminal; no real value holds a space, quote,
/// backslash or backtick, the characters that are syntax in the shells,
/// .env and INI files these values are written to.
fn opaque(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\' | b'`')
}

fn serial(b: u8) -> bool {
    word(b) || b"+=/:,.@-".contains(&b)
}

fn user(b: u8) -> bool {
    word(b) || b"+=,.@-".contains(&b)
}

/// Why `value` is not a `kind`, if it is not: what is wrong with it, never
/// the value itself (it may be a secret).
pub fn check(kind: Kind, value: &str) -> Result<(), &'static str> {
    let (allowed, min, max) = kind.rule();
    if value.is_empty() {
        return Err("it is empty");
    }
    match value.bytes().find(|&b| !allowed(b)) {
        None => {}
        Some(b) if b.is_ascii_control() => return Err("it holds a control character"),
        Some(b) if !b.is_ascii() => return Err("it holds a non-ASCII character"),
        Some(b' ') => return Err("it holds a space"),
        Some(_) => return Err("it holds a character that no such value has"),
    }
    if value.len() < min || value.len() > max {
        return Err("its length is not that of such a value");
    }
    if kind == Kind::Arn && (!value.starts_with("arn:") || value.matches(':').count() < 5) {
        return Err("it is not of the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE");
    }
    Ok(())
}

/// [`check`], as the message an answer that breaks it gets: `action`'s
/// answer holds an unusable `kind` (why), which `service` never sends.
pub fn answer(kind: Kind, value: &str, service: &str, action: &str) -> Result<(), String> {
    check(kind, value).map_err(|why| {
        format!(
            "its answer to {action} holds an unusable {} ({why}), which {service} never sends; nothing was kept",
            kind.describe()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_values_pass() {
        for (kind, value) in [
            (Kind::AccessKeyId, "AKIAIOSFODNN7EXAMPLE"),
            (Kind::AccessKeyId, "ASIAEXAMPLE_0123"),
            (Kind::SecretKey, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            (Kind::SessionToken, "FwoGZXIvYXdzE+/aB=="),
            (Kind::SessionToken, "eyJhbGciOi.J9-x_y~"),
            (Kind::MfaSerial, "arn:aws:iam::123456789012:mfa/alice-phone"),
            (Kind::MfaSerial, "GAHT12345678"),
            (
                Kind::Arn,
                "arn:aws:iam::123456789012:user/division/carol+x@example.com",
            ),
            (
                Kind::Arn,
                "arn:aws:sts::123456789012:assumed-role/Admin/alice",
            ),
            (Kind::Arn, "arn:aws:iam::123456789012:root"),
            (Kind::UserName, "carol+x@example.com"),
            (Kind::Account, "123456789012"),
        ] {
            assert_eq!(check(kind, value), Ok(()), "{kind:?} {value:?}");
        }
    }

    /// What an attacker's endpoint sends: each is named, never quoted.
    #[test]
    fn hostile_values_are_refused_with_why() {
        let evil = "\n[profile evil]\ncredential_process = touch /tmp/pwned";
        for (kind, value, why) in [
            (Kind::SecretKey, &*format!("abc{evil}"), "control"),
            (Kind::SecretKey, "", "empty"),
            (Kind::SecretKey, "abc\u{1b}[2J", "control"),
            (Kind::SecretKey, "abc\x7f", "control"),
            (Kind::SecretKey, "ab cd", "space"),
            (Kind::SecretKey, "abc\"def", "no such value"),
            (Kind::SecretKey, "abc'def", "no such value"),
            (Kind::SessionToken, "ab\\c", "no such value"),
            (Kind::SessionToken, "abcé", "non-ASCII"),
            (Kind::AccessKeyId, "ASIA+EXAMPLE0123", "no such value"),
            (Kind::AccessKeyId, "ASIA\r\nX-Evil: 1", "control"),
            (Kind::AccessKeyId, "AKIASHORT", "length"),
            (
                Kind::MfaSerial,
                "arn:aws:iam::1:mfa/a\nmfa_process = touch /tmp/pwned",
                "control",
            ),
            (Kind::MfaSerial, "arn:aws:iam::1:mfa/a;b", "no such value"),
            (Kind::MfaSerial, "GAHT", "length"),
            (Kind::Arn, "arn:aws:iam::1:user/a b", "space"),
            (Kind::Arn, "urn:aws:iam::123456789012:user/alice", "form"),
            (Kind::Arn, "arn:aws:iam:123456789012:user/alice", "form"),
            (Kind::UserName, "alice;rm", "no such value"),
            (Kind::UserName, &"a".repeat(65), "length"),
            (Kind::Account, "12345678901", "length"),
            (Kind::Account, "12345678901x", "no such value"),
        ] {
            let err = check(kind, value).unwrap_err();
            assert!(err.contains(why), "{kind:?} {value:?}: {err}");
            assert!(!err.contains("evil"), "{err}");
        }
        let msg = answer(Kind::SecretKey, evil, "IAM", "CreateAccessKey").unwrap_err();
        assert_eq!(
            msg,
            "its answer to CreateAccessKey holds an unusable secret access key (it holds a control character), which IAM never sends; nothing was kept"
        );
    }
}
