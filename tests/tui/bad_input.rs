//! Bad input typed into every text field of the wizard, table-driven: the
//! screen says what is wrong and with which field, the wizard does not go on,
//! the text typed stays in the field to be fixed, and the account sees no
//! mutating call. The same for the policy editor: a document that is not
//! JSON, holds a placeholder or exceeds IAM's size limit cannot be saved.
//!
//! The keys go through the real `update`, effects run on the real worker
//! against the in-memory demo account behind a call-counting cloud.

use crossterm::event::KeyCode;
use onramp::tui::app::{Overlay, Screen};
use onramp::tui::screens;
use onramp::tui::screens::parallelcluster::Item as ClusterItem;
use onramp::tui::theme::Theme;
use onramp_testkit::tui::{Driver, demo_config};

const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

/// The wizard on the demo account, every call counted.
fn driver() -> Driver {
    let d = Driver::counting(|dir| demo_config(dir, Theme::COLOR));
    assert!(d.app.identity.ready().is_some(), "connected at start");
    d
}

/// The screen's text without whitespace and box drawing, so that a message
/// wrapped over several rows of a panel is still found.
fn squeezed(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !('\u{2500}'..='\u{257f}').contains(c))
        .collect()
}

fn shows(d: &Driver, text: &str) -> bool {
    squeezed(&d.screen(WIDTH, HEIGHT)).contains(&squeezed(text))
}

/// Deletes the text before the cursor, `n` characters.
fn erase(d: &mut Driver, n: usize) {
    d.key(KeyCode::End);
    for _ in 0..n {
        d.key(KeyCode::Backspace);
    }
}

/// A text field of the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// Buckets: "Add a bucket by name".
    AddBucket,
    /// Options.
    Prefix,
    Path,
    Tags,
    Boundary,
    /// ParallelCluster, with the Slurm scheduler: the resources bucket.
    ClusterBucket,
    /// ParallelCluster, with the awsbatch scheduler (the others filled in).
    Batch(ClusterItem),
    /// ParallelCluster 3: the FSx bucket (add-on on) or the secret name.
    V3(ClusterItem),
}

const BATCH_VALUES: [(ClusterItem, &str); 7] = [
    (ClusterItem::ResourcesBucket, "onramp-demo-pcluster"),
    (ClusterItem::StackName, "my-cluster"),
    (ClusterItem::JobDefinitionSerial, "serial-jd"),
    (ClusterItem::JobDefinitionMnp, "mnp-jd"),
    (ClusterItem::JobQueue, "queue"),
    (ClusterItem::JobRole, "job-role"),
    (ClusterItem::EcsComputeEnvironment, "ecs-ce"),
];

impl Field {
    fn screen(self) -> Screen {
        match self {
            Field::AddBucket => Screen::Buckets,
            Field::Prefix | Field::Path | Field::Tags | Field::Boundary => Screen::Options,
            Field::ClusterBucket | Field::Batch(_) | Field::V3(_) => Screen::ParallelCluster,
        }
    }

