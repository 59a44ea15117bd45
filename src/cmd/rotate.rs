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
use crate::iam::{self, Iam, KeyInfo, NewKey, UserProfile};
use crate::obtain::{obtain, Request};
use crate::profile::edit::{self, Kind};
use crate::profile::{self, Locations, Profiles};
use crate::reach::Service;
use crate::sts::{Failure, Sts};
use aws_credential_types::Credentials;
use std::path::{Path, PathBuf};
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
    let file = KeyFile::locate(&profiles, &source, &old_id)?;
    clean_leftovers(&profiles.locations);

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
            internal: true,
        };
        Some(obtain(&request, &*store)?.credentials)
    } else {
        None
    };
    let client = Iam::new(&sts, &user.sts.region, &user.iam)
        .map_err(|f| user.error(f, "starting IAM", Service::Iam))?;
    let r = Rotation {
        profiles: &profiles,
        client: &client,
        user: &user_name,
        profile: &source,
        file: &file,
        old_id: &old_id,
        mfa,
    };
    // Until the new key is proven, the old key (or its MFA session) signs.
    let before = session.as_ref().unwrap_or(&user.keys);

    // 1. Exactly one key, and it is this profile's (after what an earlier,
    // killed rotate left is dealt with).
    let keys = client.access_keys(before, &user_name).map_err(|f| {
        r.stop(
            "listing the access keys (iam:ListAccessKeys)",
            r.iam_error(f, "iam:ListAccessKeys"),
            r.unchanged(),
        )
    })?;
    let keys = r.recover(before, keys)?;
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

    // 2. Create. The journal names the key (never its secret) until the
    // old one is deleted, so that a kill in between leaves a key someone
    // can find. Once the key exists it stays on failures too: the next
    // rotate finishes the job (see `recover`).
    let mut journal = Journal {
        user: user_name.clone(),
        profile: source.clone(),
        old_key: old_id.clone(),
        new_key: None,
    };
    journal.save(&file.path)?;
    let new = client.create_key(before, &user_name).map_err(|f| {
        Journal::remove(&file.path, &user_name);
        r.stop(
            "creating the new access key (iam:CreateAccessKey)",
            r.iam_error(f, "iam:CreateAccessKey"),
            r.unchanged(),
        )
    })?;
    journal.new_key = Some(new.id.clone());
    // Best effort: the id is also on stderr below.
    let _ = journal.save(&file.path);
    crate::term::note(format_args!(
        "awsmfa: created access key {} for IAM user `{user_name}`",
        new.id
    ));

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
    crate::term::note(format_args!(
        "awsmfa: wrote the new key to {} (profile {})",
        file.shown(),
        updated
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));

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
                    file.shown(),
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
                    file.shown(),
                    r.aws(&format!("iam delete-access-key --user-name {user_name} --access-key-id {old_id}")),
                ),
            )
        })?;

    // 5. Sessions made from the old key must not outlive it in the cache.
    store.forget(&source);
    Journal::remove(&file.path, &user_name);
    crate::term::note(format_args!(
        "awsmfa: rotated IAM user `{user_name}`'s access key: {} is active and in {}; {old_id} is deleted",
        new.id,
        file.shown()
    ));
    Ok(ExitCode::SUCCESS)
}

/// What every step's message needs.
struct Rotation<'a> {
    profiles: &'a Profiles,
    client: &'a Iam<'a>,
    user: &'a str,
    profile: &'a str,
    file: &'a KeyFile,
    old_id: &'a str,
    mfa: bool,
}

impl Rotation<'_> {
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
        if let Some((id, what)) = useless {
            if let Some(at) = orphans.iter().position(|k| k.id == id) {
                self.delete_leftover(signer, id)?;
                crate::term::note(format_args!("awsmfa: deleted access key {id}, {what}"));
                orphans.remove(at);
            }
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
    fn undo(&self, signer: &Credentials, new: &NewKey, old: &Credentials) -> String {
        let path = self.file.shown();
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
    /// The key is in a vault (`keys import`): written there instead, in one
    /// step (`path` is the credentials file, beside which the journal goes).
    vault: Option<(crate::vault::Slot, crate::vault::Store)>,
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
            let store = crate::vault::Store::holding(crate::vault::Choice::configured()?, &slot)?;
            return Ok(KeyFile {
                path: PathBuf::from(&profiles.locations.credentials),
                kind: Kind::Credentials,
                vault: Some((slot, store)),
            });
        }
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
        edit::write_atomic(&self.path, new.as_bytes(), 0o600)
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
        edit::temp_dir_of(Path::new(&l.credentials)),
        edit::temp_dir_of(Path::new(&l.config)),
    ];
    dirs.dedup();
    dirs
}

/// Remove the temporary files an interrupted write left beside either AWS
/// file: each is a whole copy of that file, secrets included.
pub(crate) fn clean_leftovers(l: &Locations) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for dir in temp_dirs(l) {
        match edit::clean_leftovers(&dir) {
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
        edit::temp_dir_of(key_file).join(format!("{JOURNAL_PREFIX}{safe}{JOURNAL_SUFFIX}"))
    }

    fn load(key_file: &Path, user: &str) -> Option<Journal> {
        let text = std::fs::read_to_string(Journal::path(key_file, user)).ok()?;
        serde_json::from_str(&text).ok()
    }

    fn save(&self, key_file: &Path) -> Result<()> {
        let path = Journal::path(key_file, &self.user);
        let text = serde_json::to_string(self)
            .map_err(|e| Error::Other(format!("cannot encode the rotate journal: {e}")))?;
        edit::write_atomic(&path, text.as_bytes(), 0o600)
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
                .and_then(|t| serde_json::from_str(&t).ok());
            if let Some(j) = journal {
                out.push((entry.path(), j));
            }
        }
        out
    }
}
