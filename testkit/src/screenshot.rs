//! Terminal screens as pictures: a grid of cells (from a ratatui `Buffer` or
//! from a vt100 emulator's screen) becomes an SVG document, and the SVG a PNG,
//! in-process and byte for byte the same on every run.
//!
//! Why an SVG in between: it is plain text, so the tests can check colours
//! and weights without decoding pixels, and resvg turns it into pixels with
//! nothing from the machine: the only fonts it sees are the two vendored
//! DejaVu Sans Mono faces, there are no timestamps in the PNG, and every list
//! here is walked in order (no hash maps).
//!
//! Box-drawing lines, block elements and braille dots are drawn as shapes
//! rather than glyphs, as terminals do: a glyph's line ends short of the cell
//! (the font's line height is not the row height), which would leave gaps in
//! every border; a rectangle meets its neighbour exactly.
//!
//! Used by the tui tests' `screenshots` module (`tests/tui/screenshots.rs`).

pub mod scenes;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

/// A cell's width and height in SVG units: the font's advance at
/// [`FONT_SIZE`] is exactly the width, and the height leaves its line box
/// (1.164 em) a little air, as a terminal's line spacing does. Integers, so
/// that cell edges and lines fall on whole pixels. 8×16 (16×32 pixels) keeps
/// the busiest 100×30 picture under 150 KB.
pub const CELL_W: u32 = 8;
pub const CELL_H: u32 = 16;
/// The font size that makes one advance (1233/2048 em) exactly [`CELL_W`].
pub const FONT_SIZE: f32 = CELL_W as f32 * 2048.0 / 1233.0;
/// From a row's top to the text's baseline: the font's line box (ascent
/// 1901, descent 483 of 2048) centred in the row.
pub const BASELINE: f32 =
    (CELL_H as f32 - FONT_SIZE * 2384.0 / 2048.0) / 2.0 + FONT_SIZE * 1901.0 / 2048.0;
/// The margin around the terminal, in SVG units, in the background colour.
pub const PAD: u32 = 8;
/// Pixels per SVG unit in the PNG: 2 keeps text crisp on high-density
/// screens (a 100-column picture is about 1600 pixels wide, which a README
/// page shows at about half that).
pub const SCALE: u32 = 2;

/// The family name in both vendored font files.
pub const FONT_FAMILY: &str = "DejaVu Sans Mono";

/// A colour, resolved: every picture uses the same fixed palette, whatever
/// terminal the reader has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, as SVG wants it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Halfway to `other`: how a dim (faint) colour is drawn.
    fn halfway_to(self, other: Rgb) -> Rgb {
        let mid = |a: u8, b: u8| ((u16::from(a) + u16::from(b)) / 2) as u8;
        Rgb(
            mid(self.0, other.0),
            mid(self.1, other.1),
            mid(self.2, other.2),
        )
    }
}

/// The dark theme's default text colour (what `Reset` means for text).
pub const DEFAULT_FG: Rgb = Rgb(0xd4, 0xd4, 0xd4);
/// The dark theme's background (what `Reset` means for a background).
pub const DEFAULT_BG: Rgb = Rgb(0x1e, 0x1e, 0x1e);

/// The 16 named colours, in ANSI order (black, red, … white, then the bright
/// ones): a dark-theme palette chosen so that dark grey stays readable on the
/// background and white text stays readable on blue and magenta.
pub const PALETTE: [Rgb; 16] = [
    Rgb(0x00, 0x00, 0x00),
    Rgb(0xcd, 0x31, 0x31),
    Rgb(0x0d, 0xbc, 0x79),
    Rgb(0xe5, 0xe5, 0x10),
    Rgb(0x24, 0x72, 0xc8),
    Rgb(0xbc, 0x3f, 0xbc),
    Rgb(0x11, 0xa8, 0xcd),
    Rgb(0xe5, 0xe5, 0xe5),
    Rgb(0x76, 0x76, 0x76),
    Rgb(0xf1, 0x4c, 0x4c),
    Rgb(0x23, 0xd1, 0x8b),
    Rgb(0xf5, 0xf5, 0x43),
    Rgb(0x3b, 0x8e, 0xea),
    Rgb(0xd6, 0x70, 0xd6),
    Rgb(0x29, 0xb8, 0xdb),
    Rgb(0xff, 0xff, 0xff),
];

