//! `awsmfa keys`: move a profile's long-term access key between the AWS
//! files and a vault (src/vault/), list where each key is, remove one.
//!
//! Every change keeps a working key somewhere at each instant: `import`
//! stores the key (and reads it back) before taking it out of the file,
//! `export` writes it into the file before deleting it from the store. A
//! kill in between leaves it in both, which the next run settles.

use super::Context;
use crate::cli::KeysCommand;
use crate::error::{Error, Result};
use crate::profile::Profiles;
use crate::profile::edit::{self, FileKind};
use crate::vault::{self, LongTermKey, Slot, Vault, VaultChoice};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const ID: &str = "aws_access_key_id";
const SECRET: &str = "aws_secret_access_key";
const PROCESS: &str = "credential_process";

pub fn run(ctx: &Context, command: KeysCommand) -> Result<ExitCode> {
    match command {
        KeysCommand::Import { profile } => import(ctx, &profile),
        KeysCommand::Export { profile, yes } => export(ctx, &profile, yes),
        KeysCommand::List => list(),
        KeysCommand::Remove { profile, yes } => remove(ctx, &profile, yes),
    }
}

/// One of the two AWS files, read now.
struct AwsFile {
    path: PathBuf,
    kind: FileKind,
    text: String,
}

impl AwsFile {
    fn both(profiles: &Profiles) -> Result<Vec<AwsFile>> {
        let l = &profiles.locations;
        let mut out = Vec::new();
        for (path, kind) in [
            (&l.credentials, FileKind::Credentials),
            (&l.config, FileKind::Config),
        ] {
            let path = PathBuf::from(path);
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push(AwsFile { path, kind, text }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
            }
        }
        Ok(out)
    }

    fn get(&self, profile: &str, key: &str) -> Option<String> {
        edit::get(&self.text, self.kind, profile, key)
    }

    /// Replace the file atomically, keeping its mode, if `text` differs.
    fn write(&self, text: &str) -> Result<()> {
        if text == self.text {
            return Ok(());
        }
        let how = crate::fs::Replace::Users { new_mode: 0o600 };
        crate::fs::check_writable(&self.path)
            .and_then(|()| crate::fs::write_private(&self.path, text.as_bytes(), how))
            .map_err(|e| Error::io(format!("writing {}", self.path.display()), e))
    }
}

/// The profile's plaintext key and the file the SDK reads it from.
fn plaintext_key(
    profiles: &Profiles,
    files: &[AwsFile],
    name: &str,
) -> Result<(LongTermKey, usize)> {
    let get = |k| profiles.value(name, k);
    if get("aws_session_token")
        .or(get("aws_security_token"))
        .is_some()
    {
        return Err(Error::Usage(format!(
            "profile `{name}` holds temporary credentials (aws_session_token); only an IAM user's long-term key belongs in a vault"
        )));
    }
    let (Some(id), Some(secret)) = (get(ID), get(SECRET)) else {
        return Err(Error::Usage(format!(
            "profile `{name}` has no aws_access_key_id and aws_secret_access_key to import"
        )));
    };
    if get("role_arn").is_some() {
        return Err(Error::Usage(format!(
            "profile `{name}` holds keys and a role_arn; keep the keys in a profile of their own, name it in source_profile, and import that one"
        )));
    }
    if let Some(line) = get(PROCESS).filter(|l| !vault::is_our_line(l, name)) {
        return Err(Error::Usage(format!(
            "profile `{name}` already has credential_process = {line}; remove it first"
        )));
    }
    // The SDK reads the credentials file over the config file.
    let at = files
        .iter()
        .position(|f| f.get(name, ID).as_deref() == Some(id))
        .ok_or_else(|| {
            Error::ConfigParse(format!(
                "cannot find where profile `{name}`'s key is written"
            ))
        })?;
    Ok((LongTermKey::new(id, secret), at))
}

