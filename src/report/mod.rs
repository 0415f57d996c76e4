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
        n if n.starts_with("spend") => "dollars",
        p if p.starts_with("policy.shares.") => "share of budget",
        _ => "",
    };
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
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
            plot::bar_ci(
                &dir.join(&stem),
                &format!("Mean {name} per policy{over}, 95% CI"),
                "policy",
                &with_unit(name),
                &labels,
                cis,
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
                        .map_or_else(|| mean_ci(&[], LEVEL), |r| r.ci)
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
        let numeric: Vec<usize> = plan
            .axes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.values.len() >= 2 && a.values.iter().all(is_numeric))
            .map(|(i, _)| i)
            .collect();
        if let Some(&a) = numeric.first() {
            let axis = &plan.axes[a];
            let groups = look.marginal(m, &[a]);
            let lines: Vec<plot::Line> = labels
                .iter()
                .enumerate()
                .map(|(p, l)| {
                    let pts = groups
                        .iter()
                        .map(|(k, cis)| (as_f64(&axis.values[k[0]]), cis[p]))
                        .collect();
                    (l.clone(), pts)
                })
                .collect();
            let stem = format!("plots/{}_vs_{}", slug(name), slug(&axis.path));
            let others = if plan.params().len() > 1 {
                " (other parameters averaged)"
            } else {
                ""
            };
            plot::lines_ci(
                &dir.join(&stem),
                &format!("{name} against {} per policy, 95% CI", axis.path),
                &with_unit(&axis.path),
                &with_unit(name),
                &lines,
            )?;
            out.push(PlotInfo {
                stem,
                caption: format!(
                    "Mean {name} against `{}` per policy{others}, shaded 95% CI.",
                    axis.path
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
            // With exactly these two axes the map's cells are the sweep's cells, and the
            // outlined cell is the policy's best cell named in the report.
            let exact = plan.axes.len() == 2 && plan.design.is_none();
            let groups = look.marginal(m, &[ax, ay]);
            let (xa, ya) = (&plan.axes[ax], &plan.axes[ay]);
            let xt: Vec<String> = xa.values.iter().map(param_str).collect();
            let yt: Vec<String> = ya.values.iter().map(param_str).collect();
            for (p, l) in labels.iter().enumerate() {
                let mut z = vec![vec![f64::NAN; yt.len()]; xt.len()];
                for (k, cis) in &groups {
                    z[k[0]][k[1]] = cis[p].mean;
                }
                let best = if exact {
                    best_cells[p].map(|c| {
                        let (idx, _) = plan.cell_position(c);
                        (idx[ax], idx[ay])
                    })
                } else {
                    let mut best = None;
                    let mut bv = f64::NEG_INFINITY;
                    for (ix, col) in z.iter().enumerate() {
                        for (iy, &v) in col.iter().enumerate() {
                            if v > bv {
                                bv = v;
                                best = Some((ix, iy));
                            }
                        }
                    }
                    best
                };
                let stem = format!("plots/heatmap_{p}_{}", slug(l));
                let best_txt = best.map_or(String::new(), |(ix, iy)| {
                    format!(
                        "; best {} = {}, {} = {} (outlined): {}",
                        xa.path,
                        xt[ix],
                        ya.path,
                        yt[iy],
                        crate::base::fmt::sig(z[ix][iy])
                    )
                });
                let over = if exact {
                    ""
                } else {
                    " (other parameters averaged)"
                };
                plot::heatmap(
                    &dir.join(&stem),
                    &format!("Mean {name}, policy {l}"),
                    &with_unit(&xa.path),
                    &with_unit(&ya.path),
                    &with_unit(name),
                    &xt,
                    &yt,
                    &z,
                    best,
                )?;
                out.push(PlotInfo {
                    stem,
                    caption: format!(
                        "Allocation map for policy {l}: mean {name} over `{}` x `{}`{over}{best_txt}.",
                        xa.path, ya.path
                    ),
                });
            }
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
        let lines: Vec<plot::Line> = labels
            .iter()
            .enumerate()
            .map(|(p, l)| (l.clone(), series.line(p, c).into_iter().collect()))
            .collect();
        let stem = format!("plots/series_{}", slug(col));
        plot::series(
            &dir.join(&stem),
            &format!("{col} over time per policy{scope}, 95% CI"),
            &with_unit(col),
            &lines,
        )?;
        out.push(PlotInfo {
            stem,
            caption: format!(
                "`{col}` per simulated hour for each policy{scope}: mean over replications, shaded 95% CI."
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
