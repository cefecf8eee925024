//! The review's choice for a resource that exists and that onramp did not
//! make: adopt it, keep it as it is, rename onramp's, or add only.

use super::*;
use onramp::apply::diff::State;
use onramp::iam::names::EntityKind;
use onramp::plan::existing::Treatment;
use onramp_testkit::tui::{NOT_PLANNED as SSM, lambda_trust, made_by_hand};

/// The wizard on `cloud`, at the review, the account read.
fn review_on(cloud: Arc<MemoryCloud>) -> Driver {
    let mut d = Driver::with(|dir| demo_config(dir, Theme::COLOR), cloud);
    d.redact_from = Some(d.dir.path().display().to_string());
    d.enter_until(Screen::Review);
    d
}

/// Moves the review's cursor to the resource of `kind` called `name`.
fn select(d: &mut Driver, kind: EntityKind, name: &str) {
    let index = d
        .app
        .derived
        .plan
        .as_ref()
        .unwrap()
        .resources
        .iter()
        .position(|r| r.kind() == kind && r.name == name)
        .unwrap_or_else(|| panic!("{name} is planned"));
    while d.app.review.cursor < index {
        d.key(KeyCode::Down);
    }
    while d.app.review.cursor > index {
        d.key(KeyCode::Up);
    }
}

fn state_of(d: &Driver, kind: EntityKind, name: &str) -> State {
    let id = onramp::plan::ResourceId {
        kind,
        name: name.to_owned(),
    };
    d.app.observation(&id).unwrap().change.state
}

fn row(d: &Driver, text: &str) -> String {
    let screen = d.screen(120, 60);
    screen
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no row with {text}:\n{screen}"))
        .to_owned()
}

#[test]
fn each_choice_edits_the_answers_and_reads_the_account_again() {
    let mut d = review_on(made_by_hand(&["ecsInstanceRole"]));
    let role = EntityKind::Role;
    select(&mut d, role, "ecsInstanceRole");
    assert_eq!(state_of(&d, role, "ecsInstanceRole"), State::Conflict);
    assert!(row(&d, "/ecsInstanceRole").contains("! conflict"));
    let screen = d.screen(120, 40);
    assert!(
        screen.contains("not made by onramp: o adopts, keeps or renames"),
        "{screen}"
    );
    // The conflict blocks, and says how to settle it here.
    d.enter();
    assert_eq!(d.app.screen, Screen::Review);
    let flash = d.app.flash.clone().unwrap();
    assert!(flash.contains("press o on it"), "{flash}");
    assert!(!flash.contains("apply --adopt"), "{flash}");

    // Adopt.
    let generation = d.app.review.generation;
    d.key(KeyCode::Char('o'));
    assert_eq!(d.app.overlay, Some(Overlay::Existing));
    d.key(KeyCode::Char('a'));
    assert_eq!(d.app.overlay, None);
    assert_eq!(d.app.answers.adopt, ["ecsInstanceRole"]);
    assert!(d.app.answers.keep.is_empty());
    assert!(d.app.review.generation > generation, "read again");
    assert_eq!(state_of(&d, role, "ecsInstanceRole"), State::Adopt);
    assert!(row(&d, "/ecsInstanceRole").contains("* adopt"));
    let screen = d.screen(120, 40);
    assert!(screen.contains("adopted: destroy puts it back"), "{screen}");
    assert!(d.app.work_pending(), "a choice is an unsaved answer");

    // Keep.
    d.key(KeyCode::Char('o')).key(KeyCode::Char('k'));
    assert!(d.app.answers.adopt.is_empty());
    assert_eq!(d.app.answers.keep, ["ecsInstanceRole"]);
    assert_eq!(state_of(&d, role, "ecsInstanceRole"), State::Unchanged);
    assert!(row(&d, "/ecsInstanceRole").contains("= kept"));

    // Back and forth: the choice stays.
    d.esc().esc();
    assert_eq!(d.app.screen, Screen::Options);
    d.enter_until(Screen::Review);
    assert_eq!(d.app.answers.keep, ["ecsInstanceRole"]);
    assert!(row(&d, "/ecsInstanceRole").contains("= kept"));

    // Add only: the conflict is back.
    select(&mut d, role, "ecsInstanceRole");
    d.key(KeyCode::Char('o')).key(KeyCode::Char('d'));
    assert!(d.app.answers.adopt.is_empty() && d.app.answers.keep.is_empty());
    assert_eq!(state_of(&d, role, "ecsInstanceRole"), State::Conflict);

    // Esc closes the choice and changes nothing.
    d.key(KeyCode::Char('o')).esc();
    assert_eq!(d.app.overlay, None);
    assert_eq!(d.app.screen, Screen::Review);
    assert!(d.app.answers.adopt.is_empty() && d.app.answers.keep.is_empty());
}

