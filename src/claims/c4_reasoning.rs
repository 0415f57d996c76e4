//! Claim 4: verifier accuracy, and the yield that depends on it, rises with reasoning
//! tokens, with diminishing returns.

use super::runs::{self, ci, diff, slopes};
use super::{Claim, Counter, Criterion, Effort, Figure, Measured, Outcome, margin};
use crate::report::plot::PointPanel;
use std::path::Path;

/// Verifier accuracy over reasoning tokens.
pub(super) struct Reasoning;

/// Reasoning tokens per vote compared.
const TOKENS: [f64; 5] = [0.0, 1000.0, 4000.0, 16000.0, 64000.0];

impl Claim for Reasoning {
    fn id(&self) -> &'static str {
        "4"
    }
    fn title(&self) -> &'static str {
        "Verifier accuracy rises with reasoning tokens, with diminishing returns"
    }
    fn source(&self) -> &'static str {
        "DeepSeek-GRM, arXiv 2504.02495; RM-R1, arXiv 2505.02387; RRM, arXiv 2505.14674 (2025)"
    }
    fn published(&self) -> &'static str {
        "DeepSeek-GRM 69.9 greedy -> 71.0 voting@32 -> 72.8 meta-RM; a 27B model with 32 samples ~ 671B greedy"
    }
    fn counter(&self) -> &'static str {
        "reasoning that does not reduce judging noise, or no bias shared by an item's votes"
    }
    fn counters(&self) -> Vec<Counter> {
        vec![
            Counter {
                stem: "counter_reasoning",
                mechanism: "reasoning that does not reduce judging noise (traits.reasoning_gain = 0)",
            },
            Counter {
                stem: "counter_bias",
                mechanism: "no bias shared by all votes on an item (traits.item_bias = 0): compute removes all of the noise",
            },
        ]
    }

    /// Users draw several samples and the scenario's verifier picks one; the verifier's
    /// accuracy is the share of contested picks (right and wrong answers both present)
    /// that were right. Reasoning tokens per vote vary; a larger verifier without
    /// reasoning is run beside it.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        let mut variants = Vec::new();
        for r in TOKENS {
            let mut c = base.clone();
            runs::static_params(&mut c)?.reasoning_tokens = r;
            variants.push(c);
        }
        // The next tier up, without reasoning.
        let mut big = base.clone();
        let own = runs::tier(
            &base,
            &runs::static_params(&mut big)?.tiers.verifier.clone(),
        )?;
        let up = (0..base.world.tiers.len())
            .filter(|&t| base.world.tiers[t].skill > base.world.tiers[own].skill)
            .min_by(|&a, &b| {
                base.world.tiers[a]
                    .skill
                    .total_cmp(&base.world.tiers[b].skill)
            });
        if let Some(up) = up {
            let p = runs::static_params(&mut big)?;
            p.tiers.verifier = base.world.tiers[up].name.clone();
            p.reasoning_tokens = 0.0;
            variants.push(big);
        }
        let reps = effort.reps(16, 48);
        let out = runs::replicate(&variants, reps, seed)?;
        let acc: Vec<Vec<f64>> = out
            .iter()
            .map(|o| runs::metric(o, "verifier_accuracy"))
            .collect();
        let yld: Vec<Vec<f64>> = out.iter().map(|o| runs::metric(o, "yield")).collect();
        let x: Vec<f64> = TOKENS.iter().map(|r| (1.0 + r / 1000.0).log2()).collect();
        let slope = ci(&slopes(&x, &acc[..TOKENS.len()]));
        let early = diff(&acc[2], &acc[0]);
        let late = diff(&acc[4], &acc[3]);
        let returns = ci(&early_minus_late(&acc));
        let mut measured = Vec::new();
        for (i, r) in TOKENS.iter().enumerate() {
            measured.push(Measured::new(
                format!("accuracy at {r} tokens"),
                ci(&acc[i]),
            ));
        }
        measured.push(Measured::new(
            "accuracy slope per doubling of (1 + tokens/1000)",
            slope,
        ));
        measured.push(Measured::new("gain 0 -> 4k tokens", early));
        measured.push(Measured::new("gain 16k -> 64k tokens", late));
        // Saturation: from 16k to 64k tokens the per-vote noise shrinks by the factor
        // `shrink`; an error that came from that noise alone would shrink at least as much
        // (a misordering of a right and a wrong answer, Φ(-gap / noise), falls faster than
        // the noise once the gap exceeds it). Saturation is an error that shrinks less: a
        // floor that more reasoning does not reach.
        let gain = base.world.traits.reasoning_gain;
        let noise = |r: f64| 1.0 / (1.0 + gain * r / 1000.0).sqrt();
        let shrink = (noise(TOKENS[4]) / noise(TOKENS[3])).ln();
        let floor: Vec<f64> = (0..reps)
            .map(|r| ((1.0 - acc[4][r]) / (1.0 - acc[3][r])).ln() - shrink)
            .collect();
        let floor = ci(&floor);
        measured.push(Measured::new(
            "ln(error at 64k / at 16k) - ln(per-vote noise ratio)",
            floor,
        ));
        let yield_gain = diff(&yld[4], &yld[0]);
        measured.push(Measured::new("yield gain 0 -> 64k tokens", yield_gain));
        let mut criteria = vec![
            Criterion {
                text: format!(
                    "accuracy rises with reasoning: slope {:.4}, CI [{:.4}, {:.4}] above 0",
                    slope.mean, slope.lo, slope.hi
                ),
                passed: slope.lo > 0.0,
                margin: Some(margin::above(&slope, 0.0)),
            },
            Criterion {
                text: format!(
                    "with diminishing returns: (0 -> 4k) - (16k -> 64k) = {:.4}, CI [{:.4}, {:.4}] above 0",
                    returns.mean, returns.lo, returns.hi
                ),
                passed: returns.lo > 0.0,
                margin: Some(margin::above(&returns, 0.0)),
            },
            Criterion {
                text: format!(
                    "it saturates: from 16k to 64k tokens the error shrinks less than the per-vote noise (factor {:.3}); ln-ratio difference {:.4}, CI [{:.4}, {:.4}] above 0",
                    shrink.exp(),
                    floor.mean,
                    floor.lo,
                    floor.hi
                ),
                passed: floor.lo > 0.0,
                margin: Some(margin::above(&floor, 0.0)),
            },
        ];
        if acc.len() > TOKENS.len() {
            let small = diff(&acc[TOKENS.len() - 1], &acc[TOKENS.len()]);
            measured.push(Measured::new(
                "64k-token verifier - next tier up without reasoning",
                small,
            ));
            criteria.push(Criterion {
                text: format!(
                    "a reasoning verifier matches the next tier up without reasoning: {:.4}, CI [{:.4}, {:.4}] reaches 0 or above",
                    small.mean, small.lo, small.hi
                ),
                passed: small.hi >= 0.0,
                margin: Some(margin::reaches(&small, 0.0)),
            });
        }
        let own_name = &base.world.tiers[own].name;
        let mut series = vec![(
            format!("verifier {own_name}"),
            acc[..TOKENS.len()]
                .iter()
                .map(|a| ci(a))
                .collect::<Vec<_>>(),
        )];
        if let (Some(up), Some(a)) = (up, acc.get(TOKENS.len())) {
            let mut v = vec![ci(&[]); TOKENS.len()];
            v[0] = ci(a);
            series.push((
                format!("verifier {} (next tier up)", base.world.tiers[up].name),
                v,
            ));
        }
        let figure = Figure::Points {
            title: format!(
                "Claim 4: verifier accuracy over reasoning tokens (verifier {own_name})"
            ),
            x_label: "reasoning tokens per vote".into(),
            categories: TOKENS
                .iter()
                .map(|&t| {
                    if t >= 1000.0 {
                        format!("{}k", t / 1000.0)
                    } else {
                        format!("{t}")
                    }
                })
                .collect(),
            panels: vec![PointPanel {
                title: String::new(),
                y_label: "accuracy on contested picks (share right, 95% CI)".into(),
                series,
                bounds: super::RATE,
                zero_line: false,
            }],
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}

/// Per replication: (accuracy at 4k - at 0) - (at 64k - at 16k).
fn early_minus_late(acc: &[Vec<f64>]) -> Vec<f64> {
    (0..acc[0].len())
        .map(|r| (acc[2][r] - acc[0][r]) - (acc[4][r] - acc[3][r]))
        .collect()
}
