//! The command line: clap definitions only.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// triad simulates how a fixed model budget should be split between the agents that evolve
/// a harness (evolvers), the agents that use it (users) and the agents that judge both
/// (verifiers), and which model tier should fill each role.
///
/// Start with `triad run scenarios/baseline.toml`; every scenario key is documented in
/// that file and in docs/model.md.
#[derive(Debug, Parser)]
#[command(name = "triad", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario: prints a summary, writes run.csv, timeseries.csv and manifest.json.
    Run {
        /// The scenario file (TOML).
        file: PathBuf,
        /// Seed of the run (default: the scenario's `seed`). Same seed, same bytes out.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: output/<file stem>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Use this built-in policy, with its default parameters, instead of the
        /// scenario's [policy] (see `triad policies`).
        #[arg(long)]
        policy: Option<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// List the built-in policies with their parameters, defaults and meanings.
    Policies,
    /// Check scenario files without running them; reports every problem with file, line
    /// and column, and exits with code 2 if any file has one.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
