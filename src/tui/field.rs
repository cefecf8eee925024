//! A one-line text field on top of ratatui-textarea: Enter, Tab and newlines
//! never reach it (they move between fields), everything else edits.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// A single-line editable text.
#[derive(Debug, Clone)]
pub struct TextField {
    area: TextArea<'static>,
}

impl Default for TextField {
    fn default() -> Self {
        TextField::new("")
    }
}

impl PartialEq for TextField {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl TextField {
    pub fn new(text: &str) -> TextField {
        let mut area = TextArea::new(vec![text.replace(['\n', '\r'], " ")]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        TextField { area }
    }

    pub fn text(&self) -> String {
        self.area.lines().join("")
    }

    pub fn set(&mut self, text: &str) {
        *self = TextField::new(text);
    }

    /// The cursor's column, in characters.
    pub fn cursor(&self) -> usize {
        self.area.cursor().1
    }

    /// Feeds a key; returns whether the text changed. Keys that move between
    /// fields or screens are refused so the caller can act on them.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        let refused = matches!(
            key.code,
            KeyCode::Enter
                | KeyCode::Tab
                | KeyCode::BackTab
                | KeyCode::Esc
                | KeyCode::Up
                | KeyCode::Down
        ) || (key.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(key.code, KeyCode::Char('m' | 'j' | 's' | 'c' | 'z')));
        if refused {
            return false;
        }
        let before = self.text();
        self.area.input(key);
        self.text() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_edits_and_enter_is_refused() {
        let mut f = TextField::new("ab");
        assert!(f.input(key(KeyCode::Char('c'))));
        assert!(!f.input(key(KeyCode::Enter)));
        assert!(f.input(key(KeyCode::Backspace)));
        assert_eq!(f.text(), "ab");
        assert_eq!(f.cursor(), 2);
    }

    #[test]
    fn newlines_never_enter_the_field() {
        assert_eq!(TextField::new("a\nb").text(), "a b");
    }
}
