//! `triad optimize`: the best setting of a plan's decision variables under noise.

use super::{default_out, expect_kind, threads};
use crate::base::outdir::{self, MANIFEST, Owner};
use crate::base::output::{utc_now, write_atomic};
use crate::optimize::{self, EVALUATIONS, Progress, Store};
use crate::scenario::FileKind;
use crate::sweep::WorldSimulator;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `triad optimize`.
#[derive(Debug, Clone, Default)]
pub struct OptimizeArgs {
    /// The plan file.
    pub file: PathBuf,
    /// Output folder; `output/optimize/<file stem>` when absent.
    pub out: Option<PathBuf>,
    /// Worker threads (`None` = one per core).
    pub threads: Option<usize>,
    /// `--set path=value` changes to the base scenario.
    pub set: Vec<String>,
    /// No progress output.
    pub quiet: bool,
    /// Write into a folder that is not empty and not this plan's (starting it over).
    pub force: bool,
}

struct Stderr {
    quiet: bool,
    started: Instant,
}

impl Progress for Stderr {
    fn generation(&self, n: usize, runs: usize, best: Option<f64>) {
        if !self.quiet {
            eprintln!(
                "optimize: generation {n}, {runs} runs, incumbent {} ({:.1} s)",
                best.map_or("none yet".into(), crate::base::fmt::sig),
                self.started.elapsed().as_secs_f64()
            );
        }
    }
    fn finals(&self, n: usize) {
        if !self.quiet {
            eprintln!(
                "optimize: re-running the {n} finalist{}",
                if n == 1 { "" } else { "s" }
            );
        }
    }
}

/// Whose the non-empty folder `dir` is, for a plan with fingerprint `fp`.
fn owner(dir: &Path, fp: &str) -> Owner {
    if let Some(o) = outdir::other_command(dir, &["optimize"]) {
        return o;
    }
    let Some(m) = outdir::manifest(dir) else {
        return Owner::Other(outdir::describe(dir));
    };
    match (
        m.get("optimize_file").and_then(|v| v.as_str()),
        m.get("optimize_fingerprint").and_then(|v| v.as_str()),
    ) {
        (Some(_), Some(f)) if f == fp => Owner::Ours,
        (Some(file), _) => Owner::Other(format!(
            "the results of `triad optimize {file}` for another plan (the plan, its base \
             scenario or triad's version differ, so its runs cannot be reused)"
        )),
        (None, _) => Owner::Other(outdir::describe(dir)),
    }
}

/// What `triad optimize` found: a best setting (one objective) or a Pareto front (two).
#[derive(Debug)]
pub enum Found {
    /// One objective: the search and its finalists.
    Best(Box<optimize::Outcome>),
    /// Two objectives: the front.
    Front(Box<optimize::Front>),
}

/// Runs (or resumes) an optimisation and writes its files.
pub fn optimize(args: &OptimizeArgs) -> anyhow::Result<Found> {
    expect_kind(&args.file, &[FileKind::Optimization])?;
    super::install_base_set(&args.file, &args.set)?;
    let plan = optimize::load(&args.file)?;
    let threads = threads(args.threads)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.file, "optimize"));
    let fp = plan.fingerprint();
    let found = outdir::claim(&out, args.force, |d| owner(d, &fp))?;
    let store = Store::open(&out, &plan, found == outdir::Found::Ours)?;
    let (recorded, _) = store.counts();
    let clock = Instant::now();
    let id = args
        .file
        .canonicalize()
        .unwrap_or_else(|_| args.file.clone())
        .display()
        .to_string();
    let mut manifest = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "optimize",
        "optimize_file": id,
        "optimize_text": std::fs::read_to_string(&args.file).unwrap_or_default(),
        "optimize_fingerprint": fp,
        "seed": plan.seed,
        "budget": plan.budget,
        "replications": plan.replications,
        "threads": threads,
        "started": utc_now(),
        "status": "running",
        "runs_recorded": recorded,
    });
    write_atomic(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    if !args.quiet && recorded > 0 {
        eprintln!(
            "optimize: resuming: {recorded} runs recorded in {} are reused, not run again",
            out.join(EVALUATIONS).display()
        );
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let progress = Stderr {
        quiet: args.quiet,
        started: clock,
    };
    let _guard = crate::base::interrupt::guard();
    let shown = args.file.display().to_string();
    if plan.pareto.is_some() {
        let front =
            pool.install(|| optimize::pareto::front(&plan, &WorldSimulator, &store, &progress))?;
        optimize::write_front(&out, &plan, &front, &shown)?;
        finish(&out, &store, &mut manifest, clock, front.runs)?;
        if !args.quiet {
            let on = front
                .points
                .iter()
                .filter(|p| p.status == optimize::Status::Front)
                .count();
            eprintln!(
                "optimize: a Pareto front of {on} points ({} re-evaluated) after {} runs in \
                 {:.1} s; wrote {}",
                front.points.len(),
                front.runs,
                clock.elapsed().as_secs_f64(),
                out.join("report.md").display()
            );
        }
        return Ok(Found::Front(Box::new(front)));
    }
    let outcome = pool.install(|| optimize::optimize(&plan, &WorldSimulator, &store, &progress))?;
    optimize::write(&out, &plan, &outcome, &shown)?;
    finish(&out, &store, &mut manifest, clock, outcome.runs)?;
    if !args.quiet {
        let b = outcome.best();
        eprintln!(
            "optimize: best {}: {} = {} after {} runs in {:.1} s; wrote {}",
            optimize::describe(&b.candidate.values),
            plan.objective,
            crate::base::fmt::estimate(b.objective.mean, b.objective.lo, b.objective.hi),
            outcome.runs,
            clock.elapsed().as_secs_f64(),
            out.join("report.md").display()
        );
    }
    Ok(Found::Best(Box::new(outcome)))
}

/// Marks the manifest complete, with the wall time and the runs used and reused.
fn finish(
    out: &Path,
    store: &Store,
    manifest: &mut serde_json::Value,
    clock: Instant,
    runs: usize,
) -> anyhow::Result<()> {
    let (_, reused) = store.counts();
    manifest["status"] = "complete".into();
    manifest["finished"] = utc_now().into();
    manifest["wall_s"] = clock.elapsed().as_secs_f64().into();
    manifest["runs"] = runs.into();
    manifest["runs_reused"] = reused.into();
    write_atomic(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )
}
