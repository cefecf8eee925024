//! The review's choice for a planned resource that exists and that onramp
//! did not make (see [`crate::plan::existing`]): adopt it, keep it as it
//! is, rename onramp's so that it is made beside it, or only add to it (the
//! default, where a difference onramp would rewrite stays a conflict).
//!
//! `o` opens the choice for the resource under the cursor. Each choice
//! edits the answers (`adopt`, `keep`, `[names]`), so that `s` saves it and
//! going back and forth keeps it; the plan is made again and the account
//! read again for it, so the badges, the reasons and the confirm list follow.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::text::{Line, Span};

use super::action::Effect;
use super::app::{App, Overlay};
use super::field::TextField;
use super::theme::Theme;
use super::widgets::{hanging, hints};
use crate::answers::Answers;
use crate::apply::diff::State as ChangeState;
use crate::iam::names::Slot;
use crate::plan::existing::{EVERY, Treatment};
use crate::plan::{Resource, ResourceId};

/// The choice being made: for which resource, and the new name being
/// typed once "rename" is chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Choosing {
    pub id: ResourceId,
    /// The `[names]` entry that names it, when one does.
    pub slot: Option<Slot>,
    /// The new name (before the prefix), while it is typed.
    pub rename: Option<TextField>,
}

/// One entry of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Adopt,
    Keep,
    /// The default: only add to it.
    AddOnly,
    /// Give onramp's resource a name of its own.
    Rename,
    /// Take back a rename: the slot's default name again.
    DefaultName,
}

/// Whether `resource` exists in the account, onramp did not make it, and
/// it is not a service-linked role (which AWS owns, and onramp uses as it
/// is): the resources a person chooses for.
pub fn choosable(app: &App, resource: &Resource) -> bool {
    !resource.is_service_linked()
        && app
            .observation(&resource.id())
            .is_some_and(|o| !o.change.owned && o.change.state != ChangeState::Create)
}

/// The treatment the answers give `resource`.
pub fn treatment(app: &App, resource: &Resource) -> Treatment {
    app.derived
        .plan
        .as_ref()
        .map_or(Treatment::AddOnly, |p| p.existing.treatment(resource))
}

/// The `[names]` entry naming `resource`, if any.
fn slot_of(app: &App, resource: &Resource) -> Option<Slot> {
    app.derived
        .valid
        .as_ref()?
        .slot_of(resource.kind(), &resource.name)
}

/// The entry naming `resource` when the answers give it a name of their own.
fn renamed(app: &App, resource: &Resource) -> Option<Slot> {
    slot_of(app, resource).filter(|slot| slot.overridden(&app.answers.names).is_some())
}

/// The menu's entries for `resource`: the four choices for one that
/// exists and onramp did not make; renaming again or taking the rename
/// back for one the answers named.
fn entries(app: &App, resource: &Resource) -> Vec<(char, Choice)> {
    let slot = slot_of(app, resource);
    if choosable(app, resource) {
        let mut out = vec![('a', Choice::Adopt), ('k', Choice::Keep)];
        if slot.is_some() {
            out.push(('n', Choice::Rename));
        }
        out.push(('d', Choice::AddOnly));
        out
    } else if renamed(app, resource).is_some() {
        vec![('n', Choice::Rename), ('d', Choice::DefaultName)]
    } else {
        Vec::new()
    }
}

/// The resource under the review's cursor.
fn selected(app: &App) -> Option<Resource> {
    app.derived
        .plan
        .as_ref()?
        .resources
        .get(app.review.cursor)
        .cloned()
}

/// `o` on the review: opens the choice, or says why there is none.
pub fn open(app: &mut App) -> Vec<Effect> {
    let Some(resource) = selected(app) else {
        return Vec::new();
    };
    let label = format!("{} {}", resource.noun(), resource.name);
    if resource.is_service_linked() {
        app.flash = Some(format!(
            "AWS owns the {label}: onramp uses it as it is, and nobody else may change it"
        ));
        return Vec::new();
    }
    if app.review.observed.ready().is_none() {
        app.flash = Some("still reading the account; choose once it is read".into());
        return Vec::new();
    }
    if entries(app, &resource).is_empty() {
        app.flash = Some(match app.observation(&resource.id()) {
            Some(o) if o.change.state == ChangeState::Create => {
                format!("{label} does not exist yet: onramp creates it, nothing to choose")
            }
            _ => format!("onramp made {label}: it is onramp's own, nothing to choose"),
        });
        return Vec::new();
    }
    app.review.choosing = Some(Choosing {
        id: resource.id(),
        slot: slot_of(app, &resource),
        rename: None,
    });
    app.overlay = Some(Overlay::Existing);
    Vec::new()
}

fn close(app: &mut App) {
    app.overlay = None;
    app.review.choosing = None;
}

