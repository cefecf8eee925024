//! The command line: clap definitions and the environment onramp reads.
//! The commands themselves are in `commands`.

use std::path::PathBuf;

use clap::{ArgAction, Parser, Subcommand, ValueEnum, ValueHint};

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
  onramp export --answers examples/genomics.toml --format cli --out onramp.sh
  onramp completions bash > ~/.local/share/bash-completion/completions/onramp
  onramp man --out ~/.local/share/man/man1        then `man onramp`";

/// `onramp completions --help`: where each shell looks for the script.
const COMPLETIONS_HELP: &str = "\
Examples:
  onramp completions bash > ~/.local/share/bash-completion/completions/onramp
  onramp completions zsh > ~/.zfunc/_onramp
  onramp completions fish > ~/.config/fish/completions/onramp.fish
  onramp completions elvish >> ~/.config/elvish/rc.elv
  onramp completions powershell >> $PROFILE

Create the directory first if it does not exist; a new shell picks the
completions up. For zsh, ~/.zfunc must be on fpath before compinit runs: put
`fpath=(~/.zfunc $fpath)` above `compinit` in ~/.zshrc.";

/// `onramp man --help`: installing the pages, or reading one without installing.
const MAN_HELP: &str = "\
Examples:
  onramp man --out ~/.local/share/man/man1       then `man onramp`, `man onramp-plan`, ...
  onramp man | man -l -                          read onramp(1) without installing it

man finds ~/.local/share/man when ~/.local/bin is on PATH; otherwise add the
directory above man1 to MANPATH.";

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
    #[arg(long, global = true, value_name = "URL", value_hint = ValueHint::Url)]
    pub endpoint_url: Option<String>,

    /// Wizard: start from this answers file (TOML); `s` in the wizard saves back to it
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub answers: Option<PathBuf>,

    /// Wizard: the journal file (default: onramp-ACCOUNT-REGION.journal.jsonl here)
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub journal: Option<PathBuf>,

    /// Write a log (tracing) to this file; nothing is ever logged to the terminal
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub log_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every resource and policy document the answers ask for, and the findings
    #[command(
        after_help = "Examples:\n  onramp plan --answers examples/everything.toml --format json\n  onramp plan --answers examples/genomics.toml --validate --profile lab\n\nExits 1 when a finding of onramp's own is an error (the plan could not be applied);\nAccess Analyzer's findings (--validate) are advice and do not change the exit code.\nThe plan is checked against the account's IAM quotas when onramp reads the account\n(--demo, --validate, or no account_id in the answers), else against IAM's defaults."
    )]
    Plan {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        answers: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// Also ask IAM Access Analyzer (ValidatePolicy) about every document and print its findings (needs the account)
        #[arg(long)]
        validate: bool,
    },
    /// Write the plan as a CloudFormation template, an AWS CLI script, a console runbook, policy documents, or the policy its runner needs
    #[command(
        after_help = "Examples:\n  onramp export --answers examples/everything.toml --format cloudformation --out onramp.cfn.yaml\n  onramp export --answers examples/genomics.toml --format cli --out onramp.sh\n  onramp export --answers examples/genomics.toml --format runbook --out onramp.runbook.md\n  onramp export --answers examples/genomics.toml --format policies --out policies/\n  onramp export --answers examples/genomics.toml --format admin-policy --out onramp-admin-policy.json\n\nWithout --out, every format but policies is written to standard output."
    )]
    Export {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        answers: Option<PathBuf>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Where to write: a directory for `policies`, else a file (default: standard output)
        #[arg(long, value_name = "PATH", value_hint = ValueHint::AnyPath)]
        out: Option<PathBuf>,
    },
    /// Create the planned resources (headless); without --yes, only shows what would change
    #[command(
        after_help = "Example:\n  onramp apply --answers examples/genomics.toml --yes\n\nEvery call is recorded in the journal before and after it is made; apply again with\nthe same journal to resume, or undo it with `onramp destroy --journal FILE --yes`.\n\nCtrl-C stops after the calls in flight and exits 130; a second Ctrl-C stops at once."
    )]
    Apply {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        answers: Option<PathBuf>,
        /// Make the changes; without it nothing is changed and the exit code is 2
        #[arg(long)]
        yes: bool,
        /// The journal file (default: onramp-ACCOUNT-REGION.journal.jsonl here)
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        journal: Option<PathBuf>,
        /// Bring existing resources onramp did not make to the plan: all of them, or NAME (repeatable). The journal keeps what each was, and destroy puts it back
        #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "*", action = ArgAction::Append)]
        adopt: Vec<String>,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Compare the plan with what exists: create, update, unchanged or conflict, per resource
    #[command(after_help = "Example:\n  onramp status --answers examples/genomics.toml")]
    Status {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        answers: Option<PathBuf>,
        /// Show what `apply --adopt` would do: all existing resources onramp did not make, or NAME (repeatable)
        #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "*", action = ArgAction::Append)]
        adopt: Vec<String>,
        /// text: one line per resource with the calls it needs and, for each document that differs, a unified diff (- what exists, + the plan).
        /// json: {"account_id", "region", "changes": [{"kind", "name", "state", "steps", "reasons", "owned", "differences": [{"document", "diff"}]}]}
        #[arg(long, value_enum, default_value_t = PlanFormat::Text, hide_possible_values = true, verbatim_doc_comment)]
        format: PlanFormat,
    },
    /// Check that every planned role and policy allows what its workload needs (exit 1 if one does not)
    #[command(
        after_help = "Each role and policy carries intents: the calls its workload makes (the ECS agent's, a job's reads and writes in each bucket, every call pcluster makes), each with the reason. Without --offline, verify reads the documents the account holds now, so a policy changed by hand is judged as it is.\n\nExamples:\n  onramp verify --answers examples/genomics.toml --offline\n  onramp verify --answers examples/genomics.toml"
    )]
    Verify {
        /// The answers file (TOML); with --demo, the demo's answers are used if omitted
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        answers: Option<PathBuf>,
        /// Check the plan only, without reading the account (AWS managed policies from onramp's copies)
        #[arg(long)]
        offline: bool,
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Undo what a journal says onramp created, newest first
    #[command(
        after_help = "Example:\n  onramp destroy --journal onramp-123456789012-us-east-1.journal.jsonl --yes\n\nResources onramp adopted are put back as they were, not deleted; one someone changed\nsince is left alone unless --force. Run it again with the same journal to finish an\ninterrupted or partly failed destroy.\nCtrl-C stops after the undo in flight and exits 130; a second Ctrl-C stops at once."
    )]
    Destroy {
        /// The journal of the runs to undo
        #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
        journal: PathBuf,
        /// Make the changes; without it nothing is changed and the exit code is 2
        #[arg(long)]
        yes: bool,
        /// Put adopted resources back as they were even if someone changed them since onramp adopted them
        #[arg(long)]
        force: bool,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or PowerShell
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages: onramp(1) and one page per command
    #[command(after_help = MAN_HELP)]
    Man {
        /// The directory to write onramp.1, onramp-plan.1, ... into (created if missing); without it, onramp.1 goes to standard output
        #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
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
    /// Stopped by Ctrl-C while changing the account: 128 + SIGINT, as a
    /// shell reports a process the signal ended, so scripts tell it apart
    /// from a failure.
    Interrupted = 130,
}
