//! From a profile name to temporary credentials: the heart of awsmfa.
//!
//! A chain that starts at an IAM user with `mfa_serial` costs one
//! `GetSessionToken` with the MFA code; every role is then assumed with that
//! MFA session, so no second code is ever asked for. Everything up to the
//! first STS call is synchronous and local.
//!
//! This module alone owns that plan: which STS calls a profile's chain
//! takes, with what durations, and when a stored credential may be served
//! instead. Where credentials are kept is [`crate::store`]'s.

use crate::error::{Call, Error, Failure, Result};
use crate::mfa;
use crate::profile::Profiles;
use crate::profile::chain::{Base, Chain, RoleHop};
use crate::reach::{self, Env};
use crate::service::Service;
use crate::store::{EntryKey, Store};
use crate::sts::{self, Sts, Target};
use crate::vault::Signer;
use aws_credential_types::Credentials;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Default life of the MFA session (AWS's own default for GetSessionToken).
pub const DEFAULT_SESSION: u64 = 12 * 3600;
/// Default life of role credentials (AWS's default for AssumeRole).
pub const DEFAULT_ROLE: u64 = 3600;

/// What the user asked for.
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub profile: String,
    pub token_code: Option<String>,
    pub duration: Option<u64>,
    pub region: Option<String>,
    /// Ignore stored role credentials and assume the role again (the MFA
    /// session is still reused while valid).
    pub refresh: bool,
    /// The credentials never leave this process (`rotate` signs its IAM
    /// calls with them): any live stored session serves, whatever its
    /// length, and `duration` only sizes a new one. Everything handed out
    /// (env, exec, process, the hook) is bounded by `duration` instead.
    pub internal: bool,
}

/// What STS's clock and ours may differ by. More than this and AWS refuses
/// the request's signature anyway, so no working setup is stricter.
const CLOCK_SLACK: Duration = Duration::from_secs(5 * 60);

/// What the AWS SDKs keep: botocore (the AWS CLI, boto3) refreshes
/// credentials 15 minutes before they expire ("advisory") and insists at 10
/// ("mandatory"); the Rust SDK's cache refreshes 10 seconds before, the Go
/// SDK's at expiry. Credentials handed to an SDK with less than 15 minutes
/// left come straight back on its next call, so it gets them with more, and
/// a minute to spare.
pub const SDK_REFRESH: Duration = Duration::from_secs(16 * 60);

/// The least life left that credentials living `life` in all are handed to
/// an SDK with: [`SDK_REFRESH`], or half their life when that is shorter
/// (15-minute credentials could otherwise never be handed out at all).
pub fn sdk_floor(life: Duration) -> Duration {
    SDK_REFRESH.min(life / 2)
}

/// Whether stored credentials may be handed out for this plan: never
/// living longer than asked (`--duration 15m` must not return the
/// hour-long credentials cached by an earlier call), nor shorter than
/// [`Plan::keep`] (`--duration 2h` must not return them either).
fn serves(creds: &Credentials, plan: &Plan) -> bool {
    let now = SystemTime::now();
    let limit = now + Duration::from_secs(plan.duration) + CLOCK_SLACK;
    creds.expiry().is_some_and(|t| t <= limit) && !too_short(creds, plan.keep)
}

/// Less than `keep` seconds left.
fn too_short(creds: &Credentials, keep: u64) -> bool {
    let floor = SystemTime::now() + Duration::from_secs(keep);
    creds.expiry().is_none_or(|t| t < floor)
}

/// See [`Plan::keep`]: what was asked for explicitly (`--duration`,
/// `.awsmfa.toml`'s `duration`), less [`CLOCK_SLACK`], so that a long job
/// gets the life it asked for; for an SDK at least [`sdk_floor`]. Neither
/// for the defaults (`duration_seconds`, AWS's hour): any entry the store
/// still serves is handed out then, or every call after the first minutes
/// would take a new AssumeRole, and a session a new MFA code.
fn keep_of(req: &Request, duration: u64, sdk: bool) -> u64 {
    let asked = req
        .duration
        .map_or(0, |_| duration.saturating_sub(CLOCK_SLACK.as_secs()));
    let sdk = if sdk {
        sdk_floor(Duration::from_secs(duration)).as_secs()
    } else {
        0
    };
    asked.max(sdk)
}