/// A key while the choice is open.
pub fn on_menu_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(choosing) = app.review.choosing.clone() else {
        close(app);
        return Vec::new();
    };
    let Some(resource) = app
        .derived
        .plan
        .as_ref()
        .and_then(|p| p.get(choosing.id.kind, &choosing.id.name))
        .cloned()
    else {
        close(app);
        return Vec::new();
    };
    if let Some(mut field) = choosing.rename {
        return match key.code {
            KeyCode::Esc => {
                if let Some(c) = &mut app.review.choosing {
                    c.rename = None;
                }
                Vec::new()
            }
            KeyCode::Enter => {
                let text = field.text();
                match choosing
                    .slot
                    .map(|slot| rename(app, &resource, slot, &text))
                {
                    Some(Ok(effects)) => effects,
                    Some(Err(why)) => {
                        app.flash = Some(why);
                        Vec::new()
                    }
                    None => {
                        close(app);
                        Vec::new()
                    }
                }
            }
            _ => {
                field.input(key);
                if let Some(c) = &mut app.review.choosing {
                    c.rename = Some(field);
                }
                Vec::new()
            }
        };
    }
    if matches!(key.code, KeyCode::Esc | KeyCode::Char('q')) {
        close(app);
        return Vec::new();
    }
    let chosen = entries(app, &resource)
        .into_iter()
        .find(|(c, _)| key.code == KeyCode::Char(*c))
        .map(|(_, choice)| choice);
    match chosen {
        Some(Choice::Rename) => {
            let suggested = choosing
                .slot
                .map(|slot| suggested_name(app, slot))
                .unwrap_or_default();
            if let Some(c) = &mut app.review.choosing {
                c.rename = Some(TextField::new(&suggested));
            }
            Vec::new()
        }
        Some(Choice::DefaultName) => match choosing.slot {
            Some(slot) => {
                close(app);
                *slot.override_mut(&mut app.answers.names) = None;
                app.flash = Some(format!(
                    "onramp's {} has its default name again (names.{} removed from the answers; s saves)",
                    resource.noun(),
                    slot.key()
                ));
                replan(app)
            }
            None => Vec::new(),
        },
        Some(choice @ (Choice::Adopt | Choice::Keep | Choice::AddOnly)) => {
            close(app);
            let every = adopted_by_every(app);
            set_choice(&mut app.answers, &resource.name, choice, &every);
            app.flash = Some(chosen_words(&resource, choice));
            replan(app)
        }
        None => Vec::new(),
    }
}

/// What a choice did, for the footer.
fn chosen_words(resource: &Resource, choice: Choice) -> String {
    let label = format!("{} {}", resource.noun(), resource.name);
    match choice {
        Choice::Adopt => format!(
            "{label}: adopt (in the answers' adopt list; s saves); destroy puts it back as it is now"
        ),
        Choice::Keep => format!(
            "{label}: keep as it is (in the answers' keep list; s saves); onramp changes nothing on it"
        ),
        _ => format!(
            "{label}: add only (out of the answers' adopt and keep lists); a difference stays a conflict"
        ),
    }
}

/// Plans again for the changed answers and reads the account for the new plan.
fn replan(app: &mut App) -> Vec<Effect> {
    app.refresh();
    app.observe_if_stale()
}

/// The names `adopt = ["*"]` adopts now: every planned resource that exists
/// and that onramp did not make (service-linked roles aside), in plan order.
fn adopted_by_every(app: &App) -> Vec<String> {
    let Some(plan) = &app.derived.plan else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for resource in plan.resources.iter().filter(|r| choosable(app, r)) {
        if !out.iter().any(|n| n.eq_ignore_ascii_case(&resource.name)) {
            out.push(resource.name.clone());
        }
    }
    out
}

/// Writes `choice` for the resources called `name` into the answers'
/// `adopt` and `keep` lists: in one list at most, matched as IAM matches
/// names (without regard to case). Adding only, where `adopt` holds `"*"`,
/// takes the `"*"` out for the names it adopted (`every`) but this one, so
/// the others stay adopted.
pub fn set_choice(answers: &mut Answers, name: &str, choice: Choice, every: &[String]) {
    let same = |n: &String| n.eq_ignore_ascii_case(name);
    answers.keep.retain(|n| !same(n));
    answers.adopt.retain(|n| !same(n));
    let wildcard = answers.adopt.iter().any(|n| n == EVERY);
    match choice {
        Choice::Adopt if !wildcard => answers.adopt.push(name.to_owned()),
        Choice::Keep => answers.keep.push(name.to_owned()),
        Choice::AddOnly if wildcard => {
            answers.adopt.retain(|n| n != EVERY);
            for other in every.iter().filter(|n| !same(n)) {
                let listed = |list: &[String]| list.iter().any(|n| n.eq_ignore_ascii_case(other));
                if !listed(&answers.adopt) && !listed(&answers.keep) {
                    answers.adopt.push(other.clone());
                }
            }
        }
        _ => {}
    }
}

