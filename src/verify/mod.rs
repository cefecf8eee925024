//! Verify: can every planned role and policy do its job? Each [`Intent`] is
//! evaluated with the IAM evaluator ([`crate::iam::eval`]) against the
//! documents of its subject, from one of two sources:
//! - the plan ([`offline`]), with the AWS managed policies onramp attaches
//!   read from their vendored copies ([`managed`]);
//! - the account ([`online`]): the documents actually attached, so a
//!   policy version made by hand is caught.
//!
//! Everything here but `online` is pure.

pub mod intents;
pub mod offline;
pub mod online;

use serde::Serialize;
use serde_json::Value;

use crate::iam::eval::{self, Decision, Request};
use crate::iam::policy::Document;
pub use intents::{Check, Intent, Subject, intents};

/// A document with the name a person knows it by (`policy s3bucket-access-eu-west-1`,
/// `AWS managed AmazonS3ReadOnlyAccess v3`).
#[derive(Debug, Clone, PartialEq)]
pub struct Labeled {
    pub label: String,
    pub document: Value,
}

/// What a subject's intents are evaluated against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// The role's trust policy; none for a set of managed policies.
    pub trust: Option<Labeled>,
    /// Every permission policy: inline, attached managed, or the set.
    pub permissions: Vec<Labeled>,
    /// The role's permissions boundary, when it could be read.
    pub boundary: Option<Labeled>,
    /// What could not be read or is not there (a missing role, an attached
    /// policy onramp has no copy of); intents that need it cannot be proven.
    pub gaps: Vec<String>,
}

/// How one intent came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// It holds; `by` names the document (and statement) that decides.
    Holds { by: String },
    /// It does not; `why` names what refused or what is missing.
    Fails { why: String },
}

impl Verdict {
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Holds { .. })
    }
}

/// An intent with its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub intent: Intent,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// The verdict of every intent, each evaluated against the evidence of its
/// subject (`evidence` is asked once per distinct subject).
pub fn check(intents: &[Intent], mut evidence: impl FnMut(&Subject) -> Evidence) -> Vec<Outcome> {
    let mut cache: Vec<(Subject, Parsed)> = Vec::new();
    intents
        .iter()
        .map(|intent| {
            let at = match cache.iter().position(|(s, _)| *s == intent.subject) {
                Some(at) => at,
                None => {
                    cache.push((
                        intent.subject.clone(),
                        Parsed::of(evidence(&intent.subject)),
                    ));
                    cache.len() - 1
                }
            };
            Outcome {
                intent: intent.clone(),
                verdict: cache[at].1.verdict(&intent.check),
            }
        })
        .collect()
}

/// Evidence parsed once for all of a subject's intents.
struct Parsed {
    trust: Option<(String, Document)>,
    permissions: Vec<(String, Document)>,
    boundary: Option<(String, Document)>,
    gaps: Vec<String>,
}

impl Parsed {
    fn of(evidence: Evidence) -> Parsed {
        let parse = |l: Labeled| (l.label, Document::parse(&l.document));
        Parsed {
            trust: evidence.trust.map(parse),
            permissions: evidence.permissions.into_iter().map(parse).collect(),
            boundary: evidence.boundary.map(parse),
            gaps: evidence.gaps,
        }
    }

    /// The documents that were looked at, so a failure names the one that
    /// lost a permission (`policy ebs-autoscale-policy v2 (account)`).
    fn checked(&self) -> String {
        if self.permissions.is_empty() {
            return String::new();
        }
        let labels: Vec<&str> = self.permissions.iter().map(|(l, _)| l.as_str()).collect();
        format!(" (checked: {})", labels.join("; "))
    }

