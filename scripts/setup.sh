#!/usr/bin/env bash
# Install what awsmfa's tests and demo use, on a fresh Debian machine:
# real shells, shellcheck, direnv (benchmark baseline), moto (AWS emulator)
# and the real aws CLI; with --fuzz also cargo-fuzz (the tests' fuzz smoke).
# Safe to run again: it only installs what is missing.
set -euo pipefail

packages=(bash zsh fish shellcheck direnv tmux keyutils)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if ! python3 -c 'import moto, flask, flask_cors, awscli, dotenv, boto3, cryptography' 2>/dev/null ||
  [ "$(python3 -c 'import moto; print(moto.__version__)')" != "5.2.1" ]; then
  python3 -m pip install --quiet 'moto==5.2.1' flask flask-cors awscli python-dotenv boto3 cryptography
fi

# The fuzz smoke in scripts/test.sh drives libFuzzer through cargo-fuzz.
if [ "${1-}" = --fuzz ] && ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
