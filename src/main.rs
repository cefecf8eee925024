//! The `onramp` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use onramp::cli::{Cli, ProcessEnv};
use onramp::commands::run;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(path) = &cli.log_file {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(file) => tracing_subscriber::fmt()
                .with_writer(std::sync::Mutex::new(file))
                .with_ansi(false)
                .with_max_level(tracing::Level::DEBUG)
                .init(),
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
