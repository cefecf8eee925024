//! `onramp completions` and `onramp man`: documentation generated from the
//! clap definitions in `cli`, so that the completion scripts and the manual
//! can never disagree with the commands and flags that really exist.
//!
//! Neither needs AWS, credentials, a terminal or the async runtime, and
//! neither reads standard input; the only files written are the pages that
//! `man --out DIR` is asked for.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use super::{Failure, write_bytes};
use crate::cli::{Cli, Outcome};

/// The manual section every page goes into: user commands.
const SECTION: &str = "1";

/// The exit codes, the same for every command (see `cli::Outcome`).
const EXIT_STATUS: [(&str, &str); 3] = [
    ("0", "Success."),
    (
        "1",
        "The operation failed, including a plan whose findings include an error.",
    ),
    (
        "2",
        "Bad usage or invalid answers; also apply and destroy without --yes, which change nothing.",
    ),
];

/// Prints the completion script for `shell` to `stdout`.
///
/// The script is generated into memory first: clap_complete panics when its
/// writer fails, and a closed pipe (`onramp completions bash | head`) must be
/// an ordinary error instead.
pub(crate) fn completions(shell: Shell, stdout: &mut dyn Write) -> Result<Outcome, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "onramp", &mut script);
    write_bytes(stdout, &script)?;
    Ok(Outcome::Success)
}

/// Writes every manual page into `out` (created if missing) and lists them
/// on `stdout`, or, without `out`, prints onramp(1) alone to `stdout`.
pub(crate) fn man(out: Option<&Path>, stdout: &mut dyn Write) -> Result<Outcome, Failure> {
    let pages = pages().map_err(|e| Failure::failed(format!("cannot render the manual: {e}")))?;
    let Some(dir) = out else {
        // `pages` puts onramp(1) first.
        if let Some(page) = pages.first() {
            write_bytes(stdout, &page.text)?;
        }
        return Ok(Outcome::Success);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::failed(format!("cannot create {}: {e}", dir.display())))?;
    for page in &pages {
        let path = dir.join(&page.file_name);
        std::fs::write(&path, &page.text)
            .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))?;
        super::write(stdout, &format!("wrote {}\n", path.display()))?;
    }
    Ok(Outcome::Success)
}

/// One rendered manual page.
struct Page {
    /// `onramp.1`, `onramp-plan.1`, …
    file_name: String,
    /// roff source.
    text: Vec<u8>,
}

/// Every page: onramp(1) first, then one per (nested) subcommand.
fn pages() -> std::io::Result<Vec<Page>> {
    // The `help` subcommand is clap's own and needs no page of its own;
    // building resolves the subcommands' names (`onramp-plan`) and global flags.
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = Vec::new();
    collect(&root, None, &mut pages)?;
    Ok(pages)
}

fn collect(
    cmd: &clap::Command,
    parent: Option<&str>,
    pages: &mut Vec<Page>,
) -> std::io::Result<()> {
    let page = render(cmd, parent)?;
    let name = page_name(cmd).to_owned();
    pages.push(page);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, Some(&name), pages)?;
    }
    Ok(())
}

/// `onramp` for the root, `onramp-plan` for a subcommand (clap's display name).
fn page_name(cmd: &clap::Command) -> &str {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
}

/// Renders one page. clap_mangen's own `render` would put the after-help
/// text under a heading "EXTRA" as one filled paragraph, running the example
/// lines together; here it becomes NOTES and EXAMPLES (verbatim lines).
fn render(cmd: &clap::Command, parent: Option<&str>) -> std::io::Result<Page> {
    let man = Man::new(cmd.clone());
    let mut body = Vec::new();
    man.render_name_section(&mut body)?;
    man.render_synopsis_section(&mut body)?;
    man.render_description_section(&mut body)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut body)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut body)?;
    }
    let after_help = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|text| text.to_string())
        .unwrap_or_default();
    extra_sections(&after_help, parent).to_writer(&mut body)?;

    // Every `render_*` call starts with roff's apostrophe preamble (what an
    // empty document renders to); a page needs it once, after `.TH`.
    let preamble = Roff::new().render();
    let body = String::from_utf8_lossy(&body).replace(&preamble, "");
    let text = format!("{}{preamble}{body}", title_line(page_name(cmd)));
    Ok(Page {
        file_name: format!("{}.{SECTION}", page_name(cmd)),
        text: text.into_bytes(),
    })
}