    fn gaps_note(&self) -> String {
        if self.gaps.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.gaps.join("; "))
        }
    }

    fn verdict(&self, check: &Check) -> Verdict {
        match check {
            Check::TrustedBy { service, context } => match &self.trust {
                Some((label, trust))
                    if eval::allows_assume_with(trust, "Service", service, context) =>
                {
                    Verdict::Holds { by: label.clone() }
                }
                Some((label, _)) => Verdict::Fails {
                    why: format!("{label} does not let {service} assume the role"),
                },
                None => Verdict::Fails {
                    why: format!("no trust policy{}", self.gaps_note()),
                },
            },
            Check::Allows {
                action,
                resource,
                context,
            } => {
                let mut request = Request::new(action.clone(), resource.clone());
                for (key, values) in context {
                    request = request.with_context(key.clone(), values.clone());
                }
                self.allows(&request)
            }
            Check::Denies { action, resource } => {
                let request = Request::new(action.clone(), resource.clone());
                match self.decide(&request) {
                    Decision::Allowed { by } => Verdict::Fails {
                        why: format!("allowed by {}", self.name(&by)),
                    },
                    Decision::ExplicitDeny { by } => Verdict::Holds { by: self.name(&by) },
                    Decision::ImplicitDeny => Verdict::Holds {
                        by: "nothing allows it".into(),
                    },
                }
            }
        }
    }

    fn decide(&self, request: &Request) -> Decision {
        let documents: Vec<&Document> = self.permissions.iter().map(|(_, d)| d).collect();
        eval::evaluate(&documents, request)
    }

    fn name(&self, by: &eval::StatementRef) -> String {
        let label = self
            .permissions
            .get(by.document)
            .map_or("a policy", |(l, _)| l.as_str());
        match &by.sid {
            Some(sid) => format!("{label}, statement {sid}"),
            None => format!("{label}, statement {}", by.statement + 1),
        }
    }

    fn allows(&self, request: &Request) -> Verdict {
        let verdict = match self.decide(request) {
            Decision::Allowed { by } => Verdict::Holds { by: self.name(&by) },
            Decision::ExplicitDeny { by } => {
                return Verdict::Fails {
                    why: format!("denied by {}", self.name(&by)),
                };
            }
            Decision::ImplicitDeny => {
                return Verdict::Fails {
                    why: format!("no policy allows it{}{}", self.checked(), self.gaps_note()),
                };
            }
        };
        match &self.boundary {
            Some((label, boundary)) if !boundary.allows(request) => Verdict::Fails {
                why: format!("the permissions boundary {label} does not allow it"),
            },
            _ => verdict,
        }
    }
}

/// How many outcomes hold, of all.
pub fn tally(outcomes: &[Outcome]) -> (usize, usize) {
    (
        outcomes.iter().filter(|o| o.verdict.holds()).count(),
        outcomes.len(),
    )
}

/// Where the documents came from, for the report's first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The plan, before anything is created.
    Plan,
    /// What the account holds now.
    Account,
}

/// The report as a person reads it: one block per subject, a ✓ or ✗ per
/// intent, and for each failure what refused it and why the intent matters.
pub fn report_text(source: Source, outcomes: &[Outcome]) -> String {
    let (holds, total) = tally(outcomes);
    let mut out = format!(
        "Verifying {total} intents against {}:\n",
        match source {
            Source::Plan => "the plan (AWS managed policies from onramp's vendored copies)",
            Source::Account => "the documents the account holds now",
        }
    );
    let mut subject: Option<&Subject> = None;
    for o in outcomes {
        if subject != Some(&o.intent.subject) {
            subject = Some(&o.intent.subject);
            out.push_str(&format!("\n{}\n", o.intent.subject.label()));
        }
        match &o.verdict {
            Verdict::Holds { by } => {
                out.push_str(&format!("  ✓ {}  ({by})\n", o.intent.check.describe()));
            }
            Verdict::Fails { why } => {
                out.push_str(&format!(
                    "  ✗ {}\n      {why}\n      needed because {}\n",
                    o.intent.check.describe(),
                    o.intent.reason
                ));
            }
        }
    }
    out.push_str(&format!(
        "\n{holds} of {total} intents hold{}.\n",
        if holds == total {
            String::new()
        } else {
            format!("; {} fail", total - holds)
        }
    ));
    out
}