/// What the rename field starts with: the name the resource has now
/// (before the prefix) with `-onramp` after it.
fn suggested_name(app: &App, slot: Slot) -> String {
    let region = app.region().unwrap_or_default();
    let base = slot
        .overridden(&app.answers.names)
        .map_or_else(|| slot.default_name(region), str::to_owned);
    format!("{base}-onramp")
}

/// The answers with `slot` named `text`, or why that name cannot be.
fn renamed_answers(app: &App, slot: Slot, text: &str) -> Result<Answers, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("type a name for onramp's own".into());
    }
    let mut answers = app.answers.clone();
    *slot.override_mut(&mut answers.names) = Some(text.to_owned());
    let field = format!("names.{}", slot.key());
    if let Err(errors) = answers.validate(&app.environment())
        && let Some(e) = errors
            .0
            .iter()
            .find(|e| e.field == field || e.field == "name_prefix")
    {
        return Err(e.message.clone());
    }
    Ok(answers)
}

/// Names onramp's resource of `slot` `text` (the prefix goes in front),
/// and takes the old name out of the `adopt` and `keep` lists when nothing
/// planned has it any more.
fn rename(
    app: &mut App,
    resource: &Resource,
    slot: Slot,
    text: &str,
) -> Result<Vec<Effect>, String> {
    let answers = renamed_answers(app, slot, text)?;
    let old = resource.name.clone();
    close(app);
    app.answers = answers;
    app.refresh();
    if let Some(plan) = &app.derived.plan
        && !plan
            .resources
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&old))
    {
        app.answers.adopt.retain(|n| !n.eq_ignore_ascii_case(&old));
        app.answers.keep.retain(|n| !n.eq_ignore_ascii_case(&old));
    }
    let new = app
        .derived
        .valid
        .as_ref()
        .map_or_else(|| text.to_owned(), |v| v.name(slot));
    app.flash = Some(format!(
        "onramp's {} is now {new} (names.{} in the answers; s saves); the {old} that exists is left as it is",
        resource.noun(),
        slot.key()
    ));
    Ok(replan(app))
}

/// The choice's words in the menu and on the review.
pub fn choice_words(treatment: Treatment) -> &'static str {
    match treatment {
        Treatment::Adopt => "adopt",
        Treatment::Keep => "keep as it is",
        Treatment::AddOnly => "add only (the default)",
    }
}

/// The menu (or the rename field), with its title.
pub fn menu(app: &App, theme: Theme, width: usize) -> (&'static str, Vec<Line<'static>>) {
    let Some(choosing) = &app.review.choosing else {
        return ("Existing resource", Vec::new());
    };
    let Some(resource) = app
        .derived
        .plan
        .as_ref()
        .and_then(|p| p.get(choosing.id.kind, &choosing.id.name))
    else {
        return ("Existing resource", Vec::new());
    };
    let label = format!("{} {}", resource.noun(), resource.name);
    if let (Some(field), Some(slot)) = (&choosing.rename, choosing.slot) {
        return (
            "Rename onramp's",
            rename_lines(app, slot, field, &label, theme, width),
        );
    }
    let mut lines = Vec::new();
    let shared: Vec<String> = app
        .derived
        .plan
        .iter()
        .flat_map(|p| &p.resources)
        .filter(|r| r.name.eq_ignore_ascii_case(&resource.name) && r.id() != resource.id())
        .map(|r| format!("{} {}", r.noun(), r.name))
        .collect();
    let entries = entries(app, resource);
    if entries.iter().any(|(_, c)| *c == Choice::DefaultName) {
        lines.extend(hanging(
            Vec::new(),
            &format!("The answers name onramp's {label}."),
            theme.text(),
            width,
            0,
        ));
    } else {
        lines.extend(hanging(
            Vec::new(),
            &format!(
                "{label} exists in the account, and onramp did not make it. Now: {}.",
                choice_words(treatment(app, resource))
            ),
            theme.text(),
            width,
            0,
        ));
        if !shared.is_empty() {
            lines.extend(hanging(
                Vec::new(),
                &format!(
                    "Adopt and keep go by name: they are for {} too.",
                    shared.join(", ")
                ),
                theme.dim(),
                width,
                0,
            ));
        }
    }
    lines.push(Line::from(""));
    let region = app.region().unwrap_or_default();
    for (key, choice) in &entries {
        let text = match choice {
            Choice::Adopt => "adopt: bring it to the plan; the journal keeps it as it is now, and destroy puts it back".to_owned(),
            Choice::Keep => "keep as it is: onramp changes nothing on it; verify checks whether it grants what is needed".to_owned(),
            Choice::Rename => format!(
                "rename onramp's: onramp makes its own beside it, under a name you give (names.{})",
                choosing.slot.map_or("", Slot::key)
            ),
            Choice::AddOnly => "add only (the default): onramp only adds to it; what it would rewrite is a conflict".to_owned(),
            Choice::DefaultName => format!(
                "back to the default name {}",
                choosing
                    .slot
                    .map(|s| format!("{}{}", app.answers.name_prefix, s.default_name(region)))
                    .unwrap_or_default()
            ),
        };
        lines.extend(hanging(
            vec![Span::styled(format!("  {key}  "), theme.key())],
            &text,
            theme.text(),
            width,
            5,
        ));
    }
    lines.push(Line::from(""));
    let keys: Vec<String> = entries.iter().map(|(k, _)| k.to_string()).collect();
    let keys = keys.join(" / ");
    lines.push(hints(
        &[(keys.as_str(), "choose"), ("Esc", "cancel")],
        theme,
    ));
    ("Existing resource", lines)
}

