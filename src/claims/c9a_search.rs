//! Claim 9a: island search beats sequential revision and best-of-n at equal evaluations,
//! in the harness-search mechanism.

use super::runs::{self, ci, diff};
use super::{Claim, Counter, Criterion, Effort, Figure, Measured, Outcome, margin};
use crate::model::search::{SearchConfig, SearchStrategy, search};
use rayon::prelude::*;
use std::path::Path;

/// Search strategies at equal candidate evaluations.
pub(super) struct IslandSearch;

impl Claim for IslandSearch {
    fn id(&self) -> &'static str {
        "9a"
    }
    fn title(&self) -> &'static str {
        "In harness search, islands beat sequential revision and best-of-n at equal evaluations, and need migration"
    }
    fn source(&self) -> &'static str {
        "Lee et al., \"Evolving Deeper LLM Thinking\" (Mind Evolution), arXiv 2501.09891 (2025)"
    }
    fn published(&self) -> &'static str {
        "TravelPlanner: best-of-N 55.6%, sequential revision+ 82.8%, Mind Evolution 95.6%; islands 87.5% vs 77.4% without (Trip Planning)"
    }
    fn counter(&self) -> &'static str {
        "conjunctive tasks (per-section feedback carries no information), or blind crossover"
    }
    fn counters(&self) -> Vec<Counter> {
        vec![
            Counter {
                stem: "counter",
                mechanism: "conjunctive tasks that need every section right at once (landscape.conjunctive = true): per-section feedback carries no information",
            },
            Counter {
                stem: "counter_blind",
                mechanism: "blind crossover, each section from a parent at random (strategy.guided = false)",
            },
        ]
    }

    /// The file is a search scenario (`docs/model.md`, harness search); its strategy is
    /// the island search compared. Every strategy meets the same landscape per replication
    /// and spends the same number of evaluations; the score is the true fitness of what
    /// each returns.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base: SearchConfig = crate::scenario::load_search(file)?;
        let SearchStrategy::Islands {
            islands,
            children,
            population,
            emigrants: _,
            reset_every,
            reset_islands,
            guided,
        } = base.strategy.clone()
        else {
            anyhow::bail!("claim 9a's scenario must use strategy kind = \"islands\"");
        };
        let no_migration = SearchStrategy::Islands {
            islands,
            children,
            population,
            emigrants: 0,
            reset_every,
            reset_islands,
            guided,
        };
        let chains = (base.evaluations / 80).max(1);
        let strategies = [
            ("islands".to_string(), base.strategy.clone()),
            (
                format!("sequential ({chains} chains)"),
                SearchStrategy::sequential(chains),
            ),
            ("best-of-n".to_string(), SearchStrategy::BestOfN),
            ("islands, no migration".to_string(), no_migration),
        ];
        let reps = effort.reps(60, 200);
        let fit: Vec<Vec<f64>> = strategies
            .iter()
            .map(|(_, s)| {
                let cfg = SearchConfig {
                    strategy: s.clone(),
                    ..base.clone()
                };
                (0..reps)
                    .into_par_iter()
                    .map(|r| {
                        runs::stop_if_asked()?;
                        Ok(search(&cfg, runs::seed_of(seed, r))?.fitness)
                    })
                    .collect::<anyhow::Result<Vec<f64>>>()
            })
            .collect::<Result<_, _>>()?;
        let mut measured: Vec<Measured> = strategies
            .iter()
            .zip(&fit)
            .map(|((n, _), f)| Measured::new(format!("{n}: success"), ci(f)))
            .collect();
        let mut criteria = Vec::new();
        for i in 1..strategies.len() {
            let d = diff(&fit[0], &fit[i]);
            measured.push(Measured::new(format!("islands - {}", strategies[i].0), d));
            criteria.push(Criterion {
                text: format!(
                    "islands beat {}: {:.3}, CI [{:.3}, {:.3}] above 0",
                    strategies[i].0, d.mean, d.lo, d.hi
                ),
                passed: d.lo > 0.0,
                margin: Some(margin::above(&d, 0.0)),
            });
        }
        let figure = Figure::Bars {
            title: format!(
                "Claim 9a: success of the returned harness at {} evaluations",
                base.evaluations
            ),
            x_label: "search strategy".into(),
            y_label: "true success rate of the returned harness (share of tasks)".into(),
            bars: strategies
                .iter()
                .map(|(n, _)| n.clone())
                .zip(fit.iter().map(|f| ci(f)))
                .collect(),
            bounds: super::RATE,
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}
