//! Reading an answers file so that every unknown key and every value of the
//! wrong type is reported in one run, each with its field and line.
//!
//! serde stops at the first problem, and a person fixing a file one error
//! per run goes round many times. Here the file is parsed once (a TOML
//! syntax error does stop it: what follows cannot be trusted), then
//! deserialized again and again: each time serde refuses an entry, the
//! problem is recorded and that entry taken out of the parsed document,
//! until serde accepts the rest. What is known and of which type is thus
//! only ever what the `Deserialize` implementation says: a new field of the
//! answers is picked up with nothing to add here.

use std::fmt;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, Deserializer};

/// More problems than anyone fixes in one go; also bounds the loop.
const MAX_PROBLEMS: usize = 50;

/// One entry serde refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the file.
    pub line: usize,
    /// Dotted path of the entry, like `genomics.spot` or `edits[1].policy`.
    pub field: String,
    /// serde's words, like "invalid type: string \"yes\", expected a boolean".
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not TOML: toml's own message, which quotes the line.
    Syntax(String),
    /// TOML, but with entries the answers do not take, in file order.
    Entries(Vec<Problem>),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Syntax(message) => f.write_str(message.trim_end()),
            ReadError::Entries(problems) => {
                let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
                f.write_str(&lines.join("\n"))
            }
        }
    }
}

/// Reads `text` as a `T`, or every problem with it.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, ReadError> {
    let mut document = DeTable::parse(text).map_err(|e| ReadError::Syntax(e.to_string()))?;
    let mut problems: Vec<Problem> = Vec::new();
    loop {
        let error = match T::deserialize(Deserializer::from(document.clone())) {
            Ok(value) if problems.is_empty() => return Ok(value),
            Ok(_) => break,
            Err(error) => error,
        };
        // A field missing only because a wrong entry was taken out is no
        // problem of the file's.
        if !problems.is_empty() && error.message().starts_with("missing field") {
            break;
        }
        let span = error.span();
        let removed = span
            .clone()
            .and_then(|span| remove_entry(document.get_mut(), &span, ""));
        problems.push(Problem {
            line: span.map_or(1, |s| line_of(text, s.start)),
            field: removed.clone().unwrap_or_else(|| "(the file)".to_owned()),
            message: error.message().trim_end().to_owned(),
        });
        if removed.is_none() || problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    problems.sort_by_key(|p| p.line);
    Err(ReadError::Entries(problems))
}

/// The 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Takes out of `table` the deepest entry whose key or value holds `span`,
/// and returns its dotted path (under `prefix`). Every table is searched:
/// a table's own span may be its `[header]` only, not its entries.
fn remove_entry(table: &mut DeTable<'_>, span: &Range<usize>, prefix: &str) -> Option<String> {
    let holds = |outer: Range<usize>| outer.start <= span.start && span.end <= outer.end;
    let keys: Vec<Spanned<toml::de::DeString<'_>>> = table.keys().cloned().collect();
    for key in keys {
        let path = join(prefix, key.get_ref());
        let value = table.get_mut(&key)?;
        if let Some(deeper) = remove_within(value, span, &path) {
            return Some(deeper);
        }
        if holds(key.span()) || holds(value.span()) {
            table.remove(&key);
            return Some(path);
        }
    }
    None
}

/// Searches a table, or the tables of an array, for the entry.
fn remove_within(
    value: &mut Spanned<DeValue<'_>>,
    span: &Range<usize>,
    path: &str,
) -> Option<String> {
    match value.get_mut() {
        DeValue::Table(table) => remove_entry(table, span, path),
        DeValue::Array(items) => {
            items
                .iter_mut()
                .enumerate()
                .find_map(|(i, item)| match item.get_mut() {
                    DeValue::Table(table) => remove_entry(table, span, &format!("{path}[{i}]")),
                    _ => None,
                })
        }
        _ => None,
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Top {
        #[serde(default)]
        name: String,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        items: Vec<Inner>,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[serde(default)]
        on: bool,
    }

    #[test]
    fn every_problem_is_found_with_its_field_and_line() {
        let text = "name = 3\nnope = 1\n[inner]\non = \"yes\"\nalso = 2\n[[items]]\non = true\n[[items]]\non = 1\n";
        let Err(ReadError::Entries(problems)) = read::<Top>(text) else {
            panic!("not refused")
        };
        let found: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (1, "name"),
                (2, "nope"),
                (4, "inner.on"),
                (5, "inner.also"),
                (9, "items[1].on")
            ],
            "{problems:?}"
        );
    }

    #[test]
    fn a_good_file_is_read_and_a_syntax_error_stops() {
        assert_eq!(
            read::<Top>("name = \"a\"\n").ok(),
            Some(Top {
                name: "a".into(),
                inner: None,
                items: vec![]
            })
        );
        let e = read::<Top>("name = \"a\nnope = 1\n").unwrap_err();
        assert!(
            matches!(e, ReadError::Syntax(ref m) if m.contains("line 1")),
            "{e}"
        );
    }
}
