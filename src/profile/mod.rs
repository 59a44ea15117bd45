//! `~/.aws/config` and `~/.aws/credentials`, read with the AWS SDK's own
//! parser so that every quirk (continuations, `[default]` vs
//! `[profile default]`, comments, sub-properties) matches the AWS CLI.

pub mod chain;
pub mod edit;
pub mod names;

use crate::error::{Error, Result};
use aws_config::profile::{Profile, ProfileFileLoadError, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_runtime::env_config::property::PropertiesKey;
use aws_types::os_shim_internal::{Env, Fs};
use std::borrow::Cow;
use std::path::PathBuf;

/// Where the two files live, as the AWS CLI finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locations {
    pub config: String,
    pub credentials: String,
}

/// The file locations for an environment. `windows` picks the home-directory
/// rules and path separator, so both platforms' rules are testable anywhere.
pub fn locate(get: impl Fn(&str) -> Option<String>, windows: bool) -> Locations {
    let sep = if windows { '\\' } else { '/' };
    let home = get("HOME").or_else(|| {
        if !windows {
            return None;
        }
        get("USERPROFILE").or_else(|| Some(get("HOMEDRIVE")? + &get("HOMEPATH")?))
    });
    let resolve = |var: &str, default: &str| -> String {
        // botocore's order: variables first, then `~` (so a variable may
        // hold the `~`).
        let raw = get(var).map_or_else(
            || format!("~{sep}.aws{sep}{default}"),
            |v| expand_vars(&v, &get),
        );
        match (raw.strip_prefix('~'), &home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', sep]) => {
                let rest = rest.replace('/', &sep.to_string());
                format!("{home}{rest}")
            }
            _ => raw,
        }
    };
    Locations {
        config: resolve("AWS_CONFIG_FILE", "config"),
        credentials: resolve("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    }
}

/// `path` with `$NAME` and `${NAME}` replaced by the variable's value, as
/// Python's `os.path.expandvars` does on POSIX, which botocore applies to
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`: a bare name is
/// ASCII letters, digits and `_`; an unset variable stays as written; a
/// value is not expanded again.
pub fn expand_vars(path: &str, get: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        // The variable's name, and how many bytes after the `$` it spans.
        let (name, len) = match after.strip_prefix('{') {
            Some(braced) => braced
                .find('}')
                .map_or(("", 0), |end| (&braced[..end], end + 2)),
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match (len, get(name)) {
            (0, _) => out.push('$'),
            (_, Some(value)) => out.push_str(&value),
            (_, None) => out.push_str(&rest[at..=at + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

fn real_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The variables that name the profile when none is given, in the AWS
/// CLI's order: botocore reads its `profile` setting from
/// `AWS_DEFAULT_PROFILE`, then `AWS_PROFILE`, so the first wins.
pub const PROFILE_VARS: [&str; 2] = ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"];

/// The profile awsmfa acts on when none is named: `$AWS_DEFAULT_PROFILE`,
/// `$AWS_PROFILE`, then `default`.
pub fn default_name() -> String {
    select(real_env)
}

/// The profile the process environment names, and the variable naming it.
pub fn from_env() -> Option<(String, &'static str)> {
    named_by(real_env)
}

fn named_by(get: impl Fn(&str) -> Option<String>) -> Option<(String, &'static str)> {
    PROFILE_VARS.iter().find_map(|var| Some((get(var)?, *var)))
}

/// The profile an environment selects, testable without touching the
/// process environment (file-location conformance cases pin it down).
pub fn select(get: impl Fn(&str) -> Option<String>) -> String {
    named_by(get).map_or_else(|| "default".to_string(), |(name, _)| name)
}

/// Larger config files are refused: the biggest real ones are a few hundred
/// KiB (10,000 profiles is ~1 MiB), and a runaway or hostile file must not
/// cost unbounded memory and time on every prompt.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// The bytes of a config or credentials file, refusing what is not a regular
/// file: opening a FIFO blocks until someone writes to it, and a directory or
/// a device is never what was meant. `/dev/null` (a common way to say "no
/// credentials file") reads as empty.
fn read_config_file(path: &str) -> std::io::Result<Vec<u8>> {
    use std::io::{Error as IoError, ErrorKind, Read};
    if path == "/dev/null" {
        return Ok(Vec::new());
    }
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(IoError::new(
            ErrorKind::InvalidInput,
            format!("it is {kind}; point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at a file"),
        ));
    }
    let too_big = || {
        IoError::new(
            ErrorKind::InvalidData,
            format!(
                "it is larger than {} MiB, far beyond any real config; check what wrote it",
                MAX_FILE_SIZE >> 20
            ),
        )
    };
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Bounded even if the file grows between the stat and the read.
    std::fs::File::open(path)?
        .take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Both files, parsed.
pub struct Profiles {
    set: ProfileSet,
    pub locations: Locations,
    /// The names of the config file's `[services NAME]` sections (the SDK's
    /// parsed set cannot list them).
    services: Vec<String>,
    /// The chain [`Profiles::load_for`] resolved to pick the sections, kept
    /// so that [`Profiles::chain`] does not resolve it a second time.
    resolved: Option<(String, chain::Chain)>,
}

/// A profile name as the SDK's parser holds it: botocore reads quoted
/// names (`[profile "my profile"]`), which may hold spaces the SDK refuses
/// in a name, so a space is kept as `%20` (a character it accepts).
pub fn encode_name(name: &str) -> Cow<'_, str> {
    if name.contains(' ') {
        Cow::Owned(name.replace(' ', "%20"))
    } else {
        Cow::Borrowed(name)
    }
}

/// The config text with `[profile "name"]` / `[profile 'name']` headers
/// rewritten to `[profile name]`, as botocore reads them (it splits the
/// header with shlex and takes a profile when there are two words), the
/// name [`encode_name`]d. The credentials file is left as it is: there the
/// SDKs' conformance cases ignore a name with spaces.
fn unquote_headers(text: &str) -> Cow<'_, str> {
    if !text.contains(['"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\r', '\n']);
        match quoted_header(body) {
            Some(name) => {
                out.push_str(&format!("[profile {}]", encode_name(&name)));
                out.push_str(&line[body.len()..]);
                changed = true;
            }
            None => out.push_str(line),
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// The profile a quoted header line names, botocore's way; a comment may
/// follow the `]`.
fn quoted_header(line: &str) -> Option<String> {
    let line = line.trim_start().strip_prefix('[')?;
    let end = line.rfind(']')?;
    let after = line[end + 1..].trim_start();
    if !(after.is_empty() || after.starts_with(['#', ';'])) {
        return None;
    }
    let inner = line[..end].trim();
    if !inner.contains(['"', '\'']) {
        return None;
    }
    match <[String; 2]>::try_from(shell_words::split(inner).ok()?) {
        Ok([profile, name]) if profile == "profile" && !name.is_empty() => Some(name),
        _ => None,
    }
}

/// The names of the `[services NAME]` sections in a config file's text.
fn services_sections(config: &str) -> Vec<String> {
    config
        .lines()
        .filter_map(|line| {
            let line = line.split(['#', ';']).next()?.trim();
            let inner = line.strip_prefix('[')?.strip_suffix(']')?;
            let mut words = inner.split_whitespace();
            (words.next()? == "services").then(|| words.next().map(str::to_string))?
        })
        .collect()
}

impl Profiles {
    /// Read the files named by the process environment.
    pub fn load() -> Result<Self> {
        let locations = locate(real_env, cfg!(windows));
        let mut files = EnvConfigFiles::builder();
        let mut any = false;
        let mut services = Vec::new();
        for (kind, path) in [
            (EnvConfigFileKind::Config, &locations.config),
            (EnvConfigFileKind::Credentials, &locations.credentials),
        ] {
            // Checked here (regular file, size, UTF-8), then handed to the
            // SDK by path so its error messages name the file.
            if let Some(text) = read_text(path)? {
                let mut by_path = true;
                if matches!(kind, EnvConfigFileKind::Config) {
                    services = services_sections(&text);
                    // Quoted names are rewritten for the SDK's parser,
                    // which then reads the text (line numbers kept).
                    if let Cow::Owned(text) = unquote_headers(&text) {
                        files = files.with_contents(kind, text);
                        by_path = false;
                    }
                }
                if by_path {
                    files = files.with_file(kind, path);
                }
                any = true;
            }
        }
        if !any {
            // Neither file exists: no profiles at all (the SDK panics on an
            // empty file set).
            files = files.with_contents(EnvConfigFileKind::Config, "");
        }
        Profiles::from_files(&Fs::real(), &files.build(), locations, services)
    }

    /// The SDK's parse of `files` (read through `fs`).
    fn from_files(
        fs: &Fs,
        files: &EnvConfigFiles,
        locations: Locations,
        services: Vec<String>,
    ) -> Result<Self> {
        // `load` is async only by signature: it reads with std::fs and never
        // awaits I/O, so a trivial executor drives it without a tokio runtime.
        let set = pollster::block_on(aws_config::profile::load(
            fs,
            &Env::from_slice(&[]),
            files,
            None,
        ))
        .map_err(load_error)?;
        Ok(Profiles {
            set,
            locations,
            services,
            resolved: None,
        })
    }

    /// What resolving the chain of `name` needs, fast: the SDK's parser
    /// costs about a microsecond per line, so with thousands of profiles it
    /// is given only the sections named along the chain. Anything unexpected — a parse
    /// error, a profile not found, a broken chain — falls back to [`load`],
    /// so errors and suggestions are exactly those of a full parse. The one
    /// difference: a syntax error in a section the chain never reads is not
    /// reported.
    pub fn load_for(name: &str) -> Result<Self> {
        let locations = locate(real_env, cfg!(windows));
        let config = read_text(&locations.config)?;
        let credentials = read_text(&locations.credentials)?;
        match Profiles::parse_for(
            config.as_deref().unwrap_or(""),
            credentials.as_deref().unwrap_or(""),
            name,
        ) {
            Some(mut profiles) => {
                profiles.locations = locations;
                Ok(profiles)
            }
            None => Profiles::load(),
        }
    }

    /// The sections the chain of `name` needs, parsed; None when anything
    /// is off and a full parse must decide. Where it returns profiles, the
    /// chain resolves exactly as with a full parse (fuzzed differentially).
    pub fn parse_for(config: &str, credentials: &str, name: &str) -> Option<Self> {
        let (config, credentials) = (Sections::new(config), Sections::new(credentials));
        let mut wanted: Vec<String> = vec![name.to_string(), "default".to_string()];
        // Each round adds one source profile; a chain can't be longer than
        // the number of sections.
        loop {
            let mut profiles =
                Profiles::parse(&config.subset(&wanted), &credentials.subset(&wanted)).ok()?;
            match chain::resolve(&profiles.set, &encode_name(name)) {
                Ok(found) => {
                    profiles.resolved = Some((name.to_string(), found));
                    return Some(profiles);
                }
                Err(crate::error::ChainError::SourceNotFound { missing, .. })
                    if !wanted.contains(&missing) =>
                {
                    wanted.push(missing);
                }
                Err(_) => return None,
            }
        }
    }

    /// Parse in-memory file contents (conformance tests, fuzzing).
    pub fn parse(config: &str, credentials: &str) -> Result<Self> {
        let config = &*unquote_headers(config);
        let files = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, config)
            .with_contents(EnvConfigFileKind::Credentials, credentials)
            .build();
        let locations = Locations {
            config: "<config>".into(),
            credentials: "<credentials>".into(),
        };
        Profiles::from_files(
            &Fs::from_slice(&[]),
            &files,
            locations,
            services_sections(config),
        )
    }

    pub fn set(&self) -> &ProfileSet {
        &self.set
    }

    /// Every profile's name, in order: the SDK keeps them in a hash map,
    /// and what awsmfa prints or picks from them must not change from one
    /// run to the next.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self.set.profiles().collect();
        names.sort_unstable();
        names.into_iter()
    }

    /// The named profile, or an error naming the closest existing ones.
    pub fn get(&self, name: &str) -> Result<&Profile> {
        self.set.get_profile(&encode_name(name)).ok_or_else(|| {
            // Jaro-Winkler alone misses a swap in a short name (`dve` for
            // `dev` scores 0.56), so a small edit distance also counts.
            let near = (name.chars().count() / 3).max(1);
            let mut scored: Vec<(usize, f64, &str)> = self
                .names()
                .map(|n| {
                    (
                        strsim::osa_distance(name, n),
                        strsim::jaro_winkler(name, n),
                        n,
                    )
                })
                .filter(|(edits, score, _)| *edits <= near || *score > 0.8)
                .collect();
            scored.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
            Error::ProfileNotFound {
                name: name.to_string(),
                files: format!(
                    "{} or {}",
                    self.locations.config, self.locations.credentials
                ),
                similar: scored
                    .iter()
                    .take(3)
                    .map(|(_, _, n)| n.to_string())
                    .collect(),
            }
        })
    }

    /// Resolve the role chain ending at `name`.
    pub fn chain(&self, name: &str) -> Result<chain::Chain> {
        if let Some((resolved, found)) = &self.resolved
            && resolved == name
        {
            return Ok(found.clone());
        }
        self.get(name)?;
        Ok(chain::resolve(&self.set, &encode_name(name))?)
    }

    /// A setting looked up along a chain: the selected profile first, then
    /// each source profile in turn (so `mfa_serial` may sit on the role
    /// profile or on the user profile it starts from).
    pub fn along<'a>(&'a self, chain: &'a chain::Chain, key: &str) -> Option<(&'a str, &'a str)> {
        chain.path.iter().find_map(|name| {
            let value = self.set.get_profile(name)?.get(key)?;
            Some((name.as_str(), value))
        })
    }

    /// A setting of one profile.
    pub fn value(&self, profile: &str, key: &str) -> Option<&str> {
        self.set.get_profile(&encode_name(profile))?.get(key)
    }

    /// A setting of `service` in the `services` section the profile names
    /// (`services = NAME`, then `[services NAME]` with `sts =` and an
    /// indented `endpoint_url = ...` under it).
    pub fn service_value(&self, profile: &str, service: &str, key: &str) -> Result<Option<&str>> {
        let Some(section) = self.value(profile, "services") else {
            return Ok(None);
        };
        // botocore refuses a profile naming a section that is not there.
        if !self.services.iter().any(|s| s == section) {
            return Err(Error::ConfigParse(format!(
                "profile `{profile}` names `services = {section}`, but {} has no [services {section}] section; add it or remove that line",
                self.locations.config
            )));
        }
        let at = PropertiesKey::builder()
            .section_key("services")
            .section_name(section)
            .property_name(service)
            .sub_property_name(key)
            .build()
            .map_err(Error::ConfigParse)?;
        Ok(self.set.other_sections().get(&at).map(String::as_str))
    }
}

/// A file's text; None when it does not exist (the AWS CLI treats that as
/// empty). Unreadable or non-UTF-8 files are errors naming the file, where
/// the SDK would silently use an empty profile set.
pub fn read_text(path: &str) -> Result<Option<String>> {
    match read_config_file(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Error::ConfigParse(format!(
                "{path} is not valid UTF-8 (line {line}); save it as UTF-8"
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::ConfigParse(format!("cannot read {path}: {e}"))),
    }
}

/// A file cut at its section headers (lines beginning with `[`, the SDK's
/// own rule), each section with the profile name its header gives.
pub struct Sections<'a> {
    preamble: &'a str,
    sections: Vec<(Option<&'a str>, &'a str)>,
}

impl<'a> Sections<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts: Vec<usize> = Vec::new();
        if text.starts_with('[') {
            starts.push(0);
        }
        // memchr's SIMD search: std's generic substring search was most of
        // the cost of a 10,000-profile file.
        starts.extend(memchr::memmem::find_iter(text.as_bytes(), b"\n[").map(|i| i + 1));
        let preamble = &text[..starts.first().copied().unwrap_or(text.len())];
        let sections = starts
            .iter()
            .enumerate()
            .map(|(n, &start)| {
                let end = starts.get(n + 1).copied().unwrap_or(text.len());
                let section = &text[start..end];
                let header = memchr::memchr(b'\n', section.as_bytes())
                    .map_or(section, |eol| &section[..eol]);
                (section_name(header), section)
            })
            .collect();
        Sections { preamble, sections }
    }

    /// The text of the sections named in `wanted`, plus every section whose
    /// header isn't a plain `[name]` / `[profile name]` (kept, so the result
    /// only ever holds more than needed, never less). Line numbers are not
    /// kept: any parse error falls back to a full parse.
    pub fn subset(&self, wanted: &[String]) -> String {
        let mut out = String::from(self.preamble);
        for (name, text) in &self.sections {
            if name.is_none_or(|n| wanted.iter().any(|w| w == n)) {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(text);
            }
        }
        out
    }
}

/// The profile a section header names, if it is a plain `[name]` or
/// `[profile name]` header; None for anything else (kept by `subset`).
fn section_name(line: &str) -> Option<&str> {
    // A closure rather than a char-array pattern for the trims: this runs
    // once per section, 10,000 times for a large config.
    let blank = |c: char| c == ' ' || c == '\t';
    // As the SDK reads a header line (its `prepare_line`): without the `\r`
    // that `str::lines` drops, and cut at the first `#` or `;`, which start
    // a comment even right after the `]` (`[profile b];` names `b`).
    let line = line.strip_suffix('\r').unwrap_or(line);
    // (memchr: a char pattern costs ~25 instructions a character, a third
    // of a 10,000-profile run.)
    let line =
        memchr::memchr2(b'#', b';', line.as_bytes()).map_or(line, |comment| &line[..comment]);
    let inner = line
        .trim_matches(blank)
        .strip_prefix('[')?
        .strip_suffix(']')?
        .trim_matches(blank);
    let name = match inner.strip_prefix("profile") {
        Some(rest) if rest.starts_with(blank) => rest.trim_start_matches(blank),
        _ => inner,
    };
    // Only the characters the SDK allows in profile names: comments,
    // `sso-session x`, `services x` and anything odd stay with the SDK.
    let plain = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'/' | b'.' | b'%' | b'@' | b'_' | b':' | b'+')
    };
    (!name.is_empty() && name.bytes().all(plain)).then_some(name)
}

