//! Claim 2: small models give more distinct candidates per sample.

use super::runs::{self, ci, diff, slopes};
use super::{Claim, Criterion, Effort, Figure, Measured, Outcome, margin};
use crate::report::plot::PointPanel;
use std::path::Path;

/// Distinct candidate edits per sample and per dollar, by evolver tier.
pub(super) struct Diversity;

impl Claim for Diversity {
    fn id(&self) -> &'static str {
        "2"
    }
    fn title(&self) -> &'static str {
        "Small models give more distinct candidates per sample and per dollar"
    }
    fn source(&self) -> &'static str {
        "Shypula et al., arXiv 2504.12522 (2025); Hassid et al., arXiv 2404.00725 (2024)"
    }
    fn published(&self) -> &'static str {
        "smaller models are consistently more parameter-efficient at producing unique content within a fixed sampling budget"
    }
    fn counter(&self) -> &'static str {
        "equal output concentration for every size (traits.zipf_per_decade = 0)"
    }

    /// Every tier proposes the same number of candidates against a frozen harness. The
    /// check is per sample, where price cannot decide it: distinct candidates per
    /// candidate must fall with log10(parameters). Per dollar is reported beside it (price
    /// alone would make it fall).
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        let mut order: Vec<usize> = (0..base.world.tiers.len()).collect();
        order.sort_by(|&a, &b| {
            base.world.tiers[a]
                .params_b
                .total_cmp(&base.world.tiers[b].params_b)
        });
        let variants: Vec<_> = order
            .iter()
            .map(|&t| {
                let mut c = base.clone();
                c.world.harness.frozen = true;
                let name = c.world.tiers[t].name.clone();
                runs::static_params(&mut c).map(|p| p.tiers.evolver = name)?;
                Ok(c)
            })
            .collect::<anyhow::Result<_>>()?;
        let reps = effort.reps(24, 64);
        let out = runs::replicate(&variants, reps, seed)?;
        let per_sample: Vec<Vec<f64>> = out
            .iter()
            .map(|o| {
                let d = runs::metric(o, "edits_distinct");
                let p = runs::metric(o, "edits_proposed");
                d.iter().zip(&p).map(|(d, p)| d / p.max(1.0)).collect()
            })
            .collect();
        let per_dollar: Vec<Vec<f64>> = out
            .iter()
            .map(|o| {
                let d = runs::metric(o, "edits_distinct");
                let s = runs::metric(o, "spend_evolver");
                d.iter().zip(&s).map(|(d, s)| d / s.max(1e-12)).collect()
            })
            .collect();
        let logp: Vec<f64> = order
            .iter()
            .map(|&t| base.world.tiers[t].params_b.log10())
            .collect();
        let slope = ci(&slopes(&logp, &per_sample));
        let names: Vec<String> = order
            .iter()
            .map(|&t| base.world.tiers[t].name.clone())
            .collect();
        let cis: Vec<_> = per_sample.iter().map(|x| ci(x)).collect();
        let mut measured: Vec<Measured> = names
            .iter()
            .zip(&cis)
            .map(|(n, c)| Measured::new(format!("distinct per sample {n}"), *c))
            .collect();
        let dollar_cis: Vec<_> = per_dollar.iter().map(|x| ci(x)).collect();
        for (n, c) in names.iter().zip(&dollar_cis) {
            measured.push(Measured::new(format!("distinct per dollar {n}"), *c));
        }
        measured.push(Measured::new("slope per decade of parameters", slope));
        // No step up the ladder may raise diversity significantly.
        let rises: Vec<String> = (1..per_sample.len())
            .filter(|&i| diff(&per_sample[i], &per_sample[i - 1]).lo > 0.0)
            .map(|i| format!("{} > {}", names[i], names[i - 1]))
            .collect();
        let criteria = vec![
            Criterion {
                text: format!(
                    "distinct candidates per sample fall with size: slope {:.3} per decade, CI [{:.3}, {:.3}] below 0",
                    slope.mean, slope.lo, slope.hi
                ),
                passed: slope.hi < 0.0,
                margin: Some(margin::below(&slope, 0.0)),
            },
            Criterion {
                text: if rises.is_empty() {
                    "no larger tier is significantly more diverse than the next smaller one".into()
                } else {
                    format!("significant rises: {}", rises.join(", "))
                },
                passed: rises.is_empty(),
                margin: Some(margin::least((1..per_sample.len()).map(|i| {
                    margin::not_above(&diff(&per_sample[i], &per_sample[i - 1]), 0.0)
                }))),
            },
        ];
        let figure = Figure::Points {
            title: "Claim 2: distinct candidate edits per sample and per dollar, by evolver tier"
                .into(),
            x_label: "evolver tier (smallest to largest)".into(),
            categories: names,
            panels: vec![
                PointPanel {
                    title: "per sample".into(),
                    y_label: "distinct candidates per candidate (share)".into(),
                    series: vec![("per sample".into(), cis)],
                    bounds: super::RATE,
                    zero_line: false,
                },
                PointPanel {
                    title: "per dollar".into(),
                    y_label: "distinct candidates per evolver dollar".into(),
                    series: vec![("per dollar".into(), dollar_cis)],
                    bounds: Some((0.0, f64::INFINITY)),
                    zero_line: false,
                },
            ],
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}
