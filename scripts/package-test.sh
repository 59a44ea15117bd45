#!/usr/bin/env bash
# Build the Debian package, install it with dpkg -i, and check what a new
# user gets from it with no step of their own: `man awsmfa`, `awsmfa env
# <TAB>` completing profile names in bash (bash-completion), zsh and fish in
# a real terminal (tmux), and `awsmfa init bash` naming /usr/bin/awsmfa.
# The user is a throwaway account made with `useradd -m` (so it has only
# /etc/skel's files) and removed afterwards, as is the package.
# Needs root or sudo; scripts/setup.sh installs cargo-deb, tmux, man and
# bash-completion. Under CI=true anything missing fails; elsewhere a missing
# privilege skips with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'package-test: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then
    sudo="sudo"
  elif [ "${CI:-}" = true ]; then
    fail "needs root or password-less sudo to install the package"
  else
    say "skipped: needs root or password-less sudo (dpkg -i, useradd)"
    exit 0
  fi
fi
for tool in cargo-deb dpkg tmux man bash zsh fish useradd runuser; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (bash scripts/setup.sh installs it)"
done
[ -f /usr/share/bash-completion/bash_completion ] ||
  fail "the bash-completion package is not installed (bash scripts/setup.sh installs it)"

start=$SECONDS
# cargo deb prints the path of the package it wrote.
deb=$(cargo deb --locked --quiet)
[ -f "$deb" ] || fail "cargo deb wrote no package (it said: $deb)"
say "built $deb in $((SECONDS - start)) s ($(du -h "$deb" | cut -f1))"

user="awsmfa-pkg-$$"
home="/home/$user"
cleanup() {
  $sudo runuser -u "$user" -- tmux -S "$home/tmux.sock" kill-server 2>/dev/null || :
  # userdel refuses while the user's tmux server is still exiting.
  local i
  for ((i = 0; i < 50; i++)); do
    $sudo userdel -r "$user" 2>/dev/null && break
    id "$user" >/dev/null 2>&1 || break
    sleep 0.1
  done
  id "$user" >/dev/null 2>&1 && say "could not remove the user $user: userdel -r $user"
  $sudo dpkg -r awsmfa >/dev/null 2>&1 || :
}
trap cleanup EXIT
$sudo dpkg -i "$deb" >/dev/null
$sudo useradd -m -s /bin/bash "$user"

# A login as that user: only what /etc/skel and the system give.
as_user() {
  $sudo runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user" \
    PATH=/usr/local/bin:/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 "$@"
}
# The user's own AWS profiles, which TAB should offer.
as_user mkdir -p "$home/.aws"
as_user tee "$home/.aws/config" >/dev/null <<'EOF'
[profile alpha-dev]
region = eu-west-1
[profile alpha-prod]
region = eu-west-1
EOF

# --- the manual
for page in awsmfa awsmfa-env "5 awsmfa-config" "5 awsmfa-project"; do
  # shellcheck disable=SC2086 # "5 NAME" is a section and a name
  where=$(as_user man -w $page) || fail "man $page: no page installed"
  # shellcheck disable=SC2086
  shown=$(as_user env MANPAGER=cat MANWIDTH=80 man $page 2>&1 | sed 's/.\x08//g')
  grep -q '^EXIT STATUS' <<<"$shown" || fail "man $page ($where) shows no EXIT STATUS:
$shown"
done
grep -q AWSMFA_TIMEOUT <<<"$(as_user env MANPAGER=cat man awsmfa 2>/dev/null | sed 's/.\x08//g')" ||
  fail "man awsmfa does not describe AWSMFA_TIMEOUT"
for f in README.md copyright LICENSE-MIT LICENSE-APACHE; do
  [ -e "/usr/share/doc/awsmfa/$f" ] || [ -e "/usr/share/doc/awsmfa/$f.gz" ] ||
    fail "/usr/share/doc/awsmfa/$f is missing"
done
say "man awsmfa, awsmfa-env, awsmfa-config(5), awsmfa-project(5) open; docs in /usr/share/doc/awsmfa"

# --- the prompt hook names the installed binary
[ "$(as_user bash -c 'command -v awsmfa')" = /usr/bin/awsmfa ] || fail "awsmfa on PATH is not /usr/bin/awsmfa"
# The hook runs the binary that printed it while it is there (else the
# awsmfa on PATH, after an upgrade moved it).
grep -qF "[[ -x '/usr/bin/awsmfa' ]]" <<<"$(as_user awsmfa init bash)" ||
  fail "awsmfa init bash does not run /usr/bin/awsmfa"
grep -q '^awsmfa [0-9]' <<<"$(as_user awsmfa --version)" || fail "awsmfa --version"
say "awsmfa init bash runs /usr/bin/awsmfa; $(as_user awsmfa --version)"

# --- TAB in a real terminal
tmx() { as_user tmux -S "$home/tmux.sock" -f /dev/null "$@"; }
screen_shows() {
  local want=$1 i
  for ((i = 0; i < 300; i++)); do
    grep -qF -- "$want" <<<"$(tmx capture-pane -p)" && return 0
    sleep 0.1
  done
  tmx capture-pane -p >&2
  return 1
}
complete_in() {
  local shell=$1
  tmx new-session -d -x 200 -y 40 "$shell"
  tmx send-keys "echo READY-$shell" Enter
  screen_shows "READY-$shell" || fail "$shell did not start"
  sleep 0.3
  tmx send-keys "awsmfa env alpha-p" Tab
  screen_shows "awsmfa env alpha-prod" || fail "$shell: TAB did not complete alpha-prod"
  tmx kill-server 2>/dev/null || :
  say "$shell: awsmfa env alpha-p<TAB> -> alpha-prod"
}
# bash: /etc/skel/.bashrc loads bash-completion, which finds awsmfa's file.
complete_in "bash -i"
# zsh: Debian runs no compinit for users (Ubuntu does, in /etc/zsh/zshrc);
# the one line every zsh user with completion has, nothing about awsmfa.
as_user tee "$home/.zshrc" >/dev/null <<<'autoload -Uz compinit && compinit'
complete_in "zsh -i"
# fish loads vendor_completions.d by itself.
complete_in "fish -i"
say "ok"