/// What a command prints or hands to a child.
#[derive(Debug, Clone)]
pub struct Obtained {
    pub profile: String,
    pub credentials: Credentials,
    /// Region to export, when one is configured anywhere.
    pub region: Option<String>,
    /// The MFA session the role credentials came from, if one was used.
    pub mfa_session: Option<(EntryKey, Credentials)>,
    /// The assumed-role ARN, when the last step was AssumeRole.
    pub arn: Option<String>,
    /// The role the profile names (its last hop), stored or fresh: its
    /// account is the credentials' account.
    pub role_arn: Option<String>,
    /// No STS call was made: everything came from the store.
    pub from_store: bool,
}

impl Obtained {
    /// "prod (account 222222222222, expires in 59m)", for the line that says
    /// what was exported: the account from AWS's answer, else the role the
    /// profile names (the same when they came from the cache), else
    /// `account` (a project file's), else the MFA device's.
    pub fn about(&self, account: Option<&str>, now: SystemTime) -> String {
        let serial = self.mfa_session.as_ref().and_then(|(key, _)| match key {
            EntryKey::Session { serial, .. } => Some(serial.as_str()),
            EntryKey::Role { .. } => None,
        });
        let account = [self.arn.as_deref(), self.role_arn.as_deref()]
            .into_iter()
            .flatten()
            .find_map(crate::arn::account)
            .or(account)
            .or_else(|| serial.and_then(crate::arn::account));
        let mut about: Vec<String> = account
            .map(|a| format!("account {a}"))
            .into_iter()
            .collect();
        if let Some(expires) = self.credentials.expiry() {
            let left = crate::store::epoch(expires).saturating_sub(crate::store::epoch(now));
            // Whole minutes: the line is read at a glance.
            let left = if left >= 60 { left / 60 * 60 } else { left };
            let left = humantime::format_duration(Duration::from_secs(left));
            about.push(format!("expires in {left}"));
        }
        if about.is_empty() {
            self.profile.clone()
        } else {
            format!("{} ({})", self.profile, about.join(", "))
        }
    }
}

/// Everything needed before the first network call, read from the profile.
struct Plan {
    /// The long-term (or temporary) keys, read from a vault only on use.
    keys: Signer,
    source_profile: String,
    mfa: Option<Mfa>,
    roles: Vec<RoleHop>,
    /// Life of the exported credentials.
    duration: u64,
    /// Seconds of life that stored credentials handed out must still have
    /// (see [`keep_of`]).
    keep: u64,
    region: Option<String>,
    target: Target,
    /// See [`Request::internal`].
    internal: bool,
}

impl Plan {
    /// The chain starts from temporary keys (`aws_session_token`).
    fn temporary_base(&self) -> bool {
        self.keys.temporary()
    }
}

struct Mfa {
    serial: String,
    /// The profile asked for, and the one holding `mfa_serial`.
    profile: String,
    holder: String,
    source: mfa::Source,
}

pub fn obtain(req: &Request, store: &dyn Store) -> Result<Obtained> {
    obtain_in(req, store, &Env::process())
}

/// [`obtain`], with region, endpoint, proxy and timeout resolved in `env`
/// (the prompt hook passes the shell's own variables).
pub fn obtain_in(req: &Request, store: &dyn Store, env: &Env) -> Result<Obtained> {
    let profiles = Profiles::load_for(&req.profile)?;
    let plan = plan(&profiles, req, env, false)?;
    run(&plan, req, store)
}

/// [`obtain`] for an AWS SDK (`credential_process`): stored credentials
/// are handed out only with more life left than the SDK refreshes at
/// ([`sdk_floor`]); closer to expiry they are renewed.
pub fn obtain_for_sdk(req: &Request, store: &dyn Store) -> Result<Obtained> {
    let profiles = Profiles::load_for(&req.profile)?;
    let plan = plan(&profiles, req, &Env::process(), true)?;
    run(&plan, req, store)
}

/// Builds the STS client on first use only: a request served from the store
/// never constructs an HTTP/TLS stack or a runtime.
struct LazySts<'a> {
    plan: &'a Plan,
    sts: std::cell::OnceCell<Sts>,
}

