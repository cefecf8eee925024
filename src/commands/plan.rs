//! `plan` and `export`: what would be created, printed or
//! written to files. No mutating call; the cloud is asked only for the
//! account id when the answers do not give it.

use std::io::Write;
use std::path::Path;

use super::{Context, Failure, plan_and_lint, write};
use crate::answers::{Answers, ValidAnswers};
use crate::cli::{ExportFormat, Outcome, PlanFormat};
use crate::export;
use crate::output;
use crate::plan::Plan;
use crate::plan::lint;

/// Valid answers, asking the cloud for the account only when the answers and
/// `--demo` do not give it.
async fn valid_answers(ctx: &Context<'_>, answers: &Answers) -> Result<ValidAnswers, Failure> {
    if answers.account_id.is_some() || ctx.cli.demo {
        return ctx.validate(answers, None);
    }
    let identity = ctx.connect(answers).await?.identity().await?;
    ctx.validate(answers, Some(&identity))
}

pub async fn plan(
    ctx: &Context<'_>,
    path: Option<&Path>,
    format: PlanFormat,
    stdout: &mut dyn Write,
) -> Result<Outcome, Failure> {
    let answers = ctx.answers(path)?;
    let valid = valid_answers(ctx, &answers).await?;
    let (plan, findings) = plan_and_lint(&valid)?;
    let text = match format {
        PlanFormat::Text => output::plan_text(&plan, &findings),
        PlanFormat::Json => output::plan_json(&plan, &findings),
    };
    write(stdout, &text)?;
    Ok(if lint::has_errors(&findings) {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

pub async fn export(
    ctx: &Context<'_>,
    path: Option<&Path>,
    format: ExportFormat,
    out: Option<&Path>,
    stdout: &mut dyn Write,
) -> Result<Outcome, Failure> {
    if format == ExportFormat::Policies && out.is_none() {
        return Err(Failure::usage(
            "export --format policies needs --out DIR, the directory to write the documents to",
        ));
    }
    let answers = ctx.answers(path)?;
    let valid = valid_answers(ctx, &answers).await?;
    let (plan, findings) = plan_and_lint(&valid)?;
    if lint::has_errors(&findings) {
        return Err(Failure::failed(format!(
            "nothing exported: the plan has errors\n{}",
            output::findings_text(&findings)
        )));
    }
    match (format, out) {
        (ExportFormat::Policies, Some(dir)) => export_policies(&plan, dir, stdout),
        (_, out) => {
            let text = export::render(&plan, format).map_err(Failure::failed)?;
            match out {
                Some(file) => {
                    export::files::write_file(file, &text, format).map_err(Failure::failed)?;
                    write(stdout, &format!("wrote {}\n", file.display()))?;
                }
                None => write(stdout, &text)?,
            }
            Ok(Outcome::Success)
        }
    }
}

fn export_policies(plan: &Plan, dir: &Path, stdout: &mut dyn Write) -> Result<Outcome, Failure> {
    let written = export::files::write_policies(plan, dir).map_err(Failure::failed)?;
    for path in &written {
        write(stdout, &format!("{}\n", path.display()))?;
    }
    write(
        stdout,
        &format!(
            "wrote {} policy documents to {}\n",
            written.len(),
            dir.display()
        ),
    )?;
    Ok(Outcome::Success)
}
