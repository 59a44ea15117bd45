#!/usr/bin/env bash
# The whole test suite, as CI runs it: lints, then every test against real
# moto servers, real bash/zsh/fish and the real aws CLI, then the Debian
# package installed and checked.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz=1
[ "${AWSMFA_FUZZ:-1}" != 0 ] || fuzz=0
if ((fuzz)); then bash scripts/setup.sh --fuzz; else bash scripts/setup.sh; fi

cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
shopt -s nullglob
shellcheck scripts/*.sh .ci/run src/shell/*.bash src/shell/*.zsh bench/*.sh
cargo test --locked
# The Debian package, installed with dpkg -i and checked as a new user sees
# it: man, TAB in bash/zsh/fish through tmux, the hook's path.
bash scripts/package-test.sh
# Every fuzz target for a few seconds from its seeds in fuzz/seeds/ (a separate
# instrumented build: a few minutes on 2 cores). AWSMFA_FUZZ=0 skips it in
# a quick local loop; CI always runs it.
if ((fuzz)); then
    bash scripts/fuzz-smoke.sh
fi
