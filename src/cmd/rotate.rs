//! `awsmfa rotate`: replace the IAM user's access key without ever leaving
//! the user without a working key on disk. This module alone owns the
//! rotation's steps, its journal (which `doctor` reads) and the removal of
//! what an interrupted rotate or AWS-file write left.
//!
//! Order matters, and each step is one function: `load` (the key, the file
//! it is in, the IAM user), `Rotation::only_key` (refuse unless exactly one
//! key, after `recover` dealt with what an interrupted rotate left),
//! `begin_journal`, `create`, `write_new` (the new key to the file),
//! `verify` (prove the new key works, else `undo`), `delete_old`
//! (deactivate, reversible, then delete), `finish` (once cached sessions
//! made from the old key are forgotten). Each step that fails says which
//! key is active, which is on disk, and what to do.
//!
//! IAM calls are signed with an MFA session when the profile has
//! `mfa_serial` (MFA-enforcing IAM policies are common). Such a session stays
//! valid after its key is deactivated, so it can sign every step. Without
//! MFA, the old key signs up to the creation and the proven new key signs
//! the deactivation and deletion (the old key can no longer sign once
//! inactive).

use super::Context;
use crate::cli::RotateArgs;
use crate::error::{Call, Error, Failure, Result};
use crate::fs::{self, Replace};
use crate::iam::{self, Iam, KeyInfo, UserProfile};
use crate::obtain::{Request, obtain};
use crate::profile::edit::{self, FileKind};
use crate::profile::{self, Locations, Profiles};
use crate::service::Service;
use crate::sts::Sts;
use crate::vault::LongTermKey;
use aws_credential_types::Credentials;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Life of the MFA session asked for here: enough for one rotation.
const SESSION_SECONDS: u64 = 900;

pub fn run(ctx: &Context, args: RotateArgs) -> Result<ExitCode> {
    let name = args.profile.unwrap_or_else(profile::default_name);
    let profiles = Profiles::load()?;
    let l = load(&profiles, &name)?;
    let (user, source) = (&l.user, &l.user.source_profile);

    let store = ctx.store()?;
    let mfa = profiles.value(source, "mfa_serial").is_some();
    let session = if mfa {
        Some(obtain(&session_request(user, args.token_code), &*store)?.credentials)
    } else {
        None
    };
    let client = Iam::new(&l.sts, &user.sts.region, &user.iam)
        .map_err(|f| user.error(f, "starting IAM", Service::Iam))?;
    let r = Rotation {
        profiles: &profiles,
        client: &client,
        sts: &l.sts,
        owner: user,
        arn: &l.arn,
        user: &l.user_name,
        profile: source,
        file: &l.file,
        old_id: &l.old_id,
        mfa,
    };
    // Until the new key is proven, the old key (or its MFA session) signs.
    let before = session.as_ref().unwrap_or(&user.keys);
    r.only_key(before)?;
    let journal = r.begin_journal()?;
    let new = r.create(before, journal)?;
    r.write_new(before, &new)?;
    let new_creds = Credentials::new(&new.access_key_id, new.secret(), None, None, "rotate");
    let wait = Duration::from_secs(args.wait);
    r.verify(before, &new, &new_creds, wait)?;
    let after = session.as_ref().unwrap_or(&new_creds);
    // IAM may lag behind STS in accepting a new key: when it signs, retry
    // an unknown-key answer for the same bounded time.
    let patience = if session.is_some() {
        Duration::ZERO
    } else {
        wait
    };
    r.delete_old(after, &new, patience)?;
    // Sessions made from the old key must not outlive it in the cache.
    store.forget(source);
    r.finish(&new);
    Ok(ExitCode::SUCCESS)
}

/// The MFA session that signs every IAM call when the profile has
/// `mfa_serial`: it stays valid after the old key is deactivated.
fn session_request(user: &UserProfile, token_code: Option<String>) -> Request {
    Request {
        profile: user.source_profile.clone(),
        token_code,
        duration: Some(SESSION_SECONDS),
        region: Some(user.sts.region.clone()),
        refresh: false,
        internal: true,
    }
}

