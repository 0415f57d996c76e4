//! Users: attempt a task with the harness, in parallel samples or sequential revisions,
//! and pick one answer by a verifier, a majority vote or the first sample.

use super::tier::{Traits, sigmoid};
use super::verifier::Judge;
use crate::engine::Stream;
use serde::{Deserialize, Serialize};

/// How attempts succeed: the user side of the world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attempts {
    /// Slope `a` of success in (ability - difficulty).
    pub slope: f64,
    /// Sd of a chain's approach `u`: parallel samples draw fresh approaches, a revision
    /// chain keeps its own.
    pub approach_sd: f64,
    /// Gain of the first revision, on the skill scale (`delta`; 0 = revisions are useless).
    pub revision_step: f64,
    /// Geometric decay of later revisions' gains (`g`).
    pub revision_decay: f64,
    /// Slope of the diagnosis that revision gains need: `sigmoid(slope * (ability - d))`.
    pub revision_diagnosis_slope: f64,
    /// Probability that a revision breaks a correct answer.
    pub break_prob: f64,
    /// Distinct wrong answers a task admits (majority vote splits wrong answers among them).
    pub wrong_answers: u32,
}

impl Default for Attempts {
    fn default() -> Self {
        Attempts {
            slope: 13.4,
            approach_sd: 0.5,
            revision_step: 0.3,
            revision_decay: 0.7,
            revision_diagnosis_slope: 3.0,
            break_prob: 0.05,
            wrong_answers: 4,
        }
    }
}

/// How the final answer is picked among a task's chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// The first chain's answer.
    First,
    /// The most frequent answer; ties broken at random.
    Majority,
    /// The answer a verifier scores highest.
    Verifier,
}

/// The outcome of one task's chains.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Outcome {
    /// Whether the picked answer is correct.
    pub solved: bool,
    /// Chains whose final answer is correct.
    pub correct_chains: u32,
    /// Whether the selection was between correct and wrong answers (a test of the picker).
    pub contested: bool,
}

/// A user's ability on a task: skill plus the harness's quality for the task's category,
/// scaled by the benefit factor of the user's skill.
#[inline]
pub fn ability(traits: &Traits, skill: f64, harness_quality: f64) -> f64 {
    skill + traits.benefit(skill) * harness_quality
}

impl Attempts {
    /// Probability that one fresh attempt of ability `ability` solves a task of difficulty
    /// `difficulty`.
    #[inline]
    pub fn p_success(&self, ability: f64, difficulty: f64) -> f64 {
        sigmoid(self.slope * (ability - difficulty))
    }

    /// Cumulative revision gain after `j` revisions, which only a diagnosed failure earns.
    #[inline]
    fn revision_gain(&self, j: u32, ability: f64, difficulty: f64) -> f64 {
        if j == 0 || self.revision_step == 0.0 {
            return 0.0;
        }
        let g = self.revision_decay;
        let steps = if (g - 1.0).abs() < 1e-12 {
            j as f64
        } else {
            (1.0 - g.powi(j as i32)) / (1.0 - g)
        };
        self.revision_step * steps * sigmoid(self.revision_diagnosis_slope * (ability - difficulty))
    }

