//! The `difficulty-adaptive` policy: compute-optimal test-time scaling. It buys a noisy
//! difficulty estimate per task, hands out attempts where one more is expected to add the
//! most success, and chooses how to spend them: sequential revision where the user can
//! diagnose its own failures (predicted easy or medium), parallel chains where it cannot
//! (predicted hard).
//!
//! How much: from the estimate `d^` (error sd `sigma`), the user's ability `A` (skill plus
//! benefit x harness quality) and the world's attempt model, the success of `n` fresh chains
//! is `P(n) = E_d[1 - (1 - p(d))^n]` with `p(d) = E_u[sigmoid(a (A + u - d))]`; the n-th
//! extra attempt is worth `value * (P(n + 1) - P(n))`. Over a window of recent tasks the
//! policy hands attempts out greedily, largest marginal value first, until the window has
//! `mean_samples` attempts per task on average; the value of the last one handed out is the
//! price a new task's attempts must beat. Its compute per task therefore matches a uniform
//! policy with `samples = mean_samples` (plus the estimate's own tokens).

use super::{Common, Params, StaticParams};
use crate::base::Issue;
use crate::model::tier::sigmoid;
use crate::model::{Attempts, Tier, Traits};
use crate::model::{Plan, Policy, Predictor, TaskPlan, TaskView, View};
use serde::{Deserialize, Serialize};

/// Most attempts a task may get.
pub const MAX_ATTEMPTS: u32 = 64;

/// Gauss-Hermite nodes and weights for an expectation over a standard normal.
const NODES: [(f64, f64); 5] = [
    (-2.856_970_013_872_806, 0.011_257_411_327_720_69),
    (-1.355_626_179_974_266, 0.222_075_922_005_612_6),
    (0.0, 0.533_333_333_333_333_3),
    (1.355_626_179_974_266, 0.222_075_922_005_612_6),
    (2.856_970_013_872_806, 0.011_257_411_327_720_69),
];

/// The success of `n` fresh chains on a task, as the policy expects it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Odds {
    /// Success probability of one fresh attempt at each quadrature node of the difficulty.
    p: [f64; 5],
}

impl Odds {
    /// The odds of a user of ability `ability` on a task whose difficulty is estimated at
    /// `estimate` with error sd `noise_sd`, under the attempt model `at`.
    pub fn new(at: &Attempts, ability: f64, estimate: f64, noise_sd: f64) -> Odds {
        // E_u[sigmoid(a x + a u)] for u ~ N(0, sd^2), by the probit approximation.
        let a = at.slope
            / (1.0 + std::f64::consts::PI * (at.slope * at.approach_sd).powi(2) / 8.0).sqrt();
        let mut p = [0.0; 5];
        for (pi, (z, _)) in p.iter_mut().zip(NODES) {
            let d = estimate + noise_sd.max(0.0) * z;
            *pi = sigmoid(a * (ability - d));
        }
        Odds { p }
    }

    /// Probability that at least one of `n` fresh chains is correct.
    pub fn success(&self, n: u32) -> f64 {
        self.p
            .iter()
            .zip(NODES)
            .map(|(&p, (_, w))| w * (1.0 - (1.0 - p).powi(n as i32)))
            .sum()
    }

    /// Writes into `out[j]` the success the `(j + 2)`-th attempt adds, `P(j + 2) - P(j + 1)`,
    /// for `j` in `0..out.len()`. The values never increase with `j`.
    pub fn marginals(&self, out: &mut [f64]) {
        let mut q = [1.0; 5];
        for (qi, &p) in q.iter_mut().zip(&self.p) {
            *qi = 1.0 - p;
        }
        for m in out.iter_mut() {
            let mut s = 0.0;
            for ((qi, &p), (_, w)) in q.iter_mut().zip(&self.p).zip(NODES) {
                s += w * p * *qi;
                *qi *= 1.0 - p;
            }
            *m = s;
        }
    }
}

/// Attempts for a task whose extra attempts are worth `marginal_values` (decreasing), at
/// price `price`: one, plus every extra attempt worth at least the price.
pub fn attempts_at_price(marginal_values: &[f64], price: f64) -> u32 {
    1 + marginal_values.iter().take_while(|&&v| v >= price).count() as u32
}

