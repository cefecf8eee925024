//! AWS HealthOmics: the service role a workflow run acts through, and the
//! managed policy of the people who start, watch and cancel runs.
//!
//! Where the Genomics Workflows on AWS guide (archived in 2023) needed a
//! Batch environment of roles, HealthOmics runs the workflow itself and
//! needs one role: it reads and writes S3, writes the run's logs, pulls the
//! workflow's images from Amazon ECR and, with a customer managed key, uses
//! that key. The documents follow the HealthOmics user guide; each
//! resource's notes name the page every statement comes from.
//!
//! The service role's permissions are an inline policy, not a managed one:
//! they are this role's alone (no other role would take a run's buckets and
//! images), they live and die with the role, and an inline role policy may
//! be 10,240 characters where a managed one stops at 6,144, which leaves
//! room for long bucket and repository lists.

use std::collections::BTreeMap;

use super::Builder;
use crate::answers::Omics;
use crate::iam::names::{EntityKind, Slot};
use crate::iam::partition::passed_to_service;
use crate::templates::{self, Template, TemplateError};

/// The service the role is for and is passed to.
pub const SERVICE: &str = "omics.amazonaws.com";

/// The log group HealthOmics writes every run's logs to.
pub const LOG_GROUP: &str = "/aws/omics/WorkflowLog";

/// The name of the service role's inline policy.
pub const SERVICE_ROLE_POLICY: &str = "OmicsWorkflowRunPolicy";

/// "Service roles for AWS HealthOmics": the trust policy and the example
/// policy for starting a run (S3, the workflow log group, ECR).
pub const SERVICE_ROLE_SOURCE: &str =
    "https://docs.aws.amazon.com/omics/latest/dev/permissions-service.html";
/// "Cross-service confused deputy prevention" of the HealthOmics guide.
pub const CONFUSED_DEPUTY_SOURCE: &str =
    "https://docs.aws.amazon.com/omics/latest/dev/cross-service-confused-deputy-prevention.html";
/// "Identity-based IAM policies for HealthOmics".
pub const USER_SOURCE: &str = "https://docs.aws.amazon.com/omics/latest/dev/permissions-user.html";
/// "Amazon ECR permissions": the repository policy HealthOmics needs.
pub const ECR_SOURCE: &str = "https://docs.aws.amazon.com/omics/latest/dev/permissions-ecr.html";
/// The Service Authorization Reference for HealthOmics (actions, resource
/// types, condition keys).
pub const ACTIONS_SOURCE: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awshealthomics.html";

/// The regions AWS lists HealthOmics endpoints for, all in the `aws`
/// partition ([`REGIONS_SOURCE`]); HealthOmics is in no other partition.
pub const REGIONS: [&str; 7] = [
    "us-east-1",
    "us-west-2",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "ap-southeast-1",
    "il-central-1",
];
/// "Service quotas and endpoints for AWS HealthOmics" of the AWS General
/// Reference.
pub const REGIONS_SOURCE: &str =
    "https://docs.aws.amazon.com/general/latest/gr/healthomics-quotas.html";

/// Whether AWS lists HealthOmics for `region`; lint warns when not.
pub fn offered_in(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// The repository policy statement every private ECR repository a workflow
/// uses needs, outside IAM (it is set on the repository, not on a role).
pub const ECR_REPOSITORY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OmicsWorkflowAccess","Effect":"Allow","Principal":{"Service":"omics.amazonaws.com"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchCheckLayerAvailability"]}]}"#;

