//! Evolvers: read failures, diagnose them and propose candidate edits, each a draw of a
//! "mode" (a distinct idea) from the evolver's own ranking of the modes.

use super::tier::{Tier, Traits, sigmoid};
use crate::engine::{Stream, Streams};
use serde::{Deserialize, Serialize};

/// How edits come about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvolverConfig {
    /// Distinct modes (candidate ideas) per category that any model can produce.
    pub modes: u32,
    /// Mean effect of a mode, as a fraction of the category's remaining headroom.
    pub edit_mean: f64,
    /// Sd of modes' effects (some modes are harmful).
    pub edit_sd: f64,
    /// Slope of the probability of diagnosing a failure: `sigmoid(slope * (skill - d_diag))`.
    pub diagnosis_slope: f64,
    /// Harm of an edit built on a wrong diagnosis, as a fraction of the headroom.
    pub misdiagnosis_cost: f64,
    /// Probability that a mode carries an exploit: a gain a judge can be fooled into seeing
    /// that real tasks punish.
    pub exploit_prob: f64,
    /// Mean size of an exploit (exponential), on the harness-quality scale.
    pub exploit_size: f64,
    /// Weight a self-judge gives an exploit as if it were a gain (reward hacking).
    pub self_exploit_bias: f64,
    /// Weight an external verifier gives an exploit as if it were a gain.
    pub verifier_exploit_bias: f64,
    /// Correlation of the rankings of modes across models (1 = all models favour the same).
    pub ranking_correlation: f64,
    /// Correlation of the rankings of two copies of one model, beyond what all models
    /// share (1 = copies rank the modes alike: a model's preferences are its weights, and
    /// sampling changes which idea it writes, not how it ranks them).
    pub within_model_correlation: f64,
    /// Learning rate of an evolver's concentration from the verdicts on its candidates:
    /// its Zipf exponent takes a policy-gradient step toward the ideas that got accepted
    /// and away from those rejected ([`Evolver::learn`]; 0 = it never narrows nor
    /// widens).
    pub narrowing_rate: f64,
    /// How far a model judge's own preference for an idea sways its score of an edit, in
    /// units of the spread of the edits' effects (0 = judges have no taste). A self-judge
    /// scores with its author's preference; an external verifier with its own model's.
    pub judge_taste: f64,
    /// Skill at which half of an evolver's candidates are well-formed.
    pub validity_mid: f64,
    /// Slope of the share of well-formed candidates: `sigmoid(slope * (skill - mid))`.
    pub validity_slope: f64,
    /// Failure traces read per proposal.
    pub failures_read: f64,
    /// Tokens of one failure trace.
    pub trace_tokens: f64,
    /// Output tokens of one candidate edit.
    pub edit_tokens: f64,
}

impl Default for EvolverConfig {
    fn default() -> Self {
        EvolverConfig {
            modes: 200,
            edit_mean: 0.15,
            edit_sd: 0.2,
            diagnosis_slope: 3.0,
            misdiagnosis_cost: 0.02,
            exploit_prob: 0.15,
            exploit_size: 0.1,
            self_exploit_bias: 2.0,
            verifier_exploit_bias: 0.3,
            ranking_correlation: 0.0,
            within_model_correlation: 1.0,
            narrowing_rate: 0.05,
            judge_taste: 0.5,
            validity_mid: -1.5,
            validity_slope: 2.0,
            failures_read: 20.0,
            trace_tokens: 3000.0,
            edit_tokens: 3000.0,
        }
    }
}

/// The true nature of every mode: its effect and its exploit, drawn once per run from a
/// stream of its own, so every policy faces the same landscape.
#[derive(Debug, Clone)]
pub struct Landscape {
    modes: usize,
    /// Effect of each mode (fraction of remaining headroom), per category, row-major.
    effect: Vec<f64>,
    /// Exploit of each mode, per category.
    exploit: Vec<f64>,
    /// The shared component of every model's preference for each mode.
    shared: Vec<f64>,
}

