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
//! with `w_c` the traffic share of category `c`, `f_c` its observed failure rate and `g_c`
//! the fraction of its failures one more deployed edit is expected to remove, so that
//! `f_c g_c` is the failure rate one more edit takes away. The policy sees no edit's effect:
//! it measures `g_c` the way an operator would, from the solve rate of the category's tasks
//! in a window of `gain_window` outcomes before a deploy and the same number after it
//! ([`DeployGain`]), or assumes `optimistic_gain` for a category without such a comparison
//! yet. Users and verifier split the rest in the proportions of their base shares.
//! DESIGN.md section 7 (claim 7) explains why the rule weighs failures by what edits can
//! still fix.

use super::{Common, Params, StaticParams};
use crate::base::Issue;
use crate::model::{Outcome, Plan, Policy, TaskPlan, TaskView, View};
use crate::model::{PerRole, Tier};
use serde::{Deserialize, Serialize};

/// The evolver-funding rule, shared by `struggle-adaptive` and `corpus-advice` (each
/// flattens it into its parameters: its keys are `k`, `min_share`, `max_share`,
/// `optimistic_gain`, `gain_window` and `gain_smoothing`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StruggleRule {
    /// Gain of the rule: evolver share per unit of expected fixable failure.
    pub k: f64,
    /// Least evolver share.
    pub min_share: f64,
    /// Most evolver share.
    pub max_share: f64,
    /// Fraction of a category's failures one deployed edit is assumed to remove, before
    /// a comparison of its solve rate around a deploy says otherwise.
    pub optimistic_gain: f64,
    /// Outcomes of a category on each side of a deploy that make one before/after
    /// comparison. Assumption: 100 outcomes measure a solve rate to about 5 points (one
    /// binomial sd at most 0.05), small beside the 5-15 points a round of edits moves it,
    /// while one comparison still fits within an epoch of the shipped scenarios' traffic.
    pub gain_window: u32,
    /// How much weight the earlier comparisons of a category lose at each new one (an
    /// exponential forgetting of old evidence; 0 keeps all of it). Assumption: 0.2 keeps
    /// about the last five comparisons, so the estimate follows the shrinking gain of
    /// edits as a category fills up within a day or two of deploys.
    pub gain_smoothing: f64,
}