/// The rename field: what is renamed, the name typed with the cursor,
/// the final name (prefix included), and whether it will do.
fn rename_lines(
    app: &App,
    slot: Slot,
    field: &TextField,
    label: &str,
    theme: Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let mut lines = hanging(
        Vec::new(),
        &format!(
            "onramp makes its own beside the {label} that exists, named as you type (names.{}):",
            slot.key()
        ),
        theme.text(),
        width,
        0,
    );
    let text: Vec<char> = field.text().chars().collect();
    let at = field.cursor().min(text.len());
    let before: String = text[..at].iter().collect();
    let under: String = text.get(at).map_or_else(|| " ".to_owned(), char::to_string);
    let after: String = text
        .get(at + 1..)
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    lines.push(Line::from(vec![
        Span::styled("  name: ", theme.dim()),
        Span::styled(before, theme.key()),
        Span::styled(under, theme.selected()),
        Span::styled(after, theme.key()),
    ]));
    match renamed_answers(app, slot, &field.text()) {
        Ok(_) => {
            let prefix = &app.answers.name_prefix;
            let full = format!("{prefix}{}", field.text().trim());
            lines.extend(hanging(
                vec![Span::styled("  ✓ ", theme.ok())],
                &format!("onramp's becomes {full}"),
                theme.text(),
                width,
                4,
            ));
        }
        Err(why) => lines.extend(hanging(
            vec![Span::styled("  ✗ ", theme.error())],
            &why,
            theme.error(),
            width,
            4,
        )),
    }
    lines.push(Line::from(""));
    lines.push(hints(&[("Enter", "rename"), ("Esc", "back")], theme));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(answers: &Answers) -> (Vec<&str>, Vec<&str>) {
        (
            answers.adopt.iter().map(String::as_str).collect(),
            answers.keep.iter().map(String::as_str).collect(),
        )
    }

    #[test]
    fn a_name_is_in_one_list_at_most_whatever_its_case() {
        let mut answers = Answers::default();
        set_choice(&mut answers, "ecsInstanceRole", Choice::Adopt, &[]);
        assert_eq!(lists(&answers), (vec!["ecsInstanceRole"], vec![]));
        // Again: not listed twice.
        set_choice(&mut answers, "ecsInstanceRole", Choice::Adopt, &[]);
        assert_eq!(lists(&answers), (vec!["ecsInstanceRole"], vec![]));
        set_choice(&mut answers, "ECSINSTANCEROLE", Choice::Keep, &[]);
        assert_eq!(lists(&answers), (vec![], vec!["ECSINSTANCEROLE"]));
        set_choice(&mut answers, "ecsInstanceRole", Choice::AddOnly, &[]);
        assert_eq!(lists(&answers), (vec![], vec![]));
    }

    #[test]
    fn adding_only_under_the_wildcard_keeps_the_others_adopted() {
        let mut answers = Answers {
            adopt: vec![EVERY.to_owned()],
            keep: vec!["AWSBatchServiceRole".to_owned()],
            ..Answers::default()
        };
        let every = ["ecsInstanceRole", "AWSBatchServiceRole", "BatchJobRole"]
            .map(String::from)
            .to_vec();
        // Adopting under the wildcard needs no entry of its own.
        set_choice(&mut answers, "BatchJobRole", Choice::Adopt, &every);
        assert_eq!(lists(&answers), (vec!["*"], vec!["AWSBatchServiceRole"]));
        set_choice(&mut answers, "ecsInstanceRole", Choice::AddOnly, &every);
        // The kept one stays kept, not adopted.
        assert_eq!(
            lists(&answers),
            (vec!["BatchJobRole"], vec!["AWSBatchServiceRole"])
        );
    }
}
