//! The layers of the crate, checked: each top-level module may use only the
//! modules of the layers below its own, so no two modules depend on each
//! other and the pure core (up to `plan`) never reaches the cloud or a
//! terminal. A `use` that breaks the order fails [`tests`], naming the file.
//!
//! A workspace split (a core crate without the AWS SDK) would enforce the
//! same line through Cargo; this test enforces it within one crate.

/// Bottom first; modules in one layer do not use each other.
pub const LAYERS: &[&[&str]] = &[
    // IAM's own concepts (ARNs, actions, names, limits, policy documents) and
    // the process-wide Ctrl-C flag.
    &["iam", "interrupts"],
    // The source documents' policies, as fillable templates.
    &["templates"],
    // What the user chose, and its validation.
    &["answers"],
    // Answers → resources, lint, hand edits, the operator's admin policy.
    &["plan"],
    // The AWS account: the trait, the SDK and the in-memory backends.
    &["cloud"],
    // Observe, diff, journal, apply, destroy.
    &["apply"],
    // Renderings of a plan or its changes; checks of what it allows.
    &["export", "verify"],
    // The command line's grammar.
    &["cli"],
    // Headless output: text and JSON of plans, changes and reports.
    &["output"],
    // The wizard.
    &["tui"],
    // Each command, tying the rest together.
    &["commands"],
];

/// The layer of a top-level module, if it is one.
pub fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules `source` uses through `crate::NAME`, comments left
/// out (an intra-doc link is no dependency).
pub fn uses_in(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !found.contains(&name) {
                found.push(name);
            }
            rest = after;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// `src/plan/lint.rs` → `plan`; `src/output.rs` → `output`.
    fn module_of(src: &Path, file: &Path) -> String {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        first.to_string_lossy().trim_end_matches(".rs").to_owned()
    }

    #[test]
    fn every_module_uses_only_the_layers_below_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut wrong = Vec::new();
        for file in &files {
            let module = module_of(&src, file);
            if ["lib", "main", "layers"].contains(&module.as_str()) {
                continue;
            }
            let Some(own) = layer_of(&module) else {
                wrong.push(format!("{module} ({}) is in no layer", file.display()));
                continue;
            };
            let text = std::fs::read_to_string(file).unwrap();
            for used in uses_in(&text) {
                if used == module {
                    continue;
                }
                match layer_of(&used) {
                    Some(layer) if layer < own => {}
                    _ => wrong.push(format!(
                        "{} uses crate::{used}, which {module} may not use",
                        file.display()
                    )),
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn the_crate_root_declares_exactly_the_layered_modules() {
        let lib = include_str!("lib.rs");
        let mut declared: Vec<&str> = lib
            .lines()
            .filter_map(|l| l.strip_prefix("pub mod "))
            .filter(|l| !l.starts_with("layers"))
            .map(|l| l.trim_end_matches(';'))
            .collect();
        declared.sort_unstable();
        let mut layered: Vec<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
        layered.sort_unstable();
        assert_eq!(declared, layered);
    }

    #[test]
    fn uses_are_read_from_code_not_comments() {
        let text = "use crate::plan::Plan;\n/// See [`crate::tui`].\nlet x = crate::iam::arn::Arn::s3(\"aws\", \"b\"); // crate::cloud\n";
        assert_eq!(uses_in(text), ["plan", "iam"]);
    }

    #[test]
    fn a_use_of_a_higher_layer_is_caught() {
        let plan = layer_of("plan").unwrap();
        for used in uses_in("use crate::cloud::Cloud;") {
            assert!(layer_of(&used).unwrap() > plan);
        }
    }
}
