//! Claim 8: a pool of diverse cheap evolvers beats one strong evolver at equal cost.

use super::runs::{self, ci, diff};
use super::{Claim, Criterion, Effort, Figure, Measured, Outcome, margin};
use std::path::Path;

/// A pool of evolvers against single evolvers at equal evolver spend.
pub(super) struct Pool;

impl Claim for Pool {
    fn id(&self) -> &'static str {
        "8"
    }
    fn title(&self) -> &'static str {
        "A pool of diverse cheap evolvers beats one strong evolver at equal cost"
    }
    fn source(&self) -> &'static str {
        "Mandal et al., \"q0\", arXiv 2606.03938 (2026); Kim et al., arXiv 2509.14786 (2025)"
    }
    fn published(&self) -> &'static str {
        "q0 matches a 256-epoch ensemble with ~56 epochs (~4.6x fewer); ensembles reach a lower loss asymptote"
    }
    fn counter(&self) -> &'static str {
        "every model ranks the modes alike (evolver.ranking_correlation = 1)"
    }

    /// The scenario's policy names the pool of different models: `tiers.evolver` plus
    /// `evolver_pool`. Beside it, with the same evolver dollars: a pool of as many copies
    /// of its first tier (copies of one model share its ranking of ideas), and one
    /// evolver of the strongest tier of the ladder. Evolution is paced by the evolver
    /// account, so equal dollars mean equal cost. Compared on harness quality averaged
    /// over the run (how soon good edits arrive, which is what users feel) and on yield.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        let mut pool = base.clone();
        let (first, size) = {
            let p = runs::static_params(&mut pool)?;
            (p.tiers.evolver.clone(), p.evolver_pool.len() + 1)
        };
        if size < 2 {
            anyhow::bail!("claim 8 needs a pool: list extra evolver tiers in policy.evolver_pool");
        }
        let mut same = base.clone();
        {
            let p = runs::static_params(&mut same)?;
            p.evolver_pool = vec![first.clone(); size - 1];
        }
        let strongest = (0..base.world.tiers.len())
            .max_by(|&a, &b| {
                base.world.tiers[a]
                    .skill
                    .total_cmp(&base.world.tiers[b].skill)
            })
            .unwrap_or(0);
        let strong_name = base.world.tiers[strongest].name.clone();
        let mut strong = same.clone();
        runs::static_params(&mut strong)?.tiers.evolver = strong_name.clone();
        let reps = effort.reps(24, 64);
        let out = runs::replicate(&[pool, same, strong], reps, seed)?;
        let q: Vec<Vec<f64>> = out
            .iter()
            .map(|o| runs::metric(o, "harness_quality_mean"))
            .collect();
        let y: Vec<Vec<f64>> = out.iter().map(|o| runs::metric(o, "yield")).collect();
        let spend: Vec<Vec<f64>> = out
            .iter()
            .map(|o| runs::metric(o, "spend_evolver"))
            .collect();
        let distinct: Vec<Vec<f64>> = out
            .iter()
            .map(|o| runs::metric(o, "edits_distinct"))
            .collect();
        let labels = [
            format!("pool of {size} models"),
            format!("{size} copies of {first}"),
            format!("one {strong_name}"),
        ];
        let mut measured = Vec::new();
        for i in 0..3 {
            measured.push(Measured::new(
                format!("{}: harness quality (time average)", labels[i]),
                ci(&q[i]),
            ));
            measured.push(Measured::new(
                format!("{}: distinct edits", labels[i]),
                ci(&distinct[i]),
            ));
            measured.push(Measured::new(
                format!("{}: evolver spend ($)", labels[i]),
                ci(&spend[i]),
            ));
        }
        let vs_same = diff(&q[0], &q[1]);
        let vs_strong = diff(&q[0], &q[2]);
        let y_strong = diff(&y[0], &y[2]);
        measured.push(Measured::new("pool - copies of one (quality)", vs_same));
        measured.push(Measured::new("pool - strong single (quality)", vs_strong));
        measured.push(Measured::new("pool - strong single (yield)", y_strong));
        let spend_ratio = ci(&spend[0]).mean / ci(&spend[2]).mean.max(1e-12);
        let criteria = vec![
            Criterion {
                text: format!(
                    "equal cost: pool / strong evolver spend {spend_ratio:.2} within [0.8, 1.25]"
                ),
                passed: (0.8..=1.25).contains(&spend_ratio),
                margin: Some(margin::within(spend_ratio, 0.8, 1.25)),
            },
            Criterion {
                text: format!(
                    "the pool of models beats {size} copies of {first} at equal cost: {:.3}, CI [{:.3}, {:.3}] above 0",
                    vs_same.mean, vs_same.lo, vs_same.hi
                ),
                passed: vs_same.lo > 0.0,
                margin: Some(margin::above(&vs_same, 0.0)),
            },
            Criterion {
                text: format!(
                    "the pool beats one {strong_name} at equal cost: {:.3}, CI [{:.3}, {:.3}] above 0",
                    vs_strong.mean, vs_strong.lo, vs_strong.hi
                ),
                passed: vs_strong.lo > 0.0,
                margin: Some(margin::above(&vs_strong, 0.0)),
            },
        ];
        let figure = Figure::Bars {
            title: "Claim 8: harness quality (time average) at equal evolver spend".into(),
            x_label: "evolvers".into(),
            y_label: "harness quality, time average (skill units)".into(),
            bars: labels
                .iter()
                .cloned()
                .zip(q.iter().map(|x| ci(x)))
                .collect(),
            bounds: None,
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}
