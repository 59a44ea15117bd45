#!/usr/bin/env bash
# The whole test suite, as CI runs it: lints, then every test against real
# moto servers, real bash/zsh/fish and the real aws CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
shopt -s nullglob
shellcheck scripts/*.sh .ci/run shell/*.bash shell/*.sh bench/*.sh
cargo test --locked
# Fuzz smoke (seconds per target) where cargo-fuzz is installed; CI installs
# it only when .ci/run asks for it (it adds an ASan build of every dependency).
if cargo fuzz --version >/dev/null 2>&1; then
    bash scripts/fuzz-smoke.sh
fi
