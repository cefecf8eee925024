//! `apply` and `status`: observe the account, diff it with the plan, and (for
//! `apply --yes` only) make the changes with a journal.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde_json::json;

use super::interruptible::{self, Ended};
use super::{Context, Failure, write};
use crate::answers::ValidAnswers;
use crate::apply::diff::{Change, State};
use crate::apply::journal::{self, Journal};
use crate::apply::observe;
use crate::apply::ownership;
use crate::apply::permissions::Outcome as Preflight;
use crate::apply::run::{self, ApplyError, Event, Report};
use crate::cli::{Outcome, PlanFormat};
use crate::cloud::Cloud;
use crate::output;
use crate::plan::lint;
use crate::plan::{self as planner, Plan};

/// What `status` and `apply` start from.
struct Observed {
    cloud: Box<dyn Cloud>,
    valid: ValidAnswers,
    plan: Plan,
    changes: Vec<Change>,
    /// The documents that differ from what exists, per resource.
    differences: output::Differences,
    /// The permission preflight, when asked for.
    preflight: Option<Preflight>,
}

/// Everything up to the diff: answers, identity, plan, then in one round
/// ([`observe::survey`]) the quotas (for the lint; a note on `stderr` if
/// they cannot be read), what exists, and (`with_preflight`) the permission
/// preflight. A plan that fails its lint has cost a few reads, and changed
/// nothing.
async fn observed(
    ctx: &Context<'_>,
    source: Source<'_>,
    with_preflight: bool,
    stderr: &mut dyn Write,
) -> Result<Observed, Failure> {
    let mut answers = ctx.answers(source.path)?;
    answers.adopt.extend(source.adopt.iter().cloned());
    let cloud = ctx.connect(&answers).await?;
    let identity = cloud.identity().await?;
    let valid = ctx.validate(&answers, Some(&identity))?;
    let plan =
        planner::plan(&valid).map_err(|e| Failure::failed(format!("internal error: {e}")))?;
    let caller = with_preflight.then_some(identity.arn.as_str());
    let observe::Survey {
        quotas,
        observations,
        preflight,
    } = observe::survey(cloud.as_ref(), &plan, caller).await;
    if let Some(note) = &quotas.note {
        write(stderr, &format!("onramp: {note}\n"))?;
    }
    let (findings, _) = crate::verify::offline::checked(&valid, &plan, &quotas.quotas);
    if lint::has_errors(&findings) {
        return Err(Failure::failed(format!(
            "nothing was changed: the plan has errors\n{}",
            output::findings_text(&findings)
        )));
    }
    let observations = observations?;
    let differences = output::differences(&plan, &observations);
    let changes = observations.into_iter().map(|o| o.change).collect();
    Ok(Observed {
        cloud,
        valid,
        plan,
        changes,
        differences,
        preflight,
    })
}

