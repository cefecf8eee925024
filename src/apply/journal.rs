//! The journal: an append-only JSON-lines record of every mutating call,
//! written and synced to disk *before* the call (intent) and *after* it
//! (done, with the ARN, or failed, with the error).
//!
//! With it an interrupted run can be explained (the last intent without a
//! result is the call in flight), resumed (apply again with the same journal)
//! and undone (`destroy` deletes exactly what the journal says onramp
//! created). A line that cannot be read is an error naming the line, never
//! skipped: a journal that lies is worse than none.

use crate::iam::action::Action;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::iam::names::EntityKind;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3, … across runs.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub unix_ms: u64,
    #[serde(flatten)]
    pub record: Record,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// A run starts (`command` is `apply` or `destroy`).
    Run {
        command: String,
        account_id: String,
        region: String,
        onramp_version: String,
    },
    /// A mutating call is about to be made.
    Intent(Call),
    /// It succeeded; `arn` for the calls that create an entity.
    Done {
        #[serde(flatten)]
        call: Call,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        arn: Option<String>,
    },
    /// It failed.
    Failed {
        #[serde(flatten)]
        call: Call,
        error: String,
    },
}

/// A mutating call: the API action on an entity, with its argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub action: Action,
    pub kind: EntityKind,
    pub name: String,
    /// The call's other argument: a policy ARN to attach, an inline policy's
    /// name, a role to add, a version to delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A journal file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot open the journal {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the journal {path} is damaged at line {line}: {reason}. Nothing was changed; move the file aside to start a new journal, or repair that line"
    )]
    Damaged {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// An open journal: what it held when opened, and a handle to append to it.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    entries: Vec<Entry>,
}