    /// What the blocking message names: the answers field.
    fn answer(self) -> &'static str {
        match self {
            Field::AddBucket => "genomics.buckets",
            Field::Prefix => "name_prefix",
            Field::Path => "path",
            Field::Tags => "tags",
            Field::Boundary => "permissions_boundary",
            Field::ClusterBucket => "parallelcluster.resources_bucket",
            Field::Batch(item) => match item {
                ClusterItem::ResourcesBucket => "parallelcluster.resources_bucket",
                ClusterItem::StackName => "parallelcluster.stack_name",
                ClusterItem::JobDefinitionSerial => "parallelcluster.job_definition_serial_name",
                ClusterItem::JobDefinitionMnp => "parallelcluster.job_definition_mnp_name",
                ClusterItem::JobQueue => "parallelcluster.job_queue_name",
                ClusterItem::JobRole => "parallelcluster.job_role",
                ClusterItem::EcsComputeEnvironment => "parallelcluster.ecs_compute_environment",
                other => unreachable!("{other:?} is not an awsbatch field"),
            },
            Field::V3(item) => match item {
                ClusterItem::FsxBucket => "parallelcluster.fsx_bucket",
                ClusterItem::SecretName => "parallelcluster.secret_name",
                other => unreachable!("{other:?} is not a version 3 text field"),
            },
        }
    }

    /// The field's text as the wizard holds it.
    fn text(self, d: &Driver) -> String {
        let options = &d.app.options;
        match self {
            Field::AddBucket => d.app.buckets.add.text(),
            Field::Prefix => options.prefix.text(),
            Field::Path => options.path.text(),
            Field::Tags => options.tags.text(),
            Field::Boundary => options.boundary.text(),
            Field::ClusterBucket => d.app.cluster.fields[&ClusterItem::ResourcesBucket].text(),
            Field::Batch(item) | Field::V3(item) => d.app.cluster.fields[&item].text(),
        }
    }

    /// The value in the answers, where the field writes it as typed.
    fn answer_value(self, d: &Driver) -> Option<String> {
        let a = &d.app.answers;
        let pc = a.parallelcluster.as_ref();
        let slot = |item| {
            let p = pc?;
            match item {
                ClusterItem::ResourcesBucket => p.resources_bucket.clone(),
                ClusterItem::StackName => p.stack_name.clone(),
                ClusterItem::JobDefinitionSerial => p.job_definition_serial_name.clone(),
                ClusterItem::JobDefinitionMnp => p.job_definition_mnp_name.clone(),
                ClusterItem::JobQueue => p.job_queue_name.clone(),
                ClusterItem::JobRole => p.job_role.clone(),
                ClusterItem::EcsComputeEnvironment => p.ecs_compute_environment.clone(),
                ClusterItem::FsxBucket => p.fsx_bucket.clone(),
                ClusterItem::SecretName => p.secret_name.clone(),
                _ => None,
            }
        };
        match self {
            Field::Prefix => Some(a.name_prefix.clone()),
            Field::Path => Some(a.path.clone()),
            Field::Boundary => Some(a.permissions_boundary.clone()),
            Field::ClusterBucket => slot(ClusterItem::ResourcesBucket),
            Field::Batch(item) | Field::V3(item) => slot(item),
            // Buckets are added on Enter; tags are kept as the last good ones
            // until the text reads as tags.
            Field::AddBucket | Field::Tags => None,
        }
    }

    /// Goes to the field with a wizard that could go on, and empties it.
    fn focus(self, d: &mut Driver) {
        d.enter_until(self.screen());
        match self {
            Field::AddBucket => {
                d.key(KeyCode::Char('+'));
            }
            Field::Prefix | Field::Path | Field::Tags | Field::Boundary => {
                // After the four genomics toggles and the Batch service role.
                let row = 5 + [Field::Prefix, Field::Path, Field::Tags, Field::Boundary]
                    .iter()
                    .position(|f| *f == self)
                    .unwrap();
                for _ in 0..row {
                    d.key(KeyCode::Down);
                }
            }
            Field::ClusterBucket => {
                d.keys(&[KeyCode::Down, KeyCode::Down]);
            }
            Field::Batch(item) => {
                d.key(KeyCode::Down).key(KeyCode::Left); // slurm → awsbatch
                assert_eq!(
                    d.app.answers.parallelcluster.as_ref().unwrap().scheduler,
                    "awsbatch"
                );
                // Rows 2.. are the text fields, in BATCH_VALUES' order.
                d.key(KeyCode::Down);
                for (i, (field, value)) in BATCH_VALUES.iter().enumerate() {
                    if i > 0 {
                        d.key(KeyCode::Down);
                    }
                    let old = d.app.cluster.fields[field].text().chars().count();
                    erase(d, old);
                    d.type_text(value);
                }
                let row = 2 + BATCH_VALUES.iter().position(|(f, _)| *f == item).unwrap();
                while d.app.cluster.cursor > row {
                    d.key(KeyCode::Up);
                }
            }
            Field::V3(item) => {
                d.key(KeyCode::Right); // version 2 → 3
                assert_eq!(d.app.answers.parallelcluster.as_ref().unwrap().version, "3");
                // Version, scheduler, IAM mode, FSx, [FSx bucket], image
                // build, login nodes, secret: down to the row that shows it.
                d.keys(&[KeyCode::Down, KeyCode::Down, KeyCode::Down]);
                if item == ClusterItem::FsxBucket {
                    d.key(KeyCode::Char(' ')); // the FSx add-on on
                    assert!(d.app.answers.parallelcluster.as_ref().unwrap().fsx);
                }
                let rows = onramp::tui::screens::parallelcluster::items(&d.app);
                let row = rows.iter().position(|i| *i == item).unwrap();
                while d.app.cluster.cursor < row {
                    d.key(KeyCode::Down);
                }
            }
        }
        let old = self.text(d).chars().count();
        erase(d, old);
        assert_eq!(self.text(d), "", "{self:?} is empty");
        if self == Field::AddBucket {
            return;
        }
        // The control: with the field empty or as the demo has it, nothing
        // stops the wizard; only the bad value will.
        let empty_is_bad = matches!(self, Field::Path | Field::Batch(_));
        if !empty_is_bad {
            assert_eq!(screens::blocker(&d.app), None, "{self:?}");
        }
    }
}

