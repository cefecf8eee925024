//! The `onramp` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use onramp::cli::{Cli, ProcessEnv};
use onramp::commands::run;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = run(
        &cli,
        &ProcessEnv::from_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(outcome as u8)
}
