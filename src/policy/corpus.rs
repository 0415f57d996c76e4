//! The `corpus-advice` policy: the research notes' own advice as one policy, so it can be
//! compared with the rest. A cheap, diverse pool of small evolvers; an external verifier
//! that reasons before scoring; the premium budget to users of the tier whose harness
//! benefit factor peaks; and (by default) evolver funding that follows user struggle.
//!
//! Tiers are chosen from the ladder when the run starts, by skill and price:
//! - users: the tier with the highest benefit factor `invoke * adhere` (ties: the cheaper)
//!   on the trait curves the notes publish (triad's default traits: 25% invocation for weak
//!   models, ~96% for strong ones), not on the world's, which no operator sees;
//! - evolvers: `pool_size` evolvers, cycling over the `pool_tiers` cheapest tiers whose
//!   skill is at least `pool_min_skill` (the cheapest tier overall if none is);
//! - verifier: the cheapest tier with skill at least `verifier_min_skill` that is not an
//!   evolver tier (else the most skilled tier that is not one, else the users' tier).

use super::struggle::{StruggleRule, StruggleState, rebalance};
use super::{Common, Params, Shares, StaticParams};
use crate::base::Issue;
use crate::model::{Anchor, PerRole, Tier, Traits};
use crate::model::{Outcome, Plan, Policy, TaskPlan, TaskView, View};
use serde::{Deserialize, Serialize};

/// Most evolvers in the pool.
pub const MAX_POOL: u32 = 64;

/// Parameters of the `corpus-advice` policy: its own keys, the struggle rule's and the
/// common block (whose `tiers` and `evolver_pool` it does not read: it picks tiers from the
/// ladder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusParams {
    /// Evolvers in the pool.
    pub pool_size: u32,
    /// Distinct cheap tiers the pool cycles over.
    pub pool_tiers: u32,
    /// Least skill of a pool tier (the smallest models write too many malformed edits).
    pub pool_min_skill: f64,
    /// Least skill of the verifier's tier.
    pub verifier_min_skill: f64,
    /// Fund evolution by the struggle-adaptive rule (false: fixed shares).
    pub adaptive: bool,
    /// The rule (as in struggle-adaptive), when `adaptive`.
    #[serde(flatten)]
    pub rule: StruggleRule,
    /// Shares (of the first epoch when `adaptive`), compute per task, verifier reasoning
    /// and votes, and acceptance (external anchors: never only "self").
    #[serde(flatten)]
    pub common: Common,
}

impl Default for CorpusParams {
    fn default() -> Self {
        CorpusParams {
            pool_size: 6,
            pool_tiers: 2,
            pool_min_skill: 0.0,
            verifier_min_skill: 1.5,
            adaptive: true,
            rule: StruggleRule::default(),
            common: Common {
                shares: Shares::new(0.1, 0.75, 0.15),
                // The verifier reasons before scoring.
                reasoning_tokens: 4000.0,
                candidates_per_round: 512,
                ..Common::default()
            },
        }
    }
}

impl CorpusParams {
    /// The shared keys as `static` parameters (tier names are placeholders: tiers are
    /// chosen at the start of the run).
    fn base(&self, tiers: &[Tier]) -> StaticParams {
        let name = tiers.first().map(|t| t.name.clone()).unwrap_or_default();
        StaticParams {
            common: Common {
                tiers: PerRole {
                    evolver: name.clone(),
                    user: name.clone(),
                    verifier: name,
                },
                evolver_pool: Vec::new(),
                ..self.common.clone()
            },
            predictor: None,
        }
    }
}

impl Params for CorpusParams {
    const KIND: &'static str = "corpus-advice";
    const SUMMARY: &'static str = "the research notes' advice: cheap diverse evolver pool, external reasoning verifier, users at the benefit peak";
    const OWN: &'static [(&'static str, &'static str)] = &[
        ("pool_size", "evolvers in the pool"),
        ("pool_tiers", "distinct cheapest tiers the pool cycles over"),
        ("pool_min_skill", "least skill of a pool tier"),
        (
            "verifier_min_skill",
            "least skill of the verifier (cheapest such tier outside the pool)",
        ),
        (
            "adaptive",
            "fund evolution by the struggle-adaptive rule (false: fixed shares)",
        ),
        ("k", "the rule's gain, as in struggle-adaptive"),
        ("min_share", "the rule's least evolver share"),
        ("max_share", "the rule's most evolver share"),
        (
            "optimistic_gain",
            "the rule's assumed gain per edit before a category's first before/after comparison",
        ),
        (
            "gain_window",
            "the rule's outcomes compared on each side of a deploy",
        ),
        (
            "gain_smoothing",
            "the rule's forgetting of earlier before/after comparisons",
        ),
    ];
    const SKIPS: &'static [&'static str] = &["tiers", "evolver_pool"];
    const NOTES: &'static [(&'static str, &'static str)] = &[
        (
            "shares",
            "budget shares per role (of the first epoch when adaptive); must sum to 1",
        ),
        (
            "acceptance",
            "anchors an edit must pass, in order; at least one external",
        ),
    ];

    fn common(&self) -> &Common {
        &self.common
    }

    fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        let mut base = Vec::new();
        self.base(tiers).validate(tiers, &mut base);
        out.extend(
            base.into_iter()
                .filter(|i| !i.path.starts_with("policy.tiers")),
        );
        if self.adaptive {
            self.rule.validate(out);
        }
        if self.pool_size == 0 || self.pool_size > MAX_POOL {
            out.push(Issue::new(
                "policy.pool_size",
                format!("must be between 1 and {MAX_POOL} (got {})", self.pool_size),
            ));
        }
        if self.pool_tiers == 0 {
            out.push(Issue::new("policy.pool_tiers", "must be at least 1"));
        }
        for (key, v) in [
            ("pool_min_skill", self.pool_min_skill),
            ("verifier_min_skill", self.verifier_min_skill),
        ] {
            if !v.is_finite() {
                out.push(Issue::new(
                    format!("policy.{key}"),
                    format!("must be a finite number (got {v})"),
                ));
            }
        }
        let acceptance = &self.common.acceptance;
        if acceptance.iter().all(|&a| a == Anchor::SelfJudge) && !acceptance.is_empty() {
            out.push(Issue::new(
                "policy.acceptance",
                "the advice is an external anchor: add \"verifier\", \"replay\" or \"tool\"",
            ));
        }
    }

    fn build(&self, _tiers: &[Tier]) -> Box<dyn Policy> {
        Box::new(CorpusAdvice::new(self))
    }

    /// The users' tier it picks from the ladder (on the published trait curves, whatever
    /// the world's `traits` are).
    fn user_tier(&self, tiers: &[Tier], _traits: &Traits) -> Option<String> {
        if tiers.is_empty() {
            return None;
        }
        let (user, _, _) = choose_tiers(self, tiers, &Traits::default());
        tiers.get(user).map(|t| t.name.clone())
    }
}

