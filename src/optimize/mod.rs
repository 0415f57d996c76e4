//! Simulation optimisation: the best setting of a plan's decision variables for an
//! objective on run metrics, under constraints on run metrics, within a budget of runs.
//!
//! ```text
//! plan file --plan::load--> Plan (base scenario, variables, objective, constraints, budget)
//!                             | search: CMA-ES in the unit cube, one generation at a time,
//!                             v its candidates in parallel (rayon), each raced against the
//!                  Store (every run, by point and replication; replayed on resume)
//!                             | finalists re-evaluated with more replications,
//!                             v paired bootstrap P(best)
//!          best.toml, evaluations.csv, convergence plot, report.md
//! ```
//!
//! **Variables** live in the unit cube: a continuous variable's coordinate `u` is
//! `lo + u (hi - lo)`; an integer's and a categorical's choices each take an equal share of
//! `[0, 1]` (as in `triad sensitivity`); a group of two budget shares takes two coordinates
//! mapped onto the simplex by stick-breaking (`s1 = u1`, `s2 = u2 (1 - s1)`, the third role
//! the rest). The optimiser is CMA-ES (the `cmaes` crate, as `triad calibrate` uses): it ranks
//! candidates only, so a penalised, piecewise-constant objective over the binned integer and
//! categorical coordinates is no obstacle, and its population is a natural parallel batch.
//!
//! A plan may start with a space-filling design (`initial` points of a scrambled Sobol
//! sequence, evaluated as one batch); CMA-ES then starts at the best of them. A variable
//! over `paths` takes one coordinate binned over its tuples of values (a tier pair, say).
//! A plan with two objectives is searched by [`pareto::front`]: a sequence of these
//! searches, one objective under a bound on the other.
//!
//! **Noise.** Every candidate's replication `r` runs with seed `hash2(seed, r)` (common
//! random numbers), so differences between candidates are paired. A candidate runs its
//! replications in stages (`race_from`, doubling up to `replications`); after each stage
//! it is compared with the incumbent (the best candidate so far with all its replications)
//! on the paired differences of the objective: when the 95% interval of the mean difference
//! lies entirely on the worse side, it stops (racing). It stops as well when the 95%
//! interval of a constrained metric's mean lies entirely outside the constraint.
//!
//! **Constraints** are a feasibility rule on the means (Deb's rule): a candidate whose mean
//! of each constrained metric is within its bounds is feasible; any feasible candidate
//! beats any infeasible one; infeasible ones are ranked by their summed relative violation.
//!
//! **Finalists.** The best `finalists` distinct candidates are re-run with
//! `final_replications` (the first replications are the ones already run: the same seeds).
//! Each gets the mean and 95% interval of the objective and constrained metrics, and the
//! probability of being the best: the share of paired bootstrap resamples (replication
//! indices drawn with replacement, the same for every finalist) in which it ranks first by
//! the same rule (finalists tied on a resample share it).
//!
//! A run is a pure function of the point and the replication, and the search is a pure
//! function of the runs, so the result is the same at any thread count, and a rerun that
//! replays recorded runs (`evaluations.csv`) reaches the same state. `docs/optimize.md` is
//! the user's guide.

mod output;
pub mod pareto;
pub mod plan;
mod swarm;

pub use output::{EVALUATIONS, Store, pareto_csv, write, write_front};
pub use pareto::{Front, FrontPoint, Status};
pub use plan::{load, parse};

use crate::base::interrupt::{self, Interrupted};
use crate::base::stats::{MeanCi, mean_ci, paired_ci};
use crate::engine::{Streams, hash2};
use crate::sweep::Simulator;
use rayon::prelude::*;
use std::sync::Mutex;

pub use crate::scenario::objective::{COST_PER_SOLVED, Direction, Objective, metric_value};

/// Where a variable's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// A number in `[lo, hi]`.
    Continuous {
        /// Low end.
        lo: f64,
        /// High end.
        hi: f64,
    },
    /// A whole number in `lo..=hi`.
    Integer {
        /// Low end.
        lo: i64,
        /// High end.
        hi: i64,
    },
    /// One of the values, in order.
    Categorical(Vec<toml::Value>),
    /// One of the tuples, in order: each sets every path of the variable together (a tier
    /// pair, say). One coordinate.
    Joint(Vec<Vec<toml::Value>>),
    /// Two budget shares of one `shares` table; the third role gets the rest.
    Shares {
        /// The third role's path (set to `1 - s1 - s2`).
        rest: String,
    },
}

/// One decision variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The paths as the plan wrote them (the column names in outputs).
    pub names: Vec<String>,
    /// The resolved paths (tiers by index), one per coordinate.
    pub paths: Vec<String>,
    /// Its values.
    pub domain: Domain,
}

impl Variable {
    /// Coordinates of the unit cube it takes.
    pub fn dim(&self) -> usize {
        match self.domain {
            Domain::Joint(_) => 1,
            _ => self.paths.len(),
        }
    }

