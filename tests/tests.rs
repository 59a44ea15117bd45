//! One integration-test binary (as ripgrep does): each module is a feature.

// Tests print skip reasons to the test log, not to a user's terminal: the
// one-way-to-stderr rule of clippy.toml (see src/term.rs) is for src/.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

mod support;

mod agree;
mod bench;
mod cache;
mod conformance;
mod console;
mod core;
mod daily;
mod desktop;
mod doctor;
mod faults;
mod guide;
mod hooks;
mod hostile;
mod hostile_input;
mod keys;
mod limits;
mod parent;
mod prompt;
mod props;
mod quoting;
mod resolve;
mod rotate_kill;
mod server;
mod tls;
mod userworld;
mod vault;
