//! `awsmfa setup`: find the IAM user's MFA device and write its
//! `mfa_serial` into the profile in `~/.aws/config`.
//!
//! The serial is read from IAM (`ListMFADevices`), never guessed from the
//! user name: a user may have up to 8 devices, named freely.

use super::Context;
use crate::arn;
use crate::cli::SetupArgs;
use crate::error::{Error, Failure, Result};
use crate::fs::Replace;
use crate::iam::{self, Iam};
use crate::profile::edit::{self, Change, FileKind};
use crate::profile::{self, Profiles};
use crate::service::Service;
use crate::sts::Sts;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(_ctx: &Context, args: SetupArgs) -> Result<ExitCode> {
    let name = args.profile.unwrap_or_else(profile::default_name);
    let profiles = Profiles::load()?;
    let user = iam::user_profile(&profiles, &name, &crate::reach::Env::process())?;
    let source = user.source_profile.as_str();

    let sts = Sts::new(user.sts.clone()).map_err(|f| sts_error(f, &user, "starting STS"))?;
    let identity = sts
        .identity(&user.keys)
        .map_err(|f| sts_error(f, &user, "GetCallerIdentity"))?;
    let user_name = iam::user_name(source, &identity.arn)?;

    let client = Iam::new(&sts, &user.sts.region, &user.iam)
        .map_err(|f| user.error(f, "starting IAM", Service::Iam))?;
    let serial = match (client.mfa_devices(&user.keys, &user_name), args.serial) {
        (Ok(devices), wanted) => choose(&user_name, &devices, wanted.as_deref(), source)?,
        // Some accounts deny listing devices; a serial the user names
        // still deserves to be written, unverified.
        (Err(Failure::Denied { code, .. }), Some(wanted)) if arn::device(&wanted).is_totp() => {
            crate::term::note(format_args!(
                "awsmfa: warning: could not list IAM user `{user_name}`'s MFA devices ({code}); writing --serial {wanted} without checking it"
            ));
            wanted
        }
        (Err(f), _) => return Err(user.error(f, "iam:ListMFADevices", Service::Iam)),
    };

    let path = PathBuf::from(&profiles.locations.config);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    };
    let change = edit::set(&text, FileKind::Config, source, "mfa_serial", &serial)?;
    match &change {
        Change::Same => crate::term::note(format_args!(
            "awsmfa: profile `{source}` already has mfa_serial = {serial} in {}; nothing to change",
            path.display()
        )),
        Change::Replaced { previous, .. } => crate::term::note(format_args!(
            "awsmfa: profile `{source}`: mfa_serial changed from {previous} to {serial} in {}",
            path.display()
        )),
        Change::Added { .. } => crate::term::note(format_args!(
            "awsmfa: profile `{source}`: mfa_serial = {serial} written to {}",
            path.display()
        )),
    }
    if let Some(new) = change.text() {
        crate::fs::write_private(&path, new.as_bytes(), Replace::USER)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        // Sessions and roles cached without this device must not be served
        // as if they had been obtained with it.
        // (whatever --no-cache says: that stops use, not removal).
        crate::store::Store::forget(&super::cache::open()?, source);
    }
    warn_if_shadowed(source, &serial);
    next_step(&profiles, source);
    Ok(ExitCode::SUCCESS)
}

/// What to do now the device is known: a role built on this user (the
/// first by name) or the user itself, through the shell function.
fn next_step(profiles: &Profiles, source: &str) {
    let role = profiles.names().find(|name| {
        profiles
            .chain(name)
            .is_ok_and(|c| !c.roles.is_empty() && c.key_profile() == Some(source))
    });
    crate::term::note(format_args!(
        "awsmfa: next: `awsmfa use {}` (one MFA code, then any role built on `{source}` without one; \
         `awsmfa list` shows them), with the shell function loaded by {} at the end of your shell's rc file",
        role.unwrap_or(source),
        super::init::load_hint()
    ));
}

fn sts_error(f: Failure, user: &iam::UserProfile, action: &str) -> Error {
    user.error(f, action, Service::Sts)
}

