# shellcheck shell=bash
# awsmfa prompt hook for bash. Load it from the end of ~/.bashrc:
#
#     eval "$(awsmfa init bash)"
#
# Before each prompt and before each command (the DEBUG trap) it exports
# the credentials of the profile named by the nearest trusted .awsmfa.toml,
# removes them when you leave, and refreshes them before they expire: so
# `cd infra && terraform plan` already runs with infra's. `cd`, `pushd` and
# `popd` typed at the prompt look too (functions, unless you have your
# own), for `(cd infra && terraform plan)`: no trap runs in a subshell. A
# prompt or a command with nothing to do runs no process at all: it
# compares $PWD with the last directory seen, $SECONDS with a deadline and,
# at a prompt inside a project, the project file's time with its
# allowance's (`-nt` and `-e`, three stats): an edit, a removal or `awsmfa
# deny` takes the credentials away. awsmfa itself runs only when one of them changed.
#
# It also defines the shell function `awsmfa`: `awsmfa use PROFILE` and
# `awsmfa use --unset` apply `awsmfa env` here and return its exit status;
# `awsmfa reload` looks again after a failure or a Ctrl-C.
#
# __AWSMFA_EXE__ stands for the awsmfa that printed this file.

# Unexported state. __awsmfa_state is JSON holding the MFA session, which
# must never reach a child process: it goes to awsmfa on stdin only. It and
# the deadline survive a second `source` of ~/.bashrc; the directory does
# not, so the next prompt looks again. One found exported came from the
# environment (this hook never exports it): not this shell's, dropped.
__awsmfa_pwd=
: "${__awsmfa_deadline=}" "${__awsmfa_state=}" "${__awsmfa_file=}" "${__awsmfa_allowance=}"
if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)) && [[ ${__awsmfa_state@a} == *x* ]]; then
  __awsmfa_state='' __awsmfa_deadline=''
fi
\builtin export -n __awsmfa_pwd __awsmfa_deadline __awsmfa_state __awsmfa_file __awsmfa_allowance
# Set by the `awsmfa` function for one `awsmfa hook` after logout; one
# inherited from a parent would make every look here a logout.
\builtin unset __AWSMFA_REVOKED

# The awsmfa that printed this hook; if an upgrade moved or removed it, the
# one on PATH (`command` skips the function below), so open shells survive.
__awsmfa_exe() {
  if [[ -x __AWSMFA_EXE__ ]]; then
    __AWSMFA_EXE__ "$@"
  else
    \command awsmfa "$@"
  fi
}

__awsmfa_hook() {
  \builtin local __awsmfa_rc=$?
  # One test, each command in it costing: the directory, the deadline, and
  # the project file newer than its allowance (also when the allowance is
  # gone: bash's -nt holds when only the first exists), or the file gone:
  # edited, denied or removed since awsmfa looked.
  if [[ $PWD != "${__awsmfa_pwd-}" || (-n ${__awsmfa_deadline-} && $SECONDS -ge $__awsmfa_deadline) ||
    (-n ${__awsmfa_file-} && ($__awsmfa_file -nt ${__awsmfa_allowance-} || ! -e $__awsmfa_file)) ]]; then
    __awsmfa_apply
  fi
  # The next PROMPT_COMMAND entry sees the user's $? (bash gives the prompt
  # its own copy).
  \builtin return "$__awsmfa_rc"
}

# Run by the DEBUG trap before every simple command: with nothing due, two
# tests and no process. A changed directory (`cd x && cmd`, `cd x; cmd`,
# `cd -`, pushd, popd) looks before the command runs, once the first
# prompt has looked (not while ~/.bashrc still loads); a refresh, not in a
# subshell (with extdebug the trap runs there too), where new credentials
# would be lost. Not while completing (Tab), nor before a function of the
# hook's own (the prompt hook, `__awsmfa_apply`), which looks itself. bash restores $? after the trap, and `$_` is this
# call's last argument, the one it was given.
__awsmfa_preexec() {
  if [[ (-n ${__awsmfa_pwd-} && $PWD != "$__awsmfa_pwd") ||
    (-n ${__awsmfa_deadline-} && $SECONDS -ge $__awsmfa_deadline && $BASH_SUBSHELL -eq 0) ]] &&
    [[ -z ${COMP_LINE-} && $BASH_COMMAND != __awsmfa_* ]]; then
    # Status 0 whatever awsmfa's: with extdebug a failing trap would skip
    # the user's command.
    __awsmfa_apply || :
  fi
}

# After a cd typed at the prompt, in a subshell too, where no trap runs:
# `(cd infra && terraform plan)` gets infra's credentials (lost with the
# subshell, like the directory). Not for a cd inside a function (a prompt
# framework's `$(cd dir && git ...)` must not start awsmfa at each prompt;
# the DEBUG trap looks after it), nor while completing.
__awsmfa_chdir() {
  if [[ $PWD != "${__awsmfa_pwd-}" && -z ${COMP_LINE-} ]] &&
    [[ ${FUNCNAME[2]-main} == main ]]; then
    __awsmfa_apply || :
  fi
}

