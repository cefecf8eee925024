//! onramp's benchmarks, in one binary (each bench binary links the AWS SDK):
//!
//! - [`plan`]: plan, lint and offline verify (criterion);
//! - [`tui`]: the wizard's render and update (criterion);
//! - [`startup`]: the real binary in a pseudo-terminal, time to first frame
//!   and peak memory (its own timing, not criterion's).
//!
//! `cargo bench --bench main` runs them all; a filter after `--` picks by
//! name as criterion does (`-- render/`, `-- 'plan|verify'`, `-- startup`).
//! `--list` names them. Under `cargo test --all-targets` each runs once as a
//! smoke test. Figures: BENCHMARKS.md.

// Benches may unwrap: a failed assumption ends the run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod plan;
mod startup;
mod tui;

use criterion::{Criterion, criterion_group};

criterion_group!(criterion_benches, plan::benches, tui::benches);

/// The name `startup` answers to in a filter and in `--list`.
const STARTUP: &str = "startup";

/// criterion's options that take a value: the argument after one is not
/// the filter.
const VALUED: &[&str] = &[
    "--color",
    "-c",
    "--save-baseline",
    "-s",
    "--baseline",
    "-b",
    "--baseline-lenient",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--profile-time",
    "--plotting-backend",
    "--output-format",
    "--format",
];

/// The filter among the arguments cargo passes: the first one that is
/// neither an option nor an option's value.
fn filter(args: &[String]) -> Option<&str> {
    let mut skip_value = false;
    for arg in args {
        if skip_value {
            skip_value = false;
        } else if arg.starts_with('-') {
            skip_value = VALUED.contains(&arg.as_str());
        } else {
            return Some(arg);
        }
    }
    None
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    criterion_benches();
    Criterion::default().configure_from_args().final_summary();

    // `cargo bench` passes `--bench`; `cargo test` runs the binary without it.
    let bench = args.iter().any(|a| a == "--bench");
    let wanted = filter(&args).is_none_or(|f| STARTUP.contains(f));
    if args.iter().any(|a| a == "--list") {
        if wanted {
            println!("{STARTUP}: benchmark");
        }
    } else if wanted {
        startup::run(bench);
    }
}
