//! The command line: clap definitions only.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// triad simulates how a fixed model budget should be split between the agents that evolve
/// a harness (evolvers), the agents that use it (users) and the agents that judge both
/// (verifiers), and which model tier should fill each role.
#[derive(Debug, Parser)]
#[command(name = "triad", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the engine's self-check: an M/M/1 queue against theory.
    Selfcheck,
    /// Run a sweep file: a grid or sample of parameters x policies x replications, in
    /// parallel; writes runs.csv (streamed), summary.csv, paired.csv, plots and report.md.
    /// Rerunning into the same folder resumes.
    Sweep {
        /// The sweep file (TOML), e.g. scenarios/sweeps/allocation.toml.
        file: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Output folder (default: output/<sweep file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only shard K of N (runs i with i % N == K - 1); join with `triad merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
    },
    /// Join the shard folders of one sweep into one folder, byte-identical to a
    /// one-machine run.
    Merge {
        /// The shard folders.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output folder (default: output/<sweep name>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Redraw the plots of a finished sweep folder from its CSVs.
    Plot {
        /// The sweep's output folder.
        dir: PathBuf,
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
