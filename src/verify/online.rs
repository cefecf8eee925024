//! Evidence from the account: the documents actually attached today, so a
//! policy version or trust policy changed by hand is judged as it is.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

use super::{Evidence, Labeled, Subject};
use crate::cloud::Cloud;
use crate::iam::names::EntityKind;
use crate::plan::Plan;

/// Reads the documents of every subject, all at once; one failed
/// read is a gap of that subject, not the end of the check. A managed
/// policy that several subjects hold is read once.
pub async fn gather(
    cloud: &dyn Cloud,
    plan: &Plan,
    subjects: &[Subject],
) -> Vec<(Subject, Evidence)> {
    let policies_read = Policies {
        cloud,
        reads: Mutex::new(HashMap::new()),
    };
    let shared = &policies_read;
    let reads = subjects.iter().map(|s| async move {
        let evidence = match s {
            Subject::Role { name } => role(cloud, shared, name).await,
            Subject::Policies { names, .. } => policies(shared, plan, names).await,
        };
        (s.clone(), evidence)
    });
    // The policies the plan gives each role are read from the start, beside
    // the roles, rather than once a role's list names them: a round less.
    // A policy attached that the plan does not name is read when the list
    // shows it; one the plan names that is not attached costs a read.
    let planned = planned_policies(plan, subjects);
    let (evidence, _) = futures::join!(futures::future::join_all(reads), shared.read_all(&planned));
    evidence
}

/// Every managed policy the plan attaches to, or sets as the boundary of, a
/// role among `subjects`, and every policy a subject names.
fn planned_policies(plan: &Plan, subjects: &[Subject]) -> Vec<String> {
    let mut arns: Vec<String> = Vec::new();
    for subject in subjects {
        match subject {
            Subject::Role { name } => {
                if let Some(r) = plan.get(EntityKind::Role, name)
                    && let crate::plan::Spec::Role(role) = &r.spec
                {
                    arns.extend(role.managed_policy_arns.iter().cloned());
                    arns.extend(role.boundary().map(str::to_owned));
                }
            }
            Subject::Policies { names, .. } => arns.extend(
                names
                    .iter()
                    .filter_map(|n| plan.get(EntityKind::ManagedPolicy, n))
                    .map(|r| r.arn.clone()),
            ),
        }
    }
    arns.sort();
    arns.dedup();
    arns
}

/// A managed policy's read, shared by every subject that holds the policy.
type PolicyRead<'a> = Shared<BoxFuture<'a, Result<Labeled, String>>>;

/// The managed policies read during one check, by ARN.
struct Policies<'a> {
    cloud: &'a dyn Cloud,
    reads: Mutex<HashMap<String, PolicyRead<'a>>>,
}

impl<'a> Policies<'a> {
    /// [`managed`] of `arn`, read once however many ask.
    fn read(&self, arn: &str) -> PolicyRead<'a> {
        let cloud = self.cloud;
        self.reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(arn.to_owned())
            .or_insert_with(|| {
                let arn = arn.to_owned();
                async move { managed(cloud, &arn).await }.boxed().shared()
            })
            .clone()
    }

    /// [`Policies::read`] for each of `arns`, all at once, in their order.
    async fn read_all(&self, arns: &[String]) -> Vec<Result<Labeled, String>> {
        futures::future::join_all(arns.iter().map(|arn| self.read(arn))).await
    }
}

/// A role's trust policy and every document that grants it anything, in
/// three rounds whatever their number (the role and both lists; each
/// document's name; each document): on a real network round trips, not
/// reads, decide how long the check takes.
async fn role(cloud: &dyn Cloud, policies: &Policies<'_>, name: &str) -> Evidence {
    let mut out = Evidence::default();
    let (info, inline, attached) = futures::join!(
        cloud.get_role(name),
        cloud.list_role_policies(name),
        cloud.list_attached_role_policies(name)
    );
    let info = match info {
        Ok(Some(info)) => info,
        Ok(None) => {
            out.gaps
                .push(format!("role {name} does not exist in the account"));
            return out;
        }
        Err(e) => {
            out.gaps.push(format!("cannot read role {name}: {e}"));
            return out;
        }
    };
    out.trust = Some(Labeled {
        label: format!("the trust policy of {name} (account)"),
        document: info.trust_policy,
    });
    let inline = inline.unwrap_or_else(|e| {
        out.gaps
            .push(format!("cannot list the inline policies of {name}: {e}"));
        Vec::new()
    });
    let attached = attached.unwrap_or_else(|e| {
        out.gaps
            .push(format!("cannot list the policies attached to {name}: {e}"));
        Vec::new()
    });
    let inline_reads = futures::future::join_all(
        inline
            .iter()
            .map(|policy| async move { (policy, cloud.get_role_policy(name, policy).await) }),
    );
    let boundary = info.permissions_boundary.as_deref();
    let (inline_docs, attached_docs, boundary_doc) =
        futures::join!(inline_reads, policies.read_all(&attached), async {
            match boundary {
                Some(arn) => Some(policies.read(arn).await),
                None => None,
            }
        });
    for (policy, read) in inline_docs {
        match read {
            Ok(document) => out.permissions.push(Labeled {
                label: format!("inline policy {policy} of {name} (account)"),
                document,
            }),
            Err(e) => out
                .gaps
                .push(format!("cannot read inline policy {policy}: {e}")),
        }
    }
    for read in attached_docs {
        match read {
            Ok(labeled) => out.permissions.push(labeled),
            Err(gap) => out.gaps.push(gap),
        }
    }
    match boundary_doc {
        Some(Ok(labeled)) => out.boundary = Some(labeled),
        Some(Err(gap)) => out.gaps.push(gap),
        None => {}
    }
    out
}