impl Default for StruggleRule {
    fn default() -> Self {
        StruggleRule {
            k: 1.0,
            min_share: 0.02,
            max_share: 0.6,
            optimistic_gain: 0.15,
            gain_window: 100,
            gain_smoothing: 0.2,
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
        if !self.gain_smoothing.is_finite() || !(0.0..1.0).contains(&self.gain_smoothing) {
            out.push(Issue::new(
                "policy.gain_smoothing",
                format!("must be in [0, 1) (got {})", self.gain_smoothing),
            ));
        }
        if self.gain_window == 0 || self.gain_window > MAX_GAIN_WINDOW {
            out.push(Issue::new(
                "policy.gain_window",
                format!(
                    "must be between 1 and {MAX_GAIN_WINDOW} outcomes (got {})",
                    self.gain_window
                ),
            ));
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
    /// (fractions of the failures one edit removes; one entry per category). Never NaN;
    /// always within `[min_share, max_share]`.
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

/// Most outcomes in a before/after window.
pub const MAX_GAIN_WINDOW: u32 = 100_000;

/// Outcomes of one category at one deploy count: how many, how many solved.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stretch {
    deployed: u32,
    n: u32,
    solved: u32,
}

impl Stretch {
    /// Solve rate with half a success and half a failure added (defined at 0 and n).
    fn rate(&self) -> f64 {
        (self.solved as f64 + 0.5) / (self.n as f64 + 1.0)
    }
}

/// One category's estimate of what a deployed edit does, from observed outcomes only.
#[derive(Debug, Clone, Default)]
struct CategoryGain {
    /// The last `window` outcomes at the current deploy count (true = solved).
    recent: std::collections::VecDeque<bool>,
    recent_solved: u32,
    /// The deploy count those outcomes were observed at.
    deployed: u32,
    /// The full window of outcomes seen before the last deploys, if there was one.
    before: Option<Stretch>,
    /// Whether the window after the last deploys was compared with `before` already.
    compared: bool,
    /// Discounted sums of the comparisons' precisions and of precision x estimate.
    precision: f64,
    weighted: f64,
    comparisons: u32,
}

/// Gain per deployed edit, measured the way an operator can: per category, the solve rate
/// of the `window` tasks resolved just before a deploy (or a burst of deploys with fewer
/// than `window` outcomes between them) against the `window` tasks resolved just after it.
/// One comparison estimates the fraction of the failures each of the `n` edits deployed in
/// between removed, `r = (s_after - s_before) / (n (1 - s_before))`, with binomial variance
/// `v = (s_a (1 - s_a) / m + s_b (1 - s_b) / m) / (n (1 - s_b))^2`. The estimate is the
/// precision-weighted mean of the comparisons, earlier ones discounted by `1 - smoothing`
/// at each new one, and its sd `1 / sqrt(sum of discounted precisions)`.
///
/// A change of the task mix at the time of a deploy (a difficulty shift) is attributed to
/// the edits: an operator comparing solve rates around a deploy cannot tell them apart.
#[derive(Debug, Clone, Default)]
pub struct DeployGain {
    window: u32,
    smoothing: f64,
    cats: Vec<CategoryGain>,
}

impl DeployGain {
    /// An estimator comparing `window` outcomes on each side of a deploy, forgetting
    /// earlier comparisons by `smoothing` at each new one.
    pub fn new(window: u32, smoothing: f64) -> DeployGain {
        DeployGain {
            window: window.clamp(1, MAX_GAIN_WINDOW),
            smoothing: smoothing.clamp(0.0, 1.0),
            cats: Vec::new(),
        }
    }

    /// A task of `category` resolved (`solved` or not) while `deployed` edits of that
    /// category were in the deployed harness.
    pub fn observe(&mut self, category: usize, solved: bool, deployed: u32) {
        if self.cats.len() <= category {
            self.cats.resize_with(category + 1, CategoryGain::default);
        }
        let w = self.window;
        let c = &mut self.cats[category];
        if deployed != c.deployed {
            if c.recent.len() as u32 >= w {
                // A full window at the old count: the "before" of the next comparison.
                c.before = Some(Stretch {
                    deployed: c.deployed,
                    n: w,
                    solved: c.recent_solved,
                });
            }
            // Otherwise deploys came in a burst: the outcomes between them saw part of it,
            // and the comparison spans the whole burst.
            c.recent.clear();
            c.recent_solved = 0;
            c.deployed = deployed;
            c.compared = false;
        }
        c.recent.push_back(solved);
        c.recent_solved += solved as u32;
        if c.recent.len() as u32 > w && c.recent.pop_front() == Some(true) {
            c.recent_solved -= 1;
        }
        if c.compared || (c.recent.len() as u32) < w {
            return;
        }
        c.compared = true;
        let Some(b) = c.before.filter(|b| b.deployed < deployed) else {
            return;
        };
        let after = Stretch {
            deployed,
            n: w,
            solved: c.recent_solved,
        };
        let (sb, sa) = (b.rate(), after.rate());
        let scale = (deployed - b.deployed) as f64 * (1.0 - sb);
        let r = (sa - sb) / scale;
        let v = (sa * (1.0 - sa) / after.n as f64 + sb * (1.0 - sb) / b.n as f64) / (scale * scale);
        let keep = 1.0 - self.smoothing;
        c.precision = keep * c.precision + 1.0 / v;
        c.weighted = keep * c.weighted + r / v;
        c.comparisons += 1;
    }

    /// The estimated fraction of `category`'s failures one more deployed edit removes and
    /// its sd; `None` before the first before/after comparison.
    pub fn estimate(&self, category: usize) -> Option<(f64, f64)> {
        let c = self.cats.get(category)?;
        (c.comparisons > 0 && c.precision > 0.0)
            .then(|| (c.weighted / c.precision, c.precision.sqrt().recip()))
    }

    /// Before/after comparisons made so far in `category`.
    pub fn comparisons(&self, category: usize) -> u32 {
        self.cats.get(category).map_or(0, |c| c.comparisons)
    }
}

/// What the rule remembers: the observed gain per deployed edit, per category.
#[derive(Debug, Clone)]
pub struct StruggleState {
    gain: DeployGain,
    gains: Vec<f64>,
}

impl StruggleState {
    /// The state of a rule that has seen nothing yet.
    pub fn new(rule: &StruggleRule) -> StruggleState {
        StruggleState {
            gain: DeployGain::new(rule.gain_window, rule.gain_smoothing),
            gains: Vec::new(),
        }
    }

    /// Takes in the outcome of a task (the view says what was deployed when it resolved).
    pub fn observe(&mut self, outcome: &Outcome, view: &View<'_>) {
        let c = outcome.task.category;
        let deployed = view.deployed.get(c).copied().unwrap_or(0);
        self.gain.observe(c, outcome.solved, deployed);
    }

    /// The expected fraction of each category's failures one more deployed edit removes:
    /// the observed estimate (never below 0 nor above 1), or `optimistic_gain` before any.
    pub fn expected_gains(&mut self, rule: &StruggleRule, view: &View<'_>) -> &[f64] {
        self.gains.clear();
        for c in 0..view.traffic.len() {
            let g = match self.gain.estimate(c) {
                Some((r, _)) => r.clamp(0.0, 1.0),
                None => rule.optimistic_gain,
            };
            self.gains.push(g);
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
            "fraction of a category's failures one deployed edit is assumed to remove before any before/after comparison",
        ),
        (
            "gain_window",
            "outcomes of a category compared on each side of a deploy to measure gain per edit",
        ),
        (
            "gain_smoothing",
            "weight earlier before/after comparisons lose at each new one (0 = keep all)",
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
            state: StruggleState::new(&p.rule),
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

    fn outcome(&mut self, outcome: &Outcome, view: &View<'_>) {
        self.state.observe(outcome, view);
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

    /// Feeds `n` outcomes of category 0 at deploy count `k`, each failing with `f`.
    fn feed(g: &mut DeployGain, s: &mut crate::engine::Stream, k: u32, f: f64, n: u32) {
        for _ in 0..n {
            g.observe(0, !s.bernoulli(f), k);
        }
    }

    #[test]
    fn deploy_gain_measures_the_share_of_failures_an_edit_removes() {
        // Each deployed edit removes 10% of the failures left.
        let (r, f0): (f64, f64) = (0.1, 0.5);
        let mut s = crate::engine::Streams::new(3).stream(1);
        let mut g = DeployGain::new(1000, 0.0);
        assert_eq!(g.estimate(0), None);
        for k in 0..12 {
            feed(&mut g, &mut s, k, f0 * (1.0 - r).powi(k as i32), 1500);
        }
        assert_eq!(g.comparisons(0), 11);
        let (est, sd) = g.estimate(0).unwrap();
        assert!(sd > 0.0 && sd < 0.05, "sd {sd}");
        assert!((est - r).abs() < 3.0 * sd, "{est} +- {sd}, truth {r}");
        // Nothing is known of a category never seen.
        assert_eq!(g.estimate(1), None);
    }

    #[test]
    fn deploy_gain_compares_across_a_burst_and_needs_full_windows() {
        let mut s = crate::engine::Streams::new(4).stream(1);
        let mut g = DeployGain::new(200, 0.2);
        // Too few outcomes before the first deploy: no comparison.
        feed(&mut g, &mut s, 0, 0.6, 150);
        feed(&mut g, &mut s, 1, 0.3, 400);
        assert_eq!(g.comparisons(0), 0);
        // A full window, then a burst of three deploys 10 outcomes apart, then a window.
        feed(&mut g, &mut s, 2, 0.3, 10);
        feed(&mut g, &mut s, 3, 0.3, 10);
        feed(&mut g, &mut s, 4, 0.0, 199);
        assert_eq!(g.comparisons(0), 0);
        feed(&mut g, &mut s, 4, 0.0, 1);
        assert_eq!(g.comparisons(0), 1);
        // The three edits took away all of the failures: a third each.
        let (est, sd) = g.estimate(0).unwrap();
        assert!((est - 1.0 / 3.0).abs() < 3.0 * sd, "{est} +- {sd}");
        // More outcomes at the same count make no new comparison.
        feed(&mut g, &mut s, 4, 0.0, 1000);
        assert_eq!(g.comparisons(0), 1);
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
