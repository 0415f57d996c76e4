//! Tasks: categories, the Poisson stream that draws them, and regimes that change the mix.

use crate::engine::Stream;
use serde::{Deserialize, Serialize};

/// A kind of task, with its own difficulty, value, token sizes and harness headroom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Name used in regimes and outputs.
    pub name: String,
    /// Share of traffic before any regime change (relative; 0 = appears later).
    #[serde(default = "one")]
    pub weight: f64,
    /// Mean difficulty, on the skill scale.
    #[serde(default)]
    pub difficulty: f64,
    /// Spread of difficulty within the category.
    #[serde(default = "default_difficulty_sd")]
    pub difficulty_sd: f64,
    /// Value of solving one task, in yield units.
    #[serde(default = "one")]
    pub value: f64,
    /// Highest harness quality this category can reach: what edits can still fix.
    #[serde(default = "default_headroom")]
    pub headroom: f64,
    /// How hard it is to diagnose a failure from its trace, on the skill scale: low means
    /// informative traces that most tiers can read.
    #[serde(default)]
    pub diagnosis_difficulty: f64,
    /// Whether exact programmatic checks (unit tests, constraint checkers) exist here.
    #[serde(default)]
    pub tool: bool,
    /// Input tokens of a task prompt (the harness comes on top).
    #[serde(default = "default_prompt_tokens")]
    pub prompt_tokens: f64,
    /// Output tokens of one attempt.
    #[serde(default = "default_output_tokens")]
    pub output_tokens: f64,
}

fn one() -> f64 {
    1.0
}
fn default_difficulty_sd() -> f64 {
    0.8
}
fn default_headroom() -> f64 {
    2.0
}
fn default_prompt_tokens() -> f64 {
    1500.0
}
fn default_output_tokens() -> f64 {
    600.0
}

impl Category {
    /// A category with defaults for everything but its name, difficulty and weight.
    pub fn new(name: &str, weight: f64, difficulty: f64) -> Self {
        Category {
            name: name.to_string(),
            weight,
            difficulty,
            difficulty_sd: default_difficulty_sd(),
            value: 1.0,
            headroom: default_headroom(),
            diagnosis_difficulty: 0.0,
            tool: false,
            prompt_tokens: default_prompt_tokens(),
            output_tokens: default_output_tokens(),
        }
    }
}

/// A change of the task mix at a scheduled time: new categories appear, old ones fade,
/// difficulty shifts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// When the regime starts, hours from the start of the run.
    pub at_hour: f64,
    /// New traffic weights by category name; categories not named keep theirs.
    #[serde(default)]
    pub weights: std::collections::BTreeMap<String, f64>,
    /// Added to every category's mean difficulty from then on.
    #[serde(default)]
    pub difficulty_shift: f64,
}

/// The task stream's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Mean tasks per hour (Poisson arrivals).
    pub arrival_per_hour: f64,
    /// When true, task difficulty is drawn around the user tier's own skill
    /// (`theta_user + offset + sd * z`) instead of the category's mean: tasks matched to
    /// the user, the way harness benefit per tier is measured.
    pub matched_to_user: bool,
    /// Offset of matched difficulty above the user's skill.
    pub matched_offset: f64,
    /// Hours a task waits for a free slot of its user tier before it is given up (the call
    /// never runs, its charge is refunded and the task counts as unserved and abandoned).
    pub patience_hours: f64,
    /// Task categories.
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    /// Edges of the difficulty bins that outcomes are counted in (`solve_rate_bin0` is
    /// below the first edge, the last bin above the last edge).
    pub difficulty_bins: Vec<f64>,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            arrival_per_hour: 300.0,
            matched_to_user: false,
            matched_offset: 0.0,
            patience_hours: 2.0,
            difficulty_bins: vec![0.5, 1.5, 2.5],
            categories: vec![
                Category {
                    tool: true,
                    ..Category::new("code", 0.4, 1.2)
                },
                Category {
                    difficulty_sd: 0.6,
                    ..Category::new("support", 0.35, 0.4)
                },
                Category {
                    diagnosis_difficulty: 1.0,
                    ..Category::new("analysis", 0.25, 1.8)
                },
            ],
        }
    }
}

/// One task as the world sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Task {
    /// Arrival order, from 0; also the key of its own random sub-stream.
    pub id: u64,
    /// Index into the workload's categories.
    pub category: usize,
    /// True difficulty.
    pub difficulty: f64,
    /// A standard normal draw behind the difficulty, kept so that matched difficulty can be
    /// formed for any user tier from the same draw (common random numbers).
    pub z: f64,
    /// Value if solved.
    pub value: f64,
}

/// The current traffic mix and difficulty shift.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix {
    /// Traffic weight per category, normalised to sum to 1.
    pub weights: Vec<f64>,
    cumulative: Vec<f64>,
    /// Added to every category's mean difficulty.
    pub shift: f64,
}

impl Mix {
    /// The initial mix of a workload.
    pub fn initial(w: &Workload) -> Mix {
        Mix::from_weights(w.categories.iter().map(|c| c.weight).collect(), 0.0)
    }

    fn from_weights(raw: Vec<f64>, shift: f64) -> Mix {
        let total: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw
            .iter()
            .map(|x| if total > 0.0 { x / total } else { 0.0 })
            .collect();
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|x| {
                acc += x;
                acc
            })
            .collect();
        Mix {
            weights,
            cumulative,
            shift,
        }
    }

    /// The mix after `regime` starts.
    pub fn apply(&self, w: &Workload, regime: &Regime) -> Mix {
        let raw = w
            .categories
            .iter()
            .zip(&self.weights)
            .map(|(c, &old)| regime.weights.get(&c.name).copied().unwrap_or(old))
            .collect();
        Mix::from_weights(raw, self.shift + regime.difficulty_shift)
    }

    /// Draws a category index.
    #[inline]
    pub fn draw(&self, u: f64) -> usize {
        self.cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(self.cumulative.len() - 1)
    }
}

impl Workload {
    /// The difficulty bin of `d`.
    #[inline]
    pub fn bin(&self, d: f64) -> usize {
        self.difficulty_bins.partition_point(|&e| e <= d)
    }
}

/// Draws the next task and the time to the one after (stream of its own, so every policy
/// meets the same tasks).
#[inline]
pub fn draw_task(w: &Workload, mix: &Mix, id: u64, s: &mut Stream) -> Task {
    let category = mix.draw(s.uniform());
    let c = &w.categories[category];
    let z = s.std_normal();
    Task {
        id,
        category,
        difficulty: c.difficulty + mix.shift + c.difficulty_sd * z,
        z,
        value: c.value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regimes_replace_named_weights_and_add_shifts() {
        let w = Workload::default();
        let m = Mix::initial(&w);
        assert!((m.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let r = Regime {
            at_hour: 1.0,
            weights: [("code".to_string(), 0.0)].into_iter().collect(),
            difficulty_shift: 0.5,
        };
        let m2 = m.apply(&w, &r);
        assert_eq!(m2.weights[0], 0.0);
        assert_eq!(m2.shift, 0.5);
        for u in [0.0, 0.3, 0.99] {
            assert_ne!(m2.draw(u), 0);
        }
    }
}
