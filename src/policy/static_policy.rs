//! The `static` policy: fixed shares, tiers, samples and acceptance.

use super::{Shares, check_tier, tier_index};
use crate::base::Issue;
use crate::model::evolver::Strategy;
use crate::model::{Anchor, PerRole, Selection, Tier};
use crate::model::{Plan, Policy, Predictor, TaskPlan, TaskView, View};
use serde::{Deserialize, Serialize};

/// Parameters of the `static` policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaticParams {
    /// Budget shares per role; the user share may be left out (it is then the rest).
    pub shares: Shares,
    /// Tier name per role.
    pub tiers: PerRole<String>,
    /// Extra evolver tiers (a pool); empty = one evolver.
    pub evolver_pool: Vec<String>,
    /// Parallel chains per task.
    pub samples: u32,
    /// Sequential attempts per chain.
    pub revisions: u32,
    /// How the answer is picked among chains.
    pub selection: Selection,
    /// Verifier reasoning tokens per vote.
    pub reasoning_tokens: f64,
    /// Verifier votes per judged item.
    pub votes: u32,
    /// Anchors an edit must pass, in order.
    pub acceptance: Vec<Anchor>,
    /// Most candidate edits per evolution round.
    pub candidates_per_round: u32,
    /// How a round uses its candidates: "independent", "best-of-n" or "sequential".
    pub strategy: Strategy,
    /// Difficulty estimate to buy per task (unused by this policy's decisions, but paid).
    pub predictor: Option<Predictor>,
}

impl Default for StaticParams {
    fn default() -> Self {
        StaticParams {
            shares: Shares::new(0.1, 0.8, 0.1),
            tiers: PerRole {
                evolver: "8B".into(),
                user: "32B".into(),
                verifier: "8B".into(),
            },
            evolver_pool: Vec::new(),
            samples: 1,
            revisions: 1,
            selection: Selection::Verifier,
            reasoning_tokens: 1000.0,
            votes: 1,
            acceptance: vec![Anchor::Verifier],
            candidates_per_round: 32,
            strategy: Strategy::Independent,
            predictor: None,
        }
    }
}

impl StaticParams {
    /// Checks the parameters.
    pub fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        self.shares.validate("policy.shares", out);
        check_tier(tiers, &self.tiers.evolver, "policy.tiers.evolver", out);
        check_tier(tiers, &self.tiers.user, "policy.tiers.user", out);
        check_tier(tiers, &self.tiers.verifier, "policy.tiers.verifier", out);
        for (i, t) in self.evolver_pool.iter().enumerate() {
            check_tier(tiers, t, &format!("policy.evolver_pool.{i}"), out);
        }
        if self.samples == 0 || self.samples > 64 {
            out.push(Issue::new(
                "policy.samples",
                format!("must be between 1 and 64 (got {})", self.samples),
            ));
        }
        if self.revisions == 0 || self.revisions > 64 {
            out.push(Issue::new(
                "policy.revisions",
                format!("must be between 1 and 64 (got {})", self.revisions),
            ));
        }
        if self.votes == 0 || self.votes > 1024 {
            out.push(Issue::new(
                "policy.votes",
                format!("must be between 1 and 1024 (got {})", self.votes),
            ));
        }
        if !self.reasoning_tokens.is_finite() || self.reasoning_tokens < 0.0 {
            out.push(Issue::new(
                "policy.reasoning_tokens",
                format!(
                    "must be a finite number >= 0 (got {})",
                    self.reasoning_tokens
                ),
            ));
        }
        if self.acceptance.is_empty() {
            out.push(Issue::new(
                "policy.acceptance",
                "needs at least one anchor: \"self\", \"verifier\", \"replay\" or \"tool\"",
            ));
        }
        if let Some(p) = &self.predictor
            && (!p.noise_sd.is_finite()
                || p.noise_sd < 0.0
                || !p.tokens.is_finite()
                || p.tokens < 0.0)
        {
            out.push(Issue::new(
                "policy.predictor",
                "noise_sd and tokens must be finite numbers >= 0",
            ));
        }
    }
}

impl StaticParams {
    /// The plan these parameters describe (unknown tier names fall back to tier 0).
    // `..Plan::default()` is there for the fields the model adds later.
    #[allow(clippy::needless_update)]
    pub fn plan(&self, tiers: &[Tier]) -> Plan {
        let idx = |n: &str| tier_index(tiers, n).unwrap_or(0);
        let mut evolver_tiers = vec![idx(&self.tiers.evolver)];
        evolver_tiers.extend(self.evolver_pool.iter().map(|n| idx(n)));
        Plan {
            shares: self.shares.resolve(),
            user_tier: idx(&self.tiers.user),
            verifier_tier: idx(&self.tiers.verifier),
            evolver_tiers,
            acceptance: self.acceptance.clone(),
            candidates_per_round: self.candidates_per_round,
            strategy: self.strategy,
            reasoning_tokens: self.reasoning_tokens,
            votes: self.votes,
            predictor: self.predictor,
            ..Plan::default()
        }
    }

    /// The compute every task gets.
    pub fn task_plan(&self) -> TaskPlan {
        TaskPlan {
            chains: self.samples,
            revisions: self.revisions,
            selection: self.selection,
            skip: false,
        }
    }
}

/// Fixed shares, tiers, samples and acceptance for the whole run.
pub struct StaticPolicy {
    p: StaticParams,
    plan: Plan,
}

impl StaticPolicy {
    /// The policy for valid parameters `p` (unknown tier names fall back to tier 0).
    pub fn new(p: StaticParams, tiers: &[Tier]) -> Self {
        let plan = p.plan(tiers);
        StaticPolicy { p, plan }
    }
}

impl Policy for StaticPolicy {
    fn name(&self) -> &str {
        "static"
    }

    fn start(&mut self, _view: &View<'_>) -> Plan {
        self.plan.clone()
    }

    fn task(&mut self, _task: &TaskView, _view: &View<'_>) -> TaskPlan {
        self.p.task_plan()
    }
}
