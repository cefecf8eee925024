//! The wizard's background work: every effect that touches the account or
//! the disk runs here, in a spawned task, and reports back as an [`Action`].
//! The UI loop never awaits the network.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::OnceCell;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use super::action::{Action, ApplyFailure, Effect};
use crate::apply::journal::Journal;
use crate::apply::observe;
use crate::apply::permissions::{Audience, Outcome};
use crate::apply::preflight::preflight;
use crate::apply::run::{self, Event};
use crate::cloud::sdk::{ConnectOptions, SdkCloud};
use crate::cloud::{
    AnalyzerFinding, Bucket, Cloud, CloudError, CloudResult, ContextEntry, Identity,
    InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas,
    RetryObserver, RoleInfo, SimulationResult, Tags,
};

/// How to reach the account.
#[derive(Clone)]
pub enum Connector {
    /// A cloud already made (the demo's in-memory account, tests).
    Ready(Arc<dyn Cloud>),
    /// AWS (or an emulator) through the SDK, connected on first use.
    Sdk(ConnectOptions),
}

/// Runs effects in the background.
#[derive(Clone)]
pub struct Worker {
    connector: Connector,
    cloud: Arc<OnceCell<Arc<dyn Cloud>>>,
    tx: UnboundedSender<Action>,
    stop: Arc<AtomicBool>,
    /// Open (true) unless the wizard is asking whether to stop the apply.
    gate: Arc<watch::Sender<bool>>,
}

impl Worker {
    pub fn new(connector: Connector, tx: UnboundedSender<Action>) -> Worker {
        Worker {
            connector,
            cloud: Arc::new(OnceCell::new()),
            tx,
            stop: Arc::new(AtomicBool::new(false)),
            gate: Arc::new(watch::Sender::new(true)),
        }
    }

    fn send(&self, action: Action) {
        // The receiver is gone only when the wizard has ended.
        let _ = self.tx.send(action);
    }

    /// The account, connected on first use; a failed connection is tried
    /// again on the next call.
    async fn cloud(&self) -> Result<Arc<dyn Cloud>, CloudError> {
        let cloud = self
            .cloud
            .get_or_try_init(|| async {
                match &self.connector {
                    Connector::Ready(cloud) => Ok(Arc::clone(cloud)),
                    Connector::Sdk(options) => SdkCloud::connect(options)
                        .await
                        .map(|c| Arc::new(c) as Arc<dyn Cloud>),
                }
            })
            .await?;
        Ok(Arc::clone(cloud))
    }

