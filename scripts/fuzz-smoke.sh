#!/usr/bin/env bash
# A few seconds of every fuzz target, starting from the committed corpus:
# catches a parser that panics, hangs or allocates without bound on inputs
# close to the ones already known. New inputs go to a throwaway directory,
# so the committed corpus only changes when someone means it to.
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); RUSTC_BOOTSTRAP
# lets the stable toolchain build with the sanitizer flags it passes.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-5}"
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in $(cargo fuzz list); do
    mkdir -p "$scratch/$target" "corpus/$target"
    echo "fuzz: $target for ${seconds}s"
    status=0
    cargo fuzz run -O "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
        -timeout=10 -print_final_stats=1 >"$scratch/$target.log" 2>&1 || status=$?
    grep -E '^stat::number_of_executed_units' "$scratch/$target.log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$scratch/$target.log"
        echo "fuzz: $target failed (the crashing input is in fuzz/artifacts/$target)" >&2
        exit 1
    fi
done