/// The credentials file overrides the config file in the SDKs, and some
/// tools (aws-iam-login's `init`) put `mfa_serial` there: say so when the
/// value just written is not the one AWS tools will read.
fn warn_if_shadowed(profile: &str, serial: &str) {
    let Ok(profiles) = Profiles::load() else {
        return;
    };
    if let Some(seen) = profiles.value(profile, "mfa_serial")
        && seen != serial
    {
        crate::term::note(format_args!(
            "awsmfa: warning: {} also sets mfa_serial = {seen} for `{profile}`, which takes precedence; remove that line",
            profiles.locations.credentials
        ));
    }
}

/// Pick the device: `--serial`, the only usable one, or ask.
fn choose(user: &str, devices: &[String], wanted: Option<&str>, profile: &str) -> Result<String> {
    let (totp, fido): (Vec<&String>, Vec<&String>) =
        devices.iter().partition(|s| arn::device(s).is_totp());
    if let Some(wanted) = wanted {
        if totp.iter().any(|s| *s == wanted) {
            return Ok(wanted.to_string());
        }
        let why = if fido.iter().any(|s| *s == wanted) {
            "is a FIDO security key, which AWS accepts in the console but not for API calls"
        } else {
            "is not one of the user's MFA devices"
        };
        return Err(Error::Usage(format!(
            "--serial {wanted} {why}; IAM user `{user}` has: {}",
            list(devices)
        )));
    }
    match totp.as_slice() {
        [] => Err(Error::NoMfaDevice {
            user: user.to_string(),
            found: if fido.is_empty() {
                "no MFA device".to_string()
            } else {
                format!(
                    "only FIDO security keys ({}), which AWS accepts in the console but not for API calls",
                    list(devices)
                )
            },
            hint: format!(
                "assign a virtual MFA device in the console (IAM > Users > {user} > Security credentials > Assign MFA device), or with `aws iam create-virtual-mfa-device --virtual-mfa-device-name {user} --outfile qr.png --bootstrap-method QRCodePNG` then `aws iam enable-mfa-device --user-name {user} --serial-number ARN --authentication-code1 CODE1 --authentication-code2 CODE2`; then run `awsmfa setup {profile}` again"
            ),
        }),
        [only] => Ok(only.to_string()),
        several => ask(user, several),
    }
}

fn list(devices: &[String]) -> String {
    devices.join(", ")
}

/// Ask on the terminal (not stdin, which may be a pipe) which device to use.
fn ask(user: &str, devices: &[&String]) -> Result<String> {
    let no_tty = || {
        Error::Usage(format!(
            "IAM user `{user}` has {} MFA devices and there is no terminal to ask on; pass --serial with one of: {}",
            devices.len(),
            devices
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    };
    let items: Vec<&str> = devices.iter().map(|s| s.as_str()).collect();
    let title = format!("IAM user `{user}` has {} MFA devices:", devices.len());
    match crate::term::pick_one(&title, &items, "the serial itself") {
        Ok(Some(serial)) => Ok(serial),
        Ok(None) => Err(no_tty()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Error::Interrupted),
        Err(e) => Err(Error::io("asking on the terminal", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIRTUAL: &str = "arn:aws:iam::123456789012:mfa/alice-phone";
    const FIDO: &str = "arn:aws:iam::123456789012:u2f/user/alice/fidosecuritykey-ABCDEFGHIJ";

    #[test]
    fn only_totp_devices_are_offered() {
        let devices = vec![FIDO.to_string(), VIRTUAL.to_string()];
        assert_eq!(choose("alice", &devices, None, "p").unwrap(), VIRTUAL);
        let err = choose("alice", &[FIDO.to_string()], None, "p").unwrap_err();
        assert!(matches!(err, Error::NoMfaDevice { .. }), "{err}");
        assert!(err.to_string().contains("FIDO"), "{err}");
        let err = choose("alice", &devices, Some(FIDO), "p").unwrap_err();
        assert!(err.to_string().contains("FIDO security key"), "{err}");
        let err = choose("alice", &[], None, "p").unwrap_err();
        assert!(
            err.to_string().contains("create-virtual-mfa-device"),
            "{err}"
        );
    }
}
