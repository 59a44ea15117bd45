//! One integration-test binary (as ripgrep does): each module is a feature.

mod support;

mod bench;
mod cache;
mod conformance;
mod core;
mod doctor;
mod faults;
mod hooks;
mod hostile;
mod keys;
mod props;
mod quoting;
mod resolve;
mod server;
mod tls;
mod userworld;
