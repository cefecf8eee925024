//! How to check a step worked: read-only `aws iam` commands, each with the
//! output to expect (as the AWS CLI prints JSON), and where the console
//! shows the same.
//!
//! The expected output is written from the plan, so a reader compares it
//! by eye, and a test runs the commands on an account the runbook's steps
//! made and compares what they print with it.

use serde::Serialize;
use serde_json::{Value, json};

use crate::apply::diff::Step;
use crate::export::aws_cli::{self, quote};
use crate::plan::{Resource, Spec};

/// The "Check" part of the step for `r`.
pub fn check(r: &Resource) -> String {
    let name = quote(&r.name);
    let mut out = String::new();
    match &r.spec {
        Spec::ManagedPolicy(_) => {
            out.push_str(&expect(
                &format!(
                    "aws iam get-policy --policy-arn {} --query 'Policy.{{name: PolicyName, path: Path, arn: Arn}}' --output json",
                    quote(&r.arn)
                ),
                &json!({"name": r.name, "path": r.path, "arn": r.arn}),
            ));
            out.push_str(&format!(
                "\nIn the console: **Policies**, search for `{}`; its **Permissions** tab (choose **JSON**)\n\
                 shows the document of this step.\n",
                r.name
            ));
        }
        Spec::Role(role) => {
            out.push_str(&expect(
                &format!(
                    "aws iam get-role --role-name {name} --query 'Role.{{arn: Arn, boundary: PermissionsBoundary.PermissionsBoundaryArn}}' --output json"
                ),
                &json!({"arn": r.arn, "boundary": role.boundary()}),
            ));
            let mut attached = role.managed_policy_arns.clone();
            attached.sort();
            out.push('\n');
            out.push_str(&expect(
                &format!(
                    "aws iam list-attached-role-policies --role-name {name} --query 'sort(AttachedPolicies[].PolicyArn)' --output json"
                ),
                &json!(attached),
            ));
            let inline: Vec<&String> = role.inline_policies.keys().collect();
            out.push('\n');
            out.push_str(&expect(
                &format!(
                    "aws iam list-role-policies --role-name {name} --query 'sort(PolicyNames)' --output json"
                ),
                &json!(inline),
            ));
            out.push_str(&format!(
                "\nIn the console: **Roles**, search for `{}`. The **Permissions** tab lists the\n\
                 policies above (and the boundary, if any); **Trust relationships** shows the trust\n\
                 policy of this step.\n",
                r.name
            ));
        }
        Spec::InstanceProfile(profile) => {
            out.push_str(&expect(
                &format!(
                    "aws iam get-instance-profile --instance-profile-name {name} --query 'InstanceProfile.{{arn: Arn, roles: Roles[].RoleName}}' --output json"
                ),
                &json!({"arn": r.arn, "roles": profile.roles}),
            ));
            if !r.tags.is_empty() {
                out.push_str(&format!(
                    "\nA profile the console made has no tags; add them:\n\n```sh\n{}\n```\n",
                    aws_cli::command(r, &Step::TagInstanceProfile(r.tags.clone()))
                ));
            }
            out.push_str(
                "\nIn the console: the EC2 console lists the profile under the role's name when an\n\
                 instance is launched or modified (**Actions** > **Security** > **Modify IAM role**).\n",
            );
        }
        Spec::ServiceLinkedRole(linked) => {
            out.push_str(&expect(
                &format!(
                    "aws iam get-role --role-name {name} --query 'Role.{{name: RoleName, path: Path}}' --output json"
                ),
                &json!({"name": r.name, "path": r.path}),
            ));
            out.push_str(&format!(
                "\nIn the console: **Roles**, search for `{}`; it says it is a service-linked role of\n\
                 `{}`.\n",
                r.name, linked.service
            ));
        }
    }
    out
}

/// A check command and the output it should print.
fn expect(command: &str, output: &Value) -> String {
    format!(
        "```sh\n{command}\n```\n\nshould print\n\n```text\n{}\n```\n",
        cli_json(output)
    )
}

/// JSON as the AWS CLI prints it: indented by four spaces.
fn cli_json(value: &Value) -> String {
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    match value.serialize(&mut serializer) {
        Ok(()) => String::from_utf8_lossy(&buffer).into_owned(),
        Err(_) => value.to_string(),
    }
}
