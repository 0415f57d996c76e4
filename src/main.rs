//! The `triad` binary: parses arguments and calls the library.

mod cli;

use clap::Parser;
use triad::sweep::cli_commands;

fn run(cli: cli::Cli) -> anyhow::Result<()> {
    match cli.command {
        cli::Command::Selfcheck => Ok(()),
        cli::Command::Sweep {
            file,
            threads,
            out,
            shard,
            quiet,
        } => cli_commands::sweep(&cli_commands::SweepArgs {
            file,
            threads,
            out,
            shard,
            quiet,
        }),
        cli::Command::Merge { dirs, out } => cli_commands::merge(&dirs, out.as_deref()),
        cli::Command::Plot { dir } => cli_commands::plot(&dir),
    }
}

fn main() -> std::process::ExitCode {
    match run(cli::Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => std::process::ExitCode::from(cli_commands::report_error(&e)),
    }
}