async fn policies(read: &Policies<'_>, plan: &Plan, names: &[String]) -> Evidence {
    let mut out = Evidence::default();
    let mut arns = Vec::new();
    for name in names {
        match plan.get(EntityKind::ManagedPolicy, name) {
            Some(r) => arns.push(r.arn.clone()),
            None => out.gaps.push(format!("the plan has no policy {name}")),
        }
    }
    for one in read.read_all(&arns).await {
        match one {
            Ok(labeled) => out.permissions.push(labeled),
            Err(gap) => out.gaps.push(gap),
        }
    }
    out
}

/// The default version of the managed policy `arn`, as the account has it,
/// or the gap in words.
async fn managed(cloud: &dyn Cloud, arn: &str) -> Result<Labeled, String> {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let info = match cloud.get_policy(arn).await {
        Ok(Some(info)) => info,
        Ok(None) => return Err(format!("policy {name} does not exist in the account")),
        Err(e) => return Err(format!("cannot read policy {name}: {e}")),
    };
    match cloud
        .get_policy_version(arn, &info.default_version_id)
        .await
    {
        Ok(document) => Ok(Labeled {
            label: format!("policy {name} {} (account)", info.default_version_id),
            document,
        }),
        Err(e) => Err(format!("cannot read policy {name}: {e}")),
    }
}

/// The verdict of every intent against what the account holds now.
pub async fn check(
    cloud: &dyn Cloud,
    plan: &Plan,
    intents: &[super::Intent],
) -> Vec<super::Outcome> {
    let gathered = gather(cloud, plan, &super::subjects(intents)).await;
    super::check(intents, |s| {
        gathered
            .iter()
            .find(|(subject, _)| subject == s)
            .map(|(_, e)| e.clone())
            .unwrap_or_default()
    })
}

/// IAM's policy simulator on each role intent: it sees what the documents
/// alone do not (a permissions boundary as IAM applies it, an
/// organisation's SCP). One call per role, resource and context, all
/// actions together; `Err` with the reason when the account does not let it
/// be asked (moto has no simulator; the caller may lack the permission).
pub async fn simulate(
    cloud: &dyn Cloud,
    plan: &Plan,
    intents: &[super::Intent],
) -> Result<Vec<Option<crate::cloud::Decision>>, String> {
    use crate::cloud::ContextEntry;

    type Group = (String, String, Vec<ContextEntry>);
    let mut groups: BTreeMap<(String, String, String), (Group, Vec<String>)> = BTreeMap::new();
    for intent in intents {
        let (Subject::Role { name }, Some(asked)) = (&intent.subject, permission(&intent.check))
        else {
            continue;
        };
        let Some(role) = plan.get(EntityKind::Role, name) else {
            continue;
        };
        let entries: Vec<ContextEntry> = asked
            .context
            .iter()
            .map(|(key, values)| ContextEntry {
                key: key.clone(),
                values: values.clone(),
            })
            .collect();
        let group = groups
            .entry(group_key(&role.arn, &asked))
            .or_insert_with(|| {
                (
                    (role.arn.clone(), asked.resource.to_owned(), entries),
                    Vec::new(),
                )
            });
        if !group.1.iter().any(|a| a == asked.action) {
            group.1.push(asked.action.to_owned());
        }
    }
    // Each answer keeps its group's key, so that two intents that differ
    // only in their context read their own decisions.
    let calls = groups
        .iter()
        .map(|(key, ((arn, resource, context), actions))| async move {
            cloud
                .simulate_principal_policy(arn, actions, std::slice::from_ref(resource), context)
                .await
                .map(|results| (key, results))
        });
    let mut decided = BTreeMap::new();
    for answer in futures::future::join_all(calls).await {
        let (key, results) = answer.map_err(|e| e.to_string())?;
        decided.insert(key.clone(), results);
    }
    Ok(intents
        .iter()
        .map(|intent| {
            let Subject::Role { name } = &intent.subject else {
                return None;
            };
            let asked = permission(&intent.check)?;
            let arn = &plan.get(EntityKind::Role, name)?.arn;
            decided
                .get(&group_key(arn, &asked))?
                .iter()
                .find(|r| r.action.eq_ignore_ascii_case(asked.action))
                .map(|r| r.decision)
        })
        .collect())
}

/// The simulator calls are grouped by role, resource and context.
fn group_key(role_arn: &str, asked: &Asked<'_>) -> (String, String, String) {
    (
        role_arn.to_owned(),
        asked.resource.to_owned(),
        format!("{:?}", asked.context),
    )
}

/// What a permission check asks of IAM.
struct Asked<'a> {
    action: &'a str,
    resource: &'a str,
    context: &'a BTreeMap<String, Vec<String>>,
}

static NO_CONTEXT: BTreeMap<String, Vec<String>> = BTreeMap::new();

/// The action, resource and context of a permission check; none for a
/// trust check, which the simulator does not answer.
fn permission(check: &super::Check) -> Option<Asked<'_>> {
    match check {
        super::Check::Allows {
            action,
            resource,
            context,
        } => Some(Asked {
            action,
            resource,
            context,
        }),
        super::Check::Denies { action, resource } => Some(Asked {
            action,
            resource,
            context: &NO_CONTEXT,
        }),
        super::Check::TrustedBy { .. } => None,
    }
}
