//! Calibration: fitting chosen world parameters to target measurements (`triad calibrate`).
//!
//! ```text
//! calibration file --file::load--> Calibration (base table, [[fit]] params, [[target]]s)
//!      [[observations]] CSVs --observations::derive--> more targets, one per record group
//!      --fit--> the objective minimised by optimise::minimise (CMA-ES) --> best point
//!      --profile--> each parameter's profile (Nelder-Mead over the others) --> intervals
//!      --output--> calibrated.toml, fit.csv, params.csv, profile.csv, report.md, plots
//! every evaluation of the objective goes through evaluations::Evaluations:
//!      recorded in evaluations.csv as it completes, looked up by exact point (a rerun
//!      reuses what an interrupted run recorded)
//! ```
//!
//! **The objective** at a point `x` (the fitted values): each target's experiment (the base
//! scenario, the target's `set` overrides and `x`) runs `replications` times, with the seeds
//! `hash2(seed, r)` shared by every target and every candidate point (common random numbers,
//! so the objective is a deterministic function of `x`). With `m` the mean of the metric
//! over the replications, `s` its sample sd, `R` the replications, the target's
//! standardised residual is `z = (m - value) / sqrt(sd^2 + s^2 / R)` and the objective is
//! the sum of `z^2`. A proportion measured on `n` items takes its `sd` at the simulated
//! mean, `sqrt(m (1 - m) / n)` ([`proportion_sd`]): the spread the observed proportion has
//! if the world at `x` is right (the observed proportion's own spread would call a 0 of 50
//! nearly exact). A replication whose metric is undefined (a rate of nothing) is left
//! out; a target with no defined value at all scores `z = 1000`.
//!
//! `docs/calibrate.md` is the user's reference.

pub mod evaluations;
mod file;
pub mod observations;
pub mod optimise;
mod output;
mod profile;
mod quantity;

pub use evaluations::{EVALUATIONS, Evaluations};
pub use file::{MAX_REPLICATIONS, load, parse};
pub use output::{Z_WARN, warnings, write};
pub use profile::{DELTA_95, Profile, ProfilePoint};

use crate::base::stats::{MeanCi, mean_ci};
use crate::engine::hash2;
use crate::scenario::Scenario;
use optimise::{Bounds, Method, Settings};
use rayon::prelude::*;

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The path as the file gives it (`tier.8B.skill`).
    pub path: String,
    /// The path in the scenario table (`tier.2.skill`).
    pub resolved: String,
    /// Lower end of the search range.
    pub lo: f64,
    /// Upper end of the search range.
    pub hi: f64,
    /// The base scenario's value: where the search starts.
    pub default: f64,
}

/// One target measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its name, for the report.
    pub name: String,
    /// Where the figure comes from.
    pub source: String,
    /// The experiment: overrides on the base (resolved paths).
    pub set: Vec<(String, toml::Value)>,
    /// The run metric compared, or a scenario quantity (`tier.NAME.skill`) read without
    /// running.
    pub metric: String,
    /// The measured value.
    pub value: f64,
    /// Its standard deviation (given, or from `n` at the observed proportion; the
    /// objective takes a proportion's at the simulated mean).
    pub sd: f64,
    /// For a proportion, the items behind it.
    pub n: Option<f64>,
}

/// The standard deviation of a proportion `p` measured on `n` items; `p` is kept half an
/// item from 0 and 1, so the sd is never 0.
pub fn proportion_sd(p: f64, n: f64) -> f64 {
    let p = p.clamp(0.5 / n, 1.0 - 0.5 / n);
    (p * (1.0 - p) / n).sqrt()
}

/// A checked calibration file.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The file as named.
    pub file: String,
    /// The base scenario as a complete table.
    pub base: toml::Table,
    /// Replications per target evaluation.
    pub replications: u32,
    /// The fitted parameters.
    pub params: Vec<Param>,
    /// The targets: those written in the file, then those derived from its
    /// `[[observations]]`.
    pub targets: Vec<Target>,
    /// What each `[[observations]]` CSV gave.
    pub observations: Vec<observations::Summary>,
}

