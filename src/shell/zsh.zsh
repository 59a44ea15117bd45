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
# removes them when you leave, and refreshes them before they expire. A
# prompt with nothing to do runs no process at all: it compares $PWD with the
# last directory seen and $SECONDS with a deadline, both in shell arithmetic.
# awsmfa itself runs only when one of them changed.
#
# __AWSMFA_EXE__ stands for the awsmfa that printed this file.

# Unexported globals (typeset -g also when this is eval'd inside a plugin
# manager's function). __awsmfa_state is JSON holding the MFA session, which
# must never reach a child process: it goes to awsmfa on stdin only. It and
# the deadline survive a second `source` of ~/.zshrc; the directory does not,
# so the next prompt looks again.
typeset -g +x __awsmfa_pwd='' __awsmfa_deadline="${__awsmfa_deadline-}" __awsmfa_state="${__awsmfa_state-}"

__awsmfa_precmd() {
  \builtin local __awsmfa_rc=$?
  if [[ $PWD != "${__awsmfa_pwd-}" ]] ||
    { [[ -n ${__awsmfa_deadline-} ]] && ((SECONDS >= __awsmfa_deadline)); }; then
    __awsmfa_apply
  fi
  # The next precmd function and the prompt see the user's $?.
  \builtin return "$__awsmfa_rc"
}

# On cd, so that `cd infra && terraform plan` already has the credentials.
__awsmfa_chpwd() {
  __awsmfa_precmd
}

__awsmfa_apply() {
  # zsh's own defaults whatever the user's options (KSH_ARRAYS, SH_WORD_SPLIT,
  # NO_UNSET, ALL_EXPORT...), and LOCAL_TRAPS: the user's INT trap comes
  # back when this function returns.
  \builtin emulate -L zsh
  \builtin local __awsmfa_out
  # Recorded before awsmfa runs: if it fails or is interrupted, the next
  # prompt does not try again at once (a cd does; a refresh retries in 60 s).
  __awsmfa_pwd=$PWD
  [[ -z $__awsmfa_deadline ]] || __awsmfa_deadline=$((SECONDS + 60))
  # printf is a builtin: the state is written into the pipe, never in argv.
  __awsmfa_out=$(\builtin printf '%s' "$__awsmfa_state" | __AWSMFA_EXE__ hook zsh) || :
  # Ctrl-C must not leave half of the new environment applied.
  \builtin trap -- '' INT
  \builtin eval -- "$__awsmfa_out"
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

# add-zsh-hook appends after the hooks already there, and never twice.
\builtin autoload -Uz add-zsh-hook
add-zsh-hook precmd __awsmfa_precmd
add-zsh-hook chpwd __awsmfa_chpwd
