//! The wizard's background work: every effect that touches the account or
//! the disk runs here, in a spawned task, and reports back as an [`Action`].
//! The UI loop never awaits the network.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;
use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, Effect};
use crate::apply::journal::Journal;
use crate::apply::observe;
use crate::apply::permissions::{Audience, Outcome};
use crate::apply::preflight::preflight;
use crate::apply::run::{self, Event};
use crate::cloud::Cloud;
use crate::cloud::advice;
use crate::cloud::sdk::{ConnectOptions, SdkCloud};

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
}

impl Worker {
    pub fn new(connector: Connector, tx: UnboundedSender<Action>) -> Worker {
        Worker {
            connector,
            cloud: Arc::new(OnceCell::new()),
            tx,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    fn send(&self, action: Action) {
        // The receiver is gone only when the wizard has ended.
        let _ = self.tx.send(action);
    }

    async fn cloud(&self) -> Result<Arc<dyn Cloud>, String> {
        let cloud = self
            .cloud
            .get_or_try_init(|| async {
                match &self.connector {
                    Connector::Ready(cloud) => Ok(Arc::clone(cloud)),
                    Connector::Sdk(options) => SdkCloud::connect(options)
                        .await
                        .map(|c| Arc::new(c) as Arc<dyn Cloud>)
                        .map_err(|e| e.to_string()),
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
                        cloud.identity().await.map_err(|e| e.to_string())
                    };
                    worker.send(Action::Connected(result.await));
                });
            }
            Effect::ListBuckets => {
                tokio::spawn(async move {
                    let result = async {
                        let cloud = worker.cloud().await?;
                        cloud.list_buckets().await.map_err(|e| e.to_string())
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
                        Err(problem) => Outcome::Unchecked(problem),
                    };
                    worker.send(Action::Preflighted {
                        generation,
                        outcome,
                    });
                });
            }
            Effect::ReadQuotas => {
                tokio::spawn(async move {
                    let result = match worker.cloud().await {
                        Ok(cloud) => cloud
                            .account_quotas()
                            .await
                            .map_err(|e| advice::quota_note(&e)),
                        Err(problem) => Err(format!(
                            "could not read this account's IAM quotas ({problem}); checked against IAM's default quotas"
                        )),
                    };
                    worker.send(Action::QuotasRead(result));
                });
            }
            Effect::Validate { kind, text } => {
                tokio::spawn(async move {
                    let result = match worker.cloud().await {
                        Ok(cloud) => cloud
                            .validate_policy(&text, kind)
                            .await
                            .map_err(|e| advice::analyzer_note(&e)),
                        Err(problem) => Err(format!(
                            "Access Analyzer: not available ({problem}); onramp's own checks only"
                        )),
                    };
                    worker.send(Action::Validated { kind, text, result });
                });
            }
            Effect::Observe { generation, plan } => {
                tokio::spawn(async move {
                    let result = async {
                        let cloud = worker.cloud().await?;
                        observe::observations(cloud.as_ref(), &plan)
                            .await
                            .map_err(|e| e.to_string())
                    };
                    let result = result.await;
                    worker.send(Action::Observed { generation, result });
                });
            }
            Effect::Apply {
                plan,
                changes,
                journal,
            } => {
                self.stop.store(false, Ordering::SeqCst);
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
            Effect::StopApply => self.stop.store(true, Ordering::SeqCst),
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
    ) -> Result<run::Report, String> {
        let cloud = self.cloud().await?;
        let journal = Mutex::new(Journal::open(journal_path).map_err(|e| e.to_string())?);
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
        result.map_err(|e| e.to_string())
    }
}
