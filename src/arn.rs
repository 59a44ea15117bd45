//! Amazon Resource Names, and the one reading of each: the parts of an
//! ARN, who a caller ARN names, and what kind of device an `mfa_serial`
//! is. `setup`, `doctor`, `rotate`, the project file's account check and
//! the IAM calls all read ARNs here, so they never disagree.
//!
//! `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, where RESOURCE is
//! `TYPE/NAME…` (IAM, STS) or a bare name (`root`).

/// The six parts of an ARN, borrowed from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the fifth colon: `user/path/alice`, `root`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The parts of `text`, or None when it is not an ARN (fewer than six
    /// parts, or no partition or service).
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        if partition.is_empty() || service.is_empty() {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The resource's type: `user` in `user/path/alice`, `root` in `root`.
    pub fn resource_type(&self) -> &'a str {
        self.resource.split('/').next().unwrap_or_default()
    }

    /// The resource's name: its last path segment (IAM paths are not part
    /// of a name), empty when there is none.
    pub fn name(&self) -> &'a str {
        match self.resource.split_once('/') {
            Some((_, rest)) => rest.rsplit('/').next().unwrap_or_default(),
            None => "",
        }
    }

    /// Everything after the resource type: `Admin/alice` in
    /// `assumed-role/Admin/alice`.
    pub fn after_type(&self) -> &'a str {
        self.resource.split_once('/').map_or("", |(_, rest)| rest)
    }
}

/// The account id in an ARN (`arn:aws:sts::123456789012:assumed-role/r/s`).
pub fn account(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

/// Who an ARN from `GetCallerIdentity` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user: its name, with any IAM path dropped.
    User(String),
    Root,
    /// `assumed-role/ROLE/SESSION`: temporary role credentials.
    AssumedRole(String),
    /// Anything else (federated users, moto's default identity, ...).
    Other,
}

/// Read the principal out of an ARN: `arn:aws:iam::123:user/path/to/name`
/// is the user `name`.
pub fn principal(arn: &str) -> Principal {
    let Some(a) = Arn::parse(arn) else {
        return Principal::Other;
    };
    match (a.service, a.resource_type()) {
        ("iam", "root") if a.resource == "root" => Principal::Root,
        ("iam", "user") if !a.name().is_empty() => Principal::User(a.name().to_string()),
        ("sts", "assumed-role") if !a.after_type().is_empty() => {
            Principal::AssumedRole(a.after_type().to_string())
        }
        _ => Principal::Other,
    }
}

/// What an `mfa_serial` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// `arn:…:iam::ACCOUNT:mfa/NAME`: a virtual (authenticator app) or
    /// hardware TOTP device registered by ARN.
    Virtual,
    /// A bare serial number such as `GAHT12345678`: a hardware TOTP token.
    Hardware,
    /// `arn:…:iam::ACCOUNT:u2f/…`: a FIDO security key, which only works in
    /// the console, so STS refuses it.
    Fido,
    /// Neither an MFA device ARN nor a token serial number.
    Unknown,
}

impl Device {
    /// Whether the device produces codes that STS accepts.
    pub fn is_totp(self) -> bool {
        matches!(self, Device::Virtual | Device::Hardware)
    }

    /// For people: "TOTP device", "hardware TOTP token", ...
    pub fn describe(self) -> &'static str {
        match self {
            Device::Virtual => "TOTP device",
            Device::Hardware => "hardware TOTP token",
            Device::Fido => "FIDO security key",
            Device::Unknown => "unknown device",
        }
    }
}