impl<'a> LazySts<'a> {
    fn new(plan: &'a Plan) -> Self {
        LazySts {
            plan,
            sts: Default::default(),
        }
    }

    /// Called once a call is certain but an MFA code comes first: the TLS
    /// set-up then runs while the user types (see [`sts::warm_up`]).
    fn expect_call(&self) {
        if self.sts.get().is_none() {
            sts::warm_up(&self.plan.target);
        }
    }

    fn get(&self) -> Result<&Sts> {
        if let Some(sts) = self.sts.get() {
            return Ok(sts);
        }
        let sts = Sts::new(self.plan.target.clone()).map_err(|f| failure(f, self.plan, "STS"))?;
        Ok(self.sts.get_or_init(|| sts))
    }
}

fn plan(profiles: &Profiles, req: &Request, env: &Env, sdk: bool) -> Result<Plan> {
    let chain: Chain = profiles.chain(&req.profile)?;
    let keys =
        Signer::of(profiles, &chain.base).ok_or_else(|| unsupported(profiles, &chain.base))?;
    let mfa = mfa_of(profiles, &chain, req)?;
    let duration = duration_of(profiles, &chain, req)?;
    let (region, target) = reach::sts(profiles, &req.profile, req.region.clone(), env)?;
    Ok(Plan {
        source_profile: keys.profile().to_string(),
        keys,
        mfa,
        roles: chain.roles,
        duration,
        keep: keep_of(req, duration, sdk),
        region,
        target,
        internal: req.internal,
    })
}

/// The MFA device along the chain, if any, and where its code comes from.
fn mfa_of(profiles: &Profiles, chain: &Chain, req: &Request) -> Result<Option<Mfa>> {
    let Some((holder, serial)) = profiles.along(chain, "mfa_serial") else {
        return Ok(None);
    };
    let process = profiles.along(chain, "mfa_process").map(|(_, p)| p);
    let source = mfa::Source::pick(req.token_code.as_deref(), process)?;
    // A malformed --token-code is refused even when a cached session
    // means it would never be sent: the README promises it.
    if let mfa::Source::Given(code) = &source {
        mfa::validate(code)?;
    }
    Ok(Some(Mfa {
        serial: serial.to_string(),
        profile: req.profile.clone(),
        holder: holder.to_string(),
        source,
    }))
}

/// The life of the exported credentials: `--duration`, else the selected
/// profile's `duration_seconds`, else AWS's default; within AWS's bounds
/// for what the chain ends in.
fn duration_of(profiles: &Profiles, chain: &Chain, req: &Request) -> Result<u64> {
    let selected = req.profile.as_str();
    let configured = match profiles.value(selected, "duration_seconds") {
        None => None,
        Some(raw) => Some(raw.trim().parse::<u64>().map_err(|_| Error::BadSetting {
            profile: selected.to_string(),
            key: "duration_seconds",
            value: raw.to_string(),
            why: "expected a number of seconds".into(),
        })?),
    };
    let wanted = req.duration.or(configured);
    if chain.roles.is_empty() {
        check(
            wanted.unwrap_or(DEFAULT_SESSION),
            "an MFA session (GetSessionToken)",
            sts::SESSION_MIN,
            sts::SESSION_MAX,
        )
    } else {
        check(
            wanted.unwrap_or(DEFAULT_ROLE),
            "role credentials (AssumeRole)",
            sts::ROLE_MIN,
            sts::ROLE_MAX,
        )
    }
}

/// `sts:GetCallerIdentity` for `creds`, reaching STS the way [`obtain`] does
/// for `profile` (endpoint, region and timeout rules), e.g. to check which
/// account session credentials belong to, or for `awsmfa status`.
pub fn identity(profile: &str, creds: &Credentials) -> Result<sts::Identity> {
    identity_in(profile, creds, &Env::process())
}