/// The price that hands out `extra` attempts among `values` (every extra attempt of a
/// window of tasks), largest first: the value of the last one handed out. `+inf` hands out
/// none, `0` all.
pub fn price_for(values: &mut [f64], extra: usize) -> f64 {
    if extra == 0 {
        return f64::INFINITY;
    }
    if extra >= values.len() {
        return 0.0;
    }
    let (_, nth, _) = values.select_nth_unstable_by(extra - 1, |a, b| b.total_cmp(a));
    *nth
}

/// How `n` attempts are spent: `(chains, revisions)`. Sequential revision when the
/// estimate is at most `parallel_gap` above the user's ability (revisions need the user to
/// diagnose its failure), parallel chains otherwise.
pub fn shape(n: u32, gap: f64, parallel_gap: f64, max_revisions: u32) -> (u32, u32) {
    let n = n.clamp(1, MAX_ATTEMPTS);
    if gap > parallel_gap || max_revisions <= 1 {
        (n, 1)
    } else {
        let chains = n.div_ceil(max_revisions);
        (chains, (n / chains).max(1))
    }
}

/// Parameters of the `difficulty-adaptive` policy: its own keys and the common block (whose
/// `samples` and `revisions` it does not read: it sets them per task).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifficultyParams {
    /// Attempts per task on average: the uniform policy it is compared with at equal
    /// compute uses `samples = mean_samples`.
    pub mean_samples: f64,
    /// Most attempts one task gets.
    pub max_samples: u32,
    /// Sd of the difficulty estimate's error, on the skill scale.
    pub predictor_noise_sd: f64,
    /// Output tokens the user tier spends on one estimate (150 is a quarter of a default
    /// attempt).
    pub predictor_tokens: f64,
    /// Estimated difficulty minus ability above which a task gets parallel chains instead
    /// of sequential revisions.
    pub parallel_gap: f64,
    /// Most revisions per chain when revising.
    pub max_revisions: u32,
    /// Skip a task whose success with `max_samples` attempts is expected below this
    /// (0 = never skip); its attempts go to other tasks.
    pub skip_below: f64,
    /// Tasks in the window the price is set on.
    pub window: u32,
    /// Shares, tiers, answer selection among parallel chains, verifier and acceptance.
    #[serde(flatten)]
    pub common: Common,
}

impl Default for DifficultyParams {
    fn default() -> Self {
        DifficultyParams {
            mean_samples: 4.0,
            max_samples: 16,
            predictor_noise_sd: 0.5,
            predictor_tokens: 150.0,
            parallel_gap: 0.5,
            max_revisions: 4,
            skip_below: 0.0,
            window: 512,
            common: Common::default(),
        }
    }
}

impl DifficultyParams {
    /// The shared keys as `static` parameters (one attempt per task, with the predictor).
    pub fn base(&self) -> StaticParams {
        StaticParams {
            common: Common {
                samples: 1,
                revisions: 1,
                ..self.common.clone()
            },
            predictor: Some(Predictor {
                noise_sd: self.predictor_noise_sd,
                tokens: self.predictor_tokens,
            }),
        }
    }
}

