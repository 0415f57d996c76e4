//! `triad run`: one scenario, its summary on stdout and its files.

use super::{UsageError, default_out, expect_kind};
use crate::base::outdir::{self, MANIFEST, Owner};
use crate::base::output::{csv_bytes, utc_now, write_atomic};
use crate::model::{RunResult, SERIES_COLUMNS, WorldConfig};
use crate::policy::{BuiltIn, PolicyConfig};
use crate::scenario::{self, FileKind, Scenario};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `triad run`.
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// Seed; the scenario's own when absent.
    pub seed: Option<u64>,
    /// Output folder; `output/<scenario file stem>` when absent.
    pub out: Option<PathBuf>,
    /// Policy kind to use instead of the scenario's (its parameters take defaults).
    pub policy: Option<String>,
    /// Print nothing but errors.
    pub quiet: bool,
    /// Write into an output folder that is not empty and not a run of this scenario.
    pub force: bool,
}

/// Runs one scenario, prints a summary and writes `run.csv`, `timeseries.csv` and
/// `manifest.json`.
pub fn run(args: &RunArgs) -> anyhow::Result<RunResult> {
    expect_kind(&args.file, &[FileKind::Scenario])?;
    let mut cfg = scenario::load(&args.file)?;
    if let Some(kind) = &args.policy {
        cfg.policy = policy_by_name(kind, &args.file)?;
        let issues = cfg.validate();
        if !issues.is_empty() {
            let msgs: Vec<String> = issues
                .iter()
                .map(|i| format!("{}: {}", i.path, i.message))
                .collect();
            return Err(UsageError(format!("--policy {kind}: {}", msgs.join("; "))).into());
        }
    }
    let seed = args.seed.unwrap_or(cfg.world.seed);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.file, ""));
    let file = scenario_id(&args.file);
    outdir::claim(&out, args.force, |d| owner(d, &file))?;
    let started = utc_now();
    let clock = Instant::now();
    let result = cfg.run(seed).context("the simulation stopped")?;
    let wall = clock.elapsed().as_secs_f64();
    write_outputs(&out, &cfg, &file, seed, &result, &started, wall)?;
    if !args.quiet {
        print_summary(&cfg.world, seed, &result, wall, &out);
    }
    Ok(result)
}

/// The built-in policy `kind`, with every key of the scenario's own `[policy]` table that it
/// also has (tiers, samples, acceptance, ...): `--policy` swaps the rule, not the setting.
fn policy_by_name(kind: &str, file: &Path) -> anyhow::Result<PolicyConfig> {
    let b = BuiltIn::find(kind).ok_or_else(|| {
        let kinds: Vec<&str> = crate::policy::REGISTRY.iter().map(|b| b.kind).collect();
        UsageError(format!(
            "--policy {}: no built-in policy has that name; the policies are {} (see `triad \
             policies`)",
            kind.escape_debug(),
            kinds.join(", ")
        ))
    })?;
    let written = scenario::Source::read(file)?.table()?;
    let kept: toml::Table = match written.get("policy") {
        Some(toml::Value::Table(t)) => t
            .iter()
            .filter(|(k, _)| *k != "kind" && b.has(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => toml::Table::new(),
    };
    b.read(kept)
        .map_err(|e| UsageError(format!("--policy {kind}: {e}")).into())
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

fn write_outputs(
    out: &Path,
    cfg: &Scenario,
    file: &str,
    seed: u64,
    r: &RunResult,
    started: &str,
    wall: f64,
) -> anyhow::Result<()> {
    let manifest = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "run",
        "scenario_file": file,
        "seed": seed,
        "threads": 1,
        "started": started,
        "finished": utc_now(),
        "wall_s": wall,
        "events": r.metrics.events,
        "events_per_s": r.metrics.events as f64 / wall.max(1e-9),
        "scenario": cfg,
    });
    // The manifest first: it marks the folder as this run's, even if a later write fails.
    write_atomic(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    let cols = r.columns();
    let mut header = vec!["scenario".to_string(), "seed".to_string()];
    header.extend(cols.iter().map(|(n, _)| n.clone()));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    let mut row = vec![cfg.world.name.clone(), seed.to_string()];
    row.extend(cols.iter().map(|(_, v)| crate::base::fmt::opt_num(*v)));
    w.write_record(&row)?;
    write_atomic(&out.join("run.csv"), &w.into_inner()?)?;
    let header: Vec<String> = SERIES_COLUMNS.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<f64>> = r.series.rows.iter().map(|x| x.to_vec()).collect();
    write_atomic(&out.join("timeseries.csv"), &csv_bytes(&header, &rows))?;
    Ok(())
}

fn print_summary(cfg: &WorldConfig, seed: u64, r: &RunResult, wall: f64, out: &Path) {
    let m = &r.metrics;
    let cols = r.columns();
    let get = |k: &str| cols.iter().find(|(n, _)| n == k).map_or(0.0, |(_, v)| *v);
    crate::say!(
        "triad run: {} (seed {seed}, {} simulated hours)",
        cfg.name,
        cfg.horizon_hours
    );
    if let Some(skills) = super::validate::skills_from_scores(cfg) {
        crate::say!("skills from MMLU-Pro scores: {skills}");
    }
    crate::say!();
    crate::say!(
        "  {:<28} {:>14}",
        "yield (value solved)",
        format!("{:.1}", m.yield_)
    );
    crate::say!(
        "  {:<28} {:>14}",
        "tasks solved / attempted",
        format!("{} / {}", m.tasks_solved, m.tasks_attempted)
    );
    crate::say!("  {:<28} {:>14}", "tasks unserved", m.tasks_unserved);
    crate::say!(
        "  {:<28} {:>14}",
        "spend (of budget)",
        format!("${:.2} / ${:.2}", get("spend_total"), cfg.budget)
    );
    crate::say!(
        "  {:<28} {:>14}",
        "  evolver / user / verifier",
        format!(
            "{:.0} / {:.0} / {:.0}",
            m.spend.evolver, m.spend.user, m.spend.verifier
        )
    );
    crate::say!(
        "  {:<28} {:>14}",
        "yield per dollar",
        crate::base::fmt::sig(get("yield_per_dollar"))
    );
    crate::say!(
        "  {:<28} {:>14}",
        "edits proposed / distinct",
        format!("{} / {}", m.edits_proposed, m.edits_distinct)
    );
    crate::say!(
        "  {:<28} {:>14}",
        "edits accepted (harmful)",
        format!("{} ({})", m.edits_accepted, m.edits_harmful)
    );
    crate::say!(
        "  {:<28} {:>14}",
        "harness quality final/mean",
        format!("{:.3} / {:.3}", m.quality_final, m.quality_mean)
    );
    crate::say!(
        "  {:<28} {:>14}",
        "harness benefit (p.p.)",
        crate::base::fmt::sig(100.0 * get("harness_benefit"))
    );
    crate::say!(
        "  {:<28} {:>14}",
        "verifier accuracy",
        crate::base::fmt::sig(get("verifier_accuracy"))
    );
    crate::say!(
        "  {:<28} {:>14}",
        "events (per second)",
        format!(
            "{} ({:.2}M/s)",
            m.events,
            m.events as f64 / wall.max(1e-9) / 1e6
        )
    );
    crate::say!();
    crate::say!(
        "wrote {}/run.csv, timeseries.csv, manifest.json",
        out.display()
    );
}
