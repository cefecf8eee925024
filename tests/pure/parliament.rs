//! parliament (duo-labs' IAM policy linter, pinned in `.ci/run` and
//! installed into `.venv/`) reads every policy document onramp generates for
//! every example answers file: each managed policy, trust policy and inline
//! policy that `onramp export --format policies` writes, and the operator's
//! policy of `onramp export --format admin-policy`. It must find nothing but
//! what `tests/fixtures/parliament-allowlist.toml` allows, each entry with the
//! reason it is acceptable; an entry that no longer matches anything fails
//! too, so that the list only holds what is still there.
//!
//! parliament lints identity policies: a statement without `Resource` is
//! malformed to it. A trust policy's resource is implicit, the role it
//! belongs to, so the driver gives each trust statement that role's ARN
//! (from `onramp plan --format json`) as its `Resource` before the analysis;
//! the principals, actions and conditions are then checked like any other.
//!
//! parliament's own auditors run (as its command line does by default); the
//! optional community auditors (privilege escalation, permissions
//! management, …) do not: granting IAM and EC2 permissions is what these
//! policies are for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use onramp_testkit::command;
use onramp_testkit::command::succeeded;
use onramp_testkit::files;
use onramp_testkit::glob::glob;
use serde::Deserialize;
use serde_json::{Value, json};

/// The allowlist, relative to the repository.
const ALLOWLIST: &str = "tests/fixtures/parliament-allowlist.toml";

/// The name the operator's policy goes by in findings and in the allowlist
/// (exported file names all end in `.json`, so it cannot clash).
const ADMIN_POLICY: &str = "admin-policy";

/// Reads the documents named on standard input (a JSON list of `{example,
/// name, path, implied_resource?}`) and prints every finding as JSON, one
/// per action where parliament names several (`RESOURCE_STAR`,
/// `RESOURCE_MISMATCH`), with the `Sid` and actions of the statement it is
/// about.
const DRIVER: &str = r#"
import json, sys, warnings

# parliament imports pkg_resources, which warns that it is deprecated.
warnings.simplefilter("ignore")
import jsoncfg
import parliament


def as_list(value):
    return value if isinstance(value, list) else [value]


def statements(text):
    """(first line, statement) of each statement, in document order."""
    try:
        node = jsoncfg.loads_config(text)["Statement"]
        if not jsoncfg.node_exists(node):
            return []
        nodes = list(node) if jsoncfg.node_is_array(node) else [node]
        return [(jsoncfg.node_location(n).line, n()) for n in nodes]
    except Exception:
        return []


out = []
for doc in json.load(sys.stdin):
    with open(doc["path"], encoding="utf-8") as f:
        text = f.read()
    implied = doc.get("implied_resource")
    if implied:
        policy = json.loads(text)
        for stmt in as_list(policy.get("Statement", [])):
            if isinstance(stmt, dict) and "Resource" not in stmt and "NotResource" not in stmt:
                stmt["Resource"] = implied
        text = json.dumps(policy, indent=2)
    stmts = statements(text)
    for finding in parliament.analyze_policy_string(text, filepath=doc["name"]).findings:
        finding = parliament.enhance_finding(finding)
        location = finding.location if isinstance(finding.location, dict) else {}
        line = location.get("line", location.get("lineno"))
        stmt = {}
        if isinstance(line, int):
            for start, candidate in stmts:
                if start <= line and isinstance(candidate, dict):
                    stmt = candidate
        base = {
            "example": doc["example"],
            "policy": doc["name"],
            "issue": finding.issue,
            "severity": finding.severity,
            "title": finding.title,
            "sid": stmt.get("Sid"),
            "statement_actions": [
                a for a in as_list(stmt.get("Action", stmt.get("NotAction", []))) if isinstance(a, str)
            ],
        }
        detail = finding.detail
        if finding.issue == "RESOURCE_STAR" and isinstance(detail, list):
            for action in detail:
                out.append(dict(base, action=action, detail='granted on "Resource": "*"'))
        elif finding.issue == "RESOURCE_MISMATCH" and isinstance(detail, list):
            seen = set()
            for item in detail:
                key = (item["action"], item["required_format"])
                if key not in seen:
                    seen.add(key)
                    out.append(dict(base, action=item["action"],
                                    detail="no resource of the form " + item["required_format"]))
        else:
            text_detail = detail if isinstance(detail, str) else json.dumps(detail, default=str)
            out.append(dict(base, action=None, detail="" if detail is None else text_detail))
