//! Sweep files and their expansion into a plan: cells (a grid of axes crossed with a sampled
//! design) x policies x replications, each run with its resolved scenario and seed.

use crate::base::Issue;
use crate::engine::hash2;
use crate::scenario::{InputError, Source};
use serde::{Deserialize, Serialize};
use std::path::Path;

use super::design;

/// Most runs (cells x policies x replications) one sweep may hold.
pub const MAX_RUNS: usize = 1_000_000;

/// One run of a plan: which cell, policy and replication, and its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpec {
    /// Run index in the plan, from 0: `(cell * policies + policy) * replications + replication`.
    pub index: usize,
    /// Cell index, from 0.
    pub cell: usize,
    /// Policy index, from 0, in the order of the sweep file.
    pub policy: usize,
    /// Replication, from 0.
    pub replication: u32,
    /// The run's seed: `hash2(plan seed, replication)`, the same in every cell and policy
    /// (common random numbers).
    pub seed: u64,
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
/// Build one from a sweep file ([`Plan::from_file`]) or in code ([`Plan::new`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
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
}

/// The sweep file as written (before expansion).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    title: Option<String>,
    base: Option<toml::Value>,
    #[serde(default = "one_u64")]
    seed: u64,
    #[serde(default = "one_u32")]
    replications: u32,
    reference: Option<String>,
    #[serde(default)]
    axis: Vec<AxisFile>,
    design: Option<DesignFile>,
    #[serde(default)]
    policy: Vec<toml::Table>,
}

