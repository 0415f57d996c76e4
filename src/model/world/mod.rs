//! The world: tasks arrive, users attempt them, evolvers improve the harness, verifiers
//! judge, and one ledger pays for it all. Runs on the engine as one model.
//!
//! This file holds the world's state, its events, [`run`] and the dispatch of each event;
//! the handlers live by concern:
//! - `calls.rs`: model calls on tier slots, their price and duration under the current
//!   conditions (shocks), and users giving up in the queue;
//! - `tasks.rs`: a task's arrival, its attempts and how it resolves;
//! - `evolution.rs`: epochs, evolution rounds, candidate edits through the acceptance
//!   anchors, and deployment;
//! - `islands.rs`: the `islands` strategy: harness variants that evolve across rounds on
//!   islands, judged whole by the anchors, the best deployed;
//! - `sampling.rs`: the time series and the run's final record;
//! - `slab.rs`: the tables of live calls, tasks and candidates.

mod calls;
mod evolution;
mod islands;
mod sampling;
mod slab;
mod tasks;

use self::calls::Live;
use self::evolution::{Candidate, ModeState, Round};
use self::islands::Islands;
use self::sampling::SampleWindow;
use self::slab::Slab;
use self::tasks::Job;
use super::config::WorldConfig;
use super::evolver::{Evolver, Landscape, model_taste};
use super::harness::Harness;
use super::ledger::{Ledger, PerRole};
use super::metrics::{Metrics, Series};
use super::policy::{Plan, Policy, View};
use super::shock::Conditions;
use super::task::Mix;
use super::tier::Traits;
use super::verifier::Judge;
use crate::engine::{
    EngineError, Model, Resource, Scheduler, SimTime, Simulation, Stream, Streams, hash2,
};

/// Sub-stream ids: each source of randomness has its own, so that changing how much one
/// part draws never shifts another (common random numbers across policies).
mod stream {
    pub(super) const ARRIVALS: u64 = 1;
    pub(super) const ATTEMPTS: u64 = 2;
    pub(super) const EVOLVE: u64 = 3;
    pub(super) const JUDGE: u64 = 4;
    pub(super) const LANDSCAPE: u64 = 5;
    pub(super) const PREDICT: u64 = 6;
    pub(super) const ROUNDS: u64 = 7;
    pub(super) const ISLANDS: u64 = 8;
    pub(super) const RANKING: u64 = 1000;
}

/// The world's events: a closed set, no closures.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    /// The next task arrives.
    Arrival,
    /// A model call finished (index into the call table).
    CallDone(u32),
    /// A programmatic check of a proposal finished.
    ToolDone(u32),
    /// A task's call has waited as long as its user will wait.
    GiveUp {
        /// The call.
        call: u32,
        /// Its serial (the slot may hold a later call by then).
        serial: u32,
    },
    /// Policy epoch and evolution round.
    Epoch,
    /// A new simulated day of a budget paced per day: every role's account is granted
    /// its share of the day's budget (scheduled only when the budget is paced).
    Day,
    /// Shock `index` starts (`start`) or ends.
    Shock {
        /// Index into the scenario's shocks.
        index: u32,
        /// Whether it starts.
        start: bool,
    },
    /// A programmatic check of an island child finished.
    VariantChecked(u32),
    /// The next variant the island search chose is deployed: a new harness version.
    DeployVariant,
    /// An accepted edit is deployed: a new harness version.
    Deploy {
        /// Category whose section changes.
        category: u32,
        /// Change of its quality.
        delta: f64,
    },
    /// The task mix changes to regime `i`.
    Regime(u32),
    /// A row of the time series.
    Sample,
}

