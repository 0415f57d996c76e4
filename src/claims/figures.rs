//! The published figures each claim mirrors, and how each one enters triad: **fitted** (a
//! target of a calibration whose fit is the shipped physics, `scenarios/calibrate/
//! published_*.toml`) or **predicted** (never a target of a fit; the world produces a number
//! that is compared with it). A check that reproduces a fitted figure shows only that the
//! figure went in; a predicted one is a test of the world.
//!
//! The roles are declared here, one table for every claim, and checked against the
//! calibration files by a test (`tests/it/claims.rs`): every fitted figure is a target of the
//! file it names, with the same name and value, and no predicted figure is a target of any of
//! them (same paper, same value).

/// How a published figure enters triad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A target of the calibration `file` (in `scenarios/calibrate/`), named `target` there.
    Fitted {
        /// The calibration file's name.
        file: &'static str,
        /// The target's `name` in it.
        target: &'static str,
    },
    /// Never a target of a fit.
    Predicted,
}

impl Role {
    /// `fitted` or `predicted`.
    pub fn word(&self) -> &'static str {
        match self {
            Role::Fitted { .. } => "fitted",
            Role::Predicted => "predicted",
        }
    }
}

/// One published figure of a claim.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    /// The figure as printed, with what it measures.
    pub figure: &'static str,
    /// The paper: its arXiv id where it has one (a calibration target names its paper so,
    /// and the test matches by it).
    pub paper: &'static str,
    /// The figure's number: for a fitted figure, the target's value (a rate as a fraction);
    /// for a predicted one, on the scale of the check's measured number where there is one
    /// (percentage points as points), else as printed. NaN for a figure with no number.
    pub value: f64,
    /// Fitted or predicted.
    pub role: Role,
    /// The start of the label of the check's measured number that corresponds to it, if the
    /// check measures one (`None`: the check measures nothing comparable).
    pub measured: Option<&'static str>,
}

/// What a claim whose mechanism is itself an input puts in, and what its check tests that
/// was not put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The mechanism, as it is put in.
    pub put_in: &'static str,
    /// What the check tests beyond it.
    pub tested: &'static str,
}

const INVOKE: &str = "published_invoke.toml";
const JUDGING: &str = "published_judging.toml";

/// The published figures of claim `id`, in the order the report shows them (none for a
/// claim without a published figure, 7).
pub fn of(id: &str) -> Vec<Published> {
    let p = |figure, paper, value, role, measured| Published {
        figure,
        paper,
        value,
        role,
        measured,
    };
    use Role::{Fitted, Predicted};
    match id {
        "1a" => vec![
            p(
                "weak model (Qwen3-32B) loads the skill 25.1% of the time (SkillsBench; secondary)",
                "2605.30621",
                0.251,
                Fitted {
                    file: INVOKE,
                    target: "skill-load rate, weak model",
                },
                None,
            ),
            p(
                "strong models load it ~96% of the time (secondary)",
                "2605.30621",
                0.96,
                Fitted {
                    file: INVOKE,
                    target: "skill-load rate, strong model",
                },
                None,
            ),
            p(
                "mid-tier user gain +19.3 pp (Qwen3-235B, SWE-bench Verified; secondary)",
                "2605.30621",
                19.3,
                Predicted,
                Some("benefit 32B"),
            ),
            p(
                "weak-tier user gain +4.4 pp (Qwen3-32B; secondary)",
                "2605.30621",
                4.4,
                Predicted,
                Some("benefit 3B"),
            ),
        ],
        "1b" => vec![p(
            "evolver gain spread <= 3.1 pp per benchmark (secondary)",
            "2605.30621",
            0.031,
            Predicted,
            Some("fitted change"),
        )],
        "2" => vec![p(
            "smaller models are consistently more parameter-efficient at unique content within a fixed sampling budget (no number)",
            "2504.12522",
            f64::NAN,
            Predicted,
            Some("slope per decade"),
        )],
        "3" => vec![p(
            "GPT-4 GSM8K 95.5 -> 91.5 -> 89.0 under intrinsic self-correction (secondary)",
            "Huang et al., ICLR 2024",
            0.89,
            Predicted,
            Some("anchored rise"),
        )],
        "4" => vec![
            p(
                "DeepSeek-GRM-27B overall 67.9 at Voting@1 (Table 3)",
                "2504.02495",
                0.679,
                Fitted {
                    file: JUDGING,
                    target: "reward-model benchmarks, DeepSeek-GRM-27B, 1 vote",
                },
                None,
            ),
            p(
                "70.6 at Voting@8 (Table 3)",
                "2504.02495",
                0.706,
                Fitted {
                    file: JUDGING,
                    target: "reward-model benchmarks, DeepSeek-GRM-27B, 8 votes",
                },
                None,
            ),
            p(
                "71.0 at Voting@32 (Tables 2 and 3)",
                "2504.02495",
                0.71,
                Fitted {
                    file: JUDGING,
                    target: "reward-model benchmarks, DeepSeek-GRM-27B, 32 votes",
                },
                None,
            ),
            p(
                "69.9 greedy (Table 2; greedy decoding has no counterpart in the world)",
                "2504.02495",
                0.699,
                Predicted,
                None,
            ),
            p(
                "72.8 with meta-RM guided Voting@32 (Table 2; the world has no meta RM)",
                "2504.02495",
                0.728,
                Predicted,
                None,
            ),
            p(
                "27B with 32 votes comparable to the 671B model greedy (Reward Bench, section 5.2)",
                "2504.02495",
                f64::NAN,
                Predicted,
                Some("64k-token verifier - next tier up"),
            ),
        ],
        "5" => vec![p(
            "compute-optimal allocation more than 4x as efficient as best-of-N",
            "2408.03314",
            4.0,
            Predicted,
            Some("compute efficiency"),
        )],
        "6" => vec![p(
            "FLOPs-matched, the small model outperforms a 14x larger one where it has non-trivial success",
            "2408.03314",
            14.0,
            Predicted,
            Some("bin 0:"),
        )],
        "8" => vec![p(
            "q0 matches a 256-epoch ensemble with ~56 epochs (~4.6x fewer)",
            "2606.03938",
            4.6,
            Predicted,
            Some("pool - copies of one"),
        )],
        "9a" | "9b" => vec![
            p(
                "TravelPlanner (Gemini 1.5 Flash): best-of-N 55.6%",
                "2501.09891",
                0.556,
                Predicted,
                Some("islands - best-of-n"),
            ),
            p(
                "sequential revision+ 82.8%",
                "2501.09891",
                0.828,
                Predicted,
                Some("islands - sequential"),
            ),
            p("Mind Evolution 95.6%", "2501.09891", 0.956, Predicted, None),
        ],
        _ => Vec::new(),
    }
}

