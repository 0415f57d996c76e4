//! `triad run` and `triad validate`.

use super::UsageError;
use crate::base::output::{csv_bytes, prepare_dir, utc_now, write_atomic};
use crate::model::{RunResult, SERIES_COLUMNS, WorldConfig};
use crate::scenario::{self, Scenario};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Most cell and policy scenarios `triad validate` checks in one sweep file.
const MAX_CHECKED_SCENARIOS: usize = 10_000;
/// Most invalid cell scenarios listed per sweep file.
const MAX_LISTED_SCENARIOS: usize = 10;

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
}

/// Runs one scenario, prints a summary and writes `run.csv`, `timeseries.csv` and
/// `manifest.json`.
pub fn run(args: &RunArgs) -> anyhow::Result<RunResult> {
    let f = args.file.display();
    match FileKind::of(&args.file) {
        FileKind::Scenario => {}
        FileKind::Sweep => {
            return Err(UsageError(format!(
                "{f} is a sweep file: run it with `triad sweep {f}`"
            ))
            .into());
        }
        FileKind::Stress => {
            return Err(UsageError(format!(
                "{f} is a stress plan: run it with `triad stress {f}`"
            ))
            .into());
        }
        FileKind::Search => {
            return Err(UsageError(format!(
                "{f} is a harness-search file (claim 9): check it with `triad check-claim 9 {f}`"
            ))
            .into());
        }
    }
    let mut cfg = scenario::load(&args.file)?;
    if let Some(kind) = &args.policy {
        cfg.policy = policy_by_name(kind)?;
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
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.file));
    prepare_dir(&out)?;
    let started = utc_now();
    let clock = Instant::now();
    let result = cfg.run(seed).context("the simulation stopped")?;
    let wall = clock.elapsed().as_secs_f64();
    write_outputs(&out, &cfg, seed, &result, &started, wall)?;
    if !args.quiet {
        print_summary(&cfg.world, seed, &result, wall, &out);
    }
    Ok(result)
}

/// What an input file is, told by its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A scenario (the default).
    Scenario,
    /// A sweep: `base`, `axis`, `design`, `replications`, `reference` or `[[policy]]` tables.
    Sweep,
    /// A harness search (claim 9): `evaluations`, `landscape`, `strategy` or `evaluation`.
    Search,
    /// A stress plan: `perturbations`, `severities`, `set` or a `tier` name.
    Stress,
}

impl FileKind {
    /// The kind of the file at `path` (a scenario when it cannot be read or parsed: loading
    /// it as one then reports the problem).
    pub fn of(path: &Path) -> FileKind {
        let Ok(t) = scenario::Source::read(path).and_then(|src| src.table()) else {
            return FileKind::Scenario;
        };
        let has = |keys: &[&str]| keys.iter().any(|k| t.contains_key(*k));
        // A scenario's `[[tier]]` is an array; a stress plan's `tier` names one tier.
        if has(&["perturbations", "severities", "set"])
            || matches!(t.get("tier"), Some(toml::Value::String(_)))
        {
            FileKind::Stress
        } else if has(&["evaluations", "landscape", "strategy", "evaluation"]) {
            FileKind::Search
        } else if has(&["base", "axis", "design", "replications", "reference"])
            || matches!(t.get("policy"), Some(toml::Value::Array(_)))
        {
            FileKind::Sweep
        } else {
            FileKind::Scenario
        }
    }
}

