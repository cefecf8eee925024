//! Regenerates the screenshots of the wizard drawn on ratatui's test backend
//! (`screenshots/*.png` except `pty_*.png`):
//!
//! ```sh
//! cargo run --example screenshots
//! ```
//!
//! The two pictures of the real binary in a pseudo-terminal need the built
//! binary, which cargo gives only to tests; the one command that writes
//! every picture, those included, is
//! `ONRAMP_WRITE_SCREENSHOTS=1 cargo test --test screenshots`.

// The shared test helpers unwrap: a failed assumption there ends the run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/screenshot_support/mod.rs"]
mod screenshot_support;
#[path = "../tests/tui_support/mod.rs"]
mod tui_support;

use std::process::ExitCode;

fn main() -> ExitCode {
    let pictures = match screenshot_support::scenes::demo_pictures() {
        Ok(pictures) => pictures,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::FAILURE;
        }
    };
    let dir = screenshot_support::screenshots_dir();
    for (file, grid) in &pictures {
        let written = screenshot_support::to_png(grid).and_then(|png| {
            screenshot_support::check_or_write(file, &png, true).map(|()| png.len())
        });
        match written {
            Ok(bytes) => println!("{} ({bytes} bytes)", dir.join(file).display()),
            Err(problem) => {
                eprintln!("{problem}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "the pictures of the real binary (pty_*.png) are written by `{}`",
        screenshot_support::REGENERATE
    );
    ExitCode::SUCCESS
}
