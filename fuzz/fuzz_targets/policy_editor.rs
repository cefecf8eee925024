//! Any text typed into the policy editor, for a managed policy and for a
//! trust policy in each partition: the check must return a verdict, never
//! panic, and never allow saving something that is not JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onramp::iam::names::EntityKind;
use onramp::plan::ResourceId;
use onramp::tui::app::DocRef;
use onramp::tui::screens::editor::check;

fuzz_target!(|text: &str| {
    for (kind, label) in [
        (EntityKind::ManagedPolicy, "document"),
        (EntityKind::Role, "trust_policy"),
        (EntityKind::Role, "inline_policy"),
    ] {
        let doc = DocRef {
            id: ResourceId {
                kind,
                name: "fuzzed".to_owned(),
            },
            label: label.to_owned(),
        };
        for partition in ["aws", "aws-cn", "aws-us-gov"] {
            let verdict = check(text, &doc, partition);
            if verdict.can_save() {
                assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
            }
        }
    }
});