impl Params for DifficultyParams {
    const KIND: &'static str = "difficulty-adaptive";
    const SUMMARY: &'static str = "buys a difficulty estimate per task; more attempts where they add most, revisions on easy tasks, parallel chains on hard ones";
    const OWN: &'static [(&'static str, &'static str)] = &[
        (
            "mean_samples",
            "attempts per task on average (compare with static samples = this)",
        ),
        ("max_samples", "most attempts one task gets"),
        (
            "predictor_noise_sd",
            "sd of the difficulty estimate's error",
        ),
        (
            "predictor_tokens",
            "output tokens the user tier spends per estimate",
        ),
        (
            "parallel_gap",
            "estimated difficulty minus ability above which a task gets parallel chains, not revisions",
        ),
        ("max_revisions", "most revisions per chain when revising"),
        (
            "skip_below",
            "skip a task whose expected success with max_samples is below this (0 = never)",
        ),
        (
            "window",
            "recent tasks over which attempts are handed out greedily",
        ),
    ];
    const SKIPS: &'static [&'static str] = &["samples", "revisions"];

    fn common(&self) -> &Common {
        &self.common
    }

    fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        let mut base = Vec::new();
        self.base().validate(tiers, &mut base);
        // The predictor is written as two keys here: report them by their own names.
        out.extend(base.into_iter().filter(|i| i.path != "policy.predictor"));
        if self.max_samples == 0 || self.max_samples > MAX_ATTEMPTS {
            out.push(Issue::new(
                "policy.max_samples",
                format!(
                    "must be between 1 and {MAX_ATTEMPTS} (got {})",
                    self.max_samples
                ),
            ));
        }
        let m = self.mean_samples;
        if !m.is_finite() || m < 1.0 || m > self.max_samples.max(1) as f64 {
            out.push(Issue::new(
                "policy.mean_samples",
                format!(
                    "must be between 1 and max_samples = {} (got {m})",
                    self.max_samples
                ),
            ));
        }
        for (key, v) in [
            ("predictor_noise_sd", self.predictor_noise_sd),
            ("predictor_tokens", self.predictor_tokens),
        ] {
            if !v.is_finite() || v < 0.0 {
                out.push(Issue::new(
                    format!("policy.{key}"),
                    format!("must be a finite number >= 0 (got {v})"),
                ));
            }
        }
        if !self.parallel_gap.is_finite() {
            out.push(Issue::new(
                "policy.parallel_gap",
                format!("must be a finite number (got {})", self.parallel_gap),
            ));
        }
        if self.max_revisions == 0 || self.max_revisions > MAX_ATTEMPTS {
            out.push(Issue::new(
                "policy.max_revisions",
                format!(
                    "must be between 1 and {MAX_ATTEMPTS} (got {})",
                    self.max_revisions
                ),
            ));
        }
        if !self.skip_below.is_finite() || !(0.0..=1.0).contains(&self.skip_below) {
            out.push(Issue::new(
                "policy.skip_below",
                format!("must be a probability in [0, 1] (got {})", self.skip_below),
            ));
        }
        if self.window < 16 || self.window > 100_000 {
            out.push(Issue::new(
                "policy.window",
                format!("must be between 16 and 100000 tasks (got {})", self.window),
            ));
        }
    }

    fn build(&self, tiers: &[Tier]) -> Box<dyn Policy> {
        Box::new(DifficultyAdaptive::new(self, tiers))
    }
}

/// Sets a task's attempts from its predicted difficulty.
#[derive(Debug)]
pub struct DifficultyAdaptive {
    p: DifficultyParams,
    plan: Plan,
    /// Marginal values of the extra attempts of the last `window` tasks, `max - 1` each
    /// (skipped tasks: zeros, and they do not count as served).
    ring: Vec<f64>,
    served: Vec<bool>,
    len: usize,
    next: usize,
    since: usize,
    price: Option<f64>,
    scratch: Vec<f64>,
    row: Vec<f64>,
}

impl DifficultyAdaptive {
    /// The policy for valid parameters `p`.
    pub fn new(p: &DifficultyParams, tiers: &[Tier]) -> Self {
        let plan = p.base().plan(tiers);
        let p = p.clone();
        let per = p.max_samples.clamp(1, MAX_ATTEMPTS) as usize - 1;
        let w = p.window.max(16) as usize;
        DifficultyAdaptive {
            ring: vec![0.0; w * per],
            served: vec![false; w],
            len: 0,
            next: 0,
            since: 0,
            price: None,
            scratch: Vec::with_capacity(w * per),
            row: vec![0.0; per],
            p,
            plan,
        }
    }

    /// The price an extra attempt must be worth, once enough tasks have been seen.
    pub fn price(&self) -> Option<f64> {
        self.price
    }

    /// Attempts for a task whose extra attempts are worth `row` (already in `self.row`),
    /// remembered in the window; `None` when it is skipped.
    fn decide(&mut self, hopeless: bool) -> Option<u32> {
        let per = self.row.len();
        let w = self.served.len();
        let slot = self.next;
        self.served[slot] = !hopeless;
        let dst = &mut self.ring[slot * per..(slot + 1) * per];
        if hopeless {
            dst.iter_mut().for_each(|x| *x = 0.0);
        } else {
            dst.copy_from_slice(&self.row);
        }
        self.next = (slot + 1) % w;
        self.len = (self.len + 1).min(w);
        self.since += 1;
        // Re-price at 16, 32, 64, ... tasks, then every quarter window.
        if self.since >= (w / 4).max(1)
            || (self.len < w && self.len.is_power_of_two() && self.len >= 16)
        {
            self.since = 0;
            self.reprice();
        }
        if hopeless {
            return None;
        }
        Some(match self.price {
            Some(price) => attempts_at_price(&self.row, price),
            None => self.p.mean_samples.round().max(1.0) as u32,
        })
    }

