//! Render-only pieces shared by the screens: helpers that build lines, and
//! widgets (`impl Widget for &X`) that draw a piece of state into an area.

pub mod chrome;
pub mod diff;
pub mod json;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Gauge, Paragraph, Widget};

use super::theme::Theme;

/// A bordered panel; the focused one stands out.
pub fn panel(title: &str, focused: bool, theme: Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if focused {
            theme.focused_border()
        } else {
            theme.border()
        })
        .title(Span::styled(format!(" {title} "), theme.title()))
}

/// A rectangle of at most `width`×`height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// `key label` pairs as one line: `Enter next  Esc back`.
pub fn hints(pairs: &[(&str, &str)], theme: Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, label)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled((*key).to_owned(), theme.key()));
        spans.push(Span::styled(format!(" {label}"), theme.dim()));
    }
    Line::from(spans)
}

/// The spinner frame for a tick.
pub fn spinner(tick: usize) -> &'static str {
    const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
    FRAMES[tick % FRAMES.len()]
}

/// Keeps `cursor` visible in a window of `height` rows starting at `offset`.
pub fn follow(cursor: usize, height: usize) -> usize {
    if height == 0 {
        return cursor;
    }
    cursor.saturating_sub(height - 1)
}

/// Shows the terminal cursor at `row`, `column` of `inner`, if that is inside it.
pub fn place_cursor(frame: &mut Frame, inner: Rect, row: usize, column: usize) {
    let x = inner
        .x
        .saturating_add(u16::try_from(column).unwrap_or(u16::MAX));
    let y = inner
        .y
        .saturating_add(u16::try_from(row).unwrap_or(u16::MAX));
    if x < inner.right() && y < inner.bottom() {
        frame.set_cursor_position(Position { x, y });
    }
}

/// `text` broken into lines at spaces: the first of at most `first`
/// characters, the others of at most `rest`. A word longer than a line (an
/// ARN) is cut where it must.
pub fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut room = first.max(1);
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let needed = if used == 0 {
                word.len()
            } else {
                used + 1 + word.len()
            };
            if needed <= room {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
            } else {
                let rest_of_word = word.split_off(room);
                lines.push(word.iter().collect());
                word = rest_of_word;
                if word.is_empty() {
                    break;
                }
            }
            room = rest.max(1);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `prefix` then `text` in `style`, wrapped to `width` columns; lines after
/// the first start `indent` columns in, so a wrapped item still reads as one
/// (instead of restarting at the left edge).
pub fn hanging(
    prefix: Vec<Span<'static>>,
    text: &str,
    style: Style,
    width: usize,
    indent: usize,
) -> Vec<Line<'static>> {
    let prefix_width: usize = prefix.iter().map(Span::width).sum();
    let chunks = wrap_words(
        text,
        width.saturating_sub(prefix_width),
        width.saturating_sub(indent),
    );
    let mut lines = Vec::with_capacity(chunks.len());
    let mut prefix = Some(prefix);
    for chunk in chunks {
        let mut spans = prefix
            .take()
            .unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
        spans.push(Span::styled(chunk, style));
        lines.push(Line::from(spans));
    }
    lines
}

/// A panel's title for a list that may not fit: says how to scroll when
/// it does not.
pub fn scroll_title(title: &str, shown: usize, total: usize, keys: &str) -> String {
    if total > shown {
        format!("{title} ({shown} of {total} lines; {keys} scroll)")
    } else {
        title.to_owned()
    }
}

/// A progress or size bar with its label. In colour, a filled gauge; without
/// colour (`NO_COLOR`), filled and empty cells would look alike, so the bar is
/// drawn with `█` and `░` and the label says the percentage.
pub struct Meter<'a> {
    /// How full, from 0 to 1 (clamped).
    pub ratio: f64,
    pub label: &'a str,
    pub style: Style,
    pub theme: Theme,
}

impl Widget for &Meter<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let ratio = self.ratio.clamp(0.0, 1.0);
        if self.theme.monochrome {
            Paragraph::new(mono_meter(ratio, self.label)).render(area, buf);
        } else {
            Gauge::default()
                .ratio(ratio)
                .gauge_style(self.style)
                .label(self.label)
                .render(area, buf);
        }
    }
}

/// Lines in a titled panel, scrolled down by `offset` but never past the
/// last line (the offset a key left may be more than the panel now needs).
/// With `keys`, the title says how much shows, and how to scroll, when not
/// every line fits.
pub struct Scrolled<'a> {
    pub title: &'a str,
    pub lines: Vec<Line<'static>>,
    pub offset: usize,
    /// The keys that scroll it, for the title.
    pub keys: Option<&'a str>,
    pub focused: bool,
    pub theme: Theme,
}

impl Widget for &Scrolled<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let shown = usize::from(area.height.saturating_sub(2));
        let total = self.lines.len();
        let offset = self.offset.min(total.saturating_sub(shown));
        let title = match self.keys {
            Some(keys) => scroll_title(self.title, shown, total, keys),
            None => self.title.to_owned(),
        };
        Paragraph::new(self.lines.clone())
            .scroll((u16::try_from(offset).unwrap_or(u16::MAX), 0))
            .block(panel(&title, self.focused, self.theme))
            .render(area, buf);
    }
}

