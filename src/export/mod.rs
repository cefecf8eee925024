//! Exports of a plan to formats other tools read: CloudFormation, an AWS
//! CLI script, and plain policy documents.

pub mod aws_cli;
pub mod cli_script;
pub mod cloudformation;
pub mod files;
pub mod policies;

use crate::plan::Plan;

/// The text of a single-file export (`cloudformation` or `cli`).
pub fn render(plan: &Plan, format: Format) -> Result<String, String> {
    match format {
        Format::Cloudformation => cloudformation::template(plan)
            .map_err(|e| format!("internal error: cannot write the template as YAML: {e}")),
        Format::Cli => Ok(cli_script::script(plan)),
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
}

impl Format {
    /// The file (or, for policies, directory) name of the export for an
    /// account and region: `onramp-ACCOUNT-REGION.cfn.yaml`, `….sh`, `…-policies`.
    pub fn file_name(self, account_id: &str, region: &str) -> String {
        let suffix = match self {
            Format::Cloudformation => ".cfn.yaml",
            Format::Cli => ".sh",
            Format::Policies => "-policies",
        };
        format!("onramp-{account_id}-{region}{suffix}")
    }

    /// What the export is, in words.
    pub fn noun(self) -> &'static str {
        match self {
            Format::Cloudformation => "CloudFormation template",
            Format::Cli => "AWS CLI script",
            Format::Policies => "policy documents",
        }
    }
}
