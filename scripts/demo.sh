#!/usr/bin/env bash
# A two-minute tour with no AWS account: start a local STS/IAM emulator
# (moto), create an IAM user with an MFA device and two roles, and let awsmfa
# turn one MFA code into credentials for both roles.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null
cargo build --release --locked --quiet
awsmfa=$PWD/target/release/awsmfa
# moto and the aws CLI live in the project's own venv (scripts/setup.sh).
py=$PWD/.venv/bin/python

work=$(mktemp -d)
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$py" -m moto.server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
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
