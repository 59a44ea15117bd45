//! `awsmfa cache list|clear`: what is cached and until when; never secrets.

use super::{Context, print};
use crate::cli::CacheCommand;
use crate::error::Result;
use crate::store::Kind;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// The cache whatever `--no-cache` or `cache = false` say: those stop its
/// use for credentials, not the inspection or removal of what is there.
pub fn open() -> Result<crate::store::cache::Cache> {
    let config = crate::config::UserConfig::load()?;
    crate::store::cache::Cache::open(crate::store::cache::choice(&config)?)
}

pub fn run(_ctx: &Context, cmd: CacheCommand) -> Result<ExitCode> {
    let cache = open()?;
    match cmd {
        CacheCommand::List => {
            let entries = cache.list();
            let store = cache
                .key_store()
                .map_or_else(|| "none yet".to_string(), |s| s.describe());
            crate::term::note(format_args!(
                "cache: {} (key: {store})",
                crate::store::cache::dir()?.display()
            ));
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            let mut out = String::new();
            for (_, h) in entries.iter().filter(|(_, h)| h.kind != Kind::Code) {
                let left = if h.expires > now {
                    format!("expires in {}", crate::duration::human(h.expires - now))
                } else {
                    "expired".to_string()
                };
                out.push_str(&format!(
                    "{:<8} {:<20} {:<50} {left}\n",
                    h.kind,
                    crate::term::clean(&h.profile),
                    crate::term::clean(&h.detail)
                ));
            }
            if out.is_empty() {
                crate::term::note(format_args!("no cached sessions"));
            }
            print(&out)
        }
        CacheCommand::Clear { profile } => {
            let n = cache.clear(profile.as_deref())?;
            crate::term::note(format_args!(
                "awsmfa: removed {n} cache entr{}",
                if n == 1 { "y" } else { "ies" }
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}
