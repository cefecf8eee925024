//! Genomics Workflows on AWS, "Core: Permissions" (seed `000_…`): the bucket
//! access and EBS autoscale policies, the Batch service role, the EC2 instance
//! role with its instance profile, the Spot Fleet role and the job role.

use super::Builder;
use crate::answers::{BatchServiceRole, Genomics};
use crate::iam::limits::MANAGED_POLICY_SIZE;
use crate::iam::names::{Slot, bucket_policy_part_name};
use crate::templates::{self, Template, TemplateError};

/// Adds the genomics core resources, policies first.
pub fn add(b: &mut Builder<'_>, g: &Genomics) -> Result<(), TemplateError> {
    let bucket_policy_arns = add_bucket_policies(b, g)?;

    let ebs_policy_arn = if g.ebs_autoscale {
        let doc = templates::fill(Template::EbsAutoscale, &b.base_vars())?;
        Some(b.add_policy(
            b.answers.name(Slot::EbsAutoscalePolicy),
            "Lets Batch instances create, attach and tag EBS volumes for scratch space (Amazon EBS Autoscale)",
            doc,
            vec![
                "The console walkthrough grants `ec2:*Volume`, which lacks `ec2:CreateTags` (EBS autoscale tags its volumes) and also matches DetachVolume, ModifyVolume and ImportVolume, which it never calls; onramp lists the actions explicitly, as the CloudFormation version does, and adds `ec2:DescribeTags` so the instance can read back those tags.".into(),
            ],
        ))
    } else {
        None
    };

    match g.batch_service_role() {
        BatchServiceRole::Seed => b.add_role(
            b.answers.name(Slot::BatchServiceRole),
            "Used by AWS Batch to manage compute resources on your behalf",
            BATCH_SERVICE,
            vec![b.aws_managed("service-role/AWSBatchServiceRole")],
            vec![managed_path_note("AWSBatchServiceRole")],
        )?,
        BatchServiceRole::ServiceLinked => b.add_service_linked_role(
            BATCH_SERVICE,
            BATCH_SERVICE_LINKED_ROLE,
            "Lets AWS Batch manage the resources of your compute environments",
            service_linked_notes(),
        ),
    }

    let mut instance_policies =
        vec![b.aws_managed("service-role/AmazonEC2ContainerServiceforEC2Role")];
    if g.public_data_read {
        instance_policies.push(b.aws_managed("AmazonS3ReadOnlyAccess"));
    }
    instance_policies.extend(bucket_policy_arns.iter().cloned());
    instance_policies.extend(ebs_policy_arn);
    let instance_role = b.answers.name(Slot::InstanceRole);
    let mut notes = vec![
        "The trust policy (ec2.amazonaws.com) is written out; the console makes it when you pick the EC2 use case.".into(),
        managed_path_note("AmazonEC2ContainerServiceforEC2Role"),
    ];
    if g.public_data_read {
        notes.push("AmazonS3ReadOnlyAccess is attached for public data sets (the AWS Registry of Open Data), as the walkthrough does.".into());
    }
    b.add_role(
        instance_role.clone(),
        "Role of the EC2 instances AWS Batch launches: ECS agent, workflow buckets, EBS autoscale",
        "ec2.amazonaws.com",
        instance_policies,
        notes,
    )?;
    b.add_instance_profile(
        &instance_role,
        vec!["Created explicitly: the console makes an instance profile along with an EC2 role, the IAM API does not, and a Batch compute environment needs the profile.".into()],
    );

    if g.spot {
        b.add_role(
            b.answers.name(Slot::SpotFleetRole),
            "Lets Spot Fleet launch, tag and terminate Spot Instances for AWS Batch",
            "spotfleet.amazonaws.com",
            vec![b.aws_managed("service-role/AmazonEC2SpotFleetTaggingRole")],
            vec![
                "AmazonEC2SpotFleetTaggingRole replaces the deprecated AmazonEC2SpotFleetRole, which cannot tag instances.".into(),
                "Only a Spot compute environment with the BEST_FIT allocation strategy, or none set, needs this role (its spotIamFleetRole); SPOT_CAPACITY_OPTIMIZED and SPOT_PRICE_CAPACITY_OPTIMIZED use the EC2 Spot service-linked role and need none, so spot = false is right for them.".into(),
                managed_path_note("AmazonEC2SpotFleetTaggingRole"),
            ],
        )?;
    }

    if g.job_role {
        let mut job_policies = bucket_policy_arns;
        job_policies.extend(g.job_role_policy_arns.iter().cloned());
        b.add_role(
            b.answers.name(Slot::JobRole),
            "Role of individual AWS Batch jobs (ECS tasks): workflow buckets and any extra policies",
            "ecs-tasks.amazonaws.com",
            job_policies,
            vec!["The walkthrough leaves the job role's policies to you; onramp attaches the bucket access policy so jobs can reach the workflow buckets, plus any extra policies you named.".into()],
        )?;
    }
    Ok(())
}