    /// Its scenario values at unit coordinates `u` (`dim()` of them): `(path, value)`
    /// pairs, the rest of a share group last.
    pub fn decode(&self, u: &[f64]) -> Vec<(String, toml::Value)> {
        let pick = |u: f64, k: usize| ((u * k as f64).floor().max(0.0) as usize).min(k - 1);
        match &self.domain {
            Domain::Continuous { lo, hi } => {
                vec![(self.paths[0].clone(), (lo + u[0] * (hi - lo)).into())]
            }
            Domain::Integer { lo, hi } => {
                let k = (hi - lo + 1) as usize;
                vec![(self.paths[0].clone(), (lo + pick(u[0], k) as i64).into())]
            }
            Domain::Categorical(v) => vec![(self.paths[0].clone(), v[pick(u[0], v.len())].clone())],
            Domain::Joint(v) => self
                .paths
                .iter()
                .cloned()
                .zip(v[pick(u[0], v.len())].iter().cloned())
                .collect(),
            Domain::Shares { rest } => {
                let s1 = u[0];
                let s2 = u[1] * (1.0 - s1);
                vec![
                    (self.paths[0].clone(), s1.into()),
                    (self.paths[1].clone(), s2.into()),
                    (rest.clone(), (1.0 - s1 - s2).max(0.0).into()),
                ]
            }
        }
    }
}

/// A bound on a run metric's mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The metric.
    pub metric: String,
    /// Its mean must be at most this.
    pub max: Option<f64>,
    /// Its mean must be at least this.
    pub min: Option<f64>,
}

impl Constraint {
    /// How far `mean` is outside the bounds, relative to the bound's size (0 inside).
    pub fn violation(&self, mean: f64) -> f64 {
        if mean.is_nan() {
            return 1.0;
        }
        let rel = |by: f64, bound: f64| by / bound.abs().max(1e-9);
        let over = self.max.map_or(0.0, |m| rel((mean - m).max(0.0), m));
        let under = self.min.map_or(0.0, |m| rel((m - mean).max(0.0), m));
        over + under
    }

    /// Whether the interval `[lo, hi]` of the mean lies entirely outside the bounds.
    pub fn clearly_violated(&self, ci: &MeanCi) -> bool {
        self.max.is_some_and(|m| ci.lo > m) || self.min.is_some_and(|m| ci.hi < m)
    }
}

/// How a stress objective combines a replication's runs over the cases into one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// The worst case: the lowest value over the cases (the highest for a minimised
    /// metric).
    Worst,
    /// CVaR: the mean of the worst `ceil(0.1 C)` of the `C` cases' values
    /// ([`crate::base::stats::CVAR_ALPHA`]; the worst case itself when `C <= 10`).
    Cvar,
    /// The mean over the cases.
    Mean,
}

impl Statistic {
    /// The name in plan files.
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Worst => "worst",
            Statistic::Cvar => "cvar",
            Statistic::Mean => "mean",
        }
    }

    /// The statistic of one replication's values over the cases `xs` for a metric whose
    /// better direction has `sign` (+1 maximised, -1 minimised); NaN values (failed
    /// metrics) are left out, NaN when all are.
    pub fn of(self, xs: &[f64], sign: f64) -> f64 {
        let signed: Vec<f64> = xs.iter().map(|x| sign * x).collect();
        let v = match self {
            Statistic::Worst => crate::base::stats::lower_tail_mean(&signed, 0.0),
            Statistic::Cvar => {
                crate::base::stats::lower_tail_mean(&signed, crate::base::stats::CVAR_ALPHA)
            }
            Statistic::Mean => mean(&signed),
        };
        sign * v
    }
}

/// An objective evaluated over a stress plan's cases: every replication of a candidate runs
/// every case (seed `hash2(seed, r)` for all of them), and its objective value is the
/// [`Statistic`] over the cases; a constrained metric's value is its mean over the cases.
#[derive(Debug, Clone, PartialEq)]
pub struct StressObjective {
    /// The cases (unperturbed first, when severity 0 is among the severities).
    pub cases: Vec<crate::scenario::perturb::Case>,
    /// The tier a tier perturbation hits (`None`: each candidate's own user tier).
    pub tier: Option<String>,
    /// How the cases combine.
    pub statistic: Statistic,
}

impl StressObjective {
    /// Each case's values of `stress.perturbation` and `stress.severity` (the columns of
    /// `evaluations.csv`), `none` and 0 for the unperturbed case.
    pub fn columns(&self) -> Vec<Vec<(String, toml::Value)>> {
        self.cases
            .iter()
            .map(|c| {
                vec![
                    (
                        CASE_COLUMNS[0].to_string(),
                        toml::Value::String(
                            c.perturbation
                                .map_or("none".to_string(), |p| p.name().to_string()),
                        ),
                    ),
                    (CASE_COLUMNS[1].to_string(), toml::Value::Float(c.severity)),
                ]
            })
            .collect()
    }
}

/// The columns that name a run's case in `evaluations.csv` of a stress objective.
pub const CASE_COLUMNS: [&str; 2] = ["stress.perturbation", "stress.severity"];

