//! The permission preflight: before anything is changed, asks IAM's policy
//! simulator whether the caller may make the calls a plan needs, so that a
//! person learns of a missing permission up front rather than halfway
//! through an apply. It only warns: whatever goes wrong with the check
//! itself (no simulator, not allowed to simulate, a caller it cannot
//! simulate) becomes [`Outcome::Unchecked`], never an error. What to check
//! and what the answers mean is [`super::permissions`]; this makes the calls.
//! Reads only.

use futures::stream::{self, StreamExt, TryStreamExt};

use super::permissions::{self, Audience, Outcome, Principal};
use crate::cloud::Cloud;
use crate::plan::Plan;

/// Simulations in flight at once: a plan needs about ten, and they run
/// beside the apply's first reads, so all of them go out in that round
/// (a throttled one is retried by the SDK, then reported as unchecked).
const CONCURRENCY: usize = super::schedule::CONCURRENCY;

/// Checks that `caller_arn` may make the calls `plan` needs.
pub async fn preflight(
    cloud: &dyn Cloud,
    caller_arn: &str,
    plan: &Plan,
    audience: Audience,
) -> Outcome {
    let source = match permissions::principal(caller_arn) {
        Principal::Root => return Outcome::Root,
        Principal::Unsupported(why) => return Outcome::Unchecked(why),
        Principal::Entity(arn) => arn,
        Principal::Session {
            role_name,
            fallback_arn,
        } => match cloud.get_role(&role_name).await {
            Ok(Some(role)) => role.arn,
            // The admin policy grants no read of the runner's own role.
            // Most roles are at the root path; for one that is not, the
            // simulator answers that it does not exist, which is reported.
            Ok(None) | Err(_) => fallback_arn,
        },
    };
    let checks = permissions::checks(plan, audience);
    // The calls as a list first (they start only when polled): a closure
    // in `StreamExt::map` would make the future not `Send` for the wizard's
    // spawned task (a known limit of higher-ranked lifetimes).
    let calls: Vec<_> = checks
        .iter()
        .map(|check| {
            cloud.simulate_principal_policy(
                &source,
                &check.actions,
                &check.resources,
                &check.context,
            )
        })
        .collect();
    let results = stream::iter(calls)
        .buffered(CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await;
    let outcome = match results {
        Ok(results) => permissions::outcome(&checks, &results),
        Err(e) => Outcome::Unchecked(format!("{}: {}", e.action, e.message)),
    };
    tracing::debug!(?outcome, source = %source, "permission preflight");
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::Answers;
    use crate::cloud::counting::CountingCloud;
    use crate::cloud::memory::MemoryCloud;
    use crate::cloud::{NewRole, Tags};
    use crate::iam::action::Action;
    use serde_json::json;

    fn demo_plan() -> Plan {
        let valid = Answers::demo()
            .validate(&crate::answers::Environment {
                region_env: Some("us-east-1".into()),
                account_id: Some("123456789012".into()),
                ..Default::default()
            })
            .unwrap_or_else(|e| unreachable!("{e}"));
        crate::plan::plan(&valid).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| unreachable!("{e}"))
            .block_on(f)
    }

    const USER: &str = "arn:aws:iam::123456789012:user/onramp-demo";

    #[test]
    fn an_administrator_passes_every_check() {
        let cloud = CountingCloud::new(MemoryCloud::demo());
        let plan = demo_plan();
        let outcome = block_on(preflight(&cloud, USER, &plan, Audience::Wizard));
        let expected: usize = permissions::checks(&plan, Audience::Wizard)
            .iter()
            .map(permissions::Check::pairs)
            .sum();
        assert_eq!(outcome, Outcome::Allowed { checked: expected });
        assert_eq!(
            cloud.calls().get(&Action::SimulatePrincipalPolicy),
            Some(&permissions::checks(&plan, Audience::Wizard).len())
        );
        assert_eq!(cloud.mutating_calls(), 0);
    }

    #[test]
    fn a_denied_action_is_listed_on_every_resource() {
        let cloud = MemoryCloud::demo();
        cloud.deny("iam:CreateRole");
        let plan = demo_plan();
        let Outcome::Missing { denied, .. } =
            block_on(preflight(&cloud, USER, &plan, Audience::Headless))
        else {
            unreachable!()
        };
        let roles = plan.resources.iter().filter(|r| r.role().is_some()).count();
        assert_eq!(denied.len(), roles);
        assert!(denied.iter().all(|d| d.action == "iam:CreateRole"));
    }

    #[test]
    fn root_needs_no_check_and_others_cannot_be_checked() {
        let plan = demo_plan();
        let cloud = CountingCloud::new(MemoryCloud::demo());
        let root = block_on(preflight(
            &cloud,
            "arn:aws:iam::123456789012:root",
            &plan,
            Audience::Headless,
        ));
        assert_eq!(root, Outcome::Root);
        let federated = block_on(preflight(
            &cloud,
            "arn:aws:sts::123456789012:federated-user/bob",
            &plan,
            Audience::Headless,
        ));
        assert!(matches!(federated, Outcome::Unchecked(_)), "{federated:?}");
        assert!(cloud.calls().is_empty(), "{:?}", cloud.calls());
    }

    #[test]
    fn a_session_is_simulated_as_its_role_with_the_roles_path() {
        let session = "arn:aws:sts::123456789012:assumed-role/Ops/alice";
        let cloud = MemoryCloud::demo().with_caller(session);
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]});
        let no_tags = Tags::new();
        block_on(cloud.create_role(NewRole {
            name: "Ops",
            path: "/team/",
            description: "",
            trust_policy: &trust,
            permissions_boundary: None,
            tags: &no_tags,
        }))
        .unwrap_or_else(|e| unreachable!("{e}"));
        let plan = demo_plan();
        let outcome = block_on(preflight(&cloud, session, &plan, Audience::Headless));
        assert!(matches!(outcome, Outcome::Allowed { .. }), "{outcome:?}");
    }

    #[test]
    fn a_failed_simulation_is_reported_not_raised() {
        // The session's role does not exist: GetRole finds nothing, the
        // root-path guess is simulated, and the simulator refuses it.
        let session = "arn:aws:sts::123456789012:assumed-role/Gone/alice";
        let cloud = MemoryCloud::demo().with_caller(session);
        let outcome = block_on(preflight(&cloud, session, &demo_plan(), Audience::Wizard));
        let Outcome::Unchecked(why) = outcome else {
            unreachable!("{outcome:?}")
        };
        assert!(why.starts_with("SimulatePrincipalPolicy: "), "{why}");
        assert!(why.contains("arn:aws:iam::123456789012:role/Gone"), "{why}");
    }
}