/// What the rotation starts from, read before IAM is touched.
struct Loaded {
    user: UserProfile,
    old_id: String,
    file: KeyFile,
    sts: Sts,
    /// The IAM user's ARN, as the old key's GetCallerIdentity says.
    arn: String,
    user_name: String,
}

/// Load: the profile's long-term key, the file it is in (which must be one
/// awsmfa can rewrite, checked before AWS is touched), and the IAM user it
/// belongs to.
fn load(profiles: &Profiles, name: &str) -> Result<Loaded> {
    let user = iam::user_profile(profiles, name, &crate::reach::Env::process())?;
    let source = &user.source_profile;
    if user.keys.session_token().is_some() {
        return Err(Error::Usage(format!(
            "profile `{source}` holds temporary credentials (aws_session_token); rotate replaces an IAM user's long-term access key, so name the profile that holds it"
        )));
    }
    let old_id = user.keys.access_key_id().to_string();
    // Before AWS is touched: the key must be somewhere awsmfa can rewrite.
    let file = KeyFile::locate(profiles, source, &old_id)?;
    clean_leftovers(&profiles.locations);

    let sts = Sts::new(user.sts.clone()).map_err(|f| sts_error(f, &user, "starting STS"))?;
    let identity = sts
        .identity(&user.keys)
        .map_err(|f| sts_error(f, &user, "GetCallerIdentity"))?;
    let user_name = iam::user_name(source, &identity.arn)?;
    Ok(Loaded {
        user,
        old_id,
        file,
        sts,
        arn: identity.arn,
        user_name,
    })
}

/// What every step needs: the clients, the old key and its file, and what
/// its messages name.
struct Rotation<'a> {
    profiles: &'a Profiles,
    client: &'a Iam<'a>,
    sts: &'a Sts,
    /// The profile holding the old key.
    owner: &'a UserProfile,
    /// The IAM user's ARN, which the new key must prove to be.
    arn: &'a str,
    user: &'a str,
    profile: &'a str,
    file: &'a KeyFile,
    old_id: &'a str,
    mfa: bool,
}

