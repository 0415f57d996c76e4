//! Measures `triad optimize` against the allocation map's grid (docs/optimize.md, "Against
//! the grid"): runs the map once (scenarios/sweeps/allocation.toml, 630 runs), then the plan
//! scenarios/optimize/allocation.toml with 5 seeds, each with four searches: CMA-ES after a
//! 16-point Sobol design (the shipped plan), CMA-ES alone, `argmin`'s particle swarm (as
//! many particles as CMA-ES's population; `optimize::Optimiser::ParticleSwarm`, with the same
//! evaluation, racing, store and finalists), and the Sobol design alone over the whole
//! budget (quasi-random search). Each answer, and each incumbent on the way, is
//! judged by re-running it with the map's 5 replication seeds: "within" means its mean yield
//! there is at least the lower end of the map best's 95% interval. Then the same three on
//! scenarios/optimize/budget500.toml: the best finalist's solved tasks, spend and wall time.
//! Asserts the rule for the shipped plan: within, in at most 25% of the map's runs,
//! in at least 4 of 5 seeds.
//!
//! `cargo run --release --example optimize_vs_grid`

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;
use triad::base::stats::mean_ci;
use triad::optimize::{self, Optimiser, Outcome, Plan, Quiet, Store};
use triad::sweep::{Simulator, SweepPlan, WorldSimulator};

fn yield_of(rec: &triad::sweep::RunRecord) -> f64 {
    rec.metric("yield").unwrap_or(f64::NAN)
}

/// The particle swarm compared: as many particles as CMA-ES's population (the same batch of
/// candidates per generation).
fn swarm(plan: &Plan) -> Optimiser {
    Optimiser::ParticleSwarm {
        particles: optimize::population(plan.dim()),
    }
}

/// The four searches compared.
fn variants(plan: &Plan) -> Vec<(&'static str, Plan, Optimiser)> {
    let full = plan.replications as usize;
    let search = plan.budget - plan.finalists * plan.final_replications as usize;
    let mut cma_alone = plan.clone();
    cma_alone.initial = 0;
    let mut sobol = plan.clone();
    sobol.initial = search / full;
    let cma = Optimiser::Cmaes;
    vec![
        ("CMA-ES after a 16-point Sobol design", plan.clone(), cma),
        ("CMA-ES alone", cma_alone.clone(), cma),
        ("particle swarm (argmin)", cma_alone, swarm(plan)),
        ("Sobol design alone (quasi-random search)", sobol, cma),
    ]
}