/// A checked optimisation plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Title for the report.
    pub title: String,
    /// The base scenario as a complete table.
    pub base: toml::Table,
    /// The decision variables.
    pub variables: Vec<Variable>,
    /// The metric optimised (a run metric or [`COST_PER_SOLVED`]).
    pub objective: String,
    /// Maximise or minimise it.
    pub direction: Direction,
    /// Constraints on run metrics' means.
    pub constraints: Vec<Constraint>,
    /// Most simulation runs in all (search and finalists).
    pub budget: usize,
    /// Replications of a candidate that is not raced out.
    pub replications: u32,
    /// Replications of a candidate's first stage (racing starts after it).
    pub race_from: u32,
    /// Candidates re-evaluated at the end.
    pub finalists: usize,
    /// Points of the space-filling design (scrambled Sobol) evaluated before CMA-ES starts
    /// at the best of them.
    pub initial: usize,
    /// Replications of each finalist.
    pub final_replications: u32,
    /// Root seed: replications (`hash2(seed, r)`), the search, the bootstrap.
    pub seed: u64,
    /// The second objective of a Pareto plan (`objectives = [first, second]`; the first is
    /// `objective` and `direction`): [`pareto::front`] searches the front of the two.
    pub pareto: Option<Objective>,
    /// Front points re-evaluated at the end of a Pareto search, and its scalarised
    /// searches (two anchors, the rest epsilon-constraint searches).
    pub front_points: usize,
    /// The objective over a stress plan's cases (`[stress]` in the plan), if any.
    pub stress: Option<StressObjective>,
}

impl Plan {
    /// Coordinates of the unit cube.
    pub fn dim(&self) -> usize {
        self.variables.iter().map(Variable::dim).sum()
    }

    /// The variables' values at unit coordinates `u`.
    pub fn decode(&self, u: &[f64]) -> Vec<(String, toml::Value)> {
        let mut out = Vec::new();
        let mut i = 0;
        for v in &self.variables {
            out.extend(v.decode(&u[i..i + v.dim()]));
            i += v.dim();
        }
        out
    }

    /// The column names of the variables' values (as [`Plan::decode`] orders them).
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in &self.variables {
            out.extend(v.names.iter().cloned());
            if let Domain::Shares { rest } = &v.domain {
                out.push(rest.clone());
            }
        }
        out
    }

    /// The columns of `evaluations.csv` that locate a run: [`Plan::columns`], then the
    /// case's [`CASE_COLUMNS`] under a stress objective.
    pub fn run_columns(&self) -> Vec<String> {
        let mut out = self.columns();
        if self.stress.is_some() {
            out.extend(CASE_COLUMNS.iter().map(|c| c.to_string()));
        }
        out
    }

    /// Runs per replication of a candidate: the stress objective's cases, or 1.
    pub fn runs_per_replication(&self) -> usize {
        self.stress.as_ref().map_or(1, |s| s.cases.len().max(1))
    }

    /// The scenario of each run of a replication at `values`, with the case's values of
    /// [`CASE_COLUMNS`] (none without a stress objective): the base with the values set and,
    /// for a perturbed case, its `[stress]` table.
    #[allow(clippy::type_complexity)]
    pub fn case_scenarios(
        &self,
        values: &[(String, toml::Value)],
    ) -> Result<Vec<(Vec<(String, toml::Value)>, toml::Table)>, String> {
        let t = self.scenario(values)?;
        let Some(st) = &self.stress else {
            return Ok(vec![(Vec::new(), t)]);
        };
        st.cases
            .iter()
            .zip(st.columns())
            .map(|(c, cols)| {
                let mut t = t.clone();
                if let Some(p) = c.perturbation {
                    crate::scenario::set_path(&mut t, "stress.perturbation", p.name().into())?;
                    crate::scenario::set_path(&mut t, "stress.severity", c.severity.into())?;
                    if let Some(tier) = &st.tier {
                        crate::scenario::set_path(&mut t, "stress.tier", tier.as_str().into())?;
                    }
                }
                Ok((cols, t))
            })
            .collect()
    }

    /// The base scenario with the values set.
    pub fn scenario(&self, values: &[(String, toml::Value)]) -> Result<toml::Table, String> {
        let mut t = self.base.clone();
        for (p, v) in values {
            crate::scenario::set_path(&mut t, p, v.clone())?;
        }
        Ok(t)
    }

    /// Runs the search needs at least: one generation at full replications and the
    /// finalists.
    pub fn min_budget(&self) -> usize {
        if self.pareto.is_some() {
            // Each scalarised search: one generation and its best candidate's replications
            // (looked up, not run again); then the front points.
            let polish = neighbours(self, &vec![0.5; self.dim()]).len();
            return self.front_points
                * (population(self.dim()) + 1 + polish)
                * self.replications as usize
                + self.front_points * self.final_replications as usize;
        }
        (population(self.dim()) * self.replications as usize
            + self.finalists * self.final_replications as usize)
            * self.runs_per_replication()
    }

    /// A fingerprint (32 hex digits) of everything the result depends on, with triad's
    /// version: a folder's recorded runs are reused when, and only when, it is the same.
    pub fn fingerprint(&self) -> String {
        let text = format!("triad {} optimize: {self:?}", env!("CARGO_PKG_VERSION"));
        crate::engine::fingerprint(text.as_bytes())
    }
}

/// CMA-ES's default population for `n` coordinates, `4 + floor(3 ln n)`.
pub fn population(n: usize) -> usize {
    4 + (3.0 * (n.max(1) as f64).ln()).floor() as usize
}