/// The monochrome bar: 10 cells, then the percentage and the label.
pub fn mono_meter(ratio: f64, label: &str) -> String {
    const CELLS: usize = 10;
    let ratio = ratio.clamp(0.0, 1.0);
    // Rounded to whole cells, but never empty above 0 nor full below 1.
    let filled = ((ratio * CELLS as f64).round() as usize)
        .max(usize::from(ratio > 0.0))
        .min(if ratio < 1.0 { CELLS - 1 } else { CELLS });
    format!(
        "{}{} {:>3}%  {label}",
        "█".repeat(filled),
        "░".repeat(CELLS - filled),
        (ratio * 100.0).round() as u32
    )
}

/// Lines wrapped to `width` with [`hanging`]: each line's first span is its
/// label (`note `, `error `), and what follows wraps under the text.
pub fn rewrap(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|line| {
            if line.width() <= width || line.spans.len() < 2 {
                return vec![line];
            }
            let mut spans = line.spans.into_iter();
            let label = spans.next().into_iter().collect::<Vec<_>>();
            let rest: Vec<Span> = spans.collect();
            let style = rest.first().map_or_else(Style::default, |s| s.style);
            let text: String = rest.iter().map(|s| s.content.as_ref()).collect();
            let indent = label.iter().map(Span::width).sum();
            hanging(label, &text, style, width, indent)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces_and_long_words_are_cut() {
        assert_eq!(wrap_words("a bb ccc", 4, 4), ["a bb", "ccc"]);
        assert_eq!(wrap_words("abcdefgh", 3, 5), ["abc", "defgh"]);
        assert_eq!(wrap_words("", 3, 3), [""]);
        let lines = hanging(
            vec![Span::raw("error   ")],
            "one two three four",
            Style::default(),
            16,
            8,
        );
        let text: Vec<String> = lines.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["error   one two", "        three", "        four"]);
    }

    fn rows(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn widgets_draw_nothing_in_no_room_and_clip_to_one_cell() {
        let meter = Meter {
            ratio: 0.5,
            label: "half",
            style: Style::default(),
            theme: Theme::MONO,
        };
        let scrolled = Scrolled {
            title: "Findings",
            lines: vec![Line::from("a"), Line::from("b")],
            offset: 9,
            keys: Some("PgUp PgDn"),
            focused: false,
            theme: Theme::COLOR,
        };
        for area in [Rect::new(0, 0, 0, 0), Rect::new(0, 0, 1, 1)] {
            let mut buf = Buffer::empty(area);
            (&meter).render(area, &mut buf);
            (&scrolled).render(area, &mut buf);
            assert_eq!(buf.area, area);
        }
    }

    #[test]
    fn the_meter_without_colour_is_the_monochrome_bar() {
        let meter = Meter {
            ratio: 1.7,
            label: "calls",
            style: Style::default(),
            theme: Theme::MONO,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 24, 1));
        (&meter).render(buf.area, &mut buf);
        assert_eq!(rows(&buf), [format!("{:<24}", mono_meter(1.0, "calls"))]);
    }

    #[test]
    fn a_scrolled_panel_stops_at_its_last_line_and_says_how_to_scroll() {
        let lines: Vec<Line<'static>> = (1..=6).map(|i| Line::from(format!("line {i}"))).collect();
        let panel = Scrolled {
            title: "Notes",
            lines,
            offset: 100,
            keys: Some("PgUp"),
            focused: false,
            theme: Theme::MONO,
        };
        // Three rows inside the borders: lines 4 to 6, the last at the bottom.
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 5));
        (&panel).render(buf.area, &mut buf);
        let rows = rows(&buf);
        assert!(
            rows[0].contains(" Notes (3 of 6 lines; PgUp scroll) "),
            "{rows:#?}"
        );
        assert!(
            rows[1].contains("line 4") && rows[3].contains("line 6"),
            "{rows:#?}"
        );
        // When everything fits, the title is the title alone.
        let mut tall = Buffer::empty(Rect::new(0, 0, 40, 10));
        (&panel).render(tall.area, &mut tall);
        let tall = self::rows(&tall);
        assert!(
            tall[0].contains(" Notes ") && !tall[0].contains("scroll"),
            "{tall:#?}"
        );
        assert!(tall[1].contains("line 1"), "{tall:#?}");
    }

    #[test]
    fn the_monochrome_bar_tells_6_from_70_percent() {
        let low = mono_meter(0.06, "x");
        let high = mono_meter(0.70, "x");
        assert!(low.starts_with("█░"), "{low}");
        assert!(high.starts_with(&format!("{}░", "█".repeat(7))), "{high}");
        assert!(
            low.contains("  6%") && high.contains(" 70%"),
            "{low} / {high}"
        );
    }
}
