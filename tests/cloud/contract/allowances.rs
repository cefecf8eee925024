//! Where moto differs from IAM, step by step, with why.

use super::harness::Allowance;

/// Where moto (5.2.5, through `.ci/moto_server.py`) is known to answer
/// otherwise than IAM, which the memory cloud follows. Each entry names the
/// steps of one case and moto's answer there; a step that only differs
/// because an earlier allowed step left moto in another state says so.
pub const ALLOWANCES: &[Allowance] = &[
    // --- Names are unique regardless of case in IAM; moto compares them as
    // written, and keeps policy names unique per path only.
    Allowance {
        case: "policy_names_are_unique_per_account_across_paths_and_case",
        calls: &["create in other case", "create at other path"],
        moto: "Ok(..)",
        why: "moto: policy names are unique per path and case",
    },
    Allowance {
        case: "policy_names_are_unique_per_account_across_paths_and_case",
        calls: &["get_policy at other path"],
        moto: "Ok(..)",
        why: "moto made the policy at the other path above",
    },
    Allowance {
        case: "role_names_are_unique_regardless_of_case",
        calls: &["create in other case"],
        moto: "Ok(..)",
        why: "moto: role names are case-sensitive",
    },
    Allowance {
        case: "role_names_are_unique_regardless_of_case",
        calls: &["get_role in other case"],
        moto: "Ok",
        why: "moto: GetRole is case-sensitive (None)",
    },
    Allowance {
        case: "roles_keep_what_they_were_given",
        calls: &["new trust, found in other case"],
        moto: "Ok",
        why: "moto: GetRole is case-sensitive (None)",
    },
    Allowance {
        case: "a_role_that_still_holds_something_cannot_be_deleted",
        calls: &["delete in other case"],
        moto: "Err(NoSuchEntity)",
        why: "moto: DeleteRole is case-sensitive",
    },
    Allowance {
        case: "a_role_that_still_holds_something_cannot_be_deleted",
        calls: &["get deleted", "delete again"],
        moto: "Ok(..)",
        why: "moto did not delete the role above",
    },
    Allowance {
        case: "instance_profile_names_are_unique_regardless_of_case",
        calls: &["create in other case"],
        moto: "Ok(..)",
        why: "moto: instance profile names are case-sensitive",
    },
    Allowance {
        case: "instance_profile_names_are_unique_regardless_of_case",
        calls: &["get_instance_profile in other case"],
        moto: "Ok",
        why: "moto: GetInstanceProfile is case-sensitive (None)",
    },
    // --- Quotas moto does not enforce.
    Allowance {
        case: "an_eleventh_attached_policy_exceeds_the_limit",
        calls: &["attach 11th", "attach AWS managed as 11th"],
        moto: "Ok",
        why: "moto: no quota of 10 managed policies per role",
    },
    Allowance {
        case: "an_eleventh_attached_policy_exceeds_the_limit",
        calls: &["list", "count"],
        moto: "Ok(..)",
        why: "moto attached the 11th and 12th above",
    },
    Allowance {
        case: "oversized_documents_exceed_the_limits",
        calls: &[
            "create big",
            "big version",
            "put two big",
            "create role with big trust",
            "update to big trust",
        ],
        moto: "Ok(..)",
        why: "moto: no policy size quotas (6,144 managed, 10,240 inline per role, 2,048 trust)",
    },
    Allowance {
        case: "tags_merge_and_are_limited_to_fifty",
        calls: &["fifty more", "fifty-first"],
        moto: "Ok",
        why: "moto: TagInstanceProfile does not count the tags already there",
    },
    Allowance {
        case: "tags_merge_and_are_limited_to_fifty",
        calls: &["fifty"],
        moto: "Ok(53)",
        why: "moto kept the fifty above (and the case-variant key below)",
    },
    Allowance {
        case: "tags_merge_and_are_limited_to_fifty",
        calls: &["policy with fifty-one"],
        moto: "Err(InvalidInput)",
        why: "moto: too many tags is a ValidationError (IAM: LimitExceeded)",
    },
    Allowance {
        case: "tags_merge_and_are_limited_to_fifty",
        calls: &["replaced"],
        moto: "Ok(..)",
        why: "moto: tag keys are case-sensitive",
    },
    Allowance {
        case: "untagging_takes_off_only_the_keys_named",
        calls: &["role tags after", "role tags kept", "profile tags after"],
        moto: "Ok({\"Project\":\"genomics\",\"Stage\":\"dev\"})",
        why: "moto: UntagRole and UntagInstanceProfile compare keys case-sensitively \
              (UntagPolicy does not)",
    },
    Allowance {
        case: "untagging_takes_off_only_the_keys_named",
        calls: &["untag profile with a bad key"],
        moto: "Ok",
        why: "moto: UntagInstanceProfile does not validate its keys (UntagRole and \
              UntagPolicy do)",
    },
    // --- DeleteConflict and read-only entities moto does not enforce.
    Allowance {
        case: "a_policy_in_use_or_with_versions_cannot_be_deleted",
        calls: &["delete attached"],
        moto: "Ok",
        why: "moto: DeletePolicy deletes an attached policy",
    },
    Allowance {
        case: "a_policy_in_use_or_with_versions_cannot_be_deleted",
        calls: &[
            "detach",
            "v2",
            "delete with two versions",
            "delete v1",
            "delete",
        ],
        moto: "Err(NoSuchEntity)",
        why: "moto deleted the policy above",
    },
    Allowance {
        case: "aws_managed_policies_attach_only_when_known",
        calls: &["delete AWS managed"],
        moto: "Ok",
        why: "moto: DeletePolicy deletes an AWS managed policy",
    },
    // --- Names, paths and tags moto does not validate.
    Allowance {
        case: "names_paths_and_tags_follow_iam_rules",
        calls: &[
            "role name of 65",
            "role name with a space",
            "policy name of 129",
            "path without slashes",
            "path with a space",
            "profile name with *",
            "profile path /x",
            "role with aws: tag",
            "tag role with AWS: tag",
            "profile with a key twice",
            "tag policy with aws: tag",
            "inline policy name with a space",
        ],
        moto: "Ok(..)",
        why: "moto: names, paths, the reserved aws: tag prefix and duplicate tag keys are not validated",
    },
    Allowance {
        case: "names_paths_and_tags_follow_iam_rules",
        calls: &["no role made"],
        moto: "Ok(..)",
        why: "moto made the role with the aws: tag above",
    },
    Allowance {
        case: "role_descriptions_are_updated_and_cleared",
        calls: &["describe with 1,001", "describe with a snowman"],
        moto: "Ok",
        why: "moto: UpdateRole checks neither the description's length nor its characters",
    },
    Allowance {
        case: "role_descriptions_are_updated_and_cleared",
        calls: &["still 1,000"],
        moto: "Ok(..)",
        why: "moto stored the descriptions it accepted above",
    },
    Allowance {
        case: "version_numbers_follow_creation_and_are_never_reused",
        calls: &["get `3`"],
        moto: "Err(NoSuchEntity)",
        why: "moto: GetPolicyVersion does not check the version id's pattern",
    },
    Allowance {
        case: "permissions_boundaries_must_exist",
        calls: &["role with a missing boundary", "put a missing boundary"],
        moto: "Ok(..)",
        why: "moto: a permissions boundary may name a policy that does not exist",
    },
    Allowance {
        case: "permissions_boundaries_must_exist",
        calls: &["role with a boundary"],
        moto: "Err(AlreadyExists)",
        why: "moto made the role with the missing boundary above",
    },
    // --- Policy grammar moto does not check.
    Allowance {
        case: "malformed_documents_are_rejected",
        calls: &[
            "create_policy bad[5]",
            "put_role_policy bad[5]",
            "create_policy_version bad[5]",
        ],
        moto: "Ok(..)",
        why: "moto: an identity policy may name a Principal",
    },
    Allowance {
        case: "malformed_documents_are_rejected",
        calls: &[
            "create_role bad trust[0]",
            "create_role bad trust[1]",
            "update_assume_role_policy bad trust[1]",
            "create_role bad trust[2]",
            "create_role bad trust[3]",
            "create_role bad trust[4]",
            "update_assume_role_policy bad trust[4]",
            "create_role bad trust[5]",
            "update_assume_role_policy bad trust[5]",
        ],
        moto: "Ok(..)",
        why: "moto: CreateRole checks no trust policy grammar; UpdateAssumeRolePolicy only some",
    },
    Allowance {
        case: "malformed_documents_are_rejected",
        calls: &[
            "get failed role t0",
            "get failed role t1",
            "get failed role t2",
            "get failed role t3",
            "get failed role t4",
            "get failed role t5",
            "trust policy kept",
            "no inline policy",
            "one version",
        ],
        moto: "Ok(..)",
        why: "moto stored the documents it accepted above",
    },
    // --- AWS managed policies and service-linked roles.
    Allowance {
        case: "aws_managed_policies_attach_only_when_known",
        calls: &["attach service-role/AmazonEC2SpotFleetRole"],
        moto: "Err(NoSuchEntity)",
        why: "moto's copy of AWS's policies lacks AmazonEC2SpotFleetRole (AWS still has it)",
    },
    Allowance {
        case: "aws_managed_policies_attach_only_when_known",
        calls: &["attach a name, not an ARN"],
        moto: "Err(NoSuchEntity)",
        why: "moto: a policy ARN is not checked for its pattern (IAM: ValidationError)",
    },
    Allowance {
        case: "aws_managed_policies_attach_only_when_known",
        calls: &["get AWS managed"],
        moto: "Ok(..)",
        why: "moto has AWS's real version ids (v14); the memory cloud knows one version, v1, \
              of each AWS managed policy (see catalogue.rs)",
    },
    Allowance {
        case: "service_linked_roles_are_aws_s_to_change",
        calls: &["get"],
        moto: "Ok(..)",
        why: "moto writes the trust policy with lists (`[\"sts:AssumeRole\"]`): the same policy",
    },
    Allowance {
        case: "service_linked_roles_are_aws_s_to_change",
        calls: &["attached"],
        moto: "Ok([])",
        why: "moto attaches no policy to a service-linked role",
    },
    Allowance {
        case: "service_linked_roles_are_aws_s_to_change",
        calls: &[
            "create for an unknown service",
            "delete a plain role as service-linked",
        ],
        moto: "Ok(..)",
        why: "moto: any service gets a service-linked role, and any role can be deleted as one",
    },
    Allowance {
        case: "service_linked_roles_are_aws_s_to_change",
        calls: &["untag it"],
        moto: "Ok",
        why: "moto: a service-linked role is not protected (IAM: UnmodifiableEntity)",
    },
    Allowance {
        case: "service_linked_roles_are_aws_s_to_change",
        calls: &["delete_role"],
        moto: "Ok",
        why: "moto: a service-linked role is not protected (IAM: UnmodifiableEntity)",
    },
    Allowance {
        case: "service_linked_roles_are_aws_s_to_change",
        calls: &[
            "tag_role",
            "detach its policy",
            "update its trust",
            "delete",
        ],
        moto: "Err(NoSuchEntity)",
        why: "moto deleted the service-linked role with DeleteRole above",
    },
    Allowance {
        case: "inline_policies_are_replaced_listed_in_order_and_deleted",
        calls: &["list"],
        moto: "Ok([\"zeta\",\"alpha\"])",
        why: "moto lists inline policies in the order they were put (IAM: by name)",
    },
];
