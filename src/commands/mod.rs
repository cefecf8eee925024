//! The commands: the I/O shell around the pure pipeline. They read the
//! answers file and the environment, pick the cloud, write to the given
//! streams and files, and turn the result into an exit code (0 success, 1 the
//! operation failed, 2 bad usage or invalid answers, 130 stopped by Ctrl-C).

mod apply;
mod destroy;
mod docs;
mod interruptible;
mod plan;
mod verify;
mod wizard;

use std::io::Write;
use std::path::Path;

use crate::answers::{Answers, Environment, ValidAnswers};
use crate::cli::{Cli, Command, DEMO_ACCOUNT_ID, DEMO_REGION, Outcome, ProcessEnv};
use crate::cloud::advice;
use crate::cloud::memory::MemoryCloud;
use crate::cloud::sdk::{ConnectOptions, SdkCloud};
use crate::cloud::{Cloud, CloudError, Identity, Quotas};
use crate::plan::lint::Finding;
use crate::plan::{self as planner, Plan};

/// Runs a parsed command line.
pub fn run(cli: &Cli, env: &ProcessEnv, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Outcome {
    let result = match &cli.command {
        // Documentation only: answered before the runtime starts, so they
        // work anywhere (no AWS, no terminal, no threads).
        Some(Command::Completions { shell }) => docs::completions(*shell, stdout),
        Some(Command::Man { out }) => docs::man(out.as_deref(), stdout),
        _ => Context { cli, env }.block_on(stdout, stderr),
    };
    match result {
        Ok(outcome) => outcome,
        Err(failure) => {
            let _ = writeln!(stderr, "onramp: {}", failure.message.trim_end());
            failure.outcome
        }
    }
}

/// A command's failure: its exit code and what to tell the person.
pub(crate) struct Failure {
    pub outcome: Outcome,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            outcome: Outcome::Usage,
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Failure {
        Failure {
            outcome: Outcome::Failure,
            message: message.into(),
        }
    }

    pub fn interrupted(message: impl Into<String>) -> Failure {
        Failure {
            outcome: Outcome::Interrupted,
            message: message.into(),
        }
    }
}

impl From<CloudError> for Failure {
    fn from(e: CloudError) -> Failure {
        Failure::failed(e.to_string())
    }
}

pub(crate) struct Context<'a> {
    pub cli: &'a Cli,
    pub env: &'a ProcessEnv,
}