fn import(ctx: &Context, name: &str) -> Result<ExitCode> {
    let profiles = Profiles::load()?;
    profiles.get(name)?;
    let files = AwsFile::both(&profiles)?;
    let (key, at) = plaintext_key(&profiles, &files, name)?;
    let slot = Slot::new(&profiles.locations, name);
    let store = Vault::for_new(VaultChoice::configured()?)?;
    // Every new text first: a line the editor refuses changes no file, and
    // nothing in the vault.
    let mut texts = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let mut text = file.text.clone();
        for k in [ID, SECRET] {
            if let Some(t) = edit::unset(&text, file.kind, name, k) {
                text = t;
            }
        }
        if i == at
            && let Some(t) =
                edit::set(&text, file.kind, name, PROCESS, &vault::process_line(name))?.text()
        {
            text = t.to_string();
        }
        texts.push(text);
    }
    let replaced = store.key_id(&slot).ok().flatten();
    // Stored and read back before a byte of the file changes.
    store.put(&slot, &key)?;
    if replaced.is_some_and(|id| id != key.access_key_id) {
        forget(ctx, name);
    }
    for (file, text) in files.iter().zip(texts) {
        file.write(&text)?;
    }
    crate::term::note(format_args!(
        "awsmfa: moved the long-term key {} of profile `{name}` from {} into {}; the AWS CLI, boto3 and the SDKs now get an MFA session from `credential_process = {}`",
        key.access_key_id,
        files[at].path.display(),
        store.describe(&slot),
        vault::process_line(name),
    ));
    crate::term::note(format_args!(
        "awsmfa: backups and old copies of that file still hold the key; `awsmfa rotate {name}` replaces it with one that was never on disk"
    ));
    for other in vault::plaintext(&profiles) {
        if other != name && profiles.value(&other, ID) == Some(key.access_key_id.as_str()) {
            crate::term::note(format_args!(
                "awsmfa: profile `{other}` holds the same key in plaintext: run `awsmfa keys import {other}`"
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The store holding `name`'s key, when its credential_process is ours.
fn held(profiles: &Profiles, name: &str) -> Result<(Slot, Vault)> {
    profiles.get(name)?;
    if !vault::ours(profiles, name) {
        return Err(Error::Usage(format!(
            "profile `{name}` does not read its key from awsmfa's vault (no `credential_process = awsmfa process {name}`)"
        )));
    }
    let slot = Slot::new(&profiles.locations, name);
    let store = Vault::holding(VaultChoice::configured()?, &slot)?;
    Ok((slot, store))
}

fn export(ctx: &Context, name: &str, yes: bool) -> Result<ExitCode> {
    let profiles = Profiles::load()?;
    let (slot, store) = held(&profiles, name)?;
    let key = vault::read(&profiles.locations, name)?;
    let files = AwsFile::both(&profiles)?;
    let file = files
        .iter()
        .find(|f| {
            f.get(name, PROCESS)
                .is_some_and(|l| vault::is_our_line(&l, name))
        })
        .ok_or_else(|| {
            Error::ConfigParse(format!(
                "cannot find where profile `{name}`'s credential_process is written"
            ))
        })?;
    confirm(
        yes,
        &format!(
            "Write the long-term key {} of profile `{name}` in plaintext into {}?",
            key.access_key_id,
            file.path.display()
        ),
    )?;
    let mut text = edit::unset(&file.text, file.kind, name, PROCESS).unwrap_or(file.text.clone());
    for (k, v) in [(ID, key.access_key_id.as_str()), (SECRET, key.secret())] {
        if let Some(t) = edit::set(&text, file.kind, name, k, v)?.text() {
            text = t.to_string();
        }
    }
    // In the file first: a kill now leaves the key in both places.
    file.write(&text)?;
    store.delete(&slot)?;
    forget(ctx, name);
    crate::term::note(format_args!(
        "awsmfa: wrote the key {} of profile `{name}` back into {} and deleted it from the {}",
        key.access_key_id,
        file.path.display(),
        store.name()
    ));
    Ok(ExitCode::SUCCESS)
}

fn remove(ctx: &Context, name: &str, yes: bool) -> Result<ExitCode> {
    let profiles = Profiles::load()?;
    let (slot, store) = held(&profiles, name)?;
    let id = store.key_id(&slot)?.unwrap_or_else(|| "(none)".into());
    confirm(
        yes,
        &format!(
            "Delete the long-term key {id} of profile `{name}` from the {}? It stays active in IAM, and this is its only copy.",
            store.name()
        ),
    )?;
    store.delete(&slot)?;
    for file in AwsFile::both(&profiles)? {
        if file
            .get(name, PROCESS)
            .is_some_and(|l| vault::is_our_line(&l, name))
            && let Some(text) = edit::unset(&file.text, file.kind, name, PROCESS)
        {
            file.write(&text)?;
        }
    }
    forget(ctx, name);
    crate::term::note(format_args!(
        "awsmfa: deleted the key {id} of profile `{name}` from the {}; it is still active in IAM: deactivate it there unless you keep a copy",
        store.name()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Profile, store, key id: never a secret (stdout, for people and scripts).
fn list() -> Result<ExitCode> {
    let profiles = Profiles::load()?;
    let choice = VaultChoice::configured()?;
    let mut rows = Vec::new();
    for name in profiles.names() {
        if vault::ours(&profiles, name) {
            let slot = Slot::new(&profiles.locations, name);
            let store = Vault::holding(choice, &slot)?;
            let id = match store.key_id(&slot) {
                Ok(Some(id)) => id,
                Ok(None) => "(missing)".into(),
                Err(e) => format!("(unreadable: {e})"),
            };
            rows.push((name.to_string(), store.name().to_string(), id));
        }
    }
    for name in vault::plaintext(&profiles) {
        let id = profiles.value(&name, ID).unwrap_or_default().to_string();
        rows.push((name, "plaintext in the AWS files".into(), id));
    }
    if rows.is_empty() {
        crate::term::note(format_args!("awsmfa: no profile holds a long-term key"));
        return Ok(ExitCode::SUCCESS);
    }
    rows.sort();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(7);
    let swidth = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(5);
    let mut out = format!("{:width$}  {:swidth$}  KEY ID\n", "PROFILE", "STORE");
    // The key id comes from the store's file or the AWS files, either of
    // which someone else may have written: cleaned like the name.
    for (p, s, id) in rows {
        out.push_str(&format!(
            "{:width$}  {:swidth$}  {}\n",
            crate::term::clean(&p),
            s,
            crate::term::clean(&id)
        ));
    }
    super::print(&out)
}

/// Cached sessions name a vault's key by its store, not its id (reading
/// it would cost the hot path a store access): whenever the key a profile's
/// store holds changes or goes, they are dropped.
fn forget(ctx: &Context, name: &str) {
    if let Ok(cache) = ctx.store() {
        cache.forget(name);
    }
}

/// Yes at the terminal (or `--yes`); anything else changes nothing.
fn confirm(yes: bool, question: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    let no_tty = || {
        Error::Usage(format!(
            "{question} There is no terminal to ask on; pass --yes"
        ))
    };
    let (mut out, mut input) = crate::term::terminal().ok_or_else(no_tty)?;
    write!(out, "{} [y/N] ", crate::term::clean(question))
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("writing to the terminal", e))?;
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| Error::io("reading from the terminal", e))?;
    match line.trim() {
        "y" | "Y" | "yes" | "YES" | "Yes" => Ok(()),
        _ => Err(Error::Usage("not confirmed; nothing was changed".into())),
    }
}
