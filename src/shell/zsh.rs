//! zsh: POSIX quoting ([`super::posix`]) and the prompt hook in
//! `zsh.zsh`, run from the precmd, chpwd and preexec hooks.

super::posix::posix_hook!(Zsh, "zsh", "zsh.zsh");
