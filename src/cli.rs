//! The command line: clap definitions and the commands they run.
//!
//! This is the I/O shell around the pure pipeline: it reads the answers file
//! and the environment, writes to the given streams and files, and turns the
//! result into an exit code (0 success, 1 the operation failed, 2 bad usage or
//! invalid answers).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::answers::{Answers, Environment};
use crate::export::policies::policy_files;
use crate::output;
use crate::plan::{self, Plan, lint};

/// The account id of the built-in demo account.
pub const DEMO_ACCOUNT_ID: &str = "123456789012";
/// The region the demo uses when none is given.
pub const DEMO_REGION: &str = "us-east-1";

const AFTER_HELP: &str = "\
Examples:
  onramp --demo                                   the plan of the built-in demo
  onramp plan --answers examples/genomics.toml    what would be created, as a tree
  onramp plan --answers examples/everything.toml --format json
  onramp export --answers examples/genomics.toml --format policies --out policies/";

#[derive(Debug, Parser)]
#[command(
    name = "onramp",
    version,
    about = "Provisions the IAM roles and policies for Genomics Workflows on AWS (AWS Batch) and AWS ParallelCluster",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Use the built-in demo account (in memory, no AWS credentials needed)
    #[arg(long, global = true)]
    pub demo: bool,

    /// AWS region; must agree with `region` in the answers file if both are given
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every resource and policy document the answers ask for, and the findings
    #[command(
        after_help = "Example:\n  onramp plan --answers examples/everything.toml --format json\n\nExits 1 when a finding is an error (the plan could not be applied)."
    )]
    Plan {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Write the plan in a format other tools read
    #[command(
        after_help = "Example:\n  onramp export --answers examples/genomics.toml --format policies --out policies/"
    )]
    Export {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Where to write: a directory for `policies`
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// A readable tree with each document pretty-printed
    Text,
    /// `{"resources": [...], "findings": [...]}`
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One JSON file per policy and trust document
    Policies,
}

/// The process environment that matters to onramp, read once by `main`.
#[derive(Debug, Clone, Default)]
pub struct ProcessEnv {
    pub aws_region: Option<String>,
    pub aws_default_region: Option<String>,
}

impl ProcessEnv {
    pub fn from_os() -> ProcessEnv {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        ProcessEnv {
            aws_region: var("AWS_REGION"),
            aws_default_region: var("AWS_DEFAULT_REGION"),
        }
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success = 0,
    Failure = 1,
    Usage = 2,
}

/// Runs a parsed command line.
pub fn run(cli: &Cli, env: &ProcessEnv, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Outcome {
    match execute(cli, env, stdout) {
        Ok(outcome) => outcome,
        Err(failure) => {
            let _ = writeln!(stderr, "onramp: {}", failure.message.trim_end());
            failure.outcome
        }
    }
}

struct Failure {
    outcome: Outcome,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            outcome: Outcome::Usage,
            message: message.into(),
        }
    }

    fn failed(message: impl Into<String>) -> Failure {
        Failure {
            outcome: Outcome::Failure,
            message: message.into(),
        }
    }
}

fn execute(cli: &Cli, env: &ProcessEnv, stdout: &mut dyn Write) -> Result<Outcome, Failure> {
    match &cli.command {
        None if cli.demo => {
            let (plan, findings) = planned(cli, env, None)?;
            write(
                stdout,
                &format!(
                    "onramp --demo: the interactive wizard is not built yet. This is what it would create in the demo account from its built-in answers.\n\n{}",
                    output::plan_text(&plan, &findings)
                ),
            )?;
            Ok(Outcome::Success)
        }
        None => Err(Failure::usage(
            "the interactive wizard is not built yet; try `onramp --demo`, or `onramp plan --answers FILE` (see `onramp --help`)",
        )),
        Some(Command::Plan { answers, format }) => {
            let (plan, findings) = planned(cli, env, answers.as_deref())?;
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
        Some(Command::Export {
            answers,
            format: ExportFormat::Policies,
            out,
        }) => {
            let out = out
                .as_deref()
                .ok_or_else(|| Failure::usage("export --format policies needs --out DIR, the directory to write the documents to"))?;
            let (plan, findings) = planned(cli, env, answers.as_deref())?;
            if lint::has_errors(&findings) {
                return Err(Failure::failed(format!(
                    "nothing exported: the plan has errors\n{}",
                    output::findings_text(&findings)
                )));
            }
            export_policies(&plan, out, stdout)
        }
    }
}

/// Loads, validates, plans and lints.
fn planned(
    cli: &Cli,
    env: &ProcessEnv,
    answers_path: Option<&Path>,
) -> Result<(Plan, Vec<lint::Finding>), Failure> {
    let answers = match (answers_path, cli.demo) {
        (Some(path), _) => load_answers(path)?,
        (None, true) => Answers::demo(),
        (None, false) => {
            return Err(Failure::usage(
                "--answers FILE is required (or use --demo for the built-in example); see examples/ for answers files",
            ));
        }
    };
    let environment = Environment {
        region_flag: cli.region.clone(),
        region_env: env
            .aws_region
            .clone()
            .or_else(|| env.aws_default_region.clone())
            .or_else(|| cli.demo.then(|| DEMO_REGION.to_owned())),
        account_id: cli.demo.then(|| DEMO_ACCOUNT_ID.to_owned()),
    };
    let valid = answers
        .validate(&environment)
        .map_err(|errors| Failure::usage(errors.to_string()))?;
    let plan = plan::plan(&valid).map_err(|e| Failure::failed(format!("internal error: {e}")))?;
    let findings = lint::lint(&plan);
    Ok((plan, findings))
}

fn load_answers(path: &Path) -> Result<Answers, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read answers file {}: {e}", path.display())))?;
    Answers::from_toml(&text).map_err(|e| {
        Failure::usage(format!(
            "{} is not a valid answers file:\n{e}",
            path.display()
        ))
    })
}

fn export_policies(plan: &Plan, dir: &Path, stdout: &mut dyn Write) -> Result<Outcome, Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::failed(format!("cannot create {}: {e}", dir.display())))?;
    let files = policy_files(plan);
    for f in &files {
        let path = dir.join(&f.file_name);
        std::fs::write(&path, &f.contents)
            .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))?;
        write(stdout, &format!("{}\n", path.display()))?;
    }
    write(
        stdout,
        &format!(
            "wrote {} policy documents to {}\n",
            files.len(),
            dir.display()
        ),
    )?;
    Ok(Outcome::Success)
}

fn write(stdout: &mut dyn Write, text: &str) -> Result<(), Failure> {
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::failed(format!("cannot write output: {e}")))
}