/// [`identity`], resolved in `env`.
pub fn identity_in(profile: &str, creds: &Credentials, env: &Env) -> Result<sts::Identity> {
    let profiles = Profiles::load_for(profile)?;
    let (_, target) = reach::sts(&profiles, profile, None, env)?;
    let endpoint = target.endpoint();
    let to_error = |f: Failure| {
        Error::from_failure(
            f,
            &Call {
                action: "GetCallerIdentity",
                profile,
                serial: None,
                service: Service::Sts,
                endpoint: &endpoint,
            },
        )
    };
    let sts = Sts::new(target).map_err(to_error)?;
    sts.identity(creds).map_err(to_error)
}

/// The store's key for the role credentials of `profile`: everything they
/// were assumed from (source keys, MFA device or none, each hop) is in it,
/// so editing any of them, `setup` adding an MFA device included, never
/// serves the old credentials.
fn role_key(plan: &Plan, profile: &str) -> Option<EntryKey> {
    let last = plan.roles.last()?;
    let mfa = plan.mfa.as_ref().map_or("", |m| m.serial.as_str());
    let mut via = format!("{}\0{}\0{mfa}", plan.source_profile, plan.keys.cache_id());
    for hop in &plan.roles {
        via.push('\0');
        via.push_str(&hop.role_arn);
        via.push('\0');
        via.push_str(hop.external_id.as_deref().unwrap_or(""));
    }
    Some(EntryKey::Role {
        profile: profile.to_string(),
        role_arn: last.role_arn.clone(),
        via,
        source_profile: plan.source_profile.clone(),
    })
}

/// Stored role credentials, when they may be served for this request.
fn stored_role(plan: &Plan, req: &Request, store: &dyn Store, key: &EntryKey) -> Option<Obtained> {
    if req.refresh {
        return None;
    }
    let creds = store.load(key).filter(|c| serves(c, plan))?;
    Some(Obtained {
        profile: req.profile.clone(),
        credentials: creds,
        region: plan.region.clone(),
        mfa_session: None,
        arn: None,
        role_arn: plan.roles.last().map(|h| h.role_arn.clone()),
        from_store: true,
    })
}

fn run(plan: &Plan, req: &Request, store: &dyn Store) -> Result<Obtained> {
    let role_key = role_key(plan, &req.profile);
    // Processes racing for one role wait for the first, then take what it
    // stored: one AssumeRole per role, however many start at once.
    let _role_guard = match &role_key {
        Some(key) => {
            if let Some(found) = stored_role(plan, req, store, key) {
                return Ok(found);
            }
            let guard = store.lock(key);
            if let Some(found) = stored_role(plan, req, store, key) {
                return Ok(found);
            }
            guard
        }
        None => None,
    };
    let sts = LazySts::new(plan);
    let start = start(plan, req, store, &sts)?;
    let mfa_session = start.mfa_session.clone();
    let (creds, arn) = assume_hops(plan, &sts, start)?;
    if let Some(key) = &role_key {
        store.store(key, &creds);
    }
    Ok(Obtained {
        profile: req.profile.clone(),
        credentials: creds,
        region: plan.region.clone(),
        mfa_session,
        arn,
        role_arn: plan.roles.last().map(|h| h.role_arn.clone()),
        from_store: false,
    })
}

/// Where the chain starts: the credentials that sign the roles still to be
/// assumed, and what the first step made.
struct Start<'p> {
    creds: Credentials,
    /// The roles still to assume, in order.
    hops: &'p [RoleHop],
    /// The MFA session the first step used, if it used one.
    mfa_session: Option<(EntryKey, Credentials)>,
    /// The assumed-role ARN, when the first step was AssumeRole.
    arn: Option<String>,
    /// `creds` are the long-term keys, so the first hop may exceed 1h.
    long_term: bool,
}