/// The service principal of AWS Batch.
pub const BATCH_SERVICE: &str = "batch.amazonaws.com";

/// The name AWS gives Batch's service-linked role.
pub const BATCH_SERVICE_LINKED_ROLE: &str = "AWSServiceRoleForBatch";

/// What choosing the service-linked role means, for the resource's notes.
fn service_linked_notes() -> Vec<String> {
    vec![
        "Instead of the walkthrough's AWSBatchServiceRole, AWS Batch's service-linked role, which AWS Batch recommends today: AWS owns its permissions (the managed policy aws-service-role/BatchServiceRolePolicy) and keeps them current, and it needs no trust or permissions policy from onramp.".into(),
        "Created with CreateServiceLinkedRole only if the account does not have it yet. There is one per account, shared by every Batch compute environment in it; one that already exists is used as it is and never deleted by `onramp destroy`.".into(),
        "IAM does not let a service-linked role be tagged, so it carries no onramp:managed-by tag: only the journal tells that onramp created it, and `destroy` deletes it only then (AWS refuses while a compute environment still uses it).".into(),
        "A compute environment cannot switch between a service-linked role and a regular service role later, so choose before creating one; the walkthrough's role stays available with `batch_service_role = \"seed\"`.".into(),
    ]
}

fn managed_path_note(policy: &str) -> String {
    format!(
        "{policy} is attached by its full ARN, with the `service-role/` path the console hides."
    )
}