/// An indexed colour: the 16 of [`PALETTE`], then xterm's 6×6×6 cube and
/// its 24 greys.
pub fn indexed(n: u8) -> Rgb {
    match n {
        0..=15 => PALETTE[usize::from(n)],
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let n = n - 16;
            Rgb(level(n / 36), level(n / 6 % 6), level(n % 6))
        }
        _ => {
            let grey = 8 + 10 * (n - 232);
            Rgb(grey, grey, grey)
        }
    }
}

/// One terminal cell, ready to draw: reverse video and dim are already
/// applied to the colours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// What the cell shows: one grapheme, `" "` when blank, and `""` for the
    /// second column of a wide character (drawn by the cell before it).
    pub symbol: String,
    pub fg: Rgb,
    pub bg: Rgb,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub crossed_out: bool,
}

impl Default for Cell {
    fn default() -> Cell {
        Cell {
            symbol: " ".into(),
            fg: DEFAULT_FG,
            bg: DEFAULT_BG,
            bold: false,
            italic: false,
            underline: false,
            crossed_out: false,
        }
    }
}

impl Cell {
    /// Whether nothing is drawn in the cell but its background.
    fn blank(&self) -> bool {
        self.symbol
            .chars()
            .all(|c| c.is_whitespace() || c.is_control())
    }
}

/// A terminal's screen: `width`×`height` cells, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub width: u16,
    pub height: u16,
    pub cells: Vec<Cell>,
}

/// The attributes both sources share, before colours are resolved.
struct Attrs {
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
    crossed_out: bool,
    reversed: bool,
    hidden: bool,
}

/// A cell from its resolved colours and attributes, the same way for both
/// sources: reverse video swaps the colours, dim fades the text halfway into
/// the background, hidden text is not drawn.
fn cell(symbol: &str, fg: Rgb, bg: Rgb, attrs: &Attrs) -> Cell {
    let (mut fg, bg) = if attrs.reversed { (bg, fg) } else { (fg, bg) };
    if attrs.dim {
        fg = fg.halfway_to(bg);
    }
    Cell {
        symbol: if attrs.hidden && !symbol.is_empty() {
            " ".into()
        } else {
            symbol.into()
        },
        fg,
        bg,
        bold: attrs.bold,
        italic: attrs.italic,
        underline: attrs.underline,
        crossed_out: attrs.crossed_out,
    }
}

impl Grid {
    /// A blank grid in the default colours.
    pub fn new(width: u16, height: u16) -> Grid {
        Grid {
            width,
            height,
            cells: vec![Cell::default(); usize::from(width) * usize::from(height)],
        }
    }

    pub fn cell(&self, x: u16, y: u16) -> &Cell {
        &self.cells[usize::from(y) * usize::from(self.width) + usize::from(x)]
    }

    pub fn cell_mut(&mut self, x: u16, y: u16) -> &mut Cell {
        &mut self.cells[usize::from(y) * usize::from(self.width) + usize::from(x)]
    }

    /// A ratatui frame. A wide character's second column holds whatever the
    /// buffer left there (ratatui skips it when drawing); here it becomes an
    /// empty cell with the wide character's colours.
    pub fn from_buffer(buffer: &Buffer) -> Grid {
        let area = buffer.area;
        let mut grid = Grid::new(area.width, area.height);
        for y in 0..area.height {
            let mut covered = 0usize;
            let mut wide_style = Cell::default();
            for x in 0..area.width {
                if covered > 0 {
                    covered -= 1;
                    *grid.cell_mut(x, y) = Cell {
                        symbol: String::new(),
                        ..wide_style.clone()
                    };
                    continue;
                }
                let source = &buffer[(area.x + x, area.y + y)];
                let m = source.modifier;
                let attrs = Attrs {
                    bold: m.contains(Modifier::BOLD),
                    dim: m.contains(Modifier::DIM),
                    italic: m.contains(Modifier::ITALIC),
                    underline: m.contains(Modifier::UNDERLINED),
                    crossed_out: m.contains(Modifier::CROSSED_OUT),
                    reversed: m.contains(Modifier::REVERSED),
                    hidden: m.contains(Modifier::HIDDEN),
                };
                let symbol = source.symbol();
                let drawn = cell(
                    symbol,
                    ratatui_color(source.fg, DEFAULT_FG),
                    ratatui_color(source.bg, DEFAULT_BG),
                    &attrs,
                );
                covered = ratatui::text::Span::raw(symbol).width().saturating_sub(1);
                if covered > 0 {
                    wide_style = drawn.clone();
                }
                *grid.cell_mut(x, y) = drawn;
            }
        }
        grid
    }