/// The first step: the MFA session (stored or new), a role assumed directly
/// with the MFA code, or the keys alone.
fn start<'p>(plan: &'p Plan, req: &Request, store: &dyn Store, sts: &LazySts) -> Result<Start<'p>> {
    let temporary_base = plan.temporary_base();
    let made = |creds, hops, mfa_session, arn| Start {
        creds,
        hops,
        mfa_session,
        arn,
        long_term: false,
    };
    Ok(match (&plan.mfa, plan.roles.split_first()) {
        // Temporary keys can't call GetSessionToken, and a role asked for
        // longer than 1h can't come from an MFA session: assume it directly.
        (Some(mfa), Some((first, rest)))
            if temporary_base || (rest.is_empty() && plan.duration > sts::CHAINED_ROLE_MAX) =>
        {
            let (creds, arn) = assume_with_code(plan, mfa, first, rest.is_empty(), store, sts)?;
            made(creds, rest, None, arn)
        }
        (Some(mfa), _) => {
            let reuse = !(plan.roles.is_empty() && req.refresh);
            let (key, session) = get_mfa_session(plan, mfa, store, sts, reuse)?;
            made(session.clone(), &plan.roles[..], Some((key, session)), None)
        }
        (None, Some(_)) => {
            no_mfa_note(plan);
            Start {
                long_term: !temporary_base,
                ..made(
                    plan.keys.credentials()?.clone(),
                    &plan.roles[..],
                    None,
                    None,
                )
            }
        }
        // Keys and nothing else: export a session, never the long-term keys.
        (None, None) => {
            no_mfa_note(plan);
            let session = sts
                .get()?
                .session_token(plan.keys.credentials()?, None, plan.duration)
                .map_err(|f| failure(f, plan, "GetSessionToken"))?;
            made(session, &[][..], None, None)
        }
    })
}

/// The first role, assumed straight from the keys with the MFA code (see
/// [`start`]); `only` when it is the last role too.
fn assume_with_code(
    plan: &Plan,
    mfa: &Mfa,
    first: &RoleHop,
    only: bool,
    store: &dyn Store,
    sts: &LazySts,
) -> Result<(Credentials, Option<String>)> {
    let temporary_base = plan.temporary_base();
    if !temporary_base {
        crate::term::note(format_args!(
            "awsmfa: {} asks for {}, more than the 1h AWS allows for a role assumed from an MFA session; assuming it directly with the MFA code instead",
            first.role_arn,
            crate::duration::human(plan.duration)
        ));
    }
    // Signed with temporary keys it is role chaining, capped at 1h.
    let duration = if only && !temporary_base {
        plan.duration
    } else {
        plan.duration.min(sts::CHAINED_ROLE_MAX)
    };
    sts.expect_call();
    // Before the code is asked for: a vault's passphrase comes first.
    let keys = plan.keys.credentials()?;
    with_code(mfa, store, |code| {
        sts.get()?
            .assume_role(
                keys,
                &first.role_arn,
                &session_name(first),
                first.external_id.as_deref(),
                duration,
                Some((&mfa.serial, code)),
            )
            .map_err(|f| failure(f, plan, &first.role_arn))
    })
}

/// Assume each remaining role with the credentials of the one before; the
/// last one's credentials and ARN.
fn assume_hops(plan: &Plan, sts: &LazySts, start: Start) -> Result<(Credentials, Option<String>)> {
    let (mut creds, mut arn) = (start.creds, start.arn);
    for (i, hop) in start.hops.iter().enumerate() {
        let last = i + 1 == start.hops.len();
        // Only a first hop signed with long-term keys may exceed 1h.
        let cap = if i == 0 && start.long_term {
            sts::ROLE_MAX
        } else {
            sts::CHAINED_ROLE_MAX
        };
        let wanted = if last {
            plan.duration
        } else {
            sts::CHAINED_ROLE_MAX
        };
        if last && wanted > cap {
            crate::term::note(format_args!(
                "awsmfa: {} is assumed with temporary credentials, which AWS caps at 1h; asking for 1h instead of {}",
                hop.role_arn,
                crate::duration::human(wanted)
            ));
        }
        let (next, role_arn) = sts
            .get()?
            .assume_role(
                &creds,
                &hop.role_arn,
                &session_name(hop),
                hop.external_id.as_deref(),
                wanted.min(cap),
                None,
            )
            .map_err(|f| failure(f, plan, &hop.role_arn))?;
        creds = next;
        arn = role_arn;
    }
    Ok((creds, arn))
}