    /// Runs `chains` chains of `revisions` attempts each and picks one final answer.
    ///
    /// Attempt `j` of a chain succeeds with `sigmoid(a (ability + u + D_j - d))`: the chain
    /// keeps its approach `u`, `D_j` is the revision gain. A correct answer is kept unless a
    /// revision breaks it. Only the chains' final answers are candidates for selection.
    #[allow(clippy::too_many_arguments)]
    pub fn attempt(
        &self,
        traits: &Traits,
        ability: f64,
        difficulty: f64,
        chains: u32,
        revisions: u32,
        selection: Selection,
        judge: Option<&Judge>,
        s: &mut Stream,
    ) -> Outcome {
        const MAX_CHAINS: usize = 64;
        let n = (chains.clamp(1, MAX_CHAINS as u32)) as usize;
        let k = revisions.max(1);
        // Final answers: 0 = correct, 1.. = one of the wrong answers.
        let mut answers = [0u32; MAX_CHAINS];
        let mut correct_chains = 0;
        for ans in answers.iter_mut().take(n) {
            let u = self.approach_sd * s.std_normal();
            let mut correct = false;
            for j in 0..k {
                if correct {
                    if s.bernoulli(self.break_prob) {
                        correct = false;
                    }
                } else {
                    let d = self.revision_gain(j, ability, difficulty);
                    correct = s.bernoulli(self.p_success(ability + u + d, difficulty));
                }
            }
            *ans = if correct {
                correct_chains += 1;
                0
            } else {
                1 + s.below(self.wrong_answers.max(1) as usize) as u32
            };
        }
        let contested = correct_chains > 0 && (correct_chains as usize) < n;
        let picked = match (selection, n) {
            (_, 1) | (Selection::First, _) => answers[0],
            (Selection::Majority, _) => majority(&answers[..n], self.wrong_answers, s),
            (Selection::Verifier, _) => match judge {
                Some(j) => {
                    let mut best = (f64::NEG_INFINITY, 0);
                    for &a in &answers[..n] {
                        let truth = if a == 0 { 1.0 } else { 0.0 };
                        let score = j.score(traits, truth, difficulty, s);
                        if score > best.0 {
                            best = (score, a);
                        }
                    }
                    best.1
                }
                None => majority(&answers[..n], self.wrong_answers, s),
            },
        };
        Outcome {
            solved: picked == 0,
            correct_chains,
            contested,
        }
    }
}

/// The most frequent answer; ties broken uniformly.
fn majority(answers: &[u32], wrong: u32, s: &mut Stream) -> u32 {
    const MAX_KINDS: usize = 65;
    let kinds = (wrong as usize + 1).min(MAX_KINDS);
    let mut counts = [0u32; MAX_KINDS];
    for &a in answers {
        counts[(a as usize).min(kinds - 1)] += 1;
    }
    let top = counts[..kinds].iter().copied().max().unwrap_or(0);
    let tied = counts[..kinds].iter().filter(|&&c| c == top).count();
    let mut pick = s.below(tied);
    for (a, &c) in counts[..kinds].iter().enumerate() {
        if c == top {
            if pick == 0 {
                return a as u32;
            }
            pick -= 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    fn rate(
        at: &Attempts,
        chains: u32,
        revisions: u32,
        sel: Selection,
        judge: Option<&Judge>,
    ) -> f64 {
        let t = Traits::default();
        let mut s = Streams::new(11).stream(0);
        let n = 20_000;
        (0..n)
            .filter(|_| {
                at.attempt(&t, 1.0, 1.5, chains, revisions, sel, judge, &mut s)
                    .solved
            })
            .count() as f64
            / n as f64
    }

    #[test]
    fn more_samples_help_and_selection_errors_happen() {
        let at = Attempts::default();
        let judge = Judge {
            skill: 1.6,
            reasoning: 0.0,
            votes: 1,
        };
        let one = rate(&at, 1, 1, Selection::First, None);
        let eight = rate(&at, 8, 1, Selection::Verifier, Some(&judge));
        let se = (0.25f64 / 20_000.0).sqrt();
        assert!(eight > one + 6.0 * se, "{one} vs {eight}");
        // Oracle pass@8 is higher than what a noisy verifier picks.
        let t = Traits::default();
        let mut s = Streams::new(11).stream(0);
        let pass = (0..20_000)
            .filter(|_| {
                at.attempt(
                    &t,
                    1.0,
                    1.5,
                    8,
                    1,
                    Selection::Verifier,
                    Some(&judge),
                    &mut s,
                )
                .correct_chains
                    > 0
            })
            .count() as f64
            / 20_000.0;
        assert!(pass > eight + 6.0 * se, "pass@8 {pass} vs picked {eight}");
    }

    #[test]
    fn revisions_help_only_when_they_have_a_step() {
        let at = Attempts::default();
        let se = (0.25f64 / 20_000.0).sqrt();
        assert!(
            rate(&at, 1, 4, Selection::First, None)
                > rate(&at, 1, 1, Selection::First, None) + 6.0 * se
        );
        let useless = Attempts {
            revision_step: 0.0,
            ..Attempts::default()
        };
        // With a fixed approach and no gain, revising retries the same odds: it helps only
        // through fresh draws of the attempt's own noise, less than with a step.
        assert!(
            rate(&useless, 1, 4, Selection::First, None) + 6.0 * se
                < rate(&at, 1, 4, Selection::First, None)
        );
    }
}