json.dump(out, sys.stdout)
"#;

/// One finding, as the driver prints it.
#[derive(Debug, Deserialize)]
struct Finding {
    example: String,
    policy: String,
    issue: String,
    severity: String,
    title: String,
    sid: Option<String>,
    statement_actions: Vec<String>,
    action: Option<String>,
    detail: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {} ({}, {})",
            self.example, self.policy, self.issue, self.severity, self.title
        )?;
        if let Some(sid) = &self.sid {
            write!(f, " in statement {sid}")?;
        } else if !self.statement_actions.is_empty() {
            write!(
                f,
                " in the statement of {}",
                self.statement_actions.join(", ")
            )?;
        }
        if let Some(action) = &self.action {
            write!(f, ": {action}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Allowlist {
    allow: Vec<Allow>,
}

/// An allowed finding: see the allowlist's header for the fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Allow {
    example: String,
    policy: String,
    issue: String,
    #[serde(default)]
    sids: Vec<String>,
    statement_action: Option<String>,
    action: Option<String>,
    reason: String,
}

impl Allow {
    /// Whether this entry allows `f`: if so, the index of the sid it matched
    /// (0 for an entry without `sids`).
    fn matches(&self, f: &Finding) -> Option<usize> {
        let sid = if self.sids.is_empty() {
            0
        } else {
            self.sids
                .iter()
                .position(|s| f.sid.as_deref() == Some(s.as_str()))?
        };
        let ok = (self.example == "*" || self.example == f.example)
            && glob(&self.policy, &f.policy)
            && self.issue == f.issue
            && self.statement_action.as_ref().is_none_or(|a| {
                f.statement_actions
                    .iter()
                    .any(|written| written.eq_ignore_ascii_case(a))
            })
            && self.action.as_ref().is_none_or(|pattern| {
                f.action.as_ref().is_some_and(|action| {
                    glob(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
                })
            });
        ok.then_some(sid)
    }

    fn describe(&self) -> String {
        let mut out = format!(
            "example = {:?}, policy = {:?}, issue = {:?}",
            self.example, self.policy, self.issue
        );
        if !self.sids.is_empty() {
            let _ = write!(out, ", sids = {:?}", self.sids);
        }
        if let Some(a) = &self.statement_action {
            let _ = write!(out, ", statement_action = {a:?}");
        }
        if let Some(a) = &self.action {
            let _ = write!(out, ", action = {a:?}");
        }
        out
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn allowlist() -> Allowlist {
    let text = std::fs::read_to_string(root().join(ALLOWLIST)).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{ALLOWLIST}: {e}"))
}

/// The example answers files, by name without `.toml`.
fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no examples/*.toml");
    names
}

/// The real binary, with no AWS configuration or credentials to find.
fn onramp(home: &Path, args: &[&str]) -> String {
    let o = command::isolated_onramp(home).args(args).output().unwrap();
    succeeded(&format!("onramp {args:?}"), o)
}

/// A document for the driver.
fn document(example: &str, name: &str, path: &Path, implied_resource: Option<&str>) -> Value {
    let mut doc = json!({"example": example, "name": name, "path": path});
    if let Some(arn) = implied_resource {
        doc["implied_resource"] = json!(arn);
    }
    doc
}

/// Exports every policy document of an example into `dir`: the documents
/// for the driver, after checking that they are all the plan has.
fn export_example(example: &str, dir: &Path) -> Vec<Value> {
    let answers = root().join("examples").join(format!("{example}.toml"));
    let answers = answers.to_str().unwrap();
    let policies = dir.join(example).join("policies");
    let admin = dir.join(example).join("admin-policy.json");
    std::fs::create_dir_all(&policies).unwrap();
    let export = |format: &str, out: &Path| {
        let out = out.to_str().unwrap();
        onramp(
            dir,
            &[
                "export",
                "--answers",
                answers,
                "--format",
                format,
                "--out",
                out,
            ],
        );
    };
    export("policies", &policies);
    export("admin-policy", &admin);

    let plan: Value = serde_json::from_str(&onramp(
        dir,
        &["plan", "--answers", answers, "--format", "json"],
    ))
    .unwrap();
    // The file names `export --format policies` gives the plan's documents,
    // and for a trust policy the ARN of its role.
    let mut expected: BTreeMap<String, Option<String>> = BTreeMap::new();
    for r in plan["resources"].as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        match r["kind"].as_str().unwrap() {
            "managed_policy" => {
                expected.insert(format!("{name}.json"), None);
            }
            "role" => {
                let arn = r["arn"].as_str().unwrap().to_owned();
                expected.insert(format!("{name}.trust.json"), Some(arn));
                for policy in r["inline_policies"].as_object().unwrap().keys() {
                    expected.insert(format!("{name}.inline.{policy}.json"), None);
                }
            }
            _ => {}
        }
    }

    let mut names: Vec<String> = std::fs::read_dir(&policies)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        expected.keys().cloned().collect::<Vec<_>>(),
        "{example}: the export does not hold the plan's policy documents"
    );
    let mut docs: Vec<Value> = expected
        .iter()
        .map(|(name, role)| document(example, name, &policies.join(name), role.as_deref()))
        .collect();
    docs.push(document(example, ADMIN_POLICY, &admin, None));
    docs
}

/// parliament's findings on `docs`, in one Python process.
fn parliament(docs: &[Value]) -> Vec<Finding> {
    let mut child = Command::new(files::venv_bin("python"))
        .args(["-c", DRIVER])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(docs).unwrap().as_bytes())
        .unwrap();
    let out = succeeded("parliament driver", child.wait_with_output().unwrap());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("driver output: {e}\n{out}"))
}

/// The findings no allowlist entry allows; and counts, for each entry (and
/// each of its `sids`), of the findings it allowed.
fn check<'a>(findings: &'a [Finding], allow: &Allowlist) -> (Vec<&'a Finding>, Vec<Vec<usize>>) {
    let mut hits: Vec<Vec<usize>> = allow
        .allow
        .iter()
        .map(|a| vec![0; a.sids.len().max(1)])
        .collect();
    let mut unallowed = Vec::new();
    for f in findings {
        let mut allowed = false;
        for (entry, counts) in allow.allow.iter().zip(hits.iter_mut()) {
            if let Some(sid) = entry.matches(f) {
                allowed = true;
                counts[sid] += 1;
            }
        }
        if !allowed {
            unallowed.push(f);
        }
    }
    (unallowed, hits)
}

#[test]
fn every_generated_policy_passes_parliament_but_for_the_allowlist() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = Vec::new();
    let mut counts = Vec::new();
    for example in examples() {
        let these = export_example(&example, dir.path());
        counts.push(format!("{example}: {}", these.len()));
        docs.extend(these);
    }
    eprintln!("parliament checks {}", counts.join(", "));

    let findings = parliament(&docs);
    let allow = allowlist();
    let (unallowed, hits) = check(&findings, &allow);

    let mut problems = String::new();
    if !unallowed.is_empty() {
        let _ = writeln!(
            problems,
            "parliament found {} thing(s) {ALLOWLIST} does not allow; fix the policy, \
             or, if it is right, add an entry that says why:",
            unallowed.len()
        );
        for f in &unallowed {
            let _ = writeln!(problems, "  - {f}");
        }
    }
    for (entry, counts) in allow.allow.iter().zip(&hits) {
        if entry.sids.is_empty() {
            if counts[0] == 0 {
                let _ = writeln!(
                    problems,
                    "stale entry in {ALLOWLIST}, it matches nothing: {}",
                    entry.describe()
                );
            }
        } else {
            for (sid, count) in entry.sids.iter().zip(counts) {
                if *count == 0 {
                    let _ = writeln!(
                        problems,
                        "stale sid {sid:?} in {ALLOWLIST}, it matches nothing: {}",
                        entry.describe()
                    );
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems}");
}

/// The check can fail: parliament reports what is wrong with a document, a
/// trust policy's statements included, the allowlist lets none of it
/// through, and a sound trust policy is clean.
#[test]
fn parliament_reports_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let role = "arn:aws:iam::123456789012:role/onramp/control-role";
    let cases = [
        (
            "misspelt.json",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjectt", "Resource": "*"}]}),
            None,
            Some("UNKNOWN_ACTION"),
        ),
        (
            "bucket-for-objects.json",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::control-bucket"}]}),
            None,
            Some("RESOURCE_MISMATCH"),
        ),
        (
            "control-role.trust.json",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRolee"}]}),
            Some(role),
            Some("UNKNOWN_ACTION"),
        ),
        (
            "bad-principal.trust.json",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "not-an-account"}, "Action": "sts:AssumeRole"}]}),
            Some(role),
            Some("UNKNOWN_PRINCIPAL"),
        ),
        (
            "sound.trust.json",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            Some(role),
            None,
        ),
    ];
    let docs: Vec<Value> = cases
        .iter()
        .map(|(name, body, implied, _)| {
            let path = dir.path().join(name);
            std::fs::write(&path, body.to_string()).unwrap();
            document("control", name, &path, *implied)
        })
        .collect();
    let findings = parliament(&docs);
    let (unallowed, _) = check(&findings, &allowlist());
    for (name, _, _, expected) in &cases {
        let issues: Vec<&str> = unallowed
            .iter()
            .filter(|f| f.policy == *name)
            .map(|f| f.issue.as_str())
            .collect();
        match expected {
            Some(issue) => assert!(
                issues.contains(issue),
                "{name}: expected {issue} among the unallowed findings, got {issues:?}"
            ),
            None => assert!(
                findings.iter().all(|f| f.policy != *name),
                "{name}: expected no finding, got {:?}",
                findings
                    .iter()
                    .filter(|f| f.policy == *name)
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ),
        }
    }
}

#[test]
fn every_allowlist_entry_says_why() {
    let examples = examples();
    let allow = allowlist();
    assert!(!allow.allow.is_empty(), "{ALLOWLIST} has no entries");
    for entry in &allow.allow {
        let what = entry.describe();
        assert!(
            !entry.reason.trim().is_empty(),
            "{ALLOWLIST}: an entry has no reason: {what}"
        );
        assert!(
            entry.example == "*" || examples.contains(&entry.example),
            "{ALLOWLIST}: no examples/{}.toml: {what}",
            entry.example
        );
        assert!(
            !entry.policy.is_empty()
                && !entry.issue.is_empty()
                && entry
                    .issue
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_'),
            "{ALLOWLIST}: policy and issue (parliament's code, e.g. RESOURCE_STAR) are needed: {what}"
        );
        assert!(
            entry.sids.iter().all(|s| !s.is_empty()),
            "{ALLOWLIST}: an empty sid: {what}"
        );
    }
}

#[test]
fn glob_matches_whole_names() {
    assert!(glob("*", "anything"));
    assert!(glob(
        "*ParallelClusterUserPolicy.json",
        "lab-ParallelClusterUserPolicy.json"
    ));
    assert!(glob(
        "*ParallelClusterUserPolicy.json",
        "ParallelClusterUserPolicy.json"
    ));
    assert!(!glob(
        "*ParallelClusterUserPolicy.json",
        "ParallelClusterUserPolicy.json.bak"
    ));
    assert!(glob("s3:get*", "s3:getobject"));
    assert!(!glob("s3:get*", "s3:putobject"));
    assert!(glob(
        "*s3bucket-access-*.json",
        "s3bucket-access-us-east-1.json"
    ));
    assert!(!glob("a*b*c", "ab"));
    assert!(glob("a*b*c", "a-b-c"));
    assert!(!glob("exact", "exactly"));
}
