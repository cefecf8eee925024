//! The permission preflight, as the wizard runs and shows it.

use super::*;

// ------------------------------------------------------ permission preflight

#[test]
fn the_welcome_screen_names_a_missing_permission_and_x_a_exports_the_policy() {
    let cloud = MemoryCloud::demo();
    cloud.deny("iam:CreateRole");
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    let roles = d
        .app
        .derived
        .plan
        .as_ref()
        .unwrap()
        .resources
        .iter()
        .filter(|r| r.role().is_some())
        .collect::<Vec<_>>();
    let first_role = roles[0].arn.clone();
    let welcome = d.screen(200, 40);
    assert!(
        welcome.contains(&format!(
            "⚠ Missing permissions: {} (e.g. iam:CreateRole on {first_role}); press x then a to export the policy you need",
            roles.len()
        )),
        "{welcome}"
    );
    assert!(!welcome.contains("checks passed"), "{welcome}");
    // It informs; it does not block.
    assert_eq!(onramp::tui::screens::blocker(&d.app), None);

    d.key(KeyCode::Char('x')).key(KeyCode::Char('a'));
    assert_eq!(d.app.overlay, Some(Overlay::Exported));
    let written =
        std::fs::read_to_string(d.path("onramp-123456789012-us-east-1.admin-policy.json")).unwrap();
    let plan = d.app.derived.plan.clone().unwrap();
    assert_eq!(
        written,
        onramp::export::render(&plan, onramp::export::Format::AdminPolicy).unwrap()
    );
    assert!(written.contains("\"iam:CreateRole\""));
}

#[test]
fn the_demo_passes_every_check_and_says_how_many() {
    let d = Driver::demo();
    let plan = d.app.derived.plan.clone().unwrap();
    let checks: usize =
        onramp::apply::permissions::checks(&plan, onramp::apply::permissions::Audience::Wizard)
            .iter()
            .map(onramp::apply::permissions::Check::pairs)
            .sum();
    assert!(checks > 100, "{checks}");
    let welcome = d.screen(100, 30);
    assert!(
        welcome.contains(&format!("✓ Permissions: all {checks} checks passed")),
        "{welcome}"
    );
}

#[test]
fn a_check_that_could_not_be_made_is_said_once_and_blocks_nothing() {
    let mut d = Driver::demo();
    let generation = d.app.preflight.generation;
    update(
        &mut d.app,
        Action::Preflighted {
            generation,
            outcome: onramp::apply::permissions::Outcome::Unchecked(
                "SimulatePrincipalPolicy: access denied".into(),
            ),
        },
    );
    let welcome = d.screen(100, 30);
    assert_eq!(
        welcome
            .matches("Permissions not checked: SimulatePrincipalPolicy: access denied")
            .count(),
        1,
        "{welcome}"
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Scope);
}

#[test]
fn the_root_user_needs_no_check() {
    let cloud = MemoryCloud::demo().with_caller("arn:aws:iam::123456789012:root");
    let d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    let welcome = d.screen(120, 40);
    assert!(
        welcome.contains("Permissions: the root user may do everything (no check needed)"),
        "{welcome}"
    );
}

#[test]
fn the_confirm_screen_checks_again_only_when_the_plan_needs_other_permissions() {
    let cloud = MemoryCloud::demo();
    cloud.deny("iam:CreateRole");
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), Arc::new(cloud));
    let generation = d.app.preflight.generation;
    assert_eq!(generation, 1, "one check on connecting");
    d.enter_until(Screen::Confirm);
    assert_eq!(d.app.preflight.generation, generation, "nothing changed");
    let confirm = d.screen(120, 40);
    assert!(
        confirm.contains("⚠ Missing permissions: 5 (e.g. iam:CreateRole on"),
        "{confirm}"
    );

    // Back to the scope, ParallelCluster only: fewer roles to create.
    d.esc().esc().esc().esc().esc().esc();
    assert_eq!(d.app.screen, Screen::Scope);
    d.key(KeyCode::Char(' ')).key(KeyCode::Enter);
    assert!(!d.app.genomics_enabled() && d.app.cluster_enabled());
    d.enter_until(Screen::Confirm);
    assert_eq!(d.app.preflight.generation, generation + 1);
    let confirm = d.screen(200, 40);
    assert!(
        confirm.contains(
            "⚠ Missing permissions: 1 (e.g. iam:CreateRole on arn:aws:iam::123456789012:role/"
        ),
        "{confirm}"
    );

    // A late answer to the first check is dropped.
    update(
        &mut d.app,
        Action::Preflighted {
            generation,
            outcome: onramp::apply::permissions::Outcome::Allowed { checked: 1 },
        },
    );
    assert!(d.screen(200, 40).contains("⚠ Missing permissions: 1"));
}

#[test]
fn connecting_starts_the_check_with_the_callers_arn_and_the_plan() {
    let (mut app, _) = onramp::tui::app::App::new(demo_config(
        std::path::Path::new("/nonexistent"),
        Theme::COLOR,
    ));
    let caller = "arn:aws:iam::123456789012:user/ops/runner";
    let effects = update(
        &mut app,
        Action::Connected(Ok(onramp::cloud::Identity {
            account_id: "123456789012".into(),
            arn: caller.into(),
            partition: "aws".into(),
        })),
    );
    let plan = app.derived.plan.clone().unwrap();
    assert_eq!(
        effects,
        [
            Effect::ListBuckets,
            Effect::ReadQuotas,
            Effect::Preflight {
                generation: 1,
                caller_arn: caller.into(),
                plan: Box::new(plan),
            }
        ]
    );
    assert!(app.animating(), "a spinner while it runs");
}