/// The score of a target with no defined value (its `z`).
pub const UNDEFINED_Z: f64 = 1000.0;

/// One target at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetFit {
    /// Mean of the metric over the replications, with its 95% interval.
    pub sim: MeanCi,
    /// The standardised residual.
    pub z: f64,
}

impl Calibration {
    /// The search box.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            lo: self.params.iter().map(|p| p.lo).collect(),
            hi: self.params.iter().map(|p| p.hi).collect(),
        }
    }

    /// The scenario of target `t` at fitted values `x`.
    pub fn scenario(&self, t: usize, x: &[f64]) -> Result<Scenario, String> {
        let table = file::apply(&self.base, &self.targets[t].set, &self.params, x)?;
        file::scenario(&table)
    }

    /// Every target at the fitted values `x`, each over the replications, with `seed`.
    /// Targets with the same experiment (the same `set`) share its runs; a target naming a
    /// scenario quantity is read from its scenario, once, without a run. Runs in parallel
    /// on the current rayon pool; the result does not depend on it.
    pub fn evaluate(&self, x: &[f64], seed: u64) -> anyhow::Result<Vec<TargetFit>> {
        // Each target's experiment, and the first target of each experiment.
        let mut firsts: Vec<usize> = Vec::new();
        let experiment: Vec<usize> = (0..self.targets.len())
            .map(|t| {
                let set = &self.targets[t].set;
                firsts
                    .iter()
                    .position(|&f| self.targets[f].set == *set)
                    .unwrap_or_else(|| {
                        firsts.push(t);
                        firsts.len() - 1
                    })
            })
            .collect();
        let scenarios: Vec<Scenario> = firsts
            .iter()
            .map(|&t| self.scenario(t, x))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let exact: Vec<Option<f64>> = self
            .targets
            .iter()
            .zip(&experiment)
            .map(|(t, &e)| quantity::value(&scenarios[e], &t.metric))
            .collect();
        // An experiment runs only when some target of it reads a run metric.
        let needed: Vec<bool> = (0..scenarios.len())
            .map(|e| (0..self.targets.len()).any(|t| experiment[t] == e && exact[t].is_none()))
            .collect();
        let reps = self.replications as usize;
        let jobs: Vec<(usize, usize)> = (0..scenarios.len())
            .flat_map(|e| (0..reps).map(move |r| (e, r)))
            .collect();
        let runs: Vec<Vec<(String, f64)>> = jobs
            .par_iter()
            .map(|&(e, r)| {
                if !needed[e] {
                    return Ok(Vec::new());
                }
                Ok(scenarios[e].run(hash2(seed, r as u64))?.columns())
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(self
            .targets
            .iter()
            .enumerate()
            .map(|(t, target)| {
                let e = experiment[t];
                let xs: Vec<f64> = match exact[t] {
                    Some(v) => vec![v],
                    None => runs[e * reps..(e + 1) * reps]
                        .iter()
                        .map(|cols| {
                            cols.iter()
                                .find(|(n, _)| *n == target.metric)
                                .map_or(f64::NAN, |(_, v)| *v)
                        })
                        .collect(),
                }
                .into_iter()
                .filter(|v| v.is_finite())
                .collect();
                target_fit(target, mean_ci(&xs, 0.95))
            })
            .collect())
    }

    /// The objective at `x`: the sum of squared standardised residuals.
    pub fn objective(&self, x: &[f64], seed: u64) -> anyhow::Result<f64> {
        Ok(objective_of(&self.evaluate(x, seed)?))
    }

    /// A fingerprint (32 hex digits) of everything the objective depends on: the resolved
    /// calibration (the base scenario as a complete table, the fitted parameters and their
    /// ranges, the targets, the replications), `seed` and triad's version. Not the file's
    /// name: a folder's recorded evaluations are reused when, and only when, it is the same.
    pub fn fingerprint(&self, seed: u64) -> String {
        let mut c = self.clone();
        c.file.clear();
        let text = format!(
            "triad {} calibrate seed {seed}: {c:?}",
            env!("CARGO_PKG_VERSION")
        );
        crate::engine::fingerprint(text.as_bytes())
    }
}

/// A target at one point, from the mean (and its 95% interval) of its metric over the
/// replications with a defined value.
pub fn target_fit(target: &Target, sim: MeanCi) -> TargetFit {
    let z = if sim.n == 0 {
        UNDEFINED_Z
    } else {
        let se2 = if sim.n > 1 {
            sim.sd * sim.sd / sim.n as f64
        } else {
            0.0
        };
        // A proportion's sd is taken at the simulated mean.
        let sd = target.n.map_or(target.sd, |n| proportion_sd(sim.mean, n));
        (sim.mean - target.value) / (sd * sd + se2).sqrt()
    };
    TargetFit { sim, z }
}

/// The objective of targets evaluated at one point: the sum of their `z^2`, in target order.
pub fn objective_of(fits: &[TargetFit]) -> f64 {
    fits.iter().map(|f| f.z * f.z).sum()
}

/// How a calibration runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Root seed of the replications and of the search.
    pub seed: u64,
    /// Most objective evaluations of the fit.
    pub max_evals: usize,
    /// Points of each parameter's profile grid over its range.
    pub profile_points: usize,
    /// Most Nelder-Mead evaluations at each profile point (over the other parameters).
    pub profile_evals: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            max_evals: 200,
            profile_points: 17,
            profile_evals: profile::EVALS_PER_POINT,
        }
    }
}