/// The running world.
struct World {
    cfg: WorldConfig,
    /// Taken out while it decides, so it can see the rest of the world.
    policy: Option<Box<dyn Policy>>,
    plan: Plan,
    ledger: Ledger,
    harness: Harness,
    /// The current task mix.
    mix: Mix,
    headroom: Vec<f64>,
    // Calls (calls.rs).
    /// One slot pool per tier; a slot holds an index into `calls`.
    slots: Vec<Resource<u32>>,
    conditions: Conditions,
    active_shocks: Vec<bool>,
    calls: Slab<Live>,
    serial: u32,
    // Tasks (tasks.rs).
    jobs: Slab<Job>,
    next_task: u64,
    failure_rate: Vec<f64>,
    // Evolution (evolution.rs).
    round_states: Vec<Round>,
    candidates: Slab<Candidate>,
    landscape: Landscape,
    evolvers: Vec<Evolver>,
    /// The verifier tier's model's preference for each idea (category-major): its taste
    /// when it judges edits.
    verifier_taste: Vec<f64>,
    modes: Vec<ModeState>,
    /// The island search's populations (used by the `islands` strategy only).
    islands: Islands,
    /// Edits deployed per category (the policy's `View::deployed`).
    deployed: Vec<u32>,
    /// Failures per category since the last epoch: where the next round's edits aim.
    epoch_failures: Vec<f64>,
    /// Edits accepted since the last epoch (the policy's `View::recent.0`).
    epoch_accepted: u32,
    /// Edits proposed since the last epoch (the policy's `View::recent.1`).
    epoch_proposed: u32,
    next_evolver: usize,
    // Random streams.
    arrivals: Stream,
    attempts_streams: Streams,
    evolve: Stream,
    judge: Stream,
    predict: Stream,
    rounds: Stream,
    // What the run measures (sampling.rs).
    metrics: Metrics,
    series: Series,
    quality_area: f64,
    last_quality_change: f64,
    /// Spend per role at the last row of the series.
    spend_at_last_sample: PerRole<f64>,
    /// Tasks resolved since the last row of the series.
    sample_window: SampleWindow,
    tier_names: Vec<String>,
}

/// Everything a run produces.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// The run's record.
    pub metrics: Metrics,
    /// The run's time series.
    pub series: Series,
    /// Tier names, for the per-tier columns.
    pub tier_names: Vec<String>,
}

impl RunResult {
    /// The record as named columns in a fixed order.
    pub fn columns(&self) -> Vec<(String, f64)> {
        self.metrics.columns(&self.tier_names)
    }
}

/// Why a run could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The world has no tiers, so nobody can do anything.
    #[error("the world has no tiers; add at least one [[tier]]")]
    NoTiers,
    /// The policy's plan names a tier the world does not have.
    #[error("the policy's plan puts the {role} on tier {index}, but the world has {tiers} tiers")]
    PlanTier {
        /// The role (`user`, `verifier`, `evolver`).
        role: &'static str,
        /// The tier index the plan names.
        index: usize,
        /// How many tiers the world has.
        tiers: usize,
    },
    /// The policy's plan has no evolver tier.
    #[error("the policy's plan has no evolver tier; give it at least one")]
    NoEvolver,
    /// The engine refused a time or an event.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<crate::engine::TimeError> for RunError {
    fn from(e: crate::engine::TimeError) -> Self {
        RunError::Engine(e.into())
    }
}

