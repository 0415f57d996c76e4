//! `triad sensitivity`: expands a sensitivity plan into a sweep, runs it on the sweep
//! machinery (parallel, common random numbers, resume, shards) and writes the indices,
//! plots and report.

use super::sweep::{Execution, SweepArgs, execute};
use super::{default_out, expect_kind};
use crate::scenario::FileKind;
use crate::sensitivity::{Evaluator, plan, report};
use crate::sweep::default_simulator;

/// Arguments of `triad sensitivity`: those of a sweep. The default output folder is
/// `output/sensitivity/<stem>/`.
pub type SensitivityArgs = SweepArgs;

/// `triad sensitivity`: runs (or resumes) a sensitivity analysis, or one shard of it.
pub fn sensitivity(args: &SensitivityArgs) -> anyhow::Result<()> {
    expect_kind(&args.file, &[FileKind::Sensitivity])?;
    super::install_base_set(&args.file, &args.set)?;
    let plan = plan::load(&args.file)?;
    let world = default_simulator();
    let sim = Evaluator::new(&plan, world.as_ref())
        .ok_or_else(|| anyhow::anyhow!("the plan carries no analysis"))?;
    execute(Execution {
        plan: &plan,
        command: "sensitivity",
        file: &args.file,
        out: args
            .out
            .clone()
            .unwrap_or_else(|| default_out(&args.file, "sensitivity")),
        shard: args.shard.as_deref(),
        threads: args.threads,
        quiet: args.quiet,
        force: args.force,
        sim: &sim,
        finalize: &|out, plan| report::finalize(out, plan),
    })
}
