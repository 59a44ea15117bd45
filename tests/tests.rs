//! One integration-test binary (as ripgrep does): each module is a feature.

mod support;

mod core;
mod doctor;
mod keys;
mod server;