/// Runs the world `cfg` (which must be valid: see `scenario::validate`) under `policy`
/// with `seed`. A run is a pure function of the three.
pub fn run(cfg: &WorldConfig, policy: Box<dyn Policy>, seed: u64) -> Result<RunResult, RunError> {
    if cfg.tiers.is_empty() {
        return Err(RunError::NoTiers);
    }
    let horizon = SimTime::new(cfg.horizon_hours)?;
    let world = World::new(cfg.clone(), policy, seed)?;
    let mut sim = Simulation::new(world);
    let first = sim
        .model_mut()
        .arrivals
        .exp(cfg.workload.arrival_per_hour.max(1e-12));
    sim.schedule(SimTime::new(first)?, Event::Arrival)?;
    sim.schedule(SimTime::ZERO, Event::Epoch)?;
    sim.schedule(SimTime::ZERO, Event::Sample)?;
    if let Some(day) = sim.model_mut().ledger.next_grant()
        && day < cfg.horizon_hours
    {
        sim.schedule(SimTime::new(day)?, Event::Day)?;
    }
    for (i, r) in cfg.regimes.iter().enumerate() {
        sim.schedule(SimTime::new(r.at_hour)?, Event::Regime(i as u32))?;
    }
    for (i, sh) in cfg.shocks.iter().enumerate() {
        let index = i as u32;
        sim.schedule(
            SimTime::new(sh.at_hour)?,
            Event::Shock { index, start: true },
        )?;
        if let Some(until) = sh.until_hour.filter(|&u| u < cfg.horizon_hours) {
            sim.schedule(
                SimTime::new(until)?,
                Event::Shock {
                    index,
                    start: false,
                },
            )?;
        }
    }
    sim.run_until(horizon)?;
    let events = sim.events_processed();
    let mut w = sim.into_model();
    w.finish(events);
    Ok(RunResult {
        metrics: w.metrics,
        series: w.series,
        tier_names: w.tier_names,
    })
}

impl World {
    fn new(cfg: WorldConfig, mut policy: Box<dyn Policy>, seed: u64) -> Result<World, RunError> {
        let streams = Streams::new(seed);
        let ncat = cfg.workload.categories.len();
        let task_mix = Mix::initial(&cfg.workload);
        let headroom: Vec<f64> = cfg.workload.categories.iter().map(|c| c.headroom).collect();
        let harness = Harness::initial(&cfg.harness, ncat);
        let ledger_of = |shares: PerRole<f64>| match cfg.pace() {
            Some(pace) => Ledger::paced(pace, shares, cfg.tiers.len()),
            None => Ledger::new(cfg.budget, shares, cfg.tiers.len()),
        };
        let ledger0 = ledger_of(PerRole {
            evolver: 0.0,
            user: 1.0,
            verifier: 0.0,
        });
        let failure_rate = vec![0.5; ncat];
        let deployed = vec![0; ncat];
        let plan = {
            let view = View {
                now: 0.0,
                horizon: cfg.horizon_hours,
                ledger: &ledger0,
                traffic: &task_mix.weights,
                failure_rate: &failure_rate,
                deployed: &deployed,
                recent: (0, 0),
                tiers: &cfg.tiers,
            };
            policy.start(&view)
        };
        plan.check(cfg.tiers.len())?;
        let ledger = ledger_of(plan.shares);
        let landscape = Landscape::draw(&cfg.evolver, ncat, &mut streams.stream(stream::LANDSCAPE));
        let evolvers: Vec<Evolver> = plan
            .evolver_tiers
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                // A model's ranking depends on its tier (and its place in a pool), not on
                // the policy, so two policies using the same tier see the same preferences.
                // Slot 63 of a tier's block is its model's part, shared by its copies.
                let copy = plan.evolver_tiers[..i].iter().filter(|&&x| x == t).count() as u64;
                let model = stream::RANKING + (t as u64) * 64 + 63;
                let id = stream::RANKING + (t as u64) * 64 + copy.min(62);
                Evolver::new(
                    &cfg.evolver,
                    &cfg.traits,
                    &cfg.tiers,
                    t,
                    &landscape,
                    ncat,
                    &streams,
                    model,
                    id,
                )
            })
            .collect();
        let verifier_taste = model_taste(
            &cfg.evolver,
            &landscape,
            ncat,
            &streams,
            stream::RANKING + (plan.verifier_tier as u64) * 64 + 63,
        );
        let slots = cfg
            .tiers
            .iter()
            .map(|t| Resource::new(t.concurrency))
            .collect();
        let modes = vec![ModeState::Unseen; ncat * landscape.modes()];
        let tier_names = cfg.tiers.iter().map(|t| t.name.clone()).collect();
        let islands = Islands::new(plan.islands, ncat, streams.stream(stream::ISLANDS));
        let metrics = Metrics {
            spend_by_tier: vec![0.0; cfg.tiers.len()],
            by_bin: vec![(0, 0); cfg.workload.difficulty_bins.len() + 1],
            ..Metrics::default()
        };
        Ok(World {
            policy: Some(policy),
            plan,
            ledger,
            harness,
            mix: task_mix,
            headroom,
            slots,
            round_states: Vec::new(),
            conditions: Conditions::from_active(&[], &[], |_| None, cfg.tiers.len()),
            active_shocks: vec![false; cfg.shocks.len()],
            calls: Slab::new(),
            serial: 0,
            jobs: Slab::new(),
            candidates: Slab::new(),
            landscape,
            evolvers,
            verifier_taste,
            modes,
            islands,
            failure_rate,
            deployed,
            epoch_failures: vec![0.0; ncat],
            epoch_accepted: 0,
            epoch_proposed: 0,
            next_evolver: 0,
            arrivals: streams.stream(stream::ARRIVALS),
            attempts_streams: Streams::new(hash2(seed, stream::ATTEMPTS)),
            evolve: streams.stream(stream::EVOLVE),
            judge: streams.stream(stream::JUDGE),
            predict: streams.stream(stream::PREDICT),
            rounds: streams.stream(stream::ROUNDS),
            next_task: 0,
            metrics,
            series: Series::default(),
            quality_area: 0.0,
            last_quality_change: 0.0,
            spend_at_last_sample: PerRole::default(),
            sample_window: SampleWindow::default(),
            tier_names,
            cfg,
        })
    }

    fn traits(&self) -> &Traits {
        &self.cfg.traits
    }

    fn view(&self, now: f64) -> View<'_> {
        View {
            now,
            horizon: self.cfg.horizon_hours,
            ledger: &self.ledger,
            traffic: &self.mix.weights,
            failure_rate: &self.failure_rate,
            deployed: &self.deployed,
            recent: (self.epoch_accepted, self.epoch_proposed),
            tiers: &self.cfg.tiers,
        }
    }

    fn verifier_judge(&self) -> Judge {
        Judge {
            skill: self.cfg.tiers[self.plan.verifier_tier].skill,
            reasoning: self.plan.reasoning_tokens,
            votes: self.plan.votes.max(1),
        }
    }
}

