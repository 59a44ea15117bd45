#!/usr/bin/env bash
# A two-minute tour with no AWS account: start a local STS/IAM emulator
# (moto), create an IAM user with an MFA device and two roles, and let awsmfa
# turn one MFA code into credentials for both roles.
#
#   bash scripts/demo.sh                      build awsmfa, then the tour
#   AWSMFA=/usr/bin/awsmfa bash scripts/demo.sh   the tour with a binary you have
#   bash scripts/demo.sh --keep               then leave the emulator and a shell
#                                             with the prompt hook running in tmux
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
case "${1-}" in
  "") ;;
  --keep) keep=1 ;;
  *) echo "usage: [AWSMFA=path] bash scripts/demo.sh [--keep]" >&2; exit 2 ;;
esac

bash scripts/setup.sh >/dev/null
if [ -n "${AWSMFA:-}" ]; then
  awsmfa=$(realpath "$(command -v "$AWSMFA")") || { echo "demo: AWSMFA=$AWSMFA is not a program" >&2; exit 2; }
else
  # cargo says where it put the binary: CARGO_TARGET_DIR, a build.target-dir
  # in a cargo config, or ./target.
  awsmfa=$(cargo build --release --locked --quiet --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "awsmfa" and m.get("executable"):
        print(m["executable"])')
  [ -x "$awsmfa" ] || { echo "demo: cargo built no awsmfa binary" >&2; exit 1; }
fi
echo "== using $awsmfa ($("$awsmfa" --version))"
# moto and the aws CLI live in the project's own venv (scripts/setup.sh).
py=$PWD/.venv/bin/python

work=$(mktemp -d)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Its own session, so that with --keep it outlives this script and its terminal.
setsid "$py" -m moto.server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null; rm -rf "$work"' EXIT
until "$py" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "http://127.0.0.1:$port/moto-api/" 2>/dev/null; do sleep 0.2; done

# Everything below uses throwaway files: your real ~/.aws is never touched.
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials
export XDG_CACHE_HOME=$work/cache XDG_CONFIG_HOME=$work/config.d XDG_DATA_HOME=$work/data
# The session cache's key goes to a throwaway runtime dir, not your key store.
mkdir -m 700 "$work/run"
export XDG_RUNTIME_DIR=$work/run AWSMFA_KEY_STORE=file
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

seed=$("$py" tests/support/seed.py "$AWS_ENDPOINT_URL" alice dev,prod)
field() { "$py" -c "import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))" "$seed" "$1"; }
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<INI
[alice]
aws_access_key_id = $(field 'd["access_key_id"]')
aws_secret_access_key = $(field 'd["secret_access_key"]')
INI
cat >"$AWS_CONFIG_FILE" <<INI
[profile alice]
mfa_serial = $(field 'd["mfa_serial"]')

[profile dev]
role_arn = $(field 'd["roles"]["dev"]')
source_profile = alice

[profile prod]
role_arn = $(field 'd["roles"]["prod"]')
source_profile = alice
INI

echo "== ~/.aws/config (throwaway copy)"
cat "$AWS_CONFIG_FILE"
echo
echo "== eval \"\$(awsmfa env dev --token-code 123456)\"   (moto accepts any 6-digit code)"
eval "$("$awsmfa" env dev --token-code 123456)"
echo "AWSMFA_PROFILE=$AWSMFA_PROFILE  AWS_CREDENTIAL_EXPIRATION=$AWS_CREDENTIAL_EXPIRATION"
echo "aws sts get-caller-identity -> $("$py" -m awscli sts get-caller-identity --query Arn --output text)"
echo
echo "== awsmfa exec prod -- aws sts get-caller-identity   (no code asked: the MFA session is in the encrypted cache)"
"$awsmfa" exec prod -- "$py" -m awscli sts get-caller-identity --query Arn --output text
echo
echo "== awsmfa cache list   (never secrets)"
"$awsmfa" cache list
echo
echo "== a typo gets a suggestion and a distinct exit code, and prints nothing to eval"
"$awsmfa" env prdo --token-code 123456 || echo "(exit code $?)"

((keep)) || exit 0

# --- --keep: a shell with the prompt hook, in tmux, beside the emulator.
if ! command -v tmux >/dev/null; then
  echo "demo: --keep needs tmux (bash scripts/setup.sh installs it)" >&2
  exit 1
fi
# The shell in tmux inherits this script's environment: start it with no
# credentials, as a new terminal would.
eval "$("$awsmfa" env --unset)"
mkdir -p "$work/project/infra"
printf 'profile = "prod"\nregion = "us-east-1"\n' >"$work/project/infra/.awsmfa.toml"
"$awsmfa" allow "$work/project/infra" 2>/dev/null
cat >"$work/bashrc" <<RC
# The demo's throwaway settings (see scripts/demo.sh), then the hook.
$(export -p | grep -E ' (AWS_[A-Z_]+|AWSMFA_KEY_STORE|XDG_[A-Z_]+)=')
export AWS_DEFAULT_REGION=us-east-1
export PATH=$(printf '%q' "$PWD/.venv/bin"):\$PATH
eval "\$($(printf '%q' "$awsmfa") init bash)"
PS1='[demo \${AWSMFA_PROFILE:-no profile}] \\w\\$ '
cd $(printf '%q' "$work/project")
echo "awsmfa demo shell. Try: cd infra; aws sts get-caller-identity; awsmfa status; cd .."
RC
cat >"$work/stop" <<STOP
#!/usr/bin/env bash
tmux -S $(printf '%q' "$work/tmux.sock") kill-server 2>/dev/null
kill $moto_pid 2>/dev/null
rm -rf $(printf '%q' "$work")
echo "awsmfa demo stopped"
STOP
chmod +x "$work/stop"
tmux -S "$work/tmux.sock" -f /dev/null new-session -d -s awsmfa-demo "bash --rcfile '$work/bashrc' -i"
trap - EXIT
echo
echo "== left running: moto (pid $moto_pid) and a bash with awsmfa's prompt hook, in tmux"
echo "   get in:   tmux -S $work/tmux.sock attach    (leave it running: Ctrl-b d)"
echo "   there:    cd infra   -> prod's credentials appear (.awsmfa.toml, trusted by the demo)"
echo "             cd ..      -> they are gone again"
echo "   stop it:  $work/stop"
