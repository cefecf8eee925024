//! One contract, two backends: each case is a scenario written once against
//! `&dyn Cloud` and run on a fresh [`MemoryCloud`] and on a fresh moto
//! account (see `onramp_testkit::moto`). Every step records its call and a normalised
//! outcome (`Ok` with the fields that must agree, or `Err(ErrorKind)`); the
//! two transcripts must be equal, and a difference fails the case with both
//! answers side by side. A step also says what it wants (a kind of error, or
//! a value), so a bug both backends share still fails.
//!
//! Where moto is known to differ from IAM, [`ALLOWANCES`] says so, step by
//! step, with moto's exact answer and why: a difference it does not list
//! fails, and so does an allowance the backends no longer need.
//!
//! Both backends use the moto account's id, so ARNs agree without rewriting.

mod allowances;
mod cases;
mod harness;

use harness::{Script, compare};
use onramp::cloud::memory::MemoryCloud;
use onramp_testkit::moto;

/// Runs `case` on a fresh moto account and on a memory account with the
/// same id, and compares the transcripts.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let (moto, account) = moto::cloud().await;
                let memory = MemoryCloud::new(&account.account_id, "aws");
                let mine = cases::$case(&memory, Script::new(&account.account_id)).await;
                let theirs = cases::$case(&moto, Script::new(&account.account_id)).await;
                compare(stringify!($case), &mine.steps, &theirs.steps);
            }
        )*
    };
}

contract!(
    policies_return_what_was_stored,
    policy_names_are_unique_per_account_across_paths_and_case,
    role_names_are_unique_regardless_of_case,
    instance_profile_names_are_unique_regardless_of_case,
    a_sixth_version_exceeds_the_limit,
    version_numbers_follow_creation_and_are_never_reused,
    the_default_version_cannot_be_deleted,
    an_eleventh_attached_policy_exceeds_the_limit,
    an_instance_profile_holds_one_role,
    a_policy_in_use_or_with_versions_cannot_be_deleted,
    a_role_that_still_holds_something_cannot_be_deleted,
    an_instance_profile_that_holds_a_role_cannot_be_deleted,
    reads_of_missing_entities_are_none_and_other_calls_fail,
    detaching_a_policy_that_is_not_attached_fails,
    malformed_documents_are_rejected,
    oversized_documents_exceed_the_limits,
    aws_managed_policies_attach_only_when_known,
    names_paths_and_tags_follow_iam_rules,
    tags_merge_and_are_limited_to_fifty,
    untagging_takes_off_only_the_keys_named,
    role_descriptions_are_updated_and_cleared,
    permissions_boundaries_must_exist,
    inline_policies_are_replaced_listed_in_order_and_deleted,
    roles_keep_what_they_were_given,
    service_linked_roles_are_aws_s_to_change,
);
