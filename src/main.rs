//! The `onramp` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use onramp::cli::{Cli, ProcessEnv};
use onramp::commands::run;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(path) = &cli.log_file {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(file) => {
                // onramp's own events at debug (each IAM request, each step);
                // the SDK's only from info up: at debug, aws-smithy dumps its
                // whole configuration, access key id included, into the log.
                let targets = Targets::new()
                    .with_target("onramp", Level::DEBUG)
                    .with_default(Level::INFO);
                tracing_subscriber::registry()
                    .with(
                        tracing_subscriber::fmt::layer()
                            .with_writer(std::sync::Mutex::new(file))
                            .with_ansi(false)
                            .with_filter(targets),
                    )
                    .init();
            }
            Err(e) => {
                eprintln!("onramp: cannot open the log file {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let outcome = run(
        &cli,
        &ProcessEnv::from_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(outcome as u8)
}