/// A value that ranks every infeasible candidate below every feasible one.
const INFEASIBLE: f64 = 1e12;

/// One evaluated candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its number, from 1, in the order evaluated.
    pub id: usize,
    /// The generation that proposed it (0 for none: a finalist's re-evaluation keeps its
    /// own).
    pub generation: usize,
    /// The unit coordinates it was proposed at.
    pub u: Vec<f64>,
    /// Its values.
    pub values: Vec<(String, toml::Value)>,
    /// The objective per replication run.
    pub objective: Vec<f64>,
    /// Each constraint's metric per replication run.
    pub constrained: Vec<Vec<f64>>,
    /// Stopped before all its replications (clearly worse, or clearly infeasible).
    pub raced_out: bool,
}

impl Candidate {
    /// Mean and 95% interval of the objective.
    pub fn ci(&self) -> MeanCi {
        mean_ci(&self.objective, 0.95)
    }

    /// The score the search minimises (Deb's rule on the means).
    pub fn score(&self, plan: &Plan) -> f64 {
        score(plan, &self.objective, &self.constrained)
    }
}

fn mean(xs: &[f64]) -> f64 {
    let v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The score of means of `objective` and `constrained` (lower is better): minus the signed
/// objective when feasible, [`INFEASIBLE`] plus the summed relative violation otherwise.
fn score(plan: &Plan, objective: &[f64], constrained: &[Vec<f64>]) -> f64 {
    let v: f64 = plan
        .constraints
        .iter()
        .zip(constrained)
        .map(|(c, xs)| c.violation(mean(xs)))
        .sum();
    let m = mean(objective);
    if v > 0.0 {
        INFEASIBLE + v
    } else if m.is_nan() {
        INFEASIBLE
    } else {
        -plan.direction.sign() * m
    }
}

/// A finalist re-evaluated with the final replications.
#[derive(Debug, Clone, PartialEq)]
pub struct Finalist {
    /// The candidate (with all final replications).
    pub candidate: Candidate,
    /// Mean and 95% interval of the objective.
    pub objective: MeanCi,
    /// Mean and 95% interval of each constraint's metric.
    pub constrained: Vec<MeanCi>,
    /// Whether the means satisfy every constraint.
    pub feasible: bool,
    /// Share of paired bootstrap resamples in which it ranks first.
    pub p_best: f64,
}

/// The incumbent after a generation, for the convergence plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Runs asked for so far.
    pub runs: usize,
    /// The incumbent's objective (`None` before one exists).
    pub incumbent: Option<MeanCi>,
    /// Whether the incumbent is feasible.
    pub feasible: bool,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Every candidate of the search, in order.
    pub candidates: Vec<Candidate>,
    /// The finalists, best first.
    pub finalists: Vec<Finalist>,
    /// The incumbent after each generation.
    pub trace: Vec<Step>,
    /// Runs of the search (distinct point and replication).
    pub search_runs: usize,
    /// Runs in all, finalists included.
    pub runs: usize,
    /// Generations.
    pub generations: usize,
    /// CMA-ES restarts (after it converged with budget left).
    pub restarts: usize,
}

impl Outcome {
    /// The best finalist.
    pub fn best(&self) -> &Finalist {
        &self.finalists[0]
    }
}

/// Progress reports of a search.
pub trait Progress: Sync {
    /// A generation finished: `runs` used so far, the incumbent's objective.
    fn generation(&self, _n: usize, _runs: usize, _best: Option<f64>) {}
    /// The finalists' re-evaluation starts.
    fn finals(&self, _n: usize) {}
}

/// Reports nothing.
#[derive(Debug)]
pub struct Quiet;
impl Progress for Quiet {}

/// Runs `plan` with `sim`, every run going through `store` (looked up there when it holds
/// it, otherwise run and recorded). Runs on the current rayon pool; the result does not
/// depend on it.
pub fn optimize(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    progress: &dyn Progress,
) -> anyhow::Result<Outcome> {
    optimize_with(plan, sim, store, progress, Optimiser::Cmaes)
}

/// The optimiser that proposes a search's candidates; everything else (the unit cube, the
/// evaluation with racing, the store, common random numbers, the finalists) is the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Optimiser {
    /// CMA-ES with the discrete-neighbour checks and restarts ([`optimize`]'s search).
    #[default]
    Cmaes,
    /// `argmin`'s particle swarm of `particles` points, started at random in the cube and
    /// seeded from the plan's seed; no discrete-neighbour checks. `docs/optimize.md`
    /// measures it against CMA-ES; no command uses it.
    ParticleSwarm {
        /// The swarm's size: candidates per generation (at least 2).
        particles: usize,
    },
}

/// [`optimize`] with `optimiser` proposing the candidates (for comparing optimisers on a
/// plan; [`optimize`] is `Optimiser::Cmaes`).
pub fn optimize_with(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    progress: &dyn Progress,
    optimiser: Optimiser,
) -> anyhow::Result<Outcome> {
    if plan.pareto.is_some() {
        anyhow::bail!("a plan with two objectives is searched by `optimize::pareto::front`");
    }
    let from = Start {
        optimiser,
        ..Start::default()
    };
    let out = search(plan, sim, store, progress, &from)?;
    if out.finalists.is_empty() {
        anyhow::bail!("no candidate ran all its replications within the budget");
    }
    Ok(out)
}