impl Landscape {
    /// Draws the landscape of `categories` categories.
    pub fn draw(cfg: &EvolverConfig, categories: usize, s: &mut Stream) -> Landscape {
        let modes = cfg.modes.max(1) as usize;
        let n = modes * categories;
        let mut effect = Vec::with_capacity(n);
        let mut exploit = Vec::with_capacity(n);
        let mut shared = Vec::with_capacity(n);
        for _ in 0..n {
            effect.push(s.normal(cfg.edit_mean, cfg.edit_sd));
            let x = s.exp(1.0) * cfg.exploit_size;
            exploit.push(if s.bernoulli(cfg.exploit_prob) {
                x
            } else {
                0.0
            });
            shared.push(s.std_normal());
        }
        Landscape {
            modes,
            effect,
            exploit,
            shared,
        }
    }

    /// Modes per category.
    pub fn modes(&self) -> usize {
        self.modes
    }

    /// Effect of mode `m` in category `c`.
    #[inline]
    pub fn effect(&self, c: usize, m: usize) -> f64 {
        self.effect[c * self.modes + m]
    }

    /// Exploit of mode `m` in category `c`.
    #[inline]
    pub fn exploit(&self, c: usize, m: usize) -> f64 {
        self.exploit[c * self.modes + m]
    }
}

/// A model's own preference for every idea, without the part each copy of it adds: the
/// part every model shares (`ranking_correlation`) and its model's part, drawn from
/// sub-stream `model_stream` (category-major, mode-minor). An external verifier judges
/// with this taste; an evolver adds its copy's own part ([`Evolver::new`]).
pub fn model_taste(
    cfg: &EvolverConfig,
    land: &Landscape,
    categories: usize,
    streams: &Streams,
    model_stream: u64,
) -> Vec<f64> {
    let rho = cfg.ranking_correlation.clamp(0.0, 1.0);
    let rest = (1.0 - rho * rho).sqrt();
    let mut sm = streams.stream(model_stream);
    (0..categories * land.modes)
        .map(|i| rho * land.shared[i] + rest * sm.std_normal())
        .collect()
}

/// One evolver: a model of some tier with its own ranking of modes and its own
/// concentration over them, which it learns from the verdicts on its candidates.
#[derive(Debug, Clone)]
pub struct Evolver {
    /// Index of its tier.
    pub tier: usize,
    /// Current Zipf exponent (it rises while acceptance agrees with the evolver's taste).
    pub zipf_s: f64,
    /// Its ranking of modes per category: `ranking[c][r]` is the mode at rank `r`.
    ranking: Vec<Vec<u32>>,
    /// Rank (from 0) of each mode, category-major: the inverse of `ranking`.
    rank: Vec<u32>,
    /// Its preference for each mode (standard normal), category-major: its taste.
    taste: Vec<f64>,
    cdf: Vec<f64>,
    /// Its candidates judged so far, and how many of them were accepted.
    judged: u64,
    accepted: u64,
}

