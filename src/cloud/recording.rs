//! A [`Cloud`] wrapper that records every call: its API action, a short
//! rendering of its arguments, and how it ended (`Ok`, or the kind of
//! error). Two backends given the same calls can then be compared answer by
//! answer, and a test that fails can show what each one said.

use crate::iam::action::Action;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::Value;

use super::{
    AnalyzerFinding, Bucket, Cloud, CloudResult, ContextEntry, ErrorKind, Identity,
    InstanceProfileInfo, NewPolicy, NewRole, PolicyInfo, PolicyKind, PolicyVersion, Quotas,
    RetryObserver, RoleInfo, SimulationResult, Tags,
};

/// One call as it was made and answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub action: Action,
    /// The arguments, shortened (documents cut, tags as `k=v`).
    pub args: String,
    /// `Ok`, or the kind of error it failed with.
    pub outcome: Result<(), ErrorKind>,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({}) -> ", self.action, self.args)?;
        match self.outcome {
            Ok(()) => f.write_str("Ok"),
            Err(kind) => write!(f, "{kind:?}"),
        }
    }
}

/// Records every call it forwards to the inner cloud.
pub struct RecordingCloud<C> {
    inner: C,
    calls: Mutex<Vec<Call>>,
}

impl<C> RecordingCloud<C> {
    pub fn new(inner: C) -> RecordingCloud<C> {
        RecordingCloud {
            inner,
            calls: Mutex::new(Vec::new()),
        }
    }

    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// The calls so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The calls so far, forgotten here.
    pub fn take(&self) -> Vec<Call> {
        self.calls
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    fn record<T>(&self, action: Action, args: String, result: &CloudResult<T>) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(Call {
                action,
                args,
                outcome: result.as_ref().map(|_| ()).map_err(|e| e.kind),
            });
        }
    }
}

/// The longest a rendered document may be.
const DOCUMENT_CHARS: usize = 48;

/// A call's argument, rendered short for a [`Call`].
trait Render {
    fn render(&self) -> String;
}

impl Render for str {
    fn render(&self) -> String {
        format!("{self:?}")
    }
}

impl Render for bool {
    fn render(&self) -> String {
        self.to_string()
    }
}

impl Render for Value {
    fn render(&self) -> String {
        let text = self.to_string();
        match text.char_indices().nth(DOCUMENT_CHARS) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text,
        }
    }
}

impl Render for Tags {
    fn render(&self) -> String {
        let pairs: Vec<String> = self.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{{{}}}", pairs.join(", "))
    }
}

impl Render for [String] {
    fn render(&self) -> String {
        format!("{self:?}")
    }
}

impl Render for [ContextEntry] {
    fn render(&self) -> String {
        let entries: Vec<String> = self
            .iter()
            .map(|c| format!("{}={}", c.key, c.values.join("|")))
            .collect();
        format!("[{}]", entries.join(", "))
    }
}

impl Render for NewPolicy<'_> {
    fn render(&self) -> String {
        format!(
            "{:?} at {:?}, {}, tags {}",
            self.name,
            self.path,
            self.document.render(),
            self.tags.render()
        )
    }
}

impl Render for NewRole<'_> {
    fn render(&self) -> String {
        let boundary = match self.permissions_boundary {
            Some(arn) => format!(", boundary {arn:?}"),
            None => String::new(),
        };
        format!(
            "{:?} at {:?}, trust {}{boundary}, tags {}",
            self.name,
            self.path,
            self.trust_policy.render(),
            self.tags.render()
        )
    }
}

impl Render for PolicyKind {
    fn render(&self) -> String {
        format!("{self:?}")
    }
}

/// Implements `Cloud` by forwarding each call of [`super::calls`] and
/// recording it with its outcome.
macro_rules! recording_cloud {
    ($($action:path => $(#[$doc:meta])*
        fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        #[async_trait]
        impl<C: Cloud> Cloud for RecordingCloud<C> {
            $(
                async fn $method(&self $(, $arg: $ty)*) -> CloudResult<$ret> {
                    let args: Vec<String> = vec![$($arg.render()),*];
                    let result = self.inner.$method($($arg),*).await;
                    self.record($action, args.join(", "), &result);
                    result
                }
            )*

            fn observe_retries(&self, observer: RetryObserver) {
                self.inner.observe_retries(observer);
            }
        }
    };
}

super::calls::cloud_calls!(recording_cloud);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::cloud::memory::MemoryCloud;
    use serde_json::json;

    #[tokio::test]
    async fn records_each_call_with_its_arguments_and_outcome() {
        let cloud = RecordingCloud::new(MemoryCloud::new("123456789012", "aws"));
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let tags = Tags::from([("team".to_owned(), "lab".to_owned())]);
        let role = NewRole {
            name: "r",
            path: "/",
            description: "",
            trust_policy: &trust,
            permissions_boundary: None,
            tags: &tags,
        };
        cloud.create_role(role).await.unwrap();
        assert!(cloud.create_role(role).await.is_err());
        assert_eq!(cloud.get_role("nobody").await.unwrap(), None);

        let calls = cloud.take();
        let shown: Vec<String> = calls.iter().map(ToString::to_string).collect();
        assert_eq!(calls.len(), 3, "{shown:?}");
        assert_eq!(calls[0].action, Action::CreateRole);
        assert_eq!(calls[0].outcome, Ok(()));
        assert!(
            calls[0]
                .args
                .starts_with("\"r\" at \"/\", trust {\"Version\":\"2012-10-17\""),
            "{}",
            calls[0].args
        );
        assert!(
            calls[0].args.ends_with("…, tags {team=lab}"),
            "{}",
            calls[0].args
        );
        assert_eq!(calls[1].outcome, Err(ErrorKind::AlreadyExists));
        assert_eq!(shown[2], "GetRole(\"nobody\") -> Ok");
        assert!(cloud.calls().is_empty(), "take forgets them");
    }
}
