//! The implementations of `triad sweep` and `triad merge`, called by the
//! binary with already-parsed arguments.

use super::{default_out, expect_kind, threads};
use crate::base::output::{utc_now, write_atomic};
use crate::base::{Failed, UsageError};
use crate::report;
use crate::scenario::{FileKind, Overrides, Source};
use crate::sweep::folder::{self, MANIFEST, REPORT};
use crate::sweep::merge;
use crate::sweep::plan::{Shard, SweepPlan};
use crate::sweep::progress::{Progress, Reporter};
use crate::sweep::read::{read_plan, read_runs};
use crate::sweep::{Simulator, default_simulator, runner};
use std::path::{Path, PathBuf};

/// Arguments of `triad sweep` (and of `triad stress`).
#[derive(Debug, Clone, Default)]
pub struct SweepArgs {
    /// The input file (a sweep file; for `triad stress`, a stress plan or a scenario).
    pub file: PathBuf,
    /// Worker threads (`None` = one per core).
    pub threads: Option<usize>,
    /// Output folder (`None` = the command's default, `output/<file stem>/` for sweeps).
    pub out: Option<PathBuf>,
    /// `K/N`: run only shard K of N.
    pub shard: Option<String>,
    /// `--set path=value` changes to the base scenario.
    pub set: Vec<String>,
    /// No progress output.
    pub quiet: bool,
    /// Write into an output folder that is not empty and not this sweep's (starting it
    /// over).
    pub force: bool,
}

fn manifest(
    plan: &SweepPlan,
    extra: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<Vec<u8>> {
    let mut m = serde_json::Map::new();
    m.insert("triad_version".into(), env!("CARGO_PKG_VERSION").into());
    m.insert("plan_fingerprint".into(), plan.fingerprint().into());
    m.insert("runs_total".into(), plan.n_runs().into());
    m.insert("seed".into(), plan.seed.into());
    m.insert("replication_seeds".into(), plan.replication_seeds().into());
    m.extend(extra);
    m.insert("plan".into(), serde_json::to_value(plan)?);
    let mut v = serde_json::to_vec_pretty(&serde_json::Value::Object(m))?;
    v.push(b'\n');
    Ok(v)
}

/// One run of a sweep-like command (`triad sweep`, `triad stress`): a plan, where it goes,
/// which shard, how many threads, the simulator, and what writes the summaries and report
/// once every run of a one-machine run is in.
pub struct Execution<'a> {
    /// The expanded plan.
    pub plan: &'a SweepPlan,
    /// The command's name, for the manifest (`sweep`, `stress`).
    pub command: &'static str,
    /// The file the plan came from.
    pub file: &'a Path,
    /// The output folder.
    pub out: PathBuf,
    /// `K/N`, or none for every run.
    pub shard: Option<&'a str>,
    /// Worker threads (`None` = one per core).
    pub threads: Option<usize>,
    /// No progress output.
    pub quiet: bool,
    /// Write into a folder that is not this plan's (starting it over).
    pub force: bool,
    /// Runs one scenario.
    pub sim: &'a dyn Simulator,
    /// Writes summaries, plots and the report from the finished folder.
    pub finalize: &'a dyn Fn(&Path, &SweepPlan) -> anyhow::Result<()>,
}

impl std::fmt::Debug for Execution<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Execution")
            .field("command", &self.command)
            .field("file", &self.file)
            .field("out", &self.out)
            .field("shard", &self.shard)
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

/// Runs (or resumes) a plan, or one shard of it, into its output folder: streamed
/// `runs.csv`, a manifest before and after, and the report when the run is whole.
pub fn execute(e: Execution<'_>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(e.file).unwrap_or_default();
    execute_text(e, text)
}

/// [`execute`] with the plan's text given (for the manifest), not read from `e.file`.
fn execute_text(e: Execution<'_>, text: String) -> anyhow::Result<()> {
    let started = utc_now();
    let plan = e.plan;
    let shard = match e.shard {
        Some(s) => Shard::parse(s).map_err(UsageError)?,
        None => Shard::ALL,
    };
    if shard.n > plan.n_runs().max(1) {
        return Err(UsageError(format!(
            "--shard {shard}: the plan has {} runs, so at most {} shards (one run each)",
            plan.n_runs(),
            plan.n_runs().max(1)
        ))
        .into());
    }
    let threads = threads(e.threads)?;
    let out = e.out;
    let opened = folder::open(&out, plan, shard, e.force)?;
    let (done, todo) = (opened.done, opened.todo);
    let mut writer = opened.writer;
    let in_shard = done + todo.len();
    let mut info = serde_json::Map::new();
    info.insert("command".into(), e.command.into());
    info.insert(
        format!("{}_file", e.command),
        e.file.display().to_string().into(),
    );
    info.insert(format!("{}_text", e.command), text.into());
    info.insert("shard".into(), shard.to_string().into());
    info.insert("runs_in_shard".into(), in_shard.into());
    info.insert("runs_resumed".into(), done.into());
    info.insert("threads".into(), threads.into());
    info.insert("started".into(), started.into());
    info.insert("status".into(), "running".into());
    write_atomic(&out.join(MANIFEST), &manifest(plan, info.clone())?)?;

    let progress = Reporter::stderr(e.quiet);
    progress.start(in_shard, done);
    runner::run_indices(plan, e.sim, threads, &todo, |o| {
        writer.push(o)?;
        progress.advance(done + writer.written);
        Ok(())
    })?;
    writer.finish()?;
    progress.finish();
    let table = read_runs(&out, plan)?;
    let failed = table.rows.iter().filter(|r| !r.ok).count();
    if shard.n == 1 {
        (e.finalize)(&out, plan)?;
    }
    info.insert("runs_this_session".into(), todo.len().into());
    info.insert("finished".into(), utc_now().into());
    info.insert("status".into(), "complete".into());
    write_atomic(&out.join(MANIFEST), &manifest(plan, info)?)?;
    if !e.quiet {
        if shard.n == 1 {
            eprintln!("wrote {}", out.join(REPORT).display());
        } else {
            eprintln!(
                "shard {shard} done in {}; join the shards with `triad merge`",
                out.display()
            );
        }
    }
    if failed > 0 {
        return Err(Failed(format!(
            "{failed} of {} runs failed; {} lists each with its error (status = failed)",
            table.rows.len(),
            out.join(folder::RUNS).display()
        ))
        .into());
    }
    Ok(())
}