/// Where a search starts: the first candidate number, the unit coordinates CMA-ES starts
/// from, a salt of its seed (0: the plan's seed alone), and the optimiser.
#[derive(Debug, Clone, Default)]
pub(crate) struct Start {
    pub(crate) first_id: usize,
    pub(crate) at: Option<Vec<f64>>,
    pub(crate) salt: u64,
    pub(crate) optimiser: Optimiser,
}

/// The search of [`optimize`] from `from`.
pub(crate) fn search(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    progress: &dyn Progress,
    from: &Start,
) -> anyhow::Result<Outcome> {
    if plan.budget < plan.min_budget() {
        anyhow::bail!(
            "a budget of {} runs is less than one generation at full replications and the \
             finalists ({} runs)",
            plan.budget,
            plan.min_budget()
        );
    }
    let dim = plan.dim();
    let pop = population(dim);
    let full = plan.replications as usize;
    // Runs of one candidate at all its replications (every case of each).
    let cost = full * plan.runs_per_replication();
    let search_budget = plan.budget
        - plan.finalists * plan.final_replications as usize * plan.runs_per_replication();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut trace = Vec::new();
    let mut incumbent: Option<usize> = None;
    // Runs kept for the last check of the incumbent's discrete neighbours.
    let reserve = neighbours(plan, &vec![0.5; dim]).len() * cost;
    let mut generation = 0;
    let mut restarts = 0;
    let mut start = from.at.clone().unwrap_or_else(|| vec![0.5; dim]);
    let cma_seed = if from.salt == 0 {
        plan.seed
    } else {
        hash2(plan.seed, from.salt)
    };
    let mut sigma = 0.3;
    // A space-filling start (a search that starts from a given point has none): a
    // scrambled Sobol design, its best point CMA-ES's start.
    let n0 = if from.at.is_some() {
        0
    } else {
        plan.initial
            .min(search_budget.saturating_sub(store.runs()) / cost.max(1))
    };
    if n0 > 0 {
        let us = crate::sweep::design::sobol_scrambled(n0, dim, hash2(cma_seed, 0x1d))
            .unwrap_or_else(|| crate::sweep::design::random(n0, dim, hash2(cma_seed, 0x1d)));
        generation += 1;
        incumbent = evaluate_generation(
            (plan, sim, store, progress),
            &us,
            None,
            (generation, from.first_id),
            &mut candidates,
            &mut trace,
        )?;
        if let Some(i) = incumbent {
            start = candidates[i].u.clone();
            sigma = 0.2;
        }
    }
    if let Optimiser::ParticleSwarm { particles } = from.optimiser {
        let done = swarm::run(
            plan,
            sim,
            store,
            progress,
            particles,
            (cma_seed, from.first_id, search_budget),
            generation,
            incumbent,
            &mut candidates,
            &mut trace,
        )?;
        generation = done.generation;
        incumbent = done.incumbent;
    }
    // The incumbent every candidate of a generation races against.
    let shared: Mutex<Option<Candidate>> = Mutex::new(incumbent.map(|i| candidates[i].clone()));
    let mut since_polish = 0;
    // Generations in a row that ran nothing new: every point proposed was run before (a
    // small discrete space, all of it tried).
    let mut idle = 0;
    'outer: loop {
        if from.optimiser != Optimiser::Cmaes {
            // The swarm ran above; the finalists follow.
            break;
        }
        let batch: Mutex<Vec<(Vec<f64>, Candidate)>> = Mutex::new(Vec::new());
        let failed: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        let objective = |x: &cmaes::DVector<f64>| -> f64 {
            let u: Vec<f64> = x.iter().map(|&v| reflect(v)).collect();
            if failed.lock().map(|f| f.is_some()).unwrap_or(true) {
                return INFEASIBLE * 10.0;
            }
            let inc = shared.lock().ok().and_then(|i| i.clone());
            match evaluate(plan, sim, store, &u, inc.as_ref(), 0) {
                Ok(c) => {
                    let s = c.score(plan);
                    if let Ok(mut b) = batch.lock() {
                        b.push((u, c));
                    }
                    s
                }
                Err(e) => {
                    if let Ok(mut f) = failed.lock() {
                        f.get_or_insert(e);
                    }
                    INFEASIBLE * 10.0
                }
            }
        };
        let built = cmaes::CMAESOptions::new(start.clone(), sigma)
            .seed(hash2(cma_seed, 0x0b7 + restarts as u64))
            .population_size(pop)
            .tol_x(1e-4)
            .build(objective);
        let Ok(mut cm) = built else {
            anyhow::bail!("the optimiser cannot start on {dim} coordinates");
        };
        loop {
            let keep = if generation > 0 { reserve } else { 0 };
            if store.runs() + pop * cost + keep > search_budget {
                break 'outer;
            }
            let before = store.runs();
            let done = cm.next_parallel();
            if let Some(e) = failed.lock().ok().and_then(|mut f| f.take()) {
                return Err(e);
            }
            check_interrupt()?;
            generation += 1;
            since_polish += 1;
            let got = std::mem::take(&mut *batch.lock().map_err(|_| poisoned())?);
            incumbent = commit_batch(
                plan,
                store,
                got,
                (generation, from.first_id),
                &mut candidates,
                &mut trace,
            )?;
            if let Ok(mut s) = shared.lock() {
                *s = incumbent.map(|i| candidates[i].clone());
            }
            progress.generation(
                generation,
                store.runs(),
                incumbent.map(|i| candidates[i].ci().mean),
            );
            // Runs count once committed: after the batch.
            idle = if store.runs() == before { idle + 1 } else { 0 };
            if idle >= IDLE_GENERATIONS {
                break 'outer;
            }
            // Every POLISH_EVERY generations, and when CMA-ES converges: try every other
            // choice of each integer and categorical variable at the incumbent. CMA-ES
            // narrows its step and stops crossing the bins of a discrete coordinate; a
            // better neighbour restarts it from there.
            if since_polish >= POLISH_EVERY || done.is_some() {
                since_polish = 0;
                let Some(i) = incumbent else {
                    continue;
                };
                let us = neighbours(plan, &candidates[i].u);
                if us.is_empty() || store.runs() + us.len() * cost > search_budget {
                    if done.is_some() {
                        break 'outer;
                    }
                    continue;
                }
                let inc = candidates[i].clone();
                generation += 1;
                incumbent = evaluate_generation(
                    (plan, sim, store, progress),
                    &us,
                    Some(&inc),
                    (generation, from.first_id),
                    &mut candidates,
                    &mut trace,
                )?;
                if let Ok(mut s) = shared.lock() {
                    *s = incumbent.map(|i| candidates[i].clone());
                }
                if incumbent != Some(i) || done.is_some() {
                    // Restart, narrower, from the (new) incumbent.
                    restarts += 1;
                    if let Some(j) = incumbent {
                        start = candidates[j].u.clone();
                    }
                    sigma = 0.15;
                    continue 'outer;
                }
            }
        }
    }
    // The last check of the incumbent's discrete neighbours, when generations ran since the
    // previous one and the budget holds it.
    if let Some(i) = incumbent.filter(|_| since_polish > 0) {
        let us = neighbours(plan, &candidates[i].u);
        if !us.is_empty() && store.runs() + us.len() * cost <= search_budget {
            let inc = candidates[i].clone();
            generation += 1;
            incumbent = evaluate_generation(
                (plan, sim, store, progress),
                &us,
                Some(&inc),
                (generation, from.first_id),
                &mut candidates,
                &mut trace,
            )?;
        }
    }
    let _ = incumbent;
    let search_runs = store.runs();
    // Finalists: the best distinct candidates that ran all their replications.
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&i| !candidates[i].raced_out && candidates[i].objective.len() >= full)
        .collect();
    order.sort_by(|&a, &b| {
        candidates[a]
            .score(plan)
            .total_cmp(&candidates[b].score(plan))
            .then(a.cmp(&b))
    });
    let mut picked: Vec<usize> = Vec::new();
    for i in order {
        if picked.len() == plan.finalists {
            break;
        }
        if !picked
            .iter()
            .any(|&j| key(&candidates[j].values) == key(&candidates[i].values))
        {
            picked.push(i);
        }
    }
    if picked.is_empty() {
        // The caller says what that means (a Pareto search skips the bound).
        return Ok(Outcome {
            candidates,
            finalists: Vec::new(),
            trace,
            search_runs,
            runs: store.runs(),
            generations: generation,
            restarts,
        });
    }
    progress.finals(picked.len());
    let reps = plan.final_replications as usize;
    let finals: Vec<Candidate> = picked
        .par_iter()
        .map(|&i| {
            let mut c = evaluate_reps(plan, sim, store, &candidates[i].values, 0..reps)?;
            c.id = candidates[i].id;
            c.generation = candidates[i].generation;
            c.u = candidates[i].u.clone();
            Ok(c)
        })
        .collect::<anyhow::Result<_>>()?;
    for c in &finals {
        store.commit(c, "final")?;
    }
    store.flush()?;
    let finalists = rank_finalists(plan, finals);
    Ok(Outcome {
        candidates,
        finalists,
        trace,
        search_runs,
        runs: store.runs(),
        generations: generation,
        restarts,
    })
}