/// The MFA session of the plan's source identity: a live one from the store
/// (when `reuse`), else a new one from GetSessionToken, stored. The lock
/// makes concurrent processes wait for the one that is asking for a code,
/// then find its session instead of asking too.
fn get_mfa_session(
    plan: &Plan,
    mfa: &Mfa,
    store: &dyn Store,
    sts: &LazySts,
    reuse: bool,
) -> Result<(EntryKey, Credentials)> {
    let key = EntryKey::Session {
        source_profile: plan.source_profile.clone(),
        serial: mfa.serial.clone(),
    };
    let duration = if plan.roles.is_empty() {
        plan.duration
    } else {
        DEFAULT_SESSION
    };
    // A session that is itself handed out (no role) is bounded like role
    // credentials are; one that only signs AssumeRole is internal.
    let exported = plan.roles.is_empty() && !plan.internal;
    let cached = || {
        reuse
            .then(|| store.load(&key))
            .flatten()
            .filter(|s| !exported || serves(s, plan))
    };
    if let Some(s) = cached() {
        return Ok((key, s));
    }
    let _guard = store.lock(&key);
    if let Some(s) = cached() {
        return Ok((key, s));
    }
    if exported && reuse {
        say_too_short(store.load(&key).as_ref(), plan.keep, &plan.source_profile);
    }
    sts.expect_call();
    let keys = plan.keys.credentials()?;
    let session = with_code(mfa, store, |code| {
        sts.get()?
            .session_token(keys, Some((&mfa.serial, code)), duration)
            .map_err(|f| failure(f, plan, "GetSessionToken"))
    })?;
    store.store(&key, &session);
    Ok((key, session))
}

/// What `awsmfa login` did.
pub enum Login {
    /// A live session was already stored, and kept (no `--force`).
    Kept(EntryKey, Credentials),
    /// A new session, from a new code.
    New(EntryKey, Credentials),
}

/// `awsmfa login`: a new MFA session for the profile's source identity
/// (`req.duration` is the session's life, whatever the profile is), unless
/// one is stored and not `force`.
pub fn login(req: &Request, store: &dyn Store, force: bool) -> Result<Login> {
    let profiles = Profiles::load_for(&req.profile)?;
    // The chain's roles play no part: only the session is started, so the
    // role's bounds on duration do not apply.
    let role_free = Request {
        duration: None,
        ..req.clone()
    };
    let mut plan = plan(&profiles, &role_free, &Env::process(), false)?;
    plan.roles.clear();
    plan.duration = check(
        req.duration.unwrap_or(DEFAULT_SESSION),
        "an MFA session (GetSessionToken)",
        sts::SESSION_MIN,
        sts::SESSION_MAX,
    )?;
    plan.keep = keep_of(req, plan.duration, false);
    let mfa = plan.mfa.as_ref().ok_or_else(|| Error::Usage(format!(
        "profile `{}` has no mfa_serial (on it or its source profile), so there is no MFA session to start; run `awsmfa setup {}`",
        req.profile, plan.source_profile
    )))?;
    if plan.keys.temporary() {
        return Err(Error::Usage(format!(
            "profile `{}` holds temporary keys, which cannot start an MFA session",
            plan.source_profile
        )));
    }
    let key = EntryKey::Session {
        source_profile: plan.source_profile.clone(),
        serial: mfa.serial.clone(),
    };
    let stored = store.load(&key).filter(|_| !force);
    // A session shorter than `--duration` asks for is not kept.
    if let Some(live) = stored.clone().filter(|s| !too_short(s, plan.keep)) {
        return Ok(Login::Kept(key, live));
    }
    say_too_short(stored.as_ref(), plan.keep, &plan.source_profile);
    let sts = LazySts::new(&plan);
    let (key, session) = get_mfa_session(&plan, mfa, store, &sts, false)?;
    Ok(Login::New(key, session))
}

/// A stored MFA session was passed over for being shorter than asked
/// for: say so, since a new one takes a new MFA code.
fn say_too_short(stored: Option<&Credentials>, keep: u64, source_profile: &str) {
    let Some(left) = stored
        .filter(|s| too_short(s, keep))
        .and_then(Credentials::expiry)
        .and_then(|t| t.duration_since(SystemTime::now()).ok())
    else {
        return;
    };
    crate::term::note(format_args!(
        "awsmfa: the MFA session of `{source_profile}` has {} left, and this needs at least {}; starting a new one, which takes an MFA code",
        crate::duration::human(left.as_secs()),
        crate::duration::human(keep)
    ));
}

