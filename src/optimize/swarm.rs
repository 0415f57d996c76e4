//! The particle swarm as the search's optimiser ([`super::Optimiser::ParticleSwarm`]):
//! `argmin`'s `ParticleSwarm`, seeded as `triad calibrate` seeds it, over the same unit
//! cube, with every candidate evaluated as the CMA-ES search evaluates it (racing against
//! the incumbent, the store's runs, common random numbers) and committed one swarm
//! iteration at a time, so the finalists, outputs and resume work unchanged.
//!
//! The swarm starts at random in the cube (`argmin`'s own start: positions uniform, speeds
//! up to the cube's width); a plan's `initial` design, if any, is evaluated before it and
//! its best point is the incumbent the swarm's first candidates race against, but the swarm
//! does not start from it. The swarm has no discrete-neighbour checks: its random start and
//! its pull toward each particle's own best already cross the bins of a discrete
//! coordinate. A position is clamped into the cube (`argmin`'s rule).

use super::{
    Candidate, IDLE_GENERATIONS, Plan, Progress, Step, Store, check_interrupt, commit_batch,
    evaluate, poisoned,
};
use crate::engine::hash2;
use crate::sweep::Simulator;
use argmin::core::{CostFunction, Problem, Solver, State};
use argmin::solver::particleswarm::{Particle, ParticleSwarm};
use argmin_rng::Xoshiro256PlusPlus;
use argmin_rng::rand_core::SeedableRng;
use rayon::prelude::*;
use std::sync::Mutex;

/// The swarm's cost function: one call of `bulk_cost` is one iteration's candidates,
/// evaluated in parallel and kept for the caller to commit.
struct SwarmCost<'a> {
    plan: &'a Plan,
    sim: &'a dyn Simulator,
    store: &'a Store,
    incumbent: &'a Mutex<Option<Candidate>>,
    batch: &'a Mutex<Vec<(Vec<f64>, Candidate)>>,
}

impl SwarmCost<'_> {
    fn eval_all(&self, us: Vec<Vec<f64>>) -> anyhow::Result<Vec<f64>> {
        let inc = self.incumbent.lock().map_err(|_| poisoned())?.clone();
        let got: Vec<(Vec<f64>, Candidate)> = us
            .into_par_iter()
            .map(|u| {
                let c = evaluate(self.plan, self.sim, self.store, &u, inc.as_ref(), 0)?;
                Ok((u, c))
            })
            .collect::<anyhow::Result<_>>()?;
        let scores = got.iter().map(|(_, c)| c.score(self.plan)).collect();
        self.batch.lock().map_err(|_| poisoned())?.extend(got);
        Ok(scores)
    }
}

impl CostFunction for SwarmCost<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.eval_all(vec![p.clone()])?[0])
    }

    fn bulk_cost<P>(&self, params: &[P]) -> Result<Vec<f64>, argmin::core::Error>
    where
        P: std::borrow::Borrow<Vec<f64>> + argmin::core::SyncAlias,
        f64: argmin::core::SendAlias,
        Self: argmin::core::SyncAlias,
    {
        self.eval_all(params.iter().map(|p| p.borrow().clone()).collect())
    }
}

/// What the swarm leaves to the search: the generation count and incumbent after it.
pub(super) struct Done {
    pub(super) generation: usize,
    pub(super) incumbent: Option<usize>,
}

/// Runs the swarm of `particles` until the search budget holds no further iteration (or
/// [`IDLE_GENERATIONS`] iterations in a row ran nothing new), committing each iteration as
/// a generation.
#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    progress: &dyn Progress,
    particles: usize,
    (seed, first_id, search_budget): (u64, usize, usize),
    mut generation: usize,
    mut incumbent: Option<usize>,
    candidates: &mut Vec<Candidate>,
    trace: &mut Vec<Step>,
) -> anyhow::Result<Done> {
    let dim = plan.dim();
    let particles = particles.max(2);
    let cost = plan.replications as usize * plan.runs_per_replication();
    let shared = Mutex::new(incumbent.map(|i| candidates[i].clone()));
    let batch = Mutex::new(Vec::new());
    let mut problem = Problem::new(SwarmCost {
        plan,
        sim,
        store,
        incumbent: &shared,
        batch: &batch,
    });
    let mut solver: ParticleSwarm<Vec<f64>, f64, _> =
        ParticleSwarm::new((vec![0.0; dim], vec![1.0; dim]), particles)
            .with_rng_generator(Xoshiro256PlusPlus::seed_from_u64(hash2(seed, 0x5a)));
    let mut state = None;
    let mut idle = 0;
    while store.runs() + particles * cost <= search_budget {
        let before = store.runs();
        let next = match state.take() {
            None => solver.init(&mut problem, argmin::core::PopulationState::new()),
            Some(s) => solver.next_iter(&mut problem, s),
        };
        let s: argmin::core::PopulationState<Particle<Vec<f64>, f64>, f64> = match next {
            Ok((s, _)) => s,
            Err(e) => return Err(e),
        };
        state = Some(s);
        check_interrupt()?;
        generation += 1;
        let got = std::mem::take(&mut *batch.lock().map_err(|_| poisoned())?);
        incumbent = commit_batch(plan, store, got, (generation, first_id), candidates, trace)?;
        *shared.lock().map_err(|_| poisoned())? = incumbent.map(|i| candidates[i].clone());
        progress.generation(
            generation,
            store.runs(),
            incumbent.map(|i| candidates[i].ci().mean),
        );
        // Runs count once committed: after the batch.
        idle = if store.runs() == before { idle + 1 } else { 0 };
        if idle >= IDLE_GENERATIONS {
            break;
        }
    }
    Ok(Done {
        generation,
        incumbent,
    })
}
