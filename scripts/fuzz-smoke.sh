#!/usr/bin/env bash
# A few seconds of every fuzz target, starting from the committed corpus:
# catches a parser that panics, hangs or allocates without bound on inputs
# close to the ones already known. New inputs go to a throwaway directory,
# so the committed corpus only changes when someone means it to (run with
# FUZZ_KEEP=1 to merge what was found into fuzz/corpus/).
#
# Built with libFuzzer's coverage and debug assertions (overflow checks) but
# no AddressSanitizer, to keep CI's build short: awsmfa's parsers are safe
# Rust, so what this can miss is a memory error in a dependency's unsafe
# code (look for those with `cargo fuzz run -s address`). Panics abort;
# hangs and runaway memory are caught by libFuzzer's -timeout and
# -rss_limit_mb / -malloc_limit_mb.
#
# Needs cargo-fuzz (scripts/setup.sh installs it); RUSTC_BOOTSTRAP lets the
# stable toolchain take the instrumentation flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-10}"
export RUSTC_BOOTSTRAP=1
flags=(-O --debug-assertions --sanitizer none)
cargo fuzz build "${flags[@]}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# FUZZ_TARGETS="a b" runs only those.
for target in ${FUZZ_TARGETS:-$(cargo fuzz list)}; do
    mkdir -p "$scratch/$target" "corpus/$target"
    status=0
    cargo fuzz run "${flags[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -max_len=65536 -timeout=10 -print_final_stats=1 >"$scratch/$target.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$scratch/$target.log"
        echo "fuzz: $target failed (the crashing input is in fuzz/artifacts/$target)" >&2
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target.log")
    cov=$(grep -Eo 'cov: [0-9]+' "$scratch/$target.log" | tail -n 1 || true)
    echo "fuzz: $target: ${execs:-?} inputs in ${seconds}s, ${cov:-cov: ?}, no crash"
    if [ "${FUZZ_KEEP:-}" = 1 ]; then
        cp -n "$scratch/$target"/* "corpus/$target"/ 2>/dev/null || true
        cargo fuzz cmin "${flags[@]}" "$target" "corpus/$target" >/dev/null 2>&1
    fi
done
