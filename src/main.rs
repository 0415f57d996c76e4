//! The `triad` binary: parses arguments and calls the library.

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;
use triad::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            if e.downcast_ref::<triad::scenario::InputError>().is_some()
                || e.downcast_ref::<commands::UsageError>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            file,
            seed,
            out,
            policy,
            quiet,
        } => commands::run(&commands::RunArgs {
            file,
            seed,
            out,
            policy,
            quiet,
        })
        .map(|_| ()),
        Command::Validate { files } => commands::validate(&files),
        Command::Policies => commands::policies(),
    }
}
