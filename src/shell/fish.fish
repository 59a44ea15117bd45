# awsmfa prompt hook for fish. Load it from the end of
# ~/.config/fish/config.fish:
#
#     awsmfa init fish | source
#
# On each cd and before each prompt it exports the credentials of the
# profile named by the nearest trusted .awsmfa.toml, removes them when you
# leave, and refreshes them before they expire. fish has no builtin clock:
# outside a project nothing runs at all (a $PWD compare), inside one a single
# `date +%s` per prompt checks the refresh deadline; awsmfa itself runs only
# on a cd or when that deadline has passed.
#
# __AWSMFA_EXE__ stands for the awsmfa that printed this file.

if status is-interactive
    # Unexported globals. __awsmfa_state is JSON holding the MFA session,
    # which must never reach a child process: it goes to awsmfa on stdin
    # only. It and the deadline survive a second `source`; the directory
    # does not, so the next prompt looks again.
    set -g __awsmfa_pwd ''
    set -q __awsmfa_state; or set -g __awsmfa_state ''
    set -q __awsmfa_deadline; or set -g __awsmfa_deadline ''
    set -gu __awsmfa_state $__awsmfa_state
    set -gu __awsmfa_deadline $__awsmfa_deadline

    function __awsmfa_apply --description 'awsmfa: update credentials for this directory'
        # Recorded before awsmfa runs: if it fails or is interrupted, the
        # next prompt does not try again at once (a cd does).
        set -g __awsmfa_pwd $PWD
        # printf is a builtin: the state goes into the pipe, never in argv.
        # On failure awsmfa still prints what to apply (e.g. leaving a
        # project), so its output is used whatever its exit status.
        set -l out (printf '%s' "$__awsmfa_state" | __AWSMFA_EXE__ hook fish | string collect)
        if test -n "$out"
            # Ctrl-C must not leave half of the new environment applied:
            # while a handler for SIGINT exists, fish cancels nothing.
            function __awsmfa_hold_sigint --on-signal SIGINT
            end
            printf '%s\n' "$out" | source
            functions --erase __awsmfa_hold_sigint
        end
    end

    function __awsmfa_on_pwd --on-variable PWD --description 'awsmfa: cd hook'
        set -l rc $status
        __awsmfa_apply
        return $rc
    end

    function __awsmfa_on_prompt --on-event fish_prompt --description 'awsmfa: prompt hook'
        set -l rc $status
        if test "$PWD" != "$__awsmfa_pwd"
            __awsmfa_apply
        else if test -n "$__awsmfa_deadline"
            set -l now (command date +%s)
            if test "$now" -ge "$__awsmfa_deadline" 2>/dev/null
                # Retry a failed refresh in a minute, not at every prompt.
                set -g __awsmfa_deadline (math $now + 60)
                __awsmfa_apply
            end
        end
        return $rc
    end

    # `awsmfa status` also reports this shell's MFA session (on stdin, like
    # the hook); after `awsmfa allow` or `deny` the next prompt looks again.
    function awsmfa --description 'awsmfa, with the prompt hook state for `status`'
        if test "$argv[1]" = status
            printf '%s' "$__awsmfa_state" | __AWSMFA_EXE__ status --shell-state $argv[2..-1]
        else
            __AWSMFA_EXE__ $argv
        end
        set -l rc $status
        if contains -- "$argv[1]" allow deny
            set -g __awsmfa_pwd ''
        end
        return $rc
    end
end
