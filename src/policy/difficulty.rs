//! The `difficulty-adaptive` policy: compute-optimal test-time scaling from what it can
//! observe. It buys a noisy difficulty estimate per task, learns from the outcomes of the
//! tasks it ran how likely each way of spending attempts is to succeed at each estimate,
//! hands out attempts where one more is expected to add the most success, and spends them
//! on the mix of parallel chains and sequential revisions its model expects to do best.
//!
//! The success model ([`SuccessModel`]) has one arm per shape `(chains m, revisions k)`
//! with `m k <= max_samples` and `k <= max_revisions`; each arm is a curve of the estimate
//! `P(solved | d^) = sigmoid(g) (1 - (1 - sigmoid(a + b (d^ - c)))^m)` (`c` the user
//! tier's skill rating): a logistic success per chain, `m` chains as `m` chances (the form
//! lets the curve be steeper on easy tasks than on hard ones, as many chances are), and a
//! ceiling `sigmoid(g)` below 1 where even easy tasks fail (a revision that breaks a right
//! answer, a wrong pick). Its `a`, `b` and `g` are fitted online to the outcomes of the tasks the arm was used on (a Laplace
//! approximation updated one outcome at a time by a Fisher scoring step, forgetting old
//! outcomes over `memory` of them), so what chains share (their task's difficulty) and what
//! picking costs (a wrong pick) are learned, not assumed. Until outcomes arrive each arm
//! follows its prior: every attempt an independent try that succeeds with
//! `sigmoid(-prior_slope (d^ - c))`, an optimistic guess, so an arm is tried until its own
//! outcomes bring it below the others.
//!
//! How much: for a task with estimate `d^`, `S(n)` is the predicted success of the best arm
//! with at most `n` attempts; the extra attempts' values are the increments of `S`'s least
//! concave majorant times the task's value. Over a window of recent tasks the policy hands
//! attempts out greedily, largest value first, until the window has `mean_samples` attempts
//! per task on average; the value of the last one handed out is the price a new task's
//! attempts must beat. An account of attempts allotted less attempts handed out carries a
//! shortfall (or an excess) into the next prices, so the average holds while the model
//! learns (see [`DifficultyAdaptive::balance`]). How: the task gets the best arm with at
//! most that many attempts. The policy never reads the world's attempt model: what it
//! knows of it is what it observed.

use super::{Common, Params, StaticParams};
use crate::base::Issue;
use crate::model::tier::sigmoid;
use crate::model::{Outcome, Plan, Policy, Predictor, TaskPlan, TaskView, Tier, View};
use serde::{Deserialize, Serialize};

/// Most attempts a task may get.
pub const MAX_ATTEMPTS: u32 = 64;

/// Coefficients of one arm's curve: the per-chain intercept `a` and slope `b`, and the
/// logit `g` of its ceiling.
const K: usize = 3;

type Vector = [f64; K];
type Matrix = [[f64; K]; K];

/// A Gaussian belief over an arm's coefficients, with its covariance and its information
/// (the covariance's inverse).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Belief {
    mean: Vector,
    cov: Matrix,
    info: Matrix,
}

/// Inverse of a symmetric positive definite 3 x 3 matrix (by its adjugate).
fn inverse(m: &Matrix) -> Matrix {
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    let det = if det.abs() > 1e-300 { det } else { 1e-300 };
    let mut out = [[0.0; K]; K];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = c(j, i) / det;
        }
    }
    out
}

fn times(m: &Matrix, v: &Vector) -> Vector {
    let mut out = [0.0; K];
    for (o, row) in out.iter_mut().zip(m) {
        *o = row.iter().zip(v).map(|(a, b)| a * b).sum();
    }
    out
}

/// Success of `m` chains at coefficients `t` and `x = d^ - c`,
/// `P = sigmoid(g) (1 - (1 - sigmoid(a + b x))^m)`, and its gradient in `(a, b, g)`.
/// `1 - sigmoid(eta)` is taken as `1 / (1 + e^eta)`, which stays exact where success is
/// near 1 (and is 0, not NaN, when `e^eta` overflows).
fn curve(t: &Vector, x: f64, m: u32) -> (f64, Vector) {
    let eta = t[0] + t[1] * x;
    let miss = 1.0 / (1.0 + eta.exp());
    let fail = miss.powi(m as i32);
    let chances = 1.0 - fail;
    let ceiling = sigmoid(t[2]);
    let d_eta = ceiling * m as f64 * (1.0 - miss) * fail;
    (
        ceiling * chances,
        [d_eta, d_eta * x, ceiling * (1.0 - ceiling) * chances],
    )
}

