//! The simulator behind `triad sweep`: the world model ([`crate::model`]).
//!
//! Each run's resolved scenario table is validated by [`crate::scenario::check_table`] (the
//! same checks as a scenario file) and run by [`crate::model::run`] with the run's seed. The
//! metrics are [`crate::model::RunResult::columns`] (`yield` first, then the rest in a fixed
//! order for a fixed tier list and difficulty bins); the time series are
//! [`crate::model::Series::columns`], one row per `sample_every_hours`, `hour` first.
//!
//! A scenario that fails validation (say a cell where `policy.shares.evolver +
//! policy.shares.verifier > 1`, leaving the users a negative rest) is a failed run whose
//! error names the offending key, and the sweep goes on.

use super::{RunRecord, Simulator};
use crate::scenario::{self, Scenario};

/// The simulator used by `triad sweep`: the world model.
pub fn default_simulator() -> Box<dyn Simulator> {
    Box::new(WorldSimulator)
}

/// Runs a resolved scenario table on the world model.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorldSimulator;

impl WorldSimulator {
    /// Validates a resolved scenario table, with errors as `key: message` (one per
    /// problem, joined by `; `) rather than positions in a file the user never wrote.
    ///
    /// A `[stress]` table (`perturbation`, `severity`, optional `tier`; see
    /// [`scenario::perturb`]) is taken out first; the rest is validated, then put through the
    /// perturbation once, and the result validated again.
    pub fn config(&self, scenario: &toml::Table) -> Result<Scenario, String> {
        scenario::check_table(scenario).map_err(|issues| {
            let msgs: Vec<String> = issues.iter().map(scenario::describe).collect();
            msgs.join("; ")
        })
    }
}

impl Simulator for WorldSimulator {
    fn run(&self, scenario: &toml::Table, seed: u64) -> Result<RunRecord, String> {
        let cfg = self.config(scenario)?;
        let r = cfg
            .run(seed)
            .map_err(|e| format!("the simulation stopped: {e}"))?;
        Ok(RunRecord {
            metrics: r.columns(),
            series: r.series.columns(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short() -> toml::Table {
        toml::from_str(
            "name = \"t\"\nhorizon_hours = 12.0\nsample_every_hours = 6.0\nbudget = 2.0\n[workload]\narrival_per_hour = 5.0\n",
        )
        .unwrap()
    }

    #[test]
    fn runs_the_world_model_deterministically() {
        let sim = WorldSimulator;
        let a = sim.run(&short(), 3).unwrap();
        // Compared as text: undefined metrics are NaN, which never equals itself.
        assert_eq!(
            format!("{a:?}"),
            format!("{:?}", sim.run(&short(), 3).unwrap())
        );
        assert_eq!(a.metrics[0].0, "yield");
        assert_eq!(a.series[0].0, "hour");
        assert!(a.series.iter().any(|(n, _)| n == "harness_quality"));
        assert_eq!(a.series[0].1, vec![0.0, 6.0, 12.0]);
        a.check_shape(None, None).unwrap();
    }

    #[test]
    fn invalid_cells_fail_with_the_key_and_no_file_position() {
        let mut sc = short();
        crate::sweep::plan::set_path(&mut sc, "policy.kind", "static".into()).unwrap();
        crate::sweep::plan::set_path(&mut sc, "policy.shares.evolver", 0.7.into()).unwrap();
        crate::sweep::plan::set_path(&mut sc, "policy.shares.verifier", 0.6.into()).unwrap();
        let e = WorldSimulator.run(&sc, 1).unwrap_err();
        assert!(e.starts_with("policy.shares.user: "), "{e}");
        let mut sc = short();
        sc.insert("horizon_hourz".into(), 3.0.into());
        let e = WorldSimulator.run(&sc, 1).unwrap_err();
        assert!(e.contains("horizon_hourz") && !e.starts_with("t:"), "{e}");
    }
}
