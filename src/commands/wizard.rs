//! `onramp` with no command: the interactive wizard, on the demo account or
//! on AWS. Needs a terminal; scripts use `plan` and `apply` instead.

use std::sync::Arc;

use super::{Context, Failure, load_answers};
use crate::answers::Answers;
use crate::cli::Outcome;
use crate::cloud::memory::MemoryCloud;
use crate::tui::app::Config;
use crate::tui::theme::Theme;
use crate::tui::worker::Connector;

pub async fn wizard(ctx: &Context<'_>) -> Result<Outcome, Failure> {
    if !ctx.env.terminal {
        return Err(Failure::usage(
            "the wizard needs a terminal (stdin and stdout). In scripts, use the commands `plan` and `apply --yes` with `--answers` and your answers file, or try `onramp plan --demo` (see `onramp --help`)",
        ));
    }
    let answers = match (&ctx.cli.answers, ctx.cli.demo) {
        (Some(path), _) => load_answers(path)?,
        (None, true) => Answers::demo(),
        (None, false) => Answers::default(),
    };
    let connector = if ctx.cli.demo {
        Connector::Ready(Arc::new(MemoryCloud::demo()))
    } else {
        Connector::Sdk(ctx.connect_options(&answers))
    };
    let mut environment = ctx.environment(None);
    environment.account_id = None;
    let config = Config {
        demo: ctx.cli.demo,
        environment,
        answers,
        answers_path: ctx.cli.answers.clone(),
        // The demo account lives in memory, so its journal is scratch too.
        journal: ctx.cli.journal.clone().or_else(|| {
            ctx.cli.demo.then(|| {
                std::env::temp_dir()
                    .join(format!("onramp-demo-{}.journal.jsonl", std::process::id()))
            })
        }),
        endpoint_url: ctx.cli.endpoint_url.clone(),
        profile: ctx.cli.profile.clone(),
        // Exports of the demo are scratch like its journal; the rest go here.
        export_dir: ctx.cli.demo.then(std::env::temp_dir),
        theme: Theme::from_env(ctx.env.no_color.as_deref()),
    };
    let code = crate::tui::terminal::run(config, connector)
        .await
        .map_err(|e| Failure::failed(format!("the wizard stopped: {e:#}")))?;
    Ok(match code {
        0 => Outcome::Success,
        130 => Outcome::Interrupted,
        _ => Outcome::Failure,
    })
}
