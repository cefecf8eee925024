//! The HealthOmics part of the wizard, driven by keys through the real
//! `update` on the demo account: the scope screen's three parts, the
//! HealthOmics screen's bucket editor (the genomics one, with read-only
//! rows), its ECR and KMS fields checked as they are typed, values kept
//! going back and forth, and the `[omics]` table saved and read back.

use crossterm::event::KeyCode;
use onramp::answers::{Answers, Omics};
use onramp::tui::app::Screen;
use onramp::tui::screens::omics::Focus;
use onramp_testkit::tui::Driver;

const SPACE: KeyCode = KeyCode::Char(' ');

/// The demo's answers (genomics and ParallelCluster) with HealthOmics
/// turned on too, on its screen.
fn on_the_omics_screen() -> Driver {
    let mut d = Driver::demo();
    d.enter_until(Screen::Scope);
    d.keys(&[KeyCode::Down, KeyCode::Down, SPACE]);
    d.enter_until(Screen::Omics);
    d
}

fn omics(d: &Driver) -> Omics {
    d.app.answers.omics.clone().expect("an [omics] table")
}

/// Whether the 80×24 screen shows `text`, wrapped or not (rows joined,
/// whitespace left out).
fn shows(d: &Driver, text: &str) -> bool {
    let squeezed = |t: &str| t.split_whitespace().collect::<String>();
    squeezed(&d.screen(80, 24)).contains(&squeezed(text))
}

#[test]
fn the_scope_screen_toggles_three_parts_and_keeps_what_each_holds() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Scope);
    let genomics = d.app.answers.genomics.clone().unwrap();
    assert!(shows(&d, "[x] Genomics Workflows core"));
    assert!(shows(&d, "[x] AWS ParallelCluster"));
    assert!(shows(&d, "[ ] AWS HealthOmics"));

    // Both parts off: nothing to set up, and Enter says so.
    d.key(SPACE).keys(&[KeyCode::Down, SPACE]);
    assert!(shows(&d, "[ ] Genomics Workflows core"));
    assert!(shows(&d, "Nothing is chosen"));
    d.enter();
    assert_eq!(d.app.screen, Screen::Scope);
    let flash = d.app.flash.clone().unwrap_or_default();
    assert!(flash.contains("Space turns on"), "{flash}");
    insta::assert_snapshot!("scope_nothing_chosen_80x24", d.snapshot_text(80, 24));

    // Genomics on again: its buckets and options are as they were.
    d.key(KeyCode::Up).key(SPACE);
    assert_eq!(d.app.answers.genomics.as_ref(), Some(&genomics));
    // HealthOmics on: its screen comes after ParallelCluster's place
    // (ParallelCluster is off now, so after the options).
    d.keys(&[KeyCode::Down, KeyCode::Down, SPACE]);
    assert!(omics(&d).enabled);
    let mut seen = Vec::new();
    while d.app.screen != Screen::Omics && seen.len() < 6 {
        d.enter();
        seen.push(d.app.screen);
    }
    assert_eq!(seen, [Screen::Buckets, Screen::Options, Screen::Omics]);
    // A part turned off again leaves no screen behind.
    d.esc().esc().esc();
    assert_eq!(d.app.screen, Screen::Scope);
    d.key(SPACE);
    assert!(!omics(&d).enabled);
    d.enter_until(Screen::Options).enter();
    assert_eq!(d.app.screen, Screen::Review);
}

#[test]
fn the_scope_screen_at_a_tiny_size_asks_for_more_room() {
    let mut d = Driver::demo();
    d.enter_until(Screen::Scope);
    insta::assert_snapshot!("scope_40x12", d.snapshot_text(40, 12));
}

#[test]
fn the_omics_screen_needs_a_bucket_and_space_cycles_read_write_read_only_unused() {
    let mut d = on_the_omics_screen();
    insta::assert_snapshot!("omics_empty_80x24", d.snapshot_text(80, 24));
    insta::assert_snapshot!("omics_40x12", d.snapshot_text(40, 12));
    // Nothing chosen: the answers' own error stops Enter.
    d.enter();
    assert_eq!(d.app.screen, Screen::Omics);
    let flash = d.app.flash.clone().unwrap_or_default();
    assert!(flash.contains("omics.buckets"), "{flash}");

    // The first row, onramp-demo-archive, round the three marks.
    d.key(SPACE);
    assert_eq!(omics(&d).buckets, ["onramp-demo-archive"]);
    assert!(shows(&d, "[rw] onramp-demo-archive"));
    d.key(SPACE);
    assert!(omics(&d).buckets.is_empty());
    assert_eq!(omics(&d).read_only_buckets, ["onramp-demo-archive"]);
    assert!(shows(&d, "[ro] onramp-demo-archive"));
    assert!(shows(&d, "1 selected, 1 of them read-only"));
    d.key(SPACE);
    assert!(omics(&d).read_only_buckets.is_empty() && omics(&d).buckets.is_empty());
    // The genomics buckets are not touched by any of it.
    assert_eq!(
        d.app.answers.genomics.as_ref().unwrap().buckets,
        ["onramp-demo-inputs", "onramp-demo-results"]
    );
}