#[test]
fn the_detail_shows_everything_that_differs_and_not_the_command_line() {
    let mut d = review_on(made_by_hand(&["ecsInstanceRole"]));
    select(&mut d, EntityKind::Role, "ecsInstanceRole");
    let screen = d.screen(120, 40);
    for expected in [
        "conflict: role ecsInstanceRole exists with another trust policy",
        "o adopt it, keep it as it is, or rename onramp's",
        "~ trusts lambda.amazonaws.com; the plan: ec2.amazonaws.com",
        "+ attach: ",
        "AmazonEC2ContainerServiceforEC2Role",
        "- attached, not planned: AmazonSSMManagedInstanceCore",
        "--- trust_policy (exists)",
        "-        \"Service\": \"lambda.amazonaws.com\"",
        "+        \"Service\": \"ec2.amazonaws.com\"",
    ] {
        assert!(screen.contains(expected), "{expected} in:\n{screen}");
    }
    assert!(!screen.contains("apply --adopt"), "{screen}");
    // At 80×24 it is cut, and says where the rest is.
    let small = d.screen(80, 24);
    assert!(
        small.contains("~ trusts lambda.amazonaws.com; the plan: ec2.amazonaws.com"),
        "{small}"
    );
    assert!(small.contains("… p, then d"), "{small}");
    // The footer offers the key on this row only.
    assert!(small.contains("o adopt/keep"), "{small}");
    d.key(KeyCode::Up);
    assert!(!d.screen(80, 24).contains("o adopt/keep"));
}

#[test]
fn an_adopted_role_is_confirmed_knowingly_applied_and_journaled() {
    let mut d = review_on(made_by_hand(&["ecsInstanceRole"]));
    select(&mut d, EntityKind::Role, "ecsInstanceRole");
    d.key(KeyCode::Char('o')).key(KeyCode::Char('a'));
    d.enter_until(Screen::Confirm);
    let confirm = d.screen(120, 40);
    assert!(
        confirm.contains(
            "adopt role ecsInstanceRole: the journal keeps what it is now; destroy puts it back"
        ),
        "{confirm}"
    );
    assert!(confirm.contains("to create, update or adopt"), "{confirm}");
    assert!(confirm.contains("UpdateAssumeRolePolicy"), "{confirm}");
    assert!(confirm.contains("DetachRolePolicy"), "{confirm}");
    d.key(KeyCode::Char('y'));
    d.assert_applied();
    let role = block_on(d.cloud.get_role("ecsInstanceRole"))
        .unwrap()
        .unwrap();
    let planned = d
        .app
        .derived
        .plan
        .as_ref()
        .unwrap()
        .get(EntityKind::Role, "ecsInstanceRole")
        .unwrap()
        .role()
        .unwrap()
        .trust_policy
        .clone();
    assert!(
        onramp::apply::compare::same_document(&role.trust_policy, &planned),
        "{}",
        role.trust_policy
    );
    let attached = block_on(d.cloud.list_attached_role_policies("ecsInstanceRole")).unwrap();
    assert!(!attached.iter().any(|a| a == SSM), "{attached:?}");
    let journal = std::fs::read_to_string(d.path("demo.journal.jsonl")).unwrap();
    let adopt: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["event"] == "adopt")
        .collect();
    assert_eq!(adopt.len(), 1, "{journal}");
    assert_eq!(adopt[0]["name"], "ecsInstanceRole");
    assert_eq!(
        adopt[0]["before"]["trust_policy"],
        lambda_trust(),
        "{journal}"
    );
}