/// The kind of device `serial` names. A hardware token's serial is letters
/// and digits (STS's `SerialNumber` allows `[\w+=/:,.@-]`, but no token
/// serial carries those; a name with a space or a slash is a mistake).
/// Anything outside STS's grammar names no device (a line break in it
/// would add lines to `~/.aws/config`).
pub fn device(serial: &str) -> Device {
    if crate::grammar::check(crate::grammar::Kind::MfaSerial, serial).is_err() {
        return Device::Unknown;
    }
    match Arn::parse(serial) {
        Some(a) if a.service == "iam" && !a.name().is_empty() => match a.resource_type() {
            "mfa" => Device::Virtual,
            "u2f" => Device::Fido,
            _ => Device::Unknown,
        },
        Some(_) => Device::Unknown,
        None if serial.starts_with("arn:") => Device::Unknown,
        None if !serial.is_empty() && serial.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Device::Hardware
        }
        None => Device::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_split_into_their_parts() {
        let a = Arn::parse("arn:aws-cn:iam::123456789012:user/division/carol").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account),
            ("aws-cn", "iam", "", "123456789012")
        );
        assert_eq!(
            (a.resource, a.resource_type(), a.name()),
            ("user/division/carol", "user", "carol")
        );
        // A resource may hold colons of its own.
        let a = Arn::parse("arn:aws:logs:eu-west-1:1:log-group:/x:*").unwrap();
        assert_eq!((a.region, a.resource), ("eu-west-1", "log-group:/x:*"));
        for not in [
            "",
            "nonsense",
            "arn:aws:iam::123",
            "arn::iam::1:user/a",
            "urn:aws:iam::1:user/a",
        ] {
            assert_eq!(Arn::parse(not), None, "{not}");
        }
    }

    #[test]
    fn accounts_come_from_the_fifth_part() {
        for (arn, account) in [
            (
                "arn:aws:sts::123456789012:assumed-role/dev/x",
                Some("123456789012"),
            ),
            ("arn:aws:iam::000000000000:root", Some("000000000000")),
            ("arn:aws:s3:::bucket", None),
            ("nonsense", None),
            ("a:b:c:d:123456789012:e", None),
        ] {
            assert_eq!(super::account(arn), account, "{arn}");
        }
    }

    #[test]
    fn principals() {
        use Principal::*;
        for (arn, who) in [
            ("arn:aws:iam::123456789012:user/alice", User("alice".into())),
            (
                "arn:aws:iam::123456789012:user/path/to/bob",
                User("bob".into()),
            ),
            (
                "arn:aws-cn:iam::123456789012:user/division/carol+x@example.com",
                User("carol+x@example.com".into()),
            ),
            ("arn:aws:iam::123456789012:root", Root),
            (
                "arn:aws:sts::123456789012:assumed-role/Admin/alice",
                AssumedRole("Admin/alice".into()),
            ),
            ("arn:aws:sts::123456789012:federated-user/bob", Other),
            ("arn:aws:sts::123:user/moto", Other),
            ("arn:aws:iam::123:user/", Other),
            ("arn:aws:iam::123:rootish", Other),
            ("arn:aws:sts::123:assumed-role", Other),
            ("not an arn", Other),
        ] {
            assert_eq!(principal(arn), who, "{arn}");
        }
    }

    /// One table for `setup` (which devices it may write) and `doctor`
    /// (what it calls a serial): they once disagreed, `doctor` calling a
    /// serial "Unknown" that `setup` took for TOTP.
    #[test]
    fn devices() {
        use Device::*;
        for (serial, kind) in [
            ("arn:aws:iam::123456789012:mfa/alice", Virtual),
            ("arn:aws:iam::123456789012:mfa/path/alice-phone", Virtual),
            ("arn:aws-us-gov:iam::123456789012:mfa/alice", Virtual),
            ("GAHT12345678", Hardware),
            (
                "arn:aws:iam::123456789012:u2f/user/alice/fidosecuritykey-ABCDEFGHIJ",
                Fido,
            ),
            ("arn:aws:iam::123456789012:sms-mfa/alice", Unknown),
            ("arn:aws:iam::123456789012:user/alice", Unknown),
            ("arn:aws:iam::123456789012:mfa/", Unknown),
            ("arn:aws:sts::123456789012:mfa/alice", Unknown),
            // The disagreement: `setup` (any bare text was TOTP) would
            // write these, `doctor` warned about them.
            ("my phone", Unknown),
            ("GAHT-1234/5", Unknown),
            ("arn:aws:iam::123", Unknown),
            ("", Unknown),
            // What a hostile IAM endpoint listed: no device.
            (
                "arn:aws:iam::123456789012:mfa/a\nmfa_process = touch /tmp/pwned",
                Unknown,
            ),
            ("arn:aws:iam::123456789012:mfa/a b", Unknown),
        ] {
            assert_eq!(device(serial), kind, "{serial:?}");
            assert_eq!(
                device(serial).is_totp(),
                matches!(kind, Virtual | Hardware),
                "{serial:?}"
            );
        }
    }
}
