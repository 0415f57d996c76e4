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
            replications,
            set,
            quiet,
            force,
        } => commands::run(&commands::RunArgs {
            file,
            seed,
            out,
            policy,
            replications,
            set,
            quiet,
            force,
        })
        .map(|_| ()),
        Command::Validate { files } => commands::validate(&files),
        Command::Sweep {
            file,
            threads,
            out,
            shard,
            set,
            quiet,
            force,
        } => commands::sweep(&commands::SweepArgs {
            file,
            threads,
            out,
            shard,
            set,
            quiet,
            force,
        }),
        Command::Stress {
            file,
            threads,
            out,
            shard,
            set,
            quiet,
            force,
        } => commands::stress(&commands::StressArgs {
            file,
            threads,
            out,
            shard,
            set,
            quiet,
            force,
        }),
        Command::Sensitivity {
            file,
            threads,
            out,
            shard,
            set,
            quiet,
            force,
        } => commands::sensitivity(&commands::SensitivityArgs {
            file,
            threads,
            out,
            shard,
            set,
            quiet,
            force,
        }),
        Command::Merge { dirs, out, force } => commands::merge(&dirs, out.as_deref(), force),
        Command::Plot { dir, metric, facet } => {
            commands::plot(&commands::PlotArgs { dir, metric, facet })
        }
        Command::Reproduce {
            quick,
            claim,
            out,
            threads,
            seed,
            expect,
            force,
            robustness,
        } => commands::reproduce(&commands::ReproduceArgs {
            claim,
            quick,
            out,
            threads,
            seed,
            expect,
            force,
            robustness,
        }),
        Command::CheckClaim {
            claim,
            file,
            set,
            quick,
            seed,
            robustness,
            out,
            threads,
        } => match (robustness, file) {
            (false, Some(file)) => commands::check_claim(&claim, &file, &set, quick, seed),
            (_, file) => commands::check_claim_robustness(
                &claim,
                file.as_deref(),
                &set,
                quick,
                seed,
                out,
                threads,
            ),
        },
        Command::Policies => commands::policies(),
        Command::Optimize {
            file,
            out,
            threads,
            set,
            quiet,
            force,
        } => commands::optimize(&commands::OptimizeArgs {
            file,
            out,
            threads,
            set,
            quiet,
            force,
        })
        .map(|_| ()),
        Command::Calibrate {
            file,
            set,
            out,
            threads,
            seed,
            quiet,
            force,
        } => commands::calibrate(&commands::CalibrateArgs {
            file,
            set,
            out,
            threads,
            seed,
            quiet,
            force,
        })
        .map(|_| ()),
    }
}
