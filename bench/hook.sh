#!/usr/bin/env bash
# What the awsmfa prompt hook costs when there is nothing to do, per shell,
# at each prompt and before each command (bash's DEBUG trap, zsh's preexec,
# fish_preexec), beside what direnv runs at every prompt (`direnv export
# bash`) and one fork+exec of /bin/true, all measured in the same run on
# this machine.
#
#   bench/hook.sh [path/to/awsmfa]
#
# The hook function is called N times in a loop (default 10000), ROUNDS
# times (default 5); the figure is the median round's time per call, with
# the cost of the empty loop itself shown apart. Two states per shell:
#   idle:   no project here (no refresh deadline)
#   active: a profile exported, its refresh deadline not reached, its
#           project file watched (older than its allowance: unchanged)
# awsmfa itself never runs in either, nor any other process: only shell
# builtins. fish has no clock builtin: a timer that `awsmfa hook` leaves
# behind signals the shell at the deadline or when the project file
# changes, so before a command fish tests a variable, and at a prompt that
# the timer is alive (/proc).
set -euo pipefail
cd "$(dirname "$0")/.."

awsmfa=${1:-}
if [[ -z $awsmfa ]]; then
  for candidate in target/release/awsmfa target/debug/awsmfa; do
    if [[ -x $candidate ]]; then
      awsmfa=$candidate
      break
    fi
  done
fi
if [[ -z $awsmfa ]]; then
  cargo build --quiet
  awsmfa=target/debug/awsmfa
fi
awsmfa=$(cd "$(dirname "$awsmfa")" && pwd)/$(basename "$awsmfa")

N=${N:-10000}
ROUNDS=${ROUNDS:-5}
# Forking costs ~1000x more than the hook: fewer iterations say as much.
FORKS=${FORKS:-300}

# An empty directory and home: no .awsmfa.toml, no .envrc, no direnv config.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
cd "$work"
# The active state's project file and its allowance, written in that order.
echo 'profile = "p"' >"$work/project.toml"
sleep 0.02
: >"$work/allowance"

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'; }

# Each prints one line per round: "<µs per hook call> <µs per empty loop turn>".
# The hook functions: what PROMPT_COMMAND / precmd / fish_prompt run, and
# what runs before each command: bash's DEBUG trap (`__awsmfa_preexec "$_"`,
# its whole text), zsh's preexec, fish's fish_preexec handler.
bench_bash() { # state, prompt|command
  local fn=__awsmfa_hook
  # shellcheck disable=SC2016 # the trap's own text, expanded by that bash
  [[ $2 == prompt ]] || fn='__awsmfa_preexec "$_"'
  # shellcheck disable=SC2016
  bash --norc --noprofile -c '
    eval "$("$1" init bash)"
    trap - DEBUG # the loop itself would run it: the call below is the measure
    __awsmfa_pwd=$PWD
    if [[ $2 == active ]]; then
      __awsmfa_deadline=$((SECONDS + 100000))
      __awsmfa_file=$PWD/project.toml __awsmfa_allowance=$PWD/allowance
    else __awsmfa_deadline=; fi
    for ((r = 0; r < $4; r++)); do
      s=$EPOCHREALTIME
      for ((i = 0; i < $3; i++)); do eval "$5"; done
      m=$EPOCHREALTIME
      for ((i = 0; i < $3; i++)); do eval ":"; done
      e=$EPOCHREALTIME
      echo "$s $m $e"
    done' bash "$awsmfa" "$1" "$N" "$ROUNDS" "$fn" |
    awk -v n="$N" '{ print ($2 - $1) * 1e6 / n, ($3 - $2) * 1e6 / n }'
}

