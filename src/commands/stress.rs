//! `triad stress`: expands a stress plan (or the default plan of a scenario) into a sweep,
//! runs it on the sweep machinery (parallel, common random numbers, resume, shards) and
//! writes the stress report.

use super::sweep::{Execution, SweepArgs, execute};
use super::{default_out, expect_kind};
use crate::scenario::{FileKind, Overrides};
use crate::stress::{OnceAtZero, plan, report};
use crate::sweep::default_simulator;

/// Arguments of `triad stress`: those of a sweep. The file is a stress plan or a scenario
/// (which gets the default plan); the default output folder is `output/stress/<stem>/`.
pub type StressArgs = SweepArgs;

/// `triad stress`: runs (or resumes) a stress test, or one shard of it.
pub fn stress(args: &StressArgs) -> anyhow::Result<()> {
    expect_kind(&args.file, &[FileKind::Stress, FileKind::Scenario])?;
    let set = Overrides::parse(&args.set)?;
    let (plan, _) = plan::load_checked_with(&args.file, &set)?;
    let world = default_simulator();
    let sim = OnceAtZero::new(world.as_ref());
    execute(Execution {
        plan: &plan,
        command: "stress",
        file: &args.file,
        out: args
            .out
            .clone()
            .unwrap_or_else(|| default_out(&args.file, "stress")),
        shard: args.shard.as_deref(),
        threads: args.threads,
        quiet: args.quiet,
        force: args.force,
        sim: &sim,
        finalize: &|out, plan| report::finalize(out, plan),
    })
}
