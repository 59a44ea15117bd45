//! The user's own settings, and they alone: `$XDG_CONFIG_HOME/awsmfa/config.toml`
//! and what each setting may be (the key store choice included).
//!
//! Optional; unknown keys are rejected so a typo never silently does nothing.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Use the encrypted session cache (default: true where a key store works).
    pub cache: Option<bool>,
    /// How long before expiry the prompt hook fetches fresh credentials
    /// (e.g. "5m"; default 5 minutes). Not `process`'s: an SDK decides
    /// when it asks, so that renews by the SDKs' window
    /// (`crate::obtain::SDK_REFRESH`).
    pub refresh_window: Option<String>,
    /// Where the cache key lives: auto (default), keyring, file, passphrase.
    pub key_store: Option<KeyStoreChoice>,
    /// Where `awsmfa keys import` puts long-term keys: auto (default),
    /// keyring, file (checked by `crate::vault::VaultChoice::parse`).
    pub vault: Option<String>,
    /// The prompt hook's line on entering and leaving a project (default:
    /// true; `AWSMFA_QUIET` also turns it off).
    pub announce: Option<bool>,
    /// The command `awsmfa console` opens its URL with, instead of
    /// `$BROWSER` or the platform's opener: words split as a shell would
    /// (no shell runs it), `{url}`, `{url_encoded}` and `{profile}` filled
    /// in, e.g. one Firefox container per profile.
    pub browser: Option<String>,
    /// Where an MFA code or the vault passphrase is asked for: auto
    /// (default), terminal, zenity, kdialog, osascript, windows
    /// (`AWSMFA_MFA_PROMPT` wins; see `crate::mfa`).
    pub mfa_prompt: Option<PromptChoice>,
}

/// Where a person is asked (`mfa_prompt`, or `AWSMFA_MFA_PROMPT`): `auto`
/// is the terminal someone looks at, else the desktop's own dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptChoice {
    Auto,
    Terminal,
    Zenity,
    Kdialog,
    Osascript,
    Windows,
}

impl PromptChoice {
    pub fn parse(raw: &str) -> Result<PromptChoice> {
        toml::Value::String(raw.to_string())
            .try_into()
            .map_err(|_| {
                Error::Usage(format!(
                    "unknown MFA prompt {raw:?}: use auto, terminal, zenity, kdialog, osascript or windows"
                ))
            })
    }
}

/// Where the cache key lives (`key_store`, or `AWSMFA_KEY_STORE`): `auto`
/// tries the stores in order (`crate::store::cache::key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStoreChoice {
    Auto,
    Keyring,
    File,
    Passphrase,
}

impl KeyStoreChoice {
    pub fn parse(raw: &str) -> Result<KeyStoreChoice> {
        match raw {
            "auto" => Ok(KeyStoreChoice::Auto),
            "keyring" => Ok(KeyStoreChoice::Keyring),
            "file" => Ok(KeyStoreChoice::File),
            "passphrase" => Ok(KeyStoreChoice::Passphrase),
            other => Err(Error::Usage(format!(
                "unknown key store {other:?}: use auto, keyring, file or passphrase"
            ))),
        }
    }
}

/// The XDG base directories awsmfa uses (`etcetera`'s XDG strategy, which
/// honours XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_DATA_HOME, XDG_STATE_HOME).
pub fn dirs() -> Result<etcetera::base_strategy::Xdg> {
    etcetera::base_strategy::Xdg::new()
        .map_err(|e| Error::Other(format!("cannot find your home directory: {e}")))
}

pub fn path() -> Result<PathBuf> {
    use etcetera::BaseStrategy;
    Ok(dirs()?.config_dir().join("awsmfa").join("config.toml"))
}

impl UserConfig {
    /// The file's settings, or defaults when there is no file.
    pub fn load() -> Result<Self> {
        let path = path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text)
                .map_err(|why| Error::ConfigParse(format!("{}: {why}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().to_string())
    }

    /// The refresh window in seconds (default 300).
    pub fn refresh_window_secs(&self) -> Result<u64> {
        match &self.refresh_window {
            None => Ok(300),
            Some(raw) => crate::duration::parse(raw)
                .map_err(|why| Error::ConfigParse(format!("refresh_window: {why}"))),
        }
    }
}

/// `announce = false` in config.toml, or `AWSMFA_QUIET` set to anything but
/// empty or `0`, turns the lines about changes off (failures still print).
pub fn quiet() -> Result<bool> {
    if let Some(v) = std::env::var("AWSMFA_QUIET").ok().filter(|v| !v.is_empty()) {
        return Ok(v != "0");
    }
    Ok(UserConfig::load()?.announce == Some(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(
            UserConfig::parse("cache = false\nrefresh_window = \"10m\"\nannounce = false").is_ok()
        );
        let browser = UserConfig::parse("browser = \"firefox -P {profile} {url}\"").unwrap();
        assert_eq!(
            browser.browser.as_deref(),
            Some("firefox -P {profile} {url}")
        );
        let err = UserConfig::parse("cahce = false").unwrap_err();
        assert!(err.contains("cahce"), "{err}");
    }

    #[test]
    fn mfa_prompt_names_a_way_to_ask() {
        let c = UserConfig::parse("mfa_prompt = \"zenity\"").unwrap();
        assert_eq!(c.mfa_prompt, Some(PromptChoice::Zenity));
        assert!(UserConfig::parse("mfa_prompt = \"gui\"").is_err());
        assert_eq!(PromptChoice::parse("auto").unwrap(), PromptChoice::Auto);
        assert_eq!(
            PromptChoice::parse("windows").unwrap(),
            PromptChoice::Windows
        );
        assert!(matches!(PromptChoice::parse("-x"), Err(Error::Usage(_))));
    }
}
