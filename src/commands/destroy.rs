//! `destroy`: undo what a journal says onramp did. Without `--yes` it only
//! lists what would be undone.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::interruptible::{self, Ended};
use super::{Context, Failure, write};
use crate::answers::Answers;
use crate::apply::destroy as undo;
use crate::apply::journal::{self, Journal, Record};
use crate::apply::run::Event;
use crate::cli::Outcome;
use crate::output;

pub async fn destroy(
    ctx: &Context<'_>,
    path: &Path,
    yes: bool,
    force: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Failure> {
    if !path.exists() {
        return Err(Failure::usage(format!(
            "the journal {} does not exist",
            path.display()
        )));
    }
    let entries = journal::read(path).map_err(|e| Failure::failed(e.to_string()))?;
    let Some((account_id, region)) = entries.iter().find_map(|e| match &e.record {
        Record::Run {
            account_id, region, ..
        } => Some((account_id.clone(), region.clone())),
        _ => None,
    }) else {
        write(stdout, "The journal records no run: nothing to undo.\n")?;
        return Ok(Outcome::Success);
    };
    let answers = Answers {
        region: Some(region.clone()),
        ..Answers::default()
    };
    let cloud = ctx.connect(&answers).await?;
    let identity = cloud.identity().await?;
    if identity.account_id != account_id {
        return Err(Failure::usage(format!(
            "the journal is for account {account_id} but your credentials are for account {}; switch accounts (--profile) first",
            identity.account_id
        )));
    }
    let pending = undo::pending(&entries);
    write(
        stdout,
        &output::undo_text(&pending, &journal::made(&entries)),
    )?;
    if !yes {
        write(
            stderr,
            "onramp: nothing was changed; run again with --yes to undo these\n",
        )?;
        return Ok(Outcome::Usage);
    }
    let journal = Journal::open(path).map_err(|e| Failure::failed(e.to_string()))?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let on_event = move |event: Event| {
        let _ = tx.send(event);
    };
    let stop = AtomicBool::new(false);
    let undoing = undo::destroy(
        cloud.as_ref(),
        &journal,
        &account_id,
        &region,
        force,
        &on_event,
        &stop,
    );
    let print = |event: &Event| write(stdout, &output::event_line(event));
    let ended = interruptible::drive(undoing, &mut rx, &stop, print, stderr).await?;
    let again = format!(
        "`{}` undoes the rest.",
        output::undo_command(&super::apply::invocation(ctx), path)
    );
    let Ended::Finished(result) = ended else {
        return Err(interruptible::abandoned(&again));
    };
    let report = result.map_err(|e| Failure::failed(e.to_string()))?;
    write(stdout, &output::destroy_text(&report))?;
    if report.stopped {
        Err(Failure::interrupted(format!(
            "stopped on request after the undo in flight. {again}"
        )))
    } else if report.failed.is_empty() {
        Ok(Outcome::Success)
    } else {
        Err(Failure::failed(format!(
            "{} could not be undone; fix the cause, then run `{}`",
            output::plural(report.failed.len(), "item", "items"),
            output::undo_command(&super::apply::invocation(ctx), path)
        )))
    }
}
