//! The world: tasks arrive, users attempt them, evolvers improve the harness, verifiers
//! judge, and one ledger pays for it all. Runs on the engine as one model.

use super::acceptance::{self, Anchor};
use super::config::WorldConfig;
use super::evolver::{Evolver, Landscape, Proposal, Strategy, propose};
use super::harness::Harness;
use super::ledger::{Ledger, Role};
use super::metrics::{Metrics, SERIES_COLUMNS, Series};
use super::policy::{Plan, Policy, TaskPlan, TaskView, View};
use super::shock::{Conditions, ShockKind};
use super::task::{Mix, Task, draw_task};
use super::tier::Traits;
use super::user::{Selection, ability};
use super::verifier::Judge;
use crate::engine::{
    Acquire, EngineError, Model, Resource, Scheduler, SimTime, Simulation, Stream, Streams,
};

/// Sub-stream ids: each source of randomness has its own, so that changing how much one
/// part draws never shifts another (common random numbers across policies).
mod stream {
    pub const ARRIVALS: u64 = 1;
    pub const ATTEMPTS: u64 = 2;
    pub const EVOLVE: u64 = 3;
    pub const JUDGE: u64 = 4;
    pub const LANDSCAPE: u64 = 5;
    pub const PREDICT: u64 = 6;
    pub const ROUNDS: u64 = 7;
    pub const RANKING: u64 = 1000;
}

/// Smoothing of per-category failure rates and gains (weight of the newest observation).
const EWMA: f64 = 0.02;
/// Smoothing of the realised gain per accepted edit.
const GAIN_EWMA: f64 = 0.2;
/// Output tokens of a score (after any reasoning).
const SCORE_TOKENS: f64 = 50.0;

/// The world's events: a closed set, no closures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
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
    /// Shock `index` starts (`start`) or ends.
    Shock {
        /// Index into the scenario's shocks.
        index: u32,
        /// Whether it starts.
        start: bool,
    },
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

#[derive(Debug, Clone, Copy)]
enum CallKind {
    Attempt {
        task: u32,
    },
    PickAnswer {
        task: u32,
    },
    Propose {
        evolver: u32,
        category: u32,
        round: u32,
    },
    Judge {
        proposal: u32,
    },
}

#[derive(Debug, Clone, Copy)]
struct Call {
    tier: u32,
    hours: f64,
    kind: CallKind,
}

/// A call in the table: the call, a serial that tells it apart from later calls in the same
/// slot, and whether it holds a tier slot yet.
#[derive(Debug, Clone, Copy)]
struct Live {
    call: Call,
    serial: u32,
    started: bool,
}

#[derive(Debug, Clone, Copy)]
struct Job {
    task: Task,
    plan: TaskPlan,
    judged: bool,
    /// Dollars charged for its attempts (refunded if it gives up waiting).
    cost: f64,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    p: Proposal,
    next_anchor: u32,
    round: u32,
    score: f64,
}

/// One evolution round: what it may still propose, what is being judged, and (for
/// best-of-n) the best candidate that passed so far.
#[derive(Debug, Clone)]
struct Round {
    to_propose: u32,
    outstanding: u32,
    budget: f64,
    /// Failures per category in the epoch that opened the round: where edits aim.
    targets: Vec<f64>,
    best: Option<(f64, u32)>,
    /// Category of the last judged candidate and whether it shipped (sequential).
    last: Option<(usize, bool)>,
}

/// Where a mode stands in its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModeState {
    Unseen,
    /// Proposed before, but only malformed: seen, never judged.
    Seen,
    Rejected,
    InFlight,
    Accepted,
}

/// A slab: reuses freed slots so steady state allocates nothing per event.
struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T: Copy> Slab<T> {
    fn new() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
    #[inline]
    fn insert(&mut self, x: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.items[i as usize] = x;
                i
            }
            None => {
                self.items.push(x);
                (self.items.len() - 1) as u32
            }
        }
    }
    #[inline]
    fn get(&self, i: u32) -> T {
        self.items[i as usize]
    }
    #[inline]
    fn remove(&mut self, i: u32) -> T {
        self.free.push(i);
        self.items[i as usize]
    }
}

