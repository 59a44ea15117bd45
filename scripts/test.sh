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
# Fuzz smoke (seconds per target): opt-in with AWSMFA_FUZZ=1, since it needs
# cargo-fuzz and an ASan build of every dependency (10+ minutes on 2 cores).
if [ "${AWSMFA_FUZZ:-}" = 1 ]; then
    bash scripts/fuzz-smoke.sh
fi
