//! Claim 7: funding evolution by user struggle beats every static evolver share when the
//! task regime shifts.

use super::runs::{self, ci, diff};
use super::{Claim, Counter, Criterion, Effort, Figure, Measured, Outcome, margin};
use crate::policy::{PolicyConfig, Shares, StruggleParams};
use std::path::Path;

/// Struggle-adaptive evolver funding against a ladder of static shares.
pub(super) struct Struggle;

/// Static evolver shares compared.
const SHARES: [f64; 7] = [0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1];

impl Claim for Struggle {
    fn id(&self) -> &'static str {
        "7"
    }
    fn title(&self) -> &'static str {
        "Struggle-adaptive evolver funding beats every static evolver share under regime shifts"
    }
    fn source(&self) -> &'static str {
        "the seed notes (no single paper)"
    }
    fn published(&self) -> &'static str {
        "none: fund harness evolution when agents visibly struggle on hard, novel regimes; starve it when the harness carries the load"
    }
    fn counter(&self) -> &'static str {
        "a harness no user invokes (traits.invoke_mid = 10): what evolvers add cannot reach the tasks"
    }
    fn counters(&self) -> Vec<Counter> {
        vec![Counter {
            stem: "counter_unused",
            mechanism: self.counter(),
        }]
    }

    /// The scenario's policy must be `struggle-adaptive`; its verifier share is kept for
    /// every static variant, whose evolver share runs over a ladder and whose users get
    /// the rest. Every variant meets the same tasks. Struggle-adaptive must beat each
    /// static share on yield, with a paired interval above zero.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        let Some(p) = base.policy.params::<StruggleParams>() else {
            anyhow::bail!("claim 7's scenario must use kind = \"struggle-adaptive\"");
        };
        let verifier = p.common.shares.verifier;
        let mut variants = vec![base.clone()];
        for e in SHARES {
            let mut c = base.clone();
            let mut s = p.base();
            s.common.shares = Shares {
                evolver: e,
                user: None,
                verifier,
            };
            s.common.candidates_per_round = p.common.candidates_per_round;
            c.policy = PolicyConfig::new(s);
            variants.push(c);
        }
        let reps = effort.reps(40, 40);
        let out = runs::replicate(&variants, reps, seed)?;
        let y: Vec<Vec<f64>> = out.iter().map(|o| runs::metric(o, "yield")).collect();
        let labels: Vec<String> = std::iter::once("struggle-adaptive".to_string())
            .chain(SHARES.iter().map(|e| format!("static {e}")))
            .collect();
        let mut measured: Vec<Measured> = labels
            .iter()
            .zip(&y)
            .map(|(l, x)| Measured::new(format!("{l}: yield"), ci(x)))
            .collect();
        let best = (1..y.len())
            .max_by(|&a, &b| ci(&y[a]).mean.total_cmp(&ci(&y[b]).mean))
            .unwrap_or(1);
        let mut beaten = Vec::new();
        let mut not_beaten = Vec::new();
        let mut diffs = Vec::new();
        for i in 1..y.len() {
            let d = diff(&y[0], &y[i]);
            diffs.push((
                format!("{}{}", labels[i], if i == best { ", the best" } else { "" }),
                d,
            ));
            if i == best {
                measured.push(Measured::new(
                    format!("struggle-adaptive - best static ({})", labels[i]),
                    d,
                ));
            }
            if d.lo > 0.0 {
                beaten.push(labels[i].clone())
            } else {
                not_beaten.push(format!(
                    "{} ({:.0} [{:.0}, {:.0}])",
                    labels[i], d.mean, d.lo, d.hi
                ))
            }
        }
        let b = diff(&y[0], &y[best]);
        let criteria = vec![
            Criterion {
                text: format!(
                    "struggle-adaptive beats the best static share ({}): {:.0} more yield ({:+.2}%), CI [{:.0}, {:.0}] above 0",
                    labels[best],
                    b.mean,
                    100.0 * b.mean / ci(&y[best]).mean,
                    b.lo,
                    b.hi
                ),
                passed: b.lo > 0.0,
                margin: Some(margin::above(&b, 0.0)),
            },
            Criterion {
                text: if not_beaten.is_empty() {
                    format!("and every other static share ({} shares)", SHARES.len())
                } else {
                    format!("static shares not beaten: {}", not_beaten.join(", "))
                },
                passed: not_beaten.is_empty(),
                margin: Some(margin::least(
                    diffs.iter().map(|(_, d)| margin::above(d, 0.0)),
                )),
            },
        ];
        let figure = Figure::Difference {
            title: "Claim 7: yield of struggle-adaptive minus each static evolver share (paired)"
                .into(),
            x_label: "static policy compared (evolver share of the budget)".into(),
            y_label: "yield difference (value of tasks solved, 95% CI)".into(),
            diffs,
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}
