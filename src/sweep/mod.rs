//! Sweeps: expand a grid or a sampled design of scenario and policy parameters into runs,
//! execute them in parallel with common random numbers, and aggregate the results.
//!
//! ```text
//! sweep file --SweepPlan::from_file--> SweepPlan --run_plan / run_indices--> RunRecord per run
//!      (cells x policies x replications)            |
//!                      in-process: Results ---------+--------> files: runs.csv (streamed)
//!                      Summary (mean, CI, paired)            summary.csv, paired.csv, plots
//! ```
//!
//! The world being simulated is behind one trait, [`Simulator`]; the `triad sweep` command
//! takes it from [`default_simulator`], the world model ([`WorldSimulator`]).
//!
//! The modules, in the order of the data: [`plan`] (sweep files read into a [`SweepPlan`],
//! its cells, runs and seeds, shards), [`design`] (sampled points), [`runner`] (runs in
//! parallel, outcomes in index order), [`folder`] (the crash-safe output folder, resumed
//! after a crash), [`csv`] (the columns and summary writers of its CSV files), [`read`]
//! (its files read back and checked, for resume, merge and plot alike),
//! [`summary`] (statistics per cell, policy and metric) and [`merge`] (shard folders joined).
//!
//! ```
//! use triad::sweep::{SweepPlan, run_plan, default_simulator, NoProgress};
//! // A scenario table names only what it changes from the defaults (scenarios/baseline.toml).
//! let base: toml::Table = toml::from_str(
//!     "horizon_hours = 12.0\nbudget = 2.0\n[workload]\narrival_per_hour = 5.0",
//! ).unwrap();
//! let plan = SweepPlan::new("doc", base, vec![], None, vec![], 3, 7).unwrap();
//! let sim = default_simulator();
//! let results = run_plan(&plan, sim.as_ref(), 1, &NoProgress).unwrap();
//! let summary = results.summary(&plan);
//! assert_eq!(summary.rows[0].ci.n, 3);
//! ```

pub mod csv;
mod default_sim;
pub mod design;
pub mod folder;
pub mod merge;
pub mod plan;
pub mod progress;
pub mod read;
pub mod runner;
pub mod summary;

pub use default_sim::{WorldSimulator, default_simulator};
pub use plan::{Axis, Design, Dim, MAX_RUNS, Method, PolicySpec, RunSpec, Shard, SweepPlan};
pub use progress::{NoProgress, Progress};
pub use runner::{Results, RunOutcome, run_indices, run_plan};
pub use summary::{RunRow, RunTable, Summary};

/// Runs one resolved scenario.
pub trait Simulator: Sync {
    /// `scenario` is the fully resolved scenario TOML table (base file + axis overrides +
    /// the policy table at key `policy`). Returns the run's metrics in a fixed column order,
    /// and its time series; an `Err` is recorded as a failed run with its message and never
    /// stops the sweep (a panic is caught and recorded the same way).
    fn run(&self, scenario: &toml::Table, seed: u64) -> Result<RunRecord, String>;
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunRecord {
    /// Metrics in a fixed order, with the same names for every run of a sweep; includes at
    /// least `"yield"`.
    pub metrics: Vec<(String, f64)>,
    /// Time series as columns of equal length; the first column is `"hour"`
    /// (e.g. `("harness_quality", ...)` after it). May be empty.
    pub series: Vec<(String, Vec<f64>)>,
}

impl RunRecord {
    /// The value of metric `name`, if present.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// Checks the record's shape against the sweep's metric and series names (`None` =
    /// not fixed yet); explains the first mismatch.
    pub fn check_shape(
        &self,
        metrics: Option<&[String]>,
        series: Option<&[String]>,
    ) -> Result<(), String> {
        let names: Vec<&str> = self.metrics.iter().map(|(n, _)| n.as_str()).collect();
        if let Some(want) = metrics
            && names.iter().copied().ne(want.iter().map(String::as_str))
        {
            return Err(format!(
                "the run returned metrics {names:?}, but the sweep's columns are {want:?}"
            ));
        }
        if let Some((first, _)) = self.series.first() {
            if first != "hour" {
                return Err(format!(
                    "the first series column must be \"hour\", got {first:?}"
                ));
            }
            let len = self.series[0].1.len();
            if let Some((n, c)) = self.series.iter().find(|(_, c)| c.len() != len) {
                return Err(format!(
                    "series column {n:?} has {} values, \"hour\" has {len}",
                    c.len()
                ));
            }
        }
        if let Some(want) = series {
            let got: Vec<&str> = self
                .series
                .iter()
                .skip(1)
                .map(|(n, _)| n.as_str())
                .collect();
            if !self.series.is_empty() && got.iter().copied().ne(want.iter().map(String::as_str)) {
                return Err(format!(
                    "the run returned series {got:?}, but the sweep's columns are {want:?}"
                ));
            }
        }
        Ok(())
    }
}
