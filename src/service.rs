//! The AWS services awsmfa calls, and the one place each one's names and
//! default host are spelled.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    Iam,
    /// The console's federation endpoint (`getSigninToken`, `login`).
    Signin,
}

impl Service {
    /// The suffix of `AWS_ENDPOINT_URL_<ID>` and the key in a `services`
    /// section (the service id, as botocore derives both).
    pub fn id(self) -> (&'static str, &'static str) {
        match self {
            Service::Sts => ("STS", "sts"),
            Service::Iam => ("IAM", "iam"),
            Service::Signin => ("SIGNIN", "signin"),
        }
    }

    /// The name people know it by, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Service::Signin => "the console sign-in",
            other => other.id().0,
        }
    }

    /// AWS's default host: STS is regional, IAM global (its region only
    /// picks the partition).
    pub fn default_host(self, region: &str) -> String {
        match self {
            Service::Sts => format!("sts.{region}.amazonaws.com"),
            Service::Iam => "iam.amazonaws.com".to_string(),
            Service::Signin => Partition::of(region).signin_host().to_string(),
        }
    }
}

/// The AWS partitions a console lives in, told apart by the region's name
/// (as botocore's partition table does: `cn-*`, `us-gov-*`, else `aws`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    China,
    GovCloud,
}

impl Partition {
    pub fn of(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::China
        } else if region.starts_with("us-gov-") {
            Partition::GovCloud
        } else {
            Partition::Aws
        }
    }

    /// The federation sign-in host (global per partition).
    pub fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::China => "signin.amazonaws.cn",
            Partition::GovCloud => "signin.amazonaws-us-gov.com",
        }
    }

    /// The console's host; in `aws`, each region has its own
    /// (`eu-west-1.console.aws.amazon.com`), which keeps the region chosen.
    pub fn console_host(self, region: &str) -> String {
        match self {
            Partition::Aws => format!("{region}.console.aws.amazon.com"),
            Partition::China => "console.amazonaws.cn".to_string(),
            Partition::GovCloud => "console.amazonaws-us-gov.com".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_partition_has_its_own_sign_in_and_console() {
        for (region, signin, console) in [
            (
                "eu-west-1",
                "signin.aws.amazon.com",
                "eu-west-1.console.aws.amazon.com",
            ),
            ("cn-north-1", "signin.amazonaws.cn", "console.amazonaws.cn"),
            (
                "cn-northwest-1",
                "signin.amazonaws.cn",
                "console.amazonaws.cn",
            ),
            (
                "us-gov-west-1",
                "signin.amazonaws-us-gov.com",
                "console.amazonaws-us-gov.com",
            ),
            (
                "us-east-1",
                "signin.aws.amazon.com",
                "us-east-1.console.aws.amazon.com",
            ),
        ] {
            assert_eq!(Service::Signin.default_host(region), signin, "{region}");
            assert_eq!(
                Partition::of(region).console_host(region),
                console,
                "{region}"
            );
        }
    }
}