fn load_error(err: ProfileFileLoadError) -> Error {
    match err {
        ProfileFileLoadError::ParseError { 0: parse, .. } => {
            // The SDK's message spans two lines; keep it to one.
            let text = parse.to_string().replace("\n  ", " ").replace('\n', " ");
            Error::ConfigParse(format!("{text}; fix that line and try again"))
        }
        ProfileFileLoadError::CouldNotReadFile { .. } => {
            use std::error::Error as _;
            let why = err
                .source()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "unreadable".into());
            Error::ConfigParse(format!("{err}: {why}"))
        }
    }
}

/// `~/.aws/config`'s path as a PathBuf (for tools that edit it).
pub fn config_path() -> PathBuf {
    PathBuf::from(locate(real_env, cfg!(windows)).config)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must resolve exactly what a full parse resolves, for
    /// every profile of every shared conformance case.
    #[test]
    fn subset_parse_agrees_with_full_parse_on_the_conformance_cases() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conformance/");
        let mut inputs: Vec<(String, String)> = Vec::new();
        let parser: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}profile-parser-tests.json")).unwrap(),
        )
        .unwrap();
        for t in parser["tests"].as_array().unwrap() {
            let text = |k: &str| t["input"][k].as_str().unwrap_or("").to_string();
            inputs.push((text("configFile"), text("credentialsFile")));
        }
        let chains: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}assume-role-tests.json")).unwrap(),
        )
        .unwrap();
        for t in chains.as_array().unwrap() {
            let mut config = String::new();
            for (section, key) in [("profile", "profiles"), ("sso-session", "sso_sessions")] {
                for (name, props) in t["input"][key].as_object().into_iter().flatten() {
                    config.push_str(&format!("[{section} {name}]\n"));
                    for (k, v) in props.as_object().unwrap() {
                        config.push_str(&format!("{k} = {}\n", v.as_str().unwrap()));
                    }
                }
            }
            inputs.push((config, String::new()));
        }
        let mut compared = 0;
        for (config, credentials) in &inputs {
            let Ok(full) = Profiles::parse(config, credentials) else {
                continue;
            };
            for name in full.names() {
                if let Some(fast) = Profiles::parse_for(config, credentials, name) {
                    assert_eq!(
                        chain::resolve(fast.set(), name),
                        chain::resolve(full.set(), name),
                        "{name} in {config:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared >= 20, "only {compared} chains compared");
    }

    #[test]
    fn header_comments_are_read_as_the_sdk_reads_them() {
        for (line, name) in [
            ("[profile b];", Some("b")),
            ("[profile b] # the build account", Some("b")),
            ("[ profile\tb ]\r", Some("b")),
            ("[default];x", Some("default")),
            ("[profile b;]", None),
            ("[profile #b]", None),
            ("[sso-session s]", None),
        ] {
            assert_eq!(section_name(line), name, "{line:?}");
        }
        // Found by the subset_differential fuzz target: `[profile B];` and
        // a later `[profile B]` are one profile, and the fast path must see
        // both (the later key wins).
        let config = "[profile A]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = B\n[profile B];\naws_access_key_id = first\naws_secret_access_key = s\n[profile B]\naws_access_key_id = second\n";
        let fast = Profiles::parse_for(config, "", "A").unwrap();
        let full = Profiles::parse(config, "").unwrap();
        assert_eq!(fast.value("B", "aws_access_key_id"), Some("second"));
        assert_eq!(
            chain::resolve(fast.set(), "A"),
            chain::resolve(full.set(), "A")
        );
    }

    #[test]
    fn quoted_profile_names_are_read_as_botocore_reads_them() {
        let config = "[profile \"quoted\"]\nregion = a\n[profile 'my profile'] # x\r\nregion = b\naws_access_key_id = k\naws_secret_access_key = s\n[profile \"a b c\" d]\nregion = c\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = quoted\n[profile \"quoted\"]\naws_access_key_id = k\naws_secret_access_key = s\n";
        let creds = "";
        let full = Profiles::parse(config, creds).unwrap();
        assert_eq!(full.value("quoted", "region"), Some("a"));
        assert_eq!(full.value("my profile", "region"), Some("b"));
        // Three words: botocore drops the section, and so does awsmfa.
        assert!(full.get("a b c").is_err());
        for name in ["dev", "my profile"] {
            let fast = Profiles::parse_for(config, creds, name).unwrap();
            assert_eq!(
                chain::resolve(fast.set(), &encode_name(name)),
                chain::resolve(full.set(), &encode_name(name))
            );
        }
        assert_eq!(full.chain("my profile").unwrap().path, vec!["my%20profile"]);
    }

    #[test]
    fn subset_keeps_wanted_and_unrecognised_sections() {
        let text = "# top\n[profile a]\nx = 1\n[profile b]\ny = 2\n  sub = 3\n[sso-session s]\nz = 4\n[default]\nw = 5";
        let got = Sections::new(text).subset(&["a".to_string(), "default".to_string()]);
        assert_eq!(
            got,
            "# top\n[profile a]\nx = 1\n[sso-session s]\nz = 4\n[default]\nw = 5"
        );
    }
}