bench_zsh() { # state, prompt|command
  local fn=__awsmfa_precmd
  [[ $2 == prompt ]] || fn=__awsmfa_preexec
  zsh -f -c '
    zmodload zsh/datetime
    eval "$("$1" init zsh)"
    __awsmfa_pwd=$PWD
    if [[ $2 == active ]]; then
      __awsmfa_deadline=$((SECONDS + 100000))
      __awsmfa_file=$PWD/project.toml __awsmfa_allowance=$PWD/allowance
    else __awsmfa_deadline=; fi
    for ((r = 0; r < $4; r++)); do
      s=$EPOCHREALTIME
      for ((i = 0; i < $3; i++)); do $5; done
      m=$EPOCHREALTIME
      for ((i = 0; i < $3; i++)); do :; done
      e=$EPOCHREALTIME
      echo "$s $m $e"
    done' zsh "$awsmfa" "$1" "$N" "$ROUNDS" "$fn" |
    awk -v n="$N" '{ print ($2 - $1) * 1e6 / n, ($3 - $2) * 1e6 / n }'
}

bench_fish() { # state, prompt|command
  local fn=__awsmfa_on_prompt
  [[ $2 == prompt ]] || fn=__awsmfa_on_preexec
  # -i: the hook is defined for interactive shells only. The script is
  # fish's, expanded by fish. `date` only times the rounds, outside them.
  # shellcheck disable=SC2016
  fish --no-config --private -i -c '
    "$argv[1]" init fish | source
    set -g __awsmfa_pwd $PWD
    if test $argv[2] = active
      __awsmfa_tick
      set -g __awsmfa_deadline (math $__awsmfa_now + 100000)
      # A live timer, as `awsmfa hook` leaves (any live pid: the prompt
      # only looks that /proc has it).
      set -g __awsmfa_timer $fish_pid
      set -g __awsmfa_file $PWD/project.toml
      set -g __awsmfa_allowance $PWD/allowance
    else
      set -g __awsmfa_deadline ""
    end
    for r in (seq $argv[4])
      set -l s (command date +%s%N)
      for i in (seq $argv[3]); $argv[5]; end
      set -l m (command date +%s%N)
      for i in (seq $argv[3]); true; end
      set -l e (command date +%s%N)
      echo $s $m $e
    end' "$awsmfa" "$1" "$N" "$ROUNDS" "$fn" </dev/null |
    awk -v n="$N" '{ print ($2 - $1) / 1e3 / n, ($3 - $2) / 1e3 / n }'
}

# One line per round: µs per run of the command.
bench_cmd() { # command...
  for ((r = 0; r < ROUNDS; r++)); do
    s=$EPOCHREALTIME
    for ((i = 0; i < FORKS; i++)); do "$@" >/dev/null; done
    e=$EPOCHREALTIME
    awk -v s="$s" -v e="$e" -v n="$FORKS" 'BEGIN { print (e - s) * 1e6 / n }'
  done
}

row() { # label, lines "<hook> <loop>"
  local label=$1 rounds=$2
  printf '%-44s %10s µs %14s µs\n' "$label" \
    "$(cut -d' ' -f1 <<<"$rounds" | median)" "$(cut -d' ' -f2 <<<"$rounds" | median)"
}

echo "awsmfa prompt hook, nothing to do: median of $ROUNDS rounds of $N calls"
printf '%-44s %13s %17s\n' "" "per call" "(empty loop)"
zsh_version=$(zsh -fc 'echo $ZSH_VERSION')
fish_version=$(fish --version | awk '{ print $NF }')
for sh in bash zsh fish; do
  case $sh in
  bash) version=${BASH_VERSION%%(*} ;;
  zsh) version=$zsh_version ;;
  fish) version=$fish_version ;;
  esac
  for when in prompt command; do
    row "$sh $version $when idle" "$(bench_$sh idle $when)"
    row "$sh $version $when active, deadline ahead" "$(bench_$sh active $when)"
  done
done
echo
echo "for comparison, per call: median of $ROUNDS rounds of $FORKS"
if command -v direnv >/dev/null; then
  printf '%-34s %10s µs\n' "direnv $(direnv version) export bash" "$(bench_cmd direnv export bash | median)"
else
  echo "direnv: not installed (bash scripts/setup.sh installs it)"
fi
printf '%-34s %10s µs\n' "fork+exec /bin/true" "$(bench_cmd /bin/true | median)"
