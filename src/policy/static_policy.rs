//! The `static` policy: fixed shares, tiers, samples and acceptance.

use super::{Common, Params, tier_index};
use crate::base::Issue;
use crate::model::Tier;
use crate::model::{Plan, Policy, Predictor, TaskPlan, TaskView, View};
use serde::{Deserialize, Serialize};

/// Parameters of the `static` policy: the common block, plus a difficulty estimate to pay
/// for.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StaticParams {
    /// Shares, tiers, compute per task, verifier and acceptance (every default as
    /// [`Common::default`]).
    #[serde(flatten)]
    pub common: Common,
    /// Difficulty estimate to buy per task (unused by this policy's decisions, but paid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictor: Option<Predictor>,
}

impl Params for StaticParams {
    const KIND: &'static str = "static";
    const SUMMARY: &'static str = "fixed shares, tiers, samples and acceptance for the whole run";
    const OWN: &'static [(&'static str, &'static str)] = &[(
        "predictor",
        "difficulty estimate bought per task, { noise_sd, tokens } (paid, unused)",
    )];

    fn common(&self) -> &Common {
        &self.common
    }

    fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        self.common.validate(tiers, out);
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

    fn build(&self, tiers: &[Tier]) -> Box<dyn Policy> {
        Box::new(StaticPolicy::new(self.clone(), tiers))
    }
}

impl StaticParams {
    /// The plan these parameters describe (unknown tier names fall back to tier 0).
    // `..Plan::default()` is there for the fields the model adds later.
    #[allow(clippy::needless_update)]
    pub fn plan(&self, tiers: &[Tier]) -> Plan {
        let c = &self.common;
        let idx = |n: &str| tier_index(tiers, n).unwrap_or(0);
        let mut evolver_tiers = vec![idx(&c.tiers.evolver)];
        evolver_tiers.extend(c.evolver_pool.iter().map(|n| idx(n)));
        Plan {
            shares: c.shares.resolve(),
            user_tier: idx(&c.tiers.user),
            verifier_tier: idx(&c.tiers.verifier),
            evolver_tiers,
            acceptance: c.acceptance.clone(),
            candidates_per_round: c.candidates_per_round,
            strategy: c.strategy,
            islands: c.island,
            reasoning_tokens: c.reasoning_tokens,
            votes: c.votes,
            predictor: self.predictor,
            ..Plan::default()
        }
    }

    /// The compute every task gets.
    pub fn task_plan(&self) -> TaskPlan {
        TaskPlan {
            chains: self.common.samples,
            revisions: self.common.revisions,
            selection: self.common.selection,
            skip: false,
        }
    }
}

/// Fixed shares, tiers, samples and acceptance for the whole run.
#[derive(Debug)]
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
        StaticParams::KIND
    }

    fn start(&mut self, _view: &View<'_>) -> Plan {
        self.plan.clone()
    }

    fn task(&mut self, _task: &TaskView, _view: &View<'_>) -> TaskPlan {
        self.p.task_plan()
    }
}