fn one_u64() -> u64 {
    1
}
fn one_u32() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisFile {
    path: String,
    values: Option<Vec<toml::Value>>,
    range: Option<RangeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeFile {
    start: toml::Value,
    stop: toml::Value,
    step: toml::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DesignFile {
    method: Method,
    n: usize,
    #[serde(default)]
    dim: Vec<Dim>,
}

impl Plan {
    /// A plan built in code. `base` is the scenario; `policies` empty keeps the base's own
    /// policy. Errors name the problem in words (there is no file to point into).
    pub fn new(
        name: &str,
        base: toml::Table,
        axes: Vec<Axis>,
        design: Option<Design>,
        policies: Vec<PolicySpec>,
        replications: u32,
        seed: u64,
    ) -> Result<Plan, String> {
        let policies = if policies.is_empty() {
            vec![own_policy(&base)]
        } else {
            policies
        };
        let plan = Plan {
            name: name.to_string(),
            title: name.to_string(),
            base,
            axes,
            design,
            policies,
            reference: 0,
            replications,
            seed,
        };
        let issues = plan.check();
        if let Some(i) = issues.first() {
            return Err(format!("{}: {}", i.path, i.message));
        }
        Ok(plan)
    }

    /// Reads and expands a sweep file; `base = "..."` is relative to the file's folder.
    pub fn from_file(path: &Path) -> Result<Plan, InputError> {
        let src = Source::read(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into());
        Plan::from_source(&src, dir, &name)
    }

    /// Expands a sweep file's text; `dir` resolves a relative `base` path.
    pub fn from_source(src: &Source, dir: &Path, name: &str) -> Result<Plan, InputError> {
        let file: SweepFile = src.deserialize()?;
        let mut issues = Vec::new();
        let base = match &file.base {
            None => {
                issues.push(Issue::new(
                    "base",
                    "missing: give `base = \"scenario.toml\"` (relative to this file) or a [base] table",
                ));
                toml::Table::new()
            }
            Some(toml::Value::Table(t)) => t.clone(),
            Some(toml::Value::String(p)) => {
                let bp = dir.join(p);
                match Source::read(&bp) {
                    Ok(bs) => bs.table()?,
                    Err(e) => {
                        let msg = e
                            .problems
                            .first()
                            .map_or(String::new(), |p| p.message.clone());
                        issues.push(Issue::new("base", format!("{}: {msg}", bp.display())));
                        toml::Table::new()
                    }
                }
            }
            Some(other) => {
                issues.push(Issue::new(
                    "base",
                    format!(
                        "must be a file name (string) or a table, got a {}",
                        other.type_str()
                    ),
                ));
                toml::Table::new()
            }
        };

        let mut axes = Vec::new();
        for (i, a) in file.axis.iter().enumerate() {
            let at = format!("axis.{i}");
            let values = match (&a.values, &a.range) {
                (Some(_), Some(_)) => {
                    issues.push(Issue::new(&at, "give either `values` or `range`, not both"));
                    continue;
                }
                (None, None) => {
                    issues.push(Issue::new(
                        &at,
                        "needs `values = [...]` or `range = { start, stop, step }`",
                    ));
                    continue;
                }
                (Some(v), None) => {
                    if v.is_empty() {
                        issues.push(Issue::new(
                            format!("{at}.values"),
                            "is empty: give at least one value",
                        ));
                        continue;
                    }
                    v.clone()
                }
                (None, Some(r)) => match expand_range(r) {
                    Ok(v) => v,
                    Err((key, msg)) => {
                        issues.push(Issue::new(format!("{at}.range.{key}"), msg));
                        continue;
                    }
                },
            };
            axes.push((
                i,
                Axis {
                    path: a.path.clone(),
                    values,
                },
            ));
        }

        let mut design = None;
        if let Some(d) = &file.design {
            let before = issues.len();
            if d.n == 0 {
                issues.push(Issue::new("design.n", "must be at least 1"));
            } else if d.n > MAX_RUNS {
                issues.push(Issue::new(
                    "design.n",
                    format!("{} points is more than the cap of {MAX_RUNS} runs", d.n),
                ));
            }
            if d.dim.is_empty() {
                issues.push(Issue::new(
                    "design",
                    "needs at least one [[design.dim]] with path, min and max",
                ));
            }
            if d.method == Method::Sobol && d.dim.len() > design::SOBOL_MAX_DIMS {
                issues.push(Issue::new(
                    "design.dim",
                    format!(
                        "sobol supports at most {} dimensions, got {}; use method = \"lhs\"",
                        design::SOBOL_MAX_DIMS,
                        d.dim.len()
                    ),
                ));
            }
            for (i, dim) in d.dim.iter().enumerate() {
                if !(dim.min.is_finite() && dim.max.is_finite()) || dim.min >= dim.max {
                    issues.push(Issue::new(
                        format!("design.dim.{i}.max"),
                        format!(
                            "must be finite and greater than min (got min {}, max {})",
                            dim.min, dim.max
                        ),
                    ));
                }
            }
            if issues.len() == before {
                design = Some(make_design(d.method, d.dim.clone(), d.n, file.seed));
            }
        }

        // Policies.
        let mut policies = Vec::new();
        for (i, t) in file.policy.iter().enumerate() {
            let mut t = t.clone();
            let label = match t.remove("label") {
                Some(toml::Value::String(s)) if !s.trim().is_empty() => s,
                Some(toml::Value::String(_)) => {
                    issues.push(Issue::new(format!("policy.{i}.label"), "must not be empty"));
                    continue;
                }
                Some(v) => {
                    issues.push(Issue::new(
                        format!("policy.{i}.label"),
                        format!("must be a string, got a {}", v.type_str()),
                    ));
                    continue;
                }
                None => {
                    issues.push(Issue::new(
                        format!("policy.{i}"),
                        "needs a `label = \"...\"` naming it in the outputs",
                    ));
                    continue;
                }
            };
            if policies.iter().any(|p: &PolicySpec| p.label == label) {
                issues.push(Issue::new(
                    format!("policy.{i}.label"),
                    format!("duplicate label {label:?}: labels must be unique"),
                ));
                continue;
            }
            policies.push(PolicySpec {
                label,
                table: Some(t),
            });
        }
        if file.policy.is_empty() {
            policies.push(own_policy(&base));
        }
        let reference = match &file.reference {
            None => 0,
            Some(r) => match policies.iter().position(|p| &p.label == r) {
                Some(i) => i,
                None => {
                    let labels: Vec<&str> = policies.iter().map(|p| p.label.as_str()).collect();
                    issues.push(Issue::new(
                        "reference",
                        format!("no policy is labelled {r:?}; the labels are {labels:?}"),
                    ));
                    0
                }
            },
        };
        if file.replications == 0 {
            issues.push(Issue::new("replications", "must be at least 1"));
        }
        if !issues.is_empty() {
            return Err(src.locate(&issues));
        }

        let axis_at: Vec<usize> = axes.iter().map(|(i, _)| *i).collect();
        let plan = Plan {
            name: name.to_string(),
            title: file.title.clone().unwrap_or_else(|| name.to_string()),
            base,
            axes: axes.into_iter().map(|(_, a)| a).collect(),
            design,
            policies,
            reference,
            replications: file.replications,
            seed: file.seed,
        };
        // Issues found on the expanded plan point back at the file's keys.
        let issues: Vec<Issue> = plan
            .check()
            .into_iter()
            .map(|mut i| {
                if let Some(rest) = i.path.strip_prefix("axes.") {
                    let (k, tail) = rest.split_once('.').unwrap_or((rest, ""));
                    if let Some(orig) = k.parse::<usize>().ok().and_then(|k| axis_at.get(k)) {
                        i.path = format!("axis.{orig}.{tail}");
                    }
                } else if let Some(rest) = i.path.strip_prefix("design.dims.") {
                    i.path = format!("design.dim.{rest}");
                }
                i
            })
            .collect();
        if !issues.is_empty() {
            return Err(src.locate(&issues));
        }
        Ok(plan)
    }

    /// Problems of an expanded plan: paths, duplicates, the run cap.
    fn check(&self) -> Vec<Issue> {
        let mut issues = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut paths: Vec<(String, &str, toml::Value)> = Vec::new();
        for (i, a) in self.axes.iter().enumerate() {
            if let Some(v) = a.values.first() {
                paths.push((format!("axes.{i}.path"), &a.path, v.clone()));
            } else {
                issues.push(Issue::new(format!("axes.{i}.values"), "is empty"));
            }
        }
        if let Some(d) = &self.design {
            for (i, dim) in d.dims.iter().enumerate() {
                paths.push((
                    format!("design.dims.{i}.path"),
                    &dim.path,
                    toml::Value::Float(dim.min),
                ));
            }
        }
        for (at, path, v) in &paths {
            if path.is_empty() || path.split('.').any(|p| p.trim().is_empty()) {
                issues.push(Issue::new(
                    at,
                    format!("{path:?} is not a dotted path like \"policy.shares.evolver\""),
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
            seen.push(path);
            for p in &self.policies {
                let mut s = self.base.clone();
                if let Some(t) = &p.table {
                    s.insert("policy".into(), toml::Value::Table(t.clone()));
                }
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
        match runs {
            Some(r) if r <= MAX_RUNS => {}
            _ => issues.push(Issue::new(
                if self.axes.is_empty() {
                    "replications"
                } else {
                    "axes.0.path"
                },
                format!(
                    "the sweep has {} runs (cells x policies x replications), more than the cap of {MAX_RUNS}; \
                     use fewer values, a sampled [design] or split it into several sweeps",
                    runs.map_or("too many".to_string(), |r| r.to_string())
                ),
            )),
        }
        issues
    }

    fn grid_cells(&self) -> usize {
        self.axes
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.values.len()))
            .unwrap_or(usize::MAX)
    }

    /// Number of cells: grid cells x design points.
    pub fn n_cells(&self) -> usize {
        self.grid_cells() * self.design.as_ref().map_or(1, |d| d.points.len())
    }

    /// Number of runs: cells x policies x replications.
    pub fn n_runs(&self) -> usize {
        self.n_cells() * self.policies.len() * self.replications as usize
    }

    /// The dotted paths that vary between cells: axes, then design dims.
    pub fn params(&self) -> Vec<String> {
        let mut v: Vec<String> = self.axes.iter().map(|a| a.path.clone()).collect();
        if let Some(d) = &self.design {
            v.extend(d.dims.iter().map(|d| d.path.clone()));
        }
        v
    }

    /// Index along each axis of `cell`'s grid position, and its design point.
    pub fn cell_position(&self, cell: usize) -> (Vec<usize>, usize) {
        let n_design = self.design.as_ref().map_or(1, |d| d.points.len());
        let point = cell % n_design;
        let mut rest = cell / n_design;
        let mut idx = vec![0; self.axes.len()];
        for (k, a) in self.axes.iter().enumerate().rev() {
            idx[k] = rest % a.values.len();
            rest /= a.values.len();
        }
        (idx, point)
    }

    /// The parameter values of `cell`, in the order of [`Plan::params`].
    pub fn cell_values(&self, cell: usize) -> Vec<toml::Value> {
        let (idx, point) = self.cell_position(cell);
        let mut v: Vec<toml::Value> = self
            .axes
            .iter()
            .zip(&idx)
            .map(|(a, &i)| a.values[i].clone())
            .collect();
        if let Some(d) = &self.design {
            v.extend(d.points[point].iter().map(|&x| toml::Value::Float(x)));
        }
        v
    }

    /// The seed of replication `r`: the same in every cell and policy.
    pub fn replication_seed(&self, r: u32) -> u64 {
        hash2(self.seed, r as u64)
    }

    /// Run `index` of the plan.
    pub fn run(&self, index: usize) -> RunSpec {
        let reps = self.replications as usize;
        let per_cell = self.policies.len() * reps;
        let rem = index % per_cell;
        let replication = (rem % reps) as u32;
        RunSpec {
            index,
            cell: index / per_cell,
            policy: rem / reps,
            replication,
            seed: self.replication_seed(replication),
        }
    }

    /// The resolved scenario of a run: base, then the policy table at key `policy`, then the
    /// cell's parameter values.
    pub fn scenario(&self, run: &RunSpec) -> Result<toml::Table, String> {
        let mut s = self.base.clone();
        if let Some(t) = &self.policies[run.policy].table {
            s.insert("policy".into(), toml::Value::Table(t.clone()));
        }
        for (path, v) in self.params().iter().zip(self.cell_values(run.cell)) {
            set_path(&mut s, path, v)?;
        }
        Ok(s)
    }

    /// A stable fingerprint of the plan (32 hex digits); two plans with the same
    /// fingerprint run the same scenarios with the same seeds.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let (mut a, mut b) = (0x7472_6961_645F_706Cu64, 0x616E_5F68_6173_6821u64);
        for chunk in json.as_bytes().chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            let x = u64::from_le_bytes(w);
            a = hash2(a, x);
            b = hash2(b ^ 0xA5A5_A5A5_A5A5_A5A5, x.rotate_left(29));
        }
        a = hash2(a, json.len() as u64);
        b = hash2(b, json.len() as u64);
        format!("{a:016x}{b:016x}")
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

fn make_design(method: Method, dims: Vec<Dim>, n: usize, seed: u64) -> Design {
    let unit = match method {
        Method::Random => design::random(n, dims.len(), seed),
        Method::Lhs => design::lhs(n, dims.len(), seed),
        Method::Sobol => design::sobol(n, dims.len()).unwrap_or_default(),
    };
    let points = unit
        .into_iter()
        .map(|u| {
            u.iter()
                .zip(&dims)
                .map(|(x, d)| d.min + x * (d.max - d.min))
                .collect()
        })
        .collect();
    Design {
        method,
        dims,
        points,
    }
}

/// Expands `range = { start, stop, step }`, inclusive of `stop` within a tolerance of
/// 1e-9 steps; float values are rounded to 15 significant digits (and to 0 within 1e-9
/// steps of it), so they print as written. All integers give integers. Errors name the
/// offending key.
fn expand_range(r: &RangeFile) -> Result<Vec<toml::Value>, (&'static str, String)> {
    let num = |v: &toml::Value, key: &'static str| -> Result<f64, (&'static str, String)> {
        match v {
            toml::Value::Integer(i) => Ok(*i as f64),
            toml::Value::Float(f) if f.is_finite() => Ok(*f),
            other => Err((
                key,
                format!("must be a finite number, got {}", other.type_str()),
            )),
        }
    };
    let (start, stop, step) = (
        num(&r.start, "start")?,
        num(&r.stop, "stop")?,
        num(&r.step, "step")?,
    );
    if step == 0.0 {
        return Err(("step", "must not be zero".into()));
    }
    if (stop - start) * step < 0.0 {
        return Err((
            "step",
            format!(
                "has the wrong sign: from {start} to {stop} needs a {} step, got {step}",
                if stop > start { "positive" } else { "negative" }
            ),
        ));
    }
    let count = ((stop - start) / step + 1e-9).floor() + 1.0;
    if count.is_nan() || count > MAX_RUNS as f64 {
        return Err((
            "step",
            format!("gives {count} values, more than the cap of {MAX_RUNS} runs"),
        ));
    }
    let count = count as usize;
    if let (toml::Value::Integer(a), toml::Value::Integer(_), toml::Value::Integer(s)) =
        (&r.start, &r.stop, &r.step)
    {
        return Ok((0..count as i64)
            .map(|i| toml::Value::Integer(a + i * s))
            .collect());
    }
    Ok((0..count)
        .map(|i| {
            let x = start + i as f64 * step;
            let x = if (x - stop).abs() <= 1e-9 * step.abs() {
                stop
            } else if x.abs() <= 1e-9 * step.abs() {
                0.0
            } else {
                round_sig(x, 15)
            };
            toml::Value::Float(x)
        })
        .collect())
}

/// `x` rounded to `digits` significant decimal digits, so that `0.1 + 2 * 0.05` is `0.2`
/// rather than `0.20000000000000004`: range values are meant as the decimals written.
fn round_sig(x: f64, digits: usize) -> f64 {
    let s = format!("{x:.*e}", digits.saturating_sub(1));
    s.parse().unwrap_or(x)
}

/// Sets the value at a dotted `path` in `table`, creating missing tables on the way; array
/// elements are addressed by index. A parent that exists but is neither a table nor an
/// array is an error.
pub fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut root = toml::Value::Table(std::mem::take(table));
    let r = set_in(&mut root, path, value);
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    r
}

fn set_in(root: &mut toml::Value, path: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut cur = root;
    let mut walked = String::new();
    for (k, part) in parts.iter().enumerate() {
        let last = k + 1 == parts.len();
        let here = walked.clone();
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(part);
        cur = match cur {
            toml::Value::Table(t) => {
                if last {
                    t.insert(part.to_string(), value);
                    return Ok(());
                }
                t.entry(part.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            }
            toml::Value::Array(a) => {
                let Some(i) = part.parse::<usize>().ok().filter(|&i| i < a.len()) else {
                    return Err(format!(
                        "`{here}` is an array of {} elements; `{part}` is not an index into it",
                        a.len()
                    ));
                };
                if last {
                    a[i] = value;
                    return Ok(());
                }
                &mut a[i]
            }
            other => {
                return Err(format!(
                    "the parent `{here}` of `{path}` is a {} in the scenario, not a table",
                    other.type_str()
                ));
            }
        };
    }
    Ok(())
}

/// A deterministic share of a plan's runs: shard `k` of `n` (1-based) takes the run indices
/// `i` with `i % n == k - 1` (round robin, so every shard gets a similar mix of cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 1.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

impl Shard {
    /// The whole plan.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parses `K/N` with `1 <= K <= N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes K/N with 1 <= K <= N, like 2/8 (got {s:?})");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// This shard's run indices among `runs`, in order.
    pub fn indices(&self, runs: usize) -> Vec<usize> {
        (self.k - 1..runs).step_by(self.n).collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<Plan, InputError> {
        Plan::from_source(&Source::from_text("s.toml", text), Path::new("."), "s")
    }

    #[test]
    fn ranges_are_inclusive_and_runs_decompose() {
        let p = plan(
            "seed = 3\nreplications = 2\n[base]\narrival = 1.0\n[[axis]]\npath = \"arrival\"\nrange = { start = 0.1, stop = 0.3, step = 0.1 }\n[[axis]]\npath = \"servers\"\nrange = { start = 1, stop = 5, step = 2 }\n",
        )
        .unwrap();
        assert_eq!(
            p.axes[0].values,
            vec![
                toml::Value::Float(0.1),
                toml::Value::Float(0.2),
                toml::Value::Float(0.3)
            ]
        );
        assert_eq!(p.axes[1].values.len(), 3);
        let q = plan(
            "[base]\na = 1.0\n[[axis]]\npath = \"a\"\nrange = { start = -0.1, stop = 0.4, step = 0.05 }\n",
        )
        .unwrap();
        let v: Vec<String> = q.axes[0].values.iter().map(|v| v.to_string()).collect();
        assert_eq!(
            v.join(" "),
            "-0.1 -0.05 0.0 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4"
        );
        assert_eq!(p.n_runs(), 18);
        let r = p.run(13);
        assert_eq!((r.cell, r.policy, r.replication), (6, 0, 1));
        assert_eq!(p.cell_position(5), (vec![1, 2], 0));
        assert_eq!(r.seed, p.run(1).seed);
        let s = p.scenario(&r).unwrap();
        assert_eq!(s["servers"].as_integer(), Some(1));
    }

    #[test]
    fn set_path_creates_tables_and_refuses_scalars() {
        let mut t: toml::Table = toml::from_str("a = 1\n[b]\nc = [1, 2]\n").unwrap();
        set_path(&mut t, "x.y.z", toml::Value::Integer(4)).unwrap();
        set_path(&mut t, "b.c.1", toml::Value::Integer(9)).unwrap();
        assert_eq!(t["x"]["y"]["z"].as_integer(), Some(4));
        assert_eq!(t["b"]["c"][1].as_integer(), Some(9));
        assert!(set_path(&mut t, "a.q", toml::Value::Integer(1)).is_err());
        assert!(set_path(&mut t, "b.c.7", toml::Value::Integer(1)).is_err());
    }
}