impl Rotation<'_> {
    /// Step 1: exactly one key, and it is this profile's (after what an
    /// earlier, killed rotate left is dealt with).
    fn only_key(&self, signer: &Credentials) -> Result<()> {
        let (user_name, source, old_id) = (self.user, self.profile, self.old_id);
        let keys = self.client.access_keys(signer, user_name).map_err(|f| {
            self.stop(
                "listing the access keys (iam:ListAccessKeys)",
                self.iam_error(f, "iam:ListAccessKeys"),
                self.unchanged(),
            )
        })?;
        let keys = self.recover(signer, keys)?;
        match keys.as_slice() {
            [only] if only.id == old_id => Ok(()),
            [only] => Err(Error::Other(format!(
                "IAM user `{user_name}`'s only access key is {}, but profile `{source}` holds {old_id}; nothing was changed",
                only.id
            ))),
            _ => Err(Error::KeyCount {
                user: user_name.to_string(),
                count: keys.len(),
                ids: keys
                    .iter()
                    .map(|k| format!("{} {}", k.id, if k.active { "active" } else { "inactive" }))
                    .collect::<Vec<_>>()
                    .join(", "),
                hint: "IAM allows two keys, and a second one may be in use elsewhere: delete the one you no longer use, then run rotate again",
            }),
        }
    }

    /// Step 2, the journal: from before the new key is created until the
    /// old one is deleted, a journal names the keys (never a secret), so
    /// that a kill in between leaves a key someone can find.
    fn begin_journal(&self) -> Result<Journal> {
        let journal = Journal {
            user: self.user.to_string(),
            profile: self.profile.to_string(),
            old_key: self.old_id.to_string(),
            new_key: None,
        };
        journal.save(&self.file.path)?;
        Ok(journal)
    }

    /// Step 3: create the new key, and name it in the journal. Once the key
    /// exists it stays on failures too: the next rotate finishes the job
    /// (see `recover`).
    fn create(&self, signer: &Credentials, mut journal: Journal) -> Result<LongTermKey> {
        let new = self.client.create_key(signer, self.user).map_err(|f| {
            Journal::remove(&self.file.path, self.user);
            self.stop(
                "creating the new access key (iam:CreateAccessKey)",
                self.iam_error(f, "iam:CreateAccessKey"),
                self.unchanged(),
            )
        })?;
        journal.new_key = Some(new.access_key_id.clone());
        // Best effort: the id is also on stderr below.
        let _ = journal.save(&self.file.path);
        crate::term::note(format_args!(
            "awsmfa: created access key {} for IAM user `{}`",
            new.access_key_id, self.user
        ));
        Ok(new)
    }

    /// Step 4: write the new key to disk before anything is deleted. If
    /// that fails, the new key is deleted again.
    fn write_new(&self, signer: &Credentials, new: &LongTermKey) -> Result<()> {
        let updated = self
            .file
            .write(self.old_id, &new.access_key_id, new.secret())
            .map_err(|e| self.stop("writing the new key", e, self.unwritten(signer, new)))?;
        crate::term::note(format_args!(
            "awsmfa: wrote the new key to {} (profile {})",
            self.file.shown(),
            updated
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        Ok(())
    }

    /// The new key could not be written: delete it again, and say what
    /// remains.
    fn unwritten(&self, signer: &Credentials, new: &LongTermKey) -> String {
        match self
            .client
            .delete_key(signer, self.user, &new.access_key_id)
        {
            Ok(()) => format!(
                "{} The new key {} was deleted again.",
                self.unchanged(),
                new.access_key_id
            ),
            Err(_) => format!(
                "{} The new key {} exists but is saved nowhere: delete it with `{}`.",
                self.unchanged(),
                new.access_key_id,
                self.aws(&format!(
                    "iam delete-access-key --user-name {} --access-key-id {}",
                    self.user, new.access_key_id
                )),
            ),
        }
    }

    /// Step 5: prove AWS accepts the new key (within `wait`); if it does
    /// not, roll back (see `undo`).
    fn verify(
        &self,
        signer: &Credentials,
        new: &LongTermKey,
        new_creds: &Credentials,
        wait: Duration,
    ) -> Result<()> {
        prove(self.sts, new_creds, self.arn, wait, self.owner).map_err(|e| {
            self.stop(
                "checking that AWS accepts the new key",
                e,
                self.undo(signer, new, &self.owner.keys),
            )
        })
    }

    /// Step 6: retire the old key: deactivate it (reversible), then delete
    /// it. `patience` bounds the retries while IAM does not yet know the
    /// signing key.
    fn delete_old(
        &self,
        signer: &Credentials,
        new: &LongTermKey,
        patience: Duration,
    ) -> Result<()> {
        let (client, user_name, old_id) = (self.client, self.user, self.old_id);
        let file = self.file;
        until_known(patience, || client.deactivate_key(signer, user_name, old_id))
            .map_err(|f| {
                self.stop(
                    "deactivating the old key (iam:UpdateAccessKey)",
                    self.iam_error(f, "iam:UpdateAccessKey"),
                    format!(
                        "The new key {} is active and in {}; the old key {old_id} is still active too: deactivate and delete it with `{}` and `{}`.",
                        new.access_key_id,
                        file.shown(),
                        self.aws(&format!("iam update-access-key --user-name {user_name} --access-key-id {old_id} --status Inactive")),
                        self.aws(&format!("iam delete-access-key --user-name {user_name} --access-key-id {old_id}")),
                    ),
                )
            })?;
        until_known(patience, || client.delete_key(signer, user_name, old_id))
            .map_err(|f| {
                self.stop(
                    "deleting the old key (iam:DeleteAccessKey)",
                    self.iam_error(f, "iam:DeleteAccessKey"),
                    format!(
                        "The new key {} is active and in {}; the old key {old_id} is inactive but not deleted: delete it with `{}`.",
                        new.access_key_id,
                        file.shown(),
                        self.aws(&format!("iam delete-access-key --user-name {user_name} --access-key-id {old_id}")),
                    ),
                )
            })
    }

    /// Step 7: done; the journal goes last, once the old key is deleted.
    fn finish(&self, new: &LongTermKey) {
        Journal::remove(&self.file.path, self.user);
        crate::term::note(format_args!(
            "awsmfa: rotated IAM user `{}`'s access key: {} is active and in {}; {} is deleted",
            self.user,
            new.access_key_id,
            self.file.shown(),
            self.old_id
        ));
    }

    /// An earlier rotate of this user that did not finish (killed, or
    /// stopped by an error) left a journal naming the key it created.
    /// - That key is in IAM but in no file: its secret is gone (never
    ///   written, or only to a temporary file since removed), so it is of
    ///   no use: delete it.
    /// - That key is the one on disk (it just signed GetCallerIdentity) and
    ///   the key it replaced is in no file: finish, deleting the old key.
    /// - A kill during the creation names no key: say which keys are in no
    ///   file, for the user to judge.
    fn recover(&self, signer: &Credentials, keys: Vec<KeyInfo>) -> Result<Vec<KeyInfo>> {
        let Some(journal) = Journal::load(&self.file.path, self.user) else {
            return Ok(keys);
        };
        let (mut orphans, mut keys): (Vec<_>, Vec<_>) = keys
            .into_iter()
            .partition(|k| k.id != self.old_id && !self.on_disk(&k.id));
        let useless = match &journal.new_key {
            Some(id) if *id == self.old_id => Some((
                journal.old_key.as_str(),
                "the key an interrupted rotate replaced on disk",
            )),
            Some(id) => Some((
                id.as_str(),
                "a key an interrupted rotate created but never saved",
            )),
            None if !orphans.is_empty() => {
                let ids: Vec<&str> = orphans.iter().map(|k| k.id.as_str()).collect();
                crate::term::note(format_args!(
                    "awsmfa: an earlier rotate was interrupted while creating a key; {} is in neither AWS file: if nothing else uses it, delete it with `{}`",
                    ids.join(", "),
                    self.aws(&format!(
                        "iam delete-access-key --user-name {} --access-key-id {}",
                        self.user, ids[0]
                    ))
                ));
                keys.extend(orphans);
                return Ok(keys);
            }
            None => None,
        };
        if let Some((id, what)) = useless
            && let Some(at) = orphans.iter().position(|k| k.id == id)
        {
            self.delete_leftover(signer, id)?;
            crate::term::note(format_args!("awsmfa: deleted access key {id}, {what}"));
            orphans.remove(at);
        }
        Journal::remove(&self.file.path, self.user);
        keys.extend(orphans);
        Ok(keys)
    }

    fn delete_leftover(&self, signer: &Credentials, id: &str) -> Result<()> {
        self.client.delete_key(signer, self.user, id).map_err(|f| {
            let delete = format!(
                "iam delete-access-key --user-name {} --access-key-id {id}",
                self.user
            );
            self.stop(
                "deleting a key an interrupted rotate left (iam:DeleteAccessKey)",
                self.iam_error(f, "iam:DeleteAccessKey"),
                format!(
                    "{} Access key {id} is in no file: delete it with `{}`.",
                    self.unchanged(),
                    self.aws(&delete)
                ),
            )
        })
    }

    /// Whether either AWS file mentions key `id` anywhere: a key in use is
    /// never taken for a leftover.
    fn on_disk(&self, id: &str) -> bool {
        on_disk(&self.profiles.locations, id)
    }

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
            self.file.shown()
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
    fn undo(&self, signer: &Credentials, new: &LongTermKey, old: &Credentials) -> String {
        let path = self.file.shown();
        match self.file.write(
            &new.access_key_id,
            old.access_key_id(),
            old.secret_access_key(),
        ) {
            Err(_) => format!(
                "The new key {} is in {path} and may start working in a minute; the old key {} is still active but no longer on disk. Check with `aws --profile {} sts get-caller-identity`; once it works, delete the old key with `{}`.",
                new.access_key_id,
                self.old_id,
                self.profile,
                self.aws(&format!(
                    "iam delete-access-key --user-name {} --access-key-id {}",
                    self.user, self.old_id
                )),
            ),
            Ok(_) => match self
                .client
                .delete_key(signer, self.user, &new.access_key_id)
            {
                Ok(()) => format!(
                    "Rolled back: the old key {} is active and back in {path}; the new key {} was deleted. Try again later.",
                    self.old_id, new.access_key_id
                ),
                Err(_) => format!(
                    "The old key {} is active and back in {path}; the new key {} could not be deleted: delete it with `{}`.",
                    self.old_id,
                    new.access_key_id,
                    self.aws(&format!(
                        "iam delete-access-key --user-name {} --access-key-id {}",
                        self.user, new.access_key_id
                    )),
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
    kind: FileKind,
    /// The key is in a vault (`keys import`): written there instead, in one
    /// step (`path` is the credentials file, beside which the journal goes).
    vault: Option<(crate::vault::Slot, crate::vault::Vault)>,
}

impl KeyFile {
    /// Where the key is, for messages.
    fn shown(&self) -> String {
        match &self.vault {
            Some((slot, store)) => store.describe(slot),
            None => self.path.display().to_string(),
        }
    }

    fn locate(profiles: &Profiles, profile: &str, old_id: &str) -> Result<KeyFile> {
        if crate::vault::ours(profiles, profile) {
            let slot = crate::vault::Slot::new(&profiles.locations, profile);
            let store =
                crate::vault::Vault::holding(crate::vault::VaultChoice::configured()?, &slot)?;
            return Ok(KeyFile {
                path: PathBuf::from(&profiles.locations.credentials),
                kind: FileKind::Credentials,
                vault: Some((slot, store)),
            });
        }
        let files = [
            (&profiles.locations.credentials, FileKind::Credentials),
            (&profiles.locations.config, FileKind::Config),
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
                    )));
                }
                Ok(_) => {}
            }
            fs::check_writable(&path).map_err(|e| {
                Error::io(
                    format!(
                        "{} cannot be rewritten, so nothing was changed",
                        path.display()
                    ),
                    e,
                )
            })?;
            return Ok(KeyFile {
                path,
                kind,
                vault: None,
            });
        }
        Err(Error::ConfigParse(format!(
            "neither {} nor {} holds aws_access_key_id = {old_id}; rotate rewrites the file the key is in, so nothing was changed",
            profiles.locations.credentials, profiles.locations.config
        )))
    }

    /// Swap `from` for `to` in the file as it is now (re-read: it may have
    /// changed since the start), atomically, keeping its mode.
    fn write(&self, from: &str, to: &str, secret: &str) -> Result<Vec<String>> {
        if let Some((slot, store)) = &self.vault {
            store.put(slot, &crate::vault::LongTermKey::new(to, secret))?;
            return Ok(vec![slot.profile.clone()]);
        }
        let context = || format!("writing {}", self.path.display());
        let text = std::fs::read_to_string(&self.path).map_err(|e| Error::io(context(), e))?;
        let (new, profiles) = edit::replace_key(&text, self.kind, from, to, secret)
            .map_err(|e| Error::Other(format!("{}: {e}", context())))?;
        fs::write_private(&self.path, new.as_bytes(), Replace::USER)
            .map_err(|e| Error::io(context(), e))?;
        Ok(profiles)
    }
}

