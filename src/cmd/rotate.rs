//! `awsmfa rotate`: replace the IAM user's access key without ever leaving
//! the user without a working key on disk.
//!
//! Order matters: list (refuse unless exactly one key), create, write the
//! new key to the file, prove the new key works, deactivate the old key
//! (reversible), delete it, forget cached sessions made from it. Each step
//! that fails says which key is active, which is on disk, and what to do.
//!
//! IAM calls are signed with an MFA session when the profile has
//! `mfa_serial` (MFA-enforcing IAM policies are common). Such a session stays
//! valid after its key is deactivated, so it can sign every step. Without
//! MFA, the old key signs up to the creation and the proven new key signs
//! the deactivation and deletion (the old key can no longer sign once
//! inactive).

use super::Context;
use crate::cli::RotateArgs;
use crate::error::{Call, Error, Result};
use crate::iam::{self, Iam, NewKey, UserProfile};
use crate::obtain::{obtain, Request};
use crate::profile::edit::{self, Kind};
use crate::profile::{self, Profiles};
use crate::reach::Service;
use crate::sts::{Failure, Sts};
use aws_credential_types::Credentials;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Life of the MFA session asked for here: enough for one rotation.
const SESSION_SECONDS: u64 = 900;

pub fn run(ctx: &Context, args: RotateArgs) -> Result<ExitCode> {
    let name = args.profile.unwrap_or_else(profile::default_name);
    let profiles = Profiles::load()?;
    let user = iam::user_profile(&profiles, &name, &crate::reach::Env::process())?;
    let source = user.source_profile.clone();
    if user.keys.session_token().is_some() {
        return Err(Error::Usage(format!(
            "profile `{source}` holds temporary credentials (aws_session_token); rotate replaces an IAM user's long-term access key, so name the profile that holds it"
        )));
    }
    let old_id = user.keys.access_key_id().to_string();
    // Before AWS is touched: the key must be somewhere awsmfa can rewrite.
    let file = KeyFile::locate(&profiles, &old_id)?;

    let sts = Sts::new(user.sts.clone()).map_err(|f| sts_error(f, &user, "starting STS"))?;
    let identity = sts
        .identity(&user.keys)
        .map_err(|f| sts_error(f, &user, "GetCallerIdentity"))?;
    let user_name = iam::user_name(&source, &identity.arn)?;

    let store = ctx.store()?;
    let mfa = profiles.value(&source, "mfa_serial").is_some();
    let session = if mfa {
        let request = Request {
            profile: source.clone(),
            token_code: args.token_code,
            duration: Some(SESSION_SECONDS),
            region: Some(user.sts.region.clone()),
            refresh: false,
        };
        Some(obtain(&request, &*store)?.credentials)
    } else {
        None
    };
    let client = Iam::new(&sts, &user.sts.region, &user.iam)
        .map_err(|f| user.error(f, "starting IAM", Service::Iam))?;
    let r = Rotation {
        client: &client,
        user: &user_name,
        profile: &source,
        file: &file,
        old_id: &old_id,
        mfa,
    };
    // Until the new key is proven, the old key (or its MFA session) signs.
    let before = session.as_ref().unwrap_or(&user.keys);

    // 1. Exactly one key, and it is this profile's.
    let keys = client.access_keys(before, &user_name).map_err(|f| {
        r.stop(
            "listing the access keys (iam:ListAccessKeys)",
            r.iam_error(f, "iam:ListAccessKeys"),
            r.unchanged(),
        )
    })?;
    match keys.as_slice() {
        [only] if only.id == old_id => {}
        [only] => {
            return Err(Error::Other(format!(
                "IAM user `{user_name}`'s only access key is {}, but profile `{source}` holds {old_id}; nothing was changed",
                only.id
            )))
        }
        _ => {
            return Err(Error::KeyCount {
                user: user_name.clone(),
                count: keys.len(),
                ids: keys
                    .iter()
                    .map(|k| format!("{} {}", k.id, if k.active { "active" } else { "inactive" }))
                    .collect::<Vec<_>>()
                    .join(", "),
                hint: "IAM allows two keys, and a second one may be in use elsewhere: delete the one you no longer use, then run rotate again",
            })
        }
    }

    // 2. Create.
    let new = client.create_key(before, &user_name).map_err(|f| {
        r.stop(
            "creating the new access key (iam:CreateAccessKey)",
            r.iam_error(f, "iam:CreateAccessKey"),
            r.unchanged(),
        )
    })?;
    eprintln!(
        "awsmfa: created access key {} for IAM user `{user_name}`",
        new.id
    );

    // 3. Write it to disk before anything is deleted.
    let updated = match file.write(&old_id, &new.id, &new.secret) {
        Ok(profiles) => profiles,
        Err(e) => {
            let state = match client.delete_key(before, &user_name, &new.id) {
                Ok(()) => format!(
                    "{} The new key {} was deleted again.",
                    r.unchanged(),
                    new.id
                ),
                Err(_) => format!(
                    "{} The new key {} exists but is saved nowhere: delete it with `{}`.",
                    r.unchanged(),
                    new.id,
                    r.aws(&format!(
                        "iam delete-access-key --user-name {user_name} --access-key-id {}",
                        new.id
                    )),
                ),
            };
            return Err(r.stop("writing the new key", e, state));
        }
    };
    eprintln!(
        "awsmfa: wrote the new key to {} (profile {})",
        file.path.display(),
        updated
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // 4. Prove the new key, then retire the old one.
    let new_creds = Credentials::new(&new.id, &new.secret, None, None, "rotate");
    if let Err(e) = prove(
        &sts,
        &new_creds,
        &identity.arn,
        Duration::from_secs(args.wait),
        &user,
    ) {
        return Err(r.stop(
            "checking that AWS accepts the new key",
            e,
            r.undo(before, &new, &user.keys),
        ));
    }
    let after = session.as_ref().unwrap_or(&new_creds);
    // IAM may lag behind STS in accepting a new key: when it signs, retry
    // an unknown-key answer for the same bounded time.
    let patience = Duration::from_secs(if session.is_some() { 0 } else { args.wait });
    until_known(patience, || client.deactivate_key(after, &user_name, &old_id))
        .map_err(|f| {
            r.stop(
                "deactivating the old key (iam:UpdateAccessKey)",
                r.iam_error(f, "iam:UpdateAccessKey"),
                format!(
                    "The new key {} is active and in {}; the old key {old_id} is still active too: deactivate and delete it with `{}` and `{}`.",
                    new.id,
                    file.path.display(),
                    r.aws(&format!("iam update-access-key --user-name {user_name} --access-key-id {old_id} --status Inactive")),
                    r.aws(&format!("iam delete-access-key --user-name {user_name} --access-key-id {old_id}")),
                ),
            )
        })?;
    until_known(patience, || client.delete_key(after, &user_name, &old_id))
        .map_err(|f| {
            r.stop(
                "deleting the old key (iam:DeleteAccessKey)",
                r.iam_error(f, "iam:DeleteAccessKey"),
                format!(
                    "The new key {} is active and in {}; the old key {old_id} is inactive but not deleted: delete it with `{}`.",
                    new.id,
                    file.path.display(),
                    r.aws(&format!("iam delete-access-key --user-name {user_name} --access-key-id {old_id}")),
                ),
            )
        })?;

    // 5. Sessions made from the old key must not outlive it in the cache.
    store.forget(&source);
    eprintln!(
        "awsmfa: rotated IAM user `{user_name}`'s access key: {} is active and in {}; {old_id} is deleted",
        new.id,
        file.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What every step's message needs.
struct Rotation<'a> {
    client: &'a Iam<'a>,
    user: &'a str,
    profile: &'a str,
    file: &'a KeyFile,
    old_id: &'a str,
    mfa: bool,
}

impl Rotation<'_> {
    fn iam_error(&self, f: Failure, action: &str) -> Error {
        let at = Call {
            action,
            profile: self.profile,
            serial: None,
            service: Service::Iam,
            endpoint: self.client.endpoint(),
        };
        match Error::from_failure(f, &at) {
            // The usual reason an IAM user may not manage its own keys is a
            // policy demanding MFA, which needs an MFA session to sign.
            Error::AccessDenied {
                action,
                code,
                message,
            } if !self.mfa => Error::AccessDenied {
                action,
                code,
                message: format!(
                    "{message} (if your IAM policy requires MFA, run `awsmfa setup {}` first)",
                    self.profile
                ),
            },
            other => other,
        }
    }

    fn stop(&self, step: &'static str, cause: Error, state: String) -> Error {
        Error::Rotation {
            step,
            cause: Box::new(cause),
            state,
        }
    }

    fn unchanged(&self) -> String {
        format!(
            "Nothing was lost: the old key {} is still active and in {}.",
            self.old_id,
            self.file.path.display()
        )
    }

    /// A command the user can run to finish by hand. With MFA enforced by
    /// policy the plain aws CLI would be denied, so go through awsmfa.
    fn aws(&self, args: &str) -> String {
        if self.mfa {
            format!("awsmfa exec {} -- aws {args}", self.profile)
        } else {
            format!("aws --profile {} {args}", self.profile)
        }
    }

    /// The new key was not accepted in time: put the old key back on disk
    /// (it is still active) and delete the new one, so that exactly the old
    /// state remains.
    fn undo(&self, signer: &Credentials, new: &NewKey, old: &Credentials) -> String {
        let path = self.file.path.display();
        match self.file.write(&new.id, old.access_key_id(), old.secret_access_key()) {
            Err(_) => format!(
                "The new key {} is in {path} and may start working in a minute; the old key {} is still active but no longer on disk. Check with `aws --profile {} sts get-caller-identity`; once it works, delete the old key with `{}`.",
                new.id,
                self.old_id,
                self.profile,
                self.aws(&format!("iam delete-access-key --user-name {} --access-key-id {}", self.user, self.old_id)),
            ),
            Ok(_) => match self.client.delete_key(signer, self.user, &new.id) {
                Ok(()) => format!(
                    "Rolled back: the old key {} is active and back in {path}; the new key {} was deleted. Try again later.",
                    self.old_id, new.id
                ),
                Err(_) => format!(
                    "The old key {} is active and back in {path}; the new key {} could not be deleted: delete it with `{}`.",
                    self.old_id,
                    new.id,
                    self.aws(&format!("iam delete-access-key --user-name {} --access-key-id {}", self.user, new.id)),
                ),
            },
        }
    }
}

fn sts_error(f: Failure, user: &UserProfile, action: &str) -> Error {
    user.error(f, action, Service::Sts)
}

/// A call signed with the new key must say it is the same IAM user. A new
/// key takes seconds to propagate, so retry with backoff until `wait` runs
/// out.
fn prove(
    sts: &Sts,
    creds: &Credentials,
    expected_arn: &str,
    wait: Duration,
    user: &UserProfile,
) -> Result<()> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(500);
    loop {
        let why = match sts.identity(creds) {
            Ok(id) if id.arn == expected_arn => return Ok(()),
            Ok(id) => format!("AWS says the new key is {}, not {expected_arn}", id.arn),
            Err(f) => sts_error(f, user, "GetCallerIdentity with the new key").to_string(),
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::Other(format!(
                "AWS did not accept the new key within {}s ({why})",
                wait.as_secs()
            )));
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_secs(8));
    }
}

