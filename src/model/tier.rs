//! Model tiers: what a model costs, how fast it is, how able it is, and the traits that
//! follow from its ability.

use serde::{Deserialize, Serialize};

/// The logistic function.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// One model tier: a model that can fill any role.
///
/// In a file a tier gives its ability either as `skill` or as its MMLU-Pro score
/// `mmlu_pro`, not both (the scenario reader refuses both and neither); a tier read with a
/// score has `skill` NaN until the reader resolves it with [`SkillFromScore::skill`].
/// Written out, such a tier gives its score again and not its skill, so the file form
/// reads back to the same tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "TierKeys", into = "TierKeys")]
pub struct Tier {
    /// Name used to refer to the tier (`"8B"`).
    pub name: String,
    /// Parameters, in billions.
    pub params_b: f64,
    /// Price of input tokens, dollars per million.
    pub price_in: f64,
    /// Price of output tokens, dollars per million.
    pub price_out: f64,
    /// Output speed, tokens per second.
    pub tokens_per_s: f64,
    /// Fixed latency per call (time to first token and overheads), seconds.
    #[serde(default = "default_latency")]
    pub latency_s: f64,
    /// Calls in flight at once (the provider's rate limit); further calls wait in line.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Ability theta, on the scale of task difficulty.
    pub skill: f64,
    /// The MMLU-Pro score (percent correct) the skill is derived from, when the tier was
    /// given by its score instead of its skill.
    pub mmlu_pro: Option<f64>,
}

/// A tier as a file writes it: `skill` or `mmlu_pro`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierKeys {
    name: String,
    params_b: f64,
    price_in: f64,
    price_out: f64,
    tokens_per_s: f64,
    #[serde(default = "default_latency")]
    latency_s: f64,
    #[serde(default = "default_concurrency")]
    concurrency: u32,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "skill_given"
    )]
    skill: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mmlu_pro: Option<f64>,
}

/// A `skill` key's value: any number but NaN, which stands for "not given" (an infinite
/// skill is refused by validation, at its path).
fn skill_given<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let x = f64::deserialize(d)?;
    if x.is_nan() {
        Err(serde::de::Error::custom(
            "must be a finite number (got NaN)",
        ))
    } else {
        Ok(Some(x))
    }
}

impl From<TierKeys> for Tier {
    /// A tier that gave no `skill` has NaN there: resolved from its score, or refused by
    /// validation when it gave no score either (a skill written in a file is never NaN).
    fn from(k: TierKeys) -> Tier {
        Tier {
            name: k.name,
            params_b: k.params_b,
            price_in: k.price_in,
            price_out: k.price_out,
            tokens_per_s: k.tokens_per_s,
            latency_s: k.latency_s,
            concurrency: k.concurrency,
            skill: k.skill.unwrap_or(f64::NAN),
            mmlu_pro: k.mmlu_pro,
        }
    }
}

impl From<Tier> for TierKeys {
    fn from(t: Tier) -> TierKeys {
        TierKeys {
            name: t.name,
            params_b: t.params_b,
            price_in: t.price_in,
            price_out: t.price_out,
            tokens_per_s: t.tokens_per_s,
            latency_s: t.latency_s,
            concurrency: t.concurrency,
            skill: t.mmlu_pro.is_none().then_some(t.skill),
            mmlu_pro: t.mmlu_pro,
        }
    }
}

fn default_latency() -> f64 {
    0.5
}
fn default_concurrency() -> u32 {
    64
}

impl Tier {
    /// Dollars for a call reading `input` and writing `output` tokens.
    #[inline]
    pub fn cost(&self, input: f64, output: f64) -> f64 {
        (input * self.price_in + output * self.price_out) * 1e-6
    }

    /// Hours a call writing `output` tokens takes once it has a slot.
    #[inline]
    pub fn call_hours(&self, output: f64) -> f64 {
        (self.latency_s + output / self.tokens_per_s) / 3600.0
    }
}

/// The shipped ladder of tiers, from public price lists of comparable open models
/// (docs/model.md names the sources): 0.5B, 3B, 8B, 32B, 70B and a frontier-class model.
pub fn default_ladder() -> Vec<Tier> {
    let t = |name: &str, params_b, price_in, price_out, tokens_per_s, skill| Tier {
        name: name.to_string(),
        params_b,
        price_in,
        price_out,
        tokens_per_s,
        latency_s: default_latency(),
        concurrency: default_concurrency(),
        skill,
        mmlu_pro: None,
    };
    vec![
        t("0.5B", 0.5, 0.02, 0.04, 300.0, -1.0),
        t("3B", 3.0, 0.03, 0.05, 200.0, 0.0),
        t("8B", 8.0, 0.05, 0.08, 150.0, 0.8),
        t("32B", 32.0, 0.10, 0.20, 80.0, 1.6),
        t("70B", 70.0, 0.30, 0.60, 60.0, 2.2),
        t("frontier", 670.0, 2.50, 10.00, 90.0, 3.2),
    ]
}

