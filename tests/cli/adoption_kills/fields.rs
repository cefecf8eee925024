//! The entities a person made by hand before onramp, read field by field
//! (straight from moto), and compared: equal to a state, or between two
//! states as an interrupted adoption or restore may leave them.

use std::collections::{BTreeMap, BTreeSet};

use onramp::apply::adopt::Snapshot;
use onramp::cloud::{Cloud, NewRole, Tags};
use onramp::plan::{Plan, Spec};
use serde_json::{Value, json};

/// The role and the instance profile onramp adopts (both are
/// `ecsInstanceRole`), and the hand-made role the profile held.
pub const ADOPTED: &str = "ecsInstanceRole";
pub const OTHER_ROLE: &str = "handRole";

/// An AWS managed policy attached by hand that the plan does not attach.
const EXTRA_POLICY: &str = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
/// One attached by hand that the plan attaches too.
const SHARED_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";

/// A role, in the fields an adoption changes and a restore puts back.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleFields {
    pub trust: Value,
    pub description: Option<String>,
    pub boundary: Option<String>,
    pub tags: Tags,
    pub attached: BTreeSet<String>,
    pub inline: BTreeMap<String, Value>,
}

/// An instance profile, likewise.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileFields {
    pub tags: Tags,
    pub roles: BTreeSet<String>,
}

/// Everything the test made by hand, as it is at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct HandMade {
    pub role: RoleFields,
    pub profile: ProfileFields,
    /// The profile's own role, which onramp takes out and puts back but
    /// never changes.
    pub other: RoleFields,
}

fn trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
}

/// Makes, as a person would have: `ecsInstanceRole` trusting Lambda, with
/// a description, tags (one of them a key the plan sets to another value),
/// an AWS managed policy the plan does not attach and one it does, and an
/// inline policy; and the instance profile `ecsInstanceRole` holding
/// another hand-made role.
pub async fn make(cloud: &dyn Cloud) {
    let tags = Tags::from([
        ("team".to_owned(), "bio".to_owned()),
        ("Project".to_owned(), "old-cluster".to_owned()),
    ]);
    for (name, service, description, tags) in [
        (
            ADOPTED,
            "lambda.amazonaws.com",
            "made by hand for the old cluster",
            &tags,
        ),
        (OTHER_ROLE, "ec2.amazonaws.com", "", &Tags::new()),
    ] {
        cloud
            .create_role(NewRole {
                name,
                path: "/",
                description,
                trust_policy: &trust(service),
                permissions_boundary: None,
                tags,
            })
            .await
            .unwrap();
    }
    for arn in [EXTRA_POLICY, SHARED_POLICY] {
        cloud.attach_role_policy(ADOPTED, arn).await.unwrap();
    }
    let listing = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]});
    cloud
        .put_role_policy(ADOPTED, "hand-made-listing", &listing)
        .await
        .unwrap();
    cloud
        .create_instance_profile(ADOPTED, "/", &Tags::new())
        .await
        .unwrap();
    cloud
        .add_role_to_instance_profile(ADOPTED, OTHER_ROLE)
        .await
        .unwrap();
}

async fn read_role(cloud: &dyn Cloud, name: &str) -> RoleFields {
    let info = cloud
        .get_role(name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("role {name} exists"));
    let mut inline = BTreeMap::new();
    for policy in cloud.list_role_policies(name).await.unwrap() {
        let document = cloud.get_role_policy(name, &policy).await.unwrap();
        inline.insert(policy, document);
    }
    RoleFields {
        trust: info.trust_policy,
        description: info.description.filter(|d| !d.is_empty()),
        boundary: info.permissions_boundary,
        tags: info.tags,
        attached: cloud
            .list_attached_role_policies(name)
            .await
            .unwrap()
            .into_iter()
            .collect(),
        inline,
    }
}

/// The hand-made entities as moto holds them now.
pub async fn read(cloud: &dyn Cloud) -> HandMade {
    let profile = cloud
        .get_instance_profile(ADOPTED)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("instance profile {ADOPTED} exists"));
    HandMade {
        role: read_role(cloud, ADOPTED).await,
        profile: ProfileFields {
            tags: profile.tags,
            roles: profile.roles.into_iter().collect(),
        },
        other: read_role(cloud, OTHER_ROLE).await,
    }
}

/// What onramp makes of `before` when it adopts both entities for `plan`:
/// the plan's trust policy, boundary, attachments, inline policies and
/// profile role; the plan's tags over the hand-made ones; the description
/// as it was (onramp does not rewrite it). Said here from the plan alone,
/// apart from onramp's own [`Snapshot::planned`].
pub fn adopted_for(plan: &Plan, before: &HandMade) -> HandMade {
    let role = plan
        .get(onramp::iam::names::EntityKind::Role, ADOPTED)
        .unwrap();
    let profile = plan
        .get(onramp::iam::names::EntityKind::InstanceProfile, ADOPTED)
        .unwrap();
    let (Spec::Role(spec), Spec::InstanceProfile(profile_spec)) = (&role.spec, &profile.spec)
    else {
        panic!("the plan's {ADOPTED} is a role and an instance profile");
    };
    let with = |mine: &Tags, plan: &Tags| {
        let mut tags = mine.clone();
        tags.extend(plan.clone());
        tags
    };
    HandMade {
        role: RoleFields {
            trust: spec.trust_policy.clone(),
            description: before.role.description.clone(),
            boundary: spec.permissions_boundary.clone(),
            tags: with(&before.role.tags, &role.tags),
            attached: spec.managed_policy_arns.iter().cloned().collect(),
            inline: spec.inline_policies.clone(),
        },
        profile: ProfileFields {
            tags: with(&before.profile.tags, &profile.tags),
            roles: profile_spec.roles.iter().cloned().collect(),
        },
        other: before.other.clone(),
    }
}