/// Schedules `event` after `hours`; delays here come from validated configuration and
/// finite draws, so they are finite and non-negative.
#[inline]
fn schedule(s: &mut Scheduler<Event>, hours: f64, event: Event) {
    let _ = s.after(hours.max(0.0), event);
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, event: Event, s: &mut Scheduler<Event>) {
        match event {
            Event::Arrival => self.on_arrival(s),
            Event::CallDone(id) => self.on_call_done(s, id),
            Event::ToolDone(id) => self.on_judged(s, id),
            Event::VariantChecked(id) => self.on_variant_judged(s, id),
            Event::DeployVariant => self.on_deploy_variant(s.now().hours()),
            Event::GiveUp { call, serial } => self.give_up(s, call, serial),
            Event::Epoch => self.on_epoch(s),
            Event::Shock { index, start } => self.on_shock(s, index as usize, start),
            Event::Deploy { category, delta } => {
                self.on_deploy(s.now().hours(), category as usize, delta)
            }
            Event::Regime(i) => {
                let now = s.now().hours();
                self.track_quality(now);
                let r = &self.cfg.regimes[i as usize];
                self.mix = self.mix.apply(&self.cfg.workload, r);
            }
            Event::Sample => self.on_sample(s),
            Event::Day => {
                self.ledger.new_day();
                if let Some(next) = self.ledger.next_grant()
                    && next < self.cfg.horizon_hours
                {
                    schedule(s, next - s.now().hours(), Event::Day);
                }
            }
        }
        debug_assert!(
            self.ledger.total_spent() <= self.ledger.total() * (1.0 + 1e-12),
            "budget overdrawn: spent {} of {}",
            self.ledger.total_spent(),
            self.ledger.total()
        );
    }
}