    /// Starts `effect` in the background. Quit and Suspend belong to the
    /// terminal loop and are ignored here.
    pub fn run(&self, effect: Effect) {
        tracing::debug!(effect = effect.name(), "effect");
        let worker = self.clone();
        match effect {
            Effect::Connect => {
                tokio::spawn(async move {
                    let result = async {
                        let cloud = worker.cloud().await?;
                        cloud.identity().await
                    };
                    worker.send(Action::Connected(result.await));
                });
            }
            Effect::ListBuckets => {
                tokio::spawn(async move {
                    let result = async {
                        let cloud = worker.cloud().await?;
                        cloud.list_buckets().await
                    };
                    worker.send(Action::BucketsLoaded(result.await));
                });
            }
            Effect::Preflight {
                generation,
                caller_arn,
                plan,
            } => {
                tokio::spawn(async move {
                    let outcome = match worker.cloud().await {
                        Ok(cloud) => {
                            preflight(cloud.as_ref(), &caller_arn, &plan, Audience::Wizard).await
                        }
                        Err(problem) => Outcome::Unchecked(problem.to_string()),
                    };
                    worker.send(Action::Preflighted {
                        generation,
                        outcome,
                    });
                });
            }
            Effect::ReadQuotas => {
                tokio::spawn(async move {
                    let result = async { worker.cloud().await?.account_quotas().await };
                    worker.send(Action::QuotasRead(result.await));
                });
            }
            Effect::Validate { kind, text } => {
                tokio::spawn(async move {
                    let result = async { worker.cloud().await?.validate_policy(&text, kind).await };
                    let result = result.await;
                    worker.send(Action::Validated { kind, text, result });
                });
            }
            Effect::Observe {
                generation,
                plan,
                journal,
            } => {
                tokio::spawn(async move {
                    let result = async {
                        let cloud = worker.cloud().await?;
                        observe::observations(cloud.as_ref(), &plan).await
                    };
                    let result = result.await;
                    let journal = if journal.exists() {
                        crate::apply::journal::read(&journal).unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    worker.send(Action::Observed {
                        generation,
                        result,
                        journal,
                    });
                });
            }
            Effect::Apply {
                plan,
                changes,
                journal,
            } => {
                self.stop.store(false, Ordering::SeqCst);
                self.gate.send_replace(true);
                tokio::spawn(async move {
                    let result = worker.apply(&plan, &changes, &journal).await;
                    worker.send(Action::Applied(result));
                });
            }
            Effect::Verify { plan, intents } => {
                tokio::spawn(async move {
                    let result = async {
                        let cloud = worker.cloud().await?;
                        Ok(crate::verify::online::check(cloud.as_ref(), &plan, &intents).await)
                    };
                    worker.send(Action::Verified(result.await));
                });
            }
            Effect::StopApply => {
                self.stop.store(true, Ordering::SeqCst);
                // Calls held at the gate were already journaled as started:
                // they finish; the stop keeps anything after them from starting.
                self.gate.send_replace(true);
            }
            Effect::PauseApply => {
                self.gate.send_replace(false);
            }
            Effect::ResumeApply => {
                self.gate.send_replace(true);
            }
            Effect::SaveAnswers { path, text } => {
                tokio::spawn(async move {
                    let result = tokio::fs::write(&path, text)
                        .await
                        .map(|()| path.clone())
                        .map_err(|e| format!("{}: {e}", path.display()));
                    worker.send(Action::Saved(result));
                });
            }
            Effect::Export { format, plan, path } => {
                tokio::task::spawn_blocking(move || {
                    let result = crate::export::files::write_export(&plan, format, &path);
                    worker.send(Action::Exported { format, result });
                });
            }
            Effect::Suspend | Effect::Quit(_) => {}
        }
    }

    async fn apply(
        &self,
        plan: &crate::plan::Plan,
        changes: &[crate::apply::diff::Change],
        journal_path: &Path,
    ) -> Result<run::Report, ApplyFailure> {
        let cloud: Arc<dyn Cloud> = Arc::new(Gated {
            inner: self.cloud().await?,
            open: self.gate.subscribe(),
        });
        let journal = Journal::open(journal_path)?;
        let retries = self.tx.clone();
        cloud.observe_retries(Arc::new(move |r| {
            let _ = retries.send(Action::Progress(Event::Retried {
                action: r.action,
                attempt: r.attempt,
            }));
        }));
        let events = self.tx.clone();
        let on_event = move |event: Event| {
            let _ = events.send(Action::Progress(event));
        };
        let result = run::apply(
            cloud.as_ref(),
            plan,
            changes,
            &journal,
            &on_event,
            &self.stop,
        )
        .await;
        tracing::info!(ok = result.is_ok(), journal = %journal_path.display(), "apply finished");
        Ok(result?)
    }
}

/// The account as the apply sees it: while the gate is closed (the wizard
/// asks whether to stop), every new call waits; calls already made go on.
struct Gated {
    inner: Arc<dyn Cloud>,
    open: watch::Receiver<bool>,
}

impl Gated {
    async fn wait_open(&self) {
        let mut open = self.open.clone();
        // The worker holds the sender for as long as an apply can run; if it
        // is gone, there is nothing to wait for.
        let _ = open.wait_for(|open| *open).await;
    }
}

/// Implements `Cloud` by waiting for the gate, then forwarding.
macro_rules! gated_cloud {
    ($(fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        #[async_trait]
        impl Cloud for Gated {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> CloudResult<$ret> {
                    self.wait_open().await;
                    self.inner.$method($($arg),*).await
                }
            )*

            fn observe_retries(&self, observer: RetryObserver) {
                self.inner.observe_retries(observer);
            }
        }
    };
}

gated_cloud! {
    fn identity(&self) -> Identity;
    fn list_buckets(&self) -> Vec<Bucket>;
    fn get_policy(&self, arn: &str) -> Option<PolicyInfo>;
    fn get_policy_version(&self, arn: &str, version_id: &str) -> Value;
    fn list_policy_versions(&self, arn: &str) -> Vec<PolicyVersion>;
    fn create_policy(&self, policy: NewPolicy<'_>) -> PolicyInfo;
    fn create_policy_version(&self, arn: &str, document: &Value, set_as_default: bool) -> String;
    fn set_default_policy_version(&self, arn: &str, version_id: &str) -> ();
    fn delete_policy_version(&self, arn: &str, version_id: &str) -> ();
    fn tag_policy(&self, arn: &str, tags: &Tags) -> ();
    fn untag_policy(&self, arn: &str, keys: &[String]) -> ();
    fn delete_policy(&self, arn: &str) -> ();
    fn get_role(&self, name: &str) -> Option<RoleInfo>;
    fn create_role(&self, role: NewRole<'_>) -> RoleInfo;
    fn update_assume_role_policy(&self, name: &str, document: &Value) -> ();
    fn update_role_description(&self, name: &str, description: &str) -> ();
    fn put_role_permissions_boundary(&self, name: &str, boundary_arn: &str) -> ();
    fn delete_role_permissions_boundary(&self, name: &str) -> ();
    fn tag_role(&self, name: &str, tags: &Tags) -> ();
    fn untag_role(&self, name: &str, keys: &[String]) -> ();
    fn list_attached_role_policies(&self, name: &str) -> Vec<String>;
    fn attach_role_policy(&self, name: &str, policy_arn: &str) -> ();
    fn detach_role_policy(&self, name: &str, policy_arn: &str) -> ();
    fn list_role_policies(&self, name: &str) -> Vec<String>;
    fn get_role_policy(&self, name: &str, policy_name: &str) -> Value;
    fn put_role_policy(&self, name: &str, policy_name: &str, document: &Value) -> ();
    fn delete_role_policy(&self, name: &str, policy_name: &str) -> ();
    fn delete_role(&self, name: &str) -> ();
    fn create_service_linked_role(&self, service: &str, description: &str) -> RoleInfo;
    fn delete_service_linked_role(&self, name: &str) -> ();
    fn get_instance_profile(&self, name: &str) -> Option<InstanceProfileInfo>;
    fn create_instance_profile(&self, name: &str, path: &str, tags: &Tags) -> InstanceProfileInfo;
    fn tag_instance_profile(&self, name: &str, tags: &Tags) -> ();
    fn untag_instance_profile(&self, name: &str, keys: &[String]) -> ();
    fn add_role_to_instance_profile(&self, profile: &str, role: &str) -> ();
    fn remove_role_from_instance_profile(&self, profile: &str, role: &str) -> ();
    fn delete_instance_profile(&self, name: &str) -> ();
    fn simulate_principal_policy(&self, source_arn: &str, actions: &[String], resources: &[String], context: &[ContextEntry]) -> Vec<SimulationResult>;
    fn account_quotas(&self) -> Quotas;
    fn validate_policy(&self, document: &str, kind: PolicyKind) -> Vec<AnalyzerFinding>;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cloud::memory::MemoryCloud;

    #[tokio::test]
    async fn a_closed_gate_holds_new_calls_until_it_opens() {
        let gate = watch::Sender::new(false);
        let cloud = Arc::new(Gated {
            inner: Arc::new(MemoryCloud::demo()),
            open: gate.subscribe(),
        });
        let call = tokio::spawn({
            let cloud = Arc::clone(&cloud);
            async move { cloud.get_role("ecsInstanceRole").await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !call.is_finished(),
            "the call waits while the gate is closed"
        );
        gate.send_replace(true);
        let answer = tokio::time::timeout(Duration::from_secs(5), call)
            .await
            .expect("the call goes on once the gate opens")
            .unwrap();
        assert!(answer.is_ok(), "{answer:?}");
    }
}
