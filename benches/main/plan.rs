#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Plan generation, pure code with no I/O: `onramp::plan::plan` for the
//! answers in `examples/everything.toml`, for genomics answers with 100
//! buckets, `plan` followed by `onramp::plan::lint::lint`, and `plan`
//! followed by every intent's offline verification. The answers are
//! parsed and validated once, outside the measured part.
//!
//! Run with `cargo bench --bench main -- 'plan|verify'`.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::Criterion;
use onramp::answers::{Answers, Environment, ValidAnswers};

const EVERYTHING: &str = include_str!("../../examples/everything.toml");

/// Parses and validates answers written as TOML.
fn valid(toml: &str) -> ValidAnswers {
    Answers::from_toml(toml)
        .expect("the answers parse")
        .validate(&Environment::default())
        .expect("the answers are valid")
}

/// Genomics answers (every option on) reading and writing 100 buckets,
/// `bench-data-000` … `bench-data-099`.
fn hundred_buckets_toml() -> String {
    let buckets = (0..100)
        .map(|i| format!("\"bench-data-{i:03}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut toml = String::new();
    writeln!(toml, "region = \"us-east-1\"").unwrap();
    writeln!(toml, "account_id = \"123456789012\"").unwrap();
    writeln!(toml, "\n[genomics]").unwrap();
    writeln!(toml, "enabled = true").unwrap();
    writeln!(toml, "buckets = [{buckets}]").unwrap();
    writeln!(toml, "public_data_read = true").unwrap();
    writeln!(toml, "ebs_autoscale = true").unwrap();
    writeln!(toml, "spot = true").unwrap();
    writeln!(toml, "job_role = true").unwrap();
    toml
}

pub fn benches(c: &mut Criterion) {
    let everything = valid(EVERYTHING);
    let hundred = valid(&hundred_buckets_toml());

    // The inputs are what the names say (and plan cleanly) before timing them.
    let plan = onramp::plan::plan(&everything).expect("everything plans");
    assert!(!plan.resources.is_empty());
    let plan = onramp::plan::plan(&hundred).expect("100 buckets plan");
    assert!(!plan.resources.is_empty());

    c.bench_function("plan_everything", |b| {
        b.iter(|| onramp::plan::plan(black_box(&everything)).unwrap());
    });
    c.bench_function("plan_100_buckets", |b| {
        b.iter(|| onramp::plan::plan(black_box(&hundred)).unwrap());
    });
    c.bench_function("plan_and_lint_everything", |b| {
        b.iter(|| {
            let plan = onramp::plan::plan(black_box(&everything)).unwrap();
            let findings = onramp::plan::lint::lint(&plan);
            (plan, findings)
        });
    });
    // What the wizard's review adds to every answer change, and what
    // `verify --offline` does: every intent evaluated against the plan.
    let verify_offline = |answers: &ValidAnswers| {
        let plan = onramp::plan::plan(answers).unwrap();
        let intents = onramp::verify::intents(answers, &plan);
        onramp::verify::check(&intents, |s| onramp::verify::offline::evidence(&plan, s))
    };
    let outcomes = verify_offline(&everything);
    assert!(outcomes.len() > 30 && outcomes.iter().all(|o| o.verdict.holds()));
    c.bench_function("verify_offline_everything", |b| {
        b.iter(|| verify_offline(black_box(&everything)));
    });
    c.bench_function("verify_offline_100_buckets", |b| {
        b.iter(|| verify_offline(black_box(&hundred)));
    });
}