/// `curve`'s value alone, with the ceiling given.
#[inline]
fn success(t: &Vector, ceiling: f64, x: f64, m: u32) -> f64 {
    let miss = 1.0 / (1.0 + (t[0] + t[1] * x).exp());
    ceiling * (1.0 - miss.powi(m as i32))
}

/// One way of spending attempts on a task.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Arm {
    chains: u32,
    revisions: u32,
    prior: Belief,
    belief: Belief,
    /// `sigmoid(g)` at the belief's mean.
    ceiling: f64,
    outcomes: u64,
}

impl Arm {
    fn success(&self, x: f64) -> f64 {
        success(&self.belief.mean, self.ceiling, x, self.chains)
    }
}

/// What `difficulty-adaptive` has learned of how success depends on its difficulty estimate,
/// per way of spending attempts (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct SuccessModel {
    arms: Vec<Arm>,
    center: f64,
    /// Weight the prior regains at each outcome of an arm (1 / memory).
    forget: f64,
}

/// Prior logit of an arm's ceiling: 0.98, nearly every task some chain solves can be
/// picked right (an optimistic start, as the rest of the prior).
const PRIOR_CEILING_LOGIT: f64 = 4.0;

impl SuccessModel {
    /// A model of every shape with at most `max_samples` attempts and `max_revisions`
    /// revisions per chain, centred on `center` (the user tier's skill rating), with prior
    /// slope `prior_slope` per unit of difficulty, prior sd `prior_sd` of every
    /// coefficient, and a memory of `memory` outcomes per arm.
    pub fn new(
        max_samples: u32,
        max_revisions: u32,
        center: f64,
        prior_slope: f64,
        prior_sd: f64,
        memory: f64,
    ) -> SuccessModel {
        let max = max_samples.clamp(1, MAX_ATTEMPTS);
        let beta = prior_slope.max(0.0);
        let v = prior_sd.max(1e-6).powi(2);
        let mut arms = Vec::new();
        for revisions in 1..=max_revisions.clamp(1, max) {
            // A chain of k independent attempts, each succeeding with sigmoid(-beta x), as
            // one logistic: its success is one half where each attempt succeeds with
            // p* = 1 - 2^(-1/k), and its slope there is -k beta p* / 2, a logistic slope of
            // -2 k beta p*.
            let k = revisions as f64;
            let p_half = 1.0 - 0.5f64.powf(1.0 / k);
            let x_half = if beta > 0.0 {
                -(p_half / (1.0 - p_half)).ln() / beta
            } else {
                0.0
            };
            let b = -2.0 * k * beta * p_half;
            let prior = Belief {
                mean: [-b * x_half, b, PRIOR_CEILING_LOGIT],
                cov: [[v, 0.0, 0.0], [0.0, v, 0.0], [0.0, 0.0, v]],
                info: [
                    [1.0 / v, 0.0, 0.0],
                    [0.0, 1.0 / v, 0.0],
                    [0.0, 0.0, 1.0 / v],
                ],
            };
            for chains in 1..=max / revisions {
                arms.push(Arm {
                    chains,
                    revisions,
                    prior,
                    belief: prior,
                    ceiling: sigmoid(PRIOR_CEILING_LOGIT),
                    outcomes: 0,
                });
            }
        }
        arms.sort_by_key(|a| (a.chains * a.revisions, a.revisions));
        SuccessModel {
            arms,
            center,
            forget: if memory.is_finite() && memory > 0.0 {
                (1.0 / memory).min(1.0)
            } else {
                0.0
            },
        }
    }

    fn arm(&self, chains: u32, revisions: u32) -> Option<usize> {
        self.arms
            .iter()
            .position(|a| a.chains == chains && a.revisions == revisions)
    }

    /// Predicted success of `chains` chains of `revisions` attempts on a task estimated at
    /// `estimate` (the curve at the belief's mean), and its sd (delta method); `None` for a
    /// shape the model does not have.
    pub fn predict(&self, chains: u32, revisions: u32, estimate: f64) -> Option<(f64, f64)> {
        let arm = &self.arms[self.arm(chains, revisions)?];
        let (p, g) = curve(&arm.belief.mean, estimate - self.center, chains);
        let v: f64 = times(&arm.belief.cov, &g)
            .iter()
            .zip(&g)
            .map(|(a, b)| a * b)
            .sum();
        Some((p, v.max(0.0).sqrt()))
    }