impl Evolver {
    /// An evolver of tier `tier`. Its preference for a mode mixes three parts: what every
    /// model shares (the landscape's, correlation `cfg.ranking_correlation`), what its
    /// model has (drawn from sub-stream `model_stream`, the same for every copy of the
    /// model) and its own (sub-stream `stream`), the last two mixed by
    /// `cfg.within_model_correlation`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: &EvolverConfig,
        traits: &Traits,
        tiers: &[Tier],
        tier: usize,
        land: &Landscape,
        categories: usize,
        streams: &Streams,
        model_stream: u64,
        stream: u64,
    ) -> Evolver {
        let rho = cfg.ranking_correlation.clamp(0.0, 1.0);
        let w = cfg.within_model_correlation.clamp(0.0, 1.0);
        let (model_w, own_w) = (w, (1.0 - w * w).sqrt());
        let rest = (1.0 - rho * rho).sqrt();
        let mut sm = streams.stream(model_stream);
        let mut s = streams.stream(stream);
        let m = land.modes;
        let mut taste = Vec::with_capacity(categories * m);
        let mut rank = vec![0u32; categories * m];
        let ranking = (0..categories)
            .map(|c| {
                let pref: Vec<f64> = (0..m)
                    .map(|i| {
                        let model = sm.std_normal();
                        let own = if own_w > 0.0 { s.std_normal() } else { 0.0 };
                        rho * land.shared[c * m + i] + rest * (model_w * model + own_w * own)
                    })
                    .collect();
                let mut order: Vec<u32> = (0..m as u32).collect();
                order.sort_by(|&a, &b| {
                    pref[b as usize]
                        .total_cmp(&pref[a as usize])
                        .then(a.cmp(&b))
                });
                for (r, &mode) in order.iter().enumerate() {
                    rank[c * m + mode as usize] = r as u32;
                }
                taste.extend_from_slice(&pref);
                order
            })
            .collect();
        let mut e = Evolver {
            tier,
            zipf_s: traits.zipf_s(tiers[tier].params_b),
            ranking,
            rank,
            taste,
            cdf: Vec::new(),
            judged: 0,
            accepted: 0,
        };
        e.rebuild_cdf(m);
        e
    }

    fn rebuild_cdf(&mut self, modes: usize) {
        self.cdf.clear();
        let mut acc = 0.0;
        for r in 1..=modes {
            acc += (r as f64).powf(-self.zipf_s);
            self.cdf.push(acc);
        }
        for x in &mut self.cdf {
            *x /= acc;
        }
    }

    /// Its preference for mode `mode` of category `c` (standard normal): how strongly its
    /// taste favours the idea, which sways it when it judges an edit of that idea.
    #[inline]
    pub fn taste(&self, c: usize, mode: usize) -> f64 {
        self.taste[c * self.cdf.len() + mode]
    }

    /// `E[ln R]` of the rank `R` (from 1) of a draw for category `c` that is judged: a draw
    /// at its current exponent among the ideas `judged` lets through (the others are wasted
    /// before any judge sees them).
    pub fn expected_log_rank(&self, c: usize, judged: impl Fn(usize) -> bool) -> f64 {
        let (mut w_sum, mut l_sum, mut below) = (0.0, 0.0, 0.0);
        for (r, (&cum, &mode)) in self.cdf.iter().zip(&self.ranking[c]).enumerate() {
            let w = cum - below;
            below = cum;
            if judged(mode as usize) {
                w_sum += w;
                l_sum += w * ((r + 1) as f64).ln();
            }
        }
        if w_sum > 0.0 { l_sum / w_sum } else { 0.0 }
    }

    /// Learns from the verdict on one of its judged candidates, mode `mode` of category
    /// `c`, drawn when the expected log rank of a judged draw was `expected` (from
    /// [`Evolver::expected_log_rank`]): its Zipf exponent `s` takes a policy-gradient step
    /// toward the ideas that got accepted and away from those rejected, whatever judged
    /// them, `s += rate (a - ā) (expected - ln r)`. Here `r` is the idea's rank in its
    /// ranking (from 1), `expected - ln r` the rise of the draw's log-probability with `s`,
    /// `a` 1 when the candidate was accepted and 0 when not, and `ā` the acceptance rate of
    /// its judged candidates so far, this one included (a baseline: it lowers the noise of
    /// the steps and, as `expected - ln r` has mean 0 whatever ideas are used up, adds no
    /// drift). The expected step is `rate` times the covariance of acceptance with
    /// `-ln r`: the evolver narrows (s rises) while acceptance favours its own top-ranked
    /// ideas, as its own taste does when it judges itself, and drifts by noise alone when
    /// the judge's preferences are unrelated to its ranking. `s` stays at or above 0
    /// (every idea alike).
    pub fn learn(&mut self, c: usize, mode: usize, expected: f64, accepted: bool, rate: f64) {
        let m = self.cdf.len();
        self.judged += 1;
        self.accepted += u64::from(accepted);
        if rate == 0.0 {
            return;
        }
        let log_rank = (f64::from(self.rank[c * m + mode]) + 1.0).ln();
        let a = if accepted { 1.0 } else { 0.0 };
        let step = (a - self.accepted as f64 / self.judged as f64) * (expected - log_rank);
        let s = (self.zipf_s + rate * step).max(0.0);
        if s != self.zipf_s {
            self.zipf_s = s;
            self.rebuild_cdf(m);
        }
    }

    /// Draws a mode for category `c`.
    #[inline]
    pub fn draw_mode(&self, c: usize, s: &mut Stream) -> usize {
        let u = s.uniform();
        let r = self.cdf.partition_point(|&x| x < u).min(self.cdf.len() - 1);
        self.ranking[c][r] as usize
    }
}

