//! What flows through the wizard: [`Action`]s come in (keys, resizes, timer
//! ticks, and the results of background work), [`Effect`]s go out (work for
//! the [`Worker`](super::worker::Worker) or the terminal). `update` turns one
//! into the other without doing any I/O itself, so tests can script it.

use std::path::PathBuf;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::apply::journal::JournalError;
use crate::apply::permissions::Outcome as PreflightOutcome;
use crate::apply::run::{ApplyError, Event, Report};
use crate::cloud::{AnalyzerFinding, Bucket, CloudError, Identity, PolicyKind, Quotas};
use crate::export::Format as ExportFormat;
use crate::plan::Plan;

pub use crate::apply::observe::Observation;

/// Something that happened.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The animation timer (spinners); only runs while something is loading.
    Tick,
    /// The caller's identity, or why it could not be read (no credentials, …).
    Connected(Result<Identity, CloudError>),
    /// The account's buckets with their regions.
    BucketsLoaded(Result<Vec<Bucket>, CloudError>),
    /// What the permission preflight with the given generation found
    /// (older ones are dropped).
    Preflighted {
        generation: u64,
        outcome: PreflightOutcome,
    },
    /// The account's IAM quotas, or why they could not be read (IAM's
    /// defaults are used, and a note says so once).
    QuotasRead(Result<Quotas, CloudError>),
    /// Access Analyzer's findings on one document text, or why it cannot be
    /// asked (said once).
    Validated {
        kind: PolicyKind,
        text: String,
        result: Result<Vec<AnalyzerFinding>, CloudError>,
    },
    /// What exists of the plan with the given generation (older ones are dropped).
    Observed {
        generation: u64,
        result: Result<Vec<Observation>, CloudError>,
        /// The journal the run would write to, as it is now (empty when it
        /// does not exist or cannot be read: apply says why, then).
        journal: Vec<crate::apply::journal::Entry>,
    },
    /// Progress of the apply.
    Progress(Event),
    /// The apply ended: its report, or why it stopped.
    Applied(Result<Report, ApplyFailure>),
    /// What was just created, read back and judged: every intent's verdict
    /// (or why the account could not be reached).
    Verified(Result<Vec<crate::verify::Outcome>, CloudError>),
    /// The answers file was written (its path), or why not (the disk's words).
    Saved(Result<PathBuf, String>),
    /// An export was written (its full path), or why not.
    Exported {
        format: ExportFormat,
        result: Result<PathBuf, String>,
    },
}

/// Why an apply ended before its end: `apply`'s own words (which name the
/// step), and the account's error when a call to it was the cause, so that
/// its kind is kept rather than guessed again from the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyFailure {
    pub message: String,
    /// The failed call's error (or the failed connection's); `None` when
    /// the apply stopped on request, met conflicts, or the journal failed.
    pub cloud: Option<CloudError>,
}

impl std::fmt::Display for ApplyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ApplyError> for ApplyFailure {
    fn from(e: ApplyError) -> ApplyFailure {
        let cloud = match &e {
            ApplyError::Call { error, .. } => Some(error.clone()),
            _ => None,
        };
        ApplyFailure {
            message: e.to_string(),
            cloud,
        }
    }
}

/// The account could not be reached to start the apply.
impl From<CloudError> for ApplyFailure {
    fn from(e: CloudError) -> ApplyFailure {
        ApplyFailure {
            message: e.to_string(),
            cloud: Some(e),
        }
    }
}

/// The journal could not be opened.
impl From<JournalError> for ApplyFailure {
    fn from(e: JournalError) -> ApplyFailure {
        ApplyFailure {
            message: e.to_string(),
            cloud: None,
        }
    }
}

/// Something `update` wants done outside the pure state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Connect to the account and read the caller's identity.
    Connect,
    /// List the account's buckets.
    ListBuckets,
    /// Check that the caller may make the calls `plan` needs (reads only).
    Preflight {
        generation: u64,
        caller_arn: String,
        plan: Box<Plan>,
    },
    /// Read the account's IAM quotas (`GetAccountSummary`).
    ReadQuotas,
    /// Ask Access Analyzer about one document (`ValidatePolicy`).
    Validate { kind: PolicyKind, text: String },
    /// Read what exists of `plan` (reads only).
    Observe {
        generation: u64,
        plan: Box<Plan>,
        /// The journal the apply would use, read beside the account.
        journal: PathBuf,
    },
    /// Make the changes, journaled in `journal`.
    Apply {
        plan: Box<Plan>,
        changes: Vec<crate::apply::diff::Change>,
        journal: PathBuf,
    },
    /// Read back what `plan` created and evaluate `intents` against it.
    Verify {
        plan: Box<Plan>,
        intents: Vec<crate::verify::Intent>,
    },
    /// Stop the apply after the calls in flight.
    StopApply,
    /// Start no new call of the apply until resumed (while asking whether
    /// to stop).
    PauseApply,
    /// Let the apply start calls again.
    ResumeApply,
    /// Write the answers file.
    SaveAnswers { path: PathBuf, text: String },
    /// Write the plan as a template, a script or policy files to `path`.
    Export {
        format: ExportFormat,
        plan: Box<Plan>,
        path: PathBuf,
    },
    /// Ctrl-Z: give the terminal back to the shell until resumed.
    Suspend,
    /// Leave the wizard with this exit code.
    Quit(u8),
}

impl Effect {
    /// A short name, for the log (effects can carry a whole plan).
    pub fn name(&self) -> &'static str {
        match self {
            Effect::Connect => "connect",
            Effect::ListBuckets => "list-buckets",
            Effect::Preflight { .. } => "preflight",
            Effect::ReadQuotas => "read-quotas",
            Effect::Validate { .. } => "validate",
            Effect::Observe { .. } => "observe",
            Effect::Apply { .. } => "apply",
            Effect::Verify { .. } => "verify",
            Effect::StopApply => "stop-apply",
            Effect::PauseApply => "pause-apply",
            Effect::ResumeApply => "resume-apply",
            Effect::SaveAnswers { .. } => "save-answers",
            Effect::Export { .. } => "export",
            Effect::Suspend => "suspend",
            Effect::Quit(_) => "quit",
        }
    }
}
