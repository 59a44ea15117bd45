//! awsmfa: one MFA prompt, then temporary AWS credentials for any role.
//!
//! The binary's `main` is a thin shell over [`cmd::run`]; the modules are
//! public so that integration tests and fuzz targets reach the parsers.

pub mod cache;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
pub mod fs;
pub mod hookstate;
pub mod iam;
pub mod mfa;
pub mod obtain;
pub mod profile;
pub mod project;
pub mod reach;
pub mod server;
pub mod shell;
pub mod sts;
pub mod term;
pub mod trust;
pub mod vars;
pub mod vault;
