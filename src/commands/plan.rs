//! `plan` and `export`: what would be created, printed or
//! written to files. No mutating call; the cloud is asked only for the
//! account id when the answers do not give it, and then (or with `--demo`,
//! or `plan --validate`) for its IAM quotas too, which the plan is checked
//! against. Offline, the plan is checked against IAM's default quotas, and
//! the findings say so.

use std::io::Write;
use std::path::Path;

use super::{Context, Failure, account_quotas, plan_and_lint, write};
use crate::answers::{Answers, ValidAnswers};
use crate::cli::{ExportFormat, Outcome, PlanFormat};
use crate::cloud::advice::{self, DocumentFindings};
use crate::cloud::{Cloud, Quotas};
use crate::export;
use crate::output;
use crate::plan::Plan;
use crate::plan::lint;

/// Valid answers, asking the cloud for the account only when the answers and
/// `--demo` do not give it; the cloud, when one was connected (always with
/// `--demo`, whose account is in memory) or `connect` asks for one.
pub(crate) async fn valid_answers(
    ctx: &Context<'_>,
    answers: &Answers,
    connect: bool,
) -> Result<(ValidAnswers, Option<Box<dyn Cloud>>), Failure> {
    if answers.account_id.is_some() || ctx.cli.demo {
        let cloud = if connect || ctx.cli.demo {
            Some(ctx.connect(answers).await?)
        } else {
            None
        };
        return Ok((ctx.validate(answers, None)?, cloud));
    }
    let cloud = ctx.connect(answers).await?;
    let identity = cloud.identity().await?;
    Ok((ctx.validate(answers, Some(&identity))?, Some(cloud)))
}

/// The quotas to lint with: the account's when there is a cloud to ask.
async fn quotas(cloud: Option<&dyn Cloud>, stderr: &mut dyn Write) -> Result<Quotas, Failure> {
    match cloud {
        Some(cloud) => account_quotas(cloud, stderr).await,
        None => Ok(Quotas::default()),
    }
}

pub async fn plan(
    ctx: &Context<'_>,
    path: Option<&Path>,
    format: PlanFormat,
    validate: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Failure> {
    let answers = ctx.answers(path)?;
    let (valid, cloud) = valid_answers(ctx, &answers, validate).await?;
    let quotas = quotas(cloud.as_deref(), stderr).await?;
    let (plan, findings) = plan_and_lint(&valid, &quotas)?;
    let analyzed = match (validate, cloud.as_deref()) {
        (true, Some(cloud)) => match advice::validate_plan(cloud, &plan).await {
            Ok(found) => Some(found),
            Err(e) => {
                write(stderr, &format!("onramp: {}\n", advice::analyzer_note(&e)))?;
                None
            }
        },
        _ => None,
    };
    let text = match format {
        PlanFormat::Text => {
            let mut text = output::plan_text(&plan, &findings);
            if let Some(found) = &analyzed {
                text.push_str(&analyzer_text(found));
            }
            text
        }
        PlanFormat::Json => match &analyzed {
            Some(found) => analyzer_json(&output::plan_json(&plan, &findings), found),
            None => output::plan_json(&plan, &findings),
        },
    };
    write(stdout, &text)?;
    Ok(if lint::has_errors(&findings) {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// `plan --validate`, as text: Access Analyzer's findings, document by
/// document.
fn analyzer_text(found: &[DocumentFindings]) -> String {
    let total: usize = found.iter().map(|d| d.findings.len()).sum();
    let mut out = format!(
        "\nAccess Analyzer (ValidatePolicy): {total} finding{} in {} document{}\n",
        if total == 1 { "" } else { "s" },
        found.len(),
        if found.len() == 1 { "" } else { "s" }
    );
    for d in found {
        let label = d.label.replace('_', " ");
        match d.findings.len() {
            0 => out.push_str(&format!(
                "  {} {} ({label}): no findings\n",
                d.id.kind.noun(),
                d.id.name
            )),
            n => {
                out.push_str(&format!(
                    "  {} {} ({label}): {n} finding{}\n",
                    d.id.kind.noun(),
                    d.id.name,
                    if n == 1 { "" } else { "s" }
                ));
                for f in &d.findings {
                    out.push_str(&format!("    {f}\n"));
                    if let Some(link) = &f.learn_more {
                        out.push_str(&format!("      {link}\n"));
                    }
                }
            }
        }
    }
    out
}

/// `plan --validate --format json`: the plan's JSON with
/// `"access_analyzer": [{"kind", "name", "document", "findings"}]`.
fn analyzer_json(plan_json: &str, found: &[DocumentFindings]) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(plan_json) else {
        return plan_json.to_owned();
    };
    let documents: Vec<serde_json::Value> = found
        .iter()
        .map(|d| {
            serde_json::json!({
                "kind": d.id.kind,
                "name": d.id.name,
                "document": d.label,
                "findings": d.findings,
            })
        })
        .collect();
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("access_analyzer".into(), documents.into());
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

pub async fn export(
    ctx: &Context<'_>,
    path: Option<&Path>,
    format: ExportFormat,
    out: Option<&Path>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Failure> {
    if format == ExportFormat::Policies && out.is_none() {
        return Err(Failure::usage(
            "export --format policies needs --out DIR, the directory to write the documents to",
        ));
    }
    let answers = ctx.answers(path)?;
    let (valid, cloud) = valid_answers(ctx, &answers, false).await?;
    let quotas = quotas(cloud.as_deref(), stderr).await?;
    let (plan, findings) = plan_and_lint(&valid, &quotas)?;
    if lint::has_errors(&findings) {
        return Err(Failure::failed(format!(
            "nothing exported: the plan has errors\n{}",
            output::findings_text(&findings)
        )));
    }
    if let Some(note) = existing_note(&plan, format) {
        write(stderr, &format!("onramp: {note}\n"))?;
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

/// What an export does with the answers' `adopt` and `keep`, which only
/// `apply` acts on: said, so that a template is not deployed expecting an
/// adoption it cannot make.
fn existing_note(plan: &Plan, format: ExportFormat) -> Option<&'static str> {
    if plan.existing.is_empty() {
        return None;
    }
    match format {
        ExportFormat::Cloudformation => Some(
            "adopt and keep are for `onramp apply` only: this template creates every planned resource, and a stack cannot create one that already exists (CloudFormation's resource import can take an existing role or policy over)",
        ),
        ExportFormat::Cli => Some(
            "adopt and keep are for `onramp apply` only: this script makes what is missing and adds to what exists, and changes nothing else",
        ),
        ExportFormat::Runbook => Some(
            "adopt and keep are for `onramp apply` only: this runbook makes every planned resource as new",
        ),
        ExportFormat::Policies | ExportFormat::AdminPolicy => None,
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
