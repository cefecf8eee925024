//! The console clicks of each step, for the IAM console as it is laid out
//! in 2026 (Policies > Create policy with its JSON policy editor; Roles >
//! Create role with a custom trust policy), and a plain "the console cannot"
//! with the way round it wherever the console has no such setting: an IAM
//! path other than `/`, an instance profile apart from an EC2 role, a
//! service-linked role.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{code_list, console_link, document_block, heading};
use crate::iam::arn::Arn;
use crate::plan::spec::{DOCUMENT, TRUST_POLICY};
use crate::plan::{InstanceProfileSpec, Plan, PolicySpec, Resource, RoleSpec, Spec};

/// The console part of the step for `r`, the `index`th of the plan.
pub fn clicks(plan: &Plan, index: usize, r: &Resource) -> String {
    match &r.spec {
        Spec::ManagedPolicy(policy) => managed_policy(plan, r, policy),
        Spec::Role(role) => self::role(plan, index, r, role),
        Spec::InstanceProfile(profile) => instance_profile(plan, r, profile),
        Spec::ServiceLinkedRole(linked) => format!(
            "AWS makes and maintains this role for `{service}`: its name, trust policy and\n\
             permissions are AWS's, and they cannot be changed. Many services make it\n\
             themselves the first time they are used in the console; to make it now, open\n\
             {console}, choose **Roles**, then **Create role**, **AWS service**, the service,\n\
             and its service-linked use case where the console offers one, or run the command\n\
             below. If the check below finds the role already, this step is done: one per\n\
             account serves everything of the service, and it is fine that it exists.\n",
            service = linked.service,
            console = console_link(plan),
        ),
    }
}

/// The sentence that sends the reader to the CLI when the console cannot
/// place the resource at its path.
fn path_note(r: &Resource) -> Option<String> {
    (r.path != "/").then(|| {
        format!(
            "**The console cannot do this step:** it makes every {noun} at the path `/`, and this\n\
             {noun} belongs at `{path}`. Run the AWS CLI commands below instead (they set the path).\n",
            noun = r.noun(),
            path = r.path
        )
    })
}

fn managed_policy(plan: &Plan, r: &Resource, policy: &PolicySpec) -> String {
    let document = document_block(r, DOCUMENT, &policy.document);
    if let Some(note) = path_note(r) {
        return format!("{note}\n{document}");
    }
    format!(
        "1. Open {console}, choose **Policies**, then **Create policy**.\n\
         2. In the **Policy editor**, choose **JSON**, replace everything in it with the document\n   \
            below, and choose **Next**.\n\
         3. On **Review and create**, enter the **Policy name** `{name}` and the **Description**\n   \
            `{description}`.\n\
         {tags}\
         4. Choose **Create policy**.\n\n\
         {document}",
        console = console_link(plan),
        name = r.name,
        description = policy.description,
        tags = tag_clicks(&r.tags, "Add tags - optional"),
    )
}

/// The tags to add, as one more list item (or nothing).
fn tag_clicks(tags: &BTreeMap<String, String>, section: &str) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let list: Vec<String> = tags
        .iter()
        .map(|(k, v)| format!("   - `{k}` = `{v}`"))
        .collect();
    format!(
        "   Under **{section}**, choose **Add new tag** for each of these keys and values:\n{}\n",
        list.join("\n")
    )
}

fn role(plan: &Plan, index: usize, r: &Resource, role: &RoleSpec) -> String {
    let mut out = String::new();
    let trust = document_block(r, TRUST_POLICY, &role.trust_policy);
    let inline: Vec<String> = role
        .documents()
        .skip(1)
        .map(|(label, doc)| document_block(r, &label, doc))
        .collect();
    if let Some(note) = path_note(r) {
        out.push_str(&note);
        out.push('\n');
        out.push_str(&trust);
        for block in inline {
            out.push('\n');
            out.push_str(&block);
        }
        return out;
    }
    // Each item is one numbered step; continuation lines are indented by three.
    let mut items = vec![
        format!("Open {}, choose **Roles**, then **Create role**.\n", console_link(plan)),
        "For **Trusted entity type**, choose **Custom trust policy**. Replace everything in the\n   \
         **Custom trust policy** editor with the trust policy below, and choose **Next**.\n"
            .to_owned(),
        attach_clicks(plan, index, role),
    ];
    if let Some(boundary) = role.boundary() {
        items.push(format!(
            "Open **Set permissions boundary - optional**, choose to use a permissions boundary\n   \
             to control the role's maximum permissions, and pick `{}` (`{boundary}`).\n",
            policy_name(boundary)
        ));
    }
    items.push("Choose **Next**.\n".to_owned());
    items.push(format!(
        "On **Name, review, and create**, enter the **Role name** `{}` and the **Description**\n   \
         `{}`.\n{}",
        r.name,
        role.description,
        tag_clicks(&r.tags, "Add tags - optional")
    ));
    items.push("Choose **Create role**.\n".to_owned());
    for name in role.inline_policies.keys() {
        items.push(format!(
            "Inline policy `{name}`: open the role (**Roles**, search for `{}`), and on its\n   \
             **Permissions** tab choose **Add permissions**, then **Create inline policy**.\n   \
             Choose **JSON**, replace everything with the document `inline_policies.{name}`\n   \
             below, choose **Next**, enter the **Policy name** `{name}`, and choose **Create policy**.\n",
            r.name
        ));
    }
    for (n, item) in items.iter().enumerate() {
        out.push_str(&format!("{}. {item}", n + 1));
    }
    out.push('\n');
    out.push_str(&trust);
    for block in inline {
        out.push('\n');
        out.push_str(&block);
    }
    out
}

