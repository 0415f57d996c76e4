//! Sweep files read into a [`SweepPlan`]: every mistake in the file is reported at once,
//! located as `file:line:col: key: message`.
//!
//! [`SweepPlan::from_source`] reads the file's parts one step at a time (base scenario, axes,
//! sampled design, policies, reference), then checks the expanded plan and points what it
//! finds back at the file's keys. [`BaseRef`] and [`labelled_policies`] are shared with
//! stress plans, which have a base and `[[policy]]` tables too.

use super::{
    Axis, BaseAt, Design, Dim, Feasibility, MAX_AXES, MAX_AXIS_VALUES, MAX_POLICIES, Method,
    ParamAt, PlanAt, PolicySpec, SweepPlan, check_cells, max_runs, own_policy,
};
use crate::base::Issue;
use crate::scenario::objective::{Direction, Objective, RawObjective, check_metric};
use crate::scenario::{self, InputError, InputErrors, Overrides, Source};
use crate::sweep::design;
use serde::Deserialize;
use std::path::{Path, PathBuf};

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
    objective: Option<RawObjective>,
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

impl SweepPlan {
    /// Reads and expands a sweep file and checks it whole ([`SweepPlan::load`]); the plan
    /// may hold infeasible cells, whose runs are recorded as failed.
    pub fn from_file(path: &Path) -> Result<SweepPlan, InputErrors> {
        SweepPlan::load(path).map(|(plan, _)| plan)
    }

    /// Reads and expands a sweep file, and checks the scenario of every cell and policy
    /// ([`check_cells`]): every problem that is the file's (or its base scenario file's)
    /// comes back located; the cells that a combination of swept values makes infeasible
    /// are counted in the [`Feasibility`]. `base = "..."` is relative to the file's folder.
    pub fn load(path: &Path) -> Result<(SweepPlan, Feasibility), InputErrors> {
        SweepPlan::load_with(path, &Overrides::default())
    }

    /// [`SweepPlan::load`] with `--set` changes made on the base scenario (a problem of a
    /// change located at its `--set` argument).
    pub fn load_with(
        path: &Path,
        set: &Overrides,
    ) -> Result<(SweepPlan, Feasibility), InputErrors> {
        let src = Source::read(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into());
        SweepPlan::load_source_with(&src, dir, &name, set)
    }

    /// [`SweepPlan::from_file`] for a sweep file's text; `dir` resolves a relative `base`.
    pub fn from_source(src: &Source, dir: &Path, name: &str) -> Result<SweepPlan, InputErrors> {
        SweepPlan::load_source(src, dir, name).map(|(plan, _)| plan)
    }

    /// [`SweepPlan::load`] for a sweep file's text; `dir` resolves a relative `base`.
    pub fn load_source(
        src: &Source,
        dir: &Path,
        name: &str,
    ) -> Result<(SweepPlan, Feasibility), InputErrors> {
        SweepPlan::load_source_with(src, dir, name, &Overrides::default())
    }

