//! The PNG screenshots in `screenshots/`: every wizard screen drawn on
//! ratatui's test backend, and two screens of the real binary in a
//! pseudo-terminal, each compared byte for byte with the committed picture.
//! A stale picture fails with the command that regenerates them all:
//!
//! ```sh
//! ONRAMP_WRITE_SCREENSHOTS=1 cargo test --test tui screenshots
//! ```
//!
//! Also the renderer itself: the same grid gives the same bytes, colours and
//! weights reach the SVG, the PNG has the size promised, and cells draw
//! where they are.

use onramp_testkit::pty;
use onramp_testkit::pty::{Onramp, Tui, keys};
use onramp_testkit::screenshot;
use onramp_testkit::screenshot::scenes::{self, COLS, ROWS};
use onramp_testkit::screenshot::{
    Cell, DEFAULT_BG, DEFAULT_FG, Grid, PALETTE, Rgb, cell_pixels, check_or_write, png_size,
    to_pixmap, to_png, to_svg, writing,
};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use resvg::tiny_skia::Pixmap;

/// Checks (or, with `ONRAMP_WRITE_SCREENSHOTS=1`, writes) every picture in
/// `pictures`, then fails once, naming each stale one.
fn check_all(pictures: &[(String, Grid)]) {
    let write = writing();
    let mut problems = Vec::new();
    for (file, grid) in pictures {
        let png = to_png(grid).unwrap();
        if let Err(problem) = check_or_write(file, &png, write) {
            problems.push(problem);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_wizard_screen_matches_its_committed_picture() {
    let pictures = scenes::demo_pictures().unwrap();
    assert_eq!(pictures.len(), scenes::PICTURED.len());
    for (file, grid) in &pictures {
        assert_eq!((grid.width, grid.height), (COLS, ROWS), "{file}");
    }
    check_all(&pictures);
}

/// Waits until the terminal shows exactly `expected` (the same screen drawn
/// on the test backend): then the frame is complete and final, nothing is
/// still loading, and the picture cannot depend on timing.
fn wait_for_picture(t: &Tui, name: &str, expected: &Grid) -> Grid {
    let text = expected.text();
    t.wait_until(
        &format!("the terminal to show what the test backend draws for {name}:\n{text}"),
        pty::TIMEOUT,
        |screen| Grid::from_vt100(screen).text() == text,
    );
    t.with_screen(Grid::from_vt100)
}

#[test]
fn the_real_wizard_in_a_terminal_matches_its_committed_pictures() {
    assert_eq!(
        (pty::COLS, pty::ROWS),
        (COLS, ROWS),
        "the same size as the other pictures"
    );
    let demo = scenes::demo_pictures().unwrap();
    let expected = |name: &str| {
        let file = format!("{name}.png");
        demo.iter()
            .find(|(f, _)| *f == file)
            .map(|(_, g)| g)
            .unwrap()
    };

    let dir = tempfile::tempdir().unwrap();
    let mut t = Onramp::demo(dir.path()).spawn();
    let welcome = wait_for_picture(&t, "welcome", expected("welcome"));
    t.assert_terminal_taken();

    t.send(keys::ENTER);
    t.wait_for(pty::screens::SCOPE);
    t.send(keys::ENTER);
    t.wait_for("[x] onramp-demo-inputs");
    for next in [
        pty::screens::OPTIONS,
        pty::screens::CLUSTER,
        pty::screens::REVIEW,
    ] {
        t.send(keys::ENTER);
        t.wait_for(next);
    }
    let review = wait_for_picture(&t, "review", expected("review"));

    check_all(&[
        ("pty_welcome.png".into(), welcome),
        ("pty_review.png".into(), review),
    ]);
}

/// A small grid with text, colours, a border and a wide character.
fn sample() -> Grid {
    let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 4));
    buffer.set_string(0, 0, "┏━━┓ <a&b>", Style::default().fg(Color::Cyan));
    buffer.set_string(
        0,
        1,
        "┃ok┃",
        Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
    );
    buffer.set_string(5, 1, "漢x", Style::default().bg(Color::Blue));
    buffer.set_string(
        0,
        2,
        "╰─╯ ⠋ █▌",
        Style::default().add_modifier(Modifier::REVERSED),
    );
    buffer.set_string(
        0,
        3,
        "dim",
        Style::default().add_modifier(Modifier::DIM | Modifier::UNDERLINED),
    );
    buffer.set_string(5, 3, "it", Style::default().add_modifier(Modifier::ITALIC));
    Grid::from_buffer(&buffer)
}

#[test]
fn the_same_grid_gives_the_same_bytes() {
    let grid = sample();
    assert_eq!(to_svg(&grid), to_svg(&grid.clone()));
    let first = to_png(&grid).unwrap();
    let second = to_png(&sample()).unwrap();
    assert!(first == second, "two renderings of one grid differ");
}

#[test]
fn only_the_vendored_fonts_are_used() {
    assert_eq!(screenshot::font_faces(), 2);
}

#[test]
fn a_red_bold_cell_gets_its_fill_and_weight_in_the_svg() {
    let mut grid = Grid::new(3, 1);
    *grid.cell_mut(1, 0) = Cell {
        symbol: "R".into(),
        fg: PALETTE[1],
        bold: true,
        ..Cell::default()
    };
    let svg = to_svg(&grid);
    let text = svg
        .lines()
        .find(|l| l.starts_with("<text") && l.ends_with(">R</text>"))
        .unwrap_or_else(|| panic!("no <text> for R in\n{svg}"));
    assert!(text.contains(r##"fill="#cd3131""##), "{text}");
    assert!(text.contains(r#"font-weight="bold""#), "{text}");
    assert!(text.contains(r#"font-family"#) || svg.contains(r#"font-family="DejaVu Sans Mono""#));
    // Placed at its cell: the second column.
    let x = screenshot::PAD + screenshot::CELL_W;
    assert!(text.contains(&format!(r#"x="{x}""#)), "{text}");
}

#[test]
fn text_is_escaped_for_xml() {
    let svg = to_svg(&sample());
    assert!(svg.contains("&lt;a&amp;b&gt;"), "{svg}");
    assert!(!svg.contains("<a&b>"), "{svg}");
    // And it parses: to_pixmap would fail otherwise.
    to_pixmap(&sample()).unwrap();
}

#[test]
fn italic_text_is_slanted_and_still_drawn() {
    let grid = sample();
    assert!(grid.cell(5, 3).italic);
    let svg = to_svg(&grid);
    let text = svg.lines().find(|l| l.ends_with(">it</text>")).unwrap();
    assert!(text.contains("transform=\"matrix(1 0 -0.20 1 "), "{text}");
    let pixmap = to_pixmap(&grid).unwrap();
    assert!(
        inked(&pixmap, 5, 3) > 10 && inked(&pixmap, 6, 3) > 10,
        "both letters drawn"
    );
}

#[test]
fn the_png_has_the_promised_size() {
    let grid = Grid::new(COLS, ROWS);
    let png = to_png(&grid).unwrap();
    let decoded = Pixmap::decode_png(&png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), png_size(&grid));
    let (w, h) = (
        u32::from(COLS) * screenshot::CELL_W,
        u32::from(ROWS) * screenshot::CELL_H,
    );
    let (pad, scale) = (screenshot::PAD, screenshot::SCALE);
    assert_eq!(
        png_size(&grid),
        ((w + 2 * pad) * scale, (h + 2 * pad) * scale)
    );
}

/// The pixels of cell `(col, row)` that differ from the background.
fn inked(pixmap: &Pixmap, col: u16, row: u16) -> usize {
    let (x0, y0, w, h) = cell_pixels(col, row);
    let mut count = 0;
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let p = pixmap.pixel(x, y).unwrap().demultiply();
            if (p.red(), p.green(), p.blue()) != (DEFAULT_BG.0, DEFAULT_BG.1, DEFAULT_BG.2) {
                count += 1;
            }
        }
    }
    count
}

fn pixel(pixmap: &Pixmap, x: u32, y: u32) -> Rgb {
    let p = pixmap.pixel(x, y).unwrap().demultiply();
    Rgb(p.red(), p.green(), p.blue())
}

#[test]
fn a_character_draws_in_its_own_cell_and_a_blank_draws_nothing() {
    let mut grid = Grid::new(4, 2);
    grid.cell_mut(1, 0).symbol = "W".into();
    grid.cell_mut(2, 1).symbol = "g".into();
    let pixmap = to_pixmap(&grid).unwrap();
    assert!(inked(&pixmap, 1, 0) > 20, "W is drawn in its cell");
    assert!(inked(&pixmap, 2, 1) > 20, "g is drawn in its cell");
    for (col, row) in [(0, 0), (2, 0), (3, 0), (0, 1), (1, 1), (3, 1)] {
        assert_eq!(inked(&pixmap, col, row), 0, "cell {col},{row} is blank");
    }
    // The margin stays background.
    assert_eq!(pixel(&pixmap, 0, 0), DEFAULT_BG);
}

#[test]
fn a_background_fills_its_whole_cell() {
    let mut grid = Grid::new(3, 1);
    grid.cell_mut(1, 0).bg = PALETTE[4];
    let pixmap = to_pixmap(&grid).unwrap();
    let (x0, y0, w, h) = cell_pixels(1, 0);
    for (x, y) in [
        (x0, y0),
        (x0 + w - 1, y0),
        (x0, y0 + h - 1),
        (x0 + w - 1, y0 + h - 1),
    ] {
        assert_eq!(pixel(&pixmap, x, y), PALETTE[4], "corner {x},{y}");
    }
    assert_eq!(pixel(&pixmap, x0 - 1, y0), DEFAULT_BG);
    assert_eq!(pixel(&pixmap, x0 + w, y0), DEFAULT_BG);
}

#[test]
fn box_lines_meet_across_cells_without_gaps() {
    let mut buffer = Buffer::empty(Rect::new(0, 0, 3, 3));
    buffer.set_string(0, 0, "┏━┓", Style::default());
    buffer.set_string(0, 1, "┃ ┃", Style::default());
    buffer.set_string(0, 2, "┗━┛", Style::default());
    let pixmap = to_pixmap(&Grid::from_buffer(&buffer)).unwrap();
    // Down the middle of the left column, from the top row's centre to the
    // bottom row's: every pixel is line.
    let (x0, y_top, w, h) = cell_pixels(0, 0);
    let (_, y_bottom, _, _) = cell_pixels(0, 2);
    let x = x0 + w / 2 - 1;
    for y in y_top + h / 2..y_bottom + h / 2 {
        assert_eq!(pixel(&pixmap, x, y), DEFAULT_FG, "the left line at y={y}");
    }
    // Along the middle of the top row, from the left corner to the right one.
    let (x_right, _, _, _) = cell_pixels(2, 0);
    let y = y_top + h / 2 - 1;
    for x in x0 + w / 2..x_right + w / 2 {
        assert_eq!(pixel(&pixmap, x, y), DEFAULT_FG, "the top line at x={x}");
    }
}

#[test]
fn ratatui_cells_resolve_to_the_palette() {
    let grid = sample();
    // Reset is the theme's default.
    assert_eq!(grid.cell(11, 3).fg, DEFAULT_FG);
    assert_eq!(grid.cell(11, 3).bg, DEFAULT_BG);
    // Named colours.
    assert_eq!(grid.cell(0, 0).fg, PALETTE[6]);
    let ok = grid.cell(1, 1);
    assert_eq!(
        (ok.symbol.as_str(), ok.fg, ok.bold),
        ("o", PALETTE[1], true)
    );
    // Reverse video swaps the defaults.
    assert_eq!(
        (grid.cell(0, 2).fg, grid.cell(0, 2).bg),
        (DEFAULT_BG, DEFAULT_FG)
    );
    // Dim fades the text, underline is kept.
    let dim = grid.cell(0, 3);
    assert!(dim.underline);
    assert_ne!(dim.fg, DEFAULT_FG);
    // A wide character takes two cells: the second is empty, same colours.
    assert_eq!(grid.cell(5, 1).symbol, "漢");
    assert_eq!(grid.cell(6, 1).symbol, "");
    assert_eq!(grid.cell(6, 1).bg, PALETTE[4]);
    assert_eq!(grid.cell(7, 1).symbol, "x");
    // Indexed colours: the 16, the cube, the greys.
    assert_eq!(screenshot::indexed(8), PALETTE[8]);
    assert_eq!(screenshot::indexed(196), Rgb(255, 0, 0));
    assert_eq!(screenshot::indexed(232), Rgb(8, 8, 8));
    assert_eq!(screenshot::indexed(255), Rgb(238, 238, 238));
}

#[test]
fn a_vt100_screen_gives_the_same_grid_as_the_same_ratatui_buffer() {
    let mut buffer = Buffer::empty(Rect::new(0, 0, 8, 2));
    buffer.set_string(
        0,
        0,
        "ab",
        Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
    );
    buffer.set_string(3, 0, "┃", Style::default().fg(Color::DarkGray));
    buffer.set_string(
        0,
        1,
        "sel",
        Style::default().add_modifier(Modifier::REVERSED),
    );
    buffer.set_string(
        4,
        1,
        "漢",
        Style::default().fg(Color::Indexed(42)).bg(Color::Blue),
    );

    // What crossterm writes for that buffer.
    let mut parser = vt100::Parser::new(2.try_into().unwrap(), 8.try_into().unwrap(), 0);
    parser.process(
        "\x1b[1;1H\x1b[1m\x1b[38;5;1mab\x1b[0m \x1b[38;5;8m┃\x1b[0m\
         \x1b[2;1H\x1b[7msel\x1b[0m \x1b[38;5;42m\x1b[48;5;4m漢\x1b[0m"
            .as_bytes(),
    );
    assert_eq!(
        Grid::from_vt100(parser.screen()),
        Grid::from_buffer(&buffer)
    );
}
