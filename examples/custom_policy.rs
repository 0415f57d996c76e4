//! A policy written outside the crate: fund evolvers in the first week only, then give their
//! share to the users. Runs it on scenarios/baseline.toml beside the static policy and
//! checks that no evolver dollar is spent after day 7.
//!
//! `cargo run --release --example custom_policy`

use triad::model::{self, PerRole, Plan, Policy, Selection, TaskPlan, TaskView, View};

/// Evolvers get `share` of the budget until `until_hour`, nothing afterwards.
struct FirstWeekOnly {
    share: f64,
    until_hour: f64,
}

impl Policy for FirstWeekOnly {
    fn name(&self) -> &str {
        "first-week-only"
    }

    fn start(&mut self, _view: &View<'_>) -> Plan {
        // Only the shares change; tiers, acceptance and the rest keep the defaults, and so
        // will any field a later version of triad adds to Plan.
        Plan {
            shares: PerRole {
                evolver: self.share,
                user: 0.9 - self.share,
                verifier: 0.1,
            },
            ..Plan::default()
        }
    }

    fn epoch(&mut self, view: &View<'_>) -> Option<PerRole<f64>> {
        // New shares re-split what is left of the budget.
        (view.now >= self.until_hour).then_some(PerRole {
            evolver: 0.0,
            user: 0.9,
            verifier: 0.1,
        })
    }

    fn task(&mut self, _task: &TaskView, _view: &View<'_>) -> TaskPlan {
        TaskPlan {
            chains: 1,
            revisions: 1,
            selection: Selection::Verifier,
            skip: false,
        }
    }
}

fn main() -> anyhow::Result<()> {
    let cfg = triad::scenario::load(std::path::Path::new("scenarios/baseline.toml"))?;
    let until_hour = 7.0 * 24.0;
    let mine = model::run(
        &cfg.world,
        Box::new(FirstWeekOnly {
            share: 0.1,
            until_hour,
        }),
        cfg.world.seed,
    )?;
    let stat = cfg.run(cfg.world.seed)?;

    // Evolver spend, column `spend_evolver` of the time series, at the first row after the
    // cut-off and at the end: the same number, since nothing more was spent.
    let col = model::SERIES_COLUMNS
        .iter()
        .position(|c| *c == "spend_evolver")
        .expect("the series has spend_evolver");
    let rows = &mine.series.rows;
    let at_cut = rows
        .iter()
        .find(|r| r[0] > until_hour)
        .map(|r| r[col])
        .expect("the run outlasts a week");
    let at_end = rows.last().map(|r| r[col]).unwrap_or(0.0);
    assert!(at_cut > 0.0, "evolvers spent nothing in the first week");
    assert_eq!(at_cut, at_end, "evolver dollars were spent after day 7");
    assert!(
        mine.metrics.spend.evolver < stat.metrics.spend.evolver,
        "first-week-only spent as much on evolvers as static"
    );

    println!(
        "{}",
        serde_json::json!({
            "policy": "first-week-only",
            "evolver_spend": mine.metrics.spend.evolver,
            "evolver_spend_static": stat.metrics.spend.evolver,
            "yield": mine.metrics.yield_,
            "yield_static": stat.metrics.yield_,
            "harness_quality_final": mine.metrics.quality_final,
        })
    );
    Ok(())
}
