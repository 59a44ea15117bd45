# shellcheck shell=bash
# awsmfa prompt hook for bash. Load it from the end of ~/.bashrc:
#
#     eval "$(awsmfa init bash)"
#
# Before each prompt it exports the credentials of the profile named by the
# nearest trusted .awsmfa.toml, removes them when you leave, and refreshes
# them before they expire. A prompt with nothing to do runs no process at
# all: it compares $PWD with the last directory seen and $SECONDS with a
# deadline, both in shell arithmetic. awsmfa itself runs only when one of
# them changed.
#
# __AWSMFA_EXE__ stands for the awsmfa that printed this file.

# Unexported state. __awsmfa_state is JSON holding the MFA session, which
# must never reach a child process: it goes to awsmfa on stdin only. It and
# the deadline survive a second `source` of ~/.bashrc; the directory does
# not, so the next prompt looks again.
__awsmfa_pwd=
: "${__awsmfa_deadline=}" "${__awsmfa_state=}"
\builtin export -n __awsmfa_pwd __awsmfa_deadline __awsmfa_state

__awsmfa_hook() {
  \builtin local __awsmfa_rc=$?
  if [[ $PWD != "${__awsmfa_pwd-}" ]] ||
    { [[ -n ${__awsmfa_deadline-} ]] && ((SECONDS >= __awsmfa_deadline)); }; then
    __awsmfa_apply
  fi
  # The next PROMPT_COMMAND entry and the prompt see the user's $?.
  \builtin return "$__awsmfa_rc"
}

__awsmfa_apply() {
  \builtin local __awsmfa_out
  # Recorded before awsmfa runs: if it fails or is interrupted, the next
  # prompt does not try again at once (a cd does; a refresh retries in 60 s).
  __awsmfa_pwd=$PWD
  [[ -z ${__awsmfa_deadline-} ]] || __awsmfa_deadline=$((SECONDS + 60))
  # printf is a builtin: the state is written into the pipe, never in argv.
  # `|| :` so that `set -e` in the user's shell survives a failing awsmfa.
  __awsmfa_out=$(\builtin printf '%s' "${__awsmfa_state-}" | __AWSMFA_EXE__ hook bash) || :
  # Ctrl-C must not leave half of the new environment applied.
  \builtin trap -- '' SIGINT
  \builtin eval -- "$__awsmfa_out"
  \builtin trap - SIGINT
  # In case `set -a` exported what eval assigned.
  \builtin export -n __awsmfa_pwd __awsmfa_state __awsmfa_deadline
}

# `awsmfa status` also reports this shell's MFA session (on stdin, like the
# hook); after `awsmfa allow` or `deny` the next prompt looks again. The
# `function` keyword keeps an alias named awsmfa from being expanded here.
function awsmfa {
  \builtin local __awsmfa_rc
  if [[ ${1-} == status ]]; then
    \builtin shift
    \builtin printf '%s' "${__awsmfa_state-}" | __AWSMFA_EXE__ status --shell-state "$@"
    __awsmfa_rc=$?
  else
    __AWSMFA_EXE__ "$@"
    __awsmfa_rc=$?
    case ${1-} in allow | deny) __awsmfa_pwd= ;; esac
  fi
  \builtin return "$__awsmfa_rc"
}

# Run last in PROMPT_COMMAND, after the hooks already there (string or, from
# bash 5.1, array form, whichever the user has), and only once.
__awsmfa_install() {
  \builtin local __awsmfa_c
  if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) &&
    [[ -n ${PROMPT_COMMAND+set} && ${PROMPT_COMMAND@a} == *a* ]]; then
    for __awsmfa_c in "${PROMPT_COMMAND[@]}"; do
      [[ $__awsmfa_c != __awsmfa_hook ]] || \builtin return 0
    done
    PROMPT_COMMAND+=(__awsmfa_hook)
  else
    # The string form (before bash 5.1 an array runs only its element 0).
    # shellcheck disable=SC2128,SC2178
    case $'\n'${PROMPT_COMMAND-}$'\n' in
    *$'\n'__awsmfa_hook$'\n'*) ;;
    *) PROMPT_COMMAND=${PROMPT_COMMAND:+${PROMPT_COMMAND}$'\n'}__awsmfa_hook ;;
    esac
  fi
}
__awsmfa_install
\builtin unset -f __awsmfa_install
