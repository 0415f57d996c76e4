//! The plan of a sweep: cells (a grid of axes crossed with a sampled design) x policies x
//! replications, each run with its resolved scenario and seed.
//!
//! [`SweepPlan`] and its parts live here, with the checks every plan passes however it was
//! built. Reading a sweep file into a plan is in [`parse`] (located errors), turning a plan
//! into runs in [`expand`] (cells, runs, seeds, scenarios), sharing its runs between machines
//! in [`shard`].

use crate::base::Issue;
use crate::scenario::objective::Objective;
use serde::{Deserialize, Serialize};

pub mod cells;
pub mod expand;
pub mod parse;
pub mod shard;

pub use crate::scenario::set_path;
pub use cells::{BaseAt, Feasibility, ParamAt, PlanAt, check_cells};
pub use expand::RunSpec;
pub use parse::{BaseRef, labelled_policies};
pub use shard::Shard;

/// Most runs (cells x policies x replications) one sweep or stress plan may hold: about
/// a day of one-week runs on a 32-core machine. `--no-limits` raises it to
/// [`MAX_RUNS_NO_LIMITS`].
pub const MAX_RUNS: usize = 1_000_000;
/// Most runs with `--no-limits`: past it the plan's own bookkeeping (run indices, the
/// check of every cell) no longer fits a machine's memory and patience.
pub const MAX_RUNS_NO_LIMITS: usize = 100_000_000;
/// Most values of one axis (and severities of a stress plan): finer scans take a sampled
/// `[design]`.
pub const MAX_AXIS_VALUES: usize = 1_000;
/// Most grid axes, and most dimensions of a sampled design.
pub const MAX_AXES: usize = 32;
/// Most parts of a swept dotted path: far deeper than any scenario key (4 parts).
pub const MAX_PATH_PARTS: usize = 16;
/// Most replications per cell and policy.
pub const MAX_REPLICATIONS: u32 = 10_000;
/// Most policies of a plan.
pub const MAX_POLICIES: usize = 1_000;

/// The most runs allowed now: [`MAX_RUNS`], or [`MAX_RUNS_NO_LIMITS`] under `--no-limits`.
pub fn max_runs() -> usize {
    if crate::scenario::bounds::enforced() {
        MAX_RUNS
    } else {
        MAX_RUNS_NO_LIMITS
    }
}

/// A policy of the sweep: a label and the table set at key `policy` of the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySpec {
    /// The label used in outputs.
    pub label: String,
    /// The policy table; `None` keeps the base scenario's own policy.
    pub table: Option<toml::Table>,
}

/// A grid axis: a dotted path and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// Dotted path into the scenario (`arrival`, `policy.shares.evolver`).
    pub path: String,
    /// The values, in order.
    pub values: Vec<toml::Value>,
}

/// How a sampled design was drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Independent uniform points.
    Random,
    /// Latin hypercube.
    Lhs,
    /// Unscrambled Sobol (Joe-Kuo direction numbers), starting at the origin.
    Sobol,
    /// Points given by the code that built the plan (`triad sensitivity`: a Saltelli or
    /// Morris design); not for sweep files.
    Given,
}

/// One dimension of a sampled design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dim {
    /// Dotted path into the scenario.
    pub path: String,
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

/// A sampled design: `n` points over the dims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    /// How the points were drawn.
    pub method: Method,
    /// The dimensions.
    pub dims: Vec<Dim>,
    /// The points, each with one value per dim, already scaled to `[min, max]`.
    pub points: Vec<Vec<f64>>,
}

/// An expanded sweep: everything needed to run it and to read its outputs back.
///
/// Build one from a sweep file ([`SweepPlan::from_file`]) or in code ([`SweepPlan::new`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPlan {
    /// Name (the sweep file's stem), used for the default output folder.
    pub name: String,
    /// Title for the report.
    pub title: String,
    /// The base scenario table.
    pub base: toml::Table,
    /// Grid axes; cells are their cartesian product (first axis slowest), crossed with the
    /// design points (fastest).
    pub axes: Vec<Axis>,
    /// The sampled design, if any.
    pub design: Option<Design>,
    /// The policies.
    pub policies: Vec<PolicySpec>,
    /// Index of the reference policy for paired differences.
    pub reference: usize,
    /// Replications per cell and policy.
    pub replications: u32,
    /// The sweep seed.
    pub seed: u64,
    /// What a policy's best cell is: the cell with the best mean of this metric (default:
    /// the highest mean `yield`). Left out of `plan.json` when it is the default.
    #[serde(default, skip_serializing_if = "Objective::is_default")]
    pub objective: Objective,
}

impl SweepPlan {
    /// A plan built in code. `base` is the scenario; `policies` empty keeps the base's own
    /// policy. Errors name the problem in words (there is no file to point into). The
    /// cells' scenarios are not checked here: [`check_cells`] does, for plans read from a
    /// file; a cell that does not validate is a failed run.
    pub fn new(
        name: &str,
        base: toml::Table,
        axes: Vec<Axis>,
        design: Option<Design>,
        policies: Vec<PolicySpec>,
        replications: u32,
        seed: u64,
    ) -> Result<SweepPlan, String> {
        let policies = if policies.is_empty() {
            vec![own_policy(&base)]
        } else {
            policies
        };
        let plan = SweepPlan {
            name: name.to_string(),
            title: name.to_string(),
            base,
            axes,
            design,
            policies,
            reference: 0,
            replications,
            seed,
            objective: Objective::default(),
        };
        let issues = plan.check();
        if let Some(i) = issues.first() {
            return Err(format!("{}: {}", i.path, i.message));
        }
        Ok(plan)
    }