/// What a calibration found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The fitted values, one per parameter.
    pub x: Vec<f64>,
    /// The objective there.
    pub objective: f64,
    /// Every target at the fitted values.
    pub targets: Vec<TargetFit>,
    /// Each parameter's profile and interval.
    pub profiles: Vec<Profile>,
    /// For each parameter, the targets that move when it moves, most first.
    pub constrained_by: Vec<Vec<usize>>,
    /// Points at which the fit evaluated the objective (a point asked for again is looked
    /// up, not counted twice).
    pub fit_evals: usize,
    /// Points at which the objective was evaluated in all.
    pub evals: usize,
}

/// Progress reports of a calibration.
pub trait Progress: Sync {
    /// A stage starts (`fit`, `profile traits.reasoning_gain`).
    fn stage(&self, _name: &str) {}
    /// An evaluation of the current stage finished; `best` is the lowest objective so far.
    fn eval(&self, _n: usize, _best: f64) {}
    /// How many distinct points have been evaluated so far, and how many of them were
    /// reused from the record of an earlier run.
    fn evaluations(&self, _counts: evaluations::Counts) {}
}

/// Reports nothing.
#[derive(Debug)]
pub struct Quiet;
impl Progress for Quiet {}

/// Calibrates: fits (CMA-ES from the base values), profiles every parameter, and finds the
/// targets each parameter is constrained by. Runs on the current rayon pool; records
/// nothing ([`calibrate_recorded`] does).
pub fn calibrate(
    cal: &Calibration,
    opts: &Options,
    progress: &dyn Progress,
) -> anyhow::Result<Outcome> {
    calibrate_recorded(cal, opts, progress, &Evaluations::in_memory())
}