/// One bad value for one field: what the screen must say about it.
struct Bad {
    field: Field,
    value: String,
    says: &'static str,
}

fn bad(field: Field, value: impl Into<String>, says: &'static str) -> Bad {
    Bad {
        field,
        value: value.into(),
        says,
    }
}

fn bad_values() -> Vec<Bad> {
    use ClusterItem::*;
    use Field::*;
    let prefix_chars = "a prefix may use letters, digits and `_ + = , . @ -`";
    let arn = "arn:aws:iam::aws:policy/NAME";
    let tag_chars = "tags may use letters, digits, spaces and `_ . : / = + - @`";
    let batch_chars = "may use letters, digits, `-` and `_`";
    let required = "required with scheduler = \"awsbatch\"";
    vec![
        // Buckets: the name typed to add.
        bad(AddBucket, "ab", "a bucket name has 3 to 63"),
        bad(AddBucket, "a".repeat(64), "a bucket name has 3 to 63"),
        bad(AddBucket, "My-Bucket", "(bucket names are lowercase)"),
        bad(AddBucket, "my_bucket", "only lowercase letters, digits"),
        bad(AddBucket, "my bucket", "only lowercase letters, digits"),
        bad(AddBucket, "bücket-data", "only lowercase letters, digits"),
        bad(AddBucket, "-my-bucket", "must begin and end"),
        bad(AddBucket, "my..bucket", "two dots in a row"),
        bad(AddBucket, "192.168.1.1", "formatted like an IP address"),
        bad(AddBucket, "xn--bucket", "a prefix S3 reserves"),
        bad(AddBucket, "sthree-data", "a prefix S3 reserves"),
        bad(AddBucket, "data-s3alias", "a suffix S3 reserves"),
        bad(AddBucket, "data--ol-s3", "a suffix S3 reserves"),
        bad(AddBucket, "onramp-demo-inputs", "is already selected"),
        // Options: name prefix.
        bad(Prefix, "lab team-", prefix_chars),
        bad(Prefix, "lab/", prefix_chars),
        bad(Prefix, "läb-", prefix_chars),
        bad(
            Prefix,
            "p".repeat(42),
            "IAM allows at most 64 for a role name",
        ),
        // Options: IAM path.
        bad(Path, "", "must be `/` or begin and end with `/`"),
        bad(Path, "onramp", "must be `/` or begin and end with `/`"),
        bad(Path, "/onramp", "must be `/` or begin and end with `/`"),
        bad(Path, "/on ramp/", "printable ASCII without spaces"),
        bad(Path, "/é/", "printable ASCII without spaces"),
        bad(Path, "/{{team}}/", "read as an unfilled placeholder"),
        bad(Path, "/<team>/", "read as an unfilled placeholder"),
        bad(
            Path,
            format!("/{}/", "a".repeat(511)),
            "IAM allows at most 512",
        ),
        // Options: tags, typed as `Key=Value, …`.
        bad(Tags, "oops", "is not Key=Value"),
        bad(Tags, "=x", "has no key before `=`"),
        bad(Tags, "Team=a, Team=b", "is given twice"),
        bad(Tags, "aws:project=x", "`aws:`, which AWS reserves"),
        bad(Tags, "AWS:Project=x", "`aws:`, which AWS reserves"),
        bad(Tags, "Project=gen;omics", tag_chars),
        bad(Tags, "Pro*ject=x", tag_chars),
        bad(Tags, "onramp:managed-by=me", "set automatically"),
        bad(Tags, "Project=a, project=b", "differ only in case"),
        bad(Tags, format!("Project={}", "v".repeat(257)), "at most 256"),
        bad(
            Tags,
            format!("{}=x", "k".repeat(129)),
            "tag keys have 1 to 128",
        ),
        // Options: permissions boundary.
        bad(Boundary, "lab-boundary", arn),
        bad(Boundary, "arn:aws:iam::123456789012:role/Boundary", arn),
        bad(Boundary, "ARN:AWS:IAM::aws:policy/Boundary", arn),
        bad(Boundary, "arn:aws:iam::<ACCOUNT>:policy/Boundary", arn),
        bad(
            Boundary,
            "arn:aws-cn:iam::aws:policy/Boundary",
            "is in partition `aws-cn` but the region is in `aws`",
        ),
        // ParallelCluster (Slurm): resources bucket.
        bad(ClusterBucket, "ab", "a bucket name has 3 to 63"),
        bad(
            ClusterBucket,
            "PC-Resources",
            "(bucket names are lowercase)",
        ),
        bad(ClusterBucket, "10.0.0.1", "formatted like an IP address"),
        bad(ClusterBucket, "pc-resources--x-s3", "a suffix S3 reserves"),
        // ParallelCluster 3: the FSx bucket and the secret name.
        bad(V3(FsxBucket), "ab", "a bucket name has 3 to 63"),
        bad(V3(FsxBucket), "Lustre-Data", "(bucket names are lowercase)"),
        bad(V3(FsxBucket), "192.168.1.1", "formatted like an IP address"),
        bad(
            V3(SecretName),
            "ad password",
            "a secret name may use letters",
        ),
        bad(
            V3(SecretName),
            "s".repeat(513),
            "a secret name has 1 to 512",
        ),
        bad(V3(SecretName), "ad-password-AbC123", "suffix AWS adds"),
        // ParallelCluster (awsbatch): every field.
        bad(Batch(ResourcesBucket), "", required),
        bad(
            Batch(ResourcesBucket),
            "pc_resources",
            "only lowercase letters",
        ),
        bad(Batch(StackName), "", required),
        bad(Batch(StackName), "1cluster", "must start with a letter"),
        bad(
            Batch(StackName),
            "my_cluster",
            "a stack name may use letters, digits and `-`",
        ),
        bad(
            Batch(StackName),
            "s".repeat(129),
            "a stack name has 1 to 128",
        ),
        bad(Batch(JobDefinitionSerial), "", required),
        bad(Batch(JobDefinitionSerial), "serial job", batch_chars),
        bad(
            Batch(JobDefinitionSerial),
            "-serial",
            "must start with a letter or a digit",
        ),
        bad(Batch(JobDefinitionMnp), "", required),
        bad(Batch(JobDefinitionMnp), "mnp*", batch_chars),
        bad(
            Batch(JobDefinitionMnp),
            "m".repeat(129),
            "a job definition name has 1 to 128",
        ),
        bad(Batch(JobQueue), "", required),
        bad(Batch(JobQueue), "queue!", batch_chars),
        bad(
            Batch(JobQueue),
            "q".repeat(129),
            "a job queue name has 1 to 128",
        ),
        bad(Batch(JobRole), "", required),
        bad(
            Batch(JobRole),
            "job role",
            "a role name may use letters, digits and `_ + = , . @ -`",
        ),
        bad(
            Batch(JobRole),
            "r".repeat(65),
            "IAM allows at most 64 for a role name",
        ),
        bad(Batch(EcsComputeEnvironment), "", required),
        bad(Batch(EcsComputeEnvironment), "ce/x", batch_chars),
        bad(
            Batch(EcsComputeEnvironment),
            "e".repeat(256),
            "an ECS cluster name has 1 to 255",
        ),
    ]
}

