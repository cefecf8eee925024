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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::adopt::Snapshot;
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
    /// An existing entity onramp did not make is about to be brought to the
    /// plan: what it was, and what onramp makes of it. Synced before the
    /// first call that changes it. A later run that changes it again
    /// records it again, with the first record's `before`.
    Adopt {
        kind: EntityKind,
        name: String,
        before: Box<Snapshot>,
        after: Box<Snapshot>,
    },
    /// An adopted entity was put back as it was (`destroy`).
    Restored { kind: EntityKind, name: String },
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
///
/// Appends go to one writer thread that owns the file, so a slow disk's
/// `fdatasync` never runs on (and never stalls) an async runtime's worker
/// thread. The writer groups the records that arrive while it is busy into
/// one write and one sync (group commit): ten calls in flight can cost one
/// sync, not ten, and each `append` still returns only once its record is
/// on disk. Shared by `&Journal` between concurrent tasks.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// Closed (set to `None`) on drop, which ends the writer.
    requests: Option<mpsc::Sender<Request>>,
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

/// What the writer publishes to the handle.
#[derive(Debug, Default)]
struct Shared {
    /// Entries read at open, then every entry written and synced since.
    entries: Mutex<Vec<Entry>>,
    /// `sync_data` calls made by the writer.
    syncs: AtomicU64,
}

/// One record to append, and where to answer once it is synced.
#[derive(Debug)]
struct Request {
    record: Record,
    answer: oneshot::Sender<Result<(), JournalError>>,
}

/// Where the writer's lines go: the journal's file, or in the unit tests a
/// disk that is slow or fails on demand.
trait Disk: Write + Send + 'static {
    fn sync_data(&mut self) -> std::io::Result<()>;
}

impl Disk for File {
    fn sync_data(&mut self) -> std::io::Result<()> {
        File::sync_data(self)
    }
}

