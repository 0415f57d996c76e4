//! The `struggle-adaptive` policy: funds evolution while users fail on categories that edits
//! can still fix, and starves it when the harness carries the load or a category is out of
//! reach.
//!
//! At every epoch the evolver's share of what is left of the budget is
//!
//! ```text
//! share = clip(k * sum_c w_c f_c g_c / sum_c w_c (1 - f_c), min_share, max_share)
//! ```
//!
//! with `w_c` the traffic share of category `c`, `f_c` its smoothed failure rate and `g_c`
//! the quality one more accepted edit is expected to add there:
//! `g_c = r_c * (headroom_c - quality_c)`, where `r_c` is the realised gain per accepted edit
//! as a fraction of the headroom that was left when it was made (from the world's EWMA of
//! realised gains), or `optimistic_gain` for a category without an accepted edit yet. Users
//! and verifier split the rest in the proportions of their base shares. DESIGN.md section 7
//! (claim 7) explains why the rule weighs failures by what edits can still fix.

use super::{Common, Params, StaticParams};
use crate::base::Issue;
use crate::model::{PerRole, Tier};
use crate::model::{Plan, Policy, TaskPlan, TaskView, View};
use serde::{Deserialize, Serialize};

/// The evolver-funding rule, shared by `struggle-adaptive` and `corpus-advice` (each
/// flattens it into its parameters: its keys are `k`, `min_share`, `max_share` and
/// `optimistic_gain`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StruggleRule {
    /// Gain of the rule: evolver share per unit of expected fixable failure.
    pub k: f64,
    /// Least evolver share.
    pub min_share: f64,
    /// Most evolver share.
    pub max_share: f64,
    /// Gain per edit, as a fraction of the remaining headroom, assumed for a category
    /// without an accepted edit yet.
    pub optimistic_gain: f64,
}

impl Default for StruggleRule {
    fn default() -> Self {
        StruggleRule {
            k: 1.0,
            min_share: 0.02,
            max_share: 0.6,
            optimistic_gain: 0.15,
        }
    }
}

impl StruggleRule {
    /// Checks the rule's parameters; issues at `policy.<key>`.
    pub fn validate(&self, out: &mut Vec<Issue>) {
        if !self.k.is_finite() || self.k < 0.0 {
            out.push(Issue::new(
                "policy.k",
                format!("must be a finite number >= 0 (got {})", self.k),
            ));
        }
        for (key, v) in [
            ("min_share", self.min_share),
            ("max_share", self.max_share),
            ("optimistic_gain", self.optimistic_gain),
        ] {
            if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                out.push(Issue::new(
                    format!("policy.{key}"),
                    format!("must be in [0, 1] (got {v})"),
                ));
            }
        }
        if self.min_share.is_finite()
            && self.max_share.is_finite()
            && self.min_share > self.max_share
        {
            out.push(Issue::new(
                "policy.min_share",
                format!(
                    "must not exceed max_share (got {} > {})",
                    self.min_share, self.max_share
                ),
            ));
        }
    }

    /// The evolver share for traffic `w`, failure rates `f` and expected gains per edit `g`
    /// (one entry per category). Never NaN; always within `[min_share, max_share]`.
    pub fn share(&self, w: &[f64], f: &[f64], g: &[f64]) -> f64 {
        let (mut fixable, mut served) = (0.0, 0.0);
        for ((&w, &f), &g) in w.iter().zip(f).zip(g) {
            let f = f.clamp(0.0, 1.0);
            fixable += w * f * g.max(0.0);
            served += w * (1.0 - f);
        }
        // Everything failing: the ratio is unbounded, the clip decides.
        let raw = self.k * fixable / served.max(1e-3);
        let lo = self.min_share.min(self.max_share);
        if raw.is_nan() {
            lo
        } else {
            raw.clamp(lo, self.max_share)
        }
    }
}

/// What the rule remembers between epochs: per category, the gain per edit as a fraction of
/// the headroom left when the edits were made.
#[derive(Debug, Clone, Default)]
pub struct StruggleState {
    rate: Vec<Option<f64>>,
    last_gain: Vec<Option<f64>>,
    last_quality: Vec<f64>,
    gains: Vec<f64>,
}

impl StruggleState {
    /// Reads the view and returns the expected gain of one more edit per category.
    pub fn expected_gains(&mut self, rule: &StruggleRule, view: &View<'_>) -> &[f64] {
        let n = view.harness.quality.len();
        if self.rate.len() != n {
            self.rate = vec![None; n];
            self.last_gain = vec![None; n];
            self.last_quality = view.harness.quality.clone();
        }
        self.gains.clear();
        for c in 0..n {
            let h = view.harness.quality[c];
            let room = (view.headroom.get(c).copied().unwrap_or(0.0) - h).max(0.0);
            let gain = view.gain_per_edit.get(c).copied().flatten();
            if gain.is_some() && gain != self.last_gain[c] {
                // New edits were accepted since the last epoch, made on (about) the quality
                // the category had then.
                let room_then =
                    (view.headroom.get(c).copied().unwrap_or(0.0) - self.last_quality[c]).max(0.0);
                let g = gain.unwrap_or(0.0);
                self.rate[c] = Some(if room_then > 1e-9 {
                    (g / room_then).clamp(0.0, 1.0)
                } else {
                    0.0
                });
                self.last_gain[c] = gain;
            }
            self.last_quality[c] = h;
            let r = self.rate[c].unwrap_or(rule.optimistic_gain);
            self.gains.push(r * room);
        }
        &self.gains
    }
}

