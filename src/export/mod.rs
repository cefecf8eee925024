//! Exports of a plan to formats other tools read: CloudFormation, an AWS
//! CLI script, and plain policy documents.

pub mod aws_cli;
pub mod cli_script;
pub mod cloudformation;
pub mod files;
pub mod policies;

use crate::cli::ExportFormat;
use crate::plan::Plan;

/// The text of a single-file export (`cloudformation` or `cli`).
pub fn render(plan: &Plan, format: ExportFormat) -> Result<String, String> {
    match format {
        ExportFormat::Cloudformation => cloudformation::template(plan)
            .map_err(|e| format!("internal error: cannot write the template as YAML: {e}")),
        ExportFormat::Cli => Ok(cli_script::script(plan)),
        ExportFormat::Policies => Err("policies are a directory of files, not one text".into()),
    }
}
