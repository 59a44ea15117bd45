//! bash: POSIX quoting ([`super::posix`]) and the prompt hook in
//! `bash.bash`, run from PROMPT_COMMAND and, before each command, a DEBUG
//! trap.

super::posix::posix_hook!(Bash, "bash", "bash.bash");
