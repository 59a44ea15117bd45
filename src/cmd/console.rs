//! `awsmfa console`: the AWS console in a browser, signed in as a role with
//! the credentials [`crate::obtain`] gets (from the MFA session: no second
//! code), through the federation endpoint ([`crate::signin`]).
//!
//! The URL is a credential for 15 minutes. It goes to the browser's argv
//! (nothing else can open it there) or, with `--print`, to stdout; never to
//! stderr, an error or another program.

use super::{Context, print};
use crate::cli::ConsoleArgs;
use crate::config::UserConfig;
use crate::error::{Error, Result};
use crate::obtain::{Obtained, Request, obtain_in};
use crate::profile::Profiles;
use crate::profile::chain::Chain;
use crate::reach::{self, Env};
use crate::signin;
use crate::sts;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime};

pub fn run(ctx: &Context, args: ConsoleArgs) -> Result<ExitCode> {
    // Read while this process has one thread (see `clock::local_offset`).
    let offset = crate::clock::local_offset();
    let env = Env::process();
    let plan = plan(&args, &env)?;
    let profile = plan.profile.as_str();
    let req = Request {
        profile: profile.to_string(),
        token_code: args.token_code.clone(),
        duration: args.duration,
        region: args.region.clone(),
        // A longer session needs credentials assumed straight from the
        // key: stored ones came from the MFA session, which AWS refuses.
        refresh: plan.session.is_some(),
        internal: false,
    };
    let obtained = fresh_enough(&req, &*ctx.store()?, &env)?;
    let target = reach::signin(&plan.profiles, profile, &plan.region, &env)?;
    let url = signin::url(
        target,
        profile,
        &obtained.credentials,
        plan.session,
        &plan.destination,
        args.sign_out,
    )?;
    // With SessionDuration the console outlives the credentials; without,
    // it ends with them.
    let until = plan.session.map_or_else(
        || {
            obtained
                .credentials
                .expiry()
                .unwrap_or_else(SystemTime::now)
        },
        |secs| SystemTime::now() + Duration::from_secs(secs),
    );
    let until = crate::clock::wall_time(until, SystemTime::now(), offset);
    if args.print {
        return print_url(&url, profile, &until);
    }
    crate::term::note(format_args!(
        "awsmfa: opening the console for {profile} ({}) until {until}",
        plan.region
    ));
    open(plan.browser.as_deref(), &url, profile)
}

/// The role's credentials, assumed again (from the MFA session, no code)
/// when the stored ones would end the console session within the URL's
/// 15 minutes: a console that closes as it opens is no use.
fn fresh_enough(req: &Request, store: &dyn crate::store::Store, env: &Env) -> Result<Obtained> {
    let obtained = obtain_in(req, store, env)?;
    let soon = SystemTime::now() + Duration::from_secs(signin::TOKEN_LIFE);
    if !obtained.from_store || obtained.credentials.expiry().is_some_and(|t| t > soon) {
        return Ok(obtained);
    }
    let again = Request {
        refresh: true,
        ..req.clone()
    };
    obtain_in(&again, store, env)
}

/// What is known before any code is asked for or any call made.
struct Plan {
    profile: String,
    profiles: Profiles,
    /// config.toml's `browser`.
    browser: Option<String>,
    /// `SessionDuration`, when asked for and possible.
    session: Option<u64>,
    region: String,
    destination: String,
}

/// Everything that can be refused is refused here, before an MFA code is
/// asked for or a sign-in URL made for nothing.
fn plan(args: &ConsoleArgs, env: &Env) -> Result<Plan> {
    // This shell's profile (the hook's, `awsmfa use`'s), else the AWS CLI's.
    let profile = args
        .profile
        .clone()
        .or_else(|| env.get("AWSMFA_PROFILE"))
        .unwrap_or_else(crate::profile::default_name);
    let profiles = Profiles::load_for(&profile)?;
    let chain = profiles.chain(&profile)?;
    refuse_user(&profile, &chain)?;
    let browser = UserConfig::load()?.browser;
    if let (Some(template), false) = (&browser, args.print) {
        from_template(template, "", &profile)?;
    }
    let session = session_duration(args.duration, &chain)?;
    // The region obtain resolves too.
    let region = reach::region(&profiles, &profile, args.region.clone(), env)?
        .unwrap_or_else(|| "us-east-1".into());
    let destination = signin::destination(&region, args.destination.as_deref())?;
    Ok(Plan {
        profile,
        profiles,
        browser,
        session,
        region,
        destination,
    })
}