/// Adds the service role, then the user policy that may pass it.
pub fn add(b: &mut Builder<'_>, o: &Omics) -> Result<(), TemplateError> {
    let role = b.answers.name(Slot::OmicsServiceRole);
    let role_arn = b.arn(EntityKind::Role, &role);

    let trust = templates::fill(Template::OmicsTrust, &b.base_vars())?;
    let permissions = service_role_policy(b, o)?;
    let repositories = if o.ecr_repositories.is_empty() {
        "every ECR repository of the account in the region".to_owned()
    } else {
        format!("the ECR repositories {}", o.ecr_repositories.join(", "))
    };
    let mut notes = vec![
        format!("Trusted by {SERVICE} as the guide's trust policy says ({SERVICE_ROLE_SOURCE})."),
        format!(
            "The trust policy adds the confused-deputy conditions the guide recommends: aws:SourceAccount is this account and aws:SourceArn any HealthOmics resource of it in the region ({CONFUSED_DEPUTY_SOURCE}). The guide writes the ARN test with StringLike; onramp uses ArnLike, the ARN operator, which matches the same ARNs."
        ),
        format!(
            "S3: s3:GetObject and s3:ListBucket on every bucket, s3:PutObject only on `buckets` (read_only_buckets are never written), as in the guide's example for starting a run ({SERVICE_ROLE_SOURCE}). A run that uses call caching also needs its cache location here."
        ),
        format!(
            "Logs: logs:CreateLogGroup on {LOG_GROUP} and logs:DescribeLogStreams, logs:CreateLogStream and logs:PutLogEvents on its streams, the guide's example ({SERVICE_ROLE_SOURCE})."
        ),
        format!(
            "ECR: ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability on {repositories} ({SERVICE_ROLE_SOURCE})."
        ),
        format!(
            "A private ECR repository also needs a repository policy letting {SERVICE} pull, which is set on the repository, not in IAM, so onramp does not make it ({ECR_SOURCE}); add this statement to each repository's policy: {ECR_REPOSITORY_POLICY}"
        ),
    ];
    if let Some(key) = &o.kms_key_arn {
        notes.push(format!(
            "KMS: kms:Decrypt and kms:GenerateDataKey on {key}, for data encrypted with that customer managed key. The key's own policy must also let this account's IAM policies use it."
        ));
    }
    notes.push(format!(
        "The permissions are an inline policy ({SERVICE_ROLE_POLICY}): they belong to this role only, and an inline role policy may be 10,240 characters where a managed one stops at 6,144."
    ));
    b.add_role_trusting(
        role,
        "Role AWS HealthOmics workflow runs act through: data buckets, run logs, ECR images",
        trust,
        Vec::new(),
        BTreeMap::from([(SERVICE_ROLE_POLICY.to_owned(), permissions)]),
        notes,
    );

    let vars = b
        .base_vars()
        .set("service_role_arn", role_arn.clone())
        .set_list("omics_passed_to_service", passed_to_service(SERVICE));
    let user = templates::fill(Template::OmicsUser, &vars)?;
    b.add_policy(
        b.answers.name(Slot::OmicsUserPolicy),
        "Lets people start, watch and cancel AWS HealthOmics runs and pass them the service role",
        user,
        vec![
            format!(
                "The guide's example user policy grants omics:* and iam:PassRole on every role ({USER_SOURCE}); onramp grants only what starting, watching and cancelling runs and reading workflows needs, each action and resource type as the Service Authorization Reference lists it ({ACTIONS_SOURCE})."
            ),
            format!(
                "omics:StartRun on the account's runs, workflows and run groups; omics:GetRun, omics:CancelRun, omics:ListRunTasks and omics:GetRunTask on runs and their tasks; omics:GetWorkflow on workflows; omics:ListRuns and omics:ListWorkflows, which take no resource, on `*` ({ACTIONS_SOURCE})."
            ),
            format!(
                "iam:PassRole only on {role_arn}, and only to {SERVICE} (iam:PassedToService), the condition of the guide's example ({USER_SOURCE})."
            ),
            format!(
                "Reading the run logs in {LOG_GROUP} is not granted: the guide asks nothing of the kind for starting runs; give CloudWatch Logs read access separately if people read the logs."
            ),
            "Ready2Run workflows (AWS's own, not in this account) are not covered by the workflow resources here.".into(),
        ],
    );
    Ok(())
}

