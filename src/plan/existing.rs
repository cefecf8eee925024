//! What onramp may do with a planned resource that already exists and that
//! it did not make: the console's first run, an old tutorial or a colleague
//! often made `ecsInstanceRole` or `AWSBatchServiceRole` long before.
//!
//! By default onramp only adds to such a resource (an attachment, an inline
//! policy, a role in a profile), and any difference it would have to
//! rewrite (trust policy, boundary, document) is a conflict for a person to
//! settle. The answers' `adopt` and `keep` lists (and `apply --adopt`) are
//! that person's answer, per name:
//! - **adopt**: bring it to the plan like one of onramp's own; the journal
//!   keeps what it was, and `destroy` puts it back;
//! - **keep**: use it as it is; onramp changes nothing on it, and `verify`
//!   says whether it grants what the workload needs.
//!
//! A service-linked role is neither: AWS owns it, and IAM lets nobody else
//! change it. onramp uses it as it is.

use std::collections::BTreeSet;

use serde::Serialize;

use super::Resource;

pub use crate::answers::ADOPT_EVERY as EVERY;

/// What to do with one planned resource if it exists and onramp did not
/// make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Add what is missing; a difference onramp would have to rewrite is a
    /// conflict.
    AddOnly,
    /// Bring it to the plan, and give it back as it was on destroy.
    Adopt,
    /// Use it as it is: no change at all.
    Keep,
}

/// The answers' `adopt` and `keep` lists, by final IAM name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Choices {
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub adopt: BTreeSet<String>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub keep: BTreeSet<String>,
}

impl Choices {
    pub fn new<'a>(
        adopt: impl IntoIterator<Item = &'a String>,
        keep: impl IntoIterator<Item = &'a String>,
    ) -> Choices {
        Choices {
            adopt: adopt.into_iter().cloned().collect(),
            keep: keep.into_iter().cloned().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.adopt.is_empty() && self.keep.is_empty()
    }

    /// The treatment of `resource`. IAM names are unique without regard to
    /// case, so the lists are matched that way; `keep` wins over `adopt =
    /// ["*"]`, the narrower choice over the wider.
    pub fn treatment(&self, resource: &Resource) -> Treatment {
        if resource.is_service_linked() {
            return Treatment::AddOnly;
        }
        let named = |list: &BTreeSet<String>| {
            list.iter()
                .any(|name| name.eq_ignore_ascii_case(&resource.name))
        };
        if named(&self.keep) {
            Treatment::Keep
        } else if named(&self.adopt) || self.adopt.contains(EVERY) {
            Treatment::Adopt
        } else {
            Treatment::AddOnly
        }
    }

    /// What is wrong with the lists for the plan's `resources`, each as
    /// (field, message): a name the plan does not have (a typo would
    /// otherwise adopt nothing and say nothing), and a service-linked role
    /// named for adoption.
    pub fn problems(&self, resources: &[Resource]) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, list) in [("adopt", &self.adopt), ("keep", &self.keep)] {
            for name in list.iter().filter(|n| n.as_str() != EVERY) {
                let matching: Vec<&Resource> = resources
                    .iter()
                    .filter(|r| r.name.eq_ignore_ascii_case(name))
                    .collect();
                if matching.is_empty() {
                    out.push((
                        field,
                        format!(
                            "names {name}, which these answers do not plan; the planned names are {}",
                            planned_names(resources)
                        ),
                    ));
                } else if field == "adopt" && matching.iter().all(|r| r.is_service_linked()) {
                    out.push((
                        field,
                        format!(
                            "names {name}, a service-linked role: AWS owns it and nobody else may change it, so onramp uses it as it is; remove it from adopt"
                        ),
                    ));
                }
            }
        }
        out
    }
}

/// The distinct names of `resources`, in plan order, comma-separated.
fn planned_names(resources: &[Resource]) -> String {
    let mut seen = BTreeSet::new();
    resources
        .iter()
        .filter(|r| seen.insert(r.name.to_ascii_lowercase()))
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan_of_valid_toml;

    fn plan() -> crate::plan::Plan {
        plan_of_valid_toml(
            "region = \"us-east-1\"\naccount_id = \"123456789012\"\n\
             [genomics]\nbuckets = [\"my-gwf-data\"]\nbatch_service_role = \"service-linked\"\n",
        )
    }

    fn named<'a>(plan: &'a crate::plan::Plan, name: &str) -> &'a Resource {
        plan.resources
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{name} is planned"))
    }

    #[test]
    fn a_name_is_matched_whatever_its_case_and_keep_wins_over_every() {
        let plan = plan();
        let role = named(&plan, "ecsInstanceRole");
        let every = Choices::new(&[EVERY.to_owned()], &[]);
        assert_eq!(every.treatment(role), Treatment::Adopt);
        let kept = Choices::new(&[EVERY.to_owned()], &["ECSINSTANCEROLE".to_owned()]);
        assert_eq!(kept.treatment(role), Treatment::Keep);
        let other = Choices::new(&["AWSBatchServiceRole".to_owned()], &[]);
        assert_eq!(other.treatment(role), Treatment::AddOnly);
    }

    #[test]
    fn a_service_linked_role_is_never_adopted_and_naming_it_is_a_problem() {
        let plan = plan();
        let linked = named(&plan, "AWSServiceRoleForBatch");
        let every = Choices::new(&[EVERY.to_owned()], &[]);
        assert_eq!(every.treatment(linked), Treatment::AddOnly);
        assert!(every.problems(&plan.resources).is_empty());
        let by_name = Choices::new(&["AWSServiceRoleForBatch".to_owned()], &[]);
        let problems = by_name.problems(&plan.resources);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].1.contains("service-linked"), "{problems:?}");
    }

    #[test]
    fn a_name_the_plan_lacks_is_a_problem_naming_the_planned_ones() {
        let plan = plan();
        let typo = Choices::new(&[], &["ecsInstanceRol".to_owned()]);
        let problems = typo.problems(&plan.resources);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "keep");
        assert!(problems[0].1.contains("ecsInstanceRol,"), "{problems:?}");
        assert!(problems[0].1.contains("ecsInstanceRole"), "{problems:?}");
        // The role and its instance profile share a name: listed once.
        assert_eq!(problems[0].1.matches("ecsInstanceRole").count(), 1);
        // Lint makes it an error, which blocks apply.
        let mut plan = plan;
        plan.existing = typo;
        let findings = crate::plan::lint::lint(&plan);
        assert!(
            findings
                .iter()
                .any(|f| f.code == "existing-choice" && f.level == crate::plan::lint::Level::Error),
            "{findings:?}"
        );
    }
}