/// Which permissions policies to tick when creating a role.
fn attach_clicks(plan: &Plan, index: usize, role: &RoleSpec) -> String {
    if role.managed_policy_arns.is_empty() {
        return "On **Add permissions**, tick no policy.\n".to_owned();
    }
    let mut out =
        "On **Add permissions**, search for each of these policies and tick it:\n".to_owned();
    for arn in &role.managed_policy_arns {
        let name = policy_name(arn);
        let made_here = plan
            .resources
            .iter()
            .take(index)
            .position(|p| p.policy().is_some() && p.arn == *arn);
        let whose = match made_here {
            Some(at) => format!("made in {}", heading(at, &plan.resources[at])),
            None if is_aws_managed(arn) => "AWS managed".to_owned(),
            None => "customer managed, already in the account".to_owned(),
        };
        out.push_str(&format!("   - `{name}` ({whose}): `{arn}`\n"));
    }
    out
}

/// The name at the end of a policy ARN.
fn policy_name(arn: &str) -> String {
    arn.parse::<Arn>()
        .map_or_else(|_| arn.to_owned(), |a| a.name().to_owned())
}

fn is_aws_managed(arn: &str) -> bool {
    arn.parse::<Arn>().is_ok_and(|a| a.is_aws_managed_policy())
}

fn instance_profile(plan: &Plan, r: &Resource, profile: &InstanceProfileSpec) -> String {
    let role = match profile.roles.as_slice() {
        [only] => plan
            .resources
            .iter()
            .find(|other| other.role().is_some() && other.name == *only),
        _ => None,
    };
    let console_makes_it = role.is_some_and(|role| {
        role.name == r.name
            && role.path == "/"
            && r.path == "/"
            && role
                .role()
                .is_some_and(|spec| trusts_ec2(&spec.trust_policy))
    });
    if console_makes_it {
        let tags = if r.tags.is_empty() {
            ""
        } else {
            "\nThe profile the console makes has no tags, and the console cannot tag an instance\n\
             profile: add them with the `tag-instance-profile` command under **Check**.\n"
        };
        format!(
            "The console has no page to create an instance profile. It makes one, named like the\n\
             role, together with a role for EC2 made with **AWS service** and **EC2** as the\n\
             trusted entity, which is what this profile is (`{name}`, holding role `{name}`).\n\
             A role made with a custom trust policy may not get one. Run the check below: if it\n\
             shows the profile with role `{name}`, this step is done; otherwise run the AWS CLI\n\
             commands below.\n{tags}",
            name = r.name
        )
    } else {
        format!(
            "**The console cannot do this step:** it makes an instance profile only together with a\n\
             role for EC2, named like the role, at `/`, and this one ({}) is not\n\
             that. Run the AWS CLI commands below.\n",
            why_not(r, profile)
        )
    }
}

/// How the profile differs from what the console would make.
fn why_not(r: &Resource, profile: &InstanceProfileSpec) -> String {
    let mut reasons = Vec::new();
    if profile.roles.len() != 1 || profile.roles.first() != Some(&r.name) {
        reasons.push(format!(
            "it holds {} under another name",
            code_list(&profile.roles)
        ));
    }
    if r.path != "/" {
        reasons.push(format!("its path is `{}`", r.path));
    }
    if reasons.is_empty() {
        reasons.push("its role does not trust EC2".to_owned());
    }
    reasons.join("; ")
}

/// Whether a trust policy names EC2 (in any partition) as a service principal.
fn trusts_ec2(trust: &Value) -> bool {
    let mut found = false;
    super::strings(trust, &mut |s| {
        found |= s == "ec2.amazonaws.com" || s == "ec2.amazonaws.com.cn";
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan_of_valid_toml;

    #[test]
    fn a_role_at_the_root_with_a_boundary_is_clicked_through_in_numbered_steps() {
        let plan = plan_of_valid_toml(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\n\
             permissions_boundary = \"arn:aws:iam::123456789012:policy/lab-boundary\"\n\
             [genomics]\nbuckets = [\"b-data\"]\n",
        );
        let (index, r) = plan
            .resources
            .iter()
            .enumerate()
            .find(|(_, r)| r.name == "ecsInstanceRole" && r.role().is_some())
            .unwrap();
        let text = clicks(&plan, index, r);
        let numbers: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once(". ").map(|(n, _)| n))
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
            .collect();
        assert_eq!(numbers, ["1", "2", "3", "4", "5", "6", "7"], "{text}");
        assert!(
            text.contains("**Set permissions boundary - optional**"),
            "{text}"
        );
        assert!(text.contains("`lab-boundary` (`arn:aws:iam::123456789012:policy/lab-boundary`)"));
        assert!(text.contains("(made in Step 1: Managed policy `s3bucket-access-us-east-1`)"));
        assert!(
            text.contains("`AmazonEC2ContainerServiceforEC2Role` (AWS managed)"),
            "{text}"
        );
        assert!(!text.contains("cannot"), "{text}");
    }

    #[test]
    fn only_an_ec2_trust_counts_as_trusting_ec2() {
        let trust = |service: &str| serde_json::json!({"Statement": [{"Principal": {"Service": [service]}}]});
        assert!(trusts_ec2(&trust("ec2.amazonaws.com")));
        assert!(trusts_ec2(&trust("ec2.amazonaws.com.cn")));
        assert!(!trusts_ec2(&trust("ecs-tasks.amazonaws.com")));
    }
}
