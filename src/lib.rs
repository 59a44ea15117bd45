//! awsmfa: one MFA prompt, then temporary AWS credentials for any role.
//!
//! The binary's `main` is a thin shell over [`cmd::run`]; the modules are
//! public so that integration tests and fuzz targets reach the parsers.
//!
//! # Where each concern lives
//!
//! From the top down; a module imports only from the rows below its own,
//! and there are no import cycles.
//!
//! | concern | room |
//! |---|---|
//! | the command line (clap types only) | [`cli`] |
//! | one file per subcommand, and the dispatch | [`cmd`] |
//! | the exec-server's HTTP endpoint | [`server`] |
//! | every shell's syntax: quoting, hook scripts, state lines, init, credential_process JSON | [`shell`] |
//! | what an interactive shell keeps between prompts | [`hookstate`] |
//! | the variables awsmfa exports | [`vars`] |
//! | where credentials outlive a process: the `Store` trait, the encrypted cache and its key, the hook's and the exec-server's stores | [`store`] |
//! | long-term access keys off the disk (OS key stores, encrypted file) | [`vault`] |
//! | from a profile to credentials: the plan of STS calls | [`obtain`] |
//! | where the MFA code comes from, and where a person is asked for it (terminal, desktop dialog) | [`mfa`] |
//! | `.awsmfa.toml`, and which of them are trusted | [`project`], [`trust`] |
//! | the console's federation sign-in: token and URLs | [`signin`] |
//! | the IAM calls of `setup` and `rotate` | [`iam`] |
//! | the STS calls, the HTTP/TLS stack, reading AWS's answers | [`sts`] |
//! | how to reach AWS: region, endpoints, proxy, CA bundle, timeout | [`reach`] |
//! | `~/.aws/config` and `credentials`: reading, chains, in-place edits, names | [`profile`] |
//! | the user's own settings | [`config`] |
//! | every failure and its exit code | [`error`] |
//! | leaves: durations, the clock and skew, ARNs, AWS service names, files, the terminal, what a child process can read of awsmfa | [`duration`], [`clock`], [`arn`], [`service`], [`fs`], [`term`], [`child`] |
//! | the grammar of every value in AWS's answers (key ids, secrets, serials, ARNs, user names); `arn` stands on it | [`grammar`] |
#![forbid(unsafe_code)]

pub mod arn;
pub mod child;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod duration;
pub mod error;
pub mod fs;
pub mod grammar;
pub mod hookstate;
pub mod iam;
pub mod mfa;
pub mod obtain;
pub mod profile;
pub mod project;
pub mod reach;
pub mod server;
pub mod service;
pub mod shell;
pub mod signin;
pub mod store;
pub mod sts;
pub mod term;
pub mod trust;
pub mod vars;
pub mod vault;