    /// A vt100 emulator's screen, as a terminal would show it.
    pub fn from_vt100(screen: &vt100::Screen) -> Grid {
        let (rows, cols) = screen.size();
        let (rows, cols) = (rows.get(), cols.get());
        let mut grid = Grid::new(cols, rows);
        for y in 0..rows {
            for x in 0..cols {
                let Some(source) = screen.cell(y, x) else {
                    continue;
                };
                if source.is_wide_continuation() && x > 0 {
                    // Drawn by the wide character before it, in its colours.
                    *grid.cell_mut(x, y) = Cell {
                        symbol: String::new(),
                        ..grid.cell(x - 1, y).clone()
                    };
                    continue;
                }
                let attrs = Attrs {
                    bold: source.bold(),
                    dim: source.dim(),
                    italic: source.italic(),
                    underline: source.underline(),
                    crossed_out: false,
                    reversed: source.inverse(),
                    hidden: false,
                };
                let symbol = if source.has_contents() {
                    source.contents()
                } else {
                    " "
                };
                *grid.cell_mut(x, y) = cell(
                    symbol,
                    vt100_color(source.fgcolor(), DEFAULT_FG),
                    vt100_color(source.bgcolor(), DEFAULT_BG),
                    &attrs,
                );
            }
        }
        grid
    }

    /// The grid's text, one line per row, trailing blanks trimmed: to say
    /// what a picture shows when a check fails.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for y in 0..self.height {
            let line: String = (0..self.width)
                .map(|x| self.cell(x, y).symbol.as_str())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A ratatui colour in the fixed palette; `Reset` is `default`.
pub fn ratatui_color(color: Color, default: Rgb) -> Rgb {
    match color {
        Color::Reset => default,
        Color::Black => PALETTE[0],
        Color::Red => PALETTE[1],
        Color::Green => PALETTE[2],
        Color::Yellow => PALETTE[3],
        Color::Blue => PALETTE[4],
        Color::Magenta => PALETTE[5],
        Color::Cyan => PALETTE[6],
        Color::Gray => PALETTE[7],
        Color::DarkGray => PALETTE[8],
        Color::LightRed => PALETTE[9],
        Color::LightGreen => PALETTE[10],
        Color::LightYellow => PALETTE[11],
        Color::LightBlue => PALETTE[12],
        Color::LightMagenta => PALETTE[13],
        Color::LightCyan => PALETTE[14],
        Color::White => PALETTE[15],
        Color::Rgb(r, g, b) => Rgb(r, g, b),
        Color::Indexed(n) => indexed(n),
    }
}

/// A vt100 colour in the same palette (crossterm sends ratatui's named
/// colours as indexes 0–15); `Default` is `default`.
pub fn vt100_color(color: vt100::Color, default: Rgb) -> Rgb {
    match color {
        vt100::Color::Default => default,
        vt100::Color::Idx(n) => indexed(n),
        vt100::Color::Rgb(r, g, b) => Rgb(r, g, b),
    }
}

/// The SVG document's size, in SVG units.
pub fn svg_size(grid: &Grid) -> (u32, u32) {
    (
        u32::from(grid.width) * CELL_W + 2 * PAD,
        u32::from(grid.height) * CELL_H + 2 * PAD,
    )
}

/// The PNG's size, in pixels.
pub fn png_size(grid: &Grid) -> (u32, u32) {
    let (w, h) = svg_size(grid);
    (w * SCALE, h * SCALE)
}

/// The pixel rectangle `(x, y, width, height)` of cell `(col, row)` in the PNG.
pub fn cell_pixels(col: u16, row: u16) -> (u32, u32, u32, u32) {
    (
        (PAD + u32::from(col) * CELL_W) * SCALE,
        (PAD + u32::from(row) * CELL_H) * SCALE,
        CELL_W * SCALE,
        CELL_H * SCALE,
    )
}

/// Escapes text for XML content and attribute values.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// How text in a cell looks; cells of a row that share it go in one `<text>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TextStyle {
    fg: Rgb,
    bold: bool,
    italic: bool,
}