/// Whether either AWS file mentions `id` anywhere.
pub(crate) fn on_disk(l: &Locations, id: &str) -> bool {
    [&l.credentials, &l.config]
        .iter()
        .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(id)))
        || Profiles::load().is_ok_and(|p| crate::vault::holds_id(&p, id))
}

/// Where writes to either AWS file put their temporary files and journals.
fn temp_dirs(l: &Locations) -> Vec<PathBuf> {
    let mut dirs = vec![
        fs::temp_dir_of(Path::new(&l.credentials)),
        fs::temp_dir_of(Path::new(&l.config)),
    ];
    dirs.dedup();
    dirs
}

/// Remove the temporary files an interrupted write left beside either AWS
/// file: each is a whole copy of that file, secrets included.
pub(crate) fn clean_leftovers(l: &Locations) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for dir in temp_dirs(l) {
        match fs::clean_leftovers(&dir) {
            Ok(files) => removed.extend(files),
            Err(e) => crate::term::note(format_args!(
                "awsmfa: could not look for leftover temporary files in {}: {e}",
                dir.display()
            )),
        }
    }
    for file in &removed {
        crate::term::note(format_args!(
            "awsmfa: removed {}, a copy of an AWS file (secrets included) left by an interrupted write",
            file.display()
        ));
    }
    removed
}