/// What went wrong with one bad value, if anything.
fn check(b: &Bad) -> Vec<String> {
    let mut problems = Vec::new();
    let mut d = driver();
    b.field.focus(&mut d);
    let buckets_before = d.app.answers.genomics.clone().unwrap().buckets;
    d.type_text(&b.value);
    let screen = b.field.screen();

    // The value is kept as typed, in the field and (where the field writes
    // it at once) in the answers.
    if b.field.text(&d) != b.value {
        problems.push(format!("the field holds `{}`", b.field.text(&d)));
    }
    if let Some(value) = b.field.answer_value(&d)
        && value != b.value
    {
        problems.push(format!("the answers hold `{value}`"));
    }
    // The screen says what is wrong, beside the field.
    if !shows(&d, b.says) {
        problems.push(format!("the screen does not say `{}`", b.says));
    }
    // The options screen names the field in the line; the others show the
    // line under the field's row, and name the field when Enter is refused.
    if screen == Screen::Options && !shows(&d, &format!("✗ {}", b.field.answer())) {
        problems.push(format!("the screen does not name `{}`", b.field.answer()));
    }

    // Enter does not go on; the message names the field.
    for attempt in 0..3 {
        d.enter();
        if d.app.screen != screen {
            problems.push(format!("Enter went on to {:?}", d.app.screen));
            return problems;
        }
        let flash = d.app.flash.clone().unwrap_or_default();
        let names_it = match b.field {
            Field::AddBucket => flash.starts_with("not added: ") && flash.contains(b.says),
            Field::Tags if flash.starts_with("fix the tags first") => true,
            // `tags.KEY` for one tag.
            field => flash.starts_with(&format!("fix this first: {}", field.answer())),
        };
        if !names_it {
            problems.push(format!("attempt {attempt}: the message is `{flash}`"));
        }
        let shown = flash.chars().take(40).collect::<String>();
        if !shows(&d, &shown) {
            problems.push(format!(
                "attempt {attempt}: the footer does not show `{shown}`"
            ));
        }
        if b.field.text(&d) != b.value {
            problems.push(format!("attempt {attempt}: the typed text was lost"));
        }
    }
    if d.app.answers.genomics.clone().unwrap().buckets != buckets_before {
        problems.push("the buckets changed".into());
    }
    // Nothing reached the account, nothing was journaled.
    if d.mutating_calls() != 0 {
        problems.push(format!(
            "mutating calls: {:?}",
            d.counted.as_ref().unwrap().calls()
        ));
    }
    if d.path("demo.journal.jsonl").exists() {
        problems.push("a journal was written".into());
    }
    problems
}

