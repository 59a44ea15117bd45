#!/usr/bin/env bash
# awsmfa's benchmark suite: one command, no AWS account; your ~/.aws and
# caches are never read or written (every tool runs in a temp directory); the
# key-store comparison keeps one key of its own in your user keyring for the
# length of the run, named after its throwaway cache, and removes it.
#
#   bash bench/run.sh           full run (a few minutes): writes bench/results.md
#   bash bench/run.sh --quick   smoke test (no peer tools, few runs): writes
#                               bench/results.quick.md, which git ignores
#
# It starts its own moto server with one IAM user, an MFA device and five
# roles, builds awsmfa in release mode, installs the peer tools from PyPI into
# bench/.venv, and measures everything side by side in this one run (medians
# from hyperfine). Missing a target is reported in the table, never an error:
# the script fails only when something could not be measured at all.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
log() { printf 'bench: %s\n' "$*" >&2; }
die() {
  printf 'bench: error: %s\n' "$*" >&2
  exit 1
}

quick=0
case "${1-}" in
  "") ;;
  --quick) quick=1 ;;
  -h | --help)
    usage
    exit 0
    ;;
  *)
    usage >&2
    die "unknown argument '$1'"
    ;;
esac

# Repetitions: process start-up figures need many runs to settle; anything
# that talks to moto or starts Python needs fewer. Figures compared with each
# other are taken in the same hyperfine call, or interleaved in `rounds`, so
# that other work on the machine weighs on both sides alike.
if ((quick)); then
  rounds=2 runs_fast=30 runs_net=8 runs_scale=10 hook_n=20 hook_runs=3
else
  rounds=5 runs_fast=300 runs_net=50 runs_scale=60 hook_n=100 hook_runs=5
fi
runs_peer=5

# --- Tools -------------------------------------------------------------------

log "checking tools (scripts/setup.sh --bench: shells, direnv, moto, hyperfine, time)"
bash scripts/setup.sh --bench >&2 || die "scripts/setup.sh --bench failed; see above"
hyperfine -N --runs 2 /bin/true >/dev/null 2>&1 ||
  die "hyperfine $(hyperfine --version) lacks -N (needs 1.13 or later)"