/// How an evolution round uses its candidates (all strategies write the same number of
/// candidates, so they are compared at equal cost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Every candidate is judged on its own and every one that passes ships.
    #[default]
    Independent,
    /// Every candidate is judged; only the highest-scoring one that passes ships.
    BestOfN,
    /// One trajectory: each candidate is written after the last was judged; a rejected
    /// one is revised (the next targets the same category), an accepted one moves on.
    Sequential,
    /// Island search over harness variants (sets of edits) that persist across rounds:
    /// each candidate is a child of two parents of one island (crossover) plus one new
    /// edit (mutation); the anchors score whole variants; after each round the best
    /// variant deploys ([`IslandConfig`]).
    Islands,
}

/// How a crossover picks each category's edits from the two parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Crossover {
    /// From the parent whose last judgement scored that category higher.
    #[default]
    Guided,
    /// From a parent at random.
    Blind,
}

/// The shape of the `islands` strategy (read only when a plan uses it). A generation is
/// one evolution round: its candidates are spread over the islands in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IslandConfig {
    /// Sub-populations of variants.
    pub islands: u32,
    /// Variants each island keeps (the best by their scores).
    pub island_size: u32,
    /// Every this many generations each island's best variants are copied to the next
    /// island in a ring (0 = no migration).
    pub migrate_every: u32,
    /// Variants each island sends when it migrates.
    pub emigrants: u32,
    /// Every this many generations the worst islands restart from the best island's
    /// variants (0 = no resets).
    pub reset_every: u32,
    /// Islands restarted at each reset.
    pub reset_islands: u32,
    /// How a child takes each category's edits from its two parents.
    pub crossover: Crossover,
}

impl Default for IslandConfig {
    /// Mind Evolution's shape (4 islands, 5 emigrants, 2 islands reset every 3
    /// generations), with the population of the harness search (10 per island).
    fn default() -> Self {
        IslandConfig {
            islands: 4,
            island_size: 10,
            migrate_every: 1,
            emigrants: 5,
            reset_every: 3,
            reset_islands: 2,
            crossover: Crossover::Guided,
        }
    }
}

/// One candidate edit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proposal {
    /// Which evolver wrote it.
    pub evolver: usize,
    /// Category it targets.
    pub category: usize,
    /// Its mode.
    pub mode: usize,
    /// Whether it is well-formed (a malformed candidate is wasted).
    pub valid: bool,
    /// Whether its author diagnosed the failure (otherwise it fixes the wrong thing).
    pub diagnosed: bool,
    /// Its true effect on the category's quality (what real tasks see).
    pub true_delta: f64,
    /// Its exploit component (already subtracted in `true_delta`).
    pub exploit: f64,
    /// What its author believes it is worth: it cannot see its own misdiagnosis, and it
    /// counts the exploit as a gain.
    pub believed_delta: f64,
    /// Its author's preference for its idea (standard normal, [`Evolver::taste`]): what
    /// sways the author when it judges the edit itself.
    pub taste: f64,
}