/// Adds one bucket access policy, or several when one would exceed IAM's
/// managed policy size; returns their ARNs.
fn add_bucket_policies(b: &mut Builder<'_>, g: &Genomics) -> Result<Vec<String>, TemplateError> {
    let base_name = b.answers.name(Slot::BucketAccessPolicy);
    let chunks = templates::bucket::parts(b.partition(), &g.buckets)?;
    let count = chunks.len();
    let mut arns = Vec::with_capacity(count);
    for (i, chunk) in chunks.into_iter().enumerate() {
        let name = bucket_policy_part_name(&base_name, i);
        let mut notes = vec![
            "One policy covers every chosen bucket, as the console walkthrough's \"Add additional permissions\" does; the CloudFormation version makes one per bucket.".into(),
            "Statement KeepTheBuckets denies s3:CreateBucket, s3:DeleteBucket* and s3:PutBucket* on the buckets themselves: the walkthrough's s3:* on the bucket ARN would let any job delete a bucket or replace its policy. The guide's own CloudFormation (gwfcore-iam.template.yaml) denies bucket deletion to the instance and job roles the same way; objects stay fully accessible.".into(),
        ];
        if count > 1 {
            notes.push(format!(
                "Part {} of {count}: one policy for all {} buckets would exceed IAM's {MANAGED_POLICY_SIZE}-character limit for a managed policy.",
                i + 1,
                g.buckets.len()
            ));
        }
        let doc = templates::bucket::document(b.partition(), chunk)?;
        arns.push(b.add_policy(
            name,
            "Full access to the S3 buckets that hold workflow inputs and outputs",
            doc,
            notes,
        ));
    }
    Ok(arns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::names::EntityKind;
    use crate::plan::{Spec, plan_of_valid_toml};

    const GENOMICS: &str = "region = \"eu-west-1\"\naccount_id = \"123456789012\"\nname_prefix = \"lab-\"\npath = \"/gwf/\"\n[tags]\nTeam = \"x\"\n[genomics]\nbuckets = [\"b-data\"]\n";

    #[test]
    fn the_seed_role_is_the_default() {
        let plan = plan_of_valid_toml(GENOMICS);
        let role = plan
            .get(EntityKind::Role, "lab-AWSBatchServiceRole")
            .unwrap_or_else(|| unreachable!("the seed's role is planned"));
        assert_eq!(
            role.arn,
            "arn:aws:iam::123456789012:role/gwf/lab-AWSBatchServiceRole"
        );
        let role_spec = role.role().unwrap();
        assert_eq!(
            role_spec.managed_policy_arns,
            ["arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole"]
        );
        assert!(
            crate::plan::lint::trusted_services(&role_spec.trust_policy).contains(BATCH_SERVICE)
        );
        assert!(role.tags.contains_key("Team"));
        assert!(!plan.resources.iter().any(|r| r.is_service_linked()));
        let explicit = plan_of_valid_toml(&format!("{GENOMICS}batch_service_role = \"seed\"\n"));
        assert_eq!(explicit, plan);
    }

    #[test]
    fn the_service_linked_role_replaces_the_seed_role() {
        let seed = plan_of_valid_toml(GENOMICS);
        let plan = plan_of_valid_toml(&format!(
            "{GENOMICS}batch_service_role = \"service-linked\"\n"
        ));
        assert!(
            plan.get(EntityKind::Role, "lab-AWSBatchServiceRole")
                .is_none()
        );
        let linked: Vec<_> = plan
            .resources
            .iter()
            .filter(|r| r.is_service_linked())
            .collect();
        assert_eq!(linked.len(), 1);
        let r = linked[0];
        // AWS's name and path: no prefix, not the answers' path, no tags.
        assert_eq!(r.name, BATCH_SERVICE_LINKED_ROLE);
        assert_eq!(r.path, "/aws-service-role/batch.amazonaws.com/");
        assert_eq!(
            r.arn,
            "arn:aws:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"
        );
        assert!(r.tags.is_empty());
        assert!(r.depends_on.is_empty());
        assert!(r.documents().is_empty());
        assert_eq!(r.kind(), EntityKind::Role);
        assert!(
            matches!(&r.spec, Spec::ServiceLinkedRole(linked) if linked.service == BATCH_SERVICE)
        );
        let notes = r.notes.join(" ");
        for point in [
            "keeps them current",
            "no trust or permissions policy",
            "carries no onramp:managed-by tag",
            "one per account",
            "cannot switch",
            "batch_service_role = \"seed\"",
        ] {
            assert!(notes.contains(point), "the notes lack `{point}`: {notes}");
        }
        // Everything else is the seed plan's, in the same order.
        let others = |p: &crate::plan::Plan| -> Vec<String> {
            p.resources
                .iter()
                .filter(|r| !r.is_service_linked() && r.name != "lab-AWSBatchServiceRole")
                .map(|r| r.name.clone())
                .collect()
        };
        assert_eq!(others(&plan), others(&seed));
        assert_eq!(plan.resources.len(), seed.resources.len());
    }

    #[test]
    fn the_service_linked_role_is_in_the_partition_and_the_json() {
        let plan = plan_of_valid_toml(
            "region = \"cn-north-1\"\naccount_id = \"123456789012\"\n[genomics]\nbuckets = [\"b-data\"]\nbatch_service_role = \"service-linked\"\n",
        );
        let json = plan.to_json();
        let slr = json["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["kind"] == "service_linked_role"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(slr["name"], "AWSServiceRoleForBatch");
        assert_eq!(slr["service"], "batch.amazonaws.com");
        assert_eq!(
            slr["arn"],
            "arn:aws-cn:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"
        );
        assert!(slr.get("trust_policy").is_none());
        // AWS's name for the role's permissions.
        let notes = slr["notes"].to_string();
        assert!(
            notes.contains("aws-service-role/BatchServiceRolePolicy")
                && !notes.contains("AWSBatchServiceRolePolicy"),
            "{notes}"
        );
    }
}
