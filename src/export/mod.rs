//! Exports of a plan to formats other tools read: CloudFormation, an AWS
//! CLI script, plain policy documents, a runbook for doing it by hand in the
//! console, and the policy whoever runs onramp needs for the plan.

pub mod aws_cli;
pub mod cli_script;
pub mod cloudformation;
pub mod files;
pub mod policies;
pub mod runbook;

use crate::plan::Plan;
use crate::plan::admin_policy;

/// The text of a single-file export (`cloudformation`, `cli`, `runbook` or
/// `admin-policy`).
pub fn render(plan: &Plan, format: Format) -> Result<String, String> {
    match format {
        Format::Cloudformation => cloudformation::template(plan)
            .map_err(|e| format!("internal error: cannot write the template as YAML: {e}")),
        Format::Cli => Ok(cli_script::script(plan)),
        Format::AdminPolicy => admin_policy::render(plan),
        Format::Runbook => Ok(runbook::runbook(plan)),
        Format::Policies => Err("policies are a directory of files, not one text".into()),
    }
}

/// The formats of `onramp export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A CloudFormation template (YAML), deployable to any account and, with StackSets, to many
    Cloudformation,
    /// A bash script of `aws iam` calls that creates what is missing; safe to run again
    Cli,
    /// One JSON file per policy and trust document
    Policies,
    /// A Markdown runbook: each step in the IAM console, its documents, the same as `aws iam` commands, and how to check it
    Runbook,
    /// The IAM policy (JSON) that whoever runs onramp needs to apply, check and destroy this plan
    AdminPolicy,
}

impl Format {
    /// The file (or, for policies, directory) name of the export for an
    /// account and region: `onramp-ACCOUNT-REGION.cfn.yaml`, `….sh`, `…-policies`,
    /// `….runbook.md`, `….admin-policy.json`.
    pub fn file_name(self, account_id: &str, region: &str) -> String {
        let suffix = match self {
            Format::Cloudformation => ".cfn.yaml",
            Format::Cli => ".sh",
            Format::Policies => "-policies",
            Format::Runbook => ".runbook.md",
            Format::AdminPolicy => ".admin-policy.json",
        };
        format!("onramp-{account_id}-{region}{suffix}")
    }

    /// What the export is, in words.
    pub fn noun(self) -> &'static str {
        match self {
            Format::Cloudformation => "CloudFormation template",
            Format::Cli => "AWS CLI script",
            Format::Policies => "policy documents",
            Format::Runbook => "runbook",
            Format::AdminPolicy => "admin policy",
        }
    }
}