/// What a rotate records from just before it creates a key until it has
/// deleted the old one: ids only, never a secret. It sits beside the key
/// file (one per IAM user); one that remains means a rotate was killed or
/// stopped, and the next one finishes from it.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Journal {
    pub user: String,
    pub profile: String,
    pub old_key: String,
    /// None while the key is being created: AWS may have made it before a
    /// kill, with awsmfa never hearing its id.
    pub new_key: Option<String>,
}

const JOURNAL_PREFIX: &str = ".awsmfa-rotate-";
const JOURNAL_SUFFIX: &str = ".json";

impl Journal {
    fn path(key_file: &Path, user: &str) -> PathBuf {
        // IAM user names are `[\w+=,.@-]+`; anything else cannot name a file.
        let safe: String = user
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        fs::temp_dir_of(key_file).join(format!("{JOURNAL_PREFIX}{safe}{JOURNAL_SUFFIX}"))
    }

    fn load(key_file: &Path, user: &str) -> Option<Journal> {
        let text = std::fs::read_to_string(Journal::path(key_file, user)).ok()?;
        Journal::parse(&text)
    }

    /// A journal whose names all have their grammar: its ids go into IAM
    /// calls and into commands printed for the user to run, so one that
    /// anything else edited counts as absent.
    fn parse(text: &str) -> Option<Journal> {
        use crate::grammar::{Kind, check};
        let j: Journal = serde_json::from_str(text).ok()?;
        let ids = std::iter::once(&j.old_key).chain(j.new_key.as_ref());
        let fine = check(Kind::UserName, &j.user).is_ok()
            && ids
                .into_iter()
                .all(|id| check(Kind::AccessKeyId, id).is_ok());
        fine.then_some(j)
    }

