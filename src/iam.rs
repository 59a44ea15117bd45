//! The IAM calls of `setup` and `rotate`, and the IAM user behind a
//! profile (ARNs are read by [`crate::arn`]).
//!
//! An `Iam` borrows an [`Sts`]: the same current-thread runtime, HTTP/TLS
//! stack, timeouts, retries and error classification, so that starting
//! tokio and building the HTTP client stay in `crate::sts` alone.

use crate::arn::{Principal, principal};
use crate::error::{Call, Error, Failure, Result};
use crate::grammar::{self, Kind};
use crate::profile::Profiles;
use crate::reach::{self, Env, Remote};
use crate::service::Service;
use crate::sts::{Sts, Target};
use crate::vault::LongTermKey;
use aws_credential_types::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::StatusType;

/// The IAM user behind a profile: the profile holding its keys, the keys,
/// and where to reach STS and IAM.
pub struct UserProfile {
    /// The profile holding the access keys (the chain's start, so `dev`
    /// with `source_profile = alice` gives `alice`).
    pub source_profile: String,
    pub keys: Credentials,
    pub sts: Target,
    pub iam: Remote,
}

/// Resolve `name` to the IAM user profile it starts from. Region, endpoints,
/// proxy and timeout are those of `name`, the selected profile, exactly as
/// for every other command (`crate::reach`).
pub fn user_profile(profiles: &Profiles, name: &str, env: &Env) -> Result<UserProfile> {
    let chain = profiles.chain(name)?;
    // The key wherever it lives: the profile files, or a vault.
    let Some(keys) = crate::vault::Signer::of(profiles, &chain.base) else {
        return Err(Error::Usage(format!(
            "profile `{name}` does not start from an IAM user's access keys; name the profile that holds aws_access_key_id"
        )));
    };
    let (_, sts) = reach::sts(profiles, name, None, env)?;
    let iam = reach::iam(profiles, name, &sts.region, env)?;
    Ok(UserProfile {
        keys: keys.credentials()?.clone(),
        source_profile: keys.profile().to_string(),
        sts,
        iam,
    })
}

impl UserProfile {
    /// A failed STS or IAM call signed with this user's keys, in the one
    /// vocabulary of [`Error::from_failure`].
    pub fn error(&self, f: Failure, action: &str, service: Service) -> Error {
        let endpoint = match service {
            Service::Iam => self.iam_endpoint(),
            // A user's own calls never go to the console's sign-in.
            Service::Sts | Service::Signin => self.sts.endpoint(),
        };
        Error::from_failure(
            f,
            &Call {
                action,
                profile: &self.source_profile,
                serial: None,
                service,
                endpoint: &endpoint,
            },
        )
    }

    pub fn iam_endpoint(&self) -> String {
        self.iam
            .endpoint_url
            .clone()
            .unwrap_or_else(|| Service::Iam.default_host(&self.sts.region))
    }
}

/// The user name behind an identity, or why there is none.
pub fn user_name(profile: &str, arn: &str) -> Result<String> {
    let hint = match principal(arn) {
        Principal::User(name) if grammar::check(Kind::UserName, &name).is_ok() => return Ok(name),
        Principal::User(_) => {
            "its user name is not one IAM allows (letters, digits and +=,.@_-, at most 64): whatever answered GetCallerIdentity is not AWS"
        }
        Principal::Root => {
            "the root user should not have access keys at all: create an IAM user for daily work and use its keys"
        }
        Principal::AssumedRole(_) => {
            "this profile holds role credentials; name the profile with the IAM user's own access keys (its source_profile)"
        }
        Principal::Other => "name a profile that holds an IAM user's access keys",
    };
    Err(Error::NotAnIamUser {
        profile: profile.to_string(),
        arn: arn.to_string(),
        hint,
    })
}

/// A value from IAM's answer to `op`, checked for its grammar: an answer
/// that breaks it is no IAM answer, and nothing of it is used or written.
fn from_iam(kind: Kind, value: &str, op: &str) -> Result<(), Failure> {
    crate::sts::checked(Service::Iam, kind, value, op)
}

/// One access key of an IAM user, as `ListAccessKeys` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub id: String,
    pub active: bool,
}

pub struct Iam<'a> {
    sts: &'a Sts,
    base: aws_sdk_iam::config::Builder,
    endpoint: String,
}