# --- A throwaway world --------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/awsmfa-bench.XXXXXX")
moto_pid=""
cleanup() {
  if [ -n "$moto_pid" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if [ -n "${BENCH_KEEP-}" ]; then
    log "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/json" "$work/empty"
export BENCH_STATE=$work/state.json

# moto and the aws CLI come from the project's venv (scripts/setup.sh).
py=$root/.venv/bin/python
[ -x "$py" ] || die "$py is missing: run bash scripts/setup.sh"
T() { "$py" "$root/bench/tools.py" "$@"; }
put() { T put "$@"; }
q() { printf '%q' "$1"; }

# Nothing from the caller's AWS setup may leak into any tool.
while read -r name; do
  unset "$name"
done < <(compgen -e | grep -E '^(AWS|AWSMFA|AWSUME|MFA_|DIRENV)' || true)
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
export PYTHONWARNINGS=ignore
# awsmfa's cache key goes in a file in the throwaway XDG_RUNTIME_DIR, never in
# your real keyring.
export AWSMFA_KEY_STORE=file

put quick "$quick"
put runs "start-up and hot path $runs_fast runs each, cold awsmfa and the raw round trips $runs_net each (interleaved in $rounds rounds), each peer $runs_peer cold and $runs_peer hot after one warm-up, config size $runs_scale, shell loops $hook_runs rounds of $hook_n calls"
put date "$(date -u '+%Y-%m-%d %H:%M UTC')"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
put machine "$(uname -sr), ${cpu:-unknown CPU}, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
put git "$(git describe --always --dirty 2>/dev/null || echo 'no git')"
put hyperfine.version "$(hyperfine --version | cut -d' ' -f2)"
put moto.version "$("$py" -c 'import moto; print(moto.__version__)')"

# --- awsmfa --------------------------------------------------------------------

log "building awsmfa (cargo build --release --locked)"
cargo build --release --locked >&2 || die "cargo build --release failed"
bin=${CARGO_TARGET_DIR:-$root/target}/release/awsmfa
[ -x "$bin" ] || die "no binary at $bin (is CARGO_TARGET_DIR set elsewhere?)"
put awsmfa.version "$("$bin" --version | cut -d' ' -f2)"
qbin=$(q "$bin")

# --- moto ------------------------------------------------------------------------

port=$(T free-port)
moto=http://127.0.0.1:$port
log "starting moto on $moto"
MOTO_RECORDER_FILEPATH=$work/moto-recording \
  "$py" -m moto.server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
if ! T wait "$moto/moto-api/" 30; then
  tail -n 20 "$work/moto.log" >&2
  die "moto did not start on port $port (its log is above)"
fi
export AWS_ENDPOINT_URL=$moto
"$py" tests/support/seed.py "$moto" alice r1,r2,r3,r4,r5 >"$work/seed.json" ||
  die "tests/support/seed.py could not create the user, MFA device and roles"
seed() { T field "$work/seed.json" "$@"; }
key_id=$(seed access_key_id)
secret=$(seed secret_access_key)
serial=$(seed mfa_serial)
declare -A arn
for r in r1 r2 r3 r4 r5; do arn[$r]=$(seed roles "$r"); done

# One HOME, AWS files and XDG dirs per tool, so no tool sees another's cache.
# Kinds: std (role profiles with mfa_serial and source_profile = alice),
# aws-mfa (its [alice-long-term] layout), aws-iam-login (roles sourced from
# the [alice-sts] profile it writes).
world() {
  local name=$1 kind=$2 w=$work/w/$1
  mkdir -p "$w/home/.aws" "$w/xdg/config" "$w/xdg/cache" "$w/xdg/data" "$w/xdg/state"
  mkdir -m 700 "$w/xdg/runtime"
  local cfg=$w/home/.aws/config cred=$w/home/.aws/credentials r
  case $kind in
    std)
      printf '[alice]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$key_id" "$secret" >"$cred"
      printf '[profile alice]\nmfa_serial = %s\n' "$serial" >"$cfg"
      for r in r1 r2 r3 r4 r5; do
        printf '\n[profile %s]\nrole_arn = %s\nsource_profile = alice\nmfa_serial = %s\n' \
          "$r" "${arn[$r]}" "$serial" >>"$cfg"
      done
      ;;
    aws-mfa)
      printf '[alice-long-term]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_mfa_device = %s\n' \
        "$key_id" "$secret" "$serial" >"$cred"
      : >"$cfg"
      ;;
    aws-iam-login)
      printf '[alice]\naws_access_key_id = %s\naws_secret_access_key = %s\nmfa_serial = %s\nusername = alice\n' \
        "$key_id" "$secret" "$serial" >"$cred"
      : >"$cfg"
      for r in r1 r2 r3 r4 r5; do
        printf '[profile %s]\nrole_arn = %s\nsource_profile = alice-sts\n\n' "$r" "${arn[$r]}" >>"$cfg"
      done
      ;;
  esac
  cp "$cred" "$w/credentials.orig"
}

# Enter a world (call inside a subshell).
enter() {
  local w=$work/w/$1
  export HOME=$w/home
  export AWS_CONFIG_FILE=$HOME/.aws/config AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials
  export XDG_CONFIG_HOME=$w/xdg/config XDG_CACHE_HOME=$w/xdg/cache
  export XDG_DATA_HOME=$w/xdg/data XDG_STATE_HOME=$w/xdg/state XDG_RUNTIME_DIR=$w/xdg/runtime
  cd "$work/empty"
}

# hf KEY[,KEY...] RUNS HYPERFINE-ARGS... : run times into the state file
# (accumulated: calling it again for the same keys adds runs).
hf() {
  local keys=$1 runs=$2
  shift 2
  local json=$work/json/${keys%%,*}.json
  log "measuring ${keys//,/, } ($runs runs)"
  if ! hyperfine --style basic --runs "$runs" --export-json "$json" "$@" >>"$work/hyperfine.log" 2>&1; then
    tail -n 15 "$work/hyperfine.log" >&2
    die "could not measure $keys (hyperfine's output is above)"
  fi
  T put-hyperfine "$keys" "$json"
}

# rss KEY COMMAND...: max resident set size (KiB) of one run.
rss() {
  local key=$1
  shift
  /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>"$work/rss.err" ||
    die "could not measure memory of $*: $(tail -n 3 "$work/rss.err")"
  put "$key" "$(tail -n 1 "$work/rss")"
}

