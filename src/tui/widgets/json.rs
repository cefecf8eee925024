//! Syntax highlighting of pretty-printed JSON: keys, strings, literals and
//! punctuation each get their own style. Works on text so it also colours a
//! document being edited that is not (yet) valid JSON.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;

/// The lines of `text`, highlighted.
pub fn highlight(text: &str, theme: Theme) -> Vec<Line<'static>> {
    text.lines()
        .map(|line| highlight_line(line, theme))
        .collect()
}

fn highlight_line(line: &str, theme: Theme) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let push = |spans: &mut Vec<Span<'static>>, text: String, style: Style| {
        if !text.is_empty() {
            spans.push(Span::styled(text, style));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            let text: String = chars[start..i].iter().collect();
            let rest = chars[i..].iter().find(|c| !c.is_whitespace());
            let style = if rest == Some(&':') {
                theme.json_key()
            } else {
                theme.json_string()
            };
            push(&mut spans, text, style);
        } else if c.is_whitespace() {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            push(&mut spans, chars[start..i].iter().collect(), theme.text());
        } else if "{}[]:,".contains(c) {
            push(&mut spans, c.to_string(), theme.json_punct());
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !"{}[]:,\" ".contains(chars[i]) {
                i += 1;
            }
            push(
                &mut spans,
                chars[start..i].iter().collect(),
                theme.json_literal(),
            );
        }
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_get_different_styles() {
        let theme = Theme::COLOR;
        let line = &highlight(r#"  "Effect": "Allow","#, theme)[0];
        let styled: Vec<(String, Style)> = line
            .spans
            .iter()
            .map(|s| (s.content.to_string(), s.style))
            .collect();
        assert!(styled.contains(&("\"Effect\"".into(), theme.json_key())));
        assert!(styled.contains(&("\"Allow\"".into(), theme.json_string())));
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, r#"  "Effect": "Allow","#);
    }

    #[test]
    fn broken_text_is_shown_whole() {
        let text = "{ \"a\": tru e, \"unterminated";
        let joined: String = highlight(text, Theme::MONO)[0]
            .spans
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(joined, text);
    }
}