impl<'a> Iam<'a> {
    /// IAM at `remote` (its configured endpoint and proxy, resolved by
    /// `crate::reach`). IAM is global: the region only picks the partition
    /// (aws, aws-cn, aws-us-gov). The STS client's HTTP stack is shared
    /// unless IAM goes through another proxy (or none).
    pub fn new(sts: &'a Sts, region: &str, remote: &Remote) -> Result<Self, Failure> {
        let http = if remote.proxy == sts.target.proxy {
            sts.http.clone()
        } else {
            crate::sts::https_client(sts.tls.clone(), remote.proxy.as_deref())?
        };
        let shared = crate::sts::sdk_config(
            region,
            remote.endpoint_url.as_deref(),
            http,
            sts.timeouts.clone(),
        );
        let base = aws_sdk_iam::config::Builder::from(&shared);
        let endpoint = remote
            .endpoint_url
            .clone()
            .unwrap_or_else(|| Service::Iam.default_host(region));
        Ok(Iam {
            sts,
            base,
            endpoint,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// `fut` (a call to IAM) on the STS client's runtime: [`Sts::send`].
    fn call<T, E>(
        &self,
        fut: impl std::future::Future<Output = Result<T, SdkError<E>>>,
    ) -> Result<T, Failure>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.sts.send("IAM", &self.endpoint, fut)
    }

    fn client(&self, creds: &Credentials) -> aws_sdk_iam::Client {
        let config = self.base.clone().credentials_provider(creds.clone());
        aws_sdk_iam::Client::from_conf(config.build())
    }

    /// `iam:ListMFADevices`: the serial numbers of `user`'s MFA devices.
    pub fn mfa_devices(&self, creds: &Credentials, user: &str) -> Result<Vec<String>, Failure> {
        let out = self.call(self.client(creds).list_mfa_devices().user_name(user).send())?;
        let serials: Vec<String> = out
            .mfa_devices()
            .iter()
            .map(|d| d.serial_number().to_string())
            .collect();
        for serial in &serials {
            from_iam(Kind::MfaSerial, serial, "ListMFADevices")?;
        }
        Ok(serials)
    }

    /// `iam:ListAccessKeys` for `user` (at most two exist).
    pub fn access_keys(&self, creds: &Credentials, user: &str) -> Result<Vec<KeyInfo>, Failure> {
        let out = self.call(self.client(creds).list_access_keys().user_name(user).send())?;
        let keys: Vec<KeyInfo> = out
            .access_key_metadata()
            .iter()
            .filter_map(|k| {
                Some(KeyInfo {
                    id: k.access_key_id()?.to_string(),
                    active: k.status() == Some(&StatusType::Active),
                })
            })
            .collect();
        for key in &keys {
            from_iam(Kind::AccessKeyId, &key.id, "ListAccessKeys")?;
        }
        Ok(keys)
    }

    /// `iam:CreateAccessKey` for `user`: a key as the vault keeps it (its
    /// Debug never shows the secret).
    pub fn create_key(&self, creds: &Credentials, user: &str) -> Result<LongTermKey, Failure> {
        let out = self.call(
            self.client(creds)
                .create_access_key()
                .user_name(user)
                .send(),
        )?;
        let key = out
            .access_key()
            .ok_or_else(|| Failure::Other("CreateAccessKey returned no key".into()))?;
        let (id, secret) = (key.access_key_id(), key.secret_access_key());
        from_iam(Kind::AccessKeyId, id, "CreateAccessKey")?;
        if let Err(Failure::Unreachable { why }) =
            from_iam(Kind::SecretKey, secret, "CreateAccessKey")
        {
            // A key whose secret cannot be kept is of no use to anyone.
            let what = match self.delete_key(creds, user, id) {
                Ok(()) => format!("the access key {id} it named was deleted again"),
                Err(_) => format!(
                    "the access key {id} it named may exist: delete it with `aws iam delete-access-key --user-name {user} --access-key-id {id}`"
                ),
            };
            return Err(Failure::Unreachable {
                why: format!("{why}; {what}"),
            });
        }
        Ok(LongTermKey::new(id, secret))
    }

    /// `iam:UpdateAccessKey` to Inactive: reversible, unlike deletion.
    pub fn deactivate_key(&self, creds: &Credentials, user: &str, id: &str) -> Result<(), Failure> {
        self.call(
            self.client(creds)
                .update_access_key()
                .user_name(user)
                .access_key_id(id)
                .status(StatusType::Inactive)
                .send(),
        )?;
        Ok(())
    }

    /// `iam:DeleteAccessKey`.
    pub fn delete_key(&self, creds: &Credentials, user: &str, id: &str) -> Result<(), Failure> {
        self.call(
            self.client(creds)
                .delete_access_key()
                .user_name(user)
                .access_key_id(id)
                .send(),
        )?;
        Ok(())
    }
}