    fn save(&self, key_file: &Path) -> Result<()> {
        let path = Journal::path(key_file, &self.user);
        let text = serde_json::to_string(self)
            .map_err(|e| Error::Other(format!("cannot encode the rotate journal: {e}")))?;
        fs::write_private(&path, text.as_bytes(), Replace::USER)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    fn remove(key_file: &Path, user: &str) {
        let _ = std::fs::remove_file(Journal::path(key_file, user));
    }

    /// Every journal beside either AWS file, for doctor.
    pub(crate) fn all(l: &Locations) -> Vec<(PathBuf, Journal)> {
        let mut out = Vec::new();
        for entry in temp_dirs(l)
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !(name.starts_with(JOURNAL_PREFIX) && name.ends_with(JOURNAL_SUFFIX)) {
                continue;
            }
            let journal = std::fs::read_to_string(entry.path())
                .ok()
                .and_then(|t| Journal::parse(&t));
            if let Some(j) = journal {
                out.push((entry.path(), j));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Journal;

    /// A journal's ids go into IAM calls and printed commands: one holding
    /// anything but an id's grammar counts as absent.
    #[test]
    fn a_journal_with_names_outside_their_grammar_is_ignored() {
        let good = r#"{"user":"alice","profile":"alice","old_key":"AKIAOLDOLDOLDOLD1234","new_key":"AKIANEWNEWNEWNEW1234"}"#;
        assert!(Journal::parse(good).is_some());
        let none = good.replace(r#""AKIANEWNEWNEWNEW1234""#, "null");
        assert!(Journal::parse(&none).is_some());
        for (from, to) in [
            ("AKIANEWNEWNEWNEW1234", "AKIA; rm -rf ~ #NEW1234"),
            ("AKIAOLDOLDOLDOLD1234", "AKIAOLD\\nOLD"),
            (r#""user":"alice""#, r#""user":"alice --profile evil""#),
        ] {
            let bad = good.replace(from, to);
            assert!(Journal::parse(&bad).is_none(), "{bad}");
        }
    }
}