#[test]
fn every_text_field_refuses_bad_values_keeps_them_and_changes_nothing() {
    let cases = bad_values();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut fields: Vec<Field> = cases.iter().map(|b| b.field).collect();
    fields.dedup();
    // Fourteen text fields (two of them version 3's); the resources bucket
    // under both schedulers.
    assert_eq!(fields.len(), 15, "every text field: {fields:?}");
    let mut failures = Vec::new();
    for b in &cases {
        let problems = check(b);
        if !problems.is_empty() {
            let value: String = b.value.chars().take(40).collect();
            failures.push(format!("{:?} `{value}`: {}", b.field, problems.join("; ")));
        }
    }
    eprintln!("{} bad values in {} fields", cases.len(), fields.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// No bucket selected: the bucket screen does not go on.
#[test]
fn no_bucket_selected_blocks_the_bucket_screen() {
    let mut d = driver();
    d.enter_until(Screen::Buckets);
    // Unselect both of the demo's buckets (selected rows sort after the others).
    for _ in 0..2 {
        let row = screens::buckets::items(&d.app, onramp::tui::screens::buckets::Target::Genomics)
            .iter()
            .position(|i| i.selected)
            .unwrap();
        d.app.buckets.cursor = row;
        d.key(KeyCode::Char(' '));
    }
    assert!(d.app.answers.genomics.as_ref().unwrap().buckets.is_empty());
    d.enter();
    assert_eq!(d.app.screen, Screen::Buckets);
    let flash = d.app.flash.clone().unwrap();
    assert!(
        flash.starts_with("fix this first: genomics.buckets: no bucket chosen"),
        "{flash}"
    );
    assert!(shows(&d, "genomics.buckets: no bucket chosen"));
    assert_eq!(d.mutating_calls(), 0);
}

/// The control of the tests above: the counting cloud does see the calls of
/// an apply, so "no mutating call" can fail.
#[test]
fn the_counting_cloud_sees_an_apply() {
    let mut d = driver();
    d.enter_until(Screen::Confirm);
    assert_eq!(d.mutating_calls(), 0, "nothing before the confirmation");
    d.key(KeyCode::Char('y'));
    d.assert_applied();
    assert!(
        d.mutating_calls() > 10,
        "{:?}",
        d.counted.as_ref().unwrap().calls()
    );
    assert!(d.path("demo.journal.jsonl").exists());
}

// ---------------------------------------------------------------------------
// The policy editor.

/// Opens the editor on the first document with `label` (`document`,
/// `trust_policy`) in the preview.
fn edit(d: &mut Driver, label: &str) {
    d.enter_until(Screen::Preview);
    let docs = d.app.documents();
    let index = docs.iter().position(|doc| doc.label == label).unwrap();
    while d.app.preview.index != index {
        d.key(KeyCode::Tab);
    }
    d.key(KeyCode::Char('e'));
    assert!(d.app.editor.is_some());
    assert!(d.app.editor.as_ref().unwrap().check.can_save());
}

fn editor_text(d: &Driver) -> String {
    d.app.editor.as_ref().unwrap().text()
}

/// Moves the cursor to the end of the first line holding `needle`.
fn to_end_of_line_with(d: &mut Driver, needle: &str) {
    let row = editor_text(d)
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}`"));
    for _ in 0..row {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::End);
}

/// One bad edit: how to make it, and what the editor must say.
struct BadEdit {
    what: &'static str,
    label: &'static str,
    make: fn(&mut Driver),
    says: &'static str,
}

fn bad_edits() -> Vec<BadEdit> {
    vec![
        BadEdit {
            what: "not JSON",
            label: "document",
            make: |d| {
                to_end_of_line_with(d, "\"Version\"");
                d.type_text("oops");
            },
            says: "not JSON: ",
        },
        BadEdit {
            what: "not JSON: a missing comma",
            label: "document",
            make: |d| {
                to_end_of_line_with(d, "\"Version\"");
                d.key(KeyCode::Backspace);
            },
            says: "not JSON: expected `,` or `}`",
        },
        BadEdit {
            what: "an angle-bracket placeholder",
            label: "document",
            make: |d| {
                to_end_of_line_with(d, "\"Resource\": [");
                d.key(KeyCode::Enter)
                    .type_text("\"arn:aws:s3:::<BUCKET>/*\",");
            },
            says: "[placeholder] `<BUCKET>` is a placeholder that was never filled in",
        },
        BadEdit {
            what: "a template placeholder",
            label: "document",
            make: |d| {
                to_end_of_line_with(d, "\"Effect\"");
                d.key(KeyCode::Enter).type_text(
                    "\"Condition\": {\"StringEquals\": {\"aws:ResourceTag/team\": \"{{team}}\"}},",
                );
            },
            says: "[placeholder] `{{team}}` is a placeholder that was never filled in",
        },
        BadEdit {
            what: "a managed policy over 6,144 characters",
            label: "document",
            make: |d| {
                to_end_of_line_with(d, "\"Resource\": [");
                for i in 0..200 {
                    d.key(KeyCode::Enter)
                        .type_text(&format!("\"arn:aws:s3:::extra-bucket-{i:03}/*\","));
                }
            },
            says: "the managed policy limit is 6144",
        },
        BadEdit {
            what: "a trust policy over 2,048 characters",
            label: "trust_policy",
            make: |d| {
                to_end_of_line_with(d, "\"Effect\"");
                d.key(KeyCode::Enter)
                    .type_text(&format!("\"Sid\": \"Trust{}\",", "X".repeat(2048)));
            },
            says: "the trust policy limit is 2048",
        },
    ]
}

#[test]
fn the_editor_refuses_bad_documents_keeps_the_text_and_changes_nothing() {
    let mut failures = Vec::new();
    for e in bad_edits() {
        let mut d = driver();
        edit(&mut d, e.label);
        let original = editor_text(&d);
        (e.make)(&mut d);
        let typed = editor_text(&d);
        let mut problems = Vec::new();
        if typed == original {
            problems.push("the edit changed nothing".to_owned());
        }
        let check = d.app.editor.as_ref().unwrap().check.clone();
        if check.can_save() {
            problems.push("it can be saved".to_owned());
        }
        if !check.problems.iter().any(|(_, m)| m.contains(e.says)) {
            problems.push(format!("the checks are {:?}", check.problems));
        }
        if !shows(&d, "✗ cannot be saved yet") || !shows(&d, e.says) {
            problems.push("the screen does not say why".to_owned());
        }
        // Ctrl-S is refused with the reason; the text stays to be fixed.
        d.ctrl('s');
        let flash = d.app.flash.clone().unwrap_or_default();
        if !flash.starts_with("cannot save: ") || !flash.contains(e.says) {
            problems.push(format!("Ctrl-S says `{flash}`"));
        }
        // Esc asks before throwing the edit away; `n` keeps editing.
        d.esc();
        if d.app.overlay != Some(Overlay::DiscardEdit) {
            problems.push(format!("Esc shows {:?}", d.app.overlay));
        }
        d.key(KeyCode::Char('n'));
        d.ctrl('s');
        if d.app.editor.as_ref().map(|ed| ed.text()) != Some(typed.clone()) {
            problems.push("the edited text was lost".to_owned());
        }
        if !d.app.answers.edits.is_empty() {
            problems.push("the document was saved".to_owned());
        }
        if d.app.screen != Screen::Preview {
            problems.push(format!("left the preview for {:?}", d.app.screen));
        }
        if d.mutating_calls() != 0 {
            problems.push(format!(
                "mutating calls: {:?}",
                d.counted.as_ref().unwrap().calls()
            ));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", e.what, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The control of the editor cases: the same kind of edit, valid, is saved
/// and is what the apply creates.
#[test]
fn a_valid_edit_is_saved_and_applied() {
    let mut d = driver();
    edit(&mut d, "document");
    to_end_of_line_with(&mut d, "\"Resource\": [");
    d.key(KeyCode::Enter)
        .type_text("\"arn:aws:s3:::extra-bucket/*\",");
    assert!(d.app.editor.as_ref().unwrap().check.can_save());
    d.ctrl('s');
    assert!(d.app.editor.is_none(), "{:?}", d.app.flash);
    assert_eq!(d.app.answers.edits.len(), 1);
    d.enter_until(Screen::Confirm).key(KeyCode::Char('y'));
    d.assert_applied();
    assert!(d.mutating_calls() > 0);
}