    /// Outcomes the arm `(chains, revisions)` has learned from.
    pub fn outcomes(&self, chains: u32, revisions: u32) -> u64 {
        self.arm(chains, revisions)
            .map_or(0, |i| self.arms[i].outcomes)
    }

    /// Takes in one outcome: `chains` chains of `revisions` attempts on a task estimated at
    /// `estimate` were (or were not) `solved`. Shapes the model does not have are ignored.
    pub fn observe(&mut self, chains: u32, revisions: u32, estimate: f64, solved: bool) {
        let Some(i) = self.arm(chains, revisions) else {
            return;
        };
        if !estimate.is_finite() {
            return;
        }
        let x = estimate - self.center;
        let f = self.forget;
        let arm = &mut self.arms[i];
        // Forget: the information and the information-weighted mean drift back towards the
        // prior's by 1 / memory (a discounted likelihood beside the whole prior).
        let (info, info0) = (&arm.belief.info, &arm.prior.info);
        let (e, e0) = (times(info, &arm.belief.mean), times(info0, &arm.prior.mean));
        let mut info_now = [[0.0; K]; K];
        let mut e_now = [0.0; K];
        for r in 0..K {
            for c in 0..K {
                info_now[r][c] = (1.0 - f) * info[r][c] + f * info0[r][c];
            }
            e_now[r] = (1.0 - f) * e[r] + f * e0[r];
        }
        let cov_now = inverse(&info_now);
        let mean = times(&cov_now, &e_now);
        // One Fisher scoring step of the log posterior at that mean (a Laplace update):
        // information g g' / (P (1 - P)), score (y - P) g / (P (1 - P)), g = dP/dtheta.
        // The covariance follows by Sherman-Morrison.
        let (p, g) = curve(&mean, x, chains);
        let var = (p * (1.0 - p)).max(1e-12);
        let sg = times(&cov_now, &g);
        let denom = var + sg.iter().zip(&g).map(|(a, b)| a * b).sum::<f64>();
        let mut cov = cov_now;
        for r in 0..K {
            for c in 0..K {
                info_now[r][c] += g[r] * g[c] / var;
                cov[r][c] -= sg[r] * sg[c] / denom;
            }
        }
        // Sigma' g / var = Sigma_now g / (var + g' Sigma_now g).
        let r = (solved as u8 as f64 - p) / denom;
        let mut mean_new = mean;
        for (m, s) in mean_new.iter_mut().zip(sg) {
            *m += s * r;
        }
        arm.belief = Belief {
            mean: mean_new,
            cov,
            info: info_now,
        };
        arm.ceiling = sigmoid(mean_new[2]);
        arm.outcomes += 1;
    }

    /// The value, in success, of each extra attempt on a task estimated at `estimate`:
    /// `out[j]` is what the `(j + 2)`-th attempt adds to the least concave majorant of the
    /// best predicted success with at most `n` attempts (`out.len() + 1` attempts at most).
    /// The values never increase with `j`.
    pub fn extra_values(&self, estimate: f64, out: &mut [f64]) {
        let n = out.len() + 1;
        let (mut best, mut success) = (vec![0; n], vec![0.0; n]);
        self.best_by_attempts(estimate, &mut best, &mut success);
        concave_increments(&success, out, &mut Vec::new());
    }

    /// For a task estimated at `estimate`: writes into `best[n - 1]` the arm index of the best
    /// shape with at most `n` attempts and into `success[n - 1]` its predicted success, for
    /// `n` in `1..=best.len()`.
    fn best_by_attempts(&self, estimate: f64, best: &mut [usize], success: &mut [f64]) {
        let x = estimate - self.center;
        let mut top = (usize::MAX, f64::NEG_INFINITY);
        let mut a = 0;
        for n in 1..=best.len() as u32 {
            while a < self.arms.len() && self.arms[a].chains * self.arms[a].revisions <= n {
                let p = self.arms[a].success(x);
                if p > top.1 {
                    top = (a, p);
                }
                a += 1;
            }
            best[n as usize - 1] = top.0;
            success[n as usize - 1] = top.1.max(0.0);
        }
    }
}