    /// [`SweepPlan::load_source`] with `--set` changes made on the base scenario.
    pub fn load_source_with(
        src: &Source,
        dir: &Path,
        name: &str,
        set: &Overrides,
    ) -> Result<(SweepPlan, Feasibility), InputErrors> {
        let file: SweepFile = scenario::read_file(src)?;
        let mut issues = Vec::new();
        let (mut base, base_src) = read_base(file.base.as_ref(), dir, &mut issues)?;
        set.apply(&mut base)?;
        if file.axis.len() > MAX_AXES {
            issues.push(Issue::new(
                format!("axis.{MAX_AXES}"),
                format!(
                    "{} axes, more than the limit of {MAX_AXES}",
                    file.axis.len()
                ),
            ));
        }
        let axes = read_axes(&file.axis, &mut issues);
        let design = file
            .design
            .as_ref()
            .and_then(|d| read_design(d, file.seed, &mut issues));
        if file.policy.len() > MAX_POLICIES {
            issues.push(Issue::new(
                format!("policy.{MAX_POLICIES}"),
                format!(
                    "{} policies, more than the limit of {MAX_POLICIES}",
                    file.policy.len()
                ),
            ));
        }
        let mut policies = labelled_policies(&file.policy, false, |_| Ok(()), &mut issues);
        if file.policy.is_empty() {
            policies.push(own_policy(&base));
        }
        let reference = read_reference(file.reference.as_deref(), &policies, &mut issues);
        if file.replications == 0 {
            issues.push(Issue::new("replications", "must be at least 1"));
        }
        let objective = match &file.objective {
            None => Objective::default(),
            Some(o) => Objective {
                metric: o.metric.clone(),
                direction: Direction::parse(&o.direction).unwrap_or_else(|e| {
                    issues.push(Issue::new("objective.direction", e));
                    Direction::Maximize
                }),
            },
        };
        if !issues.is_empty() {
            return Err(src.locate(&issues).into());
        }

        let axis_at: Vec<usize> = axes.iter().map(|(i, _)| *i).collect();
        let plan = SweepPlan {
            name: name.to_string(),
            title: file.title.clone().unwrap_or_else(|| name.to_string()),
            base,
            axes: axes.into_iter().map(|(_, a)| a).collect(),
            design,
            policies,
            reference,
            replications: file.replications,
            seed: file.seed,
            objective,
        };
        let mut issues: Vec<Issue> = plan
            .check()
            .into_iter()
            .map(|i| at_file_key(i, &axis_at))
            .collect();
        if issues.is_empty()
            && let Some(known) = run_metrics(&plan)
            && let Err(e) = check_metric(&plan.objective.metric, &known)
        {
            issues.push(Issue::new("objective.metric", e));
        }
        if !issues.is_empty() {
            return Err(src.locate(&issues).into());
        }
        let mut params: Vec<ParamAt> = axis_at
            .iter()
            .map(|&n| ParamAt {
                values: if file.axis[n].values.is_some() {
                    format!("axis.{n}.values")
                } else {
                    format!("axis.{n}.range")
                },
                path: format!("axis.{n}.path"),
            })
            .collect();
        if let Some(d) = &plan.design {
            params.extend((0..d.dims.len()).map(|i| ParamAt {
                values: format!("design.dim.{i}"),
                path: format!("design.dim.{i}.path"),
            }));
        }
        let at = PlanAt {
            file: src,
            base: match &base_src {
                Some(b) => BaseAt::File(b),
                None => BaseAt::Inline("base"),
            },
            set: None,
            params,
            policies: (0..plan.policies.len())
                .map(|k| (!file.policy.is_empty()).then(|| format!("policy.{k}")))
                .collect(),
        };
        let feasibility = check_cells(&plan, &at)?;
        Ok((plan, feasibility))
    }
}

/// The metric names a run of `plan` reports, from the scenario of its first cell and
/// policy that validates (the tiers and difficulty bins, which name some metrics, are the
/// same in every cell of a sweep); `None` when no cell of the first few validates (the
/// cells' own check reports why).
fn run_metrics(plan: &SweepPlan) -> Option<Vec<String>> {
    (0..plan.n_cells().min(16)).find_map(|cell| {
        let run = plan.run(plan.run_index(cell, 0, 0));
        let table = plan.scenario(&run).ok()?;
        let sc = scenario::check_table(&table).ok()?;
        Some(scenario::paths::metric_names(&sc))
    })
}

/// Where a sweep or stress file's base scenario is: `base = "file.toml"` (relative to the
/// file's folder) or an inline `[base]` table.
#[derive(Debug, Clone, PartialEq)]
pub enum BaseRef {
    /// A `[base]` table.
    Inline(toml::Table),
    /// A scenario file, its path resolved.
    File(PathBuf),
}

impl BaseRef {
    /// Reads the `base` key of a file in folder `dir`, or says (at key `base`) what is wrong
    /// with it.
    pub fn of(base: Option<&toml::Value>, dir: &Path) -> Result<BaseRef, Issue> {
        match base {
            None => Err(Issue::new(
                "base",
                "missing: give `base = \"scenario.toml\"` (relative to this file) or a [base] table",
            )),
            Some(toml::Value::Table(t)) => Ok(BaseRef::Inline(t.clone())),
            Some(toml::Value::String(p)) => Ok(BaseRef::File(dir.join(p))),
            Some(other) => Err(Issue::new(
                "base",
                format!(
                    "must be a file name (string) or a table, got a {}",
                    other.type_str()
                ),
            )),
        }
    }
}

