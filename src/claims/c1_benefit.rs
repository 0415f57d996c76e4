//! Claim 1, user side: harness benefit is an inverted U over user tiers.

use super::runs::{self, ci, diff, minus, scale};
use super::{Claim, Criterion, Effort, Figure, Measured, Outcome, margin};
use std::path::Path;

/// Harness benefit per user tier.
pub(super) struct Benefit;

impl Claim for Benefit {
    fn id(&self) -> &'static str {
        "1a"
    }
    fn title(&self) -> &'static str {
        "Harness benefit is an inverted U over user tiers, peaking at a mid tier"
    }
    fn source(&self) -> &'static str {
        "Lin et al., \"Harness Updating Is Not Harness Benefit\", arXiv 2605.30621 (2026)"
    }
    fn published(&self) -> &'static str {
        "mid-tier user gain +19.3 pp vs weak-tier +4.4 pp; weak models load the skill 25% of the time, strong ones ~96%"
    }
    fn counter(&self) -> &'static str {
        "adherence that does not fall with skill (traits.adhere_floor = 1)"
    }

    /// Every tier of the scenario is the user in turn, on tasks matched to its own level,
    /// once with the scenario's harness and once with none; the benefit is the paired
    /// difference of solve rates (same tasks, same draws).
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        let mut order: Vec<usize> = (0..base.world.tiers.len()).collect();
        order.sort_by(|&a, &b| {
            base.world.tiers[a]
                .skill
                .total_cmp(&base.world.tiers[b].skill)
        });
        let mut variants = Vec::new();
        for &t in &order {
            for harness in [true, false] {
                let mut c = base.clone();
                let name = c.world.tiers[t].name.clone();
                runs::static_params(&mut c)?.tiers.user = name;
                if !harness {
                    c.world.harness.initial_quality = 0.0;
                }
                variants.push(c);
            }
        }
        let reps = effort.reps(16, 48);
        let out = runs::replicate(&variants, reps, seed)?;
        let gains: Vec<Vec<f64>> = (0..order.len())
            .map(|i| {
                scale(
                    &minus(
                        &runs::metric(&out[2 * i], "solve_rate"),
                        &runs::metric(&out[2 * i + 1], "solve_rate"),
                    ),
                    100.0,
                )
            })
            .collect();
        let names: Vec<String> = order
            .iter()
            .map(|&t| base.world.tiers[t].name.clone())
            .collect();
        let cis: Vec<_> = gains.iter().map(|g| ci(g)).collect();
        let peak = (0..cis.len())
            .max_by(|&a, &b| cis[a].mean.total_cmp(&cis[b].mean))
            .unwrap_or(0);
        let last = cis.len() - 1;
        let interior = peak > 0 && peak < last;
        let vs_weak = diff(&gains[peak], &scale(&gains[0], 3.0));
        let vs_strong = diff(&gains[peak], &gains[last]);
        let mut measured: Vec<Measured> = names
            .iter()
            .zip(&cis)
            .map(|(n, c)| Measured::new(format!("benefit {n} (pp)"), *c))
            .collect();
        measured.push(Measured::new(
            format!("{} - 3 x {} (pp)", names[peak], names[0]),
            vs_weak,
        ));
        measured.push(Measured::new(
            format!("{} - {} (pp)", names[peak], names[last]),
            vs_strong,
        ));
        let criteria = vec![
            Criterion {
                text: format!("benefit peaks at an interior tier (peak: {})", names[peak]),
                passed: interior,
                margin: Some(margin::flag(interior)),
            },
            Criterion {
                text: format!(
                    "peak >= 3 x weakest tier: {} - 3 x {} = {:.1} pp, CI [{:.1}, {:.1}] above 0",
                    names[peak], names[0], vs_weak.mean, vs_weak.lo, vs_weak.hi
                ),
                passed: vs_weak.lo > 0.0,
                margin: Some(margin::above(&vs_weak, 0.0)),
            },
            Criterion {
                text: format!(
                    "strongest tier below the peak: {} - {} = {:.1} pp, CI [{:.1}, {:.1}] above 0",
                    names[peak], names[last], vs_strong.mean, vs_strong.lo, vs_strong.hi
                ),
                passed: interior && vs_strong.lo > 0.0,
                margin: Some(if interior {
                    margin::above(&vs_strong, 0.0)
                } else {
                    -1.0
                }),
            },
        ];
        let figure = Figure::Bars {
            title: "Claim 1a: harness benefit by user tier (tasks matched to each tier)".into(),
            x_label: "user tier".into(),
            y_label: "gain in solve rate from the harness (pp)".into(),
            bars: names.into_iter().zip(cis).collect(),
            bounds: None,
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}
