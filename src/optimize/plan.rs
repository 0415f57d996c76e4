//! Optimisation plans: the file read and checked, every problem located to
//! `file:line:col` before any run.
//!
//! ```toml
//! title = "..."                       # optional
//! base = "../baseline.toml"           # the scenario, relative to this file
//! objective = { metric = "tasks_solved", direction = "maximize" }
//! budget = 600                        # simulation runs in all
//! replications = 5                    # per candidate (racing may stop one earlier)
//! race_from = 3                       # optional: replications before racing starts
//! initial = 16                       # optional: a Sobol design first (default 0)
//! finalists = 3                       # optional: candidates re-run at the end
//! final_replications = 20             # optional: their replications (default 4 x)
//! seed = 1
//!
//! [[variable]]                        # continuous
//! path = "workload.arrival_per_hour"
//! range = [50.0, 200.0]
//! [[variable]]                        # integer
//! path = "policy.samples"
//! range = [1, 4]
//! integer = true
//! [[variable]]                        # categorical
//! path = "policy.tiers.user"
//! values = ["8B", "32B", "70B"]
//! [[variable]]                        # two shares; the third role gets the rest
//! shares = ["policy.shares.evolver", "policy.shares.verifier"]
//!
//! [[constraint]]
//! metric = "spend_total"
//! max = 300.0
//!
//! [stress]                            # optional: the objective over a stress plan's cases
//! perturbations = ["outage", "price-shock"]
//! severities = [0.0, 1.0]             # 0 is the unperturbed case, counted once
//! tier = "70B"                        # optional (default: each candidate's user tier)
//! statistic = "worst"                 # or "cvar", "mean": how the cases combine
//! ```

use super::{
    COST_PER_SOLVED, Constraint, Direction, Domain, Objective, Plan, Statistic, StressObjective,
    Variable,
};
use crate::base::Issue;
use crate::scenario::objective::RawObjective;
use crate::scenario::paths::{by_tier_name, lookup, metric_names, number, unknown};
use crate::scenario::perturb::{Perturbation, cases};
use crate::scenario::{InputError, InputErrors, Problem, Source};
use crate::sweep::WorldSimulator;
use serde::Deserialize;
use std::path::Path;

/// Most runs a plan may ask for.
pub const MAX_BUDGET: usize = 1_000_000;
/// Most replications of a candidate or finalist.
pub const MAX_REPLICATIONS: u32 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    title: Option<String>,
    base: Option<String>,
    objective: Option<RawObjective>,
    objectives: Option<Vec<RawObjective>>,
    front_points: Option<usize>,
    initial: Option<usize>,
    budget: Option<usize>,
    #[serde(default = "five")]
    replications: u32,
    race_from: Option<u32>,
    #[serde(default = "three")]
    finalists: usize,
    final_replications: Option<u32>,
    #[serde(default = "one")]
    seed: u64,
    #[serde(default)]
    variable: Vec<RawVariable>,
    #[serde(default)]
    constraint: Vec<RawConstraint>,
    stress: Option<RawStress>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStress {
    perturbations: Option<Vec<Perturbation>>,
    severities: Option<Vec<toml::Value>>,
    tier: Option<String>,
    statistic: Option<String>,
}

fn five() -> u32 {
    5
}
fn three() -> usize {
    3
}
fn one() -> u64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    path: Option<String>,
    paths: Option<Vec<String>>,
    range: Option<[toml::Value; 2]>,
    #[serde(default)]
    integer: bool,
    values: Option<Vec<toml::Value>>,
    shares: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    metric: String,
    max: Option<f64>,
    min: Option<f64>,
}

/// Reads and checks the plan at `path`; `base` is relative to the plan's folder.
pub fn load(path: &Path) -> Result<Plan, InputErrors> {
    let src = Source::read(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "optimize".into());
    parse(&src, dir, &name)
}

