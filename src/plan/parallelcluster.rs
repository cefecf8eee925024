//! AWS ParallelCluster 2 IAM roles (seed `004_…`): ParallelClusterInstancePolicy
//! on an EC2 role with its instance profile (for `ec2_iam_role` in the cluster
//! configuration), and ParallelClusterUserPolicy for the people who run
//! `pcluster`. Each policy has a variant for SGE/Slurm/Torque and for awsbatch.

use super::Builder;
use super::policy::{self, Template, TemplateError, Vars};
use crate::answers::{ParallelCluster, Scheduler};
use crate::names::Slot;

/// The statement of the SGE/Slurm/Torque instance policy that names the
/// resources bucket (`arn:aws:s3:::NONE/batch/*` in the document).
const RESOURCES_BUCKET_SID: &str = "S3PutObj";

/// Adds the ParallelCluster resources.
pub fn add(
    b: &mut Builder<'_>,
    pc: &ParallelCluster,
    scheduler: Scheduler,
) -> Result<(), TemplateError> {
    let role_name = b.answers.name(Slot::ParallelClusterRole);
    let vars = vars(b, pc, &role_name);
    let awsbatch = scheduler == Scheduler::Awsbatch;

    let (instance_template, user_template) = if awsbatch {
        (
            Template::ParallelClusterInstanceAwsbatch,
            Template::ParallelClusterUserAwsbatch,
        )
    } else {
        (
            Template::ParallelClusterInstanceTraditional,
            Template::ParallelClusterUserTraditional,
        )
    };

    let mut instance_notes = vec![format!(
        "The {} variant of the document's policy.",
        if awsbatch {
            "awsbatch"
        } else {
            "SGE/Slurm/Torque"
        }
    )];
    let mut tree = instance_template.tree()?;
    if !awsbatch {
        if pc.resources_bucket.is_some() {
            instance_notes.push(format!(
                "Statement {RESOURCES_BUCKET_SID}: the document's `arn:aws:s3:::NONE/batch/*` is what ParallelCluster 2 writes when no resources bucket is set; onramp names your resources bucket instead."
            ));
        } else {
            policy::remove_statement(&mut tree, RESOURCES_BUCKET_SID);
            instance_notes.push(format!(
                "Statement {RESOURCES_BUCKET_SID} is left out: the document's `arn:aws:s3:::NONE/batch/*` can match no bucket (bucket names are lowercase) and no resources bucket is set."
            ));
        }
    }
    let instance_doc = policy::fill_tree(tree, instance_template, &vars)?;
    let instance_policy_arn = b.add_policy(
        b.answers.name(Slot::ParallelClusterInstancePolicy),
        "Permissions of the EC2 instances of an AWS ParallelCluster 2 cluster",
        instance_doc,
        instance_notes,
    );

    b.add_role(
        role_name.clone(),
        "EC2 role for AWS ParallelCluster 2 clusters (ec2_iam_role)",
        "ec2.amazonaws.com",
        vec![instance_policy_arn],
        vec![format!(
            "The document leaves this role to you (`<PARALLELCLUSTER EC2 ROLE NAME>`); onramp creates it, trusted by EC2, with the instance policy attached. Set `ec2_iam_role = {role_name}` in the cluster configuration."
        )],
    )?;
    b.add_instance_profile(
        &role_name,
        vec!["Created explicitly so the role can be used by EC2 instances right away.".into()],
    );

    let user_doc = policy::fill(user_template, &vars)?;
    let mut user_notes = vec![format!(
        "The {} variant. Attach it to the IAM users or group who run `pcluster`; onramp attaches it to no one.",
        if awsbatch {
            "awsbatch"
        } else {
            "SGE/Slurm/Torque"
        }
    )];
    if awsbatch {
        user_notes.push(
            "Statement CloudFormationList: `cloudformation:ListStacks` supports only `\"Resource\": \"*\"`, so the document's grant of it in statement CloudFormation (on `stack/parallelcluster-*`) allows nothing and `pcluster list` is denied; onramp grants it on `*` in a statement of its own.".into(),
        );
        user_notes.push(
            "Statement IAMInstanceProfile: the document also grants `iam:PassRole` there, on `instance-profile/*`; PassRole is checked against role ARNs, so that grant matches nothing. onramp leaves it out: statement IAMRole grants PassRole on `role/parallelcluster-*`.".into(),
        );
    }
    b.add_policy(
        b.answers.name(Slot::ParallelClusterUserPolicy),
        "Permissions to create and manage AWS ParallelCluster 2 clusters with the pcluster CLI",
        user_doc,
        user_notes,
    );
    Ok(())
}

fn vars(b: &Builder<'_>, pc: &ParallelCluster, role_name: &str) -> Vars {
    // The role's ARN carries its path: `role/<path without leading slash><name>`.
    let role_path = b.answers.answers().path.trim_start_matches('/');
    let mut vars = b
        .base_vars()
        .set("parallelcluster_role", format!("{role_path}{role_name}"));
    let optional = [
        ("resources_bucket", &pc.resources_bucket),
        ("stack_name", &pc.stack_name),
        ("job_definition_serial_name", &pc.job_definition_serial_name),
        ("job_definition_mnp_name", &pc.job_definition_mnp_name),
        ("job_queue_name", &pc.job_queue_name),
        ("job_role", &pc.job_role),
        ("ecs_compute_environment", &pc.ecs_compute_environment),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            vars = vars.set(name, v.clone());
        }
    }
    vars
}