/// The running world.
pub struct World {
    cfg: WorldConfig,
    /// Taken out while it decides, so it can see the rest of the world.
    policy: Option<Box<dyn Policy>>,
    plan: Plan,
    ledger: Ledger,
    harness: Harness,
    mix: Mix,
    headroom: Vec<f64>,
    slots: Vec<Resource<u32>>,
    round_states: Vec<Round>,
    conditions: Conditions,
    active_shocks: Vec<bool>,
    calls: Slab<Live>,
    serial: u32,
    jobs: Slab<Job>,
    candidates: Slab<Candidate>,
    landscape: Landscape,
    evolvers: Vec<Evolver>,
    modes: Vec<ModeState>,
    failure_rate: Vec<f64>,
    gain_per_edit: Vec<Option<f64>>,
    window_failures: Vec<f64>,
    recent: (u32, u32),
    next_evolver: usize,
    arrivals: Stream,
    attempts_streams: Streams,
    evolve: Stream,
    judge: Stream,
    predict: Stream,
    rounds: Stream,
    next_task: u64,
    metrics: Metrics,
    series: Series,
    quality_area: f64,
    last_quality_change: f64,
    last_sample: [f64; 3],
    window: (u64, u64),
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
        let ledger0 = Ledger::new(
            cfg.budget,
            super::ledger::PerRole {
                evolver: 0.0,
                user: 1.0,
                verifier: 0.0,
            },
            cfg.tiers.len(),
        );
        let failure_rate = vec![0.5; ncat];
        let gain_per_edit = vec![None; ncat];
        let plan = {
            let view = View {
                now: 0.0,
                horizon: cfg.horizon_hours,
                ledger: &ledger0,
                harness: &harness,
                headroom: &headroom,
                traffic: &task_mix.weights,
                failure_rate: &failure_rate,
                gain_per_edit: &gain_per_edit,
                recent: (0, 0),
                tiers: &cfg.tiers,
                traits: &cfg.traits,
                attempts: &cfg.attempts,
            };
            policy.start(&view)
        };
        plan.check(cfg.tiers.len())?;
        let ledger = Ledger::new(cfg.budget, plan.shares, cfg.tiers.len());
        let landscape = Landscape::draw(&cfg.evolver, ncat, &mut streams.stream(stream::LANDSCAPE));
        let evolvers: Vec<Evolver> = plan
            .evolver_tiers
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                // A model's ranking depends on its tier (and its place in a pool), not on
                // the policy, so two policies using the same tier see the same preferences.
                let id = stream::RANKING
                    + (t as u64) * 64
                    + (plan.evolver_tiers[..i].iter().filter(|&&x| x == t).count() as u64);
                Evolver::new(
                    &cfg.evolver,
                    &cfg.traits,
                    &cfg.tiers,
                    t,
                    &landscape,
                    ncat,
                    &streams,
                    id,
                )
            })
            .collect();
        let slots = cfg
            .tiers
            .iter()
            .map(|t| Resource::new(t.concurrency))
            .collect();
        let modes = vec![ModeState::Unseen; ncat * landscape.modes()];
        let tier_names = cfg.tiers.iter().map(|t| t.name.clone()).collect();
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
            modes,
            failure_rate,
            gain_per_edit,
            window_failures: vec![0.0; ncat],
            recent: (0, 0),
            next_evolver: 0,
            arrivals: streams.stream(stream::ARRIVALS),
            attempts_streams: Streams::new(crate::engine::mix(seed, stream::ATTEMPTS)),
            evolve: streams.stream(stream::EVOLVE),
            judge: streams.stream(stream::JUDGE),
            predict: streams.stream(stream::PREDICT),
            rounds: streams.stream(stream::ROUNDS),
            next_task: 0,
            metrics,
            series: Series::default(),
            quality_area: 0.0,
            last_quality_change: 0.0,
            last_sample: [0.0; 3],
            window: (0, 0),
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
            harness: &self.harness,
            headroom: &self.headroom,
            traffic: &self.mix.weights,
            failure_rate: &self.failure_rate,
            gain_per_edit: &self.gain_per_edit,
            recent: self.recent,
            tiers: &self.cfg.tiers,
            traits: &self.cfg.traits,
            attempts: &self.cfg.attempts,
        }
    }

    fn verifier_judge(&self) -> Judge {
        Judge {
            skill: self.cfg.tiers[self.plan.verifier_tier].skill,
            reasoning: self.plan.reasoning_tokens,
            votes: self.plan.votes.max(1),
        }
    }

    /// Dollars of a call on `tier` under the current conditions.
    #[inline]
    fn cost(&self, tier: usize, input: f64, output: f64) -> f64 {
        self.cfg.tiers[tier].cost(input, output) * self.conditions.price[tier]
    }

    /// Hours a call on `tier` writing `output` tokens takes under the current conditions.
    #[inline]
    fn hours(&self, tier: usize, output: f64) -> f64 {
        self.cfg.tiers[tier].call_hours(output) * self.conditions.latency[tier]
    }

    /// A shock starts or ends: recompute the conditions and apply what changed.
    fn on_shock(&mut self, s: &mut Scheduler<Event>, index: usize, start: bool) {
        let shock = &self.cfg.shocks[index];
        if shock.kind == ShockKind::BudgetCut {
            if start {
                self.ledger.cut(shock.factor);
            }
            return;
        }
        self.active_shocks[index] = start;
        let tiers = &self.cfg.tiers;
        self.conditions = Conditions::from_active(
            &self.cfg.shocks,
            &self.active_shocks,
            |n| super::tier::tier_index(tiers, n),
            tiers.len(),
        );
        for t in 0..self.slots.len() {
            let cap = (self.cfg.tiers[t].concurrency as f64 * self.conditions.capacity[t])
                .round()
                .max(0.0) as u32;
            if cap != self.slots[t].capacity() {
                for id in self.slots[t].set_capacity(s.now(), cap) {
                    self.begin(s, id);
                }
            }
        }
    }

    /// Charges a call and reports whether it may run.
    #[inline]
    fn charge(&mut self, role: Role, tier: usize, input: f64, output: f64) -> bool {
        let cost = self.cost(tier, input, output);
        self.ledger.charge(role, tier, cost)
    }

    /// Starts a call on its tier, or puts it in line for a slot.
    fn start_call(&mut self, s: &mut Scheduler<Event>, call: Call) {
        self.serial = self.serial.wrapping_add(1);
        let serial = self.serial;
        let id = self.calls.insert(Live {
            call,
            serial,
            started: false,
        });
        match self.slots[call.tier as usize].acquire(s.now(), id) {
            Acquire::Granted(id) => self.begin(s, id),
            Acquire::Queued => {
                if matches!(call.kind, CallKind::Attempt { .. }) {
                    schedule(
                        s,
                        self.cfg.workload.patience_hours,
                        Event::GiveUp { call: id, serial },
                    );
                }
            }
        }
    }

    /// A call got its slot: it runs now.
    fn begin(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let live = &mut self.calls.items[id as usize];
        live.started = true;
        let hours = live.call.hours;
        schedule(s, hours, Event::CallDone(id));
    }

    /// A task's call waited too long: the user gives up; the call never runs.
    fn give_up(&mut self, s: &mut Scheduler<Event>, id: u32, serial: u32) {
        let live = self.calls.get(id);
        if live.serial != serial || live.started {
            return;
        }
        if !self.slots[live.call.tier as usize].cancel(s.now(), &id) {
            return;
        }
        self.calls.remove(id);
        if let CallKind::Attempt { task } = live.call.kind {
            let job = self.jobs.remove(task);
            self.ledger
                .refund(Role::User, live.call.tier as usize, job.cost);
            self.metrics.tasks_unserved += 1;
            self.metrics.tasks_abandoned += 1;
        }
    }

    fn on_arrival(&mut self, s: &mut Scheduler<Event>) {
        let w = &self.cfg.workload;
        let mut task = draw_task(w, &self.mix, self.next_task, &mut self.arrivals);
        self.next_task += 1;
        let next = self
            .arrivals
            .exp((w.arrival_per_hour * self.conditions.arrivals).max(1e-12));
        schedule(s, next, Event::Arrival);
        let user = self.plan.user_tier;
        let user_skill = self.cfg.tiers[user].skill;
        let cat = &w.categories[task.category];
        if w.matched_to_user {
            task.difficulty =
                user_skill + w.matched_offset + self.mix.shift + cat.difficulty_sd * task.z;
        }
        self.metrics.tasks_arrived += 1;
        self.metrics.value_arrived += task.value;
        let (prompt, output) = (cat.prompt_tokens, cat.output_tokens);
        let mut estimate = None;
        if let Some(p) = self.plan.predictor {
            // The estimate is drawn whether or not it is paid for, so the stream stays aligned.
            let e = task.difficulty + p.noise_sd * self.predict.std_normal();
            if self.charge(Role::User, user, prompt, p.tokens) {
                estimate = Some(e);
            }
        }
        let tv = TaskView {
            category: task.category,
            value: task.value,
            difficulty_estimate: estimate,
        };
        let Some(mut policy) = self.policy.take() else {
            return;
        };
        let plan = policy.task(&tv, &self.view(s.now().hours()));
        self.policy = Some(policy);
        if plan.skip {
            self.metrics.tasks_unserved += 1;
            return;
        }
        let (n, k) = (
            plan.chains.clamp(1, 64) as f64,
            plan.revisions.clamp(1, 64) as f64,
        );
        // Each attempt reads the prompt and the whole harness; a revision also reads the
        // chain's earlier answers.
        let input = n * (k * (prompt + self.harness.tokens) + output * k * (k - 1.0) / 2.0);
        if !self.charge(Role::User, user, input, n * k * output) {
            self.metrics.tasks_unserved += 1;
            return;
        }
        let cost = self.cost(user, input, n * k * output);
        let job = self.jobs.insert(Job {
            task,
            plan,
            judged: false,
            cost,
        });
        let hours = self.hours(user, k * output);
        self.start_call(
            s,
            Call {
                tier: user as u32,
                hours,
                kind: CallKind::Attempt { task: job },
            },
        );
    }

    fn on_attempt_done(&mut self, s: &mut Scheduler<Event>, job: u32) {
        let j = self.jobs.get(job);
        if j.plan.chains > 1 && j.plan.selection == Selection::Verifier {
            let v = self.plan.verifier_tier;
            let cat = &self.cfg.workload.categories[j.task.category];
            let input = cat.prompt_tokens + j.plan.chains as f64 * cat.output_tokens;
            let output =
                self.plan.votes.max(1) as f64 * (self.plan.reasoning_tokens + SCORE_TOKENS);
            if self.charge(Role::Verifier, v, input, output) {
                self.jobs.items[job as usize].judged = true;
                let hours = self.hours(v, output / self.plan.votes.max(1) as f64);
                self.start_call(
                    s,
                    Call {
                        tier: v as u32,
                        hours,
                        kind: CallKind::PickAnswer { task: job },
                    },
                );
                return;
            }
        }
        self.resolve(job);
    }

    fn resolve(&mut self, job: u32) {
        let j = self.jobs.remove(job);
        let t = j.task;
        let user_skill = self.cfg.tiers[self.plan.user_tier].skill;
        let q = self.harness.quality[t.category];
        let a = ability(self.traits(), user_skill, q);
        let judge = self.verifier_judge();
        let judge = if j.judged { Some(&judge) } else { None };
        let selection = if j.plan.selection == Selection::Verifier && !j.judged {
            Selection::Majority
        } else {
            j.plan.selection
        };
        let mut rs = self.attempts_streams.stream(t.id);
        let at = &self.cfg.attempts;
        let out = at.attempt(
            &self.cfg.traits,
            a,
            t.difficulty,
            j.plan.chains,
            j.plan.revisions,
            selection,
            judge,
            &mut rs,
        );
        let m = &mut self.metrics;
        m.tasks_attempted += 1;
        m.benefit_sum += at.p_success(a, t.difficulty) - at.p_success(user_skill, t.difficulty);
        if out.contested && j.judged {
            m.contested += 1;
            m.contested_right += out.solved as u64;
        }
        let bin = &mut m.by_bin[self.cfg.workload.bin(t.difficulty)];
        bin.0 += 1;
        bin.1 += out.solved as u64;
        let failed = if out.solved {
            m.tasks_solved += 1;
            m.yield_ += t.value;
            0.0
        } else {
            1.0
        };
        let fr = &mut self.failure_rate[t.category];
        *fr += EWMA * (failed - *fr);
        self.window_failures[t.category] += failed;
        self.window.0 += 1;
        self.window.1 += failed as u64;
    }

    fn on_epoch(&mut self, s: &mut Scheduler<Event>) {
        let now = s.now().hours();
        if let Some(mut policy) = self.policy.take() {
            let shares = policy.epoch(&self.view(now));
            self.policy = Some(policy);
            if let Some(shares) = shares {
                self.ledger.reallocate(shares);
            }
        }
        self.recent = (0, 0);
        let epoch = self.cfg.epoch_hours;
        if now + epoch < self.cfg.horizon_hours {
            schedule(s, epoch, Event::Epoch);
        }
        let before = self.round_states.len();
        self.evolution_round(now);
        if self.round_states.len() > before {
            self.launch(s, before as u32);
        }
        self.window_failures.iter_mut().for_each(|x| *x = 0.0);
    }

    /// Opens an evolution round: the evolvers will read this epoch's failures and write
    /// candidates, paced so that the evolver account lasts to the end of the run.
    fn evolution_round(&mut self, now: f64) {
        let total_failures: f64 = self.window_failures.iter().sum();
        if total_failures <= 0.0 || self.evolvers.is_empty() {
            return;
        }
        let rounds_left = ((self.cfg.horizon_hours - now) / self.cfg.epoch_hours)
            .ceil()
            .max(1.0);
        self.round_states.push(Round {
            to_propose: self.plan.candidates_per_round,
            outstanding: 0,
            budget: self.ledger.balance(Role::Evolver) / rounds_left,
            targets: self.window_failures.clone(),
            best: None,
            last: None,
        });
    }

    /// Starts the round's next candidates: all of them at once, or (sequential) the next
    /// one once the last has been judged.
    fn launch(&mut self, s: &mut Scheduler<Event>, round: u32) {
        let ev = &self.cfg.evolver;
        let (input, edit_tokens) = (
            self.harness.tokens + ev.failures_read * ev.trace_tokens,
            ev.edit_tokens,
        );
        let sequential = self.plan.strategy == Strategy::Sequential;
        loop {
            let r = &self.round_states[round as usize];
            if r.to_propose == 0 || (sequential && r.outstanding > 0) {
                break;
            }
            let who = self.next_evolver % self.evolvers.len();
            let tier = self.evolvers[who].tier;
            let cost = self.cost(tier, input, edit_tokens);
            if cost > r.budget || !self.ledger.charge(Role::Evolver, tier, cost) {
                self.round_states[round as usize].to_propose = 0;
                break;
            }
            self.next_evolver += 1;
            // Aim at a category in proportion to the round's failures there; a sequential
            // trajectory revises a rejected edit of the same category.
            let u = self.rounds.uniform();
            let r = &mut self.round_states[round as usize];
            r.budget -= cost;
            r.to_propose -= 1;
            r.outstanding += 1;
            let category = match r.last {
                Some((c, false)) if sequential => c,
                _ => {
                    let total: f64 = r.targets.iter().sum();
                    let mut acc = 0.0;
                    let mut pick = r.targets.len() - 1;
                    for (c, f) in r.targets.iter().enumerate() {
                        acc += f;
                        if u * total < acc {
                            pick = c;
                            break;
                        }
                    }
                    pick
                }
            };
            let hours = self.hours(tier, edit_tokens);
            let kind = CallKind::Propose {
                evolver: who as u32,
                category: category as u32,
                round,
            };
            self.start_call(
                s,
                Call {
                    tier: tier as u32,
                    hours,
                    kind,
                },
            );
        }
    }

    /// A candidate of `round` is done (judged, or wasted); `last` says what came of it.
    fn candidate_done(
        &mut self,
        s: &mut Scheduler<Event>,
        round: u32,
        last: Option<(usize, bool)>,
    ) {
        let r = &mut self.round_states[round as usize];
        r.outstanding = r.outstanding.saturating_sub(1);
        if last.is_some() {
            r.last = last;
        }
        match self.plan.strategy {
            Strategy::Sequential => self.launch(s, round),
            Strategy::BestOfN => {
                let r = &mut self.round_states[round as usize];
                if r.outstanding == 0
                    && r.to_propose == 0
                    && let Some((_, id)) = r.best.take()
                {
                    self.accept(s, id);
                }
            }
            Strategy::Independent => {}
        }
    }

    /// A candidate passed every anchor.
    fn passed(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.get(id);
        if self.plan.strategy != Strategy::BestOfN {
            self.accept(s, id);
            self.candidate_done(s, cand.round, Some((cand.p.category, true)));
            return;
        }
        // Best-of-n: keep the higher score, the other is set aside like a rejected one.
        let r = &mut self.round_states[cand.round as usize];
        match r.best {
            Some((best, other)) if best >= cand.score => {
                let _ = other;
                self.reject_quietly(id);
            }
            Some((_, other)) => {
                r.best = Some((cand.score, id));
                self.reject_quietly(other);
            }
            None => r.best = Some((cand.score, id)),
        }
        self.candidate_done(s, cand.round, None);
    }

    fn on_proposed(&mut self, s: &mut Scheduler<Event>, who: usize, c: usize, round: u32) {
        let e = &self.evolvers[who];
        let cat = &self.cfg.workload.categories[c];
        let p = propose(
            &self.cfg.evolver,
            e,
            who,
            self.cfg.tiers[e.tier].skill,
            &self.landscape,
            c,
            cat.diagnosis_difficulty,
            self.harness.quality[c],
            cat.headroom,
            &mut self.evolve,
        );
        self.metrics.edits_proposed += 1;
        self.recent.1 += 1;
        let key = c * self.landscape.modes() + p.mode;
        let state = self.modes[key];
        if state == ModeState::Unseen {
            self.metrics.edits_distinct += 1;
        }
        if !p.valid {
            if state == ModeState::Unseen {
                self.modes[key] = ModeState::Seen;
            }
            self.candidate_done(s, round, None);
            return;
        }
        self.metrics.edits_valid += 1;
        self.metrics.edit_gain_sum += p.true_delta;
        if matches!(state, ModeState::Accepted | ModeState::InFlight) {
            // The idea is already in the harness or being judged: wasted spend.
            self.candidate_done(s, round, None);
            return;
        }
        self.modes[key] = ModeState::InFlight;
        self.metrics.edits_judged += 1;
        let id = self.candidates.insert(Candidate {
            p,
            next_anchor: 0,
            round,
            score: 0.0,
        });
        self.next_anchor(s, id);
    }

    /// Sends a candidate to its next anchor, or accepts it when none is left.
    fn next_anchor(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.get(id);
        let Some(&anchor) = self.plan.acceptance.get(cand.next_anchor as usize) else {
            self.passed(s, id);
            return;
        };
        let c = cand.p.category;
        let cat = &self.cfg.workload.categories[c];
        let ev = &self.cfg.evolver;
        let author = self.evolvers[cand.p.evolver].tier;
        let read = ev.edit_tokens + ev.failures_read * ev.trace_tokens;
        let (role, tier, input, output, hours) = match anchor {
            Anchor::SelfJudge => (
                Role::Evolver,
                author,
                read,
                SCORE_TOKENS,
                self.hours(author, SCORE_TOKENS),
            ),
            Anchor::Verifier => {
                let v = self.plan.verifier_tier;
                let out =
                    self.plan.votes.max(1) as f64 * (self.plan.reasoning_tokens + SCORE_TOKENS);
                (
                    Role::Verifier,
                    v,
                    read,
                    out,
                    self.hours(v, self.plan.reasoning_tokens + SCORE_TOKENS),
                )
            }
            Anchor::Replay => {
                let u = self.plan.user_tier;
                let m = self.cfg.acceptance.replay_tasks.max(1) as f64;
                let input = m
                    * (cat.prompt_tokens + self.harness.tokens + self.cfg.harness.tokens_per_edit);
                (
                    Role::Verifier,
                    u,
                    input,
                    m * cat.output_tokens,
                    self.hours(u, cat.output_tokens),
                )
            }
            Anchor::Tool => {
                let cost = self.cfg.acceptance.tool_cost;
                if !cat.tool || !self.ledger.charge(Role::Verifier, usize::MAX, cost) {
                    self.reject(s, id);
                    return;
                }
                schedule(s, self.cfg.acceptance.tool_hours, Event::ToolDone(id));
                return;
            }
        };
        if !self.charge(role, tier, input, output) {
            self.reject(s, id);
            return;
        }
        self.start_call(
            s,
            Call {
                tier: tier as u32,
                hours,
                kind: CallKind::Judge { proposal: id },
            },
        );
    }

    fn on_judged(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.get(id);
        let anchor = self.plan.acceptance[cand.next_anchor as usize];
        let c = cand.p.category;
        let cat = &self.cfg.workload.categories[c];
        let difficulty = if self.cfg.workload.matched_to_user {
            self.cfg.tiers[self.plan.user_tier].skill
                + self.cfg.workload.matched_offset
                + self.mix.shift
        } else {
            cat.difficulty + self.mix.shift
        };
        let cx = acceptance::Context {
            traits: &self.cfg.traits,
            attempts: &self.cfg.attempts,
            author_skill: self.cfg.tiers[self.evolvers[cand.p.evolver].tier].skill,
            verifier: self.verifier_judge(),
            user_skill: self.cfg.tiers[self.plan.user_tier].skill,
            quality: self.harness.quality[c],
            difficulty: (difficulty, cat.difficulty_sd),
            has_tool: cat.tool,
            verifier_exploit_bias: self.cfg.evolver.verifier_exploit_bias,
            cfg: &self.cfg.acceptance,
        };
        let (pass, score) = acceptance::judge(anchor, &cand.p, &cx, &mut self.judge);
        if pass {
            let c = &mut self.candidates.items[id as usize];
            c.next_anchor += 1;
            c.score = score;
            self.next_anchor(s, id);
        } else {
            self.reject(s, id);
        }
    }

    fn reject(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.reject_quietly(id);
        self.candidate_done(s, cand.round, Some((cand.p.category, false)));
    }

    /// Drops a candidate without shipping it; its idea may be proposed and judged again.
    fn reject_quietly(&mut self, id: u32) -> Candidate {
        let cand = self.candidates.remove(id);
        self.modes[cand.p.category * self.landscape.modes() + cand.p.mode] = ModeState::Rejected;
        cand
    }

    fn accept(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.remove(id);
        let p = cand.p;
        self.modes[p.category * self.landscape.modes() + p.mode] = ModeState::Accepted;
        self.metrics.edits_accepted += 1;
        self.recent.0 += 1;
        if p.true_delta < 0.0 {
            self.metrics.edits_harmful += 1;
        }
        // A loop with no anchor outside the evolver trains on its own taste: it narrows.
        if self.plan.acceptance.iter().all(|&a| a == Anchor::SelfJudge) {
            let by = self.cfg.evolver.collapse_per_self_accept;
            self.evolvers[p.evolver].collapse(by);
        }
        let g = &mut self.gain_per_edit[p.category];
        *g = Some(match *g {
            Some(x) => x + GAIN_EWMA * (p.true_delta - x),
            None => p.true_delta,
        });
        schedule(
            s,
            self.cfg.harness.deploy_delay_hours,
            Event::Deploy {
                category: p.category as u32,
                delta: p.true_delta,
            },
        );
    }

    fn on_deploy(&mut self, now: f64, c: usize, delta: f64) {
        if self.cfg.harness.frozen {
            return;
        }
        self.track_quality(now);
        self.harness = self
            .harness
            .with_edit(&self.cfg.harness, c, delta, self.headroom[c]);
        self.metrics.versions += 1;
    }

    fn track_quality(&mut self, now: f64) {
        let q = self.harness.weighted_quality(&self.mix.weights);
        self.quality_area += q * (now - self.last_quality_change);
        self.last_quality_change = now;
    }

    fn on_sample(&mut self, s: &mut Scheduler<Event>) {
        let now = s.now().hours();
        self.push_sample(now);
        let every = self.cfg.sample_every_hours;
        if now + every <= self.cfg.horizon_hours + 1e-9 {
            schedule(s, every, Event::Sample);
        }
    }

    fn push_sample(&mut self, now: f64) {
        let m = &self.metrics;
        let spend = [
            self.ledger.spent(Role::Evolver),
            self.ledger.spent(Role::User),
            self.ledger.spent(Role::Verifier),
        ];
        let d: Vec<f64> = (0..3).map(|i| spend[i] - self.last_sample[i]).collect();
        let total: f64 = d.iter().sum();
        let share = if total > 0.0 { d[0] / total } else { 0.0 };
        let fail = if self.window.0 > 0 {
            self.window.1 as f64 / self.window.0 as f64
        } else {
            0.0
        };
        let row: [f64; SERIES_COLUMNS.len()] = [
            now,
            m.yield_,
            m.tasks_attempted as f64,
            m.tasks_solved as f64,
            spend[0],
            spend[1],
            spend[2],
            self.harness.weighted_quality(&self.mix.weights),
            fail,
            m.edits_accepted as f64,
            share,
            m.edits_proposed as f64,
            m.edits_distinct as f64,
        ];
        self.series.rows.push(row);
        self.last_sample = spend;
        self.window = (0, 0);
    }

    fn finish(&mut self, events: u64) {
        let end = self.cfg.horizon_hours;
        self.track_quality(end);
        if self.series.rows.last().is_none_or(|r| r[0] < end - 1e-9) {
            self.push_sample(end);
        }
        let m = &mut self.metrics;
        m.events = events;
        m.spend = [
            self.ledger.spent(Role::Evolver),
            self.ledger.spent(Role::User),
            self.ledger.spent(Role::Verifier),
        ];
        m.spend_by_tier = self.ledger.by_tier().to_vec();
        m.quality_final = self.harness.weighted_quality(&self.mix.weights);
        m.quality_mean = if end > 0.0 {
            self.quality_area / end
        } else {
            m.quality_final
        };
        m.evolver_zipf_final = self.evolvers.first().map_or(0.0, |e| e.zipf_s);
    }

    /// The ledger (for invariant checks).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
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
            Event::CallDone(id) => {
                let call = self.calls.remove(id).call;
                if let Some(next) = self.slots[call.tier as usize].release(s.now()) {
                    self.begin(s, next);
                }
                match call.kind {
                    CallKind::Attempt { task } => self.on_attempt_done(s, task),
                    CallKind::PickAnswer { task } => self.resolve(task),
                    CallKind::Propose {
                        evolver,
                        category,
                        round,
                    } => self.on_proposed(s, evolver as usize, category as usize, round),
                    CallKind::Judge { proposal } => self.on_judged(s, proposal),
                }
            }
            Event::ToolDone(id) => self.on_judged(s, id),
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
        }
        debug_assert!(
            self.ledger.total_spent() <= self.ledger.total() * (1.0 + 1e-12),
            "budget overdrawn: spent {} of {}",
            self.ledger.total_spent(),
            self.ledger.total()
        );
    }
}