    fn reprice(&mut self) {
        let per = self.row.len();
        let served = self.served[..self.len].iter().filter(|&&s| s).count();
        let total = (self.p.mean_samples * self.len as f64).floor() as usize;
        let extra = total.saturating_sub(served);
        self.scratch.clear();
        for (i, &s) in self.served[..self.len].iter().enumerate() {
            if s {
                self.scratch
                    .extend_from_slice(&self.ring[i * per..(i + 1) * per]);
            }
        }
        self.price = Some(price_for(&mut self.scratch, extra));
    }
}

/// The ability a user of skill `skill` has with harness quality `quality`.
fn ability(traits: &Traits, skill: f64, quality: f64) -> f64 {
    crate::model::user::ability(traits, skill, quality)
}

impl Policy for DifficultyAdaptive {
    fn name(&self) -> &str {
        DifficultyParams::KIND
    }

    fn start(&mut self, _view: &View<'_>) -> Plan {
        self.plan.clone()
    }

    fn task(&mut self, task: &TaskView, view: &View<'_>) -> TaskPlan {
        let selection = self.p.common.selection;
        let Some(estimate) = task.difficulty_estimate.filter(|e| e.is_finite()) else {
            // No estimate (it could not be paid): the uniform plan.
            let n = self.p.mean_samples.round().clamp(1.0, MAX_ATTEMPTS as f64) as u32;
            return TaskPlan {
                chains: n,
                revisions: 1,
                selection,
                skip: false,
            };
        };
        let skill = view.tiers.get(self.plan.user_tier).map_or(0.0, |t| t.skill);
        let quality = view
            .harness
            .quality
            .get(task.category)
            .copied()
            .unwrap_or(0.0);
        let a = ability(view.traits, skill, quality);
        let odds = Odds::new(view.attempts, a, estimate, self.p.predictor_noise_sd);
        odds.marginals(&mut self.row);
        let value = task.value.max(0.0);
        self.row.iter_mut().for_each(|m| *m *= value);
        let hopeless =
            self.p.skip_below > 0.0 && odds.success(self.p.max_samples) < self.p.skip_below;
        match self.decide(hopeless) {
            None => TaskPlan {
                chains: 1,
                revisions: 1,
                selection,
                skip: true,
            },
            Some(n) => {
                let (chains, revisions) =
                    shape(n, estimate - a, self.p.parallel_gap, self.p.max_revisions);
                TaskPlan {
                    chains,
                    revisions,
                    selection,
                    skip: false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marginals_fall_and_sum_to_the_success_of_more_attempts() {
        let o = Odds::new(&Attempts::default(), 1.0, 1.5, 0.5);
        let mut m = [0.0; 7];
        o.marginals(&mut m);
        assert!(m.windows(2).all(|w| w[1] <= w[0]));
        let sum: f64 = m.iter().sum();
        assert!((o.success(1) + sum - o.success(8)).abs() < 1e-12);
    }

    #[test]
    fn price_hands_out_exactly_the_extra_attempts() {
        let mut v = vec![0.5, 0.1, 0.3, 0.2, 0.4];
        let p = price_for(&mut v, 2);
        assert_eq!(p, 0.4);
        assert_eq!(attempts_at_price(&[0.5, 0.4, 0.3], p), 3);
        assert_eq!(price_for(&mut v, 0), f64::INFINITY);
        assert_eq!(price_for(&mut v, 9), 0.0);
    }

    #[test]
    fn easy_tasks_revise_hard_ones_search() {
        assert_eq!(shape(8, -0.5, 0.0, 4), (2, 4));
        assert_eq!(shape(8, 0.5, 0.0, 4), (8, 1));
        assert_eq!(shape(3, -1.0, 0.0, 4), (1, 3));
    }
}