/// The tiers the advice picks: `(user, evolver pool, verifier)`, as indices.
pub fn choose_tiers(
    p: &CorpusParams,
    tiers: &[Tier],
    traits: &Traits,
) -> (usize, Vec<usize>, usize) {
    let price = |i: usize| tiers[i].price_in + tiers[i].price_out;
    let cheaper = |a: &usize, b: &usize| price(*a).total_cmp(&price(*b)).then(a.cmp(b));
    let all: Vec<usize> = (0..tiers.len()).collect();
    let user = all
        .iter()
        .copied()
        .max_by(|&a, &b| {
            traits
                .benefit(tiers[a].skill)
                .total_cmp(&traits.benefit(tiers[b].skill))
                .then(cheaper(&b, &a))
        })
        .unwrap_or(0);
    let mut small: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| tiers[i].skill >= p.pool_min_skill)
        .collect();
    small.sort_by(cheaper);
    small.truncate(p.pool_tiers.max(1) as usize);
    if small.is_empty() {
        small = all.iter().copied().min_by(cheaper).into_iter().collect();
    }
    let pool: Vec<usize> = if small.is_empty() {
        vec![0]
    } else {
        (0..p.pool_size.clamp(1, MAX_POOL) as usize)
            .map(|i| small[i % small.len()])
            .collect()
    };
    let outside: Vec<usize> = all.iter().copied().filter(|i| !pool.contains(i)).collect();
    let verifier = outside
        .iter()
        .copied()
        .filter(|&i| tiers[i].skill >= p.verifier_min_skill)
        .min_by(cheaper)
        .or_else(|| {
            outside
                .iter()
                .copied()
                .max_by(|&a, &b| tiers[a].skill.total_cmp(&tiers[b].skill).then(b.cmp(&a)))
        })
        .unwrap_or(user);
    (user, pool, verifier)
}

/// The research notes' advice as one policy.
#[derive(Debug)]
pub struct CorpusAdvice {
    p: CorpusParams,
    rule: StruggleRule,
    state: StruggleState,
    plan: Option<Plan>,
    task: TaskPlan,
}

impl CorpusAdvice {
    /// The policy for valid parameters `p`.
    pub fn new(p: &CorpusParams) -> Self {
        CorpusAdvice {
            rule: p.rule,
            state: StruggleState::new(&p.rule),
            plan: None,
            task: TaskPlan {
                chains: p.common.samples,
                revisions: p.common.revisions,
                selection: p.common.selection,
                skip: false,
            },
            p: p.clone(),
        }
    }
}

impl Policy for CorpusAdvice {
    fn name(&self) -> &str {
        CorpusParams::KIND
    }

    fn start(&mut self, view: &View<'_>) -> Plan {
        let (user, pool, verifier) = choose_tiers(&self.p, view.tiers, &Traits::default());
        let plan = Plan {
            shares: self.p.common.shares.resolve(),
            user_tier: user,
            verifier_tier: verifier,
            evolver_tiers: pool,
            ..self.p.base(view.tiers).plan(view.tiers)
        };
        self.plan = Some(plan.clone());
        plan
    }

    fn epoch(&mut self, view: &View<'_>) -> Option<PerRole<f64>> {
        if !self.p.adaptive {
            return None;
        }
        let gains = self.state.expected_gains(&self.rule, view);
        if view.now <= 0.0 {
            return None;
        }
        let e = self.rule.share(view.traffic, view.failure_rate, gains);
        Some(rebalance(&self.p.common.shares.resolve(), e))
    }

    fn task(&mut self, _task: &TaskView, _view: &View<'_>) -> TaskPlan {
        self.task
    }

    fn outcome(&mut self, outcome: &Outcome, view: &View<'_>) {
        if self.p.adaptive {
            self.state.observe(outcome, view);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::default_ladder;

    #[test]
    fn advice_on_the_shipped_ladder() {
        let tiers = default_ladder();
        let (user, pool, verifier) =
            choose_tiers(&CorpusParams::default(), &tiers, &Traits::default());
        let name = |i: usize| tiers[i].name.as_str();
        assert_eq!(name(user), "32B");
        assert_eq!(
            pool.iter().map(|&i| name(i)).collect::<Vec<_>>(),
            ["3B", "8B", "3B", "8B", "3B", "8B"]
        );
        assert_eq!(name(verifier), "32B");
        assert!(!pool.contains(&verifier));
    }
}