/// The base scenario table, and its file when it has one; a base file that cannot be read
/// is an issue at `base`, a base file that is not TOML an error located in that file.
fn read_base(
    base: Option<&toml::Value>,
    dir: &Path,
    issues: &mut Vec<Issue>,
) -> Result<(toml::Table, Option<Source>), InputError> {
    match BaseRef::of(base, dir) {
        Ok(BaseRef::Inline(t)) => Ok((t, None)),
        Ok(BaseRef::File(bp)) => match Source::read(&bp) {
            Ok(bs) => Ok((bs.table()?, Some(bs))),
            Err(e) => {
                let msg = e
                    .problems
                    .first()
                    .map_or(String::new(), |p| p.message.clone());
                issues.push(Issue::new("base", format!("{}: {msg}", bp.display())));
                Ok((toml::Table::new(), None))
            }
        },
        Err(i) => {
            issues.push(i);
            Ok((toml::Table::new(), None))
        }
    }
}

/// The grid axes, each with its index in the file (an axis with a problem is left out).
fn read_axes(axes: &[AxisFile], issues: &mut Vec<Issue>) -> Vec<(usize, Axis)> {
    let mut out = Vec::new();
    for (i, a) in axes.iter().enumerate() {
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
        out.push((
            i,
            Axis {
                path: a.path.clone(),
                values,
            },
        ));
    }
    out
}

