//! The command line: clap definitions and the environment onramp reads.
//! The commands themselves are in `commands`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// The account id of the built-in demo account.
pub const DEMO_ACCOUNT_ID: &str = "123456789012";
/// The region the demo uses when none is given.
pub const DEMO_REGION: &str = "us-east-1";

const AFTER_HELP: &str = "\
Examples:
  onramp --demo                                   the wizard on the built-in demo account
  onramp --answers examples/genomics.toml         the wizard, starting from an answers file
  onramp plan --answers examples/genomics.toml    what would be created, as a tree
  onramp plan --answers examples/everything.toml --format json
  onramp export --answers examples/everything.toml --format cloudformation --out onramp.cfn.yaml
  onramp export --answers examples/genomics.toml --format cli --out onramp.sh";

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

    /// Named profile from the AWS config files (else AWS_PROFILE, else the default)
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Send AWS calls to this endpoint instead of AWS (else AWS_ENDPOINT_URL), e.g. an emulator
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Wizard: start from this answers file (TOML); `s` in the wizard saves back to it
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,

    /// Wizard: the journal file (default: onramp-ACCOUNT-REGION.journal.jsonl here)
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Write a log (tracing) to this file; nothing is ever logged to the terminal
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

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
    /// Write the plan as a CloudFormation template, an AWS CLI script or policy documents
    #[command(
        after_help = "Examples:\n  onramp export --answers examples/everything.toml --format cloudformation --out onramp.cfn.yaml\n  onramp export --answers examples/genomics.toml --format cli --out onramp.sh\n  onramp export --answers examples/genomics.toml --format policies --out policies/\n\nWithout --out, the template and the script are written to standard output."
    )]
    Export {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Where to write: a file for `cloudformation` and `cli` (default: standard output), a directory for `policies`
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Create the planned resources (headless); without --yes, only shows what would change
    #[command(
        after_help = "Example:\n  onramp apply --answers examples/genomics.toml --yes\n\nEvery call is recorded in the journal before and after it is made; apply again with\nthe same journal to resume, or undo it with `onramp destroy --journal FILE --yes`."
    )]
    Apply {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        /// Make the changes; without it nothing is changed and the exit code is 2
        #[arg(long)]
        yes: bool,
        /// The journal file (default: onramp-ACCOUNT-REGION.journal.jsonl here)
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Compare the plan with what exists: create, update, unchanged or conflict, per resource
    #[command(after_help = "Example:\n  onramp status --answers examples/genomics.toml")]
    Status {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Undo what a journal says onramp created, newest first
    #[command(
        after_help = "Example:\n  onramp destroy --journal onramp-123456789012-us-east-1.journal.jsonl --yes"
    )]
    Destroy {
        /// The journal of the runs to undo
        #[arg(long, value_name = "FILE")]
        journal: PathBuf,
        /// Make the changes; without it nothing is changed and the exit code is 2
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// A readable tree with each document pretty-printed
    Text,
    /// `{"resources": [...], "findings": [...]}`
    Json,
}

pub use crate::export::Format as ExportFormat;

/// The process environment that matters to onramp, read once by `main`.
#[derive(Debug, Clone, Default)]
pub struct ProcessEnv {
    pub aws_region: Option<String>,
    pub aws_default_region: Option<String>,
    /// `NO_COLOR`: the wizard draws without colours.
    pub no_color: Option<String>,
    /// Whether stdin and stdout are a terminal (the wizard needs one).
    pub terminal: bool,
}

impl ProcessEnv {
    pub fn from_os() -> ProcessEnv {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        ProcessEnv {
            aws_region: var("AWS_REGION"),
            aws_default_region: var("AWS_DEFAULT_REGION"),
            no_color: var("NO_COLOR"),
            terminal: {
                use std::io::IsTerminal;
                std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
            },
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