pub use crate::base::stats::reflect;

/// Generations of CMA-ES between two checks of the incumbent's discrete neighbours.
pub const POLISH_EVERY: usize = 8;

fn check_interrupt() -> anyhow::Result<()> {
    if interrupt::requested() {
        return Err(Interrupted {
            resume: "rerun the same command to resume: the runs of finished generations are \
                     kept in evaluations.csv"
                .into(),
        }
        .into());
    }
    Ok(())
}

/// The unit coordinates of the points that differ from `u` in one integer or categorical
/// variable, at the middle of each other choice's bin.
fn neighbours(plan: &Plan, u: &[f64]) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    let mut at = 0;
    for v in &plan.variables {
        let k = match &v.domain {
            Domain::Integer { lo, hi } => (hi - lo + 1) as usize,
            Domain::Categorical(c) => c.len(),
            Domain::Joint(c) => c.len(),
            _ => 0,
        };
        let here = ((u[at] * k as f64).floor().max(0.0) as usize).min(k.max(1) - 1);
        for j in (0..k).filter(|&j| j != here) {
            let mut w = u.to_vec();
            w[at] = (j as f64 + 0.5) / k as f64;
            out.push(w);
        }
        at += v.dim();
    }
    out
}

/// Evaluates the points `us` in parallel as generation `generation` (racing against `inc`
/// when given), commits them ([`commit_batch`]), reports the generation and returns the new
/// incumbent.
fn evaluate_generation(
    (plan, sim, store, progress): (&Plan, &dyn Simulator, &Store, &dyn Progress),
    us: &[Vec<f64>],
    inc: Option<&Candidate>,
    (generation, first_id): (usize, usize),
    candidates: &mut Vec<Candidate>,
    trace: &mut Vec<Step>,
) -> anyhow::Result<Option<usize>> {
    let got: Vec<(Vec<f64>, Candidate)> = us
        .par_iter()
        .map(|u| Ok((u.clone(), evaluate(plan, sim, store, u, inc, 0)?)))
        .collect::<anyhow::Result<_>>()?;
    check_interrupt()?;
    let incumbent = commit_batch(plan, store, got, (generation, first_id), candidates, trace)?;
    progress.generation(
        generation,
        store.runs(),
        incumbent.map(|i| candidates[i].ci().mean),
    );
    Ok(incumbent)
}

