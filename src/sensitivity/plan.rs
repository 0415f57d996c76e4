//! Sensitivity plans: the file read, checked (every problem located to `file:line:col`,
//! before any run), and expanded into a sweep plan whose sampled design is the analysis's
//! design, so the sweep machinery runs it (threads, resume, shards, merge).
//!
//! The analysis itself ([`Spec`]) travels inside the sweep plan, as JSON at key
//! [`SPEC_KEY`] of its base table: a folder's `plan.json` alone says how to analyse its
//! runs (`triad merge` and `triad plot` finalize a sensitivity folder from it), and the
//! plan's fingerprint covers it. [`super::Evaluator`] takes the key out before a run.

use super::design::{Design, Method};
use super::models::Model;
use crate::base::Issue;
use crate::scenario::paths::{by_tier_name, lookup, metric_names, unknown};
use crate::scenario::{InputError, InputErrors, Problem, Source};
use crate::sweep::plan::{Design as SweepDesign, Dim, Method as SweepMethod, labelled_policies};
use crate::sweep::{PolicySpec, SweepPlan, WorldSimulator};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The key of a sensitivity plan's base table that holds its [`Spec`] as JSON.
pub const SPEC_KEY: &str = "sensitivity";
/// The output of a built-in model.
pub const MODEL_OUTPUT: &str = "y";
/// Default bootstrap resamples.
pub const DEFAULT_RESAMPLES: usize = 1000;
/// Default threshold on a total index's lower bound for a parameter to matter.
pub const DEFAULT_THRESHOLD: f64 = 0.05;
/// Most runs of a plan (points x policies x replications).
pub const MAX_RUNS: usize = 2_000_000;

/// How a parameter's unit-cube coordinate `u` becomes its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// `lo + u (hi - lo)`.
    Uniform {
        /// Low end.
        lo: f64,
        /// High end.
        hi: f64,
    },
    /// `lo (hi / lo)^u`: uniform in the logarithm.
    Log {
        /// Low end (> 0).
        lo: f64,
        /// High end.
        hi: f64,
    },
    /// A whole number key: each of `lo..=hi` on an equal share of `[0, 1]`.
    Integer {
        /// Low end.
        lo: i64,
        /// High end.
        hi: i64,
    },
    /// Categorical: each value on an equal share of `[0, 1]`, in order.
    Values(Vec<toml::Value>),
}

impl Scale {
    /// The number the sweep design records for `u`: the value itself, or for integers and
    /// categories the value's index among the choices' (`lo + index` for integers).
    pub fn design_value(&self, u: f64) -> f64 {
        let pick = |k: usize| ((u * k as f64).floor() as usize).min(k - 1);
        match self {
            Scale::Uniform { lo, hi } => lo + u * (hi - lo),
            Scale::Log { lo, hi } => (lo.ln() + u * (hi.ln() - lo.ln())).exp(),
            Scale::Integer { lo, hi } => (*lo + pick((hi - lo + 1) as usize) as i64) as f64,
            Scale::Values(v) => pick(v.len()) as f64,
        }
    }

    /// The scenario value of a design value ([`Scale::design_value`]).
    pub fn scenario_value(&self, x: f64) -> toml::Value {
        match self {
            Scale::Uniform { .. } | Scale::Log { .. } => toml::Value::Float(x),
            Scale::Integer { .. } => toml::Value::Integer(x.round() as i64),
            Scale::Values(v) => v[(x.round().max(0.0) as usize).min(v.len() - 1)].clone(),
        }
    }

    /// The ends of the design values.
    fn bounds(&self) -> (f64, f64) {
        match self {
            Scale::Uniform { lo, hi } | Scale::Log { lo, hi } => (*lo, *hi),
            Scale::Integer { lo, hi } => (*lo as f64, *hi as f64),
            Scale::Values(v) => (0.0, (v.len() - 1) as f64),
        }
    }