/// The incumbent (best mean of the objective among candidates with all their replications)
/// after each generation, with the runs used by then.
fn incumbents(plan: &Plan, out: &Outcome) -> Vec<(usize, Vec<(String, toml::Value)>)> {
    let full = plan.replications as usize;
    let s = plan.direction.sign();
    let mut v = Vec::new();
    for (g, step) in out.trace.iter().enumerate() {
        let best = out
            .candidates
            .iter()
            .filter(|c| c.generation <= g + 1 && !c.raced_out && c.objective.len() >= full)
            .max_by(|a, b| {
                (s * a.ci().mean)
                    .total_cmp(&(s * b.ci().mean))
                    .then(b.id.cmp(&a.id))
            });
        if let Some(b) = best {
            v.push((step.runs, b.values.clone()));
        }
    }
    v
}

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The grid.
    let clock = Instant::now();
    let (grid, _) = SweepPlan::load(&root.join("scenarios/sweeps/allocation.toml"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let n = grid.n_runs();
    let ys: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let run = grid.run(i);
            let t = grid.scenario(&run).map_err(|e| anyhow::anyhow!(e))?;
            let rec = WorldSimulator
                .run(&t, run.seed)
                .map_err(|e| anyhow::anyhow!(e))?;
            Ok(yield_of(&rec))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut cells: BTreeMap<(usize, usize), Vec<f64>> = BTreeMap::new();
    for (i, y) in ys.iter().enumerate() {
        let r = grid.run(i);
        cells.entry((r.cell, r.policy)).or_default().push(*y);
    }
    let (best_at, best) = cells
        .iter()
        .map(|(k, v)| (*k, mean_ci(v, 0.95)))
        .max_by(|a, b| a.1.mean.total_cmp(&b.1.mean))
        .ok_or_else(|| anyhow::anyhow!("an empty grid"))?;
    let grid_s = clock.elapsed().as_secs_f64();
    println!(
        "grid: {n} runs in {grid_s:.2} s; best cell {} ({}), policy {}: yield {:.0} [{:.0}, {:.0}]",
        best_at.0,
        grid.cell_values(best_at.0)
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        grid.policies[best_at.1].label,
        best.mean,
        best.lo,
        best.hi
    );
    let quarter = n / 4;
    let seeds: Vec<u64> = (0..grid.replications)
        .map(|r| grid.replication_seed(r))
        .collect();
    let shipped = optimize::load(&root.join("scenarios/optimize/allocation.toml"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The mean yield of a point on the grid's replication seeds.
    let judge = |plan: &Plan, values: &[(String, toml::Value)]| -> anyhow::Result<f64> {
        let t = plan.scenario(values).map_err(|e| anyhow::anyhow!(e))?;
        let v: Vec<f64> = seeds
            .par_iter()
            .map(|&s| {
                WorldSimulator
                    .run(&t, s)
                    .map(|r| yield_of(&r))
                    .map_err(|e| anyhow::anyhow!(e))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(v.iter().sum::<f64>() / v.len() as f64)
    };
    println!(
        "\n| search | seed | runs | answer's yield on the grid's seeds | within | runs to first within | wall (s) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut shipped_hits = 0;
    for (name, plan, optimiser) in variants(&shipped) {
        let (mut hits, mut runs_sum, mut wall_sum) = (0, 0, 0.0);
        for seed in 1..=5u64 {
            let mut p = plan.clone();
            p.seed = seed;
            let clock = Instant::now();
            let out = optimize::optimize_with(
                &p,
                &WorldSimulator,
                &Store::in_memory(&p),
                &Quiet,
                optimiser,
            )?;
            let wall = clock.elapsed().as_secs_f64();
            let y = judge(&p, &out.best().candidate.values)?;
            let within = y >= best.lo && out.runs <= quarter;
            let mut first = None;
            for (runs, values) in incumbents(&p, &out) {
                if judge(&p, &values)? >= best.lo {
                    first = Some(runs);
                    break;
                }
            }
            hits += within as usize;
            runs_sum += out.runs;
            wall_sum += wall;
            println!(
                "| {name} | {seed} | {} | {y:.0} | {} | {} | {wall:.2} |",
                out.runs,
                if within { "yes" } else { "no" },
                first.map_or("never".into(), |r| r.to_string())
            );
        }
        println!(
            "| {name} | all | {:.0} (mean) | | {hits} of 5 | | {:.2} (mean) |",
            runs_sum as f64 / 5.0,
            wall_sum / 5.0
        );
        if name.starts_with("CMA-ES after") {
            shipped_hits = hits;
        }
    }
    // The $500/day plan: the same four searches.
    let b500 = optimize::load(&root.join("scenarios/optimize/budget500.toml"))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut with_design = b500.clone();
    with_design.initial = 16;
    println!(
        "\n| search ($500/day) | seed | runs | best | tasks solved [95% CI] | spend [95% CI] | wall (s) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, base, optimiser) in [
        (
            "CMA-ES alone (the shipped plan)",
            b500.clone(),
            Optimiser::Cmaes,
        ),
        (
            "CMA-ES after a 16-point Sobol design",
            with_design.clone(),
            Optimiser::Cmaes,
        ),
        ("particle swarm (argmin)", b500.clone(), swarm(&b500)),
        (
            "Sobol design alone",
            variants(&b500)[3].1.clone(),
            Optimiser::Cmaes,
        ),
    ] {
        for seed in [500u64, 1, 2] {
            let mut p = base.clone();
            p.seed = seed;
            let clock = Instant::now();
            let out = optimize::optimize_with(
                &p,
                &WorldSimulator,
                &Store::in_memory(&p),
                &Quiet,
                optimiser,
            )?;
            let b = out.best();
            let tiers: Vec<String> = b.candidate.values[3..]
                .iter()
                .map(|(_, v)| v.to_string())
                .collect();
            println!(
                "| {name} | {seed} | {} | {} | {:.0} [{:.0}, {:.0}] | {:.0} [{:.0}, {:.0}] | {:.2} |",
                out.runs,
                tiers.join(" / "),
                b.objective.mean,
                b.objective.lo,
                b.objective.hi,
                b.constrained[0].mean,
                b.constrained[0].lo,
                b.constrained[0].hi,
                clock.elapsed().as_secs_f64()
            );
        }
    }
    anyhow::ensure!(
        shipped_hits >= 4,
        "the shipped plan was within the grid best's interval in {shipped_hits} of 5 seeds"
    );
    Ok(())
}
