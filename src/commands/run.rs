//! `triad run`: one scenario, its summary on stdout and its files.

use super::{UsageError, default_out, expect_kind};
use crate::base::outdir::{self, MANIFEST, Owner};
use crate::base::output::{csv_bytes, utc_now, write_atomic};
use crate::base::stats::mean_ci;
use crate::engine::hash2;
use crate::model::{RunResult, SERIES_COLUMNS};
use crate::policy::BuiltIn;
use crate::scenario::{self, FileKind, Scenario};
use anyhow::Context;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `triad run`.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Seed; the scenario's own when absent.
    pub seed: Option<u64>,
    /// Output folder; `output/<scenario file stem>` when absent.
    pub out: Option<PathBuf>,
    /// Policy kind to use instead of the scenario's (its parameters take defaults).
    pub policy: Option<String>,
    /// Replications: `N` runs with seeds `hash2(seed, r)`, `r = 0..N` (as sweeps and
    /// calibrations seed theirs), a row each in run.csv and their mean and 95% confidence
    /// interval in summary.csv. `None`: one run with the seed itself.
    pub replications: Option<u32>,
    /// `--set path=value` changes to the scenario.
    pub set: Vec<String>,
    /// Print nothing but errors.
    pub quiet: bool,
    /// Write into an output folder that is not empty and not a run of this scenario.
    pub force: bool,
}

/// Most replications of one `triad run` (a larger study is a sweep).
const MAX_REPLICATIONS: u32 = 10_000;

/// Runs one scenario (or `--replications` of it), prints a summary and writes `run.csv`,
/// `timeseries.csv` (of the first replication), `manifest.json` and, with replications,
/// `summary.csv`. Returns the first replication's result.
pub fn run(args: &RunArgs) -> anyhow::Result<RunResult> {
    expect_kind(&args.file, &[FileKind::Scenario])?;
    let set = scenario::Overrides::parse(&args.set)?;
    let src = scenario::Source::read(&args.file)?;
    let cfg = resolve(&src, args.policy.as_deref(), &set)?;
    let seed = args.seed.unwrap_or(cfg.world.seed);
    let seeds: Vec<u64> = match args.replications {
        None => vec![seed],
        Some(n) if n == 0 || n > MAX_REPLICATIONS => {
            return Err(UsageError(format!(
                "--replications must be in 1..={MAX_REPLICATIONS} (got {n}); a larger study is \
                 a sweep (docs/sweeps.md)"
            ))
            .into());
        }
        Some(n) => (0..n as u64).map(|r| hash2(seed, r)).collect(),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.file, ""));
    let file = scenario_id(&args.file);
    outdir::claim(&out, args.force, |d| owner(d, &file))?;
    let started = utc_now();
    let clock = Instant::now();
    let results: Vec<RunResult> = seeds
        .par_iter()
        .map(|&s| cfg.run(s))
        .collect::<Result<_, _>>()
        .context("the simulation stopped")?;
    let wall = clock.elapsed().as_secs_f64();
    let run = Ran {
        cfg: &cfg,
        file: &file,
        seed,
        seeds: &seeds,
        replicated: args.replications.is_some(),
        set: &set,
        results: &results,
    };
    write_outputs(&out, &run, &started, wall)?;
    if !args.quiet {
        print_summary(&run, wall, &out);
    }
    results
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no replication ran"))
}

/// The scenario `triad run` runs: `src` read and validated with the `--set` changes `set`,
/// and with `--policy kind` the built-in policy `kind` in place of the file's (the file's
/// policy keys that `kind` also has are kept). A problem of the file or of a change is an
/// [`scenario::InputError`] located in the file or at its `--set` argument; an unknown
/// policy, or one the scenario refuses, a [`UsageError`]. The Python module resolves its
/// scenarios with it too, so a run from Python is the run of the command line.
pub fn resolve(
    src: &scenario::Source,
    policy: Option<&str>,
    set: &scenario::Overrides,
) -> anyhow::Result<Scenario> {
    Ok(match policy {
        Some(kind) => {
            let mut table = src.table()?;
            let policy = policy_by_name(kind, &table)?;
            table.insert("policy".into(), toml::Value::Table(policy));
            set.apply(&mut table)?;
            scenario::from_table_in(src, &table).map_err(|e| {
                let msgs: Vec<String> = e.problems.iter().map(|p| p.message.clone()).collect();
                UsageError(format!("--policy {kind}: {}", msgs.join("; ")))
            })?
        }
        None => scenario::parse_with(src, set)?,
    })
}

/// A finished `triad run`: what ran and what came out.
struct Ran<'a> {
    cfg: &'a Scenario,
    file: &'a str,
    /// The root seed.
    seed: u64,
    /// One per replication.
    seeds: &'a [u64],
    /// Whether `--replications` was given (summary.csv is written).
    replicated: bool,
    set: &'a scenario::Overrides,
    results: &'a [RunResult],
}

