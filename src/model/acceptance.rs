//! Acceptance of candidate edits: the anchors that decide whether an edit ships.

use super::evolver::Proposal;
use super::tier::Traits;
use super::user::Attempts;
use super::verifier::Judge;
use crate::engine::Stream;
use serde::{Deserialize, Serialize};

/// One way of judging a candidate edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Anchor {
    /// The evolver judges its own edit: it believes its own diagnosis and counts exploits
    /// as gains. Each edit it accepts this way narrows its own distribution.
    #[serde(rename = "self")]
    SelfJudge,
    /// Another model scores the edit, with noise set by its tier, reasoning and votes.
    Verifier,
    /// Held-out past tasks are re-run with the candidate and compared with their recorded
    /// results: unbiased, noisy in proportion to 1/sqrt(tasks), paid at user-tier prices.
    Replay,
    /// Exact programmatic checks (unit tests, constraint checkers), only where a category
    /// has them; a category without them cannot pass this anchor.
    Tool,
}

impl Anchor {
    /// Name as written in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Anchor::SelfJudge => "self",
            Anchor::Verifier => "verifier",
            Anchor::Replay => "replay",
            Anchor::Tool => "tool",
        }
    }
}

/// Settings of the anchors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcceptanceConfig {
    /// Score an edit must pass to be accepted (on the harness-quality scale).
    pub threshold: f64,
    /// Tasks re-run by one replay.
    pub replay_tasks: u32,
    /// Dollars of one programmatic check.
    pub tool_cost: f64,
    /// Hours one programmatic check takes.
    pub tool_hours: f64,
}

impl Default for AcceptanceConfig {
    fn default() -> Self {
        AcceptanceConfig {
            threshold: 0.0,
            replay_tasks: 100,
            tool_cost: 0.002,
            tool_hours: 0.05,
        }
    }
}

/// What the anchors see of the world when they judge an edit.
#[derive(Debug)]
pub struct Context<'a> {
    /// Trait functions.
    pub traits: &'a Traits,
    /// Attempt mechanics (for replay).
    pub attempts: &'a Attempts,
    /// Skill of the evolver that wrote the edit (its own judge).
    pub author_skill: f64,
    /// The external judge.
    pub verifier: Judge,
    /// Skill of the user tier that replays tasks.
    pub user_skill: f64,
    /// Current quality of the edit's category.
    pub quality: f64,
    /// The spread (sd) of the effects of the edits that can be written for the category
    /// now, on the harness-quality scale: the unit a judge's noise is measured in.
    pub edit_spread: f64,
    /// Mean and sd of the category's current difficulty.
    pub difficulty: (f64, f64),
    /// Whether the category has programmatic checks.
    pub has_tool: bool,
    /// Weight an external verifier gives an exploit.
    pub verifier_exploit_bias: f64,
    /// How far a model judge's preference for an idea sways its score, in units of the
    /// edit spread (`evolver.judge_taste`).
    pub judge_taste: f64,
    /// The external verifier's own preference for the edit's idea (standard normal; the
    /// author's is the proposal's `taste`).
    pub verifier_taste: f64,
    /// Acceptance settings.
    pub cfg: &'a AcceptanceConfig,
}

/// The score `anchor` gives proposal `p` and whether it passes (score above the
/// threshold). Scores of one anchor are comparable across proposals; best-of-n keeps the
/// highest.
///
/// **One scale for judging.** A model judging an edit is judging a small effect, and its
/// noise is expressed on that effect's scale: the self-judge and the verifier score the
/// edit's effect in units of `edit_spread`, the sd of the effects of the edits that can be
/// written now, so that telling an edit one spread better than another from it is as hard
/// as telling a right answer from a wrong one (truths 1 and 0, the same noise).
///
/// **Taste.** A model judge is swayed by its own preference for the idea,
/// `judge_taste x` its preference (standard normal) added to what it scores: the self-judge
/// by its author's preference, which is the ranking the author draws its ideas from, so
/// it favours the author's top-ranked ideas; an external verifier by its own model's
/// preference, which is unrelated to the author's unless the two share a model or
/// `ranking_correlation` ties them. Replay
/// scores the change in success over its tasks (binomial noise), tool the exact effect.
/// The threshold applies to each anchor's own score.
pub fn judge(anchor: Anchor, p: &Proposal, cx: &Context<'_>, s: &mut Stream) -> (bool, f64) {
    let score = score(anchor, p, cx, s);
    let passed = match anchor {
        Anchor::Tool => cx.has_tool && score > cx.cfg.threshold,
        _ => score > cx.cfg.threshold,
    };
    (passed, score)
}

fn score(anchor: Anchor, p: &Proposal, cx: &Context<'_>, s: &mut Stream) -> f64 {
    let d = cx.difficulty.0;
    // An edit's effect in judging units; a category at its headroom (no spread left) is
    // judged on the smallest spread that still orders the edits.
    let unit = 1.0 / cx.edit_spread.max(1e-9);
    match anchor {
        Anchor::SelfJudge => {
            let own = Judge {
                skill: cx.author_skill,
                reasoning: 0.0,
                votes: 1,
            };
            let seen = p.believed_delta * unit + cx.judge_taste * p.taste;
            own.score(cx.traits, seen, d, s)
        }
        Anchor::Verifier => {
            let seen = (p.true_delta + cx.verifier_exploit_bias * p.exploit) * unit
                + cx.judge_taste * cx.verifier_taste;
            cx.verifier.score(cx.traits, seen, d, s)
        }
        Anchor::Replay => {
            let m = cx.cfg.replay_tasks.max(1);
            let b = cx.traits.benefit(cx.user_skill);
            let (old_a, new_a) = (
                cx.user_skill + b * cx.quality,
                cx.user_skill + b * (cx.quality + p.true_delta),
            );
            let mut diff = 0i64;
            for _ in 0..m {
                let dt = cx.difficulty.0 + cx.difficulty.1 * s.std_normal();
                diff += s.bernoulli(cx.attempts.p_success(new_a, dt)) as i64;
                diff -= s.bernoulli(cx.attempts.p_success(old_a, dt)) as i64;
            }
            diff as f64 / m as f64
        }
        Anchor::Tool => p.true_delta,
    }
}
