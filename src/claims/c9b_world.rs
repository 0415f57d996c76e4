//! Claim 9b: island evolution beats sequential revision and best-of-n inside the running
//! world, at an equal number of candidates per round and equal spend.

use super::runs::{self, ci, diff};
use super::{Claim, Criterion, Effort, Figure, Measured, Outcome, margin};
use crate::model::evolver::Strategy;
use std::path::Path;

/// The `islands` strategy of evolution rounds against `sequential` and `best-of-n`.
pub(super) struct IslandsInWorld;

/// Most a strategy may spend on evolution and judging, as a multiple of another's, for
/// the comparison to count as one at equal spend.
const SPEND_RATIO: f64 = 1.25;

impl Claim for IslandsInWorld {
    fn id(&self) -> &'static str {
        "9b"
    }
    fn title(&self) -> &'static str {
        "In the running world, island evolution beats sequential revision and best-of-n at equal candidates and spend"
    }
    fn source(&self) -> &'static str {
        "Lee et al., \"Evolving Deeper LLM Thinking\" (Mind Evolution), arXiv 2501.09891 (2025)"
    }
    fn published(&self) -> &'static str {
        "TravelPlanner: best-of-N 55.6%, sequential revision+ 82.8%, Mind Evolution 95.6%; islands 87.5% vs 77.4% without (Trip Planning)"
    }
    fn counter(&self) -> &'static str {
        "no migration (policy.migrate_every = 0): the islands evolve apart and share variants only through resets"
    }

    /// The file is a world scenario whose `static` policy uses `strategy = "islands"`;
    /// the same scenario runs again with `sequential` and with `best-of-n`, every other
    /// key unchanged (candidates per round, anchors, budget and shares), on the same
    /// replications. The score is the traffic-weighted harness quality at the end of the
    /// run (what each strategy's search left deployed); the time average and the yield
    /// are reported beside it.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        if runs::static_params(&mut base.clone())?.strategy != Strategy::Islands {
            anyhow::bail!("claim 9b's scenario must set policy.strategy = \"islands\"");
        }
        let with = |strategy: Strategy| -> anyhow::Result<_> {
            let mut v = base.clone();
            runs::static_params(&mut v)?.strategy = strategy;
            Ok(v)
        };
        let variants = [
            base.clone(),
            with(Strategy::Sequential)?,
            with(Strategy::BestOfN)?,
        ];
        let labels = ["islands", "sequential", "best-of-n"];
        let reps = effort.reps(16, 48);
        let out = runs::replicate(&variants, reps, seed)?;
        let per =
            |name: &str| -> Vec<Vec<f64>> { out.iter().map(|o| runs::metric(o, name)).collect() };
        let (q, q_mean, y) = (
            per("harness_quality_final"),
            per("harness_quality_mean"),
            per("yield"),
        );
        let (evolver, verifier) = (per("spend_evolver"), per("spend_verifier"));
        let (accepted, harmful) = (per("edits_accepted"), per("edits_harmful"));
        let spend: Vec<Vec<f64>> = evolver
            .iter()
            .zip(&verifier)
            .map(|(e, v)| e.iter().zip(v).map(|(a, b)| a + b).collect())
            .collect();
        let mut measured = Vec::new();
        for (i, l) in labels.iter().enumerate() {
            measured.push(Measured::new(
                format!("{l}: harness quality at the end"),
                ci(&q[i]),
            ));
            measured.push(Measured::new(
                format!("{l}: harness quality (time average)"),
                ci(&q_mean[i]),
            ));
            measured.push(Measured::new(format!("{l}: yield"), ci(&y[i])));
            measured.push(Measured::new(
                format!("{l}: evolution and judging spend ($)"),
                ci(&spend[i]),
            ));
            measured.push(Measured::new(
                format!("{l}: edits accepted"),
                ci(&accepted[i]),
            ));
            measured.push(Measured::new(
                format!("{l}: accepted edits that hurt"),
                ci(&harmful[i]),
            ));
        }
        let means: Vec<f64> = spend.iter().map(|s| ci(s).mean).collect();
        let (lo, hi) = means
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(l, h), &m| (l.min(m), h.max(m)));
        let ratio = hi / lo.max(1e-12);
        let mut criteria = vec![Criterion {
            text: format!(
                "equal spend: evolution and judging dollars {} within {SPEND_RATIO}x of each other ({ratio:.2}x)",
                means
                    .iter()
                    .map(|m| format!("{m:.2}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            passed: ratio <= SPEND_RATIO,
            margin: Some(margin::at_most(ratio, SPEND_RATIO)),
        }];
        for i in 1..labels.len() {
            let d = diff(&q[0], &q[i]);
            measured.push(Measured::new(
                format!("islands - {} (quality at the end)", labels[i]),
                d,
            ));
            measured.push(Measured::new(
                format!("islands - {} (yield)", labels[i]),
                diff(&y[0], &y[i]),
            ));
            criteria.push(Criterion {
                text: format!(
                    "islands beat {}: {:.3}, CI [{:.3}, {:.3}] above 0",
                    labels[i], d.mean, d.lo, d.hi
                ),
                passed: d.lo > 0.0,
                margin: Some(margin::above(&d, 0.0)),
            });
        }
        let figure = Figure::Bars {
            title: "Claim 9b: harness quality at the end of the run, equal candidates per round"
                .into(),
            x_label: "evolution strategy".into(),
            y_label: "harness quality at the end (skill units, traffic-weighted)".into(),
            bars: labels
                .iter()
                .map(|l| l.to_string())
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
