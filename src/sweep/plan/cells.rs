//! Every cell's scenario checked before the first run, its problems pointed at the line of
//! the sweep or stress file (or the base scenario file) that produced them.
//!
//! The scenario of every cell and policy is resolved and validated
//! ([`crate::scenario::check_table`]). Each problem found is traced to what set the key it is
//! about: one swept parameter (an axis or a design dimension, whose path is, holds or lies
//! under the key), several of them, a policy table (a `policy.*` key of a `[[policy]]`
//! table), or else the base scenario. The rule that makes it an input error or a recorded
//! failure (`docs/sweeps.md`):
//!
//! - a problem of the base or of a policy table that every cell of that policy has: the
//!   swept values play no part, so it is an input error, at the key in the base (or `set`)
//!   or the policy table;
//! - a problem of one swept parameter that every cell with that value (and policy) has:
//!   the value is wrong on its own, an input error at that value (an unknown key at the
//!   parameter's path);
//! - anything else (a problem only some combinations of values have, or one several swept
//!   keys are part of, like shares that sum past 1) makes the cell infeasible: a legitimate
//!   part of a grid, whose runs are recorded as failed.

use super::SweepPlan;
use crate::base::Issue;
use crate::scenario::{self, InputError, InputErrors, Problem, Source};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where the base scenario of a plan is written.
#[derive(Debug, Clone, Copy)]
pub enum BaseAt<'a> {
    /// A table at this key of the plan's file (`base`).
    Inline(&'a str),
    /// A scenario file of its own.
    File(&'a Source),
}

/// Where a swept parameter is written in the plan's file.
#[derive(Debug, Clone)]
pub struct ParamAt {
    /// Key of its values; `.K` is appended for value `K` (a key that does not exist, like
    /// the elements of a `range`, points at its nearest existing parent).
    pub values: String,
    /// Key of its dotted path.
    pub path: String,
}

/// Where the parts of a plan are written, so that a problem of a cell points at a line.
#[derive(Debug, Clone)]
pub struct PlanAt<'a> {
    /// The sweep or stress file.
    pub file: &'a Source,
    /// The base scenario.
    pub base: BaseAt<'a>,
    /// A table of the file merged over the base (a stress plan's `set`), with its key.
    pub set: Option<(&'a str, &'a toml::Table)>,
    /// One per swept parameter, in the order of [`SweepPlan::params`].
    pub params: Vec<ParamAt>,
    /// One per policy of the plan: the key of its table in the file, or `None` for a policy
    /// the file does not write (the base's own, a stress plan's built-in ones).
    pub policies: Vec<Option<String>>,
}

/// What the check found besides input errors: the cells whose runs will fail.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feasibility {
    /// Cell and policy scenarios checked (cells x policies).
    pub checked: usize,
    /// How many of them are infeasible: their runs will be recorded as failed.
    pub infeasible: usize,
    /// The first few infeasible ones, as `cell N (values), policy "label": problems`.
    pub examples: Vec<String>,
}

/// Infeasible cells described in [`Feasibility::examples`].
const EXAMPLES: usize = 5;

/// What set the key a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Origin {
    /// The base scenario (or a stress plan's `set`).
    Base,
    /// The policy's table.
    Policy,
    /// Swept parameter `i` at its value `k`.
    Param(usize, usize),
}

/// Problems of one kind (policy, origin, key) and the cells that have them.
#[derive(Debug, Clone)]
struct Group {
    /// Cells with the problem.
    cells: usize,
    /// The first cell with it and its message there.
    first: (usize, String),
    /// Whether every cell with it has the same message.
    same: bool,
}

impl Group {
    fn add(&mut self, cell: usize, message: &str) {
        self.cells += 1;
        self.same &= message == self.first.1;
        if cell < self.first.0 {
            self.first = (cell, message.to_string());
        }
    }
}

#[derive(Debug, Default)]
struct Acc {
    groups: HashMap<(usize, Origin, String), Group>,
    infeasible: usize,
    /// (cell, policy, message) of the first failing cells.
    examples: Vec<(usize, usize, String)>,
}

impl Acc {
    fn merge(mut self, other: Acc) -> Acc {
        for (k, g) in other.groups {
            match self.groups.get_mut(&k) {
                Some(h) => {
                    h.cells += g.cells;
                    h.same &= g.same && g.first.1 == h.first.1;
                    if g.first.0 < h.first.0 {
                        h.first = g.first;
                    }
                }
                None => {
                    self.groups.insert(k, g);
                }
            }
        }
        self.infeasible += other.infeasible;
        self.examples.extend(other.examples);
        self.examples.sort_by_key(|e| (e.0, e.1));
        self.examples.truncate(EXAMPLES);
        self
    }
}

