//! The `triad` binary: parses arguments and calls the library.

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;
use triad::commands;

fn main() -> ExitCode {
    triad::base::interrupt::install();
    let cli = Cli::parse();
    triad::scenario::bounds::enforce(!cli.no_limits);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => ExitCode::from(commands::report_error(&e)),
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
        Command::Sweep {
            file,
            threads,
            out,
            shard,
            quiet,
        } => commands::sweep(&commands::SweepArgs {
            file,
            threads,
            out,
            shard,
            quiet,
        }),
        Command::Stress {
            file,
            threads,
            out,
            shard,
            quiet,
        } => commands::stress(&commands::StressArgs {
            file,
            threads,
            out,
            shard,
            quiet,
        }),
        Command::Merge { dirs, out } => commands::merge(&dirs, out.as_deref()),
        Command::Plot { dir } => commands::plot(&dir),
        Command::Reproduce {
            quick,
            claim,
            out,
            threads,
            seed,
            expect,
        } => {
            let args = commands::ReproduceArgs {
                claim,
                quick,
                out,
                threads,
                seed,
                expect,
            };
            if commands::reproduce(&args)? {
                Ok(())
            } else {
                Err(triad::base::Failed(
                    "not every claim came out as expected (see the table above)".into(),
                )
                .into())
            }
        }
        Command::CheckClaim {
            claim,
            file,
            quick,
            seed,
        } => {
            if commands::check_claim(&claim, &file, quick, seed)? {
                Ok(())
            } else {
                Err(triad::base::Failed(format!(
                    "claim {claim} does not hold on {} (see the table above)",
                    file.display()
                ))
                .into())
            }
        }
        Command::Policies => commands::policies(),
    }
}