#[test]
fn a_bad_bucket_name_is_refused_with_the_rule_it_breaks() {
    let mut d = on_the_omics_screen();
    d.key(KeyCode::Char('+')).type_text("Omics_Out");
    assert!(d.app.typing(), "the name field takes the letters");
    assert!(
        shows(&d, "✗ `Omics_Out` contains `O`"),
        "{}",
        d.screen(80, 24)
    );
    d.enter();
    let flash = d.app.flash.clone().unwrap_or_default();
    assert!(flash.starts_with("not added"), "{flash}");
    assert!(d.app.answers.omics.as_ref().unwrap().buckets.is_empty());

    for _ in 0.."Omics_Out".len() {
        d.key(KeyCode::Backspace);
    }
    d.type_text("omics-out");
    assert!(shows(&d, "✓ a valid bucket name"));
    d.enter();
    assert_eq!(omics(&d).buckets, ["omics-out"]);
    assert!(shows(&d, "new: not in the account yet"));
}

#[test]
fn ecr_and_kms_fields_are_checked_as_typed_and_block_until_fixed() {
    let mut d = on_the_omics_screen();
    d.key(SPACE);
    assert!(
        shows(&d, "any repository of the account in us-east-1"),
        "empty means any: {}",
        d.screen(80, 24)
    );
    // list → filter → name → ECR repositories.
    d.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(d.app.omics.focus, Focus::Ecr);
    d.type_text("genomics/GATK");
    assert_eq!(omics(&d).ecr_repositories, ["genomics/GATK"]);
    assert!(
        shows(&d, "repository names are lowercase"),
        "{}",
        d.screen(80, 24)
    );
    d.enter();
    assert_eq!(d.app.screen, Screen::Omics, "a bad name blocks going on");
    for _ in 0..4 {
        d.key(KeyCode::Backspace);
    }
    d.type_text("gatk, genomics/bwa");
    assert_eq!(
        omics(&d).ecr_repositories,
        ["genomics/gatk", "genomics/bwa"]
    );
    assert!(shows(&d, "only from the repositories named"));

    d.key(KeyCode::Tab);
    assert_eq!(d.app.omics.focus, Focus::Kms);
    d.type_text("arn:aws:kms:us-east-1:123456789012:alias/omics");
    assert!(shows(&d, "is an alias"), "{}", d.screen(80, 24));
    for _ in 0.."alias/omics".len() {
        d.key(KeyCode::Backspace);
    }
    d.type_text("key/1234abcd-12ab-34cd-56ef-1234567890ab");
    assert_eq!(
        omics(&d).kms_key_arn.as_deref(),
        Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    );
    insta::assert_snapshot!("omics_kms_80x24", d.snapshot_text(80, 24));
    // Tab comes round to the bucket list.
    d.key(KeyCode::Tab);
    assert_eq!(d.app.omics.focus, Focus::Buckets);
    assert!(!d.app.typing());
    d.enter();
    assert_eq!(d.app.screen, Screen::Review);
}

#[test]
fn going_back_and_forth_keeps_every_value_and_saving_writes_the_omics_table() {
    let mut d = on_the_omics_screen();
    d.keys(&[SPACE, SPACE, KeyCode::Down, SPACE]);
    d.keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab])
        .type_text("genomics/gatk");
    d.key(KeyCode::Tab)
        .type_text("arn:aws:kms:us-east-1:123456789012:key/abcd-1234");
    let before = omics(&d);
    let text = d.screen(80, 24);

    // Esc leaves the field, then the screen; back to the scope and on again.
    d.esc();
    assert_eq!(d.app.screen, Screen::Omics);
    d.esc();
    assert_eq!(d.app.screen, Screen::ParallelCluster);
    d.esc().esc().esc();
    assert_eq!(d.app.screen, Screen::Scope);
    d.enter_until(Screen::Omics);
    assert_eq!(omics(&d), before);
    assert_eq!(d.app.omics.ecr.text(), "genomics/gatk");
    assert_eq!(d.screen(80, 24).lines().count(), text.lines().count());
    assert!(shows(&d, "[ro] onramp-demo-archive"));
    assert!(shows(&d, "[rw] onramp-demo-inputs"));

    // `s` from the list saves; the file holds the same [omics] table.
    d.key(KeyCode::Char('s'));
    let saved = std::fs::read_to_string(d.path("answers.toml")).unwrap();
    assert!(saved.contains("[omics]"), "{saved}");
    let read = Answers::from_toml(&saved).unwrap();
    assert_eq!(read.omics, Some(before));
    assert!(!d.app.work_pending(), "nothing left unsaved");
}

#[test]
fn the_review_confirm_and_summary_show_the_omics_role_and_policy() {
    let mut d = on_the_omics_screen();
    d.keys(&[KeyCode::Down, SPACE]); // onramp-demo-inputs, read-write
    d.enter();
    assert_eq!(d.app.screen, Screen::Review, "flash: {:?}", d.app.flash);
    for name in ["OmicsWorkflowServiceRole", "OmicsWorkflowUserPolicy"] {
        assert!(d.screen(120, 60).contains(name), "review lacks {name}");
    }
    d.enter_until(Screen::Confirm);
    let confirm = d.screen(120, 60);
    assert!(confirm.contains("OmicsWorkflowServiceRole"), "{confirm}");
    d.key(KeyCode::Char('y'));
    d.enter_until(Screen::Summary);
    let summary = d.screen(160, 80);
    for name in ["OmicsWorkflowServiceRole", "OmicsWorkflowUserPolicy"] {
        assert!(summary.contains(name), "summary lacks {name}:\n{summary}");
    }
}