/// `.TH ONRAMP-PLAN 1 "" "onramp 0.1.0" "User Commands"`, written here
/// because roff drops an empty argument, and with no date clap_mangen's
/// title would shift the source into the date's place. The date stays empty
/// so that the same version always renders the same pages.
fn title_line(name: &str) -> String {
    format!(
        ".TH {} {SECTION} \"\" \"onramp {}\" \"User Commands\"\n",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    )
}

/// EXIT STATUS, NOTES, EXAMPLES and SEE ALSO, in the order man-pages(7) gives.
fn extra_sections(after_help: &str, parent: Option<&str>) -> Roff {
    let AfterHelp { examples, notes } = AfterHelp::parse(after_help);
    let mut roff = Roff::new();

    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_STATUS {
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(meaning)]);
    }

    if !notes.is_empty() {
        roff.control("SH", ["NOTES"]);
        for (i, paragraph) in notes.iter().enumerate() {
            if i > 0 {
                roff.control("PP", []);
            }
            roff.text([roman(paragraph.as_str())]);
        }
    }

    if !examples.is_empty() {
        // No fill: one command per line, spaces kept, so they can be copied.
        roff.control("SH", ["EXAMPLES"]).control("RS", ["4"]);
        roff.control("nf", []);
        for line in &examples {
            roff.text([roman(line.as_str())]);
        }
        roff.control("fi", []).control("RE", []);
    }

    if let Some(parent) = parent {
        roff.control("SH", ["SEE ALSO"])
            .text([bold(parent), roman(format!("({SECTION})"))]);
    }
    roff
}

/// A command's after-help text, as `cli` writes it: an `Example:` or
/// `Examples:` heading with one indented example per line, then paragraphs
/// separated by blank lines.
#[derive(Debug, Default, PartialEq, Eq)]
struct AfterHelp {
    /// The example lines, without the heading and the indentation.
    examples: Vec<String>,
    /// The other paragraphs, each joined into one line (roff refills them).
    notes: Vec<String>,
}

impl AfterHelp {
    fn parse(text: &str) -> AfterHelp {
        let mut parsed = AfterHelp::default();
        for paragraph in text.split("\n\n").map(str::trim_end) {
            let mut lines = paragraph.lines();
            let first = lines.next().unwrap_or_default().trim();
            if parsed.examples.is_empty() && matches!(first, "Example:" | "Examples:") {
                parsed.examples = lines.map(dedent).collect();
            } else if !first.is_empty() {
                let words: Vec<&str> = paragraph.split_whitespace().collect();
                parsed.notes.push(words.join(" "));
            }
        }
        parsed
    }
}

/// Drops the two-space indentation of an example line, keeping any deeper
/// indentation (aligned descriptions) as it is.
fn dedent(line: &str) -> String {
    line.strip_prefix("  ").unwrap_or(line).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_splits_into_examples_and_notes() {
        let parsed = AfterHelp::parse(
            "Examples:\n  onramp a   first\n  onramp b\n\nA note\nover two lines.\n\nAnother.",
        );
        assert_eq!(parsed.examples, ["onramp a   first", "onramp b"]);
        assert_eq!(parsed.notes, ["A note over two lines.", "Another."]);
    }

    #[test]
    fn after_help_without_a_heading_is_all_notes() {
        let parsed = AfterHelp::parse("Only prose.");
        assert!(parsed.examples.is_empty());
        assert_eq!(parsed.notes, ["Only prose."]);
    }

    #[test]
    fn the_title_keeps_the_empty_date_in_its_place() {
        assert_eq!(
            title_line("onramp-plan"),
            format!(
                ".TH ONRAMP-PLAN 1 \"\" \"onramp {}\" \"User Commands\"\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn every_page_starts_with_its_title_and_has_examples() {
        let pages = pages().unwrap_or_default();
        assert!(pages.len() > 1);
        for page in pages {
            let text = String::from_utf8_lossy(&page.text);
            assert!(text.starts_with(".TH "), "{}", page.file_name);
            assert!(text.contains(".SH EXAMPLES"), "{}", page.file_name);
            assert_eq!(
                text.matches(".ds Aq").count(),
                2,
                "{}: the preamble once (both branches)",
                page.file_name
            );
        }
    }
}