/// `--print`: the URL on stdout, and on stderr what it is.
fn print_url(url: &str, profile: &str, until: &str) -> Result<ExitCode> {
    crate::term::note(format_args!(
        "awsmfa: console for {profile} until {until}; the URL signs in as the role within {}: keep it private",
        crate::duration::human(signin::TOKEN_LIFE)
    ));
    print(&format!("{url}\n"))
}

/// An IAM user's own profile: its only way into the console drops MFA.
fn refuse_user(profile: &str, chain: &Chain) -> Result<()> {
    if !chain.roles.is_empty() {
        return Ok(());
    }
    // Only the chain was read: every profile now, for the way out.
    let all = Profiles::load()?;
    let roles: Vec<&str> = all
        .names()
        .filter(|name| {
            all.value(name, "source_profile") == Some(profile)
                && all.value(name, "role_arn").is_some()
        })
        .take(5)
        .collect();
    let hint = if roles.is_empty() {
        format!(
            "add a role profile (role_arn = ..., source_profile = {profile}) to ~/.aws/config and open that"
        )
    } else {
        format!(
            "open a role profile built on it instead: awsmfa console {}",
            roles.join(" | ")
        )
    };
    Err(Error::ConsoleNeedsRole {
        profile: profile.to_string(),
        hint,
    })
}

/// `SessionDuration` to ask for: only past the 1h that credentials from
/// the MFA session give anyway, and only where the role can be assumed
/// straight from the key (the first role of the chain).
fn session_duration(asked: Option<u64>, chain: &Chain) -> Result<Option<u64>> {
    let Some(secs) = asked.filter(|&s| s > sts::CHAINED_ROLE_MAX) else {
        return Ok(None);
    };
    if chain.roles.len() > 1 {
        return Err(Error::Usage(format!(
            "a console session longer than 1h needs a role assumed with the access key itself, and this profile's role is the last of {} (each assumed with the one before's temporary credentials, which AWS caps at 1h); ask for --duration 1h or less, or open a profile whose role comes straight from the IAM user",
            chain.roles.len()
        )));
    }
    if !(signin::SESSION_MIN..=signin::SESSION_MAX).contains(&secs) {
        return Err(Error::Duration {
            secs,
            what: "a console session",
            min: signin::SESSION_MIN,
            max: signin::SESSION_MAX,
        });
    }
    Ok(Some(secs))
}

