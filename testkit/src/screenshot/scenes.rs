//! Which wizard screens are pictured, and how each is made the same on every
//! machine: the states are the ones the text snapshots check
//! (`tui::demo_screens`), drawn at 100×30 on ratatui's test backend,
//! with the temporary directory they were driven in replaced by a fixed one.

use std::path::{Path, PathBuf};

use onramp::tui::app::App;
use onramp::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::Grid;
use crate::tui::{demo_screens, text_of};

/// The pictures' terminal size, the same as the pseudo-terminal's.
pub const COLS: u16 = 100;
pub const ROWS: u16 = 30;

/// The directory the pictures show in place of the temporary one the demo
/// was driven in (the journal and the exports are in it).
pub const SHOWN_DIR: &str = "/home/you/onramp";

/// The screens pictured, by their name in `demo_screens`; the file is
/// `screenshots/NAME.png`, and the README links these names.
pub const PICTURED: [&str; 15] = [
    "welcome",
    "scope",
    "buckets",
    "options",
    "parallelcluster",
    "omics",
    "review",
    "export_menu",
    "preview",
    "editor_error",
    "help",
    "confirm",
    "apply_in_progress",
    "summary",
    "review_existing",
];

/// Every pictured screen as `(file name, grid)`, in [`PICTURED`] order. Fails
/// if a screen is missing from `demo_screens` or would show a temporary path.
pub fn demo_pictures() -> Result<Vec<(String, Grid)>, String> {
    let mut screens = demo_screens();
    let mut out = Vec::new();
    for name in PICTURED {
        let at = screens
            .iter()
            .position(|(n, _)| *n == name)
            .ok_or_else(|| format!("tui::demo_screens has no screen {name:?}"))?;
        let (_, driver) = screens.swap_remove(at);
        let mut app = driver.app.clone();
        let mut hidden = vec![driver.dir.path().display().to_string()];
        if let Some(dir) = &driver.redact_from {
            relocate(&mut app, Path::new(dir), Path::new(SHOWN_DIR));
            hidden.push(dir.clone());
        }
        let buffer = draw(&app, COLS, ROWS)?;
        let text = text_of(&buffer);
        if let Some(dir) = hidden.iter().find(|dir| text.contains(dir.as_str())) {
            return Err(format!(
                "the {name} screen shows the temporary directory {dir}: a path in the app's state \
                 is not moved to {SHOWN_DIR} by screenshot::scenes::relocate\n{text}"
            ));
        }
        out.push((format!("{name}.png"), Grid::from_buffer(&buffer)));
    }
    Ok(out)
}

/// The app drawn on a test backend of `cols`×`rows`.
pub fn draw(app: &App, cols: u16, rows: u16) -> Result<Buffer, String> {
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).map_err(|e| e.to_string())?;
    terminal
        .draw(|frame| view::render(app, frame))
        .map_err(|e| e.to_string())?;
    Ok(terminal.backend().buffer().clone())
}

/// Moves every path the app shows from under `from` to under `to`: the
/// configured journal, answers and export directory, the exports made, the
/// running apply's journal, and any message that names them.
pub fn relocate(app: &mut App, from: &Path, to: &Path) {
    let moved = |path: &mut PathBuf| {
        if let Ok(rest) = path.strip_prefix(from) {
            *path = to.join(rest);
        }
    };
    let (from_text, to_text) = (from.display().to_string(), to.display().to_string());
    let moved_text = |text: &mut String| *text = text.replace(&from_text, &to_text);

    let config = &mut app.config;
    for path in [
        &mut config.answers_path,
        &mut config.journal,
        &mut config.export_dir,
        &mut app.run.journal,
    ]
    .into_iter()
    .flatten()
    {
        moved(path);
    }
    for (_, path) in &mut app.exports {
        moved(path);
    }
    if let Some((_, outcome)) = &mut app.export_outcome {
        match outcome {
            Ok(path) => moved(path),
            Err(problem) => moved_text(problem),
        }
    }
    if let Some(flash) = &mut app.flash {
        moved_text(flash);
    }
}
