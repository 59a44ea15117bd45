#!/usr/bin/env bash
# A few seconds of every fuzz target, starting from the hand-picked seeds in
# fuzz/seeds/<target>/ (and every input that once found a bug): catches a
# parser that panics, hangs or allocates without bound on inputs close to
# the known ones. The seeds are copied into a throwaway corpus, so nothing
# a run finds lands in git. fuzz/corpus/<target>/ (ignored by git) is
# libFuzzer's own corpus for longer local runs: used when present, and
# FUZZ_KEEP=1 merges what this run found into it.
#
# A target may print `reached: NAME=COUNT ...` lines (cache_entry counts the
# entries it opened past the AEAD tag): a count still 0 at the end fails the
# run, so a target that stopped reaching its parser does not pass quietly.
#
# Built with libFuzzer's coverage and debug assertions (overflow checks) but
# no AddressSanitizer, to keep CI's build short: awsmfa's parsers are safe
# Rust, so what this can miss is a memory error in a dependency's unsafe
# code (look for those with `cargo fuzz run -s address`). Panics abort;
# hangs and runaway memory are caught by libFuzzer's -timeout and
# -rss_limit_mb / -malloc_limit_mb.
#
# Needs cargo-fuzz: `bash scripts/setup.sh --fuzz`. RUSTC_BOOTSTRAP lets the
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
    mkdir -p "$scratch/$target"
    if [ -d "seeds/$target" ]; then
        cp seeds/"$target"/* "$scratch/$target"/
    fi
    corpora=("$scratch/$target")
    if [ -d "corpus/$target" ]; then
        corpora+=("corpus/$target")
    fi
    status=0
    # TMPDIR: cache_entry keeps its cache and key there; gone with $scratch.
    TMPDIR="$scratch" cargo fuzz run "${flags[@]}" "$target" "${corpora[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -max_len=65536 -timeout=10 -print_final_stats=1 >"$scratch/$target.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$scratch/$target.log"
        echo "fuzz: $target failed (the crashing input is in fuzz/artifacts/$target)" >&2
        exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target.log")
    cov=$(grep -Eo 'cov: [0-9]+' "$scratch/$target.log" | tail -n 1 || true)
    reached=$(grep '^reached: ' "$scratch/$target.log" | tail -n 1 || true)
    echo "fuzz: $target: ${execs:-?} inputs in ${seconds}s, ${cov:-cov: ?}, no crash${reached:+; $reached}"
    if grep -Eq '=0( |$)' <<<"$reached"; then
        echo "fuzz: $target never reached a part it must reach: $reached" >&2
        exit 1
    fi
    if [ "${FUZZ_KEEP:-}" = 1 ]; then
        mkdir -p "corpus/$target"
        cp -n "$scratch/$target"/* "corpus/$target"/ 2>/dev/null || true
        cargo fuzz cmin "${flags[@]}" "$target" "corpus/$target" >/dev/null 2>&1
    fi
done