/// The grid as an SVG document (units: [`CELL_W`]×[`CELL_H`] per cell).
///
/// Order: the background, one rectangle per run of cells with the same
/// non-default background, then per row one `<text>` per text style, each
/// character placed at its own cell with an `x` list (so columns line up
/// whatever the font's advance), then the cells drawn as shapes, then
/// underlines and strike-through lines.
pub fn to_svg(grid: &Grid) -> String {
    let (w, h) = svg_size(grid);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="{w}" height="{h}" fill="{}"/>"#,
        DEFAULT_BG.hex()
    );

    // Backgrounds, a run of equal colours at a time.
    let _ = writeln!(svg, r#"<g shape-rendering="crispEdges">"#);
    for y in 0..grid.height {
        let mut x = 0;
        while x < grid.width {
            let bg = grid.cell(x, y).bg;
            let start = x;
            while x < grid.width && grid.cell(x, y).bg == bg {
                x += 1;
            }
            if bg != DEFAULT_BG {
                let (px, py, _, _) = cell_units(start, y);
                let _ = writeln!(
                    svg,
                    r#"<rect x="{px}" y="{py}" width="{}" height="{CELL_H}" fill="{}"/>"#,
                    u32::from(x - start) * CELL_W,
                    bg.hex()
                );
            }
        }
    }
    let _ = writeln!(svg, "</g>");

    // Text.
    let _ = writeln!(
        svg,
        r#"<g font-family="{FONT_FAMILY}" font-size="{FONT_SIZE:.4}">"#
    );
    for y in 0..grid.height {
        let baseline = (PAD + u32::from(y) * CELL_H) as f32 + BASELINE;
        // Styles in the order they first appear in the row.
        let mut runs: Vec<(TextStyle, Vec<u32>, String)> = Vec::new();
        for x in 0..grid.width {
            let c = grid.cell(x, y);
            if c.blank() || shape_of(&c.symbol).is_some() {
                continue;
            }
            let style = TextStyle {
                fg: c.fg,
                bold: c.bold,
                italic: c.italic,
            };
            let (px, _, _, _) = cell_units(x, y);
            if c.symbol.chars().count() > 1 {
                // A grapheme of several characters (a letter and its
                // combining marks) is shaped as one: its own element.
                text_element(&mut svg, style, baseline, &[px], &c.symbol);
                continue;
            }
            match runs.iter_mut().find(|(s, _, _)| *s == style) {
                Some((_, xs, text)) => {
                    xs.push(px);
                    text.push_str(&c.symbol);
                }
                None => runs.push((style, vec![px], c.symbol.clone())),
            }
        }
        for (style, xs, text) in &runs {
            text_element(&mut svg, *style, baseline, xs, text);
        }
    }
    let _ = writeln!(svg, "</g>");

    // Lines, blocks and dots.
    for y in 0..grid.height {
        for x in 0..grid.width {
            let c = grid.cell(x, y);
            if let Some(shape) = shape_of(&c.symbol) {
                let (px, py, _, _) = cell_units(x, y);
                draw_shape(&mut svg, shape, px, py, c.fg);
            }
        }
    }

    // Underlines and strike-through, one line per run of cells.
    for y in 0..grid.height {
        for x in 0..grid.width {
            let c = grid.cell(x, y);
            let (px, py, _, _) = cell_units(x, y);
            if c.underline {
                let top = py as f32 + BASELINE + 2.0;
                let _ = writeln!(
                    svg,
                    r#"<rect x="{px}" y="{top:.2}" width="{CELL_W}" height="1" fill="{}"/>"#,
                    c.fg.hex()
                );
            }
            if c.crossed_out {
                let top = py as f32 + BASELINE - FONT_SIZE * 0.3;
                let _ = writeln!(
                    svg,
                    r#"<rect x="{px}" y="{top:.2}" width="{CELL_W}" height="1" fill="{}"/>"#,
                    c.fg.hex()
                );
            }
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// The top-left corner of cell `(x, y)` in SVG units, and its size.
fn cell_units(x: u16, y: u16) -> (u32, u32, u32, u32) {
    (
        PAD + u32::from(x) * CELL_W,
        PAD + u32::from(y) * CELL_H,
        CELL_W,
        CELL_H,
    )
}

/// One `<text>` with a position per character. Italic has no vendored face,
/// so it is slanted by a skew about the baseline.
fn text_element(svg: &mut String, style: TextStyle, baseline: f32, xs: &[u32], text: &str) {
    let xs: Vec<String> = xs.iter().map(u32::to_string).collect();
    let _ = write!(
        svg,
        r#"<text x="{}" y="{baseline:.2}" fill="{}""#,
        xs.join(" "),
        style.fg.hex()
    );
    if style.bold {
        svg.push_str(r#" font-weight="bold""#);
    }
    if style.italic {
        const SLANT: f32 = 0.2;
        let _ = write!(
            svg,
            r#" transform="matrix(1 0 {:.2} 1 {:.2} 0)""#,
            -SLANT,
            SLANT * baseline
        );
    }
    let _ = writeln!(svg, ">{}</text>", xml_escape(text));
}

/// A character drawn as shapes instead of a glyph.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// A box-drawing line: the weight (0 none, 1 light, 2 heavy) of the arm
    /// going up, right, down and left from the cell's centre; rounded
    /// corners are drawn as a curve.
    Lines { arms: [u8; 4], rounded: bool },
    /// A block: the part `(x, y, width, height)` of the cell, as fractions,
    /// and its opacity (the shades are translucent).
    Block {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        opacity: f32,
    },
    /// A braille pattern: bit i set is dot i+1.
    Braille(u8),
}

/// The shape for `symbol`, if it is one drawn by hand. Box-drawing
/// characters not listed (double lines, dashes, mixed weights) come from the
/// font.
fn shape_of(symbol: &str) -> Option<Shape> {
    let mut chars = symbol.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let lines = |arms: [u8; 4]| {
        Some(Shape::Lines {
            arms,
            rounded: false,
        })
    };
    let rounded = |arms: [u8; 4]| {
        Some(Shape::Lines {
            arms,
            rounded: true,
        })
    };
    let block = |x: f32, y: f32, w: f32, h: f32| {
        Some(Shape::Block {
            x,
            y,
            w,
            h,
            opacity: 1.0,
        })
    };
    let shade = |opacity: f32| {
        Some(Shape::Block {
            x: 0.0,
            y: 0.0,
            w: 1.0,
            h: 1.0,
            opacity,
        })
    };
    match c {
        '─' => lines([0, 1, 0, 1]),
        '━' => lines([0, 2, 0, 2]),
        '│' => lines([1, 0, 1, 0]),
        '┃' => lines([2, 0, 2, 0]),
        '┌' => lines([0, 1, 1, 0]),
        '┏' => lines([0, 2, 2, 0]),
        '┐' => lines([0, 0, 1, 1]),
        '┓' => lines([0, 0, 2, 2]),
        '└' => lines([1, 1, 0, 0]),
        '┗' => lines([2, 2, 0, 0]),
        '┘' => lines([1, 0, 0, 1]),
        '┛' => lines([2, 0, 0, 2]),
        '├' => lines([1, 1, 1, 0]),
        '┣' => lines([2, 2, 2, 0]),
        '┤' => lines([1, 0, 1, 1]),
        '┫' => lines([2, 0, 2, 2]),
        '┬' => lines([0, 1, 1, 1]),
        '┳' => lines([0, 2, 2, 2]),
        '┴' => lines([1, 1, 0, 1]),
        '┻' => lines([2, 2, 0, 2]),
        '┼' => lines([1, 1, 1, 1]),
        '╋' => lines([2, 2, 2, 2]),
        '╴' => lines([0, 0, 0, 1]),
        '╵' => lines([1, 0, 0, 0]),
        '╶' => lines([0, 1, 0, 0]),
        '╷' => lines([0, 0, 1, 0]),
        '╸' => lines([0, 0, 0, 2]),
        '╹' => lines([2, 0, 0, 0]),
        '╺' => lines([0, 2, 0, 0]),
        '╻' => lines([0, 0, 2, 0]),
        '╭' => rounded([0, 1, 1, 0]),
        '╮' => rounded([0, 0, 1, 1]),
        '╯' => rounded([1, 0, 0, 1]),
        '╰' => rounded([1, 1, 0, 0]),
        '█' => block(0.0, 0.0, 1.0, 1.0),
        '▀' => block(0.0, 0.0, 1.0, 0.5),
        '▔' => block(0.0, 0.0, 1.0, 0.125),
        '▐' => block(0.5, 0.0, 0.5, 1.0),
        '▕' => block(0.875, 0.0, 0.125, 1.0),
        // Lower eighths: ▁ (1/8) to ▇ (7/8).
        '\u{2581}'..='\u{2587}' => {
            let h = f32::from(c as u32 as u16 - 0x2580) / 8.0;
            block(0.0, 1.0 - h, 1.0, h)
        }
        // Left eighths: ▉ (7/8) to ▏ (1/8).
        '\u{2589}'..='\u{258f}' => {
            let w = f32::from(0x2590 - c as u32 as u16) / 8.0;
            block(0.0, 0.0, w, 1.0)
        }
        '░' => shade(0.25),
        '▒' => shade(0.5),
        '▓' => shade(0.75),
        '\u{2800}'..='\u{28ff}' => Some(Shape::Braille((c as u32 - 0x2800) as u8)),
        _ => None,
    }
}

/// How thick a line of `weight` is, in SVG units.
fn thickness(weight: u8) -> u32 {
    if weight >= 2 { 2 } else { 1 }
}

/// Draws `shape` in the cell whose top-left corner is `(x, y)`.
fn draw_shape(svg: &mut String, shape: Shape, x: u32, y: u32, color: Rgb) {
    let fill = color.hex();
    match shape {
        Shape::Lines { arms, rounded } => {
            let [up, right, down, left] = arms;
            // The widest arm sets the square at the centre that every arm
            // reaches across, so that corners and joins are closed.
            let widest = thickness(*arms.iter().max().unwrap_or(&1));
            let (cx0, cy0) = (x + (CELL_W - widest) / 2, y + (CELL_H - widest) / 2);
            let (cx1, cy1) = (cx0 + widest, cy0 + widest);
            if rounded {
                // A light quarter curve between the two arms, through the
                // middle of where the straight lines run.
                let t = thickness(1);
                let mx = (x + (CELL_W - t) / 2) as f32 + t as f32 / 2.0;
                let my = (y + (CELL_H - t) / 2) as f32 + t as f32 / 2.0;
                let r = (CELL_W as f32 / 2.0) - 1.0;
                let (hx_end, sx) = if right > 0 {
                    ((x + CELL_W) as f32, 1.0)
                } else {
                    (x as f32, -1.0)
                };
                let (vy_end, sy) = if down > 0 {
                    ((y + CELL_H) as f32, 1.0)
                } else {
                    (y as f32, -1.0)
                };
                let _ = writeln!(
                    svg,
                    r#"<path d="M{hx_end:.2} {my:.2}H{:.2}Q{mx:.2} {my:.2} {mx:.2} {:.2}V{vy_end:.2}" fill="none" stroke="{fill}" stroke-width="{t}"/>"#,
                    mx + sx * r,
                    my + sy * r,
                );
                return;
            }
            let mut rects: Vec<(u32, u32, u32, u32)> = Vec::new();
            let vertical = |weight: u8| {
                let t = thickness(weight);
                x + (CELL_W - t) / 2
            };
            let horizontal = |weight: u8| {
                let t = thickness(weight);
                y + (CELL_H - t) / 2
            };
            if up > 0 {
                rects.push((vertical(up), y, thickness(up), cy1 - y));
            }
            if down > 0 {
                rects.push((vertical(down), cy0, thickness(down), y + CELL_H - cy0));
            }
            if left > 0 {
                rects.push((x, horizontal(left), cx1 - x, thickness(left)));
            }
            if right > 0 {
                rects.push((cx0, horizontal(right), x + CELL_W - cx0, thickness(right)));
            }
            let mut d = String::new();
            for (rx, ry, rw, rh) in rects {
                let _ = write!(d, "M{rx} {ry}h{rw}v{rh}h-{rw}z");
            }
            let _ = writeln!(svg, r#"<path d="{d}" fill="{fill}"/>"#);
        }
        Shape::Block {
            x: fx,
            y: fy,
            w,
            h,
            opacity,
        } => {
            let _ = write!(
                svg,
                r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{fill}""#,
                x as f32 + fx * CELL_W as f32,
                y as f32 + fy * CELL_H as f32,
                w * CELL_W as f32,
                h * CELL_H as f32,
            );
            if opacity < 1.0 {
                let _ = write!(svg, r#" fill-opacity="{opacity:.2}""#);
            }
            svg.push_str("/>\n");
        }
        Shape::Braille(bits) => {
            // Dots 1-3 and 7 down the left column, 4-6 and 8 down the right.
            const DOTS: [(u32, u32); 8] = [
                (0, 0),
                (0, 1),
                (0, 2),
                (1, 0),
                (1, 1),
                (1, 2),
                (0, 3),
                (1, 3),
            ];
            for (bit, (col, row)) in DOTS.iter().enumerate() {
                if bits & (1 << bit) != 0 {
                    let cx = x as f32 + CELL_W as f32 * (1.0 + 2.0 * *col as f32) / 4.0;
                    let cy = y as f32 + CELL_H as f32 * (1.0 + 2.0 * *row as f32) / 8.0;
                    let _ = writeln!(
                        svg,
                        r#"<circle cx="{cx:.2}" cy="{cy:.2}" r="1.25" fill="{fill}"/>"#
                    );
                }
            }
        }
    }
}

/// The fonts the pictures may use: the two vendored faces and nothing else,
/// so that no machine's fonts change a pixel.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    Arc::clone(FONTS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(include_bytes!("../../assets/fonts/DejaVuSansMono.ttf").to_vec());
        db.load_font_data(include_bytes!("../../assets/fonts/DejaVuSansMono-Bold.ttf").to_vec());
        db.set_monospace_family(FONT_FAMILY);
        Arc::new(db)
    }))
}

/// How many font faces the renderer has (the test checks that it is only
/// the vendored two).
pub fn font_faces() -> usize {
    fonts().faces().count()
}

/// Draws an SVG document made by [`to_svg`] for `grid`.
pub fn render_svg(svg: &str, size: (u32, u32)) -> Result<Pixmap, String> {
    let options = usvg::Options {
        font_family: FONT_FAMILY.into(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree =
        usvg::Tree::from_str(svg, &options).map_err(|e| format!("the SVG does not parse: {e}"))?;
    let mut pixmap =
        Pixmap::new(size.0, size.1).ok_or_else(|| format!("no pixmap of {}×{}", size.0, size.1))?;
    resvg::render(
        &tree,
        Transform::from_scale(SCALE as f32, SCALE as f32),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// The grid, drawn.
pub fn to_pixmap(grid: &Grid) -> Result<Pixmap, String> {
    render_svg(&to_svg(grid), png_size(grid))
}

/// The grid as PNG bytes.
pub fn to_png(grid: &Grid) -> Result<Vec<u8>, String> {
    to_pixmap(grid)?
        .encode_png()
        .map_err(|e| format!("cannot encode the PNG: {e}"))
}

/// Setting this variable to `1` makes the screenshot test write the pictures
/// instead of comparing them.
pub const WRITE_VAR: &str = "ONRAMP_WRITE_SCREENSHOTS";

/// The one command that writes every picture.
pub const REGENERATE: &str = "ONRAMP_WRITE_SCREENSHOTS=1 cargo test --test tui screenshots";

/// Whether to write the pictures rather than compare them.
pub fn writing() -> bool {
    std::env::var(WRITE_VAR).is_ok_and(|v| v == "1")
}

/// Where the committed pictures are.
pub fn screenshots_dir() -> PathBuf {
    crate::files::root().join("screenshots")
}

/// Writes `png` as `screenshots/{file}` when `write`, and checks that the
/// file then holds exactly these bytes; otherwise only checks. The error
/// names the file and the command that regenerates it.
pub fn check_or_write(file: &str, png: &[u8], write: bool) -> Result<(), String> {
    let path = screenshots_dir().join(file);
    let committed = std::fs::read(&path).ok();
    if write && committed.as_deref() != Some(png) {
        std::fs::create_dir_all(screenshots_dir())
            .and_then(|()| std::fs::write(&path, png))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let written = std::fs::read(&path)
            .map_err(|e| format!("cannot read back {}: {e}", path.display()))?;
        if written != png {
            return Err(format!("{} did not keep what was written", path.display()));
        }
        return Ok(());
    }
    match committed {
        Some(bytes) if bytes == png => Ok(()),
        Some(bytes) => Err(format!(
            "screenshots/{file} is stale: the app now draws a different picture ({} bytes, the committed one has {}); regenerate it with `{REGENERATE}` and commit it",
            png.len(),
            bytes.len()
        )),
        None => Err(format!(
            "screenshots/{file} is missing; write it with `{REGENERATE}` and commit it"
        )),
    }
}
