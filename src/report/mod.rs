//! Reports of a sweep: plots (PNG and SVG) and a markdown summary, drawn from the run
//! table and the time series.

pub mod markdown;
pub mod plot;

use crate::base::fmt::param_str;
use crate::base::stats::{MeanCi, mean_ci};
use crate::sweep::csv::{self, SeriesSummary};
use crate::sweep::folder::REPORT;
use crate::sweep::plan::SweepPlan;
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
/// ay)`, one panel per facet, on one colour scale for every policy; the best cell of each
/// policy outlined in red, the cells whose paired 95% CI of the difference from it
/// includes 0 in orange.
fn heatmaps(
    dir: &Path,
    plan: &SweepPlan,
    look: &Lookup<'_>,
    m: usize,
    name: &str,
    (ax, ay): (usize, usize),
    facets: &Facets,
) -> anyhow::Result<Vec<PlotInfo>> {
    let mut keys = vec![ax, ay];
    keys.extend(facets.axes.iter().copied());
    let groups = look.group_reps(m, &keys);
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
        for (k, reps) in &groups {
            let v = mean(&reps[p]);
            if v.is_finite() && best.is_none_or(|(_, b)| v > b) {
                best = Some((k, v));
            }
        }
        let near: Vec<&Vec<usize>> = match best {
            None => Vec::new(),
            Some((bk, _)) => groups
                .iter()
                .filter(|(k, reps)| {
                    *k != bk && {
                        let d: Vec<f64> = reps[p]
                            .iter()
                            .zip(&groups[bk][p])
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
        let stem = format!("plots/heatmap_{p}_{}", slug(l));
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
                "; best {} = {}, {} = {}{facet} (outlined in red): {}; {} other cells (orange) \
                 have a paired 95% CI of the difference from it that includes 0",
                xa.path,
                xt[k[0]],
                ya.path,
                yt[k[1]],
                crate::base::fmt::sig(v),
                near.len()
            )
        });
        plot::heatmap_panels(
            &dir.join(&stem),
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

/// Draws every plot of a sweep into `dir/plots/` and returns what was drawn:
/// the headline metric per policy (mean over the grid and, with more than one cell, at each
/// policy's best cell; 95% CIs), against the first numeric axis, the heatmap over two axes
/// per policy (evolver x verifier shares if swept) with the best cell outlined, and each
/// time-series column per policy at its best cell (`series`, `harness_quality` first).
pub fn draw_all(
    dir: &Path,
    plan: &SweepPlan,
    table: &RunTable,
    summary: &Summary,
    series: &SeriesSummary,
) -> anyhow::Result<Vec<PlotInfo>> {
    let mut out = Vec::new();
    let plots = dir.join("plots");
    let labels: Vec<String> = plan.policies.iter().map(|p| p.label.clone()).collect();
    let best_cells = summary.best_headline_cells();
    if let Some(m) = table.headline() {
        let name = &table.metrics[m];
        let look = Lookup::new(plan, table);
        let all = look.marginal(m, &[]);
        if let Some(cis) = all.values().next() {
            let stem = format!("plots/{}_by_policy", slug(name));
            let over = if plan.n_cells() > 1 {
                format!(" (mean over {} cells)", plan.n_cells())
            } else {
                String::new()
            };
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
        if plan.n_cells() > 1 {
            let cis: Vec<MeanCi> = best_cells
                .iter()
                .enumerate()
                .map(|(p, c)| {
                    c.and_then(|c| summary.get(c, p, m))
                        .map_or_else(|| mean_ci(&[], LEVEL), |r| clip(r.ci, bounds(name)))
                })
                .collect();
            let stem = format!("plots/{}_best_cell_by_policy", slug(name));
            plot::bar_ci(
                &dir.join(&stem),
                &format!("{name} at each policy's best cell, 95% CI"),
                "policy",
                &with_unit(name),
                &labels,
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
                    "Mean {name} of each policy at its best of {} cells, with 95% CIs over replications \
                     (picked as the best, so optimistic); {}.",
                    plan.n_cells(),
                    at.join("; ")
                ),
            });
        }
        let facets = Facets::of(plan);
        let numeric: Vec<usize> = plan
            .axes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.values.len() >= 2 && a.values.iter().all(is_numeric))
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
            let stem = format!("plots/{}_vs_{}", slug(name), slug(&axis.path));
            let averaged = plan.params().len() > 1 + facets.axes.len();
            let others = if averaged {
                " (other numeric parameters averaged)"
            } else {
                ""
            };
            let title = format!("{name} against {} per policy, 95% CI", axis.path);
            if facets.axes.is_empty() {
                plot::lines_ci(
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
            out.extend(heatmaps(dir, plan, &look, m, name, (ax, ay), &facets)?);
        }
    }
    // Time series: harness quality first, then the rest in the simulator's order.
    let mut order: Vec<usize> = (0..series.columns.len()).collect();
    order.sort_by_key(|&c| series.columns[c] != "harness_quality");
    let scope = if plan.n_cells() > 1 {
        " at its best cell"
    } else {
        ""
    };
    for c in order {
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
                    format!("`{col}` over the interval since the previous sampled hour")
                },
            )
        };
        plot::series(&dir.join(&stem), &title, &with_unit(col), &lines)?;
        out.push(PlotInfo {
            stem,
            caption: format!(
                "{what} for each policy{scope}: mean over replications, shaded 95% CI."
            ),
        });
    }
    let _ = std::fs::create_dir_all(&plots);
    Ok(out)
}

/// Writes `summary.csv`, `paired.csv`, `timeseries_summary.csv`, the plots and
/// `report.md` from `runs.csv` and `timeseries.csv`. `about` is the report's "what ran"
/// section (no wall-clock times, so that outputs compare byte for byte).
pub fn finalize(dir: &Path, plan: &SweepPlan, about: &str) -> anyhow::Result<()> {
    let table = read_runs(dir, plan)?;
    let summary = Summary::new(plan, &table);
    csv::write_summary_csvs(dir, plan, &summary)?;
    let series = csv::read_series(dir, plan, &table, &summary.best_headline_cells())?;
    csv::write_series_summary(dir, plan, &series)?;
    let plots = draw_all(dir, plan, &table, &summary, &series)?;
    let md = markdown::report(plan, &table, &summary, &plots, about);
    write_atomic(&dir.join(REPORT), md.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

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