# Count the MFA codes and STS calls a shell snippet makes, from moto's log.
record_start() {
  T post "$moto/moto-api/recorder/reset-recording"
  T post "$moto/moto-api/recorder/start-recording"
}
record_stop() { # record_stop KEY
  T post "$moto/moto-api/recorder/stop-recording"
  local codes calls
  read -r codes calls < <(T codes "$work/moto-recording")
  put "codes.$1" "$codes"
  put "calls.$1" "$calls"
}

# A file holding one MFA code per line, for tools that read stdin.
codefile() {
  local f=$work/code.$1
  [ -f "$f" ] || printf '%s\n%s\n%s\n' "$1" "$1" "$1" >"$f"
  printf '%s' "$f"
}

# --- Start-up ------------------------------------------------------------------

for ((i = 0; i < rounds; i++)); do
  hf true,version $((runs_fast / rounds)) -N --warmup 10 /bin/true "$qbin --version"
done
rss rss.version "$bin" --version

# --- Cold: MFA session + AssumeRole against moto ------------------------------

world awsmfa std
(
  enter awsmfa
  # Cold means no cache: awsmfa's cache and state dirs are wiped before each
  # run (the key in XDG_RUNTIME_DIR stays, as it would on a real machine).
  clear_cmd="rm -rf $(q "$XDG_CACHE_HOME") $(q "$XDG_STATE_HOME")"
  clear_state() { rm -rf "$XDG_CACHE_HOME" "$XDG_STATE_HOME"; }
  cold=("$bin" env r1 --token-code 123456)
  works() {
    clear_state
    "${cold[@]}" >"$work/out" 2>"$work/err" && grep -q AWS_SESSION_TOKEN "$work/out"
  }
  if ! works; then
    die "awsmfa env r1 failed against moto: $(head -n 3 "$work/err")"
  fi
  # Twice in a row with the same code: a replay guard kept outside the
  # wiped cache would refuse the second; fall back to --no-cache then.
  if ! works; then
    cold=("$bin" --no-cache env r1 --token-code 123456)
    works || die "awsmfa env r1 fails the second time: $(head -n 3 "$work/err")"
    put note.cold "The cold awsmfa run uses --no-cache: the same code twice in a row was refused ($(head -n 1 "$work/err"))."
  fi
  # Interleaved with the two raw round trips it is compared with.
  for ((i = 0; i < rounds; i++)); do
    hf cold.awsmfa $((runs_net / rounds)) -N --warmup 2 --prepare "$clear_cmd" "$(printf '%q ' "${cold[@]}")"
    log "measuring two raw STS round trips ($((runs_net / rounds)) runs)"
    T sts-pair sts_pair "$moto" "$key_id" "$secret" "$serial" "${arn[r1]}" $((runs_net / rounds))
  done
  clear_state
  rss rss.awsmfa "${cold[@]}"

  # Cold over TLS: moto behind a TLS front with its own CA, trusted through
  # AWS_CA_BUNDLE: the one certificate, or Debian's ca-certificates (built
  # from Mozilla's set, the size of the roots awsmfa has compiled in and
  # trusts by default) with the test CA added, which costs what the default
  # costs but lets the handshake succeed.
  tls=$work/tls
  mkdir -p "$tls"
  "$py" "$root/tests/support/tls_proxy.py" "$tls" "$port" < <(sleep 3600) >"$tls/port" 2>"$tls/log" &
  tls_pid=$!
  for _ in $(seq 100); do
    [ -s "$tls/port" ] && break
    sleep 0.1
  done
  [ -s "$tls/port" ] || die "the TLS front did not start: $(tail -n 3 "$tls/log")"
  tls_url=https://127.0.0.1:$(cat "$tls/port")
  system_file=/etc/ssl/certs/ca-certificates.crt
  if [ -f "$system_file" ]; then
    cat "$system_file" "$tls/ca.pem" >"$tls/system.pem"
    put tls.roots.certs "$(grep -c 'BEGIN CERTIFICATE' "$system_file")"
  fi
  # (Assignments before a function call are exported to what it runs.)
  for ((i = 0; i < rounds; i++)); do
    AWS_ENDPOINT_URL=$tls_url AWS_CA_BUNDLE=$tls/ca.pem \
      hf cold.tls.bundle $((runs_net / rounds)) -N --warmup 2 --prepare "$clear_cmd" "$(printf '%q ' "${cold[@]}")"
    if [ -f "$tls/system.pem" ]; then
      AWS_ENDPOINT_URL=$tls_url AWS_CA_BUNDLE=$tls/system.pem \
        hf cold.tls.roots $((runs_net / rounds)) -N --warmup 2 --prepare "$clear_cmd" "$(printf '%q ' "${cold[@]}")"
    fi
    BENCH_CAFILE=$tls/ca.pem T sts-pair sts_pair.tls "$tls_url" "$key_id" "$secret" "$serial" "${arn[r1]}" $((runs_net / rounds))
  done
  kill "$tls_pid" 2>/dev/null || true

  # Five roles, one process each, as five terminals would do it.
  clear_state
  record_start
  i=0
  for r in r1 r2 r3 r4 r5; do
    i=$((i + 1))
    "$bin" env "$r" --token-code "20000$i" >/dev/null 2>"$work/err" ||
      die "awsmfa env $r failed: $(head -n 1 "$work/err")"
  done
  record_stop awsmfa
  put peer.awsmfa.how "\`awsmfa env ROLE --token-code CODE\`; profiles need only role_arn + source_profile (+ mfa_serial on either)"

  # Hot: if role credentials are cached, a second call must succeed with STS
  # unreachable (a closed port): that proves no network call was made.
  clear_state
  "$bin" env r1 --token-code 199999 >/dev/null 2>&1 || true
  closed=$(T free-port)
  if AWS_ENDPOINT_URL=http://127.0.0.1:$closed AWSMFA_TIMEOUT=2s \
    "$bin" env r1 >"$work/out" 2>"$work/err" && grep -q AWS_SESSION_TOKEN "$work/out"; then
    export AWS_ENDPOINT_URL=http://127.0.0.1:$closed AWSMFA_TIMEOUT=2s
    for ((i = 0; i < rounds; i++)); do
      hf hot.true,hot.version,hot.awsmfa $((runs_fast / rounds)) -N --warmup 10 \
        /bin/true "$qbin --version" "$qbin env r1"
    done
    rss rss.hot "$bin" env r1
    # The default key store (keyutils' user keyring) beside the file store,
    # in one hyperfine call: each through the same /usr/bin/env, with a
    # cache directory of its own, so the difference is the key lookup.
    keyring_cache=$XDG_CACHE_HOME-keyring
    by_keyring=(/usr/bin/env -u AWSMFA_KEY_STORE "XDG_CACHE_HOME=$keyring_cache" "$bin")
    by_file=(/usr/bin/env AWSMFA_KEY_STORE=file "$bin")
    if AWS_ENDPOINT_URL=$moto AWSMFA_TIMEOUT=10s \
      "${by_keyring[@]}" env r1 --token-code 199998 >/dev/null 2>"$work/err" &&
      "${by_keyring[@]}" env r1 >/dev/null 2>&1; then
      for ((i = 0; i < rounds; i++)); do
        hf hot.store.file,hot.store.keyring $((runs_fast / rounds)) -N --warmup 10 \
          "$(printf '%q ' "${by_file[@]}") env r1" "$(printf '%q ' "${by_keyring[@]}") env r1"
      done
      "${by_keyring[@]}" logout >/dev/null 2>&1 || true
    else
      put hot.store.note "keyutils' user keyring did not serve a cached call here: $(head -n 1 "$work/err" | sed 's/^awsmfa: //')"
    fi
  else
    put hot.awsmfa.note "a second \`awsmfa env r1\` with STS at a closed port said: $(head -n 1 "$work/err" | sed 's/^awsmfa: //')"
  fi
)