/// The report as JSON: `{"source", "holds", "total", "outcomes": [...]}`.
pub fn report_json(source: Source, outcomes: &[Outcome]) -> String {
    let (holds, total) = tally(outcomes);
    let value = serde_json::json!({
        "source": source,
        "holds": holds,
        "total": total,
        "outcomes": outcomes,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The distinct subjects of `intents`, in order.
pub fn subjects(intents: &[Intent]) -> Vec<Subject> {
    let mut out: Vec<Subject> = Vec::new();
    for i in intents {
        if !out.contains(&i.subject) {
            out.push(i.subject.clone());
        }
    }
    out
}

/// A short verdict for the end of an apply: the tally, then each failure,
/// then how to see why each is needed: `verify_command` (ready to paste)
/// when the caller knows it, else the same in words.
pub fn summary_text(outcomes: &[Outcome], verify_command: Option<&str>) -> String {
    let (holds, total) = tally(outcomes);
    let mut out = format!("\nVerified against the account: {holds} of {total} intents hold.\n");
    for o in outcomes.iter().filter(|o| !o.verdict.holds()) {
        if let Verdict::Fails { why } = &o.verdict {
            out.push_str(&format!(
                "  ✗ {}: {} ({why})\n",
                o.intent.subject.label(),
                o.intent.check.describe()
            ));
        }
    }
    if holds < total {
        out.push_str(&match verify_command {
            Some(command) => format!("  To see why each is needed, run `{command}`.\n"),
            None => {
                "  onramp verify, with the same answers file, says why each is needed.\n".to_owned()
            }
        });
    }
    out
}

/// Each failed intent as an error finding (code `intent`), for the wizard's
/// review: the resource is the subject, the message says what is missing,
/// what refused it and why it is needed.
pub fn failures_as_findings(outcomes: &[Outcome]) -> Vec<crate::plan::lint::Finding> {
    outcomes
        .iter()
        .filter_map(|o| match &o.verdict {
            Verdict::Holds { .. } => None,
            Verdict::Fails { why } => Some(crate::plan::lint::Finding {
                level: crate::plan::lint::Level::Error,
                code: "intent",
                resource: match &o.intent.subject {
                    Subject::Role { name } => name.clone(),
                    Subject::Policies { label, .. } => label.clone(),
                },
                message: format!(
                    "must allow {}: {why}; needed because {}",
                    o.intent.check.describe(),
                    o.intent.reason
                ),
            }),
        })
        .collect()
}

/// Folds the policy simulator's decisions (one per outcome, `None` where it
/// was not asked) into the verdicts: where the documents allow what the
/// simulator refuses, or the reverse, the simulator is right, since it sees
/// what lies beyond the role's own documents.
pub fn with_simulation(outcomes: &mut [Outcome], decisions: &[Option<crate::cloud::Decision>]) {
    use crate::cloud::Decision;
    for (o, decision) in outcomes.iter_mut().zip(decisions) {
        let Some(decision) = decision else { continue };
        let wrong = match (&o.intent.check, decision) {
            (Check::Allows { .. }, Decision::Allowed) => None,
            (Check::Allows { .. }, denied) => Some(format!(
                "IAM's policy simulator refuses it ({}): something beyond the role's own documents, such as a permissions boundary or a service control policy",
                match denied {
                    Decision::ExplicitDeny => "explicit deny",
                    _ => "implicit deny",
                }
            )),
            (Check::Denies { .. }, Decision::Allowed) => {
                Some("IAM's policy simulator allows it".to_owned())
            }
            _ => None,
        };
        if let Some(why) = wrong
            && o.verdict.holds()
        {
            o.verdict = Verdict::Fails { why };
        }
    }
}

/// The failed outcomes a document of `resource` takes part in: those of the
/// resource itself, of a role it is attached to, or of a set of policies it
/// belongs to. The preview shows them beside the document being edited.
pub fn failures_touching<'a>(
    outcomes: &'a [Outcome],
    plan: &crate::plan::Plan,
    resource: &crate::plan::ResourceId,
) -> Vec<&'a Outcome> {
    use crate::iam::names::EntityKind;
    use crate::plan::Resource;
    let arn = plan
        .get(resource.kind, &resource.name)
        .map(|r| r.arn.as_str());
    outcomes
        .iter()
        .filter(|o| !o.verdict.holds())
        .filter(|o| match &o.intent.subject {
            Subject::Role { name } => {
                (resource.kind == EntityKind::Role && *name == resource.name)
                    || plan
                        .get(EntityKind::Role, name)
                        .and_then(Resource::role)
                        .zip(arn)
                        .is_some_and(|(role, arn)| role.attaches(arn))
            }
            Subject::Policies { names, .. } => {
                resource.kind == EntityKind::ManagedPolicy && names.contains(&resource.name)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing() -> Vec<Outcome> {
        vec![Outcome {
            intent: Intent {
                subject: Subject::Role {
                    name: "BatchJobRole".into(),
                },
                check: Check::Denies {
                    action: "s3:DeleteBucket".into(),
                    resource: "arn:aws:s3:::lab".into(),
                },
                reason: "a job never deletes its bucket".into(),
            },
            verdict: Verdict::Fails {
                why: "allowed by statement S3".into(),
            },
        }]
    }

    #[test]
    fn the_apply_verdict_names_a_command_to_paste_or_says_it_in_words() {
        let with = summary_text(&failing(), Some("onramp verify --answers 'my lab.toml'"));
        assert!(
            with.contains("run `onramp verify --answers 'my lab.toml'`"),
            "{with}"
        );
        let without = summary_text(&failing(), None);
        assert!(
            without.contains("onramp verify, with the same answers file, says why"),
            "{without}"
        );
        for text in [with, without] {
            assert!(!text.contains("FILE"), "a placeholder in: {text}");
        }
    }
}