/// How a tier's traits follow from its skill and size. Each trait is computed here and
/// nowhere else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Traits {
    /// Slope of the probability of invoking the harness correctly.
    pub invoke_slope: f64,
    /// Skill at which half the calls invoke the harness correctly.
    pub invoke_mid: f64,
    /// Adherence of the strongest models to externalised instructions, in [0, 1]; 1 means
    /// adherence does not fall with skill (the counter-scenario of the inverted U).
    pub adhere_floor: f64,
    /// Slope of the fall of adherence with skill.
    pub adhere_slope: f64,
    /// Skill at which adherence is halfway between 1 and the floor.
    pub adhere_mid: f64,
    /// Zipf exponent of the output distribution of a 0.5B model.
    pub zipf_base: f64,
    /// Rise of the Zipf exponent per decade of parameters.
    pub zipf_per_decade: f64,
    /// Judging noise (sd on the scale of task difficulty) of a judge whose skill equals the
    /// difficulty of what it judges, with no reasoning.
    pub judge_noise: f64,
    /// Growth of judging noise per unit of (difficulty - skill).
    pub judge_noise_slope: f64,
    /// Variance reduction bought per thousand reasoning tokens: the per-vote noise is
    /// divided by sqrt(1 + gain * tokens / 1000); 0 means reasoning does not help.
    pub reasoning_gain: f64,
    /// Per-item judging bias, shared by all votes on that item, as a multiple of the
    /// judge's base noise.
    pub item_bias: f64,
    /// Output tokens of one score (after any reasoning), by any judge.
    pub score_tokens: f64,
}

impl Default for Traits {
    fn default() -> Self {
        Traits {
            invoke_slope: 1.336,
            invoke_mid: 0.817,
            adhere_floor: 0.3,
            adhere_slope: 2.0,
            adhere_mid: 2.5,
            zipf_base: 1.05,
            zipf_per_decade: 0.3,
            judge_noise: 0.98,
            judge_noise_slope: 0.6,
            reasoning_gain: 0.5,
            item_bias: 1.39,
            score_tokens: 50.0,
        }
    }
}

impl Traits {
    /// Probability that a model of skill `theta` invokes the harness correctly (loads the
    /// skill, calls the tool, follows the protocol's format).
    #[inline]
    pub fn invoke(&self, theta: f64) -> f64 {
        sigmoid(self.invoke_slope * (theta - self.invoke_mid))
    }

    /// Faithfulness to externalised instructions: strong models override them with their
    /// own habits.
    #[inline]
    pub fn adhere(&self, theta: f64) -> f64 {
        1.0 - (1.0 - self.adhere_floor) * sigmoid(self.adhere_slope * (theta - self.adhere_mid))
    }

    /// Harness benefit factor: how much of the harness's quality a model of skill `theta`
    /// turns into ability. The product of invoking and adhering; the only place where it
    /// is formed.
    #[inline]
    pub fn benefit(&self, theta: f64) -> f64 {
        self.invoke(theta) * self.adhere(theta)
    }

    /// Zipf exponent of a model's distribution over candidate modes: larger models
    /// concentrate their probability mass on fewer modes.
    #[inline]
    pub fn zipf_s(&self, params_b: f64) -> f64 {
        self.zipf_base + self.zipf_per_decade * (params_b / 0.5).max(1e-9).log10()
    }

    /// A judge's base noise (no reasoning) on an item of difficulty `difficulty`.
    #[inline]
    pub fn base_noise(&self, theta: f64, difficulty: f64) -> f64 {
        self.judge_noise * (self.judge_noise_slope * (difficulty - theta)).exp()
    }

    /// Per-vote noise of a judge of skill `theta` that reasons for `reasoning` tokens
    /// before scoring an item of difficulty `difficulty`.
    #[inline]
    pub fn vote_noise(&self, theta: f64, difficulty: f64, reasoning: f64) -> f64 {
        self.base_noise(theta, difficulty)
            / (1.0 + self.reasoning_gain * reasoning.max(0.0) / 1000.0).sqrt()
    }

    /// Sd of the per-item bias that every vote and reasoning pass on an item shares.
    #[inline]
    pub fn item_bias_sd(&self, theta: f64, difficulty: f64) -> f64 {
        self.item_bias * self.base_noise(theta, difficulty)
    }
}

/// Chance accuracy on MMLU-Pro, percent: a question has ten options. Wang et al. 2024,
/// "MMLU-Pro: A More Robust and Challenging Multi-Task Language Understanding Benchmark"
/// (arXiv 2406.01574), abstract: "expanding the choice set from four to ten options".
pub const MMLU_PRO_CHANCE: f64 = 100.0 / 10.0;

/// How a tier's skill follows from its MMLU-Pro score, for tiers given by score
/// (`[skill_from_score]`): the score above chance, as a share of the room between chance
/// and the ceiling, on the logit scale,
///
/// `p = (score - chance) / (ceiling - chance)`, `skill = mid + scale * ln(p / (1 - p))`.
///
/// `mid` and `scale` are fitted to the shipped ladder by
/// `scenarios/calibrate/skill_from_score.toml`; docs/model.md ("Skill from score") gives the
/// fit, its residuals, and why the ceiling stays at 100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SkillFromScore {
    /// The score of guessing, percent: [`MMLU_PRO_CHANCE`].
    pub chance: f64,
    /// The highest score the benchmark allows, percent.
    pub ceiling: f64,
    /// The skill of a score halfway between chance and the ceiling.
    pub mid: f64,
    /// Skill per logit of the score's share of the room above chance.
    pub scale: f64,
}

