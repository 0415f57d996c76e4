//! Allocation policies: how the budget is split across roles and tiers, how much compute a
//! task gets, and how edits are accepted.
//!
//! A policy sees the world through a [`View`] and decides three things: a [`Plan`] at the
//! start, optional new budget shares at every epoch, and a [`TaskPlan`] for every task.
//! Randomness reaches it only through the engine's streams (the stream in the view).

mod static_policy;

pub use static_policy::{StaticParams, StaticPolicy};

use crate::model::{Anchor, Harness, Ledger, PerRole, Selection, Tier};
use crate::scenario::Issue;
use serde::{Deserialize, Serialize};

/// Budget shares of the three roles. The user share may be left out: it is then the rest,
/// `1 - evolver - verifier`, so a sweep can vary the evolver and verifier shares alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shares {
    /// Share of the evolvers.
    pub evolver: f64,
    /// Share of the users (default: the rest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<f64>,
    /// Share of the verifiers.
    pub verifier: f64,
}

impl Shares {
    /// Shares with every role given.
    pub fn new(evolver: f64, user: f64, verifier: f64) -> Shares {
        Shares {
            evolver,
            user: Some(user),
            verifier,
        }
    }

    /// The share of each role.
    pub fn resolve(&self) -> PerRole<f64> {
        PerRole {
            evolver: self.evolver,
            user: self.user.unwrap_or(1.0 - self.evolver - self.verifier),
            verifier: self.verifier,
        }
    }

    /// Checks that each share is in [0, 1] and that they sum to 1; problems at `path.*`.
    pub fn validate(&self, path: &str, out: &mut Vec<Issue>) {
        let r = self.resolve();
        let mut ok = true;
        for (name, v) in [
            ("evolver", r.evolver),
            ("user", r.user),
            ("verifier", r.verifier),
        ] {
            if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                ok = false;
                let what = if name == "user" && self.user.is_none() {
                    format!("the rest, 1 - evolver - verifier, must be in [0, 1] (got {v:.4})")
                } else {
                    format!("must be a share in [0, 1] (got {v})")
                };
                out.push(Issue::new(format!("{path}.{name}"), what));
            }
        }
        let sum = r.evolver + r.user + r.verifier;
        if ok && (sum - 1.0).abs() > 1e-6 {
            out.push(Issue::new(
                path,
                format!("shares must sum to 1 (they sum to {sum:.4})"),
            ));
        }
    }
}

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
            reasoning_tokens: 1000.0,
            votes: 1,
            predictor: None,
        }
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

/// The world as a policy sees it.
pub struct View<'a> {
    /// Hours since the start.
    pub now: f64,
    /// Hours the run lasts.
    pub horizon: f64,
    /// The budget ledger (spent and balance per role).
    pub ledger: &'a Ledger,
    /// The deployed harness.
    pub harness: &'a Harness,
    /// Headroom per category.
    pub headroom: &'a [f64],
    /// Current traffic share per category.
    pub traffic: &'a [f64],
    /// Smoothed failure rate per category (EWMA over tasks).
    pub failure_rate: &'a [f64],
    /// Smoothed realised quality gain per accepted edit, per category (EWMA); `None` until
    /// an edit of that category has been accepted.
    pub gain_per_edit: &'a [Option<f64>],
    /// Edits accepted and proposed in the last epoch.
    pub recent: (u32, u32),
    /// The tiers.
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
}

/// A policy as written in a scenario's `[policy]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PolicyConfig {
    /// Fixed shares, tiers, samples and acceptance.
    Static(StaticParams),
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::Static(StaticParams::default())
    }
}

impl PolicyConfig {
    /// Checks the parameters against the tiers; problems are reported at `policy.<key>`.
    pub fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        match self {
            PolicyConfig::Static(p) => p.validate(tiers, out),
        }
    }

    /// The policy object (parameters must be valid).
    pub fn build(&self, tiers: &[Tier]) -> Box<dyn Policy> {
        match self {
            PolicyConfig::Static(p) => Box::new(StaticPolicy::new(p.clone(), tiers)),
        }
    }
}

/// Index of the tier named `name`.
pub fn tier_index(tiers: &[Tier], name: &str) -> Option<usize> {
    tiers.iter().position(|t| t.name == name)
}

/// Reports an unknown tier name at `path`.
pub(crate) fn check_tier(tiers: &[Tier], name: &str, path: &str, out: &mut Vec<Issue>) {
    if tier_index(tiers, name).is_none() {
        let known: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
        out.push(Issue::new(
            path,
            format!("no tier named {name:?}; the tiers are {}", known.join(", ")),
        ));
    }
}