    /// Problems of an expanded plan: paths, duplicates, the bounds.
    fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let mut paths: Vec<(String, &str, toml::Value)> = Vec::new();
        if self.axes.len() > MAX_AXES {
            issues.push(Issue::new(
                format!("axes.{MAX_AXES}.path"),
                format!(
                    "{} axes, more than the limit of {MAX_AXES}",
                    self.axes.len()
                ),
            ));
        }
        for (i, a) in self.axes.iter().enumerate().take(MAX_AXES + 1) {
            if a.values.len() > MAX_AXIS_VALUES {
                issues.push(Issue::new(
                    format!("axes.{i}.values"),
                    format!(
                        "{} values, more than the limit of {MAX_AXIS_VALUES} per axis; \
                         sample a wide range with a [design] instead",
                        a.values.len()
                    ),
                ));
            }
            if let Some(v) = a.values.first() {
                paths.push((format!("axes.{i}.path"), &a.path, v.clone()));
            } else {
                issues.push(Issue::new(format!("axes.{i}.values"), "is empty"));
            }
        }
        if let Some(d) = &self.design {
            if d.dims.len() > MAX_AXES {
                issues.push(Issue::new(
                    "design.dims",
                    format!(
                        "{} dimensions, more than the limit of {MAX_AXES}",
                        d.dims.len()
                    ),
                ));
            }
            for (i, dim) in d.dims.iter().enumerate().take(MAX_AXES + 1) {
                paths.push((
                    format!("design.dims.{i}.path"),
                    &dim.path,
                    toml::Value::Float(dim.min),
                ));
            }
        }
        if self.policies.len() > MAX_POLICIES {
            issues.push(Issue::new(
                "policies",
                format!(
                    "{} policies, more than the limit of {MAX_POLICIES}",
                    self.policies.len()
                ),
            ));
        }
        if self.replications == 0 {
            issues.push(Issue::new("replications", "must be at least 1"));
        } else if self.replications > MAX_REPLICATIONS {
            issues.push(Issue::new(
                "replications",
                format!(
                    "{} replications, more than the limit of {MAX_REPLICATIONS}",
                    self.replications
                ),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (at, path, v) in &paths {
            if path.is_empty() || path.split('.').any(|p| p.trim().is_empty()) {
                issues.push(Issue::new(
                    at,
                    format!("{path:?} is not a dotted path like \"policy.shares.evolver\""),
                ));
                continue;
            }
            let parts = path.split('.').count();
            if parts > MAX_PATH_PARTS {
                issues.push(Issue::new(
                    at,
                    format!(
                        "a path of {parts} parts, more than the limit of {MAX_PATH_PARTS}; \
                         scenario keys are a few parts deep, like \"policy.shares.evolver\""
                    ),
                ));
                continue;
            }
            if seen.contains(path) {
                issues.push(Issue::new(
                    at,
                    format!("{path:?} is swept twice; each path may vary on one axis or dim"),
                ));
                continue;
            }
            if let Some(outer) = seen.iter().find(|s| {
                path.strip_prefix(**s).is_some_and(|r| r.starts_with('.'))
                    || s.strip_prefix(*path).is_some_and(|r| r.starts_with('.'))
            }) {
                issues.push(Issue::new(
                    at,
                    format!(
                        "{path:?} and {outer:?} are both swept, one inside the other; sweep \
                         one of them"
                    ),
                ));
                continue;
            }
            seen.push(path);
            for (k, p) in self.policies.iter().enumerate() {
                let mut s = self.policy_scenario(k);
                if let Err(e) = set_path(&mut s, path, v.clone()) {
                    issues.push(Issue::new(at, format!("{e} (policy {:?})", p.label)));
                    break;
                }
            }
        }
        let runs = self
            .grid_cells()
            .checked_mul(self.design.as_ref().map_or(1, |d| d.points.len()))
            .and_then(|c| c.checked_mul(self.policies.len()))
            .and_then(|c| c.checked_mul(self.replications as usize));
        let limit = max_runs();
        match runs {
            Some(r) if r <= limit => {}
            _ => issues.push(Issue::new(
                if self.axes.is_empty() {
                    "replications"
                } else {
                    "axes.0.path"
                },
                format!(
                    "the plan has {} runs (cells x policies x replications), more than the \
                     limit of {limit}; use fewer values, a sampled [design] or split it into \
                     several sweeps{}",
                    runs.map_or("too many".to_string(), |r| r.to_string()),
                    if limit == MAX_RUNS {
                        ", or pass --no-limits if you mean it"
                    } else {
                        ""
                    }
                ),
            )),
        }
        issues
    }

    /// A stable fingerprint of the plan (32 hex digits); two plans with the same
    /// fingerprint run the same scenarios with the same seeds.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        crate::engine::fingerprint(json.as_bytes())
    }
}

/// The base scenario's own policy, labelled by its `policy.name` if it has one.
fn own_policy(base: &toml::Table) -> PolicySpec {
    let label = base
        .get("policy")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("base")
        .to_string();
    PolicySpec { label, table: None }
}