/// Whether a problem at key `p` is about what a parameter swept at `a` sets.
fn related(p: &str, a: &str) -> bool {
    !p.is_empty()
        && (p == a
            || p.strip_prefix(a).is_some_and(|r| r.starts_with('.'))
            || a.strip_prefix(p).is_some_and(|r| r.starts_with('.')))
}

/// Whether `p` is the key `key` or lies under it.
fn under(p: &str, key: &str) -> bool {
    p == key || p.strip_prefix(key).is_some_and(|r| r.starts_with('.'))
}

/// Checks the scenario of every cell and policy of `plan`. Problems that the rule of this
/// module makes input errors come back located in the plan's file (and base file); the
/// rest is counted in the [`Feasibility`].
pub fn check_cells(plan: &SweepPlan, at: &PlanAt<'_>) -> Result<Feasibility, InputErrors> {
    let params = plan.params();
    let n_pol = plan.policies.len();
    let n_cells = plan.n_cells();
    let n_points = plan.design.as_ref().map_or(1, |d| d.points.len());
    // Cells with each value of each parameter.
    let per_value: Vec<usize> = plan
        .axes
        .iter()
        .map(|a| n_cells / a.values.len().max(1))
        .chain(params[plan.axes.len()..].iter().map(|_| n_cells / n_points))
        .collect();
    let written = |p: usize| at.policies.get(p).is_some_and(Option::is_some);
    let total = n_cells.saturating_mul(n_pol);
    let acc = (0..total)
        .into_par_iter()
        .fold(Acc::default, |mut acc, i| {
            let (cell, policy) = (i / n_pol, i % n_pol);
            let spec = plan.run(plan.run_index(cell, policy, 0));
            // A path that cannot be set in this cell (a parent another axis made a
            // number) is a matter of several axes: it makes the cell infeasible.
            let (issues, several) = match plan.scenario(&spec) {
                Ok(t) => match scenario::check_table(&t) {
                    Ok(_) => return acc,
                    Err(issues) => (issues, false),
                },
                Err(e) => (vec![Issue::new("", e)], true),
            };
            let (idx, point) = plan.cell_position(cell);
            let mut seen = BTreeSet::new();
            for i in &issues {
                let rel: Vec<usize> = (0..params.len())
                    .filter(|&k| related(&i.path, &params[k]))
                    .collect();
                // A problem at a table holding several swept keys (a wrong type inside
                // `policy.shares`) is counted against each: the value that has it in every
                // cell is the one to blame.
                let origins: Vec<Origin> = if several {
                    Vec::new()
                } else if rel.is_empty() {
                    if written(policy) && under(&i.path, "policy") {
                        vec![Origin::Policy]
                    } else {
                        vec![Origin::Base]
                    }
                } else {
                    rel.iter()
                        .map(|&k| Origin::Param(k, idx.get(k).copied().unwrap_or(point)))
                        .collect()
                };
                for from in origins {
                    if !seen.insert((from, i.path.clone())) {
                        continue;
                    }
                    acc.groups
                        .entry((policy, from, i.path.clone()))
                        .and_modify(|g| g.add(cell, &i.message))
                        .or_insert(Group {
                            cells: 1,
                            first: (cell, i.message.clone()),
                            same: true,
                        });
                }
            }
            acc.infeasible += 1;
            if acc.examples.len() < EXAMPLES {
                let msgs: Vec<String> = issues.iter().map(scenario::describe).collect();
                acc.examples.push((cell, policy, msgs.join("; ")));
            }
            acc
        })
        .reduce(Acc::default, Acc::merge);

    // Input errors: (in the base file, key, message, at the policy's own table) -> the policies with it.
    let mut found: BTreeMap<(bool, String, String, bool), BTreeSet<usize>> = BTreeMap::new();
    for ((policy, from, path), g) in &acc.groups {
        let everywhere = match from {
            Origin::Base | Origin::Policy => n_cells,
            Origin::Param(k, _) => per_value[*k],
        };
        // A problem at a table above a swept key (the key's parent) blames the value
        // only when it reads the same in every cell: a table holding two swept keys has
        // the problem of one of them in every cell of the other's values too.
        let above =
            matches!(from, Origin::Param(k, _) if path != &params[*k] && !under(path, &params[*k]));
        if g.cells < everywhere || (above && !g.same) {
            continue;
        }
        let issue = Issue::new(path.clone(), g.first.1.clone());
        let (in_base, key, message) = match from {
            Origin::Base => base_key(at, &issue),
            Origin::Policy => {
                let file_key = at.policies[*policy].clone().unwrap_or_default();
                let rest = path.strip_prefix("policy").unwrap_or(path);
                (false, format!("{file_key}{rest}"), describe(&issue))
            }
            Origin::Param(k, v) => {
                let a = &params[*k];
                let value = plan
                    .axes
                    .get(*k)
                    .map(|ax| ax.values[*v].to_string())
                    .or_else(|| {
                        let d = plan.design.as_ref()?;
                        let x = d.points[*v][*k - plan.axes.len()];
                        Some(format!("{x} (design point {v})"))
                    })
                    .unwrap_or_default();
                let p_at = &at.params[*k];
                if issue.message.starts_with("unknown field") {
                    (
                        false,
                        p_at.path.clone(),
                        format!("{a:?}: {}", describe(&issue)),
                    )
                } else if path == a {
                    (
                        false,
                        format!("{}.{v}", p_at.values),
                        format!("{a} = {value}: {}", issue.message),
                    )
                } else {
                    (
                        false,
                        format!("{}.{v}", p_at.values),
                        format!("{a} = {value}: {}", describe(&issue)),
                    )
                }
            }
        };
        let own_table = *from == Origin::Policy;
        found
            .entry((in_base, key, message, own_table))
            .or_default()
            .insert(*policy);
    }
    if found.is_empty() {
        let mut examples = acc.examples;
        examples.sort_by_key(|e| (e.0, e.1));
        return Ok(Feasibility {
            checked: total,
            infeasible: acc.infeasible,
            examples: examples
                .into_iter()
                .map(|(cell, policy, msg)| {
                    format!(
                        "cell {cell} ({}), policy {:?}: {msg}",
                        cell_desc(plan, cell),
                        plan.policies[policy].label
                    )
                })
                .collect(),
        });
    }
    let (mut in_file, mut in_base) = (Vec::new(), Vec::new());
    for ((base_file, key, message, own_table), policies) in found {
        let message = if !own_table && policies.len() < n_pol && n_pol > 1 {
            let labels: Vec<String> = policies
                .iter()
                .map(|&p| format!("{:?}", plan.policies[p].label))
                .collect();
            let s = if labels.len() > 1 { "ies" } else { "y" };
            format!("{message} (with polic{s} {})", labels.join(", "))
        } else {
            message
        };
        if base_file {
            in_base.push((key, message));
        } else {
            in_file.push((key, message));
        }
    }
    let mut errors = Vec::new();
    if let BaseAt::File(src) = at.base
        && !in_base.is_empty()
    {
        errors.push(located(src, &in_base));
    }
    if !in_file.is_empty() {
        errors.push(located(at.file, &in_file));
    }
    Err(InputErrors(errors))
}