/// The sampled design drawn with the sweep's `seed`, or `None` when `[design]` has a problem.
fn read_design(d: &DesignFile, seed: u64, issues: &mut Vec<Issue>) -> Option<Design> {
    let before = issues.len();
    if d.n == 0 {
        issues.push(Issue::new("design.n", "must be at least 1"));
    } else if d.n > max_runs() {
        issues.push(Issue::new(
            "design.n",
            format!(
                "{} points is more than the limit of {} runs",
                d.n,
                max_runs()
            ),
        ));
    }
    if d.dim.len() > MAX_AXES {
        issues.push(Issue::new(
            format!("design.dim.{MAX_AXES}"),
            format!(
                "{} dimensions, more than the limit of {MAX_AXES}",
                d.dim.len()
            ),
        ));
    }
    if d.dim.is_empty() {
        issues.push(Issue::new(
            "design",
            "needs at least one [[design.dim]] with path, min and max",
        ));
    }
    if d.method == Method::Given {
        issues.push(Issue::new(
            "design.method",
            "\"given\" designs come from `triad sensitivity` plans; a sweep file takes \
             \"random\", \"lhs\" or \"sobol\"",
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
    (issues.len() == before).then(|| make_design(d.method, d.dim.clone(), d.n, seed))
}

/// The `[[policy]]` tables of a sweep or stress file as labelled policies, in file order.
///
/// Each table's `label` (taken out of the table) names the policy in the outputs and must be
/// unique. A table without one is labelled by its `kind` when `kind_labels` (stress plans)
/// and refused otherwise (sweeps). `check` may refuse a table with a message (reported at
/// `policy.N`). A table with a problem is left out, its problem added to `issues`.
pub fn labelled_policies(
    tables: &[toml::Table],
    kind_labels: bool,
    mut check: impl FnMut(&toml::Table) -> Result<(), String>,
    issues: &mut Vec<Issue>,
) -> Vec<PolicySpec> {
    let mut policies: Vec<PolicySpec> = Vec::new();
    for (i, t) in tables.iter().enumerate() {
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
            None => match t.get("kind").and_then(toml::Value::as_str) {
                Some(k) if kind_labels => k.to_string(),
                _ => {
                    issues.push(Issue::new(
                        format!("policy.{i}"),
                        if kind_labels {
                            "needs a `kind` (see `triad policies`) and a `label` naming it in the outputs"
                        } else {
                            "needs a `label = \"...\"` naming it in the outputs"
                        },
                    ));
                    continue;
                }
            },
        };
        if policies.iter().any(|p| p.label == label) {
            issues.push(Issue::new(
                format!("policy.{i}.label"),
                format!("duplicate label {label:?}: labels must be unique"),
            ));
            continue;
        }
        if let Err(e) = check(&t) {
            issues.push(Issue::new(format!("policy.{i}"), e));
            continue;
        }
        policies.push(PolicySpec {
            label,
            table: Some(t),
        });
    }
    policies
}

/// The index of the reference policy (the first when the file names none).
fn read_reference(
    reference: Option<&str>,
    policies: &[PolicySpec],
    issues: &mut Vec<Issue>,
) -> usize {
    let Some(r) = reference else {
        return 0;
    };
    match policies.iter().position(|p| p.label == r) {
        Some(i) => i,
        None => {
            let labels: Vec<&str> = policies.iter().map(|p| p.label.as_str()).collect();
            issues.push(Issue::new(
                "reference",
                format!("no policy is labelled {r:?}; the labels are {labels:?}"),
            ));
            0
        }
    }
}

/// Points an issue found on the expanded plan back at the file's keys: `axes.K` becomes
/// `axis.N` (the file's index, `axis_at[K]`), `design.dims` becomes `design.dim`.
fn at_file_key(mut i: Issue, axis_at: &[usize]) -> Issue {
    if let Some(rest) = i.path.strip_prefix("axes.") {
        let (k, tail) = rest.split_once('.').unwrap_or((rest, ""));
        if let Some(orig) = k.parse::<usize>().ok().and_then(|k| axis_at.get(k)) {
            i.path = format!("axis.{orig}.{tail}");
        }
    } else if let Some(rest) = i.path.strip_prefix("design.dims") {
        i.path = format!("design.dim{rest}");
    } else if i.path == "policies" {
        i.path = "policy".into();
    }
    i
}

fn make_design(method: Method, dims: Vec<Dim>, n: usize, seed: u64) -> Design {
    let unit = match method {
        Method::Random => design::random(n, dims.len(), seed),
        Method::Lhs => design::lhs(n, dims.len(), seed),
        Method::Sobol => design::sobol(n, dims.len()).unwrap_or_default(),
        Method::Given => Vec::new(),
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
    if count.is_nan() || count > MAX_AXIS_VALUES as f64 {
        return Err((
            "step",
            format!(
                "gives {count} values, more than the limit of {MAX_AXIS_VALUES} per axis; \
                 sample a wide range with a [design] instead"
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<SweepPlan, InputErrors> {
        SweepPlan::from_source(&Source::from_text("s.toml", text), Path::new("."), "s")
    }

    #[test]
    fn ranges_are_inclusive_and_runs_decompose() {
        let p = plan(
            "seed = 3\nreplications = 2\n[base]\nbudget = 1.0\n[[axis]]\npath = \"budget\"\nrange = { start = 0.1, stop = 0.3, step = 0.1 }\n[[axis]]\npath = \"attempts.wrong_answers\"\nrange = { start = 1, stop = 5, step = 2 }\n",
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
            "[base]\n[[axis]]\npath = \"traits.invoke_mid\"\nrange = { start = -0.1, stop = 0.4, step = 0.05 }\n",
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
        assert_eq!(s["attempts"]["wrong_answers"].as_integer(), Some(1));
    }

    fn load(text: &str) -> Result<(SweepPlan, Feasibility), InputErrors> {
        SweepPlan::load_source(&Source::from_text("s.toml", text), Path::new("."), "s")
    }

    const GRID: &str = "[[axis]]\npath = \"policy.shares.evolver\"\nvalues = [0.1, 0.5]\n[[axis]]\npath = \"policy.shares.verifier\"\nvalues = [0.3, 0.6]\n[[policy]]\nlabel = \"a\"\nkind = \"static\"\n";

    /// A mistake in `[base]` is an input error at its line, found before any run; a cell
    /// that only a combination of swept values makes infeasible is not.
    #[test]
    fn base_mistakes_are_located_and_infeasible_cells_are_counted() {
        let e = load(&format!(
            "[base]\nbudgte = 5.0\n[base.workload]\narrival_per_hour = -1\n{GRID}"
        ))
        .unwrap_err();
        let text = e.to_string();
        assert_eq!(e.count(), 2, "{text}");
        assert!(
            text.starts_with("s.toml:2:10: unknown field `budgte`"),
            "{text}"
        );
        assert!(
            text.contains("s.toml:4:20: workload.arrival_per_hour: must be > 0 (got -1)"),
            "{text}"
        );
        let (plan, feas) = load(&format!("[base]\n{GRID}")).unwrap();
        assert_eq!(plan.n_cells(), 4);
        // 0.5 + 0.6 leaves the users a negative rest: one cell of four.
        assert_eq!((feas.checked, feas.infeasible), (4, 1), "{feas:?}");
        assert!(feas.examples[0].contains("policy.shares.user"), "{feas:?}");
    }

    /// A value wrong on its own is an input error at that value; an unknown path at the
    /// axis's path.
    #[test]
    fn axis_mistakes_are_located_at_the_axis() {
        let e = load(
            "[base]\n[[axis]]\npath = \"budget\"\nvalues = [1.0, -2.0]\n[[axis]]\npath = \"budgte\"\nvalues = [1.0]\n",
        )
        .unwrap_err();
        let text = e.to_string();
        assert_eq!(e.count(), 2, "{text}");
        assert!(
            text.contains("s.toml:4:16: budget = -2.0: must be > 0"),
            "{text}"
        );
        assert!(
            text.contains("s.toml:6:8: \"budgte\": unknown field"),
            "{text}"
        );
    }

    #[test]
    fn plans_are_bounded() {
        let deep = vec!["a"; 5000].join(".");
        let e = load(&format!(
            "[base]\n[[axis]]\npath = \"{deep}\"\nvalues = [1]\n"
        ))
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("s.toml:3:8: axis.0.path: a path of 5000 parts"),
            "{e}"
        );
        let e = load(
            "[base]\n[[axis]]\npath = \"budget\"\nrange = { start = 1, stop = 100000, step = 1 }\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("more than the limit of 1000 per axis"),
            "{e}"
        );
        let e = load("replications = 100000\n[base]\n").unwrap_err();
        assert!(e.to_string().contains("s.toml:1:16: replications"), "{e}");
        let e = load("replications = 5000\n[base]\n[[axis]]\npath = \"budget\"\nrange = { start = 1, stop = 300, step = 1 }\n").unwrap_err();
        assert!(e.to_string().contains("1500000 runs"), "{e}");
        let e = load("[base]\n[[axis]]\npath = \"workload\"\nvalues = [1]\n[[axis]]\npath = \"workload.patience_hours\"\nvalues = [1]\n").unwrap_err();
        assert!(e.to_string().contains("one inside the other"), "{e}");
    }

    /// With `base = "file"`, a problem of the base is located in that file.
    #[test]
    fn base_file_problems_are_located_in_the_base_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("b.toml"),
            "horizon_hours = 24.0\nbudget = -1.0\n",
        )
        .unwrap();
        let src = Source::from_text(
            "s.toml",
            "base = \"b.toml\"\n[[axis]]\npath = \"workload.arrival_per_hour\"\nvalues = [1.0, -1.0]\n",
        );
        let e = SweepPlan::from_source(&src, dir.path(), "s").unwrap_err();
        let text = e.to_string();
        assert_eq!(e.0.len(), 2, "{text}");
        assert!(text.contains("b.toml:2:10: budget: must be > 0"), "{text}");
        assert!(
            text.contains("s.toml:4:16: workload.arrival_per_hour = -1.0"),
            "{text}"
        );
    }

    /// An out-of-range seed is named as such, with every other problem of the file.
    #[test]
    fn every_key_and_type_problem_of_a_sweep_file_is_reported() {
        let e = load("seed = -1\nreplications = \"x\"\ntitel = \"t\"\n[base]\n").unwrap_err();
        let text = e.to_string();
        assert_eq!(e.count(), 3, "{text}");
        assert!(
            text.contains(
                "s.toml:1:8: invalid value: integer `-1`, expected a whole number from 0"
            ),
            "{text}"
        );
        assert!(text.contains("did you mean `title`?"), "{text}");
    }
}
