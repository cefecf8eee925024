//! The bucket access policy, the one template whose size depends on the
//! answers: with many buckets it is split into parts, each within IAM's
//! managed policy size. Validation counts the parts (to check each part's
//! name) and the plan makes one policy per part, so both use this.

use serde_json::Value;

use super::{Template, TemplateError, Vars};
use crate::iam::limits::{self, MANAGED_POLICY_SIZE};
use crate::iam::partition::Partition;

/// The bucket access policy for `buckets`.
pub fn document(partition: Partition, buckets: Vec<String>) -> Result<Value, TemplateError> {
    let vars = Vars::new()
        .set("partition", partition.as_str())
        .set_list("bucket", buckets);
    super::fill(Template::BucketAccess, &vars)
}

/// Packs buckets, in order, into as few bucket access policies as fit IAM's
/// managed policy size. Validation uses it too, to check every part's name.
///
/// A document's size is affine in its buckets: the empty document, plus each
/// bucket's own ARNs, plus the commas between neighbours. So each bucket is
/// measured once, not every candidate document.
pub fn parts(partition: Partition, buckets: &[String]) -> Result<Vec<Vec<String>>, TemplateError> {
    let size_of = |buckets: Vec<String>| -> Result<usize, TemplateError> {
        Ok(limits::policy_size(&document(partition, buckets)?))
    };
    let empty = size_of(Vec::new())?;
    // The commas a further bucket adds: one in each statement that lists the
    // buckets.
    let probe = || "b".repeat(3);
    let separators = size_of(vec![probe(), probe()])? + empty - 2 * size_of(vec![probe()])?;
    let mut chunks: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut size = empty;
    for bucket in buckets {
        let own = size_of(vec![bucket.clone()])? - empty;
        let added = own + if current.is_empty() { 0 } else { separators };
        if !current.is_empty() && size + added > MANAGED_POLICY_SIZE {
            chunks.push(std::mem::take(&mut current));
            size = empty + own;
        } else {
            size += added;
        }
        current.push(bucket.clone());
    }
    chunks.push(current);
    Ok(chunks)
}
