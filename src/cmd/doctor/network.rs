//! The checks that ask STS: the clock's skew and the keys' validity.

use super::Report;
use crate::clock::{self, Drift};
use crate::error::{Error, Failure};
use crate::profile::Profiles;
use crate::service::Service;

const CLOCK_FIX: &str =
    "turn on time synchronisation (`timedatectl set-ntp true`, or your system's clock settings)";

pub(super) fn check(r: &mut Report, profiles: Option<&Profiles>, profile: Option<String>) {
    let env = crate::reach::Env::process();
    let user = profiles
        .zip(profile)
        .map(|(profiles, name)| crate::iam::user_profile(profiles, &name, &env));
    // Ctrl-C at the key store's passphrase: the keys exist, unread.
    if let Some(Err(Error::Interrupted)) = user {
        r.skip(
            "clock",
            "not asked: the key store's passphrase was not given (Ctrl-C)",
        );
        r.skip("keys", "not read: the key store's passphrase was not given");
        return;
    }
    let Some(Ok(user)) = user else {
        r.skip("clock", "no profile with access keys to ask STS with");
        r.skip("keys", "no profile with access keys");
        return;
    };
    // Messages in the words every other command uses.
    let say = |f: Failure| user.error(f, "GetCallerIdentity", Service::Sts).to_string();
    let sts = match crate::sts::Sts::new(user.sts.clone()) {
        Ok(sts) => sts,
        Err(f) => {
            r.fail("clock", say(f), "fix the setting named above");
            return;
        }
    };
    let server = match sts.clock(&user.keys) {
        Ok(c) => c,
        Err(f) => {
            r.fail(
                "clock",
                say(f),
                "check your network, AWS_ENDPOINT_URL and proxy settings",
            );
            r.skip("keys", "STS gave no usable answer");
            return;
        }
    };
    let drift = clock_line(r, server.skew());
    let source = &user.source_profile;
    match server.identity {
        Ok(id) => r.ok("keys", format!("the keys of `{source}` belong to {}", id.arn)),
        Err(f @ Failure::BadCredentials { .. }) if drift == Drift::Signatures => r.fail(
            "keys",
            format!("{}, most likely because of the clock", say(f)),
            CLOCK_FIX,
        ),
        Err(f @ Failure::BadCredentials { .. }) => r.fail(
            "keys",
            say(f),
            format!("create a new access key for the user and put it in the credentials file, or `awsmfa rotate {source}` if the old one still works"),
        ),
        // Whatever else refused the keys, they do not work: a failure.
        Err(f) => r.fail("keys", say(f), "check the user's IAM policies and the endpoint"),
    }
}

/// The clock against STS's, judged by the thresholds every command uses.
fn clock_line(r: &mut Report, skew: i64) -> Drift {
    let side = if skew > 0 { "behind" } else { "ahead of" };
    let off = skew.unsigned_abs();
    let drift = clock::judge(skew);
    match drift {
        Drift::Signatures => r.fail(
            "clock",
            format!(
                "this machine is {off}s {side} STS: AWS refuses requests signed 15 minutes off"
            ),
            CLOCK_FIX,
        ),
        Drift::Codes => r.warn(
            "clock",
            format!("this machine is {off}s {side} STS: MFA codes computed here (mfa_process) are likely rejected"),
            CLOCK_FIX,
        ),
        Drift::Fine => r.ok("clock", format!("within {off}s of STS")),
    }
    drift
}
