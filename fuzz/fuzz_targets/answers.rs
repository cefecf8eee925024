//! Any text as an answers file: parsing, validation, planning and lint must
//! answer with a result or an error, never a panic, and a valid file must
//! plan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onramp::answers::{Answers, Environment};
use onramp::plan::{lint::lint, plan};

fuzz_target!(|text: &str| {
    let Ok(answers) = Answers::from_toml(text) else {
        return;
    };
    let env = Environment {
        region_flag: None,
        region_env: Some("us-east-1".to_owned()),
        account_id: Some("123456789012".to_owned()),
    };
    let Ok(valid) = answers.validate(&env) else {
        return;
    };
    if let Ok(plan) = plan(&valid) {
        let _ = lint(&plan);
    }
    // What was read must also write back out and read again.
    let again = Answers::from_toml(&answers.to_toml());
    assert!(again.is_ok(), "saved answers do not read back: {again:?}");
});