/// The service role's inline policy: the statements the answers call for.
fn service_role_policy(b: &Builder<'_>, o: &Omics) -> Result<serde_json::Value, TemplateError> {
    let repositories = if o.ecr_repositories.is_empty() {
        vec!["*".to_owned()]
    } else {
        o.ecr_repositories.clone()
    };
    let mut vars = b
        .base_vars()
        .set_list("read_bucket", o.every_bucket().cloned().collect())
        .set_list("write_bucket", o.buckets.clone())
        .set_list("ecr_repository", repositories);
    let mut tree = Template::OmicsServiceRole.tree()?;
    match &o.kms_key_arn {
        Some(key) => vars = vars.set("kms_key_arn", key.clone()),
        None => templates::remove_statement(&mut tree, "UseDataKey"),
    }
    templates::fill_tree(tree, Template::OmicsServiceRole, &vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Plan, Resource, plan_of_valid_toml};
    use serde_json::{Value, json};

    const ANSWERS: &str = "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[omics]\nbuckets = [\"omics-output\"]\nread_only_buckets = [\"omics-reference\"]\n";

    fn plan_with(extra: &str) -> Plan {
        plan_of_valid_toml(&format!("{ANSWERS}{extra}"))
    }

    fn role(plan: &Plan) -> &Resource {
        plan.get(EntityKind::Role, "OmicsWorkflowServiceRole")
            .expect("the service role is planned")
    }

    fn user(plan: &Plan) -> &Resource {
        plan.get(EntityKind::ManagedPolicy, "OmicsWorkflowUserPolicy")
            .expect("the user policy is planned")
    }

    /// The statement with this Sid of the role's inline policy.
    fn statement(plan: &Plan, sid: &str) -> Option<Value> {
        let spec = role(plan).role().expect("a role");
        let doc = &spec.inline_policies[SERVICE_ROLE_POLICY];
        statement_of(doc, sid)
    }

    fn statement_of(doc: &Value, sid: &str) -> Option<Value> {
        doc["Statement"]
            .as_array()?
            .iter()
            .find(|s| s["Sid"] == sid)
            .cloned()
    }

    /// The note of `resource` that mentions `needle`, which must name `source`.
    fn assert_note(resource: &Resource, needle: &str, source: &str) {
        let note = resource
            .notes
            .iter()
            .find(|n| n.contains(needle))
            .unwrap_or_else(|| panic!("no note on {needle}: {:#?}", resource.notes));
        assert!(note.contains(source), "{note} does not name {source}");
    }

    #[test]
    fn the_trust_policy_is_omics_with_the_confused_deputy_conditions() {
        let plan = plan_with("");
        let spec = role(&plan).role().unwrap();
        assert_eq!(
            spec.trust_policy["Statement"][0],
            json!({
                "Effect": "Allow",
                "Principal": {"Service": "omics.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": "123456789012"},
                    "ArnLike": {"aws:SourceArn": "arn:aws:omics:us-east-1:123456789012:*"}
                }
            })
        );
        assert_note(role(&plan), "Trusted by", SERVICE_ROLE_SOURCE);
        assert_note(role(&plan), "aws:SourceAccount", CONFUSED_DEPUTY_SOURCE);
        assert!(spec.managed_policy_arns.is_empty());
    }

    #[test]
    fn every_bucket_is_read_and_listed_but_only_buckets_are_written() {
        let plan = plan_with("");
        assert_eq!(
            statement(&plan, "ReadObjects").unwrap()["Resource"],
            json!([
                "arn:aws:s3:::omics-output/*",
                "arn:aws:s3:::omics-reference/*"
            ])
        );
        assert_eq!(
            statement(&plan, "ListBuckets").unwrap()["Resource"],
            json!(["arn:aws:s3:::omics-output", "arn:aws:s3:::omics-reference"])
        );
        let write = statement(&plan, "WriteObjects").unwrap();
        assert_eq!(write["Action"], "s3:PutObject");
        assert_eq!(write["Resource"], json!(["arn:aws:s3:::omics-output/*"]));
        assert_note(role(&plan), "s3:PutObject only", SERVICE_ROLE_SOURCE);
    }

    #[test]
    fn the_run_logs_go_to_the_workflow_log_group() {
        let plan = plan_with("");
        let group = statement(&plan, "CreateWorkflowLogGroup").unwrap();
        assert_eq!(group["Action"], "logs:CreateLogGroup");
        assert_eq!(
            group["Resource"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/omics/WorkflowLog:*"
        );
        let streams = statement(&plan, "WriteWorkflowLogs").unwrap();
        assert_eq!(
            streams["Action"],
            json!([
                "logs:DescribeLogStreams",
                "logs:CreateLogStream",
                "logs:PutLogEvents"
            ])
        );
        assert_eq!(
            streams["Resource"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/omics/WorkflowLog:log-stream:*"
        );
        assert_note(role(&plan), "logs:CreateLogGroup", SERVICE_ROLE_SOURCE);
    }

    #[test]
    fn images_are_pulled_from_every_repository_or_the_named_ones() {
        let plan = plan_with("");
        let pull = statement(&plan, "PullImages").unwrap();
        assert_eq!(
            pull["Action"],
            json!([
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability"
            ])
        );
        assert_eq!(
            pull["Resource"],
            json!(["arn:aws:ecr:us-east-1:123456789012:repository/*"])
        );
        assert_note(role(&plan), "every ECR repository", SERVICE_ROLE_SOURCE);
        assert_note(role(&plan), "repository policy", ECR_SOURCE);

        let named = plan_with("ecr_repositories = [\"gatk\", \"tools/bwa\"]\n");
        assert_eq!(
            statement(&named, "PullImages").unwrap()["Resource"],
            json!([
                "arn:aws:ecr:us-east-1:123456789012:repository/gatk",
                "arn:aws:ecr:us-east-1:123456789012:repository/tools/bwa"
            ])
        );
        assert_note(role(&named), "gatk, tools/bwa", SERVICE_ROLE_SOURCE);
    }

    #[test]
    fn the_repository_policy_of_the_note_is_json_for_omics() {
        let policy: Value = serde_json::from_str(ECR_REPOSITORY_POLICY).unwrap();
        assert_eq!(
            policy["Statement"][0]["Principal"]["Service"],
            "omics.amazonaws.com"
        );
        assert_eq!(
            policy["Statement"][0]["Action"].as_array().map(Vec::len),
            Some(3)
        );
    }

    #[test]
    fn the_key_is_used_only_when_given() {
        let plan = plan_with("");
        assert_eq!(statement(&plan, "UseDataKey"), None);
        assert!(!role(&plan).notes.iter().any(|n| n.contains("kms:")));

        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let plan = plan_with(&format!("kms_key_arn = \"{key}\"\n"));
        let use_key = statement(&plan, "UseDataKey").unwrap();
        assert_eq!(
            use_key["Action"],
            json!(["kms:Decrypt", "kms:GenerateDataKey"])
        );
        assert_eq!(use_key["Resource"], key);
        assert!(role(&plan).notes.iter().any(|n| n.contains(key)));
    }

    #[test]
    fn the_user_policy_starts_watches_and_cancels_runs_without_omics_star() {
        let plan = plan_with("");
        let doc = &user(&plan).policy().unwrap().document;
        let text = doc.to_string();
        assert!(!text.contains("omics:*"), "{text}");
        let start = statement_of(doc, "StartRuns").unwrap();
        assert_eq!(start["Action"], "omics:StartRun");
        assert_eq!(
            start["Resource"],
            json!([
                "arn:aws:omics:us-east-1:123456789012:run/*",
                "arn:aws:omics:us-east-1:123456789012:workflow/*",
                "arn:aws:omics:us-east-1:123456789012:runGroup/*"
            ])
        );
        let watch = statement_of(doc, "WatchAndCancelRuns").unwrap();
        assert_eq!(
            watch["Action"],
            json!([
                "omics:GetRun",
                "omics:CancelRun",
                "omics:ListRunTasks",
                "omics:GetRunTask"
            ])
        );
        assert_eq!(
            statement_of(doc, "ReadWorkflows").unwrap()["Action"],
            "omics:GetWorkflow"
        );
        let list = statement_of(doc, "ListRunsAndWorkflows").unwrap();
        assert_eq!(list["Resource"], "*");
        assert_note(user(&plan), "omics:StartRun on", ACTIONS_SOURCE);
        assert_note(user(&plan), "omics:*", USER_SOURCE);
    }

    #[test]
    fn the_user_may_pass_only_the_service_role_and_only_to_omics() {
        let plan = plan_with("");
        let doc = &user(&plan).policy().unwrap().document;
        let pass = statement_of(doc, "PassTheServiceRole").unwrap();
        assert_eq!(pass["Action"], "iam:PassRole");
        assert_eq!(
            pass["Resource"],
            "arn:aws:iam::123456789012:role/OmicsWorkflowServiceRole"
        );
        assert_eq!(
            pass["Condition"],
            json!({"StringEquals": {"iam:PassedToService": ["omics.amazonaws.com"]}})
        );
        assert_note(user(&plan), "iam:PassRole only", USER_SOURCE);
    }

    #[test]
    fn the_role_follows_the_answers_path_and_names() {
        let plan = plan_of_valid_toml(&format!(
            "path = \"/omics/\"\nname_prefix = \"lab-\"\n{ANSWERS}"
        ));
        let role = plan
            .get(EntityKind::Role, "lab-OmicsWorkflowServiceRole")
            .unwrap();
        assert_eq!(
            role.arn,
            "arn:aws:iam::123456789012:role/omics/lab-OmicsWorkflowServiceRole"
        );
        let user = plan
            .get(EntityKind::ManagedPolicy, "lab-OmicsWorkflowUserPolicy")
            .unwrap();
        let pass = statement_of(&user.policy().unwrap().document, "PassTheServiceRole").unwrap();
        assert_eq!(pass["Resource"], role.arn.as_str());
    }

    #[test]
    fn lint_warns_where_aws_lists_no_healthomics() {
        use crate::plan::lint::{Level, lint};
        let omics_findings = |plan: &Plan| -> Vec<_> {
            lint(plan)
                .into_iter()
                .filter(|f| f.code == "omics-region")
                .collect()
        };
        assert!(omics_findings(&plan_with("")).is_empty());
        for region in ["ap-south-1", "cn-north-1", "us-gov-west-1"] {
            let plan = plan_of_valid_toml(&ANSWERS.replace("us-east-1", region));
            let found = omics_findings(&plan);
            assert_eq!(found.len(), 1, "{region}: {found:?}");
            assert_eq!(found[0].level, Level::Warning);
            assert_eq!(found[0].resource, "OmicsWorkflowServiceRole");
            assert!(
                found[0].message.contains(region)
                    && found[0].message.contains(REGIONS_SOURCE)
                    && found[0].message.contains("il-central-1"),
                "{}",
                found[0].message
            );
        }
    }

    #[test]
    fn the_longest_answers_fit_an_inline_role_policy() {
        let buckets: Vec<String> = (0..20)
            .map(|i| format!("\"{}{i:02}\"", "b".repeat(61)))
            .collect();
        let repos: Vec<String> = (0..10)
            .map(|i| format!("\"{}{i:02}\"", "r".repeat(100)))
            .collect();
        let plan = plan_of_valid_toml(&format!(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\n[omics]\nbuckets = [{}]\necr_repositories = [{}]\n",
            buckets.join(", "),
            repos.join(", ")
        ));
        let spec = role(&plan).role().unwrap();
        let size = crate::iam::limits::policy_size(&spec.inline_policies[SERVICE_ROLE_POLICY]);
        assert!(
            size > 6_144 && size < crate::iam::limits::INLINE_POLICIES_PER_ROLE_SIZE,
            "{size}"
        );
    }
}