/// [`load`] for a plan's text; `dir` resolves a relative `base`.
pub fn parse(src: &Source, dir: &Path, name: &str) -> Result<Plan, InputErrors> {
    let raw: RawPlan = src.deserialize()?;
    let mut issues: Vec<Issue> = Vec::new();
    let Some(b) = &raw.base else {
        issues.push(Issue::new(
            "",
            "missing `base = \"scenario.toml\"` (the scenario to optimise, relative to this file)",
        ));
        return Err(src.locate(&issues).into());
    };
    let base_path = dir.join(b);
    let scenario = match crate::scenario::load(&base_path) {
        Ok(sc) => sc,
        Err(e) => {
            let first = src.error_at_key(
                "base",
                format!("base: the scenario {} does not load", base_path.display()),
            );
            return Err(InputErrors(vec![first, e]));
        }
    };
    let base = match toml::Table::try_from(&scenario) {
        Ok(t) => t,
        Err(e) => {
            return Err(src
                .error_at_key(
                    "base",
                    format!("the base scenario cannot be written out: {e}"),
                )
                .into());
        }
    };
    let mut metrics = metric_names(&scenario);
    metrics.push(COST_PER_SOLVED.into());
    let known = |m: &str| metrics.iter().any(|n| n == m);
    let metric_hint = || {
        format!(
            "a run metric ({}, ...) or `{COST_PER_SOLVED}` (spend_total / tasks_solved); \
             docs/model.md lists every metric",
            metrics[..6.min(metrics.len())].join(", ")
        )
    };
    let read_objective = |o: &RawObjective, at: &str, issues: &mut Vec<Issue>| {
        if !known(&o.metric) {
            issues.push(Issue::new(
                format!("{at}.metric"),
                format!("unknown metric {:?}: expected {}", o.metric, metric_hint()),
            ));
        }
        let d = Direction::parse(&o.direction).unwrap_or_else(|e| {
            issues.push(Issue::new(format!("{at}.direction"), e));
            Direction::Maximize
        });
        Objective {
            metric: o.metric.clone(),
            direction: d,
        }
    };
    let (first, pareto) = match (&raw.objective, &raw.objectives) {
        (None, None) => {
            issues.push(Issue::new(
                "",
                "missing `objective = { metric = \"tasks_solved\", direction = \"maximize\" }` \
                 (or `objectives = [{ ... }, { ... }]` for a Pareto front of two)",
            ));
            (None, None)
        }
        (Some(_), Some(_)) => {
            issues.push(Issue::new(
                "objectives",
                "give `objective` (one) or `objectives` (a Pareto front of two), not both",
            ));
            (None, None)
        }
        (Some(o), None) => (Some(read_objective(o, "objective", &mut issues)), None),
        (None, Some(os)) => {
            if os.len() != 2 {
                issues.push(Issue::new(
                    "objectives",
                    format!(
                        "needs exactly two objectives (got {}): the front of one against \
                         the other; one objective is `objective = {{ ... }}`",
                        os.len()
                    ),
                ));
                (None, None)
            } else {
                let a = read_objective(&os[0], "objectives.0", &mut issues);
                let b = read_objective(&os[1], "objectives.1", &mut issues);
                if a.metric == b.metric {
                    issues.push(Issue::new(
                        "objectives.1.metric",
                        format!(
                            "`{}` is the first objective too: name two metrics",
                            b.metric
                        ),
                    ));
                }
                (Some(a), Some(b))
            }
        }
    };
    if raw.front_points.is_some() && raw.objectives.is_none() {
        issues.push(Issue::new(
            "front_points",
            "only a plan with `objectives = [..., ...]` (a Pareto front) has front points",
        ));
    }
    let front_points = raw.front_points.unwrap_or(7);
    if !(2..=20).contains(&front_points) {
        issues.push(Issue::new(
            "front_points",
            format!("must be in 2..=20 (got {front_points})"),
        ));
    }
    let (objective, direction) = first
        .map(|o| (o.metric, o.direction))
        .unwrap_or((String::new(), Direction::Maximize));
    let mut constraints = Vec::new();
    for (i, c) in raw.constraint.iter().enumerate() {
        let at = format!("constraint.{i}");
        if !known(&c.metric) {
            issues.push(Issue::new(
                format!("{at}.metric"),
                format!("unknown metric {:?}: expected {}", c.metric, metric_hint()),
            ));
        }
        match (c.min, c.max) {
            (None, None) => issues.push(Issue::new(&at, "needs `max = ...`, `min = ...` or both")),
            (Some(lo), Some(hi)) if lo > hi => issues.push(Issue::new(
                format!("{at}.min"),
                format!("min {lo} is above max {hi}"),
            )),
            _ => {}
        }
        for (k, v) in [("min", c.min), ("max", c.max)] {
            if v.is_some_and(|x| !x.is_finite()) {
                issues.push(Issue::new(format!("{at}.{k}"), "must be a finite number"));
            }
        }
        constraints.push(Constraint {
            metric: c.metric.clone(),
            max: c.max,
            min: c.min,
        });
    }
    let variables = read_variables(&raw.variable, &base, &mut issues);
    let stress = raw
        .stress
        .as_ref()
        .and_then(|st| read_stress(st, &scenario, raw.objectives.is_some(), &mut issues));
    if stress.is_some() && base.contains_key("stress") {
        issues.push(Issue::new(
            "base",
            "the base scenario carries a [stress] table, but the plan's [stress] names the \
             cases: remove one",
        ));
    }
    let reps_ok = |r: u32| (1..=MAX_REPLICATIONS).contains(&r);
    if !reps_ok(raw.replications) || raw.replications < 2 {
        issues.push(Issue::new(
            "replications",
            format!(
                "must be in 2..={MAX_REPLICATIONS} (got {}): a paired interval needs two",
                raw.replications
            ),
        ));
    }
    let race_from = raw.race_from.unwrap_or(3.min(raw.replications));
    if race_from < 2 || race_from > raw.replications {
        issues.push(Issue::new(
            "race_from",
            format!(
                "must be in 2..=replications ({}) (got {race_from})",
                raw.replications
            ),
        ));
    }
    let final_replications = raw
        .final_replications
        .unwrap_or_else(|| raw.replications.saturating_mul(4).min(MAX_REPLICATIONS));
    if !reps_ok(final_replications) || final_replications < raw.replications {
        issues.push(Issue::new(
            "final_replications",
            format!(
                "must be in replications ({})..={MAX_REPLICATIONS} (got {final_replications})",
                raw.replications
            ),
        ));
    }
    let initial = raw.initial.unwrap_or(0);
    if initial > 10_000 {
        issues.push(Issue::new(
            "initial",
            format!("must be at most 10000 (got {initial})"),
        ));
    }
    if !(1..=20).contains(&raw.finalists) {
        issues.push(Issue::new(
            "finalists",
            format!("must be in 1..=20 (got {})", raw.finalists),
        ));
    }
    let mut plan = Plan {
        title: raw
            .title
            .clone()
            .unwrap_or_else(|| format!("Optimisation: {name}")),
        base,
        variables,
        objective,
        direction,
        constraints,
        budget: raw.budget.unwrap_or(0),
        replications: raw.replications,
        race_from,
        finalists: raw.finalists,
        initial,
        final_replications,
        seed: raw.seed,
        pareto,
        front_points,
        stress,
    };
    match raw.budget {
        None => issues.push(Issue::new(
            "",
            "missing `budget = N`: the most simulation runs the search may use",
        )),
        Some(b) if b > MAX_BUDGET => issues.push(Issue::new(
            "budget",
            format!("must be at most {MAX_BUDGET} (got {b})"),
        )),
        Some(b) if issues.is_empty() && b < plan.min_budget() && plan.pareto.is_some() => issues
            .push(Issue::new(
                "budget",
                format!(
                    "{b} runs are fewer than a Pareto search needs: {} scalarised searches \
                     of at least {} candidates x {} replications, and {} front points x {}: \
                     at least {}",
                    plan.front_points,
                    super::population(plan.dim()) + 1,
                    plan.replications,
                    plan.front_points,
                    plan.final_replications,
                    plan.min_budget()
                ),
            )),
        Some(b) if issues.is_empty() && b < plan.min_budget() => issues.push(Issue::new(
            "budget",
            format!(
                "{b} runs are fewer than one generation ({} candidates x {} replications) \
                 and the finalists ({} x {}){}: at least {}",
                super::population(plan.dim()),
                plan.replications,
                plan.finalists,
                plan.final_replications,
                match plan.runs_per_replication() {
                    1 => String::new(),
                    k => format!(", every replication {k} runs (one per stress case)"),
                },
                plan.min_budget()
            ),
        )),
        _ => {}
    }
    if !issues.is_empty() {
        return Err(src.locate(&issues).into());
    }
    // The scenario must be valid at the corners and the centre of the variables' cube.
    let mut problems = Vec::new();
    for (u, at) in [
        (0.0, "at the low end of"),
        (0.5, "in the middle of"),
        (1.0, "at the high end of"),
    ] {
        let values = plan.decode(&vec![u; plan.dim()]);
        let err = plan.case_scenarios(&values).and_then(|ts| {
            ts.iter().try_for_each(|(cols, t)| {
                WorldSimulator.config(t).map(|_| ()).map_err(|e| {
                    if cols.is_empty() {
                        e
                    } else {
                        format!("in the stress case {}: {e}", super::describe(cols))
                    }
                })
            })
        });
        if let Err(e) = err {
            let (line, col) = src.line_col(src.offset_of("variable"));
            problems.push(Problem {
                line,
                col,
                message: format!(
                    "with every variable {at} its range ({}) the scenario is not valid: \
                     {e}{}",
                    super::describe(&values),
                    if e.contains("sum to 1") {
                        "; shares vary together as one variable, \
                         `shares = [\"policy.shares.evolver\", \"policy.shares.verifier\"]` \
                         (the user share is the rest)"
                    } else {
                        ""
                    }
                ),
            });
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
    plan.title = plan.title.trim().to_string();
    Ok(plan)
}

/// The `[stress]` table: the cases (as `triad stress` defines them,
/// [`crate::scenario::perturb::cases`]), the tier and the statistic.
fn read_stress(
    st: &RawStress,
    scenario: &crate::scenario::Scenario,
    pareto: bool,
    issues: &mut Vec<Issue>,
) -> Option<StressObjective> {
    let before = issues.len();
    if pareto {
        issues.push(Issue::new(
            "stress",
            "a stress objective takes one `objective`, not a Pareto front of `objectives`",
        ));
    }
    let perturbations = match &st.perturbations {
        None => {
            issues.push(Issue::new(
                "stress",
                format!(
                    "needs `perturbations = [...]`: some of {}",
                    crate::scenario::perturb::names().join(", ")
                ),
            ));
            Vec::new()
        }
        Some(ps) => {
            if ps.is_empty() {
                issues.push(Issue::new(
                    "stress.perturbations",
                    "is empty: name at least one",
                ));
            }
            for (i, p) in ps.iter().enumerate() {
                if ps[..i].contains(p) {
                    issues.push(Issue::new(
                        format!("stress.perturbations.{i}"),
                        format!("{p} is listed twice"),
                    ));
                }
            }
            ps.clone()
        }
    };
    let mut severities = Vec::new();
    match st.severities.as_deref() {
        None | Some([]) => issues.push(Issue::new(
            "stress",
            "needs `severities = [...]`, numbers in [0, 1] (0 = the unperturbed case, counted \
             once), e.g. [0.0, 1.0]",
        )),
        Some(v) => {
            for (i, x) in v.iter().enumerate() {
                match x.as_float().or(x.as_integer().map(|i| i as f64)) {
                    Some(s) if (0.0..=1.0).contains(&s) => {
                        let s = s + 0.0;
                        if severities.contains(&s) {
                            issues.push(Issue::new(
                                format!("stress.severities.{i}"),
                                format!("{s} is listed twice"),
                            ));
                        }
                        severities.push(s);
                    }
                    _ => issues.push(Issue::new(
                        format!("stress.severities.{i}"),
                        format!("must be a number in [0, 1] (0 = none, 1 = severe), got {x}"),
                    )),
                }
            }
        }
    }
    if let Some(t) = &st.tier
        && !scenario.world.tiers.iter().any(|x| &x.name == t)
    {
        let known: Vec<&str> = scenario
            .world
            .tiers
            .iter()
            .map(|x| x.name.as_str())
            .collect();
        issues.push(Issue::new(
            "stress.tier",
            format!("no tier named {t:?}; the tiers are {}", known.join(", ")),
        ));
    }
    let statistic = match st.statistic.as_deref() {
        Some("worst") => Statistic::Worst,
        Some("cvar") => Statistic::Cvar,
        Some("mean") => Statistic::Mean,
        Some(other) => {
            issues.push(Issue::new(
                "stress.statistic",
                format!(
                    "unknown statistic {other:?}: expected \"worst\" (the worst case of a \
                     replication's cases), \"cvar\" (the mean of its worst 10%) or \"mean\""
                ),
            ));
            Statistic::Worst
        }
        None => {
            issues.push(Issue::new(
                "stress",
                "needs `statistic = \"worst\"`, `\"cvar\"` or `\"mean\"`: how a \
                 replication's cases combine into the objective",
            ));
            Statistic::Worst
        }
    };
    if issues.len() > before {
        return None;
    }
    Some(StressObjective {
        cases: cases(&perturbations, &severities),
        tier: st.tier.clone(),
        statistic,
    })
}

const ROLES: [&str; 3] = ["evolver", "user", "verifier"];

fn read_variables(
    raw: &[RawVariable],
    table: &toml::Table,
    issues: &mut Vec<Issue>,
) -> Vec<Variable> {
    if raw.is_empty() {
        issues.push(Issue::new(
            "",
            "no [[variable]] tables: name at least one, e.g. [[variable]] path = \
             \"policy.shares.evolver\", range = [0.0, 0.4]",
        ));
    }
    let mut out: Vec<Variable> = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    let mut take = |path: &str, at: &str, issues: &mut Vec<Issue>| -> bool {
        let clash = taken.iter().any(|q| {
            q == path
                || path
                    .strip_prefix(q.as_str())
                    .is_some_and(|r| r.starts_with('.'))
                || q.strip_prefix(path).is_some_and(|r| r.starts_with('.'))
        });
        if clash {
            issues.push(Issue::new(
                at,
                format!("`{path}` is varied twice (or inside another variable)"),
            ));
            return false;
        }
        taken.push(path.to_string());
        true
    };
    for (i, v) in raw.iter().enumerate() {
        let at = format!("variable.{i}");
        if let Some(shares) = &v.shares {
            if v.path.is_some() || v.range.is_some() || v.values.is_some() || v.integer {
                issues.push(Issue::new(
                    &at,
                    "a `shares` group takes no `path`, `range`, `values` or `integer`",
                ));
                continue;
            }
            let parents: Vec<Option<(&str, &str)>> =
                shares.iter().map(|s| s.rsplit_once('.')).collect();
            let ok = shares.len() == 2
                && parents.iter().all(|p| {
                    p.is_some_and(|(parent, role)| {
                        parent.ends_with("shares") && ROLES.contains(&role)
                    })
                })
                && parents[0].map(|p| p.0) == parents[1].map(|p| p.0)
                && parents[0].map(|p| p.1) != parents[1].map(|p| p.1);
            if !ok {
                issues.push(Issue::new(
                    format!("{at}.shares"),
                    "names two roles of one shares table, e.g. [\"policy.shares.evolver\", \
                     \"policy.shares.verifier\"]; the third role gets the rest",
                ));
                continue;
            }
            let parent = parents[0].map(|p| p.0).unwrap_or_default();
            if lookup(table, parent).is_none() {
                issues.push(Issue::new(format!("{at}.shares"), unknown(table, parent)));
                continue;
            }
            let named: Vec<&str> = parents.iter().filter_map(|p| p.map(|p| p.1)).collect();
            let rest_role = ROLES
                .iter()
                .find(|r| !named.contains(r))
                .copied()
                .unwrap_or("user");
            let rest = format!("{parent}.{rest_role}");
            if !shares
                .iter()
                .all(|s| take(s, &format!("{at}.shares"), issues))
                || !take(&rest, &format!("{at}.shares"), issues)
            {
                continue;
            }
            out.push(Variable {
                names: shares.clone(),
                paths: shares.clone(),
                domain: Domain::Shares { rest },
            });
            continue;
        }
        if let Some(paths) = &v.paths {
            if let Some(var) = read_joint(v, paths, &at, table, issues)
                && paths
                    .iter()
                    .zip(&var.paths)
                    .all(|(_, q)| take(q, &format!("{at}.paths"), issues))
            {
                out.push(var);
            }
            continue;
        }
        let Some(p) = &v.path else {
            issues.push(Issue::new(
                &at,
                "needs `path = \"...\"` (or a `shares = [...]` group)",
            ));
            continue;
        };
        let path = match by_tier_name(table, p) {
            Ok(r) => r,
            Err(e) => {
                issues.push(Issue::new(format!("{at}.path"), e));
                continue;
            }
        };
        let Some(current) = lookup(table, &path) else {
            issues.push(Issue::new(format!("{at}.path"), unknown(table, p)));
            continue;
        };
        let domain = match (&v.range, &v.values) {
            (Some(_), Some(_)) => {
                issues.push(Issue::new(&at, "give `range` or `values`, not both"));
                continue;
            }
            (None, None) => {
                issues.push(Issue::new(
                    &at,
                    "needs `range = [low, high]` (with `integer = true` for whole numbers) or \
                     `values = [...]`",
                ));
                continue;
            }
            (None, Some(vals)) => {
                if v.integer {
                    issues.push(Issue::new(
                        format!("{at}.integer"),
                        "a list of `values` is categorical already",
                    ));
                    continue;
                }
                if vals.len() < 2 {
                    issues.push(Issue::new(
                        format!("{at}.values"),
                        "needs at least 2 values",
                    ));
                    continue;
                }
                if let Some(bad) = vals.iter().find(|x| {
                    x.type_str() != current.type_str() && !(current.is_float() && x.is_integer())
                }) {
                    issues.push(Issue::new(
                        format!("{at}.values"),
                        format!(
                            "`{p}` is a {} in the scenario, but {bad} is a {}",
                            current.type_str(),
                            bad.type_str()
                        ),
                    ));
                    continue;
                }
                if let Some(bad) = vals.iter().find(|x| {
                    x.as_str()
                        .is_some_and(|s| s.contains([',', '"', '\n', '\r', '\u{1f}']))
                }) {
                    issues.push(Issue::new(
                        format!("{at}.values"),
                        format!("{bad} holds a comma, quote or line break: not a CSV field"),
                    ));
                    continue;
                }
                Domain::Categorical(
                    vals.iter()
                        .map(|x| match (current, x) {
                            (toml::Value::Float(_), toml::Value::Integer(i)) => {
                                toml::Value::Float(*i as f64)
                            }
                            _ => x.clone(),
                        })
                        .collect(),
                )
            }
            (Some([lo, hi]), None) => {
                if number(current).is_none() {
                    issues.push(Issue::new(
                        format!("{at}.range"),
                        format!(
                            "`{p}` is a {} in the scenario, not a number",
                            current.type_str()
                        ),
                    ));
                    continue;
                }
                if v.integer {
                    match (lo.as_integer(), hi.as_integer()) {
                        (Some(a), Some(b)) if a < b => Domain::Integer { lo: a, hi: b },
                        _ => {
                            issues.push(Issue::new(
                                format!("{at}.range"),
                                "an integer range is two whole numbers, low < high",
                            ));
                            continue;
                        }
                    }
                } else {
                    if current.is_integer() {
                        issues.push(Issue::new(
                            format!("{at}.integer"),
                            format!(
                                "`{p}` is a whole number in the scenario: add `integer = true`"
                            ),
                        ));
                        continue;
                    }
                    match (number(lo), number(hi)) {
                        (Some(a), Some(b)) if a.is_finite() && b.is_finite() && a < b => {
                            Domain::Continuous { lo: a, hi: b }
                        }
                        _ => {
                            issues.push(Issue::new(
                                format!("{at}.range"),
                                "a range is two finite numbers, low < high",
                            ));
                            continue;
                        }
                    }
                }
            }
        };
        if !take(&path, &format!("{at}.path"), issues) {
            continue;
        }
        out.push(Variable {
            names: vec![p.clone()],
            paths: vec![path],
            domain,
        });
    }
    out
}

/// A variable that sets several paths together: `paths = [...]` and `values = [[...], ...]`,
/// one value per path in each tuple.
fn read_joint(
    v: &RawVariable,
    paths: &[String],
    at: &str,
    table: &toml::Table,
    issues: &mut Vec<Issue>,
) -> Option<Variable> {
    if v.path.is_some() || v.range.is_some() || v.shares.is_some() || v.integer {
        issues.push(Issue::new(
            at,
            "a `paths` variable takes `values = [[...], ...]` (one tuple per choice) and no \
             `path`, `range`, `shares` or `integer`",
        ));
        return None;
    }
    if paths.len() < 2 {
        issues.push(Issue::new(
            format!("{at}.paths"),
            "names at least two paths (one path is `path = \"...\"`)",
        ));
        return None;
    }
    let mut resolved = Vec::new();
    let mut current = Vec::new();
    for p in paths {
        match by_tier_name(table, p) {
            Ok(r) => match lookup(table, &r) {
                Some(c) => {
                    current.push(c.clone());
                    resolved.push(r);
                }
                None => {
                    issues.push(Issue::new(format!("{at}.paths"), unknown(table, p)));
                    return None;
                }
            },
            Err(e) => {
                issues.push(Issue::new(format!("{at}.paths"), e));
                return None;
            }
        }
    }
    let Some(vals) = &v.values else {
        issues.push(Issue::new(
            at,
            "needs `values = [[...], ...]`: one tuple of values per choice, one per path",
        ));
        return None;
    };
    if vals.len() < 2 {
        issues.push(Issue::new(
            format!("{at}.values"),
            "needs at least 2 tuples",
        ));
        return None;
    }
    let mut tuples = Vec::new();
    for t in vals {
        let Some(items) = t.as_array().filter(|a| a.len() == paths.len()) else {
            issues.push(Issue::new(
                format!("{at}.values"),
                format!("{t} is not a list of {} values (one per path)", paths.len()),
            ));
            return None;
        };
        let mut tuple = Vec::new();
        for ((x, c), p) in items.iter().zip(&current).zip(paths) {
            if x.type_str() != c.type_str() && !(c.is_float() && x.is_integer()) {
                issues.push(Issue::new(
                    format!("{at}.values"),
                    format!(
                        "`{p}` is a {} in the scenario, but {x} is a {}",
                        c.type_str(),
                        x.type_str()
                    ),
                ));
                return None;
            }
            if x.as_str()
                .is_some_and(|s| s.contains([',', '"', '\n', '\r', '\u{1f}']))
            {
                issues.push(Issue::new(
                    format!("{at}.values"),
                    format!("{x} holds a comma, quote or line break: not a CSV field"),
                ));
                return None;
            }
            tuple.push(match (c, x) {
                (toml::Value::Float(_), toml::Value::Integer(i)) => toml::Value::Float(*i as f64),
                _ => x.clone(),
            });
        }
        tuples.push(tuple);
    }
    Some(Variable {
        names: paths.to_vec(),
        paths: resolved,
        domain: Domain::Joint(tuples),
    })
}