/// Checks scenario and sweep files without running them; every problem of every file is
/// reported. A file with a sweep's keys (`base`, `axis`, `design`, `replications`,
/// `reference` or an array of `[[policy]]` tables) is a sweep file: its plan is expanded and
/// the scenario of every cell and policy (up to 10,000) is validated.
pub fn validate(files: &[PathBuf]) -> anyhow::Result<()> {
    let mut errors = Vec::new();
    for f in files {
        let kind = FileKind::of(f);
        if kind == FileKind::Stress {
            match crate::stress::plan::load(f) {
                Ok(_) => crate::say!("{}: ok (stress plan)", f.display()),
                Err(e) => errors.push(format!("{e:#}")),
            }
            continue;
        }
        if kind == FileKind::Search {
            let checked = scenario::load_search(f);
            match checked {
                Ok(_) => crate::say!("{}: ok (harness search)", f.display()),
                Err(e) => errors.push(e.to_string()),
            }
            continue;
        }
        if kind != FileKind::Sweep {
            match scenario::load(f) {
                Ok(_) => crate::say!("{}: ok", f.display()),
                Err(e) => errors.push(e.to_string()),
            }
            continue;
        }
        let plan = match crate::sweep::Plan::from_file(f) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let sim = crate::sweep::WorldSimulator;
        let (mut checked, mut bad) = (0usize, Vec::new());
        'cells: for cell in 0..plan.n_cells() {
            for policy in 0..plan.policies.len() {
                if checked == MAX_CHECKED_SCENARIOS {
                    break 'cells;
                }
                checked += 1;
                let spec =
                    plan.run((cell * plan.policies.len() + policy) * plan.replications as usize);
                if let Err(e) = plan.scenario(&spec).and_then(|sc| sim.config(&sc)) {
                    bad.push(format!(
                        "{}: cell {cell} ({}), policy {:?}: {e}",
                        f.display(),
                        crate::report::cell_desc(&plan, cell),
                        plan.policies[policy].label
                    ));
                }
            }
        }
        let total = plan.n_cells() * plan.policies.len();
        let of = if checked < total {
            format!(" (the first {checked} of {total})")
        } else {
            String::new()
        };
        if bad.is_empty() {
            crate::say!(
                "{}: ok, a sweep of {} runs; every cell's scenario{of} is valid",
                f.display(),
                plan.n_runs()
            );
        } else {
            let n = bad.len();
            bad.truncate(MAX_LISTED_SCENARIOS);
            if n > MAX_LISTED_SCENARIOS {
                bad.push(format!("... and {} more", n - MAX_LISTED_SCENARIOS));
            }
            bad.push(format!(
                "{}: {n} of {checked} cell and policy scenarios{of} are invalid; their runs would fail",
                f.display()
            ));
            errors.push(bad.join("\n"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(UsageError(errors.join("\n")).into())
    }
}

fn policy_by_name(kind: &str) -> anyhow::Result<crate::policy::PolicyConfig> {
    let table: toml::Table =
        toml::from_str(&format!("kind = {kind:?}")).map_err(|e| UsageError(e.to_string()))?;
    table.try_into().map_err(|e: toml::de::Error| {
        UsageError(format!(
            "--policy {kind}: {}; `triad policies` lists the built-in policies",
            e.message().trim()
        ))
        .into()
    })
}

fn default_out(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    Path::new("output").join(stem)
}

fn write_outputs(
    out: &Path,
    cfg: &Scenario,
    seed: u64,
    r: &RunResult,
    started: &str,
    wall: f64,
) -> anyhow::Result<()> {
    let cols = r.columns();
    let mut header = vec!["scenario".to_string(), "seed".to_string()];
    header.extend(cols.iter().map(|(n, _)| n.clone()));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    let mut row = vec![cfg.world.name.clone(), seed.to_string()];
    row.extend(cols.iter().map(|(_, v)| crate::base::fmt::num(*v)));
    w.write_record(&row)?;
    write_atomic(&out.join("run.csv"), &w.into_inner()?)?;
    let header: Vec<String> = SERIES_COLUMNS.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<f64>> = r.series.rows.iter().map(|x| x.to_vec()).collect();
    write_atomic(&out.join("timeseries.csv"), &csv_bytes(&header, &rows))?;
    let manifest = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "run",
        "seed": seed,
        "threads": 1,
        "started": started,
        "finished": utc_now(),
        "wall_s": wall,
        "events": r.metrics.events,
        "events_per_s": r.metrics.events as f64 / wall.max(1e-9),
        "scenario": cfg,
    });
    write_atomic(
        &out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
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
        format!("{:.2}", get("yield_per_dollar"))
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
        format!("{:.1}", 100.0 * get("harness_benefit"))
    );
    crate::say!(
        "  {:<28} {:>14}",
        "verifier accuracy",
        format!("{:.3}", get("verifier_accuracy"))
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