/// The built-in policy `kind` as a `[policy]` table, with every key of the scenario's own
/// `[policy]` table that it also has (tiers, samples, acceptance, ...): `--policy` swaps
/// the rule, not the setting.
fn policy_by_name(kind: &str, written: &toml::Table) -> anyhow::Result<toml::Table> {
    let b = BuiltIn::find(kind).ok_or_else(|| {
        let kinds: Vec<&str> = crate::policy::REGISTRY.iter().map(|b| b.kind).collect();
        UsageError(format!(
            "--policy {}: no built-in policy has that name; the policies are {} (see `triad \
             policies`)",
            kind.escape_debug(),
            kinds.join(", ")
        ))
    })?;
    let mut kept: toml::Table = match written.get("policy") {
        Some(toml::Value::Table(t)) => t
            .iter()
            .filter(|(k, _)| *k != "kind" && b.has(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => toml::Table::new(),
    };
    kept.insert("kind".into(), toml::Value::String(b.kind.into()));
    Ok(kept)
}

/// How a run's manifest names its scenario file: its absolute path.
fn scenario_id(file: &Path) -> String {
    file.canonicalize()
        .unwrap_or_else(|_| file.to_path_buf())
        .display()
        .to_string()
}

/// Whose the non-empty folder `dir` is, for a run of the scenario file `file`
/// ([`scenario_id`]): ours when its manifest records a run of the same file.
fn owner(dir: &Path, file: &str) -> Owner {
    if let Some(o) = outdir::other_command(dir, &["run"]) {
        return o;
    }
    let Some(m) = outdir::manifest(dir) else {
        return Owner::Other(outdir::describe(dir));
    };
    match m.get("scenario_file").and_then(|v| v.as_str()) {
        Some(f) if f == file => Owner::Ours,
        Some(f) => Owner::Other(format!("the results of `triad run {f}`")),
        None if m.get("command").is_some() => {
            Owner::Other("the results of `triad run` of an unknown scenario".into())
        }
        None => Owner::Other(outdir::describe(dir)),
    }
}

fn write_outputs(out: &Path, run: &Ran<'_>, started: &str, wall: f64) -> anyhow::Result<()> {
    let events: u64 = run.results.iter().map(|r| r.metrics.events).sum();
    let mut manifest = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "run",
        "scenario_file": run.file,
        "seed": run.seed,
        "threads": 1,
        "started": started,
        "finished": utc_now(),
        "wall_s": wall,
        "events": events,
        "events_per_s": events as f64 / wall.max(1e-9),
        "scenario": run.cfg,
    });
    if run.replicated {
        manifest["replications"] = run.seeds.len().into();
        manifest["replication_seeds"] = run.seeds.into();
        manifest["threads"] = rayon::current_num_threads().into();
    }
    if !run.set.is_empty() {
        manifest["set"] = run.set.describe().into();
    }
    // The manifest first: it marks the folder as this run's, even if a later write fails.
    write_atomic(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    let first = &run.results[0];
    let cols = first.columns();
    let mut header = vec!["scenario".to_string(), "seed".to_string()];
    header.extend(cols.iter().map(|(n, _)| n.clone()));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    let all: Vec<Vec<(String, f64)>> = run.results.iter().map(|r| r.columns()).collect();
    for (r, &s) in all.iter().zip(run.seeds) {
        let mut row = vec![run.cfg.world.name.clone(), s.to_string()];
        row.extend(r.iter().map(|(_, v)| crate::base::fmt::opt_num(*v)));
        w.write_record(&row)?;
    }
    write_atomic(&out.join("run.csv"), &w.into_inner()?)?;
    let header: Vec<String> = SERIES_COLUMNS.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<f64>> = first.series.rows.iter().map(|x| x.to_vec()).collect();
    write_atomic(&out.join("timeseries.csv"), &csv_bytes(&header, &rows))?;
    if run.replicated {
        write_atomic(&out.join(SUMMARY), &summary_csv(&all)?)?;
    }
    Ok(())
}

/// The summary file of a replicated run.
const SUMMARY: &str = "summary.csv";

/// Confidence level of summary.csv's intervals.
const LEVEL: f64 = 0.95;

/// One row per metric: the replications where it is defined (`n`), their mean, standard
/// deviation and the Student-t 95% interval of the mean; undefined values are left out, an
/// undefined statistic is an empty field.
fn summary_csv(all: &[Vec<(String, f64)>]) -> anyhow::Result<Vec<u8>> {
    use crate::base::fmt::opt_num;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "n", "mean", "sd", "ci_low", "ci_high"])?;
    for (k, (name, _)) in all[0].iter().enumerate() {
        let xs: Vec<f64> = all.iter().map(|r| r[k].1).filter(|x| !x.is_nan()).collect();
        let m = mean_ci(&xs, LEVEL);
        w.write_record([
            name.clone(),
            m.n.to_string(),
            opt_num(m.mean),
            opt_num(m.sd),
            opt_num(m.lo),
            opt_num(m.hi),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// A metric over the replications: the value of one run, or the mean with the half width
/// of its 95% interval.
fn over_reps(run: &Ran<'_>, name: &str, show: impl Fn(f64) -> String) -> String {
    let xs: Vec<f64> = run
        .results
        .iter()
        .filter_map(|r| {
            r.columns()
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
        })
        .filter(|x| !x.is_nan())
        .collect();
    if xs.is_empty() {
        return "n/a".into();
    }
    if run.results.len() == 1 {
        return show(xs[0]);
    }
    let m = mean_ci(&xs, LEVEL);
    if m.hi.is_nan() {
        show(m.mean)
    } else {
        format!("{} ± {}", show(m.mean), show(m.half_width()))
    }
}

fn print_summary(run: &Ran<'_>, wall: f64, out: &Path) {
    let cfg = &run.cfg.world;
    let common = run.cfg.policy.common();
    let shares = common.shares.resolve();
    let reps = run.results.len();
    if reps == 1 {
        crate::say!(
            "triad run: {} (seed {}, {} simulated hours)",
            cfg.name,
            run.seeds[0],
            cfg.horizon_hours
        );
    } else {
        crate::say!(
            "triad run: {} ({reps} replications from seed {}, {} simulated hours; mean ± half \
             width of the 95% interval)",
            cfg.name,
            run.seed,
            cfg.horizon_hours
        );
    }
    crate::say!(
        "policy {}: tiers evolver {} / user {} / verifier {}; shares {:.2} / {:.2} / {:.2} \
         (at the start)",
        run.cfg.policy.kind(),
        common.tiers.evolver,
        common.tiers.user,
        common.tiers.verifier,
        shares.evolver,
        shares.user,
        shares.verifier
    );
    if !run.set.is_empty() {
        crate::say!("--set {}", run.set.describe().join(", "));
    }
    if let Some(skills) = super::validate::skills_from_scores(cfg) {
        crate::say!("skills from MMLU-Pro scores: {skills}");
    }
    crate::say!();
    let line = |label: &str, value: String| crate::say!("  {label:<28} {value:>14}");
    let f1 = |x: f64| format!("{x:.1}");
    let f0 = |x: f64| format!("{x:.0}");
    let money = |x: f64| format!("${x:.2}");
    let sig = crate::base::fmt::sig;
    let p = |n: &str, f: &dyn Fn(f64) -> String| over_reps(run, n, f);
    line("yield (value solved)", p("yield", &f1));
    line(
        "tasks solved / attempted",
        format!("{} / {}", p("tasks_solved", &f0), p("tasks_attempted", &f0)),
    );
    line("tasks unserved", p("tasks_unserved", &f0));
    let budget = match cfg.budget_per_day {
        Some(d) => format!(
            "${:.2} (${d}/day{})",
            cfg.budget,
            if cfg.carry_over { ", carried over" } else { "" }
        ),
        None => format!("${:.2}", cfg.budget),
    };
    line(
        "spend (of budget)",
        format!("{} / {budget}", p("spend_total", &money)),
    );
    line(
        "  spent evolver/user/verifier",
        format!(
            "{} / {} / {}",
            p("spend_evolver", &f0),
            p("spend_user", &f0),
            p("spend_verifier", &f0)
        ),
    );
    line(
        "  allocated",
        format!(
            "{} / {} / {}",
            p("allocated_evolver", &f0),
            p("allocated_user", &f0),
            p("allocated_verifier", &f0)
        ),
    );
    line(
        "  unspent",
        format!(
            "{} / {} / {}",
            p("unspent_evolver", &f0),
            p("unspent_user", &f0),
            p("unspent_verifier", &f0)
        ),
    );
    line("yield per dollar", p("yield_per_dollar", &sig));
    line(
        "edits proposed / distinct",
        format!(
            "{} / {}",
            p("edits_proposed", &f0),
            p("edits_distinct", &f0)
        ),
    );
    line(
        "edits accepted (harmful)",
        format!("{} ({})", p("edits_accepted", &f0), p("edits_harmful", &f0)),
    );
    let f3 = |x: f64| format!("{x:.3}");
    line(
        "harness quality final/mean",
        format!(
            "{} / {}",
            p("harness_quality_final", &f3),
            p("harness_quality_mean", &f3)
        ),
    );
    line(
        "harness benefit (p.p.)",
        p("harness_benefit", &|x| sig(100.0 * x)),
    );
    line("verifier accuracy", p("verifier_accuracy", &sig));
    let events: u64 = run.results.iter().map(|r| r.metrics.events).sum();
    line(
        "events (per second)",
        format!(
            "{} ({:.2}M/s)",
            events,
            events as f64 / wall.max(1e-9) / 1e6
        ),
    );
    crate::say!();
    let summary = if run.replicated { ", summary.csv" } else { "" };
    crate::say!(
        "wrote {}/run.csv, timeseries.csv{summary}, manifest.json",
        out.display()
    );
}