/// Where in the plan's files a problem of the base is: its key in `set` when `set` wrote
/// it, else in the base table or file. `true` when in the base file.
fn base_key(at: &PlanAt<'_>, issue: &Issue) -> (bool, String, String) {
    let message = describe(issue);
    if let Some((key, set)) = at.set
        && writes(set, &issue.path)
    {
        return (false, join(key, &issue.path), message);
    }
    match at.base {
        BaseAt::Inline(key) => (false, join(key, &issue.path), message),
        BaseAt::File(_) => (true, issue.path.clone(), message),
    }
}

/// Whether merging `set` over a table decides the value at `path`: the path is in `set`, or
/// `set` puts something other than a table on the way to it.
fn writes(set: &toml::Table, path: &str) -> bool {
    let mut cur = set;
    for part in path.split('.') {
        match cur.get(part) {
            None => return false,
            Some(toml::Value::Table(t)) => cur = t,
            Some(_) => return true,
        }
    }
    !path.is_empty()
}

fn join(key: &str, path: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{key}.{path}")
    }
}

/// An issue as a message: `path: message`, or the message alone when it names its key
/// (an unknown key) or is about the whole scenario.
fn describe(i: &Issue) -> String {
    if i.message.starts_with("unknown field") {
        i.message.clone()
    } else {
        scenario::describe(i)
    }
}

/// Problems at dotted keys of `src`, located (the file parsed once), in file order.
fn located(src: &Source, problems: &[(String, String)]) -> InputError {
    let index = src.index();
    InputError {
        file: src.name().to_string(),
        problems: problems
            .iter()
            .map(|(key, message)| {
                let (line, col) = src.line_col(index.offset_of(key));
                Problem {
                    line,
                    col,
                    message: message.clone(),
                }
            })
            .collect(),
    }
    .sorted()
}

/// A cell's parameter values, `path = value, ...`.
fn cell_desc(plan: &SweepPlan, cell: usize) -> String {
    plan.params()
        .iter()
        .zip(plan.cell_values(cell))
        .map(|(p, v)| format!("{p} = {}", crate::base::fmt::param_str(&v)))
        .collect::<Vec<_>>()
        .join(", ")
}
