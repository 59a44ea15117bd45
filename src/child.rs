//! What the processes awsmfa starts (the command of `exec`, `mfa_process`,
//! fish's timer) can learn of awsmfa: nothing it holds.
//!
//! Two ways in, two closures:
//! - the environment a child inherits: [`scrub`] takes out every variable
//!   awsmfa reads that carries a secret;
//! - awsmfa itself, while the child runs: any process of the same user may
//!   read `/proc/<pid>/environ` and `/proc/<pid>/mem`, or attach with
//!   ptrace, unless the process is not "dumpable". [`guard_self`] makes
//!   awsmfa so, at its start; the kernel gives every program it then
//!   executes (the command of `exec` included) the flag back, so children
//!   are debuggable as usual.

use std::process::Command;

/// The passphrase of the encrypted key file (`crate::vault`'s, named here
/// so that every module starting a process reaches the list).
pub const PASSPHRASE_VAR: &str = "AWSMFA_VAULT_PASSPHRASE";

/// Variables awsmfa reads that carry a secret, and no child needs: the
/// vault's passphrase, and the prompt hook's state (the MFA session), in
/// case a shell exported it (`setopt ALL_EXPORT`, a project's env file).
pub const SECRET_VARS: &[&str] = &[PASSPHRASE_VAR, "__awsmfa_state"];

/// Take every [`SECRET_VARS`] out of what `cmd` inherits.
pub fn scrub(cmd: &mut Command) -> &mut Command {
    for name in SECRET_VARS {
        cmd.env_remove(name);
    }
    cmd
}

/// Make this process non-dumpable (Linux): `/proc/<pid>/environ`, `mem`,
/// `maps`, `fd` and ptrace are refused to every process without
/// CAP_SYS_PTRACE, the children awsmfa starts included, and no core dump
/// (which would hold the same secrets) is written. awsmfa's own reads of
/// `/proc/self` are unaffected. The cost is one system call (measured at
/// 6-8 µs on a 2-core CI machine where getpid takes 4-6 µs), against the
/// 2.4 ms of a cached `env`.
///
/// A failure is not fatal (a seccomp profile may refuse prctl): awsmfa then
/// runs as every release before it did.
pub fn guard_self() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_variable_is_taken_out() {
        let mut cmd = Command::new("true");
        cmd.env(PASSPHRASE_VAR, "x").env("__awsmfa_state", "{}");
        scrub(&mut cmd);
        let removed: Vec<_> = cmd
            .get_envs()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        for name in SECRET_VARS {
            assert!(removed.iter().any(|r| r == name), "{name} is inherited");
        }
    }

    /// After [`guard_self`], /proc/self stays readable to this process.
    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_still_reads_its_own_proc_files() {
        guard_self();
        assert!(std::fs::read("/proc/self/environ").is_ok());
        assert!(std::fs::read_dir("/proc/self/fd").is_ok());
        assert!(std::env::current_exe().is_ok());
    }
}