/// Writes into `out[j]` the increments `M(j + 2) - M(j + 1)` of the least concave majorant
/// `M` of `success` (`success[n - 1]` at `n` attempts), so that they never increase.
fn concave_increments(success: &[f64], out: &mut [f64], hull: &mut Vec<usize>) {
    // Upper hull of the points (n, S(n)), n = 1..=N.
    hull.clear();
    for i in 0..success.len() {
        while hull.len() >= 2 {
            let (a, b) = (hull[hull.len() - 2], hull[hull.len() - 1]);
            // Drop b when it lies on or below the chord from a to i.
            let lhs = (success[b] - success[a]) * (i - a) as f64;
            let rhs = (success[i] - success[a]) * (b - a) as f64;
            if lhs <= rhs {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(i);
    }
    for w in hull.windows(2) {
        let slope = (success[w[1]] - success[w[0]]) / (w[1] - w[0]) as f64;
        for o in out.iter_mut().take(w[1]).skip(w[0]) {
            *o = slope.max(0.0);
        }
    }
}

/// Attempts for a task whose extra attempts are worth `marginal_values` (decreasing), at
/// price `price`: one, plus every extra attempt worth at least the price and more than
/// nothing.
pub fn attempts_at_price(marginal_values: &[f64], price: f64) -> u32 {
    1 + marginal_values
        .iter()
        .take_while(|&&v| v >= price && v > 0.0)
        .count() as u32
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
    /// Most revisions per chain.
    pub max_revisions: u32,
    /// Prior slope of one attempt's success, in logits per unit of estimated difficulty.
    /// Assumption: 1, the order of the slope of success on the skill scale (a gap of one
    /// unit between ability and difficulty moves success by a logit or two), flattened by
    /// the estimate's noise; the data replace it within a few hundred outcomes.
    pub prior_slope: f64,
    /// Prior sd of each arm's intercept and slope (logits). Assumption: 1, wide enough that
    /// a hundred outcomes of an arm outweigh its prior, narrow enough that an arm the
    /// policy has barely tried is not predicted at 0 or 1.
    pub prior_sd: f64,
    /// Outcomes of an arm over which the model forgets (the prior regains 1 / memory of its
    /// weight at each). Assumption: 2000, about a day of one arm's share of the baseline's
    /// traffic: long enough to average binomial noise to a point or two, short enough to
    /// follow a harness that improves over days.
    pub memory: f64,
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
            max_revisions: 4,
            prior_slope: 1.0,
            prior_sd: 1.0,
            memory: 2000.0,
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
    const SUMMARY: &'static str = "buys a difficulty estimate per task, learns success per (chains, revisions) from outcomes, and spends attempts where and how they add most";
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
        ("max_revisions", "most revisions per chain"),
        (
            "prior_slope",
            "prior slope of one attempt's success, logits per unit of estimated difficulty",
        ),
        (
            "prior_sd",
            "prior sd of each (chains, revisions) curve's intercept and slope",
        ),
        (
            "memory",
            "outcomes of one (chains, revisions) shape over which the success model forgets",
        ),
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
        for (key, v, lo) in [
            ("prior_slope", self.prior_slope, 0.0),
            ("prior_sd", self.prior_sd, 1e-3),
            ("memory", self.memory, 1.0),
        ] {
            if !v.is_finite() || v < lo {
                out.push(Issue::new(
                    format!("policy.{key}"),
                    format!("must be a finite number >= {lo} (got {v})"),
                ));
            }
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
    /// The attempts account: `mean_samples` for every task decided, less the attempts
    /// handed out (see [`DifficultyAdaptive::reprice`]).
    balance: f64,
    scratch: Vec<f64>,
    row: Vec<f64>,
    model: SuccessModel,
    best: Vec<usize>,
    success: Vec<f64>,
    hull: Vec<usize>,
}

impl DifficultyAdaptive {
    /// The policy for valid parameters `p`.
    pub fn new(p: &DifficultyParams, tiers: &[Tier]) -> Self {
        let plan = p.base().plan(tiers);
        let p = p.clone();
        let max = p.max_samples.clamp(1, MAX_ATTEMPTS) as usize;
        let per = max - 1;
        let w = p.window.max(16) as usize;
        let center = tiers.get(plan.user_tier).map_or(0.0, |t| t.skill);
        DifficultyAdaptive {
            model: SuccessModel::new(
                p.max_samples,
                p.max_revisions,
                center,
                p.prior_slope,
                p.prior_sd,
                p.memory,
            ),
            best: vec![0; max],
            success: vec![0.0; max],
            hull: Vec::with_capacity(max),
            ring: vec![0.0; w * per],
            served: vec![false; w],
            len: 0,
            next: 0,
            since: 0,
            price: None,
            balance: 0.0,
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

    /// What the policy has learned of success per (chains, revisions).
    pub fn model(&self) -> &SuccessModel {
        &self.model
    }

    /// The attempts account: `mean_samples` for every task decided (skipped ones included),
    /// less the attempts handed out. Positive when the policy has handed out fewer attempts
    /// than its allotment.
    pub fn balance(&self) -> f64 {
        self.balance
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
        self.balance += self.p.mean_samples;
        if hopeless {
            return None;
        }
        let n = match self.price {
            Some(price) => attempts_at_price(&self.row, price),
            None => self.p.mean_samples.round().max(1.0) as u32,
        };
        self.balance -= n as f64;
        Some(n)
    }

    /// Sets the price: the value of the last extra attempt handed out, largest first, when
    /// the window's tasks get their allotment (`mean_samples` each, one attempt of which
    /// every served task has anyway) plus what the account holds, spread over the tasks
    /// until the next pricing.
    ///
    /// The account closes the loop. The window's values are those the model gave each task
    /// when it came, and the model keeps learning: every way of spending attempts starts
    /// from an optimistic prior that its outcomes bring down, so the values of the tasks to
    /// come run below the window's, and a price set on the window alone hands out fewer
    /// attempts than the allotment (a third fewer than `mean_samples = 2` in the calibrated
    /// world, where one attempt mostly settles a task). What was not handed out stays in
    /// the account and lowers the next price; what was handed out beyond raises it. The
    /// balance carried is bounded by what the window's tasks could take: at least none of
    /// their extra attempts, at most every one worth anything, so a deficit that no attempt
    /// of value could spend is forgiven, not saved up for a later flood.
    fn reprice(&mut self) {
        let per = self.row.len();
        let served = self.served[..self.len].iter().filter(|&&s| s).count();
        self.scratch.clear();
        for (i, &s) in self.served[..self.len].iter().enumerate() {
            if s {
                self.scratch
                    .extend_from_slice(&self.ring[i * per..(i + 1) * per]);
            }
        }
        let worth = self.scratch.iter().filter(|&&v| v > 0.0).count() as f64;
        // Extra attempts allotted to the window, and how many times the tasks until the
        // next pricing fit in it.
        let allotted = (self.p.mean_samples * self.len as f64).floor() - served as f64;
        let spread = self.len as f64 / (self.served.len() / 4).clamp(1, self.len) as f64;
        self.balance = self
            .balance
            .clamp(-allotted / spread, ((worth - allotted) / spread).max(0.0));
        let extra = (allotted + self.balance * spread).clamp(0.0, worth);
        self.price = Some(price_for(&mut self.scratch, extra as usize));
    }
}

impl Policy for DifficultyAdaptive {
    fn name(&self) -> &str {
        DifficultyParams::KIND
    }

    fn start(&mut self, _view: &View<'_>) -> Plan {
        self.plan.clone()
    }

    fn task(&mut self, task: &TaskView, _view: &View<'_>) -> TaskPlan {
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
        self.model
            .best_by_attempts(estimate, &mut self.best, &mut self.success);
        concave_increments(&self.success, &mut self.row, &mut self.hull);
        let value = task.value.max(0.0);
        self.row.iter_mut().for_each(|m| *m *= value);
        let max = self.success.len();
        let hopeless = self.p.skip_below > 0.0 && self.success[max - 1] < self.p.skip_below;
        match self.decide(hopeless) {
            None => TaskPlan {
                chains: 1,
                revisions: 1,
                selection,
                skip: true,
            },
            Some(n) => {
                let arm = &self.model.arms[self.best[(n as usize).clamp(1, max) - 1]];
                TaskPlan {
                    chains: arm.chains,
                    revisions: arm.revisions,
                    selection,
                    skip: false,
                }
            }
        }
    }

    fn outcome(&mut self, outcome: &Outcome, _view: &View<'_>) {
        if let Some(estimate) = outcome.task.difficulty_estimate {
            self.model.observe(
                outcome.plan.chains,
                outcome.plan.revisions,
                estimate,
                outcome.solved,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn increments_of_the_concave_majorant_never_increase() {
        let s = [0.1, 0.15, 0.5, 0.55, 0.56, 0.9, 0.9];
        let mut out = [0.0; 6];
        concave_increments(&s, &mut out, &mut Vec::new());
        assert!(out.windows(2).all(|w| w[1] <= w[0] + 1e-15), "{out:?}");
        // The majorant passes through the first and last points.
        let total: f64 = out.iter().sum();
        assert!((total - (0.9 - 0.1)).abs() < 1e-12);
        // And lies on or above every point.
        let mut m = s[0];
        for (j, d) in out.iter().enumerate() {
            m += d;
            assert!(m >= s[j + 1] - 1e-12);
        }
    }

    #[test]
    fn the_prior_is_independent_attempts() {
        let m = SuccessModel::new(16, 4, 0.0, 1.0, 1e-3, 1e9);
        let ceiling = sigmoid(PRIOR_CEILING_LOGIT);
        // Each attempt succeeds half the time at the centre (a chain of revisions as one
        // logistic through its half point), below a ceiling.
        for (chains, revisions) in [(1, 1), (2, 1), (1, 2), (4, 4), (16, 1)] {
            let n = (chains * revisions) as i32;
            let (p, sd) = m.predict(chains, revisions, 0.0).unwrap();
            let want = ceiling * (1.0 - 0.5f64.powi(n));
            assert!(
                (p - want).abs() < 0.02,
                "{chains}x{revisions}: {p} vs {want}"
            );
            assert!(sd < 0.01);
        }
        let (p1, _) = m.predict(1, 1, 1.0).unwrap();
        assert!((p1 - ceiling * sigmoid(-1.0)).abs() < 1e-12);
        assert!(m.predict(5, 4, 0.0).is_none());
    }

    /// The mean attempts handed out, after the first window, to 4096 tasks whose extra
    /// attempts' values fall by a factor `e` every `decay` tasks (as a model's values do
    /// while its outcomes correct an optimistic prior).
    fn mean_attempts_while_values_fall(decay: f64) -> f64 {
        let p = DifficultyParams {
            mean_samples: 3.0,
            max_samples: 16,
            window: 256,
            ..DifficultyParams::default()
        };
        let mut policy = DifficultyAdaptive::new(&p, &crate::model::default_ladder());
        let (mut sum, mut n) = (0.0, 0.0);
        for t in 0..4096u32 {
            // Tasks of every worth, the same sequence of them in every window.
            let worth = f64::from(t * 37 % 101 + 1) / 101.0 * (-f64::from(t) / decay).exp();
            for (j, v) in policy.row.iter_mut().enumerate() {
                *v = worth * 0.8f64.powi(j as i32);
            }
            let got = policy.decide(false).expect("served");
            if t >= 256 {
                sum += f64::from(got);
                n += 1.0;
            }
        }
        sum / n
    }

    #[test]
    fn the_account_keeps_the_allotment_while_values_fall() {
        // Steady values: the price alone hands out the allotment.
        let steady = mean_attempts_while_values_fall(f64::INFINITY);
        assert!((steady - 3.0).abs() < 0.1, "steady values: {steady}");
        // Values falling by e every 300 tasks: a price set on the window's older, larger
        // values alone hands out 1.6 on average; what is not handed out stays in the
        // account and lowers the next prices.
        let falling = mean_attempts_while_values_fall(300.0);
        assert!((falling - 3.0).abs() < 0.1, "falling values: {falling}");
    }

    #[test]
    fn outcomes_move_only_their_own_arm() {
        let mut m = SuccessModel::new(8, 2, 0.0, 1.0, 1.0, 1e9);
        let before = m.predict(2, 2, 0.5).unwrap().0;
        for _ in 0..200 {
            m.observe(2, 1, 0.5, false);
        }
        assert!(m.predict(2, 1, 0.5).unwrap().0 < 0.05);
        assert_eq!(m.predict(2, 2, 0.5).unwrap().0, before);
        assert_eq!(m.outcomes(2, 1), 200);
        assert_eq!(m.outcomes(2, 2), 0);
    }
}
