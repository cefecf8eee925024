//! The intents of the HealthOmics plan: what a workflow run does through the
//! service role, and what the people who start runs do with the user policy.

use super::{Intents, Subject};
use crate::answers::{Omics, ValidAnswers};
use crate::iam::names::Slot;
use crate::plan::omics::{LOG_GROUP, SERVICE};

impl Intents {
    pub(super) fn omics(&mut self, answers: &ValidAnswers, o: &Omics) {
        let role_name = answers.name(Slot::OmicsServiceRole);
        let role = Subject::role(role_name.clone());
        let source_arn = self.arn("omics", true, "run/1234567");
        let account = self.account.clone();
        self.trusted_by_with(
            &role,
            SERVICE,
            &[
                ("aws:SourceAccount", account),
                ("aws:SourceArn", source_arn),
            ],
            "HealthOmics takes this role for each run of this account it is given to",
        );
        for bucket in &o.buckets {
            let object = self.s3(&format!("{bucket}/onramp-verify/run/out.bam"));
            self.allows(
                &role,
                &["s3:GetObject", "s3:PutObject"],
                &object,
                &format!("a run reads its inputs from and writes its output to bucket {bucket}"),
            );
        }
        for bucket in &o.read_only_buckets {
            let object = self.s3(&format!("{bucket}/onramp-verify/reference.fasta"));
            self.allows(
                &role,
                &["s3:GetObject"],
                &object,
                &format!("a run reads reference data from bucket {bucket}"),
            );
            self.denies(
                &role,
                "s3:PutObject",
                &object,
                &format!("bucket {bucket} is read-only: nothing lets a run write to it"),
            );
        }
        for bucket in o.every_bucket() {
            let whole = self.s3(bucket);
            self.allows(
                &role,
                &["s3:ListBucket"],
                &whole,
                &format!("a run lists the keys of bucket {bucket}"),
            );
        }
        let group = self.arn("logs", true, &format!("log-group:{LOG_GROUP}:*"));
        self.allows(
            &role,
            &["logs:CreateLogGroup"],
            &group,
            "the first run of the account creates the workflow log group",
        );
        let stream = self.arn(
            "logs",
            true,
            &format!("log-group:{LOG_GROUP}:log-stream:run/1234567/engine"),
        );
        self.allows(
            &role,
            &[
                "logs:DescribeLogStreams",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            &stream,
            "a run writes its engine, run and task logs to the workflow log group",
        );
        let repositories = if o.ecr_repositories.is_empty() {
            vec!["any-repository".to_owned()]
        } else {
            o.ecr_repositories.clone()
        };
        for repository in repositories {
            let arn = self.arn("ecr", true, &format!("repository/{repository}"));
            self.allows(
                &role,
                &[
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                &arn,
                &format!("a run pulls its task images from ECR repository {repository}"),
            );
        }
        if let Some(key) = &o.kms_key_arn {
            self.allows(
                &role,
                &["kms:Decrypt", "kms:GenerateDataKey"],
                key,
                "a run reads and writes data encrypted with the customer managed key",
            );
        }

        let user = Subject::Policies {
            label: "HealthOmics user".into(),
            names: vec![answers.name(Slot::OmicsUserPolicy)],
        };
        let run = self.arn("omics", true, "run/1234567");
        let workflow = self.arn("omics", true, "workflow/7654321");
        for resource in [&run, &workflow] {
            self.allows(
                &user,
                &["omics:StartRun"],
                resource,
                "people start runs of the account's workflows",
            );
        }
        self.allows(
            &user,
            &["omics:GetRun", "omics:CancelRun", "omics:ListRunTasks"],
            &run,
            "people watch and cancel their runs",
        );
        self.allows(
            &user,
            &["omics:GetWorkflow"],
            &workflow,
            "people read the workflows they run",
        );
        self.allows(
            &user,
            &["omics:ListRuns", "omics:ListWorkflows"],
            "*",
            "people list runs and workflows",
        );
        let role_arn = self.iam_arn(&format!("role{}{role_name}", answers.answers().path));
        self.passes_role(
            &user,
            &role_arn,
            SERVICE,
            "StartRun passes the service role to HealthOmics",
        );
        self.denies(
            &user,
            "iam:PassRole",
            &role_arn,
            "the role is passed to HealthOmics only: without iam:PassedToService = omics.amazonaws.com nothing allows it",
        );
        let other = self.iam_arn(&format!("role{}SomeOtherRole", answers.answers().path));
        self.denies(
            &user,
            "iam:PassRole",
            &other,
            "the user policy passes the HealthOmics service role and no other",
        );
    }
}
