//! Colours and emphasis. With `NO_COLOR` set, the monochrome theme keeps
//! every distinction readable through bold, underline and reverse video.

use ratatui::style::{Color, Modifier, Style};

/// The styles the screens draw with, by meaning rather than by colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub monochrome: bool,
}

impl Theme {
    pub const COLOR: Theme = Theme { monochrome: false };
    pub const MONO: Theme = Theme { monochrome: true };

    /// Monochrome when `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env(no_color: Option<&str>) -> Theme {
        match no_color {
            Some(v) if !v.is_empty() => Theme::MONO,
            _ => Theme::COLOR,
        }
    }

    fn pick(self, color: Style, mono: Style) -> Style {
        if self.monochrome { mono } else { color }
    }

    pub fn text(self) -> Style {
        Style::default()
    }
    pub fn dim(self) -> Style {
        self.pick(
            Style::default().fg(Color::DarkGray),
            Style::default().add_modifier(Modifier::DIM),
        )
    }
    pub fn title(self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }
    /// The focused row or field.
    pub fn selected(self) -> Style {
        self.pick(
            Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }
    pub fn key(self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }
    pub fn ok(self) -> Style {
        self.pick(
            Style::default().fg(Color::Green),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }
    pub fn warn(self) -> Style {
        self.pick(
            Style::default().fg(Color::Yellow),
            Style::default().add_modifier(Modifier::UNDERLINED),
        )
    }
    pub fn error(self) -> Style {
        self.pick(
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::default()
                .add_modifier(Modifier::BOLD)
                .add_modifier(Modifier::UNDERLINED),
        )
    }
    pub fn banner(self) -> Style {
        self.pick(
            Style::default()
                .bg(Color::Magenta)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    }
    pub fn border(self) -> Style {
        self.pick(Style::default().fg(Color::DarkGray), Style::default())
    }
    pub fn focused_border(self) -> Style {
        self.pick(
            Style::default().fg(Color::Cyan),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }
    // JSON syntax highlighting.
    pub fn json_key(self) -> Style {
        self.pick(
            Style::default().fg(Color::Cyan),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }
    pub fn json_string(self) -> Style {
        self.pick(Style::default().fg(Color::Green), Style::default())
    }
    pub fn json_literal(self) -> Style {
        self.pick(
            Style::default().fg(Color::Magenta),
            Style::default().add_modifier(Modifier::ITALIC),
        )
    }
    pub fn json_punct(self) -> Style {
        self.dim()
    }
    pub fn added(self) -> Style {
        self.pick(
            Style::default().fg(Color::Green),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }
    pub fn removed(self) -> Style {
        self.pick(
            Style::default().fg(Color::Red),
            Style::default().add_modifier(Modifier::CROSSED_OUT),
        )
    }
}