impl Default for SkillFromScore {
    fn default() -> Self {
        SkillFromScore {
            chance: MMLU_PRO_CHANCE,
            ceiling: 100.0,
            mid: 1.34,
            scale: 0.98,
        }
    }
}

impl SkillFromScore {
    /// The skill of a model scoring `score` (percent); an error saying why when the score
    /// is not strictly between chance and the ceiling (where the logit is infinite).
    pub fn skill(&self, score: f64) -> Result<f64, String> {
        if !(score > self.chance && score < self.ceiling) {
            return Err(format!(
                "an MMLU-Pro score must lie strictly between chance ({}) and the ceiling ({}) \
                 of [skill_from_score] (got {score})",
                self.chance, self.ceiling
            ));
        }
        let p = (score - self.chance) / (self.ceiling - self.chance);
        Ok(self.mid + self.scale * (p / (1.0 - p)).ln())
    }
}

/// Index of the tier named `name`.
pub fn tier_index(tiers: &[Tier], name: &str) -> Option<usize> {
    tiers.iter().position(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argmax(xs: &[f64]) -> usize {
        (0..xs.len())
            .max_by(|&a, &b| xs[a].total_cmp(&xs[b]))
            .unwrap()
    }

    #[test]
    fn benefit_has_an_interior_maximum_only_when_adherence_falls_with_skill() {
        let t = Traits::default();
        let grid: Vec<f64> = (0..=100).map(|i| -2.0 + 7.0 * i as f64 / 100.0).collect();
        let b: Vec<f64> = grid.iter().map(|&x| t.benefit(x)).collect();
        let i = argmax(&b);
        assert!(i > 0 && i < grid.len() - 1, "peak at the edge: {}", grid[i]);
        let flat = Traits {
            adhere_floor: 1.0,
            ..Traits::default()
        };
        let b: Vec<f64> = grid.iter().map(|&x| flat.benefit(x)).collect();
        assert_eq!(argmax(&b), grid.len() - 1);
    }

    #[test]
    fn published_loading_rates() {
        let t = Traits::default();
        // About 25% of calls by a weak (3B, theta 0) model load the skill; about 96% by a strong one.
        assert!((t.invoke(0.0) - 0.25).abs() < 0.02);
        assert!(t.invoke(3.2) > 0.95);
    }

    #[test]
    fn skill_from_score_rises_with_the_score_and_refuses_chance_and_the_ceiling() {
        let m = SkillFromScore::default();
        assert_eq!(m.chance, 10.0);
        let skills: Vec<f64> = [10.5, 15.0, 43.7, 55.0, 76.0, 99.5]
            .iter()
            .map(|&s| m.skill(s).unwrap())
            .collect();
        assert!(skills.windows(2).all(|w| w[0] < w[1]), "{skills:?}");
        // Halfway between chance and the ceiling is `mid`.
        assert!((m.skill(55.0).unwrap() - m.mid).abs() < 1e-12);
        for bad in [10.0, 100.0, 5.0, 120.0, f64::NAN] {
            assert!(m.skill(bad).is_err(), "{bad}");
        }
        let low = SkillFromScore {
            ceiling: 80.0,
            ..m.clone()
        };
        assert!(low.skill(85.0).is_err() && low.skill(79.0).unwrap() > m.skill(79.0).unwrap());
    }

    #[test]
    fn the_scores_docs_give_for_the_shipped_skills() {
        // docs/model.md, "Skill from score": the score at which a tier given by score gets
        // each shipped tier's skill (to 0.1 point, a few thousandths of skill).
        let m = SkillFromScore::default();
        let docs = [
            (17.6, -1.0),
            (28.3, 0.0),
            (42.9, 0.8),
            (60.9, 1.6),
            (73.6, 2.2),
            (88.3, 3.2),
        ];
        for (score, skill) in docs {
            let got = m.skill(score).unwrap();
            assert!((got - skill).abs() < 0.01, "{score}: {got} vs {skill}");
        }
    }

    #[test]
    fn concentration_rises_with_size_and_noise_falls_with_reasoning() {
        let t = Traits::default();
        assert!(t.zipf_s(70.0) > t.zipf_s(3.0));
        assert!(t.vote_noise(1.0, 1.0, 8000.0) < t.vote_noise(1.0, 1.0, 0.0));
        let off = Traits {
            reasoning_gain: 0.0,
            ..Traits::default()
        };
        assert_eq!(
            off.vote_noise(1.0, 1.0, 8000.0),
            off.vote_noise(1.0, 1.0, 0.0)
        );
        assert!(t.base_noise(0.0, 2.0) > t.base_noise(0.0, 0.0));
    }
}
