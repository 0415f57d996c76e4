//! The world's interface to an allocation policy, the way [`crate::engine::Model`] is the
//! engine's: what a policy sees ([`View`], [`TaskView`]) and what it decides ([`Plan`],
//! [`TaskPlan`], new shares at an epoch). The built-in policies live in `crate::policy`.

use super::evolver::{IslandConfig, Strategy};
use super::world::RunError;
use super::{Anchor, Ledger, PerRole, Selection, Tier};
use serde::{Deserialize, Serialize};

/// A noisy estimate of a task's difficulty, bought per task.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predictor {
    /// Sd of the estimate's error, on the skill scale.
    pub noise_sd: f64,
    /// Output tokens the user tier spends to make one estimate.
    pub tokens: f64,
}

/// What a policy fixes at the start of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Budget shares per role (normalised by the ledger).
    pub shares: PerRole<f64>,
    /// Tier index of the users.
    pub user_tier: usize,
    /// Tier index of the verifier.
    pub verifier_tier: usize,
    /// Tier index of each evolver (one, or a pool).
    pub evolver_tiers: Vec<usize>,
    /// Anchors an edit must pass, in order.
    pub acceptance: Vec<Anchor>,
    /// Most candidate edits per evolution round.
    pub candidates_per_round: u32,
    /// How a round uses its candidates.
    pub strategy: Strategy,
    /// The shape of the island search (when `strategy` is `Islands`).
    pub islands: IslandConfig,
    /// Verifier reasoning tokens per vote.
    pub reasoning_tokens: f64,
    /// Verifier votes per judged item.
    pub votes: u32,
    /// Difficulty estimate bought for every task, if any.
    pub predictor: Option<Predictor>,
}

impl Default for Plan {
    /// The baseline plan on the shipped ladder's indices (8B evolver and verifier, 32B
    /// users); build plans as `Plan { field: value, ..Plan::default() }` so new fields
    /// keep their defaults.
    fn default() -> Self {
        Plan {
            shares: PerRole {
                evolver: 0.1,
                user: 0.8,
                verifier: 0.1,
            },
            user_tier: 3,
            verifier_tier: 2,
            evolver_tiers: vec![2],
            acceptance: vec![Anchor::Verifier],
            candidates_per_round: 32,
            strategy: Strategy::Independent,
            islands: IslandConfig::default(),
            reasoning_tokens: 1000.0,
            votes: 1,
            predictor: None,
        }
    }
}

impl Plan {
    /// Checks that every tier index is one of the world's `tiers` tiers.
    pub fn check(&self, tiers: usize) -> Result<(), RunError> {
        if self.evolver_tiers.is_empty() {
            return Err(RunError::NoEvolver);
        }
        let roles = [("user", self.user_tier), ("verifier", self.verifier_tier)]
            .into_iter()
            .chain(self.evolver_tiers.iter().map(|&t| ("evolver", t)));
        for (role, index) in roles {
            if index >= tiers {
                return Err(RunError::PlanTier { role, index, tiers });
            }
        }
        Ok(())
    }
}

/// What a policy decides for one task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskPlan {
    /// Parallel chains (samples).
    pub chains: u32,
    /// Sequential attempts per chain (1 = no revision).
    pub revisions: u32,
    /// How the final answer is picked among the chains.
    pub selection: Selection,
    /// Skip the task (hopeless or not worth its cost).
    pub skip: bool,
}

/// One task as a policy sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskView {
    /// Category index.
    pub category: usize,
    /// Value if solved.
    pub value: f64,
    /// The bought difficulty estimate, if the plan buys one.
    pub difficulty_estimate: Option<f64>,
}

/// A task the policy planned, once it has resolved: what an operator sees of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// The task as the policy saw it when it planned it.
    pub task: TaskView,
    /// What the policy decided for it.
    pub plan: TaskPlan,
    /// Whether the answer picked was right.
    pub solved: bool,
}

/// The world as a policy sees it: only what an operator could measure (time, spend, the
/// task mix, observed failures, what was deployed) and what it can buy (the tiers). The
/// world's hidden truths (harness quality, edit effects, the attempt model, the trait
/// curves) are not here: they feed the run's metrics only. Task outcomes reach a policy one
/// by one through [`Policy::outcome`].
#[derive(Debug)]
pub struct View<'a> {
    /// Hours since the start.
    pub now: f64,
    /// Hours the run lasts.
    pub horizon: f64,
    /// The budget ledger (spent and balance per role).
    pub ledger: &'a Ledger,
    /// Current traffic share per category.
    pub traffic: &'a [f64],
    /// Smoothed observed failure rate per category (EWMA over resolved tasks).
    pub failure_rate: &'a [f64],
    /// Edits deployed so far, per category (what the operator shipped, not what it did).
    pub deployed: &'a [u32],
    /// Edits accepted and proposed in the last epoch.
    pub recent: (u32, u32),
    /// The tiers (prices, speeds and each model's skill rating).
    pub tiers: &'a [Tier],
}

/// An allocation policy. Implement it to add your own; `docs/policies.md` shows how.
pub trait Policy: Send {
    /// Name for outputs.
    fn name(&self) -> &str;
    /// The plan for the run.
    fn start(&mut self, view: &View<'_>) -> Plan;
    /// Called at every epoch; new shares re-split what is left of the budget.
    fn epoch(&mut self, _view: &View<'_>) -> Option<PerRole<f64>> {
        None
    }
    /// The compute for one task.
    fn task(&mut self, task: &TaskView, view: &View<'_>) -> TaskPlan;
    /// A task this policy planned (and did not skip) has resolved. Called once per attempted
    /// task, when its answer is picked; the default ignores it.
    fn outcome(&mut self, _outcome: &Outcome, _view: &View<'_>) {}
}
