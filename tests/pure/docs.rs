//! The documents a newcomer reads must not point at things that do not exist:
//! every link, image and repository path named in README.md, CHANGELOG.md,
//! BENCHMARKS.md and screenshots/README.md exists, every in-page anchor
//! matches a heading, every screenshot is shown in the README, and every
//! `onramp …` command in the README's shell blocks is accepted by the real
//! command-line parser.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser;
use onramp::cli::Cli;

const DOCUMENTS: &[&str] = &[
    "README.md",
    "CHANGELOG.md",
    "BENCHMARKS.md",
    "screenshots/README.md",
];

/// Top-level folders of the repository: a word in backticks that starts with
/// one of these is a path the reader may go and look for.
const REPOSITORY_DIRS: &[&str] = &[
    "examples/",
    "tests/",
    "testkit/",
    "src/",
    "assets/",
    "bench/",
    "benches/",
    "screenshots/",
    ".ci/",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(doc: &str) -> String {
    std::fs::read_to_string(root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

/// The targets of `[text](target)` and `![alt](target)`.
fn link_targets(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

/// The spans between single backticks, outside fenced code blocks.
fn inline_code(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut parts = line.split('`');
        parts.next();
        while let Some(code) = parts.next() {
            out.push(code.to_owned());
            parts.next();
        }
    }
    out
}

/// The lines of fenced blocks tagged `sh`.
fn shell_lines(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut in_other = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(tag) = trimmed.strip_prefix("```") {
            if in_sh || in_other {
                in_sh = false;
                in_other = false;
            } else if tag == "sh" {
                in_sh = true;
            } else {
                in_other = true;
            }
            continue;
        }
        if in_sh {
            out.push(line.to_owned());
        }
    }
    out
}

/// A repository path mentioned in prose, if the word is one.
fn repository_path(word: &str) -> Option<&str> {
    let word = word.split_whitespace().next()?;
    let word = word.trim_end_matches([',', '.', ':', ';']);
    let is_path = REPOSITORY_DIRS.iter().any(|dir| word.starts_with(dir));
    // `screenshots/pty_*.png` is a pattern, not a file.
    (is_path && !word.contains('*')).then_some(word)
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// become hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> BTreeSet<String> {
    markdown
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

#[test]
fn every_link_and_image_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in DOCUMENTS {
        let text = read(doc);
        let base = root().join(doc).parent().unwrap().to_path_buf();
        for target in link_targets(&text) {
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            checked += 1;
            if let Some(fragment) = target.strip_prefix('#') {
                if !anchors(&text).contains(fragment) {
                    missing.push(format!("{doc}: anchor #{fragment} matches no heading"));
                }
                continue;
            }
            let path = target.split('#').next().unwrap();
            if !base.join(path).exists() {
                missing.push(format!("{doc}: {target} does not exist"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(
        checked >= 15,
        "only {checked} local links: is the README's walkthrough gone?"
    );
}

#[test]
fn every_repository_path_named_in_prose_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in DOCUMENTS {
        let text = read(doc);
        let named = inline_code(&text)
            .into_iter()
            .chain(shell_lines(&text))
            .flat_map(|code| {
                code.split_whitespace()
                    .filter_map(|w| repository_path(w).map(str::to_owned))
                    .collect::<Vec<_>>()
            });
        for path in named {
            checked += 1;
            if !root().join(&path).exists() {
                missing.push(format!("{doc}: `{path}` does not exist"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(checked >= 10, "only {checked} paths found");
}

#[test]
fn every_screenshot_is_shown_in_the_readme() {
    let readme = read("README.md");
    let shown: BTreeSet<String> = link_targets(&readme).into_iter().collect();
    let pictures: Vec<String> = std::fs::read_dir(root().join("screenshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".png"))
        .collect();
    assert!(
        pictures.len() >= 11,
        "the issue asks for a picture of every screen; found {pictures:?}"
    );
    let unshown: Vec<&String> = pictures
        .iter()
        .filter(|p| !shown.contains(&format!("screenshots/{p}")))
        .collect();
    assert!(unshown.is_empty(), "not in the README: {unshown:?}");
}

/// The words of a shell line as the shell would pass them to the first
/// command, for the simple lines the README uses: no quotes; a `# comment`, a
/// redirection or a pipe ends the command.
fn words(line: &str) -> Vec<String> {
    line.split_whitespace()
        .take_while(|w| !w.starts_with('#') && !matches!(*w, ">" | ">>" | "|" | "&&" | "2>"))
        .map(str::to_owned)
        .collect()
}

/// `onramp …` and `cargo run [--release] -- …` lines, as onramp's arguments.
fn onramp_invocation(line: &str) -> Option<Vec<String>> {
    let words = words(line);
    let args = match words.first().map(String::as_str) {
        Some("onramp") => words[1..].to_vec(),
        Some("cargo") if words.get(1).map(String::as_str) == Some("run") => {
            let dashes = words.iter().position(|w| w == "--")?;
            words[dashes + 1..].to_vec()
        }
        _ => return None,
    };
    let mut argv = vec!["onramp".to_owned()];
    argv.extend(args);
    Some(argv)
}

#[test]
fn every_onramp_command_in_the_readme_parses() {
    let readme = read("README.md");
    let mut rejected = Vec::new();
    let mut parsed = 0;
    for line in shell_lines(&readme) {
        let Some(argv) = onramp_invocation(&line) else {
            continue;
        };
        match Cli::try_parse_from(&argv) {
            Ok(_) => parsed += 1,
            Err(e) => rejected.push(format!("{line}\n  {}", e.kind())),
        }
        for word in &argv {
            if let Some(path) = repository_path(word) {
                assert!(
                    Path::new(env!("CARGO_MANIFEST_DIR")).join(path).exists(),
                    "{line}: {path} does not exist"
                );
            }
        }
    }
    assert!(rejected.is_empty(), "{}", rejected.join("\n"));
    assert!(parsed >= 15, "only {parsed} onramp commands found");
}

#[test]
fn the_parser_rejects_what_the_readme_check_would_miss() {
    // The check above is only worth something if the parser says no to a
    // stale flag or format.
    for bad in [
        "onramp export --format yaml",
        "onramp plan --answer examples/genomics.toml",
        "onramp apply --force",
    ] {
        let argv = onramp_invocation(bad).unwrap();
        assert!(Cli::try_parse_from(&argv).is_err(), "{bad} was accepted");
    }
}

#[test]
fn anchors_follow_github() {
    assert_eq!(
        anchor(" Using it on a real account"),
        "using-it-on-a-real-account"
    );
    assert_eq!(
        anchor("Export: CloudFormation, a script, many accounts"),
        "export-cloudformation-a-script-many-accounts"
    );
}

#[test]
fn the_changelog_keeps_a_changelog() {
    let changelog = read("CHANGELOG.md");
    assert!(changelog.contains("keepachangelog.com"));
    assert!(changelog.contains("## [Unreleased]"));
    let known = [
        "### Added",
        "### Changed",
        "### Deprecated",
        "### Removed",
        "### Fixed",
        "### Security",
    ];
    for line in changelog.lines().filter(|l| l.starts_with("### ")) {
        assert!(
            known.contains(&line.trim()),
            "`{line}` is not a Keep a Changelog section"
        );
    }
}