impl Context<'_> {
    /// Runs the command on a fresh async runtime.
    fn block_on(&self, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<Outcome, Failure> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?;
        runtime.block_on(self.execute(stdout, stderr))
    }

    async fn execute(
        &self,
        stdout: &mut dyn Write,
        stderr: &mut dyn Write,
    ) -> Result<Outcome, Failure> {
        match &self.cli.command {
            None => wizard::wizard(self).await,
            Some(Command::Plan {
                answers,
                format,
                validate,
            }) => plan::plan(self, answers.as_deref(), *format, *validate, stdout, stderr).await,
            Some(Command::Export {
                answers,
                format,
                out,
            }) => {
                plan::export(
                    self,
                    answers.as_deref(),
                    *format,
                    out.as_deref(),
                    stdout,
                    stderr,
                )
                .await
            }
            Some(Command::Apply {
                answers,
                yes,
                journal,
                adopt,
                format,
            }) => {
                apply::apply(
                    self,
                    apply::Source::new(answers.as_deref(), adopt),
                    *yes,
                    journal.as_deref(),
                    *format,
                    stdout,
                    stderr,
                )
                .await
            }
            Some(Command::Status {
                answers,
                adopt,
                format,
            }) => {
                let source = apply::Source::new(answers.as_deref(), adopt);
                apply::status(self, source, *format, stdout, stderr).await
            }
            Some(Command::Verify {
                answers,
                offline,
                format,
            }) => verify::verify(self, answers.as_deref(), *offline, *format, stdout, stderr).await,
            Some(Command::Destroy {
                journal,
                yes,
                force,
            }) => destroy::destroy(self, journal, *yes, *force, stdout, stderr).await,
            // `run` answers these without a runtime; the same here, for completeness.
            Some(Command::Completions { shell }) => docs::completions(*shell, stdout),
            Some(Command::Man { out }) => docs::man(out.as_deref(), stdout),
        }
    }

    /// The answers file, or the demo's answers with `--demo`.
    pub fn answers(&self, path: Option<&Path>) -> Result<Answers, Failure> {
        match (path, self.cli.demo) {
            (Some(path), _) => load_answers(path),
            (None, true) => Ok(Answers::demo()),
            (None, false) => Err(Failure::usage(
                "--answers FILE is required (or use --demo for the built-in example); see examples/ for answers files",
            )),
        }
    }

    /// The environment answers are validated against.
    pub fn environment(&self, identity: Option<&Identity>) -> Environment {
        Environment {
            region_flag: self.cli.region.clone(),
            region_env: self
                .env
                .aws_region
                .clone()
                .or_else(|| self.env.aws_default_region.clone())
                .or_else(|| self.cli.demo.then(|| DEMO_REGION.to_owned())),
            account_id: identity
                .map(|i| i.account_id.clone())
                .or_else(|| self.cli.demo.then(|| DEMO_ACCOUNT_ID.to_owned())),
        }
    }

    /// How to reach AWS for these answers.
    pub fn connect_options(&self, answers: &Answers) -> ConnectOptions {
        ConnectOptions {
            profile: self.cli.profile.clone(),
            region: self.region_hint(answers),
            endpoint_url: self.cli.endpoint_url.clone(),
            ..ConnectOptions::default()
        }
    }

    /// The region before validation: the answers', else the flag, else the
    /// environment. An answers region that is not a region name is left out:
    /// the SDK would refuse it with its own error before validation could
    /// name the `region` field.
    fn region_hint(&self, answers: &Answers) -> Option<String> {
        answers
            .region
            .clone()
            .filter(|r| crate::iam::rules::region(r).is_ok())
            .or_else(|| self.cli.region.clone())
            .or_else(|| self.env.aws_region.clone())
            .or_else(|| self.env.aws_default_region.clone())
            .or_else(|| self.cli.demo.then(|| DEMO_REGION.to_owned()))
    }

    /// The cloud to talk to: the in-memory demo account, or AWS through the SDK.
    pub async fn connect(&self, answers: &Answers) -> Result<Box<dyn Cloud>, Failure> {
        if self.cli.demo {
            return Ok(Box::new(MemoryCloud::demo()));
        }
        Ok(Box::new(
            SdkCloud::connect(&self.connect_options(answers)).await?,
        ))
    }

    /// Validates answers against the environment and, if given, the caller's identity.
    pub fn validate(
        &self,
        answers: &Answers,
        identity: Option<&Identity>,
    ) -> Result<ValidAnswers, Failure> {
        let environment = self.environment(identity);
        let valid = answers
            .validate(&environment)
            .map_err(|errors| Failure::usage(errors.to_string()))?;
        if let Some(identity) = identity {
            valid
                .check_caller_partition(&identity.partition, &identity.arn)
                .map_err(|e| Failure::usage(e.to_string()))?;
        }
        Ok(valid)
    }
}

/// Plans valid answers and checks the plan as the wizard does: lint against
/// `quotas`, and every intent (an edit that takes away what a workload needs
/// is an error here too).
pub(crate) fn plan_and_lint(
    valid: &ValidAnswers,
    quotas: &Quotas,
) -> Result<(Plan, Vec<Finding>), Failure> {
    let plan = planner::plan(valid).map_err(|e| Failure::failed(format!("internal error: {e}")))?;
    let (findings, _) = crate::verify::offline::checked(valid, &plan, quotas);
    Ok((plan, findings))
}

/// The account's IAM quotas, read once; IAM's defaults when they cannot be
/// read, said once on `stderr`.
pub(crate) async fn account_quotas(
    cloud: &dyn Cloud,
    stderr: &mut dyn Write,
) -> Result<Quotas, Failure> {
    let reading = advice::read_quotas(cloud).await;
    if let Some(note) = &reading.note {
        write(stderr, &format!("onramp: {note}\n"))?;
    }
    Ok(reading.quotas)
}

pub(crate) fn load_answers(path: &Path) -> Result<Answers, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read answers file {}: {e}", path.display())))?;
    Answers::from_toml(&text).map_err(|e| {
        Failure::usage(format!(
            "{} is not a valid answers file:\n{e}",
            path.display()
        ))
    })
}

/// Writes text to a stream, as a failure if the stream is gone.
pub(crate) fn write(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    write_bytes(out, text.as_bytes())
}

/// Writes bytes to a stream, as a failure if the stream is gone.
pub(crate) fn write_bytes(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::failed(format!("cannot write output: {e}")))
}