    /// How the report describes it.
    pub fn describe(&self) -> String {
        use crate::base::fmt::num;
        match self {
            Scale::Uniform { lo, hi } => format!("uniform on [{}, {}]", num(*lo), num(*hi)),
            Scale::Log { lo, hi } => format!("log-uniform on [{}, {}]", num(*lo), num(*hi)),
            Scale::Integer { lo, hi } => format!("whole numbers {lo} to {hi}"),
            Scale::Values(v) => format!(
                "one of {}",
                v.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// One uncertain parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// The path as the plan wrote it (the name in outputs).
    pub name: String,
    /// The path into the scenario (tiers by index).
    pub path: String,
    /// Its distribution.
    pub scale: Scale,
}

/// One output: a metric of one policy's runs, or the paired difference of two policies'
/// (common random numbers: the same seeds), averaged over the replications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The name in outputs.
    pub name: String,
    /// The run metric.
    pub metric: String,
    /// The policy, by index in the plan.
    pub policy: usize,
    /// The policy subtracted, replication by replication.
    pub minus: Option<usize>,
}

/// Everything the analysis needs besides the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// Title for the report.
    pub title: String,
    /// A built-in test model instead of the world.
    pub model: Option<Model>,
    /// The design.
    pub method: Method,
    /// The parameters, in the design's column order.
    pub parameters: Vec<Parameter>,
    /// The outputs.
    pub outputs: Vec<Output>,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// A parameter matters for an output when the lower end of its total index's (Sobol)
    /// or mu*'s (Morris, relative to the largest mu*) interval is above this.
    pub threshold: f64,
    /// The plan's seed (design, runs, bootstrap).
    pub seed: u64,
}

impl Spec {
    /// The design of the plan, in the unit cube.
    pub fn design(&self) -> Result<Design, String> {
        Design::new(self.method, self.parameters.len(), self.seed)
    }
}

/// The [`Spec`] of a sweep plan built by [`load`], or `None` for other plans.
pub fn spec_of(plan: &SweepPlan) -> Option<Spec> {
    let json = plan.base.get(SPEC_KEY)?.as_str()?;
    serde_json::from_str(json).ok()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    title: Option<String>,
    base: Option<String>,
    model: Option<String>,
    a: Option<toml::Value>,
    b: Option<f64>,
    method: String,
    n: usize,
    #[serde(default)]
    second_order: bool,
    levels: Option<u32>,
    #[serde(default = "one_u32")]
    replications: u32,
    #[serde(default = "one_u64")]
    seed: u64,
    resamples: Option<usize>,
    threshold: Option<f64>,
    #[serde(default)]
    set: std::collections::BTreeMap<String, toml::Value>,
    #[serde(default)]
    policy: Vec<toml::Table>,
    #[serde(default)]
    parameter: Vec<RawParameter>,
    #[serde(default)]
    output: Vec<RawOutput>,
}

fn one_u32() -> u32 {
    1
}
fn one_u64() -> u64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    path: String,
    range: Option<[f64; 2]>,
    scale: Option<String>,
    values: Option<Vec<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    name: Option<String>,
    metric: String,
    policy: Option<String>,
    minus: Option<String>,
}

