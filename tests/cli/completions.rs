//! `onramp completions` and `onramp man`, run as a user runs them, and the
//! examples in every command's `--help`.
//!
//! Checks that need a program the machine may lack (zsh, fish, man, groff,
//! mandoc) are skipped one by one, with a note, when it is absent; the rest
//! of each test still runs.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use clap::{CommandFactory, Parser};
use onramp::cli::Cli;

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "elvish", "powershell"];

/// Every subcommand a user can type (clap's own `help` included).
const SUBCOMMANDS: [&str; 9] = [
    "plan",
    "export",
    "apply",
    "status",
    "verify",
    "destroy",
    "completions",
    "man",
    "help",
];

/// Runs onramp in `dir` as CI does: no standard input, no terminal, no AWS
/// settings, and a home of its own, so that any file it wrote would show.
fn onramp_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onramp"))
        .args(args)
        .current_dir(dir)
        .env("CI", "true")
        .env("HOME", dir)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The files and directories under `dir`, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            found.push(
                path.strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Whether `program` is on PATH.
fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", "command -v \"$1\" >/dev/null", "sh", program])
        .status()
        .is_ok_and(|s| s.success())
}

/// The completion script for `shell`, checked to have run cleanly and to
/// have written nothing to disk.
fn script(shell: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let o = onramp_in(dir.path(), &["completions", shell]);
    assert_eq!(o.status.code(), Some(0), "{shell}: {}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{shell}: {}", text(&o.stderr));
    assert!(
        tree(dir.path()).is_empty(),
        "{shell}: wrote {:?}",
        tree(dir.path())
    );
    text(&o.stdout)
}

#[test]
fn every_shell_gets_a_script_naming_every_command_and_flag() {
    for shell in SHELLS {
        let script = script(shell);
        assert!(!script.trim().is_empty(), "{shell}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: {sub} is missing");
        }
        for flag in ["answers", "format", "out", "journal", "yes"] {
            // fish names long flags as `-l answers`.
            let spelled = if shell == "fish" {
                format!("-l {flag}")
            } else {
                format!("--{flag}")
            };
            assert!(script.contains(&spelled), "{shell}: {spelled} is missing");
        }
        // The value enums. clap_complete's elvish and PowerShell scripts
        // complete no values at all, and its fish script no positional
        // argument (the SHELL of `onramp completions`).
        if matches!(shell, "bash" | "zsh" | "fish") {
            for value in ["cloudformation", "policies", "json"] {
                assert!(script.contains(value), "{shell}: {value} is missing");
            }
        }
        if matches!(shell, "bash" | "zsh") {
            assert!(script.contains("powershell"), "{shell}: the shells");
        }
    }
}

