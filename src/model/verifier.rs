//! Judging: a model scores items (answers, candidate edits) with noise set by its skill,
//! the difficulty of the item, its reasoning tokens and its number of votes.

use super::tier::Traits;
use crate::engine::Stream;

/// How a judge is set up: its skill, its reasoning before each vote, and its votes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judge {
    /// Skill of the judging model.
    pub skill: f64,
    /// Reasoning tokens before each vote.
    pub reasoning: f64,
    /// Independent votes averaged into one score (at least 1).
    pub votes: u32,
}

impl Judge {
    /// Scores an item whose true value is `truth` and whose difficulty is `difficulty`:
    /// `truth + b_item + mean of votes eps`, where `b_item ~ N(0, item_bias_sd)` is shared
    /// by all the votes on this item and each `eps ~ N(0, vote_noise)`. Repeated votes
    /// average the vote noise away but never the item's bias, so accuracy saturates.
    #[inline]
    pub fn score(&self, traits: &Traits, truth: f64, difficulty: f64, s: &mut Stream) -> f64 {
        let bias = traits.item_bias_sd(self.skill, difficulty) * s.std_normal();
        let votes = self.votes.max(1) as f64;
        let noise = traits.vote_noise(self.skill, difficulty, self.reasoning) / votes.sqrt();
        truth + bias + noise * s.std_normal()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    /// Pairwise accuracy: how often a correct answer (truth 1) outscores a wrong one (0).
    fn accuracy(j: Judge, n: usize) -> (f64, f64) {
        let t = Traits::default();
        let mut s = Streams::new(3).stream(0);
        let hits = (0..n)
            .filter(|_| j.score(&t, 1.0, 1.5, &mut s) > j.score(&t, 0.0, 1.5, &mut s))
            .count();
        let p = hits as f64 / n as f64;
        (p, (p * (1.0 - p) / n as f64).sqrt())
    }

    #[test]
    fn accuracy_rises_with_reasoning_and_saturates_with_votes() {
        let n = 40_000;
        let (p0, se0) = accuracy(
            Judge {
                skill: 0.8,
                reasoning: 0.0,
                votes: 1,
            },
            n,
        );
        let (p8, se8) = accuracy(
            Judge {
                skill: 0.8,
                reasoning: 8000.0,
                votes: 1,
            },
            n,
        );
        assert!(
            p8 - p0 > 4.0 * (se0 * se0 + se8 * se8).sqrt(),
            "{p0} -> {p8}"
        );
        // The shared bias caps accuracy: past a point more votes stop helping, short of
        // always being right.
        let votes = |votes| Judge {
            skill: 0.8,
            reasoning: 0.0,
            votes,
        };
        let (p100, se100) = accuracy(votes(100), n);
        let (p1000, se1000) = accuracy(votes(1000), n);
        assert!(
            (p1000 - p100).abs() < 4.0 * (se100 * se100 + se1000 * se1000).sqrt(),
            "{p100} -> {p1000}"
        );
        assert!(p1000 < 1.0 - 4.0 * se1000, "{p1000}");
    }
}