#[test]
fn a_kept_role_is_left_alone_and_the_confirm_screen_says_so() {
    let mut d = review_on(made_by_hand(&["ecsInstanceRole"]));
    select(&mut d, EntityKind::Role, "ecsInstanceRole");
    d.key(KeyCode::Char('o')).key(KeyCode::Char('k'));
    let screen = d.screen(120, 40);
    assert!(
        screen.contains("kept as it is (your choice): onramp changes nothing on it"),
        "{screen}"
    );
    d.enter_until(Screen::Confirm);
    let confirm = d.screen(120, 40);
    assert!(
        confirm.contains("Kept as they are (your choice): role ecsInstanceRole"),
        "{confirm}"
    );
    assert!(
        !confirm.contains("update role ecsInstanceRole"),
        "{confirm}"
    );
    d.key(KeyCode::Char('y'));
    d.assert_applied();
    let role = block_on(d.cloud.get_role("ecsInstanceRole"))
        .unwrap()
        .unwrap();
    assert_eq!(role.trust_policy, lambda_trust());
    assert!(role.tags.is_empty(), "{:?}", role.tags);
    let attached = block_on(d.cloud.list_attached_role_policies("ecsInstanceRole")).unwrap();
    assert_eq!(attached, [SSM]);
}

#[test]
fn renaming_onramps_makes_its_own_beside_the_one_that_exists() {
    let mut d = review_on(made_by_hand(&["ecsInstanceRole"]));
    let role = EntityKind::Role;
    select(&mut d, role, "ecsInstanceRole");
    d.key(KeyCode::Char('o'));
    // A choice first, so that renaming takes the old name out of it.
    d.key(KeyCode::Char('k'));
    d.key(KeyCode::Char('o')).key(KeyCode::Char('n'));
    let field = d.app.review.choosing.as_ref().unwrap().rename.clone();
    assert_eq!(field.unwrap().text(), "ecsInstanceRole-onramp");
    let screen = d.screen(100, 30);
    assert!(
        screen.contains("onramp's becomes ecsInstanceRole-onramp"),
        "{screen}"
    );
    // A name IAM refuses is said and not taken.
    d.type_text("!");
    assert!(d.screen(100, 30).contains('✗'));
    d.enter();
    assert_eq!(d.app.overlay, Some(Overlay::Existing));
    assert!(d.app.answers.names.instance_role.is_none());
    d.key(KeyCode::Backspace).enter();
    assert_eq!(d.app.overlay, None);
    assert_eq!(
        d.app.answers.names.instance_role.as_deref(),
        Some("ecsInstanceRole-onramp")
    );
    assert!(d.app.answers.keep.is_empty(), "the old name left the list");
    // The role and its profile are both onramp's own now, and new.
    assert_eq!(state_of(&d, role, "ecsInstanceRole-onramp"), State::Create);
    assert_eq!(
        state_of(&d, EntityKind::InstanceProfile, "ecsInstanceRole-onramp"),
        State::Create
    );
    assert!(d.app.flash.clone().unwrap().contains("names.instance_role"));
    d.enter();
    assert_eq!(d.app.screen, Screen::Preview, "nothing blocks now");
    d.esc();

    // o on the renamed row takes the rename back.
    select(&mut d, role, "ecsInstanceRole-onramp");
    d.key(KeyCode::Char('o'));
    assert_eq!(d.app.overlay, Some(Overlay::Existing));
    d.key(KeyCode::Char('d'));
    assert!(d.app.answers.names.instance_role.is_none());
    assert_eq!(state_of(&d, role, "ecsInstanceRole"), State::Conflict);
}

