//! The everything example on the in-memory account, as the tests of the
//! apply engine's schedule and of IAM's eventual consistency use it.

use onramp::answers::{Answers, Environment, ValidAnswers};
use onramp::cloud::memory::MemoryCloud;
use onramp::plan::{Plan, Resource, Spec};
use onramp_testkit::files;

/// The answers of `examples/everything.toml`, validated.
pub fn everything_answers() -> ValidAnswers {
    Answers::from_toml(&files::example("everything.toml"))
        .unwrap()
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The plan of `examples/everything.toml`.
pub fn everything() -> Plan {
    onramp::plan::plan(&everything_answers()).unwrap()
}

/// An in-memory account with what the example assumes exists: its
/// permissions boundary.
pub async fn account() -> MemoryCloud {
    let cloud = MemoryCloud::demo();
    crate::apply_suite::prepare(&cloud, &files::example("everything.toml")).await;
    cloud
}

/// Whether a role of `plan` has inline policies (reading them is a round
/// of its own).
pub fn has_inline_policies(plan: &Plan) -> bool {
    plan.resources
        .iter()
        .any(|r| matches!(&r.spec, Spec::Role(role) if !role.inline_policies.is_empty()))
}

/// The first role of `plan` with two or more managed policies attached.
pub fn role_with_attachments(plan: &Plan) -> &Resource {
    plan.resources
        .iter()
        .find(|r| matches!(&r.spec, Spec::Role(role) if role.managed_policy_arns.len() >= 2))
        .unwrap()
}
