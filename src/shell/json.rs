//! The credential_process protocol's JSON (version 1, AWS SDKs and Tools
//! reference guide): what `awsmfa process` and `env --shell json` print.
//! One document of the credentials, read by an SDK into its own memory, so
//! there is nothing to unset and no shell quoting: serde_json escapes.

use super::Shell;
use crate::error::{Error, Result};
use crate::vars::Changes;
use serde::Serialize;

pub struct Json;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<&'a str>,
}

impl Shell for Json {
    /// The keys among `changes` ([`Changes::export`] writes the expiration
    /// in RFC 3339, as the protocol wants); the other variables (region,
    /// profile) have no field in the protocol.
    fn export(&self, changes: &Changes) -> Result<String> {
        let get = |name: &str| {
            changes
                .set
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        let (Some(access_key_id), Some(secret_access_key)) =
            (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(Error::Other(
                "credential_process JSON needs an access key and a secret key".to_string(),
            ));
        };
        let out = Output {
            version: 1,
            access_key_id,
            secret_access_key,
            session_token: get("AWS_SESSION_TOKEN"),
            expiration: get("AWS_CREDENTIAL_EXPIRATION"),
        };
        let mut text = serde_json::to_string_pretty(&out)
            .map_err(|e| Error::Other(format!("cannot encode JSON: {e}")))?;
        text.push('\n');
        Ok(text)
    }
    fn removes(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_protocol_order_and_optional_ones_left_out() {
        let mut changes = Changes {
            set: vec![
                ("AWS_ACCESS_KEY_ID", "AKIA".into()),
                ("AWS_SECRET_ACCESS_KEY", "s\"e".into()),
                ("AWS_REGION", "eu-west-1".into()),
            ],
            unset: vec!["AWS_PROFILE"],
        };
        assert_eq!(
            Json.export(&changes).unwrap(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIA\",\n  \"SecretAccessKey\": \"s\\\"e\"\n}\n"
        );
        changes.set.push(("AWS_SESSION_TOKEN", "t".into()));
        changes
            .set
            .push(("AWS_CREDENTIAL_EXPIRATION", "2026-11-27T21:00:00Z".into()));
        assert_eq!(
            Json.export(&changes).unwrap(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIA\",\n  \"SecretAccessKey\": \"s\\\"e\",\n  \"SessionToken\": \"t\",\n  \"Expiration\": \"2026-11-27T21:00:00Z\"\n}\n"
        );
        assert!(Json.export(&Changes::remove_all()).is_err());
    }
}