impl Journal {
    /// Opens (or creates) a journal, reading and checking every line first.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let existed = path.exists();
        let entries = if existed { read(path)? } else { Vec::new() };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| JournalError::Open {
                path: path.to_owned(),
                source,
            })?;
        if !existed {
            sync_directory_of(path).map_err(|source| JournalError::Open {
                path: path.to_owned(),
                source,
            })?;
        }
        Ok(Journal {
            path: path.to_owned(),
            file,
            entries,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, those read at open and those appended since.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Appends a record and syncs it to disk before returning.
    pub fn append(&mut self, record: Record) -> Result<(), JournalError> {
        let entry = Entry {
            seq: self.entries.last().map_or(1, |e| e.seq + 1),
            unix_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            record,
        };
        let mut line = serde_json::to_string(&entry).unwrap_or_default();
        line.push('\n');
        let write_error = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(write_error)?;
        self.entries.push(entry);
        Ok(())
    }
}

/// Locks a journal shared by concurrent tasks. A poisoned lock (a panic while
/// appending) still guards a consistent file: each append is one write.
pub fn lock(journal: &std::sync::Mutex<Journal>) -> std::sync::MutexGuard<'_, Journal> {
    journal
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads a journal without opening it for writing.
pub fn read(path: &Path) -> Result<Vec<Entry>, JournalError> {
    let file = File::open(path).map_err(|source| JournalError::Open {
        path: path.to_owned(),
        source,
    })?;
    let mut entries: Vec<Entry> = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let damaged = |reason: String| JournalError::Damaged {
            path: path.to_owned(),
            line: i + 1,
            reason,
        };
        let line = line.map_err(|e| damaged(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = serde_json::from_str(&line).map_err(|e| {
            damaged(format!(
                "not a journal entry ({e}); the file may have been cut off or edited"
            ))
        })?;
        if let Some(last) = entries.last()
            && entry.seq <= last.seq
        {
            return Err(damaged(format!(
                "entry {} follows entry {}; entries must be in order",
                entry.seq, last.seq
            )));
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// What the journal records as done to one entity and not undone since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Made {
    created: bool,
    attached: usize,
    inline: usize,
    roles: usize,
    versions: usize,
    tagged: bool,
    trust_updated: bool,
}

impl Made {
    /// Counts one call recorded as done; `false` when it deleted the entity.
    fn record(&mut self, action: Action) -> bool {
        let less = |n: &mut usize| *n = n.saturating_sub(1);
        match action {
            Action::CreatePolicy
            | Action::CreateRole
            | Action::CreateInstanceProfile
            | Action::CreateServiceLinkedRole => {
                self.created = true;
            }
            Action::AttachRolePolicy => self.attached += 1,
            Action::DetachRolePolicy => less(&mut self.attached),
            Action::PutRolePolicy => self.inline += 1,
            Action::DeleteRolePolicy => less(&mut self.inline),
            Action::AddRoleToInstanceProfile => self.roles += 1,
            Action::RemoveRoleFromInstanceProfile => less(&mut self.roles),
            Action::CreatePolicyVersion => self.versions += 1,
            Action::TagPolicy | Action::TagRole | Action::TagInstanceProfile => self.tagged = true,
            Action::UpdateAssumeRolePolicy => self.trust_updated = true,
            Action::DeletePolicy
            | Action::DeleteRole
            | Action::DeleteInstanceProfile
            | Action::DeleteServiceLinkedRole => {
                return false;
            }
            _ => {}
        }
        true
    }

    /// "created, 3 managed policies attached, tagged".
    fn words(&self) -> Vec<String> {
        let count = |n: usize, one: &str, many: &str, done: &str| {
            (n > 0).then(|| format!("{n} {} {done}", if n == 1 { one } else { many }))
        };
        [
            self.created.then(|| "created".to_owned()),
            self.trust_updated
                .then(|| "trust policy updated".to_owned()),
            count(
                self.versions,
                "document version",
                "document versions",
                "added",
            ),
            count(
                self.attached,
                "managed policy",
                "managed policies",
                "attached",
            ),
            count(self.inline, "inline policy", "inline policies", "put"),
            count(self.roles, "role", "roles", "added"),
            self.tagged.then(|| "tagged".to_owned()),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// What the journal records onramp did to each entity and not undone
/// since, in words, by entity in the order first touched: `("role",
/// "ecsInstanceRole", "created, 3 managed policies attached")`. A run that
/// stopped part-way shows here as the part it made.
pub fn made(entries: &[Entry]) -> Vec<(EntityKind, String, String)> {
    let mut order: Vec<(EntityKind, String)> = Vec::new();
    let mut made: std::collections::BTreeMap<(EntityKind, String), Made> =
        std::collections::BTreeMap::new();
    for entry in entries {
        let Record::Done { call, .. } = &entry.record else {
            continue;
        };
        let key = (call.kind, call.name.clone());
        if !order.contains(&key) {
            order.push(key.clone());
        }
        if !made.entry(key.clone()).or_default().record(call.action) {
            made.remove(&key);
        }
    }
    order
        .into_iter()
        .filter_map(|key| {
            let words = made.get(&key)?.words();
            (!words.is_empty()).then(|| (key.0, key.1, words.join(", ")))
        })
        .collect()
}

/// The default journal file for an account and region, in the current directory.
pub fn default_path(account_id: &str, region: &str) -> PathBuf {
    PathBuf::from(format!("onramp-{account_id}-{region}.journal.jsonl"))
}

/// Makes a new journal's directory entry durable: syncing the file's data
/// is not enough for the file itself to survive a power cut on Linux
/// filesystems until its directory is synced too.
#[cfg(unix)]
fn sync_directory_of(path: &Path) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

/// Directories cannot be opened as files on other systems; their
/// filesystems order metadata differently.
#[cfg(not(unix))]
fn sync_directory_of(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(action: Action) -> Call {
        Call {
            action,
            kind: EntityKind::Role,
            name: "ecsInstanceRole".into(),
            detail: None,
        }
    }

    #[test]
    fn appends_survive_reopening_and_keep_counting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut j = Journal::open(&path).unwrap();
        j.append(Record::Intent(call(Action::CreateRole))).unwrap();
        j.append(Record::Done {
            call: call(Action::CreateRole),
            arn: Some("arn:aws:iam::1:role/x".into()),
        })
        .unwrap();
        drop(j);
        let mut j = Journal::open(&path).unwrap();
        assert_eq!(j.entries().len(), 2);
        j.append(Record::Failed {
            call: call(Action::AttachRolePolicy),
            error: "boom".into(),
        })
        .unwrap();
        let seqs: Vec<u64> = read(&path).unwrap().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[test]
    fn a_cut_off_line_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut j = Journal::open(&path).unwrap();
        j.append(Record::Intent(call(Action::CreateRole))).unwrap();
        drop(j);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"seq\":2,\"unix_ms\":1,\"event\":\"do");
        std::fs::write(&path, text).unwrap();
        let err = Journal::open(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn what_was_made_is_counted_per_entity_and_undone_work_drops_out() {
        let done = |action: Action, kind, name: &str| Record::Done {
            call: Call {
                action,
                kind,
                name: name.into(),
                detail: None,
            },
            arn: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.jsonl")).unwrap();
        for record in [
            done(Action::CreateRole, EntityKind::Role, "ecsInstanceRole"),
            done(
                Action::AttachRolePolicy,
                EntityKind::Role,
                "ecsInstanceRole",
            ),
            done(
                Action::AttachRolePolicy,
                EntityKind::Role,
                "ecsInstanceRole",
            ),
            done(
                Action::CreateInstanceProfile,
                EntityKind::InstanceProfile,
                "ecsInstanceRole",
            ),
            done(Action::CreatePolicy, EntityKind::ManagedPolicy, "p"),
            done(Action::AttachRolePolicy, EntityKind::Role, "Theirs"),
            done(Action::DeletePolicy, EntityKind::ManagedPolicy, "p"),
        ] {
            j.append(record).unwrap();
        }
        assert_eq!(
            made(j.entries()),
            [
                (
                    EntityKind::Role,
                    "ecsInstanceRole".to_owned(),
                    "created, 2 managed policies attached".to_owned()
                ),
                (
                    EntityKind::InstanceProfile,
                    "ecsInstanceRole".to_owned(),
                    "created".to_owned()
                ),
                (
                    EntityKind::Role,
                    "Theirs".to_owned(),
                    "1 managed policy attached".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn out_of_order_entries_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let line = |seq| {
            format!(
                "{{\"seq\":{seq},\"unix_ms\":1,\"event\":\"intent\",\"action\":\"CreateRole\",\"kind\":\"role\",\"name\":\"r\"}}\n"
            )
        };
        std::fs::write(&path, format!("{}{}", line(2), line(1))).unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("line 2"));
    }
}
