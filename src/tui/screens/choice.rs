//! The review's words for a planned resource that exists and that onramp
//! did not make (see [`crate::tui::existing`]): the line under its row
//! saying what is done with it, and the detail pane with the choice made
//! (or the conflict) and everything that differs from the plan, cut to
//! whole items where the pane is short.

use ratatui::text::{Line, Span};

use crate::apply::diff::{State as ChangeState, without_ways_out};
use crate::plan::Resource;
use crate::plan::existing::Treatment;
use crate::tui::action::Observation;
use crate::tui::app::App;
use crate::tui::difference::{self, Difference, Mark};
use crate::tui::existing;
use crate::tui::theme::Theme;
use crate::tui::widgets::{hanging, hints};

/// The row's line under a resource that exists and that onramp did not
/// make: what is done with it. Short enough for 80 columns.
pub fn standing(app: &App, resource: &Resource) -> Option<String> {
    let observation = app.observation(&resource.id())?;
    if observation.change.state == ChangeState::Create {
        return None;
    }
    if resource.is_service_linked() {
        return Some("exists: AWS owns it; onramp uses it as it is".into());
    }
    if !existing::choosable(app, resource) {
        return None;
    }
    Some(
        match existing::treatment(app, resource) {
            Treatment::Adopt => "adopted: destroy puts it back as it is now",
            Treatment::Keep => "kept as it is: onramp changes nothing on it",
            Treatment::AddOnly => "not made by onramp: o adopts, keeps or renames",
        }
        .into(),
    )
}

/// Blocks of lines: what `fit` keeps whole or leaves out.
pub type Blocks = Vec<Vec<Line<'static>>>;

/// As many whole `blocks` as `rows` hold; when some are left out, the last
/// row says where the rest is. A first block taller than that is cut.
pub fn fit(blocks: Blocks, rows: usize, theme: Theme) -> Vec<Line<'static>> {
    let total: usize = blocks.iter().map(Vec::len).sum();
    if total <= rows {
        return blocks.concat();
    }
    let room = rows.saturating_sub(1);
    let mut out: Vec<Line<'static>> = Vec::new();
    for block in blocks {
        if out.len() + block.len() > room {
            if out.is_empty() {
                out.extend(block.into_iter().take(room));
            }
            break;
        }
        out.extend(block);
    }
    out.push(Line::from(Span::styled(
        "… p, then d: each document's whole difference",
        theme.dim(),
    )));
    out
}

/// A resource that exists and that onramp did not make: the choice made
/// (or the conflict), the key to change it, then what differs from the plan
/// and each document's difference.
pub fn detail(app: &App, resource: &Resource, o: &Observation, width: usize) -> Blocks {
    let theme = app.theme();
    let mut lines: Blocks = Vec::new();
    let treatment = existing::treatment(app, resource);
    if o.change.state == ChangeState::Conflict {
        for reason in &o.change.reasons {
            lines.push(hanging(
                vec![Span::styled("conflict: ", theme.error())],
                without_ways_out(reason, &resource.name),
                theme.text(),
                width,
                2,
            ));
        }
    } else {
        let text = match treatment {
            Treatment::Adopt => {
                "adopted (your choice): onramp brings it to the plan; the journal keeps it as it is now, and destroy puts it back"
            }
            Treatment::Keep => {
                "kept as it is (your choice): onramp changes nothing on it; verify checks whether it grants what the workload needs"
            }
            Treatment::AddOnly => {
                "exists, and onramp did not make it: onramp only adds what is missing"
            }
        };
        lines.push(hanging(Vec::new(), text, theme.warn(), width, 2));
    }
    lines.push(vec![hints(
        &[(
            "o",
            match treatment {
                Treatment::AddOnly => "adopt it, keep it as it is, or rename onramp's",
                _ => "choose again: adopt, keep, rename onramp's, or add only",
            },
        )],
        theme,
    )]);
    // Marked as a diff is: `~` differs, `+` the plan adds, `-` the plan
    // has not; then each document's unified diff.
    let mut differences: Vec<Difference> = o
        .found
        .as_ref()
        .map(|found| difference::summary(resource, found))
        .unwrap_or_default();
    differences.extend(difference::documents(resource, &o.existing));
    for d in differences {
        let block = match d.mark {
            Mark::Unified => {
                let style = if d.text.starts_with("---") || d.text.starts_with("+++") {
                    theme.dim()
                } else if d.text.starts_with('+') {
                    theme.added()
                } else if d.text.starts_with('-') {
                    theme.removed()
                } else {
                    theme.dim()
                };
                vec![Line::from(Span::styled(d.text, style))]
            }
            mark => {
                let (prefix, style) = match mark {
                    Mark::Added => ("  + ", theme.added()),
                    Mark::Removed => ("  - ", theme.removed()),
                    _ => ("  ~ ", theme.warn()),
                };
                hanging(vec![Span::styled(prefix, style)], &d.text, style, width, 4)
            }
        };
        lines.push(block);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    fn blocks(sizes: &[usize]) -> Blocks {
        sizes
            .iter()
            .enumerate()
            .map(|(b, n)| (0..*n).map(|i| Line::from(format!("{b}.{i}"))).collect())
            .collect()
    }

    #[test]
    fn whole_blocks_fit_and_what_is_left_out_is_said() {
        let mono = Theme::MONO;
        assert_eq!(text(&fit(blocks(&[2, 1]), 3, mono)), ["0.0", "0.1", "1.0"]);
        // The second block does not fit whole: left out, and said.
        let cut = text(&fit(blocks(&[2, 2, 1]), 4, mono));
        assert_eq!(cut[..2], ["0.0", "0.1"]);
        assert_eq!(cut.len(), 3);
        assert!(cut[2].starts_with("… p, then d"), "{cut:?}");
        // A first block taller than the pane is cut to it.
        let tall = text(&fit(blocks(&[5]), 3, mono));
        assert_eq!(tall[..2], ["0.0", "0.1"]);
        assert_eq!(tall.len(), 3);
    }
}