#[test]
fn adding_only_under_adopt_every_keeps_the_others_adopted() {
    let cloud = made_by_hand(&["ecsInstanceRole", "AWSBatchServiceRole"]);
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            config.answers.adopt = vec!["*".into()];
            config
        },
        cloud,
    );
    d.enter_until(Screen::Review);
    let role = EntityKind::Role;
    assert_eq!(state_of(&d, role, "ecsInstanceRole"), State::Adopt);
    assert_eq!(state_of(&d, role, "AWSBatchServiceRole"), State::Adopt);
    select(&mut d, role, "ecsInstanceRole");
    d.key(KeyCode::Char('o')).key(KeyCode::Char('d'));
    assert_eq!(d.app.answers.adopt, ["AWSBatchServiceRole"]);
    assert_eq!(state_of(&d, role, "ecsInstanceRole"), State::Conflict);
    assert_eq!(state_of(&d, role, "AWSBatchServiceRole"), State::Adopt);
}

#[test]
fn nothing_to_choose_for_a_new_resource_or_a_service_linked_role() {
    let cloud = Arc::new(MemoryCloud::demo());
    block_on(cloud.create_service_linked_role("batch.amazonaws.com", "by hand")).unwrap();
    let mut d = Driver::with(
        |dir| {
            let mut config = demo_config(dir, Theme::COLOR);
            if let Some(g) = &mut config.answers.genomics {
                g.batch_service_role = "service-linked".into();
            }
            config
        },
        cloud,
    );
    d.enter_until(Screen::Review);
    select(&mut d, EntityKind::Role, "AWSServiceRoleForBatch");
    let screen = d.screen(120, 40);
    assert!(
        screen.contains("exists: AWS owns it; onramp uses it as it is"),
        "{screen}"
    );
    d.key(KeyCode::Char('o'));
    assert_eq!(d.app.overlay, None);
    assert!(d.app.flash.clone().unwrap().contains("AWS owns"));
    select(&mut d, EntityKind::Role, "BatchJobRole");
    d.key(KeyCode::Char('o'));
    assert_eq!(d.app.overlay, None);
    assert!(
        d.app.flash.clone().unwrap().contains("does not exist yet"),
        "{:?}",
        d.app.flash
    );
}

#[test]
fn behind_the_too_small_message_the_choice_takes_no_key() {
    let mut d = review_on(made_by_hand(&["ecsInstanceRole"]));
    select(&mut d, EntityKind::Role, "ecsInstanceRole");
    d.key(KeyCode::Char('o'));
    d.act(Action::Resize(60, 20));
    d.key(KeyCode::Char('a'));
    assert!(d.app.answers.adopt.is_empty());
    d.act(Action::Resize(100, 30));
    d.key(KeyCode::Char('a'));
    assert_eq!(d.app.answers.adopt, ["ecsInstanceRole"]);
}

#[test]
fn saved_choices_replay_to_the_same_plan() {
    let mut d = review_on(made_by_hand(&["ecsInstanceRole", "AWSBatchServiceRole"]));
    select(&mut d, EntityKind::Role, "ecsInstanceRole");
    d.key(KeyCode::Char('o')).key(KeyCode::Char('a'));
    select(&mut d, EntityKind::Role, "AWSBatchServiceRole");
    d.key(KeyCode::Char('o')).key(KeyCode::Char('k'));
    d.key(KeyCode::Char('s'));
    assert!(!d.app.work_pending(), "{:?}", d.app.flash);
    let text = std::fs::read_to_string(d.path("answers.toml")).unwrap();
    let saved = onramp::answers::Answers::from_toml(&text).unwrap();
    assert_eq!(saved.adopt, ["ecsInstanceRole"]);
    assert_eq!(saved.keep, ["AWSBatchServiceRole"]);
    let plan = onramp::plan::plan(&saved.validate(&d.app.environment()).unwrap()).unwrap();
    assert_eq!(Some(&plan), d.app.derived.plan.as_ref());
    let treatment = |name| {
        plan.existing
            .treatment(plan.get(EntityKind::Role, name).unwrap())
    };
    assert_eq!(treatment("ecsInstanceRole"), Treatment::Adopt);
    assert_eq!(treatment("AWSBatchServiceRole"), Treatment::Keep);
}
