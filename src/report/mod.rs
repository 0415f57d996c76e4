//! Reports of a sweep: plots (PNG and SVG) and a markdown summary, drawn from the run
//! table and the time series.

pub mod markdown;
pub mod plot;

use crate::base::fmt::param_str;
use crate::base::stats::{MeanCi, mean_ci, paired_ci};
use crate::scenario::objective::Direction;
use crate::sweep::csv::{self, SeriesSummary};
use crate::sweep::folder::REPORT;
use crate::sweep::plan::{Method, SweepPlan};
use crate::sweep::read::read_runs;
use crate::sweep::summary::{LEVEL, Lookup, RunTable, Summary};
use std::path::Path;

use crate::base::output::write_atomic;

/// One plot written: file stem relative to the output folder and a caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotInfo {
    /// Path without extension, relative to the output folder (`plots/yield_by_policy`).
    pub stem: String,
    /// What it shows.
    pub caption: String,
}

/// A label with its unit for known metrics and series columns.
pub fn with_unit(name: &str) -> String {
    let unit = match name {
        "yield" => "value of tasks solved per run",
        "yield_per_dollar" => "value solved per dollar",
        "hour" | "horizon_hours" | "epoch_hours" | "sample_every_hours" => "hours",
        "harness_quality" | "harness_quality_final" | "harness_quality_mean" => {
            "skill units, traffic-weighted"
        }
        "budget" => "dollars",
        "failure_rate" | "solve_rate" | "coverage" | "verifier_accuracy" => "fraction",
        "evolver_share" => "fraction of spend",
        "workload.arrival_per_hour" => "tasks per hour",
        "tasks_attempted" | "tasks_solved" | "tasks_arrived" | "tasks_unserved" => "tasks",
        "edits_accepted" | "edits_proposed" | "edits_distinct" | "edits_valid" | "edits_judged"
        | "edits_harmful" => "edits",
        n if n.starts_with("spend")
            || n.starts_with("allocated_")
            || n.starts_with("unspent_")
            || n == "budget_per_day" =>
        {
            "dollars"
        }
        p if p.starts_with("policy.shares.") => "share of budget",
        _ => "",
    };
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// The range a metric or series column cannot leave: `[0, 1]` for fractions and shares,
/// `[0, inf)` for counts, dollars and value, unbounded otherwise. Confidence bands are
/// clipped to it (a t interval of a share near 0 reaches below 0; the share cannot).
pub fn bounds(name: &str) -> (f64, f64) {
    let fraction = matches!(
        name,
        "failure_rate" | "solve_rate" | "verifier_accuracy" | "evolver_share"
    ) || name.starts_with("harmful_share")
        || name.starts_with("solve_rate_bin")
        || name.starts_with("policy.shares.");
    let non_negative = name.starts_with("yield")
        || name.starts_with("tasks_")
        || name.starts_with("spend")
        || name.starts_with("allocated_")
        || name.starts_with("unspent_")
        || name.starts_with("edits_")
        || name.starts_with("passed_")
        || name.starts_with("attempted_bin")
        || matches!(name, "events" | "value_arrived" | "harness_versions");
    if fraction {
        (0.0, 1.0)
    } else if non_negative {
        (0.0, f64::INFINITY)
    } else {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
}

/// An interval clipped to `bounds` (the mean is left as it is).
pub fn clip(mut ci: MeanCi, (lo, hi): (f64, f64)) -> MeanCi {
    if ci.lo.is_finite() {
        ci.lo = ci.lo.clamp(lo, hi);
    }
    if ci.hi.is_finite() {
        ci.hi = ci.hi.clamp(lo, hi);
    }
    ci
}

/// Whether a time-series column accumulates from hour 0 (else it is a level at the row, or
/// a rate over the interval since the previous row).
pub fn cumulative(col: &str) -> bool {
    matches!(
        col,
        "yield"
            | "tasks_attempted"
            | "tasks_solved"
            | "spend_evolver"
            | "spend_user"
            | "spend_verifier"
            | "edits_accepted"
            | "edits_proposed"
            | "edits_distinct"
    )
}

/// Most panels of a faceted plot; further categorical axes are averaged over (and the
/// caption says so).
const MAX_FACETS: usize = 16;

/// The categorical axes of a plan (values not all numbers, like tier names): plots draw a
/// panel per combination of their values instead of averaging over them.
#[derive(Debug, Clone, PartialEq)]
pub struct Facets {
    /// The faceted axes.
    pub axes: Vec<usize>,
    /// Each combination: the value index on each faceted axis, and `path = value, ...`.
    pub values: Vec<(Vec<usize>, String)>,
    /// Categorical axes left averaged (past [`MAX_FACETS`] panels).
    pub averaged: Vec<String>,
}

impl Facets {
    /// The facets of `plan`.
    pub fn of(plan: &SweepPlan) -> Facets {
        let mut f = Facets {
            axes: Vec::new(),
            values: vec![(Vec::new(), String::new())],
            averaged: Vec::new(),
        };
        for (i, a) in plan.axes.iter().enumerate() {
            if a.values.len() < 2 || a.values.iter().all(is_numeric) {
                continue;
            }
            if f.values.len() * a.values.len() > MAX_FACETS {
                f.averaged.push(a.path.clone());
                continue;
            }
            f.axes.push(i);
            f.values = f
                .values
                .iter()
                .flat_map(|(idx, label)| {
                    a.values.iter().enumerate().map(move |(k, v)| {
                        let mut idx = idx.clone();
                        idx.push(k);
                        let this = format!("{} = {}", a.path, param_str(v));
                        let label = if label.is_empty() {
                            this
                        } else {
                            format!("{label}, {this}")
                        };
                        (idx, label)
                    })
                })
                .collect();
        }
        f
    }

    /// One panel per value of grid axis `axis` (numeric or not), no other axis faceted.
    pub fn on(plan: &SweepPlan, axis: usize) -> Facets {
        let a = &plan.axes[axis];
        Facets {
            axes: vec![axis],
            values: a
                .values
                .iter()
                .enumerate()
                .map(|(k, v)| (vec![k], format!("{} = {}", a.path, param_str(v))))
                .collect(),
            averaged: Vec::new(),
        }
    }

    /// What a caption says of the facets: `; one panel per value of ...`, and the
    /// categorical axes averaged over, if any.
    pub fn caption(&self) -> String {
        let mut s = String::new();
        if !self.axes.is_empty() {
            s.push_str("; one panel per value of the categorical axes");
        }
        if !self.averaged.is_empty() {
            s.push_str(&format!(
                "; averaged over `{}` (more panels than {MAX_FACETS})",
                self.averaged.join("`, `")
            ));
        }
        s
    }
}

/// The allocation maps: per policy, the mean of metric `m` over the numeric axes `(ax,
/// ay)`, one panel per facet, on one colour scale for every policy; with `mark = (o,
/// direction)`, the best cell of each policy by the mean of objective metric `o` in
/// `direction` outlined in red, the cells whose paired 95% CI of the difference in `o`
/// from it includes 0 in orange. `stem_of(policy, label)` names each file.
#[allow(clippy::too_many_arguments)]
fn heatmaps(
    dir: &Path,
    plan: &SweepPlan,
    look: &Lookup<'_>,
    m: usize,
    name: &str,
    (ax, ay): (usize, usize),
    facets: &Facets,
    mark: Option<(usize, Direction, &str)>,
    stem_of: &dyn Fn(usize, &str) -> String,
) -> anyhow::Result<Vec<PlotInfo>> {
    let mut keys = vec![ax, ay];
    keys.extend(facets.axes.iter().copied());
    let groups = look.group_reps(m, &keys);
    let by = match mark {
        Some((o, _, _)) if o != m => look.group_reps(o, &keys),
        _ => groups.clone(),
    };
    let mean = |xs: &[f64]| mean_ci(&finite(xs), LEVEL).mean;
    let (mut zmin, mut zmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for reps in groups.values().flatten() {
        let v = mean(reps);
        if v.is_finite() {
            zmin = zmin.min(v);
            zmax = zmax.max(v);
        }
    }
    let (xa, ya) = (&plan.axes[ax], &plan.axes[ay]);
    let xt: Vec<String> = xa.values.iter().map(param_str).collect();
    let yt: Vec<String> = ya.values.iter().map(param_str).collect();
    let averaged = plan.params().len() > keys.len();
    let over = if averaged {
        " (other numeric parameters averaged)"
    } else {
        ""
    };
    let mut out = Vec::new();
    for (p, policy) in plan.policies.iter().enumerate() {
        let l = &policy.label;
        let mut best: Option<(&Vec<usize>, f64)> = None;
        if let Some((_, dir, _)) = mark {
            for (k, reps) in &by {
                let v = mean(&reps[p]);
                if v.is_finite() && best.is_none_or(|(_, b)| dir.better(v, b)) {
                    best = Some((k, v));
                }
            }
        }
        let near: Vec<&Vec<usize>> = match best {
            None => Vec::new(),
            Some((bk, _)) => by
                .iter()
                .filter(|(k, reps)| {
                    *k != bk && {
                        let d: Vec<f64> = reps[p]
                            .iter()
                            .zip(&by[bk][p])
                            .map(|(a, b)| a - b)
                            .filter(|d| d.is_finite())
                            .collect();
                        let ci = mean_ci(&d, LEVEL);
                        ci.lo <= 0.0 && ci.hi >= 0.0
                    }
                })
                .map(|(k, _)| k)
                .collect(),
        };
        let panels: Vec<plot::HeatPanel> = facets
            .values
            .iter()
            .map(|(idx, label)| {
                let mut z = vec![vec![f64::NAN; yt.len()]; xt.len()];
                for (k, reps) in &groups {
                    if k[2..] == idx[..] {
                        z[k[0]][k[1]] = mean(&reps[p]);
                    }
                }
                let here = |k: &Vec<usize>| (k[2..] == idx[..]).then_some((k[0], k[1]));
                plot::HeatPanel {
                    title: label.clone(),
                    z,
                    best: best.and_then(|(k, _)| here(k)),
                    near: near.iter().filter_map(|k| here(k)).collect(),
                }
            })
            .collect();
        let stem = stem_of(p, l);
        let (by_name, by_dir) = mark.map_or(("", Direction::Maximize), |(_, d, n)| (n, d));
        let best_txt = best.map_or(String::new(), |(k, v)| {
            let facet = facets
                .values
                .iter()
                .find(|(idx, _)| k[2..] == idx[..])
                .map_or(String::new(), |(_, f)| {
                    if f.is_empty() {
                        String::new()
                    } else {
                        format!(", {f}")
                    }
                });
            format!(
                "; best ({} mean {by_name}) {} = {}, {} = {}{facet} (outlined in red): \
                 {by_name} {}; {} other cells (orange) have a paired 95% CI of the \
                 difference in {by_name} from it that includes 0",
                by_dir.superlative(),
                xa.path,
                xt[k[0]],
                ya.path,
                yt[k[1]],
                crate::base::fmt::sig(v),
                near.len()
            )
        });
        let legend = format!(
            "red: the best cell ({} mean {by_name}); orange: cells whose paired 95% CI of \
             the difference from it includes 0",
            by_dir.superlative()
        );
        plot::heatmap_panels_with(
            &dir.join(&stem),
            &legend,
            &format!("Mean {name}, policy {l}"),
            &with_unit(&xa.path),
            &with_unit(&ya.path),
            &with_unit(name),
            &xt,
            &yt,
            &panels,
            (zmin, zmax),
        )?;
        out.push(PlotInfo {
            stem,
            caption: format!(
                "Allocation map for policy {l}: mean {name} over `{}` x `{}`{over}{}, one colour \
                 scale for every policy{best_txt}.",
                xa.path,
                ya.path,
                facets.caption()
            ),
        });
    }
    Ok(out)
}

/// The finite values of `xs`.
fn finite(xs: &[f64]) -> Vec<f64> {
    xs.iter().copied().filter(|x| x.is_finite()).collect()
}

/// A file-name-safe form of `s`.
pub fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() { "_".into() } else { out }
}

fn is_numeric(v: &toml::Value) -> bool {
    matches!(v, toml::Value::Float(_) | toml::Value::Integer(_))
}

fn as_f64(v: &toml::Value) -> f64 {
    match v {
        toml::Value::Float(f) => *f,
        toml::Value::Integer(i) => *i as f64,
        _ => f64::NAN,
    }
}

/// `path = value` for each parameter of `cell`, comma-separated (empty for a sweep without
/// parameters).
pub fn cell_desc(plan: &SweepPlan, cell: usize) -> String {
    plan.params()
        .iter()
        .zip(plan.cell_values(cell))
        .map(|(p, v)| format!("{p} = {}", param_str(&v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `path = value, ...` of `cell` with each path shortened to its last part
/// (`evolver = 0.05, verifier = 0.01`), for tick labels.
pub fn cell_short(plan: &SweepPlan, cell: usize) -> String {
    plan.params()
        .iter()
        .zip(plan.cell_values(cell))
        .map(|(p, v)| {
            let short = p.rsplit('.').next().unwrap_or(p);
            let value = match v {
                toml::Value::Float(x) => tick(x),
                v => param_str(&v),
            };
            format!("{short} = {value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A number for a label: 4 significant digits, no trailing zeros (`0.01875`, `129.7`).
fn tick(x: f64) -> String {
    let s = crate::base::fmt::sig(x);
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The plots of one run metric `m`: per policy (mean over the cells and, with more than
/// one cell and a metric where higher is better, at each policy's best cell), the paired
/// difference of each policy from the reference, against the first numeric axis, and the
/// heatmaps over two numeric axes; categorical axes (`facets`) get a panel per value.
/// `suffix` ends every stem (e.g. `_by_tiers_user` for a requested facet).
fn metric_plots(
    dir: &Path,
    plan: &SweepPlan,
    table: &RunTable,
    summary: &Summary,
    m: usize,
    facets: &Facets,
    suffix: &str,
) -> anyhow::Result<Vec<PlotInfo>> {
    let mut out = Vec::new();
    let labels: Vec<String> = plan.policies.iter().map(|p| p.label.clone()).collect();
    let name = &table.metrics[m];
    let look = Lookup::new(plan, table);
    let over = if plan.n_cells() > 1 {
        format!(" (mean over {} cells)", plan.n_cells())
    } else {
        String::new()
    };
    if let Some(cis) = look.marginal(m, &[]).values().next() {
        let stem = format!("plots/{}_by_policy{suffix}", slug(name));
        let cis: Vec<MeanCi> = cis.iter().map(|c| clip(*c, bounds(name))).collect();
        plot::bar_ci(
            &dir.join(&stem),
            &format!("Mean {name} per policy{over}, 95% CI"),
            "policy",
            &with_unit(name),
            &labels,
            &cis,
        )?;
        out.push(PlotInfo {
            stem,
            caption: format!(
                "Mean {name} per policy{over} with 95% confidence intervals over replications."
            ),
        });
    }
    if labels.len() > 1
        && let Some(reps) = look.group_reps(m, &[]).values().next()
    {
        let r = plan.reference;
        let reference = &labels[r];
        let cis: Vec<MeanCi> = (0..labels.len())
            .filter(|&p| p != r)
            .map(|p| paired_ci(&reps[p], &reps[r], LEVEL))
            .collect();
        let diff_labels: Vec<String> = labels
            .iter()
            .enumerate()
            .filter(|&(p, _)| p != r)
            .map(|(_, l)| l.clone())
            .collect();
        let stem = format!("plots/{}_diff_by_policy{suffix}", slug(name));
        plot::bar_ci(
            &dir.join(&stem),
            &format!("{name}: each policy minus {reference}, paired 95% CI"),
            "policy",
            &format!("difference in {}", with_unit(name)),
            &diff_labels,
            &cis,
        )?;
        out.push(PlotInfo {
            stem,
            caption: format!(
                "Mean {name}{over} of each policy minus that of the reference policy \
                 `{reference}`, paired by replication (common random numbers), with the 95% \
                 CI of the difference: a bar whose interval excludes 0 differs from the \
                 reference, however close the two means look on their own."
            ),
        });
    }
    if plan.n_cells() > 1
        && let Some((o, direction)) = summary.objective
    {
        let best_cells = summary.best_objective_cells();
        let by = if o == m {
            format!("its {} mean {name}", direction.superlative())
        } else {
            format!(
                "its {} mean {}",
                direction.superlative(),
                summary.metrics[o]
            )
        };
        let cis: Vec<MeanCi> = best_cells
            .iter()
            .enumerate()
            .map(|(p, c)| {
                c.and_then(|c| summary.get(c, p, m))
                    .map_or_else(|| mean_ci(&[], LEVEL), |r| clip(r.ci, bounds(name)))
            })
            .collect();
        let ticks: Vec<String> = best_cells
            .iter()
            .zip(&labels)
            .map(|(c, l)| match c {
                Some(c) => format!("{l} at {}", cell_short(plan, *c)),
                None => l.clone(),
            })
            .collect();
        let stem = format!("plots/{}_best_cell_by_policy{suffix}", slug(name));
        plot::bar_ci(
            &dir.join(&stem),
            &format!("{name} at each policy's best cell, 95% CI"),
            &format!("policy, at its best cell ({by})"),
            &with_unit(name),
            &ticks,
            &cis,
        )?;
        let at: Vec<String> = best_cells
            .iter()
            .zip(&labels)
            .filter_map(|(c, l)| c.map(|c| format!("{l}: cell {c} ({})", cell_desc(plan, c))))
            .collect();
        out.push(PlotInfo {
            stem,
            caption: format!(
                "Mean {name} of each policy at its best of {} cells ({by}), with 95% CIs \
                 over replications (picked as the best, so optimistic); each bar names its \
                 cell: {}.",
                plan.n_cells(),
                at.join("; ")
            ),
        });
    }
    let numeric: Vec<usize> = plan
        .axes
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            a.values.len() >= 2 && a.values.iter().all(is_numeric) && !facets.axes.contains(i)
        })
        .map(|(i, _)| i)
        .collect();
    if let Some(&a) = numeric.first() {
        let axis = &plan.axes[a];
        let mut keys = vec![a];
        keys.extend(facets.axes.iter().copied());
        let groups = look.marginal(m, &keys);
        let bounds = bounds(name);
        let lines_of = |facet: &[usize]| -> Vec<plot::Line> {
            labels
                .iter()
                .enumerate()
                .map(|(p, l)| {
                    let pts = groups
                        .iter()
                        .filter(|(k, _)| k[1..] == *facet)
                        .map(|(k, cis)| (as_f64(&axis.values[k[0]]), clip(cis[p], bounds)))
                        .collect();
                    (l.clone(), pts)
                })
                .collect()
        };
        let stem = format!("plots/{}_vs_{}{suffix}", slug(name), slug(&axis.path));
        let averaged = plan.params().len() > 1 + facets.axes.len();
        let others = if averaged {
            " (other numeric parameters averaged)"
        } else {
            ""
        };
        let title = format!("{name} against {} per policy, 95% CI", axis.path);
        if facets.axes.is_empty() {
            plot::lines_or_multiples(
                &dir.join(&stem),
                &title,
                &with_unit(&axis.path),
                &with_unit(name),
                &lines_of(&[]),
            )?;
        } else {
            let panels: Vec<plot::Panel> = facets
                .values
                .iter()
                .map(|(idx, label)| (label.clone(), lines_of(idx)))
                .collect();
            plot::lines_ci_panels(
                &dir.join(&stem),
                &title,
                &with_unit(&axis.path),
                &with_unit(name),
                &panels,
            )?;
        }
        out.push(PlotInfo {
            stem,
            caption: format!(
                "Mean {name} against `{}` per policy{others}{}, shaded 95% CI.",
                axis.path,
                facets.caption()
            ),
        });
    }
    if numeric.len() >= 2 {
        let find = |suffix: &str| {
            numeric
                .iter()
                .copied()
                .find(|&i| plan.axes[i].path.ends_with(suffix))
        };
        let (ax, ay) = match (find("evolver"), find("verifier")) {
            (Some(x), Some(y)) if x != y => (x, y),
            _ => (numeric[0], numeric[1]),
        };
        let stem_of = |p: usize, l: &str| {
            if Some(m) == summary.objective.map(|(o, _)| o).or(table.headline()) {
                format!("plots/heatmap_{p}_{}{suffix}", slug(l))
            } else {
                format!("plots/heatmap_{}_{p}_{}{suffix}", slug(name), slug(l))
            }
        };
        out.extend(heatmaps(
            dir,
            plan,
            &look,
            m,
            name,
            (ax, ay),
            facets,
            summary
                .objective
                .map(|(o, d)| (o, d, summary.metrics[o].as_str())),
            &stem_of,
        )?);
    }
    Ok(out)
}

/// Outputs a sampled design draws against each varied parameter, in order: the headline
/// and the yield per dollar.
const DESIGN_OUTPUTS: [&str; 2] = ["yield", "yield_per_dollar"];

/// For a sweep with a sampled `[design]`: each of [`DESIGN_OUTPUTS`] (those the runs
/// record) against each numeric parameter (design dimensions and numeric axes), a dot per
/// cell and policy (the mean over replications) and a trend line per policy.
fn design_plots(
    dir: &Path,
    plan: &SweepPlan,
    table: &RunTable,
    summary: &Summary,
) -> anyhow::Result<Vec<PlotInfo>> {
    let Some(design) = &plan.design else {
        return Ok(Vec::new());
    };
    let labels: Vec<String> = plan.policies.iter().map(|p| p.label.clone()).collect();
    let params = plan.params();
    let values: Vec<Vec<f64>> = (0..plan.n_cells())
        .map(|c| plan.cell_values(c).iter().map(as_f64).collect())
        .collect();
    let varied: Vec<usize> = (0..params.len())
        .filter(|&i| {
            let xs: Vec<f64> = values.iter().map(|v| v[i]).collect();
            xs.iter().all(|x| x.is_finite()) && xs.iter().any(|&x| x != xs[0])
        })
        .collect();
    let mut out = Vec::new();
    for name in DESIGN_OUTPUTS {
        let Some(m) = table.metric_index(name) else {
            continue;
        };
        let panels: Vec<plot::ScatterPanel> = varied
            .iter()
            .map(|&i| plot::ScatterPanel {
                x_label: with_unit(&params[i]),
                points: (0..labels.len())
                    .map(|p| {
                        (0..plan.n_cells())
                            .filter_map(|c| {
                                let y = summary.get(c, p, m)?.ci.mean;
                                Some((values[c][i], y))
                            })
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        if panels.is_empty() {
            continue;
        }
        let stem = format!("plots/design_{}", slug(name));
        plot::scatter_panels(
            &dir.join(&stem),
            &format!(
                "{name} against each varied parameter ({} design)",
                match design.method {
                    Method::Sobol => "Sobol",
                    Method::Lhs => "Latin hypercube",
                    Method::Random => "random",
                    Method::Given => "given",
                }
            ),
            &with_unit(name),
            &labels,
            &panels,
        )?;
        out.push(PlotInfo {
            stem,
            caption: format!(
                "Mean {name} over replications at each of the {} cells (dots), against each \
                 varied parameter (`{}`), one colour per policy; the lines join the means of \
                 {} equal-count bins of the parameter, the other parameters varying as the \
                 design drew them.",
                plan.n_cells(),
                varied
                    .iter()
                    .map(|&i| params[i].as_str())
                    .collect::<Vec<_>>()
                    .join("`, `"),
                plot::trend_bins(plan.n_cells())
            ),
        });
    }
    Ok(out)
}

/// The y axis of a time-series column: its unit and whether it is cumulative, a level at
/// the row's hour, or a rate over the interval since the previous row.
pub fn series_label(col: &str) -> String {
    let unit = match col {
        "yield" => "value of tasks solved",
        "tasks_attempted" | "tasks_solved" => "tasks",
        c if c.starts_with("spend") => "dollars",
        c if c.starts_with("edits") => "edits",
        "harness_quality" => "skill units, traffic-weighted, at the row's hour",
        "failure_rate" => "fraction of the tasks attempted since the previous row",
        "evolver_share" => "fraction of the spend since the previous row",
        _ => "",
    };
    match (cumulative(col), unit.is_empty()) {
        (true, false) => format!("{col} ({unit}, cumulative from hour 0)"),
        (true, true) => format!("{col} (cumulative from hour 0)"),
        (false, false) => format!("{col} ({unit})"),
        (false, true) => col.to_string(),
    }
}

/// The plot of time-series column `c`: per policy (at its best cell), mean over
/// replications with its 95% band.
fn series_plot(
    dir: &Path,
    plan: &SweepPlan,
    series: &SeriesSummary,
    c: usize,
) -> anyhow::Result<PlotInfo> {
    let labels: Vec<String> = plan.policies.iter().map(|p| p.label.clone()).collect();
    let scope = if plan.n_cells() > 1 {
        " at its best cell"
    } else {
        ""
    };
    let col = &series.columns[c];
    let b = bounds(col);
    let lines: Vec<plot::Line> = labels
        .iter()
        .enumerate()
        .map(|(p, l)| {
            let pts = series
                .line(p, c)
                .into_iter()
                .map(|(x, ci)| (x, clip(ci, b)))
                .collect();
            (l.clone(), pts)
        })
        .collect();
    let stem = format!("plots/series_{}", slug(col));
    let (title, what) = if cumulative(col) {
        (
            format!("{col}, cumulative, per policy{scope}, 95% CI"),
            format!("`{col}` accumulated from hour 0 (cumulative) at each sampled hour"),
        )
    } else {
        (
            format!("{col} over time per policy{scope}, 95% CI"),
            if col == "harness_quality" {
                format!("`{col}` at each sampled hour")
            } else {
                format!(
                    "`{col}` over the interval since the previous sampled hour (a row at hour \
                     t covers [t - interval, t))"
                )
            },
        )
    };
    plot::series(&dir.join(&stem), &title, &series_label(col), &lines)?;
    let layout = if lines.len() > plot::MAX_LINES_ON_ONE_CHART {
        "; one panel per policy, the others in grey behind it"
    } else {
        ""
    };
    Ok(PlotInfo {
        stem,
        caption: format!(
            "{what} for each policy{scope}: mean over replications, shaded 95% CI{layout}."
        ),
    })
}

/// Draws every plot of a sweep into `dir/plots/` and returns what was drawn: for the
/// headline metric, [`metric_plots`] (per policy, paired differences from the reference,
/// at each policy's best cell, against the first numeric axis, heatmaps over two axes with
/// the best cell outlined), for a sampled design each output against each varied
/// parameter, and each time-series column per policy at its best cell
/// (`harness_quality` first).
pub fn draw_all(
    dir: &Path,
    plan: &SweepPlan,
    table: &RunTable,
    summary: &Summary,
    series: &SeriesSummary,
) -> anyhow::Result<Vec<PlotInfo>> {
    let mut out = Vec::new();
    if let Some(m) = summary.objective.map(|(o, _)| o).or(table.headline()) {
        out.extend(metric_plots(
            dir,
            plan,
            table,
            summary,
            m,
            &Facets::of(plan),
            "",
        )?);
    }
    out.extend(design_plots(dir, plan, table, summary)?);
    // Time series: harness quality first, then the rest in the simulator's order.
    let mut order: Vec<usize> = (0..series.columns.len()).collect();
    order.sort_by_key(|&c| series.columns[c] != "harness_quality");
    for c in order {
        out.push(series_plot(dir, plan, series, c)?);
    }
    let _ = std::fs::create_dir_all(dir.join("plots"));
    Ok(out)
}

/// What `triad plot --metric` redraws: a run metric (from `runs.csv`) or a time-series
/// column (from `timeseries.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Index into the run table's metrics.
    Run(usize),
    /// Index into the time series' columns.
    Series(usize),
}

/// Redraws the plots of one metric `m` of a finished sweep folder; `facet`, a grid axis of
/// the plan, gets one panel per value (numeric or not) in place of the plan's categorical
/// axes, and the stems end in `_by_<axis>`.
pub fn draw_metric(
    dir: &Path,
    plan: &SweepPlan,
    table: &RunTable,
    summary: &Summary,
    series: &SeriesSummary,
    m: MetricKind,
    facet: Option<usize>,
) -> anyhow::Result<Vec<PlotInfo>> {
    match m {
        MetricKind::Series(c) => Ok(vec![series_plot(dir, plan, series, c)?]),
        MetricKind::Run(m) => {
            let (facets, suffix) = match facet {
                Some(a) => (
                    Facets::on(plan, a),
                    format!("_by_{}", slug(&plan.axes[a].path)),
                ),
                None => (Facets::of(plan), String::new()),
            };
            let mut out = metric_plots(dir, plan, table, summary, m, &facets, &suffix)?;
            if plan.design.is_some() && facet.is_none() {
                out.extend(design_plots(dir, plan, table, summary)?);
            }
            Ok(out)
        }
    }
}

/// Writes `summary.csv`, `paired.csv`, `near_best.csv`, `timeseries_summary.csv`, the
/// plots and `report.md` from `runs.csv` and `timeseries.csv`. `about` is the report's
/// "what ran" section (no wall-clock times, so that outputs compare byte for byte).
/// Returns the warnings the report gives (a best cell on the edge of the grid,
/// [`edge_warnings`]), for the command to print.
pub fn finalize(dir: &Path, plan: &SweepPlan, about: &str) -> anyhow::Result<Vec<String>> {
    let table = read_runs(dir, plan)?;
    let summary = Summary::new(plan, &table);
    csv::write_summary_csvs(dir, plan, &summary)?;
    csv::write_near_best(dir, plan, &summary)?;
    let series = csv::read_series(dir, plan, &table, &summary.best_objective_cells())?;
    csv::write_series_summary(dir, plan, &series)?;
    let plots = draw_all(dir, plan, &table, &summary, &series)?;
    let md = markdown::report(plan, &table, &summary, &plots, about);
    write_atomic(&dir.join(REPORT), md.as_bytes())?;
    Ok(edge_warnings(plan, &summary))
}

/// A policy's best cell at the smallest or largest value of a numeric grid axis (two
/// values or more).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Policy index.
    pub policy: usize,
    /// The best cell.
    pub cell: usize,
    /// Grid axis index.
    pub axis: usize,
    /// Whether the cell's value is the axis's largest (else its smallest).
    pub high: bool,
}

/// Where each policy's best cell sits on the edge of the grid: for every numeric grid
/// axis of two values or more, whether the best cell's value is the axis's smallest or
/// largest. An edge at the bound the key itself cannot pass (a share of 0 or 1,
/// [`bounds`]) is left out: the grid cannot be widened there, and the optimum may be
/// the bound itself.
pub fn edges(plan: &SweepPlan, summary: &Summary) -> Vec<Edge> {
    let mut out = Vec::new();
    for (policy, best) in summary.best_objective_cells().iter().enumerate() {
        let Some(cell) = *best else { continue };
        let (idx, _) = plan.cell_position(cell);
        for (axis, a) in plan.axes.iter().enumerate() {
            if a.values.len() < 2 || !a.values.iter().all(is_numeric) {
                continue;
            }
            let xs: Vec<f64> = a.values.iter().map(as_f64).collect();
            let (lo, hi) = xs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                    (l.min(x), h.max(x))
                });
            let x = xs[idx[axis]];
            let (key_lo, key_hi) = bounds(&a.path);
            if x == hi && x != key_hi {
                out.push(Edge {
                    policy,
                    cell,
                    axis,
                    high: true,
                });
            } else if x == lo && x != key_lo {
                out.push(Edge {
                    policy,
                    cell,
                    axis,
                    high: false,
                });
            }
        }
    }
    out
}

/// One sentence per [`edges`]: the policy, the axis, the value and which end, and that
/// the axis should be widened.
pub fn edge_warnings(plan: &SweepPlan, summary: &Summary) -> Vec<String> {
    edges(plan, summary)
        .iter()
        .map(|e| {
            let a = &plan.axes[e.axis];
            let (idx, _) = plan.cell_position(e.cell);
            format!(
                "policy `{}`: its best cell ({}) sits at `{}` = {}, the {} value of the axis; \
                 the best may lie beyond it: widen `{}` {} and sweep again",
                plan.policies[e.policy].label,
                e.cell,
                a.path,
                param_str(&a.values[idx[e.axis]]),
                if e.high { "largest" } else { "smallest" },
                a.path,
                if e.high { "upwards" } else { "downwards" },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::summary::RunRow;
    use crate::sweep::{Axis, SweepPlan};

    /// The edges of a one-axis sweep whose cells' yields (every replication alike) are
    /// `yields`.
    fn edges_of(path: &str, values: &[f64], yields: &[f64]) -> Vec<Edge> {
        let axes = vec![Axis {
            path: path.into(),
            values: values.iter().map(|&v| toml::Value::Float(v)).collect(),
        }];
        let plan = SweepPlan::new("t", toml::Table::new(), axes, None, vec![], 2, 1).unwrap();
        let mut rows: Vec<RunRow> = (0..plan.n_runs())
            .map(|i| RunRow::ok(i, vec![yields[plan.run(i).cell]]))
            .collect();
        rows.sort_by_key(|r| r.run);
        let table = RunTable {
            metrics: vec!["yield".into()],
            rows,
        };
        edges(&plan, &Summary::new(&plan, &table))
    }

    #[test]
    fn a_best_cell_on_the_edge_is_found_and_an_interior_one_is_not() {
        let x = "workload.arrival_per_hour";
        assert!(edges_of(x, &[50.0, 100.0, 150.0], &[1.0, 3.0, 2.0]).is_empty());
        let e = edges_of(x, &[50.0, 100.0, 150.0], &[1.0, 2.0, 3.0]);
        assert_eq!((e.len(), e[0].cell, e[0].high), (1, 2, true), "{e:?}");
        // Values out of order: the edge is the smallest value, not the first.
        let e = edges_of(x, &[100.0, 50.0, 150.0], &[1.0, 3.0, 2.0]);
        assert_eq!((e.len(), e[0].cell, e[0].high), (1, 1, false), "{e:?}");
        // A share of 0 is the key's own bound: nothing to widen.
        let share = "policy.shares.evolver";
        assert!(edges_of(share, &[0.0, 0.1, 0.2], &[3.0, 2.0, 1.0]).is_empty());
        assert_eq!(edges_of(share, &[0.0, 0.1, 0.2], &[1.0, 2.0, 3.0]).len(), 1);
    }

    #[test]
    fn bands_are_clipped_to_the_metrics_range() {
        let ci = MeanCi {
            n: 3,
            mean: 0.02,
            sd: 0.05,
            lo: -0.1,
            hi: 0.14,
        };
        let c = clip(ci, bounds("evolver_share"));
        assert_eq!((c.lo, c.mean, c.hi), (0.0, 0.02, 0.14));
        let c = clip(ci, bounds("harness_quality"));
        assert_eq!(c.lo, -0.1, "an unbounded metric keeps its interval");
        assert_eq!(clip(ci, bounds("spend_user")).lo, 0.0);
        assert_eq!(bounds("solve_rate").1, 1.0);
        assert!(cumulative("yield") && !cumulative("harness_quality"));
    }
}