impl HandMade {
    /// Each field that differs from `want`, named, with both values.
    pub fn differences(&self, want: &HandMade) -> Vec<String> {
        let mut out = Vec::new();
        role_differences("role", &self.role, &want.role, &mut out);
        role_differences("other role", &self.other, &want.other, &mut out);
        field(
            "profile tags",
            &self.profile.tags,
            &want.profile.tags,
            &mut out,
        );
        field(
            "profile roles",
            &self.profile.roles,
            &want.profile.roles,
            &mut out,
        );
        out
    }

    /// Each field that is neither as in `before` nor as in `after`: for a
    /// set, a member in neither state or one both states hold that is
    /// missing; for tags and inline policies, per key. Empty when an
    /// adoption or a restore stopped part way is all that happened.
    pub fn outside(&self, before: &HandMade, after: &HandMade) -> Vec<String> {
        let mut out = Vec::new();
        let (now, b, a) = (&self.role, &before.role, &after.role);
        either("role trust", &now.trust, &b.trust, &a.trust, &mut out);
        either(
            "role description",
            &now.description,
            &b.description,
            &a.description,
            &mut out,
        );
        either(
            "role boundary",
            &now.boundary,
            &b.boundary,
            &a.boundary,
            &mut out,
        );
        by_key("role tag", &now.tags, &b.tags, &a.tags, &mut out);
        by_key("role inline", &now.inline, &b.inline, &a.inline, &mut out);
        members(
            "role attached",
            &now.attached,
            &b.attached,
            &a.attached,
            &mut out,
        );
        by_key(
            "profile tag",
            &self.profile.tags,
            &before.profile.tags,
            &after.profile.tags,
            &mut out,
        );
        members(
            "profile role",
            &self.profile.roles,
            &before.profile.roles,
            &after.profile.roles,
            &mut out,
        );
        if self.profile.roles.len() > 1 {
            out.push(format!(
                "profile holds {:?}: IAM allows one",
                self.profile.roles
            ));
        }
        role_differences("other role", &self.other, &before.other, &mut out);
        out
    }
}

fn role_differences(what: &str, now: &RoleFields, want: &RoleFields, out: &mut Vec<String>) {
    field(&format!("{what} trust"), &now.trust, &want.trust, out);
    field(
        &format!("{what} description"),
        &now.description,
        &want.description,
        out,
    );
    field(
        &format!("{what} boundary"),
        &now.boundary,
        &want.boundary,
        out,
    );
    field(&format!("{what} tags"), &now.tags, &want.tags, out);
    field(
        &format!("{what} attached"),
        &now.attached,
        &want.attached,
        out,
    );
    field(&format!("{what} inline"), &now.inline, &want.inline, out);
}

fn field<T: PartialEq + std::fmt::Debug>(what: &str, now: &T, want: &T, out: &mut Vec<String>) {
    if now != want {
        out.push(format!("{what}: {now:?}, wanted {want:?}"));
    }
}

fn either<T: PartialEq + std::fmt::Debug>(
    what: &str,
    now: &T,
    before: &T,
    after: &T,
    out: &mut Vec<String>,
) {
    if now != before && now != after {
        out.push(format!("{what}: {now:?}, neither {before:?} nor {after:?}"));
    }
}

fn by_key<T: PartialEq + std::fmt::Debug>(
    what: &str,
    now: &BTreeMap<String, T>,
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    out: &mut Vec<String>,
) {
    let keys: BTreeSet<&String> = now
        .keys()
        .chain(before.keys())
        .chain(after.keys())
        .collect();
    for key in keys {
        either(
            &format!("{what} {key}"),
            &now.get(key),
            &before.get(key),
            &after.get(key),
            out,
        );
    }
}

fn members(
    what: &str,
    now: &BTreeSet<String>,
    before: &BTreeSet<String>,
    after: &BTreeSet<String>,
    out: &mut Vec<String>,
) {
    for m in now
        .iter()
        .filter(|m| !before.contains(*m) && !after.contains(*m))
    {
        out.push(format!("{what} {m} is in neither state"));
    }
    for m in before.intersection(after).filter(|m| !now.contains(*m)) {
        out.push(format!("{what} {m} is in both states but missing"));
    }
}

/// An adopt record's state of the role, in the test's fields.
pub fn role_of(snapshot: &Snapshot) -> RoleFields {
    let Snapshot::Role(r) = snapshot else {
        panic!("a role's adopt record holds a role: {snapshot:?}");
    };
    RoleFields {
        trust: r.trust_policy.clone(),
        description: r.description.clone(),
        boundary: r.permissions_boundary.clone(),
        tags: r.tags.clone(),
        attached: r.attached.clone(),
        inline: r.inline.clone(),
    }
}

/// An adopt record's state of the profile, in the test's fields.
pub fn profile_of(snapshot: &Snapshot) -> ProfileFields {
    let Snapshot::InstanceProfile(p) = snapshot else {
        panic!("a profile's adopt record holds a profile: {snapshot:?}");
    };
    ProfileFields {
        tags: p.tags.clone(),
        roles: p.roles.clone(),
    }
}