/// Reads and checks the plan at `path` and expands it into a sweep plan; `base` is
/// relative to the plan's folder.
pub fn load(path: &Path) -> Result<SweepPlan, InputErrors> {
    let src = Source::read(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sensitivity".into());
    parse(&src, dir, &name)
}

/// [`load`] for a plan's text; `dir` resolves a relative `base`.
pub fn parse(src: &Source, dir: &Path, name: &str) -> Result<SweepPlan, InputErrors> {
    let raw: RawPlan = src.deserialize()?;
    let mut issues: Vec<Issue> = Vec::new();
    let method = match raw.method.as_str() {
        "sobol" => Method::Sobol {
            n: raw.n,
            second_order: raw.second_order,
        },
        "morris" => Method::Morris {
            trajectories: raw.n,
            levels: raw.levels.unwrap_or(4),
        },
        other => {
            issues.push(Issue::new(
                "method",
                format!("unknown method {other:?}: \"sobol\" or \"morris\""),
            ));
            Method::Sobol {
                n: raw.n,
                second_order: false,
            }
        }
    };
    if raw.second_order && raw.method == "morris" {
        issues.push(Issue::new(
            "second_order",
            "only a Sobol analysis has second-order indices",
        ));
    }
    if raw.levels.is_some() && raw.method == "sobol" {
        issues.push(Issue::new(
            "levels",
            "only a Morris analysis has grid levels",
        ));
    }
    if raw.replications == 0 || raw.replications > crate::sweep::plan::MAX_REPLICATIONS {
        issues.push(Issue::new(
            "replications",
            format!(
                "must be in 1..={} (got {})",
                crate::sweep::plan::MAX_REPLICATIONS,
                raw.replications
            ),
        ));
    }
    let resamples = raw.resamples.unwrap_or(DEFAULT_RESAMPLES);
    if !(2..=100_000).contains(&resamples) {
        issues.push(Issue::new(
            "resamples",
            format!("must be in 2..=100000 (got {resamples})"),
        ));
    }
    let threshold = raw.threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(threshold.is_finite() && (0.0..1.0).contains(&threshold)) {
        issues.push(Issue::new(
            "threshold",
            format!("must be in [0, 1) (got {threshold})"),
        ));
    }
    // The world or a model: its base table, parameters, metrics and policies.
    let (base, params, metrics, policies, model) = match (&raw.base, &raw.model) {
        (Some(_), Some(_)) => {
            issues.push(Issue::new(
                "model",
                "give `base` (a scenario) or `model`, not both",
            ));
            return Err(src.locate(&issues).into());
        }
        (None, None) => {
            issues.push(Issue::new(
                "",
                "missing `base = \"scenario.toml\"` (relative to this file), or `model = \
                 \"ishigami\"` or \"sobol-g\" (a built-in test function)",
            ));
            return Err(src.locate(&issues).into());
        }
        (None, Some(m)) => {
            let model = read_model(m, raw.a.as_ref(), raw.b, &mut issues);
            if !raw.set.is_empty() {
                issues.push(Issue::new(
                    "set",
                    "a built-in model has no scenario to set keys of",
                ));
            }
            if !raw.parameter.is_empty() {
                issues.push(Issue::new(
                    "parameter",
                    "a built-in model's parameters are its inputs x1, x2, ... on their own \
                     ranges; remove the [[parameter]] tables",
                ));
            }
            if !raw.policy.is_empty() {
                issues.push(Issue::new("policy", "a built-in model has no policies"));
            }
            let Some(model) = model else {
                return Err(src.locate(&issues).into());
            };
            let (lo, hi) = model.range();
            let params = model
                .inputs()
                .into_iter()
                .map(|x| Parameter {
                    name: x.clone(),
                    path: x,
                    scale: Scale::Uniform { lo, hi },
                })
                .collect();
            let base = toml::Table::new();
            let policies = vec![PolicySpec {
                label: "model".into(),
                table: None,
            }];
            (
                base,
                params,
                vec![MODEL_OUTPUT.to_string()],
                policies,
                Some(model),
            )
        }
        (Some(b), None) => {
            if raw.a.is_some() || raw.b.is_some() {
                issues.push(Issue::new(
                    "a",
                    "`a` and `b` are coefficients of a built-in model",
                ));
            }
            let base_path = dir.join(b);
            let scenario = match crate::scenario::load(&base_path) {
                Ok(sc) => sc,
                Err(e) => {
                    let at = src.offset_of("base");
                    let (line, col) = src.line_col(at);
                    let mut first = InputError {
                        file: src.name().to_string(),
                        problems: vec![Problem {
                            line,
                            col,
                            message: format!(
                                "base: the scenario {} does not load",
                                base_path.display()
                            ),
                        }],
                    };
                    first.problems.extend(src.locate(&issues).problems);
                    let mut all = vec![first.sorted()];
                    all.push(e);
                    return Err(InputErrors(all));
                }
            };
            let table = match toml::Table::try_from(&scenario) {
                Ok(t) => t,
                Err(e) => {
                    issues.push(Issue::new(
                        "base",
                        format!("the base scenario cannot be written out: {e}"),
                    ));
                    return Err(src.locate(&issues).into());
                }
            };
            // Each policy table is completed with its kind's defaults (`triad policies`),
            // so a parameter can vary any of its keys; a key given replaces the default
            // whole (a `shares` table leaving `user` out keeps meaning "the rest").
            let policies: Vec<PolicySpec> =
                labelled_policies(&raw.policy, true, |_| Ok(()), &mut issues)
                    .into_iter()
                    .map(|mut p| {
                        if let Some(t) = p.table.take() {
                            let kind = t.get("kind").and_then(|k| k.as_str()).unwrap_or("");
                            let mut full = crate::policy::BuiltIn::find(kind)
                                .map(|b| b.defaults())
                                .unwrap_or_default();
                            full.extend(t);
                            p.table = Some(full);
                        }
                        p
                    })
                    .collect();
            let policies = if raw.policy.is_empty() {
                vec![PolicySpec {
                    label: table
                        .get("policy")
                        .and_then(|p| p.get("kind"))
                        .and_then(|k| k.as_str())
                        .unwrap_or("base")
                        .to_string(),
                    table: None,
                }]
            } else {
                policies
            };
            // Paths are checked against the base with the first policy's table.
            let mut with_policy = table.clone();
            if let Some(t) = policies.first().and_then(|p| p.table.clone()) {
                with_policy.insert("policy".into(), toml::Value::Table(t));
            }
            let params = read_parameters(&raw.parameter, &with_policy, &mut issues);
            (table, params, metric_names(&scenario), policies, None)
        }
    };
    if let Err(e) = method.check(params.len()) {
        issues.push(Issue::new(if params.is_empty() { "" } else { "n" }, e));
    }
    let outputs = read_outputs(
        &raw.output,
        &metrics,
        &policies,
        model.is_some(),
        &mut issues,
    );
    let runs =
        (method.rows(params.len()) as u128) * policies.len() as u128 * u128::from(raw.replications);
    if runs > MAX_RUNS as u128 {
        issues.push(Issue::new(
            "n",
            format!(
                "the plan has {runs} runs (design points x policies x replications), more \
                 than the limit of {MAX_RUNS}; lower n or the replications"
            ),
        ));
    }
    if !issues.is_empty() {
        return Err(src.locate(&issues).into());
    }
    let spec = Spec {
        title: raw
            .title
            .clone()
            .unwrap_or_else(|| format!("Sensitivity: {name}")),
        model,
        method,
        parameters: params,
        outputs,
        resamples,
        threshold,
        seed: raw.seed,
    };
    // Every policy's scenario must be valid with every parameter at its low end, and at
    // its high end (a model has nothing to check).
    if spec.model.is_none() {
        let mut problems = Vec::new();
        for (k, p) in policies.iter().enumerate() {
            for (u, end) in [(0.0, "low"), (1.0, "high")] {
                let mut t = base.clone();
                if let Some(pt) = &p.table {
                    t.insert("policy".into(), toml::Value::Table(pt.clone()));
                }
                let mut bad = None;
                for q in &spec.parameters {
                    let v = q.scale.scenario_value(q.scale.design_value(u));
                    if let Err(e) = crate::sweep::plan::set_path(&mut t, &q.path, v) {
                        bad = Some(e);
                    }
                }
                let err = bad.or_else(|| WorldSimulator.config(&t).err());
                if let Some(e) = err {
                    let at = if raw.policy.is_empty() {
                        "parameter".to_string()
                    } else {
                        format!("policy.{k}")
                    };
                    let (line, col) = src.line_col(src.offset_of(&at));
                    problems.push(Problem {
                        line,
                        col,
                        message: format!(
                            "policy {:?} with every parameter at the {end} end of its range is \
                             not a valid scenario: {e}",
                            p.label
                        ),
                    });
                }
            }
        }
        if !problems.is_empty() {
            return Err(InputError {
                file: src.name().to_string(),
                problems,
            }
            .sorted()
            .into());
        }
    }
    build(name, base, spec, policies, raw.replications).map_err(|e| src.error_at_key("", e).into())
}

/// The sweep plan of `spec` on `base`: its design's points as a given design over the
/// parameters' paths, the spec stored at [`SPEC_KEY`].
pub fn build(
    name: &str,
    mut base: toml::Table,
    spec: Spec,
    policies: Vec<PolicySpec>,
    replications: u32,
) -> Result<SweepPlan, String> {
    let design = spec.design()?;
    let dims = spec
        .parameters
        .iter()
        .map(|p| {
            let (min, max) = p.scale.bounds();
            Dim {
                path: p.path.clone(),
                min,
                max,
            }
        })
        .collect();
    let points = design
        .points
        .iter()
        .map(|u| {
            u.iter()
                .zip(&spec.parameters)
                .map(|(&x, p)| p.scale.design_value(x))
                .collect()
        })
        .collect();
    let json = serde_json::to_string(&spec).map_err(|e| e.to_string())?;
    base.insert(SPEC_KEY.into(), toml::Value::String(json));
    let mut plan = SweepPlan::new(
        name,
        base,
        Vec::new(),
        Some(SweepDesign {
            method: SweepMethod::Given,
            dims,
            points,
        }),
        policies,
        replications,
        spec.seed,
    )?;
    plan.title = spec.title.clone();
    Ok(plan)
}

fn read_model(
    name: &str,
    a: Option<&toml::Value>,
    b: Option<f64>,
    issues: &mut Vec<Issue>,
) -> Option<Model> {
    let model = match name {
        "ishigami" => {
            let a = match a {
                None => 7.0,
                Some(v) => match crate::scenario::paths::number(v) {
                    Some(x) => x,
                    None => {
                        issues.push(Issue::new(
                            "a",
                            "the Ishigami function's `a` is a number (default 7)",
                        ));
                        return None;
                    }
                },
            };
            Model::Ishigami {
                a,
                b: b.unwrap_or(0.1),
            }
        }
        "sobol-g" => {
            if b.is_some() {
                issues.push(Issue::new("b", "the Sobol G function has no `b`"));
            }
            let coeffs: Option<Vec<f64>> = a
                .and_then(|v| v.as_array())
                .and_then(|arr| arr.iter().map(crate::scenario::paths::number).collect());
            match coeffs {
                Some(a) => Model::SobolG { a },
                None => {
                    issues.push(Issue::new(
                        if a.is_some() { "a" } else { "model" },
                        "the Sobol G function needs its coefficients as numbers: a = [0.0, 1.0, 4.5, 9.0, 99.0]",
                    ));
                    return None;
                }
            }
        }
        other => {
            issues.push(Issue::new(
                "model",
                format!("unknown model {other:?}: \"ishigami\" or \"sobol-g\""),
            ));
            return None;
        }
    };
    if let Err(e) = model.check() {
        issues.push(Issue::new("a", e));
        return None;
    }
    if model.dims() > super::design::MORRIS_MAX_PARAMS {
        issues.push(Issue::new(
            "a",
            format!("at most {} coefficients", super::design::MORRIS_MAX_PARAMS),
        ));
        return None;
    }
    Some(model)
}

fn read_parameters(
    raw: &[RawParameter],
    table: &toml::Table,
    issues: &mut Vec<Issue>,
) -> Vec<Parameter> {
    if raw.is_empty() {
        issues.push(Issue::new(
            "",
            "no [[parameter]] tables: name at least one uncertain parameter, e.g. [[parameter]] \
             path = \"workload.arrival_per_hour\", range = [50.0, 200.0]",
        ));
    }
    let mut out: Vec<Parameter> = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let at = format!("parameter.{i}");
        let path = match by_tier_name(table, &p.path) {
            Ok(r) => r,
            Err(e) => {
                issues.push(Issue::new(format!("{at}.path"), e));
                continue;
            }
        };
        let Some(current) = lookup(table, &path) else {
            issues.push(Issue::new(format!("{at}.path"), unknown(table, &p.path)));
            continue;
        };
        if out.iter().any(|q| {
            q.path == path
                || path
                    .strip_prefix(&q.path)
                    .is_some_and(|r| r.starts_with('.'))
                || q.path
                    .strip_prefix(&path)
                    .is_some_and(|r| r.starts_with('.'))
        }) {
            issues.push(Issue::new(
                format!("{at}.path"),
                format!("`{}` is varied twice (or inside another parameter)", p.path),
            ));
            continue;
        }
        let scale = match (&p.range, &p.values, p.scale.as_deref()) {
            (Some(_), Some(_), _) => {
                issues.push(Issue::new(&at, "give `range` or `values`, not both"));
                continue;
            }
            (None, None, _) => {
                issues.push(Issue::new(
                    &at,
                    "needs `range = [low, high]` (with `scale = \"uniform\"` or \"log\") or \
                     `values = [...]`",
                ));
                continue;
            }
            (None, Some(_), Some(_)) => {
                issues.push(Issue::new(
                    format!("{at}.scale"),
                    "a list of `values` has no scale",
                ));
                continue;
            }
            (None, Some(v), None) => {
                if v.len() < 2 {
                    issues.push(Issue::new(
                        format!("{at}.values"),
                        "needs at least 2 values",
                    ));
                    continue;
                }
                if let Some(bad) = v.iter().find(|x| {
                    x.type_str() != current.type_str() && !(current.is_float() && x.is_integer())
                }) {
                    issues.push(Issue::new(
                        format!("{at}.values"),
                        format!(
                            "`{}` is a {} in the scenario, but {bad} is a {}",
                            p.path,
                            current.type_str(),
                            bad.type_str()
                        ),
                    ));
                    continue;
                }
                let v = v
                    .iter()
                    .map(|x| match (current, x) {
                        (toml::Value::Float(_), toml::Value::Integer(i)) => {
                            toml::Value::Float(*i as f64)
                        }
                        _ => x.clone(),
                    })
                    .collect();
                Scale::Values(v)
            }
            (Some([lo, hi]), None, scale) => {
                let (lo, hi) = (*lo, *hi);
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    issues.push(Issue::new(
                        format!("{at}.range"),
                        format!("must be [low, high] with low < high (got [{lo}, {hi}])"),
                    ));
                    continue;
                }
                match (current, scale) {
                    (toml::Value::Float(_), None | Some("uniform")) => Scale::Uniform { lo, hi },
                    (toml::Value::Float(_), Some("log")) if lo > 0.0 => Scale::Log { lo, hi },
                    (toml::Value::Float(_), Some("log")) => {
                        issues.push(Issue::new(
                            format!("{at}.range"),
                            "a log scale needs low > 0",
                        ));
                        continue;
                    }
                    (toml::Value::Integer(_), None | Some("uniform"))
                        if lo.fract() == 0.0 && hi.fract() == 0.0 =>
                    {
                        Scale::Integer {
                            lo: lo as i64,
                            hi: hi as i64,
                        }
                    }
                    (toml::Value::Integer(_), None | Some("uniform")) => {
                        issues.push(Issue::new(
                            format!("{at}.range"),
                            format!("`{}` is a whole number: give whole ends", p.path),
                        ));
                        continue;
                    }
                    (toml::Value::Integer(_), Some("log")) => {
                        issues.push(Issue::new(
                            format!("{at}.scale"),
                            format!(
                                "`{}` is a whole number: a log scale is for real-valued keys",
                                p.path
                            ),
                        ));
                        continue;
                    }
                    (_, Some(s)) if s != "uniform" && s != "log" => {
                        issues.push(Issue::new(
                            format!("{at}.scale"),
                            format!("unknown scale {s:?}: \"uniform\" or \"log\""),
                        ));
                        continue;
                    }
                    (v, _) => {
                        issues.push(Issue::new(
                            format!("{at}.range"),
                            format!(
                                "`{}` is a {} in the scenario: a range is for numbers; give `values`",
                                p.path,
                                v.type_str()
                            ),
                        ));
                        continue;
                    }
                }
            }
        };
        out.push(Parameter {
            name: p.path.clone(),
            path,
            scale,
        });
    }
    out
}