/// Numbers a batch's candidates in a fixed order (by their coordinates), records their
/// runs, rewrites the file, and returns the new incumbent.
fn commit_batch(
    plan: &Plan,
    store: &Store,
    mut got: Vec<(Vec<f64>, Candidate)>,
    (generation, first_id): (usize, usize),
    candidates: &mut Vec<Candidate>,
    trace: &mut Vec<Step>,
) -> anyhow::Result<Option<usize>> {
    got.sort_by(|a, b| {
        a.0.iter()
            .zip(&b.0)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for (_, mut c) in got {
        c.id = first_id + candidates.len() + 1;
        c.generation = generation;
        store.commit(&c, "search")?;
        candidates.push(c);
    }
    store.flush()?;
    let incumbent = best_full(plan, candidates, plan.replications as usize);
    let ib = incumbent.map(|i| &candidates[i]);
    trace.push(Step {
        runs: store.runs(),
        incumbent: ib.map(Candidate::ci),
        feasible: ib.is_some_and(|c| c.score(plan) < INFEASIBLE),
    });
    Ok(incumbent)
}

pub(crate) fn poisoned() -> anyhow::Error {
    anyhow::anyhow!("a worker thread panicked")
}

/// The key of a point: its values as CSV fields.
pub(crate) fn key(values: &[(String, toml::Value)]) -> String {
    values
        .iter()
        .map(|(_, v)| crate::base::fmt::param_str(v))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// The index of the best candidate with all `full` replications (by [`Candidate::score`],
/// the earlier on a tie).
fn best_full(plan: &Plan, cs: &[Candidate], full: usize) -> Option<usize> {
    (0..cs.len())
        .filter(|&i| !cs[i].raced_out && cs[i].objective.len() >= full)
        .min_by(|&a, &b| {
            cs[a]
                .score(plan)
                .total_cmp(&cs[b].score(plan))
                .then(a.cmp(&b))
        })
}

/// Evaluates the candidate at unit coordinates `u` with racing against `incumbent`.
fn evaluate(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    u: &[f64],
    incumbent: Option<&Candidate>,
    id: usize,
) -> anyhow::Result<Candidate> {
    let values = plan.decode(u);
    let full = plan.replications as usize;
    let mut n = (plan.race_from as usize).clamp(1, full);
    let mut done = 0;
    let mut c = Candidate {
        id,
        generation: 0,
        u: u.to_vec(),
        values,
        objective: Vec::new(),
        constrained: vec![Vec::new(); plan.constraints.len()],
        raced_out: false,
    };
    loop {
        let more = evaluate_reps(plan, sim, store, &c.values, done..n)?;
        c.objective.extend(more.objective);
        for (a, b) in c.constrained.iter_mut().zip(more.constrained) {
            a.extend(b);
        }
        done = n;
        if done >= full {
            return Ok(c);
        }
        if clearly_out(plan, &c, incumbent) {
            c.raced_out = true;
            return Ok(c);
        }
        n = (n * 2).min(full);
    }
}

/// Whether a candidate is clearly worse than the incumbent (paired 95% interval of the
/// signed difference below 0, both feasible or the incumbent feasible) or clearly violates
/// a constraint.
fn clearly_out(plan: &Plan, c: &Candidate, incumbent: Option<&Candidate>) -> bool {
    if c.objective.len() < 2 {
        return false;
    }
    if plan
        .constraints
        .iter()
        .zip(&c.constrained)
        .any(|(k, xs)| k.clearly_violated(&mean_ci(xs, 0.95)))
    {
        return true;
    }
    let Some(inc) = incumbent else {
        return false;
    };
    if inc.score(plan) >= INFEASIBLE {
        return false;
    }
    let n = c.objective.len();
    let s = plan.direction.sign();
    let a: Vec<f64> = c.objective.iter().map(|x| s * x).collect();
    let b: Vec<f64> = inc.objective[..n].iter().map(|x| s * x).collect();
    let d = paired_ci(&a, &b, 0.95);
    d.n >= 2 && d.hi < 0.0
}

/// Runs (or looks up) replications `reps` of the point `values`, in parallel.
fn evaluate_reps(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    values: &[(String, toml::Value)],
    reps: std::ops::Range<usize>,
) -> anyhow::Result<Candidate> {
    let tables = plan
        .case_scenarios(values)
        .map_err(|e| anyhow::anyhow!("cannot set the variables: {e}"))?;
    let keys: Vec<String> = tables
        .iter()
        .map(|(cols, _)| {
            let mut at = values.to_vec();
            at.extend(cols.iter().cloned());
            key(&at)
        })
        .collect();
    // runs[r][case]
    let runs: Vec<Vec<(Vec<String>, Vec<f64>)>> = reps
        .clone()
        .into_par_iter()
        .map(|r| {
            tables
                .par_iter()
                .zip(&keys)
                .map(|((cols, table), k)| {
                    if interrupt::requested() {
                        return Err(Interrupted {
                            resume: "rerun the same command to resume".into(),
                        }
                        .into());
                    }
                    store.get_or_run(k, r, || {
                        let seed = hash2(plan.seed, r as u64);
                        sim.run(table, seed).map_err(|e| {
                            let mut at = values.to_vec();
                            at.extend(cols.iter().cloned());
                            anyhow::anyhow!(
                                "the run of {} (replication {r}) failed: {e}",
                                describe(&at)
                            )
                        })
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .collect::<anyhow::Result<_>>()?;
    let sign = plan.direction.sign();
    let objective = runs
        .iter()
        .map(|rep| {
            let xs: Vec<f64> = rep
                .iter()
                .map(|(n, v)| metric_value(n, v, &plan.objective))
                .collect();
            match &plan.stress {
                None => xs[0],
                Some(st) => st.statistic.of(&xs, sign),
            }
        })
        .collect();
    let constrained = plan
        .constraints
        .iter()
        .map(|c| {
            runs.iter()
                .map(|rep| {
                    let xs: Vec<f64> = rep
                        .iter()
                        .map(|(n, v)| metric_value(n, v, &c.metric))
                        .collect();
                    mean(&xs)
                })
                .collect()
        })
        .collect();
    Ok(Candidate {
        id: 0,
        generation: 0,
        u: Vec::new(),
        values: values.to_vec(),
        objective,
        constrained,
        raced_out: false,
    })
}

/// `path = value, ...` for messages and the report.
pub fn describe(values: &[(String, toml::Value)]) -> String {
    values
        .iter()
        .map(|(p, v)| format!("{p} = {}", show(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value for reading: floats with four significant digits.
pub fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(f) => crate::base::fmt::sig(*f),
        other => other.to_string(),
    }
}

/// Generations in a row that propose only points already run before the search stops
/// short of its budget (the space has nothing new to offer at the search's resolution).
pub const IDLE_GENERATIONS: usize = 5;

/// Resamples of the paired bootstrap for P(best).
pub const BOOTSTRAP: usize = 2000;

/// The finalists ranked by the feasibility rule on their final means, with P(best) by a
/// paired bootstrap over the replications.
fn rank_finalists(plan: &Plan, finals: Vec<Candidate>) -> Vec<Finalist> {
    let n = finals.first().map_or(0, |c| c.objective.len());
    let mut wins = vec![0.0f64; finals.len()];
    let mut rng = Streams::new(plan.seed).stream(0xb007);
    let mut idx = vec![0usize; n];
    for _ in 0..BOOTSTRAP {
        for i in idx.iter_mut() {
            *i = rng.below(n);
        }
        let pick = |xs: &[f64]| -> Vec<f64> { idx.iter().map(|&i| xs[i]).collect() };
        let scores: Vec<f64> = finals
            .iter()
            .map(|f| {
                score(
                    plan,
                    &pick(&f.objective),
                    &f.constrained.iter().map(|x| pick(x)).collect::<Vec<_>>(),
                )
            })
            .collect();
        // Finalists tied for the best score on a resample share its win: two candidates
        // that give the same runs are equally likely to be the best.
        let best = scores.iter().copied().fold(f64::INFINITY, f64::min);
        let tied: Vec<usize> = (0..scores.len()).filter(|&k| scores[k] == best).collect();
        for &k in &tied {
            wins[k] += 1.0 / tied.len() as f64;
        }
    }
    let mut out: Vec<Finalist> = finals
        .into_iter()
        .zip(wins)
        .map(|(c, w)| Finalist {
            objective: c.ci(),
            constrained: c.constrained.iter().map(|x| mean_ci(x, 0.95)).collect(),
            feasible: c.score(plan) < INFEASIBLE,
            p_best: w / BOOTSTRAP as f64,
            candidate: c,
        })
        .collect();
    out.sort_by(|a, b| {
        a.candidate
            .score(plan)
            .total_cmp(&b.candidate.score(plan))
            .then(a.candidate.id.cmp(&b.candidate.id))
    });
    out
}
