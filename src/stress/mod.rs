//! Stress tests: how allocation policies break when the world turns against them, in the
//! spirit of robust decision making (worst case and regret rather than the mean alone).
//!
//! ```text
//! scenario or stress plan --plan::load--> SweepPlan (axes stress.perturbation x
//!      |                                  stress.severity; policies; replications)
//!      |                                        | sweep runner (parallel, CRN, resume,
//!      v                                        v  shards): scenario loading applies the
//! scenario::perturb::apply  <-- [stress] table of each run, once
//!                                               |
//!                      runs.csv --analysis::analyse--> mean yield, worst case, CVaR 10%,
//!                                                      regret; rankings (numbers)
//!                                                           |
//!                               report: CSVs + plots <------+------> markdown: report.md
//! ```
//!
//! A stress plan is an ordinary sweep plan whose two axes carry the perturbation: `triad
//! stress FILE --shard K/N` and `triad merge` work as for sweeps, and the folder's
//! `plan.json` holds the unperturbed base (each run's `[stress]` table is applied once, when
//! its scenario is loaded). `docs/stress.md` is the user's guide.

pub mod analysis;
pub mod markdown;
mod once;
pub mod plan;
pub mod report;

pub use analysis::{Analysis, Criterion, analyse};
pub use once::OnceAtZero;

/// The axis that carries the perturbation's name.
pub const AXIS_PERTURBATION: &str = "stress.perturbation";
/// The axis that carries the severity.
pub const AXIS_SEVERITY: &str = "stress.severity";

/// Whether a sweep plan is a stress plan (its axes are the perturbation and severity).
pub fn is_stress_plan(plan: &crate::sweep::SweepPlan) -> bool {
    analysis::axes(plan).is_some()
}
