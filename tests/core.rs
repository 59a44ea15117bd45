//! The core flow end to end against moto: one MFA code, then roles.

use crate::support::*;

#[test]
fn bash_eval_then_aws_cli_sees_the_role() {
    let w = World::new();
    let s = w.standard(&["dev"]);
    let out = ok(&w.run(&["env", "dev", "--token-code", "123456"]));
    assert!(out.contains("export AWS_ACCESS_KEY_ID='ASIA"), "{out}");
    let script = format!(
        "{out}\n[ -z \"${{AWS_PROFILE-}}\" ] || exit 9\nexec \"$0\" -m awscli sts get-caller-identity --query Arn --output text"
    );
    let o = w
        .command("bash")
        .args([
            "--norc",
            "-e",
            "-u",
            "-c",
            &script,
            &python().to_string_lossy(),
        ])
        .output()
        .unwrap();
    let arn = ok(&o);
    assert!(
        arn.trim().starts_with(
            &s.roles["dev"]
                .replace(":iam::", ":sts::")
                .replace(":role/", ":assumed-role/")
        ),
        "{arn} vs {}",
        s.roles["dev"]
    );
}
