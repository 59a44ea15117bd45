#!/usr/bin/env bash
# Install what awsmfa's tests and demo use, on a fresh Debian/Ubuntu machine:
# real shells, shellcheck, keyutils, tmux, direnv (benchmark baseline), man and
# bash-completion (the Debian package's checks), gnome-keyring, dbus and
# libsecret-tools (the Secret Service vault), strace, faketime (a simulated hour
# of credential_process refreshes by a real boto3), chromium (the headless
# browser `awsmfa console`'s tests open the sign-in URL in), the desktop dialog's
# (tests/desktop.rs): an X server (xvfb), zenity, xdotool to type into it,
# xwd (x11-apps) for a screenshot, notify-send (libnotify-bin) and a stand-in
# notification daemon (python3-dbus, python3-gi), and in the project's own
# virtual environment (.venv, made with the distribution's python3-venv) moto,
# the aws CLI and boto3; cargo-deb; with --fuzz also cargo-fuzz (no nightly:
# scripts/fuzz-smoke.sh builds with stable); with --bench also hyperfine and
# GNU time (bench/run.sh).
# This is the one list of what awsmfa's scripts install: test.sh, demo.sh,
# package-test.sh, fuzz-smoke.sh and bench/run.sh call it or name it.
# Safe to run again: it only installs what is missing. Every step that fails
# stops the script with its own error on the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

fuzz=0 bench=0
for arg in "$@"; do
  case "$arg" in
    --fuzz) fuzz=1 ;;
    --bench) bench=1 ;;
    *) say "usage: bash scripts/setup.sh [--fuzz] [--bench]"; exit 2 ;;
  esac
done

packages=(bash zsh fish shellcheck direnv tmux keyutils util-linux python3 python3-venv python3-pip
  bash-completion man-db groff-base dpkg-dev tinyproxy procps passwd git
  gnome-keyring dbus dbus-x11 libsecret-tools strace faketime chromium
  xvfb zenity xdotool x11-apps libnotify-bin python3-dbus python3-gi)
if ((bench)); then
  packages+=(hyperfine time)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing ${missing[*]}"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# The distribution's own interpreter, never a pyenv/conda one that happens to
# come first on PATH: the venv must work on a stock machine (PEP 668 forbids
# pip into the system's site-packages, so everything goes into .venv).
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
venv=.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  say "creating $venv with $python ($("$python" --version 2>&1))"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
# Already there at the pinned versions: nothing to do (no network needed).
pinned_present() {
  "$venv/bin/python" - <<'PY'
import importlib.metadata as m, sys
for line in open("scripts/requirements.txt"):
    line = line.split("#")[0].strip()
    if line:
        name, want = line.split("==")
        try:
            if m.version(name) != want:
                sys.exit(1)
        except m.PackageNotFoundError:
            sys.exit(1)
PY
}
if ! pinned_present; then
  say "installing the Python test tools into $venv (scripts/requirements.txt)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
fi

# scripts/package-test.sh builds the .deb with it (about a minute to build).
if [ "$(cargo deb --version 2>/dev/null)" != "cargo-deb 3.8.0" ]; then
  say "installing cargo-deb"
  cargo install cargo-deb --version 3.8.0 --locked
fi

# The fuzz smoke in scripts/test.sh drives libFuzzer through cargo-fuzz.
if ((fuzz)) && ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