pub async fn status(
    ctx: &Context<'_>,
    source: Source<'_>,
    format: PlanFormat,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Failure> {
    // No permission preflight here: `status` only reads, often from
    // scripts, and `apply` checks before it changes anything.
    let Observed {
        plan,
        changes,
        differences,
        ..
    } = observed(ctx, source, false, stderr).await?;
    let text = match format {
        PlanFormat::Text => output::changes_text(&plan, &changes, &differences),
        PlanFormat::Json => output::changes_json(&plan, &changes, &differences),
    };
    write(stdout, &text)?;
    Ok(Outcome::Success)
}

pub async fn apply(
    ctx: &Context<'_>,
    source: Source<'_>,
    yes: bool,
    journal_path: Option<&Path>,
    format: PlanFormat,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Failure> {
    let Observed {
        cloud,
        valid,
        plan,
        changes,
        differences,
        preflight,
    } = observed(ctx, source, true, stderr).await?;
    let path = source.path;
    let invocation = invocation(ctx);
    let text = format == PlanFormat::Text;
    if text {
        write(stdout, &output::changes_text(&plan, &changes, &differences))?;
    }
    if changes.iter().any(|c| c.state != State::Unchanged)
        && let Some(outcome) = &preflight
    {
        // Before any change, with or without --yes (a dry run is where a
        // person would rather learn it). Warnings only, on stderr.
        let export = output::command_line(&invocation, &export_args(path));
        if let Some(warning) = preflight_warning(outcome, &export) {
            write(stderr, &warning)?;
        }
    }
    let target = &plan.target;
    let journal_path = journal_path.map_or_else(
        || journal::default_path(&target.account_id, &target.region),
        Path::to_owned,
    );
    let notices = ownership_notices(&journal_path, &plan, &changes)?;
    for warning in &notices.warnings {
        write(stderr, &format!("onramp: warning: {warning}\n"))?;
    }
    if let Some(why) = notices.wrong_journal {
        return Err(Failure::usage(format!("nothing was changed. {why}")));
    }
    let conflicts = changes.iter().any(|c| c.state == State::Conflict);
    if !yes {
        if !text {
            write(stdout, &output::changes_json(&plan, &changes, &differences))?;
        }
        write(
            stderr,
            if conflicts {
                "onramp: nothing was changed; settle the conflicts above, then run again with --yes\n"
            } else {
                "onramp: nothing was changed; run again with --yes to make these changes\n"
            },
        )?;
        return Ok(Outcome::Usage);
    }
    if changes.iter().all(|c| c.state == State::Unchanged) {
        if text {
            write(
                stdout,
                "Nothing to do: everything already matches the plan.\n",
            )?;
        } else {
            write(
                stdout,
                &result_json(
                    &valid,
                    &plan,
                    &changes,
                    None,
                    Ok(&arns_only(&plan)),
                    None,
                    None,
                ),
            )?;
        }
        return Ok(Outcome::Success);
    }
    if conflicts {
        // Decided before anything is printed or opened: a run that will not
        // start must not announce itself, nor leave an empty journal.
        if !text {
            write(stdout, &output::changes_json(&plan, &changes, &differences))?;
        }
        return Err(Failure::failed(format!(
            "nothing was changed; settle the conflicts above, then run again:\n{}",
            run::conflict_list(&changes)
        )));
    }
    let journal = Journal::open(&journal_path).map_err(|e| Failure::failed(e.to_string()))?;
    if text {
        write(
            stdout,
            &format!(
                "\nApplying; every call is recorded in {}\n",
                journal_path.display()
            ),
        )?;
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let retries = tx.clone();
    cloud.observe_retries(std::sync::Arc::new(move |r| {
        let _ = retries.send(Event::Retried {
            action: r.action,
            attempt: r.attempt,
        });
    }));
    let on_event = move |event: Event| {
        let _ = tx.send(event);
    };
    let stop = AtomicBool::new(false);
    let applying = run::apply(cloud.as_ref(), &plan, &changes, &journal, &on_event, &stop);
    let tally = std::cell::RefCell::new(output::RunTally::new(&plan, &changes));
    let print = |event: &Event| {
        tally.borrow_mut().record(event);
        if text {
            write(stdout, &tally.borrow().line(event))
        } else {
            Ok(())
        }
    };
    let ended = interruptible::drive(applying, &mut rx, &stop, print, stderr).await?;
    let tally = tally.into_inner();
    let journal_display = journal_path.display().to_string();
    let next = format!(
        "The journal {journal_display} records every call made; to resume, run `{}`; to undo, run `{}`.",
        output::command_line(&invocation, &resume_args(source, &journal_path)),
        output::undo_command(&invocation, &journal_path),
    );
    let Ended::Finished(result) = ended else {
        if text {
            write(stdout, &tally.text())?;
        }
        return Err(interruptible::abandoned(&next));
    };
    // What was just made, read back and judged: can each role and policy
    // do its job? A report only; the apply stands either way.
    let verified = match &result {
        Ok(_) => {
            let intents = crate::verify::intents(&valid, &plan);
            Some(crate::verify::online::check(cloud.as_ref(), &plan, &intents).await)
        }
        Err(_) => None,
    };
    if !text {
        write(
            stdout,
            &result_json(
                &valid,
                &plan,
                &changes,
                Some(&journal_display),
                result.as_ref(),
                verified.as_deref(),
                Some(&tally),
            ),
        )?;
    }
    match result {
        Ok(report) => {
            if text {
                write(stdout, &output::report_text(&plan, &valid, &report))?;
                write(
                    stdout,
                    &format!(
                        "\nThe journal {journal_display} records every call made; to undo, run `{}`.\n",
                        output::undo_command(&invocation, &journal_path)
                    ),
                )?;
                if let Some(outcomes) = &verified {
                    let verify = output::verify_command(&invocation, path);
                    write(
                        stdout,
                        &crate::verify::summary_text(outcomes, Some(&verify)),
                    )?;
                }
            }
            Ok(Outcome::Success)
        }
        Err(e) => {
            if text {
                write(stdout, &tally.text())?;
            }
            Err(match e {
                ApplyError::Stopped => Failure::interrupted(format!(
                    "stopped on request after the calls in flight.\n{next}"
                )),
                e => Failure::failed(format!("{e}\n{next}")),
            })
        }
    }
}

/// Where a command's answers come from: the file (or the demo's), and the
/// names `--adopt` adds to its `adopt` list.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub path: Option<&'a Path>,
    pub adopt: &'a [String],
}

impl<'a> Source<'a> {
    pub fn new(path: Option<&'a Path>, adopt: &'a [String]) -> Source<'a> {
        Source { path, adopt }
    }
}

/// The options in use that a printed command must repeat.
pub(super) fn invocation(ctx: &Context<'_>) -> output::Invocation {
    output::Invocation {
        demo: ctx.cli.demo,
        profile: ctx.cli.profile.clone(),
        region: ctx.cli.region.clone(),
        endpoint_url: ctx.cli.endpoint_url.clone(),
    }
}

/// `--answers FILE`, when the answers came from a file (the demo's need none).
fn answers_args(path: Option<&Path>) -> Vec<String> {
    path.map(|p| vec!["--answers".to_owned(), p.display().to_string()])
        .unwrap_or_default()
}

/// What a person must know about whose resources this run touches (see
/// [`ownership`]), from the journal as it is before the run.
fn ownership_notices(
    journal_path: &Path,
    plan: &Plan,
    changes: &[Change],
) -> Result<ownership::Notices, Failure> {
    let entries = if journal_path.exists() {
        journal::read(journal_path).map_err(|e| Failure::failed(e.to_string()))?
    } else {
        Vec::new()
    };
    Ok(ownership::notices(
        &entries,
        &journal_path.display().to_string(),
        plan,
        changes,
    ))
}

/// The `apply` that resumes from `journal`, adopting what this one did.
fn resume_args(source: Source<'_>, journal: &Path) -> Vec<String> {
    let mut args = vec!["apply".to_owned()];
    args.extend(answers_args(source.path));
    for name in source.adopt {
        if name == crate::plan::existing::EVERY {
            args.push("--adopt".to_owned());
        } else {
            args.extend(["--adopt".to_owned(), name.clone()]);
        }
    }
    args.extend([
        "--journal".to_owned(),
        journal.display().to_string(),
        "--yes".to_owned(),
    ]);
    args
}

/// The `export` that writes the policy the caller needs.
fn export_args(path: Option<&Path>) -> Vec<String> {
    let mut args = vec!["export".to_owned()];
    args.extend(answers_args(path));
    args.extend(["--format".to_owned(), "admin-policy".to_owned()]);
    args
}

/// How many missing permissions the warning names.
const NAMED: usize = 5;

/// What `apply` tells about the permission preflight on stderr, if anything:
/// nothing when every check passed.
fn preflight_warning(outcome: &Preflight, export: &str) -> Option<String> {
    match outcome {
        Preflight::Allowed { .. } => None,
        Preflight::Missing { checked, denied } => {
            let mut text = format!(
                "onramp: warning: the caller may not be allowed to make {} of the {checked} calls checked:\n",
                denied.len()
            );
            for d in denied.iter().take(NAMED) {
                text.push_str(&format!("  {}\n", d.describe()));
            }
            if denied.len() > NAMED {
                text.push_str(&format!("  … and {} more\n", denied.len() - NAMED));
            }
            text.push_str(&format!(
                "onramp: the apply stops at the first call IAM denies; `{export}` writes the policy the caller needs\n"
            ));
            Some(text)
        }
        Preflight::Root => Some(
            "onramp: warning: running as the account's root user: no permission check needed, \
             but AWS advises an IAM role or user for everyday tasks\n"
                .to_owned(),
        ),
        Preflight::Unchecked(reason) => Some(format!(
            "onramp: could not check permissions beforehand ({reason}); going on\n"
        )),
    }
}

fn arns_only(plan: &Plan) -> Report {
    Report {
        arns: plan
            .resources
            .iter()
            .map(|r| (r.id(), r.arn.clone()))
            .collect(),
        ..Report::default()
    }
}

/// `apply --format json`: `arns` (each with `for` and `goes_in` when it goes
/// in a setting) after a success; `error` and `incomplete` (each planned
/// resource that does not exist as planned) after a failure.
fn result_json(
    valid: &ValidAnswers,
    plan: &Plan,
    changes: &[Change],
    journal: Option<&str>,
    result: Result<&Report, &ApplyError>,
    verified: Option<&[crate::verify::Outcome]>,
    tally: Option<&output::RunTally>,
) -> String {
    let mut value = json!({
        "account_id": plan.target.account_id,
        "region": plan.target.region,
        "journal": journal,
        "changes": changes,
    });
    let destinations = output::destinations(valid, plan, |_| true);
    match result {
        Ok(report) => {
            value["result"] = json!("ok");
            let arns: Vec<_> = report
                .arns
                .iter()
                .map(|(id, arn)| {
                    let mut entry = json!({"kind": id.kind, "name": id.name, "arn": arn});
                    if let Some(d) = destinations.iter().find(|d| d.id == *id) {
                        entry["for"] = json!(d.what);
                        entry["goes_in"] = json!(d.goes_in);
                    }
                    entry
                })
                .collect();
            value["arns"] = json!(arns);
            if let Some(outcomes) = verified {
                let (holds, total) = crate::verify::tally(outcomes);
                let failed: Vec<_> = outcomes.iter().filter(|o| !o.verdict.holds()).collect();
                value["verified"] = json!({"holds": holds, "total": total, "failed": failed});
            }
        }
        Err(e) => {
            value["result"] = json!("failed");
            value["error"] = json!(e.to_string());
            if let Some(tally) = tally {
                value["incomplete"] = tally.json();
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::permissions::Denied;
    use crate::iam::arn::Arn;

    const EXPORT: &str = "onramp export --format admin-policy";

    fn denied(n: usize) -> Vec<Denied> {
        (0..n)
            .map(|i| Denied {
                action: "iam:CreateRole".into(),
                resource: Arn::role("aws", "123456789012", "/", &format!("r{i}")).to_string(),
                explicit: false,
                context: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn nothing_is_said_when_every_check_passed() {
        assert_eq!(
            preflight_warning(&Preflight::Allowed { checked: 9 }, EXPORT),
            None
        );
    }

    #[test]
    fn missing_permissions_are_named_up_to_five_with_the_way_out() {
        let text = preflight_warning(
            &Preflight::Missing {
                checked: 40,
                denied: denied(7),
            },
            EXPORT,
        )
        .unwrap_or_default();
        assert!(
            text.starts_with(
                "onramp: warning: the caller may not be allowed to make 7 of the 40 calls checked:\n"
            ),
            "{text}"
        );
        assert!(text.contains("  iam:CreateRole on arn:aws:iam::123456789012:role/r4\n"));
        assert!(!text.contains("role/r5"), "{text}");
        assert!(text.contains("  … and 2 more\n"), "{text}");
        assert!(
            text.contains("`onramp export --format admin-policy`"),
            "{text}"
        );
        assert!(
            text.lines()
                .all(|l| l.starts_with("onramp: ") || l.starts_with("  "))
        );
    }

    #[test]
    fn root_and_unchecked_are_one_line_each() {
        let root = preflight_warning(&Preflight::Root, EXPORT).unwrap_or_default();
        assert!(root.contains("root user") && root.contains("no permission check needed"));
        assert_eq!(root.lines().count(), 1);
        let unchecked = preflight_warning(
            &Preflight::Unchecked("SimulatePrincipalPolicy: no".into()),
            EXPORT,
        );
        assert_eq!(
            unchecked.as_deref(),
            Some(
                "onramp: could not check permissions beforehand (SimulatePrincipalPolicy: no); going on\n"
            )
        );
    }
}