/// Run `call`, again with backoff while AWS says the signing key is unknown,
/// until `wait` runs out.
fn until_known<T>(
    wait: Duration,
    mut call: impl FnMut() -> Result<T, Failure>,
) -> Result<T, Failure> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(500);
    loop {
        match call() {
            Err(Failure::BadCredentials { .. }) if Instant::now() < deadline => {
                std::thread::sleep(pause.min(deadline - Instant::now()));
                pause = (pause * 2).min(Duration::from_secs(8));
            }
            other => return other,
        }
    }
}

/// The file holding the key being rotated: the credentials file, or the
/// config file where some people keep keys.
struct KeyFile {
    path: PathBuf,
    kind: Kind,
}

impl KeyFile {
    fn locate(profiles: &Profiles, old_id: &str) -> Result<KeyFile> {
        let files = [
            (&profiles.locations.credentials, Kind::Credentials),
            (&profiles.locations.config, Kind::Config),
        ];
        for (path, kind) in files {
            let path = PathBuf::from(path);
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
            };
            match edit::replace_key(&text, kind, old_id, "check", "check") {
                Err(edit::KeyEditError::NotFound(_)) => continue,
                Err(e) => {
                    return Err(Error::ConfigParse(format!(
                        "{}: {e}; put both in one section and try again",
                        path.display()
                    )))
                }
                Ok(_) => {}
            }
            edit::check_writable(&path).map_err(|e| {
                Error::io(
                    format!(
                        "{} cannot be rewritten, so nothing was changed",
                        path.display()
                    ),
                    e,
                )
            })?;
            return Ok(KeyFile { path, kind });
        }
        Err(Error::ConfigParse(format!(
            "neither {} nor {} holds aws_access_key_id = {old_id}; rotate rewrites the file the key is in, so nothing was changed",
            profiles.locations.credentials, profiles.locations.config
        )))
    }

    /// Swap `from` for `to` in the file as it is now (re-read: it may have
    /// changed since the start), atomically, keeping its mode.
    fn write(&self, from: &str, to: &str, secret: &str) -> Result<Vec<String>> {
        let context = || format!("writing {}", self.path.display());
        let text = std::fs::read_to_string(&self.path).map_err(|e| Error::io(context(), e))?;
        let (new, profiles) = edit::replace_key(&text, self.kind, from, to, secret)
            .map_err(|e| Error::Other(format!("{}: {e}", context())))?;
        edit::write_atomic(&self.path, new.as_bytes(), 0o600)
            .map_err(|e| Error::io(context(), e))?;
        Ok(profiles)
    }
}