/// `triad sweep`: runs (or resumes) a sweep, or one shard of it, into its output folder.
pub fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    expect_kind(&args.file, &[FileKind::Sweep])?;
    let set = Overrides::parse(&args.set)?;
    let (plan, _) = SweepPlan::load_with(&args.file, &set)?;
    let sim = default_simulator();
    execute(Execution {
        plan: &plan,
        command: "sweep",
        file: &args.file,
        out: args
            .out
            .clone()
            .unwrap_or_else(|| default_out(&args.file, "")),
        shard: args.shard.as_deref(),
        threads: args.threads,
        quiet: args.quiet,
        force: args.force,
        sim: sim.as_ref(),
        finalize: &finalize_sweep,
    })
}

/// `triad sweep` on a plan given as text, not read from a file (the Python package's
/// `triad.sweep` of a dict or of TOML text). `args.file` names the plan in located errors,
/// in the manifest and in the default output folder (`output/<its stem>`), and is not
/// read; `dir` resolves a relative `base`. Everything else is [`sweep`]'s: a folder is a
/// plan's by the plan's fingerprint, so the same plan from a file or from text resumes the
/// other's folder and writes the same runs.csv bytes.
pub fn sweep_text(text: &str, dir: &Path, args: &SweepArgs) -> anyhow::Result<()> {
    let set = Overrides::parse(&args.set)?;
    let name = args
        .file
        .file_stem()
        .map_or_else(|| "sweep".to_string(), |s| s.to_string_lossy().into_owned());
    let src = Source::from_text(args.file.display().to_string(), text);
    let (plan, _) = SweepPlan::load_source_with(&src, dir, &name, &set)?;
    let sim = default_simulator();
    execute_text(
        Execution {
            plan: &plan,
            command: "sweep",
            file: &args.file,
            out: args
                .out
                .clone()
                .unwrap_or_else(|| default_out(&args.file, "")),
            shard: args.shard.as_deref(),
            threads: args.threads,
            quiet: args.quiet,
            force: args.force,
            sim: sim.as_ref(),
            finalize: &finalize_sweep,
        },
        text.to_string(),
    )
}

/// A sweep's summaries, plots and report, from its finished folder.
fn finalize_sweep(out: &Path, plan: &SweepPlan) -> anyhow::Result<()> {
    let warnings = report::finalize(out, plan, &report::markdown::describe(plan))?;
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// `triad merge`: joins shard folders into one folder equal to a one-machine run; `force`
/// writes over an output folder that is not empty and not this sweep's.
pub fn merge(dirs: &[PathBuf], out: Option<&Path>, force: bool) -> anyhow::Result<()> {
    let started = utc_now();
    let first = dirs
        .first()
        .ok_or_else(|| UsageError("triad merge needs at least one shard folder".into()))?;
    let (plan0, _) = read_plan(first)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new("output").join(&plan0.name));
    let plan = merge::merge(dirs, &out, force)?;
    if crate::sensitivity::spec_of(&plan).is_some() {
        crate::sensitivity::report::finalize(&out, &plan)?;
    } else if crate::stress::is_stress_plan(&plan) {
        crate::stress::report::finalize(&out, &plan)?;
    } else {
        for w in report::finalize(&out, &plan, &report::markdown::describe(&plan))? {
            eprintln!("warning: {w}");
        }
    }
    let mut info = serde_json::Map::new();
    info.insert("command".into(), "merge".into());
    info.insert(
        "merged_from".into(),
        dirs.iter()
            .map(|d| serde_json::Value::from(d.display().to_string()))
            .collect::<Vec<_>>()
            .into(),
    );
    info.insert("shard".into(), Shard::ALL.to_string().into());
    info.insert("started".into(), started.into());
    info.insert("finished".into(), utc_now().into());
    info.insert("status".into(), "complete".into());
    write_atomic(&out.join(MANIFEST), &manifest(&plan, info)?)?;
    eprintln!("wrote {}", out.join(REPORT).display());
    Ok(())
}