/// Checks a script's syntax with its shell, or says why it could not.
fn syntax_check(shell: &str, check: &[&str]) {
    if !installed(shell) {
        println!("note: {shell} is not installed; its completion script's syntax is not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("onramp.{shell}"));
    std::fs::write(&file, script(shell)).unwrap();
    let o = Command::new(shell)
        .args(check)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "{shell} {check:?} rejects the script: {}",
        text(&o.stderr)
    );
}

#[test]
fn the_scripts_are_valid_in_their_shells() {
    // bash is needed: the project's own CI runs on it.
    assert!(installed("bash"), "bash is needed for these tests");
    syntax_check("bash", &["-n"]);
    syntax_check("zsh", &["-n"]);
    syntax_check("fish", &["--no-execute"]);
}

/// What bash offers for the command line `words` (the last one being
/// completed, "" for a new word), with the script sourced as bash-completion
/// would and its function called the way `complete -F` calls it.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("onramp.bash");
    std::fs::write(&file, script("bash")).unwrap();
    let driver = r#"
        source "$1"; shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(( $# - 1 ))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        prev=""
        (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
        _onramp onramp "${COMP_WORDS[COMP_CWORD]}" "$prev"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", driver, "bash"])
        .arg(&file)
        .args(words)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{words:?}: {}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_flags_and_values() {
    assert_eq!(bash_completes(&["onramp", "ex"]), ["export"]);
    assert_eq!(bash_completes(&["onramp", "de"]), ["destroy"]);
    let formats = bash_completes(&["onramp", "export", "--format", ""]);
    for format in ["cloudformation", "cli", "policies"] {
        assert!(formats.iter().any(|f| f == format), "{formats:?}");
    }
    assert_eq!(
        bash_completes(&["onramp", "export", "--format", "clo"]),
        ["cloudformation"]
    );
    assert_eq!(
        bash_completes(&["onramp", "plan", "--format", ""]),
        ["text", "json"]
    );
    let flags = bash_completes(&["onramp", "plan", "--"]);
    assert!(flags.iter().any(|f| f == "--answers"), "{flags:?}");
    let shells = bash_completes(&["onramp", "completions", ""]);
    for shell in SHELLS {
        assert!(shells.iter().any(|s| s == shell), "{shells:?}");
    }
}

#[test]
fn fish_completes_commands_and_values() {
    if !installed("fish") {
        println!("note: fish is not installed; its completions are not tried");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("onramp.fish");
    std::fs::write(&file, script("fish")).unwrap();
    let offers = |line: &str| -> Vec<String> {
        let o = Command::new("fish")
            .args(["--no-config", "-c", "source $argv[1]; complete -C $argv[2]"])
            .arg(&file)
            .arg(line)
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{line}: {}", text(&o.stderr));
        // Each line is the candidate, a tab, and its description.
        text(&o.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(offers("onramp ex"), ["export"]);
    let formats = offers("onramp export --format ");
    for format in ["cloudformation", "cli", "policies"] {
        assert!(formats.iter().any(|f| f == format), "{formats:?}");
    }
}

#[test]
fn man_writes_a_page_per_command_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let o = onramp_in(dir.path(), &["man", "--out", "man/man1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let pages: Vec<String> = ["onramp"]
        .into_iter()
        .map(str::to_owned)
        .chain(
            SUBCOMMANDS
                .iter()
                .filter(|s| **s != "help")
                .map(|s| format!("onramp-{s}")),
        )
        .map(|name| format!("{name}.1"))
        .collect();
    let mut expected: Vec<String> = ["man", "man/man1"]
        .into_iter()
        .map(str::to_owned)
        .chain(pages.iter().map(|p| format!("man/man1/{p}")))
        .collect();
    expected.sort();
    assert_eq!(tree(dir.path()), expected, "only the pages are written");
    for page in &pages {
        assert!(
            text(&o.stdout).contains(&format!("wrote man/man1/{page}\n")),
            "{}",
            text(&o.stdout)
        );
        let path = dir.path().join("man/man1").join(page);
        let roff = std::fs::read_to_string(&path).unwrap();
        assert!(roff.starts_with(".TH "), "{page}: {roff}");
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES"] {
            assert!(
                roff.contains(&format!(".SH {section}")),
                "{page}: {section}"
            );
        }
        assert!(
            roff.contains("onramp"),
            "{page}: the examples run onramp: {roff}"
        );
        if !renders(&path) && page == "onramp.1" {
            println!("note: none of man, groff, mandoc is installed; the pages are not rendered");
        }
    }
    let root = std::fs::read_to_string(dir.path().join("man/man1/onramp.1")).unwrap();
    for sub in [
        "onramp\\-plan(1)",
        "onramp\\-completions(1)",
        "onramp\\-man(1)",
    ] {
        assert!(root.contains(sub), "onramp(1) lists {sub}");
    }
    let export = std::fs::read_to_string(dir.path().join("man/man1/onramp-export.1")).unwrap();
    assert!(
        export.contains("onramp export \\-\\-answers examples/genomics.toml \\-\\-format policies"),
        "{export}"
    );
    assert!(export.contains("cloudformation"), "the formats are listed");
}

/// Renders a page with every formatter installed (man, groff, mandoc) and
/// checks that it comes out with its examples; false if none is installed.
fn renders(page: &Path) -> bool {
    let mut any = false;
    let renderers: [(&str, Vec<&str>); 3] = [
        ("man", vec!["-l", "-P", "cat"]),
        ("groff", vec!["-man", "-T", "utf8", "-ww"]),
        // Errors only: clap_mangen's option lists draw style warnings.
        ("mandoc", vec!["-T", "utf8", "-W", "error"]),
    ];
    for (program, args) in renderers {
        if !installed(program) {
            continue;
        }
        any = true;
        let o = Command::new(program)
            .args(&args)
            .arg(page)
            .env("MANWIDTH", "80")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let out = plain(&text(&o.stdout));
        assert!(
            o.status.success(),
            "{program} {}: {}",
            page.display(),
            text(&o.stderr)
        );
        assert!(
            out.contains("EXAMPLES") && out.contains("onramp"),
            "{program} {}:\n{out}",
            page.display()
        );
    }
    any
}

/// Terminal output without its overstrikes: in `X\x08X` (bold) and
/// `_\x08X` (underline) the backspace takes back the character before it.
fn plain(rendered: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(rendered.len());
    for c in rendered.chars() {
        if c == '\x08' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}

#[test]
fn man_without_out_prints_onramp_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = onramp_in(dir.path(), &["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let roff = text(&o.stdout);
    assert!(roff.starts_with(".TH ONRAMP 1 "), "{roff}");
    assert!(roff.contains(".SH EXAMPLES"), "{roff}");
    assert!(tree(dir.path()).is_empty(), "wrote {:?}", tree(dir.path()));
}

#[test]
fn man_into_a_file_fails_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("taken"), "").unwrap();
    let o = onramp_in(dir.path(), &["man", "--out", "taken"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).starts_with("onramp: cannot create taken"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = onramp_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("invalid value 'tcsh' for '<SHELL>'"),
        "clap's message: {err}"
    );
    assert!(err.contains("bash, elvish, fish, powershell, zsh"), "{err}");
    assert!(o.stdout.is_empty());
}

/// Every command in the clap tree, with its path from the root.
fn commands() -> Vec<(String, clap::Command)> {
    fn walk(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            // clap's own `help` subcommand prints other commands' help.
            if sub.get_name() != "help" {
                walk(sub, format!("{path} {}", sub.get_name()), out);
            }
        }
    }
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    walk(&root, "onramp".to_owned(), &mut out);
    out
}

#[test]
fn every_command_s_help_ends_with_an_example() {
    let commands = commands();
    assert!(commands.len() >= SUBCOMMANDS.len(), "{}", commands.len());
    for (path, mut cmd) in commands {
        for help in [
            cmd.render_long_help().to_string(),
            cmd.render_help().to_string(),
        ] {
            let at = help
                .rfind("\nExample:\n")
                .or_else(|| help.rfind("\nExamples:\n"))
                .unwrap_or_else(|| panic!("`{path} --help` has no examples:\n{help}"));
            let first = help[at..].lines().nth(2).unwrap_or_default();
            assert!(
                first.trim_start().starts_with("onramp "),
                "`{path} --help`: the first example runs onramp: {first}"
            );
        }
    }
}

/// The example command lines of a help text: the indented lines under its
/// `Example:`/`Examples:` heading, without the aligned description after two
/// spaces and without any redirection or pipe.
fn examples(help: &str) -> Vec<Vec<String>> {
    let Some(at) = help
        .find("\nExample:\n")
        .or_else(|| help.find("\nExamples:\n"))
    else {
        return Vec::new();
    };
    help[at + 1..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|line| {
            let line = line.trim();
            let line = line.split("  ").next().unwrap_or_default();
            let line = line.split(['>', '|']).next().unwrap_or_default();
            line.split_whitespace().map(str::to_owned).collect()
        })
        .collect()
}

#[test]
fn every_example_in_the_help_parses() {
    let mut checked = 0;
    for (path, mut cmd) in commands() {
        let help = cmd.render_long_help().to_string();
        let found = examples(&help);
        assert!(!found.is_empty(), "`{path} --help` has no examples");
        for words in found {
            assert_eq!(words[0], "onramp", "`{path} --help`: {words:?}");
            if let Err(e) = Cli::try_parse_from(&words) {
                panic!(
                    "`{path} --help`: `{}` does not parse:\n{e}",
                    words.join(" ")
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} examples");
}

#[test]
fn the_help_of_the_new_commands_shows_how_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let o = onramp_in(dir.path(), &["completions", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stdout).contains(
            "onramp completions bash > ~/.local/share/bash-completion/completions/onramp"
        )
    );
    let o = onramp_in(dir.path(), &["man", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("onramp man --out ~/.local/share/man/man1"));
    assert!(tree(dir.path()).is_empty());
}