/// Writes a candidate edit for category `c` whose section has quality `quality` and
/// headroom `headroom`.
///
/// With probability `sigmoid(slope * (skill - d_diag))` the evolver diagnoses the failure
/// and the edit moves quality by `effect * (headroom - quality)`; otherwise it fixes the
/// wrong thing and costs `misdiagnosis_cost * headroom`. Either way an exploit subtracts
/// from the truth. This diagnosis, not a constant, is what makes edit quality flat across
/// tiers when traces are informative and rising when they are not.
#[allow(clippy::too_many_arguments)]
pub fn propose(
    cfg: &EvolverConfig,
    evolver: &Evolver,
    who: usize,
    skill: f64,
    land: &Landscape,
    c: usize,
    diagnosis_difficulty: f64,
    quality: f64,
    headroom: f64,
    s: &mut Stream,
) -> Proposal {
    let mode = evolver.draw_mode(c, s);
    let valid = s.bernoulli(sigmoid(cfg.validity_slope * (skill - cfg.validity_mid)));
    let diagnosed = s.bernoulli(sigmoid(
        cfg.diagnosis_slope * (skill - diagnosis_difficulty),
    ));
    let room = (headroom - quality).max(0.0);
    let intended = land.effect(c, mode) * room;
    let exploit = land.exploit(c, mode);
    let real = if diagnosed {
        intended
    } else {
        -cfg.misdiagnosis_cost * headroom
    };
    Proposal {
        evolver: who,
        category: c,
        mode,
        valid,
        diagnosed,
        true_delta: real - exploit,
        exploit,
        believed_delta: intended + cfg.self_exploit_bias * exploit,
        taste: evolver.taste(c, mode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct_per_sample(s_exp: f64) -> f64 {
        let cfg = EvolverConfig::default();
        let traits = Traits {
            zipf_base: s_exp,
            zipf_per_decade: 0.0,
            ..Traits::default()
        };
        let streams = Streams::new(5);
        let land = Landscape::draw(&cfg, 1, &mut streams.stream(1));
        let tiers = super::super::tier::default_ladder();
        let e = Evolver::new(&cfg, &traits, &tiers, 0, &land, 1, &streams, 1, 2);
        let mut s = streams.stream(3);
        let mut total = 0.0;
        for _ in 0..200 {
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..32 {
                seen.insert(e.draw_mode(0, &mut s));
            }
            total += seen.len() as f64 / 32.0;
        }
        total / 200.0
    }

    /// Copies of one model rank the modes alike when `within_model_correlation` is 1 and
    /// differently when it is 0; two different models differ either way.
    #[test]
    fn copies_of_one_model_share_its_ranking() {
        let traits = Traits::default();
        let tiers = super::super::tier::default_ladder();
        let streams = Streams::new(9);
        let rankings = |w: f64| {
            let cfg = EvolverConfig {
                within_model_correlation: w,
                ..EvolverConfig::default()
            };
            let land = Landscape::draw(&cfg, 1, &mut streams.stream(1));
            let new = |tier, model, own| {
                Evolver::new(&cfg, &traits, &tiers, tier, &land, 1, &streams, model, own).ranking[0]
                    .clone()
            };
            // Two copies of model 10 (own streams 20, 21), and model 11.
            (new(1, 10, 20), new(1, 10, 21), new(2, 11, 22))
        };
        let (a, b, other) = rankings(1.0);
        assert_eq!(a, b);
        assert_ne!(a, other);
        let (a, b, _) = rankings(0.0);
        assert_ne!(a, b);
    }

    #[test]
    fn distinct_modes_per_sample_fall_as_concentration_rises() {
        let a = distinct_per_sample(1.05);
        let b = distinct_per_sample(1.5);
        let c = distinct_per_sample(2.0);
        assert!(a > b && b > c, "{a} {b} {c}");
    }

    #[test]
    fn diagnosis_makes_edits_of_strong_and_mid_tiers_alike_when_traces_are_clear() {
        let cfg = EvolverConfig {
            exploit_prob: 0.0,
            ..EvolverConfig::default()
        };
        let traits = Traits::default();
        let tiers = super::super::tier::default_ladder();
        // Mean true effect per proposal and its standard error, over many landscapes.
        let gain = |tier: usize, d_diag: f64| {
            let per: Vec<f64> = (0..40u64)
                .map(|seed| {
                    let streams = Streams::new(seed);
                    let land = Landscape::draw(&cfg, 1, &mut streams.stream(1));
                    let e = Evolver::new(&cfg, &traits, &tiers, tier, &land, 1, &streams, 1, 2);
                    let mut s = streams.stream(4);
                    let sk = tiers[tier].skill;
                    (0..400)
                        .map(|_| {
                            propose(&cfg, &e, 0, sk, &land, 0, d_diag, 0.0, 2.0, &mut s).true_delta
                        })
                        .sum::<f64>()
                        / 400.0
                })
                .collect();
            let n = per.len() as f64;
            let m = per.iter().sum::<f64>() / n;
            let sd = (per.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            (m, sd / n.sqrt())
        };
        // Clear traces: 8B and frontier agree within their sampling error.
        let ((mid, se_m), (top, se_t)) = (gain(2, -1.0), gain(5, -1.0));
        assert!(
            (top - mid).abs() < 3.0 * (se_m * se_m + se_t * se_t).sqrt(),
            "clear: {mid} vs {top}"
        );
        // Opaque traces: the frontier model's edits are clearly better.
        let ((mid, se_m), (top, se_t)) = (gain(2, 2.5), gain(5, 2.5));
        assert!(
            top - mid > 3.0 * (se_m * se_m + se_t * se_t).sqrt(),
            "opaque: {mid} vs {top}"
        );
    }
}
