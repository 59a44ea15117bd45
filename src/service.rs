//! The AWS services awsmfa calls, and the one place each one's names and
//! default host are spelled.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    Iam,
}

impl Service {
    /// The suffix of `AWS_ENDPOINT_URL_<ID>` and the key in a `services`
    /// section (the service id, as botocore derives both).
    pub fn id(self) -> (&'static str, &'static str) {
        match self {
            Service::Sts => ("STS", "sts"),
            Service::Iam => ("IAM", "iam"),
        }
    }

    /// The name people know it by, for messages.
    pub fn name(self) -> &'static str {
        self.id().0
    }

    /// AWS's default host: STS is regional, IAM global (its region only
    /// picks the partition).
    pub fn default_host(self, region: &str) -> String {
        match self {
            Service::Sts => format!("sts.{region}.amazonaws.com"),
            Service::Iam => "iam.amazonaws.com".to_string(),
        }
    }
}
