//! What the suites that run on both clouds share: the two clouds (the
//! in-memory account and moto through the SDK backend, a fresh account
//! each), the macros that run a test function on both, planning answers for
//! a cloud's account, and destroying with a journal.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use onramp::answers::{Answers, Environment, ValidAnswers};
use onramp::apply::destroy::{DestroyReport, destroy};
use onramp::apply::journal::Journal;
use onramp::cloud::Cloud;
use onramp::cloud::counting::CountingCloud;
use onramp::cloud::memory::MemoryCloud;
use onramp::cloud::sdk::SdkCloud;
use onramp::plan::{Plan, ServiceLinkedRoleSpec, Spec, plan};
use onramp_testkit::moto;

pub async fn memory_cloud() -> CountingCloud<MemoryCloud> {
    CountingCloud::new(MemoryCloud::new("210987654321", "aws"))
}

pub async fn moto_cloud() -> CountingCloud<SdkCloud> {
    CountingCloud::new(moto::cloud().await.0)
}

/// Runs each named test function on both clouds, each in a module of the
/// function's name with a `memory` and a `moto` test.
macro_rules! on_both_clouds {
    ($($test:ident $(($arg:expr))?),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$test(crate::clouds::memory_cloud().await $(, $arg)?).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn moto() {
                super::$test(crate::clouds::moto_cloud().await $(, $arg)?).await;
            }
        }
    )*};
}
pub(crate) use on_both_clouds;

/// The service-linked role a test plans: AWS Batch's on the in-memory
/// account. On moto, Auto Scaling's instead: moto (5.2.5) names Batch's
/// `AWSServiceRoleForbatch` (its table of role names lacks Batch), so
/// `GetRole` on AWS's name `AWSServiceRoleForBatch` never finds it there,
/// while Auto Scaling's it names as AWS does. The calls are the same.
#[derive(Debug, Clone, Copy)]
pub struct Linked {
    pub service: &'static str,
    pub name: &'static str,
}

pub const BATCH_LINKED: Linked = Linked {
    service: "batch.amazonaws.com",
    name: "AWSServiceRoleForBatch",
};

pub const MOTO_LINKED: Linked = Linked {
    service: "autoscaling.amazonaws.com",
    name: "AWSServiceRoleForAutoScaling",
};

/// Runs each named test function on both clouds, each with its
/// service-linked role ([`Linked`]).
macro_rules! service_linked_on_both_clouds {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$test(
                    crate::clouds::memory_cloud().await,
                    crate::clouds::BATCH_LINKED,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn moto() {
                super::$test(crate::clouds::moto_cloud().await, crate::clouds::MOTO_LINKED).await;
            }
        }
    )*};
}
pub(crate) use service_linked_on_both_clouds;

/// Validates answers written for the cloud's account (examples name
/// 123456789012).
pub async fn answers_for(cloud: &dyn Cloud, toml: &str) -> ValidAnswers {
    let account = cloud.identity().await.unwrap().account_id;
    let toml = toml.replace("123456789012", &account);
    Answers::from_toml(&toml)
        .unwrap()
        .validate(&Environment::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Plans answers for the cloud's account (examples name 123456789012).
pub async fn plan_for(cloud: &dyn Cloud, toml: &str) -> Plan {
    plan(&answers_for(cloud, toml).await).unwrap()
}

/// The plan of `toml` (answers with AWS Batch's service-linked role), its
/// service-linked role made `linked`'s.
pub async fn linked_plan_of(cloud: &dyn Cloud, toml: &str, linked: Linked) -> Plan {
    let mut plan = plan_for(cloud, toml).await;
    let slr = plan
        .resources
        .iter_mut()
        .find(|r| r.is_service_linked())
        .expect("the answers plan a service-linked role");
    slr.arn = slr.arn.replace(
        "batch.amazonaws.com/AWSServiceRoleForBatch",
        &format!("{}/{}", linked.service, linked.name),
    );
    slr.path = format!("/aws-service-role/{}/", linked.service);
    slr.name = linked.name.to_owned();
    if let Spec::ServiceLinkedRole(ServiceLinkedRoleSpec { service, .. }) = &mut slr.spec {
        *service = linked.service.to_owned();
    }
    plan
}

/// Destroys what the journal at `journal` records (unforced, never
/// stopped), in the cloud's account.
pub async fn destroy_all(cloud: &dyn Cloud, journal: &Path) -> DestroyReport {
    destroy_with(cloud, journal, false).await
}

/// Destroys what the journal at `journal` records, `force`d or not.
pub async fn destroy_with(cloud: &dyn Cloud, journal: &Path, force: bool) -> DestroyReport {
    let journal = Journal::open(journal).unwrap();
    let account = cloud.identity().await.unwrap().account_id;
    destroy(
        cloud,
        &journal,
        &account,
        "us-east-1",
        force,
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap()
}
