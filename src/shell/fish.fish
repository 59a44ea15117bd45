# awsmfa prompt hook for fish. Load it from the end of
# ~/.config/fish/config.fish:
#
#     awsmfa init fish | source
#
# On each cd and before each prompt it exports the credentials of the
# profile named by the nearest trusted .awsmfa.toml and removes them when
# you leave; before each command (fish_preexec) it refreshes them when their
# deadline has passed. A prompt or a command with nothing to do runs no
# process at all. fish has no clock builtin ($SECONDS), and each builtin
# call costs, so `awsmfa hook` leaves a timer behind (`awsmfa hook-timer`)
# that signals this shell at the deadline, or at once when the project
# file is edited, removed or denied (`awsmfa deny`): before a command the
# check is a variable test; at a prompt a $PWD compare and a test that the
# timer is alive (else the prompt tests the file and reads the clock with
# builtins). awsmfa itself runs only on a cd, when the deadline has passed,
# or when the project file changed.
#
# It also defines the function `awsmfa`: `awsmfa use PROFILE` and
# `awsmfa use --unset` apply `awsmfa env` here and return its exit status;
# `awsmfa reload` looks again after a failure or a Ctrl-C.
#
# __AWSMFA_EXE__ stands for the awsmfa that printed this file.

if status is-interactive
    # Unexported globals. __awsmfa_state is JSON holding the MFA session,
    # which must never reach a child process: it goes to awsmfa on stdin
    # only. It and the deadline survive a second `source`; the directory
    # does not, so the next prompt looks again. Found exported, the state
    # came from the environment (this hook never exports it; a universal
    # one is shadowed by the unexported global): not this shell's, dropped.
    set -g __awsmfa_pwd ''
    if set -qx __awsmfa_state
        set -g __awsmfa_state ''
        set -g __awsmfa_deadline ''
    end
    set -q __awsmfa_state; or set -g __awsmfa_state ''
    set -q __awsmfa_deadline; or set -g __awsmfa_deadline ''
    set -q __awsmfa_file; or set -g __awsmfa_file ''
    set -q __awsmfa_allowance; or set -g __awsmfa_allowance ''
    set -gu __awsmfa_state $__awsmfa_state
    set -gu __awsmfa_deadline $__awsmfa_deadline
    set -gu __awsmfa_file $__awsmfa_file
    set -gu __awsmfa_allowance $__awsmfa_allowance
    # Set by the `awsmfa` function for one `awsmfa hook` after logout; one
    # inherited from a parent would make every look here a logout.
    set -q __AWSMFA_REVOKED; and set -e __AWSMFA_REVOKED

    # __awsmfa_tick sets __awsmfa_now, whole seconds on a clock that only
    # goes forward, without starting a process: Linux's /proc/uptime read
    # by the builtin `read` (time since boot, suspend included); elsewhere
    # fish 3.5's `path mtime` (a file's time plus the time since it);
    # older fish only has `date`. The deadline is on the same clock.
    if test -r /proc/uptime
        function __awsmfa_tick
            read -d . -g __awsmfa_now __awsmfa_frac </proc/uptime
        end
    else if builtin -q path
        function __awsmfa_tick
            set -g __awsmfa_now (math (path mtime /) + (path mtime -R /))
        end
    else
        function __awsmfa_tick
            set -g __awsmfa_now (command date +%s)
        end
    end
    set -gu __awsmfa_now 0
    set -gu __awsmfa_frac 0
    # The timer `awsmfa hook` leaves behind (its pid) sends SIGURG at
    # the deadline or when the project file changes: then __awsmfa_due is
    # set, and the check before each command is a variable test. An older timer of this shell, if any, is
    # stopped by the next `awsmfa hook`.
    set -q __awsmfa_timer; or set -g __awsmfa_timer ''
    set -gu __awsmfa_timer $__awsmfa_timer
    function __awsmfa_on_due --on-signal SIGURG --description 'awsmfa: the refresh deadline passed, or the project file changed'
        set -g __awsmfa_due 1
        # It exits after firing: its pid is no longer ours to stop.
        set -g __awsmfa_timer ''
    end
    # A timer also exits by itself within 30 s of the shell; this is at once.
    function __awsmfa_on_exit --on-event fish_exit
        test -n "$__awsmfa_timer"; and command kill -- -$__awsmfa_timer 2>/dev/null
    end
    # A deadline kept from before this `source` may be on another clock
    # (an older hook's): due now, so the next prompt sets it anew.
    if test -n "$__awsmfa_deadline"
        __awsmfa_tick
        set -g __awsmfa_deadline $__awsmfa_now
    end

    # The awsmfa that printed this hook; if an upgrade moved or removed it,
    # the one on PATH (`command` skips the function below).
    function __awsmfa_exe
        if test -x __AWSMFA_EXE__
            __AWSMFA_EXE__ $argv
        else
            command awsmfa $argv
        end
    end

    # Returns awsmfa's exit status.
    function __awsmfa_apply --description 'awsmfa: update credentials for this directory'
        # Recorded before awsmfa runs: if it fails or is interrupted, the
        # next prompt does not try again at once (a cd or `awsmfa reload`
        # does; a refresh retries in 60 s).
        set -g __awsmfa_pwd $PWD
        set -e __awsmfa_due
        if test -n "$__awsmfa_deadline"
            __awsmfa_tick
            set -g __awsmfa_deadline (math $__awsmfa_now + 60)
        end
        # For awsmfa only (exported from this function): which shell the
        # timer signals, and the timer it replaces.
        set -lx __AWSMFA_SHELL_PID $fish_pid
        set -lx __AWSMFA_TIMER $__awsmfa_timer
        # printf is a builtin: the state goes into the pipe, never in argv.
        # On failure awsmfa still prints what to apply (e.g. leaving a
        # project), so its output is used whatever its exit status.
        set -l out (printf '%s' "$__awsmfa_state" | __awsmfa_exe hook fish | string collect)
        set -l rc $pipestatus[2]
        __awsmfa_source "$out"
        return $rc
    end

    # Ctrl-C must not leave half of the new environment applied: while a
    # handler for SIGINT exists, fish cancels nothing.
    function __awsmfa_source
        test -n "$argv[1]"; or return 0
        function __awsmfa_hold_sigint --on-signal SIGINT
        end
        printf '%s\n' "$argv[1]" | source
        functions --erase __awsmfa_hold_sigint
    end

    # fish restores $status after an event's handlers: the prompt and the
    # user's next handler see the user's own.
    function __awsmfa_on_pwd --on-variable PWD --description 'awsmfa: cd hook'
        __awsmfa_apply
    end

    # With nothing to do, one builtin call: the same directory and, with a
    # deadline, the timer alive, which watches the clock and the project
    # file for this prompt (each more builtin costs as much again). Alive:
    # its working directory resolves, which a zombie's (killed, not yet
    # reaped) does not.
    function __awsmfa_on_prompt --on-event fish_prompt --description 'awsmfa: prompt hook'
        if test "$PWD" != "$__awsmfa_pwd" -o -n "$__awsmfa_deadline" -a ! -e /proc/$__awsmfa_timer/cwd
            __awsmfa_look
        end
    end

    # The prompt's other path: a directory not looked at yet, or no timer
    # (it fired, it was killed, none could start, or there is no /proc to
    # tell). Then the prompt itself tests the project file (edited, removed
    # or denied: newer than its allowance, or either gone) and reads the clock; a
    # deadline passed marks the refresh due for the next command rather
    # than running awsmfa here. (Without /proc the clock is read with
    # `path` on fish 3.5+, with `date` before.)
    function __awsmfa_look
        if test "$PWD" != "$__awsmfa_pwd"
            __awsmfa_apply
        else if test -n "$__awsmfa_file" -a \( "$__awsmfa_file" -nt "$__awsmfa_allowance" -o ! -e "$__awsmfa_file" \)
            __awsmfa_apply
        else
            __awsmfa_tick
            test $__awsmfa_now -lt $__awsmfa_deadline; or set -g __awsmfa_due 1
        end
    end

    # Before each command line: a variable test, no process and no clock.
    function __awsmfa_on_preexec --on-event fish_preexec --description 'awsmfa: refresh before a command'
        set -q __awsmfa_due; and __awsmfa_apply
    end

    # `awsmfa use` applies `awsmfa env` here, and nothing unless it
    # succeeded (`awsmfa use x; and cmd` runs cmd only with x's
    # credentials); `awsmfa reload` looks again now; `awsmfa status` also
    # reports this shell's MFA session (on stdin, like the hook); after
    # `awsmfa allow` or `deny` the next prompt looks again; after `awsmfa
    # logout`, or `awsmfa cache clear` of all or of this shell's profile,
    # this shell's credentials go at once. Every form returns awsmfa's exit
    # status.
    function awsmfa --description 'awsmfa, with `use`, `reload` and the prompt hook state for `status`'
        switch "$argv[1]"
            case use
                set -l out (__awsmfa_exe env --shell fish --announce $argv[2..-1] | string collect)
                set -l rc $pipestatus[1]
                test $rc -eq 0; or return $rc
                __awsmfa_source "$out"
                return 0
            case reload
                __awsmfa_apply
            case status
                printf '%s' "$__awsmfa_state" | __awsmfa_exe status --shell-state $argv[2..-1]
            case '*'
                __awsmfa_exe $argv
                set -l rc $status
                if contains -- "$argv[1]" allow deny
                    set -g __awsmfa_pwd ''
                else if test $rc -eq 0; and begin
                        test "$argv[1]" = logout; or test "$argv[1]" = cache -a "$argv[2]" = clear
                    end
                    set -lx __AWSMFA_REVOKED "$argv[1..3]"
                    __awsmfa_apply
                end
                return $rc
        end
    end
end
