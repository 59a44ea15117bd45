# shellcheck shell=bash
# (zsh code, written in the syntax zsh shares with bash so shellcheck can
# read it; `zsh -n` checks it as zsh.)
#
# awsmfa prompt hook for zsh. Load it from the end of ~/.zshrc:
#
#     eval "$(awsmfa init zsh)"
#
# On each cd (chpwd) and before each prompt (precmd) it exports the
# credentials of the profile named by the nearest trusted .awsmfa.toml,
# removes them when you leave, and refreshes them before they expire; before
# each command (preexec) it refreshes credentials whose deadline passed while
# the prompt waited. chpwd runs in a subshell too: `(cd infra && terraform
# plan)` gets infra's credentials there. A prompt or a command with nothing
# to do runs no process at all: it compares $PWD with the last directory
# seen, $SECONDS with a deadline and, at a prompt inside a project, the
# project file's time with its allowance's (`-nt`, `-e`: four stats): an edit, a
# removal or `awsmfa deny` takes the credentials away. awsmfa itself runs only when one
# of them changed.
#
# It also defines the shell function `awsmfa`: `awsmfa use PROFILE` and
# `awsmfa use --unset` apply `awsmfa env` here and return its exit status;
# `awsmfa reload` looks again after a failure or a Ctrl-C.
#
# __AWSMFA_EXE__ stands for the awsmfa that printed this file.

# Unexported globals (typeset -g also when this is eval'd inside a plugin
# manager's function). __awsmfa_state is JSON holding the MFA session, which
# must never reach a child process: it goes to awsmfa on stdin only. It and
# the deadline survive a second `source` of ~/.zshrc; the directory does not,
# so the next prompt looks again. Every assignment to them is made under
# `emulate -L zsh`: with ALL_EXPORT on, any other would export them again.
__awsmfa_unexport() {
  \builtin typeset -g +x __awsmfa_pwd __awsmfa_deadline __awsmfa_state __awsmfa_file __awsmfa_allowance
}
__awsmfa_load() {
  \builtin emulate -L zsh
  # Found exported, it came from the environment (this hook never exports
  # it): not this shell's, dropped.
  if [[ ${parameters[__awsmfa_state]-} == *export* ]]; then
    \builtin unset __awsmfa_state __awsmfa_deadline
  fi
  \builtin typeset -g __awsmfa_pwd='' __awsmfa_deadline="${__awsmfa_deadline-}" __awsmfa_state="${__awsmfa_state-}" \
    __awsmfa_file="${__awsmfa_file-}" __awsmfa_allowance="${__awsmfa_allowance-}"
  __awsmfa_unexport
}
__awsmfa_load
\builtin unset -f __awsmfa_load
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

# zsh gives each precmd function, and the prompt, the user's $? whatever
# the one before returned.
__awsmfa_precmd() {
  # One test, each command in it costing: the directory, the deadline, and
  # the project file newer than its allowance, or either gone (zsh's -nt
  # is false when one is missing): edited, removed or denied since awsmfa
  # looked.
  if [[ $PWD != "${__awsmfa_pwd-}" || (-n ${__awsmfa_deadline-} && $SECONDS -ge $__awsmfa_deadline) ||
    (-n ${__awsmfa_file-} && ($__awsmfa_file -nt ${__awsmfa_allowance-} || ! -e $__awsmfa_file || ! -e ${__awsmfa_allowance-})) ]]; then
    __awsmfa_apply
  fi
}

# On cd, so that `cd infra && terraform plan` already has the credentials,
# in a subshell too (`(cd infra && terraform plan)`).
__awsmfa_chpwd() {
  if [[ $PWD != "${__awsmfa_pwd-}" ]]; then
    __awsmfa_apply
  fi
  \builtin return 0
}

# Before each command line: with nothing due, one test and no process.
__awsmfa_preexec() {
  if [[ -n ${__awsmfa_deadline-} && $SECONDS -ge $__awsmfa_deadline ]]; then
    __awsmfa_apply
  fi
}

# Returns awsmfa's exit status.
__awsmfa_apply() {
  # zsh's own defaults whatever the user's options (KSH_ARRAYS, SH_WORD_SPLIT,
  # NO_UNSET, ALL_EXPORT...), and LOCAL_TRAPS: the user's INT trap comes
  # back when this function returns.
  \builtin emulate -L zsh
  \builtin local __awsmfa_out __awsmfa_rc=0
  # Recorded before awsmfa runs: if it fails or is interrupted, the next
  # prompt does not try again at once (a cd or `awsmfa reload` does; a
  # refresh retries in 60 s).
  __awsmfa_pwd=$PWD
  [[ -z $__awsmfa_deadline ]] || __awsmfa_deadline=$((SECONDS + 60))
  # printf is a builtin: the state is written into the pipe, never in argv.
  __awsmfa_out=$(\builtin printf '%s' "$__awsmfa_state" | __awsmfa_exe hook zsh) || __awsmfa_rc=$?
  # Ctrl-C must not leave half of the new environment applied.
  \builtin trap -- '' INT
  \builtin eval -- "$__awsmfa_out"
  # In case they were exported since (an env file, `export`).
  __awsmfa_unexport
  \builtin return "$__awsmfa_rc"
}

# `awsmfa use PROFILE` / `awsmfa use --unset`: `awsmfa env` applied here,
# and nothing unless it succeeded (`awsmfa use x && cmd` runs cmd only with
# x's credentials).
__awsmfa_use() {
  \builtin emulate -L zsh
  \builtin local __awsmfa_out
  __awsmfa_out=$(__awsmfa_exe env --shell zsh --announce "$@") || \builtin return
  \builtin trap -- '' INT
  \builtin eval -- "$__awsmfa_out"
}

# What the function does after `awsmfa ARGS...` exited with status RC:
# look again at the next prompt (allow, deny), or now (logout, cache clear).
__awsmfa_after() {
  \builtin emulate -L zsh
  \builtin local __awsmfa_rc=$1
  \builtin shift
  case ${1-} in
  allow | deny) __awsmfa_pwd='' ;;
  logout | cache)
    if ((__awsmfa_rc == 0)) && [[ $1 == logout || ${2-} == clear ]]; then
      __AWSMFA_REVOKED="$1 ${2-} ${3-}" __awsmfa_apply || :
    fi
    ;;
  esac
  \builtin return 0
}

# `awsmfa use` and `awsmfa reload` (look again now) work here; `awsmfa
# status` also reports this shell's MFA session (on stdin, like the hook);
# after `awsmfa allow` or `deny` the next prompt looks again; after `awsmfa
# logout`, or `awsmfa cache clear` of all or of this shell's profile, this
# shell's credentials go at once. Every form returns awsmfa's exit status. The `function` keyword keeps an alias named
# awsmfa from being expanded here.
function awsmfa {
  \builtin local __awsmfa_rc=0
  case ${1-} in
  use)
    \builtin shift
    __awsmfa_use "$@" || __awsmfa_rc=$?
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
    __awsmfa_after "$__awsmfa_rc" "$@"
    ;;
  esac
  \builtin return "$__awsmfa_rc"
}

# add-zsh-hook appends after the hooks already there, and never twice.
\builtin autoload -Uz add-zsh-hook
add-zsh-hook precmd __awsmfa_precmd
add-zsh-hook chpwd __awsmfa_chpwd
add-zsh-hook preexec __awsmfa_preexec
