//! The command line: clap definitions only.

use clap::{Parser, Subcommand};

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
