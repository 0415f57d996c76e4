//! Global sensitivity analysis: which uncertain parameters decide an output, by Sobol
//! indices (variance shares) or Morris elementary effects (screening).
//!
//! ```text
//! plan file --plan::load--> SweepPlan (a given design: the Saltelli or Morris points over
//!     |                     the parameters' paths; policies; replications; the Spec as JSON)
//!     |                          | sweep runner through Evaluator (parallel, common random
//!     v                          v numbers, resume, shards, merge)
//! Spec (method, parameters, outputs)      runs.csv
//!                                           | report::finalize: per point, each output's
//!                                           v mean over replications
//!                          analyse::analyse (S1, ST, S2 / mu, mu*, sigma, bootstrap CIs)
//!                                           |
//!          indices.csv, samples.csv, plots, report.md <---+
//! ```
//!
//! The estimators ([`analyse`]) and designs ([`design`]) know nothing of scenarios: a
//! caller with its own model gets indices from a [`Design`], a function over its points
//! and [`indices_of`]. `docs/sensitivity.md` is the user's guide.
//!
//! ```
//! use triad::sensitivity::{Design, Kind, Method, indices_of};
//! // y = x0 + 2 x1 on the unit square: x1 holds 4/5 of the variance.
//! let d = Design::new(Method::Sobol { n: 256, second_order: false }, 2, 1).unwrap();
//! let ix = indices_of(&d, |x| x[0] + 2.0 * x[1], 200, 1).unwrap();
//! let st1 = ix.iter().find(|i| i.kind == Kind::ST && i.param == 1).unwrap();
//! assert!(st1.lo < 0.8 && 0.8 < st1.hi);
//! ```

pub mod analyse;
pub mod design;
pub mod models;
pub mod plan;
pub mod report;

pub use analyse::{Index, Kind, analyse, evaluate, indices_of};
pub use design::{Design, Method};
pub use models::Model;
pub use plan::{Spec, load, spec_of};

use crate::scenario::paths::{lookup, number};
use crate::sweep::plan::set_path;
use crate::sweep::{RunRecord, Simulator, SweepPlan};

/// Runs the points of a sensitivity plan: takes the [`plan::SPEC_KEY`] out of the
/// scenario, turns design values into scenario values (whole numbers, categories), and
/// runs the world, or evaluates the built-in model. Time series are dropped: the analysis
/// reads metrics only.
pub struct Evaluator<'a> {
    spec: Spec,
    world: &'a dyn Simulator,
}

impl std::fmt::Debug for Evaluator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl<'a> Evaluator<'a> {
    /// The evaluator of `plan` (a sensitivity plan: `None` otherwise) on `world`.
    pub fn new(plan: &SweepPlan, world: &'a dyn Simulator) -> Option<Evaluator<'a>> {
        Some(Evaluator {
            spec: spec_of(plan)?,
            world,
        })
    }
}

impl Simulator for Evaluator<'_> {
    fn run(&self, scenario: &toml::Table, seed: u64) -> Result<RunRecord, String> {
        let mut t = scenario.clone();
        t.remove(plan::SPEC_KEY);
        let value = |t: &toml::Table, path: &str| {
            lookup(t, path)
                .and_then(number)
                .ok_or_else(|| format!("the design sets no number at `{path}`"))
        };
        if let Some(m) = &self.spec.model {
            let x = self
                .spec
                .parameters
                .iter()
                .map(|p| value(&t, &p.path))
                .collect::<Result<Vec<f64>, String>>()?;
            return Ok(RunRecord {
                metrics: vec![(plan::MODEL_OUTPUT.to_string(), m.eval(&x))],
                series: Vec::new(),
            });
        }
        for p in &self.spec.parameters {
            if matches!(
                p.scale,
                plan::Scale::Integer { .. } | plan::Scale::Values(_)
            ) {
                let x = value(&t, &p.path)?;
                set_path(&mut t, &p.path, p.scale.scenario_value(x))?;
            }
        }
        let mut r = self.world.run(&t, seed)?;
        r.series.clear();
        Ok(r)
    }
}