/// Run an MFA-bearing call, asking again (at a terminal only) when the code
/// is malformed or rejected.
fn with_code<T>(
    mfa: &Mfa,
    store: &dyn Store,
    mut call: impl FnMut(&str) -> Result<T>,
) -> Result<T> {
    let tries = if mfa.source.can_retry() {
        mfa::PROMPT_TRIES
    } else {
        1
    };
    let who = mfa::Who {
        serial: &mfa.serial,
        profile: &mfa.profile,
        holder: &mfa.holder,
    };
    let mut attempt = 1;
    loop {
        let outcome = mfa.source.code(&who, attempt).and_then(|code| {
            // AWS refuses a code twice; don't send one that is doomed.
            if store.code_seen(&mfa.serial, &code) {
                return Err(Error::CodeReused {
                    serial: mfa.serial.clone(),
                });
            }
            let out = call(&code)?;
            store.code_used(&mfa.serial, &code);
            Ok(out)
        });
        match outcome.map_err(|e| mfa.source.own(e)) {
            Err(
                err @ (Error::MfaRejected { .. }
                | Error::BadTokenFormat { .. }
                | Error::CodeReused { .. }),
            ) if attempt < tries => {
                crate::term::note(format_args!("awsmfa: {err}"));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Long-term keys with no `mfa_serial` give credentials without MFA: say so
/// (once per call, and only when STS is asked), with the way to add it.
fn no_mfa_note(plan: &Plan) {
    if !plan.temporary_base() {
        crate::term::note(format_args!(
            "awsmfa: note: profile `{0}` has no mfa_serial, so this is a session without MFA; run `awsmfa setup {0}` to add your MFA device",
            plan.source_profile
        ));
    }
}

fn session_name(hop: &RoleHop) -> String {
    hop.session_name.clone().unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        format!("awsmfa-{now}")
    })
}

fn check(value: u64, what: &'static str, min: u64, max: u64) -> Result<u64> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::Duration {
            secs: value,
            what,
            min,
            max,
        })
    }
}

/// A failed call of the plan, in the one vocabulary of [`Error::from_failure`].
fn failure(f: Failure, plan: &Plan, action: &str) -> Error {
    Error::from_failure(
        f,
        &Call {
            action,
            profile: &plan.source_profile,
            serial: plan.mfa.as_ref().map(|m| m.serial.as_str()),
            service: Service::Sts,
            endpoint: &plan.target.endpoint(),
        },
    )
}

fn unsupported(profiles: &Profiles, base: &Base) -> Error {
    if let Base::CredentialProcess { profile } = base
        && let Some(target) = profiles
            .value(profile, "credential_process")
            .and_then(crate::vault::awsmfa_process)
    {
        return Error::ViaAwsmfa {
            profile: profile.clone(),
            target,
        };
    }
    let (profile, what, hint) = match base {
        Base::Sso { profile, .. } => (profile, "IAM Identity Center (SSO)", "sso login"),
        Base::WebIdentity { profile, .. } => (
            profile,
            "web identity (web_identity_token_file)",
            "sts assume-role-with-web-identity",
        ),
        Base::NamedSource { profile, .. } => (
            profile,
            "credential_source (EC2/ECS/environment credentials)",
            "configure",
        ),
        Base::CredentialProcess { profile } => (
            profile,
            "credential_process",
            "configure export-credentials",
        ),
        Base::LoginSession { profile } => (profile, "login_session (console login)", "login"),
        Base::AccessKey(_) => unreachable!("access keys are supported"),
    };
    Error::Unsupported {
        profile: profile.clone(),
        what,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_stored_credentials_must_have_left_to_be_handed_out() {
        let req = |duration| Request {
            duration,
            ..Default::default()
        };
        // The defaults: nothing beyond the store's own minimum.
        assert_eq!(keep_of(&req(None), 3600, false), 0);
        // Asked for explicitly: that, less the clocks' slack.
        assert_eq!(keep_of(&req(Some(7200)), 7200, false), 6900);
        // For an SDK: 16 minutes, or half of a shorter life.
        assert_eq!(keep_of(&req(None), 3600, true), 960);
        assert_eq!(keep_of(&req(None), 900, true), 450);
        assert_eq!(keep_of(&req(Some(3600)), 3600, true), 3300);
    }
}
