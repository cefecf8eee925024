//! The account around the IAM entities: who the caller is (STS) and which
//! buckets it has (S3). Apart from the entity files because they go to other
//! services than IAM and change nothing.

use crate::iam::action::Action;
use crate::iam::arn::Arn;

use futures::StreamExt;

use super::SdkCloud;
use super::error::{ForCall, missing};
use crate::cloud::{Bucket, CloudError, CloudResult, ErrorKind, Identity};

/// Up to this many `GetBucketLocation` calls at once: enough for an account
/// with hundreds of buckets, few enough not to be throttled.
const CONCURRENT_LOOKUPS: usize = 8;

/// The partition is taken from the caller's ARN, which STS always gives in
/// full (`arn:aws:sts::123456789012:assumed-role/…`).
pub(super) async fn identity(cloud: &SdkCloud) -> CloudResult<Identity> {
    const ACTION: Action = Action::GetCallerIdentity;
    let out = cloud.sts.get_caller_identity().send().await.for_call(
        cloud,
        ACTION,
        "the caller identity",
    )?;
    let arn = out.arn().ok_or_else(|| missing(ACTION, "ARN"))?.to_owned();
    let account_id = out
        .account()
        .ok_or_else(|| missing(ACTION, "account"))?
        .to_owned();
    let partition = arn
        .parse::<Arn>()
        .map_err(|e| CloudError::new(ACTION, ErrorKind::Other, e.to_string()))?
        .partition;
    Ok(Identity {
        account_id,
        arn,
        partition,
    })
}

/// `ListBuckets`, then `GetBucketLocation` for each bucket whose region the
/// list leaves out, a few at a time.
pub(super) async fn list_buckets(cloud: &SdkCloud) -> CloudResult<Vec<Bucket>> {
    const ACTION: Action = Action::ListBuckets;
    let listed = cloud
        .s3
        .list_buckets()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .for_call(cloud, ACTION, "the account's buckets")?;
    // Owned names and clients, so the futures borrow nothing (which
    // async-trait's `Send` bound would otherwise trip over).
    let named: Vec<(String, Option<String>)> = listed
        .into_iter()
        .filter_map(|b| {
            let region = b
                .bucket_region()
                .filter(|r| !r.is_empty())
                .map(str::to_owned);
            Some((b.name?, region))
        })
        .collect();
    let buckets = futures::stream::iter(named)
        .map(|(name, region)| {
            let s3 = cloud.s3.clone();
            async move {
                let region = match region {
                    Some(region) => Some(region),
                    // Older S3 implementations (and emulators) leave the
                    // region out of ListBuckets; ask for it. A bucket
                    // whose region cannot be read (another owner's
                    // policy, a network blip) stays in the list without
                    // a region rather than failing the whole list.
                    None => s3
                        .get_bucket_location()
                        .bucket(&name)
                        .send()
                        .await
                        .ok()
                        .map(|out| {
                            location_to_region(out.location_constraint().map(|c| c.as_str()))
                        }),
                };
                Bucket { name, region }
            }
        })
        .buffered(CONCURRENT_LOOKUPS)
        .collect::<Vec<Bucket>>()
        .await;
    Ok(buckets)
}

/// `GetBucketLocation`'s answer as a region name: S3 still says nothing for
/// us-east-1 and `EU` for the oldest eu-west-1 buckets.
fn location_to_region(location: Option<&str>) -> String {
    match location {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_locations_become_regions() {
        assert_eq!(location_to_region(None), "us-east-1");
        assert_eq!(location_to_region(Some("")), "us-east-1");
        assert_eq!(location_to_region(Some("EU")), "eu-west-1");
        assert_eq!(location_to_region(Some("ap-south-1")), "ap-south-1");
    }
}