impl Journal {
    /// Opens (or creates) a journal, reading and checking every line first,
    /// and starts its writer thread.
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
        Journal::start(path, entries, file)
    }

    /// Starts the writer on `disk`, continuing after `entries`.
    fn start(path: &Path, entries: Vec<Entry>, disk: impl Disk) -> Result<Journal, JournalError> {
        let next_seq = entries.last().map_or(1, |e| e.seq + 1);
        let shared = Arc::new(Shared {
            entries: Mutex::new(entries),
            syncs: AtomicU64::new(0),
        });
        let (requests, received) = mpsc::channel();
        let writer = Writer {
            path: path.to_owned(),
            disk,
            next_seq,
            shared: Arc::clone(&shared),
        };
        let writer = std::thread::Builder::new()
            .name("onramp-journal".into())
            .spawn(move || writer.serve(&received))
            .map_err(|source| JournalError::Open {
                path: path.to_owned(),
                source,
            })?;
        Ok(Journal {
            path: path.to_owned(),
            requests: Some(requests),
            shared,
            writer: Some(writer),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, those read at open and those appended (and synced)
    /// since: a snapshot.
    pub fn entries(&self) -> Vec<Entry> {
        lock(&self.shared.entries).clone()
    }

    /// How many times the writer has synced the file: with appends in
    /// flight together, fewer than the records appended.
    pub fn syncs(&self) -> u64 {
        self.shared.syncs.load(Ordering::SeqCst)
    }

    /// Appends a record; resolves once it is written and synced to disk.
    ///
    /// The record is handed to the writer when this is first polled: a
    /// future dropped after that still has its record written, its answer
    /// unheard.
    pub async fn append(&self, record: Record) -> Result<(), JournalError> {
        let answer = self.send(record)?;
        answer.await.unwrap_or_else(|_| Err(self.writer_gone()))
    }

    /// [`Journal::append`] for synchronous code: blocks the calling thread
    /// until the record is synced. Never call it from inside an async task
    /// (it would block that runtime thread, which is what the writer is
    /// there to avoid); tokio panics if it is.
    pub fn append_blocking(&self, record: Record) -> Result<(), JournalError> {
        let answer = self.send(record)?;
        answer
            .blocking_recv()
            .unwrap_or_else(|_| Err(self.writer_gone()))
    }

    fn send(
        &self,
        record: Record,
    ) -> Result<oneshot::Receiver<Result<(), JournalError>>, JournalError> {
        let (answer, answered) = oneshot::channel();
        self.requests
            .as_ref()
            .ok_or_else(|| self.writer_gone())?
            .send(Request { record, answer })
            .map_err(|_| self.writer_gone())?;
        Ok(answered)
    }

    /// The writer thread ended (it panicked): nothing more can be written.
    fn writer_gone(&self) -> JournalError {
        JournalError::Write {
            path: self.path.clone(),
            source: std::io::Error::other("the journal's writer thread has stopped"),
        }
    }
}

impl Drop for Journal {
    /// Closes the queue and waits for the writer to finish what was queued
    /// and end, so no thread outlives the journal.
    fn drop(&mut self) {
        self.requests = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread's state: it alone owns the file and numbers entries.
struct Writer<D> {
    path: PathBuf,
    disk: D,
    next_seq: u64,
    shared: Arc<Shared>,
}

impl<D: Disk> Writer<D> {
    /// Serves groups until the journal is dropped: blocks for the first
    /// request, then takes every one already queued behind it.
    fn serve(mut self, requests: &mpsc::Receiver<Request>) {
        while let Ok(first) = requests.recv() {
            let mut group = vec![first];
            group.extend(requests.try_iter());
            self.commit(group);
        }
    }

    /// Numbers the group in order of receipt, writes its lines with one
    /// write and one sync, then publishes the entries and answers each
    /// request; on an error every request of the group gets it.
    fn commit(&mut self, group: Vec<Request>) {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut answers = Vec::with_capacity(group.len());
        let mut entries = Vec::with_capacity(group.len());
        let mut lines = String::new();
        for Request { record, answer } in group {
            let entry = Entry {
                seq: self.next_seq,
                unix_ms,
                record,
            };
            self.next_seq += 1;
            lines.push_str(&serde_json::to_string(&entry).unwrap_or_default());
            lines.push('\n');
            entries.push(entry);
            answers.push(answer);
        }
        // The numbers stay used even if this fails: lines written but not
        // synced may still reach the file, and a later group reusing their
        // numbers would leave it out of order (unreadable).
        let written = self.disk.write_all(lines.as_bytes()).and_then(|()| {
            self.shared.syncs.fetch_add(1, Ordering::SeqCst);
            self.disk.sync_data()
        });
        match written {
            Ok(()) => {
                lock(&self.shared.entries).extend(entries);
                for answer in answers {
                    let _ = answer.send(Ok(()));
                }
            }
            Err(error) => {
                for answer in answers {
                    let _ = answer.send(Err(JournalError::Write {
                        path: self.path.clone(),
                        source: std::io::Error::new(error.kind(), error.to_string()),
                    }));
                }
            }
        }
    }
}

/// A poisoned lock (a panic while holding it) still guards a whole list:
/// entries are only ever added by one `extend`.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
/// stopped part-way shows here as the part it made. An adopted entity
/// recorded as restored is as it was before onramp: nothing of what
/// onramp did to it remains, the restore's own calls included.
pub fn made(entries: &[Entry]) -> Vec<(EntityKind, String, String)> {
    let mut order: Vec<(EntityKind, String)> = Vec::new();
    let mut made: std::collections::BTreeMap<(EntityKind, String), Made> =
        std::collections::BTreeMap::new();
    for entry in entries {
        if let Record::Restored { kind, name } = &entry.record {
            made.retain(|(k, n), _| !(k == kind && n.eq_ignore_ascii_case(name)));
            continue;
        }
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

/// An adopted entity as the journal records it: what it was before the
/// first run that adopted it, and what the last run made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    pub kind: EntityKind,
    pub name: String,
    pub before: Snapshot,
    pub after: Snapshot,
}

/// Every entity the journal records adopting and not restoring since, in
/// the order first adopted. Names are matched without regard to case, as
/// IAM matches them.
pub fn adopted(entries: &[Entry]) -> Vec<Adopted> {
    let mut out: Vec<Adopted> = Vec::new();
    let same = |a: &Adopted, kind: EntityKind, name: &str| {
        a.kind == kind && a.name.eq_ignore_ascii_case(name)
    };
    for entry in entries {
        match &entry.record {
            Record::Adopt {
                kind,
                name,
                before,
                after,
            } => match out.iter_mut().find(|a| same(a, *kind, name)) {
                Some(known) => known.after = (**after).clone(),
                None => out.push(Adopted {
                    kind: *kind,
                    name: name.clone(),
                    before: (**before).clone(),
                    after: (**after).clone(),
                }),
            },
            Record::Restored { kind, name } => out.retain(|a| !same(a, *kind, name)),
            _ => {}
        }
    }
    out
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
        let j = Journal::open(&path).unwrap();
        j.append_blocking(Record::Intent(call(Action::CreateRole)))
            .unwrap();
        j.append_blocking(Record::Done {
            call: call(Action::CreateRole),
            arn: Some("arn:aws:iam::1:role/x".into()),
        })
        .unwrap();
        drop(j);
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.entries().len(), 2);
        j.append_blocking(Record::Failed {
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
        let j = Journal::open(&path).unwrap();
        j.append_blocking(Record::Intent(call(Action::CreateRole)))
            .unwrap();
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
        let j = Journal::open(&dir.path().join("j.jsonl")).unwrap();
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
            j.append_blocking(record).unwrap();
        }
        assert_eq!(
            made(&j.entries()),
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
    fn a_restored_entity_has_nothing_left_of_what_onramp_made() {
        let done = |action: Action, detail: &str| Record::Done {
            call: Call {
                detail: Some(detail.into()),
                ..call(action)
            },
            arn: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(&dir.path().join("j.jsonl")).unwrap();
        for record in [
            // The apply that adopted it, and the destroy that put it back.
            done(Action::DetachRolePolicy, "arn:a/Theirs"),
            done(Action::AttachRolePolicy, "arn:a/Planned"),
            done(Action::UpdateAssumeRolePolicy, ""),
            done(Action::DetachRolePolicy, "arn:a/Planned"),
            done(Action::AttachRolePolicy, "arn:a/Theirs"),
            done(Action::UpdateAssumeRolePolicy, ""),
            Record::Restored {
                kind: EntityKind::Role,
                name: "ECSINSTANCEROLE".into(),
            },
            // A later apply that only adds to it.
            done(Action::AttachRolePolicy, "arn:a/Planned"),
        ] {
            j.append_blocking(record).unwrap();
        }
        assert_eq!(
            made(&j.entries()),
            [(
                EntityKind::Role,
                "ecsInstanceRole".to_owned(),
                "1 managed policy attached".to_owned()
            )]
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

    // The writer: group commit, durability, and the runtime left free.

    fn role(name: impl Into<String>) -> Record {
        Record::Intent(Call {
            action: Action::CreateRole,
            kind: EntityKind::Role,
            name: name.into(),
            detail: None,
        })
    }

    fn name_of(entry: &Entry) -> &str {
        match &entry.record {
            Record::Intent(call) => &call.name,
            other => unreachable!("only intents are appended here: {other:?}"),
        }
    }

    fn multi_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap()
    }

    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    /// A disk that stalls every write until `gate`'s sender is dropped (or
    /// ten seconds pass), noting the thread each sync ran on: a slow disk
    /// made slow on cue.
    struct Stalled {
        file: File,
        gate: mpsc::Receiver<()>,
        synced_on: Arc<Mutex<Vec<String>>>,
    }

    impl Write for Stalled {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let _ = self.gate.recv_timeout(std::time::Duration::from_secs(10));
            self.file.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.file.flush()
        }
    }

    impl Disk for Stalled {
        fn sync_data(&mut self) -> std::io::Result<()> {
            let thread = std::thread::current().name().unwrap_or("").to_owned();
            lock(&self.synced_on).push(thread);
            self.file.sync_data()
        }
    }

    /// A journal on a [`Stalled`] disk, and the sender that opens its gate.
    fn stalled(path: &Path) -> (Journal, mpsc::Sender<()>, Arc<Mutex<Vec<String>>>) {
        let (open, gate) = mpsc::channel();
        let synced_on = Arc::new(Mutex::new(Vec::new()));
        let file = File::create(path).unwrap();
        let disk = Stalled {
            file,
            gate,
            synced_on: Arc::clone(&synced_on),
        };
        (
            Journal::start(path, Vec::new(), disk).unwrap(),
            open,
            synced_on,
        )
    }

    #[test]
    fn concurrent_appends_all_land_numbered_in_order_without_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        Journal::open(&path)
            .unwrap()
            .append_blocking(role("before"))
            .unwrap();
        let journal = Arc::new(Journal::open(&path).unwrap());
        multi_thread().block_on(async {
            let tasks: Vec<_> = (0..50)
                .map(|t| {
                    let journal = Arc::clone(&journal);
                    tokio::spawn(async move {
                        for i in 0..4 {
                            journal.append(role(format!("t{t}-{i}"))).await.unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        let entries = journal.entries();
        let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=201).collect::<Vec<u64>>(), "numbered on from 1");
        assert_eq!(read(&path).unwrap(), entries, "the file holds the same");
        // Each task's records in the order it appended them.
        for t in 0..50 {
            let mine: Vec<&str> = entries
                .iter()
                .map(name_of)
                .filter(|n| n.starts_with(&format!("t{t}-")))
                .collect();
            let expected: Vec<String> = (0..4).map(|i| format!("t{t}-{i}")).collect();
            assert_eq!(mine, expected);
        }
        assert!(
            journal.syncs() < 200,
            "50 tasks appending at once share syncs: {} for 200",
            journal.syncs()
        );
    }

    #[test]
    fn appends_queued_behind_a_sync_share_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, open, _) = stalled(&path);
        current_thread().block_on(async {
            // `join_all` polls every append once, in order, before the gate
            // opens: all 50 are queued while the first group's write stalls.
            let appends =
                futures::future::join_all((0..50).map(|i| journal.append(role(format!("r{i}")))));
            let opening = async move { drop(open) };
            let (results, ()) = tokio::join!(appends, opening);
            assert!(results.iter().all(Result::is_ok), "{results:?}");
        });
        assert!(
            journal.syncs() <= 2,
            "one sync for what was queued first, one for the rest: {}",
            journal.syncs()
        );
        let names: Vec<String> = journal
            .entries()
            .iter()
            .map(|e| name_of(e).to_owned())
            .collect();
        let sent: Vec<String> = (0..50).map(|i| format!("r{i}")).collect();
        assert_eq!(names, sent, "numbered in the order received");
        assert_eq!(read(&path).unwrap(), journal.entries());
    }

    #[test]
    fn appends_one_after_another_sync_once_each() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("j.jsonl")).unwrap();
        current_thread().block_on(async {
            for i in 0..20 {
                journal.append(role(format!("r{i}"))).await.unwrap();
                assert_eq!(journal.syncs(), i + 1);
            }
        });
        for i in 0..5 {
            journal.append_blocking(role(format!("b{i}"))).unwrap();
        }
        assert_eq!(journal.syncs(), 25);
        assert_eq!(journal.entries().len(), 25);
    }

    #[test]
    fn a_record_is_in_the_file_when_its_append_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Arc::new(Journal::open(&path).unwrap());
        multi_thread().block_on(async {
            let tasks: Vec<_> = (0..20)
                .map(|t| {
                    let journal = Arc::clone(&journal);
                    let path = path.clone();
                    tokio::spawn(async move {
                        for i in 0..5 {
                            let name = format!("t{t}-{i}");
                            journal.append(role(name.as_str())).await.unwrap();
                            let on_disk = read(&path).unwrap();
                            assert!(
                                on_disk.iter().any(|e| name_of(e) == name),
                                "{name} not in the file when its append returned"
                            );
                            assert!(journal.entries().iter().any(|e| name_of(e) == name));
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert_eq!(read(&path).unwrap().len(), 100);
    }

    #[test]
    fn a_stalled_sync_leaves_the_runtime_thread_free() {
        let dir = tempfile::tempdir().unwrap();
        let (journal, open, synced_on) = stalled(&dir.path().join("j.jsonl"));
        let appended = std::sync::atomic::AtomicBool::new(false);
        let appended = &appended;
        let ticks_before_append = current_thread().block_on(async {
            let append = async {
                journal.append(role("slow")).await.unwrap();
                appended.store(true, Ordering::SeqCst);
            };
            // Another task on the only runtime thread: it ticks while the
            // disk holds the write, then lets the disk go.
            let ticker = async move {
                let mut ticks = 0u64;
                while ticks < 1000 && !appended.load(Ordering::SeqCst) {
                    ticks += 1;
                    tokio::task::yield_now().await;
                }
                let seen = appended.load(Ordering::SeqCst);
                drop(open);
                (ticks, seen)
            };
            let ((), ticks) = tokio::join!(append, ticker);
            ticks
        });
        assert_eq!(
            ticks_before_append,
            (1000, false),
            "the runtime kept running while the sync was stalled"
        );
        assert!(appended.load(Ordering::SeqCst));
        assert_eq!(
            *lock(&synced_on),
            ["onramp-journal"],
            "synced on the writer"
        );
    }

    /// A disk whose writes fail while `full` is set.
    struct Flaky {
        file: File,
        full: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Write for Flaky {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.full.load(Ordering::SeqCst) {
                return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
            }
            self.file.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.file.flush()
        }
    }

    impl Disk for Flaky {
        fn sync_data(&mut self) -> std::io::Result<()> {
            self.file.sync_data()
        }
    }

    #[test]
    fn a_failed_write_reaches_every_caller_of_its_group_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let full = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let disk = Flaky {
            file: File::create(&path).unwrap(),
            full: Arc::clone(&full),
        };
        let journal = Journal::start(&path, Vec::new(), disk).unwrap();
        journal.append_blocking(role("first")).unwrap();
        full.store(true, Ordering::SeqCst);
        let results = current_thread().block_on(futures::future::join_all(
            (0..3).map(|i| journal.append(role(format!("lost{i}")))),
        ));
        for result in results {
            let error = result.unwrap_err();
            assert!(
                matches!(&error, JournalError::Write { path: p, .. } if p == &path),
                "{error:?}"
            );
            assert!(
                error.to_string().contains("cannot write the journal"),
                "{error}"
            );
        }
        assert_eq!(journal.entries().len(), 1, "failed records are not listed");
        full.store(false, Ordering::SeqCst);
        journal.append_blocking(role("after")).unwrap();
        let names: Vec<String> = journal
            .entries()
            .iter()
            .map(|e| name_of(e).to_owned())
            .collect();
        assert_eq!(names, ["first", "after"]);
        assert_eq!(read(&path).unwrap(), journal.entries());
    }

    #[test]
    fn dropping_the_journal_waits_for_what_was_queued() {
        use futures::FutureExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, open, _) = stalled(&path);
        // Polled once: handed to the writer, then abandoned; the disk lets
        // it through only after the journal is being dropped.
        assert!(journal.append(role("queued")).now_or_never().is_none());
        let opener = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(open);
        });
        drop(journal);
        let names: Vec<String> = read(&path)
            .unwrap()
            .iter()
            .map(|e| name_of(e).to_owned())
            .collect();
        assert_eq!(names, ["queued"]);
        opener.join().unwrap();
    }

    /// Figures, not a timed assertion (`cargo test --lib group_commit_figures
    /// -- --nocapture`): 100 appends one after another, one sync each, as
    /// every append was when each held a lock over its own sync, against
    /// 100 at once from 100 tasks.
    #[test]
    fn group_commit_figures() {
        let dir = tempfile::tempdir().unwrap();
        let rt = multi_thread();
        let one_by_one = Arc::new(Journal::open(&dir.path().join("one.jsonl")).unwrap());
        let started = std::time::Instant::now();
        rt.block_on(async {
            for i in 0..100 {
                one_by_one.append(role(format!("r{i}"))).await.unwrap();
            }
        });
        let serial = started.elapsed();
        let at_once = Arc::new(Journal::open(&dir.path().join("many.jsonl")).unwrap());
        let started = std::time::Instant::now();
        rt.block_on(async {
            let tasks: Vec<_> = (0..100)
                .map(|i| {
                    let journal = Arc::clone(&at_once);
                    tokio::spawn(async move { journal.append(role(format!("r{i}"))).await })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().unwrap();
            }
        });
        let grouped = started.elapsed();
        println!(
            "100 appends one after another: {} syncs, {serial:?}; 100 at once: {} syncs, {grouped:?}",
            one_by_one.syncs(),
            at_once.syncs()
        );
        assert_eq!(one_by_one.syncs(), 100);
        assert_eq!(at_once.entries().len(), 100);
        assert!(at_once.syncs() < 100);
    }
}
