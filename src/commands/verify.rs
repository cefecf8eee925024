//! `onramp verify`: can every planned role and policy do its job? Offline
//! against the plan, or against what the account holds now.

use std::io::Write;
use std::path::Path;

use super::plan::valid_answers;
use super::{Context, Failure, plan_and_lint, write};
use crate::cli::{Outcome, PlanFormat};
use crate::cloud::Quotas;
use crate::verify::{self, Source};

pub async fn verify(
    ctx: &Context<'_>,
    path: Option<&Path>,
    offline: bool,
    format: PlanFormat,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Failure> {
    let answers = ctx.answers(path)?;
    let (valid, cloud) = valid_answers(ctx, &answers, !offline).await?;
    // Quotas only change findings, which verify does not print.
    let (plan, _) = plan_and_lint(&valid, &Quotas::default())?;
    let intents = verify::intents(&valid, &plan);
    let (source, outcomes) = match cloud.filter(|_| !offline) {
        None => (
            Source::Plan,
            verify::check(&intents, |s| verify::offline::evidence(&plan, s)),
        ),
        Some(cloud) => {
            // No credentials, a wrong endpoint: said once, not as the
            // reason of every intent.
            cloud.identity().await?;
            let mut outcomes = verify::online::check(cloud.as_ref(), &plan, &intents).await;
            match verify::online::simulate(cloud.as_ref(), &plan, &intents).await {
                Ok(decisions) => verify::with_simulation(&mut outcomes, &decisions),
                Err(why) => write(
                    stderr,
                    &format!(
                        "onramp: IAM's policy simulator could not be asked ({why}); the account's documents were judged alone\n"
                    ),
                )?,
            }
            (Source::Account, outcomes)
        }
    };
    let text = match format {
        PlanFormat::Text => verify::report_text(source, &outcomes),
        PlanFormat::Json => verify::report_json(source, &outcomes),
    };
    write(stdout, &text)?;
    let (holds, total) = verify::tally(&outcomes);
    Ok(if holds == total {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}