fn read_outputs(
    raw: &[RawOutput],
    metrics: &[String],
    policies: &[PolicySpec],
    model: bool,
    issues: &mut Vec<Issue>,
) -> Vec<Output> {
    if raw.is_empty() {
        if model {
            return vec![Output {
                name: MODEL_OUTPUT.into(),
                metric: MODEL_OUTPUT.into(),
                policy: 0,
                minus: None,
            }];
        }
        issues.push(Issue::new(
            "",
            "no [[output]] tables: name at least one, e.g. [[output]] metric = \"yield\"",
        ));
    }
    let labels: Vec<&str> = policies.iter().map(|p| p.label.as_str()).collect();
    let find =
        |at: String, label: &Option<String>, issues: &mut Vec<Issue>| -> Option<Option<usize>> {
            match label {
                None => Some(None),
                Some(l) => match labels.iter().position(|x| x == l) {
                    Some(i) => Some(Some(i)),
                    None => {
                        issues.push(Issue::new(
                            at,
                            format!(
                                "no policy labelled {l:?}; the plan's policies are {}",
                                labels.join(", ")
                            ),
                        ));
                        None
                    }
                },
            }
        };
    let mut out: Vec<Output> = Vec::new();
    for (i, o) in raw.iter().enumerate() {
        let at = format!("output.{i}");
        if !metrics.contains(&o.metric) {
            issues.push(Issue::new(
                format!("{at}.metric"),
                format!(
                    "unknown metric `{}`; the metrics are: {}",
                    o.metric,
                    metrics.join(", ")
                ),
            ));
            continue;
        }
        let (Some(policy), Some(minus)) = (
            find(format!("{at}.policy"), &o.policy, issues),
            find(format!("{at}.minus"), &o.minus, issues),
        ) else {
            continue;
        };
        let policy = policy.unwrap_or(0);
        if minus == Some(policy) {
            issues.push(Issue::new(
                format!("{at}.minus"),
                "a policy minus itself is 0 everywhere",
            ));
            continue;
        }
        let name = o.name.clone().unwrap_or_else(|| match minus {
            None if policies.len() > 1 => format!("{} ({})", o.metric, labels[policy]),
            None => o.metric.clone(),
            Some(m) => format!("{}: {} minus {}", o.metric, labels[policy], labels[m]),
        });
        if out.iter().any(|x| x.name == name) {
            issues.push(Issue::new(
                &at,
                format!("two outputs named {name:?}: give each a `name`"),
            ));
            continue;
        }
        out.push(Output {
            name,
            metric: o.metric.clone(),
            policy,
            minus,
        });
    }
    out
}
