//! A line diff of two documents, for showing what an update changes.

use ratatui::text::{Line, Span};
use similar::{ChangeTag, TextDiff};

use crate::tui::theme::Theme;

/// `before` → `after`, line by line, with `-`/`+` markers.
pub fn lines(before: &str, after: &str, theme: Theme) -> Vec<Line<'static>> {
    TextDiff::from_lines(before, after)
        .iter_all_changes()
        .map(|change| {
            let (marker, style) = match change.tag() {
                ChangeTag::Delete => ("- ", theme.removed()),
                ChangeTag::Insert => ("+ ", theme.added()),
                ChangeTag::Equal => ("  ", theme.dim()),
            };
            let text = change.value().trim_end_matches('\n').to_owned();
            Line::from(vec![Span::styled(marker, style), Span::styled(text, style)])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_removed_and_added_lines() {
        let out = lines("a\nb\n", "a\nc\n", Theme::MONO);
        let text: Vec<String> = out
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.to_string()).collect())
            .collect();
        assert_eq!(text, vec!["  a", "- b", "+ c"]);
    }
}