/// For a claim whose mechanism is itself an input (1a, 2, 4): what is put in and what the
/// check tests that is not.
pub fn input(id: &str) -> Option<Input> {
    match id {
        "1a" => Some(Input {
            put_in: "the benefit factor b(skill) = invoke x adhere is a formula: invoke is fitted to the \
                     skill-loading rates (published_invoke.toml) and adherence falling with skill is an \
                     assumption (prototype values), so a b that peaks inside the ladder is put in",
            tested: "the gain in solve rate measured through whole runs, with the harness the evolvers \
                     build and tasks matched to each tier, against the same runs with no harness: the \
                     harness's quality per tier, the spread of tasks and the attempt model are not put \
                     in, and the check fails when they flatten the peak",
        }),
        "2" => Some(Input {
            put_in: "larger models' Zipf exponent over candidate modes is higher (zipf_per_decade, an \
                     assumption), so fewer distinct candidates per sample is a monotone function of \
                     what is put in",
            tested: "little: the check decides per sample, whose fall with size is that monotone \
                     function; it tests only that the fall is large enough to resolve over a finite \
                     pool of ideas at the candidate count of the experiment (per dollar, where prices \
                     enter, is reported and not decided on, as price alone makes it fall)",
        }),
        "4" => Some(Input {
            put_in: "reasoning divides the per-vote noise (reasoning_gain, an assumption) while the \
                     item bias every vote shares stays (item_bias, fitted to DeepSeek-GRM's voting \
                     curve, published_judging.toml), so accuracy rising with compute and levelling off \
                     is the judging formula",
            tested: "accuracy on the contested picks among users' samples in whole runs, where the \
                     difficulty of what is judged varies from task to task, and whether a reasoning \
                     verifier reaches the next tier up without reasoning: neither is put in",
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_claim_has_a_table_and_only_the_input_claims_say_so() {
        for c in super::super::all() {
            let figs = of(c.id());
            assert_eq!(figs.is_empty(), c.id() == "7", "claim {}", c.id());
            for f in figs {
                assert!(!f.figure.is_empty() && !f.paper.is_empty());
            }
        }
        let inputs: Vec<&str> = super::super::all()
            .iter()
            .map(|c| c.id())
            .filter(|id| input(id).is_some())
            .collect();
        assert_eq!(inputs, ["1a", "2", "4"]);
    }
}
