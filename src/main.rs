//! The `triad` binary: parses arguments and calls the library.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Selfcheck => std::process::ExitCode::SUCCESS,
    }
}