# --- Peers -----------------------------------------------------------------------

venv=$root/bench/.venv
# Pinned so that a re-run measures the same code; bump deliberately.
main_reqs=(awsume==4.5.4 aws-iam-login==0.3.6 aws-mfa==0.0.12 awscli==1.46.3)
# aws-export-credentials 0.18.0 builds its Credentials tuple from botocore's
# ReadOnlyCredentials, which gained a field in botocore 1.35: it needs an
# older botocore than the aws CLI above, hence a venv of its own.
# Exact pins: with only 'botocore<1.35' pip backtracks for minutes.
aec_reqs=(aws-export-credentials==0.18.0 boto3==1.34.162 botocore==1.34.162 s3transfer==0.10.4)

make_venv() { # make_venv DIR REQUIREMENT...
  local dir=$1
  shift
  if [ "$(cat "$dir/.bench-reqs" 2>/dev/null)" = "$*" ]; then return; fi
  log "installing $* into $dir"
  rm -rf "$dir"
  python3 -m venv "$dir" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" >&2 ||
    die "pip could not install $* into $dir"
  printf '%s' "$*" >"$dir/.bench-reqs"
}

pyversion() { "$1/bin/python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$2"; }

# peer KEY WORLD-KIND HOW PREPARE COLD-TEMPLATE HOT-TEMPLATE|"" HOT-NOTE CHECK
# Templates are sh commands with @ROLE@, @ARN@, @CODE@ and @CODEFILE@ (a file
# holding the code, for tools that read it from stdin) placeholders; each is
# run under `setsid -w` by the caller's template so that a tool falling back
# to /dev/tty for a prompt cannot hang on the terminal you started this from.
# CHECK is a grep pattern that the cold run's stdout (or the credentials
# file, for tools that only write there) must match.
peer() {
  local key=$1 kind=$2 how=$3 prepare=$4 cold_t=$5 hot_t=$6 hot_note=$7 check=$8
  world "$key" "$kind"
  put "peer.$key.how" "$how"
  (
    enter "$key"
    fill() { # fill TEMPLATE ROLE CODE
      local t=${1//@ROLE@/$2}
      t=${t//@ARN@/${arn[$2]}}
      t=${t//@CODEFILE@/$(codefile "$3")}
      printf '%s' "${t//@CODE@/$3}"
    }
    cold_cmd=$(fill "$cold_t" r1 123456)
    sh -c "$prepare"
    local rc=0
    sh -c "$cold_cmd" >"$work/out" 2>"$work/err" || rc=$?
    if [ "$rc" -ne 0 ]; then
      put "peer.$key.error" "exit $rc: $(grep -v -i -E 'warning|^\s*$|passwd = ' "$work/err" | tail -n 1)"
      exit 0
    fi
    if ! grep -q -E "$check" "$work/out" "$AWS_SHARED_CREDENTIALS_FILE"; then
      put "peer.$key.error" "ran, but produced no credentials: $(tail -n 1 "$work/err")"
      exit 0
    fi
    hf "cold.$key" "$runs_peer" --warmup 1 --prepare "$prepare" "$cold_cmd"
    sh -c "$prepare"
    rss "rss.$key" sh -c "$cold_cmd"
    if [ -n "$hot_t" ]; then
      sh -c "$prepare"
      sh -c "$cold_cmd" >/dev/null 2>&1
      hf "hot.$key" "$runs_peer" --warmup 1 "$(fill "$hot_t" r1 123456)"
    fi
    [ -z "$hot_note" ] || put "hot.$key.note" "$hot_note"

    sh -c "$prepare"
    record_start
    local i=0 r
    if [ "$key" = aws-iam-login ]; then
      # One login, then the aws CLI assumes each role from its session.
      sh -c "$(fill "$login_t" r1 300001)" >/dev/null 2>&1 || die "aws-iam-login failed"
      for r in r1 r2 r3 r4 r5; do
        sh -c "$(fill "$role_t" "$r" 0)" >/dev/null 2>&1 || die "aws configure list --profile $r failed"
      done
    else
      for r in r1 r2 r3 r4 r5; do
        i=$((i + 1))
        sh -c "$(fill "$cold_t" "$r" "30000$i")" >/dev/null 2>&1 || die "$key failed for $r"
      done
    fi
    record_stop "$key"
  )
}

if ((quick)); then
  for key in aws-iam-login awsume aws-export-credentials aws-mfa aws; do put "peer.$key.skipped" 1; done
  put note.peers "Quick mode: the peer tools were not measured."
else
  make_venv "$venv/main" "${main_reqs[@]}"
  make_venv "$venv/aec" "${aec_reqs[@]}"
  m=$venv/main/bin a=$venv/aec/bin
  # The PREPARE snippets below are single-quoted on purpose: they expand
  # $HOME etc. when they run, inside the tool's world (hence SC2016).
  put peer.awsume.version "$(pyversion "$venv/main" awsume)"
  put peer.aws-iam-login.version "$(pyversion "$venv/main" aws-iam-login)"
  put peer.aws-mfa.version "$(pyversion "$venv/main" aws-mfa)"
  put peer.aws.version "$(pyversion "$venv/main" awscli)"
  put peer.aws-export-credentials.version "$(pyversion "$venv/aec" aws-export-credentials) (botocore $(pyversion "$venv/aec" botocore))"

  login_t="setsid -w $(q "$m/aws-iam-login") alice <@CODEFILE@"
  role_t="setsid -w $(q "$m/aws") configure list --profile @ROLE@ </dev/null"
  # shellcheck disable=SC2016
  peer aws-iam-login aws-iam-login \
    "\`aws-iam-login alice\` (code on stdin) writes an [alice-sts] session to the credentials file in plaintext; roles then need profiles with \`source_profile = alice-sts\` and the aws CLI to assume them; cold = both steps" \
    'rm -rf "$HOME/.aws/cli"; cp "$HOME/../credentials.orig" "$AWS_SHARED_CREDENTIALS_FILE"' \
    "$login_t && $role_t" "" \
    "no cache of its own: every run is a new MFA session" 'assume-role'

  # shellcheck disable=SC2016
  peer awsume std \
    "\`awsumepy ROLE --mfa-token CODE\` (the Python program behind the \`awsume\` shell function); session cached in plaintext JSON under XDG_CACHE_HOME/awsume" \
    'rm -rf "$XDG_CACHE_HOME/awsume"' \
    "setsid -w $(q "$m/awsumepy") @ROLE@ --mfa-token @CODE@ </dev/null" \
    "setsid -w $(q "$m/awsumepy") @ROLE@ </dev/null" \
    "MFA session cached; still one AssumeRole per call" '^Awsume ASIA'

  # shellcheck disable=SC2016
  peer aws-export-credentials std \
    "\`aws-export-credentials --profile ROLE --env-export --cache-file F\`; botocore asks for the code on stdin (no tty) and assumes each role directly with MFA; needs \`botocore<1.35\`; caches only with an explicit --cache-file per role" \
    'rm -rf "$HOME/.cache/aec"' \
    "setsid -w $(q "$a/aws-export-credentials") --profile @ROLE@ --env-export --cache-file \"\$HOME/.cache/aec/@ROLE@.json\" <@CODEFILE@" \
    "setsid -w $(q "$a/aws-export-credentials") --profile @ROLE@ --env-export --cache-file \"\$HOME/.cache/aec/@ROLE@.json\" </dev/null" \
    "" 'AWS_SESSION_TOKEN=.'

  # shellcheck disable=SC2016
  peer aws-mfa aws-mfa \
    "\`aws-mfa --profile alice --short-term-suffix ROLE --assume-role ARN\` (code on stdin); reads only ~/.aws/credentials ([alice-long-term] + aws_mfa_device) and writes each role's keys there in plaintext; prints nothing to eval" \
    'cp "$HOME/../credentials.orig" "$AWS_SHARED_CREDENTIALS_FILE"' \
    "setsid -w $(q "$m/aws-mfa") --profile alice --short-term-suffix @ROLE@ --assume-role @ARN@ --log-level WARNING <@CODEFILE@" \
    "setsid -w $(q "$m/aws-mfa") --profile alice --short-term-suffix @ROLE@ --assume-role @ARN@ --log-level WARNING </dev/null" \
    "checks the expiry in the credentials file" '^\[alice-r1\]'

  # shellcheck disable=SC2016
  peer aws std \
    "aws CLI v1 from PyPI (v2 is not published there): \`aws configure list --profile ROLE\`, which resolves the role's credentials (AssumeRole with the MFA code read from stdin) without another call; role credentials cached in ~/.aws/cli/cache" \
    'rm -rf "$HOME/.aws/cli"' \
    "setsid -w $(q "$m/aws") configure list --profile @ROLE@ <@CODEFILE@" \
    "setsid -w $(q "$m/aws") configure list --profile @ROLE@ </dev/null" \
    "" 'assume-role'
fi

# --- Shell prompt hook ------------------------------------------------------------

# per_prompt SHELL LOOP-TEMPLATE: the cost of one call of /bin/true and of
# direnv's hook inside SHELL, from a loop of hook_n calls minus an empty loop.
per_prompt() {
  local sh=$1 tpl=$2
  local empty=${tpl//CMD/:} tru=${tpl//CMD//bin/true} dir=${tpl//CMD/direnv export $sh}
  [ "$sh" != fish ] || empty=${tpl//CMD/true}
  (
    cd "$work/empty"
    local i
    for ((i = 0; i < hook_runs; i++)); do
      hf "loop.$sh.empty,loop.$sh.true,loop.$sh.direnv" 1 -N "$empty" "$tru" "$dir"
    done
  )
  T per-call "hook.true.$sh" "loop.$sh.true" "loop.$sh.empty" "$hook_n"
  T per-call "hook.direnv.$sh" "loop.$sh.direnv" "loop.$sh.empty" "$hook_n"
}
(
  world hooks std
  enter hooks
  per_prompt bash "bash --norc --noprofile -c 'for ((i = 0; i < $hook_n; i++)); do CMD >/dev/null; done'"
  per_prompt zsh "zsh -f -c 'repeat $hook_n; do CMD >/dev/null; done'"
  per_prompt fish "fish --no-config --private -c 'for i in (seq $hook_n); CMD >/dev/null; end'"
)

# awsmfa's own hook is measured by bench/hook.sh (the hooks' author knows
# their internals): `bench/hook.sh AWSMFA` with N calls per round, ROUNDS
# rounds and FORKS calls of anything that forks. Its report goes into the
# results as it is, and its per-prompt lines into the table.
if [ -f bench/hook.sh ]; then
  put hook.script present
  log "running bench/hook.sh"
  hook_env=()
  ((quick == 0)) || hook_env=(N=1000 ROUNDS=3 FORKS=50)
  rc=0
  env "${hook_env[@]}" bash bench/hook.sh "$bin" >"$work/hook.txt" 2>"$work/hook.err" || rc=$?
  if [ "$rc" -eq 0 ]; then
    put hook.output "$(cat "$work/hook.txt")"
    put hook.ok 1
    [ "$(T hook-parse "$work/hook.txt")" -gt 0 ] ||
      put note.hook "bench/hook.sh's report had no per-prompt lines this script could read; it is quoted as it is."
  else
    put hook.output "bench/hook.sh failed (exit $rc): $(tail -n 1 "$work/hook.err")"
  fi
else
  put hook.script absent
fi

# --- Configuration size --------------------------------------------------------------

(
  world scale std
  enter scale
  for n in 10 1000 10000; do
    export AWS_CONFIG_FILE=$work/config.$n
    T profiles "$n" "$AWS_CONFIG_FILE" "$serial"
    put "scale.$n.bytes" "$(stat -c %s "$AWS_CONFIG_FILE")"
    rc=0
    "$bin" env bench-target --token-code 123456 >"$work/out" 2>"$work/err" || rc=$?
    if [ "$rc" -ne 3 ] || ! grep -q duration_seconds "$work/err" || [ -s "$work/out" ]; then
      die "the config-size probe should fail with a configuration error (exit 3) naming duration_seconds; got exit $rc: $(head -n 1 "$work/err")"
    fi
    # --version alongside: the difference is the cost of the configuration.
    hf "scale.$n.version,scale.$n" "$runs_scale" -N -i --warmup 3 \
      "$qbin --version" "$qbin env bench-target --token-code 123456"
  done
)

# --- Size -------------------------------------------------------------------------------

if command -v readelf >/dev/null && readelf -S "$bin" | grep -q '\.symtab'; then
  strip -o "$work/awsmfa.stripped" "$bin"
  put binary.bytes "$(stat -c %s "$work/awsmfa.stripped")"
  put binary.kind "stripped copy of target/release/awsmfa"
else
  put binary.bytes "$(stat -c %s "$bin")"
  put binary.kind "target/release/awsmfa, stripped by the release profile"
fi

# --- Table ---------------------------------------------------------------------------------

put machine "$(T get machine), $(cut -d' ' -f1-3 /proc/loadavg) at the end"
if ((quick)); then out=bench/results.quick.md; else out=bench/results.md; fi
T render "$out"
log "wrote $out"