# Returns awsmfa's exit status.
__awsmfa_apply() {
  \builtin local __awsmfa_out __awsmfa_rc=0
  # Recorded before awsmfa runs: if it fails or is interrupted, the next
  # prompt does not try again at once (a cd or `awsmfa reload` does; a
  # refresh retries in 60 s).
  __awsmfa_pwd=$PWD
  [[ -z ${__awsmfa_deadline-} ]] || __awsmfa_deadline=$((SECONDS + 60))
  # printf is a builtin: the state is written into the pipe, never in argv.
  # `|| rc=$?` so that `set -e` in the user's shell survives a failing awsmfa.
  __awsmfa_out=$(\builtin printf '%s' "${__awsmfa_state-}" | __awsmfa_exe hook bash) || __awsmfa_rc=$?
  # Ctrl-C must not leave half of the new environment applied.
  \builtin trap -- '' SIGINT
  \builtin eval -- "$__awsmfa_out"
  \builtin trap - SIGINT
  # In case `set -a` exported what eval assigned.
  \builtin export -n __awsmfa_pwd __awsmfa_state __awsmfa_deadline __awsmfa_file __awsmfa_allowance
  \builtin return "$__awsmfa_rc"
}

# `awsmfa use` applies `awsmfa env` in this shell; `awsmfa reload` looks
# again now; `awsmfa status` also reports this shell's MFA session (on
# stdin, like the hook); after `awsmfa allow` or `deny` the next prompt
# looks again; after `awsmfa logout`, or `awsmfa cache clear` of all or of
# this shell's profile, this shell's credentials go at once. Every form
# returns awsmfa's exit status. The `function` keyword keeps an alias named
# awsmfa from being expanded here.
function awsmfa {
  \builtin local __awsmfa_rc=0 __awsmfa_out
  case ${1-} in
  use)
    \builtin shift
    # Nothing is applied unless awsmfa succeeded: `awsmfa use x && cmd`
    # runs cmd only with x's credentials.
    __awsmfa_out=$(__awsmfa_exe env --shell bash --announce "$@") || \builtin return
    \builtin trap -- '' SIGINT
    \builtin eval -- "$__awsmfa_out"
    \builtin trap - SIGINT
    ;;
  reload)
    __awsmfa_apply || __awsmfa_rc=$?
    ;;
  status)
    \builtin shift
    \builtin printf '%s' "${__awsmfa_state-}" | __awsmfa_exe status --shell-state "$@" || __awsmfa_rc=$?
    ;;
  *)
    __awsmfa_exe "$@" || __awsmfa_rc=$?
    case ${1-} in
    allow | deny) __awsmfa_pwd= ;;
    logout | cache)
      if ((__awsmfa_rc == 0)) && [[ $1 == logout || ${2-} == clear ]]; then
        __AWSMFA_REVOKED="$1 ${2-} ${3-}" __awsmfa_apply || :
      fi
      ;;
    esac
    ;;
  esac
  \builtin return "$__awsmfa_rc"
}

# cd, pushd and popd, each the builtin and then a look (see __awsmfa_chdir)
# with the builtin's status; not where you have a function of that name
# already (the DEBUG trap still looks before your next command). `function`
# keeps an alias of that name from being expanded here.
if ! \builtin declare -F cd >/dev/null; then
  function cd {
    \builtin cd "$@" || \builtin return
    __awsmfa_chdir
  }
fi
if ! \builtin declare -F pushd >/dev/null; then
  function pushd {
    \builtin pushd "$@" || \builtin return
    __awsmfa_chdir
  }
fi
if ! \builtin declare -F popd >/dev/null; then
  function popd {
    \builtin popd "$@" || \builtin return
    __awsmfa_chdir
  }
fi

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

# The DEBUG trap, keeping the one already there (run after ours, so its
# status is the trap's, as extdebug wants). Where bash-preexec (atuin,
# starship...) owns the trap, join its preexec_functions instead: it would
# replace ours.
__awsmfa_install_preexec() {
  \builtin local __awsmfa_prior=
  if \builtin declare -F __bp_preexec_invoke_exec >/dev/null; then
    [[ " ${preexec_functions[*]-} " == *" __awsmfa_preexec "* ]] ||
      preexec_functions+=(__awsmfa_preexec)
    \builtin return 0
  fi
  # __awsmfa_t: `trap -- 'COMMAND' DEBUG`, quoted for reuse.
  [[ $__awsmfa_t != *__awsmfa_preexec* ]] || \builtin return 0
  if [[ -n $__awsmfa_t ]]; then
    __awsmfa_t=${__awsmfa_t#trap -- }
    \builtin eval "__awsmfa_prior=${__awsmfa_t% DEBUG}"
  fi
  # shellcheck disable=SC2016 # expanded when the trap runs
  \builtin trap -- '__awsmfa_preexec "$_"'"${__awsmfa_prior:+$'\n'$__awsmfa_prior}" DEBUG
}

__awsmfa_install
# Read here, not in a function: there the DEBUG trap does not show. A
# command substitution of `trap` shows this shell's traps (once, at load).
__awsmfa_t=$(\builtin trap -p DEBUG)
__awsmfa_install_preexec
\builtin unset -f __awsmfa_install __awsmfa_install_preexec
\builtin unset __awsmfa_t