/// Shares with the evolver's set to `evolver` and users and verifier splitting the rest in
/// the proportions of `base`.
pub fn rebalance(base: &PerRole<f64>, evolver: f64) -> PerRole<f64> {
    let rest = (1.0 - evolver).max(0.0);
    let uv = base.user.max(0.0) + base.verifier.max(0.0);
    let (user, verifier) = if uv > 0.0 {
        (
            rest * base.user.max(0.0) / uv,
            rest * base.verifier.max(0.0) / uv,
        )
    } else {
        (rest, 0.0)
    };
    PerRole {
        evolver,
        user,
        verifier,
    }
}

/// Parameters of the `struggle-adaptive` policy: the rule's four keys and the common block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StruggleParams {
    /// The evolver-funding rule.
    #[serde(flatten)]
    pub rule: StruggleRule,
    /// Shares (of the first epoch, before any task is seen; afterwards users and verifier
    /// split what the evolver does not take in the proportions of their entries), tiers,
    /// compute per task, verifier and acceptance.
    #[serde(flatten)]
    pub common: Common,
}

impl Default for StruggleParams {
    fn default() -> Self {
        StruggleParams {
            rule: StruggleRule::default(),
            common: Common {
                // High, so that the share, not this cap, sets how much evolution happens.
                candidates_per_round: 512,
                ..Common::default()
            },
        }
    }
}

impl StruggleParams {
    /// The shared keys as `static` parameters.
    pub fn base(&self) -> StaticParams {
        StaticParams {
            common: self.common.clone(),
            predictor: None,
        }
    }
}

impl Params for StruggleParams {
    const KIND: &'static str = "struggle-adaptive";
    const SUMMARY: &'static str = "funds evolution while users fail where edits can still help, starves it when the harness carries the load";
    const OWN: &'static [(&'static str, &'static str)] = &[
        (
            "k",
            "evolver share = clip(k * sum w f g / sum w (1 - f), min_share, max_share)",
        ),
        ("min_share", "least evolver share"),
        ("max_share", "most evolver share"),
        (
            "optimistic_gain",
            "gain per edit (fraction of remaining headroom) assumed before any edit of a category is accepted",
        ),
    ];
    const NOTES: &'static [(&'static str, &'static str)] = &[
        (
            "shares",
            "shares of the first epoch; then users and verifier split what the evolver leaves in these proportions",
        ),
        (
            "candidates_per_round",
            "most candidate edits per round (high: the share sets how much evolution happens)",
        ),
    ];

    fn common(&self) -> &Common {
        &self.common
    }

    fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        self.rule.validate(out);
        self.common.validate(tiers, out);
        let shares = self.common.shares.resolve();
        if shares.user.is_finite()
            && shares.verifier.is_finite()
            && shares.user + shares.verifier <= 0.0
        {
            out.push(Issue::new(
                "policy.shares",
                "users and verifier split what the evolver leaves by their shares: at least one of them must be > 0",
            ));
        }
    }

    fn build(&self, tiers: &[Tier]) -> Box<dyn Policy> {
        Box::new(StruggleAdaptive::new(self, tiers))
    }
}

/// Funds evolution in proportion to the failures edits can still fix.
#[derive(Debug)]
pub struct StruggleAdaptive {
    p: StaticParams,
    rule: StruggleRule,
    state: StruggleState,
    plan: Plan,
}

impl StruggleAdaptive {
    /// The policy for valid parameters `p`.
    pub fn new(p: &StruggleParams, tiers: &[Tier]) -> Self {
        let base = p.base();
        let plan = base.plan(tiers);
        StruggleAdaptive {
            p: base,
            rule: p.rule,
            state: StruggleState::default(),
            plan,
        }
    }
}

impl Policy for StruggleAdaptive {
    fn name(&self) -> &str {
        StruggleParams::KIND
    }

    fn start(&mut self, _view: &View<'_>) -> Plan {
        self.plan.clone()
    }

    fn epoch(&mut self, view: &View<'_>) -> Option<PerRole<f64>> {
        let gains = self.state.expected_gains(&self.rule, view);
        if view.now <= 0.0 {
            // Nothing seen yet: keep the first epoch's shares.
            return None;
        }
        let e = self.rule.share(view.traffic, view.failure_rate, gains);
        Some(rebalance(&self.p.common.shares.resolve(), e))
    }

    fn task(&mut self, _task: &TaskView, _view: &View<'_>) -> TaskPlan {
        self.p.task_plan()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_follows_fixable_failure_and_stays_in_bounds() {
        let r = StruggleRule::default();
        let w = [0.5, 0.5];
        let low = r.share(&w, &[0.1, 0.1], &[0.05, 0.05]);
        let high = r.share(&w, &[0.6, 0.6], &[0.3, 0.3]);
        assert!(high > low, "{low} {high}");
        // Failures nothing can fix buy nothing.
        assert_eq!(r.share(&w, &[0.9, 0.9], &[0.0, 0.0]), r.min_share);
        assert_eq!(r.share(&w, &[1.0, 1.0], &[2.0, 2.0]), r.max_share);
        assert_eq!(r.share(&w, &[f64::NAN, 0.5], &[0.1, 0.1]), r.min_share);
    }

    #[test]
    fn rebalance_keeps_the_base_proportions() {
        let b = PerRole {
            evolver: 0.1,
            user: 0.6,
            verifier: 0.3,
        };
        let s = rebalance(&b, 0.4);
        assert!((s.user - 0.4).abs() < 1e-12 && (s.verifier - 0.2).abs() < 1e-12);
    }
}