/// [`calibrate`], with every evaluation of the objective going through `record`: looked up
/// there by exact point when it holds it (from an interrupted run of the same calibration
/// and seed), otherwise run and recorded. The outcome is the same whatever part of this
/// calibration's evaluations (with this seed) `record` held.
pub fn calibrate_recorded(
    cal: &Calibration,
    opts: &Options,
    progress: &dyn Progress,
    record: &Evaluations,
) -> anyhow::Result<Outcome> {
    let bounds = bounds_checked(cal)?;
    let seed = opts.seed;
    let evaluate = |x: &[f64]| {
        let fits = record.evaluate(cal, x, seed);
        progress.evaluations(record.counts());
        fits
    };
    let f = |u: &[f64]| Ok(objective_of(&evaluate(&bounds.to_box(u))?));
    let stage = |name: &str| -> anyhow::Result<()> {
        progress.stage(name);
        record.stage(name)
    };
    let start = bounds.to_unit(&cal.params.iter().map(|p| p.default).collect::<Vec<_>>());
    stage("fit")?;
    let fit = optimise::minimise(
        &f,
        &start,
        &Settings {
            method: Method::Cmaes,
            max_evals: opts.max_evals,
            step: 0.3,
            seed: hash2(seed, 0xca1),
        },
        &|n, best| progress.eval(n, best),
    )?;
    let fit_evals = record.counts().asked;
    let mut best_u = fit.u.clone();
    let mut best = fit.value;
    let mut profiles = Vec::new();
    for i in 0..cal.params.len() {
        stage(&format!("profile {}", cal.params[i].path))?;
        let p = profile::profile(
            &f,
            &best_u,
            best,
            i,
            opts.profile_points,
            opts.profile_evals,
            &|n, b| progress.eval(n, b),
        )?;
        profiles.push(p);
    }
    // A profile may have found a lower objective than the fit: take the lowest point seen,
    // and measure every profile from it.
    for p in &profiles {
        if let Some(q) = p.best_point()
            && q.objective < best
        {
            best = q.objective;
            best_u = q.u.clone();
        }
    }
    for (i, p) in profiles.iter_mut().enumerate() {
        p.finish(best, best_u[i], &bounds, i);
    }
    let x = bounds.to_box(&best_u);
    // Evaluated already (by the fit or a profile): looked up.
    let targets = evaluate(&x)?;
    stage("sensitivity")?;
    let constrained_by = sensitivity(cal, &bounds, &best_u, &targets, &evaluate)?;
    Ok(Outcome {
        x,
        objective: best,
        targets,
        profiles,
        constrained_by,
        fit_evals,
        evals: record.counts().asked,
    })
}

fn bounds_checked(cal: &Calibration) -> anyhow::Result<Bounds> {
    if cal.params.is_empty() || cal.targets.is_empty() {
        anyhow::bail!("a calibration needs at least one parameter and one target");
    }
    Ok(cal.bounds())
}

/// A target "constrains" a parameter when moving the parameter by a tenth of its range
/// either way from the fit moves the target's simulated mean by at least half its
/// standard deviation (`|dz| >= 0.5`). Returns, per parameter, those targets by effect.
fn sensitivity(
    cal: &Calibration,
    bounds: &Bounds,
    u: &[f64],
    at: &[TargetFit],
    evaluate: &dyn Fn(&[f64]) -> anyhow::Result<Vec<TargetFit>>,
) -> anyhow::Result<Vec<Vec<usize>>> {
    let mut out = Vec::new();
    for i in 0..u.len() {
        let mut effect = vec![0.0f64; cal.targets.len()];
        for d in [-0.1, 0.1] {
            let mut v = u.to_vec();
            v[i] = (v[i] + d).clamp(0.0, 1.0);
            if v[i] == u[i] {
                continue;
            }
            let moved = evaluate(&bounds.to_box(&v))?;
            for (t, (m, a)) in moved.iter().zip(at).enumerate() {
                effect[t] = effect[t].max((m.z - a.z).abs());
            }
        }
        let mut ts: Vec<usize> = (0..effect.len()).filter(|&t| effect[t] >= 0.5).collect();
        ts.sort_by(|&a, &b| effect[b].total_cmp(&effect[a]).then(a.cmp(&b)));
        out.push(ts);
    }
    Ok(out)
}