/// Open `url` with the first browser command that starts: `template`
/// (config.toml's `browser`), else each command of `$BROWSER`, else the platform's opener.
/// Their output is not shown: a browser may log the URL it was given.
fn open(template: Option<&str>, url: &str, profile: &str) -> Result<ExitCode> {
    let commands = match template {
        Some(template) => vec![from_template(template, url, profile)?],
        None => match Env::process().get("BROWSER") {
            Some(list) => from_browser_var(&list, url)?,
            None => vec![platform_opener(url)],
        },
    };
    for argv in &commands {
        let started = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match started {
            Ok(status) if status.success() => return Ok(ExitCode::SUCCESS),
            Ok(status) => {
                return Err(Error::Other(format!(
                    "the browser command `{}` failed ({status}); run `awsmfa console {} --print` and open the URL yourself",
                    argv[0],
                    shell_words::quote(profile)
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(format!("starting `{}`", argv[0]), e)),
        }
    }
    Err(Error::Usage(format!(
        "no browser found (tried {}); set BROWSER, or `browser` in config.toml, or run `awsmfa console {} --print`",
        commands
            .iter()
            .map(|a| a[0].as_str())
            .collect::<Vec<_>>()
            .join(", "),
        shell_words::quote(profile)
    )))
}

/// config.toml's `browser`: split into words as a shell would, then each
/// placeholder filled in within its word (no shell ever reads the result).
fn from_template(template: &str, url: &str, profile: &str) -> Result<Vec<String>> {
    let words = shell_words::split(template)
        .map_err(|e| Error::ConfigParse(format!("config.toml: browser: {e}")))?;
    if !words
        .iter()
        .any(|w| w.contains("{url}") || w.contains("{url_encoded}"))
    {
        return Err(Error::ConfigParse(
            "config.toml: browser has neither {url} nor {url_encoded}, so the browser would never get the URL".into(),
        ));
    }
    // The program itself is never a placeholder: it is named in errors,
    // which must not print the URL (a credential).
    if words.first().is_some_and(|w| w.contains('{')) {
        return Err(Error::ConfigParse(
            "config.toml: browser must start with a program, not a {placeholder}".into(),
        ));
    }
    if template.contains("{profile}") && !safe_word(profile) {
        return Err(Error::Usage(format!(
            "profile name {profile:?} cannot go into config.toml's browser command: it starts with `-` or holds characters other than letters, digits and ._+@-; rename the profile or take {{profile}} out of the template"
        )));
    }
    let encoded =
        percent_encoding::utf8_percent_encode(url, percent_encoding::NON_ALPHANUMERIC).to_string();
    Ok(words
        .iter()
        .map(|w| {
            w.replace("{profile}", profile)
                .replace("{url_encoded}", &encoded)
                .replace("{url}", url)
        })
        .collect())
}

/// A profile name that no browser can read as an option or a second word.
fn safe_word(name: &str) -> bool {
    !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._+@-".contains(&b))
}

/// `$BROWSER`, as sensible-browser and Python's webbrowser read it: commands
/// separated by `:`, each with `%s` for the URL or the URL appended.
fn from_browser_var(list: &str, url: &str) -> Result<Vec<Vec<String>>> {
    list.split(':')
        .filter(|c| !c.trim().is_empty())
        .map(|command| {
            let mut words =
                shell_words::split(command).map_err(|e| Error::Usage(format!("BROWSER: {e}")))?;
            // Named in errors, which must not print the URL.
            if words.first().is_some_and(|w| w.contains("%s")) {
                return Err(Error::Usage(format!(
                    "BROWSER: `{command}` must start with a program, not %s"
                )));
            }
            if words.iter().any(|w| w.contains("%s")) {
                for w in &mut words {
                    *w = w.replace("%s", url);
                }
            } else {
                words.push(url.to_string());
            }
            Ok(words)
        })
        .collect()
}

/// The platform's own way to open a URL in the default browser. Windows's
/// `start` runs in cmd, which would read a URL's `&` as syntax; rundll32
/// takes the URL as one argument.
fn platform_opener(url: &str) -> Vec<String> {
    let (program, lead): (&str, &[&str]) = if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("rundll32", &["url.dll,FileProtocolHandler"])
    } else {
        ("xdg-open", &[])
    };
    std::iter::once(program)
        .chain(lead.iter().copied())
        .map(str::to_string)
        .chain([url.to_string()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_commands_get_the_url_as_one_word() {
        let url = "https://s/federation?a=1&b=$(x)";
        assert_eq!(
            from_template(
                "firefox 'ext+container:name={profile}&url={url_encoded}'",
                url,
                "prod"
            )
            .unwrap(),
            vec![
                "firefox".to_string(),
                "ext+container:name=prod&url=https%3A%2F%2Fs%2Ffederation%3Fa%3D1%26b%3D%24%28x%29"
                    .into()
            ]
        );
        assert!(from_template("firefox {profile}", url, "prod").is_err());
        // The program is named in errors: never the URL.
        assert!(from_template("{url}", url, "prod").is_err());
        assert!(from_browser_var("%s", url).is_err());
        for hostile in ["--remote-debugging-port=1", "a b", "x;y", "a\u{1b}[2J"] {
            assert!(
                from_template("b -P {profile} {url}", url, hostile).is_err(),
                "{hostile:?}"
            );
        }
        assert_eq!(
            from_browser_var("nope %s --new:w3m", url).unwrap(),
            vec![
                vec!["nope".to_string(), url.into(), "--new".into()],
                vec!["w3m".to_string(), url.into()]
            ]
        );
    }
}
